//! The element state machine: which record is open (a client, one of its
//! contacts, a group, a bare contact of a contacts body), which text
//! element is being captured, what a finished text element fills in, and
//! when a record is finished — with the limits checked as records, items
//! and field text grow, and the path each error names. It sees elements
//! and text only; the [`reader`](super::reader) turns XML into those.

use std::borrow::Cow;

use crate::model::{Contact, ContactId};
use crate::wire::xpm::MAX_DEPTH;
use crate::wire::xpm::text::{is_xml_space, trim_cow};
use crate::wire::{Limit, Limits, Profile, WireError};

use super::record::{Fields, People, owned, yes_no};
use super::tag::Tag;
use super::{Document, Expect, shape, syntax};

/// The text of one element being read.
struct Capture<'a> {
    tag: Tag,
    depth: usize,
    text: Option<Cow<'a, str>>,
}

impl<'a> Capture<'a> {
    fn push(&mut self, piece: Cow<'a, str>) {
        self.text = Some(match self.text.take() {
            None => piece,
            Some(mut t) => {
                t.to_mut().push_str(&piece);
                t
            }
        });
    }

    fn push_char(&mut self, c: char) {
        let mut t = self.text.take().unwrap_or_default();
        t.to_mut().push(c);
        self.text = Some(t);
    }
}

/// A client or contact being read: where it opened, what it holds so far.
struct Open<'a> {
    depth: usize,
    fields: Fields<'a>,
}

/// The decoder's state between two of the reader's events.
pub(super) struct Parser<'a> {
    expect: Expect,
    /// The client of a bare contacts body.
    body_client: Option<&'a ContactId>,
    stack: Vec<Tag>,
    root_closed: bool,
    capture: Option<Capture<'a>>,
    client: Option<Open<'a>>,
    /// The open client's contacts, finished.
    client_people: Vec<Contact>,
    contact: Option<Open<'a>>,
    group_depth: Option<usize>,
    clients_seen: usize,
    contacts_seen: usize,
    /// The people read so far (the document's, at the end).
    people: People,
    limits: Limits,
    doc: Document,
}

impl<'a> Parser<'a> {
    /// A parser for a document with the given root; `body_client` is the
    /// client a bare contacts body belongs to.
    pub(super) fn new(expect: Expect, body_client: Option<&'a ContactId>, limits: &Limits) -> Self {
        Self {
            expect,
            body_client,
            stack: Vec::new(),
            root_closed: false,
            capture: None,
            client: None,
            client_people: Vec::new(),
            contact: None,
            group_depth: None,
            clients_seen: 0,
            contacts_seen: 0,
            people: People::default(),
            limits: *limits,
            doc: Document::default(),
        }
    }

    /// Whether no element is open: before the root or after it.
    pub(super) fn outside_root(&self) -> bool {
        self.stack.is_empty()
    }

    /// The document, once the input has ended: refused when an element
    /// is still open or there was no root.
    pub(super) fn finish(mut self) -> Result<Document, WireError> {
        if let Some(open) = self.stack.last() {
            return Err(syntax(format!(
                "the document ends inside <{}>",
                open.name()
            )));
        }
        if !self.root_closed {
            return Err(syntax("no root element"));
        }
        self.doc.people = self.people.into_vec();
        Ok(self.doc)
    }

    fn client_path(&self) -> String {
        match self.expect {
            Expect::Response if self.stack.contains(&Tag::Clients) => {
                format!("Clients[{}]", self.clients_seen)
            }
            _ => "Client".to_owned(),
        }
    }

    fn contact_path(&self) -> String {
        if self.client.is_some() {
            format!("{}.Contacts[{}]", self.client_path(), self.contacts_seen)
        } else if self.stack.first() == Some(&Tag::Contacts) {
            format!("Contacts[{}]", self.contacts_seen)
        } else {
            "Contact".to_owned()
        }
    }

