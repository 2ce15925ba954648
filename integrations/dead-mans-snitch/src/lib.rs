//! # pager-dead-mans-snitch: Dead Man's Snitch webhooks
//!
//! Dead Man's Snitch posts a JSON event when a snitch (a monitored job) goes missing, reports
//! an error, reports again or is paused.
//!
//! ```
//! use pager_core::{Action, Integration};
//!
//! let body = br#"{"type": "snitch.missing", "timestamp": "2025-01-20T18:50:38.112Z",
//!                 "data": {"snitch": {"token": "c2354d53d2", "name": "Critical System Reports",
//!                                     "status": "missing", "previous_status": "healthy"}}}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_dead_mans_snitch::DeadMansSnitch.handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! // Keyed on a hash of the token, which is the secret end of the snitch's check-in URL.
//! assert_eq!(events[0].thirdparty_id, "snitch:f631a8923aa150c970db147792621a88");
//! assert_eq!(events[0].title, "Critical System Reports is missing");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod mapping;
mod payload;

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::{Adapter, ConfigError, Error, Event, Integration};
use serde::Deserialize;

use crate::payload::Webhook;

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "dead-mans-snitch";

/// The adapter's options: none yet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The Dead Man's Snitch adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeadMansSnitch;

impl Integration for DeadMansSnitch {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(webhook) = pager_core::json::from_slice::<Object<Webhook<'_>>>(req.body())?;
        mapping::event(&webhook).map(|event| vec![event])
    }
}

impl Adapter for DeadMansSnitch {
    const ID: &'static str = ID;
    const NAME: &'static str = "Dead Man's Snitch";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(Config {}: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
