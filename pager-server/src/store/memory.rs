//! The in-memory store: everything in one mutex, gone when the process ends.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::{
    AlertFilter, AlertTx, AttemptResult, Delivery, DeliveryFilter, DeliveryRecord, HistoryEntry,
    Ingested, Message, MessageFilter, MessageStatus, NewMessage, NextStep, Outcome, Pruned, Queued,
    Requeue, Store, StoreError, apply_events, events_json, unmute_step,
};
use crate::lifecycle::{Alert, AlertStatus};
use crate::maintenance::{Source, Unmuted, Window, WindowAdded, WindowDeleted, WindowSpec};
use crate::outputs::OutboxPlan;

/// A [`Store`] in memory, for tests and hosts that keep nothing across restarts.
#[derive(Debug)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Debug, Default)]
struct Inner {
    deliveries: BTreeMap<i64, DeliveryRecord>,
    /// The id the next delivery gets, less one (ids are never reused after a prune).
    last_delivery: i64,
    alerts: BTreeMap<i64, Alert>,
    last_alert: i64,
    /// `(instance, thirdparty_id)` → id of the unresolved alert.
    unresolved: HashMap<(String, String), i64>,
    history: BTreeMap<i64, Vec<HistoryEntry>>,
    /// `(instance, signature)` → when it expires.
    signatures: HashMap<(String, String), DateTime<Utc>>,
    /// The outbox, with bodies.
    messages: BTreeMap<i64, Message>,
    last_message: i64,
    /// Pending messages by output.
    pending: HashMap<String, u64>,
    /// Each ordered message's `(output, order key)`.
    order_keys: HashMap<i64, (String, String)>,
    /// The pending messages of each `(output, order key)`: the head first (the one that may
    /// be sent), then the others by id.
    queues: HashMap<(String, String), std::collections::VecDeque<i64>>,
    /// The prefix of this store's message ids.
    prefix: String,
    /// Each heartbeat's last ping.
    pings: BTreeMap<String, DateTime<Utc>>,
    /// Maintenance windows by id.
    windows: BTreeMap<i64, Window>,
    last_window: i64,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            inner: Mutex::new(Inner {
                prefix: crate::outputs::random_prefix(),
                ..Inner::default()
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-applied delivery visible: every
        // change is made on a copy and committed at the end of `ingest`.
        crate::lock(&self.inner)
    }
}

/// The changes of one delivery, committed to [`Inner`] only when all of them succeeded.
struct Tx<'a> {
    inner: &'a Inner,
    new_alerts: Vec<Alert>,
    updated: BTreeMap<i64, Alert>,
    history: Vec<(i64, HistoryEntry)>,
    new_messages: Vec<(Message, Option<String>)>,
}

impl Tx<'_> {
    fn find(&self, id: i64) -> Option<&Alert> {
        self.updated
            .get(&id)
            .or_else(|| self.inner.alerts.get(&id))
            .or_else(|| self.new_alerts.iter().find(|a| a.id == id))
    }
}

