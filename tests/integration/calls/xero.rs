//! The Xero call codec (`wire::xero::Calls`): readers on Xero's own
//! example answers (../shared/wire/fixtures/xero) and on the crate's
//! fixtures in their shapes, the billing calls, the ledger facts sequence,
//! and the change feed and the full listing against a fake Xero whose
//! records change between pages and between listings.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use ledgerlink::billing::InvoiceRef;
use ledgerlink::model::{ContactId, ContactStatus, Currency};
use ledgerlink::ops::{OpId, PagingError};
use ledgerlink::ports::AdapterError;
use ledgerlink::testing::{invoice_draft, payment_draft};
use ledgerlink::wire::xero::{self, API_BASE, CHANGES_OVERLAP_SECS, Calls, MAX_FACT_PAGES};
use ledgerlink::wire::{Method, Request, Response, format_http_date, parse_http_date};
use proptest::prelude::*;
use serde_json::json;

use crate::support::fixtures::{fixture, shared_fixture};
use crate::support::money::usd;
use crate::support::time::{date, day};

const TENANT: &str = "b2c885a9-4bb9-4a00-9b6e-6c2bf60b1a2b";

fn calls() -> Calls {
    Calls::new(TENANT).with_payment_account("090")
}

fn ok(body: &[u8]) -> Response<'_> {
    Response::new(200, body).with_header("Content-Type", "application/json; charset=utf-8")
}

// ---- Xero's example answers ------------------------------------------------

#[test]
fn xeros_contacts_listing_reads_as_one_last_page() {
    let Some(body) = shared_fixture("xero/xero-contacts-get.json") else {
        return;
    };
    let page = calls().read_list(None, &ok(&body)).unwrap();
    assert_eq!(page.contacts.len(), 2);
    assert_eq!(page.next_page, None, "pagination says page 1 of 1");
    // As a change listing: the envelope's DateTimeUTC, 5 s earlier.
    let changes = calls()
        .read_changes(Some("2019-01-01T00:00:00Z"), None, &ok(&body))
        .unwrap();
    assert_eq!(changes.changed, page.contacts);
    assert!(changes.deleted.is_empty());
    // /Date(1551399323399)/ = 2019-03-01T00:15:23.399Z.
    assert_eq!(changes.cursor.as_deref(), Some("2019-03-01T00:15:18Z"));
    assert_eq!(CHANGES_OVERLAP_SECS, 5);
}

#[test]
fn xeros_duplicate_name_refusal_is_a_duplicate_name() {
    let Some(body) = shared_fixture("xero/xero-contacts-put-400-duplicate-name.json") else {
        return;
    };
    let answer = Response::new(400, &body);
    let dup = AdapterError::DuplicateName {
        name: "Buzz Lightyear".into(),
    };
    assert_eq!(calls().read_create(&answer), Err(dup.clone()));
    assert_eq!(calls().read_create_batch(1, &answer), Ok(vec![Err(dup)]));
}

#[test]
fn xeros_payment_listing_and_invoice_answer() {
    if let Some(body) = shared_fixture("xero/xero-payments-get.json") {
        let page = calls().read_list_payments(None, &ok(&body)).unwrap();
        assert_eq!(page.next_page, None);
        let ids: Vec<&str> = page.payments.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            ["99ea7f6b-c513-4066-bc27-b7c65dcd76c2"],
            "ARCREDITPAYMENT left out"
        );
    }
    if let Some(body) = shared_fixture("xero/xero-invoices-get.json") {
        assert_eq!(
            calls().read_create_invoice(&ok(&body)).as_deref(),
            Ok("d4956132-ed94-4dd7-9eaa-aa22dfdf06f2")
        );
    }
    // Xero's own example of an invoice answer carries an element error
    // (`StatusAttributeString` `ERROR`): a refusal, even in a 200.
    if let Some(body) = shared_fixture("xero/xero-invoice-get-by-id.json") {
        assert_eq!(
            calls().read_create_invoice(&ok(&body)),
            Err(AdapterError::Validation {
                code: Some("10".into()),
                message: "Invoice # must be unique.".into()
            })
        );
    }
}

