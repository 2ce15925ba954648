//! # pager-statuscake: StatusCake uptime test webhooks
//!
//! A StatusCake contact group's webhook URL receives a form POST when one of its uptime tests
//! goes down or comes back up: `Status` (`Up`/`Down`), `StatusCode` (0 for a timeout), `URL`,
//! `IP`, `Name`, `Tags`, `CheckRate` and `Token`. Down opens an alert keyed on the test
//! (`TestID` when sent, else the test's `URL`); up resolves it.
//!
//! ```
//! use pager_core::{Action, Integration};
//!
//! let body = "Token=0f4c&Name=Shop&StatusCode=503&Status=Down&URL=https%3A%2F%2Fshop.example.com\
//!             &IP=203.0.113.10&Tags=web%2Cprod&CheckRate=300";
//! let req = http::Request::post("/")
//!     .header("Content-Type", "application/x-www-form-urlencoded")
//!     .body(bytes::Bytes::from_static(body.as_bytes()))?;
//! let events = pager_statuscake::StatusCake::default().handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "https://shop.example.com");
//! assert_eq!(events[0].tags, ["web", "prod"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod mapping;
mod payload;

use bytes::Bytes;
use pager_core::{Adapter, ConfigError, Error, Event, Integration};
use serde::Deserialize;

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "statuscake";

/// The adapter's options (none yet; `{}` and `null` are accepted).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The StatusCake adapter.
#[derive(Debug, Clone, Default)]
pub struct StatusCake;

impl Integration for StatusCake {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        let fields = payload::read(req)?;
        mapping::event(&fields).map(|event| vec![event])
    }
}

impl Adapter for StatusCake {
    const ID: &'static str = ID;
    const NAME: &'static str = "StatusCake";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(_config: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
