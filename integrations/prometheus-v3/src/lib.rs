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

pub use config::{Config, Grouping, KeyForm, Watchdog};

use std::borrow::Cow;

use pager_core::json::Str;

use crate::events::Mapper;
use crate::payload::{AlertStatus, Notification, RawAlerts};

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
        let Object(mut notification) =
            pager_core::json::from_slice::<Object<Notification<'_>>>(body)?;
        self.limits
            .check_max_alerts(notification.alerts.len(), "alerts")?;
        let mapper = Mapper {
            config: &self.config,
            limits: &self.limits,
            urgency: &self.urgency,
        };
        let watchdog = self.config.watchdog.as_ref().filter(|w| {
            notification
                .alerts
                .iter()
                .any(|a| a.label("alertname") == Some(&w.alertname))
        });
        Ok(match (self.config.grouping, watchdog) {
            (Grouping::Group, None) => vec![mapper.group_event(&notification)],
            (Grouping::Group, Some(watchdog)) => {
                let (dogs, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut notification.alerts)
                    .into_iter()
                    .partition(|a| a.label("alertname") == Some(&watchdog.alertname));
                let mut events: Vec<Event> = dogs
                    .iter()
                    .map(|dog| mapper.watchdog_event(watchdog, dog))
                    .collect();
                if !rest.is_empty() {
                    // The group's status as Alertmanager computes it, without the watchdog:
                    // firing while any other alert fires.
                    let firing = rest.iter().any(|a| a.status() == AlertStatus::Firing);
                    notification.status =
                        Str(Cow::Borrowed(if firing { "firing" } else { "resolved" }));
                    notification.alerts = rest;
                    events.insert(0, mapper.group_event(&notification));
                }
                events
            }
            (Grouping::Alert, _) => {
                // A second, shallow read for each alert's exact text. It checks what the first
                // read skipped (an unknown field of an alert is kept verbatim, so it must be
                // UTF-8): its error is the sender's, with its place.
                let raw: RawAlerts<'_> = pager_core::json::from_slice(body)?;
                let mut events = mapper.alert_events(&notification, body, &raw.alerts);
                if let Some(watchdog) = watchdog {
                    for (event, alert) in events.iter_mut().zip(&notification.alerts) {
                        if alert.label("alertname") == Some(&watchdog.alertname) {
                            *event = mapper.watchdog_event(watchdog, alert);
                        }
                    }
                }
                events
            }
        })
    }

    fn heartbeat_names(&self) -> Vec<String> {
        self.config
            .watchdog
            .iter()
            .map(|w| w.heartbeat.clone())
            .collect()
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
        if let Some(watchdog) = &config.watchdog {
            let valid = (1..=64).contains(&watchdog.heartbeat.len())
                && watchdog
                    .heartbeat
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid {
                return Err(ConfigError::Invalid {
                    integration: ID,
                    path: "watchdog.heartbeat".to_owned(),
                    message: "must be 1-64 letters, digits, '-' or '_'".to_owned(),
                });
            }
            if watchdog.alertname.is_empty() {
                return Err(ConfigError::Invalid {
                    integration: ID,
                    path: "watchdog.alertname".to_owned(),
                    message: "must not be empty".to_owned(),
                });
            }
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
