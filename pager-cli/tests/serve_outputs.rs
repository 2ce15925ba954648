//! Outputs (`[[outputs]]`) of `pagerhook serve` as a process: messages queued while the target
//! is down survive a SIGKILL and are sent after the restart, signed, in each alert's order,
//! and no secret of the output's configuration shows in the logs or the API.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod sink;

use pager_testkit::wait_for;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sink::{Received, Sink};

const API_KEY: &str = "k-SECRET-1";
const SIGNING_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// `pagerhook serve`, its stderr in a file; killed (by pid) when dropped.
struct Server {
    child: Child,
    port: u16,
    stderr: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// SIGKILL: no shutdown step runs. Returns what it wrote to stderr.
    fn kill(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        std::fs::read_to_string(&self.stderr).unwrap()
    }
}

/// Starts `pagerhook serve` with `config` (after its `listen` line) on a free port, its stderr
/// in `dir/<log>`, and waits for `/healthz`.
fn start(dir: &Path, config: &str, log: &str) -> Server {
    let port = pager_testkit::free_port();
    let path = dir.join("serve.toml");
    std::fs::write(&path, format!("listen = \"127.0.0.1:{port}\"\n{config}")).unwrap();
    let stderr = dir.join(log);
    let child = Command::new(env!("CARGO_BIN_EXE_pagerhook"))
        .arg("serve")
        .arg("--config")
        .arg(&path)
        .env("RUST_LOG", "info")
        .env_remove("PAGERHOOK_API_TOKEN")
        .stdout(Stdio::null())
        .stderr(File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        port,
        stderr,
    };
    wait_for("pagerhook /healthz", 15, || {
        get_json(&server.url("/healthz")).map(|_| ())
    });
    server
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into()
}

/// The text of a GET answered 200.
fn get_text(url: &str) -> Option<String> {
    let mut response = agent().get(url).call().ok()?;
    if response.status() != 200 {
        return None;
    }
    response.body_mut().read_to_string().ok()
}

fn get_json(url: &str) -> Option<Value> {
    serde_json::from_str(&get_text(url)?).ok()
}

/// An Alertmanager notification (webhook version 4) for the group of one alert, `alertname`.
fn notification(alertname: &str, resolved: bool) -> String {
    let status = if resolved { "resolved" } else { "firing" };
    let labels = json!({"alertname": alertname, "scenario": "durable", "severity": "critical"});
    let annotations = json!({"summary": format!("{alertname} is failing")});
    let fingerprint = alertname
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    json!({
        "receiver": "pagerhook",
        "status": status,
        "alerts": [{
            "status": status,
            "labels": labels,
            "annotations": annotations,
            "startsAt": "2026-11-22T03:43:56.630848176Z",
            "endsAt": if resolved { "2026-11-22T03:50:00Z" } else { "0001-01-01T00:00:00Z" },
            "generatorURL": "http://prometheus.example.com:9090/graph",
            "fingerprint": format!("{fingerprint:016x}"),
        }],
        "groupLabels": {"alertname": alertname},
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": "http://alertmanager.example.com:9093",
        "version": "4",
        "groupKey": group_key(alertname),
        "truncatedAlerts": 0,
    })
    .to_string()
}

fn group_key(alertname: &str) -> String {
    format!("{{}}/{{scenario=\"durable\"}}:{{alertname=\"{alertname}\"}}")
}

/// What one accepted notification should make the output send.
#[derive(Debug)]
struct Expected {
    kind: String,
    alert_id: i64,
    delivery_id: i64,
    group_key: String,
}

