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

/// The comparison key of a short ASCII structure, built on the stack:
/// lower case, `-` and `_` as spaces, whitespace trimmed and collapsed
/// (what [`normalize_name`] would give). `None` for anything longer or not
/// ASCII.
fn ascii_key<'b>(raw: &str, buf: &'b mut [u8; 48]) -> Option<&'b str> {
    if !raw.is_ascii() || raw.len() > buf.len() {
        return None;
    }
    let mut n = 0;
    let mut pending = false;
    for b in raw.bytes() {
        let b = if b == b'-' || b == b'_' { b' ' } else { b };
        if b <= b' ' || b == 0x7F {
            pending = n > 0;
        } else {
            if pending {
                buf[n] = b' ';
                n += 1;
                pending = false;
            }
            buf[n] = b.to_ascii_lowercase();
            n += 1;
        }
    }
    std::str::from_utf8(&buf[..n]).ok()
}

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
    let mut small = [0u8; 48];
    let owned;
    let key: &str = match ascii_key(raw, &mut small) {
        Some(k) => k,
        None => {
            let mapped: String = raw
                .chars()
                .map(|c| if c == '-' || c == '_' { ' ' } else { c })
                .collect();
            owned = normalize_name(&mapped).into_owned();
            &owned
        }
    };
    let (kind, known) = if PERSON_STRUCTURES.contains(&key) {
        (ContactKind::Person, true)
    } else {
        (
            ContactKind::Organization,
            KNOWN_ORG_STRUCTURES.contains(&key),
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
    fn t1_stack_key_agrees_with_the_normaliser() {
        let mut buf = [0u8; 48];
        for s in ["  Sole--Trader ", "UNIT_TRUST", "a\tb", "", "x"] {
            let mapped: String = s
                .chars()
                .map(|c| if c == '-' || c == '_' { ' ' } else { c })
                .collect();
            assert_eq!(
                ascii_key(s, &mut buf),
                Some(&*normalize_name(&mapped)),
                "{s:?}"
            );
        }
        assert_eq!(ascii_key("Ünit", &mut buf), None);
        assert_eq!(ascii_key(&"x".repeat(49), &mut buf), None);
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
