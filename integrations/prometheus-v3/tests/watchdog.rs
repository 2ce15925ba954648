//! The `watchdog` option: Alertmanager's always-firing alert is a heartbeat ping, not an
//! incident, and the rest of the notification is mapped as if it were not there.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{adapter, data, fixture, fixture_json, handle, request};
use pager_core::{Action, Integration, Registry, heartbeat_of};
use pager_prometheus_v3::PrometheusV3;
use serde_json::json;

fn watchdog(grouping: &str) -> serde_json::Value {
    json!({"grouping": grouping, "watchdog": {"heartbeat": "am-watchdog"}})
}

/// The captured Watchdog alert (`repeat-first`), firing or resolved.
fn watchdog_alert(status: &str) -> serde_json::Value {
    let mut alert = fixture_json("repeat-first")["alerts"][0].clone();
    alert["status"] = json!(status);
    alert
}

/// A captured notification with a Watchdog alert added to its alerts, as a group that does
/// not group by alertname would carry it; the top-level status as Alertmanager computes it.
fn with_watchdog(name: &str, watchdog_status: &str) -> serde_json::Value {
    let mut body = fixture_json(name);
    body["alerts"]
        .as_array_mut()
        .unwrap()
        .push(watchdog_alert(watchdog_status));
    if watchdog_status == "firing" {
        body["status"] = json!("firing");
    }
    body
}

#[test]
fn a_firing_watchdog_alone_is_a_ping_and_opens_nothing() {
    let req = fixture("repeat-first");
    // Without the option it is an alert like any other.
    assert_eq!(handle(json!({}), &req)[0].action, Action::Create);
    for grouping in ["group", "alert"] {
        let events = handle(watchdog(grouping), &req);
        assert_eq!(events.len(), 1, "{grouping}");
        let ping = &events[0];
        assert_eq!(ping.action, Action::Other, "{grouping}");
        assert_eq!(heartbeat_of(ping).as_deref(), Some("am-watchdog"));
        assert_eq!(
            ping.thirdparty_id, "e240599d4557efe3",
            "the alert's fingerprint"
        );
        assert_eq!(ping.title, "Watchdog");
        assert_eq!(
            ping.description.as_deref(),
            Some("An alert that should always be firing, to prove the pipeline works")
        );
    }
}

#[test]
fn a_resolved_watchdog_is_noted_but_is_not_a_ping() {
    let mut body = fixture_json("repeat-first");
    body["alerts"][0]["status"] = json!("resolved");
    body["status"] = json!("resolved");
    for grouping in ["group", "alert"] {
        let events = handle(watchdog(grouping), &request(&body));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action, Action::Other);
        assert_eq!(heartbeat_of(&events[0]), None, "{grouping}");
        assert!(events[0].meta.get("reason").unwrap().contains("not firing"));
    }
}

#[test]
fn in_group_mode_the_rest_of_the_group_is_mapped_without_the_watchdog() {
    let plain = handle(json!({}), &fixture("group-mixed-firing"));
    let events = handle(
        watchdog("group"),
        &request(&with_watchdog("group-mixed-firing", "firing")),
    );
    assert_eq!(events.len(), 2);
    let (group, ping) = (&events[0], &events[1]);
    assert_eq!(heartbeat_of(ping).as_deref(), Some("am-watchdog"));
    // The group event is the one the notification gives without the watchdog.
    assert_eq!(group.action, Action::Create);
    assert_eq!(group.thirdparty_id, plain[0].thirdparty_id);
    assert_eq!(group.title, plain[0].title);
    assert_eq!(data(group, "Firing"), Some("3"));
    assert_eq!(data(group, "Firing"), data(&plain[0], "Firing"));
}

#[test]
fn a_firing_watchdog_does_not_keep_a_resolved_group_open() {
    // Every real alert resolved; only the always-firing watchdog keeps Alertmanager's group
    // status at "firing". Without the option the group could never resolve.
    let body = with_watchdog("group-full-resolve", "firing");
    assert_eq!(body["status"], "firing");
    assert_eq!(handle(json!({}), &request(&body))[0].action, Action::Create);
    let events = handle(watchdog("group"), &request(&body));
    assert_eq!(events[0].action, Action::Resolve);
    assert_eq!(
        events[0].thirdparty_id,
        handle(json!({}), &fixture("group-full-resolve"))[0].thirdparty_id
    );
    assert_eq!(heartbeat_of(&events[1]).as_deref(), Some("am-watchdog"));
}

#[test]
fn in_alert_mode_only_the_watchdogs_event_changes() {
    let body = with_watchdog("group-mixed-firing", "firing");
    let plain = handle(json!({"grouping": "alert"}), &request(&body));
    let events = handle(watchdog("alert"), &request(&body));
    assert_eq!(events.len(), plain.len());
    let (last, others) = events.split_last().unwrap();
    assert_eq!(others, &plain[..plain.len() - 1]);
    assert_eq!(plain.last().unwrap().action, Action::Create);
    assert_eq!(last.action, Action::Other);
    assert_eq!(heartbeat_of(last).as_deref(), Some("am-watchdog"));
}

#[test]
fn the_alertname_is_configurable_and_the_heartbeat_is_declared() {
    let config = json!({"watchdog": {"heartbeat": "dms", "alertname": "DeadMansSwitch"}});
    let mut body = fixture_json("repeat-first");
    body["alerts"][0]["labels"]["alertname"] = json!("DeadMansSwitch");
    let events = handle(config.clone(), &request(&body));
    assert_eq!(heartbeat_of(&events[0]).as_deref(), Some("dms"));
    assert_eq!(events[0].title, "DeadMansSwitch");
    // A Watchdog by the default name is now an ordinary alert.
    assert_eq!(
        handle(config.clone(), &fixture("repeat-first"))[0].action,
        Action::Create
    );
    assert_eq!(adapter(config).heartbeat_names(), ["dms"]);
    assert!(adapter(json!({})).heartbeat_names().is_empty());
}

#[test]
fn a_bad_watchdog_option_names_the_key() {
    for (config, path) in [
        (
            json!({"watchdog": {"heartbeat": "no spaces"}}),
            "watchdog.heartbeat",
        ),
        (json!({"watchdog": {"heartbeat": ""}}), "watchdog.heartbeat"),
        (
            json!({"watchdog": {"heartbeat": "ok", "alertname": ""}}),
            "watchdog.alertname",
        ),
        (
            json!({"watchdog": {"heartbeat": "ok", "every": 1}}),
            "watchdog",
        ),
    ] {
        let error = Registry::new()
            .with::<PrometheusV3>()
            .build(pager_prometheus_v3::ID, &config)
            .unwrap_err()
            .to_string();
        assert!(error.contains(path), "{config}: {error}");
    }
}