/// Posts a notification; returns the message it should queue (`evt_<delivery>_0`, to which the
/// store's prefix is added once known).
fn deliver(server: &Server, alertname: &str, resolved: bool) -> (String, Expected) {
    let mut response = agent()
        .post(&server.url("/integrations/am"))
        .header("Content-Type", "application/json")
        .send(notification(alertname, resolved))
        .unwrap();
    let text = response.body_mut().read_to_string().unwrap();
    assert_eq!(response.status(), 200, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    let delivery_id = answer["delivery_id"].as_i64().unwrap();
    let result = &answer["results"][0];
    let kind = if resolved { "resolved" } else { "opened" };
    assert_eq!(result["transition"], kind, "{answer}");
    (
        format!("evt_{delivery_id}_0"),
        Expected {
            kind: format!("alert.{kind}"),
            alert_id: result["alert_id"].as_i64().unwrap(),
            delivery_id,
            group_key: group_key(alertname),
        },
    )
}

/// The Standard Webhooks signature of a request, as a receiver computes it.
fn signature(id: &str, timestamp: &str, body: &[u8]) -> String {
    let key = STANDARD
        .decode(SIGNING_SECRET.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in [
        API_KEY,
        SIGNING_SECRET,
        SIGNING_SECRET.trim_start_matches("whsec_"),
    ] {
        assert!(!text.contains(secret), "{what} shows a secret: {text}");
    }
}

#[test]
fn messages_queued_while_the_target_is_down_survive_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    // The sink's port, kept free until after the kill: every attempt before it fails.
    let sink_port = pager_testkit::free_port();
    let config = format!(
        r#"store = "sqlite:{db}"
[[instances]]
name = "am"
integration = "prometheus-v3"
[[outputs]]
name = "sink"
url = "http://127.0.0.1:{sink_port}/hook?x-api-key={API_KEY}"
on = ["opened", "resolved"]
secret = "{SIGNING_SECRET}"
retry_initial_seconds = 1
retry_max_seconds = 1
"#,
        db = dir.path().join("pagerhook.db").display()
    );
    let first = start(dir.path(), &config, "first.log");

    // Three groups fire and resolve, interleaved: six messages, two per alert.
    let mut expected = BTreeMap::new();
    for (alertname, resolved) in [
        ("DiskFull", false),
        ("HighLatency", false),
        ("DiskFull", true),
        ("QueueBacklog", false),
        ("HighLatency", true),
        ("QueueBacklog", true),
    ] {
        let (id, message) = deliver(&first, alertname, resolved);
        expected.insert(id, message);
    }
    assert_eq!(expected.len(), 6);
    // Message ids carry the store's own random prefix: `evt_<prefix>_<delivery>_<index>`.
    let listed = get_json(&first.url("/outputs/sink/messages")).unwrap();
    let prefix = listed["messages"][0]["webhook_id"]
        .as_str()
        .unwrap()
        .split('_')
        .nth(1)
        .unwrap()
        .to_owned();
    assert_eq!(prefix.len(), 8, "{listed}");
    let expected: BTreeMap<String, Expected> = expected
        .into_iter()
        .map(|(id, message)| (id.replacen("evt_", &format!("evt_{prefix}_"), 1), message))
        .collect();

    // The target is down: the messages wait, and the API says why without the URL's key.
    check_waiting(&first, sink_port);

    let first_stderr = first.kill();
    assert!(
        first_stderr.contains("outputs: attempt failed output=sink message_id="),
        "the failed attempts are logged, with the message's id: {first_stderr}"
    );
    assert_no_secret("the first run's stderr", &first_stderr);

    // The target comes up, pagerhook restarts on the same database and sends everything.
    let sink = Sink::start_on(sink_port);
    let second = start(dir.path(), &config, "second.log");
    let received = wait_for("every message at the sink", 20, || {
        let received = sink.received();
        let ids: std::collections::BTreeSet<_> = received
            .iter()
            .filter_map(|r| r.header("webhook-id"))
            .collect();
        (ids.len() >= expected.len()).then_some(received)
    });
    check_requests(&received, &expected);

    // The log agrees: all delivered, nothing pending or failed.
    check_delivered(&second, &expected);

    let second_stderr = second.kill();
    assert_no_secret("the second run's stderr", &second_stderr);
    for file in ["pagerhook.db", "pagerhook.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(file)) {
            assert_no_secret(file, &String::from_utf8_lossy(&bytes));
        }
    }
}

/// Before the kill: six messages pending, the failed attempt shown without a secret.
fn check_waiting(first: &Server, sink_port: u16) {
    let outputs = wait_for("a failed attempt in GET /outputs", 15, || {
        let text = get_text(&first.url("/outputs"))?;
        let outputs: Value = serde_json::from_str(&text).ok()?;
        outputs["outputs"][0]["last_error"]
            .is_object()
            .then_some(text)
    });
    assert_no_secret("GET /outputs", &outputs);
    let outputs: Value = serde_json::from_str(&outputs).unwrap();
    let sink = &outputs["outputs"][0];
    assert_eq!(sink["name"], "sink");
    assert_eq!(sink["url"], format!("http://127.0.0.1:{sink_port}/…"));
    assert_eq!(sink["signed"], true);
    assert_eq!(sink["pending"], 6, "{outputs}");
    assert_eq!(sink["failed"], 0, "{outputs}");
    let error = sink["last_error"]["error"].as_str().unwrap();
    assert!(error.starts_with("could not connect"), "{error}");
}

