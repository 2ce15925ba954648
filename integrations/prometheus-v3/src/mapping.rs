//! Notification → events. Pure functions over the mirrored payload; the recipes are written
//! out in the adapter's README.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Write as _;

use pager_core::text::truncate;
use pager_core::{Action, AdditionalData, DataFormat, Event, Limits, Urgency, is_http_url};
use serde::Serialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::config::{Config, KeyForm};
use crate::payload::{Alert, AlertStatus, Labels, Notification, unquote_meta};
use crate::urgency::UrgencyMap;

static NO_LABELS: Labels<'static> = Labels::new();
/// At most this many links of one kind (source, runbook, …) per event, so a 1000-alert group
/// does not carry 1000 links.
const MAX_LINKS_PER_KIND: usize = 10;
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
    /// Group mode: one event for the whole notification, whose body was `body_len` bytes.
    pub fn group_event(
        &self,
        n: &Notification<'_>,
        body_len: usize,
    ) -> Result<Event, serde_json::Error> {
        let ctx = Context::new(n);
        let (key, key_source) = group_key(n);
        let other_form = sha256_hex(&key);
        let (thirdparty_id, second_key) = match self.config.key {
            KeyForm::Raw => (key.into_owned(), other_form),
            KeyForm::Sha256 => (other_form, key.into_owned()),
        };
        let (action, reason) = group_action(n, ctx.truncated);
        let event = Event::new(action, thirdparty_id, self.group_title(n, &ctx))
            .with_dedup_key(second_key)
            .with_description(self.group_description(n, &ctx))
            .with_urgency(self.group_urgency(n, &ctx))
            .with_tags(self.tags(&n.alerts.iter()))
            .with_additional_data(Self::group_data(n, &ctx));
        with_group_meta(event, n, &ctx, (key_source, reason), body_len)
    }

    /// Alert mode: one event per entry of `alerts[]`.
    pub fn alert_events(&self, n: &Notification<'_>) -> Result<Vec<Event>, serde_json::Error> {
        let ctx = Context::new(n);
        // The same in every event: serialized once, then copied into each `meta` verbatim.
        let group = serde_json::value::to_raw_value(&ctx.group_ref(n, false))?;
        let mut events = Vec::with_capacity(n.alerts.len());
        for alert in &n.alerts {
            events.push(self.alert_event(n, &ctx, &group, alert)?);
        }
        Ok(events)
    }

    fn alert_event(
        &self,
        n: &Notification<'_>,
        ctx: &Context<'_>,
        group: &RawValue,
        alert: &Alert<'_>,
    ) -> Result<Event, serde_json::Error> {
        let meta = AlertMeta::new(alert);
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

        Event::new(action, meta.fingerprint.clone().into_owned(), title)
            .with_description(description)
            .with_urgency(urgency)
            .with_tags(self.tags(&std::iter::once(alert)))
            .with_additional_data(data)
            .with_meta(&AlertEventMeta {
                alert: meta,
                group,
                reason,
            })
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
        let mut chars = base.chars().count();
        for (i, (k, v)) in labels.enumerate() {
            title.push_str(if i == 0 { " (" } else { ", " });
            title.push_str(k);
            title.push('=');
            title.push_str(v);
            chars += 3 + k.chars().count() + v.chars().count();
            if chars > self.limits.max_title_chars {
                break;
            }
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
            // The first few distinct (alertname, summary) lines, borrowed, and how many alerts
            // they leave out: nothing is formatted or collected for the alerts past them.
            let mut shown: Vec<(Option<&str>, &str)> = Vec::with_capacity(MAX_SUMMARY_LINES);
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
            let mut out = String::new();
            for (i, (name, text)) in shown.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                let _ = match name {
                    Some(name) => write!(out, "- {name}: {text}"),
                    None => write!(out, "- {text}"),
                };
            }
            if more > 0 {
                let noun = if more == 1 { "alert" } else { "alerts" };
                let _ = write!(out, "\n- … and {more} more {noun}");
            }
            Cow::Owned(out)
        };
        Some(truncate(&text, self.limits.max_description_chars).into_owned())
    }

    fn group_urgency(&self, n: &Notification<'_>, ctx: &Context<'_>) -> Option<Urgency> {
        let label = self.config.severity_label.as_str();
        if let Some(common) = ctx.common_labels.get(label) {
            return self.urgency.get(common);
        }
        // Neighbouring alerts mostly share a severity: remember the last lookup.
        let mut last: Option<(&str, Option<Urgency>)> = None;
        relevant_alerts(n, ctx)
            .filter_map(|a| {
                let severity = a.label(label)?;
                match last {
                    Some((seen, urgency)) if seen == severity => urgency,
                    _ => {
                        let urgency = self.urgency.get(severity);
                        last = Some((severity, urgency));
                        urgency
                    }
                }
            })
            .max()
    }

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
        let firing = n
            .alerts
            .iter()
            .filter(|a| a.status() == AlertStatus::Firing);
        let others = n
            .alerts
            .iter()
            .filter(|a| a.status() != AlertStatus::Firing);
        push_links(&mut data, firing.chain(others));
        let silence_labels = if ctx.common_labels.is_empty() {
            ctx.group_labels
        } else {
            ctx.common_labels
        };
        data.extend(silence_link(ctx.external_url, silence_labels));
        data
    }
}

