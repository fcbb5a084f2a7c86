//! The QuickBooks Online codec through its public API: customers, invoices,
//! payments and faults read from JSON and XML (the fixtures in
//! `tests/fixtures/qbo`, and the shared real payloads when they are checked
//! out beside the crate), request bodies with their limits, round trips,
//! and hostile input.
#![allow(clippy::print_stderr)]

use ledgerlink::Profile;
use ledgerlink::billing::{DraftAllocation, DraftLine, InvoiceDraft, InvoiceRef, PaymentDraft};
use ledgerlink::model::{
    Address, AddressKind, Allocation, Contact, ContactId, ContactKind, ContactStatus, Currency,
    Email, Invoice, InvoiceLine, InvoiceStatus, InvoiceTotals, Money, Payment, PaymentOrigin,
    Phone, PhoneKind, VersionToken,
};
use ledgerlink::ports::AdapterError;
use ledgerlink::rules::qbo::kind_of_customer;
use ledgerlink::sync::{
    Action, ContactRef, FieldChange, FieldPatch, FieldValue, SyncField, read_field,
};
use ledgerlink::wire::qbo::{self, DecodeOptions, ErrorContext, QueryEntity};
use ledgerlink::wire::{Payload, WireError};
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::support::contacts::patch;
use crate::support::fixtures::{fixture, own_fixtures, shared_fixture, shared_fixtures};
use crate::support::money::{dec, money, usd};
use crate::support::time::{at, date};

// ------------------------------------------------------------- helpers

fn by_id<'c>(cs: &'c [Contact], id: &str) -> &'c Contact {
    cs.iter().find(|c| c.id == id).unwrap()
}

fn kind_by_rule(c: &Contact) -> Option<ContactKind> {
    kind_of_customer(
        c.display_name.as_deref(),
        c.organization_name.as_deref(),
        c.first_name.as_deref(),
        c.last_name.as_deref(),
    )
    .ok()
    .map(|d| d.kind)
}

/// Every decoder, on the same bytes: none may panic.
fn every_decoder(bytes: &[u8]) {
    let _ = qbo::decode_any(bytes);
    let _ = qbo::decode(bytes);
    let _ = qbo::decode_contacts(bytes);
    let _ = qbo::decode_invoices(bytes);
    let _ = qbo::decode_payments(bytes);
    let _ = qbo::decode_fault(bytes);
    let _ = qbo::decode_batch(bytes);
    let _ = qbo::decode_error(400, bytes);
    let _ = ledgerlink::wire::decode_any(bytes);
}

/// The decoders with their own paths (the typed ones share `decode`'s),
/// for the many truncations of a file.
fn entry_decoders(bytes: &[u8]) {
    let _ = qbo::decode_batch(bytes);
    let _ = qbo::decode_error(400, bytes);
    let _ = ledgerlink::wire::decode_any(bytes);
}

// ------------------------------------------------------------ customers

#[test]
fn a_customer_page_maps_every_field() {
    let page = qbo::decode_contacts(&fixture("qbo/customers-page.json")).unwrap();
    assert_eq!(page.records.len(), 6);
    let cafe = by_id(&page.records, "101");
    assert_eq!(cafe.display_name.as_deref(), Some("CAFÉ NG & SONS LTD"));
    assert_eq!(
        cafe.organization_name.as_deref(),
        Some("Café Ng & Sons Ltd")
    );
    assert_eq!(
        (
            cafe.first_name.as_deref(),
            cafe.middle_name.as_deref(),
            cafe.last_name.as_deref()
        ),
        (Some("Ana"), Some("Maria"), Some("Ng"))
    );
    assert_eq!(
        cafe.emails,
        [Email {
            address: "accounts@cafe-ng.example".into(),
            primary: true
        }]
    );
    let phones: Vec<_> = cafe
        .phones
        .iter()
        .map(|p| (p.kind, p.number.as_str()))
        .collect();
    assert_eq!(
        phones,
        [
            (PhoneKind::Primary, "+64 4 555 0100"),
            (PhoneKind::Mobile, "+64 21 555 0101"),
            (PhoneKind::Fax, "+64 4 555 0102"),
            (PhoneKind::Other, "ext. 12"),
        ]
    );
    // BillAddr first and primary; the empty Line4 is no line.
    assert_eq!(
        cafe.addresses,
        [
            Address {
                kind: AddressKind::Billing,
                primary: true,
                lines: vec![
                    "Level 3".into(),
                    "12 Wharf Rd".into(),
                    "Unit 4".into(),
                    "Rear entrance".into()
                ],
                city: Some("Wellington".into()),
                region: Some("WGN".into()),
                postal_code: Some("6011".into()),
                country: Some("New Zealand".into()),
            },
            Address {
                kind: AddressKind::Physical,
                primary: false,
                lines: vec!["PO Box 77".into()],
                city: Some("Wellington".into()),
                region: None,
                postal_code: Some("6140".into()),
                country: None,
            },
        ]
    );
    assert_eq!(
        cafe.extras.version,
        Some(VersionToken::SyncToken("7".into()))
    );
    assert_eq!(cafe.extras.updated_at, Some(at("2024-02-29T10:30:15Z")));
    assert_eq!(cafe.status, ContactStatus::Active);
    assert_eq!(cafe.extras.parent_id, None);
    // Display name equals company name once normalised: an organisation,
    // although first and last name are filled in.
    assert_eq!(cafe.kind, Some(ContactKind::Organization));
    // Fields QBO does not have stay empty.
    assert_eq!(cafe.contact_type, None);
    assert!(cafe.organization_ids.is_empty());
}

#[test]
fn kinds_follow_the_crates_qbo_rule() {
    let page = qbo::decode_contacts(&fixture("qbo/customers-page.json")).unwrap();
    for c in &page.records {
        assert_eq!(c.kind, kind_by_rule(c), "{}", c.id);
    }
    assert_eq!(by_id(&page.records, "102").kind, Some(ContactKind::Person));
    assert_eq!(by_id(&page.records, "106").kind, Some(ContactKind::Person));
    // "Bill's Shop" with no company and no person name: no kind.
    assert_eq!(by_id(&page.records, "105").kind, None);
}

#[test]
fn inactive_customers_are_archived_and_jobs_carry_their_parent() {
    let page = qbo::decode_contacts(&fixture("qbo/customers-page.json")).unwrap();
    let closed = by_id(&page.records, "103");
    assert_eq!(closed.status, ContactStatus::Archived);
    // Only a shipping address: it is the primary one.
    assert_eq!(closed.addresses.len(), 1);
    assert!(closed.addresses[0].primary);
    assert_eq!(closed.addresses[0].kind, AddressKind::Physical);
    let job = by_id(&page.records, "104");
    assert_eq!(job.extras.parent_id, Some(ContactId::from("101")));
    assert_eq!(job.display_name.as_deref(), Some("Kitchen refit"));
}

#[test]
fn blank_fields_read_as_absent() {
    let page = qbo::decode_contacts(&fixture("qbo/customers-page.json")).unwrap();
    let shop = by_id(&page.records, "105");
    assert_eq!(shop.organization_name, None);
    assert_eq!(shop.first_name, None);
    assert!(shop.phones.is_empty());
    assert!(shop.emails.is_empty());
    assert!(
        shop.addresses.is_empty(),
        "an address of only Lat/Long is none"
    );
    assert_eq!(shop.status, ContactStatus::Active);
    assert_eq!(shop.extras.updated_at, None);
    let tane = by_id(&page.records, "106");
    assert_eq!(tane.display_name.as_deref(), Some("Tane 🌿 Mahuta"));
}

