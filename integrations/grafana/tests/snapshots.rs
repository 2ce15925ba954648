//! Every fixture in `fixtures/grafana/` in both grouping modes, and every invalid one, as
//! insta snapshots.

#![allow(clippy::unwrap_used)]

use pager_core::Adapter;
use pager_grafana::{Config, Grafana};

fn grouped() -> Grafana {
    let config: Config = serde_json::from_value(serde_json::json!({"grouping": "group"})).unwrap();
    Grafana::from_config(config).unwrap()
}

#[test]
fn fixtures() {
    let alert = Grafana::default();
    let group = grouped();
    insta::glob!("../../../fixtures/grafana", "*.json", |path| {
        insta::assert_json_snapshot!(pager_testkit::events_json(&alert, path).unwrap());
        insta::assert_json_snapshot!("group", pager_testkit::events_json(&group, path).unwrap());
    });
}

#[test]
fn invalid_fixtures_are_typed_errors() {
    let adapter = Grafana::default();
    insta::glob!("../../../fixtures/grafana/invalid", "*.json", |path| {
        insta::assert_snapshot!(pager_testkit::rejection(&adapter, path).unwrap());
    });
}