/// Sets group mode's `meta` on `event`: `why` is the key source and the reason for `other`.
fn with_group_meta(
    event: Event,
    n: &Notification<'_>,
    ctx: &Context<'_>,
    (key_source, reason): (&'static str, Option<&'static str>),
    body_len: usize,
) -> Result<Event, serde_json::Error> {
    let meta = GroupMeta {
        group: ctx.group_ref(n, true),
        common_annotations: n.common_annotations.as_ref().unwrap_or(&NO_LABELS),
        counts: ctx.counts(),
        key_source,
        reason,
        alerts: AlertsMeta(&n.alerts),
    };
    // `meta` re-serializes the whole notification: about the body's size.
    event.with_meta_sized(&meta, body_len + body_len / 8 + 1024)
}

/// Parts of the adapter's work on their own, for the benchmarks' breakdown of where the time
/// goes (`pager_prometheus_v3::parts`).
pub(crate) fn group_meta_only(
    n: &Notification<'_>,
    body_len: usize,
) -> Result<Event, serde_json::Error> {
    let ctx = Context::new(n);
    let (_, key_source) = group_key(n);
    let (_, reason) = group_action(n, ctx.truncated);
    let bare = Event::new(Action::Other, String::new(), String::new());
    with_group_meta(bare, n, &ctx, (key_source, reason), body_len)
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
        let firing = n
            .alerts
            .iter()
            .filter(|a| a.status() == AlertStatus::Firing)
            .count();
        let resolved = n
            .alerts
            .iter()
            .filter(|a| a.status() == AlertStatus::Resolved)
            .count();
        Self {
            receiver: unquote_meta(n.receiver.as_deref().unwrap_or_default()),
            // Checked once here; links built from it need no further check.
            external_url: n.external_url.as_deref().filter(|u| is_http_url(u)),
            group_labels: n.group_labels.as_ref().unwrap_or(&NO_LABELS),
            common_labels: n.common_labels.as_ref().unwrap_or(&NO_LABELS),
            firing,
            resolved,
            truncated: n.truncated_alerts.unwrap_or(0),
        }
    }

    /// The notification's own fields, for `meta`; `commonLabels` only when `with_common_labels`.
    fn group_ref<'c>(&'c self, n: &'c Notification<'c>, with_common_labels: bool) -> GroupRef<'c> {
        GroupRef {
            receiver: &self.receiver,
            status: &n.status,
            group_key: n.group_key.as_deref(),
            group_labels: self.group_labels,
            common_labels: with_common_labels.then_some(self.common_labels),
            route_labels: n.route_labels.as_ref(),
            external_url: n.external_url.as_deref(),
            version: n.version.as_deref(),
            truncated_alerts: n.truncated_alerts,
            notification_reason: n.notification_reason.as_deref(),
        }
    }

    fn counts(&self) -> Counts {
        Counts {
            firing: self.firing,
            resolved: self.resolved,
            truncated: self.truncated,
        }
    }

    /// PagerTree's first two entries: the Alertmanager link and the receiver.
    /// `more` is how many entries the caller will add, so the vector is allocated once.
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

