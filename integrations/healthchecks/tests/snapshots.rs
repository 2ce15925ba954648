//! Every fixture in `fixtures/healthchecks/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_healthchecks::Healthchecks);
