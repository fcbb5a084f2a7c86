//! [`MemoryLedgerBilling`]: QuickBooks Online's invoices and payments.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::NaiveDate;

use super::{BillingCall, BillingRefusal, Core, after_fault, invoice_draft};
use crate::billing::{DraftLine, InvoiceDraft, LedgerFacts, MAX_DOC_NUMBER_CHARS, PaymentDraft};
use crate::model::{
    Allocation, ContactId, ContactStatus, Currency, InvoiceStatus, Money, Payment, PaymentOrigin,
};
use crate::normalize::normalize_name;
use crate::ports::{AdapterError, InvoiceStore, PaymentStore, PaymentsPage};
use crate::testing::MemoryStore;

/// The first number QBO gives an invoice created without a `DocNumber`.
const FIRST_AUTO_DOC_NUMBER: u64 = 1001;

/// An invoice as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerInvoice {
    /// The ledger's id (`Id`): `"1"`, `"2"`, … shared with payments.
    pub id: String,
    /// The document number (`DocNumber`), trimmed.
    pub doc_number: String,
    /// The customer (`CustomerRef`).
    pub customer: ContactId,
    /// `TxnDate`.
    pub txn_date: NaiveDate,
    /// `DueDate`.
    pub due_date: NaiveDate,
    /// `CurrencyRef`: the customer's currency.
    pub currency: Currency,
    /// The lines, as sent.
    pub lines: Vec<DraftLine>,
    /// `TotalAmt`: the draft's gross total.
    pub total: Money,
    /// `Balance`: what is still owed.
    pub balance: Money,
    /// Awaiting payment while the balance is above zero, then paid.
    pub status: InvoiceStatus,
    /// The firm's invoice id, for invoices created through
    /// [`InvoiceStore::create_invoice`] (`None` for the ones a bookkeeper
    /// entered).
    pub source_invoice_id: Option<String>,
    /// `SyncToken`: 0 when created, one more on each
    /// [`edit_invoice`](MemoryLedgerBilling::edit_invoice).
    pub sync_token: u64,
}

/// A customer the ledger knows.
#[derive(Debug, Clone, Copy)]
struct Customer {
    currency: Currency,
    active: bool,
}

