//! Every fixture in `fixtures/azure-monitor/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_azure_monitor::AzureMonitor);
