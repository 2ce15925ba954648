#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The PostgreSQL store against a real, throwaway cluster (one per test process, a fresh
//! database per test; see `pager_testkit::postgres_for_test`): the conformance suite, and what
//! only a shared database has — replicas racing, claims, singleton locks, a database that goes
//! away and comes back. Skipped loudly without PostgreSQL's binaries, unless
//! `PAGERHOOK_REQUIRE_POSTGRES=1` (set by `.ci/run`), which makes it fail.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use pager_core::{Action, Event};
use pager_server::config::StoreLocation;
use pager_server::lifecycle::{AlertStatus, Transition};
use pager_server::store::{
    AlertFilter, Delivery, Outcome, PostgresLocation, PostgresStore, Store, StoreError, conformance,
};

/// A fresh database's URL, or `None` (skipped).
fn database(test: &str) -> Option<String> {
    let cluster = pager_testkit::postgres_for_test(test).unwrap()?;
    Some(cluster.create_database(test).unwrap())
}

async fn open(url: &str) -> PostgresStore {
    PostgresStore::open(&PostgresLocation::parse(url).unwrap())
        .await
        .unwrap()
}

/// A store on a fresh database, or `None` (skipped).
async fn store(test: &str) -> Option<PostgresStore> {
    let url = database(test)?;
    Some(open(&url).await)
}

macro_rules! conformance_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(store) = store(concat!("postgres_", stringify!($name))).await else {
                    return;
                };
                conformance::$name(&store).await;
                store.close().await.unwrap();
            }
        )*
    };
}

conformance_tests!(
    lifecycle,
    keys_and_instances,
    delivery_log,
    retention,
    bounded_deliveries,
    replays,
    outbox,
    outbox_order,
    outbox_relay_retention,
    heartbeat_pings,
    maintenance,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates() {
    let Some(store) = store("postgres_concurrent_creates").await else {
        return;
    };
    conformance::concurrent_creates(Arc::new(store)).await;
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
}

fn create(key: &str, seconds: i64) -> Delivery {
    Delivery::new(
        "am",
        at(seconds),
        Some("application/json".into()),
        Some(Bytes::from_static(b"{}")),
        2,
        Outcome::Accepted(vec![Event::new(Action::Create, key, "down")]),
    )
}

/// Three replicas (three stores, three pools) opened at once on one new database: the
/// migrations apply once (an advisory lock), and racing creates and resolves across them keep
/// at most one unresolved alert per key, with every create counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_one_database() {
    let Some(url) = database("postgres_replicas") else {
        return;
    };
    let opened = futures_join3(open(&url), open(&url), open(&url)).await;
    let replicas: Vec<Arc<dyn Store>> =
        vec![Arc::new(opened.0), Arc::new(opened.1), Arc::new(opened.2)];
    let mut tasks = Vec::new();
    for i in 0..150_i64 {
        let store = Arc::clone(&replicas[usize::try_from(i).unwrap() % 3]);
        tasks.push(tokio::spawn(async move {
            let key = format!("k{}", i % 5);
            // Resolves spread over every key (i % 7 == 6 meets each i % 5).
            let delivery = if i % 7 == 6 {
                Delivery::new(
                    "am",
                    at(i),
                    None,
                    Some(Bytes::from_static(b"{}")),
                    2,
                    Outcome::Accepted(vec![Event::new(Action::Resolve, &key, "down")]),
                )
            } else {
                create(&key, i)
            };
            store.ingest(delivery).await.unwrap()
        }));
    }
    let mut opens = 0;
    let mut creates = 0_u64;
    for task in tasks {
        let ingested = task.await.unwrap();
        for result in &ingested.results {
            if result.action == Action::Create {
                creates += 1;
            }
            if result.transition == Transition::Opened {
                opens += 1;
            }
        }
    }
    let alerts = replicas[0]
        .alerts(&AlertFilter::new().limit(10_000))
        .await
        .unwrap();
    let mut unresolved = std::collections::BTreeMap::new();
    for alert in &alerts {
        if alert.status != AlertStatus::Resolved {
            *unresolved.entry(alert.thirdparty_id.clone()).or_insert(0) += 1;
        }
    }
    assert!(unresolved.values().all(|&n| n == 1), "{unresolved:?}");
    assert_eq!(alerts.len(), opens, "every open made one alert");
    assert_eq!(
        alerts.iter().map(|a| a.dedup_count).sum::<u64>(),
        creates,
        "every create counted once"
    );
    assert_eq!(replicas[1].deliveries(None, 1000).await.unwrap().len(), 150);
    for store in replicas {
        store.close().await.unwrap();
    }
}

