//! The adapter contract ([`Integration`], [`Adapter`]) and the [`Instance`] a host calls.

use std::borrow::Cow;
use std::fmt::Debug;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::auth::AuthGuard;
use crate::rules::{RequestContext, RuleFailure, Rules};
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
    /// The request's URI is the path *below* the instance's URL, with the query as sent: `/`
    /// for a delivery to the instance's own URL, `/v2/enqueue` for one to
    /// `…/integrations/{name}/v2/enqueue` (an API with several endpoints, such as PagerDuty's
    /// or Opsgenie's, reads it; most adapters ignore it).
    ///
    /// # Errors
    /// When the request is not a delivery this adapter can read (see [`Error`]).
    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error>;

    /// The heartbeats this adapter's events may ping (see [`HEARTBEAT_META_KEY`]), from its
    /// configuration; none by default. A host pings only the heartbeats listed here, whatever
    /// an event says, so a sender cannot ping a heartbeat the instance was not configured for.
    fn heartbeat_names(&self) -> Vec<String> {
        Vec::new()
    }

    /// The answer to an accepted delivery, when the vendor's clients expect a particular one
    /// (PagerDuty's `202 {"status": "success", …}`); `None` (the default) lets the host answer
    /// as it does for every adapter. Pure, like [`Integration::handle`]: from the request and
    /// the events only.
    fn answer(&self, req: &http::Request<Bytes>, events: &[Event]) -> Option<Answer> {
        let _ = (req, events);
        None
    }
}

/// An adapter's answer to an accepted delivery (see [`Integration::answer`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// The HTTP status: a success (2xx).
    pub status: http::StatusCode,
    /// The JSON body.
    pub body: serde_json::Value,
}

impl Answer {
    /// `status` with the JSON `body`.
    pub fn new(status: http::StatusCode, body: serde_json::Value) -> Self {
        Self { status, body }
    }
}

/// The `meta` key of an event that pings a heartbeat: an [`crate::Action::Other`] event whose
/// `meta` has `"heartbeat": "<name>"` says "the sender is alive" (Alertmanager's always-firing
/// `Watchdog`, with the prometheus-v3 option `watchdog`). It opens nothing; a host that keeps
/// heartbeats records a ping of `<name>` once the delivery is stored, if the instance lists
/// the name in [`Integration::heartbeat_names`].
pub const HEARTBEAT_META_KEY: &str = "heartbeat";

/// The heartbeat `event` pings, if it is a heartbeat ping (see [`HEARTBEAT_META_KEY`]).
pub fn heartbeat_of(event: &Event) -> Option<String> {
    if event.action != crate::Action::Other {
        return None;
    }
    serde_json::from_str(event.meta.get(HEARTBEAT_META_KEY)?).ok()
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

/// Limits of an instance, configured under the key `limits`. A limit on the delivery as a
/// whole is a typed error that names it ([`Error::PayloadTooLarge`], [`Error::LimitExceeded`]
/// for `max_alerts` and `json_depth`): the delivery is refused. A limit on one event's parts is
/// a cut instead (text on a character boundary, ending in `…`; lists to their first entries):
/// the event still opens or resolves its alert, the full data stays in the stored raw body, and
/// the event's `meta` says which limits cut it (`"limits_applied": ["max_tags"]`; titles and
/// descriptions, cut since the start, are not listed). A 400 for a tag too many would make a
/// retrying sender (Alertmanager re-sends a refused notification at every `group_interval`)
/// lose the alert altogether.
///
/// JSON nesting is limited too, though not configurable: values an adapter parses may nest
/// at most 128 levels (`serde_json`'s recursion limit; deeper is [`Error::LimitExceeded`] naming
/// `json_depth`), values it ignores are skipped without recursion, and values an event keeps
/// verbatim in its `meta` count: the `meta` object and what it holds nest at most 128 levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Limits {
    /// The largest body accepted, in bytes. Default 10 MiB: Alertmanager has no size limit
    /// and `max_alerts: 0` sends every alert of a group.
    pub max_body_bytes: usize,
    /// The most alerts (or the vendor's equivalent items) one payload may carry. Default
    /// 10,000. Enforced by adapters that have such items.
    pub max_alerts: Option<usize>,
    /// Titles are cut to this many characters (at least 2). Default 200.
    #[serde(deserialize_with = "at_least_two")]
    pub max_title_chars: usize,
    /// Descriptions are cut to this many characters (at least 2). Default 4000.
    #[serde(deserialize_with = "at_least_two")]
    pub max_description_chars: usize,
    /// An event keeps at most this many `additional_data` entries. Default 100.
    pub max_additional_data: usize,
    /// An event keeps at most this many tags. Default 50.
    pub max_tags: usize,
    /// An event keeps at most this many dedup keys. Default 20.
    pub max_dedup_keys: usize,
    /// Each tag, dedup key, `additional_data` value and the `thirdparty_id` is cut to this
    /// many bytes (on a character boundary, ending in `…`; at least 16). Default 16 KiB.
    #[serde(deserialize_with = "at_least_sixteen")]
    pub max_value_bytes: usize,
}

