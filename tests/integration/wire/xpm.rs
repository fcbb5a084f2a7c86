//! The XPM wire codec through its public API: the fixtures under
//! `tests/fixtures/xpm` (written in the documented shapes), error bodies,
//! request bodies and their limits, round trips, and hostile input.
#![allow(clippy::print_stderr)]

use std::path::PathBuf;

use ledgerlink::model::{
    Address, AddressKind, Contact, ContactId, ContactKind, ContactStatus, PhoneKind,
};
use ledgerlink::ports::AdapterError;
use ledgerlink::rules::Profile;
use ledgerlink::sync::{Action, ContactRef, FieldValue, NameValue, OpId, SyncField};
use ledgerlink::wire::xpm::{self, ContactsPage, MAX_CONTACTS_PER_REQUEST, Method};
use ledgerlink::wire::{self, Payload, WireError};
use proptest::prelude::*;

use crate::support::contacts::patch;
use crate::support::fixtures::{fixture, own_fixtures};

fn phone(c: &Contact, kind: PhoneKind) -> Option<&str> {
    c.phones
        .iter()
        .find(|p| p.kind == kind)
        .map(|p| p.number.as_str())
}

// ------------------------------------------------------------- decoding

#[test]
fn a_detailed_list_decodes_clients_and_their_contacts() {
    let page = xpm::decode_clients(&fixture("xpm/client-list-detailed.xml")).unwrap();
    assert_eq!(page.next_page, None);
    let ids: Vec<&str> = page.records.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "5b1c7a0e-2f0d-4c55-9a53-1d2a3b4c5d01",
            "5b1c7a0e-2f0d-4c55-9a53-1d2a3b4c5d02",
            "5b1c7a0e-2f0d-4c55-9a53-1d2a3b4c5d03",
            "5b1c7a0e-2f0d-4c55-9a53-1d2a3b4c5d04",
            // People follow the clients, in order of first appearance.
            "aa000000-0000-4000-8000-000000000001",
            "aa000000-0000-4000-8000-000000000002",
            "aa000000-0000-4000-8000-000000000003",
        ]
    );

    let jo = &page.records[0];
    assert_eq!(jo.kind, Some(ContactKind::Person));
    assert_eq!(jo.display_name.as_deref(), Some("Jo Bloggs"));
    assert_eq!(jo.organization_name, None);
    assert_eq!(jo.first_name.as_deref(), Some("Jo"));
    assert_eq!(jo.middle_name.as_deref(), Some("Anne"));
    assert_eq!(jo.last_name.as_deref(), Some("Bloggs"));
    assert_eq!(jo.billing_email(), Some("jo@bloggs.example"));
    assert!(jo.emails[0].primary);
    assert_eq!(phone(jo, PhoneKind::Primary), Some("04 555 0101"));
    assert_eq!(phone(jo, PhoneKind::Fax), None);
    assert_eq!(
        jo.addresses,
        [Address {
            kind: AddressKind::Physical,
            primary: true,
            lines: vec!["12 Rata Street".into(), "Flat 3".into()],
            city: Some("Lower Hutt".into()),
            region: Some("Wellington".into()),
            postal_code: Some("5010".into()),
            country: Some("New Zealand".into()),
        }]
    );
    assert_eq!(jo.extras.business_structure.as_deref(), Some("Individual"));
    // The first group is the one the model keeps.
    assert_eq!(jo.client_group.as_deref(), Some("Bloggs Family"));
    assert_eq!(jo.status, ContactStatus::Active);
    assert_eq!(jo.extras.version, None);

    let trust = &page.records[1];
    // UUID after the contacts, entities, CDATA: all read.
    assert_eq!(
        trust.display_name.as_deref(),
        Some("Bloggs Family Trust & Co <NZ>")
    );
    assert_eq!(trust.kind, Some(ContactKind::Organization));
    assert_eq!(trust.first_name, None, "empty elements read as absent");
    assert_eq!(trust.billing_email(), Some("trust+billing@bloggs.example"));
    // Phones in a fixed order whatever the element order.
    let kinds: Vec<_> = trust.phones.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [PhoneKind::Primary, PhoneKind::Fax]);
    let postal = &trust.addresses[0];
    assert_eq!(postal.kind, AddressKind::Mailing);
    assert!(
        postal.primary,
        "postal is primary without a physical address"
    );
    assert_eq!(postal.lines, ["P O Box 123", "Te Aro"]);
    assert_eq!(postal.city.as_deref(), Some("Wellington"));
    assert_eq!(postal.region, None);
    // A note's title is not the client's name; relationships are skipped.
    assert_eq!(trust.client_group, None);

    let body_corp = &page.records[2];
    // An unknown structure stays as entered; the client is an organisation.
    assert_eq!(
        body_corp.extras.business_structure.as_deref(),
        Some("Body Corporate")
    );
    assert_eq!(body_corp.kind, Some(ContactKind::Organization));
    assert_eq!(body_corp.status, ContactStatus::Archived);

    let gone = &page.records[3];
    assert_eq!(gone.status, ContactStatus::Archived, "IsDeleted");
    // No structure: the kind is left to the matching rules, which flag it.
    assert_eq!(gone.kind, None);

    let jo_person = &page.records[4];
    assert_eq!(jo_person.kind, Some(ContactKind::Person));
    assert_eq!(jo_person.organization_ids, std::slice::from_ref(&jo.id));

    let fred = &page.records[5];
    assert_eq!(fred.display_name.as_deref(), Some("Fred  Bloggs"));
    assert_eq!(fred.first_name, None, "a contact's name is kept whole");
    assert_eq!(phone(fred, PhoneKind::Mobile), Some("021 555 0102"));
    assert_eq!(phone(fred, PhoneKind::Primary), Some("04 555 0102"));
    assert_eq!(fred.billing_email(), Some("fred@bloggs.example"));
    // One record for a contact of two clients, linked to both.
    assert_eq!(
        fred.organization_ids,
        [trust.id.clone(), body_corp.id.clone()]
    );
    assert_eq!(fred.status, ContactStatus::Active);

    let old = &page.records[6];
    assert_eq!(old.status, ContactStatus::Archived);
    assert_eq!(old.organization_ids, std::slice::from_ref(&trust.id));
}

