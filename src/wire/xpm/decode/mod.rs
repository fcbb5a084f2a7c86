//! The XML reader: one pass over quick-xml's pull events, building model
//! records directly from the elements the model keeps. Element names are
//! matched on their local part (any namespace prefix is ignored), unknown
//! elements and attributes are skipped.
//!
//! - `reader`: the XML itself — bytes to events, references, what may
//!   stand outside the root — and sniffing a response's root.
//! - `parser`: where each element stands (response, client, contact,
//!   group) and which text is kept; the limits on records, items and field
//!   sizes; the paths that errors name.
//! - `tag`: the element names the parser knows.
//! - `record`: what a client's or contact's elements become in the model,
//!   and one person record per contact, linked to each client listing it.
//!
//! This file holds what they share: the caller's [`Expect`], the resulting
//! [`Document`] and the two kinds of [`WireError`] a document can be.

mod parser;
mod reader;
mod record;
mod tag;

use crate::model::Contact;
use crate::wire::{Profile, WireError};

pub(super) use reader::{is_response, parse};

/// Which document roots a caller accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    /// `<Response>`: what XPM answers.
    Response,
    /// `<Client>`: an add / update / archive request body.
    ClientBody,
    /// `<Contacts>` or `<Contact>`: a contacts add / contact update body.
    ContactsBody,
}

/// What one document held.
#[derive(Debug, Default)]
pub(super) struct Document {
    /// `Response/Status`, trimmed.
    pub(super) status: Option<String>,
    /// `Response/ErrorDescription`, trimmed.
    pub(super) error_description: Option<String>,
    /// Whether the response held a `Clients` list or a single `Client`.
    pub(super) listed: bool,
    /// The clients, in document order.
    pub(super) clients: Vec<Contact>,
    /// Their contacts as people, in order of first appearance, one record
    /// per contact UUID.
    pub(super) people: Vec<Contact>,
    /// `Pagination/Links/Next`, trimmed, when not empty.
    pub(super) next_page: Option<String>,
}

/// The document is not well-formed XML (or not XML XPM could send).
fn syntax(detail: impl Into<String>) -> WireError {
    WireError::Syntax {
        provider: Profile::Xpm,
        detail: detail.into(),
    }
}

/// The XML is fine but an element at `path` is not what XPM sends.
fn shape(path: impl Into<String>, detail: impl Into<String>) -> WireError {
    WireError::Shape {
        provider: Profile::Xpm,
        path: path.into(),
        detail: detail.into(),
    }
}
