//! Against a real Alertmanager: runs `fixtures/prometheus-v3/capture/capture.py` into a temporary
//! folder and checks that every fresh capture normalizes to the same events as the committed
//! fixture of the same name, apart from timestamps. This proves the fixtures can be regenerated
//! and that the adapter agrees with live traffic, not only with files.
//!
//! Needs `prometheus-alertmanager` (Debian) or `alertmanager` on PATH, or its path in
//! `PAGERHOOK_ALERTMANAGER`, and `python3`. Without them the test says so loudly and passes,
//! unless `PAGERHOOK_REQUIRE_ALERTMANAGER=1` (set by `.ci/run`), which makes it fail.

// Test code: a failed unwrap or index is a test failure with its location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{adapter, fixtures_dir};
use pager_core::{DataFormat, Event, Integration};
use serde_json::{Value, json};

/// What must match between a fresh capture and the committed one: everything but timestamps.
fn comparable(events: &[Event]) -> Value {
    let events: Vec<Value> = events
        .iter()
        .map(|e| {
            let data: Vec<_> = e
                .additional_data
                .iter()
                .filter(|d| d.format != DataFormat::Datetime)
                .collect();
            json!({
                "action": e.action, "thirdparty_id": e.thirdparty_id, "dedup_keys": e.dedup_keys,
                "title": e.title, "description": e.description, "urgency": e.urgency,
                "tags": e.tags, "additional_data": data,
            })
        })
        .collect();
    Value::from(events)
}

fn run_capture(binary: &Path, out: &Path) {
    let script = fixtures_dir().join("capture/capture.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .arg("--alertmanager")
        .arg(binary)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 could not be started");
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "capture.py failed: {status}");
            return;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("capture.py did not finish within 240 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn fresh_captures_normalize_like_the_committed_fixtures() {
    let Some(binary) =
        pager_testkit::alertmanager_for_test("live_alertmanager", &["python3"]).unwrap()
    else {
        return;
    };
    let out = std::env::temp_dir().join(format!("pagerhook-live-capture-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    run_capture(&binary, &out);

    let modes = [adapter(json!({})), adapter(json!({"grouping": "alert"}))];
    let mut compared = 0;
    for committed in common::fixture_paths() {
        let fresh = out.join(committed.file_name().unwrap());
        assert!(
            fresh.is_file(),
            "the capture did not produce {}",
            fresh.display()
        );
        let fresh_req = pager_testkit::load_request(&fresh).unwrap();
        let committed_req = pager_testkit::load_request(&committed).unwrap();
        assert_eq!(
            fresh_req.headers().get("user-agent"),
            committed_req.headers().get("user-agent")
        );
        for mode in &modes {
            let fresh_events = mode.handle(&fresh_req).unwrap();
            let committed_events = mode.handle(&committed_req).unwrap();
            assert_eq!(
                comparable(&fresh_events),
                comparable(&committed_events),
                "{}",
                committed.display()
            );
        }
        compared += 1;
    }
    std::fs::remove_dir_all(&out).unwrap();
    assert!(compared >= 15);
}