/// An in-memory QuickBooks Online for billing: an [`InvoiceStore`] and a
/// [`PaymentStore`] with QBO's rules.
///
/// - **Customers** are registered by the test with their currency
///   ([`add_customer`](Self::add_customer)), or read from a contact store
///   ([`with_customer_store`](Self::with_customer_store)). An unknown
///   customer is refused with 2500 "Invalid Reference Id" (I5), an
///   inactive one with 610 "Object Not Found"; an invoice or payment in
///   another currency with 6000 "Currency differs from the customer's
///   currency" (U7).
/// - **Invoices**: the `DocNumber` is unique, compared after
///   [`normalize_name`] (case and surrounding spaces ignored) against every
///   invoice and the numbers of other documents
///   ([`add_doc_number`](Self::add_doc_number)): 6140 "Duplicate Document
///   Number Error" (I6); at most 21 characters: 2050; an empty one gets the
///   next free number from 1001, as QBO does. A `TxnDate` on or before the
///   [closing date](Self::set_book_close_date) is refused with 6210
///   "Account Period Closed" (U6). A new invoice owes its gross total and
///   awaits payment.
/// - **Payments**: the customer is checked as above, then the date (6210),
///   then each allocation: the invoice exists (610) and is the customer's
///   (6000 "Invoice customer differs from payment customer"), in its
///   currency, and owes at least the amount applied, allocations to the
///   same invoice counted together (6000 "Payment will overpay the
///   invoice"); the allocations add up to at most the payment (6000
///   "Allocations exceed the payment amount"); negative amounts are 6000
///   "Business Validation Error". Balances go down; an invoice at zero is
///   paid. The draft's [`source_id`](PaymentDraft::source_id) becomes the
///   payment's [`reference`](Payment::reference) (`PaymentRefNum`).
///
/// The checks run in the order listed; the first failure is returned and
/// nothing is written (see [`BillingRefusal`] for the codes).
///
/// Ids are QBO's transaction ids: `"1"`, `"2"`, … one sequence shared by
/// invoices and payments, in creation order. The same idempotency key sent
/// twice returns the first id and creates nothing (U1), even if the first
/// call's result was lost ([`Fault::CrashAfterCreate`](crate::testing::Fault::CrashAfterCreate)).
///
/// [`list_payments`](PaymentStore::list_payments) lists every payment —
/// created through the trait or entered by a bookkeeper
/// ([`record_manual_payment`](Self::record_manual_payment)) — in creation
/// order, with origin [`PaymentOrigin::Ledger`], the customer as payer and
/// the ledger's invoice ids; pages hold
/// [`DEFAULT_PAGE_SIZE`](crate::testing::DEFAULT_PAGE_SIZE) payments (see
/// [`set_page_size`](Self::set_page_size)); the page token is the position
/// of the last payment listed, so payments added while paging come last.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use ledgerlink::model::{Allocation, Currency, Money, Payment, PaymentOrigin};
/// use ledgerlink::ports::{AdapterError, InvoiceStore, PaymentStore};
/// use ledgerlink::testing::{Call, Fault, MemoryLedgerBilling, block_on, invoice_draft};
///
/// let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
/// let usd = |a| Money::parse(a, "USD");
/// let qbo = MemoryLedgerBilling::qbo().with_customer("58", Currency::USD);
///
/// // The result of the create is lost; the same key finds the invoice.
/// qbo.fail_next(Call::Create, Fault::CrashAfterCreate);
/// let draft = invoice_draft("INV-A", "1001", "58", day(10), usd("80.00")?);
/// let lost = block_on(qbo.create_invoice(&draft, &"58".into(), "op-1"));
/// assert!(matches!(lost, Err(AdapterError::Transient { .. })));
/// let id = block_on(qbo.create_invoice(&draft, &"58".into(), "op-1"))?;
/// assert_eq!((id.as_str(), qbo.invoices().len()), ("1", 1));
///
/// // A bookkeeper enters a split payment with a remainder in QBO.
/// let paid = qbo.record_manual_payment(Payment {
///     id: String::new(),
///     date: day(12),
///     amount: usd("100.00")?,
///     payer: "58".into(),
///     allocations: vec![Allocation { invoice_id: id.clone(), amount: usd("80.00")? }],
///     origin: PaymentOrigin::Ledger,
///     reference: None,
/// })?;
/// let page = block_on(qbo.list_payments(None))?;
/// assert_eq!(page.payments[0].id, paid);
/// assert_eq!(page.payments[0].unapplied()?, usd("20.00")?);
/// assert_eq!(qbo.invoice(&id).map(|i| i.status), Some(ledgerlink::model::InvoiceStatus::Paid));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MemoryLedgerBilling {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    core: Core,
    customers: BTreeMap<ContactId, Customer>,
    /// A contact store whose records are customers too, in a currency.
    customer_store: Option<(Arc<MemoryStore>, Currency)>,
    /// By transaction number.
    invoices: BTreeMap<u64, LedgerInvoice>,
    /// By transaction number.
    payments: BTreeMap<u64, Payment>,
    /// Numbers used by other documents (as given).
    other_doc_numbers: BTreeSet<String>,
    closed_through: Option<NaiveDate>,
    last_txn: u64,
    next_doc: u64,
}

impl Inner {
    fn new() -> Self {
        Self {
            core: Core::new(),
            customers: BTreeMap::new(),
            customer_store: None,
            invoices: BTreeMap::new(),
            payments: BTreeMap::new(),
            other_doc_numbers: BTreeSet::new(),
            closed_through: None,
            last_txn: 0,
            next_doc: FIRST_AUTO_DOC_NUMBER,
        }
    }

    fn next_txn(&mut self) -> u64 {
        self.last_txn += 1;
        self.last_txn
    }

    fn invoice_seq(&self, id: &str) -> Option<u64> {
        id.parse::<u64>()
            .ok()
            .filter(|n| self.invoices.get(n).is_some_and(|i| i.id == id))
    }

