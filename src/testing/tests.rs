//! The stores' behaviour through the `ContactStore` trait, as a driver
//! sees it.

use chrono::{DateTime, Utc};

use super::*;
use crate::model::{Contact, ContactId, ContactStatus, VersionToken};
use crate::ports::{AdapterError, ContactStore};
use crate::rules::Profile;
use crate::sync::{FieldChange, FieldPatch, FieldValue, NameValue, SyncField};

fn rename(profile: Profile, name: &str) -> FieldPatch {
    FieldPatch {
        profile,
        changes: vec![FieldChange {
            field: SyncField::Name,
            old: None,
            new: Some(FieldValue::Name(NameValue {
                display: name.into(),
                ..NameValue::default()
            })),
        }],
    }
}

fn set_email(profile: Profile, email: &str) -> FieldPatch {
    FieldPatch {
        profile,
        changes: vec![FieldChange {
            field: SyncField::Email,
            old: None,
            new: Some(FieldValue::Text(email.into())),
        }],
    }
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600 + secs, 0).unwrap_or_default()
}

fn create(store: &MemoryStore, c: &Contact, key: &str) -> Result<Contact, AdapterError> {
    block_on(store.create(c, key))
}

fn is_duplicate(r: &Result<Contact, AdapterError>) -> bool {
    matches!(r, Err(AdapterError::DuplicateName { .. }))
}

fn sync_token(c: &Contact) -> Option<&str> {
    match &c.extras.version {
        Some(VersionToken::SyncToken(t)) => Some(t),
        _ => None,
    }
}

#[test]
fn create_is_idempotent_per_key() -> Result<(), AdapterError> {
    let local = MemoryStore::local();
    let acme = Contact::organization("X9", "Acme Ltd").with_email("a@acme.test");
    let first = create(&local, &acme, "op-1")?;
    assert_eq!(first.id, "L1");
    assert_eq!(first.extras.updated_at, Some(at(1)));
    assert_eq!(first.extras.version, Some(VersionToken::UpdatedAt(at(1))));
    assert_eq!(first.display_name.as_deref(), Some("Acme Ltd"));

    // The same key again: the record as it is now, nothing created.
    local.edit("L1", |c| c.emails.clear());
    let again = create(&local, &acme, "op-1")?;
    assert_eq!(again.id, "L1");
    assert!(again.emails.is_empty());
    assert_eq!(local.len(), 1);
    assert_eq!(
        local.created_keys(),
        [("op-1".to_owned(), ContactId::new("L1"))]
    );
    assert_eq!(local.id_for_key("op-1"), Some(ContactId::new("L1")));

    // Another key creates another record; ids skip the ones inserted.
    local.insert(Contact::organization("L2", "Inserted"));
    let second = create(&local, &acme, "op-2")?;
    assert_eq!(second.id, "L3");
    assert_eq!(local.len(), 3);
    assert_eq!(local.calls().create, 3);
    Ok(())
}

#[test]
fn xero_names_are_unique_among_active_contacts() -> Result<(), AdapterError> {
    let xero = MemoryStore::ledger(Profile::XeroGl);
    let acme = create(&xero, &Contact::organization("", "Acme Ltd"), "k1")?;
    assert_eq!(acme.id, "xero-0001");
    assert!(matches!(
        acme.extras.version,
        Some(VersionToken::UpdatedAt(_))
    ));

    let namesake = Contact::named("", "  ACME   ltd ");
    let refused = create(&xero, &namesake, "k2");
    assert_eq!(
        refused,
        Err(AdapterError::DuplicateName {
            name: "  ACME   ltd ".into()
        })
    );
    assert_eq!(xero.len(), 1);
    assert!(xero.created_keys().iter().all(|(k, _)| k != "k2"));

    // Once the first one is archived, the name is free again.
    assert!(xero.archive_now(&acme.id));
    assert_eq!(
        xero.get(&acme.id).map(|c| c.status),
        Some(ContactStatus::Archived)
    );
    let second = create(&xero, &namesake, "k2")?;
    assert_eq!(second.id, "xero-0002");

    // A rename onto an active contact's name is refused; other fields of a
    // contact are written even when its name is shared (inserted directly).
    let other = create(&xero, &Contact::organization("", "Other Ltd"), "k3")?;
    let collide = block_on(xero.update(&other.id, &rename(Profile::XeroGl, "acme ltd"), None));
    assert!(is_duplicate(&collide));
    assert_eq!(
        xero.get(&other.id).map(|c| c.label()),
        Some("Other Ltd".into())
    );
    let twin = xero.insert(Contact::named("", "Acme Ltd"));
    let email = block_on(xero.update(&twin, &set_email(Profile::XeroGl, "x@acme.test"), None))?;
    assert_eq!(email.billing_email(), Some("x@acme.test"));

    // Renaming a contact to its own name in another case is fine.
    let recased = block_on(xero.update(&other.id, &rename(Profile::XeroGl, "OTHER LTD"), None))?;
    assert_eq!(recased.label(), "OTHER LTD");

    // Names are required and limited to 255 characters.
    let unnamed = create(&xero, &Contact::default(), "k4");
    assert!(matches!(unnamed, Err(AdapterError::Validation { .. })));
    let long = create(&xero, &Contact::named("", "x".repeat(256)), "k5");
    assert!(matches!(long, Err(AdapterError::Validation { .. })));
    Ok(())
}

