//! Notification → events: pure functions over the mirrored payload. The mapping tables are in
//! the adapter's README.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Write as _;

use bytes::Bytes;
use pager_core::severity::UrgencyMap;
use pager_core::text::truncate;
use pager_core::{Action, AdditionalData, DataFormat, Event, Limits, Meta, Urgency, is_http_url};
use serde_json::value::RawValue;

use crate::config::{Config, KeyForm, Watchdog};
use crate::keys::{group_key, sha256_hex};
use crate::links::push_links;
use crate::payload::{Alert, AlertStatus, Labels, Notification, unquote_meta};
use crate::silence::silence_link;

static NO_LABELS: Labels<'static> = Labels::new();
/// At most this many distinct alert summaries in a group description; the other alerts are
/// counted.
const MAX_SUMMARY_LINES: usize = 5;
/// At most this many alertnames spelled out in a group title.
const MAX_TITLE_NAMES: usize = 3;

/// Everything the mapping needs besides the payload.
pub(crate) struct Mapper<'c> {
    pub config: &'c Config,
    pub limits: &'c Limits,
    pub urgency: &'c UrgencyMap,
}

impl Mapper<'_> {
    /// Group mode: one event for the whole notification. Its `meta` holds only `key_source`
    /// and `reason`: the notification itself is the raw body.
    pub fn group_event(&self, n: &Notification<'_>) -> Event {
        let ctx = Context::new(n);
        let (key, key_source) = group_key(n);
        let other_form = sha256_hex(&key);
        let (thirdparty_id, second_key) = match self.config.key {
            KeyForm::Raw => (key.into_owned(), other_form),
            KeyForm::Sha256 => (other_form, key.into_owned()),
        };
        let (action, reason) = group_action(n, ctx.truncated);
        Event::new(action, thirdparty_id, self.group_title(n, &ctx))
            .with_dedup_key(second_key)
            .with_description(self.group_description(n, &ctx))
            .with_urgency(self.group_urgency(n, &ctx))
            .with_tags(self.tags(&n.alerts.iter()))
            .with_additional_data(group_data(n, &ctx))
            .with_meta(
                Meta::new()
                    .with("key_source", key_source)
                    .with_optional("reason", reason),
            )
    }

    /// Alert mode: one event per entry of `alerts[]`; `raw_alerts` is each alert's text in
    /// `body`, in the same order, carried verbatim in its event's `meta`.
    pub fn alert_events(
        &self,
        n: &Notification<'_>,
        body: &Bytes,
        raw_alerts: &[&RawValue],
    ) -> Vec<Event> {
        let ctx = Context::new(n);
        n.alerts
            .iter()
            .zip(raw_alerts)
            .map(|(alert, raw)| self.alert_event(n, &ctx, alert, body, raw))
            .collect()
    }

    fn alert_event(
        &self,
        n: &Notification<'_>,
        ctx: &Context<'_>,
        alert: &Alert<'_>,
        body: &Bytes,
        raw: &RawValue,
    ) -> Event {
        let (action, reason) = match alert.status() {
            AlertStatus::Firing => (Action::Create, None),
            AlertStatus::Resolved => (Action::Resolve, None),
            AlertStatus::Unknown => (
                Action::Other,
                Some("the alert's status is neither firing nor resolved"),
            ),
        };
        let labels = alert.labels.as_ref().unwrap_or(&NO_LABELS);
        let base = alert
            .label("alertname")
            .filter(|s| !s.is_empty())
            .or_else(|| alert.annotation("summary").filter(|s| !s.is_empty()))
            .unwrap_or("Prometheus alert");
        let severity_label = self.config.severity_label.as_str();
        let title = self.title_with_labels(
            base,
            labels
                .iter()
                .filter(|(k, _)| *k != "alertname" && *k != severity_label),
        );
        let description = alert
            .summary()
            .map(|d| truncate(d, self.limits.max_description_chars).into_owned());
        let urgency = alert
            .label(severity_label)
            .and_then(|s| self.urgency.get(s));

        // Sized once for what follows (labels, reason, times, links, silence): a doubling
        // vector per event was a large share of alert mode's peak heap.
        let annotations = alert.annotations.as_ref().map_or(0, Labels::len);
        let mut data = ctx.header_data(labels.len() + annotations + 6);
        data.extend(
            labels
                .iter()
                .map(|(k, v)| AdditionalData::text(k.to_owned(), v)),
        );
        if let Some(reason) = n.notification_reason.as_deref() {
            data.push(AdditionalData::text("Notification reason", reason));
        }
        if let Some(starts_at) = alert.starts_at.as_deref().filter(|s| !s.is_empty()) {
            data.push(AdditionalData::datetime("Started at", starts_at));
        }
        if let Some(ends_at) = alert.ends_at() {
            data.push(AdditionalData::datetime("Ended at", ends_at));
        }
        push_links(&mut data, std::iter::once(alert));
        data.extend(silence_link(ctx.external_url, labels));

        let sent = alert.fingerprint.as_deref().is_some_and(|f| !f.is_empty());
        let meta = Meta::new()
            .verbatim("alert", body, raw)
            .with("key_source", if sent { "fingerprint" } else { "labels" })
            .with_optional("reason", reason);
        Event::new(action, alert.fingerprint().into_owned(), title)
            .with_description(description)
            .with_urgency(urgency)
            .with_tags(self.tags(&std::iter::once(alert)))
            .with_additional_data(data)
            .with_meta(meta)
    }

    /// A watchdog alert (the `watchdog` option): never a state change. Firing, it pings the
    /// heartbeat (`meta.heartbeat`); resolved (Alertmanager gave up on it), it is only noted.
    /// Keyed on the alert's fingerprint, like an alert-mode event.
    pub fn watchdog_event(&self, watchdog: &Watchdog, alert: &Alert<'_>) -> Event {
        let firing = alert.status() == AlertStatus::Firing;
        let reason = if firing {
            "watchdog: the sender is alive (a heartbeat ping), not an incident"
        } else {
            "watchdog not firing: not a heartbeat ping"
        };
        let sent = alert.fingerprint.as_deref().is_some_and(|f| !f.is_empty());
        let mut meta = Meta::new()
            .with("key_source", if sent { "fingerprint" } else { "labels" })
            .with("reason", reason);
        if firing {
            meta = meta.with(pager_core::HEARTBEAT_META_KEY, watchdog.heartbeat.as_str());
        }
        let title = self.title_with_labels(&watchdog.alertname, std::iter::empty());
        Event::new(Action::Other, alert.fingerprint().into_owned(), title)
            .with_description(
                alert
                    .summary()
                    .map(|d| truncate(d, self.limits.max_description_chars).into_owned()),
            )
            .with_meta(meta)
    }

    fn group_title(&self, n: &Notification<'_>, ctx: &Context<'_>) -> String {
        self.title_with_labels(
            &group_title_base(n, ctx),
            ctx.group_labels.iter().filter(|(k, _)| *k != "alertname"),
        )
    }

    /// `base (k=v, k=v)`, on one line, cut to `max_title_chars`.
    fn title_with_labels<'l>(
        &self,
        base: &str,
        labels: impl Iterator<Item = (&'l str, &'l str)>,
    ) -> String {
        let mut title = String::from(base);
        for (i, (k, v)) in labels.enumerate() {
            title.push_str(if i == 0 { " (" } else { ", " });
            title.push_str(k);
            title.push('=');
            title.push_str(v);
        }
        if title.len() > base.len() {
            title.push(')');
        }
        if title.contains(char::is_control) {
            title = title
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
        }
        if title.trim().is_empty() {
            return "Prometheus alert".to_owned();
        }
        match truncate(&title, self.limits.max_title_chars) {
            Cow::Owned(cut) => cut,
            Cow::Borrowed(_) => title,
        }
    }

    fn group_description(&self, n: &Notification<'_>, ctx: &Context<'_>) -> Option<String> {
        let common = n.common_annotations.as_ref();
        let from_common = ["summary", "description"]
            .iter()
            .find_map(|k| common.and_then(|c| c.get(k)).filter(|s| !s.is_empty()));
        let text: Cow<'_, str> = if let Some(text) = from_common {
            Cow::Borrowed(text)
        } else {
            // The first few distinct (alertname, summary) lines, and how many alerts they
            // leave out.
            let mut shown: Vec<(Option<&str>, &str)> = Vec::new();
            let mut more = 0_usize;
            for a in relevant_alerts(n, ctx) {
                let Some(text) = a.summary() else {
                    continue;
                };
                let line = (a.label("alertname").filter(|s| !s.is_empty()), text);
                if shown.contains(&line) {
                    continue;
                }
                if shown.len() < MAX_SUMMARY_LINES {
                    shown.push(line);
                } else {
                    more += 1;
                }
            }
            if shown.is_empty() {
                return None;
            }
            let mut lines: Vec<String> = shown
                .iter()
                .map(|(name, text)| match name {
                    Some(name) => format!("- {name}: {text}"),
                    None => format!("- {text}"),
                })
                .collect();
            if more > 0 {
                let noun = if more == 1 { "alert" } else { "alerts" };
                lines.push(format!("- … and {more} more {noun}"));
            }
            Cow::Owned(lines.join("\n"))
        };
        Some(truncate(&text, self.limits.max_description_chars).into_owned())
    }

    /// `commonLabels.<severity>`, else the highest urgency among the alerts that matter.
    fn group_urgency(&self, n: &Notification<'_>, ctx: &Context<'_>) -> Option<Urgency> {
        let label = self.config.severity_label.as_str();
        if let Some(common) = ctx.common_labels.get(label) {
            return self.urgency.get(common);
        }
        relevant_alerts(n, ctx)
            .filter_map(|a| self.urgency.get(a.label(label)?))
            .max()
    }

    /// `name:value` for each configured tag label, each value once, sorted.
    fn tags<'a>(&self, alerts: &(impl Iterator<Item = &'a Alert<'a>> + Clone)) -> Vec<String> {
        let mut tags = Vec::new();
        for name in &self.config.tag_labels {
            let values: BTreeSet<&str> = alerts
                .clone()
                .filter_map(|a| a.label(name))
                .filter(|v| !v.is_empty())
                .collect();
            tags.extend(values.into_iter().map(|v| format!("{name}:{v}")));
        }
        tags
    }
}

