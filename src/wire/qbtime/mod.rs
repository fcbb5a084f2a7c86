//! QuickBooks Time (formerly TSheets) REST API v1, JSON: jobcodes and
//! timesheets read into [`crate::qbtime`]'s model, and jobcode creates
//! written from it.
//!
//! The calls themselves — a request builder and an answer reader for
//! every [`TimeStore`](crate::ports::TimeStore) method, and change feeds
//! of jobcodes and timesheets — are [`Calls`] (see [`calls`]).
//!
//! # Reading
//!
//! QBT wraps every listing in an envelope whose records are an object
//! keyed by id — `{"results":{"jobcodes":{"17288281":{…}}},"more":false}`
//! — never an array. The decoders return the records sorted by id, so the
//! output does not depend on the order of the keys; a key that is not an
//! all-digit id, an `id` that differs from its key, or an id listed twice
//! is a [`WireError::Shape`]. An empty set may come as `[]` (how PHP writes
//! an empty object) and reads as no records. `more` is the paging flag
//! (absent: `false`); `supplemental_data` (the parents, locations and users
//! the records refer to) is skipped — list those pages to get them.
//!
//! - [`decode_jobcodes`]: a listing page. Each jobcode keeps `id`,
//!   `parent_id` (`0` = top level), `name`, `type`, `active` and
//!   `connect_with_quickbooks` (absent: `false`; QBT only sends it when the
//!   two-way sync is on). Not kept, because the model has no place for
//!   them and the integration decides nothing on them: `short_code`,
//!   `billable`, `billable_rate`, `has_children` (derivable from the
//!   listing), `assigned_to_all`, `created`, `last_modified`, `locations`,
//!   `required_customfields`, `filtered_customfielditems`, `customfields`.
//!   They are skipped without being parsed, so none of them can make a
//!   page unreadable. A `type` other than `regular`, `pto`, `paid_break`
//!   or `unpaid_break` is a [`WireError::Shape`]: the model cannot hold it,
//!   and reading it as one of the four would misfile the jobcode.
//! - [`decode_jobcode_results`]: the answer to a batch create or update.
//!   Its items are keyed by request position (`"1"`, `"2"`…) and carry
//!   `_status_code`, `_status_message` and, on failure, `_status_extra`.
//!   They come back in request order, one `Result` each: 200 (or 201) is
//!   the jobcode as stored; 202 ("exists already with this parent, name
//!   and type") is that jobcode when QBT sends it whole, otherwise
//!   [`AdapterError::DuplicateName`]; 417 is
//!   [`AdapterError::Validation`] with code `"417"` and the
//!   `_status_extra` text, whatever the cause (a taken name, a taken
//!   short code, a bad parent) — the contract of
//!   [`TimeStore::create_jobcode`](crate::ports::TimeStore::create_jobcode),
//!   and QBT's wording is not stable enough to tell the causes apart.
//!   Other item statuses map as HTTP statuses do (below).
//! - [`decode_timesheets`] / [`decode_timesheet`]: a listing page, or one
//!   timesheet object. A `regular` timesheet needs `start` (ISO-8601 with
//!   its offset); with an `end` its duration is the seconds between the two
//!   (QBT's `duration` is not read), and an `end` before the `start` is a
//!   [`WireError::Shape`]. An empty `end` means the user is still clocked
//!   in: the entry is open ([`TimeEntry::is_on_the_clock`]) and keeps QBT's
//!   `duration` so far. `on_the_clock` itself is not read — the `end`
//!   decides. A `manual` timesheet needs `date` and `duration`; its empty
//!   `start` and `end` are ignored. `date`, when present, is the day the
//!   time counts for (otherwise the start's local date). `locked`, `notes`,
//!   `tz`, `tz_str`, `location`, `customfields`, `attached_files`,
//!   `last_modified` and `created_by_user_id` are not kept.
//! - [`decode_error`] / [`decode_http_error`]: an HTTP status and its body
//!   (`{"error":{"code":…,"message":…}}`, or the bare `{"code","message"}`
//!   QBT documents) as an [`AdapterError`]: 401 is
//!   [`AdapterError::AccessTokenExpired`] (refresh the access token and
//!   retry once); 402 (billing not current) and 403 are
//!   [`AdapterError::Authentication`] — nothing more can be sent until
//!   someone acts on the account; 404 is
//!   [`AdapterError::NotFound`] with an empty id (QBT's body does not say
//!   which record: fill it in); 405 and 501 are
//!   [`AdapterError::Unsupported`]; 429 is [`AdapterError::RateLimited`],
//!   after the `Retry-After` seconds when given, otherwise after
//!   [`RATE_LIMIT_WINDOW_SECS`] (QBT allows [`RATE_LIMIT_CALLS`] calls per
//!   window); 408 and 5xx are [`AdapterError::Transient`]; other 4xx
//!   (400, 409, 413, 417…) are [`AdapterError::Validation`] with the status
//!   as the code.
//! - [`decode_any`]: any of the above, recognised from its keys.
//!
//! Numbers are read as whole numbers (ids may also be digit strings, as in
//! QBT's own request examples); booleans may also be `0`/`1` or
//! `"yes"`/`"no"`. No money is read, so no float is ever parsed.
//!
//! # Writing
//!
//! Only jobcodes are written. Time entries are read-only in this crate —
//! time belongs to QuickBooks Time and is only ever read from it, on
//! demand (Q1, Q4) — so there is no timesheet encoder.
//!
//! - [`encode_jobcode_create`], [`encode_jobcode_creates`]: the body of
//!   `POST /jobcodes`, `{"data":[{"parent_id":…,"name":…,"type":…}]}`,
//!   with `"connect_with_quickbooks":true` when asked for (QBT's
//!   documentation calls that property a beta, so it is left out when
//!   `false`, which is QBT's default).
//! - [`encode_plan`]: the operations of a
//!   [`qbtime::Plan`](crate::qbtime::Plan) that can be sent now (their
//!   parent exists), in plan order and in batches of at most
//!   [`MAX_BATCH_ITEMS`]; the others wait for the results of the first.
//!   QBT has no idempotency header, but answers 202 rather than creating a
//!   second jobcode of the same parent, name and type: a batch re-sent
//!   after a lost response creates nothing twice.
//!
//! Before anything is written each jobcode is checked, and nothing is ever
//! shortened: a name longer than [`MAX_NAME_CHARS`] characters is
//! [`WireError::TooLong`] (the planner already shortens names and reports
//! it); an empty name, a `:` or control character in a name shared with
//! QBO, a `pto` jobcode below the top level, a break type (written only by
//! QBT's Breaks add-on), more than [`MAX_BATCH_ITEMS`] jobcodes in one
//! request, or id `0` to archive is [`WireError::Invalid`]. The model
//! carries no `short_code`, so none is sent.
//!
//! [`decode_jobcode_create_request`] reads a create body back, for fakes
//! of QBT and for round trips.
//!
//! # Example
//!
//! ```
//! use ledgerlink::ports::AdapterError;
//! use ledgerlink::qbtime::{JobcodeId, JobcodeType, NewJobcode};
//! use ledgerlink::wire::qbtime;
//!
//! let page = qbtime::decode_jobcodes(
//!     br#"{"results":{"jobcodes":{
//!         "9":{"id":9,"parent_id":4,"name":"Payroll","type":"regular","active":true},
//!         "4":{"id":4,"parent_id":0,"name":"Acme Ltd","type":"regular","active":true,
//!              "connect_with_quickbooks":true}}},
//!        "more":false}"#,
//! )?;
//! let ids: Vec<u64> = page.jobcodes.iter().map(|j| j.id.0).collect();
//! assert_eq!(ids, [4, 9]);
//! assert!(page.jobcodes[0].is_top_level());
//!
//! let new = NewJobcode {
//!     parent_id: JobcodeId(4),
//!     name: "Year end 2026".into(),
//!     kind: JobcodeType::Regular,
//!     connect_with_quickbooks: true,
//! };
//! let body = qbtime::encode_jobcode_create(&new)?;
//! assert_eq!(
//!     body,
//!     r#"{"data":[{"parent_id":4,"name":"Year end 2026","type":"regular","connect_with_quickbooks":true}]}"#
//! );
//! assert_eq!(qbtime::decode_jobcode_create_request(body.as_bytes())?, [new]);
//!
//! let results = qbtime::decode_jobcode_results(
//!     br#"{"results":{"jobcodes":{"1":{"_status_code":417,
//!         "_status_message":"Expectation Failed",
//!         "_status_extra":"That name is already in use","name":"Year end 2026"}}}}"#,
//! )?;
//! assert!(matches!(
//!     &results[0],
//!     Err(AdapterError::Validation { code: Some(c), .. }) if c == "417"
//! ));
//!
//! let throttled = qbtime::decode_error(429, br#"{"error":{"code":429,"message":"Too Many Requests"}}"#);
//! assert_eq!(throttled, AdapterError::RateLimited { retry_after_secs: 300 });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use crate::ports::AdapterError;
use crate::ports::{JobcodePage, TimesheetPage};
use crate::qbtime::{Jobcode, JobcodeId, NewJobcode, OpId, Plan, TimeEntry};

