//! The normalized event every adapter produces.
//!
//! An [`Event`] is PagerTree's alert model made explicit: what happened ([`Action`]), which
//! alert it is about ([`Event::thirdparty_id`], the dedup key), and what a person needs to act
//! on it (title, description, urgency, links). Hosts apply the lifecycle: at most one open alert
//! per `thirdparty_id` until it is resolved.

use std::borrow::Cow;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::Meta;

/// What an event asks the host to do with the alert named by its `thirdparty_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Action {
    /// Open an alert, or bump the dedup count of the open one with the same key.
    Create,
    /// Acknowledge the open alert with this key.
    Acknowledge,
    /// Resolve the open alert with this key.
    Resolve,
    /// Understood, but not a state change (a test ping, or a status the adapter will not act on;
    /// the event's `meta` says why).
    Other,
}

/// An adapter option's choice for a vendor state that is neither down nor up (Datadog's
/// warnings, Site24x7's `TROUBLE`, UptimeRobot's SSL expiry notices), written `"create"` or
/// `"other"` in the instance's options.
///
/// ```
/// use pager_core::Treatment;
///
/// let quiet: Treatment = serde_json::from_str(r#""other""#)?;
/// assert_eq!(quiet, Treatment::Other);
/// assert_eq!(Treatment::default(), Treatment::Create);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Treatment {
    /// Open (or count on) the alert, like a trigger.
    #[default]
    Create,
    /// Record it as `other`: no alert, and an open one stays as it is.
    Other,
}

impl Action {
    /// The lowercase name used on the wire (`"acknowledge"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Acknowledge => "acknowledge",
            Action::Resolve => "resolve",
            Action::Other => "other",
        }
    }
}

/// How loudly the host should page. `None` in an [`Event`] means "the host's default".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    /// Record it, notify nobody.
    Silent,
    /// Low urgency.
    Low,
    /// Medium urgency.
    Medium,
    /// High urgency.
    High,
    /// Critical: wake someone up.
    Critical,
}

impl Urgency {
    /// The lowercase name used on the wire (`"critical"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Silent => "silent",
            Urgency::Low => "low",
            Urgency::Medium => "medium",
            Urgency::High => "high",
            Urgency::Critical => "critical",
        }
    }
}

/// Incident severity, SEV-1 (worst) to SEV-5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    /// The most severe.
    #[serde(rename = "SEV-1")]
    Sev1,
    /// SEV-2.
    #[serde(rename = "SEV-2")]
    Sev2,
    /// SEV-3.
    #[serde(rename = "SEV-3")]
    Sev3,
    /// SEV-4.
    #[serde(rename = "SEV-4")]
    Sev4,
    /// The least severe.
    #[serde(rename = "SEV-5")]
    Sev5,
}

/// Declares the alert an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Incident {
    /// SEV-1..SEV-5.
    pub severity: Severity,
    /// A message for the incident, if the vendor sent one.
    pub message: Option<String>,
}

impl Incident {
    /// An incident of the given severity, with an optional message.
    pub fn new(severity: Severity, message: Option<String>) -> Self {
        Self { severity, message }
    }
}

/// How a host should render an [`AdditionalData`] value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DataFormat {
    /// Plain text.
    Text,
    /// An `http(s)` URL.
    Link,
    /// An image URL.
    Img,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// An RFC 3339 timestamp, as the vendor sent it.
    Datetime,
}

/// One labelled value shown with the alert, in order (PagerTree's `additional_data`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AdditionalData {
    /// How to render `value`.
    pub format: DataFormat,
    /// What the value is, for a person ("Runbook"). Most labels are fixed words, which cost
    /// no allocation per event; labels taken from the payload are owned.
    pub label: Cow<'static, str>,
    /// The value itself.
    pub value: String,
}

impl AdditionalData {
    /// A value with an explicit format.
    pub fn new(
        format: DataFormat,
        label: impl Into<Cow<'static, str>>,
        value: impl Into<String>,
    ) -> Self {
        Self {
            format,
            label: label.into(),
            value: value.into(),
        }
    }

