//! Grouping choices and their keys.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use pager_core::{Action, Adapter, Integration, Urgency};
use pager_grafana::{Config, Grafana};

fn handle(config: serde_json::Value, body: &serde_json::Value) -> Vec<pager_core::Event> {
    let adapter = Grafana::from_config(serde_json::from_value::<Config>(config).unwrap()).unwrap();
    let req = http::Request::post("/")
        .body(Bytes::from(body.to_string()))
        .unwrap();
    adapter.handle(&req).unwrap()
}

fn alert(fingerprint: &str, status: &str, severity: &str) -> serde_json::Value {
    serde_json::json!({"status": status, "fingerprint": fingerprint,
                       "labels": {"alertname": "Disk", "severity": severity}})
}

#[test]
fn without_group_labels_group_mode_keeps_alerts_apart() {
    let body = serde_json::json!({"status": "firing", "orgId": 1, "groupKey": "{}:{}", "groupLabels": {},
        "alerts": [alert("f1", "firing", "warning"), alert("f2", "firing", "critical")]});
    let events = handle(serde_json::json!({"grouping": "group"}), &body);
    assert_eq!(events.len(), 2, "{{}}:{{}} must not merge unrelated alerts");
    assert_eq!(events[0].thirdparty_id, "f1");
    assert_eq!(events[1].dedup_keys, ["f2", "1:f2"]);
}

#[test]
fn a_grouped_notification_is_one_event_keyed_by_org_and_group() {
    let mut body = serde_json::json!({"status": "firing", "orgId": 2, "groupKey": "{}:{alertname=\"Disk\"}",
        "groupLabels": {"alertname": "Disk"},
        "alerts": [alert("f1", "firing", "warning"), alert("f2", "firing", "critical"), alert("f3", "resolved", "critical")]});
    let events = handle(serde_json::json!({"grouping": "group"}), &body);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].thirdparty_id, "2:{}:{alertname=\"Disk\"}");
    assert_eq!(
        events[0].urgency,
        Some(Urgency::Critical),
        "the worst firing severity"
    );
    body["status"] = "resolved".into();
    body["truncatedAlerts"] = 3.into();
    let truncated = handle(serde_json::json!({"grouping": "group"}), &body);
    assert_eq!(
        truncated[0].action,
        Action::Other,
        "a resolve that may hide firing alerts"
    );
}

#[test]
fn the_severity_label_is_configurable() {
    let body = serde_json::json!({"status": "firing", "alerts": [
        {"status": "firing", "fingerprint": "f", "labels": {"alertname": "Disk", "priority": "p1"}}]});
    let events = handle(serde_json::json!({"severity_label": "priority"}), &body);
    assert_eq!(events[0].urgency, Some(Urgency::Critical));
    assert_eq!(
        events[0].title, "Disk",
        "the severity label does not identify the alert"
    );
}
