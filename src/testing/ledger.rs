//! How each kind of store behaves: ids, version tokens, defaults and name
//! rules (../shared/wire/WIRE.md).

use chrono::{DateTime, Utc};

use crate::model::{Contact, ContactId, ContactKind, VersionToken, present};
use crate::normalize::normalize_name;
use crate::ports::AdapterError;
use crate::rules::Profile;

use crate::rules::limits;
/// Characters QBO refuses in names: `:` separates the levels of a
/// customer:job path.
const QBO_RESERVED: [char; 4] = [':', '\t', '\n', '\r'];

/// The key under which a name must be unique: the parent (QBO
/// sub-customers are unique among their siblings, by fully qualified name)
/// and the normalised name.
pub(super) type NameKey = (Option<ContactId>, String);

/// The firm's own contacts, or a ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavor {
    Local,
    Ledger(Profile),
}

impl Flavor {
    /// The `n`-th id this store assigns (`n` ≥ 1).
    pub(super) fn id(self, n: u64) -> ContactId {
        ContactId::from(match self {
            Self::Local => format!("L{n}"),
            Self::Ledger(Profile::XeroGl) => format!("xero-{n:04}"),
            Self::Ledger(Profile::Xpm) => format!("xpm-{n:04}"),
            Self::Ledger(Profile::QbTime) => format!("qbt-{n:04}"),
            Self::Ledger(Profile::Qbo) => n.to_string(),
        })
    }

    /// The version token of a record written at `at`, `previous` being its
    /// token before the write.
    pub(super) fn next_version(
        self,
        previous: Option<&VersionToken>,
        at: DateTime<Utc>,
    ) -> VersionToken {
        match self {
            Self::Ledger(Profile::Qbo) => {
                let next = match previous {
                    Some(VersionToken::SyncToken(t)) => {
                        t.trim().parse::<u64>().map_or(0, |n| n.saturating_add(1))
                    }
                    _ => 0,
                };
                VersionToken::SyncToken(next.to_string())
            }
            Self::Local | Self::Ledger(Profile::XeroGl | Profile::Xpm | Profile::QbTime) => {
                VersionToken::UpdatedAt(at)
            }
        }
    }

    /// What the ledger fills in on a new record: XPM's business structure.
    pub(super) fn prepare_create(self, c: &mut Contact) {
        if self == Self::Ledger(Profile::Xpm)
            && present(c.extras.business_structure.as_deref()).is_none()
        {
            c.extras.business_structure = match c.kind {
                Some(ContactKind::Organization) => Some("Company".into()),
                Some(ContactKind::Person) => Some("Individual".into()),
                None => c.extras.business_structure.take(),
            };
        }
    }

    /// The ledger's checks of a record's name, other than uniqueness.
    pub(super) fn validate(self, c: &Contact) -> Result<(), AdapterError> {
        match self {
            Self::Local | Self::Ledger(Profile::Xpm | Profile::QbTime) => Ok(()),
            Self::Ledger(Profile::XeroGl) => {
                let name = c.label();
                if name.trim().is_empty() {
                    return Err(validation("10", "a contact name is required"));
                }
                let limit = limits::xero::NAME;
                if !limit.fits(&name) {
                    return Err(validation(
                        "10",
                        &format!(
                            "the contact name is longer than {} {}",
                            limit.max,
                            limit.counting.unit()
                        ),
                    ));
                }
                Ok(())
            }
            Self::Ledger(Profile::Qbo) => {
                let name = c.label();
                if name.trim().is_empty() {
                    return Err(validation(
                        "2020",
                        "a display name, or a given or family name to build it from, is required",
                    ));
                }
                let fields = [
                    ("DisplayName", Some(name.as_str())),
                    ("GivenName", c.first_name.as_deref()),
                    ("MiddleName", c.middle_name.as_deref()),
                    ("FamilyName", c.last_name.as_deref()),
                ];
                for (field, value) in fields {
                    if value.is_some_and(|v| v.contains(QBO_RESERVED)) {
                        return Err(validation(
                            "2050",
                            &format!(
                                "{field} must not contain ':' (the customer:job separator), \
                                 a tab or a new line"
                            ),
                        ));
                    }
                }
                let limit = limits::qbo::DISPLAY_NAME;
                if !limit.fits(&name) {
                    return Err(validation(
                        "2050",
                        &format!(
                            "DisplayName is longer than the {} {} supported",
                            limit.max,
                            limit.counting.unit()
                        ),
                    ));
                }
                Ok(())
            }
        }
    }

