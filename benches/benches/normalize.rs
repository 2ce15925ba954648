//! `cargo bench -p pager-benches` — normalization speed against two floors, in one run.
//!
//! 1. criterion benchmarks, for 1, 10, 100 and 1000 generated alerts (10 labels and 3
//!    annotations each, Go-encoder style): the prometheus-v3 adapter in group and alert mode,
//!    `serde_json` into `IgnoredAny` (the parse floor) and into an owned typed mirror of the
//!    schema (the owned floor); plus every registered adapter over all of its fixtures.
//! 2. A table of payloads/s, MB/s and the ratios adapter/floor (throughput; ≥ 1.0 means at
//!    least as fast as the floor), read back from criterion's estimates of this run.
//! 3. Rules: a 1-alert notification through a prometheus-v3 instance (alert mode) with five
//!    typical rules against the same instance without rules; the ratio is printed (target ≥ 0.5),
//!    from criterion's means and again from the two timed in turn (`--rules-interleaved` runs
//!    only the latter).
//! 4. The CLI normalizing a 10 MB payload against a program that reads the file and does one
//!    owned typed parse: both are this bench binary re-run as a child process (`--child-cli`,
//!    `--child-owned-parse`), so both pay the same process start-up; median of 9 runs each.

// A benchmark harness prints its report.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_precision_loss
)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, black_box};
use pager_benches::{ignored_parse, owned_parse, registry, sample_notification};
use pager_core::Integration;

const SIZES: [usize; 4] = [1, 10, 100, 1000];
// About 10 MB: more alerts than the default max_alerts (10,000), so the CLI runs raise it.
const CLI_ALERTS: usize = 13_400;
const CLI_RUNS: usize = 9;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    match args.get(1).and_then(|a| a.to_str()) {
        Some("--child-cli") => return pager_cli::run(args.iter().skip(1).cloned()),
        Some("--rules-interleaved") => {
            rules_interleaved();
            return ExitCode::SUCCESS;
        }
        Some("--child-owned-parse") => {
            let body = std::fs::read(args.get(2).expect("a file")).expect("readable file");
            black_box(owned_parse(&body).expect("an Alertmanager payload"));
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let out_dir = target_dir().join("criterion");
    let mut c = Criterion::default()
        .output_directory(&out_dir)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench_sizes(&mut c);
    bench_rules(&mut c);
    bench_fixtures(&mut c);
    c.final_summary();
    // `--profile-time` (for perf) and `--list` run no measurements to report on.
    if !args.iter().any(|a| a == "--profile-time" || a == "--list") {
        print_table(&out_dir);
        print_rules(&out_dir);
        compare_cli();
    }
    ExitCode::SUCCESS
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    )
}

fn request(body: &[u8]) -> http::Request<Bytes> {
    http::Request::post("/")
        .body(Bytes::copy_from_slice(body))
        .unwrap()
}

fn bench_sizes(c: &mut Criterion) {
    let registry = registry();
    let group_mode = registry
        .build("prometheus-v3", &serde_json::json!({}))
        .unwrap();
    let alert_mode = registry
        .build("prometheus-v3", &serde_json::json!({"grouping": "alert"}))
        .unwrap();
    for alerts in SIZES {
        let body = sample_notification(alerts);
        let req = request(&body);
        let mut g = c.benchmark_group(format!("alerts-{alerts}"));
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function("group", |b| {
            b.iter(|| group_mode.handle(black_box(&req)).unwrap());
        });
        g.bench_function("alert", |b| {
            b.iter(|| alert_mode.handle(black_box(&req)).unwrap());
        });
        g.bench_function("part-parse", |b| {
            b.iter(|| pager_prometheus_v3::parts::parse(black_box(&body)).unwrap());
        });
        g.bench_function("floor-owned", |b| {
            b.iter(|| owned_parse(black_box(&body)).unwrap());
        });
        g.bench_function("floor-ignored", |b| {
            b.iter(|| ignored_parse(black_box(&body)).unwrap());
        });
        g.finish();
    }
}

/// Five rules of the kinds the README shows: a drop, a dedup key, an urgency, tags and data
/// (reading `payload`, so the body is parsed a second time), a conditional title.
fn five_rules() -> serde_json::Value {
    serde_json::json!({
        "grouping": "alert",
        "rules": [
            {"if": "alert.labels.alertname | default('') == 'Watchdog'", "drop": true},
            {"set": {"dedup_key": "{{ alert.labels.alertname }}/{{ alert.labels.instance | default('-') }}"}},
            {"if": "event.urgency is none", "set": {"urgency": "{{ alert.labels.severity | default('') }}"}},
            {"set": {"tags": ["receiver:{{ payload.receiver }}"], "additional_data": {"Fingerprint": "{{ alert.fingerprint }}"}}},
            {"if": "event.action == 'resolve'", "set": {"title": "Resolved: {{ event.title }}"}},
        ],
    })
}

