//! In-memory billing stores: QuickBooks Online's invoices and payments
//! ([`MemoryLedgerBilling`]) and the firm's own ([`MemoryPracticeBilling`]).
//!
//! Both follow [`MemoryStore`](super::MemoryStore)'s design: one mutex
//! around the state, the same [`Fault`] machinery
//! ([`fail_next`](MemoryLedgerBilling::fail_next),
//! [`fail_every`](MemoryLedgerBilling::fail_every), credentials that stay
//! expired until renewed), idempotency keys remembered per create (U1),
//! listings paged in a stable order, direct methods to play the people
//! editing either side, and no clock or randomness anywhere.
//!
//! Faults are aimed with [`Call`]: [`Call::Create`] hits `create_invoice`
//! and `create_payment`, [`Call::List`] hits `ledger_facts` and
//! `list_payments`, [`Call::Any`] whichever comes first. The calls are
//! counted one by one in [`BillingCallCounts`].
//!
//! A refused call returns [`AdapterError::Validation`]; its code and the
//! start of its message say which rule refused it (see [`BillingRefusal`]
//! and [`BillingRefusal::of`]). The ledger uses QBO's codes; the firm's
//! side has none (`code: None`) but the same message heads.
//!
//! ```
//! use chrono::NaiveDate;
//! use ledgerlink::model::{Currency, Money};
//! use ledgerlink::ports::{InvoiceStore, PaymentStore};
//! use ledgerlink::testing::{
//!     BillingRefusal, MemoryLedgerBilling, block_on, invoice_draft, payment_draft,
//! };
//!
//! let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
//! let usd = |a| Money::parse(a, "USD");
//! let qbo = MemoryLedgerBilling::qbo().with_customer("58", Currency::USD);
//! qbo.set_book_close_date(day(1));
//!
//! let draft = invoice_draft("INV-A", "1001", "58", day(10), usd("150.00")?);
//! let id = block_on(qbo.create_invoice(&draft, &"58".into(), "op-1"))?;
//! assert_eq!(id, "1");
//!
//! // The same number again (any case, any spaces): QBO 6140.
//! let again = invoice_draft("INV-B", " 1001 ", "58", day(10), usd("1.00")?);
//! let refused = block_on(qbo.create_invoice(&again, &"58".into(), "op-2")).err();
//! let why = refused.as_ref().and_then(BillingRefusal::of);
//! assert_eq!(why, Some(BillingRefusal::DuplicateDocNumber));
//!
//! // A partial payment lowers the balance and keeps its source as reference.
//! let pay = payment_draft("PAY-7", "58", day(20), usd("100.00")?, &[("INV-A", usd("100.00")?)]);
//! let pid = block_on(qbo.create_payment(&pay, &"58".into(), &[id.clone()], "op-3"))?;
//! assert_eq!(qbo.balance(&id), Some(usd("50.00")?));
//! assert_eq!(qbo.payment(&pid).and_then(|p| p.reference), Some("PAY-7".to_owned()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::ops::Bound;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::faults::{Call, Fault, Faults};
use super::store::DEFAULT_PAGE_SIZE;
use crate::billing::{DraftAllocation, DraftLine, InvoiceDraft, InvoiceRef, PaymentDraft};
use crate::model::{ContactId, InvoiceTotals, Money, Payment};
use crate::ports::{AdapterError, PaymentsPage};
use crate::sync::ContactRef;

