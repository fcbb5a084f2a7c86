//! Page tokens, change cursors and the envelope of Xero's JSON answers
//! (`DateTimeUTC`, `pagination`).

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::ports::AdapterError;

use super::super::dates;
use super::{CHANGES_OVERLAP_SECS, validation};

/// Ids of the end of a page carried to the next one: a record created
/// between two pages of a listing ordered by `ContactID` moves the records
/// after it one place on, and the first records of the next page may then
/// repeat the last ones of this page. They are dropped by id.
pub(super) const BOUNDARY_IDS: usize = 10;

/// Longest id carried in a page token (Xero's are 36-character UUIDs).
const MAX_CARRIED_ID: usize = 64;

/// What a page token of a contacts listing carries: the page to ask for,
/// and for a change listing the server time when the listing began (or,
/// without one, the latest `UpdatedDateUTC` of its first page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    /// The page number to ask for (1 for the first page, no token).
    pub(super) page: u32,
    /// Change listings: the server's time when the listing began, in
    /// milliseconds since the Unix epoch.
    pub(super) started: Option<i64>,
    /// Change listings without a server time: the latest `UpdatedDateUTC`
    /// of the first page, in milliseconds.
    pub(super) first_latest: Option<i64>,
    /// The last ids of the previous page.
    pub(super) boundary: Vec<String>,
}

impl Token {
    /// The first page.
    pub(super) const fn first() -> Self {
        Self {
            page: 1,
            started: None,
            first_latest: None,
            boundary: Vec::new(),
        }
    }

    /// Reads a token this codec made (`None`: the first page). A bare
    /// page number (`"2"`, what the decoders' `next_page` holds) is read
    /// as that page. `changes` says whether the token may carry a change
    /// listing's times.
    pub(super) fn parse(token: Option<&str>, changes: bool) -> Result<Self, AdapterError> {
        let Some(raw) = token else {
            return Ok(Self::first());
        };
        let bad = |why: &str| {
            validation(format!(
                "Xero: page token `{}` was not made by this codec: {why}",
                shorten(raw)
            ))
        };
        let mut parts = raw.split(';');
        let page = parts
            .next()
            .and_then(|p| p.parse::<u32>().ok())
            .filter(|p| *p >= 2)
            .ok_or_else(|| bad("it does not start with a page number from 2"))?;
        let mut t = Self {
            page,
            ..Self::first()
        };
        for part in parts {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| bad("a part is not `key=value`"))?;
            match key {
                "s" | "f" if !changes => {
                    return Err(bad(
                        "it is a change listing's token, given to the full listing",
                    ));
                }
                "s" => t.started = Some(value.parse().map_err(|_| bad("`s` is not a time"))?),
                "f" => {
                    t.first_latest = Some(value.parse().map_err(|_| bad("`f` is not a time"))?);
                }
                "b" => {
                    for id in value.split(',').filter(|id| !id.is_empty()) {
                        if !carried(id) || t.boundary.len() >= BOUNDARY_IDS {
                            return Err(bad("`b` does not hold ids"));
                        }
                        t.boundary.push(id.to_owned());
                    }
                }
                _ => return Err(bad("unknown part")),
            }
        }
        Ok(t)
    }

    /// The token's text.
    pub(super) fn encode(&self) -> String {
        let mut out = self.page.to_string();
        if let Some(s) = self.started {
            out.push_str(";s=");
            out.push_str(&s.to_string());
        }
        if let Some(f) = self.first_latest {
            out.push_str(";f=");
            out.push_str(&f.to_string());
        }
        if !self.boundary.is_empty() {
            out.push_str(";b=");
            out.push_str(&self.boundary.join(","));
        }
        out
    }

    /// The token of the page after this one, carrying the last
    /// [`BOUNDARY_IDS`] ids listed so far: this token's, then `ids` (this
    /// page's records, in answer order). Pages smaller than that carry
    /// ids of earlier pages too.
    pub(super) fn next<'a>(&'a self, ids: impl DoubleEndedIterator<Item = &'a str>) -> Self {
        let mut boundary: Vec<String> = Vec::with_capacity(BOUNDARY_IDS);
        let earlier = self.boundary.iter().map(String::as_str).rev();
        for id in ids.rev().chain(earlier) {
            if boundary.len() >= BOUNDARY_IDS {
                break;
            }
            if carried(id) && !boundary.iter().any(|b| b == id) {
                boundary.push(id.to_owned());
            }
        }
        boundary.reverse();
        Self {
            page: self.page.saturating_add(1),
            started: self.started,
            first_latest: self.first_latest,
            boundary,
        }
    }
}

/// An id that fits a page token: a UUID-like text.
fn carried(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_CARRIED_ID
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// At most 40 characters of `s`, for messages.
pub(super) fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).filter(|c| !c.is_control()).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Reads a change cursor this codec made: an RFC 3339 time.
pub(super) fn parse_cursor(cursor: Option<&str>) -> Result<Option<DateTime<Utc>>, AdapterError> {
    let Some(raw) = cursor else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| {
            validation(format!(
                "Xero: change cursor `{}` was not made by this codec (an RFC 3339 time such as 2026-12-06T10:00:00Z)",
                shorten(raw)
            ))
        })
}

/// The cursor for a listing that began at `at` (the server's time):
/// [`CHANGES_OVERLAP_SECS`] earlier, to the second.
pub(super) fn cursor_at(at: DateTime<Utc>) -> String {
    let from = at
        .checked_sub_signed(TimeDelta::seconds(CHANGES_OVERLAP_SECS))
        .unwrap_or(DateTime::UNIX_EPOCH);
    format_cursor(from)
}

