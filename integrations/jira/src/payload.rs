//! Jira Cloud's issue webhook body
//! (<https://developer.atlassian.com/cloud/jira/platform/webhooks/>), as far as the mapping
//! reads it. `user`, `comment` and the issue's people (`assignee`, `reporter`, `creator`) are
//! never read: they carry account ids and email addresses.

use pager_core::json::{Object, Str};
use serde::Deserialize;

/// One webhook delivery.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Delivery<'a> {
    /// `jira:issue_created`, `jira:issue_updated`, `jira:issue_deleted`, …
    #[serde(borrow, rename = "webhookEvent")]
    pub webhook_event: Option<Str<'a>>,
    /// `issue_created`, `issue_generic`, `issue_resolved`, `issue_reopened`, …
    #[serde(borrow)]
    pub issue_event_type_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub issue: Option<Object<Issue<'a>>>,
    #[serde(borrow)]
    pub changelog: Option<Object<Changelog<'a>>>,
}

/// `issue`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Issue<'a> {
    /// The issue's numeric id, as a string.
    #[serde(borrow)]
    pub id: Option<Str<'a>>,
    /// `PROJ-123`; changes when the issue moves to another project.
    #[serde(borrow)]
    pub key: Option<Str<'a>>,
    /// The issue's REST URL, `https://<site>/rest/api/2/issue/<id>`.
    #[serde(borrow, rename = "self")]
    pub self_url: Option<Str<'a>>,
    #[serde(borrow)]
    pub fields: Option<Object<Fields<'a>>>,
}

/// `issue.fields`, the ones the mapping reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Fields<'a> {
    #[serde(borrow)]
    pub summary: Option<Str<'a>>,
    /// Wiki-markup text in the REST API v2 representation webhooks send; anything else (an
    /// Atlassian Document Format object) is skipped.
    #[serde(borrow)]
    pub description: Option<Description<'a>>,
    #[serde(borrow)]
    pub status: Option<Object<Status<'a>>>,
    #[serde(borrow)]
    pub priority: Option<Priority<'a>>,
    #[serde(borrow)]
    pub labels: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    pub issuetype: Option<Object<Named<'a>>>,
    #[serde(borrow)]
    pub project: Option<Object<Project<'a>>>,
}

/// `issue.fields.status`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Status<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow, rename = "statusCategory")]
    pub status_category: Option<Object<StatusCategory<'a>>>,
}

/// `issue.fields.status.statusCategory`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct StatusCategory<'a> {
    /// `new`, `indeterminate` or `done`.
    #[serde(borrow)]
    pub key: Option<Str<'a>>,
}

/// `issue.fields.priority`: an object with a `name` in Jira Cloud's bodies, a bare name in
/// the example of Atlassian's webhook page.
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "a priority name or an object with a name")]
pub(crate) enum Priority<'a> {
    Name(#[serde(borrow)] Str<'a>),
    Object(#[serde(borrow)] Object<Named<'a>>),
}

/// `issue.fields.description`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Description<'a> {
    Text(#[serde(borrow)] Str<'a>),
    Other(serde::de::IgnoredAny),
}

/// An object of which only `name` is read (`issuetype`, `priority`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Named<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
}

/// `issue.fields.project`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Project<'a> {
    #[serde(borrow)]
    pub key: Option<Str<'a>>,
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
}

/// `changelog`: what an update changed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Changelog<'a> {
    #[serde(borrow, deserialize_with = "pager_core::json::objects")]
    pub items: Vec<ChangeItem<'a>>,
}

/// One changed field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ChangeItem<'a> {
    /// `status`, `summary`, `priority`, …
    #[serde(borrow)]
    pub field: Option<Str<'a>>,
    #[serde(borrow, rename = "fromString")]
    pub from_string: Option<Str<'a>>,
    #[serde(borrow, rename = "toString")]
    pub to_string: Option<Str<'a>>,
}
