//! A notification → its event. Pure functions over the payload; the mapping table is in the
//! adapter's README.

use std::borrow::Cow;

use pager_core::json::non_blank;
use pager_core::template::Value;
use pager_core::text::url_without_secrets;
use pager_core::{Action, AdditionalData, Error, Event, Meta};

use crate::payload::{Heartbeat, Monitor, Notification};

/// The key of notifications about no monitor (tests, expiry notices).
pub(crate) const NOTICE_KEY: &str = "notice";

/// The heartbeat's `status` (Uptime Kuma's `DOWN`, `UP`, `PENDING`, `MAINTENANCE`).
#[derive(Clone, Copy)]
enum Status {
    Down,
    Up,
    Pending,
    Maintenance,
}

impl Status {
    fn read(text: &str) -> Option<Self> {
        match text {
            "0" => Some(Self::Down),
            "1" => Some(Self::Up),
            "2" => Some(Self::Pending),
            "3" => Some(Self::Maintenance),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Down => "down",
            Self::Up => "up",
            Self::Pending => "pending",
            Self::Maintenance => "under maintenance",
        }
    }
}

/// The one event a notification stands for.
pub(crate) fn event(notification: &Notification<'_>) -> Result<Event, Error> {
    let heartbeat = notification.heartbeat.as_deref();
    let monitor = notification.monitor.as_deref();
    if heartbeat.is_none() && monitor.is_none() {
        return Ok(notice(notification));
    }
    let Some(id) = monitor
        .and_then(|m| m.id.as_ref().and_then(Value::non_blank))
        .or_else(|| heartbeat.and_then(|h| h.monitor_id.as_ref().and_then(Value::non_blank)))
    else {
        return Err(Error::invalid(
            "monitor.id",
            "missing: a notification about a heartbeat needs the monitor's id (or heartbeat.monitorID)",
        ));
    };
    let name = monitor
        .and_then(|m| non_blank(m.path_name.as_ref()).or_else(|| non_blank(m.name.as_ref())))
        .map_or_else(|| format!("Uptime Kuma monitor {id}"), str::to_owned);
    let status_text = heartbeat.and_then(|h| h.status.as_ref().and_then(Value::non_blank));
    let status = status_text.and_then(Status::read);
    let (action, reason) = match (status, status_text) {
        (Some(Status::Down), _) => (Action::Create, None),
        (Some(Status::Up), _) => (Action::Resolve, None),
        (Some(Status::Pending), _) => (
            Action::Other,
            Some(
                "pending: the check failed and Uptime Kuma is retrying before it calls the monitor down"
                    .to_owned(),
            ),
        ),
        (Some(Status::Maintenance), _) => (
            Action::Other,
            Some(
                "maintenance: checks are paused by a maintenance window; neither an outage nor a recovery"
                    .to_owned(),
            ),
        ),
        (None, Some(other)) => (
            Action::Other,
            Some(format!("heartbeat status {other:?} is not 0, 1, 2 or 3")),
        ),
        (None, None) => (
            Action::Other,
            Some("no heartbeat status: not a state change".to_owned()),
        ),
    };
    let title = match status {
        Some(status) => format!("{name} is {}", status.name()),
        None => name,
    };
    let description = heartbeat
        .and_then(|h| non_blank(h.msg.as_ref()))
        .or_else(|| non_blank(notification.msg.as_ref()))
        .map(|msg| redact_urls(msg).into_owned());
    // Set by the PagerTree provider's user; the webhook provider sends none.
    let urgency = non_blank(notification.urgency.as_ref())
        .and_then(|u| pager_core::severity::UrgencyMap::default().get(u))
        .filter(|_| action == Action::Create);
    let event = Event::new(action, id, title)
        .with_description(description)
        .with_urgency(urgency)
        .with_tags(monitor.map(tags).unwrap_or_default())
        .with_additional_data(additional_data(id, monitor, heartbeat, status))
        .with_meta(
            Meta::new()
                .with_optional("status", status_text)
                .with_optional("reason", reason),
        );
    Ok(event)
}

/// A notification without heartbeat and monitor: the "Test" button, or a certificate or
/// domain expiry notice (`msg` only). Nothing identifies a monitor, so it opens nothing.
fn notice(notification: &Notification<'_>) -> Event {
    let msg =
        non_blank(notification.msg.as_ref()).or_else(|| non_blank(notification.title.as_ref()));
    let title = msg
        .and_then(|msg| msg.lines().map(str::trim).find(|line| !line.is_empty()))
        .map_or(Cow::Borrowed("Uptime Kuma notification"), redact_urls);
    let reason = if msg.is_some_and(|msg| msg.ends_with(" Testing")) {
        "a test notification (no heartbeat, no monitor)"
    } else {
        "no heartbeat and no monitor (a certificate or domain expiry notice): nothing identifies an alert"
    };
    Event::new(Action::Other, NOTICE_KEY, title.into_owned())
        .with_description(msg.map(|msg| redact_urls(msg).into_owned()))
        .with_meta(Meta::new().with("reason", reason))
}

