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

fn instance(config: &serde_json::Value) -> pager_core::Instance {
    pager_core::Registry::new()
        .with::<pager_webhook::Webhook>()
        .build("webhook", config)
        .unwrap()
}

#[test]
fn a_meta_nested_too_deep_is_a_typed_400_however_deep() {
    let default = instance(&serde_json::Value::Null);
    for depth in [128, 100_000] {
        let body = format!(
            r#"{{"event_type":"create","id":"x","title":"t","meta":{{"v":{}{}}}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let err = default.handle(&request(&body)).unwrap_err();
        assert!(
            matches!(
                err,
                pager_core::Error::LimitExceeded {
                    limit: "json_depth",
                    ..
                }
            ),
            "{depth}: {err:?}"
        );
        assert_eq!(err.status(), 400);
        assert!(
            err.to_string()
                .starts_with("webhook: json_depth exceeded: meta.v"),
            "{err}"
        );
    }
    let within = format!(
        r#"{{"event_type":"create","id":"x","title":"t","meta":{{"v":{}{}}}}}"#,
        "[".repeat(127),
        "]".repeat(127)
    );
    assert_eq!(default.handle(&request(&within)).unwrap().len(), 1);
}

#[test]
fn per_event_limits_cut_lists_and_values_and_say_so_in_meta() {
    let tags: Vec<String> = (0..60).map(|i| format!("t{i}")).collect();
    let dedup: Vec<String> = (0..30).map(|i| format!("k{i}")).collect();
    let data: Vec<serde_json::Value> = (0..120)
        .map(|i| serde_json::json!({"format": "text", "label": format!("l{i}"), "value": "v"}))
        .collect();
    let long = "é".repeat(10_000);
    let body = serde_json::json!({
        "event_type": "create", "id": long, "title": "t",
        "tags": tags, "dedup_keys": dedup, "additional_data": data,
    })
    .to_string();
    let events = instance(&serde_json::Value::Null)
        .handle(&request(&body))
        .unwrap();
    let event = &events[0];
    assert_eq!(event.tags.len(), 50);
    assert_eq!(event.tags[49], "t49", "the first ones are kept");
    assert_eq!(event.dedup_keys.len(), 20);
    assert_eq!(event.additional_data.len(), 100);
    assert!(
        event.thirdparty_id.len() <= 16 * 1024,
        "{}",
        event.thirdparty_id.len()
    );
    assert!(
        event.thirdparty_id.ends_with("é…"),
        "cut on a character boundary"
    );
    assert_eq!(
        event.meta.get("limits_applied"),
        Some(r#"["max_additional_data","max_tags","max_dedup_keys","max_value_bytes"]"#)
    );

    let tight = instance(&serde_json::json!({"limits": {"max_tags": 2, "max_value_bytes": 16}}));
    let events = tight
        .handle(&request(
            r#"{"event_type":"create","id":"x","title":"t","tags":["a","b"],"additional_data":[{"format":"text","label":"l","value":"0123456789abcdefXYZ"}]}"#,
        ))
        .unwrap();
    assert_eq!(events[0].tags, ["a", "b"]);
    assert_eq!(events[0].additional_data[0].value, "0123456789abc…");
    assert_eq!(
        events[0].meta.get("limits_applied"),
        Some(r#"["max_value_bytes"]"#)
    );
    let untouched = tight
        .handle(&request(r#"{"event_type":"create","id":"x","title":"t"}"#))
        .unwrap();
    assert_eq!(untouched[0].meta.get("limits_applied"), None);
}

#[test]
fn limits_have_defaults_and_refuse_nonsense() {
    let batch: Vec<serde_json::Value> = (0..10_001)
        .map(|i| serde_json::json!({"event_type": "other", "id": i}))
        .collect();
    let err = instance(&serde_json::Value::Null)
        .handle(&request(&serde_json::to_string(&batch).unwrap()))
        .unwrap_err();
    assert!(
        err.to_string().contains("at most 10000 are accepted"),
        "{err}"
    );
    for (limit, value) in [
        ("max_title_chars", 1),
        ("max_description_chars", 0),
        ("max_value_bytes", 15),
    ] {
        let err = pager_core::Registry::new()
            .with::<pager_webhook::Webhook>()
            .build("webhook", &serde_json::json!({"limits": {limit: value}}))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("limits.{limit}: must be at least")),
            "{err}"
        );
    }
}
