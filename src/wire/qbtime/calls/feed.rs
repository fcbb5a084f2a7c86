//! The change feeds of jobcodes and timesheets: their page tokens (the
//! phase, the page, and the server's time when the walk began), their
//! cursors, and the pages they read. See
//! [Change feeds](super#change-feeds).

use chrono::{DateTime, TimeDelta, Utc};

use crate::ports::AdapterError;
use crate::qbtime::{Jobcode, TimeEntry};
use crate::wire::{Request, Response};

use super::{Calls, DELETED_TIMESHEETS_KEPT_DAYS, get, paged, success, unreadable};

/// The `modified_since` of a timesheet walk without a cursor: before
/// QuickBooks Time (then TSheets) existed, so every timesheet. A cursor
/// this old is never refused for its age.
const EVERYTHING_SINCE: &str = "2000-01-01T00:00:00+00:00";

/// How a cursor (and `modified_since`) is written.
const CURSOR_FORMAT: &str = "%Y-%m-%dT%H:%M:%S+00:00";

/// How the time a walk began is written in its page tokens.
const BEGAN_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// One page of the jobcode change feed ([`Calls::jobcode_changes`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobcodeChanges {
    /// The jobcodes created, changed or archived since the cursor, sorted
    /// by id (QBT never deletes a jobcode: there is no deleted list).
    pub changed: Vec<Jobcode>,
    /// The token of the next page (QBT's `more`), `None` on the last page.
    pub next_page: Option<String>,
    /// The cursor to ask for the following changes with; set on the last
    /// page.
    pub cursor: Option<String>,
}

/// One page of the timesheet change feed ([`Calls::timesheet_changes`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimesheetChanges {
    /// The timesheets created or changed since the cursor, sorted by id
    /// (open ones too).
    pub changed: Vec<TimeEntry>,
    /// The ids of the timesheets deleted since the cursor, sorted.
    pub deleted: Vec<u64>,
    /// The token of the next page, `None` on the last page.
    pub next_page: Option<String>,
    /// The cursor to ask for the following changes with; set on the last
    /// page.
    pub cursor: Option<String>,
}

/// Which listing a token pages through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The jobcodes modified since the cursor.
    Jobcodes,
    /// The timesheets modified since the cursor.
    Timesheets,
    /// The timesheets deleted since the cursor; the deletion check after
    /// it when `check`.
    Deleted { check: bool },
    /// Was anything deleted since the walk began?
    Check,
}

impl Phase {
    const fn letter(self) -> char {
        match self {
            Self::Jobcodes => 'j',
            Self::Timesheets => 't',
            Self::Deleted { check: false } => 'd',
            Self::Deleted { check: true } => 'D',
            Self::Check => 'c',
        }
    }

    const fn from_letter(c: char) -> Option<Self> {
        Some(match c {
            'j' => Self::Jobcodes,
            't' => Self::Timesheets,
            'd' => Self::Deleted { check: false },
            'D' => Self::Deleted { check: true },
            'c' => Self::Check,
            _ => return None,
        })
    }
}

/// Where a walk stands: `t3@2026-12-06T10:00:00Z` is page 3 of the
/// timesheets of a walk that began at 10:00 by QBT's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Token {
    phase: Phase,
    page: u32,
    began: DateTime<Utc>,
}

impl Token {
    fn encode(self) -> String {
        format!(
            "{}{}@{}",
            self.phase.letter(),
            self.page,
            self.began.format(BEGAN_FORMAT)
        )
    }

    /// The next page of the same listing.
    fn next(self) -> Self {
        Self {
            page: self.page.saturating_add(1),
            ..self
        }
    }

    /// Page 1 of `phase`.
    const fn then(self, phase: Phase) -> Self {
        Self {
            phase,
            page: 1,
            began: self.began,
        }
    }

