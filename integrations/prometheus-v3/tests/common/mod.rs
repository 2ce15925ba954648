//! Helpers shared by this crate's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use bytes::Bytes;
use pager_core::{Adapter, Event, Integration};
use pager_prometheus_v3::{Config, PrometheusV3};

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
    pager_core::fixture::load_request(&fixtures_dir().join(format!("{name}.json"))).unwrap()
}

pub fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_slice(fixture(name).body()).unwrap()
}

pub fn adapter(config: serde_json::Value) -> PrometheusV3 {
    PrometheusV3::from_config(serde_json::from_value::<Config>(config).unwrap()).unwrap()
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

/// A realistic notification with `alerts` alerts, each with 10 labels and 3 annotations,
/// written as Alertmanager writes it (compact, keys sorted, `&` as `\u0026`). Deterministic.
pub fn generated_notification(alerts: usize) -> Vec<u8> {
    let alert = |i: usize| {
        serde_json::json!({
            "status": if i % 7 == 0 { "resolved" } else { "firing" },
            "labels": {
                "alertname": format!("HighRequestLatency{}", i % 5), "cluster": "prod-eu-west-1",
                "instance": format!("10.{}.{}.{}:9100", i / 65536 % 256, i / 256 % 256, i % 256),
                "job": "node-exporter", "namespace": format!("team-{}", i % 12), "pod": format!("api-{i:06}-7d9f8"),
                "service": "checkout", "severity": (["critical", "warning", "info"][i % 3]), "team": "payments", "env": "prod"
            },
            "annotations": {
                "summary": format!("p99 latency above 2s on api-{i:06}"),
                "description": format!("The 99th percentile request latency of api-{i:06} has been above 2s for 10 minutes & rising."),
                "runbook_url": format!("https://runbooks.example.com/latency?pod=api-{i:06}&team=payments")
            },
            "startsAt": "2026-11-22T03:44:01.634779353Z",
            "endsAt": if i % 7 == 0 { "2026-11-22T03:49:01.1Z" } else { "0001-01-01T00:00:00Z" },
            "generatorURL": format!("http://prometheus.example.com:9090/graph?g0.expr=latency%7Bpod%3D%22api-{i:06}%22%7D&g0.tab=1"),
            "fingerprint": format!("{:016x}", (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        })
    };
    let body = serde_json::json!({
        "receiver": "payments\\.pager", "status": "firing",
        "alerts": (0..alerts).map(alert).collect::<Vec<_>>(),
        "groupLabels": {"service": "checkout"},
        "commonLabels": {"cluster": "prod-eu-west-1", "env": "prod", "job": "node-exporter", "service": "checkout", "team": "payments"},
        "commonAnnotations": {}, "externalURL": "http://alertmanager.example.com:9093", "version": "4",
        "groupKey": "{}/{team=\"payments\"}:{service=\"checkout\"}", "truncatedAlerts": 0
    });
    let mut text = serde_json::to_string(&body)
        .unwrap()
        .replace('&', "\\u0026");
    text.push('\n');
    text.into_bytes()
}
