//! Cloud Monitoring's webhook notification, incident schema version 1.2
//! (<https://cloud.google.com/monitoring/support/notification-options#webhooks>), as far as the
//! mapping reads it.

use std::collections::BTreeMap;

use pager_core::json::{Object, Str};
use pager_core::template::Value;
use serde::Deserialize;
use serde_json::value::RawValue;

/// One notification: a schema version and one incident.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Notification<'a> {
    /// `"1.2"`; `"test"` for the console's "Send test notification".
    #[serde(borrow)]
    pub version: Option<Str<'a>>,
    #[serde(borrow)]
    pub incident: Option<Object<Incident<'a>>>,
}

/// `incident`: one alerting policy's incident, opened or closed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Incident<'a> {
    /// `0.opqiw61fsv7p`: the same on the open and the closed notification.
    #[serde(borrow, rename = "incident_id")]
    pub id: Option<Str<'a>>,
    #[serde(borrow)]
    pub scoping_project_id: Option<Str<'a>>,
    /// A number.
    #[serde(borrow)]
    pub scoping_project_number: Option<Value<'a>>,
    /// The incident in the Google Cloud console.
    #[serde(borrow)]
    pub url: Option<Str<'a>>,
    /// Epoch seconds.
    #[serde(borrow)]
    pub started_at: Option<Value<'a>>,
    /// Epoch seconds; `null` while open.
    #[serde(borrow)]
    pub ended_at: Option<Value<'a>>,
    /// `open` or `closed`.
    #[serde(borrow)]
    pub state: Option<Str<'a>>,
    #[serde(borrow)]
    pub summary: Option<Str<'a>>,
    #[serde(borrow)]
    pub apigee_url: Option<Str<'a>>,
    /// A number as text, or a sentence (`Incident cancelled because …`).
    #[serde(borrow)]
    pub observed_value: Option<Value<'a>>,
    #[serde(borrow)]
    pub resource: Option<Object<Resource<'a>>>,
    #[serde(borrow)]
    pub resource_type_display_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub resource_display_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub resource_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub metric: Option<Object<Metric<'a>>>,
    #[serde(borrow)]
    pub metadata: Option<Object<Metadata<'a>>>,
    /// The policy's display name.
    #[serde(borrow)]
    pub policy_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub policy_user_labels: Option<Labels<'a>>,
    /// An object (`content`, `mime_type`, `subject`, `links`); a plain string in test
    /// notifications. Read leniently in the mapping.
    #[serde(borrow)]
    pub documentation: Option<&'a RawValue>,
    #[serde(borrow)]
    pub condition_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub threshold_value: Option<Value<'a>>,
    /// `Critical`, `Error`, `Warning` or `No severity` (any case).
    #[serde(borrow)]
    pub severity: Option<Str<'a>>,
}

/// Label names to values.
pub(crate) type Labels<'a> = BTreeMap<Str<'a>, Str<'a>>;

/// `resource`: the monitored resource.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Resource<'a> {
    #[serde(borrow, rename = "type")]
    pub kind: Option<Str<'a>>,
    #[serde(borrow)]
    pub labels: Option<Labels<'a>>,
}

/// `metric`: the metric the condition watches.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Metric<'a> {
    #[serde(borrow, rename = "type")]
    pub kind: Option<Str<'a>>,
    #[serde(borrow, rename = "displayName")]
    pub display_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub labels: Option<Labels<'a>>,
}

/// `metadata`: the time series' system and user labels. System label values may be lists or
/// booleans, so both are read leniently in the mapping.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Metadata<'a> {
    #[serde(borrow)]
    pub system_labels: Option<&'a RawValue>,
    #[serde(borrow)]
    pub user_labels: Option<&'a RawValue>,
}

/// `documentation` as an object.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Documentation<'a> {
    #[serde(borrow)]
    pub content: Option<Str<'a>>,
    #[serde(borrow)]
    pub subject: Option<Str<'a>>,
}
