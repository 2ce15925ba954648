//! The SQLite store: one file in WAL mode, one writer thread that commits deliveries in
//! groups, one reader connection for queries.
//!
//! Group commit: the writer takes every delivery waiting in its queue (up to
//! [`MAX_BATCH`]), applies each in its own savepoint inside one transaction, commits once
//! (`synchronous = FULL`: the commit is on disk when it returns) and only then answers the
//! deliveries' callers. A delivery of [`LARGE_DELIVERY_EVENTS`] events or more is set aside and
//! committed on its own, after the smaller ones waiting with it. So each acknowledged delivery is durable, and a burst costs one
//! fsync per group instead of one per delivery. A single writer also means two deliveries for
//! one key never race; the partial unique index on unresolved alerts is the backstop.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use pager_core::Urgency;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use tokio::sync::{mpsc, oneshot};

use super::{
    AlertFilter, AlertTx, AttemptResult, Body, Delivery, DeliveryFilter, DeliveryRecord,
    HistoryEntry, Ingested, Message, MessageFilter, MessageStatus, NewMessage, NextStep, Outcome,
    Pruned, Queued, Requeue, Store, StoreError, apply_events, events_json, unmute_step,
};
use crate::lifecycle::{Alert, AlertStatus, Transition};
use crate::lock;
use crate::maintenance::{Unmuted, Window, WindowAdded, WindowDeleted, WindowSpec};
use crate::outputs::OutboxPlan;

mod queues;
use queues::WriterOutbox;

/// The most deliveries committed in one transaction.
const MAX_BATCH: usize = 512;
/// A delivery with at least this many events is committed on its own, after the smaller
/// deliveries waiting with it: applying 100,000 events takes seconds, and the deliveries of
/// other instances should not wait for it, nor share its fate if it fails.
const LARGE_DELIVERY_EVENTS: usize = 1000;
/// How many deliveries may wait for the writer before `ingest` waits too.
const QUEUE: usize = 4096;
/// The most rows one retention transaction deletes: a prune is done in steps, with the
/// deliveries waiting between them committed in between, so it never holds the writer long.
const PRUNE_STEP: usize = 2000;
/// How long a connection waits for a lock another process holds before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Schema migrations, applied in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY,
    instance     TEXT    NOT NULL,
    received_at  TEXT    NOT NULL,
    content_type TEXT,
    body         BLOB,
    body_bytes   INTEGER NOT NULL,
    status       INTEGER NOT NULL,
    error        TEXT,
    event_count  INTEGER NOT NULL,
    events       TEXT
);
CREATE INDEX deliveries_by_instance ON deliveries (instance, id);

CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY,
    instance        TEXT    NOT NULL,
    thirdparty_id   TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    title           TEXT    NOT NULL,
    description     TEXT,
    urgency         TEXT,
    dedup_keys      TEXT    NOT NULL,
    tags            TEXT    NOT NULL,
    additional_data TEXT    NOT NULL,
    dedup_count     INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    acknowledged_at TEXT,
    resolved_at     TEXT
);
-- At most one unresolved alert per (instance, thirdparty_id).
CREATE UNIQUE INDEX alerts_one_unresolved ON alerts (instance, thirdparty_id)
    WHERE status != 'resolved';
CREATE INDEX alerts_by_key ON alerts (instance, thirdparty_id, id);
CREATE INDEX alerts_by_status ON alerts (status, instance);

CREATE TABLE alert_history (
    id          INTEGER PRIMARY KEY,
    alert_id    INTEGER NOT NULL REFERENCES alerts (id),
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
    at          TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    transition  TEXT    NOT NULL
);
CREATE INDEX alert_history_by_alert ON alert_history (alert_id, id);
",
    r"
-- Retention: find expired rows, and whether a delivery is still referred to, by index.
CREATE INDEX alert_history_by_delivery ON alert_history (delivery_id);
CREATE INDEX deliveries_by_time ON deliveries (received_at);
CREATE INDEX alerts_resolved ON alerts (resolved_at) WHERE status = 'resolved';
",
    r"
-- HMAC signatures (with a timestamp) accepted, until their window closes: replays are not applied.
CREATE TABLE seen_signatures (
    instance   TEXT NOT NULL,
    signature  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (instance, signature)
) WITHOUT ROWID;
CREATE INDEX seen_signatures_by_expiry ON seen_signatures (expires_at);
",
    r"
-- The outbox: outgoing messages, queued in the transaction of the delivery that caused them.
-- No URL, header or secret: only the output's name. Messages with one order_key (an alert's
-- instance/thirdparty_id) go one at a time: all but the oldest pending one are blocked.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    output           TEXT    NOT NULL,
    webhook_id       TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    delivery_id      INTEGER NOT NULL,
    alert_id         INTEGER,
    order_key        TEXT,
    blocked          INTEGER NOT NULL,
    -- NULL: a raw relay of the delivery's own body and content type, kept once, in deliveries
    -- (a delivery that such a message refers to is not pruned).
    body             BLOB,
    content_type     TEXT,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL,
    last_status_code INTEGER,
    last_error       TEXT,
    next_attempt_at  TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);
CREATE INDEX outbox_due ON outbox (output, next_attempt_at, id)
    WHERE status = 'pending' AND blocked = 0;
-- Finds a key's head and next one from the index alone (no row, hence no body, is read).
CREATE INDEX outbox_pending_by_key ON outbox (output, order_key, blocked, id)
    WHERE status = 'pending';
CREATE INDEX outbox_by_output ON outbox (output, status, id);
CREATE INDEX outbox_finished ON outbox (updated_at) WHERE status != 'pending';
CREATE INDEX outbox_relayed ON outbox (delivery_id) WHERE body IS NULL;
-- The store's random prefix for message ids (one row, written on open).
CREATE TABLE outbox_identity (prefix TEXT NOT NULL);
",
    // What the instance's rules did that the events do not show (issue 16).
    r"
ALTER TABLE deliveries ADD COLUMN notes TEXT;
",
    r"
-- Heartbeats: each one's last ping, so that a restart does not forget it. One row per
-- configured heartbeat (rows of heartbeats no longer configured are deleted at start).
CREATE TABLE heartbeat_pings (
    name         TEXT PRIMARY KEY,
    last_ping_at TEXT NOT NULL
) WITHOUT ROWID;
",
    // Maintenance windows, and alerts they muted (issue 17).
    r"
CREATE TABLE maintenance_windows (
    id         INTEGER PRIMARY KEY AUTOINCREMENT, -- never given twice: a DELETE names one window
    source     TEXT NOT NULL CHECK (source IN ('api', 'config')),
    starts_at  TEXT, -- fixed windows; NULL for weekly ones
    ends_at    TEXT,
    spec       TEXT NOT NULL, -- JSON: instances, match, schedule, reason
    created_at TEXT NOT NULL
);
CREATE INDEX maintenance_windows_by_end ON maintenance_windows (ends_at);
ALTER TABLE alerts ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN unmuted_at TEXT;
CREATE INDEX alerts_muted ON alerts (id) WHERE muted = 1 AND status != 'resolved';
",
    // The writer keeps each order key's pending messages in memory (`queues.rs`): no query
    // needs the per-key index, and each message wrote a random page of it twice.
    r"
DROP INDEX outbox_pending_by_key;
",
];

const MESSAGE_COLUMNS: &str = "id, output, webhook_id, kind, delivery_id, alert_id, status, \
    attempts, last_status_code, last_error, next_attempt_at, created_at, updated_at";

const ALERT_COLUMNS: &str = "id, instance, thirdparty_id, status, title, description, urgency, \
    dedup_keys, tags, additional_data, dedup_count, created_at, updated_at, acknowledged_at, \
    resolved_at, muted, unmuted_at";

