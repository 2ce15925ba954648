//! The mapping field by field on the fixtures, the fallbacks, and the `site_url` option.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use pager_core::{Action, Adapter, AdditionalData, DataFormat, Integration};
use pager_healthchecks::{Config, Healthchecks};

const CHECK: &str = "803f680d-e89b-492b-82ef-2be7b774a92d";
/// Healthchecks' `unique_key` of `CHECK`, computed apart from this crate:
/// `hashlib.sha1(uuid.UUID(CHECK).hex[:16].encode()).hexdigest()`.
const KEY: &str = "124f983e0e3dcaeba921cfcef46efd084576e783";

fn fixture(name: &str) -> pager_core::Event {
    pager_testkit::fixture_event(&Healthchecks::default(), "healthchecks", name)
}

fn event(adapter: &Healthchecks, body: &serde_json::Value) -> pager_core::Event {
    let req = http::Request::post("/")
        .body(Bytes::from(body.to_string()))
        .unwrap();
    adapter.handle(&req).unwrap().remove(0)
}

fn data<'a>(event: &'a pager_core::Event, label: &str) -> Option<&'a AdditionalData> {
    event.additional_data.iter().find(|d| d.label == label)
}

#[test]
fn down_opens_and_up_resolves_the_same_check() {
    let down = fixture("down.json");
    assert_eq!(down.action, Action::Create);
    assert_eq!(
        down.thirdparty_id, KEY,
        "the code is the ping URL: never the key"
    );
    assert_eq!(down.dedup_keys, [KEY]);
    assert_eq!(down.title, "Database Backup is down");
    assert_eq!(
        down.description, None,
        "an empty ping body is no description"
    );
    assert_eq!(down.urgency, None, "Healthchecks has no severity");
    assert_eq!(down.tags, ["production", "db"]);
    let link = data(&down, "Healthchecks check").unwrap();
    assert_eq!(link.format, DataFormat::Link);
    assert_eq!(
        link.value,
        format!("https://healthchecks.io/cloaked/{KEY}/")
    );
    assert_eq!(data(&down, "Slug").unwrap().value, "database-backup");
    assert!(
        data(&down, "Exit status").is_none(),
        "-1 means no exit status"
    );
    let changed = data(&down, "Changed at").unwrap();
    assert_eq!(
        (changed.format, changed.value.as_str()),
        (DataFormat::Datetime, "2020-03-24T11:20:32+00:00")
    );
    assert!(down.meta.is_empty(), "{:?}", down.meta);

    let up = fixture("up.json");
    assert_eq!(up.action, Action::Resolve);
    assert_eq!(up.thirdparty_id, down.thirdparty_id);
    assert_eq!(up.title, "Database Backup is up");
    assert_eq!(
        up.description.as_deref(),
        Some("db-backup.sh: dumped 2.1 GB in 74 s")
    );
    assert_eq!(data(&up, "Exit status").unwrap().value, "0");
}

#[test]
fn a_failure_ping_carries_its_output_and_exit_status() {
    let failed = fixture("down-failure-ping.json");
    assert_eq!(failed.action, Action::Create);
    assert_eq!(failed.thirdparty_id, KEY);
    assert!(
        failed
            .description
            .as_deref()
            .unwrap()
            .starts_with("pg_dump: error: connection to server at \"db-1\"")
    );
    assert_eq!(data(&failed, "Exit status").unwrap().value, "1");
}

#[test]
fn an_unnamed_check_is_titled_without_its_code() {
    let unnamed = fixture("unnamed-check.json");
    assert_eq!(unnamed.title, "Unnamed Healthchecks check");
    assert!(unnamed.tags.is_empty());
    assert!(data(&unnamed, "Check").is_none());
    let minimal = fixture("minimal.json");
    assert_eq!(
        (minimal.action, minimal.title.as_str()),
        (Action::Create, "Unnamed Healthchecks check")
    );
    // The slug names a check whose name is left out of the body.
    let by_slug = event(
        &Healthchecks::default(),
        &serde_json::json!({"check_id": CHECK, "slug": "database-backup", "status": "up"}),
    );
    assert_eq!(by_slug.title, "database-backup is up");
}

#[test]
fn other_statuses_and_unknown_placeholders_are_other_with_a_reason() {
    let adapter = Healthchecks::default();
    let paused = event(
        &adapter,
        &serde_json::json!({"check_id": CHECK, "name": "Backup", "status": "paused"}),
    );
    assert_eq!(paused.action, Action::Other);
    assert_eq!(paused.title, "Backup");
    assert_eq!(
        paused.meta_value(),
        serde_json::json!({"reason": "status \"paused\" is neither down nor up"})
    );
    // `$STATE` is no Healthchecks placeholder: it arrives as written and reads as absent.
    let unknown = event(
        &adapter,
        &serde_json::json!({"check_id": CHECK, "status": "$STATE", "tags": "$TAGS_JSON"}),
    );
    assert_eq!(unknown.action, Action::Other);
    assert_eq!(
        unknown.meta_value()["reason"],
        "no status: the body needs \"status\": \"$STATUS\""
    );
    assert!(unknown.tags.is_empty());
    let upper = event(
        &adapter,
        &serde_json::json!({"check_id": CHECK, "status": " DOWN "}),
    );
    assert_eq!(upper.action, Action::Create);
}