/// The most levels the `meta` object and the values in it may nest.
pub const MAX_META_DEPTH: usize = 128;

fn at_least<'de, D: serde::Deserializer<'de>>(d: D, min: usize) -> Result<usize, D::Error> {
    let value = usize::deserialize(d)?;
    if value < min {
        return Err(serde::de::Error::custom(format!(
            "must be at least {min}, got {value}"
        )));
    }
    Ok(value)
}

fn at_least_two<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    // One character is only the ellipsis; zero would be an empty title.
    at_least(d, 2)
}

fn at_least_sixteen<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    at_least(d, 16)
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 10 * 1024 * 1024,
            max_alerts: Some(10_000),
            max_title_chars: 200,
            max_description_chars: 4000,
            max_additional_data: 100,
            max_tags: 50,
            max_dedup_keys: 20,
            max_value_bytes: 16 * 1024,
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

    /// Cuts an event's title, description, lists and values to these limits; records in its
    /// `meta` which of the per-event limits cut it.
    fn apply_to(&self, event: &mut Event) {
        if let Cow::Owned(cut) = truncate(&event.title, self.max_title_chars) {
            event.title = cut;
        }
        if let Some(description) = &event.description {
            if let Cow::Owned(cut) = truncate(description, self.max_description_chars) {
                event.description = Some(cut);
            }
        }
        let mut applied = Vec::new();
        let mut note = |limit: &'static str, hit: bool| {
            if hit && !applied.contains(&limit) {
                applied.push(limit);
            }
        };
        note(
            "max_additional_data",
            event.additional_data.len() > self.max_additional_data,
        );
        event.additional_data.truncate(self.max_additional_data);
        note("max_tags", event.tags.len() > self.max_tags);
        event.tags.truncate(self.max_tags);
        note(
            "max_dedup_keys",
            event.dedup_keys.len() > self.max_dedup_keys,
        );
        event.dedup_keys.truncate(self.max_dedup_keys);
        let max = self.max_value_bytes;
        let values = std::iter::once(&mut event.thirdparty_id)
            .chain(event.tags.iter_mut())
            .chain(event.dedup_keys.iter_mut())
            .chain(event.additional_data.iter_mut().map(|d| &mut d.value));
        // Every value is cut (a count, not a short-circuiting `any`).
        let cut = values
            .map(|value| cut_bytes(value, max))
            .filter(|&cut| cut)
            .count();
        note("max_value_bytes", cut > 0);
        if !applied.is_empty() {
            event.meta = std::mem::take(&mut event.meta).with("limits_applied", applied);
        }
    }
}

/// Cuts `s` to at most `max` bytes, on a character boundary, ending in `…`; true when cut.
fn cut_bytes(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false;
    }
    let room = max.saturating_sub('…'.len_utf8());
    let end = (0..=room)
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0);
    s.truncate(end);
    s.push('…');
    true
}

