//! A notification → its event. Pure functions over the payload; the mapping table is in the
//! adapter's README.

use pager_core::{Action, AdditionalData, Error, Event, Meta, Urgency};

use crate::payload::Payload;

/// The one event a notification stands for.
pub(crate) fn event(payload: &Payload<'_>) -> Result<Event, Error> {
    let Some(event_id) = payload.get("event_id") else {
        return Err(Error::invalid(
            "event_id",
            "missing or empty: the media type must send {EVENT.ID}",
        ));
    };
    let (action, reason) = action(payload);
    // `title` and `description`: PagerTree's media type names `{ALERT.SUBJECT}` and
    // `{ALERT.MESSAGE}` so.
    let title = payload
        .get("subject")
        .or_else(|| payload.get("title"))
        .or_else(|| payload.get("event_name"))
        .map_or_else(|| format!("Zabbix event {event_id}"), str::to_owned);
    let tags = payload
        .get("event_tags")
        .map(pager_core::text::comma_list)
        .unwrap_or_default();
    Ok(Event::new(action, event_id, title)
        .with_description(
            payload
                .get("message")
                .or_else(|| payload.get("description"))
                .map(str::to_owned),
        )
        .with_urgency(urgency(payload))
        .with_tags(tags)
        .with_additional_data(additional_data(payload))
        .with_meta(Meta::new().with_optional("reason", reason)))
}

/// `{EVENT.NSEVERITY}`: 0 Not classified, 1 Information, 2 Warning, 3 Average, 4 High,
/// 5 Disaster; or, when only the name came, `{EVENT.SEVERITY}`.
fn urgency(payload: &Payload<'_>) -> Option<Urgency> {
    let by_number = match payload.get("event_nseverity") {
        Some("1") => Some(Urgency::Low),
        Some("2" | "3") => Some(Urgency::Medium),
        Some("4") => Some(Urgency::High),
        Some("5") => Some(Urgency::Critical),
        _ => None,
    };
    by_number.or_else(
        || match payload.get("event_severity")?.to_ascii_lowercase().as_str() {
            "information" => Some(Urgency::Low),
            "warning" | "average" => Some(Urgency::Medium),
            "high" => Some(Urgency::High),
            "disaster" => Some(Urgency::Critical),
            _ => None,
        },
    )
}

/// What the notification means, and why when it is `other`.
fn action(payload: &Payload<'_>) -> (Action, Option<String>) {
    match payload.get("event_source") {
        None | Some("0" | "3") => {}
        Some(source) => {
            return (
                Action::Other,
                Some(format!(
                    "event source {source} (discovery or autoregistration) is not a problem"
                )),
            );
        }
    }
    if payload.get("event_update_status") == Some("1") {
        // An update operation (acknowledge, comment, severity change, close) on a problem:
        // it still says event value 1, but must never open a second alert.
        let update = payload
            .get("event_update_action")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let acknowledged = update.split(',').any(|part| part.trim() == "acknowledged");
        return if update.contains("closed") {
            (Action::Resolve, None)
        } else if acknowledged {
            (Action::Acknowledge, None)
        } else {
            (
                Action::Other,
                Some(format!(
                    "problem update: {}",
                    if update.is_empty() {
                        "unspecified"
                    } else {
                        &update
                    }
                )),
            )
        };
    }
    match payload.get("event_value") {
        Some("1") => (Action::Create, None),
        Some("0") => (Action::Resolve, None),
        Some(value) => (
            Action::Other,
            Some(format!(
                "event value {value} is neither 1 (problem) nor 0 (recovery)"
            )),
        ),
        None => (Action::Other, Some("no event value".to_owned())),
    }
}

fn additional_data(payload: &Payload<'_>) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    if let (Some(base), Some(trigger), Some(event)) = (
        payload.get("zabbix_url"),
        payload.get("trigger_id"),
        payload.get("event_id"),
    ) {
        let url = format!(
            "{}/tr_events.php?triggerid={trigger}&eventid={event}",
            base.trim_end_matches('/')
        );
        data.extend(AdditionalData::link("Zabbix event", &url));
    }
    for (label, key) in [
        ("Host", "host_name"),
        ("Host IP", "host_ip"),
        ("Severity", "event_severity"),
        ("Operational data", "event_opdata"),
        ("Acknowledged", "event_ack_status"),
        ("Trigger", "trigger_id"),
    ] {
        if let Some(value) = payload.get(key) {
            data.push(AdditionalData::text(label, value));
        }
    }
    if let Some(date) = payload.get("event_date") {
        let started = match payload.get("event_time") {
            Some(time) => format!("{date} {time}"),
            None => date.to_owned(),
        };
        data.push(AdditionalData::text("Started at", started));
    }
    if payload.get("event_update_status") == Some("1") {
        let update = [
            payload.get("event_update_user"),
            payload.get("event_update_action"),
            payload.get("event_update_message"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ");
        if !update.is_empty() {
            data.push(AdditionalData::text("Update", update));
        }
    }
    data
}
