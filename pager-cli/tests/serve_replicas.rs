//! Three `pagerhook serve` replicas on one PostgreSQL database (given by `PAGERHOOK_STORE`, not
//! the file), behind no load balancer: concurrent clients spray Alertmanager deliveries —
//! identical groups racing on every replica, different groups, resolves — across all three,
//! and one replica is killed with SIGKILL mid-run and started again. Afterwards: every
//! delivery answered 200 is in the delivery log, once; at most one unresolved alert per key;
//! the alerts' dedup counts add up to the creates logged, which are the creates answered 200
//! plus at most those whose answer the kill lost.
//!
//! Needs PostgreSQL's `initdb`/`pg_ctl` (Debian's `postgresql`); skipped loudly without them
//! unless `PAGERHOOK_REQUIRE_POSTGRES=1` (set by `.ci/run`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::too_many_lines
)]

mod live;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use live::{agent, get_json, start_pagerhook_with};
use serde_json::{Value, json};

const CLIENTS: usize = 6;
const PER_CLIENT: usize = 40;
const KEYS: usize = 8;

/// An Alertmanager notification for group `team=k{key}`; `nonce` makes each body unique.
fn notification(key: usize, firing: bool, nonce: usize) -> String {
    let status = if firing { "firing" } else { "resolved" };
    json!({
        "version": "4",
        "groupKey": format!("{{}}:{{team=\"k{key}\"}}"),
        "status": status,
        "receiver": "replicas",
        "groupLabels": {"team": format!("k{key}")},
        "commonLabels": {"alertname": "Replicated", "team": format!("k{key}")},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.invalid",
        "alerts": [{
            "status": status,
            "labels": {"alertname": "Replicated", "team": format!("k{key}")},
            "annotations": {"nonce": nonce.to_string()},
            "startsAt": "2026-12-01T00:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "",
            "fingerprint": format!("{key:016x}"),
        }],
        "truncatedAlerts": 0,
    })
    .to_string()
}

/// What the clients saw.
#[derive(Default)]
struct Seen {
    /// Delivery ids answered 200, with whether the delivery was a create.
    accepted: Vec<(i64, bool)>,
    /// Creates and resolves whose answer never came (the replica was killed), or a 503.
    unknown_creates: usize,
    unknown_resolves: usize,
}

