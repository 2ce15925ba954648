//! # pager-webhook: pagerhook's own generic webhook format, and PagerTree's
//!
//! For tools without a native adapter: they post pagerhook's event model directly, one event
//! as a JSON object or several as an array. The format is stable and documented field by
//! field in this crate's README.
//!
//! It is also a drop-in for PagerTree's generic webhook integration: top-level keys are
//! matched case-insensitively (PagerTree's guide writes `Id`, `Title`, `Meta`), an incident
//! can be declared in `Meta` as PagerTree does, and what PagerTree accepts without complaint
//! (an unknown `event_type`, an unknown urgency, a numeric `Id`, `Tags` as one string) is
//! accepted here too: a 400 would make the sender retry the same body forever.
//!
//! ```
//! use pager_core::{Action, Adapter, Integration, Urgency};
//! use pager_webhook::Webhook;
//!
//! let body = br#"{"event_type": "create", "id": "disk-db-1", "title": "Disk full on db-1",
//!                 "urgency": "high", "tags": ["db"]}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = Webhook::default().handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "disk-db-1");
//! assert_eq!(events[0].urgency, Some(Urgency::High));
//!
//! // PagerTree's spelling of the same thing.
//! let body = br#"{"event_type": "create", "Id": "disk-db-1", "Title": "Disk full on db-1",
//!                 "Urgency": "HIGH", "Tags": ["db"]}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! assert_eq!(Webhook::default().handle(&req)?, events);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod item;

use bytes::Bytes;
use pager_core::{
    Action, Adapter, AdditionalData, ConfigError, DataFormat, Error, Event, Incident, Integration,
    Limits, Meta, Severity,
};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::item::{Item, PagerTreeMeta};

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "webhook";

/// The adapter's options (PagerTree's webhook options, for teams moving from it).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// The key under which the sender wraps the event object, as a dotted path
    /// (`acme_payload`, `data.alert`). A body without it, or where it is not an object, is
    /// read as it is.
    pub wrapper_key: Option<String>,
    /// Keep the body's other top-level keys as text `additional_data`, labelled by key.
    pub capture_additional_data: bool,
}

/// The generic webhook adapter.
#[derive(Debug, Clone, Default)]
pub struct Webhook {
    limits: Limits,
    wrapper: Vec<String>,
    capture_additional_data: bool,
}

/// One object, or an array of objects.
#[derive(Debug)]
enum Body<'a> {
    One(Box<Item<'a>>),
    Many(Vec<Item<'a>>),
}

impl Webhook {
    fn parse<'a>(&self, body: &'a [u8]) -> Result<(Body<'a>, String), Error> {
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'[') {
            #[derive(Deserialize)]
            struct Many<'a>(
                #[serde(borrow, deserialize_with = "pager_core::json::objects")] Vec<Item<'a>>,
            );
            let Many(items) = pager_core::json::from_slice(body)?;
            self.limits.check_max_alerts(items.len(), "events")?;
            return Ok((Body::Many(items), String::new()));
        }
        if !self.wrapper.is_empty()
            && let Some(inner) = self.unwrap(body)?
        {
            let at = self.wrapper.join(".");
            return match pager_core::json::from_slice(inner.get().as_bytes()) {
                Ok(pager_core::json::Object(item)) => Ok((Body::One(Box::new(item)), at)),
                Err(err) => Err(wrapped_error(body, inner, &at).unwrap_or(err)),
            };
        }
        let pager_core::json::Object(item) = pager_core::json::from_slice(body)?;
        Ok((Body::One(Box::new(item)), String::new()))
    }

    /// The object at the wrapper path, when the body has one there.
    fn unwrap<'a>(&self, body: &'a [u8]) -> Result<Option<&'a RawValue>, Error> {
        let mut current: &'a RawValue = pager_core::json::from_slice(body)?;
        for key in &self.wrapper {
            let Ok(object) = serde_json::from_str::<
                std::collections::BTreeMap<pager_core::json::Str<'a>, &'a RawValue>,
            >(current.get()) else {
                return Ok(None);
            };
            match object.get(key.as_str()) {
                Some(inner) => current = inner,
                None => return Ok(None),
            }
        }
        Ok(current.get().starts_with('{').then_some(current))
    }
}

