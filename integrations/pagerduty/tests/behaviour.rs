//! The mapping on the fixtures and on edge cases: v2 and v1, keys sent and made up, severities,
//! the routing key as the credential, and PagerDuty's answer.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use pager_core::{Action, Event, Integration, Urgency};
use pager_pagerduty::PagerDuty;
use serde_json::{Value, json};

fn fixture(name: &str) -> (http::Request<Bytes>, Event) {
    let path = pager_testkit::fixtures_dir("pagerduty").join(name);
    let req = pager_testkit::load_request(&path).unwrap();
    let mut events = PagerDuty::default().handle(&req).unwrap();
    assert_eq!(events.len(), 1, "{name}");
    (req, events.remove(0))
}

fn post(path: &str, body: &Value) -> http::Request<Bytes> {
    http::Request::post(path)
        .body(Bytes::from(body.to_string()))
        .unwrap()
}

fn instance(options: &Value) -> pager_core::Instance {
    pager_testkit::instance::<PagerDuty>(options).unwrap()
}

#[test]
fn alertmanager_trigger_and_resolve_share_its_dedup_key() {
    let (req, trigger) = fixture("alertmanager-v2-trigger.json");
    assert_eq!(req.uri().path(), "/v2/enqueue");
    assert_eq!(trigger.action, Action::Create);
    assert_eq!(
        trigger.thirdparty_id,
        "1fbf5f1c30345c98eea0a91dfab3f2217fbfe7be96bad25f623a2375cfda6063"
    );
    assert_eq!(trigger.title, "p99 latency of checkout above 2s");
    assert_eq!(trigger.urgency, Some(Urgency::Critical));
    assert_eq!(trigger.meta_value()["key_source"], "dedup_key");
    let (_, resolve) = fixture("alertmanager-v2-resolve.json");
    assert_eq!(resolve.action, Action::Resolve);
    assert_eq!(resolve.thirdparty_id, trigger.thirdparty_id);
    // Alertmanager's default severity is "error".
    let (_, defaults) = fixture("alertmanager-v2-defaults-trigger.json");
    assert_eq!(defaults.urgency, Some(Urgency::High));
    assert_eq!(
        defaults.title,
        "[FIRING:2] DiskFull (pagerduty-defaults warning)"
    );
}

#[test]
fn documented_v2_and_v1_events_map_to_the_lifecycle() {
    let expected = [
        ("events-v2-trigger.json", Action::Create, "samplekeyhere"),
        (
            "events-v2-acknowledge.json",
            Action::Acknowledge,
            "samplekeyhere",
        ),
        ("events-v2-resolve.json", Action::Resolve, "samplekeyhere"),
        ("events-v1-trigger.json", Action::Create, "srv01/HTTP"),
        (
            "instance-url-v1-acknowledge.json",
            Action::Acknowledge,
            "srv01/HTTP",
        ),
        ("events-v1-resolve.json", Action::Resolve, "srv01/HTTP"),
    ];
    for (name, action, key) in expected {
        let (_, event) = fixture(name);
        assert_eq!(
            (event.action, event.thirdparty_id.as_str()),
            (action, key),
            "{name}"
        );
    }
    let (_, v2) = fixture("events-v2-trigger.json");
    assert_eq!(v2.urgency, Some(Urgency::Low), "info → low");
    assert_eq!(v2.meta_value()["api"], "events-v2");
    assert_eq!(
        v2.meta_value()["custom_details"],
        json!({"ping time": "1500ms", "load avg": 0.75})
    );
    let (_, v1) = fixture("events-v1-trigger.json");
    assert_eq!(v1.meta_value()["api"], "events-v1");
    assert_eq!(v1.urgency, None, "v1 has no severity");
}

#[test]
fn severities_map_to_urgencies() {
    for (severity, urgency) in [
        ("critical", Urgency::Critical),
        ("error", Urgency::High),
        ("warning", Urgency::Medium),
        ("info", Urgency::Low),
        ("Warning", Urgency::Medium),
    ] {
        let req = post(
            "/v2/enqueue",
            &json!({"event_action": "trigger", "dedup_key": "k",
                    "payload": {"summary": "s", "source": "h", "severity": severity}}),
        );
        let events = PagerDuty::default().handle(&req).unwrap();
        assert_eq!(events[0].urgency, Some(urgency), "{severity}");
    }
}