fn group_data(n: &Notification<'_>, ctx: &Context<'_>) -> Vec<AdditionalData> {
    let mut data = ctx.header_data(ctx.common_labels.len() + 8);
    data.extend(
        ctx.common_labels
            .iter()
            .map(|(k, v)| AdditionalData::text(k.to_owned(), v)),
    );
    if let Some(reason) = n.notification_reason.as_deref() {
        data.push(AdditionalData::text("Notification reason", reason));
    }
    data.push(AdditionalData::text("Firing", ctx.firing.to_string()));
    data.push(AdditionalData::text("Resolved", ctx.resolved.to_string()));
    if ctx.truncated > 0 {
        data.push(AdditionalData::text("Truncated", ctx.truncated.to_string()));
    }
    if let Some(first) = earliest(n.alerts.iter().filter_map(|a| a.starts_at.as_deref())) {
        data.push(AdditionalData::datetime("Started at", first));
    }
    // Firing alerts' links first: in a partial resolution they are the ones to act on.
    let (firing, others): (Vec<&Alert<'_>>, Vec<&Alert<'_>>) = n
        .alerts
        .iter()
        .partition(|a| a.status() == AlertStatus::Firing);
    push_links(&mut data, firing.into_iter().chain(others));
    let silence_labels = if ctx.common_labels.is_empty() {
        ctx.group_labels
    } else {
        ctx.common_labels
    };
    data.extend(silence_link(ctx.external_url, silence_labels));
    data
}

