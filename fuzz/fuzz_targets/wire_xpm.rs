//! Every decoder of the XPM codec on any bytes: a value or a typed error,
//! never a panic. Clients that decode survive `encode_client_add` →
//! `decode_client_body` as far as XPM carries them (`carried_as_client`).
#![no_main]

use ledgerlink::ContactId;
use ledgerlink::wire::{WireError, xpm};
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 6] = [400, 401, 403, 404, 429, 500];

fuzz_target!(|data: &[u8]| {
    let status = STATUSES[data.len() % STATUSES.len()];
    let _ = xpm::decode_any(data);
    let _ = xpm::decode_client_body(data);
    let _ = xpm::decode_client_contacts_body(data, &ContactId::from("C1"));
    let _ = xpm::decode_error(status, data);
    let _ = xpm::decode_error_with_retry_after(status, Some("17"), data);
    if let Ok(page) = xpm::decode_clients(data) {
        for c in page.records.iter().take(8) {
            match xpm::encode_client_add(c) {
                Ok(body) => {
                    let back = xpm::decode_client_body(body.as_bytes())
                        .unwrap_or_else(|e| panic!("own body unreadable: {e}\n{body}"));
                    let mut expected = xpm::carried_as_client(c);
                    expected.id = ContactId::default();
                    assert_eq!(back, expected, "{body}");
                }
                Err(WireError::Invalid { .. } | WireError::TooLong { .. }) => {}
                Err(e) => panic!("unexpected encode error {e}"),
            }
        }
    }
});
