//! Every fixture in `fixtures/prometheus-v3/` (both grouping modes) and every invalid one.

pager_testkit::snapshots!(pager_prometheus_v3::PrometheusV3, fn fixtures_in_both_modes {
    "group" => {"grouping": "group"},
    "alert" => {"grouping": "alert"},
});
