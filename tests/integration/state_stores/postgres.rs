//! The PostgreSQL state store against a real server: `LEDGERLINK_PG_URL`
//! (`.ci/run` starts one; see the README). Without it, or when the server
//! cannot be reached, each test prints why and passes as skipped.

use std::sync::Arc;

use chrono::Duration;
use ledgerlink::ports::{Generation, LeaseOutcome, SaveOutcome, StateStore};
use ledgerlink::stores::postgres::PostgresStateStore;
use ledgerlink::sync::{SyncState, diff};
use ledgerlink::testing::conformance::state::{check_state_store, sample_link, sample_state};

use super::unique;
use crate::support::time::t0;

/// A migrated store, or `None` (with the reason printed) when no server
/// is reachable.
#[allow(clippy::print_stderr)]
async fn store(test: &str) -> Option<PostgresStateStore> {
    let Ok(url) = std::env::var("LEDGERLINK_PG_URL") else {
        eprintln!("skipped {test}: LEDGERLINK_PG_URL is not set (see the README)");
        return None;
    };
    match PostgresStateStore::connect(&url).await {
        Ok(s) => {
            s.migrate().await.unwrap();
            Some(s)
        }
        Err(e) => {
            eprintln!("skipped {test}: no PostgreSQL server reachable ({e})");
            None
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn conforms_with_two_workers() {
    runtime().block_on(async {
        let (Some(a), Some(b)) = (store("conforms").await, store("conforms").await) else {
            return;
        };
        check_state_store(&a, &b, &unique("pg")).await.unwrap();
    });
}

#[test]
fn conforms_when_the_log_folds_on_every_save_or_every_few() {
    runtime().block_on(async {
        for limit in [0, 3] {
            let (Some(a), Some(b)) = (store("folding").await, store("folding").await) else {
                return;
            };
            let (a, b) = (a.with_log_limit(limit), b.with_log_limit(limit));
            check_state_store(&a, &b, &unique("pg-fold")).await.unwrap();
        }
    });
}

#[test]
fn eight_workers_racing_for_a_lease_or_a_save_one_wins() {
    runtime().block_on(async {
        let Some(first) = store("racing").await else {
            return;
        };
        let c = unique("pg-race");
        let s0 = sample_state(10);
        let _ = first
            .save(&c, Generation::NONE, &s0, &diff(&SyncState::new(), &s0))
            .await
            .unwrap();
        let mut workers = Vec::new();
        for _ in 0..8 {
            workers.push(Arc::new(store("racing").await.unwrap()));
        }
        let barrier = Arc::new(tokio::sync::Barrier::new(8));
        let tasks: Vec<_> = workers
            .into_iter()
            .enumerate()
            .map(|(i, w)| {
                let (c, s0, barrier) = (c.clone(), s0.clone(), Arc::clone(&barrier));
                tokio::spawn(async move {
                    let worker = format!("worker-{i}");
                    let mut s1 = s0.clone();
                    s1.remote_cursor = Some(worker.clone());
                    barrier.wait().await;
                    let lease = w
                        .acquire_lease(&c, &worker, t0(), Duration::minutes(1))
                        .await
                        .unwrap();
                    let saved = w
                        .save(&c, Generation(1), &s1, &diff(&s0, &s1))
                        .await
                        .unwrap();
                    (lease, saved)
                })
            })
            .collect();
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap());
        }
        let held = results
            .iter()
            .filter(|(l, _)| matches!(l, LeaseOutcome::Held { .. }))
            .count();
        let saved = results
            .iter()
            .filter(|(_, s)| matches!(s, SaveOutcome::Saved { .. }))
            .count();
        assert_eq!((held, saved), (1, 1), "{results:?}");
    });
}

#[test]
fn an_incremental_save_writes_the_changed_links_only() {
    runtime().block_on(async {
        let Some(store) = store("incremental").await else {
            return;
        };
        let c = unique("pg-inc");
        let before = sample_state(2_000);
        let _ = store
            .save(
                &c,
                Generation::NONE,
                &before,
                &diff(&SyncState::new(), &before),
            )
            .await
            .unwrap();
        // One link gone, twenty changed.
        let mut after = SyncState::from_parts(
            before.head(),
            before
                .links()
                .filter(|l| l.remote_id.as_str() != "R0000001")
                .cloned()
                .collect::<Vec<_>>(),
        );
        for i in (0..2_000).step_by(100) {
            after.insert_link(sample_link(i, 1));
        }
        after.run += 1;
        let _ = store
            .save(&c, Generation(1), &after, &diff(&before, &after))
            .await
            .unwrap();
        assert_eq!(store.last_save().link_rows, 21);
        assert_eq!(store.load(&c).await.unwrap().unwrap().state, after);
        store.compact(&c).await.unwrap();
        let loaded = store.load(&c).await.unwrap().unwrap();
        assert_eq!((loaded.state, loaded.generation), (after, Generation(2)));
    });
}

#[test]
fn the_connection_string_never_shows() {
    runtime().block_on(async {
        let err = PostgresStateStore::connect("postgres://u:s3cret-pw@[::1:5432/db")
            .await
            .unwrap_err();
        assert!(!format!("{err} {err:?}").contains("s3cret-pw"));
        let err = PostgresStateStore::connect("postgres://u:s3cret-pw@127.0.0.1:1/db")
            .await
            .unwrap_err();
        assert!(!format!("{err} {err:?}").contains("s3cret-pw"));
        if let Some(s) = store("redaction").await {
            assert_eq!(format!("{s:?}"), "PostgresStateStore { .. }");
        }
    });
}
