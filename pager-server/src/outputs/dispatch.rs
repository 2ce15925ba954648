//! Sending: one worker per output takes due messages from the store, sends up to its
//! `concurrency` at once, and records each attempt's outcome.

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use http::{HeaderValue, StatusCode, header};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;

use super::OutputConfig;
use crate::lock;
use crate::metrics::Metrics;
use crate::store::{AttemptResult, Message, NextStep, Store};

/// How often an idle worker looks for messages that became due (a retry's time came). New
/// messages wake it at once.
const POLL: Duration = Duration::from_secs(1);

/// How far past [`ERROR_BODY_BYTES`] an error body is read before it is scrubbed and cut.
const ERROR_BODY_SLACK: usize = 4096;

/// A worker on a store of its own takes up to this many due messages per slot of its
/// `concurrency` at once: enough that the outbox is not asked once per message under load.
const BATCH_PER_SLOT: usize = 4;

/// How much longer than an output's `timeout_seconds` a message claimed from a shared store
/// is left to this replica: time to record the attempt (and retry recording it a few times).
const CLAIM_MARGIN: Duration = Duration::from_secs(60);

/// ... and no more than this many bytes of bodies (the first message whatever its size), so
/// that a batch of large raw bodies stays bounded.
const BATCH_BYTES: usize = 8 * 1024 * 1024;

/// An output's dropped messages are logged at most this often.
const DROP_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// The most bytes of a failed answer's body kept in the message's `last_error`.
const ERROR_BODY_BYTES: usize = 256;

/// The outputs a receiver sends to, and what its workers share with it: a wake-up per
/// output, and each output's last error (for `GET /outputs`).
#[derive(Debug, Default)]
pub(crate) struct Outputs {
    pub(crate) configs: Vec<OutputConfig>,
    wakers: Vec<Arc<Notify>>,
    last_errors: Mutex<Vec<Option<LastError>>>,
    /// When each output's dropped messages were last logged.
    drops_logged: Mutex<Vec<Option<Instant>>>,
    /// Whether a [`Dispatcher`] runs for these outputs: one at a time, or each message would
    /// be sent twice.
    started: std::sync::atomic::AtomicBool,
}

/// Why the outputs' workers could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// The HTTP client could not be built.
    #[error("cannot build the outputs' HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    /// The receiver's outputs already have a running dispatcher.
    #[error("the outputs' workers are already running")]
    AlreadyStarted,
}

/// An output's most recent failed attempt, since the process started.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct LastError {
    pub(crate) at: DateTime<Utc>,
    pub(crate) error: String,
}