#[test]
fn a_batch_answer_with_refused_and_warned_elements() {
    let body = fixture("xero/contacts-put-batch-mixed.json");
    let out = calls().read_create_batch(4, &ok(&body)).unwrap();
    assert!(
        matches!(&out[0], Ok(c) if c.label() == "Rosa's Kitchen" && c.status == ContactStatus::Active)
    );
    assert_eq!(
        out[1],
        Err(AdapterError::DuplicateName {
            name: "Smith & Jones".into()
        })
    );
    assert!(
        matches!(&out[2], Err(AdapterError::Validation { message, .. }) if message == "Email address must be valid.")
    );
    assert!(matches!(&out[3], Ok(c) if c.id.as_str() == "9a1c2e7b-5d4f-4b8a-a3e6-2c7d8f9e0b12"));
    assert!(matches!(
        calls().read_create_batch(5, &ok(&body)),
        Err(AdapterError::Transient { .. })
    ));
}

// ---- Billing -----------------------------------------------------------------

#[test]
fn an_invoice_is_put_with_its_key() {
    let draft = invoice_draft("INV-A", "1001", "K1", day(11, 3), usd("150.00"));
    let customer = ContactId::new("a3675fc4-f8dd-4f03-ba5b-f1870566bcd7");
    let r = calls()
        .create_invoice(&draft, &customer, "ledgerlink:billing:s:invoice:INV-A")
        .unwrap();
    assert_eq!((r.method, r.path.as_str()), (Method::Put, "Invoices"));
    assert!(r.query.is_empty());
    assert_eq!(r.url(API_BASE), "https://api.xero.com/api.xro/2.0/Invoices");
    assert_eq!(r.header("Accept"), Some("application/json"));
    assert_eq!(r.header("xero-tenant-id"), Some(TENANT));
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(
        r.header("Idempotency-Key"),
        Some("ledgerlink:billing:s:invoice:INV-A")
    );
    assert_eq!(
        r.body,
        xero::encode_invoice_create(&draft, customer.as_str()).unwrap()
    );
    assert!(matches!(
        calls().create_invoice(&draft, &ContactId::new("not an id"), "k"),
        Err(AdapterError::Validation { .. })
    ));
}

#[test]
fn an_invoice_refusal_is_a_validation_error() {
    let body = fixture("xero/error-400-invoice.json");
    assert!(matches!(
        calls().read_create_invoice(&Response::new(400, &body)),
        Err(AdapterError::Validation { .. })
    ));
}

#[test]
fn a_payment_names_the_resolved_invoice_and_the_account() {
    let mut draft = payment_draft(
        "PAY-7",
        "K1",
        day(11, 20),
        usd("150.00"),
        &[("INV-A", usd("150.00"))],
    );
    // The invoice is created by an earlier operation of the same run.
    draft.allocations[0].invoice = InvoiceRef::CreatedBy(OpId("op-1".into()));
    let invoice = "d4956132-ed94-4dd7-9eaa-aa22dfdf06f2".to_owned();
    let customer = ContactId::new("a3675fc4-f8dd-4f03-ba5b-f1870566bcd7");
    let r = calls()
        .create_payment(
            &draft,
            &customer,
            std::slice::from_ref(&invoice),
            "ledgerlink:billing:s:pay:7",
        )
        .unwrap();
    assert_eq!((r.method, r.path.as_str()), (Method::Put, "Payments"));
    assert_eq!(
        r.header("Idempotency-Key"),
        Some("ledgerlink:billing:s:pay:7")
    );
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let p = &body["Payments"][0];
    assert_eq!(p["Invoice"]["InvoiceID"], json!(invoice));
    assert_eq!(p["Account"]["Code"], json!("090"));
    assert_eq!(p["Reference"], json!("PAY-7"));
    assert_eq!(p["Date"], json!("2026-11-20"));

    // Refused before sending.
    let no_account =
        Calls::new(TENANT).create_payment(&draft, &customer, std::slice::from_ref(&invoice), "k");
    assert!(
        matches!(no_account, Err(AdapterError::Validation { message, .. }) if message.contains("with_payment_account"))
    );
    assert!(matches!(
        calls().create_payment(&draft, &customer, &[], "k"),
        Err(AdapterError::Validation { .. })
    ));
    let two = payment_draft(
        "PAY-8",
        "K1",
        day(11, 20),
        usd("200.00"),
        &[("INV-A", usd("150.00")), ("INV-B", usd("50.00"))],
    );
    assert!(matches!(
        calls().create_payment(&two, &customer, &["a".into(), "b".into()], "k"),
        Err(AdapterError::Validation { message, .. }) if message.contains("one payment per invoice")
    ));
}

