//! A cheap look at an XML document's root and first children, shared by
//! the codecs that must tell each other's XML apart: Xero's accounting API
//! answers in XML when a request does not ask for JSON, under a
//! `<Response>` root like XPM's (or an `<ApiException>` for an error), and
//! must never be read as an XPM answer.

/// What an XML document from Xero's accounting API is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum XeroXml {
    /// `<ApiException>`: an error body.
    Exception,
    /// `<Response>` with Xero's envelope (`Id`, `ProviderName`,
    /// `DateTimeUTC`): an answer of data.
    Response,
}

/// How far into a document the envelope is looked for: Xero writes it
/// first, before any record.
const ENVELOPE_WINDOW: usize = 4096;

/// Skips a byte-order mark, whitespace, the XML declaration, comments,
/// processing instructions and a doctype: the offset of the root's `<`.
fn root_start(bytes: &[u8]) -> Option<usize> {
    let mut i = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    // Each round skips one prolog item; bounded by the input's length.
    for _ in 0..bytes.len() {
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let rest = bytes.get(i..)?;
        let end_of = |close: &[u8]| {
            rest.windows(close.len())
                .position(|w| w == close)
                .map(|p| i + p + close.len())
        };
        if rest.starts_with(b"<?") {
            i = end_of(b"?>")?;
        } else if rest.starts_with(b"<!--") {
            i = end_of(b"-->")?;
        } else if rest.starts_with(b"<!") {
            i = end_of(b">")?;
        } else if rest.starts_with(b"<") {
            return Some(i);
        } else {
            return None;
        }
    }
    None
}

/// The local name (any prefix dropped) of the root element.
pub(crate) fn xml_root(bytes: &[u8]) -> Option<&[u8]> {
    let at = root_start(bytes)? + 1;
    let rest = bytes.get(at..)?;
    let len = rest
        .iter()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
        .unwrap_or(rest.len());
    let name = rest.get(..len)?;
    let local = match name.iter().rposition(|&b| b == b':') {
        Some(p) => name.get(p + 1..)?,
        None => name,
    };
    (!local.is_empty()).then_some(local)
}

/// Whether `bytes` are an XML document of Xero's accounting API.
pub(crate) fn xero_xml(bytes: &[u8]) -> Option<XeroXml> {
    match xml_root(bytes)? {
        b"ApiException" => Some(XeroXml::Exception),
        b"Response" => {
            let head = bytes.get(..bytes.len().min(ENVELOPE_WINDOW))?;
            let has = |tag: &[u8]| head.windows(tag.len()).any(|w| w == tag);
            (has(b"<ProviderName>") || has(b"<DateTimeUTC>")).then_some(XeroXml::Response)
        }
        _ => None,
    }
}

/// The name of the first element after Xero's envelope in a `<Response>`
/// (`Contacts`, `Invoices`…), for messages; `None` when there is none.
#[cfg(feature = "xero")]
pub(crate) fn xero_collection(bytes: &[u8]) -> Option<String> {
    let head = bytes.get(..bytes.len().min(ENVELOPE_WINDOW))?;
    let after = head
        .windows(b"</DateTimeUTC>".len())
        .position(|w| w == b"</DateTimeUTC>")?
        + b"</DateTimeUTC>".len();
    let rest = head.get(after..)?;
    let open = rest.iter().position(|&b| b == b'<')? + 1;
    let rest = rest.get(open..)?;
    let len = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .unwrap_or(rest.len());
    let name = std::str::from_utf8(rest.get(..len)?).ok()?;
    (!name.is_empty()).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_and_envelopes() {
        assert_eq!(
            xml_root(b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c --><x:Response a=\"1\">"),
            Some(&b"Response"[..])
        );
        assert_eq!(xml_root(b"{\"a\":1}"), None);
        assert_eq!(xml_root(b"<"), None);
        assert_eq!(xml_root(b"<?xml"), None);
        let xero = b"<Response xmlns:xsi=\"x\"><Id>1</Id><Status>OK</Status><ProviderName>p</ProviderName><DateTimeUTC>2020-01-01T00:00:00</DateTimeUTC><Contacts><Contact/></Contacts></Response>";
        assert_eq!(xero_xml(xero), Some(XeroXml::Response));
        #[cfg(feature = "xero")]
        assert_eq!(xero_collection(xero).as_deref(), Some("Contacts"));
        assert_eq!(
            xero_xml(b"<Response><Status>OK</Status><Clients/></Response>"),
            None
        );
        assert_eq!(
            xero_xml(b"<ApiException><ErrorNumber>10</ErrorNumber></ApiException>"),
            Some(XeroXml::Exception)
        );
    }
}
