//! QuickBooks Time records (jobcodes, timesheets) and the practice
//! manager's work items.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::model::ContactId;

/// A QBT jobcode id (`id`, `parent_id`). `0` is not a jobcode: as a parent
/// it means "top level" ([`JobcodeId::TOP_LEVEL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct JobcodeId(pub u64);

impl JobcodeId {
    /// The `parent_id` of a top-level jobcode (a customer).
    pub const TOP_LEVEL: Self = Self(0);

    /// Whether this is [`TOP_LEVEL`](Self::TOP_LEVEL).
    #[must_use]
    pub const fn is_top_level(self) -> bool {
        self.0 == 0
    }
}

impl From<u64> for JobcodeId {
    fn from(id: u64) -> Self {
        Self(id)
    }
}

impl fmt::Display for JobcodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A jobcode's `type`, set once at creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum JobcodeType {
    /// Customers and jobs: the only kind the integration plans or matches.
    #[default]
    Regular,
    /// Paid time off; top level only.
    Pto,
    /// A paid break; cannot be written through the API.
    PaidBreak,
    /// An unpaid break; cannot be written through the API.
    UnpaidBreak,
}

impl JobcodeType {
    /// The wire value: `"regular"`, `"pto"`, `"paid_break"`,
    /// `"unpaid_break"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Regular => "regular",
            Self::Pto => "pto",
            Self::PaidBreak => "paid_break",
            Self::UnpaidBreak => "unpaid_break",
        }
    }
}

/// A QBT jobcode, as listed. A top-level regular jobcode is a customer; its
/// regular children are that customer's jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Jobcode {
    /// `id`.
    pub id: JobcodeId,
    /// `parent_id`; [`JobcodeId::TOP_LEVEL`] for a customer.
    pub parent_id: JobcodeId,
    /// `name`: at most 64 characters
    /// ([`JOBCODE_NAME`](crate::rules::qbtime::JOBCODE_NAME)), unique among
    /// siblings.
    pub name: String,
    /// `type`.
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub kind: JobcodeType,
    /// `active`: `false` once archived (which archives the children too).
    pub active: bool,
    /// `connect_with_quickbooks`: QBT shares the jobcode with QBO.
    #[cfg_attr(feature = "serde", serde(default))]
    pub connect_with_quickbooks: bool,
}

impl Jobcode {
    /// An active top-level regular jobcode: a customer.
    pub fn customer(id: impl Into<JobcodeId>, name: impl Into<String>) -> Self {
        Self::job(id, JobcodeId::TOP_LEVEL, name)
    }

    /// An active regular jobcode under `parent`: a job.
    pub fn job(
        id: impl Into<JobcodeId>,
        parent: impl Into<JobcodeId>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            parent_id: parent.into(),
            name: name.into(),
            kind: JobcodeType::Regular,
            active: true,
            connect_with_quickbooks: true,
        }
    }

    /// Sets the type.
    #[must_use]
    pub const fn with_kind(mut self, kind: JobcodeType) -> Self {
        self.kind = kind;
        self
    }

    /// Marks the jobcode archived (`active: false`).
    #[must_use]
    pub const fn archived(mut self) -> Self {
        self.active = false;
        self
    }

    /// Whether it sits at the top level.
    #[must_use]
    pub const fn is_top_level(&self) -> bool {
        self.parent_id.is_top_level()
    }

    /// Whether it is a regular jobcode (a customer or a job).
    #[must_use]
    pub fn is_regular(&self) -> bool {
        self.kind == JobcodeType::Regular
    }
}

impl crate::ops::RecordId for Jobcode {
    type Id = JobcodeId;

    /// The jobcode's id: what a later create's parent refers to.
    fn record_id(&self) -> JobcodeId {
        self.id
    }
}

/// A jobcode to create: what [`TimeStore::create_jobcode`] sends.
///
/// [`TimeStore::create_jobcode`]: crate::ports::TimeStore::create_jobcode
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NewJobcode {
    /// `parent_id`; [`JobcodeId::TOP_LEVEL`] for a customer.
    pub parent_id: JobcodeId,
    /// `name`.
    pub name: String,
    /// `type`.
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub kind: JobcodeType,
    /// `connect_with_quickbooks`.
    pub connect_with_quickbooks: bool,
}

/// How a timesheet was recorded (its `type`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "type"))]
pub enum TimeEntryKind {
    /// Clocked in and out (`regular`): QBT computes the duration from
    /// `start` and `end`.
    Regular {
        /// `start`.
        start: DateTime<FixedOffset>,
        /// `end`; `None` while the user is still on the clock (`end: ""`).
        end: Option<DateTime<FixedOffset>>,
    },
    /// Entered as a date and a duration (`manual`); no start or end.
    Manual,
}

