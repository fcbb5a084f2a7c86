//! Billing: the error queue (E1–E3) and the checks invoices pass before
//! they reach QuickBooks Online (I1, I3–I8, U7). Payments (Y1–Y5) and the
//! plan operations for invoices come next; they build on
//! [`model`](crate::model)'s money, invoices and payments.

mod invoices;
mod queue;

pub use invoices::{
    InvoiceCheck, InvoiceSettings, LedgerFacts, MAX_DOC_NUMBER_CHARS, ReadyInvoice, ReadyLine,
    TaxMapping, check_invoices,
};
pub use queue::{ErrorQueue, Failure, FailureCode, RecordKind, RecordRef, RetryTooSoon};
