//! The auth guard on arbitrary requests: query strings, header names and values (including
//! non-UTF-8 bytes) and bodies, against every method at once and against the custom scheme.
#![no_main]

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use pager_core::auth::{AuthConfig, AuthGuard, ReceivedAt};

#[derive(Debug, Arbitrary)]
struct Input {
    query: String,
    headers: Vec<(u8, Vec<u8>)>,
    body: Vec<u8>,
    received_at: Option<u32>,
}

const NAMES: [&str; 6] = [
    "authorization",
    "x-api-key",
    "x-signature",
    "x-ts",
    "x-token",
    "content-type",
];

fn guard(config: serde_json::Value) -> AuthGuard {
    AuthGuard::new(serde_json::from_value::<AuthConfig>(config).unwrap()).unwrap()
}

fuzz_target!(|input: Input| {
    let guards = [
        guard(serde_json::json!({
            "api_key": {"key": "k", "query_param": "token", "header": "X-Token"},
            "basic": {"username": "u", "password": "p"},
            "hmac": {"secret": "s", "header": "X-Signature", "prefix": "sha256=", "timestamp_header": "X-Ts", "tolerance_seconds": 60}
        })),
        guard(
            serde_json::json!({"authorization": {"type": "ApiKey", "credentials": "c"}, "hmac": {"secret": "s", "header": "X-Signature", "encoding": "base64"}}),
        ),
    ];
    let Ok(uri) = format!("/hook?{}", input.query).parse::<http::Uri>() else {
        return;
    };
    let mut builder = http::Request::post(uri);
    for (name, value) in &input.headers {
        let Ok(value) = http::HeaderValue::from_bytes(value) else {
            return;
        };
        builder = builder.header(NAMES[usize::from(*name) % NAMES.len()], value);
    }
    let Ok(mut req) = builder.body(Bytes::from(input.body)) else {
        return;
    };
    if let Some(at) = input.received_at {
        req.extensions_mut().insert(ReceivedAt(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(at.into()),
        ));
    }
    for guard in &guards {
        if let Err(err) = guard.check(&req) {
            assert_eq!(err.status(), 401);
        }
    }
});