/// The group's key and where it came from; see the README for the fallback recipe.
fn group_key<'n>(n: &'n Notification<'n>) -> (Cow<'n, str>, &'static str) {
    if let Some(key) = n.group_key.as_deref().filter(|k| !k.is_empty()) {
        return (Cow::Borrowed(key), "groupKey");
    }
    let receiver = n.receiver.as_deref().unwrap_or_default();
    let (labels, source) = match (&n.group_labels, &n.common_labels) {
        (Some(g), _) if !g.is_empty() => (g, "groupLabels"),
        (_, Some(c)) if !c.is_empty() => (c, "commonLabels"),
        _ => {
            let fingerprints: BTreeSet<Cow<'_, str>> =
                n.alerts.iter().map(Alert::fingerprint).collect();
            let list = fingerprints.into_iter().collect::<Vec<_>>().join(",");
            return (
                Cow::Owned(format!("fallback:{receiver}:[{list}]")),
                "fingerprints",
            );
        }
    };
    let mut key = format!("fallback:{receiver}:{{");
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            key.push_str(", ");
        }
        let _ = write!(key, "{k}={}", serde_json::Value::from(v));
    }
    key.push('}');
    (Cow::Owned(key), source)
}

fn group_action(n: &Notification<'_>, truncated: u64) -> (Action, Option<&'static str>) {
    match n.status.as_ref() {
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

fn sha256_hex(s: &str) -> String {
    // `hex::encode` builds the string a char at a time; encoding into a buffer is several
    // times faster, and this runs once per notification.
    let mut buffer = [0u8; 64];
    match hex::encode_to_slice(Sha256::digest(s.as_bytes()), &mut buffer) {
        Ok(()) => String::from_utf8_lossy(&buffer).into_owned(),
        Err(_) => hex::encode(Sha256::digest(s.as_bytes())),
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
    let names = distinct(
        relevant_alerts(n, ctx)
            .filter_map(|a| a.label("alertname"))
            .filter(|s| !s.is_empty()),
    );
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

/// Distinct values in first-seen order.
fn distinct<T: Ord + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = BTreeSet::new();
    items.filter(|item| seen.insert(item.clone())).collect()
}

/// The earliest of some RFC 3339 timestamps, as written; unparseable ones are skipped.
fn earliest<'a>(times: impl Iterator<Item = &'a str> + Clone) -> Option<&'a str> {
    // Alertmanager usually writes every time in UTC at one precision: then the text order is
    // the time order, and nothing needs parsing.
    let mut all = times.clone();
    if let Some(first) = all.next() {
        let comparable = |t: &str| {
            t.len() == first.len()
                && t.ends_with('Z')
                && chrono::DateTime::parse_from_rfc3339(t).is_ok()
        };
        if comparable(first) && all.all(|t| t.len() == first.len() && t.ends_with('Z')) {
            let min = times.clone().min()?;
            if comparable(min) {
                return Some(min);
            }
        }
    }
    times
        .filter_map(|t| chrono::DateTime::parse_from_rfc3339(t).ok().map(|d| (d, t)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, t)| t)
}

/// What a link is shown under: one of the fixed words, or the annotation's own name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkKind<'a> {
    Fixed(&'static str),
    Annotation(&'a str),
}

impl<'a> LinkKind<'a> {
    fn name(self) -> &'a str {
        match self {
            LinkKind::Fixed(name) | LinkKind::Annotation(name) => name,
        }
    }

    /// The event's label: a fixed word costs no allocation.
    fn label(self) -> Cow<'static, str> {
        match self {
            LinkKind::Fixed(name) => Cow::Borrowed(name),
            LinkKind::Annotation(name) => Cow::Owned(name.to_owned()),
        }
    }
}

