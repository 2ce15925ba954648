//! The adapter contract ([`Integration`], [`Adapter`]) and the [`Instance`] a host calls.

use std::borrow::Cow;
use std::fmt::Debug;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::auth::AuthGuard;
use crate::text::truncate;
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

    /// Hands the adapter the instance's [`Limits`], for the ones only it can enforce
    /// (`max_alerts`) or wants to apply while building events (title and description lengths).
    /// The default ignores them; [`Instance`] enforces body size and text lengths regardless.
    #[must_use]
    fn with_limits(self, limits: &Limits) -> Self {
        let _ = limits;
        self
    }
}

/// Limits of an instance, configured under the key `limits`. Exceeding one is a typed error
/// that names it ([`Error::PayloadTooLarge`], [`Error::LimitExceeded`]); text lengths are cut
/// instead (on a character boundary, ending in `…`; the full text stays in the raw body).
///
/// JSON nesting is limited too, though not configurable: values an adapter parses may nest
/// at most 128 levels (`serde_json`'s recursion limit; deeper is [`Error::LimitExceeded`] naming
/// `json_depth`), and values it ignores are skipped without recursion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Limits {
    /// The largest body accepted, in bytes. Default 10 MiB: Alertmanager has no size limit
    /// and `max_alerts: 0` sends every alert of a group.
    pub max_body_bytes: usize,
    /// The most alerts (or the vendor's equivalent items) one payload may carry. Default: no
    /// limit. Enforced by adapters that have such items.
    pub max_alerts: Option<usize>,
    /// Titles are cut to this many characters. Default 200.
    pub max_title_chars: usize,
    /// Descriptions are cut to this many characters. Default 4000.
    pub max_description_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 10 * 1024 * 1024,
            max_alerts: None,
            max_title_chars: 200,
            max_description_chars: 4000,
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

    /// Limits with the given maximum number of alerts per payload.
    #[must_use]
    pub fn with_max_alerts(mut self, max_alerts: Option<usize>) -> Self {
        self.max_alerts = max_alerts;
        self
    }

    /// Checks a payload's item count against `max_alerts`; `items` names them in the message
    /// ("alerts", "events").
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] naming `max_alerts`, the count and the limit.
    pub fn check_max_alerts(&self, count: usize, items: &str) -> Result<(), Error> {
        match self.max_alerts {
            Some(max) if count > max => Err(Error::limit_exceeded(
                "max_alerts",
                format!("the payload has {count} {items}; at most {max} are accepted"),
            )),
            _ => Ok(()),
        }
    }

    /// Cuts an event's title and description to these limits.
    fn apply_to(&self, event: &mut Event) {
        if let Cow::Owned(cut) = truncate(&event.title, self.max_title_chars) {
            event.title = cut;
        }
        if let Some(description) = &event.description {
            if let Cow::Owned(cut) = truncate(description, self.max_description_chars) {
                event.description = Some(cut);
            }
        }
    }
}

/// A configured adapter as a host uses it. [`Instance::handle`] checks, in order: the body
/// size, the auth guard (before anything is parsed), then runs the adapter, cuts titles and
/// descriptions to the limits, and attaches the raw body (shared, not copied) to every event.
/// Every error it returns names the integration ([`Error::with_integration`]): adapters do not
/// thread their id through their errors.
#[derive(Debug)]
pub struct Instance {
    integration: Box<dyn Integration>,
    limits: Limits,
    guard: Option<AuthGuard>,
}

impl Instance {
    /// Wraps an adapter with the default [`Limits`] and no auth.
    pub fn new(integration: Box<dyn Integration>) -> Self {
        Self {
            integration,
            limits: Limits::default(),
            guard: None,
        }
    }

    /// Sets the limits the instance enforces. Crate-private on purpose: limits must reach the
    /// adapter too (`max_alerts`), which only [`crate::Registry::build_instance`] does.
    #[must_use]
    pub(crate) fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Requires every request to pass `guard`.
    #[must_use]
    pub fn with_auth(mut self, guard: AuthGuard) -> Self {
        self.guard = Some(guard);
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Runs the part of the auth guard that needs no body ([`AuthGuard::check_head`]), for
    /// hosts that want to refuse a request before reading its body. [`Instance::handle`] still
    /// runs the whole guard.
    ///
    /// # Errors
    /// [`Error::Unauthorized`], naming the integration.
    pub fn check_before_body<B>(&self, req: &http::Request<B>) -> Result<(), Error> {
        match &self.guard {
            Some(guard) => guard
                .check_head(req)
                .map_err(|e| e.with_integration(self.id())),
            None => Ok(()),
        }
    }
}

impl Integration for Instance {
    fn id(&self) -> &'static str {
        self.integration.id()
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        self.handle_unnamed(req)
            .map_err(|e| e.with_integration(self.id()))
    }
}

impl Instance {
    fn handle_unnamed(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        let size = req.body().len();
        if size > self.limits.max_body_bytes {
            return Err(Error::payload_too_large(size, self.limits.max_body_bytes));
        }
        if let Some(guard) = &self.guard {
            guard.check(req)?;
        }
        let mut events = self.integration.handle(req)?;
        for event in &mut events {
            self.limits.apply_to(event);
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
    serde_path_to_error::deserialize(config).map_err(|err| ConfigError::Invalid {
        integration: A::ID,
        path: crate::error::describe_path(err.path()),
        message: err.into_inner().to_string(),
    })
}
