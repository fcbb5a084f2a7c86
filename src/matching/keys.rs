//! Which name and email of a record are compared, per profile (M4–M7).

use crate::model::{ContactKind, present};
use crate::normalize::{normalize_email_into, normalize_name_into, normalize_person_name_into};
use crate::rules::qbo::{UnmatchableReason, kind_of_customer};
use crate::rules::xpm::kind_for_business_structure;
use crate::rules::{ClassifierInput, KindDecision, KindRule, Profile};

use super::MatchRecord;

/// Name keys of different classes never compare equal. QBO keeps
/// organisation names (company name) and people (first + last) apart;
/// the Xero profiles compare any name with any name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum NameClass {
    #[default]
    Any = 0,
    Organization = 1,
    Person = 2,
}

/// N3 (and the organisation fallbacks): display name, else the organisation
/// name, else first + last.
fn general_name<R: MatchRecord + ?Sized>(r: &R, out: &mut String) {
    if let Some(d) = present(r.display_name()) {
        normalize_name_into(d, out);
    } else if let Some(o) = present(r.organization_name()) {
        normalize_name_into(o, out);
    } else {
        normalize_person_name_into(
            r.first_name().unwrap_or(""),
            r.last_name().unwrap_or(""),
            out,
        );
    }
}

/// Appends a local record's name key to `out` and returns its class.
pub(crate) fn local_name<R: MatchRecord + ?Sized>(
    profile: Profile,
    r: &R,
    out: &mut String,
) -> NameClass {
    match profile {
        Profile::XeroGl | Profile::Xpm => {
            general_name(r, out);
            NameClass::Any
        }
        Profile::Qbo | Profile::QbTime => {
            let first = present(r.first_name());
            let last = present(r.last_name());
            let kind = r
                .kind()
                .unwrap_or(if present(r.organization_name()).is_some() {
                    ContactKind::Organization
                } else if first.is_some() && last.is_some() {
                    ContactKind::Person
                } else {
                    ContactKind::Organization
                });
            match kind {
                // M5: the organisation's company name is what QBO's display
                // name (= CompanyName) is compared with.
                ContactKind::Organization => {
                    match present(r.organization_name()).or_else(|| present(r.display_name())) {
                        Some(n) => normalize_name_into(n, out),
                        None => general_name(r, out),
                    }
                    NameClass::Organization
                }
                // M6: first + last name.
                ContactKind::Person => {
                    if first.is_some() || last.is_some() {
                        normalize_person_name_into(first.unwrap_or(""), last.unwrap_or(""), out);
                    } else {
                        general_name(r, out);
                    }
                    NameClass::Person
                }
            }
        }
    }
}

/// Appends the normalised match email (N2); invalid emails append nothing.
pub(crate) fn email<R: MatchRecord + ?Sized>(r: &R, out: &mut String) {
    if let Some(e) = r.match_email() {
        // An invalid email simply has no key: it never matches (N2).
        let _ = normalize_email_into(e, out);
    }
}

/// How a remote record is keyed.
pub(crate) struct RemoteKeys {
    pub(crate) class: NameClass,
    pub(crate) unmatchable: Option<UnmatchableReason>,
}

/// Appends a remote record's name key to `out`.
pub(crate) fn remote_name<R: MatchRecord + ?Sized>(
    profile: Profile,
    r: &R,
    out: &mut String,
) -> RemoteKeys {
    let keys = |class| RemoteKeys {
        class,
        unmatchable: None,
    };
    match profile {
        Profile::XeroGl | Profile::Xpm => {
            general_name(r, out);
            keys(NameClass::Any)
        }
        Profile::Qbo | Profile::QbTime => match kind_of_customer(
            r.display_name(),
            r.organization_name(),
            r.first_name(),
            r.last_name(),
        ) {
            Ok(d) if d.kind == ContactKind::Organization => {
                normalize_name_into(r.organization_name().unwrap_or(""), out);
                keys(NameClass::Organization)
            }
            Ok(_) => {
                normalize_person_name_into(
                    r.first_name().unwrap_or(""),
                    r.last_name().unwrap_or(""),
                    out,
                );
                keys(NameClass::Person)
            }
            Err(reason) => RemoteKeys {
                class: NameClass::Any,
                unmatchable: Some(reason),
            },
        },
    }
}

/// The kind a profile's own rules give a remote record (T1, T4), or the
/// kind the record states; `None` when a classifier has to decide (Xero)
/// or the record is unmatchable (QBO).
pub(crate) fn remote_kind<R: MatchRecord + ?Sized>(
    profile: Profile,
    r: &R,
) -> Option<KindDecision> {
    let given = r.kind().map(|kind| KindDecision {
        kind,
        rule: KindRule::Given,
    });
    match profile {
        Profile::XeroGl => given,
        Profile::Xpm => match r.business_structure() {
            Some(s) => Some(kind_for_business_structure(Some(s))),
            None => given.or_else(|| Some(kind_for_business_structure(None))),
        },
        Profile::Qbo | Profile::QbTime => kind_of_customer(
            r.display_name(),
            r.organization_name(),
            r.first_name(),
            r.last_name(),
        )
        .ok(),
    }
}

/// The classifier's view of a record.
pub(crate) fn classifier_input<R: MatchRecord + ?Sized>(r: &R) -> ClassifierInput<'_> {
    ClassifierInput::named(
        present(r.display_name())
            .or_else(|| present(r.organization_name()))
            .unwrap_or(""),
    )
    .with_person(present(r.first_name()), present(r.last_name()))
    .with_organization_name(present(r.organization_name()))
    .with_company_number(present(r.company_number()))
    .with_tax_id(r.tax_id())
    .with_contact_persons(r.contact_persons())
}