/// A [`Store`] in one SQLite file (created, and migrated to the current schema, on open).
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    jobs: mpsc::Sender<Job>,
    reader: Arc<Mutex<Connection>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    /// The writer's last commit failure; cleared by its next successful commit.
    failure: Arc<Mutex<Option<String>>>,
}

enum Job {
    Ingest(Box<Prepared>, oneshot::Sender<Result<Ingested, StoreError>>),
    Prune(Box<Prune>),
    /// An attempt's outcome: committed with the next group.
    Attempt(i64, AttemptResult, oneshot::Sender<Result<(), StoreError>>),
    Retry(Box<RetryJob>),
    Maintenance(Box<MaintenanceJob>),
    /// Every failed message of an output, pending again.
    RetryFailed(
        String,
        DateTime<Utc>,
        oneshot::Sender<Result<u64, StoreError>>,
    ),
    /// A small write of its own, run on the writer in its own transaction (heartbeat pings).
    Write(Box<dyn FnOnce(&mut Connection) + Send>),
    Close(oneshot::Sender<()>),
}

/// A failed message to make pending again.
struct RetryJob {
    output: String,
    id: i64,
    now: DateTime<Utc>,
    reply: oneshot::Sender<Result<Requeue, StoreError>>,
}

/// Attempt outcomes waiting for the writer, with who waits for each.
type Attempts = Vec<(i64, AttemptResult, oneshot::Sender<Result<(), StoreError>>)>;

/// A prune in progress on the writer: its cutoffs, what it removed so far, who waits.
struct Prune {
    deliveries_before: String,
    resolved_alerts_before: String,
    pruned: Pruned,
    reply: oneshot::Sender<Result<Pruned, StoreError>>,
}