    /// Reads a token this module made, for a feed whose phases are
    /// `allowed`.
    fn parse(token: &str, allowed: fn(Phase) -> bool) -> Result<Self, AdapterError> {
        let bad = || AdapterError::Validation {
            code: None,
            message: format!(
                "not a QuickBooks Time page token of this feed: `{}`",
                shown(token)
            ),
        };
        let mut chars = token.chars();
        let phase = chars
            .next()
            .and_then(Phase::from_letter)
            .filter(|p| allowed(*p))
            .ok_or_else(bad)?;
        let (page, began) = chars.as_str().split_once('@').ok_or_else(bad)?;
        if page.is_empty() || !page.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let page = page
            .parse::<u32>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(bad)?;
        let began = DateTime::parse_from_rfc3339(began)
            .map_err(|_| bad())?
            .with_timezone(&Utc);
        Ok(Self { phase, page, began })
    }
}

/// Reads a cursor: a time with its offset, as QBT's `modified_since`
/// takes it.
fn parse_cursor(cursor: &str) -> Result<DateTime<Utc>, AdapterError> {
    DateTime::parse_from_rfc3339(cursor.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| AdapterError::Validation {
            code: None,
            message: format!(
                "not a QuickBooks Time change cursor: `{}` (expected a time such as \
                 2026-12-06T09:59:00+00:00)",
                shown(cursor)
            ),
        })
}

fn format_cursor(at: DateTime<Utc>) -> String {
    at.format(CURSOR_FORMAT).to_string()
}

/// At most 60 printable characters of a value given back, for messages.
fn shown(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).take(60).collect()
}

/// The server's time when the walk began: the token's, or the first
/// answer's `Date`.
fn began(token: Option<Token>, answer: &Response<'_>) -> Result<DateTime<Utc>, AdapterError> {
    match token {
        Some(t) => Ok(t.began),
        None => answer.date().ok_or_else(|| AdapterError::Unsupported {
            what: "QuickBooks Time change listings without the answer's `Date` header (the \
                   cursor is the server's time, never the client's)"
                .into(),
        }),
    }
}

impl Calls {
    /// The cursor a walk that began at `began` hands back.
    fn advanced(&self, began: DateTime<Utc>) -> String {
        format_cursor(began - TimeDelta::seconds(i64::from(self.overlap_secs)))
    }

    /// A page of the jobcodes changed since `cursor` (`None`: every
    /// jobcode): `GET jobcodes?active=both&type=all&modified_since=…&page=N&limit=200&supplemental_data=no`.
    /// `page` is the previous page's `next_page` (`None` for the first).
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for a cursor or page token this codec
    /// did not make.
    pub fn jobcode_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<Request, AdapterError> {
        let since = cursor.map(parse_cursor).transpose()?.map(format_cursor);
        let token = jobcode_token(page)?;
        Ok(Self::jobcodes(
            since.as_deref(),
            token.map_or(1, |t| t.page),
        ))
    }