async fn futures_join3<A, B, C>(
    a: impl std::future::Future<Output = A>,
    b: impl std::future::Future<Output = B>,
    c: impl std::future::Future<Output = C>,
) -> (A, B, C) {
    tokio::join!(a, b, c)
}

/// A due message claimed by one replica's worker is not handed to another until its lease
/// runs out; the claimer sees it again (the dispatcher's `skip` is what keeps it from itself).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn due_messages_are_claimed_by_one_replica() {
    let Some(url) = database("postgres_claims") else {
        return;
    };
    let (first, second) = (open(&url).await, open(&url).await);
    let output = pager_server::outputs::OutputConfig::new(
        "sink",
        pager_server::outputs::OutputUrl::parse("http://127.0.0.1:9/").unwrap(),
        [pager_server::outputs::Trigger::Opened],
    );
    let plan =
        pager_server::outputs::OutboxPlan::for_instance("am", "prometheus-v3", &[output]).unwrap();
    for i in 0..10 {
        first
            .ingest(create(&format!("k{i}"), i).with_outbox(Arc::clone(&plan)))
            .await
            .unwrap();
    }
    let now = at(100);
    let mine = first
        .claim_messages("sink", now, &[], 4, usize::MAX, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(mine.len(), 4);
    let theirs = second
        .due_messages("sink", now, &[], 100, usize::MAX)
        .await
        .unwrap();
    assert_eq!(
        theirs.len(),
        6,
        "the other replica gets only the unclaimed ones"
    );
    assert!(theirs.iter().all(|m| mine.iter().all(|n| n.id != m.id)));
    let again = first
        .claim_messages("sink", now, &[], 100, usize::MAX, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(again.len(), 4, "its own claims, the others' excluded");
    // Leases are measured by the database's clock, not by `now`.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let later = now + chrono::Duration::minutes(10);
    let after_lease = second
        .due_messages("sink", later, &[], 100, usize::MAX)
        .await
        .unwrap();
    assert_eq!(
        after_lease.len(),
        10,
        "leases ran out: everything is due again"
    );
    // A replica that closes leaves its unfinished claims to the others at once.
    let third = open(&url).await;
    let due = third
        .due_messages("sink", later, &[], 100, usize::MAX)
        .await
        .unwrap();
    assert_eq!(due.len(), 0, "all claimed by the second");
    second.close().await.unwrap();
    let due = third
        .due_messages("sink", later, &[], 100, usize::MAX)
        .await
        .unwrap();
    assert_eq!(due.len(), 10);
}

/// A plan with one output, `sink`, sent a message for each opened alert.
fn sink_plan() -> Arc<pager_server::outputs::OutboxPlan> {
    let output = pager_server::outputs::OutputConfig::new(
        "sink",
        pager_server::outputs::OutputUrl::parse("http://127.0.0.1:9/").unwrap(),
        [pager_server::outputs::Trigger::Opened],
    );
    pager_server::outputs::OutboxPlan::for_instance("am", "prometheus-v3", &[output]).unwrap()
}

/// Two replicas claiming at the same moment, round after round, never get one message both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_never_overlap() {
    let Some(url) = database("postgres_concurrent_claims") else {
        return;
    };
    let (first, second) = (Arc::new(open(&url).await), Arc::new(open(&url).await));
    let plan = sink_plan();
    for i in 0..60 {
        first
            .ingest(create(&format!("k{i}"), i).with_outbox(Arc::clone(&plan)))
            .await
            .unwrap();
    }
    let (mut a_ids, mut b_ids) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        let (a, b) = tokio::join!(
            first.due_messages("sink", at(100), &a_ids, 3, usize::MAX),
            second.due_messages("sink", at(100), &b_ids, 3, usize::MAX),
        );
        a_ids.extend(a.unwrap().iter().map(|m| m.id));
        b_ids.extend(b.unwrap().iter().map(|m| m.id));
    }
    assert!(
        a_ids.iter().all(|id| !b_ids.contains(id)),
        "claimed by both: {a_ids:?} {b_ids:?}"
    );
    assert_eq!(a_ids.len() + b_ids.len(), 60, "{a_ids:?} {b_ids:?}");
}

