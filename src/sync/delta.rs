//! A [`SyncState`] as a store keeps it: the links one row each, the rest
//! (the *head*) as one small record, and [`diff`], what changed between
//! the state loaded and the state to save, so that a save writes only that.
//!
//! Pure: no I/O, no clock. The state stores
//! ([`ports::StateStore`](crate::ports::StateStore) implementations) use
//! these to write a run's changes — about 1% of the links in a typical run
//! — instead of the whole state.
//! The formats are listed at [`STATE_FORMAT_VERSION`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::model::ContactId;
use crate::ops::OpId;

use super::links::Written;
use super::operation::Operation;
use super::state::{ConnectionStatus, Link, MatchIssue, SyncState};

/// The format a state store writes today.
///
/// | version | how a state is stored |
/// |---|---|
/// | 1 ([`STATE_FORMAT_WHOLE_JSON`]) | the whole [`SyncState`] as one serde JSON document, as services saved it before; it loads as it is |
/// | 2 | a [`StateHead`] plus one [`Link`] per row, keyed by the ledger id |
pub const STATE_FORMAT_VERSION: u32 = 2;

/// The format of a state saved whole as serde JSON (before incremental
/// saves): still read by every store.
pub const STATE_FORMAT_WHOLE_JSON: u32 = 1;

/// Everything a [`SyncState`] holds except its links: cursors, the run
/// counter, the connection status, open match issues, creates in flight,
/// the fingerprints of unlinked local contacts and refused names. Stored as
/// one record per connection.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct StateHead {
    /// Connected or disconnected (E3).
    pub connection: ConnectionStatus,
    /// Number of the last planned run.
    pub run: u64,
    /// Whether the first sync was planned.
    pub initial_sync_done: bool,
    /// When the last plan was made.
    pub last_run: Option<DateTime<Utc>>,
    /// Do not send before this time (U4).
    pub retry_at: Option<DateTime<Utc>>,
    /// The ledger's change cursor.
    pub remote_cursor: Option<String>,
    /// The local store's change cursor.
    pub local_cursor: Option<String>,
    /// Open match issues, by ledger id.
    pub issues: BTreeMap<ContactId, MatchIssue>,
    /// Creates whose result has not come back (U1).
    pub in_flight: BTreeMap<OpId, Operation>,
    /// How often each create in flight was sent again.
    pub in_flight_attempts: BTreeMap<OpId, u32>,
    /// Fingerprints of the unlinked local contacts.
    pub local_seen: BTreeMap<ContactId, u64>,
    /// Names the ledger refused as duplicates, normalised.
    pub taken_names: BTreeSet<String>,
    /// The scope of the state's idempotency keys.
    pub key_scope: Option<String>,
}

/// What changed between two states: the head when it differs, the links
/// added or changed (whole rows), and the ledger ids of links removed.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct StateDelta {
    /// The new head, when anything in it changed.
    pub head: Option<StateHead>,
    /// Links added or changed, by ledger id (ascending).
    pub upserted: Vec<Link>,
    /// Ledger ids whose link is gone (ascending).
    pub removed: Vec<ContactId>,
}

impl StateDelta {
    /// Whether nothing changed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.head.is_none() && self.upserted.is_empty() && self.removed.is_empty()
    }

    /// How many link rows the delta writes or deletes.
    #[must_use]
    pub fn link_rows(&self) -> usize {
        self.upserted.len() + self.removed.len()
    }

    /// Applies the delta to `state` (the state it was taken from): the
    /// result equals the state it was taken to.
    pub fn apply_to(&self, state: &mut SyncState) {
        for id in &self.removed {
            state.take_link(id);
        }
        for link in &self.upserted {
            state.insert_link(link.clone());
        }
        if let Some(head) = &self.head {
            state.set_head(head.clone());
        }
    }
}

/// What changed from `before` (the state loaded, or the last one saved) to
/// `after` (the state to save). When `after` is a copy of `before` (as the
/// planner and the driver make it: `before` unchanged since), only the
/// links written in the copy since are compared; otherwise one ordered
/// walk goes over both link maps. Either way the delta is the same, and
/// links are compared cheaply first (their shared bases by pointer).
///
/// # Example
///
/// ```
/// use ledgerlink::sync::{SyncState, diff};
///
/// let before = SyncState::new();
/// let mut after = before.clone();
/// after.remote_cursor = Some("c2".into());
/// let delta = diff(&before, &after);
/// assert!(delta.head.is_some());
/// assert!(delta.upserted.is_empty() && delta.removed.is_empty());
/// assert!(diff(&after, &after).is_empty());
/// ```
#[must_use]
pub fn diff(before: &SyncState, after: &SyncState) -> StateDelta {
    let (upserted, removed) = match after.links.written_since(&before.links) {
        // `after` is a copy of `before` as it is now: only the links written
        // since can differ, and the journal holds them as they were and are.
        Some(written) => diff_written(written),
        None => diff_walk(before, after),
    };
    let head = (!same_head(before, after)).then(|| after.head());
    StateDelta {
        head,
        upserted,
        removed,
    }
}

