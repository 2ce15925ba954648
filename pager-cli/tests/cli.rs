//! The `pagerhook` binary as a newcomer runs it: output shape and exit codes.

// Test code: a failed unwrap or index is a test failure with its location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/prometheus-v3")
        .join(name)
        .display()
        .to_string()
}

fn pagerhook(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pagerhook"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    match input.write_all(stdin.unwrap_or_default()) {
        // A usage error can end the process before it reads its input.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        result => result.unwrap(),
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn events(out: &Output) -> Vec<serde_json::Value> {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["events"].as_array().unwrap().clone()
}

#[test]
fn normalizes_a_fixture_file() {
    let out = pagerhook(
        &[
            "normalize",
            "prometheus-v3",
            &fixture("group-partial-resolve.json"),
        ],
        None,
    );
    let events = events(&out);
    assert_eq!(events.len(), 1);
    let event = &events[0];
    for key in pager_core::EVENT_JSON_KEYS {
        assert!(event.get(key).is_some(), "missing {key}");
    }
    assert_eq!(event["action"], "create");
    assert_eq!(
        event["thirdparty_id"],
        r#"{}/{team="payments"}/{scenario="mixed"}:{team="payments"}"#
    );
    assert_eq!(event["meta"], serde_json::json!({"key_source": "groupKey"}));
    let resolved = event["additional_data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["label"] == "Resolved")
        .unwrap();
    assert_eq!(resolved["value"], "1");
}

#[test]
fn reads_stdin_and_takes_config_inline_or_from_a_file() {
    let body = std::fs::read(fixture("group-partial-resolve.json")).unwrap();
    let out = pagerhook(
        &[
            "normalize",
            "prometheus-v3",
            "--config",
            r#"{"grouping":"alert"}"#,
        ],
        Some(&body),
    );
    assert_eq!(events(&out).len(), 4);

    let config =
        std::env::temp_dir().join(format!("pagerhook-cli-test-{}.json", std::process::id()));
    std::fs::write(&config, r#"{"key": "sha256"}"#).unwrap();
    let out = pagerhook(
        &[
            "normalize",
            "prometheus-v3",
            "-",
            "--config",
            &format!("@{}", config.display()),
            "--pretty",
        ],
        Some(&body),
    );
    std::fs::remove_file(&config).unwrap();
    assert_eq!(events(&out)[0]["thirdparty_id"].as_str().unwrap().len(), 64);
}

#[test]
fn rejected_input_exits_1_with_what_and_where() {
    let out = pagerhook(
        &[
            "normalize",
            "prometheus-v3",
            &fixture("invalid/label-value-not-string.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("error: prometheus-v3: invalid payload at alerts[0].labels.severity: "),
        "{stderr}"
    );

    let out = pagerhook(
        &["normalize", "prometheus-v3", "-H", "Content-Type: text/xml"],
        Some(b"<alert/>"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported content type \"text/xml\""));

    let out = pagerhook(
        &["normalize", "prometheus-v3", "/nonexistent/file.json"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: cannot read /nonexistent/file.json")
    );
}

#[test]
fn usage_errors_exit_2() {
    let unknown = pagerhook(
        &["normalize", "nagios", &fixture("single-firing.json")],
        None,
    );
    assert_eq!(unknown.status.code(), Some(2));
    let known: Vec<_> = pager_integrations::registry()
        .list()
        .map(|i| i.slug)
        .collect();
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains(&format!("known integrations: {}", known.join(", ")))
    );
    let bad_config = pagerhook(
        &[
            "normalize",
            "prometheus-v3",
            "--config",
            r#"{"grouping":"none"}"#,
        ],
        Some(b"{}"),
    );
    assert_eq!(bad_config.status.code(), Some(2));
    assert_eq!(pagerhook(&["normalize"], None).status.code(), Some(2));
    assert_eq!(pagerhook(&["frobnicate"], None).status.code(), Some(2));
    let bad_header = pagerhook(
        &["normalize", "prometheus-v3", "-H", "no-colon"],
        Some(b"{}"),
    );
    assert_eq!(bad_header.status.code(), Some(2));
}

#[test]
fn lists_integrations() {
    let out = pagerhook(&["integrations"], None);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("prometheus-v3")
            && l.contains("Prometheus Alertmanager")
            && l.contains("0.1.0")),
        "{text}"
    );
    let json = pagerhook(&["integrations", "--json"], None);
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let slugs: Vec<_> = parsed["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["slug"].as_str().unwrap().to_owned())
        .collect();
    let registered: Vec<_> = pager_integrations::registry()
        .list()
        .map(|i| i.slug.to_owned())
        .collect();
    assert_eq!(
        slugs, registered,
        "every registered adapter, sorted by slug"
    );
}

/// `pagerhook normalize prometheus-v3 FILE --config CONFIG` plus `extra` arguments.
fn normalize_with(file: &str, config: &str, extra: &[&str]) -> Output {
    let mut args = vec!["normalize", "prometheus-v3", file, "--config", config];
    args.extend_from_slice(extra);
    pagerhook(&args, None)
}

#[test]
fn auth_from_config_and_query() {
    let file = fixture("api-key-query.json");
    let config = r#"{"auth": {"api_key": "capture-api-key"}}"#;
    assert_eq!(
        events(&normalize_with(
            &file,
            config,
            &["--query", "x-api-key=capture-api-key"]
        ))
        .len(),
        1
    );
    assert_eq!(
        events(&normalize_with(
            &file,
            config,
            &["-H", "X-Api-Key: capture-api-key"]
        ))
        .len(),
        1
    );
    let refused = normalize_with(&file, config, &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr),
        "error: prometheus-v3: unauthorized\n"
    );
}

#[test]
fn replays_a_capture_with_its_headers() {
    let file = fixture("single-firing.json");
    let config =
        r#"{"auth": {"basic": {"username": "pagerhook", "password": "capture-basic-pass"}}}"#;
    assert_eq!(
        events(&normalize_with(&file, config, &["--replay"]))[0]["action"],
        "create"
    );
    // Without the captured Authorization header the guard refuses it.
    assert_eq!(normalize_with(&file, config, &[]).status.code(), Some(1));
    // --header replaces a captured header.
    let overridden = normalize_with(
        &file,
        config,
        &["--replay", "-H", "Authorization: Basic eDp5"],
    );
    assert_eq!(overridden.status.code(), Some(1));
    // The captured query (the Spot Connect API key) comes along.
    let spot = normalize_with(
        &fixture("api-key-query.json"),
        r#"{"auth": {"api_key": "capture-api-key"}}"#,
        &["--replay"],
    );
    assert_eq!(events(&spot).len(), 1);
    let stdin = pagerhook(
        &["normalize", "prometheus-v3", "-", "--replay"],
        Some(b"{}"),
    );
    assert_eq!(stdin.status.code(), Some(2));
}

#[test]
fn serve_refuses_a_bad_configuration_before_listening() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("serve.toml");
    let stderr = |out: &Output| String::from_utf8_lossy(&out.stderr).into_owned();

    std::fs::write(
        &config,
        "store = \"memory\"\n[[instances]]\nname = \"am\"\nintegration = \"nagios\"\n",
    )
    .unwrap();
    let out = pagerhook(&["serve", "--config", config.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(
            "error: instance \"am\": unknown integration \"nagios\"; known integrations: "
        ) && stderr(&out).contains("prometheus-v3"),
        "{}",
        stderr(&out)
    );

    std::fs::write(&config, "listen = 9000\n").unwrap();
    let out = pagerhook(&["serve", "--config", config.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(
        message.contains("serve.toml") && message.contains("listen"),
        "{message}"
    );

    // A database file that is not ours: the path and SQLite's reason, not our schema.
    let foreign = dir.path().join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE alerts (x INTEGER);")
        .unwrap();
    std::fs::write(&config, "store = \"sqlite:foreign.db\"\n").unwrap();
    let out = pagerhook(&["serve", "--config", config.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(
        message.starts_with("error: cannot open the store ")
            && message.contains(foreign.to_str().unwrap())
            && message.contains("table alerts already exists"),
        "{message}"
    );
    assert!(!message.contains("CREATE"), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
    std::fs::write(dir.path().join("garbage.db"), [0x5a_u8; 4096]).unwrap();
    std::fs::write(&config, "store = \"sqlite:garbage.db\"\n").unwrap();
    let out = pagerhook(&["serve", "--config", config.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("garbage.db"), "{}", stderr(&out));

    let out = pagerhook(&["serve", "--config", "/nonexistent/serve.toml"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/serve.toml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn pretty_prints_whatever_compact_prints_deep_meta_included() {
    // 127 levels inside `meta` is within the limit; printed inside {"events": [{"meta": …}]}
    // it is deeper than serde_json's 128-level parser would go.
    let body = format!(
        r#"{{"event_type":"create","id":"x","title":"t","meta":{{"v":{}{}}}}}"#,
        "[".repeat(127),
        "]".repeat(127)
    );
    let compact = pagerhook(&["normalize", "webhook"], Some(body.as_bytes()));
    assert_eq!(compact.status.code(), Some(0), "{compact:?}");
    let pretty = pagerhook(&["normalize", "webhook", "--pretty"], Some(body.as_bytes()));
    assert_eq!(
        pretty.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&pretty.stderr)
    );
    let text = String::from_utf8(pretty.stdout).unwrap();
    assert!(text.contains("\n  \"events\": [\n"), "pretty: {text:.200}");
    assert!(text.contains(&"[".repeat(127)), "meta verbatim");
}

#[test]
fn normalize_runs_rules_from_config_and_warns_of_failures() {
    let config = r#"{"grouping": "alert", "rules": [
        {"if": "alert.labels.severity == 'critical'", "set": {"urgency": "low", "tags": ["job:{{ alert.labels.job }}"]}},
        {"set": {"dedup_key": "{{ alert.labels.alertname }}/{{ alert.labels.instance }}", "title": "{{ event.title }} on {{ alert.labels.instance }}"}},
        {"set": {"description": "{{ alert.labels.nosuchlabel }}"}}
    ]}"#;
    let out = normalize_with(&fixture("single-firing.json"), config, &[]);
    let normalized = events(&out);
    assert_eq!(normalized.len(), 1);
    assert_eq!(normalized[0]["urgency"], "low");
    assert_eq!(
        normalized[0]["tags"].as_array().unwrap().last().unwrap(),
        "job:node"
    );
    assert_eq!(
        normalized[0]["thirdparty_id"],
        "InstanceDown/db-1.example:9100"
    );
    assert!(
        normalized[0]["title"]
            .as_str()
            .unwrap()
            .ends_with(" on db-1.example:9100"),
        "{}",
        normalized[0]["title"]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "warning: rule failed: event 0: rules[2].set.description: undefined value"
        ),
        "{stderr}"
    );

    // Dropping every event is still success, with a warning.
    let drop_all = r#"{"rules": [{"drop": true}]}"#;
    let out = normalize_with(&fixture("single-firing.json"), drop_all, &[]);
    assert!(events(&out).is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "warning: rules dropped 1 event(s)\n"
    );

    // A rule that does not compile is a usage error naming it.
    let out = normalize_with(
        &fixture("single-firing.json"),
        r#"{"rules": [{"set": {"title": "{{ alert.labels.job"}}]}"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with(
            "error: prometheus-v3: invalid configuration at rules[0].set.title: syntax error"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn serve_refuses_a_rule_that_does_not_compile() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        "store = \"memory\"\n[[instances]]\nname = \"am\"\nintegration = \"prometheus-v3\"\n\
         [[instances.rules]]\nif = \"payload.status = 'x'\"\ndrop = true\n",
    )
    .unwrap();
    let out = pagerhook(&["serve", "--config", config.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: instance \"am\": prometheus-v3: invalid configuration at rules[0].if: syntax error"
        ) && stderr.contains("line 1, column"),
        "{stderr}"
    );
}
