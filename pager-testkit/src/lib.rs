//! # pager-testkit: pagerhook's test tooling (unpublished)
//!
//! What tests (and the CLI's `--replay`) need and the contract crate must not hold, because it
//! reads files, the environment or the clock, or writes to stderr:
//!
//! - replaying captured deliveries: [`load_request`] builds the request a fixture records (its
//!   body plus the sibling `.headers` file, see [`headers_path`]), [`parse_header_line`] reads
//!   one `Name: value` line, [`body_files`] lists a fixtures folder;
//! - snapshot tests: [`snapshots!`] generates an adapter's, running every fixture through an
//!   [`instance`] built as hosts build it ([`events_json`], [`rejection`]);
//! - behaviour tests: [`fixture_event`], [`handle_json`] / [`json_request`], [`data`];
//! - live tests: [`alertmanager_for_test`] finds a real Alertmanager or skips loudly,
//!   [`find_on_path`] finds any binary; [`postgres_for_test`] starts a throwaway PostgreSQL
//!   cluster (one per test process, a fresh database per test) or skips loudly.

mod alertmanager;
mod behaviour;
mod fixture;
mod postgres;
mod snapshots;

pub use alertmanager::{alertmanager_for_test, find_on_path};
pub use behaviour::{data, fixture_event, handle_json, json_request};
pub use fixture::{body_files, headers_path, load_request, parse_header_line};
pub use postgres::{POSTGRES_USER, PgCluster, postgres_bin, postgres_for_test};
pub use snapshots::{events_json, fixtures_dir, instance, rejection};

/// What [`snapshots!`] expands to refers to, so callers need no extra dependencies.
#[doc(hidden)]
pub mod __private {
    pub use pager_core::{Adapter, Instance};
    pub use serde_json;
}

/// A TCP port on 127.0.0.1 that was free a moment ago, for a server a test starts (the port
/// is released before the server binds it, so a rare clash is possible, never a hang).
///
/// # Panics
/// When no port can be bound on 127.0.0.1 at all.
#[allow(clippy::unwrap_used)]
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `check` every 100 ms until it returns `Some`, for at most `seconds`: the bounded wait
/// of tests that drive a real server.
///
/// # Panics
/// When `check` has not returned `Some` within `seconds`, naming `what` was awaited.
pub fn wait_for<T>(what: &str, seconds: u64, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {seconds} s waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
