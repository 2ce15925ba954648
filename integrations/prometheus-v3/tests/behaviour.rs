//! What the adapter must do on real Alertmanager traffic, asserted field by field.

// Test code: a failed unwrap or index is a test failure with its location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{data, fixture, fixture_json, fixture_paths, handle, request};
use pager_core::{Action, DataFormat, Integration, Urgency};
use serde_json::json;

fn group() -> serde_json::Value {
    json!({})
}
fn alert() -> serde_json::Value {
    json!({"grouping": "alert"})
}

#[test]
fn group_mode_keys_on_the_group_key_through_fire_resolve_refire() {
    let firing = &handle(group(), &fixture("single-firing"))[0];
    let resolved = &handle(group(), &fixture("single-resolved"))[0];
    let refire = &handle(group(), &fixture("single-refire"))[0];
    assert_eq!(
        firing.thirdparty_id,
        r#"{}/{scenario="single"}:{alertname="InstanceDown"}"#
    );
    assert_eq!(
        (firing.action, resolved.action, refire.action),
        (Action::Create, Action::Resolve, Action::Create)
    );
    assert_eq!(resolved.thirdparty_id, firing.thirdparty_id);
    assert_eq!(refire.thirdparty_id, firing.thirdparty_id);
    assert_eq!(firing.title, "InstanceDown");
    assert_eq!(
        firing.description.as_deref(),
        Some("Instance db-1.example:9100 down")
    );
    assert_eq!(firing.urgency, Some(Urgency::Critical));
}

#[test]
fn sha256_key_form_matches_alertmanagers_own_notifiers() {
    // sha256 of the groupKey bytes, as computed by `sha256sum` (and by notify.Key.Hash()).
    let hashed = "ffdcda30961f52c12226297555b317aab18f5d0cb489706ab2cf652a783909f8";
    let event = &handle(json!({"key": "sha256"}), &fixture("single-firing"))[0];
    assert_eq!(event.thirdparty_id, hashed);
    assert_eq!(
        event.dedup_keys,
        [
            hashed,
            r#"{}/{scenario="single"}:{alertname="InstanceDown"}"#
        ]
    );
    let raw = &handle(group(), &fixture("single-firing"))[0];
    assert_eq!(raw.dedup_keys[1], hashed);
}