impl AlertTx for Tx<'_> {
    fn unresolved(
        &mut self,
        instance: &str,
        thirdparty_id: &str,
    ) -> Result<Option<Alert>, StoreError> {
        // New alerts of this delivery first: a key may open and change within one delivery.
        let fresh = self
            .new_alerts
            .iter()
            .rev()
            .find(|a| a.instance == instance && a.thirdparty_id == thirdparty_id)
            .map(|a| a.id);
        let id = fresh.or_else(|| {
            self.inner
                .unresolved
                .get(&(instance.to_owned(), thirdparty_id.to_owned()))
                .copied()
        });
        Ok(id
            .and_then(|id| self.find(id))
            .filter(|a| a.status.is_unresolved())
            .cloned())
    }

    fn insert_alert(&mut self, alert: &Alert) -> Result<i64, StoreError> {
        let id = next_id("alerts", self.inner.last_alert, self.new_alerts.len())?;
        let mut alert = alert.clone();
        alert.id = id;
        self.new_alerts.push(alert);
        Ok(id)
    }

    fn update_alert(&mut self, alert: &Alert) -> Result<(), StoreError> {
        if let Some(fresh) = self.new_alerts.iter_mut().find(|a| a.id == alert.id) {
            *fresh = alert.clone();
        } else {
            self.updated.insert(alert.id, alert.clone());
        }
        Ok(())
    }

    fn insert_history(
        &mut self,
        alert_id: i64,
        _delivery_id: i64,
        entry: &HistoryEntry,
    ) -> Result<(), StoreError> {
        self.history.push((alert_id, entry.clone()));
        Ok(())
    }

    fn pending_messages(&mut self, output: &str) -> Result<u64, StoreError> {
        let queued = self
            .new_messages
            .iter()
            .filter(|(m, _)| m.output == output)
            .count() as u64;
        Ok(self.inner.pending.get(output).copied().unwrap_or(0) + queued)
    }

    fn insert_message(&mut self, message: &NewMessage<'_>) -> Result<(), StoreError> {
        let id = next_id("outbox", self.inner.last_message, self.new_messages.len())?;
        self.new_messages.push((
            Message {
                id,
                output: message.output.to_owned(),
                webhook_id: message.webhook_id.clone(),
                kind: message.kind.clone(),
                delivery_id: message.delivery_id,
                alert_id: message.alert_id,
                status: MessageStatus::Pending,
                attempts: 0,
                last_status_code: None,
                last_error: None,
                next_attempt_at: Some(message.created_at),
                created_at: message.created_at,
                updated_at: message.created_at,
                body: Some(message.body.bytes().clone()),
                content_type: message.content_type.clone(),
            },
            message.order_key.clone(),
        ));
        Ok(())
    }

    fn message_prefix(&self) -> &str {
        &self.inner.prefix
    }

    fn active_windows(&mut self, at: DateTime<Utc>) -> Result<Vec<Window>, StoreError> {
        Ok(self
            .inner
            .windows
            .values()
            .filter(|w| w.spec.schedule.active_at(at).is_some())
            .cloned()
            .collect())
    }

    fn muted_alerts(&mut self, after: Option<i64>, limit: usize) -> Result<Vec<Alert>, StoreError> {
        let mut ids: Vec<i64> = self
            .inner
            .unresolved
            .values()
            .copied()
            .filter(|id| after.is_none_or(|after| *id > after))
            .filter(|id| self.inner.alerts.get(id).is_some_and(|a| a.muted))
            .collect();
        ids.sort_unstable();
        Ok(ids
            .into_iter()
            .take(limit)
            .filter_map(|id| self.find(id).cloned())
            .collect())
    }

    fn opening_delivery(&mut self, alert_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(self
            .inner
            .history
            .get(&alert_id)
            .and_then(|h| h.first())
            .map(|h| h.delivery_id))
    }
}

impl<'a> Tx<'a> {
    fn new(inner: &'a Inner) -> Self {
        Self {
            inner,
            new_alerts: Vec::new(),
            updated: BTreeMap::new(),
            history: Vec::new(),
            new_messages: Vec::new(),
        }
    }

    /// What the step changed, kept by [`Inner::commit`] once the borrow of `inner` ends.
    fn into_changes(self) -> Changes {
        Changes {
            new_alerts: self.new_alerts,
            updated: self.updated,
            history: self.history,
            new_messages: self.new_messages,
        }
    }
}

/// The changes of one step (see [`Tx`]).
struct Changes {
    new_alerts: Vec<Alert>,
    updated: BTreeMap<i64, Alert>,
    history: Vec<(i64, HistoryEntry)>,
    new_messages: Vec<(Message, Option<String>)>,
}

impl Inner {
    /// Keeps the messages an ingest queued (pending, each in its key's queue).
    fn keep_messages(&mut self, new_messages: Vec<(Message, Option<String>)>) {
        for (message, order_key) in new_messages {
            let id = message.id;
            self.last_message = self.last_message.max(id);
            *self.pending.entry(message.output.clone()).or_default() += 1;
            if let Some(key) = order_key {
                self.order_keys.insert(id, (message.output.clone(), key));
            }
            self.messages.insert(id, message);
            self.enqueue(id);
        }
    }

