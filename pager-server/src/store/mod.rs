//! Where deliveries and alerts live: the [`Store`] trait and its three implementations,
//! [`MemoryStore`] (tests, throwaway hosts), [`SqliteStore`] (the default: one embedded
//! file) and [`PostgresStore`] (one database shared by several replicas).
//!
//! The contract every implementation keeps:
//!
//! - [`Store::ingest`] records the delivery — instance, received time, content type, raw body,
//!   outcome — and applies its events to the alerts with the [`crate::lifecycle`] rules, as one
//!   atomic step, and returns only once that step is durable. The receiver acknowledges a
//!   delivery only after `ingest` returns, so an acknowledged delivery is never lost.
//! - At most one unresolved alert per `(instance, thirdparty_id)`, however many deliveries
//!   race (SQLite: one writer, plus a partial unique index as the backstop; PostgreSQL: the
//!   same index, a transaction per delivery, row locks, and a retry of the transaction that
//!   loses a race).
//! - Nothing secret is stored: no headers but the content type, no query string, and no body
//!   for a delivery that failed authentication or was over the size limit.
//! - What one delivery stores is bounded: its content type is cut to
//!   [`MAX_CONTENT_TYPE_BYTES`], and a rejected delivery's body to [`MAX_REJECTED_BODY_BYTES`]
//!   (its full size stays in `body_bytes`); [`Delivery::new`] applies both.
//! - A delivery [`Delivery::with_signature`] whose signature the store already holds for its
//!   instance, unexpired, is a replay: logged (status 200, no events, the error saying so),
//!   its events not applied. Signatures are kept only until they expire, so the table stays
//!   as small as the traffic within one tolerance window.
//! - [`Store::prune`] forgets what is past its retention: resolved alerts (with their
//!   history) resolved before one cutoff, and deliveries received before another that no kept
//!   alert's history refers to. Open and acknowledged alerts, their history and the
//!   deliveries it refers to are never pruned; nor are the newest delivery and the newest
//!   alert, so that an id is never given twice (SQLite would reuse the largest one).
//!
//! [`conformance`] holds the behaviour tests every implementation must pass.

mod memory;
mod postgres;
mod sqlite;

pub mod conformance;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use pager_core::{Action, Event};
use serde::{Deserialize, Serialize};

use crate::lifecycle::{Alert, AlertStatus, Transition, decide};
use crate::maintenance::{Unmuted, Window, WindowAdded, WindowDeleted, WindowSpec};
use crate::outputs::{OutboxPlan, envelope as queue_messages};

pub use memory::MemoryStore;
pub use postgres::{PostgresLocation, PostgresStore};
pub use sqlite::SqliteStore;

/// The most bytes of a delivery's `Content-Type` header kept (cut on a character boundary).
pub const MAX_CONTENT_TYPE_BYTES: usize = 256;

/// The most bytes of a rejected delivery's body kept: enough to see what the sender sent,
/// not so much that a stream of bad requests fills the disk. Its full size is kept.
pub const MAX_REJECTED_BODY_BYTES: usize = 64 * 1024;

/// One delivery as the receiver hands it to the store.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Delivery {
    /// The instance it was posted to.
    pub instance: String,
    /// When the receiver got it.
    pub received_at: DateTime<Utc>,
    /// Its `Content-Type` header, if any (the only header kept).
    pub content_type: Option<String>,
    /// The raw body; `None` when it must not be kept (unauthorized, over the size limit).
    pub body: Option<Bytes>,
    /// The body's size in bytes (as far as it was read).
    pub body_bytes: u64,
    /// What the adapter made of it.
    pub outcome: Outcome,
    /// The HMAC signature it was authenticated with, and until when a replay of it is refused
    /// (see [`Delivery::with_signature`]).
    pub signature: Option<(String, DateTime<Utc>)>,
    /// The outputs that follow its instance (see [`Delivery::with_outbox`]).
    pub outbox: Option<Arc<OutboxPlan>>,
    /// What the instance's rules did that the events do not show (events dropped, rules that
    /// failed), cut to [`MAX_NOTES_BYTES`]; see [`Delivery::with_notes`].
    pub notes: Option<String>,
}

/// The most bytes of [`Delivery::notes`] kept.
pub const MAX_NOTES_BYTES: usize = 4096;

