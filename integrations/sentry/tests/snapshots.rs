//! Every fixture in `fixtures/sentry/` and every invalid one, as insta snapshots.

#![allow(clippy::unwrap_used)]

use pager_sentry::Sentry;

#[test]
fn fixtures() {
    let adapter = Sentry;
    insta::glob!("../../../fixtures/sentry", "*.json", |path| {
        insta::assert_json_snapshot!(pager_testkit::events_json(&adapter, path).unwrap());
    });
}

#[test]
fn invalid_fixtures_are_typed_errors() {
    let adapter = Sentry;
    insta::glob!("../../../fixtures/sentry/invalid", "*.json", |path| {
        insta::assert_snapshot!(pager_testkit::rejection(&adapter, path).unwrap());
    });
}
