//! # pager-integrations: every pagerhook adapter behind one registry
//!
//! ```
//! let registry = pager_integrations::registry();
//! let instance = registry.build("prometheus-v3", &serde_json::json!({"grouping": "alert"}))?;
//! assert!(registry.list().any(|i| i.slug == "prometheus-v3"));
//! # let _ = instance;
//! # Ok::<(), pager_core::ConfigError>(())
//! ```
//!
//! Adding a vendor: its crate under `integrations/<slug>/`, its dependency line in this crate's
//! manifest, and one line in [`registry`].

pub use pager_aws_cloudwatch;
pub use pager_azure_monitor;
pub use pager_core;
pub use pager_datadog;
pub use pager_grafana;
pub use pager_new_relic;
pub use pager_prometheus_v3;
pub use pager_sentry;
pub use pager_webhook;
pub use pager_zabbix;

use pager_core::Registry;

/// Every adapter this build of pagerhook knows, by slug.
pub fn registry() -> Registry {
    Registry::new()
        .with::<pager_aws_cloudwatch::AwsCloudwatch>()
        .with::<pager_azure_monitor::AzureMonitor>()
        .with::<pager_datadog::Datadog>()
        .with::<pager_grafana::Grafana>()
        .with::<pager_new_relic::NewRelic>()
        .with::<pager_prometheus_v3::PrometheusV3>()
        .with::<pager_sentry::Sentry>()
        .with::<pager_webhook::Webhook>()
        .with::<pager_zabbix::Zabbix>()
}

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
