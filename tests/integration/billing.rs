//! Billing plans through the public API: invoices one way to the ledger,
//! payments both ways, the error queue and its retry throttle.

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use ledgerlink::billing::{
    self, Action, BillingState, FailureCode, InvoiceRef, InvoiceSettings, LedgerFacts, OpOutcome,
    OpResult, OpenInvoice, PlanInput, RecordKind, RecordRef, Retry, TaxMapping, apply_results,
};
use ledgerlink::model::{
    AccountingPeriod, Allocation, Currency, Invoice, InvoiceLine, InvoiceStatus, Money, Payment,
    PaymentOrigin, TaxRate,
};
use ledgerlink::ports::AdapterError;
use ledgerlink::sync::{
    self, ConnectionConfig, ContactRef, Decision, Link, LinkOrigin, LinkStatus, OpId, SyncState,
    plan,
};
use ledgerlink::{Contact, Profile, Side};
use rust_decimal::Decimal;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn usd(a: &str) -> Money {
    Money::parse(a, "USD").unwrap()
}

fn rate(r: &str) -> TaxRate {
    TaxRate::percent(r).unwrap()
}

fn settings() -> InvoiceSettings {
    let mut s = InvoiceSettings::new(day(1, 1), "SVC-GENERAL");
    s.services.insert("Tax return".into(), "SVC-TAX".into());
    s.tax_rates.push(TaxMapping {
        ledger_code: "TAX-NY".into(),
        components: vec![rate("4"), rate("4.875")],
    });
    s
}

fn link(state: &mut SyncState, local: &str, remote: &str) {
    state.insert_link(Link {
        local_id: local.into(),
        remote_id: remote.into(),
        status: LinkStatus::Linked,
        origin: LinkOrigin::Matched,
        linked_at: now(),
        base: None,
        remote_version: None,
    });
}

fn contacts() -> SyncState {
    let mut s = SyncState::new();
    link(&mut s, "K1", "58");
    link(&mut s, "K2", "59");
    s
}

fn invoice(id: &str, contact: &str, price: &str, work: Option<&str>, tax: Option<&str>) -> Invoice {
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

fn payment(
    id: &str,
    origin: PaymentOrigin,
    payer: &str,
    amount: &str,
    allocs: &[(&str, &str)],
) -> Payment {
    Payment {
        id: id.into(),
        date: day(11, 20),
        amount: usd(amount),
        payer: payer.into(),
        allocations: allocs
            .iter()
            .map(|(inv, a)| Allocation {
                invoice_id: (*inv).into(),
                amount: usd(a),
            })
            .collect(),
        origin,
        reference: None,
    }
}

fn open_periods() -> Vec<AccountingPeriod> {
    vec![AccountingPeriod {
        start: day(1, 1),
        end: day(12, 31),
        open: true,
    }]
}

fn run(state: &BillingState, input: &PlanInput<'_>) -> billing::Plan {
    billing::plan(&settings(), &contacts(), state, input)
}

/// Applies every operation of `plan`, giving new ids `L-<op id>`.
fn apply_all(plan: &billing::Plan) -> BillingState {
    let mut state = plan.next_state.clone();
    let results: Vec<OpResult> = plan
        .operations
        .iter()
        .map(|o| OpResult::applied(o.id.clone(), format!("L-{}", o.id)))
        .collect();
    apply_results(&mut state, plan, &results, now()).unwrap();
    state
}

fn ops(plan: &billing::Plan) -> Vec<&str> {
    plan.operations.iter().map(|o| o.id.as_str()).collect()
}

fn codes(plan: &billing::Plan, id: &str) -> Vec<FailureCode> {
    plan.failures
        .iter()
        .filter(|f| f.record.id == id)
        .map(|f| f.code)
        .collect()
}

#[test]
fn i1_only_sent_invoices_dated_from_the_sync_start_are_planned() {
    let mut draft = invoice("A", "K1", "100", None, None);
    draft.status = InvoiceStatus::Approved;
    let mut old = invoice("B", "K1", "100", None, None);
    old.issue_date = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    let good = invoice("C", "K1", "100", None, None);
    let invoices = [draft, old, good];
    let p = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    );
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
    let input = PlanInput {
        invoices: &invoices,
        ..PlanInput::new(now())
    };
    let first = run(&BillingState::new(), &input);
    let state = apply_all(&first);
    assert_eq!(
        state.invoice("A").unwrap().ledger_id.as_deref(),
        Some("L-create-invoice:A")
    );
    // Unchanged: nothing to do.
    let again = run(&state, &input);
    assert!(again.operations.is_empty() && again.skipped.is_empty());
    // Changed after sending: reported, never sent again, and nothing is
    // ever written to the firm's invoices.
    let changed = [invoice("A", "K1", "120", None, None)];
    let p = run(
        &state,
        &PlanInput {
            invoices: &changed,
            ..PlanInput::new(now())
        },
    );
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
    let p = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    );
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
    let p = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    );
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
        &contacts(),
        &sync::PlanInput::new(&local, &[], now()).with_decisions(&decisions),
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
    let p = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            contact_plan: Some(&contact_plan),
            ..PlanInput::new(now())
        },
    );
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
    let p = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ledger: Some(&facts),
            ..PlanInput::new(now())
        },
    );
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
    let p = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    );
    assert_eq!(codes(&p, "A"), [FailureCode::DocumentNumberTooLong]);
    assert_eq!(ops(&p), ["create-invoice:B"]);
    // What the planner lets through, the QBO encoder takes.
    #[cfg(feature = "qbo")]
    for op in &p.operations {
        if let ledgerlink::billing::Action::CreateInvoice { invoice, .. } = &op.action {
            ledgerlink::wire::qbo::encode_invoice_create(invoice, "1").unwrap();
        }
    }
}

#[test]
fn i6_an_invoice_whose_result_was_lost_is_no_duplicate_of_itself() {
    let invoices = [invoice("A", "K1", "100", None, None)];
    let first = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    );
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
    apply_results(&mut state, &first, &lost, now()).unwrap();
    let mut facts = LedgerFacts::default();
    facts.doc_numbers.insert("N-A".into());
    let again = run(
        &state,
        &PlanInput {
            invoices: &invoices,
            ledger: Some(&facts),
            ..PlanInput::new(now())
        },
    );
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
    let p = billing::plan(
        &s,
        &contacts(),
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    );
    assert_eq!(ops(&p), ["create-invoice:B"]);
    assert_eq!(codes(&p, "A"), [FailureCode::UsInvoiceMultipleTaxRates]);
    assert_eq!(
        p.failures[0].code.message(),
        "QboaUsInvoiceMultipleTaxRates"
    );
}

