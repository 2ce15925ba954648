//! Grafana's optional HMAC signature (with a timestamp header) through the instance's auth
//! guard: `hex(HMAC-SHA256(secret, "<timestamp>:<body>"))`.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use pager_core::auth::ReceivedAt;
use pager_core::{Integration, Registry};

/// The fixture was signed at this Unix time with the test secret below.
const SIGNED_AT: u64 = 1_763_778_600;

fn instance() -> pager_core::Instance {
    Registry::new()
        .with::<pager_grafana::Grafana>()
        .build(
            "grafana",
            &serde_json::json!({"auth": {"hmac": {
                "secret": "grafana-fixture-hmac-secret",
                "header": "X-Grafana-Alerting-Signature",
                "timestamp_header": "X-Grafana-Alerting-Timestamp",
                "tolerance_seconds": 300
            }}}),
        )
        .unwrap()
}

fn signed(received: u64) -> http::Request<Bytes> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/grafana/signed-firing.json");
    let mut req = pager_testkit::load_request(&path).unwrap();
    req.extensions_mut()
        .insert(ReceivedAt(UNIX_EPOCH + Duration::from_secs(received)));
    req
}

#[test]
fn a_fresh_signature_passes() {
    let events = instance().handle(&signed(SIGNED_AT + 10)).unwrap();
    assert_eq!(events.len(), 2);
}

#[test]
fn stale_tampered_or_unsigned_deliveries_are_401() {
    let instance = instance();
    let stale = signed(SIGNED_AT + 301);
    assert_eq!(
        instance.handle(&stale).unwrap_err().status(),
        401,
        "outside the tolerance"
    );

    let req = signed(SIGNED_AT);
    let mut body = req.body().to_vec();
    let at = body.iter().position(|&b| b == b'9').unwrap();
    body[at] = b'8';
    let (parts, _) = req.into_parts();
    let tampered = http::Request::from_parts(parts.clone(), Bytes::from(body));
    assert_eq!(
        instance.handle(&tampered).unwrap_err().status(),
        401,
        "tampered body"
    );

    let mut unsigned = http::Request::from_parts(parts, signed(SIGNED_AT).into_body());
    unsigned
        .headers_mut()
        .remove("x-grafana-alerting-signature");
    assert_eq!(
        instance.handle(&unsigned).unwrap_err().status(),
        401,
        "no signature"
    );
}
