//! Every fixture in `fixtures/webhook/` and every invalid one, as insta snapshots.

#![allow(clippy::unwrap_used)]

use pager_webhook::Webhook;

#[test]
fn fixtures() {
    let adapter = Webhook::default();
    insta::glob!("../../../fixtures/webhook", "*.json", |path| {
        insta::assert_json_snapshot!(pager_testkit::events_json(&adapter, path).unwrap());
    });
}

#[test]
fn invalid_fixtures_are_typed_errors() {
    let adapter = Webhook::default();
    insta::glob!("../../../fixtures/webhook/invalid", "*.json", |path| {
        insta::assert_snapshot!(pager_testkit::rejection(&adapter, path).unwrap());
    });
}
