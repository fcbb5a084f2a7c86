//! QuickBooks Time through the public API: sources of truth (Q1), the
//! three-way customer list check (Q2), jobcodes the practice manager
//! creates (Q3) and time reports (Q4), with the in-memory QBT store. Q1 and
//! Q2 here; Q3, Q4 and the store in their own modules.

mod executor;
mod q3;
mod q4;
mod store;

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
pub(super) fn read_at() -> DateTime<Utc> {
    at("2026-04-30T18:00:00Z")
}

pub(super) fn april() -> DateRange {
    DateRange::new(day(4, 1), day(4, 30))
}

pub(super) fn in_group(mut c: Contact, group: &str) -> Contact {
    c.client_group = Some(group.to_owned());
    c
}

pub(super) fn archived(mut c: Contact) -> Contact {
    c.status = ContactStatus::Archived;
    c
}

pub(super) fn sub_customer(id: &str, name: &str, parent: &str) -> Contact {
    let mut c = Contact::named(id, name);
    c.extras.parent_id = Some(parent.into());
    c
}

/// Carries a plan out on a jobcode listing as QBT would (ids after the
/// highest one), checking QBT's name rules on the way, and feeds the
/// results back. Returns the links of the plan plus those of the new
/// jobcodes.
pub(super) fn apply(plan: &Plan, qbt: &mut Vec<Jobcode>) -> JobcodeLinks {
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

pub(super) fn op_ids(plan: &Plan) -> Vec<&str> {
    plan.operations.iter().map(|o| o.id.as_str()).collect()
}

pub(super) fn notes(plan: &Plan, subject: &JobcodeSubject) -> Vec<NoteKind> {
    plan.notes_for(subject)
        .into_iter()
        .map(|n| n.kind.clone())
        .collect()
}

pub(super) fn work_subject(id: &str, client: &str) -> JobcodeSubject {
    JobcodeSubject::Job {
        work_id: id.into(),
        client_id: client.into(),
    }
}

// ---------------------------------------------------------------- Q1

#[test]
pub(super) fn q1_each_domain_has_the_owner_the_spec_names() {
    assert_eq!(owner(Domain::Work), System::PM);
    assert_eq!(owner(Domain::Customers), System::PM);
    assert_eq!(owner(Domain::Time), System::QBT);
    assert_eq!(owner(Domain::Financials), System::QBO);
}

#[test]
pub(super) fn q1_only_the_pms_customers_and_work_may_be_written_and_only_to_qbt() {
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
pub(super) fn q1_every_planned_operation_is_a_write_the_table_allows() {
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
pub(super) fn q2_lists_agree_when_names_match_after_normalisation() {
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
pub(super) fn q2_every_name_not_in_all_three_lists_says_who_has_it() {
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
pub(super) fn q2_the_check_follows_the_integration_order() {
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
pub(super) fn q2_jobs_time_off_and_sub_customers_are_not_customers() {
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
pub(super) fn q2_duplicates_within_a_system_are_listed() {
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
pub(super) fn q2_archived_and_unnamed_records() {
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
pub(super) fn q2_a_client_group_counts_only_where_a_customer_carries_its_name() {
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
