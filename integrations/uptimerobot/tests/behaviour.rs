//! The mapping, field by field, on the fixtures (form and JSON bodies) and on variations.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::PathBuf;

use bytes::Bytes;
use pager_core::{Action, Adapter, DataFormat, Event, Integration, Urgency};
use pager_uptimerobot::{Config, UptimeRobot};

fn fixture(name: &str) -> Event {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/uptimerobot")
        .join(name);
    let req = pager_testkit::load_request(&path).unwrap();
    let mut events = UptimeRobot::default().handle(&req).unwrap();
    assert_eq!(events.len(), 1, "{name}");
    events.remove(0)
}

fn form(adapter: &UptimeRobot, body: &'static str) -> Result<Vec<Event>, pager_core::Error> {
    let req = http::Request::post("/")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(Bytes::from_static(body.as_bytes()))
        .unwrap();
    adapter.handle(&req)
}

fn data(event: &Event) -> Vec<(DataFormat, &str, &str)> {
    event
        .additional_data
        .iter()
        .map(|d| (d.format, &*d.label, d.value.as_str()))
        .collect()
}

#[test]
fn down_then_up_open_and_resolve_one_alert_per_monitor() {
    let down = fixture("down.form");
    assert_eq!(down.action, Action::Create);
    assert_eq!(down.thirdparty_id, "780123456");
    assert_eq!(down.dedup_keys, ["780123456"]);
    assert_eq!(down.title, "Shop API is down");
    assert_eq!(
        down.description.as_deref(),
        Some("HTTP 503 - Service Unavailable")
    );
    assert_eq!(down.urgency, None, "UptimeRobot sends no severity");
    assert_eq!(
        data(&down),
        [
            (
                DataFormat::Link,
                "Monitor URL",
                "https://shop.example.com/health"
            ),
            (DataFormat::Text, "Monitor", "Shop API"),
            (DataFormat::Text, "Monitor ID", "780123456"),
            (DataFormat::Text, "Alert type", "Down"),
            (DataFormat::Datetime, "Alert at", "2025-01-02T10:00:00.000Z"),
        ]
    );
    assert_eq!(down.meta_value()["alert_type"], "1");

    let up = fixture("up.form");
    assert_eq!(up.action, Action::Resolve);
    assert_eq!(up.thirdparty_id, down.thirdparty_id);
    assert_eq!(up.title, "Shop API is up");
    assert!(
        data(&up).contains(&(DataFormat::Text, "Duration", "540 s")),
        "{:?}",
        data(&up)
    );
}

#[test]
fn json_bodies_map_as_forms_do() {
    let down = fixture("json-down.json");
    assert_eq!(down.action, Action::Create);
    assert_eq!(down.thirdparty_id, "780123457");
    assert_eq!(down.title, "Public API is down");
    assert_eq!(down.description.as_deref(), Some("Connection Timeout"));
    let up = fixture("json-up.json");
    assert_eq!(up.action, Action::Resolve);
    assert_eq!(up.thirdparty_id, "780123457");
}

#[test]
fn ssl_expiry_is_its_own_low_alert_or_other() {
    let ssl = fixture("ssl-expiry.form");
    assert_eq!(ssl.action, Action::Create);
    assert_eq!(ssl.thirdparty_id, "ssl:780123456");
    assert_eq!(ssl.title, "Shop API: SSL certificate expires 2025-01-17");
    assert_eq!(ssl.urgency, Some(Urgency::Low));
    assert!(data(&ssl).contains(&(DataFormat::Text, "SSL days left", "14")));

    let config: Config =
        serde_json::from_value(serde_json::json!({"ssl_expiry": "other"})).unwrap();
    let quiet = UptimeRobot::from_config(config).unwrap();
    let other = form(&quiet, "monitorID=1&alertType=3").unwrap().remove(0);
    assert_eq!(other.action, Action::Other);
    assert_eq!(
        other.meta_value()["reason"],
        "SSL expiry notifications are configured as other"
    );
}

#[test]
fn the_friendly_name_stands_in_for_a_missing_alert_type() {
    let adapter = UptimeRobot::default();
    let up = form(&adapter, "monitorID=9&alertTypeFriendlyName=up")
        .unwrap()
        .remove(0);
    assert_eq!(up.action, Action::Resolve);
    assert_eq!(up.title, "UptimeRobot monitor 9 is up", "no name: the id");
    let unknown = form(
        &adapter,
        "monitorID=9&alertType=7&monitorURL=https://x.example",
    )
    .unwrap()
    .remove(0);
    assert_eq!(unknown.action, Action::Other);
    assert_eq!(unknown.title, "https://x.example: 7");
    assert_eq!(
        unknown.meta_value()["reason"],
        "alertType \"7\" is not a monitor state change"
    );
    let none = form(&adapter, "monitorID=9").unwrap().remove(0);
    assert_eq!(none.action, Action::Other);
    assert_eq!(
        none.meta_value()["reason"],
        "no alertType or alertTypeFriendlyName"
    );
}

#[test]
fn bad_bodies_are_typed_errors_naming_the_field() {
    let adapter = UptimeRobot::default();
    let err = form(&adapter, "alertType=1&monitorID=").unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(
        err.to_string()
            .starts_with("invalid payload at monitorID: missing"),
        "{err}"
    );
    let err = form(&adapter, "monitorID=1&alertDetails=%FF").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid payload at form field \"alertDetails\": not UTF-8 once percent-decoded"
    );
    let req = http::Request::post("/")
        .header("Content-Type", "text/plain")
        .body(Bytes::from_static(b"monitorID=1"))
        .unwrap();
    assert_eq!(adapter.handle(&req).unwrap_err().status(), 415);
}