#[test]
fn a_paged_list_gives_the_next_page() {
    let page = xpm::decode_clients(&fixture("xpm/client-paged-list.xml")).unwrap();
    assert_eq!(page.records.len(), 1);
    assert_eq!(page.records[0].display_name.as_deref(), Some("Cafe Ōtaki"));
    assert_eq!(
        page.next_page.as_deref(),
        Some(
            "https://api.xero.com/practicemanager/3.1/client.api/paged-list?pageSize=1&pageToken=eyJwIjoyfQ"
        )
    );
}

#[test]
fn a_get_decodes_one_client() {
    let page = xpm::decode_clients(&fixture("xpm/client-get.xml")).unwrap();
    let [sam] = page.records.as_slice() else {
        panic!("{page:?}")
    };
    assert_eq!(
        sam.kind,
        Some(ContactKind::Person),
        "a sole trader is a person"
    );
    assert_eq!(sam.addresses.len(), 2);
    assert!(sam.addresses[0].primary && !sam.addresses[1].primary);
    assert_eq!(sam.addresses[0].kind, AddressKind::Physical);
}

#[test]
fn an_empty_list_is_no_records() {
    let page = xpm::decode_clients(&fixture("xpm/client-list-empty.xml")).unwrap();
    assert_eq!(page, ContactsPage::default());
}

#[test]
fn decode_any_recognises_xpm_answers_only() {
    let (p, payload) = wire::decode_any(&fixture("xpm/client-list-detailed.xml")).unwrap();
    assert_eq!(p, Profile::Xpm);
    assert!(matches!(payload, Payload::Contacts { ref records, .. } if records.len() == 7));
    assert!(xpm::decode_any(b"{\"Contacts\": []}").is_none());
    assert!(xpm::decode_any(b"<IntuitResponse/>").is_none());
    assert!(xpm::decode_any(b"").is_none());
    assert!(xpm::decode_any(b"<Client><Name>x</Name></Client>").is_none());
    // Recognised but broken: a typed error.
    assert!(matches!(
        xpm::decode_any(b"<Response><Status>OK</Status><Clients>"),
        Some(Err(WireError::Syntax { .. }))
    ));
}

#[test]
fn status_error_answers_are_adapter_errors() {
    let (_, p) = wire::decode_any(&fixture("xpm/error-not-found.xml")).unwrap();
    assert_eq!(
        p,
        Payload::Error {
            error: AdapterError::NotFound {
                id: "720c21d3-e812-4bb1-9d6b-ddeb4745e7b9".into()
            },
            items: vec![],
        }
    );
    let (_, p) = wire::decode_any(&fixture("xpm/error-validation.xml")).unwrap();
    assert_eq!(
        p,
        Payload::Error {
            error: AdapterError::Validation {
                code: None,
                message: "Name is required".into()
            },
            items: vec![],
        }
    );
    assert!(matches!(
        xpm::decode_clients(&fixture("xpm/error-validation.xml")),
        Err(WireError::Shape { ref path, .. }) if path == "Response.Status"
    ));
}

