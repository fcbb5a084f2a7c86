//! Billing plans through the public API: invoices one way to the ledger,
//! payments both ways, the error queue and its retry throttle. Invoices
//! (I1-I7) here; payments and the queue, records in flight, and the
//! guards on amounts and repeated ids in their own modules.

mod guards;
mod in_flight;
mod payments;

use chrono::TimeDelta;
use ledgerlink::billing::{
    self, Action, BillingState, FailureCode, InvoiceRef, LedgerFacts, OpOutcome, OpResult,
    OpenInvoice, RecordKind, RecordRef, Retry, TaxMapping, apply_results,
};
use ledgerlink::model::{
    AccountingPeriod, Allocation, Currency, InvoiceLine, InvoiceStatus, Money, Payment,
    PaymentOrigin,
};
use ledgerlink::ports::AdapterError;
use ledgerlink::sync::{self, ConnectionConfig, ContactRef, Decision, OpId, plan};
use ledgerlink::{Contact, Profile, Side};
use rust_decimal::Decimal;

use crate::support::billing::{
    BillingRun, MemoryBilling, apply_all, codes, customers, idempotency_key, invoice,
    ledger_payment, ledger_payment_of, local_payment, open_periods, ops, settings, two_sent,
};
use crate::support::money::{rate, usd};
use crate::support::time::{date, day, t0};

/// Feeds back that operation `i` of `plan` failed with `error`.
pub(super) fn fail(
    state: &mut BillingState,
    plan: &billing::Plan,
    i: usize,
    error: AdapterError,
) -> billing::Applied {
    let failed = [OpResult::failed(plan.operations[i].id.clone(), error)];
    apply_results(state, plan, &failed, t0()).unwrap()
}

/// Feeds back a lost answer (a timeout) for operation `i` of `plan`.
pub(super) fn lose(state: &mut BillingState, plan: &billing::Plan, i: usize) {
    let timeout = AdapterError::Transient {
        message: "timeout".into(),
    };
    fail(state, plan, i, timeout);
}

/// The firm's system refuses a payment it is asked to record.
fn period_locked() -> AdapterError {
    AdapterError::Validation {
        code: None,
        message: "period locked".into(),
    }
}

#[test]
fn i1_only_sent_invoices_dated_from_the_sync_start_are_planned() {
    let mut draft = invoice("A", "K1", "100", None, None);
    draft.status = InvoiceStatus::Approved;
    let mut old = invoice("B", "K1", "100", None, None);
    old.issue_date = date(2025, 12, 31);
    let good = invoice("C", "K1", "100", None, None);
    let invoices = [draft, old, good];
    let p = BillingRun::new()
        .invoices(&invoices)
        .plan(&BillingState::new());
    assert_eq!(ops(&p), ["create-invoice:C"]);
    let skipped: Vec<(&str, &str)> = p
        .skipped
        .iter()
        .map(|s| (s.record.id.as_str(), s.rule.as_str()))
        .collect();
    assert_eq!(skipped, [("A", "I1"), ("B", "I1")]);
    assert!(p.failures.is_empty());
    assert_eq!(p.operations[0].side, Side::Remote);
}

#[test]
fn i2_a_sent_invoice_is_never_sent_again_and_later_changes_stay_local() {
    let invoices = [invoice("A", "K1", "100", None, None)];
    let run = BillingRun::new().invoices(&invoices);
    let first = run.plan(&BillingState::new());
    let state = apply_all(&first);
    assert_eq!(
        state.invoice("A").unwrap().ledger_id.as_deref(),
        Some("L-create-invoice:A")
    );
    // Unchanged: nothing to do.
    let again = run.plan(&state);
    assert!(again.operations.is_empty() && again.skipped.is_empty());
    // Changed after sending: reported, never sent again, and nothing is
    // ever written to the firm's invoices.
    let changed = [invoice("A", "K1", "120", None, None)];
    let p = BillingRun::new().invoices(&changed).plan(&state);
    assert!(p.operations.is_empty());
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(p.skipped[0].rule, "I2");
    assert!(p.skipped[0].reason.contains("keeps the version sent"));
}

