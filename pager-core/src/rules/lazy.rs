//! JSON that rules read lazily: one level is split the first time a rule looks inside a value,
//! and what it holds stays text until looked into in turn. Rules read a few fields of a
//! payload or an event; building the whole value tree for them cost four times the adapter's
//! own work (BENCHMARKS.md, issue 16).
//!
//! The text is shared, never copied: the request's body, or an event's `meta` value (a slice
//! of that body), as the [`Bytes`] that already hold it, and JSON `serde_json` wrote. It is
//! valid JSON (the body is checked once by [`body`]; a `meta` value is valid by construction),
//! so a level is split by [`Cursor`] without checking it again. (Checking only the parts of
//! the body rules read, splitting its first level with [`Cursor`], was slower: `serde_json`
//! checks 1 KB faster than [`Cursor`] splits it.)

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr};

/// Up to this many members, an object's key is looked up by scanning its members as written;
/// a larger object is sorted once, then searched. Payload objects are small, and sorting them
/// for a handful of lookups cost a twelfth of the rules' time (issue 16).
const SCANNED_MEMBERS: usize = 16;

/// The request's `body` as a lazily read JSON value, or `None` when it is not JSON.
pub(super) fn body(body: &Bytes) -> Option<Value> {
    let text = std::str::from_utf8(body).ok()?;
    // The whole text checked once, here (a body that is not JSON is `none`, not an empty
    // object); what is read of it later is split without checking again. An object's first
    // level is read in the same pass (a payload is nearly always one, and rules read it).
    if text.trim_start().starts_with('{') {
        let Members(members) = serde_json::from_str(text).ok()?;
        let base = text.as_ptr() as usize;
        // Both borrow from `text`, which is `body`: the same offsets.
        let span = |part: &str| {
            let at = (part.as_ptr() as usize).wrapping_sub(base);
            at..at + part.len()
        };
        let members = members
            .into_iter()
            .map(|(key, raw)| {
                let key = match key.0 {
                    std::borrow::Cow::Borrowed(key) => Key::Span(span(key)),
                    std::borrow::Cow::Owned(key) => Key::Read(key.into()),
                };
                (key, span(raw.get()))
            })
            .collect();
        let object = LazyJson::new(body.clone(), 0..text.len(), false);
        let _ = object.entries.set(Entries::new(members));
        return Some(Value::from_object(object));
    }
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    shared(body)
}

/// An object's members as written, keys borrowed from the text when they have no escapes.
struct Members<'a>(Vec<(crate::json::Str<'a>, &'a serde_json::value::RawValue)>);

impl<'de> serde::Deserialize<'de> for Members<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> serde::de::Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Members<'de>, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

/// JSON text known to be valid (a `meta` value, JSON `serde_json` wrote) as a minijinja
/// value: a scalar read at once, an object or array as a [`LazyJson`] that shares `text`.
/// (Not checked as UTF-8 as a whole: each string is when it is read.)
pub(super) fn shared(text: &Bytes) -> Option<Value> {
    at(text, 0..text.len())
}

/// A value as [`shared`] reads its JSON form: for the parts of the event that are lists and
/// objects, so that they read exactly as the rest of the JSON rules see.
pub(super) fn json_form(value: &impl serde::Serialize) -> Value {
    serde_json::to_vec(value)
        .ok()
        .and_then(|json| shared(&Bytes::from(json)))
        .unwrap_or(Value::UNDEFINED)
}

/// The JSON value at `span` of `text`: an object or array shares `text`.
fn at(text: &Bytes, span: Range<usize>) -> Option<Value> {
    let slice = text.get(span.clone())?;
    match slice.trim_ascii_start().first()? {
        b'{' => Some(Value::from_object(LazyJson::new(text.clone(), span, false))),
        b'[' => Some(Value::from_object(LazyJson::new(text.clone(), span, true))),
        _ => scalar(slice),
    }
}

/// A JSON scalar (valid JSON text) as the value `serde_json` would read: a string without
/// escapes and the three literals directly, anything else through `serde_json`.
fn scalar(text: &[u8]) -> Option<Value> {
    match text.trim_ascii() {
        [b'"', inner @ .., b'"'] if !inner.contains(&b'\\') => {
            std::str::from_utf8(inner).ok().map(Value::from)
        }
        b"true" => Some(Value::from(true)),
        b"false" => Some(Value::from(false)),
        b"null" => Some(Value::from(())),
        text => serde_json::from_slice::<Value>(text).ok(),
    }
}

