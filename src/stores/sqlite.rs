//! [`SqliteStateStore`]: connection states in one SQLite file (feature
//! `sqlite`).
//!
//! SQLite calls are short and local: the store runs them on the calling
//! task, behind a mutex (one SQLite connection per store). Several stores
//! (workers, processes) may open the same file: writes are serialised by
//! SQLite (`BEGIN IMMEDIATE`, WAL journal, a busy timeout), and the
//! compare-and-swap and lease statements stay correct between them.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::DEFAULT_LOG_LIMIT;
use super::rows::{self, SaveStats};
use crate::ports::{
    AdapterError, Generation, Lease, LeaseOutcome, LeaseToken, Loaded, SaveOutcome, StateStore,
};
use crate::sync::{STATE_FORMAT_VERSION, STATE_FORMAT_WHOLE_JSON, StateDelta, SyncState};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ledgerlink_connections (
    connection TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    format     INTEGER NOT NULL,
    head       TEXT NOT NULL,
    log_rows   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS ledgerlink_links (
    connection TEXT NOT NULL,
    remote_id  TEXT NOT NULL,
    link       TEXT NOT NULL,
    PRIMARY KEY (connection, remote_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledgerlink_link_log (
    connection TEXT NOT NULL,
    generation INTEGER NOT NULL,
    remote_id  TEXT NOT NULL,
    link       TEXT,
    PRIMARY KEY (connection, generation, remote_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledgerlink_leases (
    connection TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    token      INTEGER NOT NULL DEFAULT 0
);
";

/// `expires_at` of a released lease (the row stays: it keeps the
/// connection's last lease token).
const RELEASED: i64 = i64::MIN;

/// A [`StateStore`] in SQLite. Call [`migrate`](Self::migrate) once
/// after opening (it creates the tables when missing).
///
/// An incremental save appends the delta's links to
/// `ledgerlink_link_log` (keyed by connection, generation and ledger id:
/// the rows of one save sit together, so SQLite writes few pages — a
/// row updated in place in `ledgerlink_links` would cost a page each);
/// a load applies the log over `ledgerlink_links` in generation order. Once
/// a connection's log holds more than the log limit, the save that passes
/// it folds the log into `ledgerlink_links` ([`compact`](Self::compact)
/// does it on demand, e.g. at a quiet hour).
///
/// # Example
///
/// ```
/// use ledgerlink::ports::{Generation, StateStore};
/// use ledgerlink::stores::sqlite::SqliteStateStore;
/// use ledgerlink::sync::{SyncState, diff};
/// use ledgerlink::testing::block_on;
///
/// let store = SqliteStateStore::open_in_memory()?;
/// store.migrate()?;
/// let state = SyncState::new();
/// let delta = diff(&SyncState::new(), &state);
/// let _ = block_on(store.save("firm-1", Generation::NONE, &state, &delta))?;
/// let loaded = block_on(store.load("firm-1"))?.expect("saved");
/// assert_eq!(loaded.generation, Generation(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SqliteStateStore {
    db: Mutex<Connection>,
    last: Mutex<SaveStats>,
    log_limit: u64,
}

impl std::fmt::Debug for SqliteStateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStateStore").finish_non_exhaustive()
    }
}

fn failed(e: &rusqlite::Error) -> AdapterError {
    AdapterError::Transient {
        message: format!("SQLite: {e}"),
    }
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn token_of(v: i64) -> LeaseToken {
    LeaseToken(u64::try_from(v).unwrap_or_default())
}

/// A token as SQLite stores it; -1 (never given out) when it does not
/// fit, so that it matches no row.
fn token_sql(t: LeaseToken) -> i64 {
    i64::try_from(t.0).unwrap_or(-1)
}

fn gen_of(v: i64) -> Generation {
    Generation(u64::try_from(v).unwrap_or_default())
}

/// A generation as SQLite stores it; -1 (never stored) when it does not
/// fit, so that a compare-and-swap expecting it conflicts.
fn gen_sql(g: Generation) -> i64 {
    i64::try_from(g.0).unwrap_or(-1)
}

impl SqliteStateStore {
    /// Opens (or creates) the database file at `path`, in WAL mode with a
    /// five-second busy timeout.
    ///
    /// # Errors
    /// [`AdapterError::Transient`] when SQLite cannot open it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, AdapterError> {
        let db = Connection::open(path).map_err(|e| failed(&e))?;
        db.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| failed(&e))?;
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| failed(&e))?;
        db.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| failed(&e))?;
        Ok(Self::from_connection(db))
    }

    /// A private database in memory (tests, examples).
    ///
    /// # Errors
    /// [`AdapterError::Transient`] when SQLite fails.
    pub fn open_in_memory() -> Result<Self, AdapterError> {
        Ok(Self::from_connection(
            Connection::open_in_memory().map_err(|e| failed(&e))?,
        ))
    }

    /// A store over a connection the caller opened and configured.
    #[must_use]
    pub fn from_connection(db: Connection) -> Self {
        Self {
            db: Mutex::new(db),
            last: Mutex::new(SaveStats::default()),
            log_limit: DEFAULT_LOG_LIMIT,
        }
    }

    /// Folds a connection's log into `ledgerlink_links` once it holds more
    /// than `rows` rows (default [`DEFAULT_LOG_LIMIT`]; 0 folds on every
    /// save, writing rows in place).
    #[must_use]
    pub const fn with_log_limit(mut self, rows: u64) -> Self {
        self.log_limit = rows;
        self
    }

    /// Folds `connection`'s log into `ledgerlink_links` now.
    ///
    /// # Errors
    /// [`AdapterError::Transient`] when SQLite fails.
    pub fn compact(&self, connection: &str) -> Result<(), AdapterError> {
        let mut db = self.lock();
        let tx = db
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| failed(&e))?;
        fold_log(&tx, connection)?;
        tx.commit().map_err(|e| failed(&e))
    }

    /// Creates the tables when they are missing (safe to run every start).
    ///
    /// # Errors
    /// [`AdapterError::Transient`] when SQLite fails.
    pub fn migrate(&self) -> Result<(), AdapterError> {
        let db = self.lock();
        db.execute_batch(SCHEMA).map_err(|e| failed(&e))?;
        // Lease tables made before lease tokens: add the column.
        let has_token: bool = db
            .query_row(
                "SELECT COUNT(*) > 0 FROM pragma_table_info('ledgerlink_leases') WHERE name = 'token'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| failed(&e))?;
        if !has_token {
            db.execute_batch(
                "ALTER TABLE ledgerlink_leases ADD COLUMN token INTEGER NOT NULL DEFAULT 0",
            )
            .map_err(|e| failed(&e))?;
        }
        Ok(())
    }

    /// What the last successful save wrote.
    #[must_use]
    pub fn last_save(&self) -> SaveStats {
        *self.last.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn save_now(
        &self,
        connection: &str,
        expected: Generation,
        state: &SyncState,
        delta: &StateDelta,
    ) -> Result<SaveOutcome, AdapterError> {
        let mut db = self.lock();
        let tx = db
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| failed(&e))?;
        let stored: Option<(i64, u32)> = tx
            .query_row(
                "SELECT generation, format FROM ledgerlink_connections WHERE connection = ?1",
                params![connection],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| failed(&e))?;
        let current = stored.map_or(Generation::NONE, |(g, _)| gen_of(g));
        if current != expected {
            return Ok(SaveOutcome::Conflict { current });
        }
        let next = current.next();
        let whole = stored.is_none_or(|(_, f)| f != STATE_FORMAT_VERSION);
        let mut stats = SaveStats::default();
        let head = if whole {
            Some(rows::encode_head(&state.head())?)
        } else {
            delta.head.as_ref().map(rows::encode_head).transpose()?
        };
        let logged = if whole {
            0
        } else {
            u64::try_from(delta.link_rows()).unwrap_or(u64::MAX)
        };
        if let Some(head) = &head {
            stats.head = true;
            stats.bytes += head.len() + connection.len();
        }
        if whole {
            tx.execute(
                "INSERT INTO ledgerlink_connections (connection, generation, format, head, log_rows)
                 VALUES (?1, ?2, ?3, ?4, 0)
                 ON CONFLICT (connection) DO UPDATE
                 SET generation = excluded.generation, format = excluded.format,
                     head = excluded.head, log_rows = 0
                 WHERE ledgerlink_connections.generation = ?5",
                params![
                    connection,
                    gen_sql(next),
                    STATE_FORMAT_VERSION,
                    head,
                    gen_sql(expected)
                ],
            )
            .map_err(|e| failed(&e))?;
        } else {
            tx.execute(
                "UPDATE ledgerlink_connections
                 SET generation = ?2, head = coalesce(?3, head), log_rows = log_rows + ?4
                 WHERE connection = ?1 AND generation = ?5",
                params![
                    connection,
                    gen_sql(next),
                    head,
                    i64::try_from(logged).unwrap_or(i64::MAX),
                    gen_sql(expected)
                ],
            )
            .map_err(|e| failed(&e))?;
        }
        if whole {
            for table in ["ledgerlink_links", "ledgerlink_link_log"] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE connection = ?1"),
                    params![connection],
                )
                .map_err(|e| failed(&e))?;
            }
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO ledgerlink_links (connection, remote_id, link) VALUES (?1, ?2, ?3)",
                )
                .map_err(|e| failed(&e))?;
            for link in state.links() {
                let json = rows::encode_link(link)?;
                stats.bytes += json.len() + link.remote_id.as_str().len() + connection.len();
                stats.link_rows += 1;
                insert
                    .execute(params![connection, link.remote_id.as_str(), json])
                    .map_err(|e| failed(&e))?;
            }
        } else {
            let g = gen_sql(next);
            let mut entries: Vec<(&str, Option<String>)> = Vec::with_capacity(delta.link_rows());
            for id in &delta.removed {
                stats.bytes += id.as_str().len() + connection.len() + 8;
                entries.push((id.as_str(), None));
            }
            for link in &delta.upserted {
                let json = rows::encode_link(link)?;
                stats.bytes += json.len() + link.remote_id.as_str().len() + connection.len() + 8;
                entries.push((link.remote_id.as_str(), Some(json)));
            }
            stats.link_rows += entries.len();
            append_log(&tx, connection, g, &entries)?;
            let log_rows: i64 = tx
                .query_row(
                    "SELECT log_rows FROM ledgerlink_connections WHERE connection = ?1",
                    params![connection],
                    |r| r.get(0),
                )
                .map_err(|e| failed(&e))?;
            if u64::try_from(log_rows).unwrap_or(0) > self.log_limit {
                fold_log(&tx, connection)?;
            }
        }
        tx.commit().map_err(|e| failed(&e))?;
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = stats;
        Ok(SaveOutcome::Saved { generation: next })
    }

    fn load_now(&self, connection: &str) -> Result<Option<Loaded>, AdapterError> {
        let mut guard = self.lock();
        // One read transaction: the head, the links and the log come from
        // one snapshot. Read one by one, a `compact` (which keeps the
        // generation) or a save by another process in between would give a
        // state mixing two moments under one generation, and a save on top
        // of it would pass the compare-and-swap.
        let db = guard
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(|e| failed(&e))?;
        let row: Option<(i64, u32, String)> = db
            .query_row(
                "SELECT generation, format, head FROM ledgerlink_connections WHERE connection = ?1",
                params![connection],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| failed(&e))?;
        let Some((generation, format, head)) = row else {
            return Ok(None);
        };
        let mut links = std::collections::BTreeMap::new();
        if format == STATE_FORMAT_VERSION {
            let mut q = db
                .prepare_cached(
                    "SELECT remote_id, link FROM ledgerlink_links WHERE connection = ?1",
                )
                .map_err(|e| failed(&e))?;
            let mut rs = q.query(params![connection]).map_err(|e| failed(&e))?;
            while let Some(r) = rs.next().map_err(|e| failed(&e))? {
                let id: String = r.get(0).map_err(|e| failed(&e))?;
                links.insert(id, r.get::<_, String>(1).map_err(|e| failed(&e))?);
            }
            let mut q = db
                .prepare_cached(
                    "SELECT remote_id, link FROM ledgerlink_link_log WHERE connection = ?1
                     ORDER BY generation, remote_id",
                )
                .map_err(|e| failed(&e))?;
            let mut rs = q.query(params![connection]).map_err(|e| failed(&e))?;
            while let Some(r) = rs.next().map_err(|e| failed(&e))? {
                let id: String = r.get(0).map_err(|e| failed(&e))?;
                match r.get::<_, Option<String>>(1).map_err(|e| failed(&e))? {
                    Some(link) => links.insert(id, link),
                    None => links.remove(&id),
                };
            }
        }
        let state = rows::decode(format, &head, links.into_values())?;
        Ok(Some(Loaded {
            state,
            generation: gen_of(generation),
            format,
        }))
    }

    fn acquire_now(
        &self,
        connection: &str,
        worker: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<LeaseOutcome, AdapterError> {
        let until = now.checked_add_signed(ttl).unwrap_or(now);
        let db = self.lock();
        // Taken when free, released or expired; the token one more than
        // the connection's last (the row outlives releases).
        let taken: Option<i64> = db
            .query_row(
                "INSERT INTO ledgerlink_leases (connection, holder, expires_at, token)
                 VALUES (?1, ?2, ?3, 1)
                 ON CONFLICT (connection) DO UPDATE
                 SET holder = excluded.holder, expires_at = excluded.expires_at,
                     token = ledgerlink_leases.token + 1
                 WHERE ledgerlink_leases.expires_at <= ?4
                 RETURNING token",
                params![connection, worker, millis(until), millis(now)],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| failed(&e))?;
        if let Some(token) = taken {
            return Ok(LeaseOutcome::Held {
                expires_at: from_millis(millis(until)),
                token: token_of(token),
            });
        }
        let other: Option<(String, i64)> = db
            .query_row(
                "SELECT holder, expires_at FROM ledgerlink_leases WHERE connection = ?1",
                params![connection],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| failed(&e))?;
        Ok(match other {
            Some((holder, at)) => LeaseOutcome::Busy {
                lease: Lease {
                    holder,
                    expires_at: from_millis(at),
                },
            },
            // Released between the two statements: try again next time.
            None => LeaseOutcome::Lost,
        })
    }
}

