//! The pre-connection audit, H1–H5, through the public API.

use crate::support::contacts::{org, person, qbo, remote};
use ledgerlink::audit::{Field, Finding, LocalPrediction, Prediction};
use ledgerlink::model::{Address, PhoneKind};
use ledgerlink::normalize::EmailProblem;
use ledgerlink::{Contact, Error, MatchClass, Profile, Side, audit, audit_against};

fn complete(c: Contact) -> Contact {
    c.with_phone(PhoneKind::Primary, "555 0100")
        .with_address(Address {
            lines: vec!["1 Main St".into()],
            city: Some("Springfield".into()),
            ..Address::default()
        })
}

fn findings(report: &ledgerlink::AuditReport, id: &str) -> Vec<Finding> {
    report.record(id).unwrap().findings.clone()
}

#[test]
fn h1_qbo_organisation_display_name_must_equal_company_name() {
    let customers = [
        complete(qbo("1", "Acme", Some("Acme Pty Ltd"), None, "a@acme.test")),
        complete(qbo("2", "Beta Ltd", Some("BETA LTD"), None, "b@beta.test")),
    ];
    let r = audit(Profile::Qbo, Side::Remote, &customers).unwrap();
    assert_eq!(
        findings(&r, "1"),
        vec![Finding::DisplayNameDiffersFromCompanyName]
    );
    assert_eq!(findings(&r, "2"), vec![]);
    assert_eq!(findings(&r, "1")[0].rule(), "H1");
    // Not a rule of the Xero profiles.
    let r = audit(Profile::XeroGl, Side::Remote, &customers).unwrap();
    assert!(findings(&r, "1").is_empty());
}

#[test]
fn h2_people_need_first_last_and_display_names() {
    let mut half = Contact::person("Q-1", "Jane", "").with_email("j@x.test");
    half.kind = Some(ledgerlink::ContactKind::Person);
    let r = audit(Profile::Qbo, Side::Local, &[complete(half.clone())]).unwrap();
    assert_eq!(
        findings(&r, "Q-1"),
        vec![Finding::IncompletePersonName {
            missing: vec![Field::LastName, Field::DisplayName]
        }]
    );
    let r = audit(Profile::XeroGl, Side::Local, &[complete(half)]).unwrap();
    assert_eq!(
        findings(&r, "Q-1"),
        vec![Finding::IncompletePersonName {
            missing: vec![Field::LastName]
        }]
    );
}

#[test]
fn h3_emails_are_valid_and_unique_with_every_holder_listed() {
    let contacts = [
        complete(org("A", "Alpha", "books@firm.test")),
        complete(org("B", "Beta", "BOOKS@firm.test ")),
        complete(org("C", "Gamma", "books@firm.test")),
        complete(org("D", "Delta", "delta.firm.test")),
        complete(Contact::organization("E", "Epsilon")),
    ];
    let r = audit(Profile::Xpm, Side::Local, &contacts).unwrap();
    assert_eq!(r.shared_emails.len(), 1);
    assert_eq!(r.shared_emails[0].email, "books@firm.test");
    let holders: Vec<&str> = r.shared_emails[0]
        .holders
        .iter()
        .map(|h| h.as_str())
        .collect();
    assert_eq!(holders, ["A", "B", "C"]);
    assert_eq!(
        findings(&r, "B"),
        vec![Finding::SharedEmail {
            with: vec!["A".into(), "C".into()]
        }]
    );
    assert_eq!(
        findings(&r, "D"),
        vec![Finding::InvalidEmail {
            problem: EmailProblem::MissingAt
        }]
    );
    assert!(findings(&r, "E").contains(&Finding::MissingEmail));
    assert!(
        findings(&r, "E")
            .iter()
            .all(|f| f.rule() == "H3" || f.rule() == "H4")
    );
}

#[test]
fn h4_missing_fields_are_listed() {
    let r = audit(Profile::XeroGl, Side::Local, &[Contact::named("Z", "")]).unwrap();
    let f = findings(&r, "Z");
    assert!(f.contains(&Finding::MissingFields {
        fields: vec![Field::Name, Field::Email, Field::Address, Field::Phone]
    }));
    let r = audit(
        Profile::XeroGl,
        Side::Local,
        &[complete(org("Y", "Yankee", "y@y.test"))],
    )
    .unwrap();
    assert!(findings(&r, "Y").is_empty());
    assert_eq!(r.with_findings().count(), 0);
}

#[test]
fn h5_predicts_the_first_sync_of_every_remote_record() {
    let local = [
        org("K1", "Acme Ltd", "ap@acme.test"),
        person("K2", "Jane", "Smith", "j@s.test"),
    ];
    let remotes = [
        qbo("1", "Acme Ltd", Some("Acme Ltd"), None, "ap@acme.test"),
        qbo("2", "Acme", Some("Acme Trading"), None, "x@acme.test"),
        qbo("3", "Jane S", None, Some(("Jane", "Smith")), "other@s.test"),
        qbo("4", "New Co", Some("New Co"), None, "n@new.test"),
    ];
    let r = audit_against(Profile::Qbo, Side::Remote, &remotes, &local).unwrap();
    let class = |id: &str| match &r.record(id).unwrap().prediction {
        Some(Prediction::Remote(m)) => m.outcome.class(),
        other => panic!("{other:?}"),
    };
    assert_eq!(class("1"), MatchClass::Full);
    assert_eq!(class("2"), MatchClass::Unmatchable);
    assert_eq!(class("3"), MatchClass::Partial);
    assert_eq!(class("4"), MatchClass::None);
    let summary = r.predicted.as_ref().unwrap();
    assert_eq!(
        (
            summary.full,
            summary.unmatchable,
            summary.partial,
            summary.none
        ),
        (1, 1, 1, 1)
    );
    // The prediction says why, with the fix for the unmatchable record.
    let why = r
        .record("2")
        .unwrap()
        .prediction
        .as_ref()
        .unwrap()
        .explain();
    assert!(
        why.contains("make Display Name equal Company Name"),
        "{why}"
    );
}