use super::{Limits, Payload, Profile, WireError};

pub mod calls;
mod de;
mod encode;
mod errors;
mod jobcodes;
mod probe;
mod timesheets;

#[cfg(test)]
mod tests;

pub use calls::{
    API_BASE, CHANGES_OVERLAP_SECS, Calls, DELETED_TIMESHEETS_KEPT_DAYS, JobcodeChanges,
    TimesheetChanges,
};
pub use encode::{JobcodeBatch, PlanRequests};

/// The most characters a jobcode `name` may have (counted in characters,
/// not bytes, as [`rules::qbtime::JOBCODE_NAME`] says): longer names are
/// refused with [`WireError::TooLong`].
///
/// [`rules::qbtime::JOBCODE_NAME`]: crate::rules::qbtime::JOBCODE_NAME
pub const MAX_NAME_CHARS: usize = crate::rules::qbtime::JOBCODE_NAME.max;

/// The most jobcodes one create or update request may carry; QBT answers
/// 413 to more.
pub const MAX_BATCH_ITEMS: usize = 50;

/// The most records QBT returns per listing page (`limit`).
pub const MAX_PAGE_ITEMS: usize = crate::rules::qbtime::MAX_PAGE_SIZE;

/// The calls QBT allows per access token in one [`RATE_LIMIT_WINDOW_SECS`]
/// window before it answers 429.
pub const RATE_LIMIT_CALLS: u32 = crate::rules::pacing::QB_TIME.calls_per_window;

