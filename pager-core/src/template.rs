//! Reading template-filled payloads: bodies a user builds from a vendor's template variables
//! (Datadog's `$ALERT_ID`, Zabbix's `{EVENT.ID}` macros, New Relic's legacy `$INCIDENT_ID`).
//!
//! Such a body is a flat JSON object of whatever the vendor filled in. Every adapter of such a
//! vendor reads it with the same rules:
//!
//! - **Scalars as text.** A value may arrive as a string, a number or a boolean; each reads as
//!   its text (`42` → `"42"`, `true` → `"true"`), strings borrowed from the body. `null` is
//!   absent. An array or an object is not a template variable's value: [`Value`] and
//!   [`Fields`] reject it, [`Lenient`] reads it as absent.
//! - **Unfilled is absent.** Values are trimmed; a blank value, or a variable the vendor left
//!   unfilled and sent as its own name (a [`Placeholder`]), reads as absent. Each vendor has
//!   its own form, and an adapter recognizes only its vendor's.
//! - **Epoch milliseconds** (Datadog's `$DATE`, New Relic's `createdAt`) read as RFC 3339:
//!   [`epoch_millis_to_rfc3339`].
//!
//! ```
//! use pager_core::json::Object;
//! use pager_core::template::{Fields, Placeholder, epoch_millis_to_rfc3339};
//!
//! let body = br#"{"alert_id": 42, "priority": "$ALERT_PRIORITY", "title": " Disk full ",
//!                 "host": "", "muted": false, "date": "1406662672000"}"#;
//! let Object(fields) = pager_core::json::from_slice::<Object<Fields>>(body)?;
//! let fields = fields.with_placeholder(Placeholder::Dollar);
//! assert_eq!(fields.get("alert_id"), Some("42"));
//! assert_eq!(fields.get("priority"), None, "left unfilled");
//! assert_eq!(fields.get("title"), Some("Disk full"));
//! assert_eq!(fields.get("host"), None, "blank");
//! assert_eq!(fields.get("muted"), Some("false"));
//! let date = fields.get("date").and_then(epoch_millis_to_rfc3339);
//! assert_eq!(date.as_deref(), Some("2014-07-29T19:37:52.000Z"));
//!
//! // A nested value is an error that says where.
//! let err = pager_core::json::from_slice::<Object<Fields>>(br#"{"tags": ["a"]}"#).unwrap_err();
//! assert!(err.to_string().starts_with("invalid payload at tags: invalid type: sequence"), "{err}");
//! # Ok::<(), pager_core::Error>(())
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::json::Str;

/// The form in which a vendor sends a template variable it could not fill: the variable's own
/// name. A value of that form reads as absent.
///
/// ```
/// use pager_core::template::Placeholder;
///
/// assert!(Placeholder::Dollar.matches("$ALERT_PRIORITY"));
/// assert!(Placeholder::Macro.matches("{EVENT.RECOVERY.ID}"));
/// assert!(!Placeholder::Dollar.matches("$5 charged"));
/// assert!(!Placeholder::Macro.matches("Problem: {x} down"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Placeholder {
    /// `$ALERT_PRIORITY`: `$` and a name of upper-case ASCII letters, digits and `_`, and
    /// nothing else. Datadog's template variables and New Relic's legacy webhook variables.
    Dollar,
    /// `{EVENT.RECOVERY.ID}`, `{$ZABBIX.URL}`, `{EVENT.TAGS.__x}`: a Zabbix macro in braces
    /// (a name of ASCII letters, digits, `.`, `_` and `$`, with at least one upper-case
    /// letter), and nothing else. Zabbix sends a macro it cannot resolve for a notification
    /// this way.
    Macro,
}