/// A delivery with its events already serialized (on the caller's task, not the writer's).
struct Prepared {
    /// How many events it carries.
    event_count: usize,
    delivery: Delivery,
    status: u16,
    error: Option<String>,
    events_json: Option<String>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and starts its writer thread.
    ///
    /// A new database file is created readable and writable by its owner only (mode 0600 on
    /// Unix; SQLite gives its `-wal` and `-shm` files the database file's mode): it holds
    /// every delivery's body.
    ///
    /// # Errors
    /// When the file cannot be opened or its schema is newer than this build knows.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with_busy_timeout(path, BUSY_TIMEOUT)
    }

    /// As [`SqliteStore::open`], waiting at most `busy_timeout` (default 5 s) for a lock held
    /// by another process before a write or read fails.
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub fn open_with_busy_timeout(
        path: impl AsRef<Path>,
        busy_timeout: Duration,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let failed =
            |e: &dyn std::fmt::Display| StoreError::Open(format!("{}: {e}", path.display()));
        create_private(&path).map_err(|e| failed(&e))?;
        let mut writer = Connection::open(&path).map_err(|e| failed(&e))?;
        configure(&writer, busy_timeout)?;
        migrate(&mut writer)?;
        let prefix = message_prefix(&writer)?;
        // Every key with pending messages has a head (a crash cannot leave one otherwise, but
        // a key without one would never be sent).
        writer.execute(
            "UPDATE outbox SET blocked = 0 WHERE id IN (SELECT min(id) FROM outbox \
             WHERE status = 'pending' AND order_key IS NOT NULL \
             GROUP BY output, order_key HAVING sum(blocked = 0) = 0)",
            [],
        )?;
        let outbox = WriterOutbox::load(&writer)?;
        let reader = Connection::open(&path).map_err(|e| failed(&e))?;
        configure(&reader, busy_timeout)?;
        let (jobs, queue) = mpsc::channel(QUEUE);
        let failure = Arc::new(Mutex::new(None));
        let writer_failure = Arc::clone(&failure);
        let handle = std::thread::Builder::new()
            .name("pagerhook-sqlite-writer".into())
            .spawn(move || write_loop(&mut writer, queue, &writer_failure, outbox, &prefix))
            .map_err(|e| StoreError::Open(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            path,
            jobs,
            reader: Arc::new(Mutex::new(reader)),
            writer: Mutex::new(Some(handle)),
            failure,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `write` on the writer thread, in a transaction of its own (a statement outside
    /// an explicit transaction commits on its own), and waits for it.
    async fn write<T, F>(&self, write: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Write(Box::new(move |conn| {
                let _ = reply.send(write(conn));
            })))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Sends `job` to the writer and waits for its answer.
    async fn maintenance_job<T>(
        &self,
        job: MaintenanceJob,
        answer: oneshot::Receiver<Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        self.jobs
            .send(Job::Maintenance(Box::new(job)))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    async fn read<T, F>(&self, query: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let reader = Arc::clone(&self.reader);
        tokio::task::spawn_blocking(move || query(&lock(&reader)))
            .await
            .map_err(|_| StoreError::Closed)?
    }
}

/// The store's message-id prefix: read, or made (8 random lowercase hex digits) and written.
fn message_prefix(conn: &Connection) -> Result<String, StoreError> {
    let stored: Option<String> = conn
        .query_row("SELECT prefix FROM outbox_identity", [], |row| row.get(0))
        .optional()?;
    if let Some(prefix) = stored {
        return Ok(prefix);
    }
    let prefix = crate::outputs::random_prefix();
    conn.execute(
        "INSERT INTO outbox_identity (prefix) VALUES (?1)",
        [&prefix],
    )?;
    Ok(prefix)
}

/// Creates the database file, if it does not exist, with mode 0600.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

fn configure(conn: &Connection, busy_timeout: Duration) -> Result<(), StoreError> {
    conn.busy_timeout(busy_timeout)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_FRAMES)?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let applied: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if applied > MIGRATIONS.len() {
        return Err(StoreError::Open(format!(
            "the database's schema version {applied} is newer than this pagerhook's ({})",
            MIGRATIONS.len()
        )));
    }
    for (version, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
        tx.execute_batch(migration)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// The WAL size (in pages) at which the writer checkpoints after a commit. Larger means
/// rarer but longer pauses; 8192 pages (32 MiB) measured best with the load bench
/// (BENCHMARKS.md): 1,000 pages paused often enough to show in the 99th percentile, and a
/// checkpoint thread beside the writer cost more CPU than it saved on two cores.
const CHECKPOINT_FRAMES: i64 = 8192;

fn write_loop(
    conn: &mut Connection,
    mut queue: mpsc::Receiver<Job>,
    failure: &Mutex<Option<String>>,
    mut outbox: WriterOutbox,
    prefix: &str,
) {
    let mut closing = None;
    let mut pruning: Option<Box<Prune>> = None;
    let mut large = std::collections::VecDeque::new();
    while closing.is_none() {
        // While a prune or a large delivery waits, nothing more is waited for: what comes is
        // committed before the next large delivery and between the prune's steps.
        let first = if pruning.is_some() || !large.is_empty() {
            queue.try_recv().ok()
        } else {
            let Some(job) = queue.blocking_recv() else {
                break;
            };
            Some(job)
        };
        let mut batch = Vec::new();
        let mut attempts = Vec::new();
        for job in first
            .into_iter()
            .chain(std::iter::from_fn(|| queue.try_recv().ok()))
        {
            match job {
                Job::Ingest(prepared, reply) if prepared.event_count >= LARGE_DELIVERY_EVENTS => {
                    large.push_back((prepared, reply));
                }
                Job::Ingest(prepared, reply) => batch.push((prepared, reply)),
                Job::Attempt(id, result, reply) => attempts.push((id, result, reply)),
                Job::Retry(retry) => {
                    let answer = requeue(conn, &retry, &mut outbox);
                    let _ = retry.reply.send(answer);
                }
                Job::RetryFailed(output, now, reply) => {
                    let _ = reply.send(requeue_failed(conn, &output, now, &mut outbox));
                }
                Job::Maintenance(job) => maintenance(conn, *job, &mut outbox, prefix),
                Job::Prune(prune) => match &mut pruning {
                    // One prune at a time; one asked meanwhile is answered with nothing done
                    // (the running one removes what it would have).
                    Some(_) => {
                        let _ = prune.reply.send(Ok(Pruned::default()));
                    }
                    None => pruning = Some(prune),
                },
                Job::Write(write) => write(conn),
                Job::Close(done) => {
                    closing = Some(done);
                    break;
                }
            }
            if batch.len() + attempts.len() >= MAX_BATCH {
                break;
            }
        }
        if !batch.is_empty() {
            commit_batch(conn, (batch, attempts), failure, &mut outbox, prefix);
        } else if !attempts.is_empty() {
            commit_attempts(conn, attempts, failure, &mut outbox);
        }
        // One large delivery per round, so a steady stream of small ones cannot starve it.
        if let Some(one) = large.pop_front() {
            commit_batch(conn, (vec![one], Vec::new()), failure, &mut outbox, prefix);
        }
        if let Some(mut prune) = pruning.take() {
            match prune_step(conn, &mut prune) {
                Ok(false) => pruning = Some(prune),
                Ok(true) => {
                    let _ = prune.reply.send(Ok(prune.pruned));
                }
                Err(error) => {
                    *lock(failure) = Some(error.to_string());
                    let _ = prune.reply.send(Err(error.into()));
                }
            }
        }
    }
    // Large deliveries queued before the close request are committed, each on its own.
    for one in large {
        commit_batch(conn, (vec![one], Vec::new()), failure, &mut outbox, prefix);
    }
    queue.close();
    // Anything queued after the close request is refused, not dropped silently.
    while let Ok(job) = queue.try_recv() {
        match job {
            Job::Ingest(_, reply) => {
                let _ = reply.send(Err(StoreError::Closed));
            }
            Job::Prune(prune) => {
                let _ = prune.reply.send(Err(StoreError::Closed));
            }
            Job::Attempt(_, _, reply) => {
                let _ = reply.send(Err(StoreError::Closed));
            }
            Job::Retry(retry) => {
                let _ = retry.reply.send(Err(StoreError::Closed));
            }
            Job::RetryFailed(_, _, reply) => {
                let _ = reply.send(Err(StoreError::Closed));
            }
            // Dropping the job drops its reply: the caller gets `StoreError::Closed`.
            Job::Write(_) | Job::Maintenance(_) | Job::Close(_) => {}
        }
    }
    if let Some(prune) = pruning {
        let _ = prune.reply.send(Err(StoreError::Closed));
    }
    if let Some(done) = closing {
        let _ = done.send(());
    }
}

/// Deletes at most [`PRUNE_STEP`] expired alerts and [`PRUNE_STEP`] expired deliveries in one
/// transaction; `Ok(true)` when nothing expired is left.
fn prune_step(conn: &mut Connection, prune: &mut Prune) -> rusqlite::Result<bool> {
    let step = i64::try_from(PRUNE_STEP).unwrap_or(i64::MAX);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let alerts: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM alerts WHERE status = 'resolved' AND resolved_at < ?1 \
             AND id < (SELECT max(id) FROM alerts) ORDER BY resolved_at LIMIT ?2",
        )?
        .query_map(params![prune.resolved_alerts_before, step], |row| {
            row.get(0)
        })?
        .collect::<Result<_, _>>()?;
    for id in &alerts {
        tx.prepare_cached("DELETE FROM alert_history WHERE alert_id = ?1")?
            .execute([id])?;
        tx.prepare_cached("DELETE FROM alerts WHERE id = ?1")?
            .execute([id])?;
    }
    let deliveries: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM deliveries WHERE received_at < ?1 AND NOT EXISTS \
             (SELECT 1 FROM alert_history WHERE delivery_id = deliveries.id) \
             AND NOT EXISTS (SELECT 1 FROM outbox WHERE delivery_id = deliveries.id \
               AND body IS NULL) \
             AND id < (SELECT max(id) FROM deliveries) ORDER BY received_at LIMIT ?2",
        )?
        .query_map(params![prune.deliveries_before, step], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    for id in &deliveries {
        tx.prepare_cached("DELETE FROM deliveries WHERE id = ?1")?
            .execute([id])?;
    }
    // Delivered and failed messages go with the deliveries' retention; pending ones stay.
    let messages = tx
        .prepare_cached(
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status != 'pending' \
             AND updated_at < ?1 AND id < (SELECT max(id) FROM outbox) LIMIT ?2)",
        )?
        .execute(params![prune.deliveries_before, step])?;
    tx.commit()?;
    prune.pruned.alerts += alerts.len() as u64;
    prune.pruned.deliveries += deliveries.len() as u64;
    prune.pruned.messages += messages as u64;
    Ok(alerts.len() < PRUNE_STEP && deliveries.len() < PRUNE_STEP && messages < PRUNE_STEP)
}

type Reply = oneshot::Sender<Result<Ingested, StoreError>>;

/// Commits a group of deliveries, and the attempt outcomes waiting with them, in one
/// transaction (one fsync for both): each delivery in its own savepoint, the attempts in one.
fn commit_batch(
    conn: &mut Connection,
    (batch, attempts): (Vec<(Box<Prepared>, Reply)>, Attempts),
    failure: &Mutex<Option<String>>,
    outbox: &mut WriterOutbox,
    prefix: &str,
) {
    // What the writer keeps of the outbox changes only if the whole transaction commits, and
    // a delivery's share of it only if its savepoint does.
    let outcome = outbox.undone_on_error(|outbox| {
        let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(batch.len());
        for (prepared, _) in &batch {
            let mut savepoint = tx.savepoint()?;
            let result =
                outbox.undone_on_error(|outbox| ingest_one(&savepoint, prepared, outbox, prefix));
            if result.is_ok() {
                savepoint.commit()?;
            } else {
                savepoint.rollback()?;
            }
            results.push(result);
        }
        let recorded = if attempts.is_empty() {
            Ok(())
        } else {
            let savepoint = tx.savepoint()?;
            match outbox.undone_on_error(|outbox| record_attempts(&savepoint, &attempts, outbox)) {
                Ok(()) => {
                    savepoint.commit()?;
                    Ok(())
                }
                Err(error) => Err(error.to_string()),
            }
        };
        tx.commit()?;
        Ok::<_, rusqlite::Error>((results, recorded))
    });
    *lock(failure) = outcome.as_ref().err().map(ToString::to_string);
    if outcome.is_ok() {
        outbox.settle();
    }
    match outcome {
        Ok((results, recorded)) => {
            for ((_, reply), result) in batch.into_iter().zip(results) {
                let _ = reply.send(result);
            }
            for (_, _, reply) in attempts {
                let _ = reply.send(recorded.clone().map_err(StoreError::Commit));
            }
        }
        Err(error) => {
            tracing::error!(%error, "sqlite store: commit failed; {} deliveries refused", batch.len());
            for (_, reply) in batch {
                let _ = reply.send(Err(StoreError::Commit(error.to_string())));
            }
            for (_, _, reply) in attempts {
                let _ = reply.send(Err(StoreError::Commit(error.to_string())));
            }
        }
    }
}

/// Remembers `signature` for `instance` until it expires (forgetting expired ones first);
/// true when it was already there: a replay.
fn seen_before(
    conn: &Connection,
    instance: &str,
    (signature, expires): &(String, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    conn.prepare_cached("DELETE FROM seen_signatures WHERE expires_at < ?1")?
        .execute([timestamp(now)])?;
    let inserted = conn
        .prepare_cached(
            "INSERT INTO seen_signatures (instance, signature, expires_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![instance, signature, timestamp(*expires)])?;
    Ok(inserted == 0)
}

fn ingest_one(
    conn: &Connection,
    prepared: &Prepared,
    outbox: &mut WriterOutbox,
    prefix: &str,
) -> Result<Ingested, StoreError> {
    let delivery = &prepared.delivery;
    let replayed = match (&delivery.signature, prepared.status) {
        (Some(signature), 200) => {
            seen_before(conn, &delivery.instance, signature, delivery.received_at)?
        }
        _ => false,
    };
    let error = if replayed {
        Some(super::REPLAY_NOTE.to_owned())
    } else {
        prepared.error.clone()
    };
    conn.prepare_cached(
        "INSERT INTO deliveries (instance, received_at, content_type, body, body_bytes, status, \
         error, event_count, events, notes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        delivery.instance,
        timestamp(delivery.received_at),
        delivery.content_type,
        delivery.body.as_deref(),
        delivery.body_bytes,
        prepared.status,
        error,
        match &delivery.outcome {
            Outcome::Accepted(events) if !replayed => events.len() as u64,
            _ => 0,
        },
        if replayed {
            None
        } else {
            prepared.events_json.as_deref()
        },
        delivery.notes,
    ])?;
    let delivery_id = conn.last_insert_rowid();
    let (results, queued) = match &delivery.outcome {
        Outcome::Accepted(_) if replayed => (Vec::new(), Queued::default()),
        Outcome::Accepted(events) => apply_events(
            &mut SqlTx {
                conn,
                outbox,
                prefix,
            },
            delivery,
            delivery_id,
            events,
        )?,
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

struct SqlTx<'a> {
    conn: &'a Connection,
    /// What the writer keeps of the outbox.
    outbox: &'a mut WriterOutbox,
    prefix: &'a str,
}

impl SqlTx<'_> {
    /// Inserts `alert` (id 0: SQLite assigns one) or rewrites the stored row with its id;
    /// returns the id. One statement, so insert and update cannot drift apart.
    fn write_alert(&self, alert: &Alert) -> Result<i64, StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO alerts (id, instance, thirdparty_id, status, title, description, \
                 urgency, dedup_keys, tags, additional_data, dedup_count, created_at, \
                 updated_at, acknowledged_at, resolved_at, muted, unmuted_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, \
                 ?16, ?17) \
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status, \
                 title = excluded.title, description = excluded.description, \
                 urgency = excluded.urgency, dedup_keys = excluded.dedup_keys, \
                 tags = excluded.tags, additional_data = excluded.additional_data, \
                 dedup_count = excluded.dedup_count, updated_at = excluded.updated_at, \
                 acknowledged_at = excluded.acknowledged_at, resolved_at = excluded.resolved_at, \
                 muted = excluded.muted, unmuted_at = excluded.unmuted_at \
                 RETURNING id",
            )?
            .query_row(
                params![
                    (alert.id != 0).then_some(alert.id),
                    alert.instance,
                    alert.thirdparty_id,
                    alert.status.as_str(),
                    alert.title,
                    alert.description,
                    alert.urgency.map(Urgency::as_str),
                    to_json(&alert.dedup_keys),
                    to_json(&alert.tags),
                    to_json(&alert.additional_data),
                    alert.dedup_count,
                    timestamp(alert.created_at),
                    timestamp(alert.updated_at),
                    alert.acknowledged_at.map(timestamp),
                    alert.resolved_at.map(timestamp),
                    alert.muted,
                    alert.unmuted_at.map(timestamp),
                ],
                |row| row.get(0),
            )
            .map_err(StoreError::from)
    }
}

impl AlertTx for SqlTx<'_> {
    fn unresolved(
        &mut self,
        instance: &str,
        thirdparty_id: &str,
    ) -> Result<Option<Alert>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts \
             WHERE instance = ?1 AND thirdparty_id = ?2 AND status != 'resolved'"
        ))?;
        statement
            .query_row(params![instance, thirdparty_id], alert_from_row)
            .optional()?
            .transpose()
    }

    fn insert_alert(&mut self, alert: &Alert) -> Result<i64, StoreError> {
        self.write_alert(alert)
    }

    fn update_alert(&mut self, alert: &Alert) -> Result<(), StoreError> {
        self.write_alert(alert).map(|_| ())
    }

    fn bump_alert(&mut self, alert: &Alert) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE alerts SET dedup_count = ?2, updated_at = ?3 WHERE id = ?1")?
            .execute(params![
                alert.id,
                alert.dedup_count,
                timestamp(alert.updated_at)
            ])?;
        Ok(())
    }

    fn insert_history(
        &mut self,
        alert_id: i64,
        delivery_id: i64,
        entry: &HistoryEntry,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO alert_history (alert_id, delivery_id, at, action, transition) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                alert_id,
                delivery_id,
                timestamp(entry.at),
                entry.action.as_str(),
                to_json(&entry.transition),
            ])?;
        Ok(())
    }

    fn pending_messages(&mut self, output: &str) -> Result<u64, StoreError> {
        Ok(self.outbox.pending(output))
    }

    fn insert_message(&mut self, message: &NewMessage<'_>) -> Result<(), StoreError> {
        let created_at = timestamp(message.created_at);
        let key = message.order_key.as_deref();
        let blocked = key.is_some_and(|key| self.outbox.has_pending(message.output, key));
        self.conn
            .prepare_cached(
                "INSERT INTO outbox (output, webhook_id, kind, delivery_id, alert_id, order_key, \
                 blocked, body, content_type, status, attempts, next_attempt_at, created_at, \
                 updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?10, ?7, ?8, 'pending', 0, ?9, ?9, \
                 ?9)",
            )?
            .execute(params![
                message.output,
                message.webhook_id,
                message.kind,
                message.delivery_id,
                message.alert_id,
                message.order_key,
                match &message.body {
                    Body::Own(bytes) => Some(bytes.as_ref()),
                    Body::Delivery(_) => None,
                },
                match &message.body {
                    Body::Own(_) => message.content_type.as_deref(),
                    Body::Delivery(_) => None,
                },
                created_at,
                blocked,
            ])?;
        if let Some(key) = key {
            self.outbox
                .push(message.output, key, self.conn.last_insert_rowid());
        }
        self.outbox.count(message.output, Some(1));
        Ok(())
    }

    fn message_prefix(&self) -> &str {
        self.prefix
    }

    fn active_windows(&mut self, at: DateTime<Utc>) -> Result<Vec<Window>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {WINDOW_COLUMNS} FROM maintenance_windows \
             WHERE starts_at IS NULL OR (starts_at <= ?1 AND ends_at > ?1)"
        ))?;
        let rows = statement.query_map([timestamp(at)], window_from_row)?;
        let mut active = Vec::new();
        for row in rows {
            let window = row??;
            if window.spec.schedule.active_at(at).is_some() {
                active.push(window);
            }
        }
        Ok(active)
    }

    fn muted_alerts(&mut self, after: Option<i64>, limit: usize) -> Result<Vec<Alert>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE muted = 1 AND status != 'resolved' \
             AND id > ?1 ORDER BY id LIMIT ?2"
        ))?;
        let rows = statement.query_map(
            params![after.unwrap_or(0), i64::try_from(limit).unwrap_or(i64::MAX)],
            alert_from_row,
        )?;
        rows.map(|row| row?).collect()
    }

    fn opening_delivery(&mut self, alert_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT delivery_id FROM alert_history WHERE alert_id = ?1 ORDER BY id LIMIT 1",
            )?
            .query_row([alert_id], |row| row.get(0))
            .optional()?)
    }
}

