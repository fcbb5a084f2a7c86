//! [`Update`]: an XPM update as a short sans-IO sequence — read the record
//! when the patch does not say what it is or what it is called, then
//! write it.

use crate::model::{Contact, ContactId};
use crate::ports::AdapterError;
use crate::sync::{FieldPatch, FieldValue, SyncField};
use crate::wire::{Request, Response};

use super::Calls;
use super::answer::{Answer, transient};
use crate::wire::xpm::{encode_client_contact_update, encode_client_update};

/// The most requests one update sends: a client read, a contact read, the
/// write.
const MAX_REQUESTS: u8 = 3;

/// Which record the id is, as far as known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Client,
    Contact,
    /// The patch fits both: a client first, then a contact.
    Either,
}

/// The request outstanding.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// `GET client.api/get/[uuid]` for the name; a contact read next when
    /// no such client exists and `or_contact`.
    GetClient { or_contact: bool },
    /// `GET client.api/contact/[uuid]` for the name.
    GetContact,
    /// `PUT client.api/update`; a contact write next when no such client
    /// exists and `or_contact`.
    PutClient { name: String, or_contact: bool },
    /// `PUT client.api/contact/[uuid]`.
    PutContact { name: String },
    /// The record as stored.
    Done(Box<Contact>),
}

/// An update of one XPM record: [`next_request`](Self::next_request) gives
/// the request to send (`None` once done), [`read`](Self::read) takes its
/// answer, [`finish`](Self::finish) gives the record as stored. At most
/// three requests; which ones, and why: [Writes](super#writes).
///
/// After an error from [`read`](Self::read) (a 429, a 5xx) the same request
/// is outstanding: send it again when the wait is over, or drop the update.
/// A "not found" answer to the client request of a patch that fits both
/// kinds moves on to the contact request instead of failing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    calls: Calls,
    id: ContactId,
    patch: FieldPatch,
    step: Step,
    sent: u8,
}

impl Update {
    pub(super) fn new(
        calls: Calls,
        id: &ContactId,
        patch: &FieldPatch,
    ) -> Result<Self, AdapterError> {
        let kind = kind_of(id, patch)?;
        let name = new_name(patch);
        let step = match (kind, name) {
            (Kind::Client, Some(name)) => Step::PutClient {
                name,
                or_contact: false,
            },
            (Kind::Either, Some(name)) => Step::PutClient {
                name,
                or_contact: true,
            },
            (Kind::Contact, Some(name)) => Step::PutContact { name },
            (Kind::Client, None) => Step::GetClient { or_contact: false },
            (Kind::Either, None) => Step::GetClient { or_contact: true },
            (Kind::Contact, None) => Step::GetContact,
        };
        Ok(Self {
            calls,
            id: id.clone(),
            patch: patch.clone(),
            step,
            sent: 0,
        })
    }

    /// The request to send now, `None` once the record is written. Asking
    /// again before [`read`](Self::read) gives the same request.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when the encoder refuses the write
    /// (with the name read from XPM); [`AdapterError::Transient`] past
    /// three requests (never with XPM's documented answers).
    pub fn next_request(&mut self) -> Result<Option<Request>, AdapterError> {
        if matches!(self.step, Step::Done(_)) {
            return Ok(None);
        }
        if self.sent >= MAX_REQUESTS {
            return Err(transient(
                "an update that did not end within three requests",
            ));
        }
        let id = &self.id;
        let request = match &self.step {
            Step::GetClient { .. } => self.calls.get_client(id)?,
            Step::GetContact => self.calls.get_contact(id)?,
            Step::PutClient { name, .. } => self.calls.put_client(id, Some(name), &self.patch)?,
            Step::PutContact { name } => self.calls.put_contact(id, Some(name), &self.patch)?,
            Step::Done(_) => return Ok(None),
        };
        Ok(Some(request))
    }

    /// Takes the answer to the request [`next_request`](Self::next_request)
    /// gave.
    ///
    /// # Errors
    /// The answer's [`AdapterError`] (the request stays outstanding), but
    /// for a "not found" that moves on to the contact request;
    /// [`AdapterError::Transient`] for an `OK` without the record;
    /// [`AdapterError::Validation`] when the update is already done.
    pub fn read(&mut self, answer: &Response<'_>) -> Result<(), AdapterError> {
        let limits = self.calls.limits;
        let outcome = Answer::read(answer, None, &limits);
        let next = match (&self.step, outcome) {
            (Step::Done(_), _) => {
                return Err(AdapterError::Validation {
                    code: None,
                    message: "no XPM request is outstanding: the update is done".into(),
                });
            }
            (Step::GetClient { or_contact: true }, Err(AdapterError::NotFound { .. })) => {
                Step::GetContact
            }
            (
                Step::PutClient {
                    name,
                    or_contact: true,
                },
                Err(AdapterError::NotFound { .. }),
            ) => Step::PutContact { name: name.clone() },
            (_, Err(e)) => return Err(e),
            (Step::GetClient { .. } | Step::GetContact, Ok(doc)) => {
                let contact = matches!(self.step, Step::GetContact);
                let current = doc
                    .record(&self.id)
                    .ok_or_else(|| transient("an OK answer to a read without the record"))?;
                let name = current.label();
                if contact {
                    Step::PutContact { name }
                } else {
                    Step::PutClient {
                        name,
                        or_contact: false,
                    }
                }
            }
            (Step::PutClient { .. } | Step::PutContact { .. }, Ok(doc)) => {
                let stored = doc
                    .record(&self.id)
                    .ok_or_else(|| transient("an OK answer to an update without the record"))?;
                Step::Done(Box::new(stored))
            }
        };
        self.sent = self.sent.saturating_add(1);
        self.step = next;
        Ok(())
    }

    /// Whether the record is written.
    #[must_use]
    pub const fn is_done(&self) -> bool {
        matches!(self.step, Step::Done(_))
    }

    /// The record as stored.
    ///
    /// # Errors
    /// [`AdapterError::Transient`] when the sequence did not reach its
    /// write's answer (nothing, or not everything, was read back).
    pub fn finish(self) -> Result<Contact, AdapterError> {
        match self.step {
            Step::Done(c) => Ok(*c),
            _ => Err(transient("the update ended before XPM answered its write")),
        }
    }
}

/// What the encoders say the patch can be: a client's, a contact's, or
/// either (email, phone, name only). Checked with a placeholder name, so
/// that a patch no record could take is refused before anything is sent.
fn kind_of(id: &ContactId, patch: &FieldPatch) -> Result<Kind, AdapterError> {
    const PLACEHOLDER: Option<&str> = Some("-");
    let client = encode_client_update(id, PLACEHOLDER, patch);
    let contact = encode_client_contact_update(id, PLACEHOLDER, patch);
    match (client, contact) {
        (Ok(_), Ok(_)) => Ok(Kind::Either),
        (Ok(_), Err(_)) => Ok(Kind::Client),
        (Err(_), Ok(_)) => Ok(Kind::Contact),
        (Err(e), Err(_)) => Err(e.into_refusal()),
    }
}

/// The name the patch gives the record, if it renames it.
fn new_name(patch: &FieldPatch) -> Option<String> {
    patch.changes.iter().find_map(|c| match (&c.field, &c.new) {
        (SyncField::Name, Some(FieldValue::Name(n))) if !n.display.trim().is_empty() => {
            Some(n.display.clone())
        }
        _ => None,
    })
}
