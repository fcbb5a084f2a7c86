//! The webhook readers and the token-endpoint readers on any bytes: a
//! verdict, events or a typed error, never a panic. A body signed with the
//! key always passes verification; a signature over other bytes never does.
#![no_main]

use ledgerlink::wire::{Profile, oauth, webhooks};
use libfuzzer_sys::fuzz_target;

const KEY: &[u8] = b"fuzz-webhook-key";

fuzz_target!(|data: &[u8]| {
    // Any header value against any body.
    let header = std::str::from_utf8(data.get(..data.len().min(64)).unwrap_or_default()).ok();
    let _ = webhooks::decode_xero(data, header, KEY);
    let _ = webhooks::decode_qbo(data, header, KEY);
    let status = webhooks::xero_response_status(data, header, KEY);
    assert!(status == 200 || status == 401);
    // Token endpoint answers.
    let _ = oauth::decode_token_response(Profile::Qbo, data);
    let code = 400 + u16::from(data.first().copied().unwrap_or(0)) % 200;
    let _ = oauth::decode_token_error(code, data, None);
    // The right signature passes; the same signature over other bytes
    // (one byte changed or appended) or under another key never does.
    let sig = webhooks::signature(data, KEY);
    assert!(webhooks::verify(Profile::XeroGl, data, Some(&sig), KEY).is_ok());
    assert_eq!(webhooks::xero_response_status(data, Some(&sig), KEY), 200);
    let mut other = data.to_vec();
    match other.first_mut() {
        Some(b) => *b ^= 0x5a,
        None => other.push(0),
    }
    assert!(webhooks::verify(Profile::Qbo, &other, Some(&sig), KEY).is_err());
    assert!(webhooks::verify(Profile::Qbo, data, Some(&sig), b"another-key").is_err());
});
