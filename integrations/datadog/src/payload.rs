//! The template's body: an object of template variables, plus `org: {id, name}`, read with
//! [`pager_core::template`]'s rules (strings, numbers or booleans as text; blank and unfilled
//! `$VARIABLE` values absent).
//!
//! Keys are read in lower case: PagerTree's Datadog template names its keys after the
//! variables (`ALERT_ID`, `AGGREG_KEY`, `ALERT_TRANSITION`), this crate's README template in
//! lower case (`alert_id`); both read the same, nested keys too (`ORG: {ID}` is `org_id`).
//! Should a body carry both spellings of a key with a value each, the lower-case one counts.

use std::borrow::Cow;
use std::collections::BTreeMap;

use pager_core::json::Str;
use pager_core::template::{Fields, Placeholder, Value};
use serde::{Deserialize, Deserializer};

/// The body's variables by key; a nested object's as `<key>_<name>` (`org_id`, `org_name`).
#[derive(Debug, Default)]
pub(crate) struct Payload<'a>(Fields<'a>);

impl<'a> std::ops::Deref for Payload<'a> {
    type Target = Fields<'a>;
    fn deref(&self) -> &Fields<'a> {
        &self.0
    }
}

#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "expected a string, number or boolean, or the object {\"id\", \"name\"}"
)]
enum Entry<'a> {
    Scalar(#[serde(borrow)] Option<Value<'a>>),
    Nested(#[serde(borrow)] BTreeMap<Str<'a>, Option<Value<'a>>>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Payload<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<Str<'a>, Entry<'a>>::deserialize(deserializer)?;
        let mut fields = Vec::with_capacity(raw.len());
        for (key, entry) in raw {
            let key = if key.bytes().any(|b| b.is_ascii_uppercase()) {
                Str(Cow::Owned(key.to_ascii_lowercase()))
            } else {
                key
            };
            match entry {
                Entry::Scalar(value) => fields.extend(value.map(|value| (key, value))),
                // `org: {"id": "$ORG_ID", "name": "$ORG_NAME"}` → org_id, org_name.
                Entry::Nested(inner) => {
                    for (name, value) in inner {
                        let flat = Str(Cow::Owned(format!("{key}_{}", name.to_ascii_lowercase())));
                        fields.extend(value.map(|value| (flat, value)));
                    }
                }
            }
        }
        let fields: Fields<'a> = fields.into_iter().collect();
        Ok(Self(fields.with_placeholder(Placeholder::Dollar)))
    }
}
