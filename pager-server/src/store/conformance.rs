//! Behaviour tests every [`Store`] implementation must pass, as plain async functions a
//! store's test file calls (as `object_store`'s `integration` module does). Each panics with
//! a message on failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::missing_panics_doc,
    clippy::too_many_lines,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use pager_core::{Action, AdditionalData, Event, Urgency};

use super::{AlertFilter, Delivery, DeliveryFilter, Outcome, Store};
use crate::lifecycle::{AlertStatus, IgnoreReason, Transition};

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::seconds(seconds)
}

fn event(action: Action, key: &str, firing: u32) -> Event {
    Event::new(action, key, format!("{key} is down"))
        .with_urgency(Some(Urgency::High))
        .with_additional_data(vec![AdditionalData::text("Firing", firing.to_string())])
}

fn delivery(instance: &str, seconds: i64, events: Vec<Event>) -> Delivery {
    Delivery::new(
        instance,
        at(seconds),
        Some("application/json".into()),
        Some(Bytes::from_static(b"{}")),
        2,
        Outcome::Accepted(events),
    )
}

/// Create, dedup, acknowledge, dedup while acknowledged, resolve, stray resolve, re-open.
pub async fn lifecycle(store: &dyn Store) {
    let key = "group-a";
    let opened = store
        .ingest(delivery("am", 0, vec![event(Action::Create, key, 1)]))
        .await
        .unwrap();
    assert_eq!(opened.results[0].transition, Transition::Opened);
    let first_id = opened.results[0]
        .alert_id
        .expect("an opened alert has an id");

    let bumped = store
        .ingest(delivery("am", 10, vec![event(Action::Create, key, 2)]))
        .await
        .unwrap();
    let Transition::Deduplicated { changes } = &bumped.results[0].transition else {
        panic!("expected deduplicated, got {:?}", bumped.results[0]);
    };
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].field, "additional_data.Firing");
    assert_eq!(changes[0].from.as_deref(), Some("1"));
    assert_eq!(changes[0].to.as_deref(), Some("2"));
    assert_eq!(bumped.results[0].alert_id, Some(first_id));

    let acked = store
        .ingest(delivery("am", 20, vec![event(Action::Acknowledge, key, 2)]))
        .await
        .unwrap();
    assert_eq!(acked.results[0].transition, Transition::Acknowledged);
    let again = store
        .ingest(delivery("am", 21, vec![event(Action::Acknowledge, key, 2)]))
        .await
        .unwrap();
    assert_eq!(
        again.results[0].transition,
        Transition::Ignored {
            reason: IgnoreReason::AlreadyAcknowledged
        }
    );
    store
        .ingest(delivery("am", 30, vec![event(Action::Create, key, 3)]))
        .await
        .unwrap();
    let alerts = store
        .alerts(&AlertFilter::new().instance("am"))
        .await
        .unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].status, AlertStatus::Acknowledged);
    assert_eq!(alerts[0].dedup_count, 3);
    assert_eq!(alerts[0].acknowledged_at, Some(at(20)));

    let resolved = store
        .ingest(delivery("am", 40, vec![event(Action::Resolve, key, 0)]))
        .await
        .unwrap();
    assert_eq!(resolved.results[0].transition, Transition::Resolved);
    let stray = store
        .ingest(delivery("am", 41, vec![event(Action::Resolve, key, 0)]))
        .await
        .unwrap();
    assert_eq!(
        stray.results[0].transition,
        Transition::Ignored {
            reason: IgnoreReason::NothingOpen
        }
    );
    assert_eq!(stray.results[0].alert_id, None);

    let reopened = store
        .ingest(delivery("am", 50, vec![event(Action::Create, key, 1)]))
        .await
        .unwrap();
    assert_eq!(reopened.results[0].transition, Transition::Opened);
    let second_id = reopened.results[0].alert_id.unwrap();
    assert_ne!(second_id, first_id);

    let all = store
        .alerts(&AlertFilter::new().thirdparty_id(key))
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|a| (a.id, a.status)).collect::<Vec<_>>(),
        [
            (second_id, AlertStatus::Open),
            (first_id, AlertStatus::Resolved)
        ],
        "newest first"
    );
    assert_eq!(all[1].resolved_at, Some(at(40)));
    let older = store
        .alerts(&AlertFilter::new().thirdparty_id(key).before(second_id))
        .await
        .unwrap();
    assert_eq!(
        older.iter().map(|a| a.id).collect::<Vec<_>>(),
        [first_id],
        "before: the page after an id"
    );

    let (alert, history) = store.alert(first_id).await.unwrap().unwrap();
    assert_eq!(alert.status, AlertStatus::Resolved);
    let names: Vec<_> = history.iter().map(|h| h.transition.name()).collect();
    assert_eq!(
        names,
        [
            "opened",
            "deduplicated",
            "acknowledged",
            "ignored",
            "deduplicated",
            "resolved"
        ]
    );
    assert_eq!(history[0].delivery_id, opened.delivery_id);
    assert_eq!(history[1].transition, bumped.results[0].transition);
}

/// Two creates for one key in one delivery land on one alert; keys of different instances
/// are different alerts; unresolved counts follow.
pub async fn keys_and_instances(store: &dyn Store) {
    let both = store
        .ingest(delivery(
            "am",
            0,
            vec![event(Action::Create, "k", 1), event(Action::Create, "k", 2)],
        ))
        .await
        .unwrap();
    assert_eq!(both.results[0].transition, Transition::Opened);
    assert!(matches!(
        both.results[1].transition,
        Transition::Deduplicated { .. }
    ));
    assert_eq!(both.results[0].alert_id, both.results[1].alert_id);
    store
        .ingest(delivery("other", 1, vec![event(Action::Create, "k", 1)]))
        .await
        .unwrap();
    store
        .ingest(delivery(
            "other",
            2,
            vec![event(Action::Acknowledge, "k", 1)],
        ))
        .await
        .unwrap();
    let counts = store.unresolved_counts().await.unwrap();
    assert_eq!(counts.get(&("am".into(), AlertStatus::Open)), Some(&1));
    assert_eq!(
        counts.get(&("other".into(), AlertStatus::Acknowledged)),
        Some(&1)
    );
    assert_eq!(counts.len(), 2, "{counts:?}");
    let am = store
        .alerts(&AlertFilter::new().instance("am"))
        .await
        .unwrap();
    assert_eq!(am.len(), 1);
    assert_eq!(am[0].dedup_count, 2);
    let open = store
        .alerts(&AlertFilter::new().status(AlertStatus::Open))
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].instance, "am");
}

