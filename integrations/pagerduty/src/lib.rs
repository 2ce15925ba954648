//! # pager-pagerduty: a drop-in PagerDuty Events API endpoint
//!
//! Anything that can send to PagerDuty (Alertmanager's `pagerduty_configs`, Grafana's
//! PagerDuty contact point, scripts using the Events API) can send to pagerhook instead: point
//! its URL at the instance with PagerDuty's own path below it
//! (`…/integrations/{name}/v2/enqueue`, or `…/generic/2010-04-15/create_event.json` for v1).
//! The answer is PagerDuty's: 202 `{"status": "success", "message": "Event processed",
//! "dedup_key": …}`.
//!
//! ```
//! use pager_core::{Action, Integration, Urgency};
//!
//! let body = br#"{"routing_key": "k", "event_action": "trigger", "dedup_key": "db-1/disk",
//!                 "payload": {"summary": "Disk full on db-1", "source": "db-1", "severity": "error"}}"#;
//! let req = http::Request::post("/v2/enqueue").body(bytes::Bytes::from_static(body))?;
//! let adapter = pager_pagerduty::PagerDuty::default();
//! let events = adapter.handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "db-1/disk");
//! assert_eq!(events[0].urgency, Some(Urgency::High));
//! let answer = adapter.answer(&req, &events).unwrap();
//! assert_eq!(answer.status, 202);
//! assert_eq!(answer.body["dedup_key"], "db-1/disk");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod mapping;
mod payload;

use bytes::Bytes;
use pager_core::auth::Secret;
use pager_core::json::Object;
use pager_core::{Adapter, Answer, ConfigError, Error, Event, Integration};
use serde::Deserialize;

use crate::mapping::Api;
use crate::payload::Body;

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "pagerduty";

/// The adapter's options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// When not empty, the only routing keys (v2 `routing_key`, v1 `service_key`) accepted:
    /// an event with another key, or none, is refused 401. Compared in constant time.
    pub routing_keys: Vec<Secret>,
}

/// The PagerDuty adapter.
#[derive(Debug, Clone, Default)]
pub struct PagerDuty {
    routing_keys: Vec<Secret>,
}

impl PagerDuty {
    /// Parses the body, checks the routing key and tells v2 from v1.
    fn parse<'b>(&self, req: &'b http::Request<Bytes>) -> Result<(Api, Body<'b>), Error> {
        pager_core::json::require_json(req)?;
        let Object(body) = pager_core::json::from_slice::<Object<Body<'_>>>(req.body())?;
        let api = Api::of(req.uri().path(), &body)?;
        if !self.routing_keys.is_empty() {
            let presented = api.credential(&body).unwrap_or_default().as_bytes();
            // Every configured key is compared, so the time taken does not say which matched.
            let accepted = self
                .routing_keys
                .iter()
                .fold(false, |ok, key| key.matches(presented) | ok);
            if !accepted {
                return Err(Error::unauthorized());
            }
        }
        Ok((api, body))
    }
}

impl Integration for PagerDuty {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        let (api, body) = self.parse(req)?;
        mapping::event(api, &body, req.body()).map(|event| vec![event])
    }

    /// PagerDuty's answer: 202 with the event's key as the adapter made it (a rule that
    /// changes the alert's key does not change what the sender must send to resolve it).
    fn answer(&self, req: &http::Request<Bytes>, _events: &[Event]) -> Option<Answer> {
        let (api, body) = self.parse(req).ok()?;
        let keyed = mapping::keyed(api, &body).ok()?;
        Some(Answer::new(
            http::StatusCode::ACCEPTED,
            serde_json::json!({
                "status": "success",
                "message": "Event processed",
                api.key_field(): keyed.key,
            }),
        ))
    }
}

impl Adapter for PagerDuty {
    const ID: &'static str = ID;
    const NAME: &'static str = "PagerDuty Events API (compatible endpoint)";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(Config { routing_keys }: Config) -> Result<Self, ConfigError> {
        if routing_keys.iter().any(|k| k.expose().is_empty()) {
            return Err(ConfigError::Invalid {
                integration: ID,
                path: "routing_keys".to_owned(),
                message: "a routing key may not be empty".to_owned(),
            });
        }
        Ok(Self { routing_keys })
    }
}
