//! Q3: jobcodes the practice manager creates, planned and checked, and
//! the property over generated work.

use super::*;

// ---------------------------------------------------------------- Q3

#[test]
fn q3_missing_customers_and_jobs_are_created_in_qbt() {
    let plan = MissingInQbt::new().plan();
    assert_eq!(
        op_ids(&plan),
        ["qbt-customer:C2", "qbt-job:W1", "qbt-job:W2"]
    );
    let jo = &plan.operations[0];
    assert_eq!(jo.action.parent, None);
    assert_eq!(jo.action.name, "Jo Bloggs");
    assert!(jo.depends_on.is_empty());
    assert!(jo.action.connect_with_quickbooks);
    assert!(jo.reason.contains("Q3"), "{}", jo.reason);
    let audit = &plan.operations[1];
    assert_eq!(audit.action.parent, Some(Ref::Id(JobcodeId(7))));
    assert!(audit.depends_on.is_empty());
    let sa = &plan.operations[2];
    assert_eq!(sa.action.parent, Some(Ref::CreatedBy(jo.id.clone())));
    assert_eq!(sa.depends_on, std::slice::from_ref(&jo.id));
    // What was found is returned as links.
    assert_eq!(plan.links.customers.get("C1"), Some(&JobcodeId(7)));
    assert_eq!(plan.links.jobs.get(&"W3".into()), Some(&JobcodeId(8)));
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
}

#[test]
fn q3_replanning_after_the_creates_plans_nothing() {
    let clients = [
        Contact::organization("C1", "Acme Ltd"),
        Contact::organization("C2", "ACME LTD"),
        Contact::person("C3", "Jo", "Bloggs"),
        Contact::organization("C4", "A".repeat(80)),
    ];
    let work = [
        Work::new("W1", "C1", "Audit"),
        Work::new("W2", "C1", "audit"),
        Work::new("W3", "C2", "Audit"),
        Work::new("W4", "C4", "Books: Q1"),
    ];
    let mut qbt = vec![Jobcode::customer(1, "Jo Bloggs")];
    let plan = qbtime::plan(&PlanInput::new(&clients, &work, &qbt));
    assert_eq!(plan.operations.len(), 7);
    let links = apply(&plan, &mut qbt);

    // With the new listing alone …
    let again = qbtime::plan(&PlanInput::new(&clients, &work, &qbt));
    assert!(again.is_empty(), "{:?}", op_ids(&again));
    assert_eq!(again.links, links);
    // … and with the links kept.
    let again = qbtime::plan(&PlanInput::new(&clients, &work, &qbt).with_links(&links));
    assert!(again.is_empty(), "{:?}", op_ids(&again));
}

#[test]
fn q3_long_names_are_shortened_and_reported() {
    let long = format!("{} Family Trust", "Montgomery-Fairweather ".repeat(3));
    let clients = [Contact::organization("C1", long.clone())];
    let plan = qbtime::plan(&PlanInput::new(&clients, &[], &[]));
    let op = &plan.operations[0];
    assert_eq!(JOBCODE_NAME.len(&op.action.name), JOBCODE_NAME.max);
    assert!(long.starts_with(&op.action.name));
    assert_eq!(op.action.wanted_name, long);
    let original_chars = long.chars().count();
    assert_eq!(
        op.action.adjustments,
        [NameAdjustment::Shortened { original_chars }]
    );
    assert!(op.reason.contains("shortened"), "{}", op.reason);
    assert_eq!(
        notes(&plan, &op.action.subject),
        [NoteKind::NameAdjusted {
            adjustments: op.action.adjustments.clone()
        }]
    );
    // Characters, not bytes: 64 accented letters fit as they are.
    let accented = "é".repeat(64);
    let clients = [Contact::organization("C1", accented.clone())];
    let plan = qbtime::plan(&PlanInput::new(&clients, &[], &[]));
    assert_eq!(plan.operations[0].action.name, accented);
    assert!(plan.operations[0].action.adjustments.is_empty());
}

