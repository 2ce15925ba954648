//! # pager-new-relic: New Relic alerts
//!
//! Two body shapes, told apart by their keys: a **workflow** webhook with New Relic's default
//! payload template (`id`, `state`, `trigger`, `priority`, …), and the **legacy** incident
//! webhook of notification channels (`incident_id`, `current_state`, `severity`, …). The
//! mapping, including how an acknowledgement shows up in each, is in this crate's README.
//!
//! ```
//! use pager_core::{Action, Integration, Urgency};
//!
//! let body = br#"{"id": "b6137c61-0e27-496d-bd9b-335c98c155eb", "title": "Error percentage > 2.5%",
//!                 "priority": "HIGH", "state": "ACTIVATED", "trigger": "STATE_CHANGE"}"#;
//! let req = http::Request::post("/").body(bytes::Bytes::from_static(body))?;
//! let events = pager_new_relic::NewRelic::default().handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].urgency, Some(Urgency::High));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::{
    Action, Adapter, AdditionalData, ConfigError, DataFormat, Error, Event, Integration, Urgency,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "new-relic";

/// The adapter's options: none yet (an empty object or `null`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {}

/// The New Relic adapter.
#[derive(Debug, Clone, Default)]
pub struct NewRelic;

/// A body's fields, read leniently: strings (trimmed) and numbers; an empty string or a
/// template variable New Relic left unfilled (`$INCIDENT_ID`) reads as absent.
struct Fields(Map<String, Value>);

impl Fields {
    fn text(&self, key: &str) -> Option<String> {
        let text = match self.0.get(key)? {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let unfilled = text.strip_prefix('$').is_some_and(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
        });
        (!text.is_empty() && !unfilled).then_some(text)
    }

    /// The value of `key` in upper case, or `""` when absent: for enum-like fields.
    fn upper(&self, key: &str) -> String {
        self.text(key).unwrap_or_default().to_ascii_uppercase()
    }

