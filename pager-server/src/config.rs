//! `pagerhook serve`'s configuration file (TOML).
//!
//! ```toml
//! listen = "127.0.0.1:9000"          # the default
//! store = "sqlite:pagerhook.db"      # the default; relative to this file's folder; or "memory",
//!                                    # or "postgres://user@host:5432/db?sslmode=prefer&pool_size=16"
//!                                    # (PAGERHOOK_STORE, read by `pagerhook serve`, overrides it)
//!
//! [[instances]]
//! name = "am"                        # served at POST /integrations/am
//! integration = "prometheus-v3"      # a slug from `pagerhook integrations`
//! options = { grouping = "group" }   # the adapter's options (optional)
//! auth = { api_key = "s3cret" }      # the auth guard (optional; absent = open)
//! limits = { max_body_bytes = 10485760 }  # optional
//!
//! [api]                              # the read API (GET /alerts, /deliveries, …)
//! tokens = ["…"]                     # Authorization: Bearer <token>; none = loopback only
//! public_metrics = false             # true: GET /metrics answers anyone
//!
//! [server]                           # slow and idle clients (the defaults)
//! header_timeout_seconds = 10        # a request's head must arrive within this
//! body_timeout_seconds = 30          # its whole body within this, else 408
//! idle_timeout_seconds = 60          # a kept-alive connection with nothing to do
//! max_connections = 1024             # beyond it, new connections wait to be accepted
//! shutdown_timeout_seconds = 10      # after SIGTERM, for requests in flight
//!
//! [retention]                        # optional; these are the defaults
//! deliveries = "30d"
//! resolved_alerts = "90d"
//!
//! [[outputs]]                        # outgoing webhooks: see pager_server::outputs
//! name = "workflow"
//! url = "https://connect.example/wf/123?x-api-key=…"
//! on = ["opened", "resolved"]
//!
//! [[heartbeats]]                     # alert when pings stop: see pager_server::heartbeat
//! name = "alertmanager-watchdog"     # pinged at POST or GET /heartbeats/{name}
//! interval = "5m"
//! grace = "1m"
//!
//! [[maintenance]]                    # alerts opened meanwhile are muted: see pager_server::maintenance
//! reason = "weekend batch jobs"
//! instances = ["am"]                 # default: every instance
//! weekdays = ["sat", "sun"]          # weekly, UTC; or starts_at/ends_at (RFC 3339) for one window
//! start = "02:00"
//! duration = "2h"
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pager_core::auth::{AuthConfig, Secret};
use pager_core::rules::RuleConfig;
use pager_core::{InstanceConfig, Limits};
use serde::Deserialize;

use crate::heartbeat::{HEARTBEAT_INSTANCE, HeartbeatConfig, validate_heartbeats};
use crate::maintenance::{MaintenanceConfig, validate_windows};
use crate::outputs::{OutputConfig, validate_outputs};
use crate::retention::Retention;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ServeConfig {
    /// The address to listen on. Default `127.0.0.1:9000`.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Where alerts and deliveries are kept. Default `sqlite:pagerhook.db`.
    #[serde(default)]
    pub store: StoreLocation,
    /// The adapter instances served, each at `POST /integrations/{name}`.
    #[serde(default)]
    pub instances: Vec<InstanceEntry>,
    /// Who may call the read and admin routes, and `/metrics`.
    #[serde(default)]
    pub api: ApiConfig,
    /// Timeouts and the connection limit.
    #[serde(default)]
    pub server: ServerConfig,
    /// How long deliveries and resolved alerts are kept.
    #[serde(default)]
    pub retention: Retention,
    /// Outgoing webhooks.
    #[serde(default)]
    pub outputs: Vec<OutputConfig>,
    /// Heartbeats: alerts when a sender stops pinging (see [`crate::heartbeat`]).
    #[serde(default)]
    pub heartbeats: Vec<HeartbeatConfig>,
    /// Maintenance windows (more can be added through `POST /maintenance`).
    #[serde(default)]
    pub maintenance: Vec<MaintenanceConfig>,
}

/// The `[server]` table: how long slow and idle clients may hold the server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct ServerConfig {
    /// A request's head (request line and headers) must arrive within this many seconds,
    /// counted from the accept (first request) or from its first byte (later requests on a
    /// kept-alive connection); else the connection is closed. Default 10.
    pub header_timeout_seconds: u64,
    /// A delivery's whole body must arrive within this many seconds of its head; else 408 and
    /// the connection is closed. Default 30.
    pub body_timeout_seconds: u64,
    /// A kept-alive connection with no request in progress and no bytes moving for this many
    /// seconds is closed. Default 60.
    pub idle_timeout_seconds: u64,
    /// Connections served at once; further ones wait to be accepted. Default 1024.
    pub max_connections: usize,
    /// After SIGTERM or SIGINT, requests in flight get this many seconds; then the remaining
    /// connections are closed and the server stops. Default 10.
    pub shutdown_timeout_seconds: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            header_timeout_seconds: 10,
            body_timeout_seconds: 30,
            idle_timeout_seconds: 60,
            max_connections: 1024,
            shutdown_timeout_seconds: 10,
        }
    }
}

