//! Billing: the error queue (E1–E3), the checks invoices pass before they
//! reach QuickBooks Online (I1, I3–I8, U7) and the checks and balance
//! changes of payments (Y3–Y5, U6). Plan operations for invoices and
//! payments come next; everything builds on [`model`](crate::model)'s
//! money, invoices and payments.

mod invoices;
mod payments;
mod queue;

pub use invoices::{
    InvoiceCheck, InvoiceSettings, LedgerFacts, MAX_DOC_NUMBER_CHARS, ReadyInvoice, ReadyLine,
    TaxMapping, check_invoices,
};
pub use payments::{BalanceChange, OpenInvoice, PaymentCheck, check_payment};
pub use queue::{ErrorQueue, Failure, FailureCode, RecordKind, RecordRef, RetryTooSoon};
