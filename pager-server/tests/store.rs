#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Every store passes the conformance suite; SQLite also keeps everything across a reopen.

use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use pager_core::{Action, Event};
use pager_server::lifecycle::AlertStatus;
use pager_server::store::{
    AlertFilter, Delivery, MemoryStore, Outcome, SqliteStore, Store, StoreError, conformance,
};

fn sqlite() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("pagerhook.db")).unwrap();
    (dir, store)
}

#[tokio::test]
async fn memory_lifecycle() {
    conformance::lifecycle(&MemoryStore::new()).await;
}

#[tokio::test]
async fn memory_keys_and_instances() {
    conformance::keys_and_instances(&MemoryStore::new()).await;
}

#[tokio::test]
async fn memory_delivery_log() {
    conformance::delivery_log(&MemoryStore::new()).await;
}

#[tokio::test]
async fn memory_retention() {
    conformance::retention(&MemoryStore::new()).await;
}

#[tokio::test]
async fn memory_bounded_deliveries() {
    conformance::bounded_deliveries(&MemoryStore::new()).await;
}

#[tokio::test]
async fn sqlite_retention() {
    let (_dir, store) = sqlite();
    conformance::retention(&store).await;
}

#[tokio::test]
async fn sqlite_bounded_deliveries() {
    let (_dir, store) = sqlite();
    conformance::bounded_deliveries(&store).await;
}

#[tokio::test]
async fn memory_replays() {
    conformance::replays(&MemoryStore::new()).await;
}

#[tokio::test]
async fn sqlite_replays() {
    let (_dir, store) = sqlite();
    conformance::replays(&store).await;
}

#[cfg(unix)]
#[tokio::test]
async fn sqlite_files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, store) = sqlite();
    store.ingest(create("k")).await.unwrap();
    for name in ["pagerhook.db", "pagerhook.db-wal", "pagerhook.db-shm"] {
        let mode = std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}: {mode:o}");
    }
    store.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_concurrent_creates() {
    conformance::concurrent_creates(Arc::new(MemoryStore::new())).await;
}

#[tokio::test]
async fn sqlite_lifecycle() {
    let (_dir, store) = sqlite();
    conformance::lifecycle(&store).await;
}

#[tokio::test]
async fn sqlite_keys_and_instances() {
    let (_dir, store) = sqlite();
    conformance::keys_and_instances(&store).await;
}

