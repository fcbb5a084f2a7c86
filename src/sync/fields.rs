//! The synced fields of each provider (F1): how a field is read from a
//! contact, compared, and written back.
//!
//! Every field reads the same way on both sides, and writing a value then
//! reading it gives the value back, so that once both sides hold the same
//! value the planner sees nothing to do (F5).

use std::borrow::Cow;
use std::fmt;

use crate::model::{Address, AddressKind, Contact, Email, Phone};
use crate::rules::Profile;

pub use crate::rules::SyncField;

/// The name fields that travel together.
#[derive(Debug, Clone, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NameValue {
    /// The name shown: display name, else company name, else first + last
    /// (N3).
    pub display: String,
    /// Company name (QBO `CompanyName`; `None` under the Xero profiles,
    /// which have no such field).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub company: Option<String>,
    /// Given name.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub first: Option<String>,
    /// Family name.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub last: Option<String>,
}

/// The value of one synced field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum FieldValue {
    /// A name.
    Name(NameValue),
    /// An email address or a phone number, as entered.
    Text(String),
    /// An address (its `kind` and `primary` flag are not part of the value).
    Address(Address),
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(n) => f.write_str(&n.display),
            Self::Text(t) => f.write_str(t),
            Self::Address(a) => {
                let mut first = true;
                let parts = a.lines.iter().map(String::as_str).chain(
                    [&a.city, &a.region, &a.postal_code, &a.country]
                        .into_iter()
                        .filter_map(|p| p.as_deref()),
                );
                for p in parts.filter(|p| !p.trim().is_empty()) {
                    if !first {
                        f.write_str(", ")?;
                    }
                    first = false;
                    f.write_str(p)?;
                }
                Ok(())
            }
        }
    }
}

fn opt(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

/// Reads `field` from `contact` under `profile`. `None`: the field is empty.
#[must_use]
pub fn read_field(profile: Profile, contact: &Contact, field: SyncField) -> Option<FieldValue> {
    read_field_ref(profile, contact, field).map(FieldRef::into_value)
}

/// A synced field's value as it stands in a contact, borrowed: what
/// [`read_field`] gives, before anything is copied (the planner hashes and
/// compares values this way; only the values it keeps are built).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldRef<'a> {
    /// A name (borrowed but for a person's first + last name).
    Name {
        display: Cow<'a, str>,
        company: Option<&'a str>,
        first: Option<&'a str>,
        last: Option<&'a str>,
    },
    /// An email address or a phone number.
    Text(&'a str),
    /// An address, read as an address of `kind`.
    Address(AddressKind, &'a Address),
}

impl FieldRef<'_> {
    /// The owned value.
    pub(crate) fn into_value(self) -> FieldValue {
        match self {
            Self::Name {
                display,
                company,
                first,
                last,
            } => FieldValue::Name(NameValue {
                display: display.into_owned(),
                company: opt(company),
                first: opt(first),
                last: opt(last),
            }),
            Self::Text(t) => FieldValue::Text(t.to_owned()),
            Self::Address(kind, a) => FieldValue::Address(Address {
                kind,
                primary: false,
                ..a.clone()
            }),
        }
    }
}

/// [`Contact::label`] without a copy when the name is stored whole.
fn label(contact: &Contact) -> Cow<'_, str> {
    if let Some(n) = contact
        .display_name()
        .or_else(|| contact.organization_name())
    {
        return Cow::Borrowed(n);
    }
    match (contact.first_name(), contact.last_name()) {
        (Some(f), Some(l)) => Cow::Owned(format!("{f} {l}")),
        (Some(x), None) | (None, Some(x)) => Cow::Borrowed(x),
        (None, None) => Cow::Borrowed(""),
    }
}

