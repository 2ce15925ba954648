//! The `INSUFFICIENT_DATA` option, key fallbacks, and that confirmations carry the URL.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use pager_aws_cloudwatch::{AwsCloudwatch, Config};
use pager_core::{Action, Adapter, Integration};

fn event(adapter: &AwsCloudwatch, body: &serde_json::Value) -> pager_core::Event {
    let req = http::Request::post("/")
        .header("Content-Type", "text/plain; charset=UTF-8")
        .body(Bytes::from(body.to_string()))
        .unwrap();
    adapter.handle(&req).unwrap().remove(0)
}

fn notification(alarm: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({"Type": "Notification", "MessageId": "m", "Message": alarm.to_string()})
}

#[test]
fn insufficient_data_follows_the_option() {
    let alarm = serde_json::json!({"AlarmName": "a", "NewStateValue": "INSUFFICIENT_DATA",
                                   "AlarmArn": "arn:aws:cloudwatch:eu-west-1:1:alarm:a"});
    for (option, action) in [
        ("other", Action::Other),
        ("create", Action::Create),
        ("resolve", Action::Resolve),
    ] {
        let config: Config =
            serde_json::from_value(serde_json::json!({"insufficient_data": option})).unwrap();
        let adapter = AwsCloudwatch::from_config(config).unwrap();
        assert_eq!(
            event(&adapter, &notification(&alarm)).action,
            action,
            "{option}"
        );
    }
}

#[test]
fn without_an_arn_the_key_is_account_region_name() {
    let alarm = serde_json::json!({"AlarmName": "disk", "NewStateValue": "ALARM",
                                   "AWSAccountId": "123", "Region": "EU (Ireland)"});
    let e = event(&AwsCloudwatch::default(), &notification(&alarm));
    assert_eq!(e.thirdparty_id, "123:EU (Ireland):disk");
    assert!(
        e.additional_data
            .iter()
            .all(|d| d.label != "CloudWatch alarm"),
        "no region code, no console link"
    );
}

#[test]
fn a_confirmation_carries_its_subscribe_url_for_the_host() {
    let url = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=t&Token=x";
    let e = event(
        &AwsCloudwatch::default(),
        &serde_json::json!({"Type": "SubscriptionConfirmation", "TopicArn": "t", "Message": "confirm",
                            "SubscribeURL": url, "Token": "x"}),
    );
    assert_eq!(e.action, Action::Other);
    assert_eq!(e.meta_value()["sns"]["SubscribeURL"], url);
    assert_eq!(e.additional_data[0].value, url);
}