/// After the restart: `GET /outputs/sink/messages?status=delivered` lists every message, and
/// nothing is pending or failed.
fn check_delivered(second: &Server, expected: &BTreeMap<String, Expected>) {
    let delivered = wait_for("six delivered messages in the API", 15, || {
        let text = get_text(&second.url("/outputs/sink/messages?status=delivered"))?;
        let page: Value = serde_json::from_str(&text).ok()?;
        (page["messages"].as_array()?.len() == expected.len()).then_some((text, page))
    });
    assert_no_secret("GET /outputs/sink/messages", &delivered.0);
    let mut listed: Vec<_> = delivered.1["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["status"], "delivered", "{m}");
            assert_eq!(m["last_status_code"], 200, "{m}");
            (
                m["webhook_id"].as_str().unwrap().to_owned(),
                m["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    listed.sort();
    let mut wanted: Vec<_> = expected
        .iter()
        .map(|(id, e)| (id.clone(), e.kind.clone()))
        .collect();
    wanted.sort();
    assert_eq!(listed, wanted);
    let outputs = wait_for("nothing pending in GET /outputs", 15, || {
        let text = get_text(&second.url("/outputs"))?;
        let outputs: Value = serde_json::from_str(&text).ok()?;
        (outputs["outputs"][0]["pending"] == 0).then_some(text)
    });
    assert_no_secret("GET /outputs after the restart", &outputs);
    assert!(outputs.contains("\"failed\":0"), "{outputs}");
}

/// Every expected message arrived, signed, with the URL's query; an alert's `alert.opened`
/// before its `alert.resolved`; a repeated `webhook-id` repeats the same body.
fn check_requests(received: &[Received], expected: &BTreeMap<String, Expected>) {
    let mut bodies: BTreeMap<&str, &[u8]> = BTreeMap::new();
    for request in received {
        assert_eq!(request.method, "POST");
        assert_eq!(request.target, format!("/hook?x-api-key={API_KEY}"));
        assert_eq!(request.header("content-type"), Some("application/json"));
        let id = request.header("webhook-id").expect("a webhook-id");
        let timestamp = request
            .header("webhook-timestamp")
            .expect("a webhook-timestamp");
        let sent_at: i64 = timestamp.parse().unwrap();
        let now = chrono::Utc::now().timestamp();
        assert!(
            (now - 300..=now + 5).contains(&sent_at),
            "webhook-timestamp {timestamp} is not the time of sending ({now})"
        );
        assert_eq!(
            request.header("webhook-signature"),
            Some(signature(id, timestamp, &request.body).as_str()),
            "{id}: the signature does not verify"
        );
        let previous = bodies.insert(id, &request.body);
        assert!(
            previous.is_none_or(|p| p == request.body.as_slice()),
            "{id} was sent twice with different bodies"
        );

        let Some(want) = expected.get(id) else {
            panic!("an unexpected message {id}: {}", request.json());
        };
        let body = request.json();
        assert_eq!(body["id"], id);
        assert_eq!(body["type"], want.kind, "{body}");
        assert_eq!(body["instance"], "am");
        assert_eq!(body["integration"], "prometheus-v3");
        assert_eq!(body["delivery_id"], want.delivery_id);
        assert_eq!(body["alert"]["id"], want.alert_id, "{body}");
        assert_eq!(body["alert"]["thirdparty_id"], want.group_key.as_str());
        let status = if want.kind == "alert.opened" {
            "open"
        } else {
            "resolved"
        };
        assert_eq!(body["alert"]["status"], status, "the alert as it was then");
    }
    assert_eq!(
        bodies.keys().copied().collect::<Vec<_>>(),
        expected.keys().map(String::as_str).collect::<Vec<_>>(),
        "every message arrives"
    );

    // Per alert: every copy of its opened message before any copy of its resolved one (the
    // resolved one is sent only once the opened one was answered 2xx).
    let position = |kind: &str, alert: i64| -> Vec<usize> {
        received
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                expected
                    .get(r.header("webhook-id").unwrap())
                    .is_some_and(|e| e.kind == kind && e.alert_id == alert)
            })
            .map(|(i, _)| i)
            .collect()
    };
    let alerts: std::collections::BTreeSet<i64> = expected.values().map(|e| e.alert_id).collect();
    assert_eq!(alerts.len(), 3);
    for alert in alerts {
        let opened = position("alert.opened", alert);
        let resolved = position("alert.resolved", alert);
        assert!(
            !opened.is_empty()
                && !resolved.is_empty()
                && opened.iter().max() < resolved.iter().min(),
            "alert {alert}: opened at {opened:?}, resolved at {resolved:?} of the sink's log"
        );
    }
}