#[tokio::test]
async fn sqlite_delivery_log() {
    let (_dir, store) = sqlite();
    conformance::delivery_log(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_creates() {
    let (_dir, store) = sqlite();
    conformance::concurrent_creates(Arc::new(store)).await;
}

fn create(key: &str) -> Delivery {
    Delivery::new(
        "am",
        Utc::now(),
        Some("application/json".into()),
        Some(Bytes::from_static(b"{\"k\":1}")),
        7,
        Outcome::Accepted(vec![Event::new(Action::Create, key, "down")]),
    )
}

#[tokio::test]
async fn sqlite_keeps_alerts_history_and_log_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pagerhook.db");
    let store = SqliteStore::open(&path).unwrap();
    store.ingest(create("a")).await.unwrap();
    store.ingest(create("a")).await.unwrap();
    let opened_b = store.ingest(create("b")).await.unwrap();
    store.close().await.unwrap();
    assert!(matches!(
        store.ingest(create("c")).await,
        Err(StoreError::Closed)
    ));
    drop(store);

    let store = SqliteStore::open(&path).unwrap();
    let alerts = store.alerts(&AlertFilter::new()).await.unwrap();
    assert_eq!(
        alerts
            .iter()
            .map(|a| (a.thirdparty_id.as_str(), a.dedup_count, a.status))
            .collect::<Vec<_>>(),
        [("b", 1, AlertStatus::Open), ("a", 2, AlertStatus::Open)]
    );
    let (_, history) = store
        .alert(opened_b.results[0].alert_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(store.deliveries(None, 10).await.unwrap().len(), 3);
    // The unique index still holds after the reopen: a new create lands on the open alert.
    let again = store.ingest(create("a")).await.unwrap();
    assert_eq!(again.results[0].alert_id, Some(alerts[1].id));
    store.close().await.unwrap();
}

#[tokio::test]
async fn sqlite_refuses_a_newer_schema_and_a_second_unresolved_alert() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pagerhook.db");
    let store = SqliteStore::open(&path).unwrap();
    store.ingest(create("a")).await.unwrap();
    store.close().await.unwrap();
    drop(store);

    let conn = rusqlite::Connection::open(&path).unwrap();
    // The partial unique index is the backstop behind the single writer.
    let duplicate = conn.execute(
        "INSERT INTO alerts (instance, thirdparty_id, status, title, dedup_keys, tags, \
         additional_data, dedup_count, created_at, updated_at) \
         VALUES ('am', 'a', 'acknowledged', 't', '[]', '[]', '[]', 1, 'x', 'x')",
        [],
    );
    assert!(
        duplicate
            .unwrap_err()
            .to_string()
            .contains("UNIQUE constraint failed"),
    );
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        err.to_string().contains("schema version 99 is newer"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_commits_a_large_delivery_on_its_own_after_the_small_ones() {
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pagerhook.db");
    let store =
        Arc::new(SqliteStore::open_with_busy_timeout(&path, Duration::from_secs(30)).unwrap());
    // Hold the writer on a first delivery while a large and a small one queue behind it.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let ingest = |delivery: Delivery| {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.ingest(delivery).await.unwrap() })
    };
    let blocker = ingest(create("first"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let events: Vec<Event> = (0..5000)
        .map(|i| Event::new(Action::Create, format!("big-{i}"), "t"))
        .collect();
    let large = ingest(Delivery::new(
        "big",
        Utc::now(),
        None,
        None,
        0,
        Outcome::Accepted(events),
    ));
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The small one's caller looks at the alerts as soon as it is answered.
    let small = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            store.ingest(create("small")).await.unwrap();
            let big = AlertFilter::new().instance("big").limit(1);
            store.alerts(&big).await.unwrap().len()
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    other.execute_batch("ROLLBACK").unwrap();
    blocker.await.unwrap();
    let (large, small_saw) = (large.await.unwrap(), small.await.unwrap());
    assert_eq!(
        small_saw, 0,
        "the small delivery queued after the large one was committed, and answered, first"
    );
    let _ = large;
    assert_eq!(
        store
            .alerts(&AlertFilter::new().instance("big"))
            .await
            .unwrap()
            .len(),
        1000,
        "the large one is committed whole (a page of 1000 shown)"
    );
}

#[tokio::test]
async fn memory_outbox() {
    conformance::outbox(&MemoryStore::new()).await;
}

#[tokio::test]
async fn sqlite_outbox() {
    let (_dir, store) = sqlite();
    conformance::outbox(&store).await;
}

#[tokio::test]
async fn memory_outbox_order() {
    conformance::outbox_order(&MemoryStore::new()).await;
}

#[tokio::test]
async fn sqlite_outbox_order() {
    let (_dir, store) = sqlite();
    conformance::outbox_order(&store).await;
}

/// The writer's count of pending messages is read back on open, so `max_pending` holds across
/// a restart, and pending messages are still due after it.
#[tokio::test]
async fn sqlite_outbox_survives_a_reopen() {
    use pager_server::outputs::{OutboxPlan, OutputConfig, OutputUrl, Trigger};
    use pager_server::store::{MessageFilter, MessageStatus};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pagerhook.db");
    let output = OutputConfig::new(
        "tiny",
        OutputUrl::parse("http://127.0.0.1:9/").unwrap(),
        [Trigger::Opened],
    )
    .with_max_pending(1);
    let plan = OutboxPlan::for_instance("am", "prometheus-v3", &[output]).unwrap();
    let open = |key: &str| {
        Delivery::new(
            "am",
            Utc::now(),
            None,
            Some(Bytes::from_static(b"{}")),
            2,
            Outcome::Accepted(vec![Event::new(Action::Create, key, "t")]),
        )
        .with_outbox(Arc::clone(&plan))
    };
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.ingest(open("k1")).await.unwrap().queued, 1);
    store.close().await.unwrap();
    drop(store);

    let store = SqliteStore::open(&path).unwrap();
    let due = store
        .due_messages("tiny", Utc::now(), &[], 10, usize::MAX)
        .await
        .unwrap();
    assert_eq!(due.len(), 1, "pending across the restart");
    let dropped = store.ingest(open("k2")).await.unwrap();
    assert_eq!(
        dropped.dropped.get("tiny"),
        Some(&1),
        "max_pending counted what was pending before the restart"
    );
    let prefix = due[0].webhook_id.split('_').nth(1).unwrap().to_owned();
    store.close().await.unwrap();
    drop(store);

    let store = SqliteStore::open(&path).unwrap();
    let due = store
        .due_messages("tiny", Utc::now(), &[], 10, usize::MAX)
        .await
        .unwrap();
    assert_eq!(
        due[0].webhook_id.split('_').nth(1),
        Some(prefix.as_str()),
        "the store keeps its id prefix"
    );
    assert_eq!(
        store
            .messages(&MessageFilter::new().status(MessageStatus::Pending))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn memory_outbox_relay_retention() {
    conformance::outbox_relay_retention(&MemoryStore::new()).await;
}

#[tokio::test]
async fn sqlite_outbox_relay_retention() {
    let (_dir, store) = sqlite();
    conformance::outbox_relay_retention(&store).await;
}

#[tokio::test]
async fn memory_heartbeat_pings() {
    conformance::heartbeat_pings(&MemoryStore::new()).await;
}

#[tokio::test]
async fn sqlite_heartbeat_pings() {
    let (dir, store) = sqlite();
    conformance::heartbeat_pings(&store).await;
    store.record_ping("watchdog", Utc::now()).await.unwrap();
    let kept = store.pings().await.unwrap();
    store.close().await.unwrap();
    // A restart does not forget pings.
    let reopened = SqliteStore::open(dir.path().join("pagerhook.db")).unwrap();
    assert_eq!(reopened.pings().await.unwrap(), kept);
}

#[tokio::test]
async fn memory_maintenance() {
    conformance::maintenance(&MemoryStore::new()).await;
}

#[tokio::test]
async fn sqlite_maintenance() {
    let (_dir, store) = sqlite();
    conformance::maintenance(&store).await;
}