/// A JSON object or array that rules read lazily (see the [module docs](self)): a span of the
/// JSON text it shares with its parent.
#[derive(Debug)]
struct LazyJson {
    text: Bytes,
    span: Range<usize>,
    seq: bool,
    entries: OnceLock<Entries>,
}

/// One level of an object or array.
#[derive(Debug, Default)]
struct Entries {
    /// Object members' keys as written; none for an array.
    keys: Vec<Key>,
    /// Object members' values as written, or array items.
    values: Vec<Child>,
    /// An object's members in key order, the last of a repeated key only (as a map reads):
    /// made when first needed, to enumerate it or to look up a key in a large object.
    order: OnceLock<Vec<usize>>,
}

/// An object member's key: its span of the text (between the quotes) when it has no
/// escapes, else the key read.
#[derive(Debug)]
enum Key {
    Span(Range<usize>),
    Read(Box<str>),
}

/// A member or item: its span of the text, made a value the first time it is read.
#[derive(Debug)]
struct Child {
    span: Range<usize>,
    value: OnceLock<Value>,
}

impl Entries {
    fn new(members: Vec<(Key, Range<usize>)>) -> Self {
        let (keys, values) = members
            .into_iter()
            .map(|(key, span)| (key, Child::new(span)))
            .unzip();
        Self {
            keys,
            values,
            order: OnceLock::new(),
        }
    }

    fn items(items: Vec<Range<usize>>) -> Self {
        Self {
            values: items.into_iter().map(Child::new).collect(),
            ..Self::default()
        }
    }
}

impl Child {
    fn new(span: Range<usize>) -> Self {
        Self {
            span,
            value: OnceLock::new(),
        }
    }
}

/// Splits one level of valid JSON text: where each member or item begins and ends. On text
/// that is not valid JSON it returns `None` or spans that read as undefined; it never panics.
struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
    end: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a [u8], span: &Range<usize>) -> Self {
        Self {
            text,
            at: span.start,
            end: span.end.min(text.len()),
        }
    }

    fn peek(&self) -> Option<u8> {
        if self.at < self.end {
            self.text.get(self.at).copied()
        } else {
            None
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Past the string that starts here; whether it has escapes.
    fn string(&mut self) -> Option<bool> {
        self.eat(b'"')?;
        let mut escaped = false;
        loop {
            let rest = self.text.get(self.at..self.end)?;
            self.at += memchr::memchr2(b'"', b'\\', rest)?;
            if self.peek()? == b'"' {
                self.at += 1;
                return Some(escaped);
            }
            escaped = true;
            self.at += 2;
        }
    }

    /// The span of the value that starts here, and past it.
    fn value(&mut self) -> Option<Range<usize>> {
        let start = self.at;
        let (open, close) = match self.peek()? {
            b'"' => {
                self.string()?;
                return Some(start..self.at);
            }
            b'{' => (b'{', b'}'),
            b'[' => (b'[', b']'),
            _ => {
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    self.at += 1;
                }
                return (self.at > start).then_some(start..self.at);
            }
        };
        // In valid JSON, braces and brackets outside strings each pair up: counting one kind
        // finds the end. One memchr pass finds every quote and bracket (a call per string,
        // as for a member, cost more than the rest of the split; issue 16); a quote is a
        // string's end unless an odd number of backslashes comes before it.
        let text = self.text.get(start..self.end)?;
        let mut depth = 0usize;
        let mut in_string = false;
        for at in memchr::memchr3_iter(b'"', open, close, text) {
            match *text.get(at)? {
                b'"' => {
                    let before = text.get(..at)?;
                    let backslashes = before.iter().rev().take_while(|&&b| b == b'\\').count();
                    if !in_string || backslashes % 2 == 0 {
                        in_string = !in_string;
                    }
                }
                _ if in_string => {}
                byte if byte == open => depth += 1,
                _ => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        self.at = start + at + 1;
                        return Some(start..self.at);
                    }
                }
            }
        }
        None
    }

    /// The members of the object that starts here, as written.
    fn members(&mut self) -> Option<Vec<(Key, Range<usize>)>> {
        self.skip_whitespace();
        self.eat(b'{')?;
        let mut members = Vec::with_capacity(8);
        self.skip_whitespace();
        if self.eat(b'}').is_some() {
            return Some(members);
        }
        loop {
            self.skip_whitespace();
            let key_start = self.at;
            let key = if self.string()? {
                let quoted = self.text.get(key_start..self.at)?;
                Key::Read(serde_json::from_slice::<String>(quoted).ok()?.into())
            } else {
                Key::Span(key_start + 1..self.at - 1)
            };
            self.skip_whitespace();
            self.eat(b':')?;
            self.skip_whitespace();
            members.push((key, self.value()?));
            self.skip_whitespace();
            if self.eat(b',').is_none() {
                self.eat(b'}')?;
                return Some(members);
            }
        }
    }

    /// The items of the array that starts here.
    fn items(&mut self) -> Option<Vec<Range<usize>>> {
        self.skip_whitespace();
        self.eat(b'[')?;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.eat(b']').is_some() {
            return Some(items);
        }
        loop {
            self.skip_whitespace();
            items.push(self.value()?);
            self.skip_whitespace();
            if self.eat(b',').is_none() {
                self.eat(b']')?;
                return Some(items);
            }
        }
    }
}

