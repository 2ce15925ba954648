//! Maintenance windows: times when matching alerts are opened **muted** — recorded and applied
//! as usual, but their outputs stay silent — and unmuted (their `alert.opened` sent then) when
//! the last window that covers them ends.
//!
//! Windows come from two places, and live in one table of the store:
//!
//! - the admin API: `POST /maintenance` `{"instances": [..], "match": {..}, "starts_at": ..,
//!   "ends_at": .., "reason": ".."}`, `GET /maintenance`, `DELETE /maintenance/{id}`
//!   (at most [`MAX_LIVE_WINDOWS`] not yet ended);
//! - `[[maintenance]]` in the configuration ([`MaintenanceConfig`]): fixed (`starts_at`,
//!   `ends_at`) or weekly (`weekdays`, `start`, `duration`, UTC), written to the store at
//!   start ([`crate::Store::replace_config_windows`]) and not deletable through the API.
//!
//! ```toml
//! [[maintenance]]
//! reason = "database upgrade"
//! instances = ["am"]                         # default: every instance
//! match = { tags = ["db"], labels = { "env" = "staging" } }  # default: everything
//! starts_at = "2026-12-05T02:00:00Z"
//! ends_at = "2026-12-05T04:00:00Z"
//!
//! [[maintenance]]
//! reason = "weekend batch jobs"
//! weekdays = ["sat", "sun"]
//! start = "02:00"                            # UTC
//! duration = "2h"                            # s, m, h, d (at most 7d)
//! ```
//!
//! Where muting is decided: in the store's ingest step (`apply_events`), which every delivery
//! passes through whoever makes it (the webhook route, or a sweeper ingesting synthetic
//! deliveries): it reads the windows active at the delivery's time from the store's own table,
//! in the delivery's transaction, so that replicas sharing a database agree. A create that
//! opens an alert is muted when an active window covers it: its instance is one of the
//! window's (or the window names none), it carries every tag of `match.tags`, and every
//! `match.labels` pair is one of its `additional_data` label/value pairs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, Utc, Weekday};
use pager_core::AdditionalData;
use serde::{Deserialize, Serialize};

use crate::retention::RetentionPeriod;
use crate::store::StoreError;
use crate::{Receiver, ReceiverError};

/// The most windows not yet ended that the API keeps; one more is refused (409).
pub const MAX_LIVE_WINDOWS: usize = 1000;
/// The most bytes of a window's `reason`.
pub const MAX_REASON_BYTES: usize = 1024;
/// The most tags, and the most labels, one window's `match` holds.
pub const MAX_MATCH_ITEMS: usize = 32;
/// The most bytes of one tag, label or value in a `match`.
pub const MAX_MATCH_BYTES: usize = 256;
/// The longest a weekly window lasts.
pub const MAX_WEEKLY_DURATION: Duration = Duration::from_secs(7 * 24 * 3600);
/// How often [`crate::Receiver::spawn_maintenance`] sweeps.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(5);
/// The most alerts one sweep transaction unmutes; a sweep commits as many as it needs.
pub const UNMUTE_BATCH: usize = 1000;

/// What an event (or an alert) must carry for a window to cover it. Empty: everything of the
/// window's instances.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct WindowMatch {
    /// Tags it must all have.
    pub tags: Vec<String>,
    /// `additional_data` label → value pairs it must all have.
    pub labels: BTreeMap<String, String>,
}

impl WindowMatch {
    /// Checks the bounds; `at` names the field (`match`, `maintenance[0].match`).
    fn validate(&self, at: &str) -> Result<(), String> {
        if self.tags.len() > MAX_MATCH_ITEMS || self.labels.len() > MAX_MATCH_ITEMS {
            return Err(format!(
                "at {at}: at most {MAX_MATCH_ITEMS} tags and {MAX_MATCH_ITEMS} labels"
            ));
        }
        let long = self
            .tags
            .iter()
            .chain(self.labels.keys())
            .chain(self.labels.values())
            .any(|s| s.len() > MAX_MATCH_BYTES);
        if long {
            return Err(format!(
                "at {at}: a tag, label or value is longer than {MAX_MATCH_BYTES} bytes"
            ));
        }
        Ok(())
    }
}