impl Outputs {
    pub(crate) fn new(configs: Vec<OutputConfig>) -> Self {
        Self {
            wakers: configs.iter().map(|_| Arc::new(Notify::new())).collect(),
            last_errors: Mutex::new(vec![None; configs.len()]),
            drops_logged: Mutex::new(vec![None; configs.len()]),
            configs,
            started: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Tells the worker of each output named that new messages may be waiting.
    pub(crate) fn wake<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        for name in names {
            if let Some(index) = self.configs.iter().position(|o| o.name == name) {
                if let Some(waker) = self.wakers.get(index) {
                    waker.notify_one();
                }
            }
        }
    }

    /// Records that `count` messages for output `name` were dropped (its outbox was full);
    /// true when that is worth a log line: at most one per output every
    /// [`DROP_LOG_INTERVAL`], so that a dead target does not flood the log (the metric counts
    /// every one).
    pub(crate) fn dropped(&self, name: &str, count: u64) -> bool {
        let Some((index, output)) = self
            .configs
            .iter()
            .enumerate()
            .find(|(_, o)| o.name == name)
        else {
            return false;
        };
        self.set_last_error(
            index,
            LastError {
                at: Utc::now(),
                error: format!(
                    "the outbox is full ({} messages pending): {count} new message(s) dropped",
                    output.max_pending
                ),
            },
        );
        let now = Instant::now();
        let mut logged = lock(&self.drops_logged);
        let Some(last) = logged.get_mut(index) else {
            return false;
        };
        if last.is_some_and(|at| now.duration_since(at) < DROP_LOG_INTERVAL) {
            return false;
        }
        *last = Some(now);
        true
    }

    pub(crate) fn last_error(&self, index: usize) -> Option<LastError> {
        lock(&self.last_errors).get(index).cloned().flatten()
    }

    fn set_last_error(&self, index: usize, error: LastError) {
        if let Some(slot) = lock(&self.last_errors).get_mut(index) {
            *slot = Some(error);
        }
    }
}

/// The running workers of a receiver's outputs ([`crate::Receiver::spawn_outputs`]). Stopping
/// it (or dropping it) ends them; a message in flight then stays pending and is sent again
/// after the next start: delivery is at least once.
#[derive(Debug)]
pub struct Dispatcher {
    workers: JoinSet<()>,
    outputs: Arc<Outputs>,
}

impl Dispatcher {
    /// Starts one worker per output on the current tokio runtime.
    ///
    /// # Errors
    /// When the HTTP client cannot be built (no TLS backend), or a dispatcher already runs
    /// for these outputs.
    pub(crate) fn start(
        store: &Arc<dyn Store>,
        outputs: &Arc<Outputs>,
        metrics: &Arc<Metrics>,
    ) -> Result<Self, DispatchError> {
        let client = reqwest::Client::builder()
            // A redirect would carry the signature and the configured headers to another URL.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("pagerhook/", env!("CARGO_PKG_VERSION")))
            .build()?;
        // Set only once nothing can fail: a failed start leaves the outputs startable.
        if outputs
            .started
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return Err(DispatchError::AlreadyStarted);
        }
        let mut workers = JoinSet::new();
        workers.spawn(warn_of_orphans(Arc::clone(store), Arc::clone(outputs)));
        for (index, (config, waker)) in outputs.configs.iter().zip(&outputs.wakers).enumerate() {
            let worker = Worker {
                index,
                config: Arc::new(config.clone()),
                waker: Arc::clone(waker),
                store: Arc::clone(store),
                outputs: Arc::clone(outputs),
                metrics: Arc::clone(metrics),
                client: client.clone(),
                in_flight: Arc::new(Mutex::new(HashSet::new())),
            };
            workers.spawn(worker.run());
        }
        Ok(Self {
            workers,
            outputs: Arc::clone(outputs),
        })
    }

    /// Stops the workers. Messages in flight stay pending.
    pub async fn stop(mut self) {
        self.workers.abort_all();
        while self.workers.join_next().await.is_some() {}
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.workers.abort_all();
        self.outputs
            .started
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Takes a message out of the in-flight set when dropped: after its attempt, or when the send
/// is aborted or panics, so that it can be sent again.
struct InFlight {
    set: Arc<Mutex<HashSet<i64>>>,
    id: i64,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        lock(&self.set).remove(&self.id);
    }
}

/// How long recording an attempt is retried, at most, between tries while the store cannot
/// write.
const RECORD_RETRY_MAX: Duration = Duration::from_secs(30);

/// Says, once at start, which outputs have messages in the store but are no longer configured
/// (renamed or removed): nothing sends those; they stay until the output is configured again
/// (pending messages are never pruned; at most its `max_pending` of them).
async fn warn_of_orphans(store: Arc<dyn Store>, outputs: Arc<Outputs>) {
    let Ok(counts) = store.message_counts().await else {
        return;
    };
    for ((output, status), count) in counts {
        let configured = outputs.configs.iter().any(|o| o.name == output);
        if !configured && status == crate::store::MessageStatus::Pending {
            tracing::warn!(
                output = %output,
                pending = count,
                "outputs: messages are pending for an output that is not configured; \
                 they are not sent until it is configured again"
            );
        }
    }
}

#[derive(Clone)]
struct Worker {
    index: usize,
    config: Arc<OutputConfig>,
    waker: Arc<Notify>,
    store: Arc<dyn Store>,
    outputs: Arc<Outputs>,
    metrics: Arc<Metrics>,
    client: reqwest::Client,
    in_flight: Arc<Mutex<HashSet<i64>>>,
}

impl Worker {
    fn config(&self) -> &OutputConfig {
        &self.config
    }

