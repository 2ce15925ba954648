#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Heartbeats, driven by a manual clock (no sleeping): every state change, pings over HTTP
//! with and without auth, the Alertmanager watchdog as a ping, outputs for heartbeat alerts,
//! restarts, metrics, configuration errors — on both stores.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, TimeDelta, Utc};
use http_body_util::BodyExt;
use pager_core::Urgency;
use pager_core::auth::{AuthConfig, Secret};
use pager_server::Receiver;
use pager_server::clock::{Clock, ManualClock};
use pager_server::config::{ApiConfig, ServeConfig};
use pager_server::heartbeat::HeartbeatConfig;
use pager_server::outputs::{OutputConfig, OutputUrl, Trigger};
use pager_server::store::{MemoryStore, MessageFilter, SqliteStore, Store};
use serde_json::{Value, json};
use tower::ServiceExt;

const TOKEN: &str = "t-admin";

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
        .unwrap()
        .to_utc()
}

fn watchdog() -> HeartbeatConfig {
    HeartbeatConfig::new("am-watchdog", "5m".parse().unwrap())
        .with_grace("1m".parse().unwrap())
        .with_title("Alertmanager stopped sending its Watchdog")
        .with_urgency(Urgency::Critical)
}

struct Harness {
    clock: Arc<ManualClock>,
    receiver: Receiver,
    router: Router,
}

impl Harness {
    fn new(store: Arc<dyn Store>, heartbeats: Vec<HeartbeatConfig>) -> Self {
        Self::with(store, heartbeats, |receiver| receiver)
    }

    fn with(
        store: Arc<dyn Store>,
        heartbeats: Vec<HeartbeatConfig>,
        setup: impl FnOnce(Receiver) -> Receiver,
    ) -> Self {
        let clock = Arc::new(ManualClock::new(t0()));
        let receiver = setup(
            Receiver::new(store)
                .with_clock(clock.clone())
                .with_api(ApiConfig::new().with_token(Secret::new(TOKEN))),
        )
        .with_heartbeats(heartbeats)
        .unwrap();
        let router = receiver.clone().router();
        Self {
            clock,
            receiver,
            router,
        }
    }

    fn at(&self, seconds: i64) {
        self.clock.set(t0() + TimeDelta::seconds(seconds));
    }

    async fn sweep(&self) -> usize {
        self.receiver.sweep_heartbeats().await.unwrap()
    }

