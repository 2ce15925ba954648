//! A filled-in template → its event. Pure functions over the payload; the mapping table is in
//! the adapter's README.

use pager_core::severity::UrgencyMap;
use pager_core::template::epoch_millis_to_rfc3339;
use pager_core::{Action, AdditionalData, DataFormat, Error, Event, Meta, Urgency};

use crate::payload::Payload;
use crate::{Config, Treatment};

/// The one event a notification stands for.
pub(crate) fn event(config: &Config, payload: &Payload<'_>) -> Result<Event, Error> {
    let cycle = payload.get("alert_cycle_key");
    let monitor_key = payload
        .get("alert_id")
        .map(|id| match payload.get("alert_scope") {
            Some(scope) => format!("monitor:{id}:{scope}"),
            None => format!("monitor:{id}"),
        });
    let Some(key) = payload
        .get("aggreg_key")
        .map(str::to_owned)
        .or_else(|| cycle.map(str::to_owned))
        .or_else(|| monitor_key.clone())
    else {
        return Err(Error::invalid(
            "aggreg_key",
            "missing: the payload needs $AGGREG_KEY, $ALERT_CYCLE_KEY or $ALERT_ID (see the README's template)",
        ));
    };
    let (action, reason) = action(config, payload.get("alert_transition"));
    let title = payload
        .get("alert_title")
        .or_else(|| payload.get("event_title"))
        .map_or_else(
            || {
                format!(
                    "Datadog monitor {}",
                    payload.get("alert_id").unwrap_or("alert")
                )
            },
            str::to_owned,
        );
    let tags = payload
        .get("tags")
        .map(pager_core::text::comma_list)
        .unwrap_or_default();
    let mut event = Event::new(action, key, title)
        .with_description(
            payload
                .get("event_msg")
                .or_else(|| payload.get("text_only_msg"))
                .map(str::to_owned),
        )
        .with_urgency(urgency(payload))
        .with_tags(tags)
        .with_additional_data(additional_data(payload));
    for extra in [cycle.map(str::to_owned), monitor_key]
        .into_iter()
        .flatten()
    {
        event = event.with_dedup_key(extra);
    }
    Ok(event.with_meta(Meta::new().with_optional("reason", reason)))
}

/// `$ALERT_TRANSITION` → the action, and why when it is `other`.
fn action(config: &Config, transition: Option<&str>) -> (Action, Option<String>) {
    let Some(transition) = transition else {
        return (Action::Other, Some("no alert_transition".to_owned()));
    };
    match transition.to_ascii_lowercase().as_str() {
        "triggered" | "re-triggered" | "renotify" => (Action::Create, None),
        "recovered" => (Action::Resolve, None),
        "warn" | "re-warn" => treat(config.warn, transition),
        "no data" | "re-no data" => treat(config.no_data, transition),
        _ => (
            Action::Other,
            Some(format!(
                "alert_transition {transition:?} is not a monitor state change"
            )),
        ),
    }
}

fn treat(treatment: Treatment, transition: &str) -> (Action, Option<String>) {
    match treatment {
        Treatment::Create => (Action::Create, None),
        Treatment::Other => (
            Action::Other,
            Some(format!(
                "{transition} notifications are configured as other"
            )),
        ),
    }
}

/// `$ALERT_PRIORITY` (P1–P5, read with pagerhook's severity vocabulary), else `$ALERT_TYPE`.
fn urgency(payload: &Payload<'_>) -> Option<Urgency> {
    let by_priority = payload
        .get("alert_priority")
        .and_then(|p| UrgencyMap::default().get(p));
    by_priority.or_else(
        || match payload.get("alert_type")?.to_ascii_lowercase().as_str() {
            "error" => Some(Urgency::High),
            "warning" => Some(Urgency::Medium),
            "info" | "success" => Some(Urgency::Low),
            _ => None,
        },
    )
}

fn additional_data(payload: &Payload<'_>) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    if let Some(link) = payload
        .get("link")
        .and_then(|l| AdditionalData::link("Datadog event", l))
    {
        data.push(link);
    }
    if let Some(snapshot) = payload
        .get("snapshot")
        .filter(|s| pager_core::is_http_url(s))
    {
        data.push(AdditionalData::new(DataFormat::Img, "Snapshot", snapshot));
    }
    for (label, key) in [
        ("Monitor", "alert_id"),
        ("Transition", "alert_transition"),
        ("Priority", "alert_priority"),
        ("Event priority", "priority"),
        ("Status", "alert_status"),
        ("Scope", "alert_scope"),
        ("Metric", "alert_metric"),
        ("Query", "alert_query"),
        ("Host", "hostname"),
        ("Organization", "org_name"),
    ] {
        if let Some(value) = payload.get(key) {
            data.push(AdditionalData::text(label, value));
        }
    }
    // `$DATE`: epoch milliseconds.
    if let Some(at) = payload.get("date").and_then(epoch_millis_to_rfc3339) {
        data.push(AdditionalData::datetime("Event at", at));
    }
    data
}
