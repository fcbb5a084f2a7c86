//! The Xero Accounting codec through the public API: fixtures written in
//! Xero's documented shapes (tests/fixtures/xero), round trips, error
//! bodies, limits, and bytes that are not Xero payloads at all. Contacts
//! here; invoices and payments, errors, and properties with hostile input
//! in their own modules.
#![allow(clippy::print_stderr)]

mod billing;
mod errors;
mod robustness;

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

pub(super) type ErrorTest = fn(&WireError) -> bool;
pub(super) type AddressEdit = fn(&mut Address);

pub(super) fn json(body: &str) -> Value {
    serde_json::from_str(body).expect("the encoder writes JSON")
}

// ------------------------------------------------------------ contacts

#[test]
pub(super) fn a_listing_with_every_tricky_field() {
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
pub(super) fn a_single_contact() {
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

pub(super) fn unpaged(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"ContactID":"c{i}","Name":"Client {i}"}}"#))
        .collect();
    format!(r#"{{"Contacts":[{}]}}"#, items.join(","))
}

#[test]
pub(super) fn a_full_page_without_pagination_points_to_the_next_page_when_a_page_was_asked() {
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
pub(super) fn bad_contacts_are_typed_errors() {
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

pub(super) fn rich_contact() -> Contact {
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
pub(super) fn a_contact_survives_the_round_trip_as_far_as_xero_carries_it() {
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
pub(super) fn what_xero_does_not_carry_is_dropped_explicitly() {
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
pub(super) fn shared_request_shape_is_what_create_writes() {
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
pub(super) fn contact_limits_are_reported_not_cut() {
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
pub(super) fn idempotency_keys_fit_the_header() {
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
pub(super) fn an_update_writes_the_patched_fields_only() {
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
pub(super) fn planned_actions() {
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
