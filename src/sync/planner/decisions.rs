//! People's decisions (L1–L3, M2, P1, F4), applied in order before
//! anything else is planned.

use std::collections::HashMap;

use crate::error::{Error, Result, Side};
use crate::matching::{MatchIndex, MatchOutcome};
use crate::model::{Contact, ContactId, ContactKind, ContactStatus};
use crate::rules::{KindDecision, Profile};
use crate::sync::fields::SyncField;
use crate::sync::plan::{Decision, NoticeKind};
use crate::sync::state::{Link, LinkOrigin, LinkStatus, MatchIssue, SyncState};

use super::creates::{Reason, create_local, create_remote};
use super::listings::Run;
use super::output::Draft;
use super::unique_names::UniqueNames;
use super::{Claims, FastMap, FastSet, linked_local};

/// What the decisions leave for the later phases, besides links and
/// operations.
#[derive(Default)]
pub(super) struct Decided {
    /// Ledger records a decision settled: not matched again (read by
    /// matching).
    pub(super) handled_remote: FastSet<ContactId>,
    /// Ledger records whose match a person removed: they stay match issues
    /// (L1; read by matching).
    pub(super) forced_issue: FastSet<ContactId>,
    /// Local contacts whose pair a decision dropped: neither new nor
    /// changed (L3; read by the push).
    pub(super) freed_local: FastSet<ContactId>,
    /// Conflicts a person settled, by ledger id and field (F4; read by the
    /// merge).
    pub(super) resolved: HashMap<(ContactId, SyncField), Side>,
}

/// The decisions phase: reads the run, writes the state, the draft, the
/// claims and the names taken; produces [`Decided`].
struct Decide<'p, 'a> {
    run: &'p Run<'a>,
    next: &'p mut SyncState,
    out: &'p mut Draft,
    claims: &'p mut Claims,
    names: &'p mut UniqueNames<'a>,
    decided: Decided,
}

/// Applies `decisions` in order.
///
/// # Errors
/// [`Error::InvalidDecision`] for one that cannot be carried out (`index`
/// counts these decisions).
pub(super) fn decide<'a>(
    run: &Run<'a>,
    next: &mut SyncState,
    out: &mut Draft,
    claims: &mut Claims,
    names: &mut UniqueNames<'a>,
    decisions: &[&Decision],
) -> Result<Decided> {
    let mut d = Decide {
        run,
        next,
        out,
        claims,
        names,
        decided: Decided::default(),
    };
    for (index, decision) in decisions.iter().copied().enumerate() {
        d.one(index, decision)?;
    }
    Ok(d.decided)
}

