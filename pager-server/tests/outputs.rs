#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Outputs against a real HTTP sink on 127.0.0.1 (an axum server this file starts, which
//! records what it receives and answers as each test scripts it): retries with one
//! `webhook-id` and valid signatures, failures that stop at once and can be retried from the
//! API, timeouts, the order of an alert's messages, raw relays, and secrets kept out of sight.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode, Uri, header};
use axum::response::IntoResponse;
use base64::Engine;
use hmac::{Hmac, Mac};
use http_body_util::BodyExt;
use pager_core::auth::Secret;
use pager_server::Receiver;
use pager_server::config::ApiConfig;
use pager_server::outputs::{BodyKind, OutputConfig, OutputUrl, Trigger};
use pager_server::store::{MemoryStore, SqliteStore, Store};
use serde_json::{Value, json};
use sha2::Sha256;
use tower::ServiceExt;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TOKEN: &str = "t-admin";

/// What the sink answers, in turn; after the script, 200.
#[derive(Debug, Clone)]
enum Reply {
    Status(u16),
    /// This status with this `Retry-After`.
    RetryAfter(u16, &'static str),
    /// Waits this long, then 200.
    Slow(Duration),
}

/// One request the sink received.
#[derive(Debug, Clone)]
struct Received {
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    /// What the sink answered.
    status: u16,
    /// When it arrived.
    at: std::time::Instant,
}

#[derive(Default)]
struct SinkState {
    script: Mutex<VecDeque<Reply>>,
    /// How many times each `alert.opened` message is answered 503 before it is accepted.
    refuse_opened: Mutex<usize>,
    /// Answer 404 with the request's path, query and headers, as some frameworks' error pages do.
    echo: Mutex<bool>,
    received: Mutex<Vec<Received>>,
}

struct Sink {
    state: Arc<SinkState>,
    port: u16,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Sink {
    async fn start(script: impl IntoIterator<Item = Reply>) -> Self {
        let state = Arc::new(SinkState::default());
        state.script.lock().unwrap().extend(script);
        let shared = Arc::clone(&state);
        let app = Router::new().fallback(move |request: Request<Body>| {
            let state = Arc::clone(&shared);
            async move {
                let (parts, body) = request.into_parts();
                let body = body.collect().await.unwrap().to_bytes();
                let id = parts.headers.get("webhook-id").cloned();
                let refused = {
                    let refuse = *state.refuse_opened.lock().unwrap();
                    let opened = serde_json::from_slice::<Value>(&body)
                        .is_ok_and(|v| v["type"] == "alert.opened");
                    let earlier = state
                        .received
                        .lock()
                        .unwrap()
                        .iter()
                        .filter(|r| r.headers.get("webhook-id") == id.as_ref())
                        .count();
                    opened && earlier < refuse
                };
                if *state.echo.lock().unwrap() {
                    // Padded so that the path straddles the 256 bytes pagerhook keeps.
                    let echo = format!(
                        "Cannot POST {} {} ({:?})",
                        ".".repeat(220),
                        parts.uri,
                        parts.headers.get("x-token")
                    );
                    state.received.lock().unwrap().push(Received {
                        uri: parts.uri,
                        headers: parts.headers,
                        body,
                        status: 404,
                        at: std::time::Instant::now(),
                    });
                    return (StatusCode::NOT_FOUND, echo).into_response();
                }
                let reply = if refused {
                    Some(Reply::Status(503))
                } else {
                    state.script.lock().unwrap().pop_front()
                };
                let mut retry_after = None;
                let status = match reply {
                    Some(Reply::Status(status)) => status,
                    Some(Reply::RetryAfter(status, after)) => {
                        retry_after = Some(after);
                        status
                    }
                    Some(Reply::Slow(delay)) => {
                        tokio::time::sleep(delay).await;
                        200
                    }
                    None => 200,
                };
                state.received.lock().unwrap().push(Received {
                    uri: parts.uri,
                    headers: parts.headers,
                    body,
                    status,
                    at: std::time::Instant::now(),
                });
                let mut response = StatusCode::from_u16(status).unwrap().into_response();
                if let Some(after) = retry_after {
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, after.parse().unwrap());
                }
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            state,
            port,
            server,
        }
    }

    fn url(&self, path_and_query: &str) -> OutputUrl {
        OutputUrl::parse(&format!("http://127.0.0.1:{}{path_and_query}", self.port)).unwrap()
    }

    fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Waits (at most 20 s) until `done` holds for what was received.
    async fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the sink did not get {what} within 20 s; it got {} requests: {:#?}",
                received.len(),
                received
                    .iter()
                    .map(|r| (&r.uri, r.status))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// Whether `webhook-signature` is the Standard Webhooks signature of this request with
    /// [`SECRET`].
    fn signature_is_valid(&self) -> bool {
        let key = base64::engine::general_purpose::STANDARD
            .decode(SECRET.trim_start_matches("whsec_"))
            .unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(
            format!(
                "{}.{}.",
                self.header("webhook-id"),
                self.header("webhook-timestamp")
            )
            .as_bytes(),
        );
        mac.update(&self.body);
        let expected = format!(
            "v1,{}",
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        );
        self.header("webhook-signature") == expected
    }
}

/// A receiver with one `webhook` instance `hooks` and `outputs`, its router, and its running
/// dispatcher (stopped when dropped with the runtime).
struct Host {
    app: Router,
    store: Arc<dyn Store>,
    receiver: Receiver,
    dispatcher: Mutex<Option<pager_server::outputs::Dispatcher>>,
}

/// Takes the host's running dispatcher (to stop it).
fn host_dispatcher(host: &Host) -> pager_server::outputs::Dispatcher {
    host.dispatcher.lock().unwrap().take().unwrap()
}

impl Host {
    fn start(outputs: Vec<OutputConfig>) -> Self {
        Self::start_with(Arc::new(MemoryStore::new()), outputs)
    }

    fn start_with(store: Arc<dyn Store>, outputs: Vec<OutputConfig>) -> Self {
        let instance = pager_integrations::registry()
            .build("webhook", &Value::Null)
            .unwrap();
        let receiver = Receiver::new(Arc::clone(&store))
            .with_instance("hooks", instance)
            .unwrap()
            .with_api(ApiConfig::new().with_token(Secret::new(TOKEN)))
            .with_outputs(outputs)
            .unwrap();
        let dispatcher = receiver.spawn_outputs().unwrap();
        Self {
            app: receiver.clone().router(),
            store,
            receiver,
            dispatcher: Mutex::new(Some(dispatcher)),
        }
    }

    /// Starts the outputs' workers again.
    fn receiver_outputs(
        &self,
    ) -> Result<pager_server::outputs::Dispatcher, pager_server::outputs::DispatchError> {
        self.receiver.spawn_outputs()
    }

    async fn call(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    async fn post(&self, body: impl Into<Body>) -> Value {
        let request = Request::post("/integrations/hooks")
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.into())
            .unwrap();
        let (status, answer) = self.call(request).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer
    }

    async fn admin(&self, method: &str, uri: &str) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap();
        self.call(request).await
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

    /// Waits (at most 20 s) until the output's messages in `status` number `count`.
    async fn wait_for_messages(&self, output: &str, status: &str, count: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let (_, page) = self
                .admin(
                    "GET",
                    &format!("/outputs/{output}/messages?status={status}&limit=1000"),
                )
                .await;
            let messages = page["messages"].as_array().cloned().unwrap_or_default();
            if messages.len() == count {
                return messages;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{output}: expected {count} {status} messages within 20 s, have {page}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn create(id: &str) -> String {
    json!({"event_type": "create", "id": id, "title": format!("{id} is down")}).to_string()
}

fn resolve(id: &str) -> String {
    json!({"event_type": "resolve", "id": id}).to_string()
}

/// One second between attempts at most, so retries happen within a test.
fn fast(output: OutputConfig) -> OutputConfig {
    output.with_retries(15, 1, 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_answered_500_twice_arrives_again_with_its_id_and_a_valid_signature() {
    let sink = Sink::start([Reply::Status(500), Reply::Status(503)]).await;
    let output = fast(OutputConfig::new(
        "sink",
        sink.url("/hook?x-api-key=k-1"),
        [Trigger::Opened],
    ))
    .with_secret(pager_server::outputs::SigningSecret::parse(SECRET).unwrap())
    .with_header("X-Team", "payments");
    let host = Host::start(vec![output]);
    let answer = host.post(create("db-1")).await;
    let alert_id = answer["results"][0]["alert_id"].as_i64().unwrap();

    let received = sink
        .wait_for("three attempts, the last answered 200", |r| {
            r.iter().any(|r| r.status == 200)
        })
        .await;
    assert_eq!(
        received.iter().map(|r| r.status).collect::<Vec<_>>(),
        [500, 503, 200]
    );
    let id = received[0].header("webhook-id");
    assert!(
        id.starts_with("evt_") && id.ends_with(&format!("_{}_0", answer["delivery_id"])),
        "evt_<store prefix>_<delivery>_<index>: {id}"
    );
    for attempt in &received {
        assert_eq!(attempt.header("webhook-id"), id, "one idempotency key");
        assert!(attempt.signature_is_valid(), "{:?}", attempt.headers);
        assert_eq!(attempt.body, received[0].body, "the same body every time");
        assert_eq!(attempt.header("content-type"), "application/json");
        assert_eq!(attempt.header("x-team"), "payments");
        assert_eq!(attempt.uri.query(), Some("x-api-key=k-1"));
        assert!(attempt.header("user-agent").starts_with("pagerhook/"));
    }
    let envelope = received[2].json();
    assert_eq!(envelope["type"], "alert.opened");
    assert_eq!(envelope["id"], id);
    assert_eq!(envelope["alert"]["id"], alert_id);
    assert_eq!(envelope["event"]["title"], "db-1 is down");

    let delivered = host.wait_for_messages("sink", "delivered", 1).await;
    assert_eq!(delivered[0]["attempts"], 3);
    assert_eq!(delivered[0]["last_status_code"], 200);
    let metrics = host.metrics().await;
    assert!(
        metrics.contains(r#"pagerhook_output_attempts_total{output="sink",outcome="retrying"} 2"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"pagerhook_output_attempts_total{output="sink",outcome="delivered"} 1"#)
    );
    assert!(metrics.contains(r#"pagerhook_output_messages{output="sink",status="pending"} 0"#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_410_fails_at_once_stays_visible_and_can_be_retried_from_the_api() {
    let sink = Sink::start([Reply::Status(410)]).await;
    let host = Host::start(vec![fast(OutputConfig::new(
        "sink",
        sink.url("/gone"),
        [Trigger::Opened],
    ))]);
    host.post(create("db-1")).await;
    let failed = host.wait_for_messages("sink", "failed", 1).await;
    assert_eq!(failed[0]["attempts"], 1, "not retried");
    assert_eq!(failed[0]["last_status_code"], 410);
    assert_eq!(failed[0]["last_error"], "HTTP 410 Gone");
    assert_eq!(failed[0]["type"], "alert.opened");
    let (_, outputs) = host.admin("GET", "/outputs").await;
    assert_eq!(outputs["outputs"][0]["failed"], 1, "{outputs}");
    assert_eq!(
        outputs["outputs"][0]["last_error"]["error"],
        "HTTP 410 Gone"
    );
    // Still failed a while later: nothing retried it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.received().len(), 1);

    let id = failed[0]["id"].as_i64().unwrap();
    let (status, answer) = host
        .admin("POST", &format!("/outputs/sink/messages/{id}/retry"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["message"]["status"], "pending");
    sink.wait_for("the retried message", |r| r.len() == 2).await;
    host.wait_for_messages("sink", "delivered", 1).await;
    let (status, _) = host
        .admin("POST", &format!("/outputs/sink/messages/{id}/retry"))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a delivered message is not retried"
    );
    let (status, _) = host.admin("POST", "/outputs/nope/messages/1/retry").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = host
        .admin("GET", "/outputs/sink/messages?status=lost")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The admin routes need the token.
    let (status, _) = host
        .call(Request::get("/outputs").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = host
        .call(
            Request::post(format!("/outputs/sink/messages/{id}/retry"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_slower_than_the_timeout_is_retried() {
    let sink = Sink::start([Reply::Slow(Duration::from_secs(3))]).await;
    let host = Host::start(vec![fast(
        OutputConfig::new("sink", sink.url("/slow"), [Trigger::Opened]).with_timeout_seconds(1),
    )]);
    host.post(create("db-1")).await;
    let delivered = host.wait_for_messages("sink", "delivered", 1).await;
    assert_eq!(delivered[0]["attempts"], 2, "{delivered:?}");
    let (_, outputs) = host.admin("GET", "/outputs").await;
    assert_eq!(
        outputs["outputs"][0]["last_error"]["error"], "timed out after 1 s",
        "{outputs}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alerts_messages_arrive_in_order_under_concurrent_deliveries_and_failures() {
    in_order(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alerts_messages_arrive_in_order_with_the_sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("pagerhook.db")).unwrap();
    in_order(Arc::new(store)).await;
}

async fn in_order(store: Arc<dyn Store>) {
    let sink = Sink::start([]).await;
    // Every opened message is refused twice before it is accepted: its resolve is queued long
    // before then, and must wait.
    *sink.state.refuse_opened.lock().unwrap() = 2;
    let keys: Vec<String> = (0..12).map(|i| format!("svc-{i}")).collect();
    let host = Arc::new(Host::start_with(
        store,
        vec![fast(
            OutputConfig::new(
                "sink",
                sink.url("/ordered"),
                [Trigger::Opened, Trigger::Deduplicated, Trigger::Resolved],
            )
            .with_concurrency(8),
        )],
    ));
    let mut posts = tokio::task::JoinSet::new();
    for key in &keys {
        let host = Arc::clone(&host);
        let key = key.clone();
        posts.spawn(async move {
            host.post(create(&key)).await;
            host.post(create(&key)).await;
            host.post(resolve(&key)).await;
        });
    }
    while let Some(done) = posts.join_next().await {
        done.unwrap();
    }
    let accepted = |received: &[Received]| {
        received
            .iter()
            .filter(|r| r.status == 200)
            .map(Received::json)
            .collect::<Vec<_>>()
    };
    let received = sink
        .wait_for("three accepted messages per alert", |r| {
            accepted(r).len() == keys.len() * 3
        })
        .await;
    let mut by_alert: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for envelope in accepted(&received) {
        by_alert
            .entry(
                envelope["alert"]["thirdparty_id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
            .or_default()
            .push(envelope["type"].as_str().unwrap().to_owned());
    }
    assert_eq!(by_alert.len(), keys.len());
    for (key, types) in &by_alert {
        assert_eq!(
            types,
            &["alert.opened", "alert.deduplicated", "alert.resolved"],
            "{key}"
        );
    }
    // The failures were real: each open was refused twice before it was accepted.
    assert_eq!(
        received.iter().filter(|r| r.status == 503).count(),
        keys.len() * 2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raw_relay_sends_the_delivery_byte_for_byte_with_its_content_type() {
    let sink = Sink::start([]).await;
    let host = Host::start(vec![
        OutputConfig::new("relay", sink.url("/relay"), [Trigger::Delivery])
            .with_body(BodyKind::Raw),
        OutputConfig::new("summary", sink.url("/summary"), [Trigger::Delivery]),
    ]);
    // Odd spacing, key order and escapes: any re-serialization would show.
    let body = "[ {\"id\":\"a\" , \"event_type\":\"create\",\"title\":\"caf\\u00e9 \u{1F525}\"},\n\t{\"event_type\":\"other\",\"id\":\"b\"} ]";
    let request = Request::post("/integrations/hooks")
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(body))
        .unwrap();
    let (status, answer) = host.call(request).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let received = sink.wait_for("both messages", |r| r.len() == 2).await;
    let relayed = received.iter().find(|r| r.uri.path() == "/relay").unwrap();
    assert_eq!(relayed.body.as_ref(), body.as_bytes());
    assert_eq!(
        relayed.header("content-type"),
        "application/json; charset=utf-8"
    );
    let id = relayed.header("webhook-id");
    assert!(
        id.starts_with("dlv_") && id.ends_with(&format!("_{}", answer["delivery_id"])),
        "{id}"
    );
    assert!(
        relayed.headers.get("webhook-signature").is_none(),
        "no secret, no signature"
    );
    let summary = received
        .iter()
        .find(|r| r.uri.path() == "/summary")
        .unwrap()
        .json();
    assert_eq!(summary["type"], "delivery.received");
    assert_eq!(summary["events"].as_array().unwrap().len(), 2);
    assert_eq!(summary["results"][0]["transition"], "opened");
    assert_eq!(summary["results"][1]["transition"], "ignored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_in_the_url_headers_and_signing_secret_stay_out_of_the_api_and_errors() {
    // Nothing listens on this port: every attempt fails to connect.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let output = fast(OutputConfig::new(
        "down",
        OutputUrl::parse(&format!(
            "http://user:pw-SECRET@127.0.0.1:{closed}/p-SECRET?x-api-key=q-SECRET"
        ))
        .unwrap(),
        [Trigger::Opened],
    ))
    .with_secret(pager_server::outputs::SigningSecret::parse(SECRET).unwrap())
    .with_header("Authorization", "Bearer h-SECRET");
    assert!(!format!("{output:?}").contains("SECRET"), "{output:?}");
    assert!(!format!("{output:?}").contains("MfKQ9r8"), "{output:?}");
    let host = Host::start(vec![output]);
    host.post(create("db-1")).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let outputs = loop {
        let (_, outputs) = host.admin("GET", "/outputs").await;
        if !outputs["outputs"][0]["last_error"].is_null() {
            break outputs;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no attempt failed: {outputs}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let (_, messages) = host.admin("GET", "/outputs/down/messages").await;
    let metrics = host.metrics().await;
    for text in [outputs.to_string(), messages.to_string(), metrics] {
        assert!(!text.contains("SECRET"), "{text}");
        assert!(!text.contains("MfKQ9r8"), "{text}");
    }
    assert_eq!(
        outputs["outputs"][0]["url"],
        format!("http://127.0.0.1:{closed}/…")
    );
    assert_eq!(outputs["outputs"][0]["signed"], true);
    let error = outputs["outputs"][0]["last_error"]["error"]
        .as_str()
        .unwrap();
    assert!(error.starts_with("could not connect"), "{error}");
    assert_eq!(
        messages["messages"][0]["status"], "pending",
        "a connection error is retried"
    );
    // The store's readable columns hold the output's name, never its URL.
    let listed = host
        .store
        .messages(&pager_server::store::MessageFilter::new())
        .await
        .unwrap();
    assert!(!format!("{listed:?}").contains("SECRET"));
}

/// `[[outputs]]` in the serve configuration: defaults, and errors that name the entry and key
/// without quoting a URL, header value or secret.
#[test]
fn outputs_in_the_configuration_file() {
    use pager_server::config::ServeConfig;
    use std::path::Path;
    let instances = "[[instances]]\nname = \"am\"\nintegration = \"prometheus-v3\"\n";
    let config = ServeConfig::from_toml(
        &format!(
            "{instances}[[outputs]]\nname = \"wf\"\nurl = \"https://connect.example/wf?x-api-key=S3CRET\"\n\
             on = [\"delivery\"]\nbody = \"raw\"\ninstances = [\"am\"]\n\
             headers = {{ \"X-Team\" = \"S3CRET-h\" }}\nsecret = \"{SECRET}\"\n"
        ),
        Path::new("."),
    )
    .unwrap();
    let output = &config.outputs[0];
    assert_eq!(output.body, BodyKind::Raw);
    assert_eq!(
        (
            output.timeout_seconds,
            output.max_attempts,
            output.retry_initial_seconds
        ),
        (10, 15, 5)
    );
    assert_eq!((output.retry_max_seconds, output.concurrency), (3600, 4));
    assert_eq!(output.max_pending, 100_000);
    let shown = format!("{config:?}");
    assert!(
        !shown.contains("S3CRET") && !shown.contains("MfKQ9r8"),
        "{shown}"
    );

    for (entry, expected) in [
        (
            "url = \"ftp://S3CRET@h/\"\non = [\"opened\"]",
            "scheme must be http or https",
        ),
        (
            "url = \"http://h/?k=S3CRET\"\non = [\"opened\"]\nsecret = \"S3CRET\"",
            "whsec_",
        ),
        (
            "url = \"http://h/?k=S3CRET\"\non = [\"opened\"]\nsecret = \"whsec_S3CRET!!\"",
            "not valid base64",
        ),
        (
            "url = \"http://h/?k=S3CRET\"\non = [\"opend\"]",
            "unknown variant",
        ),
        ("url = \"http://h/?k=S3CRET\"\non = []", "at outputs[0].on"),
        (
            "url = \"http://h/?k=S3CRET\"\non = [\"opened\"]\ninstances = [\"grafana\"]",
            "no instance named \"grafana\"",
        ),
        (
            "url = \"http://h/?k=S3CRET\"\non = [\"opened\"]\nbody = \"raw\"",
            "at outputs[0].body",
        ),
        (
            "url = \"http://h/?k=S3CRET\"\non = [\"opened\"]\nheaders = { \"Webhook-Id\" = \"S3CRET\" }",
            "set by pagerhook",
        ),
        (
            "url = \"http://h/?k=S3CRET\"\non = [\"opened\"]\nmax_attempts = 0",
            "max_attempts",
        ),
        (
            "url = \"http://h/?k=S3CRET\"\non = [\"opened\"]\nsigned = true",
            "unknown field",
        ),
    ] {
        let text = format!("{instances}[[outputs]]\nname = \"wf\"\n{entry}\n");
        let error = ServeConfig::from_toml(&text, Path::new(".")).unwrap_err();
        assert!(error.contains(expected), "{entry}: {error}");
        assert!(!error.contains("S3CRET"), "{entry}: {error}");
    }
    let twice = format!(
        "{instances}[[outputs]]\nname = \"wf\"\nurl = \"http://h/\"\non = [\"opened\"]\n\
         [[outputs]]\nname = \"wf\"\nurl = \"http://h/\"\non = [\"resolved\"]\n"
    );
    let error = ServeConfig::from_toml(&twice, Path::new(".")).unwrap_err();
    assert!(error.contains("at outputs[1].name"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_waited_for_and_the_last_attempt_gives_up() {
    // 429 asking for 2 s; then 503 with Retry-After: 0, which must not hurry the next attempt
    // past its backoff; max_attempts 3 then gives up.
    let sink = Sink::start([
        Reply::RetryAfter(429, "2"),
        Reply::RetryAfter(503, "0"),
        Reply::Status(503),
    ])
    .await;
    let host = Host::start(vec![
        OutputConfig::new("sink", sink.url("/limited"), [Trigger::Opened]).with_retries(3, 1, 5),
    ]);
    host.post(create("db-1")).await;
    let failed = host.wait_for_messages("sink", "failed", 1).await;
    assert_eq!(failed[0]["attempts"], 3);
    assert_eq!(failed[0]["last_status_code"], 503);
    let error = failed[0]["last_error"].as_str().unwrap();
    assert!(error.ends_with("(gave up after 3 attempts)"), "{error}");
    let received = sink.received();
    assert_eq!(
        received.iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 503, 503]
    );
    let waited = |i: usize| received[i + 1].at.duration_since(received[i].at);
    assert!(
        waited(0) >= Duration::from_millis(1950),
        "Retry-After: 2 was honoured: {:?}",
        waited(0)
    );
    // The second wait is the backoff of attempt 2: between half and all of 2 s.
    assert!(
        waited(1) >= Duration::from_millis(950),
        "Retry-After: 0 kept the backoff: {:?}",
        waited(1)
    );
    let metrics = host.metrics().await;
    assert!(
        metrics.contains(r#"pagerhook_output_attempts_total{output="sink",outcome="failed"} 1"#),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_not_followed_and_fails_the_message() {
    let sink = Sink::start([Reply::Status(307)]).await;
    let host = Host::start(vec![fast(OutputConfig::new(
        "sink",
        sink.url("/moved"),
        [Trigger::Opened],
    ))]);
    host.post(create("db-1")).await;
    let failed = host.wait_for_messages("sink", "failed", 1).await;
    assert_eq!(failed[0]["last_status_code"], 307);
    assert_eq!(sink.received().len(), 1, "not followed, not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_max_pending_messages_are_dropped_and_counted_and_failed_ones_retried_in_bulk() {
    let sink = Sink::start([Reply::Status(410), Reply::Status(410)]).await;
    let host = Host::start(vec![
        fast(OutputConfig::new(
            "sink",
            sink.url("/full"),
            [Trigger::Opened],
        ))
        .with_max_pending(2),
    ]);
    // Stop the worker so that messages pile up, then queue three: the third is dropped.
    let dispatcher = host_dispatcher(&host);
    dispatcher.stop().await;
    for key in ["a", "b", "c"] {
        host.post(create(key)).await;
    }
    let (_, outputs) = host.admin("GET", "/outputs").await;
    assert_eq!(outputs["outputs"][0]["pending"], 2, "{outputs}");
    let error = outputs["outputs"][0]["last_error"]["error"]
        .as_str()
        .unwrap();
    assert!(error.contains("the outbox is full"), "{error}");
    let metrics = host.metrics().await;
    assert!(
        metrics.contains(r#"pagerhook_output_dropped_total{output="sink"} 1"#),
        "{metrics}"
    );

    // Started again (one dispatcher at a time), both are refused (410), then retried in bulk.
    let restarted = host.receiver_outputs().unwrap();
    assert!(
        matches!(
            host.receiver_outputs(),
            Err(pager_server::outputs::DispatchError::AlreadyStarted)
        ),
        "a second dispatcher would send every message twice"
    );
    host.wait_for_messages("sink", "failed", 2).await;
    let (status, answer) = host.admin("POST", "/outputs/sink/messages/retry").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["requeued"], 2);
    host.wait_for_messages("sink", "delivered", 2).await;
    restarted.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_page_echoing_the_request_is_scrubbed() {
    let sink = Sink::start([]).await;
    *sink.state.echo.lock().unwrap() = true;
    let host = Host::start(vec![
        fast(OutputConfig::new(
            "sink",
            sink.url("/p-SECRET/hook?x-api-key=q-SECRET"),
            [Trigger::Opened],
        ))
        .with_header("X-Token", "h-SECRET"),
    ]);
    host.post(create("db-1")).await;
    let failed = host.wait_for_messages("sink", "failed", 1).await;
    let error = failed[0]["last_error"].as_str().unwrap();
    assert!(
        error.starts_with("HTTP 404 Not Found: Cannot POST"),
        "{error}"
    );
    assert!(!error.contains("SECR"), "not even cut: {error}");
    assert!(
        error.contains(".. …"),
        "the path, scrubbed whole before the cut: {error}"
    );
}
