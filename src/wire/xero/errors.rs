//! Xero's error bodies as typed adapter errors.

use serde::Deserialize;
use serde_json::Value;

use crate::model::ContactId;
use crate::ports::AdapterError;
use crate::wire::WireError;

use super::json::{Count, Str, from_serde, head, shape, without_bom};
use super::{ErrorDetail, RATE_LIMIT_WINDOW_SECS};

#[derive(Deserialize)]
struct ErrorDoc<'a> {
    #[serde(default, rename = "ErrorNumber")]
    number: Option<Count>,
    #[serde(borrow, default, rename = "Type")]
    kind: Option<Str<'a>>,
    #[serde(borrow, default, rename = "Message")]
    message: Option<Str<'a>>,
    #[serde(default, rename = "Elements")]
    elements: Option<Vec<Value>>,
    #[serde(borrow, default, rename = "Title", alias = "title")]
    title: Option<Str<'a>>,
    #[serde(borrow, default, rename = "Detail", alias = "detail")]
    detail: Option<Str<'a>>,
    #[serde(default, rename = "Status", alias = "status")]
    status: Option<Value>,
}

/// What a parsed body says.
struct Body {
    number: Option<u64>,
    kind: Option<String>,
    /// The body's own message (`Message`, else `Detail`, else `Title`).
    message: Option<String>,
    /// Each element's messages, joined.
    items: Vec<String>,
    /// Every message, in order, with the element's `Name`.
    messages: Vec<(String, Option<String>)>,
    /// The id of the first element, if it has one.
    first_id: Option<String>,
    /// A problem body's `Status`.
    status: Option<u16>,
}