    fn waker(&self) -> &Notify {
        &self.waker
    }

    async fn run(self) {
        let concurrency = self.config().concurrency;
        let permits = Arc::new(Semaphore::new(concurrency));
        // The sends in flight belong to this task: stopping it stops them (their messages stay
        // pending), rather than leaving them to record into a closed store.
        let mut sends = JoinSet::new();
        loop {
            while let Some(done) = sends.try_join_next() {
                if let Err(error) = done {
                    if error.is_panic() {
                        tracing::error!(output = %self.config().name, "outputs: a send panicked");
                    }
                }
            }
            // A shared store: claim no more than there are free send slots, so that no
            // claimed message waits for one: each is sent at once, and its lease (one attempt
            // and a margin) holds until its attempt is recorded. Only this loop takes permits,
            // so those counted free stay free until it takes them. A store of its own has no
            // leases: a batch per slot saves asking it once per message.
            let limit = if self.store.shared() {
                match permits.acquire().await {
                    Ok(permit) => drop(permit),
                    Err(_) => return,
                }
                permits.available_permits().max(1)
            } else {
                concurrency * BATCH_PER_SLOT
            };
            let skip: Vec<i64> = lock(&self.in_flight).iter().copied().collect();
            let due = self
                .store
                .claim_messages(
                    &self.config().name,
                    Utc::now(),
                    &skip,
                    limit,
                    BATCH_BYTES,
                    self.config().timeout().saturating_add(CLAIM_MARGIN),
                )
                .await;
            let due = match due {
                Ok(due) => due,
                Err(error) => {
                    tracing::error!(output = %self.config().name, %error, "outputs: cannot read the outbox");
                    tokio::time::sleep(POLL).await;
                    continue;
                }
            };
            if due.is_empty() {
                tokio::select! {
                    () = self.waker().notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                }
                continue;
            }
            for message in due {
                let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
                    return;
                };
                lock(&self.in_flight).insert(message.id);
                let guard = InFlight {
                    set: Arc::clone(&self.in_flight),
                    id: message.id,
                };
                let worker = self.clone();
                sends.spawn(async move {
                    worker.deliver(message).await;
                    drop(guard);
                    drop(permit);
                    // The key's next message, if any, may go now.
                    worker.waker().notify_one();
                });
            }
        }
    }

    /// One attempt, and its outcome recorded. While the store cannot record it, the outcome is
    /// kept and recording retried (the message stays in flight, so it is not sent again
    /// meanwhile).
    async fn deliver(&self, message: Message) {
        let config = self.config();
        let started = Instant::now();
        let sent = self.send(&message).await;
        self.metrics
            .output_duration(&config.name, started.elapsed().as_secs_f64());
        let at = Utc::now();
        let attempt = message.attempts.saturating_add(1);
        let next = match &sent.verdict {
            Verdict::Delivered => NextStep::Delivered,
            Verdict::Retry { .. } if attempt >= config.max_attempts => NextStep::Failed,
            Verdict::Retry { retry_after } => at
                .checked_add_signed(retry_delay(config, message.id, attempt, *retry_after))
                .map_or(NextStep::Failed, NextStep::RetryAt),
            Verdict::Fail => NextStep::Failed,
        };
        let outcome = match next {
            NextStep::Delivered => "delivered",
            NextStep::RetryAt(_) => "retrying",
            NextStep::Failed => "failed",
        };
        self.metrics.output_attempt(&config.name, outcome);
        let mut error = sent.error;
        if let (Some(error), NextStep::Failed, Verdict::Retry { .. }) =
            (&mut error, next, &sent.verdict)
        {
            error.push_str(" (gave up after ");
            error.push_str(&attempt.to_string());
            error.push_str(" attempts)");
        }
        if let Some(error) = &error {
            tracing::warn!(output = %config.name, message_id = message.id, attempt, outcome, %error, "outputs: attempt failed");
            self.outputs.set_last_error(
                self.index,
                LastError {
                    at,
                    error: error.clone(),
                },
            );
        }
        let result = AttemptResult::new(at, sent.status_code, error, next);
        let mut wait = POLL;
        while let Err(error) = self.store.record_attempt(message.id, result.clone()).await {
            if matches!(error, crate::store::StoreError::Closed) {
                // Shutting down: the message stays pending and is sent after the next start.
                return;
            }
            tracing::error!(output = %config.name, message_id = message.id, %error, "outputs: cannot record an attempt; retrying");
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(RECORD_RETRY_MAX);
        }
    }