/// [`read_field`], borrowed. The one definition of each field's value.
pub(crate) fn read_field_ref(
    profile: Profile,
    contact: &Contact,
    field: SyncField,
) -> Option<FieldRef<'_>> {
    match field {
        SyncField::Name => {
            let display = label(contact);
            let rules = profile.rules();
            let company = contact
                .organization_name()
                .filter(|_| rules.syncs_company_name);
            // Xero's FirstName / LastName belong to its contact person, not
            // to the contact's name: under the Xero GL profile the name is
            // the display name alone, and a person's names are left alone.
            let people = rules.syncs_name_parts;
            let first = contact.first_name().filter(|_| people);
            let last = contact.last_name().filter(|_| people);
            let empty =
                display.is_empty() && company.is_none() && first.is_none() && last.is_none();
            (!empty).then_some(FieldRef::Name {
                display,
                company,
                first,
                last,
            })
        }
        // The model's accessors are the one definition of each field's
        // value: what a service reads through them is what is synced.
        SyncField::Email => contact.billing_email().map(FieldRef::Text),
        f => {
            if let Some(kind) = f.phone_kind() {
                contact.phone(kind).map(|p| FieldRef::Text(&p.number))
            } else if let Some(kind) = f.address_kind() {
                contact.address(kind).map(|a| FieldRef::Address(kind, a))
            } else {
                None
            }
        }
    }
}

/// Whether `field` of `contact` currently reads as `value`, without
/// building the value (the steady-state path compares every field of every
/// linked pair).
#[must_use]
pub fn field_equals(
    profile: Profile,
    contact: &Contact,
    field: SyncField,
    value: Option<&FieldValue>,
) -> bool {
    if quick_equals(profile, contact, field, value) {
        return true;
    }
    match (field, value) {
        (SyncField::Email, v) => {
            let cur = contact.billing_email();
            match (cur, v) {
                (None, None) => true,
                (Some(c), Some(FieldValue::Text(t))) => c == t,
                _ => false,
            }
        }
        (f, v) if f.phone_kind().is_some() => {
            let cur = f.phone_kind().and_then(|k| contact.phone(k));
            match (cur, v) {
                (None, None) => true,
                (Some(c), Some(FieldValue::Text(t))) => c.number == *t,
                _ => false,
            }
        }
        (f, v) if f.address_kind().is_some() => {
            let cur = f.address_kind().and_then(|k| contact.address(k));
            match (cur, v) {
                (None, None) => true,
                (Some(c), Some(FieldValue::Address(a))) => same_address(c, a),
                _ => false,
            }
        }
        (SyncField::Name, Some(FieldValue::Name(n))) => {
            let rules = profile.rules();
            let company_ok = if rules.syncs_company_name {
                contact.organization_name() == n.company.as_deref()
            } else {
                n.company.is_none()
            };
            let names_ok = if rules.syncs_name_parts {
                contact.first_name() == n.first.as_deref()
                    && contact.last_name() == n.last.as_deref()
            } else {
                n.first.is_none() && n.last.is_none()
            };
            company_ok && names_ok && label_equals(contact, &n.display)
        }
        (SyncField::Name, None) => read_field(profile, contact, SyncField::Name).is_none(),
        _ => false,
    }
}

/// Whether two addresses carry the same synced values (their kind and
/// primary flag aside).
fn same_address(c: &Address, a: &Address) -> bool {
    c.lines == a.lines
        && c.city == a.city
        && c.region == a.region
        && c.postal_code == a.postal_code
        && c.country == a.country
}

/// Whether `s` starts with a printable ASCII character: then it is not
/// blank (no such character is white space), without a trim.
fn solid(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_graphic)
}

/// An optional text as read (blank reads as none) equals `want`, when that
/// can be told without a trim: both none, or the same solid text.
fn same_text(raw: Option<&String>, want: Option<&str>) -> bool {
    match (raw, want) {
        (None, None) => true,
        (Some(r), Some(w)) => solid(w) && r == w,
        _ => false,
    }
}

