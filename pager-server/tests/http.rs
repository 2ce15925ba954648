#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The receiver's HTTP behaviour, through the Router as a tower service.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use pager_server::config::ServeConfig;
use pager_server::store::{MemoryStore, SqliteStore, Store};
use pager_server::{Receiver, ReceiverError};
use serde_json::Value;
use tower::ServiceExt;

const CONFIG: &str = r#"
store = "memory"

[[instances]]
name = "am"
integration = "prometheus-v3"

[[instances]]
name = "am-alert"
integration = "prometheus-v3"
options = { grouping = "alert" }

[[instances]]
name = "keyed"
integration = "prometheus-v3"
auth = { api_key = "s3cret" }
limits = { max_body_bytes = 4096 }
"#;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/prometheus-v3")
            .join(name),
    )
    .unwrap()
}

fn app(store: Arc<dyn Store>) -> Router {
    let config = ServeConfig::from_toml(CONFIG, Path::new(".")).unwrap();
    Receiver::from_config(&pager_integrations::registry(), &config.instances, store)
        .unwrap()
        .router()
}

async fn call(app: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, value)
}

fn post(uri: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap()
}

/// A GET from a loopback client (as `pager_server::serve` marks it).
fn get(uri: &str) -> Request<Body> {
    get_from(uri, "127.0.0.1:40000")
}

