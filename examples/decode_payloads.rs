//! Decodes ledger payload files of any supported kind — Xero and QBO JSON,
//! XPM XML, QuickBooks Time JSON, their error bodies — and prints the
//! records. Contacts are then classified as a first sync would classify
//! them against a small list of the firm's own contacts.
//!
//! ```sh
//! cargo run --example decode_payloads -- ../shared/wire/fixtures/xero/xero-contacts-get.json
//! ```
//!
//! Several files may be given; the exit status is 1 when one of them could
//! not be decoded (the error says why).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use ledgerlink::qbtime::TimeEntryKind;
use ledgerlink::wire::{Payload, decode_any};
use ledgerlink::{Contact, MatchIndex, Profile};

/// The firm's side: a few contacts that share names or emails with the
/// providers' published examples, and some that do not.
fn firm() -> Vec<Contact> {
    vec![
        Contact::organization("F1", "ABC Limited").with_email("john.smith@gmail.com"),
        Contact::organization("F2", "Amy's Bird Sanctuary").with_email("birds@intuit.com"),
        Contact::person("F3", "Bill", "Lucchini").with_email("bill@lucchini.test"),
        Contact::organization("F4", "Cool Cars").with_email("cool_cars@intuit.com"),
        Contact::organization("F5", "Harbour Lights Cafe").with_email("ap@harbour.test"),
        Contact::person("F6", "Katherine", "Warren").with_email("kat.warren@clampett.com"),
        Contact::person("F7", "Lisa", "Parker").with_email("lisa@parker.test"),
    ]
}

/// The profile to classify a payload's contacts under: none for QuickBooks
/// Time, which keeps no contacts.
fn profile(p: Profile) -> Option<Profile> {
    p.keeps_contacts().then_some(p)
}

fn show(path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    let (provider, payload) = decode_any(&bytes)?;
    println!("{path}: {provider}, {}", payload.summary());
    match &payload {
        Payload::Contacts { records, .. } => {
            for c in records {
                let kind = match c.kind {
                    Some(k) => format!("{k:?}").to_lowercase(),
                    None => "kind not recorded".to_owned(),
                };
                let email = c.billing_email().unwrap_or("no email");
                println!("  {} {:?} ({kind}, {email})", c.id, c.label());
            }
            if let Some(profile) = profile(provider) {
                println!("  first sync against the firm's {} contacts:", firm().len());
                let index = MatchIndex::new(profile, &firm())?;
                for r in index.classify_batch(records)? {
                    let class = format!("{:?}", r.outcome.class()).to_lowercase();
                    println!("    {} → {class}: {}", r.remote_id, r.explain());
                }
            }
        }
        Payload::Invoices(list) => {
            for i in list {
                println!(
                    "  {} no. {} for {} on {}: {:?}, {} line(s)",
                    i.id,
                    i.number,
                    i.contact_id,
                    i.issue_date,
                    i.status,
                    i.lines.len()
                );
            }
        }
        Payload::Payments(list) => {
            for p in list {
                println!(
                    "  {} on {} from {}: {} ({} allocation(s))",
                    p.id,
                    p.date,
                    p.payer,
                    p.amount,
                    p.allocations.len()
                );
            }
        }
        Payload::Jobcodes { records, .. } => {
            for j in records {
                let parent = if j.parent_id.is_top_level() {
                    "top level".to_owned()
                } else {
                    format!("under {}", j.parent_id)
                };
                println!("  {} {:?} ({:?}, {parent})", j.id, j.name, j.kind);
            }
        }
        Payload::Timesheets { records, .. } => {
            for t in records {
                let how = match &t.kind {
                    TimeEntryKind::Regular {
                        start,
                        end: Some(end),
                    } => {
                        format!("clocked {} to {}", start.time(), end.time())
                    }
                    TimeEntryKind::Regular { start, end: None } => {
                        format!("on the clock since {}", start.time())
                    }
                    TimeEntryKind::Manual => "entered manually".to_owned(),
                };
                println!(
                    "  {} on {}: user {}, jobcode {}, {} min ({})",
                    t.id,
                    t.date,
                    t.user_id,
                    t.jobcode_id,
                    t.duration_secs / 60,
                    how
                );
            }
        }
        Payload::Error { error, items } => {
            println!("  {error}");
            for i in items {
                println!("  - {i}");
            }
        }
        other => println!("  {other:?}"),
    }
    Ok(())
}

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: decode_payloads FILE...");
        return ExitCode::from(2);
    }
    let mut ok = true;
    for path in &paths {
        if let Err(e) = show(path) {
            eprintln!("{path}: {e}");
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