    /// Sets message `id`'s status, keeping the pending counts and its key's queue.
    fn set_status(&mut self, id: i64, status: MessageStatus) {
        let Some(message) = self.messages.get_mut(&id) else {
            return;
        };
        let was = std::mem::replace(&mut message.status, status);
        let count = self.pending.entry(message.output.clone()).or_default();
        match (was, status) {
            (MessageStatus::Pending, MessageStatus::Pending) => {}
            (MessageStatus::Pending, _) => {
                *count = count.saturating_sub(1);
                self.dequeue(id);
            }
            (_, MessageStatus::Pending) => {
                *count += 1;
                self.enqueue(id);
            }
            _ => {}
        }
    }

    /// Puts an ordered message in its key's queue: the head if the queue is empty, else
    /// among the others by id.
    fn enqueue(&mut self, id: i64) {
        let Some(key) = self.order_keys.get(&id).cloned() else {
            return;
        };
        let queue = self.queues.entry(key).or_default();
        let at = queue
            .iter()
            .skip(1)
            .position(|other| *other > id)
            .map_or(queue.len(), |p| p + 1);
        queue.insert(at, id);
    }

    fn dequeue(&mut self, id: i64) {
        let Some(key) = self.order_keys.get(&id) else {
            return;
        };
        if let Some(queue) = self.queues.get_mut(key) {
            queue.retain(|other| *other != id);
            if queue.is_empty() {
                self.queues.remove(key);
            }
        }
    }

    /// Whether message `id` may be sent now: unordered, or the head of its key's queue.
    fn is_head(&self, id: i64) -> bool {
        self.order_keys.get(&id).is_none_or(|key| {
            self.queues
                .get(key)
                .and_then(|queue| queue.front())
                .is_some_and(|head| *head == id)
        })
    }
}

impl Inner {
    /// Keeps what a step changed: alerts, history, messages, and the unresolved index.
    fn commit(&mut self, changes: Changes) {
        let Changes {
            new_alerts,
            updated,
            history,
            new_messages,
        } = changes;
        let inner = self;
        inner.keep_messages(new_messages);
        let touched: Vec<i64> = updated
            .keys()
            .copied()
            .chain(new_alerts.iter().map(|a| a.id))
            .collect();
        for (id, alert) in updated {
            if let Some(slot) = inner.alerts.get_mut(&id) {
                *slot = alert;
            }
        }
        for alert in new_alerts {
            inner.last_alert = inner.last_alert.max(alert.id);
            inner.alerts.insert(alert.id, alert);
        }
        for (alert_id, entry) in history {
            inner.history.entry(alert_id).or_default().push(entry);
        }
        for id in touched {
            let Some(alert) = inner.alerts.get(&id) else {
                continue;
            };
            let key = (alert.instance.clone(), alert.thirdparty_id.clone());
            if alert.status.is_unresolved() {
                inner.unresolved.insert(key, id);
            } else if inner.unresolved.get(&key) == Some(&id) {
                inner.unresolved.remove(&key);
            }
        }
    }
}

/// The id `pending + 1` rows after `last` (ids start at 1).
fn next_id(what: &'static str, last: i64, pending: usize) -> Result<i64, StoreError> {
    i64::try_from(pending)
        .ok()
        .and_then(|pending| last.checked_add(pending)?.checked_add(1))
        .ok_or_else(|| StoreError::Corrupt {
            what,
            message: format!("after id {last}: no id left"),
        })
}