impl Delivery {
    /// A delivery received at `received_at`. The content type is cut to
    /// [`MAX_CONTENT_TYPE_BYTES`] and, when the outcome is a rejection, the body to
    /// [`MAX_REJECTED_BODY_BYTES`]; `body_bytes` stays the size received.
    pub fn new(
        instance: impl Into<String>,
        received_at: DateTime<Utc>,
        mut content_type: Option<String>,
        mut body: Option<Bytes>,
        body_bytes: u64,
        outcome: Outcome,
    ) -> Self {
        if let Some(text) = &mut content_type {
            if text.len() > MAX_CONTENT_TYPE_BYTES {
                let cut = (0..=MAX_CONTENT_TYPE_BYTES)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                text.truncate(cut);
            }
        }
        if let (Outcome::Rejected { .. }, Some(kept)) = (&outcome, &mut body) {
            if kept.len() > MAX_REJECTED_BODY_BYTES {
                kept.truncate(MAX_REJECTED_BODY_BYTES);
            }
        }
        Self {
            instance: instance.into(),
            received_at,
            content_type,
            body,
            body_bytes,
            outcome,
            signature: None,
            outbox: None,
            notes: None,
        }
    }

    /// Notes for the delivery log (what the rules dropped, which failed); cut to
    /// [`MAX_NOTES_BYTES`] on a character boundary, ending in `…`.
    #[must_use]
    pub fn with_notes(mut self, notes: impl Into<String>) -> Self {
        let mut notes = notes.into();
        if notes.len() > MAX_NOTES_BYTES {
            let room = MAX_NOTES_BYTES - '…'.len_utf8();
            let cut = (0..=room)
                .rev()
                .find(|&i| notes.is_char_boundary(i))
                .unwrap_or(0);
            notes.truncate(cut);
            notes.push('…');
        }
        self.notes = Some(notes);
        self
    }

    /// Queues the messages `plan`'s outputs want for this delivery, in the same atomic step
    /// that records it (the outbox: see [`crate::outputs`]). Only an accepted delivery that is
    /// not a replay queues any.
    #[must_use]
    pub fn with_outbox(mut self, plan: Arc<OutboxPlan>) -> Self {
        self.outbox = Some(plan);
        self
    }

    /// Marks an accepted delivery as authenticated by `signature` (an HMAC with a timestamp),
    /// valid until `expires`. The store remembers it until then, per instance; a later
    /// delivery with the same signature is a replay: logged and answered, its events not
    /// applied ([`Ingested::replayed`]).
    #[must_use]
    pub fn with_signature(mut self, signature: impl Into<String>, expires: DateTime<Utc>) -> Self {
        self.signature = Some((signature.into(), expires));
        self
    }
}

/// What the adapter made of a delivery.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Accepted: its events (possibly none).
    Accepted(Vec<Event>),
    /// Rejected with this HTTP status and message.
    Rejected {
        /// The status answered (400, 401, 413, 415).
        status: u16,
        /// The typed error's message.
        error: String,
    },
}

impl Outcome {
    /// The outcome of a delivery the adapter (or the receiver) refused with `error`.
    pub fn rejected(error: &pager_core::Error) -> Self {
        Outcome::Rejected {
            status: error.status().as_u16(),
            error: error.to_string(),
        }
    }
}

/// The error logged for a replayed delivery (answered 200, events not applied).
pub const REPLAY_NOTE: &str = "replay of a signature already accepted: events not applied";

/// What [`Store::ingest`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Ingested {
    /// The delivery log's id for it.
    pub delivery_id: i64,
    /// One result per event, in order (none for a replay).
    pub results: Vec<EventResult>,
    /// True when the delivery repeats a signature already accepted within its window: it was
    /// logged, and its events were not applied again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub replayed: bool,
    /// How many outgoing messages it queued (not part of the answer to the sender).
    #[serde(skip)]
    pub queued: usize,
    /// Outgoing messages not queued because their output already had `max_pending` waiting,
    /// by output (not part of the answer to the sender).
    #[serde(skip)]
    pub dropped: BTreeMap<String, u64>,
}

/// What one event did to the alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EventResult {
    /// The event's dedup key.
    pub thirdparty_id: String,
    /// The event's action.
    pub action: Action,
    /// The alert it landed on, if any (none for an ignored event with nothing open).
    pub alert_id: Option<i64>,
    /// What it did.
    #[serde(flatten)]
    pub transition: Transition,
    /// The alert it landed on is muted by a maintenance window (its outputs stay silent).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub muted: bool,
}

