//! The auth guard and the limits on real captured deliveries: the headers Alertmanager sent
//! for basic auth, bearer auth and a Spot Connect style API key in the query.

// Test code: a failed unwrap or index is a test failure with its location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::fixture;
use pager_core::{Error, Instance, Integration};
use serde_json::json;

fn instance(config: &serde_json::Value) -> Instance {
    registry().build("prometheus-v3", config).unwrap()
}

fn registry() -> pager_core::Registry {
    pager_core::Registry::new().with::<pager_prometheus_v3::PrometheusV3>()
}

fn without_header(mut req: http::Request<bytes::Bytes>, name: &str) -> http::Request<bytes::Bytes> {
    req.headers_mut().remove(name);
    req
}

#[test]
fn basic_auth_as_alertmanager_sends_it() {
    let ok = instance(
        &json!({"auth": {"basic": {"username": "pagerhook", "password": "capture-basic-pass"}}}),
    );
    assert_eq!(ok.handle(&fixture("single-firing")).unwrap().len(), 1);
    assert_eq!(
        ok.handle(&without_header(fixture("single-firing"), "authorization"))
            .unwrap_err(),
        Error::Unauthorized {
            integration: "prometheus-v3"
        }
    );
    let wrong =
        instance(&json!({"auth": {"basic": {"username": "pagerhook", "password": "other"}}}));
    assert_eq!(
        wrong
            .handle(&fixture("single-firing"))
            .unwrap_err()
            .status(),
        401
    );
}

#[test]
fn bearer_auth_as_alertmanager_sends_it() {
    let ok = instance(&json!({"auth": {"bearer": "s3cr3t-bearer-token"}}));
    assert!(ok.handle(&fixture("group-mixed-firing")).is_ok());
    let as_authorization = instance(
        &json!({"auth": {"authorization": {"type": "Bearer", "credentials": "s3cr3t-bearer-token"}}}),
    );
    assert!(
        as_authorization
            .handle(&fixture("group-mixed-firing"))
            .is_ok()
    );
    // The basic-auth delivery does not carry the bearer token.
    assert_eq!(
        ok.handle(&fixture("single-firing")).unwrap_err().status(),
        401
    );
}

#[test]
fn api_key_in_the_query_as_spot_connect_sends_it() {
    let ok = instance(&json!({"auth": {"api_key": "capture-api-key"}}));
    let req = fixture("api-key-query");
    assert_eq!(req.uri().query(), Some("x-api-key=capture-api-key"));
    assert!(ok.handle(&req).is_ok());
    let err = ok.handle(&fixture("no-alertname")).unwrap_err();
    assert_eq!(err.to_string(), "prometheus-v3: unauthorized");
}

#[test]
fn auth_is_checked_before_the_body_is_parsed() {
    let guarded = instance(&json!({"auth": {"api_key": "k"}}));
    let garbage = http::Request::post("/")
        .body(bytes::Bytes::from_static(b"not json"))
        .unwrap();
    assert_eq!(guarded.handle(&garbage).unwrap_err().status(), 401);
}

#[test]
fn max_alerts_is_a_named_limit() {
    let limited = instance(&json!({"limits": {"max_alerts": 2}}));
    assert!(
        limited.handle(&fixture("truncated-firing")).is_ok(),
        "2 alerts are allowed"
    );
    let err = limited.handle(&fixture("group-mixed-firing")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "prometheus-v3: max_alerts exceeded: the payload has 3 alerts; at most 2 are accepted"
    );
    assert_eq!(err.status(), 400);
    let alert_mode = instance(&json!({"grouping": "alert", "limits": {"max_alerts": 2}}));
    assert!(alert_mode.handle(&fixture("group-mixed-firing")).is_err());
}

#[test]
fn text_limits_apply_and_full_values_stay_in_the_raw_body() {
    let short = instance(&json!({"limits": {"max_title_chars": 12, "max_description_chars": 10}}));
    let req = fixture("group-mixed-firing");
    let event = &short.handle(&req).unwrap()[0];
    assert_eq!(event.title, "CertExpirin…");
    assert_eq!(event.description.as_deref().unwrap().chars().count(), 10);
    assert_eq!(event.raw_body(), req.body());
    let alert_mode = instance(&json!({"grouping": "alert", "limits": {"max_title_chars": 12}}));
    let event = &alert_mode.handle(&req).unwrap()[0];
    assert_eq!(event.title, "CertExpirin…");
    assert_eq!(
        event.meta_value()["alert"]["labels"]["alertname"],
        "CertExpiring",
        "the alert as sent"
    );
}

#[test]
fn bad_auth_or_limits_configuration_names_the_key() {
    let registry = registry();
    let err = registry
        .build("prometheus-v3", &json!({"auth": {"bearer": 5}}))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("instance: invalid configuration at auth.bearer"),
        "{err}"
    );
    let err = registry
        .build("prometheus-v3", &json!({"limits": {"max_body": 1}}))
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown field `max_body`"),
        "{err}"
    );
    let err = registry
        .build(
            "prometheus-v3",
            &json!({"auth": {"bearer": "a", "basic": {"username": "u", "password": "p"}}}),
        )
        .unwrap_err();
    assert!(err.to_string().contains("at most one"), "{err}");
}
