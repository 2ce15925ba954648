#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The lifecycle engine on its own: hand-built events, and sequences of real Alertmanager
//! deliveries from `fixtures/prometheus-v3`.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use pager_core::auth::ReceivedAt;
use pager_core::{Action, Event, Integration, Urgency};
use pager_server::lifecycle::{Alert, AlertStatus, IgnoreReason, Transition, decide};

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::seconds(seconds)
}

/// A tiny host: the unresolved alert per key plus every alert ever opened.
#[derive(Default)]
struct Host {
    alerts: Vec<Alert>,
}

impl Host {
    fn apply(&mut self, event: &Event, seconds: i64) -> Transition {
        let unresolved = self
            .alerts
            .iter_mut()
            .find(|a| a.thirdparty_id == event.thirdparty_id && a.status.is_unresolved());
        let transition = decide(unresolved.as_deref(), event);
        match unresolved {
            Some(alert) => alert.apply(&transition, event, at(seconds)),
            None if transition == Transition::Opened => {
                self.alerts.push(Alert::open("am", event, at(seconds)));
            }
            None => {}
        }
        transition
    }

    fn for_key(&self, key: &str) -> Vec<&Alert> {
        self.alerts
            .iter()
            .filter(|a| a.thirdparty_id == key)
            .collect()
    }
}

fn fixture_events(name: &str, options: &serde_json::Value) -> Vec<Event> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/prometheus-v3")
        .join(name);
    let mut request = pager_testkit::load_request(&path).unwrap();
    request.extensions_mut().insert(ReceivedAt::now());
    let instance = pager_integrations::registry()
        .build("prometheus-v3", options)
        .unwrap();
    instance.handle(&request).unwrap()
}

fn group(name: &str) -> Event {
    let mut events = fixture_events(name, &serde_json::json!({"grouping": "group"}));
    assert_eq!(events.len(), 1, "{name}: one event per group");
    events.remove(0)
}

#[test]
fn a_group_opens_once_absorbs_a_joining_alert_and_partial_resolution_then_resolves() {
    let mut host = Host::default();
    let first = group("group-mixed-firing.json");
    let key = first.thirdparty_id.clone();
    assert_eq!(host.apply(&first, 0), Transition::Opened);

    let joins = group("group-new-alert-joins.json");
    assert_eq!(joins.thirdparty_id, key, "same groupKey, same alert");
    let Transition::Deduplicated { changes } = host.apply(&joins, 10) else {
        panic!("a joining alert deduplicates");
    };
    let fields: Vec<_> = changes.iter().map(|c| c.field.as_str()).collect();
    assert!(fields.contains(&"additional_data.Firing"), "{fields:?}");
    let firing = changes
        .iter()
        .find(|c| c.field == "additional_data.Firing")
        .unwrap();
    assert_eq!(
        (firing.from.as_deref(), firing.to.as_deref()),
        (Some("3"), Some("4"))
    );
    assert!(
        fields.contains(&"additional_data.Source: ErrorBudgetBurn"),
        "the joining alert's link shows up as a change: {fields:?}"
    );

    let partial = group("group-partial-resolve.json");
    assert_eq!(
        partial.action,
        Action::Create,
        "partial resolution is not a resolve"
    );
    let Transition::Deduplicated { changes } = host.apply(&partial, 20) else {
        panic!("partial resolution deduplicates");
    };
    assert!(
        changes.iter().any(|c| c.field == "additional_data.Resolved"
            && c.from.as_deref() == Some("0")
            && c.to.as_deref() == Some("1")),
        "{changes:?}"
    );
    assert_eq!(host.for_key(&key).len(), 1);
    assert_eq!(host.for_key(&key)[0].status, AlertStatus::Open);
    assert_eq!(host.for_key(&key)[0].dedup_count, 3);

    assert_eq!(
        host.apply(&group("group-full-resolve.json"), 30),
        Transition::Resolved
    );
    let alerts = host.for_key(&key);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].status, AlertStatus::Resolved);
    assert_eq!(alerts[0].resolved_at, Some(at(30)));
}

#[test]
fn a_refire_after_resolution_opens_a_new_alert_and_a_repeat_resend_only_counts() {
    let mut host = Host::default();
    let firing = group("single-firing.json");
    let key = firing.thirdparty_id.clone();
    assert_eq!(host.apply(&firing, 0), Transition::Opened);
    assert_eq!(
        host.apply(&group("single-resolved.json"), 5),
        Transition::Resolved
    );
    assert_eq!(
        host.apply(&group("single-resolved.json"), 6),
        Transition::Ignored {
            reason: IgnoreReason::NothingOpen
        },
        "a repeated resolve finds nothing open"
    );
    assert_eq!(
        host.apply(&group("single-refire.json"), 10),
        Transition::Opened
    );
    let alerts = host.for_key(&key);
    assert_eq!(
        alerts.iter().map(|a| a.status).collect::<Vec<_>>(),
        [AlertStatus::Resolved, AlertStatus::Open]
    );

    let mut repeat = Host::default();
    assert_eq!(
        repeat.apply(&group("repeat-first.json"), 0),
        Transition::Opened
    );
    assert_eq!(
        repeat.apply(&group("repeat-resend.json"), 60),
        Transition::Deduplicated { changes: vec![] },
        "a byte-identical resend changes nothing but the count"
    );
}