    /// Reads the answer to [`jobcode_changes`](Self::jobcode_changes): the
    /// jobcodes, and the next page's token or, on the last page, the cursor
    /// for next time (the first answer's `Date` less the overlap).
    ///
    /// # Errors
    /// The answer's [`AdapterError`] (see [Answers](super#answers));
    /// [`AdapterError::Unsupported`] when the first answer has no `Date`;
    /// [`AdapterError::Validation`] for a cursor or token this codec did
    /// not make.
    pub fn read_jobcode_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
        answer: &Response<'_>,
    ) -> Result<JobcodeChanges, AdapterError> {
        cursor.map(parse_cursor).transpose()?;
        let token = jobcode_token(page)?;
        success(answer)?;
        let listed = super::super::decode_jobcodes_with_limits(answer.body, &self.limits)
            .map_err(unreadable)?;
        let began = began(token, answer)?;
        let here = token.unwrap_or(Token {
            phase: Phase::Jobcodes,
            page: 1,
            began,
        });
        let (next_page, cursor) = if listed.more {
            (Some(here.next().encode()), None)
        } else {
            (None, Some(self.advanced(began)))
        };
        Ok(JobcodeChanges {
            changed: listed.jobcodes,
            next_page,
            cursor,
        })
    }

    /// A page of the timesheets changed or deleted since `cursor` (`None`:
    /// every timesheet, no deletions): the timesheet pages (`GET
    /// timesheets?modified_since=…&on_the_clock=both`), then the deletion
    /// pages (`GET timesheets_deleted?modified_since=…`), then, after a
    /// listing of several pages, the deletion check (see
    /// [Change feeds](super#change-feeds)). `page` is the previous page's
    /// `next_page` (`None` for the first).
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for a cursor or page token this codec
    /// did not make.
    pub fn timesheet_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<Request, AdapterError> {
        let since = cursor.map(parse_cursor).transpose()?.map(format_cursor);
        let since = since.as_deref().unwrap_or(EVERYTHING_SINCE);
        let Some(token) = timesheet_token(page)? else {
            return Ok(timesheets_since(since, 1));
        };
        Ok(match token.phase {
            Phase::Timesheets | Phase::Jobcodes => timesheets_since(since, token.page),
            Phase::Deleted { .. } => deleted_since(since, token.page),
            Phase::Check => {
                let since = self.advanced(token.began);
                // One record is enough to know.
                let mut r = deleted_since(&since, 1);
                for (k, v) in &mut r.query {
                    if k == "limit" {
                        *v = "1".into();
                    }
                }
                r
            }
        })
    }

    /// Reads the answer to [`timesheet_changes`](Self::timesheet_changes):
    /// the timesheets changed or the ids deleted, and the next page's token
    /// or, on the last page, the cursor for next time (the first answer's
    /// `Date` less the overlap; the cursor the walk started from when the
    /// deletion check found a deletion made while it ran).
    ///
    /// # Errors
    /// The answer's [`AdapterError`]; [`AdapterError::Unsupported`] when
    /// the first answer has no `Date`, or the cursor is older than QBT
    /// keeps deleted timesheets; [`AdapterError::Validation`] for a cursor
    /// or token this codec did not make.
    pub fn read_timesheet_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
        answer: &Response<'_>,
    ) -> Result<TimesheetChanges, AdapterError> {
        let since = cursor.map(parse_cursor).transpose()?;
        let token = timesheet_token(page)?;
        success(answer)?;
        let began = began(token, answer)?;
        let here = token.unwrap_or(Token {
            phase: Phase::Timesheets,
            page: 1,
            began,
        });
        let mut out = TimesheetChanges::default();
        let next = match here.phase {
            Phase::Timesheets | Phase::Jobcodes => {
                let listed = super::super::decode_timesheets_with_limits(answer.body, &self.limits)
                    .map_err(unreadable)?;
                if token.is_none()
                    && let Some(since) = since
                {
                    check_age(cursor.unwrap_or_default(), since, began)?;
                }
                out.changed = listed.timesheets;
                let several = here.page > 1;
                if listed.more {
                    Some(here.next())
                } else if since.is_some() {
                    Some(here.then(Phase::Deleted { check: several }))
                } else if several {
                    Some(here.then(Phase::Check))
                } else {
                    None
                }
            }
            Phase::Deleted { check } => {
                let (ids, more) = super::super::timesheets::deleted(answer.body, &self.limits)
                    .map_err(unreadable)?;
                out.deleted = ids;
                if more {
                    Some(here.next())
                } else if check {
                    Some(here.then(Phase::Check))
                } else {
                    None
                }
            }
            Phase::Check => {
                let (ids, _) = super::super::timesheets::deleted(answer.body, &self.limits)
                    .map_err(unreadable)?;
                if !ids.is_empty() {
                    // A deletion while the pages were read may have moved a
                    // record past a page boundary: list again from where
                    // this walk started.
                    out.deleted = ids;
                    out.cursor = Some(since.map_or_else(|| EVERYTHING_SINCE.into(), format_cursor));
                    return Ok(out);
                }
                None
            }
        };
        match next {
            Some(t) => out.next_page = Some(t.encode()),
            None => out.cursor = Some(self.advanced(began)),
        }
        Ok(out)
    }
}

