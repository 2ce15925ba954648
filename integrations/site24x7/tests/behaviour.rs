//! The mapping on the fixtures and on variations: statuses and their options, keys, lists.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use pager_core::{Action, Adapter, Urgency};
use pager_site24x7::{Config, Site24x7};
use pager_testkit::{data, fixture_event, handle_json};
use serde_json::json;

fn one(adapter: &Site24x7, body: &serde_json::Value) -> pager_core::Event {
    let mut events = handle_json(adapter, body).unwrap();
    assert_eq!(events.len(), 1);
    events.remove(0)
}

#[test]
fn down_then_up_open_and_resolve_one_alert_per_monitor() {
    let adapter = Site24x7::default();
    let down = fixture_event(&adapter, "site24x7", "json-down.json");
    let up = fixture_event(&adapter, "site24x7", "json-up.json");
    assert_eq!((down.action, up.action), (Action::Create, Action::Resolve));
    assert_eq!(down.thirdparty_id, "107164000000025001");
    assert_eq!(up.thirdparty_id, down.thirdparty_id);
    assert_eq!(down.urgency, Some(Urgency::Critical));
    assert_eq!(down.tags, ["zylker", "website", "ZylkerGrp", "URL"]);
    assert_eq!(data(&down, "Incident at"), Some("2024-01-18T04:21:40.037Z"));

    // The same cycle as POST parameters: trouble, critical, up, on one key.
    let trouble = fixture_event(&adapter, "site24x7", "form-trouble.form");
    let critical = fixture_event(&adapter, "site24x7", "form-critical.form");
    let recovered = fixture_event(&adapter, "site24x7", "form-up.form");
    assert_eq!(trouble.urgency, Some(Urgency::Medium));
    assert_eq!(critical.urgency, Some(Urgency::High));
    assert_eq!(
        (trouble.action, critical.action, recovered.action),
        (Action::Create, Action::Create, Action::Resolve)
    );
    assert_eq!(trouble.thirdparty_id, "285731000000031005");
    assert_eq!(critical.thirdparty_id, trouble.thirdparty_id);
    assert_eq!(recovered.thirdparty_id, trouble.thirdparty_id);
    assert_eq!(
        trouble.tags,
        ["env:prod", "team:payments"],
        "split on commas"
    );
}

#[test]
fn trouble_and_critical_follow_the_options() {
    let config: Config =
        serde_json::from_value(json!({"trouble": "other", "critical": "other"})).unwrap();
    let quiet = Site24x7::from_config(config).unwrap();
    for status in ["TROUBLE", "Critical"] {
        let event = one(&quiet, &json!({"MONITOR_ID": "7", "STATUS": status}));
        assert_eq!(event.action, Action::Other, "{status}");
        assert_eq!(event.urgency, None);
        assert_eq!(
            event.meta_value()["reason"],
            format!("{status} alarms are configured as other")
        );
    }
    let down = one(&quiet, &json!({"MONITOR_ID": "7", "STATUS": "down"}));
    assert_eq!(
        down.action,
        Action::Create,
        "DOWN always opens, in any case"
    );

    let err = pager_core::Registry::new()
        .with::<Site24x7>()
        .build("site24x7", &json!({"maintenance": "other"}))
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown field `maintenance`"),
        "{err}"
    );
}

#[test]
fn other_statuses_and_no_status_are_other_with_a_reason() {
    let adapter = Site24x7::default();
    let maintenance = one(
        &adapter,
        &json!({"MONITOR_ID": 9, "MONITORNAME": "db", "STATUS": "MAINTENANCE"}),
    );
    assert_eq!(maintenance.action, Action::Other);
    assert_eq!(maintenance.title, "db is MAINTENANCE");
    assert_eq!(
        maintenance.meta_value()["reason"],
        "STATUS \"MAINTENANCE\" is not DOWN, CRITICAL, TROUBLE or UP"
    );
    let none = one(&adapter, &json!({"MONITOR_ID": 9}));
    assert_eq!(none.action, Action::Other);
    assert_eq!(none.title, "Site24x7 monitor 9");
    assert_eq!(none.meta_value()["reason"], "no STATUS");
}

#[test]
fn values_of_another_shape_read_as_absent_and_monitorid_stands_in() {
    let adapter = Site24x7::default();
    let event = one(
        &adapter,
        &json!({
            "MONITORID": 285_731_000_000_025_120_u64,
            "STATUS": "DOWN",
            "MONITORNAME": {"nested": true},
            "MONITORURL": "https://x.example",
            "TAGS": "a, b",
            "GROUP_TAGS": ["b", 3, {"x": 1}, " "],
        }),
    );
    assert_eq!(event.thirdparty_id, "285731000000025120");
    assert_eq!(event.title, "https://x.example is DOWN", "the URL names it");
    assert_eq!(event.tags, ["a", "b", "3"]);
    let err = handle_json(&adapter, &json!({"MONITOR_ID": [1], "STATUS": "DOWN"})).unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(err.to_string().contains("at MONITOR_ID: missing"), "{err}");
}

#[test]
fn one_monitor_has_one_key_whether_json_or_form() {
    let adapter = Site24x7::default();
    let json = one(
        &adapter,
        &serde_json::from_str(r#"{"MONITOR_ID": 107164000000025001, "STATUS": "DOWN"}"#).unwrap(),
    );
    let req = http::Request::post("/")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(bytes::Bytes::from_static(
            b"MONITOR_ID=107164000000025001&STATUS=UP",
        ))
        .unwrap();
    let form = pager_core::Integration::handle(&adapter, &req)
        .unwrap()
        .remove(0);
    assert_eq!(json.thirdparty_id, form.thirdparty_id);
    assert_eq!(form.action, Action::Resolve);

    // Beyond u64, and written with an exponent: kept as written.
    let body = br#"{"MONITOR_ID": 123456789012345678901234567890, "STATUS": "DOWN"}"#;
    let req = http::Request::post("/")
        .body(bytes::Bytes::from_static(body))
        .unwrap();
    let huge = pager_core::Integration::handle(&adapter, &req)
        .unwrap()
        .remove(0);
    assert_eq!(huge.thirdparty_id, "123456789012345678901234567890");
    let body = br#"{"MONITOR_ID": 1.5e3, "STATUS": "DOWN"}"#;
    let req = http::Request::post("/")
        .body(bytes::Bytes::from_static(body))
        .unwrap();
    let exp = pager_core::Integration::handle(&adapter, &req)
        .unwrap()
        .remove(0);
    assert_eq!(exp.thirdparty_id, "1.5e3");
}

#[test]
fn a_monitored_url_shows_without_its_credentials() {
    let event = one(
        &Site24x7::default(),
        &json!({"MONITOR_ID": 5, "STATUS": "DOWN", "MONITORURL": "https://user:pw@shop.example/health?token=t"}),
    );
    assert_eq!(event.title, "https://shop.example/health is DOWN");
    assert_eq!(
        data(&event, "Monitor URL"),
        Some("https://shop.example/health")
    );
    let json = serde_json::to_string(&event).unwrap();
    assert!(!json.contains("pw") && !json.contains("token=t"), "{json}");
}
