//! The sync engine through the public API: links, field sync, conflict
//! policies, push rules, lessons U1–U5, U8, U9 and E3. Field sync and
//! conflicts (F1-F7) here; links and pushes, the lessons, and the
//! regressions fuzzing found in their own modules.

mod lessons;
mod links;
mod regressions;

use crate::support::contacts::{org, person, qbo, remote};
use crate::support::time::t0;
use crate::support::world::World;
use ledgerlink::model::{Address, AddressKind, ContactStatus, PhoneKind};
use ledgerlink::ports::AdapterError;
use ledgerlink::rules::xpm::ImportScope;
use ledgerlink::sync::{
    Action, AuditStatus, ConflictPolicy, ConnectionConfig, Decision, FieldValue, LinkOrigin,
    LinkStatus, ManualSyncDirection, NoticeKind, OpId, PlanInput, ReviewItem, SyncField, SyncState,
    Trigger, plan,
};
use ledgerlink::{Contact, ContactKind, Error, Profile, Side};

/// In Xero, X1 is merged into a new record X9 ("Acme Limited"): X1 is
/// archived and names its survivor (U3).
fn merge_x1_into_new_x9(w: &mut World) {
    w.remote
        .insert("X9".into(), remote("X9", "Acme Limited", "a@acme.test"));
    w.edit(Side::Remote, "X1", |c| {
        c.status = ContactStatus::Archived;
        c.extras.merged_into = Some("X9".into());
    });
}

fn xero() -> ConnectionConfig {
    ConnectionConfig::new(Profile::XeroGl)
}

pub(super) fn has_notice(p: &ledgerlink::sync::Plan, kind: NoticeKind, remote_id: &str) -> bool {
    p.report.notices.iter().any(|n| {
        n.kind == kind
            && n.remote_id
                .as_ref()
                .is_some_and(|r| r.as_str() == remote_id)
    })
}

pub(super) fn name(c: &Contact) -> String {
    c.label()
}

#[test]
fn f2_first_link_overwrites_local_fields_and_reports_old_values() {
    let local = vec![org("K1", "Acme Ltd", "ap@acme.test").with_phone(PhoneKind::Primary, "111")];
    let x = vec![remote("X1", "ACME LTD", "AP@acme.test").with_phone(PhoneKind::Primary, "222")];
    let mut w = World::new(xero(), local, x);
    let (p, a) = w.run();
    assert!(a.all_applied());
    // M1 linked, F2: the ledger's name, email and phone replace the local ones.
    assert_eq!(p.report.counts.linked, 1);
    let changed: Vec<SyncField> = p
        .report
        .overwritten
        .iter()
        .map(|o| o.change.field)
        .collect();
    assert_eq!(
        changed,
        [SyncField::Name, SyncField::Email, SyncField::PrimaryPhone]
    );
    let phone = p
        .report
        .overwritten
        .iter()
        .find(|o| o.change.field == SyncField::PrimaryPhone)
        .unwrap();
    assert_eq!(phone.change.old, Some(FieldValue::Text("111".into())));
    assert_eq!(phone.rule, "F2");
    assert_eq!(name(&w.local["K1"]), "ACME LTD");
    assert_eq!(w.local["K1"].billing_email(), Some("AP@acme.test"));
    // F5: nothing left to do.
    assert!(w.plan().is_empty());
}

#[test]
fn f5_replanning_after_apply_is_empty_and_state_is_stable() {
    let local = vec![
        org("K1", "Acme Ltd", "ap@acme.test"),
        person("K2", "Jane", "Smith", "jane@smith.test"),
    ];
    let x = vec![
        remote("X1", "Acme Ltd", "ap@acme.test"),
        remote("X2", "Bloggs Trust", "fred@bloggs.test"),
    ];
    let mut w = World::new(xero(), local, x);
    w.run();
    let p = w.plan();
    assert!(p.is_empty(), "{:?}", p.operations);
    w.run();
    let s1 = w.state.clone();
    w.run();
    assert_eq!(
        w.state.links().collect::<Vec<_>>(),
        s1.links().collect::<Vec<_>>()
    );
}

