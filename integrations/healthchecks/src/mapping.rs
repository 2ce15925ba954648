//! A filled-in body → its event. Pure functions over the payload; the mapping table is in the
//! adapter's README.

use pager_core::{Action, AdditionalData, Error, Event, Meta};
use sha1::Digest;

use crate::Config;
use crate::payload::{Notification, UNFILLED};

/// The one event a notification stands for.
pub(crate) fn event(config: &Config, body: &Notification<'_>) -> Result<Event, Error> {
    if body.check_id.is_none()
        && let Some(key) = body.incident_key.as_ref().and_then(|k| k.filled(UNFILLED))
    {
        return Ok(pagertree_event(config, key, body));
    }
    let Some(check) = body.check_id.as_ref().and_then(|id| id.filled(UNFILLED)) else {
        return Err(Error::invalid(
            "check_id",
            "missing or empty: the body needs \"check_id\": \"$CODE\" (see the README's template)",
        ));
    };
    let key = unique_key(check);
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
        (None, _) => "Unnamed Healthchecks check".to_owned(),
    };
    let event = Event::new(action, key.as_ref(), title)
        .with_description(body.ping_body.filled(UNFILLED).map(str::to_owned))
        .with_tags(tags(body))
        .with_additional_data(additional_data(config, &key, body));
    Ok(event.with_meta(Meta::new().with_optional("reason", reason)))
}

/// A body from Healthchecks' built-in PagerTree integration: `incident_key` (the check's
/// `unique_key`; older Healthchecks sent its code, read through [`unique_key`] the same as
/// `$CODE`), `event_type` `trigger` or `resolve`, `title`, `description`, `tags`.
fn pagertree_event(config: &Config, key: &str, body: &Notification<'_>) -> Event {
    let key = unique_key(key);
    let event_type = body.event_type.filled(UNFILLED);
    let (action, reason) = match event_type.map(str::to_ascii_lowercase).as_deref() {
        Some("trigger") => (Action::Create, None),
        Some("resolve") => (Action::Resolve, None),
        Some(other) => (
            Action::Other,
            Some(format!(
                "event_type {other:?} is neither trigger nor resolve"
            )),
        ),
        None => (Action::Other, Some("no event_type".to_owned())),
    };
    let title = body
        .title
        .filled(UNFILLED)
        .map_or_else(|| "Unnamed Healthchecks check".to_owned(), str::to_owned);
    Event::new(action, key.as_ref(), title)
        .with_description(body.description.filled(UNFILLED).map(str::to_owned))
        .with_tags(tags(body))
        .with_additional_data(additional_data(config, &key, body))
        .with_meta(Meta::new().with_optional("reason", reason))
}

/// `tags`: separated by spaces (`$TAGS`, and the PagerTree integration today) or commas (the
/// PagerTree integration before 2024).
fn tags(body: &Notification<'_>) -> Vec<String> {
    body.tags
        .filled(UNFILLED)
        .map(|tags| {
            tags.split(|c: char| c.is_whitespace() || c == ',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The key of a check: Healthchecks' own `unique_key` when `code` is a check's UUID (the hex
/// SHA-1 of the first 16 hex digits of the UUID), so the code, which is the check's ping URL
/// and lets anyone who knows it ping the check, is never stored or shown. Healthchecks sends
/// the same `unique_key` to its PagerDuty, Opsgenie and PagerTree integrations, so both body
/// forms key one check alike. Anything else (a `unique_key` already, or a value a custom body
/// put there) is the key as it is.
fn unique_key(code: &str) -> std::borrow::Cow<'_, str> {
    if !is_uuid(code) {
        return std::borrow::Cow::Borrowed(code);
    }
    let hex: String = code
        .chars()
        .filter(|c| *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .take(16)
        .collect();
    std::borrow::Cow::Owned(hex::encode(sha1::Sha1::digest(hex.as_bytes())))
}

/// A check's `unique_key`: 40 lower-case hex digits.
fn is_unique_key(key: &str) -> bool {
    key.len() == 40 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn additional_data(config: &Config, key: &str, body: &Notification<'_>) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    // Healthchecks' cloaked link (`/cloaked/<unique_key>/`): it opens the check for a
    // signed-in member of its project, without the code in the URL. A key that is no
    // `unique_key` (a custom `check_id`) gets no link.
    if is_unique_key(key)
        && let Some(link) = AdditionalData::link(
            "Healthchecks check",
            &format!("{}/cloaked/{key}/", config.site_url),
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
