//! The same small firm connected to Xero (general ledger) and to Xero
//! Practice Manager: what the first sync would do with every ledger record,
//! side by side, and what to tidy up before connecting.
//!
//! The last section, "Sync round", runs both connections for real with
//! [`ledgerlink::sync::plan`] and [`ledgerlink::sync::apply_results`],
//! carrying the planned operations out on two in-memory maps: the first
//! connection (links, local creates, match issues, the values replaced on
//! linking), a new local client organisation and its contact person (pushed
//! to XPM by itself, P2; sent to Xero GL only on request, P1), records
//! archived and deleted in the ledger (the local contacts stay, F6, U8), and
//! a last plan that is empty (F5).
//!
//! Run with `cargo run --example xero_vs_xpm` (default features only).
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use ledgerlink::audit::Prediction;
use ledgerlink::model::{Address, ContactKind, ContactStatus, PhoneKind, VersionToken};
use ledgerlink::ports::AdapterError;
use ledgerlink::rules::xpm::{ImportScope, imports_client_contacts, kind_for_business_structure};
use ledgerlink::sync::{
    Action, ConnectionConfig, ContactRef, Decision, FieldValue, OpId, OpOutcome, OpResult,
    Operation, Plan, PlanInput, ReviewItem, SyncField, SyncState, apply_results, plan,
};
use ledgerlink::{
    Contact, ContactId, MatchIndex, MatchResult, Profile, Side, audit, audit_against,
};

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

    sync_round(&firm)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Sync round: the same firm, synced for real with `sync::plan` and
// `sync::apply_results`, the operations carried out on two in-memory maps.
// ---------------------------------------------------------------------------

/// One side of a connection kept in memory: the records by id, the ids it
/// hands out and the idempotency keys it has already honoured (U1).
struct Store {
    records: BTreeMap<ContactId, Contact>,
    prefix: &'static str,
    issued: usize,
    keys: BTreeMap<String, ContactId>,
}

impl Store {
    fn new(prefix: &'static str, contacts: Vec<Contact>) -> Self {
        Self {
            issued: contacts.len(),
            records: contacts.into_iter().map(|c| (c.id.clone(), c)).collect(),
            prefix,
            keys: BTreeMap::new(),
        }
    }

    /// Stores a new record under the next free id.
    fn add(&mut self, mut contact: Contact) -> ContactId {
        self.issued += 1;
        let id = ContactId::new(format!("{}-{:02}", self.prefix, self.issued));
        contact.id = id.clone();
        self.records.insert(id.clone(), contact);
        id
    }

    fn listing(&self) -> Vec<Contact> {
        self.records.values().cloned().collect()
    }

    fn name_of(&self, id: &ContactId) -> String {
        self.records.get(id).map(Contact::label).unwrap_or_default()
    }
}

/// Carries out a plan's operations in order, as an adapter would, and
/// returns one result each: creates get an id (or the record created the
/// first time, when the idempotency key was seen before), people created
/// with an organisation point at the organisation's new id, updates write
/// the patch after checking the version they were planned against (U5).
fn carry_out(
    plan: &Plan,
    local: &mut Store,
    remote: &mut Store,
    now: DateTime<Utc>,
) -> Vec<OpResult> {
    let mut created: BTreeMap<&OpId, ContactId> = BTreeMap::new();
    let mut results = Vec::with_capacity(plan.operations.len());
    for op in &plan.operations {
        if let Some(dep) = op.depends_on.iter().find(|d| !created.contains_key(d)) {
            results.push(OpResult {
                op_id: op.id.clone(),
                outcome: OpOutcome::Skipped {
                    reason: format!("`{dep}` did not complete"),
                },
            });
            continue;
        }
        let store = match op.side {
            Side::Local => &mut *local,
            Side::Remote => &mut *remote,
        };
        let outcome = match &op.action {
            Action::Create {
                contact,
                organizations,
                idempotency_key,
                ..
            } => {
                let id = if let Some(id) = store.keys.get(idempotency_key) {
                    // Sent before and its result lost: the same record (U1).
                    id.clone()
                } else {
                    let mut c = (**contact).clone();
                    c.organization_ids = organizations
                        .iter()
                        .filter_map(|r| match r {
                            ContactRef::Id(id) => Some(id.clone()),
                            ContactRef::CreatedBy(dep) => created.get(dep).cloned(),
                        })
                        .collect();
                    stamp(&mut c, op.side, now);
                    let id = store.add(c);
                    store.keys.insert(idempotency_key.clone(), id.clone());
                    id
                };
                created.insert(&op.id, id.clone());
                store
                    .records
                    .get(&id)
                    .cloned()
                    .ok_or(AdapterError::NotFound { id })
            }
            Action::Update {
                target_id,
                patch,
                expected_version,
                ..
            } => match store.records.get_mut(target_id) {
                None => Err(AdapterError::NotFound {
                    id: target_id.clone(),
                }),
                Some(c) if expected_version.is_some() && c.extras.version != *expected_version => {
                    Err(AdapterError::StaleVersion {
                        id: target_id.clone(),
                    })
                }
                Some(c) => {
                    patch.apply_to(c);
                    stamp(c, op.side, now);
                    Ok(c.clone())
                }
            },
        };
        results.push(match outcome {
            Ok(record) => OpResult::applied(op.id.clone(), record),
            Err(error) => OpResult::failed(op.id.clone(), error),
        });
    }
    results
}

