//! The registry: which adapters exist, and building one from (slug, configuration).

use crate::integration::config_from_json;
use crate::{Adapter, ConfigError, Instance, Integration};

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

type BuildFn = fn(&serde_json::Value) -> Result<Box<dyn Integration>, ConfigError>;

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

fn build<A: Adapter>(config: &serde_json::Value) -> Result<Box<dyn Integration>, ConfigError> {
    Ok(Box::new(A::from_config(config_from_json::<A>(config)?)?))
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

    /// Builds the adapter `slug` from its options (`null` = defaults), wrapped in an
    /// [`Instance`] with default limits.
    ///
    /// # Errors
    /// [`ConfigError::UnknownIntegration`] (listing the known slugs), or
    /// [`ConfigError::Invalid`] naming the option that is wrong.
    pub fn build(&self, slug: &str, options: &serde_json::Value) -> Result<Instance, ConfigError> {
        let registration = self
            .get(slug)
            .ok_or_else(|| ConfigError::UnknownIntegration {
                slug: slug.to_owned(),
                known: self.list().map(|i| i.slug).collect(),
            })?;
        Ok(Instance::new((registration.build)(options)?))
    }
}
