//! Every fixture in `fixtures/pingdom/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_pingdom::Pingdom);
