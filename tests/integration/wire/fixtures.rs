//! Matching real public ledger payloads (../shared/wire/fixtures), mapped
//! to the contact model by hand. Skipped, with a message, when the fixtures
//! are not checked out beside the crate.
#![allow(clippy::print_stderr)]

use crate::support::contacts::{kind, org, person, run};
use crate::support::fixtures::shared_fixture;
use ledgerlink::model::VersionToken;
use ledgerlink::rules::qbo::UnmatchableReason;
use ledgerlink::{Contact, ContactId, ContactKind, MatchClass, MatchOutcome, Profile};
use serde_json::Value;

/// A shared JSON payload; `None`, with a message, when it is not there.
fn fixture(rel: &str) -> Option<Value> {
    shared_fixture(rel).map(|bytes| serde_json::from_slice(&bytes).expect("fixture is valid JSON"))
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A QBO `Customer` as a contact.
fn from_qbo(v: &Value) -> Contact {
    let mut c = Contact {
        id: ContactId::new(text(v, "Id").unwrap_or_default()),
        display_name: text(v, "DisplayName"),
        organization_name: text(v, "CompanyName"),
        first_name: text(v, "GivenName"),
        last_name: text(v, "FamilyName"),
        ..Contact::default()
    };
    if let Some(e) = v
        .pointer("/PrimaryEmailAddr/Address")
        .and_then(Value::as_str)
    {
        c = c.with_email(e);
    }
    c.extras.parent_id = v
        .pointer("/ParentRef/value")
        .and_then(Value::as_str)
        .map(ContactId::from);
    c.extras.version = text(v, "SyncToken").map(VersionToken::SyncToken);
    c
}

/// A Xero `Contact` as a contact.
fn from_xero(v: &Value) -> Contact {
    let mut c = Contact {
        id: ContactId::new(text(v, "ContactID").unwrap_or_default()),
        display_name: text(v, "Name"),
        first_name: text(v, "FirstName"),
        last_name: text(v, "LastName"),
        ..Contact::default()
    };
    if let Some(e) = text(v, "EmailAddress") {
        c = c.with_email(e);
    }
    c
}

#[test]
fn m5_m6_t4_qbo_sandbox_customers() {
    let Some(doc) = fixture("qbo/qbo-customers-query.json") else {
        return;
    };
    let customers: Vec<Contact> = doc
        .pointer("/QueryResponse/Customer")
        .and_then(Value::as_array)
        .expect("customer list")
        .iter()
        .map(from_qbo)
        .collect();
    assert_eq!(customers.len(), 41);
    let local = [
        org("K1", "Amy's Bird Sanctuary", "birds@intuit.com"),
        person("K2", "Diego", "Rodriguez", "diego@rodriguez.com"),
        org("K3", "Cool Cars", "someone-else@cool.test"),
    ];
    let results = run(Profile::Qbo, &local, &customers);
    let by_id = |id: &str| results.iter().find(|r| r.remote_id == id).expect(id);

    // Display = company → organisation, matched on the company name (M5).
    assert_eq!(
        by_id("1").outcome,
        MatchOutcome::Full {
            local_id: "K1".into()
        }
    );
    assert_eq!(kind(by_id("1")), Some(ContactKind::Organization));
    // First + last, no company → person, matched on first, last, email (M6).
    assert_eq!(
        by_id("4").outcome,
        MatchOutcome::Full {
            local_id: "K2".into()
        }
    );
    assert_eq!(kind(by_id("4")), Some(ContactKind::Person));
    // Name only → review.
    assert_eq!(by_id("3").outcome.class(), MatchClass::Partial);
    // Display name only ("Araborn", "Doe, Jack"…): unmatchable (M5).
    let unmatchable: Vec<&str> = results
        .iter()
        .filter(|r| r.outcome.class() == MatchClass::Unmatchable)
        .map(|r| r.remote_id.as_str())
        .collect();
    // 12 with a display name only, plus job "55 Twin Lane" (company
    // "Freeman Sporting Goods", given name only).
    assert_eq!(unmatchable.len(), 13, "{unmatchable:?}");
    assert_eq!(
        by_id("67").outcome,
        MatchOutcome::Unmatchable {
            reason: UnmatchableReason::NoCompanyOrPersonName
        }
    );
    // Nothing is dropped: one result per customer.
    assert_eq!(results.len(), customers.len());
}

#[test]
fn m4_xero_contacts_listing() {
    let Some(doc) = fixture("xero/xero-contacts-get.json") else {
        return;
    };
    let contacts: Vec<Contact> = doc["Contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .map(from_xero)
        .collect();
    let local = [
        person("K1", "Katherine", "Warren", "KAT.WARREN@clampett.com"),
        person("K2", "Lisa", "Parker", "lisa@elsewhere.test"),
    ];
    let results = run(Profile::XeroGl, &local, &contacts);
    assert_eq!(
        results[0].outcome,
        MatchOutcome::Full {
            local_id: "K1".into()
        }
    );
    assert_eq!(results[1].outcome.class(), MatchClass::Partial);
    assert_eq!(results[1].outcome.local_ids(), vec![&ContactId::from("K2")]);
}
