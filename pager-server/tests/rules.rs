#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Rules in the receiver: configured as `[[instances.rules]]`, run on every delivery, what they
//! drop and where they fail counted in `/metrics` and noted in the delivery log.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use pager_server::Receiver;
use pager_server::config::ServeConfig;
use pager_server::store::{MemoryStore, SqliteStore, Store};
use serde_json::Value;
use tower::ServiceExt;

const CONFIG: &str = r#"
store = "memory"

[[instances]]
name = "am"
integration = "prometheus-v3"
options = { grouping = "alert" }
dedup_key = "{{ instance }}/{{ alert.labels.alertname }}/{{ alert.labels.instance | default('-') }}"

[[instances.rules]]
if = "alert.labels.severity == 'none'"
drop = true

[[instances.rules]]
set = { urgency = "{{ alert.labels.severety }}" }

[[instances.rules]]
set = { title = "{{ event.title }} [{{ payload.receiver }}]", tags = ["team:{{ alert.labels.team | default('none') }}"] }
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

async fn call(app: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn post(body: Vec<u8>) -> Request<Body> {
    Request::post("/integrations/am")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap()
}

fn get(uri: &str) -> Request<Body> {
    let mut request = Request::get(uri).body(Body::empty()).unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40000,
        ))));
    request
}

/// A two-alert notification: one with `severity = "none"` (dropped by rule 0), one without.
fn two_alerts() -> Vec<u8> {
    let mut body: Value = serde_json::from_slice(&fixture("single-firing.json")).unwrap();
    let first = body["alerts"][0].clone();
    let mut watchdog = first.clone();
    watchdog["labels"]["alertname"] = "Watchdog".into();
    watchdog["labels"]["severity"] = "none".into();
    watchdog["fingerprint"] = "00000000000000ff".into();
    body["alerts"] = Value::Array(vec![first, watchdog]);
    serde_json::to_vec(&body).unwrap()
}

async fn rule_failures_are_counted_and_noted(store: Arc<dyn Store>) {
    let app = app(Arc::clone(&store));
    let (status, _) = call(&app, post(two_alerts())).await;
    assert_eq!(status, StatusCode::OK);

    // The kept event: the dedup_key option and rule 2 applied; rule 1 (a typo) failed.
    let (_, alerts) = call(&app, get("/alerts")).await;
    let alerts: Value = serde_json::from_str(&alerts).unwrap();
    let alerts = alerts["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(
        alerts[0]["thirdparty_id"],
        "am/InstanceDown/db-1.example:9100"
    );
    assert!(
        alerts[0]["title"]
            .as_str()
            .unwrap()
            .ends_with(" [wh\\.basic]"),
        "{alerts:?}"
    );

    let (_, metrics) = call(&app, get("/metrics")).await;
    assert!(
        metrics.contains("pagerhook_rule_failures_total{instance=\"am\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("pagerhook_rule_dropped_total{instance=\"am\"} 1"),
        "{metrics}"
    );

    let (_, deliveries) = call(&app, get("/deliveries")).await;
    let deliveries: Value = serde_json::from_str(&deliveries).unwrap();
    let notes = deliveries["deliveries"][0]["notes"].as_str().unwrap();
    assert!(
        notes.starts_with(
            "rules dropped 1 event\nrule failed: event 0: rules[1].set.urgency: undefined value"
        ),
        "{notes}"
    );
    assert_eq!(deliveries["deliveries"][0]["event_count"], 1);
}

#[tokio::test]
async fn memory_rule_failures_are_counted_and_noted() {
    rule_failures_are_counted_and_noted(Arc::new(MemoryStore::new())).await;
}

#[tokio::test]
async fn sqlite_rule_failures_are_counted_and_noted() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("p.db")).unwrap();
    rule_failures_are_counted_and_noted(Arc::new(store)).await;
}

#[test]
fn a_rule_that_does_not_compile_names_the_instance_rule_and_position() {
    let config = ServeConfig::from_toml(
        "[[instances]]\nname = \"am\"\nintegration = \"prometheus-v3\"\n\
         [[instances.rules]]\nif = \"payload.status ==\"\ndrop = true\n",
        Path::new("."),
    )
    .unwrap();
    let err = Receiver::from_config(
        &pager_integrations::registry(),
        &config.instances,
        Arc::new(MemoryStore::new()),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "instance \"am\": prometheus-v3: invalid configuration at rules[0].if: syntax error: \
         unexpected end of input, expected expression at line 1, column 16"
    );
    let unknown = ServeConfig::from_toml(
        "[[instances]]\nname = \"am\"\nintegration = \"prometheus-v3\"\n\
         [[instances.rules]]\nwhen = \"true\"\n",
        Path::new("."),
    )
    .unwrap_err();
    assert!(unknown.contains("unknown field `when`"), "{unknown}");
}

/// The README's Rules examples: they parse, build, and run on the vendors' fixtures without a
/// rule failure.
#[tokio::test]
async fn the_readme_rule_examples_build_and_run_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = readme
        .split("\n## Rules: ")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let toml: String = section
        .split("```toml\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap())
        .collect();
    assert_eq!(toml.matches("[[instances]]").count(), 3, "{toml}");
    let config =
        ServeConfig::from_toml(&format!("store = \"memory\"\n{toml}"), Path::new(".")).unwrap();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let app = Receiver::from_config(
        &pager_integrations::registry(),
        &config.instances,
        Arc::clone(&store),
    )
    .unwrap()
    .router();
    for (instance, fixture) in [
        ("am", "prometheus-v3/group-mixed-firing.json"),
        ("grafana", "grafana/documented-example.json"),
        ("datadog", "datadog/triggered.json"),
        ("datadog", "datadog/warn.json"),
    ] {
        let body = std::fs::read(root.join("fixtures").join(fixture)).unwrap();
        let request = Request::post(format!("/integrations/{instance}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let (status, text) = call(&app, request).await;
        assert_eq!(status, StatusCode::OK, "{fixture}: {text}");
        let log = store.deliveries(Some(instance), 1).await.unwrap();
        assert_eq!(log[0].notes, None, "{fixture}");
        assert!(log[0].event_count > 0, "{fixture}");
    }
    let (_, alerts) = call(&app, get("/alerts?instance=datadog")).await;
    let alerts: Value = serde_json::from_str(&alerts).unwrap();
    let statuses: Vec<_> = alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["thirdparty_id"].as_str().unwrap(),
                a["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("datadog/98765432/ip-012345", "open")),
        "{statuses:?}"
    );
}
