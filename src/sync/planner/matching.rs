//! New ledger records: which take part, then classification against the
//! local contacts as the plan leaves them; a full match is linked (M1),
//! no match creates a local contact (M3), anything else is a match issue
//! for a person (L2).

use crate::error::{Result, Side};
use crate::matching::{ExistingLinks, MatchIndex, MatchOutcome};
use crate::model::{Contact, ContactId, ContactKind, ContactStatus};
use crate::rules::xpm::{imports_client_contacts, kind_for_business_structure};
use crate::rules::{FirstLink, NameClassifier};
use crate::sync::operation::Action;
use crate::sync::plan::{Needed, NoticeKind, ReviewItem};
use crate::sync::state::{Link, LinkOrigin, LinkStatus, MatchIssue, SyncState};

use super::creates::{Reason, create_local};
use super::decisions::Decided;
use super::lifecycle::Paired;
use super::listings::Run;
use super::output::Draft;
use super::{Claims, FastMap};

/// The matching phase: reads the run, the decisions and the paired ledger
/// ids; writes the state, the draft and the claims.
struct Classify<'p, 'a> {
    run: &'p Run<'a>,
    decided: &'p Decided,
    paired: &'p Paired,
    next: &'p mut SyncState,
    out: &'p mut Draft,
    claims: &'p mut Claims,
    /// Automatic links of this classification, inserted after it (one
    /// bulk build on a first connection instead of a search each).
    pending: Vec<Link>,
    /// Their ledger → local ids, kept only when a record of the batch
    /// belongs to organisations (only those look their parents up).
    pending_links: FastMap<ContactId, ContactId>,
    /// Whether any record of the batch belongs to organisations.
    has_parents: bool,
}

/// Classifies the ledger records that have no pair and were not decided.
///
/// Answers [`Needed::FullListing`] of the local side, having changed
/// nothing, when there are any and the local side is a change listing.
///
/// # Errors
/// Errors of the match index.
pub(super) fn classify<'a>(
    run: &Run<'a>,
    next: &mut SyncState,
    out: &mut Draft,
    claims: &mut Claims,
    decided: &Decided,
    paired: &Paired,
) -> Result<Option<Needed>> {
    Classify {
        run,
        decided,
        paired,
        next,
        out,
        claims,
        pending: Vec::new(),
        pending_links: FastMap::default(),
        has_parents: false,
    }
    .classify()
}

