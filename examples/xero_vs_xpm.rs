//! The same small firm connected to Xero (general ledger) and to Xero
//! Practice Manager: what the first sync would do with every ledger record,
//! side by side, and what to tidy up before connecting.
//!
//! Run with `cargo run --example xero_vs_xpm`.
#![allow(clippy::print_stdout)]

use ledgerlink::audit::Prediction;
use ledgerlink::model::{Address, ContactKind, PhoneKind};
use ledgerlink::rules::xpm::{ImportScope, imports_client_contacts, kind_for_business_structure};
use ledgerlink::{Contact, MatchIndex, MatchResult, Profile, Side, audit, audit_against};

/// Adds a phone number and a street address.
fn reachable(c: Contact, phone: &str, street: &str, city: &str) -> Contact {
    c.with_phone(PhoneKind::Primary, phone)
        .with_address(Address {
            lines: vec![street.to_owned()],
            city: Some(city.to_owned()),
            country: Some("New Zealand".to_owned()),
            ..Address::default()
        })
}

/// The firm's own contacts (the practice-management side).
fn firm_contacts() -> Vec<Contact> {
    vec![
        reachable(
            Contact::organization("K-01", "Acme Plumbing Ltd")
                .with_email("accounts@acmeplumbing.test"),
            "+64 9 555 0101",
            "12 Pipe Street",
            "Auckland",
        ),
        // A client's contact person; no phone or address on file.
        Contact::person("K-02", "Tom", "Brown")
            .with_email("tom@acmeplumbing.test")
            .linked_to("K-01"),
        // A couple who share one email address.
        reachable(
            Contact::person("K-03", "John", "Smith").with_email("smiths@homemail.test"),
            "+64 21 555 0303",
            "4 Kauri Road",
            "Hamilton",
        ),
        reachable(
            Contact::person("K-04", "Mary", "Smith").with_email("smiths@homemail.test"),
            "+64 21 555 0404",
            "4 Kauri Road",
            "Hamilton",
        ),
        // A sole trader.
        reachable(
            Contact::person("K-05", "Wei", "Lee").with_email("wei@leedesign.test"),
            "+64 27 555 0505",
            "88 Queen Street",
            "Auckland",
        ),
        reachable(
            Contact::organization("K-06", "Harbour Family Trust")
                .with_email("trustees@harbour.test"),
            "+64 3 555 0606",
            "1 Wharf Lane",
            "Lyttelton",
        ),
        // Two clients whose bookkeeper's address is on file as their billing email.
        reachable(
            Contact::organization("K-07", "Corner Café Ltd").with_email("books@tidyledgers.test"),
            "+64 4 555 0707",
            "2 Cuba Street",
            "Wellington",
        ),
        reachable(
            Contact::organization("K-08", "Rise Bakery Ltd").with_email("books@tidyledgers.test"),
            "+64 4 555 0808",
            "9 Flour Mill Road",
            "Wellington",
        ),
        reachable(
            Contact::person("K-09", "Zoë", "Müller").with_email("zoe@muller.test"),
            "+64 22 555 0909",
            "3 Alpine Way",
            "Queenstown",
        ),
        // A typo in the email: it can never match.
        reachable(
            Contact::person("K-10", "Priya", "Patel").with_email("priya@@patel.test"),
            "+64 9 555 1010",
            "70 Dominion Road",
            "Auckland",
        ),
    ]
}

/// One ledger record as it appears in both products, with the XPM business
/// structure.
struct LedgerRow {
    name: &'static str,
    email: &'static str,
    structure: &'static str,
}

const LEDGER: &[LedgerRow] = &[
    LedgerRow {
        name: "ACME PLUMBING LTD",
        email: "Accounts@AcmePlumbing.test",
        structure: "Company",
    },
    LedgerRow {
        name: "John & Mary Smith",
        email: "smiths@homemail.test",
        structure: "Partnership",
    },
    LedgerRow {
        name: "Wei  Lee",
        email: "wei@leedesign.test",
        structure: "Sole Trader",
    },
    LedgerRow {
        name: "Harbour Family Trust",
        email: "admin@harbour.test",
        structure: "Trust",
    },
    LedgerRow {
        name: "Corner Café Ltd",
        email: "books@tidyledgers.test",
        structure: "Company",
    },
    LedgerRow {
        name: "Rise Bakery",
        email: "books@tidyledgers.test",
        structure: "Company",
    },
    // "Zoë Müller" typed on a Mac: the accents arrive decomposed (NFD).
    LedgerRow {
        name: "Zoe\u{308} Mu\u{308}ller",
        email: "zoe@muller.test",
        structure: "Individual",
    },
    LedgerRow {
        name: "Pacific Imports LLC",
        email: "ap@pacificimports.test",
        structure: "Ltd Liability Co",
    },
    LedgerRow {
        name: "Sam Taylor",
        email: "sam@taylor.test",
        structure: "Individual",
    },
    // A sole trader trading under a business name.
    LedgerRow {
        name: "Kim Dental Studio",
        email: "kim@dentalstudio.test",
        structure: "Sole Trader",
    },
];

