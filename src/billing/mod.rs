//! Billing: the error queue (E1–E3), the checks invoices pass before they
//! reach QuickBooks Online (I1, I3–I8, U7) and the checks and balance
//! changes of payments (Y3–Y5, U6). Plan operations for invoices and
//! payments come next; everything builds on [`model`](crate::model)'s
//! money, invoices and payments.

mod invoices;
mod payments;
mod plan;
mod planner;
mod queue;
mod state;

pub use invoices::{
    DraftLine, InvoiceCheck, InvoiceDraft, InvoiceSettings, LedgerFacts, MAX_DOC_NUMBER_CHARS,
    TaxMapping, check_invoices,
};
pub use payments::{BalanceChange, OpenInvoice, PaymentCheck, check_payment};
pub use plan::{
    BillingAction, BillingOperation, BillingOutcome, BillingPlan, BillingResult, BillingSkip,
    DraftAllocation, InvoiceRef, PaymentDraft,
};
pub use planner::{BillingApplied, BillingInput, apply_billing, plan_billing};
pub use queue::{ErrorQueue, Failure, FailureCode, RecordKind, RecordRef, RetryTooSoon};
pub use state::{BillingState, SentInvoice};
