//! Request bodies: client add / update / archive, contacts add, contact
//! update, and the planner's actions mapped onto them.

use crate::model::{
    Address, AddressKind, Contact, ContactId, ContactKind, ContactStatus, Email, Phone, PhoneKind,
};
use crate::rules::Profile;
use crate::rules::xpm::kind_for_business_structure;
use crate::sync::{Action, ContactRef, FieldPatch, FieldValue, SyncField};
use crate::wire::{Method, Request, WireError};

use super::MAX_CONTACTS_PER_REQUEST;
use super::text::{address_lines, is_xml_char, trim_xml};

fn invalid(field: &str, detail: impl Into<String>) -> WireError {
    WireError::Invalid {
        provider: Profile::Xpm,
        field: field.to_owned(),
        detail: detail.into(),
    }
}

/// `value` trimmed of XML whitespace, unless nothing is left.
fn clean(value: Option<&str>) -> Option<&str> {
    value.map(trim_xml).filter(|v| !v.is_empty())
}

fn clean_owned(value: Option<&str>) -> Option<String> {
    clean(value).map(str::to_owned)
}

/// The first value of a kind that is filled in (the planner's own test of
/// "filled in"), trimmed.
fn phone_of(contact: &Contact, kind: PhoneKind) -> Option<Phone> {
    contact
        .phones
        .iter()
        .find(|p| p.kind == kind && !p.number.trim().is_empty())
        .and_then(|p| clean(Some(&p.number)))
        .map(|n| Phone {
            kind,
            number: n.to_owned(),
        })
}

/// An address as XPM keeps it: the lines of the free text (each model line
/// split on its own line breaks, trimmed, blank ones dropped), the other
/// parts trimmed.
fn carried_address(a: &Address, kind: AddressKind) -> Address {
    Address {
        kind,
        primary: false,
        lines: a
            .lines
            .iter()
            .flat_map(|l| address_lines(l))
            .map(str::to_owned)
            .collect(),
        city: clean_owned(a.city.as_deref()),
        region: clean_owned(a.region.as_deref()),
        postal_code: clean_owned(a.postal_code.as_deref()),
        country: clean_owned(a.country.as_deref()),
    }
}

fn address_of(contact: &Contact, kind: AddressKind) -> Option<Address> {
    contact
        .addresses
        .iter()
        .find(|a| a.kind == kind && !a.is_blank())
        .map(|a| carried_address(a, kind))
}

fn billing_email(contact: &Contact) -> Option<Email> {
    contact
        .billing_email()
        .filter(|e| !e.trim().is_empty())
        .and_then(|e| clean(Some(e)))
        .map(|e| Email {
            address: e.to_owned(),
            primary: true,
        })
}

/// What XPM keeps of `contact` as a client — what decoding its add body
/// gives back (apart from the `id`, which an add body does not carry; an
/// update body does).
///
/// - `display_name`: the record's name ([`Contact::label`]), trimmed.
/// - `extras.business_structure`: as given, else `Company` for an
///   organisation and `Individual` for a person (the structures every
///   practice starts with); none for a record of unknown kind.
/// - `kind`: what [`kind_for_business_structure`] makes of that structure.
/// - `first_name`, `middle_name` (`OtherName`), `last_name`: for a person
///   only (XPM keeps them for individuals).
/// - the billing email; the first `Primary` and `Fax` phones; the first
///   non-blank `Physical` and `Mailing` addresses, the first of them
///   primary; each address line split on its line breaks, trimmed, blank
///   lines dropped (the free text XPM keeps reads back that way).
/// - Not carried: `organization_name` (one name in XPM), other emails,
///   mobile and other phones (an XPM client has none), billing addresses,
///   `contact_type`, `organization_ids`, `client_group` (groups are
///   managed through `clientgroup.api`), `status` (archive is its own
///   request), and the other `extras`.
///
/// Every value is trimmed of XML whitespace; empty ones are dropped.
#[must_use]
pub fn carried_as_client(contact: &Contact) -> Contact {
    let structure =
        clean_owned(contact.extras.business_structure.as_deref()).or_else(|| match contact.kind {
            Some(ContactKind::Organization) => Some("Company".to_owned()),
            Some(ContactKind::Person) => Some("Individual".to_owned()),
            None => None,
        });
    let kind = structure
        .as_deref()
        .map(|s| kind_for_business_structure(Some(s)).kind);
    let person = kind == Some(ContactKind::Person);
    let names = |v: &Option<String>| {
        if person {
            clean_owned(v.as_deref())
        } else {
            None
        }
    };
    let mut out = Contact {
        id: contact.id.clone(),
        kind,
        display_name: clean_owned(Some(&contact.label())),
        first_name: names(&contact.first_name),
        middle_name: names(&contact.middle_name),
        last_name: names(&contact.last_name),
        ..Contact::default()
    };
    out.extras.business_structure = structure;
    out.emails.extend(billing_email(contact));
    out.phones.extend(phone_of(contact, PhoneKind::Primary));
    out.phones.extend(phone_of(contact, PhoneKind::Fax));
    for kind in [AddressKind::Physical, AddressKind::Mailing] {
        if let Some(mut a) = address_of(contact, kind) {
            a.primary = out.addresses.is_empty();
            out.addresses.push(a);
        }
    }
    out
}

