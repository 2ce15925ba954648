//! # pager-grafana: Grafana Alerting webhooks
//!
//! Reads what a Grafana Alerting **webhook contact point** posts (an Alertmanager-like body with
//! `version` "1" plus `orgId`, `title`, `state`, `message`, and per-alert `dashboardURL`,
//! `panelURL`, `silenceURL`, `valueString`), and the body of legacy dashboard alerts (`ruleId`,
//! `state`, `evalMatches`). The mapping is in this crate's README.
//!
//! By default every alert is its own incident, keyed on its fingerprint: Grafana sends the
//! groupKey `{}:{}` for every notification policy without grouping, so keying on it by default
//! would merge unrelated alerts into one.
//!
//! ```
//! use pager_core::{Action, Integration, Urgency};
//!
//! let body = br#"{"receiver": "ops", "status": "firing", "orgId": 1, "groupKey": "{}:{}",
//!   "alerts": [{"status": "firing", "fingerprint": "c6eadffa33fcdf37",
//!               "labels": {"alertname": "High memory", "severity": "critical"}}]}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_grafana::Grafana::default().handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "c6eadffa33fcdf37");
//! assert_eq!(events[0].urgency, Some(Urgency::Critical));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod payload;

use std::collections::BTreeMap;

use bytes::Bytes;
use pager_core::json::{Object, Verbatim};
use pager_core::severity::UrgencyMap;
use pager_core::{
    Action, Adapter, AdditionalData, ConfigError, DataFormat, Error, Event, Integration, Limits,
    Meta, Urgency,
};
use serde::Deserialize;

use crate::payload::{Alert, Labels, Legacy, Notification, Shape};

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "grafana";

/// One event per alert, or one per notification group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grouping {
    /// One event per alert, keyed on its fingerprint (the default).
    #[default]
    Alert,
    /// One event per notification, keyed on the org and groupKey; a notification without
    /// group labels (groupKey `{}:{}`) falls back to one event per alert.
    Group,
}

/// The adapter's options.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// `alert` (default) or `group`.
    pub grouping: Grouping,
    /// The label holding the severity. Default `severity`.
    pub severity_label: String,
    /// Extra severity names → urgency, consulted before pagerhook's severity vocabulary
    /// (`pager_core::severity`), e.g. `{"p0": "critical", "ticket": "low"}`.
    pub urgency_map: BTreeMap<String, Urgency>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            grouping: Grouping::Alert,
            severity_label: "severity".to_owned(),
            urgency_map: BTreeMap::new(),
        }
    }
}

/// The Grafana adapter.
#[derive(Debug, Clone, Default)]
pub struct Grafana {
    config: Config,
    limits: Limits,
    urgency: UrgencyMap,
}

impl Grafana {
    fn urgency(&self, labels: &Labels) -> Option<Urgency> {
        self.urgency.get(labels.get(&self.config.severity_label)?)
    }
}

/// Labels that do not identify an alert: its name, severity, and Grafana's bookkeeping.
fn identifying(name: &str, severity_label: &str) -> bool {
    name != "alertname"
        && name != severity_label
        && name != "grafana_folder"
        && !name.starts_with("__")
}

