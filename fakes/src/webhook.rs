//! Signed webhook deliveries, built and posted the way Xero and QBO send
//! them: the signature is HMAC-SHA256 over the exact body bytes, base64
//! encoded, in `x-xero-signature` (Xero, keyed with the app's webhook key)
//! or `intuit-signature` (QBO, keyed with the app's verifier token).
//! Computed here with the `hmac` and `sha2` crates, independently of
//! ledgerlink's verifier.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::server::{FakeError, post};

/// A delivery ready to post: the body and the headers (signature
/// included).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// The exact bytes that were signed.
    pub body: Vec<u8>,
    /// `content-type` and the signature header.
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for WebhookDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookDelivery")
            .field("body", &String::from_utf8_lossy(&self.body))
            .field("headers", &self.headers)
            .finish()
    }
}

impl WebhookDelivery {
    /// Signs `body` with `key` into header `header`.
    pub(crate) fn signed(header: &str, key: &[u8], body: Vec<u8>) -> Self {
        let signature = sign(key, &body);
        Self {
            body,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                (header.into(), signature),
            ],
        }
    }

    /// The signature header's value.
    #[must_use]
    pub fn signature(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.ends_with("-signature"))
            .map(|(_, v)| v.as_str())
    }

    /// The same delivery with a signature that does not match (as another
    /// app's key would give), to test refusals.
    #[must_use]
    pub fn with_wrong_signature(mut self) -> Self {
        for (k, v) in &mut self.headers {
            if k.ends_with("-signature") {
                *v = sign(b"not the key", &self.body);
            }
        }
        self
    }

    /// Posts the delivery to `url` (`http://127.0.0.1:port/path`, as the
    /// test's own receiver listens) on the caller's tokio runtime and
    /// returns the HTTP status it answered.
    ///
    /// # Errors
    /// [`FakeError::Webhook`] when no answer came (refused connection, an
    /// URL that is not `http://`).
    pub async fn post_to(&self, url: &str) -> Result<u16, FakeError> {
        post(url, &self.headers, self.body.clone()).await
    }
}

/// base64(HMAC-SHA256(key, body)).
#[must_use]
pub fn sign(key: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length: `new_from_slice` cannot fail for it.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(body);
            STANDARD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        // RFC 4231 test case 2.
        let sig = sign(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(sig, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
        let d = WebhookDelivery::signed("x-xero-signature", b"k", b"{}".to_vec());
        assert_eq!(d.signature(), Some(sign(b"k", b"{}").as_str()));
        assert_ne!(d.clone().with_wrong_signature().signature(), d.signature());
    }
}
