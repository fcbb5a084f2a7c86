//! QuickBooks Time planning (Q1–Q4) over arbitrary clients, work items,
//! jobcodes (dangling parents, inactive, other types, long names, reserved
//! characters) and QBO customers:
//! - no panic; operation ids and idempotency keys unique;
//! - names within `rules::qbtime::JOBCODE_NAME`, without `:` or control
//!   characters, and unique among their siblings after normalisation;
//! - `wire::qbtime::encode_plan` puts every operation in exactly one of
//!   batches / waiting / rejected, each batch within 1..=50 items, and
//!   rejects none (planner and encoder read the same rules);
//! - once the batches are carried out (jobcodes created, results fed back
//!   through `qbtime::apply_results`), the next plan creates none of them
//!   again.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};

use arbitrary::Arbitrary;
use ledgerlink::Contact;
use ledgerlink::normalize::normalize_name;
use ledgerlink::ops::Ref;
use ledgerlink::qbtime::{
    self, Jobcode, JobcodeId, JobcodeLinks, JobcodeType, OpId, OpResult, Plan, PlanInput, Work,
};
use ledgerlink::rules::qbtime::{JOBCODE_NAME, is_reserved_in_jobcode_name};
use ledgerlink::wire::qbtime::{MAX_BATCH_ITEMS, encode_plan};
use ledgerlink_fuzz::{ContactSpec, NameSpec};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct WorkSpec {
    client: u8,
    name: NameSpec,
    long: bool,
    active: bool,
}

#[derive(Debug, Arbitrary)]
struct JobSpec {
    id: u8,
    parent: Option<u8>,
    name: NameSpec,
    kind: u8,
    active: bool,
}

#[derive(Debug, Arbitrary)]
struct Input {
    clients: Vec<(ContactSpec, bool)>,
    work: Vec<WorkSpec>,
    jobcodes: Vec<JobSpec>,
    qbo: Option<Vec<ContactSpec>>,
    many: Option<u8>,
}

fn check(plan: &Plan, jobcodes: &[Jobcode]) {
    let mut ids = BTreeSet::new();
    let mut keys = BTreeSet::new();
    let mut siblings: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for j in jobcodes.iter().filter(|j| j.active) {
        siblings
            .entry(format!("{:?}", Ref::Id(j.parent_id)))
            .or_default()
            .insert(normalize_name(&j.name).into_owned());
    }
    for op in &plan.operations {
        assert!(ids.insert(op.id.clone()), "operation id twice: {}", op.id);
        let a = &op.action;
        assert!(keys.insert(a.idempotency_key.clone()), "idempotency key twice: {}", a.idempotency_key);
        assert!(JOBCODE_NAME.len(&a.name) <= 64, "{}: name of {} chars", op.id, JOBCODE_NAME.len(&a.name));
        assert!(!a.name.contains(is_reserved_in_jobcode_name), "{}: reserved character in {:?}", op.id, a.name);
        let parent = match &a.parent {
            None => format!("{:?}", Ref::Id(JobcodeId::TOP_LEVEL)),
            Some(p) => format!("{p:?}"),
        };
        let norm = normalize_name(&a.name).into_owned();
        assert!(
            siblings.entry(parent).or_default().insert(norm),
            "{}: name {:?} not unique among its siblings",
            op.id,
            a.name
        );
    }
}

