//! Reference [`StateStore`](crate::ports::StateStore) implementations:
//! each connection's state in a database, written incrementally with
//! compare-and-swap, and per-connection leases so that several workers can
//! share one database safely.
//!
//! - [`sqlite`] (feature `sqlite`): SQLite compiled in (rusqlite,
//!   `bundled`): the embedded default, nothing to install.
//! - [`postgres`] (feature `postgres`): PostgreSQL through tokio-postgres,
//!   for many workers on many machines against one database.
//!
//! Both create their tables with `migrate()` (idempotent):
//!
//! | table | holds |
//! |---|---|
//! | `ledgerlink_connections` | per connection: `generation`, `format` (see [`STATE_FORMAT_VERSION`](crate::sync::STATE_FORMAT_VERSION)) and `head`, the state's scalar parts as JSON ([`StateHead`](crate::sync::StateHead); in format 1 the whole state) |
//! | `ledgerlink_links` | one row per link, keyed by connection and ledger id, the [`Link`](crate::sync::Link) as JSON |
//! | `ledgerlink_link_log` | links written by incremental saves, keyed by connection, generation and ledger id (no value: removed); applied over `ledgerlink_links` on load, folded into it past [`DEFAULT_LOG_LIMIT`] rows |
//! | `ledgerlink_leases` | per connection: the holder and the expiry |
//!
//! A save takes one transaction: the generation is compared and advanced
//! (`UPDATE … WHERE generation = expected`), the head written when it
//! changed, and only the links in the [`StateDelta`](crate::sync::StateDelta)
//! appended to the log (rows of one save sit together: a few pages
//! written, where rows updated in place would cost a page each). A state stored in format 1 (or a first save) is
//! written whole once. Times of leases are the caller's (`now`), stored in
//! milliseconds (SQLite) or as `timestamptz` (PostgreSQL).

mod rows;

#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub mod postgres;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub mod sqlite;

pub use rows::SaveStats;

/// How many logged link rows a connection may gather before a save folds
/// them into `ledgerlink_links` (the default of both stores'
/// `with_log_limit`).
pub const DEFAULT_LOG_LIMIT: u64 = 50_000;
