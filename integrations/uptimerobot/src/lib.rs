//! # pager-uptimerobot: UptimeRobot webhook alert contacts
//!
//! UptimeRobot's webhook alert contact sends its notification variables (`monitorID`,
//! `alertType`, `alertDetails`, …) either as POST parameters (a form) or as a JSON body the
//! user writes with them (the template in this crate's README). Both are read, by the
//! request's `Content-Type`. A monitor going down opens an alert keyed on `monitorID`; the
//! monitor coming back up resolves it.
//!
//! ```
//! use pager_core::{Action, Integration};
//!
//! let body = "monitorID=777&monitorURL=https%3A%2F%2Fexample.com&monitorFriendlyName=Example\
//!             &alertType=1&alertTypeFriendlyName=Down&alertDetails=Connection+Timeout";
//! let req = http::Request::post("/")
//!     .header("Content-Type", "application/x-www-form-urlencoded")
//!     .body(bytes::Bytes::from_static(body.as_bytes()))?;
//! let events = pager_uptimerobot::UptimeRobot::default().handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "777");
//! assert_eq!(events[0].title, "Example is down");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod mapping;
mod payload;

use bytes::Bytes;
use pager_core::{Adapter, ConfigError, Error, Event, Integration};
use serde::Deserialize;

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "uptimerobot";

/// What an SSL certificate expiry notification (`alertType` 3) does: `create` opens (or
/// counts on) an alert of its own, `ssl:<monitorID>`, at low urgency (UptimeRobot sends
/// nothing when the certificate is renewed: resolve it by hand); `other` records it without
/// an alert.
pub use pager_core::Treatment as SslExpiry;

/// The adapter's options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// SSL certificate expiry notifications: `create` (default) or `other`.
    pub ssl_expiry: SslExpiry,
}

/// The UptimeRobot adapter.
#[derive(Debug, Clone, Default)]
pub struct UptimeRobot {
    config: Config,
}

impl Integration for UptimeRobot {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        let fields = payload::read(req)?;
        mapping::event(&self.config, &fields).map(|event| vec![event])
    }
}

impl Adapter for UptimeRobot {
    const ID: &'static str = ID;
    const NAME: &'static str = "UptimeRobot";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(config: Config) -> Result<Self, ConfigError> {
        Ok(Self { config })
    }
}
