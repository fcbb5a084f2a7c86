//! Reading QuickBooks Time listings page by page, and sending a jobcode
//! plan through a [`TimeStore`].

use crate::ops::{AdapterError, Execution};
use crate::ports::TimeStore;
use crate::qbtime::{DateRange, Jobcode, OpResult, Plan, TimeEntry};

/// How many pages [`read_jobcodes`] and [`read_timesheets`] follow before
/// giving up on a listing that never ends.
pub const QBT_MAX_PAGES: u32 = 10_000;

/// Follows QBT's numbered pages (1, 2, …) while the store says `more`,
/// bounded like every listing the driver reads.
async fn numbered_pages<P, Fut>(
    mut fetch: impl FnMut(u32) -> Fut,
    mut take: impl FnMut(P) -> bool,
) -> Result<(), AdapterError>
where
    Fut: std::future::Future<Output = Result<P, AdapterError>>,
{
    let mut next = 1u32;
    super::each_page(
        QBT_MAX_PAGES as usize,
        |token| {
            let page = token.and_then(|t| t.parse().ok()).unwrap_or(1);
            fetch(page)
        },
        |p| {
            next = next.saturating_add(1);
            take(p).then(|| next.to_string())
        },
    )
    .await
}

/// Every jobcode, page after page.
///
/// # Errors
/// The first [`AdapterError`] of a page; [`AdapterError::Paging`] when the
/// store still says `more` after [`QBT_MAX_PAGES`] pages.
pub async fn read_jobcodes<S: TimeStore + ?Sized>(store: &S) -> Result<Vec<Jobcode>, AdapterError> {
    let mut all = Vec::new();
    numbered_pages(
        |page| store.list_jobcodes(page),
        |p| {
            all.extend(p.jobcodes);
            p.more
        },
    )
    .await?;
    Ok(all)
}

/// Every timesheet dated within `range`, page after page.
///
/// # Errors
/// The first [`AdapterError`] of a page; [`AdapterError::Paging`] when the
/// store still says `more` after [`QBT_MAX_PAGES`] pages.
pub async fn read_timesheets<S: TimeStore + ?Sized>(
    store: &S,
    range: &DateRange,
) -> Result<Vec<TimeEntry>, AdapterError> {
    let mut all = Vec::new();
    numbered_pages(
        |page| store.list_timesheets(range, page),
        |p| {
            all.extend(p.timesheets);
            p.more
        },
    )
    .await?;
    Ok(all)
}

/// Sends a jobcode plan through `store`, one create at a time in plan
/// order, with the [`Execution`] every domain shares: a create whose
/// parent's create failed or was skipped is skipped, and nothing more is
/// sent after a rate limit or a refused credential. Returns one result per
/// operation, for [`qbtime::apply_results`](crate::qbtime::apply_results).
///
/// With the in-memory store of the `testing` feature, a plan sent this way
/// and fed back plans nothing the next time (see `tests/integration/qbtime.rs`).
pub async fn send_jobcodes<S: TimeStore + ?Sized>(store: &S, plan: &Plan) -> Vec<OpResult> {
    let mut run: Execution<'_, _, Jobcode> = Execution::new(&plan.operations);
    while let Some(op) = run.next_op() {
        let Some(new) = op.action.new_jobcode(|id| run.created(id).copied()) else {
            run.skip(op, "its parent jobcode was not created in this run");
            continue;
        };
        let answer = store.create_jobcode(&new, &op.action.idempotency_key).await;
        run.record(op, answer);
    }
    run.finish()
}
