//! One event object as posted, read with its top-level keys matched case-insensitively:
//! pagerhook's format writes `id`, `title`; PagerTree's writes `Id`, `Title`, `Meta` (and
//! PagerTree itself lower-cases every top-level key before reading). When two spellings of a
//! key are sent, the last one counts.
//!
//! The fields PagerTree reads loosely are read as loosely here, since a 400 makes a sender
//! retry the same body forever: `id` may be any scalar, `description` anything (only text is
//! kept), and `tags` / `dedup_keys` a list of scalars or one scalar (`null`s and nested values
//! skipped).

use std::fmt;

use pager_core::json::Str;
use pager_core::template::{Lenient, Value};
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
    pub description: Lenient<'a>,
    /// A name in pagerhook's severity vocabulary; anything else is no urgency.
    pub urgency: Lenient<'a>,
    pub tags: List,
    pub dedup_keys: List,
    pub additional_data: Vec<AdditionalData>,
    pub incident: Option<Incident>,
    pub meta: Option<&'a RawValue>,
    /// Every other top-level key with its value as sent, in order, repeats included.
    pub other: Vec<(Str<'a>, &'a RawValue)>,
}

/// The id: a string, a number or a boolean, as text (many tools number their checks); an
/// array or an object is a 400 naming `id`.
#[derive(Debug)]
pub(crate) struct Id<'a>(pub Value<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for Id<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        serde_json::from_str(raw.get())
            .map(Id)
            .map_err(|_| serde::de::Error::custom("expected a string, a number or a boolean"))
    }
}

/// A list of texts read loosely: an array's scalars (trimmed, blanks, `null`s and nested
/// values skipped), or one scalar as a list of one; `null` or an object is empty.
#[derive(Debug, Default)]
pub(crate) struct List(pub Vec<String>);

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape<'a> {
            Many(#[serde(borrow)] Vec<Lenient<'a>>),
            One(#[serde(borrow)] Lenient<'a>),
        }
        let texts = match Shape::deserialize(deserializer)? {
            Shape::Many(items) => items,
            Shape::One(item) => vec![item],
        };
        Ok(List(
            texts
                .iter()
                .filter_map(Lenient::value)
                .map(|v| v.as_str().trim())
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
        ))
    }
}

/// PagerTree's incident declaration inside `Meta` (read through `Object`: only an object).
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
                        "tags" => item.tags = map.next_value()?,
                        "dedup_keys" => item.dedup_keys = map.next_value()?,
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
                            // Repeats are settled by the one reader that needs them
                            // (`capture_additional_data`), once, not here per key.
                            item.other.push((key, map.next_value()?));
                        }
                    }
                }
                Ok(item)
            }
        }
        deserializer.deserialize_map(ItemVisitor)
    }
}
