//! QuickBooks Time through the public API: sources of truth (Q1), the
//! three-way customer list check (Q2), jobcodes the practice manager
//! creates (Q3) and time reports (Q4), with the in-memory QBT store.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use ledgerlink::model::ContactStatus;
use ledgerlink::normalize::normalize_name;
use ledgerlink::ops::Ref;
use ledgerlink::qbtime::{
    self, DateRange, Domain, IntegrationStep, Jobcode, JobcodeId, JobcodeLinks, JobcodeSubject,
    JobcodeType, NameAdjustment, NoteKind, OpId, OpResult, Plan, PlanInput, System, TimeEntry,
    TimeOwner, TimeReportInput, Work, check_customer_lists, time_report,
};
use ledgerlink::rules::qbtime::{FLOWS, JOBCODE_NAME, Writer, may_write, owner};
use ledgerlink::{Contact, ContactId};

use crate::support::qbtime::MissingInQbt;
use crate::support::time::{at, day};

/// When QuickBooks Time was read: the end of April 2026.
fn read_at() -> DateTime<Utc> {
    at("2026-04-30T18:00:00Z")
}

fn april() -> DateRange {
    DateRange::new(day(4, 1), day(4, 30))
}

fn in_group(mut c: Contact, group: &str) -> Contact {
    c.client_group = Some(group.to_owned());
    c
}

fn archived(mut c: Contact) -> Contact {
    c.status = ContactStatus::Archived;
    c
}

fn sub_customer(id: &str, name: &str, parent: &str) -> Contact {
    let mut c = Contact::named(id, name);
    c.extras.parent_id = Some(parent.into());
    c
}

/// Carries a plan out on a jobcode listing as QBT would (ids after the
/// highest one), checking QBT's name rules on the way, and feeds the
/// results back. Returns the links of the plan plus those of the new
/// jobcodes.
fn apply(plan: &Plan, qbt: &mut Vec<Jobcode>) -> JobcodeLinks {
    let mut created: BTreeMap<OpId, JobcodeId> = BTreeMap::new();
    let mut results = Vec::new();
    let mut next = qbt.iter().map(|j| j.id.0).max().unwrap_or(0);
    for op in &plan.operations {
        for dep in &op.depends_on {
            assert!(created.contains_key(dep), "{} runs after {dep}", op.id);
        }
        let new = op
            .action
            .new_jobcode(|id| created.get(id).copied())
            .expect("the parent exists");
        assert!(!new.name.trim().is_empty());
        assert!(
            JOBCODE_NAME.len(&new.name) <= JOBCODE_NAME.max,
            "{}",
            new.name
        );
        let key = normalize_name(&new.name);
        assert!(
            !qbt.iter()
                .any(|j| j.parent_id == new.parent_id && normalize_name(&j.name) == key),
            "{:?} clashes with a sibling",
            new.name
        );
        next += 1;
        let j = Jobcode::job(next, new.parent_id, new.name);
        created.insert(op.id.clone(), j.id);
        results.push(OpResult::applied(op.id.clone(), j.clone()));
        qbt.push(j);
    }
    let mut links = plan.links.clone();
    let applied = qbtime::apply_results(&mut links, plan, &results).unwrap();
    assert!(applied.all_applied());
    links
}

fn op_ids(plan: &Plan) -> Vec<&str> {
    plan.operations.iter().map(|o| o.id.as_str()).collect()
}

fn notes(plan: &Plan, subject: &JobcodeSubject) -> Vec<NoteKind> {
    plan.notes_for(subject)
        .into_iter()
        .map(|n| n.kind.clone())
        .collect()
}

fn work_subject(id: &str, client: &str) -> JobcodeSubject {
    JobcodeSubject::Job {
        work_id: id.into(),
        client_id: client.into(),
    }
}

// ---------------------------------------------------------------- Q1

#[test]
fn q1_each_domain_has_the_owner_the_spec_names() {
    assert_eq!(owner(Domain::Work), System::PM);
    assert_eq!(owner(Domain::Customers), System::PM);
    assert_eq!(owner(Domain::Time), System::QBT);
    assert_eq!(owner(Domain::Financials), System::QBO);
}

