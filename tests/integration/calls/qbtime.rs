//! QuickBooks Time's call codec through the public API: every builder
//! against the documented request, every reader against real-shaped
//! answers and each error status, the feeds' phases, hostile bytes (the
//! feeds over a fake QBT: `qbtime_feed`).

use chrono::NaiveDate;
use ledgerlink::ports::AdapterError;
use ledgerlink::qbtime::{DateRange, JobcodeId, JobcodeType, NewJobcode};
use ledgerlink::wire::qbtime::{
    self, API_BASE, Calls, MAX_BATCH_ITEMS, RATE_LIMIT_WINDOW_SECS, TimesheetChanges,
};
use ledgerlink::wire::{Method, Request, Response};
use proptest::prelude::*;

use crate::support::fixtures::fixture;

const DATE: &str = "Sun, 06 Dec 2026 10:00:00 GMT";

fn ok(body: &[u8]) -> Response<'_> {
    Response::new(200, body).with_header("Date", DATE)
}

fn new(name: &str) -> NewJobcode {
    NewJobcode {
        parent_id: JobcodeId(4),
        name: name.into(),
        kind: JobcodeType::Regular,
        connect_with_quickbooks: false,
    }
}

fn december() -> DateRange {
    DateRange::new(
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
    )
}

fn assert_headers(r: &Request, write: bool) {
    assert_eq!(r.header("Accept"), Some("application/json"));
    assert_eq!(r.header("Authorization"), None, "the adapter adds it");
    assert_eq!(
        r.header("Content-Type"),
        write.then_some("application/json"),
        "{r:?}"
    );
    assert_eq!(r.idempotency_key, None, "QBT takes no idempotency key");
}

// ------------------------------------------------------------- builders

#[test]
fn the_jobcode_listing_asks_for_every_jobcode_in_the_largest_pages() {
    let r = Calls::new().list_jobcodes(2).unwrap();
    assert_eq!(r.method, Method::Get);
    assert_eq!(
        r.url(API_BASE),
        "https://rest.tsheets.com/api/v1/jobcodes?active=both&type=all&page=2&limit=200&supplemental_data=no"
    );
    assert_eq!(r.body, "");
    assert_headers(&r, false);
}

#[test]
fn the_timesheet_listing_asks_for_open_timesheets_too() {
    let r = Calls::new().list_timesheets(&december(), 1).unwrap();
    assert_eq!(
        r.path_and_query(),
        "timesheets?start_date=2026-12-01&end_date=2026-12-31&on_the_clock=both&page=1&limit=200&supplemental_data=no"
    );
    assert_headers(&r, false);
}

#[test]
fn creates_post_the_encoded_jobcodes() {
    let c = Calls::new();
    let r = c
        .create_jobcode(&new("Year end 2026"), "ledgerlink:k:1")
        .unwrap();
    assert_eq!((r.method, r.path.as_str()), (Method::Post, "jobcodes"));
    assert_eq!(
        r.body,
        qbtime::encode_jobcode_create(&new("Year end 2026")).unwrap()
    );
    assert_headers(&r, true);

    let batch: Vec<NewJobcode> = (0..MAX_BATCH_ITEMS)
        .map(|i| new(&format!("Job {i}")))
        .collect();
    let r = c.create_jobcode_batch(&batch).unwrap();
    assert_eq!(
        qbtime::decode_jobcode_create_request(r.body.as_bytes()).unwrap(),
        batch
    );
    let mut too_many = batch.clone();
    too_many.push(new("one more"));
    for refused in [
        c.create_jobcode_batch(&too_many),
        c.create_jobcode_batch(&[]),
        c.create_jobcode(&new(&"x".repeat(65)), "k"),
        c.create_jobcode(&new(" "), "k"),
    ] {
        assert!(
            matches!(&refused, Err(AdapterError::Validation { code: None, message }) if message.contains("QuickBooks Time")),
            "{refused:?}"
        );
    }
}

// -------------------------------------------------------------- readers

#[test]
fn listings_read_as_the_decoders_read_them() {
    let c = Calls::new();
    let body = fixture("qbtime/jobcodes-list-tricky.json");
    assert_eq!(
        c.read_list_jobcodes(1, &ok(&body)).unwrap(),
        qbtime::decode_jobcodes(&body).unwrap()
    );
    let body = fixture("qbtime/timesheets-list.json");
    let page = c.read_list_timesheets(&december(), 1, &ok(&body)).unwrap();
    assert_eq!(page, qbtime::decode_timesheets(&body).unwrap());
    assert!(c.read_list_jobcodes(0, &ok(&body)).is_err());
}