#[test]
fn y1_a_local_payment_follows_its_invoice_to_the_ledger() {
    let invoices = [invoice("A", "K1", "100", None, None)];
    let payments = [payment(
        "P1",
        PaymentOrigin::Local,
        "K1",
        "100",
        &[("A", "100")],
    )];
    let input = PlanInput {
        invoices: &invoices,
        local_payments: &payments,
        ..PlanInput::new(now())
    };
    let p = run(&BillingState::new(), &input);
    assert_eq!(ops(&p), ["create-invoice:A", "push-payment:P1"]);
    let pay = &p.operations[1];
    assert_eq!((pay.side, pay.rule.as_str()), (Side::Remote, "Y1"));
    assert_eq!(pay.depends_on, [OpId("create-invoice:A".into())]);
    let Action::CreatePayment { payment: draft, .. } = &pay.action else {
        panic!("a payment");
    };
    assert_eq!(draft.customer, ContactRef::Id("58".into()));
    assert_eq!(
        draft.allocations[0].invoice,
        InvoiceRef::CreatedBy(OpId("create-invoice:A".into()))
    );
    assert_eq!(draft.changes[0].status, InvoiceStatus::Paid);
    let state = apply_all(&p);
    assert_eq!(state.invoice("A").unwrap().due, usd("0"));
    assert_eq!(state.pushed_payment("P1"), Some(Some("L-push-payment:P1")));
    // Done: re-planning writes nothing, and the ledger's copy of the
    // payment is not brought back (Y2).
    let mut copy = payment("L-push-payment:P1", PaymentOrigin::Ledger, "58", "100", &[]);
    copy.allocations.push(Allocation {
        invoice_id: "L-create-invoice:A".into(),
        amount: usd("100"),
    });
    let copies = [copy];
    let again = run(
        &state,
        &PlanInput {
            ledger_payments: &copies,
            ..input
        },
    );
    assert!(again.operations.is_empty(), "{:?}", ops(&again));
}

#[test]
fn y1_payments_of_invoices_the_ledger_lacks_are_left_alone() {
    let mut old = invoice("A", "K1", "100", None, None);
    old.issue_date = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    let invoices = [old];
    let payments = [
        payment("P1", PaymentOrigin::Local, "K1", "100", &[("A", "100")]),
        payment("P2", PaymentOrigin::Ledger, "K1", "100", &[("A", "100")]),
    ];
    let p = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            local_payments: &payments,
            ..PlanInput::new(now())
        },
    );
    assert!(p.operations.is_empty());
    assert!(p.failures.is_empty());
    assert!(
        p.skipped
            .iter()
            .any(|s| s.record.id == "P1" && s.rule == "Y1")
    );
}

#[test]
fn u6_u7_payments_to_the_ledger_respect_its_closed_books_and_currency() {
    let invoices = [
        invoice("A", "K1", "100", None, None),
        invoice("B", "K2", "100", None, None),
    ];
    let state = apply_all(&run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    ));
    let mut facts = LedgerFacts {
        closed_through: Some(day(11, 20)),
        ..LedgerFacts::default()
    };
    facts.customer_currency.insert("59".into(), Currency::EUR);
    let mut late = payment("P1", PaymentOrigin::Local, "K1", "50", &[("A", "50")]);
    late.date = day(11, 21);
    let mut other_currency = payment("P2", PaymentOrigin::Local, "K2", "50", &[("B", "50")]);
    other_currency.date = day(11, 21);
    let payments = [
        payment("P0", PaymentOrigin::Local, "K1", "50", &[("A", "50")]),
        late,
        other_currency,
    ];
    let p = run(
        &state,
        &PlanInput {
            local_payments: &payments,
            ledger: Some(&facts),
            ..PlanInput::new(now())
        },
    );
    assert_eq!(ops(&p), ["push-payment:P1"]);
    assert_eq!(codes(&p, "P0"), [FailureCode::PaymentDateNotInOpenPeriod]);
    assert_eq!(codes(&p, "P2"), [FailureCode::CustomerCurrencyMismatch]);
}

#[test]
fn u7_an_invoice_in_another_currency_than_its_customer_is_refused() {
    let invoices = [invoice("A", "K1", "100", None, None)];
    let mut facts = LedgerFacts::default();
    facts.customer_currency.insert("58".into(), Currency::GBP);
    let p = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ledger: Some(&facts),
            ..PlanInput::new(now())
        },
    );
    assert!(p.operations.is_empty());
    assert_eq!(codes(&p, "A"), [FailureCode::CustomerCurrencyMismatch]);
}

/// Two invoices sent and linked, owing 100 and 80.
fn two_sent() -> (BillingState, Vec<OpenInvoice>) {
    let invoices = [
        invoice("A", "K1", "100", None, None),
        invoice("B", "K1", "80", None, None),
    ];
    let state = apply_all(&run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    ));
    let open = vec![
        OpenInvoice {
            invoice_id: "A".into(),
            customer: "K1".into(),
            due: usd("100"),
            status: InvoiceStatus::AwaitingPayment,
        },
        OpenInvoice {
            invoice_id: "B".into(),
            customer: "K1".into(),
            due: usd("80"),
            status: InvoiceStatus::AwaitingPayment,
        },
    ];
    (state, open)
}

#[test]
fn y2_y3_a_split_ledger_payment_is_recorded_with_its_remainder() {
    let (state, open) = two_sent();
    let periods = open_periods();
    // 100 to A (paid in full), 30 to B (partial), 25 to an invoice the firm
    // never had, 10 unapplied.
    let ledger = [payment(
        "Q9",
        PaymentOrigin::Ledger,
        "58",
        "165",
        &[
            ("L-create-invoice:A", "100"),
            ("L-create-invoice:B", "30"),
            ("QBO-ONLY", "25"),
        ],
    )];
    let p = run(
        &state,
        &PlanInput {
            ledger_payments: &ledger,
            open_invoices: &open,
            periods: &periods,
            ..PlanInput::new(now())
        },
    );
    assert_eq!(ops(&p), ["pull-payment:Q9"]);
    let op = &p.operations[0];
    assert_eq!((op.side, op.rule.as_str()), (Side::Local, "Y2"));
    let Action::CreatePayment { payment: d, .. } = &op.action else {
        panic!("a payment");
    };
    assert_eq!(d.customer, ContactRef::Id("K1".into()));
    assert_eq!(d.amount, usd("140"));
    assert_eq!(d.unapplied, usd("10"));
    let allocs: Vec<(&InvoiceRef, Money)> = d
        .allocations
        .iter()
        .map(|a| (&a.invoice, a.amount))
        .collect();
    assert_eq!(
        allocs,
        [
            (&InvoiceRef::Id("A".into()), usd("100")),
            (&InvoiceRef::Id("B".into()), usd("30"))
        ]
    );
    // Y3: A moves to paid with an activity record; B still awaits payment.
    assert_eq!(d.changes[0].status, InvoiceStatus::Paid);
    assert!(
        d.changes[0]
            .activity
            .as_deref()
            .unwrap()
            .contains("paid in full")
    );
    assert_eq!(d.changes[1].status, InvoiceStatus::AwaitingPayment);
    assert_eq!(d.changes[1].after, usd("50"));
    assert!(op.reason.contains("left out") && op.reason.contains("unapplied"));
    let after = apply_all(&p);
    assert_eq!(after.pulled_payment("Q9"), Some(Some("L-pull-payment:Q9")));
    assert_eq!(after.invoice("B").unwrap().due, usd("50"));
}