#[test]
fn i3_unmapped_work_types_use_the_default_service() {
    let invoices = [
        invoice("A", "K1", "100", Some("Tax return"), None),
        invoice("B", "K1", "100", Some("Payroll"), None),
    ];
    let p = BillingRun::new()
        .invoices(&invoices)
        .plan(&BillingState::new());
    let services: Vec<(String, bool)> = p
        .operations
        .iter()
        .map(|o| match &o.action {
            Action::CreateInvoice { invoice, .. } => (
                invoice.lines[0].service.clone(),
                invoice.lines[0].default_service,
            ),
            Action::CreatePayment { .. } => unreachable!(),
        })
        .collect();
    assert_eq!(
        services,
        [("SVC-TAX".into(), false), ("SVC-GENERAL".into(), true)]
    );
    assert!(p.operations[1].reason.contains("default service"));
}

#[test]
fn i4_combined_rates_map_and_unmapped_rates_are_queued() {
    let invoices = [
        invoice("A", "K1", "100", None, Some("8.875")),
        invoice("B", "K1", "100", None, Some("7")),
    ];
    let p = BillingRun::new()
        .invoices(&invoices)
        .plan(&BillingState::new());
    assert_eq!(ops(&p), ["create-invoice:A"]);
    let Action::CreateInvoice { invoice, .. } = &p.operations[0].action else {
        panic!("an invoice create");
    };
    assert_eq!(invoice.lines[0].tax_code.as_deref(), Some("TAX-NY"));
    assert_eq!(invoice.totals.gross, usd("108.88"));
    assert_eq!(codes(&p, "B"), [FailureCode::TaxRateNotMapped]);
    assert_eq!(p.failures[0].code.message(), "TaxRateNotMapped");
    assert!(
        p.next_state
            .queue()
            .has_failures(&RecordRef::new(RecordKind::Invoice, "B"))
    );
}

/// The contact run of a person's decision to create K7 in the ledger.
fn creating_k7() -> sync::Plan {
    let local = [Contact::organization("K7", "Northwind Ltd")];
    let decisions = [Decision::CreateRemote {
        local_id: "K7".into(),
    }];
    plan(
        &ConnectionConfig::new(Profile::Qbo),
        &customers(),
        &sync::PlanInput::new(&local, &[], t0()).with_decisions(&decisions),
    )
    .unwrap()
}

#[test]
fn i5_a_customer_created_in_the_same_run_is_a_dependency() {
    let contact_plan = creating_k7();
    let create = contact_plan.operations[0].id.clone();
    let invoices = [
        invoice("A", "K7", "100", None, None),
        invoice("B", "K8", "100", None, None),
    ];
    let p = BillingRun::new()
        .invoices(&invoices)
        .contact_plan(&contact_plan)
        .plan(&BillingState::new());
    assert_eq!(ops(&p), ["create-invoice:A"]);
    assert_eq!(p.operations[0].depends_on, std::slice::from_ref(&create));
    let Action::CreateInvoice { invoice, .. } = &p.operations[0].action else {
        panic!("an invoice create");
    };
    assert_eq!(invoice.customer, ContactRef::CreatedBy(create));
    assert_eq!(codes(&p, "B"), [FailureCode::CustomerRefRequired]);
    assert_eq!(p.failures[0].code.message(), "CustomerRef is required");
}

