//! XPM's call codec through the public API: every builder against the
//! documented request, every reader against real-shaped answers and each
//! error status, the update sequence, the link batch, hostile bytes (the
//! change feed: `xpm_feed`).

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta};
use ledgerlink::model::{Contact, ContactId, ContactStatus, PhoneKind, VersionToken};
use ledgerlink::ports::AdapterError;
use ledgerlink::rules::Profile;
use ledgerlink::sync::{FieldValue, NameValue, SyncField};
use ledgerlink::wire::xpm::{
    self, API_BASE, CHANGES_OVERLAP_SECS, Calls, MAX_CONTACTS_PER_REQUEST,
};
use ledgerlink::wire::{Method, Request, Response};
use proptest::prelude::*;

use crate::support::contacts::patch;
use crate::support::fixtures::fixture;

const TENANT: &str = "0e0c2b1a-4f33-4c2e-9d7a-6b1f3e0a9c11";
const DATE: &str = "Sun, 06 Dec 2026 10:00:00 GMT";

fn calls() -> Calls {
    Calls::new(TENANT)
}

fn ok(body: &[u8]) -> Response<'_> {
    Response::new(200, body).with_header("Date", DATE)
}

fn text(s: &str) -> Option<FieldValue> {
    Some(FieldValue::Text(s.into()))
}

fn rename(s: &str) -> Option<FieldValue> {
    Some(FieldValue::Name(NameValue {
        display: s.into(),
        ..NameValue::default()
    }))
}

fn assert_headers(r: &Request, write: bool) {
    assert_eq!(r.header("xero-tenant-id"), Some(TENANT));
    assert_eq!(r.header("Accept"), Some("application/xml"));
    assert_eq!(r.header("Authorization"), None, "the adapter adds it");
    assert_eq!(
        r.header("Content-Type"),
        write.then_some("application/xml"),
        "{r:?}"
    );
    assert_eq!(r.idempotency_key, None, "XPM takes no idempotency key");
}

const CLIENT_ANSWER: &[u8] = b"<Response><Status>OK</Status><Client>\
    <UUID>c1</UUID><Name>Acme Ltd</Name><Email>ap@acme.example</Email>\
    <Fax>04 555 0199</Fax><BusinessStructure>Company</BusinessStructure>\
    <IsArchived>No</IsArchived><IsDeleted>No</IsDeleted><Contacts /></Client></Response>";

const CONTACT_ANSWER: &[u8] = b"<Response><Status>OK</Status><Contact>\
    <UUID>p1</UUID><Name>Jane Smith</Name><Mobile>021 1</Mobile><Email>jane@acme.example</Email>\
    <Phone /><IsDeleted>No</IsDeleted></Contact></Response>";

const NOT_FOUND: &[u8] =
    b"<Response><Status>ERROR</Status><ErrorDescription>Client not found</ErrorDescription></Response>";

// ------------------------------------------------------------- builders

#[test]
fn the_full_listing_is_the_detailed_list_in_one_page() {
    let r = calls().list(None).unwrap();
    assert_eq!(r.method, Method::Get);
    assert_eq!(
        r.url(API_BASE),
        "https://api.xero.com/practicemanager/3.1/client.api/list?detailed=true"
    );
    assert_eq!(r.body, "");
    assert_headers(&r, false);
    let e = calls().list(Some("2")).unwrap_err();
    assert!(matches!(e, AdapterError::Validation { .. }), "{e:?}");
}

#[test]
fn the_change_listing_asks_for_modified_clients_in_utc() {
    let r = calls().list_changes(None, None).unwrap();
    assert_eq!(r.path_and_query(), "client.api/list?detailed=true");
    let r = calls()
        .list_changes(Some("2026-12-06T11:59:00+02:00"), None)
        .unwrap();
    assert_eq!(r.query_value("modifiedsince"), Some("2026-12-06T09:59:00"));
    assert_eq!(r.query_value("detailed"), Some("true"));
    assert_headers(&r, false);
    for bad in ["", "last week", "2026-12-06"] {
        assert!(
            matches!(
                calls().list_changes(Some(bad), None),
                Err(AdapterError::Validation { .. })
            ),
            "{bad:?}"
        );
    }
    assert!(calls().list_changes(None, Some("x")).is_err());
}

