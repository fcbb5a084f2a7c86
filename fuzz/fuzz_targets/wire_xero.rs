//! Every decoder of the Xero codec on any bytes: a value or a typed error,
//! never a panic. Contacts that decode survive encode → decode as far as
//! Xero carries them (`carried_as_contact`). A listing of the input twice
//! reads as the two pages one after the other.
#![no_main]

use ledgerlink::wire::{Limits, Profile, WireError, xero};
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 6] = [400, 401, 403, 404, 429, 500];

fuzz_target!(|data: &[u8]| {
    let status = STATUSES[data.len() % STATUSES.len()];
    let _ = xero::decode_any(data);
    let _ = xero::decode_contact(data);
    let listing =
        xero::decode_contacts_listing(&[data, data], &Limits::for_provider(Profile::XeroGl))
            .map_err(|e| (e.page, e.error));
    match (
        xero::decode_contacts_page(data, 1),
        xero::decode_contacts_page(data, 2),
    ) {
        (Ok(one), Ok(two)) => {
            let all = listing.unwrap_or_else(|e| panic!("the listing failed: {e:?}"));
            assert_eq!(all.records, [one.records, two.records].concat());
            assert_eq!(all.people, [one.people, two.people].concat());
            assert_eq!(all.next_page, two.next_page);
        }
        (Err(e), _) => assert_eq!(listing, Err((1, e))),
        (Ok(_), Err(e)) => assert_eq!(listing, Err((2, e))),
    }
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
