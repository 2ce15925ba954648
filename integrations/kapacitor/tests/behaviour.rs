//! The mapping field by field on the fixtures: levels, recoveries, the default templates.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use pager_core::{Action, AdditionalData, Urgency};
use pager_kapacitor::Kapacitor;

fn fixture(name: &str) -> pager_core::Event {
    pager_testkit::fixture_event(&Kapacitor, "kapacitor", name)
}

fn handle(body: &serde_json::Value) -> Result<Vec<pager_core::Event>, pager_core::Error> {
    pager_testkit::handle_json(&Kapacitor, body)
}

#[test]
fn critical_opens_the_alert_named_by_its_id_with_the_triggering_point() {
    let critical = fixture("critical.json");
    assert_eq!(critical.action, Action::Create);
    assert_eq!(critical.thirdparty_id, "kapacitor/cpu/serverA");
    assert_eq!(critical.dedup_keys, ["kapacitor/cpu/serverA"]);
    assert_eq!(critical.title, "kapacitor/cpu/serverA is CRITICAL");
    assert_eq!(critical.description.as_deref(), Some("details"));
    assert_eq!(critical.urgency, Some(Urgency::Critical));
    assert!(critical.tags.is_empty());
    assert_eq!(
        critical.additional_data,
        [
            AdditionalData::text("Alert ID", "kapacitor/cpu/serverA"),
            AdditionalData::text("Level", "CRITICAL"),
            AdditionalData::text("Previous level", "OK"),
            AdditionalData::datetime("Event at", "1971-01-01T00:00:10Z"),
            AdditionalData::text("Measurement", "cpu"),
            AdditionalData::text("host", "serverA"),
            AdditionalData::text("count", "10"),
        ]
    );
    assert!(critical.meta.is_empty(), "{:?}", critical.meta);
}

#[test]
fn levels_set_the_urgency_and_ok_resolves_the_same_alert() {
    let info = fixture("info.json");
    assert_eq!(info.action, Action::Create);
    assert_eq!(info.urgency, Some(Urgency::Low));
    let warning = fixture("warning-no-recoveries.json");
    assert_eq!(warning.action, Action::Create);
    assert_eq!(warning.urgency, Some(Urgency::Medium));
    assert_eq!(warning.description, None, "empty details");
    assert_eq!(
        warning.meta_value(),
        serde_json::json!({"recoverable": false}),
        "an alert with .noRecoveries() never sends OK"
    );

    let ok = fixture("ok-recovery.json");
    assert_eq!(ok.action, Action::Resolve);
    assert_eq!(ok.thirdparty_id, info.thirdparty_id);
    assert_eq!(ok.urgency, None);
    assert_eq!(ok.title, "kapacitor/cpu/serverA is OK");
    assert!(
        ok.additional_data
            .contains(&AdditionalData::text("Duration", "3s"))
    );
    assert!(
        ok.additional_data
            .contains(&AdditionalData::text("Previous level", "INFO"))
    );
    assert!(
        ok.additional_data
            .contains(&AdditionalData::text("type", "usage"))
    );
}

#[test]
fn the_default_details_dump_is_not_a_description() {
    let event = fixture("default-templates.json");
    assert_eq!(event.thirdparty_id, "cpu:host=serverA");
    assert_eq!(event.title, "cpu:host=serverA is CRITICAL");
    assert_eq!(event.description, None);
    assert!(
        event
            .additional_data
            .contains(&AdditionalData::text("usage_idle", "3.5"))
    );
    assert!(
        event
            .additional_data
            .contains(&AdditionalData::text("Duration", "2m0s"))
    );
}

#[test]
fn odd_levels_are_other_and_a_missing_message_is_made_from_id_and_level() {
    let lower = handle(&serde_json::json!({"id": "k", "level": "warning"})).unwrap();
    assert_eq!(lower[0].action, Action::Create);
    assert_eq!(lower[0].urgency, Some(Urgency::Medium));
    assert_eq!(lower[0].title, "k is warning");
    let ok = handle(&serde_json::json!({"id": "k", "level": "ok", "message": "\n"})).unwrap();
    assert_eq!(ok[0].action, Action::Resolve);
    assert_eq!(ok[0].title, "k is ok");
    let multi =
        handle(&serde_json::json!({"id": "k", "level": "INFO", "message": "first\nsecond"}))
            .unwrap();
    assert_eq!(multi[0].title, "first");
    let odd = handle(&serde_json::json!({"id": "k", "level": "unknown"})).unwrap();
    assert_eq!(odd[0].action, Action::Other);
    assert_eq!(
        odd[0].meta_value()["reason"],
        "level \"unknown\" is none of OK, INFO, WARNING, CRITICAL"
    );
    let err = handle(&serde_json::json!({"id": "", "level": "CRITICAL"})).unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(
        err.to_string(),
        "invalid payload at id: missing or empty: the alert's ID (its .id() template) identifies the alert"
    );
}

#[test]
fn field_values_are_read_from_the_last_row() {
    let events = handle(&serde_json::json!({
        "id": "k", "level": "CRITICAL",
        "data": {"series": [{"name": "disk", "columns": ["time", "used", "path", "ok", "nothing", "list"],
            "values": [["t0", 1, "/a", true, null, [1]], ["t1", 2, "/b", false, null, [2]]]}]}
    }))
    .unwrap();
    let data = &events[0].additional_data;
    assert!(data.contains(&AdditionalData::text("used", "2")));
    assert!(data.contains(&AdditionalData::text("path", "/b")));
    assert!(data.contains(&AdditionalData::text("ok", "false")));
    assert!(
        !data
            .iter()
            .any(|d| ["nothing", "list", "time"].contains(&&*d.label))
    );
}
