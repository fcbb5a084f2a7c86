//! The run's input, and its listings indexed by id: the facts every phase
//! reads and none writes.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result, Side};
use crate::matching::hash::IdBuild;
use crate::model::{Contact, ContactId};
use crate::rules::Profile;

use super::{FastMap, FastSet};
use crate::sync::config::{ConnectionConfig, ManualSyncDirection, Trigger};
use crate::sync::input::{Listing, PlanInput};
use crate::sync::state::SyncState;

/// The facts of one run, read by every phase and written by none.
pub(super) struct Run<'a> {
    pub(super) config: &'a ConnectionConfig,
    pub(super) profile: Profile,
    pub(super) now: DateTime<Utc>,
    pub(super) local: Listed<'a>,
    pub(super) remote: Listed<'a>,
    /// Whether the run may write to the ledger (not a manual import-only
    /// run, F7).
    pub(super) remote_writes: bool,
}

/// One side's listing, indexed.
pub(super) struct Listed<'a> {
    /// The records listed (all of them, or the changed ones).
    pub(super) records: &'a [Contact],
    /// Their positions in `records`, by id.
    by_id: FastMap<Key<'a>, usize>,
    /// A full listing: a record not in it is gone.
    pub(super) full: bool,
    /// Records a change listing reports deleted.
    pub(super) deleted: FastSet<&'a str>,
    /// The change cursor to store for next time.
    pub(super) cursor: Option<&'a str>,
}

impl<'a> Run<'a> {
    pub(super) fn new(
        config: &'a ConnectionConfig,
        input: &PlanInput<'a>,
        indexes: Indexes<'a>,
    ) -> Self {
        let Indexes { local, remote } = indexes;
        let remote_writes = !matches!(
            (input.trigger, config.manual_sync),
            (Trigger::Manual, ManualSyncDirection::ImportOnly)
        );
        Self {
            config,
            profile: config.profile,
            now: input.now,
            local: Listed::new(input.local, local),
            remote: Listed::new(input.remote, remote),
            remote_writes,
        }
    }

    /// The pairs a run has to look at: `None` for all of them (a side is
    /// listed in full), else those a change listing names, sorted.
    pub(super) fn touched(&self, next: &SyncState) -> Option<Vec<ContactId>> {
        if self.local.full || self.remote.full {
            return None;
        }
        let mut ids: Vec<ContactId> = self.remote.records.iter().map(|r| r.id.clone()).collect();
        ids.extend(self.remote.deleted.iter().map(|d| ContactId::new(*d)));
        let locals = self.local.records.iter().map(|c| c.id.as_str());
        for l in locals.chain(self.local.deleted.iter().copied()) {
            if let Some(r) = next.by_local.get(l) {
                ids.push(r.clone());
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Some(ids)
    }
}

impl<'a> Listed<'a> {
    fn new(listing: Listing<'a>, by_id: FastMap<Key<'a>, usize>) -> Self {
        let (records, deleted, cursor, full) = split(listing);
        Self {
            records,
            by_id,
            full,
            deleted: deleted.iter().map(ContactId::as_str).collect(),
            cursor,
        }
    }

    /// The record of `id`, if listed.
    pub(super) fn get(&self, id: &str) -> Option<&'a Contact> {
        self.position(id).and_then(|i| self.records.get(i))
    }

    /// The position in `records` of the record of `id`, if listed.
    pub(super) fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(&Key(id)).copied()
    }

    /// Whether `id` is listed.
    pub(super) fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(&Key(id))
    }
}

/// The listings by id.
pub(super) struct Indexes<'a> {
    local: FastMap<Key<'a>, usize>,
    remote: FastMap<Key<'a>, usize>,
}

impl<'a> Indexes<'a> {
    pub(super) fn of(input: &PlanInput<'a>) -> Result<Self> {
        let (local, remote) = (split(input.local).0, split(input.remote).0);
        let (l, r) = crate::matching::par::join(
            || index_by_id(Side::Local, local),
            || index_by_id(Side::Remote, remote),
        );
        Ok(Self {
            local: l?,
            remote: r?,
        })
    }
}

type Split<'a> = (&'a [Contact], &'a [ContactId], Option<&'a str>, bool);

fn split(listing: Listing<'_>) -> Split<'_> {
    match listing {
        Listing::Full(r) => (r, &[], None, true),
        Listing::Changes {
            changed,
            deleted,
            cursor,
        } => (changed, deleted, cursor, false),
    }
}

/// A record id as a map key: hashed in one pass (a `&str` key is hashed
/// as its bytes and then a terminator, two passes of the id hasher), by
/// [`id_hash`].
#[derive(PartialEq, Eq)]
struct Key<'a>(&'a str);

impl std::hash::Hash for Key<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(id_hash(self.0.as_bytes()));
    }
}

/// A hash of a record id, eight bytes at a time and the rest byte by byte
/// (ids are short: a copy of the last few bytes into a word cost a call),
/// finished with the 64-bit mix of MurmurHash3 so that every bit counts
/// (the map takes its buckets from the low bits, its tags from the high).
fn id_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = <[u8; 8]>::try_from(w).map_or(0, u64::from_le_bytes);
        h = (h ^ w).wrapping_mul(K).rotate_left(31);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(11);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The records' positions by id; an empty or repeated id is an error.
fn index_by_id(side: Side, records: &[Contact]) -> Result<FastMap<Key<'_>, usize>> {
    let mut m = FastMap::with_capacity_and_hasher(records.len(), IdBuild::default());
    for (position, c) in records.iter().enumerate() {
        if c.id.as_str().is_empty() {
            return Err(Error::EmptyId { side, position });
        }
        if m.insert(Key(c.id.as_str()), position).is_some() {
            return Err(Error::DuplicateId {
                side,
                id: c.id.to_string(),
            });
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_hash_apart_in_every_bit_range() {
        // Ids as ledgers and stores write them: counters, GUIDs' heads,
        // short and long; every length from empty to 40 bytes.
        let mut ids: Vec<String> = (0..20_000).map(|i| format!("R{i:07}")).collect();
        ids.extend((0..20_000).map(|i| format!("{i}")));
        ids.extend((0..41).map(|n| "x".repeat(n)));
        ids.extend((0..5_000).map(|i| format!("{i:08x}-1a2b-4c3d-8e9f-0123456789ab")));
        let hashes: Vec<u64> = ids.iter().map(|s| id_hash(s.as_bytes())).collect();
        let distinct: std::collections::HashSet<u64> = hashes.iter().copied().collect();
        assert_eq!(distinct.len(), ids.len());
        // Low bits pick the bucket, high bits the tag: both spread.
        for shift in [0, 57] {
            let mut seen = [false; 128];
            for h in &hashes {
                seen[((h >> shift) & 127) as usize] = true;
            }
            assert!(
                seen.iter().all(|s| *s),
                "bits {shift}..{} do not spread",
                shift + 7
            );
        }
    }
}
