//! End to end: Alertmanager's own PagerDuty and Opsgenie notifiers, their URLs pointed at
//! `pagerhook serve`'s `pagerduty` and `opsgenie` instances (the drop-in endpoints), and the
//! lifecycle checked through `GET /alerts`: firing opens an alert keyed as Alertmanager keys it
//! (SHA-256 of the groupKey), resolving resolves it; each answers as its vendor does, and a
//! wrong credential (routing key, `GenieKey`) is refused 401.
//!
//! Needs `prometheus-alertmanager` (Debian) or `alertmanager` on PATH, or its path in
//! `PAGERHOOK_ALERTMANAGER`. Without it the test says so loudly and passes, unless
//! `PAGERHOOK_REQUIRE_ALERTMANAGER=1` (set by `.ci/run`), which makes it fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod live;

use live::{Process, agent, alerts_of, post_alerts, run_alertmanager, start_pagerhook};
use pager_testkit::wait_for;
use serde_json::{Value, json};

const ROUTING_KEY: &str = "e2e-routing-key-not-a-secret";
const GENIE_KEY: &str = "e2e-genie-key-not-a-secret";

fn alert(scenario: &str, resolved: bool) -> Value {
    let mut alert = json!({
        "labels": {"alertname": "CheckoutDown", "scenario": scenario, "severity": "critical",
                   "instance": "checkout-1"},
        "annotations": {"summary": "checkout-1 is down"},
    });
    if resolved {
        alert["endsAt"] = json!(chrono::Utc::now().to_rfc3339());
    }
    alert
}

/// The one alert of `instance` once `check` holds for it (20 s at most).
fn the_alert(port: u16, instance: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    wait_for(what, 20, || {
        let alerts = alerts_of(port, instance);
        (alerts.len() == 1 && check(&alerts[0])).then(|| alerts[0].clone())
    })
}

fn is_sha256_hex(key: &str) -> bool {
    key.len() == 64
        && key
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// `pagerhook serve` with `instance` (a TOML `[[instances]]` table) and an Alertmanager whose
/// one receiver is `receiver` (YAML, `PORT` standing for pagerhook's port), or `None` (skipped
/// loudly) without Alertmanager.
struct Setup {
    _dir: tempfile::TempDir,
    port: u16,
    am: u16,
    pagerhook: Process,
    alertmanager: Process,
}

fn setup(test: &str, instance: &str, receiver: &str) -> Option<Setup> {
    let binary = pager_testkit::alertmanager_for_test(test, &[]).unwrap()?;
    let dir = tempfile::tempdir().unwrap();
    let port = pager_testkit::free_port();
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        format!("listen = \"127.0.0.1:{port}\"\nstore = \"memory\"\n\n[[instances]]\n{instance}"),
    )
    .unwrap();
    let pagerhook = start_pagerhook(&config, port);
    let am_config = format!(
        "route:\n  receiver: r\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n  \
         group_by: [alertname]\nreceivers:\n  - name: r\n{}",
        receiver.replace("PORT", &port.to_string())
    );
    let (alertmanager, am) =
        run_alertmanager(&binary, dir.path(), &am_config, pager_testkit::free_port());
    Some(Setup {
        _dir: dir,
        port,
        am,
        pagerhook,
        alertmanager,
    })
}

