//! The recommended request body (this crate's README), as far as the mapping reads it, with
//! [`pager_core::template`]'s rules: strings, numbers or booleans as text; blank values and
//! placeholders Healthchecks does not know (left as `"$SOMETHING"`) absent. The check's UUID
//! must be such a value; every other field is read leniently (an array where a text was
//! expected reads as absent), so an oddly edited body still pages.

use pager_core::template::{Lenient, Placeholder, Value};
use serde::Deserialize;

/// How an unknown placeholder reaches us: Healthchecks replaces only the placeholders it
/// knows and leaves any other `$NAME` as written.
pub(crate) const UNFILLED: Placeholder = Placeholder::Dollar;

/// One notification: the body filled in for a check that went down or up.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Notification<'a> {
    /// `$CODE`: the check's UUID.
    #[serde(borrow)]
    pub check_id: Option<Value<'a>>,
    /// `$NAME_JSON`.
    #[serde(borrow)]
    pub name: Lenient<'a>,
    /// `$SLUG`.
    #[serde(borrow)]
    pub slug: Lenient<'a>,
    /// `$STATUS`: `down` or `up`.
    #[serde(borrow)]
    pub status: Lenient<'a>,
    /// `$NOW`: when the check changed state, ISO 8601 UTC (`2026-08-21T16:49:32+00:00`).
    #[serde(borrow)]
    pub now: Lenient<'a>,
    /// `$TAGS`: the check's tags, separated by spaces.
    #[serde(borrow)]
    pub tags: Lenient<'a>,
    /// `$EXITSTATUS`: the last ping's exit status; `-1` when it reported none.
    #[serde(borrow)]
    pub exitstatus: Lenient<'a>,
    /// `$BODY_JSON`: the last ping's body (a job's output), as a JSON string.
    #[serde(borrow)]
    pub ping_body: Lenient<'a>,
    // Healthchecks' built-in PagerTree integration posts these instead.
    /// The check's key: its `unique_key` (older Healthchecks: its code).
    #[serde(borrow)]
    pub incident_key: Option<Value<'a>>,
    /// `trigger` or `resolve`.
    #[serde(borrow)]
    pub event_type: Lenient<'a>,
    /// `<name> is DOWN (<reason>)`.
    #[serde(borrow)]
    pub title: Lenient<'a>,
    /// The title, and when the check went down, when it was last pinged.
    #[serde(borrow)]
    pub description: Lenient<'a>,
}
