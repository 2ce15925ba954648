//! `Sentry-Hook-Signature` through the instance's auth guard: required and checked when a
//! client secret is configured (PagerTree skips the check when the header is absent).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::Path;

use bytes::Bytes;
use pager_core::{Integration, Registry};

/// The secret the fixtures' signatures were made with (a test value).
const SECRET: &str = "sentry-fixture-client-secret";

fn signed_instance() -> pager_core::Instance {
    Registry::new()
        .with::<pager_sentry::Sentry>()
        .build(
            "sentry",
            &serde_json::json!({"auth": {"hmac": {"secret": SECRET, "header": "Sentry-Hook-Signature"}}}),
        )
        .unwrap()
}

fn fixture(name: &str) -> http::Request<Bytes> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/sentry")
        .join(name);
    pager_testkit::load_request(&path).unwrap()
}

#[test]
fn signed_fixtures_pass_and_anything_else_is_401() {
    let instance = signed_instance();
    for name in [
        "issue-created.json",
        "issue-assigned.json",
        "event-alert-triggered.json",
        "metric-alert-critical.json",
    ] {
        let req = fixture(name);
        assert!(instance.handle(&req).is_ok(), "{name}");

        let mut tampered = req.body().to_vec();
        tampered[10] ^= 1;
        let (parts, _) = req.into_parts();
        let forged = http::Request::from_parts(parts.clone(), Bytes::from(tampered));
        assert_eq!(
            instance.handle(&forged).unwrap_err().status(),
            401,
            "{name}: tampered"
        );

        let mut unsigned = http::Request::from_parts(parts, fixture(name).into_body());
        unsigned.headers_mut().remove("sentry-hook-signature");
        assert_eq!(
            instance.handle(&unsigned).unwrap_err().to_string(),
            "sentry: unauthorized",
            "{name}: an absent signature is refused, not skipped"
        );
    }
}

#[test]
fn without_a_secret_signatures_are_not_required() {
    let open = Registry::new()
        .with::<pager_sentry::Sentry>()
        .build("sentry", &serde_json::Value::Null)
        .unwrap();
    let mut req = fixture("issue-created.json");
    req.headers_mut().remove("sentry-hook-signature");
    assert!(open.handle(&req).is_ok());
}
