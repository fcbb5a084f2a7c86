//! Comparing one linked pair, field by field, against its base (the
//! values both sides had at the last sync): what flows which way (F2, F3),
//! what the conflict policy settles or holds (F4), what is not sent (F1,
//! F7, H3). Pure: pairs are compared in parallel.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::error::Side;
use crate::model::{Contact, ContactId, VersionToken};
use crate::rules::{FirstLink, Profile};
use crate::sync::config::{ConflictPolicy, ConnectionConfig};
use crate::sync::fields::{
    FieldChange, FieldPatch, FieldValue, SyncField, field_equals, read_field,
    same_after_normalising,
};
use crate::sync::operation::{Action, Operation};
use crate::sync::plan::{Conflict, Overwrite};
use crate::sync::state::{Link, LinkOrigin};

/// Which rule a change follows, for the report.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Why {
    Update,
    Spelling,
    FirstLink,
    Conflict,
}

impl Why {
    const fn rule(self) -> &'static str {
        match self {
            Self::Update => "F3",
            Self::Spelling => "N1",
            Self::FirstLink => "F2",
            Self::Conflict => "F4",
        }
    }
}

/// What a linked pair needs, field by field (computed without touching
/// the planner, so pairs are compared in parallel).
#[derive(Default)]
pub(super) struct PairDiff {
    pub(super) to_local: Vec<(FieldChange, Why)>,
    pub(super) to_remote: Vec<(FieldChange, Why)>,
    pub(super) agreed: Vec<(SyncField, Option<FieldValue>)>,
    pub(super) not_sent: Vec<(SyncField, &'static str, &'static str)>,
    pub(super) conflicts: Vec<Conflict>,
    pub(super) empty_base: bool,
    /// The side whose record has no name while its partner has one (F3).
    pub(super) nameless: Option<Side>,
    /// The local update, built here (in parallel) when there is one.
    pub(super) local_op: Option<(Operation, Vec<Overwrite>)>,
}

/// The read-only facts a pair comparison needs.
pub(super) struct DiffCtx<'c> {
    pub(super) profile: Profile,
    pub(super) config: &'c ConnectionConfig,
    pub(super) remote_writes: bool,
    pub(super) full_local: bool,
    pub(super) full_remote: bool,
    pub(super) resolved: &'c HashMap<(ContactId, SyncField), Side>,
}

