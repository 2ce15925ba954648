//! Every fixture in `fixtures/new-relic/` and every invalid one, as insta snapshots.

#![allow(clippy::unwrap_used)]

use pager_new_relic::NewRelic;

#[test]
fn fixtures() {
    let adapter = NewRelic;
    insta::glob!("../../../fixtures/new-relic", "*.json", |path| {
        insta::assert_json_snapshot!(pager_testkit::events_json(&adapter, path).unwrap());
    });
}

#[test]
fn invalid_fixtures_are_typed_errors() {
    let adapter = NewRelic;
    insta::glob!("../../../fixtures/new-relic/invalid", "*.json", |path| {
        insta::assert_snapshot!(pager_testkit::rejection(&adapter, path).unwrap());
    });
}