/// The label a link annotation is shown under, if the annotation is a link at all.
fn link_kind(annotation: &str) -> Option<LinkKind<'_>> {
    let is = |name: &str| same_name(annotation, name);
    let ends_with = |suffix: &str| {
        let at = annotation.len().checked_sub(suffix.len());
        at.and_then(|at| annotation.get(at..))
            .is_some_and(|tail| same_name(tail, suffix))
    };
    if [
        "runbook",
        "runbook_url",
        "runbookurl",
        "playbook",
        "playbook_url",
    ]
    .into_iter()
    .any(is)
    {
        Some(LinkKind::Fixed("Runbook"))
    } else if [
        "dashboard",
        "dashboard_url",
        "dashboardurl",
        "grafana_url",
        "grafana_dashboard",
        "dashboard_link",
    ]
    .into_iter()
    .any(is)
    {
        Some(LinkKind::Fixed("Dashboard"))
    } else if ends_with("url") || ends_with("_link") {
        Some(LinkKind::Annotation(annotation))
    } else {
        None
    }
}

/// `name` (lowercase, `_`-separated) written any case, with `-` or `_`; no allocation, as this
/// runs for every annotation of every alert.
fn same_name(written: &str, name: &str) -> bool {
    written.len() == name.len()
        && written
            .bytes()
            .zip(name.bytes())
            .all(|(w, n)| w.to_ascii_lowercase() == n || (w == b'-' && n == b'_'))
}

/// Appends the alerts' source (generatorURL), runbook, dashboard and other URL annotations as
/// links. A kind with one distinct URL is shown under its plain label; several are told apart
/// by alertname. Non-http(s) and empty URLs are left out.
fn push_links<'a>(data: &mut Vec<AdditionalData>, alerts: impl Iterator<Item = &'a Alert<'a>>) {
    // kind → [(url, alertname)], kinds in first-seen order.
    type UrlsOfKind<'a> = (LinkKind<'a>, Vec<(&'a str, Option<&'a str>)>);
    let mut kinds: Vec<UrlsOfKind<'a>> = Vec::new();
    let mut add = |kind: LinkKind<'a>, url: &'a str, name: Option<&'a str>| {
        let index = kinds
            .iter()
            .position(|(k, _)| k.name() == kind.name())
            .unwrap_or_else(|| {
                kinds.push((kind, Vec::new()));
                kinds.len() - 1
            });
        if let Some((_, urls)) = kinds.get_mut(index) {
            // Cheapest checks first: once a kind is full, the rest of a large group costs
            // one comparison per URL.
            if urls.len() < MAX_LINKS_PER_KIND
                && is_http_url(url)
                && !urls.iter().any(|(u, _)| *u == url)
            {
                urls.push((url, name));
            }
        }
    };
    for alert in alerts {
        let name = alert.label("alertname").filter(|s| !s.is_empty());
        if let Some(url) = alert.generator_url.as_deref() {
            add(LinkKind::Fixed("Source"), url, name);
        }
        for (key, value) in alert.annotations.iter().flat_map(Labels::iter) {
            if let Some(kind) = link_kind(key) {
                add(kind, value, name);
            }
        }
    }
    for (kind, urls) in kinds {
        let several = urls.len() > 1;
        for (url, name) in urls {
            let label = match name {
                Some(name) if several => Cow::Owned(format!("{}: {name}", kind.name())),
                _ => kind.label(),
            };
            // `add` kept only http(s) URLs.
            data.push(AdditionalData::new(DataFormat::Link, label, url));
        }
    }
}

/// A URL query value being written percent-encoded: every byte but RFC 3986's unreserved
/// characters becomes `%XX`. Bytes go straight into one buffer (no intermediate string, no
/// iterator of chunks): this runs for every event, over every label.
struct QueryValue(Vec<u8>);