impl Placeholder {
    /// True when `text` (already trimmed) is an unfilled variable of this form.
    ///
    /// ```
    /// use pager_core::template::Placeholder;
    ///
    /// assert!(Placeholder::Dollar.matches("$INCIDENT_ID"));
    /// assert!(!Placeholder::Dollar.matches("{EVENT.ID}"), "each form only recognizes its own");
    /// assert!(Placeholder::Macro.matches("{$ZABBIX.URL}"));
    /// assert!(!Placeholder::Macro.matches("{}"));
    /// ```
    pub fn matches(self, text: &str) -> bool {
        match self {
            Placeholder::Dollar => text.strip_prefix('$').is_some_and(|name| {
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            }),
            Placeholder::Macro => text
                .strip_prefix('{')
                .and_then(|rest| rest.strip_suffix('}'))
                .is_some_and(|name| {
                    !name.is_empty()
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"._$".contains(&b))
                        && name.bytes().any(|b| b.is_ascii_uppercase())
                }),
        }
    }
}

/// `text` trimmed; `None` when blank or an unfilled variable of the `placeholder` form.
fn filled(text: &str, placeholder: Option<Placeholder>) -> Option<&str> {
    let text = text.trim();
    let unfilled = placeholder.is_some_and(|p| p.matches(text));
    (!text.is_empty() && !unfilled).then_some(text)
}

/// One template variable's value: a string, a number or a boolean, as text. A string is
/// borrowed from the body when it has no escapes.
///
/// Deserializing anything else (an array, an object; `null` unless the field is an `Option`)
/// is an error: "invalid type: sequence, expected a string, number or boolean (a template
/// variable's value)". For a field that should read such a value as absent, use [`Lenient`].
///
/// ```
/// use pager_core::template::{Placeholder, Value};
///
/// let value: Value = serde_json::from_str("1406662672000")?;
/// assert_eq!(value.as_str(), "1406662672000");
/// let value: Value = serde_json::from_str(r#"" $ALERT_ID ""#)?;
/// assert_eq!(value.filled(Placeholder::Dollar), None);
/// assert!(serde_json::from_str::<Value>("[1]").is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value<'a>(Str<'a>);

impl Value<'_> {
    /// The text as sent (untrimmed; a number or boolean as JSON writes it).
    ///
    /// ```
    /// let value: pager_core::template::Value = serde_json::from_str("true")?;
    /// assert_eq!(value.as_str(), "true");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text trimmed; `None` when blank.
    ///
    /// ```
    /// let value: pager_core::template::Value = serde_json::from_str(r#"" web-1 ""#)?;
    /// assert_eq!(value.non_blank(), Some("web-1"));
    /// let value: pager_core::template::Value = serde_json::from_str(r#""  ""#)?;
    /// assert_eq!(value.non_blank(), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn non_blank(&self) -> Option<&str> {
        Some(self.0.trim()).filter(|s| !s.is_empty())
    }

    /// The text trimmed; `None` when blank or an unfilled variable of the `placeholder` form.
    ///
    /// ```
    /// use pager_core::template::{Placeholder, Value};
    ///
    /// let value: Value = serde_json::from_str(r#"" web-1 ""#)?;
    /// assert_eq!(value.filled(Placeholder::Dollar), Some("web-1"));
    /// let value: Value = serde_json::from_str(r#""{HOST.IP}""#)?;
    /// assert_eq!(value.filled(Placeholder::Macro), None);
    /// assert_eq!(value.filled(Placeholder::Dollar), Some("{HOST.IP}"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn filled(&self, placeholder: Placeholder) -> Option<&str> {
        filled(&self.0, Some(placeholder))
    }
}

/// A value from text read elsewhere than a JSON body (a form field, say).
///
/// ```
/// use pager_core::json::Str;
/// use pager_core::template::{Placeholder, Value};
///
/// let value = Value::from(Str(" web-1 ".into()));
/// assert_eq!(value.filled(Placeholder::Dollar), Some("web-1"));
/// ```
impl<'a> From<Str<'a>> for Value<'a> {
    fn from(text: Str<'a>) -> Self {
        Value(text)
    }
}

/// What [`ScalarVisitor`] makes of a JSON value.
enum Read<'a> {
    Text(Str<'a>),
    /// `null`, or (when the visitor is lenient) an array or an object.
    Absent,
}