const WINDOW_COLUMNS: &str = "id, spec, created_at";

/// Reads a row of [`WINDOW_COLUMNS`].
fn window_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Window, StoreError>> {
    let id: i64 = row.get(0)?;
    let spec: String = row.get(1)?;
    let created_at: String = row.get(2)?;
    Ok((|| {
        Ok(Window::new(
            id,
            parse_time("maintenance_windows.created_at", &created_at)?,
            from_json("maintenance_windows.spec", &spec)?,
        ))
    })())
}

/// Inserts a window made at `now`; returns it.
fn insert_window(
    conn: &Connection,
    spec: WindowSpec,
    now: DateTime<Utc>,
) -> Result<Window, StoreError> {
    conn.prepare_cached(
        "INSERT INTO maintenance_windows (source, starts_at, ends_at, spec, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        spec.source.as_str(),
        spec.schedule.starts_at().map(timestamp),
        spec.schedule.ends_at().map(timestamp),
        to_json(&spec),
        timestamp(now),
    ])?;
    Ok(Window::new(conn.last_insert_rowid(), now, spec))
}

/// A change to the maintenance windows, or a sweep step, done on the writer.
enum MaintenanceJob {
    Add(
        WindowSpec,
        DateTime<Utc>,
        usize,
        oneshot::Sender<Result<WindowAdded, StoreError>>,
    ),
    Delete(i64, oneshot::Sender<Result<WindowDeleted, StoreError>>),
    ReplaceConfig(
        Vec<WindowSpec>,
        DateTime<Utc>,
        oneshot::Sender<Result<(), StoreError>>,
    ),
    Prune(DateTime<Utc>, oneshot::Sender<Result<u64, StoreError>>),
    Unmute(
        DateTime<Utc>,
        Option<i64>,
        usize,
        BTreeMap<String, Arc<OutboxPlan>>,
        oneshot::Sender<Result<Unmuted, StoreError>>,
    ),
}

