//! QuickBooks Time: who owns what, the three-way customer list check, the
//! jobcodes the practice manager creates, and time reports (Q1–Q4).
//!
//! Three systems meet here. The practice manager (PM) knows the firm's
//! clients and the work done for them; QuickBooks Time (QBT) is where staff
//! record their hours, against *jobcodes* — a top-level jobcode per
//! customer, child jobcodes for that customer's jobs; QuickBooks Online
//! (QBO) keeps the books, with customers and customer:job sub-customers.
//!
//! - **Q1, one owner per kind of data** ([`owner`], [`may_write`],
//!   [`FLOWS`], in [`rules::qbtime`](crate::rules::qbtime) with the name
//!   limits). Clients and work belong to the PM, time to QBT, money to
//!   QBO. Data only ever moves away from its owner: the PM's clients and
//!   work are copied into QBT, which passes them on to QBO. The planner can
//!   express nothing else — its one [`Action`] creates a QBT jobcode for
//!   a client or a work item; there is no update, no archive, and
//!   [`TimeEntry`] has no write of any kind, here or in
//!   [`TimeStore`](crate::ports::TimeStore).
//! - **Q2, check the lists before connecting** ([`check_customer_lists`]).
//!   The customers of the three systems are compared by normalised name
//!   (N1), and every name missing somewhere, or held twice, is listed. The
//!   systems are connected in a fixed order — QBT with QBO first, then the
//!   PM with QBT — and each gap says which of the two steps it holds up.
//! - **Q3, create what is missing** ([`plan`], then [`apply_results`]).
//!   Clients (organisations and people) without a customer jobcode, and work
//!   without a job under its client's, are planned as creates in QBT, with
//!   names QBT accepts (at most 64 characters, unique among siblings —
//!   every shortening or numbering reported). What QBT will then create in
//!   QBO is listed as [`QboEntry`] predictions, not as writes of ours. The
//!   plan is plain data, sorted, and empty once it has been carried out.
//!   Client groups get no jobcode from the planner (a group is not a
//!   client); the work of a client in a group goes under the client's own
//!   customer jobcode, with a note saying so. Work of a client the PM did
//!   not list, or of an archived or unnamed client, is not planned and is
//!   noted.
//! - **Q4, time is read, when asked for** ([`time_report`]). Timesheets are
//!   read from QBT on demand, so a report is as fresh as the moment they
//!   were read (its `as_of`, given by the caller). Time may be recorded
//!   against a client group — a top-level jobcode the firm named after the
//!   group; QBT then knows the group's jobcode only, so such time is
//!   reported for the group as a whole and never split among its clients.
//!
//! The shape is the one every domain of the crate has (see
//! [`ops`](crate::ops)): [`plan`] reads a [`PlanInput`] and returns a
//! [`Plan`] of [`Operation`]s, plain data; the caller sends them — with
//! [`ops::Execution`](crate::ops::Execution), the driver's
//! `send_jobcodes` (feature `driver`), or its own loop — and feeds the
//! [`OpResult`]s back through [`apply_results`], which links the new
//! jobcodes ([`JobcodeLinks`]) for the next run.
//!
//! | file | what |
//! |---|---|
//! | `model.rs` | jobcodes, timesheets, work items |
//! | `links.rs` | what a jobcode stands for, links kept between runs |
//! | `names.rs` | names QBT accepts |
//! | `plan.rs` | the plan's types |
//! | `input.rs` | what the planner reads |
//! | `resolve.rs` | matching clients and work to jobcodes (planner and report) |
//! | `planner/` | [`plan`], by phase |
//! | `apply.rs` | [`apply_results`] |
//! | `lists.rs`, `report.rs` | Q2 and Q4 |
//!
//! The rules read here (ownership, name limits) are data in
//! [`rules::qbtime`](crate::rules::qbtime). [`TimeStore`](crate::ports::TimeStore)
//! is the adapter the embedding service implements over the QBT REST API
//! ([`ports`](crate::ports)); the `testing` feature has an in-memory one.
//!
//! [`owner`]: crate::rules::qbtime::owner
//! [`may_write`]: crate::rules::qbtime::may_write
//! [`FLOWS`]: crate::rules::qbtime::FLOWS
//!
//! # Example
//!
//! ```
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use ledgerlink::Contact;
//! use ledgerlink::ops::Execution;
//! use ledgerlink::qbtime::{
//!     self, Action, DateRange, Jobcode, PlanInput, TimeEntry, TimeReportInput, Work,
//!     check_customer_lists, time_report,
//! };
//!
//! let clients = vec![
//!     Contact::organization("C1", "Acme Ltd"),
//!     Contact::person("C2", "Jo", "Bloggs"),
//! ];
//! let work = vec![Work::new("W1", "C2", "Self assessment 2026")];
//! let mut qbt = vec![Jobcode::customer(1, "ACME LTD")];
//! let qbo = vec![Contact::named("60", "Acme Ltd")];
//!
//! // Q2: QBT and QBO agree; the PM has a client the others lack.
//! let check = check_customer_lists(&clients, &qbt, &qbo);
//! assert_eq!(check.gaps.len(), 1);
//! assert_eq!(check.gaps[0].name, "Jo Bloggs");
//!
//! // Q3: create Jo Bloggs, then the job under it.
//! let plan = qbtime::plan(&PlanInput::new(&clients, &work, &qbt).with_qbo(&qbo));
//! assert_eq!(plan.operations.len(), 2);
//! let mut run: Execution<'_, Action, Jobcode> = Execution::new(&plan.operations);
//! while let Some(op) = run.next_op() {
//!     let Some(new) = op.action.new_jobcode(|id| run.created(id).copied()) else {
//!         run.skip(op, "no parent");
//!         continue;
//!     };
//!     let id = qbt.len() as u64 + 1; // what QBT would answer
//!     let made = Jobcode::job(id, new.parent_id, new.name);
//!     qbt.push(made.clone());
//!     run.record(op, Ok(made));
//! }
//! let mut links = plan.links.clone();
//! let applied = qbtime::apply_results(&mut links, &plan, &run.finish())?;
//! assert!(applied.all_applied());
//! // Carried out: nothing more to plan.
//! let again = PlanInput::new(&clients, &work, &qbt).with_links(&links);
//! assert!(qbtime::plan(&again).is_empty());
//!
//! // Q4: time read from QBT, per customer and job.
//! let day = NaiveDate::from_ymd_opt(2026, 4, 6).unwrap();
//! let entries = vec![TimeEntry::manual(1, 5, 3, day, 2 * 3600)];
//! let read_at = Utc.with_ymd_and_hms(2026, 4, 7, 9, 0, 0).unwrap();
//! let input = TimeReportInput::new(&clients, &qbt, &entries, DateRange::new(day, day), read_at)
//!     .with_work(&work);
//! let report = time_report(&input);
//! let jo = report.for_client("C2").unwrap();
//! assert_eq!(jo.total_secs, 7200);
//! assert_eq!(jo.jobs[0].work_id.as_ref().unwrap().as_str(), "W1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod apply;
mod input;
mod links;
mod lists;
mod model;
mod names;
mod plan;
mod planner;
mod report;
mod resolve;

pub use apply::{Applied, CreatedJobcode, FailedCreate, SkippedCreate, apply_results};
pub use input::PlanInput;
pub use links::{JobcodeLinks, JobcodeSubject};
pub use lists::{
    DuplicateName, IntegrationStep, ListCheck, ListCounts, NameGap, UnnamedRecord,
    check_customer_lists,
};
pub use model::{
    DateRange, Jobcode, JobcodeId, JobcodeType, NewJobcode, TimeEntry, TimeEntryKind, Work, WorkId,
};
pub use names::NameAdjustment;
pub use plan::{
    Action, JobcodeRef, NoteKind, OpOutcome, OpResult, Operation, Plan, PlanNote, QboEntry,
};
pub use planner::plan;
pub use report::{
    CustomerTime, JobTime, TimeOwner, TimeReport, TimeReportInput, UnknownJobcodeTime, time_report,
};

pub use crate::ops::OpId;
pub use crate::rules::qbtime::{Domain, System};