#[test]
fn y4_incoming_payments_are_checked_with_the_products_messages() {
    let (state, open) = two_sent();
    let mut periods = open_periods();
    periods.push(AccountingPeriod {
        start: day(10, 1),
        end: day(10, 31),
        open: false,
    });
    let mut future = payment(
        "Q1",
        PaymentOrigin::Ledger,
        "58",
        "10",
        &[("L-create-invoice:A", "10")],
    );
    future.date = day(11, 25);
    let mut in_two_days = payment(
        "Q2",
        PaymentOrigin::Ledger,
        "58",
        "10",
        &[("L-create-invoice:A", "10")],
    );
    in_two_days.date = day(11, 24);
    let mut closed = payment(
        "Q3",
        PaymentOrigin::Ledger,
        "58",
        "10",
        &[("L-create-invoice:A", "10")],
    );
    closed.date = day(10, 15);
    let over = payment(
        "Q4",
        PaymentOrigin::Ledger,
        "58",
        "90",
        &[("L-create-invoice:B", "90")],
    );
    let other = payment(
        "Q5",
        PaymentOrigin::Ledger,
        "59",
        "10",
        &[("L-create-invoice:A", "10")],
    );
    let ledger = [future, in_two_days, closed, over, other];
    let p = run(
        &state,
        &PlanInput {
            ledger_payments: &ledger,
            open_invoices: &open,
            periods: &periods,
            ..PlanInput::new(now())
        },
    );
    assert_eq!(ops(&p), ["pull-payment:Q2"]);
    let message = |id: &str| -> Vec<&str> {
        p.failures
            .iter()
            .filter(|f| f.record.id == id)
            .map(|f| f.code.message())
            .collect()
    };
    assert_eq!(message("Q1"), ["Payment Date is in the future"]);
    assert_eq!(
        message("Q3"),
        ["Payment date is not in an open accounting period"]
    );
    assert_eq!(message("Q4"), ["Payment will overpay the invoice"]);
    assert_eq!(
        message("Q5"),
        ["Invoice customer differs from payment customer"]
    );
    assert!(
        p.failures
            .iter()
            .all(|f| f.record.kind == RecordKind::LedgerPayment)
    );
}

#[test]
fn y4_a_payment_the_firms_system_refuses_is_a_failed_manual_payment() {
    let (state, open) = two_sent();
    let periods = open_periods();
    let ledger = [payment(
        "Q1",
        PaymentOrigin::Ledger,
        "58",
        "10",
        &[("L-create-invoice:A", "10")],
    )];
    let input = PlanInput {
        ledger_payments: &ledger,
        open_invoices: &open,
        periods: &periods,
        ..PlanInput::new(now())
    };
    let p = run(&state, &input);
    let mut next = p.next_state.clone();
    let refused = [OpResult::failed(
        p.operations[0].id.clone(),
        AdapterError::Validation {
            code: None,
            message: "period locked".into(),
        },
    )];
    let applied = apply_results(&mut next, &p, &refused, now()).unwrap();
    assert_eq!(applied.failures[0].code, FailureCode::ManualPaymentFailed);
    assert_eq!(
        applied.failures[0].code.message(),
        "Failed to create manual payment"
    );
    // The payment waits in the state for "retry all", even if the ledger's
    // change feed never lists it again.
    let quiet = run(
        &next,
        &PlanInput {
            ledger_payments: &[],
            ..input
        },
    );
    assert!(quiet.operations.is_empty());
    let retry = next.queue_mut().retry_all(now()).ready().unwrap();
    let again = billing::plan(
        &settings(),
        &contacts(),
        &next,
        &PlanInput {
            ledger_payments: &[],
            retry: &retry,
            ..input
        },
    );
    assert_eq!(ops(&again), ["pull-payment:Q1"]);
}

#[test]
fn e1_every_failure_names_its_record_code_explanation_and_remedy() {
    for code in FailureCode::ALL {
        assert!(!code.code().is_empty() && !code.message().is_empty());
        assert!(!code.explanation().is_empty() && !code.remedy().is_empty());
    }
    let invoices = [invoice("A", "K9", "100", None, None)];
    let p = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    );
    let text = p.failures[0].describe();
    assert!(text.starts_with("CustomerRef is required"), "{text}");
    assert!(
        text.contains("Invoice A") && text.contains("To fix:"),
        "{text}"
    );
}

#[test]
fn e2_retry_all_is_throttled_and_replans_exactly_the_failed_records() {
    let invoices = [
        invoice("A", "K1", "100", None, Some("7")),
        invoice("B", "K9", "100", None, None),
    ];
    let input = PlanInput {
        invoices: &invoices,
        ..PlanInput::new(now())
    };
    let first = run(&BillingState::new(), &input);
    assert!(first.operations.is_empty());
    let mut state = first.next_state.clone();
    assert_eq!(state.queue().failures().len(), 2);
    // Without "retry all" the failed invoices wait, even with new ones.
    let more = [
        invoices[0].clone(),
        invoices[1].clone(),
        invoice("C", "K1", "5", None, None),
    ];
    let waiting = run(
        &state,
        &PlanInput {
            invoices: &more,
            ..input
        },
    );
    assert_eq!(ops(&waiting), ["create-invoice:C"]);
    assert!(waiting.failures.is_empty());
    // The firm maps the rate; retry re-checks exactly A and B.
    let retry = state.queue_mut().retry_all(now()).ready().unwrap();
    assert_eq!(
        retry,
        [
            RecordRef::new(RecordKind::Invoice, "A"),
            RecordRef::new(RecordKind::Invoice, "B")
        ]
    );
    let mut fixed = settings();
    fixed.tax_rates.push(TaxMapping {
        ledger_code: "TAX-7".into(),
        components: vec![rate("7")],
    });
    let p = billing::plan(
        &fixed,
        &contacts(),
        &state,
        &PlanInput {
            retry: &retry,
            ..input
        },
    );
    assert_eq!(ops(&p), ["create-invoice:A"]);
    assert_eq!(codes(&p, "B"), [FailureCode::CustomerRefRequired]);
    // Twice within three minutes is refused; after, allowed.
    let later = now() + TimeDelta::seconds(179);
    let too_soon = state.queue_mut().retry_all(later);
    assert_eq!(too_soon, Retry::NotBefore(now() + TimeDelta::minutes(3)));
    assert!(
        state
            .queue_mut()
            .retry_all(now() + TimeDelta::minutes(3))
            .ready()
            .is_some()
    );
}

#[test]
fn e3_u4_authentication_disconnects_and_rate_limits_set_a_retry_time() {
    let invoices = [
        invoice("A", "K1", "100", None, None),
        invoice("B", "K1", "100", None, None),
    ];
    let input = PlanInput {
        invoices: &invoices,
        ..PlanInput::new(now())
    };
    let p = run(&BillingState::new(), &input);
    let mut state = p.next_state.clone();
    let results = [
        OpResult::failed(
            p.operations[0].id.clone(),
            AdapterError::RateLimited {
                retry_after_secs: 60,
            },
        ),
        OpResult::failed(
            p.operations[1].id.clone(),
            AdapterError::Authentication {
                message: "message=AuthenticationFailed; errorCode=003200; statusCode=401".into(),
            },
        ),
    ];
    let applied = apply_results(&mut state, &p, &results, now()).unwrap();
    assert!(applied.disconnected && state.is_disconnected());
    assert_eq!(applied.retry_at, Some(now() + TimeDelta::seconds(60)));
    assert_eq!(applied.failures[0].code, FailureCode::AuthenticationFailed);
    let blocked = run(&state, &input);
    assert!(blocked.operations.is_empty());
    assert_eq!(blocked.skipped[0].rule, "E3");
    // Reconnected: both invoices are planned again, with their keys.
    state.reconnect();
    let p2 = run(&state, &input);
    assert_eq!(ops(&p2), ["create-invoice:A", "create-invoice:B"]);
    assert_eq!(p2.not_before, Some(now() + TimeDelta::seconds(60)));
}