    /// The customer's currency, or why it cannot be used.
    fn customer_currency(&self, id: &ContactId) -> Result<Currency, AdapterError> {
        let customer = self.customers.get(id).copied().or_else(|| {
            let (store, currency) = self.customer_store.as_ref()?;
            store.get(id.as_str()).map(|c| Customer {
                currency: *currency,
                active: c.status == ContactStatus::Active,
            })
        });
        match customer {
            None => Err(BillingRefusal::InvalidReference.qbo(format!(
                "CustomerRef {id}: there is no customer with this id"
            ))),
            Some(c) if !c.active => Err(BillingRefusal::ObjectNotFound.qbo(format!(
                "CustomerRef {id}: the customer has been made inactive"
            ))),
            Some(c) => Ok(c.currency),
        }
    }

    fn all_customers(&self) -> BTreeMap<ContactId, Currency> {
        let mut out = BTreeMap::new();
        if let Some((store, currency)) = &self.customer_store {
            for c in store.all() {
                out.insert(c.id, *currency);
            }
        }
        for (id, c) in &self.customers {
            out.insert(id.clone(), c.currency);
        }
        out
    }

    fn doc_numbers(&self) -> BTreeSet<String> {
        self.invoices
            .values()
            .map(|i| i.doc_number.clone())
            .chain(self.other_doc_numbers.iter().cloned())
            .collect()
    }

    fn doc_taken(&self, number: &str) -> bool {
        let key = normalize_name(number);
        self.invoices
            .values()
            .map(|i| i.doc_number.as_str())
            .chain(self.other_doc_numbers.iter().map(String::as_str))
            .any(|n| normalize_name(n) == key)
    }

    fn check_open(&self, date: NaiveDate) -> Result<(), AdapterError> {
        match self.closed_through {
            Some(closed) if date <= closed => Err(BillingRefusal::PeriodClosed.qbo(format!(
                "The account period has closed and the books cannot be updated through \
                 the QBO Services API (closing date {closed}, transaction dated {date})"
            ))),
            _ => Ok(()),
        }
    }

    fn create_invoice(
        &mut self,
        draft: &InvoiceDraft,
        customer: &ContactId,
        key: &str,
    ) -> Result<String, AdapterError> {
        let fault = self.core.begin(BillingCall::CreateInvoice)?;
        after_fault(fault, || {
            if let Some(id) = self.core.created(key) {
                return Ok(id);
            }
            let id = self.insert_invoice(draft, customer, Some(&draft.invoice_id))?;
            self.core.remember(key, &id);
            Ok(id)
        })
    }

    /// The invoice rules, then the write.
    fn insert_invoice(
        &mut self,
        draft: &InvoiceDraft,
        customer: &ContactId,
        source: Option<&str>,
    ) -> Result<String, AdapterError> {
        let currency = self.customer_currency(customer)?;
        let gross = draft.totals.gross;
        for (what, c) in [("invoice", draft.currency), ("total", gross.currency())] {
            if c != currency {
                return Err(BillingRefusal::CurrencyMismatch.qbo(format!(
                    "the {what} is in {c}, customer {customer} in {currency}"
                )));
            }
        }
        if gross.is_negative() {
            return Err(BillingRefusal::InvalidAmount
                .qbo(format!("an invoice total may not be negative ({gross})")));
        }
        let mut number = draft.doc_number.trim().to_owned();
        if number.is_empty() {
            number = self.auto_doc_number();
        }
        let limit = crate::rules::limits::qbo::DOC_NUMBER;
        if !limit.fits(&number) {
            let len = limit.len(&number);
            return Err(BillingRefusal::DocNumberTooLong.qbo(format!(
                "DocNumber `{number}`: Min:0 Max:{MAX_DOC_NUMBER_CHARS} supported, \
                 {len} supplied"
            )));
        }
        if self.doc_taken(&number) {
            return Err(BillingRefusal::DuplicateDocNumber.qbo(format!(
                "You must specify a different number. This number has already been used. \
                 DocNumber={number}"
            )));
        }
        self.check_open(draft.issue_date)?;
        let seq = self.next_txn();
        let id = seq.to_string();
        self.invoices.insert(
            seq,
            LedgerInvoice {
                id: id.clone(),
                doc_number: number,
                customer: customer.clone(),
                txn_date: draft.issue_date,
                due_date: draft.due_date,
                currency,
                lines: draft.lines.clone(),
                total: gross,
                balance: gross,
                status: if gross.is_zero() {
                    InvoiceStatus::Paid
                } else {
                    InvoiceStatus::AwaitingPayment
                },
                source_invoice_id: source.map(str::to_owned),
                sync_token: 0,
            },
        );
        Ok(id)
    }

