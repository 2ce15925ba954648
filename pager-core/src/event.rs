//! The normalized event every adapter produces.
//!
//! An [`Event`] is PagerTree's alert model made explicit: what happened ([`Action`]), which
//! alert it is about ([`Event::thirdparty_id`], the dedup key), and what a person needs to act
//! on it (title, description, urgency, links). Hosts apply the lifecycle: at most one open alert
//! per `thirdparty_id` until it is resolved.

use std::borrow::Cow;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

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
        !rest.is_empty() && !rest.starts_with(['/', '?', '#']) && !has_whitespace(rest)
    })
}

/// `s.contains(char::is_whitespace)`, a byte scan when `s` is ASCII (as URLs nearly always are).
fn has_whitespace(s: &str) -> bool {
    if s.is_ascii() {
        // `char::is_whitespace` on ASCII: space, \t, \n, \x0B, \x0C, \r.
        s.bytes().any(|b| b.is_ascii_whitespace() || b == 0x0B)
    } else {
        s.contains(char::is_whitespace)
    }
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
/// as `null` or `[]`). The delivery's raw body is shared by every event it produced
/// ([`Event::raw_body`]); it is not serialized.
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
    /// Everything else worth keeping from the payload, as a JSON object.
    pub meta: Box<RawValue>,
    #[serde(skip)]
    raw_body: Bytes,
}

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
            meta: empty_object(),
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

    /// Sets `meta` to the JSON serialization of `meta`, which must serialize to an object.
    ///
    /// # Errors
    /// When `meta` cannot be serialized, or does not serialize to a JSON object.
    pub fn with_meta<T: Serialize + ?Sized>(self, meta: &T) -> Result<Self, serde_json::Error> {
        self.with_meta_sized(meta, 0)
    }

    /// As [`Event::with_meta`], for a `meta` expected to serialize to about `size_hint` bytes
    /// (e.g. a group's whole alert list). Large metas are written into one buffer of that
    /// size instead of a doubling one, whose spare capacity would otherwise be up to as large
    /// as the meta itself; the price is one fast validating scan of the result.
    ///
    /// # Errors
    /// As [`Event::with_meta`].
    pub fn with_meta_sized<T: Serialize + ?Sized>(
        mut self,
        meta: &T,
        size_hint: usize,
    ) -> Result<Self, serde_json::Error> {
        const LARGE: usize = 64 * 1024;
        let raw = if size_hint < LARGE {
            serde_json::value::to_raw_value(meta)?
        } else {
            let mut buffer = Vec::with_capacity(size_hint);
            serde_json::to_writer(&mut buffer, meta)?;
            let text =
                String::from_utf8(buffer).map_err(|e| serde::ser::Error::custom(e.to_string()))?;
            RawValue::from_string(text)?
        };
        if !raw.get().starts_with('{') {
            return Err(serde::ser::Error::custom(
                "event meta must be a JSON object",
            ));
        }
        self.meta = raw;
        Ok(self)
    }

    /// Sets `meta` to `{"payload": <body>, "reason": …}`: the delivery's JSON body as sent, and
    /// why the event is `other` (only when given). For adapters whose payload is a flat,
    /// template-filled object worth keeping whole.
    ///
    /// # Errors
    /// [`crate::Error`] naming `integration` when `body` is not JSON (an adapter calls this after
    /// its own parse of the body succeeded, so only a meta that cannot be built).
    pub fn with_payload_meta(
        self,
        integration: &'static str,
        body: &[u8],
        reason: Option<String>,
    ) -> Result<Self, crate::Error> {
        #[derive(Serialize)]
        struct PayloadMeta<'a> {
            payload: &'a RawValue,
            #[serde(skip_serializing_if = "Option::is_none")]
            reason: Option<String>,
        }
        let payload: &RawValue = crate::json::from_slice(integration, body)?;
        self.with_meta(&PayloadMeta { payload, reason })
            .map_err(|e| crate::Error::meta(integration, &e))
    }

    /// `meta` parsed into a [`serde_json::Value`] (always an object).
    pub fn meta_value(&self) -> serde_json::Value {
        serde_json::from_str(self.meta.get()).unwrap_or_default()
    }

    /// The raw body of the delivery this event came from, shared (not copied) by every event
    /// of that delivery. Empty unless the event went through [`crate::Instance::handle`].
    pub fn raw_body(&self) -> &Bytes {
        &self.raw_body
    }

    pub(crate) fn set_raw_body(&mut self, body: Bytes) {
        self.raw_body = body;
    }
}

fn empty_object() -> Box<RawValue> {
    RawValue::from_string("{}".to_owned()).unwrap_or_else(|_| unreachable!("`{{}}` is valid JSON"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_whitespace_scan_matches_char_is_whitespace() {
        let samples = [
            "",
            "a",
            "a b",
            "a\tb",
            "a\nb",
            "a\x0bb",
            "a\x0cb",
            "a\rb",
            "ab\u{a0}",
            "\u{2003}x",
            "https://example.com/p?q=1",
            "é",
            "\u{85}",
            "x\u{1680}",
        ];
        for s in samples {
            assert_eq!(has_whitespace(s), s.contains(char::is_whitespace), "{s:?}");
        }
        for b in 0u8..128 {
            let s = char::from(b).to_string();
            assert_eq!(
                has_whitespace(&s),
                s.contains(char::is_whitespace),
                "{b:#x}"
            );
        }
    }

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
    fn meta_must_be_an_object() {
        assert!(
            Event::new(Action::Other, "k", "t")
                .with_meta(&[1, 2])
                .is_err()
        );
        let event = Event::new(Action::Other, "k", "t")
            .with_meta(&serde_json::json!({"a": 1}))
            .unwrap();
        assert_eq!(event.meta_value()["a"], 1);
    }
}
