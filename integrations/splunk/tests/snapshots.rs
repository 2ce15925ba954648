//! Every fixture in `fixtures/splunk/` (default options, and keyed per host) and every invalid one.

pager_testkit::snapshots!(pager_splunk::Splunk, fn fixtures { _ => null, "by-host" => {"key_field": "host"} });