#[test]
fn a_payment_answer_gives_its_id() {
    let body = br#"{"Id":"x","Status":"OK","DateTimeUTC":"/Date(1552431874205)/","Payments":[
      {"PaymentID":"b26fd49a-cbae-470a-a8f8-bcbc119e0379","Date":"/Date(1552348800000+0000)/","Amount":1.00,
       "Reference":"PAY-7","Status":"AUTHORISED","PaymentType":"ACCRECPAYMENT","HasValidationErrors":false,
       "Invoice":{"InvoiceID":"d4956132-ed94-4dd7-9eaa-aa22dfdf06f2"}}]}"#;
    assert_eq!(
        calls().read_create_payment(&ok(body)).as_deref(),
        Ok("b26fd49a-cbae-470a-a8f8-bcbc119e0379")
    );
    let refused = br#"{"Payments":[{"PaymentID":"00000000-0000-0000-0000-000000000000","StatusAttributeString":"ERROR",
      "ValidationErrors":[{"Message":"Payment amount exceeds the amount outstanding on this document"}]}]}"#;
    assert!(matches!(
        calls().read_create_payment(&ok(refused)),
        Err(AdapterError::Validation { message, .. }) if message.contains("exceeds")
    ));
}

#[test]
fn the_payment_listing_pages_by_number() {
    let r = calls().list_payments(None).unwrap();
    assert_eq!(
        r.path_and_query(),
        "Payments?page=1&pageSize=1000&where=PaymentType%3D%3D%22ACCRECPAYMENT%22&order=PaymentID%20ASC"
    );
    assert_eq!(
        r.query_value("where"),
        Some("PaymentType==\"ACCRECPAYMENT\"")
    );
    assert_eq!(r.header("Accept"), Some("application/json"));
    assert_eq!(
        calls()
            .list_payments(Some("4"))
            .unwrap()
            .query_value("page"),
        Some("4")
    );
    assert!(calls().list_payments(Some("x")).is_err());
    let body = br#"{"pagination":{"page":1,"pageSize":1000,"pageCount":2,"itemCount":1500},"Payments":[]}"#;
    let page = calls().read_list_payments(None, &ok(body)).unwrap();
    assert_eq!(page.next_page.as_deref(), Some("2"));
}

/// The Organisation answer, in the shape of Xero's example.
fn organisation(period: &str, end_of_year: &str) -> Vec<u8> {
    json!({"Id": "27b7a645-a3ee-43c8-b2c6-a2fa7b84c8c5", "Status": "OK",
        "DateTimeUTC": "/Date(1552404447003)/",
        "Organisations": [{"Name": "Demo Company (NZ)", "BaseCurrency": "NZD",
            "PeriodLockDate": period, "EndOfYearLockDate": end_of_year,
            "OrganisationID": "b2c885a9-4bb9-4a00-9b6e-6c2bf60b1a2b"}]})
    .to_string()
    .into_bytes()
}

