//! Sentry's integration-platform webhook bodies, as far as the mapping reads them.

use pager_core::json::Str;

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Body<'a> {
    #[serde(borrow)]
    pub action: Option<Str<'a>>,
    pub data: Option<pager_core::json::Object<Data<'a>>>,
    pub installation: Option<Installation<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Installation<'a> {
    #[serde(borrow)]
    pub uuid: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Data<'a> {
    pub issue: Option<pager_core::json::Object<Issue<'a>>>,
    pub event: Option<pager_core::json::Object<SentryEvent<'a>>>,
    pub error: Option<pager_core::json::Object<SentryEvent<'a>>>,
    pub metric_alert: Option<pager_core::json::Object<MetricAlert<'a>>>,
    #[serde(borrow)]
    pub triggered_rule: Option<Str<'a>>,
    #[serde(borrow)]
    pub description_title: Option<Str<'a>>,
    #[serde(borrow)]
    pub description_text: Option<Str<'a>>,
    #[serde(borrow)]
    pub web_url: Option<Str<'a>>,
}

/// Sentry sends ids as strings, and sometimes numbers.
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "expected a string or a number (an id)")]
pub(crate) enum Id<'a> {
    Text(#[serde(borrow)] Str<'a>),
    Number(u64),
}

impl Id<'_> {
    pub fn text(&self) -> Option<String> {
        let text = match self {
            Id::Text(text) => text.trim().to_owned(),
            Id::Number(n) => n.to_string(),
        };
        (!text.is_empty()).then_some(text)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Issue<'a> {
    #[serde(borrow)]
    pub id: Option<Id<'a>>,
    #[serde(borrow)]
    pub title: Option<Str<'a>>,
    #[serde(borrow)]
    pub culprit: Option<Str<'a>>,
    #[serde(borrow)]
    pub short_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub level: Option<Str<'a>>,
    #[serde(borrow)]
    pub permalink: Option<Str<'a>>,
    #[serde(borrow)]
    pub web_url: Option<Str<'a>>,
    #[serde(borrow)]
    pub first_seen: Option<Str<'a>>,
    #[serde(borrow)]
    pub status: Option<Str<'a>>,
    pub project: Option<Project<'a>>,
    pub assigned_to: Option<Assignee<'a>>,
    pub metadata: Option<Metadata<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Project<'a> {
    #[serde(borrow)]
    pub slug: Option<Str<'a>>,
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Assignee<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub email: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Metadata<'a> {
    #[serde(borrow, rename = "type")]
    pub kind: Option<Str<'a>>,
    #[serde(borrow)]
    pub value: Option<Str<'a>>,
}

/// `data.event` of an issue alert, and `data.error` of an error webhook.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SentryEvent<'a> {
    #[serde(borrow)]
    pub issue_id: Option<Id<'a>>,
    #[serde(borrow)]
    pub event_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub title: Option<Str<'a>>,
    #[serde(borrow)]
    pub culprit: Option<Str<'a>>,
    #[serde(borrow)]
    pub level: Option<Str<'a>>,
    #[serde(borrow)]
    pub web_url: Option<Str<'a>>,
    #[serde(borrow)]
    pub datetime: Option<Str<'a>>,
    #[serde(borrow, deserialize_with = "tags")]
    pub tags: Vec<Tag<'a>>,
}

/// One event tag: `["key", "value"]`.
pub(crate) type Tag<'a> = (Str<'a>, Str<'a>);

/// `tags` as `[["key", "value"], ...]`; `null` means none.
fn tags<'de: 'a, 'a, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Tag<'a>>, D::Error> {
    Ok(Option::<Vec<Tag<'a>>>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct MetricAlert<'a> {
    #[serde(borrow)]
    pub id: Option<Id<'a>>,
    #[serde(borrow)]
    pub title: Option<Str<'a>>,
    pub alert_rule: Option<AlertRule<'a>>,
    #[serde(borrow)]
    pub date_started: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AlertRule<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub query: Option<Str<'a>>,
    #[serde(borrow)]
    pub aggregate: Option<Str<'a>>,
}
