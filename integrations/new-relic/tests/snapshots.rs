//! Every fixture in `fixtures/new-relic/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_new_relic::NewRelic);
