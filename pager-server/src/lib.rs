//! # pager-server: the reference receiver
//!
//! What a host embedding pagerhook does with the events, done in the open:
//!
//! - [`Receiver`] turns named adapter instances and a [`Store`] into an axum [`axum::Router`]
//!   (`POST /integrations/{name}`, `GET /alerts`, `GET /healthz`, `GET /metrics`, …) that
//!   another axum service can nest under its own path;
//! - [`lifecycle`] is the pure alert lifecycle: one unresolved alert per
//!   `(instance, thirdparty_id)`, creates deduplicated, acknowledge and resolve applied to it;
//! - [`store`] keeps the delivery log and the alerts: [`store::MemoryStore`], and
//!   [`store::SqliteStore`] (WAL, group commit, a delivery is durable before it is answered);
//! - [`config`] reads `pagerhook serve`'s TOML, and [`serve`] runs a receiver until a
//!   shutdown signal.
//!
//! Every delivery is recorded before it is answered, rejected ones included; the answer to a
//! delivery the store could not record is 503, so senders that retry (Alertmanager) resend it.

pub mod config;
pub mod lifecycle;
mod metrics;
mod receiver;
pub mod retention;
pub mod store;

use std::future::Future;
use std::sync::Arc;

pub use receiver::{Receiver, ReceiverError};
pub use store::Store;

use config::StoreLocation;
use store::{MemoryStore, SqliteStore, StoreError};

/// Opens the store a configuration names.
///
/// # Errors
/// When the SQLite file cannot be opened or migrated.
pub fn open_store(location: &StoreLocation) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match location {
        StoreLocation::Memory => Arc::new(MemoryStore::new()),
        StoreLocation::Sqlite(path) => Arc::new(SqliteStore::open(path)?),
    })
}

/// Serves `receiver` on `listener` until `shutdown` completes, then lets requests in flight
/// finish and closes the store. Meanwhile the receiver's retention task prunes the store
/// ([`Receiver::spawn_retention`]).
///
/// # Errors
/// When accepting connections fails, or the store fails to close.
pub async fn serve(
    listener: tokio::net::TcpListener,
    receiver: Receiver,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = Arc::clone(receiver.store());
    let retention = receiver.spawn_retention();
    let served = axum::serve(listener, receiver.router())
        .with_graceful_shutdown(shutdown)
        .await;
    retention.abort();
    let _ = retention.await;
    served?;
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