#[test]
fn the_ledger_facts_come_from_the_organisation_invoices_and_contacts() {
    let invoices_2 = br#"{"pagination":{"page":2,"pageSize":1000,"pageCount":2,"itemCount":1003},
      "Invoices":[{"Type":"ACCPAY","InvoiceNumber":"SUPPLIER-9"},{"Type":"ACCREC","InvoiceNumber":"INV-0100","Status":"VOIDED"}]}"#;
    let invoices_1 = shared_fixture("xero/xero-invoices-get.json").map(|b| {
        // Xero's example, as page 1 of 2.
        String::from_utf8(b)
            .unwrap()
            .replace("\"pageCount\": 1", "\"pageCount\": 2")
            .into_bytes()
    });
    let Some(invoices_1) = invoices_1 else { return };
    let contacts = br#"{"Contacts":[{"ContactID":"c-1","DefaultCurrency":"AUD"},{"ContactID":"c-2"},{"ContactID":"c-3","DefaultCurrency":""}]}"#;
    let org = organisation("/Date(1546214400000+0000)/", "/Date(1538265600000+0000)/");
    let answers: Vec<&[u8]> = vec![&org, &invoices_1, invoices_2, contacts];

    let mut facts = calls().ledger_facts();
    let mut sent: Vec<String> = Vec::new();
    while let Some(request) = facts.next_request().unwrap() {
        assert_eq!(request.method, Method::Get);
        assert_eq!(request.header("xero-tenant-id"), Some(TENANT));
        assert_eq!(request.header("Accept"), Some("application/json"));
        let answer = answers[sent.len()];
        sent.push(request.path_and_query());
        facts.read(&ok(answer)).unwrap();
    }
    assert_eq!(
        sent,
        [
            "Organisation",
            "Invoices?page=1&pageSize=1000&summaryOnly=true&where=Type%3D%3D%22ACCREC%22&order=InvoiceID%20ASC",
            "Invoices?page=2&pageSize=1000&summaryOnly=true&where=Type%3D%3D%22ACCREC%22&order=InvoiceID%20ASC",
            "Contacts?page=1&pageSize=1000&includeArchived=true&order=ContactID%20ASC",
        ]
    );
    assert!(
        facts.read(&ok(contacts)).is_err(),
        "nothing is left to read"
    );
    let facts = facts.finish().unwrap();
    // The later of the two lock dates: 2018-12-31 (period) over 2018-09-30.
    assert_eq!(facts.closed_through, Some(date(2018, 12, 31)));
    let numbers: Vec<&str> = facts.doc_numbers.iter().map(String::as_str).collect();
    assert_eq!(numbers, ["INV-0001", "INV-0002", "INV-0003", "INV-0100"]);
    assert_eq!(
        facts.customer_currency.into_iter().collect::<Vec<_>>(),
        [(ContactId::new("c-1"), Currency::new("AUD").unwrap())]
    );
}

#[test]
fn the_ledger_facts_stop_on_errors_and_endless_pages() {
    let mut facts = calls().ledger_facts();
    assert!(matches!(
        facts.read(&Response::new(401, b"")),
        Err(AdapterError::AccessTokenExpired { .. })
    ));
    // The same request can be sent again after an error.
    assert_eq!(
        facts.next_request().unwrap().map(|r| r.path),
        Some("Organisation".into())
    );
    let unlocked = organisation("", "");
    facts.read(&ok(&unlocked)).unwrap();
    let endless = br#"{"pagination":{"page":1,"pageSize":1000,"pageCount":999999,"itemCount":0},"Invoices":[]}"#;
    let mut stopped = None;
    for _ in 0..=MAX_FACT_PAGES {
        if let Err(e) = facts.read(&ok(endless)) {
            stopped = Some(e);
            break;
        }
    }
    assert!(matches!(
        stopped,
        Some(AdapterError::Paging {
            stopped: PagingError::TooManyPages { .. }
        })
    ));
    assert!(calls().ledger_facts().finish().is_err(), "not finished");
}

// ---- A fake Xero ---------------------------------------------------------------

/// Where the fake's answers take the server's time from.
#[derive(Debug, Clone, Copy)]
enum Clock {
    /// `DateTimeUTC` in the body and a `Date` header.
    Both,
    /// Only the `Date` header.
    DateHeader,
    /// Neither.
    Neither,
}