impl Decide<'_, '_> {
    fn one(&mut self, index: usize, d: &Decision) -> Result<()> {
        let run = self.run;
        let bad = |reason: String| Error::InvalidDecision { index, reason };
        match d {
            Decision::ConfirmMatch {
                remote_id,
                local_id,
            }
            | Decision::Rematch {
                remote_id,
                local_id,
            } => {
                let rematch = matches!(d, Decision::Rematch { .. });
                let remote = run.remote.get(remote_id.as_str()).ok_or_else(|| {
                    bad(format!(
                        "ledger record `{remote_id}` is not in this run's listing"
                    ))
                })?;
                if !run.local.contains(local_id.as_str()) {
                    return Err(bad(format!(
                        "local contact `{local_id}` is not in the listing"
                    )));
                }
                if let Some(l) = self.next.links.get(remote_id)
                    && l.is_linked()
                {
                    return Err(bad(format!(
                        "ledger record `{remote_id}` is already linked to `{}`",
                        l.local_id
                    )));
                }
                if let Some(other) = linked_local(self.next, local_id.as_str()) {
                    return Err(bad(format!(
                        "local contact `{local_id}` is already linked to `{other}` (M9): remove that match first"
                    )));
                }
                if rematch && !self.next.links.contains_key(remote_id) {
                    return Err(bad(format!(
                        "ledger record `{remote_id}` was never linked: confirm a match instead"
                    )));
                }
                if self.claims.reserved_local.contains(local_id)
                    || !self.decided.handled_remote.insert(remote_id.clone())
                {
                    return Err(bad(format!(
                        "`{remote_id}` or `{local_id}` is already used by an earlier decision of this run (M9)"
                    )));
                }
                if let Some(old) = self.next.links.get(remote_id)
                    && old.local_id != *local_id
                {
                    self.decided.freed_local.insert(old.local_id.clone());
                }
                self.next.issues.remove(remote_id);
                let (origin, rule) = if rematch {
                    (LinkOrigin::Rematched, "L3")
                } else {
                    (LinkOrigin::Confirmed, "M2")
                };
                self.link(local_id, remote, origin, rule);
            }
            Decision::CreateNew { remote_id } => {
                let remote = run.remote.get(remote_id.as_str()).ok_or_else(|| {
                    bad(format!(
                        "ledger record `{remote_id}` is not in this run's listing"
                    ))
                })?;
                if self.next.links.get(remote_id).is_some_and(Link::is_linked) {
                    return Err(bad(format!(
                        "ledger record `{remote_id}` is linked: remove the match first"
                    )));
                }
                if !self.decided.handled_remote.insert(remote_id.clone()) {
                    return Err(bad(format!(
                        "ledger record `{remote_id}` is already decided in this run"
                    )));
                }
                self.next.issues.remove(remote_id);
                if let Some(old) = self.next.take_link(remote_id) {
                    self.decided.freed_local.insert(old.local_id);
                }
                // Archived ledger records are never imported (U3): a
                // decision taken before the record was archived, or
                // merged into another, would copy it.
                if remote.status == ContactStatus::Archived {
                    let merged = remote
                        .extras
                        .merged_into
                        .as_ref()
                        .filter(|_| run.profile.reports_merges());
                    return Err(bad(match merged {
                        Some(into) => format!(
                            "ledger record `{remote_id}` was merged into `{into}`: decide on `{into}` instead (U3)"
                        ),
                        None => format!(
                            "ledger record `{remote_id}` is archived: archived records are not imported (U3)"
                        ),
                    }));
                }
                let kind = kind_of_new(run.profile, remote);
                let reason = Reason {
                    rule: "M2",
                    why: "a person chose to create a new contact",
                };
                let none = FastMap::default();
                create_local(run, self.next, self.out, &none, remote, kind, reason);
            }
            Decision::RemoveMatch { remote_id } => {
                let Some(link) = self.next.take_link(remote_id) else {
                    return Err(bad(format!("ledger record `{remote_id}` is not linked")));
                };
                self.decided.forced_issue.insert(remote_id.clone());
                self.decided.freed_local.insert(link.local_id.clone());
                // The issue is recorded now, so it stays open even when
                // the record is not in this run's listing (L1, L2).
                self.next.issues.insert(
                    remote_id.clone(),
                    MatchIssue {
                        remote_id: remote_id.clone(),
                        opened_at: run.now,
                        outcome: MatchOutcome::NoMatch,
                        kind: None,
                    },
                );
                self.out.notice(
                    NoticeKind::MatchRemoved,
                    "L1",
                    Some(&link.local_id),
                    Some(remote_id),
                    "match removed: the record waits for review instead of being linked again",
                );
            }
            Decision::Unsync { remote_id } => {
                let Some(mut link) = self.next.links.get_mut(remote_id).filter(|l| l.is_linked())
                else {
                    return Err(bad(format!("ledger record `{remote_id}` is not linked")));
                };
                link.status = LinkStatus::Unsynced { since: run.now };
                let local = link.local_id.clone();
                self.out.notice(
                    NoticeKind::Unsynced,
                    "L3",
                    Some(&local),
                    Some(remote_id),
                    "unsynced: changes no longer flow until re-matched",
                );
            }
            Decision::CreateRemote { local_id } => {
                let local = run.local.get(local_id.as_str()).ok_or_else(|| {
                    bad(format!("local contact `{local_id}` is not in the listing"))
                })?;
                if let Some(other) = linked_local(self.next, local_id.as_str()) {
                    return Err(bad(format!(
                        "local contact `{local_id}` is already linked to `{other}`"
                    )));
                }
                if self.claims.reserved_local.contains(local_id) {
                    return Err(bad(format!(
                        "local contact `{local_id}` is already used by an earlier decision of this run (M9)"
                    )));
                }
                if !run.remote_writes {
                    return Err(bad(
                        "this run may not write to the ledger (manual import-only sync, F7)"
                            .to_owned(),
                    ));
                }
                let reason = Reason {
                    rule: "P1",
                    why: "a person asked to create the ledger record",
                };
                create_remote(
                    run,
                    self.next,
                    self.out,
                    self.names,
                    local,
                    Vec::new(),
                    reason,
                );
                self.claims.reserved_local.insert(local.id.clone());
            }
            // Handled before planning (see `in_flight::abandon`).
            Decision::AbandonCreate { .. } => {}
            Decision::ResolveConflict {
                remote_id,
                field,
                keep,
            } => {
                if !self.next.links.get(remote_id).is_some_and(Link::is_linked) {
                    return Err(bad(format!("ledger record `{remote_id}` is not linked")));
                }
                self.decided
                    .resolved
                    .insert((remote_id.clone(), *field), *keep);
            }
        }
        Ok(())
    }

    /// Links a pair a person chose; the ledger's values replace the local
    /// ones on its first merge (F2).
    fn link(
        &mut self,
        local_id: &ContactId,
        remote: &Contact,
        origin: LinkOrigin,
        rule: &'static str,
    ) {
        self.claims.reserved_local.insert(local_id.clone());
        self.claims.new_links.push(remote.id.clone());
        self.next.insert_link(Link {
            local_id: local_id.clone(),
            remote_id: remote.id.clone(),
            status: LinkStatus::Linked,
            origin,
            linked_at: self.run.now,
            base: None,
            remote_version: remote.extras.version.clone(),
        });
        self.out.report.counts.linked += 1;
        self.out.notice(
            NoticeKind::Linked,
            rule,
            Some(local_id),
            Some(&remote.id),
            "linked: the ledger's values replace the local synced fields (F2)",
        );
    }
}

/// The kind a new local contact gets (T1–T4) without classifying.
fn kind_of_new(profile: Profile, remote: &Contact) -> Option<ContactKind> {
    if remote.kind.is_some() {
        return remote.kind;
    }
    let index = MatchIndex::new(profile, &[] as &[Contact]).ok()?;
    let decided = index.classify(remote).kind.map(|k: KindDecision| k.kind);
    // A record the rules could not type (QBO M5: display ≠ company and
    // no first and last name) that a person chose to create: a company
    // name makes it an organisation, first and last name a person.
    decided.or_else(|| {
        if remote.organization_name().is_some() {
            Some(ContactKind::Organization)
        } else if remote.first_name().is_some() && remote.last_name().is_some() {
            Some(ContactKind::Person)
        } else {
            None
        }
    })
}