/// One entry of an alert's history: an event that landed on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct HistoryEntry {
    /// The delivery that carried the event.
    pub delivery_id: i64,
    /// When it was received.
    pub at: DateTime<Utc>,
    /// The event's action.
    pub action: Action,
    /// What it did.
    #[serde(flatten)]
    pub transition: Transition,
}

/// One entry of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DeliveryRecord {
    /// The log's id.
    pub id: i64,
    /// The instance it was posted to.
    pub instance: String,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Its `Content-Type`.
    pub content_type: Option<String>,
    /// Its size in bytes.
    pub body_bytes: u64,
    /// The HTTP status answered.
    pub status: u16,
    /// The error, when rejected.
    pub error: Option<String>,
    /// How many events it produced.
    pub event_count: u64,
    /// What the instance's rules did that the events do not show (see [`Delivery::notes`]).
    pub notes: Option<String>,
    /// The raw body, when kept and asked for.
    #[serde(skip)]
    pub body: Option<Bytes>,
    /// The events as JSON (`{"events": [...]}`, the CLI's format), when asked for.
    #[serde(skip)]
    pub events_json: Option<String>,
}

/// Which alerts [`Store::alerts`] returns: every set field must match. Newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AlertFilter {
    /// Only alerts of this instance.
    pub instance: Option<String>,
    /// Only alerts in this status.
    pub status: Option<AlertStatus>,
    /// Only alerts with this dedup key.
    pub thirdparty_id: Option<String>,
    /// At most this many (`None`: [`AlertFilter::DEFAULT_LIMIT`]).
    pub limit: Option<usize>,
    /// Only alerts with an id below this one: the next page after a listing whose last
    /// alert had this id.
    pub before: Option<i64>,
}

impl AlertFilter {
    /// How many alerts a filter without a limit returns.
    pub const DEFAULT_LIMIT: usize = 1000;

    /// Every alert (up to the default limit).
    pub fn new() -> Self {
        Self::default()
    }

    /// Only alerts of `instance`.
    #[must_use]
    pub fn instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// Only alerts in `status`.
    #[must_use]
    pub fn status(mut self, status: AlertStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only alerts keyed `thirdparty_id`.
    #[must_use]
    pub fn thirdparty_id(mut self, thirdparty_id: impl Into<String>) -> Self {
        self.thirdparty_id = Some(thirdparty_id.into());
        self
    }

    /// At most `limit` alerts.
    #[must_use]
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Only alerts with an id below `id` (newest first, so: the page after `id`).
    #[must_use]
    pub fn before(mut self, id: i64) -> Self {
        self.before = Some(id);
        self
    }

    fn effective_limit(&self) -> usize {
        self.limit.unwrap_or(Self::DEFAULT_LIMIT)
    }

    fn matches(&self, alert: &Alert) -> bool {
        self.before.is_none_or(|b| alert.id < b)
            && self.instance.as_ref().is_none_or(|i| *i == alert.instance)
            && self.status.is_none_or(|s| s == alert.status)
            && self
                .thirdparty_id
                .as_ref()
                .is_none_or(|t| *t == alert.thirdparty_id)
    }
}

/// Which deliveries [`Store::deliveries_matching`] returns: every set field must match.
/// Newest first, without bodies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryFilter {
    /// Only deliveries to this instance.
    pub instance: Option<String>,
    /// Only deliveries with an id below this one (the page after it).
    pub before: Option<i64>,
    /// At most this many (`None`: [`DeliveryFilter::DEFAULT_LIMIT`]).
    pub limit: Option<usize>,
}

impl DeliveryFilter {
    /// How many deliveries a filter without a limit returns.
    pub const DEFAULT_LIMIT: usize = 100;

    /// Every delivery (up to the default limit).
    pub fn new() -> Self {
        Self::default()
    }

    /// Only deliveries to `instance`.
    #[must_use]
    pub fn instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// Only deliveries with an id below `id`.
    #[must_use]
    pub fn before(mut self, id: i64) -> Self {
        self.before = Some(id);
        self
    }

    /// At most `limit` deliveries.
    #[must_use]
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    fn effective_limit(&self) -> usize {
        self.limit.unwrap_or(Self::DEFAULT_LIMIT)
    }

    fn matches(&self, delivery: &DeliveryRecord) -> bool {
        self.before.is_none_or(|b| delivery.id < b)
            && self
                .instance
                .as_ref()
                .is_none_or(|i| *i == delivery.instance)
    }
}

