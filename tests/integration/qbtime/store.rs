//! The in-memory QuickBooks Time store.

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
