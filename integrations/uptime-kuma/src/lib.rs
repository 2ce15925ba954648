//! # pager-uptime-kuma: Uptime Kuma webhook notifications
//!
//! Uptime Kuma's Webhook notification posts `{heartbeat, monitor, msg}` as JSON when a monitor
//! goes down and when it comes back up (and, with `heartbeat` and `monitor` null, for a test
//! or a certificate or domain expiry notice). A down opens an alert keyed on the monitor's id;
//! the up that follows resolves it.
//!
//! ```
//! use pager_core::{Action, Integration};
//!
//! let body = r#"{"heartbeat": {"monitorID": 3, "status": 0, "msg": "timeout of 48000ms exceeded"},
//!                 "monitor": {"id": 3, "name": "Public API", "pathName": "Public API"},
//!                 "msg": "[Public API] [🔴 Down] timeout of 48000ms exceeded"}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body.as_bytes()))?;
//! let events = pager_uptime_kuma::UptimeKuma.handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "3");
//! assert_eq!(events[0].title, "Public API is down");
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
pub const ID: &str = "uptime-kuma";

/// The adapter's options: none yet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The Uptime Kuma adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct UptimeKuma;

impl Integration for UptimeKuma {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        // The "form-data" body (multipart, the JSON in a `data` field) is refused here (415):
        // choose the "application/json" body in Uptime Kuma.
        pager_core::json::require_json(req)?;
        let Object(notification) =
            pager_core::json::from_slice::<Object<Notification<'_>>>(req.body())?;
        mapping::event(&notification).map(|event| vec![event])
    }
}

impl Adapter for UptimeKuma {
    const ID: &'static str = ID;
    const NAME: &'static str = "Uptime Kuma";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(Config {}: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