#[async_trait]
impl Store for MemoryStore {
    async fn ingest(&self, delivery: Delivery) -> Result<Ingested, StoreError> {
        let mut inner = self.lock();
        let delivery_id = next_id("deliveries", inner.last_delivery, 0)?;
        let (status, mut error, mut events) = match &delivery.outcome {
            Outcome::Accepted(events) => (200, None, events.as_slice()),
            Outcome::Rejected { status, error } => (*status, Some(error.clone()), &[][..]),
        };
        let mut replayed = false;
        let mut new_signature = None;
        if let (Some((signature, expires)), 200) = (&delivery.signature, status) {
            let now = delivery.received_at;
            inner.signatures.retain(|_, expires| *expires >= now);
            let key = (delivery.instance.clone(), signature.clone());
            if inner.signatures.contains_key(&key) {
                replayed = true;
                error = Some(super::REPLAY_NOTE.to_owned());
                events = &[];
            } else {
                // Remembered only once the delivery is applied (below): a failed ingest must
                // leave the sender's retry to be applied, not answered as a replay.
                new_signature = Some((key, *expires));
            }
        }
        let mut tx = Tx::new(&inner);
        // A rejected or replayed delivery applies nothing and queues nothing.
        let (results, queued) = if status == 200 && !replayed {
            apply_events(&mut tx, &delivery, delivery_id, events)?
        } else {
            (Vec::new(), Queued::default())
        };
        let changes = tx.into_changes();
        inner.commit(changes);
        if let Some((key, expires)) = new_signature {
            inner.signatures.insert(key, expires);
        }
        inner.last_delivery = delivery_id;
        inner.deliveries.insert(
            delivery_id,
            DeliveryRecord {
                id: delivery_id,
                instance: delivery.instance,
                received_at: delivery.received_at,
                content_type: delivery.content_type,
                body_bytes: delivery.body_bytes,
                status,
                error,
                event_count: events.len() as u64,
                notes: delivery.notes,
                body: delivery.body,
                events_json: (status == 200).then(|| events_json(events)),
            },
        );
        Ok(Ingested {
            delivery_id,
            results,
            replayed,
            queued: queued.queued,
            dropped: queued.dropped,
        })
    }

