//! The in-memory store: everything in one mutex, gone when the process ends.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{
    AlertFilter, AlertTx, AttemptResult, Delivery, DeliveryFilter, DeliveryRecord, HistoryEntry,
    Ingested, Message, MessageFilter, MessageStatus, NewMessage, NextStep, Outcome, Pruned,
    Requeue, Store, StoreError, apply_events, events_json,
};
use crate::lifecycle::{Alert, AlertStatus};

/// A [`Store`] in memory, for tests and hosts that keep nothing across restarts.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
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
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-applied delivery visible: every
        // change is made on a copy and committed at the end of `ingest`.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The changes of one delivery, committed to [`Inner`] only when all of them succeeded.
struct Tx<'a> {
    inner: &'a Inner,
    new_alerts: Vec<Alert>,
    updated: BTreeMap<i64, Alert>,
    history: Vec<(i64, HistoryEntry)>,
    new_messages: Vec<Message>,
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
            .filter(|m| m.output == output && m.status == MessageStatus::Pending)
            .count() as u64;
        Ok(self.inner.pending.get(output).copied().unwrap_or(0) + queued)
    }

    fn insert_message(&mut self, message: &NewMessage<'_>) -> Result<(), StoreError> {
        let id = next_id("outbox", self.inner.last_message, self.new_messages.len())?;
        let pending = message.failed.is_none();
        self.new_messages.push(Message {
            id,
            output: message.output.to_owned(),
            webhook_id: message.webhook_id.clone(),
            kind: message.kind.clone(),
            delivery_id: message.delivery_id,
            alert_id: message.alert_id,
            status: if pending {
                MessageStatus::Pending
            } else {
                MessageStatus::Failed
            },
            attempts: 0,
            last_status_code: None,
            last_error: message.failed.clone(),
            next_attempt_at: pending.then_some(message.created_at),
            created_at: message.created_at,
            updated_at: message.created_at,
            body: Some(message.body.clone()),
            content_type: message.content_type.clone(),
        });
        Ok(())
    }
}

impl Inner {
    /// Sets message `id`'s status, keeping the pending counts.
    fn set_status(&mut self, id: i64, status: MessageStatus) {
        let Some(message) = self.messages.get_mut(&id) else {
            return;
        };
        let was = std::mem::replace(&mut message.status, status);
        let count = self.pending.entry(message.output.clone()).or_default();
        match (was, status) {
            (MessageStatus::Pending, MessageStatus::Pending) => {}
            (MessageStatus::Pending, _) => *count = count.saturating_sub(1),
            (_, MessageStatus::Pending) => *count += 1,
            _ => {}
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
        let mut tx = Tx {
            inner: &inner,
            new_alerts: Vec::new(),
            updated: BTreeMap::new(),
            history: Vec::new(),
            new_messages: Vec::new(),
        };
        // A rejected or replayed delivery applies nothing and queues nothing.
        let (results, queued) = if status == 200 && !replayed {
            apply_events(&mut tx, &delivery, delivery_id, events)?
        } else {
            (Vec::new(), 0)
        };
        let Tx {
            new_alerts,
            updated,
            history,
            new_messages,
            ..
        } = tx;
        for message in new_messages {
            inner.last_message = inner.last_message.max(message.id);
            if message.status == MessageStatus::Pending {
                *inner.pending.entry(message.output.clone()).or_default() += 1;
            }
            inner.messages.insert(message.id, message);
        }
        if let Some((key, expires)) = new_signature {
            inner.signatures.insert(key, expires);
        }
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
                body: delivery.body,
                events_json: (status == 200).then(|| events_json(events)),
            },
        );
        Ok(Ingested {
            delivery_id,
            results,
            replayed,
            queued,
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
        })
    }

    async fn due_messages(
        &self,
        output: &str,
        now: DateTime<Utc>,
        skip: &[i64],
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let inner = self.lock();
        let mut blocked = HashSet::new();
        let mut due: Vec<&Message> = Vec::new();
        for message in inner.messages.values() {
            if message.output != output || message.status != MessageStatus::Pending {
                continue;
            }
            // Only the oldest pending message of an alert may go.
            if let Some(alert) = message.alert_id {
                if !blocked.insert(alert) {
                    continue;
                }
            }
            if message.next_attempt_at.is_some_and(|t| t <= now) && !skip.contains(&message.id) {
                due.push(message);
            }
        }
        due.sort_by_key(|m| (m.next_attempt_at, m.id));
        Ok(due.into_iter().take(limit).cloned().collect())
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
