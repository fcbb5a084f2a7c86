//! The plan being drafted, and its assembly: operations in dependency
//! order, overwrites in operation order, creates recorded in flight (U1).

use std::borrow::Cow;

use crate::model::ContactId;
use crate::sync::operation::Operation;
use crate::sync::plan::{Needed, Notice, NoticeKind, Overwrite, Plan, Report, ReviewItem};
use crate::sync::state::SyncState;

use super::listings::Run;
use super::{FastMap, FastSet};

/// What the phases write besides the next state: operations, review items
/// and the report. Sorted once, at the end.
#[derive(Default)]
pub(super) struct Draft {
    pub(super) ops: Vec<Operation>,
    pub(super) review: Vec<ReviewItem>,
    pub(super) report: Report,
    /// Ledger ids whose local contact this plan creates (operation
    /// `create-local:<id>`), to find them without a walk of `ops`.
    pub(super) created_local: FastSet<ContactId>,
    /// Where each update's overwrites are in `report.overwritten`: (its
    /// index in `ops`, first overwrite, how many), in order. The plan
    /// puts them in operation order by moving these runs, without a
    /// search or a sort.
    overwrites_of: Vec<(usize, usize, usize)>,
}

impl Draft {
    /// Plans an update and the overwrites it reports (made together, in
    /// field order).
    pub(super) fn push_update(&mut self, op: Operation, overwrites: Vec<Overwrite>) {
        let start = self.report.overwritten.len();
        self.overwrites_of
            .push((self.ops.len(), start, overwrites.len()));
        self.report.overwritten.extend(overwrites);
        self.ops.push(op);
    }

    pub(super) fn notice(
        &mut self,
        kind: NoticeKind,
        rule: &'static str,
        local_id: Option<&ContactId>,
        remote_id: Option<&ContactId>,
        message: impl Into<Cow<'static, str>>,
    ) {
        self.report.notices.push(Notice {
            kind,
            rule: Cow::Borrowed(rule),
            local_id: local_id.cloned(),
            remote_id: remote_id.cloned(),
            message: message.into(),
        });
    }
}

/// The plan of a run that went through every phase: the state records the
/// run, the cursors and the creates in flight.
pub(super) fn finish(run: &Run<'_>, mut next: SyncState, mut out: Draft) -> Plan {
    next.initial_sync_done = true;
    next.last_run = Some(run.now);
    if let Some(c) = run.remote.cursor {
        next.remote_cursor = Some(c.to_owned());
    }
    if let Some(c) = run.local.cursor {
        next.local_cursor = Some(c.to_owned());
    }
    if let Some(t) = next.retry_at {
        if t <= run.now {
            next.retry_at = None;
        } else {
            out.notice(
                NoticeKind::RetryLater,
                "U4",
                None,
                None,
                format!("the ledger asked to wait: send nothing before {t}"),
            );
        }
    }
    let ops = std::mem::take(&mut out.ops);
    let (ops, rank) = order_ops_ranked(ops);
    out.ops = ops;
    let overwritten = std::mem::take(&mut out.report.overwritten);
    let runs = std::mem::take(&mut out.overwrites_of);
    out.report.overwritten = in_op_order(overwritten, &runs, &rank, &out.ops);
    let creates = out.ops.iter().filter(|o| o.is_create());
    if next.in_flight.is_empty() {
        // One build (the map sorts the entries) rather than an insert each.
        next.in_flight = creates.map(|op| (op.id.clone(), op.clone())).collect();
    } else {
        for op in creates {
            next.in_flight.insert(op.id.clone(), op.clone());
        }
    }
    out.report.counts.open_issues = next.issues.len();
    unchanged(run, next, out)
}

/// The plan as drafted, sorted, with the state as it stands: how
/// [`finish`] ends, and the whole of a run that plans nothing new (a
/// disconnected connection, creates re-issued).
pub(super) fn unchanged(run: &Run<'_>, mut next: SyncState, out: Draft) -> Plan {
    if next.retry_at.is_some_and(|t| t <= run.now) {
        next.retry_at = None;
    }
    let mut plan = Plan {
        run: next.run,
        planned_at: run.now,
        profile: run.profile,
        operations: out.ops,
        review: out.review,
        report: out.report,
        not_before: next.retry_at,
        needs: None,
        next_state: next,
    };
    plan.sort();
    plan
}

/// The plan of a run that cannot go on without more input: nothing to do,
/// the state as given.
pub(super) fn needs(run: &Run<'_>, given: SyncState, needed: Needed) -> Plan {
    Plan {
        run: given.run,
        planned_at: run.now,
        profile: run.profile,
        operations: Vec::new(),
        review: Vec::new(),
        report: Report::default(),
        not_before: None,
        needs: Some(needed),
        next_state: given,
    }
}

/// Updates, then creates without dependencies, then dependent creates; by
/// id within each group.
pub(super) fn order_ops(ops: Vec<Operation>) -> Vec<Operation> {
    order_ops_ranked(ops).0
}

