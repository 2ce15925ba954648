//! Load test of the receiver: `cargo bench -p pager-benches --bench serve_load`.
//!
//! Starts the receiver (the same Router `pagerhook serve` runs, SQLite store in a temporary
//! folder, one prometheus-v3 instance) on 127.0.0.1 with two worker threads, then drives it
//! from client threads over keep-alive HTTP/1.1 connections for a fixed time per scenario:
//! 1-alert and 100-alert Alertmanager payloads, spread over 1,000 distinct groups. Prints
//! deliveries/s and latency percentiles, then checks through the store that no delivery was
//! lost or duplicated: one delivery logged per 200 answered, one open alert per group, and
//! the groups' dedup counts summing to the deliveries sent.
//!
//! A third scenario repeats the 1-alert run with one output (`on = ["delivery"]`,
//! `body = "raw"`: the relay in front of a workflow engine) posting to a local HTTP sink that
//! this bench starts; after the run it waits for the outbox to drain and checks that the sink
//! got every delivery's message (by `webhook-id`; a repeat is allowed, at least once, and
//! counted).
//!
//! The ratio with/without an output is measured on a machine that other work shares, so the
//! two 1-alert scenarios alternate `--rounds` times (default 3; the order flips each round),
//! each run with a receiver and a store (a database) of its own; every run is printed, with the
//! ratio of each round, their median, and the ratio of each side's best run.
//!
//! `--seconds N` sets the time per run (default 10); `--clients N` the client threads
//! (default 16); `--rounds N` the alternations. Not a timed test: nothing fails because the
//! machine is slow, only when something is lost.
//!
//! `--store postgres` runs the same scenarios on the PostgreSQL store, in a throwaway cluster
//! this bench starts (`initdb`/`pg_ctl` as for the tests, but with fsync on, as SQLite's
//! `synchronous = FULL`; a fresh database per run), and
//! `--replicas N` (default 1) serves each run from N receivers — each its own store, pool
//! and two-worker runtime, as N `pagerhook serve` processes would be — on that one database,
//! the clients spread over them. The database server shares the machine's cores with them.

// Bench code: a failed unwrap is a failed run; the casts are measurement arithmetic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss
)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pager_server::Receiver;
use pager_server::config::{ServeConfig, ServerConfig};
use pager_server::lifecycle::AlertStatus;
use pager_server::store::{
    AlertFilter, MessageStatus, PostgresLocation, PostgresStore, SqliteStore, Store,
};

const GROUPS: usize = 1000;

/// Where the scenarios keep their data.
enum Backend {
    Sqlite,
    /// The throwaway cluster, and how many replicas serve each scenario.
    Postgres(&'static pager_testkit::PgCluster, usize),
}

impl Backend {
    fn replicas(&self) -> usize {
        match self {
            Backend::Sqlite => 1,
            Backend::Postgres(_, replicas) => *replicas,
        }
    }

    /// The database of scenario `instance`: a file, or a fresh database's URL.
    fn location(&self, dir: &std::path::Path, instance: &str) -> String {
        match self {
            Backend::Sqlite => dir.join(format!("{instance}.db")).display().to_string(),
            Backend::Postgres(cluster, _) => cluster.create_database(instance).unwrap(),
        }
    }

    fn open(&self, runtime: &tokio::runtime::Runtime, location: &str) -> Arc<dyn Store> {
        match self {
            Backend::Sqlite => Arc::new(SqliteStore::open(location).unwrap()),
            Backend::Postgres(..) => {
                let location = PostgresLocation::parse(location).unwrap();
                Arc::new(runtime.block_on(PostgresStore::open(&location)).unwrap())
            }
        }
    }
}

fn arg_text(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `GROUPS` payloads of `alerts` alerts each, differing in their groupKey.
fn payloads(alerts: usize) -> Vec<String> {
    let template: serde_json::Value =
        serde_json::from_slice(&pager_prometheus_v3::sample::notification(alerts)).unwrap();
    (0..GROUPS)
        .map(|group| {
            let mut payload = template.clone();
            payload["groupKey"] = format!("{{}}:{{load=\"{group}\"}}").into();
            payload.to_string()
        })
        .collect()
}

struct Scenario {
    name: &'static str,
    sent: u64,
    failed: u64,
    seconds: f64,
    latencies_us: Vec<u64>,
    /// The group of every delivery sent.
    groups: Vec<usize>,
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)] as f64 / 1000.0
}

