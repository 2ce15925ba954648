//! End to end: a real Alertmanager sends to `pagerhook serve` on 127.0.0.1 (SQLite store; then
//! again with the PostgreSQL store on a throwaway cluster, skipped loudly without it unless
//! `PAGERHOOK_REQUIRE_POSTGRES=1`),
//! and the lifecycle is checked through `GET /alerts`: one open alert per group while it
//! fires, a joining alert bumps the dedup count, partial resolution does not resolve, full
//! resolution does, a re-fire opens a new alert, `grouping = "alert"` gives each alert its own
//! incident and urgency, `?x-api-key=` in the webhook URL is accepted (and its absence is a
//! 401), and everything survives a restart of pagerhook. Two outputs follow the group's
//! instance: `relay` (`body = "raw"`) passes each notification on byte for byte, the same bytes
//! Alertmanager sends to a second webhook beside pagerhook's, and `events` announces the
//! group's alert opening and resolving.
//!
//! A second test stops and restarts Alertmanager in front of a heartbeat fed by its always-
//! firing `Watchdog` (the prometheus-v3 `watchdog` option): silence opens the heartbeat's
//! alert, the Watchdog's return resolves it, and the Watchdog never becomes an incident.
//!
//! Needs `prometheus-alertmanager` (Debian) or `alertmanager` on PATH, or its path in
//! `PAGERHOOK_ALERTMANAGER`. Without it the test says so loudly and passes, unless
//! `PAGERHOOK_REQUIRE_ALERTMANAGER=1` (set by `.ci/run`), which makes it fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod live;
mod sink;

use pager_testkit::wait_for;
use std::collections::BTreeMap;
use std::path::Path;

use live::{Process, agent, alerts_of, get_json, post_alerts, run_alertmanager, start_pagerhook};
use serde_json::{Value, json};
use sink::{Received, Sink};

const API_KEY: &str = "e2e-key-not-a-secret";

/// Alertmanager, sending to pagerhook's instances; the `group` receiver also sends its
/// notifications straight to `direct`.
fn start_alertmanager(binary: &Path, dir: &Path, pagerhook: u16, direct: &str) -> (Process, u16) {
    let hook = format!("http://127.0.0.1:{pagerhook}/integrations");
    let config = format!(
        r#"
route:
  receiver: blackhole
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['scenario="group"']
      receiver: group
      group_by: [team]
    - matchers: ['scenario="peralert"']
      receiver: peralert
      group_by: [team]
    - matchers: ['scenario="keyed"']
      receiver: keyed
      group_by: [alertname]
receivers:
  - name: blackhole
  - name: group
    webhook_configs:
      - {{url: "{hook}/am", send_resolved: true, max_alerts: 0}}
      - {{url: "{direct}", send_resolved: true, max_alerts: 0}}
  - name: peralert
    webhook_configs: [{{url: "{hook}/am-alert", send_resolved: true, max_alerts: 0}}]
  - name: keyed
    webhook_configs: [{{url: "{hook}/keyed?x-api-key={API_KEY}", send_resolved: true, max_alerts: 0}}]
"#
    );
    run_alertmanager(binary, dir, &config, pager_testkit::free_port())
}

fn alert(scenario: &str, name: &str, severity: &str, resolved: bool) -> Value {
    let mut alert = json!({
        "labels": {"alertname": name, "scenario": scenario, "team": "e2e", "severity": severity},
        "annotations": {"summary": format!("{name} is failing")},
    });
    if resolved {
        alert["endsAt"] = json!(chrono::Utc::now().to_rfc3339());
    }
    alert
}

fn data_value<'a>(alert: &'a Value, label: &str) -> Option<&'a str> {
    alert["additional_data"]
        .as_array()?
        .iter()
        .find(|d| d["label"] == label)?["value"]
        .as_str()
}

/// Where the end-to-end test's pagerhook keeps its data.
enum Stored {
    Sqlite(std::path::PathBuf),
    /// The database's URL.
    Postgres(String),
}

impl Stored {
    fn config(&self) -> String {
        match self {
            Stored::Sqlite(path) => format!("sqlite:{}", path.display()),
            Stored::Postgres(url) => url.clone(),
        }
    }