fn non_empty(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// A group's Grafana link, counts, group labels and its alerts' dashboard and panel links.
fn group_data(notification: &Notification<'_>, firing: usize) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    if let Some(link) = non_empty(notification.external_url.as_ref())
        .and_then(|u| AdditionalData::link("Grafana", u))
    {
        data.push(link);
    }
    data.push(AdditionalData::text("Firing", firing.to_string()));
    data.push(AdditionalData::text(
        "Resolved",
        (notification.alerts.len() - firing).to_string(),
    ));
    for (k, v) in &notification.group_labels {
        data.push(AdditionalData::text(k.clone(), v.as_str()));
    }
    for alert in notification.alerts.iter().take(10) {
        let name = non_empty(alert.labels.get("alertname")).unwrap_or("alert");
        for (label, url) in [
            ("Dashboard", &alert.dashboard_url),
            ("Panel", &alert.panel_url),
        ] {
            if let Some(link) = non_empty(url.as_ref())
                .and_then(|u| AdditionalData::link(format!("{label}: {name}"), u))
            {
                if !data.iter().any(|d| d.value == link.value) {
                    data.push(link);
                }
            }
        }
    }
    data
}

impl Grafana {
    fn alert_event(
        &self,
        notification: &Notification<'_>,
        alert: &Verbatim<'_, Alert<'_>>,
        body: &Bytes,
        index: usize,
        key_source: &'static str,
    ) -> Result<Event, Error> {
        let fingerprint = non_empty(alert.fingerprint.as_ref()).ok_or_else(|| {
            Error::invalid(
                format!("alerts[{index}].fingerprint"),
                "missing or empty: Grafana sends one with every alert",
            )
        })?;
        let action = match alert.status.as_deref() {
            Some("firing") => Action::Create,
            Some("resolved") => Action::Resolve,
            _ => Action::Other,
        };
        let name = non_empty(alert.labels.get("alertname")).unwrap_or("Grafana alert");
        let identity: Vec<String> = alert
            .labels
            .iter()
            .filter(|(k, v)| identifying(k, &self.config.severity_label) && !v.is_empty())
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let title = if identity.is_empty() {
            name.to_owned()
        } else {
            format!("{name} ({})", identity.join(", "))
        };
        let description = [
            non_empty(alert.annotations.get("summary")),
            non_empty(alert.annotations.get("description")),
            non_empty(alert.value_string.as_ref()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
        let mut data = Vec::new();
        for (label, url) in [
            ("Source", alert.generator_url.as_ref()),
            ("Dashboard", alert.dashboard_url.as_ref()),
            ("Panel", alert.panel_url.as_ref()),
            ("Runbook", alert.annotations.get("runbook_url")),
            ("Silence", alert.silence_url.as_ref()),
        ] {
            if let Some(link) = non_empty(url).and_then(|u| AdditionalData::link(label, u)) {
                data.push(link);
            }
        }
        if let Some(value) = non_empty(alert.value_string.as_ref()) {
            data.push(AdditionalData::text("Value", value));
        }
        if let Some(started) = non_empty(alert.starts_at.as_ref()) {
            data.push(AdditionalData::datetime("Started at", started));
        }
        // Grafana marks "not ended" with the zero time.
        if let Some(ended) = non_empty(alert.ends_at.as_ref()).filter(|e| !e.starts_with("0001-")) {
            if action == Action::Resolve {
                data.push(AdditionalData::datetime("Ended at", ended));
            }
        }
        for (k, v) in alert.labels.iter().filter(|(k, _)| !k.starts_with("__")) {
            data.push(AdditionalData::text(k.clone(), v.as_str()));
        }
        let tags = alert
            .labels
            .iter()
            .filter(|(k, _)| !k.starts_with("__"))
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        let mut event = Event::new(action, fingerprint, title)
            .with_description((!description.is_empty()).then_some(description))
            .with_urgency(self.urgency(&alert.labels))
            .with_tags(tags)
            .with_additional_data(data);
        if let Some(org) = &notification.org_id {
            event = event.with_dedup_key(format!("{org}:{fingerprint}"));
        }
        let meta = Meta::new()
            .verbatim("alert", body, alert.raw())
            .with("key_source", key_source);
        Ok(event.with_meta(meta))
    }

    fn alert_events(
        &self,
        notification: &Notification<'_>,
        body: &Bytes,
        key_source: &'static str,
    ) -> Result<Vec<Event>, Error> {
        notification
            .alerts
            .iter()
            .enumerate()
            .map(|(i, alert)| self.alert_event(notification, alert, body, i, key_source))
            .collect()
    }

    fn group_event(&self, notification: &Notification<'_>) -> Result<Event, Error> {
        let group_key = non_empty(notification.group_key.as_ref()).ok_or_else(|| {
            Error::invalid(
                "groupKey",
                "missing or empty (needed with grouping = \"group\")",
            )
        })?;
        let org = notification
            .org_id
            .as_ref()
            .map_or_else(|| "0".to_owned(), ToString::to_string);
        let truncated = notification.truncated_alerts.unwrap_or(0);
        let (action, reason) = match notification.status.as_deref() {
            Some("firing") => (Action::Create, None),
            Some("resolved") if truncated == 0 => (Action::Resolve, None),
            Some("resolved") => (
                Action::Other,
                Some(format!(
                    "resolved, but {truncated} alerts were truncated and may still fire"
                )),
            ),
            other => (Action::Other, Some(format!("unknown status {other:?}"))),
        };
        let firing: Vec<&Alert<'_>> = notification
            .alerts
            .iter()
            .filter(|a| a.status.as_deref() == Some("firing"))
            .map(Verbatim::get)
            .collect();
        let severity = self
            .urgency(&notification.common_labels)
            .or_else(|| firing.iter().filter_map(|a| self.urgency(&a.labels)).max());
        let title = non_empty(notification.common_labels.get("alertname"))
            .map(str::to_owned)
            .or_else(|| non_empty(notification.title.as_ref()).map(str::to_owned))
            .unwrap_or_else(|| {
                format!(
                    "Grafana {}",
                    notification.receiver.as_deref().unwrap_or("alerts")
                )
            });
        let data = group_data(notification, firing.len());
        let meta = Meta::new().with_optional("reason", reason);
        let event = Event::new(action, format!("{org}:{group_key}"), title)
            .with_description(non_empty(notification.message.as_ref()).map(str::to_owned))
            .with_urgency(severity)
            .with_tags(
                notification
                    .common_labels
                    .iter()
                    .filter(|(k, _)| !k.starts_with("__"))
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect(),
            )
            .with_additional_data(data)
            .with_dedup_key(group_key)
            .with_meta(meta);
        Ok(event)
    }

    fn legacy_event(body: &[u8]) -> Result<Event, Error> {
        let Object(legacy) = pager_core::json::from_slice::<Object<Legacy>>(body)?;
        let rule = legacy
            .rule_id
            .as_ref()
            .map(ToString::to_string)
            .ok_or_else(|| {
                Error::invalid("ruleId", "missing: a legacy alert always names its rule")
            })?;
        let org = legacy
            .org_id
            .as_ref()
            .map_or_else(|| "0".to_owned(), ToString::to_string);
        let (action, reason) = match legacy.state.as_deref() {
            Some("alerting") => (Action::Create, None),
            Some("ok") => (Action::Resolve, None),
            other => (
                Action::Other,
                Some(format!("legacy state {other:?} is not alerting or ok")),
            ),
        };
        let title = non_empty(legacy.rule_name.as_ref())
            .or(non_empty(legacy.title.as_ref()))
            .map_or_else(|| format!("Grafana rule {rule}"), str::to_owned);
        let mut data = Vec::new();
        if let Some(link) =
            non_empty(legacy.rule_url.as_ref()).and_then(|u| AdditionalData::link("Rule", u))
        {
            data.push(link);
        }
        if let Some(image) =
            non_empty(legacy.image_url.as_ref()).filter(|u| pager_core::is_http_url(u))
        {
            data.push(AdditionalData::new(DataFormat::Img, "Panel image", image));
        }
        for m in legacy.eval_matches.iter().take(10) {
            let value = match &m.value {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            data.push(AdditionalData::text(
                m.metric.clone().unwrap_or_else(|| "value".to_owned()),
                value,
            ));
        }
        let event = Event::new(action, format!("legacy:{org}:{rule}"), title)
            .with_description(non_empty(legacy.message.as_ref()).map(str::to_owned))
            .with_tags(
                legacy
                    .tags
                    .iter()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect(),
            )
            .with_additional_data(data)
            .with_meta(Meta::new().with_optional("reason", reason));
        Ok(event)
    }
}

impl Integration for Grafana {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let body = req.body();
        let Object(shape) = pager_core::json::from_slice::<Object<Shape<'_>>>(body)?;
        if shape.alerts.is_none() && (shape.rule_id.is_some() || shape.eval_matches.is_some()) {
            return Ok(vec![Self::legacy_event(body)?]);
        }
        if shape.alerts.is_none() {
            return Err(Error::invalid(
                "alerts",
                "missing: neither a Grafana Alerting notification (alerts) nor a legacy alert (ruleId)",
            ));
        }
        let Object(notification) = pager_core::json::from_slice::<Object<Notification<'_>>>(body)?;
        self.limits
            .check_max_alerts(notification.alerts.len(), "alerts")?;
        match self.config.grouping {
            Grouping::Alert => self.alert_events(&notification, body, "fingerprint"),
            Grouping::Group if notification.group_labels.is_empty() => self.alert_events(
                &notification,
                body,
                "fingerprint (the group has no group labels)",
            ),
            Grouping::Group => Ok(vec![self.group_event(&notification)?]),
        }
    }
}

impl Adapter for Grafana {
    const ID: &'static str = ID;
    const NAME: &'static str = "Grafana Alerting";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(config: Config) -> Result<Self, ConfigError> {
        if config.severity_label.trim().is_empty() {
            return Err(ConfigError::Invalid {
                integration: ID,
                path: "severity_label".to_owned(),
                message: "must not be empty".to_owned(),
            });
        }
        Ok(Self {
            urgency: UrgencyMap::new(&config.urgency_map),
            config,
            limits: Limits::default(),
        })
    }

    fn with_limits(mut self, limits: &Limits) -> Self {
        self.limits = *limits;
        self
    }
}
