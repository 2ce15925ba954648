//! The mapping field by field on the fixtures: the definition's key and the event's group,
//! priority, the test notification, the backlog.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use pager_core::{Action, AdditionalData, Urgency};
use pager_graylog::Graylog;

fn fixture(name: &str) -> pager_core::Event {
    pager_testkit::fixture_event(&Graylog, "graylog", name)
}

fn handle(body: &serde_json::Value) -> Result<Vec<pager_core::Event>, pager_core::Error> {
    pager_testkit::handle_json(&Graylog, body)
}

#[test]
fn a_keyed_event_opens_one_alert_per_definition_and_group() {
    let event = fixture("keyed-high-priority.json");
    assert_eq!(event.action, Action::Create);
    assert_eq!(
        event.thirdparty_id,
        "6650b2f3a1c4e17d2b9c0a11/203.0.113.45|web-01"
    );
    assert_eq!(
        event.dedup_keys,
        ["6650b2f3a1c4e17d2b9c0a11/203.0.113.45|web-01"]
    );
    assert_eq!(event.title, "SSH brute force (203.0.113.45|web-01)");
    assert_eq!(
        event.description.as_deref(),
        Some("More than 10 failed SSH logins from one source in a minute")
    );
    assert_eq!(event.urgency, Some(Urgency::High));
    assert!(event.tags.is_empty());
    assert_eq!(
        event.additional_data,
        [
            AdditionalData::text(
                "Message",
                "SSH brute force: source_ip=203.0.113.45 count()=27"
            ),
            AdditionalData::text("Event definition", "SSH brute force"),
            AdditionalData::text("Event definition ID", "6650b2f3a1c4e17d2b9c0a11"),
            AdditionalData::text("Event definition type", "aggregation-v1"),
            AdditionalData::text("Key", "203.0.113.45|web-01"),
            AdditionalData::text("Priority", "high (3)"),
            AdditionalData::text("Source", "graylog-server-1"),
            AdditionalData::text("Event ID", "01HYB7M3Q4T9V2K8N5R6W0XZ1C"),
            AdditionalData::text(
                "Origin",
                "urn:graylog:message:es:graylog_12:5f0e2a10-1a6b-11ef-9c1d-0242ac120003"
            ),
            AdditionalData::text(
                "Remediation steps",
                "Block the source address at the edge firewall"
            ),
            AdditionalData::datetime("Event at", "2026-11-30T21:14:05.000Z"),
            AdditionalData::datetime("Time range start", "2026-11-30T21:14:00.000Z"),
            AdditionalData::datetime("Time range end", "2026-11-30T21:15:00.000Z"),
            AdditionalData::text("host", "web-01"),
            AdditionalData::text("source_ip", "203.0.113.45"),
        ]
    );
    assert_eq!(
        event.meta_value(),
        serde_json::json!({"key_source": "event_definition_id+key"})
    );
}

#[test]
fn an_unkeyed_definition_is_one_alert_and_the_backlog_is_counted() {
    let event = fixture("aggregation-backlog.json");
    assert_eq!(event.action, Action::Create);
    assert_eq!(event.thirdparty_id, "5e27eff173c7b20012b88aee");
    assert_eq!(event.title, "All");
    assert_eq!(event.description, None, "an empty description");
    assert_eq!(event.urgency, Some(Urgency::Medium));
    assert!(
        !event
            .additional_data
            .iter()
            .any(|d| d.label == "Message" || d.label == "Key"),
        "the message repeats the title; no key"
    );
    assert!(
        event
            .additional_data
            .contains(&AdditionalData::text("Backlog messages", "1"))
    );
    assert_eq!(
        event.meta_value(),
        serde_json::json!({"key_source": "event_definition_id"})
    );
}

#[test]
fn the_test_notification_is_other() {
    let event = fixture("test-notification.json");
    assert_eq!(event.action, Action::Other);
    assert_eq!(event.thirdparty_id, "this-is-a-test-notification/testkey");
    assert_eq!(event.title, "Event Definition Test Title (testkey)");
    assert_eq!(
        event.meta_value()["reason"],
        "a test notification (Execute Test Notification in Graylog)"
    );
    assert!(
        event
            .additional_data
            .contains(&AdditionalData::text("field2", "value2"))
    );
}

#[test]
fn priorities_unknown_definitions_non_alerts_and_refusals() {
    let urgency = |priority: i64| {
        handle(&serde_json::json!({"event_definition_id": "d", "event": {"priority": priority}}))
            .unwrap()[0]
            .urgency
    };
    assert_eq!(urgency(0), Some(Urgency::Low));
    assert_eq!(urgency(1), Some(Urgency::Low));
    assert_eq!(urgency(2), Some(Urgency::Medium));
    assert_eq!(urgency(3), Some(Urgency::High));
    assert_eq!(urgency(4), Some(Urgency::Critical));
    assert_eq!(urgency(7), None);

    let unknown = handle(&serde_json::json!({
        "event_definition_id": "<unknown>", "event_definition_title": "<unknown>",
        "event": {"event_definition_id": "d1", "key_tuple": ["a", "b"], "message": "m"}
    }))
    .unwrap();
    assert_eq!(
        unknown[0].thirdparty_id, "d1/a|b",
        "key_tuple joined when key is absent"
    );
    assert_eq!(unknown[0].title, "m (a|b)");
    let untitled = handle(&serde_json::json!({"event_definition_id": "d", "event": {}})).unwrap();
    assert_eq!(untitled[0].title, "Graylog event d");
    assert_eq!(untitled[0].action, Action::Create);

    let quiet = handle(&serde_json::json!({"event_definition_id": "d", "event": {"alert": false}}))
        .unwrap();
    assert_eq!(quiet[0].action, Action::Other);
    assert_eq!(
        quiet[0].meta_value()["reason"],
        "event.alert is false: the definition records events without alerting"
    );

    let err = handle(&serde_json::json!({"event_definition_id": "d"})).unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(
        err.to_string(),
        "invalid payload at event: missing: Graylog sends the event the notification is about"
    );
    let err = handle(&serde_json::json!({"event": {"fields": "x"}})).unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(
        err.to_string()
            .starts_with("invalid payload at event.fields: "),
        "{err}"
    );
}