fn group_action(n: &Notification<'_>, truncated: u64) -> (Action, Option<&'static str>) {
    match n.status.as_str() {
        "firing" => (Action::Create, None),
        "resolved" if truncated > 0 => (
            Action::Other,
            Some(
                "status is resolved, but max_alerts truncated alerts from this notification and the status is computed on the visible ones only: hidden alerts may still be firing, so the group is not resolved",
            ),
        ),
        "resolved" => (Action::Resolve, None),
        _ => (
            Action::Other,
            Some("the notification's status is neither firing nor resolved"),
        ),
    }
}

/// What both modes derive from a notification once.
struct Context<'n> {
    receiver: Cow<'n, str>,
    external_url: Option<&'n str>,
    group_labels: &'n Labels<'n>,
    common_labels: &'n Labels<'n>,
    firing: usize,
    resolved: usize,
    truncated: u64,
}

impl<'n> Context<'n> {
    fn new(n: &'n Notification<'n>) -> Self {
        let count = |status| n.alerts.iter().filter(|a| a.status() == status).count();
        Self {
            receiver: unquote_meta(n.receiver.as_deref().unwrap_or_default()),
            // Checked once here; links built from it need no further check.
            external_url: n.external_url.as_deref().filter(|u| is_http_url(u)),
            group_labels: n.group_labels.as_ref().unwrap_or(&NO_LABELS),
            common_labels: n.common_labels.as_ref().unwrap_or(&NO_LABELS),
            firing: count(AlertStatus::Firing),
            resolved: count(AlertStatus::Resolved),
            truncated: n.truncated_alerts.unwrap_or(0),
        }
    }