/// A replica whose claim ran out and was taken over records its (late) attempt: nothing
/// changes, and the replica that holds the claim now still holds it and records its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_attempt_leaves_the_new_claim_alone() {
    use pager_server::store::{AttemptResult, MessageFilter, MessageStatus, NextStep};
    let Some(url) = database("postgres_stale_attempt") else {
        return;
    };
    let (first, second, third) = (open(&url).await, open(&url).await, open(&url).await);
    first
        .ingest(create("k", 0).with_outbox(sink_plan()))
        .await
        .unwrap();
    let mine = first
        .claim_messages("sink", at(1), &[], 1, usize::MAX, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let theirs = second
        .due_messages("sink", at(2), &[], 10, usize::MAX)
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1, "the lease ran out: the second takes it");
    first
        .record_attempt(
            mine[0].id,
            AttemptResult::new(at(3), Some(200), None, NextStep::Delivered),
        )
        .await
        .unwrap();
    let message = &first.messages(&MessageFilter::new()).await.unwrap()[0];
    assert_eq!(message.status, MessageStatus::Pending, "{message:?}");
    assert_eq!(message.attempts, 0);
    assert!(
        third
            .due_messages("sink", at(4), &[], 10, usize::MAX)
            .await
            .unwrap()
            .is_empty(),
        "the second's claim holds"
    );
    second
        .record_attempt(
            theirs[0].id,
            AttemptResult::new(at(5), Some(200), None, NextStep::Delivered),
        )
        .await
        .unwrap();
    let message = &first.messages(&MessageFilter::new()).await.unwrap()[0];
    assert_eq!(message.status, MessageStatus::Delivered, "{message:?}");
    assert_eq!(message.attempts, 1);
}

/// One replica at a time leads a singleton task; when it closes (or dies: its connection
/// closes), another takes over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_replica_leads_a_singleton_task() {
    let Some(url) = database("postgres_lead") else {
        return;
    };
    let (first, second) = (open(&url).await, open(&url).await);
    assert!(first.lead("heartbeats").await.unwrap());
    assert!(first.lead("heartbeats").await.unwrap(), "it keeps leading");
    assert!(!second.lead("heartbeats").await.unwrap());
    assert!(second.lead("other").await.unwrap(), "tasks are independent");
    first.close().await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !second.lead("heartbeats").await.unwrap() {
        assert!(std::time::Instant::now() < deadline, "never took over");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The URL's password never shows: not in `Debug`, not in the description, not in an error.
#[tokio::test]
async fn the_password_is_redacted() {
    let location = StoreLocation::try_from(
        "postgres://app:hunter2@db.example:5433/alerts?sslmode=require&pool_size=4".to_owned(),
    )
    .unwrap();
    let shown = format!("{location:?} {}", location.describe());
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        shown.contains("postgres://app@db.example:5433/alerts"),
        "{shown}"
    );
    let StoreLocation::Postgres(parsed) = &location else {
        panic!("{location:?}")
    };
    assert_eq!(parsed.pool_size(), 4);
    // pool_size is pagerhook's own: the driver's URL is the same wherever it was.
    assert_eq!(
        PostgresLocation::parse("postgres://app:hunter2@db/x?pool_size=4&sslmode=require"),
        PostgresLocation::parse("postgres://app:hunter2@db/x?sslmode=require&pool_size=4"),
    );
    let bad = StoreLocation::try_from("postgres://app:hunter2@db/x?pool_size=0".to_owned());
    assert!(!format!("{bad:?}").contains("hunter2"));
    let bad = StoreLocation::try_from("postgres://app:hunter2@db/x?sslmode=bogus".to_owned());
    assert!(!format!("{bad:?}").contains("hunter2"));
    // Nor in the error of a database that cannot be reached (nothing listens on port 1).
    let unreachable = PostgresLocation::parse(
        "postgres://app:hunter2@127.0.0.1:1/x?sslmode=disable&connect_timeout=2",
    )
    .unwrap();
    let error = PostgresStore::open(&unreachable).await.unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("postgres://app@127.0.0.1:1/x"), "{shown}");
}

