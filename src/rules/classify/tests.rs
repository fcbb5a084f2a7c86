#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::lexicon::{self, Lexicon};
use super::{MAX_EVIDENCE, NameClassifier};
use crate::model::{ContactKind, TaxIdKind};
use crate::rules::xero::{Classification, Classifier, ClassifierInput, Evidence};

fn classify(name: &str) -> Classification {
    NameClassifier::new().classify(&ClassifierInput {
        name,
        ..ClassifierInput::default()
    })
}

fn assert_kind(names: &[&str], kind: ContactKind) {
    for name in names {
        let c = classify(name);
        assert_eq!(c.kind, kind, "{name}: {c:?}");
    }
}

#[test]
fn t3_tables_load_and_every_weight_line_reads() {
    assert_eq!(Lexicon::unread_weight_lines(), Vec::<&str>::new());
    let lex = Lexicon::get();
    assert!(lex.lookup("john").given >= 7, "SSA given names");
    assert!(lex.lookup("smith").family >= 7, "Census family names");
    assert!(lex.lookup("ltd").cats & lexicon::cat::LEGAL != 0);
    assert_eq!(lex.lookup("zzqx"), lexicon::Entry::default());
    // Bands: thresholds and stated confidences both fall, the top is 99.
    assert_eq!(lex.bands.first().map(|b| b.1), Some(99));
    assert!(
        lex.bands
            .windows(2)
            .all(|w| w[0].0 > w[1].0 && w[0].1 > w[1].1)
    );
    assert_eq!(lex.bands.last().map(|b| b.0), Some(0.0));
    assert!(lex.dense.iter().filter(|w| **w != 0.0).count() > 20);
}

#[test]
fn t3_hyphenated_words_take_the_most_of_their_parts() {
    let lex = Lexicon::get();
    let e = lex.lookup("kamlager-smith");
    assert_eq!(e.family, lex.lookup("smith").family);
}

#[test]
fn t3_legal_forms_of_many_jurisdictions_are_organisations() {
    for name in [
        "Harbour View Ltd",
        "Kiwi Holdings Limited",
        "Bondi Pty Ltd",
        "Smith Plumbing Pty. Ltd.",
        "Jones & Co",
        "Widgets LLC",
        "Acme Inc.",
        "Thames Analytics PLC",
        "Greenfield Partners LLP",
        "Northern Lights ULC",
        "Müller GmbH",
        "Dupont SARL",
        "Jansen BV",
        "Virtanen Oy",
        "Nkosi Trading (Pty) Ltd",
        "O'Neill Teoranta",
        "Rossi S.p.A.",
    ] {
        let c = classify(name);
        assert_eq!(c.kind, ContactKind::Organization, "{name}: {c:?}");
        assert!(
            c.evidence
                .iter()
                .any(|e| matches!(e, Evidence::LegalForm(_) | Evidence::BusinessWord(_))),
            "{name}: {c:?}"
        );
    }
}

#[test]
fn t3_the_issues_misses_are_organisations() {
    assert_kind(
        &[
            "bethany animal hospital",
            "olympic meat packers",
            "whisper creek studios",
            "america pac",
            "seaga mfg",
            "FRIENDS OF JOHN SMITH",
            "Jane Doe for Congress",
            "Teamsters Local Union 886",
            "St Mary's Church",
        ],
        ContactKind::Organization,
    );
}

#[test]
fn t3_people_with_titles_nicknames_suffixes_initials_in_any_case() {
    assert_kind(
        &[
            "Jane Smith",
            "JANE SMITH",
            "jane smith",
            "SMITH, JOHN R. JR",
            "Smith, John",
            "Dr Mary O'Brien",
            "Mrs. Aroha Ngata",
            "john \"jack\" kennedy",
            "Robert E. (Bud) Cramer",
            "J. Smith",
            "Jose Garcia III",
            "Priya Patel",
            "Nguyen Van Minh",
        ],
        ContactKind::Person,
    );
    let c = classify("SMITH, JOHN R. JR");
    assert!(c.evidence.contains(&Evidence::ReversedName), "{c:?}");
    let c = classify("Dr Mary O'Brien");
    assert!(c.evidence.contains(&Evidence::Title("dr".into())), "{c:?}");
    let c = classify("john \"jack\" kennedy");
    assert!(
        c.evidence.contains(&Evidence::Nickname("jack".into())),
        "{c:?}"
    );
}