impl LazyJson {
    fn new(text: Bytes, span: Range<usize>, seq: bool) -> Self {
        Self {
            text,
            span,
            seq,
            entries: OnceLock::new(),
        }
    }

    fn entries(&self) -> &Entries {
        self.entries.get_or_init(|| self.read().unwrap_or_default())
    }

    fn key<'k>(&'k self, key: &'k Key) -> &'k [u8] {
        match key {
            Key::Span(span) => self.text.get(span.clone()).unwrap_or_default(),
            Key::Read(key) => key.as_bytes(),
        }
    }

    /// The first level; `None` when the text is not JSON of its kind.
    fn read(&self) -> Option<Entries> {
        let mut cursor = Cursor::new(&self.text, &self.span);
        if self.seq {
            Some(Entries::items(cursor.items()?))
        } else {
            Some(Entries::new(cursor.members()?))
        }
    }

    /// The object's members in key order (byte order, which is `str`'s), the last of a
    /// repeated key only; a stable sort keeps a repeated key's members as written.
    fn order<'e>(&self, entries: &'e Entries) -> &'e [usize] {
        entries.order.get_or_init(|| {
            let mut order: Vec<usize> = (0..entries.keys.len()).collect();
            let key = |at: &usize| entries.keys.get(*at).map(|k| self.key(k));
            order.sort_by(|a, b| key(a).cmp(&key(b)));
            let mut unique = Vec::with_capacity(order.len());
            let mut members = order.into_iter().peekable();
            while let Some(at) = members.next() {
                if members.peek().is_none_or(|next| key(next) != key(&at)) {
                    unique.push(at);
                }
            }
            unique
        })
    }

    /// Where the member `key` is (the last, when it is repeated).
    fn find(&self, entries: &Entries, key: &[u8]) -> Option<usize> {
        if entries.keys.len() <= SCANNED_MEMBERS {
            return entries.keys.iter().rposition(|k| self.key(k) == key);
        }
        let order = self.order(entries);
        let keyed = |at: &usize| entries.keys.get(*at).map(|k| self.key(k));
        order
            .binary_search_by(|at| keyed(at).cmp(&Some(key)))
            .ok()
            .and_then(|found| order.get(found).copied())
    }

    fn child(&self, child: &Child) -> Value {
        child
            .value
            .get_or_init(|| at(&self.text, child.span.clone()).unwrap_or(Value::UNDEFINED))
            .clone()
    }
}