impl<'a> Read<'a> {
    fn text(text: impl Into<Cow<'a, str>>) -> Self {
        Read::Text(Str(text.into()))
    }
}

/// Reads a scalar as text. Strict: an array or object is an error; lenient: it is skipped
/// (without recursion) and read as absent.
struct ScalarVisitor {
    lenient: bool,
}

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Read<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lenient {
            f.write_str("any JSON value")
        } else {
            f.write_str("a string, number or boolean (a template variable's value)")
        }
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Read<'de>, E> {
        Ok(Read::text(v))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Read<'de>, E> {
        Ok(Read::text(v.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Read<'de>, E> {
        Ok(Read::text(v))
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Read<'de>, E> {
        Ok(Read::text(if v { "true" } else { "false" }))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Read<'de>, E> {
        Ok(Read::text(v.to_string()))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Read<'de>, E> {
        Ok(Read::text(v.to_string()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Read<'de>, E> {
        // As serde_json writes it (`1e+20`, `0.5`), not as Rust's `Display` would.
        let written =
            serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string());
        Ok(Read::text(written))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Read<'de>, E> {
        Ok(Read::Absent)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Read<'de>, E> {
        Ok(Read::Absent)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Read<'de>, A::Error> {
        if !self.lenient {
            return Err(serde::de::Error::invalid_type(
                serde::de::Unexpected::Seq,
                &self,
            ));
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Read::Absent)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read<'de>, A::Error> {
        if !self.lenient {
            return Err(serde::de::Error::invalid_type(
                serde::de::Unexpected::Map,
                &self,
            ));
        }
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Read::Absent)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Value<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let visitor = ScalarVisitor { lenient: false };
        match deserializer.deserialize_any(visitor)? {
            Read::Text(text) => Ok(Value(text)),
            Read::Absent => Err(serde::de::Error::invalid_type(
                serde::de::Unexpected::Unit,
                &ScalarVisitor { lenient: false },
            )),
        }
    }
}

/// A field read leniently: a string, number or boolean is a [`Value`]; `null`, an array or an
/// object reads as absent instead of being an error. A missing field is absent too (with
/// `#[serde(default)]`).
///
/// For a typed mirror whose fields are cosmetic: a user's template that fills one of them
/// oddly should still page.
///
/// ```
/// use pager_core::template::{Lenient, Placeholder};
///
/// #[derive(serde::Deserialize)]
/// struct Issue<'a> {
///     #[serde(borrow, default)]
///     title: Lenient<'a>,
/// }
/// let issue: Issue = serde_json::from_str(r#"{"title": ["an array"]}"#)?;
/// assert_eq!(issue.title.filled(Placeholder::Dollar), None);
/// let issue: Issue = serde_json::from_str(r#"{"title": "Disk full"}"#)?;
/// assert_eq!(issue.title.filled(Placeholder::Dollar), Some("Disk full"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lenient<'a>(Option<Value<'a>>);

impl<'a> Lenient<'a> {
    /// The value, when it was a string, number or boolean.
    ///
    /// ```
    /// let field: pager_core::template::Lenient = serde_json::from_str("7")?;
    /// assert_eq!(field.value().map(|v| v.as_str()), Some("7"));
    /// let field: pager_core::template::Lenient = serde_json::from_str("{}")?;
    /// assert_eq!(field.value(), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn value(&self) -> Option<&Value<'a>> {
        self.0.as_ref()
    }

    /// As [`Value::filled`]; `None` when absent.
    ///
    /// ```
    /// use pager_core::template::{Lenient, Placeholder};
    ///
    /// let field: Lenient = serde_json::from_str(r#""$OWNER""#)?;
    /// assert_eq!(field.filled(Placeholder::Dollar), None);
    /// assert_eq!(Lenient::default().filled(Placeholder::Dollar), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn filled(&self, placeholder: Placeholder) -> Option<&str> {
        self.0.as_ref()?.filled(placeholder)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Lenient<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_any(ScalarVisitor { lenient: true })? {
            Read::Text(text) => Ok(Lenient(Some(Value(text)))),
            Read::Absent => Ok(Lenient(None)),
        }
    }
}

