//! QBO error bodies and the typed adapter errors they stand for.

use crate::model::ContactId;
use crate::ports::AdapterError;
use crate::rules::{ErrorMeaning, Profile};
use crate::wire::WireError;

use super::tree::{At, Value, each, filled};

/// Seconds to wait after QBO throttles a call (429, `ThrottleExceeded`,
/// error 003001) when the response names no wait of its own: QBO counts
/// its 500 requests per company in one-minute windows.
pub const THROTTLE_WINDOW_SECS: u64 = 60;

/// A QBO error body: `Fault` (JSON and XML) or the lower-case `fault` of
/// the authentication errors.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fault {
    /// The fault's `type`: `ValidationFault`, `SystemFault`,
    /// `AUTHENTICATION`, `SERVICE`, …
    pub kind: Option<String>,
    /// Its `Error` entries, in order.
    pub errors: Vec<FaultEntry>,
}

/// One `Error` of a [`Fault`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FaultEntry {
    /// The error code as sent (`"6240"`, `"3200"`).
    pub code: Option<String>,
    /// `Message`.
    pub message: Option<String>,
    /// `Detail`.
    pub detail: Option<String>,
    /// `element`: the field the error is about, when QBO names one.
    pub element: Option<String>,
}

impl FaultEntry {
    /// The code without leading zeros (`"003200"` → `"3200"`); taken from
    /// `errorCode=…` in the message when the entry has no code.
    #[must_use]
    pub fn code_number(&self) -> Option<&str> {
        let raw = self
            .code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let raw = raw.or_else(|| {
            let m = self.message.as_deref()?;
            let at = m.find("errorCode=")?;
            let rest = m.get(at + "errorCode=".len()..)?;
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            rest.get(..end).filter(|d| !d.is_empty())
        })?;
        let trimmed = raw.trim_start_matches('0');
        Some(if trimmed.is_empty() { "0" } else { trimmed })
    }

    /// `Message: Detail` (each when present; the detail alone when it
    /// repeats the message).
    #[must_use]
    pub fn text(&self) -> String {
        match (self.message.as_deref(), self.detail.as_deref()) {
            (Some(m), Some(d)) if d.starts_with(m) => d.to_owned(),
            (Some(m), Some(d)) => format!("{m}: {d}"),
            (Some(x), None) | (None, Some(x)) => x.to_owned(),
            (None, None) => String::new(),
        }
    }
}

fn field(v: &Value<'_>, keys: &[&str], at: &At<'_>) -> Result<Option<String>, WireError> {
    for key in keys {
        if let Some(x) = v.get(key) {
            return Ok(filled(x, &At::Key(at, key))?.map(str::to_owned));
        }
    }
    Ok(None)
}

/// Reads the object under `Fault` / `fault`.
pub(super) fn read_fault(v: &Value<'_>, at: &At<'_>) -> Result<Fault, WireError> {
    let kind = field(v, &["type", "Type"], at)?;
    let mut errors = Vec::new();
    for key in ["Error", "error"] {
        let at = At::Key(at, key);
        for (i, e) in each(v, key).enumerate() {
            let at = At::Index(&at, i);
            errors.push(FaultEntry {
                code: field(e, &["code", "Code"], &at)?,
                message: field(e, &["Message", "message"], &at)?,
                detail: field(e, &["Detail", "detail"], &at)?,
                element: field(e, &["element", "Element"], &at)?,
            });
        }
    }
    Ok(Fault { kind, errors })
}

/// What the caller knows about the failed call, to fill in what QBO's
/// error bodies leave out: the record's id (5010 names none), the name
/// that was sent (6240 rarely repeats it), and a `Retry-After` header.
#[derive(Debug, Clone, Copy, Default)]
pub struct ErrorContext<'a> {
    /// The record the call was about.
    pub id: Option<&'a ContactId>,
    /// The `DisplayName` the call sent.
    pub name: Option<&'a str>,
    /// Seconds from a `Retry-After` header, when the response had one.
    pub retry_after_secs: Option<u64>,
}

