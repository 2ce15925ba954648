//! Outputs: outgoing webhooks that alert changes and deliveries trigger — durable, signed,
//! retried.
//!
//! ```toml
//! [[outputs]]
//! name = "spot-connect"                        # 1–64 letters, digits, -, _; unique
//! url = "https://connect.example/wf/123?x-api-key=…"
//! on = ["opened", "acknowledged", "resolved"]  # transitions, or "delivery" (every accepted delivery)
//! instances = ["alertmanager"]                 # default: every instance
//! body = "envelope"                            # or "raw": the delivery's body as sent
//! secret = "whsec_…"                           # optional: Standard Webhooks signing
//! headers = { "X-Team" = "payments" }          # optional, static
//! timeout_seconds = 10
//! max_attempts = 15
//! retry_initial_seconds = 5                    # backoff doubles, with jitter, up to:
//! retry_max_seconds = 3600
//! concurrency = 4                              # requests in flight to this output at once
//! max_pending = 100000                         # beyond it, new messages are dropped (counted)
//! ```
//!
//! How a message travels:
//!
//! 1. **Queued with the delivery.** [`crate::store::Store::ingest`] writes the messages a
//!    delivery triggers (one per matching transition and output, and one per output that wants
//!    every `delivery`) in the same transaction as the delivery and its alert changes: the
//!    outbox. A 200 to the sender means its messages are stored; a crash the next instant loses
//!    none, and they are sent after the restart. The body is rendered then, so a message says
//!    what was true when it happened (the alert as it was after that transition).
//! 2. **Sent beside ingestion.** [`Dispatcher`] runs one worker per output, which takes due
//!    messages from the store and sends up to `concurrency` of them at once, so a slow or dead
//!    target delays only its own messages. Messages of one key (`instance`, `thirdparty_id`:
//!    one alert, and the alerts that key opens later) go in order: the next waits
//!    until the one before it was delivered or given up. Messages of `delivery` are ordered
//!    with those of their alert when all the delivery's events share one key (an Alertmanager
//!    group), else not at all.
//! 3. **At least once.** Any 2xx is success. A network error, a timeout, 5xx, 408 and 429 are
//!    retried (`Retry-After` honoured, up to `retry_max_seconds`) with exponential backoff and
//!    jitter; another status (redirects are not followed) fails the message at once, as does
//!    the last of `max_attempts`. A failed message stays visible (`GET /outputs/{name}/messages`)
//!    and can be sent again (`POST /outputs/{name}/messages/{id}/retry`). Every attempt carries
//!    the same `webhook-id`, the receiver's idempotency key.
//!
//! Secrets (`url`, `headers`, `secret`) stay in the configuration: the store keeps only the
//! output's name with each message; logs, errors and the API show a URL as its origin alone
//! ([`OutputUrl`]'s `Display`), and header values and the secret never.

pub(crate) mod dispatch;
pub(crate) mod envelope;
pub mod sign;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use pager_core::auth::Secret;
use serde::{Deserialize, Serialize};

pub use dispatch::{DispatchError, Dispatcher};
pub use sign::SigningSecret;

/// What makes an output send: a transition of an alert, or every accepted delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A create opened a new alert.
    Opened,
    /// A create landed on an open alert.
    Deduplicated,
    /// The alert was acknowledged.
    Acknowledged,
    /// The alert was resolved.
    Resolved,
    /// An event changed nothing (recorded, ignored).
    Ignored,
    /// Every accepted delivery, once, whatever it changed.
    Delivery,
}

impl Trigger {
    /// The transition an alert trigger stands for (`None` for [`Trigger::Delivery`]).
    pub fn for_transition(name: &str) -> Option<Self> {
        Some(match name {
            "opened" => Trigger::Opened,
            "deduplicated" => Trigger::Deduplicated,
            "acknowledged" => Trigger::Acknowledged,
            "resolved" => Trigger::Resolved,
            "ignored" => Trigger::Ignored,
            _ => return None,
        })
    }
}

/// What an output's requests carry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// pagerhook's JSON envelope (documented in the README): the type, the idempotency id, the
    /// alert, the event and what changed.
    #[default]
    Envelope,
    /// The delivery's body byte for byte as the sender sent it, with its `Content-Type`: a
    /// durable, retrying relay. Only with `on = ["delivery"]`.
    Raw,
}

/// An output's URL: a secret, since it often carries a key (`?x-api-key=…`, a token in the
/// path). `Display` and `Debug` show only its origin (`https://connect.example/…`).
#[derive(Clone, PartialEq, Eq)]
pub struct OutputUrl(reqwest::Url);