#[test]
fn results_of_unknown_operations_are_refused() {
    let p = run(&BillingState::new(), &PlanInput::new(now()));
    let mut state = BillingState::new();
    let bogus = [OpResult::applied(OpId("create-invoice:Z".into()), "1")];
    assert_eq!(
        apply_results(&mut state, &p, &bogus, now()),
        Err(ledgerlink::Error::InvalidResult {
            op_id: "create-invoice:Z".into(),
            reason: "not an operation of this billing plan".into(),
        })
    );
    assert_eq!(state, BillingState::new());
}

#[test]
fn u6_invoices_dated_in_the_ledgers_closed_books_are_refused() {
    let mut on_close = invoice("A", "K1", "100", None, None);
    on_close.issue_date = day(11, 20);
    let mut after = invoice("B", "K1", "100", None, None);
    after.issue_date = day(11, 21);
    let invoices = [on_close, after, invoice("C", "K1", "100", None, None)];
    let facts = LedgerFacts {
        closed_through: Some(day(11, 20)),
        ..LedgerFacts::default()
    };
    let p = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ledger: Some(&facts),
            ..PlanInput::new(now())
        },
    );
    assert_eq!(ops(&p), ["create-invoice:B"]);
    assert_eq!(codes(&p, "A"), [FailureCode::PaymentDateNotInOpenPeriod]);
    assert_eq!(codes(&p, "C"), [FailureCode::PaymentDateNotInOpenPeriod]);
    assert!(
        p.failures[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("2026-11-20")
    );
}

/// Feeds back a lost answer (a timeout) for operation `i` of `plan`.
fn lose(state: &mut BillingState, plan: &billing::Plan, i: usize) {
    let lost = [OpResult::failed(
        plan.operations[i].id.clone(),
        AdapterError::Transient {
            message: "timeout".into(),
        },
    )];
    apply_results(state, plan, &lost, now()).unwrap();
}

fn idempotency_key(plan: &billing::Plan, i: usize) -> String {
    match &plan.operations[i].action {
        Action::CreateInvoice {
            idempotency_key, ..
        }
        | Action::CreatePayment {
            idempotency_key, ..
        } => idempotency_key.clone(),
    }
}

/// Two invoices sent (A owing 100, B 80) and a payment of 60 to A pushed
/// to the ledger, its answer lost: in flight. The firm's A now owes 40.
fn push_in_flight() -> (BillingState, Vec<OpenInvoice>, [Payment; 1], String) {
    let (state, mut open) = two_sent();
    let payments = [payment(
        "P1",
        PaymentOrigin::Local,
        "K1",
        "60",
        &[("A", "60")],
    )];
    let p = run(
        &state,
        &PlanInput {
            local_payments: &payments,
            ..PlanInput::new(now())
        },
    );
    assert_eq!(ops(&p), ["push-payment:P1"]);
    let key = idempotency_key(&p, 0);
    let mut state = p.next_state.clone();
    lose(&mut state, &p, 0);
    assert_eq!(state.pushed_payment("P1"), Some(None));
    open[0].due = usd("40");
    (state, open, payments, key)
}

/// The ledger's copy of P1 (60 to A), with `reference`.
fn echo_of_p1(reference: &str) -> Payment {
    let mut echo = payment(
        "Q7",
        PaymentOrigin::Ledger,
        "58",
        "60",
        &[("L-create-invoice:A", "60")],
    );
    echo.reference = Some(reference.into());
    echo
}

#[test]
fn y1_the_ledgers_copy_of_a_push_in_flight_confirms_it_before_its_recheck() {
    let (state, open, payments, _) = push_in_flight();
    // The ledger recorded P1, then its books were closed through P1's
    // date: P1's re-check would fail now (U6), but its copy confirms it.
    let facts = LedgerFacts {
        closed_through: Some(day(11, 20)),
        ..LedgerFacts::default()
    };
    let ledger = [echo_of_p1("P1")];
    let periods = open_periods();
    let p = run(
        &state,
        &PlanInput {
            local_payments: &payments,
            ledger_payments: &ledger,
            open_invoices: &open,
            periods: &periods,
            ledger: Some(&facts),
            ..PlanInput::new(now())
        },
    );
    // Y1, Y2: confirmed, and never pulled back as a second payment.
    assert!(p.operations.is_empty(), "{:?}", ops(&p));
    assert!(p.failures.is_empty(), "{:?}", p.failures);
    assert_eq!(p.next_state.pushed_payment("P1"), Some(Some("Q7")));
    assert_eq!(p.next_state.invoice("A").unwrap().due, usd("40"));
}

#[test]
fn y1_a_push_in_flight_that_fails_its_recheck_stays_in_flight_until_its_copy_shows() {
    let (state, open, payments, key) = push_in_flight();
    let facts = LedgerFacts {
        closed_through: Some(day(11, 20)),
        ..LedgerFacts::default()
    };
    let periods = open_periods();
    let input = PlanInput {
        local_payments: &payments,
        open_invoices: &open,
        periods: &periods,
        ledger: Some(&facts),
        ..PlanInput::new(now())
    };
    let p = run(&state, &input);
    assert!(p.operations.is_empty());
    assert_eq!(codes(&p, "P1"), [FailureCode::PaymentDateNotInOpenPeriod]);
    // U1: the ledger may have it already, so it stays in flight.
    assert_eq!(p.next_state.pushed_payment("P1"), Some(None));
    // The ledger's copy shows up, its reference carrying our key.
    let ledger = [echo_of_p1(&key)];
    let p2 = run(
        &p.next_state,
        &PlanInput {
            ledger_payments: &ledger,
            ..input
        },
    );
    assert!(p2.operations.is_empty(), "{:?}", ops(&p2));
    assert!(p2.failures.is_empty(), "{:?}", p2.failures);
    assert_eq!(p2.next_state.pushed_payment("P1"), Some(Some("Q7")));
    assert!(
        !p2.next_state
            .queue()
            .has_failures(&RecordRef::new(RecordKind::Payment, "P1"))
    );
}

#[test]
fn y2_a_ledger_payment_naming_a_push_recorded_under_another_id_is_pulled_not_dropped() {
    let (state, mut open) = two_sent();
    let payments = [payment(
        "P1",
        PaymentOrigin::Local,
        "K1",
        "60",
        &[("A", "60")],
    )];
    let input = PlanInput {
        local_payments: &payments,
        ..PlanInput::new(now())
    };
    let state = apply_all(&run(&state, &input));
    assert_eq!(state.pushed_payment("P1"), Some(Some("L-push-payment:P1")));
    open[0].due = usd("40");
    // The ledger's copy of P1, and another payment whose reference also
    // reads "P1" (a cheque number, a copy made by hand…).
    let mut copy = payment(
        "L-push-payment:P1",
        PaymentOrigin::Ledger,
        "58",
        "60",
        &[("L-create-invoice:A", "60")],
    );
    copy.reference = Some("P1".into());
    let mut other = payment(
        "Q8",
        PaymentOrigin::Ledger,
        "58",
        "40",
        &[("L-create-invoice:A", "40")],
    );
    other.reference = Some("P1".into());
    let ledger = [copy, other];
    let periods = open_periods();
    let p = run(
        &state,
        &PlanInput {
            ledger_payments: &ledger,
            open_invoices: &open,
            periods: &periods,
            ..input
        },
    );
    assert_eq!(ops(&p), ["pull-payment:Q8"]);
    assert!(
        p.operations[0].reason.contains("P1"),
        "{}",
        p.operations[0].reason
    );
    assert_eq!(
        p.next_state.pushed_payment("P1"),
        Some(Some("L-push-payment:P1"))
    );
}