impl DiffCtx<'_> {
    /// `None`: nothing to compare (not listed and no base to stand for it)
    /// or nothing changed (the steady-state fast path).
    pub(super) fn diff(
        &self,
        rid: &ContactId,
        link: &Link,
        local: Option<&Contact>,
        remote: Option<&Contact>,
    ) -> Option<PairDiff> {
        let unlisted = |full: bool, listed: bool| !listed && (full || link.base.is_none());
        if unlisted(self.full_local, local.is_some())
            || unlisted(self.full_remote, remote.is_some())
            || (local.is_none() && remote.is_none())
        {
            return None;
        }
        let profile = self.profile;
        let base = link.base.as_ref();
        // The steady-state fast path: both sides still read as the base,
        // and the ledger's version is the one seen (nothing to build).
        if let Some(b) = base
            && remote.is_none_or(|r| r.extras.version == link.remote_version)
            && SyncField::synced_by(profile).iter().all(|&f| {
                let v = b.get(&f);
                local.is_none_or(|l| field_equals(profile, l, f, v))
                    && remote.is_none_or(|r| field_equals(profile, r, f, v))
            })
        {
            return None;
        }
        let mut d = PairDiff {
            // F2 (the ledger's values replace the local ones) is the rule of
            // the Xero GL first link and of a person's confirm / re-match.
            // A first automatic link under XPM or QBO merges instead.
            empty_base: base.is_none()
                && link.origin == LinkOrigin::Matched
                && profile.rules().first_link == FirstLink::Merge,
            ..PairDiff::default()
        };
        let mut touched = false;
        for &f in SyncField::synced_by(profile) {
            let b = base.and_then(|b| b.get(&f));
            if base.is_some()
                && local.is_none_or(|l| field_equals(profile, l, f, b))
                && remote.is_none_or(|r| field_equals(profile, r, f, b))
            {
                continue;
            }
            touched = true;
            let lv = match local {
                Some(l) => read_field(profile, l, f),
                None => b.cloned(),
            };
            // Most fields of a pair agree: the ledger's value is compared
            // in place and built only when it differs.
            let agree = match remote {
                Some(r) => field_equals(profile, r, f, lv.as_ref()),
                None => lv.as_ref() == b,
            };
            if agree {
                d.agreed.push((f, lv));
                continue;
            }
            let rv = match remote {
                Some(r) => read_field(profile, r, f),
                None => b.cloned(),
            };
            if base.is_none() && !d.empty_base {
                d.to_local.push((change(f, lv, rv), Why::FirstLink));
                continue;
            }
            // A first automatic link whose values differ in spelling only
            // ("ACME LTD" / "Acme Ltd"): the ledger's spelling is taken and
            // reported, not held as a conflict.
            if d.empty_base
                && let (Some(l), Some(r)) = (&lv, &rv)
                && same_after_normalising(l, r)
            {
                d.to_local.push((change(f, lv, rv), Why::Spelling));
                continue;
            }
            // With an empty base (a first automatic link under XPM / QBO) a
            // value on one side only flows to the other, and two different
            // values are a conflict for the policy.
            let local_changed = lv.as_ref() != b;
            let remote_changed = rv.as_ref() != b;
            let can_push = self.remote_writes && local.is_some_and(|l| f.is_pushed(profile, l));
            match (local_changed, remote_changed) {
                (false, _) => d.to_local.push((change(f, lv, rv), Why::Update)),
                (true, false) if can_push => {
                    d.to_remote.push((change(f, rv, lv), Why::Update));
                }
                (true, false) => d.not_sent.push(if self.remote_writes {
                    (f, "F1", "QBO receives only the primary address (F1)")
                } else {
                    (f, "F7", "manual sync imports only (F7)")
                }),
                (true, true) => {
                    let policy = self.config.policy_for(f);
                    let winner = self
                        .resolved
                        .get(&(rid.clone(), f))
                        .copied()
                        .or(match policy {
                            ConflictPolicy::RemoteWins => Some(Side::Remote),
                            ConflictPolicy::LocalWins => Some(Side::Local),
                            ConflictPolicy::NewestWins => {
                                local.zip(remote).and_then(|(l, r)| newest(l, r))
                            }
                            ConflictPolicy::HoldForReview => None,
                        })
                        .filter(|w| *w == Side::Remote || can_push);
                    d.conflicts.push(Conflict {
                        local_id: link.local_id.clone(),
                        remote_id: rid.clone(),
                        field: f,
                        base: b.cloned(),
                        local: lv.clone(),
                        remote: rv.clone(),
                        policy,
                        winner,
                    });
                    match winner {
                        Some(Side::Remote) => d.to_local.push((change(f, lv, rv), Why::Conflict)),
                        Some(Side::Local) => d.to_remote.push((change(f, rv, lv), Why::Conflict)),
                        None => {}
                    }
                }
            }
        }
        // F3: a record without a name never empties its partner's name,
        // whichever side it is on and whatever the policy (a name may still
        // flow to the nameless side). The pair keeps its names and base
        // for the field, and the plan reports it.
        // On a first link the kept name becomes the pair's base, so that
        // planning again finds the same (F5) rather than sending it over.
        let empties_name = |c: &FieldChange| c.field == SyncField::Name && c.new.is_none();
        let keep_in_base = |d: &mut PairDiff, kept: Option<&Contact>| {
            if base.is_none()
                && let Some(v) = kept.and_then(|k| read_field(profile, k, SyncField::Name))
            {
                d.agreed.push((SyncField::Name, Some(v)));
            }
        };
        if d.to_local.iter().any(|(c, _)| empties_name(c)) {
            d.to_local.retain(|(c, _)| !empties_name(c));
            d.nameless = remote.is_some().then_some(Side::Remote);
            keep_in_base(&mut d, local);
        }
        if d.to_remote.iter().any(|(c, _)| empties_name(c)) {
            d.to_remote.retain(|(c, _)| !empties_name(c));
            d.nameless = local.is_some().then_some(Side::Local);
            keep_in_base(&mut d, remote);
        }
        // A local contact with addresses but none marked as billing reads
        // as having no billing email: that never clears the ledger's email
        // (an adapter that does not mark the billing address would
        // otherwise erase the ledger's on every link).
        if local.is_some_and(|l| l.emails.iter().any(|e| !e.address.trim().is_empty()))
            && d.to_remote
                .iter()
                .any(|(c, _)| c.field == SyncField::Email && c.new.is_none())
        {
            d.to_remote
                .retain(|(c, _)| !(c.field == SyncField::Email && c.new.is_none()));
            d.not_sent.push((
                SyncField::Email,
                "H3",
                "the local contact has email addresses but none is marked as the billing one",
            ));
        }
        if !d.to_local.is_empty() {
            let changes = std::mem::take(&mut d.to_local);
            d.local_op = Some(build_update(
                profile,
                Side::Local,
                &link.local_id,
                rid,
                changes,
                local.and_then(|l| l.extras.version.clone()),
            ));
        }
        // A new pair whose sides already agree still needs its base.
        (touched
            || base.is_none()
            || remote.is_some_and(|r| r.extras.version != link.remote_version))
        .then_some(d)
    }
}

