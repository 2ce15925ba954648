//! One event object as posted, read with its top-level keys matched case-insensitively:
//! pagerhook's format writes `id`, `title`; PagerTree's writes `Id`, `Title`, `Meta` (and
//! PagerTree itself lower-cases every top-level key before reading). When two spellings of a
//! key are sent, the last one counts.

use std::fmt;

use pager_core::json::Str;
use pager_core::template::Lenient;
use pager_core::{AdditionalData, Incident};
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// The fields an event object may carry; `other` holds the rest when they are asked for.
#[derive(Debug, Default)]
pub(crate) struct Item<'a> {
    /// Read leniently: an unknown or missing event type is `other`, never a 400.
    pub event_type: Lenient<'a>,
    pub id: Option<Id<'a>>,
    pub title: Lenient<'a>,
    pub description: Option<String>,
    /// A name in pagerhook's severity vocabulary; anything else is no urgency.
    pub urgency: Lenient<'a>,
    pub tags: Vec<String>,
    pub dedup_keys: Vec<String>,
    pub additional_data: Vec<AdditionalData>,
    pub incident: Option<Incident>,
    pub meta: Option<&'a RawValue>,
    /// Every other top-level key, its value as sent.
    pub other: Vec<(Str<'a>, &'a RawValue)>,
}

/// The id: a string, or an integer (many tools number their checks).
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "expected a string or an integer")]
pub(crate) enum Id<'a> {
    Text(#[serde(borrow)] Str<'a>),
    Number(i64),
}

impl Id<'_> {
    pub(crate) fn to_key(&self) -> String {
        match self {
            Id::Text(text) => text.trim().to_owned(),
            Id::Number(n) => n.to_string(),
        }
    }
}

/// PagerTree's incident declaration inside `Meta`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PagerTreeMeta<'a> {
    #[serde(default, borrow)]
    pub incident: Lenient<'a>,
    #[serde(default, borrow)]
    pub incident_severity: Lenient<'a>,
    #[serde(default, borrow)]
    pub incident_message: Lenient<'a>,
}

/// Keys PagerTree never turns into additional data (`pagertree_integration_id` is one it adds
/// itself).
const NOT_OTHER: &[&str] = &["pagertree_integration_id"];

impl<'de: 'a, 'a> Deserialize<'de> for Item<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ItemVisitor;
        impl<'de> Visitor<'de> for ItemVisitor {
            type Value = Item<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an event object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item<'de>, A::Error> {
                let mut item = Item::default();
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    match key.to_ascii_lowercase().as_str() {
                        "event_type" => item.event_type = map.next_value()?,
                        "id" => item.id = map.next_value()?,
                        "title" => item.title = map.next_value()?,
                        "description" => item.description = map.next_value()?,
                        "urgency" => item.urgency = map.next_value()?,
                        "tags" => item.tags = map.next_value::<Option<_>>()?.unwrap_or_default(),
                        "dedup_keys" => {
                            item.dedup_keys = map.next_value::<Option<_>>()?.unwrap_or_default();
                        }
                        "additional_data" => {
                            item.additional_data =
                                map.next_value::<Option<_>>()?.unwrap_or_default();
                        }
                        "incident" => item.incident = map.next_value()?,
                        "meta" => item.meta = Some(map.next_value()?),
                        name if NOT_OTHER.contains(&name) => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        _ => {
                            let value: &'de RawValue = map.next_value()?;
                            item.other.retain(|(k, _)| k != &key);
                            item.other.push((key, value));
                        }
                    }
                }
                Ok(item)
            }
        }
        deserializer.deserialize_map(ItemVisitor)
    }
}