/// The fault, call-count, idempotency and paging methods both stores share.
macro_rules! billing_controls {
    ($store:ident) => {
        impl $store {
            /// Makes the next call of kind `call` to which `fault` applies
            /// fail with it ([`Call::Create`](crate::testing::Call::Create):
            /// `create_invoice`, `create_payment`;
            /// [`Call::List`](crate::testing::Call::List): `ledger_facts`,
            /// `list_payments`). Faults wait in one queue: each call takes
            /// the oldest one that matches it.
            pub fn fail_next(&self, call: crate::testing::Call, fault: crate::testing::Fault) {
                self.lock().core.faults.push(call, fault);
            }

            /// Makes every `n`-th call of kind `call` to which `fault`
            /// applies fail with it, from now on (`n` = 0: never). A queued
            /// fault takes precedence on the call it fires on.
            pub fn fail_every(
                &self,
                call: crate::testing::Call,
                n: u32,
                fault: crate::testing::Fault,
            ) {
                self.lock().core.faults.push_periodic(call, n, fault);
            }

            /// Drops every queued and periodic fault (expired credentials
            /// stay expired until [`renew_credentials`](Self::renew_credentials)).
            pub fn clear_faults(&self) {
                self.lock().core.faults.clear();
            }

            /// How many queued faults have not fired yet.
            #[must_use]
            pub fn pending_faults(&self) -> usize {
                self.lock().core.faults.pending()
            }

            /// How many faults fired (queued and periodic).
            #[must_use]
            pub fn faults_fired(&self) -> usize {
                self.lock().core.faults.fired()
            }

            /// Expires the credentials now: every call fails with
            /// [`AdapterError::Authentication`](crate::ports::AdapterError::Authentication)
            /// until [`renew_credentials`](Self::renew_credentials).
            pub fn expire_credentials(&self) {
                self.lock().core.faults.expire();
            }

            /// Renews expired credentials (the user reconnected, E3).
            pub fn renew_credentials(&self) {
                self.lock().core.faults.renew();
            }

            /// Whether the credentials are expired.
            #[must_use]
            pub fn credentials_expired(&self) -> bool {
                self.lock().core.faults.expired()
            }

            /// How many calls of each kind the store received, failed ones
            /// included. Direct methods are not counted.
            #[must_use]
            pub fn calls(&self) -> crate::testing::BillingCallCounts {
                self.lock().core.calls
            }

            /// Sets every call count back to zero.
            pub fn reset_calls(&self) {
                self.lock().core.calls = crate::testing::BillingCallCounts::default();
            }

            /// Sets how many payments a listing page holds (at least 1;
            /// default [`DEFAULT_PAGE_SIZE`](crate::testing::DEFAULT_PAGE_SIZE)).
            pub fn set_page_size(&self, size: usize) {
                self.lock().core.page_size = size.max(1);
            }

            /// How many payments a listing page holds.
            #[must_use]
            pub fn page_size(&self) -> usize {
                self.lock().core.page_size
            }

            /// Sets the page size of the listings (see
            /// [`set_page_size`](Self::set_page_size)).
            #[must_use]
            pub fn with_page_size(self, size: usize) -> Self {
                self.set_page_size(size);
                self
            }

            /// Every idempotency key a create was performed with, and the
            /// id it created, sorted by key.
            #[must_use]
            pub fn created_keys(&self) -> Vec<(String, String)> {
                self.lock()
                    .core
                    .keys
                    .iter()
                    .map(|(k, id)| (k.clone(), id.clone()))
                    .collect()
            }

            /// The id created with idempotency key `key`.
            #[must_use]
            pub fn id_for_key(&self, key: &str) -> Option<String> {
                self.lock().core.keys.get(key).cloned()
            }
        }
    };
}

mod ledger;
mod practice;

pub use ledger::{LedgerInvoice, MemoryLedgerBilling};
pub use practice::MemoryPracticeBilling;

/// How many calls of each kind a billing store received, failed ones
/// included. Direct manipulation (`record_manual_payment`, `add_invoice`,
/// …) is not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BillingCallCounts {
    /// Calls to [`InvoiceStore::ledger_facts`](crate::ports::InvoiceStore::ledger_facts).
    pub ledger_facts: usize,
    /// Calls to [`PaymentStore::list_payments`](crate::ports::PaymentStore::list_payments)
    /// (one per page).
    pub list_payments: usize,
    /// Calls to [`InvoiceStore::create_invoice`](crate::ports::InvoiceStore::create_invoice).
    pub create_invoice: usize,
    /// Calls to [`PaymentStore::create_payment`](crate::ports::PaymentStore::create_payment).
    pub create_payment: usize,
}

impl BillingCallCounts {
    /// Every call.
    #[must_use]
    pub const fn total(&self) -> usize {
        self.ledger_facts + self.list_payments + self.create_invoice + self.create_payment
    }

    /// The writes: invoice and payment creates.
    #[must_use]
    pub const fn writes(&self) -> usize {
        self.create_invoice + self.create_payment
    }
}

