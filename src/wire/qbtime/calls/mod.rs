//! The call codec of QuickBooks Time: every [`TimeStore`] call as a
//! request to send and a reader of its answer, and the change feeds of
//! jobcodes and timesheets.
//!
//! | port method | request builder | response reader |
//! |---|---|---|
//! | [`TimeStore::list_jobcodes`] | [`Calls::list_jobcodes`] (`GET jobcodes?active=both&type=all&page=N&limit=200&supplemental_data=no`) | [`Calls::read_list_jobcodes`] |
//! | [`TimeStore::create_jobcode`] | [`Calls::create_jobcode`] (`POST jobcodes`, `{"data":[…]}`) | [`Calls::read_create_jobcode`] |
//! | (batch) up to [`MAX_BATCH_ITEMS`](super::MAX_BATCH_ITEMS) jobcode creates | [`Calls::create_jobcode_batch`] | [`Calls::read_create_jobcode_batch`]: one result per jobcode, in order |
//! | [`TimeStore::list_timesheets`] | [`Calls::list_timesheets`] (`GET timesheets?start_date&end_date&on_the_clock=both&page=N&limit=200&supplemental_data=no`) | [`Calls::read_list_timesheets`] |
//! | (change feed) jobcodes changed since a cursor | [`Calls::jobcode_changes`] (`GET jobcodes?modified_since=…`) | [`Calls::read_jobcode_changes`] → [`JobcodeChanges`] |
//! | (change feed) timesheets changed or deleted since a cursor | [`Calls::timesheet_changes`] (`GET timesheets?modified_since=…`, then `GET timesheets_deleted?modified_since=…`) | [`Calls::read_timesheet_changes`] → [`TimesheetChanges`] |
//!
//! Paths are relative to [`API_BASE`]: `request.url(API_BASE)` is the URL
//! to call. Every request carries `Accept: application/json`; a create
//! adds `Content-Type: application/json`. The codec never sees a secret:
//! the adapter adds `Authorization: Bearer <access token>` itself. QBT has
//! no tenant header (the token names the account).
//!
//! # Listings
//!
//! Pages are numbered from 1, as QBT's `page` is, and hold at most
//! [`MAX_PAGE_ITEMS`] records (`limit=200`, QBT's largest); ask for the
//! next page while `more` is `true`. `supplemental_data=no` leaves out the
//! related records QBT would otherwise add to every page (the decoders skip
//! them anyway). The jobcode listing asks for `active=both` (archived
//! jobcodes too, U3) and `type=all` (QBT lists only `regular` jobcodes
//! without it; a `pto` jobcode's name still blocks a customer's among its
//! siblings). The timesheet listing asks for `on_the_clock=both`: QBT's
//! default leaves out the timesheets of users clocked in now, which the
//! time report counts as open entries.
//!
//! # Writes
//!
//! QBT has no idempotency header: `idempotency_key` is not sent and the
//! adapter keeps the key → jobcode id itself (see
//! [`TimeStore::create_jobcode`]). QBT answers 202 with the existing
//! jobcode rather than make a second one of the same parent, name and
//! type, so a create re-sent after a lost answer makes nothing twice.
//!
//! # Change feeds
//!
//! The [`TimeStore`] port has no change call; these are the codec's own,
//! for a caller that keeps its copy of QBT's jobcodes and timesheets up to
//! date. Each is paged by an opaque token and hands back, on its last
//! page, a cursor: the time **on QBT's side when the listing began** (the
//! first answer's `Date` header) less [`CHANGES_OVERLAP_SECS`], written as
//! QBT's `modified_since` takes it (`2026-12-06T09:59:00+00:00`). Records
//! may repeat across pages and listings; nothing changed before or during
//! a listing is lost. A caller walks a feed like this:
//!
//! ```
//! use ledgerlink::ports::AdapterError;
//! use ledgerlink::wire::qbtime::{Calls, TimesheetChanges};
//! use ledgerlink::wire::{Request, Response};
//!
//! /// One walk of the timesheet feed; `send` is the adapter's HTTP call.
//! fn walk(
//!     calls: &Calls,
//!     cursor: Option<&str>,
//!     mut send: impl FnMut(&Request) -> (u16, Vec<(String, String)>, Vec<u8>),
//! ) -> Result<(Vec<TimesheetChanges>, Option<String>), AdapterError> {
//!     let mut pages = Vec::new();
//!     let mut token: Option<String> = None;
//!     // Bounded: a feed that keeps paging is the adapter's to stop.
//!     for _ in 0..10_000 {
//!         let request = calls.timesheet_changes(cursor, token.as_deref())?;
//!         let (status, headers, body) = send(&request);
//!         let answer = Response { status, headers, body: &body };
//!         let page = calls.read_timesheet_changes(cursor, token.as_deref(), &answer)?;
//!         token = page.next_page.clone();
//!         let next_cursor = page.cursor.clone();
//!         pages.push(page);
//!         if token.is_none() {
//!             return Ok((pages, next_cursor)); // store the cursor for next time
//!         }
//!     }
//!     Err(AdapterError::Transient { message: "the feed did not end".into() })
//! }
//!
//! let calls = Calls::new();
//! let date = ("Date".to_owned(), "Sun, 06 Dec 2026 10:00:00 GMT".to_owned());
//! let (pages, cursor) = walk(&calls, Some("2026-12-06T08:00:00+00:00"), |request| {
//!     let body: &[u8] = match request.path.as_str() {
//!         "timesheets" => br#"{"results":{"timesheets":{"7":{"id":7,"user_id":1,"jobcode_id":4,
//!             "type":"manual","date":"2026-12-06","duration":3600}}},"more":false}"#,
//!         _ => br#"{"results":{"timesheets_deleted":{"5":{"id":5}}},"more":false}"#,
//!     };
//!     (200, vec![date.clone()], body.to_vec())
//! })?;
//! assert_eq!(pages[0].changed[0].id, 7);
//! assert_eq!(pages[1].deleted, [5]);
//! assert_eq!(cursor.as_deref(), Some("2026-12-06T09:59:00+00:00"));
//! # Ok::<(), AdapterError>(())
//! ```
//!
//! - **Jobcodes** ([`Calls::jobcode_changes`]): the jobcodes modified since
//!   the cursor, archived ones included (`active=both`, `type=all`); no
//!   cursor: every jobcode. QBT never deletes a jobcode (archiving is how
//!   one goes), so the pages hold no deletions.
//! - **Timesheets** ([`Calls::timesheet_changes`]): first the timesheets
//!   modified since the cursor (`on_the_clock=both`; no cursor: every
//!   timesheet since 2000), then the ids QBT deleted since the cursor
//!   (`timesheets_deleted`, skipped without a cursor: a full listing needs
//!   no deletions). Deleting a timesheet takes it out of the listing being
//!   paged, which moves the records behind it one place forward, across a
//!   page boundary; so when the timesheets took more than one page, a last
//!   request (`timesheets_deleted`, `limit=1`) asks whether anything was
//!   deleted since the listing began. If so, the cursor handed back is the
//!   one the walk started from (everything is listed again next time)
//!   rather than risk a record skipped. QBT keeps deleted timesheets for
//!   [`DELETED_TIMESHEETS_KEPT_DAYS`] days: a cursor older than that (less
//!   a day's margin) is [`AdapterError::Unsupported`] — list in full.
//!
//! Both rely on QBT returning a listing's pages in a stable order (by id,
//! as its examples and the [`TimeStore`] listings are): a record edited
//! while the pages are read keeps its place. An answer without a `Date`
//! header is [`AdapterError::Unsupported`]: no cursor is ever taken from
//! the client's clock.
//!
//! Should [`TimeStore`] grow change calls, they would take these builders
//! and readers as they are.
//!
//! # Answers
//!
//! A 2xx answer is read with this module's decoders; one that cannot be
//! read is [`AdapterError::Transient`] (a create may have happened), one
//! past the decoder's [`Limits`] [`AdapterError::Validation`] (see
//! [`Calls::with_limits`]). Other statuses go through
//! [`decode_http_error`](super::decode_http_error): 401
//! [`AdapterError::AccessTokenExpired`] (an OAuth refusal of the grant:
//! [`AdapterError::Authentication`]), 402 and 403
//! [`AdapterError::Authentication`], 404 [`AdapterError::NotFound`], 417
//! and the other 4xx [`AdapterError::Validation`] with the status as the
//! code, 429 [`AdapterError::RateLimited`] after `Retry-After` (seconds, or
//! a date measured from the answer's `Date`) or
//! [`RATE_LIMIT_WINDOW_SECS`](super::RATE_LIMIT_WINDOW_SECS), 408 and 5xx
//! [`AdapterError::Transient`].
//!
//! [`TimeStore`]: crate::ports::TimeStore
//! [`TimeStore::list_jobcodes`]: crate::ports::TimeStore::list_jobcodes
//! [`TimeStore::create_jobcode`]: crate::ports::TimeStore::create_jobcode
//! [`TimeStore::list_timesheets`]: crate::ports::TimeStore::list_timesheets