/// Where a window was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// `POST /maintenance`.
    Api,
    /// `[[maintenance]]` in the configuration.
    Config,
}

impl Source {
    /// The lowercase name used in JSON and SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Api => "api",
            Source::Config => "config",
        }
    }
}

/// When a window is active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Schedule {
    /// From `starts_at` (included) to `ends_at` (excluded).
    Fixed {
        /// Its start.
        starts_at: DateTime<Utc>,
        /// Its end (after the start).
        ends_at: DateTime<Utc>,
    },
    /// Every week on `weekdays`, from `start` (UTC) for `duration_seconds`.
    Weekly {
        /// The days an occurrence starts on (`mon` … `sun`).
        weekdays: Vec<Weekday>,
        /// The time of day (UTC) an occurrence starts.
        start: NaiveTime,
        /// How long an occurrence lasts (1 s to 7 days).
        duration_seconds: i64,
    },
}

impl Schedule {
    /// Each occurrence that could contain or follow `at`, in order.
    fn occurrences(&self, at: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        match self {
            Schedule::Fixed { starts_at, ends_at } => vec![(*starts_at, *ends_at)],
            Schedule::Weekly {
                weekdays,
                start,
                duration_seconds,
            } => {
                let duration = TimeDelta::seconds(*duration_seconds);
                let today = at.date_naive();
                (-8..=8)
                    .filter_map(|offset| today.checked_add_signed(TimeDelta::days(offset)))
                    .filter(|day| weekdays.contains(&day.weekday()))
                    .filter_map(|day| {
                        let begins = day.and_time(*start).and_utc();
                        Some((begins, begins.checked_add_signed(duration)?))
                    })
                    .collect()
            }
        }
    }

    /// The occurrence active at `at`, if any.
    pub fn active_at(&self, at: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.occurrences(at)
            .into_iter()
            .find(|(begins, ends)| *begins <= at && at < *ends)
    }

    /// The occurrence active at `at`, else the next one; `None` when none is left.
    pub fn current_or_next(&self, at: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.occurrences(at)
            .into_iter()
            .find(|(_, ends)| at < *ends)
    }

    /// When a fixed window ends (`None`: weekly, never).
    pub fn ends_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Fixed { ends_at, .. } => Some(*ends_at),
            Schedule::Weekly { .. } => None,
        }
    }

    /// When a fixed window starts (`None`: weekly).
    pub fn starts_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Fixed { starts_at, .. } => Some(*starts_at),
            Schedule::Weekly { .. } => None,
        }
    }
}

/// A window as it is asked for: what it covers, when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WindowSpec {
    /// Where it was made.
    pub source: Source,
    /// The instances it covers; empty: all.
    pub instances: Vec<String>,
    /// What an alert must carry to be covered.
    #[serde(rename = "match")]
    pub matcher: WindowMatch,
    /// When it is active.
    pub schedule: Schedule,
    /// Why (at most [`MAX_REASON_BYTES`]).
    pub reason: String,
}

impl WindowSpec {
    /// A fixed window made through the API, covering every instance and alert until narrowed
    /// with [`WindowSpec::for_instances`] and [`WindowSpec::matching`].
    pub fn fixed(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, reason: &str) -> Self {
        Self {
            source: Source::Api,
            instances: Vec::new(),
            matcher: WindowMatch::default(),
            schedule: Schedule::Fixed { starts_at, ends_at },
            reason: reason.to_owned(),
        }
    }

    /// Covers only `instances`.
    #[must_use]
    pub fn for_instances<S: Into<String>>(
        mut self,
        instances: impl IntoIterator<Item = S>,
    ) -> Self {
        self.instances = instances.into_iter().map(Into::into).collect();
        self
    }

