//! The mapping field by field on the fixtures: open, resolved and merged problems, severity,
//! unfilled placeholders, Dynatrace's test notification.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use pager_core::{Action, AdditionalData, Urgency};
use pager_dynatrace::Dynatrace;
use pager_testkit::data;

const PID: &str = "6379622346718683749_1700123373000V2";

fn fixture(name: &str) -> pager_core::Event {
    pager_testkit::fixture_event(&Dynatrace, "dynatrace", name)
}

fn handle(body: &serde_json::Value) -> Result<Vec<pager_core::Event>, pager_core::Error> {
    pager_testkit::handle_json(&Dynatrace, body)
}

fn meta(event: &pager_core::Event, key: &str) -> Option<String> {
    event.meta_value()[key].as_str().map(str::to_owned)
}

#[test]
fn one_problem_opens_resolves_and_merges_on_its_pid() {
    let open = fixture("recommended-open.json");
    let resolved = fixture("recommended-resolved.json");
    let merged = fixture("recommended-merged.json");
    assert_eq!(open.action, Action::Create);
    assert_eq!(resolved.action, Action::Resolve);
    assert_eq!(merged.action, Action::Resolve);
    for (event, state) in [
        (&open, "OPEN"),
        (&resolved, "RESOLVED"),
        (&merged, "MERGED"),
    ] {
        assert_eq!(event.thirdparty_id, PID);
        assert_eq!(event.dedup_keys, [PID]);
        assert_eq!(event.title, "Failure rate increase");
        assert_eq!(event.urgency, Some(Urgency::High));
        assert_eq!(
            event.tags,
            ["env:prod", "team:payments", "[Kubernetes]app:checkout"]
        );
        assert!(
            event
                .description
                .as_deref()
                .unwrap()
                .starts_with("Problem 2305871 in environment Production\n")
        );
        assert_eq!(
            event.additional_data[0],
            AdditionalData::link(
                "Dynatrace problem",
                &format!("https://abc12345.live.dynatrace.com/#problems/problemdetail;pid={PID}")
            )
            .unwrap()
        );
        assert_eq!(data(event, "Problem"), Some("2305871"));
        assert_eq!(data(event, "State"), Some(state));
        assert_eq!(data(event, "Severity"), Some("ERROR"));
        assert_eq!(data(event, "Impact"), Some("SERVICE"));
        assert_eq!(data(event, "Impacted entity"), Some("checkout-service"));
        assert_eq!(
            data(event, "Impacted entities"),
            Some("checkout-service (SERVICE-5A5E2DB1B1C0A1F2)")
        );
        assert_eq!(meta(event, "state").as_deref(), Some(state));
        assert_eq!(meta(event, "severity").as_deref(), Some("ERROR"));
        assert_eq!(meta(event, "impact").as_deref(), Some("SERVICE"));
        assert_eq!(meta(event, "reason"), None);
    }
}

#[test]
fn the_documented_example_is_the_test_notification_and_opens_nothing() {
    let test = fixture("documented-test-run.json");
    assert_eq!(test.action, Action::Other);
    assert_eq!(test.thirdparty_id, "99999");
    assert_eq!(test.title, "Dynatrace problem notification test run");
    assert_eq!(
        meta(&test, "reason").as_deref(),
        Some("a test notification (\"Send test notification\")")
    );
    assert_eq!(test.tags, ["testtag1", "testtag2"]);
    // The example spells the URL's key "Problem URL".
    assert_eq!(
        test.additional_data[0],
        AdditionalData::link("Dynatrace problem", "https://example.com").unwrap()
    );
    assert_eq!(
        data(&test, "Impacted entities"),
        Some("MyHost1 (HOST-XXXXXXXXXXXXX), MyService1 (SERVICE-XXXXXXXXXXXXX)")
    );
    assert_eq!(data(&test, "Problem"), Some("999"));
}

#[test]
fn unfilled_placeholders_and_blanks_read_as_absent() {
    let event = fixture("unfilled-placeholders.json");
    assert_eq!(event.action, Action::Create);
    assert_eq!(event.urgency, None);
    assert_eq!(event.tags, Vec::<String>::new());
    assert_eq!(event.description, None);
    assert_eq!(data(&event, "Severity"), None);
    assert_eq!(data(&event, "Impacted entities"), None);
    assert!(
        event
            .additional_data
            .iter()
            .all(|d| d.label != "Dynatrace problem")
    );
    assert_eq!(data(&event, "Impacted entity"), Some("web-01"));
}

#[test]
fn severities_map_to_urgencies() {
    for (severity, urgency) in [
        ("AVAILABILITY", Some(Urgency::Critical)),
        ("ERROR", Some(Urgency::High)),
        ("PERFORMANCE", Some(Urgency::Medium)),
        ("RESOURCE_CONTENTION", Some(Urgency::Medium)),
        ("CUSTOM_ALERT", None),
    ] {
        let events = handle(&serde_json::json!({"PID": "1_2V2", "State": "OPEN",
            "ProblemSeverity": severity}))
        .unwrap();
        assert_eq!(events[0].urgency, urgency, "{severity}");
    }
}

#[test]
fn states_are_read_in_any_case_and_unknown_ones_are_other() {
    let state = |state: serde_json::Value| {
        let events = handle(&serde_json::json!({"PID": "1_2V2", "State": state})).unwrap();
        (events[0].action, meta(&events[0], "reason"))
    };
    assert_eq!(state("open".into()), (Action::Create, None));
    assert_eq!(state("Resolved".into()), (Action::Resolve, None));
    assert_eq!(
        state("CLOSED".into()),
        (
            Action::Other,
            Some("State \"CLOSED\" is none of OPEN, RESOLVED, MERGED".to_owned())
        )
    );
    assert_eq!(
        state("{State}".into()),
        (
            Action::Other,
            Some("no State: the payload needs \"State\": \"{State}\"".to_owned())
        )
    );
}

#[test]
fn titles_fall_back_to_the_display_number_then_the_pid() {
    let title = |body: serde_json::Value| handle(&body).unwrap()[0].title.clone();
    assert_eq!(
        title(serde_json::json!({"PID": "1_2V2", "ProblemID": "2305871"})),
        "Dynatrace problem 2305871"
    );
    assert_eq!(
        title(serde_json::json!({"PID": "1_2V2", "ProblemTitle": "{ProblemTitle}"})),
        "Dynatrace problem 1_2V2"
    );
}

#[test]
fn a_numeric_pid_is_its_text_and_a_non_http_url_is_no_link() {
    let events = handle(&serde_json::json!({"PID": 99999, "State": "OPEN",
        "ProblemURL": "javascript:alert(1)"}))
    .unwrap();
    assert_eq!(events[0].thirdparty_id, "99999");
    assert!(
        events[0]
            .additional_data
            .iter()
            .all(|d| d.label != "Dynatrace problem")
    );
}