/// A Xero organisation's contacts: ids, `UpdatedDateUTC` in milliseconds
/// of its own clock, pages of `page_size`, `ContactID` order.
struct FakeXero {
    now: i64,
    /// How far the `Date` header's clock is from the records' clock.
    date_skew_ms: i64,
    clock: Clock,
    page_size: usize,
    records: BTreeMap<String, i64>,
    created: usize,
}

impl FakeXero {
    fn new(initial: usize, page_size: usize, clock: Clock, date_skew_ms: i64) -> Self {
        let mut x = Self {
            now: 1_700_000_000_000,
            date_skew_ms,
            clock,
            page_size,
            records: BTreeMap::new(),
            created: 0,
        };
        for _ in 0..initial {
            x.write(u32::MAX);
        }
        x
    }

    /// One write: `pick` chooses an existing contact to change (by
    /// position), or `u32::MAX` creates one. Returns its id and time.
    fn write(&mut self, pick: u32) -> (String, i64) {
        self.now += 1 + i64::from(pick % 700);
        let n = self.records.len();
        let id = if pick == u32::MAX || n == 0 || pick.is_multiple_of(3) {
            self.created += 1;
            // Ids scattered through the order, as UUIDs are.
            format!("{:04x}-{:04}", (self.created * 7919) % 65_521, self.created)
        } else {
            let at = usize::try_from(pick).unwrap() % n;
            self.records.keys().nth(at).cloned().unwrap()
        };
        self.records.insert(id.clone(), self.now);
        (id, self.now)
    }

    /// Answers a contacts listing request.
    fn answer(&mut self, r: &Request) -> (u16, Vec<(String, String)>, Vec<u8>) {
        assert_eq!(r.path, "Contacts");
        assert_eq!(r.query_value("order"), Some("ContactID ASC"));
        assert_eq!(r.query_value("includeArchived"), Some("true"));
        assert_eq!(r.header("Accept"), Some("application/json"));
        self.now += 137;
        let since = r
            .header("If-Modified-Since")
            .map(|h| parse_http_date(h).unwrap().timestamp_millis());
        let page: usize = r.query_value("page").unwrap().parse().unwrap();
        let listed: Vec<(&String, &i64)> = self
            .records
            .iter()
            .filter(|(_, t)| since.is_none_or(|s| **t > s))
            .collect();
        let pages = listed.len().div_ceil(self.page_size);
        let records: Vec<serde_json::Value> = listed
            .iter()
            .skip((page - 1) * self.page_size)
            .take(self.page_size)
            .map(|(id, t)| {
                json!({"ContactID": id, "ContactStatus": "ACTIVE", "Name": format!("Contact {id}"),
                       "UpdatedDateUTC": format!("/Date({t}+0000)/")})
            })
            .collect();
        let mut body = json!({"Id": "x", "Status": "OK", "ProviderName": "fake",
            "pagination": {"page": page, "pageSize": self.page_size, "pageCount": pages, "itemCount": listed.len()},
            "Contacts": records});
        let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
        if matches!(self.clock, Clock::Both) {
            body["DateTimeUTC"] = json!(format!("/Date({})/", self.now));
        }
        if matches!(self.clock, Clock::Both | Clock::DateHeader) {
            let at = DateTime::<Utc>::from_timestamp_millis(self.now + self.date_skew_ms).unwrap();
            headers.push(("Date".to_owned(), format_http_date(at)));
        }
        (200, headers, body.to_string().into_bytes())
    }
}

fn response<'a>(status: u16, headers: &[(String, String)], body: &'a [u8]) -> Response<'a> {
    let mut r = Response::new(status, body);
    r.headers = headers.to_vec();
    r
}

/// What one listing saw: when it began (the fake's clock at its first
/// answer), each contact's latest `UpdatedDateUTC` seen, the cursor.
struct Listing {
    began: i64,
    seen: BTreeMap<String, i64>,
    cursor: Option<String>,
}

