//! A whole batch: every record decided on all cores, the remote ids
//! checked, and the local contacts claimed by several records (M9) found.

use std::collections::HashMap;

use crate::error::{Error, Result, Side};
use crate::matching::hash::hash_bytes;
use crate::matching::{MatchRecord, par};
use crate::model::ContactId;

use super::decide::{Decided, GROUP, Raw, Scratch};
use super::{ExistingLinks, MAX_RECORDS, MatchIndex, pos32};

/// A decided batch: one decision per record, and the local contacts that
/// several records claimed (M9) with those records' ids, sorted.
pub(super) struct Batch {
    pub(super) decided: Vec<Decided>,
    pub(super) contested: HashMap<u32, Vec<ContactId>>,
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

        // M9: local contacts claimed as the full match of several remotes.
        let mut claims = vec![0u32; self.len];
        for d in &decided {
            if let Raw::Full(l) = d.raw {
                claims[l as usize] = claims[l as usize].saturating_add(1);
            }
        }
        let mut contested: HashMap<u32, Vec<ContactId>> = HashMap::new();
        for (i, d) in decided.iter().enumerate() {
            if let Raw::Full(l) = d.raw
                && claims[l as usize] > 1
            {
                contested
                    .entry(l)
                    .or_default()
                    .push(remotes[i].contact_id());
            }
        }
        for v in contested.values_mut() {
            v.sort();
        }
        Ok(Batch { decided, contested })
    }
}

/// Remote ids must be non-empty and unique within a batch. The ids'
/// hashes are sorted (in parallel where possible) and only equal hashes
/// compared; the duplicate reported is the one that comes first in the
/// input, whatever the thread count.
fn check_remote_ids<R: MatchRecord + Sync>(remotes: &[R]) -> Result<()> {
    if let Some(i) = remotes.iter().position(|r| r.record_id().is_empty()) {
        return Err(Error::EmptyId {
            side: Side::Remote,
            position: i,
        });
    }
    let mut keyed: Vec<(u64, u32)> = remotes
        .iter()
        .enumerate()
        .map(|(i, r)| (hash_bytes(r.record_id().as_bytes(), 0), pos32(i)))
        .collect();
    par::sort_unstable(&mut keyed);
    let mut first_dup: Option<usize> = None;
    // Within a run of equal hashes, sorted by (id, position): the second
    // position of each repeated id is where it repeats first. Sorting keeps
    // this linear-logarithmic even when every record has the same id.
    for run in keyed.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        let mut by_id: Vec<(&str, usize)> = run
            .iter()
            .map(|&(_, i)| (remotes[i as usize].record_id(), i as usize))
            .collect();
        by_id.sort_unstable();
        for pair in by_id.windows(2) {
            if let [(a, _), (b, later)] = pair
                && a == b
            {
                first_dup = Some(first_dup.map_or(*later, |f| f.min(*later)));
            }
        }
    }
    match first_dup {
        Some(i) => Err(Error::DuplicateId {
            side: Side::Remote,
            id: remotes[i].record_id().to_owned(),
        }),
        None => Ok(()),
    }
}
