//! The receiver's metrics, served at `GET /metrics` in the OpenMetrics text format (which
//! Prometheus scrapes natively):
//!
//! - `pagerhook_deliveries_total{instance, outcome}` — deliveries written to the log: outcome
//!   `accepted`, `replayed` (a signature already accepted: answered 200, not applied),
//!   `payload_too_large`, `unsupported_content_type`, `invalid` (400s), `internal_error` (500),
//!   and `store_unavailable` (not written);
//! - `pagerhook_rejected_requests_total{instance, reason}` — requests refused without a row in
//!   the delivery log, so that a flood of them costs no disk: `unauthorized` (a webhook's 401),
//!   `unknown_instance` (404, `instance=""`: the name is the sender's), `unknown_heartbeat`
//!   (a ping of a heartbeat not configured, 404, `instance=""`), `body_timeout` (408),
//!   `api_unauthorized` (401 on the read API or `/metrics`, `instance=""`),
//!   `payload_too_large_unauthenticated` (413 for an HMAC instance, before its signature could
//!   be checked);
//! - `pagerhook_events_total{instance, action}`;
//! - `pagerhook_transitions_total{instance, transition}` (opened, deduplicated, …);
//! - `pagerhook_unresolved_alerts{instance, status}` — read from the store at scrape time;
//! - `pagerhook_request_duration_seconds{instance}` — a histogram of delivery handling time;
//! - `pagerhook_pruned_total{what}` — rows removed by retention, `what` = `deliveries`,
//!   `alerts` (resolved alerts, with their history) or `messages` (delivered and failed
//!   outgoing messages);
//! - `pagerhook_output_attempts_total{output, outcome}` — attempts to send outgoing messages,
//!   by what followed: `delivered`, `retrying`, `failed` (given up);
//! - `pagerhook_output_messages{output, status}` — messages `pending` and `failed`, read from
//!   the store at scrape time;
//! - `pagerhook_output_send_duration_seconds{output}` — a histogram of attempt durations;
//! - `pagerhook_output_dropped_total{output}` — messages not queued because the output already
//!   had `max_pending` waiting;
//! - `pagerhook_rule_failures_total{instance}` — rules that failed on an event and were skipped
//!   for it (see `pager_core::rules`); `pagerhook_rule_dropped_total{instance}` — events a
//!   rule dropped. Both are noted in the delivery's `notes` too;
//! - `pagerhook_heartbeat_pings_total{heartbeat, outcome}` — pings `accepted`, `unauthorized`
//!   or `store_unavailable`; `pagerhook_heartbeat_down{heartbeat}` — 1 while its alert is open;
//!   `pagerhook_heartbeat_last_ping_timestamp_seconds{heartbeat}`. Heartbeat alerts are
//!   counted in the delivery, event and transition metrics as instance `heartbeat`;
//! - `pagerhook_maintenance_windows_active` — windows active at the last maintenance sweep or
//!   scrape; `pagerhook_alerts_muted_total{instance}` — alerts opened muted by a window;
//!   `pagerhook_alerts_unmuted_total{instance}` — muted alerts unmuted (and paged) when their
//!   last window ended.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    instance: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RejectedLabels {
    instance: String,
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    instance: String,
    action: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TransitionLabels {
    instance: String,
    transition: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    instance: String,
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PrunedLabels {
    what: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InstanceLabels {
    instance: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HeartbeatLabels {
    heartbeat: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PingLabels {
    heartbeat: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutputLabels {
    output: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AttemptLabels {
    output: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MessageLabels {
    output: String,
    status: &'static str,
}

type HistogramFamily = Family<InstanceLabels, Histogram, fn() -> Histogram>;
type OutputHistogramFamily = Family<OutputLabels, Histogram, fn() -> Histogram>;

/// The receiver's counters, gauges and histogram.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    deliveries: Family<DeliveryLabels, Counter>,
    rejected: Family<RejectedLabels, Counter>,
    events: Family<ActionLabels, Counter>,
    transitions: Family<TransitionLabels, Counter>,
    unresolved: Family<StatusLabels, Gauge>,
    duration: HistogramFamily,
    pruned: Family<PrunedLabels, Counter>,
    output_attempts: Family<AttemptLabels, Counter>,
    output_messages: Family<MessageLabels, Gauge>,
    output_duration: OutputHistogramFamily,
    output_dropped: Family<OutputLabels, Counter>,
    rule_failures: Family<InstanceLabels, Counter>,
    rule_dropped: Family<InstanceLabels, Counter>,
    maintenance: Maintenance,
    heartbeats: HeartbeatMetrics,
}

/// The heartbeats' metrics.
#[derive(Debug, Default)]
struct HeartbeatMetrics {
    pings: Family<PingLabels, Counter>,
    down: Family<HeartbeatLabels, Gauge>,
    last_ping: Family<HeartbeatLabels, Gauge>,
}

impl HeartbeatMetrics {
    fn register(registry: &mut Registry) -> Self {
        let this = Self::default();
        registry.register(
            "heartbeat_pings",
            "Heartbeat pings, by heartbeat and outcome (accepted, unauthorized, store_unavailable)",
            this.pings.clone(),
        );
        registry.register(
            "heartbeat_down",
            "1 while a heartbeat is down (its alert open), else 0",
            this.down.clone(),
        );
        registry.register(
            "heartbeat_last_ping_timestamp_seconds",
            "When each heartbeat was last pinged (Unix time)",
            this.last_ping.clone(),
        );
        this
    }
}

/// The maintenance windows' metrics.
#[derive(Debug, Default)]
struct Maintenance {
    active: Gauge,
    muted: Family<InstanceLabels, Counter>,
    unmuted: Family<InstanceLabels, Counter>,
}

impl Maintenance {
    fn register(registry: &mut Registry) -> Self {
        let this = Self::default();
        registry.register(
            "maintenance_windows_active",
            "Maintenance windows active at the last sweep or scrape",
            this.active.clone(),
        );
        registry.register(
            "alerts_muted",
            "Alerts opened muted, a maintenance window covering them",
            this.muted.clone(),
        );
        registry.register(
            "alerts_unmuted",
            "Muted alerts unmuted, still unresolved, when no window covered them any more",
            this.unmuted.clone(),
        );
        this
    }
}

fn send_histogram() -> Histogram {
    // 1 ms to ~33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

fn duration_histogram() -> Histogram {
    // 0.25 ms to ~4 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("pagerhook");
        let deliveries = Family::default();
        let rejected = Family::default();
        let events = Family::default();
        let transitions = Family::default();
        let unresolved = Family::default();
        let duration: HistogramFamily = Family::new_with_constructor(duration_histogram);
        let pruned = Family::default();
        let output_attempts = Family::default();
        let output_messages = Family::default();
        let output_duration: OutputHistogramFamily = Family::new_with_constructor(send_histogram);
        let output_dropped = Family::default();
        let rule_failures = Family::default();
        let rule_dropped = Family::default();
        registry.register(
            "rule_failures",
            "Rules that failed on an event and were skipped for it, by instance",
            rule_failures.clone(),
        );
        registry.register(
            "rule_dropped",
            "Events a rule dropped, by instance",
            rule_dropped.clone(),
        );
        registry.register(
            "output_dropped",
            "Outgoing messages dropped because their output had max_pending messages waiting",
            output_dropped.clone(),
        );
        registry.register(
            "output_attempts",
            "Attempts to send outgoing messages, by output and what followed (delivered, retrying, failed)",
            output_attempts.clone(),
        );
        registry.register(
            "output_messages",
            "Outgoing messages pending and failed, by output and status",
            output_messages.clone(),
        );
        registry.register(
            "output_send_duration_seconds",
            "Time of one attempt to send an outgoing message",
            output_duration.clone(),
        );
        registry.register(
            "deliveries",
            "Deliveries received, by instance and outcome",
            deliveries.clone(),
        );
        registry.register(
            "rejected_requests",
            "Requests refused without a delivery log row (401, 404, 408), by instance and reason",
            rejected.clone(),
        );
        registry.register(
            "events",
            "Events the adapters produced, by instance and action",
            events.clone(),
        );
        registry.register(
            "transitions",
            "What events did to alerts, by instance and transition",
            transitions.clone(),
        );
        registry.register(
            "unresolved_alerts",
            "Open and acknowledged alerts, by instance and status",
            unresolved.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to handle a delivery, from its first byte read to its answer",
            duration.clone(),
        );
        registry.register(
            "pruned",
            "Rows removed by retention: deliveries, resolved alerts with their history, finished outgoing messages",
            pruned.clone(),
        );
        let maintenance = Maintenance::register(&mut registry);
        let heartbeats = HeartbeatMetrics::register(&mut registry);
        Self {
            registry,
            deliveries,
            rejected,
            events,
            transitions,
            unresolved,
            duration,
            pruned,
            output_attempts,
            output_messages,
            output_duration,
            output_dropped,
            rule_failures,
            rule_dropped,
            maintenance,
            heartbeats,
        }
    }

    pub(crate) fn heartbeat_ping(&self, heartbeat: &str, outcome: &'static str) {
        self.heartbeats
            .pings
            .get_or_create(&PingLabels {
                heartbeat: heartbeat.to_owned(),
                outcome,
            })
            .inc();
    }

    pub(crate) fn heartbeat_down(&self, heartbeat: &str, down: bool) {
        self.heartbeats
            .down
            .get_or_create(&HeartbeatLabels {
                heartbeat: heartbeat.to_owned(),
            })
            .set(i64::from(down));
    }

    pub(crate) fn heartbeat_last_ping(&self, heartbeat: &str, at: chrono::DateTime<chrono::Utc>) {
        self.heartbeats
            .last_ping
            .get_or_create(&HeartbeatLabels {
                heartbeat: heartbeat.to_owned(),
            })
            .set(at.timestamp());
    }

    pub(crate) fn set_active_windows(&self, count: usize) {
        self.maintenance
            .active
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    pub(crate) fn muted(&self, instance: &str) {
        self.maintenance
            .muted
            .get_or_create(&InstanceLabels {
                instance: instance.to_owned(),
            })
            .inc();
    }

    pub(crate) fn unmuted(&self, instance: &str) {
        self.maintenance
            .unmuted
            .get_or_create(&InstanceLabels {
                instance: instance.to_owned(),
            })
            .inc();
    }

    /// Counts what an instance's rules did with a delivery.
    pub(crate) fn rules(&self, instance: &str, failures: usize, dropped: usize) {
        let labels = InstanceLabels {
            instance: instance.to_owned(),
        };
        if failures > 0 {
            self.rule_failures
                .get_or_create(&labels)
                .inc_by(failures as u64);
        }
        if dropped > 0 {
            self.rule_dropped
                .get_or_create(&labels)
                .inc_by(dropped as u64);
        }
    }

    pub(crate) fn output_dropped(&self, output: &str, count: u64) {
        self.output_dropped
            .get_or_create(&OutputLabels {
                output: output.to_owned(),
            })
            .inc_by(count);
    }

    pub(crate) fn output_attempt(&self, output: &str, outcome: &'static str) {
        self.output_attempts
            .get_or_create(&AttemptLabels {
                output: output.to_owned(),
                outcome,
            })
            .inc();
    }

    pub(crate) fn output_duration(&self, output: &str, seconds: f64) {
        self.output_duration
            .get_or_create(&OutputLabels {
                output: output.to_owned(),
            })
            .observe(seconds);
    }

    pub(crate) fn set_output_messages(&self, output: &str, status: &'static str, count: u64) {
        self.output_messages
            .get_or_create(&MessageLabels {
                output: output.to_owned(),
                status,
            })
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    pub(crate) fn pruned(&self, what: &'static str, count: u64) {
        self.pruned
            .get_or_create(&PrunedLabels { what })
            .inc_by(count);
    }

    pub(crate) fn delivery(&self, instance: &str, outcome: &'static str) {
        self.deliveries
            .get_or_create(&DeliveryLabels {
                instance: instance.to_owned(),
                outcome,
            })
            .inc();
    }

    pub(crate) fn rejected(&self, instance: &str, reason: &'static str) {
        self.rejected
            .get_or_create(&RejectedLabels {
                instance: instance.to_owned(),
                reason,
            })
            .inc();
    }

    pub(crate) fn event(&self, instance: &str, action: &'static str) {
        self.events
            .get_or_create(&ActionLabels {
                instance: instance.to_owned(),
                action,
            })
            .inc();
    }

    pub(crate) fn transition(&self, instance: &str, transition: &'static str) {
        self.transitions
            .get_or_create(&TransitionLabels {
                instance: instance.to_owned(),
                transition,
            })
            .inc();
    }

    pub(crate) fn set_unresolved(&self, instance: &str, status: &'static str, count: u64) {
        self.unresolved
            .get_or_create(&StatusLabels {
                instance: instance.to_owned(),
                status,
            })
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    pub(crate) fn observe(&self, instance: &str, seconds: f64) {
        self.duration
            .get_or_create(&InstanceLabels {
                instance: instance.to_owned(),
            })
            .observe(seconds);
    }

    /// The OpenMetrics text.
    pub(crate) fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
