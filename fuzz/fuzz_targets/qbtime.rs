//! QuickBooks Time planning (Q1–Q4) over arbitrary clients, work items,
//! jobcodes (dangling parents, inactive, other types, long names, reserved
//! characters) and QBO customers:
//! - no panic; operation ids and idempotency keys unique;
//! - names at most 64 characters, without `:`, tabs or line breaks, and
//!   unique among their siblings after normalisation;
//! - `wire::qbtime::encode_plan` puts every operation in exactly one of
//!   batches / waiting / rejected, each batch within 1..=50 items;
//! - once the batches are carried out (jobcodes created, links recorded),
//!   the next plan creates none of them again.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};

use arbitrary::Arbitrary;
use ledgerlink::Contact;
use ledgerlink::normalize::normalize_name;
use ledgerlink::qbtime::{
    Jobcode, JobcodeId, JobcodeLinks, JobcodeParent, JobcodePlan, JobcodePlanInput, JobcodeType,
    Work, plan_jobcodes,
};
use ledgerlink::sync::OpId;
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

fn check(plan: &JobcodePlan, jobcodes: &[Jobcode]) {
    let mut ids = BTreeSet::new();
    let mut keys = BTreeSet::new();
    let mut siblings: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for j in jobcodes.iter().filter(|j| j.active) {
        siblings
            .entry(format!("{:?}", JobcodeParent::Existing(j.parent_id)))
            .or_default()
            .insert(normalize_name(&j.name).into_owned());
    }
    for op in &plan.operations {
        assert!(ids.insert(op.id.clone()), "operation id twice: {}", op.id);
        assert!(keys.insert(op.idempotency_key.clone()), "idempotency key twice: {}", op.idempotency_key);
        assert!(op.name.chars().count() <= 64, "{}: name of {} chars", op.id, op.name.chars().count());
        assert!(!op.name.contains([':', '\t', '\n', '\r']), "{}: reserved character in {:?}", op.id, op.name);
        let parent = match &op.parent {
            JobcodeParent::TopLevel => format!("{:?}", JobcodeParent::Existing(JobcodeId::TOP_LEVEL)),
            p => format!("{p:?}"),
        };
        let norm = normalize_name(&op.name).into_owned();
        assert!(
            siblings.entry(parent).or_default().insert(norm),
            "{}: name {:?} not unique among its siblings",
            op.id,
            op.name
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
        let mut i = JobcodePlanInput::new(&clients, &work, jobcodes).with_links(links);
        if let Some(q) = &qbo {
            i = i.with_qbo(q);
        }
        plan_jobcodes(&i)
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
        for id in reqs.waiting.iter().chain(reqs.rejected.iter().map(|(id, _)| id)) {
            assert!(seen.insert(id.clone()), "{id} twice in the requests");
        }
        let expected: BTreeSet<OpId> = plan.operations.iter().map(|o| o.id.clone()).filter(|id| !created.contains_key(id)).collect();
        assert_eq!(seen, expected, "operations lost or invented by encode_plan");
        if reqs.batches.is_empty() {
            break;
        }
        for b in &reqs.batches {
            for id in &b.operations {
                let op = plan.operation(id.as_str()).expect("batched op is in the plan");
                let new = op.new_jobcode(&created).expect("a batched op has its parent");
                next_id += 1;
                let jc = Jobcode::job(next_id, new.parent_id, new.name.clone());
                links.record_created(op, &jc);
                jobcodes.push(jc);
                created.insert(id.clone(), JobcodeId(next_id));
            }
        }
    }
    let again = plan_with(&jobcodes, &links);
    for op in &again.operations {
        assert!(!created.contains_key(&op.id), "{} planned again after it was created", op.id);
    }
});
