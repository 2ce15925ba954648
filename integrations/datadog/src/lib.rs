//! # pager-datadog: Datadog monitor notifications
//!
//! Datadog's webhooks integration posts a body the user writes from template variables
//! (`$ALERT_TRANSITION`, `$AGGREG_KEY`, …). This adapter reads the template in this crate's
//! README, which users paste into the webhook's Payload field.
//!
//! ```
//! use pager_core::{Action, Integration, Urgency};
//!
//! let body = br#"{"aggreg_key": "9bd4ac313a4d1e8fae2482df7b77628", "alert_id": "1234",
//!                 "alert_transition": "Triggered", "alert_priority": "P1",
//!                 "alert_title": "[Triggered on {host:web-1}] Host is down"}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_datadog::Datadog::default().handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "9bd4ac313a4d1e8fae2482df7b77628");
//! assert_eq!(events[0].urgency, Some(Urgency::Critical));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod payload;

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::{
    Action, Adapter, AdditionalData, ConfigError, DataFormat, Error, Event, Integration, Urgency,
};
use serde::Deserialize;

use crate::payload::Payload;

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "datadog";

/// What a transition that is not a plain trigger does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Treatment {
    /// Open (or count on) the alert, like a trigger.
    #[default]
    Create,
    /// Record it as `other`: no alert.
    Other,
}

/// The adapter's options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// `Warn` / `Re-Warn` (a monitor's warning threshold): `create` (default) or `other`.
    pub warn: Treatment,
    /// `No Data` / `Re-No Data`: `create` (default; the monitor was set to notify on
    /// missing data, so someone asked to hear about it) or `other`.
    pub no_data: Treatment,
}

/// The Datadog adapter.
#[derive(Debug, Clone, Default)]
pub struct Datadog {
    config: Config,
}

fn treat(treatment: Treatment, transition: &str) -> (Action, Option<String>) {
    match treatment {
        Treatment::Create => (Action::Create, None),
        Treatment::Other => (
            Action::Other,
            Some(format!(
                "{transition} notifications are configured as other"
            )),
        ),
    }
}

impl Datadog {
    fn action(&self, transition: Option<&str>) -> (Action, Option<String>) {
        let Some(transition) = transition else {
            return (Action::Other, Some("no alert_transition".to_owned()));
        };
        match transition.to_ascii_lowercase().as_str() {
            "triggered" | "re-triggered" | "renotify" => (Action::Create, None),
            "recovered" => (Action::Resolve, None),
            "warn" | "re-warn" => treat(self.config.warn, transition),
            "no data" | "re-no data" => treat(self.config.no_data, transition),
            _ => (
                Action::Other,
                Some(format!(
                    "alert_transition {transition:?} is not a monitor state change"
                )),
            ),
        }
    }
}

/// `$ALERT_PRIORITY` (P1–P5), else `$ALERT_TYPE`.
fn urgency(payload: &Payload<'_>) -> Option<Urgency> {
    let by_priority = match payload
        .get("alert_priority")
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("P1") => Some(Urgency::Critical),
        Some("P2") => Some(Urgency::High),
        Some("P3") => Some(Urgency::Medium),
        Some("P4" | "P5") => Some(Urgency::Low),
        _ => None,
    };
    by_priority.or_else(
        || match payload.get("alert_type")?.to_ascii_lowercase().as_str() {
            "error" => Some(Urgency::High),
            "warning" => Some(Urgency::Medium),
            "info" | "success" => Some(Urgency::Low),
            _ => None,
        },
    )
}

/// `$DATE` (epoch milliseconds) as RFC 3339.
fn epoch_millis(text: &str) -> Option<String> {
    let millis: i64 = text.parse().ok()?;
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

fn additional_data(payload: &Payload<'_>) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    if let Some(link) = payload
        .get("link")
        .and_then(|l| AdditionalData::link("Datadog event", l))
    {
        data.push(link);
    }
    if let Some(snapshot) = payload
        .get("snapshot")
        .filter(|s| pager_core::is_http_url(s))
    {
        data.push(AdditionalData::new(DataFormat::Img, "Snapshot", snapshot));
    }
    for (label, key) in [
        ("Monitor", "alert_id"),
        ("Transition", "alert_transition"),
        ("Priority", "alert_priority"),
        ("Status", "alert_status"),
        ("Scope", "alert_scope"),
        ("Metric", "alert_metric"),
        ("Query", "alert_query"),
        ("Host", "hostname"),
        ("Organization", "org_name"),
    ] {
        if let Some(value) = payload.get(key) {
            data.push(AdditionalData::text(label, value));
        }
    }
    if let Some(at) = payload.get("date").and_then(epoch_millis) {
        data.push(AdditionalData::datetime("Event at", at));
    }
    data
}

impl Integration for Datadog {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(ID, req)?;
        let Object(payload) = pager_core::json::from_slice::<Object<Payload<'_>>>(ID, req.body())?;
        let cycle = payload.get("alert_cycle_key");
        let monitor_key = payload
            .get("alert_id")
            .map(|id| match payload.get("alert_scope") {
                Some(scope) => format!("monitor:{id}:{scope}"),
                None => format!("monitor:{id}"),
            });
        let Some(key) = payload
            .get("aggreg_key")
            .map(str::to_owned)
            .or_else(|| cycle.map(str::to_owned))
            .or_else(|| monitor_key.clone())
        else {
            return Err(Error::invalid(
                ID,
                "aggreg_key",
                "missing: the payload needs $AGGREG_KEY, $ALERT_CYCLE_KEY or $ALERT_ID (see the README's template)",
            ));
        };
        let (action, reason) = self.action(payload.get("alert_transition"));
        let title = payload
            .get("alert_title")
            .or_else(|| payload.get("event_title"))
            .map_or_else(
                || {
                    format!(
                        "Datadog monitor {}",
                        payload.get("alert_id").unwrap_or("alert")
                    )
                },
                str::to_owned,
            );
        let tags = payload
            .get("tags")
            .map(pager_core::text::comma_list)
            .unwrap_or_default();
        let mut event = Event::new(action, key, title)
            .with_description(payload.get("event_msg").map(str::to_owned))
            .with_urgency(urgency(&payload))
            .with_tags(tags)
            .with_additional_data(additional_data(&payload));
        for extra in [cycle.map(str::to_owned), monitor_key]
            .into_iter()
            .flatten()
        {
            event = event.with_dedup_key(extra);
        }
        event
            .with_payload_meta(ID, req.body(), reason)
            .map(|e| vec![e])
    }
}

impl Adapter for Datadog {
    const ID: &'static str = ID;
    const NAME: &'static str = "Datadog";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(config: Config) -> Result<Self, ConfigError> {
        Ok(Self { config })
    }
}
