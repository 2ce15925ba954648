//! The conformance sweep every registered adapter must pass:
//! - its slug is its folder under `integrations/`, its `id()`, and its fixtures folder;
//! - its fixtures folder has a README (provenance) and at least one fixture;
//! - every fixture is accepted with default options and gives events with the documented
//!   shape (non-empty key and title, `dedup_keys` starting with `thirdparty_id`, every key
//!   of the CLI's JSON present, `meta` an object, the raw body shared with the request, the
//!   event read back equal from its JSON, and no `meta` value over 1 KiB that is a copy
//!   rather than a slice of the body);
//! - every fixture under `invalid/` is rejected with a 4xx error naming the adapter.

// Test code: a failed unwrap or index is a test failure with its location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;

use pager_core::Integration;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// An event's raw body is the request's body, shared, not copied; a GET whose notification is
/// its query string (uptimerobot's `query-*`) has the query, less any API key, for its raw body.
fn assert_raw_body(
    instance: &pager_core::Instance,
    req: &http::Request<bytes::Bytes>,
    event: &pager_core::Event,
    path: &std::path::Path,
) {
    match instance
        .query_as_form(req.method(), req.uri())
        .filter(|_| req.body().is_empty())
    {
        Some(form) => assert_eq!(
            event.raw_body(),
            &form,
            "{}: a GET's raw body is its query",
            path.display()
        ),
        None => assert!(
            std::ptr::eq(event.raw_body().as_ptr(), req.body().as_ptr()),
            "{}: raw body copied",
            path.display()
        ),
    }
}

#[test]
fn every_registered_adapter_conforms() {
    let registry = pager_integrations::registry();
    assert!(registry.list().len() > 0);
    for info in registry.list() {
        let slug = info.slug;
        assert!(
            workspace()
                .join("integrations")
                .join(slug)
                .join("Cargo.toml")
                .is_file(),
            "{slug}: no integrations/{slug}/"
        );
        let fixtures = workspace().join("fixtures").join(slug);
        assert!(
            fixtures.join("README.md").is_file(),
            "{slug}: no fixtures/{slug}/README.md"
        );
        let instance = registry.build(slug, &serde_json::Value::Null).unwrap();
        assert_eq!(instance.id(), slug);

        let valid = pager_testkit::body_files(&fixtures);
        assert!(!valid.is_empty(), "{slug}: no fixtures");
        for path in &valid {
            let req = pager_testkit::load_request(path).unwrap();
            let events = instance
                .handle(&req)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for event in &events {
                assert!(
                    !event.thirdparty_id.is_empty(),
                    "{}: empty thirdparty_id",
                    path.display()
                );
                assert!(
                    !event.title.trim().is_empty(),
                    "{}: blank title",
                    path.display()
                );
                assert_eq!(
                    event.dedup_keys.first(),
                    Some(&event.thirdparty_id),
                    "{}",
                    path.display()
                );
                assert!(
                    event.additional_data.iter().all(|d| !d.value.is_empty()),
                    "{}: empty value",
                    path.display()
                );
                assert_raw_body(&instance, &req, event, path);
                let json = serde_json::to_value(event).unwrap();
                for key in pager_core::EVENT_JSON_KEYS {
                    assert!(
                        json.get(key).is_some(),
                        "{}: event lacks {key}",
                        path.display()
                    );
                }
                assert!(
                    json["meta"].is_object(),
                    "{}: meta is not an object",
                    path.display()
                );
                let text = serde_json::to_string(event).unwrap();
                let back: pager_core::Event = serde_json::from_str(&text).unwrap();
                assert_eq!(&back, event, "{}: does not read back equal", path.display());
                let body =
                    req.body().as_ptr() as usize..req.body().as_ptr() as usize + req.body().len();
                for (key, value) in event.meta.iter() {
                    assert!(
                        value.len() <= 1024 || body.contains(&(value.as_ptr() as usize)),
                        "{}: meta.{key} is a {}-byte copy, not a slice of the body",
                        path.display(),
                        value.len()
                    );
                }
            }
        }

        for path in pager_testkit::body_files(&fixtures.join("invalid")) {
            let req = pager_testkit::load_request(&path).unwrap();
            let err = instance
                .handle(&req)
                .expect_err(&format!("{} was accepted", path.display()));
            assert!(err.status().is_client_error(), "{}: {err}", path.display());
            assert_eq!(err.integration(), slug);
            assert!(
                err.to_string().starts_with(&format!("{slug}: ")),
                "{}: {err}",
                path.display()
            );
        }
    }
}

#[test]
fn unknown_slugs_and_bad_options_are_config_errors() {
    let registry = pager_integrations::registry();
    let err = registry
        .build("nagios", &serde_json::Value::Null)
        .unwrap_err();
    let known: Vec<_> = registry.list().map(|i| i.slug).collect();
    assert!(
        err.to_string()
            .ends_with(&format!("known integrations: {}", known.join(", "))),
        "{err}"
    );
    let err = registry
        .build("prometheus-v3", &serde_json::json!({"grouping": 3}))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("prometheus-v3: invalid configuration at grouping"),
        "{err}"
    );
}

/// Limits set the way a host embedding the library sets them reach both the instance (body
/// size) and the adapter (`max_alerts`).
#[test]
fn limits_built_by_a_host_reach_instance_and_adapter() {
    let registry = pager_integrations::registry();
    let build = |limits: pager_core::Limits| {
        let mut config = pager_core::InstanceConfig::default();
        config.limits = limits;
        registry.build_instance("prometheus-v3", &config).unwrap()
    };
    let load = |name: &str| {
        pager_testkit::load_request(&workspace().join("fixtures/prometheus-v3").join(name)).unwrap()
    };

    let small = build(pager_core::Limits::default().with_max_body_bytes(100));
    let err = small.handle(&load("single-firing.json")).unwrap_err();
    assert_eq!(err.status(), 413);
    assert_eq!(
        err.to_string(),
        "prometheus-v3: payload of 1159 bytes exceeds the limit of 100 bytes"
    );

    let few = build(pager_core::Limits::default().with_max_alerts(Some(2)));
    assert!(
        few.handle(&load("truncated-firing.json")).is_ok(),
        "2 alerts are allowed"
    );
    let err = few.handle(&load("group-mixed-firing.json")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("prometheus-v3: max_alerts exceeded"),
        "{err}"
    );
}
