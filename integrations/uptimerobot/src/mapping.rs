//! The notification's variables → its event. Pure functions; the mapping table is in the
//! adapter's README.

use pager_core::template::{Fields, epoch_seconds_to_rfc3339};
use pager_core::{Action, AdditionalData, Error, Event, Meta, Urgency};

use crate::{Config, SslExpiry};

/// What UptimeRobot says happened, from `alertType` (else `alertTypeFriendlyName`).
enum Kind<'a> {
    Down,
    Up,
    SslExpiry,
    Unknown(&'a str),
    Missing,
}

fn kind<'a>(fields: &'a Fields<'_>) -> Kind<'a> {
    match fields.get("alertType") {
        Some("1") => Kind::Down,
        Some("2") => Kind::Up,
        Some("3") => Kind::SslExpiry,
        Some(other) => Kind::Unknown(other),
        None => match fields.get("alertTypeFriendlyName") {
            Some(name) if name.eq_ignore_ascii_case("down") => Kind::Down,
            Some(name) if name.eq_ignore_ascii_case("up") => Kind::Up,
            Some(other) => Kind::Unknown(other),
            None => Kind::Missing,
        },
    }
}

/// The one event a notification stands for.
pub(crate) fn event(config: &Config, fields: &Fields<'_>) -> Result<Event, Error> {
    let Some(monitor_id) = fields.get("monitorID") else {
        return Err(Error::invalid(
            "monitorID",
            "missing: the notification needs *monitorID* (see the README for the JSON template)",
        ));
    };
    let name = fields
        .get("monitorFriendlyName")
        .or_else(|| fields.get("monitorURL"))
        .map_or_else(
            || format!("UptimeRobot monitor {monitor_id}"),
            str::to_owned,
        );
    let kind = kind(fields);
    let (action, key, title, urgency, reason) = match kind {
        Kind::Down => (
            Action::Create,
            monitor_id.to_owned(),
            format!("{name} is down"),
            None,
            None,
        ),
        Kind::Up => (
            Action::Resolve,
            monitor_id.to_owned(),
            format!("{name} is up"),
            None,
            None,
        ),
        Kind::SslExpiry => {
            let title = match fields.get("sslExpiryDate") {
                Some(date) => format!("{name}: SSL certificate expires {date}"),
                None => format!("{name}: SSL certificate expiring"),
            };
            let (action, reason) = match config.ssl_expiry {
                SslExpiry::Create => (Action::Create, None),
                SslExpiry::Other => (
                    Action::Other,
                    Some("SSL expiry notifications are configured as other".to_owned()),
                ),
            };
            (
                action,
                format!("ssl:{monitor_id}"),
                title,
                Some(Urgency::Low),
                reason,
            )
        }
        Kind::Unknown(other) => (
            Action::Other,
            monitor_id.to_owned(),
            format!("{name}: {other}"),
            None,
            Some(format!("alertType {other:?} is not a monitor state change")),
        ),
        Kind::Missing => (
            Action::Other,
            monitor_id.to_owned(),
            name,
            None,
            Some("no alertType or alertTypeFriendlyName".to_owned()),
        ),
    };
    let event = Event::new(action, key, title)
        .with_description(fields.get("alertDetails").map(str::to_owned))
        .with_urgency(urgency)
        .with_additional_data(additional_data(fields))
        .with_meta(
            Meta::new()
                .with_optional("alert_type", fields.get("alertType").map(str::to_owned))
                .with_optional("reason", reason),
        );
    Ok(event)
}

fn additional_data(fields: &Fields<'_>) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    if let Some(link) = fields
        .get("monitorURL")
        .and_then(|url| AdditionalData::link("Monitor URL", url))
    {
        data.push(link);
    }
    for (label, key) in [
        ("Monitor", "monitorFriendlyName"),
        ("Monitor ID", "monitorID"),
        ("Alert type", "alertTypeFriendlyName"),
        ("SSL expiry date", "sslExpiryDate"),
        ("SSL days left", "sslExpiryDaysLeft"),
    ] {
        if let Some(value) = fields.get(key) {
            data.push(AdditionalData::text(label, value));
        }
    }
    // A down notification has no duration yet; an up one says how long the monitor was down.
    if let Some(duration) = fields
        .get("alertFriendlyDuration")
        .map(str::to_owned)
        .or_else(|| fields.get("alertDuration").map(|s| format!("{s} s")))
    {
        data.push(AdditionalData::text("Duration", duration));
    }
    // `*alertDateTime*`: epoch seconds.
    if let Some(at) = fields
        .get("alertDateTime")
        .and_then(epoch_seconds_to_rfc3339)
    {
        data.push(AdditionalData::datetime("Alert at", at));
    }
    data
}