impl Object for LazyJson {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        if self.seq {
            ObjectRepr::Seq
        } else {
            ObjectRepr::Map
        }
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let entries = self.entries();
        let at = if self.seq {
            key.as_usize()?
        } else {
            self.find(entries, key.as_str()?.as_bytes())?
        };
        Some(self.child(entries.values.get(at)?))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let entries = self.entries();
        let items: Vec<Value> = if self.seq {
            entries.values.iter().map(|c| self.child(c)).collect()
        } else {
            self.order(entries)
                .iter()
                .filter_map(|at| entries.keys.get(*at))
                .map(|k| Value::from(std::str::from_utf8(self.key(k)).unwrap_or_default()))
                .collect()
        };
        Enumerator::Iter(Box::new(items.into_iter()))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        let entries = self.entries();
        Some(if self.seq {
            entries.values.len()
        } else {
            self.order(entries).len()
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn arbitrary_json() -> impl Strategy<Value = serde_json::Value> {
        // Strings with brackets, quotes and runs of backslashes, at the end too (a quote after
        // an even number of backslashes ends a string).
        let text = prop_oneof![
            "[a-z]{0,6}",
            "[\\\\\"{}\\[\\] a]{0,8}",
            Just("\"\\ \u{e9}\u{1F600}\n}]{[,:".to_owned())
        ];
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<u64>().prop_map(serde_json::Value::from),
            (-1e9f64..1e9).prop_map(serde_json::Value::from),
            text.clone().prop_map(serde_json::Value::from),
        ];
        // Objects of up to 24 members: both ways of finding a key (scanned, sorted) are read.
        leaf.prop_recursive(4, 64, 24, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                prop::collection::vec((text.clone(), inner), 0..24).prop_map(|members| {
                    serde_json::Value::Object(members.into_iter().collect())
                }),
            ]
        })
    }

    /// What a minijinja value holds, as JSON (every level of a lazy value read).
    fn as_json(value: &Value) -> serde_json::Value {
        serde_json::to_value(value).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
        #[test]
        fn lazy_json_reads_as_serde_json_does(value in arbitrary_json(), pretty in any::<bool>()) {
            let text = if pretty {
                serde_json::to_string_pretty(&value).unwrap()
            } else {
                serde_json::to_string(&value).unwrap()
            };
            let expected = as_json(&serde_json::from_str::<Value>(&text).unwrap());
            prop_assert_eq!(&as_json(&shared(&Bytes::from(text.clone())).unwrap()), &expected);
            prop_assert_eq!(&as_json(&body(&Bytes::from(text)).unwrap()), &expected);
        }
    }

    #[test]
    fn each_key_of_a_large_object_is_found_and_a_repeated_key_reads_as_its_last_value() {
        for size in [3, SCANNED_MEMBERS - 2, SCANNED_MEMBERS, 40] {
            let mut text = (0..size)
                .map(|i| format!("\"k{i}\": {i}"))
                .collect::<Vec<_>>()
                .join(", ");
            text = format!("{{\"k1\": \"first\", {text}, \"k0\": \"last\"}}");
            let value = shared(&Bytes::from(text.clone())).unwrap();
            for i in 1..size {
                assert_eq!(
                    value.get_attr(&format!("k{i}")).unwrap(),
                    Value::from(i),
                    "{text}"
                );
            }
            assert_eq!(value.get_attr("k0").unwrap(), Value::from("last"), "{text}");
            assert!(value.get_attr("k").unwrap().is_undefined(), "{text}");
            assert_eq!(value.len(), Some(size), "{text}");
            let keys: Vec<String> = value.try_iter().unwrap().map(|k| k.to_string()).collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted, "{text}");
        }
    }

    #[test]
    fn a_body_that_is_not_json_is_none() {
        for text in [
            "",
            "{",
            "{\"a\": 1",
            "{\"a\": 1} x",
            "[1,]",
            "nul",
            "\"\\x\"",
            "{'a': 1}",
        ] {
            assert!(body(&Bytes::from(text)).is_none(), "{text:?}");
        }
        assert!(body(&Bytes::from_static(b"{\"a\": \"\xff\"}")).is_none());
        // Text that is not valid JSON never panics when read (a `meta` is valid by
        // construction; this is defence only).
        for text in [
            "{\"a\": [1, {\"b\"",
            "{\"a\" 1}",
            "[1 2]",
            "{\"\\",
            "[\"]",
            "{\"a\":}",
        ] {
            if let Some(value) = shared(&Bytes::from(text)) {
                let _ = serde_json::to_value(&value);
            }
        }
    }
}
