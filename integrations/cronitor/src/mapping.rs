//! A webhook → its event. Pure functions over the payload; the mapping table is in the
//! adapter's README.

use pager_core::json::non_blank;
use pager_core::{Action, AdditionalData, Error, Event, Meta};

use crate::payload::Alert;

/// The one event a webhook stands for.
pub(crate) fn event(alert: &Alert<'_>) -> Result<Event, Error> {
    let Some(key) = non_blank(alert.id.as_ref()) else {
        return Err(Error::invalid(
            "id",
            "missing or empty: the monitor's unique key identifies the alert",
        ));
    };
    let environment = non_blank(alert.environment.as_ref());
    // A monitor alerts and recovers in each environment on its own.
    let thirdparty_id = match environment {
        Some(environment) => format!("{key}:{environment}"),
        None => key.to_owned(),
    };
    let (action, reason) = match non_blank(alert.kind.as_ref()) {
        Some(kind) if kind.eq_ignore_ascii_case("alert") => (Action::Create, None),
        Some(kind) if kind.eq_ignore_ascii_case("recovery") => (Action::Resolve, None),
        Some(kind) => (
            Action::Other,
            Some(format!("type {kind:?} is neither ALERT nor RECOVERY")),
        ),
        None => (
            Action::Other,
            Some(
                "no type: alert and recovery cannot be told apart (Cronitor's older webhook format)"
                    .to_owned(),
            ),
        ),
    };
    let name = non_blank(alert.monitor.as_ref()).unwrap_or(key);
    let title = match environment {
        Some(environment) => format!("{name} ({environment})"),
        None => name.to_owned(),
    };
    let event = Event::new(action, thirdparty_id, title)
        .with_description(non_blank(alert.description.as_ref()).map(str::to_owned))
        .with_additional_data(additional_data(alert));
    Ok(event.with_meta(Meta::new().with_optional("reason", reason)))
}

fn additional_data(alert: &Alert<'_>) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    for (label, url) in [
        ("Cronitor issue", non_blank(alert.issue_url.as_ref())),
        ("Cronitor monitor", non_blank(alert.monitor_url.as_ref())),
    ] {
        if let Some(link) = url.and_then(|url| AdditionalData::link(label, url)) {
            data.push(link);
        }
    }
    for (label, value) in [
        ("Monitor key", non_blank(alert.id.as_ref())),
        ("Monitor", non_blank(alert.monitor.as_ref())),
        ("Type", non_blank(alert.kind.as_ref())),
        ("Rule", non_blank(alert.rule.as_ref())),
        ("Environment", non_blank(alert.environment.as_ref())),
        ("Group", non_blank(alert.group.as_ref())),
    ] {
        if let Some(value) = value {
            data.push(AdditionalData::text(label, value));
        }
    }
    data
}