/// The error of an event object wrapped at `at`, with the position it has in the whole body:
/// the object is parsed again in a copy of the body where everything around it is blanked
/// (line breaks kept), so the line and column the parser reports are the body's own.
fn wrapped_error(body: &[u8], inner: &RawValue, at: &str) -> Option<Error> {
    let start = (inner.get().as_ptr() as usize).checked_sub(body.as_ptr() as usize)?;
    let end = start.checked_add(inner.get().len())?;
    let blanked: Vec<u8> = body
        .iter()
        .enumerate()
        .map(|(i, &b)| match b {
            _ if (start..end).contains(&i) => b,
            b'\n' => b'\n',
            _ => b' ',
        })
        .collect();
    match pager_core::json::from_slice::<pager_core::json::Object<Item<'_>>>(&blanked) {
        Ok(_) => None,
        Err(Error::Invalid { path, message, .. }) => {
            let path = if path == "the top level" {
                at.to_owned()
            } else {
                format!("{at}.{path}")
            };
            Some(Error::invalid(path, message))
        }
        Err(other) => Some(other),
    }
}

/// What the sender asked for, from `event_type` (trimmed, any case).
fn action(event_type: Option<&str>) -> (Action, Option<String>) {
    let Some(event_type) = event_type else {
        return (Action::Other, Some("no event_type".to_owned()));
    };
    match event_type.to_ascii_lowercase().as_str() {
        "create" => (Action::Create, None),
        "acknowledge" => (Action::Acknowledge, None),
        "resolve" => (Action::Resolve, None),
        "other" => (Action::Other, None),
        _ => (
            Action::Other,
            Some(format!(
                "event_type {event_type:?} is not create, acknowledge, resolve or other"
            )),
        ),
    }
}

/// `SEV-1`, `sev1`, ` Sev-2 ` → the severity.
fn incident_severity(text: &str) -> Option<Severity> {
    let text = text.trim().to_ascii_uppercase();
    let number = text.strip_prefix("SEV")?;
    Some(match number.strip_prefix('-').unwrap_or(number) {
        "1" => Severity::Sev1,
        "2" => Severity::Sev2,
        "3" => Severity::Sev3,
        "4" => Severity::Sev4,
        "5" => Severity::Sev5,
        _ => return None,
    })
}

/// An incident declared PagerTree's way, in `Meta`: `incident` true (or `"true"`),
/// `incident_severity`, `incident_message`.
fn meta_incident(meta: &PagerTreeMeta<'_>, notes: &mut Vec<String>) -> Option<Incident> {
    let declared = meta
        .incident
        .value()
        .is_some_and(|v| v.as_str().trim().eq_ignore_ascii_case("true"));
    if !declared {
        return None;
    }
    let severity = meta
        .incident_severity
        .value()
        .map(pager_core::template::Value::as_str);
    if let Some(severity) = severity.and_then(incident_severity) {
        let message = meta
            .incident_message
            .value()
            .map(|v| v.as_str().trim())
            .filter(|m| !m.is_empty())
            .map(str::to_owned);
        return Some(Incident::new(severity, message));
    }
    notes.push(match severity {
        Some(text) => {
            format!("Meta.incident_severity {text:?} is not SEV-1..SEV-5: no incident declared")
        }
        None => "Meta.incident without incident_severity: no incident declared".to_owned(),
    });
    None
}

