use chrono::{DateTime, Utc};

use super::ContactId;

/// Person or organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ContactKind {
    /// An individual: first, middle and last name.
    Person,
    /// A company, trust, partnership, couple filing jointly…: a name.
    Organization,
}

impl ContactKind {
    /// `"person"` or `"organization"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Organization => "organization",
        }
    }
}

/// Whether a contact is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ContactStatus {
    /// In use.
    #[default]
    Active,
    /// Archived (Xero `ARCHIVED`, XPM `IsArchived`, QBO `Active=false`).
    Archived,
}

/// An email address. One email of a contact is marked `primary`: the
/// billing email on the local side, the primary `EmailAddress` on a ledger.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Email {
    /// The address as entered (not normalised).
    pub address: String,
    /// The billing / primary marker.
    #[cfg_attr(feature = "serde", serde(default))]
    pub primary: bool,
}

/// What a phone number is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum PhoneKind {
    /// The main number.
    #[default]
    Primary,
    /// A mobile number.
    Mobile,
    /// A fax number.
    Fax,
    /// Anything else (Xero `DDI`, QBO `AlternatePhone`…).
    Other,
}

/// A phone number, kept as free text (QBO `FreeFormNumber`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Phone {
    /// What the number is for.
    pub kind: PhoneKind,
    /// The number as entered.
    pub number: String,
}

/// What an address is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum AddressKind {
    /// Physical / street address (Xero `STREET`, QBO `ShipAddr`).
    #[default]
    Physical,
    /// Mailing / postal address (Xero `POBOX`, XPM `PostalAddress`).
    Mailing,
    /// Billing address (QBO `BillAddr`).
    Billing,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Address {
    /// What the address is for.
    pub kind: AddressKind,
    /// The contact's primary address (only this one is sent to QBO).
    #[cfg_attr(feature = "serde", serde(default))]
    pub primary: bool,
    /// Street lines, first to last.
    #[cfg_attr(feature = "serde", serde(default))]
    pub lines: Vec<String>,
    /// City or town.
    #[cfg_attr(feature = "serde", serde(default))]
    pub city: Option<String>,
    /// State, region, county.
    #[cfg_attr(feature = "serde", serde(default))]
    pub region: Option<String>,
    /// Postal or ZIP code.
    #[cfg_attr(feature = "serde", serde(default))]
    pub postal_code: Option<String>,
    /// Country, as entered.
    #[cfg_attr(feature = "serde", serde(default))]
    pub country: Option<String>,
}

impl Address {
    /// True when no part of the address holds any non-blank text.
    #[must_use]
    pub fn is_blank(&self) -> bool {
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|v| v.trim().is_empty());
        self.lines.iter().all(|l| l.trim().is_empty())
            && blank(&self.city)
            && blank(&self.region)
            && blank(&self.postal_code)
            && blank(&self.country)
    }
}

/// A provider's concurrency token for a record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum VersionToken {
    /// QBO `SyncToken`: must be sent back unchanged on update.
    SyncToken(String),
    /// Xero `UpdatedDateUTC` / XPM modification time.
    UpdatedAt(DateTime<Utc>),
}

/// Fields only one provider has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProviderExtras {
    /// XPM `BusinessStructure`: an open string each practice configures
    /// ("Individual", "Company", "Trust", …). Drives the person /
    /// organisation decision (T1).
    #[cfg_attr(feature = "serde", serde(default))]
    pub business_structure: Option<String>,
    /// QBO `ParentRef`: the parent customer of a sub-customer or job.
    #[cfg_attr(feature = "serde", serde(default))]
    pub parent_id: Option<ContactId>,
    /// The provider's version token for optimistic concurrency.
    #[cfg_attr(feature = "serde", serde(default))]
    pub version: Option<VersionToken>,
    /// When the record last changed on its own side (Xero
    /// `UpdatedDateUTC`, QBO `MetaData.LastUpdatedTime`, the firm's own
    /// modification time). Used by the "newest wins" conflict policy (F4).
    #[cfg_attr(feature = "serde", serde(default))]
    pub updated_at: Option<DateTime<Utc>>,
    /// Xero `MergedToContactID`: the contact this archived record was merged
    /// into (U3).
    #[cfg_attr(feature = "serde", serde(default))]
    pub merged_into: Option<ContactId>,
    /// Xero `CompanyNumber`: a company registration number is recorded
    /// (a hint for the person / organisation classifier, T3).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub company_number: Option<String>,
    /// Xero `TaxNumberType`: what kind of tax number the record carries
    /// (the number itself is never read: it may be a person's social
    /// security number). A hint for the classifier (T3).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub tax_id: Option<TaxIdKind>,
    /// How many contact persons the ledger lists for the record (Xero
    /// `ContactPersons`): people are rarely listed under a person. A hint
    /// for the classifier (T3).
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "is_zero"))]
    pub contact_persons: u8,
}