impl ServerConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The header timeout.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_seconds)
    }

    /// The body timeout.
    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout_seconds)
    }

    /// The idle (keep-alive) timeout.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_seconds)
    }

    /// The shutdown timeout.
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_seconds)
    }

    /// Sets the header timeout, in seconds.
    #[must_use]
    pub fn with_header_timeout_seconds(mut self, seconds: u64) -> Self {
        self.header_timeout_seconds = seconds;
        self
    }

    /// Sets the body timeout, in seconds.
    #[must_use]
    pub fn with_body_timeout_seconds(mut self, seconds: u64) -> Self {
        self.body_timeout_seconds = seconds;
        self
    }

    /// Sets the idle timeout, in seconds.
    #[must_use]
    pub fn with_idle_timeout_seconds(mut self, seconds: u64) -> Self {
        self.idle_timeout_seconds = seconds;
        self
    }

    /// Sets the connection limit.
    #[must_use]
    pub fn with_max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Sets the shutdown timeout, in seconds.
    #[must_use]
    pub fn with_shutdown_timeout_seconds(mut self, seconds: u64) -> Self {
        self.shutdown_timeout_seconds = seconds;
        self
    }

    fn validate(&self) -> Result<(), String> {
        for (key, value) in [
            ("header_timeout_seconds", self.header_timeout_seconds),
            ("body_timeout_seconds", self.body_timeout_seconds),
            ("idle_timeout_seconds", self.idle_timeout_seconds),
            ("max_connections", self.max_connections as u64),
        ] {
            if value == 0 {
                return Err(format!("at server.{key}: must be at least 1"));
            }
        }
        Ok(())
    }
}

/// The `[api]` table: who may call the read and admin routes (`GET /alerts`,
/// `GET /alerts/{id}`, `GET /deliveries`) and `GET /metrics`.
///
/// With tokens, a request needs `Authorization: Bearer <one of them>` (compared in constant
/// time), wherever it comes from. Without tokens, only clients on a loopback address
/// (127.0.0.0/8, `::1`) are answered. `/metrics` follows the same rule unless
/// `public_metrics`; `/healthz` and the webhook routes are not affected.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct ApiConfig {
    /// Bearer tokens accepted on the read and admin routes. Secrets: redacted in `Debug`.
    pub tokens: Vec<Secret>,
    /// Whether `GET /metrics` answers everyone.
    pub public_metrics: bool,
}

impl ApiConfig {
    /// No tokens (loopback only), metrics behind the same rule.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts `token` too.
    #[must_use]
    pub fn with_token(mut self, token: Secret) -> Self {
        self.tokens.push(token);
        self
    }

    /// Sets whether `GET /metrics` answers everyone.
    #[must_use]
    pub fn with_public_metrics(mut self, public: bool) -> Self {
        self.public_metrics = public;
        self
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 9000))
}

/// Where the store lives: `"memory"`, `"sqlite:PATH"` or `"postgres://…"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum StoreLocation {
    /// In memory: lost on exit.
    Memory,
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database (its URL may hold a password: `Debug` leaves it out).
    Postgres(Box<crate::store::PostgresLocation>),
}

impl StoreLocation {
    /// Where it is, for a person: the path, `memory`, or the database's URL without its
    /// password and parameters.
    pub fn describe(&self) -> String {
        match self {
            StoreLocation::Memory => "memory".to_owned(),
            StoreLocation::Sqlite(path) => path.display().to_string(),
            StoreLocation::Postgres(location) => location.redacted(),
        }
    }
}

impl Default for StoreLocation {
    fn default() -> Self {
        StoreLocation::Sqlite(PathBuf::from("pagerhook.db"))
    }
}

impl TryFrom<String> for StoreLocation {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value == "memory" {
            return Ok(StoreLocation::Memory);
        }
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            return crate::store::PostgresLocation::parse(&value)
                .map(|l| StoreLocation::Postgres(Box::new(l)));
        }
        match value.strip_prefix("sqlite:") {
            Some(path) if !path.is_empty() => Ok(StoreLocation::Sqlite(PathBuf::from(path))),
            // Only the scheme is quoted: a mistyped database URL may hold a password.
            _ => Err(format!(
                "unknown store {}; expected \"memory\" or \"sqlite:PATH\", or a postgres:// URL",
                match value.split_once(':') {
                    Some((scheme, _)) => format!("scheme {scheme:?}"),
                    None if !value.contains('@') => format!("{value:?}"),
                    None => "value".to_owned(),
                }
            )),
        }
    }
}

