//! An Opsgenie Alert API request → its normalized event. Pure functions over the path, query
//! and body; the mapping table is in the adapter's README.

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::json::non_blank;
use pager_core::{Action, AdditionalData, Error, Event, Meta, Urgency};

use crate::payload;

/// The Alert API's alert actions besides close and acknowledge: understood, nothing to do.
const OTHER_ACTIONS: &[&str] = &[
    "unacknowledge",
    "snooze",
    "escalate",
    "assign",
    "responders",
    "teams",
    "tags",
    "details",
    "notes",
    "message",
    "description",
    "priority",
];

/// What a request asks for, from its path below the instance and its query.
#[derive(Debug)]
pub(crate) enum Endpoint {
    /// `POST /v2/alerts` (or the instance's own URL): create an alert.
    Create,
    /// `POST /v2/alerts/{identifier}/{verb}`.
    OnAlert {
        identifier: String,
        /// `alias`, `id` or `tiny` (Opsgenie's default when absent is `id`).
        identifier_type: &'static str,
        verb: String,
    },
}

impl Endpoint {
    pub(crate) fn of(uri: &http::Uri) -> Result<Self, Error> {
        let path = uri.path().trim_end_matches('/');
        if path.is_empty() || path == "/v2/alerts" {
            return Ok(Self::Create);
        }
        let unknown = || {
            Error::invalid(
                "the request path",
                format!(
                    "{path:?} is not an endpoint of Opsgenie's Alert API (/v2/alerts, \
                     /v2/alerts/{{identifier}}/close, /v2/alerts/{{identifier}}/acknowledge)"
                ),
            )
        };
        let rest = path.strip_prefix("/v2/alerts/").ok_or_else(unknown)?;
        let (identifier, verb) = rest.split_once('/').ok_or_else(unknown)?;
        if identifier.is_empty()
            || !(verb == "close" || verb == "acknowledge" || OTHER_ACTIONS.contains(&verb))
        {
            return Err(unknown());
        }
        let identifier = percent_encoding::percent_decode_str(identifier)
            .decode_utf8()
            .map_err(|_| {
                Error::invalid(
                    "the request path",
                    "the alert identifier is not UTF-8 once percent-decoded",
                )
            })?
            .into_owned();
        let mut identifier_type = "id";
        for (name, value) in form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
            if name == "identifierType" {
                identifier_type = match value.as_ref() {
                    "alias" => "alias",
                    "id" => "id",
                    "tiny" => "tiny",
                    other => {
                        return Err(Error::invalid(
                            "the query parameter identifierType",
                            format!("{other:?} is not one of alias, id, tiny"),
                        ));
                    }
                };
            }
        }
        Ok(Self::OnAlert {
            identifier,
            identifier_type,
            verb: verb.to_owned(),
        })
    }
}

/// The event a create request stands for.
pub(crate) fn create(raw: &Bytes) -> Result<Event, Error> {
    let Object(body) = pager_core::json::from_slice::<Object<payload::Create<'_>>>(raw)?;
    let Some(message) = non_blank(body.message.as_ref()) else {
        return Err(Error::invalid(
            "message",
            "missing or empty: an alert's message is its title",
        ));
    };
    let (key, key_source) = match non_blank(body.alias.as_ref()) {
        Some(alias) => (alias, "alias"),
        None => (message, "message"),
    };
    let urgency = non_blank(body.priority.as_ref()).map(urgency).transpose()?;
    let mut data = Vec::new();
    for (label, value) in [
        ("Priority", non_blank(body.priority.as_ref())),
        ("Entity", non_blank(body.entity.as_ref())),
        ("Source", non_blank(body.source.as_ref())),
        ("User", non_blank(body.user.as_ref())),
        ("Note", non_blank(body.note.as_ref())),
    ] {
        if let Some(value) = value {
            data.push(text_or_link(label, value));
        }
    }
    data.extend(
        body.details
            .map(pager_core::json::object_as_data)
            .unwrap_or_default(),
    );
    let tags = body
        .tags
        .iter()
        .flatten()
        .filter_map(|t| non_blank(Some(t)))
        .map(str::to_owned)
        .collect();
    let mut meta = Meta::new().with("key_source", key_source);
    if let Some(details) = body.details {
        meta = meta.verbatim("details", raw, details);
    }
    Ok(Event::new(Action::Create, key, message)
        .with_description(non_blank(body.description.as_ref()).map(str::to_owned))
        .with_urgency(urgency)
        .with_tags(tags)
        .with_additional_data(data)
        .with_meta(meta))
}

/// The event a close, acknowledge or other alert action stands for.
pub(crate) fn on_alert(
    raw: &Bytes,
    identifier: String,
    identifier_type: &'static str,
    verb: &str,
) -> Result<Event, Error> {
    // The body is optional for these actions.
    let body = if raw.iter().all(u8::is_ascii_whitespace) {
        payload::Action::default()
    } else {
        pager_core::json::from_slice::<Object<payload::Action<'_>>>(raw)?.0
    };
    let (action, reason) = match verb {
        "close" => (Action::Resolve, None),
        "acknowledge" => (Action::Acknowledge, None),
        other => (
            Action::Other,
            Some(format!("the {other:?} alert action changes no alert state")),
        ),
    };
    let mut data = Vec::new();
    for (label, value) in [
        ("Source", non_blank(body.source.as_ref())),
        ("User", non_blank(body.user.as_ref())),
        ("Note", non_blank(body.note.as_ref())),
    ] {
        if let Some(value) = value {
            data.push(text_or_link(label, value));
        }
    }
    let meta = Meta::new()
        .with("identifier_type", identifier_type)
        .with_optional("reason", reason);
    let title = identifier.clone();
    Ok(Event::new(action, identifier, title)
        .with_additional_data(data)
        .with_meta(meta))
}

/// Opsgenie's priorities: P1 critical … P4 low; P5 ("informational") low as well.
fn urgency(priority: &str) -> Result<Urgency, Error> {
    match priority.to_ascii_uppercase().as_str() {
        "P1" => Ok(Urgency::Critical),
        "P2" => Ok(Urgency::High),
        "P3" => Ok(Urgency::Medium),
        "P4" | "P5" => Ok(Urgency::Low),
        _ => Err(Error::invalid(
            "priority",
            format!("{priority:?} is not one of P1, P2, P3, P4, P5"),
        )),
    }
}

/// An http(s) URL as a link, anything else as text.
fn text_or_link(label: &'static str, value: &str) -> AdditionalData {
    AdditionalData::link(label, value).unwrap_or_else(|| AdditionalData::text(label, value))
}
