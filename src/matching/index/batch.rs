//! A whole batch: every record decided on all cores, the remote ids
//! checked, and the local contacts claimed by several records (M9) found.

use std::collections::HashMap;

use crate::error::{Error, Result, Side};
use crate::matching::hash::hash_bytes;
use crate::matching::{MatchRecord, par};
use crate::model::ContactId;

use super::decide::{Decided, GROUP, Raw, Scratch};
use super::{ExistingLinks, MAX_RECORDS, MatchIndex, pos32};

/// The ids of a streamed batch, end to end.
#[derive(Default)]
pub(super) struct RemoteIds {
    pub(super) text: String,
    /// Where each id ends in `text` (which stays below 4 GiB).
    pub(super) ends: Vec<u32>,
}

impl RemoteIds {
    pub(super) fn get(&self, i: usize) -> Option<&str> {
        let start = if i == 0 { 0 } else { *self.ends.get(i - 1)? };
        self.text.get(start as usize..*self.ends.get(i)? as usize)
    }

    /// Appends an id whose end `text` was checked to fit.
    pub(super) fn push(&mut self, id: &str) {
        self.text.push_str(id);
        // Callers check the total first.
        #[allow(clippy::cast_possible_truncation)]
        self.ends.push(self.text.len() as u32);
    }

    pub(super) fn id(&self, i: usize) -> &str {
        self.get(i).unwrap_or_default()
    }
}

/// A decided batch: one decision per record, and the local contacts that
/// several records claimed (M9) with those records' ids, sorted.
pub(super) struct Batch {
    pub(super) decided: Vec<Decided>,
    pub(super) contested: Contested,
}

/// The local contacts claimed as the full match of several records (M9),
/// with those records' ids, sorted.
#[derive(Default)]
pub(super) struct Contested {
    by_local: HashMap<u32, Vec<ContactId>>,
    /// A bit per local position, set for those in `by_local`: read for
    /// every full match of a batch, without hashing.
    bits: Vec<u64>,
}

impl Contested {
    /// The records that claim local position `j`, if several do.
    pub(super) fn get(&self, j: u32) -> Option<&Vec<ContactId>> {
        if self.contains(j) {
            self.by_local.get(&j)
        } else {
            None
        }
    }

    /// Whether several records claim local position `j`.
    pub(super) fn contains(&self, j: u32) -> bool {
        self.bits
            .get((j / 64) as usize)
            .is_some_and(|w| w & (1 << (j % 64)) != 0)
    }
}

impl MatchIndex {
    /// Decides every record of a batch and settles M9.
    pub(super) fn decide_batch<R: MatchRecord + Sync>(
        &self,
        remotes: &[R],
        links: &ExistingLinks,
    ) -> Result<Batch> {
        if remotes.len() > MAX_RECORDS {
            return Err(Error::TooManyRecords {
                side: Side::Remote,
                count: remotes.len(),
                limit: MAX_RECORDS,
            });
        }
        let mut decided: Vec<Decided> = Vec::new();
        decided.resize_with(remotes.len(), Decided::default);
        let ids_ok = par::join(
            || {
                par::zip_chunks_mut(remotes, &mut decided, 1024, |recs, out| {
                    let mut s = Scratch::for_batch();
                    for (group, out) in recs.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
                        self.decide_group(group, links, &mut s, out);
                    }
                });
            },
            || check_remote_ids(remotes),
        )
        .1;
        ids_ok?;

        let contested = settle(self.len, &decided, |i| remotes[i].record_id());
        Ok(Batch { decided, contested })
    }
}

/// M9: the local contacts claimed as the full match of several records,
/// with those records' ids, sorted.
pub(super) fn settle<'s>(
    locals: usize,
    decided: &[Decided],
    id: impl Fn(usize) -> &'s str,
) -> Contested {
    // Two bits per local contact (claimed once, claimed again): small
    // enough to stay in cache while the decisions stream past.
    let words = locals.div_ceil(64);
    let mut once = vec![0u64; words];
    let mut again = vec![0u64; words];
    let bit = |l: u32| ((l / 64) as usize, 1u64 << (l % 64));
    for d in decided {
        if let Raw::Full(l, _) = d.raw {
            let (w, b) = bit(l);
            if let (Some(o), Some(a)) = (once.get_mut(w), again.get_mut(w)) {
                *a |= *o & b;
                *o |= b;
            }
        }
    }
    drop(once);
    let mut contested: HashMap<u32, Vec<ContactId>> = HashMap::new();
    for (i, d) in decided.iter().enumerate() {
        if let Raw::Full(l, _) = d.raw {
            let (w, b) = bit(l);
            if again.get(w).is_some_and(|a| a & b != 0) {
                contested.entry(l).or_default().push(ContactId::new(id(i)));
            }
        }
    }
    // The contacts claimed again are those contested.
    let bits = if contested.is_empty() {
        Vec::new()
    } else {
        again
    };
    for v in contested.values_mut() {
        v.sort();
    }
    Contested {
        by_local: contested,
        bits,
    }
}