/// [`order_ops`], and the new position of each operation (by its old one).
fn order_ops_ranked(ops: Vec<Operation>) -> (Vec<Operation>, Vec<usize>) {
    // Updates go first: a rename can free a name a create needs (U2).
    let stage = |o: &Operation| match (o.is_create(), o.depends_on.is_empty()) {
        (false, _) => 0u8,
        (true, true) => 1,
        (true, false) => 2,
    };
    // Operation ids are unique in a plan: no two keys compare equal, so an
    // unstable sort gives the one order. Small keys are sorted, and the
    // operations moved once.
    let mut keys: Vec<(u8, &str, usize)> = ops
        .iter()
        .enumerate()
        .map(|(i, o)| (stage(o), o.id.as_str(), i))
        .collect();
    keys.sort_unstable();
    let order: Vec<usize> = keys.into_iter().map(|(_, _, i)| i).collect();
    let mut rank = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        if let Some(r) = rank.get_mut(old) {
            *r = new;
        }
    }
    let mut slots: Vec<Option<Operation>> = ops.into_iter().map(Some).collect();
    let ops = order
        .iter()
        .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
        .collect();
    (ops, rank)
}

/// The overwrites in operation order (each operation's in field order, as
/// made): the runs recorded by [`Draft::push_update`] moved to their
/// operations' new positions. When the runs do not account for every
/// overwrite (an update planned without [`Draft::push_update`]), all are
/// put in order through a search of their operation ids instead.
fn in_op_order(
    overwritten: Vec<Overwrite>,
    runs: &[(usize, usize, usize)],
    rank: &[usize],
    ops: &[Operation],
) -> Vec<Overwrite> {
    let covered: usize = runs.iter().map(|r| r.2).sum();
    if covered != overwritten.len() {
        return sorted_by_op(overwritten, ops);
    }
    // Each operation has one run at most: placed by its new position.
    let mut by_rank: Vec<Option<(usize, usize)>> = vec![None; ops.len()];
    for &(op, start, len) in runs {
        match rank.get(op).and_then(|&r| by_rank.get_mut(r)) {
            Some(slot @ None) => *slot = Some((start, len)),
            _ => return sorted_by_op(overwritten, ops),
        }
    }
    let mut slots: Vec<Option<Overwrite>> = overwritten.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    for (start, len) in by_rank.into_iter().flatten() {
        for slot in slots
            .get_mut(start..start.saturating_add(len))
            .unwrap_or_default()
        {
            out.extend(slot.take());
        }
    }
    out
}

/// Overwrites put in operation order through a search of each one's
/// operation id, then by field.
fn sorted_by_op(mut overwritten: Vec<Overwrite>, ops: &[Operation]) -> Vec<Overwrite> {
    let position: FastMap<&str, usize> = ops
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.as_str(), i))
        .collect();
    overwritten.sort_by_cached_key(|o| {
        (
            position
                .get(o.op_id.as_str())
                .copied()
                .unwrap_or(usize::MAX),
            o.change.field,
        )
    });
    overwritten
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Side;
    use crate::rules::Profile;
    use crate::sync::fields::{FieldChange, FieldPatch, FieldValue, SyncField};
    use crate::sync::operation::Action;
    use crate::sync::plan::OpId;

    fn update(target: &str, fields: &[SyncField]) -> (Operation, Vec<Overwrite>) {
        let id = OpId(format!("update-local:{target}"));
        let changes: Vec<FieldChange> = fields
            .iter()
            .map(|&field| FieldChange {
                field,
                old: None,
                new: Some(FieldValue::Text(format!("{target}/{}", field.as_str()))),
            })
            .collect();
        let overwrites = changes
            .iter()
            .map(|c| Overwrite {
                op_id: id.clone(),
                side: Side::Local,
                record_id: ContactId::new(target),
                change: c.clone(),
                rule: Cow::Borrowed("F3"),
            })
            .collect();
        let op = Operation {
            id,
            side: Side::Local,
            action: Action::Update {
                target_id: ContactId::new(target),
                partner_id: ContactId::new("R"),
                patch: FieldPatch {
                    profile: Profile::Xpm,
                    changes,
                },
                expected_version: None,
            },
            depends_on: Vec::new(),
            rule: "F3".into(),
            reason: String::new(),
        };
        (op, overwrites)
    }

    #[test]
    fn overwrites_follow_their_operations_as_a_search_would_put_them() {
        let mut out = Draft::default();
        for (t, f) in [
            ("L9", &[SyncField::Email][..]),
            ("L1", &[SyncField::Name, SyncField::Email][..]),
            ("L5", &[][..]),
            ("L3", &[SyncField::PrimaryPhone][..]),
        ] {
            let (op, ow) = update(t, f);
            out.push_update(op, ow);
        }
        let want = sorted_by_op(out.report.overwritten.clone(), &order_ops(out.ops.clone()));
        let (ops, rank) = order_ops_ranked(out.ops);
        let got = in_op_order(out.report.overwritten, &out.overwrites_of, &rank, &ops);
        let ids: Vec<&str> = got.iter().map(|o| o.record_id.as_str()).collect();
        assert_eq!(ids, ["L1", "L1", "L3", "L9"]);
        assert_eq!(got, want);
        // Runs that do not account for every overwrite: the search.
        let got = in_op_order(want.clone(), &[(0, 0, 1)], &rank, &ops);
        assert_eq!(got, want);
    }
}