    async fn send(&self, message: &Message) -> Sent {
        let config = self.config();
        let body = message.body.clone().unwrap_or_default();
        let timestamp = Utc::now().timestamp();
        let mut request = self
            .client
            .post(config.url.expose().clone())
            .timeout(config.timeout())
            .header("webhook-id", &message.webhook_id)
            .header("webhook-timestamp", timestamp.to_string());
        if let Some(secret) = &config.secret {
            request = request.header(
                "webhook-signature",
                secret.sign(&message.webhook_id, timestamp, &body),
            );
        }
        if let Some(content_type) = &message.content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        for (name, value) in &config.headers {
            request = request.header(name, value.expose());
        }
        let mut response = match request.body(body).send().await {
            Ok(response) => response,
            Err(error) => {
                return Sent {
                    verdict: Verdict::Retry { retry_after: None },
                    status_code: None,
                    error: Some(describe(&error, config)),
                };
            }
        };
        let status = response.status();
        if status.is_success() {
            return Sent {
                verdict: Verdict::Delivered,
                status_code: Some(status.as_u16()),
                error: None,
            };
        }
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|value| retry_after(value, Utc::now()));
        // Read past what is kept, so that a secret the page quotes across the cut is scrubbed
        // whole before the text is cut.
        let mut snippet = Vec::new();
        while snippet.len() < ERROR_BODY_BYTES + ERROR_BODY_SLACK {
            match response.chunk().await {
                Ok(Some(chunk)) => snippet.extend_from_slice(&chunk),
                _ => break,
            }
        }
        let retried = status.is_server_error()
            || status == StatusCode::REQUEST_TIMEOUT
            || status == StatusCode::TOO_MANY_REQUESTS;
        Sent {
            verdict: if retried {
                Verdict::Retry { retry_after }
            } else {
                Verdict::Fail
            },
            status_code: Some(status.as_u16()),
            // Frameworks echo the request (its path, its query) in error pages.
            error: Some(http_error(
                status,
                &scrub_headers(
                    scrub(
                        String::from_utf8_lossy(&snippet).into_owned(),
                        config.url.expose(),
                    ),
                    config,
                ),
            )),
        }
    }
}

/// What one attempt came to.
struct Sent {
    verdict: Verdict,
    status_code: Option<u16>,
    error: Option<String>,
}

enum Verdict {
    Delivered,
    /// Worth another attempt (a network error, a timeout, 5xx, 408, 429), after `Retry-After`
    /// if the answer gave one.
    Retry {
        retry_after: Option<Duration>,
    },
    /// Not worth another (any other status).
    Fail,
}

/// `HTTP 503 Service Unavailable: <start of the body>`, printable characters only, at most
/// [`ERROR_BODY_BYTES`] of the body.
fn http_error(status: StatusCode, body: &str) -> String {
    let mut text = format!("HTTP {status}");
    let mut end = body.len().min(ERROR_BODY_BYTES);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let body: String = body
        .get(..end)
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let body = body.trim();
    if !body.is_empty() {
        text.push_str(": ");
        text.push_str(body);
    }
    text
}

