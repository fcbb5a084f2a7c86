//! The call codecs' response readers on any answer: a status, a `Date` and
//! `Retry-After` header and a body made from the input go through every
//! reader of the four providers — a typed result, never a panic. A page
//! token or cursor a reader hands back is always accepted by the builder
//! that continues the listing (a listing never stops on its own token).
#![no_main]

use ledgerlink::model::ContactId;
use ledgerlink::qbtime::DateRange;
use ledgerlink::wire::{Response, qbo, qbtime, xero, xpm};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    // The first byte picks the status (2xx most often, every class
    // sometimes); a line of text before the first 0 byte, when there is
    // one, gives the headers.
    let status = match head % 8 {
        0..=3 => 200,
        4 => 400 + u16::from(head) % 30,
        5 => 500 + u16::from(head) % 5,
        6 => 304,
        _ => 100 + u16::from(head) * 2,
    };
    let (headers, body) = match rest.iter().position(|b| *b == 0) {
        Some(i) if i < 200 => (&rest[..i], &rest[i + 1..]),
        _ => (&b""[..], rest),
    };
    let text = String::from_utf8_lossy(headers);
    let mut answer = Response::new(status, body);
    for (n, part) in text.split('|').take(3).enumerate() {
        let name = ["Date", "Retry-After", "Content-Type"][n];
        answer = answer.with_header(name, part);
    }
    let id = ContactId::from("8a6f5bd1-0000-4000-8000-000000000001");

    let x = xero::Calls::new("tenant").with_payment_account("090");
    if let Ok(p) = x.read_list(None, &answer) {
        if let Some(t) = p.next_page.as_deref() {
            assert!(x.list(Some(t)).is_ok(), "xero: own page token refused: {t}");
        }
    }
    if let Ok(p) = x.read_changes(None, None, &answer) {
        if let Some(t) = p.next_page.as_deref() {
            assert!(x.list_changes(None, Some(t)).is_ok(), "xero: {t}");
        }
        if let Some(c) = p.cursor.as_deref() {
            assert!(x.list_changes(Some(c), None).is_ok(), "xero cursor: {c}");
        }
    }
    let _ = x.read_create(&answer);
    let _ = x.read_update(&id, &answer);
    let _ = x.read_create_batch(3, &answer);
    let _ = x.read_create_invoice(&answer);
    let _ = x.read_create_payment(&answer);
    if let Ok(p) = x.read_list_payments(None, &answer) {
        if let Some(t) = p.next_page.as_deref() {
            assert!(x.list_payments(Some(t)).is_ok(), "xero payments: {t}");
        }
    }
    let mut facts = x.ledger_facts();
    for _ in 0..4 {
        match facts.next_request() {
            Ok(Some(_)) => {
                if facts.read(&answer).is_err() {
                    break;
                }
            }
            _ => break,
        }
    }
    let _ = facts.finish();

    let q = qbo::Calls::new("9130357000000000");
    if let Ok(p) = q.read_list(None, &answer) {
        if let Some(t) = p.next_page.as_deref() {
            assert!(q.list(Some(t)).is_ok(), "qbo: own page token refused: {t}");
        }
    }
    if let Ok(p) = q.read_changes(Some("2026-12-01T00:00:00Z"), None, &answer) {
        if let Some(c) = p.cursor.as_deref() {
            assert!(q.list_changes(Some(c), None).is_ok(), "qbo cursor: {c}");
        }
    }
    if let Ok(p) = q.read_changes(None, None, &answer) {
        if let Some(t) = p.next_page.as_deref() {
            assert!(q.list_changes(None, Some(t)).is_ok(), "qbo: {t}");
        }
    }
    let _ = q.read_create(&answer);
    let _ = q.read_update(&id, &answer);
    let _ = q.read_create_batch(&[], &answer);
    let _ = q.read_create_invoice(&answer);
    let _ = q.read_create_payment(&answer);
    let _ = q.read_list_payments(None, &answer);
    let mut facts = q.ledger_facts();
    for _ in 0..4 {
        match facts.next_request() {
            Ok(Some(_)) => {
                if facts.read(&answer).is_err() {
                    break;
                }
            }
            _ => break,
        }
    }
    let _ = facts.finish();

    let p = xpm::Calls::new("tenant");
    let _ = p.read_list(None, &answer);
    if let Ok(c) = p.read_changes(None, None, &answer) {
        if let Some(c) = c.cursor.as_deref() {
            assert!(p.list_changes(Some(c), None).is_ok(), "xpm cursor: {c}");
        }
    }
    let _ = p.read_create(&answer);
    let _ = p.read_update(&id, &answer);
    let _ = p.read_link_contacts(&id, &[id.clone()], &answer);

    let t = qbtime::Calls::new();
    let _ = t.read_list_jobcodes(1, &answer);
    let _ = t.read_create_jobcode(&answer);
    let _ = t.read_create_jobcode_batch(2, &answer);
    let range = DateRange::new(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
        chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
    );
    let _ = t.read_list_timesheets(&range, 1, &answer);
    if let Ok(c) = t.read_jobcode_changes(None, None, &answer) {
        if let Some(c) = c.cursor.as_deref() {
            assert!(t.jobcode_changes(Some(c), None).is_ok(), "qbt cursor: {c}");
        }
    }
    if let Ok(c) = t.read_timesheet_changes(None, None, &answer) {
        if let Some(n) = c.next_page.as_deref() {
            assert!(t.timesheet_changes(None, Some(n)).is_ok(), "qbt: {n}");
        }
    }
});