    /// The bodies of the deliveries pagerhook stored, by id, read from its store.
    fn bodies(&self) -> BTreeMap<i64, Vec<u8>> {
        match self {
            Stored::Sqlite(db) => stored_bodies(db),
            Stored::Postgres(url) => {
                let psql = pager_testkit::postgres_bin().unwrap().join("psql");
                let output = std::process::Command::new(psql)
                    .args([url.as_str(), "-At", "-F", " ", "-c"])
                    .arg("SELECT id, encode(body, 'hex') FROM deliveries WHERE body IS NOT NULL")
                    .output()
                    .unwrap();
                assert!(output.status.success(), "{output:?}");
                String::from_utf8(output.stdout)
                    .unwrap()
                    .lines()
                    .map(|line| {
                        let (id, hex) = line.split_once(' ').unwrap();
                        (id.parse().unwrap(), hex_decode(hex))
                    })
                    .collect()
            }
        }
    }
}

fn hex_decode(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn alertmanager_to_pagerhook_serve() {
    let Some(binary) = pager_testkit::alertmanager_for_test("serve_alertmanager", &[]).unwrap()
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let stored = Stored::Sqlite(dir.path().join("pagerhook.db"));
    end_to_end(&binary, dir.path(), &stored);
}

/// The same, with the PostgreSQL store.
#[test]
fn alertmanager_to_pagerhook_serve_on_postgres() {
    let Some(binary) =
        pager_testkit::alertmanager_for_test("serve_alertmanager_on_postgres", &[]).unwrap()
    else {
        return;
    };
    let Some(cluster) = pager_testkit::postgres_for_test("serve_alertmanager_on_postgres").unwrap()
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let stored = Stored::Postgres(cluster.create_database("serve_alertmanager").unwrap());
    end_to_end(&binary, dir.path(), &stored);
}

fn end_to_end(binary: &Path, dir: &Path, stored: &Stored) {
    let port = pager_testkit::free_port();
    let sink = Sink::start();
    let config = dir.join("serve.toml");
    std::fs::write(
        &config,
        format!(
            r#"
listen = "127.0.0.1:{port}"
store = "{store}"

[[instances]]
name = "am"
integration = "prometheus-v3"

[[instances]]
name = "am-alert"
integration = "prometheus-v3"
options = {{ grouping = "alert" }}

[[instances]]
name = "keyed"
integration = "prometheus-v3"
auth = {{ api_key = "{API_KEY}" }}

[[outputs]]
name = "relay"
url = "{relay}"
on = ["delivery"]
body = "raw"
instances = ["am"]

[[outputs]]
name = "events"
url = "{events}"
on = ["opened", "resolved"]
instances = ["am"]
"#,
            relay = sink.url("/relay"),
            events = sink.url("/events"),
            store = stored.config(),
        ),
    )
    .unwrap();
    let pagerhook = start_pagerhook(&config, port);
    let (_alertmanager, am) = start_alertmanager(binary, dir, port, &sink.url("/direct"));

    // The group fires; per-alert incidents fire; the keyed receiver fires.
    post_alerts(
        am,
        &json!([
            alert("group", "DiskFull", "warning", false),
            alert("peralert", "HighLatency", "critical", false),
            alert("peralert", "CacheCold", "warning", false),
            alert("keyed", "QueueBacklog", "page", false),
        ]),
    );
    let group = wait_for("the group's alert", 20, || {
        let alerts = alerts_of(port, "am");
        (alerts.len() == 1).then(|| alerts[0].clone())
    });
    assert_eq!(group["status"], "open");
    assert_eq!(group["dedup_count"], 1);
    let key = group["thirdparty_id"].as_str().unwrap().to_owned();
    assert!(
        key.contains("{team=\"e2e\"}"),
        "keyed on the groupKey: {key}"
    );

    check_alert_mode_and_api_key(port);
    check_group_lifecycle(port, am, &group, &key);
    check_outputs(port, &sink, stored, &group);
    check_restart(&config, port, pagerhook, &group);
}

/// `grouping = "alert"`: each alert its own incident and urgency; the keyed receiver's URL
/// carries the API key, and a request without it is refused.
fn check_alert_mode_and_api_key(port: u16) {
    let per_alert = wait_for("two per-alert incidents", 20, || {
        let alerts = alerts_of(port, "am-alert");
        (alerts.len() == 2).then_some(alerts)
    });
    let mut urgencies: Vec<_> = per_alert
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap().to_owned(),
                a["urgency"].clone(),
            )
        })
        .collect();
    urgencies.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(urgencies[0].0.starts_with("CacheCold"), "{urgencies:?}");
    assert_eq!(urgencies[0].1, "medium");
    assert!(urgencies[1].0.starts_with("HighLatency"), "{urgencies:?}");
    assert_eq!(urgencies[1].1, "critical");
    assert!(per_alert.iter().all(|a| a["status"] == "open"));

    let keyed = wait_for("the keyed receiver's alert", 20, || {
        let alerts = alerts_of(port, "keyed");
        (alerts.len() == 1).then(|| alerts[0].clone())
    });
    assert_eq!(keyed["urgency"], "critical");
    let unauthenticated = agent()
        .post(&format!("http://127.0.0.1:{port}/integrations/keyed"))
        .header("Content-Type", "application/json")
        .send("{}")
        .unwrap();
    assert_eq!(unauthenticated.status(), 401, "no key, no entry");
}