/// What XPM keeps of `contact` as a contact of the client `client` — what
/// decoding its contacts-add body gives back (apart from the `id`).
///
/// - `kind`: `Person`; `display_name`: the record's name
///   ([`Contact::label`]), trimmed, as XPM's single `Name`.
/// - the billing email; the first `Primary` and `Mobile` phones.
/// - `organization_ids`: `[client]`.
/// - Not carried: first / middle / last names apart from the name they
///   make up, `organization_name`, other emails and phones, addresses,
///   `contact_type`, `client_group`, `status`, `extras`.
#[must_use]
pub fn carried_as_client_contact(contact: &Contact, client: &ContactId) -> Contact {
    let mut out = Contact {
        id: contact.id.clone(),
        kind: Some(ContactKind::Person),
        display_name: clean_owned(Some(&contact.label())),
        organization_ids: vec![client.clone()],
        status: ContactStatus::Active,
        ..Contact::default()
    };
    out.emails.extend(billing_email(contact));
    out.phones.extend(phone_of(contact, PhoneKind::Primary));
    out.phones.extend(phone_of(contact, PhoneKind::Mobile));
    out
}

/// An XML body being written.
struct Body {
    out: String,
}

impl Body {
    fn new(root: &str) -> Self {
        let mut out = String::with_capacity(256);
        out.push('<');
        out.push_str(root);
        out.push('>');
        Self { out }
    }

    fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `<name>value</name>`, escaped; an empty value clears the field.
    fn text(&mut self, name: &'static str, value: &str) -> Result<(), WireError> {
        self.open(name);
        for c in value.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                // A raw carriage return would be read back as a line feed.
                '\r' => self.out.push_str("&#13;"),
                c if !is_xml_char(c) => {
                    return Err(invalid(
                        name,
                        format!(
                            "holds U+{:04X}, a character XML 1.0 cannot carry",
                            u32::from(c)
                        ),
                    ));
                }
                c => self.out.push(c),
            }
        }
        self.close(name);
        Ok(())
    }

    fn opt(&mut self, name: &'static str, value: Option<&str>) -> Result<(), WireError> {
        match value {
            Some(v) => self.text(name, v),
            None => Ok(()),
        }
    }

    fn finish(mut self, root: &str) -> String {
        self.close(root);
        self.out
    }
}

