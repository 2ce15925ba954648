//! The adapter contract ([`Integration`], [`Adapter`]) and the [`Instance`] a host calls.

use std::fmt::Debug;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{ConfigError, Error, Event};

/// A vendor adapter: turns one webhook delivery into normalized events.
///
/// Implementations are **synchronous and pure**: no clock, environment, network or randomness,
/// so the same request always gives the same events, and a host can call `handle` from any
/// thread or async task (parsing takes microseconds of CPU). Everything an adapter needs is
/// given at construction, from its configuration. The trait is dyn-compatible: hosts keep
/// adapters as `Box<dyn Integration>`.
pub trait Integration: Send + Sync + Debug + 'static {
    /// The adapter's slug, e.g. `"prometheus-v3"`.
    fn id(&self) -> &'static str;

    /// Normalizes one delivery. `Ok(vec![])` means "understood, nothing to do".
    ///
    /// # Errors
    /// When the request is not a delivery this adapter can read (see [`Error`]).
    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error>;
}

/// An [`Integration`] that can be registered: it has an identity and is built from a
/// configuration (deserialized from JSON or TOML; `Default` must build a working adapter).
pub trait Adapter: Integration + Sized {
    /// The slug: folder, registry key, fixtures folder and snapshot prefix.
    const ID: &'static str;
    /// A human name, e.g. `"Prometheus Alertmanager"`.
    const NAME: &'static str;
    /// The adapter crate's version.
    const VERSION: &'static str;
    /// The adapter's options.
    type Config: DeserializeOwned + Default;

    /// Builds the adapter.
    ///
    /// # Errors
    /// When the options are inconsistent in a way their types cannot express.
    fn from_config(config: Self::Config) -> Result<Self, ConfigError>;
}

/// Limits applied to every delivery before the adapter sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Limits {
    /// The largest body accepted, in bytes. Default 10 MiB: Alertmanager has no size limit
    /// and `max_alerts: 0` sends every alert of a group.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 10 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// Limits with the given maximum body size.
    #[must_use]
    pub fn with_max_body_bytes(mut self, max_body_bytes: usize) -> Self {
        self.max_body_bytes = max_body_bytes;
        self
    }
}

/// A configured adapter as a host uses it: limits checked, then the adapter, then the raw body
/// attached (shared, not copied) to every event.
#[derive(Debug)]
pub struct Instance {
    integration: Box<dyn Integration>,
    limits: Limits,
}

impl Instance {
    /// Wraps an adapter with the default [`Limits`].
    pub fn new(integration: Box<dyn Integration>) -> Self {
        Self {
            integration,
            limits: Limits::default(),
        }
    }

    /// Replaces the limits.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }
}

impl Integration for Instance {
    fn id(&self) -> &'static str {
        self.integration.id()
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        let size = req.body().len();
        if size > self.limits.max_body_bytes {
            return Err(Error::PayloadTooLarge {
                integration: self.id(),
                size,
                limit: self.limits.max_body_bytes,
            });
        }
        let mut events = self.integration.handle(req)?;
        for event in &mut events {
            event.set_raw_body(req.body().clone());
        }
        Ok(events)
    }
}

/// Deserializes an adapter's configuration from JSON; `null` gives the default.
///
/// # Errors
/// [`ConfigError::Invalid`] naming the option that is wrong.
pub fn config_from_json<A: Adapter>(config: &serde_json::Value) -> Result<A::Config, ConfigError> {
    if config.is_null() {
        return Ok(A::Config::default());
    }
    serde_path_to_error::deserialize(config).map_err(|err| {
        let path = err.path().to_string();
        ConfigError::Invalid {
            integration: A::ID,
            path: if path == "." {
                "the top level".to_owned()
            } else {
                path
            },
            message: err.into_inner().to_string(),
        }
    })
}
