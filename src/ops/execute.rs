//! The send loop every domain shares, as a sans-IO state machine.

use std::collections::{BTreeMap, BTreeSet};

use super::{AdapterError, OpId, OpResult, Operation, Outcome, Ref};

/// What a successful write gives back, seen as the id later operations
/// refer to.
pub trait RecordId {
    /// The id type records of this kind have.
    type Id: Clone;
    /// The id of the record written.
    fn record_id(&self) -> Self::Id;
}

impl RecordId for String {
    type Id = Self;
    fn record_id(&self) -> Self {
        self.clone()
    }
}

impl RecordId for crate::model::Contact {
    type Id = crate::model::ContactId;
    fn record_id(&self) -> Self::Id {
        self.id.clone()
    }
}

impl<T: RecordId> RecordId for Box<T> {
    type Id = T::Id;
    fn record_id(&self) -> T::Id {
        (**self).record_id()
    }
}

/// Sends a plan's operations in order, the same way for every domain.
///
/// Call [`next_op`](Self::next_op) for the next operation to send, carry it
/// out, and hand the answer to [`record`](Self::record); operations that
/// must not be sent are recorded as skipped on the way, with the reason:
///
/// - an operation whose dependency failed or was skipped is skipped;
/// - after a rate limit (U4), a refused credential (E3) or an access token
///   that must be refreshed, nothing more is sent in this run: every later
///   operation is skipped.
///
/// [`finish`](Self::finish) gives one result per operation, in plan order,
/// ready for the domain's `apply_results`. No I/O happens here; the driver
/// runs this loop over the adapter traits, and a service that sends plans
/// itself can run it over its own clients.
///
/// ```
/// use ledgerlink::ops::{AdapterError, Execution, OpId, Operation, Side};
///
/// let op = |id: &str, deps: &[&str]| Operation {
///     id: OpId::from(id),
///     side: Side::Remote,
///     action: (),
///     depends_on: deps.iter().map(|d| OpId::from(*d)).collect(),
///     rule: "U1".into(),
///     reason: String::new(),
/// };
/// let ops = vec![op("a", &[]), op("b", &["a"]), op("c", &[])];
/// let mut run: Execution<'_, (), String> = Execution::new(&ops);
/// while let Some(op) = run.next_op() {
///     let answer = if op.id.as_str() == "a" {
///         Err(AdapterError::Validation { code: None, message: "refused".into() })
///     } else {
///         Ok(format!("id-{}", op.id))
///     };
///     run.record(op, answer);
/// }
/// let results = run.finish();
/// assert!(!results[0].outcome.is_applied()); // a failed
/// assert!(!results[1].outcome.is_applied()); // b skipped: it needed a
/// assert!(results[2].outcome.is_applied()); // c went through
/// ```
#[derive(Debug)]
pub struct Execution<'p, A, R: RecordId> {
    ops: &'p [Operation<A>],
    next: usize,
    results: Vec<OpResult<R>>,
    created: BTreeMap<&'p OpId, R::Id>,
    not_done: BTreeSet<&'p OpId>,
    stopped: Option<String>,
}

impl<'p, A, R: RecordId> Execution<'p, A, R> {
    /// Starts sending `ops` (a plan's operations, in plan order).
    #[must_use]
    pub fn new(ops: &'p [Operation<A>]) -> Self {
        Self {
            ops,
            next: 0,
            results: Vec::with_capacity(ops.len()),
            created: BTreeMap::new(),
            not_done: BTreeSet::new(),
            stopped: None,
        }
    }

