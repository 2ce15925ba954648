//! The mapping, field by field, on the fixtures and on variations.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::PathBuf;

use bytes::Bytes;
use pager_core::{Action, DataFormat, Event, Integration};
use pager_statuscake::StatusCake;

fn fixture(name: &str) -> Event {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/statuscake")
        .join(name);
    let req = pager_testkit::load_request(&path).unwrap();
    let mut events = StatusCake.handle(&req).unwrap();
    assert_eq!(events.len(), 1, "{name}");
    events.remove(0)
}

fn form(body: &'static str) -> Result<Vec<Event>, pager_core::Error> {
    let req = http::Request::post("/")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(Bytes::from_static(body.as_bytes()))
        .unwrap();
    StatusCake.handle(&req)
}

fn data(event: &Event) -> Vec<(DataFormat, &str, &str)> {
    event
        .additional_data
        .iter()
        .map(|d| (d.format, &*d.label, d.value.as_str()))
        .collect()
}

#[test]
fn down_then_up_open_and_resolve_the_tests_alert() {
    let down = fixture("down.form");
    assert_eq!(down.action, Action::Create);
    assert_eq!(down.thirdparty_id, "https://www.example.com/checkout");
    assert_eq!(down.dedup_keys, ["https://www.example.com/checkout"]);
    assert_eq!(down.title, "Checkout page is down");
    assert_eq!(down.description.as_deref(), Some("Status code 503"));
    assert_eq!(down.urgency, None);
    assert_eq!(down.tags, ["shop", "production"]);
    assert_eq!(
        data(&down),
        [
            (DataFormat::Link, "URL", "https://www.example.com/checkout"),
            (DataFormat::Text, "Test", "Checkout page"),
            (DataFormat::Text, "Status", "Down"),
            (DataFormat::Text, "Status code", "503"),
            (DataFormat::Text, "IP", "203.0.113.24"),
            (DataFormat::Text, "Check rate", "300 s"),
        ]
    );
    assert_eq!(down.meta_value()["key_source"], "URL");
    assert!(
        !format!("{:?}", down.additional_data).contains("9f1c2d3e"),
        "the Token is not shown"
    );

    let up = fixture("up.form");
    assert_eq!(up.action, Action::Resolve);
    assert_eq!(up.thirdparty_id, down.thirdparty_id);
    assert_eq!(up.title, "Checkout page is up");
}

#[test]
fn a_timeout_is_status_code_zero() {
    let timeout = fixture("timeout.form");
    assert_eq!(timeout.action, Action::Create);
    assert_eq!(
        timeout.description.as_deref(),
        Some("No response (timeout, status code 0)")
    );
    assert!(timeout.tags.is_empty(), "blank Tags");
}

#[test]
fn a_test_id_is_the_key_when_sent() {
    let event = form("TestID=4242&Status=DOWN&URL=https%3A%2F%2Fa.example&Name=A")
        .unwrap()
        .remove(0);
    assert_eq!(event.action, Action::Create, "any case");
    assert_eq!(event.thirdparty_id, "4242");
    assert_eq!(event.dedup_keys, ["4242"]);
    assert_eq!(event.meta_value()["key_source"], "TestID");
    assert!(data(&event).contains(&(DataFormat::Text, "Test ID", "4242")));
}

#[test]
fn other_statuses_are_other_with_a_reason() {
    let paused = form("URL=https%3A%2F%2Fa.example&Status=Paused")
        .unwrap()
        .remove(0);
    assert_eq!(paused.action, Action::Other);
    assert_eq!(
        paused.title, "https://a.example: Paused",
        "no Name: the URL"
    );
    assert_eq!(
        paused.meta_value()["reason"],
        "Status \"Paused\" is neither Up nor Down"
    );
    let none = form("URL=https%3A%2F%2Fa.example").unwrap().remove(0);
    assert_eq!(none.action, Action::Other);
    assert_eq!(none.meta_value()["reason"], "no Status");
}

#[test]
fn bad_bodies_are_typed_errors() {
    let err = form("Status=Down&Name=x").unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(
        err.to_string()
            .starts_with("invalid payload at URL: missing"),
        "{err}"
    );
    let err = form("URL=x&Name=%FF").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid payload at form field \"Name\": not UTF-8 once percent-decoded"
    );
}