/// A joining alert, a partial resolution, the full resolution, a re-fire.
fn check_group_lifecycle(port: u16, am: u16, group: &Value, key: &str) {
    // A second alert joins the group: the same alert, counted again.
    post_alerts(
        am,
        &json!([alert("group", "MemoryLeak", "critical", false)]),
    );
    let joined = wait_for("the joining alert", 20, || {
        let alerts = alerts_of(port, "am");
        let alert = alerts.first()?;
        (alerts.len() == 1 && data_value(alert, "Firing") == Some("2")).then(|| alert.clone())
    });
    assert_eq!(joined["thirdparty_id"], key);
    assert_eq!(joined["id"], group["id"], "no new alert opened");
    assert_eq!(joined["dedup_count"], 2);
    assert_eq!(
        joined["urgency"], "critical",
        "the group's worst severity now"
    );

    // One of the two resolves: still open.
    post_alerts(am, &json!([alert("group", "DiskFull", "warning", true)]));
    let partial = wait_for("the partial resolution", 20, || {
        let alerts = alerts_of(port, "am");
        let alert = alerts.first()?;
        (data_value(alert, "Resolved") == Some("1")).then(|| alert.clone())
    });
    assert_eq!(
        partial["status"], "open",
        "partial resolution does not resolve"
    );
    assert_eq!(partial["dedup_count"], 3);
    assert_eq!(alerts_of(port, "am").len(), 1);

    // Both resolved: resolved.
    post_alerts(am, &json!([alert("group", "MemoryLeak", "critical", true)]));
    let resolved = wait_for("the full resolution", 20, || {
        let alerts = alerts_of(port, "am");
        let alert = alerts.first()?;
        (alert["status"] == "resolved").then(|| alert.clone())
    });
    assert_eq!(resolved["id"], group["id"]);
    assert!(resolved["resolved_at"].is_string());

    // A re-fire: a new alert, the old one stays resolved.
    post_alerts(am, &json!([alert("group", "DiskFull", "warning", false)]));
    let after_refire = wait_for("the re-fire", 20, || {
        let alerts = alerts_of(port, "am");
        (alerts.len() == 2).then_some(alerts)
    });
    assert_eq!(after_refire[0]["status"], "open");
    assert_eq!(after_refire[0]["thirdparty_id"], key);
    assert_eq!(after_refire[0]["dedup_count"], 1);
    assert_ne!(after_refire[0]["id"], group["id"]);
    assert_eq!(after_refire[1]["id"], group["id"]);
    assert_eq!(after_refire[1]["status"], "resolved");
}

