//! What a connection remembers between runs. The caller stores it
//! (serde), the planner reads it and hands back the next one.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::matching::{ExistingLinks, MatchOutcome};
use crate::model::ContactId;
use crate::ops::OpId;
use crate::rules::KindDecision;

pub use super::link::{FieldBase, FieldMap, Link, LinkOrigin, LinkStatus, Removal};
use super::links::Links;
use super::operation::Operation;
use super::shared_map::SharedMap;

/// Whether the connection may send anything (E3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "status"))]
pub enum ConnectionStatus {
    /// Working.
    #[default]
    Connected,
    /// The ledger refused the credentials: nothing is planned or sent until
    /// [`SyncState::reconnect`] (E3).
    Disconnected {
        /// When the failure was seen.
        since: DateTime<Utc>,
        /// The provider's message.
        message: String,
    },
}

/// An open match issue (M2, M8, M9, M5, M11): stays open until a person
/// resolves it (L2).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MatchIssue {
    /// The ledger record in question.
    pub remote_id: ContactId,
    /// When the issue was opened.
    pub opened_at: DateTime<Utc>,
    /// The latest classification (candidates, reason).
    pub outcome: MatchOutcome,
    /// Person or organisation, and why.
    pub kind: Option<KindDecision>,
}

/// Everything a connection remembers. Serialise it after every plan and
/// every [`apply_results`](super::apply_results); the planner never keeps
/// anything elsewhere.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SyncState {
    /// Connected or disconnected (E3).
    pub connection: ConnectionStatus,
    /// Number of the last planned run (0: never planned).
    pub run: u64,
    /// Whether the first connection's sync was planned (P3: it never
    /// creates ledger records).
    pub initial_sync_done: bool,
    /// When the last plan was made.
    pub last_run: Option<DateTime<Utc>>,
    /// Do not send before this time (U4).
    pub retry_at: Option<DateTime<Utc>>,
    /// The ledger's change cursor, for change listings.
    pub remote_cursor: Option<String>,
    /// The local store's change cursor, for change listings.
    #[cfg_attr(feature = "serde", serde(default))]
    pub local_cursor: Option<String>,
    pub(crate) links: Links,
    /// Local id → ledger id of its latest pair (kept in step with `links`,
    /// so that a change listing never needs a full scan).
    #[cfg_attr(feature = "serde", serde(default))]
    pub(crate) by_local: SharedMap<ContactId, ContactId>,
    pub(crate) issues: BTreeMap<ContactId, MatchIssue>,
    /// Creates sent (or about to be) whose result has not come back (U1).
    pub(crate) in_flight: BTreeMap<OpId, Operation>,
    /// How often each create in flight was sent again.
    #[cfg_attr(feature = "serde", serde(default))]
    pub(crate) in_flight_attempts: BTreeMap<OpId, u32>,
    /// Fingerprints of the unlinked local contacts at the last run: new
    /// and changed contacts are pushed (P2, P3).
    pub(crate) local_seen: BTreeMap<ContactId, u64>,
    /// Display names the ledger refused as duplicates (U2), normalised.
    pub(crate) taken_names: BTreeSet<String>,
    /// The scope of this state's idempotency keys (a connection identity
    /// and a nonce, see [`ops::key_scope`](crate::ops::key_scope)); set from
    /// the time of the first plan when the caller did not set one.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub(crate) key_scope: Option<String>,
}

/// Keeps `by_local` in step with one link: every pair occupies its local
/// contact (a removed pair too: its contact is not pushed again as new).
pub(crate) fn occupy(by_local: &mut SharedMap<ContactId, ContactId>, link: &Link, on: bool) {
    if on {
        by_local.insert(link.local_id.clone(), link.remote_id.clone());
    } else if by_local.get(&link.local_id) == Some(&link.remote_id) {
        by_local.remove(&link.local_id);
    }
}

impl SyncState {
    /// A new connection: nothing linked, nothing planned.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the scope of this state's idempotency keys: the connection's
    /// identity (a tenant or firm id) and a nonce drawn once per state
    /// (random, e.g. a UUID), so that no other connection into the same
    /// ledger and no state started afresh reuses its keys while the ledger
    /// still remembers them (U1). Without it, the first plan takes one from
    /// its `now`. Set it before the first plan; it never changes after.
    #[must_use]
    pub fn with_key_scope(mut self, connection: &str, nonce: &str) -> Self {
        self.key_scope = Some(crate::ops::key_scope(connection, nonce));
        self
    }

