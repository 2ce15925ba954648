//! # pager-splunk: Splunk webhook alert actions
//!
//! Splunk's webhook alert action posts a JSON body each time a saved search's alert triggers:
//! the search's name, app and owner, the job's `sid` and `results_link`, and the first result
//! row. Splunk sends nothing when the condition clears: every delivery is a `create`, and the
//! alert is resolved by hand (or by the host's auto-resolve).
//!
//! ```
//! use pager_core::{Action, Integration};
//!
//! let body = br#"{"result": {"host": "web-01", "count": "8"}, "sid": "scheduler__admin__search__W2_at_1427942640_178",
//!                 "results_link": "http://splunk.example:8000/app/search/@go?sid=scheduler__admin__search__W2_at_1427942640_178",
//!                 "search_name": "Errors by host", "owner": "admin", "app": "search"}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_splunk::Splunk::default().handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "search/Errors by host");
//! assert_eq!(events[0].title, "Errors by host");
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
pub const ID: &str = "splunk";

/// The adapter's options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// A field of the result row (`host`, say) whose value joins the key: one alert per
    /// search and value instead of one per search.
    pub key_field: Option<String>,
}

/// The Splunk adapter.
#[derive(Debug, Clone, Default)]
pub struct Splunk {
    key_field: Option<String>,
}

impl Integration for Splunk {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(alert) = pager_core::json::from_slice::<Object<Alert<'_>>>(req.body())?;
        mapping::event(&alert, self.key_field.as_deref()).map(|event| vec![event])
    }
}

impl Adapter for Splunk {
    const ID: &'static str = ID;
    const NAME: &'static str = "Splunk";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(config: Config) -> Result<Self, ConfigError> {
        let key_field = match config.key_field {
            Some(field) if field.trim().is_empty() => {
                return Err(ConfigError::Invalid {
                    integration: ID,
                    path: "key_field".to_owned(),
                    message: "must name a field of the result row, such as \"host\"".to_owned(),
                });
            }
            other => other.map(|field| field.trim().to_owned()),
        };
        Ok(Self { key_field })
    }
}
