//! QuickBooks Online: which customers are organisations, which are people,
//! and which cannot be matched at all (T4, M5, M6).

use crate::model::{ContactKind, present};
use crate::normalize::names_equal;

use super::{KindDecision, KindRule};

/// Why a QBO customer cannot be matched (M5). Such a record is reported,
/// never silently dropped and never created locally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum UnmatchableReason {
    /// Display name differs from company name, and there is no first + last
    /// name to match the record as a person.
    DisplayNameDiffersFromCompanyName,
    /// No company name and no first + last name.
    NoCompanyOrPersonName,
    /// The record has no name of any kind.
    NoName,
}

impl UnmatchableReason {
    /// What is wrong, for people.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::DisplayNameDiffersFromCompanyName => {
                "display name differs from company name and there is no first and last name"
            }
            Self::NoCompanyOrPersonName => "no company name and no first and last name",
            Self::NoName => "the record has no name",
        }
    }

    /// How to fix the record in the ledger.
    #[must_use]
    pub const fn fix(self) -> &'static str {
        match self {
            Self::DisplayNameDiffersFromCompanyName | Self::NoCompanyOrPersonName => {
                "make Display Name equal Company Name, or add first and last name"
            }
            Self::NoName => "give the record a name in the ledger",
        }
    }
}

/// The kind of a QBO customer (T4), or why it cannot be matched (M5).
///
/// Display name equal to company name (compared as names, N1) →
/// organisation, even when first and last name are also present (a couple
/// filing jointly, M6). Otherwise first and last name present → person.
/// Otherwise unmatchable.
///
/// # Errors
/// The [`UnmatchableReason`] when the record is neither.
///
/// ```
/// use ledgerlink::model::ContactKind;
/// use ledgerlink::rules::qbo::{kind_of_customer, UnmatchableReason};
/// let org = kind_of_customer(Some("Acme Ltd"), Some("ACME LTD"), None, None).unwrap();
/// assert_eq!(org.kind, ContactKind::Organization);
/// let person = kind_of_customer(Some("Jane"), None, Some("Jane"), Some("Smith")).unwrap();
/// assert_eq!(person.kind, ContactKind::Person);
/// assert_eq!(
///     kind_of_customer(Some("Acme"), Some("Acme Pty Ltd"), None, None),
///     Err(UnmatchableReason::DisplayNameDiffersFromCompanyName)
/// );
/// ```
pub fn kind_of_customer(
    display_name: Option<&str>,
    company_name: Option<&str>,
    first_name: Option<&str>,
    last_name: Option<&str>,
) -> Result<KindDecision, UnmatchableReason> {
    let (display, company) = (present(display_name), present(company_name));
    if let (Some(d), Some(c)) = (display, company)
        && names_equal(d, c)
    {
        return Ok(KindDecision {
            kind: ContactKind::Organization,
            rule: KindRule::QboDisplayNameIsCompanyName,
        });
    }
    if present(first_name).is_some() && present(last_name).is_some() {
        return Ok(KindDecision {
            kind: ContactKind::Person,
            rule: KindRule::QboFirstAndLastName,
        });
    }
    Err(match (display, company) {
        (_, Some(_)) => UnmatchableReason::DisplayNameDiffersFromCompanyName,
        (None, None) if present(first_name).is_none() && present(last_name).is_none() => {
            UnmatchableReason::NoName
        }
        _ => UnmatchableReason::NoCompanyOrPersonName,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t4_display_equals_company_is_an_organisation_even_with_names() {
        // M6: couples are organisations with the primary taxpayer's names.
        let d = kind_of_customer(
            Some("Jo & Al Lee"),
            Some("Jo & Al Lee"),
            Some("Jo"),
            Some("Lee"),
        )
        .unwrap();
        assert_eq!(d.kind, ContactKind::Organization);
        assert_eq!(d.rule, KindRule::QboDisplayNameIsCompanyName);
    }

    #[test]
    fn t4_first_last_with_different_display_is_a_person() {
        let d = kind_of_customer(
            Some("Jane S."),
            Some("Smith Co"),
            Some("Jane"),
            Some("Smith"),
        )
        .unwrap();
        assert_eq!(d.kind, ContactKind::Person);
        assert_eq!(d.rule, KindRule::QboFirstAndLastName);
    }

    #[test]
    fn m5_unmatchable_reasons_carry_a_fix() {
        let r = kind_of_customer(Some("Bill's Shop"), None, None, None).unwrap_err();
        assert_eq!(r, UnmatchableReason::NoCompanyOrPersonName);
        assert!(r.fix().contains("Display Name equal Company Name"));
        let r = kind_of_customer(Some("Bill's Shop"), Some("Bill Pty"), Some("Bill"), None)
            .unwrap_err();
        assert_eq!(r, UnmatchableReason::DisplayNameDiffersFromCompanyName);
        assert_eq!(
            kind_of_customer(None, None, None, Some(" ")),
            Err(UnmatchableReason::NoName)
        );
    }
}
