//! The SNS envelope and the CloudWatch alarm inside its `Message`.

use pager_core::json::Str;

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Envelope<'a> {
    #[serde(rename = "Type", borrow)]
    pub kind: Option<Str<'a>>,
    #[serde(rename = "MessageId", borrow)]
    pub message_id: Option<Str<'a>>,
    #[serde(rename = "TopicArn", borrow)]
    pub topic_arn: Option<Str<'a>>,
    #[serde(rename = "Subject", borrow)]
    pub subject: Option<Str<'a>>,
    #[serde(rename = "Message", borrow)]
    pub message: Option<Str<'a>>,
    #[serde(rename = "Timestamp", borrow)]
    pub timestamp: Option<Str<'a>>,
    #[serde(rename = "SubscribeURL", borrow)]
    pub subscribe_url: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
#[allow(clippy::struct_field_names)] // CloudWatch's own names: AlarmName, AlarmArn, ...
pub(crate) struct Alarm<'a> {
    #[serde(rename = "AlarmName", borrow)]
    pub alarm_name: Option<Str<'a>>,
    #[serde(rename = "AlarmDescription", borrow)]
    pub alarm_description: Option<Str<'a>>,
    #[serde(rename = "AWSAccountId", borrow)]
    pub account: Option<Str<'a>>,
    #[serde(rename = "NewStateValue", borrow)]
    pub new_state_value: Option<Str<'a>>,
    #[serde(rename = "NewStateReason", borrow)]
    pub new_state_reason: Option<Str<'a>>,
    #[serde(rename = "StateChangeTime", borrow)]
    pub state_change_time: Option<Str<'a>>,
    #[serde(rename = "Region", borrow)]
    pub region: Option<Str<'a>>,
    #[serde(rename = "AlarmArn", borrow)]
    pub alarm_arn: Option<Str<'a>>,
    #[serde(rename = "OldStateValue", borrow)]
    pub old_state_value: Option<Str<'a>>,
    #[serde(rename = "Trigger")]
    pub trigger: Option<Trigger<'a>>,
}

impl Alarm<'_> {
    /// A CloudWatch alarm state change names its alarm and its new state.
    pub fn is_alarm(&self) -> bool {
        self.alarm_name.is_some() && self.new_state_value.is_some()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Trigger<'a> {
    #[serde(rename = "MetricName", borrow)]
    pub metric_name: Option<Str<'a>>,
    #[serde(rename = "Namespace", borrow)]
    pub namespace: Option<Str<'a>>,
    #[serde(rename = "Dimensions", borrow, deserialize_with = "dimensions")]
    pub dimensions: Vec<Dimension<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Dimension<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub value: Option<Str<'a>>,
}

/// `Dimensions`, where `null` means none.
fn dimensions<'de: 'a, 'a, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Dimension<'a>>, D::Error> {
    Ok(Option::<Vec<Dimension<'a>>>::deserialize(deserializer)?.unwrap_or_default())
}
