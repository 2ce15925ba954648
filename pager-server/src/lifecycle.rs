//! The alert lifecycle: what an [`Event`] does to the alert its `thirdparty_id` names.
//!
//! Pure (no clock, no I/O): the store looks up the open alert for `(instance, thirdparty_id)`,
//! asks [`decide`] what the event does to it, and writes the result with
//! [`Alert::open`] / [`Alert::apply`], passing the time in. The rules, PagerTree's:
//!
//! | event | nothing open | open | acknowledged |
//! |---|---|---|---|
//! | create | opens a new alert | `dedup_count` + 1, changes recorded | same, stays acknowledged |
//! | acknowledge | recorded, ignored | acknowledged | recorded, ignored |
//! | resolve | recorded, ignored | resolved | resolved |
//! | other | recorded, ignored | recorded, ignored | recorded, ignored |
//!
//! At most one alert per `(instance, thirdparty_id)` is open (or acknowledged) at a time; a
//! create after resolution opens a new alert with a new id.

use chrono::{DateTime, Utc};
use pager_core::{Action, AdditionalData, Event, Urgency};
use serde::{Deserialize, Serialize};

/// Where an alert is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    /// Created and not yet acknowledged or resolved.
    Open,
    /// Someone (or the vendor) acknowledged it; still unresolved.
    Acknowledged,
    /// Over. A later create opens a new alert.
    Resolved,
}

impl AlertStatus {
    /// The lowercase name used in JSON, SQL and metrics (`"open"`).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Open => "open",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Resolved => "resolved",
        }
    }

    /// Parses [`AlertStatus::as_str`]'s names.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "open" => Some(AlertStatus::Open),
            "acknowledged" => Some(AlertStatus::Acknowledged),
            "resolved" => Some(AlertStatus::Resolved),
            _ => None,
        }
    }

    /// Open or acknowledged: the alert still counts as the one for its key.
    pub fn is_unresolved(self) -> bool {
        self != AlertStatus::Resolved
    }
}

/// One alert as the host keeps it: the state an instance's events for one `thirdparty_id`
/// have built up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Alert {
    /// The store's id (0 until stored).
    pub id: i64,
    /// The instance that received its events.
    pub instance: String,
    /// The dedup key.
    pub thirdparty_id: String,
    /// Where it is in its life.
    pub status: AlertStatus,
    /// The latest title.
    pub title: String,
    /// The latest description.
    pub description: Option<String>,
    /// The latest urgency (`null` = the host's default).
    pub urgency: Option<Urgency>,
    /// The latest event's other dedup keys.
    pub dedup_keys: Vec<String>,
    /// The latest tags.
    pub tags: Vec<String>,
    /// The latest labelled values (links, counts, labels).
    pub additional_data: Vec<AdditionalData>,
    /// How many creates it has absorbed, the first included.
    pub dedup_count: u64,
    /// When the first create arrived.
    pub created_at: DateTime<Utc>,
    /// When an event last changed it.
    pub updated_at: DateTime<Utc>,
    /// When it was acknowledged, if it was.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When it was resolved, if it was.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Opened while a maintenance window covered it: its outputs stay silent until it is
    /// unmuted (see [`crate::maintenance`]). An alert resolved while muted stays muted.
    #[serde(default)]
    pub muted: bool,
    /// When the window that muted it ended (or was deleted) and it was unmuted, if it was.
    #[serde(default)]
    pub unmuted_at: Option<DateTime<Utc>>,
}

/// What one event did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "transition", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Transition {
    /// A create with nothing open: a new alert.
    Opened,
    /// A create while the alert was open or acknowledged: `dedup_count` + 1.
    Deduplicated {
        /// What differs from the alert as it was.
        changes: Vec<Change>,
    },
    /// The open alert was acknowledged.
    Acknowledged,
    /// The open or acknowledged alert was resolved.
    Resolved,
    /// Recorded, nothing changed.
    Ignored {
        /// Why.
        reason: IgnoreReason,
    },
}

impl Transition {
    /// The `snake_case` name used in JSON, SQL and metrics (`"deduplicated"`).
    pub fn name(&self) -> &'static str {
        match self {
            Transition::Opened => "opened",
            Transition::Deduplicated { .. } => "deduplicated",
            Transition::Acknowledged => "acknowledged",
            Transition::Resolved => "resolved",
            Transition::Ignored { .. } => "ignored",
        }
    }
}

/// Why an event changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IgnoreReason {
    /// An acknowledge or resolve for a key with no open alert (e.g. a resolve that arrives
    /// after the alert was resolved, or for an alert opened before the host existed).
    NothingOpen,
    /// An acknowledge for an alert already acknowledged.
    AlreadyAcknowledged,
    /// An `other` event: understood, not a state change.
    NotAStateChange,
}