#[test]
fn m3_p4_new_ledger_records_are_created_with_kind_and_default_contact_type() {
    let x = vec![
        remote("X1", "Bloggs Family Trust", "fred@bloggs.test"),
        Contact::named("X2", "Jane Smith").with_names("Jane", "Smith"),
    ];
    let config = xero().with_default_contact_type("Client – Xero");
    let mut w = World::new(config, vec![], x);
    let (p, _) = w.run();
    assert_eq!(p.report.counts.local_creates, 2);
    let created: Vec<&Contact> = w.local.values().collect();
    assert!(
        created
            .iter()
            .all(|c| c.contact_type.as_deref() == Some("Client – Xero"))
    );
    let trust = created
        .iter()
        .find(|c| c.label() == "Bloggs Family Trust")
        .unwrap();
    assert_eq!(trust.kind, Some(ContactKind::Organization)); // T3
    // The created contacts are linked (U1: never created twice).
    assert_eq!(w.state.linked().count(), 2);
    assert!(w.plan().is_empty());
}

#[test]
fn f3_a_change_on_either_side_updates_the_other() {
    let mut w = World::new(
        xero(),
        vec![org("K1", "Acme Ltd", "ap@acme.test")],
        vec![remote("X1", "Acme Ltd", "ap@acme.test")],
    );
    w.run();
    w.set_email(Side::Remote, "X1", "billing@acme.test");
    let (p, _) = w.run();
    assert_eq!(p.operations.len(), 1);
    assert_eq!(p.operations[0].side, Side::Local);
    assert_eq!(p.operations[0].rule, "F3");
    assert_eq!(w.local["K1"].billing_email(), Some("billing@acme.test"));
    w.edit(Side::Local, "K1", |c| {
        c.phones.push(ledgerlink::model::Phone {
            kind: PhoneKind::Primary,
            number: "+64 4 555".into(),
        });
    });
    let (p, _) = w.run();
    assert_eq!(p.operations.len(), 1);
    assert_eq!(p.operations[0].side, Side::Remote);
    assert_eq!(w.remote["X1"].phones[0].number, "+64 4 555");
    assert!(w.plan().is_empty());
}

#[test]
fn f1_only_the_profiles_synced_fields_flow() {
    // Xero GL syncs the primary phone only; XPM syncs every phone.
    for (profile, expect_sync) in [(Profile::XeroGl, false), (Profile::Xpm, true)] {
        let mut w = World::new(
            ConnectionConfig::new(profile),
            vec![org("K1", "Acme Ltd", "ap@acme.test")],
            vec![remote("X1", "Acme Ltd", "ap@acme.test").with_business_structure("Company")],
        );
        w.run();
        w.edit(Side::Remote, "X1", |c| {
            c.phones.push(ledgerlink::model::Phone {
                kind: PhoneKind::Mobile,
                number: "021 555".into(),
            });
        });
        let (p, _) = w.run();
        assert_eq!(!p.is_empty(), expect_sync, "{profile:?}");
        assert_eq!(w.local["K1"].phones.len(), usize::from(expect_sync));
    }
}

#[test]
fn f1_qbo_receives_only_the_primary_address() {
    let addr = |kind, line: &str| Address {
        kind,
        lines: vec![line.into()],
        ..Address::default()
    };
    let mut w = World::new(
        ConnectionConfig::new(Profile::Qbo),
        vec![org("K1", "Acme Ltd", "ap@acme.test")],
        vec![qbo(
            "Q1",
            "Acme Ltd",
            Some("Acme Ltd"),
            None,
            "ap@acme.test",
        )],
    );
    w.run();
    w.edit(Side::Local, "K1", |c| {
        c.addresses.push(Address {
            primary: true,
            ..addr(AddressKind::Billing, "1 Main St")
        });
        c.addresses.push(addr(AddressKind::Physical, "2 Side St"));
    });
    let (p, _) = w.run();
    let Action::Update { patch, .. } = &p.operations[0].action else {
        panic!("update expected");
    };
    let fields: Vec<SyncField> = patch.changes.iter().map(|c| c.field).collect();
    assert_eq!(fields, [SyncField::BillingAddress]);
    assert!(
        p.report
            .notices
            .iter()
            .any(|n| n.kind == NoticeKind::NotSent && n.rule == "F1")
    );
}

pub(super) fn conflict_world(policy: ConflictPolicy) -> World {
    let mut w = World::new(
        xero().with_conflict_policy(policy),
        vec![org("K1", "Acme Ltd", "ap@acme.test")],
        vec![remote("X1", "Acme Ltd", "ap@acme.test")],
    );
    w.run();
    w.edit(Side::Local, "K1", |c| {
        c.emails[0].address = "local@acme.test".into();
        c.extras.updated_at = Some(t0() + chrono::Duration::hours(2));
    });
    w.edit(Side::Remote, "X1", |c| {
        c.emails[0].address = "remote@acme.test".into();
        c.extras.updated_at = Some(t0() + chrono::Duration::hours(1));
    });
    w
}