/// Runs one change listing from `cursor`, making `writes[k]` before page
/// `k + 2` (between pages).
fn change_listing(
    x: &mut FakeXero,
    cursor: Option<&str>,
    writes: &[Vec<u32>],
    log: &mut Vec<(String, i64)>,
) -> Listing {
    let c = Calls::new(TENANT);
    let mut token: Option<String> = None;
    let mut out = Listing {
        began: 0,
        seen: BTreeMap::new(),
        cursor: None,
    };
    for page in 0.. {
        assert!(page < 10_000, "the listing does not end");
        if page > 0 {
            for &w in writes.get(page - 1).map(Vec::as_slice).unwrap_or_default() {
                log.push(x.write(w));
            }
        }
        let request = c.list_changes(cursor, token.as_deref()).unwrap();
        let (status, headers, body) = x.answer(&request);
        if page == 0 {
            out.began = x.now;
        }
        let answer = response(status, &headers, &body);
        let read = c.read_changes(cursor, token.as_deref(), &answer).unwrap();
        assert!(read.deleted.is_empty());
        for contact in read.changed {
            let t = contact.extras.updated_at.unwrap().timestamp_millis();
            // No contact repeats within a listing (at most a few writes
            // between two pages: the page token's boundary drops them).
            assert!(
                !out.seen.contains_key(contact.id.as_str()),
                "{} repeated",
                contact.id
            );
            out.seen.insert(contact.id.to_string(), t);
        }
        match read.next_page {
            Some(next) => token = Some(next),
            None => {
                out.cursor = read.cursor;
                assert!(out.cursor.is_some(), "the last page hands back a cursor");
                break;
            }
        }
    }
    out
}

fn clock() -> impl Strategy<Value = Clock> {
    prop_oneof![
        Just(Clock::Both),
        Just(Clock::DateHeader),
        Just(Clock::Neither)
    ]
}

