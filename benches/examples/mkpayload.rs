//! Writes the 10 MB sample payload the CLI comparison uses, for profiling by hand:
//! `cargo run --release -p pager-benches --example mkpayload -- /tmp/payload-10mb.json`.

fn main() -> std::io::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "payload-10mb.json".to_owned());
    std::fs::write(&path, pager_prometheus_v3::sample::notification(13_400))
}
