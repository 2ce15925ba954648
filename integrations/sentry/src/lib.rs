//! # pager-sentry: Sentry integration-platform webhooks
//!
//! A Sentry internal integration posts one body shape per resource, named by the
//! `Sentry-Hook-Resource` header: `issue` (created, resolved, assigned, …), `event_alert`
//! (an issue alert rule fired), `metric_alert` (critical, warning, resolved), `error`, and
//! `installation`. The mapping, and how to require the `Sentry-Hook-Signature`, are in this
//! crate's README.
//!
//! ```
//! use pager_core::{Action, Integration, Urgency};
//!
//! let body = br#"{"action": "created", "data": {"issue": {"id": "1170820242",
//!   "title": "ReferenceError: blooopy is not defined", "level": "error"}}}"#;
//! let req = http::Request::post("/")
//!     .header("Sentry-Hook-Resource", "issue")
//!     .body(bytes::Bytes::from_static(body))?;
//! let events = pager_sentry::Sentry::default().handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "issue:1170820242");
//! assert_eq!(events[0].urgency, Some(Urgency::High));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod payload;

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::{
    Action, Adapter, AdditionalData, ConfigError, Error, Event, Integration, Urgency,
};
use serde::Deserialize;

use crate::payload::{Body, Data, Id, Issue, MetricAlert, SentryEvent};

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "sentry";

/// The header naming the resource a webhook is about.
const RESOURCE_HEADER: &str = "sentry-hook-resource";

/// The adapter's options: none yet (an empty object or `null`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The Sentry adapter.
#[derive(Debug, Clone, Default)]
pub struct Sentry;

/// Sentry's levels: fatal, error, warning, info, debug.
fn urgency(level: Option<&str>) -> Option<Urgency> {
    match level?.to_ascii_lowercase().as_str() {
        "fatal" => Some(Urgency::Critical),
        "error" => Some(Urgency::High),
        "warning" => Some(Urgency::Medium),
        "info" | "debug" => Some(Urgency::Low),
        _ => None,
    }
}

/// The resource: the header when sent, else guessed from which `data` member is present.
fn resource<'r>(
    req: &'r http::Request<Bytes>,
    data: Option<&Data<'_>>,
) -> std::borrow::Cow<'r, str> {
    if let Some(header) = req
        .headers()
        .get(RESOURCE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        return header.to_ascii_lowercase().into();
    }
    let guess = match data {
        Some(d) if d.metric_alert.is_some() => "metric_alert",
        Some(d) if d.issue.is_some() => "issue",
        Some(d) if d.event.is_some() => "event_alert",
        Some(d) if d.error.is_some() => "error",
        _ => "installation",
    };
    guess.into()
}

fn text<'a>(value: Option<&'a pager_core::json::Str<'_>>) -> Option<&'a str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn id_of(id: Option<&Id<'_>>, path: &str) -> Result<String, Error> {
    id.and_then(Id::text)
        .ok_or_else(|| Error::invalid(path, "missing or empty"))
}

