//! # pager-azure-monitor: Azure Monitor alerts (common alert schema)
//!
//! Normalizes the webhook an Azure Monitor action group sends when "Enable the common alert
//! schema" is on (`schemaId: azureMonitorCommonAlertSchema`): metric, log search, activity log
//! and other alerts share `data.essentials`. The mapping is written out in this crate's README.
//!
//! ```
//! use pager_core::{Action, Integration, Urgency};
//!
//! let body = br#"{"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": {
//!     "alertId": "/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/a1",
//!     "alertRule": "High CPU", "severity": "Sev1", "monitorCondition": "Fired",
//!     "configurationItems": ["vm-1"]}}}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_azure_monitor::AzureMonitor::default().handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].title, "High CPU on vm-1");
//! assert_eq!(events[0].urgency, Some(Urgency::High));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod payload;

use std::fmt::Write as _;

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::{
    Action, Adapter, AdditionalData, ConfigError, Error, Event, Integration, Urgency,
};
use serde::Deserialize;

use crate::payload::{AlertContext, Essentials, Payload, Schema, display};

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "azure-monitor";

/// The only schema this adapter reads.
const COMMON_SCHEMA: &str = "azureMonitorCommonAlertSchema";

/// The adapter's options: none yet (an empty object or `null`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The Azure Monitor adapter.
#[derive(Debug, Clone, Default)]
pub struct AzureMonitor;

/// Azure's severities: Sev0 Critical, Sev1 Error, Sev2 Warning, Sev3 Informational,
/// Sev4 Verbose.
fn urgency(severity: &str) -> Option<Urgency> {
    match severity.trim().to_ascii_lowercase().as_str() {
        "sev0" => Some(Urgency::Critical),
        "sev1" => Some(Urgency::High),
        "sev2" => Some(Urgency::Medium),
        "sev3" | "sev4" => Some(Urgency::Low),
        _ => None,
    }
}

fn title(essentials: &Essentials<'_>) -> String {
    let rule = essentials
        .alert_rule
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let base = rule.map_or_else(
        || match essentials.signal_type.as_deref() {
            Some(signal) if !signal.trim().is_empty() => format!("Azure Monitor {signal} alert"),
            _ => "Azure Monitor alert".to_owned(),
        },
        str::to_owned,
    );
    let items: Vec<&str> = essentials
        .configuration_items
        .iter()
        .map(|i| i.trim())
        .filter(|i| !i.is_empty())
        .collect();
    match items.as_slice() {
        [] => base,
        [one] => format!("{base} on {one}"),
        [first, rest @ ..] => format!("{base} on {first} +{} more", rest.len()),
    }
}