/// The five elements of one address; all empty for `None` (clears it).
fn write_address(
    b: &mut Body,
    names: [&'static str; 5],
    a: Option<&Address>,
    kind: AddressKind,
) -> Result<(), WireError> {
    let a = a
        .filter(|a| !a.is_blank())
        .map(|a| carried_address(a, kind));
    let text = a.as_ref().map(|a| a.lines.join("\n")).unwrap_or_default();
    let part = |p: fn(&Address) -> &Option<String>| {
        a.as_ref()
            .and_then(|a| p(a).as_deref())
            .unwrap_or_default()
            .to_owned()
    };
    let [t, city, region, code, country] = names;
    b.text(t, &text)?;
    b.text(city, &part(|a| &a.city))?;
    b.text(region, &part(|a| &a.region))?;
    b.text(code, &part(|a| &a.postal_code))?;
    b.text(country, &part(|a| &a.country))
}

const PHYSICAL: [&str; 5] = ["Address", "City", "Region", "PostCode", "Country"];
const POSTAL: [&str; 5] = [
    "PostalAddress",
    "PostalCity",
    "PostalRegion",
    "PostalPostCode",
    "PostalCountry",
];

fn check_uuid(field: &str, id: &ContactId) -> Result<(), WireError> {
    let s = id.as_str();
    if s.is_empty() {
        return Err(invalid(field, "the UUID is empty"));
    }
    if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(invalid(
            field,
            "a UUID holds only ASCII letters, digits and hyphens",
        ));
    }
    Ok(())
}

fn required_name<'n>(name: Option<&'n str>, what: &str) -> Result<&'n str, WireError> {
    clean(name).ok_or_else(|| invalid("Name", format!("{what} needs a name")))
}

/// The body of `POST client.api/add` for `contact`: exactly what
/// [`carried_as_client`] keeps, booleans and lists aside (none are sent).
///
/// # Errors
/// [`WireError::Invalid`] when the record has no name or a value holds a
/// character XML 1.0 cannot carry.
pub fn encode_client_add(contact: &Contact) -> Result<String, WireError> {
    let c = carried_as_client(contact);
    let name = required_name(c.display_name.as_deref(), "a client")?;
    let mut b = Body::new("Client");
    b.text("Name", name)?;
    b.opt("FirstName", c.first_name.as_deref())?;
    b.opt("OtherName", c.middle_name.as_deref())?;
    b.opt("LastName", c.last_name.as_deref())?;
    b.opt("Email", c.emails.first().map(|e| e.address.as_str()))?;
    for (kind, names) in [
        (AddressKind::Physical, PHYSICAL),
        (AddressKind::Mailing, POSTAL),
    ] {
        if let Some(a) = c.addresses.iter().find(|a| a.kind == kind) {
            let [t, city, region, code, country] = names;
            if !a.lines.is_empty() {
                b.text(t, &a.lines.join("\n"))?;
            }
            b.opt(city, a.city.as_deref())?;
            b.opt(region, a.region.as_deref())?;
            b.opt(code, a.postal_code.as_deref())?;
            b.opt(country, a.country.as_deref())?;
        }
    }
    for (kind, name) in [(PhoneKind::Primary, "Phone"), (PhoneKind::Fax, "Fax")] {
        b.opt(
            name,
            c.phones
                .iter()
                .find(|p| p.kind == kind)
                .map(|p| p.number.as_str()),
        )?;
    }
    b.opt("BusinessStructure", c.extras.business_structure.as_deref())?;
    Ok(b.finish("Client"))
}

fn check_profile(patch: &FieldPatch) -> Result<(), WireError> {
    if patch.profile == Profile::Xpm {
        Ok(())
    } else {
        Err(invalid(
            "FieldPatch",
            format!(
                "a patch planned for {}, not Xero Practice Manager",
                patch.profile.product_name()
            ),
        ))
    }
}

fn text_value<'v>(value: Option<&'v FieldValue>, field: &str) -> Result<&'v str, WireError> {
    match value {
        None => Ok(""),
        // Blank by the planner's own test: nothing to keep.
        Some(FieldValue::Text(t)) if t.trim().is_empty() => Ok(""),
        Some(FieldValue::Text(t)) => Ok(trim_xml(t)),
        Some(_) => Err(invalid(field, "expected a text value")),
    }
}

fn address_value<'v>(
    value: Option<&'v FieldValue>,
    field: &str,
) -> Result<Option<&'v Address>, WireError> {
    match value {
        None => Ok(None),
        Some(FieldValue::Address(a)) => Ok(Some(a)),
        Some(_) => Err(invalid(field, "expected an address")),
    }
}

