//! Heartbeats (dead man's switches): page when a sender goes silent.
//!
//! ```toml
//! [[heartbeats]]
//! name = "alertmanager-watchdog"   # 1-64 letters, digits, -, _; unique
//! interval = "5m"                   # how often pings are expected ("30s", "5m", "1h", "7d")
//! grace = "1m"                      # how late one may be before the alert opens
//! title = "Alertmanager stopped sending its Watchdog"   # default: "<name> stopped pinging"
//! urgency = "critical"              # default: none (the host's default)
//! auth = { api_key = "…" }          # the instances' auth guard; absent = open
//! ```
//!
//! - `POST` or `GET /heartbeats/{name}` is a ping (the body is ignored; the guard applies).
//!   A delivery to a prometheus-v3 instance with the `watchdog` option that carries the firing
//!   watchdog alert is a ping too (see [`pager_core::HEARTBEAT_META_KEY`]).
//! - No ping for `interval + grace` after the last ping (or, for a heartbeat never pinged,
//!   after the receiver started) opens an alert through the normal lifecycle: instance
//!   [`HEARTBEAT_INSTANCE`], `thirdparty_id` the heartbeat's name. It shows in `/alerts`, the
//!   metrics and the outputs like any other; its delivery in the log is a small JSON document
//!   saying why. The next ping resolves it.
//! - The last ping is stored, so a restart does not forget it; the sweep reads the receiver's
//!   [`crate::clock::Clock`]. A heartbeat's state ([`HeartbeatState`]) is `never` (not pinged
//!   since it was configured, and not yet overdue), `up`, `late` (past `interval`, within
//!   `grace`) or `down` (overdue: its alert is open).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use http_body_util::BodyExt;
use pager_core::auth::{AuthConfig, AuthGuard, ReceivedAt};
use pager_core::{Action, AdditionalData, Event, Instance, Integration, Urgency, heartbeat_of};
use serde::{Deserialize, Serialize};

use crate::lifecycle::AlertStatus;
use crate::receiver::{Receiver, ReceiverError, Shared, error_response, store_error};
use crate::retention::RetentionPeriod;
use crate::store::{AlertFilter, Delivery, Ingested, Outcome, StoreError};

/// The instance name heartbeat alerts belong to (reserved: no `[[instances]]` entry may use it
/// while heartbeats are configured).
pub const HEARTBEAT_INSTANCE: &str = "heartbeat";

/// The most heartbeats one receiver keeps.
pub const MAX_HEARTBEATS: usize = 1000;

/// A ping is written to the store when the last one stored is at least this old: a flood of
/// pings (an open heartbeat is anyone's to ping) costs at most one write a second per
/// heartbeat, and a restart forgets at most this much of the last ping.
const STORE_PINGS_EVERY: TimeDelta = TimeDelta::seconds(1);

/// The longest custom title, in characters.
const MAX_TITLE_CHARS: usize = 200;

/// One `[[heartbeats]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct HeartbeatConfig {
    /// The name in the URL (`/heartbeats/{name}`) and the alert's `thirdparty_id`.
    pub name: String,
    /// How often pings are expected.
    pub interval: RetentionPeriod,
    /// How late a ping may be before the alert opens. Default 1 minute.
    #[serde(default = "default_grace")]
    pub grace: RetentionPeriod,
    /// The alert's title. Default `"<name> stopped pinging"`.
    #[serde(default)]
    pub title: Option<String>,
    /// The alert's urgency. Default none (the host's default).
    #[serde(default)]
    pub urgency: Option<Urgency>,
    /// Who may ping it: the instances' auth guard. Absent = open.
    #[serde(default)]
    pub auth: Option<AuthConfig>,
}

fn default_grace() -> RetentionPeriod {
    RetentionPeriod::minutes(1)
}

impl HeartbeatConfig {
    /// A heartbeat expecting a ping every `interval`, with a minute's grace.
    pub fn new(name: impl Into<String>, interval: RetentionPeriod) -> Self {
        Self {
            name: name.into(),
            interval,
            grace: default_grace(),
            title: None,
            urgency: None,
            auth: None,
        }
    }

    /// Sets the grace period.
    #[must_use]
    pub fn with_grace(mut self, grace: RetentionPeriod) -> Self {
        self.grace = grace;
        self
    }

