//! Helpers shared by the live tests that run a real Alertmanager in front of `pagerhook serve`
//! (`serve_alertmanager.rs`, `serve_compat.rs`, `serve_replicas.rs`): child processes killed when dropped, an HTTP
//! agent, and starting either side with bounded waits.

// Each test file uses some of these.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pager_testkit::wait_for;
use serde_json::Value;

/// A child process killed (by pid) when dropped, so a failing test leaves nothing running.
pub struct Process {
    pub name: &'static str,
    pub child: Child,
}

impl Process {
    /// SIGTERM, then wait (bounded) for a clean exit.
    pub fn terminate(mut self) {
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

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into()
}

pub fn get_json(url: &str) -> Option<Value> {
    let mut response = agent().get(url).call().ok()?;
    if response.status() != 200 {
        return None;
    }
    serde_json::from_str(&response.body_mut().read_to_string().ok()?).ok()
}

pub fn start_pagerhook(config: &Path, port: u16) -> Process {
    start_pagerhook_with(config, port, &[])
}

/// As [`start_pagerhook`], listening on `port` whatever the file says (`--listen`), with
/// `env` set (`PAGERHOOK_STORE`: a store that is not in the file).
pub fn start_pagerhook_with(config: &Path, port: u16, env: &[(&str, &str)]) -> Process {
    let child = Command::new(env!("CARGO_BIN_EXE_pagerhook"))
        .arg("serve")
        .arg("--config")
        .arg(config)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .envs(env.iter().copied())
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

/// Alertmanager with `config` on `port`, its data in `dir` (kept across a restart).
pub fn run_alertmanager(binary: &Path, dir: &Path, config: &str, port: u16) -> (Process, u16) {
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

pub fn post_alerts(alertmanager: u16, alerts: &Value) {
    let response = agent()
        .post(&format!("http://127.0.0.1:{alertmanager}/api/v2/alerts"))
        .header("Content-Type", "application/json")
        .send(alerts.to_string())
        .unwrap();
    assert_eq!(response.status(), 200, "Alertmanager refused {alerts}");
}

pub fn alerts_of(pagerhook: u16, instance: &str) -> Vec<Value> {
    get_json(&format!(
        "http://127.0.0.1:{pagerhook}/alerts?instance={instance}"
    ))
    .and_then(|v| v["alerts"].as_array().cloned())
    .unwrap_or_default()
}