#[test]
fn alert_mode_gives_each_alert_its_own_incident() {
    let mut host = Host::default();
    let events = fixture_events(
        "group-mixed-firing.json",
        &serde_json::json!({"grouping": "alert"}),
    );
    assert_eq!(events.len(), 3);
    for event in &events {
        assert_eq!(host.apply(event, 0), Transition::Opened);
    }
    let urgencies: Vec<_> = host.alerts.iter().map(|a| a.urgency).collect();
    assert!(urgencies.iter().all(Option::is_some), "{urgencies:?}");
    let distinct: std::collections::BTreeSet<_> = urgencies.iter().collect();
    assert!(distinct.len() > 1, "severities differ: {urgencies:?}");
}

fn event(action: Action) -> Event {
    Event::new(action, "k", "title").with_urgency(Some(Urgency::Low))
}

#[test]
fn acknowledge_resolve_and_other_follow_the_table() {
    let mut host = Host::default();
    let nothing_open = Transition::Ignored {
        reason: IgnoreReason::NothingOpen,
    };
    assert_eq!(host.apply(&event(Action::Acknowledge), 0), nothing_open);
    assert_eq!(host.apply(&event(Action::Resolve), 0), nothing_open);
    assert!(host.alerts.is_empty(), "nothing opened by ack or resolve");
    assert_eq!(
        host.apply(&event(Action::Other), 0),
        Transition::Ignored {
            reason: IgnoreReason::NotAStateChange
        }
    );
    assert_eq!(host.apply(&event(Action::Create), 1), Transition::Opened);
    assert_eq!(
        host.apply(&event(Action::Other), 2),
        Transition::Ignored {
            reason: IgnoreReason::NotAStateChange
        }
    );
    assert_eq!(
        host.apply(&event(Action::Acknowledge), 3),
        Transition::Acknowledged
    );
    assert_eq!(
        host.apply(&event(Action::Acknowledge), 4),
        Transition::Ignored {
            reason: IgnoreReason::AlreadyAcknowledged
        }
    );
    let louder = Event::new(Action::Create, "k", "new title").with_urgency(Some(Urgency::Critical));
    let Transition::Deduplicated { changes } = host.apply(&louder, 5) else {
        panic!("create on an acknowledged alert deduplicates");
    };
    assert_eq!(
        changes
            .iter()
            .map(|c| (c.field.as_str(), c.from.as_deref(), c.to.as_deref()))
            .collect::<Vec<_>>(),
        [
            ("title", Some("title"), Some("new title")),
            ("urgency", Some("low"), Some("critical"))
        ]
    );
    let alert = &host.alerts[0];
    assert_eq!(
        alert.status,
        AlertStatus::Acknowledged,
        "stays acknowledged"
    );
    assert_eq!(alert.title, "new title");
    assert_eq!(alert.urgency, Some(Urgency::Critical));
    assert_eq!(alert.updated_at, at(5));
    assert_eq!(alert.acknowledged_at, Some(at(3)));
    assert_eq!(host.apply(&event(Action::Resolve), 6), Transition::Resolved);
    assert_eq!(host.alerts[0].resolved_at, Some(at(6)));
}

fn zabbix(name: &str) -> Event {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/zabbix")
        .join(name);
    let request = pager_testkit::load_request(&path).unwrap();
    let instance = pager_integrations::registry()
        .build("zabbix", &serde_json::Value::Null)
        .unwrap();
    instance.handle(&request).unwrap().remove(0)
}

#[test]
fn a_zabbix_acknowledgement_lands_on_the_open_problem() {
    let mut host = Host::default();
    assert_eq!(host.apply(&zabbix("problem.json"), 0), Transition::Opened);
    assert_eq!(
        host.apply(&zabbix("problem-acknowledged.json"), 1),
        Transition::Acknowledged
    );
    assert_eq!(
        host.apply(&zabbix("problem-commented.json"), 2),
        Transition::Ignored {
            reason: IgnoreReason::NotAStateChange
        }
    );
    assert_eq!(host.alerts.len(), 1, "updates never open a second alert");
    assert_eq!(
        host.apply(&zabbix("recovery.json"), 3),
        Transition::Resolved
    );
    assert_eq!(host.alerts[0].status, AlertStatus::Resolved);
}
