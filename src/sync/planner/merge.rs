//! Merging linked pairs: the field comparisons (`diff`, in parallel) are
//! folded into the plan one pair at a time, in order: notices, conflicts,
//! names the ledger accepts (U2), the pair's new base, and the updates.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::error::Side;
use crate::model::{Contact, ContactId, VersionToken};
use crate::rules::{Profile, Versions};
use crate::sync::fields::{FieldChange, FieldValue, SyncField};
use crate::sync::plan::{NoticeKind, ReviewItem};
use crate::sync::state::{FieldMap, Link, SyncState};

use super::diff::{DiffCtx, PairDiff, Why, build_update};
use super::lifecycle::Joined;
use super::listings::Run;
use super::output::Draft;
use super::unique_names::UniqueNames;

/// The pairs a merge pass compares.
pub(super) enum Pairs<'a> {
    /// Every linked pair.
    All,
    /// Every linked pair, with their records as the lifecycle phase found
    /// them, and most compared: one for each link, in ledger id order.
    Joined(Vec<Joined<'a>>),
    /// The pairs of these ledger ids (sorted, each once).
    These(Vec<ContactId>),
    /// The same, found by walking the map (many ids).
    Sorted(Vec<ContactId>),
}

/// Compares `pairs` and plans what they need. Reads the run and the
/// conflicts people `resolved`; writes the pairs' bases and versions, the
/// draft and the names taken.
pub(super) fn merge_pairs<'a>(
    run: &Run<'a>,
    next: &mut SyncState,
    out: &mut Draft,
    names: &mut UniqueNames<'_>,
    resolved: &HashMap<(ContactId, SyncField), Side>,
    pairs: Pairs<'a>,
) {
    let mut links = std::mem::take(&mut next.links);
    // Many pairs (a first connection links most records): walking the map
    // along the sorted ids costs less than a search for each, and the
    // links' journal gives up past a quarter of the map anyway.
    let pairs = match pairs {
        Pairs::These(ids) if ids.len() >= links.len() / 4 && ids.len() > 64 => Pairs::Sorted(ids),
        p => p,
    };
    let in_map_order = !matches!(pairs, Pairs::These(_));
    // The field comparisons are pure: made in parallel, in order.
    let ctx = diff_ctx(run, resolved);
    let pair = |rid: &'_ ContactId, link: &'_ Link| {
        let local = run.local.get(link.local_id.as_str());
        let remote = run.remote.get(rid.as_str());
        (local, remote)
    };
    let linked = links.iter().filter(|(_, l)| l.is_linked()).enumerate();
    // The pairs to compare, each with its place among the pairs; the
    // comparisons made already (by the lifecycle phase) that need
    // something, the same.
    type Pair<'l, 'c> = (
        usize,
        &'l ContactId,
        &'l Link,
        Option<&'c Contact>,
        Option<&'c Contact>,
    );
    type Compared<'c> = (usize, ContactId, Option<&'c Contact>, PairDiff);
    let mut gathered: Vec<Pair<'_, 'a>> = Vec::new();
    let mut ready: Vec<Compared<'a>> = Vec::new();
    let mut walked = 0;
    match pairs {
        Pairs::Joined(joined) if joined.len() == links.len() => {
            // One for each link, in the same order: a pair the lifecycle
            // phase did not compare (restored) is compared here, and looked
            // up again if it found no local record.
            let mut i = 0;
            for ((k, link), j) in links.iter().zip(joined) {
                if !link.is_linked() {
                    continue;
                }
                walked += 1;
                i += 1;
                if j.compared {
                    if let Some(d) = j.diff {
                        ready.push((i, k.clone(), j.remote, *d));
                    }
                } else if j.local.is_some() {
                    gathered.push((i, k, link, j.local, j.remote));
                } else {
                    let (local, remote) = pair(k, link);
                    gathered.push((i, k, link, local, remote));
                }
            }
        }
        Pairs::All | Pairs::Joined(_) => {
            gathered.reserve(links.len());
            gathered.extend(linked.map(|(i, (k, link))| {
                let (local, remote) = pair(k, link);
                (i, k, link, local, remote)
            }));
        }
        Pairs::Sorted(ids) => {
            gathered.reserve(ids.len().min(links.len()));
            let mut wanted = ids.iter().peekable();
            gathered.extend(
                linked
                    .filter(|(_, (k, _))| {
                        while wanted.next_if(|w| *w < *k).is_some() {}
                        wanted.next_if(|w| *w == *k).is_some()
                    })
                    .map(|(i, (k, link))| {
                        let (local, remote) = pair(k, link);
                        (i, k, link, local, remote)
                    }),
            );
        }
        Pairs::These(ids) => {
            gathered.reserve(ids.len());
            for (i, rid) in ids.iter().enumerate() {
                if let Some((k, link)) = links.get_key_value(rid).filter(|(_, l)| l.is_linked()) {
                    let (local, remote) = pair(k, link);
                    gathered.push((i, k, link, local, remote));
                }
            }
        }
    }
    let pairs = gathered;
    out.report.counts.pairs_compared += walked.max(pairs.len());
    // Only the pairs that need something are kept (most of a steady
    // state's need nothing), in order.
    let computed: Vec<Compared<'a>> = crate::matching::par::map_chunks(&pairs, 2048, |chunk| {
        chunk
            .iter()
            .filter_map(|&(i, rid, link, local, remote)| {
                ctx.diff(rid, link, local, remote)
                    .map(|d| (i, rid.clone(), remote, d))
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    drop(pairs);
    let diffs = if ready.is_empty() {
        computed
    } else {
        ready.extend(computed);
        ready.sort_unstable_by_key(|c| c.0);
        ready
    };
    let mut m = Merge {
        profile: run.profile,
        refused: &next.taken_names,
        out,
        names,
    };
    if in_map_order && diffs.len() >= links.len() / 8 {
        // Many pairs to fold (the ids are in map order): walk the map
        // along them rather than search for each.
        let mut compared = diffs.into_iter().peekable();
        for (rid, link) in links.iter_mut() {
            let Some((_, _, remote, diff)) = compared.next_if(|(_, id, _, _)| id == rid) else {
                continue;
            };
            m.apply_diff(rid, link, remote, diff);
        }
    } else {
        // A few: a search each keeps the links' journal (what a save
        // writes) precise.
        for (_, rid, remote, diff) in diffs {
            if let Some(mut link) = links.get_mut(&rid) {
                m.apply_diff(&rid, &mut link, remote, diff);
            }
        }
    }
    next.links = links;
}

/// The facts a pair comparison reads.
pub(super) fn diff_ctx<'c>(
    run: &Run<'c>,
    resolved: &'c HashMap<(ContactId, SyncField), Side>,
) -> DiffCtx<'c> {
    DiffCtx {
        profile: run.profile,
        config: run.config,
        remote_writes: run.remote_writes,
        full_local: run.local.full,
        full_remote: run.remote.full,
        resolved,
    }
}