#[test]
fn a_trigger_without_a_key_gets_a_stable_one_from_its_fields_and_the_answer_says_which() {
    let adapter = PagerDuty::default();
    let body = |summary: &str| {
        json!({"routing_key": "rk", "event_action": "trigger",
               "payload": {"summary": summary, "source": "db-1", "severity": "error"}})
    };
    let req = post("/v2/enqueue", &body("Disk full"));
    let first = adapter.handle(&req).unwrap();
    let again = adapter
        .handle(&post("/v2/enqueue", &body("Disk full")))
        .unwrap();
    let other = adapter
        .handle(&post("/v2/enqueue", &body("CPU hot")))
        .unwrap();
    assert_eq!(first[0].thirdparty_id, again[0].thirdparty_id);
    assert_ne!(first[0].thirdparty_id, other[0].thirdparty_id);
    assert_eq!(first[0].thirdparty_id.len(), 64);
    assert_eq!(first[0].meta_value()["key_source"], "generated");

    let answer = adapter.answer(&req, &first).unwrap();
    assert_eq!(answer.status, 202);
    assert_eq!(
        answer.body,
        json!({"status": "success", "message": "Event processed",
               "dedup_key": first[0].thirdparty_id})
    );
    // The sender resolves with the key it was given.
    let resolve = post(
        "/v2/enqueue",
        &json!({"routing_key": "rk", "event_action": "resolve",
                "dedup_key": first[0].thirdparty_id}),
    );
    assert_eq!(
        adapter.handle(&resolve).unwrap()[0].thirdparty_id,
        first[0].thirdparty_id
    );
}

#[test]
fn v1_answers_with_its_incident_key_and_the_path_decides_the_api() {
    let adapter = PagerDuty::default();
    let (req, events) = fixture("events-v1-trigger.json");
    let answer = adapter.answer(&req, &[events]).unwrap();
    assert_eq!(
        answer.body,
        json!({"status": "success", "message": "Event processed", "incident_key": "srv01/HTTP"})
    );
    // A v2 body at the v1 path is read as v1: its event_type is missing.
    let err = adapter
        .handle(&post(
            "/generic/2010-04-15/create_event.json",
            &json!({"event_action": "trigger", "dedup_key": "k"}),
        ))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid payload at event_type: missing or empty: one of trigger, acknowledge, resolve"
    );
    // A trailing slash is the same endpoint.
    let (_, event) = fixture("events-v2-resolve.json");
    let slash = post(
        "/v2/enqueue/",
        &json!({"event_action": "resolve", "dedup_key": "samplekeyhere"}),
    );
    assert_eq!(
        adapter.handle(&slash).unwrap()[0].thirdparty_id,
        event.thirdparty_id
    );
}

#[test]
fn routing_keys_are_the_credential_and_never_leak() {
    let guarded =
        instance(&json!({"routing_keys": ["capture-routing-key-0000000000000", "other-key"]}));
    let path = pager_testkit::fixtures_dir("pagerduty").join("alertmanager-v2-trigger.json");
    let req = pager_testkit::load_request(&path).unwrap();
    assert_eq!(guarded.handle(&req).unwrap().len(), 1);

    for body in [
        json!({"routing_key": "wrong", "event_action": "trigger", "dedup_key": "k", "payload": {"summary": "s"}}),
        json!({"event_action": "trigger", "dedup_key": "k", "payload": {"summary": "s"}}),
    ] {
        let err = guarded.handle(&post("/v2/enqueue", &body)).unwrap_err();
        assert_eq!(err.status(), 401);
        assert_eq!(err.to_string(), "pagerduty: unauthorized");
    }
    // v1's service_key is checked the same way.
    let v1 = post(
        "/generic/2010-04-15/create_event.json",
        &json!({"service_key": "other-key", "event_type": "trigger", "description": "d"}),
    );
    assert_eq!(guarded.handle(&v1).unwrap()[0].action, Action::Create);
    assert!(
        !format!("{guarded:?}").contains("other-key"),
        "redacted in Debug"
    );

    // No event of any fixture carries the key it was sent with.
    for path in pager_testkit::body_files(&pager_testkit::fixtures_dir("pagerduty")) {
        let req = pager_testkit::load_request(&path).unwrap();
        let sent: Value = serde_json::from_slice(req.body()).unwrap();
        let key = sent
            .get("routing_key")
            .or_else(|| sent.get("service_key"))
            .and_then(Value::as_str)
            .unwrap();
        if sent.get("dedup_key").and_then(Value::as_str) == Some(key) {
            continue; // PagerDuty's documented example uses "samplekeyhere" for both
        }
        let events = PagerDuty::default().handle(&req).unwrap();
        let out = serde_json::to_string(&events).unwrap();
        assert!(!out.contains(key), "{}: {out}", path.display());
    }

    let err = pager_testkit::instance::<PagerDuty>(&json!({"routing_keys": [""]})).unwrap_err();
    assert!(err.contains("routing_keys"), "{err}");
}