/// One difference a deduplicated create brought: a field, or an `additional_data` label
/// (`additional_data.Firing`). `from`/`to` are absent for a value that was absent, and both
/// absent for the description, which is only marked as changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Change {
    /// What changed.
    pub field: String,
    /// The value before.
    pub from: Option<String>,
    /// The value after.
    pub to: Option<String>,
}

impl Change {
    fn new(field: impl Into<String>, from: Option<&str>, to: Option<&str>) -> Self {
        Self {
            field: field.into(),
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        }
    }
}

/// What `event` does to `unresolved`, the instance's open or acknowledged alert with the
/// event's `thirdparty_id` (`None` when there is none).
pub fn decide(unresolved: Option<&Alert>, event: &Event) -> Transition {
    debug_assert!(unresolved.is_none_or(|a| a.status.is_unresolved()));
    match (event.action, unresolved) {
        (Action::Create, None) => Transition::Opened,
        (Action::Create, Some(alert)) => Transition::Deduplicated {
            changes: changes(alert, event),
        },
        (Action::Acknowledge, Some(alert)) if alert.status == AlertStatus::Acknowledged => {
            Transition::Ignored {
                reason: IgnoreReason::AlreadyAcknowledged,
            }
        }
        (Action::Acknowledge, Some(_)) => Transition::Acknowledged,
        (Action::Resolve, Some(_)) => Transition::Resolved,
        (Action::Acknowledge | Action::Resolve, None) => Transition::Ignored {
            reason: IgnoreReason::NothingOpen,
        },
        _ => Transition::Ignored {
            reason: IgnoreReason::NotAStateChange,
        },
    }
}

impl Alert {
    /// The alert a create with nothing open opens (id 0 until stored).
    pub fn open(instance: &str, event: &Event, at: DateTime<Utc>) -> Self {
        Self {
            id: 0,
            instance: instance.to_owned(),
            thirdparty_id: event.thirdparty_id.clone(),
            status: AlertStatus::Open,
            title: event.title.clone(),
            description: event.description.clone(),
            urgency: event.urgency,
            dedup_keys: event.dedup_keys.clone(),
            tags: event.tags.clone(),
            additional_data: event.additional_data.clone(),
            dedup_count: 1,
            created_at: at,
            updated_at: at,
            acknowledged_at: None,
            resolved_at: None,
            muted: false,
            unmuted_at: None,
        }
    }

    /// Applies what [`decide`] said `event` does to this alert. [`Transition::Opened`] and
    /// [`Transition::Ignored`] leave it as it is ([`Alert::open`] makes a new one).
    pub fn apply(&mut self, transition: &Transition, event: &Event, at: DateTime<Utc>) {
        match transition {
            Transition::Deduplicated { .. } => {
                self.dedup_count = self.dedup_count.saturating_add(1);
                self.title.clone_from(&event.title);
                self.description.clone_from(&event.description);
                self.urgency = event.urgency;
                self.dedup_keys.clone_from(&event.dedup_keys);
                self.tags.clone_from(&event.tags);
                self.additional_data.clone_from(&event.additional_data);
                self.updated_at = at;
            }
            Transition::Acknowledged => {
                self.status = AlertStatus::Acknowledged;
                self.acknowledged_at = Some(at);
                self.updated_at = at;
            }
            Transition::Resolved => {
                self.status = AlertStatus::Resolved;
                self.resolved_at = Some(at);
                self.updated_at = at;
            }
            Transition::Opened | Transition::Ignored { .. } => {}
        }
    }
}

/// What a create would change: title, urgency, description, and each `additional_data`
/// value by label (a label seen twice compares its values in order).
fn changes(alert: &Alert, event: &Event) -> Vec<Change> {
    let mut changes = Vec::new();
    if alert.title != event.title {
        changes.push(Change::new("title", Some(&alert.title), Some(&event.title)));
    }
    if alert.urgency != event.urgency {
        changes.push(Change::new(
            "urgency",
            alert.urgency.map(Urgency::as_str),
            event.urgency.map(Urgency::as_str),
        ));
    }
    if alert.description != event.description {
        changes.push(Change::new("description", None, None));
    }
    let before = by_label(&alert.additional_data);
    let after = by_label(&event.additional_data);
    let labels: std::collections::BTreeSet<&str> =
        before.keys().chain(after.keys()).copied().collect();
    for label in labels {
        let old = before.get(label).map_or(&[][..], Vec::as_slice);
        let new = after.get(label).map_or(&[][..], Vec::as_slice);
        for i in 0..old.len().max(new.len()) {
            let (from, to) = (old.get(i).copied(), new.get(i).copied());
            if from != to {
                changes.push(Change::new(format!("additional_data.{label}"), from, to));
            }
        }
    }
    changes
}

fn by_label(data: &[AdditionalData]) -> std::collections::BTreeMap<&str, Vec<&str>> {
    let mut map = std::collections::BTreeMap::<&str, Vec<&str>>::new();
    for item in data {
        map.entry(item.label.as_ref())
            .or_default()
            .push(item.value.as_str());
    }
    map
}