/// Why a billing store refused a call: the rule, QBO's error code for it
/// and the head of the message. The error is
/// [`AdapterError::Validation`] with `code` set to
/// [`qbo_code`](Self::qbo_code) by the ledger (`None` on the firm's side)
/// and a `message` of `"<head>: <details>"`.
///
/// | refusal | QBO code | message head | source |
/// |---|---|---|---|
/// | [`InvalidReference`](Self::InvalidReference) | 2500 | `Invalid Reference Id` | Intuit, "Top QuickBooks Online API errors" |
/// | [`ObjectNotFound`](Self::ObjectNotFound) | 610 | `Object Not Found` | WIRE.md, Intuit |
/// | [`DocNumberTooLong`](Self::DocNumberTooLong) | 2050 | `String length is either shorter or longer than supported by specification` | WIRE.md ("Min:0 Max:21 supported") |
/// | [`DuplicateDocNumber`](Self::DuplicateDocNumber) | 6140 | `Duplicate Document Number Error` | WIRE.md, Intuit |
/// | [`PeriodClosed`](Self::PeriodClosed) | 6210 | `Account Period Closed` | WIRE.md, Intuit |
/// | [`CurrencyMismatch`](Self::CurrencyMismatch) | 6000 | `Currency differs from the customer's currency` | chosen (QBO's business validation code; the crate's own wording) |
/// | [`CustomerMismatch`](Self::CustomerMismatch) | 6000 | `Invoice customer differs from payment customer` | SPEC Y4 |
/// | [`Overpayment`](Self::Overpayment) | 6000 | `Payment will overpay the invoice` | SPEC Y4 |
/// | [`AllocationsExceedPayment`](Self::AllocationsExceedPayment) | 6000 | `Allocations exceed the payment amount` | chosen (SPEC Y5) |
/// | [`InvalidAmount`](Self::InvalidAmount) | 6000 | `Business Validation Error` | Intuit |
/// | [`InvoiceNotOpen`](Self::InvoiceNotOpen) | — | `Invoice is not open` | firm's side only |
/// | [`DuplicatePaymentId`](Self::DuplicatePaymentId) | — | `Duplicate payment id` | firm's side only |
/// | [`BadRequest`](Self::BadRequest) | — | `Malformed request` | a caller's bug (page token, allocations without invoice ids) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum BillingRefusal {
    /// The customer does not exist (I5).
    InvalidReference,
    /// The customer is inactive, or an invoice paid does not exist.
    ObjectNotFound,
    /// A `DocNumber` longer than 21 characters.
    DocNumberTooLong,
    /// The `DocNumber` is used by another document (I6; case and
    /// surrounding spaces ignored).
    DuplicateDocNumber,
    /// Dated on or before the closing date of the books (U6).
    PeriodClosed,
    /// An invoice or payment in another currency than its customer's or
    /// invoice's (U7).
    CurrencyMismatch,
    /// A payment applied to another customer's invoice (Y4).
    CustomerMismatch,
    /// More applied to an invoice than it owes (Y4, Y5).
    Overpayment,
    /// Allocations adding up to more than the payment (Y5).
    AllocationsExceedPayment,
    /// A negative amount.
    InvalidAmount,
    /// The firm's side: a payment applied to an invoice that is not sent /
    /// awaiting payment (a draft, a void or a paid one).
    InvoiceNotOpen,
    /// The firm's side: a payment id used already.
    DuplicatePaymentId,
    /// A request no store could read (a bad page token, allocations and
    /// invoice ids that do not pair up).
    BadRequest,
}

impl BillingRefusal {
    /// Every refusal, in a fixed order.
    pub const ALL: [Self; 13] = [
        Self::InvalidReference,
        Self::ObjectNotFound,
        Self::DocNumberTooLong,
        Self::DuplicateDocNumber,
        Self::PeriodClosed,
        Self::CurrencyMismatch,
        Self::CustomerMismatch,
        Self::Overpayment,
        Self::AllocationsExceedPayment,
        Self::InvalidAmount,
        Self::InvoiceNotOpen,
        Self::DuplicatePaymentId,
        Self::BadRequest,
    ];

