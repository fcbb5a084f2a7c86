//! Invoices and payments: decoding, exact amounts and the bodies written.

use super::*;

#[test]
fn invoices_accrec_only_with_exact_amounts() {
    let mut opts = DecodeOptions::default();
    opts.tax_rates
        .insert("OUTPUT2".into(), TaxRate::percent("15").unwrap());
    let page = xero::decode_invoices_with(&fixture("xero/invoices-mixed.json"), &opts).unwrap();
    assert_eq!(page.next_page, None);
    let skipped: Vec<&str> = page.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(skipped, ["Type ACCPAY", "Type ACCRECCREDIT"]);
    assert_eq!(page.records.len(), 5);

    let first = &page.records[0];
    let inv = &first.invoice;
    assert_eq!(inv.id, "9a9a9a9a-0000-4000-8000-000000000001");
    assert_eq!(inv.number, "INV-0101");
    assert_eq!(
        inv.contact_id.as_str(),
        "11111111-2222-4333-8444-555555555555"
    );
    assert_eq!(
        (inv.issue_date, inv.due_date),
        (date(2026, 11, 1), date(2026, 11, 20))
    );
    assert_eq!(inv.status, InvoiceStatus::AwaitingPayment);
    assert_eq!(inv.currency, Currency::NZD);
    assert_eq!(first.reference.as_deref(), Some("November books"));
    assert_eq!(
        first.tax_types,
        vec![
            Some("OUTPUT2".into()),
            Some("NONE".into()),
            Some("EXEMPTOUTPUT".into()),
            None
        ]
    );
    let l = &inv.lines;
    assert_eq!(l[0].work_type.as_deref(), Some("BOOKS"));
    assert_eq!(l[0].quantity, dec("1.5"));
    assert_eq!(l[0].unit_price.amount().to_string(), "33.333");
    assert_eq!(l[0].tax_rate, Some(TaxRate::percent("15").unwrap()));
    assert_eq!(
        (l[1].quantity.to_string().as_str(), l[1].tax_rate),
        ("3.0000", None)
    );
    // An amount-only line is one unit of it; a code the options do not
    // know gives no rate (the code is kept above).
    assert_eq!(
        (l[2].quantity, l[2].unit_price),
        (Decimal::ONE, nzd("-5.25"))
    );
    assert_eq!(l[2].tax_rate, None);
    assert_eq!((l[3].quantity, l[3].unit_price), (Decimal::ONE, nzd("0")));

    let statuses: Vec<InvoiceStatus> = page.records.iter().map(|x| x.invoice.status).collect();
    assert_eq!(
        statuses,
        [
            InvoiceStatus::AwaitingPayment,
            InvoiceStatus::Draft,
            InvoiceStatus::Draft,
            InvoiceStatus::Void,
            InvoiceStatus::Paid
        ]
    );
    // A draft without a due date is due on issue; an exponent is exact; a
    // lower-case currency code is read.
    let draft = &page.records[1].invoice;
    assert_eq!(draft.due_date, draft.issue_date);
    assert_eq!(
        draft.lines[0].unit_price,
        Money::parse("100", "KWD").unwrap()
    );
    assert_eq!(page.records[2].invoice.due_date, date(2026, 11, 10));
    // No currency: the organisation's base currency.
    let mut gbp = DecodeOptions::default();
    gbp.base_currency = Currency::GBP;
    let page = xero::decode_invoices_with(&fixture("xero/invoices-mixed.json"), &gbp).unwrap();
    assert_eq!(page.records[2].invoice.currency, Currency::GBP);
}