    fn auto_doc_number(&mut self) -> String {
        loop {
            let n = self.next_doc.to_string();
            self.next_doc += 1;
            if !self.doc_taken(&n) {
                return n;
            }
        }
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
                return Err(BillingRefusal::BadRequest.qbo(format!(
                    "{} allocations but {} invoice ids",
                    draft.allocations.len(),
                    invoice_ids.len()
                )));
            }
            let allocations: Vec<Allocation> = invoice_ids
                .iter()
                .zip(&draft.allocations)
                .map(|(id, a)| Allocation {
                    invoice_id: id.clone(),
                    amount: a.amount,
                })
                .collect();
            let reference = Some(draft.source_id.clone()).filter(|r| !r.is_empty());
            let id =
                self.insert_payment(customer, draft.date, draft.amount, &allocations, reference)?;
            self.core.remember(key, &id);
            Ok(id)
        })
    }

    /// The payment rules, then the write.
    fn insert_payment(
        &mut self,
        customer: &ContactId,
        date: NaiveDate,
        amount: Money,
        allocations: &[Allocation],
        reference: Option<String>,
    ) -> Result<String, AdapterError> {
        let currency = self.customer_currency(customer)?;
        if amount.currency() != currency {
            return Err(BillingRefusal::CurrencyMismatch.qbo(format!(
                "the payment is in {}, customer {customer} in {currency}",
                amount.currency()
            )));
        }
        if amount.is_negative() {
            return Err(BillingRefusal::InvalidAmount
                .qbo(format!("a payment amount may not be negative ({amount})")));
        }
        self.check_open(date)?;
        let mut balances: BTreeMap<u64, Money> = BTreeMap::new();
        let mut applied = Money::zero(currency);
        let mismatch =
            |e: crate::model::MoneyError| BillingRefusal::CurrencyMismatch.qbo(e.to_string());
        let mut stored = Vec::with_capacity(allocations.len());
        for a in allocations {
            let Some(seq) = self.invoice_seq(&a.invoice_id) else {
                return Err(BillingRefusal::ObjectNotFound.qbo(format!(
                    "Invoice {}: there is no invoice with this id",
                    a.invoice_id
                )));
            };
            let Some(inv) = self.invoices.get(&seq) else {
                continue;
            };
            if inv.customer != *customer {
                return Err(BillingRefusal::CustomerMismatch.qbo(format!(
                    "invoice {} belongs to customer {}, the payment to {customer}",
                    inv.id, inv.customer
                )));
            }
            if a.amount.currency() != inv.currency {
                return Err(BillingRefusal::CurrencyMismatch.qbo(format!(
                    "{} applied to invoice {} in {}",
                    a.amount, inv.id, inv.currency
                )));
            }
            if a.amount.is_negative() {
                return Err(BillingRefusal::InvalidAmount.qbo(format!(
                    "an amount applied may not be negative ({})",
                    a.amount
                )));
            }
            let before = balances.get(&seq).copied().unwrap_or(inv.balance);
            let after = before.checked_sub(&a.amount).map_err(mismatch)?;
            if after.is_negative() {
                return Err(BillingRefusal::Overpayment.qbo(format!(
                    "invoice {} (DocNumber {}) has a balance of {before}, {} applied",
                    inv.id, inv.doc_number, a.amount
                )));
            }
            balances.insert(seq, after);
            applied = applied.checked_add(&a.amount).map_err(mismatch)?;
            stored.push(Allocation {
                invoice_id: inv.id.clone(),
                amount: a.amount,
            });
        }
        if amount
            .checked_sub(&applied)
            .map_err(mismatch)?
            .is_negative()
        {
            return Err(BillingRefusal::AllocationsExceedPayment
                .qbo(format!("{applied} applied, the payment is {amount}")));
        }
        for (seq, balance) in balances {
            if let Some(inv) = self.invoices.get_mut(&seq) {
                inv.balance = balance;
                inv.status = if balance.is_zero() {
                    InvoiceStatus::Paid
                } else {
                    InvoiceStatus::AwaitingPayment
                };
            }
        }
        let seq = self.next_txn();
        let id = seq.to_string();
        self.payments.insert(
            seq,
            Payment {
                id: id.clone(),
                date,
                amount,
                payer: customer.clone(),
                allocations: stored,
                origin: PaymentOrigin::Ledger,
                reference,
            },
        );
        Ok(id)
    }

    fn ledger_facts(&mut self) -> Result<LedgerFacts, AdapterError> {
        if let Some(fault) = self.core.begin(BillingCall::LedgerFacts)? {
            return Err(fault.error(None));
        }
        Ok(LedgerFacts {
            doc_numbers: self.doc_numbers(),
            customer_currency: self.all_customers(),
            closed_through: self.closed_through,
        })
    }

    fn list_payments(&mut self, page: Option<&str>) -> Result<PaymentsPage, AdapterError> {
        self.core.page(&self.payments, page)
    }
}