#[test]
fn t3_couples_estates_and_trusts_are_organisations() {
    let c = classify("John & Mary Smith");
    assert_eq!(c.kind, ContactKind::Organization);
    assert_eq!(
        c.evidence.first(),
        Some(&Evidence::JoinedGivenNames),
        "{c:?}"
    );
    assert_kind(
        &[
            "John and Mary Smith",
            "Estate of John Smith",
            "The Smith Family Trust",
            "Trustees of the Smith Family Trust",
            "Smith and Jones",
        ],
        ContactKind::Organization,
    );
    let c = classify("Estate of John Smith");
    assert!(
        c.evidence.contains(&Evidence::Estate("estate".into())),
        "{c:?}"
    );
}

#[test]
fn t3_care_of_classifies_the_part_before() {
    let c = classify("Harbour View Ltd c/o Jane Smith");
    assert_eq!(c.kind, ContactKind::Organization, "{c:?}");
    let c = classify("Jane Smith c/o Harbour View Accountants Ltd");
    assert_eq!(c.kind, ContactKind::Person, "{c:?}");
    let c = classify("c/o Harbour View Ltd");
    assert_eq!(c.kind, ContactKind::Organization, "{c:?}");
    // Any case, and "care of".
    let c = classify("JANE SMITH C/O HARBOUR VIEW ACCOUNTANTS LTD");
    assert_eq!(c.kind, ContactKind::Person, "{c:?}");
    assert!(c.evidence.len() <= MAX_EVIDENCE);
    let c = classify("Jane Smith Care Of Harbour View Ltd");
    assert_eq!(c.kind, ContactKind::Person, "{c:?}");
}

#[test]
fn t3_digits_and_initialisms_point_to_organisations() {
    let c = classify("Route 66 Diner");
    assert_eq!(c.kind, ContactKind::Organization);
    assert!(c.evidence.contains(&Evidence::Digits), "{c:?}");
}

#[test]
fn t3_what_the_record_carries_is_used_and_said() {
    let nc = NameClassifier::new();
    // First and last name that are the name's: a person, and said so.
    let c = nc.classify(
        &ClassifierInput::named("Jordan Taylor").with_person(Some("Jordan"), Some("Taylor")),
    );
    assert_eq!(c.kind, ContactKind::Person);
    assert_eq!(c.evidence.first(), Some(&Evidence::FirstAndLastNamePresent));
    // Someone else's first and last name on a record named otherwise: a
    // contact person of an organisation.
    let c = nc.classify(
        &ClassifierInput::named("Harbour View").with_person(Some("Jordan"), Some("Taylor")),
    );
    assert_eq!(c.kind, ContactKind::Organization, "{c:?}");
    assert!(
        c.evidence.contains(&Evidence::ContactPersonDiffers),
        "{c:?}"
    );
    // A company name recorded.
    let c = nc.classify(
        &ClassifierInput::named("Morgan Reid").with_organization_name(Some("Morgan Reid")),
    );
    let plain = classify("Morgan Reid");
    assert_eq!(plain.kind, ContactKind::Person);
    assert!(
        c.kind == ContactKind::Organization || c.confidence < plain.confidence,
        "{c:?} vs {plain:?}"
    );
    // No name at all.
    let c = nc.classify(&ClassifierInput::named(" ").with_person(Some("Jordan"), Some("Taylor")));
    assert_eq!((c.kind, c.confidence), (ContactKind::Person, 70));
    let c = classify("");
    assert_eq!((c.kind, c.confidence), (ContactKind::Organization, 0));
    assert!(c.needs_review);
}

#[test]
fn t3_the_review_threshold_sets_needs_review() {
    let input = ClassifierInput {
        name: "Jane Smith",
        ..ClassifierInput::default()
    };
    let c = NameClassifier::new().with_review_below(0).classify(&input);
    assert!(!c.needs_review);
    let all = NameClassifier::new().with_review_below(101);
    assert_eq!(all.review_below(), 101);
    assert!(all.classify(&input).needs_review);
    let c = NameClassifier::new().classify(&input);
    assert_eq!(
        c.needs_review,
        c.confidence < NameClassifier::DEFAULT_REVIEW_BELOW
    );
    assert_eq!(NameClassifier::default(), NameClassifier::new());
}