fn bench_rules(c: &mut Criterion) {
    let registry = registry();
    let none = registry
        .build("prometheus-v3", &serde_json::json!({"grouping": "alert"}))
        .unwrap();
    let five = registry.build("prometheus-v3", &five_rules()).unwrap();
    let body = sample_notification(1);
    let req = request(&body);
    let handled = five.handle_with_report(&req).unwrap();
    assert!(
        handled.rule_failures.is_empty(),
        "{:?}",
        handled.rule_failures
    );
    let mut g = c.benchmark_group("rules");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("none", |b| {
        b.iter(|| none.handle(black_box(&req)).unwrap());
    });
    g.bench_function("five", |b| {
        b.iter(|| five.handle(black_box(&req)).unwrap());
    });
    g.finish();
}

fn print_rules(out_dir: &Path) {
    let (Some(none), Some(five)) = (
        mean_ns(out_dir, "rules", "none"),
        mean_ns(out_dir, "rules", "five"),
    ) else {
        println!(
            "
rules: no estimates (run without a filter, or with `rules`)"
        );
        return;
    };
    println!(
        "
Rules, 1-alert notification, alert mode: none {:.0}/s, five rules {:.0}/s, \
         ratio {:.2} (target >= 0.5)",
        1e9 / none,
        1e9 / five,
        none / five
    );
    rules_interleaved();
}

/// Rounds and handles per batch of [`rules_interleaved`].
const AB_ROUNDS: usize = 200;
const AB_BATCH: usize = 100;

/// The rules ratio again, measured so that a shared machine's load cannot favour one side:
/// the two instances are timed in turn, a batch each per round, and each keeps its fastest
/// batch (the one least disturbed by other work). Criterion's means above time the two one
/// after the other, seconds apart.
fn rules_interleaved() {
    let registry = registry();
    let none = registry
        .build("prometheus-v3", &serde_json::json!({"grouping": "alert"}))
        .unwrap();
    let five = registry.build("prometheus-v3", &five_rules()).unwrap();
    let req = request(&sample_notification(1));
    let batch = |instance: &pager_core::Instance| {
        let start = Instant::now();
        for _ in 0..AB_BATCH {
            black_box(instance.handle(black_box(&req)).unwrap());
        }
        start.elapsed().as_secs_f64() * 1e9 / AB_BATCH as f64
    };
    let (mut best_none, mut best_five) = (f64::MAX, f64::MAX);
    for _ in 0..AB_ROUNDS {
        best_none = best_none.min(batch(&none));
        best_five = best_five.min(batch(&five));
    }
    println!(
        "Rules, interleaved (best of {AB_ROUNDS} batches of {AB_BATCH} each, in turn): \
         none {:.2} us, five rules {:.2} us (+{:.2} us), ratio {:.3} (target >= 0.5)",
        best_none / 1e3,
        best_five / 1e3,
        (best_five - best_none) / 1e3,
        best_none / best_five
    );
}

/// Every registered adapter over every one of its fixtures, as one benchmark per adapter.
fn bench_fixtures(c: &mut Criterion) {
    let registry = registry();
    let mut g = c.benchmark_group("fixtures");
    for info in registry.list() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures")
            .join(info.slug);
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        let requests: Vec<_> = paths
            .iter()
            .map(|p| pager_testkit::load_request(p).unwrap())
            .collect();
        let bytes: usize = requests.iter().map(|r| r.body().len()).sum();
        let instance = registry.build(info.slug, &serde_json::Value::Null).unwrap();
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_with_input(
            BenchmarkId::from_parameter(info.slug),
            &requests,
            |b, requests| {
                b.iter(|| {
                    requests
                        .iter()
                        .map(|r| instance.handle(r).unwrap().len())
                        .sum::<usize>()
                });
            },
        );
    }
    g.finish();
}