    /// A plain-text value.
    pub fn text(label: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        Self::new(DataFormat::Text, label, value)
    }

    /// A link. Returns `None` unless `url` is an absolute `http://` or `https://` URL, so that
    /// adapters never emit empty or `javascript:` links.
    pub fn link(label: impl Into<Cow<'static, str>>, url: &str) -> Option<Self> {
        is_http_url(url).then(|| Self::new(DataFormat::Link, label, url))
    }

    /// A timestamp, kept as the vendor wrote it.
    pub fn datetime(label: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        Self::new(DataFormat::Datetime, label, value)
    }
}

/// True for an absolute `http://` or `https://` URL with a non-empty host part
/// (the scheme is compared case-insensitively).
pub fn is_http_url(url: &str) -> bool {
    let rest = strip_prefix_ignore_case(url, "https://")
        .or_else(|| strip_prefix_ignore_case(url, "http://"));
    rest.is_some_and(|rest| {
        !rest.is_empty()
            && !rest.starts_with(['/', '?', '#'])
            && !rest.contains(char::is_whitespace)
    })
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// The keys every serialized [`Event`] has, in order: the stable JSON contract the CLI prints
/// and hosts store (absent values are `null` or `[]`).
pub const EVENT_JSON_KEYS: [&str; 10] = [
    "action",
    "thirdparty_id",
    "dedup_keys",
    "title",
    "description",
    "urgency",
    "incident",
    "tags",
    "additional_data",
    "meta",
];

/// A normalized event: what one delivery asks the host to do with one alert.
///
/// Built with [`Event::new`] and the `with_*` methods; read through the public fields.
/// Serializes to the JSON documented in the README (every key always present, absent values
/// as `null` or `[]`) and reads back from it: `serde_json::from_str(&serde_json::to_string(&e)?)?`
/// equals `e`. The delivery's raw body is shared by every event it produced
/// ([`Event::raw_body`]); it is neither serialized nor compared by `==`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// What to do with the alert.
    pub action: Action,
    /// The dedup key: the vendor-stable id of the alert this event is about.
    pub thirdparty_id: String,
    /// Every key this alert can be matched on, `thirdparty_id` first.
    pub dedup_keys: Vec<String>,
    /// A one-line title for a person; never empty.
    pub title: String,
    /// Longer text, if the vendor sent any.
    pub description: Option<String>,
    /// How loudly to page; `None` means the host's default.
    pub urgency: Option<Urgency>,
    /// Declares an incident, when the vendor says so.
    pub incident: Option<Incident>,
    /// Tags for routing and search.
    pub tags: Vec<String>,
    /// Ordered labelled values to show with the alert.
    pub additional_data: Vec<AdditionalData>,
    /// Small derived values, and the part of the payload this event stands for, verbatim
    /// (see [`Meta`]); never a copy of the whole payload.
    pub meta: Meta,
    #[serde(skip)]
    raw_body: Bytes,
}

impl PartialEq for Event {
    /// Every serialized field; not the raw body, which is not part of the event's JSON.
    fn eq(&self, other: &Self) -> bool {
        // Destructured, so a field added later cannot be left out of `==` by accident.
        let Event {
            action,
            thirdparty_id,
            dedup_keys,
            title,
            description,
            urgency,
            incident,
            tags,
            additional_data,
            meta,
            raw_body: _,
        } = self;
        *action == other.action
            && *thirdparty_id == other.thirdparty_id
            && *dedup_keys == other.dedup_keys
            && *title == other.title
            && *description == other.description
            && *urgency == other.urgency
            && *incident == other.incident
            && *tags == other.tags
            && *additional_data == other.additional_data
            && *meta == other.meta
    }
}

impl Eq for Event {}

impl Event {
    /// An event with the required fields; `dedup_keys` starts as `[thirdparty_id]`,
    /// `meta` as `{}`, everything else empty.
    pub fn new(action: Action, thirdparty_id: impl Into<String>, title: impl Into<String>) -> Self {
        let thirdparty_id = thirdparty_id.into();
        Self {
            action,
            dedup_keys: vec![thirdparty_id.clone()],
            thirdparty_id,
            title: title.into(),
            description: None,
            urgency: None,
            incident: None,
            tags: Vec::new(),
            additional_data: Vec::new(),
            meta: Meta::new(),
            raw_body: Bytes::new(),
        }
    }