    /// PagerTree's first two entries: the Alertmanager link and the receiver, in a vector with
    /// room for `more` entries after them.
    fn header_data(&self, more: usize) -> Vec<AdditionalData> {
        let mut data = Vec::with_capacity(2 + more);
        data.extend(
            self.external_url
                .map(|u| AdditionalData::new(DataFormat::Link, "Alert Manager URL", u)),
        );
        if !self.receiver.is_empty() {
            data.push(AdditionalData::text("Receiver", self.receiver.as_ref()));
        }
        data
    }
}

/// The firing alerts, or every alert when none fires (a resolved notification).
fn relevant_alerts<'a>(
    n: &'a Notification<'a>,
    ctx: &Context<'_>,
) -> impl Iterator<Item = &'a Alert<'a>> + Clone {
    let any_firing = ctx.firing > 0;
    n.alerts
        .iter()
        .filter(move |a| !any_firing || a.status() == AlertStatus::Firing)
}

/// What a group is about: its common alertname; else the distinct alertnames of the alerts that
/// matter (a few, then `+N more`); else, only when no alert has a name, the generic
/// `Prometheus <receiver> <status>`.
fn group_title_base<'n>(n: &'n Notification<'n>, ctx: &Context<'n>) -> Cow<'n, str> {
    if let Some(name) = ctx.common_labels.get("alertname").filter(|s| !s.is_empty()) {
        return Cow::Borrowed(name);
    }
    let mut seen = BTreeSet::new();
    let names: Vec<&str> = relevant_alerts(n, ctx)
        .filter_map(|a| a.label("alertname"))
        .filter(|s| !s.is_empty() && seen.insert(*s))
        .collect();
    if names.is_empty() {
        return Cow::Owned(if ctx.receiver.is_empty() {
            format!("Prometheus {}", n.status)
        } else {
            format!("Prometheus {} {}", ctx.receiver, n.status)
        });
    }
    let mut joined = names
        .iter()
        .take(MAX_TITLE_NAMES)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MAX_TITLE_NAMES {
        let _ = write!(joined, " +{} more", names.len() - MAX_TITLE_NAMES);
    }
    Cow::Owned(joined)
}

/// The earliest of some RFC 3339 timestamps, as written; unparseable ones are skipped.
fn earliest<'a>(times: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    times
        .filter_map(|t| chrono::DateTime::parse_from_rfc3339(t).ok().map(|d| (d, t)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_compares_times_not_text() {
        // 08:10:01.5+05:30 is 02:40:01.5Z, before 03:44:01Z although its text sorts after.
        let mixed = [
            "2026-11-22T03:44:01Z",
            "2026-11-22T08:10:01.5+05:30",
            "garbage",
        ];
        assert_eq!(
            earliest(mixed.into_iter()),
            Some("2026-11-22T08:10:01.5+05:30")
        );
        assert_eq!(earliest(["xxxxZ"].into_iter()), None);
        assert_eq!(earliest(std::iter::empty()), None);
    }
}
