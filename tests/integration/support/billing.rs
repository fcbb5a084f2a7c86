//! The billing scenario shared by the billing tests and the billing
//! snapshot: a QBO company whose customers 58 and 59 are linked to the
//! firm's clients K1 and K2, sent USD invoices dated 10 November 2026, and
//! payments both ways; [`BillingRun`] holds a billing plan's whole input.

use chrono::{DateTime, Utc};
use ledgerlink::billing::{
    self, Action, BillingState, FailureCode, InvoiceSettings, LedgerFacts, OpResult, OpenInvoice,
    PlanInput, RecordRef, TaxMapping, apply_results,
};
use ledgerlink::driver::BillingStores;
use ledgerlink::model::{
    AccountingPeriod, Allocation, Currency, Invoice, InvoiceLine, InvoiceStatus, Payment,
    PaymentOrigin,
};
use ledgerlink::sync::{self, SyncState};
use ledgerlink::testing::{MemoryLedgerBilling, MemoryPracticeBilling};
use rust_decimal::Decimal;

use super::contacts::linked;
use super::money::{rate, usd};
use super::time::{day, t0};

/// The firm's settings: invoices from 1 January 2026, the default service
/// `SVC-GENERAL`, "Tax return" work as `SVC-TAX`, and New York's combined
/// 4 % + 4.875 % as the ledger's `TAX-NY`.
pub fn settings() -> InvoiceSettings {
    let mut s = InvoiceSettings::new(day(1, 1), "SVC-GENERAL");
    s.services.insert("Tax return".into(), "SVC-TAX".into());
    s.tax_rates.push(TaxMapping {
        ledger_code: "TAX-NY".into(),
        components: vec![rate("4"), rate("4.875")],
    });
    s
}

/// The contact links: the firm's K1 is the ledger's 58, K2 is 59.
pub fn customers() -> SyncState {
    linked(&[("K1", "58"), ("K2", "59")])
}

/// A sent USD invoice of one line at `price`, numbered `N-<id>`, issued
/// 10 November and due 30 November 2026.
pub fn invoice(
    id: &str,
    contact: &str,
    price: &str,
    work: Option<&str>,
    tax: Option<&str>,
) -> Invoice {
    Invoice {
        id: id.into(),
        number: format!("N-{id}"),
        contact_id: contact.into(),
        issue_date: day(11, 10),
        due_date: day(11, 30),
        status: InvoiceStatus::Sent,
        currency: Currency::USD,
        lines: vec![InvoiceLine {
            work_type: work.map(Into::into),
            description: "Services".into(),
            quantity: Decimal::ONE,
            unit_price: usd(price),
            tax_rate: tax.map(rate),
        }],
    }
}

/// A USD payment of 20 November 2026 with its allocations (invoice id,
/// amount).
pub fn payment(
    id: &str,
    origin: PaymentOrigin,
    payer: &str,
    amount: &str,
    allocations: &[(&str, &str)],
) -> Payment {
    Payment {
        id: id.into(),
        date: day(11, 20),
        amount: usd(amount),
        payer: payer.into(),
        allocations: allocations
            .iter()
            .map(|(invoice, a)| Allocation {
                invoice_id: (*invoice).into(),
                amount: usd(a),
            })
            .collect(),
        origin,
        reference: None,
    }
}

/// A payment the firm recorded (payer and invoices are the firm's ids).
pub fn local_payment(id: &str, payer: &str, amount: &str, allocations: &[(&str, &str)]) -> Payment {
    payment(id, PaymentOrigin::Local, payer, amount, allocations)
}

/// A payment the ledger holds (payer and invoices are the ledger's ids).
pub fn ledger_payment(
    id: &str,
    payer: &str,
    amount: &str,
    allocations: &[(&str, &str)],
) -> Payment {
    payment(id, PaymentOrigin::Ledger, payer, amount, allocations)
}

/// The ledger's payment `id` by customer 58 (the firm's K1) of `amount`,
/// all of it to the ledger's copy of the firm's invoice `invoice` (which
/// [`apply_all`] names `L-create-invoice:<invoice>`).
pub fn ledger_payment_of(id: &str, invoice: &str, amount: &str) -> Payment {
    let copy = format!("L-create-invoice:{invoice}");
    ledger_payment(id, "58", amount, &[(&copy, amount)])
}

/// One accounting period.
pub fn period(start: chrono::NaiveDate, end: chrono::NaiveDate, open: bool) -> AccountingPeriod {
    AccountingPeriod { start, end, open }
}

/// The firm's books: all of 2026 open.
pub fn open_periods() -> Vec<AccountingPeriod> {
    vec![period(day(1, 1), day(12, 31), true)]
}

/// One of the firm's invoices awaiting payment, owing `due` USD.
pub fn open_invoice(id: &str, customer: &str, due: &str) -> OpenInvoice {
    OpenInvoice {
        invoice_id: id.into(),
        customer: customer.into(),
        due: usd(due),
        status: InvoiceStatus::AwaitingPayment,
    }
}

/// Applies every operation of `plan`, giving new ids `L-<op id>`.
pub fn apply_all(plan: &billing::Plan) -> BillingState {
    let mut state = plan.next_state.clone();
    let results: Vec<OpResult> = plan
        .operations
        .iter()
        .map(|o| OpResult::applied(o.id.clone(), format!("L-{}", o.id)))
        .collect();
    apply_results(&mut state, plan, &results, t0()).unwrap();
    state
}

