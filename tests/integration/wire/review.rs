//! Regression tests for the bugs found in the review of the wire codecs,
//! through the public API only. Each test names what went wrong before
//! its fix.

use ledgerlink::model::{Currency, Money, TaxRate};
use ledgerlink::wire::xero::{self, DecodeOptions};
use ledgerlink::wire::{self, Payload, Profile, WireError};
use rust_decimal::Decimal;

use crate::support::time::date;

fn shape_at(r: Result<impl std::fmt::Debug, WireError>, provider: Profile, at: &str) {
    match r {
        Err(WireError::Shape {
            provider: p, path, ..
        }) => {
            assert_eq!((p, path.as_str()), (provider, at));
        }
        other => panic!("expected a shape error at {at}, got {other:?}"),
    }
}

// ------------------------------------------------ exact decimal exponents

/// `1.00000000000000000000000000001e0` has 30 significant digits: no
/// decimal holds it. It used to be rounded silently to 1 (the exponent
/// form parsed its mantissa with rounding); it must be refused, like the
/// same digits without an exponent.
#[test]
fn amounts_with_an_exponent_are_never_rounded() {
    let too_precise = "1.00000000000000000000000000001";
    for number in [format!("{too_precise}e0"), format!("{too_precise}E+1")] {
        let doc = format!(
            r#"{{"Invoices":[{{"Date":"2020-01-01","LineItems":[{{"Quantity":1,"UnitAmount":{number}}}]}}]}}"#
        );
        shape_at(
            xero::decode_invoices(doc.as_bytes()),
            Profile::XeroGl,
            "Invoices[0].LineItems[0].UnitAmount",
        );
        let doc = format!(
            r#"{{"Invoice":{{"Id":"1","CustomerRef":{{"value":"2"}},"Line":[{{"Amount":{number},"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{"ItemRef":{{"value":"3"}}}}}}]}}}}"#
        );
        shape_at(
            wire::qbo::decode_invoices(doc.as_bytes()),
            Profile::Qbo,
            "Invoice[0].Line[0].Amount",
        );
    }
    // Exact values in exponent form still read exactly.
    let doc = br#"{"Invoices":[{"Date":"2020-01-01","LineItems":[{"Quantity":1.5E+1,"UnitAmount":12.345e-1}]}]}"#;
    let page = xero::decode_invoices(doc).unwrap();
    let line = &page.records[0].invoice.lines[0];
    assert_eq!(line.quantity, Decimal::new(15, 0));
    assert_eq!(line.unit_price.amount(), Decimal::new(12345, 4));
}

// ------------------------------------------------------ Xero line items