/// Rejected deliveries are logged with their status and error; accepted ones keep their body
/// and events.
pub async fn delivery_log(store: &dyn Store) {
    let rejected = Delivery::new(
        "am",
        at(0),
        Some("text/plain".into()),
        Some(Bytes::from_static(b"not json")),
        8,
        Outcome::Rejected {
            status: 400,
            error: "prometheus-v3: malformed payload at line 1, column 2: expected value".into(),
        },
    );
    let logged = store.ingest(rejected).await.unwrap();
    assert!(logged.results.is_empty());
    let unauthorized = Delivery::new(
        "am",
        at(1),
        None,
        None,
        12,
        Outcome::Rejected {
            status: 401,
            error: "prometheus-v3: unauthorized".into(),
        },
    );
    store.ingest(unauthorized).await.unwrap();
    let accepted = store
        .ingest(delivery("am", 2, vec![event(Action::Create, "k", 1)]))
        .await
        .unwrap();

    let log = store.deliveries(Some("am"), 10).await.unwrap();
    assert_eq!(
        log.iter()
            .map(|d| (d.status, d.event_count))
            .collect::<Vec<_>>(),
        [(200, 1), (401, 0), (400, 0)]
    );
    assert!(
        log.iter().all(|d| d.body.is_none()),
        "listings carry no bodies"
    );
    assert_eq!(log[2].content_type.as_deref(), Some("text/plain"));
    assert!(
        log[2]
            .error
            .as_deref()
            .unwrap()
            .contains("malformed payload")
    );
    assert!(store.deliveries(Some("nope"), 10).await.unwrap().is_empty());
    assert_eq!(store.deliveries(None, 2).await.unwrap().len(), 2);
    let page = store
        .deliveries_matching(
            &DeliveryFilter::new()
                .instance("am")
                .before(accepted.delivery_id)
                .limit(1),
        )
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|d| d.status).collect::<Vec<_>>(),
        [401],
        "before: the page after an id"
    );

    let first = store.delivery(logged.delivery_id).await.unwrap().unwrap();
    assert_eq!(first.body.as_deref(), Some(&b"not json"[..]));
    assert_eq!(first.body_bytes, 8);
    let second = store
        .delivery(logged.delivery_id + 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.body, None, "an unauthorized body is not kept");
    let third = store.delivery(accepted.delivery_id).await.unwrap().unwrap();
    let events: serde_json::Value =
        serde_json::from_str(third.events_json.as_deref().unwrap()).unwrap();
    assert_eq!(events["events"][0]["thirdparty_id"], "k");
    assert_eq!(events["events"][0]["action"], "create");
    assert!(
        events["events"][0].get("meta").is_none(),
        "meta is a projection of the stored body, not stored twice"
    );
    assert!(store.delivery(9999).await.unwrap().is_none());
    assert_eq!(third.notes, None, "no notes unless given");

    // Notes (what the rules did) are kept, listed and read back; long ones cut.
    let noted = store
        .ingest(
            delivery("am", 3, vec![event(Action::Create, "k", 1)])
                .with_notes("rules dropped 1 event\nrule failed: event 0: rules[1].if: x"),
        )
        .await
        .unwrap();
    let listed = store.deliveries(Some("am"), 1).await.unwrap();
    assert_eq!(
        listed[0].notes.as_deref(),
        Some("rules dropped 1 event\nrule failed: event 0: rules[1].if: x")
    );
    let read = store.delivery(noted.delivery_id).await.unwrap().unwrap();
    assert_eq!(read.notes, listed[0].notes);
    let cut = store
        .ingest(delivery("am", 4, vec![]).with_notes("é".repeat(5000)))
        .await
        .unwrap();
    let read = store.delivery(cut.delivery_id).await.unwrap().unwrap();
    let kept = read.notes.unwrap();
    assert!(kept.len() <= super::MAX_NOTES_BYTES && kept.ends_with('…'));
}

/// Many concurrent creates for one key open exactly one alert and count every one.
pub async fn concurrent_creates(store: Arc<dyn Store>) {
    const N: i64 = 200;
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                store
                    .ingest(delivery("am", i, vec![event(Action::Create, "race", 1)]))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut opened = 0;
    for task in tasks {
        if task.await.unwrap().results[0].transition == Transition::Opened {
            opened += 1;
        }
    }
    assert_eq!(opened, 1, "exactly one create opens the alert");
    let alerts = store.alerts(&AlertFilter::new()).await.unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].dedup_count, N as u64);
    assert_eq!(
        store.deliveries(None, 1000).await.unwrap().len(),
        N as usize
    );
}

fn rejected(instance: &str, seconds: i64) -> Delivery {
    Delivery::new(
        instance,
        at(seconds),
        Some("text/plain".into()),
        Some(Bytes::from_static(b"nope")),
        4,
        Outcome::Rejected {
            status: 400,
            error: "malformed".into(),
        },
    )
}