mod feed;

#[cfg(test)]
mod tests;

use crate::ports::{AdapterError, JobcodePage, TimesheetPage};
use crate::qbtime::{DateRange, Jobcode, NewJobcode};
use crate::wire::{Limits, Method, Profile, Request, Response, WireError};

use super::MAX_PAGE_ITEMS;

pub use feed::{JobcodeChanges, TimesheetChanges};

/// QuickBooks Time's API base: `request.url(API_BASE)` is the URL of a
/// request.
pub const API_BASE: &str = "https://rest.tsheets.com/api/v1/";

/// How far before the server's time a change cursor is set, in seconds:
/// changes made in that window are listed twice rather than risk losing
/// one to the one-second granularity of `modified_since` or to the `Date`
/// header's clock running ahead of the database's.
pub const CHANGES_OVERLAP_SECS: u32 = 60;

/// How long QBT keeps deleted timesheets, in days (QBT's API docs,
/// TSheetsTeam/api_docs `TimesheetsDeleted/_timesheets_deleted.md.erb`).
pub const DELETED_TIMESHEETS_KEPT_DAYS: u32 = 180;

/// The requests of a QuickBooks Time connection and the readers of their
/// answers (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calls {
    overlap_secs: u32,
    limits: Limits,
}

impl Default for Calls {
    fn default() -> Self {
        Self::new()
    }
}