/// `capture_additional_data`: the other top-level keys as text data, labelled in lower case
/// as PagerTree labels them; of two spellings of one key the last counts, in its place.
fn captured(other: &[(pager_core::json::Str<'_>, &RawValue)]) -> Vec<AdditionalData> {
    let labels: Vec<String> = other
        .iter()
        .map(|(key, _)| key.to_ascii_lowercase())
        .collect();
    let mut last = std::collections::HashMap::with_capacity(labels.len());
    for (i, label) in labels.iter().enumerate() {
        last.insert(label.as_str(), i);
    }
    labels
        .iter()
        .zip(other)
        .enumerate()
        .filter(|(i, (label, _))| last.get(label.as_str()) == Some(i))
        .map(|(_, (label, (_, value)))| {
            AdditionalData::text(
                label.clone(),
                pager_core::json::raw_text(value).into_owned(),
            )
        })
        .collect()
}

fn event(adapter: &Webhook, item: Item<'_>, at: &str, body: &Bytes) -> Result<Event, Error> {
    let field = |name: &str| {
        if at.is_empty() {
            name.to_owned()
        } else {
            format!("{at}.{name}")
        }
    };
    let Some(id) = &item.id else {
        return Err(Error::invalid(
            field("id"),
            "missing: every event needs an id (its dedup key)",
        ));
    };
    let key = id.0.as_str().trim().to_owned();
    if key.is_empty() {
        return Err(Error::invalid(field("id"), "must not be empty"));
    }
    let mut notes = Vec::new();
    let (action, reason) = action(item.event_type.value().map(|v| v.as_str().trim()));
    notes.extend(reason);
    let title = item
        .title
        .value()
        .map(|t| t.as_str().trim())
        .filter(|t| !t.is_empty());
    let title = match (title, action) {
        (Some(title), _) => title.to_owned(),
        (None, Action::Create) => {
            return Err(Error::invalid(
                field("title"),
                "a create needs a non-empty title",
            ));
        }
        (None, _) => key.clone(),
    };
    for (i, data) in item.additional_data.iter().enumerate() {
        if data.format == DataFormat::Link && !pager_core::is_http_url(&data.value) {
            return Err(Error::invalid(
                field(&format!("additional_data[{i}].value")),
                "a link must be an absolute http(s) URL",
            ));
        }
    }
    // `none` is the vocabulary's name for silent; a PagerTree sender writing it means no
    // urgency (PagerTree reads only low/medium/high/critical), which must not silence a page.
    let urgency = item
        .urgency
        .value()
        .map(|u| u.as_str().trim())
        .filter(|u| !u.eq_ignore_ascii_case("none"))
        .and_then(|u| pager_core::severity::UrgencyMap::default().get(u));
    let meta = match item.meta {
        None => None,
        Some(raw) => match Meta::verbatim_object(body, raw) {
            Some(meta) => Some(meta),
            None if raw.get() == "null" => None,
            None => {
                notes.push("Meta is not a JSON object: not kept".to_owned());
                None
            }
        },
    };
    let incident = match (item.incident, &meta) {
        (Some(incident), _) => Some(incident),
        (None, Some(_)) => item.meta.and_then(|raw| {
            match serde_json::from_str::<pager_core::json::Object<PagerTreeMeta<'_>>>(raw.get()) {
                Ok(pager_core::json::Object(declared)) => meta_incident(&declared, &mut notes),
                Err(err) => {
                    notes.push(format!("Meta's incident fields are unreadable ({err})"));
                    None
                }
            }
        }),
        (None, None) => None,
    };
    let mut additional_data = item.additional_data;
    if adapter.capture_additional_data {
        additional_data.extend(captured(&item.other));
    }
    let description = item
        .description
        .value()
        .map(|d| d.as_str().trim())
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    let mut event = Event::new(action, key, title)
        .with_description(description)
        .with_urgency(urgency)
        .with_incident(incident)
        .with_tags(item.tags.0)
        .with_additional_data(additional_data);
    for key in item.dedup_keys.0 {
        event = event.with_dedup_key(key);
    }
    let mut meta = meta.unwrap_or_default();
    // The sender's own `reason` key, if it has one, is kept as sent.
    if !notes.is_empty() && meta.get("reason").is_none() {
        meta = meta.with("reason", notes.join("; "));
    }
    Ok(event.with_meta(meta))
}

impl Integration for Webhook {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        match self.parse(req.body())? {
            (Body::One(item), at) => Ok(vec![event(self, *item, &at, req.body())?]),
            (Body::Many(items), _) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| event(self, item, &format!("[{i}]"), req.body()))
                .collect(),
        }
    }
}

impl Adapter for Webhook {
    const ID: &'static str = ID;
    const NAME: &'static str = "Generic webhook (pagerhook and PagerTree formats)";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(config: Config) -> Result<Self, ConfigError> {
        let wrapper = match config.wrapper_key.as_deref().map(str::trim) {
            None | Some("") => Vec::new(),
            Some(path) => {
                let keys: Vec<String> = path.split('.').map(str::to_owned).collect();
                let plain = |key: &String| {
                    !key.is_empty()
                        && key
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                };
                if !keys.iter().all(plain) {
                    return Err(ConfigError::Invalid {
                        integration: ID,
                        path: "wrapper_key".to_owned(),
                        message: format!(
                            "{path:?}: expected keys of letters, digits, '_' and '-', joined by '.' \
                             (JMESPath expressions beyond a dotted path are not supported)"
                        ),
                    });
                }
                keys
            }
        };
        Ok(Self {
            limits: Limits::default(),
            wrapper,
            capture_additional_data: config.capture_additional_data,
        })
    }

    fn with_limits(mut self, limits: &Limits) -> Self {
        self.limits = *limits;
        self
    }
}