/// A database that goes away: ingest fails with `Unavailable` (the receiver answers 503),
/// `write_failure` says so (`/healthz` answers 503); when it comes back the same store works
/// again and clears the failure by itself, without a delivery.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_goes_away_and_comes_back() {
    if pager_testkit::postgres_for_test("postgres_outage")
        .unwrap()
        .is_none()
    {
        return;
    }
    let bin = pager_testkit::postgres_bin().unwrap();
    let cluster = tokio::task::spawn_blocking(move || pager_testkit::PgCluster::start_new(&bin))
        .await
        .unwrap()
        .unwrap();
    let url = cluster.create_database("outage").unwrap();
    let store = open(&url).await;
    store.ingest(create("k", 0)).await.unwrap();
    assert!(store.write_failure().is_none());

    let cluster = Arc::new(cluster);
    let stopping = Arc::clone(&cluster);
    tokio::task::spawn_blocking(move || stopping.stop())
        .await
        .unwrap()
        .unwrap();
    let failed = store.ingest(create("k", 1)).await.unwrap_err();
    assert!(matches!(failed, StoreError::Unavailable(_)), "{failed:?}");
    assert!(store.write_failure().is_some());
    assert!(store.unresolved_counts().await.is_err());

    let starting = Arc::clone(&cluster);
    tokio::task::spawn_blocking(move || starting.start())
        .await
        .unwrap()
        .unwrap();
    // The probe clears the failure within seconds, with no delivery to prove it.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while store.write_failure().is_some() {
        assert!(std::time::Instant::now() < deadline, "never recovered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ingested = store.ingest(create("k", 2)).await.unwrap();
    assert!(matches!(
        ingested.results[0].transition,
        Transition::Deduplicated { .. }
    ));
    store.close().await.unwrap();
    let stopping = Arc::clone(&cluster);
    tokio::task::spawn_blocking(move || stopping.stop())
        .await
        .unwrap()
        .unwrap();
}

