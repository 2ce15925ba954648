//! The alarm's incident parameters by name, from either body Site24x7 sends:
//!
//! - **JSON** ("Post as JSON"): an object whose values are strings or numbers (`MONITOR_ID`
//!   is a number larger than 2^53: read as its digits, never through a float), and arrays of
//!   strings for `TAGS` and `GROUP_TAGS`. A value of another shape reads as absent.
//! - **POST parameters**: a form of the same names; `TAGS` and `GROUP_TAGS` are then
//!   comma-separated.
//!
//! Values are trimmed; blank values are absent.

use std::collections::BTreeMap;

use bytes::Bytes;
use pager_core::Error;
use pager_core::form::{self, BodyFormat};
use pager_core::json::{Object, Str};
use pager_core::template::{Fields, Lenient, Value};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// The parameters of one alarm.
#[derive(Debug, Default)]
pub(crate) struct Params<'a> {
    fields: Fields<'a>,
    lists: BTreeMap<Str<'a>, Vec<String>>,
}

impl Params<'_> {
    /// A scalar parameter, trimmed; `None` when absent or blank.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name)
    }

    /// A list parameter: a JSON array's strings, or a text split on commas.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        match self.lists.get(name) {
            Some(items) => items.clone(),
            None => self
                .get(name)
                .map(pager_core::text::comma_list)
                .unwrap_or_default(),
        }
    }
}

/// One JSON value of the body, as the adapter reads it.
enum Param<'a> {
    Scalar(Value<'a>),
    List(Vec<String>),
    Absent,
}

impl<'de: 'a, 'a> Deserialize<'de> for Param<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        // A number as written, digit for digit, whatever its size (`MONITOR_ID` is beyond
        // what a float holds exactly, and could one day be beyond `u64`).
        if raw
            .get()
            .starts_with(|c: char| c == '-' || c.is_ascii_digit())
        {
            let text = serde_json::Value::String(raw.get().to_owned());
            return Ok(<Value<'de> as Deserialize<'de>>::deserialize(text)
                .map_or(Param::Absent, Param::Scalar));
        }
        if let Ok(value) = serde_json::from_str::<Value<'de>>(raw.get()) {
            return Ok(Param::Scalar(value));
        }
        Ok(match serde_json::from_str::<Vec<Lenient<'de>>>(raw.get()) {
            Ok(items) => Param::List(
                items
                    .iter()
                    .filter_map(Lenient::value)
                    .map(|v| v.as_str().trim().to_owned())
                    .filter(|v| !v.is_empty())
                    .collect(),
            ),
            Err(_) => Param::Absent,
        })
    }
}

/// Reads the request's body by its `Content-Type` (none is JSON).
pub(crate) fn read(req: &http::Request<Bytes>) -> Result<Params<'_>, Error> {
    if form::json_or_form(req)? == BodyFormat::Form {
        return Ok(Params {
            fields: form::fields(req.body())?,
            lists: BTreeMap::new(),
        });
    }
    let Object(raw) =
        pager_core::json::from_slice::<Object<BTreeMap<Str<'_>, Param<'_>>>>(req.body())?;
    let mut scalars = Vec::new();
    let mut lists = BTreeMap::new();
    for (name, param) in raw {
        match param {
            Param::Scalar(value) => scalars.push((name, value)),
            Param::List(items) => {
                lists.insert(name, items);
            }
            Param::Absent => {}
        }
    }
    Ok(Params {
        fields: scalars.into_iter().collect(),
        lists,
    })
}
