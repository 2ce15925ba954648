//! Every fixture in `fixtures/grafana/` (both grouping modes) and every invalid one, as snapshots.

pager_testkit::snapshots!(pager_grafana::Grafana, fn fixtures {
    _ => null,
    "group" => {"grouping": "group"},
});
