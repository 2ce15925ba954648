//! Every fixture in `fixtures/jira/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_jira::Jira);
