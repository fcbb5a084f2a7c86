//! Each ledger's rules as one description: what is synced and pushed, how
//! names must be unique, what a version token means, which error codes the
//! planners react to, and the field limits with their counting unit.
//!
//! The planners read these descriptions instead of branching on the
//! profile, so a ledger's behaviour is written in one place:
//!
//! | rule | Xero GL | XPM | QBO |
//! |---|---|---|---|
//! | synced fields (F1) | name, email, primary phone, postal address | name, email, every phone, street and postal address | name, email, every phone, `ShipAddr`, `BillAddr` |
//! | first automatic link (F2) | the ledger's values win | merge | merge |
//! | new local contacts pushed (P1) | no | yes | yes |
//! | people under pushed organisations (P3) | no | yes | no |
//! | addresses pushed | every synced one | every synced one | the primary one only |
//! | unique names (U2) | among active contacts | no | among every record |
//! | manual sync default (F7) | both ways | both ways | import only |
//! | version token (U5) | `UpdatedDateUTC`, not a conditional write | none | `SyncToken`, refused when stale |
//! | merges reported (U3) | yes | no | no |
//! | sub-customers | — | — | jobs, not contacts (Q3) |
//! | display name limit | 255 UTF-16 units | 255 UTF-16 units | 500 UTF-16 units |

use std::fmt;

use crate::model::{AddressKind, Contact, PhoneKind};

use super::Profile;
use super::limits::{self, Counting, FieldLimit};

/// What a manually started sync ("Sync now") may write (F7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ManualSyncDirection {
    /// Only import: nothing is written to the ledger (the QBO default).
    ImportOnly,
    /// Both ways, like a scheduled run.
    BothWays,
}

/// A field kept in step between the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum SyncField {
    /// The name: display name, plus company name (QBO) and first / last
    /// name.
    Name,
    /// The billing / primary email.
    Email,
    /// The phone of kind `Primary`.
    PrimaryPhone,
    /// The phone of kind `Mobile`.
    MobilePhone,
    /// The phone of kind `Fax`.
    FaxPhone,
    /// The phone of kind `Other`.
    OtherPhone,
    /// The physical / street address (QBO `ShipAddr`).
    PhysicalAddress,
    /// The mailing / postal address (Xero `POBOX`, printed on invoices:
    /// the billing address of the Xero GL profile).
    MailingAddress,
    /// The billing address (QBO `BillAddr`, its mailing address).
    BillingAddress,
}

impl SyncField {
    /// The fields a profile keeps in step (F1), in a fixed order.
    ///
    /// | profile | fields |
    /// |---|---|
    /// | Xero GL | name, billing email, primary phone, billing address (`POBOX`) |
    /// | XPM | name, email, every phone, physical and postal address |
    /// | QBO | name, email, every phone, physical (`ShipAddr`) and mailing (`BillAddr`) address |
    #[must_use]
    pub const fn synced_by(profile: Profile) -> &'static [Self] {
        profile.rules().synced_fields
    }

    /// `"name"`, `"email"`, `"primary_phone"`, …
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Email => "email",
            Self::PrimaryPhone => "primary_phone",
            Self::MobilePhone => "mobile_phone",
            Self::FaxPhone => "fax_phone",
            Self::OtherPhone => "other_phone",
            Self::PhysicalAddress => "physical_address",
            Self::MailingAddress => "mailing_address",
            Self::BillingAddress => "billing_address",
        }
    }

    /// The phone kind of a phone field.
    #[must_use]
    pub const fn phone_kind(self) -> Option<PhoneKind> {
        match self {
            Self::PrimaryPhone => Some(PhoneKind::Primary),
            Self::MobilePhone => Some(PhoneKind::Mobile),
            Self::FaxPhone => Some(PhoneKind::Fax),
            Self::OtherPhone => Some(PhoneKind::Other),
            _ => None,
        }
    }

    /// The address kind of an address field.
    #[must_use]
    pub const fn address_kind(self) -> Option<AddressKind> {
        match self {
            Self::PhysicalAddress => Some(AddressKind::Physical),
            Self::MailingAddress => Some(AddressKind::Mailing),
            Self::BillingAddress => Some(AddressKind::Billing),
            _ => None,
        }
    }

    /// Whether a local change of this field is sent to the ledger. QBO
    /// receives only the local contact's primary address (F1); every other
    /// synced field goes both ways.
    #[must_use]
    pub fn is_pushed(self, profile: Profile, local: &Contact) -> bool {
        match (profile.rules().pushed_addresses, self.address_kind()) {
            (PushedAddresses::PrimaryOnly, Some(kind)) => {
                local.primary_address().is_some_and(|a| a.kind == kind)
            }
            _ => true,
        }
    }
}

impl fmt::Display for SyncField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the first automatic link of a pair settles values that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum FirstLink {
    /// The ledger's values replace the local synced fields (F2).
    LedgerWins,
    /// A value only one side has is copied across; different values follow
    /// the conflict policy.
    Merge,
}