/// The common case of [`field_equals`] told cheaply: `true` only when the
/// field reads as `value` (a value that starts with a printable character
/// is found at the entry the field is read from), `false` when it cannot
/// tell (the full comparison decides).
fn quick_equals(
    profile: Profile,
    contact: &Contact,
    field: SyncField,
    value: Option<&FieldValue>,
) -> bool {
    match (field, value) {
        (SyncField::Email, Some(FieldValue::Text(t))) => {
            solid(t)
                && contact
                    .emails
                    .iter()
                    .find(|e| e.primary)
                    .is_some_and(|e| e.address == *t)
        }
        (SyncField::Name, Some(FieldValue::Name(n))) => {
            let rules = profile.rules();
            let company_ok = if rules.syncs_company_name {
                same_text(contact.organization_name.as_ref(), n.company.as_deref())
            } else {
                n.company.is_none()
            };
            let names_ok = if rules.syncs_name_parts {
                same_text(contact.first_name.as_ref(), n.first.as_deref())
                    && same_text(contact.last_name.as_ref(), n.last.as_deref())
            } else {
                n.first.is_none() && n.last.is_none()
            };
            company_ok
                && names_ok
                && solid(&n.display)
                && contact.display_name.as_deref() == Some(n.display.as_str())
        }
        (f, Some(FieldValue::Text(t))) => {
            // The first number of the kind, if solid, is the one read.
            solid(t)
                && f.phone_kind().is_some_and(|k| {
                    contact
                        .phones
                        .iter()
                        .find(|p| p.kind == k)
                        .is_some_and(|p| p.number == *t)
                })
        }
        (f, Some(FieldValue::Address(a))) => {
            // The first address of the kind, if not blank, is the one read.
            let not_blank = a.lines.iter().any(|l| solid(l))
                || [&a.city, &a.region, &a.postal_code, &a.country]
                    .into_iter()
                    .any(|p| p.as_deref().is_some_and(solid));
            not_blank
                && f.address_kind().is_some_and(|k| {
                    contact
                        .addresses
                        .iter()
                        .find(|c| c.kind == k)
                        .is_some_and(|c| same_address(c, a))
                })
        }
        _ => false,
    }
}

fn label_equals(contact: &Contact, display: &str) -> bool {
    if let Some(n) = contact
        .display_name()
        .or_else(|| contact.organization_name())
    {
        return n == display;
    }
    match (contact.first_name(), contact.last_name()) {
        (Some(f), Some(l)) => {
            display.len() == f.len() + 1 + l.len()
                && display.starts_with(f)
                && display.ends_with(l)
                && display.as_bytes()[f.len()] == b' '
        }
        (Some(x), None) | (None, Some(x)) => x == display,
        (None, None) => display.is_empty(),
    }
}

/// Writes `value` into `field` of `contact`; reading the field afterwards
/// gives `value` back, `None` included (F5: otherwise a cleared value
/// would be read from another entry and sent back).
///
/// Setting a value replaces the entry the field reads. Clearing removes
/// every entry the field could be read from: the addresses marked as the
/// billing email (unmarked addresses are kept), every number of the phone
/// kind, every address of the address kind, and under every profile all
/// the parts a name is read from.
pub fn write_field(
    profile: Profile,
    contact: &mut Contact,
    field: SyncField,
    value: Option<&FieldValue>,
) {
    match field {
        SyncField::Name => write_name(profile, contact, value),
        SyncField::Email => write_email(contact, value),
        f => {
            if let Some(kind) = f.phone_kind() {
                let pos = contact
                    .phones
                    .iter()
                    .position(|p| p.kind == kind && !p.number.trim().is_empty());
                match (pos, value) {
                    (Some(i), Some(FieldValue::Text(t))) => contact.phones[i].number.clone_from(t),
                    (None, Some(FieldValue::Text(t))) => contact.phones.push(Phone {
                        kind,
                        number: t.clone(),
                    }),
                    // Every number of the kind goes: a second one would
                    // otherwise be read as the field's value (F5).
                    (Some(_), None) => contact
                        .phones
                        .retain(|p| p.kind != kind || p.number.trim().is_empty()),
                    _ => {}
                }
            } else if let Some(kind) = f.address_kind() {
                let pos = contact
                    .addresses
                    .iter()
                    .position(|a| a.kind == kind && !a.is_blank());
                match (pos, value) {
                    (Some(i), Some(FieldValue::Address(a))) => {
                        let primary = contact.addresses[i].primary;
                        contact.addresses[i] = Address {
                            kind,
                            primary,
                            ..a.clone()
                        };
                    }
                    (None, Some(FieldValue::Address(a))) => {
                        let primary = !contact.addresses.iter().any(|x| x.primary);
                        contact.addresses.push(Address {
                            kind,
                            primary,
                            ..a.clone()
                        });
                    }
                    (Some(_), None) => contact.addresses.retain(|a| a.kind != kind || a.is_blank()),
                    _ => {}
                }
            }
        }
    }
}

