//! # pager-dynatrace: Dynatrace problem notifications
//!
//! Dynatrace's "Custom integration" problem notification posts a body the user writes with
//! placeholders (`{PID}`, `{State}`, `{ProblemTitle}`, …) when a problem opens, and, when
//! enabled, when it is resolved or new events merge into it. This adapter reads the body in
//! this crate's README, which users paste into the integration's "Custom payload" field.
//!
//! ```
//! use pager_core::{Action, Integration, Urgency};
//!
//! let body = br#"{"PID": "-3920577237582407000_1700000000000V2", "ProblemID": "P-2304123",
//!                 "State": "OPEN", "ProblemTitle": "Response time degradation",
//!                 "ProblemSeverity": "PERFORMANCE", "Tags": "env:prod, team:checkout"}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_dynatrace::Dynatrace.handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "-3920577237582407000_1700000000000V2");
//! assert_eq!(events[0].title, "Response time degradation");
//! assert_eq!(events[0].urgency, Some(Urgency::Medium));
//! assert_eq!(events[0].tags, ["env:prod", "team:checkout"]);
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
pub const ID: &str = "dynatrace";

/// The adapter's options: none yet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The Dynatrace adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dynatrace;

impl Integration for Dynatrace {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(body) = pager_core::json::from_slice::<Object<Notification<'_>>>(req.body())?;
        mapping::event(&body).map(|event| vec![event])
    }
}

impl Adapter for Dynatrace {
    const ID: &'static str = ID;
    const NAME: &'static str = "Dynatrace";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(Config {}: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
