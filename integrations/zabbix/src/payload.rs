//! The media type's body: a flat object of macro values. Zabbix sends every parameter as a
//! string; numbers and booleans are accepted too, and a macro Zabbix could not resolve in this
//! notification arrives as its own name (`{EVENT.RECOVERY.ID}`), which reads as absent.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

#[derive(Debug, Default)]
pub(crate) struct Payload {
    fields: BTreeMap<String, String>,
}

impl Payload {
    /// The value of `key`: trimmed, `None` when absent, empty, `null` or an unresolved macro.
    pub fn get(&self, key: &str) -> Option<&str> {
        let value = self.fields.get(key)?.trim();
        (!value.is_empty() && !is_unresolved_macro(value)).then_some(value)
    }
}

/// `{EVENT.ID}`, `{$ZABBIX.URL}`, `{EVENT.TAGS.__x}`: one macro name and nothing else.
fn is_unresolved_macro(value: &str) -> bool {
    value
        .strip_prefix('{')
        .and_then(|v| v.strip_suffix('}'))
        .is_some_and(|name| {
            !name.is_empty()
                && name.bytes().all(|b| {
                    b.is_ascii_uppercase()
                        || b.is_ascii_digit()
                        || b"._$".contains(&b)
                        || b.is_ascii_lowercase()
                })
                && name.contains(|c: char| c.is_ascii_uppercase())
        })
}

/// A parameter's value: a string, number or boolean (`null` = absent).
#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "expected a string, number or boolean (a macro's value)"
)]
enum Scalar {
    Text(String),
    Number(serde_json::Number),
    Bool(bool),
    Null(()),
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, Scalar>::deserialize(deserializer)?;
        let fields = raw
            .into_iter()
            .filter_map(|(key, value)| match value {
                Scalar::Text(text) => Some((key, text)),
                Scalar::Number(n) => Some((key, n.to_string())),
                Scalar::Bool(b) => Some((key, b.to_string())),
                Scalar::Null(()) => None,
            })
            .collect();
        Ok(Self { fields })
    }
}

#[cfg(test)]
mod tests {
    use super::is_unresolved_macro;

    #[test]
    fn unresolved_macros_are_recognized() {
        for name in [
            "{EVENT.RECOVERY.ID}",
            "{$ZABBIX.URL}",
            "{EVENT.TAGS.__ilert_url}",
            "{ITEM.VALUE1}",
        ] {
            assert!(is_unresolved_macro(name), "{name}");
        }
        for value in ["{}", "{\"a\":1}", "23", "{ok}", "Problem: {x} down"] {
            assert!(!is_unresolved_macro(value), "{value}");
        }
    }
}