/// The billing email is the first address marked primary (see
/// [`Contact::billing_email`]): writing one replaces that address (or marks
/// an existing equal one, or adds it); clearing it removes every marked
/// address, so no other address is read as the billing email afterwards,
/// while unmarked addresses are kept.
fn write_email(contact: &mut Contact, value: Option<&FieldValue>) {
    let pos = contact.emails.iter().position(|e| e.primary);
    match (pos, value) {
        (Some(i), Some(FieldValue::Text(t))) => {
            contact.emails[i].address.clone_from(t);
        }
        (None, Some(FieldValue::Text(t))) => {
            if let Some(e) = contact.emails.iter_mut().find(|e| e.address == *t) {
                e.primary = true;
            } else {
                contact.emails.push(Email {
                    address: t.clone(),
                    primary: true,
                });
            }
        }
        (_, None) => contact.emails.retain(|e| !e.primary),
        _ => {}
    }
}

fn write_name(profile: Profile, contact: &mut Contact, value: Option<&FieldValue>) {
    let rules = profile.rules();
    let people = rules.syncs_name_parts;
    let Some(FieldValue::Name(n)) = value else {
        // Every part the name is read from goes, under every profile: a
        // Xero contact named only by its first or last name would otherwise
        // still read as named (F5). The planner never plans this write (a
        // nameless record does not overwrite a name); it is here for
        // completeness of the mapping.
        contact.display_name = None;
        contact.organization_name = None;
        contact.first_name = None;
        contact.last_name = None;
        return;
    };
    if rules.syncs_company_name {
        contact.organization_name.clone_from(&n.company);
    }
    if people {
        contact.first_name.clone_from(&n.first);
        contact.last_name.clone_from(&n.last);
    }
    if contact.display_name().is_none() && label_equals(contact, &n.display) {
        // The name reads right without a display name (N3): keep it unset.
        return;
    }
    // Under the Xero profiles an organisation's legal name follows its
    // display name: they are one field there.
    if !rules.syncs_company_name
        && contact.display_name().is_some()
        && contact.display_name() == contact.organization_name()
    {
        contact.organization_name = Some(n.display.clone());
    }
    contact.display_name = Some(n.display.clone());
}

