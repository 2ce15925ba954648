//! An issue webhook → its event. Pure functions over the payload; the mapping table is in the
//! adapter's README.

use std::borrow::Cow;

use pager_core::json::non_blank;
use pager_core::text::url_without_secrets;
use pager_core::{Action, AdditionalData, Error, Event, Meta, Urgency};

use crate::payload::{ChangeItem, Delivery, Description, Fields, Priority};

/// The one event a delivery stands for.
pub(crate) fn event(delivery: &Delivery<'_>) -> Result<Event, Error> {
    let Some(webhook_event) = non_blank(delivery.webhook_event.as_ref()) else {
        return Err(Error::invalid(
            "webhookEvent",
            "missing or empty: not a Jira webhook delivery",
        ));
    };
    let Some(issue) = delivery.issue.as_deref() else {
        return Err(Error::invalid(
            "issue",
            "missing: only issue webhooks are mapped, and they carry the issue",
        ));
    };
    let Some(id) = non_blank(issue.id.as_ref()) else {
        return Err(Error::invalid(
            "issue.id",
            "missing or empty: the issue's id identifies the alert",
        ));
    };
    let fields = issue.fields.as_deref();
    let key = non_blank(issue.key.as_ref());
    let category = status_category(fields);
    let status_change = delivery.changelog.as_deref().and_then(|changelog| {
        changelog.items.iter().find(|item| {
            non_blank(item.field.as_ref()).is_some_and(|f| f.eq_ignore_ascii_case("status"))
        })
    });
    let (action, reason) = match webhook_event {
        "jira:issue_created" => (Action::Create, None),
        "jira:issue_deleted" => (Action::Resolve, None),
        "jira:issue_updated" => match (status_change, category) {
            (None, _) => (
                Action::Other,
                Some(Cow::Borrowed("an update without a status change")),
            ),
            (Some(_), Some(category)) if category.eq_ignore_ascii_case("done") => {
                (Action::Resolve, None)
            }
            (Some(_), Some(_)) => (Action::Create, None),
            (Some(_), None) => (
                Action::Other,
                Some(Cow::Borrowed(
                    "a status change without issue.fields.status.statusCategory.key",
                )),
            ),
        },
        other => (
            Action::Other,
            Some(Cow::Owned(format!(
                "webhookEvent {other:?} is none of jira:issue_created, jira:issue_updated, \
                 jira:issue_deleted"
            ))),
        ),
    };
    let summary = fields.and_then(|f| non_blank(f.summary.as_ref()));
    let title = match (key, summary) {
        (Some(key), Some(summary)) => format!("{key}: {summary}"),
        (Some(key), None) => key.to_owned(),
        (None, Some(summary)) => summary.to_owned(),
        (None, None) => id.to_owned(),
    };
    let description = fields
        .and_then(|f| match f.description.as_ref() {
            Some(Description::Text(text)) => non_blank(Some(text)),
            _ => None,
        })
        .map(str::to_owned);
    let priority = fields.and_then(priority_name);
    let tags = fields
        .and_then(|f| f.labels.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|label| non_blank(Some(label)).map(str::to_owned))
        .collect();
    let event = Event::new(action, id, title)
        .with_description(description)
        .with_urgency(priority.and_then(urgency))
        .with_tags(tags)
        .with_additional_data(additional_data(
            id,
            key,
            issue.self_url.as_ref(),
            fields,
            status_change,
        ))
        .with_meta(
            Meta::new()
                .with("webhook_event", webhook_event)
                .with_optional(
                    "issue_event_type_name",
                    non_blank(delivery.issue_event_type_name.as_ref()),
                )
                .with_optional("status_category", category)
                .with_optional("reason", reason.map(Cow::into_owned)),
        );
    Ok(event)
}

/// `issue.fields.status.statusCategory.key`: `new`, `indeterminate` or `done`.
fn status_category<'s>(fields: Option<&'s Fields<'_>>) -> Option<&'s str> {
    fields
        .and_then(|f| f.status.as_deref())
        .and_then(|status| status.status_category.as_deref())
        .and_then(|category| non_blank(category.key.as_ref()))
}

fn priority_name<'s>(fields: &'s Fields<'_>) -> Option<&'s str> {
    match fields.priority.as_ref()? {
        Priority::Name(name) => non_blank(Some(name)),
        Priority::Object(named) => non_blank(named.name.as_ref()),
    }
}

