//! [`StateStore`]: where each connection's [`SyncState`] lives between
//! runs, safe for crashes and for several workers.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::ops::AdapterError;
use crate::sync::{StateDelta, SyncState};

/// The number of a connection's saved state: 0 before the first save, one
/// more with every save. A save names the generation it was built on
/// (compare-and-swap): when another worker saved in between, the save is
/// refused as [`SaveOutcome::Conflict`] rather than overwriting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Generation(pub u64);

impl Generation {
    /// No state saved yet: a save expecting it creates the connection's
    /// state, and conflicts when one exists.
    pub const NONE: Self = Self(0);

    /// The generation after this one.
    #[must_use]
    pub const fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }
}

impl std::fmt::Display for Generation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A connection's state as loaded, with the generation to save against.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The state.
    pub state: SyncState,
    /// Its generation: pass it to the next [`StateStore::save`].
    pub generation: Generation,
    /// The format the state was stored in (see
    /// [`STATE_FORMAT_VERSION`](crate::sync::STATE_FORMAT_VERSION)); an
    /// older one is rewritten in today's format by the next save.
    pub format: u32,
}

/// How a save ended. A lost race is an answer, not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[must_use]
pub enum SaveOutcome {
    /// Written: the state is now at `generation`.
    Saved {
        /// The new generation, to pass to the next save.
        generation: Generation,
    },
    /// Nothing written: the stored state is at `current`, not at the
    /// generation the save expected (another worker saved since; load
    /// again before planning).
    Conflict {
        /// The generation stored.
        current: Generation,
    },
}

/// A lease on a connection: the one worker allowed to send for it until
/// `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Lease {
    /// The worker holding it.
    pub holder: String,
    /// When it lapses unless renewed.
    pub expires_at: DateTime<Utc>,
}

/// One acquisition of a connection's lease (a fencing token): the store
/// gives each acquisition of a connection a number greater than any
/// before it, and renewals and releases name it. Two processes that run
/// under the same worker name (a restarted process, a copied
/// configuration) therefore never both hold the lease: the second
/// acquisition is [`LeaseOutcome::Busy`], and a holder whose lease lapsed
/// and was taken over cannot renew it with its old token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct LeaseToken(pub u64);

impl std::fmt::Display for LeaseToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How asking for (or renewing) a lease ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "outcome"))]
#[must_use]
pub enum LeaseOutcome {
    /// The caller holds the lease until `expires_at`.
    Held {
        /// When it lapses unless renewed.
        expires_at: DateTime<Utc>,
        /// This acquisition's token: renew and release with it.
        token: LeaseToken,
    },
    /// Another worker holds an unexpired lease: do not send.
    Busy {
        /// The other worker and its expiry.
        lease: Lease,
    },
    /// A renewal failed: the caller's lease expired or another worker
    /// took the connection over. Stop sending.
    Lost,
}

impl LeaseOutcome {
    /// The expiry when the caller holds the lease.
    #[must_use]
    pub const fn held_until(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Held { expires_at, .. } => Some(*expires_at),
            Self::Busy { .. } | Self::Lost => None,
        }
    }
}

