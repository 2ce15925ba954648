//! A notification → its event. Pure functions over the payload; the mapping table is in the
//! adapter's README.

use std::collections::BTreeMap;

use pager_core::json::{Str, non_blank, raw_text};
use pager_core::template::{Value, epoch_seconds_to_rfc3339};
use pager_core::{Action, AdditionalData, Error, Event, Meta};
use serde_json::value::RawValue;

use crate::payload::{Documentation, Incident, Labels, Notification};

/// The one event a notification stands for.
pub(crate) fn event(body: &Notification<'_>) -> Result<Event, Error> {
    let Some(incident) = body.incident.as_deref() else {
        return Err(Error::invalid(
            "incident",
            "missing: not a Cloud Monitoring incident notification",
        ));
    };
    let Some(id) = non_blank(incident.id.as_ref()) else {
        return Err(Error::invalid(
            "incident.incident_id",
            "missing or empty: the incident's id identifies the alert",
        ));
    };
    let version = non_blank(body.version.as_ref());
    let state = non_blank(incident.state.as_ref());
    let (action, reason) = match state {
        // The console's "Send test notification" posts an open incident that never closes.
        _ if version.is_some_and(|v| v.eq_ignore_ascii_case("test")) => (
            Action::Other,
            Some("a test notification (version \"test\")".to_owned()),
        ),
        Some(state) if state.eq_ignore_ascii_case("open") => (Action::Create, None),
        Some(state) if state.eq_ignore_ascii_case("closed") => (Action::Resolve, None),
        Some(state) => (
            Action::Other,
            Some(format!("state {state:?} is neither open nor closed")),
        ),
        None => (
            Action::Other,
            Some("no state: the incident is neither open nor closed".to_owned()),
        ),
    };
    let severity = non_blank(incident.severity.as_ref());
    // Critical, Error and Warning are words of the shared vocabulary; "No severity" is not, so
    // the host's default applies.
    let urgency = severity.and_then(|s| pager_core::severity::built_in(&s.to_ascii_lowercase()));
    let tags = incident
        .policy_user_labels
        .iter()
        .flatten()
        .filter_map(|(key, value)| {
            let key = key.trim();
            (!key.is_empty()).then(|| match value.trim() {
                "" => key.to_owned(),
                value => format!("{key}:{value}"),
            })
        })
        .collect();
    let event = Event::new(action, id, title(id, incident))
        .with_description(non_blank(incident.summary.as_ref()).map(str::to_owned))
        .with_urgency(urgency)
        .with_tags(tags)
        .with_additional_data(additional_data(incident))
        .with_meta(
            Meta::new()
                .with_optional("version", version)
                .with_optional("state", state)
                .with_optional("severity", severity)
                .with_optional("reason", reason),
        );
    Ok(event)
}

/// `<policy> on <resource>`, as much of it as was sent.
fn title(id: &str, incident: &Incident<'_>) -> String {
    let resource = non_blank(incident.resource_display_name.as_ref())
        .or_else(|| non_blank(incident.resource_name.as_ref()));
    match (non_blank(incident.policy_name.as_ref()), resource) {
        (Some(policy), Some(resource)) => format!("{policy} on {resource}"),
        (Some(policy), None) => policy.to_owned(),
        (None, Some(resource)) => format!("Cloud Monitoring incident on {resource}"),
        (None, None) => format!("Cloud Monitoring incident {id}"),
    }
}

fn additional_data(incident: &Incident<'_>) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    for (label, url) in [
        (
            "Cloud Monitoring incident",
            non_blank(incident.url.as_ref()),
        ),
        ("Apigee", non_blank(incident.apigee_url.as_ref())),
    ] {
        if let Some(link) = url.and_then(|url| AdditionalData::link(label, url)) {
            data.push(link);
        }
    }
    let resource = incident.resource.as_deref();
    let metric = incident.metric.as_deref();
    let metadata = incident.metadata.as_deref();
    let (content, subject) = incident
        .documentation
        .map(documentation)
        .unwrap_or_default();
    let texts: [(&'static str, Option<String>); 15] = [
        ("Policy", owned(non_blank(incident.policy_name.as_ref()))),
        (
            "Condition",
            owned(non_blank(incident.condition_name.as_ref())),
        ),
        ("Severity", owned(non_blank(incident.severity.as_ref()))),
        (
            "Resource",
            owned(
                non_blank(incident.resource_display_name.as_ref())
                    .or_else(|| non_blank(incident.resource_name.as_ref())),
            ),
        ),
        (
            "Resource type",
            owned(
                non_blank(incident.resource_type_display_name.as_ref())
                    .or_else(|| resource.and_then(|r| non_blank(r.kind.as_ref()))),
            ),
        ),
        (
            "Resource labels",
            resource
                .and_then(|r| r.labels.as_ref())
                .and_then(labels_text),
        ),
        (
            "Metric",
            owned(metric.and_then(|m| {
                non_blank(m.display_name.as_ref()).or_else(|| non_blank(m.kind.as_ref()))
            })),
        ),
        (
            "Metric labels",
            metric.and_then(|m| m.labels.as_ref()).and_then(labels_text),
        ),
        (
            "System labels",
            metadata
                .and_then(|m| m.system_labels)
                .and_then(raw_labels_text),
        ),
        (
            "User labels",
            metadata
                .and_then(|m| m.user_labels)
                .and_then(raw_labels_text),
        ),
        (
            "Threshold",
            owned(incident.threshold_value.as_ref().and_then(Value::non_blank)),
        ),
        (
            "Observed value",
            owned(incident.observed_value.as_ref().and_then(Value::non_blank)),
        ),
        (
            "Project",
            owned(non_blank(incident.scoping_project_id.as_ref())).or_else(|| {
                owned(
                    incident
                        .scoping_project_number
                        .as_ref()
                        .and_then(Value::non_blank),
                )
            }),
        ),
        ("Subject", subject),
        ("Documentation", content),
    ];
    for (label, text) in texts {
        if let Some(text) = text {
            data.push(AdditionalData::text(label, text));
        }
    }
    data.extend(times(incident));
    data
}

