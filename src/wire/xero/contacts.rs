//! Reading Xero contacts into the model, straight from the bytes: the
//! hot path of a full listing (no intermediate records, strings borrowed
//! until they become the model's own).

use std::borrow::Cow;

use crate::model::{
    Address, AddressKind, Contact, ContactId, ContactKind, ContactStatus, Email, Phone, PhoneKind,
    TaxIdKind, VersionToken,
};
use crate::wire::{Limit, Limits, WireError};

use super::dates;
use super::json::head;
use super::keys::Keys;
use super::lexer::{Fail, Lexer, Next};
use super::{ContactsPage, PageError};

type Text<'a> = Option<Cow<'a, str>>;

/// A shape error at `path`, boxed.
#[cold]
fn shape(path: impl Into<String>, detail: impl Into<String>) -> Fail {
    Box::new(super::json::shape(path, detail))
}

/// Reads a string-or-null value; another kind is a shape error at `path`.
fn text<'a>(l: &mut Lexer<'a>, path: impl FnOnce() -> String) -> Result<Text<'a>, Fail> {
    l.opt_str(path)
}

/// Whether `s` is empty or white space only (the common cases first).
fn is_blank(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(b) if b.is_ascii_graphic() => false,
        Some(_) => s.trim().is_empty(),
    }
}

/// Non-blank text.
fn filled(t: Text<'_>) -> Option<String> {
    t.filter(|v| !is_blank(v)).map(Cow::into_owned)
}

/// Enters a list, or reads `null`: whether there is a list to read.
fn list(l: &mut Lexer<'_>, path: impl FnOnce() -> String) -> Result<bool, Fail> {
    match l.next()? {
        Next::Null => {
            l.null()?;
            Ok(false)
        }
        Next::Arr => {
            l.array()?;
            Ok(true)
        }
        other => Err(shape(
            path(),
            format!("{} where a list belongs", other.name()),
        )),
    }
}

/// Enters an object (an item of a list).
fn object(l: &mut Lexer<'_>, path: impl FnOnce() -> String) -> Result<(), Fail> {
    match l.next()? {
        Next::Obj => l.object(),
        other => Err(shape(
            path(),
            format!("{} where an object belongs", other.name()),
        )),
    }
}

/// A whole number, written as a number or as text.
fn count(l: &mut Lexer<'_>, path: impl Fn() -> String) -> Result<Option<u64>, Fail> {
    let t = match l.next()? {
        Next::Num => l.number()?,
        Next::Str => return count_text(&l.string()?, path).map(Some),
        Next::Null => {
            l.null()?;
            return Ok(None);
        }
        other => {
            return Err(shape(
                path(),
                format!("{} where a number belongs", other.name()),
            ));
        }
    };
    count_text(t, path).map(Some)
}

fn count_text(t: &str, path: impl Fn() -> String) -> Result<u64, Fail> {
    t.trim()
        .parse()
        .map_err(|_| shape(path(), format!("`{}` is not a whole number", head(t))))
}

/// `pagination`: the next page, when this is not the last one.
fn pagination(l: &mut Lexer<'_>) -> Result<Option<String>, Fail> {
    if l.null()? {
        return Ok(None);
    }
    object(l, || "pagination".into())?;
    let (mut page, mut pages) = (None, None);
    let mut first = true;
    while let Some(k) = l.key(&mut first)? {
        match k.as_ref() {
            "page" => page = count(l, || "pagination.page".into())?,
            "pageCount" => pages = count(l, || "pagination.pageCount".into())?,
            _ => l.skip()?,
        }
    }
    Ok(match (page, pages) {
        (Some(p), Some(n)) if p < n => Some(p.saturating_add(1).to_string()),
        _ => None,
    })
}

/// Lists reused from one contact to the next (and from page to page of a
/// listing): a contact's phones and addresses are gathered here, then
/// moved into it at their exact size (a first push would reserve room
/// for four), and its contact persons wait here for its id; and the
/// order of the keys of contacts, addresses and phones.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    addresses: Vec<Address>,
    phones: Vec<Phone>,
    persons: Vec<Person>,
    contact_keys: Keys,
    address_keys: Keys,
    phone_keys: Keys,
}