#[test]
fn q1_only_the_pms_customers_and_work_may_be_written_and_only_to_qbt() {
    for system in System::ALL {
        for domain in Domain::ALL {
            let expected =
                system == System::QBT && matches!(domain, Domain::Customers | Domain::Work);
            assert_eq!(may_write(system, domain), expected, "{system} {domain}");
        }
    }
    // Nothing flows into an owner, and what QBT passes on to QBO is QBT's
    // write, not ours.
    for f in FLOWS {
        assert_ne!(f.to, owner(f.domain));
        assert_eq!(f.writer == Writer::Ledgerlink, f.to == System::QBT);
    }
}

#[test]
fn q1_every_planned_operation_is_a_write_the_table_allows() {
    let clients = [
        Contact::organization("C1", "Acme Ltd"),
        Contact::person("C2", "Jo", "Bloggs"),
        in_group(Contact::person("C3", "Ann", "Lee"), "Lee Family"),
    ];
    let work = [
        Work::new("W1", "C1", "Audit"),
        Work::new("W2", "C2", "Tax return"),
        Work::new("W3", "C3", "Tax return"),
    ];
    let qbt = [Jobcode::customer(1, "Acme Ltd")];
    let qbo = [Contact::named("60", "Acme Ltd")];
    let plan = qbtime::plan(&PlanInput::new(&clients, &work, &qbt).with_qbo(&qbo));
    assert_eq!(plan.operations.len(), 5);
    for op in &plan.operations {
        assert_eq!(op.system(), System::QBT);
        assert!(may_write(op.system(), op.domain()), "{}", op.id);
        assert_eq!(op.rule, "Q3");
    }
    // QBO gets nothing from us: its entries are QBT's to create.
    assert!(!plan.qbo_entries.is_empty());
    assert!(plan.qbo_entries.iter().all(|e| e.created_by == System::QBT));
}

// ---------------------------------------------------------------- Q2

#[test]
fn q2_lists_agree_when_names_match_after_normalisation() {
    let pm = [
        Contact::organization("C1", "ACME Ltd"),
        Contact::person("C2", "José", "García"),
    ];
    let qbt = [
        Jobcode::customer(1, "acme ltd"),
        Jobcode::customer(2, "Jose\u{301} GARCI\u{301}A"),
    ];
    let qbo = [
        Contact::named("60", "Acme  Ltd "),
        Contact::named("61", "José García"),
    ];
    let check = check_customer_lists(&pm, &qbt, &qbo);
    assert!(check.agrees(), "{:?}", check.explain());
    assert!(check.explain().is_empty());
    assert_eq!(check.first_step_with_gaps(), None);
}

#[test]
fn q2_every_name_not_in_all_three_lists_says_who_has_it() {
    let pm = [
        Contact::organization("C1", "Acme Ltd"),
        Contact::person("C2", "Jo", "Bloggs"),
        Contact::organization("C3", "Gamma Trust"),
    ];
    let qbt = [
        Jobcode::customer(1, "Acme Ltd"),
        Jobcode::customer(2, "Gamma Trust"),
        Jobcode::customer(3, "Delta & Co"),
    ];
    let qbo = [
        Contact::named("60", "Acme Ltd"),
        Contact::named("61", "Beta Holdings"),
        Contact::named("62", "Gamma Trust"),
    ];
    let check = check_customer_lists(&pm, &qbt, &qbo);
    let gaps: Vec<(&str, &[System], &[System], IntegrationStep)> = check
        .gaps
        .iter()
        .map(|g| {
            (
                g.name.as_str(),
                g.present_in.as_slice(),
                g.missing_from.as_slice(),
                g.step,
            )
        })
        .collect();
    assert_eq!(
        gaps,
        [
            (
                "Beta Holdings",
                &[System::QBO][..],
                &[System::PM, System::QBT][..],
                IntegrationStep::QbtQbo
            ),
            (
                "Delta & Co",
                &[System::QBT][..],
                &[System::PM, System::QBO][..],
                IntegrationStep::QbtQbo
            ),
            (
                "Jo Bloggs",
                &[System::PM][..],
                &[System::QBT, System::QBO][..],
                IntegrationStep::PmQbt
            ),
        ]
    );
    assert!(!check.agrees());
    assert_eq!(check.counts.pm, 3);

    // The same lists in another order give the same check.
    let (mut pm2, mut qbt2, mut qbo2) = (pm.to_vec(), qbt.to_vec(), qbo.to_vec());
    pm2.reverse();
    qbt2.reverse();
    qbo2.reverse();
    assert_eq!(check_customer_lists(&pm2, &qbt2, &qbo2), check);
}

