//! No input makes any registered adapter panic or answer outside 4xx: arbitrary bytes, arbitrary
//! JSON shaped with each vendor's field names, and every fixture with bytes flipped, cut or
//! spliced. Each adapter runs both with default options and behind a content type it may read.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;

use bytes::Bytes;
use pager_core::Integration;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::Value;

/// Field names the adapters read, so generated objects reach past the first lookup.
const KEYS: &[&str] = &[
    "status",
    "alerts",
    "labels",
    "annotations",
    "fingerprint",
    "groupKey",
    "groupLabels",
    "commonLabels",
    "orgId",
    "ruleId",
    "evalMatches",
    "state",
    "schemaId",
    "data",
    "essentials",
    "alertId",
    "monitorCondition",
    "alertContext",
    "condition",
    "allOf",
    "customProperties",
    "Type",
    "Message",
    "AlarmName",
    "NewStateValue",
    "Trigger",
    "Dimensions",
    "action",
    "issue",
    "event",
    "metric_alert",
    "id",
    "issue_id",
    "tags",
    "event_type",
    "title",
    "urgency",
    "meta",
    "incident",
    "additional_data",
    "dedup_keys",
    "event_id",
    "event_value",
    "event_update_status",
    "event_update_action",
    "aggreg_key",
    "alert_transition",
    "org",
    "incident_id",
    "current_state",
    "trigger",
    "priority",
    "severity",
    "alertname",
];

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-zA-Z0-9 :{}$._-]{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("firing"),
            Just("resolved"),
            Just("Fired"),
            Just("Resolved"),
            Just("ALARM"),
            Just("OK"),
            Just("Notification"),
            Just("SubscriptionConfirmation"),
            Just("created"),
            Just("triggered"),
            Just("critical"),
            Just("1"),
            Just("0"),
            Just("create"),
            Just("azureMonitorCommonAlertSchema"),
            Just("Triggered"),
            Just("ACTIVATED"),
            Just("{}:{}"),
            Just("alerting"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(Value::from),
            btree_map(proptest::sample::select(KEYS), inner, 0..8).prop_map(|m| {
                Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

fn fixtures() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut all = Vec::new();
    for info in pager_integrations::registry().list() {
        all.extend(pager_testkit::body_files(&root.join(info.slug)));
    }
    assert!(all.len() > 40, "{} fixtures", all.len());
    all
}

fn check_all(body: &[u8], content_type: &str) {
    let registry = pager_integrations::registry();
    for info in registry.list() {
        let instance = registry.build(info.slug, &Value::Null).unwrap();
        let req = http::Request::post("/")
            .header("Content-Type", content_type)
            .body(Bytes::copy_from_slice(body))
            .unwrap();
        match instance.handle(&req) {
            Ok(events) => {
                for event in events {
                    assert!(!event.thirdparty_id.is_empty(), "{}: empty key", info.slug);
                    assert!(!event.title.trim().is_empty(), "{}: blank title", info.slug);
                }
            }
            Err(error) => {
                assert!(error.status().is_client_error(), "{}: {error}", info.slug);
                assert_eq!(error.integration(), info.slug);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(body in vec(any::<u8>(), 0..512)) {
        check_all(&body, "application/json");
    }

    #[test]
    fn arbitrary_json(value in json(), plain in any::<bool>()) {
        let content_type = if plain { "text/plain; charset=UTF-8" } else { "application/json" };
        check_all(value.to_string().as_bytes(), content_type);
    }

    #[test]
    fn damaged_fixtures(index in any::<prop::sample::Index>(), flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4), cut in any::<prop::sample::Index>()) {
        let paths = fixtures();
        let mut body = std::fs::read(index.get(&paths)).unwrap();
        for (at, byte) in flips {
            let i = at.index(body.len().max(1)).min(body.len().saturating_sub(1));
            if let Some(b) = body.get_mut(i) {
                *b = byte;
            }
        }
        check_all(&body, "application/json");
        let end = cut.index(body.len() + 1);
        check_all(&body[..end], "application/json");
    }
}