#[test]
fn f4_conflicts_follow_the_policy_and_keep_the_losing_value() {
    let email = |w: &World, side: Side| match side {
        Side::Local => w.local["K1"].billing_email().unwrap().to_owned(),
        Side::Remote => w.remote["X1"].billing_email().unwrap().to_owned(),
    };
    // Remote wins: the local value is lost, and reported.
    let mut w = conflict_world(ConflictPolicy::RemoteWins);
    let (p, _) = w.run();
    assert_eq!(email(&w, Side::Local), "remote@acme.test");
    let c = &p.report.conflicts[0];
    assert_eq!((c.field, c.winner), (SyncField::Email, Some(Side::Remote)));
    assert_eq!(c.local, Some(FieldValue::Text("local@acme.test".into())));
    assert_eq!(p.report.overwritten[0].rule, "F4");
    assert!(w.plan().is_empty());
    // Local wins.
    let mut w = conflict_world(ConflictPolicy::LocalWins);
    let (p, _) = w.run();
    assert_eq!(email(&w, Side::Remote), "local@acme.test");
    assert_eq!(
        p.report.conflicts[0].remote,
        Some(FieldValue::Text("remote@acme.test".into()))
    );
    // Newest wins: the local edit is an hour newer.
    let mut w = conflict_world(ConflictPolicy::NewestWins);
    w.run();
    assert_eq!(email(&w, Side::Remote), "local@acme.test");
    // Hold for review: nothing written until a person decides.
    let mut w = conflict_world(ConflictPolicy::HoldForReview);
    let (p, _) = w.run();
    assert!(p.is_empty());
    assert!(matches!(&p.review[0], ReviewItem::Conflict(c) if c.winner.is_none()));
    let again = w.plan();
    assert_eq!(again.review.len(), 1, "held conflicts stay listed");
    let decide = [Decision::ResolveConflict {
        remote_id: "X1".into(),
        field: SyncField::Email,
        keep: Side::Remote,
    }];
    w.run_with(&decide);
    assert_eq!(email(&w, Side::Local), "remote@acme.test");
    assert!(w.plan().is_empty() && w.plan().review.is_empty());
}

#[test]
fn f4_field_override_beats_the_connection_policy() {
    let mut w = conflict_world(ConflictPolicy::RemoteWins);
    w.config = w
        .config
        .clone()
        .with_field_policy(SyncField::Email, ConflictPolicy::LocalWins);
    w.run();
    assert_eq!(w.remote["X1"].billing_email(), Some("local@acme.test"));
}

#[test]
fn f4_newest_wins_without_times_is_held() {
    let mut w = conflict_world(ConflictPolicy::NewestWins);
    w.edit(Side::Remote, "X1", |c| c.extras.updated_at = None);
    let (p, _) = w.run();
    assert!(p.is_empty());
    assert_eq!(p.report.counts.conflicts_held, 1);
}

#[test]
fn f6_u8_remote_archive_and_delete_never_delete_the_local_contact() {
    let mut w = World::new(
        xero(),
        vec![
            org("K1", "Acme Ltd", "a@acme.test"),
            org("K2", "Beta Ltd", "b@beta.test"),
        ],
        vec![
            remote("X1", "Acme Ltd", "a@acme.test"),
            remote("X2", "Beta Ltd", "b@beta.test"),
        ],
    );
    w.run();
    w.edit(Side::Remote, "X1", |c| c.status = ContactStatus::Archived);
    w.remote.remove("X2");
    let (p, _) = w.run();
    assert!(p.is_empty(), "no operation deletes anything");
    assert!(has_notice(&p, NoticeKind::ArchivedRemotely, "X1")); // F6
    assert!(has_notice(&p, NoticeKind::DeletedRemotely, "X2")); // U8
    assert_eq!(w.local.len(), 2);
    let l = w.state.link_of_remote("X2").unwrap();
    assert!(matches!(l.status, LinkStatus::Removed { .. }));
    // Changes no longer flow for a removed pair.
    w.set_email(Side::Local, "K1", "new@acme.test");
    assert!(w.plan().is_empty());
    // Un-archived: the pair syncs again.
    w.edit(Side::Remote, "X1", |c| c.status = ContactStatus::Active);
    let (p, _) = w.run();
    assert!(has_notice(&p, NoticeKind::Restored, "X1"));
    assert_eq!(w.remote["X1"].billing_email(), Some("new@acme.test"));
}
