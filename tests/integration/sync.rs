//! The sync engine through the public API: links, field sync, conflict
//! policies, push rules, lessons U1–U5, U8, U9 and E3.

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

fn xero() -> ConnectionConfig {
    ConnectionConfig::new(Profile::XeroGl)
}

fn has_notice(p: &ledgerlink::sync::Plan, kind: NoticeKind, remote_id: &str) -> bool {
    p.report.notices.iter().any(|n| {
        n.kind == kind
            && n.remote_id
                .as_ref()
                .is_some_and(|r| r.as_str() == remote_id)
    })
}

fn name(c: &Contact) -> String {
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

fn conflict_world(policy: ConflictPolicy) -> World {
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

#[test]
fn u3_merged_xero_contact_moves_the_link() {
    let mut w = World::acme(xero());
    w.run();
    // In Xero, X1 is merged into a new X9.
    w.remote
        .insert("X9".into(), remote("X9", "Acme Limited", "a@acme.test"));
    w.edit(Side::Remote, "X1", |c| {
        c.status = ContactStatus::Archived;
        c.extras.merged_into = Some("X9".into());
    });
    let (p, _) = w.run();
    assert!(has_notice(&p, NoticeKind::LinkMoved, "X9"));
    assert_eq!(
        w.state.link_of_remote("X9").unwrap().local_id.as_str(),
        "K1"
    );
    assert_eq!(
        w.state.link_of_remote("X9").unwrap().origin,
        LinkOrigin::Merged
    );
    assert!(w.state.link_of_remote("X1").is_none());
    // The survivor's new name came through; no duplicate was created.
    assert_eq!(w.local.len(), 1);
    assert_eq!(name(&w.local["K1"]), "Acme Limited");
    // U3: archived records that are not linked are read but not imported.
    w.remote.insert("X5".into(), {
        let mut c = remote("X5", "Old Co", "old@co.test");
        c.status = ContactStatus::Archived;
        c
    });
    let p = w.plan();
    assert!(p.is_empty());
    assert!(has_notice(&p, NoticeKind::SkippedArchived, "X5"));
}

#[test]
fn l1_l2_l3_link_lifecycle() {
    let local = vec![
        org("K1", "Acme Ltd", "a@acme.test"),
        org("K2", "Beta Ltd", "b@beta.test"),
    ];
    let x = vec![remote("X1", "Acme Ltd", "other@acme.test")];
    let mut w = World::new(xero(), local, x);
    // Partial match (name only): an issue, nothing written.
    let (p, _) = w.run();
    assert!(p.is_empty());
    assert!(matches!(p.review[0], ReviewItem::MatchIssue { .. }));
    // L2: fixing the data does not close the issue by itself.
    w.set_email(Side::Remote, "X1", "a@acme.test");
    let (p, _) = w.run();
    assert!(p.is_empty());
    assert_eq!(w.state.issues().len(), 1);
    // Confirm: linked, ledger data wins (F2).
    w.run_with(&[Decision::ConfirmMatch {
        remote_id: "X1".into(),
        local_id: "K1".into(),
    }]);
    assert_eq!(w.state.issues().len(), 0);
    assert_eq!(
        w.state.link_of_remote("X1").unwrap().origin,
        LinkOrigin::Confirmed
    );
    // L3: unsync: changes stop flowing and the pair is listed.
    w.run_with(&[Decision::Unsync {
        remote_id: "X1".into(),
    }]);
    assert_eq!(w.state.unsynced().count(), 1);
    w.set_email(Side::Remote, "X1", "x@acme.test");
    let p = w.plan();
    assert!(
        p.is_empty(),
        "M10: unsynced records are not re-matched either"
    );
    // Re-match to another local contact.
    w.run_with(&[Decision::Rematch {
        remote_id: "X1".into(),
        local_id: "K2".into(),
    }]);
    assert_eq!(
        w.state.link_of_remote("X1").unwrap().local_id.as_str(),
        "K2"
    );
    assert_eq!(w.local["K2"].billing_email(), Some("x@acme.test"));
    // L1: remove match: the record waits for review instead of relinking.
    let (p, _) = w.run_with(&[Decision::RemoveMatch {
        remote_id: "X1".into(),
    }]);
    assert!(p.is_empty());
    assert!(has_notice(&p, NoticeKind::MatchRemoved, "X1"));
    assert_eq!(w.state.issues().len(), 1);
    // Create new from the ledger's data instead.
    let (p, _) = w.run_with(&[Decision::CreateNew {
        remote_id: "X1".into(),
    }]);
    assert_eq!(p.report.counts.local_creates, 1);
    assert_eq!(w.local.len(), 3);
    assert!(w.plan().is_empty());
}

#[test]
fn l3_an_unsynced_local_contact_can_be_pushed_as_a_new_ledger_record() {
    let mut w = World::acme(xero());
    w.run();
    w.run_with(&[Decision::Unsync {
        remote_id: "X1".into(),
    }]);
    // Unsynced pairs keep their local contact out of automatic links, but a
    // person may create it anew in the ledger (the name is taken: U2).
    let (p, _) = w.run_with(&[Decision::CreateRemote {
        local_id: "K1".into(),
    }]);
    assert!(
        p.report
            .notices
            .iter()
            .any(|n| n.kind == NoticeKind::Renamed)
    );
    assert_eq!(w.remote.len(), 2);
}

#[test]
fn decisions_that_cannot_apply_are_errors() {
    let w = World::new(xero(), vec![org("K1", "Acme Ltd", "a@acme.test")], vec![]);
    let (l, r) = (w.locals(), w.remotes());
    let d = [Decision::ConfirmMatch {
        remote_id: "nope".into(),
        local_id: "K1".into(),
    }];
    let err = plan(
        &w.config,
        &w.state,
        &PlanInput::new(&l, &r, t0()).with_decisions(&d),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidDecision { index: 0, .. }));
}

#[test]
fn p1_xero_never_pushes_automatically_only_on_request() {
    let mut w = World::new(xero().with_push_contact_type("Client"), vec![], vec![]);
    w.run();
    w.local.insert(
        "K1".into(),
        org("K1", "Acme Ltd", "a@acme.test").with_contact_type("Client"),
    );
    assert!(w.plan().is_empty(), "P1: nothing goes to Xero by itself");
    let (p, _) = w.run_with(&[Decision::CreateRemote {
        local_id: "K1".into(),
    }]);
    assert_eq!(p.operations[0].rule, "P1");
    assert_eq!(w.remote.len(), 1);
    assert_eq!(w.state.linked().count(), 1);
    assert!(w.plan().is_empty());
}

#[test]
fn p2_xpm_pushes_organisations_of_pushed_types_and_their_people() {
    let config = ConnectionConfig::new(Profile::Xpm).with_push_contact_type("Client");
    let mut w = World::new(config, vec![], vec![]);
    w.run();
    w.local.insert(
        "K1".into(),
        org("K1", "Acme Ltd", "a@acme.test").with_contact_type("Client"),
    );
    w.local.insert(
        "K2".into(),
        person("K2", "Jane", "Smith", "jane@acme.test").linked_to("K1"),
    );
    w.local.insert(
        "K3".into(),
        org("K3", "Other Ltd", "o@x.test").with_contact_type("Supplier"),
    );
    w.local.insert(
        "K4".into(),
        person("K4", "Solo", "Person", "solo@x.test").with_contact_type("Client"),
    );
    let (p, _) = w.run();
    let ids: Vec<&str> = p.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["create-remote:K1", "create-remote:K2"]);
    // The person's create waits for its organisation's.
    assert_eq!(
        p.operations[1].depends_on,
        [OpId("create-remote:K1".into())]
    );
    let jane = w
        .remote
        .values()
        .find(|c| c.label() == "Jane Smith")
        .unwrap();
    let acme = w.remote.values().find(|c| c.label() == "Acme Ltd").unwrap();
    assert_eq!(jane.organization_ids, std::slice::from_ref(&acme.id));
    assert!(w.plan().is_empty());
    // A later update of the organisation goes to XPM (F3).
    w.edit(Side::Local, "K1", |c| {
        c.display_name = Some("Acme Group Ltd".into());
    });
    let (p, _) = w.run();
    assert_eq!(p.operations.len(), 1);
    assert_eq!(p.operations[0].side, Side::Remote);
}

