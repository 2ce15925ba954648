//! The HTTP receiver: an axum [`Router`] over named adapter instances and a [`Store`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use pager_core::auth::ReceivedAt;
use pager_core::{Answer, Error, Instance, Integration, Registry};
use serde::Deserialize;
use serde_json::json;

use crate::clock::{Clock, SystemClock};
use crate::config::{ApiConfig, InstanceEntry};
use crate::heartbeat::{HEARTBEAT_INSTANCE, Heartbeats, list_heartbeats, ping_heartbeat};
use crate::lifecycle::AlertStatus;
use crate::metrics::Metrics;
use crate::outputs::dispatch::Outputs;
use crate::outputs::{DispatchError, Dispatcher, OutboxPlan, OutputConfig, validate_outputs};
use crate::retention::Retention;
use crate::store::{
    AlertFilter, Delivery, DeliveryFilter, MessageFilter, MessageStatus, Outcome, Pruned, Requeue,
    Store, StoreError,
};

/// Bodies at least this large are normalized on the blocking pool, not on the async worker.
const BLOCKING_BODY_BYTES: usize = 256 * 1024;

/// The most a declared `Content-Length` makes the receiver allocate before bytes arrive.
const PREALLOCATE_MAX: usize = 1024 * 1024;

/// The most alerts or deliveries one page of a listing returns; a larger `limit` is a 400
/// (not clamped, so a client never mistakes a short page for the whole set). Further pages
/// are asked for with `before=<next_before>`.
const MAX_PAGE: usize = 1000;

/// Why a receiver could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiverError {
    /// An instance name that cannot appear in the URL.
    #[error("instance name {0:?} is invalid: use 1-64 letters, digits, '-' or '_'")]
    InvalidName(String),
    /// Two instances with one name.
    #[error("instance name {0:?} is used twice")]
    DuplicateName(String),
    /// An instance whose configuration the registry refused.
    #[error("instance {name:?}: {source}")]
    Instance {
        /// The instance's name.
        name: String,
        /// Why.
        source: pager_core::ConfigError,
    },
    /// An output that cannot be used (the message never quotes a secret).
    #[error("{0}")]
    Output(String),
    /// A heartbeat that cannot be used, or an instance that pings one not configured.
    #[error("{0}")]
    Heartbeat(String),
    /// A `[[maintenance]]` window that cannot be used (the message names its index and key).
    #[error("{0}")]
    Maintenance(String),
}

/// Named adapter instances in front of a store. Build it, then turn it into a [`Router`] with
/// [`Receiver::router`] and serve it, or nest it in your own axum service:
///
/// ```
/// use std::sync::Arc;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("alerts.db");
/// let store = Arc::new(pager_server::store::SqliteStore::open(&path)?);
/// let am = pager_integrations::registry().build("prometheus-v3", &serde_json::Value::Null)?;
/// let receiver = pager_server::Receiver::new(store).with_instance("am", am)?;
/// let app: axum::Router = axum::Router::new().nest("/pagerhook", receiver.router());
/// // Serve `app` with pager_server::serve (timeouts, connection limit, bounded shutdown), or
/// // axum::serve with app.into_make_service_with_connect_info::<std::net::SocketAddr>():
/// // without a token, the read API answers loopback clients only, and needs their address.
/// # let _ = app;
/// # Ok(())
/// # }
/// ```
///
/// Routes (relative to where it is mounted):
///
/// | route | what |
/// |---|---|
/// | `POST /integrations/{name}` | a delivery for instance `name` |
/// | `GET /alerts?status=&instance=&thirdparty_id=&limit=&before=` | `{"alerts": [...], "next_before": id or null}`, newest first |
/// | `GET /alerts/{id}` | `{"alert": {...}, "history": [...]}` |
/// | `GET /deliveries?instance=&limit=&before=` | `{"deliveries": [...], "next_before": id or null}`, newest first, no bodies |
/// | `GET /healthz` | `{"status": "ok"}` when the store answers and its last commit succeeded, else 503 |
/// | `GET /metrics` | OpenMetrics text |
/// | `GET /outputs` | `{"outputs": [...]}`: each output, its URL's origin, triggers, pending and failed counts, last error |
/// | `GET /outputs/{name}/messages?status=&limit=&before=` | `{"messages": [...], "next_before": id or null}`, newest first, no bodies |
/// | `POST /outputs/{name}/messages/{id}/retry` | a failed message pending again: 202 `{"message": {...}}`; 409 if it is not failed |
/// | `POST /outputs/{name}/messages/retry` | every failed message of the output pending again: 202 `{"requeued": n}` |
/// | `POST`/`GET /heartbeats/{name}` | a heartbeat ping: 200 `{"heartbeat": {...}}` (see [`crate::heartbeat`]) |
/// | `GET /heartbeats` | `{"heartbeats": [...]}`: each heartbeat's state, last ping, next deadline |
/// | `GET /maintenance` | `{"windows": [...]}`: the maintenance windows not ended, each with `active` and its current or next `occurrence` |
/// | `POST /maintenance` | `{instances?, match?, starts_at, ends_at, reason}` → 201 `{"window": {...}}`; 400 naming a bad field; 409 beyond [`crate::maintenance::MAX_LIVE_WINDOWS`] live windows |
/// | `DELETE /maintenance/{id}` | removes an API window: 200 `{"deleted": id}`; 404; 409 for a `[[maintenance]]` window |
///
/// Who may call them: the webhook route is public, each instance checks its own auth guard;
/// heartbeat pings likewise, each heartbeat checking its own; `/healthz` is open; the read and
/// admin routes (`/alerts`, `/deliveries`, `/outputs`, `/maintenance`, `GET /heartbeats`, and
/// `/metrics` unless [`ApiConfig::public_metrics`]) need `Authorization: Bearer <token>` with
/// one of the [`ApiConfig`] tokens, or, when none is configured, a client on a loopback
/// address. The client's address is the request's
/// `ConnectInfo<SocketAddr>` extension ([`crate::serve`] sets it; with axum, serve with
/// `into_make_service_with_connect_info::<SocketAddr>()`); without it a request is not
/// loopback, so a host that does not provide it must configure a token.
#[derive(Debug, Clone)]
pub struct Receiver {
    pub(crate) instances: BTreeMap<String, Arc<Instance>>,
    pub(crate) store: Arc<dyn Store>,
    api: ApiConfig,
    pub(crate) body_timeout: Duration,
    retention: Retention,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) outputs: Arc<Outputs>,
    /// Each followed instance's outbox plan (heartbeat alerts' too), kept up to date as
    /// instances, outputs and heartbeats are added.
    plans: BTreeMap<String, Arc<OutboxPlan>>,
    /// What "now" is: deliveries' times, retention, retries, heartbeats, maintenance windows.
    pub(crate) clock: Arc<dyn Clock>,
    /// The heartbeats (see [`crate::heartbeat`]).
    pub(crate) heartbeats: Arc<Heartbeats>,
    /// The configuration's maintenance windows (see [`crate::maintenance`]).
    pub(crate) maintenance: Arc<crate::maintenance::MaintenanceState>,
}

