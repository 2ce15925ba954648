//! The mapping field by field on the fixtures: one key family per record, secrets kept out.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use pager_core::{Action, AdditionalData};
use pager_honeybadger::Honeybadger;

fn fixture(name: &str) -> pager_core::Event {
    pager_testkit::fixture_event(&Honeybadger, "honeybadger", name)
}

fn handle(body: &serde_json::Value) -> Result<Vec<pager_core::Event>, pager_core::Error> {
    pager_testkit::handle_json(&Honeybadger, body)
}

fn json(event: &pager_core::Event) -> String {
    serde_json::to_string(event).unwrap()
}

#[test]
fn a_fault_occurs_and_is_resolved_under_one_key() {
    let occurred = fixture("occurred.json");
    assert_eq!(occurred.action, Action::Create);
    assert_eq!(occurred.thirdparty_id, "fault:3151009");
    assert_eq!(occurred.dedup_keys, ["fault:3151009"]);
    assert_eq!(occurred.title, "[Crywolf/test] RuntimeError - oops");
    assert_eq!(occurred.description.as_deref(), Some("RuntimeError: oops"));
    assert_eq!(occurred.urgency, None, "Honeybadger has no severity");
    assert!(occurred.tags.is_empty());
    assert_eq!(
        occurred.additional_data,
        [
            AdditionalData::text("Event", "occurred"),
            AdditionalData::text("Environment", "development"),
            AdditionalData::text("Error class", "RuntimeError"),
            AdditionalData::text("Notices", "9"),
            AdditionalData::datetime("Last notice at", "2014-01-08T19:02:21Z"),
        ]
    );
    assert_eq!(
        occurred.meta_value(),
        serde_json::json!({"event": "occurred"})
    );

    let resolved = fixture("resolved.json");
    assert_eq!(resolved.action, Action::Resolve);
    assert_eq!(resolved.thirdparty_id, occurred.thirdparty_id);
    assert_eq!(
        resolved.additional_data[0],
        AdditionalData::link(
            "Honeybadger fault",
            "https://app.honeybadger.io/projects/1717/faults/3151009"
        )
        .unwrap()
    );
    assert!(
        resolved
            .additional_data
            .contains(&AdditionalData::text("By", "Joshua Wood"))
    );
    assert!(!json(&resolved).contains("josh@example.com"), "no emails");
}

#[test]
fn assignments_and_comments_are_other_on_the_fault() {
    let assigned = fixture("assigned.json");
    assert_eq!(assigned.action, Action::Other);
    assert_eq!(assigned.thirdparty_id, "fault:14108233");
    assert_eq!(
        assigned.meta_value(),
        serde_json::json!({"event": "assigned", "reason": "an assignment does not change whether the error is open"})
    );
    assert!(
        assigned
            .additional_data
            .contains(&AdditionalData::text("Assignee", "Benjamin Curtis"))
    );
    let commented = handle(&serde_json::json!({
        "event": "commented", "message": "[Crywolf/production] Joshua Wood commented on RuntimeError",
        "fault": {"id": 14_108_233}
    }))
    .unwrap();
    assert_eq!(commented[0].action, Action::Other);
    assert_eq!(commented[0].thirdparty_id, "fault:14108233");
    for event in ["unresolved", "rate_exceeded"] {
        let reopened =
            handle(&serde_json::json!({"event": event, "fault": {"id": 7, "klass": "E"}})).unwrap();
        assert_eq!(reopened[0].action, Action::Create, "{event}");
        assert_eq!(
            reopened[0].title,
            "E (".to_owned() + event + ")",
            "no message"
        );
    }
}

