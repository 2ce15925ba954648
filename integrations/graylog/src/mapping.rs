//! A notification → its event. Pure functions over the payload; the mapping table is in the
//! adapter's README.

use pager_core::json::{Str, non_blank, object_as_data};
use pager_core::{Action, AdditionalData, Error, Event, Meta, Urgency, severity};

use crate::payload::{EventDto, Notification};

/// What Graylog writes for definition metadata it could not load.
const UNKNOWN: &str = "<unknown>";

/// The event type of the payload "Execute Test Notification" sends (`NotificationTestData`).
const TEST_EVENT_TYPE: &str = "notification-test-v1";

/// The one event a notification stands for: a `create` (Graylog notifies of events, never of
/// their end), or `other` for a test notification or an event that is not an alert.
pub(crate) fn event(notification: &Notification<'_>) -> Result<Event, Error> {
    let Some(event) = notification.event.as_deref() else {
        return Err(Error::invalid(
            "event",
            "missing: Graylog sends the event the notification is about",
        ));
    };
    if let Some(fields) = event.fields
        && !fields.get().trim_start().starts_with('{')
    {
        return Err(Error::invalid(
            "event.fields",
            "not a JSON object: Graylog sends the event's fields as name → value",
        ));
    }
    let Some(definition_id) = known(notification.event_definition_id.as_ref())
        .or_else(|| known(event.event_definition_id.as_ref()))
    else {
        return Err(Error::invalid(
            "event_definition_id",
            "missing or empty (and no event.event_definition_id): the event definition identifies the alert",
        ));
    };
    let group = group(event);
    let (key, key_source) = match group.as_deref() {
        Some(group) => (
            format!("{definition_id}/{group}"),
            "event_definition_id+key",
        ),
        None => (definition_id.to_owned(), "event_definition_id"),
    };
    let event_type = non_blank(event.event_definition_type.as_ref());
    let (action, reason) = if event_type == Some(TEST_EVENT_TYPE) {
        (
            Action::Other,
            Some("a test notification (Execute Test Notification in Graylog)".to_owned()),
        )
    } else if event.alert == Some(false) {
        (
            Action::Other,
            Some("event.alert is false: the definition records events without alerting".to_owned()),
        )
    } else {
        (Action::Create, None)
    };
    let name = known(notification.event_definition_title.as_ref())
        .or_else(|| non_blank(event.message.as_ref()))
        .map_or_else(|| format!("Graylog event {definition_id}"), str::to_owned);
    let title = match &group {
        Some(group) => format!("{name} ({group})"),
        None => name,
    };
    let (urgency, priority) = priority(event.priority);
    let meta = Meta::new()
        .with("key_source", key_source)
        .with_optional("reason", reason);
    Ok(Event::new(action, key, title)
        .with_description(
            known(notification.event_definition_description.as_ref()).map(str::to_owned),
        )
        .with_urgency(urgency)
        .with_additional_data(additional_data(
            notification,
            event,
            definition_id,
            group.as_deref(),
            priority.as_deref(),
        ))
        .with_meta(meta))
}

/// The event's group within its definition: `key` (Graylog writes `key_tuple` joined with
/// `|`), else `key_tuple` joined the same way; `None` for a definition without key fields.
fn group(event: &EventDto<'_>) -> Option<String> {
    if let Some(key) = non_blank(event.key.as_ref()) {
        return Some(key.to_owned());
    }
    let values: Vec<&str> = event.key_tuple.iter().flatten().map(|v| v.trim()).collect();
    Some(values.join("|")).filter(|key| values.iter().any(|v| !v.is_empty()) && !key.is_empty())
}

/// A definition field trimmed; `None` when absent, blank or Graylog's `<unknown>`.
fn known<'s>(value: Option<&'s Str<'_>>) -> Option<&'s str> {
    non_blank(value).filter(|v| *v != UNKNOWN)
}

/// The event's priority as urgency and the name Graylog shows for it, through the shared
/// vocabulary: 0 info → low, 1 low, 2 medium, 3 high, 4 critical; other numbers: none.
fn priority(priority: Option<i64>) -> (Option<Urgency>, Option<String>) {
    let Some(priority) = priority else {
        return (None, None);
    };
    let name = match priority {
        0 => "info",
        1 => "low",
        2 => "medium",
        3 => "high",
        4 => "critical",
        other => return (None, Some(other.to_string())),
    };
    (
        severity::built_in(name),
        Some(format!("{name} ({priority})")),
    )
}

fn additional_data(
    notification: &Notification<'_>,
    event: &EventDto<'_>,
    definition_id: &str,
    key: Option<&str>,
    priority: Option<&str>,
) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    let message = non_blank(event.message.as_ref())
        .filter(|m| Some(*m) != known(notification.event_definition_title.as_ref()));
    for (label, value) in [
        ("Message", message),
        (
            "Event definition",
            known(notification.event_definition_title.as_ref()),
        ),
        ("Event definition ID", Some(definition_id)),
        (
            "Event definition type",
            known(notification.event_definition_type.as_ref())
                .or_else(|| non_blank(event.event_definition_type.as_ref())),
        ),
        ("Key", key),
        ("Priority", priority),
        ("Source", non_blank(event.source.as_ref())),
        ("Event ID", non_blank(event.id.as_ref())),
        ("Origin", non_blank(event.origin_context.as_ref())),
        (
            "Remediation steps",
            known(notification.remediation_steps.as_ref()),
        ),
    ] {
        if let Some(value) = value {
            data.push(AdditionalData::text(label, value));
        }
    }
    for (label, value) in [
        ("Event at", &event.timestamp),
        ("Time range start", &event.timerange_start),
        ("Time range end", &event.timerange_end),
    ] {
        if let Some(value) = non_blank(value.as_ref()) {
            data.push(AdditionalData::datetime(label, value));
        }
    }
    if let Some(count) = notification
        .backlog
        .as_ref()
        .map(Vec::len)
        .filter(|n| *n > 0)
    {
        data.push(AdditionalData::text("Backlog messages", count.to_string()));
    }
    data.extend(event.fields.map(object_as_data).unwrap_or_default());
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_use_the_shared_vocabulary() {
        assert_eq!(
            priority(Some(0)),
            (Some(Urgency::Low), Some("info (0)".to_owned()))
        );
        assert_eq!(
            priority(Some(1)),
            (Some(Urgency::Low), Some("low (1)".to_owned()))
        );
        assert_eq!(
            priority(Some(2)),
            (Some(Urgency::Medium), Some("medium (2)".to_owned()))
        );
        assert_eq!(
            priority(Some(3)),
            (Some(Urgency::High), Some("high (3)".to_owned()))
        );
        assert_eq!(
            priority(Some(4)),
            (Some(Urgency::Critical), Some("critical (4)".to_owned()))
        );
        assert_eq!(priority(Some(9)), (None, Some("9".to_owned())));
        assert_eq!(priority(None), (None, None));
    }
}