/// One `[[instances]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct InstanceEntry {
    /// The name in the URL: letters, digits, `-` and `_`.
    pub name: String,
    /// The adapter's slug.
    pub integration: String,
    /// The adapter's options.
    #[serde(default)]
    pub options: Option<serde_json::Value>,
    /// The auth guard's configuration; absent = open.
    #[serde(default)]
    pub auth: Option<AuthConfig>,
    /// The instance's limits.
    #[serde(default)]
    pub limits: Limits,
    /// The instance's rules, in order (`[[instances.rules]]`; see `pager_core::rules`).
    #[serde(default)]
    pub rules: Vec<RuleConfig>,
    /// A template for the dedup key: one unconditional rule that runs before `rules`.
    #[serde(default)]
    pub dedup_key: Option<String>,
}

impl InstanceEntry {
    /// The entry as the registry builds it.
    pub fn instance_config(&self) -> InstanceConfig {
        InstanceConfig::new(
            self.options.clone().unwrap_or(serde_json::Value::Null),
            self.auth.clone(),
            self.limits,
        )
        .with_rules(self.rules.clone(), self.dedup_key.clone())
    }
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigFileError {
    /// The file.
    pub path: String,
    /// What is wrong, and where.
    pub message: String,
}

impl ServeConfig {
    /// Parses a configuration; relative SQLite paths are resolved against `base`.
    ///
    /// # Errors
    /// When the TOML is invalid or a key is unknown or wrong, saying where.
    pub fn from_toml(text: &str, base: &Path) -> Result<Self, String> {
        let deserializer = toml::Deserializer::parse(text).map_err(|e| located(text, &e, ""))?;
        let mut config: ServeConfig =
            serde_path_to_error::deserialize(deserializer).map_err(|e| {
                let path = e.path().to_string();
                located(text, e.inner(), if path == "." { "" } else { &path })
            })?;
        config.server.validate()?;
        validate_heartbeats(&config.heartbeats)?;
        let heartbeats = !config.heartbeats.is_empty();
        if let Some(index) = config
            .instances
            .iter()
            .position(|i| heartbeats && i.name == HEARTBEAT_INSTANCE)
        {
            return Err(format!(
                "at instances[{index}].name: {HEARTBEAT_INSTANCE:?} is reserved for heartbeat \
                 alerts while [[heartbeats]] are configured"
            ));
        }
        validate_outputs(
            &config.outputs,
            config
                .instances
                .iter()
                .map(|i| i.name.as_str())
                .chain(heartbeats.then_some(HEARTBEAT_INSTANCE)),
        )?;
        let names: Vec<&str> = config
            .instances
            .iter()
            .map(|i| i.name.as_str())
            .chain(heartbeats.then_some(HEARTBEAT_INSTANCE))
            .collect();
        validate_windows(&config.maintenance, &names)?;
        if config.api.tokens.iter().any(|t| t.expose().is_empty()) {
            return Err("at api.tokens: a token must not be empty".to_owned());
        }
        if let StoreLocation::Sqlite(path) = &mut config.store {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
        Ok(config)
    }

    /// Reads and parses the file at `path`. Errors say the line and column, and never quote
    /// the file: the line at fault may hold a secret.
    ///
    /// # Errors
    /// When the file cannot be read or parsed.
    pub fn from_file(path: &Path) -> Result<Self, ConfigFileError> {
        let error = |message: String| ConfigFileError {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::from_toml(&text, base).map_err(error)
    }
}

/// `line L, column C, at <key path>: <message>` for a TOML error. `toml`'s own `Display`
/// quotes the source line, which may hold an API key or an HMAC secret, so only the position
/// and the key are given.
fn located(text: &str, error: &toml::de::Error, path: &str) -> String {
    let mut place = Vec::new();
    if let Some(span) = error.span() {
        let before = text.get(..span.start).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or(before).chars().count() + 1;
        place.push(format!("line {line}, column {column}"));
    }
    if !path.is_empty() {
        place.push(format!("at {path}"));
    }
    let message = without_values(error.message());
    if place.is_empty() {
        message
    } else {
        format!("{}: {}", place.join(", "), message)
    }
}

/// serde's "invalid type: string \"admin:S3CRET\", expected struct Basic" quotes the value,
/// which may be a secret: keep its kind and what was expected only ("invalid type: string,
/// expected struct Basic"); "unknown variant `…`" likewise. Other messages name keys, never
/// values, and pass.
fn without_values(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let expected = rest
            .rfind(", expected ")
            .and_then(|at| rest.get(at..))
            .unwrap_or_default();
        return format!("unknown variant{expected}");
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            // The value may itself contain ", expected ": the last one is serde's.
            let (unexpected, expected) = match rest.rfind(", expected ") {
                Some(at) => rest.split_at(at),
                None => (rest, ""),
            };
            let kind = unexpected
                .split(['"', '`'])
                .next()
                .unwrap_or_default()
                .trim_end();
            return format!("{prefix}{kind}{expected}");
        }
    }
    message.to_owned()
}