/// Retention, with the cutoffs given (no clock, no sleeping): resolved alerts past theirs go
/// with their history, deliveries past theirs go unless a kept alert's history refers to
/// them; open and acknowledged alerts stay, however old; ids are never given twice.
pub async fn retention(store: &dyn Store) {
    let ingest = |d: Delivery| async move { store.ingest(d).await.unwrap() };
    let old_open = ingest(delivery("am", 0, vec![event(Action::Create, "old", 1)])).await;
    let old_resolved = ingest(delivery("am", 10, vec![event(Action::Resolve, "old", 0)])).await;
    let open = ingest(delivery("am", 0, vec![event(Action::Create, "open", 1)])).await;
    ingest(delivery("am", 1, vec![event(Action::Create, "acked", 1)])).await;
    let acked = ingest(delivery(
        "am",
        2,
        vec![event(Action::Acknowledge, "acked", 1)],
    ))
    .await;
    let bad = ingest(rejected("am", 20)).await;
    let fresh = ingest(delivery("am", 30, vec![event(Action::Create, "fresh", 1)])).await;
    let fresh_resolved = ingest(delivery(
        "am",
        1000,
        vec![event(Action::Resolve, "fresh", 0)],
    ))
    .await;
    let late_bad = ingest(rejected("am", 1000)).await;
    let id = |i: &super::Ingested| i.results[0].alert_id.unwrap();
    let (old_id, open_id, acked_id, fresh_id) = (id(&old_open), id(&open), id(&acked), id(&fresh));

    let pruned = store.prune(at(500), at(500)).await.unwrap();
    assert_eq!((pruned.deliveries, pruned.alerts), (3, 1), "{pruned:?}");
    assert!(
        store.alert(old_id).await.unwrap().is_none(),
        "resolved at 10: gone"
    );
    for gone in [
        old_open.delivery_id,
        old_resolved.delivery_id,
        bad.delivery_id,
    ] {
        assert!(
            store.delivery(gone).await.unwrap().is_none(),
            "delivery {gone}"
        );
    }
    let (alert, history) = store.alert(open_id).await.unwrap().unwrap();
    assert_eq!(
        (alert.status, history.len()),
        (AlertStatus::Open, 1),
        "open: kept"
    );
    let (alert, history) = store.alert(acked_id).await.unwrap().unwrap();
    assert_eq!(
        (alert.status, history.len()),
        (AlertStatus::Acknowledged, 2)
    );
    assert!(
        store.delivery(open.delivery_id).await.unwrap().is_some(),
        "an open alert's history keeps its deliveries, however old"
    );
    assert!(store.delivery(fresh.delivery_id).await.unwrap().is_some());
    assert_eq!(
        store.prune(at(500), at(500)).await.unwrap(),
        super::Pruned::default(),
        "nothing more to do"
    );

    let late = ingest(delivery("am", 1500, vec![event(Action::Create, "late", 1)])).await;
    let pruned = store.prune(at(2000), at(2000)).await.unwrap();
    assert_eq!((pruned.deliveries, pruned.alerts), (3, 1), "{pruned:?}");
    assert!(store.alert(fresh_id).await.unwrap().is_none());
    for gone in [
        fresh.delivery_id,
        fresh_resolved.delivery_id,
        late_bad.delivery_id,
    ] {
        assert!(
            store.delivery(gone).await.unwrap().is_none(),
            "delivery {gone}"
        );
    }
    let unresolved = store.unresolved_counts().await.unwrap();
    assert_eq!(unresolved.values().sum::<u64>(), 3, "{unresolved:?}");

    // The newest delivery and alert are never pruned, so ids keep growing.
    let resolve_late = ingest(delivery(
        "am",
        1600,
        vec![event(Action::Resolve, "late", 0)],
    ))
    .await;
    store.prune(at(1_000_000), at(1_000_000)).await.unwrap();
    assert!(
        store.alert(id(&late)).await.unwrap().is_some(),
        "the newest alert"
    );
    assert!(
        store
            .delivery(resolve_late.delivery_id)
            .await
            .unwrap()
            .is_some()
    );
    let next = ingest(delivery("am", 1700, vec![event(Action::Create, "late", 1)])).await;
    assert!(next.delivery_id > resolve_late.delivery_id);
    assert!(id(&next) > id(&late));
}

/// What one delivery stores is bounded: the content type is cut, a rejected body is kept up
/// to [`super::MAX_REJECTED_BODY_BYTES`] with its full size; an accepted body is kept whole.
pub async fn bounded_deliveries(store: &dyn Store) {
    let long_type = format!("application/json; x={}", "é".repeat(300));
    let big = Bytes::from(vec![b'x'; 200 * 1024]);
    let rejected = Delivery::new(
        "am",
        at(0),
        Some(long_type.clone()),
        Some(big.clone()),
        big.len() as u64,
        Outcome::Rejected {
            status: 415,
            error: "unsupported".into(),
        },
    );
    let logged = store.ingest(rejected).await.unwrap();
    let record = store.delivery(logged.delivery_id).await.unwrap().unwrap();
    let content_type = record.content_type.unwrap();
    assert!(
        content_type.len() <= super::MAX_CONTENT_TYPE_BYTES && content_type.len() > 250,
        "{} bytes",
        content_type.len()
    );
    assert!(
        long_type.starts_with(&content_type),
        "cut on a character boundary"
    );
    assert_eq!(record.body.unwrap().len(), super::MAX_REJECTED_BODY_BYTES);
    assert_eq!(record.body_bytes, 200 * 1024, "the full size is kept");

    let accepted = Delivery::new(
        "am",
        at(1),
        None,
        Some(big.clone()),
        big.len() as u64,
        Outcome::Accepted(vec![]),
    );
    let logged = store.ingest(accepted).await.unwrap();
    let record = store.delivery(logged.delivery_id).await.unwrap().unwrap();
    assert_eq!(
        record.body.unwrap().len(),
        big.len(),
        "accepted: kept whole"
    );
}

