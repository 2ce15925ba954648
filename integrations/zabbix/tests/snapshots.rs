//! Every fixture in `fixtures/zabbix/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_zabbix::Zabbix);