/// The links written in a copy (by ledger id, ascending), as they were
/// and as they are.
fn diff_written(written: &BTreeMap<ContactId, Written>) -> (Vec<Link>, Vec<ContactId>) {
    let mut upserted = Vec::new();
    let mut removed = Vec::new();
    for (id, w) in written {
        match (&w.before, &w.after) {
            (Some(old), Some(new)) if same_link(old, new) => {}
            (_, Some(new)) => upserted.push(new.clone()),
            (Some(_), None) => removed.push(id.clone()),
            (None, None) => {}
        }
    }
    (upserted, removed)
}

/// One ordered walk over both link maps.
fn diff_walk(before: &SyncState, after: &SyncState) -> (Vec<Link>, Vec<ContactId>) {
    let mut upserted = Vec::new();
    let mut removed = Vec::new();
    let mut old = before.links.iter().peekable();
    let mut new = after.links.iter().peekable();
    loop {
        match (old.peek(), new.peek()) {
            (None, None) => break,
            (Some((id, _)), None) => {
                removed.push((*id).clone());
                old.next();
            }
            (None, Some((_, link))) => {
                upserted.push((*link).clone());
                new.next();
            }
            (Some((oid, olink)), Some((nid, nlink))) => match cmp_ids(oid, nid) {
                std::cmp::Ordering::Less => {
                    removed.push((*oid).clone());
                    old.next();
                }
                std::cmp::Ordering::Greater => {
                    upserted.push((*nlink).clone());
                    new.next();
                }
                std::cmp::Ordering::Equal => {
                    if !same_link(olink, nlink) {
                        upserted.push((*nlink).clone());
                    }
                    old.next();
                    new.next();
                }
            },
        }
    }
    (upserted, removed)
}

/// Two ids that share their text (a state and its clone) compare without
/// reading it.
fn same_id(a: &ContactId, b: &ContactId) -> bool {
    let (a, b) = (a.as_str(), b.as_str());
    std::ptr::eq(a, b) || a == b
}

fn cmp_ids(a: &ContactId, b: &ContactId) -> std::cmp::Ordering {
    if std::ptr::eq(a.as_str(), b.as_str()) {
        std::cmp::Ordering::Equal
    } else {
        a.cmp(b)
    }
}

fn same_link(a: &Link, b: &Link) -> bool {
    if std::ptr::eq(a, b) {
        return true;
    }
    let bases = match (&a.base, &b.base) {
        (Some(x), Some(y)) => std::sync::Arc::ptr_eq(x, y) || x == y,
        (None, None) => true,
        _ => false,
    };
    bases
        && same_id(&a.local_id, &b.local_id)
        && a.status == b.status
        && a.origin == b.origin
        && a.linked_at == b.linked_at
        && a.remote_version == b.remote_version
}

fn same_head(a: &SyncState, b: &SyncState) -> bool {
    a.connection == b.connection
        && a.run == b.run
        && a.initial_sync_done == b.initial_sync_done
        && a.last_run == b.last_run
        && a.retry_at == b.retry_at
        && a.remote_cursor == b.remote_cursor
        && a.local_cursor == b.local_cursor
        && a.key_scope == b.key_scope
        && a.taken_names == b.taken_names
        && a.in_flight_attempts == b.in_flight_attempts
        && a.local_seen == b.local_seen
        && a.in_flight == b.in_flight
        && a.issues == b.issues
}

impl SyncState {
    /// Everything but the links, as a store keeps it in one record.
    #[must_use]
    pub fn head(&self) -> StateHead {
        StateHead {
            connection: self.connection.clone(),
            run: self.run,
            initial_sync_done: self.initial_sync_done,
            last_run: self.last_run,
            retry_at: self.retry_at,
            remote_cursor: self.remote_cursor.clone(),
            local_cursor: self.local_cursor.clone(),
            issues: self.issues.clone(),
            in_flight: self.in_flight.clone(),
            in_flight_attempts: self.in_flight_attempts.clone(),
            local_seen: self.local_seen.clone(),
            taken_names: self.taken_names.clone(),
            key_scope: self.key_scope.clone(),
        }
    }