/// A flat object of template variables' values, read by name: a template-filled body, as
/// the adapters of Datadog and Zabbix mirror it.
///
/// Deserializes from a JSON object whose values are strings, numbers, booleans or `null`
/// (absent); a nested array or object is an error naming its key (see [`Value`]). When a key
/// is repeated, the last one counts. [`Fields::get`] reads a value trimmed, with blank values
/// and unfilled variables of the form set by [`Fields::with_placeholder`] as absent.
///
/// Wrap it in [`crate::json::Object`] to reject a JSON array with "expected a JSON object".
///
/// ```
/// use pager_core::json::Object;
/// use pager_core::template::{Fields, Placeholder};
///
/// let body = br#"{"event_id": "23", "event_value": 1, "host_ip": "{HOST.IP}", "tags": null}"#;
/// let Object(fields) = pager_core::json::from_slice::<Object<Fields>>(body)?;
/// let fields = fields.with_placeholder(Placeholder::Macro);
/// assert_eq!(fields.get("event_id"), Some("23"));
/// assert_eq!(fields.get("event_value"), Some("1"));
/// assert_eq!(fields.get("host_ip"), None);
/// assert_eq!(fields.get("tags"), None);
/// assert_eq!(fields.get("nope"), None);
/// # Ok::<(), pager_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields<'a> {
    values: BTreeMap<Str<'a>, Value<'a>>,
    placeholder: Option<Placeholder>,
}

impl Fields<'_> {
    /// The same fields, with unfilled variables of the `placeholder` form read as absent by
    /// [`Fields::get`]. Without it, only blank values are absent.
    ///
    /// ```
    /// use pager_core::template::{Fields, Placeholder};
    ///
    /// let fields: Fields = serde_json::from_str(r#"{"priority": "$ALERT_PRIORITY"}"#)?;
    /// assert_eq!(fields.get("priority"), Some("$ALERT_PRIORITY"));
    /// let fields = fields.with_placeholder(Placeholder::Dollar);
    /// assert_eq!(fields.get("priority"), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_placeholder(mut self, placeholder: Placeholder) -> Self {
        self.placeholder = Some(placeholder);
        self
    }

    /// The value of `name`, trimmed; `None` when absent, `null`, blank or unfilled.
    ///
    /// ```
    /// let fields: pager_core::template::Fields = serde_json::from_str(r#"{"a": " x ", "b": " "}"#)?;
    /// assert_eq!(fields.get("a"), Some("x"));
    /// assert_eq!(fields.get("b"), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn get(&self, name: &str) -> Option<&str> {
        filled(self.values.get(name)?.as_str(), self.placeholder)
    }
}

/// Builds fields from names and values (a later name replaces an earlier one), for an
/// adapter whose body nests some variables (Datadog's `org: {id, name}`) and flattens them.
///
/// ```
/// use pager_core::json::Str;
/// use pager_core::template::{Fields, Value};
///
/// let id: Value = serde_json::from_str("12345")?;
/// let fields: Fields = [(Str("org_id".to_owned().into()), id)].into_iter().collect();
/// assert_eq!(fields.get("org_id"), Some("12345"));
/// # Ok::<(), serde_json::Error>(())
/// ```
impl<'a> FromIterator<(Str<'a>, Value<'a>)> for Fields<'a> {
    fn from_iter<I: IntoIterator<Item = (Str<'a>, Value<'a>)>>(iter: I) -> Self {
        Fields {
            values: iter.into_iter().collect(),
            placeholder: None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Fields<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;
        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of template variables' values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
                let mut values = BTreeMap::new();
                while let Some(name) = map.next_key::<Str<'de>>()? {
                    match map.next_value::<Option<Value<'de>>>()? {
                        Some(value) => values.insert(name, value),
                        // The last occurrence counts, `null` included.
                        None => values.remove(&name),
                    };
                }
                Ok(Fields {
                    values,
                    placeholder: None,
                })
            }
        }
        deserializer.deserialize_map(FieldsVisitor)
    }
}

