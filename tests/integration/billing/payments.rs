//! Payments both ways (Y1-Y4), closed books and currencies (U6, U7), and
//! the error queue with its retry throttle (E1-E3).

use super::*;

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
