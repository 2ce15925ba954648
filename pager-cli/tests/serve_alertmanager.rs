//! End to end: a real Alertmanager sends to `pagerhook serve` (SQLite store) on 127.0.0.1,
//! and the lifecycle is checked through `GET /alerts`: one open alert per group while it
//! fires, a joining alert bumps the dedup count, partial resolution does not resolve, full
//! resolution does, a re-fire opens a new alert, `grouping = "alert"` gives each alert its own
//! incident and urgency, `?x-api-key=` in the webhook URL is accepted (and its absence is a
//! 401), and everything survives a restart of pagerhook.
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

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const API_KEY: &str = "e2e-key-not-a-secret";

/// A child process killed (by pid) when dropped, so a failing test leaves nothing running.
struct Process {
    name: &'static str,
    child: Child,
}

impl Process {
    /// SIGTERM, then wait (bounded) for a clean exit.
    fn terminate(mut self) {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "{} exited with {status} on SIGTERM",
                    self.name
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not stop within 10 s of SIGTERM",
                self.name
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into()
}

fn get_json(url: &str) -> Option<Value> {
    let mut response = agent().get(url).call().ok()?;
    if response.status() != 200 {
        return None;
    }
    serde_json::from_str(&response.body_mut().read_to_string().ok()?).ok()
}

/// Polls `check` every 100 ms until it returns `Some`, for at most `seconds`.
fn wait_for<T>(what: &str, seconds: u64, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {seconds} s waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn start_pagerhook(config: &Path, port: u16) -> Process {
    let child = Command::new(env!("CARGO_BIN_EXE_pagerhook"))
        .arg("serve")
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let process = Process {
        name: "pagerhook serve",
        child,
    };
    wait_for("pagerhook /healthz", 15, || {
        get_json(&format!("http://127.0.0.1:{port}/healthz"))
    });
    process
}

fn start_alertmanager(binary: &Path, dir: &Path, pagerhook: u16) -> (Process, u16) {
    let port = pager_testkit::free_port();
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
    webhook_configs: [{{url: "{hook}/am", send_resolved: true, max_alerts: 0}}]
  - name: peralert
    webhook_configs: [{{url: "{hook}/am-alert", send_resolved: true, max_alerts: 0}}]
  - name: keyed
    webhook_configs: [{{url: "{hook}/keyed?x-api-key={API_KEY}", send_resolved: true, max_alerts: 0}}]
"#
    );
    let config_path = dir.join("alertmanager.yml");
    std::fs::write(&config_path, config).unwrap();
    let child = Command::new(binary)
        .arg(format!("--config.file={}", config_path.display()))
        .arg(format!("--storage.path={}", dir.join("am-data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let process = Process {
        name: "alertmanager",
        child,
    };
    wait_for("Alertmanager /-/ready", 15, || {
        let response = agent()
            .get(&format!("http://127.0.0.1:{port}/-/ready"))
            .call()
            .ok()?;
        (response.status() == 200).then_some(())
    });
    (process, port)
}

fn post_alerts(alertmanager: u16, alerts: &Value) {
    let response = agent()
        .post(&format!("http://127.0.0.1:{alertmanager}/api/v2/alerts"))
        .header("Content-Type", "application/json")
        .send(alerts.to_string())
        .unwrap();
    assert_eq!(response.status(), 200, "Alertmanager refused {alerts}");
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

fn alerts_of(pagerhook: u16, instance: &str) -> Vec<Value> {
    get_json(&format!(
        "http://127.0.0.1:{pagerhook}/alerts?instance={instance}"
    ))
    .and_then(|v| v["alerts"].as_array().cloned())
    .unwrap_or_default()
}

fn data_value<'a>(alert: &'a Value, label: &str) -> Option<&'a str> {
    alert["additional_data"]
        .as_array()?
        .iter()
        .find(|d| d["label"] == label)?["value"]
        .as_str()
}

#[test]
fn alertmanager_to_pagerhook_serve() {
    let Some(binary) = pager_testkit::alertmanager_for_test("serve_alertmanager", &[]).unwrap()
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = pager_testkit::free_port();
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            r#"
listen = "127.0.0.1:{port}"
store = "sqlite:pagerhook.db"

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
"#
        ),
    )
    .unwrap();
    let pagerhook = start_pagerhook(&config, port);
    let (_alertmanager, am) = start_alertmanager(&binary, dir.path(), port);

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
