//! Every fixture in `fixtures/pagerduty/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_pagerduty::PagerDuty);
