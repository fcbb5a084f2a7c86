//! The XML reader: one pass over quick-xml's pull events, building model
//! records directly from the elements the model keeps. Element names are
//! matched on their local part (any namespace prefix is ignored), unknown
//! elements and attributes are skipped.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use quick_xml::Reader;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesRef, Event};

use crate::model::{
    Address, AddressKind, Contact, ContactId, ContactKind, ContactStatus, Email, Phone, PhoneKind,
};
use crate::rules::xpm::kind_for_business_structure;
use crate::wire::{Limit, Limits, Provider, WireError};

use super::MAX_DEPTH;
use super::text::{address_lines, is_xml_char, trim_cow};

/// The elements the reader knows; everything else is [`Tag::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Response,
    Status,
    ErrorDescription,
    Clients,
    Client,
    Contacts,
    Contact,
    Groups,
    Group,
    Pagination,
    Links,
    Next,
    Uuid,
    Name,
    FirstName,
    LastName,
    OtherName,
    Email,
    Phone,
    Fax,
    Mobile,
    Address,
    City,
    Region,
    PostCode,
    Country,
    PostalAddress,
    PostalCity,
    PostalRegion,
    PostalPostCode,
    PostalCountry,
    IsArchived,
    IsDeleted,
    IsProspect,
    IsPrimary,
    Position,
    BusinessStructure,
    Other,
}

impl Tag {
    fn of(local_name: &[u8]) -> Self {
        match local_name {
            b"Response" => Self::Response,
            b"Status" => Self::Status,
            b"ErrorDescription" => Self::ErrorDescription,
            b"Clients" => Self::Clients,
            b"Client" => Self::Client,
            b"Contacts" => Self::Contacts,
            b"Contact" => Self::Contact,
            b"Groups" => Self::Groups,
            b"Group" => Self::Group,
            b"Pagination" => Self::Pagination,
            b"Links" => Self::Links,
            b"Next" => Self::Next,
            b"UUID" => Self::Uuid,
            b"Name" => Self::Name,
            b"FirstName" => Self::FirstName,
            b"LastName" => Self::LastName,
            b"OtherName" => Self::OtherName,
            b"Email" => Self::Email,
            b"Phone" => Self::Phone,
            b"Fax" => Self::Fax,
            b"Mobile" => Self::Mobile,
            b"Address" => Self::Address,
            b"City" => Self::City,
            b"Region" => Self::Region,
            b"PostCode" => Self::PostCode,
            b"Country" => Self::Country,
            b"PostalAddress" => Self::PostalAddress,
            b"PostalCity" => Self::PostalCity,
            b"PostalRegion" => Self::PostalRegion,
            b"PostalPostCode" => Self::PostalPostCode,
            b"PostalCountry" => Self::PostalCountry,
            b"IsArchived" => Self::IsArchived,
            b"IsDeleted" => Self::IsDeleted,
            b"IsProspect" => Self::IsProspect,
            b"IsPrimary" => Self::IsPrimary,
            b"Position" => Self::Position,
            b"BusinessStructure" => Self::BusinessStructure,
            _ => Self::Other,
        }
    }

