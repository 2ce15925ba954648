//! Every fixture in `fixtures/kapacitor/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_kapacitor::Kapacitor);
