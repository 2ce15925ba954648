//! `pagerhook serve` as a process on 127.0.0.1: who may read, how it logs, how it stops.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Killed (by pid) when dropped, so a failing test leaves nothing running.
struct Server {
    child: Child,
    port: u16,
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

    /// SIGTERM, then the exit status and stderr, waiting at most `seconds`.
    fn terminate(mut self, seconds: u64) -> (std::process::ExitStatus, String, Duration) {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        let started = Instant::now();
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut stderr = String::new();
                std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut stderr)
                    .unwrap();
                return (status, stderr, started.elapsed());
            }
            assert!(
                started.elapsed() < Duration::from_secs(seconds),
                "pagerhook did not stop within {seconds} s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn start(dir: &Path, config: &str, env: &[(&str, &str)]) -> Server {
    let port = pager_testkit::free_port();
    let path = dir.join("serve.toml");
    std::fs::write(&path, format!("listen = \"127.0.0.1:{port}\"\n{config}")).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_pagerhook"));
    command
        .arg("serve")
        .arg("--config")
        .arg(&path)
        .env("RUST_LOG", "info")
        .env_remove("PAGERHOOK_API_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let server = Server {
        child: command.spawn().unwrap(),
        port,
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while status(&server.url("/healthz"), None) != 200 {
        assert!(Instant::now() < deadline, "pagerhook did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into()
}

/// The status of a GET, 0 when it could not be made.
fn status(url: &str, bearer: Option<&str>) -> u16 {
    let mut request = agent().get(url);
    if let Some(token) = bearer {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    request.call().map_or(0, |r| r.status().as_u16())
}

const INSTANCES: &str =
    "store = \"memory\"\n[[instances]]\nname = \"am\"\nintegration = \"prometheus-v3\"\n";

#[test]
fn the_read_api_is_loopback_only_without_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), INSTANCES, &[]);
    assert_eq!(status(&server.url("/alerts?status=open"), None), 200);
    assert_eq!(status(&server.url("/metrics"), None), 200);
    let (exit, stderr, _) = server.terminate(15);
    assert!(exit.success(), "{stderr}");
    assert!(
        !stderr.contains('\x1b'),
        "no colour codes when stderr is not a terminal: {stderr:?}"
    );
    assert_eq!(
        stderr.matches("answer loopback clients only").count(),
        1,
        "said once at start: {stderr}"
    );
}

#[test]
fn the_token_from_the_environment_is_required_and_never_logged() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!("{INSTANCES}[api]\ntokens = [\"file-token-S3\"]\n");
    let server = start(
        dir.path(),
        &config,
        &[("PAGERHOOK_API_TOKEN", "env-token-S3")],
    );
    assert_eq!(status(&server.url("/alerts"), None), 401);
    assert_eq!(status(&server.url("/alerts"), Some("wrong")), 401);
    assert_eq!(status(&server.url("/alerts"), Some("env-token-S3")), 200);
    assert_eq!(
        status(&server.url("/deliveries"), Some("file-token-S3")),
        200
    );
    assert_eq!(status(&server.url("/metrics"), None), 401);
    let (exit, stderr, _) = server.terminate(15);
    assert!(exit.success(), "{stderr}");
    assert!(!stderr.contains("S3"), "{stderr}");
    assert!(!stderr.contains("loopback clients only"), "{stderr}");
}

#[test]
fn sigterm_gives_requests_in_flight_the_shutdown_timeout_then_exits() {
    use std::io::Write;

    let dir = tempfile::tempdir().unwrap();
    let config = format!("{INSTANCES}[server]\nshutdown_timeout_seconds = 1\n");
    let server = start(dir.path(), &config, &[]);
    // A delivery whose body never comes (the body timeout, 30 s, is far away).
    let mut stuck = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stuck
        .write_all(
            b"POST /integrations/am HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{",
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let (exit, stderr, took) = server.terminate(5);
    assert!(exit.success(), "{stderr}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "stopped after {took:?}: {stderr}"
    );
    assert!(stderr.contains("pagerhook: stopped"), "{stderr}");
}
