//! The error queue as the planner uses it (E1, E2): failures found are
//! reported and queued, records waiting for "retry all" are left alone
//! (and said so), records in flight are checked again on every run.

use super::Run;
use crate::billing::plan::Skip;
use crate::billing::queue::{Failure, RecordRef};
use crate::billing::state::BillingState;

impl Run<'_> {
    /// Reports `record` as left alone, under `rule`.
    pub(super) fn skip(&mut self, record: RecordRef, rule: &str, reason: String) {
        self.plan.skipped.push(Skip {
            record,
            rule: rule.into(),
            reason,
        });
    }

    /// Reports `failures` in the plan and puts them in the error queue
    /// (E1, E2).
    pub(super) fn fail(&mut self, next: &mut BillingState, failures: Vec<Failure>) {
        for f in failures {
            next.queue.push(f.clone());
            self.plan.failures.push(f);
        }
    }

    /// Whether `record` waits in the error queue for "retry all" (E2). A
    /// record "retry all" named does not: it is checked again now, so its
    /// failures leave the queue (its check puts back those that remain).
    pub(super) fn waiting(&self, next: &mut BillingState, record: &RecordRef) -> bool {
        if !next.queue.has_failures(record) {
            return false;
        }
        if self.retry.contains(record) {
            next.queue.resolve(record);
            return false;
        }
        true
    }

    /// A record in flight is checked again on every run, with or without
    /// "retry all": its earlier failures leave the queue, and its check
    /// puts back those that remain.
    pub(super) fn rechecked(next: &mut BillingState, record: &RecordRef) {
        next.queue.resolve(record);
    }

    /// Whether `record` waits in the error queue for "retry all" (E2), as
    /// [`waiting`](Self::waiting) says; if it does, it is reported as
    /// skipped, with the way out.
    pub(super) fn held_in_queue(&mut self, next: &mut BillingState, record: &RecordRef) -> bool {
        if !self.waiting(next, record) {
            return false;
        }
        self.skip(
            record.clone(),
            "E2",
            "in the error queue: fix it, then retry all".into(),
        );
        true
    }
}