#[test]
fn http_statuses_map_to_adapter_errors() {
    let xml = fixture("xpm/error-validation.xml");
    assert!(matches!(
        xpm::decode_error(401, b"{\"Title\":\"Unauthorized\"}"),
        AdapterError::AccessTokenExpired { ref message } if message.contains("Unauthorized")
    ));
    assert!(matches!(
        xpm::decode_error(403, b""),
        AdapterError::Authentication { .. }
    ));
    assert_eq!(
        xpm::decode_error(429, b""),
        AdapterError::RateLimited {
            retry_after_secs: xpm::DEFAULT_RETRY_AFTER_SECS
        }
    );
    assert_eq!(
        xpm::decode_error_with_retry_after(429, Some(" 17 "), b""),
        AdapterError::RateLimited {
            retry_after_secs: 17
        }
    );
    assert_eq!(
        xpm::decode_error_with_retry_after(429, Some("Wed, 21 Oct 2015 07:28:00 GMT"), b""),
        AdapterError::RateLimited {
            retry_after_secs: xpm::DEFAULT_RETRY_AFTER_SECS
        }
    );
    for status in [500, 502, 503, 504, 408] {
        assert!(matches!(
            xpm::decode_error(status, b"<html>bad gateway</html>"),
            AdapterError::Transient { .. }
        ));
    }
    assert_eq!(
        xpm::decode_error(404, &fixture("xpm/error-not-found.xml")),
        AdapterError::NotFound {
            id: "720c21d3-e812-4bb1-9d6b-ddeb4745e7b9".into()
        }
    );
    assert_eq!(
        xpm::decode_error(400, &xml),
        AdapterError::Validation {
            code: None,
            message: "Name is required".into()
        }
    );
    // XPM also answers 200 with an ERROR status.
    assert_eq!(xpm::decode_error(200, &xml), xpm::decode_error(400, &xml));
    assert!(matches!(
        xpm::decode_error(400, b""),
        AdapterError::Validation { ref message, .. } if message.contains("400")
    ));
}

#[test]
fn booleans_other_than_yes_and_no_are_refused_with_their_path() {
    let err = xpm::decode_clients(&fixture("xpm/bad-boolean.xml")).unwrap_err();
    assert_eq!(
        err,
        WireError::Shape {
            provider: Profile::Xpm,
            path: "Clients[1].IsArchived".into(),
            detail: "expected `Yes` or `No`, found `Maybe`".into(),
        }
    );
}

#[test]
fn declared_entities_are_never_expanded() {
    let err = xpm::decode_clients(&fixture("xpm/entity-expansion.xml")).unwrap_err();
    assert!(
        matches!(err, WireError::Syntax { ref detail, .. } if detail.contains("lol9")),
        "{err}"
    );
}

#[test]
fn missing_uuids_and_wrong_roots_are_shape_errors() {
    let e = xpm::decode_clients(
        b"<Response><Clients><Client><Name>A</Name></Client></Clients></Response>",
    )
    .unwrap_err();
    assert!(matches!(e, WireError::Shape { ref path, .. } if path == "Clients[0].UUID"));
    let e = xpm::decode_clients(
        b"<Response><Clients><Client><UUID>c</UUID><Contacts><Contact><Name>P</Name></Contact></Contacts></Client></Clients></Response>",
    )
    .unwrap_err();
    assert!(
        matches!(e, WireError::Shape { ref path, .. } if path == "Clients[0].Contacts[0].UUID")
    );
    assert!(matches!(
        xpm::decode_client_body(b"<Response/>"),
        Err(WireError::Shape { .. })
    ));
    assert!(matches!(
        xpm::decode_response(b"<Response><Status>OK</Status><Jobs/></Response>"),
        Err(WireError::Unsupported { .. })
    ));
    assert!(matches!(
        xpm::decode_response(b"<Response><Status>Pending</Status></Response>"),
        Err(WireError::Shape { .. })
    ));
}

#[test]
fn broken_xml_is_a_syntax_error() {
    for bad in [
        &b"<Response><Status>OK</Status></Respons>"[..],
        b"<Response>",
        b"<Response></Response><Response></Response>",
        b"<Response>&#0;</Response>",
        b"<Response><Status>&#1;</Status></Response>",
        b"<Response>\xff</Response>",
        b"",
        b"junk<Response/>",
    ] {
        assert!(
            matches!(xpm::decode_response(bad), Err(WireError::Syntax { .. })),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn line_breaks_of_every_kind_split_address_lines() {
    let xml = "<Response><Clients><Client><UUID>u</UUID>\
               <Address>\r\n  1 Quay St\r\n\r\n  Level 2\r  Suite &#13;9\n</Address>\
               </Client></Clients></Response>";
    let page = xpm::decode_clients(xml.as_bytes()).unwrap();
    assert_eq!(
        page.records[0].addresses[0].lines,
        ["1 Quay St", "Level 2", "Suite", "9"]
    );
}

#[test]
fn deep_nesting_is_refused_without_recursion() {
    let mut xml = String::from("<Response>");
    for _ in 0..100_000 {
        xml.push_str("<a>");
    }
    assert!(xpm::decode_response(xml.as_bytes()).is_err());
    let mut xml = String::from("<Response><Status>OK</Status><Clients>");
    for _ in 0..70 {
        xml.push_str("<x>");
    }
    for _ in 0..70 {
        xml.push_str("</x>");
    }
    xml.push_str("</Clients></Response>");
    assert!(matches!(
        xpm::decode_response(xml.as_bytes()),
        Err(WireError::Shape { .. })
    ));
}

#[test]
fn every_shared_xpm_payload_decodes() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/wire/fixtures/xpm");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is missing", dir.display());
        return;
    };
    let mut n = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let (p, payload) =
            wire::decode_any(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(p, Profile::Xpm);
        assert!(!payload.summary().starts_with("0 "), "{}", path.display());
        n += 1;
    }
    assert!(n > 0);
}

