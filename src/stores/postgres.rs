//! [`PostgresStateStore`]: connection states in PostgreSQL (feature
//! `postgres`), for many workers on many machines against one database.
//!
//! Each store holds one database connection (tokio-postgres; its
//! connection task is spawned on the current tokio runtime by
//! [`connect`](PostgresStateStore::connect), or driven by the caller with
//! [`from_client`](PostgresStateStore::from_client)). Give each worker its
//! own store. Every operation is one statement or one transaction:
//!
//! - save: `SELECT … FOR UPDATE` of the connection's row, then
//!   `UPDATE … WHERE generation = $expected`, the delta's links upserted
//!   and deleted in two statements (arrays), commit;
//! - lease: one `INSERT … ON CONFLICT DO UPDATE … WHERE holder = $me OR
//!   expires_at <= $now`; renewal one `UPDATE … WHERE holder = $me AND
//!   expires_at > $now`.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls};

use super::rows::{self, SaveStats};
use crate::ports::{
    AdapterError, Generation, Lease, LeaseOutcome, Loaded, SaveOutcome, StateStore,
};
use crate::sync::{STATE_FORMAT_VERSION, STATE_FORMAT_WHOLE_JSON, StateDelta, SyncState};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ledgerlink_connections (
    connection text PRIMARY KEY,
    generation bigint NOT NULL,
    format     integer NOT NULL,
    head       text NOT NULL
);
CREATE TABLE IF NOT EXISTS ledgerlink_links (
    connection text NOT NULL,
    remote_id  text NOT NULL,
    link       text NOT NULL,
    PRIMARY KEY (connection, remote_id)
);
CREATE TABLE IF NOT EXISTS ledgerlink_leases (
    connection text PRIMARY KEY,
    holder     text NOT NULL,
    expires_at timestamptz NOT NULL
);
";

/// A [`StateStore`] in PostgreSQL. Call [`migrate`](Self::migrate) once
/// (it creates the tables when missing; safe to run from every worker).
///
/// Its `Debug` shows nothing of the connection (the connection string,
/// with its password, is never kept).
pub struct PostgresStateStore {
    client: Mutex<Client>,
    last: std::sync::Mutex<SaveStats>,
}

impl std::fmt::Debug for PostgresStateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStateStore").finish_non_exhaustive()
    }
}

fn failed(e: &tokio_postgres::Error) -> AdapterError {
    // tokio-postgres's messages name the server's error, never the
    // connection string.
    AdapterError::Transient {
        message: format!("PostgreSQL: {e}"),
    }
}

fn gen_of(v: i64) -> Generation {
    Generation(u64::try_from(v).unwrap_or_default())
}