/// Jira's default priorities (Highest … Lowest, and the older Blocker … Trivial), then the
/// shared severity vocabulary (High, Medium, Low, Critical, Major, Minor).
fn urgency(priority: &str) -> Option<Urgency> {
    let name = priority.to_ascii_lowercase();
    match name.as_str() {
        "highest" | "blocker" => Some(Urgency::Critical),
        "lowest" | "trivial" => Some(Urgency::Low),
        other => pager_core::severity::built_in(other),
    }
}

fn additional_data(
    id: &str,
    key: Option<&str>,
    self_url: Option<&pager_core::json::Str<'_>>,
    fields: Option<&Fields<'_>>,
    status_change: Option<&ChangeItem<'_>>,
) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    if let Some(link) = non_blank(self_url)
        .zip(key)
        .and_then(|(url, key)| browse_url(url, key))
        .and_then(|url| AdditionalData::link("Jira issue", &url))
    {
        data.push(link);
    }
    let project = fields.and_then(|f| f.project.as_deref());
    let project = match (
        project.and_then(|p| non_blank(p.name.as_ref())),
        project.and_then(|p| non_blank(p.key.as_ref())),
    ) {
        (Some(name), Some(key)) => Some(format!("{name} ({key})")),
        (name, key) => name.or(key).map(str::to_owned),
    };
    let status = fields.and_then(|f| f.status.as_deref());
    let transition = status_change.and_then(|change| {
        match (
            non_blank(change.from_string.as_ref()),
            non_blank(change.to_string.as_ref()),
        ) {
            (Some(from), Some(to)) => Some(format!("{from} → {to}")),
            (None, Some(to)) => Some(format!("→ {to}")),
            _ => None,
        }
    });
    for (label, value) in [
        ("Issue", key.map(str::to_owned)),
        ("Issue ID", Some(id.to_owned())),
        ("Project", project),
        (
            "Issue type",
            fields
                .and_then(|f| f.issuetype.as_deref())
                .and_then(|t| non_blank(t.name.as_ref()))
                .map(str::to_owned),
        ),
        (
            "Status",
            status
                .and_then(|s| non_blank(s.name.as_ref()))
                .map(str::to_owned),
        ),
        ("Transition", transition),
        (
            "Priority",
            fields.and_then(priority_name).map(str::to_owned),
        ),
    ] {
        if let Some(value) = value {
            data.push(AdditionalData::text(label, value));
        }
    }
    data
}

/// The issue's page, `<site>/browse/<key>`: the site is the part of the issue's REST URL
/// (`self`) before `/rest/api/`, without user info; `None` for a key that is not a plain
/// `PROJ-123` (it would change the link's path).
fn browse_url(self_url: &str, key: &str) -> Option<String> {
    let url = url_without_secrets(self_url);
    let (site, _) = url.split_once("/rest/api/")?;
    let plain = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (plain && !site.is_empty()).then(|| format!("{site}/browse/{key}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browse_link_is_built_from_the_rest_url_without_credentials() {
        assert_eq!(
            browse_url(
                "https://u:p@acme.atlassian.net/rest/api/2/issue/10002?x=1",
                "OPS-7"
            )
            .as_deref(),
            Some("https://acme.atlassian.net/browse/OPS-7")
        );
        assert_eq!(
            browse_url("https://jira.example.com/jira/rest/api/2/issue/1", "A-1").as_deref(),
            Some("https://jira.example.com/jira/browse/A-1"),
            "a server under a context path"
        );
        assert_eq!(
            browse_url("https://acme.atlassian.net/issue/1", "A-1"),
            None
        );
        assert_eq!(
            browse_url("https://acme.atlassian.net/rest/api/2/issue/1", "../x"),
            None
        );
    }

    #[test]
    fn jira_priorities_have_urgencies() {
        assert_eq!(urgency("Highest"), Some(Urgency::Critical));
        assert_eq!(urgency("High"), Some(Urgency::High));
        assert_eq!(urgency("Medium"), Some(Urgency::Medium));
        assert_eq!(urgency("Low"), Some(Urgency::Low));
        assert_eq!(urgency("Lowest"), Some(Urgency::Low));
        assert_eq!(urgency("Blocker"), Some(Urgency::Critical));
        assert_eq!(urgency("Minor"), Some(Urgency::Low));
        assert_eq!(urgency("Someday"), None);
    }
}
