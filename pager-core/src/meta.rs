//! An event's `meta` (see [`Meta`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use bytes::Bytes;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// An event's `meta`: small derived values, and parts of the payload kept verbatim.
///
/// The rule (event contract v2): an event never copies or re-serializes the vendor's payload.
/// The delivery's raw body is the one copy ([`crate::Event::raw_body`]); `meta` holds
///
/// - **small derived values** an adapter computed (`key_source`, `reason`, counts), and
/// - where an event stands for one part of the payload (an alert of a group), **that part
///   verbatim**: a zero-copy slice of the raw body ([`Meta::verbatim`]), written out exactly
///   as the sender wrote it.
///
/// `Meta` serializes as a JSON object whose values are written as they are stored (raw JSON),
/// and deserializes from any JSON object, keeping each value's text: an event read back from
/// its JSON compares equal to the event that wrote it.
///
/// ```
/// use bytes::Bytes;
/// use pager_core::Meta;
/// use serde_json::value::RawValue;
///
/// let body = Bytes::from_static(br#"{"alerts": [{"id": "a1", "labels": {"x": "1"}}]}"#);
/// #[derive(serde::Deserialize)]
/// struct Payload<'a> { #[serde(borrow)] alerts: Vec<&'a RawValue> }
/// let payload: Payload = pager_core::json::from_slice(&body)?;
///
/// let meta = Meta::new()
///     .with("key_source", "id")
///     .verbatim("alert", &body, payload.alerts[0]);
/// assert_eq!(meta.get("alert"), Some(r#"{"id": "a1", "labels": {"x": "1"}}"#));
/// assert_eq!(
///     serde_json::to_string(&meta)?,
///     r#"{"key_source":"id","alert":{"id": "a1", "labels": {"x": "1"}}}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// Keys in insertion order, each value as JSON text (UTF-8, valid JSON by construction).
    entries: Vec<(Cow<'static, str>, Bytes)>,
}

impl Meta {
    /// An empty `meta` (`{}`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a small derived value: a string, number, bool, `Option` of those, or
    /// a small [`serde_json::Value`] built with `json!`.
    #[must_use]
    pub fn with(
        self,
        key: impl Into<Cow<'static, str>>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        // Serializing a `Value` cannot fail: its map keys are strings and its numbers finite.
        let text = serde_json::to_vec(&value.into()).unwrap_or_else(|_| b"null".to_vec());
        self.set(key.into(), Bytes::from(text))
    }

    /// As [`Meta::with`] when `value` is `Some`; nothing otherwise (no `null` entry).
    #[must_use]
    pub fn with_optional<V: Into<serde_json::Value>>(
        self,
        key: impl Into<Cow<'static, str>>,
        value: Option<V>,
    ) -> Self {
        match value {
            Some(value) => self.with(key, value),
            None => self,
        }
    }

    /// Adds (or replaces) a part of the payload verbatim: `raw` as the parser saw it in `body`
    /// (a `&RawValue` or [`crate::json::Verbatim::raw`] borrowed from the body).
    ///
    /// When `raw` lies inside `body` this is a zero-copy slice of it (the event shares the
    /// body); otherwise (a value parsed from another buffer) it is copied.
    #[must_use]
    pub fn verbatim(self, key: impl Into<Cow<'static, str>>, body: &Bytes, raw: &RawValue) -> Self {
        self.set(key.into(), slice_or_copy(body, raw))
    }

