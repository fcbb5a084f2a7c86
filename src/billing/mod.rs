//! Billing: the firm's invoices to QuickBooks Online (one way, I1–I8) and
//! payments both ways (Y1–Y5), checked before anything is sent (U6, U7),
//! with an error queue a firm can act on (E1–E3).
//!
//! The shape and the vocabulary are those of [`sync`](crate::sync) (the
//! shared types live in [`ops`](crate::ops)): [`plan`] turns the firm's
//! invoices and payments, the ledger's payments, what the ledger already
//! holds ([`LedgerFacts`]) and the [`BillingState`] — all in a
//! [`PlanInput`] with the time — into a [`Plan`]: [`Operation`]s as plain
//! data, with stable ids, idempotency keys and `depends_on` (an invoice
//! waits for the contact operation that creates its customer; a payment for
//! the invoice it pays), plus every failure found, each with its message,
//! explanation and remedy. The caller (or
//! [`driver::send_billing`](crate::driver), feature `driver`) carries the
//! operations out, and [`apply_results`] feeds the outcomes ([`OpResult`])
//! back.
//!
//! Failed records wait in the [`ErrorQueue`]; [`ErrorQueue::retry_all`]
//! (at most once every three minutes, the clock being an argument) answers
//! with exactly the records to check again ([`Retry::Ready`], passed as
//! [`PlanInput::retry`]) or with the time to ask again
//! ([`Retry::NotBefore`]).
//!
//! | file | what |
//! |---|---|
//! | `plan.rs` | [`Plan`], [`Operation`], [`Action`], [`OpResult`] |
//! | `input.rs` | [`PlanInput`] |
//! | `planner/` | [`plan`], one file per phase |
//! | `apply.rs` | [`apply_results`], [`Applied`] |
//! | `invoices.rs`, `payments.rs` | the checks (I3–I8, Y3–Y5, U6, U7) |
//! | `queue.rs` | the error queue (E1–E3) |
//! | `state.rs` | [`BillingState`] |
//!
//! ```
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use ledgerlink::billing::{
//!     self, BillingState, FailureCode, InvoiceSettings, OpResult, PlanInput, apply_results,
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
//! let input = PlanInput { invoices: &invoices, ..PlanInput::new(now) };
//!
//! let plan = billing::plan(&settings, &contacts, &BillingState::new(), &input);
//! assert_eq!(plan.operations[0].id.as_str(), "create-invoice:1");
//! assert_eq!(plan.failures[0].code, FailureCode::CustomerRefRequired);
//! println!("{}", plan.failures[0].describe());
//!
//! // Send the operation with your own client, then feed the outcome back.
//! let mut state = plan.next_state.clone();
//! let sent = [OpResult::applied(plan.operations[0].id.clone(), "130")];
//! apply_results(&mut state, &plan, &sent, now)?;
//! assert_eq!(state.invoice("1").unwrap().ledger_id.as_deref(), Some("130"));
//! // Invoice 2 waits in the error queue for "retry all".
//! assert_eq!(state.queue().failures().len(), 1);
//! # Ok::<(), ledgerlink::Error>(())
//! ```

mod apply;
mod input;
mod invoices;
mod payments;
mod plan;
mod planner;
mod queue;
mod state;

pub use apply::{Applied, apply_results};
pub use input::PlanInput;

pub use crate::ops::OpId;
pub use invoices::{
    DraftLine, InvoiceCheck, InvoiceDraft, InvoiceSettings, LedgerFacts, MAX_DOC_NUMBER_CHARS,
    MAX_LINE_DECIMALS, TaxMapping, check_invoices,
};
pub use payments::{BalanceChange, OpenInvoice, PaymentCheck, check_payment};
pub use plan::{
    Action, DraftAllocation, InvoiceRef, OpOutcome, OpResult, Operation, PaymentDraft, Plan, Skip,
};
pub use planner::plan;
pub use queue::{ErrorQueue, Failure, FailureCode, RecordKind, RecordRef, Retry};
pub use state::{BillingState, SentInvoice};