/// The body of `PUT client.api/update` for a patch of the client `uuid`.
///
/// Only the patched fields are sent (a field set to nothing is sent empty,
/// which clears it), plus the `Name`: taken from the patch when it renames
/// the client, else `current_name` (XPM's update message always names the
/// client, so the caller passes the name it last read).
///
/// # Errors
/// [`WireError::Invalid`]: a UUID that is empty or not letters, digits and
/// hyphens; no name (neither in the patch nor given); a patch for another
/// profile; a change of a field an XPM client does not have (mobile or
/// other phone, billing address); a character XML 1.0 cannot carry.
pub fn encode_client_update(
    uuid: &ContactId,
    current_name: Option<&str>,
    patch: &FieldPatch,
) -> Result<String, WireError> {
    check_uuid("UUID", uuid)?;
    check_profile(patch)?;
    let mut name = None;
    let mut first = None;
    let mut last = None;
    let mut email = None;
    let mut phone = None;
    let mut fax = None;
    let mut physical = None;
    let mut postal = None;
    for change in &patch.changes {
        let new = change.new.as_ref();
        match change.field {
            SyncField::Name => match new {
                Some(FieldValue::Name(n)) => {
                    name = Some(n.display.as_str());
                    first = n.first.as_deref();
                    last = n.last.as_deref();
                }
                _ => return Err(invalid("Name", "a client's name cannot be removed")),
            },
            SyncField::Email => email = Some(text_value(new, "Email")?),
            SyncField::PrimaryPhone => phone = Some(text_value(new, "Phone")?),
            SyncField::FaxPhone => fax = Some(text_value(new, "Fax")?),
            SyncField::PhysicalAddress => physical = Some(address_value(new, "Address")?),
            SyncField::MailingAddress => postal = Some(address_value(new, "PostalAddress")?),
            other => {
                return Err(invalid(
                    other.as_str(),
                    "an XPM client has no such field (only its contacts have a mobile phone)",
                ));
            }
        }
    }
    let name = required_name(name.or(current_name), "a client update")?;
    let mut b = Body::new("Client");
    b.text("UUID", uuid.as_str())?;
    b.text("Name", name)?;
    b.opt("FirstName", clean(first))?;
    b.opt("LastName", clean(last))?;
    b.opt("Email", email)?;
    if let Some(a) = physical {
        write_address(&mut b, PHYSICAL, a, AddressKind::Physical)?;
    }
    if let Some(a) = postal {
        write_address(&mut b, POSTAL, a, AddressKind::Mailing)?;
    }
    b.opt("Phone", phone)?;
    b.opt("Fax", fax)?;
    Ok(b.finish("Client"))
}

fn write_contact(b: &mut Body, c: &Contact) -> Result<(), WireError> {
    let name = required_name(c.display_name.as_deref(), "a contact")?;
    b.text("Name", name)?;
    let phone = |kind| {
        c.phones
            .iter()
            .find(|p| p.kind == kind)
            .map(|p| p.number.as_str())
    };
    b.opt("Mobile", phone(PhoneKind::Mobile))?;
    b.opt("Email", c.emails.first().map(|e| e.address.as_str()))?;
    b.opt("Phone", phone(PhoneKind::Primary))
}

/// A `<Contacts>` body of new people, as [`carried_as_client_contact`]
/// keeps them, for the client `client` (ten at most, as XPM's contacts
/// endpoints take).
///
/// XPM's current API reference gives `POST client.api/client/[uuid]/contacts`
/// the UUIDs of contacts that exist already ([`encode_client_contacts_link`])
/// and creates a contact with `POST client.api/contact`
/// ([`encode_contact_add`]); [`encode_action`] and the call codec
/// (`xpm::Calls`) use those. This body stays for round trips
/// ([`decode_client_contacts_body`](super::decode_client_contacts_body))
/// and recorded requests.
///
/// # Errors
/// [`WireError::Invalid`]: no contacts, or more than
/// [`MAX_CONTACTS_PER_REQUEST`]; a client UUID that is empty or not
/// letters, digits and hyphens; a contact without a name; a character XML
/// 1.0 cannot carry.
pub fn encode_client_contacts_add(
    client: &ContactId,
    contacts: &[Contact],
) -> Result<String, WireError> {
    check_uuid("Client.UUID", client)?;
    if contacts.is_empty() {
        return Err(invalid("Contacts", "no contacts to add"));
    }
    if contacts.len() > MAX_CONTACTS_PER_REQUEST {
        return Err(invalid(
            "Contacts",
            format!(
                "{} contacts in one request; XPM adds at most {MAX_CONTACTS_PER_REQUEST}",
                contacts.len()
            ),
        ));
    }
    let mut b = Body::new("Contacts");
    for c in contacts {
        b.open("Contact");
        write_contact(&mut b, &carried_as_client_contact(c, client))?;
        b.close("Contact");
    }
    Ok(b.finish("Contacts"))
}