/// `GET timesheets?modified_since=…&on_the_clock=both`, page `page`.
fn timesheets_since(since: &str, page: u32) -> Request {
    paged(
        get("timesheets")
            .with_query("modified_since", since)
            .with_query("on_the_clock", "both"),
        page,
    )
}

/// `GET timesheets_deleted?modified_since=…`, page `page`.
fn deleted_since(since: &str, page: u32) -> Request {
    paged(
        get("timesheets_deleted").with_query("modified_since", since),
        page,
    )
}

fn jobcode_token(page: Option<&str>) -> Result<Option<Token>, AdapterError> {
    page.map(|p| Token::parse(p, |phase| phase == Phase::Jobcodes))
        .transpose()
}

fn timesheet_token(page: Option<&str>) -> Result<Option<Token>, AdapterError> {
    page.map(|p| Token::parse(p, |phase| phase != Phase::Jobcodes))
        .transpose()
}

/// A cursor older than QBT keeps deleted timesheets (less a day's margin)
/// would miss deletions: refused, so that the caller lists in full. The
/// walk without a cursor (since 2000) needs no deletions and is exempt.
fn check_age(cursor: &str, since: DateTime<Utc>, began: DateTime<Utc>) -> Result<(), AdapterError> {
    if parse_cursor(EVERYTHING_SINCE).is_ok_and(|all| since <= all) {
        return Ok(());
    }
    let kept = TimeDelta::days(i64::from(DELETED_TIMESHEETS_KEPT_DAYS) - 1);
    if began - since > kept {
        return Err(AdapterError::Unsupported {
            what: format!(
                "a QuickBooks Time timesheet feed from `{}`: QBT keeps deleted timesheets for \
                 {DELETED_TIMESHEETS_KEPT_DAYS} days; list the timesheets in full",
                shown(cursor)
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_strangers_are_refused() {
        let began = parse_cursor("2026-12-06T10:00:00Z").unwrap();
        for phase in [
            Phase::Jobcodes,
            Phase::Timesheets,
            Phase::Deleted { check: false },
            Phase::Deleted { check: true },
            Phase::Check,
        ] {
            let t = Token {
                phase,
                page: 7,
                began,
            };
            assert_eq!(Token::parse(&t.encode(), |_| true), Ok(t));
        }
        assert_eq!(
            Token {
                phase: Phase::Timesheets,
                page: 3,
                began
            }
            .encode(),
            "t3@2026-12-06T10:00:00Z"
        );
        for bad in [
            "",
            "t",
            "t@",
            "t0@2026-12-06T10:00:00Z",
            "t-1@2026-12-06T10:00:00Z",
            "x1@2026-12-06T10:00:00Z",
            "t1@yesterday",
            "t99999999999@2026-12-06T10:00:00Z",
            "é1@2026-12-06T10:00:00Z",
        ] {
            assert!(Token::parse(bad, |_| true).is_err(), "{bad:?}");
        }
        assert!(Token::parse("j1@2026-12-06T10:00:00Z", |p| p != Phase::Jobcodes).is_err());
    }

    #[test]
    fn cursors_are_times_with_their_offset() {
        let at = parse_cursor("2026-12-06T11:00:00+01:00").unwrap();
        assert_eq!(format_cursor(at), "2026-12-06T10:00:00+00:00");
        assert!(parse_cursor("2026-12-06").is_err());
        assert!(parse_cursor(EVERYTHING_SINCE).is_ok());
    }

    #[test]
    fn cursors_older_than_the_deleted_timesheets_kept_are_refused() {
        let began = parse_cursor("2026-12-06T10:00:00Z").unwrap();
        let ok = began - TimeDelta::days(170);
        assert!(check_age("c", ok, began).is_ok());
        let old = began - TimeDelta::days(180);
        assert!(matches!(
            check_age("c", old, began),
            Err(AdapterError::Unsupported { .. })
        ));
        let all = parse_cursor(EVERYTHING_SINCE).unwrap();
        assert!(check_age(EVERYTHING_SINCE, all, began).is_ok());
    }
}
