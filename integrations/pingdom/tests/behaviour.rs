//! The mapping field by field on the fixtures: uptime and transaction checks, importance,
//! probes, credentials kept out of the event.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use pager_core::{Action, AdditionalData, Urgency};
use pager_pingdom::Pingdom;
use pager_testkit::data;

fn fixture(name: &str) -> pager_core::Event {
    pager_testkit::fixture_event(&Pingdom, "pingdom", name)
}

fn handle(body: &serde_json::Value) -> Result<Vec<pager_core::Event>, pager_core::Error> {
    pager_testkit::handle_json(&Pingdom, body)
}

#[test]
fn the_documented_example_opens_a_high_urgency_alert_on_the_check() {
    let down = fixture("documented-http-down.json");
    assert_eq!(down.action, Action::Create);
    assert_eq!(down.thirdparty_id, "12345");
    assert_eq!(down.dedup_keys, ["12345"]);
    assert_eq!(down.title, "Name of HTTP check is down");
    assert_eq!(down.description.as_deref(), Some("Long error message"));
    assert_eq!(down.urgency, Some(Urgency::High));
    assert_eq!(down.tags, ["example_tag"]);
    assert_eq!(
        down.additional_data[0],
        AdditionalData::link("Checked URL", "https://www.example.com/path").unwrap()
    );
    assert_eq!(data(&down, "Check type"), Some("HTTP"));
    assert_eq!(data(&down, "Host"), Some("www.example.com:443"));
    assert_eq!(data(&down, "State"), Some("UP → DOWN"));
    assert_eq!(data(&down, "Summary"), Some("Short error message"));
    assert_eq!(
        data(&down, "First probe"),
        Some("Stockholm, Sweden (123.4.5.6)")
    );
    assert_eq!(data(&down, "Second probe"), Some("Austin, US (123.4.5.6)"));
    assert_eq!(
        data(&down, "State changed at"),
        Some("2016-01-01T01:01:01.000Z")
    );
    assert_eq!(
        down.meta_value(),
        serde_json::json!({"previous_state": "UP", "current_state": "DOWN"})
    );
}

#[test]
fn up_resolves_the_down_of_the_same_check() {
    let down = fixture("alerta-http-down.json");
    let up = fixture("alerta-http-up.json");
    assert_eq!(down.action, Action::Create);
    assert_eq!(up.action, Action::Resolve);
    assert_eq!(down.thirdparty_id, "803318");
    assert_eq!(up.thirdparty_id, down.thirdparty_id);
    assert_eq!(up.title, "Alerta API on OpenShift is up");
    assert_eq!(data(&up, "Second probe"), None, "an empty probe object");
    assert_eq!(
        data(&up, "First probe"),
        Some("Athens, Greece (185.70.76.23)")
    );
}

#[test]
fn transaction_checks_fail_and_succeed_with_low_importance() {
    let failing = fixture("transaction-failing.json");
    assert_eq!(failing.action, Action::Create);
    assert_eq!(failing.title, "Checkout flow is failing");
    assert_eq!(failing.urgency, Some(Urgency::Low));
    assert_eq!(data(&failing, "First probe"), Some("Frankfurt, Germany"));
    assert_eq!(data(&failing, "Checked URL"), None);
    let success = fixture("transaction-success.json");
    assert_eq!(success.action, Action::Resolve);
    assert_eq!(success.thirdparty_id, failing.thirdparty_id);
}

#[test]
fn unknown_states_are_other_and_the_time_falls_back_to_the_utc_string() {
    let event = handle(&serde_json::json!({
        "check_id": "77", "current_state": "PAUSED", "importance_level": "MEDIUM",
        "state_changed_utc_time": "2024-05-06T07:08:09"
    }))
    .unwrap()
    .remove(0);
    assert_eq!(event.action, Action::Other);
    assert_eq!(event.title, "77", "without a name, the id");
    assert_eq!(event.urgency, Some(Urgency::Medium));
    assert_eq!(
        event.meta_value()["reason"],
        "current_state \"PAUSED\" is none of UP, DOWN, SUCCESS, FAILING"
    );
    assert_eq!(
        data(&event, "State changed at"),
        Some("2024-05-06T07:08:09.000Z")
    );
    let lower = handle(&serde_json::json!({"check_id": 1, "current_state": "down"})).unwrap();
    assert_eq!(lower[0].action, Action::Create, "states in any case");
    assert_eq!(lower[0].urgency, None, "no importance_level");
}

#[test]
fn check_credentials_never_reach_the_event() {
    let event = handle(&serde_json::json!({
        "check_id": 9, "check_name": "Admin", "current_state": "DOWN",
        "check_params": {
            "basic_auth": true,
            "header": "Authorization:Bearer hdr-secret",
            "full_url": "https://admin:pw-secret@admin.example.com/health?api_key=q-secret",
            "hostname": "admin.example.com"
        }
    }))
    .unwrap()
    .remove(0);
    let json = serde_json::to_string(&event).unwrap();
    for secret in ["hdr-secret", "pw-secret", "q-secret"] {
        assert!(!json.contains(secret), "{secret} in {json}");
    }
    assert_eq!(
        data(&event, "Checked URL"),
        Some("https://admin.example.com/health")
    );
}

#[test]
fn a_missing_check_id_is_a_400_naming_it() {
    let err = handle(&serde_json::json!({"check_name": "x", "current_state": "DOWN"})).unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(
        err.to_string(),
        "invalid payload at check_id: missing or empty: the check's id identifies the alert"
    );
}
