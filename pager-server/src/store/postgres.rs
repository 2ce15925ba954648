//! The PostgreSQL store: one database shared by any number of replicas.
//!
//! - Every delivery is one transaction (the delivery log, its effect on the alerts, the
//!   outgoing messages it queued), answered only after the commit returns.
//! - At most one unresolved alert per `(instance, thirdparty_id)`: a partial unique index
//!   (`alerts_one_unresolved`), an insert that targets it (`ON CONFLICT … DO NOTHING`), and a
//!   row lock (`SELECT … FOR UPDATE`) on the unresolved alert before a transition changes it.
//!   A transaction that loses a race (its insert found the index taken, a deadlock, a
//!   serialization failure) is rolled back and run again from the start, up to
//!   [`MAX_TRIES`] times.
//! - Messages of one order key are queued and finished under a transaction-scoped advisory
//!   lock on that key, so that a key always has exactly one head, whichever replica queues
//!   or sends. Workers claim due messages with `FOR UPDATE SKIP LOCKED` and mark them
//!   claimed by this store for [`CLAIM_LEASE`]: another replica does not send them meanwhile.
//! - Retention and the maintenance sweep run under transaction-scoped advisory locks taken
//!   with `pg_try_advisory_xact_lock`: a replica that finds one taken does nothing (another
//!   replica is doing it). Singleton tasks ([`Store::lead`]: the heartbeat sweep) hold a
//!   session advisory lock on a connection of their own, released when the replica dies.
//! - Migrations are applied at open under a session advisory lock, so replicas starting
//!   together apply each once.
//!
//! The lifecycle itself is the one [`apply_events`] and [`unmute_step`] implement for every
//! store, through the synchronous [`AlertTx`]: each of its calls runs on a blocking thread
//! (`spawn_blocking`) and waits for its query with [`tokio::runtime::Handle::block_on`], so
//! no second copy of the lifecycle exists for an async driver. At most `pool_size` such
//! threads run at once (one per pooled connection in use).

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use pager_core::Urgency;
use pager_core::auth::Secret;
use tokio::runtime::Handle;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

use super::{
    AlertFilter, AlertTx, AttemptResult, Body, Delivery, DeliveryFilter, DeliveryRecord,
    HistoryEntry, Ingested, Message, MessageFilter, MessageStatus, NewMessage, NextStep, Outcome,
    Pruned, Queued, Requeue, Store, StoreError, apply_events, events_json, unmute_step,
};
use crate::lifecycle::{Alert, AlertStatus, Transition};
use crate::lock;
use crate::maintenance::{Unmuted, Window, WindowAdded, WindowDeleted, WindowSpec};
use crate::outputs::OutboxPlan;

/// How many times a transaction that lost a race with another replica is run again.
pub const MAX_TRIES: usize = 8;
/// How long a message claimed by [`Store::due_messages`] is left to this store before another
/// replica may send it (the claimer died, or is partitioned from the target). The outputs'
/// workers claim with [`Store::claim_messages`] instead, for their output's timeout and a
/// margin.
pub const CLAIM_LEASE: Duration = Duration::from_secs(300);
/// The default number of pooled connections.
pub const DEFAULT_POOL_SIZE: usize = 16;
/// The most pooled connections allowed.
pub const MAX_POOL_SIZE: usize = 256;
/// How long a caller waits for a pooled connection, and a new connection for the server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long unacknowledged data or silence on a connection is tolerated before it is dropped
/// (`tcp_user_timeout`, `keepalives_idle`; the URL may set others).
const DEAD_PEER_TIMEOUT: Duration = Duration::from_secs(30);
/// Set on every connection (see [`PostgresLocation::parse`]).
const SESSION_OPTIONS: &str = "-c idle_in_transaction_session_timeout=30s -c lock_timeout=10s \
    -c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3";
/// How often an unavailable database is probed, so that `/healthz` recovers on its own.
const PROBE_INTERVAL: Duration = Duration::from_secs(1);
/// The most rows one retention transaction deletes.
const PRUNE_STEP: i64 = 2000;

/// Advisory lock keys (the first argument of the two-`int4` form is this namespace).
const LOCK_NAMESPACE: i32 = 0x7068_6b00; // "phk\0"
const LOCK_MIGRATE: i32 = 1;
const LOCK_PRUNE: i32 = 2;
const LOCK_UNMUTE: i32 = 3;
const LOCK_WINDOWS: i32 = 4;
/// Singleton tasks ([`Store::lead`]) use keys from here on, by name.
const LOCK_LEAD_BASE: i32 = 100;

/// Schema migrations, applied in order; `pagerhook_schema.version` counts those applied.
const MIGRATIONS: &[&str] = &[r"
CREATE TABLE deliveries (
    id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    instance     TEXT        NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    content_type TEXT,
    body         BYTEA,
    body_bytes   BIGINT      NOT NULL,
    status       INTEGER     NOT NULL,
    error        TEXT,
    event_count  BIGINT      NOT NULL,
    events       TEXT,
    notes        TEXT
);
CREATE INDEX deliveries_by_instance ON deliveries (instance, id);
CREATE INDEX deliveries_by_time ON deliveries (received_at);

CREATE TABLE alerts (
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    instance        TEXT        NOT NULL,
    thirdparty_id   TEXT        NOT NULL,
    status          TEXT        NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    title           TEXT        NOT NULL,
    description     TEXT,
    urgency         TEXT,
    dedup_keys      TEXT        NOT NULL,
    tags            TEXT        NOT NULL,
    additional_data TEXT        NOT NULL,
    dedup_count     BIGINT      NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    acknowledged_at TIMESTAMPTZ,
    resolved_at     TIMESTAMPTZ,
    muted           BOOLEAN     NOT NULL DEFAULT false,
    unmuted_at      TIMESTAMPTZ
);
-- At most one unresolved alert per (instance, thirdparty_id), across every replica.
CREATE UNIQUE INDEX alerts_one_unresolved ON alerts (instance, thirdparty_id)
    WHERE status <> 'resolved';
CREATE INDEX alerts_by_key ON alerts (instance, thirdparty_id, id);
CREATE INDEX alerts_by_status ON alerts (status, instance);
CREATE INDEX alerts_resolved ON alerts (resolved_at) WHERE status = 'resolved';
CREATE INDEX alerts_muted ON alerts (id) WHERE muted AND status <> 'resolved';

CREATE TABLE alert_history (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    alert_id    BIGINT      NOT NULL REFERENCES alerts (id),
    delivery_id BIGINT      NOT NULL REFERENCES deliveries (id),
    at          TIMESTAMPTZ NOT NULL,
    action      TEXT        NOT NULL,
    transition  TEXT        NOT NULL
);
CREATE INDEX alert_history_by_alert ON alert_history (alert_id, id);
CREATE INDEX alert_history_by_delivery ON alert_history (delivery_id);

CREATE TABLE seen_signatures (
    instance   TEXT        NOT NULL,
    signature  TEXT        NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (instance, signature)
);
CREATE INDEX seen_signatures_by_expiry ON seen_signatures (expires_at);

-- The outbox. claimed_by/claimed_until: the replica whose worker took the message, and until
-- when the others leave it alone.
CREATE TABLE outbox (
    id               BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    output           TEXT        NOT NULL,
    webhook_id       TEXT        NOT NULL,
    kind             TEXT        NOT NULL,
    delivery_id      BIGINT      NOT NULL,
    alert_id         BIGINT,
    order_key        TEXT,
    blocked          BOOLEAN     NOT NULL,
    body             BYTEA,
    content_type     TEXT,
    status           TEXT        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER     NOT NULL,
    last_status_code INTEGER,
    last_error       TEXT,
    next_attempt_at  TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    claimed_by       TEXT,
    claimed_until    TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (output, next_attempt_at, id)
    WHERE status = 'pending' AND NOT blocked;
CREATE INDEX outbox_pending_by_key ON outbox (output, order_key, blocked, id)
    WHERE status = 'pending';
CREATE INDEX outbox_by_output ON outbox (output, status, id);
CREATE INDEX outbox_finished ON outbox (updated_at) WHERE status <> 'pending';
CREATE INDEX outbox_relayed ON outbox (delivery_id) WHERE body IS NULL;
CREATE TABLE outbox_identity (prefix TEXT NOT NULL);

CREATE TABLE heartbeat_pings (
    name         TEXT PRIMARY KEY,
    last_ping_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE maintenance_windows (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source     TEXT NOT NULL CHECK (source IN ('api', 'config')),
    starts_at  TIMESTAMPTZ,
    ends_at    TIMESTAMPTZ,
    spec       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX maintenance_windows_by_end ON maintenance_windows (ends_at);
"];

const MESSAGE_COLUMNS: &str = "id, output, webhook_id, kind, delivery_id, alert_id, status, \
    attempts, last_status_code, last_error, next_attempt_at, created_at, updated_at";

const ALERT_COLUMNS: &str = "id, instance, thirdparty_id, status, title, description, urgency, \
    dedup_keys, tags, additional_data, dedup_count, created_at, updated_at, acknowledged_at, \
    resolved_at, muted, unmuted_at";

const DELIVERY_COLUMNS: &str =
    "id, instance, received_at, content_type, body_bytes, status, error, event_count, notes";

const WINDOW_COLUMNS: &str = "id, spec, created_at";

/// What [`PostgresStore::in_tx`]'s work returns.
type TxFuture<'t, T> = std::pin::Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 't>>;

/// Where a [`PostgresStore`] connects: a libpq-style URL (`postgres://user:pass@host:5432/db
/// ?sslmode=prefer`) and how many connections to pool. The URL may hold a password: it is a
/// [`Secret`], and [`PostgresLocation`]'s `Debug` and [`PostgresLocation::redacted`] show it
/// without one.
#[derive(Clone)]
pub struct PostgresLocation {
    url: Secret,
    config: tokio_postgres::Config,
    pool_size: usize,
    /// `sslrootcert`: a PEM file of the CA certificates the server's must chain to, instead
    /// of Mozilla's roots.
    root_cert: Option<std::path::PathBuf>,
    /// What a TLS connection checks of the server's certificate (from `sslmode`).
    verify: Verify,
}

/// What TLS to the database checks, as libpq's `sslmode` says it: `prefer` and `require`
/// encrypt without checking the certificate (unless `sslrootcert` names the CAs to check it
/// against, which makes them `verify-ca`), `verify-ca` checks its chain, `verify-full` its
/// chain and that it names the URL's host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verify {
    Nothing,
    Chain,
    ChainAndHost,
}

impl PostgresLocation {
    /// Parses `url`: `postgres://` or `postgresql://`, libpq's parameters (`sslmode` =
    /// `disable`, `prefer` (the default), `require`, `verify-ca` or `verify-full`, with libpq's
    /// meaning; `connect_timeout`, …), `sslrootcert` (a PEM file of the CAs to trust instead
    /// of Mozilla's roots), and
    /// `pool_size` (pagerhook's own, removed before the URL reaches the driver; default
    /// [`DEFAULT_POOL_SIZE`], at most [`MAX_POOL_SIZE`]).
    ///
    /// # Errors
    /// When the URL cannot be parsed; the message never quotes it.
    pub fn parse(url: &str) -> Result<Self, String> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err("a PostgreSQL store URL starts with postgres://".to_owned());
        }
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut pool_size = DEFAULT_POOL_SIZE;
        let mut root_cert = None;
        let mut verify = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                // The driver knows disable, prefer and require; the checks are ours (`tls`).
                Some(("sslmode", "verify-ca")) => {
                    verify = Some(Verify::Chain);
                    kept.push("sslmode=require");
                }
                Some(("sslmode", "verify-full")) => {
                    verify = Some(Verify::ChainAndHost);
                    kept.push("sslmode=require");
                }
                // The driver does not know it: read here, and used by `tls`.
                Some(("sslrootcert", path)) if !path.is_empty() => {
                    root_cert = Some(std::path::PathBuf::from(path));
                }
                Some(("pool_size", value)) => {
                    pool_size = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_POOL_SIZE).contains(n))
                        .ok_or_else(|| {
                            format!("pool_size must be a number from 1 to {MAX_POOL_SIZE}")
                        })?;
                }
                _ => kept.push(pair),
            }
        }
        let driver_url = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        let mut config: tokio_postgres::Config = driver_url
            .parse()
            .map_err(|e| format!("invalid PostgreSQL URL: {e}"))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        // A database that vanishes without closing the connection (a partition, a crashed
        // host) fails the queries waiting on it within about this long, rather than never.
        if !query.contains("tcp_user_timeout") {
            config.tcp_user_timeout(DEAD_PEER_TIMEOUT);
        }
        if !query.contains("keepalives_idle") {
            config.keepalives_idle(DEAD_PEER_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("pagerhook");
        }
        // Server-side limits, so that a replica that dies (or is cut off) mid-transaction does
        // not hold its row and advisory locks for the kernel's two hours: the server drops a
        // transaction left idle, and a connection whose peer stopped answering (keepalives:
        // about 25 s). A lock wait longer than `lock_timeout` fails as a conflict, and the
        // transaction is run again. Options of the URL's own come first, so these may not be
        // overridden there.
        let own = config.get_options().unwrap_or_default().to_owned();
        config.options(format!("{own} {SESSION_OPTIONS}").trim());
        let verify = verify.unwrap_or(if root_cert.is_some() {
            Verify::Chain
        } else {
            Verify::Nothing
        });
        Ok(Self {
            url: Secret::new(driver_url),
            config,
            pool_size,
            root_cert,
            verify,
        })
    }

    /// How many connections are pooled.
    pub fn pool_size(&self) -> usize {
        self.pool_size
    }

    /// `postgres://user@host:port/db`: where it connects, without the password or other
    /// parameters, for messages and logs.
    pub fn redacted(&self) -> String {
        let user = self.config.get_user().unwrap_or_default();
        let hosts: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .zip(
                self.config
                    .get_ports()
                    .iter()
                    .copied()
                    .chain(std::iter::repeat(5432)),
            )
            .map(|(host, port)| match host {
                tokio_postgres::config::Host::Tcp(name) => format!("{name}:{port}"),
                #[cfg(unix)]
                tokio_postgres::config::Host::Unix(path) => format!("{}:{port}", path.display()),
            })
            .collect();
        let db = self.config.get_dbname().unwrap_or(user);
        let at = if user.is_empty() { "" } else { "@" };
        format!("postgres://{user}{at}{}/{db}", hosts.join(","))
    }
}