#[test]
fn xero_merge_archives_and_points_to_the_survivor() {
    let xero = MemoryStore::ledger(Profile::XeroGl);
    let a = xero.insert(Contact::named("", "Acme"));
    let b = xero.insert(Contact::named("", "Acme Ltd"));
    assert!(xero.merge(&a, &b));
    let merged = xero.get(&a);
    assert_eq!(
        merged.as_ref().map(|c| c.status),
        Some(ContactStatus::Archived)
    );
    assert_eq!(merged.and_then(|c| c.extras.merged_into), Some(b.clone()));
    assert!(!xero.merge(&b, "missing"));
    assert!(!xero.merge(&b, &b));
}

#[test]
fn qbo_display_names_tokens_and_stale_versions() -> Result<(), AdapterError> {
    let qbo = MemoryStore::ledger(Profile::Qbo);
    let jane = create(&qbo, &Contact::person("", "Jane", "Smith"), "k1")?;
    assert_eq!(jane.id, "1");
    assert_eq!(sync_token(&jane), Some("0"));

    // Unique across all customers, archived ones included.
    assert!(qbo.archive_now(&jane.id));
    let namesake = Contact::named("", "JANE SMITH");
    assert!(is_duplicate(&create(&qbo, &namesake, "k2")));

    // And across vendors and employees.
    qbo.reserve_name("Bob's Plumbing");
    let vendor = Contact::organization("", "bob's  plumbing");
    assert!(is_duplicate(&create(&qbo, &vendor, "k3")));

    // Reserved characters and length.
    for bad in ["Acme:Job", "Acme\tLtd", "Acme\nLtd"] {
        let r = create(&qbo, &Contact::named("", bad), "k4");
        assert!(
            matches!(&r, Err(AdapterError::Validation { code: Some(c), .. }) if c == "2050"),
            "{bad:?}: {r:?}"
        );
    }
    let long = create(&qbo, &Contact::named("", "y".repeat(501)), "k4");
    assert!(matches!(long, Err(AdapterError::Validation { .. })));
    assert_eq!(qbo.len(), 1);

    // Every write moves the SyncToken on; an old one is refused (U5).
    let acme = create(&qbo, &Contact::organization("", "Acme Ltd"), "k5")?;
    assert_eq!(acme.id, "2");
    let v0 = acme.extras.version.clone();
    let v1 = block_on(qbo.update(
        &acme.id,
        &set_email(Profile::Qbo, "a@acme.test"),
        v0.as_ref(),
    ))?;
    assert_eq!(sync_token(&v1), Some("1"));
    let stale = block_on(qbo.update(
        &acme.id,
        &set_email(Profile::Qbo, "b@acme.test"),
        v0.as_ref(),
    ));
    assert_eq!(
        stale,
        Err(AdapterError::StaleVersion {
            id: acme.id.clone()
        })
    );
    assert_eq!(
        qbo.get(&acme.id).map(|c| c.extras.version),
        Some(v1.extras.version.clone())
    );

    // A person edits the record in QBO: the token moves on again.
    assert!(qbo.edit(&acme.id, |c| c.emails.clear()));
    let stale = block_on(qbo.update(
        &acme.id,
        &rename(Profile::Qbo, "Acme"),
        v1.extras.version.as_ref(),
    ));
    assert!(matches!(stale, Err(AdapterError::StaleVersion { .. })));
    let current = qbo.get(&acme.id).and_then(|c| c.extras.version);
    assert_eq!(current, Some(VersionToken::SyncToken("2".into())));
    let renamed = block_on(qbo.update(&acme.id, &rename(Profile::Qbo, "Acme"), current.as_ref()))?;
    assert_eq!(
        (renamed.label().as_str(), sync_token(&renamed)),
        ("Acme", Some("3"))
    );

    // A rename onto a taken name, or with a colon, is refused.
    let r = block_on(qbo.update(&acme.id, &rename(Profile::Qbo, "jane smith"), None));
    assert!(is_duplicate(&r));
    let r = block_on(qbo.update(&acme.id, &rename(Profile::Qbo, "Acme:1"), None));
    assert!(matches!(r, Err(AdapterError::Validation { .. })));
    Ok(())
}

