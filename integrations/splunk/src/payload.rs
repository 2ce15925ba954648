//! The body of Splunk's webhook alert action (the `alert_webhook` app shipped with Splunk
//! Enterprise), as far as the mapping reads it.

use pager_core::json::Str;
use serde::Deserialize;
use serde_json::value::RawValue;

/// One triggered alert: Splunk posts it each time a saved search's alert condition is met.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Alert<'a> {
    /// The first result row of the triggering search: field name → value (a string, or a
    /// list for a multivalue field). Kept raw; the mapping checks it is an object.
    #[serde(borrow)]
    pub result: Option<&'a RawValue>,
    /// The search job's id; a scheduled search's ends in `_at_<epoch>_<serial>`, per run.
    #[serde(borrow)]
    pub sid: Option<Str<'a>>,
    /// A link to the job's results in Splunk Web (`…/@go?sid=<sid>`).
    #[serde(borrow)]
    pub results_link: Option<Str<'a>>,
    /// The saved search's name; `null` for a search that is not saved.
    #[serde(borrow)]
    pub search_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub owner: Option<Str<'a>>,
    /// The app the saved search belongs to (`search` for Search & Reporting).
    #[serde(borrow)]
    pub app: Option<Str<'a>>,
}
