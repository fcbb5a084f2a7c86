//! The Xero Accounting codec through the public API: fixtures written in
//! Xero's documented shapes (tests/fixtures/xero), round trips, error
//! bodies, limits, and bytes that are not Xero payloads at all.
#![allow(clippy::print_stderr)]

use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use ledgerlink::billing::{DraftAllocation, DraftLine, InvoiceDraft, InvoiceRef, PaymentDraft};
use ledgerlink::model::{
    Address, AddressKind, Allocation, ContactKind, ContactStatus, Currency, Email, InvoiceStatus,
    InvoiceTotals, Money, Payment, PaymentOrigin, Phone, PhoneKind, TaxRate, VersionToken,
};
use ledgerlink::ports::AdapterError;
use ledgerlink::sync::{Action, ContactRef, FieldValue, NameValue, OpId, SyncField};
use ledgerlink::wire::xero::{self, DecodeOptions, Method};
use ledgerlink::wire::{self, Payload, WireError};
use ledgerlink::{Contact, ContactId, Profile};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::contacts::patch;
use crate::support::fixtures::{fixture, own_fixtures};
use crate::support::money::{dec, nzd};
use crate::support::time::date;

type ErrorTest = fn(&WireError) -> bool;
type AddressEdit = fn(&mut Address);

fn json(body: &str) -> Value {
    serde_json::from_str(body).expect("the encoder writes JSON")
}

// ------------------------------------------------------------ contacts

#[test]
fn a_listing_with_every_tricky_field() {
    let page = xero::decode_contacts(&fixture("xero/contacts-page-tricky.json")).unwrap();
    assert_eq!(page.next_page.as_deref(), Some("2"));
    let [rosa, old, gdpr] = page.records.as_slice() else {
        panic!("three contacts: {:?}", page.records)
    };

    // Escapes are read; the kind is left to the classifier.
    assert_eq!(
        rosa.display_name.as_deref(),
        Some("Café Rosa / Rosa's Kitchen Ltd")
    );
    assert_eq!(rosa.kind, None);
    assert_eq!(rosa.first_name.as_deref(), Some("Rosa"));
    assert_eq!(rosa.last_name.as_deref(), Some("Ng"));
    assert_eq!(
        rosa.emails,
        vec![Email {
            address: "accounts@rosa.test".into(),
            primary: true
        }]
    );
    assert_eq!(rosa.status, ContactStatus::Active);
    assert_eq!(rosa.client_group.as_deref(), Some("Hospitality"));

    // STREET keeps its blank first line (the second is filled), POBOX is
    // the primary one; DELIVERY has no place in the model.
    assert_eq!(
        rosa.addresses,
        vec![
            Address {
                kind: AddressKind::Physical,
                primary: false,
                lines: vec![String::new(), "Level 2".into(), "12 Cuba St".into()],
                city: Some("Wellington".into()),
                region: None,
                postal_code: Some("6011".into()),
                country: Some("New Zealand".into()),
            },
            Address {
                kind: AddressKind::Mailing,
                primary: true,
                lines: vec!["PO Box 77".into()],
                city: Some("Wellington".into()),
                region: None,
                postal_code: Some("6140".into()),
                country: Some("New Zealand".into()),
            },
        ]
    );

    // Empty slots are dropped (a FAX with only an area code too); the
    // parts of a filled one are joined.
    assert_eq!(
        rosa.phones,
        vec![
            Phone {
                kind: PhoneKind::Primary,
                number: "64 04 384-1234".into()
            },
            Phone {
                kind: PhoneKind::Mobile,
                number: "021 555 0101".into()
            },
            Phone {
                kind: PhoneKind::Other,
                number: "384-9999".into()
            },
        ]
    );

    // `/Date(ms)/` without an offset.
    let at = Utc
        .timestamp_millis_opt(1_573_755_038_314)
        .single()
        .unwrap();
    assert_eq!(rosa.extras.updated_at, Some(at));
    assert_eq!(rosa.extras.version, Some(VersionToken::UpdatedAt(at)));

    // Archived and merged: both addresses blank, so none.
    assert_eq!(old.status, ContactStatus::Archived);
    assert_eq!(
        old.extras.merged_into,
        Some(ContactId::from("11111111-2222-4333-8444-555555555555"))
    );
    assert!(old.emails.is_empty() && old.addresses.is_empty() && old.phones.is_empty());
    let at = Utc
        .timestamp_millis_opt(1_551_399_321_043)
        .single()
        .unwrap();
    assert_eq!(old.extras.updated_at, Some(at));

    // GDPRREQUEST reads as archived; an ISO time without zone is UTC.
    assert_eq!(gdpr.status, ContactStatus::Archived);
    assert_eq!(gdpr.extras.updated_at, Some(at));

    // Contact persons are people linked to their contact, not records.
    assert_eq!(page.people.len(), 2);
    let sam = &page.people[0];
    assert_eq!(sam.id.as_str(), "11111111-2222-4333-8444-555555555555#1");
    assert_eq!(sam.kind, Some(ContactKind::Person));
    assert_eq!(sam.first_name.as_deref(), Some("Sam"));
    assert_eq!(sam.billing_email(), Some("sam@rosa.test"));
    assert_eq!(sam.organization_ids, vec![rosa.id.clone()]);
    assert!(page.people[1].emails.is_empty() && page.people[1].last_name.is_none());

    // decode_any gives the records alone.
    let Some(Ok(Payload::Contacts { records, next_page })) =
        xero::decode_any(&fixture("xero/contacts-page-tricky.json"))
    else {
        panic!("contacts expected")
    };
    assert_eq!(records, page.records);
    assert_eq!(next_page.as_deref(), Some("2"));
}