/// A delivery repeating a signature the store holds, unexpired, for its instance is logged and
/// answered but not applied; signatures expire; other instances are independent.
pub async fn replays(store: &dyn Store) {
    let signed = |seconds: i64, action: Action, signature: &str| {
        delivery("am", seconds, vec![event(action, "k", 1)]).with_signature(signature, at(300))
    };
    let opened = store.ingest(signed(0, Action::Create, "s1")).await.unwrap();
    assert!(!opened.replayed);
    let resolved = store
        .ingest(signed(10, Action::Resolve, "s2"))
        .await
        .unwrap();
    assert_eq!(resolved.results[0].transition, Transition::Resolved);
    let refired = store
        .ingest(signed(20, Action::Create, "s3"))
        .await
        .unwrap();
    assert_eq!(refired.results[0].transition, Transition::Opened);

    let replay = store
        .ingest(signed(30, Action::Resolve, "s2"))
        .await
        .unwrap();
    assert!(replay.replayed, "{replay:?}");
    assert!(replay.results.is_empty());
    let open = store
        .alerts(&AlertFilter::new().status(AlertStatus::Open))
        .await
        .unwrap();
    assert_eq!(
        open.len(),
        1,
        "the replayed resolve did not silence the re-fire"
    );
    let logged = store.delivery(replay.delivery_id).await.unwrap().unwrap();
    assert_eq!((logged.status, logged.event_count), (200, 0));
    assert_eq!(logged.error.as_deref(), Some(super::REPLAY_NOTE));

    let elsewhere =
        delivery("other", 40, vec![event(Action::Create, "k", 1)]).with_signature("s2", at(300));
    assert!(
        !store.ingest(elsewhere).await.unwrap().replayed,
        "per instance"
    );
    let expired = store
        .ingest(signed(301, Action::Resolve, "s2"))
        .await
        .unwrap();
    assert!(!expired.replayed, "remembered only until it expires");
    let unsigned = store
        .ingest(delivery("am", 302, vec![event(Action::Create, "k", 1)]))
        .await
        .unwrap();
    assert!(!unsigned.replayed);
}

/// The outputs of the outbox suite: `events` (opened, resolved: envelopes), `relay` (every
/// delivery, raw), `tiny` (opened, at most one pending).
fn outbox_plan(instance: &str) -> Arc<crate::outputs::OutboxPlan> {
    use crate::outputs::{BodyKind, OutputConfig, OutputUrl, Trigger};
    let url = OutputUrl::parse("http://127.0.0.1:9/").unwrap();
    let outputs = [
        OutputConfig::new("events", url.clone(), [Trigger::Opened, Trigger::Resolved]),
        OutputConfig::new("relay", url.clone(), [Trigger::Delivery]).with_body(BodyKind::Raw),
        OutputConfig::new("tiny", url, [Trigger::Opened]).with_max_pending(1),
    ];
    crate::outputs::OutboxPlan::for_instance(instance, "prometheus-v3", &outputs).unwrap()
}

