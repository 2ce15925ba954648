//! # pager-aws-cloudwatch: CloudWatch alarms delivered by Amazon SNS
//!
//! An SNS topic's HTTP(S) subscription posts an envelope (`Type`: `SubscriptionConfirmation`,
//! `Notification`, `UnsubscribeConfirmation`) whose `Message` is a string; for a CloudWatch
//! alarm that string is the alarm's JSON. This adapter reads both layers (and the alarm JSON
//! alone, when the subscription uses raw message delivery). It never calls out: a subscription
//! confirmation becomes an `other` event carrying the `SubscribeURL` for the host to act on.
//! The mapping is written out in this crate's README.
//!
//! ```
//! use pager_core::{Action, Integration};
//!
//! let alarm = r#"{"AlarmName":"High CPU","NewStateValue":"ALARM","NewStateReason":"Threshold Crossed",
//!   "AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:High CPU"}"#;
//! let envelope = serde_json::json!({"Type": "Notification", "MessageId": "m-1", "Message": alarm});
//! let req = http::Request::post("/")
//!     .header("Content-Type", "text/plain; charset=UTF-8")
//!     .body(bytes::Bytes::from(envelope.to_string()))?;
//! let events = pager_aws_cloudwatch::AwsCloudwatch::default().handle(&req)?;
//! assert_eq!(events[0].action, Action::Create);
//! assert_eq!(events[0].thirdparty_id, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:High CPU");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod payload;

use bytes::Bytes;
use pager_core::json::Object;
use pager_core::{Action, Adapter, AdditionalData, ConfigError, Error, Event, Integration, Meta};
use serde::Deserialize;

use crate::payload::{Alarm, Envelope};

/// The slug: folder, registry key, fixtures folder and snapshot prefix.
pub const ID: &str = "aws-cloudwatch";

/// What an alarm entering `INSUFFICIENT_DATA` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InsufficientData {
    /// Recorded, no state change (default): the alarm does not know, so neither do we.
    #[default]
    Other,
    /// Treated like `ALARM`: for alarms whose missing data means trouble.
    Create,
    /// Treated like `OK`.
    Resolve,
}

/// The adapter's options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// What `INSUFFICIENT_DATA` does: `other` (default), `create` or `resolve`.
    pub insufficient_data: InsufficientData,
}

/// The CloudWatch-through-SNS adapter.
#[derive(Debug, Clone, Default)]
pub struct AwsCloudwatch {
    config: Config,
}

/// The SNS envelope's own small fields, for `meta` (the alarm itself, and the long
/// `UnsubscribeURL` of every notification, are in the raw body).
fn sns_meta(envelope: &Envelope<'_>) -> serde_json::Value {
    let mut sns = serde_json::Map::new();
    let fields = [
        ("Type", envelope.kind.as_deref()),
        ("MessageId", envelope.message_id.as_deref()),
        ("TopicArn", envelope.topic_arn.as_deref()),
        ("Subject", envelope.subject.as_deref()),
        ("Timestamp", envelope.timestamp.as_deref()),
        ("SubscribeURL", sns_url(envelope.subscribe_url.as_deref())),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            sns.insert(name.to_owned(), value.into());
        }
    }
    sns.into()
}

/// `url` when it points at an SNS endpoint, else `None`: anyone can post an SNS-shaped body,
/// and a "Confirm subscription" link is something a person clicks.
fn sns_url(url: Option<&str>) -> Option<&str> {
    url.filter(|u| is_sns_endpoint(u))
}

/// True for `https://sns.<region>.amazonaws.com/…` (`GovCloud` regions included,
/// `us-gov-west-1`) and `https://sns.cn-<…>.amazonaws.com.cn/…`, without user info or port.
fn is_sns_endpoint(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let Some(host) = host.strip_prefix("sns.") else {
        return false;
    };
    let region = if let Some(region) = host.strip_suffix(".amazonaws.com.cn") {
        Some(region).filter(|r| r.starts_with("cn-"))
    } else {
        host.strip_suffix(".amazonaws.com")
    };
    region.is_some_and(is_region)
}

/// An AWS region code: two letters, one or more lowercase words, a number (`us-east-1`,
/// `us-gov-west-1`, `cn-north-1`); not an old-style S3 host label such as `s3-us-west-2`.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    let words = parts
        .get(1..parts.len().saturating_sub(1))
        .unwrap_or_default();
    parts.len() >= 3
        && first.len() == 2
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && !words.is_empty()
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// The region code (`us-east-1`) from an ARN.
fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// CloudWatch writes `2023-01-01T00:10:00.000+0000`; RFC 3339 wants `+00:00`.
fn rfc3339(text: &str) -> Option<String> {
    chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|t| {
            t.to_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        })
}

