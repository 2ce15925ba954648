//! Every fixture in `fixtures/dynatrace/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_dynatrace::Dynatrace);
