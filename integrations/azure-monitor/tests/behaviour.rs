//! What the snapshots do not spell out: severities, conditions, fired/resolved pairing.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use pager_azure_monitor::AzureMonitor;
use pager_core::{Action, Integration, Urgency};

fn event(essentials: &serde_json::Value) -> pager_core::Event {
    let body = serde_json::json!({
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {"essentials": essentials, "alertContext": null, "customProperties": null}
    });
    let req = http::Request::post("/")
        .body(Bytes::from(body.to_string()))
        .unwrap();
    AzureMonitor.handle(&req).unwrap().remove(0)
}

#[test]
fn severities_map_to_urgencies() {
    for (severity, urgency) in [
        ("Sev0", Some(Urgency::Critical)),
        ("Sev1", Some(Urgency::High)),
        ("Sev2", Some(Urgency::Medium)),
        ("Sev3", Some(Urgency::Low)),
        ("sev4", Some(Urgency::Low)),
        ("Sev9", None),
    ] {
        let e = event(
            &serde_json::json!({"alertId": "/a/1", "severity": severity, "monitorCondition": "Fired"}),
        );
        assert_eq!(e.urgency, urgency, "{severity}");
    }
}

#[test]
fn fired_and_resolved_share_the_key_and_unknown_conditions_are_other() {
    let fired = event(
        &serde_json::json!({"alertId": "/a/1", "monitorCondition": "Fired", "alertRule": "r"}),
    );
    let resolved = event(
        &serde_json::json!({"alertId": "/a/1", "monitorCondition": "Resolved", "alertRule": "r"}),
    );
    assert_eq!(
        (fired.action, resolved.action),
        (Action::Create, Action::Resolve)
    );
    assert_eq!(fired.thirdparty_id, resolved.thirdparty_id);

    let odd = event(&serde_json::json!({"alertId": "/a/1", "monitorCondition": "Suppressed"}));
    assert_eq!(odd.action, Action::Other);
    assert_eq!(
        odd.meta_value()["reason"],
        "monitorCondition \"Suppressed\" is neither Fired nor Resolved"
    );
    assert_eq!(odd.title, "Azure Monitor alert", "no rule, no signal type");
}

#[test]
fn many_configuration_items_are_counted_in_the_title() {
    let e = event(&serde_json::json!({
        "alertId": "/a/2", "monitorCondition": "Fired", "alertRule": "Disk",
        "configurationItems": ["vm-1", "vm-2", "vm-3"], "signalType": "Metric"
    }));
    assert_eq!(e.title, "Disk on vm-1 +2 more");
    assert_eq!(
        e.tags,
        [
            "signal:Metric",
            "resource:vm-1",
            "resource:vm-2",
            "resource:vm-3"
        ]
    );
}