/// An HTTP sink on its own one-thread runtime: counts the requests of each `webhook-id`.
struct Sink {
    port: u16,
    received: Arc<Mutex<HashMap<i64, u32>>>,
    _runtime: tokio::runtime::Runtime,
}

fn sink() -> Sink {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let received = Arc::new(Mutex::new(HashMap::new()));
    let counts = Arc::clone(&received);
    let app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap| {
        let counts = Arc::clone(&counts);
        async move {
            // `dlv_<store prefix>_<delivery id>`: counted by delivery id.
            if let Some(id) = headers
                .get("webhook-id")
                .and_then(|v| v.to_str().ok())
                .and_then(|id| id.rsplit('_').next())
                .and_then(|id| id.parse::<i64>().ok())
            {
                *counts.lock().unwrap().entry(id).or_insert(0) += 1;
            }
            axum::http::StatusCode::NO_CONTENT
        }
    });
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
    Sink {
        port,
        received,
        _runtime: runtime,
    }
}

fn drive(urls: &[String], alerts: usize, clients: u64, seconds: u64) -> Scenario {
    let payloads = Arc::new(payloads(alerts));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|client| {
            let url = urls[client as usize % urls.len()].clone();
            let (payloads, stop) = (Arc::clone(&payloads), Arc::clone(&stop));
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(10)))
                    .build()
                    .into();
                let (mut sent, mut failed, mut latencies, mut groups) =
                    (0u64, 0u64, Vec::new(), Vec::new());
                let mut next = client as usize * 37;
                while !stop.load(Ordering::Relaxed) {
                    let body = &payloads[next % GROUPS];
                    groups.push(next % GROUPS);
                    next += 1;
                    let begun = Instant::now();
                    let response = agent
                        .post(&url)
                        .header("Content-Type", "application/json")
                        .send(body.as_str());
                    latencies.push(begun.elapsed().as_micros() as u64);
                    match response {
                        Ok(mut r) if r.status() == 200 => {
                            let _ = r.body_mut().read_to_vec();
                            sent += 1;
                        }
                        _ => failed += 1,
                    }
                }
                (sent, failed, latencies, groups)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut scenario = Scenario {
        name: "",
        sent: 0,
        failed: 0,
        seconds: 0.0,
        latencies_us: Vec::new(),
        groups: Vec::new(),
    };
    for thread in threads {
        let (sent, failed, latencies, groups) = thread.join().unwrap();
        scenario.groups.extend(groups);
        scenario.sent += sent;
        scenario.failed += failed;
        scenario.latencies_us.extend(latencies);
    }
    scenario.seconds = started.elapsed().as_secs_f64();
    scenario.latencies_us.sort_unstable();
    scenario
}

