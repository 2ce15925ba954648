//! The mapping field by field on the fixtures: down/up on one key, notices, pending and
//! maintenance, credentials kept out of the event.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use pager_core::{Action, AdditionalData};
use pager_testkit::data;
use pager_uptime_kuma::UptimeKuma;

fn fixture(name: &str) -> pager_core::Event {
    pager_testkit::fixture_event(&UptimeKuma, "uptime-kuma", name)
}

fn handle(body: &serde_json::Value) -> Result<Vec<pager_core::Event>, pager_core::Error> {
    pager_testkit::handle_json(&UptimeKuma, body)
}

#[test]
fn down_opens_and_up_resolves_the_monitor() {
    let down = fixture("down.json");
    assert_eq!(down.action, Action::Create);
    assert_eq!(down.thirdparty_id, "3");
    assert_eq!(down.dedup_keys, ["3"]);
    assert_eq!(down.title, "Production / Public API is down", "pathName");
    assert_eq!(
        down.description.as_deref(),
        Some("Request failed with status code 503")
    );
    assert_eq!(down.urgency, None, "Uptime Kuma has no severity");
    assert_eq!(down.tags, ["region:eu-west", "customer-facing"]);
    assert_eq!(
        down.additional_data[0],
        AdditionalData::link("Monitor URL", "https://api.example.com/health").unwrap()
    );
    assert_eq!(data(&down, "Monitor"), Some("Public API"));
    assert_eq!(data(&down, "Monitor ID"), Some("3"));
    assert_eq!(data(&down, "Monitor type"), Some("http"));
    assert_eq!(data(&down, "Status"), Some("down"));
    assert_eq!(data(&down, "Response time"), None, "ping is null");
    assert_eq!(
        data(&down, "Heartbeat at"),
        Some("2025-01-02T10:00:00.123Z")
    );
    assert_eq!(data(&down, "Down since"), None);
    assert_eq!(down.meta_value(), serde_json::json!({"status": "0"}));

    let up = fixture("up.json");
    assert_eq!(up.action, Action::Resolve);
    assert_eq!(up.thirdparty_id, down.thirdparty_id);
    assert_eq!(up.title, "Production / Public API is up");
    assert_eq!(up.description.as_deref(), Some("200 - OK"));
    assert_eq!(data(&up, "Response time"), Some("132 ms"));
    assert_eq!(data(&up, "Down since"), Some("2025-01-02T10:00:00.123Z"));
}

#[test]
fn monitors_without_a_url_show_their_host_or_nothing() {
    let port = fixture("port-down-first-beat.json");
    assert_eq!(port.action, Action::Create);
    assert_eq!(port.thirdparty_id, "9");
    assert_eq!(data(&port, "Host"), Some("db.internal.example:5432"));
    assert_eq!(
        data(&port, "Monitor URL"),
        None,
        "its url is the bare https://"
    );

    let push = fixture("push-down.json");
    assert_eq!(push.thirdparty_id, "7");
    assert_eq!(push.title, "Nightly backup is down");
    assert_eq!(
        push.description.as_deref(),
        Some("No heartbeat in the time window")
    );
    assert_eq!(data(&push, "Host"), None);
}

#[test]
fn credentials_in_the_monitor_url_never_reach_the_event() {
    for name in ["url-with-credentials.json", "certificate-expiry.json"] {
        let event = fixture(name);
        let json = serde_json::to_string(&event).unwrap();
        for secret in ["s3cr3t-pass", "monitor:", "abc123", "token="] {
            assert!(!json.contains(secret), "{name}: {secret} in {json}");
        }
    }
    let down = fixture("url-with-credentials.json");
    assert_eq!(
        data(&down, "Monitor URL"),
        Some("https://intranet.example.com/status")
    );
}