fn one_invoice(fields: &str, line: &str) -> String {
    format!(r#"{{"Invoices":[{{"Date":"2020-01-01",{fields}"LineItems":[{line}]}}]}}"#)
}

/// Xero applies a line's `DiscountRate` / `DiscountAmount` to its
/// `LineAmount`; the model's line has no discount, so a discounted line
/// used to be read at its full price (2 × 50 instead of 90), overstating
/// the invoice, and was then refused. It is read now as the line at its
/// full price followed by a discount line, so the total is Xero's.
#[test]
fn xero_discounted_lines_are_read_with_a_discount_line() {
    let rate = one_invoice(
        "",
        r#"{"Quantity":2,"UnitAmount":50,"DiscountRate":10,"LineAmount":90}"#,
    );
    let inv = &xero::decode_invoices(rate.as_bytes()).unwrap().records[0].invoice;
    assert_eq!(inv.lines.len(), 2);
    assert_eq!(inv.lines[1].description, "Discount 10%");
    assert_eq!(inv.lines[1].quantity, Decimal::ONE);
    assert_eq!(
        inv.lines[1].unit_price,
        Money::new(Decimal::new(-10, 0), Currency::NZD)
    );
    let amount = one_invoice(
        "",
        r#"{"Quantity":1,"UnitAmount":100,"DiscountAmount":5.00,"LineAmount":95}"#,
    );
    let inv = &xero::decode_invoices(amount.as_bytes()).unwrap().records[0].invoice;
    assert_eq!(inv.lines[1].description, "Discount");
    assert_eq!(
        inv.lines[1].unit_price,
        Money::new(Decimal::new(-500, 2), Currency::NZD)
    );
    // A discount above the line's price is refused.
    let over = one_invoice(
        "",
        r#"{"Quantity":1,"UnitAmount":100,"DiscountAmount":5.00,"LineAmount":120}"#,
    );
    shape_at(
        xero::decode_invoices(over.as_bytes()),
        Profile::XeroGl,
        "Invoices[0].LineItems[0].LineAmount",
    );
    // No discount, written as zero or null, reads as before.
    let none = one_invoice(
        "",
        r#"{"Quantity":2,"UnitAmount":50,"DiscountRate":0.00,"DiscountAmount":null,"LineAmount":100}"#,
    );
    let page = xero::decode_invoices(none.as_bytes()).unwrap();
    assert_eq!(
        page.records[0].invoice.lines[0].unit_price,
        Money::new(Decimal::new(50, 0), Currency::NZD)
    );
}

/// A line without `UnitAmount` but with a `Quantity` other than 1 and a
/// `LineAmount` used to get a unit price of 0: the line's amount was lost.
/// Its unit price is the amount over the quantity when that is exact;
/// otherwise the line is refused.
#[test]
fn xero_a_line_given_by_its_amount_keeps_it() {
    let doc = one_invoice("", r#"{"Quantity":2,"LineAmount":100.50}"#);
    let page = xero::decode_invoices(doc.as_bytes()).unwrap();
    let line = &page.records[0].invoice.lines[0];
    assert_eq!(line.quantity, Decimal::new(2, 0));
    assert_eq!(line.unit_price.amount(), Decimal::new(5025, 2));
    for line in [
        r#"{"Quantity":3,"LineAmount":100}"#,
        r#"{"Quantity":0,"LineAmount":5}"#,
    ] {
        shape_at(
            xero::decode_invoices(one_invoice("", line).as_bytes()),
            Profile::XeroGl,
            "Invoices[0].LineItems[0].LineAmount",
        );
    }
    // Nothing to lose: a zero amount, or a note without any amount.
    for line in [
        r#"{"Quantity":3,"LineAmount":0}"#,
        r#"{"Description":"note"}"#,
    ] {
        let page = xero::decode_invoices(one_invoice("", line).as_bytes()).unwrap();
        assert!(page.records[0].invoice.lines[0].unit_price.is_zero());
    }
}

/// `LineAmountTypes` says whether `UnitAmount` includes tax. The model's
/// unit prices are net, with the tax added on top; an `Inclusive`
/// invoice used to be read as net with its rate added again. It is
/// refused when a line would get a rate (it reads when no rate is known:
/// its lines then carry no tax, and their amounts are Xero's totals);
/// `NoTax` lines get no rate; an unknown value is a shape error.
#[test]
fn xero_tax_inclusive_lines_are_not_taxed_twice() {
    let mut opts = DecodeOptions::default();
    opts.tax_rates
        .insert("OUTPUT2".into(), TaxRate::percent("15").unwrap());
    let taxed = r#"{"Quantity":1,"UnitAmount":115,"TaxType":"OUTPUT2"}"#;
    for kind in ["Inclusive", "INCLUSIVE"] {
        let doc = one_invoice(&format!(r#""LineAmountTypes":"{kind}","#), taxed);
        shape_at(
            xero::decode_invoices_with(doc.as_bytes(), &opts),
            Profile::XeroGl,
            "Invoices[0].LineAmountTypes",
        );
        // Without a known rate nothing is added: the line reads gross.
        let page = xero::decode_invoices(doc.as_bytes()).unwrap();
        assert_eq!(page.records[0].invoice.lines[0].tax_rate, None);
        // A line without tax is the same either way.
        let untaxed = one_invoice(
            &format!(r#""LineAmountTypes":"{kind}","#),
            r#"{"Quantity":1,"UnitAmount":100,"TaxType":"NONE"}"#,
        );
        assert!(xero::decode_invoices_with(untaxed.as_bytes(), &opts).is_ok());
    }
    let no_tax = one_invoice(r#""LineAmountTypes":"NoTax","#, taxed);
    let page = xero::decode_invoices_with(no_tax.as_bytes(), &opts).unwrap();
    assert_eq!(page.records[0].invoice.lines[0].tax_rate, None);
    assert_eq!(page.records[0].tax_types, [Some("OUTPUT2".to_owned())]);
    let exclusive = one_invoice(r#""LineAmountTypes":"EXCLUSIVE","#, taxed);
    let page = xero::decode_invoices_with(exclusive.as_bytes(), &opts).unwrap();
    assert_eq!(
        page.records[0].invoice.lines[0].tax_rate,
        Some(TaxRate::percent("15").unwrap())
    );
    let odd = one_invoice(r#""LineAmountTypes":"Gross","#, taxed);
    shape_at(
        xero::decode_invoices_with(odd.as_bytes(), &opts),
        Profile::XeroGl,
        "Invoices[0].LineAmountTypes",
    );
}

// ------------------------------------------------------------ Xero BOM

/// A UTF-8 byte-order mark is skipped by the Xero contacts reader and by
/// `decode_any`'s recognition, but the invoice, payment and error readers
/// used to refuse the same document as unreadable.
#[test]
fn xero_a_byte_order_mark_is_skipped_by_every_reader() {
    let bom = |doc: &str| [b"\xEF\xBB\xBF".as_slice(), doc.as_bytes()].concat();
    let invoices = bom(r#"{"Invoices":[{"Date":"2020-01-01","LineItems":[]}]}"#);
    assert_eq!(xero::decode_invoices(&invoices).unwrap().records.len(), 1);
    assert!(matches!(
        wire::decode_any(&invoices),
        Ok((Profile::XeroGl, Payload::Invoices(v))) if v.len() == 1
    ));
    let payments = bom(
        r#"{"Payments":[{"PaymentID":"p","Date":"2020-01-02","Amount":5,"Invoice":{"InvoiceID":"i"}}]}"#,
    );
    assert_eq!(xero::decode_payments(&payments).unwrap().records.len(), 1);
    let error = bom(r#"{"ErrorNumber":16,"Type":"QueryParseException","Message":"bad"}"#);
    assert!(xero::decode_error_body(&error).is_ok());
    assert!(matches!(
        xero::decode_error(400, &error, None),
        ledgerlink::ports::AdapterError::Validation { code: Some(ref c), .. } if c == "16"
    ));
    let contacts = bom(r#"{"Contacts":[{"Name":"A"}]}"#);
    assert_eq!(xero::decode_contacts(&contacts).unwrap().records.len(), 1);
}

// ---------------------------------------------------------- Xero dates

/// The offset of `/Date(ms±hhmm)/` decides the day of a Xero date. An
/// offset that is no offset (`+0099`: 99 minutes; `+2500`: 25 hours) used
/// to be read anyway, moving the date by whatever it said; it is refused
/// now. Real offsets (up to ±14:00) read as before.
#[test]
fn xero_malformed_date_offsets_are_refused() {
    for bad in ["+0099", "+0160", "+2500", "-1500"] {
        let d = format!("/Date(1551916800000{bad})/");
        let doc = format!(r#"{{"Invoices":[{{"Date":"{d}"}}]}}"#);
        shape_at(
            xero::decode_invoices(doc.as_bytes()),
            Profile::XeroGl,
            "Invoices[0].Date",
        );
        let doc = format!(r#"{{"Contacts":[{{"Name":"A","UpdatedDateUTC":"{d}"}}]}}"#);
        shape_at(
            xero::decode_contacts(doc.as_bytes()),
            Profile::XeroGl,
            "Contacts[0].UpdatedDateUTC",
        );
    }
    // 2019-03-07T00:00Z: still the 7th at +13:00 and +14:00, the 6th at -12:00.
    for (offset, day) in [("+1300", 7), ("+1400", 7), ("-1200", 6), ("+0545", 7)] {
        let doc = format!(r#"{{"Invoices":[{{"Date":"/Date(1551916800000{offset})/"}}]}}"#);
        let page = xero::decode_invoices(doc.as_bytes()).unwrap();
        assert_eq!(
            page.records[0].invoice.issue_date,
            date(2019, 3, day),
            "{offset}"
        );
    }
}

// ------------------------------------------------------------- QBO XML

/// QBO's XML reader turns the text of an element with attributes into a
/// `value` key (a reference's id). Whitespace-only text did too, so an
/// empty query page written with its paging attributes and a line break
/// inside was refused as "a query response of `value` records".
#[test]
fn qbo_an_empty_xml_query_page_with_attributes_decodes() {
    let xml = "<IntuitResponse xmlns=\"http://schema.intuit.com/finance/v3\" \
               time=\"2024-01-01T00:00:00-08:00\">\n  \
               <QueryResponse startPosition=\"1\" maxResults=\"0\">\n  </QueryResponse>\n\
               </IntuitResponse>";
    let page = wire::qbo::decode_contacts(xml.as_bytes()).unwrap();
    assert!(page.records.is_empty());
    assert_eq!(page.next_page, None);
    assert!(matches!(
        wire::decode_any(xml.as_bytes()),
        Ok((Profile::Qbo, Payload::Contacts { records, .. })) if records.is_empty()
    ));
    // A reference keeps its id, text around it trimmed as before.
    let xml = "<Customer><Id>5</Id><DisplayName>Job</DisplayName>\
               <ParentRef name=\"Acme\">3</ParentRef></Customer>";
    let c = wire::qbo::decode_contacts(xml.as_bytes())
        .unwrap()
        .records
        .remove(0);
    assert_eq!(c.extras.parent_id.as_ref().map(|p| p.as_str()), Some("3"));
}

// ------------------------------------------------------- QBO requestid

fn qbo_create(key: &str) -> ledgerlink::sync::Action {
    ledgerlink::sync::Action::Create {
        contact: std::sync::Arc::new(ledgerlink::Contact::organization("", "Acme Ltd")),
        source_id: "L1".into(),
        organizations: Vec::new(),
        idempotency_key: key.into(),
    }
}

/// QBO takes the idempotency key as its `requestid`, which holds at most
/// 50 characters (Intuit's developer blog). A key of up to 50 characters
/// is sent as it is; a longer one (the planner's keys are) becomes a
/// fixed-length digest that is the same for the same key and differs for
/// different keys, so a re-sent create is still recognised; an empty one
/// is `Invalid`.
#[test]
fn qbo_a_request_id_longer_than_qbo_takes_is_shortened_deterministically() {
    let fifty = "k".repeat(50);
    let r = wire::qbo::encode_action(&qbo_create(&fifty)).unwrap();
    assert_eq!(r.idempotency_key.as_deref(), Some(fifty.as_str()));
    // The shape of the planner's keys for a create in QBO.
    let planned = "ledgerlink:12:create-remote:720c21d3-e812-4bb1-9d6b-ddeb4745e7b9";
    let other = "ledgerlink:12:create-remote:720c21d3-e812-4bb1-9d6b-ddeb4745e7ba";
    let id = |k: &str| {
        wire::qbo::encode_action(&qbo_create(k))
            .unwrap()
            .idempotency_key
            .unwrap()
    };
    for key in ["k".repeat(51), planned.to_owned()] {
        let rid = id(&key);
        assert!(
            rid.chars().count() <= wire::qbo::MAX_REQUEST_ID_CHARS,
            "{rid}"
        );
        assert!(rid.starts_with("ll-"), "{rid}");
        assert_eq!(rid, id(&key), "the same key gives the same requestid");
        assert_eq!(Ok(rid), wire::qbo::request_id(&key));
    }
    assert_ne!(id(planned), id(other));
    assert_ne!(id(planned), id(&"k".repeat(51)));
    assert!(matches!(
        wire::qbo::encode_action(&qbo_create("")),
        Err(WireError::Invalid { provider: Profile::Qbo, ref field, .. }) if field == "requestid"
    ));
}

// ------------------------------------- lines the model cannot keep as is

fn qbo_invoice(detail: &str, amount: &str) -> String {
    format!(
        r#"{{"Invoice":{{"Id":"1","CustomerRef":{{"value":"2"}},"Line":[{{"Amount":{amount},"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{"ItemRef":{{"value":"3"}}{detail}}}}}]}}}}"#
    )
}

/// QBO can hold a line whose `Amount` is not `Qty` × `UnitPrice` (a
/// quantity or a price of 0 beside an amount, or two that disagree). The
/// model keeps quantity and unit price only, so such a line was read with
/// a net of 0 × 50 or 1 × 0: the amount was lost. A line whose numbers
/// agree (rounded to the cent) reads, a missing quantity or price is the
/// amount's share of the other, and a line that cannot be made to agree
/// is refused.
#[test]
fn qbo_a_line_whose_amount_is_not_qty_times_price_is_refused() {
    for (detail, amount) in [
        (r#","Qty":0"#, "50"),
        (r#","Qty":0,"UnitPrice":50"#, "50"),
        (r#","Qty":2,"UnitPrice":10"#, "21"),
        (r#","Qty":3,"UnitPrice":33.33"#, "100"),
        (r#","UnitPrice":0"#, "5"),
    ] {
        shape_at(
            wire::qbo::decode_invoices(qbo_invoice(detail, amount).as_bytes()),
            Profile::Qbo,
            "Invoice[0].Line[0].Amount",
        );
    }
    for (detail, amount, q, unit) in [
        (r#","Qty":3,"UnitPrice":33.333"#, "100.00", "3", "33.333"),
        (r#","Qty":4"#, "100", "4", "25"),
        (r#","UnitPrice":12.5"#, "50", "4", "12.5"),
        (r#","UnitPrice":30"#, "90", "3", "30"),
        ("", "75.25", "1", "75.25"),
        (r#","Qty":0"#, "0", "0", "0"),
    ] {
        let page = wire::qbo::decode_invoices(qbo_invoice(detail, amount).as_bytes())
            .unwrap_or_else(|e| panic!("{detail} {amount}: {e}"));
        let line = &page[0].lines[0];
        assert_eq!(line.quantity, q.parse::<Decimal>().unwrap(), "{detail}");
        assert_eq!(line.unit_price.amount(), unit.parse::<Decimal>().unwrap());
    }
}

/// Xero's `LineAmount` is the line's quantity times its unit amount; a
/// line where it is something else used to be read from the quantity and
/// unit amount, silently changing the invoice's total.
#[test]
fn xero_a_line_amount_that_is_not_quantity_times_unit_is_refused() {
    let doc = one_invoice("", r#"{"Quantity":2,"UnitAmount":10,"LineAmount":25}"#);
    shape_at(
        xero::decode_invoices(doc.as_bytes()),
        Profile::XeroGl,
        "Invoices[0].LineItems[0].LineAmount",
    );
    let doc = one_invoice(
        "",
        r#"{"Quantity":3,"UnitAmount":33.3333,"LineAmount":100.00}"#,
    );
    let page = xero::decode_invoices(doc.as_bytes()).unwrap();
    assert_eq!(
        page.records[0].invoice.lines[0].quantity,
        Decimal::new(3, 0)
    );
}

// ------------------------------------------------- lengths as ledgers count

/// Xero counts a name's length in UTF-16 units (.NET): 128 emoji are 256
/// units, over its 255. Counting characters let such a name through, to
/// be refused or cut by the ledger.
#[test]
fn lengths_count_utf16_units_where_the_ledger_does() {
    let emoji = "\u{1F600}".repeat(128);
    let c = ledgerlink::Contact::organization("", emoji.as_str());
    match xero::encode_contact_create(&c) {
        Err(WireError::TooLong {
            provider: Profile::XeroGl,
            field: "Name",
            len: 256,
            max: 255,
        }) => {}
        other => panic!("{other:?}"),
    }
    let c = ledgerlink::Contact::organization("", "\u{1F600}".repeat(127).as_str());
    assert!(xero::encode_contact_create(&c).is_ok());
}