    /// Sets the title.
    #[must_use]
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the urgency.
    #[must_use]
    pub fn with_urgency(mut self, urgency: Urgency) -> Self {
        self.urgency = Some(urgency);
        self
    }

    /// Requires pings to pass the auth guard `auth`.
    #[must_use]
    pub fn with_auth(mut self, auth: AuthConfig) -> Self {
        self.auth = Some(auth);
        self
    }

    /// The alert's title.
    fn title(&self) -> String {
        self.title
            .clone()
            .unwrap_or_else(|| format!("{} stopped pinging", self.name))
    }
}

/// Checks `[[heartbeats]]`: names valid and unique, titles not empty nor too long, auth
/// guards buildable, at most [`MAX_HEARTBEATS`]. Messages name the entry and key, never a
/// value (an auth key is a secret).
///
/// # Errors
/// The first problem found.
pub fn validate_heartbeats(heartbeats: &[HeartbeatConfig]) -> Result<(), String> {
    if heartbeats.len() > MAX_HEARTBEATS {
        return Err(format!(
            "at heartbeats: {} heartbeats; at most {MAX_HEARTBEATS} are supported",
            heartbeats.len()
        ));
    }
    let mut names = BTreeSet::new();
    for (index, heartbeat) in heartbeats.iter().enumerate() {
        let at = |key: &str| format!("at heartbeats[{index}].{key}");
        if !crate::outputs::valid_name(&heartbeat.name) {
            return Err(format!(
                "{}: {:?} is invalid: use 1-64 letters, digits, '-' or '_'",
                at("name"),
                heartbeat.name
            ));
        }
        if !names.insert(heartbeat.name.as_str()) {
            return Err(format!(
                "{}: {:?} is used twice",
                at("name"),
                heartbeat.name
            ));
        }
        if let Some(title) = &heartbeat.title {
            if title.trim().is_empty() || title.chars().count() > MAX_TITLE_CHARS {
                return Err(format!(
                    "{}: must be 1-{MAX_TITLE_CHARS} characters, not blank",
                    at("title")
                ));
            }
        }
        if let Some(auth) = &heartbeat.auth {
            if let Err(error) = AuthGuard::new(auth.clone()) {
                return Err(format!("{}: {error}", at("auth")));
            }
        }
    }
    Ok(())
}

/// Where a heartbeat is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeartbeatState {
    /// Not pinged since it was configured, and not overdue yet.
    Never,
    /// Pinged within its interval.
    Up,
    /// Past its interval, within its grace.
    Late,
    /// Overdue: its alert is open.
    Down,
}

impl HeartbeatState {
    /// The lowercase name used in JSON and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            HeartbeatState::Never => "never",
            HeartbeatState::Up => "up",
            HeartbeatState::Late => "late",
            HeartbeatState::Down => "down",
        }
    }
}

/// One heartbeat as `GET /heartbeats` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct HeartbeatStatus {
    /// Its name.
    pub name: String,
    /// Where it is.
    pub state: HeartbeatState,
    /// Its last ping, if any.
    pub last_ping_at: Option<DateTime<Utc>>,
    /// When it goes down without a ping (past, when it is down).
    pub next_deadline: DateTime<Utc>,
    /// The interval, in seconds.
    pub interval_seconds: u64,
    /// The grace, in seconds.
    pub grace_seconds: u64,
    /// Its unresolved alert, if it is down.
    pub alert_id: Option<i64>,
}

/// A configured heartbeat, ready to check pings and compute deadlines.
#[derive(Debug)]
pub(crate) struct Heartbeat {
    pub(crate) config: HeartbeatConfig,
    pub(crate) guard: Option<AuthGuard>,
    interval: TimeDelta,
    grace: TimeDelta,
}

impl Heartbeat {
    /// # Errors
    /// When the auth guard cannot be built (see [`validate_heartbeats`]).
    pub(crate) fn new(config: HeartbeatConfig) -> Result<Self, String> {
        let guard = config
            .auth
            .clone()
            .map(AuthGuard::new)
            .transpose()
            .map_err(|e| format!("heartbeat {:?}: auth: {e}", config.name))?;
        let delta = |period: RetentionPeriod| {
            TimeDelta::from_std(period.as_duration()).unwrap_or(TimeDelta::MAX)
        };
        Ok(Self {
            interval: delta(config.interval),
            grace: delta(config.grace),
            guard,
            config,
        })
    }