#[test]
fn qbo_sub_customers_are_unique_among_siblings() -> Result<(), AdapterError> {
    let qbo = MemoryStore::ledger(Profile::Qbo);
    let parent = create(&qbo, &Contact::named("", "Doe, Jack"), "k1")?;
    create(&qbo, &Contact::named("", "Jack Doe"), "k2")?;
    let mut job = Contact::named("", "Jack Doe");
    job.extras.parent_id = Some(parent.id.clone());
    let job1 = create(&qbo, &job, "k3")?;
    assert_eq!(job1.extras.parent_id, Some(parent.id));
    assert!(is_duplicate(&create(&qbo, &job, "k4")));
    job.extras.parent_id = Some("404".into());
    let orphan = create(&qbo, &job, "k5");
    assert!(matches!(orphan, Err(AdapterError::Validation { code: Some(c), .. }) if c == "610"));
    Ok(())
}

#[test]
fn xpm_allows_duplicates_and_defaults_business_structures() -> Result<(), AdapterError> {
    let xpm = MemoryStore::ledger(Profile::Xpm);
    let org = create(&xpm, &Contact::organization("", "Acme Ltd"), "k1")?;
    assert_eq!(org.id, "xpm-0001");
    assert_eq!(org.extras.business_structure.as_deref(), Some("Company"));
    let person = create(&xpm, &Contact::person("", "Jo", "Bloggs"), "k2")?;
    assert_eq!(
        person.extras.business_structure.as_deref(),
        Some("Individual")
    );
    let trust = Contact::organization("", "Acme Ltd").with_business_structure("Trust");
    let twin = create(&xpm, &trust, "k3")?;
    assert_eq!(twin.extras.business_structure.as_deref(), Some("Trust"));
    assert_eq!(xpm.find_by_name("ACME LTD").len(), 2);
    assert!(matches!(
        twin.extras.version,
        Some(VersionToken::UpdatedAt(_))
    ));
    Ok(())
}

#[test]
fn updates_apply_the_patch_and_refuse_unknown_or_stale() -> Result<(), AdapterError> {
    let xero = MemoryStore::ledger(Profile::XeroGl);
    let acme = create(&xero, &Contact::organization("", "Acme Ltd"), "k1")?;
    let missing = ContactId::new("xero-9999");
    let r = block_on(xero.update(&missing, &set_email(Profile::XeroGl, "a@b.test"), None));
    assert_eq!(
        r,
        Err(AdapterError::NotFound {
            id: missing.clone()
        })
    );

    let updated = block_on(xero.update(
        &acme.id,
        &set_email(Profile::XeroGl, "a@acme.test"),
        acme.extras.version.as_ref(),
    ))?;
    assert_eq!(updated.billing_email(), Some("a@acme.test"));
    assert_eq!(updated.extras.updated_at, Some(at(2)));
    assert_eq!(updated.extras.version, Some(VersionToken::UpdatedAt(at(2))));
    assert_eq!(xero.get(&acme.id), Some(updated));

    // Xero checks no version: an old `UpdatedAt` does not stop the write
    // (the planner never sends one to Xero).
    let unchecked = block_on(xero.update(
        &acme.id,
        &set_email(Profile::XeroGl, "b@acme.test"),
        acme.extras.version.as_ref(),
    ))?;
    assert_eq!(unchecked.billing_email(), Some("b@acme.test"));
    assert_eq!(xero.calls().update, 3);
    Ok(())
}

