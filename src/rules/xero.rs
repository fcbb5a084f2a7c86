//! Xero general ledger: the person / organisation classifier (T3).
//!
//! Xero contacts do not say whether they are a person or an organisation,
//! so new local contacts created from them are typed by a [`Classifier`].
//! Callers may plug in their own (a model, a lookup service) with
//! [`MatchIndexBuilder::classifier`](crate::matching::MatchIndexBuilder::classifier);
//! the default, [`NameClassifier`](crate::rules::NameClassifier), is
//! deterministic, works offline from embedded lexicons and a small trained
//! model, states a calibrated confidence and explains itself. The older
//! rule-only [`HeuristicClassifier`] stays for callers who want its rules.

use crate::model::{ContactKind, TaxIdKind};
use crate::normalize::normalize_name;

/// What a classifier sees of a record: its name and what else it carries.
///
/// Build one with [`ClassifierInput::named`] and the `with_` methods (the
/// struct may grow); the engine fills it from the record
/// ([`MatchRecord`](crate::matching::MatchRecord)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClassifierInput<'a> {
    /// The record's name (Xero `Name`).
    pub name: &'a str,
    /// Given name, if the record has one.
    pub first_name: Option<&'a str>,
    /// Family name, if the record has one.
    pub last_name: Option<&'a str>,
    /// Company / legal name, if the record has one.
    pub organization_name: Option<&'a str>,
    /// Company registration number (Xero `CompanyNumber`), if recorded.
    pub company_number: Option<&'a str>,
    /// The kind of tax number the record carries (Xero `TaxNumberType`).
    pub tax_id: Option<TaxIdKind>,
    /// How many contact persons the ledger lists for the record.
    pub contact_persons: usize,
}

impl<'a> ClassifierInput<'a> {
    /// A record known by its name alone.
    #[must_use]
    pub const fn named(name: &'a str) -> Self {
        Self {
            name,
            first_name: None,
            last_name: None,
            organization_name: None,
            company_number: None,
            tax_id: None,
            contact_persons: 0,
        }
    }

    /// With the record's given and family name.
    #[must_use]
    pub const fn with_person(mut self, first: Option<&'a str>, last: Option<&'a str>) -> Self {
        self.first_name = first;
        self.last_name = last;
        self
    }

    /// With the record's company / legal name.
    #[must_use]
    pub const fn with_organization_name(mut self, name: Option<&'a str>) -> Self {
        self.organization_name = name;
        self
    }

    /// With the record's company registration number.
    #[must_use]
    pub const fn with_company_number(mut self, number: Option<&'a str>) -> Self {
        self.company_number = number;
        self
    }

    /// With the kind of tax number the record carries.
    #[must_use]
    pub const fn with_tax_id(mut self, kind: Option<TaxIdKind>) -> Self {
        self.tax_id = kind;
        self
    }

    /// With the number of contact persons the ledger lists for the record.
    #[must_use]
    pub const fn with_contact_persons(mut self, count: usize) -> Self {
        self.contact_persons = count;
        self
    }
}

/// One reason behind a classification.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", tag = "evidence", content = "value")
)]
#[non_exhaustive]
pub enum Evidence {
    /// A legal-form or organisation word ("Ltd", "Trust", "& Co"…).
    LegalForm(String),
    /// A word that names a trade or business ("Bakery", "Plumbing",
    /// "Imports"…): weaker than a legal form.
    BusinessWord(String),
    /// "&" or "and" joins two given names ("John & Mary Smith"): a couple,
    /// kept as an organisation (M6).
    JoinedGivenNames,
    /// "&" or "and" joins two names ("Smith & Jones"): a partnership.
    JoinedNames,
    /// The name contains digits.
    Digits,
    /// A company name is recorded.
    OrganizationNamePresent,
    /// First and last name are recorded.
    FirstAndLastNamePresent,
    /// Two or three plain words, shaped like a personal name.
    PersonalNameShape,
    /// A single word.
    SingleWord,
    /// There is no name to go on.
    NoName,
    /// An organisation word ("Association", "Committee", "PAC", "Union",
    /// "Church", "Family"…).
    OrganisationWord(String),
    /// A word that links the words of an organisation's name ("of",
    /// "for", "the").
    LinkingWord(String),
    /// A title before a personal name ("Dr", "Mrs").
    Title(String),
    /// A generational suffix or post-nominal letters ("Jr", "III", "MD").
    Suffix(String),
    /// Initials ("J. Smith").
    Initials,
    /// A nickname in quotes or brackets (`John "Jack" Smith`).
    Nickname(String),
    /// "Last, First": a personal name written surname first.
    ReversedName,
    /// "c/o": the part before it is classified.
    CareOf,
    /// A deceased person's estate ("Estate of …").
    Estate(String),
    /// A known given name.
    GivenName(String),
    /// A known family name.
    FamilyName(String),
    /// The first word is not a known given name.
    NotAGivenName(String),
    /// The last word is not a known family name.
    NotAFamilyName(String),
    /// Words that are neither known given nor family names.
    UnknownWords,
    /// Four words or more.
    LongName,
    /// A short word in capitals in a name that is not ("KPMG").
    Initialism(String),
    /// The record's first and last name are not in its name: a contact
    /// person of an organisation.
    ContactPersonDiffers,
    /// A company registration number is recorded.
    CompanyNumberPresent,
    /// The record carries a person's tax number (US SSN, ITIN, ATIN).
    PersonalTaxId,
    /// The record carries a business's tax number (US EIN).
    BusinessTaxId,
    /// The ledger lists contact persons for the record.
    HasContactPersons,
}

