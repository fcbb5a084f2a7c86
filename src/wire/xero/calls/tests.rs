//! Unit tests of the Xero call codec: every contacts builder against the
//! documented request, every reader against each kind of answer.

use chrono::{DateTime, Utc};

use super::*;
use crate::model::ContactStatus;
use crate::rules::Profile;
use crate::sync::{FieldChange, FieldValue, SyncField};

const TENANT: &str = "b2c885a9-4bb9-4a00-9b6e-6c2bf60b1a2b";
const ID: &str = "5cc8cf28-567e-4d43-b287-687cfcaec47c";

fn calls() -> Calls {
    Calls::new(TENANT)
}

fn ok(body: &[u8]) -> Response<'_> {
    Response::new(200, body).with_header("Content-Type", "application/json; charset=utf-8")
}

fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// `n` contacts with ids `c-<first>`… updated at `ms`.
fn contacts_body(first: usize, n: usize, ms: i64, pagination: Option<(u64, u64)>) -> String {
    let records: Vec<String> = (first..first + n)
        .map(|i| {
            format!(
                r#"{{"ContactID":"c-{i:04}","ContactStatus":"ACTIVE","Name":"Contact {i}","UpdatedDateUTC":"/Date({ms}+0000)/"}}"#
            )
        })
        .collect();
    let pages = pagination.map_or_else(String::new, |(p, n)| {
        format!(r#""pagination":{{"page":{p},"pageSize":1000,"pageCount":{n},"itemCount":0}},"#)
    });
    format!(
        r#"{{"Id":"x","Status":"OK","ProviderName":"t","DateTimeUTC":"/Date(1700000000000)/",{pages}"Contacts":[{}]}}"#,
        records.join(",")
    )
}

fn email_patch(address: &str) -> FieldPatch {
    FieldPatch {
        profile: Profile::XeroGl,
        changes: vec![FieldChange {
            field: SyncField::Email,
            old: None,
            new: Some(FieldValue::Text(address.into())),
        }],
    }
}

fn headers(r: &Request) -> Vec<(&str, &str)> {
    r.headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[test]
fn the_full_listing_asks_for_archived_contacts_in_pages_of_1000() {
    let r = calls().list(None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.method, Method::Get);
    assert_eq!(r.path, "Contacts");
    assert_eq!(
        r.path_and_query(),
        "Contacts?page=1&pageSize=1000&includeArchived=true&order=ContactID%20ASC"
    );
    assert_eq!(
        headers(&r),
        vec![("Accept", "application/json"), ("xero-tenant-id", TENANT)]
    );
    assert!(r.body.is_empty());
    assert_eq!(r.idempotency_key, None);
    let r2 = calls()
        .list(Some("3;b=c-1,c-2"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r2.query_value("page"), Some("3"));
    assert_eq!(
        calls()
            .list(Some("2"))
            .map(|r| r.query_value("page").map(str::to_owned)),
        Ok(Some("2".into()))
    );
}

#[test]
fn bad_tokens_cursors_and_tenants_are_refused_before_sending() {
    for bad in ["0", "page two", "2;q=1", "2;s=1"] {
        assert!(
            matches!(
                calls().list(Some(bad)),
                Err(AdapterError::Validation { .. })
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        calls().list_changes(Some("last tuesday"), None),
        Err(AdapterError::Validation { .. })
    ));
    for tenant in ["", " t", "t\n", "té"] {
        assert!(
            matches!(
                Calls::new(tenant).list(None),
                Err(AdapterError::Validation { .. })
            ),
            "{tenant:?}"
        );
    }
}

#[test]
fn the_change_listing_sends_if_modified_since_from_the_cursor() {
    let r = calls()
        .list_changes(Some("2026-12-06T09:59:55Z"), None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        r.path_and_query(),
        "Contacts?page=1&pageSize=1000&includeArchived=true&order=ContactID%20ASC"
    );
    assert_eq!(
        r.header("If-Modified-Since"),
        Some("Sun, 06 Dec 2026 09:59:55 GMT")
    );
    assert_eq!(r.header("Accept"), Some("application/json"));
    let all = calls()
        .list_changes(None, None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.header("If-Modified-Since"), None);
}

#[test]
fn create_puts_the_contact_with_its_key() {
    let c = Contact::named("", "Harbour Lights Cafe");
    let r = calls()
        .create(&c, "ledgerlink:s:r1:op-1")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((r.method, r.path.as_str()), (Method::Put, "Contacts"));
    assert!(r.query.is_empty());
    assert_eq!(
        headers(&r),
        vec![
            ("Accept", "application/json"),
            ("xero-tenant-id", TENANT),
            ("Content-Type", "application/json"),
            ("Idempotency-Key", "ledgerlink:s:r1:op-1"),
        ]
    );
    assert_eq!(r.idempotency_key.as_deref(), Some("ledgerlink:s:r1:op-1"));
    assert_eq!(
        Ok(r.body),
        super::super::encode_contact_create(&c).map_err(|e| e.to_string())
    );
    // Refusals: nothing to send.
    assert!(matches!(
        calls().create(&c, ""),
        Err(AdapterError::Validation { code: None, .. })
    ));
    assert!(matches!(
        calls().create(&c, &"k".repeat(129)),
        Err(AdapterError::Validation { .. })
    ));
    let Err(AdapterError::Validation { message, .. }) =
        calls().create(&Contact::named("", ""), "k")
    else {
        panic!("an unnamed contact is refused")
    };
    assert!(message.contains("Xero"), "{message}");
}

#[test]
fn update_posts_the_patch_and_sends_no_version() {
    let version = VersionToken::UpdatedAt(time("2026-01-01T00:00:00Z"));
    let r = calls()
        .update(
            &ContactId::new(ID),
            &email_patch("ap@harbour.test"),
            Some(&version),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.method, Method::Post);
    assert_eq!(r.path, format!("Contacts/{ID}"));
    assert_eq!(r.header("If-Unmodified-Since"), None);
    assert_eq!(r.header("Idempotency-Key"), None);
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert!(!r.body.contains("UpdatedDateUTC"), "{}", r.body);
    assert!(r.body.contains("ap@harbour.test"));
    let same = calls()
        .update(&ContactId::new(ID), &email_patch("ap@harbour.test"), None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(same, r, "the version changes nothing");
    assert!(matches!(
        calls().update(&ContactId::new("a/b"), &email_patch("x@y.test"), None),
        Err(AdapterError::Validation { .. })
    ));
}

#[test]
fn a_listing_pages_by_pagination_else_by_a_full_page() {
    let c = calls();
    let body = contacts_body(0, 2, 1_700_000_000_000, Some((1, 2)));
    let page = c
        .read_list(None, &ok(body.as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.contacts.len(), 2);
    assert_eq!(page.next_page.as_deref(), Some("2;b=c-0000,c-0001"));
    let last = contacts_body(2, 1, 0, Some((2, 2)));
    let page = c
        .read_list(Some("2;b=c-0000,c-0001"), &ok(last.as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.next_page, None);
    // No pagination: exactly a full page may be followed by another.
    let full = contacts_body(0, MAX_PAGE_SIZE, 0, None);
    let page = c
        .read_list(None, &ok(full.as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(page.next_page.is_some_and(|t| t.starts_with("2;b=")));
    let short = contacts_body(0, 3, 0, None);
    let page = c
        .read_list(None, &ok(short.as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.next_page, None);
}

#[test]
fn repeats_of_the_previous_page_end_are_dropped() {
    // A contact created before c-0001 between the pages moved c-0001 on
    // to page 2.
    let body = contacts_body(1, 3, 0, Some((2, 2)));
    let page = calls()
        .read_list(Some("2;b=c-0000,c-0001"), &ok(body.as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = page.contacts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c-0002", "c-0003"]);
}

#[test]
fn the_change_cursor_is_the_servers_time_when_the_listing_began() {
    let c = calls();
    let since = Some("2023-11-14T00:00:00Z");
    // First page: DateTimeUTC /Date(1700000000000)/ = 2023-11-14T22:13:20Z.
    let first = contacts_body(0, 2, 1_699_999_000_000, Some((1, 2)));
    let p1 = c
        .read_changes(since, None, &ok(first.as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p1.cursor, None);
    assert!(p1.deleted.is_empty());
    let token = p1.next_page.unwrap_or_default();
    assert!(token.starts_with("2;s=1700000000000;b="), "{token}");
    // A later page whose envelope says another time changes nothing.
    let later = contacts_body(2, 1, 1_700_000_500_000, Some((2, 2)))
        .replace("1700000000000)/", "1700000900000)/");
    let p2 = c
        .read_changes(since, Some(&token), &ok(later.as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p2.next_page, None);
    assert_eq!(p2.cursor.as_deref(), Some("2023-11-14T22:13:15Z"));
    assert_eq!(p2.changed.len(), 1);
}

#[test]
fn without_an_envelope_time_the_date_header_then_the_first_page_decide() {
    let c = calls();
    let body = contacts_body(0, 1, 1_600_000_000_000, None)
        .replace(r#""DateTimeUTC":"/Date(1700000000000)/","#, "");
    let with_date = ok(body.as_bytes()).with_header("Date", "Sun, 06 Dec 2026 10:00:00 GMT");
    let p = c
        .read_changes(None, None, &with_date)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.cursor.as_deref(), Some("2026-12-06T09:59:55Z"));
    // Neither: the latest UpdatedDateUTC of the first page.
    let p = c
        .read_changes(None, None, &ok(body.as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.cursor.as_deref(), Some("2020-09-13T12:26:35Z"));
    // An empty first page without a time keeps the cursor given.
    let empty = br#"{"Contacts":[]}"#;
    let p = c
        .read_changes(Some("2024-01-01T00:00:00Z"), None, &ok(empty))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.cursor.as_deref(), Some("2024-01-01T00:00:00Z"));
    let p = c
        .read_changes(None, None, &ok(empty))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.cursor.as_deref(), Some("1970-01-01T00:00:00Z"));
}

#[test]
fn not_modified_is_an_empty_last_page() {
    let a = Response::new(304, b"").with_header("Date", "Sun, 06 Dec 2026 10:00:00 GMT");
    let p = calls()
        .read_changes(Some("2026-12-01T00:00:00Z"), None, &a)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(p.changed.is_empty());
    assert_eq!(p.next_page, None);
    assert_eq!(p.cursor.as_deref(), Some("2026-12-06T09:59:55Z"));
}

/// Every reader of a contact answer maps the failures alike.
fn each_reader(answer: &Response<'_>) -> Vec<AdapterError> {
    let c = calls();
    let id = ContactId::new(ID);
    vec![
        c.read_list(None, answer).err(),
        c.read_changes(None, None, answer).err(),
        c.read_create(answer).err(),
        c.read_update(&id, answer).err(),
        c.read_create_batch(1, answer).err(),
        c.read_create_invoice(answer).err(),
        c.read_list_payments(None, answer).err(),
        c.read_create_payment(answer).err(),
        {
            let mut f = c.ledger_facts();
            f.read(answer).err()
        },
    ]
    .into_iter()
    .map(|e| e.unwrap_or_else(|| panic!("{} must fail", answer.status)))
    .collect()
}

#[test]
fn failed_answers_map_to_the_adapter_errors() {
    let problem = br#"{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"TokenExpired: token expired at 12/06/2026 10:00:00"}"#;
    for e in each_reader(&Response::new(401, problem)) {
        assert!(
            matches!(e, AdapterError::AccessTokenExpired { .. }),
            "{e:?}"
        );
    }
    let forbidden =
        br#"{"Type":null,"Title":"Forbidden","Status":403,"Detail":"AuthorizationUnsuccessful"}"#;
    for e in each_reader(&Response::new(403, forbidden)) {
        assert!(matches!(e, AdapterError::Authentication { .. }), "{e:?}");
    }
    for e in each_reader(&Response::new(429, b"").with_header("Retry-After", "17")) {
        assert_eq!(
            e,
            AdapterError::RateLimited {
                retry_after_secs: 17
            }
        );
    }
    for e in each_reader(&Response::new(429, b"")) {
        assert_eq!(
            e,
            AdapterError::RateLimited {
                retry_after_secs: super::super::RATE_LIMIT_WINDOW_SECS
            }
        );
    }
    for status in [500, 502, 503, 504, 408] {
        for e in each_reader(&Response::new(status, b"<html>Bad gateway</html>")) {
            assert!(
                matches!(e, AdapterError::Transient { .. }),
                "{status}: {e:?}"
            );
        }
    }
    for body in [
        &b"{\"Contacts\": ["[..],
        b"\x00\xff garbage",
        b"",
        b"[]",
        b"{}",
    ] {
        for e in each_reader(&ok(body)) {
            assert!(
                matches!(e, AdapterError::Transient { .. }),
                "{body:?}: {e:?}"
            );
        }
    }
}

#[test]
fn a_404_names_the_contact_written() {
    let a = Response::new(404, b"The resource you're looking for cannot be found");
    assert_eq!(
        calls().read_update(&ContactId::new(ID), &a),
        Err(AdapterError::NotFound {
            id: ContactId::new(ID)
        })
    );
}

#[test]
fn an_xml_answer_is_refused_naming_xero_and_the_accept_header() {
    let xml = b"<Response xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><Id>x</Id><Status>OK</Status><Contacts><Contact><ContactID>c</ContactID></Contact></Contacts></Response>";
    for answer in [
        Response::new(200, xml),
        Response::new(200, xml).with_header("Content-Type", "text/xml; charset=utf-8"),
    ] {
        for e in each_reader(&answer) {
            let AdapterError::Transient { message } = &e else {
                panic!("{e:?}")
            };
            assert!(
                message.contains("Xero") && message.contains("Accept"),
                "{message}"
            );
        }
    }
}

#[test]
fn an_error_body_in_a_2xx_answer_is_that_error() {
    let body = br#"{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred","Elements":[{"Name":"Acme","ValidationErrors":[{"Message":"The contact name Acme is already assigned to another contact. The contact name must be unique across all active contacts."}]}]}"#;
    assert_eq!(
        calls().read_create(&ok(body)),
        Err(AdapterError::DuplicateName {
            name: "Acme".into()
        })
    );
}

#[test]
fn create_and_update_answer_the_contact_as_stored() {
    let body = contacts_body(7, 1, 1_700_000_000_000, None);
    let c = calls()
        .read_create(&ok(body.as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.id.as_str(), "c-0007");
    assert_eq!(c.status, ContactStatus::Active);
    assert!(c.extras.version.is_some());
    let u = calls()
        .read_update(&ContactId::new("c-0007"), &ok(body.as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(u, c);
    assert!(matches!(
        calls().read_create(&ok(br#"{"Contacts":[]}"#)),
        Err(AdapterError::Transient { .. })
    ));
    // A contact Xero did not create has no id, or the nil one.
    for body in [
        &br#"{"Contacts":[{"Name":"A"}]}"#[..],
        br#"{"Contacts":[{"ContactID":"00000000-0000-0000-0000-000000000000","Name":"A"}]}"#,
    ] {
        assert!(matches!(
            calls().read_create(&ok(body)),
            Err(AdapterError::Transient { .. })
        ));
    }
}

#[test]
fn a_batch_is_one_put_with_a_key_made_from_the_items_keys() {
    let a = Contact::named("", "Rosa's Kitchen");
    let b = Contact::named("", "Smith & Jones");
    let r = calls()
        .create_batch(&[(&a, "k-1"), (&b, "k-2")])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((r.method, r.path.as_str()), (Method::Put, "Contacts"));
    assert_eq!(r.path_and_query(), "Contacts?summarizeErrors=false");
    let key = batch_idempotency_key(&["k-1", "k-2"]);
    assert_eq!(r.header("Idempotency-Key"), Some(key.as_str()));
    assert_eq!(r.idempotency_key.as_deref(), Some(key.as_str()));
    let page = super::super::decode_contacts(r.body.as_bytes()).unwrap_or_default();
    let names: Vec<_> = page.records.iter().map(Contact::label).collect();
    assert_eq!(names, ["Rosa's Kitchen", "Smith & Jones"]);
    // Sent again: the same request, key included.
    assert_eq!(calls().create_batch(&[(&a, "k-1"), (&b, "k-2")]), Ok(r));

    assert!(matches!(
        calls().create_batch(&[]),
        Err(AdapterError::Validation { .. })
    ));
    let many: Vec<(&Contact, &str)> = vec![(&a, "k"); MAX_BATCH_CONTACTS + 1];
    assert!(matches!(
        calls().create_batch(&many),
        Err(AdapterError::Validation { .. })
    ));
    let unnamed = Contact::named("", " ");
    let Err(AdapterError::Validation { message, .. }) =
        calls().create_batch(&[(&a, "k-1"), (&unnamed, "k-2")])
    else {
        panic!("refused")
    };
    assert!(message.starts_with("contact 1 of the batch"), "{message}");
    assert!(calls().create_batch(&[(&a, "k-1"), (&b, "")]).is_err());
}

#[test]
fn a_batch_answer_maps_each_element_in_order() {
    let body = br#"{"Id":"e997d6d7","Status":"OK","DateTimeUTC":"/Date(1551399321121)/","Contacts":[
      {"ContactID":"3ff6d40c-af9a-40a3-89ce-3c1556a25591","ContactStatus":"ACTIVE","Name":"Rosa's Kitchen",
       "UpdatedDateUTC":"/Date(1551399321043+0000)/","HasValidationErrors":false,"StatusAttributeString":"OK"},
      {"ContactID":"00000000-0000-0000-0000-000000000000","Name":"Smith & Jones","HasValidationErrors":true,
       "StatusAttributeString":"ERROR","ValidationErrors":[{"Message":"The contact name Smith & Jones is already assigned to another contact. The contact name must be unique across all active contacts."}]},
      {"Name":"Bad Email","EmailAddress":"a@x","StatusAttributeString":"ERROR",
       "ValidationErrors":[{"Message":"Email address must be valid."}]}]}"#;
    let out = calls()
        .read_create_batch(3, &ok(body))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.len(), 3);
    assert!(matches!(&out[0], Ok(c) if c.id.as_str() == "3ff6d40c-af9a-40a3-89ce-3c1556a25591"));
    assert_eq!(
        out[1],
        Err(AdapterError::DuplicateName {
            name: "Smith & Jones".into()
        })
    );
    assert_eq!(
        out[2],
        Err(AdapterError::Validation {
            code: Some("10".into()),
            message: "Email address must be valid.".into()
        })
    );
    // Another count cannot be matched to the items.
    assert!(matches!(
        calls().read_create_batch(2, &ok(body)),
        Err(AdapterError::Transient { .. })
    ));
}

#[test]
fn a_summarised_batch_refusal_is_mapped_per_element() {
    let body = br#"{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred","Elements":[
      {"Name":"Rosa's Kitchen","HasValidationErrors":false,"ValidationErrors":[]},
      {"Name":"Smith & Jones","HasValidationErrors":true,"ValidationErrors":[{"Message":"The contact name Smith & Jones is already assigned to another contact."}]}]}"#;
    let out = calls()
        .read_create_batch(2, &Response::new(400, body))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(out[0], Err(AdapterError::Transient { .. })));
    assert_eq!(
        out[1],
        Err(AdapterError::DuplicateName {
            name: "Smith & Jones".into()
        })
    );
    // Counted otherwise: the whole answer's error.
    assert!(matches!(
        calls().read_create_batch(3, &Response::new(400, body)),
        Err(AdapterError::DuplicateName { .. })
    ));
}
