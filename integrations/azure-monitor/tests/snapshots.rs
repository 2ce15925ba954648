//! Every fixture in `fixtures/azure-monitor/` and every invalid one, as insta snapshots.

#![allow(clippy::unwrap_used)]

use pager_azure_monitor::AzureMonitor;

#[test]
fn fixtures() {
    let adapter = AzureMonitor;
    insta::glob!("../../../fixtures/azure-monitor", "*.json", |path| {
        insta::assert_json_snapshot!(pager_testkit::events_json(&adapter, path).unwrap());
    });
}

#[test]
fn invalid_fixtures_are_typed_errors() {
    let adapter = AzureMonitor;
    insta::glob!(
        "../../../fixtures/azure-monitor/invalid",
        "*.json",
        |path| {
            insta::assert_snapshot!(pager_testkit::rejection(&adapter, path).unwrap());
        }
    );
}
