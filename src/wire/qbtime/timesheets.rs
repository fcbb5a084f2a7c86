//! Timesheets: listings and single objects, read only.

use std::marker::PhantomData;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Deserialize;

use crate::ports::TimesheetPage;
use crate::qbtime::{JobcodeId, TimeEntry};
use crate::wire::{Limits, WireError};

use super::de::{Cursor, Envelope, EnvelopeSeed, Loc, Num, Text, json_error, run, shape};

/// One timesheet as QBT sends it. Fields the model does not keep (`tz`,
/// `tz_str`, `location`, `on_the_clock`, `locked`, `notes`,
/// `customfields`, `attached_files`, `last_modified`,
/// `created_by_user_id`) are skipped unread.
#[derive(Debug, Deserialize)]
pub(super) struct TimesheetWire<'a> {
    id: Option<Num>,
    user_id: Option<Num>,
    jobcode_id: Option<Num>,
    #[serde(rename = "type", borrow)]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    start: Option<Text<'a>>,
    #[serde(borrow)]
    end: Option<Text<'a>>,
    #[serde(borrow)]
    date: Option<Text<'a>>,
    duration: Option<Num>,
    #[serde(rename = "_status_code")]
    status_code: Option<Num>,
}

/// An ISO-8601 date-time with its offset: `2018-07-16T09:04:00-06:00`
/// (RFC 3339), or with the offset written without a colon (`+0000`).
pub(super) fn parse_instant(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .or_else(|| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z").ok())
}

/// A `YYYY-MM-DD` date.
pub(super) fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A text field, `None` when absent, `null` or empty — or QBT's zero
/// date `0000-00-00` (and zero date-time `0000-00-00T00:00:00…`), which
/// its answers carry for a value never set.
fn present<'t>(t: Option<&'t Text<'_>>) -> Option<&'t str> {
    t.map(Text::as_str)
        .filter(|s| !s.trim().is_empty() && !s.starts_with("0000-00-00"))
}

fn to_entry(w: &TimesheetWire<'_>, key: Option<u64>, loc: Loc<'_>) -> Result<TimeEntry, WireError> {
    let id = match (w.id, key) {
        (Some(Num(id)), Some(key)) if id != key => {
            return Err(shape(
                loc.field("id"),
                format!("id {id} differs from the key it is listed under"),
            ));
        }
        (Some(Num(id)), _) | (None, Some(id)) => id,
        (None, None) => return Err(shape(loc.field("id"), "missing")),
    };
    let user_id = w
        .user_id
        .ok_or_else(|| shape(loc.field("user_id"), "missing"))?
        .0;
    let jobcode_id = JobcodeId(
        w.jobcode_id
            .ok_or_else(|| shape(loc.field("jobcode_id"), "missing"))?
            .0,
    );
    let date =
        match present(w.date.as_ref()) {
            None => None,
            Some(s) => Some(parse_date(s).ok_or_else(|| {
                shape(loc.field("date"), format!("`{s}` is not a YYYY-MM-DD date"))
            })?),
        };
    let instant = |name: &str, s: &str| {
        parse_instant(s).ok_or_else(|| {
            shape(
                loc.field(name),
                format!("`{s}` is not an ISO-8601 date-time with an offset"),
            )
        })
    };
    let duration = || {
        w.duration
            .map(|d| d.0)
            .ok_or_else(|| shape(loc.field("duration"), "missing"))
    };
    let kind = w
        .kind
        .as_ref()
        .ok_or_else(|| shape(loc.field("type"), "missing"))?;
    let mut entry = match kind.as_str() {
        "regular" => {
            let start = present(w.start.as_ref())
                .ok_or_else(|| shape(loc.field("start"), "missing on a regular timesheet"))?;
            let start = instant("start", start)?;
            match present(w.end.as_ref()) {
                // Still on the clock: the duration so far, as QBT counted it.
                None => TimeEntry::on_the_clock(id, user_id, jobcode_id, start, duration()?),
                Some(end) => {
                    let end = instant("end", end)?;
                    if end < start {
                        return Err(shape(loc.field("end"), "ends before it starts"));
                    }
                    TimeEntry::regular(id, user_id, jobcode_id, start, end)
                }
            }
        }
        "manual" => {
            let day =
                date.ok_or_else(|| shape(loc.field("date"), "missing on a manual timesheet"))?;
            TimeEntry::manual(id, user_id, jobcode_id, day, duration()?)
        }
        other => {
            return Err(shape(
                loc.field("type"),
                format!("unknown timesheet type `{other}` (expected regular or manual)"),
            ));
        }
    };
    // QBT's own `date` is the day the time counts for.
    if let Some(day) = date {
        entry.date = day;
    }
    Ok(entry)
}

/// Reads the envelope of a timesheet listing.
pub(super) fn read_envelope<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<Envelope<TimesheetWire<'a>>, WireError> {
    limits.check_input(crate::wire::Profile::QbTime, bytes)?;
    let mut at = Cursor::default();
    let seed = EnvelopeSeed::<TimesheetWire<'_>> {
        at: &mut at,
        collection: "timesheets",
        max: limits.max_records,
        item: PhantomData,
    };
    run(bytes, seed).map_err(|e| json_error(&e, &at))
}

