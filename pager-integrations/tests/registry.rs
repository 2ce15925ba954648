//! `registry()` and the adapter crates under `integrations/` agree, both ways: every crate folder
//! is registered (with the default features, which enable every vendor) and every registered
//! slug is a crate folder.

// Test code: a failed unwrap is a test failure with its location.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;

/// The folders `integrations/<slug>/` that hold a `Cargo.toml`.
fn crate_folders() -> BTreeSet<String> {
    let integrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("../integrations");
    std::fs::read_dir(integrations)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("Cargo.toml").is_file())
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

fn registered() -> BTreeSet<String> {
    pager_integrations::registry()
        .list()
        .map(|info| info.slug.to_owned())
        .collect()
}

#[test]
#[cfg_attr(
    not(feature = "default"),
    ignore = "needs every vendor's feature: run with the default features"
)]
fn every_adapter_crate_is_registered() {
    let folders = crate_folders();
    assert!(!folders.is_empty(), "no crates under integrations/");
    let missing: Vec<String> = folders.difference(&registered()).cloned().collect();
    assert!(
        missing.is_empty(),
        "crates under integrations/ not in pager_integrations::registry(): {missing:?}; add \
         each one's optional dependency and feature (listed in `default`) to \
         pager-integrations/Cargo.toml and its `.with::<…>()` line to registry()"
    );
}

#[test]
fn every_registered_slug_is_an_adapter_crate() {
    let missing: Vec<String> = registered().difference(&crate_folders()).cloned().collect();
    assert!(
        missing.is_empty(),
        "registered, but no integrations/<slug>/Cargo.toml: {missing:?}"
    );
}