fn gen_sql(g: Generation) -> i64 {
    i64::try_from(g.0).unwrap_or(i64::MAX)
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
        let config: tokio_postgres::Config =
            url.parse().map_err(|_| AdapterError::Validation {
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
        }
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
        let generation: i64 = row.get(0);
        let format = u32::try_from(row.get::<_, i32>(1)).unwrap_or(u32::MAX);
        let head: String = row.get(2);
        let mut links = Vec::new();
        if format == STATE_FORMAT_VERSION {
            for r in tx
                .query(
                    "SELECT link FROM ledgerlink_links WHERE connection = $1",
                    &[&connection],
                )
                .await
                .map_err(|e| failed(&e))?
            {
                links.push(r.get::<_, String>(0));
            }
        }
        tx.commit().await.map_err(|e| failed(&e))?;
        let state = rows::decode(format, &head, links)?;
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
        let tx = client.transaction().await.map_err(|e| failed(&e))?;
        let stored = tx
            .query_opt(
                "SELECT generation, format FROM ledgerlink_connections
                 WHERE connection = $1 FOR UPDATE",
                &[&connection],
            )
            .await
            .map_err(|e| failed(&e))?
            .map(|r| (gen_of(r.get::<_, i64>(0)), r.get::<_, i32>(1)));
        let current = stored.map_or(Generation::NONE, |(g, _)| g);
        if current != expected {
            return Ok(SaveOutcome::Conflict { current });
        }
        let next = current.next();
        let whole = stored.is_none_or(|(_, f)| f != format_sql(STATE_FORMAT_VERSION));
        let mut stats = SaveStats::default();
        let written = if stored.is_none() {
            let head = rows::encode_head(&state.head())?;
            stats.head = true;
            stats.bytes += head.len() + connection.len();
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
        } else if whole || delta.head.is_some() {
            let head = match (&delta.head, whole) {
                (Some(h), false) => rows::encode_head(h)?,
                _ => rows::encode_head(&state.head())?,
            };
            stats.head = true;
            stats.bytes += head.len() + connection.len();
            tx.execute(
                "UPDATE ledgerlink_connections SET generation = $2, format = $3, head = $4
                 WHERE connection = $1 AND generation = $5",
                &[
                    &connection,
                    &gen_sql(next),
                    &format_sql(STATE_FORMAT_VERSION),
                    &head,
                    &gen_sql(expected),
                ],
            )
            .await
            .map_err(|e| failed(&e))?
        } else {
            tx.execute(
                "UPDATE ledgerlink_connections SET generation = $2
                 WHERE connection = $1 AND generation = $3",
                &[&connection, &gen_sql(next), &gen_sql(expected)],
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
        let (ids, values): (Vec<&str>, Vec<String>) = if whole {
            tx.execute(
                "DELETE FROM ledgerlink_links WHERE connection = $1",
                &[&connection],
            )
            .await
            .map_err(|e| failed(&e))?;
            let mut ids = Vec::with_capacity(state.links().len());
            let mut values = Vec::with_capacity(state.links().len());
            for l in state.links() {
                ids.push(l.remote_id.as_str());
                values.push(rows::encode_link(l)?);
            }
            (ids, values)
        } else {
            let removed: Vec<&str> = delta.removed.iter().map(|id| id.as_str()).collect();
            if !removed.is_empty() {
                stats.link_rows += removed.len();
                stats.bytes += removed.iter().map(|r| r.len()).sum::<usize>() + connection.len();
                tx.execute(
                    "DELETE FROM ledgerlink_links WHERE connection = $1 AND remote_id = ANY($2)",
                    &[&connection, &removed],
                )
                .await
                .map_err(|e| failed(&e))?;
            }
            let mut ids = Vec::with_capacity(delta.upserted.len());
            let mut values = Vec::with_capacity(delta.upserted.len());
            for l in &delta.upserted {
                ids.push(l.remote_id.as_str());
                values.push(rows::encode_link(l)?);
            }
            (ids, values)
        };
        if !ids.is_empty() {
            stats.link_rows += ids.len();
            stats.bytes += ids.iter().map(|r| r.len()).sum::<usize>()
                + values.iter().map(String::len).sum::<usize>()
                + connection.len();
            tx.execute(
                "INSERT INTO ledgerlink_links (connection, remote_id, link)
                 SELECT $1, r, l FROM UNNEST($2::text[], $3::text[]) AS u(r, l)
                 ON CONFLICT (connection, remote_id) DO UPDATE SET link = EXCLUDED.link",
                &[&connection, &ids, &values],
            )
            .await
            .map_err(|e| failed(&e))?;
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
                "INSERT INTO ledgerlink_leases (connection, holder, expires_at) VALUES ($1, $2, $3)
                 ON CONFLICT (connection) DO UPDATE
                 SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
                 WHERE ledgerlink_leases.holder = EXCLUDED.holder
                    OR ledgerlink_leases.expires_at <= $4
                 RETURNING expires_at",
                &[&connection, &worker, &until, &now],
            )
            .await
            .map_err(|e| failed(&e))?;
        if let Some(row) = held {
            return Ok(LeaseOutcome::Held {
                expires_at: row.get(0),
            });
        }
        let other = client
            .query_opt(
                "SELECT holder, expires_at FROM ledgerlink_leases WHERE connection = $1",
                &[&connection],
            )
            .await
            .map_err(|e| failed(&e))?;
        Ok(match other {
            Some(r) => LeaseOutcome::Busy {
                lease: Lease {
                    holder: r.get(0),
                    expires_at: r.get(1),
                },
            },
            // Released between the two statements: try again next time.
            None => LeaseOutcome::Lost,
        })
    }

    async fn renew_lease(
        &self,
        connection: &str,
        worker: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<LeaseOutcome, AdapterError> {
        let until = now.checked_add_signed(ttl).unwrap_or(now);
        let client = self.client.lock().await;
        let row = client
            .query_opt(
                "UPDATE ledgerlink_leases SET expires_at = $3
                 WHERE connection = $1 AND holder = $2 AND expires_at > $4
                 RETURNING expires_at",
                &[&connection, &worker, &until, &now],
            )
            .await
            .map_err(|e| failed(&e))?;
        Ok(row.map_or(LeaseOutcome::Lost, |r| LeaseOutcome::Held {
            expires_at: r.get(0),
        }))
    }

    async fn release_lease(&self, connection: &str, worker: &str) -> Result<bool, AdapterError> {
        let client = self.client.lock().await;
        let n = client
            .execute(
                "DELETE FROM ledgerlink_leases WHERE connection = $1 AND holder = $2",
                &[&connection, &worker],
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
            current: gen_of(row.get(0)),
        })
    }
}
