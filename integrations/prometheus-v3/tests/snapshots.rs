//! Every fixture in `fixtures/prometheus-v3/`, normalized in both grouping modes, and every
//! invalid fixture's error, as insta snapshots. Read a `.snap.new` diff before accepting it.

// Test code: a failed unwrap or index is a test failure with its location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use pager_core::{Adapter, Integration};
use pager_prometheus_v3::{Config, Grouping, PrometheusV3};

fn adapter(grouping: Grouping) -> PrometheusV3 {
    let mut config = Config::default();
    config.grouping = grouping;
    PrometheusV3::from_config(config).unwrap()
}

fn events_json(adapter: &PrometheusV3, path: &Path) -> serde_json::Value {
    let req = pager_testkit::load_request(path).unwrap();
    let events = adapter
        .handle(&req)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::to_value(&events).unwrap()
}

#[test]
fn fixtures_in_both_modes() {
    let (group, alert) = (adapter(Grouping::Group), adapter(Grouping::Alert));
    insta::glob!("../../../fixtures/prometheus-v3", "*.json", |path| {
        insta::assert_json_snapshot!("group", events_json(&group, path));
        insta::assert_json_snapshot!("alert", events_json(&alert, path));
    });
}

#[test]
fn invalid_fixtures_are_typed_errors() {
    let group = adapter(Grouping::Group);
    insta::glob!(
        "../../../fixtures/prometheus-v3/invalid",
        "*.json",
        |path| {
            let req = pager_testkit::load_request(path).unwrap();
            let err = group
                .handle(&req)
                .expect_err("an invalid fixture was accepted");
            assert_eq!(err.integration(), "prometheus-v3");
            assert!(err.status().is_client_error());
            // Both modes read the payload the same way, so they reject it with the same error.
            assert_eq!(adapter(Grouping::Alert).handle(&req).unwrap_err(), err);
            insta::assert_snapshot!(format!("{} {err}", err.status().as_u16()));
        }
    );
}
