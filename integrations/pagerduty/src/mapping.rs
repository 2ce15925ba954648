//! A PagerDuty event → its normalized event. Pure functions over the payload; the mapping
//! table is in the adapter's README.

use bytes::Bytes;
use pager_core::json::non_blank;
use pager_core::{Action, AdditionalData, DataFormat, Error, Event, Meta, Urgency};
use sha2::{Digest, Sha256};

use crate::payload::Body;

/// Which of PagerDuty's event APIs a delivery is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// Events API v2: `POST /v2/enqueue`.
    V2,
    /// The v1 generic API: `POST /generic/2010-04-15/create_event.json`.
    V1,
}

impl Api {
    /// The API from the request's path below the instance; for the instance's own URL (`/`),
    /// from the body's fields.
    pub(crate) fn of(path: &str, body: &Body<'_>) -> Result<Self, Error> {
        match path.trim_end_matches('/') {
            "/v2/enqueue" => Ok(Self::V2),
            "/generic/2010-04-15/create_event.json" => Ok(Self::V1),
            "" if body.event_action.is_some() || body.routing_key.is_some() => Ok(Self::V2),
            "" if body.event_type.is_some() || body.service_key.is_some() => Ok(Self::V1),
            "" => Err(Error::invalid(
                "event_action",
                "missing: neither a v2 event (event_action) nor a v1 event (event_type)",
            )),
            other => Err(Error::invalid(
                "the request path",
                format!(
                    "{other:?} is not an endpoint of PagerDuty's Events API (/v2/enqueue, \
                     /generic/2010-04-15/create_event.json)"
                ),
            )),
        }
    }

    /// The key field's name: `dedup_key` (v2) or `incident_key` (v1).
    pub(crate) fn key_field(self) -> &'static str {
        match self {
            Self::V2 => "dedup_key",
            Self::V1 => "incident_key",
        }
    }

    /// The credential in the body: `routing_key` (v2) or `service_key` (v1).
    pub(crate) fn credential<'b>(self, body: &'b Body<'_>) -> Option<&'b str> {
        match self {
            Self::V2 => body.routing_key.as_deref(),
            Self::V1 => body.service_key.as_deref(),
        }
    }
}

/// The action and the dedup key an event stands for, and whether the key was made up here (a
/// trigger without one).
pub(crate) struct Keyed {
    pub action: Action,
    pub key: String,
    pub generated: bool,
}