/// Remote ids must be non-empty and unique within a batch.
fn check_remote_ids<R: MatchRecord + Sync>(remotes: &[R]) -> Result<()> {
    if let Some(i) = remotes.iter().position(|r| r.record_id().is_empty()) {
        return Err(Error::EmptyId {
            side: Side::Remote,
            position: i,
        });
    }
    match first_duplicate(remotes.len(), |i| remotes[i].record_id()) {
        Some(i) => Err(Error::DuplicateId {
            side: Side::Remote,
            id: remotes[i].record_id().to_owned(),
        }),
        None => Ok(()),
    }
}

/// The records (of `n`, read through `id`) whose id an earlier record
/// has, each with the position of that first record, in input order. The
/// ids' hashes are sorted (in parallel where possible; 8 bytes a record)
/// and only the records whose hash repeats are looked at again, their ids
/// compared, so this stays linear-logarithmic even when every record has
/// the same id, and never depends on the thread count.
pub(super) fn later_duplicates<'s>(
    n: usize,
    id: impl Fn(usize) -> &'s str + Sync,
) -> Vec<(usize, usize)> {
    let mut hashes = Vec::new();
    par::map_range_into(0..n, |i| id_hash(id(i)), &mut hashes);
    later_duplicates_hashed(&hashes, id)
}

/// The hash an id is checked for repeats by.
pub(super) fn id_hash(id: &str) -> u64 {
    hash_bytes(id.as_bytes(), 0)
}

/// [`later_duplicates`] of ids whose hashes ([`id_hash`]) are known.
pub(super) fn later_duplicates_hashed<'s>(
    hashes: &[u64],
    id: impl Fn(usize) -> &'s str + Sync,
) -> Vec<(usize, usize)> {
    let mut sorted = hashes.to_vec();
    par::sort_unstable(&mut sorted);
    let mut repeated: Vec<u64> = sorted
        .chunk_by(|a, b| a == b)
        .filter(|run| run.len() > 1)
        .filter_map(|run| run.first().copied())
        .collect();
    drop(sorted);
    if repeated.is_empty() {
        return Vec::new();
    }
    repeated.shrink_to_fit();
    // The records whose hash repeats, a part of the input at a time.
    let starts: Vec<usize> = (0..hashes.len()).step_by(1 << 16).collect();
    let parts = par::map_chunks(&starts, 1, |start| {
        let lo = start.first().copied().unwrap_or(0);
        hashes
            .get(lo..hashes.len().min(lo + (1 << 16)))
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter(|(_, h)| repeated.binary_search(h).is_ok())
            .map(|(k, &h)| (h, pos32(lo + k)))
            .collect::<Vec<_>>()
    });
    let mut keyed: Vec<(u64, u32)> = parts.concat();
    par::sort_unstable(&mut keyed);
    let mut found = Vec::new();
    for run in keyed.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        let mut by_id: Vec<(&str, usize)> = run
            .iter()
            .map(|&(_, i)| (id(i as usize), i as usize))
            .collect();
        by_id.sort_unstable();
        for same in by_id.chunk_by(|a, b| a.0 == b.0) {
            if let Some(&(_, first)) = same.first() {
                found.extend(same.iter().skip(1).map(|&(_, later)| (later, first)));
            }
        }
    }
    found.sort_unstable();
    found
}

/// The position where an id repeats first in the input, if any.
pub(super) fn first_duplicate<'s>(n: usize, id: impl Fn(usize) -> &'s str + Sync) -> Option<usize> {
    later_duplicates(n, id).first().map(|d| d.0)
}
