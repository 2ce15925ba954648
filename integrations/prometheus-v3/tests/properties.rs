//! Properties over generated inputs: nothing panics, keys do not depend on key order or
//! whitespace, group mode keys on `groupKey`, alert mode yields one event per alert.

// Test code: a failed unwrap or index is a test failure with its location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::BTreeMap;

use common::{adapter, fixture_paths, request};
use pager_core::Integration;
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{Value, json};

fn both_modes() -> [pager_core::Instance; 2] {
    [adapter(json!({})), adapter(json!({"grouping": "alert"}))]
}

fn raw_request(bytes: Vec<u8>) -> http::Request<bytes::Bytes> {
    http::Request::post("/")
        .body(bytes::Bytes::from(bytes))
        .unwrap()
}

/// Any JSON value, up to a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,10}".prop_map(Value::from),
        prop_oneof!["firing", "resolved", "alerts", "labels", "status"].prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::from),
            btree_map(
                prop_oneof![
                    "status",
                    "alerts",
                    "labels",
                    "annotations",
                    "groupKey",
                    "commonLabels",
                    "truncatedAlerts",
                    "fingerprint",
                    "[a-z]{1,6}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn labels() -> impl Strategy<Value = BTreeMap<String, String>> {
    btree_map(
        prop_oneof![
            "alertname",
            "severity",
            "instance",
            "[a-z_]{1,8}",
            "\\PC{1,4}"
        ],
        "\\PC{0,12}",
        0..5,
    )
}

fn alert() -> impl Strategy<Value = Value> {
    (
        option::of(prop_oneof!["firing", "resolved", "\\PC{0,6}"]),
        option::of(labels()),
        option::of(labels()),
        option::of(prop_oneof![
            "2026-11-22T03:44:01.634779353Z",
            "0001-01-01T00:00:00Z",
            "\\PC{0,20}"
        ]),
        option::of(prop_oneof![
            "0001-01-01T00:00:00Z",
            "2026-11-22T03:44:04+05:30",
            "\\PC{0,20}"
        ]),
        option::of(prop_oneof![
            "",
            "http://p.example/graph?g0.expr=up",
            "\\PC{0,20}"
        ]),
        option::of("[0-9a-f]{16}"),
    )
        .prop_map(
            |(status, labels, annotations, starts, ends, generator, fingerprint)| {
                let mut alert = serde_json::Map::new();
                let mut put = |k: &str, v: Option<Value>| {
                    if let Some(v) = v {
                        alert.insert(k.to_owned(), v);
                    }
                };
                put("status", status.map(Value::from));
                put("labels", labels.map(|l| json!(l)));
                put("annotations", annotations.map(|a| json!(a)));
                put("startsAt", starts.map(Value::from));
                put("endsAt", ends.map(Value::from));
                put("generatorURL", generator.map(Value::from));
                put("fingerprint", fingerprint.map(Value::from));
                Value::Object(alert)
            },
        )
}

/// Payloads that follow Alertmanager's schema, with optional fields present or not.
fn notification() -> impl Strategy<Value = Value> {
    (
        prop_oneof!["firing", "resolved", "\\PC{0,8}"],
        vec(alert(), 0..6),
        option::of("\\PC{0,12}"),
        option::of(labels()),
        option::of(labels()),
        option::of(labels()),
        option::of("\\PC{0,40}"),
        option::of(any::<u64>()),
        option::of(prop_oneof!["http://am.example:9093", "", "\\PC{0,10}"]),
    )
        .prop_map(
            |(status, alerts, receiver, group, common, annotations, key, truncated, url)| {
                let mut n = serde_json::Map::new();
                n.insert("status".into(), status.into());
                n.insert("alerts".into(), alerts.into());
                let mut put = |k: &str, v: Option<Value>| {
                    if let Some(v) = v {
                        n.insert(k.to_owned(), v);
                    }
                };
                put("receiver", receiver.map(Value::from));
                put("groupLabels", group.map(|l| json!(l)));
                put("commonLabels", common.map(|l| json!(l)));
                put("commonAnnotations", annotations.map(|l| json!(l)));
                put("groupKey", key.map(Value::from));
                put("truncatedAlerts", truncated.map(Value::from));
                put("externalURL", url.map(Value::from));
                Value::Object(n)
            },
        )
}

/// Writes `value` as JSON with object keys in a shuffled order and varied whitespace.
fn write_shuffled(value: &Value, rng: &mut u64, out: &mut String) {
    fn next(rng: &mut u64) -> u64 {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        *rng
    }
    fn space(rng: &mut u64, out: &mut String) {
        out.push_str([" ", "", "\n", "\t", "\r\n  ", ""][usize::try_from(next(rng) % 6).unwrap()]);
    }
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            for i in (1..entries.len()).rev() {
                entries.swap(i, usize::try_from(next(rng) % (i as u64 + 1)).unwrap());
            }
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                space(rng, out);
                out.push_str(&serde_json::to_string(k).unwrap());
                space(rng, out);
                out.push(':');
                space(rng, out);
                write_shuffled(v, rng, out);
            }
            space(rng, out);
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                space(rng, out);
                write_shuffled(v, rng, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

proptest! {
    // Failures are kept in proptest-regressions/ (committed) and replayed first on every run.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/properties.txt"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..512)) {
        let req = raw_request(bytes);
        for adapter in both_modes() {
            if let Err(err) = adapter.handle(&req) {
                prop_assert_eq!(err.status(), 400);
                prop_assert_eq!(err.integration(), "prometheus-v3");
            }
        }
    }

    #[test]
    fn arbitrary_json_never_panics(value in any_json()) {
        let req = request(&value);
        for adapter in both_modes() {
            if let Err(err) = adapter.handle(&req) {
                prop_assert_eq!(err.status(), 400);
            }
        }
    }

    #[test]
    fn schema_valid_payloads_are_accepted_with_the_documented_keys(value in notification()) {
        let req = request(&value);
        let [group, alert] = both_modes();
        let group_events = group.handle(&req).unwrap();
        prop_assert_eq!(group_events.len(), 1);
        let event = &group_events[0];
        prop_assert!(!event.title.trim().is_empty(), "blank title {:?}", event.title);
        prop_assert_eq!(&event.dedup_keys[0], &event.thirdparty_id);
        match value["groupKey"].as_str() {
            Some(key) if !key.is_empty() => prop_assert_eq!(&event.thirdparty_id, key),
            _ => prop_assert!(event.thirdparty_id.starts_with("fallback:")),
        }
        let alerts = value["alerts"].as_array().unwrap();
        let alert_events = alert.handle(&req).unwrap();
        prop_assert_eq!(alert_events.len(), alerts.len());
        for (event, alert) in alert_events.iter().zip(alerts) {
            prop_assert!(!event.title.trim().is_empty(), "blank title {:?}", event.title);
            prop_assert_eq!(event.thirdparty_id.len(), 16);
            if let Some(fp) = alert["fingerprint"].as_str() {
                prop_assert_eq!(&event.thirdparty_id, fp);
            }
        }
    }

    #[test]
    fn key_order_and_whitespace_never_change_the_events(seed in 1..u64::MAX) {
        let adapters = both_modes();
        for path in fixture_paths() {
            let original = std::fs::read(&path).unwrap();
            let value: Value = serde_json::from_slice(&original).unwrap();
            let mut rng = seed;
            let mut shuffled = String::new();
            write_shuffled(&value, &mut rng, &mut shuffled);
            for adapter in &adapters {
                let a = adapter.handle(&raw_request(original.clone())).unwrap();
                let b = adapter.handle(&raw_request(shuffled.clone().into_bytes())).unwrap();
                let keys = |events: &[pager_core::Event]| events.iter().map(|e| e.dedup_keys.clone()).collect::<Vec<_>>();
                prop_assert_eq!(keys(&a), keys(&b), "{}", path.display());
                prop_assert_eq!(serde_json::to_value(&a).unwrap(), serde_json::to_value(&b).unwrap());
            }
        }
    }
}
