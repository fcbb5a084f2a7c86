//! Records in flight: pushes whose answer was lost, ledger payments that
//! wait for them, full listings (Y1, Y2, U8, I2, E2).

use super::*;

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
