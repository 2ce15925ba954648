//! The HTTP/1.1 server loop under [`crate::serve`]: hyper's connection builder, a semaphore
//! for `max_connections`, a per-connection watchdog for the header and idle timeouts, and a
//! bounded graceful shutdown.
//!
//! The watchdog rather than hyper's `header_read_timeout`: hyper's timer also runs while a
//! kept-alive connection waits for its next request, so it would cut every keep-alive at the
//! header timeout. Here a connection waiting for a request has one deadline at a time:
//!
//! - `header_timeout` from its accept (first request), or from the first byte of a later
//!   request's head, until the head is complete;
//! - `idle_timeout` from its last byte read or written, when it has no request in progress
//!   and nothing of a next one has arrived (keep-alive; also a client that does not read its
//!   answer).
//!
//! A request in progress has no watchdog deadline: the receiver bounds reading its body
//! (`body_timeout`, 408) and the store bounds the rest.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower_service::Service;

use crate::config::ServerConfig;

/// Serves `router` on `listener` until `shutdown`, then gives connections
/// `shutdown_timeout` to finish their requests and closes what is left.
pub(crate) async fn run(
    listener: TcpListener,
    router: Router,
    config: &ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let limits = Limits {
        header: config.header_timeout(),
        idle: config.idle_timeout(),
    };
    let slots = Arc::new(Semaphore::new(config.max_connections));
    let (stop, stopped) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    // The watchdog does the header timeout (see the module's documentation).
    http.keep_alive(true).header_read_timeout(None);
    tokio::pin!(shutdown);
    loop {
        // Beyond max_connections, new connections wait in the listen backlog; open ones go on.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: do not spin.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        let connection = Connection {
            router: router.clone(),
            peer,
            limits,
            permit,
        };
        connections.spawn(connection.run(stream, http.clone(), stopped.clone()));
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = tokio::time::timeout(config.shutdown_timeout(), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "shutdown_timeout passed with requests in flight: closing their connections"
        );
        connections.shutdown().await;
    }
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    header: Duration,
    idle: Duration,
}

struct Connection {
    router: Router,
    peer: SocketAddr,
    limits: Limits,
    /// Held while the connection lives: one of `max_connections`.
    permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn run(
        self,
        stream: TcpStream,
        http: hyper::server::conn::http1::Builder,
        mut stopped: watch::Receiver<bool>,
    ) {
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(Tracked {
            inner: stream,
            activity: Arc::clone(&activity),
        });
        let Connection {
            router,
            peer,
            limits,
            permit: _permit,
        } = self;
        let in_service = Arc::clone(&activity);
        let service = hyper::service::service_fn(move |mut request: http::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let mut router = router.clone();
            let request_guard = InFlight::begin(Arc::clone(&in_service));
            async move {
                let response = router.call(request.map(Body::new)).await;
                drop(request_guard);
                Ok::<_, Infallible>(match response {
                    Ok(response) => response,
                    Err(never) => match never {},
                })
            }
        });
        let connection = http.serve_connection(io, service);
        tokio::pin!(connection);
        let watchdog = activity.expired(limits);
        tokio::pin!(watchdog);
        let mut stopping = *stopped.borrow();
        if stopping {
            connection.as_mut().graceful_shutdown();
        }
        loop {
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%peer, %error, "connection ended with an error");
                    }
                    return;
                }
                () = &mut watchdog => {
                    tracing::debug!(%peer, "closing a connection: header or idle timeout");
                    return;
                }
                changed = stopped.changed(), if !stopping => {
                    stopping = true;
                    if changed.is_ok() {
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
        }
    }
}

/// What the watchdog knows about a connection. Times are milliseconds since `base`.
struct Activity {
    base: Instant,
    /// The last byte read or written.
    last: AtomicU64,
    /// 1 + when the head of the awaited request began (its first byte, or the accept for the
    /// first request); 0 when no byte of it has arrived.
    head_started: AtomicU64,
    /// Requests whose head was read and whose handler has not answered yet.
    in_flight: AtomicUsize,
    changed: Notify,
}

impl Activity {
    fn new() -> Self {
        Self {
            base: Instant::now(),
            last: AtomicU64::new(0),
            head_started: AtomicU64::new(1),
            in_flight: AtomicUsize::new(0),
            changed: Notify::new(),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn read(&self) {
        let now = self.now();
        self.last.store(now, Ordering::Relaxed);
        if self.in_flight.load(Ordering::Acquire) == 0
            && self
                .head_started
                .compare_exchange(0, now + 1, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            self.changed.notify_one();
        }
    }

    fn wrote(&self) {
        self.last.store(self.now(), Ordering::Relaxed);
    }

    fn deadline(&self, limits: Limits) -> Option<Instant> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let at = |millis: u64| self.base + Duration::from_millis(millis);
        Some(match self.head_started.load(Ordering::Acquire) {
            0 => at(self.last.load(Ordering::Relaxed)) + limits.idle,
            started => at(started - 1) + limits.header,
        })
    }

    /// Completes when the connection's current deadline passes.
    async fn expired(&self, limits: Limits) {
        loop {
            let changed = self.changed.notified();
            match self.deadline(limits) {
                None => changed.await,
                Some(deadline) if Instant::now() >= deadline => return,
                Some(deadline) => {
                    tokio::select! {
                        () = changed => {}
                        () = tokio::time::sleep_until(deadline) => {}
                    }
                }
            }
        }
    }
}

/// A request being handled; ends (and re-arms the idle deadline) when dropped.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn begin(activity: Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Ordering::AcqRel);
        activity.head_started.store(0, Ordering::Release);
        Self(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.last.store(self.0.now(), Ordering::Relaxed);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.0.changed.notify_one();
    }
}

/// The TCP stream, telling [`Activity`] about every byte that moves.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read();
        }
        result
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