/// What [`Store::prune`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Pruned {
    /// Deliveries removed from the log.
    pub deliveries: u64,
    /// Resolved alerts removed (with their history).
    pub alerts: u64,
    /// Outgoing messages removed: delivered or failed ones last changed before the
    /// deliveries' cutoff. Pending messages are never pruned.
    pub messages: u64,
    /// Maintenance windows removed: fixed ones that had ended ([`Store::prune_windows`]).
    pub windows: u64,
}

/// Where an outgoing message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    /// Waiting for its next attempt.
    Pending,
    /// A 2xx answered it.
    Delivered,
    /// Given up: a status that is not retried, or the last attempt failed.
    Failed,
}

impl MessageStatus {
    /// The lowercase name used in JSON, SQL and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Pending => "pending",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Failed => "failed",
        }
    }

    /// Parses [`MessageStatus::as_str`]'s names.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "pending" => Some(MessageStatus::Pending),
            "delivered" => Some(MessageStatus::Delivered),
            "failed" => Some(MessageStatus::Failed),
            _ => None,
        }
    }
}

/// One outgoing message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Message {
    /// The outbox's id.
    pub id: i64,
    /// The output it goes to.
    pub output: String,
    /// Its idempotency key (`webhook-id`, the envelope's `id`): the same on every attempt.
    pub webhook_id: String,
    /// What it announces: `alert.opened`, …, or `delivery.received`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The delivery that queued it.
    pub delivery_id: i64,
    /// The alert it is about, if any.
    pub alert_id: Option<i64>,
    /// Where it is.
    pub status: MessageStatus,
    /// Attempts made so far.
    pub attempts: u32,
    /// The HTTP status of the last attempt, if it got an answer.
    pub last_status_code: Option<u16>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// When the next attempt is due (pending messages only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The request body, when asked for ([`Store::due_messages`]).
    #[serde(skip)]
    pub body: Option<Bytes>,
    /// The request's `Content-Type`, when the body is given.
    #[serde(skip)]
    pub content_type: Option<String>,
}

/// A message to queue, as [`crate::outputs`] renders it inside an ingest.
#[derive(Debug, Clone)]
pub(crate) struct NewMessage<'a> {
    pub(crate) output: &'a str,
    pub(crate) webhook_id: String,
    pub(crate) kind: String,
    pub(crate) delivery_id: i64,
    pub(crate) alert_id: Option<i64>,
    /// Messages with one key go one at a time, oldest first (`instance/thirdparty_id`); `None`:
    /// unordered.
    pub(crate) order_key: Option<String>,
    pub(crate) body: Body,
    pub(crate) content_type: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
}

/// A queued message's body.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// Its own (an envelope).
    Own(Bytes),
    /// The delivery's body, as sent (a raw relay), with the delivery's content type: a store
    /// that keeps the delivery's body and content type may refer to them rather than keep
    /// them twice.
    Delivery(Bytes),
}

impl Body {
    pub(crate) fn bytes(&self) -> &Bytes {
        match self {
            Body::Own(bytes) | Body::Delivery(bytes) => bytes,
        }
    }
}

/// What an ingest queued: how many messages, and how many it dropped, by output, because the
/// output already had `max_pending` messages waiting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Queued {
    pub(crate) queued: usize,
    pub(crate) dropped: BTreeMap<String, u64>,
}

/// What one attempt to send a message concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptResult {
    /// When it ended.
    pub at: DateTime<Utc>,
    /// The HTTP status, if an answer came.
    pub status_code: Option<u16>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// What happens next.
    pub next: NextStep,
}

/// What happens to a message after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// It was delivered.
    Delivered,
    /// Another attempt at this time.
    RetryAt(DateTime<Utc>),
    /// It is given up.
    Failed,
}

impl AttemptResult {
    /// An attempt that ended at `at` with `next`.
    pub fn new(
        at: DateTime<Utc>,
        status_code: Option<u16>,
        error: Option<String>,
        next: NextStep,
    ) -> Self {
        Self {
            at,
            status_code,
            error,
            next,
        }
    }
}

/// Which messages [`Store::messages`] returns: every set field must match. Newest first, without
/// bodies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MessageFilter {
    /// Only messages to this output.
    pub output: Option<String>,
    /// Only messages in this status.
    pub status: Option<MessageStatus>,
    /// Only messages with an id below this one (the page after it).
    pub before: Option<i64>,
    /// At most this many (`None`: [`MessageFilter::DEFAULT_LIMIT`]).
    pub limit: Option<usize>,
}