#[test]
fn the_published_list_example_reads_as_documented() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/wire/fixtures/xpm/xpm-client-list.xml");
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipped: {} is missing", path.display());
        return;
    };
    let page = xpm::decode_clients(&bytes).unwrap();
    assert_eq!(page.records.len(), 3);
    let xyz = &page.records[0];
    assert_eq!(
        xyz.display_name.as_deref(),
        Some("XYZ Australia, NZ Business Unit")
    );
    assert_eq!(
        xyz.addresses[0].lines,
        [
            "Level 32, PWC Building",
            "188 Quay Street",
            "Auckland Central"
        ]
    );
    assert_eq!(xyz.addresses[0].city.as_deref(), Some("Auckland"));
    assert_eq!(xyz.addresses[0].kind, AddressKind::Mailing);
    let sam = &page.records[2];
    assert_eq!(sam.display_name.as_deref(), Some("Samantha Benecke"));
    assert_eq!(sam.organization_ids, std::slice::from_ref(&xyz.id));
}

// ------------------------------------------------------------- encoding

fn acme() -> Contact {
    Contact::organization("c1", "Acme & Sons <Ltd>")
        .with_email(" ap@acme.example ")
        .with_phone(PhoneKind::Primary, "04 555 0100")
        .with_phone(PhoneKind::Fax, "04 555 0199")
        .with_phone(PhoneKind::Mobile, "021 555")
        .with_address(Address {
            kind: AddressKind::Mailing,
            lines: vec!["PO Box 1".into(), "  Te Aro \n Central".into()],
            city: Some("Wellington".into()),
            ..Address::default()
        })
}

#[test]
fn the_add_body_is_escaped_and_ordered() {
    let body = xpm::encode_client_add(&acme()).unwrap();
    assert_eq!(
        body,
        "<Client><Name>Acme &amp; Sons &lt;Ltd&gt;</Name><Email>ap@acme.example</Email>\
         <PostalAddress>PO Box 1\nTe Aro\nCentral</PostalAddress><PostalCity>Wellington</PostalCity>\
         <Phone>04 555 0100</Phone><Fax>04 555 0199</Fax>\
         <BusinessStructure>Company</BusinessStructure></Client>"
    );
}

#[test]
fn a_person_client_sends_names_and_a_given_structure() {
    let mut c = Contact::person("", "Jo", "Bloggs").with_business_structure("Sole Trader");
    c.middle_name = Some("Anne".into());
    let body = xpm::encode_client_add(&c).unwrap();
    assert_eq!(
        body,
        "<Client><Name>Jo Bloggs</Name><FirstName>Jo</FirstName><OtherName>Anne</OtherName>\
         <LastName>Bloggs</LastName><BusinessStructure>Sole Trader</BusinessStructure></Client>"
    );
    // Organisations keep no first / last names in XPM.
    let org = Contact::organization("", "Acme").with_names("Ann", "Other");
    assert!(!xpm::encode_client_add(&org).unwrap().contains("FirstName"));
}

#[test]
fn names_are_required_and_control_characters_refused() {
    let e = xpm::encode_client_add(&Contact::default()).unwrap_err();
    assert!(matches!(e, WireError::Invalid { ref field, .. } if field == "Name"));
    let e = xpm::encode_client_add(&Contact::organization("", " \n ")).unwrap_err();
    assert!(matches!(e, WireError::Invalid { ref field, .. } if field == "Name"));
    let e = xpm::encode_client_add(&Contact::organization("", "Acme\u{1}")).unwrap_err();
    assert!(
        matches!(e, WireError::Invalid { ref field, ref detail, .. } if field == "Name" && detail.contains("U+0001"))
    );
    let c = Contact::organization("", "Acme").with_email("a\u{FFFE}@b");
    assert!(matches!(
        xpm::encode_client_add(&c),
        Err(WireError::Invalid { ref field, .. }) if field == "Email"
    ));
    // A carriage return inside a value survives as a reference.
    let c = Contact::organization("", "A\rB");
    let body = xpm::encode_client_add(&c).unwrap();
    assert!(body.contains("A&#13;B"));
    assert_eq!(
        xpm::decode_client_body(body.as_bytes())
            .unwrap()
            .display_name
            .as_deref(),
        Some("A\rB")
    );
}

fn text(s: &str) -> Option<FieldValue> {
    Some(FieldValue::Text(s.into()))
}