fn issue_event(action: &str, issue: &Issue<'_>) -> Result<(Event, Option<String>), Error> {
    let id = id_of(issue.id.as_ref(), "data.issue.id")?;
    let (kind, reason) = match action {
        "created" | "unresolved" => (Action::Create, None),
        "resolved" => (Action::Resolve, None),
        "assigned" => (Action::Acknowledge, None),
        other => (
            Action::Other,
            Some(format!(
                "issue {other}: not a state change pagerhook acts on"
            )),
        ),
    };
    let title =
        text(issue.title.as_ref()).map_or_else(|| format!("Sentry issue {id}"), str::to_owned);
    let description = [
        text(issue.culprit.as_ref()),
        issue.metadata.as_ref().and_then(|m| text(m.value.as_ref())),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("\n");
    // The first usable of `web_url` and `permalink`.
    let mut data: Vec<AdditionalData> =
        [text(issue.web_url.as_ref()), text(issue.permalink.as_ref())]
            .into_iter()
            .flatten()
            .find_map(|url| AdditionalData::link("Sentry issue", url))
            .into_iter()
            .collect();
    let project = issue
        .project
        .as_ref()
        .and_then(|p| text(p.slug.as_ref()).or(text(p.name.as_ref())));
    for (label, value) in [
        ("Project", project),
        ("Short ID", text(issue.short_id.as_ref())),
        ("Level", text(issue.level.as_ref())),
        ("Status", text(issue.status.as_ref())),
        (
            "Assigned to",
            issue
                .assigned_to
                .as_ref()
                .and_then(|a| text(a.name.as_ref()).or(text(a.email.as_ref()))),
        ),
    ] {
        if let Some(value) = value {
            data.push(AdditionalData::text(label, value));
        }
    }
    if let Some(first) = text(issue.first_seen.as_ref()) {
        data.push(AdditionalData::datetime("First seen", first));
    }
    let tags = project
        .map(|p| vec![format!("project:{p}")])
        .unwrap_or_default();
    let event = Event::new(kind, format!("issue:{id}"), title)
        .with_description((!description.is_empty()).then_some(description))
        .with_urgency(urgency(text(issue.level.as_ref())))
        .with_tags(tags)
        .with_additional_data(data);
    Ok((event, reason))
}

fn sentry_event(
    kind: Action,
    event: &SentryEvent<'_>,
    path: &str,
    rule: Option<&str>,
) -> Result<Event, Error> {
    let issue = id_of(event.issue_id.as_ref(), &format!("{path}.issue_id"))?;
    let title =
        text(event.title.as_ref()).map_or_else(|| format!("Sentry issue {issue}"), str::to_owned);
    let description = [
        rule.map(|r| format!("Alert rule: {r}")),
        text(event.culprit.as_ref()).map(str::to_owned),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("\n");
    let mut data = Vec::new();
    if let Some(url) = text(event.web_url.as_ref()) {
        data.extend(AdditionalData::link("Sentry event", url));
    }
    if let Some(rule) = rule {
        data.push(AdditionalData::text("Alert rule", rule));
    }
    if let Some(level) = text(event.level.as_ref()) {
        data.push(AdditionalData::text("Level", level));
    }
    if let Some(at) = text(event.datetime.as_ref()) {
        data.push(AdditionalData::datetime("Event at", at));
    }
    let tags = event
        .tags
        .iter()
        .take(20)
        .map(|(k, v)| format!("{k}:{v}"))
        .collect();
    let mut out = Event::new(kind, format!("issue:{issue}"), title)
        .with_description((!description.is_empty()).then_some(description))
        .with_urgency(urgency(text(event.level.as_ref())))
        .with_tags(tags)
        .with_additional_data(data);
    if let Some(event_id) = text(event.event_id.as_ref()) {
        out = out.with_dedup_key(format!("event:{event_id}"));
    }
    Ok(out)
}

fn metric_event(
    action: &str,
    alert: &MetricAlert<'_>,
    data: &Data<'_>,
) -> Result<(Event, Option<String>), Error> {
    let id = id_of(alert.id.as_ref(), "data.metric_alert.id")?;
    let (kind, level, reason) = match action {
        "critical" => (Action::Create, Some(Urgency::Critical), None),
        "warning" => (Action::Create, Some(Urgency::Medium), None),
        "resolved" => (Action::Resolve, None, None),
        other => (
            Action::Other,
            None,
            Some(format!("metric alert {other}: not a state change")),
        ),
    };
    let rule = alert.alert_rule.as_ref();
    let title = text(data.description_title.as_ref())
        .or_else(|| rule.and_then(|r| text(r.name.as_ref())))
        .or_else(|| text(alert.title.as_ref()))
        .map_or_else(|| format!("Sentry metric alert {id}"), str::to_owned);
    let mut extra = Vec::new();
    if let Some(url) = text(data.web_url.as_ref()) {
        extra.extend(AdditionalData::link("Sentry alert", url));
    }
    for (label, value) in [
        ("Alert rule", rule.and_then(|r| text(r.name.as_ref()))),
        ("Query", rule.and_then(|r| text(r.query.as_ref()))),
        ("Aggregate", rule.and_then(|r| text(r.aggregate.as_ref()))),
    ] {
        if let Some(value) = value {
            extra.push(AdditionalData::text(label, value));
        }
    }
    if let Some(started) = text(alert.date_started.as_ref()) {
        extra.push(AdditionalData::datetime("Started at", started));
    }
    let event = Event::new(kind, format!("metric_alert:{id}"), title)
        .with_description(text(data.description_text.as_ref()).map(str::to_owned))
        .with_urgency(level)
        .with_additional_data(extra);
    Ok((event, reason))
}

fn missing(resource: &str, member: &str) -> Error {
    Error::invalid(
        format!("data.{member}"),
        format!("missing: {resource} webhooks carry data.{member}"),
    )
}

impl Integration for Sentry {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(req)?;
        let Object(body) = pager_core::json::from_slice::<Object<Body<'_>>>(req.body())?;
        let data = body.data.as_ref().map(|d| &d.0);
        let resource = resource(req, data);
        let action = text(body.action.as_ref()).unwrap_or_default();
        let need = |member: &str| missing(&resource, member);
        let (event, reason) = match (resource.as_ref(), data) {
            ("issue", Some(d)) => {
                issue_event(action, d.issue.as_ref().ok_or_else(|| need("issue"))?)?
            }
            ("event_alert", Some(d)) => {
                let event = d.event.as_ref().ok_or_else(|| need("event"))?;
                let kind = if action == "triggered" {
                    Action::Create
                } else {
                    Action::Other
                };
                let reason =
                    (kind == Action::Other).then(|| format!("event_alert {action}: not a trigger"));
                (
                    sentry_event(kind, event, "data.event", text(d.triggered_rule.as_ref()))?,
                    reason,
                )
            }
            ("error", Some(d)) => {
                let error = d.error.as_ref().ok_or_else(|| need("error"))?;
                let kind = if action == "created" {
                    Action::Create
                } else {
                    Action::Other
                };
                let reason =
                    (kind == Action::Other).then(|| format!("error {action}: not a new error"));
                (sentry_event(kind, error, "data.error", None)?, reason)
            }
            ("metric_alert", Some(d)) => metric_event(
                action,
                d.metric_alert
                    .as_ref()
                    .ok_or_else(|| need("metric_alert"))?,
                d,
            )?,
            ("issue" | "event_alert" | "error" | "metric_alert", None) => {
                return Err(Error::invalid(
                    "data",
                    format!("missing: {resource} webhooks carry data"),
                ));
            }
            (other, _) => {
                let installation = body
                    .installation
                    .as_ref()
                    .and_then(|i| text(i.uuid.as_ref()))
                    .unwrap_or("unknown");
                let event = Event::new(
                    Action::Other,
                    format!("sentry-{other}:{installation}"),
                    format!("Sentry {other} {action}").trim().to_owned(),
                );
                (event, Some(format!("{other} webhooks are not alerts")))
            }
        };
        let installation = body
            .installation
            .as_ref()
            .and_then(|i| text(i.uuid.as_ref()));
        let meta = pager_core::Meta::new()
            .with("resource", resource.as_ref())
            .with("action", action)
            .with_optional("installation", installation)
            .with_optional("reason", reason);
        Ok(vec![event.with_meta(meta)])
    }
}

impl Adapter for Sentry {
    const ID: &'static str = ID;
    const NAME: &'static str = "Sentry";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(_config: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