#[test]
fn y2_a_ledger_payment_of_an_invoice_in_flight_waits_for_it() {
    let invoices = [invoice("A", "K1", "100", None, None)];
    let first = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    );
    let mut state = first.next_state.clone();
    lose(&mut state, &first, 0);
    // The create reached the ledger as QBO-77, and the client paid it.
    let ledger = [payment(
        "Q1",
        PaymentOrigin::Ledger,
        "58",
        "100",
        &[("QBO-77", "100")],
    )];
    let open = [OpenInvoice {
        invoice_id: "A".into(),
        customer: "K1".into(),
        due: usd("100"),
        status: InvoiceStatus::Sent,
    }];
    let periods = open_periods();
    let input = PlanInput {
        invoices: &invoices,
        ledger_payments: &ledger,
        open_invoices: &open,
        periods: &periods,
        ..PlanInput::new(now())
    };
    let p = run(&state, &input);
    assert_eq!(ops(&p), ["create-invoice:A"]);
    let skip = p.skipped.iter().find(|s| s.record.id == "Q1").unwrap();
    assert_eq!(skip.rule, "Y2");
    assert!(
        skip.reason.contains("waits for invoice A"),
        "{}",
        skip.reason
    );
    // The re-sent create answers with the ledger's id; the payment waited
    // in the state and is pulled although the feed does not list it again.
    let mut next = p.next_state.clone();
    let sent = [OpResult::applied(p.operations[0].id.clone(), "QBO-77")];
    apply_results(&mut next, &p, &sent, now()).unwrap();
    let p2 = run(
        &next,
        &PlanInput {
            ledger_payments: &[],
            ..input
        },
    );
    assert_eq!(ops(&p2), ["pull-payment:Q1"]);
}

#[test]
fn u8_a_waiting_ledger_payment_missing_from_a_full_listing_is_dropped_and_reported() {
    let (state, open) = two_sent();
    let periods = open_periods();
    let ledger = [payment(
        "Q1",
        PaymentOrigin::Ledger,
        "58",
        "10",
        &[("L-create-invoice:A", "10")],
    )];
    let input = PlanInput {
        ledger_payments: &ledger,
        open_invoices: &open,
        periods: &periods,
        ..PlanInput::new(now())
    };
    let p = run(&state, &input);
    // The firm's system refuses it: it waits in the state for "retry all".
    let mut next = p.next_state.clone();
    let refused = [OpResult::failed(
        p.operations[0].id.clone(),
        AdapterError::Validation {
            code: None,
            message: "period locked".into(),
        },
    )];
    apply_results(&mut next, &p, &refused, now()).unwrap();
    let retry = next.queue_mut().retry_all(now()).ready().unwrap();
    // A change feed that does not list it again keeps it waiting.
    let feed = billing::plan(
        &settings(),
        &contacts(),
        &next,
        &PlanInput {
            ledger_payments: &[],
            retry: &retry,
            ..input
        },
    );
    assert_eq!(ops(&feed), ["pull-payment:Q1"]);
    // The bookkeeper deleted it in the ledger: a full listing lacks it.
    let full = billing::plan(
        &settings(),
        &contacts(),
        &next,
        &PlanInput {
            ledger_payments: &[],
            ledger_payments_complete: true,
            retry: &retry,
            ..input
        },
    );
    assert!(full.operations.is_empty(), "{:?}", ops(&full));
    let skip = full.skipped.iter().find(|s| s.record.id == "Q1").unwrap();
    assert_eq!(skip.rule, "U8");
    assert!(
        skip.reason.contains("deleted in the ledger"),
        "{}",
        skip.reason
    );
    assert!(full.next_state.queue().is_empty());
    // It never comes back, whatever the next listing.
    let after = run(
        &full.next_state,
        &PlanInput {
            ledger_payments: &[],
            ..input
        },
    );
    assert!(after.operations.is_empty() && after.skipped.is_empty());
}

#[test]
fn i2_an_invoice_in_flight_edited_locally_is_sent_again_as_it_was_sent() {
    let invoices = [invoice("A", "K1", "100", None, None)];
    let first = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    );
    let mut state = first.next_state.clone();
    lose(&mut state, &first, 0);
    // Edited before the retry: same key, so the same payload (U1, I2).
    // A new invoice taking the number sent is a duplicate (I6).
    let mut taken = invoice("B", "K1", "10", None, None);
    taken.number = "N-A".into();
    let edited = [invoice("A", "K1", "120", Some("Tax return"), None), taken];
    let p = run(
        &state,
        &PlanInput {
            invoices: &edited,
            ..PlanInput::new(now())
        },
    );
    assert_eq!(p.operations, first.operations);
    assert_eq!(codes(&p, "B"), [FailureCode::DuplicateDocumentNumber]);
    let skip = p.skipped.iter().find(|s| s.record.id == "A").unwrap();
    assert_eq!(skip.rule, "I2");
    assert!(
        skip.reason.contains("not carried to the ledger"),
        "{}",
        skip.reason
    );
}

#[test]
fn e2_retry_resolves_only_the_records_checked_again() {
    let invoices = [
        invoice("A", "K1", "100", None, Some("7")),
        invoice("B", "K9", "100", None, None),
    ];
    let first = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    );
    let mut state = first.next_state.clone();
    let retry = state.queue_mut().retry_all(now()).ready().unwrap();
    assert_eq!(retry.len(), 2);
    // This run lists only A: B was not checked again, so it stays queued.
    let only_a = [invoices[0].clone()];
    let p = run(
        &state,
        &PlanInput {
            invoices: &only_a,
            retry: &retry,
            ..PlanInput::new(now())
        },
    );
    assert_eq!(codes(&p, "A"), [FailureCode::TaxRateNotMapped]);
    let queue = p.next_state.queue();
    assert!(queue.has_failures(&RecordRef::new(RecordKind::Invoice, "A")));
    assert!(queue.has_failures(&RecordRef::new(RecordKind::Invoice, "B")));
}

#[test]
fn y4_a_payment_of_a_void_or_paid_invoice_is_refused() {
    let (state, mut open) = two_sent();
    open[0].status = InvoiceStatus::Void;
    open[1].status = InvoiceStatus::Paid;
    open[1].due = usd("0");
    let ledger = [
        payment(
            "Q1",
            PaymentOrigin::Ledger,
            "58",
            "10",
            &[("L-create-invoice:A", "10")],
        ),
        payment(
            "Q2",
            PaymentOrigin::Ledger,
            "58",
            "10",
            &[("L-create-invoice:B", "10")],
        ),
    ];
    let periods = open_periods();
    let p = run(
        &state,
        &PlanInput {
            ledger_payments: &ledger,
            open_invoices: &open,
            periods: &periods,
            ..PlanInput::new(now())
        },
    );
    assert!(p.operations.is_empty(), "{:?}", ops(&p));
    assert_eq!(codes(&p, "Q1"), [FailureCode::InvoiceNotFound]);
    assert_eq!(codes(&p, "Q2"), [FailureCode::InvoiceNotFound]);
    assert!(p.failures[0].detail.as_deref().unwrap().contains("Void"));
}