#[test]
fn list_pages_through_everything_sorted_by_id() -> Result<(), AdapterError> {
    let xero = MemoryStore::ledger(Profile::XeroGl).with_page_size(2);
    for name in ["E", "D", "C", "B", "A"] {
        create(&xero, &Contact::named("", name), name)?;
    }
    assert!(xero.archive_now("xero-0003"));
    let mut ids = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = block_on(xero.list(token.as_deref()))?;
        pages += 1;
        assert!(page.contacts.len() <= 2);
        ids.extend(page.contacts.iter().map(|c| c.id.to_string()));
        token = page.next_page;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        ids,
        [
            "xero-0001",
            "xero-0002",
            "xero-0003",
            "xero-0004",
            "xero-0005"
        ]
    );
    assert_eq!(xero.calls().list, 3);
    let all: Vec<_> = xero.all().into_iter().map(|c| c.id).collect();
    assert_eq!(all, ids.iter().map(ContactId::new).collect::<Vec<_>>());

    let empty = block_on(MemoryStore::local().list(None))?;
    assert_eq!((empty.contacts.len(), empty.next_page), (0, None));
    Ok(())
}

/// Every page of a change listing: changed ids, deleted ids, final cursor.
fn changes(store: &MemoryStore, cursor: Option<&str>) -> (Vec<String>, Vec<String>, String, usize) {
    let (mut changed, mut deleted, mut pages) = (Vec::new(), Vec::new(), 0);
    let mut token: Option<String> = None;
    loop {
        let page = block_on(store.list_changes(cursor, token.as_deref()));
        let Ok(page) = page else {
            panic!("change listing failed: {page:?}");
        };
        pages += 1;
        changed.extend(page.changed.iter().map(|c| c.id.to_string()));
        deleted.extend(page.deleted.iter().map(ToString::to_string));
        match (page.next_page, page.cursor) {
            (Some(next), None) => token = Some(next),
            (None, Some(cursor)) => return (changed, deleted, cursor, pages),
            other => panic!("a page has a next page or a cursor: {other:?}"),
        }
    }
}

#[test]
fn list_changes_since_a_cursor() -> Result<(), AdapterError> {
    let local = MemoryStore::local().with_page_size(2);
    for i in 0..5 {
        create(
            &local,
            &Contact::named("", format!("C{i}")),
            &format!("k{i}"),
        )?;
    }
    let (changed, deleted, cursor, pages) = changes(&local, None);
    assert_eq!(changed, ["L1", "L2", "L3", "L4", "L5"]);
    assert!(deleted.is_empty());
    assert_eq!((cursor.as_str(), pages), ("5", 3));

    // Nothing new.
    let (changed, deleted, same, pages) = changes(&local, Some(&cursor));
    assert!(changed.is_empty() && deleted.is_empty());
    assert_eq!((same.as_str(), pages), ("5", 1));

    // An edit, an archive and a deletion.
    local.edit("L4", |c| c.display_name = Some("C4 renamed".into()));
    local.archive_now("L2");
    assert!(local.delete("L5"));
    assert!(!local.delete("L5"));
    let (changed, deleted, next, _) = changes(&local, Some(&cursor));
    assert_eq!(changed, ["L2", "L4"]);
    assert_eq!(deleted, ["L5"]);
    assert_eq!(next, local.sequence().to_string());
    assert_eq!(local.get("L5"), None);

    // A write made while a listing is paged is listed again next time.
    let first = block_on(local.list_changes(None, None))?;
    assert_eq!(first.changed.len(), 2);
    local.edit("L1", |c| c.client_group = Some("G".into()));
    let mut token = first.next_page;
    let mut end = None;
    while let Some(t) = token {
        let page = block_on(local.list_changes(None, Some(&t)))?;
        token = page.next_page;
        end = page.cursor;
    }
    let (changed, _, _, _) = changes(&local, end.as_deref());
    assert_eq!(changed, ["L1"]);

    // Bad cursors and tokens are refused; a store may have no change feed.
    let bad = block_on(local.list_changes(Some("yesterday"), None));
    assert!(matches!(bad, Err(AdapterError::Validation { .. })));
    let bad = block_on(local.list_changes(None, Some("L1")));
    assert!(matches!(bad, Err(AdapterError::Validation { .. })));
    local.set_change_feed(false);
    let none = block_on(local.list_changes(None, None));
    assert!(matches!(none, Err(AdapterError::Unsupported { .. })));
    Ok(())
}

