//! Reading JSON request bodies with errors that say where.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::Error;

/// `T`, accepted only when written as a JSON object.
///
/// serde's derived `Deserialize` for a struct also accepts a JSON array of its fields in
/// order, so `[]` would become a struct whose optional fields are all absent. Wire formats
/// made of objects wrap their structs in `Object` to reject that with "expected a JSON object".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object<T>(pub T);

impl<T> std::ops::Deref for Object<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        deserializer
            .deserialize_map(ObjectVisitor(PhantomData))
            .map(Object)
    }
}

/// For `#[serde(deserialize_with = "pager_core::json::objects")]` on a `Vec<T>` field:
/// a JSON array whose elements must each be a JSON object (see [`Object`]).
///
/// # Errors
/// When the value is not an array, or an element is not an object or not a valid `T`.
pub fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    let items: Vec<Object<T>> = objects_of(deserializer)?;
    Ok(items.into_iter().map(|Object(item)| item).collect())
}

/// A string from a JSON body: borrowed from the body when it has no escapes, owned otherwise.
///
/// serde borrows a `Cow<str>` field only when it is written literally as `Cow` with
/// `#[serde(borrow)]`; an `Option<Cow<str>>`, or a `Cow` behind a type alias, is always copied.
/// `Str` borrows wherever it is used (`Option<Str>`, inside maps and vectors), needs no
/// attribute but the usual `#[serde(borrow)]` on the field holding a lifetime, and derefs to
/// `str`.
///
/// ```
/// use pager_core::json::Str;
/// let body = br#"{"plain": "db-1", "escaped": "a\nb"}"#;
/// let map: std::collections::BTreeMap<&str, Str<'_>> = pager_core::json::from_slice(body)?;
/// assert!(map["plain"].is_borrowed());
/// assert!(!map["escaped"].is_borrowed());
/// assert_eq!(&*map["escaped"], "a\nb");
/// # Ok::<(), pager_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Str<'a>(pub Cow<'a, str>);

impl Str<'_> {
    /// True when the string points into the body (no copy was made).
    pub fn is_borrowed(&self) -> bool {
        matches!(self.0, Cow::Borrowed(_))
    }

    /// The string, borrowed from `self`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Str<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Str<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Str<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(StrVisitor)
    }
}

/// A value read from the body together with its exact text: `raw` is the byte range the
/// parser saw, so an event can carry that part of the payload verbatim
/// ([`crate::Meta::verbatim`]) without copying or re-serializing it.
///
/// The value is parsed from its own text after the text is delimited, so a `Verbatim` costs
/// one extra scan of its bytes; use it only for the parts an event keeps. Errors are the same
/// as without it (a body that fails is re-read with the value in place, so the error names the
/// full path, `alerts[3].labels`, and its line and column in the whole body), with one
/// addition: the kept text must be valid UTF-8 even in fields the value does not read, and
/// invalid UTF-8 there is a malformed payload at the bad byte's line and column.
///
/// ```
/// use pager_core::json::{Verbatim, from_slice};
/// #[derive(serde::Deserialize)]
/// struct Alert<'a> { #[serde(borrow)] id: pager_core::json::Str<'a> }
/// #[derive(serde::Deserialize)]
/// struct Body<'a> {
///     #[serde(borrow, deserialize_with = "pager_core::json::verbatim_objects")]
///     alerts: Vec<Verbatim<'a, Alert<'a>>>,
/// }
/// let body = br#"{"alerts": [{"id": "a1", "extra": [1, 2]}]}"#;
/// let parsed: Body = from_slice(body)?;
/// assert_eq!(parsed.alerts[0].id.as_str(), "a1");
/// assert_eq!(parsed.alerts[0].raw().get(), r#"{"id": "a1", "extra": [1, 2]}"#);
/// # Ok::<(), pager_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verbatim<'a, T> {
    raw: &'a RawValue,
    value: T,
}

impl<'a, T> Verbatim<'a, T> {
    /// The value's exact text in the body.
    pub fn raw(&self) -> &'a RawValue {
        self.raw
    }

    /// The parsed value.
    pub fn get(&self) -> &T {
        &self.value
    }
}

impl<T> std::ops::Deref for Verbatim<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for Verbatim<'a, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if EXPLAINING.get() {
            // The body failed somewhere: read the value in place for the error's path and
            // position. The result is discarded, so `raw` need not be the value's text.
            let value = T::deserialize(deserializer)?;
            return Ok(Self {
                raw: RawValue::NULL,
                value,
            });
        }
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        let value = serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?;
        Ok(Self { raw, value })
    }
}