/// The alarm's console link, account, region, metric, dimensions and state change.
fn alarm_data(
    alarm: &Alarm<'_>,
    name: &str,
    state: &str,
    arn: Option<&str>,
) -> Vec<AdditionalData> {
    let trigger = alarm.trigger.as_ref();
    let mut data = Vec::new();
    if let (Some(region), false) = (arn.and_then(arn_region), name.is_empty()) {
        let url = format!(
            "https://console.aws.amazon.com/cloudwatch/home?region={region}#alarmsV2:alarm/{}",
            pager_core::text::percent_encode_component(name)
        );
        data.extend(AdditionalData::link("CloudWatch alarm", &url));
    }
    for (label, value) in [
        ("Account", alarm.account.as_deref()),
        ("Region", alarm.region.as_deref()),
        ("Namespace", trigger.and_then(|t| t.namespace.as_deref())),
        ("Metric", trigger.and_then(|t| t.metric_name.as_deref())),
    ] {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            data.push(AdditionalData::text(label, value));
        }
    }
    for dimension in trigger.map(|t| t.dimensions.as_slice()).unwrap_or_default() {
        if let (Some(name), Some(value)) = (&dimension.name, &dimension.value) {
            data.push(AdditionalData::text(name.to_string(), value.as_ref()));
        }
    }
    if let Some(old) = alarm.old_state_value.as_deref() {
        data.push(AdditionalData::text(
            "State change",
            format!("{old} → {state}"),
        ));
    }
    if let Some(at) = alarm.state_change_time.as_deref().and_then(rfc3339) {
        data.push(AdditionalData::datetime("State changed at", at));
    }
    data
}

impl AwsCloudwatch {
    fn alarm_event(&self, alarm: &Alarm<'_>, envelope: Option<&Envelope<'_>>) -> Event {
        let name = alarm
            .alarm_name
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        let state = alarm.new_state_value.as_deref().unwrap_or_default();
        let (action, reason) = match state {
            "ALARM" => (Action::Create, None),
            "OK" => (Action::Resolve, None),
            "INSUFFICIENT_DATA" => match self.config.insufficient_data {
                InsufficientData::Other => (
                    Action::Other,
                    Some("INSUFFICIENT_DATA is configured as other".to_owned()),
                ),
                InsufficientData::Create => (Action::Create, None),
                InsufficientData::Resolve => (Action::Resolve, None),
            },
            other => (
                Action::Other,
                Some(format!("unknown alarm state {other:?}")),
            ),
        };
        let arn = alarm.alarm_arn.as_deref().filter(|a| !a.is_empty());
        let key = match (arn, alarm.account.as_deref(), alarm.region.as_deref()) {
            (Some(arn), _, _) => arn.to_owned(),
            (None, Some(account), Some(region)) => format!("{account}:{region}:{name}"),
            (None, _, _) => format!("alarm:{name}"),
        };
        let description = [
            alarm.alarm_description.as_deref(),
            alarm.new_state_reason.as_deref(),
        ]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
        let trigger = alarm.trigger.as_ref();
        let mut tags = Vec::new();
        if let Some(region) = arn.and_then(arn_region) {
            tags.push(format!("region:{region}"));
        }
        if let Some(namespace) = trigger.and_then(|t| t.namespace.as_deref()) {
            tags.push(format!("namespace:{namespace}"));
        }
        if let Some(metric) = trigger.and_then(|t| t.metric_name.as_deref()) {
            tags.push(format!("metric:{metric}"));
        }
        let data = alarm_data(alarm, name, state, arn);
        let title = if name.is_empty() {
            "CloudWatch alarm".to_owned()
        } else {
            name.to_owned()
        };
        let meta = Meta::new()
            .with_optional("sns", envelope.map(sns_meta))
            .with_optional("reason", reason);
        let mut event = Event::new(action, key, title)
            .with_description((!description.is_empty()).then_some(description))
            .with_tags(tags)
            .with_additional_data(data);
        if let (Some(account), Some(region)) = (alarm.account.as_deref(), arn.and_then(arn_region))
        {
            if !name.is_empty() {
                event = event.with_dedup_key(format!("{account}:{region}:{name}"));
            }
        }
        event.with_meta(meta)
    }