#[test]
fn p3_qbo_pushes_new_and_changed_contacts_of_pushed_types_never_on_initial_sync() {
    let config = ConnectionConfig::new(Profile::Qbo).with_push_contact_type("Client – QuickBooks");
    let local = vec![org("K1", "Acme Ltd", "a@acme.test").with_contact_type("Client – QuickBooks")];
    let mut w = World::new(config, local, vec![]);
    let (p, _) = w.run();
    assert!(
        p.is_empty(),
        "P3: the initial sync never creates QBO customers"
    );
    // A new local contact of the pushed type is created in QBO.
    w.local.insert(
        "K2".into(),
        person("K2", "Jane", "Smith", "jane@smith.test").with_contact_type("Client – QuickBooks"),
    );
    let (p, _) = w.run();
    assert_eq!(p.operations.len(), 1);
    assert_eq!(p.operations[0].rule, "P3");
    // The existing one is created when it changes (here: its email).
    w.set_email(Side::Local, "K1", "billing@acme.test");
    let (p, _) = w.run();
    assert_eq!(p.operations.len(), 1);
    assert_eq!(p.operations[0].id.as_str(), "create-remote:K1");
    // Contacts of other types are not.
    w.local.insert(
        "K3".into(),
        org("K3", "Supplier Ltd", "s@x.test").with_contact_type("Supplier"),
    );
    assert!(w.plan().is_empty());
    // Changing its contact type into the push set sends it.
    w.edit(Side::Local, "K3", |c| {
        c.contact_type = Some("Client – QuickBooks".into());
    });
    assert_eq!(w.plan().operations.len(), 1);
}

#[test]
fn u2_qbo_display_names_are_unique_reserved_free_and_reported() {
    let config = ConnectionConfig::new(Profile::Qbo).with_push_contact_type("Client");
    let x = vec![qbo(
        "Q1",
        "Jane Smith",
        None,
        Some(("Jane", "Smith")),
        "other@x.test",
    )];
    let mut w = World::new(config, vec![], x);
    w.run();
    w.local.insert(
        "K1".into(),
        person("K1", "Jane", "Smith", "jane@smith.test").with_contact_type("Client"),
    );
    w.local.insert(
        "K2".into(),
        org("K2", "Acme: East", "east@acme.test").with_contact_type("Client"),
    );
    let (p, _) = w.run();
    let created: Vec<String> = p
        .operations
        .iter()
        .map(|o| match &o.action {
            Action::Create { contact, .. } => contact.label(),
            Action::Update { .. } => String::new(),
        })
        .collect();
    assert_eq!(created, ["Jane Smith (2)", "Acme East"]);
    // M5: the organisation stays matchable (company name = display name).
    let Action::Create { contact, .. } = &p.operations[1].action else {
        panic!("create expected");
    };
    assert_eq!(contact.organization_name.as_deref(), Some("Acme East"));
    // The ledger gets its display name spelled out.
    assert_eq!(contact.display_name.as_deref(), Some("Acme East"));
    assert_eq!(
        p.report
            .notices
            .iter()
            .filter(|n| n.kind == NoticeKind::Renamed)
            .count(),
        2
    );
    // The local names stay as they are, and the next plan is empty.
    assert_eq!(name(&w.local["K1"]), "Jane Smith");
    assert!(w.plan().is_empty(), "{:?}", w.plan().operations);
}

#[test]
fn u2_a_qbo_organisation_name_fits_its_company_name_limit_too() {
    // A QBO organisation's company name must equal its display name (M5),
    // and CompanyName takes 100 UTF-16 units where DisplayName takes 500:
    // a 98-unit name taken in the ledger became "… (2)" (102 units), was
    // copied into the company name and refused by the encoder.
    let wanted = format!("{} Ltd", "A".repeat(94));
    assert_eq!(wanted.encode_utf16().count(), 98);
    let config = ConnectionConfig::new(Profile::Qbo).with_push_contact_type("Client");
    let x = vec![qbo("Q1", &wanted, Some(&wanted), None, "other@x.test")];
    let mut w = World::new(config, vec![], x);
    w.run();
    w.local.insert(
        "K1".into(),
        org("K1", &wanted, "ap@a.test").with_contact_type("Client"),
    );
    let p = w.plan();
    let [op] = p.operations.as_slice() else {
        panic!("one create expected: {:?}", p.operations);
    };
    let Action::Create { contact, .. } = &op.action else {
        panic!("create expected");
    };
    let name = contact.label();
    assert!(name.ends_with(" (2)"), "{name}");
    assert!(name.encode_utf16().count() <= 100, "{}", name.len());
    assert_eq!(contact.organization_name.as_deref(), Some(name.as_str()));
    ledgerlink::wire::qbo::encode_action(&op.action).unwrap();
}

#[test]
fn u2_a_de_collided_name_at_the_limit_fits_as_the_ledger_counts_it() {
    // 250 emoji: 250 characters, 500 UTF-16 units — exactly QBO's
    // DisplayName limit. Taken in the ledger, the pushed contact gets " (2)";
    // counting characters, the planner sent 254 characters (504 units) and
    // the encoder refused the create.
    let wanted = "\u{1F600}".repeat(250);
    let config = ConnectionConfig::new(Profile::Qbo).with_push_contact_type("Client");
    let x = vec![qbo("Q1", &wanted, None, None, "other@x.test")];
    let mut w = World::new(config, vec![], x);
    w.run();
    w.local.insert(
        "K1".into(),
        person("K1", "Jane", "Smith", "jane@smith.test")
            .with_display_name(wanted.clone())
            .with_contact_type("Client"),
    );
    let p = w.plan();
    let [op] = p.operations.as_slice() else {
        panic!("one create expected: {:?}", p.operations);
    };
    let Action::Create { contact, .. } = &op.action else {
        panic!("create expected");
    };
    let name = contact.label();
    assert!(name.ends_with(" (2)"), "{name}");
    assert!(name.encode_utf16().count() <= 500);
    ledgerlink::wire::qbo::encode_action(&op.action).unwrap();
}

#[test]
fn u2_a_duplicate_name_refused_by_the_ledger_is_avoided_next_time() {
    let config = ConnectionConfig::new(Profile::Qbo).with_push_contact_type("Client");
    let mut w = World::new(config, vec![], vec![]);
    w.run();
    w.local.insert(
        "K1".into(),
        org("K1", "Acme Ltd", "a@acme.test").with_contact_type("Client"),
    );
    // A vendor called "Acme Ltd" exists: QBO answers 6240.
    w.fail_once(
        "create-remote:K1",
        AdapterError::DuplicateName {
            name: "Acme Ltd".into(),
        },
    );
    let (_, a) = w.run();
    assert!(matches!(a.trail[0].status, AuditStatus::Failed { .. }));
    let (p, _) = w.run();
    let Action::Create { contact, .. } = &p.operations[0].action else {
        panic!("create expected");
    };
    assert_eq!(contact.label(), "Acme Ltd (2)");
}

#[test]
fn u1_a_create_whose_result_was_lost_is_not_repeated() {
    let mut w = World::new(
        xero(),
        vec![],
        vec![remote("X1", "Acme Ltd", "a@acme.test")],
    );
    let p = w.plan();
    // Stored next_state, sent the create, crashed before feeding back.
    w.state = p.next_state.clone();
    let _lost = w.execute(&p, usize::MAX);
    assert_eq!(w.local.len(), 1);
    assert_eq!(w.state.in_flight().len(), 1);
    // The next plan only re-sends the create with the same key.
    let p2 = w.plan();
    assert_eq!(p2.operations, p.operations);
    assert!(
        p2.report
            .notices
            .iter()
            .any(|n| n.kind == NoticeKind::ReissuedInFlight)
    );
    w.apply(&p2);
    assert_eq!(w.local.len(), 1, "the store recognised the key");
    assert_eq!(w.state.linked().count(), 1);
    assert!(w.plan().is_empty());
}