#[test]
fn i6_numbers_used_in_the_ledger_or_twice_in_a_batch_are_refused() {
    let mut a = invoice("A", "K1", "100", None, None);
    a.number = "1001".into();
    let mut b = invoice("B", "K1", "100", None, None);
    b.number = "2002".into();
    let mut c = invoice("C", "K1", "100", None, None);
    c.number = "2002".into();
    let mut d = invoice("D", "K1", "100", None, None);
    d.number = "2026-11-CLIENT-0000001".into();
    let invoices = [a, b, c, d, invoice("E", "K1", "100", None, None)];
    let mut facts = LedgerFacts::default();
    facts.doc_numbers.insert("1001".into());
    let p = BillingRun::new()
        .invoices(&invoices)
        .ledger(&facts)
        .plan(&BillingState::new());
    assert_eq!(ops(&p), ["create-invoice:E"]);
    assert_eq!(codes(&p, "A"), [FailureCode::DuplicateDocumentNumber]);
    assert_eq!(codes(&p, "B"), [FailureCode::DuplicateDocumentNumber]);
    assert_eq!(codes(&p, "C"), [FailureCode::DuplicateDocumentNumber]);
    assert_eq!(codes(&p, "D"), [FailureCode::DocumentNumberTooLong]);
    assert_eq!(p.failures[0].code.message(), "Duplicate Document Number");
}

#[test]
fn i6_the_document_number_limit_counts_utf16_units_as_qbo_and_the_encoder_do() {
    // 20 digits and an emoji: 21 characters but 22 UTF-16 units. Counting
    // characters let it through the plan, and the encoder then refused it.
    let mut emoji = invoice("A", "K1", "100", None, None);
    emoji.number = format!("{}\u{1F600}", "1".repeat(20));
    let mut accented = invoice("B", "K1", "100", None, None);
    accented.number = format!("{}\u{e9}", "2".repeat(20));
    let invoices = [emoji, accented];
    let p = BillingRun::new()
        .invoices(&invoices)
        .plan(&BillingState::new());
    assert_eq!(codes(&p, "A"), [FailureCode::DocumentNumberTooLong]);
    assert_eq!(ops(&p), ["create-invoice:B"]);
    // What the planner lets through, the QBO encoder takes.
    for op in &p.operations {
        if let ledgerlink::billing::Action::CreateInvoice { invoice, .. } = &op.action {
            ledgerlink::wire::qbo::encode_invoice_create(invoice, "1").unwrap();
        }
    }
}

#[test]
fn i6_an_invoice_whose_result_was_lost_is_no_duplicate_of_itself() {
    let invoices = [invoice("A", "K1", "100", None, None)];
    let first = BillingRun::new()
        .invoices(&invoices)
        .plan(&BillingState::new());
    // The create reached the ledger, the answer did not.
    let mut state = first.next_state.clone();
    let lost = [OpResult {
        op_id: first.operations[0].id.clone(),
        outcome: OpOutcome::Failed {
            error: AdapterError::Transient {
                message: "timeout".into(),
            },
        },
    }];
    apply_results(&mut state, &first, &lost, t0()).unwrap();
    let mut facts = LedgerFacts::default();
    facts.doc_numbers.insert("N-A".into());
    let again = BillingRun::new()
        .invoices(&invoices)
        .ledger(&facts)
        .plan(&state);
    assert!(again.failures.is_empty(), "{:?}", again.failures);
    assert_eq!(again.operations, first.operations, "same op, same key (U1)");
}

#[test]
fn i7_us_companies_take_one_rate_per_invoice() {
    let mut s = settings();
    s.us_company = true;
    s.tax_rates.push(TaxMapping {
        ledger_code: "TAX-4".into(),
        components: vec![rate("4")],
    });
    let mut two = invoice("A", "K1", "100", None, Some("4"));
    two.lines.push(InvoiceLine {
        tax_rate: Some(rate("8.875")),
        ..two.lines[0].clone()
    });
    let invoices = [two, invoice("B", "K1", "100", None, Some("4"))];
    let p = BillingRun::new()
        .settings(s)
        .invoices(&invoices)
        .plan(&BillingState::new());
    assert_eq!(ops(&p), ["create-invoice:B"]);
    assert_eq!(codes(&p, "A"), [FailureCode::UsInvoiceMultipleTaxRates]);
    assert_eq!(
        p.failures[0].code.message(),
        "QboaUsInvoiceMultipleTaxRates"
    );
}
