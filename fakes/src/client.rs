//! A minimal blocking HTTP/1.1 client for tests that have none of their
//! own: one request, on a runtime of its own, `http://` URLs only. The
//! reference adapters bring their own client; this is for the fakes' own
//! tests and for codec tests that only need bytes in and out.

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

use crate::server::FakeError;

/// What a server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The headers in order, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// The first value of header `name` (any case).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy UTF-8).
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request to `url` (`http://host:port/path?query`, already
/// percent-encoded) and waits for the answer. Must not be called from
/// inside an async runtime's worker (it blocks on a runtime of its own).
///
/// # Errors
/// [`FakeError::Webhook`] (the client's error kind) when the URL is not
/// `http://`, the connection fails, or the answer is not HTTP.
pub fn send(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Reply, FakeError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    runtime.block_on(send_async(method, url, headers, body.to_vec()))
}

fn failed(e: impl std::fmt::Display) -> FakeError {
    FakeError::Webhook(e.to_string())
}

/// [`send`] on the caller's tokio runtime.
///
/// # Errors
/// As [`send`].
pub async fn send_async(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> Result<Reply, FakeError> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| failed("only http:// URLs are sent to"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let stream = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(failed)?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(failed)?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", authority);
    for (k, v) in headers {
        request = request.header(k.as_str(), v.as_str());
    }
    let request = request.body(Full::new(Bytes::from(body))).map_err(failed)?;
    let answer = sender.send_request(request).await.map_err(failed)?;
    let status = answer.status().as_u16();
    let headers = answer
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = answer
        .into_body()
        .collect()
        .await
        .map_err(failed)?
        .to_bytes()
        .to_vec();
    Ok(Reply {
        status,
        headers,
        body,
    })
}
