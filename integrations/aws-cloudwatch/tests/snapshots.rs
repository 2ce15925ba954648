//! Every fixture in `fixtures/aws-cloudwatch/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_aws_cloudwatch::AwsCloudwatch);
