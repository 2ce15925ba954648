//! Every fixture in `fixtures/opsgenie/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_opsgenie::Opsgenie);
