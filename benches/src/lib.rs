//! Benchmarks of pagerhook adapters; `cargo bench -p pager-benches --bench normalize` runs them
//! (see BENCHMARKS.md). This library holds what the benchmarks compare against: the floors.

use std::collections::BTreeMap;

use serde::Deserialize;

pub use pager_integrations::registry;
pub use pager_prometheus_v3::sample::notification as sample_notification;

/// The "owned typed" floor: a plain mirror of Alertmanager's webhook schema with owned
/// `String`s and `BTreeMap`s, as a naive receiver would parse it. Only parsed, never read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // parsed as the floor, never read
pub struct OwnedNotification {
    receiver: String,
    status: String,
    alerts: Vec<OwnedAlert>,
    group_labels: BTreeMap<String, String>,
    common_labels: BTreeMap<String, String>,
    common_annotations: BTreeMap<String, String>,
    #[serde(rename = "externalURL")]
    external_url: String,
    version: String,
    group_key: String,
    truncated_alerts: u64,
}

/// One alert of [`OwnedNotification`].
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // parsed as the floor, never read
pub struct OwnedAlert {
    status: String,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    starts_at: String,
    ends_at: String,
    #[serde(rename = "generatorURL")]
    generator_url: String,
    fingerprint: String,
}

/// Parses `body` into [`OwnedNotification`], the owned typed floor.
///
/// # Errors
/// When `body` is not an Alertmanager notification.
pub fn owned_parse(body: &[u8]) -> Result<OwnedNotification, serde_json::Error> {
    serde_json::from_slice(body)
}

/// Parses `body` as any JSON while keeping nothing: the parse floor.
///
/// # Errors
/// When `body` is not JSON.
pub fn ignored_parse(body: &[u8]) -> Result<serde::de::IgnoredAny, serde_json::Error> {
    serde_json::from_slice(body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_floors_parse_the_sample_and_the_fixtures() {
        let sample = super::sample_notification(3);
        super::owned_parse(&sample).unwrap();
        super::ignored_parse(&sample).unwrap();
        let fixture = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/prometheus-v3/group-partial-resolve.json"
        ))
        .unwrap();
        super::owned_parse(&fixture).unwrap();
    }
}
