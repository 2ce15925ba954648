//! Every fixture in `fixtures/statuscake/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_statuscake::StatusCake);