/// A transport error, without the URL (which may carry a key): its kind and causes.
fn describe(error: &reqwest::Error, config: &OutputConfig) -> String {
    if error.is_timeout() {
        return format!("timed out after {} s", config.timeout_seconds);
    }
    let mut text = if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // reqwest's own layers repeat the URL; hyper's and the OS's do not.
        if !cause_text.contains("://") {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    scrub(text, config.url.expose())
}

/// Parts shorter than this are not scrubbed one by one: they say nothing and are everywhere.
const SCRUB_MIN_CHARS: usize = 6;

/// `text` without the output's header values, whole or word by word (`Bearer <token>`): an
/// echo of the request may quote them.
fn scrub_headers(mut text: String, config: &OutputConfig) -> String {
    for value in config.headers.values() {
        let value = value.expose();
        let words = value
            .split_whitespace()
            .filter(|w| w.len() >= SCRUB_MIN_CHARS);
        for part in std::iter::once(value).chain(words) {
            if part.len() > 1 && text.contains(part) {
                text = text.replace(part, "…");
            }
        }
    }
    text
}

/// `text` with every part of `url` that may be secret (the user, the password, the path, the
/// query) replaced by `…`, should a cause ever quote one.
fn scrub(mut text: String, url: &reqwest::Url) -> String {
    // (part, the fewest characters it must have to be scrubbed): a one-character path ("/") or
    // user name says nothing and is everywhere; single query values and path segments (which an
    // error page may quote alone: "invalid api key …") count from a few characters up.
    let whole = [
        Some(url.as_str()),
        url.password(),
        Some(url.username()),
        url.query(),
        Some(url.path()),
    ];
    let mut parts: Vec<(String, usize)> = whole
        .into_iter()
        .flatten()
        .map(|part| (part.to_owned(), 2))
        .collect();
    let raw_values = url
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('=').map(|(_, value)| value.to_owned()));
    let decoded_values = url.query_pairs().map(|(_, value)| value.into_owned());
    let segments = url.path().split('/').map(str::to_owned);
    parts.extend(
        raw_values
            .chain(decoded_values)
            .chain(segments)
            .map(|part| (part, SCRUB_MIN_CHARS)),
    );
    // Longest first, so that a part is replaced before a piece of it.
    parts.sort_by_key(|(part, _)| std::cmp::Reverse(part.len()));
    for (part, fewest) in &parts {
        if part.len() >= *fewest && text.contains(part.as_str()) {
            text = text.replace(part.as_str(), "…");
        }
    }
    text
}