#[test]
fn u4_rate_limit_yields_retry_at_and_the_core_never_sleeps() {
    let mut w = World::acme(xero());
    w.run();
    w.set_email(Side::Local, "K1", "new@acme.test");
    w.fail_once(
        "update-remote:X1",
        AdapterError::RateLimited {
            retry_after_secs: 60,
        },
    );
    let before = w.now;
    let (_, a) = w.run();
    assert_eq!(a.retry_at, Some(before + chrono::Duration::seconds(60)));
    assert_eq!(w.state.retry_at, a.retry_at);
    // Planned again (nothing was lost), with the time to wait.
    w.now = before + chrono::Duration::seconds(30);
    let p = w.plan();
    assert_eq!(p.not_before, a.retry_at);
    assert_eq!(p.operations.len(), 1);
    assert!(
        p.report
            .notices
            .iter()
            .any(|n| n.kind == NoticeKind::RetryLater)
    );
    w.now = before + chrono::Duration::seconds(61);
    let (p, _) = w.run();
    assert_eq!(p.not_before, None);
    assert_eq!(w.remote["X1"].billing_email(), Some("new@acme.test"));
}

#[test]
fn u5_stale_version_rereads_instead_of_overwriting() {
    let mut w = World::acme(xero());
    w.run();
    w.set_email(Side::Local, "K1", "new@acme.test");
    w.fail_once(
        "update-remote:X1",
        AdapterError::StaleVersion { id: "X1".into() },
    );
    let (_, a) = w.run();
    assert_eq!(a.reread, [(Side::Remote, "X1".into())]);
    assert_eq!(w.remote["X1"].billing_email(), Some("a@acme.test"));
    // Meanwhile someone changed the phone in the ledger; the re-plan sees both.
    w.edit(Side::Remote, "X1", |c| {
        c.phones.push(ledgerlink::model::Phone {
            kind: PhoneKind::Primary,
            number: "555".into(),
        });
    });
    w.settle(3);
    assert_eq!(w.remote["X1"].billing_email(), Some("new@acme.test"));
    assert_eq!(w.local["K1"].phones[0].number, "555");
}

#[test]
fn e3_authentication_failure_disconnects_until_reconnected() {
    let mut w = World::acme(xero());
    w.run();
    w.set_email(Side::Local, "K1", "new@acme.test");
    w.fail_once(
        "update-remote:X1",
        AdapterError::Authentication {
            message: "401 AuthenticationFailed 003200".into(),
        },
    );
    let (_, a) = w.run();
    assert!(a.disconnected);
    assert!(w.state.is_disconnected());
    let p = w.plan();
    assert!(p.is_empty(), "nothing is planned while disconnected");
    assert!(
        p.report
            .notices
            .iter()
            .any(|n| n.kind == NoticeKind::Disconnected)
    );
    w.state.reconnect();
    w.run();
    assert_eq!(w.remote["X1"].billing_email(), Some("new@acme.test"));
}

#[test]
fn u9_every_operation_ends_in_the_trail() {
    let mut w = World::new(
        xero(),
        vec![org("K1", "Acme Ltd", "a@acme.test")],
        vec![
            remote("X1", "Acme Ltd", "a@acme.test"),
            remote("X2", "Beta Ltd", "b@beta.test"),
        ],
    );
    w.run();
    w.set_email(Side::Local, "K1", "new@acme.test");
    w.set_email(Side::Remote, "X2", "new@beta.test");
    w.fail_once(
        "update-remote:X1",
        AdapterError::Validation {
            code: Some("400".into()),
            message: "bad email".into(),
        },
    );
    let p = w.plan();
    let planned = p.trail();
    assert_eq!(planned.len(), 2);
    assert!(planned.iter().all(|e| e.status == AuditStatus::Planned));
    let a = w.apply(&p);
    let statuses: Vec<(&str, bool)> = a
        .trail
        .iter()
        .map(|e| (e.op_id.as_str(), e.status == AuditStatus::Applied))
        .collect();
    assert_eq!(statuses.len(), 2);
    assert!(statuses.contains(&("update-remote:X1", false)));
    let e = a
        .trail
        .iter()
        .find(|e| e.op_id.as_str() == "update-remote:X1")
        .unwrap();
    assert_eq!(e.local_id.as_ref().unwrap().as_str(), "K1");
    assert_eq!(e.rule, "F3");
}

#[test]
fn f7_manual_sync_direction_is_a_setting_qbo_defaults_to_import_only() {
    let config = ConnectionConfig::new(Profile::Qbo);
    assert_eq!(config.manual_sync, ManualSyncDirection::ImportOnly);
    let mut w = World::new(
        config,
        vec![org("K1", "Acme Ltd", "a@acme.test")],
        vec![qbo("Q1", "Acme Ltd", Some("Acme Ltd"), None, "a@acme.test")],
    );
    w.run();
    w.set_email(Side::Local, "K1", "new@acme.test");
    let manual = w.plan_with(&[], Trigger::Manual);
    assert!(manual.is_empty());
    assert!(manual.report.notices.iter().any(|n| n.rule == "F7"));
    let scheduled = w.plan_with(&[], Trigger::Scheduled);
    assert_eq!(scheduled.operations.len(), 1);
    w.config = w
        .config
        .clone()
        .with_manual_sync(ManualSyncDirection::BothWays);
    assert_eq!(w.plan_with(&[], Trigger::Manual).operations.len(), 1);
}

#[test]
fn t2_xpm_client_contacts_follow_the_import_scope() {
    let client = remote("C1", "Acme Ltd", "a@acme.test").with_business_structure("Company");
    let contact = {
        let mut c = Contact::person("C2", "Jane", "Smith").with_email("jane@acme.test");
        c.organization_ids.push("C1".into());
        c
    };
    for (scope, expect) in [
        (ImportScope::ClientsOnly, 1),
        (ImportScope::ClientsAndContacts, 2),
    ] {
        let config = ConnectionConfig::new(Profile::Xpm).with_import_scope(scope);
        let mut w = World::new(config, vec![], vec![client.clone(), contact.clone()]);
        let (p, _) = w.run();
        assert_eq!(w.local.len(), expect, "{scope:?}");
        if expect == 2 {
            // The person is linked to the organisation created with it.
            let org_op = &p.operations[0];
            assert_eq!(p.operations[1].depends_on, std::slice::from_ref(&org_op.id));
            let jane = w
                .local
                .values()
                .find(|c| c.label() == "Jane Smith")
                .unwrap();
            let acme = w.local.values().find(|c| c.label() == "Acme Ltd").unwrap();
            assert_eq!(jane.organization_ids, std::slice::from_ref(&acme.id));
        } else {
            assert!(has_notice(&p, NoticeKind::NotImported, "C2"));
        }
    }
}

#[test]
fn q3_qbo_jobs_are_not_matched_as_contacts() {
    let mut job = qbo("Q2", "55 Twin Lane", None, None, "");
    job.emails.clear();
    job.extras.parent_id = Some("Q1".into());
    let x = vec![
        qbo("Q1", "Acme Ltd", Some("Acme Ltd"), None, "a@acme.test"),
        job,
    ];
    let mut w = World::new(ConnectionConfig::new(Profile::Qbo), vec![], x);
    let (p, _) = w.run();
    assert_eq!(p.report.counts.local_creates, 1);
    assert!(has_notice(&p, NoticeKind::SkippedJob, "Q2"));
}

#[test]
fn plans_are_deterministic_under_reordering() {
    let local = vec![
        org("K1", "Acme Ltd", "a@acme.test"),
        person("K2", "Jane", "Smith", "jane@smith.test"),
        org("K3", "Gamma Ltd", "g@gamma.test"),
    ];
    let x = vec![
        remote("X1", "Acme Ltd", "a@acme.test"),
        remote("X2", "Jane Smith", "other@smith.test"),
        remote("X3", "Delta Ltd", "d@delta.test"),
        remote("X4", "Epsilon", "g@gamma.test"),
    ];
    let config = xero();
    let state = SyncState::new();
    let a = plan(&config, &state, &PlanInput::new(&local, &x, t0())).unwrap();
    let (mut l2, mut x2) = (local.clone(), x.clone());
    l2.reverse();
    x2.rotate_left(2);
    let b = plan(&config, &state, &PlanInput::new(&l2, &x2, t0())).unwrap();
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
}

