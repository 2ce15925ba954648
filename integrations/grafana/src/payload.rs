//! Grafana's webhook bodies: unified alerting (Alertmanager-like, `version` "1", plus `orgId`,
//! `title`, `state`, `message` and per-alert links) and legacy dashboard alerting.

use std::collections::BTreeMap;

use pager_core::json::Verbatim;
use serde::Deserialize;
use serde_json::value::RawValue;

pub(crate) type Labels = BTreeMap<String, String>;

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Notification<'a> {
    pub receiver: Option<String>,
    pub status: Option<String>,
    pub org_id: Option<serde_json::Number>,
    /// Each alert parsed, and its text as sent (alert-mode events carry it in `meta`).
    #[serde(borrow, deserialize_with = "pager_core::json::verbatim_objects")]
    pub alerts: Vec<Verbatim<'a, Alert<'a>>>,
    #[serde(deserialize_with = "labels")]
    pub group_labels: Labels,
    #[serde(deserialize_with = "labels")]
    pub common_labels: Labels,
    #[serde(deserialize_with = "labels")]
    pub common_annotations: Labels,
    #[serde(rename = "externalURL")]
    pub external_url: Option<String>,
    pub group_key: Option<String>,
    pub truncated_alerts: Option<u64>,
    pub title: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Alert<'a> {
    pub status: Option<String>,
    #[serde(deserialize_with = "labels")]
    pub labels: Labels,
    #[serde(deserialize_with = "labels")]
    pub annotations: Labels,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    #[serde(rename = "generatorURL")]
    pub generator_url: Option<String>,
    pub fingerprint: Option<String>,
    #[serde(rename = "silenceURL")]
    pub silence_url: Option<String>,
    #[serde(rename = "dashboardURL")]
    pub dashboard_url: Option<String>,
    #[serde(rename = "panelURL")]
    pub panel_url: Option<String>,
    pub value_string: Option<String>,
    #[serde(borrow)]
    pub values: Option<&'a RawValue>,
}

/// Label and annotation maps; `null` means empty.
fn labels<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Labels, D::Error> {
    Ok(Option::<Labels>::deserialize(deserializer)?.unwrap_or_default())
}

/// Legacy (dashboard) alerting's webhook, Grafana 8 and earlier.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Legacy {
    pub rule_id: Option<serde_json::Number>,
    pub rule_name: Option<String>,
    pub rule_url: Option<String>,
    pub state: Option<String>,
    pub title: Option<String>,
    pub message: Option<String>,
    pub image_url: Option<String>,
    pub org_id: Option<serde_json::Number>,
    pub dashboard_id: Option<serde_json::Number>,
    pub panel_id: Option<serde_json::Number>,
    #[serde(deserialize_with = "eval_matches")]
    pub eval_matches: Vec<EvalMatch>,
    #[serde(deserialize_with = "labels")]
    pub tags: Labels,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct EvalMatch {
    pub metric: Option<String>,
    pub value: Option<serde_json::Value>,
}

fn eval_matches<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<EvalMatch>, D::Error> {
    Ok(Option::<Vec<EvalMatch>>::deserialize(deserializer)?.unwrap_or_default())
}

/// Which body it is: legacy bodies have `ruleId` or `evalMatches` and no `alerts`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Shape<'a> {
    #[serde(borrow)]
    pub alerts: Option<&'a RawValue>,
    #[serde(borrow)]
    pub rule_id: Option<&'a RawValue>,
    #[serde(borrow)]
    pub eval_matches: Option<&'a RawValue>,
}
