//! Cronitor's webhook body, as far as the mapping reads it.

use pager_core::json::Str;
use serde::Deserialize;

/// One alert or recovery of one monitor.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Alert<'a> {
    /// The monitor's unique key.
    #[serde(borrow)]
    pub id: Option<Str<'a>>,
    /// The monitor's name.
    #[serde(borrow)]
    pub monitor: Option<Str<'a>>,
    #[serde(borrow)]
    pub description: Option<Str<'a>>,
    /// `ALERT` or `RECOVERY`; absent in the older four-field format.
    #[serde(borrow, rename = "type")]
    pub kind: Option<Str<'a>>,
    /// The assertion or rule whose violation led to the alert.
    #[serde(borrow)]
    pub rule: Option<Str<'a>>,
    #[serde(borrow)]
    pub environment: Option<Str<'a>>,
    /// The monitor's group, or `null`.
    #[serde(borrow)]
    pub group: Option<Str<'a>>,
    #[serde(borrow)]
    pub issue_url: Option<Str<'a>>,
    #[serde(borrow)]
    pub monitor_url: Option<Str<'a>>,
}