#[test]
fn m5_an_unmatchable_record_created_on_request_gets_a_kind() {
    // DisplayName differs from CompanyName and there are no first / last
    // names: unmatchable (M5) until a person decides.
    let bikes = qbo(
        "Q3",
        "Bay Bikes",
        Some("Bay Bicycles Ltd"),
        None,
        "hello@bay.test",
    );
    let mut w = World::new(ConnectionConfig::new(Profile::Qbo), vec![], vec![bikes]);
    let (p, _) = w.run();
    assert!(p.is_empty());
    assert_eq!(w.state.issues().len(), 1);
    w.run_with(&[Decision::CreateNew {
        remote_id: "Q3".into(),
    }]);
    let created = w.local.values().next().unwrap();
    assert_eq!(created.kind, Some(ContactKind::Organization));
    assert_eq!(created.contact_type.as_deref(), Some("Client")); // P4
}

#[test]
fn p3_f7_a_manual_import_only_run_does_not_swallow_new_contacts() {
    let config = ConnectionConfig::new(Profile::Qbo).with_push_contact_type("Client");
    let mut w = World::new(config, vec![], vec![]);
    w.run();
    w.local.insert(
        "K1".into(),
        org("K1", "Acme Ltd", "a@acme.test").with_contact_type("Client"),
    );
    // "Sync now", import only: nothing is sent…
    let manual = w.plan_with(&[], Trigger::Manual);
    assert!(manual.is_empty());
    w.apply(&manual);
    // …and the next scheduled run still creates the customer.
    let (p, _) = w.run();
    assert_eq!(p.operations.len(), 1);
    assert_eq!(p.operations[0].id.as_str(), "create-remote:K1");
}

#[test]
fn l3_unsync_then_create_new_does_not_push_the_old_contact() {
    let config = ConnectionConfig::new(Profile::Qbo).with_push_contact_type("Client");
    let local = vec![org("K1", "Acme Ltd", "a@acme.test").with_contact_type("Client")];
    let x = vec![qbo("Q1", "Acme Ltd", Some("Acme Ltd"), None, "a@acme.test")];
    let mut w = World::new(config, local, x);
    w.run();
    w.run_with(&[Decision::Unsync {
        remote_id: "Q1".into(),
    }]);
    let (p, _) = w.run_with(&[Decision::CreateNew {
        remote_id: "Q1".into(),
    }]);
    let ids: Vec<&str> = p.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        ["create-local:Q1"],
        "K1 is neither new nor changed (P3)"
    );
    assert!(w.plan().is_empty());
}

#[test]
fn m9_decisions_of_one_run_are_checked_against_each_other() {
    let mut w = World::new(
        xero(),
        vec![org("K1", "Acme Ltd", "a@acme.test")],
        vec![remote("X1", "Acme Ltd", "other@acme.test")],
    );
    w.run();
    let (l, r) = (w.locals(), w.remotes());
    let twice = [
        Decision::CreateRemote {
            local_id: "K1".into(),
        },
        Decision::ConfirmMatch {
            remote_id: "X1".into(),
            local_id: "K1".into(),
        },
    ];
    let err = plan(
        &w.config,
        &w.state,
        &PlanInput::new(&l, &r, t0()).with_decisions(&twice),
    );
    assert!(matches!(err, Err(Error::InvalidDecision { index: 1, .. })));
    let new_twice = [
        Decision::CreateNew {
            remote_id: "X1".into(),
        },
        Decision::CreateNew {
            remote_id: "X1".into(),
        },
    ];
    let err = plan(
        &w.config,
        &w.state,
        &PlanInput::new(&l, &r, t0()).with_decisions(&new_twice),
    );
    assert!(matches!(err, Err(Error::InvalidDecision { index: 1, .. })));
}

#[test]
fn u1_a_rate_limited_resend_stays_in_flight() {
    let mut w = World::new(
        xero(),
        vec![],
        vec![remote("X1", "Acme Ltd", "a@acme.test")],
    );
    let p = w.plan();
    w.state = p.next_state.clone();
    let _lost = w.execute(&p, usize::MAX); // created, result lost
    let resend = w.plan();
    w.fail_once(
        "create-local:X1",
        AdapterError::RateLimited {
            retry_after_secs: 30,
        },
    );
    w.apply(&resend);
    assert_eq!(
        w.state.in_flight().len(),
        1,
        "the create may exist: keep its key"
    );
    w.now += chrono::Duration::minutes(1);
    w.settle(3);
    assert_eq!(w.local.len(), 1);
    assert_eq!(w.state.linked().count(), 1);
}

#[test]
fn l1_remove_match_stays_open_even_when_the_record_is_not_listed() {
    let mut w = World::acme(xero());
    w.run();
    let l = w.locals();
    let d = [Decision::RemoveMatch {
        remote_id: "X1".into(),
    }];
    let input = PlanInput::new(&l, &[], w.now)
        .with_decisions(&d)
        .with_remote(ledgerlink::sync::Listing::Changes {
            changed: &[],
            deleted: &[],
            cursor: None,
        });
    let p = plan(&w.config, &w.state, &input).unwrap();
    w.apply(&p);
    assert_eq!(w.state.issues().len(), 1);
    // A later full listing does not link it back by itself (L2).
    let (p, _) = w.run();
    assert!(p.is_empty());
    assert!(w.state.link_of_remote("X1").is_none());
}

#[test]
fn u2_a_rename_frees_a_name_before_creates_use_it() {
    let config = ConnectionConfig::new(Profile::Qbo).with_push_contact_type("Client");
    let local = vec![org("K1", "Acme", "a@acme.test").with_contact_type("Client")];
    let x = vec![qbo("Q1", "Acme", Some("Acme"), None, "a@acme.test")];
    let mut w = World::new(config, local, x);
    w.run();
    w.edit(Side::Local, "K1", |c| {
        c.display_name = Some("Acme Two".into());
        c.organization_name = Some("Acme Two".into());
    });
    w.local.insert(
        "K2".into(),
        org("K2", "Acme", "new@acme.test").with_contact_type("Client"),
    );
    let (p, _) = w.run();
    // Updates are sent first (the rename frees "Acme"), then creates.
    assert!(!p.operations[0].is_create());
    assert!(p.operations[1].is_create());
    assert!(w.remote.values().any(|c| c.label() == "Acme"));
}

#[test]
fn f2_xero_first_link_keeps_a_persons_first_and_last_name() {
    let mut w = World::new(
        xero(),
        vec![person("K1", "Wei", "Lee", "wei@lee.test")],
        vec![remote("X1", "Wei  Lee", "wei@lee.test")],
    );
    w.run();
    let k1 = &w.local["K1"];
    assert_eq!(
        (k1.first_name(), k1.last_name()),
        (Some("Wei"), Some("Lee"))
    );
    assert_eq!(k1.label(), "Wei  Lee");
    assert!(w.plan().is_empty());
}

#[test]
fn f2_applies_to_xero_and_confirms_a_first_xpm_link_merges() {
    // XPM: the local phone is sent to the ledger and the ledger's address
    // comes in; nothing local is replaced.
    let local = vec![org("K1", "Acme Ltd", "a@acme.test").with_phone(PhoneKind::Primary, "111")];
    let x = vec![
        remote("X1", "Acme Ltd", "a@acme.test")
            .with_business_structure("Company")
            .with_address(Address {
                kind: AddressKind::Mailing,
                lines: vec!["PO Box 1".into()],
                ..Address::default()
            }),
    ];
    let mut w = World::new(ConnectionConfig::new(Profile::Xpm), local, x);
    let (p, _) = w.run();
    assert!(p.report.overwritten.iter().all(|o| o.rule != "F2"));
    assert_eq!(w.remote["X1"].phones[0].number, "111");
    assert_eq!(w.local["K1"].addresses[0].lines, ["PO Box 1"]);
    assert!(w.plan().is_empty());
}