#[test]
fn q3_sibling_clashes_get_a_number_and_are_reported() {
    let clients = [
        Contact::organization("C1", "Acme Ltd"),
        Contact::organization("C2", "ACME  LTD"),
        Contact::organization("C3", "Beta"),
        Contact::organization("C4", "x".repeat(70)),
        Contact::organization("C5", "x".repeat(66)),
    ];
    // "Beta" is taken by time off, which is nobody's customer.
    let qbt = [Jobcode::customer(1, "beta").with_kind(JobcodeType::Pto)];
    let work = [
        Work::new("W1", "C1", "Audit"),
        Work::new("W2", "C1", "AUDIT"),
        // The same job name under another customer is no clash.
        Work::new("W3", "C2", "Audit"),
    ];
    let plan = qbtime::plan(&PlanInput::new(&clients, &work, &qbt));
    let names: BTreeMap<&str, &str> = plan
        .operations
        .iter()
        .map(|o| (o.id.as_str(), o.action.name.as_str()))
        .collect();
    assert_eq!(names["qbt-customer:C1"], "Acme Ltd");
    assert_eq!(names["qbt-customer:C2"], "ACME  LTD (2)");
    assert_eq!(names["qbt-customer:C3"], "Beta (2)");
    assert_eq!(names["qbt-customer:C4"], "x".repeat(64));
    assert_eq!(names["qbt-customer:C5"], format!("{} (2)", "x".repeat(60)));
    assert_eq!(names["qbt-job:W1"], "Audit");
    assert_eq!(names["qbt-job:W2"], "AUDIT (2)");
    assert_eq!(names["qbt-job:W3"], "Audit");
    let c5 = plan.operation("qbt-customer:C5").unwrap();
    assert_eq!(
        c5.action.adjustments,
        [
            NameAdjustment::Shortened { original_chars: 66 },
            NameAdjustment::Suffixed { n: 2 }
        ]
    );
    assert!(
        notes(&plan, &JobcodeSubject::customer(&"C2".into())).contains(&NoteKind::NameAdjusted {
            adjustments: vec![NameAdjustment::Suffixed { n: 2 }]
        })
    );
    for op in &plan.operations {
        assert!(JOBCODE_NAME.len(&op.action.name) <= JOBCODE_NAME.max);
    }
}

#[test]
fn q3_reserved_characters_are_replaced_and_reported() {
    let clients = [Contact::organization("C1", "Acme: North\tEast")];
    let plan = qbtime::plan(&PlanInput::new(&clients, &[], &[]));
    let op = &plan.operations[0];
    assert_eq!(op.action.name, "Acme North East");
    assert_eq!(op.action.adjustments, [NameAdjustment::ReservedCharacters]);
}

