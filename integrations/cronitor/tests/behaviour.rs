//! The mapping field by field on the fixtures: keys per environment, the older format.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use pager_core::{Action, AdditionalData, Integration};
use pager_cronitor::Cronitor;
use pager_testkit::data;

fn fixture(name: &str) -> pager_core::Event {
    pager_testkit::fixture_event(&Cronitor, "cronitor", name)
}

#[test]
fn alert_opens_and_recovery_resolves_the_monitor_in_its_environment() {
    let alert = fixture("alert.json");
    assert_eq!(alert.action, Action::Create);
    assert_eq!(alert.thirdparty_id, "d3x0c1:production");
    assert_eq!(alert.dedup_keys, ["d3x0c1:production"]);
    assert_eq!(alert.title, "Nightly database backup (production)");
    assert!(
        alert
            .description
            .as_deref()
            .unwrap()
            .starts_with("Nightly database backup has not completed on schedule.")
    );
    assert_eq!(alert.urgency, None, "Cronitor has no severity");
    assert!(alert.tags.is_empty());
    assert_eq!(
        alert.additional_data[..2],
        [
            AdditionalData::link(
                "Cronitor issue",
                "https://cronitor.io/app/monitors/d3x0c1/issues"
            )
            .unwrap(),
            AdditionalData::link(
                "Cronitor monitor",
                "https://cronitor.io/app/monitors/d3x0c1"
            )
            .unwrap(),
        ]
    );
    assert_eq!(data(&alert, "Rule"), Some("not_completed_on_schedule"));
    assert_eq!(data(&alert, "Group"), Some("Backups"));
    assert!(alert.meta.is_empty(), "{:?}", alert.meta);

    let recovery = fixture("recovery.json");
    assert_eq!(recovery.action, Action::Resolve);
    assert_eq!(recovery.thirdparty_id, alert.thirdparty_id);

    let staging = fixture("staging-alert-no-group.json");
    assert_eq!(staging.action, Action::Create);
    assert_eq!(
        staging.thirdparty_id, "d3x0c1:staging",
        "another environment is another alert"
    );
    assert_eq!(data(&staging, "Group"), None);
}

#[test]
fn the_older_format_without_type_is_other_with_a_reason() {
    let legacy = fixture("legacy-four-fields.json");
    assert_eq!(legacy.action, Action::Other);
    assert_eq!(
        legacy.thirdparty_id, "d3x0c1",
        "no environment: the key alone"
    );
    assert_eq!(legacy.title, "Nightly database backup");
    assert_eq!(
        legacy.meta_value(),
        serde_json::json!({"reason": "no type: alert and recovery cannot be told apart (Cronitor's older webhook format)"})
    );
}

#[test]
fn types_are_read_case_insensitively_and_others_are_other() {
    let handle = |body: serde_json::Value| {
        let req = http::Request::post("/")
            .body(Bytes::from(body.to_string()))
            .unwrap();
        Cronitor.handle(&req)
    };
    let lower = handle(serde_json::json!({"id": "k", "type": "recovery"})).unwrap();
    assert_eq!(lower[0].action, Action::Resolve);
    assert_eq!(lower[0].title, "k", "without a monitor name, its key");
    let odd = handle(serde_json::json!({"id": "k", "type": "TEST"})).unwrap();
    assert_eq!(odd[0].action, Action::Other);
    assert_eq!(
        odd[0].meta_value()["reason"],
        "type \"TEST\" is neither ALERT nor RECOVERY"
    );
    let err = handle(serde_json::json!({"id": " ", "type": "ALERT"})).unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(
        err.to_string(),
        "invalid payload at id: missing or empty: the monitor's unique key identifies the alert"
    );
}