/// A `Retry-After` value: seconds, or an HTTP date (RFC 2822 form).
fn retry_after(value: &HeaderValue, now: DateTime<Utc>) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(text).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// The wait before attempt `attempt + 1`: `retry_initial` doubled per attempt made, with
/// jitter (between half and all of it), at most `retry_max`; or `Retry-After`, when the answer
/// gave one that is longer (capped by `retry_max` too: a zero or past `Retry-After` does not
/// make the attempts go at once).
fn retry_delay(
    config: &OutputConfig,
    message: i64,
    attempt: u32,
    retry_after: Option<Duration>,
) -> chrono::Duration {
    let max = Duration::from_secs(config.retry_max_seconds);
    let doubled = Duration::from_secs(config.retry_initial_seconds)
        .checked_mul(
            1u32.checked_shl(attempt.saturating_sub(1))
                .unwrap_or(u32::MAX),
        )
        .unwrap_or(max)
        .min(max);
    // Equal jitter: half fixed, half random, so that messages failed together spread out.
    let random = std::collections::hash_map::RandomState::new().hash_one((message, attempt));
    let half = doubled / 2;
    #[allow(clippy::cast_precision_loss)]
    let fraction = (random % 1_000_000) as f64 / 1_000_000.0;
    let backoff = half + half.mul_f64(fraction);
    let delay = retry_after.map_or(backoff, |asked| asked.min(max).max(backoff));
    chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::outputs::{OutputUrl, Trigger};

    fn config(initial: u64, max: u64) -> OutputConfig {
        OutputConfig::new(
            "o",
            OutputUrl::parse("http://127.0.0.1:1/").unwrap(),
            [Trigger::Opened],
        )
        .with_retries(15, initial, max)
    }

    #[test]
    fn dropped_messages_are_logged_at_most_every_interval_however_often_they_come() {
        let outputs = Outputs::new(vec![config(5, 60)]);
        assert!(outputs.dropped("o", 1), "the first drop is logged");
        assert!(
            !outputs.dropped("o", 2),
            "the next ones within the interval are not"
        );
        let error = outputs.last_error(0).unwrap().error;
        assert_eq!(
            error,
            "the outbox is full (100000 messages pending): 2 new message(s) dropped"
        );
        // Once the interval has passed since the last *log line* (not the last drop), again.
        *lock(&outputs.drops_logged).get_mut(0).unwrap() =
            Instant::now().checked_sub(DROP_LOG_INTERVAL);
        assert!(outputs.dropped("o", 1));
        assert!(!outputs.dropped("unknown", 1));
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_maximum() {
        let config = config(5, 3600);
        for (attempt, full) in [
            (1, 5),
            (2, 10),
            (3, 20),
            (4, 40),
            (10, 2560),
            (11, 3600),
            (40, 3600),
        ] {
            let delay = retry_delay(&config, 7, attempt, None).num_milliseconds();
            let full_ms = full * 1000;
            assert!(
                (full_ms / 2..=full_ms).contains(&delay),
                "attempt {attempt}: {delay} ms not within [{}, {full_ms}]",
                full_ms / 2
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_maximum() {
        let config = config(5, 60);
        let seconds = |d: chrono::Duration| d.num_seconds();
        assert_eq!(
            seconds(retry_delay(&config, 1, 1, Some(Duration::from_secs(30)))),
            30
        );
        assert_eq!(
            seconds(retry_delay(&config, 1, 1, Some(Duration::from_secs(7200)))),
            60
        );
        let now = DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let value = HeaderValue::from_static("Mon, 30 Nov 2026 10:00:42 GMT");
        assert_eq!(retry_after(&value, now), Some(Duration::from_secs(42)));
        assert_eq!(
            retry_after(&HeaderValue::from_static("120"), now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(retry_after(&HeaderValue::from_static("soon"), now), None);
    }

    #[test]
    fn an_error_quoting_a_part_of_the_url_is_scrubbed() {
        let url =
            reqwest::Url::parse("https://bot:pw-1@h.example/hooks/T0-1?x-api-key=k-1").unwrap();
        let text = scrub(
            "failed for /hooks/T0-1 with x-api-key=k-1 as bot:pw-1; see /".to_owned(),
            &url,
        );
        assert_eq!(text, "failed for … with … as …:…; see /");
        let url = reqwest::Url::parse(
            "https://h.example/services/T0ABCDEF/B0ABCDEF/XXXXXXXX?key=a%2Bsecret1",
        )
        .unwrap();
        let text = scrub(
            "invalid key a+secret1 for B0ABCDEF (path /services/T0ABCDEF/B0ABCDEF/XXXXXXXX)"
                .to_owned(),
            &url,
        );
        assert_eq!(text, "invalid key … for … (path …)");
    }

    #[test]
    fn an_http_error_keeps_the_start_of_the_body_printable() {
        let text = http_error(StatusCode::BAD_GATEWAY, "upstream\n\x1b[31mdown");
        assert_eq!(text, "HTTP 502 Bad Gateway: upstream  [31mdown");
        let long = "x".repeat(1000);
        assert_eq!(
            http_error(StatusCode::GONE, &long).len(),
            "HTTP 410 Gone: ".len() + ERROR_BODY_BYTES
        );
    }
}
