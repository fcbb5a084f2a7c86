//! Shared helpers of the fuzz targets: small `Arbitrary` input structs
//! (never on library types) turned into the crate's records, from small
//! pools so that names and emails collide, and the switch that lets a
//! local run ignore a known defect's check.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use arbitrary::Arbitrary;
use chrono::{DateTime, Duration, TimeZone, Utc};
use ledgerlink::model::{Address, AddressKind, ContactStatus, Email, Phone, PhoneKind};
use ledgerlink::{Contact, ContactKind, Profile};

/// Names that collide after normalisation (case, spacing, NFC/NFD, ß/ss,
/// full-width), plus blanks and names QBO reserves characters in.
pub const NAMES: &[&str] = &[
    "Acme Ltd",
    "ACME  LTD",
    "Acme Limited",
    "Beta Holdings",
    "José García",
    "Jose\u{301} Garci\u{301}a",
    "Jane Smith",
    "John Smith",
    "Straße AG",
    "STRASSE AG",
    "ＡＣＭＥ Ltd",
    "Gamma Trust",
    "Delta & Co",
    "The Smith Family Trust",
    "a:b\tc",
    "",
    "   ",
];

pub const EMAILS: &[&str] = &[
    "ap@acme.test",
    "AP@Acme.TEST",
    "jane@smith.test",
    "books@shared.test",
    "josé@garcía.test",
    "jose\u{301}@garci\u{301}a.test",
    "not-an-email",
    "",
];

pub const PROFILES: [Profile; 3] = [Profile::XeroGl, Profile::Xpm, Profile::Qbo];

/// A fixed "now": no clock in the targets.
#[must_use]
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
}

#[must_use]
pub fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

/// A name: one of the pool, or a short free string.
#[derive(Debug, Clone, Arbitrary)]
pub enum NameSpec {
    Pool(u8),
    Free(String),
}

impl NameSpec {
    #[must_use]
    pub fn text(&self, max_chars: usize) -> String {
        match self {
            Self::Pool(i) => NAMES[usize::from(*i) % NAMES.len()].to_owned(),
            Self::Free(s) => s.chars().take(max_chars).collect(),
        }
    }
}

#[derive(Debug, Clone, Arbitrary)]
pub enum EmailSpec {
    Pool(u8),
    Free(String),
}

impl EmailSpec {
    #[must_use]
    pub fn text(&self) -> String {
        match self {
            Self::Pool(i) => EMAILS[usize::from(*i) % EMAILS.len()].to_owned(),
            Self::Free(s) => s.chars().take(80).collect(),
        }
    }
}

/// A contact to build: organisation, person or bare display name.
#[derive(Debug, Clone, Arbitrary)]
pub struct ContactSpec {
    pub shape: u8,
    pub name: NameSpec,
    pub last: Option<NameSpec>,
    pub email: Option<EmailSpec>,
    pub phone: Option<u8>,
    pub address: Option<(u8, u8)>,
    pub archived: bool,
    pub contact_type: bool,
}

impl ContactSpec {
    /// The record, with `id`. `remote` shapes it as a ledger lists it
    /// (no kind; XPM's business structure).
    #[must_use]
    pub fn build(&self, id: &str, profile: Profile, remote: bool) -> Contact {
        let name = self.name.text(200);
        let mut c = match self.shape % 4 {
            0 => Contact::organization(id, name),
            1 => {
                let last = self.last.as_ref().map(|l| l.text(100)).unwrap_or_default();
                Contact::person(id, name, last)
            }
            2 => Contact::named(id, name),
            // Nameless.
            _ => {
                let mut c = Contact::named(id, "");
                c.display_name = None;
                c
            }
        };
        if remote {
            c.kind = None;
            if profile != Profile::Qbo {
                c.organization_name = None;
            }
            if profile == Profile::Xpm {
                let s = if self.shape % 4 == 1 { "Individual" } else { "Company" };
                c = c.with_business_structure(s);
            }
            if self.shape % 4 == 1 {
                let label = c.label();
                if !label.trim().is_empty() {
                    c.display_name = Some(label);
                }
            }
        } else if self.shape % 4 == 1 {
            c.kind = Some(ContactKind::Person);
        }
        if let Some(e) = &self.email {
            c = c.with_email(e.text());
        }
        if let Some(p) = self.phone {
            c = c.with_phone(PhoneKind::Primary, format!("+64 4 555 {:04}", p % 8));
        }
        if let Some((k, line)) = self.address {
            let kind = [
                AddressKind::Physical,
                AddressKind::Mailing,
                AddressKind::Billing,
            ][usize::from(k) % 3];
            c = c.with_address(Address {
                kind,
                lines: vec![format!("{} Main St", line % 4)],
                city: Some("Wellington".into()),
                ..Address::default()
            });
        }
        if self.archived {
            c.status = ContactStatus::Archived;
        }
        if self.contact_type && !remote {
            c = c.with_contact_type("Client");
        }
        c
    }
}

/// Replaces the email of `c` (or removes it).
pub fn set_email(c: &mut Contact, email: Option<String>) {
    c.emails.clear();
    if let Some(address) = email {
        c.emails.push(Email {
            address,
            primary: true,
        });
    }
}

pub fn set_phone(c: &mut Contact, number: Option<String>) {
    c.phones.retain(|p| p.kind != PhoneKind::Primary);
    if let Some(number) = number {
        c.phones.push(Phone {
            kind: PhoneKind::Primary,
            number,
        });
    }
}

/// Whether the check of a known defect is switched off for this run:
/// `FUZZ_IGNORE=9,10` (defect numbers, comma separated) lets a local run
/// look past a known finding for new ones. Unset, every check is on.
#[must_use]
pub fn ignored(defect: u32) -> bool {
    static IGNORED: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    IGNORED
        .get_or_init(|| {
            std::env::var("FUZZ_IGNORE")
                .unwrap_or_default()
                .split(',')
                .filter_map(|s| s.trim().parse().ok())
                .collect()
        })
        .contains(&defect)
}

/// Asserts `cond` unless the known defect's check is switched off.
#[macro_export]
macro_rules! check_known {
    ($defect:expr, $cond:expr, $($fmt:tt)+) => {
        if !$crate::ignored($defect) {
            assert!($cond, "known defect {}: {}", $defect, format!($($fmt)+));
        }
    };
}