/// Rows per `INSERT` of [`append_log`]: fewer statements to run, well
/// under SQLite's limit of bound parameters.
const LOG_BATCH: usize = 100;

/// Appends `entries` (ledger id, link or `None` for a removal) to the log
/// under generation `g`, [`LOG_BATCH`] rows per statement.
fn append_log(
    tx: &rusqlite::Transaction<'_>,
    connection: &str,
    g: i64,
    entries: &[(&str, Option<String>)],
) -> Result<(), AdapterError> {
    for chunk in entries.chunks(LOG_BATCH) {
        let mut sql = String::from(
            "INSERT INTO ledgerlink_link_log (connection, generation, remote_id, link) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            let at = 2 * i + 3;
            sql.push_str(&format!("(?1, ?2, ?{at}, ?{})", at + 1));
        }
        let mut stmt = tx.prepare_cached(&sql).map_err(|e| failed(&e))?;
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(2 + 2 * chunk.len());
        values.push(&connection);
        values.push(&g);
        for (id, link) in chunk {
            values.push(id);
            values.push(link);
        }
        stmt.execute(rusqlite::params_from_iter(values))
            .map_err(|e| failed(&e))?;
    }
    Ok(())
}

/// Applies a connection's log to `ledgerlink_links` (the last entry of
/// each ledger id wins) and empties it.
fn fold_log(tx: &rusqlite::Transaction<'_>, connection: &str) -> Result<(), AdapterError> {
    let mut last: std::collections::BTreeMap<String, Option<String>> =
        std::collections::BTreeMap::new();
    {
        let mut q = tx
            .prepare_cached(
                "SELECT remote_id, link FROM ledgerlink_link_log WHERE connection = ?1
                 ORDER BY generation, remote_id",
            )
            .map_err(|e| failed(&e))?;
        let mut rs = q.query(params![connection]).map_err(|e| failed(&e))?;
        while let Some(r) = rs.next().map_err(|e| failed(&e))? {
            last.insert(
                r.get(0).map_err(|e| failed(&e))?,
                r.get(1).map_err(|e| failed(&e))?,
            );
        }
    }
    let mut upsert = tx
        .prepare_cached(
            "INSERT INTO ledgerlink_links (connection, remote_id, link) VALUES (?1, ?2, ?3)
             ON CONFLICT (connection, remote_id) DO UPDATE SET link = excluded.link",
        )
        .map_err(|e| failed(&e))?;
    let mut delete = tx
        .prepare_cached("DELETE FROM ledgerlink_links WHERE connection = ?1 AND remote_id = ?2")
        .map_err(|e| failed(&e))?;
    for (id, link) in &last {
        match link {
            Some(link) => upsert.execute(params![connection, id, link]),
            None => delete.execute(params![connection, id]),
        }
        .map_err(|e| failed(&e))?;
    }
    tx.execute(
        "DELETE FROM ledgerlink_link_log WHERE connection = ?1",
        params![connection],
    )
    .map_err(|e| failed(&e))?;
    tx.execute(
        "UPDATE ledgerlink_connections SET log_rows = 0 WHERE connection = ?1",
        params![connection],
    )
    .map_err(|e| failed(&e))?;
    Ok(())
}

