//! The QuickBooks Time adapter: the calls the embedding service makes to
//! QuickBooks Time, and the listing pages they return.

use async_trait::async_trait;

use crate::ops::AdapterError;
use crate::qbtime::{DateRange, Jobcode, NewJobcode, TimeEntry};

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
/// Every method is one request; paging is the caller's loop (or the
/// driver's `read_jobcodes` / `read_timesheets`, feature `driver`). Pages
/// are numbered from 1, as QBT's `page` parameter is; keep asking while
/// `more` is `true`, at most
/// [`MAX_PAGE_SIZE`](crate::rules::qbtime::MAX_PAGE_SIZE) records a page.
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