/// The outputs of instance `am`, after the group's lifecycle (fire, join, partial resolve,
/// resolve, re-fire): `relay` got each of its deliveries, byte for byte as pagerhook stored it
/// and as Alertmanager sent it to the `direct` webhook; `events` got the first alert's
/// `alert.opened` and `alert.resolved`, then the re-fired alert's `alert.opened`.
fn check_outputs(port: u16, sink: &Sink, db: &Stored, group: &Value) {
    let logged: Vec<Value> = get_json(&format!(
        "http://127.0.0.1:{port}/deliveries?instance=am&limit=1000"
    ))
    .unwrap()["deliveries"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        logged.len(),
        5,
        "fire, join, partial, resolve, re-fire: {logged:?}"
    );
    let by_id = |requests: &[Received]| -> BTreeMap<String, Vec<u8>> {
        requests
            .iter()
            .map(|r| (r.header("webhook-id").unwrap().to_owned(), r.body.clone()))
            .collect()
    };
    let received = wait_for("the outputs' messages and the direct copies", 20, || {
        let received = sink.received();
        let of = |path: &str| -> Vec<Received> {
            received
                .iter()
                .filter(|r| r.path() == path)
                .cloned()
                .collect()
        };
        let (relay, events, direct) = (of("/relay"), of("/events"), of("/direct"));
        (by_id(&relay).len() >= logged.len()
            && by_id(&events).len() >= 3
            && direct.len() >= logged.len())
        .then_some((relay, events, direct))
    });
    let (relay, events, direct) = received;
    check_relay(&logged, &relay, &direct, db, group);
    check_events(&events, &logged, group);
    let outputs = wait_for("every message recorded as delivered", 10, || {
        let outputs = get_json(&format!("http://127.0.0.1:{port}/outputs"))?;
        let all = outputs["outputs"].as_array()?;
        all.iter().all(|o| o["pending"] == 0).then(|| all.clone())
    });
    let shown: Vec<_> = outputs
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap(),
                o["body"].as_str().unwrap(),
                &o["failed"],
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("relay", "raw", &json!(0)),
            ("events", "envelope", &json!(0))
        ]
    );
}

/// `relay`: one message per delivery to `am` (`dlv_<prefix>_<delivery id>`), none for the others, its
/// body the bytes pagerhook stored and Alertmanager sent.
fn check_relay(
    logged: &[Value],
    relay: &[Received],
    direct: &[Received],
    db: &Stored,
    group: &Value,
) {
    // `dlv_<store prefix>_<delivery id>`: compared without the prefix.
    let unprefixed = |id: &str| format!("dlv_{}", id.rsplit('_').next().unwrap());
    let relayed: BTreeMap<String, Vec<u8>> = relay
        .iter()
        .map(|r| (unprefixed(r.header("webhook-id").unwrap()), r.body.clone()))
        .collect();
    let expected: Vec<String> = logged
        .iter()
        .map(|d| format!("dlv_{}", d["id"]))
        .rev()
        .collect();
    let mut ids: Vec<&String> = relayed.keys().collect();
    ids.sort_by_key(|id| id[4..].parse::<i64>().unwrap());
    assert_eq!(
        ids,
        expected.iter().collect::<Vec<_>>(),
        "one per delivery to am"
    );
    let stored = db.bodies();
    for request in relay {
        let id = request.header("webhook-id").unwrap();
        let delivery: i64 = id.rsplit('_').next().unwrap().parse().unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(
            request.header("webhook-signature"),
            None,
            "no secret, no signature"
        );
        assert!(request.header("webhook-timestamp").is_some());
        assert_eq!(
            Some(&request.body),
            stored.get(&delivery),
            "{id}: the body pagerhook stored for delivery {delivery}"
        );
        let logged = logged.iter().find(|d| d["id"] == delivery).unwrap();
        assert_eq!(logged["body_bytes"], request.body.len());
        let body = request.json();
        assert_eq!(body["receiver"], "group");
        assert_eq!(body["groupKey"], group["thirdparty_id"]);
    }
    // In delivery order (dlv_1 < dlv_4 …): the group's notifications as Alertmanager sent them.
    let statuses: Vec<String> = ids
        .iter()
        .map(|id| {
            let body: Value = serde_json::from_slice(&relayed[*id]).unwrap();
            body["status"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        statuses,
        ["firing", "firing", "firing", "resolved", "firing"],
        "fire, join, partial resolve, resolve, re-fire"
    );
    let mut relayed: Vec<&Vec<u8>> = relayed.values().collect();
    let mut sent: Vec<&Vec<u8>> = direct.iter().map(|r| &r.body).collect();
    relayed.sort();
    sent.sort();
    sent.dedup();
    assert_eq!(
        relayed
            .iter()
            .map(|b| String::from_utf8_lossy(b))
            .collect::<Vec<_>>(),
        sent.iter()
            .map(|b| String::from_utf8_lossy(b))
            .collect::<Vec<_>>(),
        "relay passes on the bytes Alertmanager sent"
    );
}

/// `events`: the alert's changes in order, each from its delivery; the re-fire a new alert.
fn check_events(events: &[Received], logged: &[Value], group: &Value) {
    let mut seen = std::collections::BTreeSet::new();
    let events: Vec<Value> = events
        .iter()
        .filter(|r| seen.insert(r.header("webhook-id").unwrap().to_owned()))
        .map(|r| {
            assert_eq!(r.header("content-type"), Some("application/json"));
            let body = r.json();
            assert_eq!(body["id"], r.header("webhook-id").unwrap());
            body
        })
        .collect();
    let summary: Vec<(&str, &Value)> = events
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), &e["alert"]["id"]))
        .collect();
    assert_eq!(summary.len(), 3, "{events:?}");
    assert_eq!(summary[0], ("alert.opened", &group["id"]));
    assert_eq!(summary[1], ("alert.resolved", &group["id"]));
    assert_eq!(summary[2].0, "alert.opened");
    assert_ne!(summary[2].1, &group["id"], "the re-fire opened a new alert");
    for event in &events {
        assert_eq!(event["integration"], "prometheus-v3");
        assert_eq!(event["instance"], "am");
        assert_eq!(event["alert"]["thirdparty_id"], group["thirdparty_id"]);
    }
    let statuses: Vec<&Value> = events.iter().map(|e| &e["alert"]["status"]).collect();
    assert_eq!(
        statuses,
        ["open", "resolved", "open"],
        "each alert as it was then"
    );
    // Deliveries, oldest first: fire, join, partial resolve, resolve, re-fire.
    let from: Vec<&Value> = events.iter().map(|e| &e["delivery_id"]).collect();
    assert_eq!(from, [&logged[4]["id"], &logged[1]["id"], &logged[0]["id"]]);
}