impl OutputUrl {
    /// Parses an absolute `http` or `https` URL with a host. The error never quotes the URL.
    ///
    /// # Errors
    /// When it is not one.
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = reqwest::Url::parse(text)
            .map_err(|e| format!("invalid URL ({e}); expected http(s)://host/path"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("the URL's scheme must be http or https".to_owned());
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("the URL has no host".to_owned());
        }
        Ok(Self(url))
    }

    /// The URL itself, for the one place that sends to it.
    pub fn expose(&self) -> &reqwest::Url {
        &self.0
    }
}

impl fmt::Display for OutputUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/…", self.0.origin().ascii_serialization())
    }
}

impl fmt::Debug for OutputUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OutputUrl({self})")
    }
}

impl Serialize for OutputUrl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for OutputUrl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// One `[[outputs]]` entry (see the module docs for the file's shape).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OutputConfig {
    /// Its name in the API and metrics: 1–64 letters, digits, `-`, `_`; unique.
    pub name: String,
    /// Where it posts. A secret: shown as its origin only.
    pub url: OutputUrl,
    /// What makes it send.
    pub on: BTreeSet<Trigger>,
    /// The instances whose deliveries it follows; `None`: all.
    #[serde(default)]
    pub instances: Option<BTreeSet<String>>,
    /// The request body.
    #[serde(default)]
    pub body: BodyKind,
    /// Standard Webhooks signing secret (`whsec_` + base64), if any.
    #[serde(default)]
    pub secret: Option<SigningSecret>,
    /// Static headers added to each request. Values are secrets (redacted in `Debug`).
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
    /// How long one attempt may take, connection to last byte of the answer. Default 10.
    #[serde(default = "defaults::timeout_seconds")]
    pub timeout_seconds: u64,
    /// Attempts before a message is failed. Default 15.
    #[serde(default = "defaults::max_attempts")]
    pub max_attempts: u32,
    /// The wait before the second attempt; it doubles for each next one. Default 5.
    #[serde(default = "defaults::retry_initial_seconds")]
    pub retry_initial_seconds: u64,
    /// The longest wait between attempts (and the most a `Retry-After` is honoured). Default 3600.
    #[serde(default = "defaults::retry_max_seconds")]
    pub retry_max_seconds: u64,
    /// Requests in flight to this output at once. Default 4.
    #[serde(default = "defaults::concurrency")]
    pub concurrency: usize,
    /// The most messages waiting to be sent; a message beyond it is dropped (counted in
    /// `pagerhook_output_dropped_total`, said in the output's `last_error` and the log), so a
    /// dead target cannot fill the disk. The delivery itself stays in the log. Default 100,000.
    #[serde(default = "defaults::max_pending")]
    pub max_pending: u64,
}

mod defaults {
    pub(super) fn timeout_seconds() -> u64 {
        10
    }
    pub(super) fn max_attempts() -> u32 {
        15
    }
    pub(super) fn retry_initial_seconds() -> u64 {
        5
    }
    pub(super) fn retry_max_seconds() -> u64 {
        3600
    }
    pub(super) fn concurrency() -> usize {
        4
    }
    pub(super) fn max_pending() -> u64 {
        100_000
    }
}

/// Headers an output may not set: pagerhook sets them itself, or they belong to the connection.
const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "host",
    "connection",
    "transfer-encoding",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

impl OutputConfig {
    /// An output `name` posting to `url` on `on`, with the defaults for the rest.
    pub fn new(
        name: impl Into<String>,
        url: OutputUrl,
        on: impl IntoIterator<Item = Trigger>,
    ) -> Self {
        Self {
            name: name.into(),
            url,
            on: on.into_iter().collect(),
            instances: None,
            body: BodyKind::Envelope,
            secret: None,
            headers: BTreeMap::new(),
            timeout_seconds: defaults::timeout_seconds(),
            max_attempts: defaults::max_attempts(),
            retry_initial_seconds: defaults::retry_initial_seconds(),
            retry_max_seconds: defaults::retry_max_seconds(),
            concurrency: defaults::concurrency(),
            max_pending: defaults::max_pending(),
        }
    }