/// Whether two values are the same once normalised (N1 names and address
/// parts, N2 emails, phone digits): they differ in spelling only.
#[must_use]
pub fn same_after_normalising(a: &FieldValue, b: &FieldValue) -> bool {
    use crate::normalize::{names_equal, normalize_email};
    let opt_eq = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => names_equal(x, y),
        (None, None) => true,
        _ => false,
    };
    match (a, b) {
        (FieldValue::Name(x), FieldValue::Name(y)) => {
            names_equal(&x.display, &y.display)
                && opt_eq(&x.company, &y.company)
                && opt_eq(&x.first, &y.first)
                && opt_eq(&x.last, &y.last)
        }
        (FieldValue::Text(x), FieldValue::Text(y)) => {
            if let (Ok(x), Ok(y)) = (normalize_email(x), normalize_email(y)) {
                return x == y;
            }
            let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
            let (dx, dy) = (digits(x), digits(y));
            !dx.is_empty() && dx == dy
        }
        (FieldValue::Address(x), FieldValue::Address(y)) => {
            x.lines.len() == y.lines.len()
                && x.lines.iter().zip(&y.lines).all(|(a, b)| names_equal(a, b))
                && opt_eq(&x.city, &y.city)
                && opt_eq(&x.region, &y.region)
                && opt_eq(&x.postal_code, &y.postal_code)
                && opt_eq(&x.country, &y.country)
        }
        _ => false,
    }
}

/// One field's change: what it was and what it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FieldChange {
    /// The field.
    pub field: SyncField,
    /// The value before (kept so that nothing is lost silently, F2, F4).
    pub old: Option<FieldValue>,
    /// The value written.
    pub new: Option<FieldValue>,
}

/// The fields an update writes: what [`ContactStore::update`] receives.
///
/// [`ContactStore::update`]: crate::ports::ContactStore::update
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FieldPatch {
    /// The profile whose field mapping applies.
    pub profile: Profile,
    /// The changes, sorted by field.
    pub changes: Vec<FieldChange>,
}

impl FieldPatch {
    /// Writes every change into `contact` (for stores that read, modify
    /// and write a whole record).
    pub fn apply_to(&self, contact: &mut Contact) {
        for c in &self.changes {
            write_field(self.profile, contact, c.field, c.new.as_ref());
        }
    }

    /// Whether the patch writes nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AddressKind, PhoneKind};

    fn sample() -> Contact {
        Contact::person("1", "Jane", "Smith")
            .with_email("jane@smith.test")
            .with_phone(PhoneKind::Mobile, "+64 21 555")
            .with_address(Address {
                kind: AddressKind::Mailing,
                lines: vec!["PO Box 1".into()],
                city: Some("Wellington".into()),
                ..Address::default()
            })
    }

    #[test]
    fn read_then_write_round_trips_every_field() {
        for profile in Profile::ALL {
            let src = sample()
                .with_display_name("J Smith")
                .with_organization_name("Smith Co");
            for &f in SyncField::synced_by(profile) {
                let v = read_field(profile, &src, f);
                let mut dst = Contact::organization("2", "Other Ltd").with_email("o@x.test");
                write_field(profile, &mut dst, f, v.as_ref());
                assert_eq!(read_field(profile, &dst, f), v, "{profile:?} {f}");
                assert!(
                    field_equals(profile, &dst, f, v.as_ref()),
                    "{profile:?} {f}"
                );
                write_field(profile, &mut dst, f, None);
                assert_eq!(
                    read_field(profile, &dst, f),
                    None,
                    "{profile:?} {f} cleared"
                );
            }
        }
    }

    #[test]
    fn person_name_without_display_name_reads_n3() {
        let c = sample();
        let Some(FieldValue::Name(n)) = read_field(Profile::Xpm, &c, SyncField::Name) else {
            panic!("name expected");
        };
        assert_eq!(n.display, "Jane Smith");
        assert!(field_equals(
            Profile::Xpm,
            &c,
            SyncField::Name,
            Some(&FieldValue::Name(n))
        ));
    }

    #[test]
    fn qbo_pushes_only_the_primary_address() {
        // F1: local → QBO sends only the primary address.
        let c = sample();
        assert!(SyncField::BillingAddress.is_pushed(Profile::Xpm, &c));
        assert!(!SyncField::PhysicalAddress.is_pushed(Profile::Qbo, &c));
        assert!(SyncField::Email.is_pushed(Profile::Qbo, &c));
    }
}
