//! # pager-site24x7: Site24x7 webhook alarms
//!
//! Site24x7's webhook integration (Admin → Third Party Integration → Webhooks) calls a URL
//! when a monitor changes status, with its incident parameters (`MONITOR_ID`, `MONITORNAME`,
//! `STATUS`, `INCIDENT_REASON`, …) either as a JSON object ("Post as JSON") or as POST
//! parameters. Both are read, by the request's `Content-Type`. A monitor going down opens an
//! alert keyed on `MONITOR_ID`; the same monitor coming back up resolves it.
//!
//! ```
//! use pager_core::{Action, Integration, Urgency};
//!
//! let body = br#"{"MONITOR_ID": 107164000000025001, "MONITORNAME": "Zylker Monitor",
//!                 "STATUS": "DOWN", "INCIDENT_REASON": "Service Unavailable"}"#;
//! let req = http::Request::post("/")
//!     .header("Content-Type", "application/json")
//!     .body(bytes::Bytes::from_static(body))?;
//! let events = pager_site24x7::Site24x7::default().handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "107164000000025001", "every digit kept");
//! assert_eq!(events[0].title, "Zylker Monitor is DOWN");
//! assert_eq!(events[0].urgency, Some(Urgency::Critical));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod mapping;
mod payload;

use bytes::Bytes;
use pager_core::{Adapter, ConfigError, Error, Event, Integration};
use serde::Deserialize;

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "site24x7";

/// What a status between down and up (`TROUBLE`, `CRITICAL`) does: `create` or `other`.
pub use pager_core::Treatment;

/// The adapter's options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// `TROUBLE` (a warning threshold breached): `create` (default, medium urgency) or `other`.
    pub trouble: Treatment,
    /// `CRITICAL` (a critical threshold breached): `create` (default, high urgency) or `other`.
    pub critical: Treatment,
}

/// The Site24x7 adapter.
#[derive(Debug, Clone, Default)]
pub struct Site24x7 {
    config: Config,
}

impl Integration for Site24x7 {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        let params = payload::read(req)?;
        mapping::event(&self.config, &params).map(|event| vec![event])
    }
}

impl Adapter for Site24x7 {
    const ID: &'static str = ID;
    const NAME: &'static str = "Site24x7";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(config: Config) -> Result<Self, ConfigError> {
        Ok(Self { config })
    }
}