impl fmt::Debug for PostgresLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresLocation")
            .field("url", &self.redacted())
            .field("pool_size", &self.pool_size)
            .finish_non_exhaustive()
    }
}

impl PartialEq for PostgresLocation {
    fn eq(&self, other: &Self) -> bool {
        self.url.expose() == other.url.expose()
            && self.pool_size == other.pool_size
            && self.root_cert == other.root_cert
    }
}

impl Eq for PostgresLocation {}

/// A [`Store`] in a PostgreSQL database shared by every replica (see the module docs).
pub struct PostgresStore {
    pool: Pool,
    location: PostgresLocation,
    /// The outbox's message-id prefix, shared by every replica of the database.
    prefix: String,
    /// This store's name in `outbox.claimed_by`.
    replica: String,
    /// The last commit failure (or unreachable database); cleared by the next success.
    failure: Arc<Mutex<Option<String>>>,
    /// Whether a probe of the database is running (one at a time).
    probing: Arc<AtomicBool>,
    /// The connection that holds this replica's session advisory locks ([`Store::lead`]),
    /// with the tasks it leads.
    leader: tokio::sync::Mutex<Option<(tokio_postgres::Client, Vec<String>)>>,
    closed: AtomicBool,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("location", &self.location)
            .field("replica", &self.replica)
            .finish_non_exhaustive()
    }
}

