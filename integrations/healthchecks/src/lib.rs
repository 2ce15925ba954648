//! # pager-healthchecks: Healthchecks.io webhook notifications
//!
//! Healthchecks' webhook integration posts a body the user writes with placeholders (`$CODE`,
//! `$STATUS`, `$NAME_JSON`, …) when a check goes down or up. This adapter reads the body in
//! this crate's README, which users paste into the integration's request body fields, and
//! the body of Healthchecks' built-in PagerTree integration. A check is keyed on Healthchecks'
//! own `unique_key`, never on its code (the check's ping URL).
//!
//! ```
//! use pager_core::{Action, Integration};
//!
//! let body = br#"{"check_id": "5f4c1b1e-2d5a-4c39-9a43-0e6f1a7e3b21", "name": "Nightly backup",
//!                 "status": "down", "now": "2026-08-21T03:15:00+00:00", "tags": "prod db"}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_healthchecks::Healthchecks::default().handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! // SHA-1 of the code's first 16 hex digits, as Healthchecks computes it.
//! assert_eq!(events[0].thirdparty_id, "8e3047b130f599655e7a8580701ee3e50782f46f");
//! assert_eq!(events[0].title, "Nightly backup is down");
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
pub const ID: &str = "healthchecks";

/// The adapter's options.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// The Healthchecks site the checks live on, for the link to a check's details page
    /// (`<site_url>/checks/<uuid>/details/`). Default `https://healthchecks.io`; a
    /// self-hosted instance sets its own `SITE_ROOT`.
    pub site_url: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            site_url: "https://healthchecks.io".to_owned(),
        }
    }
}

/// The Healthchecks.io adapter.
#[derive(Debug, Clone, Default)]
pub struct Healthchecks {
    config: Config,
}

impl Integration for Healthchecks {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(body) = pager_core::json::from_slice::<Object<Notification<'_>>>(req.body())?;
        mapping::event(&self.config, &body).map(|event| vec![event])
    }
}

impl Adapter for Healthchecks {
    const ID: &'static str = ID;
    const NAME: &'static str = "Healthchecks.io";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(mut config: Config) -> Result<Self, ConfigError> {
        let trimmed = config.site_url.trim().trim_end_matches('/');
        if !pager_core::is_http_url(trimmed) {
            return Err(ConfigError::Invalid {
                integration: ID,
                path: "site_url".to_owned(),
                message: "must be an absolute http(s) URL".to_owned(),
            });
        }
        config.site_url = trimmed.to_owned();
        Ok(Self { config })
    }
}