impl Calls {
    /// The calls, with [`CHANGES_OVERLAP_SECS`] and the QBT decoding
    /// limits. QBT needs no connection identity in the request: the access
    /// token names the account.
    #[must_use]
    pub fn new() -> Self {
        Self {
            overlap_secs: CHANGES_OVERLAP_SECS,
            limits: Limits::for_provider(Profile::QbTime),
        }
    }

    /// With another overlap for change cursors (default
    /// [`CHANGES_OVERLAP_SECS`]).
    #[must_use]
    pub const fn with_changes_overlap_secs(mut self, secs: u32) -> Self {
        self.overlap_secs = secs;
        self
    }

    /// With other decoding limits (default
    /// [`Limits::for_provider`]`(Profile::QbTime)`).
    #[must_use]
    pub const fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The jobcode listing: `active=both&type=all`, since `since`, page
    /// `page`.
    fn jobcodes(since: Option<&str>, page: u32) -> Request {
        let mut r = get("jobcodes")
            .with_query("active", "both")
            .with_query("type", "all");
        if let Some(s) = since {
            r = r.with_query("modified_since", s);
        }
        paged(r, page)
    }

    /// Page `page` (from 1) of every jobcode: `GET
    /// jobcodes?active=both&type=all&page=N&limit=200&supplemental_data=no`.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for page 0.
    pub fn list_jobcodes(&self, page: u32) -> Result<Request, AdapterError> {
        check_page(page)?;
        Ok(Self::jobcodes(None, page))
    }

    /// Reads the answer to [`list_jobcodes`](Self::list_jobcodes): the
    /// jobcodes sorted by id, and `more`.
    ///
    /// # Errors
    /// The answer's [`AdapterError`] (see [Answers](self#answers)).
    pub fn read_list_jobcodes(
        &self,
        page: u32,
        answer: &Response<'_>,
    ) -> Result<JobcodePage, AdapterError> {
        check_page(page)?;
        success(answer)?;
        super::decode_jobcodes_with_limits(answer.body, &self.limits).map_err(unreadable)
    }

