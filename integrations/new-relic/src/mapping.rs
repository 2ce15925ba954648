//! Either shape → its event. Pure functions over the mirrored payload; the mapping table is in
//! the adapter's README.

use pager_core::template::{Lenient, Value, epoch_millis_to_rfc3339};
use pager_core::{Action, AdditionalData, DataFormat, Error, Event, Meta, Urgency};

use crate::payload::{LegacyBody, UNFILLED, WorkflowBody};

/// A field's text; `None` when absent, blank or unfilled.
fn text<'p>(field: &'p Lenient<'_>) -> Option<&'p str> {
    field.filled(UNFILLED)
}

/// A field's text in upper case, or `""`: for enum-like fields.
fn upper(field: &Lenient<'_>) -> String {
    text(field).unwrap_or_default().to_ascii_uppercase()
}

/// The id at `key` (`source` names the template variable that fills it, for the error).
fn required<'p>(id: Option<&'p Value<'_>>, key: &str, source: &str) -> Result<&'p str, Error> {
    id.and_then(|id| id.filled(UNFILLED))
        .ok_or_else(|| Error::invalid(key, format!("missing or empty: {source}")))
}

/// The event, with the shape it was read from and why it is `other`.
fn finish(event: Event, shape: &'static str, reason: Option<String>) -> Event {
    event.with_meta(
        Meta::new()
            .with("shape", shape)
            .with_optional("reason", reason),
    )
}

/// The workflow default template.
pub(crate) fn workflow(payload: &WorkflowBody<'_>) -> Result<Event, Error> {
    let id = required(
        payload.id.as_ref(),
        "id",
        "the workflow template's {{ json issueId }}",
    )?;
    let state = upper(&payload.state);
    let trigger = upper(&payload.trigger);
    // An acknowledgement arrives as the ACKNOWLEDGED trigger ("Notify when: Acknowledged"),
    // with the issue's state still ACTIVATED.
    let (action, reason) = if trigger == "ACKNOWLEDGED" || state == "ACKNOWLEDGED" {
        (Action::Acknowledge, None)
    } else {
        match state.as_str() {
            "CREATED" | "ACTIVATED" => (Action::Create, None),
            "CLOSED" => (Action::Resolve, None),
            "" => (Action::Other, Some("no state".to_owned())),
            other => (
                Action::Other,
                Some(format!("issue state {other} is not a state change")),
            ),
        }
    };
    let title = text(&payload.title).map_or_else(|| format!("New Relic issue {id}"), str::to_owned);
    let urgency = match upper(&payload.priority).as_str() {
        "CRITICAL" => Some(Urgency::Critical),
        "HIGH" => Some(Urgency::High),
        "MEDIUM" => Some(Urgency::Medium),
        "LOW" => Some(Urgency::Low),
        _ => None,
    };
    let mut data = Vec::new();
    if let Some(url) = text(&payload.issue_url) {
        data.extend(AdditionalData::link("Issue", url));
    }
    for (label, field) in [
        ("Priority", &payload.priority),
        ("State", &payload.state),
        ("Trigger", &payload.trigger),
        ("Workflow", &payload.workflow_name),
        ("Total incidents", &payload.total_incidents),
        ("Acknowledged by", &payload.acknowledged_by),
    ] {
        if let Some(value) = text(field) {
            data.push(AdditionalData::text(label, value));
        }
    }
    for (label, list) in [
        ("Policies", &payload.alert_policy_names),
        ("Conditions", &payload.alert_condition_names),
        ("Impacted entities", &payload.impacted_entities),
    ] {
        let names = list.names().collect::<Vec<_>>();
        if !names.is_empty() {
            data.push(AdditionalData::text(label, names.join(", ")));
        }
    }
    if let Some(at) = text(&payload.created_at).and_then(epoch_millis_to_rfc3339) {
        data.push(AdditionalData::datetime("Created at", at));
    }
    let tags = [
        ("policy", &payload.alert_policy_names),
        ("entity", &payload.impacted_entities),
        ("source", &payload.sources),
    ]
    .into_iter()
    .flat_map(|(prefix, list)| list.names().map(move |name| format!("{prefix}:{name}")))
    .collect();
    let description = payload
        .alert_condition_names
        .names()
        .collect::<Vec<_>>()
        .join("\n");
    let event = Event::new(action, id, title)
        .with_description((!description.is_empty()).then_some(description))
        .with_urgency(urgency)
        .with_tags(tags)
        .with_additional_data(data);
    Ok(finish(event, "workflow", reason))
}

/// The legacy notification-channel incident webhook.
pub(crate) fn legacy(payload: &LegacyBody<'_>) -> Result<Event, Error> {
    let id = required(
        payload.incident_id.as_ref(),
        "incident_id",
        "the legacy payload's $INCIDENT_ID",
    )?;
    let state = upper(&payload.current_state);
    let event_type = upper(&payload.event_type);
    let (action, reason) = match (state.as_str(), event_type.as_str()) {
        ("OPEN", _) | (_, "INCIDENT_OPEN") => (Action::Create, None),
        ("ACKNOWLEDGED", _) | (_, "INCIDENT_ACKNOWLEDGED") => (Action::Acknowledge, None),
        ("CLOSED", _) | (_, "INCIDENT_RESOLVED" | "INCIDENT_CLOSED") => (Action::Resolve, None),
        _ => (
            Action::Other,
            Some(format!(
                "current_state {state:?} / event_type {event_type:?} is not a state change"
            )),
        ),
    };
    let title = text(&payload.condition_name)
        .or_else(|| text(&payload.details))
        .map_or_else(|| format!("New Relic incident {id}"), str::to_owned);
    let urgency = match upper(&payload.severity).as_str() {
        "CRITICAL" => Some(Urgency::Critical),
        "WARNING" => Some(Urgency::Medium),
        "INFO" => Some(Urgency::Low),
        _ => None,
    };
    let mut data = Vec::new();
    for (label, field) in [
        ("Incident", &payload.incident_url),
        ("Runbook", &payload.runbook_url),
        ("Policy", &payload.policy_url),
    ] {
        if let Some(url) = text(field) {
            data.extend(AdditionalData::link(label, url));
        }
    }
    if let Some(chart) = text(&payload.violation_chart_url).filter(|u| pager_core::is_http_url(u)) {
        data.push(AdditionalData::new(DataFormat::Img, "Chart", chart));
    }
    for (label, field) in [
        ("Account", &payload.account_name),
        ("Policy name", &payload.policy_name),
        ("Severity", &payload.severity),
        ("State", &payload.current_state),
        ("Owner", &payload.owner),
        ("Duration (ms)", &payload.duration),
    ] {
        if let Some(value) = text(field) {
            data.push(AdditionalData::text(label, value));
        }
    }
    let tags = text(&payload.policy_name)
        .map(|p| vec![format!("policy:{p}")])
        .unwrap_or_default();
    let event = Event::new(action, format!("incident:{id}"), title)
        .with_description(text(&payload.details).map(str::to_owned))
        .with_urgency(urgency)
        .with_tags(tags)
        .with_additional_data(data);
    Ok(finish(event, "legacy", reason))
}