/// Marks a record as written at `now`; ledger records get a new version
/// token (Xero's `UpdatedDateUTC`).
fn stamp(c: &mut Contact, side: Side, now: DateTime<Utc>) {
    c.extras.updated_at = Some(now);
    if side == Side::Remote {
        c.extras.version = Some(VersionToken::UpdatedAt(now));
    }
}

/// A connection between the firm and one ledger, with both sides in memory.
struct Connection {
    label: &'static str,
    config: ConnectionConfig,
    state: SyncState,
    local: Store,
    remote: Store,
    now: DateTime<Utc>,
}

impl Connection {
    fn new(profile: Profile, firm: &[Contact], now: DateTime<Utc>) -> Self {
        // The ledger's ids as `ledger()` numbers them.
        let (label, prefix) = match profile {
            Profile::XeroGl => ("Xero GL", "X"),
            Profile::Xpm => ("XPM", "P"),
            _ => ("ledger", "X"),
        };
        Self {
            label,
            // Organisations of contact type "Client" are pushed (P2 under
            // XPM; under Xero GL the setting changes nothing, P1).
            config: ConnectionConfig::new(profile).with_push_contact_type("Client"),
            state: SyncState::new(),
            local: Store::new("K", firm.to_vec()),
            remote: Store::new(prefix, ledger(profile)),
            now,
        }
    }

    fn plan(&self, decisions: &[Decision]) -> Result<Plan, ledgerlink::Error> {
        let (local, remote) = (self.local.listing(), self.remote.listing());
        let input = PlanInput::new(&local, &remote, self.now).with_decisions(decisions);
        plan(&self.config, &self.state, &input)
    }

    /// Plans, keeps the next state, carries the operations out and feeds
    /// the results back; then the clock moves on an hour.
    fn run(&mut self, decisions: &[Decision]) -> Result<Plan, Box<dyn std::error::Error>> {
        let plan = self.plan(decisions)?;
        self.state = plan.next_state.clone();
        let results = carry_out(&plan, &mut self.local, &mut self.remote, self.now);
        let applied = apply_results(&mut self.state, &plan, &results, self.now)?;
        if !applied.all_applied() {
            return Err(format!("{}: run {} did not complete", self.label, plan.run).into());
        }
        self.now += TimeDelta::hours(1);
        Ok(plan)
    }

    /// The ledger record linked to a local contact.
    fn partner(&self, local_id: &str) -> String {
        self.state
            .link_of_local(local_id)
            .map(|l| l.remote_id.to_string())
            .unwrap_or_else(|| "-".into())
    }
}

fn value_text(v: Option<&FieldValue>) -> String {
    v.map_or_else(|| "(empty)".to_owned(), ToString::to_string)
}

