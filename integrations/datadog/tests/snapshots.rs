//! Every fixture in `fixtures/datadog/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_datadog::Datadog);