    /// Covers only alerts with every one of `tags` and `labels`.
    #[must_use]
    pub fn matching<S: Into<String>>(
        mut self,
        tags: impl IntoIterator<Item = S>,
        labels: impl IntoIterator<Item = (S, S)>,
    ) -> Self {
        self.matcher = WindowMatch {
            tags: tags.into_iter().map(Into::into).collect(),
            labels: labels
                .into_iter()
                .map(|(l, v)| (l.into(), v.into()))
                .collect(),
        };
        self
    }

    /// Marks it as coming from the configuration.
    #[must_use]
    pub fn from_config(mut self) -> Self {
        self.source = Source::Config;
        self
    }

    /// Whether it covers an alert of `instance` with `tags` and `additional_data` (at any
    /// time: see [`Schedule::active_at`]).
    pub fn covers(
        &self,
        instance: &str,
        tags: &[String],
        additional_data: &[AdditionalData],
    ) -> bool {
        (self.instances.is_empty() || self.instances.iter().any(|i| i == instance))
            && self.matcher.tags.iter().all(|t| tags.contains(t))
            && self.matcher.labels.iter().all(|(label, value)| {
                additional_data
                    .iter()
                    .any(|d| d.label == label.as_str() && d.value == *value)
            })
    }

    /// Checks what both sources share: the reason's length, the match's bounds, a fixed
    /// window's end after its start, and that each instance is `known`. `at` is the prefix
    /// of field names in the error (`""` or `maintenance[0].`).
    ///
    /// # Errors
    /// The first field that is wrong, named.
    pub fn validate(&self, at: &str, known: &[&str]) -> Result<(), String> {
        if self.reason.len() > MAX_REASON_BYTES {
            return Err(format!(
                "at {at}reason: longer than {MAX_REASON_BYTES} bytes"
            ));
        }
        self.matcher.validate(&format!("{at}match"))?;
        if let Schedule::Fixed { starts_at, ends_at } = &self.schedule {
            if ends_at <= starts_at {
                return Err(format!("at {at}ends_at: must be after starts_at"));
            }
        }
        for instance in &self.instances {
            if !known.contains(&instance.as_str()) {
                return Err(format!(
                    "at {at}instances: there is no instance named {instance:?}"
                ));
            }
        }
        Ok(())
    }
}

/// A stored window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Window {
    /// The store's id (never given twice).
    pub id: i64,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// What it is.
    #[serde(flatten)]
    pub spec: WindowSpec,
}

impl Window {
    /// A stored window (for store implementations).
    pub fn new(id: i64, created_at: DateTime<Utc>, spec: WindowSpec) -> Self {
        Self {
            id,
            created_at,
            spec,
        }
    }

    /// Whether it is active at `at` and covers an alert of `instance` with `tags` and
    /// `additional_data`.
    pub fn mutes(
        &self,
        at: DateTime<Utc>,
        instance: &str,
        tags: &[String],
        additional_data: &[AdditionalData],
    ) -> bool {
        self.spec.schedule.active_at(at).is_some()
            && self.spec.covers(instance, tags, additional_data)
    }
}

/// What [`crate::Store::add_window`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WindowAdded {
    /// Stored.
    Added(Window),
    /// Refused: this many API windows are live (not ended) already, the most allowed.
    Full(usize),
}

/// What [`crate::Store::delete_window`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WindowDeleted {
    /// Removed.
    Deleted,
    /// No window with that id.
    NotFound,
    /// A window of the configuration: not removed.
    FromConfig,
}

/// What one [`crate::Store::unmute`] step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unmuted {
    /// The alerts unmuted, as they are now.
    pub alerts: Vec<crate::lifecycle::Alert>,
    /// How many muted unresolved alerts were looked at (stop when fewer than the limit).
    pub scanned: usize,
    /// The last id looked at: the next step starts after it.
    pub last_id: Option<i64>,
    /// Messages queued.
    pub queued: usize,
    /// Messages dropped (their output's outbox full), by output.
    pub dropped: BTreeMap<String, u64>,
}

