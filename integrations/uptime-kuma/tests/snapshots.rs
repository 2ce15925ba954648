//! Every fixture in `fixtures/uptime-kuma/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_uptime_kuma::UptimeKuma);
