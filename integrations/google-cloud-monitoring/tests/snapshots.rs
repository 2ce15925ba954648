//! Every fixture in `fixtures/google-cloud-monitoring/` and every invalid one, as insta snapshots.

pager_testkit::snapshots!(pager_google_cloud_monitoring::GoogleCloudMonitoring);
