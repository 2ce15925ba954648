//! # pager-pingdom: Pingdom state change webhooks
//!
//! Pingdom posts a JSON body to a webhook integration when an uptime check changes state
//! between UP and DOWN, or a transaction check between SUCCESS and FAILING. A check going
//! down (failing) opens an alert keyed on its `check_id`; the change back resolves it.
//!
//! ```
//! use pager_core::{Action, Integration};
//!
//! let body = br#"{"check_id": 12345, "check_name": "Shop", "check_type": "HTTP",
//!                 "previous_state": "UP", "current_state": "DOWN", "importance_level": "HIGH",
//!                 "description": "HTTP Error 503"}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_pingdom::Pingdom.handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "12345");
//! assert_eq!(events[0].title, "Shop is down");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod mapping;
mod payload;

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::{Adapter, ConfigError, Error, Event, Integration};
use serde::Deserialize;

use crate::payload::StateChange;

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "pingdom";

/// The adapter's options: none yet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The Pingdom adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pingdom;

impl Integration for Pingdom {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(change) = pager_core::json::from_slice::<Object<StateChange<'_>>>(req.body())?;
        mapping::event(&change).map(|event| vec![event])
    }
}

impl Adapter for Pingdom {
    const ID: &'static str = ID;
    const NAME: &'static str = "Pingdom";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(Config {}: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