#[test]
fn q2_the_check_follows_the_integration_order() {
    let pm = [Contact::person("C1", "Jo", "Bloggs")];
    let qbt = [Jobcode::customer(1, "Delta & Co")];
    let check = check_customer_lists(&pm, &qbt, &[]);
    // QBT ↔ QBO comes first, even though "Delta" sorts before "Jo".
    assert_eq!(check.first_step_with_gaps(), Some(IntegrationStep::QbtQbo));
    let lines = check.explain();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].starts_with("step 1 (QBT ↔ QBO): \"Delta & Co\""),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("step 2 (PM ↔ QBT): \"Jo Bloggs\""),
        "{}",
        lines[1]
    );
    assert_eq!(check.gaps_in(IntegrationStep::PmQbt).count(), 1);

    // Once QBT and QBO agree, only step 2 remains.
    let qbo = [Contact::named("60", "Delta & Co")];
    let check = check_customer_lists(&pm, &qbt, &qbo);
    assert_eq!(check.first_step_with_gaps(), Some(IntegrationStep::PmQbt));
}

#[test]
fn q2_jobs_time_off_and_sub_customers_are_not_customers() {
    let pm = [Contact::organization("C1", "Acme Ltd")];
    let qbt = [
        Jobcode::customer(1, "Acme Ltd"),
        Jobcode::job(2, 1, "Audit 2026"),
        Jobcode::customer(3, "Vacation").with_kind(JobcodeType::Pto),
    ];
    let qbo = [
        Contact::named("60", "Acme Ltd"),
        sub_customer("61", "Audit 2026", "60"),
    ];
    let check = check_customer_lists(&pm, &qbt, &qbo);
    assert!(check.agrees(), "{:?}", check.explain());
    assert_eq!(check.counts.qbt, 1);
    assert_eq!(check.counts.qbo, 1);
}

