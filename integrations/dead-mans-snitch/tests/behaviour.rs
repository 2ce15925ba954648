//! The mapping field by field on the fixtures, and what is not a state change.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use pager_core::{Action, AdditionalData, DataFormat, Integration};
use pager_dead_mans_snitch::DeadMansSnitch;
use pager_testkit::data;

fn fixture(name: &str) -> pager_core::Event {
    pager_testkit::fixture_event(&DeadMansSnitch, "dead-mans-snitch", name)
}

fn event(body: &serde_json::Value) -> pager_core::Event {
    let req = http::Request::post("/")
        .body(Bytes::from(body.to_string()))
        .unwrap();
    DeadMansSnitch.handle(&req).unwrap().remove(0)
}

#[test]
fn missing_and_errored_open_and_reporting_resolves_the_same_snitch() {
    let missing = fixture("missing.json");
    assert_eq!(missing.action, Action::Create);
    assert_eq!(
        missing.thirdparty_id,
        "snitch:f631a8923aa150c970db147792621a88"
    );
    assert_eq!(
        missing.dedup_keys,
        ["snitch:f631a8923aa150c970db147792621a88"]
    );
    assert_eq!(missing.title, "Critical System Reports is missing");
    assert_eq!(
        missing.description.as_deref(),
        Some("Useful notes for dealing with the situation")
    );
    assert_eq!(missing.urgency, None, "Dead Man's Snitch has no severity");
    assert_eq!(missing.tags, ["critical", "reports"]);
    assert_eq!(data(&missing, "Status"), Some("missing"));
    assert_eq!(data(&missing, "Previous status"), Some("healthy"));
    assert_eq!(
        missing.additional_data.last(),
        Some(&AdditionalData::datetime(
            "Event at",
            "2025-01-20T17:00:04.531Z"
        ))
    );
    assert!(
        missing
            .additional_data
            .iter()
            .all(|d| d.format != DataFormat::Link),
        "no link: the check-in URL is a secret"
    );
    assert!(missing.meta.is_empty(), "{:?}", missing.meta);

    let errored = fixture("errored.json");
    assert_eq!(errored.action, Action::Create);
    assert_eq!(
        errored.thirdparty_id,
        "snitch:f631a8923aa150c970db147792621a88"
    );
    assert_eq!(errored.title, "Critical System Reports reported an error");

    let reporting = fixture("reporting.json");
    assert_eq!(reporting.action, Action::Resolve);
    assert_eq!(
        reporting.thirdparty_id,
        "snitch:f631a8923aa150c970db147792621a88"
    );
    assert_eq!(reporting.title, "Critical System Reports is reporting");
    assert_eq!(data(&reporting, "Event"), Some("snitch.reporting"));

    // The first check-in of a new snitch resolves nothing that exists, and harms nothing.
    let first = fixture("first-check-in.json");
    assert_eq!(first.action, Action::Resolve);
    assert_eq!(data(&first, "Previous status"), Some("pending"));
}

#[test]
fn paused_and_unknown_types_are_other_with_a_reason() {
    let paused = fixture("paused.json");
    assert_eq!(paused.action, Action::Other);
    assert_eq!(paused.title, "Critical System Reports was paused");
    assert_eq!(
        paused.meta_value(),
        serde_json::json!({"reason": "a paused snitch sends no alerts until it checks in; the job is not known to run again"})
    );
    let unknown = event(&serde_json::json!({"type": "snitch.deleted",
        "data": {"snitch": {"token": "c2354d53d2", "name": "Reports"}}}));
    assert_eq!(
        (unknown.action, unknown.title.as_str()),
        (Action::Other, "Reports")
    );
    assert_eq!(
        unknown.meta_value()["reason"],
        "type \"snitch.deleted\" is not a snitch state change"
    );
    let untyped = event(&serde_json::json!({"data": {"snitch": {"token": "c2354d53d2"}}}));
    assert_eq!(untyped.action, Action::Other);
    assert_eq!(untyped.meta_value()["reason"], "no type");
}

#[test]
fn a_snitch_without_name_notes_or_tags_is_titled_without_its_secret_token() {
    let bare = fixture("no-notes-or-tags.json");
    assert_eq!(bare.title, "Nightly Invoices is missing");
    assert_eq!(bare.description, None);
    assert!(bare.tags.is_empty());
    let nameless = event(&serde_json::json!({"type": "snitch.missing",
        "data": {"snitch": {"token": " 8a1f3e62b7 ", "name": "", "notes": " ", "tags": [" ", "ops"]}}}));
    assert_eq!(
        nameless.thirdparty_id,
        "snitch:2608c81c515411ffd6a068c6b064a76d"
    );
    assert_eq!(nameless.title, "An unnamed snitch is missing");
    assert!(
        !format!("{nameless:?}").contains("8a1f3e62b7"),
        "the token is a secret"
    );
    assert_eq!(nameless.description, None);
    assert_eq!(nameless.tags, ["ops"]);
    assert_eq!(data(&nameless, "Snitch"), None);
}

#[test]
fn a_webhook_without_its_snitch_or_token_is_an_error_that_says_where() {
    for (body, expected) in [
        (
            serde_json::json!({"type": "snitch.missing", "data": {}}),
            "invalid payload at data.snitch: missing: a Dead Man's Snitch webhook is about the snitch in data.snitch",
        ),
        (
            serde_json::json!({"type": "snitch.missing", "data": {"snitch": {"token": "  "}}}),
            "invalid payload at data.snitch.token: missing or empty: the snitch's token identifies it",
        ),
    ] {
        let req = http::Request::post("/")
            .body(Bytes::from(body.to_string()))
            .unwrap();
        let err = DeadMansSnitch.handle(&req).unwrap_err();
        assert_eq!(err.status(), 400, "{body}");
        assert_eq!(err.to_string(), expected);
    }
}
