//! [`PostgresStateStore`]: connection states in PostgreSQL (feature
//! `postgres`), for many workers on many machines against one database.
//!
//! Each store holds one database connection (tokio-postgres; its
//! connection task is spawned on the current tokio runtime by
//! [`connect`](PostgresStateStore::connect), or driven by the caller with
//! [`from_client`](PostgresStateStore::from_client)). Give each worker its
//! own store. Every operation is one statement or one transaction:
//!
//! - save: one prepared statement, one round trip, for a state stored in
//!   the current format: `UPDATE … WHERE generation = $expected` of the
//!   connection's row and the delta's links appended to
//!   `ledgerlink_link_log` (arrays) in one data-modifying `WITH`, its own
//!   transaction. When that finds no row (a conflict, a first save, a state
//!   in format 1), the save takes a transaction: `SELECT … FOR UPDATE` of
//!   the connection's row, then the conflict is reported or the state
//!   written whole. As in the
//!   SQLite store, the log is applied over `ledgerlink_links` on load and
//!   folded into it past a limit
//!   ([`with_log_limit`](PostgresStateStore::with_log_limit),
//!   [`compact`](PostgresStateStore::compact)): appended rows fill a few
//!   new pages where rows updated in place would each touch (and log) a
//!   page of their own;
//! - lease: one `INSERT … ON CONFLICT DO UPDATE … WHERE expires_at <=
//!   $now RETURNING token` (the token one more than the connection's
//!   last); renewal one `UPDATE … WHERE token = $mine AND expires_at >
//!   $now`; a release sets `expires_at` to `-infinity` and keeps the row
//!   (and so the last token).

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls};

use super::rows::{self, SaveStats};
use crate::ports::{
    AdapterError, Generation, Lease, LeaseOutcome, LeaseToken, Loaded, SaveOutcome, StateStore,
};
use crate::sync::{STATE_FORMAT_VERSION, STATE_FORMAT_WHOLE_JSON, StateDelta, SyncState};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ledgerlink_connections (
    connection text PRIMARY KEY,
    generation bigint NOT NULL,
    format     integer NOT NULL,
    head       text NOT NULL,
    log_rows   bigint NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS ledgerlink_links (
    connection text NOT NULL,
    remote_id  text NOT NULL,
    link       text NOT NULL,
    PRIMARY KEY (connection, remote_id)
);
ALTER TABLE ledgerlink_connections ADD COLUMN IF NOT EXISTS log_rows bigint NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS ledgerlink_link_log (
    connection text NOT NULL,
    generation bigint NOT NULL,
    remote_id  text NOT NULL,
    link       text,
    PRIMARY KEY (connection, generation, remote_id)
);
CREATE TABLE IF NOT EXISTS ledgerlink_leases (
    connection text PRIMARY KEY,
    holder     text NOT NULL,
    expires_at timestamptz NOT NULL,
    token      bigint NOT NULL DEFAULT 0
);
ALTER TABLE ledgerlink_leases ADD COLUMN IF NOT EXISTS token bigint NOT NULL DEFAULT 0;
";

/// A [`StateStore`] in PostgreSQL. Call [`migrate`](Self::migrate) once
/// (it creates the tables when missing; safe to run from every worker).
///
/// Its `Debug` shows nothing of the connection (the connection string,
/// with its password, is never kept).
pub struct PostgresStateStore {
    client: Mutex<Client>,
    last: std::sync::Mutex<SaveStats>,
    log_limit: u64,
    /// [`APPEND`], prepared once on the store's client.
    append: tokio::sync::OnceCell<tokio_postgres::Statement>,
}

/// An incremental save in one statement (one round trip, its own
/// transaction): the generation compared and advanced, the head written
/// when given, the delta's links appended to the log; no row back when the
/// generation differs or the stored state is not in the current format
/// (the save then takes the transactional path, which tells which).
const APPEND: &str = "
WITH up AS (
    UPDATE ledgerlink_connections
    SET generation = $2, head = coalesce($3, head), log_rows = log_rows + $4
    WHERE connection = $1 AND generation = $5 AND format = $6
    RETURNING log_rows
), logged AS (
    INSERT INTO ledgerlink_link_log (connection, generation, remote_id, link)
    SELECT $1, $2, r, l FROM UNNEST($7::text[], $8::text[]) AS u(r, l)
    WHERE EXISTS (SELECT 1 FROM up)
)
SELECT log_rows FROM up";

impl std::fmt::Debug for PostgresStateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStateStore").finish_non_exhaustive()
    }
}