/// Which local contacts are created in the ledger (P1–P3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Push {
    /// None: the ledger's contacts are only read (Xero GL).
    Never,
    /// Organisations, then the people under them as their contacts (XPM
    /// clients, P2).
    OrganizationsWithTheirPeople,
    /// Every contact, person or organisation (QBO customers, P3).
    Everyone,
}

impl Push {
    /// The rule a push of this kind follows: `"P2"` or `"P3"` (`""` for
    /// [`Push::Never`]).
    #[must_use]
    pub const fn rule(self) -> &'static str {
        match self {
            Self::Never => "",
            Self::OrganizationsWithTheirPeople => "P2",
            Self::Everyone => "P3",
        }
    }
}

/// Which addresses a local change is sent to the ledger for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum PushedAddresses {
    /// Every synced address.
    Every,
    /// Only the local contact's primary address (QBO keeps one of each).
    PrimaryOnly,
}

/// Among which records a ledger requires names to be unique (U2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum NameUniqueness {
    /// Names may repeat.
    None,
    /// Unique among active records (an archived record frees its name).
    AmongActive,
    /// Unique among every record, archived ones included.
    AmongAll,
}

/// What a record's version token means to the ledger (U5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Versions {
    /// No version token.
    None,
    /// A last-modified time the ledger reports but does not check on
    /// writes (Xero's `UpdatedDateUTC`): there is no conditional update.
    ReportedOnly,
    /// A token sent with every update and refused when stale (QBO's
    /// `SyncToken`).
    Checked,
}

/// What a ledger's error code means to the planners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ErrorMeaning {
    /// The name is taken (U2).
    DuplicateName,
    /// The record changed since it was read (U5).
    StaleVersion,
    /// An invoice's document number is already used (I6).
    DuplicateDocNumber,
    /// Too many calls (U4).
    RateLimited,
    /// The credentials were refused or revoked (E3).
    Authentication,
    /// The access token was refused: refresh it and retry.
    AccessTokenExpired,
}

/// One ledger's rules, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct LedgerRules {
    /// The ledger.
    pub profile: Profile,
    /// The fields kept in step, in a fixed order (F1).
    pub synced_fields: &'static [SyncField],
    /// How the first automatic link settles values that differ (F2).
    pub first_link: FirstLink,
    /// Whether the ledger's `FirstName` / `LastName` are a person's name
    /// parts that are synced (XPM, QBO); in Xero they belong to the
    /// contact person and the name is the display name alone.
    pub syncs_name_parts: bool,
    /// Whether the company name is part of the name value (QBO).
    pub syncs_company_name: bool,
    /// Which new or changed local contacts of pushed contact types are
    /// created in the ledger (P1–P3).
    pub push: Push,
    /// Whether a ledger record listing organisations is a contact person
    /// of those clients, imported per the connection's scope (XPM, T2).
    pub client_contacts: bool,
    /// Which addresses are pushed.
    pub pushed_addresses: PushedAddresses,
    /// How names must be unique (U2).
    pub unique_names: NameUniqueness,
    /// What "Sync now" does unless configured (F7).
    pub manual_sync_default: ManualSyncDirection,
    /// What a version token means (U5).
    pub versions: Versions,
    /// Whether the ledger says which record an archived one was merged
    /// into (U3).
    pub reports_merges: bool,
    /// Whether records with a parent are jobs, not contacts (QBO
    /// sub-customers, Q3).
    pub sub_records_are_jobs: bool,
    /// How the ledger counts the length of a text value (the unit of all
    /// its limits in [`limits`](super::limits)).
    pub counting: Counting,
    /// The display name's limit (names are de-collided within it, U2).
    pub display_name: FieldLimit,
    /// The company name's limit where the company name travels with the
    /// display name (QBO: an organisation's must equal its display name,
    /// M5, so its display name is kept within both limits).
    pub company_name: Option<FieldLimit>,
    /// Error codes the codecs and planners react to, with their meaning
    /// (written as the codec reads them: QBO's without leading zeros).
    pub error_codes: &'static [(&'static str, ErrorMeaning)],
}

impl LedgerRules {
    /// What the ledger's error `code` means to the planners, if anything.
    #[must_use]
    pub fn error_meaning(&self, code: &str) -> Option<ErrorMeaning> {
        self.error_codes
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, m)| *m)
    }
}

const XERO_FIELDS: &[SyncField] = &[
    SyncField::Name,
    SyncField::Email,
    SyncField::PrimaryPhone,
    SyncField::MailingAddress,
];
const XPM_FIELDS: &[SyncField] = &[
    SyncField::Name,
    SyncField::Email,
    SyncField::PrimaryPhone,
    SyncField::MobilePhone,
    SyncField::FaxPhone,
    SyncField::OtherPhone,
    SyncField::PhysicalAddress,
    SyncField::MailingAddress,
];
const QBO_FIELDS: &[SyncField] = &[
    SyncField::Name,
    SyncField::Email,
    SyncField::PrimaryPhone,
    SyncField::MobilePhone,
    SyncField::FaxPhone,
    SyncField::OtherPhone,
    SyncField::PhysicalAddress,
    SyncField::BillingAddress,
];