impl Receiver {
    /// A receiver with no instances yet and the default [`Retention`].
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            instances: BTreeMap::new(),
            store,
            api: ApiConfig::default(),
            body_timeout: Duration::from_secs(30),
            retention: Retention::default(),
            metrics: Arc::new(Metrics::new()),
            outputs: Arc::new(Outputs::default()),
            plans: BTreeMap::new(),
            clock: Arc::new(SystemClock),
            heartbeats: Arc::new(Heartbeats::default()),
            maintenance: Arc::default(),
        }
    }

    /// Recomputes each instance's outbox plan (and the heartbeat alerts'), so that outputs
    /// follow instances whichever was added first.
    pub(crate) fn replan_outputs(&mut self) {
        let heartbeat =
            (!self.heartbeats.is_empty()).then_some((HEARTBEAT_INSTANCE, HEARTBEAT_INSTANCE));
        self.plans = self
            .instances
            .iter()
            .map(|(name, instance)| (name.as_str(), instance.id()))
            .chain(heartbeat)
            .filter_map(|(name, integration)| {
                OutboxPlan::for_instance(name, integration, &self.outputs.configs)
                    .map(|plan| (name.to_owned(), plan))
            })
            .collect();
    }

    /// The names outputs follow and maintenance windows cover: the instances, and
    /// [`HEARTBEAT_INSTANCE`] when heartbeats are configured.
    pub(crate) fn followable(&self) -> impl Iterator<Item = &str> {
        let heartbeat = (!self.heartbeats.is_empty()).then_some(HEARTBEAT_INSTANCE);
        self.instance_names().chain(heartbeat)
    }

    /// Reads the time from `clock` (default: the host's, [`SystemClock`]): the delivery log's
    /// times, the retention task's cutoffs, requeued messages' due times. Tests pass a
    /// [`crate::clock::ManualClock`] to drive time-based behaviour without waiting.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The receiver's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Sends outgoing webhooks to `outputs` (see [`crate::outputs`]); replaces any set before.
    /// Call it after the instances are added: it checks the instances each output names.
    ///
    /// # Errors
    /// When an output is invalid, named twice, or names an unknown instance.
    pub fn with_outputs(mut self, outputs: Vec<OutputConfig>) -> Result<Self, ReceiverError> {
        validate_outputs(&outputs, self.followable()).map_err(ReceiverError::Output)?;
        self.outputs = Arc::new(Outputs::new(outputs));
        self.replan_outputs();
        Ok(self)
    }

    /// Starts the outputs' workers on the current tokio runtime ([`crate::serve`] does, for
    /// the server's lifetime); stop them with [`Dispatcher::stop`].
    ///
    /// # Errors
    /// When the HTTP client cannot be built, or the outputs' workers already run (each message
    /// would be sent twice).
    pub fn spawn_outputs(&self) -> Result<Dispatcher, DispatchError> {
        Dispatcher::start(&self.store, &self.outputs, &self.metrics)
    }

    /// How long a delivery's whole body may take to arrive (default 30 s); past it the
    /// answer is 408 and the connection is closed.
    #[must_use]
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// Who may call the read and admin routes and `/metrics` (default: loopback clients only).
    #[must_use]
    pub fn with_api(mut self, api: ApiConfig) -> Self {
        self.api = api;
        self
    }

    /// Whether the read API answers loopback clients only (no token configured).
    pub fn api_is_loopback_only(&self) -> bool {
        self.api.tokens.is_empty()
    }

    /// Whether `GET /metrics` answers everyone.
    pub fn metrics_are_public(&self) -> bool {
        self.api.public_metrics
    }

    /// Keeps deliveries and resolved alerts as long as `retention` says.
    #[must_use]
    pub fn with_retention(mut self, retention: Retention) -> Self {
        self.retention = retention;
        self
    }

    /// Prunes the store as the retention says at `now`, and counts what went in the metrics
    /// (`pagerhook_pruned_total`).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn prune(&self, now: DateTime<Utc>) -> Result<Pruned, StoreError> {
        let (deliveries_before, resolved_alerts_before) = self.retention.cutoffs(now);
        let pruned = self
            .store
            .prune(deliveries_before, resolved_alerts_before)
            .await?;
        self.metrics.pruned("deliveries", pruned.deliveries);
        self.metrics.pruned("alerts", pruned.alerts);
        self.metrics.pruned("messages", pruned.messages);
        let windows = self.store.prune_windows(now).await?;
        self.metrics.pruned("windows", windows);
        Ok(Pruned { windows, ..pruned })
    }

    /// Starts the retention task on the current tokio runtime: it prunes now, then every
    /// [`Retention::interval`] (a tenth of the shorter retention, at most an hour), until the
    /// handle is aborted. [`crate::serve`] runs it for the server's lifetime.
    pub fn spawn_retention(&self) -> tokio::task::JoinHandle<()> {
        let receiver = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(receiver.retention.interval());
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match receiver.prune(receiver.clock.now()).await {
                    Ok(pruned) if pruned != Pruned::default() => {
                        tracing::info!(
                            deliveries = pruned.deliveries,
                            alerts = pruned.alerts,
                            messages = pruned.messages,
                            "retention: pruned the store"
                        );
                    }
                    Ok(_) => {}
                    Err(error) => tracing::error!(%error, "retention: pruning failed"),
                }
            }
        })
    }

    /// Serves `instance` at `POST /integrations/{name}`.
    ///
    /// # Errors
    /// When the name is not URL-safe or already taken.
    pub fn with_instance(
        mut self,
        name: impl Into<String>,
        instance: Instance,
    ) -> Result<Self, ReceiverError> {
        let name = name.into();
        if !crate::outputs::valid_name(&name) {
            return Err(ReceiverError::InvalidName(name));
        }
        if self.instances.contains_key(&name) {
            return Err(ReceiverError::DuplicateName(name));
        }
        if !self.heartbeats.is_empty() {
            self.heartbeats
                .check_instance(&name, &instance)
                .map_err(ReceiverError::Heartbeat)?;
        }
        // Rules see the instance's route name as `instance`.
        let instance = if instance.name().is_some() {
            instance
        } else {
            instance.with_name(name.clone())
        };
        self.instances.insert(name, Arc::new(instance));
        self.replan_outputs();
        Ok(self)
    }

    /// A receiver with the configured instances, built by `registry`.
    ///
    /// # Errors
    /// The first instance that cannot be built or named.
    /// Set the retention with [`Receiver::with_retention`].
    pub fn from_config(
        registry: &Registry,
        entries: &[InstanceEntry],
        store: Arc<dyn Store>,
    ) -> Result<Self, ReceiverError> {
        entries
            .iter()
            .try_fold(Self::new(store), |receiver, entry| {
                let instance = registry
                    .build_instance(&entry.integration, &entry.instance_config())
                    .map_err(|source| ReceiverError::Instance {
                        name: entry.name.clone(),
                        source,
                    })?;
                receiver.with_instance(entry.name.clone(), instance)
            })
    }

    /// The instances' names.
    pub fn instance_names(&self) -> impl Iterator<Item = &str> {
        self.instances.keys().map(String::as_str)
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Each followed instance's outbox plan (the heartbeat alerts' too).
    pub(crate) fn outbox_plans(&self) -> BTreeMap<String, Arc<OutboxPlan>> {
        self.plans.clone()
    }

    /// The routes, as an axum router (a tower service).
    pub fn router(self) -> Router {
        let public_metrics = self.api.public_metrics;
        let shared = Arc::new(Shared {
            metrics: Arc::clone(&self.metrics),
            receiver: self,
        });
        // The read routes, and any admin route, sit behind the API door.
        let guarded = || middleware::from_fn_with_state(Arc::clone(&shared), require_api_access);
        let read = Router::new()
            .route("/alerts", get(list_alerts))
            .route("/alerts/{id}", get(show_alert))
            .route("/deliveries", get(list_deliveries))
            .route("/outputs", get(list_outputs))
            .route("/outputs/{name}/messages", get(list_messages))
            .route("/outputs/{name}/messages/retry", post(retry_failed))
            .route("/outputs/{name}/messages/{id}/retry", post(retry_message))
            .route("/heartbeats", get(list_heartbeats))
            .route(
                "/maintenance",
                get(crate::maintenance::api::list).post(crate::maintenance::api::create),
            )
            .route(
                "/maintenance/{id}",
                axum::routing::delete(crate::maintenance::api::delete),
            )
            .route_layer(guarded());
        let mut metrics_route = Router::new().route("/metrics", get(metrics));
        if !public_metrics {
            metrics_route = metrics_route.route_layer(guarded());
        }
        Router::new()
            // GET: a notification in the query string (UptimeRobot); see `receive`.
            .route("/integrations/{name}", post(deliver).get(deliver))
            .route(
                "/integrations/{name}/{*rest}",
                post(deliver_below).get(deliver_below),
            )
            .route(
                "/heartbeats/{name}",
                get(ping_heartbeat).post(ping_heartbeat),
            )
            .route("/healthz", get(healthz))
            .merge(read)
            .merge(metrics_route)
            .with_state(shared)
    }
}

