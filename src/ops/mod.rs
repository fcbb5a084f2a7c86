//! One vocabulary for every plan: operations, references to records that
//! earlier operations create, results fed back, and the executor that sends
//! a plan in dependency order.
//!
//! Contacts ([`sync`](crate::sync)), billing ([`billing`](crate::billing))
//! and QuickBooks Time ([`qbtime`](crate::qbtime)) each plan with the same
//! types, instantiated with their own action and record:
//!
//! | concept | type | contacts | billing | QuickBooks Time |
//! |---|---|---|---|---|
//! | operation id | [`OpId`] | same | same | same |
//! | a record, existing or to be created | [`Ref<I>`] | `ContactRef` | `InvoiceRef` | `JobcodeRef` |
//! | one planned write | [`Operation<A>`] | `sync::Operation` | `billing::Operation` | `qbtime::Operation` |
//! | what the adapter answered | [`OpResult<R>`] / [`Outcome<R>`] | record: the contact | record: the ledger id | record: the jobcode |
//! | "wait until T" | `Plan::not_before` | yes | yes | — (never waits) |
//!
//! Every domain has the same entry points: `plan(..) -> Plan`, then
//! `apply_results(state, &plan, &results, ..)` updating the domain's state
//! in place (contacts and billing take `now` too, to turn a rate limit into
//! "retry at T"; QuickBooks Time's state is its `JobcodeLinks`, and its
//! planner never waits, so its `Plan` has no `not_before`). Nothing that
//! means "wait" or "list more" is an error: it is plan data the caller
//! reads.
//!
//! [`Execution`] is the sans-IO send loop every domain shares (the driver
//! runs it): it hands out operations in plan order, skips an operation whose
//! dependency failed or was skipped, stops sending after a rate limit or a
//! refused credential, and remembers the ids of the records created so that
//! later operations can resolve their [`Ref::CreatedBy`] references.

mod error;
mod execute;
mod keys;
mod pacer;
mod paging;

pub use error::AdapterError;
pub use execute::{Execution, RecordId};
pub(crate) use keys::scope_from_time;
pub use keys::{MAX_KEY_SCOPE_CHARS, key_scope};
pub use pacer::{Backoff, Pacer};
pub use paging::{DEFAULT_PAGE_LIMIT, Pages, PagingError};

pub use crate::error::Side;

use std::fmt;

/// `now` plus a rate limit's wait (U4), saturating far in the future: the
/// "retry at T" every domain's `apply_results` and the driver record.
#[must_use]
pub fn retry_time(
    now: chrono::DateTime<chrono::Utc>,
    retry_after_secs: u64,
) -> chrono::DateTime<chrono::Utc> {
    let secs = i64::try_from(retry_after_secs).unwrap_or(i64::MAX);
    chrono::TimeDelta::try_seconds(secs)
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
}

/// A stable operation id: the same input gives the same id, so a plan can
/// be compared, stored and replayed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct OpId(pub String);

impl OpId {
    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for OpId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for OpId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// A record an operation refers to: one that exists already, or the one an
/// earlier operation of the same plan creates (resolved when it is sent).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Ref<I> {
    /// An existing record.
    Id(I),
    /// The record created by this operation (listed in `depends_on`).
    CreatedBy(OpId),
}

impl<I> Ref<I> {
    /// The existing record's id, if this refers to one.
    #[must_use]
    pub const fn existing(&self) -> Option<&I> {
        match self {
            Self::Id(id) => Some(id),
            Self::CreatedBy(_) => None,
        }
    }

    /// The operation that creates the record, if this waits for one.
    #[must_use]
    pub const fn created_by(&self) -> Option<&OpId> {
        match self {
            Self::Id(_) => None,
            Self::CreatedBy(op) => Some(op),
        }
    }
}

/// One planned write, as plain data: what to do (`action`), on which side,
/// after which other operations, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Operation<A> {
    /// Stable id.
    pub id: OpId,
    /// The side written to: the practice system (`Local`) or the ledger
    /// (`Remote`).
    pub side: Side,
    /// What to do.
    pub action: A,
    /// Operations that must complete first (creates of the records this one
    /// refers to). Those of the same plan come before this one; a billing
    /// operation may also name an operation of the contact plan run before
    /// it (its customer's create), which [`Execution`] then counts as done
    /// unless it failed or was skipped in this run.
    pub depends_on: Vec<OpId>,
    /// The spec rule that decided it.
    pub rule: String,
    /// Why, in words a person can read.
    pub reason: String,
}

/// What became of one operation, as the caller's adapter reported it.
///
/// `R` is what a successful write gives back: the contact as stored, the
/// ledger's id of a new invoice or payment, the new jobcode.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "outcome"))]
pub enum Outcome<R> {
    /// Done.
    Applied {
        /// The record as the store keeps it now (or its id).
        record: R,
    },
    /// The store refused it.
    Failed {
        /// Why.
        error: AdapterError,
    },
    /// Not sent (a dependency failed, the ledger asked to wait…).
    Skipped {
        /// Why.
        reason: String,
    },
}

impl<R> Outcome<R> {
    /// Whether the operation was carried out.
    #[must_use]
    pub const fn is_applied(&self) -> bool {
        matches!(self, Self::Applied { .. })
    }
}

/// One operation's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OpResult<R> {
    /// The operation.
    pub op_id: OpId,
    /// What happened.
    pub outcome: Outcome<R>,
}

impl<R> OpResult<R> {
    /// An applied operation.
    #[must_use]
    pub fn applied(op_id: OpId, record: impl Into<R>) -> Self {
        Self {
            op_id,
            outcome: Outcome::Applied {
                record: record.into(),
            },
        }
    }

    /// A failed operation.
    #[must_use]
    pub const fn failed(op_id: OpId, error: AdapterError) -> Self {
        Self {
            op_id,
            outcome: Outcome::Failed { error },
        }
    }

    /// An operation that was not sent.
    #[must_use]
    pub fn skipped(op_id: OpId, reason: impl Into<String>) -> Self {
        Self {
            op_id,
            outcome: Outcome::Skipped {
                reason: reason.into(),
            },
        }
    }
}
