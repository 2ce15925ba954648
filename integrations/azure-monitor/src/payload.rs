//! The common alert schema, as far as the mapping reads it. `alertContext` and
//! `customProperties` are delimited raw and read leniently afterwards, so an alert type whose
//! context has another shape still pages.

use std::collections::BTreeMap;

use pager_core::json::Str;

use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Debug, Deserialize)]
pub(crate) struct Payload<'a> {
    #[serde(borrow)]
    pub data: pager_core::json::Object<Data<'a>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Data<'a> {
    #[serde(borrow)]
    pub essentials: pager_core::json::Object<Essentials<'a>>,
    #[serde(rename = "alertContext", default, borrow)]
    pub alert_context: Option<&'a RawValue>,
    #[serde(rename = "customProperties", default, borrow)]
    pub custom_properties: Option<&'a RawValue>,
}

impl<'a> Payload<'a> {
    /// `alertContext`, when it has the shape the mapping reads (metric, log search or
    /// activity log); `None` otherwise.
    pub fn context(&self) -> Option<AlertContext<'a>> {
        self.data
            .alert_context
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
    }

    /// `customProperties` as key-value pairs, when it is an object.
    pub fn custom_properties(&self) -> Option<BTreeMap<String, serde_json::Value>> {
        self.data
            .custom_properties
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Essentials<'a> {
    #[serde(borrow)]
    pub alert_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub alert_rule: Option<Str<'a>>,
    #[serde(borrow)]
    pub severity: Option<Str<'a>>,
    #[serde(borrow)]
    pub signal_type: Option<Str<'a>>,
    #[serde(borrow)]
    pub monitor_condition: Option<Str<'a>>,
    #[serde(borrow)]
    pub monitoring_service: Option<Str<'a>>,
    #[serde(rename = "alertTargetIDs", deserialize_with = "strings")]
    pub alert_target_ids: Vec<String>,
    #[serde(deserialize_with = "strings")]
    pub configuration_items: Vec<String>,
    #[serde(borrow)]
    pub origin_alert_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub fired_date_time: Option<Str<'a>>,
    #[serde(borrow)]
    pub resolved_date_time: Option<Str<'a>>,
    #[serde(borrow)]
    pub description: Option<Str<'a>>,
}

/// An array of strings where `null` means none.
fn strings<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct AlertContext<'a> {
    pub condition: Option<Condition<'a>>,
    #[serde(borrow)]
    pub operation_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub status: Option<Str<'a>>,
    #[serde(borrow)]
    pub caller: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Condition<'a> {
    #[serde(borrow)]
    pub all_of: Vec<Criterion<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Criterion<'a> {
    #[serde(borrow)]
    pub metric_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub search_query: Option<Str<'a>>,
    #[serde(borrow)]
    pub operator: Option<Str<'a>>,
    pub threshold: Option<serde_json::Value>,
    #[serde(borrow)]
    pub time_aggregation: Option<Str<'a>>,
    pub metric_value: Option<serde_json::Value>,
    #[serde(borrow)]
    pub dimensions: Vec<Dimension<'a>>,
    #[serde(rename = "linkToSearchResultsUI", borrow)]
    pub link_to_search_results_ui: Option<Str<'a>>,
    #[serde(rename = "linkToFilteredSearchResultsUI", borrow)]
    pub link_to_filtered_search_results_ui: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Dimension<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub value: Option<Str<'a>>,
}

/// A JSON value as a person reads it: strings without quotes, `null` as empty.
pub(crate) fn display(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Just the schema id, read first so that another schema gets its own error.
#[derive(Debug, Deserialize)]
pub(crate) struct Schema<'a> {
    #[serde(rename = "schemaId", default, borrow)]
    pub schema_id: Option<Str<'a>>,
}