    /// The scope of this state's idempotency keys, once set.
    #[must_use]
    pub fn key_scope(&self) -> Option<&str> {
        self.key_scope.as_deref()
    }

    /// Every pair, by ledger id.
    pub fn links(&self) -> impl ExactSizeIterator<Item = &Link> + '_ {
        self.links.values()
    }

    /// The pair of a ledger record.
    #[must_use]
    pub fn link_of_remote(&self, remote_id: &str) -> Option<&Link> {
        self.links.get(remote_id)
    }

    /// The latest pair of a local contact (linked, unsynced or removed).
    #[must_use]
    pub fn link_of_local(&self, local_id: &str) -> Option<&Link> {
        self.by_local.get(local_id).and_then(|r| self.links.get(r))
    }

    /// Adds or replaces the pair of `link.remote_id`, for callers moving
    /// existing links into ledgerlink (a link without a base gets the
    /// ledger's values on its first sync, F2).
    pub fn insert_link(&mut self, link: Link) {
        occupy(&mut self.by_local, &link, true);
        let (local, remote) = (link.local_id.clone(), link.remote_id.clone());
        if let Some(old) = self.links.insert(remote.clone(), link) {
            occupy(&mut self.by_local, &old, false);
            // `old` may have held the same local contact.
            self.by_local.insert(local, remote);
        }
    }

    /// Rebuilds the local index from the links (a state saved before the
    /// index existed, or edited by hand).
    pub(crate) fn repair_index(&mut self) {
        if self.by_local.is_empty() && !self.links.is_empty() {
            let mut by_local = SharedMap::default();
            for l in self.links.values() {
                occupy(&mut by_local, l, true);
            }
            // A linked or unsynced pair wins over a removed one.
            for l in self
                .links
                .values()
                .filter(|l| !matches!(l.status, LinkStatus::Removed { .. }))
            {
                occupy(&mut by_local, l, true);
            }
            self.by_local = by_local;
        }
    }

    /// Removes the pair of a ledger record.
    pub(crate) fn take_link(&mut self, remote_id: &ContactId) -> Option<Link> {
        let old = self.links.remove(remote_id)?;
        occupy(&mut self.by_local, &old, false);
        Some(old)
    }

    /// The linked pairs (changes flow).
    pub fn linked(&self) -> impl Iterator<Item = &Link> + '_ {
        self.links.values().filter(|l| l.is_linked())
    }

    /// The unsynced pairs (L3): listed so a person can re-match them.
    pub fn unsynced(&self) -> impl Iterator<Item = &Link> + '_ {
        self.links
            .values()
            .filter(|l| matches!(l.status, LinkStatus::Unsynced { .. }))
    }

    /// The open match issues, by ledger id (L2).
    pub fn issues(&self) -> impl ExactSizeIterator<Item = &MatchIssue> + '_ {
        self.issues.values()
    }

    /// The creates whose result has not come back (U1).
    pub fn in_flight(&self) -> impl ExactSizeIterator<Item = &Operation> + '_ {
        self.in_flight.values()
    }

    /// Whether the connection is disconnected (E3).
    #[must_use]
    pub const fn is_disconnected(&self) -> bool {
        matches!(self.connection, ConnectionStatus::Disconnected { .. })
    }

    /// Marks the connection connected again after the caller renewed its
    /// credentials (E3).
    pub fn reconnect(&mut self) {
        self.connection = ConnectionStatus::Connected;
    }

    /// The links in the shape the matcher takes (M9, M10): linked and
    /// unsynced pairs.
    #[must_use]
    pub fn existing_links(&self) -> ExistingLinks {
        let mut e = ExistingLinks::new();
        for l in self.links.values() {
            match l.status {
                LinkStatus::Linked => e.link(l.local_id.clone(), l.remote_id.clone()),
                LinkStatus::Unsynced { .. } => e.unsync(l.local_id.clone(), l.remote_id.clone()),
                LinkStatus::Removed { .. } => {}
            }
        }
        e
    }
}
