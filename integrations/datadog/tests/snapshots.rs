//! Every fixture in `fixtures/datadog/` and every invalid one, as insta snapshots.

#![allow(clippy::unwrap_used)]

use pager_datadog::Datadog;

#[test]
fn fixtures() {
    let adapter = Datadog::default();
    insta::glob!("../../../fixtures/datadog", "*.json", |path| {
        insta::assert_json_snapshot!(pager_testkit::events_json(&adapter, path).unwrap());
    });
}

#[test]
fn invalid_fixtures_are_typed_errors() {
    let adapter = Datadog::default();
    insta::glob!("../../../fixtures/datadog/invalid", "*.json", |path| {
        insta::assert_snapshot!(pager_testkit::rejection(&adapter, path).unwrap());
    });
}