#[test]
fn creates_add_a_client_or_a_contact_under_its_one_client() {
    let acme = Contact::organization("L1", "Acme Ltd").with_email("ap@acme.example");
    let r = calls().create(&acme, "ledgerlink:k:1").unwrap();
    assert_eq!(
        (r.method, r.path.as_str()),
        (Method::Post, "client.api/add")
    );
    assert_eq!(r.body, xpm::encode_client_add(&acme).unwrap());
    assert_headers(&r, true);

    let jane = Contact::person("L2", "Jane", "Smith")
        .with_phone(PhoneKind::Mobile, "021 1")
        .linked_to("c1");
    let r = calls().create(&jane, "ledgerlink:k:2").unwrap();
    assert_eq!(
        (r.method, r.path.as_str()),
        (Method::Post, "client.api/contact")
    );
    assert_eq!(
        r.body,
        "<Contact><Name>Jane Smith</Name><Mobile>021 1</Mobile>\
         <Client><UUID>c1</UUID></Client></Contact>"
    );
    assert_headers(&r, true);
    // The body reads back as the contact XPM keeps, under its client.
    let read = xpm::decode_client_contacts_body(r.body.as_bytes(), &ContactId::new("c1")).unwrap();
    let mut expected = xpm::carried_as_client_contact(&jane, &ContactId::new("c1"));
    expected.id = ContactId::default(); // an add body has no UUID
    assert_eq!(read, [expected]);

    let twice = jane.clone().linked_to("c2");
    let e = calls().create(&twice, "k").unwrap_err();
    assert!(
        matches!(&e, AdapterError::Validation { message, .. } if message.contains("link")),
        "{e:?}"
    );
    let e = calls().create(&Contact::default(), "k").unwrap_err();
    assert!(
        matches!(&e, AdapterError::Validation { code: None, message } if message.contains("Xero Practice Manager")),
        "{e:?}"
    );
}

#[test]
fn updates_with_the_record_at_hand_are_one_request() {
    let p = patch(
        Profile::Xpm,
        vec![(SyncField::Email, text("x@acme.example"))],
    );
    let client = Contact::organization("c1", "Acme Ltd");
    let r = calls().update_known(&client, &p).unwrap();
    assert_eq!(
        (r.method, r.path.as_str()),
        (Method::Put, "client.api/update")
    );
    assert_eq!(
        r.body,
        "<Client><UUID>c1</UUID><Name>Acme Ltd</Name><Email>x@acme.example</Email></Client>"
    );
    assert_headers(&r, true);
    let jane = Contact::named("p1", "Jane Smith").linked_to("c1");
    let r = calls().update_known(&jane, &p).unwrap();
    assert_eq!(
        (r.method, r.path.as_str()),
        (Method::Put, "client.api/contact/p1")
    );
    assert_eq!(
        r.body,
        "<Contact><Name>Jane Smith</Name><Email>x@acme.example</Email></Contact>"
    );
    let fax = patch(Profile::Xpm, vec![(SyncField::FaxPhone, text("1"))]);
    assert!(matches!(
        calls().update_known(&jane, &fax),
        Err(AdapterError::Validation { .. })
    ));
}

/// Runs an update against canned answers, by request path; returns the
/// requests sent and the outcome.
fn run_update(
    p: &ledgerlink::sync::FieldPatch,
    answers: &BTreeMap<&str, Response<'_>>,
) -> (Vec<(Method, String)>, Result<Contact, AdapterError>) {
    let mut u = calls()
        .update(
            &ContactId::new("u1"),
            p,
            Some(&VersionToken::UpdatedAt(DateTime::UNIX_EPOCH)),
        )
        .unwrap();
    let mut sent = Vec::new();
    for _ in 0..10 {
        let Some(r) = u.next_request().unwrap() else {
            break;
        };
        sent.push((r.method, r.path.clone()));
        let key = format!("{} {}", r.method, r.path);
        let answer = answers
            .get(key.as_str())
            .unwrap_or_else(|| panic!("no answer for {key}"));
        if let Err(e) = u.read(answer) {
            return (sent, Err(e));
        }
    }
    (sent, u.finish())
}

