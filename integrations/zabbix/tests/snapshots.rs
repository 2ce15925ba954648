//! Every fixture in `fixtures/zabbix/` and every invalid one, as insta snapshots.

#![allow(clippy::unwrap_used)]

use pager_zabbix::Zabbix;

#[test]
fn fixtures() {
    let adapter = Zabbix;
    insta::glob!("../../../fixtures/zabbix", "*.json", |path| {
        insta::assert_json_snapshot!(pager_testkit::events_json(&adapter, path).unwrap());
    });
}

#[test]
fn invalid_fixtures_are_typed_errors() {
    let adapter = Zabbix;
    insta::glob!("../../../fixtures/zabbix/invalid", "*.json", |path| {
        insta::assert_snapshot!(pager_testkit::rejection(&adapter, path).unwrap());
    });
}
