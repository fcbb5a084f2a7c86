//! Every decoder of the Xero codec on any bytes: a value or a typed error,
//! never a panic. Contacts that decode survive encode → decode as far as
//! Xero carries them (`carried_as_contact`).
#![no_main]

use ledgerlink::wire::{WireError, xero};
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 6] = [400, 401, 403, 404, 429, 500];

fuzz_target!(|data: &[u8]| {
    let status = STATUSES[data.len() % STATUSES.len()];
    let _ = xero::decode_any(data);
    let _ = xero::decode_contact(data);
    let _ = xero::decode_contacts_page(data, 2);
    let _ = xero::decode_invoices(data);
    let _ = xero::decode_payments(data);
    let _ = xero::decode_error_body(data);
    let _ = xero::decode_error(status, data, Some(60));
    let _ = xero::decode_error_detail(status, data, None, Some("X1"));
    if let Ok(page) = xero::decode_contacts(data) {
        for c in page.records.iter().take(8) {
            match xero::encode_contact(c) {
                Ok(body) => {
                    let back = xero::decode_contacts(body.as_bytes())
                        .unwrap_or_else(|e| panic!("own body unreadable: {e}\n{body}"))
                        .records;
                    assert_eq!(back, vec![xero::carried_as_contact(c)], "{body}");
                }
                Err(WireError::Invalid { .. } | WireError::TooLong { .. }) => {}
                Err(e) => panic!("unexpected encode error {e}"),
            }
        }
    }
});
