#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! `pager_server::serve` on 127.0.0.1 with raw sockets: slow and idle clients cannot hold the
//! server. Every wait is bounded.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pager_server::Receiver;
use pager_server::config::{ServeConfig, ServerConfig};
use pager_server::store::MemoryStore;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const CONFIG: &str = r#"
store = "memory"

[[instances]]
name = "am"
integration = "prometheus-v3"

[[instances]]
name = "keyed"
integration = "prometheus-v3"
auth = { api_key = "s3cret" }
"#;

struct Running {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.address).await.unwrap()
    }

    /// Signals shutdown; the time `serve` took to return.
    async fn stop(mut self) -> Duration {
        let started = Instant::now();
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("serve returned")
            .unwrap()
            .unwrap();
        started.elapsed()
    }
}

async fn start(server: ServerConfig) -> Running {
    let config = ServeConfig::from_toml(CONFIG, Path::new(".")).unwrap();
    let receiver = Receiver::from_config(
        &pager_integrations::registry(),
        &config.instances,
        Arc::new(MemoryStore::new()),
    )
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        pager_server::serve(listener, receiver, server, async {
            let _ = stopped.await;
        })
        .await
    });
    Running {
        address,
        stop: Some(stop),
        task,
    }
}

/// Everything the server sends until it closes the connection, and when it closed it; panics
/// after `limit`.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(
            tokio::time::Instant::from_std(started + limit),
            stream.read(&mut buffer),
        )
        .await
        {
            Err(elapsed) => panic!(
                "still open after {limit:?} ({elapsed}); received {:?}",
                String::from_utf8_lossy(&received)
            ),
            Ok(Ok(0) | Err(_)) => {
                return (
                    String::from_utf8_lossy(&received).into_owned(),
                    started.elapsed(),
                );
            }
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
        }
    }
}

/// One GET on a fresh connection; the status line.
async fn get(running: &Running, path: &str) -> String {
    let mut stream = running.connect().await;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let (text, _) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    text.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn half_a_header_is_disconnected_after_the_header_timeout() {
    let running = start(ServerConfig::new().with_header_timeout_seconds(1)).await;
    let mut stream = running.connect().await;
    stream
        .write_all(b"POST /integrations/am HTTP/1.1\r\nHost: x\r\nContent-Ty")
        .await
        .unwrap();
    let (text, elapsed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "closed after {elapsed:?}: {text:?}"
    );
    running.stop().await;
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_a_408_and_the_connection_closes() {
    let running = start(ServerConfig::new().with_body_timeout_seconds(1)).await;
    let mut stream = running.connect().await;
    stream
        .write_all(
            b"POST /integrations/am HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 1000\r\n\r\n{",
        )
        .await
        .unwrap();
    let (text, elapsed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("connection: close"),
        "{text}"
    );
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "answered after {elapsed:?}"
    );
    running.stop().await;
}

#[tokio::test]
async fn a_wrong_api_key_is_refused_before_a_huge_body_is_read() {
    let running = start(ServerConfig::new().with_body_timeout_seconds(5)).await;
    let mut stream = running.connect().await;
    // 9 MB declared (under the 10 MiB limit), none of it sent.
    stream
        .write_all(
            b"POST /integrations/keyed?x-api-key=guess HTTP/1.1\r\nHost: x\r\n\
              Content-Type: application/json\r\nContent-Length: 9000000\r\n\r\n",
        )
        .await
        .unwrap();
    let (text, elapsed) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
    assert!(
        elapsed < Duration::from_secs(2),
        "answered after {elapsed:?}"
    );
    running.stop().await;
}

#[tokio::test]
async fn idle_and_slow_connections_do_not_hold_the_server() {
    let running = start(
        ServerConfig::new()
            .with_header_timeout_seconds(1)
            .with_idle_timeout_seconds(1)
            .with_max_connections(8),
    )
    .await;
    // A kept-alive connection that works, then goes idle.
    let mut kept = running.connect().await;
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    kept.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    // Every slot taken, and more waiting: silent ones and half-header ones.
    let mut slow = Vec::new();
    for i in 0..24 {
        let mut stream = running.connect().await;
        if i % 2 == 0 {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHo")
                .await
                .unwrap();
        }
        slow.push(stream);
    }
    let started = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(10), get(&running, "/healthz"))
        .await
        .expect("healthz answered");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // The idle keep-alive connection was closed, not kept forever.
    let (_, _) = read_until_closed(&mut kept, Duration::from_secs(5)).await;
    drop(slow);
    running.stop().await;
}

#[tokio::test]
async fn keep_alive_outlives_the_header_timeout_but_not_the_idle_timeout() {
    let running = start(
        ServerConfig::new()
            .with_header_timeout_seconds(1)
            .with_idle_timeout_seconds(3),
    )
    .await;
    let mut stream = running.connect().await;
    for _ in 0..2 {
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut status = [0u8; 12];
        stream.read_exact(&mut status).await.unwrap();
        assert_eq!(&status, b"HTTP/1.1 200");
        let mut rest = [0u8; 512];
        let _ = tokio::time::timeout(Duration::from_millis(100), stream.read(&mut rest)).await;
        // Longer than the header timeout: the connection is idle, not reading a head.
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    let (_, elapsed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    running.stop().await;
}

#[tokio::test]
async fn shutdown_waits_for_requests_in_flight_at_most_the_shutdown_timeout() {
    let running = start(ServerConfig::new().with_shutdown_timeout_seconds(1)).await;
    // An idle connection does not delay shutdown.
    let _idle = running.connect().await;
    // A request in flight whose body never comes: shutdown gives it 1 s, not 30.
    let mut stuck = running.connect().await;
    stuck
        .write_all(
            b"POST /integrations/am HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let took = running.stop().await;
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

/// Sends a keep-alive GET /healthz on `stream` and reads its status line, within `limit`.
async fn healthz_on(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut status = [0u8; 15];
    let read = tokio::time::timeout(limit, stream.read_exact(&mut status)).await;
    let answer = String::from_utf8_lossy(&status).into_owned();
    // The rest of the short answer.
    let mut rest = [0u8; 512];
    let _ = tokio::time::timeout(Duration::from_millis(50), stream.read(&mut rest)).await;
    read.ok().map(|_| answer)
}

#[tokio::test]
async fn beyond_max_connections_new_ones_wait_and_open_ones_keep_working() {
    let running = start(ServerConfig::new().with_max_connections(2)).await;
    let mut working = running.connect().await;
    let limit = Duration::from_secs(2);
    assert_eq!(
        healthz_on(&mut working, limit).await.as_deref(),
        Some("HTTP/1.1 200 OK")
    );
    let silent = running.connect().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut waiting = running.connect().await;
    assert_eq!(
        healthz_on(&mut waiting, Duration::from_millis(500)).await,
        None,
        "the third connection waits to be accepted"
    );
    assert_eq!(
        healthz_on(&mut working, limit).await.as_deref(),
        Some("HTTP/1.1 200 OK"),
        "an open connection keeps working"
    );
    drop(silent);
    let mut status = [0u8; 15];
    tokio::time::timeout(limit, waiting.read_exact(&mut status))
        .await
        .expect("answered once a slot is free")
        .unwrap();
    assert_eq!(&status, b"HTTP/1.1 200 OK");
    running.stop().await;
}