/// Whether a count is zero (left out of the JSON).
#[cfg(feature = "serde")]
#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes a reference
const fn is_zero(n: &u8) -> bool {
    *n == 0
}

/// The kind of a tax number a ledger record carries (Xero `TaxNumberType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum TaxIdKind {
    /// A person's number (US `SSN`, `ITIN`, `ATIN`).
    Personal,
    /// A business's number (US `EIN`).
    Business,
}

impl TaxIdKind {
    /// The kind of Xero's `TaxNumberType` value, `None` for one this crate
    /// does not know.
    #[must_use]
    pub fn from_xero(value: &str) -> Option<Self> {
        match value.trim().to_ascii_uppercase().as_str() {
            "SSN" | "ITIN" | "ATIN" => Some(Self::Personal),
            "EIN" => Some(Self::Business),
            _ => None,
        }
    }
}

/// A contact on either side of a connection.
///
/// The same shape holds the firm's own contacts and a ledger's records, so
/// that one set of rules can compare them. Fields a side does not have stay
/// empty. Names are kept exactly as entered; comparison happens on
/// normalised copies (see [`crate::normalize`]).
///
/// Field by provider:
///
/// | field | local | Xero | XPM client | QBO customer |
/// |---|---|---|---|---|
/// | `display_name` | contact name | `Name` | `Name` | `DisplayName` |
/// | `organization_name` | legal / company name | – | – | `CompanyName` |
/// | `first_name`, `last_name` | person's names | contact person | individuals | `GivenName`, `FamilyName` |
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Contact {
    /// The record's id on its own side.
    pub id: ContactId,
    /// Person or organisation; `None` when the source does not say (a Xero
    /// contact, a QBO customer before the type rules ran).
    #[cfg_attr(feature = "serde", serde(default))]
    pub kind: Option<ContactKind>,
    /// The name the contact is known by.
    #[cfg_attr(feature = "serde", serde(default))]
    pub display_name: Option<String>,
    /// Company or legal name of an organisation (QBO `CompanyName`).
    #[cfg_attr(feature = "serde", serde(default))]
    pub organization_name: Option<String>,
    /// Given name.
    #[cfg_attr(feature = "serde", serde(default))]
    pub first_name: Option<String>,
    /// Middle name (never used for matching, N3).
    #[cfg_attr(feature = "serde", serde(default))]
    pub middle_name: Option<String>,
    /// Family name.
    #[cfg_attr(feature = "serde", serde(default))]
    pub last_name: Option<String>,
    /// Email addresses; the one marked `primary` is the billing email.
    #[cfg_attr(feature = "serde", serde(default))]
    pub emails: Vec<Email>,
    /// Phone numbers.
    #[cfg_attr(feature = "serde", serde(default))]
    pub phones: Vec<Phone>,
    /// Addresses.
    #[cfg_attr(feature = "serde", serde(default))]
    pub addresses: Vec<Address>,
    /// The firm's contact type ("Client", "Client – QuickBooks", …).
    #[cfg_attr(feature = "serde", serde(default))]
    pub contact_type: Option<String>,
    /// For a person: the organisations the person belongs to.
    #[cfg_attr(feature = "serde", serde(default))]
    pub organization_ids: Vec<ContactId>,
    /// Active or archived.
    #[cfg_attr(feature = "serde", serde(default))]
    pub status: ContactStatus,
    /// Client group the contact belongs to, if any.
    #[cfg_attr(feature = "serde", serde(default))]
    pub client_group: Option<String>,
    /// Provider-specific fields.
    #[cfg_attr(feature = "serde", serde(default))]
    pub extras: ProviderExtras,
}