/// One `[[maintenance]]` entry: a fixed window (`starts_at`, `ends_at`) or a weekly one
/// (`weekdays`, `start`, `duration`); see the module docs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MaintenanceConfig {
    /// Why (shown in `GET /maintenance`).
    #[serde(default)]
    pub reason: String,
    /// The instances it covers; default: all.
    #[serde(default)]
    pub instances: Vec<String>,
    /// What an alert must carry.
    #[serde(default, rename = "match")]
    pub matcher: WindowMatch,
    /// A fixed window's start (RFC 3339).
    #[serde(default)]
    pub starts_at: Option<String>,
    /// A fixed window's end (RFC 3339).
    #[serde(default)]
    pub ends_at: Option<String>,
    /// A weekly window's days: `mon` … `sun`.
    #[serde(default)]
    pub weekdays: Option<Vec<String>>,
    /// A weekly window's start, `HH:MM` UTC.
    #[serde(default)]
    pub start: Option<String>,
    /// A weekly window's length (`"2h"`, `"90m"`; at most 7d).
    #[serde(default)]
    pub duration: Option<RetentionPeriod>,
}

impl MaintenanceConfig {
    /// The window this entry stands for, checked; `at` names the entry (`maintenance[0]`).
    ///
    /// # Errors
    /// The first key that is wrong, named with the entry.
    pub fn to_spec(&self, at: &str, known: &[&str]) -> Result<WindowSpec, String> {
        let time = |key: &str, text: &str| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| t.to_utc())
                .map_err(|e| format!("at {at}.{key}: not an RFC 3339 time ({e})"))
        };
        let fixed = self.starts_at.is_some() || self.ends_at.is_some();
        let weekly = self.weekdays.is_some() || self.start.is_some() || self.duration.is_some();
        let schedule = match (fixed, weekly) {
            (true, true) => {
                return Err(format!(
                    "at {at}: a window is fixed (starts_at, ends_at) or weekly (weekdays, start, duration), not both"
                ));
            }
            (false, false) => {
                return Err(format!(
                    "at {at}: give starts_at and ends_at, or weekdays, start and duration"
                ));
            }
            (true, false) => {
                let (Some(starts_at), Some(ends_at)) = (&self.starts_at, &self.ends_at) else {
                    let missing = if self.starts_at.is_none() {
                        "starts_at"
                    } else {
                        "ends_at"
                    };
                    return Err(format!("at {at}.{missing}: missing"));
                };
                Schedule::Fixed {
                    starts_at: time("starts_at", starts_at)?,
                    ends_at: time("ends_at", ends_at)?,
                }
            }
            (false, true) => {
                let (Some(days), Some(start), Some(duration)) =
                    (&self.weekdays, &self.start, self.duration)
                else {
                    let missing = if self.weekdays.is_none() {
                        "weekdays"
                    } else if self.start.is_none() {
                        "start"
                    } else {
                        "duration"
                    };
                    return Err(format!("at {at}.{missing}: missing"));
                };
                let mut weekdays = Vec::new();
                for (index, day) in days.iter().enumerate() {
                    let parsed = match day.to_ascii_lowercase().as_str() {
                        "mon" => Weekday::Mon,
                        "tue" => Weekday::Tue,
                        "wed" => Weekday::Wed,
                        "thu" => Weekday::Thu,
                        "fri" => Weekday::Fri,
                        "sat" => Weekday::Sat,
                        "sun" => Weekday::Sun,
                        _ => {
                            return Err(format!(
                                "at {at}.weekdays[{index}]: {day:?} is not a day; use mon, tue, wed, thu, fri, sat or sun"
                            ));
                        }
                    };
                    if !weekdays.contains(&parsed) {
                        weekdays.push(parsed);
                    }
                }
                if weekdays.is_empty() {
                    return Err(format!("at {at}.weekdays: name at least one day"));
                }
                let start = NaiveTime::parse_from_str(start, "%H:%M")
                    .map_err(|_| format!("at {at}.start: {start:?} is not a time of day HH:MM"))?;
                if duration.as_duration() > MAX_WEEKLY_DURATION {
                    return Err(format!("at {at}.duration: at most 7d"));
                }
                Schedule::Weekly {
                    weekdays,
                    start,
                    duration_seconds: i64::try_from(duration.as_duration().as_secs())
                        .unwrap_or(i64::MAX),
                }
            }
        };
        let spec = WindowSpec {
            source: Source::Config,
            instances: self.instances.clone(),
            matcher: self.matcher.clone(),
            schedule,
            reason: self.reason.clone(),
        };
        spec.validate(&format!("{at}."), known)?;
        Ok(spec)
    }
}

