//! The mapping field by field on the fixtures: open and closed incidents, severity, labels,
//! test notifications.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use pager_core::{Action, AdditionalData, Urgency};
use pager_google_cloud_monitoring::GoogleCloudMonitoring;
use pager_testkit::data;

fn fixture(name: &str) -> pager_core::Event {
    pager_testkit::fixture_event(&GoogleCloudMonitoring, "google-cloud-monitoring", name)
}

fn handle(body: &serde_json::Value) -> Result<Vec<pager_core::Event>, pager_core::Error> {
    pager_testkit::handle_json(&GoogleCloudMonitoring, body)
}

fn meta(event: &pager_core::Event, key: &str) -> Option<String> {
    event.meta_value()[key].as_str().map(str::to_owned)
}

#[test]
fn the_documented_incident_opens_and_closes_one_alert() {
    let open = fixture("documented-open.json");
    let closed = fixture("documented-closed.json");
    assert_eq!(open.action, Action::Create);
    assert_eq!(closed.action, Action::Resolve);
    for event in [&open, &closed] {
        assert_eq!(event.thirdparty_id, "0.opqiw61fsv7p");
        assert_eq!(event.dedup_keys, ["0.opqiw61fsv7p"]);
        assert_eq!(
            event.title,
            "Monitor-Project-Cluster on gke-cluster-1-default-pool-e2df4cbd-dgp3"
        );
        // "No severity" is no urgency: the host's default applies.
        assert_eq!(event.urgency, None);
        assert_eq!(
            event.tags,
            ["user-label-1:important label", "user-label-2:another label"]
        );
        assert_eq!(
            event.additional_data[0],
            AdditionalData::link(
                "Cloud Monitoring incident",
                "https://console.cloud.google.com/monitoring/alerting/incidents/0.lxfiw61fsv7p?project=internal-project"
            )
            .unwrap()
        );
        assert_eq!(data(event, "Policy"), Some("Monitor-Project-Cluster"));
        assert_eq!(
            data(event, "Condition"),
            Some("VM Instance - CPU utilization [MAX]")
        );
        assert_eq!(data(event, "Severity"), Some("no severity"));
        assert_eq!(data(event, "Resource type"), Some("VM Instance"));
        assert_eq!(
            data(event, "Resource labels"),
            Some("instance_id=11223344, project_id=internal-project, zone=us-central1-c")
        );
        assert_eq!(data(event, "Metric"), Some("CPU utilization"));
        assert_eq!(data(event, "System labels"), Some("labelkey=labelvalue"));
        assert_eq!(data(event, "Threshold"), Some("0.9"));
        assert_eq!(data(event, "Project"), Some("internal-project"));
        assert_eq!(data(event, "Subject"), Some("ALERT - No severity"));
        assert!(
            data(event, "Documentation")
                .unwrap()
                .starts_with("TEST ALERT\n\npolicy.name=")
        );
        assert_eq!(data(event, "Started at"), Some("2020-01-01T01:01:01.000Z"));
        assert_eq!(meta(event, "version").as_deref(), Some("1.2"));
        assert_eq!(meta(event, "severity").as_deref(), Some("no severity"));
    }
    assert_eq!(data(&open, "Observed value"), Some("0.952"));
    assert_eq!(data(&open, "Ended at"), None);
    assert_eq!(meta(&open, "state").as_deref(), Some("open"));
    assert!(
        open.description
            .as_deref()
            .unwrap()
            .ends_with("is above the threshold of 0.900 with a value of 0.952.")
    );
    assert_eq!(data(&closed, "Observed value"), Some("0.835"));
    assert_eq!(data(&closed, "Ended at"), Some("2020-01-01T11:11:11.000Z"));
    assert_eq!(meta(&closed, "state").as_deref(), Some("closed"));
    assert!(
        closed
            .description
            .as_deref()
            .unwrap()
            .ends_with("returned to normal with a value of 0.835.")
    );
}

