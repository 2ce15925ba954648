//! Every fixture in `fixtures/uptimerobot/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_uptimerobot::UptimeRobot);