#[test]
fn a_single_contact() {
    let c = xero::decode_contact(&fixture("xero/contact-single.json")).unwrap();
    assert_eq!(c.id.as_str(), "44444444-5555-4666-8777-888888888888");
    assert_eq!(c.addresses.len(), 1);
    // The only address is the primary one.
    assert!(c.addresses[0].primary);
    assert_eq!(c.addresses[0].kind, AddressKind::Physical);
    // The offset does not move the instant.
    assert_eq!(
        c.extras.updated_at,
        Utc.timestamp_millis_opt(1_700_000_000_000).single()
    );
    // A listing of several is not a single contact.
    assert!(matches!(
        xero::decode_contact(&fixture("xero/contacts-page-tricky.json")),
        Err(WireError::Shape { .. })
    ));
}

fn unpaged(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"ContactID":"c{i}","Name":"Client {i}"}}"#))
        .collect();
    format!(r#"{{"Contacts":[{}]}}"#, items.join(","))
}

#[test]
fn a_full_page_without_pagination_points_to_the_next_page_when_a_page_was_asked() {
    let full = unpaged(xero::PAGE_SIZE);
    assert_eq!(
        xero::decode_contacts(full.as_bytes()).unwrap().next_page,
        None
    );
    assert_eq!(
        xero::decode_contacts_page(full.as_bytes(), 4)
            .unwrap()
            .next_page
            .as_deref(),
        Some("5")
    );
    let short = unpaged(xero::PAGE_SIZE - 1);
    assert_eq!(
        xero::decode_contacts_page(short.as_bytes(), 4)
            .unwrap()
            .next_page,
        None
    );
    // The last page of a paged listing has no next page.
    let last = r#"{"pagination":{"page":3,"pageCount":3},"Contacts":[]}"#;
    assert_eq!(
        xero::decode_contacts_page(last.as_bytes(), 3)
            .unwrap()
            .next_page,
        None
    );
}

#[test]
fn bad_contacts_are_typed_errors() {
    let cases: [(&str, ErrorTest); 7] = [
        (
            r#"{"Contacts":[{"ContactStatus":"PENDING"}]}"#,
            |e| matches!(e, WireError::Shape { path, .. } if path == "Contacts[0].ContactStatus"),
        ),
        (
            r#"{"Contacts":[{"UpdatedDateUTC":"/Date(x)/"}]}"#,
            |e| matches!(e, WireError::Shape { path, .. } if path == "Contacts[0].UpdatedDateUTC"),
        ),
        (
            r#"{"Contacts":[{"Name":12}]}"#,
            |e| matches!(e, WireError::Shape { path, .. } if path == "Contacts[0].Name"),
        ),
        (r#"{"Contacts":{}}"#, |e| {
            matches!(e, WireError::Shape { .. })
        }),
        (
            r#"{"Contacts":[{"Addresses":[{"AddressType":"POBOX","City":"A"},{"AddressType":"POBOX","City":"B"}]}]}"#,
            |e| matches!(e, WireError::Shape { path, .. } if path == "Contacts[0].Addresses[1]"),
        ),
        (r#"{"Contacts":[{"Name":"A"}]"#, |e| {
            matches!(e, WireError::Syntax { .. })
        }),
        (r#"{"Id":"x"}"#, |e| matches!(e, WireError::Shape { .. })),
    ];
    for (doc, ok) in cases {
        let e = xero::decode_contacts(doc.as_bytes()).unwrap_err();
        assert!(ok(&e), "{doc}: {e:?}");
    }
}

