//! Every fixture in `fixtures/sentry/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_sentry::Sentry);