#[async_trait]
impl StateStore for SqliteStateStore {
    async fn load(&self, connection: &str) -> Result<Option<Loaded>, AdapterError> {
        self.load_now(connection)
    }

    async fn save(
        &self,
        connection: &str,
        expected: Generation,
        state: &SyncState,
        delta: &StateDelta,
    ) -> Result<SaveOutcome, AdapterError> {
        self.save_now(connection, expected, state, delta)
    }

    async fn acquire_lease(
        &self,
        connection: &str,
        worker: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<LeaseOutcome, AdapterError> {
        self.acquire_now(connection, worker, now, ttl)
    }

    async fn renew_lease(
        &self,
        connection: &str,
        token: LeaseToken,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<LeaseOutcome, AdapterError> {
        let until = now.checked_add_signed(ttl).unwrap_or(now);
        let n = self
            .lock()
            .execute(
                "UPDATE ledgerlink_leases SET expires_at = ?3
                 WHERE connection = ?1 AND token = ?2 AND expires_at > ?4",
                params![connection, token_sql(token), millis(until), millis(now)],
            )
            .map_err(|e| failed(&e))?;
        Ok(if n == 1 {
            LeaseOutcome::Held {
                expires_at: from_millis(millis(until)),
                token,
            }
        } else {
            LeaseOutcome::Lost
        })
    }

    async fn release_lease(
        &self,
        connection: &str,
        token: LeaseToken,
    ) -> Result<bool, AdapterError> {
        let n = self
            .lock()
            .execute(
                "UPDATE ledgerlink_leases SET expires_at = ?3
                 WHERE connection = ?1 AND token = ?2 AND expires_at <> ?3",
                params![connection, token_sql(token), RELEASED],
            )
            .map_err(|e| failed(&e))?;
        Ok(n == 1)
    }

    async fn import_whole_json(
        &self,
        connection: &str,
        document: &str,
    ) -> Result<SaveOutcome, AdapterError> {
        rows::check_whole(document)?;
        let db = self.lock();
        let n = db
            .execute(
                "INSERT INTO ledgerlink_connections (connection, generation, format, head)
                 VALUES (?1, 1, ?2, ?3) ON CONFLICT (connection) DO NOTHING",
                params![connection, STATE_FORMAT_WHOLE_JSON, document],
            )
            .map_err(|e| failed(&e))?;
        if n == 1 {
            return Ok(SaveOutcome::Saved {
                generation: Generation(1),
            });
        }
        let g: i64 = db
            .query_row(
                "SELECT generation FROM ledgerlink_connections WHERE connection = ?1",
                params![connection],
                |r| r.get(0),
            )
            .map_err(|e| failed(&e))?;
        Ok(SaveOutcome::Conflict { current: gen_of(g) })
    }
}
