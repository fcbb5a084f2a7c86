//! Time is an input: every test runs at fixed instants.

use chrono::{DateTime, NaiveDate, Utc};

/// The scenario's "now": 22 November 2026, 09:00 UTC.
pub fn t0() -> DateTime<Utc> {
    at("2026-11-22T09:00:00Z")
}

/// A day of the scenario's year, 2026.
pub fn day(month: u32, day: u32) -> NaiveDate {
    date(2026, month, day)
}

/// A day of November 2026, the month the billing scenarios run in (`t0()`
/// is 22 November).
pub fn nov(day: u32) -> NaiveDate {
    date(2026, 11, day)
}

/// A date of any year.
pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day)
        .unwrap_or_else(|| panic!("no such date: {year}-{month}-{day}"))
}

/// An instant written in RFC 3339, e.g. `at("2026-04-30T18:00:00Z")`.
pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
        .to_utc()
}
