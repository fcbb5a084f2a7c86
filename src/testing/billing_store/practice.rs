//! [`MemoryPracticeBilling`]: the firm's own invoices and payments.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::NaiveDate;

use super::{BillingCall, BillingRefusal, Core, after_fault, paid_in_full};
use crate::billing::{BalanceChange, OpenInvoice, PaymentDraft};
use crate::model::{
    Allocation, ContactId, Invoice, InvoiceStatus, Money, MoneyError, Payment, PaymentOrigin,
    Rounding,
};
use crate::ports::{AdapterError, PaymentStore, PaymentsPage};

/// An invoice of the firm and its gross total.
#[derive(Debug)]
struct Held {
    invoice: Invoice,
    gross: Money,
}

/// A payment to record: who, when, how much, against what.
struct Entry<'a> {
    id: Option<String>,
    payer: &'a ContactId,
    date: NaiveDate,
    amount: Money,
    allocations: Vec<Allocation>,
    origin: PaymentOrigin,
    reference: Option<String>,
    changes: &'a [BalanceChange],
}

/// The firm's side of billing (the practice-management system): its
/// invoices, held by the test ([`add_invoice`](Self::add_invoice)), and a
/// [`PaymentStore`] that records the ledger's payments (Y2).
///
/// What an invoice still owes is its gross total (lines rounded with
/// [`Rounding::default`], see [`with_rounding`](Self::with_rounding)) less
/// every amount applied to it. A payment is refused, nothing written, when
/// an allocation names an unknown invoice (`Object Not Found`), one not
/// sent or awaiting payment (`Invoice is not open`), another contact's
/// (`Invoice customer differs from payment customer`), another currency
/// (`Currency differs from the customer's currency`), or more than it owes,
/// allocations to the same invoice counted together (`Payment will overpay
/// the invoice`); when the allocations exceed the payment, an amount is
/// negative, or a balance change names an invoice the payment does not pay
/// (`Malformed request`). These are [`AdapterError::Validation`]s without a
/// code (see [`BillingRefusal`]).
///
/// A recorded payment moves each invoice it pays to awaiting payment, or
/// to paid at zero (Y3), and appends to the invoice's
/// [activity](Self::activity) the draft's activity texts (its
/// [`changes`](PaymentDraft::changes)); an invoice paid in full without
/// one gets "Invoice … paid in full by payment … on …". Balances are the
/// store's own arithmetic: a change's `before` / `after` are not trusted.
///
/// Payments created through the trait are copies of the ledger's: origin
/// [`PaymentOrigin::Ledger`], the draft's
/// [`source_id`](PaymentDraft::source_id) as reference, ids `LP1`, `LP2`, …
/// Payments the firm enters itself ([`record_local_payment`](Self::record_local_payment))
/// have origin [`PaymentOrigin::Local`]. Listings return both, in the
/// order they were recorded, paged like [`MemoryLedgerBilling`](super::MemoryLedgerBilling)'s.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use ledgerlink::billing::BalanceChange;
/// use ledgerlink::model::{Currency, Invoice, InvoiceLine, InvoiceStatus, Money};
/// use ledgerlink::ports::PaymentStore;
/// use ledgerlink::testing::{MemoryPracticeBilling, block_on, payment_draft};
/// use rust_decimal::Decimal;
///
/// let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
/// let usd = |a| Money::parse(a, "USD");
/// let firm = MemoryPracticeBilling::new();
/// firm.add_invoice(Invoice {
///     id: "INV-A".into(),
///     number: "1001".into(),
///     contact_id: "K1".into(),
///     issue_date: day(1),
///     due_date: day(30),
///     status: InvoiceStatus::Sent,
///     currency: Currency::USD,
///     lines: vec![InvoiceLine {
///         work_type: None,
///         description: "Tax return".into(),
///         quantity: Decimal::ONE,
///         unit_price: usd("120.00")?,
///         tax_rate: None,
///     }],
/// })?;
///
/// // The ledger's payment 31, copied with its balance change (Y3).
/// let mut copy = payment_draft("31", "K1", day(20), usd("120.00")?, &[("INV-A", usd("120.00")?)]);
/// copy.changes.push(BalanceChange {
///     invoice_id: "INV-A".into(),
///     before: usd("120.00")?,
///     after: usd("0.00")?,
///     status: InvoiceStatus::Paid,
///     activity: Some("Paid in full by QBO payment 31".into()),
/// });
/// let id = block_on(firm.create_payment(&copy, &"K1".into(), &["INV-A".into()], "pull-31"))?;
/// assert_eq!(id, "LP1");
/// assert_eq!(firm.invoice("INV-A").map(|i| i.status), Some(InvoiceStatus::Paid));
/// assert_eq!(firm.activity("INV-A"), ["Paid in full by QBO payment 31"]);
/// assert!(firm.open_invoices().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MemoryPracticeBilling {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    core: Core,
    rounding: Rounding,
    invoices: BTreeMap<String, Held>,
    activity: BTreeMap<String, Vec<String>>,
    /// By the order they were recorded.
    payments: BTreeMap<u64, Payment>,
    last_seq: u64,
    last_id: u64,
}