/// `s` unless it is missing or blank: the one test of "is this field
/// filled in" used throughout the crate.
pub(crate) fn present(s: Option<&str>) -> Option<&str> {
    // Only the start is trimmed: a filled-in field stops at its first byte.
    s.filter(|v| !v.trim_start().is_empty())
}

fn non_blank(s: &Option<String>) -> Option<&str> {
    present(s.as_deref())
}

impl Contact {
    /// A person with a first and last name.
    pub fn person(
        id: impl Into<ContactId>,
        first: impl Into<String>,
        last: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            kind: Some(ContactKind::Person),
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            ..Self::default()
        }
    }

    /// An organisation with a name (used as both display and legal name).
    pub fn organization(id: impl Into<ContactId>, name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            id: id.into(),
            kind: Some(ContactKind::Organization),
            display_name: Some(name.clone()),
            organization_name: Some(name),
            ..Self::default()
        }
    }

    /// A record whose kind is not known yet (a Xero contact): just a name.
    pub fn named(id: impl Into<ContactId>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            display_name: Some(name.into()),
            ..Self::default()
        }
    }

    /// Adds an email; the first one added is marked primary / billing.
    #[must_use]
    pub fn with_email(mut self, address: impl Into<String>) -> Self {
        let primary = !self.emails.iter().any(|e| e.primary);
        self.emails.push(Email {
            address: address.into(),
            primary,
        });
        self
    }

    /// Adds a phone number of the given kind.
    #[must_use]
    pub fn with_phone(mut self, kind: PhoneKind, number: impl Into<String>) -> Self {
        self.phones.push(Phone {
            kind,
            number: number.into(),
        });
        self
    }

    /// Adds an address; the first one added is marked primary.
    #[must_use]
    pub fn with_address(mut self, mut address: Address) -> Self {
        if !self.addresses.iter().any(|a| a.primary) {
            address.primary = true;
        }
        self.addresses.push(address);
        self
    }

    /// Sets the display name.
    #[must_use]
    pub fn with_display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }

    /// Sets the company / legal name.
    #[must_use]
    pub fn with_organization_name(mut self, name: impl Into<String>) -> Self {
        self.organization_name = Some(name.into());
        self
    }

    /// Sets first and last name.
    #[must_use]
    pub fn with_names(mut self, first: impl Into<String>, last: impl Into<String>) -> Self {
        self.first_name = Some(first.into());
        self.last_name = Some(last.into());
        self
    }

    /// Sets the XPM business structure.
    #[must_use]
    pub fn with_business_structure(mut self, structure: impl Into<String>) -> Self {
        self.extras.business_structure = Some(structure.into());
        self
    }

    /// Sets the contact type.
    #[must_use]
    pub fn with_contact_type(mut self, contact_type: impl Into<String>) -> Self {
        self.contact_type = Some(contact_type.into());
        self
    }

    /// Links a person to an organisation.
    #[must_use]
    pub fn linked_to(mut self, organization: impl Into<ContactId>) -> Self {
        self.organization_ids.push(organization.into());
        self
    }

    /// The billing / primary email: the first one marked `primary`, if it
    /// is not blank (exactly the email the planner keeps in step, F1).
    ///
    /// Other addresses are kept but never read as the billing email: a
    /// contact whose emails are all unmarked has no billing email (it is
    /// matched on its name alone and the audit reports it, H3). That is
    /// what lets the sync clear a billing email while keeping a second
    /// address (F5): [`with_email`](Self::with_email) marks the first
    /// address it adds, and the decoders mark the ledger's email.
    #[must_use]
    pub fn billing_email(&self) -> Option<&str> {
        self.emails
            .iter()
            .find(|e| e.primary)
            .map(|e| e.address.as_str())
            .filter(|a| !a.trim().is_empty())
    }

    /// The phone of kind `Primary` (the first one that is not blank), and
    /// nothing else: a mobile or other number is never taken for it. This is
    /// the value the planner keeps in step as the primary phone (F1).
    #[must_use]
    pub fn primary_phone(&self) -> Option<&Phone> {
        self.phone(PhoneKind::Primary)
    }

    /// The first phone of `kind` that is not blank: the value the planner
    /// keeps in step for that kind of number (F1).
    #[must_use]
    pub fn phone(&self, kind: PhoneKind) -> Option<&Phone> {
        self.phones
            .iter()
            .find(|p| p.kind == kind && !p.number.trim().is_empty())
    }

    /// The first address of `kind` that is not blank: the value the planner
    /// keeps in step for that kind of address (F1).
    #[must_use]
    pub fn address(&self, kind: AddressKind) -> Option<&Address> {
        self.addresses
            .iter()
            .find(|a| a.kind == kind && !a.is_blank())
    }

    /// The primary address: the one marked `primary`, else the first.
    #[must_use]
    pub fn primary_address(&self) -> Option<&Address> {
        self.addresses
            .iter()
            .find(|a| a.primary)
            .or_else(|| self.addresses.first())
    }

    /// Display name if set and not blank.
    #[must_use]
    pub fn display_name(&self) -> Option<&str> {
        non_blank(&self.display_name)
    }

    /// Company / legal name if set and not blank.
    #[must_use]
    pub fn organization_name(&self) -> Option<&str> {
        non_blank(&self.organization_name)
    }

    /// First name if set and not blank.
    #[must_use]
    pub fn first_name(&self) -> Option<&str> {
        non_blank(&self.first_name)
    }

    /// Last name if set and not blank.
    #[must_use]
    pub fn last_name(&self) -> Option<&str> {
        non_blank(&self.last_name)
    }

    /// The name to show a person: display name, else the organisation name,
    /// else first + last (N3), else the empty string.
    #[must_use]
    pub fn label(&self) -> String {
        if let Some(n) = self.display_name().or_else(|| self.organization_name()) {
            return n.to_owned();
        }
        match (self.first_name(), self.last_name()) {
            (Some(f), Some(l)) => format!("{f} {l}"),
            (Some(x), None) | (None, Some(x)) => x.to_owned(),
            (None, None) => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_primary_phone_is_the_primary_kind_only_never_another_number() {
        let c = Contact::person("1", "A", "B").with_phone(PhoneKind::Mobile, "021");
        assert_eq!(c.primary_phone(), None);
        let c = c
            .with_phone(PhoneKind::Primary, " ")
            .with_phone(PhoneKind::Primary, "09");
        assert_eq!(c.primary_phone().map(|p| p.number.as_str()), Some("09"));
        assert_eq!(
            c.phone(PhoneKind::Mobile).map(|p| p.number.as_str()),
            Some("021")
        );
        // A blank marked email is no billing email.
        let mut c = c.with_email(" ");
        assert_eq!(c.billing_email(), None);
        c.emails[0].address = "x@a.test".into();
        assert_eq!(c.billing_email(), Some("x@a.test"));
    }

    #[test]
    fn billing_email_is_the_marked_one_only() {
        let mut c = Contact::person("1", "A", "B").with_email("x@a.com");
        c.emails.push(Email {
            address: "y@a.com".into(),
            primary: false,
        });
        assert_eq!(c.billing_email(), Some("x@a.com"));
        c.emails[0].primary = false;
        c.emails[1].primary = true;
        assert_eq!(c.billing_email(), Some("y@a.com"));
        // No marked address: no billing email (a second address is never
        // promoted behind the firm's back, F5).
        c.emails[1].primary = false;
        assert_eq!(c.billing_email(), None);
    }

    #[test]
    fn label_follows_n3() {
        // N3: first + last when no display name
        assert_eq!(Contact::person("1", "Jane", "Smith").label(), "Jane Smith");
        let c = Contact::person("1", "Jane", "Smith").with_display_name("J. Smith");
        assert_eq!(c.label(), "J. Smith");
        assert_eq!(Contact::default().label(), "");
    }

    #[test]
    fn address_blankness() {
        assert!(Address::default().is_blank());
        let a = Address {
            city: Some("Leeds".into()),
            ..Address::default()
        };
        assert!(!a.is_blank());
    }
}