/// A database that accepts connections but refuses writes (read-only after a failover,
/// SQLSTATE 25006): ingest fails with `Unavailable` (503) and `write_failure` says so; when it
/// takes writes again the failure clears by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_is_unavailable() {
    if pager_testkit::postgres_for_test("postgres_read_only")
        .unwrap()
        .is_none()
    {
        return;
    }
    let bin = pager_testkit::postgres_bin().unwrap();
    // A cluster of its own: read-only is set for the whole cluster, reloaded into every
    // session (pooled connections included).
    let cluster = tokio::task::spawn_blocking(move || pager_testkit::PgCluster::start_new(&bin))
        .await
        .unwrap()
        .unwrap();
    let url = cluster.create_database("read_only").unwrap();
    let store = open(&url).await;
    store.ingest(create("k", 0)).await.unwrap();
    let (admin, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let read_only = |on: &'static str| {
        let admin = &admin;
        async move {
            for sql in [
                "SET default_transaction_read_only = off".to_owned(),
                format!("ALTER SYSTEM SET default_transaction_read_only = {on}"),
                "SELECT pg_reload_conf()".to_owned(),
            ] {
                admin.batch_execute(&sql).await.unwrap();
            }
        }
    };
    read_only("on").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let failed = loop {
        if let Err(error) = store.ingest(create("k", 1)).await {
            break error;
        }
        assert!(std::time::Instant::now() < deadline, "never read-only");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(matches!(failed, StoreError::Unavailable(_)), "{failed:?}");
    assert!(store.write_failure().is_some());
    // Still read-only: the probe does not clear it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(store.write_failure().is_some());

    read_only("off").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while store.write_failure().is_some() {
        assert!(std::time::Instant::now() < deadline, "never recovered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    store.ingest(create("k", 2)).await.unwrap();
    store.close().await.unwrap();
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
}

/// Moving from SQLite: everything an SQLite store holds is copied with its ids, reads back the
/// same through the PostgreSQL store, and new rows continue after the old ids, with the old
/// store's message-id prefix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sqlite_store_is_imported_whole() {
    use pager_server::store::{DeliveryFilter, MessageFilter, SqliteStore};
    let Some(url) = database("postgres_import") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let output = pager_server::outputs::OutputConfig::new(
        "sink",
        pager_server::outputs::OutputUrl::parse("http://127.0.0.1:9/").unwrap(),
        [
            pager_server::outputs::Trigger::Opened,
            pager_server::outputs::Trigger::Resolved,
        ],
    );
    let plan =
        pager_server::outputs::OutboxPlan::for_instance("am", "prometheus-v3", &[output]).unwrap();
    {
        let old = SqliteStore::open(&path).unwrap();
        for i in 0..5 {
            old.ingest(create(&format!("k{}", i % 3), i).with_outbox(Arc::clone(&plan)))
                .await
                .unwrap();
        }
        let resolve = Delivery::new(
            "am",
            at(10),
            None,
            Some(Bytes::from_static(b"{\"r\":1}")),
            7,
            Outcome::Accepted(vec![Event::new(Action::Resolve, "k0", "down")]),
        )
        .with_outbox(Arc::clone(&plan))
        .with_signature("sig", at(1000));
        old.ingest(resolve).await.unwrap();
        old.record_ping("hb", at(11)).await.unwrap();
        old.close().await.unwrap();
    }
    let old = SqliteStore::open(&path).unwrap();
    let alerts = old.alerts(&AlertFilter::new()).await.unwrap();
    let deliveries = old
        .deliveries_matching(&DeliveryFilter::new())
        .await
        .unwrap();
    let messages = old.messages(&MessageFilter::new()).await.unwrap();
    let history = old.alert(alerts[0].id).await.unwrap();
    let body = old.delivery(deliveries[0].id).await.unwrap();
    let pings = old.pings().await.unwrap();
    old.close().await.unwrap();

    let location = PostgresLocation::parse(&url).unwrap();
    let imported = PostgresStore::import_sqlite(&location, &path)
        .await
        .unwrap();
    assert_eq!(imported.rows["deliveries"], 6);
    assert_eq!(imported.rows["alerts"], 3);
    let new = open(&url).await;
    assert_eq!(new.alerts(&AlertFilter::new()).await.unwrap(), alerts);
    assert_eq!(
        new.deliveries_matching(&DeliveryFilter::new())
            .await
            .unwrap(),
        deliveries
    );
    assert_eq!(new.messages(&MessageFilter::new()).await.unwrap(), messages);
    assert_eq!(new.alert(alerts[0].id).await.unwrap(), history);
    assert_eq!(new.delivery(deliveries[0].id).await.unwrap(), body);
    assert_eq!(new.pings().await.unwrap(), pings);
    assert!(
        PostgresStore::import_sqlite(&location, &path)
            .await
            .is_err(),
        "a database that is not empty is refused"
    );

    // New rows continue after the old ones, with the old message-id prefix.
    let next = new
        .ingest(create("k9", 20).with_outbox(Arc::clone(&plan)))
        .await
        .unwrap();
    assert!(next.delivery_id > deliveries[0].id);
    assert!(next.results[0].alert_id.unwrap() > alerts[0].id);
    let newest = new.messages(&MessageFilter::new()).await.unwrap();
    let prefix = |id: &str| id.split('_').nth(1).unwrap().to_owned();
    assert_eq!(
        prefix(&newest[0].webhook_id),
        prefix(&messages[0].webhook_id)
    );
    // The replayed signature came along.
    let replay = Delivery::new(
        "am",
        at(30),
        None,
        Some(Bytes::from_static(b"{}")),
        2,
        Outcome::Accepted(vec![]),
    )
    .with_signature("sig", at(1000));
    assert!(new.ingest(replay).await.unwrap().replayed);
    new.close().await.unwrap();
}

/// A replica that does not lead the heartbeat sweep lists what the leader's sweep found: the
/// heartbeat down, with its alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_replica_lists_the_heartbeats_the_leader_swept() {
    use pager_server::Receiver;
    use pager_server::clock::ManualClock;
    use pager_server::heartbeat::{HeartbeatConfig, HeartbeatState};
    let Some(url) = database("postgres_heartbeat_replicas") else {
        return;
    };
    let clock = Arc::new(ManualClock::new(at(0)));
    let replica = |store: PostgresStore| {
        Receiver::new(Arc::new(store))
            .with_clock(clock.clone())
            .with_heartbeats(vec![HeartbeatConfig::new(
                "am-watchdog",
                "5m".parse().unwrap(),
            )])
            .unwrap()
    };
    let (leader, other) = (replica(open(&url).await), replica(open(&url).await));
    // Both have loaded their view of the heartbeats before the sweep.
    let before = other.heartbeat_statuses().await.unwrap();
    assert_ne!(before[0].state, HeartbeatState::Down, "{before:?}");
    leader.heartbeat_statuses().await.unwrap();
    clock.set(at(3600));
    assert_eq!(leader.sweep_heartbeats().await.unwrap(), 1);
    let after = other.heartbeat_statuses().await.unwrap();
    assert_eq!(after[0].state, HeartbeatState::Down, "{after:?}");
    assert!(after[0].alert_id.is_some(), "{after:?}");
}

