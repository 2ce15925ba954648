//! Options for warnings and no-data; fallback keys; unfilled variables.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use pager_core::{Action, Adapter, Integration, Urgency};
use pager_datadog::{Config, Datadog};

fn event(adapter: &Datadog, body: &serde_json::Value) -> pager_core::Event {
    let req = http::Request::post("/")
        .body(Bytes::from(body.to_string()))
        .unwrap();
    adapter.handle(&req).unwrap().remove(0)
}

#[test]
fn warn_and_no_data_follow_the_options() {
    let default = Datadog::default();
    let quiet: Config =
        serde_json::from_value(serde_json::json!({"warn": "other", "no_data": "other"})).unwrap();
    let quiet = Datadog::from_config(quiet).unwrap();
    for transition in ["Warn", "Re-Warn", "No Data", "Re-No Data"] {
        let body = serde_json::json!({"aggreg_key": "k", "alert_transition": transition});
        assert_eq!(
            event(&default, &body).action,
            Action::Create,
            "{transition}"
        );
        let other = event(&quiet, &body);
        assert_eq!(other.action, Action::Other, "{transition}");
        assert_eq!(
            other.meta_value()["reason"],
            format!("{transition} notifications are configured as other")
        );
    }
    let null = event(
        &default,
        &serde_json::json!({"aggreg_key": "k", "alert_transition": "Null"}),
    );
    assert_eq!(null.action, Action::Other);
}

#[test]
fn keys_fall_back_and_unfilled_variables_are_absent() {
    let adapter = Datadog::default();
    let by_monitor = event(
        &adapter,
        &serde_json::json!({"aggreg_key": "$AGGREG_KEY", "alert_id": 42, "alert_scope": "host:a",
                            "alert_transition": "Triggered", "alert_priority": "$ALERT_PRIORITY",
                            "alert_type": "warning"}),
    );
    assert_eq!(by_monitor.thirdparty_id, "monitor:42:host:a");
    assert_eq!(by_monitor.urgency, Some(Urgency::Medium), "from alert_type");
    assert_eq!(by_monitor.title, "Datadog monitor 42");
    let by_cycle = event(
        &adapter,
        &serde_json::json!({"aggreg_key": "", "alert_cycle_key": "c-1", "alert_id": "42", "alert_transition": "Recovered"}),
    );
    assert_eq!(by_cycle.thirdparty_id, "c-1");
    assert_eq!(by_cycle.dedup_keys, ["c-1", "monitor:42"]);
    assert_eq!(by_cycle.action, Action::Resolve);
}

#[test]
fn options_reject_unknown_keys() {
    let err = pager_core::Registry::new()
        .with::<Datadog>()
        .build("datadog", &serde_json::json!({"warning": "other"}))
        .unwrap_err();
    assert!(err.to_string().contains("unknown field `warning`"), "{err}");
}

#[test]
fn meta_holds_only_the_reason_never_the_payload() {
    let adapter = Datadog::default();
    let created = event(
        &adapter,
        &serde_json::json!({"aggreg_key": "k", "alert_transition": "Triggered", "org": {"id": 1}}),
    );
    assert!(created.meta.is_empty(), "{:?}", created.meta);
    let other = event(
        &adapter,
        &serde_json::json!({"aggreg_key": "k", "alert_transition": "Null"}),
    );
    assert_eq!(
        other.meta_value(),
        serde_json::json!({"reason": "alert_transition \"Null\" is not a monitor state change"})
    );
}

#[test]
fn values_may_be_numbers_or_booleans_and_org_is_flattened() {
    let e = event(
        &Datadog::default(),
        &serde_json::json!({"aggreg_key": 9_007_199_254_740_993_u64, "alert_transition": "Triggered",
                            "alert_title": true, "org": {"id": 12345, "name": " Acme "},
                            "custom": {"nested": "objects of scalars are accepted"}}),
    );
    assert_eq!(e.thirdparty_id, "9007199254740993");
    assert_eq!(e.title, "true");
    let org = e.additional_data.iter().find(|d| d.label == "Organization");
    assert_eq!(org.map(|d| d.value.as_str()), Some("Acme"));
}

#[test]
fn pagertrees_template_opens_and_resolves_the_alert_ours_does() {
    let fixture = |name: &str| pager_testkit::fixture_event(&Datadog::default(), "datadog", name);
    let theirs = fixture("pagertree-triggered.json");
    let ours = fixture("triggered.json");
    assert_eq!(theirs.action, Action::Create);
    assert_eq!(theirs.thirdparty_id, ours.thirdparty_id);
    assert_eq!(
        theirs.dedup_keys,
        [
            "9bd4ac313a4d1e8fae2482df7b77628",
            "monitor:98765432:host:ip-012345"
        ],
        "PagerTree's template has no $ALERT_CYCLE_KEY"
    );
    assert!(
        theirs
            .dedup_keys
            .iter()
            .all(|k| ours.dedup_keys.contains(k))
    );
    assert_eq!(theirs.title, ours.title);
    assert_eq!(theirs.tags, ours.tags);
    assert!(
        theirs
            .description
            .as_deref()
            .unwrap()
            .starts_with("ip-012345 has not reported"),
        "$TEXT_ONLY_MSG stands in for $EVENT_MSG"
    );
    let resolved = fixture("pagertree-recovered.json");
    assert_eq!(resolved.action, Action::Resolve);
    assert_eq!(resolved.thirdparty_id, theirs.thirdparty_id);

    // Keys in any case; with both spellings of one, the lower-case one counts.
    let mixed = event(
        &Datadog::default(),
        &serde_json::json!({"Aggreg_Key": "k1", "ALERT_TRANSITION": "Recovered", "alert_transition": "Triggered"}),
    );
    assert_eq!(mixed.thirdparty_id, "k1");
    assert_eq!(mixed.action, Action::Create);
    let nested = event(
        &Datadog::default(),
        &serde_json::json!({"AGGREG_KEY": "k2", "ORG": {"ID": "7", "NAME": "Acme"}}),
    );
    assert_eq!(
        pager_testkit::data(&nested, "Organization"),
        Some("Acme"),
        "nested keys in any case too"
    );
}