#[test]
fn the_update_body_sends_the_patch_and_the_name() {
    let uuid = ContactId::new("720c21d3-e812-4bb1-9d6b-ddeb4745e7b9");
    let p = patch(
        Profile::Xpm,
        vec![
            (SyncField::Email, text("new@acme.example")),
            (SyncField::PrimaryPhone, None),
            (
                SyncField::PhysicalAddress,
                Some(FieldValue::Address(Address {
                    lines: vec!["1 Quay St".into(), "Level 2".into()],
                    city: Some("Auckland".into()),
                    ..Address::default()
                })),
            ),
            (SyncField::MailingAddress, None),
        ],
    );
    let body = xpm::encode_client_update(&uuid, Some("Acme"), &p).unwrap();
    assert_eq!(
        body,
        "<Client><UUID>720c21d3-e812-4bb1-9d6b-ddeb4745e7b9</UUID><Name>Acme</Name>\
         <Email>new@acme.example</Email>\
         <Address>1 Quay St\nLevel 2</Address><City>Auckland</City><Region></Region><PostCode></PostCode><Country></Country>\
         <PostalAddress></PostalAddress><PostalCity></PostalCity><PostalRegion></PostalRegion><PostalPostCode></PostalPostCode><PostalCountry></PostalCountry>\
         <Phone></Phone></Client>"
    );
    let read = xpm::decode_client_body(body.as_bytes()).unwrap();
    assert_eq!(read.id, uuid);
    assert_eq!(read.billing_email(), Some("new@acme.example"));
    assert!(read.phones.is_empty());
    assert_eq!(read.addresses.len(), 1);

    // A rename carries its own name; without one the update is refused.
    let rename = patch(
        Profile::Xpm,
        vec![(
            SyncField::Name,
            Some(FieldValue::Name(NameValue {
                display: "Jo Bloggs".into(),
                company: None,
                first: Some("Jo".into()),
                last: Some("Bloggs".into()),
            })),
        )],
    );
    let body = xpm::encode_client_update(&uuid, None, &rename).unwrap();
    assert!(
        body.contains("<Name>Jo Bloggs</Name><FirstName>Jo</FirstName><LastName>Bloggs</LastName>")
    );
    let e = xpm::encode_client_update(&uuid, None, &p).unwrap_err();
    assert!(matches!(e, WireError::Invalid { ref field, .. } if field == "Name"));
    let e = xpm::encode_client_update(
        &uuid,
        Some("A"),
        &patch(Profile::Xpm, vec![(SyncField::Name, None)]),
    )
    .unwrap_err();
    assert!(matches!(e, WireError::Invalid { ref field, .. } if field == "Name"));
}

#[test]
fn updates_of_fields_a_client_lacks_are_refused() {
    let uuid = ContactId::new("u-1");
    for field in [
        SyncField::MobilePhone,
        SyncField::OtherPhone,
        SyncField::BillingAddress,
    ] {
        let e = xpm::encode_client_update(
            &uuid,
            Some("A"),
            &patch(Profile::Xpm, vec![(field, text("1"))]),
        )
        .unwrap_err();
        assert!(
            matches!(e, WireError::Invalid { field: ref f, .. } if f == field.as_str()),
            "{field}"
        );
    }
    let mut other = patch(Profile::Xpm, vec![]);
    other.profile = Profile::Qbo;
    assert!(xpm::encode_client_update(&uuid, Some("A"), &other).is_err());
    for bad in ["", "a/b", "a b", "../x"] {
        assert!(
            xpm::encode_client_update(
                &ContactId::new(bad),
                Some("A"),
                &patch(Profile::Xpm, vec![])
            )
            .is_err(),
            "{bad}"
        );
    }
}

#[test]
fn contacts_are_added_ten_at_a_time() {
    let client = ContactId::new("c1");
    let people: Vec<Contact> = (0..=MAX_CONTACTS_PER_REQUEST)
        .map(|i| Contact::person(format!("p{i}"), "Jo", format!("Bloggs {i}")))
        .collect();
    let body =
        xpm::encode_client_contacts_add(&client, &people[..MAX_CONTACTS_PER_REQUEST]).unwrap();
    assert_eq!(body.matches("<Contact>").count(), MAX_CONTACTS_PER_REQUEST);
    let e = xpm::encode_client_contacts_add(&client, &people).unwrap_err();
    assert!(matches!(e, WireError::Invalid { ref field, .. } if field == "Contacts"));
    assert!(xpm::encode_client_contacts_add(&client, &[]).is_err());

    let jane = Contact::person("", "Jane", "Smith")
        .with_email("jane@acme.example")
        .with_phone(PhoneKind::Mobile, "021 1")
        .with_phone(PhoneKind::Fax, "04 2");
    let body = xpm::encode_client_contacts_add(&client, std::slice::from_ref(&jane)).unwrap();
    assert_eq!(
        body,
        "<Contacts><Contact><Name>Jane Smith</Name><Mobile>021 1</Mobile>\
         <Email>jane@acme.example</Email></Contact></Contacts>"
    );
    let read = xpm::decode_client_contacts_body(body.as_bytes(), &client).unwrap();
    assert_eq!(read, [xpm::carried_as_client_contact(&jane, &client)]);
}

#[test]
fn contact_updates_use_the_contact_fields() {
    let uuid = ContactId::new("p1");
    let p = patch(
        Profile::Xpm,
        vec![
            (SyncField::MobilePhone, text("021 9")),
            (SyncField::Email, None),
        ],
    );
    let body = xpm::encode_client_contact_update(&uuid, Some("Jane Smith"), &p).unwrap();
    assert_eq!(
        body,
        "<Contact><Name>Jane Smith</Name><Mobile>021 9</Mobile><Email></Email></Contact>"
    );
    let e = xpm::encode_client_contact_update(
        &uuid,
        Some("J"),
        &patch(Profile::Xpm, vec![(SyncField::FaxPhone, text("1"))]),
    )
    .unwrap_err();
    assert!(matches!(e, WireError::Invalid { .. }));
}

