//! The scope of idempotency keys: what makes a key unique beyond one
//! stored state.
//!
//! Keys are `ledgerlink:<scope>:…`. The ledgers remember a key for hours
//! (Xero) or longer (QBO) and answer the record first made under it: a key
//! reused by another connection into the same ledger, or by a state started
//! afresh (its run counter back at 1), would be answered with a record made
//! for something else. The scope is a connection identity and a nonce,
//! unique per stored state; a state that has none gets one from the time of
//! its first plan (the core reads no clock and draws no random numbers: `now`
//! is the input that differs between two states started one after the
//! other). Set it yourself — a tenant or firm id and a random nonce — when
//! several connections may write into one ledger.

use chrono::{DateTime, Utc};

/// The longest scope kept (the rest of a key must fit the ledgers' limits:
/// Xero takes 128 characters).
pub const MAX_KEY_SCOPE_CHARS: usize = 40;

/// A key scope from a connection identity and a nonce: letters, digits,
/// `.`, `_` and `-` kept (anything else dropped, so a key stays a safe
/// header value), joined by `.`, cut to [`MAX_KEY_SCOPE_CHARS`].
///
/// ```
/// use ledgerlink::ops::key_scope;
/// assert_eq!(key_scope("firm-42", "9f3c"), "firm-42.9f3c");
/// assert_eq!(key_scope("a b:c", ""), "abc");
/// ```
#[must_use]
pub fn key_scope(connection: &str, nonce: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .collect()
    };
    let (c, n) = (clean(connection), clean(nonce));
    let joined = match (c.is_empty(), n.is_empty()) {
        (false, false) => format!("{c}.{n}"),
        (false, true) => c,
        (true, _) => n,
    };
    joined.chars().take(MAX_KEY_SCOPE_CHARS).collect()
}

/// The scope a state without one takes at its first plan: its time in
/// microseconds, in hex.
#[must_use]
pub(crate) fn scope_from_time(now: DateTime<Utc>) -> String {
    format!("t{:x}", now.timestamp_micros().unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn u1_scopes_are_header_safe_bounded_and_differ_between_states() {
        assert_eq!(key_scope("tenant/7:x", "n 1"), "tenant7x.n1");
        assert_eq!(
            key_scope(&"a".repeat(100), "z").chars().count(),
            MAX_KEY_SCOPE_CHARS
        );
        let t = |s: i64| Utc.timestamp_opt(1_764_000_000 + s, 0).single();
        let (Some(a), Some(b)) = (t(0), t(1)) else {
            panic!("valid times");
        };
        assert_ne!(scope_from_time(a), scope_from_time(b));
        assert!(
            scope_from_time(a)
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
        );
    }
}