#[test]
fn severities_map_to_urgencies_through_the_shared_vocabulary() {
    let error = fixture("flanksource-open-error.json");
    assert_eq!(error.urgency, Some(Urgency::High));
    assert_eq!(error.tags, Vec::<String>::new());
    // Empty metadata labels and documentation content are left out; the subject stays.
    assert_eq!(data(&error, "System labels"), None);
    assert_eq!(data(&error, "Documentation"), None);
    assert_eq!(
        data(&error, "Subject"),
        Some("[ALERT - Error] Incident created")
    );
    for (severity, urgency) in [
        ("Critical", Some(Urgency::Critical)),
        ("Error", Some(Urgency::High)),
        ("Warning", Some(Urgency::Medium)),
        ("No severity", None),
        ("whatever", None),
    ] {
        let events = handle(&serde_json::json!({"version": "1.2", "incident": {
            "incident_id": "0.x", "state": "open", "severity": severity}}))
        .unwrap();
        assert_eq!(events[0].urgency, urgency, "{severity}");
    }
}

#[test]
fn a_cancelled_incident_resolves_with_googles_explanation() {
    let closed = fixture("flanksource-closed-cancelled.json");
    assert_eq!(closed.action, Action::Resolve);
    assert_eq!(closed.thirdparty_id, "0.nrwo9fe1a4wg");
    assert_eq!(
        data(&closed, "Observed value"),
        Some(
            "Incident cancelled because the alert policy condition was deleted or modified while incident was active."
        )
    );
    assert_eq!(data(&closed, "Ended at"), Some("2025-05-02T09:39:07.000Z"));
}

#[test]
fn test_notifications_are_other_events_that_open_nothing() {
    let test = fixture("test-notification.json");
    assert_eq!(test.action, Action::Other);
    assert_eq!(test.thirdparty_id, "12345");
    assert_eq!(
        meta(&test, "reason").as_deref(),
        Some("a test notification (version \"test\")")
    );
    assert_eq!(meta(&test, "state").as_deref(), Some("OPEN"));
    // A plain-string documentation is the content; zero times are no times.
    assert_eq!(data(&test, "Documentation"), Some("Test documentation"));
    assert_eq!(data(&test, "Started at"), None);
    assert_eq!(
        test.additional_data[1],
        AdditionalData::link("Apigee", "http://www.example.com").unwrap()
    );
}

#[test]
fn states_are_read_in_any_case_and_unknown_ones_are_other() {
    let state = |state: serde_json::Value| {
        let events = handle(&serde_json::json!({"version": "1.2",
            "incident": {"incident_id": "0.x", "state": state}}))
        .unwrap();
        (events[0].action, meta(&events[0], "reason"))
    };
    assert_eq!(state("OPEN".into()), (Action::Create, None));
    assert_eq!(state("Closed".into()), (Action::Resolve, None));
    assert_eq!(
        state("acknowledged".into()),
        (
            Action::Other,
            Some("state \"acknowledged\" is neither open nor closed".to_owned())
        )
    );
    assert_eq!(state(serde_json::Value::Null).0, Action::Other);
}

#[test]
fn titles_fall_back_to_what_was_sent() {
    let title = |incident: serde_json::Value| {
        handle(&serde_json::json!({"version": "1.2", "incident": incident})).unwrap()[0]
            .title
            .clone()
    };
    assert_eq!(
        title(serde_json::json!({"incident_id": "0.x", "policy_name": "High CPU"})),
        "High CPU"
    );
    assert_eq!(
        title(serde_json::json!({"incident_id": "0.x", "resource_name": "proj web-1"})),
        "Cloud Monitoring incident on proj web-1"
    );
    assert_eq!(
        title(serde_json::json!({"incident_id": "0.x"})),
        "Cloud Monitoring incident 0.x"
    );
}

#[test]
fn links_must_be_http_and_odd_label_values_are_refused_with_their_path() {
    let events = handle(&serde_json::json!({"version": "1.2", "incident": {
        "incident_id": "0.x", "state": "open", "url": "javascript:alert(1)"}}))
    .unwrap();
    assert!(
        events[0]
            .additional_data
            .iter()
            .all(|d| d.label != "Cloud Monitoring incident")
    );
    let err = handle(&serde_json::json!({"version": "1.2", "incident": {
        "incident_id": "0.x", "resource": {"labels": {"zone": 1}}}}))
    .unwrap_err();
    assert_eq!(err.status().as_u16(), 400);
    assert!(
        err.to_string().contains("incident.resource.labels"),
        "{err}"
    );
}