/// Checks every `[[maintenance]]` entry against the `known` instances; returns their windows.
///
/// # Errors
/// The first entry that is wrong, named by index and key (`at maintenance[1].start: …`).
pub fn validate_windows(
    entries: &[MaintenanceConfig],
    known: &[&str],
) -> Result<Vec<WindowSpec>, String> {
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| entry.to_spec(&format!("maintenance[{index}]"), known))
        .collect()
}

/// The receiver's share of maintenance: the configuration's windows, and whether they were
/// written to the store yet.
#[derive(Debug, Default)]
pub(crate) struct MaintenanceState {
    config: Vec<WindowSpec>,
    installed: AtomicBool,
}

impl Receiver {
    /// Mutes alerts during the configuration's `[[maintenance]]` windows too (API windows need
    /// nothing configured). Call it after the instances are added: it checks the instances
    /// each window names. The windows are written to the store by
    /// [`Receiver::install_maintenance`] ([`crate::serve`] does, before listening), or by the
    /// first [`Receiver::sweep_maintenance`].
    ///
    /// # Errors
    /// The first entry that is wrong, named by index and key.
    pub fn with_maintenance(
        mut self,
        entries: &[MaintenanceConfig],
    ) -> Result<Self, ReceiverError> {
        let known: Vec<&str> = self.followable().collect();
        let config = validate_windows(entries, &known).map_err(ReceiverError::Maintenance)?;
        self.maintenance = Arc::new(MaintenanceState {
            config,
            installed: AtomicBool::new(false),
        });
        Ok(self)
    }

