//! The plan being drafted, and its assembly: operations in dependency
//! order, overwrites in operation order, creates recorded in flight (U1).

use std::borrow::Cow;

use crate::model::ContactId;
use crate::sync::operation::Operation;
use crate::sync::plan::{Needed, Notice, NoticeKind, Plan, Report, ReviewItem};
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
}

impl Draft {
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
    out.ops = order_ops(ops);
    // Overwrites in operation order (each operation's are made together,
    // in field order): integer keys, no string comparisons.
    if !out.report.overwritten.is_empty() {
        let position: FastMap<&str, usize> = out
            .ops
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.as_str(), i))
            .collect();
        out.report.overwritten.sort_by_cached_key(|o| {
            (
                position
                    .get(o.op_id.as_str())
                    .copied()
                    .unwrap_or(usize::MAX),
                o.change.field,
            )
        });
    }
    for op in out.ops.iter().filter(|o| o.is_create()) {
        next.in_flight.insert(op.id.clone(), op.clone());
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
pub(super) fn order_ops(mut ops: Vec<Operation>) -> Vec<Operation> {
    // Operation ids are unique in a plan: no two compare equal, so an
    // unstable sort gives the one order.
    ops.sort_unstable_by(|a, b| {
        // Updates go first: a rename can free a name a create needs (U2).
        let stage = |o: &Operation| match (o.is_create(), o.depends_on.is_empty()) {
            (false, _) => 0u8,
            (true, true) => 1,
            (true, false) => 2,
        };
        (stage(a), &a.id).cmp(&(stage(b), &b.id))
    });
    ops
}
