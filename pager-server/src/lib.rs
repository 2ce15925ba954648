//! # pager-server: the reference receiver
//!
//! What a host embedding pagerhook does with the events, done in the open:
//!
//! - [`Receiver`] turns named adapter instances and a [`Store`] into an axum [`axum::Router`]
//!   (`POST /integrations/{name}`, `GET /alerts`, `GET /healthz`, `GET /metrics`, …) that
//!   another axum service can nest under its own path;
//! - [`lifecycle`] is the pure alert lifecycle: one unresolved alert per
//!   `(instance, thirdparty_id)`, creates deduplicated, acknowledge and resolve applied to it;
//! - [`store`] keeps the delivery log and the alerts: [`store::MemoryStore`],
//!   [`store::SqliteStore`] (WAL, group commit, a delivery is durable before it is answered),
//!   and [`store::PostgresStore`] (one database shared by several replicas);
//! - [`maintenance`] mutes alerts opened during maintenance windows, and pages them when the
//!   windows end;
//! - [`outputs`] sends outgoing webhooks on alert changes and deliveries: queued in the
//!   delivery's transaction (an outbox), signed (Standard Webhooks), retried;
//! - [`heartbeat`] opens an alert when a sender stops pinging (dead man's switches,
//!   Alertmanager's Watchdog);
//! - [`config`] reads `pagerhook serve`'s TOML, and [`serve`] runs a receiver until a
//!   shutdown signal.
//!
//! Every delivery is recorded before it is answered, rejected ones included — except 401s,
//! 404s and 408s, which are counted in `/metrics` but not written, so that a flood of them
//! costs no disk; the answer to a delivery the store could not record is 503, so senders that
//! retry (Alertmanager) resend it.

pub mod clock;
pub mod config;
pub mod heartbeat;
pub mod lifecycle;
pub mod maintenance;
mod metrics;
pub mod outputs;
mod receiver;
pub mod retention;
mod server;
pub mod store;

use std::future::Future;
use std::sync::Arc;

pub use receiver::{Receiver, ReceiverError};
pub use store::Store;

use config::{ServerConfig, StoreLocation};
use store::{MemoryStore, PostgresStore, SqliteStore, StoreError};

/// Locks `mutex`, taking over a poisoned one: every lock in this crate guards state that a
/// panic cannot leave half-changed (copies committed whole, counters, slots).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Opens the store a configuration names (on the current tokio runtime: a PostgreSQL store's
/// pool lives there).
///
/// # Errors
/// When the SQLite file cannot be opened or migrated, or the database cannot be reached or
/// migrated.
pub async fn open_store(location: &StoreLocation) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match location {
        StoreLocation::Memory => Arc::new(MemoryStore::new()),
        StoreLocation::Sqlite(path) => Arc::new(SqliteStore::open(path)?),
        StoreLocation::Postgres(location) => Arc::new(PostgresStore::open(location).await?),
    })
}

/// One line saying why a store could not be opened, for a person: SQLite's message without
/// the SQL it was running (a foreign database file would otherwise print our whole schema),
/// with a hint when the file is not a pagerhook database.
pub fn open_failure_reason(error: &StoreError) -> String {
    match error {
        StoreError::Database(rusqlite::Error::SqlInputError { msg, .. }) => {
            format!("{msg} (is it another program's database?)")
        }
        StoreError::Database(rusqlite::Error::SqliteFailure(code, _))
            if code.code == rusqlite::ErrorCode::NotADatabase =>
        {
            "the file is not an SQLite database".to_owned()
        }
        other => other
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}

/// Serves `receiver` on `listener` (HTTP/1.1) until `shutdown` completes, then gives requests
/// in flight `server.shutdown_timeout` to finish and closes the store. Meanwhile the receiver's
/// retention task prunes the store ([`Receiver::spawn_retention`]) and its outputs' workers
/// send what the outbox holds ([`Receiver::spawn_outputs`]), its heartbeat task opens the
/// alerts of heartbeats that stop pinging ([`Receiver::spawn_heartbeats`]), and the
/// maintenance sweep unmutes alerts whose windows ended ([`Receiver::spawn_maintenance`]).
///
/// Slow and idle clients are bounded by `server` ([`ServerConfig`]: header, body and idle
/// timeouts, `max_connections`), and each request carries the client's address as
/// `axum::extract::ConnectInfo<SocketAddr>`, which the read API's loopback rule reads.
///
/// # Errors
/// When the outputs' HTTP client cannot be built, or the store fails to close.
pub async fn serve(
    listener: tokio::net::TcpListener,
    receiver: Receiver,
    server: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = Arc::clone(receiver.store());
    // The configuration's maintenance windows are in the store before the first delivery.
    receiver
        .install_maintenance()
        .await
        .map_err(std::io::Error::other)?;
    let retention = receiver.spawn_retention();
    let heartbeats = receiver.spawn_heartbeats();
    let maintenance = receiver.spawn_maintenance();
    let dispatcher = receiver.spawn_outputs().map_err(std::io::Error::other)?;
    if receiver.api_is_loopback_only() {
        let routes = if receiver.metrics_are_public() {
            "the read API (/alerts, /deliveries)"
        } else {
            "the read API (/alerts, /deliveries) and /metrics"
        };
        tracing::warn!("no [api] token configured: {routes} answer loopback clients only");
    }
    let router = receiver.with_body_timeout(server.body_timeout()).router();
    server::run(listener, router, &server, shutdown).await;
    // Messages in flight stay pending, and are sent after the next start.
    dispatcher.stop().await;
    retention.abort();
    heartbeats.abort();
    let _ = retention.await;
    let _ = heartbeats.await;
    maintenance.abort();
    let _ = maintenance.await;
    store.close().await.map_err(std::io::Error::other)
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