#[test]
fn state_saved_without_the_local_index_is_repaired() {
    let config = ConnectionConfig::new(Profile::Qbo).with_push_contact_type("Client");
    let local = vec![org("K1", "Acme Ltd", "a@acme.test").with_contact_type("Client")];
    let x = vec![qbo("Q1", "Acme Ltd", Some("Acme Ltd"), None, "a@acme.test")];
    let mut w = World::new(config, local, x);
    w.run();
    let mut json = serde_json::to_value(&w.state).unwrap();
    json.as_object_mut().unwrap().remove("by_local");
    w.state = serde_json::from_value(json).unwrap();
    assert!(w.plan().is_empty(), "linked contacts are not pushed again");
}

#[test]
fn t2_a_client_contact_waits_for_its_client_to_be_linked() {
    // The client is a match issue (name only): its contact person is not
    // imported on its own, then comes in once the client is confirmed.
    let client = remote("C1", "Acme Ltd", "office@acme.test").with_business_structure("Company");
    let mut jane = Contact::person("C2", "Jane", "Smith").with_email("jane@acme.test");
    jane.organization_ids.push("C1".into());
    let config =
        ConnectionConfig::new(Profile::Xpm).with_import_scope(ImportScope::ClientsAndContacts);
    let mut w = World::new(
        config,
        vec![org("K1", "Acme Ltd", "a@acme.test")],
        vec![client, jane],
    );
    let (p, _) = w.run();
    assert!(p.is_empty());
    assert!(has_notice(&p, NoticeKind::NotImported, "C2"));
    w.run_with(&[Decision::ConfirmMatch {
        remote_id: "C1".into(),
        local_id: "K1".into(),
    }]);
    w.settle(3);
    let jane = w
        .local
        .values()
        .find(|c| c.label() == "Jane Smith")
        .unwrap();
    assert_eq!(jane.organization_ids, [ledgerlink::ContactId::new("K1")]);
}

#[test]
fn u8_an_update_answered_not_found_marks_the_pair_removed() {
    let mut w = World::acme(xero());
    w.run();
    w.set_email(Side::Local, "K1", "new@acme.test");
    w.fail_once(
        "update-remote:X1",
        AdapterError::NotFound { id: "X1".into() },
    );
    w.run();
    assert!(matches!(
        w.state.link_of_remote("X1").unwrap().status,
        LinkStatus::Removed { .. }
    ));
    // Listed again, it is restored and the change goes through.
    let (p, _) = w.run();
    assert!(has_notice(&p, NoticeKind::Restored, "X1"));
    assert_eq!(w.remote["X1"].billing_email(), Some("new@acme.test"));
}

#[test]
fn n1_a_first_xpm_link_takes_the_ledgers_spelling_of_the_same_value() {
    let local = vec![org("K1", "Acme Ltd", "ap@acme.test").with_phone(PhoneKind::Primary, "111")];
    let x = vec![
        remote("X1", "ACME  LTD", "AP@Acme.test")
            .with_business_structure("Company")
            .with_phone(PhoneKind::Primary, "222"),
    ];
    let mut w = World::new(ConnectionConfig::new(Profile::Xpm), local, x);
    let (p, _) = w.run();
    // Same name and email after normalisation: the ledger's spelling, reported.
    let rules: Vec<(SyncField, &str)> = p
        .report
        .overwritten
        .iter()
        .map(|o| (o.change.field, &*o.rule))
        .collect();
    assert_eq!(rules, [(SyncField::Name, "N1"), (SyncField::Email, "N1")]);
    // Two different phones: a conflict, held for review by default (F4).
    assert_eq!(p.review.len(), 1);
    assert!(matches!(&p.review[0], ReviewItem::Conflict(c) if c.field == SyncField::PrimaryPhone));
    assert_eq!(w.local["K1"].label(), "ACME  LTD");
    assert_eq!(w.local["K1"].phones[0].number, "111");
}

#[test]
fn u1_a_create_stuck_in_flight_is_shown_and_can_be_abandoned() {
    let mut w = World::new(
        xero(),
        vec![],
        vec![remote("X1", "Acme Ltd", "a@acme.test")],
    );
    let timeout = || AdapterError::Transient {
        message: "timed out".into(),
    };
    // The create times out again and again: it may or may not have landed.
    for _ in 0..4 {
        w.fail_once("create-local:X1", timeout());
        let p = w.plan();
        w.apply(&p);
    }
    let p = w.plan();
    assert!(
        p.review
            .iter()
            .any(|r| matches!(r, ReviewItem::StuckCreate { attempts, .. } if *attempts >= 3))
    );
    // The person checked: nothing was created. Giving it up lets the run go
    // on, and the record is planned afresh.
    let d = [Decision::AbandonCreate {
        op_id: OpId("create-local:X1".into()),
    }];
    let (p, _) = w.run_with(&d);
    assert_eq!(w.state.in_flight().len(), 0);
    assert_eq!(p.report.counts.local_creates, 1);
    assert_eq!(w.local.len(), 1);
}

#[test]
fn u8_a_not_found_answer_removes_the_pair_only_when_it_names_the_target() {
    // XPM answers "… not found" also about a record the request refers to
    // (a contact of the client): that is not the client being deleted.
    let mut w = World::acme(xero());
    w.run();
    w.set_email(Side::Local, "K1", "new@acme.test");
    w.fail_once(
        "update-remote:X1",
        AdapterError::NotFound {
            id: "9e023415-b173-4375-b8d5-4220b5a6b294".into(),
        },
    );
    let (_, a) = w.run();
    assert_eq!(a.reread, [(Side::Remote, "X1".into())]);
    let linked = |w: &World| w.state.link_of_remote("X1").map(|l| l.is_linked());
    assert_eq!(linked(&w), Some(true), "another record was missing");
    // Named: the target itself is gone, and the pair is marked removed.
    w.fail_once(
        "update-remote:X1",
        AdapterError::NotFound { id: "X1".into() },
    );
    w.run();
    assert_eq!(linked(&w), Some(false));
}

// ------------------------------------------------- regressions from fuzzing

/// Fuzzing found that a linked ledger record without a name erased the
/// local contact's name under every profile (the plan wrote `name: Some ->
/// None`). F3: a nameless record never empties its partner's name, from
/// either side, and the plan says so.
#[test]
fn f3_a_record_without_a_name_never_empties_the_partners_name() {
    let cases = [
        (
            xero(),
            org("K1", "Acme Ltd", "a@acme.test"),
            remote("X1", "Acme Ltd", "a@acme.test"),
        ),
        (
            ConnectionConfig::new(Profile::Xpm),
            org("K1", "Acme Ltd", "a@acme.test"),
            remote("X1", "Acme Ltd", "a@acme.test"),
        ),
        (
            ConnectionConfig::new(Profile::Qbo),
            org("K1", "Acme Ltd", "a@acme.test"),
            qbo("X1", "Acme Ltd", Some("Acme Ltd"), None, "a@acme.test"),
        ),
    ];
    for (config, local, ledger) in cases {
        let profile = config.profile;
        let mut w = World::new(config, vec![local], vec![ledger]);
        w.run();
        assert_eq!(w.state.linked().count(), 1, "{profile:?}");
        let unname = |c: &mut Contact| {
            c.display_name = None;
            c.organization_name = None;
            c.first_name = None;
            c.last_name = None;
        };
        // The ledger's record loses its name (and changes its email).
        w.edit(Side::Remote, "X1", |c| {
            unname(c);
            c.emails[0].address = "new@acme.test".into();
        });
        let (p, _) = w.run();
        let writes_name = |op: &ledgerlink::sync::Operation| match &op.action {
            Action::Update { patch, .. } => {
                patch.changes.iter().any(|c| c.field == SyncField::Name)
            }
            Action::Create { .. } => true,
        };
        assert!(
            !p.operations.iter().any(writes_name),
            "{profile:?}: {:?}",
            p.operations
        );
        assert!(
            has_notice(&p, NoticeKind::NamelessRecord, "X1"),
            "{profile:?}"
        );
        assert_eq!(name(&w.local["K1"]), "Acme Ltd", "{profile:?}");
        // The other fields still sync.
        assert_eq!(w.local["K1"].billing_email(), Some("new@acme.test"));
        // The ledger names it again: the name flows as usual.
        w.edit(Side::Remote, "X1", |c| {
            c.display_name = Some("Acme Group".into());
            if profile == Profile::Qbo {
                c.organization_name = Some("Acme Group".into());
            }
        });
        w.run();
        assert_eq!(name(&w.local["K1"]), "Acme Group", "{profile:?}");
        // A nameless local contact never empties the ledger's name either.
        w.edit(Side::Local, "K1", unname);
        let (p, _) = w.run();
        assert!(
            has_notice(&p, NoticeKind::NamelessRecord, "X1"),
            "{profile:?}"
        );
        assert_eq!(name(&w.remote["X1"]), "Acme Group", "{profile:?}");
    }
}