    /// Creates `jobcode`: `POST jobcodes` with `{"data":[…]}`. QBT has no
    /// idempotency header: `idempotency_key` is not sent (see
    /// [Writes](self#writes)).
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when the encoder refuses the jobcode (a
    /// name too long or empty, a `:` in a name shared with QBO, a `pto`
    /// below the top level, a break type): nothing was sent.
    pub fn create_jobcode(
        &self,
        jobcode: &NewJobcode,
        idempotency_key: &str,
    ) -> Result<Request, AdapterError> {
        let _ = idempotency_key;
        self.create_jobcode_batch(std::slice::from_ref(jobcode))
    }

    /// Reads the answer to [`create_jobcode`](Self::create_jobcode): the
    /// jobcode as stored (or the one QBT already had, 202), or the item's
    /// error (417: [`AdapterError::Validation`] with code `"417"`).
    ///
    /// # Errors
    /// The answer's or the item's [`AdapterError`].
    pub fn read_create_jobcode(&self, answer: &Response<'_>) -> Result<Jobcode, AdapterError> {
        self.read_create_jobcode_batch(1, answer)?
            .into_iter()
            .next()
            .unwrap_or_else(|| Err(transient("an answer without the jobcode's result")))
    }

    /// Creates up to [`MAX_BATCH_ITEMS`](super::MAX_BATCH_ITEMS) jobcodes in one `POST jobcodes`;
    /// QBT answers each in this order.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for none, more than
    /// [`MAX_BATCH_ITEMS`](super::MAX_BATCH_ITEMS), or the first jobcode the encoder refuses:
    /// nothing was sent.
    pub fn create_jobcode_batch(&self, jobcodes: &[NewJobcode]) -> Result<Request, AdapterError> {
        let body = super::encode_jobcode_creates(jobcodes).map_err(WireError::into_refusal)?;
        Ok(Request::new(Method::Post, "jobcodes")
            .with_header("Accept", "application/json")
            .with_header("Content-Type", "application/json")
            .with_body(body))
    }

    /// Reads the answer to [`create_jobcode_batch`](Self::create_jobcode_batch)
    /// of `sent` jobcodes: one result per jobcode, in the order sent (each
    /// item's `_status_code`: 200/201 created, 202 the existing one, 417
    /// refused…).
    ///
    /// # Errors
    /// The answer's [`AdapterError`] when the whole call failed;
    /// [`AdapterError::Transient`] when the answer holds another number of
    /// results than jobcodes sent.
    pub fn read_create_jobcode_batch(
        &self,
        sent: usize,
        answer: &Response<'_>,
    ) -> Result<Vec<Result<Jobcode, AdapterError>>, AdapterError> {
        success(answer)?;
        let results = super::decode_jobcode_results(answer.body).map_err(unreadable)?;
        if results.len() != sent {
            return Err(transient(&format!(
                "{} results for {sent} jobcodes sent",
                results.len()
            )));
        }
        Ok(results)
    }

    /// Page `page` (from 1) of the timesheets dated within `range`: `GET
    /// timesheets?start_date&end_date&on_the_clock=both&page=N&limit=200&supplemental_data=no`.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for page 0.
    pub fn list_timesheets(&self, range: &DateRange, page: u32) -> Result<Request, AdapterError> {
        check_page(page)?;
        let r = get("timesheets")
            .with_query("start_date", range.start.format("%Y-%m-%d").to_string())
            .with_query("end_date", range.end.format("%Y-%m-%d").to_string())
            .with_query("on_the_clock", "both");
        Ok(paged(r, page))
    }

    /// Reads the answer to [`list_timesheets`](Self::list_timesheets): the
    /// timesheets sorted by id (open ones too), and `more`.
    ///
    /// # Errors
    /// The answer's [`AdapterError`].
    pub fn read_list_timesheets(
        &self,
        range: &DateRange,
        page: u32,
        answer: &Response<'_>,
    ) -> Result<TimesheetPage, AdapterError> {
        let _ = range;
        check_page(page)?;
        success(answer)?;
        super::decode_timesheets_with_limits(answer.body, &self.limits).map_err(unreadable)
    }
}

/// A `GET` of `path`, JSON accepted.
fn get(path: &str) -> Request {
    Request::new(Method::Get, path).with_header("Accept", "application/json")
}

/// QBT's paging: `page`, the largest `limit`, no supplemental data.
fn paged(r: Request, page: u32) -> Request {
    r.with_query("page", page.to_string())
        .with_query("limit", MAX_PAGE_ITEMS.to_string())
        .with_query("supplemental_data", "no")
}

/// Pages count from 1.
fn check_page(page: u32) -> Result<(), AdapterError> {
    if page == 0 {
        return Err(AdapterError::Validation {
            code: None,
            message: "QuickBooks Time pages are numbered from 1".into(),
        });
    }
    Ok(())
}

/// A non-2xx answer as its adapter error, the wait of a 429 taken from
/// `Retry-After` in either form.
fn success(answer: &Response<'_>) -> Result<(), AdapterError> {
    if answer.is_success() {
        return Ok(());
    }
    let retry = answer.retry_after_secs().map(|s| s.to_string());
    Err(super::decode_http_error(
        answer.status,
        retry.as_deref(),
        answer.body,
    ))
}

/// A 2xx body that could not be read: the call may have taken effect and
/// its answer is lost (transient), unless it went past the decoder's
/// limits, which a retry would meet again.
fn unreadable(e: WireError) -> AdapterError {
    match e {
        WireError::TooLarge { .. } => AdapterError::Validation {
            code: None,
            message: format!("{e} (raise the limits with qbtime::Calls::with_limits)"),
        },
        other => AdapterError::Transient {
            message: other.to_string(),
        },
    }
}

/// A failure worth retrying, named as QBT's.
fn transient(what: &str) -> AdapterError {
    AdapterError::Transient {
        message: format!("QuickBooks Time: {what}"),
    }
}
