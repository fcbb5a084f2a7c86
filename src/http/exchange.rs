//! One HTTP exchange over reqwest: a built request sent, the whole answer
//! read, transport failures as adapter errors. Shared by the connection
//! and the token source.

use crate::ops::AdapterError;
use crate::wire::Response;

/// An answer as received: status, headers and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// Every header, as received.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// The answer as a codec reads it.
    #[must_use]
    pub fn response(&self) -> Response<'_> {
        Response {
            status: self.status,
            headers: self.headers.clone(),
            body: &self.body,
        }
    }
}

/// Sends a built request and reads the whole answer.
pub(super) async fn send(builder: reqwest::RequestBuilder) -> Result<Answer, AdapterError> {
    let answer = builder.send().await.map_err(transport)?;
    let status = answer.status().as_u16();
    let headers = answer
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    // Takes the buffer over when reqwest holds the only reference.
    let body = Vec::from(answer.bytes().await.map_err(transport)?);
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// A reqwest failure as the adapter error it stands for.
fn transport(e: reqwest::Error) -> AdapterError {
    if e.is_builder() {
        AdapterError::Validation {
            code: None,
            message: format!("the request cannot be sent: {e}"),
        }
    } else {
        AdapterError::Transient {
            message: format!("HTTP exchange failed: {e}"),
        }
    }
}
