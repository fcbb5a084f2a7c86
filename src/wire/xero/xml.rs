//! Xero's XML answers. Without `Accept: application/json` Xero answers in
//! XML: data under a `<Response>` envelope (`Id`, `Status`,
//! `ProviderName`, `DateTimeUTC`), errors as an `<ApiException>`. The
//! codec reads Xero's JSON; an XML answer of data is refused as *Xero*
//! XML (never left for the XPM reader, whose answers share the
//! `<Response>` root), and an XML error body is read for its number, type
//! and messages.

use crate::wire::sniff::{XeroXml, xero_collection, xero_xml};
use crate::wire::{Profile, WireError};

/// The text of each `<tag>…</tag>` in `xml`, with its offset, in order.
/// Elements are not nested in themselves in Xero's error bodies, so a
/// plain scan is enough; entities are the five predefined ones.
fn texts<'a>(xml: &'a str, tag: &str) -> impl Iterator<Item = (usize, String)> + 'a {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut from = 0;
    std::iter::from_fn(move || {
        let start = from + xml.get(from..)?.find(&open)? + open.len();
        let len = xml.get(start..)?.find(&close)?;
        from = start + len + close.len();
        Some((start, unescape(xml.get(start..start + len)?)))
    })
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
        .trim()
        .to_owned()
}

/// What an `<ApiException>` says.
pub(super) struct Exception {
    pub(super) number: Option<u64>,
    pub(super) kind: Option<String>,
    /// The exception's own message (the first `Message` before `Elements`).
    pub(super) message: Option<String>,
    /// The validation messages, in order.
    pub(super) messages: Vec<String>,
}

/// Reads an `<ApiException>`; `None` for anything else.
pub(super) fn exception(body: &[u8]) -> Option<Exception> {
    if xero_xml(body) != Some(XeroXml::Exception) {
        return None;
    }
    let xml = std::str::from_utf8(body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)).ok()?;
    // A cut body is not read as a whole one.
    if !xml.trim_end().ends_with("ApiException>") {
        return None;
    }
    let elements_at = xml.find("<Elements>").unwrap_or(xml.len());
    let number = texts(xml, "ErrorNumber")
        .next()
        .and_then(|(_, n)| n.parse().ok());
    let kind = texts(xml, "Type").next().map(|(_, t)| t);
    let mut message = None;
    let mut messages = Vec::new();
    for (at, m) in texts(xml, "Message") {
        if m.is_empty() {
            continue;
        }
        if at < elements_at && message.is_none() {
            message = Some(m);
        } else {
            messages.push(m);
        }
    }
    Some(Exception {
        number,
        kind,
        message,
        messages,
    })
}

/// The refusal of a Xero XML answer of data, naming what it held.
pub(super) fn refusal(bytes: &[u8]) -> WireError {
    let what = xero_collection(bytes).map_or_else(String::new, |c| format!(" of `{c}`"));
    WireError::Unsupported {
        provider: Some(Profile::XeroGl),
        detail: format!(
            "a Xero XML answer{what}: the codec reads Xero's JSON (send `Accept: application/json`)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exception_is_read() {
        let body = b"<ApiException xmlns:xsi=\"x\"><ErrorNumber>10</ErrorNumber><Type>ValidationException</Type><Message>A validation exception occurred</Message><Elements><DataContractBase xsi:type=\"Contact\"><ValidationErrors><ValidationError><Message>The contact name A &amp; B is already assigned to another contact.</Message></ValidationError></ValidationErrors><Name>A &amp; B</Name></DataContractBase></Elements></ApiException>";
        let e = exception(body).expect("an exception");
        assert_eq!(e.number, Some(10));
        assert_eq!(e.kind.as_deref(), Some("ValidationException"));
        assert_eq!(
            e.message.as_deref(),
            Some("A validation exception occurred")
        );
        assert_eq!(
            e.messages,
            ["The contact name A & B is already assigned to another contact."]
        );
        assert!(exception(b"<Response/>").is_none());
        assert!(exception(b"<ApiException><Message>cut").is_none());
    }
}