#[test]
fn a_site_goes_down_and_up_under_its_own_key_without_the_project_token() {
    let down = fixture("down.json");
    assert_eq!(down.action, Action::Create);
    assert_eq!(
        down.thirdparty_id,
        "site:c42c4c0a-6e3d-4303-9769-549ed2a5818e"
    );
    assert_eq!(down.title, "[Testy McTestFace] Heroku is down.");
    assert_eq!(
        down.description.as_deref(),
        Some("Expected 2xx status code. Got 503")
    );
    assert_eq!(
        down.additional_data[..2],
        [
            AdditionalData::link(
                "Honeybadger site",
                "https://app.honeybadger.io/projects/123321/sites/c42c4c0a-6e3d-4303-9769-549ed2a5818e"
            )
            .unwrap(),
            AdditionalData::link("Site URL", "https://example.com").unwrap(),
        ]
    );
    assert!(
        down.additional_data
            .contains(&AdditionalData::text("HTTP status", "503"))
    );
    assert!(!json(&down).contains("zzz111"), "project.token is a secret");

    let up = fixture("up.json");
    assert_eq!(up.action, Action::Resolve);
    assert_eq!(up.thirdparty_id, down.thirdparty_id);
    assert!(up.additional_data.contains(&AdditionalData::datetime(
        "Up at",
        "2023-10-30T19:44:08.153211Z"
    )));
}

#[test]
fn a_check_in_is_keyed_on_a_hash_of_its_id_which_never_shows() {
    let missing = fixture("check-in-missing.json");
    assert_eq!(missing.action, Action::Create);
    assert!(missing.thirdparty_id.starts_with("check_in:"));
    assert_eq!(missing.thirdparty_id.len(), "check_in:".len() + 32);
    assert_eq!(
        missing.title,
        "[Testy McTestFace] MISSING: Hourly clean up hasn't checked in for 1 hour"
    );
    assert!(
        missing
            .additional_data
            .contains(&AdditionalData::text("Schedule", "1 hour"))
    );
    let reporting = fixture("check-in-reporting.json");
    assert_eq!(reporting.action, Action::Resolve);
    assert_eq!(reporting.thirdparty_id, missing.thirdparty_id);

    let unnamed = fixture("check-in-missing-unnamed.json");
    assert_eq!(unnamed.thirdparty_id, missing.thirdparty_id);
    assert_eq!(
        unnamed.title,
        "[Testy McTestFace] MISSING: [check-in id] hasn't checked in for 1 hour"
    );
    for event in [missing, reporting, unnamed] {
        assert!(!json(&event).contains("XXXXXX"), "{}", json(&event));
    }
}

#[test]
fn families_never_collide_and_unknown_events_are_other() {
    let site = handle(&serde_json::json!({"event": "down", "site": {"id": "42"}})).unwrap();
    let fault = handle(&serde_json::json!({"event": "occurred", "fault": {"id": 42}})).unwrap();
    let project = handle(&serde_json::json!({"event": "deployed", "project": {"id": 42}})).unwrap();
    assert_eq!(site[0].thirdparty_id, "site:42");
    assert_eq!(fault[0].thirdparty_id, "fault:42");
    assert_eq!(project[0].thirdparty_id, "project:42");
    assert_eq!(project[0].action, Action::Other);
    let v3 = handle(
        &serde_json::json!({"event": "occurred", "payload_version": "v3", "fault": {"id": "42"}}),
    )
    .unwrap();
    assert_eq!(v3[0].thirdparty_id, "fault:42", "v3 sends ids as strings");

    let spike =
        handle(&serde_json::json!({"event": "volume_spike", "project": {"id": 9}})).unwrap();
    assert_eq!(spike[0].action, Action::Other);
    assert_eq!(spike[0].thirdparty_id, "project:9");
    assert_eq!(
        spike[0].meta_value()["reason"],
        "event \"volume_spike\" is not mapped to an alert state"
    );
    let err = handle(&serde_json::json!({"event": "up", "site": {"name": "x"}})).unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(
        err.to_string(),
        "invalid payload at site.id: missing or empty: the site's id identifies it"
    );
}

#[test]
fn a_sites_url_shows_without_its_credentials() {
    let events = handle(&serde_json::json!({
        "event": "down",
        "site": {"id": "7", "url": "https://user:pw@shop.example/health?token=t"}
    }))
    .unwrap();
    let shown = json(&events[0]);
    assert!(
        shown.contains("https://shop.example/health"),
        "the URL is still there: {shown}"
    );
    assert!(
        !shown.contains("pw") && !shown.contains("token=t"),
        "{shown}"
    );
}