/// The read API's door: a configured bearer token, or, with none configured, a loopback client.
///
/// A request a proxy forwarded (`Forwarded`, `X-Forwarded-For`, `X-Real-IP`) is never a loopback
/// client, even when the proxy connects from 127.0.0.1: behind a reverse proxy on the same host
/// every internet client would otherwise pass. A proxied deployment configures a token.
fn api_allowed(api: &ApiConfig, request: &Request) -> bool {
    if api.tokens.is_empty() {
        let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
            .iter()
            .any(|name| request.headers().contains_key(*name));
        return !forwarded
            && request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .is_some_and(|ConnectInfo(peer)| peer.ip().to_canonical().is_loopback());
    }
    let Some(presented) = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes)
        .and_then(|value| {
            let space = value.iter().position(|b| *b == b' ')?;
            let (scheme, token) = value.split_at(space);
            scheme
                .eq_ignore_ascii_case(b"bearer")
                .then(|| token.trim_ascii())
        })
    else {
        return false;
    };
    // Every token is compared, whichever matches.
    api.tokens
        .iter()
        .fold(false, |found, token| found | token.matches(presented))
}

async fn require_api_access(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    if api_allowed(&shared.receiver.api, &request) {
        return next.run(request).await;
    }
    shared.metrics.rejected("", "api_unauthorized");
    let mut response = error_response(StatusCode::UNAUTHORIZED, "unauthorized");
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) receiver: Receiver,
    pub(crate) metrics: Arc<Metrics>,
}