fn get_from(uri: &str, peer: &str) -> Request<Body> {
    let mut request = Request::get(uri).body(Body::empty()).unwrap();
    let peer: SocketAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

const READ_ROUTES: [&str; 4] = ["/alerts", "/alerts/1", "/deliveries", "/metrics"];

#[tokio::test]
async fn without_a_token_a_request_forwarded_by_a_local_proxy_is_not_a_loopback_client() {
    let app = app(Arc::new(MemoryStore::new()));
    for header in ["X-Forwarded-For", "Forwarded", "X-Real-IP"] {
        let mut request = get("/alerts");
        request
            .headers_mut()
            .insert(header, "203.0.113.7".parse().unwrap());
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{header}");
    }
    let response = app.clone().oneshot(get("/alerts")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "a plain loopback client");
}

#[tokio::test]
async fn without_a_token_the_read_api_answers_loopback_clients_only() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let app = app(Arc::clone(&store));
    call(
        &app,
        post(
            "/integrations/am",
            "application/json",
            fixture("single-firing.json"),
        ),
    )
    .await;
    for route in READ_ROUTES {
        for peer in [
            "127.0.0.1:5000",
            "127.1.2.3:5000",
            "[::1]:5000",
            "[::ffff:127.0.0.1]:5000",
        ] {
            let (status, body) = call(&app, get_from(route, peer)).await;
            assert_eq!(status, StatusCode::OK, "{route} from {peer}: {body}");
        }
        for peer in ["10.0.0.7:5000", "192.168.1.2:5000", "[2001:db8::1]:5000"] {
            let (status, body) = call(&app, get_from(route, peer)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{route} from {peer}");
            assert_eq!(body["error"], "unauthorized");
        }
        let unknown_peer = Request::get(route).body(Body::empty()).unwrap();
        assert_eq!(
            call(&app, unknown_peer).await.0,
            StatusCode::UNAUTHORIZED,
            "{route} with no ConnectInfo is not loopback"
        );
    }
    let (status, _) = call(&app, get_from("/healthz", "10.0.0.7:5000")).await;
    assert_eq!(status, StatusCode::OK, "healthz stays open");
    let (status, _) = call(
        &app,
        post(
            "/integrations/am",
            "application/json",
            fixture("single-firing.json"),
        ),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "webhooks are not behind the API door"
    );
}

fn app_with(api: &str, store: Arc<dyn Store>) -> Router {
    let config = ServeConfig::from_toml(&format!("{CONFIG}\n{api}"), Path::new(".")).unwrap();
    Receiver::from_config(&pager_integrations::registry(), &config.instances, store)
        .unwrap()
        .with_api(config.api)
        .router()
}

fn with_auth(mut request: Request<Body>, value: &str) -> Request<Body> {
    request
        .headers_mut()
        .insert(header::AUTHORIZATION, value.parse().unwrap());
    request
}

#[tokio::test]
async fn with_tokens_the_read_api_needs_one_even_from_loopback() {
    let app = app_with(
        "[api]\ntokens = [\"tok-one\", \"tok-two\"]",
        Arc::new(MemoryStore::new()),
    );
    for route in READ_ROUTES {
        for peer in ["127.0.0.1:5000", "10.0.0.7:5000"] {
            let (status, _) = call(&app, get_from(route, peer)).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{route} from {peer}, no token"
            );
            for wrong in [
                "Bearer tok-three",
                "Bearer tok-one-",
                "Basic tok-one",
                "tok-one",
                "Bearer ",
            ] {
                let response = app
                    .clone()
                    .oneshot(with_auth(get_from(route, peer), wrong))
                    .await
                    .unwrap();
                assert_eq!(
                    response.status(),
                    StatusCode::UNAUTHORIZED,
                    "{route} {wrong:?}"
                );
                assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
            }
            for right in ["Bearer tok-one", "bearer tok-two"] {
                let (status, body) = call(&app, with_auth(get_from(route, peer), right)).await;
                let expected = if route == "/alerts/1" {
                    StatusCode::NOT_FOUND // no alert yet: past the door
                } else {
                    StatusCode::OK
                };
                assert_eq!(status, expected, "{route} from {peer} {right:?}: {body}");
            }
        }
    }
    let (status, _) = call(&app, get_from("/healthz", "10.0.0.7:5000")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn public_metrics_opens_metrics_only() {
    let app = app_with(
        "[api]\ntokens = [\"tok-one\"]\npublic_metrics = true",
        Arc::new(MemoryStore::new()),
    );
    let (status, _) = call(&app, get_from("/metrics", "10.0.0.7:5000")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&app, get_from("/alerts", "10.0.0.7:5000")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let open = app_with("[api]\npublic_metrics = true", Arc::new(MemoryStore::new()));
    let (status, _) = call(&open, get_from("/metrics", "10.0.0.7:5000")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&open, get_from("/deliveries", "10.0.0.7:5000")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[test]
fn api_tokens_are_secrets() {
    let config =
        ServeConfig::from_toml("[api]\ntokens = [\"tok-SECRET\"]", Path::new(".")).unwrap();
    assert!(!format!("{config:?}").contains("tok-SECRET"));
    let receiver = Receiver::new(Arc::new(MemoryStore::new())).with_api(config.api);
    assert!(!format!("{receiver:?}").contains("tok-SECRET"));
    let err = ServeConfig::from_toml("[api]\ntokens = [\"\"]", Path::new(".")).unwrap_err();
    assert!(err.contains("api.tokens"), "{err}");
}

#[tokio::test]
async fn accepted_deliveries_follow_the_lifecycle_and_show_in_alerts() {
    let app = app(Arc::new(MemoryStore::new()));
    let (status, body) = call(
        &app,
        post(
            "/integrations/am",
            "application/json",
            fixture("group-mixed-firing.json"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["transition"], "opened");
    let id = body["results"][0]["alert_id"].as_i64().unwrap();
    let (_, body) = call(
        &app,
        post(
            "/integrations/am",
            "application/json",
            fixture("group-new-alert-joins.json"),
        ),
    )
    .await;
    assert_eq!(body["results"][0]["transition"], "deduplicated");
    assert_eq!(body["results"][0]["alert_id"], id);

    let (status, body) = call(&app, get("/alerts?status=open&instance=am")).await;
    assert_eq!(status, StatusCode::OK);
    let alerts = body["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{body}");
    assert_eq!(alerts[0]["dedup_count"], 2);
    assert_eq!(alerts[0]["status"], "open");
    assert!(alerts[0]["created_at"].is_string());
    assert!(alerts[0]["resolved_at"].is_null());

    let (_, body) = call(
        &app,
        post(
            "/integrations/am",
            "application/json",
            fixture("group-full-resolve.json"),
        ),
    )
    .await;
    assert_eq!(body["results"][0]["transition"], "resolved");
    let (_, body) = call(&app, get("/alerts?status=open")).await;
    assert_eq!(body["alerts"], Value::Array(vec![]));
    let (status, body) = call(&app, get(&format!("/alerts/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["alert"]["status"], "resolved");
    let history: Vec<_> = body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["transition"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["opened", "deduplicated", "resolved"]);
    assert_eq!(
        call(&app, get("/alerts/999")).await.0,
        StatusCode::NOT_FOUND
    );

    let (_, body) = call(
        &app,
        post(
            "/integrations/am-alert",
            "application/json",
            fixture("group-mixed-firing.json"),
        ),
    )
    .await;
    assert_eq!(
        body["results"].as_array().unwrap().len(),
        3,
        "one per alert"
    );
}

#[tokio::test]
async fn rejections_have_their_status_and_are_logged_without_secrets() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let app = app(Arc::clone(&store));
    let single = fixture("single-firing.json");

    let (status, body) = call(
        &app,
        post("/integrations/nope", "application/json", single.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "no instance named \"nope\"");

    let (status, body) = call(
        &app,
        post("/integrations/keyed", "application/json", single.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "prometheus-v3: unauthorized");
    let wrong_key = post(
        "/integrations/keyed?x-api-key=guess",
        "application/json",
        single.clone(),
    );
    let (status, body) = call(&app, wrong_key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["error"], "prometheus-v3: unauthorized",
        "says nothing about which part"
    );
    let (status, _) = call(
        &app,
        post(
            "/integrations/keyed?x-api-key=s3cret",
            "application/json",
            single.clone(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = call(
        &app,
        post("/integrations/am", "text/plain", b"hello".to_vec()),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("unsupported content type")
    );

    let (status, body) = call(
        &app,
        post(
            "/integrations/am",
            "application/json",
            b"{\"alerts\": 7}".to_vec(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        "prometheus-v3: invalid payload at alerts: invalid type: integer `7`, expected an array of JSON objects (line 1, column 12)"
    );
    let malformed_id = body["delivery_id"].as_i64().unwrap();

    let log = store.deliveries(None, 100).await.unwrap();
    assert_eq!(
        log.iter().rev().map(|d| d.status).collect::<Vec<_>>(),
        [200, 415, 400],
        "every delivery is logged; 401s and 404s are not (they are counted)"
    );
    let malformed = store.delivery(malformed_id).await.unwrap().unwrap();
    assert_eq!(malformed.body.as_deref(), Some(&b"{\"alerts\": 7}"[..]));
    for record in &log {
        let full = store.delivery(record.id).await.unwrap().unwrap();
        if matches!(full.status, 401 | 413) {
            assert_eq!(
                full.body, None,
                "no body kept for a {} delivery",
                full.status
            );
        }
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_while_reading_and_not_kept() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let app = app(Arc::clone(&store));
    // Over the limit with no Content-Length: stopped while reading.
    let big = post(
        "/integrations/keyed?x-api-key=s3cret",
        "application/json",
        vec![b' '; 10_000],
    );
    let (status, body) = call(&app, big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("exceeds the limit of 4096 bytes"),
        "{body}"
    );
    // A declared Content-Length over the limit is refused before reading anything (once the
    // key is right: a wrong key is refused first, see the next assertion).
    let declared = Request::post("/integrations/keyed?x-api-key=s3cret")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "1000000000")
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(declared).await.unwrap();
    assert_eq!(
        response.headers()[header::CONNECTION],
        "close",
        "the body was not read"
    );
    let status = response.status();
    let body: Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        body["error"],
        "prometheus-v3: payload of 1000000000 bytes exceeds the limit of 4096 bytes"
    );
    let wrong_key = Request::post("/integrations/keyed?x-api-key=guess")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "1000000000")
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(wrong_key).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()[header::CONNECTION],
        "close",
        "the body was not read"
    );

    let log = store.deliveries(None, 10).await.unwrap();
    assert_eq!(log.iter().map(|d| d.status).collect::<Vec<_>>(), [413, 413]);
    assert_eq!(log[0].body_bytes, 1_000_000_000, "the declared size");
    for record in &log {
        let full = store.delivery(record.id).await.unwrap().unwrap();
        assert_eq!(full.body, None);
    }
}

#[tokio::test]
async fn listing_queries_are_validated() {
    let app = app(Arc::new(MemoryStore::new()));
    for _ in 0..3 {
        let request = post(
            "/integrations/keyed?x-api-key=s3cret",
            "application/json",
            b"{}".to_vec(),
        );
        assert_eq!(call(&app, request).await.0, StatusCode::BAD_REQUEST);
    }
    let (status, body) = call(&app, get("/alerts?status=pending")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("unknown status \"pending\"")
    );
    let (status, _) = call(&app, get("/alerts?colour=red")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = call(&app, get("/deliveries?instance=keyed&limit=2")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["deliveries"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn healthz_and_metrics() {
    let app = app(Arc::new(MemoryStore::new()));
    let (status, body) = call(&app, get("/healthz")).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, serde_json::json!({"status": "ok"}))
    );
    call(
        &app,
        post(
            "/integrations/am",
            "application/json",
            fixture("single-firing.json"),
        ),
    )
    .await;
    call(
        &app,
        post("/integrations/am", "application/json", b"[".to_vec()),
    )
    .await;
    call(
        &app,
        post("/integrations/x", "application/json", b"{}".to_vec()),
    )
    .await;
    let response = app.clone().oneshot(get("/metrics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let text = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    for line in [
        r#"pagerhook_deliveries_total{instance="am",outcome="accepted"} 1"#,
        r#"pagerhook_deliveries_total{instance="am",outcome="invalid"} 1"#,
        r#"pagerhook_rejected_requests_total{instance="",reason="unknown_instance"} 1"#,
        r#"pagerhook_events_total{instance="am",action="create"} 1"#,
        r#"pagerhook_transitions_total{instance="am",transition="opened"} 1"#,
        r#"pagerhook_unresolved_alerts{instance="am",status="open"} 1"#,
        r#"pagerhook_unresolved_alerts{instance="keyed",status="open"} 0"#,
        r#"pagerhook_request_duration_seconds_count{instance="am"} 2"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    assert!(text.ends_with("# EOF\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_deliveries_for_one_group_open_one_alert() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("p.db")).unwrap());
    let app = app(Arc::clone(&store));
    let body = fixture("group-mixed-firing.json");
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let app = app.clone();
            let body = body.clone();
            tokio::spawn(async move {
                call(&app, post("/integrations/am", "application/json", body)).await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().0, StatusCode::OK);
    }
    let (_, body) = call(&app, get("/alerts")).await;
    let alerts = body["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{body}");
    assert_eq!(alerts[0]["dedup_count"], 64);
    store.close().await.unwrap();
}

#[test]
fn bad_configurations_say_what_is_wrong() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let config = |text: &str| ServeConfig::from_toml(text, Path::new("/srv"));
    assert!(
        config("listen = \"nowhere\"")
            .unwrap_err()
            .contains("invalid socket address"),
    );
    assert!(
        config("store = \"redis:x\"")
            .unwrap_err()
            .contains("expected \"memory\" or \"sqlite:PATH\"")
    );
    assert!(
        config("[[instances]]\nname = \"a\"\nintegration = \"prometheus-v3\"\ncolour = 1")
            .unwrap_err()
            .contains("unknown field `colour`")
    );
    let relative = config("store = \"sqlite:data/p.db\"").unwrap();
    assert_eq!(
        relative.store,
        pager_server::config::StoreLocation::Sqlite("/srv/data/p.db".into())
    );

    let build = |text: &str| {
        Receiver::from_config(
            &pager_integrations::registry(),
            &config(text).unwrap().instances,
            Arc::clone(&store),
        )
    };
    let two = "[[instances]]\nname = \"a\"\nintegration = \"prometheus-v3\"\n";
    assert!(matches!(
        build(&format!("{two}{two}")),
        Err(ReceiverError::DuplicateName(name)) if name == "a"
    ));
    assert!(matches!(
        build("[[instances]]\nname = \"a/b\"\nintegration = \"prometheus-v3\""),
        Err(ReceiverError::InvalidName(_))
    ));
    let unknown = build("[[instances]]\nname = \"a\"\nintegration = \"nagios\"").unwrap_err();
    assert!(
        unknown
            .to_string()
            .starts_with("instance \"a\": unknown integration \"nagios\""),
        "{unknown}"
    );
    let bad_option = build(
        "[[instances]]\nname = \"a\"\nintegration = \"prometheus-v3\"\noptions = { grouping = \"none\" }",
    )
    .unwrap_err();
    assert!(bad_option.to_string().contains("grouping"), "{bad_option}");
}

#[test]
fn the_example_configuration_builds() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("serve.example.toml");
    let config = ServeConfig::from_file(&path).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:9000");
    assert_eq!(
        config.store,
        pager_server::config::StoreLocation::Sqlite(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("pagerhook.db")
        )
    );
    let receiver = Receiver::from_config(
        &pager_integrations::registry(),
        &config.instances,
        Arc::new(MemoryStore::new()),
    )
    .unwrap();
    assert_eq!(
        receiver.instance_names().collect::<Vec<_>>(),
        ["alertmanager", "alertmanager-alerts"]
    );
}

#[tokio::test]
async fn no_secret_reaches_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("p.db")).unwrap());
    let app = app(Arc::clone(&store) as Arc<dyn Store>);
    let single = fixture("single-firing.json");
    for uri in [
        "/integrations/keyed?x-api-key=s3cret",
        "/integrations/keyed?x-api-key=s3cret-guess",
    ] {
        let request = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, "Bearer bearer-s3cret")
            .body(Body::from(single.clone()))
            .unwrap();
        call(&app, request).await;
    }
    assert_eq!(
        store.deliveries(None, 10).await.unwrap().len(),
        1,
        "the 401 is not logged"
    );
    store.close().await.unwrap();
    let mut files = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(6).any(|w| w == b"s3cret"),
            "a secret was written to the store's files"
        );
        files += 1;
    }
    assert!(files >= 1);
}

#[test]
fn configuration_errors_name_the_place_but_never_quote_a_secret() {
    let text = "[[instances]]\nname = \"a\"\nintegration = \"prometheus-v3\"\n\
                auth = { api_key = \"TOPSECRET\", bogus = 1 }\n";
    let err = ServeConfig::from_toml(text, Path::new(".")).unwrap_err();
    assert!(
        err.starts_with("line 4, column 33, at instances[0].auth.bogus: unknown field `bogus`"),
        "{err}"
    );
    assert!(!err.contains("TOPSECRET"), "{err}");
}

#[tokio::test]
async fn unauthorized_and_unknown_are_counted_not_logged() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let app = app_with(
        "[[instances]]\nname = \"signed\"\nintegration = \"prometheus-v3\"\n\
         auth = { hmac = { secret = \"hmac-s3cret\", header = \"X-Signature\" } }\n\
         [api]\ntokens = [\"tok\"]",
        Arc::clone(&store),
    );
    let single = fixture("single-firing.json");
    for uri in [
        "/integrations/keyed",
        "/integrations/keyed?x-api-key=guess",
        "/integrations/signed",
        "/integrations/nope",
        "/integrations/nope-2",
    ] {
        let response = app
            .clone()
            .oneshot(post(uri, "application/json", single.clone()))
            .await
            .unwrap();
        let expected = if uri.contains("nope") {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(response.status(), expected, "{uri}");
    }
    let (status, _) = call(&app, get_from("/alerts", "10.0.0.1:1")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        store.deliveries(None, 100).await.unwrap().is_empty(),
        "no delivery row for a 401 or a 404"
    );
    let (_, text) = call(&app, with_auth(get("/metrics"), "Bearer tok")).await;
    let text = text.as_str().unwrap();
    for line in [
        r#"pagerhook_rejected_requests_total{instance="keyed",reason="unauthorized"} 2"#,
        r#"pagerhook_rejected_requests_total{instance="signed",reason="unauthorized"} 1"#,
        r#"pagerhook_rejected_requests_total{instance="",reason="unknown_instance"} 2"#,
        r#"pagerhook_rejected_requests_total{instance="",reason="api_unauthorized"} 1"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    assert!(!text.contains("outcome=\"unauthorized\""), "{text}");
}

#[test]
fn a_value_of_the_wrong_type_is_never_quoted() {
    let text = "[[instances]]\nname = \"a\"\nintegration = \"prometheus-v3\"\n\
                auth = { basic = \"admin:S3CRET\" }\n";
    let err = ServeConfig::from_toml(text, Path::new(".")).unwrap_err();
    assert!(!err.contains("S3CRET"), "{err}");
    assert!(
        err.contains("at instances[0].auth.basic: invalid type: string, expected "),
        "{err}"
    );
    for (text, key) in [
        ("[api]\ntokens = \"tok-S3CRET\"", "api.tokens"),
        ("[api]\ntokens = [7, \"S3CRET, expected x\"]", "api.tokens"),
        (
            "[[instances]]\nname = \"a\"\nintegration = \"prometheus-v3\"\n\
             auth = { hmac = { secret = \"S3CRET\", header = \"X-Sig\", encoding = \"S3CRET\" } }",
            "instances[0].auth.hmac.encoding",
        ),
    ] {
        let err = ServeConfig::from_toml(text, Path::new(".")).unwrap_err();
        assert!(!err.contains("S3CRET"), "{err}");
        assert!(err.contains(key), "{err}");
    }
}