/// QBT's throttling window, in seconds: the wait after a 429 that carries
/// no `Retry-After`.
pub const RATE_LIMIT_WINDOW_SECS: u64 = crate::rules::pacing::QB_TIME.window_secs as u64;

/// Recognises and decodes a QuickBooks Time payload: a jobcode or timesheet
/// listing, the results of a jobcode write, one jobcode or timesheet
/// object, or an error body.
///
/// Returns `None` when the bytes are not a QBT payload (decided from the
/// top-level keys; unreadable bytes are claimed only when they start like a
/// JSON object and hold a key only QBT uses, such as `"jobcodes"`).
///
/// The results of a jobcode write give [`Payload::Jobcodes`] with the
/// jobcodes created (in request order) when at least one was; when every
/// item failed, [`Payload::Error`] with the first item's error and one
/// message per item (`"1: …"`, `"2: …"`). Use [`decode_jobcode_results`]
/// for the outcome of each item.
#[must_use]
pub fn decode_any(bytes: &[u8]) -> Option<Result<Payload, WireError>> {
    decode_any_with_limits(bytes, &Limits::for_provider(Profile::QbTime))
}

/// [`decode_any`] within `limits`.
#[must_use]
pub fn decode_any_with_limits(bytes: &[u8], limits: &Limits) -> Option<Result<Payload, WireError>> {
    let kind = match probe::probe(bytes)? {
        Ok(kind) => kind,
        Err(e) => return Some(Err(de::json_error(&e, &de::Cursor::default()))),
    };
    Some(match kind {
        probe::Kind::Jobcodes => jobcodes_payload(bytes, limits),
        probe::Kind::Timesheets => {
            decode_timesheets_with_limits(bytes, limits).map(|p| Payload::Timesheets {
                records: p.timesheets,
                more: p.more,
            })
        }
        probe::Kind::Jobcode => decode_jobcode(bytes).map(|j| Payload::Jobcodes {
            records: vec![j],
            more: false,
        }),
        probe::Kind::Timesheet => decode_timesheet(bytes).map(|t| Payload::Timesheets {
            records: vec![t],
            more: false,
        }),
        probe::Kind::Error => Ok(error_payload(bytes)),
        probe::Kind::Other(what) if what == "timesheets_deleted" => {
            timesheets::deleted(bytes, limits).map(|(ids, more)| Payload::Deleted {
                kind: "timesheets".into(),
                ids: ids.iter().map(u64::to_string).collect(),
                more,
            })
        }
        probe::Kind::Other(what) => Err(WireError::Unsupported {
            provider: Some(Profile::QbTime),
            detail: format!("QuickBooks Time `{what}` results"),
        }),
        probe::Kind::Both => Err(de::shape("results", "holds both jobcodes and timesheets")),
    })
}

