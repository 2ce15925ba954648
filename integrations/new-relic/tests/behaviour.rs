//! Acknowledgements in both shapes, and how the shape is chosen.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use pager_core::{Action, Integration};
use pager_new_relic::NewRelic;

fn event(body: &serde_json::Value) -> pager_core::Event {
    let req = http::Request::post("/")
        .body(Bytes::from(body.to_string()))
        .unwrap();
    NewRelic.handle(&req).unwrap().remove(0)
}

#[test]
fn acknowledgements_are_read_from_the_trigger_and_the_legacy_state() {
    let by_trigger =
        event(&serde_json::json!({"id": "i-1", "state": "ACTIVATED", "trigger": "ACKNOWLEDGED"}));
    assert_eq!(by_trigger.action, Action::Acknowledge);
    let by_state = event(&serde_json::json!({"id": "i-1", "state": "ACKNOWLEDGED"}));
    assert_eq!(by_state.action, Action::Acknowledge);
    let legacy =
        event(&serde_json::json!({"incident_id": 7, "event_type": "INCIDENT_ACKNOWLEDGED"}));
    assert_eq!(
        (legacy.action, legacy.thirdparty_id.as_str()),
        (Action::Acknowledge, "incident:7")
    );
}

#[test]
fn other_states_are_other_with_a_reason() {
    let deactivated = event(&serde_json::json!({"id": "i-1", "state": "DEACTIVATED"}));
    assert_eq!(deactivated.action, Action::Other);
    assert_eq!(
        deactivated.meta_value()["reason"],
        "issue state DEACTIVATED is not a state change"
    );
    assert_eq!(deactivated.meta_value()["shape"], "workflow");
    assert_eq!(deactivated.title, "New Relic issue i-1");
}

#[test]
fn meta_holds_the_shape_and_reason_never_the_payload() {
    let workflow = event(&serde_json::json!({"id": "i-1", "state": "CLOSED"}));
    assert_eq!(
        workflow.meta_value(),
        serde_json::json!({"shape": "workflow"})
    );
    let legacy = event(&serde_json::json!({"incident_id": "7", "current_state": "muted"}));
    assert_eq!(
        legacy.meta_value(),
        serde_json::json!({"shape": "legacy",
                           "reason": "current_state \"MUTED\" / event_type \"\" is not a state change"})
    );
}

#[test]
fn the_shape_is_chosen_by_the_keys_present() {
    let req = |body: serde_json::Value| {
        http::Request::post("/")
            .body(Bytes::from(body.to_string()))
            .unwrap()
    };
    // `current_state` alone, even null, makes a body legacy; its id is then `incident_id`.
    let err = NewRelic
        .handle(&req(
            serde_json::json!({"id": "i-1", "current_state": null}),
        ))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid payload at incident_id: missing or empty: the legacy payload's $INCIDENT_ID"
    );
    // A workflow body's other keys are not read as legacy fields, and vice versa.
    let workflow = event(&serde_json::json!({"id": "i-1", "state": "ACTIVATED", "details": [1]}));
    assert_eq!(workflow.action, Action::Create);
    let legacy = event(&serde_json::json!({"incident_id": 7, "current_state": "open", "id": {}}));
    assert_eq!(legacy.thirdparty_id, "incident:7");
}

#[test]
fn fields_of_an_oddly_edited_template_read_as_absent() {
    let e = event(&serde_json::json!({
        "id": 42, "state": "ACTIVATED", "title": ["Disk full"], "priority": {"name": "HIGH"},
        "alertPolicyNames": ["Disks", {"x": 1}, " ", "$POLICY", 7],
        "impactedEntities": "db-1", "sources": {"a": "b"}
    }));
    assert_eq!(e.thirdparty_id, "42");
    assert_eq!(e.title, "New Relic issue 42");
    assert_eq!(e.urgency, None);
    assert_eq!(e.tags, ["policy:Disks", "policy:7", "entity:db-1"]);
}
