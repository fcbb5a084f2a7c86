//! Xero's dates: `/Date(1573755038314)/`, `/Date(1551399321043+0000)/`,
//! `2019-03-11` and `2019-03-07T00:00:00`.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

/// The largest UTC offset in use (+14:00, Kiribati), in minutes.
const MAX_OFFSET_MINUTES: i64 = 14 * 60;

/// A `/Date(ms[±hhmm])/` value: the instant, and the offset in minutes.
fn ms_date(s: &str) -> Option<(DateTime<Utc>, i64)> {
    let inner = s.strip_prefix("/Date(")?.strip_suffix(")/")?;
    match ms_date_plain(inner.as_bytes()) {
        Some(read) => read,
        None => ms_date_general(inner),
    }
}

/// The inside of `/Date(…)/` in any form: milliseconds, then an optional
/// sign and four digits of offset.
fn ms_date_general(inner: &str) -> Option<(DateTime<Utc>, i64)> {
    // The sign of the offset, if any, comes after the first digit (the
    // milliseconds may themselves be negative).
    let split = inner
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c == '+' || c == '-')
        .map(|(i, _)| i);
    let (ms, offset) = match split {
        Some(i) => (inner.get(..i)?, inner.get(i..)),
        None => (inner, None),
    };
    let ms: i64 = ms.parse().ok()?;
    let minutes = match offset {
        None => 0,
        Some(o) => {
            let (sign, digits) = o.split_at_checked(1)?;
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let h: i64 = digits.get(..2)?.parse().ok()?;
            let m: i64 = digits.get(2..)?.parse().ok()?;
            let total = h * 60 + m;
            // An offset is at most 14 hours, its minutes below 60: anything
            // else would move the date by nonsense.
            if m >= 60 || total > MAX_OFFSET_MINUTES {
                return None;
            }
            if sign == "-" { -total } else { total }
        }
    };
    Some((DateTime::from_timestamp_millis(ms)?, minutes))
}

/// The inside of `/Date(…)/` in the form Xero writes: 1 to 18 digits,
/// then nothing or a sign and four digits; read byte by byte (a listing
/// holds one per record). `None` for any other form, which [`ms_date`]
/// reads the general way; otherwise what [`ms_date`] gives.
fn ms_date_plain(inner: &[u8]) -> Option<Option<(DateTime<Utc>, i64)>> {
    let digits = inner.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 18 {
        return None;
    }
    let (ms, rest) = inner.split_at_checked(digits)?;
    let number = |d: &[u8]| {
        d.iter()
            .fold(0_i64, |n, &b| n * 10 + i64::from(b.wrapping_sub(b'0')))
    };
    let minutes = match rest {
        [] => 0,
        [sign @ (b'+' | b'-'), offset @ ..]
            if offset.len() == 4 && offset.iter().all(u8::is_ascii_digit) =>
        {
            let (h, m) = offset.split_at_checked(2)?;
            let (h, m) = (number(h), number(m));
            let total = h * 60 + m;
            if m >= 60 || total > MAX_OFFSET_MINUTES {
                return Some(None);
            }
            if *sign == b'-' { -total } else { total }
        }
        _ => return None,
    };
    Some(DateTime::from_timestamp_millis(number(ms)).map(|at| (at, minutes)))
}

/// A timestamp: `/Date(…)/`, RFC 3339, or `YYYY-MM-DDTHH:MM:SS[.fff]`
/// taken as UTC.
pub(super) fn timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Some((at, _)) = ms_date(s) {
        return Some(at);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(s) {
        return Some(at.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
}

/// A calendar date: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS`, or `/Date(…)/`
/// read in the offset it states (Xero writes dates as midnight UTC).
pub(super) fn date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Some((at, minutes)) = ms_date(s) {
        let local = at.checked_add_signed(Duration::try_minutes(minutes)?)?;
        return Some(local.date_naive());
    }
    let day = s
        .get(..10)
        .filter(|_| s.len() == 10 || s.get(10..11) == Some("T"))?;
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ms_forms_read_the_same_instant() {
        let a = timestamp("/Date(1573755038314)/");
        let b = timestamp("/Date(1573755038314+0000)/");
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_eq!(a.map(|t| t.timestamp_millis()), Some(1_573_755_038_314_i64));
        assert_eq!(
            timestamp("/Date(-1000+1300)/").map(|t| t.timestamp()),
            Some(-1)
        );
        assert_eq!(
            timestamp("2018-11-02T16:36:32Z").map(|t| t.timestamp()),
            Some(1_541_176_592)
        );
        for bad in ["/Date()/", "/Date(12+00)/", "/Date(x)/", "Date(1)", ""] {
            assert_eq!(timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_plain_form_reads_as_the_general_one() {
        for inner in [
            "0",
            "1573755038314",
            "1551399321043+0000",
            "1551913200000+0100",
            "-1000+1300",
            "12+1400",
            "12+1401",
            "12-1400",
            "12+0060",
            "12+00",
            "12+00000",
            "999999999999999999",
            "9999999999999999999",
            "+5",
            "1e3",
            "12 ",
            "",
            "1+",
            "1+abcd",
            "0-0530",
            "8640000000000000",
            "8639999999999999",
        ] {
            // The general reading alone (as before the plain one).
            let general = || ms_date_general(inner);
            let s = format!("/Date({inner})/");
            assert_eq!(ms_date(&s), general(), "{inner}");
            if let Some(plain) = ms_date_plain(inner.as_bytes()) {
                assert_eq!(plain, general(), "{inner}");
            }
        }
        assert!(ms_date_plain(b"1551399321043+0000").is_some());
    }

    #[test]
    fn dates_in_every_form() {
        let d = NaiveDate::from_ymd_opt(2019, 3, 7);
        assert_eq!(date("/Date(1551916800000+0000)/"), d);
        assert_eq!(date("2019-03-07"), d);
        assert_eq!(date("2019-03-07T00:00:00"), d);
        // An offset moves the day: 2019-03-06T23:00Z at +0100 is the 7th.
        assert_eq!(date("/Date(1551913200000+0100)/"), d);
        assert_eq!(date("2019-3-7"), None);
        assert_eq!(date("2019-03-07x"), None);
    }
}