/// For `#[serde(deserialize_with = "pager_core::json::verbatim_objects")]` on a
/// `Vec<Verbatim<'a, T>>` field: as [`objects`], each element also kept as its exact text.
///
/// # Errors
/// When the value is not an array, or an element is not an object or not a valid `T`.
pub fn verbatim_objects<'de: 'a, 'a, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<Verbatim<'a, T>>, D::Error> {
    let items: Vec<Verbatim<'a, Object<T>>> = objects_of(deserializer)?;
    Ok(items
        .into_iter()
        .map(|Verbatim { raw, value }| Verbatim {
            raw,
            value: value.0,
        })
        .collect())
}

/// A JSON array read element by element as `E`, with "an array of JSON objects" as what was
/// expected.
fn objects_of<'de, D: Deserializer<'de>, E: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<E>, D::Error> {
    struct SeqVisitor<E>(PhantomData<E>);
    impl<'de, E: Deserialize<'de>> Visitor<'de> for SeqVisitor<E> {
        type Value = Vec<E>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of JSON objects")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<E>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
            while let Some(item) = seq.next_element::<E>()? {
                out.push(item);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_seq(SeqVisitor(PhantomData))
}

/// The content types a JSON adapter accepts: none at all (as sent by hand), `application/json`,
/// `text/json`, and any `application/*+json`, each with or without parameters.
pub const JSON_CONTENT_TYPES: &str = "application/json";

/// `value` trimmed; `None` when it is absent or blank: how adapters read an optional text
/// field.
///
/// ```
/// use std::borrow::Cow;
/// use pager_core::json::{Str, non_blank};
///
/// let name = Str(Cow::Borrowed(" db-1 "));
/// assert_eq!(non_blank(Some(&name)), Some("db-1"));
/// assert_eq!(non_blank(Some(&Str(Cow::Borrowed("  ")))), None);
/// assert_eq!(non_blank(None), None);
/// ```
pub fn non_blank<'s>(value: Option<&'s Str<'_>>) -> Option<&'s str> {
    value.map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// A JSON value as text: a string's own text (unescaped), anything else its JSON as sent.
///
/// ```
/// use serde_json::value::RawValue;
///
/// let text = |json: &str| pager_core::json::raw_text(&RawValue::from_string(json.into()).unwrap()).into_owned();
/// assert_eq!(text(r#"" a\"b ""#), r#" a"b "#);
/// assert_eq!(text("[1, 2]"), "[1, 2]");
/// assert_eq!(text("null"), "null");
/// ```
pub fn raw_text(raw: &RawValue) -> std::borrow::Cow<'_, str> {
    match serde_json::from_str::<Str<'_>>(raw.get()) {
        Ok(text) => text.0,
        Err(_) => std::borrow::Cow::Borrowed(raw.get()),
    }
}

/// The entries of a JSON object as `additional_data` text, in key order: strings as they are
/// (trimmed), other values as their JSON; blank and `null` entries skipped. A value that is
/// not an object gives nothing (the raw body still has it). For free-form "details" objects
/// (PagerDuty's `custom_details`, Opsgenie's `details`).
pub fn object_as_data(raw: &RawValue) -> Vec<crate::AdditionalData> {
    let Ok(entries) =
        serde_json::from_str::<std::collections::BTreeMap<Str<'_>, &RawValue>>(raw.get())
    else {
        return Vec::new();
    };
    entries
        .into_iter()
        .filter(|(_, value)| value.get() != "null")
        .filter_map(|(key, value)| {
            let value = raw_text(value).trim().to_owned();
            (!value.is_empty()).then(|| crate::AdditionalData::text(key.as_str().to_owned(), value))
        })
        .collect()
}

/// Checks the request's `Content-Type` for JSON (see [`JSON_CONTENT_TYPES`]).
///
/// # Errors
/// [`Error::UnsupportedContentType`] for any other content type.
pub fn require_json<B>(req: &http::Request<B>) -> Result<(), Error> {
    require_content_type(req, false)
}

/// As [`require_json`], also accepting `text/plain`: for vendors that post JSON labelled as
/// plain text (Amazon SNS sends `text/plain; charset=UTF-8`).
///
/// # Errors
/// [`Error::UnsupportedContentType`] for any other content type.
pub fn require_json_or_text<B>(req: &http::Request<B>) -> Result<(), Error> {
    require_content_type(req, true)
}

fn require_content_type<B>(req: &http::Request<B>, plain_text: bool) -> Result<(), Error> {
    let Some(value) = req.headers().get(http::header::CONTENT_TYPE) else {
        return Ok(());
    };
    let raw = String::from_utf8_lossy(value.as_bytes());
    let essence = raw
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if is_json_essence(&essence) || (plain_text && essence == "text/plain") {
        Ok(())
    } else {
        Err(Error::unsupported_content_type(
            raw.into_owned(),
            if plain_text {
                "application/json or text/plain"
            } else {
                JSON_CONTENT_TYPES
            },
        ))
    }
}