#[test]
fn notices_without_a_monitor_are_other() {
    let test = fixture("test.json");
    assert_eq!(test.action, Action::Other);
    assert_eq!(test.thirdparty_id, "notice");
    assert_eq!(test.title, "pagerhook Testing");
    assert_eq!(
        test.meta_value(),
        serde_json::json!({"reason": "a test notification (no heartbeat, no monitor)"})
    );

    let cert = fixture("certificate-expiry.json");
    assert_eq!(cert.action, Action::Other);
    assert_eq!(
        cert.title,
        "[Intranet][https://intranet.example.com/status] server certificate intranet.example.com will expire in 14 days"
    );
    assert!(
        cert.meta_value()["reason"]
            .as_str()
            .unwrap()
            .starts_with("no heartbeat and no monitor")
    );

    let bare = handle(&serde_json::json!({"heartbeat": null, "monitor": null})).unwrap();
    assert_eq!(bare[0].title, "Uptime Kuma notification");
}

#[test]
fn pending_maintenance_and_unknown_statuses_are_other_with_a_reason() {
    let with_status = |status: serde_json::Value| {
        let body = serde_json::json!({
            "heartbeat": {"monitorID": 5, "status": status, "msg": "m"},
            "monitor": {"id": 5, "name": "Web"},
            "msg": "[Web] [🔴 Down] m",
        });
        handle(&body).unwrap().remove(0)
    };
    let pending = with_status(serde_json::json!(2));
    assert_eq!(pending.action, Action::Other);
    assert_eq!(pending.thirdparty_id, "5");
    assert_eq!(pending.title, "Web is pending");
    assert!(
        pending.meta_value()["reason"]
            .as_str()
            .unwrap()
            .starts_with("pending: ")
    );
    let maintenance = with_status(serde_json::json!(3));
    assert_eq!(maintenance.action, Action::Other);
    assert_eq!(maintenance.title, "Web is under maintenance");
    assert!(
        maintenance.meta_value()["reason"]
            .as_str()
            .unwrap()
            .starts_with("maintenance: ")
    );
    let odd = with_status(serde_json::json!(9));
    assert_eq!(odd.action, Action::Other);
    assert_eq!(odd.title, "Web");
    assert_eq!(
        odd.meta_value()["reason"],
        "heartbeat status \"9\" is not 0, 1, 2 or 3"
    );
    assert_eq!(
        with_status(serde_json::json!("1")).action,
        Action::Resolve,
        "a status written as a string"
    );
}

#[test]
fn the_heartbeat_names_the_monitor_when_the_monitor_is_missing() {
    let body =
        serde_json::json!({"heartbeat": {"monitorID": 11, "status": 0, "msg": "down"}, "msg": "x"});
    let event = handle(&body).unwrap().remove(0);
    assert_eq!(event.action, Action::Create);
    assert_eq!(event.thirdparty_id, "11");
    assert_eq!(event.title, "Uptime Kuma monitor 11 is down");

    let err = handle(&serde_json::json!({"heartbeat": {"status": 0}, "monitor": {"name": "Web"}}))
        .unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(
        err.to_string()
            .starts_with("invalid payload at monitor.id: missing"),
        "{err}"
    );
}

#[test]
fn kumas_pagertree_provider_keys_and_maps_as_its_webhook() {
    let adapter = UptimeKuma;
    let fixture = |name| pager_testkit::fixture_event(&adapter, "uptime-kuma", name);
    let (webhook, pagertree) = (fixture("down.json"), fixture("pagertree-down.json"));
    assert_eq!(pagertree.thirdparty_id, webhook.thirdparty_id);
    assert_eq!(pagertree.action, pager_core::Action::Create);
    assert_eq!(webhook.urgency, None, "the webhook provider has no urgency");
    assert_eq!(
        pagertree.urgency,
        Some(pager_core::Urgency::High),
        "the provider's setting"
    );
    let up = fixture("pagertree-up.json");
    assert_eq!(up.action, pager_core::Action::Resolve);
    assert_eq!(up.thirdparty_id, webhook.thirdparty_id);
    assert_eq!(up.urgency, None, "a resolve carries no urgency");
    let test = fixture("pagertree-test.json");
    assert_eq!(
        test.action,
        pager_core::Action::Other,
        "a test pages no one"
    );
}