/// Makes `ca.pem` (a CA) and `server.crt`/`server.key` (issued by it to 127.0.0.1) where
/// `path` says.
fn private_ca_certs(path: &dyn Fn(&str) -> String) {
    let openssl = |args: &[&str]| {
        let status = std::process::Command::new("openssl")
            .args(args)
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "openssl {args:?}");
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=test CA",
        "-keyout",
        &path("ca.key"),
        "-out",
        &path("ca.pem"),
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        &path("server.key"),
        "-out",
        &path("server.csr"),
    ]);
    std::fs::write(path("ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        &path("server.csr"),
        "-CA",
        &path("ca.pem"),
        "-CAkey",
        &path("ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &path("ext"),
        "-out",
        &path("server.crt"),
    ]);
}

/// `sslrootcert`: a server whose certificate a private CA signed is reached with
/// `sslmode=require` when the URL names that CA's PEM file, and refused without it (Mozilla's
/// roots do not know it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ca_is_trusted_with_sslrootcert() {
    if pager_testkit::postgres_for_test("postgres_sslrootcert")
        .unwrap()
        .is_none()
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    private_ca_certs(&path);
    let bin = pager_testkit::postgres_bin().unwrap();
    let cluster = tokio::task::spawn_blocking(move || pager_testkit::PgCluster::start_new(&bin))
        .await
        .unwrap()
        .unwrap();
    let url = cluster.create_database("sslrootcert").unwrap();
    let (admin, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    // The server may run as another user (the test kit's, under root): the files must be
    // readable by it, and the key its own.
    let row = admin
        .query_one("SELECT current_setting('data_directory')", &[])
        .await
        .unwrap();
    let data_dir: String = row.get(0);
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let owner = std::fs::metadata(&data_dir).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(path("server.crt"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        std::os::unix::fs::chown(path("server.key"), Some(owner.uid()), Some(owner.gid())).unwrap();
        std::fs::set_permissions(path("server.key"), std::fs::Permissions::from_mode(0o600))
            .unwrap();
    }
    for sql in [
        format!("ALTER SYSTEM SET ssl_cert_file = '{}'", path("server.crt")),
        format!("ALTER SYSTEM SET ssl_key_file = '{}'", path("server.key")),
        "ALTER SYSTEM SET ssl = on".to_owned(),
        "SELECT pg_reload_conf()".to_owned(),
    ] {
        admin.batch_execute(&sql).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mode = |mode: &str| url.replace("sslmode=disable", &format!("sslmode={mode}"));
    let ca = format!("&sslrootcert={}", path("ca.pem"));
    // The pool's connections, as the server sees them: (encrypted, not).
    let encrypted = || async {
        let row = admin
            .query_one(
                "SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl) \
                 FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
                 WHERE a.application_name = 'pagerhook'",
                &[],
            )
            .await
            .unwrap();
        (row.get::<_, i64>(0), row.get::<_, i64>(1))
    };
    let opens = |location: String| async move {
        let location = PostgresLocation::parse(&location).unwrap();
        PostgresStore::open(&location).await
    };

    // libpq's table. `require` (and `prefer`) without `sslrootcert`: encrypted, the
    // certificate not checked; with it, its chain is (`verify-ca`).
    for (url, key) in [
        (mode("require"), "a"),
        (mode("prefer"), "b"),
        (mode("require") + &ca, "c"),
    ] {
        let store = opens(url).await.unwrap();
        store.ingest(create(key, 0)).await.unwrap();
        let (tls, plain) = encrypted().await;
        assert!(tls > 0 && plain == 0, "{key}: {tls} encrypted, {plain} not");
        store.close().await.unwrap();
    }
    // `verify-full`: the chain (a private CA is unknown to Mozilla's roots) and the host name
    // (the certificate names 127.0.0.1, not localhost); `verify-ca`: the chain only.
    let localhost = |u: String| u.replace("127.0.0.1", "localhost");
    assert!(opens(mode("verify-full") + &ca).await.is_ok());
    let unknown_ca = opens(mode("verify-full")).await.unwrap_err();
    assert!(matches!(unknown_ca, StoreError::Open(_)), "{unknown_ca:?}");
    let other_name = opens(localhost(mode("verify-full") + &ca))
        .await
        .unwrap_err();
    assert!(matches!(other_name, StoreError::Open(_)), "{other_name:?}");
    assert!(opens(localhost(mode("verify-ca") + &ca)).await.is_ok());
    assert!(
        opens(mode("verify-ca")).await.is_err(),
        "the chain is checked"
    );
    let base = mode("require");
    let missing =
        PostgresLocation::parse(&format!("{base}&sslrootcert={}", path("none.pem"))).unwrap();
    let missing = PostgresStore::open(&missing).await.unwrap_err().to_string();
    assert!(missing.contains("sslrootcert"), "{missing}");
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
}