#[test]
fn receiver_is_shown_as_configured_not_regex_escaped() {
    assert!(
        fixture("single-firing")
            .body()
            .starts_with(br#"{"receiver":"wh\\.basic""#)
    );
    let event = &handle(group(), &fixture("single-firing"))[0];
    assert_eq!(data(event, "Receiver"), Some("wh.basic"));
}

#[test]
fn truncated_resolution_never_resolves_the_group() {
    let visible = &handle(group(), &fixture("truncated-visible-resolved"))[0];
    assert_eq!(visible.action, Action::Other);
    let meta = visible.meta_value();
    assert!(meta["reason"].as_str().unwrap().contains("max_alerts"));
    assert_eq!(data(visible, "Truncated"), Some("2"));
    // The hidden alerts arrive later, already resolved, with nothing truncated: now it resolves.
    let hidden = &handle(group(), &fixture("truncated-hidden-resolved"))[0];
    assert_eq!(hidden.action, Action::Resolve);
    assert_eq!(hidden.thirdparty_id, visible.thirdparty_id);
    // Alert mode acts on each visible alert's own status.
    let alerts = handle(alert(), &fixture("truncated-visible-resolved"));
    assert!(alerts.iter().all(|e| e.action == Action::Resolve));
}

#[test]
fn partial_resolution_keeps_the_group_open_and_resolves_one_alert() {
    let event = &handle(group(), &fixture("group-partial-resolve"))[0];
    assert_eq!(event.action, Action::Create);
    assert_eq!(
        (data(event, "Firing"), data(event, "Resolved")),
        (Some("3"), Some("1"))
    );
    assert!(
        !event.title.contains("CertExpiring"),
        "resolved alert in title: {}",
        event.title
    );
    let per_alert = handle(alert(), &fixture("group-partial-resolve"));
    let actions: Vec<_> = per_alert
        .iter()
        .map(|e| (e.thirdparty_id.as_str(), e.action))
        .collect();
    assert_eq!(
        actions,
        [
            ("296726dc362c3103", Action::Resolve),
            ("acd38e0965532156", Action::Create),
            ("419a5397e7d8fbe7", Action::Create),
            ("c77c8bcbf60fc48a", Action::Create),
        ]
    );
    assert_eq!(per_alert[0].urgency, Some(Urgency::Low));
    assert_eq!(per_alert[1].urgency, Some(Urgency::Critical));
}

#[test]
fn mixed_group_title_names_what_fires_and_urgency_is_the_highest() {
    let event = &handle(group(), &fixture("group-mixed-firing"))[0];
    assert_eq!(
        fixture_json("group-mixed-firing")["commonLabels"].get("alertname"),
        None
    );
    assert_eq!(
        event.title,
        "CertExpiring, HighLatency, DiskFull (team=payments)"
    );
    assert_eq!(
        event.urgency,
        Some(Urgency::Critical),
        "severity=page must page"
    );
    let joined = &handle(group(), &fixture("group-new-alert-joins"))[0];
    assert_eq!(
        joined.title,
        "CertExpiring, HighLatency, ErrorBudgetBurn +1 more (team=payments)"
    );
    assert_eq!(joined.thirdparty_id, event.thirdparty_id);
    let description = joined.description.as_deref().unwrap();
    assert_eq!(description.lines().count(), 4);
    assert!(
        description.contains("- DiskFull: Disk /var/lib/postgresql on ledger-db-1 is 91% full")
    );
}

#[test]
fn links_runbooks_dashboards_sources_and_silence() {
    let event = &handle(group(), &fixture("group-mixed-firing"))[0];
    let links: Vec<_> = event
        .additional_data
        .iter()
        .filter(|d| d.format == DataFormat::Link)
        .map(|d| d.label.as_ref())
        .collect();
    assert_eq!(
        links,
        [
            "Alert Manager URL",
            "Source: CertExpiring",
            "Source: HighLatency",
            "Source: DiskFull",
            "Dashboard",
            "Runbook",
            "Silence"
        ]
    );
    assert_eq!(
        data(event, "Dashboard"),
        Some("https://grafana.example.com/d/checkout?orgId=1&var-env=prod")
    );
    assert_eq!(
        data(event, "Silence"),
        Some(
            "http://alertmanager.example.com:9093/#/silences/new?filter=%7Benv%3D%22prod%22%2Cscenario%3D%22mixed%22%2Cteam%3D%22payments%22%7D"
        )
    );
    // No generatorURL ("" on the wire) and no annotations: no empty links.
    let bare = &handle(group(), &fixture("no-annotations"))[0];
    assert!(bare.additional_data.iter().all(|d| !d.value.is_empty()));
    assert_eq!(data(bare, "Source"), None);
    assert_eq!(bare.description, None);
}

#[test]
fn no_alertname_gives_a_useful_title() {
    let event = &handle(group(), &fixture("no-alertname"))[0];
    assert_eq!(event.title, "Prometheus noname firing (instance=lb-7)");
    let per_alert = &handle(alert(), &fixture("no-alertname"))[0];
    assert!(
        per_alert
            .title
            .starts_with("Load balancer lb-7 reports unhealthy backends"),
        "{}",
        per_alert.title
    );
}

#[test]
fn long_and_odd_values_are_cut_for_people_and_kept_whole_in_the_alert() {
    let event = &handle(group(), &fixture("unicode-long-labels"))[0];
    assert_eq!(event.title.chars().count(), 200);
    assert!(event.title.ends_with('…'));
    assert!(!event.title.contains('\n') && !event.title.contains('\t'));
    let long = fixture_json("unicode-long-labels")["commonLabels"]["long"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(long.chars().count(), 4012);
    let per_alert = &handle(alert(), &fixture("unicode-long-labels"))[0];
    assert_eq!(per_alert.meta_value()["alert"]["labels"]["long"], long);
    let key = fixture_json("unicode-long-labels")["groupKey"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(event.thirdparty_id, key);
    assert!(
        key.chars().count() > 4000,
        "the groupKey carries the whole long label"
    );
}

#[test]
fn a_repeat_interval_resend_gives_the_same_events() {
    assert_eq!(
        fixture("repeat-first").body(),
        fixture("repeat-resend").body()
    );
    for config in [group(), alert()] {
        let first = serde_json::to_value(handle(config.clone(), &fixture("repeat-first"))).unwrap();
        let again = serde_json::to_value(handle(config, &fixture("repeat-resend"))).unwrap();
        assert_eq!(first, again);
    }
    let watchdog = &handle(group(), &fixture("repeat-first"))[0];
    assert_eq!(
        watchdog.urgency,
        Some(Urgency::Silent),
        "severity=none is a heartbeat"
    );
}

#[test]
fn fingerprints_are_computed_as_prometheus_does_when_absent() {
    let mut checked = 0;
    for path in fixture_paths() {
        let original: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let mut stripped = original.clone();
        for alert in stripped["alerts"].as_array_mut().unwrap() {
            alert.as_object_mut().unwrap().remove("fingerprint");
        }
        let events = handle(alert(), &request(&stripped));
        for (event, alert) in events.iter().zip(original["alerts"].as_array().unwrap()) {
            assert_eq!(
                event.thirdparty_id,
                alert["fingerprint"].as_str().unwrap(),
                "{}",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} alerts checked");
}

#[test]
fn missing_optional_fields_fall_back_deterministically() {
    // PagerTree's adapter crashes without commonLabels; we fall back to the alerts.
    let mut body = fixture_json("group-mixed-firing");
    let obj = body.as_object_mut().unwrap();
    for field in [
        "commonLabels",
        "commonAnnotations",
        "truncatedAlerts",
        "externalURL",
        "version",
    ] {
        obj.remove(field);
    }
    let event = &handle(group(), &request(&body))[0];
    assert_eq!(
        event.title,
        "CertExpiring, HighLatency, DiskFull (team=payments)"
    );
    assert_eq!(event.urgency, Some(Urgency::Critical));
    assert_eq!(data(event, "Alert Manager URL"), None);
    assert_eq!(data(event, "Silence"), None);

    // Without groupKey: the receiver and groupLabels, then commonLabels, then the fingerprints.
    body.as_object_mut().unwrap().remove("groupKey");
    let event = &handle(group(), &request(&body))[0];
    assert_eq!(
        event.thirdparty_id,
        r#"fallback:payments-bearer:{team="payments"}"#
    );
    assert_eq!(event.meta_value()["key_source"], "groupLabels");
    body["groupLabels"] = json!({});
    body["commonLabels"] = json!({"env": "prod"});
    let event = &handle(group(), &request(&body))[0];
    assert_eq!(
        event.thirdparty_id,
        r#"fallback:payments-bearer:{env="prod"}"#
    );
    body.as_object_mut().unwrap().remove("commonLabels");
    let event = &handle(group(), &request(&body))[0];
    assert_eq!(
        event.thirdparty_id,
        "fallback:payments-bearer:[296726dc362c3103,acd38e0965532156,c77c8bcbf60fc48a]"
    );
    assert_eq!(event.meta_value()["key_source"], "fingerprints");

    // Alerts without labels, annotations, times or status.
    let minimal = json!({"status": "firing", "alerts": [{}]});
    let group_event = &handle(group(), &request(&minimal))[0];
    assert_eq!(group_event.title, "Prometheus firing");
    let alert_event = &handle(alert(), &request(&minimal))[0];
    assert_eq!(alert_event.thirdparty_id, "cbf29ce484222325");
    assert_eq!(alert_event.action, Action::Other);
    assert_eq!(alert_event.title, "Prometheus alert");
}

#[test]
fn newer_alertmanager_fields_are_used_and_unknown_ones_ignored() {
    let mut body = fixture_json("group-partial-resolve");
    body["notification_reason"] = json!("some alerts resolved");
    body["routeLabels"] = json!({"tier": "1"});
    body["someFutureField"] = json!({"nested": [1, 2, {"x": null}]});
    let event = &handle(group(), &request(&body))[0];
    assert_eq!(
        data(event, "Notification reason"),
        Some("some alerts resolved")
    );
    let per_alert = &handle(alert(), &request(&body))[0];
    assert_eq!(
        data(per_alert, "Notification reason"),
        Some("some alerts resolved")
    );
}

#[test]
fn a_deeply_nested_unknown_field_is_skipped_without_recursion() {
    let nested = format!(
        r#"{{"status":"firing","alerts":[],"groupKey":"{{}}:{{}}","extra":{}{}}}"#,
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    let req = http::Request::post("/")
        .body(bytes::Bytes::from(nested))
        .unwrap();
    let events = handle(group(), &req);
    assert_eq!(events[0].thirdparty_id, "{}:{}");
}

#[test]
fn unknown_status_is_other_with_a_reason() {
    let mut body = fixture_json("single-firing");
    body["status"] = json!("pending");
    let event = &handle(group(), &request(&body))[0];
    assert_eq!(event.action, Action::Other);
    assert!(
        event.meta_value()["reason"]
            .as_str()
            .unwrap()
            .contains("neither firing nor resolved")
    );
}

#[test]
fn urgency_map_and_severity_label_are_configurable() {
    let mut body = fixture_json("single-firing");
    body["commonLabels"]["severity"] = json!("Blocker");
    body["commonLabels"]["priority"] = json!("ticket");
    assert_eq!(
        handle(group(), &request(&body))[0].urgency,
        None,
        "blocker is not a built-in name"
    );
    let event = &handle(
        json!({"urgency_map": {"blocker": "critical"}}),
        &request(&body),
    )[0];
    assert_eq!(event.urgency, Some(Urgency::Critical));
    let event = &handle(
        json!({"severity_label": "priority", "urgency_map": {"Ticket": "low"}}),
        &request(&body),
    )[0];
    assert_eq!(event.urgency, Some(Urgency::Low));
}

#[test]
fn tag_labels_become_tags() {
    let event = &handle(
        json!({"tag_labels": ["service", "team", "absent"]}),
        &fixture("group-mixed-firing"),
    )[0];
    assert_eq!(
        event.tags,
        [
            "service:checkout",
            "service:gateway",
            "service:ledger",
            "team:payments"
        ]
    );
    let per_alert = handle(
        json!({"grouping": "alert", "tag_labels": ["service"]}),
        &fixture("group-mixed-firing"),
    );
    assert_eq!(per_alert[0].tags, ["service:gateway"]);
}

#[test]
fn alert_mode_meta_is_the_alert_as_sent_and_the_group_key() {
    let req = fixture("no-group-by");
    let events = handle(alert(), &req);
    assert_eq!(events.len(), 2);
    let body = std::str::from_utf8(req.body()).unwrap();
    for (i, event) in events.iter().enumerate() {
        let alert = event.meta.get("alert").unwrap();
        assert!(
            body.contains(alert),
            "alert {i} is a verbatim part of the body"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(alert).unwrap(),
            fixture_json("no-group-by")["alerts"][i]
        );
    }
    let meta = events[1].meta_value();
    assert_eq!(meta["alert"]["fingerprint"], "19641401d210a586");
    assert_eq!(
        meta["alert"]["endsAt"], "0001-01-01T00:00:00Z",
        "as sent: Go's zero time; the event has no \"Ended at\" for it"
    );
    assert_eq!(data(&events[1], "Ended at"), None);
    assert_eq!(meta["key_source"], "fingerprint");
    assert_eq!(
        meta.get("groupKey"),
        None,
        "the group is not copied into every event"
    );
    // Group mode keeps no copy of the notification: only what it derived.
    let group_meta = handle(group(), &req)[0].meta_value();
    assert_eq!(group_meta, json!({"key_source": "groupKey"}));

    // A computed fingerprint is the key; the alert stays as sent (without one).
    let mut body = fixture_json("no-group-by");
    body["alerts"][0]
        .as_object_mut()
        .unwrap()
        .remove("fingerprint");
    let computed = &handle(alert(), &request(&body))[0];
    assert_eq!(computed.thirdparty_id, events[0].thirdparty_id);
    assert_eq!(computed.meta_value()["key_source"], "labels");
    assert_eq!(computed.meta_value()["alert"].get("fingerprint"), None);
}

#[test]
fn invalid_utf8_in_a_field_alert_mode_keeps_is_the_senders_400_not_a_500() {
    let body = b"{\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"f\",\n\"x\":\"\xff\"}]}";
    let req = http::Request::post("/")
        .body(bytes::Bytes::from_static(body))
        .unwrap();
    // Group mode never reads that field: accepted, as serde_json skips it unchecked.
    assert_eq!(handle(group(), &req).len(), 1);
    // Alert mode keeps the alert verbatim, so its bytes must be UTF-8.
    let err = common::adapter(alert()).handle(&req).unwrap_err();
    assert_eq!(err.status(), 400, "{err}");
    assert!(err.to_string().contains("line 2"), "{err}");
}

#[test]
fn wrong_content_type_is_415() {
    let mut req = fixture("single-firing");
    req.headers_mut().insert(
        "content-type",
        "application/x-www-form-urlencoded".parse().unwrap(),
    );
    let err = common::adapter(group()).handle(&req).unwrap_err();
    assert_eq!(err.status(), 415);
}

#[test]
fn invalid_config_names_the_option() {
    let err = pager_core::config_from_json::<pager_prometheus_v3::PrometheusV3>(
        &json!({"grouping": "per-alert"}),
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "prometheus-v3: invalid configuration at grouping: unknown variant `per-alert`"
        ),
        "{err}"
    );
    let err = pager_core::config_from_json::<pager_prometheus_v3::PrometheusV3>(
        &json!({"groupin": "alert"}),
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown field `groupin`"), "{err}");
}

/// Found by proptest: an empty alertname gave a blank group title.
#[test]
fn empty_or_control_character_names_never_give_a_blank_title() {
    for name in ["", "\n\t", "\u{0}"] {
        let body = json!({"status": "firing", "alerts": [{"labels": {"alertname": name}}]});
        for config in [group(), alert()] {
            let event = &handle(config, &request(&body))[0];
            assert!(
                !event.title.trim().is_empty(),
                "{name:?} gave {:?}",
                event.title
            );
        }
    }
}

#[test]
fn large_groups_show_a_few_summaries_and_count_the_rest() {
    // 12 generated alerts: every 7th resolved, so 10 firing, each with its own summary.
    let body = pager_prometheus_v3::sample::notification(12);
    let req = http::Request::post("/")
        .body(bytes::Bytes::from(body))
        .unwrap();
    let event = &handle(group(), &req)[0];
    let description = event.description.as_deref().unwrap();
    assert_eq!(description.lines().count(), 6, "{description}");
    assert!(description.starts_with("- HighRequestLatency1: p99 latency above 2s on api-000001\n"));
    assert!(
        description.ends_with("\n- … and 5 more alerts"),
        "{description}"
    );
    assert_eq!(
        event.title,
        "HighRequestLatency1, HighRequestLatency2, HighRequestLatency3 +2 more (service=checkout)"
    );
    assert_eq!(event.urgency, Some(Urgency::Critical));
    assert_eq!(
        (data(event, "Firing"), data(event, "Resolved")),
        (Some("10"), Some("2"))
    );
}