fn jobcodes_payload(bytes: &[u8], limits: &Limits) -> Result<Payload, WireError> {
    let env = jobcodes::read_envelope(bytes, limits)?;
    let is_write = env
        .items
        .as_ref()
        .is_some_and(|items| items.iter().any(|k| k.item.is_write_result()));
    if !is_write {
        let page = jobcodes::listing(env, limits)?;
        return Ok(Payload::Jobcodes {
            records: page.jobcodes,
            more: page.more,
        });
    }
    let results = jobcodes::results(env, limits)?;
    let mut records = Vec::with_capacity(results.len());
    let mut failures = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(j) => records.push(j),
            Err(e) => failures.push((i.saturating_add(1), e)),
        }
    }
    if records.is_empty()
        && let Some((_, first)) = failures.first()
    {
        let items = failures.iter().map(|(n, e)| format!("{n}: {e}")).collect();
        return Ok(Payload::Error {
            error: first.clone(),
            items,
        });
    }
    Ok(Payload::Jobcodes {
        records,
        more: false,
    })
}

fn error_payload(bytes: &[u8]) -> Payload {
    let (code, message) = errors::read_body(bytes);
    let error = match code {
        Some(status) => errors::status_error(
            status,
            message.unwrap_or_else(|| format!("HTTP {status}")),
            None,
        ),
        None => AdapterError::Validation {
            code: None,
            message: message.unwrap_or_else(|| "QuickBooks Time reported an error".to_owned()),
        },
    };
    Payload::Error {
        error,
        items: Vec::new(),
    }
}

/// Decodes a page of the jobcode listing (`GET /jobcodes`), sorted by id.
///
/// # Errors
/// [`WireError::Syntax`] for unreadable JSON; [`WireError::Shape`] for a
/// missing `results.jobcodes`, a key that is not a numeric id, an `id`
/// that differs from its key or is listed twice, a missing `parent_id`,
/// `name`, `type` or `active`, an unknown `type`, or an item that is a
/// write result (read those with [`decode_jobcode_results`]).
pub fn decode_jobcodes(bytes: &[u8]) -> Result<JobcodePage, WireError> {
    decode_jobcodes_with_limits(bytes, &Limits::for_provider(Profile::QbTime))
}

/// [`decode_jobcodes`] within `limits` ([`Limits::for_provider`] by
/// default): at most `max_records` jobcodes, names of at most
/// `max_field_bytes`.
///
/// # Errors
/// As [`decode_jobcodes`]; [`WireError::TooLarge`] past a limit.
pub fn decode_jobcodes_with_limits(
    bytes: &[u8],
    limits: &Limits,
) -> Result<JobcodePage, WireError> {
    jobcodes::listing(jobcodes::read_envelope(bytes, limits)?, limits)
}

