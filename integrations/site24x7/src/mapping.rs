//! The alarm's parameters → its event. Pure functions; the mapping table is in the adapter's
//! README.

use pager_core::template::epoch_millis_to_rfc3339;
use pager_core::text::url_without_secrets;
use pager_core::{Action, AdditionalData, Error, Event, Meta, Urgency};

use crate::payload::Params;
use crate::{Config, Treatment};

/// The one event an alarm stands for.
pub(crate) fn event(config: &Config, params: &Params<'_>) -> Result<Event, Error> {
    // `MONITORID` is how some third-party guides spell it; Site24x7 sends `MONITOR_ID`.
    let Some(monitor_id) = params.get("MONITOR_ID").or_else(|| params.get("MONITORID")) else {
        return Err(Error::invalid(
            "MONITOR_ID",
            "missing, blank, or not a string or number: the alarm needs MONITOR_ID (turn on \"Send Incident Parameters\")",
        ));
    };
    // The monitored URL may carry credentials (`user:pw@`, `?token=`): never shown with them.
    let name = params.get("MONITORNAME").map_or_else(
        || match params.get("MONITORURL") {
            Some(url) => url_without_secrets(url).into_owned(),
            None => format!("Site24x7 monitor {monitor_id}"),
        },
        str::to_owned,
    );
    let status = params.get("STATUS");
    let (action, urgency, reason) = action(config, status);
    let title = match status {
        Some(status) => format!("{name} is {status}"),
        None => name,
    };
    let mut tags = params.list("TAGS");
    for tag in params.list("GROUP_TAGS") {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let event = Event::new(action, monitor_id, title)
        .with_description(
            params
                .get("INCIDENT_REASON")
                .or_else(|| params.get("INCIDENT_DETAILS"))
                .map(str::to_owned),
        )
        .with_urgency(urgency)
        .with_tags(tags)
        .with_additional_data(additional_data(params))
        .with_meta(
            Meta::new()
                .with_optional("status", status)
                .with_optional("reason", reason),
        );
    Ok(event)
}

/// `STATUS` (any case) → the action, its urgency, and why when it is `other`.
fn action(config: &Config, status: Option<&str>) -> (Action, Option<Urgency>, Option<String>) {
    let Some(status) = status else {
        return (Action::Other, None, Some("no STATUS".to_owned()));
    };
    let treat = |treatment: Treatment, urgency: Urgency| match treatment {
        Treatment::Create => (Action::Create, Some(urgency), None),
        Treatment::Other => (
            Action::Other,
            None,
            Some(format!("{status} alarms are configured as other")),
        ),
    };
    match status.to_ascii_uppercase().as_str() {
        "DOWN" => (Action::Create, Some(Urgency::Critical), None),
        "CRITICAL" => treat(config.critical, Urgency::High),
        "TROUBLE" => treat(config.trouble, Urgency::Medium),
        "UP" => (Action::Resolve, None, None),
        _ => (
            Action::Other,
            None,
            Some(format!(
                "STATUS {status:?} is not DOWN, CRITICAL, TROUBLE or UP"
            )),
        ),
    }
}

fn additional_data(params: &Params<'_>) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    for (label, key) in [
        ("Site24x7 monitor", "MONITOR_DASHBOARD_LINK"),
        ("Monitor URL", "MONITORURL"),
        ("Root cause analysis", "RCA_LINK"),
    ] {
        if let Some(link) = params
            .get(key)
            // Site24x7's own links need their query and fragment; the monitored URL is the
            // user's and may carry credentials.
            .map(|url| match key {
                "MONITORURL" => url_without_secrets(url),
                _ => url.into(),
            })
            .and_then(|url| AdditionalData::link(label, &url))
        {
            data.push(link);
        }
    }
    for (label, key) in [
        ("Monitor", "MONITORNAME"),
        ("Monitor type", "MONITORTYPE"),
        ("Monitor group", "MONITOR_GROUPNAME"),
        ("Status", "STATUS"),
        ("Failed locations", "FAILED_LOCATIONS"),
        ("Details", "INCIDENT_DETAILS"),
        ("Incident time", "INCIDENT_TIME"),
    ] {
        if let Some(value) = params.get(key) {
            data.push(AdditionalData::text(label, value));
        }
    }
    if let Some(at) = incident_at(params) {
        data.push(AdditionalData::datetime("Incident at", at));
    }
    data
}

/// When the incident began, as RFC 3339 UTC: `OUTAGE_TIME_UNIX_FORMAT` (epoch milliseconds),
/// else `INCIDENT_TIME_ISO` (`2024-01-17T20:21:35-0800`: ISO 8601 with an offset written
/// without a colon, which RFC 3339 does not allow).
fn incident_at(params: &Params<'_>) -> Option<String> {
    params
        .get("OUTAGE_TIME_UNIX_FORMAT")
        .and_then(epoch_millis_to_rfc3339)
        .or_else(|| {
            let iso = params.get("INCIDENT_TIME_ISO")?;
            let at = chrono::DateTime::parse_from_str(iso, "%Y-%m-%dT%H:%M:%S%z").ok()?;
            Some(
                at.with_timezone(&chrono::Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            )
        })
}