fn rich_contact() -> Contact {
    let mut c = Contact::named(
        "55555555-6666-4777-8888-999999999999",
        "Smith & Jones \"Ltd\"",
    )
    .with_names("Ann", "Smith")
    .with_email("ann@smith.test")
    .with_phone(PhoneKind::Primary, "+64 4 555 0101")
    .with_phone(PhoneKind::Other, "ddi 1")
    .with_phone(PhoneKind::Mobile, "021 555")
    .with_phone(PhoneKind::Other, "office 2")
    .with_phone(PhoneKind::Fax, "04 555 0102")
    .with_address(Address {
        kind: AddressKind::Physical,
        lines: vec!["".into(), "Level 3".into(), "1 Main St\tRear".into()],
        city: Some("Wellington".into()),
        region: Some("Wellington".into()),
        postal_code: Some("6011".into()),
        country: Some("NZ".into()),
        ..Address::default()
    })
    .with_address(Address {
        kind: AddressKind::Mailing,
        lines: vec!["PO Box 1".into()],
        city: Some("Wellington".into()),
        ..Address::default()
    });
    c.status = ContactStatus::Archived;
    c
}

#[test]
fn a_contact_survives_the_round_trip_as_far_as_xero_carries_it() {
    let c = rich_contact();
    let body = xero::encode_contact(&c).unwrap();
    let back = xero::decode_contacts(body.as_bytes()).unwrap().records;
    let carried = xero::carried_as_contact(&c);
    assert_eq!(back, vec![carried.clone()]);
    // Everything that matters here is carried; only the primary flag moved
    // to the postal address.
    let mut expected = c.clone();
    expected.addresses[0].primary = false;
    expected.addresses[1].primary = true;
    assert_eq!(carried, expected);
    // Idempotent: carrying twice changes nothing.
    assert_eq!(xero::carried_as_contact(&carried), carried);
}

#[test]
fn what_xero_does_not_carry_is_dropped_explicitly() {
    let mut c = Contact::person("", "Jane", "Doe")
        .with_organization_name("Doe Consulting")
        .with_email("jane@doe.test")
        .with_contact_type("Client")
        .with_business_structure("Individual")
        .linked_to("org-1")
        .with_address(Address {
            kind: AddressKind::Billing,
            lines: vec!["1 Bill St".into(), "  ".into()],
            city: Some(" ".into()),
            ..Address::default()
        })
        .with_phone(PhoneKind::Mobile, "  ");
    c.middle_name = Some("Q".into());
    c.emails.push(Email {
        address: "other@doe.test".into(),
        primary: false,
    });
    c.client_group = Some("Doe family".into());
    c.extras.updated_at = Utc.timestamp_opt(1, 0).single();
    let body = xero::encode_contact_create(&c).unwrap();
    let back = xero::decode_contacts(body.as_bytes())
        .unwrap()
        .records
        .remove(0);
    assert_eq!(back, xero::carried_as_contact(&c));
    // The name is the label (the organisation name), the billing address
    // goes to POBOX, and the rest stays behind.
    assert_eq!(back.display_name.as_deref(), Some("Doe Consulting"));
    assert_eq!(back.addresses[0].kind, AddressKind::Mailing);
    assert_eq!(back.addresses[0].lines, vec!["1 Bill St".to_owned()]);
    assert_eq!(back.addresses[0].city, None);
    assert!(back.phones.is_empty());
    assert_eq!(back.emails.len(), 1);
    assert_eq!(
        (
            back.kind,
            back.middle_name,
            back.organization_name,
            back.contact_type
        ),
        (None, None, None, None)
    );
    assert!(back.organization_ids.is_empty() && back.client_group.is_none());
    assert_eq!(back.extras, Default::default());
    // A create names no id.
    assert!(json(&body)["Contacts"][0].get("ContactID").is_none());
}

#[test]
fn shared_request_shape_is_what_create_writes() {
    let c = Contact::named("", "Foo9987")
        .with_email("sid32476@blah.com")
        .with_phone(PhoneKind::Mobile, "555-1212");
    let body = json(&xero::encode_contact_create(&c).unwrap());
    assert_eq!(
        body,
        json(
            r#"{"Contacts":[{"Name":"Foo9987","ContactStatus":"ACTIVE","EmailAddress":"sid32476@blah.com",
            "Phones":[{"PhoneType":"MOBILE","PhoneNumber":"555-1212","PhoneAreaCode":"","PhoneCountryCode":""}]}]}"#
        )
    );
}