    /// The key a record's name must be unique under, `None` when the store
    /// has no such rule (XPM, the local side) or the name is empty.
    pub(super) fn name_key(self, c: &Contact) -> Option<NameKey> {
        let parent = match self {
            Self::Local | Self::Ledger(Profile::Xpm | Profile::QbTime) => return None,
            Self::Ledger(Profile::XeroGl) => None,
            Self::Ledger(Profile::Qbo) => c.extras.parent_id.clone(),
        };
        let name = normalize_name(&c.label()).into_owned();
        (!name.is_empty()).then_some((parent, name))
    }

    /// Whether names must be unique among active records only (Xero) or
    /// among all of them (QBO).
    pub(super) const fn unique_among_active_only(self) -> bool {
        matches!(self, Self::Ledger(Profile::XeroGl))
    }
}

/// Whether a write changes any of the name fields (the ledgers only check
/// names when they are written).
pub(super) fn names_differ(a: &Contact, b: &Contact) -> bool {
    a.display_name != b.display_name
        || a.organization_name != b.organization_name
        || a.first_name != b.first_name
        || a.middle_name != b.middle_name
        || a.last_name != b.last_name
}

fn validation(code: &str, message: &str) -> AdapterError {
    AdapterError::Validation {
        code: Some(code.into()),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_versions_per_flavor() {
        assert_eq!(Flavor::Local.id(3), "L3");
        assert_eq!(Flavor::Ledger(Profile::XeroGl).id(12), "xero-0012");
        assert_eq!(Flavor::Ledger(Profile::Xpm).id(1), "xpm-0001");
        assert_eq!(Flavor::Ledger(Profile::Qbo).id(42), "42");

        let at = DateTime::UNIX_EPOCH;
        let qbo = Flavor::Ledger(Profile::Qbo);
        let first = qbo.next_version(None, at);
        assert_eq!(first, VersionToken::SyncToken("0".into()));
        assert_eq!(
            qbo.next_version(Some(&first), at),
            VersionToken::SyncToken("1".into())
        );
        assert_eq!(
            Flavor::Local.next_version(Some(&first), at),
            VersionToken::UpdatedAt(at)
        );
    }

    #[test]
    fn qbo_refuses_reserved_characters_and_long_names() {
        let qbo = Flavor::Ledger(Profile::Qbo);
        assert_eq!(qbo.validate(&Contact::named("", "Acme Ltd")), Ok(()));
        for bad in ["Acme:Job", "Acme\tLtd", "Acme\nLtd"] {
            let err = qbo.validate(&Contact::named("", bad));
            assert!(
                matches!(&err, Err(AdapterError::Validation { code: Some(c), .. }) if c == "2050"),
                "{bad:?}: {err:?}"
            );
        }
        let person = Contact::person("", "Jo:", "Bloggs").with_display_name("Jo Bloggs");
        assert!(qbo.validate(&person).is_err());
        assert!(qbo.validate(&Contact::named("", "x".repeat(501))).is_err());
        assert!(qbo.validate(&Contact::named("", "x".repeat(500))).is_ok());
        assert!(qbo.validate(&Contact::default()).is_err());
        // XPM and the local side take anything.
        assert!(Flavor::Local.validate(&Contact::named("", "a:b")).is_ok());
    }

    #[test]
    fn xpm_defaults_the_business_structure() {
        let xpm = Flavor::Ledger(Profile::Xpm);
        let mut org = Contact::organization("", "Acme Ltd");
        xpm.prepare_create(&mut org);
        assert_eq!(org.extras.business_structure.as_deref(), Some("Company"));
        let mut person = Contact::person("", "Jo", "Bloggs");
        xpm.prepare_create(&mut person);
        assert_eq!(
            person.extras.business_structure.as_deref(),
            Some("Individual")
        );
        let mut trust = Contact::organization("", "Bloggs Trust").with_business_structure("Trust");
        xpm.prepare_create(&mut trust);
        assert_eq!(trust.extras.business_structure.as_deref(), Some("Trust"));
        let mut other = Contact::organization("", "Acme Ltd");
        Flavor::Ledger(Profile::XeroGl).prepare_create(&mut other);
        assert_eq!(other.extras.business_structure, None);
    }
}