pub(crate) fn error_response(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

fn outcome_name(error: &Error) -> &'static str {
    match error {
        Error::PayloadTooLarge { .. } => "payload_too_large",
        Error::UnsupportedContentType { .. } => "unsupported_content_type",
        Error::Internal { .. } => "internal_error",
        _ => "invalid",
    }
}

/// Reads at most `limit` bytes of `body`; `Err(read)` with the size read so far when the
/// body is larger, without reading the rest.
async fn read_limited(
    mut body: Body,
    limit: usize,
    hint: usize,
) -> Result<Result<Bytes, usize>, axum::Error> {
    // Trust a declared length only so far: a sender announcing 10 MiB and sending nothing
    // must not make the receiver hold 10 MiB for it.
    let mut buffer = BytesMut::with_capacity(hint.min(limit).min(PREALLOCATE_MAX));
    while let Some(frame) = body.frame().await {
        let frame = frame?;
        if let Ok(data) = frame.into_data() {
            if buffer.len() + data.len() > limit {
                return Ok(Err(buffer.len() + data.len()));
            }
            buffer.extend_from_slice(&data);
        }
    }
    Ok(Ok(buffer.freeze()))
}

/// What became of a delivery's body.
enum BodyRead {
    Complete(Bytes),
    /// Over the limit: the declared or the read size.
    TooLarge(usize),
    /// The sender went away mid-body, or was too slow (408): the answer.
    Failed(Response),
}

/// Reads the body: refused from a declared size over `limit` before reading, stopped as soon
/// as the bytes read pass it, and given `timeout` to arrive whole.
async fn read_body(
    timeout: Duration,
    body: Body,
    limit: usize,
    declared: Option<usize>,
) -> BodyRead {
    if let Some(size) = declared.filter(|size| *size > limit) {
        return BodyRead::TooLarge(size);
    }
    match tokio::time::timeout(timeout, read_limited(body, limit, declared.unwrap_or(0))).await {
        Ok(Ok(Ok(body))) => BodyRead::Complete(body),
        Ok(Ok(Err(size))) => BodyRead::TooLarge(size),
        Ok(Err(error)) => BodyRead::Failed(error_response(
            StatusCode::BAD_REQUEST,
            format!("could not read the body: {error}"),
        )),
        Err(_) => BodyRead::Failed(closing(error_response(
            StatusCode::REQUEST_TIMEOUT,
            "the body did not arrive in time",
        ))),
    }
}

/// `POST /integrations/{name}/{*rest}`: a delivery to a path below the instance's URL (a
/// PagerDuty-compatible instance takes `…/v2/enqueue`); the adapter sees `/{rest}`.
async fn deliver_below(
    state: State<Arc<Shared>>,
    Path((name, _rest)): Path<(String, String)>,
    request: Request,
) -> Response {
    deliver(state, Path(name), request).await
}

async fn deliver(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    let started = Instant::now();
    let Some(instance) = shared.receiver.instances.get(&name).cloned() else {
        shared.metrics.rejected("", "unknown_instance");
        return error_response(StatusCode::NOT_FOUND, format!("no instance named {name:?}"));
    };
    let response = receive(&shared, &name, instance, request).await;
    shared
        .metrics
        .observe(&name, started.elapsed().as_secs_f64());
    response
}

/// The request's URI as the adapter sees it: the path below the instance's URL (`/` for
/// `/integrations/{name}` itself, `/v2/enqueue` for `/integrations/{name}/v2/enqueue`), the
/// query as sent. Where the router is nested under a prefix, the prefix is already gone.
fn below_instance(uri: &http::Uri, name: &str) -> http::Uri {
    let path = uri.path();
    let rest = path
        .find("/integrations/")
        .and_then(|at| path[at + "/integrations/".len()..].strip_prefix(name))
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
        .unwrap_or("");
    let rest = if rest.is_empty() { "/" } else { rest };
    let below = match uri.query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    // A path and query taken from a valid URI stay valid.
    below
        .parse()
        .unwrap_or_else(|_| http::Uri::from_static("/"))
}

