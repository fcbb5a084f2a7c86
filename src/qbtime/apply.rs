//! Feeding the results of a QuickBooks Time plan back: the jobcodes
//! created become links for the next run.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::ops::{AdapterError, OpId};

use super::links::{JobcodeLinks, JobcodeSubject};
use super::model::JobcodeId;
use super::plan::{OpOutcome, OpResult, Plan};

/// A jobcode a planned create made, now linked to its client or work item.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CreatedJobcode {
    /// The operation.
    pub op_id: OpId,
    /// The client or work item.
    pub subject: JobcodeSubject,
    /// The new jobcode.
    pub jobcode_id: JobcodeId,
}

/// A create the store refused or that failed, kept for a person to look at
/// (a refused name, a missing parent) or for the next run (a timeout: the
/// next plan sends it again with the same idempotency key, U1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FailedCreate {
    /// The operation.
    pub op_id: OpId,
    /// The client or work item.
    pub subject: JobcodeSubject,
    /// What the store answered.
    pub error: AdapterError,
}

/// A create that was not sent, and why (its parent's create failed, the run
/// stopped after a rate limit or a refused credential, or no result was
/// reported). The next plan plans it again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SkippedCreate {
    /// The operation.
    pub op_id: OpId,
    /// The client or work item.
    pub subject: JobcodeSubject,
    /// Why it was not sent.
    pub reason: String,
}

/// What feeding a plan's results back did, operation by operation, each
/// list in plan order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Applied {
    /// The jobcodes created, now in the links.
    pub created: Vec<CreatedJobcode>,
    /// The creates that failed.
    pub failed: Vec<FailedCreate>,
    /// The creates that were not sent.
    pub skipped: Vec<SkippedCreate>,
}

impl Applied {
    /// Whether every operation made its jobcode.
    #[must_use]
    pub fn all_applied(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty()
    }
}

/// Folds the results of a plan's jobcode creates into `links` — normally a
/// copy of the plan's [`links`](Plan::links), which the caller keeps for
/// the next run.
///
/// - an applied create links its client or work item to the new jobcode
///   (replacing an older link);
/// - a failed create is listed with the store's answer and links nothing:
///   the next plan finds the jobcode by name if it was made after all (a
///   timeout), and re-sends the create with the same idempotency key
///   otherwise (U1);
/// - a skipped create, or one without a result, is listed as skipped.
///
/// The results may cover part of the plan (one batch of several): every
/// result is checked before `links` is changed, so on an error nothing is.
///
/// # Errors
/// [`Error::InvalidResult`] for a result naming an operation not in the
/// plan, two results for one operation, or an applied create whose jobcode
/// has no id (`0`).
///
/// # Example
///
/// ```
/// use ledgerlink::Contact;
/// use ledgerlink::qbtime::{self, Jobcode, OpResult, PlanInput, Work};
///
/// let clients = [Contact::organization("C1", "Acme Ltd")];
/// let work = [Work::new("W1", "C1", "Audit")];
/// let plan = qbtime::plan(&PlanInput::new(&clients, &work, &[]));
///
/// // The customer was made (jobcode 41); the job's answer was lost.
/// let customer = &plan.operations[0];
/// let results = [OpResult::applied(customer.id.clone(), Jobcode::customer(41, "Acme Ltd"))];
/// let mut links = plan.links.clone();
/// let applied = qbtime::apply_results(&mut links, &plan, &results)?;
/// assert_eq!(applied.created[0].jobcode_id.0, 41);
/// assert_eq!(applied.skipped.len(), 1);
/// assert_eq!(links.get(&customer.action.subject), Some(41.into()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn apply_results(
    links: &mut JobcodeLinks,
    plan: &Plan,
    results: &[OpResult],
) -> Result<Applied> {
    let mut by_op: BTreeMap<&OpId, &OpResult> = BTreeMap::new();
    for r in results {
        let invalid = |reason: &str| Error::InvalidResult {
            op_id: r.op_id.to_string(),
            reason: reason.to_owned(),
        };
        if plan.operation(r.op_id.as_str()).is_none() {
            return Err(invalid("no such operation in the plan"));
        }
        if by_op.insert(&r.op_id, r).is_some() {
            return Err(invalid("reported twice"));
        }
        if let OpOutcome::Applied { record } = &r.outcome
            && record.id.is_top_level()
        {
            return Err(invalid("the jobcode created has no id"));
        }
    }

    let mut out = Applied::default();
    for op in &plan.operations {
        let subject = op.action.subject.clone();
        let op_id = op.id.clone();
        match by_op.get(&op.id).map(|r| &r.outcome) {
            Some(OpOutcome::Applied { record }) => {
                links.insert(&subject, record.id);
                out.created.push(CreatedJobcode {
                    op_id,
                    subject,
                    jobcode_id: record.id,
                });
            }
            Some(OpOutcome::Failed { error }) => out.failed.push(FailedCreate {
                op_id,
                subject,
                error: error.clone(),
            }),
            Some(OpOutcome::Skipped { reason }) => out.skipped.push(SkippedCreate {
                op_id,
                subject,
                reason: reason.clone(),
            }),
            None => out.skipped.push(SkippedCreate {
                op_id,
                subject,
                reason: "no result reported".to_owned(),
            }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Contact;
    use crate::qbtime::{Jobcode, PlanInput, Work, plan};

    fn two_ops() -> Plan {
        let clients = [Contact::organization("C1", "Acme")];
        let work = [Work::new("W1", "C1", "Audit")];
        plan(&PlanInput::new(&clients, &work, &[]))
    }

    #[test]
    fn u1_results_are_checked_before_anything_is_linked() {
        let plan = two_ops();
        let customer = plan.operations[0].id.clone();
        let made = Jobcode::customer(7, "Acme");
        let mut links = JobcodeLinks::new();

        let unknown = [OpResult::applied(
            OpId::from("qbt-customer:C9"),
            made.clone(),
        )];
        let e = apply_results(&mut links, &plan, &unknown);
        assert!(
            matches!(e, Err(Error::InvalidResult { reason, .. }) if reason.contains("no such"))
        );

        let twice = [
            OpResult::applied(customer.clone(), made.clone()),
            OpResult::skipped(customer.clone(), "again"),
        ];
        let e = apply_results(&mut links, &plan, &twice);
        assert!(matches!(e, Err(Error::InvalidResult { reason, .. }) if reason.contains("twice")));

        let no_id = [OpResult::applied(
            customer.clone(),
            Jobcode::customer(0, "Acme"),
        )];
        assert!(apply_results(&mut links, &plan, &no_id).is_err());
        assert!(links.is_empty(), "nothing linked on an error");

        let ok = [OpResult::applied(customer, made)];
        let applied = apply_results(&mut links, &plan, &ok).unwrap_or_default();
        assert_eq!(applied.created.len(), 1);
        assert_eq!(applied.skipped[0].reason, "no result reported");
        assert!(!applied.all_applied());
        assert_eq!(links.len(), 1);
    }
}
