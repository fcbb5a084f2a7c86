//! Billing plans through the public API: invoices one way to the ledger,
//! payments both ways, the error queue and its retry throttle.

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
fn fail(
    state: &mut BillingState,
    plan: &billing::Plan,
    i: usize,
    error: AdapterError,
) -> billing::Applied {
    let failed = [OpResult::failed(plan.operations[i].id.clone(), error)];
    apply_results(state, plan, &failed, t0()).unwrap()
}

/// Feeds back a lost answer (a timeout) for operation `i` of `plan`.
fn lose(state: &mut BillingState, plan: &billing::Plan, i: usize) {
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

#[test]
fn y1_a_local_payment_follows_its_invoice_to_the_ledger() {
    let invoices = [invoice("A", "K1", "100", None, None)];
    let payments = [local_payment("P1", "K1", "100", &[("A", "100")])];
    let run = BillingRun::new()
        .invoices(&invoices)
        .local_payments(&payments);
    let p = run.plan(&BillingState::new());
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
    let mut copy = ledger_payment("L-push-payment:P1", "58", "100", &[]);
    copy.allocations.push(Allocation {
        invoice_id: "L-create-invoice:A".into(),
        amount: usd("100"),
    });
    let copies = [copy];
    let again = run.clone().ledger_payments(&copies).plan(&state);
    assert!(again.operations.is_empty(), "{:?}", ops(&again));
}

#[test]
fn y1_payments_of_invoices_the_ledger_lacks_are_left_alone() {
    let mut old = invoice("A", "K1", "100", None, None);
    old.issue_date = date(2025, 6, 1);
    let invoices = [old];
    let payments = [
        local_payment("P1", "K1", "100", &[("A", "100")]),
        ledger_payment("P2", "K1", "100", &[("A", "100")]),
    ];
    let p = BillingRun::new()
        .invoices(&invoices)
        .local_payments(&payments)
        .plan(&BillingState::new());
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
    let state = apply_all(
        &BillingRun::new()
            .invoices(&invoices)
            .plan(&BillingState::new()),
    );
    let mut facts = LedgerFacts {
        closed_through: Some(day(11, 20)),
        ..LedgerFacts::default()
    };
    facts.customer_currency.insert("59".into(), Currency::EUR);
    let mut late = local_payment("P1", "K1", "50", &[("A", "50")]);
    late.date = day(11, 21);
    let mut other_currency = local_payment("P2", "K2", "50", &[("B", "50")]);
    other_currency.date = day(11, 21);
    let payments = [
        local_payment("P0", "K1", "50", &[("A", "50")]),
        late,
        other_currency,
    ];
    let p = BillingRun::new()
        .local_payments(&payments)
        .ledger(&facts)
        .plan(&state);
    assert_eq!(ops(&p), ["push-payment:P1"]);
    assert_eq!(codes(&p, "P0"), [FailureCode::PaymentDateNotInOpenPeriod]);
    assert_eq!(codes(&p, "P2"), [FailureCode::CustomerCurrencyMismatch]);
}

#[test]
fn u7_an_invoice_in_another_currency_than_its_customer_is_refused() {
    let invoices = [invoice("A", "K1", "100", None, None)];
    let mut facts = LedgerFacts::default();
    facts.customer_currency.insert("58".into(), Currency::GBP);
    let p = BillingRun::new()
        .invoices(&invoices)
        .ledger(&facts)
        .plan(&BillingState::new());
    assert!(p.operations.is_empty());
    assert_eq!(codes(&p, "A"), [FailureCode::CustomerCurrencyMismatch]);
}

#[test]
fn y2_y3_a_split_ledger_payment_is_recorded_with_its_remainder() {
    let (state, open) = two_sent();
    // 100 to A (paid in full), 30 to B (partial), 25 to an invoice the firm
    // never had, 10 unapplied.
    let ledger = [ledger_payment(
        "Q9",
        "58",
        "165",
        &[
            ("L-create-invoice:A", "100"),
            ("L-create-invoice:B", "30"),
            ("QBO-ONLY", "25"),
        ],
    )];
    let p = BillingRun::new()
        .ledger_payments(&ledger)
        .open_invoices(&open)
        .open_books()
        .plan(&state);
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
    let mut future = ledger_payment_of("Q1", "A", "10");
    future.date = day(11, 25);
    let mut in_two_days = ledger_payment_of("Q2", "A", "10");
    in_two_days.date = day(11, 24);
    let mut closed = ledger_payment_of("Q3", "A", "10");
    closed.date = day(10, 15);
    let over = ledger_payment_of("Q4", "B", "90");
    let other = ledger_payment("Q5", "59", "10", &[("L-create-invoice:A", "10")]);
    let ledger = [future, in_two_days, closed, over, other];
    let p = BillingRun::new()
        .ledger_payments(&ledger)
        .open_invoices(&open)
        .periods(&periods)
        .plan(&state);
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
    let ledger = [ledger_payment_of("Q1", "A", "10")];
    let run = BillingRun::new()
        .ledger_payments(&ledger)
        .open_invoices(&open)
        .open_books();
    let p = run.plan(&state);
    let mut next = p.next_state.clone();
    let applied = fail(&mut next, &p, 0, period_locked());
    assert_eq!(applied.failures[0].code, FailureCode::ManualPaymentFailed);
    assert_eq!(
        applied.failures[0].code.message(),
        "Failed to create manual payment"
    );
    // The payment waits in the state for "retry all", even if the ledger's
    // change feed never lists it again.
    let quiet = run.clone().ledger_payments(&[]).plan(&next);
    assert!(quiet.operations.is_empty());
    let retry = next.queue_mut().retry_all(t0()).ready().unwrap();
    let again = run.clone().ledger_payments(&[]).retry(&retry).plan(&next);
    assert_eq!(ops(&again), ["pull-payment:Q1"]);
}

#[test]
fn e1_every_failure_names_its_record_code_explanation_and_remedy() {
    for code in FailureCode::ALL {
        assert!(!code.code().is_empty() && !code.message().is_empty());
        assert!(!code.explanation().is_empty() && !code.remedy().is_empty());
    }
    let invoices = [invoice("A", "K9", "100", None, None)];
    let p = BillingRun::new()
        .invoices(&invoices)
        .plan(&BillingState::new());
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
    let run = BillingRun::new().invoices(&invoices);
    let first = run.plan(&BillingState::new());
    assert!(first.operations.is_empty());
    let mut state = first.next_state.clone();
    assert_eq!(state.queue().failures().len(), 2);
    // Without "retry all" the failed invoices wait, even with new ones.
    let more = [
        invoices[0].clone(),
        invoices[1].clone(),
        invoice("C", "K1", "5", None, None),
    ];
    let waiting = run.clone().invoices(&more).plan(&state);
    assert_eq!(ops(&waiting), ["create-invoice:C"]);
    assert!(waiting.failures.is_empty());
    // The firm maps the rate; retry re-checks exactly A and B.
    let retry = state.queue_mut().retry_all(t0()).ready().unwrap();
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
    let p = run.clone().retry(&retry).settings(fixed).plan(&state);
    assert_eq!(ops(&p), ["create-invoice:A"]);
    assert_eq!(codes(&p, "B"), [FailureCode::CustomerRefRequired]);
    // Twice within three minutes is refused; after, allowed.
    let later = t0() + TimeDelta::seconds(179);
    let too_soon = state.queue_mut().retry_all(later);
    assert_eq!(too_soon, Retry::NotBefore(t0() + TimeDelta::minutes(3)));
    assert!(
        state
            .queue_mut()
            .retry_all(t0() + TimeDelta::minutes(3))
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
    let run = BillingRun::new().invoices(&invoices);
    let p = run.plan(&BillingState::new());
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
    let applied = apply_results(&mut state, &p, &results, t0()).unwrap();
    assert!(applied.disconnected && state.is_disconnected());
    assert_eq!(applied.retry_at, Some(t0() + TimeDelta::seconds(60)));
    assert_eq!(applied.failures[0].code, FailureCode::AuthenticationFailed);
    let blocked = run.plan(&state);
    assert!(blocked.operations.is_empty());
    assert_eq!(blocked.skipped[0].rule, "E3");
    // Reconnected: both invoices are planned again, with their keys.
    state.reconnect();
    let p2 = run.plan(&state);
    assert_eq!(ops(&p2), ["create-invoice:A", "create-invoice:B"]);
    assert_eq!(p2.not_before, Some(t0() + TimeDelta::seconds(60)));
}

#[test]
fn results_of_unknown_operations_are_refused() {
    let p = BillingRun::new().plan(&BillingState::new());
    let mut state = BillingState::new();
    let bogus = [OpResult::applied(OpId("create-invoice:Z".into()), "1")];
    assert_eq!(
        apply_results(&mut state, &p, &bogus, t0()),
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
    let p = BillingRun::new()
        .invoices(&invoices)
        .ledger(&facts)
        .plan(&BillingState::new());
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

/// Two invoices sent (A owing 100, B 80) and a payment of 60 to A pushed
/// to the ledger, its answer lost: in flight. The firm's A now owes 40.
fn push_in_flight() -> (BillingState, Vec<OpenInvoice>, [Payment; 1], String) {
    let (state, mut open) = two_sent();
    let payments = [local_payment("P1", "K1", "60", &[("A", "60")])];
    let p = BillingRun::new().local_payments(&payments).plan(&state);
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
    let mut echo = ledger_payment_of("Q7", "A", "60");
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
    let p = BillingRun::new()
        .local_payments(&payments)
        .ledger_payments(&ledger)
        .open_invoices(&open)
        .open_books()
        .ledger(&facts)
        .plan(&state);
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
    let run = BillingRun::new()
        .local_payments(&payments)
        .open_invoices(&open)
        .open_books()
        .ledger(&facts);
    let p = run.plan(&state);
    assert!(p.operations.is_empty());
    assert_eq!(codes(&p, "P1"), [FailureCode::PaymentDateNotInOpenPeriod]);
    // U1: the ledger may have it already, so it stays in flight.
    assert_eq!(p.next_state.pushed_payment("P1"), Some(None));
    // The ledger's copy shows up, its reference carrying our key.
    let ledger = [echo_of_p1(&key)];
    let p2 = run.clone().ledger_payments(&ledger).plan(&p.next_state);
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
    let payments = [local_payment("P1", "K1", "60", &[("A", "60")])];
    let run = BillingRun::new().local_payments(&payments);
    let state = apply_all(&run.plan(&state));
    assert_eq!(state.pushed_payment("P1"), Some(Some("L-push-payment:P1")));
    open[0].due = usd("40");
    // The ledger's copy of P1, and another payment whose reference also
    // reads "P1" (a cheque number, a copy made by hand…).
    let mut copy = ledger_payment_of("L-push-payment:P1", "A", "60");
    copy.reference = Some("P1".into());
    let mut other = ledger_payment_of("Q8", "A", "40");
    other.reference = Some("P1".into());
    let ledger = [copy, other];
    let p = run
        .clone()
        .ledger_payments(&ledger)
        .open_invoices(&open)
        .open_books()
        .plan(&state);
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
    let first = BillingRun::new()
        .invoices(&invoices)
        .plan(&BillingState::new());
    let mut state = first.next_state.clone();
    lose(&mut state, &first, 0);
    // The create reached the ledger as QBO-77, and the client paid it.
    let ledger = [ledger_payment("Q1", "58", "100", &[("QBO-77", "100")])];
    let open = [OpenInvoice {
        invoice_id: "A".into(),
        customer: "K1".into(),
        due: usd("100"),
        status: InvoiceStatus::Sent,
    }];
    let run = BillingRun::new()
        .invoices(&invoices)
        .ledger_payments(&ledger)
        .open_invoices(&open)
        .open_books();
    let p = run.plan(&state);
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
    apply_results(&mut next, &p, &sent, t0()).unwrap();
    let p2 = run.clone().ledger_payments(&[]).plan(&next);
    assert_eq!(ops(&p2), ["pull-payment:Q1"]);
}

#[test]
fn u8_a_waiting_ledger_payment_missing_from_a_full_listing_is_dropped_and_reported() {
    let (state, open) = two_sent();
    let ledger = [ledger_payment_of("Q1", "A", "10")];
    let run = BillingRun::new()
        .ledger_payments(&ledger)
        .open_invoices(&open)
        .open_books();
    let p = run.plan(&state);
    // The firm's system refuses it: it waits in the state for "retry all".
    let mut next = p.next_state.clone();
    fail(&mut next, &p, 0, period_locked());
    let retry = next.queue_mut().retry_all(t0()).ready().unwrap();
    // A change feed that does not list it again keeps it waiting.
    let feed = run.clone().ledger_payments(&[]).retry(&retry).plan(&next);
    assert_eq!(ops(&feed), ["pull-payment:Q1"]);
    // The bookkeeper deleted it in the ledger: a full listing lacks it.
    let full = run
        .clone()
        .ledger_payments(&[])
        .full_listing()
        .retry(&retry)
        .plan(&next);
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
    let after = run.clone().ledger_payments(&[]).plan(&full.next_state);
    assert!(after.operations.is_empty() && after.skipped.is_empty());
}

#[test]
fn i2_an_invoice_in_flight_edited_locally_is_sent_again_as_it_was_sent() {
    let invoices = [invoice("A", "K1", "100", None, None)];
    let first = BillingRun::new()
        .invoices(&invoices)
        .plan(&BillingState::new());
    let mut state = first.next_state.clone();
    lose(&mut state, &first, 0);
    // Edited before the retry: same key, so the same payload (U1, I2).
    // A new invoice taking the number sent is a duplicate (I6).
    let mut taken = invoice("B", "K1", "10", None, None);
    taken.number = "N-A".into();
    let edited = [invoice("A", "K1", "120", Some("Tax return"), None), taken];
    let p = BillingRun::new().invoices(&edited).plan(&state);
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
    let first = BillingRun::new()
        .invoices(&invoices)
        .plan(&BillingState::new());
    let mut state = first.next_state.clone();
    let retry = state.queue_mut().retry_all(t0()).ready().unwrap();
    assert_eq!(retry.len(), 2);
    // This run lists only A: B was not checked again, so it stays queued.
    let only_a = [invoices[0].clone()];
    let p = BillingRun::new()
        .invoices(&only_a)
        .retry(&retry)
        .plan(&state);
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
        ledger_payment_of("Q1", "A", "10"),
        ledger_payment_of("Q2", "B", "10"),
    ];
    let p = BillingRun::new()
        .ledger_payments(&ledger)
        .open_invoices(&open)
        .open_books()
        .plan(&state);
    assert!(p.operations.is_empty(), "{:?}", ops(&p));
    assert_eq!(codes(&p, "Q1"), [FailureCode::InvoiceNotFound]);
    assert_eq!(codes(&p, "Q2"), [FailureCode::InvoiceNotFound]);
    assert!(p.failures[0].detail.as_deref().unwrap().contains("Void"));
}

#[test]
fn y2_i5_a_payment_from_an_unlinked_ledger_customer_needs_its_customer_linked() {
    let (state, open) = two_sent();
    let ledger = [ledger_payment(
        "Q1",
        "77",
        "10",
        &[("L-create-invoice:A", "10")],
    )];
    let p = BillingRun::new()
        .ledger_payments(&ledger)
        .open_invoices(&open)
        .open_books()
        .plan(&state);
    assert!(p.operations.is_empty());
    assert_eq!(codes(&p, "Q1"), [FailureCode::CustomerRefRequired]);
    let text = p.failures[0].describe();
    assert!(
        text.contains("77") && text.contains("To fix: link"),
        "{text}"
    );
}

#[test]
fn u4_send_billing_sends_nothing_before_the_ledgers_retry_time() {
    use ledgerlink::driver::{Sent, send_billing};
    use ledgerlink::testing::block_on;
    let invoices = [
        invoice("A", "K1", "100", None, None),
        invoice("B", "K1", "100", None, None),
    ];
    let run = BillingRun::new().invoices(&invoices);
    let p = run.plan(&BillingState::new());
    let mut state = p.next_state.clone();
    let limited = AdapterError::RateLimited {
        retry_after_secs: 60,
    };
    fail(&mut state, &p, 0, limited);
    let again = run.plan(&state);
    let retry_at = t0() + TimeDelta::seconds(60);
    assert_eq!(again.not_before, Some(retry_at));
    let memory = MemoryBilling::new();
    let (qbo, stores) = (&memory.qbo, memory.stores());
    // U4: a second early is too soon, and no store is called.
    let early = block_on(send_billing(
        &again,
        &customers(),
        stores,
        retry_at - TimeDelta::seconds(1),
    ));
    assert_eq!(early, Sent::NotBefore(retry_at));
    assert_eq!(early.not_before(), Some(retry_at));
    assert!(qbo.invoices().is_empty());
    // From the retry time on, the plan goes.
    let sent = block_on(send_billing(&again, &customers(), stores, retry_at))
        .results()
        .unwrap();
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .all(|r| matches!(r.outcome, OpOutcome::Applied { .. }))
    );
    assert_eq!(qbo.invoices().len(), 2);
}

#[test]
fn u1_send_billing_skips_the_dependents_of_an_operation_that_did_not_go_through() {
    use ledgerlink::driver::send_billing;
    use ledgerlink::testing::block_on;
    // The contact run plans to create K7 in the ledger; the billing run
    // invoices K7 (after that create) and sends K7's payment of the
    // invoice (after the invoice's create).
    let contact_plan = creating_k7();
    let invoices = [invoice("A", "K7", "100", None, None)];
    let paid = [local_payment("P1", "K7", "100", &[("A", "100")])];
    let p = BillingRun::new()
        .invoices(&invoices)
        .local_payments(&paid)
        .open_books()
        .contact_plan(&contact_plan)
        .plan(&BillingState::new());
    assert_eq!(ops(&p), ["create-invoice:A", "push-payment:P1"]);
    assert!(
        p.operations[1]
            .depends_on
            .contains(&OpId("create-invoice:A".into()))
    );
    let memory = MemoryBilling::new();
    let (qbo, stores) = (&memory.qbo, memory.stores());
    let skipped = |sent: &[OpResult], i: usize| match &sent[i].outcome {
        OpOutcome::Skipped { reason } => reason.clone(),
        other => panic!("{} was not skipped: {other:?}", sent[i].op_id),
    };
    // The contact create did not go through (K7 is not linked): the
    // invoice is skipped, and so is the payment that waits for it, with
    // the operation it waited for named.
    let sent = block_on(send_billing(&p, &customers(), stores, t0()))
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
    let sent = block_on(send_billing(&edited, &customers(), stores, t0()))
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
    // The issue's case: -5.00 allocated -5.00 to a 100.00 invoice would
    // have taken its balance to 105.00.
    let local = [
        local_payment("P1", "K1", "-5.00", &[("A", "-5.00")]),
        local_payment("P2", "K1", "0", &[("B", "0")]),
        local_payment("P3", "K1", "10", &[("B", "10")]),
    ];
    let ledger = [
        ledger_payment_of("Q1", "A", "-5.00"),
        // 100 received, 105 to the firm's invoice and -5 to one it does
        // not have: the firm would record 105.
        ledger_payment(
            "Q2",
            "58",
            "100",
            &[("L-create-invoice:A", "105"), ("QBO-ONLY", "-5")],
        ),
    ];
    let p = BillingRun::new()
        .local_payments(&local)
        .ledger_payments(&ledger)
        .open_invoices(&open)
        .open_books()
        .plan(&state);
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
    let local = [
        local_payment("P1", "K1", "-0.001", &[]),
        local_payment("P2", "K1", "10.005", &[("A", "10.005")]),
        // Trailing zeros are no finer than the cent.
        local_payment("P3", "K1", "10.000", &[("A", "10.0")]),
    ];
    let ledger = [ledger_payment(
        "Q1",
        "58",
        "30.00",
        &[("L-create-invoice:B", "29.995")],
    )];
    let p = BillingRun::new()
        .local_payments(&local)
        .ledger_payments(&ledger)
        .open_invoices(&open)
        .open_books()
        .plan(&state);
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
    let ok = [ledger_payment_of("Q2", "B", "30")];
    let p = BillingRun::new()
        .ledger_payments(&ok)
        .open_invoices(&fine)
        .open_books()
        .plan(&state);
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
        check_payment(&pay, &[], &periods, t0())
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
    let p = BillingRun::new()
        .invoices(&invoices)
        .plan(&BillingState::new());
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
    let run = BillingRun::new().invoices(&invoices);
    let p = run.plan(&BillingState::new());
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
    let waiting = run.plan(&state);
    assert!(waiting.operations.is_empty());
    assert_eq!(waiting.skipped[0].rule, "E2");
    // The firm gives the second its own id, then retries.
    let mut renamed = invoices.clone();
    renamed[2].id = "A2".into();
    let retry = state.queue_mut().retry_all(t0()).ready().unwrap();
    let fixed = BillingRun::new()
        .invoices(&renamed)
        .retry(&retry)
        .plan(&state);
    assert_eq!(ops(&fixed), ["create-invoice:A", "create-invoice:A2"]);
    assert!(fixed.next_state.queue().is_empty());
}

#[test]
fn u1_an_invoice_in_flight_listed_twice_is_not_sent_again_until_fixed() {
    let invoices = [invoice("A", "K1", "100", None, None)];
    let first = BillingRun::new()
        .invoices(&invoices)
        .plan(&BillingState::new());
    let key = idempotency_key(&first, 0);
    let mut state = first.next_state.clone();
    lose(&mut state, &first, 0);
    let twice = [invoices[0].clone(), invoices[0].clone()];
    let p = BillingRun::new().invoices(&twice).plan(&state);
    assert!(p.operations.is_empty());
    assert_eq!(codes(&p, "A"), [FailureCode::DuplicateRecordId]);
    // Still in flight: its number stays taken, and once listed once it is
    // sent again with the same key (U1), no "retry all" needed.
    assert_eq!(p.next_state.invoice("A").unwrap().ledger_id, None);
    let mut other = invoice("B", "K1", "5", None, None);
    other.number = "N-A".into();
    let taken = [invoices[0].clone(), invoices[0].clone(), other];
    let p2 = BillingRun::new().invoices(&taken).plan(&state);
    assert_eq!(codes(&p2, "B"), [FailureCode::DuplicateDocumentNumber]);
    let again = BillingRun::new().invoices(&invoices).plan(&p.next_state);
    assert_eq!(ops(&again), ["create-invoice:A"]);
    assert_eq!(idempotency_key(&again, 0), key);
    assert!(again.next_state.queue().is_empty());
}

#[test]
fn u1_payments_sharing_an_id_are_queued_both_ways() {
    let (state, open) = two_sent();
    let local = [
        local_payment("P1", "K1", "10", &[("A", "10")]),
        local_payment("P1", "K1", "20", &[("B", "20")]),
    ];
    let q = |amount: &str| ledger_payment("Q1", "58", amount, &[("L-create-invoice:A", amount)]);
    let mut q2 = q("5");
    q2.id = "Q2".into();
    // Q1 twice with different amounts; Q2 listed twice over, the same.
    let ledger = [q("30"), q2.clone(), q("40"), q2];
    let p = BillingRun::new()
        .local_payments(&local)
        .ledger_payments(&ledger)
        .open_invoices(&open)
        .open_books()
        .plan(&state);
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
    let p = BillingRun::new()
        .invoices(&invoices)
        .plan(&BillingState::new());
    let mut state = p.next_state.clone();
    let op = p.operations[0].id.clone();
    let twice = [
        OpResult::applied(op.clone(), "130"),
        OpResult::applied(op, "131"),
    ];
    assert_eq!(
        apply_results(&mut state, &p, &twice, t0()),
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
    let ledger = [ledger_payment_of("Q1", "A", "10")];
    let mut twice = open.clone();
    let mut other = open.iter().find(|o| o.invoice_id == "A").unwrap().clone();
    other.due = usd("5.00");
    twice.push(other);
    let run = BillingRun::new()
        .ledger_payments(&ledger)
        .open_invoices(&twice)
        .open_books();
    let p = run.plan(&state);
    assert!(p.operations.is_empty(), "{:?}", ops(&p));
    assert_eq!(codes(&p, "Q1"), [FailureCode::DuplicateRecordId]);
    // The same entry twice is the same invoice.
    let mut alike = open.clone();
    alike.extend(open.iter().cloned());
    let p = run.clone().open_invoices(&alike).plan(&state);
    assert_eq!(ops(&p), ["pull-payment:Q1"]);
}