#[test]
fn creates_answer_each_jobcode_in_the_order_sent() {
    let c = Calls::new();
    let body = fixture("qbtime/jobcodes-create-mixed.json");
    let results = c.read_create_jobcode_batch(5, &ok(&body)).unwrap();
    assert_eq!(results, qbtime::decode_jobcode_results(&body).unwrap());
    assert!(results[0].is_ok());
    assert!(
        matches!(&results[1], Err(AdapterError::Validation { code: Some(c), .. }) if c == "417")
    );
    assert_eq!(
        results[2].as_ref().map(|j| j.id.0),
        Ok(5001),
        "202: the one QBT had"
    );
    // Another count than sent: the answer is not this request's.
    assert!(matches!(
        c.read_create_jobcode_batch(4, &ok(&body)),
        Err(AdapterError::Transient { .. })
    ));
    let one = br#"{"results":{"jobcodes":{"1":{"_status_code":200,"_status_message":"Created",
        "id":41,"parent_id":4,"name":"Year end 2026","type":"regular","active":true}}}}"#;
    assert_eq!(c.read_create_jobcode(&ok(one)).unwrap().id, JobcodeId(41));
    let refused =
        br#"{"results":{"jobcodes":{"1":{"_status_code":417,"_status_message":"Expectation Failed",
        "_status_extra":"That name is already in use","name":"Year end 2026"}}}}"#;
    assert!(matches!(
        c.read_create_jobcode(&ok(refused)),
        Err(AdapterError::Validation { code: Some(code), .. }) if code == "417"
    ));
}

/// Every reader of the codec, on one answer.
fn read_all(answer: &Response<'_>) -> Vec<Result<(), AdapterError>> {
    let c = Calls::new();
    let cursor = Some("2026-12-06T09:00:00+00:00");
    let mut out = vec![
        c.read_list_jobcodes(1, answer).map(drop),
        c.read_create_jobcode(answer).map(drop),
        c.read_create_jobcode_batch(2, answer).map(drop),
        c.read_list_timesheets(&december(), 1, answer).map(drop),
        c.read_jobcode_changes(cursor, None, answer).map(drop),
        c.read_jobcode_changes(None, Some("j2@2026-12-06T10:00:00Z"), answer)
            .map(drop),
    ];
    for page in [
        None,
        Some("t2@2026-12-06T10:00:00Z"),
        Some("d1@2026-12-06T10:00:00Z"),
        Some("D3@2026-12-06T10:00:00Z"),
        Some("c1@2026-12-06T10:00:00Z"),
    ] {
        out.push(c.read_timesheet_changes(cursor, page, answer).map(drop));
    }
    out
}

/// What an answer's error must be.
type Expect = fn(&AdapterError) -> bool;

#[test]
fn http_statuses_map_to_adapter_errors() {
    let e401 = fixture("qbtime/error-401.json");
    let e417 = fixture("qbtime/error-417.json");
    let e429 = fixture("qbtime/error-429.json");
    let e404 = fixture("qbtime/error-bare-404.json");
    let grant = br#"{"error":"invalid_grant","error_description":"The refresh token is invalid"}"#;
    let cases: Vec<(Response<'_>, Expect)> = vec![
        (Response::new(401, &e401), |e| {
            matches!(e, AdapterError::AccessTokenExpired { .. })
        }),
        (Response::new(401, grant), |e| {
            matches!(e, AdapterError::Authentication { .. })
        }),
        (Response::new(403, b""), |e| {
            matches!(e, AdapterError::Authentication { .. })
        }),
        (Response::new(404, &e404), |e| {
            matches!(e, AdapterError::NotFound { .. })
        }),
        (
            Response::new(417, &e417),
            |e| matches!(e, AdapterError::Validation { code: Some(c), message } if c == "417" && message.contains("start_date")),
        ),
        (
            Response::new(429, &e429).with_header("Retry-After", "30"),
            |e| {
                *e == AdapterError::RateLimited {
                    retry_after_secs: 30,
                }
            },
        ),
        (
            Response::new(429, &e429)
                .with_header("Date", DATE)
                .with_header("Retry-After", "Sun, 06 Dec 2026 10:02:00 GMT"),
            |e| {
                *e == AdapterError::RateLimited {
                    retry_after_secs: 120,
                }
            },
        ),
        (Response::new(429, &e429), |e| {
            *e == AdapterError::RateLimited {
                retry_after_secs: RATE_LIMIT_WINDOW_SECS,
            }
        }),
        (Response::new(500, b"<html>oops</html>"), |e| {
            matches!(e, AdapterError::Transient { .. })
        }),
        (Response::new(503, b""), |e| {
            matches!(e, AdapterError::Transient { .. })
        }),
        // A 2xx that cannot be read: a create may have happened.
        (ok(br#"{"results":{"jobcodes":{"1":{"id":1"#), |e| {
            matches!(e, AdapterError::Transient { .. })
        }),
        (ok(b"<html></html>"), |e| {
            matches!(e, AdapterError::Transient { .. })
        }),
    ];
    for (answer, expected) in &cases {
        for (i, r) in read_all(answer).into_iter().enumerate() {
            let e = r.unwrap_err();
            assert!(expected(&e), "HTTP {} reader {i}: {e:?}", answer.status);
        }
    }
}