    /// A list of strings (or one string), for the `accumulations.*` arrays.
    fn list(&self, key: &str) -> Vec<String> {
        match self.0.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect(),
            Some(_) => self.text(key).into_iter().collect(),
            None => Vec::new(),
        }
    }

    /// The id at `key` (`source` names the template variable that fills it, for the error).
    fn required(&self, key: &str, source: &str) -> Result<String, Error> {
        match self.0.get(key) {
            None | Some(Value::String(_) | Value::Number(_) | Value::Null) => self
                .text(key)
                .ok_or_else(|| Error::invalid(ID, key, format!("missing or empty: {source}"))),
            Some(other) => Err(Error::invalid(
                ID,
                key,
                format!("expected a string or a number, found {}", kind(other)),
            )),
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Epoch milliseconds (`createdAt`) as RFC 3339.
fn epoch_millis(text: &str) -> Option<String> {
    let millis: i64 = text.parse().ok()?;
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

struct Mapped {
    event: Event,
    reason: Option<String>,
    shape: &'static str,
}

/// The workflow default template.
fn workflow(fields: &Fields) -> Result<Mapped, Error> {
    let id = fields.required("id", "the workflow template's {{ json issueId }}")?;
    let state = fields.upper("state");
    let trigger = fields.upper("trigger");
    // An acknowledgement arrives as the ACKNOWLEDGED trigger ("Notify when: Acknowledged"),
    // with the issue's state still ACTIVATED.
    let (action, reason) = if trigger == "ACKNOWLEDGED" || state == "ACKNOWLEDGED" {
        (Action::Acknowledge, None)
    } else {
        match state.as_str() {
            "CREATED" | "ACTIVATED" => (Action::Create, None),
            "CLOSED" => (Action::Resolve, None),
            "" => (Action::Other, Some("no state".to_owned())),
            other => (
                Action::Other,
                Some(format!("issue state {other} is not a state change")),
            ),
        }
    };
    let title = fields
        .text("title")
        .unwrap_or_else(|| format!("New Relic issue {id}"));
    let urgency = match fields.upper("priority").as_str() {
        "CRITICAL" => Some(Urgency::Critical),
        "HIGH" => Some(Urgency::High),
        "MEDIUM" => Some(Urgency::Medium),
        "LOW" => Some(Urgency::Low),
        _ => None,
    };
    let mut data = Vec::new();
    if let Some(url) = fields.text("issueUrl") {
        data.extend(AdditionalData::link("Issue", &url));
    }
    for (label, key) in [
        ("Priority", "priority"),
        ("State", "state"),
        ("Trigger", "trigger"),
        ("Workflow", "workflowName"),
        ("Total incidents", "totalIncidents"),
        ("Acknowledged by", "acknowledgedBy"),
    ] {
        if let Some(value) = fields.text(key) {
            data.push(AdditionalData::text(label, value));
        }
    }
    for (label, key) in [
        ("Policies", "alertPolicyNames"),
        ("Conditions", "alertConditionNames"),
        ("Impacted entities", "impactedEntities"),
    ] {
        let list = fields.list(key);
        if !list.is_empty() {
            data.push(AdditionalData::text(label, list.join(", ")));
        }
    }
    if let Some(at) = fields.text("createdAt").and_then(|t| epoch_millis(&t)) {
        data.push(AdditionalData::datetime("Created at", at));
    }
    let mut tags: Vec<String> = fields
        .list("alertPolicyNames")
        .into_iter()
        .map(|p| format!("policy:{p}"))
        .collect();
    tags.extend(
        fields
            .list("impactedEntities")
            .into_iter()
            .map(|e| format!("entity:{e}")),
    );
    tags.extend(
        fields
            .list("sources")
            .into_iter()
            .map(|s| format!("source:{s}")),
    );
    let description = fields.list("alertConditionNames").join("\n");
    let event = Event::new(action, id, title)
        .with_description((!description.is_empty()).then_some(description))
        .with_urgency(urgency)
        .with_tags(tags)
        .with_additional_data(data);
    Ok(Mapped {
        event,
        reason,
        shape: "workflow",
    })
}

/// The legacy notification-channel incident webhook.
fn legacy(fields: &Fields) -> Result<Mapped, Error> {
    let id = fields.required("incident_id", "the legacy payload's $INCIDENT_ID")?;
    let state = fields.upper("current_state");
    let event_type = fields.upper("event_type");
    let (action, reason) = match (state.as_str(), event_type.as_str()) {
        ("OPEN", _) | (_, "INCIDENT_OPEN") => (Action::Create, None),
        ("ACKNOWLEDGED", _) | (_, "INCIDENT_ACKNOWLEDGED") => (Action::Acknowledge, None),
        ("CLOSED", _) | (_, "INCIDENT_RESOLVED" | "INCIDENT_CLOSED") => (Action::Resolve, None),
        _ => (
            Action::Other,
            Some(format!(
                "current_state {state:?} / event_type {event_type:?} is not a state change"
            )),
        ),
    };
    let title = fields
        .text("condition_name")
        .or_else(|| fields.text("details"))
        .unwrap_or_else(|| format!("New Relic incident {id}"));
    let urgency = match fields.upper("severity").as_str() {
        "CRITICAL" => Some(Urgency::Critical),
        "WARNING" => Some(Urgency::Medium),
        "INFO" => Some(Urgency::Low),
        _ => None,
    };
    let mut data = Vec::new();
    for (label, key) in [
        ("Incident", "incident_url"),
        ("Runbook", "runbook_url"),
        ("Policy", "policy_url"),
    ] {
        if let Some(url) = fields.text(key) {
            data.extend(AdditionalData::link(label, &url));
        }
    }
    if let Some(chart) = fields
        .text("violation_chart_url")
        .filter(|u| pager_core::is_http_url(u))
    {
        data.push(AdditionalData::new(DataFormat::Img, "Chart", chart));
    }
    for (label, key) in [
        ("Account", "account_name"),
        ("Policy name", "policy_name"),
        ("Severity", "severity"),
        ("State", "current_state"),
        ("Owner", "owner"),
        ("Duration (ms)", "duration"),
    ] {
        if let Some(value) = fields.text(key) {
            data.push(AdditionalData::text(label, value));
        }
    }
    let tags = fields
        .text("policy_name")
        .map(|p| vec![format!("policy:{p}")])
        .unwrap_or_default();
    let event = Event::new(action, format!("incident:{id}"), title)
        .with_description(fields.text("details"))
        .with_urgency(urgency)
        .with_tags(tags)
        .with_additional_data(data);
    Ok(Mapped {
        event,
        reason,
        shape: "legacy",
    })
}

#[derive(Serialize)]
struct Meta<'a> {
    shape: &'static str,
    payload: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl Integration for NewRelic {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        pager_core::json::require_json(ID, req)?;
        let Object(map) =
            pager_core::json::from_slice::<Object<Map<String, Value>>>(ID, req.body())?;
        let fields = Fields(map);
        let is_legacy =
            fields.0.contains_key("incident_id") || fields.0.contains_key("current_state");
        let mapped = if is_legacy {
            legacy(&fields)?
        } else {
            workflow(&fields)?
        };
        let raw: &RawValue = pager_core::json::from_slice(ID, req.body())?;
        let meta = Meta {
            shape: mapped.shape,
            payload: raw,
            reason: mapped.reason,
        };
        mapped
            .event
            .with_meta(&meta)
            .map(|e| vec![e])
            .map_err(|e| Error::meta(ID, &e))
    }
}

impl Adapter for NewRelic {
    const ID: &'static str = ID;
    const NAME: &'static str = "New Relic";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(_config: Config) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}
