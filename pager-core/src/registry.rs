//! The registry: which adapters exist, and building one from (slug, configuration).

use serde::Deserialize;

use crate::auth::{AuthConfig, AuthGuard};
use crate::integration::config_from_json;
use crate::rules::{RuleConfig, Rules};
use crate::{Adapter, ConfigError, Instance, Integration, Limits};

/// What a registered adapter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct IntegrationInfo {
    /// The slug, e.g. `"prometheus-v3"`.
    pub slug: &'static str,
    /// A human name.
    pub name: &'static str,
    /// The adapter crate's version.
    pub version: &'static str,
}

type BuildFn = fn(&serde_json::Value, &Limits) -> Result<Box<dyn Integration>, ConfigError>;

/// One registry line: an adapter's identity and how to build it.
#[derive(Debug, Clone, Copy)]
pub struct Registration {
    info: IntegrationInfo,
    build: BuildFn,
}

impl Registration {
    /// The registration of adapter `A`.
    pub fn of<A: Adapter>() -> Self {
        Self {
            info: IntegrationInfo {
                slug: A::ID,
                name: A::NAME,
                version: A::VERSION,
            },
            build: build::<A>,
        }
    }

    /// The adapter's identity.
    pub fn info(&self) -> IntegrationInfo {
        self.info
    }
}

fn build<A: Adapter>(
    config: &serde_json::Value,
    limits: &Limits,
) -> Result<Box<dyn Integration>, ConfigError> {
    Ok(Box::new(
        A::from_config(config_from_json::<A>(config)?)?.with_limits(limits),
    ))
}

/// How to build one instance: the adapter's options, the auth guard's configuration, the
/// limits and the [rules](crate::rules). This is the shape of a receiver's per-instance
/// configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct InstanceConfig {
    /// The adapter's options (`null` = its defaults).
    pub options: serde_json::Value,
    /// The auth guard's configuration; absent = open.
    pub auth: Option<AuthConfig>,
    /// The limits.
    pub limits: Limits,
    /// The rules, in order (see [`crate::rules`]).
    pub rules: Vec<RuleConfig>,
    /// A template for the dedup key: one unconditional rule that runs before `rules`.
    pub dedup_key: Option<String>,
}

impl InstanceConfig {
    /// An instance configuration from its three parts; for hosts that read them from their own
    /// configuration format (`pagerhook serve` reads TOML).
    pub fn new(options: serde_json::Value, auth: Option<AuthConfig>, limits: Limits) -> Self {
        Self {
            options,
            auth,
            limits,
            rules: Vec::new(),
            dedup_key: None,
        }
    }

    /// The configuration with these rules and `dedup_key` template (see [`crate::rules`]).
    #[must_use]
    pub fn with_rules(mut self, rules: Vec<RuleConfig>, dedup_key: Option<String>) -> Self {
        self.rules = rules;
        self.dedup_key = dedup_key;
        self
    }

    /// Reads the flat form the CLI takes: the adapter's options with four reserved keys,
    /// `auth`, `limits`, `rules` and `dedup_key`, taken out
    /// (`{"grouping": "alert", "auth": {"api_key": "…"}, "rules": [{"drop": true}]}`).
    ///
    /// # Errors
    /// When `auth`, `limits`, `rules` or `dedup_key` is invalid, naming the key.
    pub fn from_flat(value: &serde_json::Value) -> Result<Self, ConfigError> {
        let mut options = value.clone();
        let mut section = |key: &str| options.as_object_mut().and_then(|o| o.remove(key));
        let auth = section("auth");
        let limits = section("limits");
        let rules = section("rules");
        let dedup_key = section("dedup_key");
        let invalid = |key: &str, err: serde_path_to_error::Error<serde_json::Error>| {
            let path = err.path().to_string();
            ConfigError::Invalid {
                integration: "instance",
                path: if path == "." {
                    key.to_owned()
                } else if path.starts_with('[') {
                    format!("{key}{path}")
                } else {
                    format!("{key}.{path}")
                },
                message: err.into_inner().to_string(),
            }
        };
        Ok(Self {
            options,
            auth: auth
                .map(|a| serde_path_to_error::deserialize(a).map_err(|e| invalid("auth", e)))
                .transpose()?,
            limits: limits
                .map(|l| serde_path_to_error::deserialize(l).map_err(|e| invalid("limits", e)))
                .transpose()?
                .unwrap_or_default(),
            rules: rules
                .map(|r| serde_path_to_error::deserialize(r).map_err(|e| invalid("rules", e)))
                .transpose()?
                .unwrap_or_default(),
            dedup_key: dedup_key
                .map(|k| serde_path_to_error::deserialize(k).map_err(|e| invalid("dedup_key", e)))
                .transpose()?
                .flatten(),
        })
    }
}

/// Every available adapter, by slug.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    entries: Vec<Registration>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds adapter `A`; a later registration of the same slug replaces the earlier one.
    #[must_use]
    pub fn with<A: Adapter>(mut self) -> Self {
        self.register(Registration::of::<A>());
        self
    }

    /// Adds a registration; a later registration of the same slug replaces the earlier one.
    pub fn register(&mut self, registration: Registration) {
        self.entries
            .retain(|r| r.info.slug != registration.info.slug);
        self.entries.push(registration);
        self.entries.sort_by_key(|r| r.info.slug);
    }

    /// Every registered adapter, sorted by slug.
    pub fn list(&self) -> impl ExactSizeIterator<Item = IntegrationInfo> + '_ {
        self.entries.iter().map(|r| r.info)
    }

    /// The registration for `slug`, if any.
    pub fn get(&self, slug: &str) -> Option<&Registration> {
        self.entries.iter().find(|r| r.info.slug == slug)
    }

    /// Builds the adapter `slug` from its options in the flat form (see
    /// [`InstanceConfig::from_flat`]: options plus optional `auth`, `limits`, `rules` and
    /// `dedup_key`; `null` = defaults, no auth, no rules).
    ///
    /// # Errors
    /// [`ConfigError::UnknownIntegration`] (listing the known slugs), or
    /// [`ConfigError::Invalid`] naming the option that is wrong.
    pub fn build(&self, slug: &str, options: &serde_json::Value) -> Result<Instance, ConfigError> {
        self.build_instance(slug, &InstanceConfig::from_flat(options)?)
    }

    /// Builds the adapter `slug` as `config` says.
    ///
    /// # Errors
    /// As [`Registry::build`], when the auth configuration is inconsistent, and when a rule
    /// does not compile ([`ConfigError::Invalid`] naming it: `rules[1].set.title`, with the
    /// line and column).
    pub fn build_instance(
        &self,
        slug: &str,
        config: &InstanceConfig,
    ) -> Result<Instance, ConfigError> {
        let registration = self
            .get(slug)
            .ok_or_else(|| ConfigError::UnknownIntegration {
                slug: slug.to_owned(),
                known: self.list().map(|i| i.slug).collect(),
            })?;
        let adapter = (registration.build)(&config.options, &config.limits)?;
        let rules = Rules::new(
            registration.info.slug,
            config.dedup_key.as_deref(),
            &config.rules,
        )?;
        let instance = Instance::new(adapter)
            .with_limits(config.limits)
            .with_rules(rules);
        Ok(match &config.auth {
            Some(auth) => instance.with_auth(AuthGuard::new(auth.clone())?),
            None => instance,
        })
    }
}
