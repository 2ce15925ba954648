//! Every adapter of the registry, with default options, on arbitrary bytes. Input: byte 0 picks
//! the adapter (by slug order: the folders of `integrations/`, sorted), byte 1 the
//! `Content-Type` (low 2 bits) and the path below the instance's URL (the next 3 bits), the
//! rest is the body — so the fixtures, prefixed with two bytes, are the seed corpus
//! (`seed-corpus.sh`).
#![no_main]

use std::sync::OnceLock;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use pager_core::{Instance, Integration};

const CONTENT_TYPES: [Option<&str>; 4] = [
    Some("application/json"),
    Some("application/x-www-form-urlencoded"),
    Some("text/plain"),
    None,
];

const PATHS: [&str; 6] = [
    "/",
    "/v2/enqueue",
    "/generic/2010-04-15/create_event.json",
    "/v2/alerts",
    "/v2/alerts/a1/close?identifierType=alias",
    "/v2/alerts/a1/acknowledge",
];

fn instances() -> &'static [(String, Instance)] {
    static INSTANCES: OnceLock<Vec<(String, Instance)>> = OnceLock::new();
    INSTANCES.get_or_init(|| {
        let registry = pager_integrations::registry();
        let mut slugs: Vec<String> = registry.list().map(|i| i.slug.to_owned()).collect();
        slugs.sort();
        slugs
            .into_iter()
            .map(|slug| {
                let instance = registry.build(&slug, &serde_json::Value::Null).unwrap();
                (slug, instance)
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let [adapter, shape, body @ ..] = data else {
        return;
    };
    let instances = instances();
    let (slug, instance) = &instances[usize::from(*adapter) % instances.len()];
    let path = PATHS[usize::from(shape >> 2) % PATHS.len()];
    let mut builder = http::Request::post(path);
    if let Some(ct) = CONTENT_TYPES[usize::from(shape & 3)] {
        builder = builder.header("content-type", ct);
    }
    let req = builder.body(Bytes::copy_from_slice(body)).unwrap();
    match instance.handle(&req) {
        Ok(events) => {
            for event in &events {
                assert!(!event.thirdparty_id.is_empty(), "{slug}: empty key");
                assert!(!event.title.trim().is_empty(), "{slug}: blank title");
                assert_eq!(event.dedup_keys.first(), Some(&event.thirdparty_id), "{slug}");
                let json = serde_json::to_string(event).unwrap();
                let back: pager_core::Event = serde_json::from_str(&json).unwrap();
                assert_eq!(&back, event, "{slug}: an event reads back equal from its JSON");
            }
            if let Some(answer) = instance.answer(&req, &events) {
                assert!(answer.status.is_success(), "{slug}: answer {}", answer.status);
            }
        }
        Err(err) => assert!(err.status().is_client_error(), "{slug}: {err}"),
    }
});
