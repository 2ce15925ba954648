//! # pager-webhook: pagerhook's own generic webhook format
//!
//! For tools without a native adapter: they post pagerhook's event model directly, one event
//! as a JSON object or several as an array. The format is stable and documented field by
//! field in this crate's README.
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
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use pager_core::json::Str;

use bytes::Bytes;
use pager_core::{
    Action, Adapter, AdditionalData, ConfigError, DataFormat, Error, Event, Incident, Integration,
    Limits, Meta, Urgency,
};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "webhook";

/// The adapter's options: none yet (an empty object or `null`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The generic webhook adapter.
#[derive(Debug, Clone, Default)]
pub struct Webhook {
    limits: Limits,
}

/// What the sender asks for.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum EventType {
    Create,
    Acknowledge,
    Resolve,
    Other,
}

/// One event as posted.
#[derive(Debug, Deserialize)]
struct Item<'a> {
    event_type: EventType,
    #[serde(borrow)]
    id: Id<'a>,
    #[serde(default, borrow)]
    title: Option<Str<'a>>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    urgency: Option<Urgency>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    dedup_keys: Vec<String>,
    #[serde(default)]
    additional_data: Vec<AdditionalData>,
    #[serde(default)]
    incident: Option<Incident>,
    #[serde(default, borrow)]
    meta: Option<&'a RawValue>,
}

/// The id: a string, or an integer (many tools number their checks).
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "expected a string or an integer")]
enum Id<'a> {
    Text(#[serde(borrow)] Str<'a>),
    Number(i64),
}

impl Id<'_> {
    fn to_key(&self) -> String {
        match self {
            Id::Text(text) => text.trim().to_owned(),
            Id::Number(n) => n.to_string(),
        }
    }
}

/// One object, or an array of objects.
#[derive(Debug)]
enum Body<'a> {
    One(Item<'a>),
    Many(Vec<Item<'a>>),
}

impl Webhook {
    fn parse<'a>(&self, body: &'a [u8]) -> Result<Body<'a>, Error> {
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'[') {
            #[derive(Deserialize)]
            struct Many<'a>(
                #[serde(borrow, deserialize_with = "pager_core::json::objects")] Vec<Item<'a>>,
            );
            let Many(items) = pager_core::json::from_slice(body)?;
            self.limits.check_max_alerts(items.len(), "events")?;
            Ok(Body::Many(items))
        } else {
            let pager_core::json::Object(item) = pager_core::json::from_slice(body)?;
            Ok(Body::One(item))
        }
    }
}

fn event(item: Item<'_>, at: &str, body: &Bytes) -> Result<Event, Error> {
    let field = |name: &str| {
        if at.is_empty() {
            name.to_owned()
        } else {
            format!("{at}.{name}")
        }
    };
    let key = item.id.to_key();
    if key.is_empty() {
        return Err(Error::invalid(field("id"), "must not be empty"));
    }
    let title = item
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let action = match item.event_type {
        EventType::Create => Action::Create,
        EventType::Acknowledge => Action::Acknowledge,
        EventType::Resolve => Action::Resolve,
        EventType::Other => Action::Other,
    };
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
    let mut event = Event::new(action, key, title)
        .with_description(item.description.filter(|d| !d.trim().is_empty()))
        .with_urgency(item.urgency)
        .with_incident(item.incident)
        .with_tags(item.tags)
        .with_additional_data(item.additional_data);
    for key in item.dedup_keys {
        if !key.is_empty() {
            event = event.with_dedup_key(key);
        }
    }
    match item.meta {
        None => Ok(event),
        Some(raw) => match Meta::verbatim_object(body, raw) {
            Some(meta) => Ok(event.with_meta(meta)),
            None => Err(Error::invalid(field("meta"), "must be a JSON object")),
        },
    }
}

impl Integration for Webhook {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        match self.parse(req.body())? {
            Body::One(item) => Ok(vec![event(item, "", req.body())?]),
            Body::Many(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| event(item, &format!("[{i}]"), req.body()))
                .collect(),
        }
    }
}

impl Adapter for Webhook {
    const ID: &'static str = ID;
    const NAME: &'static str = "Generic webhook (pagerhook format)";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(_config: Config) -> Result<Self, ConfigError> {
        Ok(Self::default())
    }

    fn with_limits(mut self, limits: &Limits) -> Self {
        self.limits = *limits;
        self
    }
}