/// Decodes one jobcode object, outside any envelope.
///
/// # Errors
/// As [`decode_jobcodes`].
pub fn decode_jobcode(bytes: &[u8]) -> Result<Jobcode, WireError> {
    jobcodes::single(bytes)
}

/// Decodes the answer to a jobcode create or update (`POST`/`PUT
/// /jobcodes`): one result per item sent, in request order — the jobcode
/// as stored, or the typed reason QBT refused it.
///
/// # Errors
/// [`WireError::Syntax`] / [`WireError::Shape`] when the answer cannot be
/// read: a missing `_status_code`, items not numbered 1 to n, or a
/// successful item without the jobcode's fields.
///
/// # Example
///
/// ```
/// use ledgerlink::wire::qbtime::decode_jobcode_results;
///
/// let results = decode_jobcode_results(
///     br#"{"results":{"jobcodes":{
///         "2":{"_status_code":417,"_status_message":"Expectation Failed",
///              "_status_extra":"Oops! That Short Code is already in use","name":"B"},
///         "1":{"_status_code":200,"_status_message":"Created","id":7,"parent_id":0,
///              "name":"A","type":"regular","active":true}}}}"#,
/// )?;
/// assert_eq!(results[0].as_ref().map(|j| j.id.0), Ok(7));
/// assert!(results[1].is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode_jobcode_results(
    bytes: &[u8],
) -> Result<Vec<Result<Jobcode, AdapterError>>, WireError> {
    let limits = Limits::for_provider(Profile::QbTime);
    jobcodes::results(jobcodes::read_envelope(bytes, &limits)?, &limits)
}

/// Decodes a page of the timesheet listing (`GET /timesheets`), sorted by
/// id.
///
/// # Errors
/// [`WireError::Syntax`] for unreadable JSON; [`WireError::Shape`] for a
/// missing `results.timesheets`, a key that is not a numeric id, a missing
/// `user_id`, `jobcode_id` or `type`, an unknown `type`, a regular
/// timesheet without a readable `start` or ending before it starts, a
/// manual one without `date` or `duration`, or a negative or fractional
/// `duration`.
pub fn decode_timesheets(bytes: &[u8]) -> Result<TimesheetPage, WireError> {
    decode_timesheets_with_limits(bytes, &Limits::for_provider(Profile::QbTime))
}

/// [`decode_timesheets`] within `limits` ([`Limits::for_provider`] by
/// default): at most `max_records` timesheets.
///
/// # Errors
/// As [`decode_timesheets`]; [`WireError::TooLarge`] past a limit.
pub fn decode_timesheets_with_limits(
    bytes: &[u8],
    limits: &Limits,
) -> Result<TimesheetPage, WireError> {
    timesheets::listing(timesheets::read_envelope(bytes, limits)?, limits)
}

/// A page of the deleted-timesheet listing (`GET /timesheets_deleted`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeletedTimesheets {
    /// The ids of the timesheets deleted, sorted.
    pub ids: Vec<u64>,
    /// Whether QBT has more pages.
    pub more: bool,
}

/// Decodes a page of the deleted-timesheet listing
/// (`results.timesheets_deleted`, keyed by id like every listing; each
/// entry is the timesheet as it was, with `"active": "0"`): the ids only,
/// since a deleted timesheet is only ever removed. [`decode_any`] gives it
/// as [`Payload::Deleted`] of kind `timesheets`.
///
/// # Errors
/// [`WireError::Syntax`] for unreadable JSON; [`WireError::Shape`] for a
/// missing `results.timesheets_deleted`, a key that is not a numeric id or
/// an `id` that differs from its key; [`WireError::TooLarge`] past
/// [`Limits::for_provider`].
pub fn decode_deleted_timesheets(bytes: &[u8]) -> Result<DeletedTimesheets, WireError> {
    timesheets::deleted(bytes, &Limits::for_provider(Profile::QbTime))
        .map(|(ids, more)| DeletedTimesheets { ids, more })
}