#[test]
fn y2_i5_a_payment_from_an_unlinked_ledger_customer_needs_its_customer_linked() {
    let (state, open) = two_sent();
    let ledger = [payment(
        "Q1",
        PaymentOrigin::Ledger,
        "77",
        "10",
        &[("L-create-invoice:A", "10")],
    )];
    let periods = open_periods();
    let p = run(
        &state,
        &PlanInput {
            ledger_payments: &ledger,
            open_invoices: &open,
            periods: &periods,
            ..PlanInput::new(now())
        },
    );
    assert!(p.operations.is_empty());
    assert_eq!(codes(&p, "Q1"), [FailureCode::CustomerRefRequired]);
    let text = p.failures[0].describe();
    assert!(
        text.contains("77") && text.contains("To fix: link"),
        "{text}"
    );
}

#[cfg(all(feature = "driver", feature = "testing"))]
#[test]
fn u4_send_billing_sends_nothing_before_the_ledgers_retry_time() {
    use ledgerlink::driver::{BillingStores, Sent, send_billing};
    use ledgerlink::testing::{MemoryLedgerBilling, MemoryPracticeBilling, block_on};
    let invoices = [
        invoice("A", "K1", "100", None, None),
        invoice("B", "K1", "100", None, None),
    ];
    let input = PlanInput {
        invoices: &invoices,
        ..PlanInput::new(now())
    };
    let p = run(&BillingState::new(), &input);
    let mut state = p.next_state.clone();
    let limited = [OpResult::failed(
        p.operations[0].id.clone(),
        AdapterError::RateLimited {
            retry_after_secs: 60,
        },
    )];
    apply_results(&mut state, &p, &limited, now()).unwrap();
    let again = run(&state, &input);
    let retry_at = now() + TimeDelta::seconds(60);
    assert_eq!(again.not_before, Some(retry_at));
    let qbo = MemoryLedgerBilling::qbo();
    qbo.add_customer("58", Currency::USD);
    let firm = MemoryPracticeBilling::new();
    let stores = BillingStores {
        invoices: &qbo,
        ledger_payments: &qbo,
        local_payments: &firm,
    };
    // U4: a second early is too soon, and no store is called.
    let early = block_on(send_billing(
        &again,
        &contacts(),
        stores,
        retry_at - TimeDelta::seconds(1),
    ));
    assert_eq!(early, Sent::NotBefore(retry_at));
    assert_eq!(early.not_before(), Some(retry_at));
    assert!(qbo.invoices().is_empty());
    // From the retry time on, the plan goes.
    let sent = block_on(send_billing(&again, &contacts(), stores, retry_at))
        .results()
        .unwrap();
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .all(|r| matches!(r.outcome, OpOutcome::Applied { .. }))
    );
    assert_eq!(qbo.invoices().len(), 2);
}

#[cfg(all(feature = "driver", feature = "testing"))]
#[test]
fn u1_send_billing_skips_the_dependents_of_an_operation_that_did_not_go_through() {
    use ledgerlink::driver::{BillingStores, send_billing};
    use ledgerlink::testing::{MemoryLedgerBilling, MemoryPracticeBilling, block_on};
    // The contact run plans to create K7 in the ledger; the billing run
    // invoices K7 (after that create) and sends K7's payment of the
    // invoice (after the invoice's create).
    let contact_plan = creating_k7();
    let invoices = [invoice("A", "K7", "100", None, None)];
    let paid = [payment(
        "P1",
        PaymentOrigin::Local,
        "K7",
        "100",
        &[("A", "100")],
    )];
    let p = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            local_payments: &paid,
            periods: &open_periods(),
            contact_plan: Some(&contact_plan),
            ..PlanInput::new(now())
        },
    );
    assert_eq!(ops(&p), ["create-invoice:A", "push-payment:P1"]);
    assert!(
        p.operations[1]
            .depends_on
            .contains(&OpId("create-invoice:A".into()))
    );
    let qbo = MemoryLedgerBilling::qbo();
    qbo.add_customer("58", Currency::USD);
    let firm = MemoryPracticeBilling::new();
    let stores = BillingStores {
        invoices: &qbo,
        ledger_payments: &qbo,
        local_payments: &firm,
    };
    let skipped = |sent: &[OpResult], i: usize| match &sent[i].outcome {
        OpOutcome::Skipped { reason } => reason.clone(),
        other => panic!("{} was not skipped: {other:?}", sent[i].op_id),
    };
    // The contact create did not go through (K7 is not linked): the
    // invoice is skipped, and so is the payment that waits for it, with
    // the operation it waited for named.
    let sent = block_on(send_billing(&p, &contacts(), stores, now()))
        .results()
        .unwrap();
    assert!(skipped(&sent, 0).contains("customer was not created"));
    assert!(skipped(&sent, 1).contains("create-invoice:A"));
    // The same holds when nothing in the payment itself refers to the
    // invoice's create (its references are existing records, as a plan
    // edited or built by hand may have them): `depends_on` alone keeps it
    // back. Before the shared executor, this payment was sent.
    let mut edited = p.clone();
    if let Action::CreatePayment { payment, .. } = &mut edited.operations[1].action {
        payment.customer = ContactRef::Id("58".into());
        for a in &mut payment.allocations {
            a.invoice = InvoiceRef::Id("L-1".into());
        }
    }
    let sent = block_on(send_billing(&edited, &contacts(), stores, now()))
        .results()
        .unwrap();
    assert!(skipped(&sent, 0).contains("customer was not created"));
    assert!(skipped(&sent, 1).contains("`create-invoice:A` did not complete"));
    assert!(qbo.invoices().is_empty());
    assert!(qbo.payments().is_empty());
}

#[test]
fn y5_negative_and_zero_payments_and_allocations_are_refused_both_ways() {
    let (state, open) = two_sent();
    let periods = open_periods();
    // The issue's case: -5.00 allocated -5.00 to a 100.00 invoice would
    // have taken its balance to 105.00.
    let local = [
        payment("P1", PaymentOrigin::Local, "K1", "-5.00", &[("A", "-5.00")]),
        payment("P2", PaymentOrigin::Local, "K1", "0", &[("B", "0")]),
        payment("P3", PaymentOrigin::Local, "K1", "10", &[("B", "10")]),
    ];
    let ledger = [
        payment(
            "Q1",
            PaymentOrigin::Ledger,
            "58",
            "-5.00",
            &[("L-create-invoice:A", "-5.00")],
        ),
        // 100 received, 105 to the firm's invoice and -5 to one it does
        // not have: the firm would record 105.
        payment(
            "Q2",
            PaymentOrigin::Ledger,
            "58",
            "100",
            &[("L-create-invoice:A", "105"), ("QBO-ONLY", "-5")],
        ),
    ];
    let p = run(
        &state,
        &PlanInput {
            local_payments: &local,
            ledger_payments: &ledger,
            open_invoices: &open,
            periods: &periods,
            ..PlanInput::new(now())
        },
    );
    // Y5: only the good payment goes.
    assert_eq!(ops(&p), ["push-payment:P3"]);
    for id in ["P1", "P2", "Q1", "Q2"] {
        assert!(
            codes(&p, id).contains(&FailureCode::AmountNotPositive),
            "{id}: {:?}",
            codes(&p, id)
        );
    }
    let q1 = p.failures.iter().find(|f| f.record.id == "Q1").unwrap();
    assert_eq!(q1.record.kind, RecordKind::LedgerPayment);
    let detail = q1.detail.as_deref().unwrap();
    assert!(detail.contains("payment of -5.00 USD"), "{detail}");
    assert!(detail.contains("-5.00 USD applied to invoice L-create-invoice:A"));
    assert!(q1.describe().contains("To fix: correct the amount"));
    // Queued (E2), and no balance moved.
    assert!(
        p.next_state
            .queue()
            .has_failures(&RecordRef::new(RecordKind::Payment, "P1"))
    );
    let after = apply_all(&p);
    assert_eq!(after.invoice("A").unwrap().due, usd("100"));
    assert_eq!(after.invoice("B").unwrap().due, usd("70"));
}

