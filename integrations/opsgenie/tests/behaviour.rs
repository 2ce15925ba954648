//! The mapping on the fixtures and on edge cases: create and close keyed on the alias,
//! identifier types, priorities, the `GenieKey` through the instance's auth guard, and
//! Opsgenie's answer.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use pager_core::{Action, Event, Integration, Urgency};
use pager_opsgenie::Opsgenie;
use serde_json::{Value, json};

fn fixture(name: &str) -> (http::Request<Bytes>, Event) {
    let path = pager_testkit::fixtures_dir("opsgenie").join(name);
    let req = pager_testkit::load_request(&path).unwrap();
    let mut events = Opsgenie.handle(&req).unwrap();
    assert_eq!(events.len(), 1, "{name}");
    (req, events.remove(0))
}

fn post(uri: &str, body: &str) -> http::Request<Bytes> {
    http::Request::post(uri)
        .body(Bytes::from(body.to_owned()))
        .unwrap()
}

#[test]
fn alertmanager_creates_and_closes_by_alias() {
    let (req, create) = fixture("alertmanager-create.json");
    assert_eq!(req.uri().path(), "/v2/alerts");
    assert_eq!(create.action, Action::Create);
    assert_eq!(
        create.thirdparty_id,
        "cd8f0abac20843fcdcf78b5734cffcd46dc68c9899c88c48fa857f89a9d58594"
    );
    assert_eq!(create.title, "QueueBacklog: Queue backlog above 10k");
    assert_eq!(
        create.description.as_deref(),
        Some("payments queue on worker-3 holds 12,408 jobs.")
    );
    assert_eq!(create.urgency, Some(Urgency::Critical));
    assert_eq!(create.tags, ["team=payments", "checkout"]);
    assert_eq!(create.meta_value()["key_source"], "alias");

    let (_, close) = fixture("alertmanager-close.json");
    assert_eq!(close.action, Action::Resolve);
    assert_eq!(close.thirdparty_id, create.thirdparty_id);
    assert_eq!(close.meta_value()["identifier_type"], "alias");
}

#[test]
fn documented_requests_map_to_the_lifecycle() {
    let (_, create) = fixture("alert-api-create.json");
    assert_eq!(create.thirdparty_id, "Life is too short for no alias");
    let (_, close) = fixture("alert-api-close-by-alias.json");
    assert_eq!(
        (close.action, close.thirdparty_id.as_str()),
        (Action::Resolve, "Life is too short for no alias"),
        "the alias is percent-decoded from the path"
    );
    let (_, ack) = fixture("alert-api-acknowledge-by-tiny-id.json");
    assert_eq!(ack.action, Action::Acknowledge);
    assert_eq!(
        ack.thirdparty_id, "1791",
        "a tiny id is used as the key as given"
    );
    assert_eq!(ack.meta_value()["identifier_type"], "tiny");
    let (_, snooze) = fixture("alert-api-snooze.json");
    assert_eq!(snooze.action, Action::Other);
    assert_eq!(
        snooze.meta_value()["identifier_type"],
        "id",
        "Opsgenie's default identifierType"
    );
    let (_, no_alias) = fixture("alert-api-create-no-alias.json");
    assert_eq!(no_alias.thirdparty_id, "An example alert message");
    assert_eq!(no_alias.meta_value()["key_source"], "message");
}

#[test]
fn priorities_map_to_urgencies() {
    for (priority, urgency) in [
        ("P1", Some(Urgency::Critical)),
        ("P2", Some(Urgency::High)),
        ("P3", Some(Urgency::Medium)),
        ("P4", Some(Urgency::Low)),
        ("p5", Some(Urgency::Low)),
        ("", None),
    ] {
        let body = json!({"message": "m", "priority": priority}).to_string();
        let events = Opsgenie.handle(&post("/v2/alerts", &body)).unwrap();
        assert_eq!(events[0].urgency, urgency, "{priority:?}");
    }
}

#[test]
fn close_and_acknowledge_need_no_body_and_the_instance_url_creates() {
    let close = Opsgenie
        .handle(&post(
            "/v2/alerts/db-1%2Fdisk/close?identifierType=alias",
            "",
        ))
        .unwrap();
    assert_eq!(close[0].action, Action::Resolve);
    assert_eq!(close[0].thirdparty_id, "db-1/disk");
    let ack = Opsgenie
        .handle(&post(
            "/v2/alerts/db-1%2Fdisk/acknowledge/?identifierType=alias",
            "{}",
        ))
        .unwrap();
    assert_eq!(ack[0].action, Action::Acknowledge);
    let create = Opsgenie.handle(&post("/", r#"{"message": "m"}"#)).unwrap();
    assert_eq!(create[0].action, Action::Create);
    let err = Opsgenie
        .handle(&post("/v2/alerts//close", "{}"))
        .unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(err.to_string().contains("the request path"), "{err}");
}

#[test]
fn the_answer_is_opsgenies_with_a_request_id_made_from_the_request() {
    let (req, create) = fixture("alertmanager-create.json");
    let answer = Opsgenie
        .answer(&req, std::slice::from_ref(&create))
        .unwrap();
    assert_eq!(answer.status, 202);
    assert_eq!(answer.body["result"], "Request will be processed");
    assert_eq!(answer.body["took"], json!(0.0));
    let id = answer.body["requestId"].as_str().unwrap();
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
    assert_eq!(Opsgenie.answer(&req, &[]).unwrap(), answer, "pure");
    let (close_req, close) = fixture("alertmanager-close.json");
    assert_ne!(
        Opsgenie.answer(&close_req, &[close]).unwrap().body["requestId"],
        answer.body["requestId"]
    );
}

#[test]
fn the_genie_key_is_checked_by_the_auth_guard() {
    let instance = pager_testkit::instance::<Opsgenie>(&json!({
        "auth": {"authorization": {"type": "GenieKey", "credentials": "capture-genie-key-0000000000000000"}}
    }))
    .unwrap();
    let path = pager_testkit::fixtures_dir("opsgenie").join("alertmanager-create.json");
    let req = pager_testkit::load_request(&path).unwrap();
    assert_eq!(instance.handle(&req).unwrap()[0].action, Action::Create);
    let wrong: Value = json!({"message": "m"});
    let req = http::Request::post("/v2/alerts")
        .header("Authorization", "GenieKey not-the-key")
        .body(Bytes::from(wrong.to_string()))
        .unwrap();
    let err = instance.handle(&req).unwrap_err();
    assert_eq!(err.status(), 401);
    assert_eq!(err.to_string(), "opsgenie: unauthorized");
}
