//! A filled-in body → its event. Pure functions over the payload; the mapping table is in the
//! adapter's README.

use pager_core::{Action, AdditionalData, Error, Event, Meta};

use crate::Config;
use crate::payload::{Notification, UNFILLED};

/// The one event a notification stands for.
pub(crate) fn event(config: &Config, body: &Notification<'_>) -> Result<Event, Error> {
    let Some(check) = body.check_id.as_ref().and_then(|id| id.filled(UNFILLED)) else {
        return Err(Error::invalid(
            "check_id",
            "missing or empty: the body needs \"check_id\": \"$CODE\" (see the README's template)",
        ));
    };
    let status = body.status.filled(UNFILLED);
    let (action, reason) = match status.map(str::to_ascii_lowercase).as_deref() {
        Some("down") => (Action::Create, None),
        Some("up") => (Action::Resolve, None),
        Some(other) => (
            Action::Other,
            Some(format!("status {other:?} is neither down nor up")),
        ),
        None => (
            Action::Other,
            Some("no status: the body needs \"status\": \"$STATUS\"".to_owned()),
        ),
    };
    let name = body
        .name
        .filled(UNFILLED)
        .or_else(|| body.slug.filled(UNFILLED));
    let title = match (name, action) {
        (Some(name), Action::Create) => format!("{name} is down"),
        (Some(name), Action::Resolve) => format!("{name} is up"),
        (Some(name), _) => name.to_owned(),
        (None, _) => format!("Healthchecks check {check}"),
    };
    let tags = body
        .tags
        .filled(UNFILLED)
        .map(|tags| tags.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let event = Event::new(action, check, title)
        .with_description(body.ping_body.filled(UNFILLED).map(str::to_owned))
        .with_tags(tags)
        .with_additional_data(additional_data(config, check, body));
    Ok(event.with_meta(Meta::new().with_optional("reason", reason)))
}

fn additional_data(config: &Config, check: &str, body: &Notification<'_>) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    // The details page exists only for a check's UUID; a custom `check_id` gets no link.
    if is_uuid(check)
        && let Some(link) = AdditionalData::link(
            "Healthchecks check",
            &format!("{}/checks/{check}/details/", config.site_url),
        )
    {
        data.push(link);
    }
    for (label, value) in [
        ("Check", body.name.filled(UNFILLED)),
        ("Slug", body.slug.filled(UNFILLED)),
        ("Status", body.status.filled(UNFILLED)),
        // -1: the last ping reported no exit status.
        (
            "Exit status",
            body.exitstatus.filled(UNFILLED).filter(|s| *s != "-1"),
        ),
    ] {
        if let Some(value) = value {
            data.push(AdditionalData::text(label, value));
        }
    }
    if let Some(now) = body.now.filled(UNFILLED) {
        data.push(AdditionalData::datetime("Changed at", now));
    }
    data
}

/// `8-4-4-4-12` hex digits, as Healthchecks writes a check's code.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}