/// One scenario: a receiver for `instance` (with the relay output if `output`), driven for
/// `seconds`, then checked.
#[allow(clippy::too_many_lines)]
fn run(
    backend: &Backend,
    dir: &std::path::Path,
    sink: &Sink,
    (instance, alerts, output): (&str, usize, bool),
    round: usize,
    clients: u64,
    seconds: u64,
) -> Scenario {
    let location = backend.location(dir, &format!("{instance}-{round}"));
    // Delivery ids start again in each store.
    sink.received.lock().unwrap().clear();
    // One runtime (two workers) per replica, as one `pagerhook serve` process each.
    let runtimes: Vec<tokio::runtime::Runtime> = (0..backend.replicas())
        .map(|_| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
        })
        .collect();
    let runtime = &runtimes[0];
    let port = sink.port;
    let outputs = if output {
        format!(
            "[[outputs]]\nname = \"sink\"\nurl = \"http://127.0.0.1:{port}/wf?x-api-key=k\"\n\
             on = [\"delivery\"]\nbody = \"raw\"\n"
        )
    } else {
        String::new()
    };
    let toml =
        format!("[[instances]]\nname = \"{instance}\"\nintegration = \"prometheus-v3\"\n{outputs}");
    let config = ServeConfig::from_toml(&toml, dir).unwrap();
    let mut urls = Vec::new();
    let mut servers = Vec::new();
    let mut stores = Vec::new();
    for runtime in &runtimes {
        let store = backend.open(runtime, &location);
        let receiver = Receiver::from_config(
            &pager_integrations::registry(),
            &config.instances,
            Arc::clone(&store),
        )
        .unwrap()
        .with_outputs(config.outputs.clone())
        .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        urls.push(format!(
            "http://{}/integrations/{instance}",
            listener.local_addr().unwrap()
        ));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = runtime.spawn(pager_server::serve(
            listener,
            receiver,
            ServerConfig::default(),
            async { drop(stopped.await) },
        ));
        servers.push((stop, server));
        stores.push(store);
    }
    let store = Arc::clone(&stores[0]);

    let mut scenario = drive(&urls, alerts, clients, seconds);
    scenario.name = if output {
        "1 alert + output"
    } else if alerts == 1 {
        "1 alert"
    } else {
        "100 alerts"
    };

    // With an output, let the outbox drain (the server keeps sending), then stop.
    let drained = output.then(|| {
        let started = Instant::now();
        loop {
            let pending = runtime
                .block_on(store.message_counts())
                .unwrap()
                .get(&("sink".to_owned(), MessageStatus::Pending))
                .copied()
                .unwrap_or(0);
            if pending == 0 {
                break started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "the outbox did not drain in 300 s: {pending} pending"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    });

    for ((stop, server), runtime) in servers.into_iter().zip(&runtimes) {
        let _ = stop.send(());
        runtime.block_on(server).unwrap().unwrap();
    }
    drop(store);
    drop(stores);
    // Nothing lost, nothing duplicated.
    let store = backend.open(runtime, &location);
    let check = runtime.block_on(async {
        let logged = store.deliveries(None, usize::MAX).await.unwrap();
        let alerts = store
            .alerts(&AlertFilter::new().limit(usize::MAX))
            .await
            .unwrap();
        store.close().await.unwrap();
        (logged, alerts)
    });
    let (logged, alerts) = check;
    println!(
        "{instance} (run {round}): {} deliveries answered 200 ({:.0}/s), {} failed, in {:.1} s",
        scenario.sent,
        scenario.sent as f64 / scenario.seconds,
        scenario.failed,
        scenario.seconds
    );
    let accepted = logged.iter().filter(|d| d.status == 200).count() as u64;
    assert_eq!(
        accepted, scenario.sent,
        "every answered delivery is logged, once"
    );
    assert_eq!(scenario.failed, 0, "no delivery failed");
    let groups_used: std::collections::BTreeSet<_> = scenario.groups.iter().copied().collect();
    assert_eq!(alerts.len(), groups_used.len(), "one alert per group");
    assert!(alerts.iter().all(|a| a.status == AlertStatus::Open));
    let counted: u64 = alerts.iter().map(|a| a.dedup_count).sum();
    assert_eq!(counted, scenario.sent, "every create counted once");
    if let Some(drained) = drained {
        let counts = sink.received.lock().unwrap();
        let missing = logged
            .iter()
            .filter(|d| d.status == 200 && !counts.contains_key(&d.id))
            .count();
        let repeats: u32 = counts.values().map(|n| n - 1).sum();
        println!(
            "{instance}: the sink got {} messages ({repeats} repeated); the outbox drained {:.1} s after the load stopped",
            counts.len(),
            drained.as_secs_f64()
        );
        assert_eq!(missing, 0, "every accepted delivery reached the sink");
        assert_eq!(
            counts.len() as u64,
            scenario.sent,
            "one message per delivery"
        );
    }
    scenario
}

#[allow(clippy::too_many_lines)]
fn main() {
    let seconds = arg("--seconds", 10);
    let clients = arg("--clients", 16);
    let replicas = usize::try_from(arg("--replicas", 1)).unwrap().max(1);
    let rounds = usize::try_from(arg("--rounds", 3)).unwrap().max(1);
    let backend = match arg_text("--store").as_deref() {
        None | Some("sqlite") => Backend::Sqlite,
        Some("postgres") => {
            let bin = pager_testkit::postgres_bin()
                .expect("--store postgres needs PostgreSQL's initdb and pg_ctl");
            // Durable (fsync on), to compare with SQLite's synchronous=FULL.
            let cluster = pager_testkit::PgCluster::start_durable(&bin).unwrap();
            Backend::Postgres(Box::leak(Box::new(cluster)), replicas)
        }
        Some(other) => {
            eprintln!("--store {other}: sqlite or postgres");
            std::process::exit(2);
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let sink = sink();
    let one = ("one", 1, false);
    let relay = ("relay", 1, true);
    // (without, with) deliveries/s of each round; the order flips each round so that neither
    // side always runs first.
    let mut pairs = Vec::new();
    let mut results = Vec::new();
    for round in 0..rounds {
        let order = if round % 2 == 0 {
            [one, relay]
        } else {
            [relay, one]
        };
        let mut rates = [0.0; 2];
        for scenario in order {
            let s = run(
                &backend,
                dir.path(),
                &sink,
                scenario,
                round,
                clients,
                seconds,
            );
            rates[usize::from(scenario.2)] = s.sent as f64 / s.seconds;
            results.push(s);
        }
        pairs.push((rates[0], rates[1]));
    }
    results.push(run(
        &backend,
        dir.path(),
        &sink,
        ("hundred", 100, false),
        0,
        clients,
        seconds,
    ));

    println!();
    let store = match &backend {
        Backend::Sqlite => {
            "SQLite store (WAL, synchronous=FULL, group commit), 2 server workers".to_owned()
        }
        Backend::Postgres(_, replicas) => format!(
            "PostgreSQL store (local cluster, fsync on), {replicas} replica(s) of 2 server workers each"
        ),
    };
    println!("receiver load: {store}, {clients} client threads, {seconds} s per run");
    println!(
        "{:<18} {:>12} {:>14} {:>9} {:>9} {:>9} {:>10} {:>9} {:>8}",
        "payload",
        "deliveries",
        "deliveries/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms",
        "failed"
    );
    for s in &results {
        println!(
            "{:<18} {:>12} {:>14.0} {:>9.2} {:>9.2} {:>9.2} {:>10.2} {:>9.2} {:>8}",
            s.name,
            s.sent,
            s.sent as f64 / s.seconds,
            percentile(&s.latencies_us, 50.0),
            percentile(&s.latencies_us, 90.0),
            percentile(&s.latencies_us, 99.0),
            percentile(&s.latencies_us, 99.9),
            percentile(&s.latencies_us, 100.0),
            s.failed,
        );
    }
    let mut ratios: Vec<f64> = pairs.iter().map(|(without, with)| with / without).collect();
    let listed: Vec<String> = pairs
        .iter()
        .zip(&ratios)
        .map(|((without, with), ratio)| format!("{with:.0}/{without:.0} = {ratio:.2}"))
        .collect();
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    let best_without = pairs.iter().map(|p| p.0).fold(0.0, f64::max);
    let best_with = pairs.iter().map(|p| p.1).fold(0.0, f64::max);
    println!(
        "with one output / without, by round: {}; median {median:.2}, best runs {:.2} \
         (issue 13's floor: 0.7x)",
        listed.join(", "),
        best_with / best_without
    );
    println!(
        "checked: every 200 logged once, one open alert per group, dedup counts sum to deliveries"
    );
}
