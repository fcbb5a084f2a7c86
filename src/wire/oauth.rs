//! The answers of the ledgers' OAuth 2.0 token endpoints (Xero's and
//! Intuit's, for QBO and QuickBooks Time), read without I/O.
//!
//! An access token lasts 30 minutes at Xero and an hour at Intuit. When a
//! data call answers [`AdapterError::AccessTokenExpired`] (HTTP 401), the
//! adapter posts its refresh token to the token endpoint and retries the
//! call once with the new access token. What the endpoint answers decides
//! what happens next:
//!
//! - a new token set ([`decode_token_response`]): store the **new refresh
//!   token** too (both providers rotate it; the old one stops working) and
//!   retry;
//! - `invalid_grant` and the other OAuth refusals ([`decode_token_error`]):
//!   the firm revoked the app or the refresh token expired (60 days at
//!   Xero, 100 at Intuit) — [`AdapterError::Authentication`], the one case
//!   that disconnects (E3);
//! - a rate limit or a server error: [`AdapterError::RateLimited`] /
//!   [`AdapterError::Transient`], retried later like any other call.
//!
//! Tokens never appear in `Debug` output or in errors: [`Secret`] prints
//! as `Secret(…)`, and error messages carry only the endpoint's `error`
//! code and description.

use std::fmt;

use crate::ops::AdapterError;

use super::{Method, Profile, WireError, percent_encode};

/// Xero's token endpoint (refresh grants, for Xero and XPM connections).
pub const XERO_TOKEN_URL: &str = "https://identity.xero.com/connect/token";

/// Intuit's token endpoint (refresh grants, for QBO and QuickBooks Time
/// connections).
pub const INTUIT_TOKEN_URL: &str = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer";

/// The wait assumed for a 429 without `Retry-After`.
const DEFAULT_RETRY_SECS: u64 = 60;
/// Longest description kept in a message.
const MAX_DESCRIPTION_CHARS: usize = 200;

/// A token, kept out of logs: `Debug` prints `Secret(…)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a token.
    #[must_use]
    pub const fn new(token: String) -> Self {
        Self(token)
    }

    /// The token itself, for the `Authorization` header (and only there).
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// An OAuth 2.0 client (the app registered with Xero or Intuit): its id
/// and secret. `Debug` shows the id, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
}

impl ClientCredentials {
    /// The credentials of client `client_id`.
    #[must_use]
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: Secret::new(client_secret.into()),
        }
    }
}

/// A refresh request to a token endpoint, as plain data: `POST` to the
/// endpoint with the client's credentials as HTTP Basic in
/// `Authorization`, and `grant_type=refresh_token&refresh_token=…` as a
/// form body. Both carry secrets, so both are [`Secret`]s and `Debug`
/// prints neither.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenRequest {
    /// Always [`Method::Post`].
    pub method: Method,
    /// The `Authorization` header's value: `Basic <base64(id:secret)>`.
    pub authorization: Secret,
    /// The `Content-Type`: `application/x-www-form-urlencoded`.
    pub content_type: &'static str,
    /// The `Accept` header: `application/json`.
    pub accept: &'static str,
    /// The form body.
    pub body: Secret,
}

/// The request that trades `refresh_token` for a new token set at the
/// token endpoint ([`XERO_TOKEN_URL`], [`INTUIT_TOKEN_URL`]): the refresh
/// grant of RFC 6749 §6 with the client authenticated by HTTP Basic
/// (§2.3.1: id and secret form-encoded, joined by `:`, in base64), as both
/// providers take it. Read the answer with [`decode_token_response`] (2xx)
/// or [`decode_token_error`].
///
/// ```
/// use ledgerlink::wire::oauth::{ClientCredentials, Secret, refresh_request};
///
/// let client = ClientCredentials::new("app", "s3cret");
/// let req = refresh_request(&client, &Secret::new("r-1".into()));
/// assert_eq!(req.body.expose(), "grant_type=refresh_token&refresh_token=r-1");
/// assert_eq!(req.authorization.expose(), "Basic YXBwOnMzY3JldA==");
/// assert!(!format!("{req:?}").contains("s3cret"));
/// ```
#[must_use]
pub fn refresh_request(client: &ClientCredentials, refresh_token: &Secret) -> TokenRequest {
    let pair = format!(
        "{}:{}",
        percent_encode(&client.client_id),
        percent_encode(client.client_secret.expose())
    );
    TokenRequest {
        method: Method::Post,
        authorization: Secret(format!("Basic {}", base64(pair.as_bytes()))),
        content_type: "application/x-www-form-urlencoded",
        accept: "application/json",
        body: Secret(format!(
            "grant_type=refresh_token&refresh_token={}",
            percent_encode(refresh_token.expose())
        )),
    }
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sextet = |n: u32, shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(sextet(n, 18));
        out.push(sextet(n, 12));
        out.push(if chunk.len() > 1 { sextet(n, 6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(n, 0) } else { '=' });
    }
    out
}