#[test]
fn pages_announce_the_next_start_position() {
    let page = qbo::decode_contacts(&fixture("qbo/customers-page.json")).unwrap();
    assert_eq!(page.next_page.as_deref(), Some("7"));
    // totalCount says the last record was read.
    let last = qbo::decode_contacts(&fixture("qbo/customers-last-page.json")).unwrap();
    assert_eq!(last.records.len(), 1);
    assert_eq!(last.next_page, None);
    let empty = qbo::decode_contacts(&fixture("qbo/customers-empty-page.json")).unwrap();
    assert!(empty.records.is_empty());
    assert_eq!(empty.next_page, None);
    let empty_xml =
        br#"<IntuitResponse time="2024-03-01T10:00:00Z"><QueryResponse/></IntuitResponse>"#;
    assert_eq!(
        qbo::decode_contacts(empty_xml).unwrap(),
        qbo::ContactsPage::default()
    );
    // With the page size asked for, a short page is the last one.
    let opts = DecodeOptions {
        page_size: Some(1000),
        ..DecodeOptions::default()
    };
    let page = qbo::decode_contacts_with(&fixture("qbo/customers-page.json"), &opts).unwrap();
    assert_eq!(page.next_page, None);
    let ports_page: ledgerlink::ports::Page = page.into();
    assert_eq!(ports_page.contacts.len(), 6);
}

#[test]
fn json_and_xml_read_the_same_customer() {
    let json = qbo::decode_contacts(&fixture("qbo/customer-single.json")).unwrap();
    let xml = qbo::decode_contacts(&fixture("qbo/customer-single.xml")).unwrap();
    assert_eq!(json, xml);
    let c = &json.records[0];
    assert_eq!(c.display_name.as_deref(), Some("Acme <West> & Sons"));
    assert_eq!(c.first_name.as_deref(), Some("O'Brien"));
    assert_eq!(c.extras.parent_id, Some(ContactId::from("3")));
    assert_eq!(c.addresses[0].city.as_deref(), Some("San José"));
    assert_eq!(json.next_page, None);
}

// ------------------------------------------------------ invoices, payments

#[test]
fn invoices_keep_exact_amounts_and_item_lines_only() {
    let invoices = qbo::decode_invoices(&fixture("qbo/invoices-query.json")).unwrap();
    assert_eq!(invoices.len(), 3);
    let paid = &invoices[0];
    assert_eq!(
        *paid,
        Invoice {
            id: "501".into(),
            number: "INV-2024-0001".into(),
            contact_id: "101".into(),
            issue_date: date(2024, 2, 1),
            due_date: date(2024, 2, 29),
            status: InvoiceStatus::Paid,
            currency: Currency::USD,
            lines: vec![
                InvoiceLine {
                    work_type: Some("7".into()),
                    description: "Monthly bookkeeping".into(),
                    quantity: dec("1.5"),
                    unit_price: usd("33.3333333333333333"),
                    tax_rate: None,
                },
                InvoiceLine {
                    work_type: Some("8".into()),
                    description: String::new(),
                    quantity: dec("2"),
                    unit_price: usd("100"),
                    tax_rate: None,
                },
            ],
        }
    );
    // Digits a float would lose are kept.
    assert_eq!(
        paid.lines[0].unit_price.amount().to_string(),
        "33.3333333333333333"
    );
    let open = &invoices[1];
    assert_eq!(open.status, InvoiceStatus::AwaitingPayment);
    assert_eq!(open.currency, Currency::EUR);
    assert_eq!(open.due_date, open.issue_date, "no DueDate: due on issue");
    assert_eq!(open.lines[0].quantity, dec("3"));
    assert_eq!(
        open.lines[0]
            .unit_price
            .checked_mul(dec("3"))
            .unwrap()
            .round(ledgerlink::model::Rounding::HalfEven),
        money("0.10", "EUR")
    );
    // Balance 0 on a zero total is not "paid": with QBO's "Voided" note
    // (its only mark of a void) it is void.
    assert_eq!(invoices[2].status, InvoiceStatus::Void);
    assert!(invoices[2].lines.is_empty());
}

#[test]
fn a_discount_line_is_a_negative_line_not_dropped() {
    let invoices = qbo::decode_invoices(&fixture("qbo/invoice-discount.json")).unwrap();
    let lines = &invoices[0].lines;
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].unit_price, usd("100"));
    assert_eq!(
        lines[1],
        InvoiceLine {
            work_type: None,
            description: "Discount 10%".into(),
            quantity: dec("1"),
            unit_price: usd("-10"),
            tax_rate: None,
        }
    );
    // The totals agree with QBO's TotalAmt (90, no tax).
    let totals = invoices[0]
        .totals(ledgerlink::model::Rounding::HalfEven)
        .unwrap();
    assert_eq!(totals.gross, usd("90"));
}

#[test]
fn payments_become_allocations_with_the_remainder_checked() {
    let p = qbo::decode_payments(&fixture("qbo/payment.json")).unwrap();
    assert_eq!(
        p,
        [Payment {
            id: "900".into(),
            date: date(2024, 3, 2),
            amount: usd("300.00"),
            payer: "101".into(),
            allocations: vec![
                Allocation {
                    invoice_id: "501".into(),
                    amount: usd("254.44")
                },
                Allocation {
                    invoice_id: "502".into(),
                    amount: usd("50.06")
                },
            ],
            origin: PaymentOrigin::Ledger,
            reference: Some("pm-000123".into()),
        }]
    );
    let e = qbo::decode_payments(&fixture("qbo/payment-unapplied-mismatch.json")).unwrap_err();
    assert!(
        matches!(&e, WireError::Shape { path, .. } if path == "Payment[0].UnappliedAmt"),
        "{e:?}"
    );
}

#[test]
fn xml_payment_queries_read_like_json() {
    let p = qbo::decode_payments(&fixture("qbo/payments-query.xml")).unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].amount, money("30.005", "EUR"));
    assert_eq!(p[0].allocations.len(), 2);
    assert_eq!(p[0].allocations[0].amount, money("10.005", "EUR"));
    assert_eq!(p[0].reference.as_deref(), Some("bank-42"));
    assert_eq!(p[1].payer, "55");
    assert!(p[1].allocations.is_empty());
    assert_eq!(p[1].unapplied(), Ok(money("75", "EUR")));
}