/// The request's `Content-Type`, as the delivery log keeps it.
fn content_type(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// The body's size as its `Content-Length` declares it, if it does.
fn declared_length(headers: &http::HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
}

/// A `GET` delivers its notification in its query string ([`Instance::query_as_form`]); one
/// with nothing else in its query (a browser, a crawler, a probe) and a `HEAD` are a 405 that
/// records nothing, decided before the auth guard, so that they count as no failed login.
fn method_not_allowed(instance: &Instance, parts: &http::request::Parts) -> Option<Response> {
    if parts.method == http::Method::POST
        || instance.query_as_form(&parts.method, &parts.uri).is_some()
    {
        return None;
    }
    let mut response = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "deliver with POST, or with GET and the notification in the query string",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST, GET"));
    Some(response)
}

async fn receive(
    shared: &Shared,
    name: &str,
    instance: Arc<Instance>,
    request: Request,
) -> Response {
    // One clock read: the delivery log's time and the auth guard's `ReceivedAt` agree.
    let received_at = shared.receiver.clock.now();
    let now = SystemTime::from(received_at);
    let (mut parts, body) = request.into_parts();
    parts.uri = below_instance(&parts.uri, name);
    let limit = instance.limits().max_body_bytes;
    let declared = declared_length(&parts.headers);
    if let Some(response) = method_not_allowed(&instance, &parts) {
        return response;
    }
    let content_type = content_type(&parts.headers);

    // Auth that needs no body is decided before a byte of it is read (only HMAC reads it).
    let head = http::Request::from_parts(parts, ());
    let before_body = instance.check_before_body(&head);
    let (mut parts, ()) = head.into_parts();
    if let Err(error) = before_body {
        return closing(unauthorized(shared, name, &error));
    }

    let body = match read_body(shared.receiver.body_timeout, body, limit, declared).await {
        BodyRead::Complete(body) => body,
        BodyRead::TooLarge(size) => {
            let error = Error::PayloadTooLarge {
                integration: instance.id(),
                size,
                limit,
            };
            if instance.needs_body() {
                // Its signature could not be checked: a stranger's oversized request costs a
                // count, not a row in the delivery log.
                shared
                    .metrics
                    .rejected(name, "payload_too_large_unauthenticated");
                return closing(error_response(error.status(), error.to_string()));
            }
            let delivery = Delivery::new(
                name,
                received_at,
                content_type,
                None,
                size as u64,
                Outcome::rejected(&error),
            );
            return closing(record(shared, name, delivery, Err(error), Then::default()).await);
        }
        // Nothing was delivered: nothing to record.
        BodyRead::Failed(response) => {
            if response.status() == StatusCode::REQUEST_TIMEOUT {
                shared.metrics.rejected(name, "body_timeout");
            }
            return response;
        }
    };

    parts.extensions.insert(ReceivedAt(now));
    let request = http::Request::from_parts(parts, body.clone());
    // A GET's notification is its query, less the API key: that is what is stored.
    let (body, content_type) = match instance.query_body(&request) {
        Some(form) => (form, Some(pager_core::form::FORM_CONTENT_TYPE.to_owned())),
        None => (body, content_type),
    };
    // Read before the request moves; kept only if the guard accepts the request.
    let nonce = instance.signature_nonce(&request);
    let (result, answer) = if body.len() >= BLOCKING_BODY_BYTES {
        let instance = Arc::clone(&instance);
        match tokio::task::spawn_blocking(move || normalize(&instance, &request)).await {
            Ok(normalized) => normalized,
            Err(_) => {
                return error_response(StatusCode::INTERNAL_SERVER_ERROR, "normalization failed");
            }
        }
    } else {
        normalize(&instance, &request)
    };

    if let Err(error @ Error::Unauthorized { .. }) = &result {
        return unauthorized(shared, name, error);
    }
    let keep_body = !matches!(result, Err(Error::PayloadTooLarge { .. }));
    let (outcome, notes, result, pings) = match result {
        Ok(handled) => accepted(shared, name, &instance, handled),
        Err(error) => (Outcome::rejected(&error), None, Err(error), Vec::new()),
    };
    let mut delivery = Delivery::new(
        name,
        received_at,
        content_type,
        keep_body.then(|| body.clone()),
        body.len() as u64,
        outcome,
    );
    if let Some(notes) = notes {
        delivery = delivery.with_notes(notes);
    }
    if let (Some(plan), Ok(())) = (shared.receiver.plans.get(name), &result) {
        delivery = delivery.with_outbox(Arc::clone(plan));
    }
    if let (Some(nonce), Ok(())) = (nonce, &result) {
        // chrono's `From<SystemTime>` panics past its range: a huge configured tolerance
        // means "remember for ever", not a crashed connection.
        let expires = nonce
            .expires
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok())
            .and_then(|secs| DateTime::<Utc>::from_timestamp(secs, 0))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        delivery = delivery.with_signature(nonce.signature, expires);
    }
    record(shared, name, delivery, result, Then { pings, answer }).await
}

/// Runs the instance on a request: its events (or the error), and the adapter's own answer
/// to them, if it shapes one ([`Integration::answer`]).
fn normalize(
    instance: &Instance,
    request: &http::Request<Bytes>,
) -> (Result<pager_core::Handled, Error>, Option<Answer>) {
    let result = instance.handle_with_report(request);
    let answer = match &result {
        Ok(handled) => instance.answer(request, &handled.events),
        Err(_) => None,
    };
    (result, answer)
}