impl QueryValue {
    fn push_byte(&mut self, b: u8) {
        let hex = |nibble: u8| match nibble {
            0..=9 => b'0' + nibble,
            _ => b'A' + nibble - 10,
        };
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            self.0.push(b);
        } else {
            self.0.extend_from_slice(&[b'%', hex(b >> 4), hex(b & 0xF)]);
        }
    }

    fn push_str(&mut self, s: &str) {
        for b in s.bytes() {
            self.push_byte(b);
        }
    }

    /// A double-quoted matcher value, escaped as Alertmanager's matcher parser expects
    /// (`"`, `\` and newline backslash-escaped), then percent-encoded. The escaped characters
    /// are ASCII, so working on bytes cannot split a multi-byte character.
    fn push_matcher_value(&mut self, value: &str) {
        self.push_byte(b'"');
        for b in value.bytes() {
            match b {
                b'"' | b'\\' => {
                    self.push_byte(b'\\');
                    self.push_byte(b);
                }
                b'\n' => {
                    self.push_byte(b'\\');
                    self.push_byte(b'n');
                }
                b => self.push_byte(b),
            }
        }
        self.push_byte(b'"');
    }
}

/// A link into the Alertmanager UI that pre-fills a silence matching `labels`.
/// `external_url` must already be known to be an http(s) URL.
fn silence_link(external_url: Option<&str>, labels: &Labels<'_>) -> Option<AdditionalData> {
    let base = external_url?;
    if labels.is_empty() {
        return None;
    }
    let base = base.trim_end_matches('/');
    let text: usize = labels.iter().map(|(k, v)| k.len() + v.len() + 6).sum();
    let mut url = Vec::with_capacity(base.len() + 30 + text * 2);
    url.extend_from_slice(base.as_bytes());
    url.extend_from_slice(b"/#/silences/new?filter=");
    let mut filter = QueryValue(url);
    filter.push_byte(b'{');
    for (i, (name, value)) in labels.iter().enumerate() {
        if i > 0 {
            filter.push_byte(b',');
        }
        let legacy = name
            .bytes()
            .enumerate()
            .all(|(j, c)| c == b'_' || c.is_ascii_alphabetic() || (j > 0 && c.is_ascii_digit()));
        if legacy && !name.is_empty() {
            filter.push_str(name);
        } else {
            filter.push_matcher_value(name);
        }
        filter.push_byte(b'=');
        filter.push_matcher_value(value);
    }
    filter.push_byte(b'}');
    // `base` is a `str` and everything after it ASCII, so this is always UTF-8.
    let url = String::from_utf8(filter.0).ok()?;
    Some(AdditionalData::new(DataFormat::Link, "Silence", url))
}

#[derive(Serialize)]
struct Counts {
    firing: usize,
    resolved: usize,
    truncated: u64,
}

/// An alert as kept in `meta`: the wire fields, `endsAt` as `null` while firing, and the
/// fingerprint computed when the payload lacks one.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AlertMeta<'a> {
    fingerprint: Cow<'a, str>,
    status: Option<&'a str>,
    labels: &'a Labels<'a>,
    annotations: &'a Labels<'a>,
    starts_at: Option<&'a str>,
    ends_at: Option<&'a str>,
    #[serde(rename = "generatorURL")]
    generator_url: Option<&'a str>,
}

impl<'a> AlertMeta<'a> {
    fn new(alert: &'a Alert<'a>) -> Self {
        Self {
            fingerprint: alert.fingerprint(),
            status: alert.status.as_ref().map(|s| s.raw.as_ref()),
            labels: alert.labels.as_ref().unwrap_or(&NO_LABELS),
            annotations: alert.annotations.as_ref().unwrap_or(&NO_LABELS),
            starts_at: alert.starts_at.as_deref(),
            ends_at: alert.ends_at(),
            generator_url: alert.generator_url.as_deref().filter(|u| !u.is_empty()),
        }
    }
}

/// `alerts[]` for `meta`, serialized straight from the payload (no intermediate vector).
struct AlertsMeta<'a>(&'a [Alert<'a>]);

impl Serialize for AlertsMeta<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(AlertMeta::new))
    }
}

