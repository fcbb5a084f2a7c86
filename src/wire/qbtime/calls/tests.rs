//! Unit tests of the small pieces: page numbers, the query of each
//! listing, the answers' status mapping.

use super::*;

#[test]
fn pages_count_from_one() {
    let c = Calls::new();
    assert!(matches!(
        c.list_jobcodes(0),
        Err(AdapterError::Validation { .. })
    ));
    let range = DateRange::new(
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default(),
        chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default(),
    );
    assert!(c.list_timesheets(&range, 0).is_err());
    assert!(c.list_timesheets(&range, 1).is_ok());
}

#[test]
fn listings_ask_for_the_largest_page_without_supplemental_data() {
    let r = Calls::new()
        .list_jobcodes(3)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        r.path_and_query(),
        "jobcodes?active=both&type=all&page=3&limit=200&supplemental_data=no"
    );
    assert_eq!(MAX_PAGE_ITEMS, 200);
}

#[test]
fn a_429_waits_for_the_retry_after_in_either_form() {
    let at = Response::new(429, b"")
        .with_header("Date", "Sun, 06 Dec 2026 10:00:00 GMT")
        .with_header("Retry-After", "Sun, 06 Dec 2026 10:00:45 GMT");
    assert_eq!(
        success(&at),
        Err(AdapterError::RateLimited {
            retry_after_secs: 45
        })
    );
    assert_eq!(success(&Response::new(204, b"")), Ok(()));
}
