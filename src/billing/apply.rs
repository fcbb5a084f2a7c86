//! Feeding the outcomes of a billing plan's operations back into the
//! state: new ids linked, balances followed, failures queued (E1–E3), a
//! rate limit turned into a time to wait for (U4).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::ops::{AdapterError, OpId, Side};
use crate::rules::{ErrorMeaning, Profile};

use super::plan::{Action, OpOutcome, OpResult, Operation, Plan};
use super::queue::{Failure, FailureCode};
use super::state::BillingState;

/// What feeding results back did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Applied {
    /// The operations that went through.
    pub applied: Vec<OpId>,
    /// The failures the results added to the queue (E1).
    pub failures: Vec<Failure>,
    /// Don't send before this time (U4).
    pub retry_at: Option<DateTime<Utc>>,
    /// The ledger refused the credentials (E3).
    pub disconnected: bool,
    /// The ledger refused the access token: refresh it, then plan and send
    /// again (the connection is not disconnected, nothing was queued).
    pub token_expired: bool,
}

/// Feeds the outcome of a billing plan's operations back into `state` (the
/// plan's `next_state`, as kept before sending).
///
/// - Applied: the invoice or payment is linked to its new id (an invoice's
///   draft, kept while in flight, is dropped), the ledger's balances
///   follow, and the record's failures leave the queue.
/// - Rate limited: nothing changes but the retry time (U4).
/// - Transient: the operation stays in flight and is planned again with
///   the same idempotency key (U1).
/// - Refused: the failure is queued with its code (E1, E2); an
///   authentication failure disconnects the connection (E3).
///
/// # Errors
/// [`Error::InvalidResult`](crate::Error::InvalidResult) for a result of an
/// operation that is not in the plan, or a second result for one
/// operation; the state is then unchanged.
pub fn apply_results(
    state: &mut BillingState,
    plan: &Plan,
    results: &[OpResult],
    now: DateTime<Utc>,
) -> crate::error::Result<Applied> {
    let ops: BTreeMap<&OpId, &Operation> = plan.operations.iter().map(|o| (&o.id, o)).collect();
    let mut seen = BTreeSet::new();
    for r in results {
        if !ops.contains_key(&r.op_id) {
            return Err(crate::error::Error::InvalidResult {
                op_id: r.op_id.to_string(),
                reason: "not an operation of this billing plan".into(),
            });
        }
        if !seen.insert(&r.op_id) {
            return Err(crate::error::Error::InvalidResult {
                op_id: r.op_id.to_string(),
                reason: "reported twice".into(),
            });
        }
    }
    let mut out = Applied::default();
    for r in results {
        let Some(op) = ops.get(&r.op_id) else {
            continue;
        };
        let record = op.record();
        match &r.outcome {
            OpOutcome::Applied { record: id } => {
                applied(state, op, id);
                state.queue.resolve(&record);
                out.applied.push(op.id.clone());
            }
            OpOutcome::Skipped { .. } => {}
            OpOutcome::Failed { error } => match error {
                AdapterError::RateLimited { retry_after_secs } => {
                    out.retry_at = out
                        .retry_at
                        .max(Some(crate::ops::retry_time(now, *retry_after_secs)));
                }
                AdapterError::Transient { .. } => {}
                AdapterError::AccessTokenExpired { .. } => {
                    // Nothing was written and the record is not at fault:
                    // it is planned again once the token is refreshed.
                    out.token_expired = true;
                    forget_in_flight(state, op);
                }
                _ => {
                    let failure = Failure {
                        code: failure_code(op, error),
                        record,
                        detail: Some(error.to_string()),
                        at: now,
                    };
                    if matches!(error, AdapterError::Authentication { .. }) {
                        out.disconnected = true;
                    } else {
                        forget_in_flight(state, op);
                    }
                    state.queue.push(failure.clone());
                    out.failures.push(failure);
                }
            },
        }
    }
    if out.retry_at.is_some() {
        state.retry_at = out.retry_at.max(state.retry_at);
    }
    Ok(out)
}

/// Links the record `op` created to its new `id`, and lets the balances
/// follow.
fn applied(state: &mut BillingState, op: &Operation, id: &str) {
    match &op.action {
        Action::CreateInvoice { invoice, .. } => {
            if let Some(sent) = state.invoices.get_mut(&invoice.invoice_id) {
                sent.ledger_id = Some(id.to_owned());
                sent.draft = None;
            }
        }
        Action::CreatePayment { payment, .. } => {
            match op.side {
                Side::Remote => {
                    state
                        .pushed
                        .insert(payment.source_id.clone(), Some(id.to_owned()));
                }
                Side::Local => {
                    state
                        .pulled
                        .insert(payment.source_id.clone(), Some(id.to_owned()));
                    state.held.remove(&payment.source_id);
                }
            }
            for a in &payment.allocations {
                if let Some(sent) = state.invoices.get_mut(&a.local_invoice_id)
                    && let Ok(after) = sent.due.checked_sub(&a.amount)
                {
                    sent.due = after;
                }
            }
        }
    }
}

/// A refused create is no longer in flight: the record is planned afresh
/// once "retry all" names it.
fn forget_in_flight(state: &mut BillingState, op: &Operation) {
    match &op.action {
        Action::CreateInvoice { invoice, .. } => {
            if state
                .invoices
                .get(&invoice.invoice_id)
                .is_some_and(|s| s.ledger_id.is_none())
            {
                state.invoices.remove(&invoice.invoice_id);
            }
        }
        Action::CreatePayment { payment, .. } => match op.side {
            Side::Remote => {
                state.pushed.remove(&payment.source_id);
            }
            Side::Local => {
                state.pulled.remove(&payment.source_id);
            }
        },
    }
}

/// The queue code of a refused operation (E1).
fn failure_code(op: &Operation, error: &AdapterError) -> FailureCode {
    let invoice = matches!(op.action, Action::CreateInvoice { .. });
    match error {
        AdapterError::Authentication { .. } => FailureCode::AuthenticationFailed,
        AdapterError::Validation { code: Some(c), .. }
            if Profile::Qbo.rules().error_meaning(c) == Some(ErrorMeaning::DuplicateDocNumber) =>
        {
            FailureCode::DuplicateDocumentNumber
        }
        _ if invoice => FailureCode::LedgerRejected,
        _ => FailureCode::ManualPaymentFailed,
    }
}
