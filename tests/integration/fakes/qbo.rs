//! The QBO call codec against the QBO fake.

use std::time::Duration;

use ledgerlink::Contact;
use ledgerlink::Profile;
use ledgerlink::model::ContactId;
use ledgerlink::ports::AdapterError;
use ledgerlink::sync::FieldValue;
use ledgerlink::sync::SyncField;
use ledgerlink::wire::qbo::Calls;
use ledgerlink_fakes::QboFake;
use serde_json::json;

use super::{call, response};
use crate::support::contacts::patch;

#[test]
fn lists_inactive_customers_and_refuses_stale_updates() {
    let q = QboFake::start("9130").unwrap();
    let (base, token) = (q.api_base(), q.access_token());
    let calls = Calls::new("9130");
    q.insert_customer(json!({"DisplayName": "Acme"}));
    let off = q.insert_customer(json!({"DisplayName": "Dormant"}));
    q.deactivate_customer(&off);
    let reply = call(&base, &token, &calls.list(None).unwrap());
    let page = calls.read_list(None, &response(&reply)).unwrap();
    assert_eq!(page.contacts.len(), 2);

    let dup = Contact::named("", "acme");
    let reply = call(&base, &token, &calls.create(&dup, "k-1").unwrap());
    assert!(matches!(
        calls.read_create(&response(&reply)),
        Err(AdapterError::DuplicateName { .. })
    ));
    let new = Contact::named("", "Beta");
    let first = call(&base, &token, &calls.create(&new, "k-2").unwrap());
    let made = calls.read_create(&response(&first)).unwrap();
    let again = call(&base, &token, &calls.create(&new, "k-2").unwrap());
    assert_eq!(calls.read_create(&response(&again)).unwrap().id, made.id);
    assert_eq!(q.customers().len(), 3);

    // Someone edits it in QBO: the version read before is stale.
    q.edit_customer(made.id.as_str(), json!({"Notes": "edited"}));
    let p = patch(
        Profile::Qbo,
        vec![(
            SyncField::Email,
            Some(FieldValue::Text("a@beta.example".into())),
        )],
    );
    let id = ContactId::new(made.id.as_str());
    let reply = call(
        &base,
        &token,
        &calls.update(&id, &p, made.extras.version.as_ref()).unwrap(),
    );
    assert!(matches!(
        calls.read_update(&id, &response(&reply)),
        Err(AdapterError::StaleVersion { .. })
    ));
}

#[test]
fn change_data_capture_reports_deletions() {
    let q = QboFake::start("9130").unwrap();
    let (base, token) = (q.api_base(), q.access_token());
    let calls = Calls::new("9130");
    let a = q.insert_customer(json!({"DisplayName": "A"}));
    let b = q.insert_customer(json!({"DisplayName": "B"}));
    let reply = call(&base, &token, &calls.list_changes(None, None).unwrap());
    let first = calls.read_changes(None, None, &response(&reply)).unwrap();
    let cursor = first.cursor.unwrap();
    q.advance(Duration::from_secs(3600));
    q.merge_customer(&b, &a);
    let reply = call(
        &base,
        &token,
        &calls.list_changes(Some(&cursor), None).unwrap(),
    );
    let changes = calls
        .read_changes(Some(&cursor), None, &response(&reply))
        .unwrap();
    assert_eq!(changes.deleted, [ContactId::new(b.as_str())]);
    assert!(changes.cursor.is_some());

    // Past QBO's 30 days, the feed is refused and the driver lists in full.
    q.advance(Duration::from_secs(31 * 86_400));
    let reply = call(
        &base,
        &token,
        &calls.list_changes(Some(&cursor), None).unwrap(),
    );
    assert!(matches!(
        calls.read_changes(Some(&cursor), None, &response(&reply)),
        Err(AdapterError::Unsupported { .. })
    ));
}
