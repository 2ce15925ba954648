//! # pager-cronitor: Cronitor webhook alerts
//!
//! Cronitor posts a JSON body to a webhook integration when a monitor (a cron job, heartbeat,
//! check or site) fails and when it recovers.
//!
//! ```
//! use pager_core::{Action, Integration};
//!
//! let body = br#"{"id": "d3x0c1", "monitor": "Nightly backup", "type": "ALERT",
//!                 "rule": "not_on_schedule", "environment": "production"}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_cronitor::Cronitor.handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "d3x0c1:production");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod mapping;
mod payload;

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::{Adapter, ConfigError, Error, Event, Integration};
use serde::Deserialize;

use crate::payload::Alert;

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "cronitor";

/// The adapter's options: none yet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The Cronitor adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cronitor;

impl Integration for Cronitor {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(alert) = pager_core::json::from_slice::<Object<Alert<'_>>>(req.body())?;
        mapping::event(&alert).map(|event| vec![event])
    }
}

impl Adapter for Cronitor {
    const ID: &'static str = ID;
    const NAME: &'static str = "Cronitor";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(Config {}: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
