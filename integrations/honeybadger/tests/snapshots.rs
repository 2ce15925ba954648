//! Every fixture in `fixtures/honeybadger/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_honeybadger::Honeybadger);
