//! Every decoder of the QBO codec (JSON and XML) on any bytes: a value or
//! a typed error, never a panic. A decoded customer sent as a create and
//! read back is a fixed point: a second trip changes nothing.
#![no_main]

use ledgerlink::Contact;
use ledgerlink::wire::{WireError, qbo};
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 6] = [400, 401, 403, 404, 429, 500];

fn trip(c: &Contact) -> Option<Contact> {
    match qbo::encode_customer_create(c) {
        Ok(body) => {
            let mut page = qbo::decode_contacts(body.as_bytes())
                .unwrap_or_else(|e| panic!("own body unreadable: {e}\n{body}"));
            assert_eq!(page.records.len(), 1, "{body}");
            Some(page.records.remove(0))
        }
        Err(WireError::Invalid { .. } | WireError::TooLong { .. }) => None,
        Err(e) => panic!("unexpected encode error {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let status = STATUSES[data.len() % STATUSES.len()];
    let _ = qbo::decode_any(data);
    let _ = qbo::decode(data);
    let _ = qbo::decode_invoices(data);
    let _ = qbo::decode_payments(data);
    let _ = qbo::decode_fault(data);
    let _ = qbo::decode_batch(data);
    let _ = qbo::decode_error(status, data);
    if let Ok(page) = qbo::decode_contacts(data) {
        for c in page.records.iter().take(8) {
            if let Some(once) = trip(c) {
                let twice = trip(&once).expect("a record QBO read back can be sent again");
                assert_eq!(twice, once);
            }
        }
    }
});