/// A name quoted in a 6240 message (`Name=…`, or between double quotes).
fn quoted_name(text: &str) -> Option<String> {
    if let Some(at) = text.find("Name=") {
        let rest = text.get(at + "Name=".len()..)?;
        let end = rest.find([';', '\n']).unwrap_or(rest.len());
        let name = rest.get(..end)?.trim();
        if !name.is_empty() && name != "null" {
            return Some(name.to_owned());
        }
    }
    let start = text.find('"')?;
    let rest = text.get(start + 1..)?;
    let end = rest.find('"')?;
    let name = rest.get(..end)?.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

fn snippet(body: &str) -> String {
    let t: String = super::tree::head(body.trim())
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if t.is_empty() {
        "no details".to_owned()
    } else {
        t
    }
}

/// The adapter error for an HTTP `status` (0: unknown) and the fault read
/// from its body, if any.
pub(super) fn classify(
    status: u16,
    fault: Option<&Fault>,
    body: &str,
    ctx: &ErrorContext<'_>,
) -> AdapterError {
    let errors = fault.map_or(&[][..], |f| f.errors.as_slice());
    // What each code means comes from the ledger rules, the table the
    // billing feedback reads too.
    let meaning = |e: &FaultEntry| {
        e.code_number()
            .and_then(|c| Profile::Qbo.rules().error_meaning(c))
    };
    let has = |m: ErrorMeaning| errors.iter().any(|e| meaning(e) == Some(m));
    let first = errors.first();
    let first_text = first.map(FaultEntry::text).filter(|t| !t.is_empty());
    let auth_kind = fault
        .and_then(|f| f.kind.as_deref())
        .is_some_and(|k| k.eq_ignore_ascii_case("AUTHENTICATION"));
    let throttled = errors.iter().any(|e| {
        meaning(e) == Some(ErrorMeaning::RateLimited)
            || e.message
                .as_deref()
                .is_some_and(|m| m.contains("ThrottleExceeded"))
    });
    // 401 (3200 "AuthenticationFailed", 100 in XML answers): the access
    // token expired (every hour) or is otherwise refused: refresh and
    // retry, not a disconnection. The message only: a detail can quote
    // the token.
    if status == 401 || (status != 403 && has(ErrorMeaning::AccessTokenExpired)) {
        let message = errors
            .iter()
            .find_map(|e| e.message.clone())
            .unwrap_or_else(|| format!("HTTP {status}"));
        return AdapterError::AccessTokenExpired { message };
    }
    if status == 403 || auth_kind || has(ErrorMeaning::Authentication) {
        // The message only: an authentication detail can quote the token.
        let message = errors
            .iter()
            .find_map(|e| e.message.clone())
            .unwrap_or_else(|| format!("HTTP {status}"));
        return AdapterError::Authentication { message };
    }
    if status == 429 || throttled {
        return AdapterError::RateLimited {
            retry_after_secs: ctx.retry_after_secs.unwrap_or(THROTTLE_WINDOW_SECS),
        };
    }
    if has(ErrorMeaning::StaleVersion) {
        return AdapterError::StaleVersion {
            id: ctx.id.cloned().unwrap_or_default(),
        };
    }
    if let Some(dup) = errors
        .iter()
        .find(|e| meaning(e) == Some(ErrorMeaning::DuplicateName))
    {
        let name = [dup.detail.as_deref(), dup.message.as_deref()]
            .into_iter()
            .flatten()
            .find_map(quoted_name)
            .or_else(|| ctx.name.map(str::to_owned))
            .unwrap_or_default();
        return AdapterError::DuplicateName { name };
    }
    if status >= 500 {
        return AdapterError::Transient {
            message: first_text.unwrap_or_else(|| format!("HTTP {status}: {}", snippet(body))),
        };
    }
    match first {
        Some(e) => AdapterError::Validation {
            code: e.code_number().map(str::to_owned),
            message: first_text.unwrap_or_default(),
        },
        None => AdapterError::Validation {
            code: (status != 0).then(|| status.to_string()),
            message: snippet(body),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str, message: &str) -> FaultEntry {
        FaultEntry {
            code: Some(code.into()),
            message: Some(message.into()),
            ..FaultEntry::default()
        }
    }

    #[test]
    fn codes_lose_leading_zeros_and_come_from_messages() {
        assert_eq!(entry("003200", "x").code_number(), Some("3200"));
        let e = FaultEntry {
            message: Some("message=ThrottleExceeded; errorCode=003001; statusCode=429".into()),
            ..FaultEntry::default()
        };
        assert_eq!(e.code_number(), Some("3001"));
    }

    #[test]
    fn names_are_found_in_details() {
        assert_eq!(
            quoted_name("exists. : Name=Jane Smith").as_deref(),
            Some("Jane Smith")
        );
        assert_eq!(
            quoted_name("the name \"Acme\" is used").as_deref(),
            Some("Acme")
        );
        assert_eq!(
            quoted_name("The name supplied already exists. : null"),
            None
        );
    }

    #[test]
    fn status_alone_decides_without_a_fault() {
        let ctx = ErrorContext::default();
        assert!(matches!(
            classify(503, None, "<html>", &ctx),
            AdapterError::Transient { .. }
        ));
        assert!(matches!(
            classify(429, None, "", &ctx),
            AdapterError::RateLimited {
                retry_after_secs: THROTTLE_WINDOW_SECS
            }
        ));
        assert_eq!(
            classify(404, None, "", &ctx),
            AdapterError::Validation {
                code: Some("404".into()),
                message: "no details".into()
            }
        );
    }
}
