//! Calendar arithmetic for the fakes' clock: milliseconds since the Unix
//! epoch in and out of the text forms the ledgers use. Written here (days
//! from a civil date and back) so that the crate needs no date library.

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// The parts of a time: date, hours, minutes, seconds, milliseconds.
struct Parts {
    y: i64,
    mo: i64,
    d: i64,
    h: i64,
    mi: i64,
    s: i64,
    ms: i64,
}

fn parts(ms: i64) -> Parts {
    let days = ms.div_euclid(DAY_MS);
    let rest = ms.rem_euclid(DAY_MS);
    let (y, mo, d) = civil_from_days(days);
    Parts {
        y,
        mo,
        d,
        h: rest / 3_600_000,
        mi: rest / 60_000 % 60,
        s: rest / 1000 % 60,
        ms: rest % 1000,
    }
}

/// `2026-12-06T10:00:00.000-08:00` (with `millis`) or `2026-12-06T10:00:00+00:00`,
/// the time shown at `offset_min` minutes east of UTC.
pub(crate) fn rfc3339(ms: i64, offset_min: i32, millis: bool) -> String {
    let p = parts(ms + i64::from(offset_min) * 60_000);
    let sign = if offset_min < 0 { '-' } else { '+' };
    let off = offset_min.unsigned_abs();
    let frac = if millis {
        format!(".{:03}", p.ms)
    } else {
        String::new()
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{frac}{sign}{:02}:{:02}",
        p.y,
        p.mo,
        p.d,
        p.h,
        p.mi,
        p.s,
        off / 60,
        off % 60
    )
}

/// `2026-12-06` in UTC.
pub(crate) fn date(ms: i64) -> String {
    let p = parts(ms);
    format!("{:04}-{:02}-{:02}", p.y, p.mo, p.d)
}

/// `2026-12-06T10:00:00` in UTC, no offset (XPM's form).
pub(crate) fn naive(ms: i64) -> String {
    let p = parts(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        p.y, p.mo, p.d, p.h, p.mi, p.s
    )
}

/// `Sun, 06 Dec 2026 10:00:00 GMT` (the `Date` header's form).
pub(crate) fn http_date(ms: i64) -> String {
    let p = parts(ms);
    let weekday = WEEKDAYS[ms.div_euclid(DAY_MS).rem_euclid(7) as usize];
    let month = MONTHS[(p.mo - 1) as usize];
    format!(
        "{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        p.d, p.y, p.h, p.mi, p.s
    )
}

/// Xero's `/Date(1700000000000+0000)/`.
pub(crate) fn ms_json(ms: i64) -> String {
    format!("/Date({ms}+0000)/")
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Reads `YYYY-MM-DD[Thh:mm:ss[.fff]][Z|±hh:mm]`; no offset is UTC.
pub(crate) fn parse_iso(text: &str) -> Option<i64> {
    let t = text.trim();
    let (y, mo, d) = (num(t.get(0..4)?)?, num(t.get(5..7)?)?, num(t.get(8..10)?)?);
    if t.get(4..5)? != "-"
        || t.get(7..8)? != "-"
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
    {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * DAY_MS;
    let rest = &t[10..];
    if rest.is_empty() {
        return Some(ms);
    }
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let (h, mi, s) = (
        num(rest.get(0..2)?)?,
        num(rest.get(3..5)?)?,
        num(rest.get(6..8)?)?,
    );
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    ms += h * 3_600_000 + mi * 60_000 + s * 1000;
    let mut rest = &rest[8..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let digits = &frac[..n];
        let first3: String = digits.chars().chain("000".chars()).take(3).collect();
        ms += num(&first3)?;
        rest = &frac[n..];
    }
    match rest {
        "" | "Z" | "z" => Some(ms),
        _ => {
            let sign = match rest.get(0..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let oh = num(rest.get(1..3)?)?;
            let om = num(rest.get(rest.len() - 2..)?)?;
            Some(ms - sign * (oh * 3_600_000 + om * 60_000))
        }
    }
}

/// Reads `Sun, 06 Dec 2026 10:00:00 GMT`.
pub(crate) fn parse_http_date(text: &str) -> Option<i64> {
    let mut it = text.split_whitespace().skip(1);
    let d = num(it.next()?)?;
    let month = it.next()?;
    let mo = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as i64 + 1;
    let y = num(it.next()?)?;
    let hms: Vec<&str> = it.next()?.split(':').collect();
    if hms.len() != 3 {
        return None;
    }
    Some(
        days_from_civil(y, mo, d) * DAY_MS
            + num(hms[0])? * 3_600_000
            + num(hms[1])? * 60_000
            + num(hms[2])? * 1000,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        // 2026-12-06T10:00:00Z, a Sunday.
        let t = 1_796_551_200_000;
        assert_eq!(rfc3339(t, 0, false), "2026-12-06T10:00:00+00:00");
        assert_eq!(
            rfc3339(t + 187, -480, true),
            "2026-12-06T02:00:00.187-08:00"
        );
        assert_eq!(http_date(t), "Sun, 06 Dec 2026 10:00:00 GMT");
        assert_eq!(naive(t), "2026-12-06T10:00:00");
        assert_eq!(date(t), "2026-12-06");
        assert_eq!(parse_http_date(&http_date(t)), Some(t));
        assert_eq!(parse_iso("2026-12-06T02:00:00.187-08:00"), Some(t + 187));
        assert_eq!(parse_iso("2026-12-06T10:00:00Z"), Some(t));
        assert_eq!(parse_iso("2026-12-06T10:00:00"), Some(t));
        assert_eq!(parse_iso("2026-12-06"), Some(t - 36_000_000));
        assert_eq!(parse_iso("2026-13-06"), None);
        assert_eq!(parse_iso("yesterday"), None);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }
}
