//! The HTTP vocabulary of the call codecs: a [`Request`] to send and a
//! [`Response`] to read, as plain data. Nothing here opens a connection;
//! the adapter hands the request to whatever HTTP client it uses and the
//! answer back to the codec.
//!
//! A request carries everything but the credentials: the adapter adds
//! `Authorization: Bearer <access token>` itself (the codecs never see a
//! secret), joins [`Request::path_and_query`] to the API base, and sends
//! [`Request::headers`] and [`Request::body`] as they are.

use std::fmt;

use chrono::{DateTime, Utc};

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "UPPERCASE"))]
pub enum Method {
    /// `GET`: listings and reads.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
}

impl Method {
    /// `"GET"`, `"POST"` or `"PUT"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One call to send: method, path below the provider's API base, query
/// parameters, headers and body.
///
/// Built by the providers' call codecs (`xero::Calls`, `qbo::Calls`, …)
/// with every header the ledger needs except `Authorization`, and by the
/// older `encode_action` functions (which fill the method, path, body and
/// idempotency key only).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The path below the API base, without a leading `/` (`Contacts`,
    /// `client.api/add`, `query`), already percent-encoded where it holds
    /// an id.
    pub path: String,
    /// The query parameters, in order, **not** percent-encoded
    /// ([`path_and_query`](Self::path_and_query) encodes them).
    pub query: Vec<(String, String)>,
    /// The headers to send, in order (`Accept`, `Content-Type`,
    /// `xero-tenant-id`, `Idempotency-Key`, `If-Modified-Since`, …).
    pub headers: Vec<(String, String)>,
    /// The body (JSON or XML, as the provider takes it); empty for `GET`.
    pub body: String,
    /// The idempotency key the request carries, when there is one (Xero:
    /// also in the `Idempotency-Key` header; QBO: the `requestid` query
    /// parameter; XPM and QuickBooks Time have none: the adapter keeps the
    /// key itself).
    pub idempotency_key: Option<String>,
}

impl Request {
    /// A request with no query, headers, body or key.
    #[must_use]
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: String::new(),
            idempotency_key: None,
        }
    }

    /// Adds a query parameter (unencoded).
    #[must_use]
    pub fn with_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    /// The value of header `name` (compared without regard to case), the
    /// first when there are several.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The value of query parameter `name` (exact), the first when there
    /// are several.
    #[must_use]
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path and the percent-encoded query, as it follows the API base:
    /// `Contacts?page=2&includeArchived=true`.
    #[must_use]
    pub fn path_and_query(&self) -> String {
        let mut out = self.path.clone();
        for (i, (k, v)) in self.query.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            percent_encode_into(&mut out, k);
            out.push('=');
            percent_encode_into(&mut out, v);
        }
        out
    }

    /// The full URL below `base` (with or without a trailing `/`).
    #[must_use]
    pub fn url(&self, base: &str) -> String {
        let mut out = base.trim_end_matches('/').to_owned();
        out.push('/');
        out.push_str(&self.path_and_query());
        out
    }
}

/// An answer to read: the status, the headers the reader needs and the
/// body, as the HTTP client received them.
///
/// ```
/// use ledgerlink::wire::Response;
///
/// let answer = Response::new(429, b"")
///     .with_header("Retry-After", "30")
///     .with_header("Date", "Sun, 06 Dec 2026 10:00:00 GMT");
/// assert_eq!(answer.retry_after_secs(), Some(30));
/// assert!(!answer.is_success());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The headers, as received (names in any case). Readers use
    /// `Retry-After`, `Date` and `Content-Type`; passing every header is
    /// fine.
    pub headers: Vec<(String, String)>,
    /// The body, as received.
    pub body: &'a [u8],
}

