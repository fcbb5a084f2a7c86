//! The in-memory billing stores through the public API: the QuickBooks
//! Online rules the ledger enforces on invoices and payments, and the
//! firm's side that records the ledger's payments with their activity.

use std::sync::Arc;

use chrono::NaiveDate;
use ledgerlink::billing::{BalanceChange, InvoiceDraft, OpenInvoice, PaymentDraft};
use ledgerlink::model::{
    Allocation, ContactId, Currency, Invoice, InvoiceLine, InvoiceStatus, Money, Payment,
    PaymentOrigin, TaxRate,
};
use ledgerlink::ports::{AdapterError, InvoiceStore, PaymentStore};
use ledgerlink::testing::{
    BillingCallCounts, BillingRefusal, Call, Fault, MemoryLedgerBilling, MemoryPracticeBilling,
    MemoryStore, block_on, invoice_draft, payment_draft,
};
use ledgerlink::{Contact, Profile};
use rust_decimal::Decimal;

use crate::support::money::{nzd, usd};
use crate::support::time::nov;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn cid(id: &str) -> ContactId {
    ContactId::new(id)
}

/// A company with two USD customers (58, 59) and one NZD customer (60).
fn qbo() -> MemoryLedgerBilling {
    MemoryLedgerBilling::qbo()
        .with_customer("58", Currency::USD)
        .with_customer("59", Currency::USD)
        .with_customer("60", Currency::NZD)
}

fn create_invoice(
    store: &MemoryLedgerBilling,
    draft: &InvoiceDraft,
    customer: &str,
    key: &str,
) -> Result<String, AdapterError> {
    block_on(store.create_invoice(draft, &cid(customer), key))
}

fn create_payment(
    store: &dyn PaymentStore,
    draft: &PaymentDraft,
    customer: &str,
    invoices: &[&str],
    key: &str,
) -> Result<String, AdapterError> {
    let ids: Vec<String> = invoices.iter().map(|s| (*s).to_owned()).collect();
    block_on(store.create_payment(draft, &cid(customer), &ids, key))
}

/// An invoice for `customer` of `gross` USD, numbered `number`.
fn invoice(
    store: &MemoryLedgerBilling,
    number: &str,
    customer: &str,
    gross: &str,
) -> Result<String, AdapterError> {
    let draft = invoice_draft(
        &format!("INV-{number}"),
        number,
        customer,
        nov(10),
        usd(gross),
    );
    create_invoice(store, &draft, customer, &format!("create-invoice:{number}"))
}

fn refusal(r: &Result<String, AdapterError>) -> Option<BillingRefusal> {
    r.as_ref().err().and_then(BillingRefusal::of)
}

fn code(r: &Result<String, AdapterError>) -> Option<&str> {
    match r {
        Err(AdapterError::Validation { code, .. }) => code.as_deref(),
        _ => None,
    }
}

fn message(r: &Result<String, AdapterError>) -> &str {
    match r {
        Err(AdapterError::Validation { message, .. }) => message,
        _ => "",
    }
}

/// A payment as a bookkeeper enters it in the ledger.
fn manual(payer: &str, date: NaiveDate, amount: Money, allocations: &[(&str, Money)]) -> Payment {
    Payment {
        id: String::new(),
        date,
        amount,
        payer: cid(payer),
        allocations: allocations
            .iter()
            .map(|(i, a)| Allocation {
                invoice_id: (*i).to_owned(),
                amount: *a,
            })
            .collect(),
        origin: PaymentOrigin::Ledger,
        reference: None,
    }
}

// ---------------------------------------------------------------------------
// The ledger: invoices.

#[test]
fn a_new_invoice_owes_its_gross_total_and_awaits_payment() -> TestResult {
    let qbo = qbo();
    let mut draft = invoice_draft("INV-A", "1001", "58", nov(10), usd("199.99"));
    draft.totals.tax = usd("17.75");
    draft.totals.gross = usd("217.74");
    let id = create_invoice(&qbo, &draft, "58", "k1")?;
    assert_eq!(id, "1");
    let stored = qbo.invoice(&id).ok_or("stored")?;
    assert_eq!(stored.doc_number, "1001");
    assert_eq!(stored.customer, "58");
    assert_eq!(stored.txn_date, nov(10));
    assert_eq!(stored.total, usd("217.74"));
    assert_eq!(stored.balance, usd("217.74"));
    assert_eq!(stored.status, InvoiceStatus::AwaitingPayment);
    assert_eq!(stored.source_invoice_id.as_deref(), Some("INV-A"));
    assert_eq!(stored.sync_token, 0);
    assert_eq!(qbo.invoice_from("INV-A"), Some(stored));
    // Ids are one sequence, in creation order.
    assert_eq!(invoice(&qbo, "1002", "58", "10")?, "2");
    assert_eq!(invoice(&qbo, "1003", "59", "10")?, "3");
    Ok(())
}