#[test]
fn updates_read_the_record_only_when_the_patch_lacks_its_kind_or_name() {
    let client_get = ok(CLIENT_ANSWER);
    let client_put = ok(CLIENT_ANSWER);
    let contact_get = ok(CONTACT_ANSWER);
    let contact_put = ok(CONTACT_ANSWER);
    let not_found = ok(NOT_FOUND);
    let answers = |client: bool| {
        let mut m = BTreeMap::new();
        if client {
            m.insert("GET client.api/get/u1", client_get.clone());
            m.insert("PUT client.api/update", client_put.clone());
        } else {
            m.insert("GET client.api/get/u1", not_found.clone());
            m.insert("PUT client.api/update", Response::new(404, b""));
        }
        m.insert("GET client.api/contact/u1", contact_get.clone());
        m.insert("PUT client.api/contact/u1", contact_put.clone());
        m
    };
    let get = |p: &str| (Method::Get, p.to_owned());
    let put = |p: &str| (Method::Put, p.to_owned());

    // Renamed, with a client-only field: the write alone.
    let p = patch(
        Profile::Xpm,
        vec![
            (SyncField::Name, rename("Acme Ltd")),
            (SyncField::FaxPhone, text("04 555 0199")),
        ],
    );
    let (sent, out) = run_update(&p, &answers(true));
    assert_eq!(sent, [put("client.api/update")]);
    assert_eq!(out.unwrap().id, "c1");

    // Renamed, email only: the client write, then the contact write when
    // no such client exists.
    let p = patch(
        Profile::Xpm,
        vec![
            (SyncField::Name, rename("Jane Smith")),
            (SyncField::Email, text("j@x.example")),
        ],
    );
    let (sent, out) = run_update(&p, &answers(true));
    assert_eq!(sent, [put("client.api/update")]);
    assert!(out.is_ok());
    let (sent, out) = run_update(&p, &answers(false));
    assert_eq!(
        sent,
        [put("client.api/update"), put("client.api/contact/u1")]
    );
    assert_eq!(out.unwrap().display_name.as_deref(), Some("Jane Smith"));

    // Not renamed: the name is read first.
    let p = patch(
        Profile::Xpm,
        vec![(SyncField::FaxPhone, text("04 555 0199"))],
    );
    let (sent, _) = run_update(&p, &answers(true));
    assert_eq!(sent, [get("client.api/get/u1"), put("client.api/update")]);
    let p = patch(Profile::Xpm, vec![(SyncField::MobilePhone, text("021 1"))]);
    let (sent, out) = run_update(&p, &answers(false));
    assert_eq!(
        sent,
        [get("client.api/contact/u1"), put("client.api/contact/u1")]
    );
    assert_eq!(out.unwrap().id, "p1");
    let p = patch(Profile::Xpm, vec![(SyncField::Email, text("j@x.example"))]);
    let (sent, _) = run_update(&p, &answers(true));
    assert_eq!(sent, [get("client.api/get/u1"), put("client.api/update")]);
    let (sent, out) = run_update(&p, &answers(false));
    assert_eq!(
        sent,
        [
            get("client.api/get/u1"),
            get("client.api/contact/u1"),
            put("client.api/contact/u1")
        ]
    );
    assert!(out.is_ok());

    // A contact that does not exist either: not found, after two reads.
    let mut gone = answers(false);
    gone.insert("GET client.api/contact/u1", ok(NOT_FOUND));
    let (sent, out) = run_update(&p, &gone);
    assert_eq!(sent.len(), 2);
    assert!(matches!(out, Err(AdapterError::NotFound { .. })), "{out:?}");
}

#[test]
fn the_name_read_is_the_name_sent() {
    let p = patch(Profile::Xpm, vec![(SyncField::FaxPhone, text("1"))]);
    let mut u = calls().update(&ContactId::new("c1"), &p, None).unwrap();
    let get = u.next_request().unwrap().unwrap();
    assert_eq!(get.method, Method::Get);
    assert_headers(&get, false);
    u.read(&ok(CLIENT_ANSWER)).unwrap();
    let put = u.next_request().unwrap().unwrap();
    assert_eq!(
        put.body,
        "<Client><UUID>c1</UUID><Name>Acme Ltd</Name><Fax>1</Fax></Client>"
    );
    assert_headers(&put, true);
    assert!(!u.is_done());
    u.read(&ok(CLIENT_ANSWER)).unwrap();
    assert!(u.is_done());
    assert_eq!(u.next_request().unwrap(), None);
    assert!(matches!(
        u.read(&ok(CLIENT_ANSWER)),
        Err(AdapterError::Validation { .. })
    ));
    assert_eq!(u.finish().unwrap().id, "c1");
}