#[test]
fn planned_actions_become_requests() {
    let create = Action::Create {
        contact: std::sync::Arc::new(acme()),
        source_id: "local-1".into(),
        organizations: vec![],
        idempotency_key: "k".into(),
    };
    let r = xpm::encode_action(&create, None).unwrap();
    assert_eq!(
        (r.method, r.path.as_str()),
        (Method::Post, "client.api/add")
    );
    assert_eq!(r.method.as_str(), "POST");

    let person = |orgs: Vec<ContactRef>| Action::Create {
        contact: std::sync::Arc::new(Contact::person("", "Jane", "Smith")),
        source_id: "local-2".into(),
        organizations: orgs,
        idempotency_key: "k2".into(),
    };
    let r = xpm::encode_action(&person(vec![ContactRef::Id("c1".into())]), None).unwrap();
    assert_eq!(r.path, "client.api/contact");
    assert_eq!(
        r.body,
        "<Contact><Name>Jane Smith</Name><Client><UUID>c1</UUID></Client></Contact>"
    );
    assert!(
        xpm::encode_action(
            &person(vec![ContactRef::CreatedBy(OpId(
                "create-remote:local-1".into()
            ))]),
            None
        )
        .is_err()
    );
    assert!(
        xpm::encode_action(
            &person(vec![
                ContactRef::Id("c1".into()),
                ContactRef::Id("c2".into())
            ]),
            None
        )
        .is_err()
    );

    let update = |target: &str| Action::Update {
        target_id: target.into(),
        partner_id: "local-1".into(),
        patch: patch(Profile::Xpm, vec![(SyncField::Email, text("x@y.example"))]),
        expected_version: None,
    };
    let client = Contact::organization("c1", "Acme");
    let r = xpm::encode_action(&update("c1"), Some(&client)).unwrap();
    assert_eq!(
        (r.method, r.path.as_str()),
        (Method::Put, "client.api/update")
    );
    assert!(r.body.contains("<Name>Acme</Name>"));
    let jane = Contact::named("p1", "Jane Smith").linked_to("c1");
    let r = xpm::encode_action(&update("p1"), Some(&jane)).unwrap();
    assert_eq!(r.path, "client.api/contact/p1");
    assert!(xpm::encode_action(&update("c2"), Some(&client)).is_err());
    // Without the current record the name is unknown: refused, not guessed.
    assert!(xpm::encode_action(&update("c1"), None).is_err());
}

// ---------------------------------------------------------- round trips

fn value() -> impl Strategy<Value = String> {
    // Printable text with XML's special characters and some whitespace.
    "[ a-zA-Z0-9&<>'\"ÅéŌ\u{a0}\t\r\n-]{0,16}"
}

fn opt_value() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(value())
}

fn address() -> impl Strategy<Value = Address> {
    (
        prop_oneof![
            Just(AddressKind::Physical),
            Just(AddressKind::Mailing),
            Just(AddressKind::Billing)
        ],
        proptest::collection::vec(value(), 0..4),
        opt_value(),
        opt_value(),
        opt_value(),
        opt_value(),
        any::<bool>(),
    )
        .prop_map(
            |(kind, lines, city, region, postal_code, country, primary)| Address {
                kind,
                primary,
                lines,
                city,
                region,
                postal_code,
                country,
            },
        )
}

