//! Adapter traits for invoices and payments (same style as
//! [`ContactStore`](super::ContactStore)).

use async_trait::async_trait;

use crate::billing::{InvoiceDraft, LedgerFacts, PaymentDraft};
use crate::model::{ContactId, Payment};

use super::AdapterError;

/// One page of a payment listing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PaymentsPage {
    /// The payments of this page. Ids, payers and invoice ids are the
    /// store's own.
    pub payments: Vec<Payment>,
    /// The token of the next page, `None` on the last page.
    pub next_page: Option<String>,
}

/// The ledger's invoices (QBO): what the planner must know before it
/// plans, and the create. There is no update: invoices flow one way (I2).
#[async_trait]
pub trait InvoiceStore: Send + Sync {
    /// The document numbers in use, each customer's currency and the
    /// closing date of the books (QBO: a query on `Invoice.DocNumber`, one
    /// on `Customer.CurrencyRef`, and the `BookCloseDate` preference).
    ///
    /// # Errors
    /// Any [`AdapterError`].
    async fn ledger_facts(&self) -> Result<LedgerFacts, AdapterError>;

    /// Creates `invoice` for ledger customer `customer_id` (the draft's
    /// [`customer`](InvoiceDraft::customer), resolved) and returns the new
    /// invoice's id. The same `idempotency_key` sent twice creates one
    /// invoice only (U1).
    ///
    /// # Errors
    /// Any [`AdapterError`]; QBO refuses a used `DocNumber` (6140) and a
    /// date in closed books (6210) as [`AdapterError::Validation`].
    async fn create_invoice(
        &self,
        invoice: &InvoiceDraft,
        customer_id: &ContactId,
        idempotency_key: &str,
    ) -> Result<String, AdapterError>;
}

/// Payments on one side: the ledger's (Y1 writes, Y2 reads) or the firm's
/// own (Y2 writes).
#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// One page of the payments, with their allocations and references.
    /// `page` is `None` for the first page.
    ///
    /// # Errors
    /// Any [`AdapterError`].
    async fn list_payments(&self, page: Option<&str>) -> Result<PaymentsPage, AdapterError>;

    /// Records `payment` for `customer_id` against `invoice_ids` (the
    /// draft's allocations, resolved, in the same order), keeps its
    /// [`source_id`](PaymentDraft::source_id) as the reference, applies
    /// its balance [`changes`](PaymentDraft::changes) (an invoice paid in
    /// full moves to paid, Y3), and returns the new payment's id. The same
    /// `idempotency_key` sent twice records one payment only (U1).
    ///
    /// # Errors
    /// Any [`AdapterError`].
    async fn create_payment(
        &self,
        payment: &PaymentDraft,
        customer_id: &ContactId,
        invoice_ids: &[String],
        idempotency_key: &str,
    ) -> Result<String, AdapterError>;
}