/// Decodes a `{"Contacts":[…]}` document.
pub(super) fn decode(
    bytes: &[u8],
    requested_page: Option<u32>,
    limits: &Limits,
) -> Result<ContactsPage, WireError> {
    let mut page = ContactsPage::default();
    page.next_page = decode_into(
        bytes,
        requested_page,
        limits,
        &mut page,
        &mut Scratch::default(),
    )?;
    Ok(page)
}

/// Decodes a `{"Contacts":[…]}` document onto the end of `out`'s records
/// and people (limits, paths and the next page count this document's own
/// records), reusing `scratch`; gives the next page. On an error, `out`
/// may hold part of the document.
pub(super) fn decode_into(
    bytes: &[u8],
    requested_page: Option<u32>,
    limits: &Limits,
    out: &mut ContactsPage,
    scratch: &mut Scratch,
) -> Result<Option<String>, WireError> {
    decode_boxed(bytes, requested_page, limits, out, scratch).map_err(|e| *e)
}

fn decode_boxed(
    bytes: &[u8],
    requested_page: Option<u32>,
    limits: &Limits,
    out: &mut ContactsPage,
    scratch: &mut Scratch,
) -> Result<Option<String>, Fail> {
    let mut l = Lexer::with_limits(bytes, limits)?;
    if l.next()? != Next::Obj {
        return Err(shape("", "not a JSON object"));
    }
    l.object()?;
    let (records, people) = (&mut out.records, &mut out.people);
    let (records_from, people_from) = (records.len(), people.len());
    let mut next_page = None;
    let mut seen = false;
    let mut paged = false;
    let mut first = true;
    while let Some(k) = l.key(&mut first)? {
        match k.as_ref() {
            "Contacts" => {
                if std::mem::replace(&mut seen, true) {
                    return Err(shape("Contacts", "listed twice"));
                }
                if list(&mut l, || "Contacts".into())? {
                    // About one contact per 600 bytes of a listing.
                    records.reserve((bytes.len() / 600).clamp(1, 128));
                    let mut first = true;
                    while l.item(&mut first)? {
                        // Filled in place: a contact is a few hundred
                        // bytes, not worth a copy each.
                        let i = records.len() - records_from;
                        l.room(Limit::Records, i + 1, || format!("Contacts[{i}]"))?;
                        records.push(Contact::default());
                        if let Some(c) = records.last_mut() {
                            contact(&mut l, c, i, people, people_from, scratch)?;
                        }
                    }
                }
            }
            "pagination" => {
                paged = true;
                next_page = pagination(&mut l)?;
            }
            _ => l.skip()?,
        }
    }
    l.end()?;
    if !seen {
        return Err(shape("Contacts", "no `Contacts` list"));
    }
    if !paged {
        next_page = requested_page
            .filter(|_| records.len() - records_from == super::PAGE_SIZE)
            .map(|p| p.saturating_add(1).to_string());
    }
    Ok(next_page)
}

/// Decodes the pages of one listing, in order, into one page: in groups
/// of consecutive pages, one group per thread (see
/// [`super::decode_contacts_listing`]).
pub(super) fn decode_listing<B: AsRef<[u8]> + Sync>(
    pages: &[B],
    limits: &Limits,
) -> Result<ContactsPage, PageError> {
    let numbers: Vec<usize> = (0..pages.len()).collect();
    let chunk = pages
        .len()
        .div_ceil(crate::matching::par::threads().max(1))
        .max(1);
    let groups = crate::matching::par::map_chunks(&numbers, chunk, |group| {
        let mut out = ContactsPage::default();
        let mut scratch = Scratch::default();
        // The first group's records are the listing's: the others are
        // appended to them.
        let room_for = if group.first() == Some(&0) {
            pages.len()
        } else {
            group.len()
        };
        for (n, &k) in group.iter().enumerate() {
            let page = u32::try_from(k + 1).unwrap_or(u32::MAX);
            let bytes = pages.get(k).map(AsRef::as_ref).unwrap_or_default();
            out.next_page = decode_into(bytes, Some(page), limits, &mut out, &mut scratch)
                .map_err(|error| PageError { page, error })?;
            if n == 0 {
                // A listing's pages are as full as its first (but the
                // last): room for that many once (within the limit of
                // records, a hint, not a bound), so that the records are
                // neither moved as they grow nor given more room than
                // they take (which the allocator would hand out fresh
                // from the kernel on every listing).
                let room = out
                    .records
                    .len()
                    .saturating_mul(room_for)
                    .min(limits.max_records);
                if room > out.records.capacity() {
                    let mut records = Vec::with_capacity(room);
                    records.append(&mut out.records);
                    out.records = records;
                }
            }
        }
        Ok(out)
    });
    let mut groups = groups.into_iter();
    let mut all = groups.next().transpose()?.unwrap_or_default();
    // The first error in page order: the groups are in order, and each
    // stops at its first.
    let rest = groups.collect::<Result<Vec<ContactsPage>, PageError>>()?;
    all.records
        .reserve(rest.iter().map(|p| p.records.len()).sum());
    all.people
        .reserve(rest.iter().map(|p| p.people.len()).sum());
    for mut group in rest {
        all.records.append(&mut group.records);
        all.people.append(&mut group.people);
        all.next_page = group.next_page;
    }
    Ok(all)
}

