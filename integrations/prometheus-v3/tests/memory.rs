//! Peak heap while normalizing large payloads, measured with dhat's counting allocator, must
//! stay a small multiple of the payload's size in both grouping modes. This is a bound on
//! bytes, not time: it does not depend on how fast the machine is.
//!
//! `cargo test -p pager-prometheus-v3 --test memory -- --nocapture` prints the figures.

// Test code: a failed unwrap or index is a test failure with its location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stdout
)]

mod common;

use pager_core::Integration;
use serde_json::json;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Peak heap / payload size allowed. Measured (BENCHMARKS.md): group mode about 1.5× (its
/// `meta` copies nothing), alert mode about 5.4×: one event per alert, each with its labels
/// copied into `additional_data` entries, a title and a percent-encoded silence link, beside
/// the parsed label sets they come from (the alert itself in `meta` is a slice of the body,
/// not a copy). The bounds catch a copy of the body per event or a quadratic blow-up.
const MAX_RATIO_GROUP: f64 = 3.0;
const MAX_RATIO_ALERT: f64 = 6.0;

// One test: dhat allows one profiler per process at a time.
#[test]
fn peak_heap_is_a_small_multiple_of_the_payload() {
    for (alerts, label) in [(1_340, "1 MB"), (13_400, "10 MB")] {
        let body = bytes::Bytes::from(common::generated_notification(alerts));
        let req = http::Request::post("/").body(body.clone()).unwrap();
        for (mode, config, max_ratio) in [
            // 13,400 alerts are more than the default max_alerts (10,000) accepts.
            (
                "group",
                json!({"limits": {"max_alerts": 100_000}}),
                MAX_RATIO_GROUP,
            ),
            (
                "alert",
                json!({"grouping": "alert", "limits": {"max_alerts": 100_000}}),
                MAX_RATIO_ALERT,
            ),
        ] {
            let adapter = common::adapter(config);
            let profiler = dhat::Profiler::builder().testing().build();
            let events = adapter.handle(&req).unwrap();
            let stats = dhat::HeapStats::get();
            drop(profiler);
            assert_eq!(events.len(), if mode == "group" { 1 } else { alerts });
            drop(events);
            #[allow(clippy::cast_precision_loss)]
            let ratio = stats.max_bytes as f64 / body.len() as f64;
            println!(
                "{label} ({alerts} alerts, {} bytes), {mode} mode: peak heap {} bytes = {ratio:.2}x the payload, {} allocations",
                body.len(),
                stats.max_bytes,
                stats.total_blocks
            );
            assert!(
                ratio <= max_ratio,
                "{mode} mode on {alerts} alerts: peak heap {ratio:.2}x the payload"
            );
        }
    }
}
