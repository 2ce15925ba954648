//! Synthetic but realistic notifications, for benchmarks and memory tests: deterministic, sized
//! by alert count, and written as Alertmanager's Go encoder writes them.

/// A realistic notification with `alerts` alerts, each with 10 labels and 3 annotations,
/// written as Alertmanager writes it (compact, keys sorted, `&` as `\u0026`). Deterministic.
pub fn notification(alerts: usize) -> Vec<u8> {
    let alert = |i: usize| {
        serde_json::json!({
            "status": if i % 7 == 0 { "resolved" } else { "firing" },
            "labels": {
                "alertname": format!("HighRequestLatency{}", i % 5), "cluster": "prod-eu-west-1",
                "instance": format!("10.{}.{}.{}:9100", i / 65536 % 256, i / 256 % 256, i % 256),
                "job": "node-exporter", "namespace": format!("team-{}", i % 12), "pod": format!("api-{i:06}-7d9f8"),
                "service": "checkout", "severity": severity(i), "team": "payments", "env": "prod"
            },
            "annotations": {
                "summary": format!("p99 latency above 2s on api-{i:06}"),
                "description": format!("The 99th percentile request latency of api-{i:06} has been above 2s for 10 minutes & rising."),
                "runbook_url": format!("https://runbooks.example.com/latency?pod=api-{i:06}&team=payments")
            },
            "startsAt": "2026-11-22T03:44:01.634779353Z",
            "endsAt": if i % 7 == 0 { "2026-11-22T03:49:01.1Z" } else { "0001-01-01T00:00:00Z" },
            "generatorURL": format!("http://prometheus.example.com:9090/graph?g0.expr=latency%7Bpod%3D%22api-{i:06}%22%7D&g0.tab=1"),
            "fingerprint": format!("{:016x}", u64::try_from(i).unwrap_or(u64::MAX).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        })
    };
    let body = serde_json::json!({
        "receiver": "payments\\.pager", "status": "firing",
        "alerts": (0..alerts).map(alert).collect::<Vec<_>>(),
        "groupLabels": {"service": "checkout"},
        "commonLabels": {"cluster": "prod-eu-west-1", "env": "prod", "job": "node-exporter", "service": "checkout", "team": "payments"},
        "commonAnnotations": {}, "externalURL": "http://alertmanager.example.com:9093", "version": "4",
        "groupKey": "{}/{team=\"payments\"}:{service=\"checkout\"}", "truncatedAlerts": 0
    });
    // Go's encoder escapes `&` (and `<`, `>`, which these values do not contain).
    let mut text = body.to_string().replace('&', "\\u0026");
    text.push('\n');
    text.into_bytes()
}

fn severity(i: usize) -> &'static str {
    match i % 3 {
        0 => "critical",
        1 => "warning",
        _ => "info",
    }
}