#[test]
fn a_throttled_step_is_sent_again_and_an_unfinished_update_is_not_a_record() {
    let p = patch(Profile::Xpm, vec![(SyncField::FaxPhone, text("1"))]);
    let mut u = calls().update(&ContactId::new("c1"), &p, None).unwrap();
    let first = u.next_request().unwrap();
    let throttled = Response::new(429, b"").with_header("Retry-After", "7");
    assert_eq!(
        u.read(&throttled),
        Err(AdapterError::RateLimited {
            retry_after_secs: 7
        })
    );
    assert_eq!(u.next_request().unwrap(), first, "the same request again");
    assert!(matches!(
        u.clone().finish(),
        Err(AdapterError::Transient { .. })
    ));
    u.read(&ok(CLIENT_ANSWER)).unwrap();
    assert!(matches!(u.finish(), Err(AdapterError::Transient { .. })));
}

#[test]
fn contacts_are_linked_ten_at_a_time_and_each_answered_in_order() {
    let client = ContactId::new("c1");
    let ids: Vec<ContactId> = (1..=3).map(|i| ContactId::new(format!("p{i}"))).collect();
    let r = calls().link_contacts(&client, &ids).unwrap();
    assert_eq!(
        (r.method, r.path.as_str()),
        (Method::Post, "client.api/client/c1/contacts")
    );
    assert_eq!(
        r.body,
        "<Client><Contacts><Contact><UUID>p1</UUID></Contact><Contact><UUID>p2</UUID></Contact>\
         <Contact><UUID>p3</UUID></Contact></Contacts></Client>"
    );
    assert_headers(&r, true);
    let many: Vec<ContactId> = (0..=MAX_CONTACTS_PER_REQUEST)
        .map(|i| ContactId::new(format!("p{i}")))
        .collect();
    assert!(
        calls()
            .link_contacts(&client, &many[..MAX_CONTACTS_PER_REQUEST])
            .is_ok()
    );
    assert!(matches!(
        calls().link_contacts(&client, &many),
        Err(AdapterError::Validation { .. })
    ));
    assert!(calls().link_contacts(&client, &[]).is_err());

    let answer = ok(
        b"<Response><Status>OK</Status><Client><UUID>c1</UUID><Contacts>\
        <Contact><UUID>p3</UUID><Position /><IsPrimary>No</IsPrimary></Contact>\
        <Contact><UUID>p1</UUID><IsPrimary>No</IsPrimary></Contact>\
        </Contacts></Client></Response>",
    );
    let results = calls().read_link_contacts(&client, &ids, &answer).unwrap();
    assert_eq!(results[0], Ok(ContactId::new("p1")));
    assert!(
        matches!(&results[1], Err(AdapterError::Validation { message, .. }) if message.contains("p2"))
    );
    assert_eq!(results[2], Ok(ContactId::new("p3")));
    let bare = ok(b"<Response><Status>OK</Status></Response>");
    let results = calls().read_link_contacts(&client, &ids, &bare).unwrap();
    assert!(results.iter().all(Result::is_ok));
    let refused = calls().read_link_contacts(&client, &ids, &ok(NOT_FOUND));
    assert!(matches!(refused, Err(AdapterError::NotFound { .. })));
}

// -------------------------------------------------------------- readers

#[test]
fn the_listing_reads_every_client_archived_and_deleted_ones_too() {
    let body = fixture("xpm/client-list-detailed.xml");
    let page = calls().read_list(None, &ok(&body)).unwrap();
    assert_eq!(page.next_page, None);
    let by_id: BTreeMap<&str, &Contact> =
        page.contacts.iter().map(|c| (c.id.as_str(), c)).collect();
    for id in [
        "5b1c7a0e-2f0d-4c55-9a53-1d2a3b4c5d03",
        "5b1c7a0e-2f0d-4c55-9a53-1d2a3b4c5d04",
    ] {
        assert_eq!(by_id[id].status, ContactStatus::Archived, "{id}");
    }
    // The clients' contacts as people linked to them.
    let fred = by_id["aa000000-0000-4000-8000-000000000002"];
    assert_eq!(fred.organization_ids.len(), 2);
    assert_eq!(
        page.contacts.len(),
        xpm::decode_clients(&body).unwrap().records.len()
    );
    let empty = calls()
        .read_list(None, &ok(&fixture("xpm/client-list-empty.xml")))
        .unwrap();
    assert!(empty.contacts.is_empty());
    assert!(calls().read_list(Some("2"), &ok(&body)).is_err());
}

