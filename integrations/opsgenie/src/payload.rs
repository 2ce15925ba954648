//! Opsgenie's Alert API request bodies, as far as the mapping reads them.

use pager_core::json::Str;
use serde::Deserialize;
use serde_json::value::RawValue;

/// `POST /v2/alerts`: create an alert.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Create<'a> {
    /// The alert's text (required by Opsgenie, at most 130 characters there).
    #[serde(borrow)]
    pub message: Option<Str<'a>>,
    /// The sender's identifier of the alert: Opsgenie's dedup key.
    #[serde(borrow)]
    pub alias: Option<Str<'a>>,
    #[serde(borrow)]
    pub description: Option<Str<'a>>,
    /// `P1` … `P5`.
    #[serde(borrow)]
    pub priority: Option<Str<'a>>,
    #[serde(borrow)]
    pub tags: Option<Vec<Str<'a>>>,
    /// A map of strings, by Opsgenie's definition; any JSON object is read, kept verbatim.
    #[serde(borrow)]
    pub details: Option<&'a RawValue>,
    #[serde(borrow)]
    pub entity: Option<Str<'a>>,
    #[serde(borrow)]
    pub source: Option<Str<'a>>,
    #[serde(borrow)]
    pub user: Option<Str<'a>>,
    #[serde(borrow)]
    pub note: Option<Str<'a>>,
}

/// `POST /v2/alerts/{identifier}/close` or `/acknowledge`: every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Action<'a> {
    #[serde(borrow)]
    pub user: Option<Str<'a>>,
    #[serde(borrow)]
    pub source: Option<Str<'a>>,
    #[serde(borrow)]
    pub note: Option<Str<'a>>,
}
