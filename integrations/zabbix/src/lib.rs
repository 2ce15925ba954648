//! # pager-zabbix: Zabbix problems through a webhook media type
//!
//! Zabbix has no fixed webhook body: a webhook media type's script decides what it posts. This
//! adapter reads the body of the media type shipped in `media_type/pagerhook.yaml` (a flat
//! JSON object of Zabbix macros, documented in this crate's README).
//!
//! ```
//! use pager_core::{Action, Integration, Urgency};
//!
//! let body = br#"{"event_id": "23", "event_value": "1", "event_update_status": "0",
//!                 "event_nseverity": "4", "subject": "Problem: web-1 is unreachable"}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_zabbix::Zabbix::default().handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "23");
//! assert_eq!(events[0].urgency, Some(Urgency::High));
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
pub const ID: &str = "zabbix";

/// The adapter's options: none yet (an empty object or `null`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The Zabbix adapter.
#[derive(Debug, Clone, Default)]
pub struct Zabbix;

impl Integration for Zabbix {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(payload) = pager_core::json::from_slice::<Object<Payload<'_>>>(req.body())?;
        mapping::event(&payload).map(|event| vec![event])
    }
}

impl Adapter for Zabbix {
    const ID: &'static str = ID;
    const NAME: &'static str = "Zabbix";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(_config: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
