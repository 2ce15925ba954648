//! Every fixture in `fixtures/cronitor/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_cronitor::Cronitor);