/// A configured adapter as a host uses it. [`Instance::handle`] checks, in order: the body
/// size, the auth guard (before anything is parsed), then runs the adapter, refuses an event
/// whose `meta` nests too deep (`json_depth`), runs the instance's [rules](crate::rules)
/// (which may change or drop events), cuts each event to the per-event limits (title,
/// description, lists, values), and attaches the raw body (shared, not copied) to every event.
/// Every error it returns names the integration ([`Error::with_integration`]): adapters do not
/// thread their id through their errors. [`Instance::handle_with_report`] also says what the
/// rules dropped and where they failed.
#[derive(Debug)]
pub struct Instance {
    integration: Box<dyn Integration>,
    limits: Limits,
    guard: Option<AuthGuard>,
    rules: Option<Rules>,
    name: Option<String>,
    /// Lowercase names of the headers the auth guard reads, hidden from rules.
    secret_headers: Vec<String>,
}

/// What [`Instance::handle_with_report`] did with a delivery.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Handled {
    /// The events, as [`Integration::handle`] returns them.
    pub events: Vec<Event>,
    /// How many events a rule dropped.
    pub dropped: usize,
    /// The rules that failed on an event, and were skipped for it (in order).
    pub rule_failures: Vec<RuleFailure>,
}

impl Instance {
    /// Wraps an adapter with the default [`Limits`] and no auth.
    pub fn new(integration: Box<dyn Integration>) -> Self {
        Self {
            integration,
            limits: Limits::default(),
            guard: None,
            rules: None,
            name: None,
            secret_headers: Vec::new(),
        }
    }

    /// Runs `rules` on every event (see [`crate::rules`]); `None` = no rules.
    #[must_use]
    pub fn with_rules(mut self, rules: Option<Rules>) -> Self {
        self.rules = rules;
        self
    }

    /// Names the instance (the `instance` rules see; the slug when unnamed).
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The instance's name, if it was given one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
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
        self.secret_headers = guard.header_names();
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

    /// Whether the instance's auth can only be decided with the body (an HMAC signature): until
    /// it is read, such a request is unauthenticated.
    pub fn needs_body(&self) -> bool {
        self.guard.as_ref().is_some_and(AuthGuard::needs_body)
    }

    /// The request's HMAC signature and how long to remember it, when the instance's auth
    /// checks an HMAC with a timestamp ([`crate::auth::AuthGuard::signature_nonce`]): a host
    /// that keeps it refuses to apply a replay of an accepted request.
    pub fn signature_nonce<B>(
        &self,
        req: &http::Request<B>,
    ) -> Option<crate::auth::SignatureNonce> {
        self.guard.as_ref()?.signature_nonce(req)
    }
}

impl Integration for Instance {
    fn id(&self) -> &'static str {
        self.integration.id()
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        self.handle_with_report(req).map(|handled| handled.events)
    }

    fn heartbeat_names(&self) -> Vec<String> {
        self.integration.heartbeat_names()
    }

    fn answer(&self, req: &http::Request<Bytes>, events: &[Event]) -> Option<Answer> {
        self.integration.answer(req, events)
    }
}

impl Instance {
    /// As [`Integration::handle`], and says what the rules did: how many events they dropped
    /// and which failed on which event (a failed rule is skipped for that event; the event is
    /// kept). Hosts count and record these; without rules both are empty.
    ///
    /// # Errors
    /// As [`Integration::handle`]: rules never add an error.
    pub fn handle_with_report(&self, req: &http::Request<Bytes>) -> Result<Handled, Error> {
        self.handle_unnamed(req)
            .map_err(|e| e.with_integration(self.id()))
    }

