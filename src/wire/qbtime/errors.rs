//! Error bodies and HTTP statuses as typed adapter errors.

use serde_json::Value;

use crate::model::ContactId;
use crate::ports::AdapterError;

use super::RATE_LIMIT_WINDOW_SECS;

/// The most characters of a body that is not an error object kept as the
/// message.
const MAX_SNIPPET_CHARS: usize = 200;

/// The adapter error an HTTP status (or a batch item's `_status_code`)
/// stands for, with QBT's message.
pub(super) fn status_error(
    status: u16,
    message: String,
    retry_after: Option<&str>,
) -> AdapterError {
    match status {
        // 401 with an OAuth refusal (`invalid_grant`…): the grant itself is
        // gone — disconnected (E3).
        401 if oauth_refusal(&message) => AdapterError::Authentication { message },
        // 401 otherwise: the access token was refused: refresh and retry.
        401 => AdapterError::AccessTokenExpired { message },
        // 402: billing not current; 403: access denied. Nothing more will
        // succeed until someone acts on the account: disconnected.
        402 | 403 => AdapterError::Authentication { message },
        // QBT's body does not say which record: the caller knows.
        404 => AdapterError::NotFound {
            id: ContactId::new(""),
        },
        405 | 501 => AdapterError::Unsupported { what: message },
        408 => AdapterError::Transient { message },
        429 => AdapterError::RateLimited {
            retry_after_secs: retry_after
                .and_then(|h| h.trim().parse::<u64>().ok())
                .unwrap_or(RATE_LIMIT_WINDOW_SECS),
        },
        400..=499 => AdapterError::Validation {
            code: Some(status.to_string()),
            message,
        },
        500..=599 => AdapterError::Transient { message },
        _ => AdapterError::Transient {
            message: format!("unexpected status {status}: {message}"),
        },
    }
}

/// Whether a message read from an OAuth error body (`<code>: <description>`
/// or the code alone) names a refusal of the grant, not of one access token.
fn oauth_refusal(message: &str) -> bool {
    let code = message.split(':').next().unwrap_or_default().trim();
    crate::wire::oauth::is_grant_refusal(code)
}

/// The code and message of an error body: `{"error":{"code":…,"message":…}}`,
/// the bare `{"code":…,"message":…}` of QBT's exception table, or an OAuth
/// `{"error":"…","error_description":"…"}`.
pub(super) fn read_body(body: &[u8]) -> (Option<u16>, Option<String>) {
    let Ok(Value::Object(top)) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let (code, message) = match top.get("error") {
        Some(Value::Object(inner)) => (inner.get("code"), inner.get("message")),
        Some(Value::String(s)) => {
            let message = match top.get("error_description") {
                Some(Value::String(d)) if !d.is_empty() => format!("{s}: {d}"),
                _ => s.clone(),
            };
            return (None, Some(message));
        }
        _ => (top.get("code"), top.get("message")),
    };
    let code = match code {
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let message = match message {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    };
    (code, message)
}

/// A short, printable excerpt of a body that is not an error object.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_SNIPPET_CHARS)
        .collect();
    if text
        .chars()
        .filter(|c| !c.is_control())
        .nth(MAX_SNIPPET_CHARS)
        .is_some()
    {
        out.push('…');
    }
    out.trim().to_owned()
}

/// See [`super::decode_http_error`].
pub(super) fn decode(status: u16, retry_after: Option<&str>, body: &[u8]) -> AdapterError {
    let (_, message) = read_body(body);
    let message = message.unwrap_or_else(|| {
        let s = snippet(body);
        if s.is_empty() {
            format!("HTTP {status}")
        } else {
            s
        }
    });
    status_error(status, message, retry_after)
}