    /// Adds a dedup key after the ones already there (duplicates are skipped).
    #[must_use]
    pub fn with_dedup_key(mut self, key: impl Into<String>) -> Self {
        let key = key.into();
        if !self.dedup_keys.contains(&key) {
            self.dedup_keys.push(key);
        }
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn with_description(mut self, description: Option<String>) -> Self {
        self.description = description;
        self
    }

    /// Sets the urgency (`None` = the host's default).
    #[must_use]
    pub fn with_urgency(mut self, urgency: Option<Urgency>) -> Self {
        self.urgency = urgency;
        self
    }

    /// Declares an incident.
    #[must_use]
    pub fn with_incident(mut self, incident: Option<Incident>) -> Self {
        self.incident = incident;
        self
    }

    /// Sets the tags.
    #[must_use]
    pub fn with_tags(mut self, tags: Vec<String>) -> Self {
        self.tags = tags;
        self
    }

    /// Sets the additional data.
    #[must_use]
    pub fn with_additional_data(mut self, data: Vec<AdditionalData>) -> Self {
        self.additional_data = data;
        self
    }

    /// Sets `meta`.
    #[must_use]
    pub fn with_meta(mut self, meta: Meta) -> Self {
        self.meta = meta;
        self
    }

    /// `meta` parsed into a [`serde_json::Value`] (always an object).
    pub fn meta_value(&self) -> serde_json::Value {
        self.meta.to_value()
    }

    /// The raw body of the delivery this event came from, shared (not copied) by every event
    /// of that delivery. Empty unless the event went through a [`crate::Instance`].
    pub fn raw_body(&self) -> &Bytes {
        &self.raw_body
    }

    pub(crate) fn set_raw_body(&mut self, body: Bytes) {
        self.raw_body = body;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_must_be_absolute_http() {
        assert!(AdditionalData::link("x", "https://example.com/a").is_some());
        assert!(AdditionalData::link("x", "HTTP://example.com").is_some());
        for bad in [
            "",
            "http://",
            "https:///path",
            "javascript:alert(1)",
            "ftp://x",
            "/relative",
            "http://a b",
        ] {
            assert!(AdditionalData::link("x", bad).is_none(), "{bad:?} accepted");
        }
    }

    #[test]
    fn event_serializes_every_documented_key_in_order() {
        let event = Event::new(Action::Create, "k", "t")
            .with_dedup_key("k")
            .with_dedup_key("k2");
        let json = serde_json::to_string(&event).unwrap();
        let mut at = 0;
        for key in EVENT_JSON_KEYS {
            let found = json[at..]
                .find(&format!("\"{key}\":"))
                .unwrap_or_else(|| panic!("{key} missing or out of order in {json}"));
            at += found;
        }
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value.as_object().unwrap().len(), EVENT_JSON_KEYS.len());
        assert_eq!(value["dedup_keys"], serde_json::json!(["k", "k2"]));
        assert_eq!(value["action"], "create");
        assert_eq!(value["meta"], serde_json::json!({}));
    }

    #[test]
    fn events_round_trip_through_json_and_compare_equal() {
        let event = Event::new(Action::Resolve, "k", "t")
            .with_dedup_key("k2")
            .with_description(Some("d".into()))
            .with_urgency(Some(Urgency::High))
            .with_incident(Some(Incident::new(Severity::Sev2, None)))
            .with_tags(vec!["a:b".into()])
            .with_additional_data(vec![AdditionalData::text("Label", "v")])
            .with_meta(Meta::new().with("reason", "r").with("n", 2));
        let json = serde_json::to_string(&event).unwrap();
        let back: Event = serde_json::from_str(&json).unwrap();
        assert_eq!(back, event);
        assert_ne!(back, event.clone().with_meta(Meta::new()));
        assert_eq!(event.meta_value()["reason"], "r");
    }
}