/// A QBT timesheet: time a user recorded against a jobcode.
///
/// Read-only for ledgerlink (Q1: QuickBooks Time owns time): no operation,
/// store call or plan anywhere in the crate writes one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TimeEntry {
    /// `id`.
    pub id: u64,
    /// `user_id`.
    pub user_id: u64,
    /// `jobcode_id`: the customer or job the time was recorded against.
    pub jobcode_id: JobcodeId,
    /// `date`: the day the time counts for.
    pub date: NaiveDate,
    /// `duration`, in whole seconds, as QBT reported it when read. For an
    /// entry still on the clock it is the time so far.
    pub duration_secs: u64,
    /// Regular (clocked) or manual.
    pub kind: TimeEntryKind,
}

impl TimeEntry {
    /// A manual entry: a date and a duration.
    pub fn manual(
        id: u64,
        user_id: u64,
        jobcode_id: impl Into<JobcodeId>,
        date: NaiveDate,
        duration_secs: u64,
    ) -> Self {
        Self {
            id,
            user_id,
            jobcode_id: jobcode_id.into(),
            date,
            duration_secs,
            kind: TimeEntryKind::Manual,
        }
    }

    /// A regular entry clocked from `start` to `end`: its date is the
    /// start's local date and its duration the whole seconds between the two
    /// (zero if `end` is before `start`).
    pub fn regular(
        id: u64,
        user_id: u64,
        jobcode_id: impl Into<JobcodeId>,
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
    ) -> Self {
        let secs = u64::try_from(end.signed_duration_since(start).num_seconds()).unwrap_or(0);
        Self {
            id,
            user_id,
            jobcode_id: jobcode_id.into(),
            date: start.date_naive(),
            duration_secs: secs,
            kind: TimeEntryKind::Regular {
                start,
                end: Some(end),
            },
        }
    }

    /// A regular entry the user is still clocked in on, with the duration
    /// QBT reported so far.
    pub fn on_the_clock(
        id: u64,
        user_id: u64,
        jobcode_id: impl Into<JobcodeId>,
        start: DateTime<FixedOffset>,
        duration_so_far_secs: u64,
    ) -> Self {
        Self {
            id,
            user_id,
            jobcode_id: jobcode_id.into(),
            date: start.date_naive(),
            duration_secs: duration_so_far_secs,
            kind: TimeEntryKind::Regular { start, end: None },
        }
    }

    /// Whether the user is still clocked in: its duration will grow.
    #[must_use]
    pub const fn is_on_the_clock(&self) -> bool {
        matches!(self.kind, TimeEntryKind::Regular { end: None, .. })
    }
}

/// Days from `start` to `end`, both included (QBT `start_date`,
/// `end_date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DateRange {
    /// The first day.
    pub start: NaiveDate,
    /// The last day (included).
    pub end: NaiveDate,
}

impl DateRange {
    /// The days from `start` to `end`, both included; empty when `end` is
    /// before `start`.
    #[must_use]
    pub const fn new(start: NaiveDate, end: NaiveDate) -> Self {
        Self { start, end }
    }

    /// Whether `date` is one of the days.
    #[must_use]
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

/// The id of a work item in the practice manager.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct WorkId(pub String);

impl WorkId {
    /// Wraps an id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WorkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for WorkId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<String> for WorkId {
    fn from(s: String) -> Self {
        Self(s)
    }
}

/// A job, engagement or project in the practice manager, for one client
/// (Q1: the practice manager owns work). In QBT it becomes a child jobcode
/// of the client's customer jobcode.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Work {
    /// The work item's id in the practice manager.
    pub id: WorkId,
    /// The client (a [`Contact`](crate::Contact) of the practice manager)
    /// the work is for.
    pub client_id: ContactId,
    /// Its name, as the firm wrote it.
    pub name: String,
    /// Whether it is open. Closed work gets no new jobcode (an existing one
    /// is still recognised, for time reports).
    pub active: bool,
}

impl Work {
    /// Open work named `name` for client `client_id`.
    pub fn new(
        id: impl Into<WorkId>,
        client_id: impl Into<ContactId>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            client_id: client_id.into(),
            name: name.into(),
            active: true,
        }
    }

    /// Marks the work closed.
    #[must_use]
    pub fn closed(mut self) -> Self {
        self.active = false;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q4_regular_entries_take_their_duration_from_start_and_end() {
        let tz = FixedOffset::west_opt(7 * 3600).unwrap();
        let start = NaiveDate::from_ymd_opt(2026, 3, 2)
            .and_then(|d| d.and_hms_opt(23, 0, 0))
            .and_then(|t| t.and_local_timezone(tz).single())
            .unwrap();
        let end = start + chrono::TimeDelta::minutes(90);
        let e = TimeEntry::regular(1, 7, 3, start, end);
        assert_eq!(e.duration_secs, 5400);
        // The local date of the start, not the UTC one.
        assert_eq!(e.date, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert!(!e.is_on_the_clock());
        let backwards = TimeEntry::regular(2, 7, 3, end, start);
        assert_eq!(backwards.duration_secs, 0);
        assert!(TimeEntry::on_the_clock(3, 7, 3, start, 60).is_on_the_clock());
    }
}