impl Default for MemoryLedgerBilling {
    fn default() -> Self {
        Self::qbo()
    }
}

impl MemoryLedgerBilling {
    /// An empty QuickBooks Online company: no customers, no documents,
    /// books open.
    #[must_use]
    pub fn qbo() -> Self {
        Self {
            inner: Mutex::new(Inner::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds customer `id` in `currency` (see [`add_customer`](Self::add_customer)).
    #[must_use]
    pub fn with_customer(self, id: impl Into<ContactId>, currency: Currency) -> Self {
        self.add_customer(id, currency);
        self
    }

    /// Registers customer `id`, active, in `currency` (a QBO customer's
    /// `CurrencyRef`). Registering it again changes its currency (which QBO
    /// itself never allows once set) and makes it active.
    pub fn add_customer(&self, id: impl Into<ContactId>, currency: Currency) {
        self.lock().customers.insert(
            id.into(),
            Customer {
                currency,
                active: true,
            },
        );
    }

    /// Makes registered customer `id` inactive: invoices and payments for
    /// it are refused with 610. Returns `false` for an unregistered id.
    pub fn deactivate_customer(&self, id: impl AsRef<str>) -> bool {
        self.lock()
            .customers
            .get_mut(id.as_ref())
            .map(|c| c.active = false)
            .is_some()
    }

    /// Makes every record of `store` (a [`MemoryStore`] playing the same
    /// QBO company's customers) a customer in `currency`, now and as the
    /// contact sync creates more; archived records are inactive customers.
    /// Customers registered with [`add_customer`](Self::add_customer) take
    /// precedence.
    #[must_use]
    pub fn with_customer_store(self, store: Arc<MemoryStore>, currency: Currency) -> Self {
        self.lock().customer_store = Some((store, currency));
        self
    }

    /// Closes the books up to and including `date` (QBO's `BookCloseDate`):
    /// invoices and payments dated on or before it are refused with 6210.
    pub fn set_book_close_date(&self, date: NaiveDate) {
        self.lock().closed_through = Some(date);
    }

    /// Opens the books again (no closing date).
    pub fn clear_book_close_date(&self) {
        self.lock().closed_through = None;
    }

    /// Marks `number` as used by another document (an estimate, a credit
    /// memo, an invoice the firm did not send): an invoice with it is
    /// refused with 6140.
    pub fn add_doc_number(&self, number: impl Into<String>) {
        let number = number.into().trim().to_owned();
        if !number.is_empty() {
            self.lock().other_doc_numbers.insert(number);
        }
    }

    /// Enters an invoice directly, as a bookkeeper would in QBO: the same
    /// rules as [`InvoiceStore::create_invoice`], without faults, call
    /// counts or idempotency. An empty `doc_number` gets the next free
    /// number. Returns the new id.
    ///
    /// # Errors
    /// The [`BillingRefusal`]s of invoices.
    pub fn record_manual_invoice(
        &self,
        customer: impl Into<ContactId>,
        doc_number: &str,
        date: NaiveDate,
        total: Money,
    ) -> Result<String, AdapterError> {
        let customer = customer.into();
        let draft = invoice_draft("", doc_number, customer.as_str(), date, total);
        self.lock().insert_invoice(&draft, &customer, None)
    }

    /// Enters a payment directly, as a bookkeeper would in QBO (manual,
    /// partial, split over several invoices, with an unapplied remainder):
    /// the same rules as [`PaymentStore::create_payment`] with
    /// `payment.payer` as the customer and the allocations' invoice ids as
    /// the ledger's, without faults, call counts or idempotency. The id
    /// given is ignored (the ledger assigns one) and the origin is
    /// [`PaymentOrigin::Ledger`]; the reference is kept. Returns the new
    /// id.
    ///
    /// # Errors
    /// The [`BillingRefusal`]s of payments.
    pub fn record_manual_payment(&self, payment: Payment) -> Result<String, AdapterError> {
        self.lock().insert_payment(
            &payment.payer,
            payment.date,
            payment.amount,
            &payment.allocations,
            payment.reference,
        )
    }

    /// Changes invoice `id` with `f`, as a bookkeeper editing it in QBO
    /// would (no rules, no faults; the sync never reads it back, I2), and
    /// moves its `SyncToken` on. The id cannot be changed; whatever else
    /// `f` leaves (balance and status included) is kept as is. Returns
    /// `false` when there is no such invoice.
    pub fn edit_invoice(&self, id: impl AsRef<str>, f: impl FnOnce(&mut LedgerInvoice)) -> bool {
        // `f` runs on a copy, without the lock, so that it may read the store.
        let Some(mut inv) = self.invoice(id.as_ref()) else {
            return false;
        };
        let id = inv.id.clone();
        f(&mut inv);
        inv.id.clone_from(&id);
        let mut inner = self.lock();
        let Some(seq) = inner.invoice_seq(&id) else {
            return false;
        };
        let Some(stored) = inner.invoices.get_mut(&seq) else {
            return false;
        };
        inv.sync_token = stored.sync_token + 1;
        *stored = inv;
        true
    }

    /// Invoice `id` as stored.
    #[must_use]
    pub fn invoice(&self, id: impl AsRef<str>) -> Option<LedgerInvoice> {
        let inner = self.lock();
        let seq = inner.invoice_seq(id.as_ref())?;
        inner.invoices.get(&seq).cloned()
    }

    /// The invoice created from the firm's invoice `source_id`.
    #[must_use]
    pub fn invoice_from(&self, source_id: &str) -> Option<LedgerInvoice> {
        self.lock()
            .invoices
            .values()
            .find(|i| i.source_invoice_id.as_deref() == Some(source_id))
            .cloned()
    }

    /// Every invoice, in creation order.
    #[must_use]
    pub fn invoices(&self) -> Vec<LedgerInvoice> {
        self.lock().invoices.values().cloned().collect()
    }

    /// What invoice `id` still owes.
    #[must_use]
    pub fn balance(&self, id: impl AsRef<str>) -> Option<Money> {
        self.invoice(id).map(|i| i.balance)
    }

    /// Payment `id` as stored.
    #[must_use]
    pub fn payment(&self, id: impl AsRef<str>) -> Option<Payment> {
        let id = id.as_ref();
        self.lock().payments.values().find(|p| p.id == id).cloned()
    }

    /// Every payment, in creation order.
    #[must_use]
    pub fn payments(&self) -> Vec<Payment> {
        self.lock().payments.values().cloned().collect()
    }

    /// The document numbers in use (invoices' and other documents'),
    /// sorted.
    #[must_use]
    pub fn doc_numbers(&self) -> BTreeSet<String> {
        self.lock().doc_numbers()
    }
}

billing_controls!(MemoryLedgerBilling);

#[async_trait]
impl InvoiceStore for MemoryLedgerBilling {
    async fn ledger_facts(&self) -> Result<LedgerFacts, AdapterError> {
        self.lock().ledger_facts()
    }

    async fn create_invoice(
        &self,
        invoice: &InvoiceDraft,
        customer_id: &ContactId,
        idempotency_key: &str,
    ) -> Result<String, AdapterError> {
        self.lock()
            .create_invoice(invoice, customer_id, idempotency_key)
    }
}

#[async_trait]
impl PaymentStore for MemoryLedgerBilling {
    async fn list_payments(&self, page: Option<&str>) -> Result<PaymentsPage, AdapterError> {
        self.lock().list_payments(page)
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
