//! From what was read to the model: the elements of one client or contact
//! ([`Fields`]) become a [`Contact`] — a client as an organisation or a
//! person by its business structure, a client's contact as a person — and
//! the people listed under clients become one record each, linked to every
//! client that lists them ([`People`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    Address, AddressKind, Contact, ContactId, ContactKind, ContactStatus, Email, Phone, PhoneKind,
};
use crate::rules::xpm::kind_for_business_structure;
use crate::wire::WireError;
use crate::wire::xpm::text::address_lines;

use super::shape;

/// The elements of one client or contact, as read.
#[derive(Default)]
pub(super) struct Fields<'a> {
    pub(super) uuid: Option<Cow<'a, str>>,
    /// `ID`, the numeric id older answers carry instead of a `UUID`.
    pub(super) id: Option<Cow<'a, str>>,
    pub(super) name: Option<Cow<'a, str>>,
    pub(super) first: Option<Cow<'a, str>>,
    pub(super) last: Option<Cow<'a, str>>,
    pub(super) other: Option<Cow<'a, str>>,
    pub(super) email: Option<Cow<'a, str>>,
    pub(super) phone: Option<Cow<'a, str>>,
    pub(super) fax: Option<Cow<'a, str>>,
    pub(super) mobile: Option<Cow<'a, str>>,
    /// `Address`, `City`, `Region`, `PostCode`, `Country`.
    pub(super) address: [Option<Cow<'a, str>>; 5],
    /// `PostalAddress`, `PostalCity`, … in the same order.
    pub(super) postal: [Option<Cow<'a, str>>; 5],
    pub(super) structure: Option<Cow<'a, str>>,
    /// The first group's name.
    pub(super) group: Option<Cow<'a, str>>,
    pub(super) archived: bool,
    pub(super) deleted: bool,
}

/// An owned copy of a value read.
pub(super) fn owned(v: Option<Cow<'_, str>>) -> Option<String> {
    v.map(Cow::into_owned)
}

/// `Yes` / `No`, in any letter case; an empty element says nothing.
pub(super) fn yes_no(
    value: Option<&str>,
    path: impl FnOnce() -> String,
) -> Result<bool, WireError> {
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

impl Fields<'_> {
    /// A client, with the id the caller read from its `UUID` (`uuid` is
    /// not looked at).
    pub(super) fn into_client(self, id: ContactId) -> Contact {
        let f = self;
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
        c
    }

    /// A client's contact as a person, with the id the caller read from
    /// its `UUID` (`uuid` is not looked at); not yet linked to a client.
    pub(super) fn into_person(self, id: ContactId) -> Contact {
        let f = self;
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
        c
    }
}

/// The people read so far: one record per contact UUID, in order of first
/// appearance, linked to each client that lists it, once.
#[derive(Default)]
pub(super) struct People {
    list: Vec<Contact>,
    by_id: BTreeMap<ContactId, usize>,
    /// The (person, client) links made, so that a person listed under
    /// many clients is linked to each once without scanning its list.
    linked: BTreeSet<(usize, ContactId)>,
}

impl People {
    /// How many records.
    pub(super) fn count(&self) -> usize {
        self.list.len()
    }

    /// Whether a person with this id is already a record.
    pub(super) fn knows(&self, id: &ContactId) -> bool {
        self.by_id.contains_key(id)
    }

    /// Adds a person, or links the one already read under another client.
    /// Links already made are looked up in a set: a person listed under
    /// thousands of clients costs no scan of its list per client.
    pub(super) fn add(&mut self, person: Contact) {
        if !person.id.as_str().is_empty()
            && let Some(&i) = self.by_id.get(&person.id)
            && let Some(existing) = self.list.get_mut(i)
        {
            for org in person.organization_ids {
                if !self.linked.contains(&(i, org.clone())) {
                    self.linked.insert((i, org.clone()));
                    existing.organization_ids.push(org);
                }
            }
            return;
        }
        let i = self.list.len();
        if !person.id.as_str().is_empty() {
            self.by_id.insert(person.id.clone(), i);
            for org in &person.organization_ids {
                self.linked.insert((i, org.clone()));
            }
        }
        self.list.push(person);
    }

    /// The records, in order of first appearance.
    pub(super) fn into_vec(self) -> Vec<Contact> {
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_and_no_in_any_case() {
        let path = String::new;
        assert_eq!(yes_no(Some("YES"), path), Ok(true));
        assert_eq!(yes_no(Some("no"), path), Ok(false));
        assert_eq!(yes_no(None, path), Ok(false));
        assert!(yes_no(Some("true"), path).is_err());
    }

    #[test]
    fn a_person_listed_twice_is_one_record_linked_once_per_client() {
        let person = |org: &str| Contact {
            id: ContactId::from("P1"),
            organization_ids: vec![ContactId::from(org)],
            ..Contact::default()
        };
        let mut people = People::default();
        for org in ["C1", "C2", "C1"] {
            people.add(person(org));
        }
        people.add(Contact::default());
        people.add(Contact::default());
        assert!(people.knows(&ContactId::from("P1")));
        let list = people.into_vec();
        assert_eq!(list.len(), 3, "people without a UUID are never merged");
        let orgs: Vec<&str> = list[0]
            .organization_ids
            .iter()
            .map(|o| o.as_str())
            .collect();
        assert_eq!(orgs, ["C1", "C2"]);
    }
}