/// Writes between two pages: at most 4 (the boundary carries 10 ids).
fn gap() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(prop_oneof![Just(u32::MAX), any::<u32>()], 0..4)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Over any sequence of listings with writes between pages and
    /// between listings, every write is seen by the first listing that
    /// began after it, or an earlier one: a write made while a listing
    /// ran shows in that listing or the next.
    #[test]
    fn the_change_feed_loses_no_write(
        initial in 0usize..25,
        page_size in 1usize..6,
        clock in clock(),
        skew in -3000i64..3000,
        listings in prop::collection::vec(
            (prop::collection::vec(gap(), 0..8), prop::collection::vec(any::<u32>(), 0..6)),
            1..5,
        ),
    ) {
        let mut x = FakeXero::new(initial, page_size, clock, skew);
        let mut log: Vec<(String, i64)> = x.records.iter().map(|(id, t)| (id.clone(), *t)).collect();
        let mut done: Vec<Listing> = Vec::new();
        let mut cursor: Option<String> = None;
        for (between_pages, after) in &listings {
            let l = change_listing(&mut x, cursor.as_deref(), between_pages, &mut log);
            cursor.clone_from(&l.cursor);
            done.push(l);
            for &w in after {
                log.push(x.write(w));
            }
        }
        // A last listing with no writes during it.
        let last = change_listing(&mut x, cursor.as_deref(), &[], &mut log);
        done.push(last);
        for (id, t) in &log {
            let first_after = done.iter().position(|l| l.began > *t);
            let Some(j) = first_after else { continue };
            let seen = done[..=j]
                .iter()
                .any(|l| l.seen.get(id).is_some_and(|s| s >= t));
            prop_assert!(seen, "write of {} at {} lost (listing {} began at {})", id, t, j, done[j].began);
        }
        // The last listing's view, merged with the earlier ones, is the
        // fake's final state.
        let mut latest: BTreeMap<&str, i64> = BTreeMap::new();
        for l in &done {
            for (id, t) in &l.seen {
                let e = latest.entry(id.as_str()).or_insert(*t);
                *e = (*e).max(*t);
            }
        }
        let final_state: BTreeMap<&str, i64> = x.records.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        prop_assert_eq!(latest, final_state);
    }

    /// A full listing read while contacts change and are created between
    /// its pages lists every contact that existed when it began, once.
    #[test]
    fn the_full_listing_misses_no_contact_while_others_change(
        initial in 0usize..40,
        page_size in 1usize..6,
        gaps in prop::collection::vec(gap(), 0..12),
    ) {
        let mut x = FakeXero::new(initial, page_size, Clock::Both, 0);
        let before: BTreeSet<String> = x.records.keys().cloned().collect();
        let c = Calls::new(TENANT);
        let mut token: Option<String> = None;
        let mut listed: Vec<String> = Vec::new();
        for page in 0..10_000usize {
            if page > 0 {
                for &w in gaps.get(page - 1).map(Vec::as_slice).unwrap_or_default() {
                    x.write(w);
                }
            }
            let request = c.list(token.as_deref()).unwrap();
            prop_assert_eq!(request.header("If-Modified-Since"), None);
            let (status, headers, body) = x.answer(&request);
            let read = c.read_list(token.as_deref(), &response(status, &headers, &body)).unwrap();
            listed.extend(read.contacts.into_iter().map(|c| c.id.to_string()));
            match read.next_page {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        let unique: BTreeSet<String> = listed.iter().cloned().collect();
        prop_assert_eq!(unique.len(), listed.len(), "a contact listed twice");
        for id in &before {
            prop_assert!(unique.contains(id), "{} missing: it would read as deleted", id);
        }
    }

    /// Whatever the bytes and the status, every reader answers a typed
    /// result and never panics.
    #[test]
    fn any_answer_is_read_without_panic(
        status in prop_oneof![Just(200u16), Just(201), Just(304), Just(400), Just(401), Just(403),
                              Just(404), Just(429), Just(500), Just(503), 100u16..600],
        body in prop::collection::vec(any::<u8>(), 0..300),
        retry in prop::option::of("[0-9]{1,4}|[A-Za-z, 0-9:]{0,30}"),
    ) {
        let mut answer = Response::new(status, &body);
        if let Some(r) = retry {
            answer = answer.with_header("Retry-After", r);
        }
        read_everything(&answer);
    }
}

/// Hands `answer` to every reader.
fn read_everything(answer: &Response<'_>) -> Vec<bool> {
    let c = calls();
    let id = ContactId::new("5cc8cf28-567e-4d43-b287-687cfcaec47c");
    let mut facts = c.ledger_facts();
    vec![
        c.read_list(None, answer).is_ok(),
        c.read_list(Some("2;b=a,b"), answer).is_ok(),
        c.read_changes(None, None, answer).is_ok(),
        c.read_changes(Some("2026-01-01T00:00:00Z"), Some("3;s=1"), answer)
            .is_ok(),
        c.read_create(answer).is_ok(),
        c.read_update(&id, answer).is_ok(),
        c.read_create_batch(2, answer).is_ok(),
        c.read_create_invoice(answer).is_ok(),
        c.read_list_payments(None, answer).is_ok(),
        c.read_create_payment(answer).is_ok(),
        facts.read(answer).is_ok(),
    ]
}

#[test]
fn every_cut_of_a_real_answer_is_an_error() {
    let mut bodies = vec![
        fixture("xero/contacts-put-batch-mixed.json"),
        fixture("xero/contact-single.json"),
    ];
    bodies.extend(shared_fixture("xero/xero-contacts-get.json"));
    bodies.extend(shared_fixture("xero/xero-payments-get.json"));
    for body in &bodies {
        let end = body.trim_ascii_end().len();
        for cut in 0..end {
            let answer = ok(&body[..cut]);
            let oks = read_everything(&answer);
            assert!(
                oks.iter().all(|ok| !ok),
                "a cut at {cut} of {} bytes was read: {oks:?}",
                body.len()
            );
        }
    }
}