/// One `Addresses[j]` item, pushed onto `into` unless blank or of a type the
/// model has no place for.
fn address(
    l: &mut Lexer<'_>,
    into: &mut Vec<Address>,
    keys: &mut Keys,
    i: usize,
    j: usize,
) -> Result<(), Fail> {
    let at = |f: &str| format!("Contacts[{i}].Addresses[{j}].{f}");
    object(l, || format!("Contacts[{i}].Addresses[{j}]"))?;
    let mut kind = None;
    let mut lines: [Text<'_>; 4] = [None, None, None, None];
    let mut a = Address::default();
    let mut first = true;
    keys.start();
    while let Some(k) = l.key_as(&mut first, keys)? {
        match k.as_ref() {
            "AddressType" => kind = text(l, || at("AddressType"))?,
            "AddressLine1" => lines[0] = text(l, || at("AddressLine1"))?,
            "AddressLine2" => lines[1] = text(l, || at("AddressLine2"))?,
            "AddressLine3" => lines[2] = text(l, || at("AddressLine3"))?,
            "AddressLine4" => lines[3] = text(l, || at("AddressLine4"))?,
            "City" => a.city = filled(text(l, || at("City"))?),
            "Region" => a.region = filled(text(l, || at("Region"))?),
            "PostalCode" => a.postal_code = filled(text(l, || at("PostalCode"))?),
            "Country" => a.country = filled(text(l, || at("Country"))?),
            _ => l.skip()?,
        }
    }
    a.kind = match kind.as_deref() {
        Some("STREET") => AddressKind::Physical,
        Some("POBOX") => AddressKind::Mailing,
        // Other types (DELIVERY…) have no place in the model.
        _ => return Ok(()),
    };
    let used = lines
        .iter()
        .rposition(|x| x.as_deref().is_some_and(|v| !is_blank(v)))
        .map_or(0, |n| n + 1);
    if used > 0 {
        a.lines = lines
            .into_iter()
            .take(used)
            .map(|x| x.map(Cow::into_owned).unwrap_or_default())
            .collect();
    }
    if a.is_blank() {
        return Ok(());
    }
    if into.iter().any(|b| b.kind == a.kind) {
        return Err(shape(
            format!("Contacts[{i}].Addresses[{j}]"),
            "a second address of the same type",
        ));
    }
    into.push(a);
    Ok(())
}

/// One `Phones[j]` item, pushed onto `into` when its number is filled.
fn phone(
    l: &mut Lexer<'_>,
    into: &mut Vec<Phone>,
    keys: &mut Keys,
    i: usize,
    j: usize,
) -> Result<(), Fail> {
    let at = |f: &str| format!("Contacts[{i}].Phones[{j}].{f}");
    object(l, || format!("Contacts[{i}].Phones[{j}]"))?;
    let (mut kind, mut number, mut area, mut country) = (None, None, None, None);
    let mut first = true;
    keys.start();
    while let Some(k) = l.key_as(&mut first, keys)? {
        match k.as_ref() {
            "PhoneType" => kind = text(l, || at("PhoneType"))?,
            "PhoneNumber" => number = text(l, || at("PhoneNumber"))?,
            "PhoneAreaCode" => area = text(l, || at("PhoneAreaCode"))?,
            "PhoneCountryCode" => country = text(l, || at("PhoneCountryCode"))?,
            _ => l.skip()?,
        }
    }
    let kind = match kind.as_deref() {
        Some("DEFAULT") => PhoneKind::Primary,
        Some("MOBILE") => PhoneKind::Mobile,
        Some("FAX") => PhoneKind::Fax,
        Some("DDI" | "OFFICE") => PhoneKind::Other,
        _ => return Ok(()),
    };
    let blank = |t: &Text<'_>| t.as_deref().is_none_or(is_blank);
    if blank(&number) {
        return Ok(());
    }
    let number = if blank(&country) && blank(&area) {
        number.map(Cow::into_owned).unwrap_or_default()
    } else {
        let number = number.as_deref().unwrap_or_default();
        let mut s = String::with_capacity(number.len() + 8);
        for part in [&country, &area] {
            if let Some(p) = part.as_deref().filter(|p| !is_blank(p)) {
                s.push_str(p.trim());
                s.push(' ');
            }
        }
        s.push_str(number);
        s
    };
    into.push(Phone { kind, number });
    Ok(())
}

/// A contact person: first, last name and email.
type Person = (Option<String>, Option<String>, Option<String>);

fn person(l: &mut Lexer<'_>, i: usize, j: usize) -> Result<Person, Fail> {
    let at = |f: &str| format!("Contacts[{i}].ContactPersons[{j}].{f}");
    object(l, || format!("Contacts[{i}].ContactPersons[{j}]"))?;
    let mut p: Person = (None, None, None);
    let mut first = true;
    while let Some(k) = l.key(&mut first)? {
        match k.as_ref() {
            "FirstName" => p.0 = filled(text(l, || at("FirstName"))?),
            "LastName" => p.1 = filled(text(l, || at("LastName"))?),
            "EmailAddress" => p.2 = filled(text(l, || at("EmailAddress"))?),
            _ => l.skip()?,
        }
    }
    Ok(p)
}

/// The first active group's name in `ContactGroups`.
fn group(l: &mut Lexer<'_>, i: usize, j: usize) -> Result<Option<String>, Fail> {
    let at = |f: &str| format!("Contacts[{i}].ContactGroups[{j}].{f}");
    object(l, || format!("Contacts[{i}].ContactGroups[{j}]"))?;
    let (mut name, mut status) = (None, None);
    let mut first = true;
    while let Some(k) = l.key(&mut first)? {
        match k.as_ref() {
            "Name" => name = filled(text(l, || at("Name"))?),
            "Status" => status = text(l, || at("Status"))?,
            _ => l.skip()?,
        }
    }
    Ok(name.filter(|_| status.as_deref().is_none_or(|s| s == "ACTIVE")))
}

/// Reads the items of a list with `each(lexer, index)`.
fn each<'a>(
    l: &mut Lexer<'a>,
    path: impl Fn() -> String,
    mut each: impl FnMut(&mut Lexer<'a>, usize) -> Result<(), Fail>,
) -> Result<(), Fail> {
    if list(l, &path)? {
        let mut first = true;
        let mut j = 0;
        while l.item(&mut first)? {
            l.room(Limit::ItemsPerRecord, j + 1, || format!("{}[{j}]", path()))?;
            each(l, j)?;
            j += 1;
        }
    }
    Ok(())
}

/// Reads `Contacts[i]` into `c` (a default contact) and its contact
/// persons onto `people` (of which the document's own start at
/// `people_from`).
fn contact(
    l: &mut Lexer<'_>,
    c: &mut Contact,
    i: usize,
    people: &mut Vec<Contact>,
    people_from: usize,
    scratch: &mut Scratch,
) -> Result<(), Fail> {
    let at = |f: &str| format!("Contacts[{i}].{f}");
    object(l, || format!("Contacts[{i}]"))?;
    let Scratch {
        addresses,
        phones,
        persons,
        contact_keys,
        address_keys,
        phone_keys,
    } = scratch;
    addresses.clear();
    phones.clear();
    persons.clear();
    let mut first = true;
    contact_keys.start();
    while let Some(k) = l.key_as(&mut first, contact_keys)? {
        match k.as_ref() {
            "ContactID" => {
                if let Some(id) = text(l, || at("ContactID"))? {
                    c.id = ContactId::new(id);
                }
            }
            "ContactStatus" => {
                c.status = match text(l, || at("ContactStatus"))?.as_deref() {
                    None | Some("ACTIVE") => ContactStatus::Active,
                    // GDPRREQUEST: the contact asked to be forgotten; it is
                    // no longer in use and gets no new work, like an
                    // archived one.
                    Some("ARCHIVED" | "GDPRREQUEST") => ContactStatus::Archived,
                    Some(other) => {
                        return Err(shape(
                            at("ContactStatus"),
                            format!("unknown status `{}`", head(other)),
                        ));
                    }
                };
            }
            "Name" => c.display_name = filled(text(l, || at("Name"))?),
            "FirstName" => c.first_name = filled(text(l, || at("FirstName"))?),
            "LastName" => c.last_name = filled(text(l, || at("LastName"))?),
            "EmailAddress" => {
                c.emails.clear();
                if let Some(e) = filled(text(l, || at("EmailAddress"))?) {
                    c.emails = vec![Email {
                        address: e,
                        primary: true,
                    }];
                }
            }
            "CompanyNumber" => {
                c.extras.company_number = filled(text(l, || at("CompanyNumber"))?);
            }
            // The number is not read (it may be a person's SSN): its type
            // tells the classifier a person's number from a business's.
            "TaxNumberType" => {
                c.extras.tax_id = text(l, || at("TaxNumberType"))?
                    .as_deref()
                    .and_then(TaxIdKind::from_xero);
            }
            "MergedToContactID" => {
                c.extras.merged_into =
                    filled(text(l, || at("MergedToContactID"))?).map(ContactId::new);
            }
            "UpdatedDateUTC" => {
                let t = text(l, || at("UpdatedDateUTC"))?;
                let when = match t.as_deref() {
                    None => None,
                    Some(s) => Some(dates::timestamp(s).ok_or_else(|| {
                        shape(at("UpdatedDateUTC"), format!("`{}` is not a date", head(s)))
                    })?),
                };
                c.extras.updated_at = when;
                c.extras.version = when.map(VersionToken::UpdatedAt);
            }
            "Addresses" => {
                addresses.clear();
                each(
                    l,
                    || at("Addresses"),
                    |l, j| address(l, addresses, address_keys, i, j),
                )?;
            }
            "Phones" => {
                phones.clear();
                each(
                    l,
                    || at("Phones"),
                    |l, j| phone(l, phones, phone_keys, i, j),
                )?;
            }
            "ContactGroups" => {
                c.client_group = None;
                each(
                    l,
                    || at("ContactGroups"),
                    |l, j| {
                        let g = group(l, i, j)?;
                        if c.client_group.is_none() {
                            c.client_group = g;
                        }
                        Ok(())
                    },
                )?;
            }
            "ContactPersons" => {
                persons.clear();
                each(
                    l,
                    || at("ContactPersons"),
                    |l, j| {
                        persons.push(person(l, i, j)?);
                        Ok(())
                    },
                )?;
            }
            _ => l.skip()?,
        }
    }
    // The postal (POBOX) address is the one Xero prints on invoices: it is
    // the primary one when there is one.
    let primary = addresses
        .iter()
        .position(|a| a.kind == AddressKind::Mailing)
        .unwrap_or(0);
    if let Some(a) = addresses.get_mut(primary) {
        a.primary = true;
    }
    // Moved out at their exact size (the scratch lists keep their room).
    if !addresses.is_empty() {
        c.addresses = Vec::with_capacity(addresses.len());
        c.addresses.append(addresses);
    }
    if !phones.is_empty() {
        c.phones = Vec::with_capacity(phones.len());
        c.phones.append(phones);
    }
    // At most ItemsPerRecord (bounded above); a count the classifier reads.
    c.extras.contact_persons = u8::try_from(persons.len()).unwrap_or(u8::MAX);
    for (n, (first_name, last_name, email)) in persons.drain(..).enumerate() {
        // Contact persons become records of their own.
        l.room(Limit::Records, people.len() - people_from + 1, || {
            format!("Contacts[{i}].ContactPersons[{n}]")
        })?;
        people.push(Contact {
            id: ContactId::new(format!("{}#{}", c.id, n + 1)),
            kind: Some(ContactKind::Person),
            first_name,
            last_name,
            emails: email
                .map(|address| Email {
                    address,
                    primary: true,
                })
                .into_iter()
                .collect(),
            organization_ids: vec![c.id.clone()],
            status: c.status,
            ..Contact::default()
        });
    }
    Ok(())
}
