//! A filled-in payload → its event. Pure functions over the payload; the mapping table is in
//! the adapter's README.

use pager_core::template::Lenient;
use pager_core::text::comma_list;
use pager_core::{Action, AdditionalData, Error, Event, Meta, Urgency};
use serde_json::value::RawValue;

use crate::payload::{Entity, Notification, UNFILLED};

/// The title of the body Dynatrace posts for "Send test notification".
const TEST_TITLE: &str = "Dynatrace problem notification test run";

/// The one event a notification stands for.
pub(crate) fn event(body: &Notification<'_>) -> Result<Event, Error> {
    let Some(pid) = body.pid.as_ref().and_then(|pid| pid.filled(UNFILLED)) else {
        return Err(Error::invalid(
            "PID",
            "missing or empty: the payload needs \"PID\": \"{PID}\" (see the README's template)",
        ));
    };
    let title = filled(&body.title);
    let state = filled(&body.state);
    let (action, reason) = match state.map(str::to_ascii_uppercase).as_deref() {
        _ if title == Some(TEST_TITLE) => (
            Action::Other,
            Some("a test notification (\"Send test notification\")".to_owned()),
        ),
        Some("OPEN") => (Action::Create, None),
        // MERGED: the problem was merged into another one, which carries its events from now
        // on under its own PID; this one is never resolved on its own.
        Some("RESOLVED" | "MERGED") => (Action::Resolve, None),
        Some(other) => (
            Action::Other,
            Some(format!("State {other:?} is none of OPEN, RESOLVED, MERGED")),
        ),
        None => (
            Action::Other,
            Some("no State: the payload needs \"State\": \"{State}\"".to_owned()),
        ),
    };
    let problem_id = filled(&body.problem_id);
    let title = match (title, problem_id) {
        (Some(title), _) => title.to_owned(),
        (None, Some(id)) => format!("Dynatrace problem {id}"),
        (None, None) => format!("Dynatrace problem {pid}"),
    };
    let severity = filled(&body.severity);
    let tags = filled(&body.tags).map(comma_list).unwrap_or_default();
    let event = Event::new(action, pid, title)
        .with_description(
            filled(&body.details)
                .or_else(|| filled(&body.details_html))
                .map(str::to_owned),
        )
        .with_urgency(severity.and_then(urgency))
        .with_tags(tags)
        .with_additional_data(additional_data(problem_id, body))
        .with_meta(
            Meta::new()
                .with_optional("state", state)
                .with_optional("severity", severity)
                .with_optional("impact", filled(&body.impact))
                .with_optional("reason", reason),
        );
    Ok(event)
}

fn filled<'s>(field: &'s Lenient<'_>) -> Option<&'s str> {
    field.filled(UNFILLED)
}

/// Dynatrace's severity levels, most severe first: a problem's severity is the kind of the
/// worst event in it. Custom alerts (user-defined events of any weight) get no urgency.
fn urgency(severity: &str) -> Option<Urgency> {
    match severity.to_ascii_uppercase().as_str() {
        "AVAILABILITY" => Some(Urgency::Critical),
        "ERROR" => Some(Urgency::High),
        "PERFORMANCE" | "RESOURCE_CONTENTION" => Some(Urgency::Medium),
        _ => None,
    }
}

fn additional_data(problem_id: Option<&str>, body: &Notification<'_>) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    let url = filled(&body.url).or_else(|| filled(&body.url_spaced));
    if let Some(link) = url.and_then(|url| AdditionalData::link("Dynatrace problem", url)) {
        data.push(link);
    }
    let entities = body.impacted_entities.and_then(entities_text);
    for (label, value) in [
        ("Problem", problem_id.map(str::to_owned)),
        ("State", filled(&body.state).map(str::to_owned)),
        ("Severity", filled(&body.severity).map(str::to_owned)),
        ("Impact", filled(&body.impact).map(str::to_owned)),
        (
            "Impacted entity",
            filled(&body.impacted_entity).map(str::to_owned),
        ),
        ("Impacted entities", entities),
    ] {
        if let Some(value) = value {
            data.push(AdditionalData::text(label, value));
        }
    }
    data
}

/// `MyHost1 (HOST-XXXXXXXXXXXXX), …` from `{ImpactedEntities}`; anything but an array of
/// objects, or an array of empty ones, gives nothing (the raw body still has it).
fn entities_text(raw: &RawValue) -> Option<String> {
    let items = serde_json::from_str::<Vec<&RawValue>>(raw.get()).ok()?;
    let texts: Vec<String> = items
        .iter()
        .filter_map(|item| serde_json::from_str::<Entity<'_>>(item.get()).ok())
        .filter_map(|entity| {
            match (
                filled(&entity.name),
                filled(&entity.id).or_else(|| filled(&entity.kind)),
            ) {
                (Some(name), Some(id)) => Some(format!("{name} ({id})")),
                (Some(text), None) | (None, Some(text)) => Some(text.to_owned()),
                (None, None) => None,
            }
        })
        .collect();
    (!texts.is_empty()).then(|| texts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_owned()).unwrap()
    }

    #[test]
    fn impacted_entities_read_leniently() {
        let entities = raw(
            r#"[{"type": "HOST", "name": "MyHost1", "entity": "HOST-1"}, {"type": "SERVICE"},
                {}, 7, {"name": ["x"], "entity": "SERVICE-2"}]"#,
        );
        assert_eq!(
            entities_text(&entities).as_deref(),
            Some("MyHost1 (HOST-1), SERVICE, SERVICE-2")
        );
        assert_eq!(entities_text(&raw("\"{ImpactedEntities}\"")), None);
        assert_eq!(entities_text(&raw("[]")), None);
    }

    #[test]
    fn severity_levels_map_most_severe_first() {
        assert_eq!(urgency("AVAILABILITY"), Some(Urgency::Critical));
        assert_eq!(urgency("error"), Some(Urgency::High));
        assert_eq!(urgency("PERFORMANCE"), Some(Urgency::Medium));
        assert_eq!(urgency("RESOURCE_CONTENTION"), Some(Urgency::Medium));
        assert_eq!(urgency("CUSTOM_ALERT"), None);
        assert_eq!(urgency("MONITORING_UNAVAILABLE"), None);
    }
}
