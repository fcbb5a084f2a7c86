//! [`Link`]: a local contact and a ledger record kept in step, how the
//! pair came about and where it stands.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::{ContactId, VersionToken};

use super::fields::{FieldValue, SyncField};

/// How a linked pair came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum LinkOrigin {
    /// A full match (M1).
    Matched,
    /// A person confirmed a match issue (M2, L2).
    Confirmed,
    /// A person re-matched an unsynced record (L3).
    Rematched,
    /// The local contact was created from the ledger record (M3).
    CreatedLocally,
    /// The ledger record was created from the local contact (P1–P3).
    CreatedRemotely,
    /// The linked Xero contact was merged into this one (U3).
    Merged,
}

/// Why a ledger record no longer syncs (F6, U8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Removal {
    /// Archived in the ledger (Xero `ARCHIVED`, QBO `Active=false`).
    Archived,
    /// Missing from a full listing, or reported deleted by a change feed.
    Deleted,
    /// The local contact is gone.
    DeletedLocally,
}

/// Where a pair stands in its lifecycle (L1–L3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "state"))]
pub enum LinkStatus {
    /// Linked: changes flow both ways (F3).
    Linked,
    /// Unsynced by a person (L3): nothing flows; not re-matched (M10) until
    /// a person re-matches it.
    Unsynced {
        /// When.
        since: DateTime<Utc>,
    },
    /// One side's record went away (F6, U8). The local contact is never
    /// deleted; the pair is kept so that the history is clear and a
    /// restored record links again.
    Removed {
        /// What happened.
        removal: Removal,
        /// When the planner saw it.
        since: DateTime<Utc>,
    },
}

/// The last-synced values of a pair: the common base of the three-way merge
/// (F4). Shared (`Arc`) so that copying a state of many links is cheap.
pub type FieldBase = Arc<BTreeMap<SyncField, FieldValue>>;

/// A local contact and a ledger record kept in step.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Link {
    /// The local contact.
    pub local_id: ContactId,
    /// The ledger record.
    pub remote_id: ContactId,
    /// Lifecycle state.
    pub status: LinkStatus,
    /// How the pair was made.
    pub origin: LinkOrigin,
    /// When the pair was made.
    pub linked_at: DateTime<Utc>,
    /// The values both sides agreed on at the last sync. `None` until the
    /// first sync of the pair wrote the ledger's values locally (F2).
    pub base: Option<FieldBase>,
    /// The ledger record's version token as last seen (U5).
    pub remote_version: Option<VersionToken>,
}

impl Link {
    /// Whether changes flow.
    #[must_use]
    pub const fn is_linked(&self) -> bool {
        matches!(self.status, LinkStatus::Linked)
    }
}
