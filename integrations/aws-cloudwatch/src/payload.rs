//! The SNS envelope and the CloudWatch alarm inside its `Message`.

use std::borrow::Cow;

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Envelope<'a> {
    #[serde(rename = "Type", borrow)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(rename = "MessageId", borrow)]
    pub message_id: Option<Cow<'a, str>>,
    #[serde(rename = "TopicArn", borrow)]
    pub topic_arn: Option<Cow<'a, str>>,
    #[serde(rename = "Subject", borrow)]
    pub subject: Option<Cow<'a, str>>,
    #[serde(rename = "Message", borrow)]
    pub message: Option<Cow<'a, str>>,
    #[serde(rename = "Timestamp", borrow)]
    pub timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "SubscribeURL", borrow)]
    pub subscribe_url: Option<Cow<'a, str>>,
    #[serde(rename = "UnsubscribeURL", borrow)]
    pub unsubscribe_url: Option<Cow<'a, str>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
#[allow(clippy::struct_field_names)] // CloudWatch's own names: AlarmName, AlarmArn, ...
pub(crate) struct Alarm<'a> {
    #[serde(rename = "AlarmName", borrow)]
    pub alarm_name: Option<Cow<'a, str>>,
    #[serde(rename = "AlarmDescription", borrow)]
    pub alarm_description: Option<Cow<'a, str>>,
    #[serde(rename = "AWSAccountId", borrow)]
    pub account: Option<Cow<'a, str>>,
    #[serde(rename = "NewStateValue", borrow)]
    pub new_state_value: Option<Cow<'a, str>>,
    #[serde(rename = "NewStateReason", borrow)]
    pub new_state_reason: Option<Cow<'a, str>>,
    #[serde(rename = "StateChangeTime", borrow)]
    pub state_change_time: Option<Cow<'a, str>>,
    #[serde(rename = "Region", borrow)]
    pub region: Option<Cow<'a, str>>,
    #[serde(rename = "AlarmArn", borrow)]
    pub alarm_arn: Option<Cow<'a, str>>,
    #[serde(rename = "OldStateValue", borrow)]
    pub old_state_value: Option<Cow<'a, str>>,
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
    pub metric_name: Option<Cow<'a, str>>,
    #[serde(rename = "Namespace", borrow)]
    pub namespace: Option<Cow<'a, str>>,
    #[serde(rename = "Dimensions", borrow, deserialize_with = "dimensions")]
    pub dimensions: Vec<Dimension<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Dimension<'a> {
    #[serde(borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub value: Option<Cow<'a, str>>,
}

/// `Dimensions`, where `null` means none.
fn dimensions<'de: 'a, 'a, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Dimension<'a>>, D::Error> {
    Ok(Option::<Vec<Dimension<'a>>>::deserialize(deserializer)?.unwrap_or_default())
}