    async fn call(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value)
    }

    async fn ping(&self, name: &str) -> (StatusCode, Value) {
        self.call(
            Request::post(format!("/heartbeats/{name}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self
            .call(
                Request::get(path)
                    .header("authorization", format!("Bearer {TOKEN}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    async fn state(&self, name: &str) -> Value {
        let list = self.get("/heartbeats").await;
        list["heartbeats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == name)
            .cloned()
            .unwrap()
    }

    async fn heartbeat_alerts(&self) -> Vec<Value> {
        self.get("/alerts?instance=heartbeat").await["alerts"]
            .as_array()
            .unwrap()
            .clone()
    }
}

fn sqlite(dir: &Path) -> Arc<dyn Store> {
    Arc::new(SqliteStore::open(dir.join("pagerhook.db")).unwrap())
}

/// Never pinged → down after interval + grace from the start; a ping resolves; late within
/// the grace; down again after it; every transition once.
async fn every_state_change(store: Arc<dyn Store>) {
    let h = Harness::new(store, vec![watchdog()]);
    assert_eq!(h.sweep().await, 0);
    let never = h.state("am-watchdog").await;
    assert_eq!(never["state"], "never");
    assert_eq!(never["last_ping_at"], Value::Null);
    assert_eq!(never["next_deadline"], "2026-12-01T10:06:00Z");
    assert_eq!(
        (
            never["interval_seconds"].as_u64(),
            never["grace_seconds"].as_u64()
        ),
        (Some(300), Some(60))
    );

    h.at(359);
    assert_eq!(h.sweep().await, 0);
    assert_eq!(h.state("am-watchdog").await["state"], "never");
    assert!(h.heartbeat_alerts().await.is_empty());

    h.at(360);
    assert_eq!(h.sweep().await, 1);
    let alerts = h.heartbeat_alerts().await;
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(alert["thirdparty_id"], "am-watchdog");
    assert_eq!(alert["status"], "open");
    assert_eq!(alert["title"], "Alertmanager stopped sending its Watchdog");
    assert_eq!(alert["urgency"], "critical");
    let down = h.state("am-watchdog").await;
    assert_eq!(down["state"], "down");
    assert_eq!(down["alert_id"], alert["id"]);
    // The delivery log says why.
    let deliveries = h.get("/deliveries?instance=heartbeat").await;
    assert_eq!(deliveries["deliveries"].as_array().unwrap().len(), 1);
    // Sweeping again changes nothing: one alert, not one per sweep.
    h.at(400);
    assert_eq!(h.sweep().await, 0);
    assert_eq!(h.heartbeat_alerts().await.len(), 1);

    // A ping resolves it at once, and says where the heartbeat is.
    h.at(420);
    let (status, body) = h.ping("am-watchdog").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["heartbeat"]["state"], "up");
    assert_eq!(body["heartbeat"]["last_ping_at"], "2026-12-01T10:07:00Z");
    assert_eq!(body["heartbeat"]["next_deadline"], "2026-12-01T10:13:00Z");
    let alerts = h.heartbeat_alerts().await;
    assert_eq!(alerts[0]["status"], "resolved");
    assert_eq!(h.sweep().await, 0);

    // Past the interval: late, no alert; past the grace: a new alert.
    h.at(420 + 300);
    assert_eq!(h.sweep().await, 0);
    assert_eq!(h.state("am-watchdog").await["state"], "late");
    h.at(420 + 359);
    assert_eq!(h.sweep().await, 0);
    h.at(420 + 360);
    assert_eq!(h.sweep().await, 1);
    let alerts = h.heartbeat_alerts().await;
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0]["status"], "open");
    assert_ne!(
        alerts[0]["id"], alerts[1]["id"],
        "a new alert, not the resolved one"
    );

    // Pinged, up; the metrics show it.
    h.at(800);
    assert_eq!(h.ping("am-watchdog").await.0, StatusCode::OK);
    assert_eq!(h.state("am-watchdog").await["state"], "up");
    let metrics = h.get_text("/metrics").await;
    assert!(
        metrics.contains(r#"pagerhook_heartbeat_down{heartbeat="am-watchdog"} 0"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"pagerhook_heartbeat_pings_total{heartbeat="am-watchdog",outcome="accepted"} 2"#
        ),
        "{metrics}"
    );
    assert!(
        metrics
            .contains(r#"pagerhook_transitions_total{instance="heartbeat",transition="opened"} 2"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"pagerhook_transitions_total{instance="heartbeat",transition="resolved"} 2"#
        ),
        "{metrics}"
    );
}

impl Harness {
    async fn get_text(&self, path: &str) -> String {
        let response = self
            .router
            .clone()
            .oneshot(
                Request::get(path)
                    .header("authorization", format!("Bearer {TOKEN}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}

#[tokio::test]
async fn memory_every_state_change() {
    every_state_change(Arc::new(MemoryStore::new())).await;
}

#[tokio::test]
async fn sqlite_every_state_change() {
    let dir = tempfile::tempdir().unwrap();
    every_state_change(sqlite(dir.path())).await;
}

#[tokio::test]
async fn a_restart_remembers_pings_and_open_alerts() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = sqlite(dir.path());
        let h = Harness::new(Arc::clone(&store), vec![watchdog()]);
        h.at(0);
        assert_eq!(h.ping("am-watchdog").await.0, StatusCode::OK);
        store.close().await.unwrap();
    }
    {
        // Restarted two minutes later: the ping is remembered, so the deadline is the ping's
        // (10:06), not two minutes after the restart.
        let store = sqlite(dir.path());
        let h = Harness::new(Arc::clone(&store), vec![watchdog()]);
        h.at(120);
        let up = h.state("am-watchdog").await;
        assert_eq!(up["state"], "up");
        assert_eq!(up["last_ping_at"], "2026-12-01T10:00:00Z");
        assert_eq!(up["next_deadline"], "2026-12-01T10:06:00Z");
        h.at(360);
        assert_eq!(h.sweep().await, 1);
        store.close().await.unwrap();
    }
    {
        // Restarted while down: still down (its alert is open), not opened twice, and a ping
        // resolves it.
        let store = sqlite(dir.path());
        let h = Harness::new(Arc::clone(&store), vec![watchdog()]);
        h.at(400);
        assert_eq!(h.state("am-watchdog").await["state"], "down");
        assert_eq!(h.sweep().await, 0);
        assert_eq!(h.heartbeat_alerts().await.len(), 1);
        h.at(410);
        assert_eq!(h.ping("am-watchdog").await.0, StatusCode::OK);
        assert_eq!(h.heartbeat_alerts().await[0]["status"], "resolved");
        store.close().await.unwrap();
    }
    {
        // The heartbeat removed from the configuration while down: its alert would stay open
        // for ever, so it is resolved; its ping is forgotten.
        let store = sqlite(dir.path());
        let h = Harness::new(Arc::clone(&store), vec![watchdog()]);
        h.at(1000);
        assert_eq!(h.sweep().await, 1);
        drop(h);
        let other = HeartbeatConfig::new("nightly", "1d".parse().unwrap());
        let h = Harness::new(Arc::clone(&store), vec![other]);
        assert_eq!(h.sweep().await, 0);
        let alerts = h.heartbeat_alerts().await;
        assert!(
            alerts.iter().all(|a| a["status"] == "resolved"),
            "{alerts:?}"
        );
        assert!(store.pings().await.unwrap().is_empty());
        store.close().await.unwrap();
    }
}

#[tokio::test]
async fn pings_pass_the_heartbeats_auth_guard() {
    let guarded = HeartbeatConfig::new("cron", "1h".parse().unwrap())
        .with_auth(serde_json::from_value::<AuthConfig>(json!({"api_key": "k-cron"})).unwrap());
    let h = Harness::new(Arc::new(MemoryStore::new()), vec![guarded, watchdog()]);
    let (status, body) = h.ping("cron").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(!body.to_string().contains("k-cron"));
    assert_eq!(h.state("cron").await["state"], "never");
    let (status, _) = h
        .call(
            Request::get("/heartbeats/cron?x-api-key=k-cron")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "GET is a ping too");
    assert_eq!(h.state("cron").await["state"], "up");
    // An open heartbeat takes a POST with any body.
    let (status, _) = h
        .call(
            Request::post("/heartbeats/am-watchdog")
                .header("content-type", "text/plain")
                .body(Body::from("anything"))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h.ping("nope").await.0, StatusCode::NOT_FOUND);
    // The list is the read API's: a token (or loopback) is needed.
    let (status, _) = h
        .call(Request::get("/heartbeats").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let metrics = h.get_text("/metrics").await;
    assert!(
        metrics.contains(
            r#"pagerhook_heartbeat_pings_total{heartbeat="cron",outcome="unauthorized"} 1"#
        ),
        "{metrics}"
    );
}

fn prometheus(options: &Value) -> pager_core::Instance {
    pager_integrations::registry()
        .build("prometheus-v3", options)
        .unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../fixtures/prometheus-v3/{name}.json")),
    )
    .unwrap()
}

async fn deliver(h: &Harness, instance: &str, body: Vec<u8>) -> Value {
    let (status, answer) = h
        .call(
            Request::post(format!("/integrations/{instance}"))
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

#[tokio::test]
async fn alertmanagers_watchdog_pings_and_opens_no_incident() {
    let options = json!({"watchdog": {"heartbeat": "am-watchdog"}});
    let h = Harness::with(Arc::new(MemoryStore::new()), vec![watchdog()], |r| {
        r.with_instance("am", prometheus(&options))
            .unwrap()
            .with_instance("plain", prometheus(&json!({})))
            .unwrap()
    });
    assert_eq!(h.sweep().await, 0, "the receiver starts watching");
    h.at(360);
    assert_eq!(h.sweep().await, 1, "never pinged: down");
    // The captured Watchdog notification: a ping, no incident, and the heartbeat resolves.
    h.at(400);
    let answer = deliver(&h, "am", fixture("repeat-first")).await;
    assert_eq!(answer["results"][0]["action"], "other");
    assert_eq!(answer["results"][0]["alert_id"], Value::Null);
    assert!(
        h.get("/alerts?instance=am").await["alerts"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let state = h.state("am-watchdog").await;
    assert_eq!(state["state"], "up");
    assert_eq!(state["last_ping_at"], "2026-12-01T10:06:40Z");
    assert_eq!(h.heartbeat_alerts().await[0]["status"], "resolved");
    // An instance without the option may not ping: its Watchdog is an alert like any other.
    h.at(500);
    let answer = deliver(&h, "plain", fixture("repeat-first")).await;
    assert_eq!(answer["results"][0]["transition"], "opened");
    assert_eq!(
        h.state("am-watchdog").await["last_ping_at"],
        "2026-12-01T10:06:40Z"
    );
}

#[tokio::test]
async fn heartbeats_are_checked_against_the_instances() {
    let build = |heartbeats: Vec<HeartbeatConfig>, instance: &str, options: Value| {
        Receiver::new(Arc::new(MemoryStore::new()))
            .with_instance(instance, prometheus(&options))
            .unwrap()
            .with_heartbeats(heartbeats)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    let options = json!({"watchdog": {"heartbeat": "am-watchdog"}});
    let error = build(vec![], "am", options.clone()).unwrap_err();
    assert!(
        error.contains(r#"pings heartbeat "am-watchdog""#),
        "{error}"
    );
    assert!(build(vec![watchdog()], "am", options).is_ok());
    let error = build(vec![watchdog()], "heartbeat", json!({})).unwrap_err();
    assert!(error.contains("reserved"), "{error}");
    // Without heartbeats the name is free.
    assert!(build(vec![], "heartbeat", json!({})).is_ok());
    let error = build(vec![watchdog(), watchdog()], "am", json!({})).unwrap_err();
    assert!(error.contains("used twice"), "{error}");
}

#[tokio::test]
async fn outputs_follow_heartbeat_alerts() {
    let output = OutputConfig::new(
        "pager",
        OutputUrl::parse("http://127.0.0.1:9/hook").unwrap(),
        [Trigger::Opened, Trigger::Resolved],
    )
    .with_instances(["heartbeat"]);
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let h = Harness::with(Arc::clone(&store), vec![watchdog()], |r| r);
    // Outputs come after the heartbeats, and may name the heartbeat instance.
    let receiver = h.receiver.clone().with_outputs(vec![output]).unwrap();
    assert_eq!(receiver.sweep_heartbeats().await.unwrap(), 0);
    h.at(360);
    assert_eq!(receiver.sweep_heartbeats().await.unwrap(), 1);
    h.at(370);
    let router = receiver.clone().router();
    let response = router
        .oneshot(
            Request::post("/heartbeats/am-watchdog")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let messages = store
        .messages(&MessageFilter::new().output("pager"))
        .await
        .unwrap();
    let kinds: Vec<&str> = messages.iter().rev().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["alert.opened", "alert.resolved"]);
}

#[test]
fn the_configuration_file_takes_heartbeats() {
    let config = ServeConfig::from_toml(
        r#"
        [[instances]]
        name = "am"
        integration = "prometheus-v3"
        options = { watchdog = { heartbeat = "am-watchdog" } }

        [[heartbeats]]
        name = "am-watchdog"
        interval = "5m"
        grace = "1m"
        urgency = "critical"
        auth = { api_key = "k-1" }

        [[outputs]]
        name = "pager"
        url = "http://127.0.0.1:9/hook"
        on = ["opened", "resolved"]
        instances = ["heartbeat"]
        "#,
        Path::new("."),
    )
    .unwrap();
    assert_eq!(config.heartbeats.len(), 1);
    assert_eq!(config.heartbeats[0].interval.to_string(), "5m");
    assert!(
        !format!("{:?}", config.heartbeats[0]).contains("k-1"),
        "secrets are redacted"
    );
    for (text, expected) in [
        (
            "[[heartbeats]]\nname = \"a\"\ninterval = \"5x\"\n",
            "heartbeats[0].interval",
        ),
        (
            "[[heartbeats]]\nname = \"a b\"\ninterval = \"5m\"\n",
            "at heartbeats[0].name",
        ),
        (
            "[[heartbeats]]\nname = \"a\"\ninterval = \"5m\"\n[[instances]]\nname = \"heartbeat\"\nintegration = \"webhook\"\n",
            "at instances[0].name",
        ),
        (
            "[[outputs]]\nname = \"o\"\nurl = \"http://127.0.0.1:9/\"\non = [\"opened\"]\ninstances = [\"heartbeat\"]\n",
            "heartbeat",
        ),
    ] {
        let error = ServeConfig::from_toml(text, Path::new(".")).unwrap_err();
        assert!(error.contains(expected), "{text}: {error}");
    }
}

#[tokio::test]
async fn a_maintenance_window_mutes_heartbeat_alerts_until_it_ends() {
    let output = OutputConfig::new(
        "pager",
        OutputUrl::parse("http://127.0.0.1:9/hook").unwrap(),
        [Trigger::Opened, Trigger::Resolved],
    );
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let h = Harness::with(Arc::clone(&store), vec![watchdog()], |r| r);
    let receiver = h.receiver.clone().with_outputs(vec![output]).unwrap();
    let router = receiver.clone().router();
    // Alertmanager is being upgraded from 10:00 to 10:10: its silence is planned.
    let response = router
        .clone()
        .oneshot(
            Request::post("/maintenance")
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({
                        "instances": ["heartbeat"],
                        "starts_at": "2026-12-01T10:00:00Z",
                        "ends_at": "2026-12-01T10:10:00Z",
                        "reason": "Alertmanager upgrade",
                    })
                    .to_string(),
                ))
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let messages = || async {
        store
            .messages(&MessageFilter::new().output("pager"))
            .await
            .unwrap()
            .into_iter()
            .rev()
            .map(|m| m.kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(receiver.sweep_heartbeats().await.unwrap(), 0);
    h.at(360);
    assert_eq!(receiver.sweep_heartbeats().await.unwrap(), 1);
    let alert = &h.heartbeat_alerts().await[0];
    assert_eq!(alert["muted"], true, "{alert}");
    assert!(messages().await.is_empty(), "a muted alert pages nobody");
    // The window ends with the heartbeat still down: it pages then.
    h.at(600);
    let unmuted = receiver.sweep_maintenance(h.clock.now()).await.unwrap();
    assert_eq!(unmuted.len(), 1);
    assert_eq!(messages().await, ["alert.opened"]);
    h.at(610);
    let response = router
        .oneshot(
            Request::post("/heartbeats/am-watchdog")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(messages().await, ["alert.opened", "alert.resolved"]);
}

/// The README's heartbeat and maintenance-window examples, together, are one configuration
/// `serve` accepts: it parses, and the receiver builds (the watchdog names a configured
/// heartbeat, the windows name existing instances).
#[test]
fn the_readmes_heartbeat_and_maintenance_examples_are_a_valid_configuration() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let start = readme.find("### Heartbeats").unwrap();
    let end = start + readme[start..].find("### Embedding the receiver").unwrap();
    let blocks: Vec<&str> = readme[start..end]
        .split("```toml\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap())
        .collect();
    assert_eq!(
        blocks.len(),
        3,
        "two heartbeat examples, one of maintenance windows"
    );
    let config = ServeConfig::from_toml(&blocks.concat(), Path::new(".")).unwrap();
    assert_eq!(config.heartbeats.len(), 2);
    assert_eq!(config.maintenance.len(), 2);
    Receiver::from_config(
        &pager_integrations::registry(),
        &config.instances,
        Arc::new(MemoryStore::new()),
    )
    .unwrap()
    .with_heartbeats(config.heartbeats.clone())
    .unwrap()
    .with_maintenance(&config.maintenance)
    .unwrap();
}

#[tokio::test]
async fn a_flood_of_pings_writes_at_most_once_a_second() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let h = Harness::new(Arc::clone(&store), vec![watchdog()]);
    let at_ms = |ms: i64| {
        h.clock.set(t0() + TimeDelta::milliseconds(ms));
    };
    at_ms(0);
    assert_eq!(h.ping("am-watchdog").await.0, StatusCode::OK);
    for ms in [200, 500, 999] {
        at_ms(ms);
        assert_eq!(h.ping("am-watchdog").await.0, StatusCode::OK);
    }
    // The state has every ping; the store only the first of that second.
    assert_eq!(
        h.state("am-watchdog").await["last_ping_at"],
        "2026-12-01T10:00:00.999Z"
    );
    assert_eq!(store.pings().await.unwrap()["am-watchdog"], t0());
    at_ms(1000);
    assert_eq!(h.ping("am-watchdog").await.0, StatusCode::OK);
    assert_eq!(
        store.pings().await.unwrap()["am-watchdog"],
        t0() + TimeDelta::seconds(1)
    );
    let metrics = h.get_text("/metrics").await;
    assert!(
        metrics.contains(
            r#"pagerhook_heartbeat_pings_total{heartbeat="am-watchdog",outcome="accepted"} 5"#
        ),
        "{metrics}"
    );
    assert_eq!(h.ping("not-configured").await.0, StatusCode::NOT_FOUND);
    let metrics = h.get_text("/metrics").await;
    assert!(
        metrics.contains(
            r#"pagerhook_rejected_requests_total{instance="",reason="unknown_heartbeat"} 1"#
        ),
        "{metrics}"
    );
}