/// The body of `POST client.api/contact`: a new contact, as
/// [`carried_as_client_contact`] keeps it, created under the client
/// `client` (`<Contact><Name>…</Name>…<Client><UUID>…</UUID></Client></Contact>`).
/// XPM answers the contact as stored, with its new UUID.
///
/// This is how XPM creates a contact: its API reference (XeroAPI/Xero-OpenAPI,
/// `xero-practicemanager-v3-1.yaml`, `ClientV31_ContactPost` and
/// `ContactRequestDto`) gives `POST client.api/contact` with the client's
/// UUID in the body, while `POST client.api/client/[uuid]/contacts` links
/// contacts that exist already (see [`encode_client_contacts_link`]).
///
/// # Errors
/// [`WireError::Invalid`]: a client UUID that is empty or not letters,
/// digits and hyphens; a contact without a name; a character XML 1.0
/// cannot carry.
pub fn encode_contact_add(client: &ContactId, contact: &Contact) -> Result<String, WireError> {
    check_uuid("Client.UUID", client)?;
    let mut b = Body::new("Contact");
    write_contact(&mut b, &carried_as_client_contact(contact, client))?;
    b.open("Client");
    b.text("UUID", client.as_str())?;
    b.close("Client");
    Ok(b.finish("Contact"))
}

/// The body of `POST client.api/client/[client]/contacts`: links contacts
/// that exist already (by UUID, at most [`MAX_CONTACTS_PER_REQUEST`]) to
/// the client `client` — one contact may belong to several clients
/// (`<Client><Contacts><Contact><UUID>…</UUID></Contact>…</Contacts></Client>`).
///
/// Source: XPM's API reference (XeroAPI/Xero-OpenAPI,
/// `xero-practicemanager-v3-1.yaml`, `ClientV31_ClientContact`, whose items
/// are `ContactLinkItemDto`: a UUID, a position, a primary flag). No
/// position or primary flag is sent: the model has neither.
///
/// # Errors
/// [`WireError::Invalid`]: no contacts, or more than
/// [`MAX_CONTACTS_PER_REQUEST`]; a UUID that is empty or not letters,
/// digits and hyphens.
pub fn encode_client_contacts_link(
    client: &ContactId,
    contacts: &[ContactId],
) -> Result<String, WireError> {
    check_uuid("Client.UUID", client)?;
    if contacts.is_empty() {
        return Err(invalid("Contacts", "no contacts to link"));
    }
    if contacts.len() > MAX_CONTACTS_PER_REQUEST {
        return Err(invalid(
            "Contacts",
            format!(
                "{} contacts in one request; XPM links at most {MAX_CONTACTS_PER_REQUEST}",
                contacts.len()
            ),
        ));
    }
    let mut b = Body::new("Client");
    b.open("Contacts");
    for id in contacts {
        check_uuid("Contact.UUID", id)?;
        b.open("Contact");
        b.text("UUID", id.as_str())?;
        b.close("Contact");
    }
    b.close("Contacts");
    Ok(b.finish("Client"))
}

