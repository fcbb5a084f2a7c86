//! The fakes' signed deliveries read by ledgerlink's webhook verifier: two
//! HMAC computations written apart must agree, and a wrong key or a
//! tampered signature must be refused.

use ledgerlink::wire::webhooks::{Change, decode_qbo, decode_xero, xero_response_status};
use ledgerlink_fakes::{QboFake, XeroFake};

#[test]
fn xero_deliveries_verify_and_read() {
    let x = XeroFake::start("tenant-1").unwrap();
    let d = x.webhook(b"key", &[("CONTACT", "UPDATE", "c-1")]);
    let events = decode_xero(&d.body, d.signature(), b"key").unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].tenant.as_str(), events[0].id.as_str()),
        ("tenant-1", "c-1")
    );
    assert_eq!(events[0].change, Change::Updated);
    assert!(decode_xero(&d.body, d.signature(), b"other key").is_err());
    let wrong = d.with_wrong_signature();
    assert!(decode_xero(&wrong.body, wrong.signature(), b"key").is_err());
    let intent = x.webhook(b"key", &[]);
    assert_eq!(
        xero_response_status(&intent.body, intent.signature(), b"key"),
        200
    );
    let bad = intent.with_wrong_signature();
    assert_eq!(
        xero_response_status(&bad.body, bad.signature(), b"key"),
        401
    );
}

#[test]
fn qbo_cloudevents_verify_and_read() {
    let q = QboFake::start("9130").unwrap();
    let d = q.webhook(
        b"verifier",
        &[("customer", "updated", "58"), ("customer", "merged", "59")],
    );
    let events = decode_qbo(&d.body, d.signature(), b"verifier").unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        (events[0].tenant.as_str(), events[0].id.as_str()),
        ("9130", "58")
    );
    assert_eq!(events[1].change, Change::Merged);
    assert!(decode_qbo(&d.body, d.signature(), b"nope").is_err());
}