/// True for a `Content-Type` essence (lowercase, without parameters) that [`require_json`]
/// accepts; blank is JSON.
pub(crate) fn is_json_essence(essence: &str) -> bool {
    essence.is_empty()
        || essence == "application/json"
        || essence == "text/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Deserializes `body` into `T`, borrowing strings from `body` where `T` allows it.
///
/// The fast path checks the body is UTF-8 once (a word-at-a-time scan for ASCII), then parses
/// it as a `str`, so `serde_json` need not validate every string it borrows one at a time
/// (that was ~20% of a parse). Only when that fails is the body parsed again as bytes with
/// path tracking, so the error can name the field (`alerts[3].labels.severity`) or the bad byte
/// without slowing down every valid delivery.
///
/// # Errors
/// [`Error::Malformed`] for syntax errors and truncated input (with line and column),
/// [`Error::Invalid`] for schema errors (with the JSON path).
pub fn from_slice<'de, T: Deserialize<'de>>(body: &'de [u8]) -> Result<T, Error> {
    let parsed = match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        // Not UTF-8 as a whole, yet serde_json accepts bytes it skips unchecked (an unknown
        // field's string): parse as bytes, exactly as before this fast path existed.
        Err(_) => serde_json::from_slice(body),
    };
    parsed.map_err(|_| explain::<T>(body))
}

thread_local! {
    /// Set while [`explain`] re-parses a body that failed: [`Verbatim`] then reads its value
    /// in place, so the error has the full JSON path and the position in the whole body.
    static EXPLAINING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn explain<'de, T: Deserialize<'de>>(body: &'de [u8]) -> Error {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Error::malformed(1, 0, "the body is empty; expected a JSON object");
    }
    if body.starts_with(b"\xEF\xBB\xBF") {
        return Error::malformed(
            1,
            1,
            "the body starts with a UTF-8 byte order mark, which JSON does not allow",
        );
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let was = EXPLAINING.replace(true);
    let result = serde_path_to_error::deserialize::<_, T>(&mut de);
    EXPLAINING.set(was);
    let (path, inner) = match result {
        Err(err) => (crate::error::describe_path(err.path()), err.into_inner()),
        // The value parsed: what failed is what follows it ("trailing characters").
        Ok(_) => match de.end() {
            Err(err) => ("the top level".to_owned(), err),
            Ok(()) => return unparseable(body),
        },
    };
    let (line, column) = (inner.line(), inner.column());
    let message = match strip_position(&inner.to_string()) {
        // serde_json's words for invalid UTF-8 in a string as well as for a bad `\u` escape.
        m if m == "invalid unicode code point" => {
            "invalid UTF-8, or an invalid \\u escape, in a string".to_owned()
        }
        m => m,
    };
    if message == "recursion limit exceeded" {
        return Error::limit_exceeded(
            "json_depth",
            format!("JSON nested deeper than 128 levels at line {line}, column {column}"),
        );
    }
    match inner.classify() {
        serde_json::error::Category::Data => {
            Error::invalid(path, format!("{message} (line {line}, column {column})"))
        }
        serde_json::error::Category::Eof => {
            Error::malformed(line, column, format!("{message} (the JSON is truncated)"))
        }
        serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
            Error::malformed(line, column, message)
        }
    }
}

/// The body parsed when re-read in place, yet not in the fast path: what differs is a
/// [`Verbatim`] part, whose text must be UTF-8 even where the rest of the parse skips it.
fn unparseable(body: &[u8]) -> Error {
    match std::str::from_utf8(body) {
        Err(e) => {
            let before = body.get(..e.valid_up_to()).unwrap_or_default();
            let line = before.split(|b| *b == b'\n').count();
            let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
            Error::malformed(
                line,
                column,
                "invalid UTF-8 in a part of the body that is kept verbatim",
            )
        }
        Ok(_) => Error::malformed(1, 1, "unparseable body"),
    }
}