#[test]
fn the_change_cursor_is_the_servers_date_less_the_overlap() {
    let body = fixture("xpm/client-list-detailed.xml");
    let page = calls()
        .read_changes(Some("2026-12-01T00:00:00Z"), None, &ok(&body))
        .unwrap();
    assert_eq!(page.next_page, None);
    assert!(
        page.deleted.is_empty(),
        "XPM lists deleted clients as archived"
    );
    assert!(
        page.changed
            .iter()
            .any(|c| c.id == "5b1c7a0e-2f0d-4c55-9a53-1d2a3b4c5d04"
                && c.status == ContactStatus::Archived)
    );
    let expected = DateTime::parse_from_rfc2822(DATE).unwrap().to_utc()
        - TimeDelta::seconds(i64::from(CHANGES_OVERLAP_SECS));
    assert_eq!(
        page.cursor,
        Some(expected.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    );
    // The cursor reads back into the next request.
    let next = calls().list_changes(page.cursor.as_deref(), None).unwrap();
    assert_eq!(
        next.query_value("modifiedsince"),
        Some("2026-12-06T09:59:00")
    );
    let none = calls().read_changes(None, None, &ok(&body)).unwrap();
    assert_eq!(none.cursor, page.cursor);
    let wider = calls().with_changes_overlap_secs(600);
    let page = wider.read_changes(None, None, &ok(&body)).unwrap();
    assert_eq!(page.cursor.as_deref(), Some("2026-12-06T09:50:00Z"));

    // Without the server's clock there is no cursor: a full listing instead.
    let no_date = Response::new(200, &body[..]);
    assert!(matches!(
        calls().read_changes(None, None, &no_date),
        Err(AdapterError::Unsupported { .. })
    ));
    assert!(
        calls()
            .read_changes(Some("soon"), None, &ok(&body))
            .is_err()
    );
}

#[test]
fn creates_and_updates_answer_the_record_as_stored() {
    let c = calls().read_create(&ok(CLIENT_ANSWER)).unwrap();
    assert_eq!(
        (c.id.as_str(), c.display_name.as_deref()),
        ("c1", Some("Acme Ltd"))
    );
    let p = calls().read_create(&ok(CONTACT_ANSWER)).unwrap();
    assert_eq!(p.id, "p1");
    assert_eq!(
        p.phone(PhoneKind::Mobile).map(|p| p.number.as_str()),
        Some("021 1")
    );
    assert!(p.organization_ids.is_empty());
    let bare = ok(b"<Response><Status>OK</Status></Response>");
    assert!(matches!(
        calls().read_create(&bare),
        Err(AdapterError::Transient { .. })
    ));
    let u = calls()
        .read_update(&ContactId::new("c1"), &ok(CLIENT_ANSWER))
        .unwrap();
    assert_eq!(
        u.phone(PhoneKind::Fax).map(|p| p.number.as_str()),
        Some("04 555 0199")
    );
    assert!(matches!(
        calls().read_update(&ContactId::new("c1"), &bare),
        Err(AdapterError::Transient { .. })
    ));
}

/// Every reader of the codec, on one answer.
fn read_all(answer: &Response<'_>) -> Vec<Result<(), AdapterError>> {
    let c = calls();
    let ids = [ContactId::new("p1")];
    vec![
        c.read_list(None, answer).map(drop),
        c.read_changes(None, None, answer).map(drop),
        c.read_create(answer).map(drop),
        c.read_update(&ContactId::new("c1"), answer).map(drop),
        c.read_link_contacts(&ContactId::new("c1"), &ids, answer)
            .map(drop),
    ]
}

#[test]
fn errors_inside_200_answers_are_xpms_errors() {
    for r in read_all(&ok(&fixture("xpm/error-not-found.xml"))) {
        assert!(
            matches!(&r, Err(AdapterError::NotFound { id }) if id == "720c21d3-e812-4bb1-9d6b-ddeb4745e7b9"),
            "{r:?}"
        );
    }
    for r in read_all(&ok(&fixture("xpm/error-validation.xml"))) {
        assert_eq!(
            r,
            Err(AdapterError::Validation {
                code: None,
                message: "Name is required".into()
            })
        );
    }
}

/// What an answer's error must be.
type Expect = fn(&AdapterError) -> bool;

#[test]
fn http_statuses_map_to_adapter_errors() {
    let xml_401 = b"<Response><Status>ERROR</Status><ErrorDescription>Unauthorized</ErrorDescription></Response>";
    let cases: Vec<(Response<'_>, Expect)> = vec![
        (Response::new(401, xml_401), |e| {
            matches!(e, AdapterError::AccessTokenExpired { .. })
        }),
        (Response::new(403, b""), |e| {
            matches!(e, AdapterError::Authentication { .. })
        }),
        (Response::new(404, b""), |e| {
            matches!(e, AdapterError::NotFound { .. })
        }),
        (
            Response::new(429, b"").with_header("Retry-After", "12"),
            |e| {
                *e == AdapterError::RateLimited {
                    retry_after_secs: 12,
                }
            },
        ),
        (
            Response::new(429, b"")
                .with_header("Date", DATE)
                .with_header("Retry-After", "Sun, 06 Dec 2026 10:01:30 GMT"),
            |e| {
                *e == AdapterError::RateLimited {
                    retry_after_secs: 90,
                }
            },
        ),
        (Response::new(429, b""), |e| {
            *e == AdapterError::RateLimited {
                retry_after_secs: xpm::DEFAULT_RETRY_AFTER_SECS,
            }
        }),
        (Response::new(500, b"oops"), |e| {
            matches!(e, AdapterError::Transient { .. })
        }),
        (Response::new(503, b""), |e| {
            matches!(e, AdapterError::Transient { .. })
        }),
        // A 2xx that cannot be read: the call may have happened.
        (
            ok(b"<Response><Status>OK</Status><Clients><Client><UUID>c"),
            |e| matches!(e, AdapterError::Transient { .. }),
        ),
        (ok(b"<Response><Status>MAYBE</Status></Response>"), |e| {
            matches!(e, AdapterError::Transient { .. })
        }),
        (Response::new(204, b""), |e| {
            matches!(e, AdapterError::Transient { .. })
        }),
    ];
    for (answer, expected) in &cases {
        for r in read_all(answer) {
            let e = r.unwrap_err();
            assert!(expected(&e), "HTTP {}: {e:?}", answer.status);
        }
    }
}

#[test]
fn json_from_the_gateway_is_named_as_not_xpms_xml() {
    // The shape Xero's gateway answers in (title / status / detail).
    let body = br#"{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"TokenExpired: token expired at 12/06/2026 09:30:00","Instance":"5c2e"}"#;
    for r in read_all(&Response::new(401, body)) {
        let e = r.unwrap_err();
        assert!(
            matches!(&e, AdapterError::AccessTokenExpired { message } if message.contains("Xero Practice Manager") && message.contains("TokenExpired")),
            "{e:?}"
        );
    }
    let forbidden = br#"{"title":"Forbidden","status":403,"detail":"AuthorizationUnsuccessful"}"#;
    for r in read_all(&Response::new(403, forbidden)) {
        assert!(
            matches!(r, Err(AdapterError::Authentication { ref message }) if message.contains("Xero Practice Manager"))
        );
    }
    for r in read_all(&ok(br#"{"Clients":[]}"#)) {
        assert!(
            matches!(&r, Err(AdapterError::Transient { message }) if message.contains("Xero Practice Manager") && message.contains("not XPM's XML")),
            "{r:?}"
        );
    }
    for r in read_all(&Response::new(
        502,
        b"<html><body>Bad gateway</body></html>",
    )) {
        assert!(
            matches!(r, Err(AdapterError::Transient { ref message }) if message.contains("Xero Practice Manager"))
        );
    }
}

// ----------------------------------------------------------- properties

proptest! {
    #[test]
    fn random_bytes_into_every_reader_are_typed_errors(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        status in prop_oneof![Just(200u16), Just(201), Just(400), Just(401), Just(429), Just(500), 100u16..600],
    ) {
        let answer = Response::new(status, &bytes).with_header("Date", DATE);
        let _ = read_all(&answer);
        let p = patch(Profile::Xpm, vec![(SyncField::Email, text("a@b.example"))]);
        let mut u = calls().update(&ContactId::new("u1"), &p, None).unwrap();
        for _ in 0..4 {
            if u.next_request().unwrap().is_none() {
                break;
            }
            let _ = u.read(&answer);
        }
    }

    #[test]
    fn truncated_answers_are_typed_errors(cut in 0usize..400, which in 0usize..4) {
        let full = [
            fixture("xpm/client-list-detailed.xml"),
            CLIENT_ANSWER.to_vec(),
            CONTACT_ANSWER.to_vec(),
            fixture("xpm/error-validation.xml"),
        ];
        let body = &full[which];
        let cut = &body[..cut.min(body.len())];
        for r in read_all(&ok(cut)) {
            let paging = matches!(r, Err(AdapterError::Paging { .. }));
            prop_assert!(!paging);
        }
    }
}
