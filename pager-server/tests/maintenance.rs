#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::too_many_lines
)]
//! Maintenance windows through the receiver, driven by a manual clock (no sleeping): the
//! window's start and end, overlapping windows, an alert resolving inside a window, instance
//! and tag filtering, deleting an active window, the cap, the routes' door, bad input, and the
//! configuration's fixed and weekly windows; with an HTTP sink that records what outputs send.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, TimeDelta, Utc};
use http_body_util::BodyExt;
use pager_core::auth::Secret;
use pager_server::Receiver;
use pager_server::clock::ManualClock;
use pager_server::config::{ApiConfig, ServeConfig};
use pager_server::maintenance::{MAX_LIVE_WINDOWS, MaintenanceConfig};
use pager_server::outputs::{OutputConfig, OutputUrl, Trigger};
use pager_server::store::{MemoryStore, SqliteStore, Store};
use serde_json::{Value, json};
use tower::ServiceExt;

const TOKEN: &str = "t-admin";

/// 2025-01-04, a Saturday, at midnight UTC (in the past, so messages are due at once).
fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-04T00:00:00Z")
        .unwrap()
        .to_utc()
}

fn at(seconds: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(seconds)
}

/// An HTTP server on 127.0.0.1 that answers 200 and keeps every body it gets.
struct Sink {
    bodies: Arc<Mutex<Vec<Value>>>,
    port: u16,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Sink {
    async fn start() -> Self {
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&bodies);
        let app = Router::new().fallback(move |body: Bytes| {
            let kept = Arc::clone(&kept);
            async move {
                kept.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap());
                StatusCode::OK
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            bodies,
            port,
            server,
        }
    }

    /// Waits (at most 20 s) until `count` messages arrived; returns them.
    async fn wait_for(&self, count: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let bodies = self.bodies.lock().unwrap().clone();
            if bodies.len() >= count {
                return bodies;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {count} messages within 20 s, got {bodies:#?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A receiver with two webhook instances (`hooks`, `other`), an output to `sink` (if any)
/// on opened and resolved, a manual clock at [`t0`], and `config` windows.
struct Host {
    app: Router,
    receiver: Receiver,
    clock: Arc<ManualClock>,
    _dispatcher: Option<pager_server::outputs::Dispatcher>,
}

impl Host {
    fn start(store: Arc<dyn Store>, sink: Option<&Sink>, config: &[MaintenanceConfig]) -> Self {
        let webhook = || {
            pager_integrations::registry()
                .build("webhook", &Value::Null)
                .unwrap()
        };
        let clock = Arc::new(ManualClock::new(t0()));
        let outputs = sink
            .map(|sink| {
                let url = OutputUrl::parse(&format!("http://127.0.0.1:{}/", sink.port)).unwrap();
                vec![OutputConfig::new(
                    "sink",
                    url,
                    [Trigger::Opened, Trigger::Resolved],
                )]
            })
            .unwrap_or_default();
        let receiver = Receiver::new(store)
            .with_clock(Arc::clone(&clock) as _)
            .with_instance("hooks", webhook())
            .unwrap()
            .with_instance("other", webhook())
            .unwrap()
            .with_api(ApiConfig::new().with_token(Secret::new(TOKEN)))
            .with_outputs(outputs)
            .unwrap()
            .with_maintenance(config)
            .unwrap();
        let dispatcher = sink.map(|_| receiver.spawn_outputs().unwrap());
        Self {
            app: receiver.clone().router(),
            receiver,
            clock,
            _dispatcher: dispatcher,
        }
    }

    async fn call(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// Posts `event_type` for `id` with `tags` to `instance` at second `seconds`; returns the
    /// first event's result.
    async fn event(
        &self,
        seconds: i64,
        instance: &str,
        event_type: &str,
        id: &str,
        tags: &[&str],
    ) -> Value {
        self.clock.set(at(seconds));
        let body = json!({"event_type": event_type, "id": id, "title": id, "tags": tags});
        let request = Request::post(format!("/integrations/{instance}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (status, answer) = self.call(request).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer["results"][0].clone()
    }

    async fn admin(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .unwrap();
        self.call(request).await
    }

    /// `POST /maintenance`; returns the new window's id.
    async fn window(&self, body: Value) -> i64 {
        let (status, answer) = self.admin("POST", "/maintenance", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        answer["window"]["id"].as_i64().unwrap()
    }

    async fn sweep(&self, seconds: i64) -> Vec<String> {
        self.clock.set(at(seconds));
        self.receiver
            .sweep_maintenance(at(seconds))
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.thirdparty_id)
            .collect()
    }

    async fn alert(&self, id: &Value) -> Value {
        let (status, answer) = self
            .admin("GET", &format!("/alerts/{}", id.as_i64().unwrap()), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        answer["alert"].clone()
    }

    async fn metrics(&self) -> String {
        let request = Request::get("/metrics")
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(body.to_vec()).unwrap()
    }
}

fn time(seconds: i64) -> String {
    at(seconds).to_rfc3339()
}

/// The whole life of two overlapping windows on one store.
async fn windows_mute_then_page_when_they_end(store: Arc<dyn Store>) {
    let sink = Sink::start().await;
    let host = Host::start(store, Some(&sink), &[]);
    // W1: [100, 200) on hooks, tag db. W2: [150, 300) on hooks, tag long.
    host.window(json!({"instances": ["hooks"], "match": {"tags": ["db"]},
        "starts_at": time(100), "ends_at": time(200), "reason": "db upgrade"}))
        .await;
    let w2 = host
        .window(json!({"instances": ["hooks"], "match": {"tags": ["long"]},
            "starts_at": time(150), "ends_at": time(300), "reason": "long"}))
        .await;

    // The start: a second before, not muted; at it, muted when covered.
    let a0 = host.event(99, "hooks", "create", "a0", &["db"]).await;
    assert_eq!(a0.get("muted"), None, "{a0}");
    let a1 = host.event(100, "hooks", "create", "a1", &["db"]).await;
    assert_eq!(a1["muted"], true, "{a1}");
    let a2 = host
        .event(160, "hooks", "create", "a2", &["db", "long"])
        .await;
    assert_eq!(a2["muted"], true);
    let a3 = host.event(100, "hooks", "create", "a3", &["web"]).await;
    assert_eq!(a3.get("muted"), None, "not tagged db");
    let o1 = host.event(100, "other", "create", "o1", &["db"]).await;
    assert_eq!(o1.get("muted"), None, "another instance");
    // An alert that opens and resolves inside the window never pages.
    let a4 = host.event(110, "hooks", "create", "a4", &["db"]).await;
    assert_eq!(a4["muted"], true);
    let resolved = host.event(150, "hooks", "resolve", "a4", &[]).await;
    assert_eq!(resolved["transition"], "resolved");
    assert_eq!(resolved["muted"], true);
    // A dedup keeps the alert muted.
    let again = host.event(120, "hooks", "create", "a1", &["db"]).await;
    assert_eq!(again["transition"], "deduplicated");
    assert_eq!(again["muted"], true);
    assert_eq!(host.alert(&a1["alert_id"]).await["muted"], true);
    let (_, listed) = host.admin("GET", "/alerts", None).await;
    assert_eq!(listed["alerts"].as_array().unwrap().len(), 6);

    // Paged so far: a0, a3, o1.
    let sent = sink.wait_for(3).await;
    let keys = |sent: &[Value]| {
        let mut keys: Vec<String> = sent
            .iter()
            .map(|m| {
                format!(
                    "{} {}",
                    m["type"].as_str().unwrap(),
                    m["alert"]["thirdparty_id"].as_str().unwrap()
                )
            })
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(
        keys(&sent),
        ["alert.opened a0", "alert.opened a3", "alert.opened o1"]
    );

    // The end: nothing while W1 lasts; at its end a1 is unmuted and paged, a2 (W2 still
    // covers it) is not; once only.
    assert!(host.sweep(199).await.is_empty());
    assert_eq!(host.sweep(200).await, ["a1"]);
    assert!(host.sweep(201).await.is_empty());
    let sent = sink.wait_for(4).await;
    let unmuted = sent
        .iter()
        .find(|m| m["alert"]["thirdparty_id"] == "a1")
        .unwrap();
    assert_eq!(unmuted["type"], "alert.opened");
    assert_eq!(unmuted["event"], Value::Null);
    assert_eq!(unmuted["alert"]["muted"], false);
    assert_eq!(unmuted["occurred_at"], "2025-01-04T00:03:20Z");
    assert!(unmuted["id"].as_str().unwrap().starts_with("unm_"));
    let shown = host.alert(&a1["alert_id"]).await;
    assert_eq!(shown["muted"], false);
    assert_eq!(shown["unmuted_at"], "2025-01-04T00:03:20Z");

    // Deleting the active W2: a2 is unmuted at the next sweep.
    let (status, answer) = host
        .admin("DELETE", &format!("/maintenance/{w2}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, _) = host
        .admin("DELETE", &format!("/maintenance/{w2}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(host.sweep(210).await, ["a2"]);
    let sent = sink.wait_for(5).await;
    assert_eq!(
        keys(&sent),
        [
            "alert.opened a0",
            "alert.opened a1",
            "alert.opened a2",
            "alert.opened a3",
            "alert.opened o1"
        ],
        "a4, resolved inside the window, never paged"
    );
    // Nothing else comes (the sink would have it by now: the dispatcher sends at once).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.bodies.lock().unwrap().len(), 5);
    assert_eq!(host.alert(&a4["alert_id"]).await["muted"], true);

    let metrics = host.metrics().await;
    assert!(
        metrics.contains("pagerhook_alerts_muted_total{instance=\"hooks\"} 3"),
        "{metrics}"
    );
    assert!(metrics.contains("pagerhook_alerts_unmuted_total{instance=\"hooks\"} 2"));
    assert!(metrics.contains("pagerhook_maintenance_windows_active 0"));

    // Retention forgets ended windows.
    let pruned = host.receiver.prune(at(400)).await.unwrap();
    assert_eq!(pruned.windows, 1, "W1 (W2 was deleted)");
}

#[tokio::test]
async fn memory_windows_mute_then_page_when_they_end() {
    windows_mute_then_page_when_they_end(Arc::new(MemoryStore::new())).await;
}

#[tokio::test]
async fn sqlite_windows_mute_then_page_when_they_end() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("alerts.db")).unwrap();
    windows_mute_then_page_when_they_end(Arc::new(store)).await;
}

#[tokio::test]
async fn the_routes_need_the_api_token() {
    let host = Host::start(Arc::new(MemoryStore::new()), None, &[]);
    for (method, uri) in [
        ("GET", "/maintenance"),
        ("POST", "/maintenance"),
        ("DELETE", "/maintenance/1"),
    ] {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::from(
                json!({"starts_at": time(0), "ends_at": time(10), "reason": "x"}).to_string(),
            ))
            .unwrap();
        let (status, _) = host.call(request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri}");
    }
    let (_, listed) = host.admin("GET", "/maintenance", None).await;
    assert_eq!(listed["windows"], json!([]), "nothing was added");
}

#[tokio::test]
async fn bad_windows_are_refused_naming_the_field() {
    let host = Host::start(Arc::new(MemoryStore::new()), None, &[]);
    let cases = [
        (
            json!({"starts_at": time(10), "ends_at": time(10), "reason": "x"}),
            "at ends_at: must be after starts_at",
        ),
        (
            json!({"instances": ["nope"], "starts_at": time(0), "ends_at": time(10), "reason": "x"}),
            "at instances: there is no instance named \"nope\"",
        ),
        (
            json!({"starts_at": "soon", "ends_at": time(10), "reason": "x"}),
            "at starts_at: ",
        ),
        (
            json!({"starts_at": time(0), "ends_at": time(10)}),
            "missing field `reason`",
        ),
        (
            json!({"starts_at": time(0), "ends_at": time(10), "reason": "x", "until": 1}),
            "unknown field `until`",
        ),
        (
            json!({"starts_at": time(0), "ends_at": time(10), "reason": "x".repeat(1025)}),
            "at reason: longer than 1024 bytes",
        ),
        (
            json!({"match": {"tags": vec!["a"; 33]}, "starts_at": time(0), "ends_at": time(10), "reason": "x"}),
            "at match: at most 32 tags",
        ),
        (
            json!({"starts_at": time(-20), "ends_at": time(-10), "reason": "x"}),
            "at ends_at: ",
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = host.admin("POST", "/maintenance", Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        let error = answer["error"].as_str().unwrap();
        assert!(error.contains(expected), "{body}: {error}");
    }
    let (status, _) = host.admin("DELETE", "/maintenance/abc", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn live_windows_are_capped() {
    let host = Host::start(Arc::new(MemoryStore::new()), None, &[]);
    let window = json!({"starts_at": time(0), "ends_at": time(100), "reason": "x"});
    for _ in 0..MAX_LIVE_WINDOWS {
        host.window(window.clone()).await;
    }
    let (status, answer) = host
        .admin("POST", "/maintenance", Some(window.clone()))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("the most allowed (1000)")
    );
    // Once they end, room again.
    host.clock.set(at(100));
    let window = json!({"starts_at": time(100), "ends_at": time(200), "reason": "x"});
    host.window(window).await;
}

fn config(toml: &str) -> Vec<MaintenanceConfig> {
    let text = format!("[[instances]]\nname = \"hooks\"\nintegration = \"webhook\"\n{toml}");
    ServeConfig::from_toml(&text, std::path::Path::new("."))
        .unwrap()
        .maintenance
}

#[tokio::test]
async fn configured_windows_mute_at_their_edges_and_cannot_be_deleted() {
    let windows = config(
        r#"
[[maintenance]]
reason = "fixed"
instances = ["hooks"]
match = { tags = ["db"] }
starts_at = "2025-01-04T00:01:40Z"
ends_at = "2025-01-04T00:03:20Z"

[[maintenance]]
reason = "saturday batch"
weekdays = ["sat"]
start = "02:00"
duration = "1h"
"#,
    );
    let host = Host::start(Arc::new(MemoryStore::new()), None, &windows);
    // Written to the store by the first sweep (serve does it before listening).
    assert!(host.sweep(0).await.is_empty());
    let (status, listed) = host.admin("GET", "/maintenance", None).await;
    assert_eq!(status, StatusCode::OK);
    let listed = listed["windows"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|w| w["source"] == "config"));
    assert_eq!(listed[1]["active"], false);
    assert_eq!(
        listed[1]["occurrence"],
        json!({"starts_at": "2025-01-04T02:00:00Z", "ends_at": "2025-01-04T03:00:00Z"})
    );
    let id = listed[0]["id"].as_i64().unwrap();
    let (status, answer) = host
        .admin("DELETE", &format!("/maintenance/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");

    // The fixed one: [100, 200), hooks, tag db.
    assert_eq!(
        host.event(99, "hooks", "create", "f0", &["db"])
            .await
            .get("muted"),
        None
    );
    assert_eq!(
        host.event(100, "hooks", "create", "f1", &["db"]).await["muted"],
        true
    );
    assert_eq!(
        host.event(199, "other", "create", "f2", &["db"])
            .await
            .get("muted"),
        None
    );
    assert_eq!(
        host.event(200, "hooks", "create", "f3", &["db"])
            .await
            .get("muted"),
        None
    );
    assert_eq!(host.sweep(200).await, ["f1"]);
    // The weekly one: Saturdays [02:00, 03:00), everything.
    let hour = 3600;
    assert_eq!(
        host.event(2 * hour - 1, "other", "create", "w0", &[])
            .await
            .get("muted"),
        None
    );
    assert_eq!(
        host.event(2 * hour, "other", "create", "w1", &[]).await["muted"],
        true
    );
    assert_eq!(
        host.event(3 * hour - 1, "hooks", "create", "w2", &[]).await["muted"],
        true
    );
    assert!(host.sweep(3 * hour - 1).await.is_empty());
    let mut unmuted = host.sweep(3 * hour).await;
    unmuted.sort();
    assert_eq!(unmuted, ["w1", "w2"]);
    assert_eq!(
        host.event(3 * hour, "other", "create", "w3", &[])
            .await
            .get("muted"),
        None
    );
    // A week later, again.
    assert_eq!(
        host.event(7 * 24 * hour + 2 * hour, "other", "create", "w4", &[])
            .await["muted"],
        true
    );
    let (_, listed) = host.admin("GET", "/maintenance", None).await;
    let weekly = &listed["windows"].as_array().unwrap()[0];
    assert_eq!(
        weekly["reason"], "saturday batch",
        "the fixed one ended: {listed}"
    );
    assert_eq!(weekly["active"], true);
}

#[test]
fn bad_configured_windows_name_the_entry_and_key() {
    let text = r#"
[[instances]]
name = "hooks"
integration = "webhook"

[[maintenance]]
starts_at = "2025-01-04T00:00:00Z"
ends_at = "2025-01-05T00:00:00Z"

[[maintenance]]
weekdays = ["sat"]
start = "2am"
duration = "1h"
"#;
    let error = ServeConfig::from_toml(text, std::path::Path::new(".")).unwrap_err();
    assert_eq!(
        error,
        "at maintenance[1].start: \"2am\" is not a time of day HH:MM"
    );
    let unknown = text.replace(
        "start = \"2am\"",
        "start = \"02:00\"\ninstances = [\"nope\"]",
    );
    let error = ServeConfig::from_toml(&unknown, std::path::Path::new(".")).unwrap_err();
    assert_eq!(
        error,
        "at maintenance[1].instances: there is no instance named \"nope\""
    );
}