#[test]
fn alertmanager_pagerduty_notifier_to_pagerhook_serve() {
    let Some(Setup {
        _dir,
        port,
        am,
        pagerhook,
        alertmanager,
    }) = setup(
        "serve_compat (PagerDuty)",
        &format!(
            "name = \"pd\"\nintegration = \"pagerduty\"\noptions = {{ routing_keys = [\"{ROUTING_KEY}\"] }}\n"
        ),
        &format!(
            "    pagerduty_configs:
      - routing_key: {ROUTING_KEY}
        url: http://127.0.0.1:PORT/integrations/pd/v2/enqueue
        description: '{{{{ .CommonAnnotations.summary }}}}'
        severity: '{{{{ .CommonLabels.severity }}}}'
        source: '{{{{ .CommonLabels.instance }}}}'
"
        ),
    )
    else {
        return;
    };

    post_alerts(am, &json!([alert("pd", false)]));
    let open = the_alert(port, "pd", "PagerDuty trigger opens an alert", |a| {
        a["status"] == "open"
    });
    assert_eq!(open["title"], "checkout-1 is down");
    assert_eq!(open["urgency"], "critical");
    let key = open["thirdparty_id"].as_str().unwrap();
    assert!(is_sha256_hex(key), "Alertmanager's dedup_key: {key}");
    assert!(!open.to_string().contains(ROUTING_KEY), "{open}");

    post_alerts(am, &json!([alert("pd", true)]));
    let resolved = the_alert(port, "pd", "PagerDuty resolve resolves it", |a| {
        a["status"] == "resolved"
    });
    assert_eq!(resolved["id"], open["id"]);
    assert_eq!(resolved["thirdparty_id"], open["thirdparty_id"]);

    // The answer Alertmanager got, and what another routing key gets.
    let url = format!("http://127.0.0.1:{port}/integrations/pd/v2/enqueue");
    let event = |routing_key: &str| {
        json!({"routing_key": routing_key, "event_action": "resolve", "dedup_key": key}).to_string()
    };
    let mut accepted = agent().post(&url).send(event(ROUTING_KEY)).unwrap();
    assert_eq!(accepted.status(), 202);
    let answer: Value =
        serde_json::from_str(&accepted.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(
        answer,
        json!({"status": "success", "message": "Event processed", "dedup_key": key})
    );
    let refused = agent().post(&url).send(event("wrong-key")).unwrap();
    assert_eq!(refused.status(), 401);

    alertmanager.terminate();
    pagerhook.terminate();
}

#[test]
fn alertmanager_opsgenie_notifier_to_pagerhook_serve() {
    let Some(Setup {
        _dir,
        port,
        am,
        pagerhook,
        alertmanager,
    }) = setup(
        "serve_compat (Opsgenie)",
        &format!(
            "name = \"og\"\nintegration = \"opsgenie\"\n\
             auth = {{ authorization = {{ type = \"GenieKey\", credentials = \"{GENIE_KEY}\" }} }}\n"
        ),
        &format!(
            "    opsgenie_configs:
      - api_key: {GENIE_KEY}
        api_url: http://127.0.0.1:PORT/integrations/og/
        message: '{{{{ .CommonAnnotations.summary }}}}'
        priority: P2
"
        ),
    )
    else {
        return;
    };

    post_alerts(am, &json!([alert("og", false)]));
    let open = the_alert(port, "og", "Opsgenie create opens an alert", |a| {
        a["status"] == "open"
    });
    assert_eq!(open["title"], "checkout-1 is down");
    assert_eq!(open["urgency"], "high", "P2");
    let key = open["thirdparty_id"].as_str().unwrap();
    assert!(is_sha256_hex(key), "Alertmanager's alias: {key}");

    post_alerts(am, &json!([alert("og", true)]));
    let resolved = the_alert(port, "og", "Opsgenie close resolves it", |a| {
        a["status"] == "resolved"
    });
    assert_eq!(resolved["id"], open["id"]);

    // The answer Alertmanager got, and what another key gets.
    let url = format!(
        "http://127.0.0.1:{port}/integrations/og/v2/alerts/{key}/acknowledge?identifierType=alias"
    );
    let mut accepted = agent()
        .post(&url)
        .header("Authorization", &format!("GenieKey {GENIE_KEY}"))
        .send("{}")
        .unwrap();
    assert_eq!(accepted.status(), 202);
    let answer: Value =
        serde_json::from_str(&accepted.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(answer["result"], "Request will be processed");
    let refused = agent()
        .post(&url)
        .header("Authorization", "GenieKey wrong-key")
        .send("{}")
        .unwrap();
    assert_eq!(refused.status(), 401);

    alertmanager.terminate();
    pagerhook.terminate();
}
