#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::de::{Flag, Num, Text, parse_digits};
use super::probe::{Kind, looks_like_qbt, probe};
use super::*;

#[test]
fn digits_only_make_an_id() {
    assert_eq!(parse_digits("0"), Some(0));
    assert_eq!(parse_digits("17288281"), Some(17_288_281));
    assert_eq!(parse_digits("18446744073709551615"), Some(u64::MAX));
    for bad in [
        "",
        "+1",
        "-1",
        " 1",
        "1 ",
        "1.0",
        "1e3",
        "18446744073709551616",
        "٣",
    ] {
        assert_eq!(parse_digits(bad), None, "{bad:?}");
    }
}

#[test]
fn numbers_and_flags_are_read_tolerantly() {
    let n = |s: &str| serde_json::from_str::<Num>(s).ok().map(|n| n.0);
    assert_eq!(n("42"), Some(42));
    assert_eq!(n("\"42\""), Some(42));
    assert_eq!(n("-1"), None);
    assert_eq!(n("4.2"), None);
    assert_eq!(n("true"), None);
    let f = |s: &str| serde_json::from_str::<Flag>(s).ok().map(|f| f.0);
    assert_eq!(f("true"), Some(true));
    assert_eq!(f("0"), Some(false));
    assert_eq!(f("\"yes\""), Some(true));
    assert_eq!(f("\"no\""), Some(false));
    assert_eq!(f("2"), None);
    assert_eq!(f("\"maybe\""), None);
}

#[test]
fn text_borrows_unless_escaped() {
    let t: Text<'_> = serde_json::from_str("\"plain\"").unwrap();
    assert!(matches!(t.0, std::borrow::Cow::Borrowed("plain")));
    let t: Text<'_> = serde_json::from_str("\"a\\\"b\"").unwrap();
    assert_eq!(t.as_str(), "a\"b");
}

