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
//! Each adapter is behind a feature named by its slug, all on by default; [`registry`] holds
//! the enabled ones. A service that embeds only some picks them:
//!
//! ```toml
//! [dependencies.pager-integrations]
//! version = "0.1"
//! default-features = false
//! features = ["prometheus-v3"]
//! ```
//!
//! Adding a vendor: its crate under `integrations/<slug>/`, its optional dependency and feature
//! (listed in `default`) in this crate's manifest, and one line in [`registry`].

pub use pager_core;

use pager_core::Registry;

/// Every adapter this build of pagerhook knows (the enabled features), by slug.
pub fn registry() -> Registry {
    let registry = Registry::new();
    #[cfg(feature = "aws-cloudwatch")]
    let registry = registry.with::<pager_aws_cloudwatch::AwsCloudwatch>();
    #[cfg(feature = "azure-monitor")]
    let registry = registry.with::<pager_azure_monitor::AzureMonitor>();
    #[cfg(feature = "cronitor")]
    let registry = registry.with::<pager_cronitor::Cronitor>();
    #[cfg(feature = "datadog")]
    let registry = registry.with::<pager_datadog::Datadog>();
    #[cfg(feature = "dead-mans-snitch")]
    let registry = registry.with::<pager_dead_mans_snitch::DeadMansSnitch>();
    #[cfg(feature = "dynatrace")]
    let registry = registry.with::<pager_dynatrace::Dynatrace>();
    #[cfg(feature = "google-cloud-monitoring")]
    let registry = registry.with::<pager_google_cloud_monitoring::GoogleCloudMonitoring>();
    #[cfg(feature = "grafana")]
    let registry = registry.with::<pager_grafana::Grafana>();
    #[cfg(feature = "graylog")]
    let registry = registry.with::<pager_graylog::Graylog>();
    #[cfg(feature = "healthchecks")]
    let registry = registry.with::<pager_healthchecks::Healthchecks>();
    #[cfg(feature = "honeybadger")]
    let registry = registry.with::<pager_honeybadger::Honeybadger>();
    #[cfg(feature = "jira")]
    let registry = registry.with::<pager_jira::Jira>();
    #[cfg(feature = "kapacitor")]
    let registry = registry.with::<pager_kapacitor::Kapacitor>();
    #[cfg(feature = "new-relic")]
    let registry = registry.with::<pager_new_relic::NewRelic>();
    #[cfg(feature = "opsgenie")]
    let registry = registry.with::<pager_opsgenie::Opsgenie>();
    #[cfg(feature = "pagerduty")]
    let registry = registry.with::<pager_pagerduty::PagerDuty>();
    #[cfg(feature = "pingdom")]
    let registry = registry.with::<pager_pingdom::Pingdom>();
    #[cfg(feature = "prometheus-v3")]
    let registry = registry.with::<pager_prometheus_v3::PrometheusV3>();
    #[cfg(feature = "sentry")]
    let registry = registry.with::<pager_sentry::Sentry>();
    #[cfg(feature = "site24x7")]
    let registry = registry.with::<pager_site24x7::Site24x7>();
    #[cfg(feature = "splunk")]
    let registry = registry.with::<pager_splunk::Splunk>();
    #[cfg(feature = "statuscake")]
    let registry = registry.with::<pager_statuscake::StatusCake>();
    #[cfg(feature = "uptime-kuma")]
    let registry = registry.with::<pager_uptime_kuma::UptimeKuma>();
    #[cfg(feature = "uptimerobot")]
    let registry = registry.with::<pager_uptimerobot::UptimeRobot>();
    #[cfg(feature = "webhook")]
    let registry = registry.with::<pager_webhook::Webhook>();
    #[cfg(feature = "zabbix")]
    let registry = registry.with::<pager_zabbix::Zabbix>();
    registry
}

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