    const fn name(self) -> &'static str {
        match self {
            Self::Response => "Response",
            Self::Status => "Status",
            Self::ErrorDescription => "ErrorDescription",
            Self::Clients => "Clients",
            Self::Client => "Client",
            Self::Contacts => "Contacts",
            Self::Contact => "Contact",
            Self::Groups => "Groups",
            Self::Group => "Group",
            Self::Pagination => "Pagination",
            Self::Links => "Links",
            Self::Next => "Next",
            Self::Uuid => "UUID",
            Self::Name => "Name",
            Self::FirstName => "FirstName",
            Self::LastName => "LastName",
            Self::OtherName => "OtherName",
            Self::Email => "Email",
            Self::Phone => "Phone",
            Self::Fax => "Fax",
            Self::Mobile => "Mobile",
            Self::Address => "Address",
            Self::City => "City",
            Self::Region => "Region",
            Self::PostCode => "PostCode",
            Self::Country => "Country",
            Self::PostalAddress => "PostalAddress",
            Self::PostalCity => "PostalCity",
            Self::PostalRegion => "PostalRegion",
            Self::PostalPostCode => "PostalPostCode",
            Self::PostalCountry => "PostalCountry",
            Self::IsArchived => "IsArchived",
            Self::IsDeleted => "IsDeleted",
            Self::IsProspect => "IsProspect",
            Self::IsPrimary => "IsPrimary",
            Self::Position => "Position",
            Self::BusinessStructure => "BusinessStructure",
            Self::Other => "?",
        }
    }

    /// The text elements of a client the reader keeps or checks.
    const fn is_client_leaf(self) -> bool {
        matches!(
            self,
            Self::Uuid
                | Self::Name
                | Self::FirstName
                | Self::LastName
                | Self::OtherName
                | Self::Email
                | Self::Phone
                | Self::Fax
                | Self::Address
                | Self::City
                | Self::Region
                | Self::PostCode
                | Self::Country
                | Self::PostalAddress
                | Self::PostalCity
                | Self::PostalRegion
                | Self::PostalPostCode
                | Self::PostalCountry
                | Self::IsArchived
                | Self::IsDeleted
                | Self::IsProspect
                | Self::BusinessStructure
        )
    }

    /// The text elements of a client's contact the reader keeps or checks.
    const fn is_contact_leaf(self) -> bool {
        matches!(
            self,
            Self::Uuid
                | Self::Name
                | Self::Email
                | Self::Phone
                | Self::Mobile
                | Self::IsDeleted
                | Self::IsPrimary
                | Self::Position
        )
    }
}

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

/// The elements of one client or contact, as read.
#[derive(Default)]
struct Fields<'a> {
    uuid: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
    first: Option<Cow<'a, str>>,
    last: Option<Cow<'a, str>>,
    other: Option<Cow<'a, str>>,
    email: Option<Cow<'a, str>>,
    phone: Option<Cow<'a, str>>,
    fax: Option<Cow<'a, str>>,
    mobile: Option<Cow<'a, str>>,
    address: [Option<Cow<'a, str>>; 5],
    postal: [Option<Cow<'a, str>>; 5],
    structure: Option<Cow<'a, str>>,
    group: Option<Cow<'a, str>>,
    archived: bool,
    deleted: bool,
}

struct Open<'a> {
    depth: usize,
    fields: Fields<'a>,
}

struct Parser<'a> {
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
    people_by_id: BTreeMap<ContactId, usize>,
    /// The (person, client) links made, so that a person listed under
    /// many clients is linked to each once without scanning its list.
    linked: BTreeSet<(usize, ContactId)>,
    limits: Limits,
    doc: Document,
}

fn syntax(detail: impl Into<String>) -> WireError {
    WireError::Syntax {
        provider: Provider::Xpm,
        detail: detail.into(),
    }
}

fn shape(path: impl Into<String>, detail: impl Into<String>) -> WireError {
    WireError::Shape {
        provider: Provider::Xpm,
        path: path.into(),
        detail: detail.into(),
    }
}

fn owned(v: Option<Cow<'_, str>>) -> Option<String> {
    v.map(Cow::into_owned)
}

/// `Yes` / `No`, in any letter case; an empty element says nothing.
fn yes_no(value: Option<&str>, path: impl FnOnce() -> String) -> Result<bool, WireError> {
    match value {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("yes") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("no") => Ok(false),
        Some(v) => {
            let shown: String = v.chars().take(20).filter(|c| !c.is_control()).collect();
            Err(shape(
                path(),
                format!("expected `Yes` or `No`, found `{shown}`"),
            ))
        }
    }
}