    fn envelope_event(&self, envelope: &Envelope<'_>) -> Event {
        let kind = envelope.kind.as_deref().unwrap_or_default();
        let message = envelope.message.as_deref().unwrap_or_default();
        if kind == "Notification" {
            if let Ok(Object(alarm)) = serde_json::from_str::<Object<Alarm<'_>>>(message) {
                if alarm.is_alarm() {
                    return self.alarm_event(&alarm, Some(envelope));
                }
            }
        }
        let topic = envelope.topic_arn.as_deref().unwrap_or("the topic");
        let (key, title, reason) = match kind {
            "SubscriptionConfirmation" => (
                format!("sns-subscription:{topic}"),
                format!("Confirm the SNS subscription to {topic}"),
                "an SNS subscription confirmation: visit SubscribeURL to confirm".to_owned(),
            ),
            "UnsubscribeConfirmation" => (
                format!("sns-subscription:{topic}"),
                format!("Unsubscribed from {topic}"),
                "an SNS unsubscribe confirmation".to_owned(),
            ),
            "Notification" => (
                format!(
                    "sns-message:{}",
                    envelope.message_id.as_deref().unwrap_or(topic)
                ),
                envelope
                    .subject
                    .as_deref()
                    .filter(|s| !s.trim().is_empty())
                    .map_or_else(|| format!("SNS notification from {topic}"), str::to_owned),
                "an SNS notification that is not a CloudWatch alarm".to_owned(),
            ),
            other => (
                format!(
                    "sns-message:{}",
                    envelope.message_id.as_deref().unwrap_or(topic)
                ),
                format!("SNS {other} from {topic}"),
                format!("unknown SNS message type {other:?}"),
            ),
        };
        let mut data = Vec::new();
        let subscribe_url = envelope.subscribe_url.as_deref();
        if let Some(url) = sns_url(subscribe_url) {
            data.extend(AdditionalData::link("Confirm subscription", url));
        }
        let reason = if subscribe_url.is_some() && sns_url(subscribe_url).is_none() {
            "a message whose SubscribeURL is not an SNS endpoint (https://sns.<region>.amazonaws.com): \
             the URL was dropped, do not confirm"
                .to_owned()
        } else {
            reason
        };
        let meta = Meta::new()
            .with("sns", sns_meta(envelope))
            .with("reason", reason);
        Event::new(Action::Other, key, title)
            .with_additional_data(data)
            .with_meta(meta)
    }
}

impl Integration for AwsCloudwatch {
    fn id(&self) -> &'static str {
        ID
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        // SNS posts `text/plain; charset=UTF-8`.
        pager_core::json::require_json_or_text(req)?;
        let Object(envelope) = pager_core::json::from_slice::<Object<Envelope<'_>>>(req.body())?;
        let event = if envelope.kind.is_some() {
            if envelope.message.is_none() {
                return Err(Error::invalid(
                    "Message",
                    "missing: an SNS message always has one",
                ));
            }
            self.envelope_event(&envelope)
        } else {
            // Raw message delivery: the alarm JSON is the whole body.
            let Object(alarm) = pager_core::json::from_slice::<Object<Alarm<'_>>>(req.body())?;
            if !alarm.is_alarm() {
                return Err(Error::invalid(
                    "Type",
                    "neither an SNS message (no Type) nor a CloudWatch alarm (no AlarmName and NewStateValue)",
                ));
            }
            self.alarm_event(&alarm, None)
        };
        Ok(vec![event])
    }
}

impl Adapter for AwsCloudwatch {
    const ID: &'static str = ID;
    const NAME: &'static str = "Amazon CloudWatch (via SNS)";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    type Config = Config;

    fn from_config(config: Config) -> Result<Self, ConfigError> {
        Ok(Self { config })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_sns_endpoints_are_kept_as_subscribe_urls() {
        for ok in [
            "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
            "https://sns.us-gov-west-1.amazonaws.com/?Action=ConfirmSubscription",
            "https://sns.cn-north-1.amazonaws.com.cn/?Action=ConfirmSubscription",
            "https://sns.eu-central-2.amazonaws.com",
        ] {
            assert!(super::is_sns_endpoint(ok), "{ok}");
        }
        for spoofed in [
            "http://sns.us-east-1.amazonaws.com/",
            "https://sns.us-east-1.amazonaws.com.evil.example/",
            "https://sns.us-east-1.amazonaws.com@evil.example/",
            "https://sns.us-east-1.amazonaws.com:8443/",
            "https://evil.example/?sns.us-east-1.amazonaws.com",
            "https://sns.evil.example.amazonaws.com/",
            "https://sns.s3-us-west-2.amazonaws.com/x",
            "https://sns.s3-external-1.amazonaws.com/x",
            "https://sns.us-east-1.amazonaws.com.cn/",
            "https://sqs.us-east-1.amazonaws.com/",
            "",
        ] {
            assert!(!super::is_sns_endpoint(spoofed), "{spoofed}");
        }
    }
}
