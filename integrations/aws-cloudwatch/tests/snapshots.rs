//! Every fixture in `fixtures/aws-cloudwatch/` and every invalid one, as insta snapshots.

#![allow(clippy::unwrap_used)]

use pager_aws_cloudwatch::AwsCloudwatch;

#[test]
fn fixtures() {
    let adapter = AwsCloudwatch::default();
    insta::glob!("../../../fixtures/aws-cloudwatch", "*.json", |path| {
        insta::assert_json_snapshot!(pager_testkit::events_json(&adapter, path).unwrap());
    });
}

#[test]
fn invalid_fixtures_are_typed_errors() {
    let adapter = AwsCloudwatch::default();
    insta::glob!(
        "../../../fixtures/aws-cloudwatch/invalid",
        "*.json",
        |path| {
            insta::assert_snapshot!(pager_testkit::rejection(&adapter, path).unwrap());
        }
    );
}