/// The statuses a payment may be applied in.
const fn is_open(status: InvoiceStatus) -> bool {
    matches!(status, InvoiceStatus::Sent | InvoiceStatus::AwaitingPayment)
}

impl Inner {
    /// What invoice `id` still owes.
    fn due(&self, id: &str) -> Option<Result<Money, MoneyError>> {
        let held = self.invoices.get(id)?;
        Some(
            self.payments
                .values()
                .flat_map(|p| &p.allocations)
                .filter(|a| a.invoice_id == id)
                .try_fold(held.gross, |left, a| left.checked_sub(&a.amount)),
        )
    }

    fn new_id(&mut self) -> String {
        loop {
            self.last_id += 1;
            let id = format!("LP{}", self.last_id);
            if !self.payments.values().any(|p| p.id == id) {
                return id;
            }
        }
    }

    /// The rules, then the write.
    fn record(&mut self, e: Entry<'_>) -> Result<String, AdapterError> {
        let payer = e.payer;
        if e.amount.is_negative() {
            return Err(BillingRefusal::InvalidAmount.local(format!(
                "a payment amount may not be negative ({})",
                e.amount
            )));
        }
        let mismatch = |err: MoneyError| BillingRefusal::CurrencyMismatch.local(err.to_string());
        let mut dues: BTreeMap<String, Money> = BTreeMap::new();
        let mut applied = Money::zero(e.amount.currency());
        for a in &e.allocations {
            let Some(held) = self.invoices.get(&a.invoice_id) else {
                return Err(BillingRefusal::ObjectNotFound
                    .local(format!("there is no invoice {}", a.invoice_id)));
            };
            let inv = &held.invoice;
            if !is_open(inv.status) {
                return Err(BillingRefusal::InvoiceNotOpen
                    .local(format!("invoice {} is {:?}", inv.id, inv.status)));
            }
            if inv.contact_id != *payer {
                return Err(BillingRefusal::CustomerMismatch.local(format!(
                    "invoice {} is billed to {}, the payment is from {payer}",
                    inv.id, inv.contact_id
                )));
            }
            for m in [e.amount, a.amount] {
                if m.currency() != inv.currency {
                    return Err(BillingRefusal::CurrencyMismatch.local(format!(
                        "{m} against invoice {} in {}",
                        inv.id, inv.currency
                    )));
                }
            }
            if a.amount.is_negative() {
                return Err(BillingRefusal::InvalidAmount.local(format!(
                    "an amount applied may not be negative ({})",
                    a.amount
                )));
            }
            let before = match dues.get(inv.id.as_str()) {
                Some(d) => *d,
                None => self
                    .due(&inv.id)
                    .unwrap_or(Ok(held.gross))
                    .map_err(mismatch)?,
            };
            let after = before.checked_sub(&a.amount).map_err(mismatch)?;
            if after.is_negative() {
                return Err(BillingRefusal::Overpayment.local(format!(
                    "invoice {} owes {before}, {} applied",
                    inv.id, a.amount
                )));
            }
            dues.insert(inv.id.clone(), after);
            applied = applied.checked_add(&a.amount).map_err(mismatch)?;
        }
        if e.amount
            .checked_sub(&applied)
            .map_err(mismatch)?
            .is_negative()
        {
            return Err(BillingRefusal::AllocationsExceedPayment
                .local(format!("{applied} applied, the payment is {}", e.amount)));
        }
        if let Some(c) = e
            .changes
            .iter()
            .find(|c| !dues.contains_key(c.invoice_id.as_str()))
        {
            return Err(BillingRefusal::BadRequest.local(format!(
                "a balance change names invoice {}, which the payment does not pay",
                c.invoice_id
            )));
        }
        let id = match e.id {
            Some(id) if self.payments.values().any(|p| p.id == id) => {
                return Err(BillingRefusal::DuplicatePaymentId
                    .local(format!("payment {id} exists already")));
            }
            Some(id) => id,
            None => self.new_id(),
        };
        for (invoice_id, due) in &dues {
            let mut texts: Vec<String> = e
                .changes
                .iter()
                .filter(|c| c.invoice_id == *invoice_id)
                .filter_map(|c| c.activity.clone())
                .collect();
            if due.is_zero() && texts.is_empty() {
                texts.push(paid_in_full(invoice_id, &id, e.date));
            }
            if let Some(held) = self.invoices.get_mut(invoice_id) {
                held.invoice.status = if due.is_zero() {
                    InvoiceStatus::Paid
                } else {
                    InvoiceStatus::AwaitingPayment
                };
            }
            if !texts.is_empty() {
                self.activity
                    .entry(invoice_id.clone())
                    .or_default()
                    .extend(texts);
            }
        }
        self.last_seq += 1;
        self.payments.insert(
            self.last_seq,
            Payment {
                id: id.clone(),
                date: e.date,
                amount: e.amount,
                payer: payer.clone(),
                allocations: e.allocations,
                origin: e.origin,
                reference: e.reference,
            },
        );
        Ok(id)
    }