/// Does `job` in its own transaction (on the writer) and answers it.
fn maintenance(
    conn: &mut Connection,
    job: MaintenanceJob,
    outbox: &mut WriterOutbox,
    prefix: &str,
) {
    fn in_tx<T>(
        conn: &mut Connection,
        work: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = work(&tx)?;
        tx.commit()?;
        Ok(value)
    }
    match job {
        MaintenanceJob::Add(spec, now, max_live, reply) => {
            let _ = reply.send(in_tx(conn, |tx| {
                let live: i64 = tx.query_row(
                    "SELECT count(*) FROM maintenance_windows WHERE source = 'api' \
                     AND (ends_at IS NULL OR ends_at > ?1)",
                    [timestamp(now)],
                    |row| row.get(0),
                )?;
                let live = usize::try_from(live).unwrap_or(usize::MAX);
                if live >= max_live {
                    return Ok(WindowAdded::Full(live));
                }
                insert_window(tx, spec, now).map(WindowAdded::Added)
            }));
        }
        MaintenanceJob::Delete(id, reply) => {
            let _ = reply.send(in_tx(conn, |tx| {
                let source: Option<String> = tx
                    .query_row(
                        "SELECT source FROM maintenance_windows WHERE id = ?1",
                        [id],
                        |row| row.get(0),
                    )
                    .optional()?;
                Ok(match source.as_deref() {
                    None => WindowDeleted::NotFound,
                    Some("config") => WindowDeleted::FromConfig,
                    Some(_) => {
                        tx.execute("DELETE FROM maintenance_windows WHERE id = ?1", [id])?;
                        WindowDeleted::Deleted
                    }
                })
            }));
        }
        MaintenanceJob::ReplaceConfig(specs, now, reply) => {
            let _ = reply.send(in_tx(conn, |tx| {
                tx.execute(
                    "DELETE FROM maintenance_windows WHERE source = 'config'",
                    [],
                )?;
                for spec in specs {
                    insert_window(tx, spec.from_config(), now)?;
                }
                Ok(())
            }));
        }
        MaintenanceJob::Prune(ended_before, reply) => {
            let _ = reply.send(in_tx(conn, |tx| {
                Ok(tx.execute(
                    "DELETE FROM maintenance_windows WHERE ends_at < ?1",
                    [timestamp(ended_before)],
                )? as u64)
            }));
        }
        MaintenanceJob::Unmute(now, after, limit, plans, reply) => {
            // What the writer keeps of the outbox changes only if the step commits.
            let result = outbox.undone_on_error(|outbox| {
                in_tx(conn, |tx| {
                    unmute_step(
                        &mut SqlTx {
                            conn: tx,
                            outbox,
                            prefix,
                        },
                        now,
                        after,
                        limit,
                        &plans,
                    )
                })
            });
            if result.is_ok() {
                outbox.settle();
            }
            let _ = reply.send(result);
        }
    }
}

/// Message `id` becomes its key's head: it may be sent.
fn unblock(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE outbox SET blocked = 0 WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Commits a group of attempt outcomes in one transaction, and answers each (when no delivery
/// waits to be committed with them).
fn commit_attempts(
    conn: &mut Connection,
    attempts: Attempts,
    failure: &Mutex<Option<String>>,
    outbox: &mut WriterOutbox,
) {
    commit_batch(conn, (Vec::new(), attempts), failure, outbox, "");
}

/// Records attempt outcomes (inside the caller's transaction), keeping `outbox`.
fn record_attempts(
    conn: &Connection,
    attempts: &Attempts,
    outbox: &mut WriterOutbox,
) -> rusqlite::Result<()> {
    for (id, result, _) in attempts {
        let (status, next) = match result.next {
            NextStep::Delivered => (MessageStatus::Delivered, None),
            NextStep::RetryAt(at) => (MessageStatus::Pending, Some(timestamp(at))),
            NextStep::Failed => (MessageStatus::Failed, None),
        };
        let changed: Option<(String, Option<String>)> = conn
            .prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, last_status_code = ?2, \
                 last_error = ?3, status = ?4, next_attempt_at = ?5, updated_at = ?6 \
                 WHERE id = ?1 AND status = 'pending' RETURNING output, order_key",
            )?
            .query_row(
                params![
                    id,
                    result.status_code,
                    result.error,
                    status.as_str(),
                    next,
                    timestamp(result.at),
                ],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        if let (Some((output, order_key)), false) = (changed, status == MessageStatus::Pending) {
            if let Some(next) = order_key.and_then(|key| outbox.remove(&output, &key, *id)) {
                unblock(conn, next)?;
            }
            outbox.count(&output, None);
        }
    }
    Ok(())
}

/// Makes every failed message of `output` pending again (on the writer): each waits behind its
/// key's pending messages, and a key with none gets its oldest as the head.
fn requeue_failed(
    conn: &mut Connection,
    output: &str,
    now: DateTime<Utc>,
    outbox: &mut WriterOutbox,
) -> Result<u64, StoreError> {
    let requeued = outbox.undone_on_error(|outbox| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut requeued: Vec<(i64, Option<String>)> = tx
            .prepare(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?2, \
                 updated_at = ?2, blocked = (order_key IS NOT NULL) \
                 WHERE output = ?1 AND status = 'failed' RETURNING id, order_key",
            )?
            .query_map(params![output, timestamp(now)], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        // Oldest first, so that a key with nothing pending gets its oldest as the head.
        requeued.sort_unstable_by_key(|(id, _)| *id);
        for (id, key) in &requeued {
            if let Some(key) = key {
                if outbox.requeue(output, key, *id) {
                    unblock(&tx, *id)?;
                }
            }
        }
        outbox.count(output, Some(requeued.len() as u64));
        tx.commit()?;
        Ok::<_, rusqlite::Error>(requeued.len() as u64)
    })?;
    outbox.settle();
    Ok(requeued)
}

/// Makes a failed message pending again (on the writer).
fn requeue(
    conn: &mut Connection,
    retry: &RetryJob,
    outbox: &mut WriterOutbox,
) -> Result<Requeue, StoreError> {
    let answer = outbox.undone_on_error(|outbox| requeue_in_tx(conn, retry, outbox))?;
    outbox.settle();
    Ok(answer)
}

/// [`requeue`]'s transaction.
fn requeue_in_tx(
    conn: &mut Connection,
    retry: &RetryJob,
    outbox: &mut WriterOutbox,
) -> Result<Requeue, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = timestamp(retry.now);
    // Blocked if it has a key, until the queue says it is the head.
    let message = tx
        .prepare_cached(&format!(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?3, \
             updated_at = ?3, blocked = (order_key IS NOT NULL) \
             WHERE id = ?1 AND output = ?2 AND status = 'failed' \
             RETURNING {MESSAGE_COLUMNS}, order_key"
        ))?
        .query_row(params![retry.id, retry.output, now], |row| {
            Ok((message_from_row(row)?, row.get::<_, Option<String>>(13)?))
        })
        .optional()?
        .map(|(message, key)| message.map(|message| (message, key)))
        .transpose()?;
    if let Some((_, Some(key))) = &message {
        if outbox.requeue(&retry.output, key, retry.id) {
            unblock(&tx, retry.id)?;
        }
    }
    let message = message.map(|(message, _)| message);
    let answer = if let Some(message) = message {
        outbox.count(&retry.output, Some(1));
        Requeue::Requeued(Box::new(message))
    } else {
        let status: Option<String> = tx
            .prepare_cached("SELECT status FROM outbox WHERE id = ?1 AND output = ?2")?
            .query_row(params![retry.id, retry.output], |row| row.get(0))
            .optional()?;
        match status {
            None => Requeue::NotFound,
            Some(status) => Requeue::NotFailed(
                MessageStatus::parse(&status).ok_or_else(|| corrupt("outbox.status", &status))?,
            ),
        }
    };
    tx.commit()?;
    Ok(answer)
}

/// Reads a row of [`MESSAGE_COLUMNS`] (and, with `full`, `body, content_type` after them).
fn message_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Message, StoreError>> {
    message_from_row_with(row, false)
}

fn message_from_row_with(
    row: &Row<'_>,
    full: bool,
) -> rusqlite::Result<Result<Message, StoreError>> {
    let status: String = row.get(6)?;
    let next_attempt_at: Option<String> = row.get(10)?;
    let created_at: String = row.get(11)?;
    let updated_at: String = row.get(12)?;
    let body: Option<Vec<u8>> = if full { row.get(13)? } else { None };
    let content_type: Option<String> = if full { row.get(14)? } else { None };
    let (
        id,
        output,
        webhook_id,
        kind,
        delivery_id,
        alert_id,
        attempts,
        last_status_code,
        last_error,
    ) = (
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
    );
    Ok((|| {
        Ok(Message {
            id,
            output,
            webhook_id,
            kind,
            delivery_id,
            alert_id,
            status: MessageStatus::parse(&status)
                .ok_or_else(|| corrupt("outbox.status", &status))?,
            attempts,
            last_status_code,
            last_error,
            next_attempt_at: next_attempt_at
                .map(|t| parse_time("outbox.next_attempt_at", &t))
                .transpose()?,
            created_at: parse_time("outbox.created_at", &created_at)?,
            updated_at: parse_time("outbox.updated_at", &updated_at)?,
            body: body.map(Bytes::from),
            content_type,
        })
    })())
}

/// RFC 3339 in UTC with microseconds: fixed width, so text order is time order.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Plain data with string keys: serialization cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn corrupt(what: &'static str, message: &impl ToString) -> StoreError {
    StoreError::Corrupt {
        what,
        message: message.to_string(),
    }
}

