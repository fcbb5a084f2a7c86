//! The guards: the ledger's retry time and skipped dependents (U4, U1),
//! amounts (Y5) and records sharing an id (U1, Y4).

use super::*;

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
    // The case: -5.00 allocated -5.00 to a 100.00 invoice would
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
