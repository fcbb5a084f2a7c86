//! The QuickBooks Online codec through its public API: customers, invoices,
//! payments and faults read from JSON and XML (the fixtures in
//! `tests/fixtures/qbo`, and the shared real payloads when they are checked
//! out beside the crate), request bodies with their limits, round trips,
//! and hostile input. Encoding, round trips and hostile input have a module
//! each.
#![allow(clippy::print_stderr)]

mod encode;
mod hostile;
mod round_trips;

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

pub(super) fn by_id<'c>(cs: &'c [Contact], id: &str) -> &'c Contact {
    cs.iter().find(|c| c.id == id).unwrap()
}

pub(super) fn kind_by_rule(c: &Contact) -> Option<ContactKind> {
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
pub(super) fn every_decoder(bytes: &[u8]) {
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
pub(super) fn entry_decoders(bytes: &[u8]) {
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