fn contact() -> impl Strategy<Value = Contact> {
    let names = (
        opt_value(),
        opt_value(),
        opt_value(),
        opt_value(),
        opt_value(),
    );
    let kinds = prop_oneof![
        Just(None),
        Just(Some(ContactKind::Person)),
        Just(Some(ContactKind::Organization))
    ];
    let structure = proptest::option::of(prop_oneof![
        Just("Individual".to_owned()),
        Just("Trust".to_owned()),
        Just("sole_trader".to_owned()),
        value()
    ]);
    let phones = proptest::collection::vec(
        (
            prop_oneof![
                Just(PhoneKind::Primary),
                Just(PhoneKind::Mobile),
                Just(PhoneKind::Fax),
                Just(PhoneKind::Other)
            ],
            value(),
        ),
        0..4,
    );
    (
        "[a-f0-9-]{0,12}",
        names,
        kinds,
        structure,
        proptest::collection::vec(value(), 0..3),
        phones,
        proptest::collection::vec(address(), 0..3),
        any::<bool>(),
    )
        .prop_map(
            |(
                id,
                (display, org, first, middle, last),
                kind,
                structure,
                emails,
                phones,
                addresses,
                archived,
            )| {
                let mut c = Contact {
                    id: id.into(),
                    kind,
                    display_name: display,
                    organization_name: org,
                    first_name: first,
                    middle_name: middle,
                    last_name: last,
                    addresses,
                    status: if archived {
                        ContactStatus::Archived
                    } else {
                        ContactStatus::Active
                    },
                    client_group: Some("Group".into()),
                    contact_type: Some("Client".into()),
                    ..Contact::default()
                };
                for e in emails {
                    c = c.with_email(e);
                }
                for (k, n) in phones {
                    c = c.with_phone(k, n);
                }
                c.extras.business_structure = structure;
                c
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_client_add_reads_back_as_what_xpm_carries(c in contact()) {
        match xpm::encode_client_add(&c) {
            Ok(body) => {
                let mut expected = xpm::carried_as_client(&c);
                expected.id = ContactId::default();
                prop_assert_eq!(xpm::decode_client_body(body.as_bytes()).unwrap(), expected.clone());
                // What XPM carries is carried unchanged a second time.
                let again = xpm::encode_client_add(&expected).unwrap();
                prop_assert_eq!(again, body);
            }
            Err(WireError::Invalid { field, .. }) => {
                prop_assert_eq!(field, "Name");
                prop_assert!(xpm::carried_as_client(&c).display_name.is_none());
            }
            Err(e) => prop_assert!(false, "{e}"),
        }
    }

    #[test]
    fn a_contacts_add_reads_back_as_what_xpm_carries(people in proptest::collection::vec(contact(), 1..=10)) {
        let client = ContactId::new("c-1");
        if let Ok(body) = xpm::encode_client_contacts_add(&client, &people) {
            let read = xpm::decode_client_contacts_body(body.as_bytes(), &client).unwrap();
            let expected: Vec<Contact> = people
                .iter()
                .map(|p| Contact { id: ContactId::default(), ..xpm::carried_as_client_contact(p, &client) })
                .collect();
            prop_assert_eq!(read, expected);
        } else {
            prop_assert!(people.iter().any(|p| xpm::carried_as_client_contact(p, &client).display_name.is_none()));
        }
    }

    #[test]
    fn a_client_update_reads_back_as_the_patched_fields(
        email in opt_value(),
        phone in opt_value(),
        physical in proptest::option::of(address()),
        postal in proptest::option::of(address()),
    ) {
        let as_text = |v: &Option<String>| v.as_ref().map(|s| FieldValue::Text(s.clone()));
        let p = patch(Profile::Xpm, vec![
            (SyncField::Email, as_text(&email)),
            (SyncField::PrimaryPhone, as_text(&phone)),
            (SyncField::PhysicalAddress, physical.clone().map(FieldValue::Address)),
            (SyncField::MailingAddress, postal.clone().map(FieldValue::Address)),
        ]);
        let uuid = ContactId::new("u-1");
        let body = xpm::encode_client_update(&uuid, Some("Acme"), &p).unwrap();
        let read = xpm::decode_client_body(body.as_bytes()).unwrap();
        // The patch applied to an empty client, as XPM carries it.
        let mut expected = Contact::named("u-1", "Acme");
        // The field decides an address's kind, not the value's own.
        let mut fixed = p.clone();
        for ch in &mut fixed.changes {
            if let (Some(kind), Some(FieldValue::Address(a))) = (ch.field.address_kind(), ch.new.as_mut()) {
                a.kind = kind;
            }
        }
        fixed.apply_to(&mut expected);
        prop_assert_eq!(read, xpm::carried_as_client(&expected));
    }

    #[test]
    fn multi_line_addresses_keep_every_line_of_text(lines in proptest::collection::vec(".{0,30}", 0..6)) {
        let lines: Vec<String> = lines
            .into_iter()
            .map(|l| l.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')).collect())
            .collect();
        let c = Contact::organization("", "Acme").with_address(Address {
            kind: AddressKind::Physical,
            lines: lines.clone(),
            city: Some("Town".into()),
            ..Address::default()
        });
        let body = xpm::encode_client_add(&c).unwrap();
        let read = xpm::decode_client_body(body.as_bytes()).unwrap();
        let got = &read.addresses[0].lines;
        // Every non-whitespace character survives, in order, and no line
        // comes back empty or with whitespace around it.
        let ink = |s: &[String]| -> String {
            s.iter().flat_map(|l| l.chars()).filter(|c| !matches!(c, ' ' | '\t' | '\n' | '\r')).collect()
        };
        prop_assert_eq!(ink(got), ink(&lines));
        for l in got {
            prop_assert!(!l.is_empty() && l.trim_matches([' ', '\t', '\n', '\r']) == l);
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let client = ContactId::new("c");
        let _ = xpm::decode_any(&bytes);
        let _ = xpm::decode_response(&bytes);
        let _ = xpm::decode_clients(&bytes);
        let _ = xpm::decode_client_body(&bytes);
        let _ = xpm::decode_client_contacts_body(&bytes, &client);
        let _ = xpm::decode_error(400, &bytes);
        let _ = wire::decode_any(&bytes);
    }

    #[test]
    fn random_xml_like_text_never_panics(s in "(<[/!?]?[A-Za-z]{0,8}( [a-z]+=\"[^\"]{0,4}\")?/?>|&[#a-z0-9]{0,6};|<!\\[CDATA\\[|\\]\\]>|[^<&]{0,8}){0,40}") {
        let wrapped = format!("<Response><Clients><Client><UUID>u</UUID>{s}</Client></Clients></Response>");
        for input in [s.as_bytes(), wrapped.as_bytes()] {
            let _ = xpm::decode_any(input);
            let _ = xpm::decode_response(input);
            let _ = xpm::decode_client_body(input);
            let _ = xpm::decode_client_contacts_body(input, &ContactId::new("c"));
        }
    }
}

#[test]
fn every_truncation_of_every_fixture_is_ok_or_a_typed_error() {
    let mut inputs: Vec<Vec<u8>> = own_fixtures("xpm").into_iter().map(|(_, b)| b).collect();
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/wire/fixtures/xpm/xpm-client-list.xml");
    match std::fs::read(&shared) {
        Ok(b) => inputs.push(b),
        Err(_) => eprintln!("skipped: {} is missing", shared.display()),
    }
    let client = ContactId::new("c");
    for bytes in &inputs {
        for end in 0..=bytes.len() {
            let cut = &bytes[..end];
            let _ = xpm::decode_any(cut);
            let _ = xpm::decode_client_body(cut);
            let _ = xpm::decode_client_contacts_body(cut, &client);
            let _ = xpm::decode_error(500, cut);
            match xpm::decode_response(cut) {
                Ok(_) => {}
                Err(
                    WireError::Syntax { .. }
                    | WireError::Shape { .. }
                    | WireError::Unsupported { .. },
                ) => {}
                Err(e) => panic!("unexpected error kind {e:?}"),
            }
        }
    }
}

// ------------------------------------------------------- hostile inputs

#[test]
fn a_contact_under_60_000_clients_is_linked_in_linear_time() {
    // Each new link used to scan the person's list of clients: 60,000
    // clients sharing one contact made 1.8 billion comparisons (a hang in
    // a debug build); with the links in a set it is a fraction of that.
    let n = 60_000;
    let mut xml = String::from("<Response><Status>OK</Status><Clients>");
    for i in 0..n {
        xml.push_str(&format!(
            "<Client><UUID>c{i}</UUID><Name>C</Name><Contacts><Contact><UUID>p</UUID>\
             <Name>P</Name></Contact></Contacts></Client>"
        ));
    }
    xml.push_str("</Clients></Response>");
    let page = xpm::decode_clients(xml.as_bytes()).unwrap();
    assert_eq!(page.records.len(), n + 1);
    let person = page.records.last().unwrap();
    assert_eq!(person.organization_ids.len(), n);
    assert_eq!(
        person.organization_ids[n - 1].as_str(),
        format!("c{}", n - 1)
    );
}

#[test]
fn nesting_100_000_deep_is_an_error_not_a_stack_overflow() {
    let xml = format!("<Response>{}", "<Clients>".repeat(100_000));
    assert!(matches!(
        xpm::decode_response(xml.as_bytes()),
        Err(WireError::Shape { .. })
    ));
    assert!(wire::decode_any(xml.as_bytes()).is_err());
}

#[test]
fn limits_stop_a_listing_at_the_record_item_or_field_past_them() {
    use ledgerlink::wire::{Limit, Limits};
    let xml = br#"<Response><Status>OK</Status><Clients>
        <Client><UUID>a</UUID><Name>A</Name><Contacts><Contact><UUID>p</UUID><Name>P</Name></Contact>
        <Contact><UUID>q</UUID><Name>Q</Name></Contact></Contacts></Client>
        <Client><UUID>b</UUID><Name>Bee</Name></Client></Clients></Response>"#;
    assert_eq!(xpm::decode_clients(xml).unwrap().records.len(), 4);
    let e = xpm::decode_clients_with_limits(xml, &Limits::default().with_max_records(3));
    assert_eq!(
        e,
        Err(WireError::TooLarge {
            provider: Profile::Xpm,
            limit: Limit::Records,
            path: "Clients[1]".into(),
            value: 4,
            max: 3,
        })
    );
    let e = xpm::decode_clients_with_limits(xml, &Limits::default().with_max_items_per_record(1));
    assert_eq!(
        e,
        Err(WireError::TooLarge {
            provider: Profile::Xpm,
            limit: Limit::ItemsPerRecord,
            path: "Clients[0].Contacts[1]".into(),
            value: 2,
            max: 1,
        })
    );
    let e = xpm::decode_clients_with_limits(xml, &Limits::default().with_max_field_bytes(2));
    assert_eq!(
        e,
        Err(WireError::TooLarge {
            provider: Profile::Xpm,
            limit: Limit::FieldBytes,
            path: "Clients[1].Name".into(),
            value: 3,
            max: 2,
        })
    );
    let e = xpm::decode_clients_with_limits(xml, &Limits::default().with_max_input_bytes(8));
    assert!(matches!(
        e,
        Err(WireError::TooLarge {
            limit: Limit::InputBytes,
            ..
        })
    ));
}