#[test]
fn contact_limits_are_reported_not_cut() {
    let too_long = |field: &'static str, max: usize| move |e: WireError| matches!(e, WireError::TooLong { field: f, max: m, .. } if f == field && m == max);
    let c = Contact::named("", "x".repeat(256));
    assert!(too_long("Name", 255)(
        xero::encode_contact_create(&c).unwrap_err()
    ));
    // Characters, not bytes.
    assert!(xero::encode_contact_create(&Contact::named("", "é".repeat(255))).is_ok());
    let c = Contact::named("", "A").with_email(format!("{}@x.test", "a".repeat(250)));
    assert!(too_long("EmailAddress", 255)(
        xero::encode_contact_create(&c).unwrap_err()
    ));
    let c = Contact::named("", "A").with_names("F".repeat(256), "L");
    assert!(too_long("FirstName", 255)(
        xero::encode_contact_create(&c).unwrap_err()
    ));
    let addr = |f: fn(&mut Address)| {
        let mut a = Address {
            lines: vec!["1".into()],
            ..Address::default()
        };
        f(&mut a);
        Contact::named("", "A").with_address(a)
    };
    let cases: [(AddressEdit, &str, usize); 6] = [
        (|a| a.lines = vec!["x".repeat(501)], "AddressLine1", 500),
        (|a| a.city = Some("x".repeat(256)), "City", 255),
        (|a| a.region = Some("x".repeat(256)), "Region", 255),
        (|a| a.postal_code = Some("x".repeat(51)), "PostalCode", 50),
        (|a| a.country = Some("x".repeat(51)), "Country", 50),
        (
            |a| a.lines = vec!["1".into(), "2".into(), "3".into(), "x".repeat(501)],
            "AddressLine4",
            500,
        ),
    ];
    for (f, field, max) in cases {
        assert!(
            too_long(field, max)(xero::encode_contact_create(&addr(f)).unwrap_err()),
            "{field}"
        );
    }
    let c = Contact::named("", "A").with_phone(PhoneKind::Primary, "1".repeat(51));
    assert!(too_long("PhoneNumber", 50)(
        xero::encode_contact_create(&c).unwrap_err()
    ));

    let invalid = |c: &Contact| {
        matches!(
            xero::encode_contact_create(c),
            Err(WireError::Invalid { .. })
        )
    };
    assert!(invalid(&Contact::named("", "  ")));
    assert!(invalid(
        &Contact::named("", "A").with_email("jürgen@x.test")
    ));
    assert!(invalid(&addr(|a| a.lines = vec![
        "1".into(),
        "2".into(),
        "3".into(),
        "4".into(),
        "5".into()
    ])));
    // Four lines plus blank ones fit.
    assert!(!invalid(&addr(|a| a.lines = vec![
        "1".into(),
        "2".into(),
        "3".into(),
        "4".into(),
        " ".into()
    ])));
    let two_po = Contact::named("", "A")
        .with_address(Address {
            kind: AddressKind::Mailing,
            city: Some("A".into()),
            ..Address::default()
        })
        .with_address(Address {
            kind: AddressKind::Billing,
            city: Some("B".into()),
            ..Address::default()
        });
    assert!(invalid(&two_po));
    let phones = |kinds: &[PhoneKind]| {
        kinds
            .iter()
            .fold(Contact::named("", "A"), |c, k| c.with_phone(*k, "1"))
    };
    assert!(invalid(&phones(&[PhoneKind::Primary, PhoneKind::Primary])));
    assert!(invalid(&phones(&[
        PhoneKind::Other,
        PhoneKind::Other,
        PhoneKind::Other
    ])));
    assert!(!invalid(&phones(&[
        PhoneKind::Other,
        PhoneKind::Other,
        PhoneKind::Primary,
        PhoneKind::Mobile,
        PhoneKind::Fax
    ])));
    assert!(matches!(
        xero::encode_contact(&Contact::named("a/b", "A")),
        Err(WireError::Invalid { .. })
    ));
}