fuzz_target!(|input: Input| {
    let clients: Vec<Contact> = input
        .clients
        .iter()
        .take(12)
        .enumerate()
        .map(|(i, (s, inactive))| {
            let mut c = s.build(&format!("C{i}"), ledgerlink::Profile::Qbo, false);
            if *inactive {
                c.status = ledgerlink::model::ContactStatus::Archived;
            }
            c
        })
        .collect();
    let mut work: Vec<Work> = input
        .work
        .iter()
        .take(12)
        .enumerate()
        .map(|(i, w)| {
            let mut name = w.name.text(100);
            if w.long {
                name = name.repeat(8);
            }
            let mut work = Work::new(format!("W{i}"), format!("C{}", w.client % 14), name);
            work.active = w.active;
            work
        })
        .collect();
    // Many jobs under one client: more than one batch.
    if let Some(n) = input.many {
        for i in 0..usize::from(n % 120) {
            work.push(Work::new(format!("M{i}"), "C0", format!("Job {}", i % 70)));
        }
    }
    let mut jobcodes: Vec<Jobcode> = input
        .jobcodes
        .iter()
        .take(12)
        .enumerate()
        .map(|(i, j)| {
            // QBT's ids are unique: `j.id` only varies the order.
            let id = (i as u64 + u64::from(j.id % 4) * 12) + 1;
            let mut jc = match j.parent {
                None => Jobcode::customer(id, j.name.text(80)),
                Some(p) => Jobcode::job(id, u64::from(p % 18), j.name.text(80)),
            };
            jc.kind = [JobcodeType::Regular, JobcodeType::Pto, JobcodeType::PaidBreak, JobcodeType::UnpaidBreak]
                [usize::from(j.kind) % 4];
            jc.active = j.active;
            jc
        })
        .collect();
    let qbo: Option<Vec<Contact>> = input.qbo.as_ref().map(|v| {
        v.iter().take(8).enumerate().map(|(i, s)| s.build(&format!("Q{i}"), ledgerlink::Profile::Qbo, true)).collect()
    });
    let mut links = JobcodeLinks::new();
    let plan_with = |jobcodes: &[Jobcode], links: &JobcodeLinks| {
        let mut i = PlanInput::new(&clients, &work, jobcodes).with_links(links);
        if let Some(q) = &qbo {
            i = i.with_qbo(q);
        }
        qbtime::plan(&i)
    };
    let plan = plan_with(&jobcodes, &links);
    check(&plan, &jobcodes);
    assert!(plan == plan_with(&jobcodes, &links), "plans differ for the same input");

    // Carry out the batches as QBT would.
    let mut created: BTreeMap<OpId, JobcodeId> = BTreeMap::new();
    let mut next_id = 1000u64;
    for _ in 0..4 {
        let reqs = encode_plan(&plan, &created);
        let mut seen = BTreeSet::new();
        for b in &reqs.batches {
            assert!(!b.operations.is_empty() && b.operations.len() <= MAX_BATCH_ITEMS, "batch of {}", b.operations.len());
            for id in &b.operations {
                assert!(seen.insert(id.clone()), "{id} twice in the requests");
            }
        }
        assert!(reqs.rejected.is_empty(), "the encoder refused a planned create: {:?}", reqs.rejected);
        for id in reqs.waiting.iter().chain(reqs.rejected.iter().map(|(id, _)| id)) {
            assert!(seen.insert(id.clone()), "{id} twice in the requests");
        }
        let expected: BTreeSet<OpId> = plan.operations.iter().map(|o| o.id.clone()).filter(|id| !created.contains_key(id)).collect();
        assert_eq!(seen, expected, "operations lost or invented by encode_plan");
        if reqs.batches.is_empty() {
            break;
        }
        let mut results = Vec::new();
        for b in &reqs.batches {
            for id in &b.operations {
                let op = plan.operation(id.as_str()).expect("batched op is in the plan");
                let new = op.action.new_jobcode(|p| created.get(p).copied()).expect("a batched op has its parent");
                next_id += 1;
                let jc = Jobcode::job(next_id, new.parent_id, new.name.clone());
                results.push(OpResult::applied(id.clone(), jc.clone()));
                jobcodes.push(jc);
                created.insert(id.clone(), JobcodeId(next_id));
            }
        }
        let applied = qbtime::apply_results(&mut links, &plan, &results).expect("valid results");
        assert_eq!(applied.created.len(), results.len());
    }
    let again = plan_with(&jobcodes, &links);
    for op in &again.operations {
        assert!(!created.contains_key(&op.id), "{} planned again after it was created", op.id);
    }
});