/// Xero general ledger.
pub static XERO_GL: LedgerRules = LedgerRules {
    profile: Profile::XeroGl,
    synced_fields: XERO_FIELDS,
    first_link: FirstLink::LedgerWins,
    syncs_name_parts: false,
    syncs_company_name: false,
    push: Push::Never,
    client_contacts: false,
    pushed_addresses: PushedAddresses::Every,
    unique_names: NameUniqueness::AmongActive,
    manual_sync_default: ManualSyncDirection::BothWays,
    versions: Versions::ReportedOnly,
    reports_merges: true,
    sub_records_are_jobs: false,
    counting: Counting::Utf16Units,
    display_name: limits::xero::NAME,
    company_name: None,
    error_codes: &[],
};

/// Xero Practice Manager.
pub static XPM: LedgerRules = LedgerRules {
    profile: Profile::Xpm,
    synced_fields: XPM_FIELDS,
    first_link: FirstLink::Merge,
    syncs_name_parts: true,
    syncs_company_name: false,
    push: Push::OrganizationsWithTheirPeople,
    client_contacts: true,
    pushed_addresses: PushedAddresses::Every,
    unique_names: NameUniqueness::None,
    manual_sync_default: ManualSyncDirection::BothWays,
    versions: Versions::None,
    reports_merges: false,
    sub_records_are_jobs: false,
    counting: Counting::Utf16Units,
    display_name: limits::xero::NAME,
    company_name: None,
    error_codes: &[],
};

/// QuickBooks Online.
pub static QBO: LedgerRules = LedgerRules {
    profile: Profile::Qbo,
    synced_fields: QBO_FIELDS,
    first_link: FirstLink::Merge,
    syncs_name_parts: true,
    syncs_company_name: true,
    push: Push::Everyone,
    client_contacts: false,
    pushed_addresses: PushedAddresses::PrimaryOnly,
    unique_names: NameUniqueness::AmongAll,
    manual_sync_default: ManualSyncDirection::ImportOnly,
    versions: Versions::Checked,
    reports_merges: false,
    sub_records_are_jobs: true,
    counting: Counting::Utf16Units,
    display_name: limits::qbo::DISPLAY_NAME,
    company_name: Some(limits::qbo::COMPANY_NAME),
    // Codes as the QBO codec reads them (leading zeros dropped: "003200"
    // is 3200).
    error_codes: &[
        ("100", ErrorMeaning::AccessTokenExpired),
        ("120", ErrorMeaning::Authentication),
        ("3001", ErrorMeaning::RateLimited),
        ("3100", ErrorMeaning::Authentication),
        ("3200", ErrorMeaning::AccessTokenExpired),
        ("5010", ErrorMeaning::StaleVersion),
        ("6140", ErrorMeaning::DuplicateDocNumber),
        ("6240", ErrorMeaning::DuplicateName),
    ],
};

/// QuickBooks Time: no contacts are synced with it (its customers and jobs
/// are jobcodes, planned by [`qbtime::plan`](crate::qbtime::plan)); the
/// jobcode name is its one limit that matters to planning, and nothing is
/// ever pushed as a contact.
pub static QB_TIME: LedgerRules = LedgerRules {
    profile: Profile::QbTime,
    synced_fields: &[],
    first_link: FirstLink::Merge,
    syncs_name_parts: false,
    syncs_company_name: false,
    push: Push::Never,
    client_contacts: false,
    pushed_addresses: PushedAddresses::Every,
    unique_names: NameUniqueness::None,
    manual_sync_default: ManualSyncDirection::ImportOnly,
    versions: Versions::None,
    reports_merges: false,
    sub_records_are_jobs: false,
    counting: Counting::Chars,
    display_name: limits::qbtime::JOBCODE_NAME,
    company_name: None,
    error_codes: &[],
};

impl Profile {
    /// This system's rules.
    #[must_use]
    pub const fn rules(self) -> &'static LedgerRules {
        match self {
            Self::XeroGl => &XERO_GL,
            Self::Xpm => &XPM,
            Self::Qbo => &QBO,
            Self::QbTime => &QB_TIME,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_every_profile_describes_itself_and_syncs_the_name_first() {
        for p in Profile::EVERY {
            let r = p.rules();
            assert_eq!(r.profile, p);
            if p.keeps_contacts() {
                assert_eq!(r.synced_fields.first(), Some(&SyncField::Name));
            } else {
                assert!(r.synced_fields.is_empty() && r.push == Push::Never);
            }
            assert_eq!(r.reports_merges, p.reports_merges());
            assert_eq!(r.display_name.counting, r.counting);
        }
        assert_eq!(
            Profile::Qbo.rules().error_meaning("6140"),
            Some(ErrorMeaning::DuplicateDocNumber)
        );
        assert_eq!(Profile::XeroGl.rules().error_meaning("6140"), None);
    }
}