impl MessageFilter {
    /// How many messages a filter without a limit returns.
    pub const DEFAULT_LIMIT: usize = 100;

    /// Every message (up to the default limit).
    pub fn new() -> Self {
        Self::default()
    }

    /// Only messages to `output`.
    #[must_use]
    pub fn output(mut self, output: impl Into<String>) -> Self {
        self.output = Some(output.into());
        self
    }

    /// Only messages in `status`.
    #[must_use]
    pub fn status(mut self, status: MessageStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// At most `limit` messages.
    #[must_use]
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    fn effective_limit(&self) -> usize {
        self.limit.unwrap_or(Self::DEFAULT_LIMIT)
    }

    fn matches(&self, message: &Message) -> bool {
        self.before.is_none_or(|b| message.id < b)
            && self.output.as_ref().is_none_or(|o| *o == message.output)
            && self.status.is_none_or(|s| s == message.status)
    }
}

/// What [`Store::retry_message`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Requeue {
    /// The failed message is pending again, due now, its attempts counted from zero.
    Requeued(Box<Message>),
    /// No message with that id for that output.
    NotFound,
    /// The message is not failed (pending or delivered): nothing done.
    NotFailed(MessageStatus),
}

/// Why the store could not do what was asked. The receiver answers 503, so senders that
/// retry (Alertmanager does) send the delivery again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// A group of deliveries could not be committed (all of them were refused).
    #[error("commit failed: {0}")]
    Commit(String),
    /// The store's worker has stopped (shut down, or crashed).
    #[error("the store is shut down")]
    Closed,
    /// PostgreSQL refused a statement.
    #[error("postgres error: {0}")]
    Postgres(String),
    /// The database cannot be reached (no connection within the pool's wait, the connection
    /// lost, the server shutting down).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The transaction lost a race with another replica's and was rolled back (retried
    /// before it is returned).
    #[error("the transaction conflicted with a concurrent one")]
    Conflict,
    /// Opening the store failed (bad location, migration error).
    #[error("cannot open the store: {0}")]
    Open(String),
    /// A stored value could not be read back.
    #[error("corrupt stored value in {what}: {message}")]
    Corrupt {
        /// Which value.
        what: &'static str,
        /// What was wrong.
        message: String,
    },
}