#[test]
fn idempotency_keys_fit_the_header() {
    assert!(xero::check_idempotency_key("ledgerlink:run-7:create-remote:K1").is_ok());
    assert!(xero::check_idempotency_key(&"k".repeat(128)).is_ok());
    assert!(matches!(
        xero::check_idempotency_key(&"k".repeat(129)),
        Err(WireError::TooLong { max: 128, .. })
    ));
    for bad in ["", " key", "key ", "ké", "a\nb"] {
        assert!(
            matches!(
                xero::check_idempotency_key(bad),
                Err(WireError::Invalid { .. })
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn an_update_writes_the_patched_fields_only() {
    let target = ContactId::from("55555555-6666-4777-8888-999999999999");
    let p = patch(
        Profile::XeroGl,
        vec![
            (
                SyncField::Name,
                Some(FieldValue::Name(NameValue {
                    display: "New Name Ltd".into(),
                    ..NameValue::default()
                })),
            ),
            (SyncField::Email, None),
            (
                SyncField::PrimaryPhone,
                Some(FieldValue::Text("04 555 9999".into())),
            ),
            (
                SyncField::MailingAddress,
                Some(FieldValue::Address(Address {
                    lines: vec!["PO Box 9".into()],
                    ..Address::default()
                })),
            ),
        ],
    );
    let body = xero::encode_contact_update(&target, &p).unwrap();
    assert_eq!(
        json(&body),
        json(
            r#"{"Contacts":[{"ContactID":"55555555-6666-4777-8888-999999999999","Name":"New Name Ltd","EmailAddress":"",
            "Addresses":[{"AddressType":"POBOX","AddressLine1":"PO Box 9","AddressLine2":"","AddressLine3":"","AddressLine4":"",
                          "City":"","Region":"","PostalCode":"","Country":""}],
            "Phones":[{"PhoneType":"DEFAULT","PhoneNumber":"04 555 9999","PhoneAreaCode":"","PhoneCountryCode":""}]}]}"#
        )
    );
    // Read back, the patched contact is what the patch says.
    let back = xero::decode_contact(body.as_bytes()).unwrap();
    assert_eq!(back.display_name.as_deref(), Some("New Name Ltd"));
    assert!(back.emails.is_empty());
    assert_eq!(
        back.phones,
        vec![Phone {
            kind: PhoneKind::Primary,
            number: "04 555 9999".into()
        }]
    );

    // Clearing a phone or an address sends the slot empty.
    let p = patch(
        Profile::XeroGl,
        vec![
            (SyncField::OtherPhone, None),
            (SyncField::PhysicalAddress, None),
        ],
    );
    let body = json(&xero::encode_contact_update(&target, &p).unwrap());
    assert_eq!(body["Contacts"][0]["Phones"][0]["PhoneType"], "DDI");
    assert_eq!(body["Contacts"][0]["Phones"][0]["PhoneNumber"], "");
    assert_eq!(body["Contacts"][0]["Addresses"][0]["AddressType"], "STREET");
    assert_eq!(body["Contacts"][0]["Addresses"][0]["City"], "");

    // Refused: another profile's patch, a name removed, a wrong kind of
    // value, two changes for POBOX, a bad id.
    let mut other = patch(Profile::XeroGl, vec![(SyncField::Email, None)]);
    other.profile = Profile::Qbo;
    let refused = [
        xero::encode_contact_update(&target, &other),
        xero::encode_contact_update(
            &target,
            &patch(Profile::XeroGl, vec![(SyncField::Name, None)]),
        ),
        xero::encode_contact_update(
            &target,
            &patch(
                Profile::XeroGl,
                vec![(
                    SyncField::Email,
                    Some(FieldValue::Name(NameValue::default())),
                )],
            ),
        ),
        xero::encode_contact_update(
            &target,
            &patch(
                Profile::XeroGl,
                vec![
                    (SyncField::MailingAddress, None),
                    (SyncField::BillingAddress, None),
                ],
            ),
        ),
        xero::encode_contact_update(&ContactId::from(""), &patch(Profile::XeroGl, vec![])),
    ];
    for r in refused {
        assert!(matches!(r, Err(WireError::Invalid { .. })), "{r:?}");
    }
    let long = patch(
        Profile::XeroGl,
        vec![(SyncField::FaxPhone, Some(FieldValue::Text("9".repeat(51))))],
    );
    assert!(matches!(
        xero::encode_contact_update(&target, &long),
        Err(WireError::TooLong { .. })
    ));
}

#[test]
fn planned_actions() {
    let id = ContactId::from("55555555-6666-4777-8888-999999999999");
    let create = Action::Create {
        contact: std::sync::Arc::new(Contact::named("", "New Client Ltd")),
        source_id: "K1".into(),
        organizations: vec![ContactRef::CreatedBy(OpId("x".into()))],
        idempotency_key: "ledgerlink:1:create-remote:K1".into(),
    };
    let r = xero::encode_action(&create).unwrap();
    assert_eq!((r.method, r.path.as_str()), (Method::Put, "Contacts"));
    assert_eq!(
        r.idempotency_key.as_deref(),
        Some("ledgerlink:1:create-remote:K1")
    );
    let update = Action::Update {
        target_id: id.clone(),
        partner_id: "K1".into(),
        patch: patch(
            Profile::XeroGl,
            vec![(SyncField::Email, Some(FieldValue::Text("a@b.test".into())))],
        ),
        expected_version: Some(VersionToken::UpdatedAt(
            Utc.timestamp_opt(0, 0).single().unwrap(),
        )),
    };
    let r = xero::encode_action(&update).unwrap();
    assert_eq!(r.method, Method::Post);
    assert_eq!(r.path, format!("Contacts/{id}"));
    assert_eq!(r.idempotency_key, None);
    let Action::Create {
        contact,
        source_id,
        organizations,
        ..
    } = create
    else {
        unreachable!()
    };
    let bad = Action::Create {
        contact,
        source_id,
        organizations,
        idempotency_key: "k".repeat(200),
    };
    assert!(matches!(
        xero::encode_action(&bad),
        Err(WireError::TooLong { .. })
    ));
}

// ------------------------------------------------------------ invoices

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

fn draft() -> InvoiceDraft {
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

// ------------------------------------------------------------ errors

#[test]
fn validation_errors_per_element() {
    let d = xero::decode_error_detail(400, &fixture("xero/error-400-batch.json"), None, None);
    assert_eq!(
        d.error,
        AdapterError::DuplicateName {
            name: "Smith & Jones".into()
        }
    );
    assert_eq!(
        d.items,
        vec![
            String::new(),
            "The contact name Smith & Jones is already assigned to another contact. The contact name must be unique across all active contacts. Postal code is too long."
                .to_owned()
        ]
    );
    let d = xero::decode_error_detail(400, &fixture("xero/error-400-invoice.json"), None, None);
    assert_eq!(
        d.error,
        AdapterError::Validation {
            code: Some("10".into()),
            message: "Invoice # must be unique.".into()
        }
    );
    assert_eq!(d.items.len(), 1);
    // Through decode_any, without a status.
    let Some(Ok(Payload::Error { error, items })) =
        xero::decode_any(&fixture("xero/error-400-batch.json"))
    else {
        panic!("an error payload")
    };
    assert!(matches!(error, AdapterError::DuplicateName { .. }));
    assert_eq!(items.len(), 2);
    let Ok((Profile::XeroGl, Payload::Error { error, .. })) =
        wire::decode_any(&fixture("xero/error-401-problem.json"))
    else {
        panic!("an error payload")
    };
    assert_eq!(
        error,
        AdapterError::AccessTokenExpired {
            message: "AuthenticationUnsuccessful".into()
        }
    );
}

#[test]
fn statuses_map_to_adapter_errors() {
    assert_eq!(
        xero::decode_error(429, b"", Some(13)),
        AdapterError::RateLimited {
            retry_after_secs: 13
        }
    );
    assert_eq!(
        xero::decode_error(429, b"{}", None),
        AdapterError::RateLimited {
            retry_after_secs: xero::RATE_LIMIT_WINDOW_SECS
        }
    );
    // 401: the access token (refresh and retry once); 403: access taken
    // away (disconnected, E3).
    assert!(matches!(
        xero::decode_error(401, &fixture("xero/error-401-problem.json"), None),
        AdapterError::AccessTokenExpired { .. }
    ));
    assert!(matches!(
        xero::decode_error(403, b"", None),
        AdapterError::Authentication { .. }
    ));
    assert!(matches!(
        xero::decode_error(502, b"<html>Bad gateway</html>", None),
        AdapterError::Transient { .. }
    ));
    assert!(matches!(
        xero::decode_error(500, b"", None),
        AdapterError::Transient { .. }
    ));
    assert_eq!(
        xero::decode_error_detail(
            404,
            b"The resource you're looking for cannot be found",
            None,
            Some("c-1")
        )
        .error,
        AdapterError::NotFound { id: "c-1".into() }
    );
    // A body that is not JSON still gives a typed error, with its text.
    assert_eq!(
        xero::decode_error(400, b"oops", None),
        AdapterError::Validation {
            code: None,
            message: "oops".into()
        }
    );
}

// ------------------------------------------------------------ recognition

#[test]
fn other_payloads_are_not_claimed() {
    for doc in [
        &br#"{"QueryResponse":{"Customer":[]}}"#[..],
        br#"{"Fault":{"Error":[{"Message":"x","code":"6240"}]}}"#,
        br#"{"results":{"jobcodes":{}},"more":false}"#,
        br#"<Response><Status>OK</Status></Response>"#,
        b"",
        b"[]",
        br#"{"Invoice":{"Id":"1"}}"#,
    ] {
        assert!(
            xero::decode_any(doc).is_none(),
            "{}",
            String::from_utf8_lossy(doc)
        );
    }
    // A truncated Xero listing is Xero's, and broken.
    assert!(matches!(
        xero::decode_any(br#"{"Contacts":[{"Name":"#),
        Some(Err(WireError::Syntax { .. }))
    ));
}

// ------------------------------------------------------------ properties

fn decode_everything(bytes: &[u8]) {
    let _ = xero::decode_any(bytes);
    let _ = xero::decode_contacts(bytes);
    let _ = xero::decode_contacts_page(bytes, u32::MAX);
    let _ = xero::decode_contacts_listing(&[bytes, bytes], &wire::Limits::default());
    let _ = xero::decode_contact(bytes);
    let _ = xero::decode_invoices(bytes);
    let _ = xero::decode_payments(bytes);
    let _ = xero::decode_error_body(bytes);
    let _ = xero::decode_error_detail(400, bytes, None, None);
}

#[test]
fn every_truncation_of_every_fixture_is_a_typed_result() {
    for (name, bytes) in own_fixtures("xero") {
        assert!(
            xero::decode_any(&bytes).is_some_and(|r| r.is_ok()),
            "{name}"
        );
        let end = bytes.trim_ascii_end().len();
        for cut in 0..bytes.len() {
            let part = &bytes[..cut];
            decode_everything(part);
            // A cut document never decodes as something it is not.
            if let Some(Ok(p)) = xero::decode_any(part).filter(|_| cut < end) {
                panic!("{name} cut at {cut} decoded: {}", p.summary());
            }
        }
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9 &'./-]{1,20}",
        "\\PC{1,12}",
        Just("\"quoted\\ and \u{1} control".to_owned()),
    ]
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text())
}

fn address() -> impl Strategy<Value = Address> {
    (
        prop::sample::select(vec![
            AddressKind::Physical,
            AddressKind::Mailing,
            AddressKind::Billing,
        ]),
        prop::collection::vec(prop_oneof![text(), Just(String::new())], 0..5),
        opt_text(),
        opt_text(),
        opt_text(),
        opt_text(),
    )
        .prop_map(
            |(kind, lines, city, region, postal_code, country)| Address {
                kind,
                primary: false,
                lines,
                city,
                region,
                postal_code,
                country,
            },
        )
}

fn contact() -> impl Strategy<Value = Contact> {
    (
        prop::option::of("[0-9a-f]{8}-[0-9a-f]{4}"),
        opt_text(),
        opt_text(),
        opt_text(),
        opt_text(),
        prop::collection::vec("[a-z.]{1,10}@[a-z]{1,8}\\.test", 0..3),
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    PhoneKind::Primary,
                    PhoneKind::Mobile,
                    PhoneKind::Fax,
                    PhoneKind::Other,
                ]),
                "[0-9 +()-]{0,14}",
            ),
            0..6,
        ),
        prop::collection::vec(address(), 0..3),
        any::<bool>(),
    )
        .prop_map(
            |(id, display, org, first, last, emails, phones, addresses, archived)| {
                let mut c = Contact {
                    id: ContactId::new(id.unwrap_or_default()),
                    display_name: display,
                    organization_name: org,
                    first_name: first,
                    last_name: last,
                    status: if archived {
                        ContactStatus::Archived
                    } else {
                        ContactStatus::Active
                    },
                    ..Contact::default()
                };
                for e in emails {
                    c = c.with_email(e);
                }
                for (k, n) in phones {
                    c = c.with_phone(k, n);
                }
                for a in addresses {
                    c = c.with_address(a);
                }
                c
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        decode_everything(&bytes);
    }

    #[test]
    fn json_like_noise_never_panics(s in "[\\[\\]{}\":,0-9a-zA-Z.\\\\ -]{0,200}") {
        decode_everything(s.as_bytes());
        let wrapped = format!(r#"{{"Contacts":[{s}]}}"#);
        decode_everything(wrapped.as_bytes());
        let wrapped = format!(r#"{{"Invoices":[{{"Date":"2020-01-01","LineItems":[{s}]}}]}}"#);
        decode_everything(wrapped.as_bytes());
    }

    #[test]
    fn encoded_contacts_decode_to_what_xero_carries(c in contact()) {
        match xero::encode_contact(&c) {
            Ok(body) => {
                let back = xero::decode_contacts(body.as_bytes()).unwrap().records;
                prop_assert_eq!(back, vec![xero::carried_as_contact(&c)]);
            }
            // Only what the documented checks refuse.
            Err(WireError::Invalid { .. } | WireError::TooLong { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
    }

    #[test]
    fn exact_amounts_survive_an_invoice_round_trip(
        q in (-1_000_000i64..1_000_000, 0u32..6),
        p in (-1_000_000_000i64..1_000_000_000, 0u32..9),
    ) {
        let mut dr = draft();
        dr.lines.truncate(1);
        dr.lines[0].quantity = Decimal::new(q.0, q.1);
        dr.lines[0].unit_price = Money::new(Decimal::new(p.0, p.1), Currency::NZD);
        let body = xero::encode_invoice_create(&dr, "abc").unwrap();
        let back = xero::decode_invoices(body.as_bytes()).unwrap();
        let line = &back.records[0].invoice.lines[0];
        prop_assert_eq!(line.quantity, dr.lines[0].quantity);
        prop_assert_eq!(line.quantity.scale(), dr.lines[0].quantity.scale());
        prop_assert_eq!(line.unit_price, dr.lines[0].unit_price);
    }
}

#[test]
fn shared_xero_payloads_decode_when_present() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/wire/fixtures/xero");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is not there", dir.display());
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let (provider, payload) =
            wire::decode_any(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(provider, Profile::XeroGl, "{}", path.display());
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(
            matches!(payload, Payload::Error { .. }),
            name.contains("400"),
            "{name}"
        );
        if name == "xero-contacts-put-400-duplicate-name.json" {
            let Payload::Error { error, .. } = payload else {
                unreachable!()
            };
            assert_eq!(
                error,
                AdapterError::DuplicateName {
                    name: "Buzz Lightyear".into()
                }
            );
        }
    }
}

// ------------------------------------------------------- hostile inputs

#[test]
fn nesting_100_000_deep_is_an_error_not_a_stack_overflow() {
    for doc in [
        format!("{{\"Contacts\":[{{\"Phones\":{}", "[".repeat(100_000)),
        format!("{{\"Invoices\":[{{\"LineItems\":{}", "[".repeat(100_000)),
        format!("{{\"Payments\":{}", "{\"a\":".repeat(100_000)),
        format!("{{\"ErrorNumber\":10,\"Elements\":{}", "[".repeat(100_000)),
    ] {
        assert!(wire::decode_any(doc.as_bytes()).is_err(), "{}", &doc[..20]);
    }
}

#[test]
fn limits_stop_a_page_at_the_record_item_or_field_past_them() {
    use ledgerlink::wire::{Limit, Limits};
    let contacts =
        br#"{"Contacts":[{"ContactID":"a","Name":"A","ContactPersons":[{"FirstName":"P"}]},
        {"ContactID":"b","Name":"Bee","Phones":[{"PhoneType":"DEFAULT","PhoneNumber":"1"},
        {"PhoneType":"MOBILE","PhoneNumber":"2"}]}]}"#;
    assert_eq!(xero::decode_contacts(contacts).unwrap().records.len(), 2);
    let with = |l: Limits| xero::decode_contacts_with_limits(contacts, None, &l);
    assert_eq!(
        with(Limits::default().with_max_records(1)).map(|p| p.records.len()),
        Err(WireError::TooLarge {
            provider: Profile::XeroGl,
            limit: Limit::Records,
            path: "Contacts[1]".into(),
            value: 2,
            max: 1,
        })
    );
    assert_eq!(
        with(Limits::default().with_max_items_per_record(1)).map(|p| p.records.len()),
        Err(WireError::TooLarge {
            provider: Profile::XeroGl,
            limit: Limit::ItemsPerRecord,
            path: "Contacts[1].Phones[1]".into(),
            value: 2,
            max: 1,
        })
    );
    assert_eq!(
        with(Limits::default().with_max_field_bytes(2)).map(|p| p.records.len()),
        Err(WireError::TooLarge {
            provider: Profile::XeroGl,
            limit: Limit::FieldBytes,
            path: "Contacts[1].Name".into(),
            value: 3,
            max: 2,
        })
    );
    let invoices = br#"{"Invoices":[{"Type":"ACCREC","InvoiceID":"i","Date":"2024-01-01",
        "LineItems":[{"Description":"a","UnitAmount":1},{"Description":"b","UnitAmount":2}]}]}"#;
    let mut opts = DecodeOptions::default();
    opts.limits = Limits::default().with_max_items_per_record(1);
    assert_eq!(
        xero::decode_invoices_with(invoices, &opts).map(|p| p.records.len()),
        Err(WireError::TooLarge {
            provider: Profile::XeroGl,
            limit: Limit::ItemsPerRecord,
            path: "Invoices[0].LineItems[1]".into(),
            value: 2,
            max: 1,
        })
    );
    opts.limits = Limits::default().with_max_records(0);
    assert!(matches!(
        xero::decode_invoices_with(invoices, &opts),
        Err(WireError::TooLarge {
            limit: Limit::Records,
            ..
        })
    ));
    opts.limits = Limits::default().with_max_field_bytes(0);
    assert!(matches!(
        xero::decode_invoices_with(invoices, &opts),
        Err(WireError::TooLarge {
            limit: Limit::FieldBytes,
            ..
        })
    ));
}