    /// The next operation to send, or `None` when every operation has a
    /// result. Operations that must not be sent are recorded as skipped
    /// before this returns.
    pub fn next_op(&mut self) -> Option<&'p Operation<A>> {
        // Each turn either returns or records a result for one operation,
        // so the loop ends after at most `ops.len()` turns.
        // An operation handed out but not recorded yet is handed out again:
        // `next` moves only when a result is recorded.
        while let Some(op) = self.ops.get(self.next) {
            if let Some(why) = &self.stopped {
                let why = why.clone();
                self.skip(op, why);
                continue;
            }
            if let Some(dep) = op.depends_on.iter().find(|d| self.not_done.contains(d)) {
                let why = format!("`{dep}` did not complete");
                self.skip(op, why);
                continue;
            }
            return Some(op);
        }
        None
    }

    /// Records the answer for `op`, the operation
    /// [`next_op`](Self::next_op) returned last. An answer for any other
    /// operation is ignored (the current one stays pending and is handed
    /// out again), so that every operation gets exactly one result.
    pub fn record(&mut self, op: &'p Operation<A>, answer: Result<R, AdapterError>) {
        if !self.is_current(op) {
            return;
        }
        let outcome = match answer {
            Ok(record) => {
                self.created.insert(&op.id, record.record_id());
                Outcome::Applied { record }
            }
            Err(error) => {
                self.not_done.insert(&op.id);
                match &error {
                    AdapterError::RateLimited { .. } => {
                        self.stopped = Some("not sent: the store asked to wait (U4)".into());
                    }
                    AdapterError::AccessTokenExpired { .. } => {
                        self.stopped =
                            Some("not sent: the access token must be refreshed first".into());
                    }
                    AdapterError::Authentication { .. } => {
                        self.stopped = Some("not sent: the connection is disconnected (E3)".into());
                    }
                    _ => {}
                }
                Outcome::Failed { error }
            }
        };
        self.push(op, outcome);
    }

    /// Records `op` (the current operation, as for
    /// [`record`](Self::record)) as not sent, for a reason only the domain
    /// knows (a reference it cannot resolve, say); its dependents are
    /// skipped too.
    pub fn skip(&mut self, op: &'p Operation<A>, reason: impl Into<String>) {
        if !self.is_current(op) {
            return;
        }
        self.not_done.insert(&op.id);
        self.push(
            op,
            Outcome::Skipped {
                reason: reason.into(),
            },
        );
    }

    /// Whether `op` is the operation waiting for its result.
    fn is_current(&self, op: &Operation<A>) -> bool {
        self.ops.get(self.next).is_some_and(|cur| cur.id == op.id)
    }

    fn push(&mut self, op: &'p Operation<A>, outcome: Outcome<R>) {
        self.results.push(OpResult {
            op_id: op.id.clone(),
            outcome,
        });
        self.next = self.results.len();
    }

    /// The id of the record `op` created in this run, if it did.
    #[must_use]
    pub fn created(&self, op: &OpId) -> Option<&R::Id> {
        self.created.get(op)
    }

    /// The id `r` stands for now: the existing id, or the id of the record
    /// its operation created in this run (`None` if it did not).
    #[must_use]
    pub fn resolve(&self, r: &Ref<R::Id>) -> Option<R::Id> {
        match r {
            Ref::Id(id) => Some(id.clone()),
            Ref::CreatedBy(op) => self.created(op).cloned(),
        }
    }

    /// One result per operation, in plan order.
    #[must_use]
    pub fn finish(mut self) -> Vec<OpResult<R>> {
        while let Some(op) = self.next_op() {
            self.skip(op, "not sent: the run ended first");
        }
        self.results
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Side;

    fn op(id: &str, deps: &[&str]) -> Operation<()> {
        Operation {
            id: OpId::from(id),
            side: Side::Remote,
            action: (),
            depends_on: deps.iter().map(|d| OpId::from(*d)).collect(),
            rule: "U1".into(),
            reason: String::new(),
        }
    }

    fn run(
        ops: &[Operation<()>],
        mut answer: impl FnMut(&str) -> Result<String, AdapterError>,
    ) -> Vec<OpResult<String>> {
        let mut ex = Execution::new(ops);
        while let Some(op) = ex.next_op() {
            ex.record(op, answer(op.id.as_str()));
        }
        ex.finish()
    }

    fn kinds(results: &[OpResult<String>]) -> Vec<&'static str> {
        results
            .iter()
            .map(|r| match r.outcome {
                Outcome::Applied { .. } => "applied",
                Outcome::Failed { .. } => "failed",
                Outcome::Skipped { .. } => "skipped",
            })
            .collect()
    }

    #[test]
    fn u1_a_failed_dependency_skips_its_dependents_transitively() {
        let ops = [op("a", &[]), op("b", &["a"]), op("c", &["b"]), op("d", &[])];
        let r = run(&ops, |id| {
            if id == "a" {
                Err(AdapterError::Validation {
                    code: None,
                    message: "no".into(),
                })
            } else {
                Ok(id.into())
            }
        });
        assert_eq!(kinds(&r), ["failed", "skipped", "skipped", "applied"]);
        assert!(matches!(&r[2].outcome, Outcome::Skipped { reason } if reason.contains("`b`")));
    }

    #[test]
    fn u4_a_rate_limit_stops_every_later_send() {
        let ops = [op("a", &[]), op("b", &[]), op("c", &[])];
        let mut sent = Vec::new();
        let r = run(&ops, |id| {
            sent.push(id.to_owned());
            if id == "b" {
                Err(AdapterError::RateLimited {
                    retry_after_secs: 60,
                })
            } else {
                Ok(id.into())
            }
        });
        assert_eq!(kinds(&r), ["applied", "failed", "skipped"]);
        assert_eq!(sent, ["a", "b"]);
    }

    #[test]
    fn e3_refused_credentials_stop_every_later_send() {
        let ops = [op("a", &[]), op("b", &[])];
        let r = run(&ops, |_| {
            Err(AdapterError::Authentication {
                message: "revoked".into(),
            })
        });
        assert_eq!(kinds(&r), ["failed", "skipped"]);
    }

    #[test]
    fn created_ids_resolve_references_and_unrecorded_ops_are_skipped_at_finish() {
        let ops = [op("a", &[]), op("b", &["a"])];
        let mut ex: Execution<'_, (), String> = Execution::new(&ops);
        let a = ex.next_op().map(|o| o.id.clone());
        assert_eq!(a.as_ref().map(OpId::as_str), Some("a"));
        // Asking again before recording hands out the same operation.
        let first = ex.next_op();
        assert_eq!(first.map(|o| o.id.as_str()), Some("a"));
        if let Some(first) = first {
            ex.record(first, Ok("X9".into()));
        }
        assert_eq!(
            ex.resolve(&Ref::CreatedBy(OpId::from("a"))).as_deref(),
            Some("X9")
        );
        assert_eq!(ex.resolve(&Ref::CreatedBy(OpId::from("b"))), None);
        let r = ex.finish();
        assert_eq!(kinds(&r), ["applied", "skipped"]);
    }

    #[test]
    fn an_answer_for_another_operation_is_ignored_not_misfiled() {
        let ops = [op("a", &[]), op("b", &[])];
        let mut ex: Execution<'_, (), String> = Execution::new(&ops);
        let first = ex.next_op();
        assert_eq!(first.map(|o| o.id.as_str()), Some("a"));
        // Recording "b" while "a" is pending changes nothing.
        ex.record(&ops[1], Ok("B".into()));
        assert_eq!(ex.created(&OpId::from("b")), None);
        if let Some(a) = first {
            ex.record(a, Ok("A".into()));
            // A second answer for "a" is ignored too.
            ex.record(a, Ok("A2".into()));
        }
        let r = ex.finish();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].op_id.as_str(), "a");
        assert!(matches!(&r[0].outcome, Outcome::Applied { record } if record == "A"));
        assert_eq!(r[1].op_id.as_str(), "b");
        assert!(matches!(r[1].outcome, Outcome::Skipped { .. }));
    }
}
