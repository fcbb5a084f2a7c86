//! The crate's error type.
//!
//! Match issues, unmatchable records and possible duplicates are *outcomes*,
//! not errors: [`Error`] is reserved for input the engine cannot work with.

use std::fmt;

/// Which side of a connection an identifier or record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Side {
    /// The practice-management system (the firm's own contacts).
    Local,
    /// The ledger (Xero, XPM, QBO, QuickBooks Time).
    Remote,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Local => "local",
            Self::Remote => "remote",
        })
    }
}

/// What went wrong, without the customer's data beyond the record id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two records on the same side carry the same id.
    #[error("duplicate {side} id `{id}`: every record on one side needs its own id")]
    DuplicateId {
        /// The side the duplicate was found on.
        side: Side,
        /// The repeated id.
        id: String,
    },
    /// A record has an empty id.
    #[error("{side} record at position {position} has an empty id")]
    EmptyId {
        /// The side the record belongs to.
        side: Side,
        /// Its position in the input (0-based).
        position: usize,
    },
    /// More records than the index can address (over `u32::MAX - 1`).
    #[error("too many {side} records: {count} (the limit is {limit})")]
    TooManyRecords {
        /// The side.
        side: Side,
        /// How many were given.
        count: usize,
        /// The largest supported count.
        limit: usize,
    },
    /// The normalised names and emails of one block of 16,384 records
    /// exceed what the index addresses (4 GiB): absurdly long fields.
    #[error("the {side} records hold too much text to index ({bytes} bytes)")]
    TooMuchText {
        /// The side.
        side: Side,
        /// The bytes of normalised text.
        bytes: usize,
    },
    /// A configuration value is out of range.
    #[error("invalid configuration `{field}`: {reason}")]
    InvalidConfig {
        /// The setting.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// A person's decision cannot be carried out (unknown record, a pair
    /// that does not exist, a local contact linked elsewhere…).
    #[error("decision #{index} cannot be applied: {reason}")]
    InvalidDecision {
        /// The decision's position in the input (0-based).
        index: usize,
        /// Why.
        reason: String,
    },
    /// A stored state the planner cannot continue from (a corrupt or
    /// hand-edited state: a run counter at its largest value, say).
    /// Nothing was planned; restore the state from a backup or start the
    /// connection again.
    #[error("the stored state cannot be continued: {reason}")]
    InvalidState {
        /// What is wrong with it.
        reason: String,
    },
    /// A result fed back to [`apply_results`](crate::sync::apply_results)
    /// does not fit the plan (unknown operation, reported twice, a created
    /// record without an id).
    #[error("result for operation `{op_id}` cannot be applied: {reason}")]
    InvalidResult {
        /// The operation id given.
        op_id: String,
        /// Why.
        reason: String,
    },
}

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
