//! Dead Man's Snitch's webhook body, as far as the mapping reads it.

use pager_core::json::{Object, Str};
use serde::Deserialize;

/// One webhook: an event about one snitch.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Webhook<'a> {
    /// `snitch.missing`, `snitch.errored`, `snitch.reporting`, `snitch.paused`.
    #[serde(borrow, rename = "type")]
    pub kind: Option<Str<'a>>,
    /// When the event happened, RFC 3339 UTC with milliseconds.
    #[serde(borrow)]
    pub timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    pub data: Option<Object<Data<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Data<'a> {
    #[serde(borrow)]
    pub snitch: Option<Object<Snitch<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Snitch<'a> {
    /// The snitch's unique identifier (also the last part of its check-in URL).
    #[serde(borrow)]
    pub token: Option<Str<'a>>,
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub notes: Option<Str<'a>>,
    #[serde(borrow)]
    pub tags: Option<Vec<Str<'a>>>,
    /// The new state: `healthy`, `missing`, `errored`, `paused`.
    #[serde(borrow)]
    pub status: Option<Str<'a>>,
    /// The state before: `pending`, `healthy`, `missing`, `errored`, `paused`.
    #[serde(borrow)]
    pub previous_status: Option<Str<'a>>,
}