#[test]
fn rate_limits_and_transient_faults_have_no_effect() -> Result<(), AdapterError> {
    let xero = MemoryStore::ledger(Profile::XeroGl);
    xero.fail_next(
        Call::Create,
        Fault::RateLimited {
            retry_after_secs: 30,
        },
    );
    xero.fail_next(Call::Any, Fault::Transient);
    let acme = Contact::organization("", "Acme Ltd");
    let r = create(&xero, &acme, "k1");
    assert_eq!(
        r,
        Err(AdapterError::RateLimited {
            retry_after_secs: 30
        })
    );
    let r = block_on(xero.list(None));
    assert!(matches!(r, Err(AdapterError::Transient { .. })));
    assert!(xero.is_empty());
    assert_eq!(xero.pending_faults(), 0);
    let created = create(&xero, &acme, "k1")?;
    assert_eq!(created.id, "xero-0001");
    assert_eq!(xero.faults_fired(), 2);
    assert_eq!(xero.calls().total(), 3);

    // A fault aimed at updates waits for one.
    xero.fail_next(Call::Update, Fault::Transient);
    assert!(block_on(xero.list(None)).is_ok());
    assert_eq!(xero.pending_faults(), 1);
    let r = block_on(xero.update(&created.id, &rename(Profile::XeroGl, "Acme"), None));
    assert!(matches!(r, Err(AdapterError::Transient { .. })));
    assert_eq!(
        xero.get(&created.id).map(|c| c.label()),
        Some("Acme Ltd".into())
    );
    xero.fail_next(Call::Any, Fault::Transient);
    xero.clear_faults();
    assert_eq!(xero.pending_faults(), 0);
    Ok(())
}

#[test]
fn crash_after_create_keeps_the_record_and_its_key() -> Result<(), AdapterError> {
    let qbo = MemoryStore::ledger(Profile::Qbo);
    qbo.fail_next(Call::Create, Fault::CrashAfterCreate);
    let jane = Contact::person("L1", "Jane", "Smith");
    let lost = create(&qbo, &jane, "op-7");
    assert_eq!(
        lost,
        Err(AdapterError::Transient {
            message: CRASH_AFTER_CREATE_MESSAGE.into()
        })
    );
    assert!(lost.as_ref().is_err_and(AdapterError::may_have_applied));
    assert_eq!(qbo.len(), 1);
    assert_eq!(qbo.id_for_key("op-7"), Some(ContactId::new("1")));

    // The retry with the same key gets the record; no duplicate, no
    // "Duplicate Name" either.
    let again = create(&qbo, &jane, "op-7")?;
    assert_eq!(again.id, "1");
    assert_eq!(qbo.len(), 1);
    // A different key would have hit the name rule.
    assert!(is_duplicate(&create(&qbo, &jane, "op-8")));
    assert_eq!(qbo.faults_fired(), 1);
    Ok(())
}

#[test]
fn stale_version_fault_moves_the_record_on() -> Result<(), AdapterError> {
    let qbo = MemoryStore::ledger(Profile::Qbo);
    let acme = create(&qbo, &Contact::organization("", "Acme Ltd"), "k1")?;
    qbo.fail_next(Call::Create, Fault::StaleVersion); // never applies to a create
    qbo.fail_next(Call::Update, Fault::StaleVersion);
    let patch = set_email(Profile::Qbo, "a@acme.test");
    let v0 = acme.extras.version.as_ref();
    let r = block_on(qbo.update(&acme.id, &patch, v0));
    assert_eq!(
        r,
        Err(AdapterError::StaleVersion {
            id: acme.id.clone()
        })
    );
    // Retrying blindly fails again; re-reading works.
    assert!(matches!(
        block_on(qbo.update(&acme.id, &patch, v0)),
        Err(AdapterError::StaleVersion { .. })
    ));
    let fresh = qbo.get(&acme.id).and_then(|c| c.extras.version);
    assert_eq!(fresh, Some(VersionToken::SyncToken("1".into())));
    let done = block_on(qbo.update(&acme.id, &patch, fresh.as_ref()))?;
    assert_eq!(done.billing_email(), Some("a@acme.test"));
    assert_eq!(qbo.pending_faults(), 1);
    Ok(())
}

