//! Reading QuickBooks Time listings page by page, and sending a jobcode
//! plan through a [`TimeStore`].

use crate::ops::AdapterError;
use crate::ports::TimeStore;
use crate::qbtime::{DateRange, Jobcode, TimeEntry};

/// How many pages [`read_jobcodes`] and [`read_timesheets`] follow before
/// giving up on a listing that never ends.
pub const QBT_MAX_PAGES: u32 = 10_000;

fn endless() -> AdapterError {
    AdapterError::Transient {
        message: format!("the listing still had more after {QBT_MAX_PAGES} pages"),
    }
}

/// Every jobcode, page after page.
///
/// # Errors
/// The first [`AdapterError`] of a page; [`AdapterError::Transient`] when
/// the store still says `more` after [`QBT_MAX_PAGES`] pages.
pub async fn read_jobcodes<S: TimeStore + ?Sized>(store: &S) -> Result<Vec<Jobcode>, AdapterError> {
    let mut all = Vec::new();
    for page in 1..=QBT_MAX_PAGES {
        let p = store.list_jobcodes(page).await?;
        all.extend(p.jobcodes);
        if !p.more {
            return Ok(all);
        }
    }
    Err(endless())
}

/// Every timesheet dated within `range`, page after page.
///
/// # Errors
/// The first [`AdapterError`] of a page; [`AdapterError::Transient`] when
/// the store still says `more` after [`QBT_MAX_PAGES`] pages.
pub async fn read_timesheets<S: TimeStore + ?Sized>(
    store: &S,
    range: &DateRange,
) -> Result<Vec<TimeEntry>, AdapterError> {
    let mut all = Vec::new();
    for page in 1..=QBT_MAX_PAGES {
        let p = store.list_timesheets(range, page).await?;
        all.extend(p.timesheets);
        if !p.more {
            return Ok(all);
        }
    }
    Err(endless())
}
