//! Behaviour the snapshots do not spell out: limits, options, key handling.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use pager_core::{Action, Incident, Integration, Severity, Urgency};

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
fn unknown_options_are_rejected() {
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

fn one(instance: &pager_core::Instance, body: &str) -> pager_core::Event {
    let mut events = instance.handle(&request(body)).unwrap();
    assert_eq!(events.len(), 1);
    events.remove(0)
}

#[test]
fn pagertree_spellings_read_as_pagerhook_ones() {
    let default = instance(&serde_json::Value::Null);
    let lower = one(
        &default,
        r#"{"event_type":"create","id":"a-1","title":"T","description":"D","urgency":"high","tags":["x"],"dedup_keys":["g"]}"#,
    );
    let mixed = one(
        &default,
        r#"{"EVENT_TYPE":" Create ","Id":"a-1","TITLE":"T","Description":"D","Urgency":"HIGH","Tags":["x"],"Dedup_Keys":["g"]}"#,
    );
    assert_eq!(mixed, lower);
    assert_eq!(lower.urgency, Some(Urgency::High));
    assert_eq!(lower.dedup_keys, ["a-1", "g"]);

    // Two spellings of one key: the last counts.
    let twice = one(
        &default,
        r#"{"event_type":"create","id":"first","Id":"second","title":"T"}"#,
    );
    assert_eq!(twice.thirdparty_id, "second");
}

#[test]
fn urgency_reads_the_shared_severity_vocabulary() {
    let default = instance(&serde_json::Value::Null);
    for (sent, expected) in [
        ("critical", Some(Urgency::Critical)),
        ("P1", Some(Urgency::Critical)),
        ("warning", Some(Urgency::Medium)),
        (" Low ", Some(Urgency::Low)),
        ("silent", Some(Urgency::Silent)),
        ("urgent", None),
        ("none", None),
        ("NONE", None),
    ] {
        let body = format!(r#"{{"event_type":"create","id":"x","title":"t","Urgency":"{sent}"}}"#);
        assert_eq!(one(&default, &body).urgency, expected, "{sent}");
    }
    let number = one(
        &default,
        r#"{"event_type":"create","id":"x","title":"t","urgency":3}"#,
    );
    assert_eq!(
        number.urgency, None,
        "a number is no name in the vocabulary"
    );
}

#[test]
fn an_incident_declared_in_meta_as_pagertree_does() {
    let default = instance(&serde_json::Value::Null);
    let declare = |meta: &str| {
        one(
            &default,
            &format!(r#"{{"event_type":"create","Id":"x","Title":"t","Meta":{meta}}}"#),
        )
    };
    let sev3 = declare(r#"{"incident":"true","incident_severity":" sev3 "}"#);
    assert_eq!(sev3.incident, Some(Incident::new(Severity::Sev3, None)));
    assert_eq!(sev3.meta.get("reason"), None);

    let off = declare(r#"{"incident":false,"incident_severity":"SEV-1"}"#);
    assert_eq!(off.incident, None);

    let unknown = declare(r#"{"incident":true,"incident_severity":"SEV-9"}"#);
    assert_eq!(unknown.incident, None);
    assert_eq!(
        unknown.meta.get("reason"),
        Some(r#""Meta.incident_severity \"SEV-9\" is not SEV-1..SEV-5: no incident declared""#)
    );
    let missing = declare(r#"{"incident":true}"#);
    assert_eq!(missing.incident, None);
    assert_eq!(
        missing.meta.get("reason"),
        Some(r#""Meta.incident without incident_severity: no incident declared""#)
    );

    // pagerhook's own `incident` field wins over Meta's.
    let both = one(
        &default,
        r#"{"event_type":"create","id":"x","title":"t","incident":{"severity":"SEV-4"},"meta":{"incident":true,"incident_severity":"SEV-1"}}"#,
    );
    assert_eq!(both.incident, Some(Incident::new(Severity::Sev4, None)));
}

#[test]
fn the_senders_own_reason_is_kept() {
    let default = instance(&serde_json::Value::Null);
    let event = one(
        &default,
        r#"{"event_type":"page","id":"x","meta":{"reason":"disk"}}"#,
    );
    assert_eq!(event.action, Action::Other);
    assert_eq!(event.meta.get("reason"), Some(r#""disk""#));
}

#[test]
fn wrapper_key_reads_the_event_where_the_sender_wrapped_it() {
    let wrapped = instance(&serde_json::json!({"wrapper_key": "data.alert"}));
    let event = one(
        &wrapped,
        r#"{"sent_by":"acme","data":{"alert":{"event_type":"create","Id":"b-1","Title":"Backup failed"}}}"#,
    );
    assert_eq!(event.action, Action::Create);
    assert_eq!(event.thirdparty_id, "b-1");

    // Not there, or not an object: the body is read as it is (as PagerTree does).
    let plain = one(&wrapped, r#"{"event_type":"resolve","id":"b-1"}"#);
    assert_eq!(plain.action, Action::Resolve);
    let not_object = one(
        &wrapped,
        r#"{"event_type":"resolve","id":"b-1","data":{"alert":"text"}}"#,
    );
    assert_eq!(not_object.action, Action::Resolve);

    // An error inside the wrapped object names its full path.
    let err = wrapped
        .handle(&request(
            r#"{"data":{"alert":{"event_type":"create","id":"b-1"}}}"#,
        ))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "webhook: invalid payload at data.alert.title: a create needs a non-empty title"
    );
    let err = wrapped
        .handle(&request(
            r#"{"data":{"alert":{"event_type":"create","id":[1]}}}"#,
        ))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "webhook: invalid payload at data.alert.id: expected a string, a number or a boolean (line 1, column 49)",
        "the position is the body's, not the wrapped object's (column 32)"
    );
    let err = wrapped
        .handle(&request(
            "{\"sent_by\": \"acme\",\n \"data\": {\"alert\": {\n  \"event_type\": \"create\",\n  \"id\": {\"x\": 1}}}}",
        ))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "webhook: invalid payload at data.alert.id: expected a string, a number or a boolean (line 4, column 17)"
    );
    // An array body is read as it is: the wrapper applies to an object's key only.
    let events = wrapped
        .handle(&request(r#"[{"event_type":"other","id":"a"}]"#))
        .unwrap();
    assert_eq!(events[0].thirdparty_id, "a");

    let err = pager_core::Registry::new()
        .with::<pager_webhook::Webhook>()
        .build("webhook", &serde_json::json!({"wrapper_key": "data[0]"}))
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "webhook: invalid configuration at wrapper_key: \"data[0]\": expected keys of"
        ),
        "{err}"
    );
}

#[test]
fn capture_additional_data_keeps_the_other_top_level_keys() {
    let body = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/webhook/pagertree-full.json"
    ))
    .unwrap();
    let plain = one(&instance(&serde_json::Value::Null), &body);
    assert!(plain.additional_data.is_empty());
    let captured = one(
        &instance(&serde_json::json!({"capture_additional_data": true})),
        &body.replacen(
            '{',
            r#"{"pagertree_integration_id": "int_1", "count": 3,"#,
            1,
        ),
    );
    let data: Vec<(&str, &str)> = captured
        .additional_data
        .iter()
        .map(|d| (&*d.label, d.value.as_str()))
        .collect();
    assert_eq!(
        data,
        [
            ("count", "3"),
            ("region", "eu-west-1"),
            ("runbook", "https://runbooks.example.com/orders-db"),
        ]
    );
}

#[test]
fn what_pagertree_reads_loosely_is_read_loosely() {
    let default = instance(&serde_json::Value::Null);
    for (id, key) in [
        ("18446744073709551615", "18446744073709551615"),
        ("1.5", "1.5"),
        ("true", "true"),
        (r#"" 42 ""#, "42"),
    ] {
        let body = format!(r#"{{"event_type":"resolve","Id":{id}}}"#);
        assert_eq!(one(&default, &body).thirdparty_id, key, "{id}");
    }
    let loose = one(
        &default,
        r#"{"event_type":"create","id":"x","title":"t","Tags":"solo","dedup_keys":"group-1","Description":{"html":"<b>x</b>"}}"#,
    );
    assert_eq!(loose.tags, ["solo"]);
    assert_eq!(loose.dedup_keys, ["x", "group-1"]);
    assert_eq!(loose.description, None, "not text: not kept");
    let mixed = one(
        &default,
        r#"{"event_type":"create","id":"x","title":"t","tags":["a",2,null,"",["n"],{"o":1},true],"description":7}"#,
    );
    assert_eq!(mixed.tags, ["a", "2", "true"]);
    assert_eq!(mixed.description.as_deref(), Some("7"));

    let nulls = one(
        &default,
        r#"{"event_type":"create","id":"x","title":"t","tags":null,"dedup_keys":null,"meta":null,"incident":null,"description":null}"#,
    );
    assert!(nulls.tags.is_empty());
    assert_eq!(nulls.dedup_keys, ["x"]);
    assert_eq!(nulls.incident, None);
    assert!(nulls.meta.is_empty(), "{:?}", nulls.meta);
    let err = default
        .handle(&request(r#"{"event_type":"create","id":null,"title":"t"}"#))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "webhook: invalid payload at id: missing: every event needs an id (its dedup key)"
    );
}

#[test]
fn only_an_object_meta_declares_an_incident() {
    let default = instance(&serde_json::Value::Null);
    let array = one(
        &default,
        r#"{"event_type":"create","id":"x","title":"t","Meta":[true,"SEV-1","bridge"]}"#,
    );
    assert_eq!(array.incident, None);
    assert_eq!(
        array.meta.get("reason"),
        Some(r#""Meta is not a JSON object: not kept""#)
    );
    let twice = one(
        &default,
        r#"{"event_type":"create","id":"x","title":"t","Meta":{"incident":true,"incident":true,"incident_severity":"SEV-2"}}"#,
    );
    assert_eq!(twice.incident, None);
    assert!(
        twice
            .meta
            .get("reason")
            .unwrap()
            .starts_with(r#""Meta's incident fields are unreadable (duplicate field `incident`"#),
        "{:?}",
        twice.meta.get("reason")
    );
}

#[test]
fn captured_keys_are_labelled_in_lower_case_and_the_last_spelling_counts() {
    let capture = instance(&serde_json::json!({"capture_additional_data": true}));
    let event = one(
        &capture,
        r#"{"event_type":"create","id":"x","title":"t","Region":"eu","zone":"a","region":"us","Count":[1,2]}"#,
    );
    let data: Vec<(&str, &str)> = event
        .additional_data
        .iter()
        .map(|d| (&*d.label, d.value.as_str()))
        .collect();
    assert_eq!(data, [("zone", "a"), ("region", "us"), ("count", "[1,2]")]);
}
