//! Existing pairs whose records went away or came back: removals (F6, U8),
//! restores, and links moved to the survivor of a Xero merge (U3).

use std::collections::HashSet;

use crate::model::{Contact, ContactId, ContactStatus};
use crate::sync::plan::{NoticeKind, ReviewItem};
use crate::sync::state::{Link, LinkOrigin, LinkStatus, Removal, SyncState};

use super::Claims;
use super::diff::{DiffCtx, PairDiff};
use super::listings::Run;
use super::output::Draft;

/// The listed ledger records that have a pair of any status (M10), by
/// position in the listing: matching leaves them alone. Marked for the
/// pairs this phase looks at.
pub(super) struct Paired(Vec<bool>);

impl Paired {
    /// Whether the listed record at `position` has a pair.
    pub(super) fn contains(&self, position: usize) -> bool {
        self.0.get(position).copied().unwrap_or(false)
    }

    fn mark(&mut self, position: usize) {
        if let Some(p) = self.0.get_mut(position) {
            *p = true;
        }
    }
}

/// A pair as this phase found it, one for each link in ledger id order:
/// its records are not looked up again by the phases after, and a pair
/// that was linked already is compared along with the look-up.
pub(super) struct Joined<'a> {
    /// The local record, if listed.
    pub(super) local: Option<&'a Contact>,
    /// The ledger record, if listed.
    pub(super) remote: Option<&'a Contact>,
    /// Whether `diff` is the pair's comparison (the pair was linked
    /// before this phase, and it left the pair as it was).
    pub(super) compared: bool,
    /// What the pair needs, when `compared` (`None`: nothing).
    pub(super) diff: Option<Box<PairDiff>>,
}

/// The lifecycle phase: reads the run and the local contacts claimed,
/// writes the state, the draft and the links moved; produces [`Paired`].
struct Settle<'p, 'a> {
    run: &'p Run<'a>,
    next: &'p mut SyncState,
    out: &'p mut Draft,
    claims: &'p mut Claims,
    paired: Paired,
}

/// Settles the pairs `touched` names (all of them for `None`, and then
/// also every pair as found, unless a link moved to a merge survivor).
pub(super) fn settle<'a>(
    run: &Run<'a>,
    next: &mut SyncState,
    out: &mut Draft,
    claims: &mut Claims,
    touched: Option<&[ContactId]>,
    ctx: &DiffCtx<'_>,
) -> (Paired, Option<Vec<Joined<'a>>>) {
    let paired = Paired(vec![false; run.remote.records.len()]);
    let mut s = Settle {
        run,
        next,
        out,
        claims,
        paired,
    };
    let mut moves: Vec<(ContactId, ContactId)> = Vec::new();
    // The links are detached while they are read; the few whose status
    // changes are written after (a copy of the state shares the others).
    let mut links = std::mem::take(&mut s.next.links);
    let mut changed: Vec<(ContactId, LinkStatus)> = Vec::new();
    let joined = match touched {
        None => {
            // The records of every pair are looked up first, and the
            // linked pairs compared, in parallel (reads only: what this
            // phase changes is settled in order below, and a pair it
            // changes is compared again by the merge).
            let entries: Vec<(&ContactId, &Link)> = links.iter().collect();
            let found = crate::matching::par::map_chunks(&entries, 2048, |chunk| {
                chunk
                    .iter()
                    .map(|&(rid, link)| {
                        let position = run.remote.position(rid.as_str());
                        let local = run.local.get(link.local_id.as_str());
                        let remote = position.and_then(|p| run.remote.records.get(p));
                        let diff = link
                            .is_linked()
                            .then(|| ctx.diff(rid, link, local, remote).map(Box::new));
                        (position, local, diff)
                    })
                    .collect::<Vec<_>>()
            });
            let mut joined = Vec::with_capacity(links.len());
            for ((rid, link), (position, local, diff)) in
                entries.into_iter().zip(found.into_iter().flatten())
            {
                if let Some(p) = position {
                    s.paired.mark(p);
                }
                let remote = position.and_then(|p| run.remote.records.get(p));
                let status = s.one(rid, link, local, remote, &mut moves);
                let compared = diff.is_some() && status.is_none();
                joined.push(Joined {
                    local,
                    remote,
                    compared,
                    diff: diff.filter(|_| compared).flatten(),
                });
                if let Some(status) = status {
                    changed.push((rid.clone(), status));
                }
            }
            Some(joined)
        }
        Some(ids) => {
            for rid in ids {
                let Some(link) = links.get(rid) else { continue };
                let (local, remote) = s.look(rid, link);
                if let Some(status) = s.one(rid, link, local, remote, &mut moves) {
                    changed.push((rid.clone(), status));
                }
            }
            None
        }
    };
    for (rid, status) in changed {
        if let Some(mut link) = links.get_mut(&rid) {
            link.status = status;
        }
    }
    s.next.links = links;
    // A link that moves changes which ledger ids have links: the pairs as
    // found are then not those of the map.
    let joined = joined.filter(|_| moves.is_empty());
    for (rid, into) in moves {
        match s.survivor(&rid, into) {
            Some(into) => s.move_link(&rid, &into),
            // Merges that lead back to where they started name no
            // survivor: the pair is marked archived (F6).
            None => {
                if let Some(mut l) = s.next.links.remove(&rid) {
                    s.remove(&mut l, Removal::Archived);
                    s.next.links.insert(rid.clone(), l);
                }
            }
        }
    }
    (s.paired, joined)
}

