//! The messages a delivery queues, rendered inside the store's ingest step: what each output
//! wants of each event's transition, and of the delivery as a whole.
//!
//! The envelope (`body = "envelope"`), one JSON object per message:
//!
//! | field | what |
//! |---|---|
//! | `type` | `alert.opened`, `alert.deduplicated`, `alert.acknowledged`, `alert.resolved`, `alert.ignored`, or `delivery.received` |
//! | `id` | the idempotency key, also sent as `webhook-id`: `evt_<delivery_id>_<event index>`, or `dlv_<delivery_id>` |
//! | `occurred_at` | when the delivery was received (RFC 3339, UTC) |
//! | `instance`, `integration` | the instance's name and its adapter's slug |
//! | `delivery_id` | the delivery in the log (`GET /deliveries`) |
//! | `alert` | `alert.*`: the alert as `GET /alerts/{id}` showed it right after the transition; `null` for an event ignored with nothing open |
//! | `event` | `alert.*`: the normalized event, `meta` included |
//! | `changes` | `alert.deduplicated`: what the create changed |
//! | `reason` | `alert.ignored`: why nothing changed |
//! | `events`, `results` | `delivery.received`: every event of the delivery, and what each did |

use bytes::Bytes;
use chrono::{DateTime, Utc};
use pager_core::Event;
use serde::Serialize;

use super::{BodyKind, OutboxPlan, Route, Trigger};
use crate::lifecycle::{Alert, Change, IgnoreReason, Transition};
use crate::store::{AlertTx, Delivery, EventResult, NewMessage, StoreError};

#[derive(Serialize)]
struct AlertEnvelope<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    id: &'a str,
    occurred_at: DateTime<Utc>,
    instance: &'a str,
    integration: &'a str,
    delivery_id: i64,
    alert: Option<&'a Alert>,
    event: &'a Event,
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<&'a [Change]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<IgnoreReason>,
}

#[derive(Serialize)]
struct DeliveryEnvelope<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    id: &'a str,
    occurred_at: DateTime<Utc>,
    instance: &'a str,
    integration: &'a str,
    delivery_id: i64,
    events: &'a [Event],
    results: &'a [EventResult],
}

const JSON: &str = "application/json";

/// Queues, for each output of `plan` that wants `transition`, the message about event number
/// `index`; returns how many were queued.
#[allow(clippy::too_many_arguments)]
pub(crate) fn for_event(
    tx: &mut impl AlertTx,
    plan: &OutboxPlan,
    delivery: &Delivery,
    delivery_id: i64,
    index: usize,
    event: &Event,
    transition: &Transition,
    alert: Option<&Alert>,
) -> Result<usize, StoreError> {
    let Some(trigger) = Trigger::for_transition(transition.name()) else {
        return Ok(0);
    };
    let mut routes = plan
        .routes
        .iter()
        .filter(|r| r.on.contains(&trigger))
        .peekable();
    if routes.peek().is_none() {
        return Ok(0);
    }
    let kind = format!("alert.{}", transition.name());
    let id = format!("evt_{delivery_id}_{index}");
    let envelope = AlertEnvelope {
        kind: &kind,
        id: &id,
        occurred_at: delivery.received_at,
        instance: &delivery.instance,
        integration: &plan.integration,
        delivery_id,
        alert,
        event,
        changes: match transition {
            Transition::Deduplicated { changes } => Some(changes),
            _ => None,
        },
        reason: match transition {
            Transition::Ignored { reason } => Some(*reason),
            _ => None,
        },
    };
    let body = Bytes::from(to_json(&envelope));
    let mut queued = 0;
    for route in routes {
        queue(
            tx,
            route,
            delivery,
            delivery_id,
            &id,
            &kind,
            alert.map(|a| a.id),
            body.clone(),
            Some(JSON),
        )?;
        queued += 1;
    }
    Ok(queued)
}

/// Queues, for each output of `plan` that wants every delivery, the delivery's message: its
/// raw body, or a `delivery.received` envelope.
pub(crate) fn for_delivery(
    tx: &mut impl AlertTx,
    plan: &OutboxPlan,
    delivery: &Delivery,
    delivery_id: i64,
    events: &[Event],
    results: &[EventResult],
) -> Result<usize, StoreError> {
    let kind = "delivery.received";
    let id = format!("dlv_{delivery_id}");
    let mut envelope = None;
    let mut queued = 0;
    for route in plan
        .routes
        .iter()
        .filter(|r| r.on.contains(&Trigger::Delivery))
    {
        let (body, content_type) = match route.body {
            BodyKind::Raw => (
                delivery.body.clone().unwrap_or_default(),
                delivery.content_type.as_deref(),
            ),
            BodyKind::Envelope => {
                let body = envelope.get_or_insert_with(|| {
                    Bytes::from(to_json(&DeliveryEnvelope {
                        kind,
                        id: &id,
                        occurred_at: delivery.received_at,
                        instance: &delivery.instance,
                        integration: &plan.integration,
                        delivery_id,
                        events,
                        results,
                    }))
                });
                (body.clone(), Some(JSON))
            }
        };
        queue(
            tx,
            route,
            delivery,
            delivery_id,
            &id,
            kind,
            None,
            body,
            content_type,
        )?;
        queued += 1;
    }
    Ok(queued)
}

#[allow(clippy::too_many_arguments)]
fn queue(
    tx: &mut impl AlertTx,
    route: &Route,
    delivery: &Delivery,
    delivery_id: i64,
    webhook_id: &str,
    kind: &str,
    alert_id: Option<i64>,
    body: Bytes,
    content_type: Option<&str>,
) -> Result<(), StoreError> {
    let pending = tx.pending_messages(&route.output)?;
    let failed = (pending >= route.max_pending).then(|| {
        format!(
            "the outbox is full: {pending} messages were pending for this output (max_pending {})",
            route.max_pending
        )
    });
    tx.insert_message(&NewMessage {
        output: &route.output,
        webhook_id: webhook_id.to_owned(),
        kind: kind.to_owned(),
        delivery_id,
        alert_id,
        body,
        content_type: content_type.map(str::to_owned),
        created_at: delivery.received_at,
        failed,
    })
}

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Plain data with string keys, and `meta` whose text was checked when it was built:
    // serialization cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}
