//! The QuickBooks Time codec through the public API: the documented
//! payloads and this crate's own tricky fixtures, error mapping, request
//! bodies with their limits, round trips, and bytes that must never make a
//! decoder panic.
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;

use chrono::DateTime;
use ledgerlink::Contact;
use ledgerlink::ports::AdapterError;
use ledgerlink::qbtime::{
    Jobcode, JobcodeId, JobcodeType, NewJobcode, PlanInput, TimeEntryKind, Work,
};
use ledgerlink::rules::qbtime::JOBCODE_NAME;
use ledgerlink::wire::{self, Payload, Profile, WireError, qbtime};
use proptest::prelude::*;

use crate::support::fixtures::{fixture, own_fixtures, shared_fixture, shared_fixtures};
use crate::support::time::date;

/// The own fixtures, then the shared payloads when they are there.
fn all_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut v = own_fixtures("qbtime");
    v.extend(shared_fixtures("qbtime").unwrap_or_default());
    v
}

fn is_shape(e: &WireError) -> bool {
    matches!(
        e,
        WireError::Shape {
            provider: Profile::QbTime,
            ..
        }
    )
}

fn shape_path(e: &WireError) -> &str {
    match e {
        WireError::Shape { path, .. } => path,
        other => panic!("not a shape error: {other:?}"),
    }
}

fn new_jobcode(parent: u64, name: &str) -> NewJobcode {
    NewJobcode {
        parent_id: JobcodeId(parent),
        name: name.to_owned(),
        kind: JobcodeType::Regular,
        connect_with_quickbooks: true,
    }
}

// ---------------------------------------------------------------- reading

#[test]
fn every_shared_payload_decodes_through_decode_any() {
    for (name, bytes) in shared_fixtures("qbtime").unwrap_or_default() {
        let (provider, payload) =
            wire::decode_any(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(provider, Profile::QbTime, "{name}");
        assert!(
            !matches!(payload, Payload::Error { .. }),
            "{name}: {payload:?}"
        );
        assert!(
            !payload.summary().starts_with("0 "),
            "{name}: {}",
            payload.summary()
        );
    }
}

#[test]
fn a_listing_is_sorted_by_id_and_keeps_what_the_model_holds() {
    let page = qbtime::decode_jobcodes(&fixture("qbtime/jobcodes-list-tricky.json")).unwrap();
    assert!(page.more);
    let ids: Vec<u64> = page.jobcodes.iter().map(|j| j.id.0).collect();
    assert_eq!(ids, [12, 13, 900, 901, 902]);
    let acme = &page.jobcodes[0];
    assert_eq!(acme.name, "Acme \"Holdings\" Ltd éè / Co");
    assert!(acme.is_top_level() && acme.active && acme.connect_with_quickbooks);
    assert_eq!(acme.kind, JobcodeType::Regular);
    let job = &page.jobcodes[1];
    assert_eq!(job.parent_id, JobcodeId(12));
    assert_eq!(job.name, "Year end: 2026 — accounts ✓");
    assert!(!job.active && !job.connect_with_quickbooks);
    let kinds: Vec<JobcodeType> = page.jobcodes[2..].iter().map(|j| j.kind).collect();
    assert_eq!(
        kinds,
        [
            JobcodeType::Pto,
            JobcodeType::UnpaidBreak,
            JobcodeType::PaidBreak
        ]
    );
    // Absent or null: not shared with QBO.
    assert!(!page.jobcodes[2].connect_with_quickbooks);
    assert!(!page.jobcodes[4].connect_with_quickbooks);
}

#[test]
fn the_documented_children_listing_reads_its_results_not_its_supplement() {
    let Some(bytes) = shared_fixture("qbtime/qbtime-jobcodes-children.json") else {
        return;
    };
    let page = qbtime::decode_jobcodes(&bytes).unwrap();
    let want = vec![
        Jobcode::job(17_973_879, 17_288_281, "Sweeping").with_connect(false),
        Jobcode::job(17_973_881, 17_288_281, "Mopping"),
    ];
    assert_eq!(page.jobcodes, want);
    assert!(!page.more);
}

trait WithConnect {
    fn with_connect(self, on: bool) -> Self;
}

impl WithConnect for Jobcode {
    fn with_connect(mut self, on: bool) -> Self {
        self.connect_with_quickbooks = on;
        self
    }
}

#[test]
fn an_empty_set_may_come_as_an_array() {
    let page = qbtime::decode_jobcodes(&fixture("qbtime/jobcodes-empty.json")).unwrap();
    assert!(page.jobcodes.is_empty() && !page.more);
    let (_, payload) = wire::decode_any(&fixture("qbtime/jobcodes-empty.json")).unwrap();
    assert_eq!(
        payload,
        Payload::Jobcodes {
            records: vec![],
            more: false
        }
    );
}

#[test]
fn keys_that_are_not_numbers_are_shape_errors() {
    let e = qbtime::decode_jobcodes(&fixture("qbtime/jobcodes-key-not-a-number.json")).unwrap_err();
    assert!(is_shape(&e), "{e:?}");
    assert_eq!(shape_path(&e), "results.jobcodes.abc");
    let e = wire::decode_any(&fixture("qbtime/jobcodes-key-not-a-number.json")).unwrap_err();
    assert!(is_shape(&e));
    for key in [
        "",
        "-1",
        "1.5",
        " 7",
        "+7",
        "0x10",
        "99999999999999999999999",
    ] {
        let body = format!(
            r#"{{"results":{{"timesheets":{{"{key}":{{"id":1,"user_id":1,"jobcode_id":1,"type":"manual","date":"2026-01-01","duration":1}}}}}},"more":false}}"#
        );
        let e = qbtime::decode_timesheets(body.as_bytes()).unwrap_err();
        assert!(is_shape(&e), "{key:?}: {e:?}");
    }
}

#[test]
fn ids_must_agree_with_their_keys_and_appear_once() {
    let body = br#"{"results":{"jobcodes":{"5":{"id":6,"parent_id":0,"name":"A","type":"regular","active":true}}}}"#;
    let e = qbtime::decode_jobcodes(body).unwrap_err();
    assert_eq!(shape_path(&e), "results.jobcodes.5.id");
    let twice = br#"{"results":{"jobcodes":{
        "5":{"id":5,"parent_id":0,"name":"A","type":"regular","active":true},
        "5":{"id":5,"parent_id":0,"name":"B","type":"regular","active":true}}}}"#;
    let e = qbtime::decode_jobcodes(twice).unwrap_err();
    assert_eq!(shape_path(&e), "results.jobcodes.5");
    // Without an `id`, the key is the id.
    let keyed = br#"{"results":{"jobcodes":{"5":{"parent_id":0,"name":"A","type":"regular","active":true}}}}"#;
    assert_eq!(
        qbtime::decode_jobcodes(keyed).unwrap().jobcodes[0].id,
        JobcodeId(5)
    );
}

