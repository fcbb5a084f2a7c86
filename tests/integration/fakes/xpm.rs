//! The XPM call codec against the XPM fake.

use ledgerlink::Contact;
use ledgerlink::model::ContactStatus;
use ledgerlink::ports::AdapterError;
use ledgerlink::wire::xpm::Calls;
use ledgerlink_fakes::XpmFake;

use super::{call, response};

#[test]
fn lists_clients_and_contacts_and_creates() {
    let f = XpmFake::start("practice-1").unwrap();
    let (base, token) = (f.api_base(), f.access_token());
    let calls = Calls::new("practice-1");
    let client = f.insert_client(&[("Name", "Bloggs Trust"), ("Email", "trust@bloggs.example")]);
    f.insert_contact(
        &client,
        &[("Name", "Jo Bloggs"), ("Mobile", "021 555")],
        true,
    )
    .unwrap();
    let gone = f.insert_client(&[("Name", "Gone Ltd")]);
    f.delete_client(&gone);

    let reply = call(&base, &token, &calls.list(None).unwrap());
    let page = calls.read_list(None, &response(&reply)).unwrap();
    assert_eq!(page.contacts.len(), 3, "{page:?}");
    let deleted = page
        .contacts
        .iter()
        .find(|c| c.id.as_str() == gone)
        .unwrap();
    assert_eq!(deleted.status, ContactStatus::Archived);

    let new = Contact::named("", "Rimu Surveyors");
    let reply = call(&base, &token, &calls.create(&new, "k-1").unwrap());
    let made = calls.read_create(&response(&reply)).unwrap();
    assert!(!made.id.as_str().is_empty());
    assert_eq!(f.client_count(), 3);

    f.expire_access_tokens();
    let reply = call(&base, &token, &calls.list(None).unwrap());
    assert!(matches!(
        calls.read_list(None, &response(&reply)),
        Err(AdapterError::AccessTokenExpired { .. })
    ));
}
