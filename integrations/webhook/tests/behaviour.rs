//! Behaviour the snapshots do not spell out: limits, options, key handling.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use pager_core::{Action, Integration};

fn request(body: &str) -> http::Request<Bytes> {
    http::Request::post("/")
        .body(Bytes::from(body.to_owned()))
        .unwrap()
}

#[test]
fn a_batch_over_max_alerts_is_refused_whole() {
    let registry = pager_core::Registry::new().with::<pager_webhook::Webhook>();
    let capped = registry
        .build("webhook", &serde_json::json!({"limits": {"max_alerts": 2}}))
        .unwrap();
    let three = r#"[{"event_type":"other","id":"a"},{"event_type":"other","id":"b"},{"event_type":"other","id":"c"}]"#;
    let err = capped.handle(&request(three)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "webhook: max_alerts exceeded: the payload has 3 events; at most 2 are accepted"
    );
    let two = r#"[{"event_type":"other","id":"a"},{"event_type":"other","id":"b"}]"#;
    assert_eq!(capped.handle(&request(two)).unwrap().len(), 2);
}

#[test]
fn ids_are_trimmed_and_dedup_keys_deduplicated() {
    let adapter = pager_webhook::Webhook::default();
    let events = adapter
        .handle(&request(
            r#"{"event_type":"resolve","id":" job-7 ","dedup_keys":["job-7","","cron:7"]}"#,
        ))
        .unwrap();
    assert_eq!(events[0].action, Action::Resolve);
    assert_eq!(events[0].thirdparty_id, "job-7");
    assert_eq!(events[0].dedup_keys, ["job-7", "cron:7"]);
    assert_eq!(events[0].title, "job-7");
}

#[test]
fn options_must_be_empty() {
    let err = pager_core::Registry::new()
        .with::<pager_webhook::Webhook>()
        .build("webhook", &serde_json::json!({"grouping": "alert"}))
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown field `grouping`"),
        "{err}"
    );
}