    async fn alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .alerts
            .values()
            .rev()
            .filter(|a| filter.matches(a))
            .take(filter.effective_limit())
            .cloned()
            .collect())
    }

    async fn alert(&self, id: i64) -> Result<Option<(Alert, Vec<HistoryEntry>)>, StoreError> {
        let inner = self.lock();
        Ok(inner.alerts.get(&id).map(|alert| {
            let history = inner.history.get(&id).cloned().unwrap_or_default();
            (alert.clone(), history)
        }))
    }

    async fn deliveries_matching(
        &self,
        filter: &DeliveryFilter,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .deliveries
            .values()
            .rev()
            .filter(|d| filter.matches(d))
            .take(filter.effective_limit())
            .map(|d| DeliveryRecord {
                body: None,
                events_json: None,
                ..d.clone()
            })
            .collect())
    }

    async fn delivery(&self, id: i64) -> Result<Option<DeliveryRecord>, StoreError> {
        Ok(self.lock().deliveries.get(&id).cloned())
    }

    async fn prune(
        &self,
        deliveries_before: DateTime<Utc>,
        resolved_alerts_before: DateTime<Utc>,
    ) -> Result<Pruned, StoreError> {
        let mut inner = self.lock();
        let newest_message = inner.messages.keys().next_back().copied();
        let before = inner.messages.len();
        inner.messages.retain(|id, m| {
            m.status == MessageStatus::Pending
                || m.updated_at >= deliveries_before
                || Some(*id) == newest_message
        });
        let Inner {
            messages,
            order_keys,
            ..
        } = &mut *inner;
        order_keys.retain(|id, _| messages.contains_key(id));
        let messages_pruned = (before - inner.messages.len()) as u64;
        let Inner {
            deliveries,
            alerts,
            history,
            ..
        } = &mut *inner;
        let newest_alert = alerts.keys().next_back().copied();
        let newest_delivery = deliveries.keys().next_back().copied();
        let before = alerts.len();
        alerts.retain(|id, alert| {
            let expired = Some(*id) != newest_alert
                && alert.status == AlertStatus::Resolved
                && alert
                    .resolved_at
                    .is_some_and(|t| t < resolved_alerts_before);
            if expired {
                history.remove(id);
            }
            !expired
        });
        let alerts_pruned = before - alerts.len();
        let referenced: HashSet<i64> = history.values().flatten().map(|h| h.delivery_id).collect();
        let before = deliveries.len();
        deliveries.retain(|id, d| {
            d.received_at >= deliveries_before
                || referenced.contains(id)
                || Some(*id) == newest_delivery
        });
        Ok(Pruned {
            deliveries: (before - deliveries.len()) as u64,
            alerts: alerts_pruned as u64,
            messages: messages_pruned,
            windows: 0,
        })
    }

    async fn due_messages(
        &self,
        output: &str,
        now: DateTime<Utc>,
        skip: &[i64],
        limit: usize,
        max_bytes: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let inner = self.lock();
        let mut due: Vec<&Message> = inner
            .messages
            .values()
            .filter(|m| {
                m.output == output
                    && m.status == MessageStatus::Pending
                    && m.next_attempt_at.is_some_and(|t| t <= now)
                    && !skip.contains(&m.id)
                    && inner.is_head(m.id)
            })
            .collect();
        due.sort_by_key(|m| (m.next_attempt_at, m.id));
        let mut bytes = 0;
        Ok(due
            .into_iter()
            .take(limit)
            .take_while(|m| {
                let before = bytes;
                bytes += m.body.as_ref().map_or(0, Bytes::len);
                before == 0 || bytes <= max_bytes
            })
            .cloned()
            .collect())
    }

    async fn record_attempt(&self, id: i64, result: AttemptResult) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let Some(message) = inner.messages.get_mut(&id) else {
            return Ok(());
        };
        if message.status != MessageStatus::Pending {
            return Ok(());
        }
        message.attempts += 1;
        message.last_status_code = result.status_code;
        message.last_error = result.error;
        message.updated_at = result.at;
        let status = match result.next {
            NextStep::Delivered => MessageStatus::Delivered,
            NextStep::RetryAt(_) => MessageStatus::Pending,
            NextStep::Failed => MessageStatus::Failed,
        };
        message.next_attempt_at = match result.next {
            NextStep::RetryAt(at) => Some(at),
            _ => None,
        };
        inner.set_status(id, status);
        Ok(())
    }

    async fn messages(&self, filter: &MessageFilter) -> Result<Vec<Message>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .messages
            .values()
            .rev()
            .filter(|m| filter.matches(m))
            .take(filter.effective_limit())
            .map(|m| Message {
                body: None,
                content_type: None,
                ..m.clone()
            })
            .collect())
    }

    async fn message_counts(&self) -> Result<BTreeMap<(String, MessageStatus), u64>, StoreError> {
        let inner = self.lock();
        let mut counts = BTreeMap::new();
        for message in inner.messages.values() {
            if message.status != MessageStatus::Delivered {
                *counts
                    .entry((message.output.clone(), message.status))
                    .or_default() += 1;
            }
        }
        Ok(counts)
    }

    async fn retry_message(
        &self,
        output: &str,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Requeue, StoreError> {
        let mut inner = self.lock();
        let Some(message) = inner.messages.get_mut(&id).filter(|m| m.output == output) else {
            return Ok(Requeue::NotFound);
        };
        if message.status != MessageStatus::Failed {
            return Ok(Requeue::NotFailed(message.status));
        }
        message.attempts = 0;
        message.next_attempt_at = Some(now);
        message.updated_at = now;
        inner.set_status(id, MessageStatus::Pending);
        let message = inner.messages.get(&id).map(|m| Message {
            body: None,
            content_type: None,
            ..m.clone()
        });
        Ok(message.map_or(Requeue::NotFound, |m| Requeue::Requeued(Box::new(m))))
    }

    async fn retry_failed(&self, output: &str, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let failed: Vec<i64> = inner
            .messages
            .values()
            .filter(|m| m.output == output && m.status == MessageStatus::Failed)
            .map(|m| m.id)
            .collect();
        for id in &failed {
            if let Some(message) = inner.messages.get_mut(id) {
                message.attempts = 0;
                message.next_attempt_at = Some(now);
                message.updated_at = now;
            }
            inner.set_status(*id, MessageStatus::Pending);
        }
        Ok(failed.len() as u64)
    }

    async fn record_ping(&self, name: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let last = inner.pings.entry(name.to_owned()).or_insert(at);
        *last = (*last).max(at);
        Ok(())
    }

    async fn pings(&self) -> Result<BTreeMap<String, DateTime<Utc>>, StoreError> {
        Ok(self.lock().pings.clone())
    }

    async fn forget_pings(&self, keep: &[String]) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let before = inner.pings.len();
        inner.pings.retain(|name, _| keep.contains(name));
        Ok((before - inner.pings.len()) as u64)
    }

    async fn add_window(
        &self,
        spec: WindowSpec,
        now: DateTime<Utc>,
        max_live: usize,
    ) -> Result<WindowAdded, StoreError> {
        let mut inner = self.lock();
        let live = inner
            .windows
            .values()
            .filter(|w| w.spec.source == Source::Api)
            .filter(|w| w.spec.schedule.ends_at().is_none_or(|end| end > now))
            .count();
        if live >= max_live {
            return Ok(WindowAdded::Full(live));
        }
        let id = next_id("maintenance windows", inner.last_window, 0)?;
        inner.last_window = id;
        let window = Window::new(id, now, spec);
        inner.windows.insert(id, window.clone());
        Ok(WindowAdded::Added(window))
    }

    async fn windows(&self, now: DateTime<Utc>) -> Result<Vec<Window>, StoreError> {
        Ok(self
            .lock()
            .windows
            .values()
            .filter(|w| w.spec.schedule.ends_at().is_none_or(|end| end > now))
            .cloned()
            .collect())
    }

    async fn delete_window(&self, id: i64) -> Result<WindowDeleted, StoreError> {
        let mut inner = self.lock();
        Ok(match inner.windows.get(&id).map(|w| w.spec.source) {
            None => WindowDeleted::NotFound,
            Some(Source::Config) => WindowDeleted::FromConfig,
            Some(Source::Api) => {
                inner.windows.remove(&id);
                WindowDeleted::Deleted
            }
        })
    }

    async fn replace_config_windows(
        &self,
        specs: Vec<WindowSpec>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.windows.retain(|_, w| w.spec.source != Source::Config);
        for spec in specs {
            let id = next_id("maintenance windows", inner.last_window, 0)?;
            inner.last_window = id;
            inner.windows.insert(
                id,
                Window::new(
                    id,
                    now,
                    WindowSpec {
                        source: Source::Config,
                        ..spec
                    },
                ),
            );
        }
        Ok(())
    }

    async fn prune_windows(&self, ended_before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let before = inner.windows.len();
        inner.windows.retain(|_, w| {
            w.spec
                .schedule
                .ends_at()
                .is_none_or(|end| end >= ended_before)
        });
        Ok((before - inner.windows.len()) as u64)
    }

    async fn unmute(
        &self,
        now: DateTime<Utc>,
        after: Option<i64>,
        limit: usize,
        plans: BTreeMap<String, std::sync::Arc<OutboxPlan>>,
    ) -> Result<Unmuted, StoreError> {
        let mut inner = self.lock();
        let mut tx = Tx::new(&inner);
        let unmuted = unmute_step(&mut tx, now, after, limit, &plans)?;
        let changes = tx.into_changes();
        inner.commit(changes);
        Ok(unmuted)
    }

    async fn unresolved_counts(&self) -> Result<BTreeMap<(String, AlertStatus), u64>, StoreError> {
        let inner = self.lock();
        let mut counts = BTreeMap::new();
        for id in inner.unresolved.values() {
            if let Some(alert) = inner.alerts.get(id) {
                *counts
                    .entry((alert.instance.clone(), alert.status))
                    .or_default() += 1;
            }
        }
        Ok(counts)
    }
}
