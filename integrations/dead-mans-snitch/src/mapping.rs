//! A webhook → its event. Pure functions over the payload; the mapping table is in the
//! adapter's README.

use pager_core::json::non_blank;
use pager_core::{Action, AdditionalData, Error, Event, Meta};
use sha2::{Digest, Sha256};

use crate::payload::{Snitch, Webhook};

/// The one event a webhook stands for.
pub(crate) fn event(webhook: &Webhook<'_>) -> Result<Event, Error> {
    let Some(snitch) = webhook
        .data
        .as_ref()
        .and_then(|data| data.snitch.as_deref())
    else {
        return Err(Error::invalid(
            "data.snitch",
            "missing: a Dead Man's Snitch webhook is about the snitch in data.snitch",
        ));
    };
    let Some(token) = non_blank(snitch.token.as_ref()) else {
        return Err(Error::invalid(
            "data.snitch.token",
            "missing or empty: the snitch's token identifies it",
        ));
    };
    let kind = non_blank(webhook.kind.as_ref());
    let (action, verb, reason) = match kind {
        Some("snitch.missing") => (Action::Create, Some("is missing"), None),
        Some("snitch.errored") => (Action::Create, Some("reported an error"), None),
        Some("snitch.reporting") => (Action::Resolve, Some("is reporting"), None),
        // Paused silences the snitch; it says nothing about whether the job runs again.
        Some("snitch.paused") => (
            Action::Other,
            Some("was paused"),
            Some("a paused snitch sends no alerts until it checks in; the job is not known to run again".to_owned()),
        ),
        Some(other) => (
            Action::Other,
            None,
            Some(format!("type {other:?} is not a snitch state change")),
        ),
        None => (Action::Other, None, Some("no type".to_owned())),
    };
    let name = non_blank(snitch.name.as_ref())
        .unwrap_or("An unnamed snitch")
        .to_owned();
    let title = match verb {
        Some(verb) => format!("{name} {verb}"),
        None => name,
    };
    let tags = snitch
        .tags
        .iter()
        .flatten()
        .filter_map(|tag| non_blank(Some(tag)))
        .map(str::to_owned)
        .collect();
    let event = Event::new(action, snitch_key(token), title)
        .with_description(non_blank(snitch.notes.as_ref()).map(str::to_owned))
        .with_tags(tags)
        .with_additional_data(additional_data(webhook, snitch));
    Ok(event.with_meta(Meta::new().with_optional("reason", reason)))
}

/// The snitch's key: `snitch:` and the first 32 hex digits of the SHA-256 of its token. The
/// token itself is the secret end of the snitch's check-in URL (`https://nosnch.in/<token>`):
/// whoever holds it can check in, so it is kept out of alerts, logs and outgoing webhooks.
fn snitch_key(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut key = String::from("snitch:");
    key.push_str(&hex::encode(
        digest.iter().take(16).copied().collect::<Vec<u8>>(),
    ));
    key
}

fn additional_data(webhook: &Webhook<'_>, snitch: &Snitch<'_>) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    for (label, value) in [
        ("Snitch", non_blank(snitch.name.as_ref())),
        ("Event", non_blank(webhook.kind.as_ref())),
        ("Status", non_blank(snitch.status.as_ref())),
        (
            "Previous status",
            non_blank(snitch.previous_status.as_ref()),
        ),
    ] {
        if let Some(value) = value {
            data.push(AdditionalData::text(label, value));
        }
    }
    if let Some(at) = non_blank(webhook.timestamp.as_ref()) {
        data.push(AdditionalData::datetime("Event at", at));
    }
    data
}