#[test]
fn a_check_id_that_is_no_uuid_keys_the_alert_but_gets_no_link() {
    let custom = event(
        &Healthchecks::default(),
        &serde_json::json!({"check_id": 42, "status": "down"}),
    );
    assert_eq!(custom.thirdparty_id, "42");
    assert!(data(&custom, "Healthchecks check").is_none());
}

#[test]
fn missing_or_unfilled_check_ids_are_errors_that_say_where() {
    for body in [
        serde_json::json!({"status": "down"}),
        serde_json::json!({"check_id": " ", "status": "down"}),
        serde_json::json!({"check_id": "$CODE_X", "status": "down"}),
        serde_json::json!({"check_id": null, "status": "down"}),
    ] {
        let req = http::Request::post("/")
            .body(Bytes::from(body.to_string()))
            .unwrap();
        let err = Healthchecks::default().handle(&req).unwrap_err();
        assert_eq!(err.status(), 400, "{body}");
        assert_eq!(
            err.to_string(),
            "invalid payload at check_id: missing or empty: the body needs \"check_id\": \"$CODE\" (see the README's template)",
            "{body}"
        );
    }
}

#[test]
fn site_url_points_links_at_a_self_hosted_instance() {
    let config: Config =
        serde_json::from_value(serde_json::json!({"site_url": "https://hc.example.com/ "}))
            .unwrap();
    let adapter = Healthchecks::from_config(config).unwrap();
    let down = event(
        &adapter,
        &serde_json::json!({"check_id": CHECK, "status": "down"}),
    );
    assert_eq!(
        data(&down, "Healthchecks check").unwrap().value,
        format!("https://hc.example.com/cloaked/{KEY}/")
    );
    let registry = pager_core::Registry::new().with::<Healthchecks>();
    for (options, message) in [
        (
            serde_json::json!({"site_url": "hc.example.com"}),
            "healthchecks: invalid configuration at site_url: must be an absolute http(s) URL",
        ),
        (
            serde_json::json!({"site": "https://x"}),
            "unknown field `site`",
        ),
    ] {
        let err = registry.build("healthchecks", &options).unwrap_err();
        assert!(err.to_string().contains(message), "{err}");
    }
}

#[test]
fn no_event_field_carries_the_code() {
    for name in [
        "down.json",
        "up.json",
        "down-failure-ping.json",
        "minimal.json",
    ] {
        let event = fixture(name);
        let json = serde_json::to_string(&event).unwrap();
        assert!(!json.contains(CHECK), "{name}: {json}");
        assert!(!json.contains("803f680de89b492b"), "{name}: half the code");
    }
}

#[test]
fn healthchecks_pagertree_integration_keys_the_check_alike() {
    let down = fixture("pagertree-down.json");
    let up = fixture("pagertree-up.json");
    assert_eq!((down.action, up.action), (Action::Create, Action::Resolve));
    assert_eq!(
        down.thirdparty_id, KEY,
        "the same key as the webhook body's"
    );
    assert_eq!(up.thirdparty_id, KEY);
    assert_eq!(
        down.title,
        "Database Backup is DOWN (success signal did not arrive on time, grace time passed)"
    );
    assert_eq!(down.tags, ["production", "db"]);
    assert_eq!(
        data(&down, "Healthchecks check").unwrap().value,
        format!("https://healthchecks.io/cloaked/{KEY}/")
    );
    // Healthchecks before 2024 sent the code itself, and commas between tags.
    let old = event(
        &Healthchecks::default(),
        &serde_json::json!({"incident_key": CHECK, "event_type": "resolve", "title": "t", "tags": "a,b"}),
    );
    assert_eq!(
        (old.thirdparty_id.as_str(), old.action),
        (KEY, Action::Resolve)
    );
    assert_eq!(old.tags, ["a", "b"]);
    let odd = event(
        &Healthchecks::default(),
        &serde_json::json!({"incident_key": KEY, "event_type": "acknowledge"}),
    );
    assert_eq!(odd.action, Action::Other);
    assert_eq!(
        odd.meta_value()["reason"],
        "event_type \"acknowledge\" is neither trigger nor resolve"
    );
    assert_eq!(odd.title, "Unnamed Healthchecks check");
}
