//! `pagerhook serve`'s configuration file (TOML).
//!
//! ```toml
//! listen = "127.0.0.1:9000"          # the default
//! store = "sqlite:pagerhook.db"      # the default; relative to this file's folder; or "memory"
//!
//! [[instances]]
//! name = "am"                        # served at POST /integrations/am
//! integration = "prometheus-v3"      # a slug from `pagerhook integrations`
//! options = { grouping = "group" }   # the adapter's options (optional)
//! auth = { api_key = "s3cret" }      # the auth guard (optional; absent = open)
//! limits = { max_body_bytes = 10485760 }  # optional
//!
//! [retention]                        # optional; these are the defaults
//! deliveries = "30d"
//! resolved_alerts = "90d"
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use pager_core::auth::AuthConfig;
use pager_core::{InstanceConfig, Limits};
use serde::Deserialize;

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
    /// How long deliveries and resolved alerts are kept.
    #[serde(default)]
    pub retention: Retention,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 9000))
}

/// Where the store lives: `"memory"` or `"sqlite:PATH"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum StoreLocation {
    /// In memory: lost on exit.
    Memory,
    /// An SQLite file.
    Sqlite(PathBuf),
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
        match value.strip_prefix("sqlite:") {
            Some(path) if !path.is_empty() => Ok(StoreLocation::Sqlite(PathBuf::from(path))),
            _ => Err(format!(
                "unknown store {value:?}; expected \"memory\" or \"sqlite:PATH\""
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
}

impl InstanceEntry {
    /// The entry as the registry builds it.
    pub fn instance_config(&self) -> InstanceConfig {
        InstanceConfig::new(
            self.options.clone().unwrap_or(serde_json::Value::Null),
            self.auth.clone(),
            self.limits,
        )
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
    if place.is_empty() {
        error.message().to_owned()
    } else {
        format!("{}: {}", place.join(", "), error.message())
    }
}