    /// The notification of a `GET` that carries it in its query string (UptimeRobot's webhook
    /// alert contacts without POST values, PagerTree's `…/g?` URLs): the query's parameters,
    /// as sent, minus the API key's (the guard's `query_param`, and `x-api-key` always), as an
    /// `application/x-www-form-urlencoded` body. `None` for any other method, or when no
    /// parameter is left. [`Instance::handle`] reads such a `GET` (with an empty body) this
    /// way, and a host stores this body as the delivery's, so the key never reaches a log.
    ///
    /// ```
    /// use pager_core::auth::{AuthConfig, AuthGuard};
    /// use pager_core::{Error, Event, Instance, Integration};
    ///
    /// #[derive(Debug)]
    /// struct Echo;
    /// impl Integration for Echo {
    ///     fn id(&self) -> &'static str { "echo" }
    ///     fn handle(&self, _: &http::Request<bytes::Bytes>) -> Result<Vec<Event>, Error> {
    ///         Ok(Vec::new())
    ///     }
    /// }
    /// let auth: AuthConfig =
    ///     serde_json::from_value(serde_json::json!({"api_key": {"key": "k", "query_param": "token"}}))?;
    /// let instance = Instance::new(Box::new(Echo)).with_auth(AuthGuard::new(auth)?);
    /// let uri: http::Uri = "/?monitorID=7&token=k&x-api-key=k&alertType=1".parse()?;
    /// let form = instance.query_as_form(&http::Method::GET, &uri).unwrap();
    /// assert_eq!(form, "monitorID=7&alertType=1");
    /// assert_eq!(instance.query_as_form(&http::Method::POST, &uri), None);
    /// let only_the_key: http::Uri = "/?token=k".parse()?;
    /// assert_eq!(instance.query_as_form(&http::Method::GET, &only_the_key), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn query_as_form(&self, method: &http::Method, uri: &http::Uri) -> Option<Bytes> {
        if method != http::Method::GET {
            return None;
        }
        let secret = self.guard.as_ref().and_then(AuthGuard::query_param_name);
        let default = crate::auth::DEFAULT_API_KEY_PARAM;
        let kept: Vec<&str> = uri
            .query()?
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| {
                form_urlencoded::parse(pair.as_bytes())
                    .next()
                    .is_none_or(|(name, _)| name != default && Some(&*name) != secret)
            })
            .collect();
        (!kept.is_empty()).then(|| Bytes::from(kept.join("&")))
    }

    /// The body [`Instance::handle`] reads `req` with when it is a `GET` whose notification is
    /// its query string: [`Instance::query_as_form`], when the request's own body is blank.
    /// A host stores this as the delivery's body (with the form content type) instead of the
    /// request's.
    pub fn query_body(&self, req: &http::Request<Bytes>) -> Option<Bytes> {
        self.query_as_form(req.method(), req.uri())
            .filter(|_| req.body().iter().all(u8::is_ascii_whitespace))
    }

    fn handle_unnamed(&self, req: &http::Request<Bytes>) -> Result<Handled, Error> {
        let size = req.body().len();
        if size > self.limits.max_body_bytes {
            return Err(Error::payload_too_large(size, self.limits.max_body_bytes));
        }
        if let Some(guard) = &self.guard {
            guard.check(req)?;
        }
        let from_query;
        let req = match self.query_body(req) {
            Some(form) => {
                from_query = query_request(req, form);
                &from_query
            }
            None => req,
        };
        let mut events = self.integration.handle(req)?;
        for event in &events {
            // The `meta` object is one level; what it holds may nest the rest.
            if let Some((key, depth)) = event.meta.deepest() {
                if depth >= MAX_META_DEPTH {
                    return Err(Error::limit_exceeded(
                        "json_depth",
                        format!(
                            "meta.{key} nests deeper than {MAX_META_DEPTH} levels with the meta \
                             object"
                        ),
                    ));
                }
            }
        }
        let mut handled = Handled::default();
        if let Some(rules) = &self.rules {
            let applied = rules.apply(
                &mut events,
                &RequestContext {
                    req,
                    instance: self.name.as_deref().unwrap_or(self.id()),
                    integration: self.id(),
                    secret_headers: &self.secret_headers,
                },
            );
            handled.dropped = applied.dropped;
            handled.rule_failures = applied.failures;
        }
        for event in &mut events {
            self.limits.apply_to(event);
            event.set_raw_body(req.body().clone());
        }
        handled.events = events;
        Ok(handled)
    }
}

/// A `GET`'s query as a form `POST`'s body (see [`Instance::query_as_form`]): same path and
/// headers, no query, `Content-Type: application/x-www-form-urlencoded`.
fn query_request(req: &http::Request<Bytes>, form: Bytes) -> http::Request<Bytes> {
    let mut converted = http::Request::new(form);
    *converted.method_mut() = req.method().clone();
    *converted.uri_mut() = req
        .uri()
        .path()
        .parse()
        .unwrap_or_else(|_| http::Uri::from_static("/"));
    *converted.headers_mut() = req.headers().clone();
    converted.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(crate::form::FORM_CONTENT_TYPE),
    );
    converted
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
