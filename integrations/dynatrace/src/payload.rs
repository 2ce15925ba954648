//! The recommended custom payload (this crate's README), as far as the mapping reads it, with
//! [`pager_core::template`]'s rules: strings, numbers or booleans as text; blank values and
//! placeholders Dynatrace did not fill (left as `"{Name}"`) absent. `PID` must be such a
//! value; every other text field is read leniently (an array where a text was expected reads
//! as absent), so an oddly edited payload still pages.

use pager_core::template::{Lenient, Placeholder, Value};
use serde::Deserialize;
use serde_json::value::RawValue;

/// How an unfilled placeholder reaches us: as written, `{ProblemSeverity}`.
pub(crate) const UNFILLED: Placeholder = Placeholder::Macro;

/// One problem notification.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Notification<'a> {
    /// `{PID}`: the problem's unique system id.
    #[serde(borrow, rename = "PID")]
    pub pid: Option<Value<'a>>,
    /// `{ProblemID}`: the problem's display number.
    #[serde(borrow, rename = "ProblemID")]
    pub problem_id: Lenient<'a>,
    /// `{State}`: `OPEN`, `RESOLVED` (or `MERGED`).
    #[serde(borrow, rename = "State")]
    pub state: Lenient<'a>,
    /// `{ProblemTitle}`.
    #[serde(borrow, rename = "ProblemTitle")]
    pub title: Lenient<'a>,
    /// `{ProblemSeverity}`: `AVAILABILITY`, `ERROR`, `PERFORMANCE`, `RESOURCE_CONTENTION`,
    /// `CUSTOM_ALERT`.
    #[serde(borrow, rename = "ProblemSeverity")]
    pub severity: Lenient<'a>,
    /// `{ProblemImpact}`: `APPLICATION`, `SERVICE`, `INFRASTRUCTURE`.
    #[serde(borrow, rename = "ProblemImpact")]
    pub impact: Lenient<'a>,
    /// `{ProblemURL}`.
    #[serde(borrow, rename = "ProblemURL")]
    pub url: Lenient<'a>,
    /// `"Problem URL"`: the key of Dynatrace's documented example.
    #[serde(borrow, rename = "Problem URL")]
    pub url_spaced: Lenient<'a>,
    /// `{ImpactedEntity}`: `MyHost1, MyService1`, or `X impacted entities`.
    #[serde(borrow, rename = "ImpactedEntity")]
    pub impacted_entity: Lenient<'a>,
    /// `{ImpactedEntities}`: a JSON array of `{type, name, entity}`; read leniently.
    #[serde(borrow, rename = "ImpactedEntities")]
    pub impacted_entities: Option<&'a RawValue>,
    /// `{Tags}`: the impacted entities' tags, separated by commas.
    #[serde(borrow, rename = "Tags")]
    pub tags: Lenient<'a>,
    /// `{ProblemDetailsText}`: the problem's events and root cause as text.
    #[serde(borrow, rename = "ProblemDetailsText")]
    pub details: Lenient<'a>,
    /// `{ProblemDetailsHTML}`: the same as HTML; PagerTree's guide sends this one.
    #[serde(borrow, rename = "ProblemDetailsHTML")]
    pub details_html: Lenient<'a>,
}

/// One element of `ImpactedEntities`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Entity<'a> {
    #[serde(borrow, rename = "type")]
    pub kind: Lenient<'a>,
    #[serde(borrow)]
    pub name: Lenient<'a>,
    /// The entity id, `HOST-XXXXXXXXXXXXX`.
    #[serde(borrow, rename = "entity")]
    pub id: Lenient<'a>,
}
