//! Plans sent through the shared executor (U1, Q3).

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