/// The action and key of `body` (see the README's dedup-key recipe).
pub(crate) fn keyed(api: Api, body: &Body<'_>) -> Result<Keyed, Error> {
    let (field, value) = match api {
        Api::V2 => ("event_action", body.event_action.as_ref()),
        Api::V1 => ("event_type", body.event_type.as_ref()),
    };
    let action = match non_blank(value) {
        Some(a) if a.eq_ignore_ascii_case("trigger") => Action::Create,
        Some(a) if a.eq_ignore_ascii_case("acknowledge") => Action::Acknowledge,
        Some(a) if a.eq_ignore_ascii_case("resolve") => Action::Resolve,
        Some(other) => {
            return Err(Error::invalid(
                field,
                format!("{other:?} is not one of trigger, acknowledge, resolve"),
            ));
        }
        None => {
            return Err(Error::invalid(
                field,
                "missing or empty: one of trigger, acknowledge, resolve",
            ));
        }
    };
    let sent = match api {
        Api::V2 => non_blank(body.dedup_key.as_ref()),
        Api::V1 => non_blank(body.incident_key.as_ref()),
    };
    if let Some(key) = sent {
        return Ok(Keyed {
            action,
            key: key.to_owned(),
            generated: false,
        });
    }
    if action != Action::Create {
        return Err(Error::invalid(
            api.key_field(),
            "missing or empty: an acknowledge or resolve names its alert by this key",
        ));
    }
    // PagerDuty makes up a key for a trigger without one and answers with it; ours must be
    // the same for the same trigger (the adapter is pure), so it is derived from the fields
    // that name the alert. The credential is hashed, never shown.
    let (summary, source) = match api {
        Api::V2 => {
            let payload = body.payload.as_deref();
            (
                payload.and_then(|p| non_blank(p.summary.as_ref())),
                payload.and_then(|p| non_blank(p.source.as_ref())),
            )
        }
        Api::V1 => (non_blank(body.description.as_ref()), None),
    };
    let mut hash = Sha256::new();
    for part in [
        api.credential(body).unwrap_or_default(),
        summary.unwrap_or_default(),
        source.unwrap_or_default(),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    Ok(Keyed {
        action,
        key: hex::encode(hash.finalize()),
        generated: true,
    })
}

/// The one event a PagerDuty event stands for.
pub(crate) fn event(api: Api, body: &Body<'_>, raw: &Bytes) -> Result<Event, Error> {
    let keyed = keyed(api, body)?;
    match api {
        Api::V2 => v2(body, keyed, raw),
        Api::V1 => v1(body, keyed, raw),
    }
}

fn v2(body: &Body<'_>, keyed: Keyed, raw: &Bytes) -> Result<Event, Error> {
    let payload = body.payload.as_deref();
    let summary = payload.and_then(|p| non_blank(p.summary.as_ref()));
    if keyed.action == Action::Create && summary.is_none() {
        return Err(Error::invalid(
            "payload.summary",
            "missing or empty: a trigger's summary is the alert's title",
        ));
    }
    let severity = payload.and_then(|p| non_blank(p.severity.as_ref()));
    let urgency = severity.map(urgency).transpose()?;
    let mut data = Vec::new();
    for link in &body.links {
        if let Some(href) = non_blank(link.href.as_ref()) {
            let label = non_blank(link.text.as_ref()).unwrap_or("Link").to_owned();
            data.extend(AdditionalData::link(label, href));
        }
    }
    for image in &body.images {
        let label = non_blank(image.alt.as_ref()).unwrap_or("Image").to_owned();
        if let Some(src) = non_blank(image.src.as_ref()).filter(|s| pager_core::is_http_url(s)) {
            data.push(AdditionalData::new(DataFormat::Img, label.clone(), src));
        }
        if let Some(href) = non_blank(image.href.as_ref()) {
            data.extend(AdditionalData::link(label, href));
        }
    }
    client(body, &mut data);
    if let Some(p) = payload {
        for (label, value) in [
            ("Source", non_blank(p.source.as_ref())),
            ("Severity", severity),
            ("Component", non_blank(p.component.as_ref())),
            ("Group", non_blank(p.group.as_ref())),
            ("Class", non_blank(p.class.as_ref())),
        ] {
            if let Some(value) = value {
                data.push(AdditionalData::text(label, value));
            }
        }
        if let Some(at) = non_blank(p.timestamp.as_ref()) {
            data.push(AdditionalData::datetime("Timestamp", at));
        }
    }
    let custom_details = payload.and_then(|p| p.custom_details);
    data.extend(
        custom_details
            .map(pager_core::json::object_as_data)
            .unwrap_or_default(),
    );
    let title = summary.unwrap_or(&keyed.key).to_owned();
    let mut meta = Meta::new()
        .with("api", "events-v2")
        .with("key_source", key_source(&keyed, "dedup_key"));
    if let Some(details) = custom_details {
        meta = meta.verbatim("custom_details", raw, details);
    }
    Ok(Event::new(keyed.action, keyed.key, title)
        .with_urgency(urgency)
        .with_additional_data(data)
        .with_meta(meta))
}

fn v1(body: &Body<'_>, keyed: Keyed, raw: &Bytes) -> Result<Event, Error> {
    let description = non_blank(body.description.as_ref());
    if keyed.action == Action::Create && description.is_none() {
        return Err(Error::invalid(
            "description",
            "missing or empty: a trigger's description is the alert's title",
        ));
    }
    let mut data = Vec::new();
    for context in &body.contexts {
        let kind = non_blank(context.kind.as_ref()).unwrap_or_default();
        if kind.eq_ignore_ascii_case("image") {
            let label = non_blank(context.alt.as_ref())
                .unwrap_or("Image")
                .to_owned();
            if let Some(src) =
                non_blank(context.src.as_ref()).filter(|s| pager_core::is_http_url(s))
            {
                data.push(AdditionalData::new(DataFormat::Img, label.clone(), src));
            }
            if let Some(href) = non_blank(context.href.as_ref()) {
                data.extend(AdditionalData::link(label, href));
            }
        } else if let Some(href) = non_blank(context.href.as_ref()) {
            let label = non_blank(context.text.as_ref())
                .unwrap_or("Link")
                .to_owned();
            data.extend(AdditionalData::link(label, href));
        }
    }
    client(body, &mut data);
    data.extend(
        body.details
            .map(pager_core::json::object_as_data)
            .unwrap_or_default(),
    );
    let title = description.unwrap_or(&keyed.key).to_owned();
    let mut meta = Meta::new()
        .with("api", "events-v1")
        .with("key_source", key_source(&keyed, "incident_key"));
    if let Some(details) = body.details {
        meta = meta.verbatim("details", raw, details);
    }
    Ok(Event::new(keyed.action, keyed.key, title)
        .with_additional_data(data)
        .with_meta(meta))
}

fn key_source(keyed: &Keyed, field: &'static str) -> &'static str {
    if keyed.generated { "generated" } else { field }
}

/// PagerDuty's four severities; anything else is refused, as PagerDuty refuses it.
fn urgency(severity: &str) -> Result<Urgency, Error> {
    match severity.to_ascii_lowercase().as_str() {
        "critical" => Ok(Urgency::Critical),
        "error" => Ok(Urgency::High),
        "warning" => Ok(Urgency::Medium),
        "info" => Ok(Urgency::Low),
        _ => Err(Error::invalid(
            "payload.severity",
            format!("{severity:?} is not one of critical, error, warning, info"),
        )),
    }
}

/// `client_url` as a link named by `client`, else `client` as text.
fn client(body: &Body<'_>, data: &mut Vec<AdditionalData>) {
    let name = non_blank(body.client.as_ref());
    let link = non_blank(body.client_url.as_ref())
        .and_then(|url| AdditionalData::link(name.unwrap_or("Client").to_owned(), url));
    match (link, name) {
        (Some(link), _) => data.push(link),
        (None, Some(name)) => data.push(AdditionalData::text("Client", name)),
        (None, None) => {}
    }
}