#[test]
fn q2_duplicates_within_a_system_are_listed() {
    let pm = [
        Contact::organization("C1", "Acme Ltd"),
        Contact::organization("C2", "ACME LTD"),
    ];
    let qbt = [
        Jobcode::customer(11, "Acme Ltd"),
        Jobcode::customer(9, "acme ltd"),
    ];
    let qbo = [Contact::named("60", "Acme Ltd")];
    let check = check_customer_lists(&pm, &qbt, &qbo);
    assert!(check.gaps.is_empty());
    assert!(!check.agrees());
    let dups: Vec<(System, &str, Vec<&str>)> = check
        .duplicates
        .iter()
        .map(|d| {
            (
                d.system,
                d.name.as_str(),
                d.ids.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        dups,
        [
            (System::PM, "Acme Ltd", vec!["C1", "C2"]),
            (System::QBT, "acme ltd", vec!["9", "11"]),
        ]
    );
}

#[test]
fn q2_archived_and_unnamed_records() {
    let pm = [
        Contact::organization("C1", "Acme Ltd"),
        archived(Contact::organization("C2", "Old Client")),
        Contact::organization("C3", "  "),
    ];
    let qbt = [
        Jobcode::customer(1, "Acme Ltd"),
        Jobcode::customer(2, "Old Client").archived(),
    ];
    let qbo = [Contact::named("60", "Acme Ltd")];
    let check = check_customer_lists(&pm, &qbt, &qbo);
    assert!(check.gaps.is_empty(), "{:?}", check.explain());
    assert_eq!(check.unnamed.len(), 1);
    assert_eq!(check.unnamed[0].system, System::PM);
    assert_eq!(check.unnamed[0].id, "C3");
}

#[test]
fn q2_a_client_group_counts_only_where_a_customer_carries_its_name() {
    let pm = [
        in_group(Contact::person("C1", "Ann", "Lee"), "Lee Family"),
        in_group(Contact::person("C2", "Bo", "Lee"), "Lee Family"),
        in_group(Contact::organization("C3", "Acme"), "Acme Group"),
    ];
    let qbt = [
        Jobcode::customer(1, "Ann Lee"),
        Jobcode::customer(2, "Bo Lee"),
        Jobcode::customer(3, "Acme"),
        Jobcode::customer(4, "Lee Family"),
    ];
    let qbo = [
        Contact::named("60", "Ann Lee"),
        Contact::named("61", "Bo Lee"),
        Contact::named("62", "Acme"),
    ];
    let check = check_customer_lists(&pm, &qbt, &qbo);
    // "Acme Group" is in neither QBT nor QBO: not a gap. "Lee Family" is a
    // group jobcode QBO lacks.
    assert_eq!(check.gaps.len(), 1);
    let g = &check.gaps[0];
    assert_eq!(g.name, "Lee Family");
    assert!(g.client_group);
    assert_eq!(g.present_in, [System::PM, System::QBT]);
    assert_eq!(g.missing_from, [System::QBO]);
    assert_eq!(g.step, IntegrationStep::QbtQbo);
}

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

// ---------------------------------------------------------------- Q4

fn clients_for_time() -> Vec<Contact> {
    vec![
        Contact::organization("C1", "Acme Ltd"),
        in_group(Contact::person("C2", "Ann", "Lee"), "Lee Family"),
        in_group(Contact::person("C3", "Bo", "Lee"), "Lee Family"),
    ]
}

fn jobcodes_for_time() -> Vec<Jobcode> {
    vec![
        Jobcode::customer(1, "Acme Ltd"),
        Jobcode::job(2, 1, "Audit"),
        Jobcode::job(3, 2, "Fieldwork"),
        Jobcode::job(4, 1, "Payroll"),
        Jobcode::customer(5, "Ann Lee"),
        Jobcode::customer(6, "Lee Family"),
        Jobcode::job(7, 6, "Estate planning"),
        Jobcode::customer(8, "Walk-in"),
        Jobcode::customer(9, "Vacation").with_kind(JobcodeType::Pto),
    ]
}

#[test]
fn q4_time_is_totalled_per_customer_and_job() {
    let clients = clients_for_time();
    let work = [Work::new("W1", "C1", "Audit")];
    let qbt = jobcodes_for_time();
    let entries = [
        TimeEntry::manual(1, 5, 1, day(4, 2), 600),
        TimeEntry::manual(2, 5, 2, day(4, 2), 3600),
        TimeEntry::manual(3, 6, 3, day(4, 3), 1800), // below the job: counts for it
        TimeEntry::manual(4, 6, 4, day(4, 3), 900),
        TimeEntry::manual(5, 6, 8, day(4, 3), 300),
        TimeEntry::manual(6, 6, 9, day(4, 4), 28_800),
    ];
    let input = TimeReportInput::new(&clients, &qbt, &entries, april(), read_at()).with_work(&work);
    let report = time_report(&input);
    let acme = report.for_client("C1").unwrap();
    assert_eq!(acme.direct_secs, 600);
    assert_eq!(acme.total_secs, 600 + 3600 + 1800 + 900);
    assert_eq!(acme.entries, 4);
    let jobs: Vec<(&str, u64, Option<&str>)> = acme
        .jobs
        .iter()
        .map(|j| {
            (
                j.name.as_str(),
                j.secs,
                j.work_id.as_ref().map(|w| w.as_str()),
            )
        })
        .collect();
    assert_eq!(jobs, [("Audit", 5400, Some("W1")), ("Payroll", 900, None)]);
    let owners: Vec<&TimeOwner> = report.customers.iter().map(|c| &c.owner).collect();
    assert_eq!(
        owners,
        [
            &TimeOwner::Client {
                contact_id: "C1".into(),
                client_group: None
            },
            &TimeOwner::NotInPm,
            &TimeOwner::NonClient {
                kind: JobcodeType::Pto
            },
        ]
    );
    assert_eq!(report.total_secs, 600 + 3600 + 1800 + 900 + 300 + 28_800);
    assert_eq!(report.entries, 6);
}

#[test]
fn q4_time_against_a_client_group_is_reported_for_the_group_only() {
    let clients = clients_for_time();
    let qbt = jobcodes_for_time();
    let entries = [
        TimeEntry::manual(1, 5, 5, day(4, 2), 1200), // Ann Lee's own jobcode
        TimeEntry::manual(2, 5, 6, day(4, 2), 3600), // the group
        TimeEntry::manual(3, 5, 7, day(4, 3), 1800), // a job of the group
    ];
    let report = time_report(&TimeReportInput::new(
        &clients,
        &qbt,
        &entries,
        april(),
        read_at(),
    ));
    let group = report.for_group("LEE FAMILY").unwrap();
    assert_eq!(group.total_secs, 5400);
    assert_eq!(
        group.owner,
        TimeOwner::ClientGroup {
            group: "Lee Family".into(),
            members: vec![ContactId::from("C2"), ContactId::from("C3")],
        }
    );
    // Ann's row holds her own jobcode's time and none of the group's; Bo,
    // with no jobcode of his own, has no row: the group's time is not split.
    let ann = report.for_client("C2").unwrap();
    assert_eq!(ann.total_secs, 1200);
    assert_eq!(
        ann.owner,
        TimeOwner::Client {
            contact_id: "C2".into(),
            client_group: Some("Lee Family".into())
        }
    );
    assert!(report.for_client("C3").is_none());
    assert_eq!(report.total_secs, 6600);
}

#[test]
fn q4_the_report_says_when_time_was_read_and_what_is_still_running() {
    let clients = clients_for_time();
    let qbt = jobcodes_for_time();
    let tz = FixedOffset::east_opt(3600).unwrap();
    let start = tz.with_ymd_and_hms(2026, 4, 30, 9, 0, 0).unwrap();
    let end = tz.with_ymd_and_hms(2026, 4, 30, 10, 30, 0).unwrap();
    let entries = [
        TimeEntry::regular(1, 5, 2, start, end),
        TimeEntry::on_the_clock(2, 6, 2, start, 7200),
        TimeEntry::manual(3, 5, 2, day(4, 30), 60),
        TimeEntry::manual(3, 5, 2, day(4, 30), 60), // listed twice
        TimeEntry::manual(4, 5, 2, day(5, 1), 60),
        TimeEntry::manual(5, 5, 404, day(4, 30), 90),
    ];
    let report = time_report(&TimeReportInput::new(
        &clients,
        &qbt,
        &entries,
        april(),
        read_at(),
    ));
    assert_eq!(report.as_of, read_at());
    assert_eq!(report.period, april());
    assert_eq!(report.open_entries, 1);
    assert_eq!(report.outside_period, 1);
    assert_eq!(report.entries, 4);
    assert_eq!(
        report.for_client("C1").unwrap().total_secs,
        5400 + 7200 + 60
    );
    assert_eq!(report.unknown_jobcodes.len(), 1);
    assert_eq!(report.unknown_jobcodes[0].jobcode_id, JobcodeId(404));
    assert_eq!(report.unknown_jobcodes[0].secs, 90);
    assert_eq!(report.total_secs, 5400 + 7200 + 60 + 90);
}

#[test]
fn q4_renamed_jobcodes_still_count_for_their_client() {
    // Two clients called Acme: the second one's jobcode is "Acme (2)".
    let clients = [
        Contact::organization("C1", "Acme"),
        Contact::organization("C2", "Acme"),
    ];
    let mut qbt = Vec::new();
    let plan = qbtime::plan(&PlanInput::new(&clients, &[], &qbt));
    let links = apply(&plan, &mut qbt);
    let entries = [
        TimeEntry::manual(1, 5, 1, day(4, 2), 100),
        TimeEntry::manual(2, 5, 2, day(4, 2), 200),
    ];
    for input in [
        TimeReportInput::new(&clients, &qbt, &entries, april(), read_at()),
        TimeReportInput::new(&clients, &qbt, &entries, april(), read_at()).with_links(&links),
    ] {
        let report = time_report(&input);
        assert_eq!(report.for_client("C1").unwrap().total_secs, 100);
        assert_eq!(report.for_client("C2").unwrap().total_secs, 200);
        assert_eq!(report.for_client("C2").unwrap().name, "Acme (2)");
    }
}

// ------------------------------------------- the in-memory QBT store

mod store {
    use super::*;
    use ledgerlink::driver::{read_jobcodes, read_timesheets, send_jobcodes};
    use ledgerlink::ports::{AdapterError, TimeStore};
    use ledgerlink::qbtime::NewJobcode;
    use ledgerlink::testing::{Fault, MemoryTimeStore, TimeCall, block_on};

    fn regular(parent: JobcodeId, name: &str) -> NewJobcode {
        NewJobcode {
            parent_id: parent,
            name: name.to_owned(),
            kind: JobcodeType::Regular,
            connect_with_quickbooks: true,
        }
    }

    fn code(e: &Result<Jobcode, AdapterError>) -> Option<&str> {
        match e {
            Err(AdapterError::Validation { code, .. }) => code.as_deref(),
            _ => None,
        }
    }

    /// Runs a plan through the store with the driver and feeds the results
    /// back: the links, or the first failure.
    fn run(store: &MemoryTimeStore, plan: &Plan) -> Result<JobcodeLinks, AdapterError> {
        let results = block_on(send_jobcodes(store, plan));
        let mut links = plan.links.clone();
        let applied = qbtime::apply_results(&mut links, plan, &results).unwrap();
        match applied.failed.into_iter().next() {
            Some(f) => Err(f.error),
            None => Ok(links),
        }
    }

    #[test]
    fn q3_the_store_refuses_what_qbt_refuses() {
        let qbt = MemoryTimeStore::new();
        let acme = qbt.add_customer("Acme Ltd");
        let too_long = block_on(qbt.create_jobcode(&regular(acme, &"x".repeat(65)), "k1"));
        assert_eq!(code(&too_long), Some("417"));
        let fits = block_on(qbt.create_jobcode(&regular(acme, &"é".repeat(64)), "k2"));
        assert!(fits.is_ok());
        let clash = block_on(qbt.create_jobcode(&regular(JobcodeId::TOP_LEVEL, "ACME  LTD"), "k3"));
        assert_eq!(code(&clash), Some("417"));
        // The same name under another parent is fine.
        let job = block_on(qbt.create_jobcode(&regular(acme, "Acme Ltd"), "k4"));
        assert!(job.is_ok());
        let orphan = block_on(qbt.create_jobcode(&regular(JobcodeId(99), "Audit"), "k5"));
        assert_eq!(code(&orphan), Some("417"));
        let mut pto = regular(acme, "Leave");
        pto.kind = JobcodeType::Pto;
        assert_eq!(code(&block_on(qbt.create_jobcode(&pto, "k6"))), Some("417"));
        let mut brk = regular(JobcodeId::TOP_LEVEL, "Lunch");
        brk.kind = JobcodeType::UnpaidBreak;
        assert_eq!(code(&block_on(qbt.create_jobcode(&brk, "k7"))), Some("417"));
        assert_eq!(qbt.jobcodes().len(), 3);
        assert_eq!(qbt.calls().create_jobcode, 7);
    }

    #[test]
    fn q3_a_plan_run_through_the_store_is_not_planned_again() {
        let clients = [
            Contact::organization("C1", "Acme Ltd"),
            Contact::organization("C2", "acme ltd"),
            Contact::person("C3", "Jo", "Bloggs"),
        ];
        let work = [
            Work::new("W1", "C1", "Audit"),
            Work::new("W2", "C2", "Audit"),
            Work::new("W3", "C3", "Self assessment ".repeat(5)),
        ];
        let qbt = MemoryTimeStore::new().with_page_size(2);
        qbt.add_customer("Jo Bloggs");
        let listing = block_on(read_jobcodes(&qbt)).unwrap();
        let plan = qbtime::plan(&PlanInput::new(&clients, &work, &listing));
        assert_eq!(plan.operations.len(), 5);
        let links = run(&qbt, &plan).unwrap();
        assert_eq!(links.len(), 6);

        qbt.reset_calls();
        let listing = block_on(read_jobcodes(&qbt)).unwrap();
        assert_eq!(listing.len(), 6);
        assert_eq!(qbt.calls().list_jobcodes, 3); // pages of two, `more` followed
        assert!(qbtime::plan(&PlanInput::new(&clients, &work, &listing)).is_empty());
        let again = PlanInput::new(&clients, &work, &listing).with_links(&links);
        assert!(qbtime::plan(&again).is_empty());
    }

    #[test]
    fn q3_a_create_whose_answer_was_lost_is_not_made_twice() {
        let clients = [Contact::organization("C1", "Acme Ltd")];
        let work = [Work::new("W1", "C1", "Audit")];
        let qbt = MemoryTimeStore::new();
        let plan = qbtime::plan(&PlanInput::new(&clients, &work, &[]));

        qbt.fail_next(TimeCall::CreateJobcode, Fault::CrashAfterCreate);
        let lost = run(&qbt, &plan);
        assert!(matches!(lost, Err(AdapterError::Transient { .. })));
        assert_eq!(qbt.jobcodes().len(), 1);

        // Re-sent with the same keys: the customer comes back, the job is made.
        run(&qbt, &plan).unwrap();
        assert_eq!(qbt.jobcodes().len(), 2);
        assert_eq!(
            qbt.id_for_key(&plan.operations[0].action.idempotency_key),
            Some(JobcodeId(1))
        );

        // Rate limits and expired credentials are the shared faults.
        qbt.fail_next(
            TimeCall::ListJobcodes,
            Fault::RateLimited {
                retry_after_secs: 300,
            },
        );
        assert_eq!(
            block_on(read_jobcodes(&qbt)),
            Err(AdapterError::RateLimited {
                retry_after_secs: 300
            })
        );
        qbt.fail_next(TimeCall::Any, Fault::AuthenticationExpired);
        let range = april();
        assert!(matches!(
            block_on(qbt.list_timesheets(&range, 1)),
            Err(AdapterError::Authentication { .. })
        ));
        assert!(block_on(read_jobcodes(&qbt)).is_err());
        qbt.renew_credentials();
        assert_eq!(block_on(read_jobcodes(&qbt)).unwrap().len(), 2);
        assert_eq!(qbt.faults_fired(), 3);
    }

    #[test]
    fn q4_timesheets_are_read_by_date_range_in_pages() {
        let qbt = MemoryTimeStore::new().with_page_size(2);
        let acme = qbt.add_customer("Acme Ltd");
        for (d, secs) in [(1, 60), (2, 120), (3, 180), (4, 240), (30, 300)] {
            qbt.insert_timesheet(TimeEntry::manual(0, 5, acme, day(4, d), secs));
        }
        let first_days = DateRange::new(day(4, 2), day(4, 4));
        let page = block_on(qbt.list_timesheets(&first_days, 1)).unwrap();
        assert_eq!(page.timesheets.len(), 2);
        assert!(page.more);
        let all = block_on(read_timesheets(&qbt, &first_days)).unwrap();
        let secs: Vec<u64> = all.iter().map(|t| t.duration_secs).collect();
        assert_eq!(secs, [120, 180, 240]);
        assert_eq!(qbt.calls().list_timesheets, 3);

        let clients = [Contact::organization("C1", "Acme Ltd")];
        let listing = block_on(read_jobcodes(&qbt)).unwrap();
        let report = time_report(&TimeReportInput::new(
            &clients,
            &listing,
            &all,
            first_days,
            read_at(),
        ));
        assert_eq!(report.for_client("C1").unwrap().direct_secs, 540);
    }

    #[test]
    fn q3_archiving_a_customer_archives_its_jobs() {
        let qbt = MemoryTimeStore::new();
        let acme = qbt.add_customer("Acme Ltd");
        let audit = qbt.add_job(acme, "Audit");
        assert!(qbt.archive_jobcode(acme));
        assert!(!qbt.jobcode(audit).unwrap().active);
        assert!(qbt.restore_jobcode(audit));
        assert!(qbt.jobcode(acme).unwrap().active);
        assert!(!qbt.archive_jobcode(JobcodeId(42)));
    }
}

// ------------------------------- sent with the shared executor (U1, Q3)

mod executor {
    use super::*;
    use ledgerlink::ops::{AdapterError, Execution};
    use ledgerlink::ports::TimeStore;
    use ledgerlink::qbtime::{Action, Applied};
    use ledgerlink::testing::{Fault, MemoryTimeStore, TimeCall, block_on};

    /// Sends `plan` to the store with `ops::Execution` and feeds the results
    /// back into `links`.
    fn send(qbt: &MemoryTimeStore, plan: &Plan, links: &mut JobcodeLinks) -> Applied {
        let mut run: Execution<'_, Action, Jobcode> = Execution::new(&plan.operations);
        while let Some(op) = run.next_op() {
            let Some(new) = op.action.new_jobcode(|id| run.created(id).copied()) else {
                run.skip(op, "no parent");
                continue;
            };
            let answer = block_on(qbt.create_jobcode(&new, &op.action.idempotency_key));
            run.record(op, answer);
        }
        let results = run.finish();
        assert_eq!(results.len(), plan.operations.len());
        qbtime::apply_results(links, plan, &results).unwrap()
    }

    fn world() -> (Vec<Contact>, Vec<Work>) {
        let clients = vec![
            Contact::organization("C1", "Acme Ltd"),
            Contact::person("C2", "Jo", "Bloggs"),
        ];
        let work = vec![
            Work::new("W1", "C1", "Audit 2026"),
            Work::new("W2", "C2", "Self assessment"),
        ];
        (clients, work)
    }

    #[test]
    fn q3_u1_a_plan_sent_and_fed_back_is_not_planned_again() {
        let (clients, work) = world();
        let qbt = MemoryTimeStore::new();
        let plan = qbtime::plan(&PlanInput::new(&clients, &work, &qbt.jobcodes()));
        assert_eq!(plan.operations.len(), 4);
        let mut links = plan.links.clone();
        let applied = send(&qbt, &plan, &mut links);
        assert!(applied.all_applied(), "{applied:?}");
        assert_eq!(applied.created.len(), 4);
        assert_eq!(links.len(), 4);
        // The jobs went under the customers made in the same run.
        let acme = links.get(&JobcodeSubject::customer(&"C1".into())).unwrap();
        let audit = links.get(&work_subject("W1", "C1")).unwrap();
        assert_eq!(qbt.jobcode(audit).unwrap().parent_id, acme);

        // Idempotent: with the links or by names alone, nothing to do.
        let listing = qbt.jobcodes();
        let again = PlanInput::new(&clients, &work, &listing).with_links(&links);
        let second = qbtime::plan(&again);
        assert!(second.is_empty(), "{:?}", op_ids(&second));
        assert_eq!(second.links, links);
        assert!(qbtime::plan(&PlanInput::new(&clients, &work, &listing)).is_empty());
    }

    #[test]
    fn u1_a_failed_customer_create_skips_its_jobs_and_the_next_plan_retries_them() {
        let (clients, work) = world();
        let qbt = MemoryTimeStore::new();
        let plan = qbtime::plan(&PlanInput::new(&clients, &work, &qbt.jobcodes()));
        assert_eq!(
            op_ids(&plan),
            [
                "qbt-customer:C1",
                "qbt-customer:C2",
                "qbt-job:W1",
                "qbt-job:W2"
            ]
        );
        qbt.fail_next(TimeCall::CreateJobcode, Fault::Transient);
        let mut links = plan.links.clone();
        let applied = send(&qbt, &plan, &mut links);

        // C1 failed, so W1 (under it) was never sent; C2 and W2 went through.
        assert_eq!(qbt.calls().create_jobcode, 3);
        let failed: Vec<&str> = applied.failed.iter().map(|f| f.op_id.as_str()).collect();
        assert_eq!(failed, ["qbt-customer:C1"]);
        assert!(matches!(
            applied.failed[0].error,
            AdapterError::Transient { .. }
        ));
        assert_eq!(applied.skipped.len(), 1);
        assert_eq!(applied.skipped[0].subject, work_subject("W1", "C1"));
        assert!(applied.skipped[0].reason.contains("qbt-customer:C1"));
        let created: Vec<&str> = applied.created.iter().map(|c| c.op_id.as_str()).collect();
        assert_eq!(created, ["qbt-customer:C2", "qbt-job:W2"]);
        assert_eq!(links.len(), 2);

        // The next plan retries exactly what did not happen, then settles.
        let listing = qbt.jobcodes();
        let retry = qbtime::plan(&PlanInput::new(&clients, &work, &listing).with_links(&links));
        assert_eq!(op_ids(&retry), ["qbt-customer:C1", "qbt-job:W1"]);
        let mut links = retry.links.clone();
        assert!(send(&qbt, &retry, &mut links).all_applied());
        let listing = qbt.jobcodes();
        let done = PlanInput::new(&clients, &work, &listing).with_links(&links);
        assert!(qbtime::plan(&done).is_empty());
        assert_eq!(qbt.jobcodes().len(), 4);
    }

    #[test]
    fn u4_a_rate_limit_stops_the_run_and_every_later_create_is_skipped() {
        let (clients, work) = world();
        let qbt = MemoryTimeStore::new();
        let plan = qbtime::plan(&PlanInput::new(&clients, &work, &[]));
        qbt.fail_next(
            TimeCall::CreateJobcode,
            Fault::RateLimited {
                retry_after_secs: 300,
            },
        );
        let mut links = plan.links.clone();
        let applied = send(&qbt, &plan, &mut links);
        assert_eq!(qbt.calls().create_jobcode, 1);
        assert_eq!(applied.failed.len(), 1);
        assert_eq!(applied.skipped.len(), 3);
        assert!(links.is_empty());
    }
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
