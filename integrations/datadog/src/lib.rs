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

mod mapping;
mod payload;

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::{Adapter, ConfigError, Error, Event, Integration};
use serde::Deserialize;

use crate::payload::Payload;

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "datadog";

/// What a transition that is not a plain trigger does: `create` or `other`.
pub use pager_core::Treatment;

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

impl Integration for Datadog {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(payload) = pager_core::json::from_slice::<Object<Payload<'_>>>(req.body())?;
        mapping::event(&self.config, &payload).map(|event| vec![event])
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