/// Group mode's `meta`: the notification's fields under Alertmanager's own names, plus
/// `counts`, `key_source` (how `thirdparty_id` was derived) and `reason` (why `other`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupMeta<'a> {
    #[serde(flatten)]
    group: GroupRef<'a>,
    common_annotations: &'a Labels<'a>,
    counts: Counts,
    #[serde(rename = "key_source")]
    key_source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    alerts: AlertsMeta<'a>,
}

/// The notification's own fields (all but `alerts` and `commonAnnotations`): the top of group
/// mode's `meta`, and the `group` an alert-mode event came from.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupRef<'a> {
    receiver: &'a str,
    status: &'a str,
    group_key: Option<&'a str>,
    group_labels: &'a Labels<'a>,
    /// Group mode only: in alert mode it would repeat, in every event, a subset of the
    /// alert's own labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    common_labels: Option<&'a Labels<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    route_labels: Option<&'a Labels<'a>>,
    #[serde(rename = "externalURL")]
    external_url: Option<&'a str>,
    version: Option<&'a str>,
    truncated_alerts: Option<u64>,
    #[serde(
        rename = "notification_reason",
        skip_serializing_if = "Option::is_none"
    )]
    notification_reason: Option<&'a str>,
}

/// Alert mode's `meta`: the alert, the group it came in, and `reason` (why `other`).
#[derive(Serialize)]
struct AlertEventMeta<'a> {
    #[serde(flatten)]
    alert: AlertMeta<'a>,
    /// [`GroupRef`], serialized once per notification.
    group: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_a_known_digest() {
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn earliest_start_with_and_without_the_fast_path() {
        let utc = [
            "2026-11-22T03:44:02.638714341Z",
            "2026-11-22T03:44:01.634779353Z",
        ];
        assert_eq!(
            earliest(utc.into_iter()),
            Some("2026-11-22T03:44:01.634779353Z")
        );
        // Offsets and precisions differ: compared as times, not text.
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
        // Same length, all Z, but not a time: no fast path.
        assert_eq!(earliest(["xxxxZ", "2026Z"].into_iter()), None);
        assert_eq!(earliest(std::iter::empty()), None);
    }

    #[test]
    fn link_kinds() {
        for (annotation, shown_as) in [
            ("runbook_url", "Runbook"),
            ("Runbook-URL", "Runbook"),
            ("dashboard", "Dashboard"),
            ("logs_url", "logs_url"),
            ("Logs-Link", "Logs-Link"),
            ("dashboard-URL", "Dashboard"),
            ("GRAFANA_URL", "Dashboard"),
        ] {
            assert_eq!(
                link_kind(annotation).map(LinkKind::name),
                Some(shown_as),
                "{annotation}"
            );
        }
        assert_eq!(link_kind("summary"), None);
        assert_eq!(
            link_kind("runbook").map(LinkKind::label),
            Some(Cow::Borrowed("Runbook"))
        );
        assert_eq!(link_kind("runbook_urls"), None);
    }

    proptest::proptest! {
        #[test]
        fn query_values_encode_as_the_percent_encoding_crate_does(s in "\\PC*") {
            const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
                .remove(b'-')
                .remove(b'_')
                .remove(b'.')
                .remove(b'~');
            let mut ours = QueryValue(b"x=".to_vec());
            ours.push_str(&s);
            let ours = String::from_utf8(ours.0).unwrap();
            let theirs = format!("x={}", percent_encoding::utf8_percent_encode(&s, UNRESERVED));
            proptest::prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn silence_link_escapes_matchers() {
        let labels = Labels::from_pairs(vec![
            (Cow::Borrowed("alertname"), Cow::Borrowed("A B")),
            (Cow::Borrowed("quote"), Cow::Borrowed("say \"hi\"\n")),
        ]);
        let link = silence_link(Some("http://am.example:9093/"), &labels).unwrap();
        assert_eq!(
            link.value,
            "http://am.example:9093/#/silences/new?filter=%7Balertname%3D%22A%20B%22%2Cquote%3D%22say%20%5C%22hi%5C%22%5Cn%22%7D"
        );
        assert!(silence_link(None, &labels).is_none());
        assert!(silence_link(Some("http://am"), &NO_LABELS).is_none());
    }
}