/// An update operation and the overwrites it reports.
pub(super) fn build_update(
    profile: Profile,
    side: Side,
    target: &ContactId,
    partner: &ContactId,
    mut changes: Vec<(FieldChange, Why)>,
    expected_version: Option<VersionToken>,
) -> (Operation, Vec<Overwrite>) {
    changes.sort_by_key(|(c, _)| c.field);
    let why = changes.iter().map(|(_, w)| *w).max().unwrap_or(Why::Update);
    let id = super::creates::op_id(
        match side {
            Side::Local => "update-local:",
            Side::Remote => "update-remote:",
        },
        target.as_str(),
    );
    let overwrites = changes
        .iter()
        .map(|(c, w)| Overwrite {
            op_id: id.clone(),
            side,
            record_id: target.clone(),
            change: c.clone(),
            rule: Cow::Borrowed(w.rule()),
        })
        .collect();
    // The fields, joined by ", ", inside the sentence of the rule: built by
    // appending (as many updates as pairs on a first connection).
    let (before, after) = match why {
        Why::FirstLink => (
            "first sync of the pair: the ledger's values replace the local ones (",
            ")",
        ),
        Why::Conflict => ("", " changed on both sides; settled by the conflict policy"),
        Why::Update => ("", " changed on the other side"),
        Why::Spelling => (
            "first link: the ledger's spelling of the same ",
            " is taken",
        ),
    };
    let mut reason = String::with_capacity(before.len() + after.len() + 16 * changes.len());
    reason.push_str(before);
    for (i, (c, _)) in changes.iter().enumerate() {
        if i > 0 {
            reason.push_str(", ");
        }
        reason.push_str(c.field.as_str());
    }
    reason.push_str(after);
    let op = Operation {
        id,
        side,
        action: Action::Update {
            target_id: target.clone(),
            partner_id: partner.clone(),
            patch: FieldPatch {
                profile,
                changes: changes.into_iter().map(|(c, _)| c).collect(),
            },
            expected_version,
        },
        depends_on: Vec::new(),
        rule: why.rule().to_owned(),
        reason,
    };
    (op, overwrites)
}

const fn change(field: SyncField, old: Option<FieldValue>, new: Option<FieldValue>) -> FieldChange {
    FieldChange { field, old, new }
}

fn newest(local: &Contact, remote: &Contact) -> Option<Side> {
    match (local.extras.updated_at, remote.extras.updated_at) {
        (Some(l), Some(r)) if l > r => Some(Side::Local),
        (Some(l), Some(r)) if r > l => Some(Side::Remote),
        _ => None,
    }
}