    /// When it goes down without a ping: `interval + grace` after the last ping, or after
    /// `started_at` if it was never pinged.
    pub(crate) fn deadline(
        &self,
        last_ping: Option<DateTime<Utc>>,
        started_at: DateTime<Utc>,
    ) -> DateTime<Utc> {
        last_ping
            .unwrap_or(started_at)
            .checked_add_signed(self.interval)
            .and_then(|t| t.checked_add_signed(self.grace))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Its state at `now`; `down` says whether its alert is open.
    pub(crate) fn state(
        &self,
        last_ping: Option<DateTime<Utc>>,
        started_at: DateTime<Utc>,
        now: DateTime<Utc>,
        down: bool,
    ) -> HeartbeatState {
        if down || now >= self.deadline(last_ping, started_at) {
            return HeartbeatState::Down;
        }
        match last_ping {
            None => HeartbeatState::Never,
            Some(ping)
                if ping
                    .checked_add_signed(self.interval)
                    .is_some_and(|t| now >= t) =>
            {
                HeartbeatState::Late
            }
            Some(_) => HeartbeatState::Up,
        }
    }

    pub(crate) fn status(
        &self,
        last_ping: Option<DateTime<Utc>>,
        started_at: DateTime<Utc>,
        now: DateTime<Utc>,
        alert_id: Option<i64>,
    ) -> HeartbeatStatus {
        HeartbeatStatus {
            name: self.config.name.clone(),
            state: self.state(last_ping, started_at, now, alert_id.is_some()),
            last_ping_at: last_ping,
            next_deadline: self.deadline(last_ping, started_at),
            interval_seconds: self.config.interval.as_duration().as_secs(),
            grace_seconds: self.config.grace.as_duration().as_secs(),
            alert_id,
        }
    }

    /// The event that opens its alert at `now`, and the delivery body that says why.
    pub(crate) fn down_event(
        &self,
        last_ping: Option<DateTime<Utc>>,
        started_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> (Event, serde_json::Value) {
        let name = &self.config.name;
        let deadline = self.deadline(last_ping, started_at);
        let expected = format!(
            "expected every {} (grace {})",
            self.config.interval, self.config.grace
        );
        let description = match last_ping {
            Some(ping) => format!("No ping since {}; {expected}.", ping.to_rfc3339()),
            None => format!(
                "Never pinged since pagerhook started at {}; {expected}.",
                started_at.to_rfc3339()
            ),
        };
        let mut data = vec![
            AdditionalData::text("Heartbeat", name.clone()),
            AdditionalData::text("Interval", self.config.interval.to_string()),
            AdditionalData::text("Grace", self.config.grace.to_string()),
            AdditionalData::datetime("Deadline", deadline.to_rfc3339()),
        ];
        match last_ping {
            Some(ping) => data.push(AdditionalData::datetime("Last ping", ping.to_rfc3339())),
            None => data.push(AdditionalData::text("Last ping", "never")),
        }
        let event = Event::new(Action::Create, name.clone(), self.config.title())
            .with_description(Some(description))
            .with_urgency(self.config.urgency)
            .with_additional_data(data);
        let body = serde_json::json!({
            "heartbeat": name,
            "state": "down",
            "last_ping_at": last_ping,
            "deadline": deadline,
            "detected_at": now,
        });
        (event, body)
    }

    /// The event that resolves its alert, pinged at `ping`, and the delivery body.
    pub(crate) fn up_event(&self, ping: DateTime<Utc>) -> (Event, serde_json::Value) {
        let name = &self.config.name;
        let event = Event::new(Action::Resolve, name.clone(), self.config.title())
            .with_description(Some(format!("Pinged again at {}.", ping.to_rfc3339())))
            .with_urgency(self.config.urgency)
            .with_additional_data(vec![
                AdditionalData::text("Heartbeat", name.clone()),
                AdditionalData::datetime("Last ping", ping.to_rfc3339()),
            ]);
        let body = serde_json::json!({
            "heartbeat": name,
            "state": "up",
            "last_ping_at": ping,
        });
        (event, body)
    }
}

/// What the receiver knows of its heartbeats between sweeps: each one's last ping, and which
/// are down. Loaded from the store on first use.
#[derive(Debug, Default)]
struct Tracker {
    /// When the receiver started watching: the deadline base of heartbeats never pinged.
    /// `None` until loaded.
    started_at: Option<DateTime<Utc>>,
    pings: BTreeMap<String, DateTime<Utc>>,
    /// The last ping written to the store, by heartbeat (see [`STORE_PINGS_EVERY`]).
    stored: BTreeMap<String, DateTime<Utc>>,
    /// Down heartbeats: their alert's id and when it was opened (a ping after that resolves
    /// it).
    down: BTreeMap<String, (i64, DateTime<Utc>)>,
}

/// The receiver's heartbeats: their configuration and what is known of them. Pings and sweeps
/// take the tracker's lock in turn, so a ping and the sweep never both act on one heartbeat.
#[derive(Debug, Default)]
pub(crate) struct Heartbeats {
    entries: BTreeMap<String, Heartbeat>,
    tracker: tokio::sync::Mutex<Tracker>,
}

impl Heartbeats {
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// An instance may not be named [`HEARTBEAT_INSTANCE`], and may ping only configured
    /// heartbeats.
    pub(crate) fn check_instance(&self, name: &str, instance: &Instance) -> Result<(), String> {
        if name == HEARTBEAT_INSTANCE {
            return Err(format!(
                "instance name {HEARTBEAT_INSTANCE:?} is reserved for heartbeat alerts while \
                 heartbeats are configured"
            ));
        }
        for heartbeat in instance.heartbeat_names() {
            if !self.entries.contains_key(&heartbeat) {
                return Err(format!(
                    "instance {name:?} pings heartbeat {heartbeat:?} (its watchdog option), \
                     which is not configured in [[heartbeats]]"
                ));
            }
        }
        Ok(())
    }

    /// The configured heartbeats `events` ping that `instance` may ping, in order.
    pub(crate) fn pings_in(&self, instance: &Instance, events: &[Event]) -> Vec<String> {
        if self.entries.is_empty() {
            return Vec::new();
        }
        let mut names: Vec<String> = events.iter().filter_map(heartbeat_of).collect();
        if names.is_empty() {
            return names;
        }
        let allowed = instance.heartbeat_names();
        names.retain(|name| allowed.contains(name) && self.entries.contains_key(name));
        names.dedup();
        names
    }
}

/// Why a ping was not recorded.
#[derive(Debug)]
pub(crate) enum PingError {
    /// No heartbeat by that name.
    Unknown,
    /// The store failed.
    Store(StoreError),
}

impl Receiver {
    /// Watches `heartbeats` (see [`crate::heartbeat`]); replaces any set before. Call it
    /// after the instances are added and before the outputs (which may follow
    /// [`HEARTBEAT_INSTANCE`]).
    ///
    /// # Errors
    /// When a heartbeat is invalid or named twice, an instance is named
    /// [`HEARTBEAT_INSTANCE`], or an instance's watchdog pings a heartbeat not configured.
    pub fn with_heartbeats(
        mut self,
        heartbeats: Vec<HeartbeatConfig>,
    ) -> Result<Self, ReceiverError> {
        validate_heartbeats(&heartbeats).map_err(ReceiverError::Heartbeat)?;
        let entries = heartbeats
            .into_iter()
            .map(|config| Ok((config.name.clone(), Heartbeat::new(config)?)))
            .collect::<Result<_, String>>()
            .map_err(ReceiverError::Heartbeat)?;
        let watched = Heartbeats {
            entries,
            tracker: tokio::sync::Mutex::default(),
        };
        for (name, instance) in &self.instances {
            if !watched.is_empty() || !instance.heartbeat_names().is_empty() {
                watched
                    .check_instance(name, instance)
                    .map_err(ReceiverError::Heartbeat)?;
            }
        }
        self.heartbeats = Arc::new(watched);
        self.replan_outputs();
        Ok(self)
    }

    /// Opens the alert of every heartbeat overdue at the clock's now, and resolves the alert
    /// of every heartbeat pinged since its alert opened; returns how many alerts it opened or
    /// resolved. The heartbeat task runs it every second; tests call it with a
    /// [`crate::clock::ManualClock`].
    ///
    /// # Errors
    /// When the store fails (what was done before stays done; the next sweep goes on).
    pub async fn sweep_heartbeats(&self) -> Result<usize, StoreError> {
        if self.heartbeats.is_empty() {
            return Ok(0);
        }
        let mut tracker = self.heartbeats.tracker.lock().await;
        self.load_heartbeats(&mut tracker).await?;
        let now = self.clock.now();
        let started_at = tracker.started_at.unwrap_or(now);
        let mut changed = 0;
        for (name, heartbeat) in &self.heartbeats.entries {
            let last_ping = tracker.pings.get(name).copied();
            match tracker.down.get(name).copied() {
                Some((_, opened_at)) => {
                    if let Some(ping) = last_ping.filter(|ping| *ping > opened_at) {
                        self.heartbeat_up(&mut tracker, heartbeat, ping).await?;
                        changed += 1;
                    }
                }
                None if now >= heartbeat.deadline(last_ping, started_at) => {
                    let (event, body) = heartbeat.down_event(last_ping, started_at, now);
                    let ingested = self.ingest_heartbeat(event, &body, now).await?;
                    if let Some(id) = ingested.results.first().and_then(|r| r.alert_id) {
                        tracker.down.insert(name.clone(), (id, now));
                    }
                    self.metrics.heartbeat_down(name, true);
                    tracing::warn!(heartbeat = %name, "heartbeat down: no ping in time; alert opened");
                    changed += 1;
                }
                None => {}
            }
        }
        Ok(changed)
    }

    /// Starts the heartbeat task on the current tokio runtime: it sweeps every second until
    /// the handle is aborted ([`crate::serve`] runs it for the server's lifetime). Without
    /// heartbeats it returns at once.
    pub fn spawn_heartbeats(&self) -> tokio::task::JoinHandle<()> {
        let receiver = self.clone();
        tokio::spawn(async move {
            if receiver.heartbeats.is_empty() {
                return;
            }
            let mut ticks = tokio::time::interval(std::time::Duration::from_secs(1));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut failing = false;
            let shared = receiver.store.shared();
            loop {
                ticks.tick().await;
                let swept = async {
                    if shared {
                        // Every replica reads the pings and down heartbeats every replica
                        // recorded (so its metrics agree with the others'); one sweeps, the one
                        // the store lets lead.
                        receiver.refresh_heartbeats().await?;
                        if !receiver.store.lead("heartbeats").await? {
                            return Ok(0);
                        }
                    }
                    receiver.sweep_heartbeats().await
                };
                match swept.await {
                    Ok(_) => failing = false,
                    // Logged once per outage, not every second.
                    Err(error) if !failing => {
                        failing = true;
                        tracing::error!(%error, "heartbeats: the sweep failed; retrying every second");
                    }
                    Err(_) => {}
                }
            }
        })
    }

    /// Every heartbeat's state at the clock's now, by name.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn heartbeat_statuses(&self) -> Result<Vec<HeartbeatStatus>, StoreError> {
        if self.store.shared() {
            // Pings another replica took, and sweeps another replica led.
            self.refresh_heartbeats().await?;
        }
        let mut tracker = self.heartbeats.tracker.lock().await;
        self.load_heartbeats(&mut tracker).await?;
        let now = self.clock.now();
        let started_at = tracker.started_at.unwrap_or(now);
        Ok(self
            .heartbeats
            .entries
            .iter()
            .map(|(name, heartbeat)| {
                heartbeat.status(
                    tracker.pings.get(name).copied(),
                    started_at,
                    now,
                    tracker.down.get(name).map(|(id, _)| *id),
                )
            })
            .collect())
    }

    /// Records a ping of heartbeat `name` at `at` and, if it is down, resolves its alert.
    pub(crate) async fn ping(
        &self,
        name: &str,
        at: DateTime<Utc>,
    ) -> Result<HeartbeatStatus, PingError> {
        let Some(heartbeat) = self.heartbeats.entries.get(name) else {
            return Err(PingError::Unknown);
        };
        let mut tracker = self.heartbeats.tracker.lock().await;
        let stored = async {
            self.load_heartbeats(&mut tracker).await?;
            let recent = tracker
                .stored
                .get(name)
                .is_some_and(|stored| at.signed_duration_since(*stored) < STORE_PINGS_EVERY);
            if !recent {
                self.store.record_ping(name, at).await?;
                tracker.stored.insert(name.to_owned(), at);
            }
            Ok::<_, StoreError>(())
        };
        if let Err(error) = stored.await {
            self.metrics.heartbeat_ping(name, "store_unavailable");
            tracing::error!(heartbeat = name, %error, "could not record a heartbeat ping");
            return Err(PingError::Store(error));
        }
        self.metrics.heartbeat_ping(name, "accepted");
        let last = tracker.pings.entry(name.to_owned()).or_insert(at);
        *last = (*last).max(at);
        let last = *last;
        self.metrics.heartbeat_last_ping(name, last);
        if let Some((_, opened_at)) = tracker.down.get(name).copied() {
            if last > opened_at {
                // The ping is stored: should this fail, the next sweep resolves the alert.
                if let Err(error) = self.heartbeat_up(&mut tracker, heartbeat, last).await {
                    tracing::error!(heartbeat = name, %error, "could not resolve a heartbeat's alert; the sweep retries");
                }
            }
        }
        let now = self.clock.now();
        let started_at = tracker.started_at.unwrap_or(now);
        Ok(heartbeat.status(
            Some(last),
            started_at,
            now,
            tracker.down.get(name).map(|(id, _)| *id),
        ))
    }

    /// Resolves a down heartbeat's alert, pinged at `ping`.
    async fn heartbeat_up(
        &self,
        tracker: &mut Tracker,
        heartbeat: &Heartbeat,
        ping: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let name = &heartbeat.config.name;
        let (event, body) = heartbeat.up_event(ping);
        self.ingest_heartbeat(event, &body, self.clock.now())
            .await?;
        tracker.down.remove(name);
        self.metrics.heartbeat_down(name, false);
        tracing::info!(heartbeat = %name, "heartbeat up again: alert resolved");
        Ok(())
    }

    /// For a store shared by several replicas: merges the pings every replica stored into
    /// this one's, and reads again which heartbeats are down (another replica may have led
    /// the sweep before); publishes both as metrics. Every replica runs it each second, and
    /// before listing the heartbeats.
    async fn refresh_heartbeats(&self) -> Result<(), StoreError> {
        let mut tracker = self.heartbeats.tracker.lock().await;
        if tracker.started_at.is_none() {
            return self.load_heartbeats(&mut tracker).await;
        }
        for (name, at) in self.store.pings().await? {
            if self.heartbeats.entries.contains_key(&name) {
                let last = tracker.pings.entry(name).or_insert(at);
                *last = (*last).max(at);
            }
        }
        let mut down = BTreeMap::new();
        for status in [AlertStatus::Open, AlertStatus::Acknowledged] {
            let filter = AlertFilter::new()
                .instance(HEARTBEAT_INSTANCE)
                .status(status)
                .limit(MAX_HEARTBEATS * 2);
            for alert in self.store.alerts(&filter).await? {
                if self.heartbeats.entries.contains_key(&alert.thirdparty_id) {
                    down.insert(alert.thirdparty_id.clone(), (alert.id, alert.created_at));
                }
            }
        }
        for name in self.heartbeats.entries.keys() {
            self.metrics.heartbeat_down(name, down.contains_key(name));
            if let Some(ping) = tracker.pings.get(name) {
                self.metrics.heartbeat_last_ping(name, *ping);
            }
        }
        tracker.down = down;
        Ok(())
    }

    /// Reads the pings and the open heartbeat alerts from the store, once: the first sweep,
    /// ping or listing after start. The start time is the deadline base of heartbeats never
    /// pinged. Pings of heartbeats no longer configured are forgotten, and their open alerts
    /// resolved (nothing would ever resolve them).
    async fn load_heartbeats(&self, tracker: &mut Tracker) -> Result<(), StoreError> {
        if tracker.started_at.is_some() {
            return Ok(());
        }
        let names: Vec<String> = self.heartbeats.entries.keys().cloned().collect();
        self.store.forget_pings(&names).await?;
        let pings = self.store.pings().await?;
        let mut down = BTreeMap::new();
        for status in [AlertStatus::Open, AlertStatus::Acknowledged] {
            let filter = AlertFilter::new()
                .instance(HEARTBEAT_INSTANCE)
                .status(status)
                .limit(MAX_HEARTBEATS * 2);
            for alert in self.store.alerts(&filter).await? {
                down.insert(alert.thirdparty_id.clone(), (alert.id, alert.created_at));
            }
        }
        let now = self.clock.now();
        for (name, _) in down.iter().filter(|(name, _)| !names.contains(name)) {
            let event = Event::new(
                Action::Resolve,
                name.clone(),
                format!("{name} stopped pinging"),
            )
            .with_description(Some(
                "The heartbeat was removed from the configuration.".to_owned(),
            ));
            let body = serde_json::json!({ "heartbeat": name, "state": "removed" });
            self.ingest_heartbeat(event, &body, now).await?;
        }
        down.retain(|name, _| names.contains(name));
        for name in &names {
            self.metrics.heartbeat_down(name, down.contains_key(name));
            if let Some(ping) = pings.get(name) {
                self.metrics.heartbeat_last_ping(name, *ping);
            }
        }
        *tracker = Tracker {
            started_at: Some(now),
            stored: pings.clone(),
            pings,
            down,
        };
        Ok(())
    }

    /// Stores a heartbeat delivery: `body` in the log (why), `event` applied through the
    /// lifecycle, the outputs that follow [`HEARTBEAT_INSTANCE`] queued, all counted.
    async fn ingest_heartbeat(
        &self,
        event: Event,
        body: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<Ingested, StoreError> {
        let body = Bytes::from(body.to_string());
        let mut delivery = Delivery::new(
            HEARTBEAT_INSTANCE,
            at,
            Some("application/json".to_owned()),
            Some(body.clone()),
            body.len() as u64,
            Outcome::Accepted(vec![event]),
        );
        if let Some(plan) = self.plan(HEARTBEAT_INSTANCE) {
            delivery = delivery.with_outbox(Arc::clone(plan));
        }
        let ingested = self.store.ingest(delivery).await?;
        self.accepted(HEARTBEAT_INSTANCE, &ingested);
        Ok(ingested)
    }
}

/// The most bytes of a ping's body read (for an HMAC guard; the body is otherwise ignored).
const MAX_PING_BODY_BYTES: usize = 64 * 1024;

/// `POST` or `GET /heartbeats/{name}`: a ping. Public; the heartbeat's own auth guard decides.
pub(crate) async fn ping_heartbeat(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    let receiver = &shared.receiver;
    let Some(heartbeat) = receiver.heartbeats.entries.get(&name) else {
        // The name is the caller's: not a label of its own.
        receiver.metrics.rejected("", "unknown_heartbeat");
        return error_response(
            StatusCode::NOT_FOUND,
            format!("no heartbeat named {name:?}"),
        );
    };
    let received_at = receiver.clock.now();
    if let Some(guard) = &heartbeat.guard {
        let (mut parts, body) = request.into_parts();
        let body = if guard.needs_body() {
            let read = tokio::time::timeout(
                receiver.body_timeout,
                http_body_util::Limited::new(body, MAX_PING_BODY_BYTES).collect(),
            )
            .await;
            match read {
                Ok(Ok(collected)) => collected.to_bytes(),
                Ok(Err(_)) => {
                    return error_response(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("a ping's body is read up to {MAX_PING_BODY_BYTES} bytes"),
                    );
                }
                Err(_) => {
                    return error_response(StatusCode::REQUEST_TIMEOUT, "the body was too slow");
                }
            }
        } else {
            Bytes::new()
        };
        parts
            .extensions
            .insert(ReceivedAt(std::time::SystemTime::from(received_at)));
        let request = http::Request::from_parts(parts, body);
        if let Err(error) = guard.check(&request) {
            receiver.metrics.heartbeat_ping(&name, "unauthorized");
            let mut response = error_response(StatusCode::UNAUTHORIZED, error.to_string());
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    match receiver.ping(&name, received_at).await {
        Ok(status) => Json(serde_json::json!({ "heartbeat": status })).into_response(),
        Err(PingError::Unknown) => error_response(
            StatusCode::NOT_FOUND,
            format!("no heartbeat named {name:?}"),
        ),
        Err(PingError::Store(error)) => store_error(&error),
    }
}

/// `GET /heartbeats` (read API): every heartbeat's state.
pub(crate) async fn list_heartbeats(State(shared): State<Arc<Shared>>) -> Response {
    match shared.receiver.heartbeat_statuses().await {
        Ok(heartbeats) => Json(serde_json::json!({ "heartbeats": heartbeats })).into_response(),
        Err(error) => store_error(&error),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeDelta, Utc};

    use super::{Heartbeat, HeartbeatConfig, HeartbeatState, validate_heartbeats};

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn five_minutes() -> Heartbeat {
        Heartbeat::new(
            HeartbeatConfig::new("watchdog", "5m".parse().unwrap())
                .with_grace("1m".parse().unwrap()),
        )
        .unwrap()
    }

    #[test]
    fn states_follow_the_last_ping_interval_and_grace() {
        let heartbeat = five_minutes();
        let start = t(0);
        let state =
            |ping: Option<i64>, now: i64| heartbeat.state(ping.map(t), start, t(now), false);
        // Never pinged: `never` until interval + grace after the start, then `down`.
        assert_eq!(state(None, 0), HeartbeatState::Never);
        assert_eq!(state(None, 359), HeartbeatState::Never);
        assert_eq!(state(None, 360), HeartbeatState::Down);
        // Pinged at 100: up until 400, late until 460, down from 460.
        assert_eq!(state(Some(100), 399), HeartbeatState::Up);
        assert_eq!(state(Some(100), 400), HeartbeatState::Late);
        assert_eq!(state(Some(100), 459), HeartbeatState::Late);
        assert_eq!(state(Some(100), 460), HeartbeatState::Down);
        // An open alert is down whatever the clock says.
        assert_eq!(
            heartbeat.state(Some(t(100)), start, t(101), true),
            HeartbeatState::Down
        );
        assert_eq!(heartbeat.deadline(Some(t(100)), start), t(460));
        assert_eq!(heartbeat.deadline(None, start), t(360));
    }

    #[test]
    fn deadlines_far_in_the_future_do_not_overflow() {
        let heartbeat = five_minutes();
        let end = DateTime::<Utc>::MAX_UTC - TimeDelta::seconds(10);
        assert_eq!(heartbeat.deadline(Some(end), end), DateTime::<Utc>::MAX_UTC);
        assert_eq!(
            heartbeat.state(Some(end), end, end, false),
            HeartbeatState::Up
        );
    }

    #[test]
    fn events_say_why() {
        let heartbeat = five_minutes();
        let (down, body) = heartbeat.down_event(Some(t(100)), t(0), t(460));
        assert_eq!(down.action, pager_core::Action::Create);
        assert_eq!(down.thirdparty_id, "watchdog");
        assert_eq!(down.title, "watchdog stopped pinging");
        assert!(
            down.description
                .as_deref()
                .unwrap()
                .contains("expected every 5m (grace 1m)"),
            "{down:?}"
        );
        assert_eq!(body["state"], "down");
        assert_eq!(body["deadline"], serde_json::json!(t(460)));
        let (never, _) = heartbeat.down_event(None, t(0), t(360));
        assert!(
            never
                .description
                .as_deref()
                .unwrap()
                .starts_with("Never pinged")
        );
        let (up, body) = heartbeat.up_event(t(500));
        assert_eq!(up.action, pager_core::Action::Resolve);
        assert_eq!(up.thirdparty_id, "watchdog");
        assert_eq!(body["state"], "up");
    }

    #[test]
    fn validation_names_the_entry_and_key() {
        let ok = HeartbeatConfig::new("a", "1m".parse().unwrap());
        assert!(validate_heartbeats(std::slice::from_ref(&ok)).is_ok());
        let cases = [
            (
                vec![HeartbeatConfig::new("bad name", "1m".parse().unwrap())],
                "at heartbeats[0].name",
            ),
            (vec![ok.clone(), ok.clone()], "at heartbeats[1].name"),
            (vec![ok.clone().with_title("  ")], "at heartbeats[0].title"),
            (
                vec![ok.clone().with_title("x".repeat(201))],
                "at heartbeats[0].title",
            ),
        ];
        for (heartbeats, place) in cases {
            let error = validate_heartbeats(&heartbeats).unwrap_err();
            assert!(error.starts_with(place), "{error}");
        }
    }
}