#[test]
fn payloads_are_recognised_from_their_keys() {
    let kind = |s: &str| probe(s.as_bytes()).map(|r| r.ok());
    assert_eq!(
        kind(r#"{"results":{"jobcodes":{}},"more":false}"#),
        Some(Some(Kind::Jobcodes))
    );
    assert_eq!(
        kind(r#"{"more":true,"results":{"timesheets":[]}}"#),
        Some(Some(Kind::Timesheets))
    );
    assert_eq!(
        kind(r#"{"results":{"jobcodes":{},"timesheets":{}},"more":false}"#),
        Some(Some(Kind::Both))
    );
    assert_eq!(
        kind(r#"{"results":{"users":{}},"more":false}"#),
        Some(Some(Kind::Other("users".into())))
    );
    assert_eq!(
        kind(r#"{"results":[],"more":false}"#),
        Some(Some(Kind::Other("empty".into())))
    );
    assert_eq!(kind(r#"{"results":{"users":{}}}"#), None);
    assert_eq!(
        kind(r#"{"error":{"code":401,"message":"x"}}"#),
        Some(Some(Kind::Error))
    );
    assert_eq!(
        kind(r#"{"code":404,"message":"x"}"#),
        Some(Some(Kind::Error))
    );
    assert_eq!(kind(r#"{"code":404,"message":"x","detail":"y"}"#), None);
    assert_eq!(kind(r#"{"error":"invalid_grant"}"#), None);
    assert_eq!(
        kind(r#"{"id":1,"user_id":2,"jobcode_id":3,"type":"manual"}"#),
        Some(Some(Kind::Timesheet))
    );
    assert_eq!(
        kind(r#"{"id":1,"parent_id":0,"name":"A","type":"regular"}"#),
        Some(Some(Kind::Jobcode))
    );
    assert_eq!(kind(r#"{"Contacts":[]}"#), None);
    assert_eq!(kind("[]"), None);
    assert_eq!(kind("\"x\""), None);
    assert_eq!(kind(""), None);
}

#[test]
fn cut_short_payloads_are_claimed_only_when_they_look_like_qbt() {
    assert!(looks_like_qbt(br#"  {"results":{"jobcodes":{"1":{"#));
    assert!(looks_like_qbt(br#"{"id":1,"jobcode_id":"#));
    assert!(!looks_like_qbt(br#"{"Contacts":[{"Name":"jobcodes"#));
    assert!(!looks_like_qbt(br#"["jobcodes""#));
    assert!(matches!(
        probe(br#"{"results":{"jobcodes":{"1":"#),
        Some(Err(_))
    ));
    assert!(probe(br#"{"Invoices":["#).is_none());
}

#[test]
fn the_error_payload_without_a_code_is_a_validation_error() {
    let Some(Ok(Payload::Error { error, .. })) = decode_any(br#"{"error":{"message":"Oops"}}"#)
    else {
        panic!()
    };
    assert_eq!(
        error,
        AdapterError::Validation {
            code: None,
            message: "Oops".into()
        }
    );
}

#[test]
fn item_statuses_map_like_http_statuses() {
    let body = br#"{"results":{"jobcodes":{
        "1":{"_status_code":429,"name":"A"},
        "2":{"_status_code":500,"_status_message":"Internal Server Error","name":"B"},
        "3":{"_status_code":404,"name":"C"},
        "4":{"_status_code":70000,"name":"D"}}}}"#;
    let e = decode_jobcode_results(body).unwrap_err();
    assert!(
        matches!(e, WireError::Shape { ref path, .. } if path == "results.jobcodes.4._status_code")
    );
    let body = br#"{"results":{"jobcodes":{
        "1":{"_status_code":429,"name":"A"},
        "2":{"_status_code":500,"_status_message":"Internal Server Error","name":"B"},
        "3":{"_status_code":404,"name":"C"}}}}"#;
    let r = decode_jobcode_results(body).unwrap();
    assert_eq!(
        r[0],
        Err(AdapterError::RateLimited {
            retry_after_secs: RATE_LIMIT_WINDOW_SECS
        })
    );
    assert!(matches!(r[1], Err(AdapterError::Transient { .. })));
    assert!(matches!(r[2], Err(AdapterError::NotFound { .. })));
}

#[test]
fn write_results_may_come_as_an_array_in_request_order() {
    let body = br#"{"results":{"jobcodes":[
        {"_status_code":200,"id":8,"parent_id":0,"name":"A","type":"regular","active":true},
        {"_status_code":417,"_status_extra":"bad","name":"B"}]}}"#;
    let r = decode_jobcode_results(body).unwrap();
    assert_eq!(r[0].as_ref().map(|j| j.id.0), Ok(8));
    assert!(r[1].is_err());
    // A listing in an array needs its ids.
    let listing =
        br#"{"results":{"jobcodes":[{"parent_id":0,"name":"A","type":"regular","active":true}]}}"#;
    let e = decode_jobcodes(listing).unwrap_err();
    assert!(matches!(e, WireError::Shape { ref path, .. } if path == "results.jobcodes.[0].id"));
}

#[test]
fn timestamps_with_a_colonless_offset_are_read() {
    let t = decode_timesheet(
        br#"{"id":1,"user_id":2,"jobcode_id":3,"type":"regular",
             "start":"2026-01-01T09:00:00+0000","end":"2026-01-01T10:00:00+0100"}"#,
    )
    .unwrap();
    // 10:00+01:00 is 09:00 UTC: no time at all.
    assert_eq!(t.duration_secs, 0);
    assert!(!t.is_on_the_clock());
}

#[test]
fn plans_with_names_qbt_would_refuse_list_them_instead_of_sending() {
    use crate::Contact;
    use crate::qbtime::{PlanInput, plan};

    let clients = vec![Contact::organization("C1", "Acme Ltd")];
    let mut plan = plan(&PlanInput::new(&clients, &[], &[]));
    let op = plan.operations.first_mut().unwrap();
    op.action.name = "x".repeat(MAX_NAME_CHARS + 1);
    let out = encode_plan(&plan, &BTreeMap::new());
    assert!(out.batches.is_empty());
    assert!(matches!(
        out.rejected.as_slice(),
        [(_, WireError::TooLong { .. })]
    ));
}