#[test]
fn h5_predicts_what_happens_to_each_local_contact() {
    let local = [
        org("K1", "Acme Ltd", "ap@acme.test"),
        org("K2", "Beta", "shared@books.test"),
        org("K3", "Gamma", "g@g.test"),
    ];
    let remotes = [
        remote("X1", "Acme Ltd", "ap@acme.test"),
        remote("X2", "Delta", "shared@books.test"),
    ];
    let r = audit_against(Profile::XeroGl, Side::Local, &local, &remotes).unwrap();
    let p = |id: &str| r.record(id).unwrap().prediction.clone().unwrap();
    assert_eq!(
        p("K1"),
        Prediction::Local(LocalPrediction::WillLink {
            remote_id: "X1".into()
        })
    );
    assert_eq!(
        p("K2"),
        Prediction::Local(LocalPrediction::InMatchIssues {
            remote_ids: vec!["X2".into()]
        })
    );
    assert_eq!(p("K3"), Prediction::Local(LocalPrediction::Untouched));
}

#[test]
fn audit_reports_are_sorted_and_reject_duplicate_ids() {
    let contacts = [org("b", "B", "b@b.test"), org("a", "A", "a@a.test")];
    let r = audit(Profile::XeroGl, Side::Local, &contacts).unwrap();
    let ids: Vec<&str> = r.records.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    let dup = [org("a", "A", "a@a.test"), org("a", "B", "b@b.test")];
    assert!(matches!(
        audit(Profile::XeroGl, Side::Local, &dup),
        Err(Error::DuplicateId {
            side: Side::Local,
            ..
        })
    ));
}

#[test]
fn t1_unknown_xpm_structures_are_flagged_in_the_audit() {
    let clients = [
        complete(remote("C1", "Acme", "a@a.test").with_business_structure("Body Corporate")),
        complete(
            remote("C2", "Jo Bloggs", "j@b.test")
                .with_business_structure("Individual")
                .with_names("Jo", "Bloggs"),
        ),
    ];
    let r = audit(Profile::Xpm, Side::Remote, &clients).unwrap();
    assert_eq!(
        findings(&r, "C1"),
        vec![Finding::UnrecognisedBusinessStructure]
    );
    assert!(findings(&r, "C2").is_empty());
}

#[test]
fn h1_follows_t4_for_qbo_records_without_a_stated_kind() {
    let customers = [
        // First + last, display ≠ company: a person under T4, not an H1 case.
        complete(qbo(
            "1",
            "Jane S.",
            Some("Smith Consulting"),
            Some(("Jane", "Smith")),
            "j@s.test",
        )),
        // A company name but no display name: H1.
        complete(
            Contact::default()
                .with_organization_name("Acme Ltd")
                .with_email("a@acme.test"),
        ),
    ];
    let mut customers = customers.to_vec();
    customers[1].id = "2".into();
    let r = audit(Profile::Qbo, Side::Remote, &customers).unwrap();
    assert!(!findings(&r, "1").contains(&Finding::DisplayNameDiffersFromCompanyName));
    assert!(findings(&r, "2").contains(&Finding::DisplayNameDiffersFromCompanyName));
}

/// Fuzzing found emails compared without Unicode normalisation: the NFC
/// and NFD spellings of one address (typed on two devices) were two
/// addresses, so the shared-email audit missed them (H3) and they never
/// matched (M1, M2).
#[test]
fn h3_an_email_spelled_in_nfc_and_nfd_is_one_shared_address() {
    let contacts = [
        complete(org("A", "Alpha", "jos\u{e9}@caf\u{e9}.test")),
        complete(org("B", "Beta", "Jose\u{301}@Cafe\u{301}.test")),
    ];
    let r = audit(Profile::Xpm, Side::Local, &contacts).unwrap();
    assert_eq!(r.shared_emails.len(), 1);
    let holders: Vec<&str> = r.shared_emails[0]
        .holders
        .iter()
        .map(|h| h.as_str())
        .collect();
    assert_eq!(holders, ["A", "B"]);
    // M1: the two spellings match fully.
    let local = [org("K1", "Acme Ltd", "jos\u{e9}@caf\u{e9}.test")];
    let r = ledgerlink::MatchIndex::new(Profile::XeroGl, &local)
        .unwrap()
        .classify(&Contact::named("X1", "Acme Ltd").with_email("jose\u{301}@cafe\u{301}.test"));
    assert_eq!(
        r.outcome,
        ledgerlink::MatchOutcome::Full {
            local_id: "K1".into()
        }
    );
}