/// Decodes one timesheet object, outside any envelope.
///
/// # Errors
/// As [`decode_timesheets`].
pub fn decode_timesheet(bytes: &[u8]) -> Result<TimeEntry, WireError> {
    timesheets::single(bytes)
}

/// The adapter error an HTTP status and its body stand for (see the module
/// documentation for the mapping). A 429 waits [`RATE_LIMIT_WINDOW_SECS`].
#[must_use]
pub fn decode_error(status: u16, body: &[u8]) -> AdapterError {
    errors::decode(status, None, body)
}

/// As [`decode_error`], with the response's `Retry-After` header (whole
/// seconds; any other form falls back to [`RATE_LIMIT_WINDOW_SECS`]).
#[must_use]
pub fn decode_http_error(status: u16, retry_after: Option<&str>, body: &[u8]) -> AdapterError {
    errors::decode(status, retry_after, body)
}

/// The body of `POST /jobcodes` creating one jobcode.
///
/// # Errors
/// [`WireError::TooLong`] for a name over [`MAX_NAME_CHARS`] characters;
/// [`WireError::Invalid`] for an empty name, a `:` or control character in
/// a name shared with QBO, a `pto` jobcode below the top level, or a break
/// type.
pub fn encode_jobcode_create(jobcode: &NewJobcode) -> Result<String, WireError> {
    encode::creates(std::slice::from_ref(jobcode))
}

/// The body of `POST /jobcodes` creating several jobcodes at once; the
/// results come back in this order.
///
/// # Errors
/// As [`encode_jobcode_create`], for the first jobcode refused; and
/// [`WireError::Invalid`] for none or more than [`MAX_BATCH_ITEMS`].
pub fn encode_jobcode_creates(jobcodes: &[NewJobcode]) -> Result<String, WireError> {
    encode::creates(jobcodes)
}

/// The requests that carry out the operations of `plan` that can be sent
/// now. `created` holds the jobcodes earlier requests made (operation →
/// id): those operations are done and skipped, and the operations waiting
/// for them can go. Operations QBT would refuse are listed with the reason
/// and never sent.
///
/// # Example
///
/// ```
/// use std::collections::BTreeMap;
///
/// use ledgerlink::Contact;
/// use ledgerlink::qbtime::{self, PlanInput, Work};
/// use ledgerlink::wire::qbtime::encode_plan;
///
/// let clients = vec![Contact::organization("C1", "Acme Ltd")];
/// let work = vec![Work::new("W1", "C1", "Accounts 2026")];
/// let plan = qbtime::plan(&PlanInput::new(&clients, &work, &[]));
///
/// // First the customer; the job waits for its id.
/// let first = encode_plan(&plan, &BTreeMap::new());
/// assert_eq!(first.batches.len(), 1);
/// assert_eq!(first.waiting.len(), 1);
///
/// // Once QBT has answered with the customer's id, the job can go.
/// let created = BTreeMap::from([(first.batches[0].operations[0].clone(), 41.into())]);
/// let second = encode_plan(&plan, &created);
/// assert!(second.batches[0].body.contains(r#""parent_id":41"#));
/// assert!(second.waiting.is_empty());
/// ```
#[must_use]
pub fn encode_plan(plan: &Plan, created: &BTreeMap<OpId, JobcodeId>) -> PlanRequests {
    encode::plan(plan, created)
}

/// Reads the body of a jobcode create (`{"data":[…]}`) back into the
/// jobcodes it asks for: `parent_id` defaults to `0`, `type` to `regular`,
/// `connect_with_quickbooks` to `false`.
///
/// # Errors
/// [`WireError::Syntax`] / [`WireError::Shape`] for an unreadable body, a
/// missing `name` or an unknown `type`.
pub fn decode_jobcode_create_request(bytes: &[u8]) -> Result<Vec<NewJobcode>, WireError> {
    encode::read_request(bytes)
}
