//! # pager-core: the pagerhook contract
//!
//! pagerhook turns the webhooks monitoring tools send into normalized incident [`Event`]s —
//! create, acknowledge, resolve, other — with stable dedup keys. This crate is the contract
//! every vendor adapter and every host shares:
//!
//! - [`Event`] and its parts ([`Action`], [`Urgency`], [`Incident`], [`AdditionalData`]);
//! - the [`Integration`] trait (synchronous, pure, dyn-compatible) and [`Adapter`], its
//!   registrable form with an identity and a `Config`;
//! - [`Error`], which says what was wrong and where and maps to an HTTP status, and
//!   [`ConfigError`] for configurations and unknown slugs;
//! - [`Registry`], which builds an [`Instance`] from (slug, options JSON), with [`Limits`]
//!   and the [`auth`] guard (API key, bearer/custom `Authorization`, Basic, HMAC signatures);
//! - [`rules`]: an instance's sandboxed rules (minijinja) that set the dedup key, title,
//!   urgency, … or drop events;
//! - helpers adapters share: [`json`] (JSON bodies with located errors, borrowed strings,
//!   verbatim parts), [`Meta`], [`severity`] (one severity vocabulary), [`template`]
//!   (template-filled payloads: unfilled placeholders, scalars, epoch millis) and [`text`].
//!
//! Hosts normally use the `pager-integrations` facade, whose `registry()` holds every adapter.
//!
//! ## Example: an adapter, registered, built from configuration and called
//!
//! ```
//! use bytes::Bytes;
//! use pager_core::{Action, Adapter, ConfigError, Error, Event, Integration, Registry};
//!
//! /// Pages on `{"id": "...", "up": false}`, resolves on `"up": true`.
//! #[derive(Debug, Default)]
//! struct Heartbeat { prefix: String }
//!
//! #[derive(serde::Deserialize, Default)]
//! struct HeartbeatConfig { prefix: Option<String> }
//!
//! #[derive(serde::Deserialize)]
//! struct Payload<'a> { id: &'a str, up: bool }
//!
//! impl Integration for Heartbeat {
//!     fn id(&self) -> &'static str { Self::ID }
//!     fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
//!         pager_core::json::require_json(req)?;
//!         let payload: Payload = pager_core::json::from_slice(req.body())?;
//!         let action = if payload.up { Action::Resolve } else { Action::Create };
//!         let key = format!("{}{}", self.prefix, payload.id);
//!         Ok(vec![Event::new(action, key, format!("{} is down", payload.id))])
//!     }
//! }
//!
//! impl Adapter for Heartbeat {
//!     const ID: &'static str = "heartbeat";
//!     const NAME: &'static str = "Heartbeat";
//!     const VERSION: &'static str = "0.1.0";
//!     type Config = HeartbeatConfig;
//!     fn from_config(config: HeartbeatConfig) -> Result<Self, ConfigError> {
//!         Ok(Heartbeat { prefix: config.prefix.unwrap_or_default() })
//!     }
//! }
//!
//! let registry = Registry::new().with::<Heartbeat>();
//! let instance = registry.build("heartbeat", &serde_json::json!({"prefix": "hb:"}))?;
//!
//! let body = Bytes::from_static(br#"{"id": "db-1", "up": false}"#);
//! let req = http::Request::post("/integrations/hb").body(body)?;
//! let events = instance.handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "hb:db-1");
//! assert_eq!(events[0].raw_body(), req.body()); // shared with the request, not copied
//!
//! // Bad input is a typed error that says where, with the HTTP status to answer.
//! let bad = http::Request::post("/").body(Bytes::from_static(br#"{"id": 7}"#))?;
//! let err = instance.handle(&bad).unwrap_err();
//! assert_eq!(err.status(), 400);
//! assert!(err.to_string().starts_with("heartbeat: invalid payload at id: invalid type: integer `7`"));
//!
//! // An unknown slug lists the known ones.
//! let unknown = registry.build("nagios", &serde_json::Value::Null).unwrap_err();
//! assert_eq!(unknown.to_string(), r#"unknown integration "nagios"; known integrations: heartbeat"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod auth;
mod error;
mod event;
pub mod form;
mod integration;
pub mod json;
mod meta;
mod registry;
pub mod rules;
pub mod severity;
pub mod template;
pub mod text;

pub use error::{ConfigError, Error};
pub use event::{
    Action, AdditionalData, DataFormat, EVENT_JSON_KEYS, Event, Incident, Severity, Treatment,
    Urgency, is_http_url,
};
pub use integration::{
    Adapter, Answer, HEARTBEAT_META_KEY, Handled, Instance, Integration, Limits, config_from_json,
    heartbeat_of,
};
pub use meta::Meta;
pub use registry::{InstanceConfig, IntegrationInfo, Registration, Registry};