#[test]
fn expired_credentials_fail_every_call_until_renewed() -> Result<(), AdapterError> {
    let xero = MemoryStore::ledger(Profile::XeroGl);
    xero.fail_next(Call::List, Fault::AuthenticationExpired);
    let auth = |r: &Result<_, AdapterError>| matches!(r, Err(AdapterError::Authentication { .. }));
    assert!(auth(&block_on(xero.list(None)).map(|_| ())));
    assert!(xero.credentials_expired());
    assert!(auth(
        &create(&xero, &Contact::named("", "Acme"), "k1").map(|_| ())
    ));
    assert!(auth(&block_on(xero.list_changes(None, None)).map(|_| ())));
    assert!(xero.is_empty());
    assert_eq!(xero.faults_fired(), 1);
    assert_eq!(xero.calls().total(), 3);

    xero.renew_credentials();
    assert!(!xero.credentials_expired());
    create(&xero, &Contact::named("", "Acme"), "k1")?;
    xero.expire_credentials();
    assert!(auth(&block_on(xero.list(None)).map(|_| ())));
    xero.renew_credentials();
    assert_eq!(block_on(xero.list(None))?.contacts.len(), 1);
    Ok(())
}

#[test]
fn periodic_faults_are_deterministic() {
    let local = MemoryStore::local();
    local.fail_every(Call::Create, 3, Fault::Transient);
    let results: Vec<bool> = (0..6)
        .map(|i| {
            create(
                &local,
                &Contact::named("", format!("C{i}")),
                &format!("k{i}"),
            )
            .is_ok()
        })
        .collect();
    assert_eq!(results, [true, true, false, true, true, false]);
    assert_eq!(local.len(), 4);
    assert_eq!(local.faults_fired(), 2);
}

#[test]
fn direct_manipulation_bypasses_faults_and_rules() {
    let xero = MemoryStore::ledger(Profile::XeroGl);
    xero.fail_next(Call::Any, Fault::Transient);
    let a = xero.insert(Contact::named("", "Acme"));
    let b = xero.insert(Contact::named("custom-id", "ACME"));
    assert_eq!((a.as_str(), b.as_str()), ("xero-0001", "custom-id"));
    assert_eq!(xero.len(), 2);
    assert_eq!(xero.pending_faults(), 1);
    assert_eq!(xero.calls(), CallCounts::default());

    // A fixture's own version and time are kept; edits stamp the clock.
    let mut fixture = Contact::named("qb-7", "Fixture");
    fixture.extras.version = Some(VersionToken::UpdatedAt(DateTime::UNIX_EPOCH));
    fixture.extras.updated_at = Some(DateTime::UNIX_EPOCH);
    xero.insert(fixture);
    let kept = xero.get("qb-7").and_then(|c| c.extras.updated_at);
    assert_eq!(kept, Some(DateTime::UNIX_EPOCH));
    xero.advance_clock(60);
    assert!(xero.edit("qb-7", |c| c.id = "renamed".into()));
    let edited = xero.get("qb-7");
    assert_eq!(edited.as_ref().map(|c| c.id.as_str()), Some("qb-7"));
    assert_eq!(edited.and_then(|c| c.extras.updated_at), Some(at(64)));
    assert_eq!(xero.now(), at(64));
    assert_eq!(xero.sequence(), 4);
    assert!(!xero.edit("nope", |_| {}));
    assert_eq!(xero.profile(), Some(Profile::XeroGl));
    assert_eq!(MemoryStore::local().profile(), None);

    // An edit may read the store.
    assert!(xero.edit(&a, |c| c.client_group =
        xero.get("custom-id").map(|x| x.label())));
    assert_eq!(
        xero.get(&a).and_then(|c| c.client_group),
        Some("ACME".into())
    );
}