/// Mean time per iteration in nanoseconds, from this run's criterion estimates.
fn mean_ns(out_dir: &Path, group: &str, function: &str) -> Option<f64> {
    let path = out_dir
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

fn print_table(out_dir: &Path) {
    println!(
        "\nprometheus-v3 against the floors (throughput ratios: >= 1.0 is at least as fast as the floor)\n"
    );
    println!(
        "{:>6} {:>9} | {:>11} {:>11} {:>11} {:>11} | {:>8} {:>8} | {:>8} {:>8} | {:>10} {:>11}",
        "alerts",
        "bytes",
        "group /s",
        "alert /s",
        "owned /s",
        "ignored /s",
        "group MB/s",
        "alert MB/s",
        "grp/own",
        "alr/own",
        "grp/ignored",
        "alr/ignored"
    );
    let mut parts = Vec::new();
    for alerts in SIZES {
        let group = format!("alerts-{alerts}");
        let bytes = sample_notification(alerts).len() as f64;
        let times = [
            "group",
            "alert",
            "floor-owned",
            "floor-ignored",
            "part-parse",
        ]
        .map(|f| mean_ns(out_dir, &group, f));
        let [Some(g), Some(a), Some(o), Some(i), Some(parse)] = times else {
            println!("{alerts:>6} (no estimates: run without a filter)");
            continue;
        };
        let per_s = |ns: f64| 1e9 / ns;
        let mb_s = |ns: f64| bytes / ns * 1e9 / 1e6;
        println!(
            "{alerts:>6} {bytes:>9} | {:>11.0} {:>11.0} {:>11.0} {:>11.0} | {:>10.1} {:>10.1} | {:>8.2} {:>8.2} | {:>10.2} {:>11.2}",
            per_s(g),
            per_s(a),
            per_s(o),
            per_s(i),
            mb_s(g),
            mb_s(a),
            o / g,
            o / a,
            i / g,
            i / a,
        );
        parts.push((alerts, o, parse, g));
    }
    println!(
        "\nWhere group mode's time goes, as shares of the owned floor's time (floor = 100):\n"
    );
    println!(
        "{:>6} | {:>7} {:>7} {:>7} | {:>14}",
        "alerts", "parse", "rest", "group", "owned/parse *"
    );
    for (alerts, owned, parse, group) in parts {
        let share = |ns: f64| ns / owned * 100.0;
        println!(
            "{alerts:>6} | {:>7.0} {:>7.0} {:>7.0} | {:>14.2}",
            share(parse),
            share(group - parse),
            share(group),
            owned / parse,
        );
    }
    println!(
        "\n* owned / parse: the best group/owned ratio possible, were titles, links, data, \
         dedup keys and meta free."
    );
}

fn median_run(args: &[&str]) -> Duration {
    let exe = std::env::current_exe().unwrap();
    let mut times: Vec<Duration> = (0..CLI_RUNS)
        .map(|_| {
            let start = Instant::now();
            let status = Command::new(&exe)
                .args(args)
                .stdout(Stdio::null())
                .status()
                .unwrap();
            let elapsed = start.elapsed();
            assert!(status.success(), "{args:?} failed");
            elapsed
        })
        .collect();
    times.sort();
    times[CLI_RUNS / 2]
}

fn compare_cli() {
    let body = sample_notification(CLI_ALERTS);
    let file = std::env::temp_dir().join(format!("pagerhook-bench-{}.json", std::process::id()));
    std::fs::write(&file, &body).unwrap();
    let path = file.to_str().unwrap();
    let baseline = median_run(&["--child-owned-parse", path]);
    let cli_group = median_run(&[
        "--child-cli",
        "normalize",
        "prometheus-v3",
        path,
        "--config",
        r#"{"limits":{"max_alerts":1000000}}"#,
    ]);
    let cli_alert = median_run(&[
        "--child-cli",
        "normalize",
        "prometheus-v3",
        path,
        "--config",
        r#"{"grouping":"alert","limits":{"max_alerts":1000000}}"#,
    ]);
    std::fs::remove_file(&file).unwrap();
    println!(
        "\nCLI on {CLI_ALERTS} alerts ({} bytes), median of {CLI_RUNS} runs, output to /dev/null:",
        body.len()
    );
    println!(
        "  read + owned typed parse   {:>8.1} ms",
        baseline.as_secs_f64() * 1e3
    );
    for (mode, t) in [("group", cli_group), ("alert", cli_alert)] {
        println!(
            "  pagerhook normalize ({mode}) {:>8.1} ms   baseline/CLI = {:.2}",
            t.as_secs_f64() * 1e3,
            baseline.as_secs_f64() / t.as_secs_f64()
        );
    }
}