impl<'a> Classify<'_, 'a> {
    /// Whether an unlinked ledger record takes part in matching; reports
    /// the ones that do not.
    fn eligible(&mut self, position: usize, r: &'a Contact) -> bool {
        let run = self.run;
        if self.paired.contains(position) || self.decided.handled_remote.contains(&r.id) {
            return false;
        }
        if r.status == ContactStatus::Archived {
            // An issue opened before the record was archived is closed: it
            // would never be imported (U3).
            if self.next.issues.remove(&r.id).is_some() {
                self.out.notice(
                    NoticeKind::IssueClosed,
                    "U3",
                    None,
                    Some(&r.id),
                    "the record was archived in the ledger: issue closed",
                );
            }
            self.out.notice(
                NoticeKind::SkippedArchived,
                "U3",
                None,
                Some(&r.id),
                "archived and not linked: not imported",
            );
            return false;
        }
        if run.profile.rules().sub_records_are_jobs && r.extras.parent_id.is_some() {
            self.out.notice(
                NoticeKind::SkippedJob,
                "Q3",
                None,
                Some(&r.id),
                "a sub-customer (job), not a contact: not matched or imported",
            );
            return false;
        }
        if run.profile.rules().client_contacts && !r.organization_ids.is_empty() {
            // A contact of a client (T2).
            let parent_kind = r.organization_ids.iter().find_map(|p| {
                if let Some(c) = run.remote.get(p.as_str()) {
                    return Some(c.kind.unwrap_or_else(|| {
                        kind_for_business_structure(c.extras.business_structure.as_deref()).kind
                    }));
                }
                // Not in this (change) listing: a linked client says it
                // through its local contact; only organisations' contacts
                // are ever imported, so one not listed counts as one.
                let link = self.next.links.get(p).filter(|l| l.is_linked())?;
                Some(
                    run.local
                        .get(link.local_id.as_str())
                        .and_then(|c| c.kind)
                        .unwrap_or(ContactKind::Organization),
                )
            });
            let ok =
                parent_kind.is_some_and(|k| imports_client_contacts(run.config.import_scope, k));
            if !ok {
                let why = match parent_kind {
                    Some(ContactKind::Person) => {
                        "a contact of an individual / sole trader client: never imported"
                    }
                    Some(ContactKind::Organization) => {
                        "a contact of a client: the connection imports clients only"
                    }
                    None => "a contact of a client that is not in the listing",
                };
                self.out
                    .notice(NoticeKind::NotImported, "T2", None, Some(&r.id), why);
                return false;
            }
        }
        true
    }

    /// Whether every organisation a ledger record belongs to is linked or
    /// created by this plan (a person is never imported without them).
    fn parents_ready(&self, r: &Contact) -> bool {
        r.organization_ids.iter().all(|p| {
            self.next.links.get(p).is_some_and(Link::is_linked)
                || self.pending_links.contains_key(p)
                || self.out.created_local.contains(p)
        })
    }

    fn classify(mut self) -> Result<Option<Needed>> {
        let run = self.run;
        let mut cands: Vec<&'a Contact> = Vec::new();
        for (position, r) in run.remote.records.iter().enumerate() {
            if self.eligible(position, r) {
                cands.push(r);
            }
        }
        // Issues of records deleted in a change listing are closed.
        for &d in &run.remote.deleted {
            if let Some((id, _)) = self.next.issues.remove_entry(d) {
                self.out.notice(
                    NoticeKind::IssueClosed,
                    "L2",
                    None,
                    Some(&id),
                    "the record was deleted in the ledger: issue closed",
                );
            }
        }
        // Issues of records gone from a full listing are closed.
        if run.remote.full {
            let gone: Vec<ContactId> = self
                .next
                .issues
                .keys()
                .filter(|id| !run.remote.contains(id.as_str()))
                .cloned()
                .collect();
            for id in gone {
                self.next.issues.remove(&id);
                self.out.notice(
                    NoticeKind::IssueClosed,
                    "L2",
                    None,
                    Some(&id),
                    "the record is gone from the ledger: issue closed",
                );
            }
        }
        if cands.is_empty() {
            return Ok(None);
        }
        if !run.local.full {
            return Ok(Some(Needed::FullListing {
                side: Side::Local,
                reason: format!(
                    "{} new ledger record(s) must be matched against every local contact",
                    cands.len()
                ),
            }));
        }
        // Parents first, so a client contact can refer to its client's
        // create (every output is sorted at the end: order is free here).
        let (mut parents, children): (Vec<&'a Contact>, Vec<&'a Contact>) = cands
            .into_iter()
            .partition(|c| c.organization_ids.is_empty());
        self.has_parents = !children.is_empty();
        parents.extend(children);
        let cands = parents;
        let mut builder = MatchIndex::builder(run.profile).classifier(
            NameClassifier::new().with_review_below(run.config.classifier_review_below),
        );
        if let Some(g) = run.config.near_duplicates {
            builder = builder.near_duplicates(g);
        }
        // The local contacts as the updates planned so far leave them.
        let mut patched: FastMap<&str, Contact> = FastMap::default();
        for op in &self.out.ops {
            if let (
                Side::Local,
                Action::Update {
                    target_id, patch, ..
                },
            ) = (op.side, &op.action)
                && let Some(c) = run.local.get(target_id.as_str())
            {
                let key = c.id.as_str();
                let mut c = c.clone();
                patch.apply_to(&mut c);
                patched.insert(key, c);
            }
        }
        let index = if patched.is_empty() {
            builder.build(run.local.records)?
        } else {
            let view: Vec<&Contact> = run
                .local
                .records
                .iter()
                .map(|c| patched.get(c.id.as_str()).unwrap_or(c))
                .collect();
            builder.build(&view)?
        };
        let mut links: ExistingLinks = self.next.existing_links();
        // Local contacts a decision of this run will push are taken too.
        for l in &self.claims.reserved_local {
            if !self.next.by_local.contains_key(l) {
                links.link(l.clone(), ContactId::new(format!("create-remote:{l}")));
            }
        }
        let results = index.classify_batch_with(&cands, &links)?;
        // Most records of a first connection are linked or created.
        let n = cands.len();
        self.out.report.notices.reserve(n);
        self.out.ops.reserve(n / 2);
        self.pending.reserve(n);
        if self.has_parents {
            self.pending_links.reserve(n);
        }
        self.claims.reserved_local.reserve(n);
        // Issues opened by this classification, inserted after it: the
        // map is then searched only when it held issues before (each
        // ledger id comes once, so none of them is looked up in the loop),
        // and a first connection builds it from one sorted run.
        let had_issues = !self.next.issues.is_empty();
        let mut opened: Vec<MatchIssue> = Vec::new();
        for (r, res) in cands.into_iter().zip(results) {
            let keep_open = (had_issues && self.next.issues.contains_key(&r.id))
                || self.decided.forced_issue.contains(&r.id);
            // Only a match issue carries an explanation.
            let explained = match &res.outcome {
                MatchOutcome::Full { .. } | MatchOutcome::NoMatch if !keep_open => None,
                MatchOutcome::AlreadyLinked { .. } | MatchOutcome::Unsynced { .. } => None,
                _ => Some(res.explain()),
            };
            match res.outcome {
                MatchOutcome::Full { ref local_id } if !keep_open => {
                    let local_id = local_id.clone();
                    self.link_later(&local_id, r);
                }
                MatchOutcome::NoMatch if !keep_open && !self.parents_ready(r) => {
                    self.out.notice(
                        NoticeKind::NotImported,
                        "T2",
                        None,
                        Some(&r.id),
                        "a contact of a client that is not linked yet: imported once its client is",
                    );
                }
                MatchOutcome::NoMatch if !keep_open => {
                    let kind = res.kind.as_ref().map(|k| k.kind);
                    let reason = Reason {
                        rule: "M3",
                        why: "no local contact matches the name or the email",
                    };
                    let pending = &self.pending_links;
                    create_local(run, self.next, self.out, pending, r, kind, reason);
                }
                MatchOutcome::AlreadyLinked { .. } | MatchOutcome::Unsynced { .. } => {}
                outcome => {
                    let explained = explained.unwrap_or_default();
                    let opened_at = if had_issues {
                        self.next.issues.get(&r.id).map_or(run.now, |i| i.opened_at)
                    } else {
                        run.now
                    };
                    let explanation = if keep_open && !outcome.needs_review() {
                        format!(
                            "{explained} — the issue stays open until a person resolves it (L2)"
                        )
                    } else {
                        explained
                    };
                    self.out.review.push(ReviewItem::MatchIssue {
                        remote_id: r.id.clone(),
                        outcome: outcome.clone(),
                        kind: res.kind.clone(),
                        opened_at,
                        explanation,
                    });
                    opened.push(MatchIssue {
                        remote_id: r.id.clone(),
                        opened_at,
                        outcome,
                        kind: res.kind,
                    });
                }
            }
        }
        if self.next.issues.is_empty() {
            // Ids are unique: an unstable sort gives the one order, and
            // the map is built from the sorted run.
            opened.sort_unstable_by(|a, b| a.remote_id.cmp(&b.remote_id));
            self.next.issues = opened
                .into_iter()
                .map(|i| (i.remote_id.clone(), i))
                .collect();
        } else {
            for i in opened {
                self.next.issues.insert(i.remote_id.clone(), i);
            }
        }
        self.flush_links();
        Ok(None)
    }

    /// An automatic link (M1), inserted with the others after the batch
    /// (one bulk build on a first connection instead of a search each).
    fn link_later(&mut self, local_id: &ContactId, remote: &Contact) {
        self.claims.reserved_local.insert(local_id.clone());
        self.claims.new_links.push(remote.id.clone());
        if self.has_parents {
            self.pending_links
                .insert(remote.id.clone(), local_id.clone());
        }
        self.out.report.counts.linked += 1;
        let msg = if self.run.profile.rules().first_link == FirstLink::LedgerWins {
            "linked: the ledger's values replace the local synced fields (F2)"
        } else {
            "linked: a value only one side has is copied across, different values follow the conflict policy"
        };
        self.out.notice(
            NoticeKind::Linked,
            "M1",
            Some(local_id),
            Some(&remote.id),
            msg,
        );
        let link = Link {
            local_id: local_id.clone(),
            remote_id: remote.id.clone(),
            status: LinkStatus::Linked,
            origin: LinkOrigin::Matched,
            linked_at: self.run.now,
            base: None,
            remote_version: remote.extras.version.clone(),
        };
        self.pending.push(link);
    }

    /// Inserts the links of this classification into the state.
    fn flush_links(&mut self) {
        let mut pending = std::mem::take(&mut self.pending);
        self.pending_links.clear();
        if self.next.links.is_empty() && self.next.by_local.is_empty() {
            // Ids are unique on each side (M9): unstable sorts give the one
            // order, and the maps are then built from sorted runs.
            let mut by_local: Vec<(ContactId, ContactId)> = pending
                .iter()
                .map(|l| (l.local_id.clone(), l.remote_id.clone()))
                .collect();
            by_local.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            self.next.by_local = by_local.into_iter().collect();
            pending.sort_unstable_by(|a, b| a.remote_id.cmp(&b.remote_id));
            self.next.links = pending
                .into_iter()
                .map(|l| (l.remote_id.clone(), l))
                .collect();
        } else {
            for l in pending {
                self.next.insert_link(l);
            }
        }
    }
}
