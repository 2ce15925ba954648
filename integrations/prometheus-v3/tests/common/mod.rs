//! Helpers shared by this crate's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use bytes::Bytes;
use pager_core::{Event, Instance, Integration, Registry};
use pager_prometheus_v3::PrometheusV3;

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/prometheus-v3")
}

/// Every valid fixture's path, sorted.
pub fn fixture_paths() -> Vec<PathBuf> {
    let mut paths: Vec<_> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 15,
        "expected at least 15 fixtures, found {}",
        paths.len()
    );
    paths
}

pub fn fixture(name: &str) -> http::Request<Bytes> {
    pager_testkit::load_request(&fixtures_dir().join(format!("{name}.json"))).unwrap()
}

pub fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_slice(fixture(name).body()).unwrap()
}

/// The adapter as hosts run it: built from (slug, options) through the registry, so errors
/// carry the slug the `Instance` adds.
#[allow(clippy::needless_pass_by_value)] // callers pass `json!(…)` literals
pub fn adapter(config: serde_json::Value) -> Instance {
    Registry::new()
        .with::<PrometheusV3>()
        .build(pager_prometheus_v3::ID, &config)
        .unwrap()
}

pub fn handle(config: serde_json::Value, req: &http::Request<Bytes>) -> Vec<Event> {
    adapter(config).handle(req).unwrap()
}

pub fn request(body: &serde_json::Value) -> http::Request<Bytes> {
    http::Request::post("/")
        .body(Bytes::from(serde_json::to_vec(body).unwrap()))
        .unwrap()
}

pub fn data<'e>(event: &'e Event, label: &str) -> Option<&'e str> {
    event
        .additional_data
        .iter()
        .find(|d| d.label == label)
        .map(|d| d.value.as_str())
}

/// A realistic generated notification (see `pager_prometheus_v3::sample`).
pub fn generated_notification(alerts: usize) -> Vec<u8> {
    pager_prometheus_v3::sample::notification(alerts)
}
