//! Properties of the auth guard over generated requests: it never panics, and it accepts
//! exactly the requests that carry the configured credentials.

// Test code: a failed unwrap or index is a test failure with its location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use bytes::Bytes;
use hmac::{Hmac, Mac};
use pager_core::auth::{AuthConfig, AuthGuard};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::json;
use sha2::Sha256;

fn guard(config: serde_json::Value) -> AuthGuard {
    AuthGuard::new(serde_json::from_value::<AuthConfig>(config).unwrap()).unwrap()
}

fn request(
    query: &str,
    headers: &[(String, Vec<u8>)],
    body: Vec<u8>,
) -> Option<http::Request<Bytes>> {
    let uri = format!("/hook?{query}");
    let mut builder = http::Request::post(uri.parse::<http::Uri>().ok()?);
    for (name, value) in headers {
        let name = http::HeaderName::from_bytes(name.as_bytes()).ok()?;
        let value = http::HeaderValue::from_bytes(value).ok()?;
        builder = builder.header(name, value);
    }
    builder.body(Bytes::from(body)).ok()
}

fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/auth_properties.txt"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_requests_never_panic(
        query in "[ -~]{0,40}",
        headers in vec((prop_oneof!["authorization", "x-api-key", "x-signature", "x-ts", "[a-z-]{1,10}"], vec(any::<u8>(), 0..40)), 0..5),
        body in vec(any::<u8>(), 0..200),
    ) {
        let all = guard(json!({
            "api_key": "key", "basic": {"username": "u", "password": "p"},
            "hmac": {"secret": "s", "header": "X-Signature", "prefix": "sha256=", "timestamp_header": "X-Ts"}
        }));
        let bearer = guard(json!({"authorization": {"type": "ApiKey", "credentials": "c"}}));
        if let Some(req) = request(&query, &headers, body) {
            for g in [&all, &bearer] {
                if let Err(err) = g.check(&req) {
                    prop_assert_eq!(err.status(), 401);
                }
            }
        }
    }

    #[test]
    fn an_api_key_is_accepted_exactly_when_it_matches(key in "[A-Za-z0-9._~-]{1,30}", presented in "[A-Za-z0-9._~-]{0,30}") {
        let g = guard(json!({"api_key": key}));
        let via_query = request(&format!("x-api-key={presented}"), &[], Vec::new()).unwrap();
        let via_header = request("", &[("x-api-key".to_owned(), presented.clone().into_bytes())], Vec::new()).unwrap();
        prop_assert_eq!(g.check(&via_query).is_ok(), presented == key);
        prop_assert_eq!(g.check(&via_header).is_ok(), presented == key);
    }

    #[test]
    fn bearer_credentials_are_accepted_exactly_when_they_match(token in "[!-~]{1,40}", presented in "[!-~]{1,40}") {
        let g = guard(json!({"bearer": token}));
        let req = request("", &[("authorization".to_owned(), format!("Bearer {presented}").into_bytes())], Vec::new()).unwrap();
        prop_assert_eq!(g.check(&req).is_ok(), presented == token);
    }

    #[test]
    fn an_hmac_signature_covers_every_byte_of_the_body(
        secret in "[ -~]{1,20}",
        body in vec(any::<u8>(), 1..300),
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let g = guard(json!({"hmac": {"secret": secret, "header": "X-Signature"}}));
        let header = vec![("x-signature".to_owned(), signature(&secret, &body).into_bytes())];
        prop_assert!(g.check(&request("", &header, body.clone()).unwrap()).is_ok());
        let mut tampered = body;
        let at = flip.index(tampered.len());
        tampered[at] ^= 1 << bit;
        prop_assert!(g.check(&request("", &header, tampered).unwrap()).is_err());
    }
}