#[test]
fn a_used_document_number_is_refused_whatever_its_case_and_spaces() -> TestResult {
    let qbo = qbo();
    invoice(&qbo, "INV-0042", "58", "100")?;
    for (n, number) in ["inv-0042", "  INV-0042 ", "Inv-0042"].iter().enumerate() {
        let draft = invoice_draft("INV-X", number, "59", nov(11), usd("5"));
        let refused = create_invoice(&qbo, &draft, "59", &format!("dup-{n}"));
        assert_eq!(refusal(&refused), Some(BillingRefusal::DuplicateDocNumber));
        assert_eq!(code(&refused), Some("6140"));
        assert!(message(&refused).starts_with("Duplicate Document Number Error"));
    }
    // Another document's number (an estimate, a credit memo) is taken too.
    qbo.add_doc_number(" CM-7 ");
    let draft = invoice_draft("INV-Y", "cm-7", "58", nov(11), usd("5"));
    let refused = create_invoice(&qbo, &draft, "58", "cm");
    assert_eq!(code(&refused), Some("6140"));
    // Nothing was written, and a free number goes through.
    assert_eq!(qbo.invoices().len(), 1);
    invoice(&qbo, "INV-0043", "58", "1")?;
    assert_eq!(qbo.invoices().len(), 2);
    Ok(())
}

#[test]
fn a_document_number_longer_than_twenty_one_characters_is_refused() -> TestResult {
    let qbo = qbo();
    let long = "2026-11-BOOKKEEPING-42"; // 22 characters
    let draft = invoice_draft("INV-L", long, "58", nov(10), usd("1"));
    let refused = create_invoice(&qbo, &draft, "58", "long");
    assert_eq!(refusal(&refused), Some(BillingRefusal::DocNumberTooLong));
    assert_eq!(code(&refused), Some("2050"));
    assert!(message(&refused).contains("Max:21"));
    let draft = invoice_draft("INV-L", &long[1..], "58", nov(10), usd("1"));
    assert_eq!(create_invoice(&qbo, &draft, "58", "fits")?, "1");
    Ok(())
}

#[test]
fn an_invoice_without_a_number_gets_the_next_free_one() -> TestResult {
    let qbo = qbo();
    qbo.add_doc_number("1001");
    let draft = invoice_draft("INV-N", "  ", "58", nov(10), usd("1"));
    let id = create_invoice(&qbo, &draft, "58", "auto-1")?;
    assert_eq!(qbo.invoice(&id).map(|i| i.doc_number), Some("1002".into()));
    let id = create_invoice(&qbo, &draft, "58", "auto-2")?;
    assert_eq!(qbo.invoice(&id).map(|i| i.doc_number), Some("1003".into()));
    Ok(())
}

#[test]
fn invoices_dated_in_closed_books_are_refused() -> TestResult {
    let qbo = qbo();
    qbo.set_book_close_date(nov(10));
    // On the closing date: closed.
    let on = invoice_draft("INV-A", "1001", "58", nov(10), usd("1"));
    let refused = create_invoice(&qbo, &on, "58", "a");
    assert_eq!(refusal(&refused), Some(BillingRefusal::PeriodClosed));
    assert_eq!(code(&refused), Some("6210"));
    assert!(message(&refused).starts_with("Account Period Closed"));
    let before = invoice_draft("INV-B", "1002", "58", nov(3), usd("1"));
    assert_eq!(
        code(&create_invoice(&qbo, &before, "58", "b")),
        Some("6210")
    );
    // The day after: open.
    let after = invoice_draft("INV-C", "1003", "58", nov(11), usd("1"));
    create_invoice(&qbo, &after, "58", "c")?;
    // Reopened books take the refused one.
    qbo.clear_book_close_date();
    create_invoice(&qbo, &on, "58", "a")?;
    assert_eq!(qbo.invoices().len(), 2);
    Ok(())
}

#[test]
fn an_unknown_or_inactive_customer_is_refused() -> TestResult {
    let qbo = qbo();
    let draft = invoice_draft("INV-A", "1001", "99", nov(10), usd("1"));
    let refused = create_invoice(&qbo, &draft, "99", "a");
    assert_eq!(refusal(&refused), Some(BillingRefusal::InvalidReference));
    assert_eq!(code(&refused), Some("2500"));
    assert!(message(&refused).starts_with("Invalid Reference Id"));
    let pay = payment_draft("pay-1", "99", nov(12), usd("1"), &[]);
    let refused = create_payment(&qbo, &pay, "99", &[], "p");
    assert_eq!(code(&refused), Some("2500"));

    assert!(qbo.deactivate_customer("59"));
    assert!(!qbo.deactivate_customer("99"));
    let draft = invoice_draft("INV-B", "1002", "59", nov(10), usd("1"));
    let refused = create_invoice(&qbo, &draft, "59", "b");
    assert_eq!(refusal(&refused), Some(BillingRefusal::ObjectNotFound));
    assert_eq!(code(&refused), Some("610"));
    assert!(qbo.invoices().is_empty() && qbo.payments().is_empty());
    Ok(())
}

