//! # pager-jira: Jira Cloud issue webhooks
//!
//! Jira posts a JSON body to a webhook when an issue is created, updated or deleted. A new
//! issue opens an alert keyed on the issue's id; a transition to a status of the done
//! category resolves it, a transition back out of done (or to any open status) opens it again,
//! and deleting the issue resolves it.
//!
//! ```
//! use pager_core::{Action, Integration};
//!
//! let body = br#"{"webhookEvent": "jira:issue_updated",
//!                 "issue": {"id": "10002", "key": "OPS-7",
//!                           "fields": {"summary": "Checkout is down",
//!                                      "status": {"name": "Done",
//!                                                 "statusCategory": {"key": "done"}}}},
//!                 "changelog": {"items": [{"field": "status", "fromString": "In Progress",
//!                                          "toString": "Done"}]}}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_jira::Jira.handle(&req)?;
//! assert_eq!(events[0].action, Action::Resolve);
//! assert_eq!(events[0].thirdparty_id, "10002");
//! assert_eq!(events[0].title, "OPS-7: Checkout is down");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod mapping;
mod payload;

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::{Adapter, ConfigError, Error, Event, Integration};
use serde::Deserialize;

use crate::payload::Delivery;

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "jira";

/// The adapter's options: none yet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The Jira adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Jira;

impl Integration for Jira {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(delivery) = pager_core::json::from_slice::<Object<Delivery<'_>>>(req.body())?;
        mapping::event(&delivery).map(|event| vec![event])
    }
}

impl Adapter for Jira {
    const ID: &'static str = ID;
    const NAME: &'static str = "Jira";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(Config {}: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