fn failed(e: &tokio_postgres::Error) -> AdapterError {
    // The server's own message when there is one; neither names the
    // connection string.
    let message = match e.as_db_error() {
        Some(db) => format!("PostgreSQL: {} ({})", db.message(), db.code().code()),
        None => format!("PostgreSQL: {e}"),
    };
    AdapterError::Transient { message }
}

/// Column `i` of `row`; a value of another type than the schema's (a
/// table changed by hand) is reported, never a panic.
fn col<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a tokio_postgres::Row,
    i: usize,
) -> Result<T, AdapterError> {
    row.try_get(i).map_err(|e| AdapterError::Validation {
        code: None,
        message: format!("PostgreSQL: unexpected value in column {i}: {e}"),
    })
}

fn token_of(v: i64) -> LeaseToken {
    LeaseToken(u64::try_from(v).unwrap_or_default())
}

/// A token as stored; -1 (never given out) when it does not fit, so that
/// it matches no row.
fn token_sql(t: LeaseToken) -> i64 {
    i64::try_from(t.0).unwrap_or(-1)
}

fn gen_of(v: i64) -> Generation {
    Generation(u64::try_from(v).unwrap_or_default())
}

/// A generation as stored; -1 (never stored) when it does not fit, so
/// that a compare-and-swap expecting it conflicts.
fn gen_sql(g: Generation) -> i64 {
    i64::try_from(g.0).unwrap_or(-1)
}

fn format_sql(f: u32) -> i32 {
    i32::try_from(f).unwrap_or(i32::MAX)
}

impl PostgresStateStore {
    /// Connects without TLS (loopback, a private network, or a
    /// TLS-terminating proxy) and spawns the connection's task on the
    /// current tokio runtime. `url` is a libpq-style connection string or
    /// `postgres://` URL.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for a string that does not parse (its
    /// text is not repeated: it may hold a password);
    /// [`AdapterError::Transient`] when the server cannot be reached.
    ///
    /// # Panics
    /// Outside a tokio runtime (the connection task is spawned on it).
    pub async fn connect(url: &str) -> Result<Self, AdapterError> {
        let config: tokio_postgres::Config = url.parse().map_err(|_| AdapterError::Validation {
            code: None,
            message: "the PostgreSQL connection string does not parse".into(),
        })?;
        let (client, connection) = config.connect(NoTls).await.map_err(|e| failed(&e))?;
        drop(tokio::spawn(connection));
        Ok(Self::from_client(client))
    }

    /// A store over a client the caller connected (with its own TLS
    /// connector) and whose connection task it runs.
    #[must_use]
    pub fn from_client(client: Client) -> Self {
        Self {
            client: Mutex::new(client),
            last: std::sync::Mutex::new(SaveStats::default()),
            log_limit: super::DEFAULT_LOG_LIMIT,
            append: tokio::sync::OnceCell::new(),
        }
    }

    /// Folds a connection's log into `ledgerlink_links` once it holds more
    /// than `rows` rows (default
    /// [`DEFAULT_LOG_LIMIT`](super::DEFAULT_LOG_LIMIT); 0 folds on every
    /// save).
    #[must_use]
    pub const fn with_log_limit(mut self, rows: u64) -> Self {
        self.log_limit = rows;
        self
    }