#[test]
fn an_invoice_or_payment_in_another_currency_than_the_customers_is_refused() -> TestResult {
    let qbo = qbo();
    // Customer 60 bills in NZD.
    let draft = invoice_draft("INV-A", "1001", "60", nov(10), usd("10"));
    let refused = create_invoice(&qbo, &draft, "60", "a");
    assert_eq!(refusal(&refused), Some(BillingRefusal::CurrencyMismatch));
    assert_eq!(code(&refused), Some("6000"));
    assert!(message(&refused).contains("NZD"));
    let draft = invoice_draft("INV-A", "1001", "60", nov(10), nzd("10"));
    let id = create_invoice(&qbo, &draft, "60", "a")?;

    let pay = payment_draft("pay-1", "60", nov(12), usd("10"), &[("INV-A", usd("10"))]);
    let refused = create_payment(&qbo, &pay, "60", &[&id], "p");
    assert_eq!(refusal(&refused), Some(BillingRefusal::CurrencyMismatch));
    // An allocation in another currency than its invoice's.
    let pay = payment_draft("pay-1", "60", nov(12), nzd("10"), &[("INV-A", usd("10"))]);
    let refused = create_payment(&qbo, &pay, "60", &[&id], "p");
    assert_eq!(refusal(&refused), Some(BillingRefusal::CurrencyMismatch));
    assert_eq!(qbo.balance(&id), Some(nzd("10")));
    assert!(qbo.payments().is_empty());
    Ok(())
}

#[test]
fn a_bookkeepers_edit_moves_the_sync_token_and_keeps_the_id() -> TestResult {
    let qbo = qbo();
    let id = invoice(&qbo, "1001", "58", "100")?;
    assert!(qbo.edit_invoice(&id, |inv| {
        inv.id = "other".into();
        inv.due_date = nov(28);
        inv.lines[0].description = "Changed in QBO".into();
    }));
    let edited = qbo.invoice(&id).ok_or("edited")?;
    assert_eq!(edited.id, id);
    assert_eq!(edited.sync_token, 1);
    assert_eq!(edited.due_date, nov(28));
    assert_eq!(edited.lines[0].description, "Changed in QBO");
    assert_eq!(edited.balance, usd("100"));
    // A renumbered invoice frees its old number.
    assert!(qbo.edit_invoice(&id, |inv| inv.doc_number = "1001-A".into()));
    invoice(&qbo, "1001", "58", "1")?;
    assert!(!qbo.edit_invoice("404", |_| {}));
    Ok(())
}

#[test]
fn ledger_facts_report_numbers_currencies_and_the_closing_date() -> TestResult {
    let qbo = qbo();
    invoice(&qbo, "1001", "58", "1")?;
    qbo.add_doc_number("EST-9");
    qbo.set_book_close_date(nov(5));
    let facts = block_on(qbo.ledger_facts())?;
    let numbers: Vec<&str> = facts.doc_numbers.iter().map(String::as_str).collect();
    assert_eq!(numbers, ["1001", "EST-9"]);
    assert_eq!(facts.customer_currency.get("58"), Some(&Currency::USD));
    assert_eq!(facts.customer_currency.get("60"), Some(&Currency::NZD));
    assert_eq!(facts.customer_currency.len(), 3);
    assert_eq!(facts.closed_through, Some(nov(5)));
    assert_eq!(qbo.calls().ledger_facts, 1);
    Ok(())
}

