//! The messages a delivery queues, rendered inside the store's ingest step: what each output
//! wants of each event's transition, and of the delivery as a whole.
//!
//! The envelope (`body = "envelope"`), one JSON object per message:
//!
//! | field | what |
//! |---|---|
//! | `type` | `alert.opened`, `alert.deduplicated`, `alert.acknowledged`, `alert.resolved`, `alert.ignored`, or `delivery.received` |
//! | `id` | the idempotency key, also sent as `webhook-id`: `evt_<store>_<delivery_id>_<event index>`, or `dlv_<store>_<delivery_id>`, where `<store>` is the store's own random prefix |
//! | `occurred_at` | when the delivery was received (RFC 3339, UTC) |
//! | `instance`, `integration` | the instance's name and its adapter's slug |
//! | `delivery_id` | the delivery in the log (`GET /deliveries`) |
//! | `alert` | `alert.*`: the alert as `GET /alerts/{id}` showed it right after the transition; `null` for an event ignored with nothing open |
//! | `event` | `alert.*`: the normalized event, `meta` included; `null` for the `alert.opened` of an alert unmuted when its maintenance window ended (id `unm_<store>_<alert_id>`, `occurred_at` the unmuting, `delivery_id` the delivery that opened it) |
//! | `changes` | `alert.deduplicated`: what the create changed |
//! | `reason` | `alert.ignored`: why nothing changed |
//! | `events`, `results` | `delivery.received`: every event of the delivery, and what each did |

use bytes::Bytes;
use chrono::{DateTime, Utc};
use pager_core::Event;
use serde::Serialize;

use super::{BodyKind, OutboxPlan, Route, Trigger};
use crate::lifecycle::{Alert, Change, IgnoreReason, Transition};
use crate::store::{AlertTx, Body, Delivery, EventResult, NewMessage, Queued, StoreError};

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
    event: Option<&'a Event>,
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
/// `index`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn for_event(
    tx: &mut impl AlertTx,
    queued: &mut Queued,
    plan: &OutboxPlan,
    delivery: &Delivery,
    delivery_id: i64,
    index: usize,
    event: &Event,
    transition: &Transition,
    alert: Option<&Alert>,
) -> Result<(), StoreError> {
    let Some(trigger) = Trigger::for_transition(transition.name()) else {
        return Ok(());
    };
    let mut routes = plan
        .routes
        .iter()
        .filter(|r| r.on.contains(&trigger))
        .peekable();
    if routes.peek().is_none() {
        return Ok(());
    }
    let kind = format!("alert.{}", transition.name());
    let id = format!("evt_{}_{delivery_id}_{index}", tx.message_prefix());
    let envelope = AlertEnvelope {
        kind: &kind,
        id: &id,
        occurred_at: delivery.received_at,
        instance: &delivery.instance,
        integration: &plan.integration,
        delivery_id,
        alert,
        event: Some(event),
        changes: match transition {
            Transition::Deduplicated { changes } => Some(changes),
            _ => None,
        },
        reason: match transition {
            Transition::Ignored { reason } => Some(*reason),
            _ => None,
        },
    };
    let message = Message {
        created_at: delivery.received_at,
        delivery_id,
        webhook_id: &id,
        kind: &kind,
        alert_id: alert.map(|a| a.id),
        order_key: Some(order_key(&delivery.instance, &event.thirdparty_id)),
    };
    queue_envelope(tx, queued, routes, &envelope, &message)
}

/// Queues `envelope`, as its own JSON body, to each of `routes`.
fn queue_envelope<'r>(
    tx: &mut impl AlertTx,
    queued: &mut Queued,
    routes: impl Iterator<Item = &'r Route>,
    envelope: &AlertEnvelope<'_>,
    message: &Message<'_>,
) -> Result<(), StoreError> {
    let body = Bytes::from(to_json(envelope));
    for route in routes {
        queue(
            tx,
            queued,
            route,
            message,
            Body::Own(body.clone()),
            Some(JSON),
        )?;
    }
    Ok(())
}

