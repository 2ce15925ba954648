#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The receiver stays bounded in production: retention, a store that cannot commit, listings.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use pager_server::Receiver;
use pager_server::config::ServeConfig;
use pager_server::store::{MemoryStore, Store};
use serde_json::Value;
use tower::ServiceExt;

/// A receiver for `toml` (top-level tables and instances) on `store`.
fn receiver_from(store: Arc<dyn Store>, toml: &str) -> Receiver {
    let config =
        ServeConfig::from_toml(&format!("store = \"memory\"\n{toml}"), Path::new(".")).unwrap();
    Receiver::from_config(&pager_integrations::registry(), &config.instances, store)
        .unwrap()
        .with_retention(config.retention)
}

/// A receiver for `toml` plus one Alertmanager instance, `am`.
fn receiver(store: Arc<dyn Store>, toml: &str) -> Receiver {
    receiver_from(
        store,
        &format!("{toml}\n[[instances]]\nname = \"am\"\nintegration = \"prometheus-v3\"\n"),
    )
}

async fn call(app: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn post(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

/// A read from a loopback client (the read API answers only those when no token is set).
fn get(uri: &str) -> Request<Body> {
    let mut request = Request::get(uri).body(Body::empty()).unwrap();
    let peer: std::net::SocketAddr = "127.0.0.1:40000".parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    request
}

#[tokio::test]
async fn retention_is_configured_and_what_it_prunes_is_counted_in_metrics() {
    let receiver = receiver(
        Arc::new(MemoryStore::new()),
        "[retention]\ndeliveries = \"10s\"\nresolved_alerts = \"1h\"\n",
    );
    let app = receiver.clone().router();
    for _ in 0..3 {
        let (status, _) = call(&app, post("/integrations/am", "[")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let now = chrono::Utc::now();
    assert_eq!(receiver.prune(now).await.unwrap().deliveries, 0, "not yet");
    let pruned = receiver
        .prune(now + chrono::Duration::seconds(11))
        .await
        .unwrap();
    assert_eq!(pruned.deliveries, 2, "all but the newest: {pruned:?}");
    let (_, text) = call(&app, get("/metrics")).await;
    for line in [
        r#"pagerhook_pruned_total{what="deliveries"} 2"#,
        r#"pagerhook_pruned_total{what="alerts"} 0"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    let (_, deliveries) = call(&app, get("/deliveries")).await;
    let deliveries: Value = serde_json::from_str(&deliveries).unwrap();
    assert_eq!(deliveries["deliveries"].as_array().unwrap().len(), 1);

    let bad = ServeConfig::from_toml("[retention]\ndeliveries = \"30 days\"", Path::new("."))
        .unwrap_err();
    assert!(
        bad.contains("at retention.deliveries") && bad.contains("unknown unit"),
        "{bad}"
    );
    let zero = ServeConfig::from_toml("[retention]\nresolved_alerts = \"0s\"", Path::new("."))
        .unwrap_err();
    assert!(zero.contains("at least 1s"), "{zero}");
}

#[tokio::test]
async fn a_store_that_cannot_commit_answers_503_and_healthz_says_so_until_it_can() {
    use pager_server::store::SqliteStore;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pagerhook.db");
    let store = Arc::new(
        SqliteStore::open_with_busy_timeout(&path, std::time::Duration::from_millis(50)).unwrap(),
    );
    let app = receiver(Arc::clone(&store) as Arc<dyn Store>, "").router();
    let (status, _) = call(&app, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);

    // Another process holds the write lock: the writer cannot commit.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let (status, body) = call(&app, post("/integrations/am", "[")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(store.write_failure().is_some());
    let (status, body) = call(&app, get("/healthz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("cannot commit"), "{body}");

    other.execute_batch("ROLLBACK").unwrap();
    let (status, _) = call(&app, post("/integrations/am", "[")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "recorded again");
    assert!(
        store.write_failure().is_none(),
        "a commit clears the failure"
    );
    let (status, _) = call(&app, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn listings_are_paged_with_before_and_say_where_the_next_page_starts() {
    let app = receiver(Arc::new(MemoryStore::new()), "").router();
    for _ in 0..5 {
        call(&app, post("/integrations/am", "[")).await;
    }
    let page = |uri: &str| {
        let app = app.clone();
        let uri = uri.to_owned();
        async move {
            let (status, body) = call(&app, get(&uri)).await;
            assert_eq!(status, StatusCode::OK, "{uri}: {body}");
            serde_json::from_str::<Value>(&body).unwrap()
        }
    };
    let ids = |v: &Value| {
        v["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let first = page("/deliveries?limit=2").await;
    assert_eq!(
        (ids(&first), &first["next_before"]),
        (vec![5, 4], &Value::from(4))
    );
    let second = page("/deliveries?limit=2&before=4").await;
    assert_eq!(
        (ids(&second), &second["next_before"]),
        (vec![3, 2], &Value::from(2))
    );
    let last = page("/deliveries?limit=2&before=2").await;
    assert_eq!((ids(&last), &last["next_before"]), (vec![1], &Value::Null));
    let exact = page("/deliveries?limit=5").await;
    assert_eq!(
        exact["next_before"],
        Value::Null,
        "no empty page to ask for"
    );

    let alerts = page("/alerts?limit=1000").await;
    assert_eq!(
        alerts,
        serde_json::json!({"alerts": [], "next_before": null})
    );
    for uri in [
        "/alerts?limit=1001",
        "/deliveries?limit=5000",
        "/alerts?limit=0",
    ] {
        let (status, body) = call(&app, get(uri)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(body.contains("at most 1000 per page"), "{uri}: {body}");
    }
    let (status, _) = call(&app, get("/deliveries?before=x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_replayed_signed_resolve_is_answered_but_does_not_silence_a_refire() {
    use hmac::{Hmac, Mac};
    let app = receiver_from(
        Arc::new(MemoryStore::new()),
        r#"
[[instances]]
name = "hook"
integration = "webhook"
auth = { hmac = { secret = "s3cret", header = "X-Signature", timestamp_header = "X-Timestamp" } }
"#,
    )
    .router();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let signed = |body: &'static str, timestamp: u64| {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(format!("{timestamp}:{body}").as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        Request::post("/integrations/hook")
            .header(header::CONTENT_TYPE, "application/json")
            .header("X-Signature", signature)
            .header("X-Timestamp", timestamp.to_string())
            .body(Body::from(body))
            .unwrap()
    };
    let create = r#"{"event_type":"create","id":"db","title":"db down"}"#;
    let resolve = r#"{"event_type":"resolve","id":"db"}"#;
    let (status, _) = call(&app, signed(create, now)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&app, signed(resolve, now)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&app, signed(create, now + 1)).await;
    assert_eq!(status, StatusCode::OK, "the outage fires again");

    let (status, body) = call(&app, signed(resolve, now)).await;
    assert_eq!(status, StatusCode::OK, "a replay is answered 200: {body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["replayed"], true, "{body}");
    let (_, alerts) = call(&app, get("/alerts?status=open")).await;
    let alerts: Value = serde_json::from_str(&alerts).unwrap();
    assert_eq!(alerts["alerts"].as_array().unwrap().len(), 1, "still open");
    let (_, metrics) = call(&app, get("/metrics")).await;
    assert!(
        metrics.contains(r#"pagerhook_deliveries_total{instance="hook",outcome="replayed"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn an_oversized_request_to_an_hmac_instance_is_counted_not_logged() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let app = receiver_from(
        Arc::clone(&store),
        r#"
[[instances]]
name = "hook"
integration = "webhook"
limits = { max_body_bytes = 1024 }
auth = { hmac = { secret = "s3cret", header = "X-Signature" } }
"#,
    )
    .router();
    let (status, _) = call(&app, post("/integrations/hook", vec![b' '; 4096])).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        store.deliveries(None, 10).await.unwrap().is_empty(),
        "its signature was never checked: no row"
    );
    let (_, metrics) = call(&app, get("/metrics")).await;
    assert!(
        metrics.contains("reason=\"payload_too_large_unauthenticated\""),
        "{metrics}"
    );
}
