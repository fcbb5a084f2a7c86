//! Random and truncated bytes into every reader: a typed error, never a
//! panic.

use super::*;

// --------------------------------------------------------- robustness

fn all_readers(status: u16, bytes: &[u8]) {
    let answer = Response::new(status, bytes);
    let _ = every_reader(&answer);
    let c = calls();
    let _ = c.read_list(Some("L1000|5"), &answer);
    let _ = c.read_changes(None, Some("C1000|2024-03-01T17:00:00Z|5"), &answer);
    let mut f = c.ledger_facts();
    while let Ok(Some(_)) = f.next_request() {
        if f.read(&answer).is_err() {
            break;
        }
    }
}

#[test]
fn every_truncation_of_the_answers_is_a_typed_error() {
    for file in [
        "qbo/calls/cdc-customers.json",
        "qbo/calls/cdc-customers.xml",
        "qbo/calls/batch-customers.json",
        "qbo/calls/batch-customers.xml",
        "qbo/calls/preferences.json",
        "qbo/customers-page.json",
    ] {
        let bytes = fixture(file);
        let full = bytes.trim_ascii_end().len();
        for cut in 0..full {
            let part = &bytes[..cut];
            all_readers(200, part);
            let cdc = calls().read_changes(Some("2024-03-01T17:00:00Z"), None, &ok(part));
            assert!(cdc.is_err(), "{file} cut at {cut}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_into_every_reader_never_panic(
        status in prop::sample::select(vec![200u16, 201, 400, 401, 403, 404, 429, 500, 503]),
        bytes in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        all_readers(status, &bytes);
    }

    #[test]
    fn corrupted_answers_never_panic(
        which in 0usize..5,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let file = [
            "qbo/calls/cdc-customers.json",
            "qbo/calls/cdc-customers.xml",
            "qbo/calls/batch-customers.json",
            "qbo/calls/batch-customers.xml",
            "qbo/calls/preferences.json",
        ][which];
        let mut bytes = fixture(file);
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        all_readers(200, &bytes);
    }
}