/// Where the driver keeps each connection's [`SyncState`], shared by every
/// worker of a service.
///
/// - **Load and save with compare-and-swap**: [`load`](Self::load) gives the
///   state and its [`Generation`]; [`save`](Self::save) writes only when the
///   stored generation is still the one expected, in one atomic step, and
///   answers [`SaveOutcome::Conflict`] otherwise. Never an overwrite.
/// - **Incremental saves**: a save gets the whole state and the
///   [`StateDelta`] from the state at the expected generation
///   ([`sync::diff`](crate::sync::diff)); a store keeping rows per link
///   writes only the delta (the compare-and-swap guarantees the delta
///   applies to what is stored). A store may also write the whole state.
/// - **Leases**: at most one worker holds a connection's lease at a time;
///   the driver sends only while it holds one. Time is an argument: the
///   caller's clock, never the store's (compare with the database's own
///   clock in one statement when workers' clocks may drift).
/// - **Formats**: a state stored in an older format loads (format 1: a
///   whole [`SyncState`] as serde JSON, see
///   [`import_whole_json`](Self::import_whole_json)); the next save writes
///   today's format.
///
/// The driver saves before it sends anything (the plan's `next_state`,
/// with the creates in flight) and after it fed the results back, so a
/// crash at any point resumes without duplicates (U1).
/// `testing::conformance::state` checks all of this for any implementation.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// The state of `connection` and its generation, or `None` before its
    /// first save.
    ///
    /// # Errors
    /// Any [`AdapterError`] (a stored state that cannot be read is
    /// [`AdapterError::Validation`]).
    async fn load(&self, connection: &str) -> Result<Option<Loaded>, AdapterError>;

    /// Saves `state` when the stored generation is `expected`
    /// ([`Generation::NONE`]: nothing stored yet). `delta` is what changed
    /// from the state at `expected` (from an empty state for `NONE`).
    ///
    /// # Errors
    /// Any [`AdapterError`] when the store fails; a lost race is
    /// `Ok(SaveOutcome::Conflict)`.
    async fn save(
        &self,
        connection: &str,
        expected: Generation,
        state: &SyncState,
        delta: &StateDelta,
    ) -> Result<SaveOutcome, AdapterError>;

    /// Takes the lease of `connection` for `worker` until `now + ttl` when
    /// nobody holds it or its holder's lease expired (`expires_at <= now`),
    /// with a new [`LeaseToken`] greater than every earlier one of the
    /// connection. Otherwise [`LeaseOutcome::Busy`] — also when the holder
    /// has the same worker name: a lease is extended only by
    /// [`renew_lease`](Self::renew_lease) with its token.
    ///
    /// # Errors
    /// Any [`AdapterError`] when the store fails.
    async fn acquire_lease(
        &self,
        connection: &str,
        worker: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<LeaseOutcome, AdapterError>;

    /// Extends the lease acquired as `token` to `now + ttl` when it is still
    /// held and unexpired; [`LeaseOutcome::Lost`] otherwise (expired,
    /// released, or taken over — even when the new holder has the same
    /// worker name).
    ///
    /// # Errors
    /// Any [`AdapterError`] when the store fails.
    async fn renew_lease(
        &self,
        connection: &str,
        token: LeaseToken,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<LeaseOutcome, AdapterError>;

    /// Gives up the lease acquired as `token`; `false` when that
    /// acquisition no longer holds it (a later acquisition's lease is never
    /// released). A store keeps the connection's last token after a
    /// release, so that tokens keep growing.
    ///
    /// # Errors
    /// Any [`AdapterError`] when the store fails.
    async fn release_lease(
        &self,
        connection: &str,
        token: LeaseToken,
    ) -> Result<bool, AdapterError>;

    /// Stores `document` — a [`SyncState`] serialised whole as serde JSON,
    /// the way services saved it before format 2 — as `connection`'s state
    /// in format 1 (nothing converted yet: it loads as it is, and the next
    /// save rewrites it in today's format). Fails with a conflict when the
    /// connection has a state already. The default answers
    /// [`AdapterError::Unsupported`].
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when `document` is not a state;
    /// [`AdapterError::Unsupported`] when the store cannot import.
    async fn import_whole_json(
        &self,
        connection: &str,
        document: &str,
    ) -> Result<SaveOutcome, AdapterError> {
        let _ = (connection, document);
        Err(AdapterError::Unsupported {
            what: "importing a state saved whole (format 1)".into(),
        })
    }
}

/// The time, for I/O layers that need it during a run (the driver renews
/// its lease between operations when it is close to expiry). Tests pass a
/// clock they move by hand; services pass one reading the system clock.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}