/// The bodies of the deliveries pagerhook stored, by id, read from its SQLite file.
fn stored_bodies(db: &Path) -> BTreeMap<i64, Vec<u8>> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut statement = conn
        .prepare("SELECT id, body FROM deliveries WHERE body IS NOT NULL")
        .unwrap();
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Stop pagerhook with SIGTERM and start it again on the same file: nothing is lost.
fn check_restart(config: &Path, port: u16, pagerhook: Process, group: &Value) {
    // Restart pagerhook: everything is still there.
    let everything = |port: u16| get_json(&format!("http://127.0.0.1:{port}/alerts")).unwrap();
    let deliveries = |port: u16| {
        get_json(&format!("http://127.0.0.1:{port}/deliveries?limit=1000")).unwrap()["deliveries"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = everything(port);
    let delivered = deliveries(port);
    // group: fire, join, partial, resolve, re-fire; per-alert 1; keyed 1 (the 401 is not
    // logged, only counted).
    assert!(delivered >= 7, "{delivered} deliveries logged");
    let history_before =
        get_json(&format!("http://127.0.0.1:{port}/alerts/{}", group["id"])).unwrap();
    pagerhook.terminate();
    let pagerhook = start_pagerhook(config, port);
    assert_eq!(everything(port), before, "alerts survive a restart");
    assert_eq!(
        deliveries(port),
        delivered,
        "the delivery log survives a restart"
    );
    let history_after =
        get_json(&format!("http://127.0.0.1:{port}/alerts/{}", group["id"])).unwrap();
    assert_eq!(history_after, history_before, "history survives a restart");
    let transitions: Vec<_> = history_after["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["transition"].as_str().unwrap())
        .collect();
    assert_eq!(
        transitions,
        ["opened", "deduplicated", "deduplicated", "resolved"]
    );
    pagerhook.terminate();
}

/// The heartbeat `am-watchdog` as `GET /heartbeats` shows it.
fn heartbeat(port: u16) -> Option<Value> {
    get_json(&format!("http://127.0.0.1:{port}/heartbeats"))?["heartbeats"]
        .as_array()?
        .iter()
        .find(|h| h["name"] == "am-watchdog")
        .cloned()
}

fn watchdog_alert() -> Value {
    // As kube-prometheus's always-firing rule sends it; no endsAt: Alertmanager keeps it
    // firing for its resolve_timeout (5 m), longer than this test.
    json!([{
        "labels": {"alertname": "Watchdog", "severity": "none", "scenario": "watchdog"},
        "annotations": {"summary": "An alert that should always be firing"},
    }])
}

#[test]
fn alertmanager_watchdog_feeds_a_heartbeat() {
    let Some(binary) =
        pager_testkit::alertmanager_for_test("alertmanager_watchdog_feeds_a_heartbeat", &[])
            .unwrap()
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    watchdog_end_to_end(&binary, dir.path(), "sqlite:pagerhook.db");
}

/// The same, with the PostgreSQL store (the heartbeat sweep then runs on the replica that
/// leads it, reading the pings from the database).
#[test]
fn alertmanager_watchdog_feeds_a_heartbeat_on_postgres() {
    let test = "alertmanager_watchdog_feeds_a_heartbeat_on_postgres";
    let Some(binary) = pager_testkit::alertmanager_for_test(test, &[]).unwrap() else {
        return;
    };
    let Some(cluster) = pager_testkit::postgres_for_test(test).unwrap() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = cluster.create_database("watchdog").unwrap();
    watchdog_end_to_end(&binary, dir.path(), &url);
}

fn watchdog_end_to_end(binary: &Path, dir: &Path, store: &str) {
    let port = pager_testkit::free_port();
    let config = dir.join("serve.toml");
    std::fs::write(
        &config,
        format!(
            r#"
listen = "127.0.0.1:{port}"
store = "{store}"

[[instances]]
name = "am"
integration = "prometheus-v3"
options = {{ watchdog = {{ heartbeat = "am-watchdog" }} }}

[[heartbeats]]
name = "am-watchdog"
interval = "4s"
grace = "3s"
title = "Alertmanager stopped sending its Watchdog"
"#
        ),
    )
    .unwrap();
    let _pagerhook = start_pagerhook(&config, port);
    // A short repeat_interval stands for production's (e.g. 1m): the Watchdog is re-sent
    // about every second while it fires.
    let am_config = format!(
        r#"
route:
  receiver: watchdog
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1s
receivers:
  - name: watchdog
    webhook_configs: [{{url: "http://127.0.0.1:{port}/integrations/am", send_resolved: true}}]
"#
    );
    let am_port = pager_testkit::free_port();
    let (alertmanager, _) = run_alertmanager(binary, dir, &am_config, am_port);
    post_alerts(am_port, &watchdog_alert());

    // Pings arrive, and keep arriving (the repeat): the last ping moves on.
    let first = wait_for("a first Watchdog ping", 20, || {
        let h = heartbeat(port)?;
        (h["state"] == "up").then(|| h["last_ping_at"].as_str().unwrap().to_owned())
    });
    wait_for("a repeated Watchdog ping", 20, || {
        let h = heartbeat(port)?;
        (h["last_ping_at"].as_str()? > first.as_str()).then_some(())
    });
    assert!(
        alerts_of(port, "am").is_empty(),
        "the Watchdog is not an incident"
    );

    // Alertmanager stops: after interval + grace the heartbeat's alert opens.
    alertmanager.terminate();
    let opened = wait_for("the heartbeat's alert", 30, || {
        alerts_of(port, "heartbeat")
            .into_iter()
            .find(|a| a["status"] == "open")
    });
    assert_eq!(opened["thirdparty_id"], "am-watchdog");
    assert_eq!(opened["title"], "Alertmanager stopped sending its Watchdog");
    assert_eq!(heartbeat(port).unwrap()["state"], "down");
    assert_eq!(heartbeat(port).unwrap()["alert_id"], opened["id"]);

    // It starts again (its data kept) and Prometheus re-sends the Watchdog: the alert resolves.
    let (_alertmanager, _) = run_alertmanager(binary, dir, &am_config, am_port);
    post_alerts(am_port, &watchdog_alert());
    wait_for("the heartbeat's alert resolved", 30, || {
        alerts_of(port, "heartbeat")
            .into_iter()
            .find(|a| a["id"] == opened["id"] && a["status"] == "resolved")
    });
    assert_eq!(heartbeat(port).unwrap()["state"], "up");
    assert!(
        alerts_of(port, "am").is_empty(),
        "still no incident for the Watchdog"
    );
}