/// Two invoices of K1 sent and linked (A owing 100 as the ledger's
/// `L-create-invoice:A`, B owing 80), and the firm's open invoices.
pub fn two_sent() -> (BillingState, Vec<OpenInvoice>) {
    let run = BillingRun::new().invoices(&[
        invoice("A", "K1", "100", None, None),
        invoice("B", "K1", "80", None, None),
    ]);
    let state = apply_all(&run.plan(&BillingState::new()));
    let open = vec![
        open_invoice("A", "K1", "100"),
        open_invoice("B", "K1", "80"),
    ];
    (state, open)
}

/// The operation ids of a plan, in order.
pub fn ops(plan: &billing::Plan) -> Vec<&str> {
    plan.operations.iter().map(|o| o.id.as_str()).collect()
}

/// The failure codes a plan gives the record `id`.
pub fn codes(plan: &billing::Plan, id: &str) -> Vec<FailureCode> {
    plan.failures
        .iter()
        .filter(|f| f.record.id == id)
        .map(|f| f.code)
        .collect()
}

/// The idempotency key of operation `i`.
pub fn idempotency_key(plan: &billing::Plan, i: usize) -> String {
    match &plan.operations[i].action {
        Action::CreateInvoice {
            idempotency_key, ..
        }
        | Action::CreatePayment {
            idempotency_key, ..
        } => idempotency_key.clone(),
    }
}

/// The scenario's ledger and firm in memory: a QBO company whose
/// customer 58 bills in USD, and the firm's side.
pub struct MemoryBilling {
    pub qbo: MemoryLedgerBilling,
    pub firm: MemoryPracticeBilling,
}

impl MemoryBilling {
    pub fn new() -> Self {
        let qbo = MemoryLedgerBilling::qbo();
        qbo.add_customer("58", Currency::USD);
        Self {
            qbo,
            firm: MemoryPracticeBilling::new(),
        }
    }

    /// The stores `driver::send_billing` sends a plan through.
    pub fn stores(&self) -> BillingStores<'_> {
        BillingStores {
            invoices: &self.qbo,
            ledger_payments: &self.qbo,
            local_payments: &self.firm,
        }
    }
}

/// A billing plan's whole input, owned: the scenario's settings and
/// customers at `t0()` with nothing in it yet. Set what a test needs, then
/// [`plan`](Self::plan) against a state; clone it to plan a variation.
#[derive(Clone)]
pub struct BillingRun {
    pub settings: InvoiceSettings,
    pub contacts: SyncState,
    pub invoices: Vec<Invoice>,
    pub local_payments: Vec<Payment>,
    pub ledger_payments: Vec<Payment>,
    pub ledger_payments_complete: bool,
    pub open_invoices: Vec<OpenInvoice>,
    pub periods: Vec<AccountingPeriod>,
    pub ledger: Option<LedgerFacts>,
    pub contact_plan: Option<sync::Plan>,
    pub retry: Vec<RecordRef>,
    pub now: DateTime<Utc>,
}

impl BillingRun {
    /// The scenario's settings and customers at `t0()`, no records.
    pub fn new() -> Self {
        Self {
            settings: settings(),
            contacts: customers(),
            invoices: Vec::new(),
            local_payments: Vec::new(),
            ledger_payments: Vec::new(),
            ledger_payments_complete: false,
            open_invoices: Vec::new(),
            periods: Vec::new(),
            ledger: None,
            contact_plan: None,
            retry: Vec::new(),
            now: t0(),
        }
    }

    pub fn settings(mut self, settings: InvoiceSettings) -> Self {
        self.settings = settings;
        self
    }

    pub fn invoices(mut self, invoices: &[Invoice]) -> Self {
        self.invoices = invoices.to_vec();
        self
    }

    pub fn local_payments(mut self, payments: &[Payment]) -> Self {
        self.local_payments = payments.to_vec();
        self
    }

    /// The ledger's payments, as a change feed (only new and changed ones).
    pub fn ledger_payments(mut self, payments: &[Payment]) -> Self {
        self.ledger_payments = payments.to_vec();
        self
    }

    /// The ledger's payments are a full listing, not a change feed.
    pub fn full_listing(mut self) -> Self {
        self.ledger_payments_complete = true;
        self
    }

    pub fn open_invoices(mut self, open: &[OpenInvoice]) -> Self {
        self.open_invoices = open.to_vec();
        self
    }

    pub fn periods(mut self, periods: &[AccountingPeriod]) -> Self {
        self.periods = periods.to_vec();
        self
    }

    /// The firm's books: all of 2026 open.
    pub fn open_books(self) -> Self {
        self.periods(&open_periods())
    }

    /// What the ledger holds (numbers used, customers' currencies, closed
    /// books).
    pub fn ledger(mut self, facts: &LedgerFacts) -> Self {
        self.ledger = Some(facts.clone());
        self
    }

    /// The contact plan of the same run.
    pub fn contact_plan(mut self, plan: &sync::Plan) -> Self {
        self.contact_plan = Some(plan.clone());
        self
    }

    /// The records "retry all" released.
    pub fn retry(mut self, records: &[RecordRef]) -> Self {
        self.retry = records.to_vec();
        self
    }

    /// The input as `billing::plan` takes it.
    pub fn input(&self) -> PlanInput<'_> {
        PlanInput {
            invoices: &self.invoices,
            local_payments: &self.local_payments,
            ledger_payments: &self.ledger_payments,
            ledger_payments_complete: self.ledger_payments_complete,
            open_invoices: &self.open_invoices,
            periods: &self.periods,
            ledger: self.ledger.as_ref(),
            contact_plan: self.contact_plan.as_ref(),
            retry: &self.retry,
            ..PlanInput::new(self.now)
        }
    }

    /// Plans this run against `state`.
    pub fn plan(&self, state: &BillingState) -> billing::Plan {
        billing::plan(&self.settings, &self.contacts, state, &self.input())
    }
}
