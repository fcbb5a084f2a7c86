//! Billing plans as plain data: invoices to the ledger (I1–I8), payments
//! both ways (Y1–Y5), with the failures that kept records back (E1).

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::{ContactId, Money};
use crate::ops::{self, Ref, Side};
use crate::sync::ContactRef;

use super::invoices::InvoiceDraft;
use super::payments::BalanceChange;
use super::queue::{Failure, RecordRef};
use super::state::BillingState;

/// An invoice that exists already on the side written to (a ledger id for
/// the ledger, a local id for the firm's system), or the one an earlier
/// operation of the same plan creates: the shared [`Ref`] with the
/// invoice's id as text.
pub type InvoiceRef = Ref<String>;

/// The part of a payment applied to one invoice, on the side written to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DraftAllocation {
    /// The invoice on the side written to.
    pub invoice: InvoiceRef,
    /// The same invoice's id in the firm's system.
    pub local_invoice_id: String,
    /// The amount applied.
    pub amount: Money,
}

/// A payment as it will be recorded on the side written to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PaymentDraft {
    /// The payment's id on the side it comes from; the store keeps it as
    /// the payment's reference (QBO `PaymentRefNum`), so the copy is never
    /// copied back.
    pub source_id: String,
    /// The payer's local contact id.
    pub contact_id: ContactId,
    /// The payer on the side written to.
    pub customer: ContactRef,
    /// Date of payment.
    pub date: NaiveDate,
    /// The amount recorded (the part of a ledger payment that concerns the
    /// firm's invoices, plus its unapplied remainder).
    pub amount: Money,
    /// The invoices paid.
    pub allocations: Vec<DraftAllocation>,
    /// The part applied to no invoice (a credit).
    pub unapplied: Money,
    /// What the payment does to each invoice on the side written to: new
    /// balances, and the move to paid with its activity record (Y3).
    pub changes: Vec<BalanceChange>,
}

/// What a billing operation does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "action"))]
pub enum Action {
    /// Create an invoice in the ledger (I1–I8). There is no variant that
    /// writes an invoice to the firm's system: invoices flow one way (I2).
    CreateInvoice {
        /// The invoice, mapped.
        invoice: Box<InvoiceDraft>,
        /// Re-sent unchanged if the result was lost (U1).
        idempotency_key: String,
    },
    /// Record a payment: in the ledger (Y1, side remote) or in the firm's
    /// system (Y2, side local).
    CreatePayment {
        /// The payment, mapped to the side written to.
        payment: Box<PaymentDraft>,
        /// Re-sent unchanged if the result was lost (U1).
        idempotency_key: String,
    },
}

/// One billing write, planned: the shared [`ops::Operation`] with a
/// billing [`Action`]. Its id is `create-invoice:<invoice>`,
/// `push-payment:<payment>` or `pull-payment:<ledger payment>`, and its
/// `depends_on` may name the contact operations of the same run (a
/// customer created first) as well as invoice creates.
pub type Operation = ops::Operation<Action>;

impl Operation {
    /// The record the operation is about, as the error queue names it.
    #[must_use]
    pub fn record(&self) -> RecordRef {
        use super::queue::RecordKind;
        match &self.action {
            Action::CreateInvoice { invoice, .. } => {
                RecordRef::new(RecordKind::Invoice, invoice.invoice_id.clone())
            }
            Action::CreatePayment { payment, .. } => match self.side {
                Side::Remote => RecordRef::new(RecordKind::Payment, payment.source_id.clone()),
                Side::Local => RecordRef::new(RecordKind::LedgerPayment, payment.source_id.clone()),
            },
        }
    }
}

/// A record the plan leaves alone, and why (not a failure: nothing to fix).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Skip {
    /// The record.
    pub record: RecordRef,
    /// The rule behind it.
    pub rule: String,
    /// Why.
    pub reason: String,
}

/// A billing plan: operations, the failures found before sending, and the
/// state to keep once the operations ran.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Plan {
    /// When it was planned.
    pub planned_at: DateTime<Utc>,
    /// The writes, sorted by id (invoices before the payments that need
    /// them).
    pub operations: Vec<Operation>,
    /// Failures found by this plan's checks, by record then code; they are
    /// in `next_state`'s error queue too.
    pub failures: Vec<Failure>,
    /// Records left alone, and why, sorted.
    pub skipped: Vec<Skip>,
    /// Don't send before this time (the ledger asked to wait, U4).
    pub not_before: Option<DateTime<Utc>>,
    /// The state with the operations in flight; keep it before sending.
    pub next_state: BillingState,
}

impl Plan {
    /// The operation with id `id`, if the plan has one.
    #[must_use]
    pub fn operation(&self, id: impl AsRef<str>) -> Option<&Operation> {
        let id = id.as_ref();
        self.operations.iter().find(|o| o.id.as_str() == id)
    }
}

/// What became of one billing operation: the shared [`ops::Outcome`], whose
/// record is the id the store gave the new invoice or payment.
pub type OpOutcome = ops::Outcome<String>;

/// One billing operation's outcome, as the caller's adapter reported it:
/// the shared [`ops::OpResult`] with the new record's id.
pub type OpResult = ops::OpResult<String>;
