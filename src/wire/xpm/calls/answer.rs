//! One answer of XPM, read once: an HTTP failure, an `ERROR` inside a
//! 2xx, a body that is not XPM's XML, or the records it holds.

use std::collections::BTreeSet;

use crate::model::{Contact, ContactId};
use crate::ports::AdapterError;
use crate::wire::{Limits, Response, WireError};

use super::super::decode::{Document, Expect, is_response, parse};
use super::super::{decode_error_with_retry_after, error_from_description};

/// What an `OK` answer held.
#[derive(Debug)]
pub(super) struct Answer {
    doc: Document,
}

impl Answer {
    /// Reads `answer`; the people of a contacts answer are linked to
    /// `client` when given.
    pub(super) fn read(
        answer: &Response<'_>,
        client: Option<&ContactId>,
        limits: &Limits,
    ) -> Result<Self, AdapterError> {
        if !answer.is_success() {
            return Err(http_error(answer));
        }
        if !is_response(answer.body) {
            return Err(transient(&format!(
                "HTTP {} with a body that is not XPM's XML <Response>: {}",
                answer.status,
                snippet(answer.body)
            )));
        }
        let doc = parse(answer.body, Expect::Response, client, limits).map_err(unreadable)?;
        match doc.status.as_deref() {
            // XPM always sends a status; without one the body is read as
            // the decoder reads it.
            None => {}
            Some(s) if s.eq_ignore_ascii_case("OK") => {}
            Some(s) if s.eq_ignore_ascii_case("ERROR") => {
                return Err(error_from_description(
                    doc.error_description.as_deref().unwrap_or_default(),
                ));
            }
            Some(s) => {
                return Err(transient(&format!(
                    "an answer whose Status is `{}`, neither OK nor ERROR",
                    super::shown(s)
                )));
            }
        }
        Ok(Self { doc })
    }

    /// Every record: the clients, then the people.
    pub(super) fn records(self) -> Vec<Contact> {
        let mut out = self.doc.clients;
        out.extend(self.doc.people);
        out
    }

    /// The first client, else the first person.
    pub(super) fn first(self) -> Option<Contact> {
        let Document {
            clients, people, ..
        } = self.doc;
        clients
            .into_iter()
            .next()
            .or_else(|| people.into_iter().next())
    }

    /// The record `id`, else the first one (an answer may carry an older
    /// id form than the one asked for).
    pub(super) fn record(self, id: &ContactId) -> Option<Contact> {
        let Document {
            clients, people, ..
        } = self.doc;
        let mut all = clients.into_iter().chain(people);
        let mut first = None;
        for c in all.by_ref() {
            if c.id == *id {
                return Some(c);
            }
            if first.is_none() {
                first = Some(c);
            }
        }
        first
    }

    /// Whether the answer holds a client.
    pub(super) fn has_client(&self) -> bool {
        !self.doc.clients.is_empty()
    }

    /// The ids of the people the answer holds.
    pub(super) fn people_ids(&self) -> BTreeSet<ContactId> {
        self.doc.people.iter().map(|p| p.id.clone()).collect()
    }
}

/// A failure worth retrying, named as XPM's.
pub(super) fn transient(what: &str) -> AdapterError {
    AdapterError::Transient {
        message: format!("Xero Practice Manager: {what}"),
    }
}

/// A 2xx body the decoder could not read: the call may have taken effect
/// and its answer is lost (transient), unless it went past the decoder's
/// limits, which a retry would meet again.
fn unreadable(e: WireError) -> AdapterError {
    match e {
        WireError::TooLarge { .. } => AdapterError::Validation {
            code: None,
            message: format!("{e} (raise the limits with xpm::Calls::with_limits)"),
        },
        other => AdapterError::Transient {
            message: other.to_string(),
        },
    }
}

/// A non-2xx answer: XPM's own mapping, with the wait of a 429 taken from
/// `Retry-After` in either form, and a body that is not XPM's XML (the
/// gateway's JSON, an HTML page) named as such.
fn http_error(answer: &Response<'_>) -> AdapterError {
    let retry = answer.retry_after_secs().map(|s| s.to_string());
    let err = decode_error_with_retry_after(answer.status, retry.as_deref(), answer.body);
    if is_response(answer.body) || answer.body.iter().all(u8::is_ascii_whitespace) {
        return err;
    }
    let named = |message: String| {
        format!(
            "Xero Practice Manager answered HTTP {} in another format than its XML: {message}",
            answer.status
        )
    };
    match err {
        AdapterError::Transient { message } => AdapterError::Transient {
            message: named(message),
        },
        AdapterError::Authentication { message } => AdapterError::Authentication {
            message: named(message),
        },
        AdapterError::AccessTokenExpired { message } => AdapterError::AccessTokenExpired {
            message: named(message),
        },
        AdapterError::Validation { code, message } => AdapterError::Validation {
            code,
            message: named(message),
        },
        other => other,
    }
}

/// At most 200 printable characters of a body.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let s: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    s.trim().to_owned()
}
