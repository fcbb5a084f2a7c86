//! Sending a billing plan through the invoice and payment stores.

use chrono::{DateTime, Utc};

use crate::billing::{self, Action, InvoiceRef, LedgerFacts};
use crate::model::{ContactId, Payment};
use crate::ops::{Execution, OpResult, Side};
use crate::ports::{AdapterError, InvoiceStore, PaymentStore};
use crate::sync::{ContactRef, SyncState};

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
/// The first [`AdapterError`] of a store; [`AdapterError::Paging`] when the
/// payment listing does not end (more than
/// [`DEFAULT_PAGE_LIMIT`](crate::ops::DEFAULT_PAGE_LIMIT) pages, or a page
/// token answered twice — which used to end the listing silently).
pub async fn read_ledger(
    stores: BillingStores<'_>,
) -> Result<(LedgerFacts, Vec<Payment>), AdapterError> {
    let facts = stores.invoices.ledger_facts().await?;
    let mut payments = Vec::new();
    let ledger_payments = stores.ledger_payments;
    super::each_page(
        crate::ops::DEFAULT_PAGE_LIMIT,
        |page| async move { ledger_payments.list_payments(page.as_deref()).await },
        |got| {
            payments.extend(got.payments);
            got.next_page
        },
    )
    .await?;
    Ok((facts, payments))
}

/// What sending a plan came to: the results to feed back, or the time the
/// ledger asked to wait for. Waiting is an answer, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Sent<R> {
    /// The plan was sent: one result per operation, in plan order, for the
    /// domain's `apply_results`.
    Results(Vec<OpResult<R>>),
    /// The plan was not sent: it is before the plan's `not_before` (the
    /// ledger asked to wait, U4). No store was called; send the plan
    /// unchanged from this time on.
    NotBefore(DateTime<Utc>),
}

impl<R> Sent<R> {
    /// The results, or `None` when nothing was sent.
    #[must_use]
    pub fn results(self) -> Option<Vec<OpResult<R>>> {
        match self {
            Self::Results(results) => Some(results),
            Self::NotBefore(_) => None,
        }
    }

    /// When the plan may be sent, if nothing was sent for now.
    #[must_use]
    pub const fn not_before(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Results(_) => None,
            Self::NotBefore(at) => Some(*at),
        }
    }
}

/// Sends a billing plan's operations in order, through the executor every
/// domain shares ([`Execution`]), and answers with one result per
/// operation for [`billing::apply_results`](crate::billing::apply_results).
///
/// - Before the plan's [`not_before`](billing::Plan::not_before) (the
///   ledger asked to wait, U4) nothing is sent: the answer is
///   [`Sent::NotBefore`].
/// - A customer created by the contact run is found through `contacts`
///   (the contact state after its results were applied); an invoice
///   created earlier in this run through the id the store gave it.
/// - An operation whose dependency (`depends_on`) failed or was skipped
///   is skipped, and so are its own dependents; so is an operation whose
///   customer or invoice is still unknown.
/// - A rate limit or an authentication failure stops the run: the
///   operations not sent yet are skipped (U4, E3).
pub async fn send_billing(
    plan: &billing::Plan,
    contacts: &SyncState,
    stores: BillingStores<'_>,
    now: DateTime<Utc>,
) -> Sent<String> {
    if let Some(not_before) = plan.not_before
        && now < not_before
    {
        return Sent::NotBefore(not_before);
    }
    let mut run: Execution<'_, Action, String> = Execution::new(&plan.operations);
    while let Some(op) = run.next_op() {
        match resolve(op, contacts, &run) {
            Err(reason) => run.skip(op, reason),
            Ok((customer, invoices)) => {
                let answer = send(op, &customer, &invoices, stores).await;
                run.record(op, answer);
            }
        }
    }
    Sent::Results(run.finish())
}

/// The customer and invoice ids an operation's references stand for.
fn resolve(
    op: &billing::Operation,
    contacts: &SyncState,
    run: &Execution<'_, Action, String>,
) -> Result<(ContactId, Vec<String>), String> {
    let (customer, contact_id, refs): (&ContactRef, &ContactId, Vec<&InvoiceRef>) = match &op.action
    {
        Action::CreateInvoice { invoice, .. } => {
            (&invoice.customer, &invoice.contact_id, Vec::new())
        }
        Action::CreatePayment { payment, .. } => (
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
            InvoiceRef::CreatedBy(dep) => run
                .created(dep)
                .cloned()
                .ok_or_else(|| format!("{dep} did not go through"))?,
        });
    }
    Ok((customer, invoices))
}

/// Carries one operation out through its store.
async fn send(
    op: &billing::Operation,
    customer: &ContactId,
    invoices: &[String],
    stores: BillingStores<'_>,
) -> Result<String, AdapterError> {
    match &op.action {
        Action::CreateInvoice {
            invoice,
            idempotency_key,
        } => {
            stores
                .invoices
                .create_invoice(invoice, customer, idempotency_key)
                .await
        }
        Action::CreatePayment {
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

#[cfg(all(test, feature = "testing"))]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::billing::{InvoiceDraft, PaymentDraft};
    use crate::ops::PagingError;
    use crate::ports::PaymentsPage;
    use crate::testing::block_on;

    /// A ledger whose payment listing answers the same next page forever.
    struct Stuck;

    #[async_trait]
    impl InvoiceStore for Stuck {
        async fn ledger_facts(&self) -> Result<LedgerFacts, AdapterError> {
            Ok(LedgerFacts::default())
        }
        async fn create_invoice(
            &self,
            _: &InvoiceDraft,
            _: &ContactId,
            _: &str,
        ) -> Result<String, AdapterError> {
            Err(AdapterError::Unsupported {
                what: "create".into(),
            })
        }
    }

    #[async_trait]
    impl PaymentStore for Stuck {
        async fn list_payments(&self, _: Option<&str>) -> Result<PaymentsPage, AdapterError> {
            Ok(PaymentsPage {
                payments: Vec::new(),
                next_page: Some("p2".into()),
            })
        }
        async fn create_payment(
            &self,
            _: &PaymentDraft,
            _: &ContactId,
            _: &[String],
            _: &str,
        ) -> Result<String, AdapterError> {
            Err(AdapterError::Unsupported {
                what: "create".into(),
            })
        }
    }

    #[test]
    fn y2_a_payment_listing_that_repeats_its_page_token_is_an_error_not_the_end() {
        let stores = BillingStores {
            invoices: &Stuck,
            ledger_payments: &Stuck,
            local_payments: &Stuck,
        };
        // Before, a repeated token ended the listing quietly: every payment
        // after that page was lost without a word.
        assert_eq!(
            block_on(read_ledger(stores)).map(|(_, p)| p.len()),
            Err(AdapterError::Paging {
                stopped: PagingError::RepeatedToken {
                    token: "p2".into(),
                    page: 2
                }
            })
        );
    }
}
