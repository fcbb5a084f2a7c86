//! Xero Practice Manager: business structure → person / organisation (T1),
//! and which of a client's contacts are imported (T2).

use crate::model::ContactKind;
use crate::normalize::normalize_name;

use super::{KindDecision, KindRule};

/// Structures that make a client a person (T1). Compared case-insensitively
/// after normalisation, with `-` and `_` read as spaces.
const PERSON_STRUCTURES: &[&str] = &["individual", "sole trader"];

/// Organisation structures the engine recognises; anything else is still an
/// organisation, but flagged so a person can check the practice's list.
const KNOWN_ORG_STRUCTURES: &[&str] = &[
    "charity",
    "club",
    "company",
    "co-operative",
    "cooperative",
    "deceased estate",
    "discretionary trust",
    "estate",
    "family trust",
    "government",
    "limited company",
    "limited liability company",
    "limited partnership",
    "llc",
    "not for profit",
    "partnership",
    "public company",
    "self managed superannuation fund",
    "smsf",
    "society",
    "superannuation fund",
    "testamentary trust",
    "trust",
    "unit trust",
];

/// Which XPM records a connection imports (T2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ImportScope {
    /// Clients only.
    #[default]
    ClientsOnly,
    /// Clients, and the contacts of organisation clients as people linked to
    /// that organisation.
    ClientsAndContacts,
}

/// The kind of a client from its business structure (T1): "Individual" and
/// "Sole Trader" are people, everything else an organisation. Unknown and
/// missing structures become organisations and are flagged
/// ([`KindDecision::is_flagged`]).
///
/// ```
/// use ledgerlink::model::ContactKind;
/// use ledgerlink::rules::xpm::kind_for_business_structure;
/// assert_eq!(kind_for_business_structure(Some("SOLE-TRADER")).kind, ContactKind::Person);
/// let odd = kind_for_business_structure(Some("Body Corporate"));
/// assert_eq!(odd.kind, ContactKind::Organization);
/// assert!(odd.is_flagged());
/// ```
#[must_use]
pub fn kind_for_business_structure(structure: Option<&str>) -> KindDecision {
    let Some(raw) = structure.filter(|s| !s.trim().is_empty()) else {
        return KindDecision {
            kind: ContactKind::Organization,
            rule: KindRule::XpmBusinessStructure {
                known: false,
                missing: true,
            },
        };
    };
    let mapped: String = raw
        .chars()
        .map(|c| if c == '-' || c == '_' { ' ' } else { c })
        .collect();
    let key = normalize_name(&mapped);
    let (kind, known) = if PERSON_STRUCTURES.contains(&key.as_ref()) {
        (ContactKind::Person, true)
    } else {
        (
            ContactKind::Organization,
            KNOWN_ORG_STRUCTURES.contains(&key.as_ref()),
        )
    };
    KindDecision {
        kind,
        rule: KindRule::XpmBusinessStructure {
            known,
            missing: false,
        },
    }
}

/// Whether the contacts of a client are imported as people (T2): only with
/// [`ImportScope::ClientsAndContacts`], and never for a client that is itself
/// a person (Individual / Sole Trader).
#[must_use]
pub fn imports_client_contacts(scope: ImportScope, client_kind: ContactKind) -> bool {
    scope == ImportScope::ClientsAndContacts && client_kind == ContactKind::Organization
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t1_individual_and_sole_trader_are_people_case_insensitively() {
        for s in [
            "Individual",
            "INDIVIDUAL",
            " individual ",
            "Sole Trader",
            "sole_trader",
        ] {
            let d = kind_for_business_structure(Some(s));
            assert_eq!(d.kind, ContactKind::Person, "{s}");
            assert!(!d.is_flagged(), "{s}");
        }
    }

    #[test]
    fn t1_other_structures_are_organisations_unknown_flagged() {
        for s in [
            "Company",
            "Trust",
            "Partnership",
            "SMSF",
            "Unit Trust",
            "Not For Profit",
        ] {
            let d = kind_for_business_structure(Some(s));
            assert_eq!(d.kind, ContactKind::Organization, "{s}");
            assert!(!d.is_flagged(), "{s}");
        }
        for s in [
            Some("Body Corporate"),
            Some("Individuals"),
            None,
            Some("  "),
        ] {
            let d = kind_for_business_structure(s);
            assert_eq!(d.kind, ContactKind::Organization, "{s:?}");
            assert!(d.is_flagged(), "{s:?}");
        }
    }

    #[test]
    fn t2_contacts_imported_only_for_organisations_when_configured() {
        use ContactKind::{Organization, Person};
        assert!(imports_client_contacts(
            ImportScope::ClientsAndContacts,
            Organization
        ));
        assert!(!imports_client_contacts(
            ImportScope::ClientsAndContacts,
            Person
        ));
        assert!(!imports_client_contacts(
            ImportScope::ClientsOnly,
            Organization
        ));
        assert!(!imports_client_contacts(ImportScope::ClientsOnly, Person));
    }
}
