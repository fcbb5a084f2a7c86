//! `wire::decode_any` on any bytes: the provider it recognises and a
//! payload, or a typed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((provider, payload)) = ledgerlink::wire::decode_any(data) {
        let _ = (provider.to_string(), payload.summary());
    }
});