#[test]
fn unknown_jobcode_types_are_refused_not_guessed() {
    let e = qbtime::decode_jobcodes(&fixture("qbtime/jobcodes-unknown-type.json")).unwrap_err();
    assert_eq!(shape_path(&e), "results.jobcodes.1.type");
    assert!(e.to_string().contains("mileage"));
}

#[test]
fn missing_required_fields_name_their_path() {
    for (field, body) in [
        (
            "name",
            r#"{"id":1,"parent_id":0,"type":"regular","active":true}"#,
        ),
        (
            "parent_id",
            r#"{"id":1,"name":"A","type":"regular","active":true}"#,
        ),
        (
            "active",
            r#"{"id":1,"parent_id":0,"name":"A","type":"regular"}"#,
        ),
        ("type", r#"{"id":1,"parent_id":0,"name":"A","active":true}"#),
    ] {
        let listing = format!(r#"{{"results":{{"jobcodes":{{"1":{body}}}}},"more":false}}"#);
        let e = qbtime::decode_jobcodes(listing.as_bytes()).unwrap_err();
        assert_eq!(shape_path(&e), format!("results.jobcodes.1.{field}"));
    }
    let e = qbtime::decode_jobcodes(br#"{"more":false}"#).unwrap_err();
    assert_eq!(shape_path(&e), "results.jobcodes");
    let e = qbtime::decode_jobcodes(br#"{"results":{"jobcodes":{"1":{"id":-1}}}}"#).unwrap_err();
    assert_eq!(shape_path(&e), "results.jobcodes.1");
    let e = qbtime::decode_jobcodes(br#"{"results":{"jobcodes":{}},"more":"maybe"}"#).unwrap_err();
    assert_eq!(shape_path(&e), "more");
}

#[test]
fn unreadable_json_is_a_syntax_error() {
    let e = qbtime::decode_jobcodes(br#"{"results":{"jobcodes":{"1":"#).unwrap_err();
    assert!(
        matches!(
            e,
            WireError::Syntax {
                provider: Profile::QbTime,
                ..
            }
        ),
        "{e:?}"
    );
    // Cut short, but recognisably QBT's: claimed, with the error.
    let cut = &fixture("qbtime/timesheets-list.json")[..200];
    assert!(matches!(
        qbtime::decode_any(cut),
        Some(Err(WireError::Syntax { .. }))
    ));
    // Not QBT's at all: not claimed.
    assert!(qbtime::decode_any(b"{\"Contacts\":[").is_none());
    assert!(qbtime::decode_any(b"<Response/>").is_none());
    assert!(qbtime::decode_any(b"[1,2]").is_none());
    assert!(qbtime::decode_any(br#"{"Contacts":[]}"#).is_none());
    assert!(qbtime::decode_any(br#"{"error":"invalid_grant"}"#).is_none());
}

#[test]
fn other_qbt_result_sets_are_unsupported() {
    let users = br#"{"results":{"users":{"1":{"id":1}}},"more":false,"supplemental_data":{}}"#;
    assert!(matches!(
        qbtime::decode_any(users),
        Some(Err(WireError::Unsupported {
            provider: Some(Profile::QbTime),
            ..
        }))
    ));
}

#[test]
fn write_results_come_back_in_request_order() {
    let results =
        qbtime::decode_jobcode_results(&fixture("qbtime/jobcodes-create-mixed.json")).unwrap();
    assert_eq!(results.len(), 5);
    assert_eq!(results[0].as_ref().unwrap().id, JobcodeId(5010));
    assert_eq!(results[0].as_ref().unwrap().name, "Acme Ltd");
    assert_eq!(
        results[1],
        Err(AdapterError::Validation {
            code: Some("417".into()),
            message: "Oops! That name is already in use".into()
        })
    );
    // 202 with the existing jobcode: that jobcode.
    assert_eq!(results[2].as_ref().unwrap().id, JobcodeId(5001));
    // 202 without it: the name is taken.
    assert_eq!(
        results[3],
        Err(AdapterError::DuplicateName {
            name: "Smith & Sons".into()
        })
    );
    // An empty `_status_extra` falls back to `_status_message`.
    assert_eq!(
        results[4],
        Err(AdapterError::Validation {
            code: Some("417".into()),
            message: "Expectation Failed".into()
        })
    );
    // decode_any: the jobcodes created, in request order.
    let (_, payload) = wire::decode_any(&fixture("qbtime/jobcodes-create-mixed.json")).unwrap();
    let Payload::Jobcodes { records, more } = payload else {
        panic!("{payload:?}")
    };
    assert!(!more);
    let ids: Vec<u64> = records.iter().map(|j| j.id.0).collect();
    assert_eq!(ids, [5010, 5001]);
}

#[test]
fn the_documented_create_response_has_one_success_and_one_refusal() {
    let Some(bytes) = shared_fixture("qbtime/qbtime-jobcodes-create-response.json") else {
        return;
    };
    let results = qbtime::decode_jobcode_results(&bytes).unwrap();
    assert_eq!(results.len(), 2);
    let created = results[0].as_ref().unwrap();
    assert_eq!(
        (created.id, created.parent_id, created.name.as_str()),
        (JobcodeId(18_059_008), JobcodeId(17_288_279), "Customer1")
    );
    assert!(matches!(
        &results[1],
        Err(AdapterError::Validation { code: Some(c), message }) if c == "417" && message.contains("Short Code")
    ));
    // A listing decoder refuses it, and says where to read it.
    let e = qbtime::decode_jobcodes(&bytes).unwrap_err();
    assert!(e.to_string().contains("decode_jobcode_results"));
}

#[test]
fn when_every_item_fails_decode_any_gives_the_first_error() {
    let (_, payload) =
        wire::decode_any(&fixture("qbtime/jobcodes-create-all-failed.json")).unwrap();
    let Payload::Error { error, items } = payload else {
        panic!("{payload:?}")
    };
    assert!(
        matches!(error, AdapterError::Validation { code: Some(ref c), ref message } if c == "417" && message.contains("already in use"))
    );
    assert_eq!(items.len(), 2);
    assert!(items[0].starts_with("1: ") && items[1].starts_with("2: "));
}

#[test]
fn write_results_must_be_numbered_from_one() {
    let gap = br#"{"results":{"jobcodes":{"1":{"_status_code":417,"name":"A"},"3":{"_status_code":417,"name":"B"}}}}"#;
    let e = qbtime::decode_jobcode_results(gap).unwrap_err();
    assert_eq!(shape_path(&e), "results.jobcodes.3");
    let no_status = br#"{"results":{"jobcodes":{"1":{"name":"A"}}}}"#;
    let e = qbtime::decode_jobcode_results(no_status).unwrap_err();
    assert_eq!(shape_path(&e), "results.jobcodes.1._status_code");
    let created_without_fields =
        br#"{"results":{"jobcodes":{"1":{"_status_code":200,"name":"A"}}}}"#;
    assert!(is_shape(
        &qbtime::decode_jobcode_results(created_without_fields).unwrap_err()
    ));
}

#[test]
fn timesheets_regular_open_and_manual() {
    let page = qbtime::decode_timesheets(&fixture("qbtime/timesheets-list.json")).unwrap();
    assert!(!page.more);
    let ids: Vec<u64> = page.timesheets.iter().map(|t| t.id).collect();
    assert_eq!(ids, [7001, 7002, 7003]);

    let closed = &page.timesheets[0];
    // Across midnight: 90 minutes from start to end, not QBT's `duration`.
    assert_eq!(closed.duration_secs, 5400);
    assert_eq!(closed.date, date(2026, 4, 6));
    assert_eq!((closed.user_id, closed.jobcode_id), (20, JobcodeId(12)));
    assert!(!closed.is_on_the_clock());
    let TimeEntryKind::Regular { start, end } = &closed.kind else {
        panic!()
    };
    assert_eq!(
        *start,
        DateTime::parse_from_rfc3339("2026-04-06T23:30:00-06:00").unwrap()
    );
    assert_eq!(start.offset().local_minus_utc(), -6 * 3600);
    assert!(end.is_some());

    let open = &page.timesheets[1];
    assert!(open.is_on_the_clock());
    assert_eq!(open.duration_secs, 1800);
    assert_eq!(open.jobcode_id, JobcodeId(900));

    let manual = &page.timesheets[2];
    assert_eq!(manual.kind, TimeEntryKind::Manual);
    assert_eq!(manual.duration_secs, 5400);
    assert_eq!(manual.date, date(2026, 4, 6));
}

#[test]
fn a_single_timesheet_object_decodes() {
    let t = qbtime::decode_timesheet(&fixture("qbtime/timesheet-on-the-clock.json")).unwrap();
    assert!(t.is_on_the_clock());
    assert_eq!(t.duration_secs, 3661);
    let (_, payload) = wire::decode_any(&fixture("qbtime/timesheet-on-the-clock.json")).unwrap();
    assert_eq!(
        payload,
        Payload::Timesheets {
            records: vec![t],
            more: false
        }
    );
    if let Some(bytes) = shared_fixture("qbtime/qbtime-timesheet-object.json") {
        let t = qbtime::decode_timesheet(&bytes).unwrap();
        // 09:04 to 15:57.
        assert_eq!(t.duration_secs, 24_780);
        assert_eq!(
            (t.id, t.user_id, t.jobcode_id.0),
            (135_288_482, 1_242_515, 17_288_283)
        );
        assert_eq!(t.date, date(2018, 7, 16));
    }
}

#[test]
fn broken_timesheets_name_their_path() {
    let one = |body: &str| qbtime::decode_timesheet(body.as_bytes()).unwrap_err();
    let e = one(
        r#"{"id":1,"user_id":2,"jobcode_id":3,"type":"regular","start":"","end":"","duration":5}"#,
    );
    assert_eq!(shape_path(&e), "start");
    let e = one(
        r#"{"id":1,"user_id":2,"jobcode_id":3,"type":"regular","start":"2026-01-01 09:00","end":"","duration":5}"#,
    );
    assert_eq!(shape_path(&e), "start");
    let e = one(
        r#"{"id":1,"user_id":2,"jobcode_id":3,"type":"regular","start":"2026-01-01T10:00:00+00:00","end":"2026-01-01T09:00:00+00:00"}"#,
    );
    assert_eq!(shape_path(&e), "end");
    let e = one(r#"{"id":1,"user_id":2,"jobcode_id":3,"type":"manual","date":"","duration":5}"#);
    assert_eq!(shape_path(&e), "date");
    let e = one(
        r#"{"id":1,"user_id":2,"jobcode_id":3,"type":"manual","date":"2026-02-30","duration":5}"#,
    );
    assert_eq!(shape_path(&e), "date");
    let e = one(r#"{"id":1,"user_id":2,"jobcode_id":3,"type":"manual","date":"2026-02-03"}"#);
    assert_eq!(shape_path(&e), "duration");
    let e = one(r#"{"id":1,"user_id":2,"jobcode_id":3,"type":"clocked","date":"2026-02-03"}"#);
    assert_eq!(shape_path(&e), "type");
    for duration in ["-5", "1.5", "\"x\""] {
        let body = format!(
            r#"{{"id":1,"user_id":2,"jobcode_id":3,"type":"manual","date":"2026-02-03","duration":{duration}}}"#
        );
        assert!(is_shape(
            &qbtime::decode_timesheet(body.as_bytes()).unwrap_err()
        ));
    }
}

// ------------------------------------------------------------------ errors

#[test]
fn error_bodies_map_to_typed_errors() {
    // A refused access token is refreshed and retried, not a disconnection.
    let auth = qbtime::decode_error(401, &fixture("qbtime/error-401.json"));
    assert!(
        matches!(auth, AdapterError::AccessTokenExpired { ref message } if message.contains("access token"))
    );
    assert!(matches!(
        qbtime::decode_error(403, b""),
        AdapterError::Authentication { .. }
    ));
    assert_eq!(
        qbtime::decode_error(429, &fixture("qbtime/error-429.json")),
        AdapterError::RateLimited {
            retry_after_secs: qbtime::RATE_LIMIT_WINDOW_SECS
        }
    );
    assert_eq!(
        qbtime::decode_http_error(429, Some(" 42 "), b""),
        AdapterError::RateLimited {
            retry_after_secs: 42
        }
    );
    assert_eq!(
        qbtime::decode_http_error(429, Some("Wed, 21 Oct 2015 07:28:00 GMT"), b""),
        AdapterError::RateLimited {
            retry_after_secs: 300
        }
    );
    assert!(matches!(
        qbtime::decode_error(404, &fixture("qbtime/error-bare-404.json")),
        AdapterError::NotFound { .. }
    ));
    assert!(matches!(
        qbtime::decode_error(417, &fixture("qbtime/error-417.json")),
        AdapterError::Validation { code: Some(ref c), ref message } if c == "417" && message.contains("start_date")
    ));
    for status in [400, 409, 413] {
        assert!(matches!(
            qbtime::decode_error(status, b"{}"),
            AdapterError::Validation { code: Some(ref c), .. } if *c == status.to_string()
        ));
    }
    for status in [500, 502, 503, 408] {
        let e = qbtime::decode_error(status, b"<html>Bad gateway</html>");
        assert!(
            matches!(e, AdapterError::Transient { ref message } if message.contains("Bad gateway"))
        );
        assert!(e.may_have_applied());
    }
    assert!(matches!(
        qbtime::decode_error(402, b""),
        AdapterError::Authentication { .. }
    ));
    assert!(matches!(
        qbtime::decode_error(501, b""),
        AdapterError::Unsupported { .. }
    ));
    assert!(matches!(
        qbtime::decode_error(401, br#"{"error":"invalid_grant","error_description":"expired"}"#),
        AdapterError::Authentication { ref message } if message == "invalid_grant: expired"
    ));
    // Long garbage is cut to a short excerpt for the message.
    let long = vec![b'x'; 10_000];
    let AdapterError::Transient { message } = qbtime::decode_error(500, &long) else {
        panic!()
    };
    assert!(message.chars().count() <= 201);
}

#[test]
fn error_bodies_are_recognised_by_decode_any() {
    for (file, check) in [
        (
            "error-401.json",
            AdapterError::code as fn(&AdapterError) -> &'static str,
        ),
        ("error-429.json", AdapterError::code),
        ("error-417.json", AdapterError::code),
        ("error-bare-404.json", AdapterError::code),
    ] {
        let (provider, payload) = wire::decode_any(&fixture(&format!("qbtime/{file}"))).unwrap();
        assert_eq!(provider, Profile::QbTime);
        let Payload::Error { error, items } = payload else {
            panic!("{file}")
        };
        assert!(items.is_empty());
        let want = match file {
            "error-401.json" => "access_token_expired",
            "error-429.json" => "rate_limited",
            "error-417.json" => "validation",
            _ => "not_found",
        };
        assert_eq!(check(&error), want, "{file}");
    }
}

// ---------------------------------------------------------------- writing

#[test]
fn a_create_body_carries_parent_name_type_and_the_qbo_flag() {
    let mut j = new_jobcode(0, "Tab\there? \"quoted\" \\ é");
    j.connect_with_quickbooks = false;
    let body = qbtime::encode_jobcode_create(&j).unwrap();
    assert_eq!(
        body,
        r#"{"data":[{"parent_id":0,"name":"Tab\there? \"quoted\" \\ é","type":"regular"}]}"#
    );
    let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(parsed["data"][0]["name"], "Tab\there? \"quoted\" \\ é");
}

#[test]
fn names_are_counted_in_characters_and_never_cut() {
    let fits = "é".repeat(qbtime::MAX_NAME_CHARS);
    assert!(qbtime::encode_jobcode_create(&new_jobcode(0, &fits)).is_ok());
    let long = "é".repeat(qbtime::MAX_NAME_CHARS + 1);
    assert_eq!(
        qbtime::encode_jobcode_create(&new_jobcode(0, &long)),
        Err(WireError::TooLong {
            provider: Profile::QbTime,
            field: "name",
            len: 65,
            max: 64
        })
    );
}

#[test]
fn values_qbt_would_refuse_are_reported_before_sending() {
    let invalid = |j: &NewJobcode| {
        matches!(
            qbtime::encode_jobcode_create(j),
            Err(WireError::Invalid {
                provider: Profile::QbTime,
                ..
            })
        )
    };
    assert!(invalid(&new_jobcode(0, "   ")));
    assert!(invalid(&new_jobcode(0, "Acme: Payroll")));
    assert!(invalid(&new_jobcode(0, "Line\nbreak")));
    let mut local = new_jobcode(0, "Acme: Payroll");
    local.connect_with_quickbooks = false;
    assert!(!invalid(&local), "`:` is only a problem for QBO");
    let mut pto = new_jobcode(5, "Holiday");
    pto.kind = JobcodeType::Pto;
    assert!(invalid(&pto));
    pto.parent_id = JobcodeId::TOP_LEVEL;
    assert!(!invalid(&pto));
    for kind in [JobcodeType::PaidBreak, JobcodeType::UnpaidBreak] {
        let mut b = new_jobcode(0, "Break");
        b.kind = kind;
        assert!(invalid(&b));
    }
    let many: Vec<NewJobcode> = (0..=qbtime::MAX_BATCH_ITEMS)
        .map(|i| new_jobcode(0, &format!("C{i}")))
        .collect();
    assert!(qbtime::encode_jobcode_creates(&many[..qbtime::MAX_BATCH_ITEMS]).is_ok());
    assert!(matches!(
        qbtime::encode_jobcode_creates(&many),
        Err(WireError::Invalid { ref field, .. }) if field == "data"
    ));
    assert!(qbtime::encode_jobcode_creates(&[]).is_err());
}

#[test]
fn a_plan_is_sent_parents_first_in_batches() {
    let clients: Vec<Contact> = (0..60)
        .map(|i| Contact::organization(format!("C{i:02}").as_str(), format!("Client {i:02}")))
        .collect();
    let work = vec![Work::new("W1", "C00", "Accounts 2026")];
    let plan = ledgerlink::qbtime::plan(&PlanInput::new(&clients, &work, &[]));
    assert_eq!(plan.operations.len(), 61);

    let first = qbtime::encode_plan(&plan, &BTreeMap::new());
    assert!(first.rejected.is_empty());
    assert_eq!(first.waiting.len(), 1);
    let sizes: Vec<usize> = first.batches.iter().map(|b| b.operations.len()).collect();
    assert_eq!(sizes, [50, 10]);
    for b in &first.batches {
        let sent = qbtime::decode_jobcode_create_request(b.body.as_bytes()).unwrap();
        assert_eq!(sent.len(), b.operations.len());
        for (op_id, new) in b.operations.iter().zip(&sent) {
            let op = plan.operation(op_id.as_str()).unwrap();
            assert_eq!(new.name, op.action.name);
            assert!(new.parent_id.is_top_level() && new.connect_with_quickbooks);
        }
    }

    // Feed back the ids QBT gave: only the job is left, under its client.
    let created: BTreeMap<_, _> = first
        .batches
        .iter()
        .flat_map(|b| b.operations.iter().cloned())
        .zip((1000u64..).map(JobcodeId))
        .collect();
    let customer_id = created[&first.batches[0].operations[0]];
    let second = qbtime::encode_plan(&plan, &created);
    assert!(second.waiting.is_empty() && second.rejected.is_empty());
    assert_eq!(second.batches.len(), 1);
    let sent = qbtime::decode_jobcode_create_request(second.batches[0].body.as_bytes()).unwrap();
    assert_eq!(sent, [new_jobcode(customer_id.0, "Accounts 2026")]);

    let mut done = created;
    done.insert(second.batches[0].operations[0].clone(), JobcodeId(5000));
    assert_eq!(
        qbtime::encode_plan(&plan, &done),
        qbtime::PlanRequests::default()
    );
}

#[test]
fn q3_a_name_at_the_limit_with_emoji_is_planned_and_encoded_unchanged() {
    // 60 letters and 4 emoji: 64 characters (68 UTF-16 units). QBT counts
    // characters; the planner, the encoder and the store all count with
    // `rules::qbtime::JOBCODE_NAME`, so the name is neither cut nor refused.
    let name = format!("{}{}", "a".repeat(60), "\u{1F600}".repeat(4));
    assert_eq!(JOBCODE_NAME.len(&name), JOBCODE_NAME.max);
    assert_eq!(qbtime::MAX_NAME_CHARS, JOBCODE_NAME.max);
    let clients = [Contact::organization("C1", name.as_str())];
    let plan = ledgerlink::qbtime::plan(&PlanInput::new(&clients, &[], &[]));
    assert_eq!(plan.operations[0].action.name, name);
    assert!(plan.operations[0].action.adjustments.is_empty());
    let out = qbtime::encode_plan(&plan, &BTreeMap::new());
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    let sent = qbtime::decode_jobcode_create_request(out.batches[0].body.as_bytes()).unwrap();
    assert_eq!(sent[0].name, name);

    // One emoji more: the planner cuts it to the limit, and that encodes.
    let clients = [Contact::organization(
        "C1",
        format!("{name}\u{1F600}").as_str(),
    )];
    let plan = ledgerlink::qbtime::plan(&PlanInput::new(&clients, &[], &[]));
    assert_eq!(plan.operations[0].action.name, name);
    assert!(
        qbtime::encode_plan(&plan, &BTreeMap::new())
            .rejected
            .is_empty()
    );
}

#[test]
fn q3_control_characters_are_replaced_by_the_planner_not_refused_by_the_encoder() {
    // Before the rules were shared, the planner replaced only `:`, tabs and
    // line breaks, and the encoder refused every control character.
    let clients = [Contact::organization("C1", "Acme\u{7}Ltd\u{1b}")];
    let plan = ledgerlink::qbtime::plan(&PlanInput::new(&clients, &[], &[]));
    assert_eq!(plan.operations[0].action.name, "Acme Ltd");
    assert!(
        qbtime::encode_plan(&plan, &BTreeMap::new())
            .rejected
            .is_empty()
    );
}

#[test]
fn a_create_request_reads_back_with_defaults() {
    let sent =
        qbtime::decode_jobcode_create_request(&fixture("qbtime/jobcodes-create-request.json"))
            .unwrap();
    assert_eq!(
        sent,
        [
            new_jobcode(12_788_279, "Customer1"),
            NewJobcode {
                parent_id: JobcodeId::TOP_LEVEL,
                name: "Customer2".into(),
                kind: JobcodeType::Pto,
                connect_with_quickbooks: false,
            }
        ]
    );
}

// ------------------------------------------------------------ round trips

/// What a create carries of a decoded jobcode.
fn as_new(j: &Jobcode) -> NewJobcode {
    NewJobcode {
        parent_id: j.parent_id,
        name: j.name.clone(),
        kind: j.kind,
        connect_with_quickbooks: j.connect_with_quickbooks,
    }
}

#[test]
fn decoded_jobcodes_encode_and_read_back_unchanged() {
    let page = qbtime::decode_jobcodes(&fixture("qbtime/jobcodes-list-tricky.json")).unwrap();
    let writable: Vec<NewJobcode> = page
        .jobcodes
        .iter()
        .map(as_new)
        .filter(|n| matches!(n.kind, JobcodeType::Regular | JobcodeType::Pto))
        .filter(|n| !n.connect_with_quickbooks || !n.name.contains(':'))
        .collect();
    assert_eq!(writable.len(), 3);
    let body = qbtime::encode_jobcode_creates(&writable).unwrap();
    assert_eq!(
        qbtime::decode_jobcode_create_request(body.as_bytes()).unwrap(),
        writable
    );
}

fn name_strategy() -> impl Strategy<Value = String> {
    // Any characters QBO accepts in a shared name: no `:`, no controls.
    proptest::collection::vec(
        any::<char>().prop_filter("QBO-safe", |c| *c != ':' && !c.is_control()),
        1..=64,
    )
    .prop_map(|cs| cs.into_iter().collect::<String>())
    .prop_filter("not blank", |s| !s.trim().is_empty())
}

/// A jobcode as QBT would list it.
fn listed(j: &Jobcode) -> String {
    let mut name = String::new();
    for c in j.name.chars() {
        match c {
            '"' => name.push_str("\\\""),
            '\\' => name.push_str("\\\\"),
            c => name.push(c),
        }
    }
    format!(
        r#"{{"results":{{"jobcodes":{{"{id}":{{"id":{id},"parent_id":{p},"name":"{name}","type":"{t}","active":{a},"billable_rate":12.5,"connect_with_quickbooks":{c}}}}}}},"more":false}}"#,
        id = j.id.0,
        p = j.parent_id.0,
        t = j.kind.as_str(),
        a = j.active,
        c = j.connect_with_quickbooks,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn creates_round_trip(
        parents in proptest::collection::vec(0u64..=u64::MAX, 1..8),
        names in proptest::collection::vec(name_strategy(), 8),
        connect in any::<bool>(),
    ) {
        let sent: Vec<NewJobcode> = parents
            .iter()
            .zip(&names)
            .map(|(p, n)| NewJobcode {
                parent_id: JobcodeId(*p),
                name: n.clone(),
                kind: JobcodeType::Regular,
                connect_with_quickbooks: connect,
            })
            .collect();
        let body = qbtime::encode_jobcode_creates(&sent).unwrap();
        prop_assert_eq!(qbtime::decode_jobcode_create_request(body.as_bytes()).unwrap(), sent);
    }

    #[test]
    fn listed_jobcodes_round_trip_through_a_create(
        id in 1u64..=u64::MAX,
        parent in 0u64..=u64::MAX,
        name in name_strategy(),
        active in any::<bool>(),
        connect in any::<bool>(),
    ) {
        let mut j = Jobcode::job(id, parent, name);
        j.active = active;
        j.connect_with_quickbooks = connect;
        let page = qbtime::decode_jobcodes(listed(&j).as_bytes()).unwrap();
        prop_assert_eq!(&page.jobcodes, &vec![j.clone()]);
        let body = qbtime::encode_jobcode_create(&as_new(&page.jobcodes[0])).unwrap();
        prop_assert_eq!(qbtime::decode_jobcode_create_request(body.as_bytes()).unwrap(), vec![as_new(&j)]);
    }

    #[test]
    fn q3_the_encoder_refuses_nothing_the_planner_plans(
        names in proptest::collection::vec(any::<String>(), 1..6),
        job in any::<String>(),
    ) {
        // Planner and encoder read the same limits (`rules::qbtime`).
        let clients: Vec<Contact> = names
            .iter()
            .enumerate()
            .map(|(i, n)| Contact::organization(format!("C{i}").as_str(), n.as_str()))
            .collect();
        let work = [Work::new("W1", "C0", job)];
        let plan = ledgerlink::qbtime::plan(&PlanInput::new(&clients, &work, &[]));
        let mut created = BTreeMap::new();
        for round in 0..2u64 {
            let out = qbtime::encode_plan(&plan, &created);
            prop_assert!(out.rejected.is_empty(), "{:?}", out.rejected);
            for (i, id) in out.batches.iter().flat_map(|b| &b.operations).enumerate() {
                created.insert(id.clone(), JobcodeId(round * 100 + i as u64 + 1));
            }
        }
        prop_assert_eq!(created.len(), plan.operations.len());
    }

    #[test]
    fn names_over_the_limit_are_always_refused(extra in 1usize..40, c in any::<char>()) {
        let name: String = std::iter::repeat_n(c, qbtime::MAX_NAME_CHARS + extra).collect();
        let too_long = matches!(
            qbtime::encode_jobcode_create(&new_jobcode(0, &name)),
            Err(WireError::TooLong { .. } | WireError::Invalid { .. })
        );
        prop_assert!(too_long);
    }

    #[test]
    fn non_numeric_keys_are_shape_errors(key in "[^0-9\"\\\\\\x00-\\x1f]{1,12}") {
        let body = format!(
            r#"{{"results":{{"jobcodes":{{"{key}":{{"id":1,"parent_id":0,"name":"A","type":"regular","active":true}}}}}},"more":false}}"#
        );
        let e = qbtime::decode_jobcodes(body.as_bytes()).unwrap_err();
        prop_assert!(is_shape(&e), "{:?}", e);
        let e = wire::decode_any(body.as_bytes()).unwrap_err();
        prop_assert!(is_shape(&e), "{:?}", e);
    }
}

// ----------------------------------------------------------- never panics

fn every_decoder(bytes: &[u8]) {
    let _ = qbtime::decode_any(bytes);
    let _ = qbtime::decode_jobcodes(bytes);
    let _ = qbtime::decode_jobcode(bytes);
    let _ = qbtime::decode_jobcode_results(bytes);
    let _ = qbtime::decode_timesheets(bytes);
    let _ = qbtime::decode_timesheet(bytes);
    let _ = qbtime::decode_deleted_timesheets(bytes);
    let _ = qbtime::decode_jobcode_create_request(bytes);
    let _ = qbtime::decode_error(429, bytes);
    let _ = qbtime::decode_http_error(500, Some("x"), bytes);
    let _ = wire::decode_any(bytes);
}

#[test]
fn every_truncation_of_every_fixture_is_an_error_not_a_panic() {
    let fixtures = all_fixtures();
    assert!(fixtures.len() >= 13);
    for (name, bytes) in &fixtures {
        for cut in 0..bytes.len() {
            let head = &bytes[..cut];
            every_decoder(head);
            if bytes[cut..].iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            // A truncated listing or object is never read as complete.
            if let Ok(p) = qbtime::decode_jobcodes(head) {
                panic!("{name} cut at {cut} decoded: {p:?}");
            }
            if let Some(Ok(p)) = qbtime::decode_any(head) {
                panic!("{name} cut at {cut} decoded: {p:?}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        every_decoder(&bytes);
    }

    #[test]
    fn corrupted_fixtures_never_panic(
        pick in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        with in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let fixtures = all_fixtures();
        let (_, bytes) = &fixtures[pick.index(fixtures.len())];
        let mut bytes = bytes.clone();
        let i = at.index(bytes.len().max(1)).min(bytes.len());
        bytes.splice(i..i, with);
        every_decoder(&bytes);
    }

    #[test]
    fn json_shaped_noise_never_panics(
        items in proptest::collection::vec(
            (
                "[0-9a-z]{0,4}",
                prop_oneof![
                    Just("1".to_owned()), Just("-1".to_owned()), Just("1.5".to_owned()),
                    Just("\"\"".to_owned()), Just("null".to_owned()), Just("[]".to_owned()),
                    Just("{}".to_owned()), Just("true".to_owned()),
                    Just("\"2026-01-01T00:00:00+00:00\"".to_owned()),
                    Just("\"regular\"".to_owned()), Just("\"manual\"".to_owned()),
                    Just("18446744073709551616".to_owned()),
                ],
                prop::sample::select(vec![
                    "id", "parent_id", "name", "type", "active", "start", "end", "date",
                    "duration", "user_id", "jobcode_id", "_status_code", "_status_extra",
                ]),
            ),
            0..6,
        ),
        set in prop::sample::select(vec!["jobcodes", "timesheets"]),
    ) {
        let fields: Vec<String> = items
            .iter()
            .map(|(_, v, f)| format!(r#""{f}":{v}"#))
            .collect();
        let key = items.first().map_or("1", |(k, _, _)| k.as_str());
        let body = format!(
            r#"{{"results":{{"{set}":{{"{key}":{{{}}}}}}},"more":false}}"#,
            fields.join(",")
        );
        every_decoder(body.as_bytes());
        let single = format!("{{{}}}", fields.join(","));
        every_decoder(single.as_bytes());
    }
}

// ------------------------------------------------------- hostile inputs

#[test]
fn nesting_100_000_deep_is_an_error_not_a_stack_overflow() {
    let json = format!(
        "{{\"results\":{{\"jobcodes\":{{\"1\":{}",
        "[".repeat(100_000)
    );
    assert!(qbtime::decode_jobcodes(json.as_bytes()).is_err());
    assert!(wire::decode_any(json.as_bytes()).is_err());
}

#[test]
fn limits_stop_a_page_at_the_record_or_field_past_them() {
    use ledgerlink::wire::{Limit, Limits};
    let page = br#"{"results":{"jobcodes":{
        "1":{"id":1,"parent_id":0,"name":"A","type":"regular","active":true},
        "2":{"id":2,"parent_id":0,"name":"Bee","type":"regular","active":true}}},"more":false}"#;
    assert_eq!(qbtime::decode_jobcodes(page).unwrap().jobcodes.len(), 2);
    assert_eq!(
        qbtime::decode_jobcodes_with_limits(page, &Limits::default().with_max_records(1)),
        Err(WireError::TooLarge {
            provider: Profile::QbTime,
            limit: Limit::Records,
            path: "results.jobcodes.2".into(),
            value: 2,
            max: 1,
        })
    );
    assert_eq!(
        qbtime::decode_jobcodes_with_limits(page, &Limits::default().with_max_field_bytes(2)),
        Err(WireError::TooLarge {
            provider: Profile::QbTime,
            limit: Limit::FieldBytes,
            path: "results.jobcodes.2.name".into(),
            value: 3,
            max: 2,
        })
    );
    let sheets = br#"{"results":{"timesheets":[{"id":1},{"id":2}]},"more":false}"#;
    assert!(matches!(
        qbtime::decode_timesheets_with_limits(sheets, &Limits::default().with_max_records(1)),
        Err(WireError::TooLarge { limit: Limit::Records, ref path, value: 2, max: 1, .. })
            if path == "results.timesheets.[1]"
    ));
}
