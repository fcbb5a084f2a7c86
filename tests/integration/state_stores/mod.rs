//! State stores: the driver with leases and compare-and-swap saves over
//! the in-memory store, and the conformance kit against every store
//! (SQLite with feature `sqlite`; PostgreSQL with feature `postgres` when
//! `LEDGERLINK_PG_URL` reaches a server, skipped with a printed reason
//! otherwise).

mod driver;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

/// A connection-id prefix no earlier run used (databases outlive tests).
/// The clock read here only makes names unique, never a time under test.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[allow(clippy::disallowed_methods)]
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{prefix}-{}-{nanos}", std::process::id())
}