// ---------------------------------------------------------- the feeds

const JOBCODES: &[u8] = br#"{"results":{"jobcodes":{"4":{"id":4,"parent_id":0,"name":"Acme Ltd",
    "type":"regular","active":false}}},"more":false}"#;

fn timesheets(more: bool) -> Vec<u8> {
    format!(
        r#"{{"results":{{"timesheets":{{"7":{{"id":7,"user_id":1,"jobcode_id":4,"type":"manual",
        "date":"2026-12-06","duration":3600}}}}}},"more":{more}}}"#
    )
    .into_bytes()
}

fn deleted(ids: &[u64], more: bool) -> Vec<u8> {
    let items: Vec<String> = ids
        .iter()
        .map(|i| format!(r#""{i}":{{"id":{i}}}"#))
        .collect();
    format!(
        r#"{{"results":{{"timesheets_deleted":{{{}}}}},"more":{more}}}"#,
        items.join(",")
    )
    .into_bytes()
}

#[test]
fn the_jobcode_feed_asks_for_modified_jobcodes_and_pages_with_the_walks_start() {
    let c = Calls::new();
    let r = c.jobcode_changes(None, None).unwrap();
    assert_eq!(
        r.path_and_query(),
        "jobcodes?active=both&type=all&page=1&limit=200&supplemental_data=no"
    );
    let cursor = Some("2026-12-06T11:00:00+01:00");
    let r = c.jobcode_changes(cursor, None).unwrap();
    assert_eq!(
        r.query_value("modified_since"),
        Some("2026-12-06T10:00:00+00:00")
    );
    assert_eq!(
        r.url(API_BASE),
        "https://rest.tsheets.com/api/v1/jobcodes?active=both&type=all&modified_since=2026-12-06T10%3A00%3A00%2B00%3A00&page=1&limit=200&supplemental_data=no"
    );
    assert_headers(&r, false);

    let more = br#"{"results":{"jobcodes":{"4":{"id":4,"parent_id":0,"name":"A","type":"regular","active":true}}},"more":true}"#;
    let first = c.read_jobcode_changes(cursor, None, &ok(more)).unwrap();
    assert_eq!(first.next_page.as_deref(), Some("j2@2026-12-06T10:00:00Z"));
    assert_eq!(first.cursor, None);
    let r = c
        .jobcode_changes(cursor, first.next_page.as_deref())
        .unwrap();
    assert_eq!(r.query_value("page"), Some("2"));
    // The last page's cursor is the first answer's Date less the overlap,
    // whatever the later answers' Date says.
    let later = Response::new(200, JOBCODES).with_header("Date", "Sun, 06 Dec 2026 10:05:00 GMT");
    let last = c
        .read_jobcode_changes(cursor, first.next_page.as_deref(), &later)
        .unwrap();
    assert!(!last.changed[0].active, "archived jobcodes are changes");
    assert_eq!(last.next_page, None);
    assert_eq!(last.cursor.as_deref(), Some("2026-12-06T09:59:00+00:00"));

    assert!(matches!(
        c.read_jobcode_changes(None, None, &Response::new(200, JOBCODES)),
        Err(AdapterError::Unsupported { .. })
    ));
    for bad in [
        "",
        "t1@2026-12-06T10:00:00Z",
        "j0@2026-12-06T10:00:00Z",
        "j1@noon",
    ] {
        assert!(c.jobcode_changes(None, Some(bad)).is_err(), "{bad:?}");
        assert!(
            c.read_jobcode_changes(None, Some(bad), &ok(JOBCODES))
                .is_err()
        );
    }
    assert!(c.jobcode_changes(Some("noon"), None).is_err());
}

/// Walks the timesheet feed over canned answers (by path and page);
/// returns the requests' paths and queries, and the pages.
fn walk(
    cursor: Option<&str>,
    mut answer: impl FnMut(&Request) -> Vec<u8>,
) -> (Vec<String>, Vec<TimesheetChanges>) {
    let c = Calls::new();
    let mut sent = Vec::new();
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..20 {
        let r = c.timesheet_changes(cursor, token.as_deref()).unwrap();
        sent.push(r.path_and_query());
        let body = answer(&r);
        let page = c
            .read_timesheet_changes(cursor, token.as_deref(), &ok(&body))
            .unwrap();
        token = page.next_page.clone();
        pages.push(page);
        if token.is_none() {
            break;
        }
    }
    (sent, pages)
}

#[test]
fn the_timesheet_feed_lists_changes_then_deletions() {
    let cursor = Some("2026-12-06T08:00:00+00:00");
    let (sent, pages) = walk(cursor, |r| match r.path.as_str() {
        "timesheets" => timesheets(false),
        _ => deleted(&[9, 5], false),
    });
    assert_eq!(
        sent,
        [
            "timesheets?modified_since=2026-12-06T08%3A00%3A00%2B00%3A00&on_the_clock=both&page=1&limit=200&supplemental_data=no",
            "timesheets_deleted?modified_since=2026-12-06T08%3A00%3A00%2B00%3A00&page=1&limit=200&supplemental_data=no",
        ]
    );
    assert_eq!(pages[0].changed[0].id, 7);
    assert_eq!(pages[1].deleted, [5, 9]);
    assert_eq!(
        pages[1].cursor.as_deref(),
        Some("2026-12-06T09:59:00+00:00")
    );

    // Without a cursor: every timesheet since 2000, no deletions.
    let (sent, pages) = walk(None, |_| timesheets(false));
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("modified_since=2000-01-01T00%3A00%3A00%2B00%3A00"));
    assert_eq!(
        pages[0].cursor.as_deref(),
        Some("2026-12-06T09:59:00+00:00")
    );
}

#[test]
fn after_several_pages_a_deletion_since_the_start_keeps_the_cursor() {
    let cursor = Some("2026-12-06T08:00:00+00:00");
    let check = |found: bool| {
        let mut pages = 0;
        walk(cursor, move |r| {
            match (r.path.as_str(), r.query_value("limit")) {
                ("timesheets", _) => {
                    pages += 1;
                    timesheets(pages < 2)
                }
                (_, Some("1")) => {
                    assert_eq!(
                        r.query_value("modified_since"),
                        Some("2026-12-06T09:59:00+00:00")
                    );
                    deleted(if found { &[11] } else { &[] }, false)
                }
                _ => deleted(&[], false),
            }
        })
    };
    let (sent, pages) = check(false);
    assert_eq!(
        sent.iter().filter(|s| s.starts_with("timesheets?")).count(),
        2
    );
    assert_eq!(
        sent.len(),
        4,
        "two pages, the deletions, the check: {sent:?}"
    );
    assert!(sent[3].contains("limit=1"));
    assert_eq!(
        pages[3].cursor.as_deref(),
        Some("2026-12-06T09:59:00+00:00")
    );
    let (_, pages) = check(true);
    assert_eq!(pages[3].deleted, [11]);
    assert_eq!(pages[3].cursor.as_deref(), cursor, "listed again next time");
    // Without a cursor the walk starts again from the beginning.
    let mut n = 0;
    let (sent, pages) = walk(None, move |r| match r.path.as_str() {
        "timesheets" => {
            n += 1;
            timesheets(n < 2)
        }
        _ => deleted(&[11], false),
    });
    assert_eq!(sent.len(), 3);
    assert_eq!(
        pages[2].cursor.as_deref(),
        Some("2000-01-01T00:00:00+00:00")
    );
}

#[test]
fn the_timesheet_feed_refuses_what_it_cannot_answer() {
    let c = Calls::new();
    let no_date = Response::new(200, b"{}");
    assert!(matches!(
        c.read_timesheet_changes(None, None, &Response::new(200, &timesheets(false)[..])),
        Err(AdapterError::Unsupported { .. })
    ));
    assert!(c.read_timesheet_changes(None, None, &no_date).is_err());
    // Older than QBT keeps deleted timesheets: list in full instead.
    let old = Some("2026-05-01T00:00:00+00:00");
    assert!(matches!(
        c.read_timesheet_changes(old, None, &ok(&timesheets(false))),
        Err(AdapterError::Unsupported { .. })
    ));
    for bad in ["j1@2026-12-06T10:00:00Z", "d1", "q1@2026-12-06T10:00:00Z"] {
        assert!(c.timesheet_changes(None, Some(bad)).is_err(), "{bad:?}");
    }
    assert!(c.timesheet_changes(Some("12/06/2026"), None).is_err());
}

// ----------------------------------------------------------- properties

proptest! {
    #[test]
    fn random_bytes_into_every_reader_are_typed_errors(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        status in prop_oneof![Just(200u16), Just(201), Just(401), Just(417), Just(429), Just(500), 100u16..600],
    ) {
        let _ = read_all(&Response::new(status, &bytes).with_header("Date", DATE));
    }

    #[test]
    fn truncated_answers_are_typed_errors(cut in 0usize..2000, which in 0usize..4) {
        let full = [
            fixture("qbtime/jobcodes-list-tricky.json"),
            fixture("qbtime/timesheets-list.json"),
            fixture("qbtime/jobcodes-create-mixed.json"),
            deleted(&[1, 2, 3], true),
        ];
        let body = &full[which];
        let _ = read_all(&ok(&body[..cut.min(body.len())]));
    }
}
