//! The SQLite state store: the conformance kit over two handles on one
//! file, workers racing from threads, the format-1 migration and the
//! size of an incremental save.

use std::sync::{Arc, Barrier};

use chrono::Duration;
use ledgerlink::driver::{Driver, RunOutcome};
use ledgerlink::ports::{Generation, LeaseOutcome, LeaseToken, SaveOutcome, StateStore};
use ledgerlink::stores::sqlite::SqliteStateStore;
use ledgerlink::sync::{ConnectionConfig, diff};
use ledgerlink::testing::conformance::state::{
    FORMAT_1_FIXTURE, check_state_store, sample_link, sample_state,
};
use ledgerlink::testing::{MemoryStore, TestClock, block_on};
use ledgerlink::{Contact, Profile};

use super::unique;
use crate::support::time::t0;

/// A fresh database file, removed when dropped.
struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("{}.sqlite", unique("ledgerlink-state"))))
    }

    fn open(&self) -> SqliteStateStore {
        let s = SqliteStateStore::open(&self.0).unwrap();
        s.migrate().unwrap();
        s
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

#[test]
fn conforms_with_two_workers_on_one_file() {
    let db = TempDb::new();
    let (a, b) = (db.open(), db.open());
    block_on(check_state_store(&a, &b, "sqlite")).unwrap();
}

#[test]
fn conforms_in_memory() {
    let a = SqliteStateStore::open_in_memory().unwrap();
    a.migrate().unwrap();
    a.migrate().unwrap(); // idempotent
    block_on(check_state_store(&a, &a, "memory")).unwrap();
}

#[test]
fn eight_threads_racing_for_a_lease_or_a_save_one_wins() {
    let db = TempDb::new();
    let first = db.open();
    let s0 = sample_state(10);
    let _ =
        block_on(first.save("c", Generation::NONE, &s0, &diff(&Default::default(), &s0))).unwrap();
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let store = db.open();
            let barrier = Arc::clone(&barrier);
            let s0 = s0.clone();
            std::thread::spawn(move || {
                let worker = format!("worker-{i}");
                let mut s1 = s0.clone();
                s1.remote_cursor = Some(worker.clone());
                barrier.wait();
                let lease = block_on(store.acquire_lease("c", &worker, t0(), Duration::minutes(1)))
                    .unwrap();
                let saved = block_on(store.save("c", Generation(1), &s1, &diff(&s0, &s1))).unwrap();
                (lease, saved)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let held = results
        .iter()
        .filter(|(l, _)| matches!(l, LeaseOutcome::Held { .. }))
        .count();
    let saved = results
        .iter()
        .filter(|(_, s)| matches!(s, SaveOutcome::Saved { .. }))
        .count();
    assert_eq!((held, saved), (1, 1), "{results:?}");
    assert!(results.iter().all(|(_, s)| matches!(
        s,
        SaveOutcome::Saved {
            generation: Generation(2)
        } | SaveOutcome::Conflict {
            current: Generation(2)
        }
    )));
}

#[test]
fn a_format_1_state_loads_and_is_rewritten_by_the_next_save() {
    let store = SqliteStateStore::open_in_memory().unwrap();
    store.migrate().unwrap();
    let imported = block_on(store.import_whole_json("firm-1", FORMAT_1_FIXTURE)).unwrap();
    assert_eq!(
        imported,
        SaveOutcome::Saved {
            generation: Generation(1)
        }
    );
    let loaded = block_on(store.load("firm-1")).unwrap().unwrap();
    assert_eq!((loaded.format, loaded.generation), (1, Generation(1)));
    assert_eq!(loaded.state, sample_state(3));
    assert_eq!(loaded.state.links().len(), 3);
    let refused = block_on(store.import_whole_json("x", "{\"run\": \"no\"}"));
    assert!(refused.is_err());
}

#[test]
fn an_incremental_save_writes_the_changed_links_only() {
    let store = SqliteStateStore::open_in_memory().unwrap();
    store.migrate().unwrap();
    let before = sample_state(2_000);
    let _ = block_on(store.save(
        "c",
        Generation::NONE,
        &before,
        &diff(&Default::default(), &before),
    ))
    .unwrap();
    assert_eq!(store.last_save().link_rows, 2_000);
    let full_bytes = store.last_save().bytes;
    let mut after = before.clone();
    for i in (0..2_000).step_by(100) {
        after.insert_link(sample_link(i, 1));
    }
    after.run += 1;
    let _ = block_on(store.save("c", Generation(1), &after, &diff(&before, &after))).unwrap();
    let stats = store.last_save();
    assert_eq!(stats.link_rows, 20);
    assert!(
        stats.bytes * 50 < full_bytes * 2,
        "{stats:?} vs {full_bytes}"
    );
    assert_eq!(block_on(store.load("c")).unwrap().unwrap().state, after);
}

#[test]
fn the_driver_resumes_from_the_file_in_another_process() {
    let db = TempDb::new();
    let local = MemoryStore::local()
        .with_contacts([Contact::organization("K1", "Acme Ltd").with_email("ap@acme.test")]);
    let remote = MemoryStore::ledger(Profile::XeroGl).with_contacts([
        Contact::named("R1", "Acme Ltd").with_email("ap@acme.test"),
        Contact::named("R2", "Bloggs Trust").with_email("fred@bloggs.test"),
    ]);
    let config = ConnectionConfig::new(Profile::XeroGl);
    let first = db.open();
    let clock = TestClock::new(t0());
    let d =
        Driver::new(&config, &local, &remote).with_state_store(&first, "firm-1", "proc-1", &clock);
    let mut state = block_on(d.load_state()).unwrap();
    let reports = block_on(d.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    assert_eq!(reports.last().map(|r| r.outcome), Some(RunOutcome::Quiet));
    drop(d);
    drop(first);

    let second = db.open();
    let clock = TestClock::new(t0());
    let d =
        Driver::new(&config, &local, &remote).with_state_store(&second, "firm-1", "proc-2", &clock);
    let mut resumed = block_on(d.load_state()).unwrap();
    assert_eq!(resumed, state);
    let r = block_on(d.run(
        &mut resumed,
        &[],
        ledgerlink::sync::Trigger::Scheduled,
        t0(),
    ))
    .unwrap();
    assert_eq!(r.outcome, RunOutcome::Quiet);
    assert_eq!(local.len(), 2);
}

#[test]
fn conforms_when_the_log_folds_on_every_save_or_every_few() {
    for limit in [0, 3] {
        let db = TempDb::new();
        let (a, b) = (
            db.open().with_log_limit(limit),
            db.open().with_log_limit(limit),
        );
        block_on(check_state_store(&a, &b, "folding")).unwrap();
    }
}

#[test]
fn compacting_keeps_the_state() {
    let store = SqliteStateStore::open_in_memory().unwrap();
    store.migrate().unwrap();
    let mut state = sample_state(50);
    let mut generation = match block_on(store.save(
        "c",
        Generation::NONE,
        &state,
        &diff(&Default::default(), &state),
    ))
    .unwrap()
    {
        SaveOutcome::Saved { generation } => generation,
        other => panic!("{other:?}"),
    };
    for round in 1..5 {
        let mut next = state.clone();
        next.insert_link(sample_link(round as usize, round));
        next.insert_link(sample_link(1, round));
        next.insert_link(sample_link(100 + round as usize, 0));
        let saved = block_on(store.save("c", generation, &next, &diff(&state, &next))).unwrap();
        let SaveOutcome::Saved { generation: g } = saved else {
            panic!("{saved:?}")
        };
        generation = g;
        state = next;
    }
    assert_eq!(block_on(store.load("c")).unwrap().unwrap().state, state);
    store.compact("c").unwrap();
    let loaded = block_on(store.load("c")).unwrap().unwrap();
    assert_eq!((loaded.state, loaded.generation), (state, generation));
}

#[test]
fn a_lease_table_from_before_lease_tokens_is_migrated() {
    let db = TempDb::new();
    {
        let old = rusqlite::Connection::open(&db.0).unwrap();
        old.execute_batch(
            "CREATE TABLE ledgerlink_leases (
                 connection TEXT PRIMARY KEY,
                 holder     TEXT NOT NULL,
                 expires_at INTEGER NOT NULL
             );",
        )
        .unwrap();
        old.execute(
            "INSERT INTO ledgerlink_leases VALUES ('c', 'old-worker', ?1)",
            [(t0() + Duration::minutes(1)).timestamp_millis()],
        )
        .unwrap();
    }
    let store = db.open();
    // The old holder's lease still counts until it expires…
    let busy = block_on(store.acquire_lease("c", "new", t0(), Duration::minutes(1))).unwrap();
    assert!(
        matches!(&busy, LeaseOutcome::Busy { lease } if lease.holder == "old-worker"),
        "{busy:?}"
    );
    // …then the next acquisition gets a token above the migrated rows' 0.
    let later = t0() + Duration::minutes(2);
    let held = block_on(store.acquire_lease("c", "new", later, Duration::minutes(1))).unwrap();
    assert_eq!(
        held,
        LeaseOutcome::Held {
            expires_at: later + Duration::minutes(1),
            token: LeaseToken(1),
        }
    );
    // Migrating again changes nothing.
    store.migrate().unwrap();
    assert!(block_on(store.release_lease("c", LeaseToken(1))).unwrap());
}
