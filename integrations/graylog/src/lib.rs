//! # pager-graylog: Graylog HTTP event notifications
//!
//! Graylog's HTTP notification posts a JSON body for each event of an event definition it is
//! attached to: the definition's id, type, title and description, the event (priority, key,
//! fields, …) and a backlog of the messages behind it. Graylog notifies of events, never of
//! their end: every delivery is a `create` (a test notification is `other`), and the alert is
//! resolved by hand (or by the host's auto-resolve).
//!
//! ```
//! use pager_core::{Action, Integration, Urgency};
//!
//! let body = br#"{"event_definition_id": "65f1c0ffee", "event_definition_title": "SSH brute force",
//!                 "event": {"id": "01HV", "event_definition_id": "65f1c0ffee", "key_tuple": ["web-01"],
//!                           "key": "web-01", "priority": 3, "alert": true, "fields": {}}, "backlog": []}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_graylog::Graylog.handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "65f1c0ffee/web-01");
//! assert_eq!(events[0].title, "SSH brute force (web-01)");
//! assert_eq!(events[0].urgency, Some(Urgency::High));
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
pub const ID: &str = "graylog";

/// The adapter's options: none yet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The Graylog adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Graylog;

impl Integration for Graylog {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(notification) =
            pager_core::json::from_slice::<Object<Notification<'_>>>(req.body())?;
        mapping::event(&notification).map(|event| vec![event])
    }
}

impl Adapter for Graylog {
    const ID: &'static str = ID;
    const NAME: &'static str = "Graylog";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(Config {}: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
