//! A webhook → its event. Pure functions over the payload; the mapping table is in the
//! adapter's README.

use pager_core::json::Str;
use pager_core::{Action, AdditionalData, Error, Event, Meta};

use crate::payload::Alert;

/// The one event a webhook stands for.
pub(crate) fn event(alert: &Alert<'_>) -> Result<Event, Error> {
    let Some(key) = text(alert.id.as_ref()) else {
        return Err(Error::invalid(
            "id",
            "missing or empty: the monitor's unique key identifies the alert",
        ));
    };
    let environment = text(alert.environment.as_ref());
    // A monitor alerts and recovers in each environment on its own.
    let thirdparty_id = match environment {
        Some(environment) => format!("{key}:{environment}"),
        None => key.to_owned(),
    };
    let (action, reason) = match text(alert.kind.as_ref()) {
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
    let name = text(alert.monitor.as_ref()).unwrap_or(key);
    let title = match environment {
        Some(environment) => format!("{name} ({environment})"),
        None => name.to_owned(),
    };
    let event = Event::new(action, thirdparty_id, title)
        .with_description(text(alert.description.as_ref()).map(str::to_owned))
        .with_additional_data(additional_data(alert));
    Ok(event.with_meta(Meta::new().with_optional("reason", reason)))
}

/// A string trimmed; `None` when absent or blank.
fn text<'s>(value: Option<&'s Str<'_>>) -> Option<&'s str> {
    value.map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn additional_data(alert: &Alert<'_>) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    for (label, url) in [
        ("Cronitor issue", text(alert.issue_url.as_ref())),
        ("Cronitor monitor", text(alert.monitor_url.as_ref())),
    ] {
        if let Some(link) = url.and_then(|url| AdditionalData::link(label, url)) {
            data.push(link);
        }
    }
    for (label, value) in [
        ("Monitor key", text(alert.id.as_ref())),
        ("Monitor", text(alert.monitor.as_ref())),
        ("Type", text(alert.kind.as_ref())),
        ("Rule", text(alert.rule.as_ref())),
        ("Environment", text(alert.environment.as_ref())),
        ("Group", text(alert.group.as_ref())),
    ] {
        if let Some(value) = value {
            data.push(AdditionalData::text(label, value));
        }
    }
    data
}