    /// Replaces the configuration's windows in the store with this receiver's (none, if
    /// [`Receiver::with_maintenance`] was not called: windows of an earlier configuration go).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn install_maintenance(&self) -> Result<(), StoreError> {
        self.store
            .replace_config_windows(self.maintenance.config.clone(), self.clock.now())
            .await?;
        self.maintenance.installed.store(true, Ordering::Release);
        Ok(())
    }

    /// The maintenance sweep at `now`: unmutes every unresolved muted alert that no window
    /// active at `now` covers any more, queuing its `alert.opened` for the outputs that follow
    /// `opened` (one store transaction per [`UNMUTE_BATCH`] alerts), counts them
    /// (`pagerhook_alerts_unmuted_total`), and sets `pagerhook_maintenance_windows_active`.
    /// Returns the alerts unmuted. [`Receiver::spawn_maintenance`] runs it every
    /// [`SWEEP_INTERVAL`]; tests call it with the time they want.
    ///
    /// # Errors
    /// When the store fails (what was committed before stays).
    pub async fn sweep_maintenance(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::lifecycle::Alert>, StoreError> {
        if !self.maintenance.installed.load(Ordering::Acquire) {
            self.install_maintenance().await?;
        }
        let plans = self.outbox_plans();
        let mut unmuted = Vec::new();
        let mut after = None;
        loop {
            let step = self
                .store
                .unmute(now, after, UNMUTE_BATCH, plans.clone())
                .await?;
            for alert in &step.alerts {
                self.metrics.unmuted(&alert.instance);
                tracing::info!(alert = alert.id, instance = %alert.instance, "maintenance: alert unmuted");
            }
            if step.queued > 0 {
                let outputs: Vec<&str> = step
                    .alerts
                    .iter()
                    .filter_map(|a| plans.get(&a.instance))
                    .flat_map(|plan| plan.routes.iter().map(|r| r.output.as_str()))
                    .collect();
                self.outputs.wake(outputs);
            }
            for (output, count) in &step.dropped {
                self.metrics.output_dropped(output, *count);
                if self.outputs.dropped(output, *count) {
                    tracing::warn!(output = %output, "outputs: the outbox is full; new messages are dropped (pagerhook_output_dropped_total counts them)");
                }
            }
            unmuted.extend(step.alerts);
            if step.scanned < UNMUTE_BATCH {
                break;
            }
            after = step.last_id;
        }
        self.count_active_windows_at(now).await?;
        Ok(unmuted)
    }

    /// Sets `pagerhook_maintenance_windows_active` to the windows active now.
    pub(crate) async fn count_active_windows(&self) -> Result<usize, StoreError> {
        self.count_active_windows_at(self.clock.now()).await
    }

    async fn count_active_windows_at(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let windows = self.store.windows(now).await?;
        let active = windows
            .iter()
            .filter(|w| w.spec.schedule.active_at(now).is_some())
            .count();
        self.metrics.set_active_windows(active);
        Ok(active)
    }

    /// Starts the maintenance sweep on the current tokio runtime: now, then every
    /// [`SWEEP_INTERVAL`], until the handle is aborted. [`crate::serve`] runs it for the
    /// server's lifetime.
    pub fn spawn_maintenance(&self) -> tokio::task::JoinHandle<()> {
        let receiver = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(SWEEP_INTERVAL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(error) = receiver.sweep_maintenance(receiver.clock.now()).await {
                    tracing::error!(%error, "maintenance: the sweep failed");
                }
            }
        })
    }
}

/// The admin routes: `GET /maintenance`, `POST /maintenance`, `DELETE /maintenance/{id}`
/// (behind the API door, as the other admin routes).
pub(crate) mod api {
    use std::sync::Arc;

    use axum::Json;
    use axum::body::Bytes;
    use axum::extract::{Path, State};
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::{
        MAX_LIVE_WINDOWS, Source, Window, WindowAdded, WindowDeleted, WindowMatch, WindowSpec,
    };
    use crate::receiver::{Shared, error_response, store_error};

