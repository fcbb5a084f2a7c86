//! Every decoder of the QuickBooks Time codec on any bytes: a value or a
//! typed error, never a panic. A jobcode create request that decodes is
//! encoded again to the same jobcodes.
#![no_main]

use ledgerlink::wire::{WireError, qbtime};
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 6] = [400, 401, 403, 404, 429, 500];

fuzz_target!(|data: &[u8]| {
    let status = STATUSES[data.len() % STATUSES.len()];
    let _ = qbtime::decode_any(data);
    let _ = qbtime::decode_jobcodes(data);
    let _ = qbtime::decode_jobcode(data);
    let _ = qbtime::decode_jobcode_results(data);
    let _ = qbtime::decode_timesheets(data);
    let _ = qbtime::decode_timesheet(data);
    let _ = qbtime::decode_deleted_timesheets(data);
    let _ = qbtime::decode_error(status, data);
    let _ = qbtime::decode_http_error(status, Some("30"), data);
    if let Ok(jobcodes) = qbtime::decode_jobcode_create_request(data) {
        match qbtime::encode_jobcode_creates(&jobcodes) {
            Ok(body) => {
                let back = qbtime::decode_jobcode_create_request(body.as_bytes())
                    .unwrap_or_else(|e| panic!("own body unreadable: {e}\n{body}"));
                assert_eq!(back, jobcodes, "{body}");
            }
            Err(WireError::Invalid { .. } | WireError::TooLong { .. }) => {}
            Err(e) => panic!("unexpected encode error {e}"),
        }
    }
});
