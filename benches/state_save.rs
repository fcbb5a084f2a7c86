//! State saves after a run (issue target: 1% of 100,000 links changed,
//! under 10 ms and under 1 MB written, in SQLite and in PostgreSQL).
//!
//! Groups, per size `n` (links):
//!
//! - `state_save/diff/<n>`: [`diff`] alone, the loaded state against the
//!   state after a run that changed 1% of the links and the head;
//! - `state_save/sqlite/<n>`: `diff` and the compare-and-swap save of that
//!   delta in a SQLite file (WAL, `synchronous=NORMAL`);
//! - `state_save/postgres/<n>`: the same in PostgreSQL, when built with
//!   feature `postgres` and `LEDGERLINK_PG_URL` reaches a server (skipped
//!   with a printed reason otherwise).
//!
//! Before timing, each store's bytes per save are printed: payload bytes
//! (keys and JSON values sent), and for SQLite the write-ahead log's growth
//! over one save (pages as written to disk), against the same state saved
//! whole.
//!
//! ```text
//! cargo bench --bench state_save --features sqlite,testing           # 100k
//! LEDGERLINK_PG_URL=postgres://… cargo bench --bench state_save --all-features
//! LEDGERLINK_BENCH_LARGE=1 cargo bench --bench state_save --features sqlite,testing  # + 1M
//! ```

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stderr,
    clippy::disallowed_methods
)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ledgerlink::ports::{Generation, SaveOutcome, StateStore};
use ledgerlink::stores::sqlite::SqliteStateStore;
use ledgerlink::sync::{SyncState, diff};
use ledgerlink::testing::block_on;
use ledgerlink::testing::conformance::state::{sample_link, sample_state};

fn sizes() -> Vec<usize> {
    let mut s = vec![100_000];
    if std::env::var_os("LEDGERLINK_BENCH_LARGE").is_some() {
        s.push(1_000_000);
    }
    s
}

/// The state after the `round`-th run: 1% of the links edited (a new
/// base and version), the run counter and a cursor moved on.
fn after_run(base: &SyncState, n: usize, round: u32) -> SyncState {
    let mut s = base.clone();
    let step = 100;
    let offset = (round as usize * 7) % step;
    for i in (offset..n).step_by(step) {
        s.insert_link(sample_link(i, round));
    }
    s.run += 1;
    s.remote_cursor = Some(format!("cursor-{round}"));
    s
}

/// Saves and returns the new generation.
fn saved(outcome: SaveOutcome) -> Generation {
    match outcome {
        SaveOutcome::Saved { generation } => generation,
        SaveOutcome::Conflict { current } => panic!("conflict at {current}"),
    }
}

fn wal_bytes(path: &Path) -> u64 {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
}

fn checkpoint(path: &Path) {
    let db = rusqlite::Connection::open(path).unwrap();
    db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
}

struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

fn bench_diff(c: &mut Criterion) {
    let mut g = c.benchmark_group("state_save/diff");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    for n in sizes() {
        let before = sample_state(n);
        let after = after_run(&before, n, 1);
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| diff(&before, &after));
        });
    }
    g.finish();
}

fn bench_sqlite(c: &mut Criterion) {
    let mut g = c.benchmark_group("state_save/sqlite");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    for n in sizes() {
        let file = TempFile(std::env::temp_dir().join(format!(
            "ledgerlink-bench-{}-{n}.sqlite",
            std::process::id()
        )));
        let store = SqliteStateStore::open(&file.0).unwrap();
        store.migrate().unwrap();
        let mut state = sample_state(n);
        checkpoint(&file.0);
        let mut generation = saved(
            block_on(store.save(
                "bench",
                Generation::NONE,
                &state,
                &diff(&SyncState::new(), &state),
            ))
            .unwrap(),
        );
        let whole = (store.last_save(), wal_bytes(&file.0));
        // One run's save, measured.
        checkpoint(&file.0);
        let next = after_run(&state, n, 1);
        let t = Instant::now();
        let delta = diff(&state, &next);
        generation = saved(block_on(store.save("bench", generation, &next, &delta)).unwrap());
        let took = t.elapsed();
        let one = (store.last_save(), wal_bytes(&file.0));
        eprintln!(
            "sqlite, {n} links, 1% changed: {} link rows, {} payload bytes, {} WAL bytes, \
             {took:?} (diff + save); saved whole: {} payload bytes, {} WAL bytes",
            one.0.link_rows, one.0.bytes, one.1, whole.0.bytes, whole.1
        );
        state = next;
        let mut round = 2;
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let next = after_run(&state, n, round);
                    round += 1;
                    let t = Instant::now();
                    let delta = diff(&state, &next);
                    generation =
                        saved(block_on(store.save("bench", generation, &next, &delta)).unwrap());
                    total += t.elapsed();
                    state = next;
                }
                total
            });
        });
    }
    g.finish();
}

#[cfg(feature = "postgres")]
fn bench_postgres(c: &mut Criterion) {
    use ledgerlink::stores::postgres::PostgresStateStore;
    let Ok(url) = std::env::var("LEDGERLINK_PG_URL") else {
        eprintln!("state_save/postgres skipped: LEDGERLINK_PG_URL is not set");
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = match rt.block_on(PostgresStateStore::connect(&url)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("state_save/postgres skipped: {e}");
            return;
        }
    };
    rt.block_on(store.migrate()).unwrap();
    // A second session reads the server's write-ahead log position.
    let (wal, conn) = rt
        .block_on(tokio_postgres::connect(&url, tokio_postgres::NoTls))
        .unwrap();
    rt.spawn(conn);
    let wal_at = || -> i64 {
        rt.block_on(wal.query_one(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint",
            &[],
        ))
        .unwrap()
        .get(0)
    };
    let mut g = c.benchmark_group("state_save/postgres");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    for n in sizes() {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let connection = format!("bench-{}-{n}-{stamp}", std::process::id());
        let mut state = sample_state(n);
        let wal0 = wal_at();
        let mut generation = saved(
            rt.block_on(store.save(
                &connection,
                Generation::NONE,
                &state,
                &diff(&SyncState::new(), &state),
            ))
            .unwrap(),
        );
        let whole = (store.last_save(), wal_at() - wal0);
        let next = after_run(&state, n, 1);
        let wal1 = wal_at();
        let t = Instant::now();
        let delta = diff(&state, &next);
        generation = saved(
            rt.block_on(store.save(&connection, generation, &next, &delta))
                .unwrap(),
        );
        let took = t.elapsed();
        let one_wal = wal_at() - wal1;
        eprintln!(
            "postgres, {n} links, 1% changed: {} link rows, {} payload bytes, {one_wal} WAL \
             bytes, {took:?} (diff + save); saved whole: {} payload bytes, {} WAL bytes",
            store.last_save().link_rows,
            store.last_save().bytes,
            whole.0.bytes,
            whole.1
        );
        state = next;
        let mut round = 2;
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let next = after_run(&state, n, round);
                    round += 1;
                    let t = Instant::now();
                    let delta = diff(&state, &next);
                    generation = saved(
                        rt.block_on(store.save(&connection, generation, &next, &delta))
                            .unwrap(),
                    );
                    total += t.elapsed();
                    state = next;
                }
                total
            });
        });
    }
    g.finish();
}

#[cfg(not(feature = "postgres"))]
fn bench_postgres(_: &mut Criterion) {
    eprintln!("state_save/postgres skipped: built without feature `postgres`");
}

criterion_group!(benches, bench_diff, bench_sqlite, bench_postgres);
criterion_main!(benches);