fn sync_round(firm: &[Contact]) -> Result<(), Box<dyn std::error::Error>> {
    let start = Utc
        .with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
        .single()
        .ok_or("invalid start time")?;
    let mut xero = Connection::new(Profile::XeroGl, firm, start);
    let mut xpm = Connection::new(Profile::Xpm, firm, start);

    println!("\nSync round");
    println!("Both connections run for real: each run plans (sync::plan), carries the");
    println!("operations out on in-memory copies of both sides and feeds the results back");
    println!(
        "(sync::apply_results). Organisations of contact type \"Client\" are in the push set."
    );

    // 1. The first connection.
    let first = [xero.run(&[])?, xpm.run(&[])?];
    println!("\n1. First connection{}Xero GL  XPM", " ".repeat(28));
    let counts = |p: &Plan| {
        [
            p.report.counts.linked,
            p.report.counts.local_creates,
            p.review
                .iter()
                .filter(|r| matches!(r, ReviewItem::MatchIssue { .. }))
                .count(),
            p.report.counts.local_updates,
            p.report.counts.remote_updates,
            p.report.counts.conflicts_held,
            p.report.counts.remote_creates,
        ]
    };
    let (x, p) = (counts(&first[0]), counts(&first[1]));
    let rows = [
        "pairs linked automatically (M1)",
        "contacts created in the firm (M3, P4)",
        "match issues left for a person (M2)",
        "linked contacts updated in the firm",
        "linked records filled in the ledger",
        "differing values held for a person (F4)",
        "records created in the ledger (P1, P2)",
    ];
    for (i, what) in rows.iter().enumerate() {
        println!("   {} {:>7}  {:>3}", pad(what, 42), x[i], p[i]);
    }

    // The contacts created in the firm, by local id, under each profile.
    let mut made: BTreeMap<ContactId, (String, [String; 2])> = BTreeMap::new();
    for (i, c) in [&xero, &xpm].iter().enumerate() {
        for op in first[i].operations.iter().filter(|o| o.side == Side::Local) {
            let Action::Create { source_id, .. } = &op.action else {
                continue;
            };
            let Some(link) = c.state.link_of_remote(source_id.as_str()) else {
                continue;
            };
            let Some(created) = c.local.records.get(&link.local_id) else {
                continue;
            };
            let row = made
                .entry(link.local_id.clone())
                .or_insert_with(|| (created.label(), Default::default()));
            row.1[i] = format!(
                "{} from {source_id}",
                created.kind.map_or("?", ContactKind::as_str)
            );
        }
    }
    println!("\n   Created in the firm, contact type \"Client\" (P4)");
    for (id, (name, [x, p])) in &made {
        println!("     {id} {} {} {p}", pad(name, 22), pad(x, 23));
    }

    // F2: what linking replaced, once per value, with the profiles it
    // happened under.
    let mut replaced: BTreeMap<(ContactId, SyncField, String, String), Vec<&str>> = BTreeMap::new();
    for (i, c) in [&xero, &xpm].iter().enumerate() {
        for o in first[i]
            .report
            .overwritten
            .iter()
            .filter(|o| o.rule == "F2")
        {
            let key = (
                o.record_id.clone(),
                o.change.field,
                value_text(o.change.old.as_ref()),
                value_text(o.change.new.as_ref()),
            );
            replaced.entry(key).or_default().push(c.label);
        }
    }
    println!("\n   Xero GL: on the first link the ledger's values replace the firm's (F2); each");
    println!("   old value is in plan.report.overwritten. These Xero records hold no phone, so");
    println!("   linking empties it in the firm: fill it in the ledger before connecting.");
    println!("   XPM: a first automatic link merges instead: a value only one side has is copied");
    println!("   to the other, and two different values wait for a person (conflict policy).");
    for ((id, field, old, new), under) in &replaced {
        let under = if under.len() == 2 {
            "both".to_owned()
        } else {
            under.join(", ")
        };
        // "Zoë Müller" typed on a Mac arrives decomposed: it looks the same.
        let nfd = if new.chars().any(|c| ('\u{300}'..='\u{36F}').contains(&c)) {
            " (decomposed accents, NFD)"
        } else {
            ""
        };
        println!(
            "     {id} {} {} -> {} [{under}]{nfd}",
            pad(field.as_str(), 16),
            pad(old, 38),
            pad(new, 26)
        );
    }

    // 2. The firm adds a client organisation and its contact person.
    let mut added = Vec::new();
    for c in [&mut xero, &mut xpm] {
        let org = c.local.add(
            Contact::organization("", "Southern Lights Ltd")
                .with_email("office@southernlights.test")
                .with_contact_type("Client"),
        );
        let person = c.local.add(
            Contact::person("", "Aroha", "Ngata")
                .with_email("aroha@southernlights.test")
                .linked_to(org.clone()),
        );
        added.push((org, person));
    }
    let (org, person) = added.first().cloned().ok_or("nothing added")?;
    println!("\n2. The firm adds {org} Southern Lights Ltd (contact type \"Client\") and its");
    println!("   contact person {person} Aroha Ngata");
    let pushed = [xero.run(&[])?, xpm.run(&[])?];
    for (i, c) in [&xero, &xpm].iter().enumerate() {
        if pushed[i].is_empty() {
            let why = if c.config.profile == Profile::XeroGl {
                ": new local contacts never go to Xero by themselves (P1)"
            } else {
                ""
            };
            println!("   {}: nothing is sent{why}", pad(c.label, 7));
        }
        for op in &pushed[i].operations {
            print_push(c, op);
        }
    }
    let asked = [Decision::CreateRemote { local_id: org }];
    println!("   Xero GL, after a person asks for it (Decision::CreateRemote):");
    let p = xero.run(&asked)?;
    for op in &p.operations {
        print_push(&xero, op);
    }

    // 3. Records removed in the ledgers.
    println!("\n3. In both ledgers the first record (ACME PLUMBING LTD) is archived and the");
    println!("   third (Wei  Lee) is deleted");
    for (c, archived, deleted) in [(&mut xero, "X-01", "X-03"), (&mut xpm, "P-01", "P-03")] {
        if let Some(r) = c.remote.records.get_mut(archived) {
            r.status = ContactStatus::Archived;
        }
        c.remote.records.remove(deleted);
    }
    for c in [&mut xero, &mut xpm] {
        let p = c.run(&[])?;
        println!(
            "   {}: {} operation(s)",
            pad(c.label, 7),
            p.operations.len()
        );
        for n in &p.report.notices {
            let ids = format!(
                "{} / {}",
                n.local_id.as_ref().map_or("-", ContactId::as_str),
                n.remote_id.as_ref().map_or("-", ContactId::as_str)
            );
            println!("     {:<3} {} {}", n.rule, pad(&ids, 11), n.message);
        }
    }
    let kept = |c: &Connection| {
        ["K-01", "K-05"]
            .iter()
            .all(|id| c.local.records.contains_key(*id))
    };
    println!(
        "   K-01 and K-05 are still in the firm's system: Xero GL {}, XPM {} (F6)",
        if kept(&xero) { "yes" } else { "no" },
        if kept(&xpm) { "yes" } else { "no" }
    );

    // 4. Nothing changed: nothing to do.
    println!("\n4. Planning again with nothing changed (F5)");
    for c in [&xero, &xpm] {
        let p = c.plan(&[])?;
        let issues = p
            .review
            .iter()
            .filter(|r| matches!(r, ReviewItem::MatchIssue { .. }))
            .count();
        println!(
            "   {}: {} operation(s); {issues} match issue(s) (L2) and {} held conflict(s) (F4) wait for a person",
            pad(c.label, 7),
            p.operations.len(),
            p.review.len() - issues
        );
    }
    Ok(())
}

/// One create sent to the ledger, with the record it became.
fn print_push(c: &Connection, op: &Operation) {
    let Action::Create {
        source_id,
        organizations,
        ..
    } = &op.action
    else {
        return;
    };
    let remote_id = c.partner(source_id.as_str());
    let name = c.local.name_of(source_id);
    let belongs = if organizations.is_empty() {
        String::new()
    } else {
        let orgs: Vec<String> = c
            .remote
            .records
            .get(remote_id.as_str())
            .map(|r| r.organization_ids.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        format!(", belongs to {}", orgs.join(", "))
    };
    let after = if op.depends_on.is_empty() {
        String::new()
    } else {
        let deps: Vec<&str> = op.depends_on.iter().map(OpId::as_str).collect();
        format!(" (after {})", deps.join(", "))
    };
    println!(
        "   {}: {} {} -> {remote_id}{belongs}{after} [{}]",
        pad(c.label, 7),
        op.id,
        name,
        op.rule
    );
}