impl Evidence {
    /// A few words for people.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::LegalForm(t) => format!("legal-form word \"{t}\""),
            Self::BusinessWord(t) => format!("business word \"{t}\""),
            Self::JoinedGivenNames => "two given names joined by &/and".into(),
            Self::JoinedNames => "two names joined by &/and".into(),
            Self::Digits => "contains digits".into(),
            Self::OrganizationNamePresent => "company name recorded".into(),
            Self::FirstAndLastNamePresent => "first and last name recorded".into(),
            Self::PersonalNameShape => "shaped like a personal name".into(),
            Self::SingleWord => "a single word".into(),
            Self::NoName => "no name".into(),
            Self::OrganisationWord(t) => format!("organisation word \"{t}\""),
            Self::LinkingWord(t) => format!("linking word \"{t}\""),
            Self::Title(t) => format!("title \"{t}\""),
            Self::Suffix(t) => format!("suffix \"{t}\""),
            Self::Initials => "initials".into(),
            Self::Nickname(t) => format!("nickname \"{t}\""),
            Self::ReversedName => "written \"Last, First\"".into(),
            Self::CareOf => "\"c/o\": the part before it counts".into(),
            Self::Estate(t) => format!("estate word \"{t}\""),
            Self::GivenName(t) => format!("given name \"{t}\""),
            Self::FamilyName(t) => format!("family name \"{t}\""),
            Self::NotAGivenName(t) => format!("\"{t}\" is not a known given name"),
            Self::NotAFamilyName(t) => format!("\"{t}\" is not a known family name"),
            Self::UnknownWords => "words that are not known names".into(),
            Self::LongName => "four words or more".into(),
            Self::Initialism(t) => format!("initialism \"{t}\""),
            Self::ContactPersonDiffers => {
                "first and last name recorded are a contact person's".into()
            }
            Self::CompanyNumberPresent => "company number recorded".into(),
            Self::PersonalTaxId => "a person's tax number (SSN/ITIN) recorded".into(),
            Self::BusinessTaxId => "a business tax number (EIN) recorded".into(),
            Self::HasContactPersons => "contact persons listed".into(),
        }
    }
}

/// A classifier's verdict: kind, how sure (0–100) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Classification {
    /// The decided kind.
    pub kind: ContactKind,
    /// Confidence in percent, 0–100.
    pub confidence: u8,
    /// The evidence, strongest first.
    pub evidence: Vec<Evidence>,
    /// Whether a person should confirm the kind before a contact is
    /// created (the confidence is under the classifier's review threshold);
    /// [`KindDecision::is_flagged`](crate::rules::KindDecision::is_flagged)
    /// reads it. Absent from data written before it existed: false.
    #[cfg_attr(feature = "serde", serde(default))]
    pub needs_review: bool,
}

