//! A typical rule set (see the README's Rules) over every fixture in `fixtures/prometheus-v3/`,
//! in alert mode: what the events become, what is dropped, which rules fail where.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use pager_core::Integration as _;
use serde_json::{Value, json};

fn rule_set() -> Value {
    json!({
        "grouping": "alert",
        "dedup_key": "{{ alert.labels.alertname | default('unnamed') }}/{{ alert.labels.instance | default(alert.labels.service | default('-')) }}",
        "rules": [
            // Labels an alert may lack are read with `default`: comparing an undefined value fails.
            {"if": "alert.labels.alertname | default('') == 'Watchdog' or alert.labels.severity | default('') == 'none'", "drop": true},
            {"if": "alert.labels.scenario == 'single'", "set": {"tags": ["single"]}, "stop": true},
            {"set": {"urgency": "{{ alert.labels.severity }}"}},
            {"set": {
                "tags": ["receiver:{{ payload.receiver }}"],
                "additional_data": {"Fingerprint": "{{ alert.fingerprint }}"}
            }},
            {"if": "event.action == 'resolve'", "set": {"title": "Resolved: {{ event.title }}"}},
        ],
    })
}

#[test]
fn a_rule_set_over_every_fixture() {
    let instance =
        pager_testkit::instance::<pager_prometheus_v3::PrometheusV3>(&rule_set()).unwrap();
    insta::glob!(
        pager_testkit::fixtures_dir(instance.id()),
        "*.json",
        |path| {
            let mut req = pager_testkit::load_request(path).unwrap();
            req.extensions_mut()
                .insert(pager_core::auth::ReceivedAt::now());
            let handled = instance.handle_with_report(&req).unwrap();
            let events: Vec<Value> = handled
                .events
                .iter()
                .map(|e| {
                    json!({
                        "action": e.action,
                        "thirdparty_id": e.thirdparty_id,
                        "dedup_keys": e.dedup_keys,
                        "title": e.title,
                        "urgency": e.urgency,
                        "tags": e.tags,
                        "additional_data": e.additional_data,
                    })
                })
                .collect();
            let failures: Vec<String> = handled
                .rule_failures
                .iter()
                .map(ToString::to_string)
                .collect();
            insta::assert_json_snapshot!(json!({
                "events": events,
                "dropped": handled.dropped,
                "rule_failures": failures,
            }));
        }
    );
}