/// Queues, for each output of `plan` that wants every delivery, the delivery's message: its
/// raw body, or a `delivery.received` envelope. When all its events share one key (an
/// Alertmanager group, say), the message is ordered with that key's other messages.
pub(crate) fn for_delivery(
    tx: &mut impl AlertTx,
    queued: &mut Queued,
    plan: &OutboxPlan,
    delivery: &Delivery,
    delivery_id: i64,
    events: &[Event],
    results: &[EventResult],
) -> Result<(), StoreError> {
    let mut routes = plan
        .routes
        .iter()
        .filter(|r| r.on.contains(&Trigger::Delivery))
        .peekable();
    if routes.peek().is_none() {
        return Ok(());
    }
    let kind = "delivery.received";
    let id = format!("dlv_{}_{delivery_id}", tx.message_prefix());
    let one_key = events
        .first()
        .map(|e| &e.thirdparty_id)
        .filter(|first| events.iter().all(|e| e.thirdparty_id == **first));
    let message = Message {
        created_at: delivery.received_at,
        delivery_id,
        webhook_id: &id,
        kind,
        alert_id: None,
        order_key: one_key.map(|key| order_key(&delivery.instance, key)),
    };
    let mut envelope = None;
    for route in routes {
        let (body, content_type) = match route.body {
            BodyKind::Raw => {
                // The delivery's own body: a store keeps it once, with the delivery. (A delivery
                // built without one relays an empty body, kept with the message.)
                let Some(raw) = delivery.body.clone() else {
                    queue(
                        tx,
                        queued,
                        route,
                        &message,
                        Body::Own(Bytes::new()),
                        delivery.content_type.as_deref(),
                    )?;
                    continue;
                };
                queue(
                    tx,
                    queued,
                    route,
                    &message,
                    Body::Delivery(raw),
                    delivery.content_type.as_deref(),
                )?;
                continue;
            }
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
        queue(tx, queued, route, &message, Body::Own(body), content_type)?;
    }
    Ok(())
}

/// Queues, for each output of `plan` that follows `opened`, the `alert.opened` message of an
/// alert a maintenance window muted, now that it is unmuted (at `now`): `event` is null (no
/// event caused it), `delivery_id` is the delivery that opened the alert, and the id is
/// `unm_<store>_<alert id>` (an alert is unmuted at most once).
pub(crate) fn for_unmute(
    tx: &mut impl AlertTx,
    queued: &mut Queued,
    plan: &OutboxPlan,
    alert: &Alert,
    delivery_id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut routes = plan
        .routes
        .iter()
        .filter(|r| r.on.contains(&Trigger::Opened))
        .peekable();
    if routes.peek().is_none() {
        return Ok(());
    }
    let kind = "alert.opened";
    let id = format!("unm_{}_{}", tx.message_prefix(), alert.id);
    let envelope = AlertEnvelope {
        kind,
        id: &id,
        occurred_at: now,
        instance: &alert.instance,
        integration: &plan.integration,
        delivery_id,
        alert: Some(alert),
        event: None,
        changes: None,
        reason: None,
    };
    let message = Message {
        created_at: now,
        delivery_id,
        webhook_id: &id,
        kind,
        alert_id: Some(alert.id),
        order_key: Some(order_key(&alert.instance, &alert.thirdparty_id)),
    };
    queue_envelope(tx, queued, routes, &envelope, &message)
}

/// The order key of `thirdparty_id`'s messages (instance names hold no `/`).
fn order_key(instance: &str, thirdparty_id: &str) -> String {
    format!("{instance}/{thirdparty_id}")
}

/// What the messages of one event (or delivery) share across outputs.
struct Message<'a> {
    created_at: DateTime<Utc>,
    delivery_id: i64,
    webhook_id: &'a str,
    kind: &'a str,
    alert_id: Option<i64>,
    order_key: Option<String>,
}

/// Queues one message for `route`, or counts it dropped when the route's output already has
/// `max_pending` messages waiting: the delivery itself stays in the log, and a dead target
/// cannot fill the disk.
fn queue(
    tx: &mut impl AlertTx,
    queued: &mut Queued,
    route: &Route,
    message: &Message<'_>,
    body: Body,
    content_type: Option<&str>,
) -> Result<(), StoreError> {
    if tx.pending_messages(&route.output)? >= route.max_pending {
        *queued.dropped.entry(route.output.clone()).or_default() += 1;
        return Ok(());
    }
    tx.insert_message(&NewMessage {
        output: &route.output,
        webhook_id: message.webhook_id.to_owned(),
        kind: message.kind.to_owned(),
        delivery_id: message.delivery_id,
        alert_id: message.alert_id,
        order_key: message.order_key.clone(),
        body,
        content_type: content_type.map(str::to_owned),
        created_at: message.created_at,
    })?;
    queued.queued += 1;
    Ok(())
}

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Plain data with string keys, and `meta` whose text was checked when it was built:
    // serialization cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}