/// A token endpoint's answer to a refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenSet {
    /// The new access token.
    pub access_token: Secret,
    /// The new refresh token, when the endpoint rotated it (Xero and
    /// Intuit do): store it, the old one no longer works.
    pub refresh_token: Option<Secret>,
    /// Seconds the access token lasts (`expires_in`).
    pub expires_in_secs: Option<u64>,
}

/// Reads a token endpoint's successful answer (`{"access_token":…,
/// "refresh_token":…,"expires_in":1800,"token_type":"Bearer"}`).
///
/// # Errors
/// [`WireError::Syntax`] for a body that is not such an object,
/// [`WireError::Shape`] for one without an access token. The error never
/// quotes the body (it holds tokens).
pub fn decode_token_response(provider: Profile, body: &[u8]) -> Result<TokenSet, WireError> {
    #[derive(serde::Deserialize)]
    struct Raw {
        access_token: Option<String>,
        refresh_token: Option<String>,
        expires_in: Option<serde_json::Value>,
    }
    let raw: Raw = serde_json::from_slice(body).map_err(|_| WireError::Syntax {
        provider,
        detail: "the token answer is not a JSON object of tokens".into(),
    })?;
    let access = raw
        .access_token
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| WireError::Shape {
            provider,
            path: "access_token".into(),
            detail: "missing or empty".into(),
        })?;
    // Intuit sends numbers; some proxies turn them into strings.
    let expires_in_secs = match raw.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    Ok(TokenSet {
        access_token: Secret(access),
        refresh_token: raw
            .refresh_token
            .filter(|t| !t.trim().is_empty())
            .map(Secret),
        expires_in_secs,
    })
}

/// Whether an OAuth `error` code refuses the grant itself (the refresh
/// token, the client): the connection is gone (E3), not one access token.
#[must_use]
pub fn is_grant_refusal(code: &str) -> bool {
    matches!(
        code,
        "invalid_grant"
            | "invalid_client"
            | "unauthorized_client"
            | "unsupported_grant_type"
            | "invalid_request"
    )
}