/// Fuzzing found F5 broken by an ordinary second email: the ledger
/// cleared its email, the plan cleared the local billing address, and the
/// next plan pushed the contact's *other* address to the ledger.
#[test]
fn f5_clearing_the_billing_email_keeps_a_second_address_and_settles() {
    for config in [
        ConnectionConfig::new(Profile::Xpm),
        ConnectionConfig::new(Profile::Qbo),
    ] {
        let profile = config.profile;
        let mut local = org("K1", "Acme Ltd", "ap@acme.test");
        local.emails.push(ledgerlink::model::Email {
            address: "boss@acme.test".into(),
            primary: false,
        });
        let ledger = if profile == Profile::Qbo {
            qbo("X1", "Acme Ltd", Some("Acme Ltd"), None, "ap@acme.test")
        } else {
            remote("X1", "Acme Ltd", "ap@acme.test")
        };
        let mut w = World::new(config, vec![local], vec![ledger]);
        w.run();
        assert!(w.plan().is_empty(), "{profile:?}");
        w.edit(Side::Remote, "X1", |c| c.emails.clear());
        w.run();
        assert_eq!(w.local["K1"].billing_email(), None, "{profile:?}");
        // The second address is kept, not promoted.
        assert_eq!(w.local["K1"].emails.len(), 1, "{profile:?}");
        assert_eq!(w.local["K1"].emails[0].address, "boss@acme.test");
        let p = w.plan();
        assert!(p.is_empty(), "{profile:?}: {:?}", p.operations);
        assert!(w.remote["X1"].emails.is_empty(), "{profile:?}");
    }
}

/// Fuzzing found that a person's "create new" on an archived ledger record
/// that was merged into another copied the merged-away record locally
/// (archived records are otherwise never imported): the next plan reported
/// a merge clash of the engine's own making.
#[test]
fn u3_create_new_on_an_archived_or_merged_record_is_refused() {
    let mut w = World::new(
        xero(),
        vec![org("K1", "Acme Ltd", "a@acme.test")],
        vec![remote("X1", "Acme Ltd", "other@acme.test")],
    );
    let (p, _) = w.run();
    assert_eq!(p.review.len(), 1, "a match issue is open for X1");
    w.remote
        .insert("X9".into(), remote("X9", "Acme Group", "g@acme.test"));
    w.edit(Side::Remote, "X1", |c| {
        c.status = ContactStatus::Archived;
        c.extras.merged_into = Some("X9".into());
    });
    // The issue of a record archived since is closed (U3).
    assert!(has_notice(&w.plan(), NoticeKind::IssueClosed, "X1"));
    let (l, r) = (w.locals(), w.remotes());
    let decisions = [Decision::CreateNew {
        remote_id: "X1".into(),
    }];
    let input = PlanInput::new(&l, &r, w.now).with_decisions(&decisions);
    let err = plan(&w.config, &w.state, &input).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidDecision { reason, .. } if reason.contains("X9")),
        "{err}"
    );
    w.edit(Side::Remote, "X1", |c| c.extras.merged_into = None);
    let (l, r) = (w.locals(), w.remotes());
    let input = PlanInput::new(&l, &r, w.now).with_decisions(&decisions);
    assert!(matches!(
        plan(&w.config, &w.state, &input),
        Err(Error::InvalidDecision { .. })
    ));
}

/// XPM has no merges: a `merged_into` on an archived XPM client is
/// ignored, and the pair is marked archived (F6) instead of moving.
#[test]
fn u3_merges_are_followed_only_where_the_ledger_reports_them() {
    let mut w = World::acme(ConnectionConfig::new(Profile::Xpm));
    w.run();
    w.remote
        .insert("X9".into(), remote("X9", "Other Co", "o@co.test"));
    w.edit(Side::Remote, "X1", |c| {
        c.status = ContactStatus::Archived;
        c.extras.merged_into = Some("X9".into());
    });
    let (p, _) = w.run();
    assert!(!has_notice(&p, NoticeKind::LinkMoved, "X9"));
    assert!(has_notice(&p, NoticeKind::ArchivedRemotely, "X1"));
    assert!(
        w.state
            .link_of_remote("X9")
            .is_none_or(|l| l.local_id.as_str() != "K1")
    );
}

/// Fuzzing found `SyncState.run` incremented unchecked: a corrupt state
/// panicked in debug builds and wrapped to 0 in release (run numbers are
/// part of idempotency keys). Now a typed error in every build.
#[test]
fn e_a_state_whose_run_counter_cannot_advance_is_a_typed_error() {
    let mut state = SyncState::new();
    state.run = u64::MAX;
    let local = [org("K1", "Acme Ltd", "a@acme.test")];
    let input = PlanInput::new(&local, &[], t0());
    let err = plan(&xero(), &state, &input).unwrap_err();
    assert!(matches!(err, Error::InvalidState { .. }), "{err}");
    state.run = u64::MAX - 1;
    assert_eq!(
        plan(&xero(), &state, &input).unwrap().next_state.run,
        u64::MAX
    );
}

/// Fuzzing found a stored state that was not equal to itself after a JSON
/// round trip: the possible-duplicate similarity was an `f64`
/// (0.9333333333333333 read back as 0.9333333333333332). It is an integer
/// per mille now.
#[test]
fn m11_a_state_with_possible_duplicates_survives_a_json_round_trip() {
    let config = xero().with_near_duplicates(ledgerlink::NearDuplicateConfig::default());
    let mut w = World::new(
        config,
        vec![org("K1", "Jonathan Smithers", "j@smithers.test")],
        vec![remote("X1", "Jonathon Smithers", "other@x.test")],
    );
    let (p, _) = w.run();
    assert!(
        p.review
            .iter()
            .any(|r| format!("{r:?}").contains("similarity_per_mille")),
        "{:?}",
        p.review
    );
    let json = serde_json::to_string(&w.state).unwrap();
    let back: SyncState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, w.state);
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
}

/// The hostile-input sweep found display-name de-collision (U2) quadratic
/// when many contacts share one name: every push scanned " (2)", " (3)", …
/// from the start. The planner now remembers where the free suffixes
/// start; 20,000 contacts named alike plan in linear work (this took
/// minutes before).
#[test]
fn u2_many_contacts_sharing_one_name_are_suffixed_in_linear_work() {
    let config = ConnectionConfig::new(Profile::Qbo).with_push_contact_type("Client");
    let mut w = World::new(config, vec![], vec![]);
    w.run();
    const N: usize = 20_000;
    for i in 0..N {
        let c = Contact::organization(format!("K{i:05}"), "Acme Ltd").with_contact_type("Client");
        w.local.insert(c.id.clone(), c);
    }
    let p = w.plan();
    let mut names: Vec<String> = p
        .operations
        .iter()
        .filter_map(|op| match &op.action {
            Action::Create { contact, .. } => Some(contact.label()),
            Action::Update { .. } => None,
        })
        .collect();
    assert_eq!(names.len(), N);
    names.sort();
    names.dedup();
    assert_eq!(names.len(), N, "every name is unique");
    assert!(names.contains(&"Acme Ltd".to_owned()));
    assert!(names.contains(&format!("Acme Ltd ({N})")));
}

