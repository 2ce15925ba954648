//! New Relic's two body shapes, as far as the mapping reads them, with
//! [`pager_core::template`]'s rules: strings, numbers or booleans as text; blank values and
//! legacy variables New Relic left unfilled (`"$INCIDENT_ID"`) absent. The ids must be such a
//! value; every other field is read leniently (an array where a text was expected reads as
//! absent), so an oddly edited template still pages.

use pager_core::template::{Lenient, Placeholder, Value};
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

/// How New Relic sends a variable it left unfilled (legacy webhooks; a workflow template
/// renders a missing variable as empty).
pub(crate) const UNFILLED: Placeholder = Placeholder::Dollar;

/// Which shape a body is: legacy when it has `incident_id` or `current_state`, whatever
/// their values (`null` included).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Shape {
    incident_id: Present,
    current_state: Present,
}

impl Shape {
    pub fn is_legacy(&self) -> bool {
        self.incident_id.0 || self.current_state.0
    }
}

/// Whether a key is in the body, with any value.
#[derive(Debug, Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer)?;
        Ok(Present(true))
    }
}

/// A workflow notification with New Relic's default payload template.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct WorkflowBody<'a> {
    /// `{{ json issueId }}`.
    #[serde(borrow)]
    pub id: Option<Value<'a>>,
    #[serde(borrow)]
    pub issue_url: Lenient<'a>,
    #[serde(borrow)]
    pub title: Lenient<'a>,
    #[serde(borrow)]
    pub priority: Lenient<'a>,
    #[serde(borrow)]
    pub state: Lenient<'a>,
    /// `{{ json triggerEvent }}`.
    #[serde(borrow)]
    pub trigger: Lenient<'a>,
    #[serde(borrow)]
    pub workflow_name: Lenient<'a>,
    #[serde(borrow)]
    pub total_incidents: Lenient<'a>,
    /// Not in the default template; added by users who notify on acknowledgements.
    #[serde(borrow)]
    pub acknowledged_by: Lenient<'a>,
    /// Epoch milliseconds.
    #[serde(borrow)]
    pub created_at: Lenient<'a>,
    #[serde(borrow)]
    pub alert_policy_names: List<'a>,
    #[serde(borrow)]
    pub alert_condition_names: List<'a>,
    #[serde(borrow)]
    pub impacted_entities: List<'a>,
    #[serde(borrow)]
    pub sources: List<'a>,
}

/// A legacy notification channel's incident webhook (its default JSON).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LegacyBody<'a> {
    /// `$INCIDENT_ID`.
    #[serde(borrow)]
    pub incident_id: Option<Value<'a>>,
    /// `open`, `acknowledged`, `closed`.
    #[serde(borrow)]
    pub current_state: Lenient<'a>,
    #[serde(borrow)]
    pub event_type: Lenient<'a>,
    #[serde(borrow)]
    pub condition_name: Lenient<'a>,
    #[serde(borrow)]
    pub details: Lenient<'a>,
    #[serde(borrow)]
    pub severity: Lenient<'a>,
    #[serde(borrow)]
    pub incident_url: Lenient<'a>,
    #[serde(borrow)]
    pub runbook_url: Lenient<'a>,
    #[serde(borrow)]
    pub policy_url: Lenient<'a>,
    #[serde(borrow)]
    pub violation_chart_url: Lenient<'a>,
    #[serde(borrow)]
    pub account_name: Lenient<'a>,
    #[serde(borrow)]
    pub policy_name: Lenient<'a>,
    #[serde(borrow)]
    pub owner: Lenient<'a>,
    /// Milliseconds.
    #[serde(borrow)]
    pub duration: Lenient<'a>,
}

/// An `accumulations.*` list (`{{ json accumulations.policyName }}`): an array of names, or
/// one name. Items that are not strings, numbers or booleans are skipped.
#[derive(Debug, Default)]
pub(crate) struct List<'a>(Vec<Lenient<'a>>);

impl List<'_> {
    /// The names, trimmed; blank and unfilled ones skipped.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|item| item.filled(UNFILLED))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for List<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr<'a> {
            Many(#[serde(borrow)] Vec<Lenient<'a>>),
            One(#[serde(borrow)] Lenient<'a>),
        }
        Ok(match Repr::deserialize(deserializer)? {
            Repr::Many(items) => List(items),
            Repr::One(item) => List(vec![item]),
        })
    }
}