#[test]
fn bad_invoices_are_typed_errors() {
    for (doc, path) in [
        (
            r#"{"Invoices":[{"Type":"ACCREC","Status":"AUTHORISED"}]}"#,
            "Invoices[0].Date",
        ),
        (
            r#"{"Invoices":[{"Date":"2020-01-01","Status":"SENT"}]}"#,
            "Invoices[0].Status",
        ),
        (
            r#"{"Invoices":[{"Date":"2020-13-01"}]}"#,
            "Invoices[0].Date",
        ),
        (
            r#"{"Invoices":[{"Date":"2020-01-01","CurrencyCode":"DOLLARS"}]}"#,
            "Invoices[0].CurrencyCode",
        ),
        (
            r#"{"Invoices":[{"Date":"2020-01-01","LineItems":[{"UnitAmount":"1,5"}]}]}"#,
            "Invoices[0].LineItems[0].UnitAmount",
        ),
        (
            r#"{"Invoices":[{"Date":"2020-01-01","LineItems":[{"Quantity":1e99}]}]}"#,
            "Invoices[0].LineItems[0].Quantity",
        ),
    ] {
        match xero::decode_invoices(doc.as_bytes()) {
            Err(WireError::Shape { path: p, .. }) => assert_eq!(p, path, "{doc}"),
            other => panic!("{doc}: {other:?}"),
        }
    }
    assert!(matches!(
        xero::decode_invoices(br#"{"Invoices":[}"#),
        Err(WireError::Syntax { .. })
    ));
}

pub(super) fn draft() -> InvoiceDraft {
    let line = |service: &str, q: &str, p: &str, tax: Option<&str>| DraftLine {
        service: service.into(),
        default_service: false,
        description: format!("{service} work"),
        quantity: dec(q),
        unit_price: nzd(p),
        amount: nzd("0"),
        tax_code: tax.map(str::to_owned),
    };
    InvoiceDraft {
        invoice_id: "L-INV-1".into(),
        doc_number: "INV-0200".into(),
        contact_id: "K1".into(),
        customer: ContactRef::Id("11111111-2222-4333-8444-555555555555".into()),
        issue_date: date(2026, 11, 1),
        due_date: date(2026, 11, 20),
        currency: Currency::NZD,
        lines: vec![
            line("BOOKS", "1.5", "33.333", Some("OUTPUT2")),
            line("PAYROLL", "0.0001", "1234567890.12345678", None),
        ],
        totals: InvoiceTotals {
            net: nzd("0"),
            tax: nzd("0"),
            gross: nzd("0"),
        },
    }
}

#[test]
fn an_invoice_draft_is_written_exactly_and_reads_back() {
    let dr = draft();
    let body = xero::encode_invoice_create(&dr, "11111111-2222-4333-8444-555555555555").unwrap();
    // Amounts are written as their exact decimal text.
    assert!(
        body.contains(
            r#""Quantity":1.5,"UnitAmount":33.333,"ItemCode":"BOOKS","TaxType":"OUTPUT2""#
        ),
        "{body}"
    );
    assert!(body.contains(r#""Quantity":0.0001,"UnitAmount":1234567890.12345678,"ItemCode":"PAYROLL","TaxType":"NONE""#), "{body}");
    let v = json(&body);
    let inv = &v["Invoices"][0];
    assert_eq!(inv["Type"], "ACCREC");
    assert_eq!(inv["Status"], "AUTHORISED");
    assert_eq!(inv["LineAmountTypes"], "Exclusive");
    assert_eq!(inv["Date"], "2026-11-01");
    assert_eq!(inv["DueDate"], "2026-11-20");
    assert_eq!(inv["CurrencyCode"], "NZD");
    assert_eq!(inv["InvoiceNumber"], "INV-0200");

    let mut opts = DecodeOptions::default();
    opts.tax_rates
        .insert("OUTPUT2".into(), TaxRate::percent("15").unwrap());
    let back = xero::decode_invoices_with(body.as_bytes(), &opts).unwrap();
    let x = &back.records[0];
    assert_eq!(x.invoice.number, dr.doc_number);
    assert_eq!(
        x.invoice.contact_id.as_str(),
        "11111111-2222-4333-8444-555555555555"
    );
    assert_eq!(
        (x.invoice.issue_date, x.invoice.due_date),
        (dr.issue_date, dr.due_date)
    );
    assert_eq!(x.invoice.status, InvoiceStatus::AwaitingPayment);
    for (got, sent) in x.invoice.lines.iter().zip(&dr.lines) {
        assert_eq!(got.work_type.as_deref(), Some(sent.service.as_str()));
        assert_eq!(got.description, sent.description);
        assert_eq!(got.quantity, sent.quantity);
        assert_eq!(got.unit_price, sent.unit_price);
    }
    assert_eq!(
        x.tax_types,
        vec![Some("OUTPUT2".into()), Some("NONE".into())]
    );

    // Refused before sending.
    let mut long = draft();
    long.doc_number = "9".repeat(256);
    assert!(matches!(
        xero::encode_invoice_create(&long, "abc"),
        Err(WireError::TooLong {
            field: "InvoiceNumber",
            max: 255,
            ..
        })
    ));
    let mut empty = draft();
    empty.lines.clear();
    let mut undescribed = draft();
    undescribed.lines[0].description = " ".into();
    let mut mixed = draft();
    mixed.lines[1].unit_price = Money::parse("1", "AUD").unwrap();
    for (dr, contact) in [
        (&empty, "abc"),
        (&undescribed, "abc"),
        (&mixed, "abc"),
        (&draft(), ""),
        (&draft(), "a b"),
    ] {
        assert!(matches!(
            xero::encode_invoice_create(dr, contact),
            Err(WireError::Invalid { .. })
        ));
    }
}

// ------------------------------------------------------------ payments

#[test]
fn payments_of_sales_invoices() {
    let page = xero::decode_payments(&fixture("xero/payments-mixed.json")).unwrap();
    let skipped: Vec<&str> = page.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(skipped, ["PaymentType ARCREDITPAYMENT", "Status DELETED"]);
    assert_eq!(
        page.records[0],
        Payment {
            id: "7b7b7b7b-0000-4000-8000-000000000001".into(),
            date: date(2026, 11, 19),
            amount: nzd("82.25"),
            payer: "11111111-2222-4333-8444-555555555555".into(),
            allocations: vec![Allocation {
                invoice_id: "9a9a9a9a-0000-4000-8000-000000000001".into(),
                amount: nzd("82.25"),
            }],
            origin: PaymentOrigin::Ledger,
            reference: Some("ledgerlink:P-2001".into()),
        }
    );
    // Without a contact the payer is unknown; the currency is the invoice's.
    let p = &page.records[1];
    assert_eq!(p.payer.as_str(), "");
    assert_eq!(p.amount, Money::parse("0.125", "KWD").unwrap());
    assert_eq!((p.date, p.reference.as_deref()), (date(2026, 11, 17), None));
}

#[test]
fn a_payment_draft_becomes_one_payment_per_invoice() {
    let alloc = |id: &str, a: &str| DraftAllocation {
        invoice: InvoiceRef::Id(id.into()),
        local_invoice_id: format!("L-{id}"),
        amount: nzd(a),
    };
    let draft = PaymentDraft {
        source_id: "P-2001".into(),
        contact_id: "K1".into(),
        customer: ContactRef::Id("11111111-2222-4333-8444-555555555555".into()),
        date: date(2026, 11, 19),
        amount: nzd("100.10"),
        allocations: vec![alloc("inv-1", "60.05"), alloc("inv-2", "40.05")],
        unapplied: nzd("0"),
        changes: Vec::new(),
    };
    let body = xero::encode_payment_create(&draft, "090").unwrap();
    assert_eq!(
        body,
        concat!(
            r#"{"Payments":[{"Invoice":{"InvoiceID":"inv-1"},"Account":{"Code":"090"},"Date":"2026-11-19","Amount":60.05,"Reference":"P-2001"},"#,
            r#"{"Invoice":{"InvoiceID":"inv-2"},"Account":{"Code":"090"},"Date":"2026-11-19","Amount":40.05,"Reference":"P-2001"}]}"#
        )
    );
    let back = xero::decode_payments(body.as_bytes()).unwrap().records;
    let amounts: Vec<(String, Money, Option<String>)> = back
        .iter()
        .map(|p| {
            (
                p.allocations[0].invoice_id.clone(),
                p.amount,
                p.reference.clone(),
            )
        })
        .collect();
    assert_eq!(
        amounts,
        [
            ("inv-1".to_owned(), nzd("60.05"), Some("P-2001".to_owned())),
            ("inv-2".to_owned(), nzd("40.05"), Some("P-2001".to_owned()))
        ]
    );

    let refuse = |f: fn(&mut PaymentDraft), account: &str| {
        let mut dr = draft.clone();
        f(&mut dr);
        matches!(
            xero::encode_payment_create(&dr, account),
            Err(WireError::Invalid { .. })
        )
    };
    assert!(refuse(|_| {}, " "));
    assert!(refuse(|d| d.allocations.clear(), "090"));
    assert!(refuse(|d| d.unapplied = nzd("1"), "090"));
    assert!(refuse(
        |d| d.allocations[0].invoice = InvoiceRef::CreatedBy(OpId("op".into())),
        "090"
    ));
    assert!(refuse(|d| d.allocations[0].amount = nzd("0"), "090"));
    assert!(refuse(
        |d| d.allocations[0].amount = Money::parse("1", "AUD").unwrap(),
        "090"
    ));
}