#[test]
fn three_replicas_one_killed_nothing_lost_nothing_twice() {
    let Some(cluster) = pager_testkit::postgres_for_test("serve_replicas").unwrap() else {
        return;
    };
    let url = cluster.create_database("serve_replicas").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("serve.toml");
    // The file names a SQLite store: PAGERHOOK_STORE overrides it.
    std::fs::write(
        &config,
        "store = \"sqlite:not-used.db\"\n\n[[instances]]\nname = \"am\"\nintegration = \"prometheus-v3\"\n",
    )
    .unwrap();
    let env = [("PAGERHOOK_STORE", url.as_str())];
    let ports: Vec<u16> = (0..3).map(|_| pager_testkit::free_port()).collect();
    // Started together: the migrations must not race.
    let starting: Vec<_> = ports
        .iter()
        .map(|&port| {
            let config = config.clone();
            let url = url.clone();
            std::thread::spawn(move || {
                start_pagerhook_with(&config, port, &[("PAGERHOOK_STORE", url.as_str())])
            })
        })
        .collect();
    let mut replicas: Vec<_> = starting.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(
        !dir.path().join("not-used.db").exists(),
        "the file's store was not opened"
    );

    let sent = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (sent, seen, ports) = (Arc::clone(&sent), Arc::clone(&seen), ports.clone());
            std::thread::spawn(move || {
                let agent = agent();
                for i in 0..PER_CLIENT {
                    let n = client * PER_CLIENT + i;
                    // Every client cycles through the same keys: identical groups race on
                    // different replicas. One in seven is a resolve.
                    let firing = n % 7 != 6;
                    let body = notification(n % KEYS, firing, n);
                    let port = ports[n % 3];
                    let answer = agent
                        .post(&format!("http://127.0.0.1:{port}/integrations/am"))
                        .header("Content-Type", "application/json")
                        .send(body.as_str());
                    let mut seen = seen.lock().unwrap();
                    match answer {
                        Ok(mut response) if response.status() == 200 => {
                            let answer: Value = serde_json::from_str(
                                &response.body_mut().read_to_string().unwrap(),
                            )
                            .unwrap();
                            seen.accepted
                                .push((answer["delivery_id"].as_i64().unwrap(), firing));
                        }
                        Ok(response) => {
                            assert_eq!(response.status(), 503, "only 200 or 503 is allowed");
                            // 503: not committed; a sender would retry.
                        }
                        // The connection died with the replica: committed or not, unknown.
                        Err(_) if firing => seen.unknown_creates += 1,
                        Err(_) => seen.unknown_resolves += 1,
                    }
                    drop(seen);
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();

    // Kill the second replica with SIGKILL a third of the way in, and start it again.
    pager_testkit::wait_for("a third of the deliveries", 60, || {
        (sent.load(Ordering::Relaxed) >= CLIENTS * PER_CLIENT / 3).then_some(())
    });
    let killed = replicas.remove(1);
    drop(killed); // Process's Drop: SIGKILL, then reap
    std::thread::sleep(Duration::from_millis(500));
    replicas.insert(1, start_pagerhook_with(&config, ports[1], &env));
    for client in clients {
        client.join().unwrap();
    }

    let seen = seen.lock().unwrap();
    eprintln!(
        "serve_replicas: {} answered 200, {} creates and {} resolves unanswered",
        seen.accepted.len(),
        seen.unknown_creates,
        seen.unknown_resolves
    );
    let accepted_creates = seen.accepted.iter().filter(|(_, create)| *create).count();
    assert!(
        seen.accepted.len() > CLIENTS * PER_CLIENT / 2,
        "most deliveries were answered 200: {}",
        seen.accepted.len()
    );
    // Every replica reads the same log and alerts.
    let port = ports[2];
    let logged: Vec<Value> = get_json(&format!(
        "http://127.0.0.1:{port}/deliveries?instance=am&limit=1000"
    ))
    .unwrap()["deliveries"]
        .as_array()
        .unwrap()
        .clone();
    let logged_ids: BTreeMap<i64, &Value> = logged
        .iter()
        .map(|d| (d["id"].as_i64().unwrap(), d))
        .collect();
    assert_eq!(logged_ids.len(), logged.len(), "no id logged twice");
    let accepted_ids: BTreeSet<i64> = seen.accepted.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        accepted_ids.len(),
        seen.accepted.len(),
        "no two answers share a delivery id"
    );
    for id in &accepted_ids {
        let record = logged_ids
            .get(id)
            .unwrap_or_else(|| panic!("delivery {id} was answered 200 but is not logged"));
        assert_eq!(record["status"], 200);
    }
    let extra = logged.len() - accepted_ids.len();
    assert!(
        extra <= seen.unknown_creates + seen.unknown_resolves,
        "{extra} logged deliveries nobody was answered for, but only {} answers were lost",
        seen.unknown_creates + seen.unknown_resolves
    );

    let alerts: Vec<Value> = get_json(&format!(
        "http://127.0.0.1:{}/alerts?instance=am&limit=1000",
        ports[0]
    ))
    .unwrap()["alerts"]
        .as_array()
        .unwrap()
        .clone();
    let mut unresolved: BTreeMap<String, usize> = BTreeMap::new();
    for alert in &alerts {
        if alert["status"] != "resolved" {
            *unresolved
                .entry(alert["thirdparty_id"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    assert!(
        unresolved.values().all(|&n| n == 1),
        "at most one unresolved alert per key: {unresolved:?}"
    );
    let counted: u64 = alerts
        .iter()
        .map(|a| a["dedup_count"].as_u64().unwrap())
        .sum();
    let counted = usize::try_from(counted).unwrap();
    assert!(
        counted >= accepted_creates && counted <= accepted_creates + seen.unknown_creates,
        "dedup counts add up to {counted}; creates answered 200: {accepted_creates}, \
         unanswered: {}",
        seen.unknown_creates
    );
    for replica in replicas {
        replica.terminate();
    }
}

/// The database goes away under a running replica: deliveries are answered 503 (the sender
/// retries) and `/healthz` 503; when it is back the replica recovers by itself, no restart.
#[test]
fn a_database_outage_is_503_then_recovers_without_a_restart() {
    if pager_testkit::postgres_for_test("serve_outage")
        .unwrap()
        .is_none()
    {
        return;
    }
    // A cluster of its own, to stop and start.
    let cluster =
        pager_testkit::PgCluster::start_new(&pager_testkit::postgres_bin().unwrap()).unwrap();
    let url = cluster.create_database("serve_outage").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            "store = \"{url}\"\n\n[[instances]]\nname = \"am\"\nintegration = \"prometheus-v3\"\n"
        ),
    )
    .unwrap();
    let port = pager_testkit::free_port();
    let replica = start_pagerhook_with(&config, port, &[]);
    let deliver = |nonce: usize| {
        agent()
            .post(&format!("http://127.0.0.1:{port}/integrations/am"))
            .header("Content-Type", "application/json")
            .send(notification(0, true, nonce).as_str())
            .unwrap()
            .status()
    };
    let health = || {
        agent()
            .get(&format!("http://127.0.0.1:{port}/healthz"))
            .call()
            .unwrap()
            .status()
    };
    assert_eq!(deliver(0), 200);
    cluster.stop().unwrap();
    assert_eq!(deliver(1), 503, "a delivery the store cannot commit");
    assert_eq!(health(), 503);
    cluster.start().unwrap();
    pager_testkit::wait_for("/healthz to recover", 30, || {
        (health() == 200).then_some(())
    });
    assert_eq!(deliver(2), 200);
    let alerts: Vec<Value> = get_json(&format!("http://127.0.0.1:{port}/alerts?instance=am"))
        .unwrap()["alerts"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["dedup_count"], 2, "the 503 was not counted");
    replica.terminate();
    cluster.stop().unwrap();
}

/// `pagerhook import-sqlite`: an SQLite store into an empty database (named by
/// `PAGERHOOK_STORE`), then served from it; a second import is refused.
#[test]
fn import_sqlite_then_serve_from_postgres() {
    let Some(cluster) = pager_testkit::postgres_for_test("import_sqlite").unwrap() else {
        return;
    };
    let url = cluster.create_database("import_sqlite").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("old.db");
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            "store = \"sqlite:{}\"\n\n[[instances]]\nname = \"am\"\nintegration = \"prometheus-v3\"\n",
            sqlite.display()
        ),
    )
    .unwrap();
    let port = pager_testkit::free_port();
    let old = start_pagerhook_with(&config, port, &[]);
    let status = agent()
        .post(&format!("http://127.0.0.1:{port}/integrations/am"))
        .header("Content-Type", "application/json")
        .send(notification(1, true, 1).as_str())
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let before = get_json(&format!("http://127.0.0.1:{port}/alerts")).unwrap();
    old.terminate();

    let import = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_pagerhook"))
            .args(["import-sqlite", "--from"])
            .arg(&sqlite)
            .env("PAGERHOOK_STORE", &url)
            .output()
            .unwrap()
    };
    let output = import();
    assert!(output.status.success(), "{output:?}");
    let copied: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(copied["deliveries"], 1);
    assert_eq!(copied["alerts"], 1);
    let again = import();
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty"));

    let replica = start_pagerhook_with(&config, port, &[("PAGERHOOK_STORE", url.as_str())]);
    assert_eq!(
        get_json(&format!("http://127.0.0.1:{port}/alerts")).unwrap(),
        before,
        "the alerts, as the SQLite receiver showed them"
    );
    replica.terminate();
}
