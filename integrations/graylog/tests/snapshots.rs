//! Every fixture in `fixtures/graylog/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_graylog::Graylog);