#[test]
fn t3_confidence_grows_with_the_evidence() {
    // More organisation evidence never lowers the confidence.
    let a = classify("Harbour View");
    let b = classify("Harbour View Holdings Ltd");
    assert_eq!(b.kind, ContactKind::Organization);
    assert!(b.confidence >= a.confidence, "{a:?} {b:?}");
    assert_eq!(b.confidence, 99);
}

#[test]
fn t3_features_name_what_the_model_weighs() {
    let f = NameClassifier::new().features(&ClassifierInput {
        name: "Smith, John",
        ..ClassifierInput::default()
    });
    let names: Vec<&str> = f.iter().map(|(k, _)| k.as_str()).collect();
    assert!(names.contains(&"bias"));
    assert!(names.contains(&"comma_reversed"));
    assert!(names.contains(&"w:smith"));
    assert!(names.contains(&"first_given_high"), "{names:?}");
}

#[test]
fn t3_classifier_is_deterministic_and_bounded() {
    let long = "word ".repeat(10_000);
    for name in [
        "Jane Smith",
        "Acme Ltd",
        "",
        "a & b c d",
        "ß Straße 1",
        "((((\"\"",
        "c/o",
        "care of ",
        ",,,",
        "- - -",
        long.as_str(),
    ] {
        assert_eq!(classify(name), classify(name), "{name}");
        assert!(classify(name).evidence.len() <= MAX_EVIDENCE);
    }
}

#[test]
fn t3_evidence_gives_one_reason_a_word() {
    // "pacific" is both no known given name and a word the model learned
    // from organisations: the evidence says it once.
    let c = classify("Pacific Imports LLC");
    assert_eq!(c.kind, ContactKind::Organization, "{c:?}");
    let mut words: Vec<&str> = c.evidence.iter().filter_map(super::word_of).collect();
    let n = words.len();
    words.sort_unstable();
    words.dedup();
    assert_eq!(words.len(), n, "{c:?}");
    assert!(words.contains(&"pacific"), "{c:?}");
}

#[test]
fn t3_registration_fields_are_used_and_said() {
    let nc = NameClassifier::new();
    // A personal-looking name with a company number and a business tax
    // number: the record says organisation, and says why.
    let plain = classify("Morgan Reid");
    assert_eq!(plain.kind, ContactKind::Person);
    let c = nc.classify(
        &ClassifierInput::named("Morgan Reid")
            .with_company_number(Some("NZBN 9429041234567"))
            .with_tax_id(Some(TaxIdKind::Business)),
    );
    assert_eq!(c.kind, ContactKind::Organization, "{c:?}");
    assert!(
        c.evidence.contains(&Evidence::CompanyNumberPresent),
        "{c:?}"
    );
    assert!(c.evidence.contains(&Evidence::BusinessTaxId), "{c:?}");
    // A blank company number says nothing.
    let c = nc.classify(&ClassifierInput::named("Morgan Reid").with_company_number(Some("  ")));
    assert_eq!(c, plain);
    // A person's tax number pulls a neutral name towards a person.
    let shop = classify("Harbour View");
    let c =
        nc.classify(&ClassifierInput::named("Harbour View").with_tax_id(Some(TaxIdKind::Personal)));
    assert!(
        c.kind == ContactKind::Person || c.confidence < shop.confidence,
        "{c:?} vs {shop:?}"
    );
    if c.kind == ContactKind::Person {
        assert!(c.evidence.contains(&Evidence::PersonalTaxId), "{c:?}");
    }
    // Contact persons listed lean towards an organisation.
    let c = nc.classify(&ClassifierInput::named("Morgan Reid").with_contact_persons(2));
    assert!(
        c.kind == ContactKind::Organization || c.confidence < plain.confidence,
        "{c:?} vs {plain:?}"
    );
    // No name: the registration field decides, stated at 70.
    let c = nc.classify(&ClassifierInput::named("").with_tax_id(Some(TaxIdKind::Personal)));
    assert_eq!((c.kind, c.confidence), (ContactKind::Person, 70));
    assert_eq!(c.evidence, vec![Evidence::PersonalTaxId, Evidence::NoName]);
    // Xero's TaxNumberType values.
    assert_eq!(TaxIdKind::from_xero("SSN"), Some(TaxIdKind::Personal));
    assert_eq!(TaxIdKind::from_xero(" itin"), Some(TaxIdKind::Personal));
    assert_eq!(TaxIdKind::from_xero("EIN"), Some(TaxIdKind::Business));
    assert_eq!(TaxIdKind::from_xero("GST"), None);
}