/// The first millisecond RFC 3339 can write: 0000-01-01T00:00:00.000Z.
const MIN_MILLIS: i64 = -62_167_219_200_000;
/// The last: 9999-12-31T23:59:59.999Z.
const MAX_MILLIS: i64 = 253_402_300_799_999;

/// Epoch milliseconds written as an integer (`"1406662672000"`, Datadog's `$DATE`) as an RFC
/// 3339 UTC timestamp with milliseconds (`2014-07-29T19:37:52.000Z`); `None` when `text` is
/// not an integer or the instant is outside the years 0000–9999.
///
/// ```
/// use pager_core::template::epoch_millis_to_rfc3339;
///
/// assert_eq!(epoch_millis_to_rfc3339("1406662672000").as_deref(), Some("2014-07-29T19:37:52.000Z"));
/// assert_eq!(epoch_millis_to_rfc3339("-1").as_deref(), Some("1969-12-31T23:59:59.999Z"));
/// assert_eq!(epoch_millis_to_rfc3339("1406662672.5"), None);
/// assert_eq!(epoch_millis_to_rfc3339("$DATE"), None);
/// ```
pub fn epoch_millis_to_rfc3339(text: &str) -> Option<String> {
    let millis: i64 = text.trim().parse().ok()?;
    if !(MIN_MILLIS..=MAX_MILLIS).contains(&millis) {
        return None;
    }
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// Epoch seconds written as an integer (`"1659545625"`, UptimeRobot's `*alertDateTime*`) as an
/// RFC 3339 UTC timestamp with milliseconds, as [`epoch_millis_to_rfc3339`] writes it; `None`
/// when `text` is not an integer or the instant is outside the years 0000–9999.
///
/// ```
/// use pager_core::template::epoch_seconds_to_rfc3339;
///
/// assert_eq!(epoch_seconds_to_rfc3339("1406662672").as_deref(), Some("2014-07-29T19:37:52.000Z"));
/// assert_eq!(epoch_seconds_to_rfc3339(" 0 ").as_deref(), Some("1970-01-01T00:00:00.000Z"));
/// assert_eq!(epoch_seconds_to_rfc3339("99999999999999999"), None);
/// assert_eq!(epoch_seconds_to_rfc3339("*alertDateTime*"), None);
/// ```
pub fn epoch_seconds_to_rfc3339(text: &str) -> Option<String> {
    let seconds: i64 = text.trim().parse().ok()?;
    epoch_millis_to_rfc3339(&seconds.checked_mul(1000)?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Object;

    fn fields(body: &str, placeholder: Placeholder) -> Fields<'_> {
        let Object(fields) = crate::json::from_slice::<Object<Fields>>(body.as_bytes()).unwrap();
        fields.with_placeholder(placeholder)
    }

    #[test]
    fn dollar_variables_are_unfilled_only_in_their_exact_form() {
        for unfilled in ["$ALERT_PRIORITY", "$ID", "$ORG_ID", "$X1", "$_"] {
            assert!(Placeholder::Dollar.matches(unfilled), "{unfilled}");
        }
        for filled in [
            "$",
            "$alert_id",
            "$5.00",
            "$ALERT ID",
            "price: $ALERT",
            "$ALERT-ID",
            "ALERT_ID",
            "{EVENT.ID}",
        ] {
            assert!(!Placeholder::Dollar.matches(filled), "{filled}");
        }
    }

    #[test]
    fn zabbix_macros_are_unfilled_only_in_their_exact_form() {
        for unfilled in [
            "{EVENT.RECOVERY.ID}",
            "{$ZABBIX.URL}",
            "{EVENT.TAGS.__ilert_url}",
            "{ITEM.VALUE1}",
            "{USER.FULLNAME}",
        ] {
            assert!(Placeholder::Macro.matches(unfilled), "{unfilled}");
        }
        for filled in [
            "{}",
            "{\"a\":1}",
            "23",
            "{ok}",
            "Problem: {x} down",
            "{EVENT.ID} down",
            "{EVENT ID}",
            "$EVENT_ID",
        ] {
            assert!(!Placeholder::Macro.matches(filled), "{filled}");
        }
    }

    #[test]
    fn each_form_is_absent_only_where_it_is_the_vendors() {
        let body = r#"{"d": "$ALERT_ID", "m": "{EVENT.ID}", "t": "  x  ", "e": "", "w": " \t\n"}"#;
        let dollar = fields(body, Placeholder::Dollar);
        assert_eq!(dollar.get("d"), None);
        assert_eq!(dollar.get("m"), Some("{EVENT.ID}"));
        let zabbix = fields(body, Placeholder::Macro);
        assert_eq!(zabbix.get("d"), Some("$ALERT_ID"));
        assert_eq!(zabbix.get("m"), None);
        for f in [&dollar, &zabbix] {
            assert_eq!(f.get("t"), Some("x"));
            assert_eq!(f.get("e"), None);
            assert_eq!(f.get("w"), None);
        }
        let Object(plain) = crate::json::from_slice::<Object<Fields>>(body.as_bytes()).unwrap();
        assert_eq!(
            plain.get("d"),
            Some("$ALERT_ID"),
            "no form set: only blanks are absent"
        );
        assert_eq!(plain.get("e"), None);
        // A placeholder with spaces around it is still one.
        assert_eq!(
            fields(r#"{"d": " $ALERT_ID "}"#, Placeholder::Dollar).get("d"),
            None
        );
    }

    #[test]
    fn numbers_and_booleans_read_as_json_writes_them() {
        let f = fields(
            r#"{"u": 1406662672000, "i": -3, "f": 0.5, "big": 1e20, "exp": 2.5E-3, "t": true, "n": false, "z": null}"#,
            Placeholder::Dollar,
        );
        assert_eq!(f.get("u"), Some("1406662672000"));
        assert_eq!(f.get("i"), Some("-3"));
        assert_eq!(f.get("f"), Some("0.5"));
        assert_eq!(f.get("big"), Some("1e+20"));
        assert_eq!(f.get("exp"), Some("0.0025"));
        assert_eq!(f.get("t"), Some("true"));
        assert_eq!(f.get("n"), Some("false"));
        assert_eq!(f.get("z"), None);
        // Exactly as `serde_json::Number` writes them, as the adapters did before.
        for literal in [
            "1406662672000",
            "-3",
            "0.5",
            "1e20",
            "2.5E-3",
            "-0.0",
            "123456789012345678901234567890",
        ] {
            let number: serde_json::Number = serde_json::from_str(literal).unwrap();
            let body = format!(r#"{{"n": {literal}}}"#);
            let Object(f) = crate::json::from_slice::<Object<Fields>>(body.as_bytes()).unwrap();
            assert_eq!(f.get("n"), Some(number.to_string().as_str()), "{literal}");
        }
    }

    #[test]
    fn strings_are_borrowed_unless_escaped() {
        let body = r#"{"plain": "web-1", "escaped": "a\nb"}"#;
        let Object(f) = crate::json::from_slice::<Object<Fields>>(body.as_bytes()).unwrap();
        assert!(f.values.get("plain").unwrap().0.is_borrowed());
        assert!(!f.values.get("escaped").unwrap().0.is_borrowed());
        assert_eq!(f.get("escaped"), Some("a\nb"));
    }

    #[test]
    fn nested_values_are_errors_with_their_key() {
        for (body, path, found) in [
            (r#"{"a": "x", "tags": ["a", "b"]}"#, "tags", "sequence"),
            (r#"{"event_value": {"value": 1}}"#, "event_value", "map"),
        ] {
            let err = crate::json::from_slice::<Object<Fields>>(body.as_bytes()).unwrap_err();
            assert_eq!(err.status(), 400);
            let text = err.to_string();
            assert!(
                text.starts_with(&format!(
                    "invalid payload at {path}: invalid type: {found}, expected a string, number or boolean (a template variable's value) (line 1, column"
                )),
                "{text}"
            );
        }
        let err = crate::json::from_slice::<Object<Fields>>(b"[]").unwrap_err();
        assert!(err.to_string().contains("expected a JSON object"), "{err}");
        assert!(serde_json::from_str::<Value>("null").is_err());
        assert!(
            serde_json::from_str::<Option<Value>>("null")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn the_last_occurrence_of_a_key_counts() {
        let f = fields(
            r#"{"a": "1", "a": "2", "b": "1", "b": null}"#,
            Placeholder::Dollar,
        );
        assert_eq!(f.get("a"), Some("2"));
        assert_eq!(f.get("b"), None);
    }

    #[test]
    fn lenient_fields_read_nested_values_as_absent() {
        #[derive(Deserialize)]
        struct Doc<'a> {
            #[serde(borrow, default)]
            a: Lenient<'a>,
            #[serde(borrow, default)]
            b: Lenient<'a>,
            #[serde(borrow, default)]
            c: Lenient<'a>,
            #[serde(borrow, default)]
            d: Lenient<'a>,
            #[serde(borrow, default)]
            missing: Lenient<'a>,
            #[serde(borrow, default)]
            after: Lenient<'a>,
        }
        let doc: Doc = crate::json::from_slice(
            br#"{"a": [1, [2, {"x": 3}]], "b": {"k": [null]}, "c": null, "d": 42, "after": " $OWNER "}"#,
        )
        .unwrap();
        for absent in [&doc.a, &doc.b, &doc.c, &doc.missing] {
            assert_eq!(absent.value(), None);
        }
        assert_eq!(doc.d.filled(Placeholder::Dollar), Some("42"));
        assert_eq!(doc.after.value().unwrap().as_str(), " $OWNER ");
        assert_eq!(doc.after.filled(Placeholder::Dollar), None);
        assert_eq!(doc.after.filled(Placeholder::Macro), Some("$OWNER"));
    }

    #[test]
    fn epoch_millis_known_instants() {
        for (millis, rfc3339) in [
            ("0", "1970-01-01T00:00:00.000Z"),
            ("1406662672000", "2014-07-29T19:37:52.000Z"),
            ("1763780658970", "2025-11-22T03:04:18.970Z"),
            ("951782400000", "2000-02-29T00:00:00.000Z"),
            ("951868799999", "2000-02-29T23:59:59.999Z"),
            ("4107542400000", "2100-03-01T00:00:00.000Z"),
            ("-1", "1969-12-31T23:59:59.999Z"),
            ("-86400001", "1969-12-30T23:59:59.999Z"),
            ("-62167219200000", "0000-01-01T00:00:00.000Z"),
            ("-62162035200000", "0000-03-01T00:00:00.000Z"),
            ("253402300799999", "9999-12-31T23:59:59.999Z"),
            (" 1406662672000 ", "2014-07-29T19:37:52.000Z"),
            ("+1000", "1970-01-01T00:00:01.000Z"),
        ] {
            assert_eq!(
                epoch_millis_to_rfc3339(millis).as_deref(),
                Some(rfc3339),
                "{millis}"
            );
        }
    }

    #[test]
    fn bad_epoch_millis_are_none() {
        for bad in [
            "",
            "$DATE",
            "1406662672.000",
            "1.4e12",
            "0x10",
            "1 000",
            "-62167219200001",
            "253402300800000",
            "9223372036854775807",
            "-9223372036854775808",
            "99999999999999999999",
        ] {
            assert_eq!(epoch_millis_to_rfc3339(bad), None, "{bad}");
        }
    }
}