fn parse_time(what: &'static str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| corrupt(what, &e))
}

fn from_json<T: serde::de::DeserializeOwned>(
    what: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(what, &e))
}

/// Reads a string-named enum (`Urgency`, `Action`) back.
fn from_json_value<T: serde::de::DeserializeOwned>(
    what: &'static str,
    name: String,
) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(name)).map_err(|e| corrupt(what, &e))
}

/// Reads a row of [`ALERT_COLUMNS`]. The outer `Result` is SQLite's, the inner one ours.
fn alert_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Alert, StoreError>> {
    let status: String = row.get(3)?;
    let urgency: Option<String> = row.get(6)?;
    let dedup_keys: String = row.get(7)?;
    let tags: String = row.get(8)?;
    let additional_data: String = row.get(9)?;
    let created_at: String = row.get(11)?;
    let updated_at: String = row.get(12)?;
    let acknowledged_at: Option<String> = row.get(13)?;
    let resolved_at: Option<String> = row.get(14)?;
    let muted: bool = row.get(15)?;
    let unmuted_at: Option<String> = row.get(16)?;
    let (id, instance, thirdparty_id, title, description, dedup_count) = (
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(4)?,
        row.get(5)?,
        row.get(10)?,
    );
    Ok((|| {
        Ok(Alert {
            id,
            instance,
            thirdparty_id,
            status: AlertStatus::parse(&status).ok_or_else(|| corrupt("alerts.status", &status))?,
            title,
            description,
            urgency: urgency
                .map(|u| from_json_value("alerts.urgency", u))
                .transpose()?,
            dedup_keys: from_json("alerts.dedup_keys", &dedup_keys)?,
            tags: from_json("alerts.tags", &tags)?,
            additional_data: from_json("alerts.additional_data", &additional_data)?,
            dedup_count,
            created_at: parse_time("alerts.created_at", &created_at)?,
            updated_at: parse_time("alerts.updated_at", &updated_at)?,
            acknowledged_at: acknowledged_at
                .map(|t| parse_time("alerts.acknowledged_at", &t))
                .transpose()?,
            muted,
            unmuted_at: unmuted_at
                .map(|t| parse_time("alerts.unmuted_at", &t))
                .transpose()?,
            resolved_at: resolved_at
                .map(|t| parse_time("alerts.resolved_at", &t))
                .transpose()?,
        })
    })())
}

fn delivery_from_row(
    row: &Row<'_>,
    full: bool,
) -> rusqlite::Result<Result<DeliveryRecord, StoreError>> {
    let received_at: String = row.get(2)?;
    let notes: Option<String> = row.get(8)?;
    let body: Option<Vec<u8>> = if full { row.get(9)? } else { None };
    let events_json: Option<String> = if full { row.get(10)? } else { None };
    let record = (
        row.get(0)?,
        row.get(1)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
    );
    Ok(
        parse_time("deliveries.received_at", &received_at).map(|received_at| DeliveryRecord {
            id: record.0,
            instance: record.1,
            received_at,
            content_type: record.2,
            body_bytes: record.3,
            status: record.4,
            error: record.5,
            event_count: record.6,
            notes,
            body: body.map(Bytes::from),
            events_json,
        }),
    )
}

const DELIVERY_COLUMNS: &str =
    "id, instance, received_at, content_type, body_bytes, status, error, event_count, notes";