/// `name`, or `name:value`.
fn tags(monitor: &Monitor<'_>) -> Vec<String> {
    monitor
        .tags
        .iter()
        .filter_map(|tag| {
            let name = non_blank(tag.name.as_ref())?;
            Some(match tag.value.as_ref().and_then(Value::non_blank) {
                Some(value) => format!("{name}:{value}"),
                None => name.to_owned(),
            })
        })
        .collect()
}

fn additional_data(
    id: &str,
    monitor: Option<&Monitor<'_>>,
    heartbeat: Option<&Heartbeat<'_>>,
    status: Option<Status>,
) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    if let Some(link) = monitor
        .and_then(|m| non_blank(m.url.as_ref()))
        .and_then(|url| AdditionalData::link("Monitor URL", &url_without_secrets(url)))
    {
        data.push(link);
    }
    if let Some(name) = monitor.and_then(|m| non_blank(m.name.as_ref())) {
        data.push(AdditionalData::text("Monitor", name));
    }
    data.push(AdditionalData::text("Monitor ID", id));
    if let Some(kind) = monitor.and_then(|m| non_blank(m.kind.as_ref())) {
        data.push(AdditionalData::text("Monitor type", kind));
    }
    if let Some(host) = monitor.and_then(|m| non_blank(m.hostname.as_ref())) {
        let host = match monitor.and_then(|m| m.port.as_ref().and_then(Value::non_blank)) {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        data.push(AdditionalData::text("Host", host));
    }
    if let Some(status) = status {
        data.push(AdditionalData::text("Status", status.name()));
    }
    if let Some(ping) = heartbeat.and_then(|h| h.ping.as_ref().and_then(Value::non_blank)) {
        data.push(AdditionalData::text("Response time", format!("{ping} ms")));
    }
    if let Some(description) = monitor.and_then(|m| non_blank(m.description.as_ref())) {
        data.push(AdditionalData::text("Monitor description", description));
    }
    for (label, at) in [
        (
            "Heartbeat at",
            heartbeat.and_then(|h| non_blank(h.time.as_ref())),
        ),
        (
            "Down since",
            heartbeat.and_then(|h| non_blank(h.last_down_time.as_ref())),
        ),
    ] {
        if let Some(at) = at.and_then(utc_to_rfc3339) {
            data.push(AdditionalData::datetime(label, at));
        }
    }
    data
}

/// Uptime Kuma's UTC times (`2025-01-02 10:00:00.123`, milliseconds optional) as RFC 3339.
fn utc_to_rfc3339(text: &str) -> Option<String> {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|t| {
            t.and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        })
}

/// Free text with every `http(s)://` URL in it redacted as [`url_without_secrets`] does: a certificate
/// notice quotes the monitor's URL.
fn redact_urls(text: &str) -> Cow<'_, str> {
    // ASCII lowercasing keeps byte offsets, so positions in `lower` are positions in `text`.
    let lower = text.to_ascii_lowercase();
    let mut out = String::new();
    let mut done = 0;
    let mut changed = false;
    while let Some(start) = next_url(&lower, done) {
        let from = text.get(start..).unwrap_or_default();
        let end = from
            .find(|c: char| c.is_whitespace() || matches!(c, ']' | ')' | '"' | '\'' | '<' | '>'))
            .unwrap_or(from.len());
        let url = from.get(..end).unwrap_or_default();
        let redacted = url_without_secrets(url);
        changed |= redacted.len() != url.len();
        out.push_str(text.get(done..start).unwrap_or_default());
        out.push_str(&redacted);
        done = start + end;
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(text.get(done..).unwrap_or_default());
    Cow::Owned(out)
}

/// Where the next `http://` or `https://` starts at or after `from`.
fn next_url(lower: &str, mut from: usize) -> Option<usize> {
    loop {
        let at = from + lower.get(from..)?.find("http")?;
        let after = lower.get(at..)?;
        if after.starts_with("http://") || after.starts_with("https://") {
            return Some(at);
        }
        from = at + 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_credentials_query_and_fragment() {
        assert_eq!(
            url_without_secrets("https://user:pw@host.example:8443/a/b?token=x#f"),
            "https://host.example:8443/a/b"
        );
        assert_eq!(url_without_secrets("https://host/a"), "https://host/a");
        assert!(matches!(
            url_without_secrets("https://host/a"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            redact_urls("[API][https://u:p@h.example/x?k=1] server certificate h will expire"),
            "[API][https://h.example/x] server certificate h will expire"
        );
        assert_eq!(redact_urls("no url here"), "no url here");
    }

    #[test]
    fn times_are_read_as_utc() {
        assert_eq!(
            utc_to_rfc3339("2025-01-02 10:00:00.123").as_deref(),
            Some("2025-01-02T10:00:00.123Z")
        );
        assert_eq!(
            utc_to_rfc3339("2025-01-02 10:00:00").as_deref(),
            Some("2025-01-02T10:00:00.000Z")
        );
        assert_eq!(utc_to_rfc3339("yesterday"), None);
    }
}