/// A cursor's text: RFC 3339 in UTC, whole seconds (rounded down).
pub(super) fn format_cursor(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Milliseconds since the Unix epoch back to a time.
pub(super) fn from_millis(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

/// What a Xero answer says around its records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Envelope {
    /// `DateTimeUTC`: the server's time when it answered.
    pub(super) server_time: Option<DateTime<Utc>>,
    /// `pagination.page` and `pagination.pageCount`, when both are given.
    pub(super) pagination: Option<(u64, u64)>,
}

#[derive(Deserialize)]
struct RawEnvelope {
    #[serde(default, rename = "DateTimeUTC")]
    date_time: Option<Value>,
    #[serde(default)]
    pagination: Option<Value>,
}

fn count(v: Option<&Value>) -> Option<u64> {
    let v = v?;
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

impl Envelope {
    /// Reads the envelope of a JSON answer; anything unreadable is left
    /// out (the records were read already).
    pub(super) fn of(body: &[u8]) -> Self {
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        let Ok(raw) = serde_json::from_slice::<RawEnvelope>(body) else {
            return Self::default();
        };
        let server_time = raw
            .date_time
            .as_ref()
            .and_then(Value::as_str)
            .and_then(dates::timestamp);
        let pagination = raw
            .pagination
            .as_ref()
            .and_then(|p| Some((count(p.get("page"))?, count(p.get("pageCount"))?)));
        Self {
            server_time,
            pagination,
        }
    }

    /// Whether another page follows a page holding `count` records
    /// of a listing asked with `page_size`: `pagination` decides when the
    /// answer has one; without it, a page of exactly `page_size` records
    /// may be followed by another (an answer with more is a whole listing
    /// that was not paged).
    pub(super) fn more(&self, count: usize, page_size: usize) -> bool {
        match self.pagination {
            Some((page, pages)) => page < pages,
            None => count == page_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_what_they_did_not_make() {
        let t = Token {
            page: 3,
            started: Some(1_700_000_000_123),
            first_latest: Some(-5),
            boundary: vec!["a-1".into(), "b-2".into()],
        };
        assert_eq!(t.encode(), "3;s=1700000000123;f=-5;b=a-1,b-2");
        assert_eq!(Token::parse(Some(&t.encode()), true), Ok(t.clone()));
        assert_eq!(
            Token::parse(Some("2"), false).map(|t| t.page),
            Ok(2),
            "a bare page number is a token"
        );
        assert_eq!(Token::parse(None, true), Ok(Token::first()));
        for bad in [
            "", "1", "0", "x", "2;z=1", "2;s", "2;s=x", "2;b=a b", "-2", "2;b=é",
        ] {
            assert!(
                matches!(
                    Token::parse(Some(bad), true),
                    Err(AdapterError::Validation { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            Token::parse(Some("2;s=1"), false),
            Err(AdapterError::Validation { .. })
        ));
        let many = format!("2;b={}", ["a"; BOUNDARY_IDS + 1].join(","));
        assert!(Token::parse(Some(&many), true).is_err());
    }

    #[test]
    fn small_pages_carry_ids_of_earlier_pages() {
        let t = Token::first().next(["a", "b"].into_iter());
        let t = t.next(["c"].into_iter());
        assert_eq!(t.boundary, ["a", "b", "c"]);
        // A repeat of an earlier page's end is not carried twice.
        let t = t.next(["c", "d"].into_iter());
        assert_eq!(t.boundary, ["a", "b", "c", "d"]);
        assert_eq!(t.page, 4);
    }

    #[test]
    fn the_next_token_carries_the_last_ids() {
        let ids: Vec<String> = (0..15).map(|i| format!("id-{i}")).collect();
        let next = Token::first().next(ids.iter().map(String::as_str));
        assert_eq!(next.page, 2);
        assert_eq!(next.boundary.len(), BOUNDARY_IDS);
        assert_eq!(next.boundary.first().map(String::as_str), Some("id-5"));
        assert_eq!(next.boundary.last().map(String::as_str), Some("id-14"));
    }

    #[test]
    fn cursors_are_rfc3339_seconds_with_the_overlap() {
        let at = DateTime::parse_from_rfc3339("2026-12-06T10:00:00.900Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        let Some(at) = at else { panic!("a valid time") };
        assert_eq!(cursor_at(at), "2026-12-06T09:59:55Z");
        assert_eq!(
            parse_cursor(Some("2026-12-06T09:59:55Z"))
                .ok()
                .flatten()
                .map(format_cursor),
            Some("2026-12-06T09:59:55Z".into())
        );
        assert!(parse_cursor(Some("yesterday")).is_err());
        assert_eq!(parse_cursor(None), Ok(None));
    }

    #[test]
    fn envelopes_give_the_server_time_and_the_pages() {
        let e = Envelope::of(
            br#"{"Id":"x","DateTimeUTC":"/Date(1551399323399)/","pagination":{"page":1,"pageSize":100,"pageCount":3,"itemCount":250},"Contacts":[]}"#,
        );
        assert_eq!(
            e.server_time.map(|t| t.timestamp_millis()),
            Some(1_551_399_323_399)
        );
        assert_eq!(e.pagination, Some((1, 3)));
        assert!(e.more(100, 1000));
        assert!(
            !Envelope {
                pagination: Some((3, 3)),
                ..e
            }
            .more(50, 1000)
        );
        let bare = Envelope::of(br#"{"Contacts":[]}"#);
        assert_eq!(bare, Envelope::default());
        assert!(bare.more(1000, 1000));
        assert!(!bare.more(999, 1000));
        assert!(!bare.more(1001, 1000), "an unpaged listing is whole");
        assert_eq!(Envelope::of(b"not json"), Envelope::default());
    }
}