    /// The entries of a JSON object from the payload, each value verbatim (see
    /// [`Meta::verbatim`]): for a sender whose payload carries its own `meta` object.
    /// `None` when `raw` is not an object.
    pub fn verbatim_object(body: &Bytes, raw: &RawValue) -> Option<Self> {
        struct Entries<'a>(Vec<(crate::json::Str<'a>, &'a RawValue)>);
        impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct EntriesVisitor;
                impl<'de> Visitor<'de> for EntriesVisitor {
                    type Value = Entries<'de>;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a JSON object")
                    }
                    fn visit_map<A: MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<Entries<'de>, A::Error> {
                        let mut entries = Vec::new();
                        while let Some(entry) = map.next_entry()? {
                            entries.push(entry);
                        }
                        Ok(Entries(entries))
                    }
                }
                deserializer.deserialize_map(EntriesVisitor)
            }
        }
        let Entries(entries) = serde_json::from_str(raw.get()).ok()?;
        let entries = entries
            .into_iter()
            .map(|(key, value)| (Cow::Owned(key.0.into_owned()), slice_or_copy(body, value)))
            .collect();
        Some(Meta::from_entries(entries))
    }

    /// A `meta` from entries read off a JSON object, in linear time: a key sent twice keeps
    /// its last value, in its first place (as `set` would, without a scan per key).
    fn from_entries(entries: Vec<(Cow<'static, str>, Bytes)>) -> Self {
        let mut index: HashMap<Cow<'static, str>, usize> = HashMap::with_capacity(entries.len());
        let mut kept: Vec<(Cow<'static, str>, Bytes)> = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            if let Some(slot) = index.get(&key).and_then(|&at| kept.get_mut(at)) {
                slot.1 = value;
            } else {
                index.insert(key.clone(), kept.len());
                kept.push((key, value));
            }
        }
        Self { entries: kept }
    }

    fn set(mut self, key: Cow<'static, str>, value: Bytes) -> Self {
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
        self
    }

    /// The JSON text of the value under `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.get_bytes(key)
            .and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The JSON text of the value under `key`, as the bytes that hold it (a slice of the
    /// body for a verbatim part: a clone shares it, copying nothing).
    pub fn get_bytes(&self, key: &str) -> Option<&Bytes> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The entries in order: key and JSON text.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .map(|(k, v)| (k.as_ref(), std::str::from_utf8(v).unwrap_or("null")))
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True for `{}`.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The key whose value nests deepest, and how deep (a scalar is 0, `[]` or `{}` is 1,
    /// `[[1]]` is 2), or `None` for an empty `meta`. Counted without recursion or parsing,
    /// so a value nested 100,000 levels deep costs one scan.
    pub fn deepest(&self) -> Option<(&str, usize)> {
        self.entries
            .iter()
            .map(|(key, value)| (key.as_ref(), nesting(value)))
            .max_by_key(|&(_, depth)| depth)
    }

    /// The whole `meta` parsed into a [`serde_json::Value`] (an object): for tests and hosts
    /// that want to inspect it; costs a parse of every verbatim part.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// `raw`'s text as a zero-copy slice of `body` when it lies inside it, else copied.
fn slice_or_copy(body: &Bytes, raw: &RawValue) -> Bytes {
    let text = raw.get().as_bytes();
    let start = body.as_ptr() as usize;
    let at = text.as_ptr() as usize;
    if at >= start && at + text.len() <= start + body.len() {
        body.slice_ref(text)
    } else {
        Bytes::copy_from_slice(text)
    }
}

/// How deep the JSON text `json` nests (brackets outside strings).
fn nesting(json: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for &byte in json {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

impl fmt::Debug for Meta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Meta {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (key, value) in &self.entries {
            // The text is valid JSON by construction; serde_json offers no unchecked way to
            // write it raw, so it is scanned once here (no allocation).
            let text = std::str::from_utf8(value).map_err(serde::ser::Error::custom)?;
            let raw: &RawValue = serde_json::from_str(text).map_err(serde::ser::Error::custom)?;
            map.serialize_entry(key, raw)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Meta {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MetaVisitor;
        impl<'de> Visitor<'de> for MetaVisitor {
            type Value = Meta;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Meta, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Box<RawValue>>()? {
                    let text: Box<str> = value.into();
                    entries.push((Cow::Owned(key), Bytes::from(String::from(text))));
                }
                Ok(Meta::from_entries(entries))
            }
        }
        deserializer.deserialize_map(MetaVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbatim_parts_share_the_body_and_round_trip() {
        let body = Bytes::from(br#"{"a": {"x" : [1, 2]}, "b": "\u00e9"}"#.to_vec());
        let parsed: std::collections::BTreeMap<&str, &RawValue> =
            serde_json::from_slice(&body).unwrap();
        let meta = Meta::new()
            .verbatim("a", &body, parsed["a"])
            .verbatim("b", &body, parsed["b"])
            .with("n", 3);
        let a = &meta.entries[0].1;
        let inside = body.as_ptr() as usize..body.as_ptr() as usize + body.len();
        assert!(
            inside.contains(&(a.as_ptr() as usize)),
            "a slice of the body, not a copy"
        );
        assert_eq!(
            meta.get("a"),
            Some(r#"{"x" : [1, 2]}"#),
            "as sent, spaces included"
        );
        assert_eq!(meta.get("b"), Some(r#""\u00e9""#), "escapes kept");
        let json = serde_json::to_string(&meta).unwrap();
        assert_eq!(json, r#"{"a":{"x" : [1, 2]},"b":"\u00e9","n":3}"#);
        let back: Meta = serde_json::from_str(&json).unwrap();
        assert_eq!(back, meta);
        let pretty: Meta =
            serde_json::from_str(&serde_json::to_string_pretty(&meta).unwrap()).unwrap();
        assert_eq!(pretty, meta);
    }

    #[test]
    fn a_value_from_elsewhere_is_copied_and_keys_are_replaced() {
        let body = Bytes::from_static(b"{}");
        let other: Box<RawValue> = RawValue::from_string("[1]".to_owned()).unwrap();
        let meta = Meta::new()
            .with("k", "first")
            .verbatim("v", &body, &other)
            .with("k", serde_json::Value::Null)
            .with_optional("absent", None::<&str>)
            .with_optional("present", Some(1));
        assert_eq!(meta.len(), 3);
        assert_eq!(
            meta.to_value(),
            serde_json::json!({"k": null, "v": [1], "present": 1})
        );
        assert!(Meta::new().is_empty());
        let object = Bytes::from_static(br#"{"m": {"b": [1], "a": "x"}}"#);
        let parsed: std::collections::BTreeMap<&str, &RawValue> =
            serde_json::from_slice(&object).unwrap();
        let sent = Meta::verbatim_object(&object, parsed["m"]).unwrap();
        assert_eq!(
            sent.iter().collect::<Vec<_>>(),
            [("b", "[1]"), ("a", r#""x""#)]
        );
        assert!(
            Meta::verbatim_object(&object, &other).is_none(),
            "not an object"
        );
        assert_eq!(serde_json::to_string(&Meta::new()).unwrap(), "{}");
        assert_eq!(Meta::new().deepest(), None);
        let nested = Meta::new().with("flat", 1).with(
            "deep",
            serde_json::json!({"a": [[1, "]]]"], {"b": "[[[[\\\"["}]}),
        );
        assert_eq!(
            nested.deepest(),
            Some(("deep", 3)),
            "brackets in strings do not count"
        );
        assert!(serde_json::from_str::<Meta>("[1]").is_err());
    }
}