/// The body of `PUT client.api/contact/[uuid]` for a patch of a client's
/// contact: its `Name` (from the patch, else `current_name`), and the
/// patched email, phone and mobile.
///
/// # Errors
/// [`WireError::Invalid`]: a UUID that is empty or not letters, digits and
/// hyphens; no name; a patch for another profile; a change of a field a
/// contact does not have (fax, other phone, addresses); a character XML
/// 1.0 cannot carry.
pub fn encode_client_contact_update(
    uuid: &ContactId,
    current_name: Option<&str>,
    patch: &FieldPatch,
) -> Result<String, WireError> {
    check_uuid("UUID", uuid)?;
    check_profile(patch)?;
    let mut name = None;
    let mut email = None;
    let mut phone = None;
    let mut mobile = None;
    for change in &patch.changes {
        let new = change.new.as_ref();
        match change.field {
            SyncField::Name => match new {
                Some(FieldValue::Name(n)) => name = Some(n.display.as_str()),
                _ => return Err(invalid("Name", "a contact's name cannot be removed")),
            },
            SyncField::Email => email = Some(text_value(new, "Email")?),
            SyncField::PrimaryPhone => phone = Some(text_value(new, "Phone")?),
            SyncField::MobilePhone => mobile = Some(text_value(new, "Mobile")?),
            other => {
                return Err(invalid(
                    other.as_str(),
                    "an XPM contact has no such field (no fax, other phone or address)",
                ));
            }
        }
    }
    let name = required_name(name.or(current_name), "a contact update")?;
    let mut b = Body::new("Contact");
    b.text("Name", name)?;
    b.opt("Mobile", mobile)?;
    b.opt("Email", email)?;
    b.opt("Phone", phone)?;
    Ok(b.finish("Contact"))
}

/// The request for a planned action on the XPM side.
///
/// - `Create` without organisations: a client add. With one organisation
///   (a person of a client): a contact add under that client
///   ([`encode_contact_add`], `POST client.api/contact`). XPM takes no
///   idempotency key (none is documented), so `idempotency_key` is not
///   sent: the caller's own bookkeeping has to recognise a lost create.
/// - `Update`: `current` is the record as last read (its name is sent, as
///   XPM's update messages need it); a record with `organization_ids` is a
///   client's contact and is updated through the contact endpoint, any
///   other (or none given) as a client. `expected_version` is not sent:
///   XPM has no version token.
///
/// # Errors
/// [`WireError::Invalid`]: a create under several organisations (XPM adds
/// a new contact to one client), or under one still to be created (its
/// UUID is not known yet); `current` naming another record; whatever the
/// encoder used refuses.
pub fn encode_action(action: &Action, current: Option<&Contact>) -> Result<Request, WireError> {
    match action {
        Action::Create {
            contact,
            organizations,
            ..
        } => match organizations.as_slice() {
            [] => Ok(Request {
                idempotency_key: None,
                query: Vec::new(),
                headers: Vec::new(),
                method: Method::Post,
                path: "client.api/add".into(),
                body: encode_client_add(contact)?,
            }),
            [ContactRef::Id(client)] => Ok(Request {
                idempotency_key: None,
                query: Vec::new(),
                headers: Vec::new(),
                method: Method::Post,
                path: "client.api/contact".into(),
                body: encode_contact_add(client, contact)?,
            }),
            [ContactRef::CreatedBy(op)] => Err(invalid(
                "Client.UUID",
                format!("the client is created by `{op}`: add the contact once its UUID is known"),
            )),
            _ => Err(invalid(
                "Contacts",
                "XPM adds a new contact to one client; link it to the others afterwards",
            )),
        },
        Action::Update {
            target_id, patch, ..
        } => {
            if let Some(c) = current
                && c.id != *target_id
            {
                return Err(invalid(
                    "UUID",
                    "the current record given is not the one updated",
                ));
            }
            let name = current.map(Contact::label);
            if current.is_some_and(|c| !c.organization_ids.is_empty()) {
                check_uuid("UUID", target_id)?;
                Ok(Request {
                    idempotency_key: None,
                    query: Vec::new(),
                    headers: Vec::new(),
                    method: Method::Put,
                    path: format!("client.api/contact/{target_id}"),
                    body: encode_client_contact_update(target_id, name.as_deref(), patch)?,
                })
            } else {
                Ok(Request {
                    idempotency_key: None,
                    query: Vec::new(),
                    headers: Vec::new(),
                    method: Method::Put,
                    path: "client.api/update".into(),
                    body: encode_client_update(target_id, name.as_deref(), patch)?,
                })
            }
        }
    }
}