/// The answer to a stored, accepted delivery: the adapter's own, or 200 with what each event
/// did.
fn answer(answer: Option<Answer>, ingested: &crate::store::Ingested) -> Response {
    match answer {
        Some(answer) => (answer.status, Json(answer.body)).into_response(),
        None => (StatusCode::OK, Json(ingested)).into_response(),
    }
}

/// What [`record`] does once an accepted delivery is stored: the heartbeats it pings, and the
/// adapter's answer, if it shapes one.
#[derive(Default)]
struct Then {
    pings: Vec<String>,
    answer: Option<Answer>,
}

/// The most rule failures one delivery's notes list (the metric counts them all).
const MAX_NOTED_FAILURES: usize = 20;

/// An accepted delivery's outcome, its notes (see [`rule_notes`]), and the heartbeats it pings
/// (recorded once it is stored).
fn accepted(
    shared: &Shared,
    name: &str,
    instance: &Instance,
    handled: pager_core::Handled,
) -> (Outcome, Option<String>, Result<(), Error>, Vec<String>) {
    let notes = rule_notes(shared, name, &handled);
    let pings = shared
        .receiver
        .heartbeats
        .pings_in(instance, &handled.events);
    (Outcome::Accepted(handled.events), notes, Ok(()), pings)
}

/// Counts what the rules did with a delivery, and returns the delivery log's note of it:
/// `None` when they dropped nothing and nothing failed. One line per fact: `rules dropped 2
/// events`, `rule failed: event 0: rules[1].set.urgency: …`.
fn rule_notes(shared: &Shared, name: &str, handled: &pager_core::Handled) -> Option<String> {
    use std::fmt::Write as _;
    if handled.dropped == 0 && handled.rule_failures.is_empty() {
        return None;
    }
    shared
        .metrics
        .rules(name, handled.rule_failures.len(), handled.dropped);
    let mut notes = String::new();
    if handled.dropped > 0 {
        let plural = if handled.dropped == 1 { "" } else { "s" };
        let _ = writeln!(notes, "rules dropped {} event{plural}", handled.dropped);
    }
    // Bounded: a delivery of 10,000 events whose every event fails a rule writes 20 lines.
    for failure in handled.rule_failures.iter().take(MAX_NOTED_FAILURES) {
        let _ = writeln!(notes, "rule failed: {failure}");
    }
    if let Some(more) = handled
        .rule_failures
        .len()
        .checked_sub(MAX_NOTED_FAILURES)
        .filter(|more| *more > 0)
    {
        let _ = writeln!(notes, "… and {more} more rule failures");
    }
    notes.truncate(notes.trim_end().len());
    Some(notes)
}