    fn set_head(&mut self, head: StateHead) {
        let StateHead {
            connection,
            run,
            initial_sync_done,
            last_run,
            retry_at,
            remote_cursor,
            local_cursor,
            issues,
            in_flight,
            in_flight_attempts,
            local_seen,
            taken_names,
            key_scope,
        } = head;
        self.connection = connection;
        self.run = run;
        self.initial_sync_done = initial_sync_done;
        self.last_run = last_run;
        self.retry_at = retry_at;
        self.remote_cursor = remote_cursor;
        self.local_cursor = local_cursor;
        self.issues = issues;
        self.in_flight = in_flight;
        self.in_flight_attempts = in_flight_attempts;
        self.local_seen = local_seen;
        self.taken_names = taken_names;
        self.key_scope = key_scope;
    }

    /// A state put back together from its head and its link rows (in any
    /// order; a ledger id given twice keeps the last).
    #[must_use]
    pub fn from_parts(head: StateHead, links: impl IntoIterator<Item = Link>) -> Self {
        let mut state = Self::new();
        state.set_head(head);
        for link in links {
            state.links.insert(link.remote_id.clone(), link);
        }
        // The local index is derived, never stored (a linked or unsynced
        // pair wins it over a removed one).
        state.repair_index();
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{LinkOrigin, LinkStatus};
    use chrono::TimeZone;

    fn link(remote: &str, local: &str) -> Link {
        Link {
            local_id: local.into(),
            remote_id: remote.into(),
            status: LinkStatus::Linked,
            origin: LinkOrigin::Matched,
            linked_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            base: None,
            remote_version: None,
        }
    }

    fn state(links: &[(&str, &str)]) -> SyncState {
        let mut s = SyncState::new();
        for (r, l) in links {
            s.insert_link(link(r, l));
        }
        s
    }

    #[test]
    fn diff_lists_added_changed_and_removed_links() {
        let before = state(&[("R1", "L1"), ("R2", "L2"), ("R3", "L3")]);
        let mut after = state(&[("R2", "L2"), ("R3", "L9"), ("R4", "L4")]);
        after.run = 1;
        let d = diff(&before, &after);
        let up: Vec<_> = d.upserted.iter().map(|l| l.remote_id.as_str()).collect();
        assert_eq!(up, ["R3", "R4"]);
        assert_eq!(d.removed, vec![ContactId::from("R1")]);
        assert_eq!(d.head.as_ref().map(|h| h.run), Some(1));
        let mut applied = before.clone();
        d.apply_to(&mut applied);
        assert_eq!(applied, after);
        assert!(diff(&after, &after).is_empty());
    }

    #[test]
    fn a_copy_is_diffed_from_its_journal_as_a_walk_would() {
        let before = state(&[("R1", "L1"), ("R2", "L2"), ("R3", "L3"), ("R5", "L5")]);
        let mut after = before.clone();
        after.insert_link(link("R2", "L2")); // written, unchanged
        after.insert_link(link("R3", "L9"));
        after.insert_link(link("R4", "L4"));
        after.take_link(&"R1".into());
        if let Some(mut l) = after.links.get_mut(&"R5".into()) {
            l.remote_version = Some(crate::model::VersionToken::SyncToken("2".into()));
        }
        assert!(after.links.written_since(&before.links).is_some());
        let d = diff(&before, &after);
        let (up, gone) = diff_walk(&before, &after);
        assert_eq!((d.upserted.clone(), d.removed.clone()), (up, gone));
        let up: Vec<_> = d.upserted.iter().map(|l| l.remote_id.as_str()).collect();
        assert_eq!(up, ["R3", "R4", "R5"]);
        assert_eq!(d.removed, vec![ContactId::from("R1")]);
        let mut applied = before.clone();
        d.apply_to(&mut applied);
        assert_eq!(applied, after);
        // `before` written after the copy: the walk answers.
        let mut moved = before.clone();
        let copy = moved.clone();
        moved.insert_link(link("R6", "L6"));
        assert!(copy.links.written_since(&moved.links).is_none());
        let d = diff(&moved, &copy);
        assert_eq!(d.removed, vec![ContactId::from("R6")]);
    }

    #[test]
    fn parts_put_the_state_back_together() {
        let mut s = state(&[("R1", "L1"), ("R2", "L2")]);
        s.remote_cursor = Some("c".into());
        s.local_seen.insert("L7".into(), 42);
        let back = SyncState::from_parts(s.head(), s.links().cloned().collect::<Vec<_>>());
        assert_eq!(back, s);
        assert_eq!(
            back.link_of_local("L2").map(|l| l.remote_id.as_str()),
            Some("R2")
        );
    }
}
