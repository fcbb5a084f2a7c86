//! The QuickBooks Time adapter trait: the one place this module meets I/O.

use async_trait::async_trait;

use crate::ops::AdapterError;

use super::model::{DateRange, Jobcode, NewJobcode, TimeEntry};

/// The most records a QBT listing page holds (`limit`).
pub const QBT_MAX_PAGE_SIZE: usize = 200;

/// How many pages [`read_jobcodes`] and [`read_timesheets`] follow before
/// giving up on a listing that never ends.
pub const MAX_PAGES: u32 = 10_000;

/// One page of the jobcode listing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct JobcodePage {
    /// The jobcodes of this page.
    pub jobcodes: Vec<Jobcode>,
    /// QBT `more`: whether the next page has any.
    pub more: bool,
}

/// One page of the timesheet listing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TimesheetPage {
    /// The timesheets of this page.
    pub timesheets: Vec<TimeEntry>,
    /// QBT `more`: whether the next page has any.
    pub more: bool,
}

/// A QuickBooks Time account, as the embedding service reaches it (the REST
/// API v1, `https://rest.tsheets.com/api/v1/`).
///
/// Every method is one request; paging is the caller's loop (or
/// [`read_jobcodes`] / [`read_timesheets`]). Pages are numbered from 1, as
/// QBT's `page` parameter is; keep asking while `more` is `true`.
///
/// There is deliberately no call that writes a timesheet, updates or
/// archives a jobcode (Q1: time belongs to QBT, and the integration only
/// adds what the practice manager owns).
#[async_trait]
pub trait TimeStore: Send + Sync {
    /// Page `page` (from 1) of every jobcode, archived ones included
    /// (`active=both`), sorted by id.
    ///
    /// # Errors
    /// Any [`AdapterError`].
    async fn list_jobcodes(&self, page: u32) -> Result<JobcodePage, AdapterError>;

    /// Creates a jobcode and returns it as stored. QBT refuses a name longer
    /// than 64 characters or taken among its siblings (status 417, as
    /// [`AdapterError::Validation`] with code `"417"`).
    ///
    /// The same `idempotency_key` sent twice must create one jobcode only
    /// and return it both times (U1). QBT has no idempotency header: an
    /// adapter keeps the keys itself (a table of key → jobcode id), or
    /// looks for a sibling of the same name before sending.
    ///
    /// # Errors
    /// Any [`AdapterError`].
    async fn create_jobcode(
        &self,
        jobcode: &NewJobcode,
        idempotency_key: &str,
    ) -> Result<Jobcode, AdapterError>;

    /// Page `page` (from 1) of the timesheets dated within `range`
    /// (`start_date`, `end_date`), sorted by id.
    ///
    /// # Errors
    /// Any [`AdapterError`].
    async fn list_timesheets(
        &self,
        range: &DateRange,
        page: u32,
    ) -> Result<TimesheetPage, AdapterError>;
}

fn endless() -> AdapterError {
    AdapterError::Transient {
        message: format!("the listing still had more after {MAX_PAGES} pages"),
    }
}

/// Every jobcode, page after page.
///
/// # Errors
/// The first [`AdapterError`] of a page; [`AdapterError::Transient`] when
/// the store still says `more` after [`MAX_PAGES`] pages.
pub async fn read_jobcodes<S: TimeStore + ?Sized>(store: &S) -> Result<Vec<Jobcode>, AdapterError> {
    let mut all = Vec::new();
    for page in 1..=MAX_PAGES {
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
/// the store still says `more` after [`MAX_PAGES`] pages.
pub async fn read_timesheets<S: TimeStore + ?Sized>(
    store: &S,
    range: &DateRange,
) -> Result<Vec<TimeEntry>, AdapterError> {
    let mut all = Vec::new();
    for page in 1..=MAX_PAGES {
        let p = store.list_timesheets(range, page).await?;
        all.extend(p.timesheets);
        if !p.more {
            return Ok(all);
        }
    }
    Err(endless())
}
