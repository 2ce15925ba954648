//! # pager-prometheus-v3: Prometheus Alertmanager webhooks
//!
//! Normalizes Alertmanager's webhook notifications (payload `version` "4", Alertmanager 0.6
//! and later) into pagerhook [`Event`]s. The mapping, the dedup-key recipes and the fallbacks
//! for missing fields are written out in this crate's README.
//!
//! ```
//! use pager_core::{Action, Adapter, Integration};
//! use pager_prometheus_v3::{Config, Grouping, PrometheusV3};
//!
//! let adapter = PrometheusV3::from_config(Config::default())?;
//! let body = br#"{"receiver":"ops","status":"firing","alerts":[{"status":"firing",
//!   "labels":{"alertname":"InstanceDown","severity":"critical"},"fingerprint":"17cc0b2e8a8a6765"}],
//!   "groupLabels":{"alertname":"InstanceDown"},"commonLabels":{"alertname":"InstanceDown","severity":"critical"},
//!   "commonAnnotations":{},"externalURL":"http://am.example:9093","version":"4",
//!   "groupKey":"{}:{alertname=\"InstanceDown\"}","truncatedAlerts":0}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//!
//! let events = adapter.handle(&req)?;
//! assert_eq!(events.len(), 1);
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, r#"{}:{alertname="InstanceDown"}"#);
//! assert_eq!(events[0].title, "InstanceDown");
//!
//! // One event per alert, keyed on the fingerprint:
//! let mut config = Config::default();
//! config.grouping = Grouping::Alert;
//! let events = PrometheusV3::from_config(config)?.handle(&req)?;
//! assert_eq!(events[0].thirdparty_id, "17cc0b2e8a8a6765");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod events;
mod fingerprint;
mod keys;
mod links;
mod payload;
pub mod sample;
mod silence;

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::severity::UrgencyMap;
use pager_core::{Adapter, ConfigError, Error, Event, Integration, Limits};

pub use config::{Config, Grouping, KeyForm};

use crate::events::Mapper;
use crate::payload::{Notification, RawAlerts};

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "prometheus-v3";

/// The Prometheus Alertmanager adapter. Build it with [`Adapter::from_config`].
#[derive(Debug, Clone)]
pub struct PrometheusV3 {
    config: Config,
    limits: Limits,
    urgency: UrgencyMap,
}

impl PrometheusV3 {
    /// The options this adapter was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The adapter for an already validated `config`.
    fn build(config: Config) -> Self {
        Self {
            urgency: UrgencyMap::new(&config.urgency_map),
            config,
            limits: Limits::default(),
        }
    }
}

impl Default for PrometheusV3 {
    fn default() -> Self {
        Self::build(Config::default())
    }
}

impl Integration for PrometheusV3 {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let body = req.body();
        let Object(notification) = pager_core::json::from_slice::<Object<Notification<'_>>>(body)?;
        self.limits
            .check_max_alerts(notification.alerts.len(), "alerts")?;
        let mapper = Mapper {
            config: &self.config,
            limits: &self.limits,
            urgency: &self.urgency,
        };
        Ok(match self.config.grouping {
            Grouping::Group => vec![mapper.group_event(&notification)],
            Grouping::Alert => {
                // A second, shallow read for each alert's exact text. It checks what the first
                // read skipped (an unknown field of an alert is kept verbatim, so it must be
                // UTF-8): its error is the sender's, with its place.
                let raw: RawAlerts<'_> = pager_core::json::from_slice(body)?;
                mapper.alert_events(&notification, body, &raw.alerts)
            }
        })
    }
}

/// The adapter's parse on its own, so the benchmarks can show where the time goes: not a
/// stable API, and nothing a host needs.
#[doc(hidden)]
pub mod parts {
    use pager_core::Error;
    use pager_core::json::Object;

    use crate::payload::Notification;

    /// The adapter's parse alone; returns how many alerts the body has.
    ///
    /// # Errors
    /// As the adapter's, for a body it cannot read.
    pub fn parse(body: &[u8]) -> Result<usize, Error> {
        let Object(n) = pager_core::json::from_slice::<Object<Notification<'_>>>(body)?;
        Ok(n.alerts.len())
    }
}

impl Adapter for PrometheusV3 {
    const ID: &'static str = ID;
    const NAME: &'static str = "Prometheus Alertmanager";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(config: Config) -> Result<Self, ConfigError> {
        if config.severity_label.is_empty() {
            return Err(ConfigError::Invalid {
                integration: ID,
                path: "severity_label".to_owned(),
                message: "must not be empty".to_owned(),
            });
        }
        Ok(Self::build(config))
    }

    fn with_limits(mut self, limits: &Limits) -> Self {
        self.limits = *limits;
        self
    }
}

#[cfg(test)]
mod tests {
    use pager_core::{Adapter, Integration};

    use super::{Config, Grouping, PrometheusV3, parts};

    #[test]
    fn alert_mode_carries_each_alert_verbatim_as_a_slice_of_the_body() {
        let body = bytes::Bytes::from(crate::sample::notification(3));
        let req = http::Request::post("/").body(body.clone()).unwrap();
        let config = Config {
            grouping: Grouping::Alert,
            ..Config::default()
        };
        let events = PrometheusV3::from_config(config)
            .unwrap()
            .handle(&req)
            .unwrap();
        assert_eq!(parts::parse(&body).unwrap(), 3);
        let text = std::str::from_utf8(&body).unwrap();
        let inside = body.as_ptr() as usize..body.as_ptr() as usize + body.len();
        let mut from = 0;
        for event in &events {
            let alert = event.meta.get("alert").unwrap();
            assert!(alert.starts_with('{') && alert.ends_with('}'));
            assert!(
                inside.contains(&(alert.as_ptr() as usize)),
                "a slice of the body, not a copy"
            );
            // Exactly as sent, in order: the alert's bytes appear in the body after the last.
            let at = text[from..].find(alert).unwrap() + from;
            from = at + alert.len();
            let parsed: serde_json::Value = serde_json::from_str(alert).unwrap();
            assert_eq!(parsed["fingerprint"], event.thirdparty_id.as_str());
        }
        assert!(parts::parse(b"[]").is_err());
    }
}