/// Decides whether a record is a person or an organisation (T3).
///
/// Implementations must be deterministic for the engine's output to be.
pub trait Classifier: Send + Sync {
    /// Classifies one record.
    fn classify(&self, input: &ClassifierInput<'_>) -> Classification;
}

/// The rule-only classifier of ledgerlink 0.1 (T3), no longer the default
/// ([`NameClassifier`](crate::rules::NameClassifier) is): on held-out public
/// names it is right for 86% (the default: 98%), and its confidence is not
/// calibrated. Its verdicts below 60 need review.
///
/// In order of strength: a legal-form word (Ltd, Limited, LLC, Inc, Pty, PLC,
/// GmbH, SA, BV, LLP, Trust, Partners, Holdings, Group, Foundation, "& Co",
/// "and Sons", …) → organisation; two given names joined by "&"/"and" → a
/// couple, organisation; other "&"/"and" → organisation; a business word
/// ("Bakery", "Plumbing", "Imports"…) → organisation; digits →
/// organisation; a company name → organisation; first and last name →
/// person; two or three plain words → person; one word → organisation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeuristicClassifier;

/// Single words that mark an organisation (compared after normalisation and
/// with trailing dots removed).
const LEGAL_WORDS: &[&str] = &[
    "ab",
    "ag",
    "assn",
    "association",
    "bhd",
    "bv",
    "charity",
    "church",
    "club",
    "co",
    "company",
    "consulting",
    "corp",
    "corporation",
    "council",
    "enterprises",
    "estate",
    "foundation",
    "fund",
    "gmbh",
    "group",
    "holdings",
    "inc",
    "incorporated",
    "industries",
    "institute",
    "kg",
    "limited",
    "llc",
    "llp",
    "lp",
    "ltd",
    "nv",
    "oy",
    "partners",
    "partnership",
    "plc",
    "pllc",
    "pte",
    "pty",
    "sa",
    "sarl",
    "sas",
    "services",
    "smsf",
    "society",
    "solutions",
    "spa",
    "srl",
    "superannuation",
    "trust",
    "trustee",
    "trustees",
    "trusts",
    "university",
];

/// Words that name a trade or a business rather than a person (sorted).
const BUSINESS_WORDS: &[&str] = &[
    "accountants",
    "agency",
    "architects",
    "autos",
    "bakery",
    "bar",
    "builders",
    "cafe",
    "café",
    "centre",
    "clinic",
    "construction",
    "dental",
    "design",
    "diner",
    "electrical",
    "engineering",
    "farm",
    "farms",
    "garage",
    "imports",
    "kitchen",
    "landscaping",
    "lawyers",
    "logistics",
    "management",
    "marketing",
    "medical",
    "motors",
    "pharmacy",
    "photography",
    "plumbing",
    "properties",
    "property",
    "realty",
    "restaurant",
    "salon",
    "school",
    "shop",
    "store",
    "studio",
    "supplies",
    "systems",
    "technologies",
    "trading",
    "transport",
    "travel",
    "ventures",
    "wholesale",
    "works",
];

fn strip_punct(t: &str) -> &str {
    t.trim_matches(|c: char| matches!(c, '.' | ',' | '(' | ')' | '\'' | '"'))
}

pub(crate) fn is_legal_word(t: &str) -> bool {
    LEGAL_WORDS.binary_search(&t).is_ok()
}

impl Classifier for HeuristicClassifier {
    fn classify(&self, input: &ClassifierInput<'_>) -> Classification {
        use ContactKind::{Organization, Person};
        let norm = normalize_name(input.name);
        let tokens: Vec<&str> = norm
            .split(' ')
            .map(strip_punct)
            .filter(|t| !t.is_empty())
            .collect();
        let has_first_last = input.first_name.is_some_and(|f| !f.trim().is_empty())
            && input.last_name.is_some_and(|l| !l.trim().is_empty());
        let verdict = |kind, confidence: u8, evidence| Classification {
            kind,
            confidence,
            evidence,
            needs_review: confidence < 60,
        };

        if tokens.is_empty() {
            return if has_first_last {
                verdict(
                    Person,
                    70,
                    vec![Evidence::FirstAndLastNamePresent, Evidence::NoName],
                )
            } else {
                verdict(Organization, 0, vec![Evidence::NoName])
            };
        }
        if let Some(t) = tokens.iter().find(|t| is_legal_word(t)) {
            return verdict(Organization, 95, vec![Evidence::LegalForm((*t).to_owned())]);
        }
        let joiner = tokens
            .iter()
            .position(|t| *t == "&" || *t == "and" || *t == "+");
        if let Some(j) = joiner {
            let next = tokens.get(j + 1).copied();
            if matches!(
                next,
                Some("co" | "company" | "sons" | "daughters" | "associates")
            ) {
                let word = format!("{} {}", tokens[j], next.unwrap_or_default());
                return verdict(Organization, 95, vec![Evidence::LegalForm(word)]);
            }
            // "John & Mary Smith": one given name each side, a shared surname.
            if j == 1 && tokens.len() == 4 {
                return verdict(Organization, 80, vec![Evidence::JoinedGivenNames]);
            }
            if j > 0 && j + 1 < tokens.len() {
                return verdict(Organization, 75, vec![Evidence::JoinedNames]);
            }
        }
        if let Some(t) = tokens
            .iter()
            .find(|t| BUSINESS_WORDS.binary_search(t).is_ok())
        {
            return verdict(
                Organization,
                80,
                vec![Evidence::BusinessWord((*t).to_owned())],
            );
        }
        if norm.bytes().any(|b| b.is_ascii_digit()) {
            return verdict(Organization, 70, vec![Evidence::Digits]);
        }
        if input
            .organization_name
            .is_some_and(|o| !o.trim().is_empty())
            && !has_first_last
        {
            return verdict(Organization, 70, vec![Evidence::OrganizationNamePresent]);
        }
        if has_first_last {
            let mut ev = vec![Evidence::FirstAndLastNamePresent];
            let shaped = (2..=3).contains(&tokens.len());
            if shaped {
                ev.push(Evidence::PersonalNameShape);
            }
            return verdict(Person, if shaped { 90 } else { 75 }, ev);
        }
        if (2..=3).contains(&tokens.len()) {
            return verdict(Person, 60, vec![Evidence::PersonalNameShape]);
        }
        if tokens.len() == 1 {
            return verdict(Organization, 55, vec![Evidence::SingleWord]);
        }
        verdict(Organization, 50, Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(name: &str) -> Classification {
        HeuristicClassifier.classify(&ClassifierInput {
            name,
            ..ClassifierInput::default()
        })
    }

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        assert!(LEGAL_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(BUSINESS_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn t3_legal_forms_are_organisations() {
        for name in [
            "Acme Ltd",
            "ACME LIMITED",
            "Widgets LLC",
            "Foo Inc.",
            "Bar Pty Ltd",
            "Baz PLC",
            "Müller GmbH",
            "Smith Family Trust",
            "Jones Partners",
            "Blue Holdings",
            "Red Group",
            "Gates Foundation",
            "Smith & Co",
            "Jones and Sons",
            "X BV",
            "Y LLP",
        ] {
            let c = kind_of(name);
            assert_eq!(c.kind, ContactKind::Organization, "{name}");
            assert!(c.confidence >= 90, "{name}");
            assert!(matches!(c.evidence[0], Evidence::LegalForm(_)), "{name}");
        }
    }

    #[test]
    fn t3_people_and_couples() {
        let c = kind_of("Jane Smith");
        assert_eq!(c.kind, ContactKind::Person);
        assert_eq!(c.evidence, vec![Evidence::PersonalNameShape]);
        let c = kind_of("John & Mary Smith");
        assert_eq!(c.kind, ContactKind::Organization);
        assert_eq!(c.evidence, vec![Evidence::JoinedGivenNames]);
        let c = kind_of("Smith and Jones");
        assert_eq!(c.evidence, vec![Evidence::JoinedNames]);
        let c = kind_of("Route 66");
        assert_eq!(c.evidence, vec![Evidence::Digits]);
        let c = kind_of("Rise Bakery");
        assert_eq!((c.kind, c.confidence), (ContactKind::Organization, 80));
        assert_eq!(c.evidence, vec![Evidence::BusinessWord("bakery".into())]);
        let c = kind_of("Google");
        assert_eq!((c.kind, c.confidence), (ContactKind::Organization, 55));
        let c = HeuristicClassifier
            .classify(&ClassifierInput::named("J Smith").with_person(Some("Jane"), Some("Smith")));
        assert_eq!((c.kind, c.confidence), (ContactKind::Person, 90));
        let c = kind_of("  ");
        assert_eq!((c.kind, c.confidence), (ContactKind::Organization, 0));
    }

    #[test]
    fn t3_classifier_is_deterministic() {
        for name in ["Jane Smith", "Acme Ltd", "", "a & b c d", "ß Straße 1"] {
            assert_eq!(kind_of(name), kind_of(name));
        }
    }
}