    fn create_payment(
        &mut self,
        draft: &PaymentDraft,
        customer: &ContactId,
        invoice_ids: &[String],
        key: &str,
    ) -> Result<String, AdapterError> {
        let fault = self.core.begin(BillingCall::CreatePayment)?;
        after_fault(fault, || {
            if let Some(id) = self.core.created(key) {
                return Ok(id);
            }
            if invoice_ids.len() != draft.allocations.len() {
                return Err(BillingRefusal::BadRequest.local(format!(
                    "{} allocations but {} invoice ids",
                    draft.allocations.len(),
                    invoice_ids.len()
                )));
            }
            let id = self.record(Entry {
                id: None,
                payer: customer,
                date: draft.date,
                amount: draft.amount,
                allocations: invoice_ids
                    .iter()
                    .zip(&draft.allocations)
                    .map(|(id, a)| Allocation {
                        invoice_id: id.clone(),
                        amount: a.amount,
                    })
                    .collect(),
                origin: PaymentOrigin::Ledger,
                reference: Some(draft.source_id.clone()).filter(|r| !r.is_empty()),
                changes: &draft.changes,
            })?;
            self.core.remember(key, &id);
            Ok(id)
        })
    }
}

impl Default for MemoryPracticeBilling {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryPracticeBilling {
    /// No invoices, no payments.
    #[must_use]
    pub fn new() -> Self {
        Self {
            inner: Mutex::new(Inner {
                core: Core::new(),
                rounding: Rounding::default(),
                invoices: BTreeMap::new(),
                activity: BTreeMap::new(),
                payments: BTreeMap::new(),
                last_seq: 0,
                last_id: 0,
            }),
        }
    }