/// TLS for the database, used when the server offers it (`sslmode=prefer`, the default) or
/// required (`require`, `verify-ca`, `verify-full`), with libpq's checks (see [`Verify`]): the
/// certificate's chain against Mozilla's roots or the CAs of `sslrootcert`, and its name.
fn tls(
    location: &PostgresLocation,
) -> Result<tokio_postgres_rustls::MakeRustlsConnect, StoreError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Open(format!("TLS: {e}")))?;
    let config = if location.verify == Verify::Nothing {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)))
            .with_no_client_auth()
    } else {
        let roots: rustls::RootCertStore = match &location.root_cert {
            None => webpki_roots::TLS_SERVER_ROOTS.iter().cloned().collect(),
            Some(path) => root_certs(path)?,
        };
        let chain = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::clone(&provider),
        )
        .build()
        .map_err(|e| StoreError::Open(format!("TLS: {e}")))?;
        let verifier = ChainCheck {
            chain,
            host: location.verify == Verify::ChainAndHost,
        };
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth()
    };
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// `sslmode=prefer` / `require` without `sslrootcert`, as libpq: the connection is encrypted,
/// the server's certificate is not checked (its handshake signature still is).
#[derive(Debug)]
struct EncryptOnly(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca` (the chain only: a certificate for another name passes) and `verify-full`
/// (the chain and the name), on rustls' own verifier.
#[derive(Debug)]
struct ChainCheck {
    chain: Arc<rustls::client::WebPkiServerVerifier>,
    host: bool,
}

impl rustls::client::danger::ServerCertVerifier for ChainCheck {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        intermediates: &[rustls::pki_types::CertificateDer<'_>],
        server_name: &rustls::pki_types::ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        use rustls::CertificateError::{NotValidForName, NotValidForNameContext};
        match self.chain.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                NotValidForName | NotValidForNameContext { .. },
            )) if !self.host => Ok(rustls::client::danger::ServerCertVerified::assertion()),
            verified => verified,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.chain.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.chain.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.chain.supported_verify_schemes()
    }
}

/// The CA certificates of the PEM file at `path` (`sslrootcert`).
fn root_certs(path: &std::path::Path) -> Result<rustls::RootCertStore, StoreError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let failed =
        |e: &dyn fmt::Display| StoreError::Open(format!("sslrootcert {}: {e}", path.display()));
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| failed(&e))? {
        roots
            .add(cert.map_err(|e| failed(&e))?)
            .map_err(|e| failed(&e))?;
    }
    if roots.is_empty() {
        return Err(failed(&"no certificate in the file"));
    }
    Ok(roots)
}

/// A driver error as a [`StoreError`]: races another transaction may win (a unique index
/// taken, a deadlock, a serialization failure) become [`StoreError::Conflict`], which the
/// transaction's caller retries; a lost connection [`StoreError::Unavailable`]. By value,
/// for `map_err(pg)`.
#[allow(clippy::needless_pass_by_value)]
fn pg(error: tokio_postgres::Error) -> StoreError {
    if let Some(code) = error.code() {
        // A lock not granted within `lock_timeout` (55P03) is a race too: run again.
        if *code == SqlState::UNIQUE_VIOLATION
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::LOCK_NOT_AVAILABLE
        {
            return StoreError::Conflict;
        }
        // A database that refuses writes (a standby, or read-only after a failover): cannot
        // be used now, as one that is down.
        if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
            return StoreError::Unavailable(error.to_string());
        }
    }
    // Connection exceptions (08), insufficient resources (53), operator intervention (57:
    // the server shutting down), system errors (58): the database cannot be used now.
    let unavailable = error.as_db_error().is_none_or(|db| {
        ["08", "53", "57", "58"]
            .iter()
            .any(|class| db.code().code().starts_with(class))
    });
    if error.is_closed() || unavailable {
        return StoreError::Unavailable(error.to_string());
    }
    StoreError::Postgres(error.to_string())
}

fn pool_error(error: &deadpool_postgres::PoolError) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

fn corrupt(what: &'static str, message: &impl ToString) -> StoreError {
    StoreError::Corrupt {
        what,
        message: message.to_string(),
    }
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Plain data with string keys: serialization cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn from_json<T: serde::de::DeserializeOwned>(
    what: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(what, &e))
}

fn from_json_value<T: serde::de::DeserializeOwned>(
    what: &'static str,
    name: String,
) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(name)).map_err(|e| corrupt(what, &e))
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn sql_limit(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_u64(what: &'static str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|e| corrupt(what, &e))
}

fn get<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a Row,
    index: usize,
) -> Result<T, StoreError> {
    row.try_get(index).map_err(|e| corrupt("a row", &e))
}

fn alert_from_row(row: &Row) -> Result<Alert, StoreError> {
    let status: String = get(row, 3)?;
    let urgency: Option<String> = get(row, 6)?;
    let dedup_keys: String = get(row, 7)?;
    let tags: String = get(row, 8)?;
    let additional_data: String = get(row, 9)?;
    Ok(Alert {
        id: get(row, 0)?,
        instance: get(row, 1)?,
        thirdparty_id: get(row, 2)?,
        status: AlertStatus::parse(&status).ok_or_else(|| corrupt("alerts.status", &status))?,
        title: get(row, 4)?,
        description: get(row, 5)?,
        urgency: urgency
            .map(|u| from_json_value::<Urgency>("alerts.urgency", u))
            .transpose()?,
        dedup_keys: from_json("alerts.dedup_keys", &dedup_keys)?,
        tags: from_json("alerts.tags", &tags)?,
        additional_data: from_json("alerts.additional_data", &additional_data)?,
        dedup_count: to_u64("alerts.dedup_count", get(row, 10)?)?,
        created_at: get(row, 11)?,
        updated_at: get(row, 12)?,
        acknowledged_at: get(row, 13)?,
        resolved_at: get(row, 14)?,
        muted: get(row, 15)?,
        unmuted_at: get(row, 16)?,
    })
}

fn delivery_from_row(row: &Row, full: bool) -> Result<DeliveryRecord, StoreError> {
    let status: i32 = get(row, 5)?;
    Ok(DeliveryRecord {
        id: get(row, 0)?,
        instance: get(row, 1)?,
        received_at: get(row, 2)?,
        content_type: get(row, 3)?,
        body_bytes: to_u64("deliveries.body_bytes", get(row, 4)?)?,
        status: u16::try_from(status).map_err(|e| corrupt("deliveries.status", &e))?,
        error: get(row, 6)?,
        event_count: to_u64("deliveries.event_count", get(row, 7)?)?,
        notes: get(row, 8)?,
        body: if full {
            get::<Option<Vec<u8>>>(row, 9)?.map(Bytes::from)
        } else {
            None
        },
        events_json: if full { get(row, 10)? } else { None },
    })
}

fn message_from_row(row: &Row, full: bool) -> Result<Message, StoreError> {
    let status: String = get(row, 6)?;
    let attempts: i32 = get(row, 7)?;
    let code: Option<i32> = get(row, 8)?;
    Ok(Message {
        id: get(row, 0)?,
        output: get(row, 1)?,
        webhook_id: get(row, 2)?,
        kind: get(row, 3)?,
        delivery_id: get(row, 4)?,
        alert_id: get(row, 5)?,
        status: MessageStatus::parse(&status).ok_or_else(|| corrupt("outbox.status", &status))?,
        attempts: u32::try_from(attempts).map_err(|e| corrupt("outbox.attempts", &e))?,
        last_status_code: code
            .map(u16::try_from)
            .transpose()
            .map_err(|e| corrupt("outbox.last_status_code", &e))?,
        last_error: get(row, 9)?,
        next_attempt_at: get(row, 10)?,
        created_at: get(row, 11)?,
        updated_at: get(row, 12)?,
        body: if full {
            get::<Option<Vec<u8>>>(row, 13)?.map(Bytes::from)
        } else {
            None
        },
        content_type: if full { get(row, 14)? } else { None },
    })
}

fn window_from_row(row: &Row) -> Result<Window, StoreError> {
    let spec: String = get(row, 1)?;
    Ok(Window::new(
        get(row, 0)?,
        get(row, 2)?,
        from_json("maintenance_windows.spec", &spec)?,
    ))
}

/// The advisory lock key of a singleton task.
fn lead_key(task: &str) -> i32 {
    // FNV-1a: stable across builds and replicas (std's hashers are not).
    let mut hash: u32 = 0x811c_9dc5;
    for byte in task.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    LOCK_LEAD_BASE.saturating_add(i32::try_from(hash % 1_000_000).unwrap_or(0))
}

/// The hash an order key's advisory lock is taken on, with `$1` the output and `$key` the key
/// (a parameter or a column): one expression, so that every place locks the same keys.
macro_rules! order_key_lock {
    ($key:literal) => {
        concat!(
            "pg_advisory_xact_lock(hashtextextended($1 || chr(1) || ",
            $key,
            ", 0))"
        )
    };
}

/// Serializes the changes of one message order key (`$2`) of output `$1` with every other
/// replica's, until the transaction ends.
const LOCK_ORDER_KEY: &str = concat!("SELECT ", order_key_lock!("$2"));

/// One transaction's worth of [`AlertTx`], on a blocking thread: each call waits for its
/// query on the runtime.
struct PgTx<'a> {
    tx: &'a deadpool_postgres::Transaction<'a>,
    handle: &'a Handle,
    prefix: &'a str,
    /// Each output's pending messages, counted once per transaction and then kept up to date
    /// by [`AlertTx::insert_message`] (SQLite's writer does the same): not a `count(*)` per
    /// queued message.
    pending: std::collections::HashMap<String, u64>,
}

impl PgTx<'_> {
    fn wait<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, StoreError> {
        self.wait(async {
            let statement = self.tx.prepare_cached(sql).await.map_err(pg)?;
            self.tx.query(&statement, params).await.map_err(pg)
        })
    }

    fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        self.wait(async {
            let statement = self.tx.prepare_cached(sql).await.map_err(pg)?;
            self.tx.execute(&statement, params).await.map_err(pg)
        })
    }

    /// See [`LOCK_ORDER_KEY`].
    fn lock_order_key(&self, output: &str, order_key: &str) -> Result<(), StoreError> {
        self.wait(lock_order_key(self.tx, output, order_key))
    }
}

impl AlertTx for PgTx<'_> {
    fn unresolved(
        &mut self,
        instance: &str,
        thirdparty_id: &str,
    ) -> Result<Option<Alert>, StoreError> {
        let rows = self.query(
            &format!(
                "SELECT {ALERT_COLUMNS} FROM alerts WHERE instance = $1 AND thirdparty_id = $2 \
                 AND status <> 'resolved' FOR UPDATE"
            ),
            &[&instance, &thirdparty_id],
        )?;
        rows.first().map(alert_from_row).transpose()
    }

    fn insert_alert(&mut self, alert: &Alert) -> Result<i64, StoreError> {
        let rows = self.query(
            "INSERT INTO alerts (instance, thirdparty_id, status, title, description, urgency, \
             dedup_keys, tags, additional_data, dedup_count, created_at, updated_at, \
             acknowledged_at, resolved_at, muted, unmuted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             ON CONFLICT (instance, thirdparty_id) WHERE status <> 'resolved' DO NOTHING \
             RETURNING id",
            &[
                &alert.instance,
                &alert.thirdparty_id,
                &alert.status.as_str(),
                &alert.title,
                &alert.description,
                &alert.urgency.map(Urgency::as_str),
                &to_json(&alert.dedup_keys),
                &to_json(&alert.tags),
                &to_json(&alert.additional_data),
                &to_i64(alert.dedup_count),
                &alert.created_at,
                &alert.updated_at,
                &alert.acknowledged_at,
                &alert.resolved_at,
                &alert.muted,
                &alert.unmuted_at,
            ],
        )?;
        // Another replica opened this key's alert since this transaction looked: run again.
        rows.first()
            .map_or(Err(StoreError::Conflict), |row| get(row, 0))
    }

    fn update_alert(&mut self, alert: &Alert) -> Result<(), StoreError> {
        self.execute(
            "UPDATE alerts SET status = $2, title = $3, description = $4, urgency = $5, \
             dedup_keys = $6, tags = $7, additional_data = $8, dedup_count = $9, \
             updated_at = $10, acknowledged_at = $11, resolved_at = $12, muted = $13, \
             unmuted_at = $14 WHERE id = $1",
            &[
                &alert.id,
                &alert.status.as_str(),
                &alert.title,
                &alert.description,
                &alert.urgency.map(Urgency::as_str),
                &to_json(&alert.dedup_keys),
                &to_json(&alert.tags),
                &to_json(&alert.additional_data),
                &to_i64(alert.dedup_count),
                &alert.updated_at,
                &alert.acknowledged_at,
                &alert.resolved_at,
                &alert.muted,
                &alert.unmuted_at,
            ],
        )
        .map(drop)
    }

    fn bump_alert(&mut self, alert: &Alert) -> Result<(), StoreError> {
        self.execute(
            "UPDATE alerts SET dedup_count = $2, updated_at = $3 WHERE id = $1",
            &[&alert.id, &to_i64(alert.dedup_count), &alert.updated_at],
        )
        .map(drop)
    }

    fn insert_history(
        &mut self,
        alert_id: i64,
        delivery_id: i64,
        entry: &HistoryEntry,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO alert_history (alert_id, delivery_id, at, action, transition) \
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &alert_id,
                &delivery_id,
                &entry.at,
                &entry.action.as_str(),
                &to_json(&entry.transition),
            ],
        )
        .map(drop)
    }

    fn pending_messages(&mut self, output: &str) -> Result<u64, StoreError> {
        if let Some(count) = self.pending.get(output) {
            return Ok(*count);
        }
        let rows = self.query(
            "SELECT count(*) FROM outbox WHERE output = $1 AND status = 'pending'",
            &[&output],
        )?;
        let count: i64 = rows.first().map_or(Ok(0), |row| get(row, 0))?;
        let count = to_u64("outbox count", count)?;
        self.pending.insert(output.to_owned(), count);
        Ok(count)
    }

    fn insert_message(&mut self, message: &NewMessage<'_>) -> Result<(), StoreError> {
        if let Some(key) = &message.order_key {
            self.lock_order_key(message.output, key)?;
        }
        let (body, content_type) = match &message.body {
            Body::Own(bytes) => (Some(bytes.as_ref()), message.content_type.as_deref()),
            Body::Delivery(_) => (None, None),
        };
        self.execute(
            "INSERT INTO outbox (output, webhook_id, kind, delivery_id, alert_id, order_key, \
             blocked, body, content_type, status, attempts, next_attempt_at, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6::text, \
             $6::text IS NOT NULL AND EXISTS (SELECT 1 FROM outbox WHERE output = $1 \
               AND order_key = $6::text AND status = 'pending'), \
             $7, $8, 'pending', 0, $9, $9, $9)",
            &[
                &message.output,
                &message.webhook_id,
                &message.kind,
                &message.delivery_id,
                &message.alert_id,
                &message.order_key,
                &body,
                &content_type,
                &message.created_at,
            ],
        )?;
        if let Some(count) = self.pending.get_mut(message.output) {
            *count = count.saturating_add(1);
        }
        Ok(())
    }

    fn message_prefix(&self) -> &str {
        self.prefix
    }

    fn active_windows(&mut self, at: DateTime<Utc>) -> Result<Vec<Window>, StoreError> {
        let rows = self.query(
            &format!(
                "SELECT {WINDOW_COLUMNS} FROM maintenance_windows \
                 WHERE starts_at IS NULL OR (starts_at <= $1 AND ends_at > $1) ORDER BY id"
            ),
            &[&at],
        )?;
        let mut active = Vec::new();
        for row in &rows {
            let window = window_from_row(row)?;
            if window.spec.schedule.active_at(at).is_some() {
                active.push(window);
            }
        }
        Ok(active)
    }

    fn muted_alerts(&mut self, after: Option<i64>, limit: usize) -> Result<Vec<Alert>, StoreError> {
        let rows = self.query(
            &format!(
                "SELECT {ALERT_COLUMNS} FROM alerts WHERE muted AND status <> 'resolved' \
                 AND id > $1 ORDER BY id LIMIT $2 FOR UPDATE"
            ),
            &[&after.unwrap_or(0), &sql_limit(limit)],
        )?;
        rows.iter().map(alert_from_row).collect()
    }

    fn opening_delivery(&mut self, alert_id: i64) -> Result<Option<i64>, StoreError> {
        let rows = self.query(
            "SELECT delivery_id FROM alert_history WHERE alert_id = $1 ORDER BY id LIMIT 1",
            &[&alert_id],
        )?;
        rows.first().map(|row| get(row, 0)).transpose()
    }
}

/// Makes the next message of `order_key` (the oldest blocked) the head, unless the key has
/// one; the caller holds the key's lock.
async fn unblock_next(
    tx: &deadpool_postgres::Transaction<'_>,
    output: &str,
    order_key: &str,
) -> Result<(), StoreError> {
    let statement = tx
        .prepare_cached(
            "UPDATE outbox SET blocked = false WHERE id = (SELECT min(id) FROM outbox \
             WHERE output = $1 AND order_key = $2 AND status = 'pending' AND blocked) \
             AND NOT EXISTS (SELECT 1 FROM outbox WHERE output = $1 AND order_key = $2 \
               AND status = 'pending' AND NOT blocked)",
        )
        .await
        .map_err(pg)?;
    tx.execute(&statement, &[&output, &order_key])
        .await
        .map_err(pg)?;
    Ok(())
}

async fn lock_order_key(
    tx: &deadpool_postgres::Transaction<'_>,
    output: &str,
    order_key: &str,
) -> Result<(), StoreError> {
    tx.execute(LOCK_ORDER_KEY, &[&output, &order_key])
        .await
        .map_err(pg)
        .map(drop)
}

/// Gives every key with pending messages and no head its oldest as the head.
async fn repair_heads(
    tx: &deadpool_postgres::Transaction<'_>,
    output: Option<&str>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE outbox SET blocked = false WHERE id IN (SELECT min(id) FROM outbox \
         WHERE status = 'pending' AND order_key IS NOT NULL \
           AND ($1::text IS NULL OR output = $1) \
         GROUP BY output, order_key HAVING bool_and(blocked))",
        &[&output],
    )
    .await
    .map_err(pg)
    .map(drop)
}

impl PostgresStore {
    /// Connects to `location`, applies the migrations this build knows (under an advisory
    /// lock: replicas starting together apply each once) and returns the store.
    ///
    /// # Errors
    /// When the database cannot be reached or its schema is newer than this build knows.
    pub async fn open(location: &PostgresLocation) -> Result<Self, StoreError> {
        let manager = Manager::from_config(
            location.config.clone(),
            tls(location)?,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(location.pool_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Open(e.to_string()))?;
        let failed = |e: StoreError| StoreError::Open(format!("{}: {e}", location.redacted()));
        let mut client = pool.get().await.map_err(|e| failed(pool_error(&e)))?;
        let prefix = migrate(&mut client).await.map_err(failed)?;
        drop(client);
        let replica = format!(
            "{}{}-{}",
            crate::outputs::random_prefix(),
            crate::outputs::random_prefix(),
            std::process::id()
        );
        Ok(Self {
            pool,
            location: location.clone(),
            prefix,
            replica,
            failure: Arc::new(Mutex::new(None)),
            probing: Arc::new(AtomicBool::new(false)),
            leader: tokio::sync::Mutex::new(None),
            closed: AtomicBool::new(false),
        })
    }

    /// Where it connects (without the password).
    pub fn location(&self) -> &PostgresLocation {
        &self.location
    }

    async fn client(&self) -> Result<Object, StoreError> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(StoreError::Closed);
        }
        match self.pool.get().await {
            Ok(client) => Ok(client),
            Err(error) => {
                let error = pool_error(&error);
                self.failed(&error);
                Err(error)
            }
        }
    }

    /// Records a failure to write (or to reach the database) and starts probing the database,
    /// so that `/healthz` recovers when it is back even if no delivery comes meanwhile. As
    /// SQLite's writer does, any failed write counts but a race lost [`MAX_TRIES`] times
    /// (busy, not broken) and a store shut down.
    fn failed(&self, error: &StoreError) {
        if matches!(error, StoreError::Conflict | StoreError::Closed) {
            return;
        }
        let first = lock(&self.failure).replace(error.to_string()).is_none();
        if first {
            tracing::error!(%error, "postgres store: the database cannot be written");
        }
        if self.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (pool, failure, probing) = (
            self.pool.clone(),
            Arc::clone(&self.failure),
            Arc::clone(&self.probing),
        );
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROBE_INTERVAL).await;
                if lock(&failure).is_none() || pool.is_closed() {
                    break;
                }
                let alive = match pool.get().await {
                    Ok(client) => writable(&client).await,
                    Err(_) => false,
                };
                if alive {
                    *lock(&failure) = None;
                    tracing::info!("postgres store: the database is back");
                    break;
                }
            }
            probing.store(false, Ordering::Release);
        });
    }

    fn succeeded(&self) {
        let mut failure = lock(&self.failure);
        if failure.take().is_some() {
            tracing::info!("postgres store: the database is back");
        }
    }

    /// Runs `work` in one transaction on a blocking thread (for [`AlertTx`]), committing when
    /// it succeeds; a transaction that lost a race is run again, up to [`MAX_TRIES`] times.
    async fn in_sync_tx<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Fn(&mut PgTx<'_>) -> Result<T, StoreError> + Send + Sync + 'static,
    {
        let work = Arc::new(work);
        let mut tries = 0;
        loop {
            tries += 1;
            let client = self.client().await?;
            let handle = Handle::current();
            let prefix = self.prefix.clone();
            let job = Arc::clone(&work);
            let outcome = tokio::task::spawn_blocking(move || {
                let mut client = client;
                let tx = handle.block_on(client.transaction()).map_err(pg)?;
                let value = job(&mut PgTx {
                    tx: &tx,
                    handle: &handle,
                    prefix: &prefix,
                    pending: std::collections::HashMap::new(),
                })?;
                handle.block_on(tx.commit()).map_err(pg)?;
                Ok(value)
            })
            .await
            // A panic in the lifecycle is a bug to report as one, not "the store is closed"
            // (which would read as an outage).
            .map_err(|e| StoreError::Postgres(format!("the transaction's thread failed: {e}")))?;
            match outcome {
                Err(StoreError::Conflict) if tries < MAX_TRIES => {}
                Err(error) => {
                    self.failed(&error);
                    return Err(error);
                }
                Ok(value) => {
                    self.succeeded();
                    return Ok(value);
                }
            }
        }
    }

    /// Runs `work` in one transaction (async), committing when it succeeds; retried as
    /// [`PostgresStore::in_sync_tx`].
    async fn in_tx<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send,
        F: for<'t> Fn(&'t deadpool_postgres::Transaction<'t>) -> TxFuture<'t, T> + Send + Sync,
    {
        let mut tries = 0;
        loop {
            tries += 1;
            let mut client = self.client().await?;
            let outcome = async {
                let tx = client.transaction().await.map_err(pg)?;
                let value = work(&tx).await?;
                tx.commit().await.map_err(pg)?;
                Ok(value)
            }
            .await;
            match outcome {
                Err(StoreError::Conflict) if tries < MAX_TRIES => {}
                Err(error) => {
                    self.failed(&error);
                    return Err(error);
                }
                Ok(value) => {
                    self.succeeded();
                    return Ok(value);
                }
            }
        }
    }

    async fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await.map_err(pg)?;
        client.query(&statement, params).await.map_err(pg)
    }
}

/// Whether the database answers on `client` and would accept writes (it is not a standby,
/// nor read-only by `default_transaction_read_only`).
async fn writable(client: &tokio_postgres::Client) -> bool {
    match client.query_one("SHOW transaction_read_only", &[]).await {
        Ok(row) => row.try_get::<_, String>(0).is_ok_and(|v| v == "off"),
        Err(_) => false,
    }
}

/// Applies the migrations not yet applied, under a session advisory lock; returns the
/// outbox's message-id prefix (made on first open).
async fn migrate(client: &mut Object) -> Result<String, StoreError> {
    client
        .execute(
            "SELECT pg_advisory_lock($1, $2)",
            &[&LOCK_NAMESPACE, &LOCK_MIGRATE],
        )
        .await
        .map_err(pg)?;
    let result = migrate_locked(client).await;
    let unlocked = client
        .execute(
            "SELECT pg_advisory_unlock($1, $2)",
            &[&LOCK_NAMESPACE, &LOCK_MIGRATE],
        )
        .await
        .map_err(pg);
    let prefix = result?;
    unlocked?;
    Ok(prefix)
}

async fn migrate_locked(client: &mut Object) -> Result<String, StoreError> {
    client
        .batch_execute("CREATE TABLE IF NOT EXISTS pagerhook_schema (version INTEGER NOT NULL)")
        .await
        .map_err(pg)?;
    let rows = client
        .query("SELECT version FROM pagerhook_schema", &[])
        .await
        .map_err(pg)?;
    let applied: i32 = rows.first().map_or(Ok(0), |row| get(row, 0))?;
    let applied = usize::try_from(applied).unwrap_or(0);
    if applied > MIGRATIONS.len() {
        return Err(StoreError::Open(format!(
            "the database's schema version {applied} is newer than this pagerhook's ({})",
            MIGRATIONS.len()
        )));
    }
    for (version, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = client.transaction().await.map_err(pg)?;
        tx.batch_execute(migration).await.map_err(pg)?;
        let version = i32::try_from(version + 1).unwrap_or(i32::MAX);
        tx.execute("DELETE FROM pagerhook_schema", &[])
            .await
            .map_err(pg)?;
        tx.execute(
            "INSERT INTO pagerhook_schema (version) VALUES ($1)",
            &[&version],
        )
        .await
        .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
    }
    let tx = client.transaction().await.map_err(pg)?;
    let rows = tx
        .query("SELECT prefix FROM outbox_identity", &[])
        .await
        .map_err(pg)?;
    let prefix = if let Some(row) = rows.first() {
        get(row, 0)?
    } else {
        let prefix = crate::outputs::random_prefix();
        tx.execute(
            "INSERT INTO outbox_identity (prefix) VALUES ($1)",
            &[&prefix],
        )
        .await
        .map_err(pg)?;
        prefix
    };
    // Every key with pending messages has a head.
    repair_heads(&tx, None).await?;
    tx.commit().await.map_err(pg)?;
    Ok(prefix)
}

/// Remembers `signature` for `instance` until it expires (forgetting expired ones first);
/// true when it was already there: a replay.
fn seen_before(
    tx: &PgTx<'_>,
    instance: &str,
    (signature, expires): &(String, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    tx.execute("DELETE FROM seen_signatures WHERE expires_at < $1", &[&now])?;
    let inserted = tx.execute(
        "INSERT INTO seen_signatures (instance, signature, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
        &[&instance, signature, expires],
    )?;
    Ok(inserted == 0)
}

/// One delivery, inside its transaction (the SQLite store's `ingest_one`, in SQL of this
/// database).
fn ingest_one(
    tx: &mut PgTx<'_>,
    delivery: &Delivery,
    status: u16,
    error: Option<&str>,
    events_json: Option<&str>,
) -> Result<Ingested, StoreError> {
    let replayed = match (&delivery.signature, status) {
        (Some(signature), 200) => {
            seen_before(tx, &delivery.instance, signature, delivery.received_at)?
        }
        _ => false,
    };
    let error = if replayed {
        Some(super::REPLAY_NOTE)
    } else {
        error
    };
    let event_count = match &delivery.outcome {
        Outcome::Accepted(events) if !replayed => events.len() as u64,
        _ => 0,
    };
    let rows = tx.query(
        "INSERT INTO deliveries (instance, received_at, content_type, body, body_bytes, status, \
         error, event_count, events, notes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         RETURNING id",
        &[
            &delivery.instance,
            &delivery.received_at,
            &delivery.content_type,
            &delivery.body.as_deref(),
            &to_i64(delivery.body_bytes),
            &i32::from(status),
            &error,
            &to_i64(event_count),
            &if replayed { None } else { events_json },
            &delivery.notes,
        ],
    )?;
    let delivery_id: i64 = rows.first().map_or_else(
        || Err(corrupt("deliveries.id", &"no id returned")),
        |r| get(r, 0),
    )?;
    let (results, queued) = match &delivery.outcome {
        Outcome::Accepted(_) if replayed => (Vec::new(), Queued::default()),
        Outcome::Accepted(events) => apply_events(tx, delivery, delivery_id, events)?,
        Outcome::Rejected { .. } => (Vec::new(), Queued::default()),
    };
    Ok(Ingested {
        delivery_id,
        results,
        replayed,
        queued: queued.queued,
        dropped: queued.dropped,
    })
}

/// Deletes at most [`PRUNE_STEP`] expired alerts, deliveries and messages in one transaction;
/// returns what it removed.
async fn prune_step(
    tx: &deadpool_postgres::Transaction<'_>,
    deliveries_before: DateTime<Utc>,
    resolved_alerts_before: DateTime<Utc>,
) -> Result<Pruned, StoreError> {
    let alerts = tx
        .query(
            "SELECT id FROM alerts WHERE status = 'resolved' AND resolved_at < $1 \
             AND id < (SELECT max(id) FROM alerts) ORDER BY resolved_at LIMIT $2",
            &[&resolved_alerts_before, &PRUNE_STEP],
        )
        .await
        .map_err(pg)?;
    let alerts: Vec<i64> = alerts.iter().map(|r| get(r, 0)).collect::<Result<_, _>>()?;
    tx.execute(
        "DELETE FROM alert_history WHERE alert_id = ANY($1)",
        &[&alerts],
    )
    .await
    .map_err(pg)?;
    tx.execute("DELETE FROM alerts WHERE id = ANY($1)", &[&alerts])
        .await
        .map_err(pg)?;
    let deliveries = tx
        .execute(
            "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries \
             WHERE received_at < $1 AND NOT EXISTS \
             (SELECT 1 FROM alert_history WHERE delivery_id = deliveries.id) \
             AND NOT EXISTS (SELECT 1 FROM outbox WHERE delivery_id = deliveries.id \
               AND body IS NULL) \
             AND id < (SELECT max(id) FROM deliveries) ORDER BY received_at LIMIT $2)",
            &[&deliveries_before, &PRUNE_STEP],
        )
        .await
        .map_err(pg)?;
    let messages = tx
        .execute(
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status <> 'pending' \
             AND updated_at < $1 AND id < (SELECT max(id) FROM outbox) LIMIT $2)",
            &[&deliveries_before, &PRUNE_STEP],
        )
        .await
        .map_err(pg)?;
    Ok(Pruned {
        deliveries,
        alerts: alerts.len() as u64,
        messages,
        windows: 0,
    })
}

/// Tries the transaction-scoped advisory lock `key`; false when another replica holds it.
async fn try_xact_lock(
    tx: &deadpool_postgres::Transaction<'_>,
    key: i32,
) -> Result<bool, StoreError> {
    let rows = tx
        .query(
            "SELECT pg_try_advisory_xact_lock($1, $2)",
            &[&LOCK_NAMESPACE, &key],
        )
        .await
        .map_err(pg)?;
    rows.first().map_or(Ok(false), |row| get(row, 0))
}

/// Records attempt outcomes inside the caller's transaction.
///
/// Only a message still claimed by `replica` is changed. One whose lease ran out and that
/// another replica claimed is left as it is: that replica sends it again and records its own
/// attempt (at least once, as after a crash), and nothing it recorded is overwritten.
async fn record_attempt_in(
    tx: &deadpool_postgres::Transaction<'_>,
    id: i64,
    replica: &str,
    result: &AttemptResult,
) -> Result<(), StoreError> {
    let rows = tx
        .query(
            "SELECT output, order_key FROM outbox \
             WHERE id = $1 AND status = 'pending' AND claimed_by = $2",
            &[&id, &replica],
        )
        .await
        .map_err(pg)?;
    let Some(row) = rows.first() else {
        // Finished, or claimed by another replica now: not an error, nothing is lost.
        return Ok(());
    };
    let output: String = get(row, 0)?;
    let order_key: Option<String> = get(row, 1)?;
    if let Some(key) = &order_key {
        lock_order_key(tx, &output, key).await?;
    }
    let (status, next) = match result.next {
        NextStep::Delivered => (MessageStatus::Delivered, None),
        NextStep::RetryAt(at) => (MessageStatus::Pending, Some(at)),
        NextStep::Failed => (MessageStatus::Failed, None),
    };
    let changed = tx
        .execute(
            "UPDATE outbox SET attempts = attempts + 1, last_status_code = $2, \
             last_error = $3, status = $4, next_attempt_at = $5, updated_at = $6, \
             claimed_by = NULL, claimed_until = NULL \
             WHERE id = $1 AND status = 'pending' AND claimed_by = $7",
            &[
                &id,
                &result.status_code.map(i32::from),
                &result.error,
                &status.as_str(),
                &next,
                &result.at,
                &replica,
            ],
        )
        .await
        .map_err(pg)?;
    if let (1, false, Some(key)) = (changed, status == MessageStatus::Pending, &order_key) {
        unblock_next(tx, &output, key).await?;
    }
    Ok(())
}

#[async_trait]
impl Store for PostgresStore {
    async fn ingest(&self, delivery: Delivery) -> Result<Ingested, StoreError> {
        let (status, error, events_json) = match &delivery.outcome {
            Outcome::Accepted(events) => (200, None, Some(events_json(events))),
            Outcome::Rejected { status, error } => (*status, Some(error.clone()), None),
        };
        self.in_sync_tx(move |tx| {
            ingest_one(
                tx,
                &delivery,
                status,
                error.as_deref(),
                events_json.as_deref(),
            )
        })
        .await
    }

    async fn alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StoreError> {
        let rows = self
            .query(
                &format!(
                    "SELECT {ALERT_COLUMNS} FROM alerts \
                     WHERE ($1::text IS NULL OR instance = $1) \
                       AND ($2::text IS NULL OR status = $2) \
                       AND ($3::text IS NULL OR thirdparty_id = $3) \
                       AND ($5::bigint IS NULL OR id < $5) \
                     ORDER BY id DESC LIMIT $4"
                ),
                &[
                    &filter.instance,
                    &filter.status.map(AlertStatus::as_str),
                    &filter.thirdparty_id,
                    &sql_limit(filter.effective_limit()),
                    &filter.before,
                ],
            )
            .await?;
        rows.iter().map(alert_from_row).collect()
    }

    async fn alert(&self, id: i64) -> Result<Option<(Alert, Vec<HistoryEntry>)>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1").as_str(),
                &[&id],
            )
            .await
            .map_err(pg)?;
        let Some(alert) = rows.first().map(alert_from_row).transpose()? else {
            return Ok(None);
        };
        let rows = client
            .query(
                "SELECT delivery_id, at, action, transition FROM alert_history \
                 WHERE alert_id = $1 ORDER BY id",
                &[&id],
            )
            .await
            .map_err(pg)?;
        let mut history = Vec::with_capacity(rows.len());
        for row in &rows {
            let action: String = get(row, 2)?;
            let transition: String = get(row, 3)?;
            history.push(HistoryEntry {
                delivery_id: get(row, 0)?,
                at: get(row, 1)?,
                action: from_json_value("alert_history.action", action)?,
                transition: from_json::<Transition>("alert_history.transition", &transition)?,
            });
        }
        Ok(Some((alert, history)))
    }

    async fn deliveries_matching(
        &self,
        filter: &DeliveryFilter,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let rows = self
            .query(
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM deliveries \
                     WHERE ($1::text IS NULL OR instance = $1) \
                       AND ($3::bigint IS NULL OR id < $3) \
                     ORDER BY id DESC LIMIT $2"
                ),
                &[
                    &filter.instance,
                    &sql_limit(filter.effective_limit()),
                    &filter.before,
                ],
            )
            .await?;
        rows.iter().map(|r| delivery_from_row(r, false)).collect()
    }

    async fn delivery(&self, id: i64) -> Result<Option<DeliveryRecord>, StoreError> {
        let rows = self
            .query(
                &format!("SELECT {DELIVERY_COLUMNS}, body, events FROM deliveries WHERE id = $1"),
                &[&id],
            )
            .await?;
        rows.first().map(|r| delivery_from_row(r, true)).transpose()
    }

    async fn prune(
        &self,
        deliveries_before: DateTime<Utc>,
        resolved_alerts_before: DateTime<Utc>,
    ) -> Result<Pruned, StoreError> {
        let mut total = Pruned::default();
        loop {
            // One replica prunes at a time; the others find the lock taken and do nothing.
            let step = self
                .in_tx(|tx| {
                    Box::pin(async move {
                        if !try_xact_lock(tx, LOCK_PRUNE).await? {
                            return Ok(None);
                        }
                        prune_step(tx, deliveries_before, resolved_alerts_before)
                            .await
                            .map(Some)
                    })
                })
                .await?;
            let Some(step) = step else {
                return Ok(total);
            };
            total.deliveries += step.deliveries;
            total.alerts += step.alerts;
            total.messages += step.messages;
            let step_max = u64::try_from(PRUNE_STEP).unwrap_or(u64::MAX);
            if step.deliveries < step_max && step.alerts < step_max && step.messages < step_max {
                return Ok(total);
            }
        }
    }

    async fn due_messages(
        &self,
        output: &str,
        now: DateTime<Utc>,
        skip: &[i64],
        limit: usize,
        max_bytes: usize,
    ) -> Result<Vec<Message>, StoreError> {
        self.claim_messages(output, now, skip, limit, max_bytes, CLAIM_LEASE)
            .await
    }

    async fn claim_messages(
        &self,
        output: &str,
        now: DateTime<Utc>,
        skip: &[i64],
        limit: usize,
        max_bytes: usize,
        lease: Duration,
    ) -> Result<Vec<Message>, StoreError> {
        let output = output.to_owned();
        let skip = skip.to_vec();
        let replica = self.replica.clone();
        // Leases are measured by the database's clock, the one clock every replica
        // shares: a replica's own clock running ahead would take others' live claims.
        let lease = lease.as_secs_f64();
        let (limit, max_bytes) = (sql_limit(limit), sql_limit(max_bytes));
        self.in_tx(move |tx| {
            let (output, skip, replica) = (output.clone(), skip.clone(), replica.clone());
            Box::pin(async move {
                // Claimed by no one, by this store, or by a replica whose lease ran out; rows
                // another replica's worker is claiming right now are skipped, not waited for.
                let rows = tx
                    .query(
                        "SELECT id, coalesce(octet_length(body), (SELECT octet_length(d.body) \
                           FROM deliveries AS d WHERE d.id = outbox.delivery_id), 0) \
                         FROM outbox WHERE output = $1 AND status = 'pending' AND NOT blocked \
                           AND next_attempt_at <= $2 AND NOT (id = ANY($3)) \
                           AND (claimed_by IS NULL OR claimed_by = $5 \
                                OR claimed_until < statement_timestamp()) \
                         ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED",
                        &[&output, &now, &skip, &limit, &replica],
                    )
                    .await
                    .map_err(pg)?;
                let mut ids = Vec::with_capacity(rows.len());
                let mut total: i64 = 0;
                for row in &rows {
                    let size: i32 = get(row, 1)?;
                    total = total.saturating_add(i64::from(size));
                    if !ids.is_empty() && total > max_bytes {
                        break;
                    }
                    ids.push(get::<i64>(row, 0)?);
                }
                let rows = tx
                    .query(
                        format!(
                            "UPDATE outbox SET claimed_by = $2, \
                               claimed_until = statement_timestamp() + $3 * interval '1 second' \
                             WHERE id = ANY($1) RETURNING {MESSAGE_COLUMNS}, \
                               coalesce(body, (SELECT d.body FROM deliveries AS d \
                                               WHERE d.id = outbox.delivery_id)), \
                               CASE WHEN body IS NULL THEN (SELECT d.content_type \
                                 FROM deliveries AS d WHERE d.id = outbox.delivery_id) \
                                 ELSE content_type END"
                        )
                        .as_str(),
                        &[&ids, &replica, &lease],
                    )
                    .await
                    .map_err(pg)?;
                let mut messages: Vec<Message> = rows
                    .iter()
                    .map(|r| message_from_row(r, true))
                    .collect::<Result<_, _>>()?;
                messages.sort_by_key(|m| (m.next_attempt_at, m.id));
                Ok(messages)
            })
        })
        .await
    }

    async fn record_attempt(&self, id: i64, result: AttemptResult) -> Result<(), StoreError> {
        let replica = self.replica.clone();
        self.in_tx(move |tx| {
            let (result, replica) = (result.clone(), replica.clone());
            Box::pin(async move { record_attempt_in(tx, id, &replica, &result).await })
        })
        .await
    }

    async fn messages(&self, filter: &MessageFilter) -> Result<Vec<Message>, StoreError> {
        let rows = self
            .query(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM outbox \
                     WHERE ($1::text IS NULL OR output = $1) \
                       AND ($2::text IS NULL OR status = $2) \
                       AND ($3::bigint IS NULL OR id < $3) \
                     ORDER BY id DESC LIMIT $4"
                ),
                &[
                    &filter.output,
                    &filter.status.map(MessageStatus::as_str),
                    &filter.before,
                    &sql_limit(filter.effective_limit()),
                ],
            )
            .await?;
        rows.iter().map(|r| message_from_row(r, false)).collect()
    }

    async fn message_counts(&self) -> Result<BTreeMap<(String, MessageStatus), u64>, StoreError> {
        let rows = self
            .query(
                "SELECT output, status, count(*) FROM outbox \
                 WHERE status IN ('pending', 'failed') GROUP BY output, status",
                &[],
            )
            .await?;
        let mut counts = BTreeMap::new();
        for row in &rows {
            let status: String = get(row, 1)?;
            let status =
                MessageStatus::parse(&status).ok_or_else(|| corrupt("outbox.status", &status))?;
            counts.insert((get(row, 0)?, status), to_u64("count", get(row, 2)?)?);
        }
        Ok(counts)
    }

    async fn retry_message(
        &self,
        output: &str,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Requeue, StoreError> {
        let output = output.to_owned();
        self.in_tx(move |tx| {
            let output = output.clone();
            Box::pin(async move {
                let output = output.as_str();
                let rows = tx
                    .query(
                        "SELECT status, order_key FROM outbox WHERE id = $1 AND output = $2",
                        &[&id, &output],
                    )
                    .await
                    .map_err(pg)?;
                let Some(row) = rows.first() else {
                    return Ok(Requeue::NotFound);
                };
                let status: String = get(row, 0)?;
                let order_key: Option<String> = get(row, 1)?;
                if let Some(key) = &order_key {
                    lock_order_key(tx, output, key).await?;
                }
                let rows = tx
                    .query(
                        format!(
                            "UPDATE outbox SET status = 'pending', attempts = 0, \
                             next_attempt_at = $3, updated_at = $3, claimed_by = NULL, \
                             claimed_until = NULL, blocked = (order_key IS NOT NULL AND EXISTS \
                               (SELECT 1 FROM outbox AS p WHERE p.output = $2 \
                                AND p.order_key = outbox.order_key AND p.status = 'pending')) \
                             WHERE id = $1 AND output = $2 AND status = 'failed' \
                             RETURNING {MESSAGE_COLUMNS}"
                        )
                        .as_str(),
                        &[&id, &output, &now],
                    )
                    .await
                    .map_err(pg)?;
                if let Some(row) = rows.first() {
                    return Ok(Requeue::Requeued(Box::new(message_from_row(row, false)?)));
                }
                Ok(Requeue::NotFailed(
                    MessageStatus::parse(&status)
                        .ok_or_else(|| corrupt("outbox.status", &status))?,
                ))
            })
        })
        .await
    }

    async fn retry_failed(&self, output: &str, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let output = output.to_owned();
        self.in_tx(move |tx| {
            let output = output.clone();
            Box::pin(async move {
                let output = output.as_str();
                // The keys' locks, in one order, so that two replicas cannot deadlock.
                tx.execute(
                    concat!(
                        "SELECT ",
                        order_key_lock!("k"),
                        " FROM (SELECT DISTINCT order_key AS k FROM outbox WHERE output = $1 \
                           AND status = 'failed' AND order_key IS NOT NULL ORDER BY 1) AS keys"
                    ),
                    &[&output],
                )
                .await
                .map_err(pg)?;
                let requeued = tx
                    .execute(
                        "UPDATE outbox SET status = 'pending', attempts = 0, \
                         next_attempt_at = $2, updated_at = $2, claimed_by = NULL, \
                         claimed_until = NULL, blocked = (order_key IS NOT NULL) \
                         WHERE output = $1 AND status = 'failed'",
                        &[&output, &now],
                    )
                    .await
                    .map_err(pg)?;
                repair_heads(tx, Some(output)).await?;
                Ok(requeued)
            })
        })
        .await
    }

    fn write_failure(&self) -> Option<String> {
        lock(&self.failure).clone()
    }

    async fn record_ping(&self, name: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let name = name.to_owned();
        self.in_tx(move |tx| {
            let name = name.clone();
            Box::pin(async move {
                tx.execute(
                    "INSERT INTO heartbeat_pings (name, last_ping_at) VALUES ($1, $2) \
                     ON CONFLICT (name) DO UPDATE \
                     SET last_ping_at = greatest(heartbeat_pings.last_ping_at, \
                       excluded.last_ping_at)",
                    &[&name, &at],
                )
                .await
                .map_err(pg)
                .map(drop)
            })
        })
        .await
    }

    async fn pings(&self) -> Result<BTreeMap<String, DateTime<Utc>>, StoreError> {
        let rows = self
            .query("SELECT name, last_ping_at FROM heartbeat_pings", &[])
            .await?;
        rows.iter()
            .map(|row| Ok((get(row, 0)?, get(row, 1)?)))
            .collect()
    }

    async fn forget_pings(&self, keep: &[String]) -> Result<u64, StoreError> {
        let keep = keep.to_vec();
        self.in_tx(move |tx| {
            let keep = keep.clone();
            Box::pin(async move {
                tx.execute(
                    "DELETE FROM heartbeat_pings WHERE NOT (name = ANY($1))",
                    &[&keep],
                )
                .await
                .map_err(pg)
            })
        })
        .await
    }

    async fn unresolved_counts(&self) -> Result<BTreeMap<(String, AlertStatus), u64>, StoreError> {
        let rows = self
            .query(
                "SELECT instance, status, count(*) FROM alerts \
                 WHERE status <> 'resolved' GROUP BY instance, status",
                &[],
            )
            .await?;
        let mut counts = BTreeMap::new();
        for row in &rows {
            let status: String = get(row, 1)?;
            let status =
                AlertStatus::parse(&status).ok_or_else(|| corrupt("alerts.status", &status))?;
            counts.insert((get(row, 0)?, status), to_u64("count", get(row, 2)?)?);
        }
        Ok(counts)
    }

    async fn add_window(
        &self,
        spec: WindowSpec,
        now: DateTime<Utc>,
        max_live: usize,
    ) -> Result<WindowAdded, StoreError> {
        self.in_tx(move |tx| {
            let spec = spec.clone();
            Box::pin(async move {
                lock_windows(tx).await?;
                let rows = tx
                    .query(
                        "SELECT count(*) FROM maintenance_windows WHERE source = 'api' \
                         AND (ends_at IS NULL OR ends_at > $1)",
                        &[&now],
                    )
                    .await
                    .map_err(pg)?;
                let live: i64 = rows.first().map_or(Ok(0), |row| get(row, 0))?;
                let live = usize::try_from(live).unwrap_or(usize::MAX);
                if live >= max_live {
                    return Ok(WindowAdded::Full(live));
                }
                insert_window(tx, spec, now).await.map(WindowAdded::Added)
            })
        })
        .await
    }

    async fn windows(&self, now: DateTime<Utc>) -> Result<Vec<Window>, StoreError> {
        let rows = self
            .query(
                &format!(
                    "SELECT {WINDOW_COLUMNS} FROM maintenance_windows \
                     WHERE ends_at IS NULL OR ends_at > $1 ORDER BY id"
                ),
                &[&now],
            )
            .await?;
        rows.iter().map(window_from_row).collect()
    }

    async fn delete_window(&self, id: i64) -> Result<WindowDeleted, StoreError> {
        self.in_tx(move |tx| {
            Box::pin(async move {
                lock_windows(tx).await?;
                let rows = tx
                    .query(
                        "SELECT source FROM maintenance_windows WHERE id = $1",
                        &[&id],
                    )
                    .await
                    .map_err(pg)?;
                let source: Option<String> = rows.first().map(|r| get(r, 0)).transpose()?;
                Ok(match source.as_deref() {
                    None => WindowDeleted::NotFound,
                    Some("config") => WindowDeleted::FromConfig,
                    Some(_) => {
                        tx.execute("DELETE FROM maintenance_windows WHERE id = $1", &[&id])
                            .await
                            .map_err(pg)?;
                        WindowDeleted::Deleted
                    }
                })
            })
        })
        .await
    }

    async fn replace_config_windows(
        &self,
        specs: Vec<WindowSpec>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.in_tx(move |tx| {
            let specs = specs.clone();
            Box::pin(async move {
                lock_windows(tx).await?;
                tx.execute(
                    "DELETE FROM maintenance_windows WHERE source = 'config'",
                    &[],
                )
                .await
                .map_err(pg)?;
                for spec in specs {
                    insert_window(tx, spec.from_config(), now).await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn prune_windows(&self, ended_before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.in_tx(move |tx| {
            Box::pin(async move {
                lock_windows(tx).await?;
                tx.execute(
                    "DELETE FROM maintenance_windows WHERE ends_at < $1",
                    &[&ended_before],
                )
                .await
                .map_err(pg)
            })
        })
        .await
    }

    async fn unmute(
        &self,
        now: DateTime<Utc>,
        after: Option<i64>,
        limit: usize,
        plans: BTreeMap<String, Arc<OutboxPlan>>,
    ) -> Result<Unmuted, StoreError> {
        self.in_sync_tx(move |tx| {
            // One replica sweeps at a time; the others find the lock taken and do nothing.
            let rows = tx.query(
                "SELECT pg_try_advisory_xact_lock($1, $2)",
                &[&LOCK_NAMESPACE, &LOCK_UNMUTE],
            )?;
            let locked: bool = rows.first().map_or(Ok(false), |row| get(row, 0))?;
            if !locked {
                return Ok(Unmuted::default());
            }
            unmute_step(tx, now, after, limit, &plans)
        })
        .await
    }

    fn shared(&self) -> bool {
        true
    }

    async fn lead(&self, task: &str) -> Result<bool, StoreError> {
        let mut leader = self.leader.lock().await;
        if leader
            .as_ref()
            .is_some_and(|(client, _)| client.is_closed())
        {
            // The connection was lost, and with it the locks: they must be taken again.
            *leader = None;
        }
        if leader.is_none() {
            let (client, connection) = self
                .location
                .config
                .connect(tls(&self.location)?)
                .await
                .map_err(pg)?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            *leader = Some((client, Vec::new()));
        }
        let Some((client, tasks)) = leader.as_mut() else {
            return Ok(false);
        };
        if tasks.iter().any(|t| t == task) {
            // Still leading only while the connection that holds the lock works: a connection
            // that no longer answers (the database's host gone, a partition) may have lost it
            // to another replica already.
            let alive = tokio::time::timeout(CONNECT_TIMEOUT, client.simple_query("SELECT 1"))
                .await
                .is_ok_and(|answer| answer.is_ok());
            if alive {
                return Ok(true);
            }
            tracing::warn!(
                task,
                "postgres store: the leader connection is lost; not leading"
            );
            *leader = None;
            return Ok(false);
        }
        let rows = client
            .query(
                "SELECT pg_try_advisory_lock($1, $2)",
                &[&LOCK_NAMESPACE, &lead_key(task)],
            )
            .await
            .map_err(pg)?;
        let locked: bool = rows.first().map_or(Ok(false), |row| get(row, 0))?;
        if locked {
            tracing::info!(task, "postgres store: this replica now runs {task}");
            tasks.push(task.to_owned());
        }
        Ok(locked)
    }

    async fn close(&self) -> Result<(), StoreError> {
        // Messages this replica claimed but did not finish (in flight at shutdown) are left
        // to any replica at once, rather than when their lease runs out. Best effort: a
        // replica that dies leaves its claims to expire.
        if let Ok(client) = self.client().await {
            let _ = client
                .execute(
                    "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL \
                     WHERE claimed_by = $1 AND status = 'pending'",
                    &[&self.replica],
                )
                .await;
        }
        self.closed.store(true, Ordering::Relaxed);
        *self.leader.lock().await = None;
        self.pool.close();
        Ok(())
    }
}

async fn lock_windows(tx: &deadpool_postgres::Transaction<'_>) -> Result<(), StoreError> {
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, $2)",
        &[&LOCK_NAMESPACE, &LOCK_WINDOWS],
    )
    .await
    .map_err(pg)
    .map(drop)
}

/// Inserts a window made at `now`; returns it.
async fn insert_window(
    tx: &deadpool_postgres::Transaction<'_>,
    spec: WindowSpec,
    now: DateTime<Utc>,
) -> Result<Window, StoreError> {
    let rows = tx
        .query(
            "INSERT INTO maintenance_windows (source, starts_at, ends_at, spec, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                &spec.source.as_str(),
                &spec.schedule.starts_at(),
                &spec.schedule.ends_at(),
                &to_json(&spec),
                &now,
            ],
        )
        .await
        .map_err(pg)?;
    let id: i64 = rows.first().map_or_else(
        || Err(corrupt("maintenance_windows.id", &"no id")),
        |r| get(r, 0),
    )?;
    Ok(Window::new(id, now, spec))
}

/// What [`PostgresStore::import_sqlite`] copied, by table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Imported {
    /// Rows copied, by table name.
    pub rows: BTreeMap<&'static str, u64>,
}

/// The tables [`PostgresStore::import_sqlite`] copies, parents first, with their columns and
/// how each is read from SQLite: `t` text, `i` integer, `b` blob, `z` timestamp (RFC 3339 text),
/// `?` boolean (0/1).
const IMPORTED: &[(&str, &[(&str, char)])] = &[
    (
        "deliveries",
        &[
            ("id", 'i'),
            ("instance", 't'),
            ("received_at", 'z'),
            ("content_type", 't'),
            ("body", 'b'),
            ("body_bytes", 'i'),
            ("status", '4'),
            ("error", 't'),
            ("event_count", 'i'),
            ("events", 't'),
            ("notes", 't'),
        ],
    ),
    (
        "alerts",
        &[
            ("id", 'i'),
            ("instance", 't'),
            ("thirdparty_id", 't'),
            ("status", 't'),
            ("title", 't'),
            ("description", 't'),
            ("urgency", 't'),
            ("dedup_keys", 't'),
            ("tags", 't'),
            ("additional_data", 't'),
            ("dedup_count", 'i'),
            ("created_at", 'z'),
            ("updated_at", 'z'),
            ("acknowledged_at", 'z'),
            ("resolved_at", 'z'),
            ("muted", '?'),
            ("unmuted_at", 'z'),
        ],
    ),
    (
        "alert_history",
        &[
            ("id", 'i'),
            ("alert_id", 'i'),
            ("delivery_id", 'i'),
            ("at", 'z'),
            ("action", 't'),
            ("transition", 't'),
        ],
    ),
    (
        "seen_signatures",
        &[("instance", 't'), ("signature", 't'), ("expires_at", 'z')],
    ),
    (
        "outbox",
        &[
            ("id", 'i'),
            ("output", 't'),
            ("webhook_id", 't'),
            ("kind", 't'),
            ("delivery_id", 'i'),
            ("alert_id", 'i'),
            ("order_key", 't'),
            ("blocked", '?'),
            ("body", 'b'),
            ("content_type", 't'),
            ("status", 't'),
            ("attempts", '4'),
            ("last_status_code", '4'),
            ("last_error", 't'),
            ("next_attempt_at", 'z'),
            ("created_at", 'z'),
            ("updated_at", 'z'),
        ],
    ),
    ("heartbeat_pings", &[("name", 't'), ("last_ping_at", 'z')]),
    (
        "maintenance_windows",
        &[
            ("id", 'i'),
            ("source", 't'),
            ("starts_at", 'z'),
            ("ends_at", 'z'),
            ("spec", 't'),
            ("created_at", 'z'),
        ],
    ),
];

/// One SQLite value, converted for PostgreSQL.
#[derive(Debug)]
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Int4(Option<i32>),
    Blob(Option<Vec<u8>>),
    Time(Option<DateTime<Utc>>),
    Bool(Option<bool>),
}

impl Value {
    fn read(row: &rusqlite::Row<'_>, index: usize, kind: char) -> Result<Self, StoreError> {
        Ok(match kind {
            'i' => Value::Int(row.get(index)?),
            '4' => Value::Int4(row.get(index)?),
            'b' => Value::Blob(row.get(index)?),
            '?' => Value::Bool(row.get(index)?),
            'z' => {
                let text: Option<String> = row.get(index)?;
                Value::Time(
                    text.map(|t| {
                        DateTime::parse_from_rfc3339(&t)
                            .map(|t| t.with_timezone(&Utc))
                            .map_err(|e| corrupt("a timestamp", &e))
                    })
                    .transpose()?,
                )
            }
            _ => Value::Text(row.get(index)?),
        })
    }

    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Value::Text(v) => v,
            Value::Int(v) => v,
            Value::Int4(v) => v,
            Value::Blob(v) => v,
            Value::Time(v) => v,
            Value::Bool(v) => v,
        }
    }
}

impl PostgresStore {
    /// Copies everything the SQLite store at `path` holds (the delivery log, alerts and their
    /// history, seen signatures, the outbox with its message-id prefix, heartbeat pings,
    /// maintenance windows) into the database at `location` (migrated first), which must hold
    /// no delivery and no alert yet, in one transaction: ids are kept, so links between them,
    /// `webhook-id`s and API URLs stay as they were. The SQLite file is migrated to the current
    /// schema first and must not be in use (stop its receiver first).
    ///
    /// # Errors
    /// When the file cannot be read, the database cannot be reached or is not empty, or a write
    /// fails (then nothing is copied).
    pub async fn import_sqlite(
        location: &PostgresLocation,
        path: &std::path::Path,
    ) -> Result<Imported, StoreError> {
        let store = Self::open(location).await?;
        let imported = store.import_sqlite_into(path).await;
        store.close().await?;
        imported
    }

    async fn import_sqlite_into(&self, path: &std::path::Path) -> Result<Imported, StoreError> {
        // Open (and migrate) it as a store first, then read it alone.
        super::SqliteStore::open(path)?.close().await?;
        let sqlite = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        let rows = tx
            .query(
                "SELECT (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM alerts)",
                &[],
            )
            .await
            .map_err(pg)?;
        let existing: i64 = rows.first().map_or(Ok(0), |row| get(row, 0))?;
        if existing > 0 {
            return Err(StoreError::Open(
                "the PostgreSQL database already holds deliveries or alerts: import into an \
                 empty one"
                    .to_owned(),
            ));
        }
        let mut imported = Imported::default();
        for (table, columns) in IMPORTED {
            let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
            let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
            let overriding = if *table == "maintenance_windows" {
                "OVERRIDING SYSTEM VALUE "
            } else {
                ""
            };
            let insert = tx
                .prepare(&format!(
                    "INSERT INTO {table} ({}) {overriding}VALUES ({})",
                    names.join(", "),
                    placeholders.join(", ")
                ))
                .await
                .map_err(pg)?;
            let mut statement = sqlite.prepare(&format!(
                "SELECT {} FROM {table} ORDER BY 1",
                names.join(", ")
            ))?;
            let mut rows = statement.query([])?;
            let mut count = 0_u64;
            while let Some(row) = rows.next()? {
                let values = columns
                    .iter()
                    .enumerate()
                    .map(|(index, (_, kind))| Value::read(row, index, *kind))
                    .collect::<Result<Vec<_>, _>>()?;
                let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(Value::as_sql).collect();
                tx.execute(&insert, &params).await.map_err(pg)?;
                count += 1;
            }
            if names.first() == Some(&"id") {
                tx.execute(
                    format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                         coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                    )
                    .as_str(),
                    &[],
                )
                .await
                .map_err(pg)?;
            }
            imported.rows.insert(table, count);
        }
        let prefix: String =
            sqlite.query_row("SELECT prefix FROM outbox_identity", [], |row| row.get(0))?;
        tx.execute("UPDATE outbox_identity SET prefix = $1", &[&prefix])
            .await
            .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(imported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pooled connection runs with the server-side limits, whatever options the URL had.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn connections_have_server_side_timeouts() {
        let Some(cluster) = pager_testkit::postgres_for_test("postgres_session_options").unwrap()
        else {
            return;
        };
        let url = cluster.create_database("session_options").unwrap();
        let location =
            PostgresLocation::parse(&format!("{url}&options=-c%20statement_timeout%3D60s"))
                .unwrap();
        let store = PostgresStore::open(&location).await.unwrap();
        let client = store.client().await.unwrap();
        for (name, value) in [
            ("idle_in_transaction_session_timeout", "30s"),
            ("lock_timeout", "10s"),
            ("tcp_keepalives_idle", "10"),
            ("tcp_keepalives_interval", "5"),
            ("tcp_keepalives_count", "3"),
            ("statement_timeout", "1min"),
        ] {
            let row = client
                .query_one(&format!("SHOW {name}"), &[])
                .await
                .unwrap();
            assert_eq!(row.get::<_, String>(0), value, "{name}");
        }
        drop(client);
        store.close().await.unwrap();
    }
}