    /// Folds `connection`'s log into `ledgerlink_links` now.
    ///
    /// # Errors
    /// [`AdapterError::Transient`] when the server fails.
    pub async fn compact(&self, connection: &str) -> Result<(), AdapterError> {
        let mut client = self.client.lock().await;
        let tx = client.transaction().await.map_err(|e| failed(&e))?;
        tx.execute(
            "SELECT 1 FROM ledgerlink_connections WHERE connection = $1 FOR UPDATE",
            &[&connection],
        )
        .await
        .map_err(|e| failed(&e))?;
        fold_log(&tx, connection).await?;
        tx.commit().await.map_err(|e| failed(&e))
    }

    /// Creates the tables when they are missing.
    ///
    /// # Errors
    /// [`AdapterError::Transient`] when the server fails.
    pub async fn migrate(&self) -> Result<(), AdapterError> {
        let client = self.client.lock().await;
        // Two workers migrating at once would race on the catalogue: an
        // advisory lock for the duration of the transaction serialises them.
        client
            .batch_execute(&format!(
                "BEGIN; SELECT pg_advisory_xact_lock(4242001); {SCHEMA} COMMIT;"
            ))
            .await
            .map_err(|e| failed(&e))
    }

    /// What the last successful save wrote.
    #[must_use]
    pub fn last_save(&self) -> SaveStats {
        *self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl PostgresStateStore {
    /// An incremental save by [`APPEND`]; `None` when the stored generation
    /// or format does not allow it (nothing was written then).
    async fn append(
        &self,
        client: &mut Client,
        connection: &str,
        expected: Generation,
        delta: &StateDelta,
    ) -> Result<Option<SaveOutcome>, AdapterError> {
        let statement = self
            .append
            .get_or_try_init(|| client.prepare(APPEND))
            .await
            .map_err(|e| failed(&e))?;
        let mut stats = SaveStats::default();
        let head = delta.head.as_ref().map(rows::encode_head).transpose()?;
        if let Some(head) = &head {
            stats.head = true;
            stats.bytes += head.len() + connection.len();
        }
        let (ids, values) = log_rows(delta)?;
        stats.link_rows = ids.len();
        if !ids.is_empty() {
            stats.bytes += log_bytes(&ids, &values) + connection.len();
        }
        let next = expected.next();
        let logged = i64::try_from(ids.len()).unwrap_or(i64::MAX);
        let Some(row) = client
            .query_opt(
                statement,
                &[
                    &connection,
                    &gen_sql(next),
                    &head,
                    &logged,
                    &gen_sql(expected),
                    &format_sql(STATE_FORMAT_VERSION),
                    &ids,
                    &values,
                ],
            )
            .await
            .map_err(|e| failed(&e))?
        else {
            return Ok(None);
        };
        *self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = stats;
        // The save is committed; folding the log is maintenance, in a
        // transaction of its own that locks the connection's row (as
        // `compact`). A fold that fails leaves the log as it is (loads
        // apply it), and the next save past the limit folds it: the save
        // is not reported as failed for it.
        let log_rows = col::<i64>(&row, 0).ok().and_then(|n| u64::try_from(n).ok());
        if logged > 0 && log_rows.unwrap_or(0) > self.log_limit {
            let _ = fold_now(client, connection).await;
        }
        Ok(Some(SaveOutcome::Saved { generation: next }))
    }
}

/// The delta as log rows: ledger ids and encoded links (`None`: removed),
/// removals first.
fn log_rows(delta: &StateDelta) -> Result<(Vec<&str>, Vec<Option<String>>), AdapterError> {
    let mut ids = Vec::with_capacity(delta.link_rows());
    let mut values = Vec::with_capacity(delta.link_rows());
    for id in &delta.removed {
        ids.push(id.as_str());
        values.push(None);
    }
    for l in &delta.upserted {
        ids.push(l.remote_id.as_str());
        values.push(Some(rows::encode_link(l)?));
    }
    Ok((ids, values))
}

/// Payload bytes of log rows (ids with their generation, and values).
fn log_bytes(ids: &[&str], values: &[Option<String>]) -> usize {
    ids.iter().map(|r| r.len() + 8).sum::<usize>()
        + values.iter().flatten().map(String::len).sum::<usize>()
}

/// Folds `connection`'s log in a transaction of its own, the
/// connection's row locked (as [`PostgresStateStore::compact`]).
async fn fold_now(client: &mut Client, connection: &str) -> Result<(), AdapterError> {
    let tx = client.transaction().await.map_err(|e| failed(&e))?;
    tx.execute(
        "SELECT 1 FROM ledgerlink_connections WHERE connection = $1 FOR UPDATE",
        &[&connection],
    )
    .await
    .map_err(|e| failed(&e))?;
    fold_log(&tx, connection).await?;
    tx.commit().await.map_err(|e| failed(&e))
}

/// Applies a connection's log to `ledgerlink_links` (the last entry of
/// each ledger id wins) and empties it, in the caller's transaction.
async fn fold_log(
    tx: &tokio_postgres::Transaction<'_>,
    connection: &str,
) -> Result<(), AdapterError> {
    tx.execute(
        "WITH last AS (
             SELECT DISTINCT ON (remote_id) remote_id, link FROM ledgerlink_link_log
             WHERE connection = $1 ORDER BY remote_id, generation DESC
         ), gone AS (
             DELETE FROM ledgerlink_links k USING last
             WHERE k.connection = $1 AND k.remote_id = last.remote_id AND last.link IS NULL
         )
         INSERT INTO ledgerlink_links (connection, remote_id, link)
         SELECT $1, remote_id, link FROM last WHERE link IS NOT NULL
         ON CONFLICT (connection, remote_id) DO UPDATE SET link = EXCLUDED.link",
        &[&connection],
    )
    .await
    .map_err(|e| failed(&e))?;
    tx.execute(
        "DELETE FROM ledgerlink_link_log WHERE connection = $1",
        &[&connection],
    )
    .await
    .map_err(|e| failed(&e))?;
    tx.execute(
        "UPDATE ledgerlink_connections SET log_rows = 0 WHERE connection = $1",
        &[&connection],
    )
    .await
    .map_err(|e| failed(&e))?;
    Ok(())
}

#[async_trait]
impl StateStore for PostgresStateStore {
    async fn load(&self, connection: &str) -> Result<Option<Loaded>, AdapterError> {
        let mut client = self.client.lock().await;
        // One snapshot for the head and the links.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(|e| failed(&e))?;
        let Some(row) = tx
            .query_opt(
                "SELECT generation, format, head FROM ledgerlink_connections WHERE connection = $1",
                &[&connection],
            )
            .await
            .map_err(|e| failed(&e))?
        else {
            return Ok(None);
        };
        let generation: i64 = col(&row, 0)?;
        let format = u32::try_from(col::<i32>(&row, 1)?).unwrap_or(u32::MAX);
        let head: String = col(&row, 2)?;
        let mut links = std::collections::BTreeMap::new();
        if format == STATE_FORMAT_VERSION {
            for r in tx
                .query(
                    "SELECT remote_id, link FROM ledgerlink_links WHERE connection = $1",
                    &[&connection],
                )
                .await
                .map_err(|e| failed(&e))?
            {
                links.insert(col::<String>(&r, 0)?, col::<String>(&r, 1)?);
            }
            for r in tx
                .query(
                    "SELECT remote_id, link FROM ledgerlink_link_log WHERE connection = $1
                     ORDER BY generation, remote_id",
                    &[&connection],
                )
                .await
                .map_err(|e| failed(&e))?
            {
                let id: String = col(&r, 0)?;
                match col::<Option<String>>(&r, 1)? {
                    Some(link) => links.insert(id, link),
                    None => links.remove(&id),
                };
            }
        }
        tx.commit().await.map_err(|e| failed(&e))?;
        let state = rows::decode(format, &head, links.into_values())?;
        Ok(Some(Loaded {
            state,
            generation: gen_of(generation),
            format,
        }))
    }

