//! # pager-honeybadger: Honeybadger webhooks
//!
//! Honeybadger's Webhook integration posts a JSON body for each event of a project: errors
//! (faults) occurring, resolved and reopened, uptime sites down and up, check-ins missing and
//! reporting, assignments, comments, deploys.
//!
//! ```
//! use pager_core::{Action, Integration};
//!
//! let body = br#"{"event": "occurred", "message": "[Crywolf/test] RuntimeError - oops",
//!                 "fault": {"id": 3151009, "klass": "RuntimeError", "message": "oops"}}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_honeybadger::Honeybadger.handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "fault:3151009");
//! assert_eq!(events[0].title, "[Crywolf/test] RuntimeError - oops");
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
pub const ID: &str = "honeybadger";

/// The adapter's options: none yet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The Honeybadger adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Honeybadger;

impl Integration for Honeybadger {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(webhook) = pager_core::json::from_slice::<Object<Webhook<'_>>>(req.body())?;
        mapping::event(&webhook).map(|event| vec![event])
    }
}

impl Adapter for Honeybadger {
    const ID: &'static str = ID;
    const NAME: &'static str = "Honeybadger";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(Config {}: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
