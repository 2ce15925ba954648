//! The template's body: an object of template variables, plus `org: {id, name}`. Values are
//! strings as Datadog fills them in (numbers are accepted too); a variable Datadog left
//! unfilled (`$ALERT_PRIORITY` literally, or an empty string) reads as absent.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Default)]
pub(crate) struct Payload<'a> {
    fields: BTreeMap<Cow<'a, str>, String>,
}

impl Payload<'_> {
    /// The value of `key` (`org_id` and `org_name` for `org.id`, `org.name`), trimmed;
    /// `None` when absent, empty or an unfilled `$VARIABLE`.
    pub fn get(&self, key: &str) -> Option<&str> {
        let value = self.fields.get(key)?.trim();
        let unfilled = value.strip_prefix('$').is_some_and(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
        });
        (!value.is_empty() && !unfilled).then_some(value)
    }
}

#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "expected a string or a number (a template variable's value)"
)]
enum Scalar {
    Text(String),
    Number(serde_json::Number),
    Null(()),
}

#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "expected a string, a number, or the object {\"id\", \"name\"}"
)]
enum Value<'a> {
    Scalar(Scalar),
    Nested(#[serde(borrow)] BTreeMap<Cow<'a, str>, Scalar>),
}

fn text(scalar: Scalar) -> Option<String> {
    match scalar {
        Scalar::Text(text) => Some(text),
        Scalar::Number(n) => Some(n.to_string()),
        Scalar::Null(()) => None,
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Payload<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<Cow<'a, str>, Value<'a>>::deserialize(deserializer)?;
        let mut fields = BTreeMap::new();
        for (key, value) in raw {
            match value {
                Value::Scalar(scalar) => {
                    if let Some(text) = text(scalar) {
                        fields.insert(key, text);
                    }
                }
                // `org: {"id": "$ORG_ID", "name": "$ORG_NAME"}` → org_id, org_name.
                Value::Nested(inner) => {
                    for (name, scalar) in inner {
                        if let Some(text) = text(scalar) {
                            fields.insert(Cow::Owned(format!("{key}_{name}")), text);
                        }
                    }
                }
            }
        }
        Ok(Self { fields })
    }
}
