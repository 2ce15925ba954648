//! # pager-new-relic: New Relic alerts
//!
//! Two body shapes, told apart by their keys: a **workflow** webhook with New Relic's default
//! payload template (`id`, `state`, `trigger`, `priority`, …), and the **legacy** incident
//! webhook of notification channels (`incident_id`, `current_state`, `severity`, …). The
//! mapping, including how an acknowledgement shows up in each, is in this crate's README.
//!
//! ```
//! use pager_core::{Action, Integration, Urgency};
//!
//! let body = br#"{"id": "b6137c61-0e27-496d-bd9b-335c98c155eb", "title": "Error percentage > 2.5%",
//!                 "priority": "HIGH", "state": "ACTIVATED", "trigger": "STATE_CHANGE"}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_new_relic::NewRelic::default().handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].urgency, Some(Urgency::High));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod mapping;
mod payload;

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::{Adapter, ConfigError, Error, Event, Integration};
use serde::Deserialize;

use crate::payload::{LegacyBody, Shape, WorkflowBody};

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "new-relic";

/// The adapter's options: none yet (an empty object or `null`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The New Relic adapter.
#[derive(Debug, Clone, Default)]
pub struct NewRelic;

impl Integration for NewRelic {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let body = req.body();
        let Object(shape) = pager_core::json::from_slice::<Object<Shape>>(body)?;
        let event = if shape.is_legacy() {
            let Object(legacy) = pager_core::json::from_slice::<Object<LegacyBody<'_>>>(body)?;
            mapping::legacy(&legacy)?
        } else {
            let Object(workflow) = pager_core::json::from_slice::<Object<WorkflowBody<'_>>>(body)?;
            mapping::workflow(&workflow)?
        };
        Ok(vec![event])
    }
}

impl Adapter for NewRelic {
    const ID: &'static str = ID;
    const NAME: &'static str = "New Relic";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(_config: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