    /// Only deliveries to these instances.
    #[must_use]
    pub fn with_instances<S: Into<String>>(
        mut self,
        instances: impl IntoIterator<Item = S>,
    ) -> Self {
        self.instances = Some(instances.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the body kind.
    #[must_use]
    pub fn with_body(mut self, body: BodyKind) -> Self {
        self.body = body;
        self
    }

    /// Signs each request with `secret`.
    #[must_use]
    pub fn with_secret(mut self, secret: SigningSecret) -> Self {
        self.secret = Some(secret);
        self
    }

    /// Adds a static header.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), Secret::new(value));
        self
    }

    /// Sets the attempt timeout, in seconds.
    #[must_use]
    pub fn with_timeout_seconds(mut self, seconds: u64) -> Self {
        self.timeout_seconds = seconds;
        self
    }

    /// Sets the attempts, the first and the longest wait between them.
    #[must_use]
    pub fn with_retries(
        mut self,
        max_attempts: u32,
        initial_seconds: u64,
        max_seconds: u64,
    ) -> Self {
        self.max_attempts = max_attempts;
        self.retry_initial_seconds = initial_seconds;
        self.retry_max_seconds = max_seconds;
        self
    }

    /// Sets the requests in flight at once.
    #[must_use]
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Sets the most messages waiting.
    #[must_use]
    pub fn with_max_pending(mut self, max_pending: u64) -> Self {
        self.max_pending = max_pending;
        self
    }

    /// Whether it follows deliveries to `instance`.
    pub fn follows(&self, instance: &str) -> bool {
        self.instances
            .as_ref()
            .is_none_or(|set| set.contains(instance))
    }

    /// The attempt timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds)
    }

    /// Checks what serde cannot: names, ranges, headers, and that `raw` goes with `delivery`.
    /// `at` is where the entry is (`outputs[2]`), for the message; no value is quoted.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self, at: &str) -> Result<(), String> {
        if !valid_name(&self.name) {
            return Err(format!(
                "at {at}.name: use 1-64 letters, digits, '-' or '_'"
            ));
        }
        if self.on.is_empty() {
            return Err(format!("at {at}.on: name at least one trigger"));
        }
        if self.body == BodyKind::Raw && self.on.iter().any(|t| *t != Trigger::Delivery) {
            return Err(format!(
                "at {at}.body: \"raw\" sends the delivery's own body, so it goes with \
                 on = [\"delivery\"] only"
            ));
        }
        for (key, value) in [
            ("timeout_seconds", self.timeout_seconds),
            ("max_attempts", u64::from(self.max_attempts)),
            ("retry_initial_seconds", self.retry_initial_seconds),
            ("retry_max_seconds", self.retry_max_seconds),
            ("concurrency", self.concurrency as u64),
            ("max_pending", self.max_pending),
        ] {
            if value == 0 {
                return Err(format!("at {at}.{key}: must be at least 1"));
            }
        }
        for (key, value, most) in [
            ("concurrency", self.concurrency as u64, 256),
            ("timeout_seconds", self.timeout_seconds, 3600),
            ("retry_max_seconds", self.retry_max_seconds, 7 * 24 * 3600),
        ] {
            if value > most {
                return Err(format!("at {at}.{key}: at most {most}"));
            }
        }
        if self.retry_initial_seconds > self.retry_max_seconds {
            return Err(format!(
                "at {at}.retry_initial_seconds: must not exceed retry_max_seconds"
            ));
        }
        let mut seen = BTreeSet::new();
        for (name, value) in &self.headers {
            let Ok(parsed) = http::HeaderName::try_from(name.as_str()) else {
                return Err(format!("at {at}.headers: {name:?} is not a header name"));
            };
            if !seen.insert(parsed.as_str().to_owned()) {
                return Err(format!(
                    "at {at}.headers: {name:?} is given twice (header names ignore case)"
                ));
            }
            if RESERVED_HEADERS.contains(&parsed.as_str()) {
                return Err(format!(
                    "at {at}.headers: {name:?} is set by pagerhook and cannot be configured"
                ));
            }
            if http::HeaderValue::try_from(value.expose()).is_err() {
                return Err(format!(
                    "at {at}.headers.{name}: the value is not a valid header value"
                ));
            }
        }
        Ok(())
    }
}

/// Eight random lowercase hex digits: a store's prefix for message ids
/// ([`crate::store::Store`] keeps it), so that ids from two stores never collide.
pub(crate) fn random_prefix() -> String {
    use std::hash::BuildHasher;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // std's RandomState is seeded from the OS's random source.
    let random =
        std::collections::hash_map::RandomState::new().hash_one((nanos, std::process::id()));
    format!("{:08x}", random & 0xffff_ffff)
}

/// 1–64 letters, digits, `-` or `_`: the names of instances and outputs.
pub(crate) fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks a whole `[[outputs]]` list: each entry, unique names, and instances that exist.
///
/// # Errors
/// The first problem found.
pub fn validate_outputs<'a>(
    outputs: &[OutputConfig],
    instances: impl IntoIterator<Item = &'a str>,
) -> Result<(), String> {
    let known: BTreeSet<&str> = instances.into_iter().collect();
    let mut names = BTreeSet::new();
    for (index, output) in outputs.iter().enumerate() {
        let at = format!("outputs[{index}]");
        output.validate(&at)?;
        if !names.insert(output.name.as_str()) {
            return Err(format!("at {at}.name: {:?} is used twice", output.name));
        }
        for instance in output.instances.iter().flatten() {
            if !known.contains(instance.as_str()) {
                return Err(format!(
                    "at {at}.instances: there is no instance named {instance:?}"
                ));
            }
        }
    }
    Ok(())
}

