//! The adapter's options.

use std::collections::BTreeMap;

use pager_core::Urgency;
use serde::{Deserialize, Serialize};

/// How deliveries become events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Grouping {
    /// One event per notification, keyed on the group (`groupKey`), as PagerTree,
    /// PagerDuty and Opsgenie do.
    #[default]
    Group,
    /// One event per entry of `alerts[]`, keyed on the alert's `fingerprint`.
    Alert,
}

/// Which form of the group key becomes `thirdparty_id` in group mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum KeyForm {
    /// The `groupKey` exactly as sent (PagerTree's choice).
    #[default]
    Raw,
    /// The lowercase hex SHA-256 of the `groupKey`: Alertmanager's own PagerDuty and Opsgenie
    /// notifiers use it as dedup key, so alerts can be matched across both paths.
    Sha256,
}

/// Options of the `prometheus-v3` adapter. Every field has a default; `{}` is a working config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// One event per notification (`"group"`, default) or per alert (`"alert"`).
    pub grouping: Grouping,
    /// Group mode: `thirdparty_id` is the raw `groupKey` (`"raw"`, default) or its SHA-256.
    pub key: KeyForm,
    /// The label that carries severity. Default `"severity"`.
    pub severity_label: String,
    /// Extra severity names → urgency, consulted before the built-in table
    /// (keys compared case-insensitively), e.g. `{"p0": "critical", "ticket": "low"}`.
    pub urgency_map: BTreeMap<String, Urgency>,
    /// Label names whose values become tags `name:value`. Default none.
    pub tag_labels: Vec<String>,
    /// Alertmanager's always-firing watchdog alert as a heartbeat ping, not an incident
    /// (default: none, the watchdog is an alert like any other).
    pub watchdog: Option<Watchdog>,
}

/// The `watchdog` option: a firing alert named `alertname` pings the heartbeat `heartbeat` —
/// an [`pager_core::Action::Other`] event with `meta.heartbeat` (see
/// [`pager_core::HEARTBEAT_META_KEY`]) — and is left out of every other event; the rest of the
/// notification is mapped as if it were not there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Watchdog {
    /// The heartbeat a firing watchdog alert pings (1-64 letters, digits, `-`, `_`).
    pub heartbeat: String,
    /// The watchdog alert's `alertname` label. Default `"Watchdog"` (kube-prometheus's).
    #[serde(default = "default_watchdog_alertname")]
    pub alertname: String,
}

impl Watchdog {
    /// A watchdog pinging `heartbeat` for the alert named `Watchdog`.
    pub fn new(heartbeat: impl Into<String>) -> Self {
        Self {
            heartbeat: heartbeat.into(),
            alertname: default_watchdog_alertname(),
        }
    }
}

fn default_watchdog_alertname() -> String {
    "Watchdog".to_owned()
}

impl Default for Config {
    fn default() -> Self {
        Self {
            grouping: Grouping::default(),
            key: KeyForm::default(),
            severity_label: "severity".to_owned(),
            urgency_map: BTreeMap::new(),
            tag_labels: Vec::new(),
            watchdog: None,
        }
    }
}