    /// QBO's error code (`None`: QBO has no such rule, or the call did not
    /// reach it).
    #[must_use]
    pub const fn qbo_code(self) -> Option<&'static str> {
        match self {
            Self::InvalidReference => Some("2500"),
            Self::ObjectNotFound => Some("610"),
            Self::DocNumberTooLong => Some("2050"),
            Self::DuplicateDocNumber => Some("6140"),
            Self::PeriodClosed => Some("6210"),
            Self::CurrencyMismatch
            | Self::CustomerMismatch
            | Self::Overpayment
            | Self::AllocationsExceedPayment
            | Self::InvalidAmount => Some("6000"),
            Self::InvoiceNotOpen | Self::DuplicatePaymentId | Self::BadRequest => None,
        }
    }

    /// The head of the error message (the details follow after `": "`).
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            Self::InvalidReference => "Invalid Reference Id",
            Self::ObjectNotFound => "Object Not Found",
            Self::DocNumberTooLong => {
                "String length is either shorter or longer than supported by specification"
            }
            Self::DuplicateDocNumber => "Duplicate Document Number Error",
            Self::PeriodClosed => "Account Period Closed",
            Self::CurrencyMismatch => "Currency differs from the customer's currency",
            Self::CustomerMismatch => "Invoice customer differs from payment customer",
            Self::Overpayment => "Payment will overpay the invoice",
            Self::AllocationsExceedPayment => "Allocations exceed the payment amount",
            Self::InvalidAmount => "Business Validation Error",
            Self::InvoiceNotOpen => "Invoice is not open",
            Self::DuplicatePaymentId => "Duplicate payment id",
            Self::BadRequest => "Malformed request",
        }
    }

    /// The refusal behind `error`, when a billing store of this module
    /// returned it (read from the message head).
    #[must_use]
    pub fn of(error: &AdapterError) -> Option<Self> {
        let AdapterError::Validation { message, .. } = error else {
            return None;
        };
        Self::ALL
            .into_iter()
            .find(|r| message.starts_with(r.message()))
    }

    /// The error as QBO returns it.
    fn qbo(self, detail: impl AsRef<str>) -> AdapterError {
        self.error(self.qbo_code(), detail.as_ref())
    }

    /// The error as the firm's system returns it (no code).
    fn local(self, detail: impl AsRef<str>) -> AdapterError {
        self.error(None, detail.as_ref())
    }

    fn error(self, code: Option<&str>, detail: &str) -> AdapterError {
        AdapterError::Validation {
            code: code.map(str::to_owned),
            message: format!("{}: {detail}", self.message()),
        }
    }
}

/// The four calls of the billing traits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BillingCall {
    LedgerFacts,
    ListPayments,
    CreateInvoice,
    CreatePayment,
}

impl BillingCall {
    /// The [`Call`] a fault is aimed at.
    const fn kind(self) -> Call {
        match self {
            Self::LedgerFacts | Self::ListPayments => Call::List,
            Self::CreateInvoice | Self::CreatePayment => Call::Create,
        }
    }
}

/// What both stores keep besides their records.
#[derive(Debug)]
struct Core {
    calls: BillingCallCounts,
    faults: Faults,
    /// Idempotency key → the id it created.
    keys: BTreeMap<String, String>,
    page_size: usize,
}