#[test]
fn q3_qbo_entries_are_what_qbt_will_create_there() {
    let clients = [
        Contact::organization("C1", "Acme Ltd"),
        Contact::person("C2", "Jo", "Bloggs"),
    ];
    let work = [
        Work::new("W1", "C1", "Audit"),
        Work::new("W2", "C1", "Payroll"),
        Work::new("W3", "C2", "Tax return"),
    ];
    let qbt = [
        Jobcode::customer(1, "Acme Ltd"),
        Jobcode::job(2, 1, "Payroll"),
    ];

    // Without the QBO listing: the entries of the jobcodes this plan creates.
    let plan = qbtime::plan(&PlanInput::new(&clients, &work, &qbt));
    let entries: Vec<(&str, Option<&str>)> = plan
        .qbo_entries
        .iter()
        .map(|e| {
            (
                e.fully_qualified_name.as_str(),
                e.after.as_ref().map(OpId::as_str),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("Acme Ltd:Audit", Some("qbt-job:W1")),
            ("Jo Bloggs", Some("qbt-customer:C2")),
            ("Jo Bloggs:Tax return", Some("qbt-job:W3")),
        ]
    );
    assert!(plan.qbo_entries.iter().all(|e| e.rule == "Q3"));

    // With it: whatever QBO lacks, including what QBT has not copied yet.
    let qbo = [
        Contact::named("60", "Acme Ltd"),
        sub_customer("61", "Audit", "60"),
    ];
    let plan = qbtime::plan(&PlanInput::new(&clients, &work, &qbt).with_qbo(&qbo));
    let names: Vec<&str> = plan
        .qbo_entries
        .iter()
        .map(|e| e.fully_qualified_name.as_str())
        .collect();
    assert_eq!(
        names,
        ["Acme Ltd:Payroll", "Jo Bloggs", "Jo Bloggs:Tax return"]
    );
    assert_eq!(plan.qbo_entries[0].after, None); // in QBT already: QBO lags

    // A jobcode not connected to QuickBooks will not reach QBO: noted.
    let mut unplugged = qbt.to_vec();
    unplugged[1].connect_with_quickbooks = false;
    let plan = qbtime::plan(&PlanInput::new(&clients, &work, &unplugged).with_qbo(&qbo));
    assert!(
        !plan
            .qbo_entries
            .iter()
            .any(|e| e.fully_qualified_name == "Acme Ltd:Payroll")
    );
    assert_eq!(
        notes(&plan, &work_subject("W2", "C1")),
        [NoteKind::NotConnectedToQbo {
            jobcode_id: JobcodeId(2)
        }]
    );
}

#[test]
fn q3_unknown_clients_and_clients_in_a_group_are_reported() {
    let clients = [
        in_group(Contact::person("C1", "Ann", "Lee"), "Lee Family"),
        Contact::organization("C2", ""),
    ];
    let work = [
        Work::new("W1", "C1", "Tax return"),
        Work::new("W2", "C9", "Audit"),
        Work::new("W3", "C2", "Audit"),
    ];
    let plan = qbtime::plan(&PlanInput::new(&clients, &work, &[]));
    // Ann Lee is her own customer; her work goes under her, not the group.
    assert_eq!(op_ids(&plan), ["qbt-customer:C1", "qbt-job:W1"]);
    assert_eq!(
        plan.operations[1].action.parent,
        Some(Ref::CreatedBy(OpId("qbt-customer:C1".into())))
    );
    assert_eq!(
        notes(&plan, &work_subject("W1", "C1")),
        [NoteKind::InClientGroup {
            group: "Lee Family".into()
        }]
    );
    let grouped = plan.notes_for(&work_subject("W1", "C1"));
    assert_eq!(grouped[0].rule, "Q4");
    assert_eq!(
        notes(&plan, &work_subject("W2", "C9")),
        [NoteKind::UnknownClient]
    );
    assert_eq!(
        notes(&plan, &JobcodeSubject::customer(&"C2".into())),
        [NoteKind::Unnamed]
    );
    assert_eq!(
        notes(&plan, &work_subject("W3", "C2")),
        [NoteKind::ClientNotInQbt]
    );
    // The group itself is not a client: no jobcode is planned for it.
    assert!(
        !plan
            .operations
            .iter()
            .any(|o| o.action.name == "Lee Family")
    );
}

#[test]
fn q3_archived_clients_closed_work_and_archived_jobcodes_create_nothing() {
    let clients = [
        archived(Contact::organization("C1", "Old Ltd")),
        Contact::organization("C2", "Acme Ltd"),
        Contact::organization("C3", "Beta Ltd"),
    ];
    let work = [
        Work::new("W1", "C1", "Audit"),
        Work::new("W2", "C2", "Audit").closed(),
        Work::new("W3", "C3", "Audit"),
        Work::new("W4", "C2", "Payroll"),
    ];
    let qbt = [
        Jobcode::customer(1, "Acme Ltd"),
        Jobcode::job(2, 1, "Payroll").archived(),
        Jobcode::customer(3, "Beta Ltd").archived(),
    ];
    let plan = qbtime::plan(&PlanInput::new(&clients, &work, &qbt));
    assert!(plan.is_empty(), "{:?}", op_ids(&plan));
    assert_eq!(
        notes(&plan, &work_subject("W1", "C1")),
        [NoteKind::ClientArchived]
    );
    assert!(notes(&plan, &work_subject("W2", "C2")).is_empty());
    assert_eq!(
        notes(&plan, &JobcodeSubject::customer(&"C3".into())),
        [NoteKind::ArchivedInQbt {
            jobcode_id: JobcodeId(3)
        }]
    );
    assert_eq!(
        notes(&plan, &work_subject("W3", "C3")),
        [NoteKind::ParentArchivedInQbt {
            jobcode_id: JobcodeId(3)
        }]
    );
    assert_eq!(
        notes(&plan, &work_subject("W4", "C2")),
        [NoteKind::ArchivedInQbt {
            jobcode_id: JobcodeId(2)
        }]
    );
}

#[test]
fn q3_links_settle_names_that_are_ambiguous() {
    // Two clients called Acme were mirrored as "Acme" and "Acme (2)".
    let clients = vec![
        Contact::organization("C5", "Acme"),
        Contact::organization("C6", "Acme"),
    ];
    let mut qbt = Vec::new();
    let plan = qbtime::plan(&PlanInput::new(&clients, &[], &qbt));
    let links = apply(&plan, &mut qbt);
    assert_eq!(links.customers.get("C6"), Some(&JobcodeId(2)));

    // A third Acme whose id sorts first arrives. By names alone it would
    // take C5's jobcode; the links keep every client on its own.
    let mut more = clients.clone();
    more.push(Contact::organization("C1", "Acme"));
    let plan = qbtime::plan(&PlanInput::new(&more, &[], &qbt).with_links(&links));
    assert_eq!(op_ids(&plan), ["qbt-customer:C1"]);
    assert_eq!(plan.operations[0].action.name, "Acme (3)");
    assert_eq!(plan.links.customers.get("C5"), Some(&JobcodeId(1)));
    assert_eq!(plan.links.customers.get("C6"), Some(&JobcodeId(2)));

    // A link to a jobcode that is gone is reported and names take over.
    let mut stale = links.clone();
    stale.customers.insert("C5".into(), JobcodeId(99));
    let plan = qbtime::plan(&PlanInput::new(&clients, &[], &qbt).with_links(&stale));
    assert!(plan.is_empty());
    assert_eq!(
        notes(&plan, &JobcodeSubject::customer(&"C5".into())),
        [NoteKind::LinkNotFound {
            jobcode_id: JobcodeId(99)
        }]
    );
}

#[test]
fn q3_the_plan_does_not_depend_on_input_order() {
    let clients = vec![
        Contact::organization("C2", "Acme"),
        Contact::organization("C1", "ACME"),
        Contact::person("C3", "Jo", "Bloggs"),
    ];
    let work = vec![
        Work::new("W2", "C1", "Audit"),
        Work::new("W1", "C1", "audit"),
        Work::new("W3", "C3", "Tax"),
    ];
    let qbt = vec![
        Jobcode::customer(4, "Jo Bloggs"),
        Jobcode::customer(2, "Zeta"),
    ];
    let a = qbtime::plan(&PlanInput::new(&clients, &work, &qbt));
    let (mut c, mut w, mut q) = (clients.clone(), work.clone(), qbt.clone());
    c.reverse();
    w.reverse();
    q.reverse();
    let b = qbtime::plan(&PlanInput::new(&c, &w, &q));
    assert_eq!(a, b);
    // Clashes are numbered in id order: C1 keeps the plain name.
    assert_eq!(a.operation("qbt-customer:C1").unwrap().action.name, "ACME");
    assert_eq!(a.operation("qbt-job:W1").unwrap().action.name, "audit");
}

#[test]
fn q3_the_plan_is_plain_serialisable_data() {
    let clients = [Contact::person("C1", "Jo", "Bloggs")];
    let work = [Work::new("W1", "C1", "Tax return")];
    let plan = qbtime::plan(&PlanInput::new(&clients, &work, &[]));
    let json = serde_json::to_string(&plan).unwrap();
    assert!(json.contains("\"qbt-job:W1\""), "{json}");
    let back: Plan = serde_json::from_str(&json).unwrap();
    assert_eq!(back, plan);
}

// ------------------------------------------------------- property (Q3)

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("Acme".to_owned()),
            Just("ACME ".to_owned()),
            Just("acme (2)".to_owned()),
            Just("Acme (3)".to_owned()),
            Just("Beta: North".to_owned()),
            Just("".to_owned()),
            "[ab]{1,2}",
            "[xé]{60,70}",
            "[xé]{60,62} \\([23]\\)",
        ]
    }

    #[derive(Debug, Clone)]
    struct World {
        clients: Vec<Contact>,
        work: Vec<Work>,
        qbt: Vec<Jobcode>,
    }

    fn world() -> impl Strategy<Value = World> {
        let clients = prop::collection::vec((name(), any::<bool>(), 0u8..8), 0..8);
        let work = prop::collection::vec((name(), 0usize..9, any::<bool>()), 0..12);
        let qbt = prop::collection::vec((name(), 0usize..4, 0u8..10), 0..8);
        (clients, work, qbt).prop_map(|(clients, work, qbt)| {
            let clients: Vec<Contact> = clients
                .into_iter()
                .enumerate()
                .map(|(i, (n, person, flags))| {
                    let mut c = if person {
                        Contact::person(format!("C{i}"), n, "")
                    } else {
                        Contact::organization(format!("C{i}"), n)
                    };
                    if flags == 0 {
                        c.status = ContactStatus::Archived;
                    }
                    if flags == 1 {
                        c.client_group = Some("Group".into());
                    }
                    c
                })
                .collect();
            let work = work
                .into_iter()
                .enumerate()
                .map(|(i, (n, client, open))| {
                    let w = Work::new(format!("W{i}"), format!("C{client}"), n);
                    if open { w } else { w.closed() }
                })
                .collect();
            // Existing jobcodes: the first ones top level, later ones under
            // one of the first four.
            let qbt = qbt
                .into_iter()
                .enumerate()
                .map(|(i, (n, parent, flags))| {
                    let id = i as u64 + 1;
                    let parent = if i < 4 { 0 } else { parent as u64 + 1 };
                    let mut j = Jobcode::job(id, parent, n);
                    if flags == 0 {
                        j.active = false;
                    }
                    if flags == 1 && parent == 0 {
                        j.kind = JobcodeType::Pto;
                    }
                    j
                })
                .collect();
            World { clients, work, qbt }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn q3_planned_names_fit_are_unique_and_replanning_plans_nothing(w in world()) {
            let plan = qbtime::plan(&PlanInput::new(&w.clients, &w.work, &w.qbt));
            let mut per_parent: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for op in &plan.operations {
                prop_assert!(JOBCODE_NAME.len(&op.action.name) <= JOBCODE_NAME.max);
                prop_assert!(!op.action.name.trim().is_empty());
                prop_assert!(!op.action.name.contains(':'));
                prop_assert!(may_write(op.system(), op.domain()));
                let fresh = per_parent
                    .entry(format!("{:?}", op.action.parent))
                    .or_default()
                    .insert(normalize_name(&op.action.name).into_owned());
                prop_assert!(fresh, "{} planned twice among siblings", op.action.name);
            }
            // `apply` checks every new name against its siblings in QBT.
            let mut qbt = w.qbt.clone();
            let links = apply(&plan, &mut qbt);

            let again = qbtime::plan(&PlanInput::new(&w.clients, &w.work, &qbt));
            prop_assert!(again.is_empty(), "{:?}", op_ids(&again));
            let with_links = PlanInput::new(&w.clients, &w.work, &qbt).with_links(&links);
            prop_assert!(qbtime::plan(&with_links).is_empty());

            // The same input in another order gives the same plan.
            let (mut c, mut wk, mut q) = (w.clients.clone(), w.work.clone(), w.qbt.clone());
            c.reverse();
            wk.reverse();
            q.reverse();
            prop_assert_eq!(qbtime::plan(&PlanInput::new(&c, &wk, &q)), plan);
        }
    }
}
