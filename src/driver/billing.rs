//! Sending a billing plan through the invoice and payment stores.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::billing::{
    BillingAction, BillingOperation, BillingOutcome, BillingPlan, BillingResult, InvoiceRef,
    LedgerFacts,
};
use crate::error::Side;
use crate::model::{ContactId, Payment};
use crate::ports::{AdapterError, InvoiceStore, PaymentStore};
use crate::sync::{ContactRef, OpId, SyncState};

/// The stores a billing run talks to.
#[derive(Clone, Copy)]
pub struct BillingStores<'a> {
    /// The ledger's invoices.
    pub invoices: &'a dyn InvoiceStore,
    /// The ledger's payments (Y1 writes, Y2 reads).
    pub ledger_payments: &'a dyn PaymentStore,
    /// The firm's payments (Y2 writes).
    pub local_payments: &'a dyn PaymentStore,
}

impl std::fmt::Debug for BillingStores<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BillingStores").finish_non_exhaustive()
    }
}

/// Reads what a billing plan needs from the ledger: its facts (document
/// numbers, customer currencies, closing date) and every payment, page by
/// page.
///
/// # Errors
/// The first [`AdapterError`] of a store.
pub async fn read_ledger(
    stores: BillingStores<'_>,
) -> Result<(LedgerFacts, Vec<Payment>), AdapterError> {
    let facts = stores.invoices.ledger_facts().await?;
    let mut payments = Vec::new();
    let mut page: Option<String> = None;
    loop {
        let got = stores
            .ledger_payments
            .list_payments(page.as_deref())
            .await?;
        payments.extend(got.payments);
        match got.next_page {
            Some(next) if Some(&next) != page.as_ref() => page = Some(next),
            _ => break,
        }
    }
    Ok((facts, payments))
}

/// A billing plan was to be sent before the time the ledger asked to wait
/// for (the plan's [`not_before`](BillingPlan::not_before), U4): nothing
/// was sent, and the plan may be sent unchanged from that time on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the ledger asked to wait: nothing is sent before {not_before}")]
pub struct SendTooSoon {
    /// When the plan may be sent.
    pub not_before: DateTime<Utc>,
}

/// Sends a billing plan's operations in order and returns one result per
/// operation, for [`apply_billing`](crate::billing::apply_billing).
///
/// - Before the plan's [`not_before`](BillingPlan::not_before) (the ledger
///   asked to wait, U4) nothing is sent: see Errors.
/// - A customer created by the contact run is found through `contacts`
///   (the contact state after its results were applied).
/// - An operation whose dependency did not go through is skipped.
/// - A rate limit or an authentication failure stops the run: the
///   operations not sent yet are skipped (U4, E3).
///
/// # Errors
/// [`SendTooSoon`] when `now` is before the plan's `not_before`; no store
/// was called, and there are no results to feed back.
pub async fn send_billing(
    plan: &BillingPlan,
    contacts: &SyncState,
    stores: BillingStores<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<BillingResult>, SendTooSoon> {
    if let Some(not_before) = plan.not_before
        && now < not_before
    {
        return Err(SendTooSoon { not_before });
    }
    let mut results = Vec::with_capacity(plan.operations.len());
    let mut created: BTreeMap<&OpId, String> = BTreeMap::new();
    let mut stopped: Option<String> = None;
    for op in &plan.operations {
        let outcome = if let Some(why) = &stopped {
            BillingOutcome::Skipped {
                reason: why.clone(),
            }
        } else {
            match resolve(op, contacts, &created) {
                Err(reason) => BillingOutcome::Skipped { reason },
                Ok((customer, invoices)) => match send(op, &customer, &invoices, stores).await {
                    Ok(id) => {
                        created.insert(&op.id, id.clone());
                        BillingOutcome::Applied { id }
                    }
                    Err(error) => {
                        if matches!(
                            error,
                            AdapterError::RateLimited { .. } | AdapterError::Authentication { .. }
                        ) {
                            stopped = Some(format!("not sent: an earlier call failed ({error})"));
                        }
                        BillingOutcome::Failed { error }
                    }
                },
            }
        };
        results.push(BillingResult {
            op_id: op.id.clone(),
            outcome,
        });
    }
    Ok(results)
}

/// The customer and invoice ids an operation's references stand for.
fn resolve(
    op: &BillingOperation,
    contacts: &SyncState,
    created: &BTreeMap<&OpId, String>,
) -> Result<(ContactId, Vec<String>), String> {
    let (customer, contact_id, refs): (&ContactRef, &ContactId, Vec<&InvoiceRef>) = match &op.action
    {
        BillingAction::CreateInvoice { invoice, .. } => {
            (&invoice.customer, &invoice.contact_id, Vec::new())
        }
        BillingAction::CreatePayment { payment, .. } => (
            &payment.customer,
            &payment.contact_id,
            payment.allocations.iter().map(|a| &a.invoice).collect(),
        ),
    };
    let customer = match customer {
        ContactRef::Id(id) => id.clone(),
        ContactRef::CreatedBy(dep) => contacts
            .link_of_local(contact_id.as_str())
            .filter(|l| l.is_linked())
            .map(|l| l.remote_id.clone())
            .ok_or_else(|| format!("its customer was not created ({dep} did not go through)"))?,
    };
    let mut invoices = Vec::with_capacity(refs.len());
    for r in refs {
        invoices.push(match r {
            InvoiceRef::Id(id) => id.clone(),
            InvoiceRef::CreatedBy(dep) => created
                .get(dep)
                .cloned()
                .ok_or_else(|| format!("{dep} did not go through"))?,
        });
    }
    Ok((customer, invoices))
}

async fn send(
    op: &BillingOperation,
    customer: &ContactId,
    invoices: &[String],
    stores: BillingStores<'_>,
) -> Result<String, AdapterError> {
    match &op.action {
        BillingAction::CreateInvoice {
            invoice,
            idempotency_key,
        } => {
            stores
                .invoices
                .create_invoice(invoice, customer, idempotency_key)
                .await
        }
        BillingAction::CreatePayment {
            payment,
            idempotency_key,
        } => {
            let store = match op.side {
                Side::Remote => stores.ledger_payments,
                Side::Local => stores.local_payments,
            };
            store
                .create_payment(payment, customer, invoices, idempotency_key)
                .await
        }
    }
}