#[test]
fn typed_decoders_refuse_other_kinds() {
    assert!(matches!(
        qbo::decode_invoices(&fixture("qbo/payment.json")),
        Err(WireError::Unsupported {
            provider: Some(Profile::Qbo),
            ..
        })
    ));
    assert!(matches!(
        qbo::decode_contacts(&fixture("qbo/fault-5010-stale.json")),
        Err(WireError::Unsupported { .. })
    ));
    assert!(matches!(
        qbo::decode(&fixture("qbo/query-items.json")),
        Err(WireError::Unsupported { .. })
    ));
    assert!(matches!(
        qbo::decode_fault(&fixture("qbo/payment.json")),
        Err(WireError::Unsupported { .. })
    ));
    // Not QBO at all: not claimed.
    assert!(qbo::decode_any(br#"{"results":{"jobcodes":{}},"more":false}"#).is_none());
    assert!(qbo::decode_any(b"<Response><Status>OK</Status></Response>").is_none());
    assert!(qbo::decode_any(b"\xff\xfe").is_none());
}

// --------------------------------------------------------------- faults

#[test]
fn faults_map_to_typed_adapter_errors() {
    let ctx_id = ContactId::from("104");
    let ctx = ErrorContext {
        id: Some(&ctx_id),
        name: Some("Jane Smith"),
        retry_after_secs: Some(7),
    };
    assert_eq!(
        qbo::decode_error_in(400, &fixture("qbo/fault-5010-stale.json"), &ctx),
        AdapterError::StaleVersion { id: ctx_id.clone() }
    );
    assert_eq!(
        qbo::decode_error(400, &fixture("qbo/fault-5010-stale.json")),
        AdapterError::StaleVersion {
            id: ContactId::default()
        }
    );
    let dup = qbo::decode_error(400, &fixture("qbo/fault-6140-duplicate-doc-number.json"));
    assert!(
        matches!(&dup, AdapterError::Validation { code: Some(c), message } if c == "6140" && message.contains("DocNumber=INV-2024-0001")),
        "{dup:?}"
    );
    let closed = qbo::decode_error(400, &fixture("qbo/fault-6210-period-closed.xml"));
    assert!(matches!(&closed, AdapterError::Validation { code: Some(c), .. } if c == "6210"));
    let gone = qbo::decode_error(400, &fixture("qbo/fault-610-not-found.json"));
    assert!(matches!(&gone, AdapterError::Validation { code: Some(c), .. } if c == "610"));
    // The name in the detail wins over the one sent.
    assert_eq!(
        qbo::decode_error_in(400, &fixture("qbo/fault-6240-named.json"), &ctx),
        AdapterError::DuplicateName {
            name: "Jane Smith (2)".into()
        }
    );
    let multi = qbo::decode_error(400, &fixture("qbo/fault-multiple.json"));
    assert!(matches!(&multi, AdapterError::Validation { code: Some(c), .. } if c == "2050"));
    assert!(matches!(
        qbo::decode_error(500, &fixture("qbo/fault-system.json")),
        AdapterError::Transient { .. }
    ));
    assert!(matches!(
        qbo::decode_error(400, &fixture("qbo/fault-system.json")),
        AdapterError::Validation { code: Some(c), .. } if c == "10000"
    ));
    // Bodies that are no fault: the status decides.
    assert!(matches!(
        qbo::decode_error(502, b"<html><body>Bad gateway</body></html>"),
        AdapterError::Transient { .. }
    ));
    assert!(matches!(
        qbo::decode_error(401, b""),
        AdapterError::AccessTokenExpired { .. }
    ));
    assert!(matches!(
        qbo::decode_error(403, b""),
        AdapterError::Authentication { .. }
    ));
    assert_eq!(
        qbo::decode_error_in(429, b"", &ctx),
        AdapterError::RateLimited {
            retry_after_secs: 7
        }
    );
    assert_eq!(
        qbo::decode_error(429, b"slow down"),
        AdapterError::RateLimited {
            retry_after_secs: qbo::THROTTLE_WINDOW_SECS
        }
    );
}

#[test]
fn fault_bodies_decode_as_error_payloads() {
    let Some(Ok(Payload::Error { error, items })) =
        qbo::decode_any(&fixture("qbo/fault-multiple.json"))
    else {
        panic!("an error payload");
    };
    assert!(matches!(error, AdapterError::Validation { .. }));
    assert_eq!(items.len(), 2);
    assert!(items[1].contains("Line.Amount"));
    let fault = qbo::decode_fault(&fixture("qbo/fault-6210-period-closed.xml")).unwrap();
    assert_eq!(fault.kind.as_deref(), Some("ValidationFault"));
    assert_eq!(fault.errors[0].code_number(), Some("6210"));
    assert_eq!(
        fault.errors[0].message.as_deref(),
        Some("Account Period Closed")
    );
}

#[test]
fn the_shared_real_payloads_decode() {
    let Some(files) = shared_fixtures("qbo") else {
        return;
    };
    assert!(!files.is_empty());
    for (name, bytes) in &files {
        let (provider, payload) =
            ledgerlink::wire::decode_any(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(provider, Profile::Qbo, "{name}");
        let is_error = matches!(payload, Payload::Error { .. });
        assert_eq!(
            is_error,
            name.contains("error"),
            "{name}: {}",
            payload.summary()
        );
        assert!(is_error || !payload.summary().starts_with("0 "), "{name}");
    }
    let customers =
        qbo::decode_contacts(&shared_fixture("qbo/qbo-customers-query.json").unwrap()).unwrap();
    assert_eq!(customers.records.len(), 41);
    assert_eq!(customers.next_page.as_deref(), Some("42"));
    let jobs: Vec<_> = customers
        .records
        .iter()
        .filter(|c| c.extras.parent_id.is_some())
        .map(|c| c.id.as_str())
        .collect();
    assert!(jobs.contains(&"64") && jobs.contains(&"8"), "{jobs:?}");
    let xml = qbo::decode_contacts(&shared_fixture("qbo/qbo-xml-customers.xml").unwrap()).unwrap();
    assert_eq!(
        by_id(&xml.records, "4").extras.parent_id,
        Some(ContactId::from("3"))
    );
    assert_eq!(
        qbo::decode_error(
            401,
            &shared_fixture("qbo/qbo-error-401-003200.json").unwrap()
        ),
        AdapterError::AccessTokenExpired {
            message: "message=AuthenticationFailed; errorCode=003200; statusCode=401".into()
        }
    );
    assert_eq!(
        qbo::decode_error_in(
            400,
            &shared_fixture("qbo/qbo-xml-customer_duplicate_error.xml").unwrap(),
            &ErrorContext {
                name: Some("Acme"),
                ..ErrorContext::default()
            }
        ),
        AdapterError::DuplicateName {
            name: "Acme".into()
        }
    );
    assert!(matches!(
        qbo::decode_error(
            429,
            &shared_fixture("qbo/qbo-xml-too_many_requests_error.xml").unwrap()
        ),
        AdapterError::RateLimited {
            retry_after_secs: 60
        }
    ));
    let created =
        qbo::decode_invoices(&shared_fixture("qbo/qbo-invoice-create-request.json").unwrap())
            .unwrap();
    assert_eq!(created[0].status, InvoiceStatus::Draft);
    assert_eq!(created[0].lines[0].unit_price, usd("100"));
}

// -------------------------------------------------------------- encoding

fn person() -> Contact {
    Contact::person("", "Jane", "Smith")
        .with_display_name("Jane Smith")
        .with_email("jane@smith.example")
        .with_phone(PhoneKind::Primary, "04 555 0100")
        .with_address(Address {
            kind: AddressKind::Physical,
            lines: vec!["1 Main St".into(), "Flat 2".into()],
            city: Some("Leeds".into()),
            postal_code: Some("LS1 1AA".into()),
            ..Address::default()
        })
}

#[test]
fn a_create_sends_the_primary_address_in_the_slot_of_its_kind() {
    let mut c = person();
    c.addresses.push(Address {
        kind: AddressKind::Billing,
        lines: vec!["PO Box 9".into()],
        ..Address::default()
    });
    assert_eq!(
        qbo::encode_customer_create(&c).unwrap(),
        concat!(
            r#"{"DisplayName":"Jane Smith","GivenName":"Jane","FamilyName":"Smith","#,
            r#""PrimaryEmailAddr":{"Address":"jane@smith.example"},"#,
            r#""PrimaryPhone":{"FreeFormNumber":"04 555 0100"},"#,
            r#""ShipAddr":{"Line1":"1 Main St","Line2":"Flat 2","City":"Leeds","PostalCode":"LS1 1AA"}}"#
        )
    );
    // A mailing address goes where QBO mails invoices: BillAddr.
    let mut m = person();
    m.addresses[0].kind = AddressKind::Mailing;
    assert!(
        qbo::encode_customer_create(&m)
            .unwrap()
            .contains(r#""BillAddr":{"Line1":"1 Main St""#)
    );
}

#[test]
fn sub_customers_and_archived_customers_are_created_as_such() {
    let mut job = Contact::named("", "Kitchen refit");
    job.extras.parent_id = Some("101".into());
    job.status = ContactStatus::Archived;
    assert_eq!(
        qbo::encode_customer_create(&job).unwrap(),
        r#"{"DisplayName":"Kitchen refit","Job":true,"ParentRef":{"value":"101"},"Active":false}"#
    );
}

#[test]
fn values_qbo_would_refuse_are_reported_before_sending() {
    let too_long = |field: &'static str, len: usize, max: usize| WireError::TooLong {
        provider: Profile::Qbo,
        field,
        len,
        max,
    };
    let c = person().with_display_name("x".repeat(501));
    assert_eq!(
        qbo::encode_customer_create(&c),
        Err(too_long("DisplayName", 501, 500))
    );
    // Characters, not bytes.
    let c = person().with_display_name("é".repeat(500));
    assert!(qbo::encode_customer_create(&c).is_ok());
    let mut c = person();
    c.middle_name = Some("m".repeat(101));
    assert_eq!(
        qbo::encode_customer_create(&c),
        Err(too_long("MiddleName", 101, 100))
    );
    let c = person().with_organization_name("o".repeat(101));
    assert_eq!(
        qbo::encode_customer_create(&c),
        Err(too_long("CompanyName", 101, 100))
    );
    let c = person().with_phone(PhoneKind::Fax, "1".repeat(31));
    assert_eq!(
        qbo::encode_customer_create(&c),
        Err(too_long("Fax.FreeFormNumber", 31, 30))
    );
    for (name, field) in [
        ("Smith: Jane", "DisplayName"),
        ("Jane\tSmith", "DisplayName"),
        ("Jane\nSmith", "DisplayName"),
    ] {
        let c = person().with_display_name(name);
        assert!(
            matches!(qbo::encode_customer_create(&c), Err(WireError::Invalid { field: f, .. }) if f == field),
            "{name:?}"
        );
    }
    let c = person().with_names("Ja:ne", "Smith");
    assert!(matches!(
        qbo::encode_customer_create(&c),
        Err(WireError::Invalid { field, .. }) if field == "GivenName"
    ));
    let mut c = person();
    c.display_name = None;
    assert!(matches!(
        qbo::encode_customer_create(&c),
        Err(WireError::Invalid { field, .. }) if field == "DisplayName"
    ));
    let mut c = person();
    c.emails[0].address = "jane-at-smith".into();
    assert!(matches!(
        qbo::encode_customer_create(&c),
        Err(WireError::Invalid { field, .. }) if field == "PrimaryEmailAddr.Address"
    ));
    let mut c = person();
    c.addresses[0].lines = (1..=6).map(|i| format!("line {i}")).collect();
    assert!(matches!(
        qbo::encode_customer_create(&c),
        Err(WireError::Invalid { field, .. }) if field == "ShipAddr"
    ));
}

#[test]
fn updates_are_sparse_with_the_sync_token() {
    let id = ContactId::from("104");
    let v = VersionToken::SyncToken("5".into());
    let update = patch(
        Profile::Qbo,
        vec![
            (
                SyncField::Email,
                Some(FieldValue::Text("new@acme.example".into())),
            ),
            (SyncField::MobilePhone, None),
            (
                SyncField::BillingAddress,
                Some(FieldValue::Address(Address {
                    lines: vec!["2 High St".into()],
                    city: Some("York".into()),
                    ..Address::default()
                })),
            ),
        ],
    );
    assert_eq!(
        qbo::encode_customer_update(&id, &update, Some(&v)).unwrap(),
        concat!(
            r#"{"Id":"104","SyncToken":"5","sparse":true,"#,
            r#""PrimaryEmailAddr":{"Address":"new@acme.example"},"#,
            r#""Mobile":{"FreeFormNumber":""},"#,
            r#""BillAddr":{"Line1":"2 High St","Line2":"","Line3":"","Line4":"","Line5":"","#,
            r#""City":"York","CountrySubDivisionCode":"","PostalCode":"","Country":""}}"#
        )
    );
    // No token, no update: QBO would refuse it, and overwriting blindly
    // is what the token prevents.
    assert!(matches!(
        qbo::encode_customer_update(&id, &update, None),
        Err(WireError::Invalid { field, .. }) if field == "SyncToken"
    ));
    let xero_token = VersionToken::UpdatedAt(at("2024-01-01T00:00:00Z"));
    assert!(qbo::encode_customer_update(&id, &update, Some(&xero_token)).is_err());
    let mailing = patch(Profile::Qbo, vec![(SyncField::MailingAddress, None)]);
    assert!(matches!(
        qbo::encode_customer_update(&id, &mailing, Some(&v)),
        Err(WireError::Invalid { field, .. }) if field == "mailing_address"
    ));
    let no_name = patch(Profile::Qbo, vec![(SyncField::Name, None)]);
    assert!(qbo::encode_customer_update(&id, &no_name, Some(&v)).is_err());
    let mut xpm = update.clone();
    xpm.profile = Profile::Xpm;
    assert!(qbo::encode_customer_update(&id, &xpm, Some(&v)).is_err());
    let long_phone = patch(
        Profile::Qbo,
        vec![(
            SyncField::OtherPhone,
            Some(FieldValue::Text("9".repeat(31))),
        )],
    );
    assert!(matches!(
        qbo::encode_customer_update(&id, &long_phone, Some(&v)),
        Err(WireError::TooLong {
            field: "AlternatePhone.FreeFormNumber",
            ..
        })
    ));
}

#[test]
fn plan_actions_encode() {
    let create = Action::Create {
        contact: std::sync::Arc::new(person()),
        source_id: "L1".into(),
        organizations: vec![ContactRef::Id("x".into())],
        idempotency_key: "k".into(),
    };
    assert_eq!(
        qbo::encode_action(&create).unwrap(),
        qbo::Request {
            method: qbo::Method::Post,
            path: "customer".into(),
            body: qbo::encode_customer_create(&person()).unwrap(),
            idempotency_key: Some("k".into()),
            query: Vec::new(),
            headers: Vec::new(),
        }
    );
    let update = Action::Update {
        target_id: "104".into(),
        partner_id: "L1".into(),
        patch: patch(
            Profile::Qbo,
            vec![(SyncField::FaxPhone, Some(FieldValue::Text("1".into())))],
        ),
        expected_version: Some(VersionToken::SyncToken("2".into())),
    };
    assert_eq!(
        qbo::encode_action(&update).unwrap().body,
        r#"{"Id":"104","SyncToken":"2","sparse":true,"Fax":{"FreeFormNumber":"1"}}"#
    );
    assert_eq!(qbo::encode_action(&update).unwrap().idempotency_key, None);
}

fn draft_line(service: &str, q: &str, price: &str, amount: &str, tax: Option<&str>) -> DraftLine {
    DraftLine {
        service: service.into(),
        default_service: false,
        description: "Monthly books".into(),
        quantity: dec(q),
        unit_price: usd(price),
        amount: usd(amount),
        tax_code: tax.map(str::to_owned),
    }
}

fn invoice_draft(lines: Vec<DraftLine>) -> InvoiceDraft {
    InvoiceDraft {
        invoice_id: "INV-1".into(),
        doc_number: "INV-0001".into(),
        contact_id: "L1".into(),
        customer: ContactRef::Id("101".into()),
        issue_date: date(2024, 2, 1),
        due_date: date(2024, 2, 29),
        currency: Currency::USD,
        lines,
        totals: InvoiceTotals {
            net: usd("0"),
            tax: usd("0"),
            gross: usd("0"),
        },
    }
}

#[test]
fn invoices_are_written_with_exact_decimals() {
    let d = invoice_draft(vec![draft_line("7", "1.5", "33.333", "50.00", Some("TAX"))]);
    assert_eq!(
        qbo::encode_invoice_create(&d, "101").unwrap(),
        concat!(
            r#"{"DocNumber":"INV-0001","TxnDate":"2024-02-01","DueDate":"2024-02-29","#,
            r#""CurrencyRef":{"value":"USD"},"CustomerRef":{"value":"101"},"#,
            r#""Line":[{"Description":"Monthly books","Amount":50.00,"DetailType":"SalesItemLineDetail","#,
            r#""SalesItemLineDetail":{"ItemRef":{"value":"7"},"Qty":1.5,"UnitPrice":33.333,"TaxCodeRef":{"value":"TAX"}}}]}"#
        )
    );
    let mut long = d.clone();
    long.doc_number = "1234567890123456789012".into();
    assert_eq!(
        qbo::encode_invoice_create(&long, "101"),
        Err(WireError::TooLong {
            provider: Profile::Qbo,
            field: "DocNumber",
            len: 22,
            max: 21
        })
    );
    let mut numbered_by_qbo = d.clone();
    numbered_by_qbo.doc_number = String::new();
    assert!(
        !qbo::encode_invoice_create(&numbered_by_qbo, "101")
            .unwrap()
            .contains("DocNumber")
    );
    assert!(qbo::encode_invoice_create(&d, " ").is_err());
    assert!(qbo::encode_invoice_create(&invoice_draft(vec![]), "101").is_err());
    let mut nzd = d.clone();
    nzd.lines[0].amount = money("50.00", "NZD");
    assert!(matches!(
        qbo::encode_invoice_create(&nzd, "101"),
        Err(WireError::Invalid { field, .. }) if field == "Line.Amount"
    ));
    let mut long_text = d;
    long_text.lines[0].description = "d".repeat(4001);
    assert!(matches!(
        qbo::encode_invoice_create(&long_text, "101"),
        Err(WireError::TooLong {
            field: "Line.Description",
            ..
        })
    ));
}

fn payment_draft(amounts: &[&str], unapplied: &str, total: &str) -> PaymentDraft {
    PaymentDraft {
        source_id: "pm-1".into(),
        contact_id: "L1".into(),
        customer: ContactRef::Id("101".into()),
        date: date(2024, 3, 2),
        amount: usd(total),
        allocations: amounts
            .iter()
            .enumerate()
            .map(|(i, a)| DraftAllocation {
                invoice: InvoiceRef::Id(format!("{}", 501 + i)),
                local_invoice_id: format!("INV-{i}"),
                amount: usd(a),
            })
            .collect(),
        unapplied: usd(unapplied),
        changes: Vec::new(),
    }
}

#[test]
fn payments_link_their_lines_to_invoices() {
    let d = payment_draft(&["254.44", "20"], "0.56", "275.00");
    assert_eq!(
        qbo::encode_payment_create(&d, "101", &["501", "502"]).unwrap(),
        concat!(
            r#"{"CustomerRef":{"value":"101"},"TxnDate":"2024-03-02","CurrencyRef":{"value":"USD"},"#,
            r#""TotalAmt":275.00,"PaymentRefNum":"pm-1","Line":["#,
            r#"{"Amount":254.44,"LinkedTxn":[{"TxnId":"501","TxnType":"Invoice"}]},"#,
            r#"{"Amount":20,"LinkedTxn":[{"TxnId":"502","TxnType":"Invoice"}]}]}"#
        )
    );
    assert!(qbo::encode_payment_create(&d, "101", &["501"]).is_err());
    assert!(qbo::encode_payment_create(&d, "", &["501", "502"]).is_err());
    let wrong_sum = payment_draft(&["254.44"], "0", "275.00");
    assert!(matches!(
        qbo::encode_payment_create(&wrong_sum, "101", &["501"]),
        Err(WireError::Invalid { field, .. }) if field == "TotalAmt"
    ));
    let mut long_ref = d.clone();
    long_ref.source_id = "p".repeat(22);
    assert!(matches!(
        qbo::encode_payment_create(&long_ref, "101", &["501", "502"]),
        Err(WireError::TooLong {
            field: "PaymentRefNum",
            len: 22,
            max: 21,
            ..
        })
    ));
    let negative = payment_draft(&["-1"], "1", "0");
    assert!(qbo::encode_payment_create(&negative, "101", &["501"]).is_err());
}

#[test]
fn queries_page_through_at_most_a_thousand() {
    assert_eq!(
        qbo::query(QueryEntity::Customer, 42, 1000).unwrap(),
        "SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY Id STARTPOSITION 42 MAXRESULTS 1000"
    );
    assert_eq!(
        qbo::query(QueryEntity::Payment, 1, 1).unwrap(),
        "SELECT * FROM Payment ORDERBY Id STARTPOSITION 1 MAXRESULTS 1"
    );
    assert!(qbo::query(QueryEntity::Customer, 0, 10).is_err());
    assert!(qbo::query(QueryEntity::Customer, 1, 0).is_err());
    assert!(qbo::query(QueryEntity::Customer, 1, 1001).is_err());
}

// ----------------------------------------------------------- round trips

/// What a create carries of a contact: the documented exclusions applied
/// (no id, version or timestamps — QBO assigns them; the billing email
/// only; one phone per kind; the primary address only, a mailing address
/// as QBO's billing address; no contact type, client group, organisation
/// links, business structure or merge target), and the kind as QBO's
/// rule decides it from the names.
fn create_view(c: &Contact) -> Contact {
    let mut v = Contact {
        display_name: c.display_name.clone(),
        organization_name: c.organization_name.clone(),
        first_name: c.first_name.clone(),
        middle_name: c.middle_name.clone(),
        last_name: c.last_name.clone(),
        status: c.status,
        ..Contact::default()
    };
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|x| x.trim().is_empty());
    for f in [
        &mut v.display_name,
        &mut v.organization_name,
        &mut v.first_name,
        &mut v.middle_name,
        &mut v.last_name,
    ] {
        if blank(f) {
            *f = None;
        }
    }
    if let Some(e) = c.billing_email().filter(|e| !e.trim().is_empty()) {
        v.emails = vec![Email {
            address: e.to_owned(),
            primary: true,
        }];
    }
    for kind in [
        PhoneKind::Primary,
        PhoneKind::Mobile,
        PhoneKind::Fax,
        PhoneKind::Other,
    ] {
        if let Some(p) = c
            .phones
            .iter()
            .find(|p| p.kind == kind && !p.number.trim().is_empty())
        {
            v.phones.push(p.clone());
        }
    }
    if let Some(a) = c.primary_address().filter(|a| !a.is_blank()) {
        let mut a = a.clone();
        a.primary = true;
        if a.kind == AddressKind::Mailing {
            a.kind = AddressKind::Billing;
        }
        a.lines.retain(|l| !l.trim().is_empty());
        for part in [
            &mut a.city,
            &mut a.region,
            &mut a.postal_code,
            &mut a.country,
        ] {
            if blank(part) {
                *part = None;
            }
        }
        v.addresses.push(a);
    }
    v.extras.parent_id = c
        .extras
        .parent_id
        .clone()
        .filter(|p| !p.as_str().trim().is_empty());
    v.kind = kind_by_rule(&v);
    v
}

fn round_trip_create(c: &Contact) -> Contact {
    let body = qbo::encode_customer_create(c).unwrap_or_else(|e| panic!("{e}: {c:?}"));
    let mut page = qbo::decode_contacts(body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(page.records.len(), 1);
    page.records.remove(0)
}

#[test]
fn fields_qbo_cannot_carry_are_left_out_explicitly() {
    let mut c = person()
        .with_organization_name("Smith Co")
        .with_contact_type("Client")
        .with_email("second@smith.example")
        .with_phone(PhoneKind::Primary, "second primary")
        .with_address(Address {
            kind: AddressKind::Billing,
            lines: vec!["PO Box 1".into()],
            ..Address::default()
        })
        .linked_to("org-1")
        .with_business_structure("Trust");
    c.id = "L1".into();
    c.client_group = Some("Group A".into());
    c.extras.version = Some(VersionToken::SyncToken("3".into()));
    c.extras.merged_into = Some("x".into());
    let back = round_trip_create(&c);
    assert_eq!(back, create_view(&c));
    assert_eq!(back.emails.len(), 1);
    assert_eq!(back.phones.len(), 1);
    assert_eq!(back.addresses.len(), 1);
    assert_eq!(back.addresses[0].kind, AddressKind::Physical);
}

#[test]
fn decoded_customers_survive_encode_and_decode() {
    let mut customers = qbo::decode_contacts(&fixture("qbo/customers-page.json"))
        .unwrap()
        .records;
    customers.extend(
        qbo::decode_contacts(&fixture("qbo/customer-single.xml"))
            .unwrap()
            .records,
    );
    if let Some(files) = shared_fixtures("qbo") {
        for (name, bytes) in files {
            if let Ok(page) = qbo::decode_contacts(&bytes) {
                eprintln!("round trip of {} customers of {name}", page.records.len());
                customers.extend(page.records);
            }
        }
    }
    assert!(customers.len() > 10);
    for c in &customers {
        let view = create_view(c);
        assert_eq!(round_trip_create(&view), view, "{}", c.id);
        assert_eq!(create_view(&round_trip_create(c)), view, "{}", c.id);
    }
}

#[test]
fn decoded_invoices_survive_encode_and_decode() {
    let invoices = qbo::decode_invoices(&fixture("qbo/invoices-query.json")).unwrap();
    for inv in invoices.iter().filter(|i| !i.lines.is_empty()) {
        let draft = InvoiceDraft {
            invoice_id: inv.id.clone(),
            doc_number: inv.number.clone(),
            contact_id: "L1".into(),
            customer: ContactRef::Id(inv.contact_id.clone()),
            issue_date: inv.issue_date,
            due_date: inv.due_date,
            currency: inv.currency,
            lines: inv
                .lines
                .iter()
                .map(|l| DraftLine {
                    service: l.work_type.clone().unwrap(),
                    default_service: false,
                    description: l.description.clone(),
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    amount: l.unit_price.checked_mul(l.quantity).unwrap(),
                    tax_code: None,
                })
                .collect(),
            totals: InvoiceTotals {
                net: Money::zero(inv.currency),
                tax: Money::zero(inv.currency),
                gross: Money::zero(inv.currency),
            },
        };
        let body = qbo::encode_invoice_create(&draft, inv.contact_id.as_str()).unwrap();
        let back = qbo::decode_invoices(body.as_bytes()).unwrap();
        let expected = Invoice {
            id: String::new(),
            status: InvoiceStatus::Draft,
            ..inv.clone()
        };
        assert_eq!(back, [expected]);
    }
}

fn text_strategy(
    first: &'static str,
    rest: &'static str,
    max: usize,
) -> impl Strategy<Value = String> {
    let re = format!("{first}{rest}{{0,{max}}}");
    proptest::string::string_regex(&re).unwrap()
}

fn name_part() -> impl Strategy<Value = String> {
    text_strategy("[A-Za-zéÅ]", "[A-Za-z0-9 .,&'()\"\\\\/é😀-]", 30)
}

fn opt<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    prop_oneof![1 => Just(None), 2 => s.prop_map(Some)].boxed()
}

fn address_strategy() -> impl Strategy<Value = Address> {
    (
        prop_oneof![Just(AddressKind::Physical), Just(AddressKind::Billing)],
        prop::collection::vec(text_strategy("[A-Za-z0-9]", "[A-Za-z0-9 ,.#/-]", 25), 0..=5),
        opt(name_part()),
        opt(text_strategy("[A-Z]", "[A-Z]", 3)),
        opt(text_strategy("[0-9A-Z]", "[0-9A-Z -]", 8)),
        opt(name_part()),
    )
        .prop_map(
            |(kind, lines, city, region, postal_code, country)| Address {
                kind,
                primary: true,
                lines,
                city,
                region,
                postal_code,
                country,
            },
        )
        .prop_filter("an address holds something", |a| !a.is_blank())
}

/// A contact within what QBO carries (see `create_view`).
fn carried_contact() -> impl Strategy<Value = Contact> {
    let names = (
        name_part(),
        opt(name_part()),
        opt(name_part()),
        opt(name_part()),
        opt(name_part()),
    );
    let phone = || opt(text_strategy("[0-9+(]", "[0-9 +()-]", 29));
    let reach = (
        opt(text_strategy("[a-z]", "[a-z0-9.]", 10).prop_map(|u| format!("{u}@example.co.nz"))),
        (phone(), phone(), phone(), phone()),
        opt(address_strategy()),
        opt(text_strategy("[0-9]", "[0-9]", 4)),
        any::<bool>(),
    );
    (names, reach).prop_map(
        |(
            (display, company, first, middle, last),
            (email, (p, m, f, o), address, parent, archived),
        )| {
            let mut c = Contact {
                display_name: Some(display),
                organization_name: company,
                first_name: first,
                middle_name: middle,
                last_name: last,
                status: if archived {
                    ContactStatus::Archived
                } else {
                    ContactStatus::Active
                },
                ..Contact::default()
            };
            // Company name equal to the display name now and then: the
            // organisation case of the kind rule.
            if archived && c.organization_name.is_some() {
                c.organization_name.clone_from(&c.display_name);
            }
            c.emails = email
                .map(|address| Email {
                    address,
                    primary: true,
                })
                .into_iter()
                .collect();
            for (kind, number) in [
                (PhoneKind::Primary, p),
                (PhoneKind::Mobile, m),
                (PhoneKind::Fax, f),
                (PhoneKind::Other, o),
            ] {
                if let Some(number) = number {
                    c.phones.push(Phone { kind, number });
                }
            }
            c.addresses = address.into_iter().collect();
            c.extras.parent_id = parent.map(ContactId::from);
            c.kind = kind_by_rule(&c);
            c
        },
    )
}

fn decimal_strategy() -> impl Strategy<Value = Decimal> {
    (-10_000_000_000i64..10_000_000_000i64, 0u32..=8).prop_map(|(m, scale)| Decimal::new(m, scale))
}

fn positive_money(currency: Currency) -> impl Strategy<Value = Money> {
    (1i64..10_000_000_000i64, 0u32..=4)
        .prop_map(move |(m, s)| Money::new(Decimal::new(m, s), currency))
}

fn currency_strategy() -> impl Strategy<Value = Currency> {
    prop_oneof![
        Just(Currency::USD),
        Just(Currency::EUR),
        Just(Currency::JPY),
        Just(Currency::KWD)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_carried_field_survives_a_create(c in carried_contact()) {
        prop_assert_eq!(&create_view(&c), &c);
        prop_assert_eq!(round_trip_create(&c), c);
    }

    #[test]
    fn every_field_of_a_patch_survives_an_update(
        before in carried_contact(),
        after in carried_contact(),
        token in "[0-9]{1,5}",
        fields in prop::sample::subsequence(
            SyncField::synced_by(Profile::Qbo).to_vec(),
            1..=SyncField::synced_by(Profile::Qbo).len(),
        ),
    ) {
        let changes = fields
            .iter()
            .map(|&f| FieldChange {
                field: f,
                old: read_field(Profile::Qbo, &before, f),
                new: read_field(Profile::Qbo, &after, f),
            })
            .collect();
        let patch = FieldPatch { profile: Profile::Qbo, changes };
        let version = VersionToken::SyncToken(token);
        let id = ContactId::from("77");
        let body = qbo::encode_customer_update(&id, &patch, Some(&version)).unwrap();
        let page = qbo::decode_contacts(body.as_bytes()).unwrap();
        let back = &page.records[0];
        prop_assert_eq!(&back.id, &id);
        prop_assert_eq!(back.extras.version.as_ref(), Some(&version));
        for change in &patch.changes {
            prop_assert_eq!(
                read_field(Profile::Qbo, back, change.field),
                change.new.clone(),
                "{}", change.field
            );
        }
    }

    #[test]
    fn every_invoice_field_the_model_keeps_survives(
        currency in currency_strategy(),
        doc in "[A-Z0-9-]{0,21}",
        customer in "[0-9]{1,6}",
        days in (0i64..20_000, 0i64..120),
        lines in prop::collection::vec(
            ("[0-9]{1,4}", "[ -~]{0,40}", decimal_strategy(), decimal_strategy(), opt("[A-Z]{2,5}")),
            1..5,
        ),
    ) {
        let issue = date(1990, 1, 1) + chrono::Days::new(days.0.unsigned_abs());
        let due = issue + chrono::Days::new(days.1.unsigned_abs());
        let draft = InvoiceDraft {
            invoice_id: "INV".into(),
            doc_number: doc.clone(),
            contact_id: "L1".into(),
            customer: ContactRef::Id(customer.as_str().into()),
            issue_date: issue,
            due_date: due,
            currency,
            lines: lines
                .iter()
                .map(|(service, description, q, p, tax)| DraftLine {
                    service: service.clone(),
                    default_service: false,
                    description: description.clone(),
                    quantity: *q,
                    unit_price: Money::new(*p, currency),
                    amount: Money::new(q.checked_mul(*p).unwrap_or_default(), currency),
                    tax_code: tax.clone(),
                })
                .collect(),
            totals: InvoiceTotals {
                net: Money::zero(currency),
                tax: Money::zero(currency),
                gross: Money::zero(currency),
            },
        };
        let body = qbo::encode_invoice_create(&draft, &customer).unwrap();
        let back = qbo::decode_invoices(body.as_bytes()).unwrap();
        let expected = Invoice {
            id: String::new(),
            number: doc,
            contact_id: customer.as_str().into(),
            issue_date: issue,
            due_date: due,
            status: InvoiceStatus::Draft,
            currency,
            lines: lines
                .iter()
                .map(|(service, description, q, p, _)| InvoiceLine {
                    work_type: Some(service.clone()),
                    description: if description.trim().is_empty() { String::new() } else { description.clone() },
                    quantity: *q,
                    unit_price: Money::new(*p, currency),
                    tax_rate: None,
                })
                .collect(),
        };
        prop_assert_eq!(back, vec![expected]);
    }

    #[test]
    fn every_payment_field_the_model_keeps_survives(
        currency in currency_strategy(),
        allocations in prop::collection::vec(positive_money(Currency::USD), 0..4),
        unapplied in (0i64..1_000_000, 0u32..=3),
        source in "[A-Za-z0-9-]{0,21}",
        customer in "[0-9]{1,6}",
    ) {
        let allocations: Vec<Money> =
            allocations.iter().map(|m| Money::new(m.amount(), currency)).collect();
        let unapplied = Money::new(Decimal::new(unapplied.0, unapplied.1), currency);
        let total = allocations.iter().try_fold(unapplied, |s, a| s.checked_add(a)).unwrap();
        let ids: Vec<String> = (0..allocations.len()).map(|i| format!("{}", 900 + i)).collect();
        let draft = PaymentDraft {
            source_id: source.clone(),
            contact_id: "L1".into(),
            customer: ContactRef::Id(customer.as_str().into()),
            date: date(2024, 3, 2),
            amount: total,
            allocations: allocations
                .iter()
                .zip(&ids)
                .map(|(a, id)| DraftAllocation {
                    invoice: InvoiceRef::Id(id.clone()),
                    local_invoice_id: format!("L-{id}"),
                    amount: *a,
                })
                .collect(),
            unapplied,
            changes: Vec::new(),
        };
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let body = qbo::encode_payment_create(&draft, &customer, &id_refs).unwrap();
        let back = qbo::decode_payments(body.as_bytes()).unwrap();
        let expected = Payment {
            id: String::new(),
            date: date(2024, 3, 2),
            amount: total,
            payer: customer.as_str().into(),
            allocations: allocations
                .iter()
                .zip(&ids)
                .map(|(a, id)| Allocation { invoice_id: id.clone(), amount: *a })
                .collect(),
            origin: PaymentOrigin::Ledger,
            reference: (!source.is_empty()).then_some(source),
        };
        prop_assert_eq!(back, vec![expected]);
    }
}

// ------------------------------------------------------- hostile input

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        every_decoder(&bytes);
    }

    #[test]
    fn random_json_ish_text_never_panics(text in "[\\[\\]{}\":,0-9a-zA-Z .eE+\\-\\\\]{0,200}") {
        every_decoder(text.as_bytes());
        let wrapped = format!("{{\"QueryResponse\":{{\"Customer\":[{text}]}}}}");
        every_decoder(wrapped.as_bytes());
    }

    #[test]
    fn random_xml_ish_text_never_panics(text in "[<>/&;#a-zA-Z0-9 =\"'!?\\[\\]-]{0,200}") {
        every_decoder(text.as_bytes());
        let wrapped = format!("<IntuitResponse>{text}</IntuitResponse>");
        every_decoder(wrapped.as_bytes());
    }

    #[test]
    fn corrupted_fixtures_never_panic(
        which in 0..own_fixtures("qbo").len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = own_fixtures("qbo")[which].1.clone();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        every_decoder(&bytes);
    }
}

/// Where a truncated document can first be told to be QBO's: after the
/// first top-level key (JSON) or the root's start tag (XML).
fn recognisable_from(bytes: &[u8]) -> usize {
    let text = std::str::from_utf8(bytes).unwrap();
    if text.trim_start().starts_with('<') {
        let root = text.find("<IntuitResponse").unwrap();
        root + text[root..].find('>').unwrap() + 1
    } else {
        let open = text.find('"').unwrap();
        open + 1 + text[open + 1..].find('"').unwrap() + 1
    }
}

#[test]
fn every_truncation_of_the_fixtures_is_a_typed_error() {
    for (name, bytes) in &own_fixtures("qbo") {
        let full = bytes.trim_ascii_end().len();
        let from = recognisable_from(bytes);
        for cut in 0..full {
            let part = &bytes[..cut];
            entry_decoders(part);
            assert!(qbo::decode_contacts(part).is_err(), "{name} cut at {cut}");
            if cut >= from {
                assert!(
                    matches!(qbo::decode_any(part), Some(Err(WireError::Syntax { .. }))),
                    "{name} cut at {cut} not recognised"
                );
            }
        }
    }
}

#[test]
fn truncations_of_the_shared_payloads_never_panic() {
    let Some(files) = shared_fixtures("qbo") else {
        return;
    };
    for (name, bytes) in &files {
        let full = bytes.trim_ascii_end().len();
        // Every cut of a small file; for a large one, every cut near both
        // ends and about five hundred spread between.
        let step = (full / 500).max(1);
        let cuts = (0..full).filter(|&c| c < 128 || c + 128 > full || c % step == 0);
        for cut in cuts {
            let part = &bytes[..cut];
            entry_decoders(part);
            if name.ends_with(".json") {
                assert!(qbo::decode(part).is_err(), "{name} cut at {cut}");
            }
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        qbo::decode(deep_json.as_bytes()),
        Err(WireError::Syntax { .. })
    ));
    let deep_obj = "{\"Customer\":".repeat(50_000);
    assert!(matches!(
        qbo::decode_any(deep_obj.as_bytes()),
        Some(Err(WireError::Syntax { .. }))
    ));
    let deep_xml = format!("<IntuitResponse>{}", "<a>".repeat(100_000));
    assert!(matches!(
        qbo::decode_any(deep_xml.as_bytes()),
        Some(Err(WireError::Syntax { .. }))
    ));
}

// ------------------------------------------------------- hostile inputs

/// `<Customer a0="x" a1="x" …>` with `n` attributes, inside `root`.
fn many_attributes(root: &str, n: usize) -> Vec<u8> {
    let mut s = format!("<{root}><Customer");
    for i in 0..n {
        s.push_str(&format!(" a{i}=\"x\""));
    }
    s.push_str(&format!("><Id>1</Id></Customer></{root}>"));
    s.into_bytes()
}

/// Limits that never stop a read, to time the reader itself.
fn unbounded() -> ledgerlink::wire::Limits {
    ledgerlink::wire::Limits::default()
        .with_max_records(usize::MAX)
        .with_max_items_per_record(usize::MAX)
}

#[test]
fn attributes_are_read_in_linear_time_even_400_000_on_one_element() {
    // Checking each attribute name against every earlier one (quick-xml's
    // own duplicate check) took 8.3 s for 80,000 attributes: for 400,000
    // that is over three minutes, a hang; read in linear time it is a
    // fraction of a second, even in a debug build.
    let body = many_attributes("IntuitResponse", 400_000);
    let opts = DecodeOptions {
        limits: unbounded(),
        ..DecodeOptions::default()
    };
    let page = qbo::decode_contacts_with(&body, &opts).unwrap();
    assert_eq!(page.records.len(), 1);
    // A repeated name is still refused, as XML requires.
    let twice = br#"<IntuitResponse><Customer a="1" a="2"><Id>1</Id></Customer></IntuitResponse>"#;
    assert!(matches!(
        qbo::decode_contacts(twice),
        Err(WireError::Syntax { .. })
    ));
}

#[test]
fn eighty_thousand_attributes_are_a_typed_limit_error_in_decode_any_and_an_error_page() {
    use ledgerlink::wire::Limit;
    let body = many_attributes("IntuitResponse", 80_000);
    match ledgerlink::wire::decode_any(&body) {
        Err(WireError::TooLarge {
            provider: Profile::Qbo,
            limit: Limit::Records,
            path,
            value,
            max,
        }) => {
            assert_eq!(max, ledgerlink::wire::DEFAULT_MAX_RECORDS_PAGED);
            assert_eq!(value, max + 1);
            assert!(path.starts_with("IntuitResponse.Customer"), "{path}");
        }
        other => panic!("{other:?}"),
    }
    // An HTML 503 page of the same shape is still a transient error.
    let page = many_attributes("html", 80_000);
    assert!(matches!(
        qbo::decode_error(503, &page),
        AdapterError::Transient { .. }
    ));
}

#[test]
fn nesting_100_000_deep_is_an_error_not_a_stack_overflow() {
    let json = format!("{{\"QueryResponse\":{{\"Customer\":{}", "[".repeat(100_000));
    assert!(matches!(
        qbo::decode(json.as_bytes()),
        Err(WireError::Syntax { .. })
    ));
    let objects = "{\"a\":".repeat(100_000);
    assert!(qbo::decode(objects.as_bytes()).is_err());
    let xml = format!("<IntuitResponse>{}", "<Customer>".repeat(100_000));
    assert!(matches!(
        qbo::decode(xml.as_bytes()),
        Err(WireError::Syntax { .. })
    ));
    assert!(ledgerlink::wire::decode_any(xml.as_bytes()).is_err());
}

#[test]
fn limits_stop_a_page_at_the_record_item_or_field_past_them() {
    use ledgerlink::wire::{Limit, Limits};
    let page = br#"{"QueryResponse":{"Customer":[
        {"Id":"1","DisplayName":"A"},{"Id":"2","DisplayName":"B"},{"Id":"3","DisplayName":"Bee"}],
        "startPosition":1,"maxResults":3}}"#;
    let with = |limits: Limits| DecodeOptions {
        limits,
        ..DecodeOptions::default()
    };
    let e = qbo::decode_contacts_with(page, &with(Limits::default().with_max_records(2)));
    assert_eq!(
        e,
        Err(WireError::TooLarge {
            provider: Profile::Qbo,
            limit: Limit::Records,
            path: "QueryResponse.Customer[2]".into(),
            value: 3,
            max: 2,
        })
    );
    let e = qbo::decode_contacts_with(page, &with(Limits::default().with_max_field_bytes(2)));
    assert_eq!(
        e,
        Err(WireError::TooLarge {
            provider: Profile::Qbo,
            limit: Limit::FieldBytes,
            path: "QueryResponse.Customer[2].DisplayName".into(),
            value: 3,
            max: 2,
        })
    );
    let e = qbo::decode_contacts_with(page, &with(Limits::default().with_max_items_per_record(1)));
    assert!(
        matches!(&e, Err(WireError::TooLarge { limit: Limit::ItemsPerRecord, path, .. })
            if path == "QueryResponse.Customer[0].DisplayName"),
        "{e:?}"
    );
    let xml = br#"<IntuitResponse><QueryResponse><Customer><Id>1</Id></Customer>
        <Customer><Id>2</Id></Customer><Customer><Id>3</Id><DisplayName>Bee</DisplayName></Customer>
        </QueryResponse></IntuitResponse>"#;
    let e = qbo::decode_contacts_with(xml, &with(Limits::default().with_max_field_bytes(2)));
    assert_eq!(
        e,
        Err(WireError::TooLarge {
            provider: Profile::Qbo,
            limit: Limit::FieldBytes,
            path: "IntuitResponse.QueryResponse.Customer[2].DisplayName".into(),
            value: 3,
            max: 2,
        })
    );
    let e = qbo::decode_contacts_with(page, &with(Limits::default().with_max_input_bytes(10)));
    assert!(matches!(
        e,
        Err(WireError::TooLarge {
            limit: Limit::InputBytes,
            ..
        })
    ));
    // The defaults read the page.
    assert_eq!(qbo::decode_contacts(page).unwrap().records.len(), 3);
}
