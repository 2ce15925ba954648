//! # pager-google-cloud-monitoring: Google Cloud Monitoring webhook notifications
//!
//! A Cloud Monitoring webhook notification channel posts one JSON body per incident change of
//! an alerting policy: `{"version": "1.2", "incident": {…}}`, `state` `open` when the incident
//! opens and `closed` when it closes. The incident's `incident_id` keys the alert.
//!
//! ```
//! use pager_core::{Action, Integration, Urgency};
//!
//! let body = br#"{"version": "1.2", "incident": {"incident_id": "0.opqiw61fsv7p",
//!                 "state": "open", "severity": "Critical", "policy_name": "High CPU",
//!                 "resource_display_name": "web-1"}}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_google_cloud_monitoring::GoogleCloudMonitoring.handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "0.opqiw61fsv7p");
//! assert_eq!(events[0].title, "High CPU on web-1");
//! assert_eq!(events[0].urgency, Some(Urgency::Critical));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod mapping;
mod payload;

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::{Adapter, ConfigError, Error, Event, Integration};
use serde::Deserialize;

use crate::payload::Notification;

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "google-cloud-monitoring";

/// The adapter's options: none yet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The Google Cloud Monitoring adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoogleCloudMonitoring;

impl Integration for GoogleCloudMonitoring {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(body) = pager_core::json::from_slice::<Object<Notification<'_>>>(req.body())?;
        mapping::event(&body).map(|event| vec![event])
    }
}

impl Adapter for GoogleCloudMonitoring {
    const ID: &'static str = ID;
    const NAME: &'static str = "Google Cloud Monitoring";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(Config {}: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