/// What the store needs to queue one output's messages: its name, what it sends on, and its
/// body kind and bound. No URL, header or secret: those never reach the store.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Route {
    /// The output's name.
    pub output: String,
    /// Its triggers.
    pub on: BTreeSet<Trigger>,
    /// Its body kind.
    pub body: BodyKind,
    /// Its `max_pending`.
    pub max_pending: u64,
}

/// The outputs that follow one instance: what [`crate::store::Delivery::with_outbox`]
/// attaches to each of its deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutboxPlan {
    /// The instance's integration slug (the envelope's `integration`).
    pub integration: String,
    /// The outputs, in configuration order.
    pub routes: Vec<Route>,
}

impl OutboxPlan {
    /// The plan for `instance` (of integration `integration`) under `outputs`; `None` when no
    /// output follows it.
    pub fn for_instance(
        instance: &str,
        integration: &str,
        outputs: &[OutputConfig],
    ) -> Option<Arc<Self>> {
        let routes: Vec<Route> = outputs
            .iter()
            .filter(|o| o.follows(instance))
            .map(|o| Route {
                output: o.name.clone(),
                on: o.on.clone(),
                body: o.body,
                max_pending: o.max_pending,
            })
            .collect();
        (!routes.is_empty()).then(|| {
            Arc::new(Self {
                integration: integration.to_owned(),
                routes,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_url_shows_its_origin_only() {
        let url =
            OutputUrl::parse("https://user:pw@connect.example:8443/wf/123?x-api-key=k1").unwrap();
        assert_eq!(url.to_string(), "https://connect.example:8443/…");
        assert_eq!(
            format!("{url:?}"),
            "OutputUrl(https://connect.example:8443/…)"
        );
        assert!(!serde_json::to_string(&url).unwrap().contains("k1"));
    }

    #[test]
    fn a_bad_url_is_refused_without_being_quoted() {
        for bad in ["ftp://h/x?key=k1", "not a url k1", "mailto:k1@example.com"] {
            let error = OutputUrl::parse(bad).unwrap_err();
            assert!(!error.contains("k1"), "{error}");
        }
    }

    #[test]
    fn validation_names_the_entry_and_key() {
        let url = OutputUrl::parse("http://127.0.0.1:1/").unwrap();
        let ok = OutputConfig::new("sink", url.clone(), [Trigger::Opened]);
        assert_eq!(validate_outputs(std::slice::from_ref(&ok), ["am"]), Ok(()));
        let raw = ok.clone().with_body(BodyKind::Raw);
        assert!(
            validate_outputs(&[raw], ["am"])
                .unwrap_err()
                .starts_with("at outputs[0].body")
        );
        let twice = validate_outputs(&[ok.clone(), ok.clone()], ["am"]).unwrap_err();
        assert!(twice.starts_with("at outputs[1].name"), "{twice}");
        let unknown = validate_outputs(&[ok.clone().with_instances(["nope"])], ["am"]).unwrap_err();
        assert!(unknown.contains("no instance named \"nope\""), "{unknown}");
        let reserved = ok.clone().with_header("Webhook-Signature", "x");
        assert!(
            validate_outputs(&[reserved], ["am"])
                .unwrap_err()
                .contains("set by pagerhook")
        );
        let backwards = ok.with_retries(3, 10, 5);
        assert!(
            validate_outputs(&[backwards], ["am"])
                .unwrap_err()
                .contains("retry_initial_seconds")
        );
    }

    #[test]
    fn a_plan_lists_the_outputs_that_follow_an_instance() {
        let url = OutputUrl::parse("http://127.0.0.1:1/").unwrap();
        let all = OutputConfig::new("all", url.clone(), [Trigger::Delivery]);
        let am_only = OutputConfig::new("am-only", url, [Trigger::Opened]).with_instances(["am"]);
        let outputs = [all, am_only];
        let plan = OutboxPlan::for_instance("am", "prometheus-v3", &outputs).unwrap();
        assert_eq!(
            plan.routes
                .iter()
                .map(|r| r.output.as_str())
                .collect::<Vec<_>>(),
            ["all", "am-only"]
        );
        let other = OutboxPlan::for_instance("grafana", "grafana", &outputs).unwrap();
        assert_eq!(other.routes.len(), 1);
        assert!(OutboxPlan::for_instance("grafana", "grafana", &outputs[1..]).is_none());
    }
}