#[test]
fn y5_amounts_finer_than_the_minor_unit_are_refused() {
    let (state, open) = two_sent();
    let periods = open_periods();
    let local = [
        payment("P1", PaymentOrigin::Local, "K1", "-0.001", &[]),
        payment(
            "P2",
            PaymentOrigin::Local,
            "K1",
            "10.005",
            &[("A", "10.005")],
        ),
        // Trailing zeros are no finer than the cent.
        payment("P3", PaymentOrigin::Local, "K1", "10.000", &[("A", "10.0")]),
    ];
    let ledger = [payment(
        "Q1",
        PaymentOrigin::Ledger,
        "58",
        "30.00",
        &[("L-create-invoice:B", "29.995")],
    )];
    let p = run(
        &state,
        &PlanInput {
            local_payments: &local,
            ledger_payments: &ledger,
            open_invoices: &open,
            periods: &periods,
            ..PlanInput::new(now())
        },
    );
    assert_eq!(ops(&p), ["push-payment:P3"]);
    assert_eq!(
        codes(&p, "P1"),
        [
            FailureCode::AmountNotPositive,
            FailureCode::AmountTooPrecise
        ]
    );
    assert_eq!(codes(&p, "P2"), [FailureCode::AmountTooPrecise]);
    assert_eq!(codes(&p, "Q1"), [FailureCode::AmountTooPrecise]);
    let q1 = p.failures.iter().find(|f| f.record.id == "Q1").unwrap();
    assert!(
        q1.detail
            .as_deref()
            .unwrap()
            .contains("29.995 USD applied to invoice L-create-invoice:B: USD takes 2")
    );
    // An invoice the firm says owes a fraction of a cent is not paid into.
    let mut fine = open.clone();
    fine[1].due = usd("80.005");
    let ok = [payment(
        "Q2",
        PaymentOrigin::Ledger,
        "58",
        "30",
        &[("L-create-invoice:B", "30")],
    )];
    let p = run(
        &state,
        &PlanInput {
            ledger_payments: &ok,
            open_invoices: &fine,
            periods: &periods,
            ..PlanInput::new(now())
        },
    );
    assert!(p.operations.is_empty());
    assert_eq!(codes(&p, "Q2"), [FailureCode::AmountTooPrecise]);
}

#[test]
fn y5_the_minor_unit_is_the_currencys_own() {
    use ledgerlink::billing::check_payment;
    let periods = open_periods();
    let check = |amount: &str, code: &str| {
        let m = Money::parse(amount, code).unwrap();
        let pay = Payment {
            id: "P".into(),
            date: day(11, 20),
            amount: m,
            payer: "K1".into(),
            allocations: vec![],
            origin: PaymentOrigin::Local,
            reference: None,
        };
        check_payment(&pay, &[], &periods, now())
            .failures
            .iter()
            .map(|f| f.code)
            .collect::<Vec<_>>()
    };
    let finer = [FailureCode::AmountTooPrecise];
    assert!(check("100", "JPY").is_empty());
    assert_eq!(check("100.5", "JPY"), finer);
    assert!(check("1.23", "USD").is_empty());
    assert_eq!(check("1.234", "USD"), finer);
    assert!(check("1.234", "KWD").is_empty());
    assert!(check("1.234", "BHD").is_empty());
    assert_eq!(check("1.2345", "BHD"), finer);
    assert_eq!(check("0", "USD"), [FailureCode::AmountNotPositive]);
}

#[test]
fn y5_invoice_lines_may_be_finer_than_the_cent_but_totals_are_not_and_never_negative() {
    use ledgerlink::billing::MAX_LINE_DECIMALS;
    let line = |q: &str, price: &str| InvoiceLine {
        work_type: None,
        description: "Services".into(),
        quantity: Decimal::from_str_exact(q).unwrap(),
        unit_price: usd(price),
        tax_rate: None,
    };
    // Unit prices of 4 decimals and quarter hours: the line amount is
    // rounded to the cent, so the totals are whole cents.
    let mut fine = invoice("A", "K1", "0", None, None);
    fine.lines = vec![line("1.25", "33.3333"), line("1", "-20")];
    // More decimals than the ledger keeps.
    let mut finer = invoice("B", "K1", "0", None, None);
    finer.lines = vec![line("1", "10.123456789")];
    let mut hours = invoice("C", "K1", "0", None, None);
    hours.lines = vec![line("0.123456789", "100")];
    // A discount larger than the work: a credit note, not an invoice.
    let mut credit = invoice("D", "K1", "0", None, None);
    credit.lines = vec![line("1", "100"), line("1", "-105")];
    let zero = invoice("E", "K1", "0", None, None);
    let invoices = [fine, finer, hours, credit, zero];
    let p = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    );
    assert_eq!(ops(&p), ["create-invoice:A", "create-invoice:E"]);
    let Action::CreateInvoice { invoice: d, .. } = &p.operations[0].action else {
        panic!("an invoice");
    };
    // 1.25 × 33.3333 = 41.666625 → 41.67; less 20.
    assert_eq!(d.lines[0].unit_price, usd("33.3333"));
    assert_eq!(d.lines[0].amount, usd("41.67"));
    assert_eq!(d.totals.gross, usd("21.67"));
    assert!(d.lines.iter().all(|l| l.amount.is_rounded()));
    assert_eq!(codes(&p, "B"), [FailureCode::AmountTooPrecise]);
    assert_eq!(codes(&p, "C"), [FailureCode::AmountTooPrecise]);
    let b = p.failures.iter().find(|f| f.record.id == "B").unwrap();
    assert!(b.detail.as_deref().unwrap().contains(&format!(
        "has 9 decimal places, the ledger keeps {MAX_LINE_DECIMALS}"
    )));
    assert_eq!(codes(&p, "D"), [FailureCode::AmountNotPositive]);
    // Queued: none of them is in flight.
    assert!(p.next_state.invoice("D").is_none());
}