    /// Rounds invoice lines with `rounding` (the connection's
    /// [`InvoiceSettings::rounding`](crate::billing::InvoiceSettings::rounding))
    /// for the invoices added from now on.
    #[must_use]
    pub fn with_rounding(self, rounding: Rounding) -> Self {
        self.lock().rounding = rounding;
        self
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds the firm's `invoice`, or replaces the one with its id (its
    /// payments and activity stay).
    ///
    /// # Errors
    /// When its totals cannot be worked out: a line in another currency
    /// ([`MoneyError::CurrencyMismatch`]), [`MoneyError::Overflow`].
    pub fn add_invoice(&self, invoice: Invoice) -> Result<(), MoneyError> {
        let mut inner = self.lock();
        let gross = invoice.totals(inner.rounding)?.gross;
        inner
            .invoices
            .insert(invoice.id.clone(), Held { invoice, gross });
        Ok(())
    }

    /// Sets invoice `id`'s status (the firm voids it, sends it…). Returns
    /// `false` when there is no such invoice.
    pub fn set_status(&self, id: &str, status: InvoiceStatus) -> bool {
        self.lock()
            .invoices
            .get_mut(id)
            .map(|h| h.invoice.status = status)
            .is_some()
    }

    /// Records a payment the firm entered itself (origin
    /// [`PaymentOrigin::Local`], whatever `payment.origin` says), with the
    /// same rules as [`PaymentStore::create_payment`] and `payment.payer`
    /// as the customer; no faults, call counts or idempotency. Keeps
    /// `payment.id` unless it is empty (then `LP1`, `LP2`, …). Returns the
    /// id.
    ///
    /// # Errors
    /// The refusals of payments, and [`BillingRefusal::DuplicatePaymentId`].
    pub fn record_local_payment(&self, payment: Payment) -> Result<String, AdapterError> {
        self.lock().record(Entry {
            id: Some(payment.id).filter(|id| !id.is_empty()),
            payer: &payment.payer,
            date: payment.date,
            amount: payment.amount,
            allocations: payment.allocations,
            origin: PaymentOrigin::Local,
            reference: payment.reference,
            changes: &[],
        })
    }

    /// Invoice `id` as held (its status follows the payments).
    #[must_use]
    pub fn invoice(&self, id: &str) -> Option<Invoice> {
        self.lock().invoices.get(id).map(|h| h.invoice.clone())
    }

    /// Every invoice, sorted by id.
    #[must_use]
    pub fn invoices(&self) -> Vec<Invoice> {
        self.lock()
            .invoices
            .values()
            .map(|h| h.invoice.clone())
            .collect()
    }

    /// What invoice `id` still owes: its gross total less the amounts
    /// applied to it.
    #[must_use]
    pub fn balance(&self, id: &str) -> Option<Money> {
        self.lock().due(id).and_then(Result::ok)
    }

    /// The invoices a payment may be applied to (sent or awaiting
    /// payment), with what they owe, sorted by id: what the planner takes
    /// as its open invoices.
    #[must_use]
    pub fn open_invoices(&self) -> Vec<OpenInvoice> {
        let inner = self.lock();
        inner
            .invoices
            .values()
            .filter(|h| is_open(h.invoice.status))
            .filter_map(|h| {
                let due = inner.due(&h.invoice.id)?.ok()?;
                Some(OpenInvoice {
                    invoice_id: h.invoice.id.clone(),
                    customer: h.invoice.contact_id.clone(),
                    due,
                    status: h.invoice.status,
                })
            })
            .collect()
    }

    /// Payment `id` as recorded.
    #[must_use]
    pub fn payment(&self, id: &str) -> Option<Payment> {
        self.lock().payments.values().find(|p| p.id == id).cloned()
    }

    /// Every payment, in the order they were recorded.
    #[must_use]
    pub fn payments(&self) -> Vec<Payment> {
        self.lock().payments.values().cloned().collect()
    }

    /// The activity records of invoice `id`, oldest first (Y3).
    #[must_use]
    pub fn activity(&self, id: &str) -> Vec<String> {
        self.lock().activity.get(id).cloned().unwrap_or_default()
    }
}

billing_controls!(MemoryPracticeBilling);

#[async_trait]
impl PaymentStore for MemoryPracticeBilling {
    async fn list_payments(&self, page: Option<&str>) -> Result<PaymentsPage, AdapterError> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        inner.core.page(&inner.payments, page)
    }

    async fn create_payment(
        &self,
        payment: &PaymentDraft,
        customer_id: &ContactId,
        invoice_ids: &[String],
        idempotency_key: &str,
    ) -> Result<String, AdapterError> {
        self.lock()
            .create_payment(payment, customer_id, invoice_ids, idempotency_key)
    }
}
