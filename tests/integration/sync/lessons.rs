//! The lessons (U1-U9, E3), manual sync direction (F7), import scope
//! (T2), jobs (Q3), determinism and the other plan-level cases.

use super::*;

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