/// `serde_json` appends " at line L column C"; the error types carry those separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message.get(..at).unwrap_or(message).to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Doc {
        items: Vec<BTreeMap<String, String>>,
    }

    #[test]
    fn object_as_data_skips_null_but_keeps_the_text_null() {
        let raw: Box<RawValue> =
            serde_json::from_str(r#"{"a": null, "b": "null", "c": " ", "d": 2}"#).unwrap();
        let data: Vec<(String, String)> = object_as_data(&raw)
            .into_iter()
            .map(|d| (d.label.into_owned(), d.value))
            .collect();
        assert_eq!(
            data,
            [
                ("b".to_owned(), "null".to_owned()),
                ("d".to_owned(), "2".to_owned())
            ]
        );
    }

    #[test]
    fn schema_errors_name_the_path() {
        let err = from_slice::<Doc>(br#"{"items": [{"a": "b"}, {"c": 1}]}"#).unwrap_err();
        let Error::Invalid { path, message, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(path, "items[1].c");
        assert!(
            message.starts_with("invalid type: integer `1`, expected a string"),
            "{message}"
        );
    }

    #[test]
    fn bytes_serde_json_skips_unchecked_are_still_accepted() {
        // Not UTF-8 as a whole (0xff is never UTF-8), but the bad byte sits in a field nobody
        // reads.
        let body = b"{\"items\": [{\"a\": \"b\"}], \"unread\": \"\xff\"}";
        let doc = from_slice::<Doc>(body).unwrap();
        assert_eq!(doc.items[0]["a"], "b");
        // In a field that is read, it is an error with its place.
        let err = from_slice::<Doc>(b"{\"items\": [{\"a\": \"\xff\"}]}").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn missing_field_is_at_the_top_level() {
        let err = from_slice::<Doc>(b"{}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid payload at the top level: missing field `items` (line 1, column 2)"
        );
    }

    #[test]
    fn syntax_and_truncation_give_line_and_column() {
        let err = from_slice::<Doc>(b"{\n \"items\": [}").unwrap_err();
        assert!(
            matches!(
                err,
                Error::Malformed {
                    line: 2,
                    column: 12,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = from_slice::<Doc>(b"{\"items\": [").unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
        let err = from_slice::<Doc>(b"   ").unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        let err = from_slice::<Doc>(b"{\"items\": []} x").unwrap_err();
        assert!(err.to_string().contains("trailing characters"), "{err}");
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        a: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Items {
        #[serde(deserialize_with = "objects")]
        items: Vec<Item>,
    }

    #[test]
    fn objects_only() {
        let err = from_slice::<Object<Item>>(b"[]").unwrap_err();
        assert!(
            err.to_string().starts_with(
                "invalid payload at the top level: invalid type: sequence, expected a JSON object"
            ),
            "{err}"
        );
        let err = from_slice::<Items>(br#"{"items": [{"a": "x"}, ["y"]]}"#).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "invalid payload at items[1]: invalid type: sequence, expected a JSON object"
            ),
            "{err}"
        );
        let ok = from_slice::<Object<Items>>(br#"{"items": [{"a": "x"}, {}]}"#).unwrap();
        assert_eq!(ok.items.len(), 2);
    }

    #[derive(Debug, Deserialize)]
    struct VerbatimItems<'a> {
        #[serde(borrow, deserialize_with = "verbatim_objects")]
        items: Vec<Verbatim<'a, Item>>,
    }

    #[test]
    fn verbatim_keeps_the_text_and_errors_keep_the_full_path() {
        let body = br#"{"items": [{"a": "x"} , {"a" : "y"}]}"#;
        let doc: VerbatimItems<'_> = from_slice(body).unwrap();
        assert_eq!(doc.items[1].raw().get(), r#"{"a" : "y"}"#);
        assert_eq!(doc.items[0].a.as_deref(), Some("x"));
        let err =
            from_slice::<VerbatimItems<'_>>(br#"{"items": [{"a": "x"}, {"a": 1}]}"#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid payload at items[1].a: invalid type: integer `1`, expected a string (line 1, column 3"),
            "{err}"
        );
        let err = from_slice::<VerbatimItems<'_>>(br#"{"items": [{"a": "x"}, 2]}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("at items[1]: invalid type: integer `2`, expected a JSON object"),
            "{err}"
        );
        let err =
            from_slice::<VerbatimItems<'_>>(b"{\"items\": [{\"a\": \"x\"},\n {\"z\": \"\xff\"}]}")
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "malformed payload at line 2, column 9: invalid UTF-8 in a part of the body that is kept verbatim"
        );
        let err = from_slice::<VerbatimItems<'_>>(br#"{"items": {}}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected an array of JSON objects"),
            "{err}"
        );
    }

    #[test]
    fn nesting_deeper_than_128_is_a_named_limit() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Any {
            v: serde_json::Value,
        }
        let deep = format!("{{\"v\": {}{}}}", "[".repeat(200), "]".repeat(200));
        let err = from_slice::<Any>(deep.as_bytes()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::LimitExceeded {
                    limit: "json_depth",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn content_types() {
        let req = |ct: &str| {
            http::Request::builder()
                .header("content-type", ct)
                .body(())
                .unwrap()
        };
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/vnd.foo+json",
            "text/json",
        ] {
            assert!(require_json(&req(ok)).is_ok(), "{ok}");
        }
        assert!(require_json(&http::Request::new(())).is_ok());
        let err = require_json(&req("application/x-www-form-urlencoded")).unwrap_err();
        assert_eq!(err.status(), 415);
    }
}