/// The condition in words, one line per criterion, for alerts without a description.
fn condition_summary(context: &AlertContext<'_>) -> Option<String> {
    let mut lines = Vec::new();
    if let Some(condition) = &context.condition {
        for criterion in &condition.all_of {
            let subject = criterion
                .metric_name
                .as_deref()
                .or(criterion.search_query.as_deref().map(|_| "log query"))
                .unwrap_or("condition");
            let mut line = subject.to_owned();
            for part in [
                criterion.time_aggregation.as_deref(),
                criterion.operator.as_deref(),
            ]
            .into_iter()
            .flatten()
            {
                line.push(' ');
                line.push_str(part);
            }
            if let Some(threshold) = criterion.threshold.as_ref().map(display) {
                line.push(' ');
                line.push_str(&threshold);
            }
            if let Some(value) = criterion.metric_value.as_ref().map(display) {
                let _ = write!(line, " (value {value})");
            }
            lines.push(line);
        }
    }
    if let Some(operation) = context.operation_name.as_deref() {
        let mut line = operation.to_owned();
        if let Some(status) = context.status.as_deref() {
            let _ = write!(line, ": {status}");
        }
        if let Some(caller) = context.caller.as_deref() {
            let _ = write!(line, " by {caller}");
        }
        lines.push(line);
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn additional_data(
    essentials: &Essentials<'_>,
    context: Option<&AlertContext<'_>>,
    payload: &Payload<'_>,
) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    let mut text = |label: &'static str, value: Option<&str>| {
        if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
            data.push(AdditionalData::text(label, value));
        }
    };
    text(
        "Monitoring service",
        essentials.monitoring_service.as_deref(),
    );
    text("Signal type", essentials.signal_type.as_deref());
    text("Severity", essentials.severity.as_deref());
    text("Alert rule", essentials.alert_rule.as_deref());
    for target in essentials.alert_target_ids.iter().take(10) {
        text("Target", Some(target));
    }
    if let Some(fired) = essentials.fired_date_time.as_deref() {
        data.push(AdditionalData::datetime("Fired at", fired));
    }
    if let Some(resolved) = essentials.resolved_date_time.as_deref() {
        data.push(AdditionalData::datetime("Resolved at", resolved));
    }
    if let Some(context) = context {
        if let Some(condition) = &context.condition {
            for criterion in condition.all_of.iter().take(10) {
                for dimension in &criterion.dimensions {
                    if let (Some(name), Some(value)) = (&dimension.name, &dimension.value) {
                        data.push(AdditionalData::text(name.to_string(), value.as_ref()));
                    }
                }
                data.extend(
                    [
                        (
                            "Search results",
                            criterion.link_to_search_results_ui.as_deref(),
                        ),
                        (
                            "Filtered search results",
                            criterion.link_to_filtered_search_results_ui.as_deref(),
                        ),
                    ]
                    .into_iter()
                    .filter_map(|(label, url)| url.and_then(|u| AdditionalData::link(label, u))),
                );
            }
        }
    }
    for (key, value) in payload.custom_properties().into_iter().flatten() {
        data.push(AdditionalData::text(key, display(&value)));
    }
    data
}

impl Integration for AzureMonitor {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(Schema { schema_id }) = pager_core::json::from_slice(req.body())?;
        let schema = schema_id.as_deref().unwrap_or_default();
        if schema != COMMON_SCHEMA {
            return Err(Error::invalid(
                "schemaId",
                format!(
                    "{schema:?} is not the common alert schema; enable \"common alert schema\" on the action group's webhook"
                ),
            ));
        }
        let Object(payload) = pager_core::json::from_slice::<Object<Payload<'_>>>(req.body())?;
        let essentials = &payload.data.essentials;
        let context = payload.context();
        let alert_id = essentials
            .alert_id
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        if alert_id.is_empty() {
            return Err(Error::invalid(
                "data.essentials.alertId",
                "missing or empty",
            ));
        }
        let condition = essentials.monitor_condition.as_deref().unwrap_or_default();
        let (action, reason) = match condition {
            "Fired" => (Action::Create, None),
            "Resolved" => (Action::Resolve, None),
            other => (
                Action::Other,
                Some(format!(
                    "monitorCondition {other:?} is neither Fired nor Resolved"
                )),
            ),
        };
        let description = essentials
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .or_else(|| context.as_ref().and_then(condition_summary));
        let mut tags = Vec::new();
        if let Some(signal) = essentials.signal_type.as_deref() {
            tags.push(format!("signal:{signal}"));
        }
        if let Some(service) = essentials.monitoring_service.as_deref() {
            tags.push(format!("service:{service}"));
        }
        tags.extend(
            essentials
                .configuration_items
                .iter()
                .map(|i| format!("resource:{i}")),
        );
        let mut event = Event::new(action, alert_id, title(essentials))
            .with_description(description)
            .with_urgency(essentials.severity.as_deref().and_then(urgency))
            .with_tags(tags)
            .with_additional_data(additional_data(essentials, context.as_ref(), &payload));
        if let Some(origin) = essentials
            .origin_alert_id
            .as_deref()
            .filter(|o| !o.is_empty())
        {
            event = event.with_dedup_key(origin);
        }
        let meta = pager_core::Meta::new()
            .with("schemaId", schema)
            .with_optional("reason", reason);
        Ok(vec![event.with_meta(meta)])
    }
}

impl Adapter for AzureMonitor {
    const ID: &'static str = ID;
    const NAME: &'static str = "Azure Monitor";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(_config: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
