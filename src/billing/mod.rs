//! Billing: the firm's invoices to QuickBooks Online (one way, I1–I8) and
//! payments both ways (Y1–Y5), checked before anything is sent (U6, U7),
//! with an error queue a firm can act on (E1–E3).
//!
//! The shape follows [`sync`](crate::sync): [`plan_billing`] turns the
//! firm's invoices and payments, the ledger's payments, what the ledger
//! already holds ([`LedgerFacts`]) and the [`BillingState`] into a
//! [`BillingPlan`] — operations as plain data, with stable ids, idempotency
//! keys and `depends_on` (an invoice waits for the contact operation that
//! creates its customer; a payment for the invoice it pays) — plus every
//! failure found, each with its product message, explanation and remedy.
//! The caller (or [`driver::send_billing`](crate::driver), feature
//! `driver`) carries the operations out, and [`apply_billing`] feeds the
//! outcomes back.
//!
//! Failed records wait in the [`ErrorQueue`]; [`ErrorQueue::retry_all`]
//! (at most once every three minutes, the clock being an argument) names
//! exactly the records to check again, passed as [`BillingInput::retry`].
//!
//! ```
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use ledgerlink::billing::{
//!     BillingInput, BillingResult, BillingState, FailureCode, InvoiceSettings, apply_billing,
//!     plan_billing,
//! };
//! use ledgerlink::model::{Currency, Invoice, InvoiceLine, InvoiceStatus, Money};
//! use ledgerlink::sync::{Link, LinkOrigin, LinkStatus, SyncState};
//! use rust_decimal::Decimal;
//!
//! let now = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
//! let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
//! // The contact sync linked the firm's contact K1 to QBO customer 58.
//! let mut contacts = SyncState::new();
//! contacts.insert_link(Link {
//!     local_id: "K1".into(),
//!     remote_id: "58".into(),
//!     status: LinkStatus::Linked,
//!     origin: LinkOrigin::Matched,
//!     linked_at: now,
//!     base: None,
//!     remote_version: None,
//! });
//! let invoice = |id: &str, contact: &str| Invoice {
//!     id: id.into(),
//!     number: format!("INV-{id}"),
//!     contact_id: contact.into(),
//!     issue_date: day(10),
//!     due_date: day(30),
//!     status: InvoiceStatus::Sent,
//!     currency: Currency::USD,
//!     lines: vec![InvoiceLine {
//!         work_type: Some("Bookkeeping".into()),
//!         description: "November".into(),
//!         quantity: Decimal::ONE,
//!         unit_price: Money::parse("250.00", "USD").unwrap(),
//!         tax_rate: None,
//!     }],
//! };
//! let invoices = [invoice("1", "K1"), invoice("2", "K9")]; // K9 is not linked
//! let settings = InvoiceSettings::new(day(1), "SVC-GENERAL");
//! let input = BillingInput { invoices: &invoices, ..BillingInput::default() };
//!
//! let plan = plan_billing(&settings, &contacts, &BillingState::new(), &input, now);
//! assert_eq!(plan.operations[0].id.as_str(), "create-invoice:1");
//! assert_eq!(plan.failures[0].code, FailureCode::CustomerRefRequired);
//! println!("{}", plan.failures[0].describe());
//!
//! // Send the operation with your own client, then feed the outcome back.
//! let mut state = plan.next_state.clone();
//! let sent = [BillingResult::applied(plan.operations[0].id.clone(), "130")];
//! apply_billing(&mut state, &plan, &sent, now)?;
//! assert_eq!(state.invoice("1").unwrap().ledger_id.as_deref(), Some("130"));
//! // Invoice 2 waits in the error queue for "retry all".
//! assert_eq!(state.queue().failures().len(), 1);
//! # Ok::<(), ledgerlink::Error>(())
//! ```

mod invoices;
mod payments;
mod plan;
mod planner;
mod queue;
mod state;

pub use invoices::{
    DraftLine, InvoiceCheck, InvoiceDraft, InvoiceSettings, LedgerFacts, MAX_DOC_NUMBER_CHARS,
    MAX_LINE_DECIMALS, TaxMapping, check_invoices,
};
pub use payments::{BalanceChange, OpenInvoice, PaymentCheck, check_payment};
pub use plan::{
    BillingAction, BillingOperation, BillingOutcome, BillingPlan, BillingResult, BillingSkip,
    DraftAllocation, InvoiceRef, PaymentDraft,
};
pub use planner::{BillingApplied, BillingInput, apply_billing, plan_billing};
pub use queue::{ErrorQueue, Failure, FailureCode, RecordKind, RecordRef, RetryTooSoon};
pub use state::{BillingState, SentInvoice};