fn ledger(profile: Profile) -> Vec<Contact> {
    LEDGER
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let prefix = if profile == Profile::Xpm { "P" } else { "X" };
            let c =
                Contact::named(format!("{prefix}-{:02}", i + 1), row.name).with_email(row.email);
            if profile == Profile::Xpm {
                c.with_business_structure(row.structure)
            } else {
                c
            }
        })
        .collect()
}

fn outcome_label(r: &MatchResult) -> String {
    let ids: Vec<&str> = r.outcome.local_ids().iter().map(|i| i.as_str()).collect();
    let class = match r.outcome.class().as_str() {
        "full" => "linked",
        "partial" => "review",
        "ambiguous" => "review",
        "none" => "create",
        other => other,
    };
    if ids.is_empty() {
        class.to_owned()
    } else {
        format!("{class} {}", ids.join(","))
    }
}

fn kind_label(r: &MatchResult) -> String {
    match &r.kind {
        Some(k) => {
            let kind = match k.kind {
                ContactKind::Person => "person",
                ContactKind::Organization => "org",
            };
            if k.is_flagged() {
                format!("{kind} (!)")
            } else {
                kind.to_owned()
            }
        }
        None => "-".into(),
    }
}

/// Pads to a width in columns; combining accents (as in NFD text) take none.
fn pad(s: &str, width: usize) -> String {
    let n = s
        .chars()
        .filter(|c| !('\u{300}'..='\u{36F}').contains(c))
        .count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let firm = firm_contacts();
    let xero = ledger(Profile::XeroGl);
    let xpm = ledger(Profile::Xpm);

    let xero_results = MatchIndex::new(Profile::XeroGl, &firm)?.classify_batch(&xero)?;
    let xpm_results = MatchIndex::new(Profile::Xpm, &firm)?.classify_batch(&xpm)?;

    println!("First sync of the same firm with Xero and with Xero Practice Manager");
    println!("(linked = matched automatically; review = a match issue for a person;");
    println!(" create = a new contact is added to the firm's system; (!) = check the type)\n");
    println!(
        "{} | {} {} | {} type",
        pad("Ledger record", 22),
        pad("Xero", 16),
        pad("type", 8),
        pad("Xero Practice Manager", 22),
    );
    println!("{}", "-".repeat(22 + 3 + 25 + 3 + 22 + 10));
    for (i, row) in LEDGER.iter().enumerate() {
        let (x, p) = (&xero_results[i], &xpm_results[i]);
        println!(
            "{} | {} {} | {} {}",
            pad(row.name, 22),
            pad(&outcome_label(x), 16),
            pad(&kind_label(x), 8),
            pad(&outcome_label(p), 22),
            kind_label(p)
        );
    }

    println!("\nThe matching test is the same (name and email); what differs is the type of");
    println!("new contacts: Xero has no type, so a classifier guesses from the name; XPM");
    println!("has a business structure, so a sole trader is a person whatever the name, and");
    println!("an unfamiliar structure is flagged for a person to check.");

    println!("\nWhy, record by record");
    for (i, row) in LEDGER.iter().enumerate() {
        println!("\n{} <{}>", row.name, row.email);
        println!("  Xero: {}", xero_results[i].explain());
        println!("  XPM:  {}", xpm_results[i].explain());
    }

    println!("\nXPM contacts of clients (T2)");
    for (client, structure, contact) in [
        ("Acme Plumbing Ltd", "Company", "Tom Brown"),
        ("Wei Lee", "Sole Trader", "Ana Lee"),
    ] {
        let kind = kind_for_business_structure(Some(structure)).kind;
        for scope in [ImportScope::ClientsOnly, ImportScope::ClientsAndContacts] {
            let verdict = if imports_client_contacts(scope, kind) {
                "imported as a person linked to the organisation"
            } else {
                "not imported"
            };
            let scope = match scope {
                ImportScope::ClientsOnly => "clients only",
                ImportScope::ClientsAndContacts => "clients and contacts",
            };
            println!("  {contact} (contact of {client}, {structure}), \"{scope}\": {verdict}");
        }
    }
    println!("  Xero (general ledger) never imports contact persons as separate contacts.");

    println!("\nBefore connecting: the firm's data (H1-H4)");
    let report = audit(Profile::XeroGl, Side::Local, &firm)?;
    for rec in report.with_findings() {
        for f in &rec.findings {
            println!("  {} [{}] {}", rec.id, f.rule(), f.explain());
        }
    }
    for shared in &report.shared_emails {
        let holders: Vec<&str> = shared.holders.iter().map(|h| h.as_str()).collect();
        println!(
            "  shared email {} is held by {}",
            shared.email,
            holders.join(", ")
        );
    }

    println!("\nBefore connecting: what happens to each of the firm's contacts with XPM (H5)");
    let report = audit_against(Profile::Xpm, Side::Local, &firm, &xpm)?;
    for rec in &report.records {
        if let Some(Prediction::Local(_)) = &rec.prediction {
            let p = rec
                .prediction
                .as_ref()
                .map(Prediction::explain)
                .unwrap_or_default();
            println!("  {}: {p}", rec.id);
        }
    }
    Ok(())
}
