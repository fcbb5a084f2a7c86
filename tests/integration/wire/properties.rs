//! Robustness of `wire::decode_any` (issue 5): whatever the bytes — random,
//! or any prefix of a real payload — the answer is a record list or a
//! typed error, never a panic.

use ledgerlink::wire::decode_any;
use proptest::prelude::*;

use crate::support::fixtures::{files_below, own_dir};

#[test]
fn every_prefix_of_every_own_fixture_decodes_or_fails_cleanly() {
    // The project's own fixtures (tests/fixtures/<provider>/…), sorted.
    let files = files_below(&own_dir()).unwrap_or_default();
    assert!(files.len() >= 40, "fixtures missing: {}", files.len());
    let mut complete = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // The whole file is a payload of a known kind (some are meant to be
        // refused with an error, which is fine: never a panic).
        if let Ok((_, payload)) = decode_any(&bytes) {
            let _ = payload.summary();
            complete += 1;
        }
        // Every prefix (every 7th byte for long files, to keep debug runs
        // short), and the file with one byte flipped at each such point.
        let step = if bytes.len() > 4096 { 7 } else { 1 };
        for cut in (0..bytes.len()).step_by(step) {
            let _ = decode_any(&bytes[..cut]);
            let mut flipped = bytes.clone();
            flipped[cut] ^= 0x5a;
            let _ = decode_any(&flipped);
        }
    }
    // Most of the fixtures are payloads that decode (the rest are refusals
    // on purpose: bad booleans, entity expansion, unknown types…).
    assert!(complete * 2 > files.len(), "only {complete} decoded");
}

#[test]
fn an_empty_or_unknown_document_is_a_typed_error() {
    for bytes in [
        &b""[..],
        b"   ",
        b"{}",
        b"[]",
        b"<x/>",
        b"null",
        b"\xff\xfe",
    ] {
        assert!(decode_any(bytes).is_err(), "{bytes:?}");
    }
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_any(&bytes);
    }

    #[test]
    fn json_and_xml_shaped_noise_never_panics(
        head in prop::sample::select(vec![
            "{\"Contacts\":[", "{\"QueryResponse\":{\"Customer\":[", "{\"Fault\":{",
            "{\"results\":{\"jobcodes\":{", "<Response><Status>OK</Status><Clients>",
            "<IntuitResponse><QueryResponse>", "{\"Invoices\":[{", "{\"Payments\":[{",
        ]),
        tail in "[\\[\\]{}\":,0-9a-zA-Z<>/ =\\\\.-]{0,200}",
    ) {
        let doc = format!("{head}{tail}");
        let _ = decode_any(doc.as_bytes());
    }
}
