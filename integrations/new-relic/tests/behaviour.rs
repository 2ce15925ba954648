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
