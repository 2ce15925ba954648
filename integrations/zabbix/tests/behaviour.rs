//! Updates never open alerts; severities; the unresolved-macro rule.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use pager_core::{Action, Integration, Urgency};
use pager_zabbix::Zabbix;

fn event(body: &serde_json::Value) -> pager_core::Event {
    let req = http::Request::post("/")
        .body(Bytes::from(body.to_string()))
        .unwrap();
    Zabbix.handle(&req).unwrap().remove(0)
}

#[test]
fn updates_keep_the_problem_key_and_never_create() {
    for (update, action) in [
        ("acknowledged", Action::Acknowledge),
        ("acknowledged, commented", Action::Acknowledge),
        ("commented", Action::Other),
        ("unacknowledged", Action::Other),
        ("changed severity from High to Disaster", Action::Other),
        ("closed problem", Action::Resolve),
    ] {
        let e = event(&serde_json::json!({
            "event_id": "23", "event_value": "1", "event_update_status": "1",
            "event_update_action": update
        }));
        assert_eq!(e.action, action, "{update}");
        assert_eq!(e.thirdparty_id, "23");
    }
}

#[test]
fn numeric_values_and_severity_names_are_read() {
    let e = event(&serde_json::json!({"event_id": 23, "event_value": 1, "event_nseverity": 5}));
    assert_eq!(
        (e.action, e.urgency),
        (Action::Create, Some(Urgency::Critical))
    );
    assert_eq!(e.title, "Zabbix event 23");
    let named = event(
        &serde_json::json!({"event_id": "7", "event_value": "1", "event_severity": "Warning"}),
    );
    assert_eq!(named.urgency, Some(Urgency::Medium));
    let unclassified =
        event(&serde_json::json!({"event_id": "7", "event_value": "1", "event_nseverity": "0"}));
    assert_eq!(unclassified.urgency, None);
    let odd = event(&serde_json::json!({"event_id": "7", "event_value": "2"}));
    assert_eq!(odd.action, Action::Other);
}

#[test]
fn unresolved_macros_are_absent_and_meta_holds_only_the_reason() {
    let e = event(&serde_json::json!({
        "event_id": "23", "event_value": "1", "event_update_status": "{EVENT.UPDATE.STATUS}",
        "trigger_id": "25066", "zabbix_url": "{$ZABBIX.URL}", "event_tags": "{EVENT.TAGS}",
        "host_ip": " {HOST.IP} ", "subject": "{ALERT.SUBJECT}", "event_name": "$EVENT_NAME"
    }));
    assert_eq!(e.action, Action::Create);
    assert!(e.tags.is_empty());
    assert!(
        e.additional_data
            .iter()
            .all(|d| d.label != "Zabbix event" && d.label != "Host IP"),
        "{:?}",
        e.additional_data
    );
    assert_eq!(e.title, "$EVENT_NAME", "a `$` name is not a Zabbix macro");
    assert!(e.meta.is_empty(), "{:?}", e.meta);
    let other = event(&serde_json::json!({"event_id": "23", "event_value": true}));
    assert_eq!(
        other.meta_value(),
        serde_json::json!({"reason": "event value true is neither 1 (problem) nor 0 (recovery)"})
    );
}