/// Every `ValidationErrors[].Message` under `v`, depth first.
fn collect(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    match v {
        Value::Object(map) => {
            // The object's own messages first, then those of its parts.
            let own = map.get("ValidationErrors").and_then(Value::as_array);
            for e in own.into_iter().flatten() {
                if let Some(m) = e.get("Message").and_then(Value::as_str) {
                    out.push(m.to_owned());
                }
            }
            for (k, x) in map {
                if k != "ValidationErrors" {
                    collect(x, out, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for x in items {
                collect(x, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// An `<ApiException>` (Xero's XML error body) as a [`Body`].
fn from_xml(x: super::xml::Exception) -> Body {
    let name = None;
    Body {
        number: x.number,
        kind: x.kind,
        message: x.message,
        items: Vec::new(),
        messages: x.messages.into_iter().map(|m| (m, name.clone())).collect(),
        first_id: None,
        status: None,
    }
}

fn parse(body: &[u8]) -> Result<Body, WireError> {
    if let Some(x) = super::xml::exception(body) {
        return Ok(from_xml(x));
    }
    let doc: ErrorDoc<'_> =
        serde_json::from_slice(without_bom(body)).map_err(|e| from_serde(&e, "Elements"))?;
    let mut items = Vec::new();
    let mut messages = Vec::new();
    let mut first_id = None;
    for (i, el) in doc.elements.iter().flatten().enumerate() {
        if !el.is_object() {
            return Err(shape(format!("Elements[{i}]"), "not an object"));
        }
        let mut own = Vec::new();
        collect(el, &mut own, 0);
        let name = el.get("Name").and_then(Value::as_str).map(str::to_owned);
        if i == 0 {
            first_id = ["ContactID", "InvoiceID", "PaymentID"]
                .iter()
                .find_map(|k| el.get(*k).and_then(Value::as_str))
                .map(str::to_owned);
        }
        items.push(own.join(" "));
        messages.extend(own.into_iter().map(|m| (m, name.clone())));
    }
    let text = |s: Option<&Str<'_>>| {
        s.map(|v| v.as_str().trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let status = doc
        .status
        .as_ref()
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok());
    Ok(Body {
        number: doc.number.map(|n| n.0),
        kind: text(doc.kind.as_ref()),
        message: text(doc.message.as_ref())
            .or_else(|| text(doc.detail.as_ref()))
            .or_else(|| text(doc.title.as_ref())),
        items,
        messages,
        first_id,
        status,
    })
}

/// Finds `needle` (ASCII letters in any case) in `hay`: its byte offset.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| {
        h.get(i..i + n.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(n))
    })
}

/// The name a duplicate-name message refuses ("The contact name X is
/// already assigned to another contact…"), when `message` is one.
pub(super) fn duplicate_name(message: &str) -> Option<&str> {
    let end = find_ci(message, " is already assigned to another contact")?;
    let before = message.get(..end)?;
    let start = find_ci(before, "contact name ").map_or(0, |i| i + "contact name ".len());
    Some(before.get(start..)?.trim())
}

/// A short text of an unreadable body.
fn body_text(body: &[u8]) -> Option<String> {
    let t = String::from_utf8_lossy(body);
    let t: String = head(t.trim()).chars().filter(|c| !c.is_control()).collect();
    (!t.is_empty()).then_some(t)
}

fn from_body(status: u16, b: Body, id: Option<&str>, retry_after_secs: Option<u64>) -> ErrorDetail {
    let message = || {
        b.messages
            .first()
            .map(|(m, _)| m.clone())
            .or_else(|| b.message.clone())
            .unwrap_or_else(|| format!("HTTP {status}"))
    };
    let kind = b.kind.as_deref().unwrap_or_default();
    let error = match status {
        // 401: the access token (expired every 30 minutes, "TokenExpired:
        // …"): refresh and retry. 403: the firm took the app's access away
        // ("AuthorizationUnsuccessful"): disconnected.
        401 => AdapterError::AccessTokenExpired { message: message() },
        403 => AdapterError::Authentication { message: message() },
        404 => AdapterError::NotFound {
            id: ContactId::new(id.or(b.first_id.as_deref()).unwrap_or_default()),
        },
        429 => AdapterError::RateLimited {
            retry_after_secs: retry_after_secs.unwrap_or(RATE_LIMIT_WINDOW_SECS),
        },
        408 | 500..=599 => AdapterError::Transient { message: message() },
        _ if kind == "ObjectNotFoundException" => AdapterError::NotFound {
            id: ContactId::new(id.or(b.first_id.as_deref()).unwrap_or_default()),
        },
        _ if kind == "UnauthorisedException" => AdapterError::Authentication { message: message() },
        _ => {
            let dup = b.messages.iter().find_map(|(m, name)| {
                duplicate_name(m).map(|n| {
                    if n.is_empty() {
                        name.clone().unwrap_or_default()
                    } else {
                        n.to_owned()
                    }
                })
            });
            match dup {
                Some(name) => AdapterError::DuplicateName { name },
                None => AdapterError::Validation {
                    code: b.number.map(|n| n.to_string()),
                    message: message(),
                },
            }
        }
    };
    ErrorDetail {
        error,
        items: b.items,
    }
}

/// The typed error for an HTTP status and body (any body: JSON, text,
/// nothing).
pub(super) fn decode(
    status: u16,
    body: &[u8],
    retry_after_secs: Option<u64>,
    id: Option<&str>,
) -> ErrorDetail {
    let b = parse(body).unwrap_or_else(|_| Body {
        number: None,
        kind: None,
        message: body_text(body),
        items: Vec::new(),
        messages: Vec::new(),
        first_id: None,
        status: None,
    });
    from_body(status, b, id, retry_after_secs)
}

/// An error body read without its HTTP status: a problem body's `Status`,
/// else 400 (Xero's status for its `…Exception` bodies).
pub(super) fn decode_body(body: &[u8]) -> Result<ErrorDetail, WireError> {
    let b = parse(body)?;
    let status = b.status.unwrap_or(400);
    Ok(from_body(status, b, None, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_names_are_found_in_any_case() {
        assert_eq!(
            duplicate_name(
                "The contact name Buzz Lightyear is already assigned to another contact. The contact name must be unique across all active contacts."
            ),
            Some("Buzz Lightyear")
        );
        assert_eq!(
            duplicate_name("the CONTACT NAME Ä & B is already assigned to another contact"),
            Some("Ä & B")
        );
        assert_eq!(duplicate_name("Invoice # must be unique."), None);
    }

    #[test]
    fn statuses_decide_first() {
        let e = decode(429, b"", Some(7), None).error;
        assert_eq!(
            e,
            AdapterError::RateLimited {
                retry_after_secs: 7
            }
        );
        let e = decode(429, b"{}", None, None).error;
        assert_eq!(
            e,
            AdapterError::RateLimited {
                retry_after_secs: 60
            }
        );
        let e = decode(503, b"Service Unavailable", None, None).error;
        assert_eq!(
            e,
            AdapterError::Transient {
                message: "Service Unavailable".into()
            }
        );
        let e = decode(
            404,
            b"The resource you're looking for cannot be found",
            None,
            Some("abc"),
        )
        .error;
        assert_eq!(e, AdapterError::NotFound { id: "abc".into() });
        let e = decode(
            401,
            br#"{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"AuthenticationUnsuccessful"}"#,
            None,
            None,
        )
        .error;
        assert_eq!(
            e,
            AdapterError::AccessTokenExpired {
                message: "AuthenticationUnsuccessful".into()
            }
        );
    }
}