impl Core {
    fn new() -> Self {
        Self {
            calls: BillingCallCounts::default(),
            faults: Faults::default(),
            keys: BTreeMap::new(),
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    /// Counts the call and decides whether a fault fires on it.
    fn begin(&mut self, call: BillingCall) -> Result<Option<Fault>, AdapterError> {
        let counts = &mut self.calls;
        match call {
            BillingCall::LedgerFacts => counts.ledger_facts += 1,
            BillingCall::ListPayments => counts.list_payments += 1,
            BillingCall::CreateInvoice => counts.create_invoice += 1,
            BillingCall::CreatePayment => counts.create_payment += 1,
        }
        self.faults.begin(call.kind())
    }

    /// The id an earlier create with `key` made (an empty key is none).
    fn created(&self, key: &str) -> Option<String> {
        self.keys.get(key).cloned()
    }

    fn remember(&mut self, key: &str, id: &str) {
        if !key.is_empty() {
            self.keys.insert(key.to_owned(), id.to_owned());
        }
    }

    /// One page of `payments` (by sequence) after the page token `page`.
    fn page(
        &mut self,
        payments: &BTreeMap<u64, Payment>,
        page: Option<&str>,
    ) -> Result<PaymentsPage, AdapterError> {
        if let Some(fault) = self.begin(BillingCall::ListPayments)? {
            return Err(fault.error(None));
        }
        let lower = match page {
            None => Bound::Unbounded,
            Some(token) => Bound::Excluded(token.trim().parse::<u64>().map_err(|_| {
                BillingRefusal::BadRequest.local(format!("invalid page token `{token}`"))
            })?),
        };
        let size = self.page_size;
        let mut listed: Vec<(u64, Payment)> = payments
            .range((lower, Bound::Unbounded))
            .take(size + 1)
            .map(|(seq, p)| (*seq, p.clone()))
            .collect();
        let next_page = if listed.len() > size {
            listed.truncate(size);
            listed.last().map(|(seq, _)| seq.to_string())
        } else {
            None
        };
        Ok(PaymentsPage {
            payments: listed.into_iter().map(|(_, p)| p).collect(),
            next_page,
        })
    }
}

/// Ends a create whose fault (if any) was drawn already: none performs it,
/// a [`Fault::CrashAfterCreate`] performs it and loses its result, any
/// other fault leaves it undone.
fn after_fault(
    fault: Option<Fault>,
    perform: impl FnOnce() -> Result<String, AdapterError>,
) -> Result<String, AdapterError> {
    match fault {
        None => perform(),
        Some(fault) => {
            if fault == Fault::CrashAfterCreate {
                let _performed = perform();
            }
            Err(fault.error(None))
        }
    }
}

/// The activity record of an invoice paid in full, worded as
/// [`check_payment`](crate::billing::check_payment) words it.
fn paid_in_full(invoice_id: &str, payment_id: &str, date: NaiveDate) -> String {
    format!("Invoice {invoice_id} paid in full by payment {payment_id} on {date}")
}

/// A one-line, untaxed invoice draft for tests: `customer` is both the
/// local contact and the ledger customer, the line uses service `"1"`, the
/// invoice is due 30 days after `date` (or on `date` past the calendar's
/// end).
#[must_use]
pub fn invoice_draft(
    invoice_id: &str,
    doc_number: &str,
    customer: &str,
    date: NaiveDate,
    gross: Money,
) -> InvoiceDraft {
    let currency = gross.currency();
    InvoiceDraft {
        invoice_id: invoice_id.to_owned(),
        doc_number: doc_number.to_owned(),
        contact_id: customer.into(),
        customer: ContactRef::Id(customer.into()),
        issue_date: date,
        due_date: date.checked_add_days(chrono::Days::new(30)).unwrap_or(date),
        currency,
        lines: vec![DraftLine {
            service: "1".into(),
            default_service: true,
            description: "Professional services".into(),
            quantity: Decimal::ONE,
            unit_price: gross,
            amount: gross,
            tax_code: None,
        }],
        totals: InvoiceTotals {
            net: gross,
            tax: Money::zero(currency),
            gross,
        },
    }
}

/// A payment draft for tests: `customer` is both the local contact and the
/// payer on the side written to; each allocation names an invoice by the
/// same id on both sides; the unapplied part is the amount less the
/// allocations (the amount itself when they cannot be added up); no balance
/// changes.
#[must_use]
pub fn payment_draft(
    source_id: &str,
    customer: &str,
    date: NaiveDate,
    amount: Money,
    allocations: &[(&str, Money)],
) -> PaymentDraft {
    let unapplied = allocations
        .iter()
        .try_fold(amount, |left, (_, a)| left.checked_sub(a))
        .unwrap_or(amount);
    PaymentDraft {
        source_id: source_id.to_owned(),
        contact_id: customer.into(),
        customer: ContactRef::Id(ContactId::new(customer)),
        date,
        amount,
        allocations: allocations
            .iter()
            .map(|(id, a)| DraftAllocation {
                invoice: InvoiceRef::Id((*id).to_owned()),
                local_invoice_id: (*id).to_owned(),
                amount: *a,
            })
            .collect(),
        unapplied,
        changes: Vec::new(),
    }
}