impl<'a> Response<'a> {
    /// An answer with no headers.
    #[must_use]
    pub const fn new(status: u16, body: &'a [u8]) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body,
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The value of header `name` (compared without regard to case).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Whether the status is 2xx.
    #[must_use]
    pub const fn is_success(&self) -> bool {
        self.status >= 200 && self.status < 300
    }

    /// The server's own clock: the `Date` header (RFC 9110 `IMF-fixdate`,
    /// or the RFC 2822 forms some servers send). Change feeds take their
    /// cursors from it, never from the client's clock.
    #[must_use]
    pub fn date(&self) -> Option<DateTime<Utc>> {
        parse_http_date(self.header("Date")?)
    }

    /// The `Retry-After` header in seconds: delay-seconds as sent, or an
    /// HTTP date measured from the answer's own `Date` (time is never read
    /// from the machine's clock); `None` when absent or unreadable.
    #[must_use]
    pub fn retry_after_secs(&self) -> Option<u64> {
        let raw = self.header("Retry-After")?.trim();
        if let Ok(secs) = raw.parse::<u64>() {
            return Some(secs);
        }
        let at = parse_http_date(raw)?;
        let now = self.date()?;
        let secs = (at - now).num_seconds();
        Some(u64::try_from(secs).unwrap_or(0))
    }
}

fn find_header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Reads an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`; RFC 2822 forms
/// with a numeric zone too).
#[must_use]
pub fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Formats a time as an HTTP date (`IMF-fixdate`, always GMT), as
/// `If-Modified-Since` takes it.
#[must_use]
pub fn format_http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Percent-encodes `value` into `out`: RFC 3986 unreserved characters are
/// kept, every other byte is `%XX`.
pub(crate) fn percent_encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// `value`, percent-encoded for a path segment or a query value.
#[must_use]
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    percent_encode_into(&mut out, value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn queries_are_percent_encoded_in_order() {
        let r = Request::new(Method::Get, "query")
            .with_query(
                "query",
                "select * from Customer where Active in (true,false)",
            )
            .with_query("minorversion", "75");
        assert_eq!(
            r.path_and_query(),
            "query?query=select%20%2A%20from%20Customer%20where%20Active%20in%20%28true%2Cfalse%29&minorversion=75"
        );
        assert_eq!(
            r.url("https://example.test/v3/company/1/"),
            "https://example.test/v3/company/1/query?query=select%20%2A%20from%20Customer%20where%20Active%20in%20%28true%2Cfalse%29&minorversion=75"
        );
        assert_eq!(r.query_value("minorversion"), Some("75"));
        assert_eq!(
            Request::new(Method::Get, "Contacts").path_and_query(),
            "Contacts"
        );
    }

    #[test]
    fn headers_are_found_without_regard_to_case() {
        let r = Request::new(Method::Put, "Contacts").with_header("Idempotency-Key", "k");
        assert_eq!(r.header("idempotency-key"), Some("k"));
        assert_eq!(r.header("Accept"), None);
        let a = Response::new(200, b"{}").with_header("content-type", "application/json");
        assert_eq!(a.header("Content-Type"), Some("application/json"));
        assert!(a.is_success());
        assert!(!Response::new(199, b"").is_success());
        assert!(!Response::new(300, b"").is_success());
    }

    #[test]
    fn http_dates_round_trip_and_retry_after_reads_both_forms() {
        let at = Utc.with_ymd_and_hms(2026, 12, 6, 10, 0, 0).single();
        let Some(at) = at else { panic!("valid date") };
        let s = format_http_date(at);
        assert_eq!(s, "Sun, 06 Dec 2026 10:00:00 GMT");
        assert_eq!(parse_http_date(&s), Some(at));
        assert_eq!(parse_http_date("yesterday"), None);

        let a = Response::new(503, b"")
            .with_header("Date", "Sun, 06 Dec 2026 10:00:00 GMT")
            .with_header("Retry-After", "Sun, 06 Dec 2026 10:01:30 GMT");
        assert_eq!(a.date(), Some(at));
        assert_eq!(a.retry_after_secs(), Some(90));
        // A date in the past waits for nothing; without the server's Date
        // there is nothing to measure from.
        let past = Response::new(503, b"")
            .with_header("Date", "Sun, 06 Dec 2026 10:00:00 GMT")
            .with_header("Retry-After", "Sun, 06 Dec 2026 09:00:00 GMT");
        assert_eq!(past.retry_after_secs(), Some(0));
        let no_date =
            Response::new(503, b"").with_header("Retry-After", "Sun, 06 Dec 2026 10:01:30 GMT");
        assert_eq!(no_date.retry_after_secs(), None);
        assert_eq!(
            Response::new(429, b"")
                .with_header("retry-after", " 7 ")
                .retry_after_secs(),
            Some(7)
        );
        assert_eq!(
            Response::new(429, b"")
                .with_header("Retry-After", "soon")
                .retry_after_secs(),
            None
        );
    }

    #[test]
    fn percent_encoding_keeps_unreserved_and_encodes_utf8() {
        assert_eq!(percent_encode("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(percent_encode("é /"), "%C3%A9%20%2F");
    }
}