/// F3 blocks only the emptying: a person's confirm of a nameless local
/// contact against a named ledger record still gives it the ledger's name
/// (F2), and a local contact with addresses none of which is marked as
/// billing never clears the ledger's email.
#[test]
fn f3_a_name_still_fills_a_nameless_contact_and_unmarked_emails_clear_nothing() {
    let mut nameless = Contact::named("K1", "").with_email("a@acme.test");
    nameless.kind = Some(ContactKind::Organization);
    let mut w = World::new(
        ConnectionConfig::new(Profile::Xpm),
        vec![nameless],
        vec![remote("X1", "Acme Ltd", "a@acme.test")],
    );
    let (p, _) = w.run();
    assert_eq!(p.review.len(), 1, "email-only match: an issue");
    w.run_with(&[Decision::ConfirmMatch {
        remote_id: "X1".into(),
        local_id: "K1".into(),
    }]);
    assert_eq!(name(&w.local["K1"]), "Acme Ltd");
    assert!(w.plan().is_empty());
    // The firm's system drops the billing mark (an adapter that does not
    // set it): the ledger's email is not cleared, and the plan says why.
    w.edit(Side::Local, "K1", |c| c.emails[0].primary = false);
    let (p, _) = w.run();
    assert_eq!(w.remote["X1"].billing_email(), Some("a@acme.test"));
    assert!(
        p.report
            .notices
            .iter()
            .any(|n| n.kind == NoticeKind::NotSent && n.rule == "H3")
    );
}

/// Fuzzing found a chain of merges (X1 into X2, X2 into X3, seen in one
/// listing) moved the link one step per plan, so a fully applied plan was
/// followed by another (F5). The link goes to the last survivor at once.
#[test]
fn u3_a_chain_of_merges_moves_the_link_to_the_last_survivor_in_one_plan() {
    let mut w = World::acme(xero());
    w.run();
    for (id, into) in [("X2", Some("X3")), ("X3", None)] {
        let mut c = remote(id, "Acme Group", "a@acme.test");
        if let Some(into) = into {
            c.status = ContactStatus::Archived;
            c.extras.merged_into = Some(into.into());
        }
        w.remote.insert(id.into(), c);
    }
    w.edit(Side::Remote, "X1", |c| {
        c.status = ContactStatus::Archived;
        c.extras.merged_into = Some("X2".into());
    });
    let (p, _) = w.run();
    assert!(has_notice(&p, NoticeKind::LinkMoved, "X3"));
    assert_eq!(
        w.state.link_of_remote("X3").unwrap().local_id.as_str(),
        "K1"
    );
    assert_eq!(name(&w.local["K1"]), "Acme Group");
    assert!(w.plan().is_empty());
}

/// Fuzzing found a create sent again after a lost answer (U1) dropped
/// from flight when the ledger refused the resend (a duplicate name, a
/// missing reference): the next plan created the contact anew, under a new
/// key, and the ledger held it twice. The resend's refusal says nothing of
/// the first attempt: the create stays in flight until it reports back or
/// a person abandons it.
#[test]
fn u1_a_refused_resend_of_a_create_in_flight_stays_in_flight() {
    let config = ConnectionConfig::new(Profile::Qbo).with_push_contact_type("Client");
    let mut w = World::new(config, vec![], vec![]);
    w.run();
    let k1 = org("K1", "Acme Ltd", "a@acme.test").with_contact_type("Client");
    w.local.insert(k1.id.clone(), k1);
    let op = "create-remote:K1";
    w.fail.insert(
        op.into(),
        AdapterError::Transient {
            message: "connection lost after the request was sent".into(),
        },
    );
    w.run();
    assert!(w.state.in_flight().any(|o| o.id.as_str() == op));
    w.fail.insert(
        op.into(),
        AdapterError::DuplicateName {
            name: "Acme Ltd".into(),
        },
    );
    let (p, _) = w.run();
    assert!(has_notice_kind(&p, NoticeKind::ReissuedInFlight));
    assert!(
        w.state.in_flight().any(|o| o.id.as_str() == op),
        "the resend's refusal does not drop the create"
    );
    // Answered at last: created once, linked.
    w.run();
    assert_eq!(w.remote.len(), 1);
    assert!(w.plan().is_empty());
}

fn has_notice_kind(p: &ledgerlink::sync::Plan, kind: NoticeKind) -> bool {
    p.report.notices.iter().any(|n| n.kind == kind)
}

/// Fuzzing found a removed pair restored (its ledger record listed again)
/// in the same run in which a person asked to create the local contact in
/// the ledger: both happened, and the contact was linked twice. The
/// person's decision wins; the old pair stays removed.
#[test]
fn f6_p1_a_pair_is_not_restored_when_a_decision_took_its_contact() {
    let mut w = World::acme(xero());
    w.run();
    let x1 = w.remote.remove("X1").unwrap();
    let (p, _) = w.run();
    assert!(has_notice(&p, NoticeKind::DeletedRemotely, "X1"));
    w.remote.insert("X1".into(), x1);
    let (p, _) = w.run_with(&[Decision::CreateRemote {
        local_id: "K1".into(),
    }]);
    assert!(!has_notice(&p, NoticeKind::Restored, "X1"));
    let linked: Vec<&str> = w
        .state
        .linked()
        .filter(|l| l.local_id.as_str() == "K1")
        .map(|l| l.remote_id.as_str())
        .collect();
    assert_eq!(linked.len(), 1, "{linked:?}");
    assert_ne!(linked[0], "X1");
    assert!(w.plan().is_empty());
}

/// Fuzzing found a contact confirmed and unmatched again in one run pushed
/// to the ledger as new by the next run (L3: a contact a decision freed is
/// neither new nor changed).
#[test]
fn l3_a_contact_confirmed_then_unmatched_in_one_run_is_not_pushed_later() {
    let config = ConnectionConfig::new(Profile::Qbo).with_push_contact_type("Client");
    let mut w = World::new(
        config,
        vec![org("K1", "Acme Ltd", "a@acme.test").with_contact_type("Client")],
        vec![qbo(
            "X1",
            "Acme Ltd",
            Some("Acme Ltd"),
            None,
            "other@acme.test",
        )],
    );
    let (p, _) = w.run();
    assert_eq!(p.review.len(), 1, "name-only match: an issue");
    // Changed since the last run: it would count as changed for P3.
    w.edit(Side::Local, "K1", |c| {
        c.phones.push(ledgerlink::model::Phone {
            kind: PhoneKind::Primary,
            number: "+64 4 555 0101".into(),
        });
    });
    w.run_with(&[
        Decision::ConfirmMatch {
            remote_id: "X1".into(),
            local_id: "K1".into(),
        },
        Decision::RemoveMatch {
            remote_id: "X1".into(),
        },
    ]);
    // The ledger record no longer resembles it: nothing holds it back.
    w.edit(Side::Remote, "X1", |c| {
        c.display_name = Some("Other Co".into());
        c.organization_name = Some("Other Co".into());
    });
    let p = w.plan();
    assert!(
        !p.operations
            .iter()
            .any(|o| o.id.as_str() == "create-remote:K1"),
        "{:?}",
        p.operations
    );
}

/// A service that keeps its own copy of each ledger contact by reading the
/// model's accessors (`billing_email`, `primary_phone`, `phone`, `address`)
/// must end up with contacts the planner sees as identical: the accessors
/// mean exactly what the planner syncs (F1, F5).
fn copy_through_accessors(id: &str, c: &Contact) -> Contact {
    let mut copy = Contact::named(id, "");
    copy.kind = c.kind;
    copy.display_name = c.display_name().map(str::to_owned);
    copy.first_name = c.first_name().map(str::to_owned);
    copy.last_name = c.last_name().map(str::to_owned);
    copy.organization_name = c.organization_name().map(str::to_owned);
    if let Some(e) = c.billing_email() {
        copy = copy.with_email(e);
    }
    if let Some(p) = c.primary_phone() {
        copy = copy.with_phone(PhoneKind::Primary, p.number.clone());
    }
    for kind in [PhoneKind::Mobile, PhoneKind::Fax, PhoneKind::Other] {
        if let Some(p) = c.phone(kind) {
            copy = copy.with_phone(kind, p.number.clone());
        }
    }
    for kind in [
        AddressKind::Physical,
        AddressKind::Mailing,
        AddressKind::Billing,
    ] {
        if let Some(a) = c.address(kind) {
            copy = copy.with_address(a.clone());
        }
    }
    copy
}