/// Reads a token endpoint's refusal (`{"error":"invalid_grant",
/// "error_description":…}`) as the [`AdapterError`] the caller acts on:
/// an OAuth refusal (`invalid_grant`, `invalid_client`,
/// `unauthorized_client`, `unsupported_grant_type`, `invalid_request`, or
/// any 400/401 answer) is [`AdapterError::Authentication`] (disconnect,
/// E3); 429 is [`AdapterError::RateLimited`] (`retry_after_secs` from the
/// `Retry-After` header, else 60 s); 408 and 5xx are
/// [`AdapterError::Transient`]; anything else is a
/// [`AdapterError::Validation`] with the `error` code.
#[must_use]
pub fn decode_token_error(status: u16, body: &[u8], retry_after_secs: Option<u64>) -> AdapterError {
    #[derive(serde::Deserialize, Default)]
    struct Raw {
        error: Option<String>,
        error_description: Option<String>,
    }
    let raw: Raw = serde_json::from_slice(body).unwrap_or_default();
    let code = raw.error.filter(|c| !c.trim().is_empty());
    let description = raw.error_description.map(|d| {
        d.chars()
            .filter(|c| !c.is_control())
            .take(MAX_DESCRIPTION_CHARS)
            .collect::<String>()
    });
    let message = match (&code, &description) {
        (Some(c), Some(d)) => format!("{c}: {d}"),
        (Some(c), None) => c.clone(),
        (None, Some(d)) => d.clone(),
        (None, None) => format!("the token endpoint answered HTTP {status}"),
    };
    let oauth_refusal = code.as_deref().is_some_and(is_grant_refusal);
    match status {
        429 => AdapterError::RateLimited {
            retry_after_secs: retry_after_secs.unwrap_or(DEFAULT_RETRY_SECS),
        },
        408 | 500..=599 => AdapterError::Transient { message },
        _ if oauth_refusal => AdapterError::Authentication { message },
        400 | 401 | 403 => AdapterError::Authentication { message },
        _ => AdapterError::Validation { code, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e3_a_refused_refresh_token_disconnects_a_server_error_does_not() {
        // As Intuit answers a refresh token that was revoked or expired.
        let body = br#"{"error":"invalid_grant","error_description":"Incorrect or invalid refresh token"}"#;
        assert_eq!(
            decode_token_error(400, body, None),
            AdapterError::Authentication {
                message: "invalid_grant: Incorrect or invalid refresh token".into()
            }
        );
        // Xero's answer carries the code alone.
        assert!(matches!(
            decode_token_error(400, br#"{"error":"invalid_grant"}"#, None),
            AdapterError::Authentication { .. }
        ));
        assert!(matches!(
            decode_token_error(503, b"<html>busy</html>", None),
            AdapterError::Transient { .. }
        ));
        assert_eq!(
            decode_token_error(429, b"", Some(7)),
            AdapterError::RateLimited {
                retry_after_secs: 7
            }
        );
        assert!(matches!(
            decode_token_error(418, br#"{"error":"slow_down"}"#, None),
            AdapterError::Validation { code: Some(c), .. } if c == "slow_down"
        ));
    }

    #[test]
    fn a_refreshed_token_set_is_read_and_never_printed() {
        let body = br#"{"id_token":"x","access_token":"eyJhbGciOi.secret","expires_in":1800,"token_type":"Bearer","refresh_token":"r-2","scope":"accounting.contacts offline_access"}"#;
        let t = decode_token_response(Profile::XeroGl, body).map_err(|e| e.to_string());
        let Ok(t) = t else {
            panic!("{t:?}");
        };
        assert_eq!(t.access_token.expose(), "eyJhbGciOi.secret");
        assert_eq!(t.refresh_token.as_ref().map(Secret::expose), Some("r-2"));
        assert_eq!(t.expires_in_secs, Some(1800));
        let shown = format!("{t:?}");
        assert!(
            !shown.contains("secret") && !shown.contains("r-2"),
            "{shown}"
        );
        // Intuit's answer, with the lifetime as a string.
        let t = decode_token_response(
            Profile::Qbo,
            br#"{"token_type":"bearer","expires_in":"3600","refresh_token":"r","x_refresh_token_expires_in":8726400,"access_token":"a"}"#,
        );
        assert_eq!(t.map(|t| t.expires_in_secs), Ok(Some(3600)));
    }

    #[test]
    fn refresh_requests_encode_the_grant_and_basic_credentials() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        let client = ClientCredentials::new("ABC123", "p&ss word");
        let req = refresh_request(&client, &Secret::new("a b+c".into()));
        assert_eq!(req.method, Method::Post);
        assert_eq!(
            req.body.expose(),
            "grant_type=refresh_token&refresh_token=a%20b%2Bc"
        );
        assert_eq!(
            req.authorization.expose(),
            format!("Basic {}", base64(b"ABC123:p%26ss%20word"))
        );
        let shown = format!("{req:?} {client:?}");
        assert!(
            !shown.contains("p&ss") && !shown.contains("a b+c"),
            "{shown}"
        );
        assert!(
            shown.contains("ABC123"),
            "the client id is not a secret: {shown}"
        );
    }

    #[test]
    fn broken_token_answers_are_typed_errors_that_quote_nothing() {
        for body in [
            &b""[..],
            b"{",
            b"[]",
            br#"{"access_token":""}"#,
            br#"{"access_token":"  "}"#,
        ] {
            let e = decode_token_response(Profile::Qbo, body);
            assert!(
                matches!(e, Err(WireError::Syntax { .. } | WireError::Shape { .. })),
                "{body:?}"
            );
        }
        let e = decode_token_response(Profile::Qbo, br#"{"refresh_token":"hush"}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!e.contains("hush"), "{e}");
        assert!(matches!(
            decode_token_error(400, &[0xff, 0xfe, 0x00], None),
            AdapterError::Authentication { .. }
        ));
    }
}