#[test]
fn customers_can_come_from_the_contact_store_of_the_same_company() -> TestResult {
    let contacts = Arc::new(MemoryStore::ledger(Profile::Qbo));
    let qbo = MemoryLedgerBilling::qbo()
        .with_customer_store(Arc::clone(&contacts), Currency::USD)
        .with_customer("7", Currency::NZD);
    let draft = invoice_draft("INV-A", "1001", "1", nov(10), usd("1"));
    assert_eq!(
        refusal(&create_invoice(&qbo, &draft, "1", "a")),
        Some(BillingRefusal::InvalidReference)
    );
    // The contact sync creates customer "1"; the ledger knows it at once.
    let created = block_on(ledgerlink::ports::ContactStore::create(
        &*contacts,
        &Contact::organization("", "Acme Ltd"),
        "contact-op",
    ))?;
    assert_eq!(created.id, "1");
    create_invoice(&qbo, &draft, "1", "a")?;
    let facts = block_on(qbo.ledger_facts())?;
    assert_eq!(facts.customer_currency.get("1"), Some(&Currency::USD));
    assert_eq!(facts.customer_currency.get("7"), Some(&Currency::NZD));
    // An archived (inactive) customer is refused.
    contacts.archive_now("1");
    let draft = invoice_draft("INV-B", "1002", "1", nov(10), usd("1"));
    assert_eq!(
        refusal(&create_invoice(&qbo, &draft, "1", "b")),
        Some(BillingRefusal::ObjectNotFound)
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// The ledger: payments.

#[test]
fn a_split_payment_lowers_balances_pays_one_off_and_keeps_its_reference() -> TestResult {
    let qbo = qbo();
    let a = invoice(&qbo, "1001", "58", "100.00")?;
    let b = invoice(&qbo, "1002", "58", "100.00")?;
    let pay = payment_draft(
        "PAY-9",
        "58",
        nov(20),
        usd("150.00"),
        &[("INV-1001", usd("100.00")), ("INV-1002", usd("40.00"))],
    );
    let id = create_payment(&qbo, &pay, "58", &[&a, &b], "push-payment:PAY-9")?;
    assert_eq!(id, "3");
    assert_eq!(qbo.balance(&a), Some(usd("0.00")));
    assert_eq!(qbo.invoice(&a).map(|i| i.status), Some(InvoiceStatus::Paid));
    assert_eq!(qbo.balance(&b), Some(usd("60.00")));
    assert_eq!(
        qbo.invoice(&b).map(|i| i.status),
        Some(InvoiceStatus::AwaitingPayment)
    );
    let stored = qbo.payment(&id).ok_or("stored")?;
    assert_eq!(stored.reference.as_deref(), Some("PAY-9"));
    assert_eq!(stored.payer, "58");
    assert_eq!(stored.origin, PaymentOrigin::Ledger);
    let on: Vec<&str> = stored
        .allocations
        .iter()
        .map(|x| x.invoice_id.as_str())
        .collect();
    assert_eq!(on, [a.as_str(), b.as_str()]);
    // The remainder stays unapplied, exactly.
    assert_eq!(stored.unapplied()?, usd("10.00"));
    Ok(())
}

#[test]
fn a_payment_above_what_the_invoice_owes_is_refused() -> TestResult {
    let qbo = qbo();
    let a = invoice(&qbo, "1001", "58", "100.00")?;
    let pay = payment_draft(
        "pay-1",
        "58",
        nov(20),
        usd("120.00"),
        &[("x", usd("120.00"))],
    );
    let refused = create_payment(&qbo, &pay, "58", &[&a], "p1");
    assert_eq!(refusal(&refused), Some(BillingRefusal::Overpayment));
    assert_eq!(code(&refused), Some("6000"));
    assert!(message(&refused).starts_with("Payment will overpay the invoice"));
    // Two allocations to the same invoice count together.
    let pay = payment_draft(
        "pay-2",
        "58",
        nov(20),
        usd("120.00"),
        &[("x", usd("60.00")), ("x", usd("60.00"))],
    );
    let refused = create_payment(&qbo, &pay, "58", &[&a, &a], "p2");
    assert_eq!(refusal(&refused), Some(BillingRefusal::Overpayment));
    // After a partial payment, the rest is what may be paid.
    let part = payment_draft("pay-3", "58", nov(20), usd("70.00"), &[("x", usd("70.00"))]);
    create_payment(&qbo, &part, "58", &[&a], "p3")?;
    let rest = payment_draft("pay-4", "58", nov(21), usd("30.01"), &[("x", usd("30.01"))]);
    assert_eq!(
        refusal(&create_payment(&qbo, &rest, "58", &[&a], "p4")),
        Some(BillingRefusal::Overpayment)
    );
    assert_eq!(qbo.balance(&a), Some(usd("30.00")));
    assert_eq!(qbo.payments().len(), 1);
    Ok(())
}

#[test]
fn allocations_above_the_payment_are_refused() -> TestResult {
    let qbo = qbo();
    let a = invoice(&qbo, "1001", "58", "100.00")?;
    let b = invoice(&qbo, "1002", "58", "100.00")?;
    let pay = payment_draft(
        "pay-1",
        "58",
        nov(20),
        usd("50.00"),
        &[("x", usd("30.00")), ("y", usd("30.00"))],
    );
    let refused = create_payment(&qbo, &pay, "58", &[&a, &b], "p1");
    assert_eq!(
        refusal(&refused),
        Some(BillingRefusal::AllocationsExceedPayment)
    );
    assert_eq!(qbo.balance(&a), Some(usd("100.00")));
    Ok(())
}

#[test]
fn a_payment_for_another_customers_or_an_unknown_invoice_is_refused() -> TestResult {
    let qbo = qbo();
    let theirs = invoice(&qbo, "1001", "59", "100.00")?;
    let pay = payment_draft("pay-1", "58", nov(20), usd("10"), &[("x", usd("10"))]);
    let refused = create_payment(&qbo, &pay, "58", &[&theirs], "p1");
    assert_eq!(refusal(&refused), Some(BillingRefusal::CustomerMismatch));
    assert!(message(&refused).starts_with("Invoice customer differs from payment customer"));
    let refused = create_payment(&qbo, &pay, "58", &["404"], "p2");
    assert_eq!(refusal(&refused), Some(BillingRefusal::ObjectNotFound));
    assert_eq!(code(&refused), Some("610"));
    // A payment id is no invoice id.
    let mine = invoice(&qbo, "1002", "58", "100.00")?;
    let paid = create_payment(&qbo, &pay, "58", &[&mine], "p3")?;
    let refused = create_payment(&qbo, &pay, "58", &[&paid], "p4");
    assert_eq!(refusal(&refused), Some(BillingRefusal::ObjectNotFound));
    // Allocations and invoice ids must pair up.
    let refused = create_payment(&qbo, &pay, "58", &[], "p5");
    assert_eq!(refusal(&refused), Some(BillingRefusal::BadRequest));
    Ok(())
}

#[test]
fn payments_dated_in_closed_books_or_negative_are_refused() -> TestResult {
    let qbo = qbo();
    let a = invoice(&qbo, "1001", "58", "100.00")?;
    qbo.set_book_close_date(nov(15));
    let pay = payment_draft("pay-1", "58", nov(15), usd("10"), &[("x", usd("10"))]);
    let refused = create_payment(&qbo, &pay, "58", &[&a], "p1");
    assert_eq!(refusal(&refused), Some(BillingRefusal::PeriodClosed));
    assert_eq!(code(&refused), Some("6210"));
    let manual_refused = qbo.record_manual_payment(manual("58", nov(1), usd("1"), &[]));
    assert_eq!(refusal(&manual_refused), Some(BillingRefusal::PeriodClosed));
    let negative = payment_draft("pay-2", "58", nov(16), usd("-1"), &[]);
    assert_eq!(
        refusal(&create_payment(&qbo, &negative, "58", &[], "p2")),
        Some(BillingRefusal::InvalidAmount)
    );
    let pay = payment_draft("pay-1", "58", nov(16), usd("10"), &[("x", usd("10"))]);
    create_payment(&qbo, &pay, "58", &[&a], "p1")?;
    assert_eq!(qbo.balance(&a), Some(usd("90.00")));
    Ok(())
}

#[test]
fn the_listing_holds_manual_and_synced_payments_in_creation_order_page_by_page() -> TestResult {
    let qbo = qbo().with_page_size(2);
    let a = invoice(&qbo, "1001", "58", "100.00")?;
    let b = invoice(&qbo, "1002", "58", "100.00")?;
    let c = invoice(&qbo, "1003", "59", "50.00")?;
    // Bookkeepers: a partial payment, a split with a remainder, one applied
    // to nothing.
    let p1 =
        qbo.record_manual_payment(manual("58", nov(12), usd("30"), &[(a.as_str(), usd("30"))]))?;
    let p2 = qbo.record_manual_payment(manual(
        "58",
        nov(13),
        usd("100"),
        &[(a.as_str(), usd("70")), (b.as_str(), usd("20"))],
    ))?;
    let p3 = qbo.record_manual_payment(manual("59", nov(14), usd("25"), &[]))?;
    // The sync: a payment of the firm's.
    let pay = payment_draft(
        "PAY-1",
        "59",
        nov(15),
        usd("50"),
        &[("INV-1003", usd("50"))],
    );
    let p4 = create_payment(&qbo, &pay, "59", &[&c], "push-payment:PAY-1")?;
    assert_eq!(
        [p1.as_str(), &p2, &p3, &p4],
        ["4", "5", "6", "7"],
        "ids continue the invoices' sequence"
    );

    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = block_on(qbo.list_payments(token.as_deref()))?;
        pages.push(
            page.payments
                .iter()
                .map(|p| p.id.clone())
                .collect::<Vec<_>>(),
        );
        token = page.next_page;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, [vec!["4", "5"], vec!["6", "7"]]);
    assert_eq!(qbo.calls().list_payments, 2);

    let all = qbo.payments();
    assert!(all.iter().all(|p| p.origin == PaymentOrigin::Ledger));
    assert_eq!(all[1].allocations.len(), 2);
    assert_eq!(all[1].unapplied()?, usd("10"));
    assert_eq!(all[2].unapplied()?, usd("25"));
    assert_eq!(all[3].reference.as_deref(), Some("PAY-1"));
    assert_eq!(all[0].reference, None);
    assert_eq!(qbo.balance(&a), Some(usd("0")));
    assert_eq!(qbo.balance(&b), Some(usd("80.00")));
    // Direct entries are not counted as calls.
    assert_eq!(qbo.calls().create_payment, 1);

    // The same listing twice gives the same pages.
    let again = block_on(qbo.list_payments(Some("5")))?;
    assert_eq!(again.payments.len(), 2);
    let bad = block_on(qbo.list_payments(Some("page-two")));
    assert_eq!(
        bad.as_ref().err().and_then(BillingRefusal::of),
        Some(BillingRefusal::BadRequest)
    );
    Ok(())
}

#[test]
fn a_manual_invoice_follows_the_same_rules() -> TestResult {
    let qbo = qbo();
    let id = qbo.record_manual_invoice("58", "M-1", nov(10), usd("40"))?;
    let stored = qbo.invoice(&id).ok_or("stored")?;
    assert_eq!(stored.source_invoice_id, None);
    assert_eq!(stored.balance, usd("40"));
    let again = qbo.record_manual_invoice("59", "m-1", nov(10), usd("40"));
    assert_eq!(refusal(&again), Some(BillingRefusal::DuplicateDocNumber));
    assert_eq!(qbo.calls(), BillingCallCounts::default());
    Ok(())
}

// ---------------------------------------------------------------------------
// Idempotency and faults.

#[test]
fn the_same_key_twice_creates_one_invoice_and_one_payment() -> TestResult {
    let qbo = qbo();
    let draft = invoice_draft("INV-A", "1001", "58", nov(10), usd("100"));
    let first = create_invoice(&qbo, &draft, "58", "create-invoice:INV-A")?;
    // Sent again, the number it took is no duplicate: the key wins.
    let second = create_invoice(&qbo, &draft, "58", "create-invoice:INV-A")?;
    assert_eq!(first, second);
    assert_eq!(qbo.invoices().len(), 1);

    let pay = payment_draft("pay-1", "58", nov(20), usd("40"), &[("INV-A", usd("40"))]);
    let p1 = create_payment(&qbo, &pay, "58", &[&first], "push-payment:pay-1")?;
    let p2 = create_payment(&qbo, &pay, "58", &[&first], "push-payment:pay-1")?;
    assert_eq!(p1, p2);
    assert_eq!(qbo.payments().len(), 1);
    assert_eq!(qbo.balance(&first), Some(usd("60")));
    assert_eq!(qbo.id_for_key("push-payment:pay-1"), Some(p1.clone()));
    assert_eq!(
        qbo.created_keys(),
        [
            ("create-invoice:INV-A".to_owned(), first),
            ("push-payment:pay-1".to_owned(), p1)
        ]
    );
    let calls = qbo.calls();
    assert_eq!((calls.create_invoice, calls.create_payment), (2, 2));
    assert_eq!(calls.writes(), 4);
    Ok(())
}

#[test]
fn a_create_whose_result_is_lost_is_found_again_by_its_key() -> TestResult {
    let qbo = qbo();
    let a = invoice(&qbo, "1001", "58", "100")?;
    qbo.fail_next(Call::Create, Fault::CrashAfterCreate);
    let pay = payment_draft("pay-1", "58", nov(20), usd("100"), &[("x", usd("100"))]);
    let lost = create_payment(&qbo, &pay, "58", &[&a], "push-payment:pay-1");
    assert!(matches!(&lost, Err(e) if e.may_have_applied()));
    // It was applied all the same.
    assert_eq!(qbo.payments().len(), 1);
    assert_eq!(qbo.balance(&a), Some(usd("0")));
    // Re-sent with the same key: the same payment, no overpayment refusal.
    let found = create_payment(&qbo, &pay, "58", &[&a], "push-payment:pay-1")?;
    assert_eq!(qbo.payments()[0].id, found);
    assert_eq!(qbo.payments().len(), 1);
    assert_eq!(qbo.faults_fired(), 1);
    Ok(())
}

#[test]
fn rate_limits_and_outages_leave_nothing_behind() -> TestResult {
    let qbo = qbo();
    qbo.fail_next(
        Call::Create,
        Fault::RateLimited {
            retry_after_secs: 60,
        },
    );
    qbo.fail_next(Call::Any, Fault::Transient);
    let draft = invoice_draft("INV-A", "1001", "58", nov(10), usd("1"));
    assert_eq!(
        create_invoice(&qbo, &draft, "58", "k"),
        Err(AdapterError::RateLimited {
            retry_after_secs: 60
        })
    );
    assert_eq!(qbo.pending_faults(), 1);
    let facts = block_on(qbo.ledger_facts());
    assert!(matches!(facts, Err(AdapterError::Transient { .. })));
    assert!(qbo.invoices().is_empty());
    assert_eq!(create_invoice(&qbo, &draft, "58", "k")?, "1");
    assert_eq!(qbo.pending_faults(), 0);
    Ok(())
}

#[test]
fn expired_credentials_refuse_every_call_until_renewed() -> TestResult {
    let qbo = qbo();
    qbo.fail_next(Call::List, Fault::AuthenticationExpired);
    assert!(matches!(
        block_on(qbo.list_payments(None)),
        Err(AdapterError::Authentication { .. })
    ));
    assert!(qbo.credentials_expired());
    let draft = invoice_draft("INV-A", "1001", "58", nov(10), usd("1"));
    assert!(matches!(
        create_invoice(&qbo, &draft, "58", "k"),
        Err(AdapterError::Authentication { .. })
    ));
    assert!(matches!(
        block_on(qbo.ledger_facts()),
        Err(AdapterError::Authentication { .. })
    ));
    assert!(qbo.invoices().is_empty());
    qbo.renew_credentials();
    create_invoice(&qbo, &draft, "58", "k")?;
    qbo.expire_credentials();
    assert!(block_on(qbo.ledger_facts()).is_err());
    qbo.renew_credentials();
    assert_eq!(qbo.calls().total(), 5);
    Ok(())
}

#[test]
fn a_periodic_fault_hits_every_nth_create_until_cleared() -> TestResult {
    let qbo = qbo();
    qbo.fail_every(Call::Create, 2, Fault::Transient);
    let mut outcomes = Vec::new();
    for n in 0..4 {
        let draft = invoice_draft("INV", &format!("10{n}"), "58", nov(10), usd("1"));
        outcomes.push(create_invoice(&qbo, &draft, "58", &format!("k{n}")).is_ok());
    }
    assert_eq!(outcomes, [true, false, true, false]);
    qbo.clear_faults();
    let draft = invoice_draft("INV", "200", "58", nov(10), usd("1"));
    create_invoice(&qbo, &draft, "58", "k9")?;
    qbo.reset_calls();
    assert_eq!(qbo.calls().total(), 0);
    Ok(())
}

// ---------------------------------------------------------------------------
// The firm's side.

fn firm_invoice(id: &str, contact: &str, price: &str, status: InvoiceStatus) -> Invoice {
    Invoice {
        id: id.into(),
        number: format!("N-{id}"),
        contact_id: contact.into(),
        issue_date: nov(1),
        due_date: nov(30),
        status,
        currency: Currency::USD,
        lines: vec![InvoiceLine {
            work_type: Some("Bookkeeping".into()),
            description: "Monthly books".into(),
            quantity: Decimal::ONE,
            unit_price: usd(price),
            tax_rate: None,
        }],
    }
}

fn firm() -> Result<MemoryPracticeBilling, Box<dyn std::error::Error>> {
    let firm = MemoryPracticeBilling::new();
    firm.add_invoice(firm_invoice("A", "K1", "100.00", InvoiceStatus::Sent))?;
    firm.add_invoice(firm_invoice(
        "B",
        "K1",
        "100.00",
        InvoiceStatus::AwaitingPayment,
    ))?;
    firm.add_invoice(firm_invoice("C", "K2", "50.00", InvoiceStatus::Sent))?;
    firm.add_invoice(firm_invoice("D", "K1", "10.00", InvoiceStatus::Draft))?;
    firm.add_invoice(firm_invoice("V", "K1", "10.00", InvoiceStatus::Void))?;
    Ok(firm)
}

fn change(id: &str, before: &str, after: &str, activity: Option<&str>) -> BalanceChange {
    BalanceChange {
        invoice_id: id.into(),
        before: usd(before),
        after: usd(after),
        status: if usd(after).is_zero() {
            InvoiceStatus::Paid
        } else {
            InvoiceStatus::AwaitingPayment
        },
        activity: activity.map(str::to_owned),
    }
}

#[test]
fn the_firm_lists_sent_and_awaiting_invoices_with_what_they_owe() -> TestResult {
    let firm = firm()?;
    let open = firm.open_invoices();
    let shown: Vec<(&str, &str, String)> = open
        .iter()
        .map(|o: &OpenInvoice| {
            (
                o.invoice_id.as_str(),
                o.customer.as_str(),
                o.due.amount().to_string(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("A", "K1", "100.00".to_owned()),
            ("B", "K1", "100.00".to_owned()),
            ("C", "K2", "50.00".to_owned())
        ]
    );
    // Totals come from the lines, tax included.
    let mut taxed = firm_invoice("T", "K3", "100.00", InvoiceStatus::Sent);
    taxed.lines[0].tax_rate = Some(TaxRate::percent("8.875")?);
    firm.add_invoice(taxed)?;
    assert_eq!(firm.balance("T"), Some(usd("108.88")));
    // A line in another currency cannot be totalled.
    let mut mixed = firm_invoice("M", "K3", "1", InvoiceStatus::Sent);
    mixed.lines[0].unit_price = nzd("1");
    assert!(firm.add_invoice(mixed).is_err());
    Ok(())
}

#[test]
fn a_ledger_payment_copied_to_the_firm_pays_invoices_and_records_activity() -> TestResult {
    let firm = firm()?;
    let mut copy = payment_draft(
        "77",
        "K1",
        nov(20),
        usd("150.00"),
        &[("A", usd("100.00")), ("B", usd("40.00"))],
    );
    copy.changes = vec![
        change(
            "A",
            "100.00",
            "0.00",
            Some("Paid in full by QBO payment 77"),
        ),
        change("B", "100.00", "60.00", None),
    ];
    let id = create_payment(&firm, &copy, "K1", &["A", "B"], "pull-payment:77")?;
    assert_eq!(id, "LP1");
    assert_eq!(
        firm.invoice("A").map(|i| i.status),
        Some(InvoiceStatus::Paid)
    );
    assert_eq!(
        firm.invoice("B").map(|i| i.status),
        Some(InvoiceStatus::AwaitingPayment)
    );
    assert_eq!(firm.activity("A"), ["Paid in full by QBO payment 77"]);
    assert!(firm.activity("B").is_empty());
    assert_eq!(firm.balance("B"), Some(usd("60.00")));
    let open: Vec<String> = firm
        .open_invoices()
        .into_iter()
        .map(|o| o.invoice_id)
        .collect();
    assert_eq!(open, ["B", "C"]);

    let stored = firm.payment(&id).ok_or("stored")?;
    assert_eq!(stored.origin, PaymentOrigin::Ledger);
    assert_eq!(stored.reference.as_deref(), Some("77"));
    assert_eq!(stored.payer, "K1");
    assert_eq!(stored.unapplied()?, usd("10.00"));

    // The rest of B, without an activity text: the store writes its own.
    let rest = payment_draft("78", "K1", nov(21), usd("60.00"), &[("B", usd("60.00"))]);
    let id = create_payment(&firm, &rest, "K1", &["B"], "pull-payment:78")?;
    assert_eq!(
        firm.invoice("B").map(|i| i.status),
        Some(InvoiceStatus::Paid)
    );
    assert_eq!(
        firm.activity("B"),
        [format!(
            "Invoice B paid in full by payment {id} on 2026-11-21"
        )]
    );
    Ok(())
}

#[test]
fn the_firm_refuses_payments_it_cannot_apply() -> TestResult {
    let firm = firm()?;
    // Payer K1, one allocation: (invoice, amount applied, payment, refusal).
    let cases = [
        ("Z", usd("1"), usd("1"), BillingRefusal::ObjectNotFound),
        ("V", usd("1"), usd("1"), BillingRefusal::InvoiceNotOpen),
        ("D", usd("1"), usd("1"), BillingRefusal::InvoiceNotOpen),
        ("C", usd("1"), usd("1"), BillingRefusal::CustomerMismatch),
        (
            "A",
            usd("100.01"),
            usd("100.01"),
            BillingRefusal::Overpayment,
        ),
        ("A", nzd("1"), nzd("1"), BillingRefusal::CurrencyMismatch),
        (
            "A",
            usd("60"),
            usd("50"),
            BillingRefusal::AllocationsExceedPayment,
        ),
    ];
    for (n, (inv, applied, amount, expected)) in cases.into_iter().enumerate() {
        let draft = payment_draft("L", "K1", nov(20), amount, &[(inv, applied)]);
        let refused = create_payment(&firm, &draft, "K1", &[inv], &format!("k{n}"));
        assert_eq!(refusal(&refused), Some(expected), "case {n}");
        // The firm's system has no QBO codes.
        assert_eq!(code(&refused), None);
    }
    // A balance change for an invoice the payment does not pay.
    let mut draft = payment_draft("L", "K1", nov(20), usd("1"), &[("A", usd("1"))]);
    draft.changes.push(change("B", "100", "0", Some("wrong")));
    let refused = create_payment(&firm, &draft, "K1", &["A"], "k-change");
    assert_eq!(refusal(&refused), Some(BillingRefusal::BadRequest));
    // Nothing was written by any of them.
    assert!(firm.payments().is_empty());
    assert!(firm.activity("B").is_empty());
    assert_eq!(firm.balance("A"), Some(usd("100.00")));
    Ok(())
}

#[test]
fn payments_the_firm_enters_itself_are_local_and_listed_with_the_copies() -> TestResult {
    let firm = firm()?.with_page_size(1);
    let mut own = manual("K1", nov(18), usd("100.00"), &[("A", usd("100.00"))]);
    own.id = "P-7".into();
    own.origin = PaymentOrigin::Ledger; // overridden: the firm entered it
    assert_eq!(firm.record_local_payment(own.clone())?, "P-7");
    assert_eq!(
        firm.invoice("A").map(|i| i.status),
        Some(InvoiceStatus::Paid)
    );
    assert_eq!(
        firm.activity("A"),
        ["Invoice A paid in full by payment P-7 on 2026-11-18"]
    );
    // The same id twice is refused.
    own.allocations.clear();
    assert_eq!(
        refusal(&firm.record_local_payment(own)),
        Some(BillingRefusal::DuplicatePaymentId)
    );
    let copy = payment_draft("90", "K2", nov(19), usd("20"), &[("C", usd("20"))]);
    create_payment(&firm, &copy, "K2", &["C"], "pull-payment:90")?;

    let first = block_on(firm.list_payments(None))?;
    let token = first.next_page.clone().ok_or("a second page")?;
    let second = block_on(firm.list_payments(Some(&token)))?;
    assert_eq!(second.next_page, None);
    let listed: Vec<(String, PaymentOrigin)> = first
        .payments
        .iter()
        .chain(&second.payments)
        .map(|p| (p.id.clone(), p.origin))
        .collect();
    assert_eq!(
        listed,
        [
            ("P-7".to_owned(), PaymentOrigin::Local),
            ("LP1".to_owned(), PaymentOrigin::Ledger)
        ]
    );
    let calls = firm.calls();
    assert_eq!((calls.list_payments, calls.create_payment), (2, 1));
    Ok(())
}

#[test]
fn the_firm_records_a_copy_once_per_key_even_when_the_answer_is_lost() -> TestResult {
    let firm = firm()?;
    let mut copy = payment_draft("77", "K1", nov(20), usd("100.00"), &[("A", usd("100.00"))]);
    copy.changes = vec![change(
        "A",
        "100.00",
        "0.00",
        Some("Paid by QBO payment 77"),
    )];
    firm.fail_next(Call::Create, Fault::CrashAfterCreate);
    let lost = create_payment(&firm, &copy, "K1", &["A"], "pull-payment:77");
    assert!(matches!(lost, Err(AdapterError::Transient { .. })));
    let id = create_payment(&firm, &copy, "K1", &["A"], "pull-payment:77")?;
    assert_eq!(firm.payments().len(), 1);
    assert_eq!(firm.payments()[0].id, id);
    // The activity was written once.
    assert_eq!(firm.activity("A"), ["Paid by QBO payment 77"]);

    firm.fail_next(Call::Any, Fault::AuthenticationExpired);
    assert!(block_on(firm.list_payments(None)).is_err());
    let other = payment_draft("78", "K1", nov(20), usd("1"), &[("B", usd("1"))]);
    assert!(matches!(
        create_payment(&firm, &other, "K1", &["B"], "pull-payment:78"),
        Err(AdapterError::Authentication { .. })
    ));
    firm.renew_credentials();
    create_payment(&firm, &other, "K1", &["B"], "pull-payment:78")?;
    assert_eq!(firm.balance("B"), Some(usd("99.00")));
    Ok(())
}

#[test]
fn voiding_an_invoice_takes_it_off_the_open_list() -> TestResult {
    let firm = firm()?;
    assert!(firm.set_status("A", InvoiceStatus::Void));
    assert!(!firm.set_status("nope", InvoiceStatus::Void));
    let open: Vec<String> = firm
        .open_invoices()
        .into_iter()
        .map(|o| o.invoice_id)
        .collect();
    assert_eq!(open, ["B", "C"]);
    assert_eq!(firm.invoices().len(), 5);
    Ok(())
}