#[test]
fn f1_contacts_copied_through_the_accessors_plan_nothing_on_the_next_run() {
    let street = |kind| Address {
        kind,
        lines: vec!["1 Queen St".into()],
        city: Some("Auckland".into()),
        ..Address::default()
    };
    let mut ledger = [
        // Only a mobile number: there is no primary phone to copy.
        remote("R1", "Acme Ltd", "ap@acme.test").with_phone(PhoneKind::Mobile, "021 555"),
        // A blank primary number before a real one.
        remote("R2", "Bloggs Trust", "fred@bloggs.test")
            .with_phone(PhoneKind::Primary, "  ")
            .with_phone(PhoneKind::Primary, "09 111"),
        // Two emails, only the second marked; an unmarked one first.
        remote("R3", "Kiwi Plumbing", "a@kiwi.test").with_address(street(AddressKind::Mailing)),
        // Addresses of every kind, one of them blank.
        remote("R4", "Tui Bakery", "b@tui.test")
            .with_address(Address {
                kind: AddressKind::Physical,
                ..Address::default()
            })
            .with_address(street(AddressKind::Physical))
            .with_address(street(AddressKind::Billing)),
    ];
    ledger[2].emails.insert(
        0,
        ledgerlink::model::Email {
            address: "unmarked@kiwi.test".into(),
            primary: false,
        },
    );
    for profile in [Profile::XeroGl, Profile::Xpm, Profile::Qbo] {
        let ledger: Vec<Contact> = ledger
            .iter()
            .map(|c| {
                let mut c = c.clone();
                if profile == Profile::Qbo {
                    c.organization_name = Some(c.label());
                }
                c
            })
            .collect();
        let firm: Vec<Contact> = ledger
            .iter()
            .enumerate()
            .map(|(i, c)| copy_through_accessors(&format!("K{i}"), c))
            .collect();
        let config = ConnectionConfig::new(profile);
        let p = plan(
            &config,
            &SyncState::new(),
            &PlanInput::new(&firm, &ledger, t0()),
        )
        .unwrap();
        assert_eq!(p.report.counts.linked, ledger.len(), "{profile:?}");
        assert!(p.operations.is_empty(), "{profile:?}: {:#?}", p.operations);
    }
}

#[test]
fn m1_a_new_ledger_record_in_a_change_listing_asks_for_the_full_local_listing_as_data() {
    use ledgerlink::sync::{Listing, Needed, plan_owned};
    let config = xero();
    let local = vec![org("K1", "Acme Ltd", "ap@acme.test")];
    let ledger = vec![remote("X1", "Acme Ltd", "ap@acme.test")];
    let first = plan(
        &config,
        &SyncState::new(),
        &PlanInput::new(&local, &ledger, t0()),
    )
    .unwrap();
    let state = first.next_state;
    // The ledger's change feed reports a record never seen; the local side
    // is a change listing too (nothing changed there).
    let new = [remote("X2", "Bloggs Trust", "fred@bloggs.test")];
    let input = PlanInput::new(&[], &[], t0())
        .with_local(Listing::Changes {
            changed: &[],
            deleted: &[],
            cursor: Some("l2"),
        })
        .with_remote(Listing::Changes {
            changed: &new,
            deleted: &[],
            cursor: Some("r2"),
        });
    for p in [
        plan(&config, &state, &input).unwrap(),
        plan_owned(&config, state.clone(), &input).unwrap(),
    ] {
        assert!(
            matches!(
                &p.needs,
                Some(Needed::FullListing { side: Side::Local, reason }) if reason.contains("1 new")
            ),
            "{:?}",
            p.needs
        );
        // Nothing planned, nothing kept: the state comes back as given.
        assert!(p.is_empty() && p.review.is_empty());
        assert_eq!(p.next_state, state);
    }
    // Given the full local listing, the record is matched (M3: created).
    let input = input.with_local(Listing::Full(&local));
    let p = plan(&config, &state, &input).unwrap();
    assert_eq!(p.needs, None);
    assert_eq!(p.report.counts.local_creates, 1);
}

#[test]
fn u5_only_a_version_the_ledger_checks_is_sent_with_an_update() {
    // QBO refuses a stale SyncToken, so it travels with the update; Xero
    // has no conditional update, so nothing is sent and no adapter reads
    // the record first to honour it.
    for (profile, checked) in [(Profile::Qbo, true), (Profile::XeroGl, false)] {
        let mut ledger = if profile == Profile::Qbo {
            qbo("R1", "Acme Ltd", Some("Acme Ltd"), None, "ap@acme.test")
        } else {
            remote("R1", "Acme Ltd", "ap@acme.test")
        };
        ledger.extras.version = Some(if checked {
            ledgerlink::model::VersionToken::SyncToken("3".into())
        } else {
            ledgerlink::model::VersionToken::UpdatedAt(t0())
        });
        let local = org("K1", "Acme Ltd", "ap@acme.test");
        let mut w = World::new(ConnectionConfig::new(profile), vec![local], vec![ledger]);
        w.run();
        // A local change the ledger is sent (a phone: pushed under both).
        if let Some(c) = w.local.get_mut("K1") {
            c.phones.push(ledgerlink::model::Phone {
                kind: PhoneKind::Primary,
                number: "09 111".into(),
            });
        }
        let p = w.plan();
        let versions: Vec<bool> = p
            .operations
            .iter()
            .filter_map(|o| match &o.action {
                Action::Update {
                    expected_version, ..
                } if o.side == Side::Remote => Some(expected_version.is_some()),
                _ => None,
            })
            .collect();
        assert_eq!(versions, [checked], "{profile:?}: {:?}", p.operations);
    }
}

#[test]
fn u1_idempotency_keys_are_unique_beyond_one_state() {
    let local = vec![org("K1", "Acme Ltd", "ap@acme.test").with_contact_type("Client")];
    let ledger = vec![remote("X2", "Bloggs Trust", "fred@bloggs.test")];
    let config = ConnectionConfig::new(Profile::Xpm);
    let keys = |state: &SyncState, now| -> Vec<String> {
        let p = plan(&config, state, &PlanInput::new(&local, &ledger, now)).unwrap();
        p.operations
            .iter()
            .filter_map(|o| match &o.action {
                Action::Create {
                    idempotency_key, ..
                } => Some(idempotency_key.clone()),
                Action::Update { .. } => None,
            })
            .collect()
    };
    // The same first run of two states started at different times (a
    // state reset, a second connection): no key is shared, although the
    // run numbers and operation ids are the same.
    let first = keys(&SyncState::new(), t0());
    let reset = keys(&SyncState::new(), t0() + chrono::Duration::seconds(1));
    assert_eq!(first.len(), 1);
    assert_ne!(first, reset);
    assert!(first[0].starts_with("ledgerlink:t"), "{first:?}");
    assert!(first[0].ends_with(":1:create-local:X2"), "{first:?}");
    // A scope the caller sets (a tenant and a random nonce) is used as is,
    // and kept by the state.
    let scoped = SyncState::new().with_key_scope("tenant-7", "4f2a");
    let k = keys(&scoped, t0());
    assert_eq!(k, ["ledgerlink:tenant-7.4f2a:1:create-local:X2"]);
    let p = plan(&config, &scoped, &PlanInput::new(&local, &ledger, t0())).unwrap();
    assert_eq!(p.next_state.key_scope(), Some("tenant-7.4f2a"));
    // A scope taken from the first plan's time stays for later runs.
    let p = plan(
        &config,
        &SyncState::new(),
        &PlanInput::new(&local, &ledger, t0()),
    )
    .unwrap();
    let scope = p.next_state.key_scope().map(str::to_owned);
    assert!(scope.is_some());
    let later = plan(
        &config,
        &p.next_state,
        &PlanInput::new(&local, &ledger, t0() + chrono::Duration::hours(1)),
    )
    .unwrap();
    assert_eq!(later.next_state.key_scope().map(str::to_owned), scope);
}
