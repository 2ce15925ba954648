//! Kapacitor's alert body (`alert.Data` in `alert/types.go`, JSON-encoded by the post handler
//! in `services/httppost/service.go`), as far as the mapping reads it.

use std::collections::BTreeMap;

use pager_core::json::{Object, Str};
use serde::Deserialize;
use serde_json::value::RawValue;

/// One alert event: a change of an alert's level, or a repeat of it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Alert<'a> {
    /// The rendered `.id()` template: the same for every event of one alert.
    #[serde(borrow)]
    pub id: Option<Str<'a>>,
    /// The rendered `.message()` template.
    #[serde(borrow)]
    pub message: Option<Str<'a>>,
    /// The rendered `.details()` template (by default the alert's data as HTML-escaped JSON).
    #[serde(borrow)]
    pub details: Option<Str<'a>>,
    /// When the event happened, RFC 3339.
    #[serde(borrow)]
    pub time: Option<Str<'a>>,
    /// How long the alert has been in a non-OK level, in nanoseconds (a Go `time.Duration`).
    pub duration: Option<i64>,
    /// `OK`, `INFO`, `WARNING` or `CRITICAL`.
    #[serde(borrow)]
    pub level: Option<Str<'a>>,
    #[serde(borrow, rename = "previousLevel")]
    pub previous_level: Option<Str<'a>>,
    /// False for an alert node with `.noRecoveries()`: it never sends `OK`.
    pub recoverable: Option<bool>,
    #[serde(borrow)]
    pub data: Option<Object<Data<'a>>>,
}

/// The data point (or batch) that triggered the event: an InfluxQL-style result.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Data<'a> {
    #[serde(borrow)]
    pub series: Option<Vec<Object<Series<'a>>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Series<'a> {
    /// The measurement.
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    /// The group-by tags.
    #[serde(borrow)]
    pub tags: Option<BTreeMap<Str<'a>, Str<'a>>>,
    #[serde(borrow)]
    pub columns: Option<Vec<Str<'a>>>,
    /// Rows of values, one per column; read only for the last row, kept as written.
    #[serde(borrow)]
    pub values: Option<Vec<Vec<&'a RawValue>>>,
}