    /// An element opens.
    pub(super) fn start(&mut self, tag: Tag) -> Result<(), WireError> {
        if self.root_closed {
            return Err(syntax("content after the root element"));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(shape(
                self.stack
                    .iter()
                    .map(|t| t.name())
                    .collect::<Vec<_>>()
                    .join("."),
                format!("elements nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let parent = self.stack.last().copied();
        self.stack.push(tag);
        let depth = self.stack.len();
        if let Some(c) = &self.capture {
            // An element inside a text element: the text element is not
            // one after all; its text is whatever stands directly in it.
            if depth > c.depth {
                return Ok(());
            }
        }
        if depth == 1 {
            return self.start_root(tag);
        }
        if let Some(open) = &self.contact {
            if depth == open.depth + 1 && tag.is_contact_leaf() {
                self.capture_text(tag, depth);
            }
            return Ok(());
        }
        if let Some(g) = self.group_depth {
            if depth == g + 1 && tag == Tag::Name {
                self.capture_text(tag, depth);
            }
            return Ok(());
        }
        if let Some(open) = &self.client {
            let rel = depth - open.depth;
            if rel == 1 && tag.is_client_leaf() {
                self.capture_text(tag, depth);
            } else if rel == 2 && tag == Tag::Contact && parent == Some(Tag::Contacts) {
                self.contact = Some(Open {
                    depth,
                    fields: Fields::default(),
                });
            } else if rel == 2 && tag == Tag::Group && parent == Some(Tag::Groups) {
                self.group_depth = Some(depth);
            }
            return Ok(());
        }
        match (self.expect, depth, tag) {
            (Expect::Response, 2, Tag::Status | Tag::ErrorDescription) => {
                self.capture_text(tag, depth);
            }
            (Expect::Response, 2, Tag::Clients) => self.doc.listed = true,
            (Expect::Response, 2, Tag::Client) => {
                self.doc.listed = true;
                self.open_client(depth);
            }
            (Expect::Response, 3, Tag::Client) if parent == Some(Tag::Clients) => {
                self.open_client(depth);
            }
            (Expect::Response, _, Tag::Next)
                if parent == Some(Tag::Links) && self.stack.contains(&Tag::Pagination) =>
            {
                self.capture_text(tag, depth);
            }
            // The answer of a contact endpoint (`client.api/contact`): one
            // contact, kept as a person. It does not make the answer a
            // listing (`decode_response` still refuses it); `xpm::Calls`
            // reads it from the document's people.
            (Expect::Response, 2, Tag::Contact) => {
                self.contact = Some(Open {
                    depth,
                    fields: Fields::default(),
                });
            }
            (Expect::ContactsBody, 2, Tag::Contact) => {
                self.contact = Some(Open {
                    depth,
                    fields: Fields::default(),
                });
            }
            _ => {}
        }
        Ok(())
    }

    fn start_root(&mut self, tag: Tag) -> Result<(), WireError> {
        match (self.expect, tag) {
            (Expect::Response, Tag::Response)
            | (Expect::ContactsBody, Tag::Contacts)
            | (Expect::ClientBody, Tag::Client) => {
                if tag == Tag::Client {
                    self.open_client(1);
                }
                Ok(())
            }
            (Expect::ContactsBody, Tag::Contact) => {
                self.contact = Some(Open {
                    depth: 1,
                    fields: Fields::default(),
                });
                Ok(())
            }
            (expect, _) => {
                let wanted = match expect {
                    Expect::Response => "<Response>",
                    Expect::ClientBody => "<Client>",
                    Expect::ContactsBody => "<Contacts> or <Contact>",
                };
                Err(shape(
                    "",
                    format!("the root element is <{}>, expected {wanted}", tag.name()),
                ))
            }
        }
    }

    fn open_client(&mut self, depth: usize) {
        self.client = Some(Open {
            depth,
            fields: Fields::default(),
        });
        self.client_people.clear();
        self.contacts_seen = 0;
    }

    fn capture_text(&mut self, tag: Tag, depth: usize) {
        self.capture = Some(Capture {
            tag,
            depth,
            text: None,
        });
    }

    /// The path of the text element being captured, for errors.
    fn capture_path(&self, tag: Tag) -> String {
        if self.contact.is_some() {
            format!("{}.{}", self.contact_path(), tag.name())
        } else if self.client.is_some() {
            format!("{}.{}", self.client_path(), tag.name())
        } else {
            format!("Response.{}", tag.name())
        }
    }

    /// The captured text, within [`Limits::max_field_bytes`].
    fn check_capture(&self) -> Result<(), WireError> {
        if let Some(c) = &self.capture {
            let len = c.text.as_ref().map_or(0, |t| t.len());
            self.limits
                .check(Profile::Xpm, Limit::FieldBytes, len, || {
                    self.capture_path(c.tag)
                })?;
        }
        Ok(())
    }

    /// Text (or CDATA) in the innermost open element.
    pub(super) fn text(&mut self, piece: Cow<'a, str>) -> Result<(), WireError> {
        let depth = self.stack.len();
        match &mut self.capture {
            Some(c) if c.depth == depth => {
                c.push(piece);
                return self.check_capture();
            }
            _ if depth == 0 && !piece.trim_matches(is_xml_space).is_empty() => {
                return Err(syntax("text outside the root element"));
            }
            _ => {}
        }
        Ok(())
    }

    /// The character a reference stands for, in the innermost open
    /// element.
    pub(super) fn text_char(&mut self, c: char) -> Result<(), WireError> {
        let depth = self.stack.len();
        if let Some(cap) = &mut self.capture
            && cap.depth == depth
        {
            cap.push_char(c);
            return self.check_capture();
        }
        Ok(())
    }

    /// The innermost open element closes (an empty element opens and closes).
    pub(super) fn end(&mut self) -> Result<(), WireError> {
        let depth = self.stack.len();
        if self.capture.as_ref().is_some_and(|c| c.depth == depth)
            && let Some(c) = self.capture.take()
        {
            self.assign(c.tag, c.text.map(trim_cow).filter(|t| !t.is_empty()))?;
        }
        if self.contact.as_ref().is_some_and(|o| o.depth == depth)
            && let Some(open) = self.contact.take()
        {
            let person = self.finish_contact(open.fields)?;
            if self.client.is_some() {
                self.limits.check(
                    Profile::Xpm,
                    Limit::ItemsPerRecord,
                    self.client_people.len() + 1,
                    || self.contact_path(),
                )?;
                self.contacts_seen += 1;
                self.client_people.push(person);
            } else {
                self.check_records(|| self.contact_path())?;
                self.contacts_seen += 1;
                if let Some(org) = self.body_client {
                    let mut person = person;
                    person.organization_ids.push(org.clone());
                    self.people.add(person);
                } else {
                    self.people.add(person);
                }
            }
        }
        if self.group_depth == Some(depth) {
            self.group_depth = None;
        }
        if self.client.as_ref().is_some_and(|o| o.depth == depth)
            && let Some(open) = self.client.take()
        {
            let client = self.finish_client(open.fields)?;
            self.check_records(|| self.client_path())?;
            self.clients_seen += 1;
            let people = std::mem::take(&mut self.client_people);
            for mut p in people {
                if !client.id.as_str().is_empty() {
                    p.organization_ids.push(client.id.clone());
                }
                if !self.people.knows(&p.id) {
                    self.check_records(|| self.client_path())?;
                }
                self.people.add(p);
            }
            self.doc.clients.push(client);
        }
        self.stack.pop();
        if self.stack.is_empty() {
            self.root_closed = true;
        }
        Ok(())
    }

    fn assign(&mut self, tag: Tag, value: Option<Cow<'a, str>>) -> Result<(), WireError> {
        if let Some(open) = &mut self.contact {
            let f = &mut open.fields;
            match tag {
                Tag::Uuid => f.uuid = value,
                Tag::Id => f.id = value,
                Tag::Name => f.name = value,
                Tag::Email => f.email = value,
                Tag::Phone => f.phone = value,
                Tag::Mobile => f.mobile = value,
                Tag::IsDeleted | Tag::IsPrimary => {
                    let v = yes_no(value.as_deref(), || {
                        format!("{}.{}", self.contact_path(), tag.name())
                    })?;
                    if tag == Tag::IsDeleted
                        && let Some(open) = &mut self.contact
                    {
                        open.fields.deleted = v;
                    }
                }
                _ => {}
            }
            return Ok(());
        }
        if self.group_depth.is_some() {
            if let Some(open) = &mut self.client
                && open.fields.group.is_none()
            {
                open.fields.group = value;
            }
            return Ok(());
        }
        if let Some(open) = &mut self.client {
            let f = &mut open.fields;
            match tag {
                Tag::Uuid => f.uuid = value,
                Tag::Id => f.id = value,
                Tag::Name => f.name = value,
                Tag::FirstName => f.first = value,
                Tag::LastName => f.last = value,
                Tag::OtherName => f.other = value,
                Tag::Email => f.email = value,
                Tag::Phone => f.phone = value,
                Tag::Fax => f.fax = value,
                Tag::Address => f.address[0] = value,
                Tag::City => f.address[1] = value,
                Tag::Region => f.address[2] = value,
                Tag::PostCode => f.address[3] = value,
                Tag::Country => f.address[4] = value,
                Tag::PostalAddress => f.postal[0] = value,
                Tag::PostalCity => f.postal[1] = value,
                Tag::PostalRegion => f.postal[2] = value,
                Tag::PostalPostCode => f.postal[3] = value,
                Tag::PostalCountry => f.postal[4] = value,
                Tag::BusinessStructure => f.structure = value,
                Tag::IsArchived | Tag::IsDeleted | Tag::IsProspect => {
                    let v = yes_no(value.as_deref(), || {
                        format!("{}.{}", self.client_path(), tag.name())
                    })?;
                    if let Some(open) = &mut self.client {
                        match tag {
                            Tag::IsArchived => open.fields.archived = v,
                            Tag::IsDeleted => open.fields.deleted = v,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
            return Ok(());
        }
        match tag {
            Tag::Status => self.doc.status = owned(value),
            Tag::ErrorDescription => self.doc.error_description = owned(value),
            Tag::Next => self.doc.next_page = owned(value),
            _ => {}
        }
        Ok(())
    }

    /// A record's id: its `UUID`, else its numeric `ID` (older API
    /// versions and WorkflowMax answer with an `ID` alone). A response's
    /// records must have one; a request body's need not (an add).
    fn record_id(
        &self,
        uuid: Option<Cow<'a, str>>,
        path: impl FnOnce() -> String,
        detail: &str,
    ) -> Result<ContactId, WireError> {
        match uuid {
            Some(u) => Ok(ContactId::new(u)),
            None if self.expect == Expect::Response => Err(shape(path(), detail)),
            None => Ok(ContactId::default()),
        }
    }

    fn finish_client(&self, mut f: Fields<'a>) -> Result<Contact, WireError> {
        let uuid = f.uuid.take().or_else(|| f.id.take());
        let id = self.record_id(
            uuid,
            || format!("{}.UUID", self.client_path()),
            "a client without a UUID or an ID",
        )?;
        Ok(f.into_client(id))
    }

    fn finish_contact(&self, mut f: Fields<'a>) -> Result<Contact, WireError> {
        let uuid = f.uuid.take().or_else(|| f.id.take());
        let id = self.record_id(
            uuid,
            || format!("{}.UUID", self.contact_path()),
            "a contact without a UUID or an ID",
        )?;
        Ok(f.into_person(id))
    }

    /// Room for one more record (client or person), within
    /// [`Limits::max_records`].
    fn check_records(&self, path: impl FnOnce() -> String) -> Result<(), WireError> {
        let n = self.doc.clients.len() + self.people.count() + 1;
        self.limits.check(Profile::Xpm, Limit::Records, n, path)
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn an_element_inside_a_text_element_leaves_only_the_direct_text() {
        let xml = b"<Response><Clients><Client><UUID>u</UUID>\
                    <Name>A<b>ignored<Name>deeper</Name></b>B</Name></Client></Clients></Response>";
        let doc = parse(xml, Expect::Response, None, &Limits::default()).unwrap();
        assert_eq!(doc.clients[0].display_name.as_deref(), Some("AB"));
    }

    #[test]
    fn a_single_piece_of_text_stays_borrowed() {
        let mut cap = Capture {
            tag: Tag::Name,
            depth: 1,
            text: None,
        };
        cap.push(Cow::Borrowed(" x "));
        assert!(matches!(cap.text.map(trim_cow), Some(Cow::Borrowed("x"))));
    }
}
