//! Every fixture in `fixtures/site24x7/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_site24x7::Site24x7);