#[test]
fn u1_invoices_sharing_an_id_are_queued_naming_both_and_neither_is_sent() {
    let mut first = invoice("A", "K1", "100", None, None);
    first.number = "N-1".into();
    let mut second = invoice("A", "K1", "200", None, None);
    second.number = "N-2".into();
    let invoices = [first.clone(), invoice("B", "K1", "50", None, None), second];
    let input = PlanInput {
        invoices: &invoices,
        ..PlanInput::new(now())
    };
    let p = run(&BillingState::new(), &input);
    // Before the fix: two `create-invoice:A` under one key, and the
    // ledger kept only one of them.
    assert_eq!(ops(&p), ["create-invoice:B"]);
    assert_eq!(codes(&p, "A"), [FailureCode::DuplicateRecordId]);
    let f = &p.failures[0];
    assert_eq!(f.record, RecordRef::new(RecordKind::Invoice, "A"));
    assert_eq!(
        f.detail.as_deref(),
        Some(
            "2 invoices of the input have id A, at positions 0 (number N-1) and 2 \
             (number N-2): neither is sent"
        )
    );
    assert!(f.describe().contains("give each record its own id"));
    assert!(p.next_state.invoice("A").is_none());
    // Queued (E2): it waits for "retry all".
    let mut state = apply_all(&p);
    let waiting = run(&state, &input);
    assert!(waiting.operations.is_empty());
    assert_eq!(waiting.skipped[0].rule, "E2");
    // The firm gives the second its own id, then retries.
    let mut renamed = invoices.clone();
    renamed[2].id = "A2".into();
    let retry = state.queue_mut().retry_all(now()).ready().unwrap();
    let fixed = run(
        &state,
        &PlanInput {
            invoices: &renamed,
            retry: &retry,
            ..PlanInput::new(now())
        },
    );
    assert_eq!(ops(&fixed), ["create-invoice:A", "create-invoice:A2"]);
    assert!(fixed.next_state.queue().is_empty());
}

#[test]
fn u1_an_invoice_in_flight_listed_twice_is_not_sent_again_until_fixed() {
    let invoices = [invoice("A", "K1", "100", None, None)];
    let first = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    );
    let key = idempotency_key(&first, 0);
    let mut state = first.next_state.clone();
    lose(&mut state, &first, 0);
    let twice = [invoices[0].clone(), invoices[0].clone()];
    let p = run(
        &state,
        &PlanInput {
            invoices: &twice,
            ..PlanInput::new(now())
        },
    );
    assert!(p.operations.is_empty());
    assert_eq!(codes(&p, "A"), [FailureCode::DuplicateRecordId]);
    // Still in flight: its number stays taken, and once listed once it is
    // sent again with the same key (U1), no "retry all" needed.
    assert_eq!(p.next_state.invoice("A").unwrap().ledger_id, None);
    let mut other = invoice("B", "K1", "5", None, None);
    other.number = "N-A".into();
    let taken = [invoices[0].clone(), invoices[0].clone(), other];
    let p2 = run(
        &state,
        &PlanInput {
            invoices: &taken,
            ..PlanInput::new(now())
        },
    );
    assert_eq!(codes(&p2, "B"), [FailureCode::DuplicateDocumentNumber]);
    let again = run(
        &p.next_state,
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    );
    assert_eq!(ops(&again), ["create-invoice:A"]);
    assert_eq!(idempotency_key(&again, 0), key);
    assert!(again.next_state.queue().is_empty());
}

#[test]
fn u1_payments_sharing_an_id_are_queued_both_ways() {
    let (state, open) = two_sent();
    let periods = open_periods();
    let local = [
        payment("P1", PaymentOrigin::Local, "K1", "10", &[("A", "10")]),
        payment("P1", PaymentOrigin::Local, "K1", "20", &[("B", "20")]),
    ];
    let q = |amount: &str| {
        payment(
            "Q1",
            PaymentOrigin::Ledger,
            "58",
            amount,
            &[("L-create-invoice:A", amount)],
        )
    };
    let mut q2 = q("5");
    q2.id = "Q2".into();
    // Q1 twice with different amounts; Q2 listed twice over, the same.
    let ledger = [q("30"), q2.clone(), q("40"), q2];
    let p = run(
        &state,
        &PlanInput {
            local_payments: &local,
            ledger_payments: &ledger,
            open_invoices: &open,
            periods: &periods,
            ..PlanInput::new(now())
        },
    );
    assert_eq!(ops(&p), ["pull-payment:Q2"]);
    assert_eq!(codes(&p, "P1"), [FailureCode::DuplicateRecordId]);
    assert_eq!(codes(&p, "Q1"), [FailureCode::DuplicateRecordId]);
    let detail = |id: &str| {
        p.failures
            .iter()
            .find(|f| f.record.id == id)
            .and_then(|f| f.detail.clone())
            .unwrap()
    };
    assert_eq!(
        detail("P1"),
        "2 payments of the input have id P1, at positions 0 (10 USD on 2026-11-20) and 1 \
         (20 USD on 2026-11-20): neither is sent"
    );
    assert!(
        detail("Q1").contains("ledger payments of the input have id Q1, at positions 0 (30 USD")
    );
    let kinds: Vec<RecordKind> = p.failures.iter().map(|f| f.record.kind).collect();
    assert_eq!(kinds, [RecordKind::Payment, RecordKind::LedgerPayment]);
}

#[test]
fn u1_a_second_result_for_one_operation_is_refused() {
    let invoices = [invoice("A", "K1", "100", None, None)];
    let p = run(
        &BillingState::new(),
        &PlanInput {
            invoices: &invoices,
            ..PlanInput::new(now())
        },
    );
    let mut state = p.next_state.clone();
    let op = p.operations[0].id.clone();
    let twice = [
        OpResult::applied(op.clone(), "130"),
        OpResult::applied(op, "131"),
    ];
    assert_eq!(
        apply_results(&mut state, &p, &twice, now()),
        Err(ledgerlink::Error::InvalidResult {
            op_id: "create-invoice:A".into(),
            reason: "reported twice".into(),
        })
    );
    assert_eq!(state, p.next_state);
}

/// Review of the fuzzing fixes: an open invoice listed twice with
/// different balances made the planner pick one silently. A ledger payment
/// of it now waits in the queue as `DuplicateRecordId`; listed twice alike,
/// it is one invoice and the payment goes through (Y2, Y4).
#[test]
fn y4_an_open_invoice_listed_twice_with_different_facts_is_not_guessed() {
    let (state, open) = two_sent();
    let periods = open_periods();
    let ledger = [payment(
        "Q1",
        PaymentOrigin::Ledger,
        "58",
        "10",
        &[("L-create-invoice:A", "10")],
    )];
    let mut twice = open.clone();
    let mut other = open.iter().find(|o| o.invoice_id == "A").unwrap().clone();
    other.due = usd("5.00");
    twice.push(other);
    let input = PlanInput {
        ledger_payments: &ledger,
        open_invoices: &twice,
        periods: &periods,
        ..PlanInput::new(now())
    };
    let p = run(&state, &input);
    assert!(p.operations.is_empty(), "{:?}", ops(&p));
    assert_eq!(codes(&p, "Q1"), [FailureCode::DuplicateRecordId]);
    // The same entry twice is the same invoice.
    let mut alike = open.clone();
    alike.extend(open.iter().cloned());
    let p = run(
        &state,
        &PlanInput {
            open_invoices: &alike,
            ..input
        },
    );
    assert_eq!(ops(&p), ["pull-payment:Q1"]);
}