    /// A window as the API shows it: the stored window, whether it is active, and its current
    /// or next occurrence (`null` when none is left).
    #[derive(Serialize)]
    struct View<'a> {
        #[serde(flatten)]
        window: &'a Window,
        active: bool,
        occurrence: Option<Occurrence>,
    }

    #[derive(Serialize)]
    struct Occurrence {
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    }

    fn view(window: &Window, now: DateTime<Utc>) -> View<'_> {
        View {
            window,
            active: window.spec.schedule.active_at(now).is_some(),
            occurrence: window
                .spec
                .schedule
                .current_or_next(now)
                .map(|(starts_at, ends_at)| Occurrence { starts_at, ends_at }),
        }
    }

    pub(crate) async fn list(State(shared): State<Arc<Shared>>) -> Response {
        let now = shared.receiver.clock.now();
        match shared.receiver.store.windows(now).await {
            Ok(windows) => {
                let views: Vec<View<'_>> = windows.iter().map(|w| view(w, now)).collect();
                Json(json!({ "windows": views })).into_response()
            }
            Err(error) => store_error(&error),
        }
    }

    /// `POST /maintenance`'s body.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NewWindow {
        #[serde(default)]
        instances: Vec<String>,
        #[serde(default, rename = "match")]
        matcher: WindowMatch,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        reason: String,
    }

    pub(crate) async fn create(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
        let bad = |message: String| error_response(StatusCode::BAD_REQUEST, message);
        let mut json = serde_json::Deserializer::from_slice(&body);
        let new: NewWindow = match serde_path_to_error::deserialize(&mut json) {
            Ok(new) => new,
            Err(error) => {
                let path = error.path().to_string();
                return bad(if path == "." {
                    format!("invalid body: {}", error.inner())
                } else {
                    format!("at {path}: {}", error.inner())
                });
            }
        };
        let now = shared.receiver.clock.now();
        let spec = WindowSpec {
            source: Source::Api,
            instances: new.instances,
            matcher: new.matcher,
            schedule: super::Schedule::Fixed {
                starts_at: new.starts_at,
                ends_at: new.ends_at,
            },
            reason: new.reason,
        };
        let known: Vec<&str> = shared.receiver.followable().collect();
        if let Err(message) = spec.validate("", &known) {
            return bad(message);
        }
        if new.ends_at <= now {
            return bad(format!("at ends_at: {} is past (now {now})", new.ends_at));
        }
        match shared
            .receiver
            .store
            .add_window(spec, now, MAX_LIVE_WINDOWS)
            .await
        {
            Ok(WindowAdded::Added(window)) => {
                tracing::info!(window = window.id, reason = %window.spec.reason, "maintenance: window added");
                (
                    StatusCode::CREATED,
                    Json(json!({ "window": view(&window, now) })),
                )
                    .into_response()
            }
            Ok(WindowAdded::Full(live)) => error_response(
                StatusCode::CONFLICT,
                format!(
                    "{live} maintenance windows are live, the most allowed ({MAX_LIVE_WINDOWS}): \
                     delete one (DELETE /maintenance/{{id}}) or wait for one to end"
                ),
            ),
            Err(error) => store_error(&error),
        }
    }

    pub(crate) async fn delete(
        State(shared): State<Arc<Shared>>,
        Path(id): Path<String>,
    ) -> Response {
        let Ok(id) = id.parse::<i64>() else {
            return error_response(
                StatusCode::NOT_FOUND,
                format!("no maintenance window {id:?}"),
            );
        };
        match shared.receiver.store.delete_window(id).await {
            Ok(WindowDeleted::Deleted) => {
                tracing::info!(window = id, "maintenance: window deleted");
                Json(json!({ "deleted": id })).into_response()
            }
            Ok(WindowDeleted::FromConfig) => error_response(
                StatusCode::CONFLICT,
                format!(
                    "maintenance window {id} comes from the configuration ([[maintenance]]): \
                     remove it there"
                ),
            ),
            Ok(_) => error_response(StatusCode::NOT_FOUND, format!("no maintenance window {id}")),
            Err(error) => store_error(&error),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn t(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn weekly(days: &[&str], start: &str, duration: &str) -> Result<WindowSpec, String> {
        MaintenanceConfig {
            weekdays: Some(days.iter().map(|d| (*d).to_owned()).collect()),
            start: Some(start.to_owned()),
            duration: Some(duration.parse().unwrap()),
            ..MaintenanceConfig::default()
        }
        .to_spec("maintenance[0]", &["am"])
    }

    #[test]
    fn a_weekly_window_is_active_from_its_start_until_its_end() {
        // 2026-12-05 is a Saturday.
        let spec = weekly(&["sat"], "02:00", "2h").unwrap();
        let at = |s| spec.schedule.active_at(t(s));
        assert_eq!(at("2026-12-05T01:59:59Z"), None);
        assert_eq!(
            at("2026-12-05T02:00:00Z"),
            Some((t("2026-12-05T02:00:00Z"), t("2026-12-05T04:00:00Z")))
        );
        assert!(at("2026-12-05T03:59:59Z").is_some());
        assert_eq!(at("2026-12-05T04:00:00Z"), None);
        assert_eq!(at("2026-12-06T02:30:00Z"), None, "Sunday is not listed");
        assert_eq!(
            spec.schedule.current_or_next(t("2026-12-05T04:00:00Z")),
            Some((t("2026-12-12T02:00:00Z"), t("2026-12-12T04:00:00Z")))
        );
    }

    #[test]
    fn a_weekly_window_may_run_past_midnight() {
        let spec = weekly(&["sun"], "23:00", "3h").unwrap();
        assert!(spec.schedule.active_at(t("2026-12-07T01:59:00Z")).is_some());
        assert!(spec.schedule.active_at(t("2026-12-07T02:00:00Z")).is_none());
    }

    #[test]
    fn config_errors_name_the_entry_and_key() {
        assert_eq!(
            weekly(&["sat", "caturday"], "02:00", "2h").unwrap_err(),
            "at maintenance[0].weekdays[1]: \"caturday\" is not a day; use mon, tue, wed, thu, fri, sat or sun"
        );
        assert_eq!(
            weekly(&["sat"], "25:00", "2h").unwrap_err(),
            "at maintenance[0].start: \"25:00\" is not a time of day HH:MM"
        );
        assert_eq!(
            weekly(&["sat"], "02:00", "8d").unwrap_err(),
            "at maintenance[0].duration: at most 7d"
        );
        let fixed = |s: &str, e: &str, instances: &[&str]| {
            MaintenanceConfig {
                starts_at: Some(s.to_owned()),
                ends_at: Some(e.to_owned()),
                instances: instances.iter().map(|i| (*i).to_owned()).collect(),
                ..MaintenanceConfig::default()
            }
            .to_spec("maintenance[2]", &["am"])
        };
        assert_eq!(
            fixed("2026-12-05T02:00:00Z", "2026-12-05T02:00:00Z", &[]).unwrap_err(),
            "at maintenance[2].ends_at: must be after starts_at"
        );
        assert!(
            fixed("yesterday", "2026-12-05T02:00:00Z", &[])
                .unwrap_err()
                .starts_with("at maintenance[2].starts_at: not an RFC 3339 time")
        );
        assert_eq!(
            fixed("2026-12-05T02:00:00Z", "2026-12-05T03:00:00Z", &["nope"]).unwrap_err(),
            "at maintenance[2].instances: there is no instance named \"nope\""
        );
        let both = MaintenanceConfig {
            starts_at: Some("2026-12-05T02:00:00Z".into()),
            start: Some("02:00".into()),
            ..MaintenanceConfig::default()
        };
        assert!(
            both.to_spec("maintenance[3]", &["am"])
                .unwrap_err()
                .starts_with("at maintenance[3]: a window is fixed")
        );
        let half = MaintenanceConfig {
            weekdays: Some(vec!["sat".into()]),
            ..MaintenanceConfig::default()
        };
        assert_eq!(
            half.to_spec("maintenance[4]", &["am"]).unwrap_err(),
            "at maintenance[4].start: missing"
        );
    }

    #[test]
    fn a_window_covers_what_carries_all_its_tags_and_labels() {
        let spec = WindowSpec::fixed(t("2026-12-05T02:00:00Z"), t("2026-12-05T04:00:00Z"), "x")
            .for_instances(["am"])
            .matching(["db"], [("env", "staging")]);
        let env = |v: &str| vec![AdditionalData::text("env", v)];
        let tags = vec!["db".to_owned(), "eu".to_owned()];
        assert!(spec.covers("am", &tags, &env("staging")));
        assert!(!spec.covers("other", &tags, &env("staging")));
        assert!(!spec.covers("am", &tags, &env("prod")));
        assert!(!spec.covers("am", &["eu".to_owned()], &env("staging")));
        let everything =
            WindowSpec::fixed(t("2026-12-05T02:00:00Z"), t("2026-12-05T04:00:00Z"), "x");
        assert!(everything.covers("any", &[], &[]));
    }
}