#[async_trait]
impl Store for SqliteStore {
    async fn ingest(&self, delivery: Delivery) -> Result<Ingested, StoreError> {
        let (status, error, events_json) = match &delivery.outcome {
            Outcome::Accepted(events) => (200, None, Some(events_json(events))),
            Outcome::Rejected { status, error } => (*status, Some(error.clone()), None),
        };
        let event_count = match &delivery.outcome {
            Outcome::Accepted(events) => events.len(),
            Outcome::Rejected { .. } => 0,
        };
        let prepared = Box::new(Prepared {
            event_count,
            delivery,
            status,
            error,
            events_json,
        });
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Ingest(prepared, reply))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    async fn alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StoreError> {
        let filter = filter.clone();
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(&format!(
                "SELECT {ALERT_COLUMNS} FROM alerts \
                 WHERE (?1 IS NULL OR instance = ?1) AND (?2 IS NULL OR status = ?2) \
                   AND (?3 IS NULL OR thirdparty_id = ?3) AND (?5 IS NULL OR id < ?5) \
                 ORDER BY id DESC LIMIT ?4"
            ))?;
            let rows = statement.query_map(
                params![
                    filter.instance,
                    filter.status.map(AlertStatus::as_str),
                    filter.thirdparty_id,
                    i64::try_from(filter.effective_limit()).unwrap_or(i64::MAX),
                    filter.before,
                ],
                alert_from_row,
            )?;
            rows.map(|row| row?).collect()
        })
        .await
    }

    async fn alert(&self, id: i64) -> Result<Option<(Alert, Vec<HistoryEntry>)>, StoreError> {
        self.read(move |conn| {
            let alert = conn
                .prepare_cached(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?1"))?
                .query_row([id], alert_from_row)
                .optional()?
                .transpose()?;
            let Some(alert) = alert else {
                return Ok(None);
            };
            let mut statement = conn.prepare_cached(
                "SELECT delivery_id, at, action, transition FROM alert_history \
                 WHERE alert_id = ?1 ORDER BY id",
            )?;
            let rows = statement.query_map([id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })?;
            let mut history = Vec::new();
            for row in rows {
                let (delivery_id, at, action, transition) = row?;
                history.push(HistoryEntry {
                    delivery_id,
                    at: parse_time("alert_history.at", &at)?,
                    action: from_json_value("alert_history.action", action)?,
                    transition: from_json::<Transition>("alert_history.transition", &transition)?,
                });
            }
            Ok(Some((alert, history)))
        })
        .await
    }

    async fn deliveries_matching(
        &self,
        filter: &DeliveryFilter,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let filter = filter.clone();
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries \
                 WHERE (?1 IS NULL OR instance = ?1) AND (?3 IS NULL OR id < ?3) \
                 ORDER BY id DESC LIMIT ?2"
            ))?;
            let rows = statement.query_map(
                params![
                    filter.instance,
                    i64::try_from(filter.effective_limit()).unwrap_or(i64::MAX),
                    filter.before,
                ],
                |row| delivery_from_row(row, false),
            )?;
            rows.map(|row| row?).collect()
        })
        .await
    }

    async fn delivery(&self, id: i64) -> Result<Option<DeliveryRecord>, StoreError> {
        self.read(move |conn| {
            conn.prepare_cached(&format!(
                "SELECT {DELIVERY_COLUMNS}, body, events FROM deliveries WHERE id = ?1"
            ))?
            .query_row([id], |row| delivery_from_row(row, true))
            .optional()?
            .transpose()
        })
        .await
    }

    async fn prune(
        &self,
        deliveries_before: DateTime<Utc>,
        resolved_alerts_before: DateTime<Utc>,
    ) -> Result<Pruned, StoreError> {
        let (reply, answer) = oneshot::channel();
        let prune = Box::new(Prune {
            deliveries_before: timestamp(deliveries_before),
            resolved_alerts_before: timestamp(resolved_alerts_before),
            pruned: Pruned::default(),
            reply,
        });
        self.jobs
            .send(Job::Prune(prune))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    async fn due_messages(
        &self,
        output: &str,
        now: DateTime<Utc>,
        skip: &[i64],
        limit: usize,
        max_bytes: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let output = output.to_owned();
        let skip = to_json(skip);
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS}, \
                   coalesce(body, (SELECT d.body FROM deliveries AS d \
                                   WHERE d.id = outbox.delivery_id)), \
                   CASE WHEN body IS NULL THEN (SELECT d.content_type FROM deliveries AS d \
                                                WHERE d.id = outbox.delivery_id) \
                        ELSE content_type END \
                 FROM outbox WHERE id IN ( \
                   SELECT id FROM ( \
                     SELECT id, size, sum(size) OVER (ORDER BY next_attempt_at, id) AS running \
                     FROM (SELECT id, next_attempt_at, coalesce(length(body), \
                             (SELECT length(d.body) FROM deliveries AS d \
                              WHERE d.id = outbox.delivery_id)) AS size FROM outbox \
                           WHERE output = ?1 AND status = 'pending' AND blocked = 0 \
                             AND next_attempt_at <= ?2 \
                             AND id NOT IN (SELECT value FROM json_each(?3)) \
                           ORDER BY next_attempt_at, id LIMIT ?4)) \
                   WHERE running = size OR running <= ?5) \
                 ORDER BY next_attempt_at, id"
            ))?;
            let rows = statement.query_map(
                params![
                    output,
                    timestamp(now),
                    skip,
                    i64::try_from(limit).unwrap_or(i64::MAX),
                    i64::try_from(max_bytes).unwrap_or(i64::MAX),
                ],
                |row| message_from_row_with(row, true),
            )?;
            rows.map(|row| row?).collect()
        })
        .await
    }

    async fn record_attempt(&self, id: i64, result: AttemptResult) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Attempt(id, result, reply))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    async fn messages(&self, filter: &MessageFilter) -> Result<Vec<Message>, StoreError> {
        let filter = filter.clone();
        self.read(move |conn| {
            // Only the conditions set, so that SQLite can use outbox_by_output.
            let mut conditions = vec!["1"];
            if filter.output.is_some() {
                conditions.push("output = ?1");
            }
            if filter.status.is_some() {
                conditions.push("status = ?2");
            }
            if filter.before.is_some() {
                conditions.push("id < ?3");
            }
            let mut statement = conn.prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM outbox WHERE {} ORDER BY id DESC LIMIT ?4",
                conditions.join(" AND ")
            ))?;
            let rows = statement.query_map(
                params![
                    filter.output,
                    filter.status.map(MessageStatus::as_str),
                    filter.before,
                    i64::try_from(filter.effective_limit()).unwrap_or(i64::MAX),
                ],
                message_from_row,
            )?;
            rows.map(|row| row?).collect()
        })
        .await
    }

    async fn message_counts(&self) -> Result<BTreeMap<(String, MessageStatus), u64>, StoreError> {
        self.read(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT output, status, count(*) FROM outbox \
                 WHERE status IN ('pending', 'failed') GROUP BY output, status",
            )?;
            let rows = statement.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, u64>(2)?,
                ))
            })?;
            let mut counts = BTreeMap::new();
            for row in rows {
                let (output, status, count) = row?;
                let status = MessageStatus::parse(&status)
                    .ok_or_else(|| corrupt("outbox.status", &status))?;
                counts.insert((output, status), count);
            }
            Ok(counts)
        })
        .await
    }

    async fn retry_message(
        &self,
        output: &str,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Requeue, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(RetryJob {
            output: output.to_owned(),
            id,
            now,
            reply,
        });
        self.jobs
            .send(Job::Retry(job))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    async fn retry_failed(&self, output: &str, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::RetryFailed(output.to_owned(), now, reply))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    fn write_failure(&self) -> Option<String> {
        lock(&self.failure).clone()
    }

    async fn record_ping(&self, name: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let (name, at) = (name.to_owned(), timestamp(at));
        self.write(move |conn| {
            // Timestamps are fixed-width UTC text: the larger one is the later.
            conn.execute(
                "INSERT INTO heartbeat_pings (name, last_ping_at) VALUES (?1, ?2) \
                 ON CONFLICT (name) DO UPDATE SET last_ping_at = max(last_ping_at, excluded.last_ping_at)",
                params![name, at],
            )?;
            Ok(())
        })
        .await
    }

    async fn pings(&self) -> Result<BTreeMap<String, DateTime<Utc>>, StoreError> {
        self.read(|conn| {
            let mut statement =
                conn.prepare_cached("SELECT name, last_ping_at FROM heartbeat_pings")?;
            let rows = statement.query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?;
            let mut pings = BTreeMap::new();
            for row in rows {
                let (name, at) = row?;
                pings.insert(name, parse_time("heartbeat_pings.last_ping_at", &at)?);
            }
            Ok(pings)
        })
        .await
    }

    async fn forget_pings(&self, keep: &[String]) -> Result<u64, StoreError> {
        let keep = serde_json::to_string(keep).unwrap_or_else(|_| "[]".to_owned());
        self.write(move |conn| {
            let removed = conn.execute(
                "DELETE FROM heartbeat_pings WHERE name NOT IN (SELECT value FROM json_each(?1))",
                [keep],
            )?;
            Ok(removed as u64)
        })
        .await
    }

    async fn unresolved_counts(&self) -> Result<BTreeMap<(String, AlertStatus), u64>, StoreError> {
        self.read(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT instance, status, count(*) FROM alerts \
                 WHERE status != 'resolved' GROUP BY instance, status",
            )?;
            let rows = statement.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, u64>(2)?,
                ))
            })?;
            let mut counts = BTreeMap::new();
            for row in rows {
                let (instance, status, count) = row?;
                let status =
                    AlertStatus::parse(&status).ok_or_else(|| corrupt("alerts.status", &status))?;
                counts.insert((instance, status), count);
            }
            Ok(counts)
        })
        .await
    }

    async fn add_window(
        &self,
        spec: WindowSpec,
        now: DateTime<Utc>,
        max_live: usize,
    ) -> Result<WindowAdded, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.maintenance_job(MaintenanceJob::Add(spec, now, max_live, reply), answer)
            .await
    }

    async fn windows(&self, now: DateTime<Utc>) -> Result<Vec<Window>, StoreError> {
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(&format!(
                "SELECT {WINDOW_COLUMNS} FROM maintenance_windows \
                 WHERE ends_at IS NULL OR ends_at > ?1 ORDER BY id"
            ))?;
            let rows = statement.query_map([timestamp(now)], window_from_row)?;
            rows.map(|row| row?).collect()
        })
        .await
    }

    async fn delete_window(&self, id: i64) -> Result<WindowDeleted, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.maintenance_job(MaintenanceJob::Delete(id, reply), answer)
            .await
    }

    async fn replace_config_windows(
        &self,
        specs: Vec<WindowSpec>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.maintenance_job(MaintenanceJob::ReplaceConfig(specs, now, reply), answer)
            .await
    }

    async fn prune_windows(&self, ended_before: DateTime<Utc>) -> Result<u64, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.maintenance_job(MaintenanceJob::Prune(ended_before, reply), answer)
            .await
    }

    async fn unmute(
        &self,
        now: DateTime<Utc>,
        after: Option<i64>,
        limit: usize,
        plans: BTreeMap<String, Arc<OutboxPlan>>,
    ) -> Result<Unmuted, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.maintenance_job(
            MaintenanceJob::Unmute(now, after, limit, plans, reply),
            answer,
        )
        .await
    }

    async fn close(&self) -> Result<(), StoreError> {
        let (done, closed) = oneshot::channel();
        if self.jobs.send(Job::Close(done)).await.is_ok() {
            let _ = closed.await;
        }
        let handle = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(handle) = handle {
            tokio::task::spawn_blocking(move || handle.join())
                .await
                .map_err(|_| StoreError::Closed)?
                .map_err(|_| StoreError::Closed)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// The writer's queues of the order keys are read back on open: a key's messages still go
    /// one at a time, oldest first, across a restart, with new ones behind them.
    #[tokio::test]
    async fn the_keys_queues_are_read_back_on_open() {
        use super::super::{AttemptResult, NextStep};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queues.db");
        let output = crate::outputs::OutputConfig::new(
            "relay",
            crate::outputs::OutputUrl::parse("http://127.0.0.1:9/").unwrap(),
            [crate::outputs::Trigger::Delivery],
        );
        let plan =
            crate::outputs::OutboxPlan::for_instance("am", "prometheus-v3", &[output]).unwrap();
        let delivery = |key: &str| {
            Delivery::new(
                "am",
                Utc::now(),
                None,
                Some(Bytes::from_static(b"{}")),
                2,
                Outcome::Accepted(vec![pager_core::Event::new(
                    pager_core::Action::Create,
                    key,
                    "t",
                )]),
            )
            .with_outbox(Arc::clone(&plan))
        };
        let store = SqliteStore::open(&path).unwrap();
        let mut ids = Vec::new();
        for key in ["k", "k", "j"] {
            ids.push(store.ingest(delivery(key)).await.unwrap().delivery_id);
        }
        store.close().await.unwrap();
        drop(store);

        let store = SqliteStore::open(&path).unwrap();
        ids.push(store.ingest(delivery("k")).await.unwrap().delivery_id);
        let mut sent = Vec::new();
        loop {
            let due = store
                .due_messages("relay", Utc::now(), &[], 10, usize::MAX)
                .await
                .unwrap();
            if due.is_empty() {
                break;
            }
            let keys: Vec<i64> = due.iter().map(|m| m.delivery_id).collect();
            assert!(
                !(keys.contains(&ids[0]) && keys.contains(&ids[1])),
                "one at a time per key: {keys:?}"
            );
            for message in due {
                sent.push(message.delivery_id);
                let result = AttemptResult::new(Utc::now(), Some(204), None, NextStep::Delivered);
                store.record_attempt(message.id, result).await.unwrap();
            }
        }
        sent.retain(|id| *id != ids[2]);
        assert_eq!(sent, [ids[0], ids[1], ids[3]], "key k's, oldest first");
        store.close().await.unwrap();
    }

    /// A database made by the release before the outbox and notes (schema 3, with a delivery
    /// and an open alert in it) opens with this build: migrations 4 and 5 apply, what was
    /// there reads back, and the outbox works.
    #[tokio::test]
    async fn a_schema_3_database_with_data_is_upgraded_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let conn = Connection::open(&path).unwrap();
            for migration in &MIGRATIONS[..3] {
                conn.execute_batch(migration).unwrap();
            }
            conn.pragma_update(None, "user_version", 3).unwrap();
            conn.execute_batch(
                "INSERT INTO deliveries (instance, received_at, content_type, body, body_bytes, \
                 status, error, event_count, events) VALUES ('am', \
                 '2026-11-29T10:00:00.000000Z', 'application/json', x'7b7d', 2, 200, NULL, 1, \
                 '{\"events\":[]}'); \
                 INSERT INTO alerts (instance, thirdparty_id, status, title, description, \
                 urgency, dedup_keys, tags, additional_data, dedup_count, created_at, \
                 updated_at, acknowledged_at, resolved_at) VALUES ('am', 'k', 'open', 'old', \
                 NULL, NULL, '[\"k\"]', '[]', '[]', 1, '2026-11-29T10:00:00.000000Z', \
                 '2026-11-29T10:00:00.000000Z', NULL, NULL);",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let version: usize = Connection::open(&path)
            .unwrap()
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len());
        let logged = store.deliveries(None, 10).await.unwrap();
        assert_eq!(logged.len(), 1);
        assert_eq!(logged[0].notes, None);
        let alerts = store.alerts(&AlertFilter::new()).await.unwrap();
        assert_eq!(alerts[0].title, "old");

        let output = crate::outputs::OutputConfig::new(
            "sink",
            crate::outputs::OutputUrl::parse("http://127.0.0.1:9/").unwrap(),
            [crate::outputs::Trigger::Resolved],
        );
        let plan =
            crate::outputs::OutboxPlan::for_instance("am", "prometheus-v3", &[output]).unwrap();
        let resolve = Delivery::new(
            "am",
            Utc::now(),
            None,
            Some(Bytes::from_static(b"{}")),
            2,
            Outcome::Accepted(vec![pager_core::Event::new(
                pager_core::Action::Resolve,
                "k",
                "old",
            )]),
        )
        .with_outbox(plan);
        let ingested = store.ingest(resolve).await.unwrap();
        assert_eq!(ingested.queued, 1, "the old alert's resolve is sent");
        let due = store
            .due_messages("sink", Utc::now(), &[], 10, usize::MAX)
            .await
            .unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].alert_id, Some(alerts[0].id));
        store.close().await.unwrap();
    }
}