impl<'a> Settle<'_, 'a> {
    /// The records of a pair, if listed; a listed ledger record is marked
    /// paired.
    fn look(&mut self, rid: &ContactId, link: &Link) -> (Option<&'a Contact>, Option<&'a Contact>) {
        let run = self.run;
        let position = run.remote.position(rid.as_str());
        if let Some(p) = position {
            self.paired.mark(p);
        }
        let remote = position.and_then(|p| run.remote.records.get(p));
        (run.local.get(link.local_id.as_str()), remote)
    }

    /// One pair: removed, restored (its new status, reported here), or
    /// queued in `moves` to follow a merge.
    fn one(
        &mut self,
        rid: &ContactId,
        link: &Link,
        local: Option<&Contact>,
        remote: Option<&Contact>,
        moves: &mut Vec<(ContactId, ContactId)>,
    ) -> Option<LinkStatus> {
        let run = self.run;
        let follows_merges = run.profile.reports_merges();
        let gone = if run.remote.full {
            remote.is_none()
        } else {
            run.remote.deleted.contains(rid.as_str())
        };
        let local_listed = local.is_some();
        let local_gone = if run.local.full {
            !local_listed
        } else {
            run.local.deleted.contains(link.local_id.as_str())
        };
        match link.status {
            LinkStatus::Unsynced { .. } => None,
            LinkStatus::Linked => {
                if gone {
                    Some(self.removed(link, Removal::Deleted))
                } else if local_gone {
                    Some(self.removed(link, Removal::DeletedLocally))
                } else if let Some(r) = remote.filter(|r| r.status == ContactStatus::Archived) {
                    // Only Xero reports merges (U3); a `merged_into`
                    // on another ledger's record means nothing.
                    match r.extras.merged_into.as_ref().filter(|_| follows_merges) {
                        Some(into) => {
                            moves.push((rid.clone(), into.clone()));
                            None
                        }
                        None => Some(self.removed(link, Removal::Archived)),
                    }
                } else {
                    None
                }
            }
            LinkStatus::Removed { removal, .. } => {
                // A ledger record merged meanwhile (U3): the pair comes back
                // at the survivor, in this plan (F5), never at the merged
                // record; one archived otherwise stays removed.
                let merged_into = remote
                    .filter(|r| r.status == ContactStatus::Archived)
                    .and_then(|r| r.extras.merged_into.as_ref())
                    .filter(|_| follows_merges);
                let back = match removal {
                    Removal::DeletedLocally => {
                        local_listed
                            && !gone
                            && remote.is_none_or(|r| {
                                r.status == ContactStatus::Active || merged_into.is_some()
                            })
                    }
                    Removal::Archived | Removal::Deleted => {
                        !local_gone && remote.is_some_and(|r| r.status == ContactStatus::Active)
                    }
                };
                // The links are detached here: `by_local` says whether
                // the local contact is paired elsewhere meanwhile.
                // A person's decision of this run about the local
                // contact (create it in the ledger, link it elsewhere)
                // takes precedence over restoring the old pair.
                let free = self
                    .next
                    .by_local
                    .get(&link.local_id)
                    .is_none_or(|r| r == rid)
                    && !self.claims.reserved_local.contains(&link.local_id);
                if !(back && free) {
                    return None;
                }
                self.next
                    .by_local
                    .insert(link.local_id.clone(), rid.clone());
                self.out.notice(
                    NoticeKind::Restored,
                    "F6",
                    Some(&link.local_id),
                    Some(rid),
                    "the record is back: the pair syncs again",
                );
                if let Some(into) = merged_into {
                    moves.push((rid.clone(), into.clone()));
                }
                Some(LinkStatus::Linked)
            }
        }
    }

    /// The record a merge ends at: a survivor that was itself merged into
    /// another since (A into B, then B into C) passes the link on, so one
    /// plan moves it all the way (F5). `None` when the merges go round in
    /// a circle (no survivor). Bounded by the listing.
    fn survivor(&self, from: &ContactId, mut into: ContactId) -> Option<ContactId> {
        let mut seen: HashSet<ContactId> = HashSet::new();
        seen.insert(from.clone());
        for _ in 0..=self.run.remote.records.len() {
            if !seen.insert(into.clone()) {
                return None;
            }
            match self
                .run
                .remote
                .get(into.as_str())
                .filter(|r| r.status == ContactStatus::Archived)
                .and_then(|r| r.extras.merged_into.as_ref())
            {
                Some(next) => into = next.clone(),
                None => return Some(into),
            }
        }
        None
    }

    fn remove(&mut self, link: &mut Link, removal: Removal) {
        link.status = self.removed(link, removal);
    }

    /// The status of `link` removed for `removal`, reported.
    fn removed(&mut self, link: &Link, removal: Removal) -> LinkStatus {
        let (kind, rule, msg) = match removal {
            Removal::Archived => (
                NoticeKind::ArchivedRemotely,
                "F6",
                "archived in the ledger: the local contact is kept, the pair no longer syncs",
            ),
            Removal::Deleted => (
                NoticeKind::DeletedRemotely,
                "U8",
                "gone from the ledger: the local contact is kept, the pair no longer syncs",
            ),
            Removal::DeletedLocally => (
                NoticeKind::DeletedLocally,
                "F6",
                "the local contact is gone: the ledger record is left as it is",
            ),
        };
        self.out
            .notice(kind, rule, Some(&link.local_id), Some(&link.remote_id), msg);
        LinkStatus::Removed {
            removal,
            since: self.run.now,
        }
    }

    /// Moves the pair of merged record `rid` to its survivor `into` (U3);
    /// a survivor paired with another local contact is a clash for a
    /// person, and the merged pair is marked archived.
    fn move_link(&mut self, rid: &ContactId, into: &ContactId) {
        let run = self.run;
        let survivor_link = self
            .next
            .links
            .get(into)
            .filter(|l| l.is_linked())
            .map(|l| l.local_id.clone());
        let Some(link) = self.next.links.get(rid).cloned() else {
            return;
        };
        if let Some(other) = survivor_link {
            if other != link.local_id {
                self.out.review.push(ReviewItem::MergeClash {
                    local_id: link.local_id.clone(),
                    remote_id: rid.clone(),
                    merged_into: into.clone(),
                    survivor_local_id: other,
                });
            }
            if let Some(mut l) = self.next.links.remove(rid) {
                self.remove(&mut l, Removal::Archived);
                self.next.links.insert(rid.clone(), l);
            }
            return;
        }
        self.next.take_link(rid);
        if let Some(p) = run.remote.position(into.as_str()) {
            self.paired.mark(p);
        }

        self.next.issues.remove(into);
        let version = run
            .remote
            .get(into.as_str())
            .and_then(|r| r.extras.version.clone());
        self.claims.new_links.push(into.clone());
        self.next.insert_link(Link {
            remote_id: into.clone(),
            origin: LinkOrigin::Merged,
            linked_at: run.now,
            remote_version: version,
            ..link.clone()
        });
        self.out.report.counts.linked += 1;
        self.out.notice(
            NoticeKind::LinkMoved,
            "U3",
            Some(&link.local_id),
            Some(into),
            format!(
                "`{rid}` was merged into `{into}` in the ledger: the link moved to the survivor"
            ),
        );
    }
}
