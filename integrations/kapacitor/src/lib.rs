//! # pager-kapacitor: `InfluxData` Kapacitor alerts
//!
//! Kapacitor's alert node posts a JSON body to a URL (`.post()` in a `TICKscript`, or a `post`
//! topic handler) each time an alert changes level: OK, INFO, WARNING, CRITICAL.
//!
//! ```
//! use pager_core::{Action, Integration, Urgency};
//!
//! let body = br#"{"id": "cpu:host=serverA", "message": "cpu:host=serverA is CRITICAL",
//!                 "details": "", "time": "2026-03-02T14:05:00Z", "duration": 0,
//!                 "level": "CRITICAL", "data": {"series": []}, "previousLevel": "OK",
//!                 "recoverable": true}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_kapacitor::Kapacitor.handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].urgency, Some(Urgency::Critical));
//! assert_eq!(events[0].thirdparty_id, "cpu:host=serverA");
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
pub const ID: &str = "kapacitor";

/// The adapter's options: none yet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The Kapacitor adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kapacitor;

impl Integration for Kapacitor {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(alert) = pager_core::json::from_slice::<Object<Alert<'_>>>(req.body())?;
        mapping::event(&alert).map(|event| vec![event])
    }
}

impl Adapter for Kapacitor {
    const ID: &'static str = ID;
    const NAME: &'static str = "Kapacitor";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(Config {}: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
