//! # pager-opsgenie: a drop-in Opsgenie Alert API endpoint
//!
//! Anything that can create and close Opsgenie alerts (Alertmanager's `opsgenie_configs`,
//! Grafana's Opsgenie contact point, scripts using the Alert API) can send to pagerhook
//! instead: set the sender's Opsgenie API URL to the instance (`…/integrations/{name}/`); the
//! sender appends Opsgenie's paths (`v2/alerts`, `v2/alerts/{alias}/close?identifierType=alias`)
//! and pagerhook answers as Opsgenie does: 202 `{"result": "Request will be processed", …}`.
//! The `Authorization: GenieKey …` header is checked by the instance's `auth` guard.
//!
//! ```
//! use pager_core::{Action, Integration, Urgency};
//!
//! let body = br#"{"message": "Disk full on db-1", "alias": "db-1/disk", "priority": "P2"}"#;
//! let req = http::Request::post("/v2/alerts").body(bytes::Bytes::from_static(body))?;
//! let events = pager_opsgenie::Opsgenie.handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "db-1/disk");
//! assert_eq!(events[0].urgency, Some(Urgency::High));
//!
//! let close = http::Request::post("/v2/alerts/db-1%2Fdisk/close?identifierType=alias")
//!     .body(bytes::Bytes::new())?;
//! let events = pager_opsgenie::Opsgenie.handle(&close)?;
//! assert_eq!(events[0].action, Action::Resolve);
//! assert_eq!(events[0].thirdparty_id, "db-1/disk");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod mapping;
mod payload;

use bytes::Bytes;
use pager_core::{Adapter, Answer, ConfigError, Error, Event, Integration};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::mapping::Endpoint;

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "opsgenie";

/// The adapter's options: none yet (the API key is checked by the instance's `auth`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The Opsgenie adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Opsgenie;

impl Integration for Opsgenie {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let event = match Endpoint::of(req.uri())? {
            Endpoint::Create => mapping::create(req.body())?,
            Endpoint::OnAlert {
                identifier,
                identifier_type,
                verb,
            } => mapping::on_alert(req.body(), identifier, identifier_type, &verb)?,
        };
        Ok(vec![event])
    }

    /// Opsgenie's answer: 202, `took` 0, and a `requestId` made from the request (the adapter
    /// is pure: the same request gets the same id).
    fn answer(&self, req: &http::Request<Bytes>, _events: &[Event]) -> Option<Answer> {
        let mut hash = Sha256::new();
        hash.update(req.uri().to_string().as_bytes());
        hash.update([0]);
        hash.update(req.body());
        let digest = hash.finalize();
        let hex = hex::encode(digest.get(..16)?);
        let request_id = format!(
            "{}-{}-{}-{}-{}",
            hex.get(..8)?,
            hex.get(8..12)?,
            hex.get(12..16)?,
            hex.get(16..20)?,
            hex.get(20..32)?
        );
        Some(Answer::new(
            http::StatusCode::ACCEPTED,
            serde_json::json!({
                "result": "Request will be processed",
                "took": 0.0,
                "requestId": request_id,
            }),
        ))
    }
}

impl Adapter for Opsgenie {
    const ID: &'static str = ID;
    const NAME: &'static str = "Opsgenie Alert API (compatible endpoint)";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(Config {}: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