/// Messages are queued with the delivery (envelopes rendered then, the raw body as sent), an
/// alert's messages are due one at a time in order, attempts move them on, a failed one can be
/// retried, `max_pending` drops the overflow (counted), replays and rejections queue nothing, and
/// retention prunes finished messages only.
pub async fn outbox(store: &dyn Store) {
    use super::{AttemptResult, MessageFilter, MessageStatus, NextStep, Requeue};
    let plan = outbox_plan("am");
    let raw = Bytes::from_static(br#"{"status":"firing","alerts":[]}"#);
    let with_plan = |seconds: i64, events: Vec<Event>| {
        Delivery::new(
            "am",
            at(seconds),
            Some("application/json; charset=utf-8".into()),
            Some(raw.clone()),
            raw.len() as u64,
            Outcome::Accepted(events),
        )
        .with_outbox(Arc::clone(&plan))
    };

    // Two opens: events ×2, relay ×1, tiny ×1 queued and 1 dropped (its outbox is full).
    let first = store
        .ingest(with_plan(
            0,
            vec![
                event(Action::Create, "k1", 1),
                event(Action::Create, "k2", 1),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(first.queued, 4, "{first:?}");
    assert_eq!(
        first.dropped.clone().into_iter().collect::<Vec<_>>(),
        [("tiny".to_owned(), 1)]
    );
    let k1 = first.results[0].alert_id.unwrap();
    // Then k1 resolves: events ×1, relay ×1.
    let second = store
        .ingest(with_plan(10, vec![event(Action::Resolve, "k1", 1)]))
        .await
        .unwrap();
    assert_eq!(second.queued, 2);

    let due = store
        .due_messages("events", at(10), &[], 10, usize::MAX)
        .await
        .unwrap();
    let kinds: Vec<(&str, Option<i64>)> =
        due.iter().map(|m| (m.kind.as_str(), m.alert_id)).collect();
    assert_eq!(
        kinds,
        [
            ("alert.opened", Some(k1)),
            ("alert.opened", first.results[1].alert_id)
        ],
        "k1's resolve waits for its open"
    );
    let opened = &due[0];
    assert!(
        opened.webhook_id.starts_with("evt_"),
        "{}",
        opened.webhook_id
    );
    assert!(
        opened
            .webhook_id
            .ends_with(&format!("_{}_0", first.delivery_id)),
        "evt_<store prefix>_<delivery>_<index>: {}",
        opened.webhook_id
    );
    let prefix = opened.webhook_id.split('_').nth(1).unwrap();
    assert_eq!(prefix.len(), 8, "the store's random prefix");
    assert_eq!(opened.content_type.as_deref(), Some("application/json"));
    let envelope: serde_json::Value =
        serde_json::from_slice(opened.body.as_ref().unwrap()).unwrap();
    assert_eq!(envelope["type"], "alert.opened");
    assert_eq!(envelope["id"], opened.webhook_id.as_str());
    assert_eq!(envelope["instance"], "am");
    assert_eq!(envelope["integration"], "prometheus-v3");
    assert_eq!(envelope["delivery_id"], first.delivery_id);
    assert_eq!(envelope["alert"]["id"], k1);
    assert_eq!(envelope["alert"]["status"], "open");
    assert_eq!(envelope["event"]["thirdparty_id"], "k1");
    assert_eq!(envelope["occurred_at"], "2027-01-15T08:00:00Z");

    let relay = store
        .due_messages("relay", at(10), &[], 10, usize::MAX)
        .await
        .unwrap();
    assert_eq!(relay.len(), 2, "delivery messages are not ordered by alert");
    let within = store
        .due_messages("relay", at(10), &[], 10, 1)
        .await
        .unwrap();
    assert_eq!(
        within.len(),
        1,
        "a byte budget: the first message always, then what fits"
    );
    assert_eq!(relay[0].body.as_ref(), Some(&raw), "byte for byte");
    assert_eq!(
        relay[0].content_type.as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(relay[0].kind, "delivery.received");
    assert_eq!(
        relay[0].webhook_id,
        format!("dlv_{prefix}_{}", first.delivery_id)
    );

    // In flight: skipped.
    let skipping = store
        .due_messages("events", at(10), &[opened.id], 10, usize::MAX)
        .await
        .unwrap();
    assert_eq!(skipping.len(), 1);
    assert_eq!(skipping[0].alert_id, first.results[1].alert_id);

    // A retry later: not due now, and k1's resolve still waits.
    store
        .record_attempt(
            opened.id,
            AttemptResult::new(
                at(11),
                Some(503),
                Some("HTTP 503".into()),
                NextStep::RetryAt(at(100)),
            ),
        )
        .await
        .unwrap();
    let due = store
        .due_messages("events", at(50), &[], 10, usize::MAX)
        .await
        .unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_ne!(due[0].alert_id, Some(k1));
    let due = store
        .due_messages("events", at(100), &[], 10, usize::MAX)
        .await
        .unwrap();
    assert_eq!(due.iter().filter(|m| m.alert_id == Some(k1)).count(), 1);
    // Delivered: the resolve may go.
    store
        .record_attempt(
            opened.id,
            AttemptResult::new(at(101), Some(200), None, NextStep::Delivered),
        )
        .await
        .unwrap();
    let due = store
        .due_messages("events", at(101), &[], 10, usize::MAX)
        .await
        .unwrap();
    let resolved = due
        .iter()
        .find(|m| m.alert_id == Some(k1))
        .expect("k1's resolve is due once its open was delivered");
    assert_eq!(resolved.kind, "alert.resolved");
    let envelope: serde_json::Value =
        serde_json::from_slice(resolved.body.as_ref().unwrap()).unwrap();
    assert_eq!(
        envelope["alert"]["status"], "resolved",
        "the alert as it was then"
    );
    // An attempt recorded for a message no longer pending changes nothing.
    store
        .record_attempt(
            opened.id,
            AttemptResult::new(at(102), Some(500), None, NextStep::Failed),
        )
        .await
        .unwrap();

    // Failed: visible, counted, retried by hand.
    store
        .record_attempt(
            resolved.id,
            AttemptResult::new(
                at(102),
                Some(410),
                Some("HTTP 410 Gone".into()),
                NextStep::Failed,
            ),
        )
        .await
        .unwrap();
    let listed = store
        .messages(&MessageFilter::new().output("events"))
        .await
        .unwrap();
    assert_eq!(listed.len(), 3);
    assert!(
        listed.iter().all(|m| m.body.is_none()),
        "listings carry no body"
    );
    assert!(listed.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let failed = listed.iter().find(|m| m.id == resolved.id).unwrap();
    assert_eq!(
        (failed.status, failed.attempts, failed.last_status_code),
        (MessageStatus::Failed, 1, Some(410))
    );
    assert_eq!(failed.last_error.as_deref(), Some("HTTP 410 Gone"));
    assert_eq!(failed.next_attempt_at, None);
    let delivered = listed.iter().find(|m| m.id == opened.id).unwrap();
    assert_eq!(
        (delivered.status, delivered.attempts),
        (MessageStatus::Delivered, 2)
    );

    let counts = store.message_counts().await.unwrap();
    let count = |output: &str, status| counts.get(&(output.to_owned(), status)).copied();
    assert_eq!(count("events", MessageStatus::Failed), Some(1));
    assert_eq!(count("events", MessageStatus::Pending), Some(1));
    assert_eq!(count("relay", MessageStatus::Pending), Some(2));
    assert_eq!(count("tiny", MessageStatus::Pending), Some(1));
    assert_eq!(
        count("tiny", MessageStatus::Failed),
        None,
        "the overflow was dropped, not stored"
    );

    assert!(matches!(
        store
            .retry_message("events", opened.id, at(103))
            .await
            .unwrap(),
        Requeue::NotFailed(MessageStatus::Delivered)
    ));
    assert_eq!(
        store
            .retry_message("relay", resolved.id, at(103))
            .await
            .unwrap(),
        Requeue::NotFound,
        "ids are per output"
    );
    let Requeue::Requeued(again) = store
        .retry_message("events", resolved.id, at(103))
        .await
        .unwrap()
    else {
        panic!("a failed message can be retried");
    };
    assert_eq!(
        (again.status, again.attempts, again.next_attempt_at),
        (MessageStatus::Pending, 0, Some(at(103)))
    );
    let due = store
        .due_messages("events", at(103), &[], 10, usize::MAX)
        .await
        .unwrap();
    assert!(due.iter().any(|m| m.id == resolved.id));
    // Once tiny's pending message is done, tiny takes a new one again.
    let tiny = store
        .due_messages("tiny", at(103), &[], 10, usize::MAX)
        .await
        .unwrap();
    store
        .record_attempt(
            tiny[0].id,
            AttemptResult::new(at(104), Some(204), None, NextStep::Delivered),
        )
        .await
        .unwrap();

    // Rejections and replays queue nothing; another instance's plan is its own.
    let rejected = Delivery::new(
        "am",
        at(110),
        None,
        Some(Bytes::from_static(b"nope")),
        4,
        Outcome::Rejected {
            status: 400,
            error: "bad".into(),
        },
    )
    .with_outbox(Arc::clone(&plan));
    assert_eq!(store.ingest(rejected).await.unwrap().queued, 0);
    let signed = |seconds| {
        with_plan(seconds, vec![event(Action::Create, "k3", 1)]).with_signature("sig", at(1000))
    };
    assert_eq!(store.ingest(signed(120)).await.unwrap().queued, 3);
    let replayed = store.ingest(signed(121)).await.unwrap();
    assert!(replayed.replayed);
    assert_eq!(replayed.queued, 0);

    // Retention: finished messages before the cutoff go, pending ones stay whatever their age.
    let pending_before = store
        .messages(
            &MessageFilter::new()
                .status(MessageStatus::Pending)
                .limit(1000),
        )
        .await
        .unwrap()
        .len();
    let pruned = store.prune(at(105), at(-1_000_000)).await.unwrap();
    assert_eq!(pruned.messages, 2, "the two delivered: {pruned:?}");
    // A raw relay's body outlives its delivery's retention while the message waits.
    let relay = store
        .due_messages("relay", at(200), &[], 10, usize::MAX)
        .await
        .unwrap();
    assert_eq!(relay.len(), 3, "{relay:?}");
    for message in &relay {
        assert_eq!(message.body.as_ref(), Some(&raw), "{}", message.webhook_id);
        assert_eq!(
            message.content_type.as_deref(),
            Some("application/json; charset=utf-8")
        );
    }
    let left = store
        .messages(&MessageFilter::new().limit(1000))
        .await
        .unwrap();
    assert_eq!(
        left.iter()
            .filter(|m| m.status == MessageStatus::Pending)
            .count(),
        pending_before
    );
    assert!(
        left.iter()
            .all(|m| m.status == MessageStatus::Pending || m.updated_at >= at(105))
    );
}

/// Order is per key (`instance`, `thirdparty_id`), not per alert: when a key resolves and
/// opens again while the first alert's messages wait, the new alert's messages wait too. A
/// failed message retried by hand waits behind the key's head; `retry_failed` requeues every
/// failed message, each key's oldest first.
pub async fn outbox_order(store: &dyn Store) {
    use super::{AttemptResult, MessageFilter, MessageStatus, NextStep};
    let plan = outbox_plan("am");
    let send = |seconds: i64, action: Action| {
        Delivery::new(
            "am",
            at(seconds),
            None,
            Some(Bytes::from_static(b"{}")),
            2,
            Outcome::Accepted(vec![event(action, "flap", 1)]),
        )
        .with_outbox(Arc::clone(&plan))
    };
    let first = store.ingest(send(0, Action::Create)).await.unwrap();
    store.ingest(send(1, Action::Resolve)).await.unwrap();
    let reopened = store.ingest(send(2, Action::Create)).await.unwrap();
    assert_ne!(
        first.results[0].alert_id, reopened.results[0].alert_id,
        "two alerts"
    );
    let mut order_seen = Vec::new();
    // The first open is refused until given up; the rest follow one at a time, in order.
    for round in 0..4 {
        let due = store
            .due_messages("events", at(10 + round), &[], 10, usize::MAX)
            .await
            .unwrap();
        assert_eq!(due.len(), 1, "one at a time per key: {due:?}");
        let message = &due[0];
        let next = if round == 0 {
            NextStep::Failed
        } else {
            NextStep::Delivered
        };
        order_seen.push((message.kind.clone(), message.alert_id));
        store
            .record_attempt(
                message.id,
                AttemptResult::new(at(10 + round), Some(500), None, next),
            )
            .await
            .unwrap();
        if round == 0 {
            // Retried by hand while the key has pending messages: it waits behind the head.
            store
                .retry_message("events", message.id, at(10))
                .await
                .unwrap();
        }
    }
    let (a, b) = (first.results[0].alert_id, reopened.results[0].alert_id);
    assert_eq!(
        order_seen,
        [
            ("alert.opened".to_owned(), a),
            ("alert.resolved".to_owned(), a),
            ("alert.opened".to_owned(), a),
            ("alert.opened".to_owned(), b),
        ],
        "the resolve before the re-open; the retried open after the head"
    );
    assert!(
        store
            .due_messages("events", at(20), &[], 10, usize::MAX)
            .await
            .unwrap()
            .is_empty()
    );

    // Bulk retry: two keys' failed messages, each key's oldest first.
    let other = |seconds: i64, key: &str, action: Action| {
        Delivery::new(
            "am",
            at(seconds),
            None,
            Some(Bytes::from_static(b"{}")),
            2,
            Outcome::Accepted(vec![event(action, key, 1)]),
        )
        .with_outbox(Arc::clone(&plan))
    };
    store.ingest(other(30, "x", Action::Create)).await.unwrap();
    store.ingest(other(31, "x", Action::Resolve)).await.unwrap();
    store.ingest(other(32, "y", Action::Create)).await.unwrap();
    for round in 0..3 {
        let due = store
            .due_messages("events", at(40 + round), &[], 10, usize::MAX)
            .await
            .unwrap();
        for message in due {
            store
                .record_attempt(
                    message.id,
                    AttemptResult::new(at(40 + round), Some(410), None, NextStep::Failed),
                )
                .await
                .unwrap();
        }
    }
    let failed = store
        .messages(
            &MessageFilter::new()
                .output("events")
                .status(MessageStatus::Failed),
        )
        .await
        .unwrap();
    assert_eq!(failed.len(), 3);
    assert_eq!(store.retry_failed("events", at(50)).await.unwrap(), 3);
    let due = store
        .due_messages("events", at(50), &[], 10, usize::MAX)
        .await
        .unwrap();
    let kinds: Vec<&str> = due.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["alert.opened", "alert.opened"],
        "x's open, then y's: {due:?}"
    );
    assert_eq!(store.retry_failed("events", at(51)).await.unwrap(), 0);
}

/// A raw relay's body outlives its delivery's retention while its message waits (a store
/// that keeps the body once, with the delivery, keeps that delivery).
pub async fn outbox_relay_retention(store: &dyn Store) {
    let plan = outbox_plan("am");
    let raw = Bytes::from_static(br#"{"status":"firing","alerts":[]}"#);
    let delivery = Delivery::new(
        "am",
        at(0),
        Some("application/json".into()),
        Some(raw.clone()),
        raw.len() as u64,
        Outcome::Accepted(Vec::new()),
    )
    .with_outbox(plan);
    store.ingest(delivery).await.unwrap();
    // Another delivery, so that the first is not the newest (which is never pruned).
    store.ingest(delivery_without_events(10)).await.unwrap();
    store.prune(at(1000), at(1000)).await.unwrap();
    let due = store
        .due_messages("relay", at(1000), &[], 10, usize::MAX)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].body.as_ref(), Some(&raw));
    assert_eq!(due[0].content_type.as_deref(), Some("application/json"));
}

fn delivery_without_events(seconds: i64) -> Delivery {
    Delivery::new(
        "am",
        at(seconds),
        None,
        Some(Bytes::from_static(b"[]")),
        2,
        Outcome::Accepted(Vec::new()),
    )
}

/// Heartbeat pings: the last one kept per heartbeat (an older one arriving late does not move
/// it back), listed, and forgotten for heartbeats no longer configured.
pub async fn heartbeat_pings(store: &dyn Store) {
    assert!(store.pings().await.unwrap().is_empty());
    store.record_ping("watchdog", at(10)).await.unwrap();
    store.record_ping("nightly-backup", at(5)).await.unwrap();
    store.record_ping("watchdog", at(30)).await.unwrap();
    // A ping stamped earlier than the one kept (two requests racing) does not move it back.
    store.record_ping("watchdog", at(20)).await.unwrap();
    let pings = store.pings().await.unwrap();
    assert_eq!(
        pings.into_iter().collect::<Vec<_>>(),
        [
            ("nightly-backup".to_owned(), at(5)),
            ("watchdog".to_owned(), at(30))
        ]
    );
    let forgotten = store
        .forget_pings(&["watchdog".to_owned(), "never-pinged".to_owned()])
        .await
        .unwrap();
    assert_eq!(forgotten, 1);
    let pings = store.pings().await.unwrap();
    assert_eq!(pings.keys().collect::<Vec<_>>(), ["watchdog"]);
    assert_eq!(
        store.forget_pings(&["watchdog".to_owned()]).await.unwrap(),
        0
    );
}

/// Maintenance windows: an alert opened at or after a window's start (before its end) by an
/// event it covers (instance, tags, labels) is muted and queues nothing; one opened before the
/// start, or not covered, is not; dedups and a resolve inside the window queue nothing; the
/// unmute step leaves alerts an active window still covers (overlapping windows) and unmutes
/// the others once, queuing one `alert.opened` (`event` null, id `unm_…`); an alert resolved
/// while muted never pages. Windows are listed until they end, capped, deleted (config ones
/// refused), replaced (config), pruned once ended, and their ids never given twice.
pub async fn maintenance(store: &dyn Store) {
    use super::{MessageFilter, MessageStatus};
    use crate::maintenance::{Source, WindowAdded, WindowDeleted, WindowSpec};
    let plan = outbox_plan("am");
    let tagged = |action, key: &str, tags: &[&str]| {
        event(action, key, 1).with_tags(tags.iter().map(|t| (*t).to_owned()).collect())
    };
    let send = |instance: &str, seconds: i64, events: Vec<Event>| {
        delivery(instance, seconds, events).with_outbox(Arc::clone(&plan))
    };
    let add = |spec: WindowSpec, now: i64, max: usize| async move {
        match store.add_window(spec, at(now), max).await.unwrap() {
            WindowAdded::Added(window) => window,
            other => panic!("expected a window, got {other:?}"),
        }
    };
    // W1: [100, 200) on am, alerts tagged db with Firing=1. W2: [150, 300), everything.
    let w1 = add(
        WindowSpec::fixed(at(100), at(200), "db upgrade")
            .for_instances(["am"])
            .matching(["db"], [("Firing", "1")]),
        0,
        10,
    )
    .await;
    let w2 = add(WindowSpec::fixed(at(150), at(300), "all"), 0, 10).await;
    assert!(w2.id > w1.id);
    assert_eq!(w1.spec.source, Source::Api);
    assert_eq!(w1.created_at, at(0));

    let before = store
        .ingest(send("am", 99, vec![tagged(Action::Create, "k0", &["db"])]))
        .await
        .unwrap();
    assert!(!before.results[0].muted, "a second before the start");
    assert_eq!(before.queued, 3, "events and tiny page it; relay relays it");
    let start = store
        .ingest(send(
            "am",
            100,
            vec![
                tagged(Action::Create, "k1", &["db", "eu"]),
                tagged(Action::Create, "k2", &["web"]),
                tagged(Action::Create, "k4", &["db"]),
            ],
        ))
        .await
        .unwrap();
    assert!(start.results[0].muted, "at the start, covered");
    assert!(!start.results[1].muted, "not tagged db");
    assert!(start.results[2].muted);
    assert_eq!(
        start.queued, 2,
        "k2 pages (events; tiny is full), and the delivery is relayed"
    );
    let other = store
        .ingest(delivery(
            "other",
            120,
            vec![tagged(Action::Create, "k3", &["db"])],
        ))
        .await
        .unwrap();
    assert!(!other.results[0].muted, "another instance");
    let (k1, k4) = (
        start.results[0].alert_id.unwrap(),
        start.results[2].alert_id.unwrap(),
    );
    let shown = store.alert(k1).await.unwrap().unwrap().0;
    assert!(shown.muted && shown.unmuted_at.is_none());

    // Inside the window: a dedup and a resolve of muted alerts page no one.
    let inside = store
        .ingest(send(
            "am",
            140,
            vec![
                tagged(Action::Create, "k1", &["db", "eu"]),
                tagged(Action::Resolve, "k4", &["db"]),
            ],
        ))
        .await
        .unwrap();
    assert!(inside.results.iter().all(|r| r.muted), "{inside:?}");
    assert_eq!(
        inside.queued, 1,
        "only the relay: delivery messages are about the delivery, not an alert"
    );
    let plans = || std::iter::once(("am".to_owned(), Arc::clone(&plan))).collect();

    // W1 still active: nothing. At W1's end W2 (overlapping) still covers k1: nothing.
    for now in [199, 200, 299] {
        let step = store.unmute(at(now), None, 100, plans()).await.unwrap();
        assert_eq!(step.scanned, 1, "k1 only: k4 is resolved");
        assert!(step.alerts.is_empty(), "at {now}: {step:?}");
    }
    // At W2's end: k1 is unmuted, once, and its opened is queued (events; tiny is full).
    let step = store.unmute(at(300), None, 100, plans()).await.unwrap();
    assert_eq!(step.alerts.len(), 1);
    assert_eq!(step.alerts[0].id, k1);
    assert!(!step.alerts[0].muted);
    assert_eq!(step.alerts[0].unmuted_at, Some(at(300)));
    assert_eq!(step.queued, 1);
    assert_eq!(step.dropped.get("tiny"), Some(&1));
    let again = store.unmute(at(301), None, 100, plans()).await.unwrap();
    assert_eq!((again.scanned, again.alerts.len()), (0, 0));
    let shown = store.alert(k1).await.unwrap().unwrap().0;
    assert!(!shown.muted);
    assert_eq!(shown.unmuted_at, Some(at(300)));
    assert!(
        store.alert(k4).await.unwrap().unwrap().0.muted,
        "resolved muted"
    );

    let messages = store
        .messages(&MessageFilter::new().output("events"))
        .await
        .unwrap();
    let about = |id: i64| messages.iter().filter(|m| m.alert_id == Some(id)).count();
    assert_eq!(about(k4), 0, "an alert resolved in the window never pages");
    assert_eq!(about(k1), 1);
    let unmuted = messages.iter().find(|m| m.alert_id == Some(k1)).unwrap();
    assert_eq!(unmuted.kind, "alert.opened");
    assert!(unmuted.webhook_id.starts_with("unm_"), "{unmuted:?}");
    assert_eq!(
        unmuted.delivery_id, start.delivery_id,
        "the delivery that opened it"
    );
    assert_eq!(unmuted.status, MessageStatus::Pending);
    let due = store
        .due_messages("events", at(400), &[], 10, usize::MAX)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(
        due.iter()
            .find(|m| m.id == unmuted.id)
            .unwrap()
            .body
            .as_ref()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(body["type"], "alert.opened");
    assert_eq!(body["event"], serde_json::Value::Null);
    assert_eq!(body["alert"]["id"], k1);
    assert_eq!(body["alert"]["muted"], false);
    assert_eq!(body["occurred_at"], "2027-01-15T08:05:00Z");

    // Listing, the cap, deletion.
    let listed = store.windows(at(250)).await.unwrap();
    assert_eq!(
        listed.iter().map(|w| w.id).collect::<Vec<_>>(),
        [w2.id],
        "W1 ended"
    );
    let w3 = add(WindowSpec::fixed(at(250), at(500), "w3"), 250, 2).await;
    assert!(matches!(
        store
            .add_window(WindowSpec::fixed(at(250), at(500), "w4"), at(250), 2)
            .await
            .unwrap(),
        WindowAdded::Full(2)
    ));
    assert_eq!(
        store.delete_window(w3.id).await.unwrap(),
        WindowDeleted::Deleted
    );
    assert_eq!(
        store.delete_window(w3.id).await.unwrap(),
        WindowDeleted::NotFound
    );

    // Configuration windows: replaced whole, not deletable.
    let weekly = crate::maintenance::MaintenanceConfig {
        weekdays: Some(vec!["mon".into()]),
        start: Some("00:00".into()),
        duration: Some("1h".parse().unwrap()),
        ..Default::default()
    }
    .to_spec("maintenance[0]", &["am"])
    .unwrap();
    store
        .replace_config_windows(vec![weekly.clone()], at(260))
        .await
        .unwrap();
    store
        .replace_config_windows(vec![weekly], at(261))
        .await
        .unwrap();
    let config: Vec<_> = store
        .windows(at(1000))
        .await
        .unwrap()
        .into_iter()
        .filter(|w| w.spec.source == Source::Config)
        .collect();
    assert_eq!(config.len(), 1, "replaced, not added");
    assert!(config[0].id > w3.id, "ids are never given twice");
    assert_eq!(
        store.delete_window(config[0].id).await.unwrap(),
        WindowDeleted::FromConfig
    );

    // Retention: ended fixed windows go; weekly ones stay.
    assert_eq!(
        store.prune_windows(at(300)).await.unwrap(),
        1,
        "W1 (ended at 200)"
    );
    assert_eq!(
        store.prune_windows(at(301)).await.unwrap(),
        1,
        "W2 (ended at 300)"
    );
    assert_eq!(
        store.windows(at(0)).await.unwrap().len(),
        1,
        "the weekly one"
    );
    store
        .replace_config_windows(Vec::new(), at(262))
        .await
        .unwrap();
    assert!(store.windows(at(0)).await.unwrap().is_empty());
}
