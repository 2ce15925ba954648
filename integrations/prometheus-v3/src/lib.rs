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
mod fingerprint;
mod mapping;
mod payload;
pub mod sample;
mod urgency;

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::{Adapter, ConfigError, Error, Event, Integration, Limits};

pub use config::{Config, Grouping, KeyForm};

use crate::mapping::Mapper;
use crate::payload::Notification;
use crate::urgency::UrgencyMap;

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
}

impl PrometheusV3 {
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
        pager_core::json::require_json(ID, req)?;
        let Object(notification) =
            pager_core::json::from_slice::<Object<Notification<'_>>>(ID, req.body())?;
        self.limits
            .check_max_alerts(ID, notification.alerts.len(), "alerts")?;
        let mapper = Mapper {
            config: &self.config,
            limits: &self.limits,
            urgency: &self.urgency,
        };
        let events = match self.config.grouping {
            Grouping::Group => mapper
                .group_event(&notification, req.body().len())
                .map(|e| vec![e]),
            Grouping::Alert => mapper.alert_events(&notification),
        };
        // Serializing `meta` from borrowed strings and maps cannot fail; should it ever, it is
        // reported as this adapter's fault on this payload rather than a panic.
        events.map_err(|e| Error::meta(ID, &e))
    }
}

/// The adapter's work in parts, so the benchmarks can show where the time goes: not a stable
/// API, and nothing a host needs.
#[doc(hidden)]
pub mod parts {
    use pager_core::Error;
    use pager_core::json::Object;
    use serde_json::value::RawValue;

    use crate::ID;
    use crate::payload::Notification;

    /// The adapter's parse alone; returns how many alerts the body has.
    ///
    /// # Errors
    /// As the adapter's, for a body it cannot read.
    pub fn parse(body: &[u8]) -> Result<usize, Error> {
        let Object(n) = pager_core::json::from_slice::<Object<Notification<'_>>>(ID, body)?;
        Ok(n.alerts.len())
    }

    /// The parse, then group mode's `meta` alone (no title, links or data).
    ///
    /// # Errors
    /// As the adapter's, for a body it cannot read.
    pub fn parse_and_group_meta(body: &[u8]) -> Result<Box<RawValue>, Error> {
        let Object(n) = pager_core::json::from_slice::<Object<Notification<'_>>>(ID, body)?;
        let event =
            crate::mapping::group_meta_only(&n, body.len()).map_err(|e| Error::meta(ID, &e))?;
        Ok(event.meta)
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

    use super::{Config, PrometheusV3, parts};

    #[test]
    fn the_benchmark_parts_do_the_adapters_work() {
        let body = crate::sample::notification(25);
        let req = http::Request::post("/")
            .body(bytes::Bytes::from(body.clone()))
            .unwrap();
        let events = PrometheusV3::from_config(Config::default())
            .unwrap()
            .handle(&req)
            .unwrap();
        assert_eq!(parts::parse(&body).unwrap(), 25);
        assert_eq!(
            parts::parse_and_group_meta(&body).unwrap().get(),
            events[0].meta.get(),
            "the meta part is group mode's meta"
        );
        assert!(parts::parse(b"[]").is_err());
    }
}