/// Deliveries and alerts. Async because implementations do I/O; object-safe so a host holds
/// an `Arc<dyn Store>` and picks the implementation from configuration.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// Records `delivery` and applies its events (see the module docs); returns once durable.
    async fn ingest(&self, delivery: Delivery) -> Result<Ingested, StoreError>;

    /// Alerts matching `filter`, newest first.
    async fn alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StoreError>;

    /// One alert and its history (oldest first), if it exists.
    async fn alert(&self, id: i64) -> Result<Option<(Alert, Vec<HistoryEntry>)>, StoreError>;

    /// Deliveries matching `filter`, newest first, without bodies.
    async fn deliveries_matching(
        &self,
        filter: &DeliveryFilter,
    ) -> Result<Vec<DeliveryRecord>, StoreError>;

    /// The newest `limit` deliveries (of `instance`, if given), newest first, without bodies.
    async fn deliveries(
        &self,
        instance: Option<&str>,
        limit: usize,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let mut filter = DeliveryFilter::new().limit(limit);
        filter.instance = instance.map(str::to_owned);
        self.deliveries_matching(&filter).await
    }

    /// One delivery with its raw body and events JSON, if it exists.
    async fn delivery(&self, id: i64) -> Result<Option<DeliveryRecord>, StoreError>;

    /// Removes resolved alerts resolved before `resolved_alerts_before` (with their history),
    /// then deliveries received before `deliveries_before` that no remaining alert's history
    /// refers to. Open and acknowledged alerts are never removed. The times are arguments, not
    /// a clock read, so retention is testable without waiting.
    async fn prune(
        &self,
        deliveries_before: DateTime<Utc>,
        resolved_alerts_before: DateTime<Utc>,
    ) -> Result<Pruned, StoreError>;

    /// Up to `limit` messages for `output` that may be sent at `now`, the longest due first,
    /// with their bodies: pending, due, not in `skip` (those in flight), and at the head of
    /// their order key. Messages about one `(instance, thirdparty_id)` share a key and go one
    /// at a time in the order they were queued: the next becomes the head when the one before
    /// it is delivered or failed.
    /// At most `limit` messages, and no more once their bodies add up to `max_bytes` (the
    /// first comes whatever its size), so that a batch of large bodies stays bounded.
    async fn due_messages(
        &self,
        output: &str,
        now: DateTime<Utc>,
        skip: &[i64],
        limit: usize,
        max_bytes: usize,
    ) -> Result<Vec<Message>, StoreError>;

    /// [`Store::due_messages`], for a worker that sends each message it gets at once and
    /// within `lease`: a store shared by replicas ([`Store::shared`]) leaves them to this one
    /// for `lease`, measured by the store's clock, then lets another replica take them (this
    /// one died, or cannot reach the target). Other stores ignore `lease`.
    async fn claim_messages(
        &self,
        output: &str,
        now: DateTime<Utc>,
        skip: &[i64],
        limit: usize,
        max_bytes: usize,
        lease: std::time::Duration,
    ) -> Result<Vec<Message>, StoreError> {
        let _ = lease;
        self.due_messages(output, now, skip, limit, max_bytes).await
    }

    /// Records an attempt to send message `id`: its count, status code and error, and what
    /// happens next. A message that is no longer pending is left as it is; so is, in a shared
    /// store, one no longer claimed by this store (its lease ran out and another replica took
    /// it: that replica's attempt is the one recorded).
    async fn record_attempt(&self, id: i64, result: AttemptResult) -> Result<(), StoreError>;

    /// Messages matching `filter`, newest first, without bodies.
    async fn messages(&self, filter: &MessageFilter) -> Result<Vec<Message>, StoreError>;

    /// How many messages are pending and failed, by output and status.
    async fn message_counts(&self) -> Result<BTreeMap<(String, MessageStatus), u64>, StoreError>;

    /// Makes the failed message `id` of `output` pending again, due at `now`, its attempts
    /// counted from zero. If its key has a pending message, it waits behind that one.
    async fn retry_message(
        &self,
        output: &str,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Requeue, StoreError>;

    /// Makes every failed message of `output` pending again, due at `now` (each key's oldest
    /// first); returns how many.
    async fn retry_failed(&self, output: &str, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Why the store cannot write right now, if it cannot: the last commit failed and no
    /// commit has succeeded since. `None` for a store that is writing (the default).
    fn write_failure(&self) -> Option<String> {
        None
    }

    /// Records a ping of heartbeat `name` at `at`: its last ping becomes `at`, unless a later
    /// one is already recorded. Durable once it returns, so a restart does not forget pings.
    async fn record_ping(&self, name: &str, at: DateTime<Utc>) -> Result<(), StoreError>;

    /// The last ping of every heartbeat ever pinged (and not forgotten).
    async fn pings(&self) -> Result<BTreeMap<String, DateTime<Utc>>, StoreError>;

    /// Forgets the pings of heartbeats not in `keep` (heartbeats removed from the
    /// configuration), so the table holds at most the configured ones; returns how many.
    async fn forget_pings(&self, keep: &[String]) -> Result<u64, StoreError>;

    /// How many alerts are unresolved, by instance and status (open, acknowledged).
    async fn unresolved_counts(&self) -> Result<BTreeMap<(String, AlertStatus), u64>, StoreError>;

    /// Stores a maintenance window made at `now`, unless `max_live` API windows that have not
    /// ended at `now` are stored already ([`WindowAdded::Full`]).
    async fn add_window(
        &self,
        spec: WindowSpec,
        now: DateTime<Utc>,
        max_live: usize,
    ) -> Result<WindowAdded, StoreError>;

    /// The windows not ended at `now` (weekly ones always), oldest first.
    async fn windows(&self, now: DateTime<Utc>) -> Result<Vec<Window>, StoreError>;

    /// Removes API window `id`; a configuration window is left ([`WindowDeleted::FromConfig`]).
    async fn delete_window(&self, id: i64) -> Result<WindowDeleted, StoreError>;

    /// Replaces the configuration's windows with `specs` (made at `now`), in one step.
    async fn replace_config_windows(
        &self,
        specs: Vec<WindowSpec>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Removes fixed windows that ended before `ended_before`; returns how many.
    async fn prune_windows(&self, ended_before: DateTime<Utc>) -> Result<u64, StoreError>;

    /// One step of the maintenance sweep, in one transaction: looks at up to `limit` muted
    /// unresolved alerts with ids above `after`, and unmutes each that no window active at
    /// `now` covers (setting `unmuted_at`), queuing for the outputs of `plans` (by instance)
    /// that follow `opened` an `alert.opened` message about it.
    async fn unmute(
        &self,
        now: DateTime<Utc>,
        after: Option<i64>,
        limit: usize,
        plans: BTreeMap<String, Arc<OutboxPlan>>,
    ) -> Result<Unmuted, StoreError>;

    /// Whether other processes (replicas) share this store: then what one process keeps in
    /// memory (the heartbeats' last pings) is read again from the store before it is relied
    /// on, and singleton tasks ask [`Store::lead`]. False by default.
    fn shared(&self) -> bool {
        false
    }

    /// Whether this process runs the singleton task `task` (the heartbeat sweep) now. A store
    /// shared by several replicas answers true to one of them at a time, the same one until
    /// it stops or loses the database; a store of one process always answers true (the
    /// default).
    async fn lead(&self, task: &str) -> Result<bool, StoreError> {
        let _ = task;
        Ok(true)
    }

    /// Finishes pending work and releases the store; later calls fail with
    /// [`StoreError::Closed`]. Dropping a store without closing it loses nothing already
    /// acknowledged.
    async fn close(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// The operations [`apply_events`] needs inside one atomic step of a store.
pub(crate) trait AlertTx {
    fn unresolved(
        &mut self,
        instance: &str,
        thirdparty_id: &str,
    ) -> Result<Option<Alert>, StoreError>;
    fn insert_alert(&mut self, alert: &Alert) -> Result<i64, StoreError>;
    fn update_alert(&mut self, alert: &Alert) -> Result<(), StoreError>;
    /// Writes only what a create that changed no content changes: the count and the time.
    fn bump_alert(&mut self, alert: &Alert) -> Result<(), StoreError> {
        self.update_alert(alert)
    }
    fn insert_history(
        &mut self,
        alert_id: i64,
        delivery_id: i64,
        entry: &HistoryEntry,
    ) -> Result<(), StoreError>;
    /// How many messages of `output` are pending, this step's included.
    fn pending_messages(&mut self, output: &str) -> Result<u64, StoreError>;
    /// Queues a message (pending; behind the pending ones of its key, if any).
    fn insert_message(&mut self, message: &NewMessage<'_>) -> Result<(), StoreError>;
    /// The store's own random prefix for message ids, so that two stores (a staging and a
    /// production receiver posting to one target, or a store created anew) never give the
    /// same `webhook-id`.
    fn message_prefix(&self) -> &str;
    /// The maintenance windows active at `at` (read in this step).
    fn active_windows(&mut self, at: DateTime<Utc>) -> Result<Vec<Window>, StoreError>;
    /// Up to `limit` muted unresolved alerts with ids above `after`, by id.
    fn muted_alerts(&mut self, after: Option<i64>, limit: usize) -> Result<Vec<Alert>, StoreError>;
    /// The delivery whose event opened alert `alert_id` (the first of its history).
    fn opening_delivery(&mut self, alert_id: i64) -> Result<Option<i64>, StoreError>;
}

/// One step of [`Store::unmute`], inside a store's atomic step.
fn unmute_step(
    tx: &mut impl AlertTx,
    now: DateTime<Utc>,
    after: Option<i64>,
    limit: usize,
    plans: &BTreeMap<String, Arc<OutboxPlan>>,
) -> Result<Unmuted, StoreError> {
    let candidates = tx.muted_alerts(after, limit)?;
    let mut done = Unmuted {
        scanned: candidates.len(),
        last_id: candidates.last().map(|a| a.id),
        ..Unmuted::default()
    };
    if candidates.is_empty() {
        return Ok(done);
    }
    let windows = tx.active_windows(now)?;
    let mut queued = Queued::default();
    for mut alert in candidates {
        if windows.iter().any(|w| {
            w.spec
                .covers(&alert.instance, &alert.tags, &alert.additional_data)
        }) {
            continue;
        }
        alert.muted = false;
        alert.unmuted_at = Some(now);
        tx.update_alert(&alert)?;
        if let Some(plan) = plans.get(&alert.instance) {
            let delivery_id = tx.opening_delivery(alert.id)?.unwrap_or(0);
            queue_messages::for_unmute(tx, &mut queued, plan, &alert, delivery_id, now)?;
        }
        done.alerts.push(alert);
    }
    done.queued = queued.queued;
    done.dropped = queued.dropped;
    Ok(done)
}

/// Applies an accepted delivery's events, in order, with the lifecycle rules, and queues the
/// messages its outputs want (see [`crate::outputs`]); returns the results and what was queued.
fn apply_events(
    tx: &mut impl AlertTx,
    delivery: &Delivery,
    delivery_id: i64,
    events: &[Event],
) -> Result<(Vec<EventResult>, Queued), StoreError> {
    let instance = delivery.instance.as_str();
    let at = delivery.received_at;
    let mut results = Vec::with_capacity(events.len());
    let mut queued = Queued::default();
    // The windows active at the delivery's time: read once, at its first opened alert.
    let mut windows: Option<Vec<Window>> = None;
    for (index, event) in events.iter().enumerate() {
        let unresolved = tx.unresolved(instance, &event.thirdparty_id)?;
        let transition = decide(unresolved.as_ref(), event);
        let alert = match (unresolved, &transition) {
            (None, Transition::Opened) => {
                let mut alert = Alert::open(instance, event, at);
                let active = match &mut windows {
                    Some(windows) => windows,
                    None => windows.insert(tx.active_windows(at)?),
                };
                alert.muted = active
                    .iter()
                    .any(|w| w.spec.covers(instance, &event.tags, &event.additional_data));
                alert.id = tx.insert_alert(&alert)?;
                Some(alert)
            }
            (Some(mut alert), _) => {
                let same_content = matches!(&transition, Transition::Deduplicated { changes } if changes.is_empty())
                    && alert.tags == event.tags
                    && alert.dedup_keys == event.dedup_keys;
                alert.apply(&transition, event, at);
                if same_content {
                    tx.bump_alert(&alert)?;
                } else if !matches!(transition, Transition::Ignored { .. }) {
                    tx.update_alert(&alert)?;
                }
                Some(alert)
            }
            (None, _) => None,
        };
        let alert_id = alert.as_ref().map(|a| a.id);
        if let Some(alert_id) = alert_id {
            let entry = HistoryEntry {
                delivery_id,
                at,
                action: event.action,
                transition: transition.clone(),
            };
            tx.insert_history(alert_id, delivery_id, &entry)?;
        }
        let muted = alert.as_ref().is_some_and(|a| a.muted);
        // A muted alert's transitions page no one; its unmuting does (see `unmute_step`).
        if let (Some(plan), false) = (&delivery.outbox, muted) {
            queue_messages::for_event(
                tx,
                &mut queued,
                plan,
                delivery,
                delivery_id,
                index,
                event,
                &transition,
                alert.as_ref(),
            )?;
        }
        results.push(EventResult {
            thirdparty_id: event.thirdparty_id.clone(),
            action: event.action,
            alert_id,
            transition,
            muted,
        });
    }
    if let Some(plan) = &delivery.outbox {
        queue_messages::for_delivery(
            tx,
            &mut queued,
            plan,
            delivery,
            delivery_id,
            events,
            &results,
        )?;
    }
    Ok((results, queued))
}

/// The `{"events": [...]}` JSON kept in the delivery log: the CLI's format without each
/// event's `meta`, which is a projection of the raw body stored beside it (re-normalizing the
/// body reproduces it). Keeping it too would double what every delivery writes.
fn events_json(events: &[Event]) -> String {
    #[derive(Serialize)]
    struct Logged<'a> {
        action: pager_core::Action,
        thirdparty_id: &'a str,
        dedup_keys: &'a [String],
        title: &'a str,
        description: Option<&'a str>,
        urgency: Option<pager_core::Urgency>,
        incident: Option<&'a pager_core::Incident>,
        tags: &'a [String],
        additional_data: &'a [pager_core::AdditionalData],
    }
    #[derive(Serialize)]
    struct Events<'a> {
        events: Vec<Logged<'a>>,
    }
    let events = events
        .iter()
        .map(|e| Logged {
            action: e.action,
            thirdparty_id: &e.thirdparty_id,
            dedup_keys: &e.dedup_keys,
            title: &e.title,
            description: e.description.as_deref(),
            urgency: e.urgency,
            incident: e.incident.as_ref(),
            tags: &e.tags,
            additional_data: &e.additional_data,
        })
        .collect();
    // Plain data with string keys: serialization cannot fail.
    serde_json::to_string(&Events { events }).unwrap_or_default()
}