/// A 401 for a delivery: counted, not written to the delivery log (a flood of them must cost
/// no disk), and saying nothing about which part failed.
fn unauthorized(shared: &Shared, name: &str, error: &Error) -> Response {
    shared.metrics.rejected(name, "unauthorized");
    let mut response = error_response(StatusCode::UNAUTHORIZED, error.to_string());
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// `response` with `Connection: close`: the body was not read (or not all of it), so the
/// connection cannot carry another request.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

impl Receiver {
    /// What follows an accepted delivery stored as `ingested`: its outputs are woken, the
    /// messages a full outbox dropped are counted and logged, and the delivery, its events
    /// and their transitions are counted.
    pub(crate) fn accepted(&self, name: &str, ingested: &crate::store::Ingested) {
        if ingested.queued > 0 {
            if let Some(plan) = self.plans.get(name) {
                self.outputs
                    .wake(plan.routes.iter().map(|r| r.output.as_str()));
            }
        }
        for (output, count) in &ingested.dropped {
            self.metrics.output_dropped(output, *count);
            if self.outputs.dropped(output, *count) {
                tracing::warn!(instance = name, output = %output, "outputs: the outbox is full; new messages are dropped (pagerhook_output_dropped_total counts them)");
            }
        }
        self.metrics.delivery(name, "accepted");
        for result in &ingested.results {
            self.metrics.event(name, result.action.as_str());
            self.metrics.transition(name, result.transition.name());
            if result.muted && result.transition == crate::lifecycle::Transition::Opened {
                self.metrics.muted(name);
            }
        }
    }

    /// The outbox plan of `name` (an instance, or [`HEARTBEAT_INSTANCE`]), if outputs follow it.
    pub(crate) fn plan(&self, name: &str) -> Option<&Arc<OutboxPlan>> {
        self.plans.get(name)
    }
}

/// Stores the delivery, then answers: the typed error's status and message, or 200 with what
/// each event did. 503 when the store fails, so that senders retry.
async fn record(
    shared: &Shared,
    name: &str,
    delivery: Delivery,
    result: Result<(), Error>,
    then: Then,
) -> Response {
    let received_at = delivery.received_at;
    let ingested = match shared.receiver.store.ingest(delivery).await {
        Ok(ingested) => ingested,
        Err(error) => {
            tracing::error!(instance = name, %error, "could not record a delivery");
            shared.metrics.delivery(name, "store_unavailable");
            return error_response(StatusCode::SERVICE_UNAVAILABLE, "store unavailable");
        }
    };
    match result {
        Ok(()) if ingested.replayed => {
            shared.metrics.delivery(name, "replayed");
            answer(then.answer, &ingested)
        }
        Ok(()) => {
            shared.receiver.accepted(name, &ingested);
            for heartbeat in then.pings {
                // Its own failure is logged and counted; the delivery is stored and answered.
                let _ = shared.receiver.ping(&heartbeat, received_at).await;
            }
            answer(then.answer, &ingested)
        }
        Err(error) => {
            shared.metrics.delivery(name, outcome_name(&error));
            let status = error.status();
            (
                status,
                Json(json!({ "error": error.to_string(), "delivery_id": ingested.delivery_id })),
            )
                .into_response()
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertQuery {
    status: Option<String>,
    instance: Option<String>,
    thirdparty_id: Option<String>,
    limit: Option<usize>,
    before: Option<i64>,
}

/// `limit` checked against [`MAX_PAGE`].
fn page_limit(limit: Option<usize>, default: usize) -> Result<usize, String> {
    match limit.unwrap_or(default) {
        limit @ 1..=MAX_PAGE => Ok(limit),
        limit => Err(format!(
            "limit {limit} is out of range: at most {MAX_PAGE} per page; \
             ask for the next page with before=<next_before>"
        )),
    }
}

/// Cuts `rows` (fetched with one extra) to `limit`, and says where the next page starts: the
/// id of the last row kept, when there is more.
fn paged<T>(mut rows: Vec<T>, limit: usize, id: impl Fn(&T) -> i64) -> (Vec<T>, Option<i64>) {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more { rows.last().map(id) } else { None };
    (rows, next)
}

/// A page of `GET /alerts`, serialized as it is (no intermediate JSON tree).
#[derive(serde::Serialize)]
struct AlertPage {
    alerts: Vec<crate::lifecycle::Alert>,
    next_before: Option<i64>,
}

async fn list_alerts(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<AlertQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Query(query) = match query {
        Ok(query) => query,
        Err(rejection) => return error_response(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let limit = match page_limit(query.limit, AlertFilter::DEFAULT_LIMIT) {
        Ok(limit) => limit,
        Err(message) => return error_response(StatusCode::BAD_REQUEST, message),
    };
    let mut filter = AlertFilter::new().limit(limit + 1);
    if let Some(before) = query.before {
        filter = filter.before(before);
    }
    if let Some(status) = &query.status {
        let Some(status) = AlertStatus::parse(status) else {
            return error_response(
                StatusCode::BAD_REQUEST,
                format!("unknown status {status:?}; expected open, acknowledged or resolved"),
            );
        };
        filter = filter.status(status);
    }
    if let Some(instance) = query.instance {
        filter = filter.instance(instance);
    }
    if let Some(thirdparty_id) = query.thirdparty_id {
        filter = filter.thirdparty_id(thirdparty_id);
    }
    match shared.receiver.store.alerts(&filter).await {
        Ok(alerts) => {
            let (alerts, next_before) = paged(alerts, limit, |a| a.id);
            Json(AlertPage {
                alerts,
                next_before,
            })
            .into_response()
        }
        Err(error) => store_error(&error),
    }
}

pub(crate) fn store_error(error: &StoreError) -> Response {
    tracing::error!(%error, "store query failed");
    error_response(StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
}

async fn show_alert(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_response(StatusCode::NOT_FOUND, format!("no alert {id:?}"));
    };
    match shared.receiver.store.alert(id).await {
        Ok(Some((alert, history))) => {
            Json(json!({ "alert": alert, "history": history })).into_response()
        }
        Ok(None) => error_response(StatusCode::NOT_FOUND, format!("no alert {id}")),
        Err(error) => store_error(&error),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryQuery {
    instance: Option<String>,
    limit: Option<usize>,
    before: Option<i64>,
}

/// A page of `GET /deliveries`, serialized as it is (no intermediate JSON tree).
#[derive(serde::Serialize)]
struct DeliveryPage {
    deliveries: Vec<crate::store::DeliveryRecord>,
    next_before: Option<i64>,
}

async fn list_deliveries(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<DeliveryQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Query(query) = match query {
        Ok(query) => query,
        Err(rejection) => return error_response(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let limit = match page_limit(query.limit, DeliveryFilter::DEFAULT_LIMIT) {
        Ok(limit) => limit,
        Err(message) => return error_response(StatusCode::BAD_REQUEST, message),
    };
    let mut filter = DeliveryFilter::new().limit(limit + 1);
    filter.instance = query.instance;
    filter.before = query.before;
    match shared.receiver.store.deliveries_matching(&filter).await {
        Ok(deliveries) => {
            let (deliveries, next_before) = paged(deliveries, limit, |d| d.id);
            Json(DeliveryPage {
                deliveries,
                next_before,
            })
            .into_response()
        }
        Err(error) => store_error(&error),
    }
}

/// 503 while the store cannot commit (its last commit failed: a full disk, a database locked
/// by another process) or cannot be read; 200 otherwise.
async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    if shared.receiver.store.write_failure().is_some() {
        // The failure itself is logged where it happened; the answer says only what it means.
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "the store cannot commit deliveries",
        );
    }
    match shared.receiver.store.unresolved_counts().await {
        Ok(_) => Json(json!({ "status": "ok" })).into_response(),
        Err(error) => store_error(&error),
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    let counts = match shared.receiver.store.unresolved_counts().await {
        Ok(counts) => counts,
        Err(error) => return store_error(&error),
    };
    if let Err(error) = shared.receiver.count_active_windows().await {
        return store_error(&error);
    }
    if !shared.receiver.outputs.configs.is_empty() {
        let messages = match shared.receiver.store.message_counts().await {
            Ok(counts) => counts,
            Err(error) => return store_error(&error),
        };
        for output in &shared.receiver.outputs.configs {
            for status in [MessageStatus::Pending, MessageStatus::Failed] {
                let count = messages
                    .get(&(output.name.clone(), status))
                    .copied()
                    .unwrap_or(0);
                shared
                    .metrics
                    .set_output_messages(&output.name, status.as_str(), count);
            }
        }
    }
    for name in shared.receiver.instance_names() {
        for status in [AlertStatus::Open, AlertStatus::Acknowledged] {
            let count = counts.get(&(name.to_owned(), status)).copied().unwrap_or(0);
            shared.metrics.set_unresolved(name, status.as_str(), count);
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        shared.metrics.encode(),
    )
        .into_response()
}

/// One output as `GET /outputs` shows it: no secret, the URL as its origin.
#[derive(serde::Serialize)]
struct OutputView<'a> {
    name: &'a str,
    url: String,
    on: &'a std::collections::BTreeSet<crate::outputs::Trigger>,
    instances: Option<&'a std::collections::BTreeSet<String>>,
    body: crate::outputs::BodyKind,
    signed: bool,
    pending: u64,
    failed: u64,
    last_error: Option<crate::outputs::dispatch::LastError>,
}

/// `GET /outputs`.
#[derive(serde::Serialize)]
struct OutputsPage<'a> {
    outputs: Vec<OutputView<'a>>,
}

async fn list_outputs(State(shared): State<Arc<Shared>>) -> Response {
    let counts = match shared.receiver.store.message_counts().await {
        Ok(counts) => counts,
        Err(error) => return store_error(&error),
    };
    let outputs = &shared.receiver.outputs;
    let count = |name: &str, status| counts.get(&(name.to_owned(), status)).copied().unwrap_or(0);
    let views: Vec<OutputView<'_>> = outputs
        .configs
        .iter()
        .enumerate()
        .map(|(index, output)| OutputView {
            name: &output.name,
            url: output.url.to_string(),
            on: &output.on,
            instances: output.instances.as_ref(),
            body: output.body,
            signed: output.secret.is_some(),
            pending: count(&output.name, MessageStatus::Pending),
            failed: count(&output.name, MessageStatus::Failed),
            last_error: outputs.last_error(index),
        })
        .collect();
    Json(OutputsPage { outputs: views }).into_response()
}

fn unknown_output(shared: &Shared, name: &str) -> Option<Response> {
    let known = shared
        .receiver
        .outputs
        .configs
        .iter()
        .any(|o| o.name == name);
    (!known).then(|| error_response(StatusCode::NOT_FOUND, format!("no output named {name:?}")))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageQuery {
    status: Option<String>,
    limit: Option<usize>,
    before: Option<i64>,
}

/// A page of `GET /outputs/{name}/messages`.
#[derive(serde::Serialize)]
struct MessagePage {
    messages: Vec<crate::store::Message>,
    next_before: Option<i64>,
}

async fn list_messages(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    query: Result<Query<MessageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Some(response) = unknown_output(&shared, &name) {
        return response;
    }
    let Query(query) = match query {
        Ok(query) => query,
        Err(rejection) => return error_response(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let limit = match page_limit(query.limit, MessageFilter::DEFAULT_LIMIT) {
        Ok(limit) => limit,
        Err(message) => return error_response(StatusCode::BAD_REQUEST, message),
    };
    let mut filter = MessageFilter::new().output(name).limit(limit + 1);
    filter.before = query.before;
    if let Some(status) = &query.status {
        let Some(status) = MessageStatus::parse(status) else {
            return error_response(
                StatusCode::BAD_REQUEST,
                format!("unknown status {status:?}; expected pending, delivered or failed"),
            );
        };
        filter = filter.status(status);
    }
    match shared.receiver.store.messages(&filter).await {
        Ok(messages) => {
            let (messages, next_before) = paged(messages, limit, |m| m.id);
            Json(MessagePage {
                messages,
                next_before,
            })
            .into_response()
        }
        Err(error) => store_error(&error),
    }
}

async fn retry_message(
    State(shared): State<Arc<Shared>>,
    Path((name, id)): Path<(String, String)>,
) -> Response {
    if let Some(response) = unknown_output(&shared, &name) {
        return response;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_response(StatusCode::NOT_FOUND, format!("no message {id:?}"));
    };
    match shared
        .receiver
        .store
        .retry_message(&name, id, shared.receiver.clock.now())
        .await
    {
        Ok(Requeue::Requeued(message)) => {
            shared.receiver.outputs.wake([name.as_str()]);
            (StatusCode::ACCEPTED, Json(json!({ "message": message }))).into_response()
        }
        Ok(Requeue::NotFound) => error_response(
            StatusCode::NOT_FOUND,
            format!("no message {id} for output {name:?}"),
        ),
        Ok(Requeue::NotFailed(status)) => error_response(
            StatusCode::CONFLICT,
            format!(
                "message {id} is {}, not failed: nothing to retry",
                status.as_str()
            ),
        ),
        Err(error) => store_error(&error),
    }
}

async fn retry_failed(State(shared): State<Arc<Shared>>, Path(name): Path<String>) -> Response {
    if let Some(response) = unknown_output(&shared, &name) {
        return response;
    }
    match shared
        .receiver
        .store
        .retry_failed(&name, shared.receiver.clock.now())
        .await
    {
        Ok(requeued) => {
            shared.receiver.outputs.wake([name.as_str()]);
            (StatusCode::ACCEPTED, Json(json!({ "requeued": requeued }))).into_response()
        }
        Err(error) => store_error(&error),
    }
}
