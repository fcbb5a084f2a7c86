//! Links and pushes: merges moving a link (U3), the link lifecycle
//! (L1-L3), decisions, and each profile's push rules (P1-P3).

use super::*;

#[test]
fn u3_merged_xero_contact_moves_the_link() {
    let mut w = World::acme(xero());
    w.run();
    // In Xero, X1 is merged into a new X9.
    merge_x1_into_new_x9(&mut w);
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