    async fn save(
        &self,
        connection: &str,
        expected: Generation,
        state: &SyncState,
        delta: &StateDelta,
    ) -> Result<SaveOutcome, AdapterError> {
        let mut client = self.client.lock().await;
        // A state already stored in the current format: one statement.
        if expected != Generation::NONE
            && let Some(saved) = self
                .append(&mut client, connection, expected, delta)
                .await?
        {
            return Ok(saved);
        }
        let tx = client.transaction().await.map_err(|e| failed(&e))?;
        let stored = tx
            .query_opt(
                "SELECT generation, format FROM ledgerlink_connections
                 WHERE connection = $1 FOR UPDATE",
                &[&connection],
            )
            .await
            .map_err(|e| failed(&e))?
            .map(|r| Ok::<_, AdapterError>((gen_of(col(&r, 0)?), col::<i32>(&r, 1)?)))
            .transpose()?;
        let current = stored.map_or(Generation::NONE, |(g, _)| g);
        if current != expected {
            return Ok(SaveOutcome::Conflict { current });
        }
        let next = current.next();
        let whole = stored.is_none_or(|(_, f)| f != format_sql(STATE_FORMAT_VERSION));
        let mut stats = SaveStats::default();
        let head = if whole {
            Some(rows::encode_head(&state.head())?)
        } else {
            delta.head.as_ref().map(rows::encode_head).transpose()?
        };
        if let Some(head) = &head {
            stats.head = true;
            stats.bytes += head.len() + connection.len();
        }
        let logged = if whole {
            0
        } else {
            i64::try_from(delta.link_rows()).unwrap_or(i64::MAX)
        };
        let written = if stored.is_none() {
            tx.execute(
                "INSERT INTO ledgerlink_connections (connection, generation, format, head)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (connection) DO NOTHING",
                &[
                    &connection,
                    &gen_sql(next),
                    &format_sql(STATE_FORMAT_VERSION),
                    &head,
                ],
            )
            .await
            .map_err(|e| failed(&e))?
        } else {
            tx.execute(
                "UPDATE ledgerlink_connections
                 SET generation = $2, format = $3, head = coalesce($4, head),
                     log_rows = CASE WHEN $6 THEN 0 ELSE log_rows + $7 END
                 WHERE connection = $1 AND generation = $5",
                &[
                    &connection,
                    &gen_sql(next),
                    &format_sql(STATE_FORMAT_VERSION),
                    &head,
                    &gen_sql(expected),
                    &whole,
                    &logged,
                ],
            )
            .await
            .map_err(|e| failed(&e))?
        };
        if written != 1 {
            // A first save raced another first save (no row to lock yet).
            drop(tx);
            return Ok(SaveOutcome::Conflict {
                current: Generation::NONE.next(),
            });
        }
        if whole {
            for table in ["ledgerlink_links", "ledgerlink_link_log"] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE connection = $1"),
                    &[&connection],
                )
                .await
                .map_err(|e| failed(&e))?;
            }
            let mut ids = Vec::with_capacity(state.links().len());
            let mut values = Vec::with_capacity(state.links().len());
            for l in state.links() {
                ids.push(l.remote_id.as_str());
                values.push(rows::encode_link(l)?);
            }
            stats.link_rows += ids.len();
            stats.bytes += ids.iter().map(|r| r.len()).sum::<usize>()
                + values.iter().map(String::len).sum::<usize>()
                + connection.len();
            tx.execute(
                "INSERT INTO ledgerlink_links (connection, remote_id, link)
                 SELECT $1, r, l FROM UNNEST($2::text[], $3::text[]) AS u(r, l)",
                &[&connection, &ids, &values],
            )
            .await
            .map_err(|e| failed(&e))?;
        } else if logged > 0 {
            let (ids, values) = log_rows(delta)?;
            stats.link_rows += ids.len();
            stats.bytes += log_bytes(&ids, &values) + connection.len();
            tx.execute(
                "INSERT INTO ledgerlink_link_log (connection, generation, remote_id, link)
                 SELECT $1, $2, r, l FROM UNNEST($3::text[], $4::text[]) AS u(r, l)",
                &[&connection, &gen_sql(next), &ids, &values],
            )
            .await
            .map_err(|e| failed(&e))?;
            let row = tx
                .query_one(
                    "SELECT log_rows FROM ledgerlink_connections WHERE connection = $1",
                    &[&connection],
                )
                .await
                .map_err(|e| failed(&e))?;
            if u64::try_from(col::<i64>(&row, 0)?).unwrap_or(0) > self.log_limit {
                fold_log(&tx, connection).await?;
            }
        }
        tx.commit().await.map_err(|e| failed(&e))?;
        *self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = stats;
        Ok(SaveOutcome::Saved { generation: next })
    }

    async fn acquire_lease(
        &self,
        connection: &str,
        worker: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<LeaseOutcome, AdapterError> {
        let until = now.checked_add_signed(ttl).unwrap_or(now);
        let client = self.client.lock().await;
        let held = client
            .query_opt(
                "INSERT INTO ledgerlink_leases (connection, holder, expires_at, token)
                 VALUES ($1, $2, $3, 1)
                 ON CONFLICT (connection) DO UPDATE
                 SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
                     token = ledgerlink_leases.token + 1
                 WHERE ledgerlink_leases.expires_at <= $4
                 RETURNING expires_at, token",
                &[&connection, &worker, &until, &now],
            )
            .await
            .map_err(|e| failed(&e))?;
        if let Some(row) = held {
            return Ok(LeaseOutcome::Held {
                expires_at: col(&row, 0)?,
                token: token_of(col(&row, 1)?),
            });
        }
        let other = client
            .query_opt(
                "SELECT holder, expires_at FROM ledgerlink_leases
                 WHERE connection = $1 AND expires_at > $2",
                &[&connection, &now],
            )
            .await
            .map_err(|e| failed(&e))?;
        Ok(match other {
            Some(r) => LeaseOutcome::Busy {
                lease: Lease {
                    holder: col(&r, 0)?,
                    expires_at: col(&r, 1)?,
                },
            },
            // Released or expired between the two statements: try again
            // next time.
            None => LeaseOutcome::Lost,
        })
    }

    async fn renew_lease(
        &self,
        connection: &str,
        token: LeaseToken,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<LeaseOutcome, AdapterError> {
        let until = now.checked_add_signed(ttl).unwrap_or(now);
        let client = self.client.lock().await;
        let row = client
            .query_opt(
                "UPDATE ledgerlink_leases SET expires_at = $3
                 WHERE connection = $1 AND token = $2 AND expires_at > $4
                 RETURNING expires_at",
                &[&connection, &token_sql(token), &until, &now],
            )
            .await
            .map_err(|e| failed(&e))?;
        Ok(match row {
            Some(r) => LeaseOutcome::Held {
                expires_at: col(&r, 0)?,
                token,
            },
            None => LeaseOutcome::Lost,
        })
    }

    async fn release_lease(
        &self,
        connection: &str,
        token: LeaseToken,
    ) -> Result<bool, AdapterError> {
        let client = self.client.lock().await;
        let n = client
            .execute(
                "UPDATE ledgerlink_leases SET expires_at = '-infinity'
                 WHERE connection = $1 AND token = $2 AND expires_at <> '-infinity'",
                &[&connection, &token_sql(token)],
            )
            .await
            .map_err(|e| failed(&e))?;
        Ok(n == 1)
    }

    async fn import_whole_json(
        &self,
        connection: &str,
        document: &str,
    ) -> Result<SaveOutcome, AdapterError> {
        rows::check_whole(document)?;
        let client = self.client.lock().await;
        let n = client
            .execute(
                "INSERT INTO ledgerlink_connections (connection, generation, format, head)
                 VALUES ($1, 1, $2, $3) ON CONFLICT (connection) DO NOTHING",
                &[&connection, &format_sql(STATE_FORMAT_WHOLE_JSON), &document],
            )
            .await
            .map_err(|e| failed(&e))?;
        if n == 1 {
            return Ok(SaveOutcome::Saved {
                generation: Generation(1),
            });
        }
        let row = client
            .query_one(
                "SELECT generation FROM ledgerlink_connections WHERE connection = $1",
                &[&connection],
            )
            .await
            .map_err(|e| failed(&e))?;
        Ok(SaveOutcome::Conflict {
            current: gen_of(col(&row, 0)?),
        })
    }
}
