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
