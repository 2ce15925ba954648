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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            grouping: Grouping::default(),
            key: KeyForm::default(),
            severity_label: "severity".to_owned(),
            urgency_map: BTreeMap::new(),
            tag_labels: Vec::new(),
        }
    }
}