/// The page of a listing envelope, sorted by id.
pub(super) fn listing(
    env: Envelope<TimesheetWire<'_>>,
    _limits: &Limits,
) -> Result<TimesheetPage, WireError> {
    let items = env
        .items
        .ok_or_else(|| shape("results.timesheets", "missing"))?;
    let mut timesheets = Vec::with_capacity(items.len());
    for k in &items {
        let loc = Loc::item("timesheets", k);
        if k.item.status_code.is_some() {
            return Err(shape(
                loc.path(),
                "a write result (`_status_code`): timesheets are read-only here",
            ));
        }
        timesheets.push(to_entry(&k.item, k.key, loc)?);
    }
    timesheets.sort_by_key(|t| t.id);
    if let Some(w) = timesheets
        .windows(2)
        .find(|w| w.first().map(|t| t.id) == w.get(1).map(|t| t.id))
    {
        let id = w.first().map(|t| t.id).unwrap_or_default();
        return Err(shape(format!("results.timesheets.{id}"), "listed twice"));
    }
    Ok(TimesheetPage {
        timesheets,
        more: env.more,
    })
}

/// Reads one timesheet object, outside any envelope.
pub(super) fn single(bytes: &[u8]) -> Result<TimeEntry, WireError> {
    let at = Cursor::default();
    let w: TimesheetWire<'_> = serde_json::from_slice(bytes).map_err(|e| json_error(&e, &at))?;
    to_entry(&w, None, Loc::Root)
}

/// One entry of a deleted-timesheet listing: only its id is read (the
/// rest is the timesheet as it was, with `"active": "0"`).
#[derive(Debug, Deserialize)]
pub(super) struct DeletedWire {
    id: Option<Num>,
}

/// The ids of a deleted-timesheet listing (`GET /timesheets_deleted`:
/// `results.timesheets_deleted`), sorted, and whether more pages follow.
pub(super) fn deleted(bytes: &[u8], limits: &Limits) -> Result<(Vec<u64>, bool), WireError> {
    limits.check_input(crate::wire::Profile::QbTime, bytes)?;
    let mut at = Cursor::default();
    let seed = EnvelopeSeed::<DeletedWire> {
        at: &mut at,
        collection: "timesheets_deleted",
        max: limits.max_records,
        item: PhantomData,
    };
    let env = run(bytes, seed).map_err(|e| json_error(&e, &at))?;
    let items = env
        .items
        .ok_or_else(|| shape("results.timesheets_deleted", "missing"))?;
    let mut ids = Vec::with_capacity(items.len());
    for k in &items {
        let loc = Loc::item("timesheets_deleted", k);
        let id = match (k.item.id, k.key) {
            (Some(Num(id)), Some(key)) if id != key => {
                return Err(shape(
                    loc.field("id"),
                    format!("id {id} differs from the key it is listed under"),
                ));
            }
            (Some(Num(id)), _) | (None, Some(id)) => id,
            (None, None) => return Err(shape(loc.field("id"), "missing")),
        };
        ids.push(id);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok((ids, env.more))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::for_provider(crate::wire::Profile::QbTime)
    }

    #[test]
    fn deleted_ids_come_from_keys_or_items_sorted() {
        let page = br#"{"results":{"timesheets_deleted":{
            "135288460":{"id":135288460,"user_id":1242509,"type":"regular","active":"0"},
            "135288102":{"id":"135288102"}}},"more":true,"supplemental_data":{"jobcodes":{}}}"#;
        assert_eq!(
            deleted(page, &limits()),
            Ok((vec![135_288_102, 135_288_460], true))
        );
        let empty = br#"{"results":{"timesheets_deleted":[]},"more":false}"#;
        assert_eq!(deleted(empty, &limits()), Ok((vec![], false)));
        let listed = br#"{"results":{"timesheets_deleted":[{"id":4},{"id":3},{"id":4}]}}"#;
        assert_eq!(deleted(listed, &limits()), Ok((vec![3, 4], false)));
    }

    #[test]
    fn other_deleted_shapes_are_typed_errors() {
        for bad in [
            &br#"{"results":{"timesheets":{}}}"#[..],
            br#"{"results":{"timesheets_deleted":{"1":{"id":2}}}}"#,
            br#"{"results":{"timesheets_deleted":[{"user_id":2}]}}"#,
            br#"{"results":{"timesheets_deleted":{"x":{}}}}"#,
            b"[]",
            b"",
        ] {
            assert!(
                deleted(bad, &limits()).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