/// When the incident started and ended, as date-times.
fn times<'i>(incident: &'i Incident<'_>) -> impl Iterator<Item = AdditionalData> + 'i {
    [
        ("Started at", incident.started_at.as_ref()),
        ("Ended at", incident.ended_at.as_ref()),
    ]
    .into_iter()
    .filter_map(|(label, at)| {
        // Test notifications send 0 for both.
        at.and_then(Value::non_blank)
            .filter(|at| *at != "0")
            .and_then(epoch_seconds_to_rfc3339)
            .map(|at| AdditionalData::datetime(label, at))
    })
}

fn owned(text: Option<&str>) -> Option<String> {
    text.map(str::to_owned)
}

/// `documentation`'s `(content, subject)`; a plain string (test notifications) is the
/// content. Any other JSON gives nothing (the raw body still has it).
fn documentation(raw: &RawValue) -> (Option<String>, Option<String>) {
    if let Ok(text) = serde_json::from_str::<Str<'_>>(raw.get()) {
        return (owned(non_blank(Some(&text))), None);
    }
    let doc = serde_json::from_str::<Documentation<'_>>(raw.get()).unwrap_or_default();
    (
        owned(non_blank(doc.content.as_ref())),
        owned(non_blank(doc.subject.as_ref())),
    )
}

/// `key=value, …` in key order, as Cloud Monitoring's summaries write labels.
fn labels_text(labels: &Labels<'_>) -> Option<String> {
    let pairs: Vec<String> = labels
        .iter()
        .filter(|(key, _)| !key.trim().is_empty())
        .map(|(key, value)| format!("{}={}", key.trim(), value.trim()))
        .collect();
    (!pairs.is_empty()).then(|| pairs.join(", "))
}

/// As [`labels_text`] for an object whose values may be any JSON (strings as they are, others
/// as their JSON); anything but an object gives nothing.
fn raw_labels_text(raw: &RawValue) -> Option<String> {
    let labels = serde_json::from_str::<BTreeMap<Str<'_>, &RawValue>>(raw.get()).ok()?;
    let pairs: Vec<String> = labels
        .iter()
        .filter(|(key, value)| !key.trim().is_empty() && value.get() != "null")
        .map(|(key, value)| format!("{}={}", key.trim(), raw_text(value).trim()))
        .collect();
    (!pairs.is_empty()).then(|| pairs.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_owned()).unwrap()
    }

    #[test]
    fn documentation_is_an_object_or_a_plain_string() {
        let some = |s: &str| Some(s.to_owned());
        let object = raw(r#"{"content": " Check the disk ", "subject": "ALERT"}"#);
        assert_eq!(
            documentation(&object),
            (some("Check the disk"), some("ALERT"))
        );
        let subject_only = raw(r#"{"content": "", "subject": "ALERT - Error"}"#);
        assert_eq!(documentation(&subject_only), (None, some("ALERT - Error")));
        assert_eq!(
            documentation(&raw(r#""Test documentation""#)),
            (some("Test documentation"), None)
        );
        assert_eq!(documentation(&raw("[1]")), (None, None));
    }

    #[test]
    fn system_labels_of_any_json_type_read_as_text() {
        let labels = raw(r#"{"state": "ACTIVE", "tags": ["a", "b"], "spot": false, "x": null}"#);
        assert_eq!(
            raw_labels_text(&labels).as_deref(),
            Some(r#"spot=false, state=ACTIVE, tags=["a", "b"]"#)
        );
        assert_eq!(raw_labels_text(&raw("{}")), None);
        assert_eq!(raw_labels_text(&raw("\"x\"")), None);
    }
}
