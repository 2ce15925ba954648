//! Every fixture in `fixtures/dead-mans-snitch/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_dead_mans_snitch::DeadMansSnitch);
