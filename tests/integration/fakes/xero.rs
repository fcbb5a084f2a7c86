//! The Xero call codec against the Xero fake.

use std::time::Duration;

use ledgerlink::Contact;
use ledgerlink::Profile;
use ledgerlink::model::{ContactId, ContactStatus};
use ledgerlink::ports::AdapterError;
use ledgerlink::sync::FieldValue;
use ledgerlink::sync::SyncField;
use ledgerlink::wire::xero::Calls;
use ledgerlink_fakes::XeroFake;
use serde_json::json;

use super::{call, response};
use crate::support::contacts::patch;

#[test]
fn lists_creates_updates_and_follows_changes() {
    let x = XeroFake::start("tenant-1").unwrap();
    let (base, token) = (x.api_base(), x.access_token());
    let calls = Calls::new("tenant-1");
    x.insert_contact(json!({"Name": "Acme Ltd", "EmailAddress": "ap@acme.example"}));
    let gone = x.insert_contact(json!({"Name": "Old Co"}));
    x.archive_contact(&gone);

    let reply = call(&base, &token, &calls.list(None).unwrap());
    let page = calls.read_list(None, &response(&reply)).unwrap();
    assert_eq!(page.contacts.len(), 2);
    assert_eq!(page.next_page, None);
    let old = page
        .contacts
        .iter()
        .find(|c| c.id.as_str() == gone)
        .unwrap();
    assert_eq!(old.status, ContactStatus::Archived);

    // A name in use among active contacts.
    let dup = Contact::named("", "Acme Ltd");
    let reply = call(&base, &token, &calls.create(&dup, "key-1").unwrap());
    assert!(matches!(
        calls.read_create(&response(&reply)),
        Err(AdapterError::DuplicateName { .. })
    ));

    // A create sent twice with its key makes one contact.
    let new = Contact::named("", "Beta Ltd").with_email("hi@beta.example");
    let first = call(&base, &token, &calls.create(&new, "key-2").unwrap());
    let made = calls.read_create(&response(&first)).unwrap();
    let again = call(&base, &token, &calls.create(&new, "key-2").unwrap());
    assert_eq!(calls.read_create(&response(&again)).unwrap().id, made.id);
    assert_eq!(x.contacts().len(), 3);

    // The change feed: a cursor, then only what changed after it (the
    // codec's cursor overlaps the listing by a few seconds).
    x.advance(Duration::from_secs(600));
    let reply = call(&base, &token, &calls.list_changes(None, None).unwrap());
    let changes = calls.read_changes(None, None, &response(&reply)).unwrap();
    let cursor = changes.cursor.unwrap();
    x.advance(Duration::from_secs(600));
    let p = patch(
        Profile::XeroGl,
        vec![(
            SyncField::Email,
            Some(FieldValue::Text("new@beta.example".into())),
        )],
    );
    let id = ContactId::new(made.id.as_str());
    let reply = call(&base, &token, &calls.update(&id, &p, None).unwrap());
    let stored = calls.read_update(&id, &response(&reply)).unwrap();
    assert_eq!(stored.emails[0].address, "new@beta.example");
    let reply = call(
        &base,
        &token,
        &calls.list_changes(Some(&cursor), None).unwrap(),
    );
    let changed = calls
        .read_changes(Some(&cursor), None, &response(&reply))
        .unwrap();
    let ids: Vec<_> = changed
        .changed
        .iter()
        .map(|c| c.id.as_str().to_owned())
        .collect();
    assert_eq!(ids, [made.id.as_str().to_owned()]);
}

#[test]
fn expired_tokens_and_rate_limits_map_to_their_errors() {
    let x = XeroFake::start("tenant-1").unwrap();
    let calls = Calls::new("tenant-1");
    x.throttle_next(1, 12);
    let reply = call(&x.api_base(), &x.access_token(), &calls.list(None).unwrap());
    assert!(matches!(
        calls.read_list(None, &response(&reply)),
        Err(AdapterError::RateLimited {
            retry_after_secs: 12
        })
    ));
    x.expire_access_tokens();
    let reply = call(&x.api_base(), &x.access_token(), &calls.list(None).unwrap());
    assert!(matches!(
        calls.read_list(None, &response(&reply)),
        Err(AdapterError::AccessTokenExpired { .. })
    ));
    // The log never holds the token.
    assert!(
        x.requests()
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer [redacted]"))
    );
}
