//! The prometheus-v3 adapter, both grouping modes and both key forms, on arbitrary bytes with
//! an arbitrary `Content-Type`. Input: byte 0 picks the options and the content type, the rest
//! is the body (so the fixtures, prefixed with one byte, are the seed corpus).
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use pager_core::{Integration, Registry};

const CONTENT_TYPES: [Option<&str>; 4] = [
    None,
    Some("application/json"),
    Some("text/plain"),
    Some("application/vnd.x+json; charset=utf-8"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let options = match selector % 4 {
        0 => serde_json::json!({}),
        1 => serde_json::json!({"grouping": "alert"}),
        2 => {
            serde_json::json!({"key": "sha256", "tag_labels": ["severity", "team"], "limits": {"max_alerts": 50}})
        }
        _ => {
            serde_json::json!({"grouping": "alert", "limits": {"max_title_chars": 5, "max_description_chars": 3}})
        }
    };
    let instance = Registry::new()
        .with::<pager_prometheus_v3::PrometheusV3>()
        .build("prometheus-v3", &options)
        .unwrap();
    let mut builder = http::Request::post("/integrations/am");
    if let Some(ct) = CONTENT_TYPES[usize::from(selector / 4) % 4] {
        builder = builder.header("content-type", ct);
    }
    let req = builder.body(Bytes::copy_from_slice(body)).unwrap();
    match instance.handle(&req) {
        Ok(events) => {
            for event in &events {
                assert!(!event.thirdparty_id.is_empty());
                assert!(!event.title.trim().is_empty());
                assert!(event.title.chars().count() <= 200);
                assert_eq!(event.dedup_keys.first(), Some(&event.thirdparty_id));
                let json = serde_json::to_string(event).unwrap();
                let back: pager_core::Event = serde_json::from_str(&json).unwrap();
                assert_eq!(&back, event, "an event reads back equal from its JSON");
            }
        }
        Err(err) => assert!(err.status().is_client_error()),
    }
});