fn build_address(kind: AddressKind, parts: [Option<Cow<'_, str>>; 5]) -> Option<Address> {
    let [text, city, region, postal_code, country] = parts;
    let lines: Vec<String> = text
        .as_deref()
        .map(|t| address_lines(t).map(str::to_owned).collect())
        .unwrap_or_default();
    let a = Address {
        kind,
        primary: false,
        lines,
        city: owned(city),
        region: owned(region),
        postal_code: owned(postal_code),
        country: owned(country),
    };
    let empty = a.lines.is_empty()
        && a.city.is_none()
        && a.region.is_none()
        && a.postal_code.is_none()
        && a.country.is_none();
    (!empty).then_some(a)
}

impl<'a> Parser<'a> {
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

    fn start(&mut self, tag: Tag) -> Result<(), WireError> {
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
                .check(Provider::Xpm, Limit::FieldBytes, len, || {
                    self.capture_path(c.tag)
                })?;
        }
        Ok(())
    }

    fn text(&mut self, piece: Cow<'a, str>) -> Result<(), WireError> {
        let depth = self.stack.len();
        match &mut self.capture {
            Some(c) if c.depth == depth => {
                c.push(piece);
                return self.check_capture();
            }
            _ if depth == 0 && !piece.trim_matches(super::text::is_xml_space).is_empty() => {
                return Err(syntax("text outside the root element"));
            }
            _ => {}
        }
        Ok(())
    }

    fn reference(&mut self, r: &BytesRef<'_>) -> Result<(), WireError> {
        let name = r
            .decode()
            .map_err(|e| syntax(format!("unreadable reference: {e}")))?;
        let c = if r.is_char_ref() {
            match r.resolve_char_ref() {
                Ok(Some(c)) if is_xml_char(c) => c,
                Ok(_) | Err(_) => {
                    return Err(syntax(format!(
                        "`&{name};` is not a character XML 1.0 allows"
                    )));
                }
            }
        } else {
            let Some(s) = resolve_xml_entity(&name) else {
                let shown: String = name.chars().take(40).collect();
                return Err(syntax(format!(
                    "unknown entity `&{shown};` (only the five predefined XML entities are read)"
                )));
            };
            // The five predefined entities are one character each.
            s.chars().next().unwrap_or('&')
        };
        let depth = self.stack.len();
        if let Some(cap) = &mut self.capture
            && cap.depth == depth
        {
            cap.push_char(c);
            return self.check_capture();
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), WireError> {
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
                    Provider::Xpm,
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
                    self.add_person(person);
                } else {
                    self.add_person(person);
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
                if !self.people_by_id.contains_key(&p.id) {
                    self.check_records(|| self.client_path())?;
                }
                self.add_person(p);
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

    fn require_id(&self) -> bool {
        self.expect == Expect::Response
    }

    fn finish_client(&self, f: Fields<'a>) -> Result<Contact, WireError> {
        let id = match f.uuid {
            Some(u) => ContactId::new(u),
            None if self.require_id() => {
                return Err(shape(
                    format!("{}.UUID", self.client_path()),
                    "a client without a UUID",
                ));
            }
            None => ContactId::default(),
        };
        let structure = owned(f.structure);
        let kind = structure
            .as_deref()
            .map(|s| kind_for_business_structure(Some(s)).kind);
        let mut c = Contact {
            id,
            kind,
            display_name: owned(f.name),
            first_name: owned(f.first),
            middle_name: owned(f.other),
            last_name: owned(f.last),
            client_group: owned(f.group),
            ..Contact::default()
        };
        c.extras.business_structure = structure;
        if let Some(e) = f.email {
            c.emails.push(Email {
                address: e.into_owned(),
                primary: true,
            });
        }
        for (kind, number) in [(PhoneKind::Primary, f.phone), (PhoneKind::Fax, f.fax)] {
            if let Some(n) = number {
                c.phones.push(Phone {
                    kind,
                    number: n.into_owned(),
                });
            }
        }
        for (kind, parts) in [
            (AddressKind::Physical, f.address),
            (AddressKind::Mailing, f.postal),
        ] {
            if let Some(mut a) = build_address(kind, parts) {
                a.primary = c.addresses.is_empty();
                c.addresses.push(a);
            }
        }
        if f.archived || f.deleted {
            c.status = ContactStatus::Archived;
        }
        Ok(c)
    }

    fn finish_contact(&self, f: Fields<'a>) -> Result<Contact, WireError> {
        let id = match f.uuid {
            Some(u) => ContactId::new(u),
            None if self.require_id() => {
                return Err(shape(
                    format!("{}.UUID", self.contact_path()),
                    "a contact without a UUID",
                ));
            }
            None => ContactId::default(),
        };
        let mut c = Contact {
            id,
            kind: Some(ContactKind::Person),
            display_name: owned(f.name),
            ..Contact::default()
        };
        if let Some(e) = f.email {
            c.emails.push(Email {
                address: e.into_owned(),
                primary: true,
            });
        }
        for (kind, number) in [(PhoneKind::Primary, f.phone), (PhoneKind::Mobile, f.mobile)] {
            if let Some(n) = number {
                c.phones.push(Phone {
                    kind,
                    number: n.into_owned(),
                });
            }
        }
        if f.deleted {
            c.status = ContactStatus::Archived;
        }
        Ok(c)
    }

    /// Room for one more record (client or person), within
    /// [`Limits::max_records`].
    fn check_records(&self, path: impl FnOnce() -> String) -> Result<(), WireError> {
        let n = self.doc.clients.len() + self.doc.people.len() + 1;
        self.limits.check(Provider::Xpm, Limit::Records, n, path)
    }

    /// Adds a person, or links the one already read under another client.
    /// Links already made are looked up in a set: a person listed under
    /// thousands of clients costs no scan of its list per client.
    fn add_person(&mut self, person: Contact) {
        if !person.id.as_str().is_empty()
            && let Some(&i) = self.people_by_id.get(&person.id)
            && let Some(existing) = self.doc.people.get_mut(i)
        {
            for org in person.organization_ids {
                if !self.linked.contains(&(i, org.clone())) {
                    self.linked.insert((i, org.clone()));
                    existing.organization_ids.push(org);
                }
            }
            return;
        }
        let i = self.doc.people.len();
        if !person.id.as_str().is_empty() {
            self.people_by_id.insert(person.id.clone(), i);
            for org in &person.organization_ids {
                self.linked.insert((i, org.clone()));
            }
        }
        self.doc.people.push(person);
    }
}

/// Reads a whole document.
pub(super) fn parse<'a>(
    bytes: &'a [u8],
    expect: Expect,
    body_client: Option<&'a ContactId>,
    limits: &Limits,
) -> Result<Document, WireError> {
    limits.check_input(Provider::Xpm, bytes)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        syntax(format!(
            "not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let mut reader = Reader::from_str(text);
    let mut p = Parser {
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
        people_by_id: BTreeMap::new(),
        linked: BTreeSet::new(),
        limits: *limits,
        doc: Document::default(),
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| syntax(format!("{e} (at byte {})", reader.error_position())))?;
        match event {
            Event::Start(e) => p.start(Tag::of(e.local_name().as_ref()))?,
            Event::Empty(e) => {
                p.start(Tag::of(e.local_name().as_ref()))?;
                p.end()?;
            }
            Event::End(_) => p.end()?,
            Event::Text(t) => {
                let s = t
                    .xml10_content()
                    .map_err(|e| syntax(format!("unreadable text: {e}")))?;
                p.text(s)?;
            }
            Event::CData(t) => {
                let s = t
                    .xml10_content()
                    .map_err(|e| syntax(format!("unreadable CDATA: {e}")))?;
                if p.stack.is_empty() {
                    return Err(syntax("CDATA outside the root element"));
                }
                p.text(s)?;
            }
            Event::GeneralRef(r) => {
                if p.stack.is_empty() {
                    return Err(syntax("a reference outside the root element"));
                }
                p.reference(&r)?;
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = p.stack.last() {
        return Err(syntax(format!(
            "the document ends inside <{}>",
            open.name()
        )));
    }
    if !p.root_closed {
        return Err(syntax("no root element"));
    }
    Ok(p.doc)
}

/// Whether `bytes` look like an XPM response: XML whose root element is
/// `<Response>`. Reads only up to the root's start tag.
pub(super) fn is_response(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'<') {
        return false;
    }
    let mut reader = Reader::from_reader(bytes);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                return e.local_name().as_ref() == b"Response";
            }
            Ok(Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_)) => {}
            Ok(Event::Text(t)) if t.iter().all(u8::is_ascii_whitespace) => {}
            Ok(_) | Err(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_sniffed_without_reading_further() {
        assert!(is_response(
            b"\xEF\xBB\xBF <?xml version=\"1.0\"?><!-- x --><Response>"
        ));
        assert!(is_response(b"<x:Response xmlns:x=\"urn:x\"/>"));
        assert!(!is_response(b"<IntuitResponse>"));
        assert!(!is_response(b"{\"Response\": 1}"));
        assert!(!is_response(b"<"));
    }

    #[test]
    fn yes_and_no_in_any_case() {
        let path = String::new;
        assert_eq!(yes_no(Some("YES"), path), Ok(true));
        assert_eq!(yes_no(Some("no"), path), Ok(false));
        assert_eq!(yes_no(None, path), Ok(false));
        assert!(yes_no(Some("true"), path).is_err());
    }

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