/// What folding a pair's comparison into the plan writes: the draft and
/// the names taken.
struct Merge<'p, 'n> {
    profile: Profile,
    /// Names the ledger refused as duplicates before (U2).
    refused: &'p BTreeSet<String>,
    out: &'p mut Draft,
    names: &'p mut UniqueNames<'n>,
}

impl Merge<'_, '_> {
    fn apply_diff(
        &mut self,
        rid: &ContactId,
        link: &mut Link,
        remote: Option<&Contact>,
        diff: PairDiff,
    ) {
        let local_id = link.local_id.clone();
        let PairDiff {
            to_local: _,
            mut to_remote,
            agreed,
            not_sent,
            conflicts,
            empty_base,
            nameless,
            local_op,
        } = diff;
        if let Some(side) = nameless {
            self.out.notice(
                NoticeKind::NamelessRecord,
                "F3",
                Some(&local_id),
                Some(rid),
                match side {
                    Side::Remote => {
                        "the ledger record has no name: the local contact's name is kept"
                    }
                    Side::Local => "the local contact has no name: the ledger's name is kept",
                },
            );
        }
        for (f, rule, why) in not_sent {
            self.out.notice(
                NoticeKind::NotSent,
                rule,
                Some(&local_id),
                Some(rid),
                format!("local change of {f} not sent: {why}"),
            );
        }
        for c in conflicts {
            if c.winner.is_some() {
                self.out.report.counts.conflicts_settled += 1;
            } else {
                self.out.report.counts.conflicts_held += 1;
                self.out
                    .review
                    .push(ReviewItem::Conflict(Box::new(c.clone())));
            }
            self.out.report.conflicts.push(c);
        }
        // Names sent to a ledger with unique names (U2).
        if let Some(i) = to_remote
            .iter()
            .position(|(c, _)| c.field == SyncField::Name)
            && let Some(FieldValue::Name(n)) = to_remote[i].0.new.clone()
        {
            let current = remote.map(Contact::label);
            let (sent, changes) = self.names.name_to_send(self.refused, n, current.as_deref());
            let sent = Some(FieldValue::Name(sent));
            if sent == to_remote[i].0.old {
                to_remote.remove(i);
            } else {
                if !changes.is_empty() {
                    self.out.notice(
                        NoticeKind::Renamed,
                        "U2",
                        Some(&local_id),
                        Some(rid),
                        format!("name sent to the ledger adjusted: {}", changes.join(", ")),
                    );
                }
                to_remote[i].0.new = sent;
            }
        }
        // The base moves for the fields both sides agree on.
        if let Some(r) = remote {
            link.remote_version.clone_from(&r.extras.version);
        }
        match &link.base {
            Some(b) if !agreed.is_empty() => {
                let mut m = (**b).clone();
                for (f, v) in agreed {
                    match v {
                        Some(v) => m.insert(f, v),
                        None => m.remove(&f),
                    };
                }
                link.base = Some(Arc::new(m));
            }
            None if local_op.is_none() || empty_base => {
                let m: FieldMap = agreed
                    .into_iter()
                    .filter_map(|(f, v)| v.map(|v| (f, v)))
                    .collect();
                link.base = Some(Arc::new(m));
            }
            _ => {}
        }
        let version = remote.and_then(|r| r.extras.version.clone());
        if let Some((op, overwrites)) = local_op {
            self.out.report.counts.local_updates += 1;
            self.out.push_update(op, overwrites);
        }
        if !to_remote.is_empty() {
            self.out.report.counts.remote_updates += 1;
            to_remote.sort_by_key(|(c, _)| c.field);
            // Only a version the ledger checks is sent (QBO's SyncToken):
            // Xero has no conditional update, so an adapter never needs to
            // read the record first to honour one.
            let v = version
                .or_else(|| link.remote_version.clone())
                .filter(|_| self.profile.rules().versions == Versions::Checked);
            self.update_op(Side::Remote, rid, &local_id, to_remote, v);
        }
    }

    fn update_op(
        &mut self,
        side: Side,
        target: &ContactId,
        partner: &ContactId,
        changes: Vec<(FieldChange, Why)>,
        expected_version: Option<VersionToken>,
    ) {
        let (op, overwrites) = build_update(
            self.profile,
            side,
            target,
            partner,
            changes,
            expected_version,
        );
        self.out.push_update(op, overwrites);
    }
}
