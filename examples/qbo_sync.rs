//! A firm connects its practice-management contacts to QuickBooks Online and
//! keeps them in step, through the [`Driver`] and the in-memory stores of
//! `ledgerlink::testing` (which follow QBO's rules: unique display names,
//! no `:` in them, `SyncToken`s, sub-customers).
//!
//! Run by run:
//!
//! 1. the first connection: a customer linked automatically (M1) with the
//!    local values it replaces (F2), a customer created in the firm with the
//!    default contact type (M3, P4), a sub-customer skipped (Q3), and two
//!    match issues explained as the firm sees them: a name-only match (M2)
//!    and a customer that cannot be matched at all, with the fix (M5);
//! 2. a person resolves them (`Decision::ConfirmMatch`,
//!    `Decision::CreateNew`), with the audit trail of the run (U9);
//! 3. the same email edited in QBO and in the firm: the "newest wins"
//!    policy settles it, and the losing value stays in the report (F4); the
//!    plan is printed as JSON;
//! 4. new local clients are created in QBO (P3) under names QBO accepts: a
//!    `:` removed and a taken name de-collided (U2);
//! 5. a last run that has nothing to do (F5).
//!
//! Every time is fixed and the stores hand out ids in order, so the output
//! is the same on every run.
//!
//! Run with `cargo run --example qbo_sync --features driver,testing`.
#![allow(clippy::print_stdout)]

use std::error::Error;

use chrono::{DateTime, TimeZone, Utc};
use ledgerlink::driver::{Driver, RunReport, SystemClock};
use ledgerlink::model::{Address, AddressKind, PhoneKind};
use ledgerlink::sync::{
    Action, AuditStatus, ConflictPolicy, ConnectionConfig, Decision, FieldValue, NoticeKind, Plan,
    ReviewItem, SyncState, Trigger,
};
use ledgerlink::testing::{MemoryStateStore, MemoryStore, block_on};
use ledgerlink::{Contact, ContactId, Profile, Side};

/// 2 March 2026 at `hour:minute` UTC.
fn at(hour: u32, minute: u32) -> Result<DateTime<Utc>, Box<dyn Error>> {
    Ok(Utc
        .with_ymd_and_hms(2026, 3, 2, hour, minute, 0)
        .single()
        .ok_or("invalid time")?)
}

/// Moves a store's clock forward to `t`: its next write is stamped just
/// after it (the stores tick one second per write).
fn clock_to(store: &MemoryStore, t: DateTime<Utc>) -> Result<(), Box<dyn Error>> {
    let secs = (t - store.now()).num_seconds();
    if secs > 0 {
        store.advance_clock(u32::try_from(secs)?);
    }
    Ok(())
}

/// The plan a run made.
fn plan_of(report: &RunReport) -> Result<&Plan, &'static str> {
    report.plan.as_ref().ok_or("the run made no plan")
}

/// Prints `text` word-wrapped to 88 columns, each line indented by
/// `indent` spaces.
fn print_wrapped(indent: usize, text: &str) {
    let pad = " ".repeat(indent);
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent + line.chars().count() + 1 + word.chars().count() > 88 {
            println!("{pad}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        println!("{pad}{line}");
    }
}

/// `s` followed by spaces up to `width` characters.
fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(s.chars().count())))
}

fn value_text(v: Option<&FieldValue>) -> String {
    v.map_or_else(|| "(empty)".to_owned(), ToString::to_string)
}

fn name_in(store: &MemoryStore, id: &ContactId) -> String {
    store.get(id).map(|c| c.label()).unwrap_or_default()
}

/// Prints the values a plan replaces, with the values they replace.
fn print_overwrites(plan: &Plan) {
    for o in &plan.report.overwritten {
        let side = match o.side {
            Side::Local => "firm",
            Side::Remote => "QBO",
        };
        println!(
            "     {:<3} {side:<4} {:<5} {:<16} {} -> {}",
            o.rule,
            o.record_id.as_str(),
            o.change.field.as_str(),
            value_text(o.change.old.as_ref()),
            value_text(o.change.new.as_ref())
        );
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let local = MemoryStore::local();
    let qbo = MemoryStore::ledger(Profile::Qbo);
    clock_to(&local, at(8, 0)?)?;
    clock_to(&qbo, at(8, 0)?)?;

    // The firm's contacts.
    let l_harbour = local.insert(
        Contact::organization("", "Harbour Cafe Ltd")
            .with_email("accounts@harbourcafe.test")
            .with_phone(PhoneKind::Primary, "09 555 0100")
            .with_contact_type("Client"),
    );
    let l_jane = local.insert(
        Contact::person("", "Jane", "Smith")
            .with_email("jane@smithfamily.test")
            .with_contact_type("Client"),
    );

    // The QBO customers.
    let q_harbour = qbo.insert(
        Contact::named("", "Harbour Cafe Ltd")
            .with_organization_name("Harbour Cafe Ltd")
            .with_email("accounts@harbourcafe.test")
            .with_phone(PhoneKind::Primary, "+64 9 555 0100")
            .with_address(Address {
                kind: AddressKind::Billing,
                lines: vec!["1 Quay Street".into()],
                city: Some("Auckland".into()),
                ..Address::default()
            }),
    );
    // The same Jane, with her work email: only the name matches.
    let q_jane = qbo.insert(
        Contact::named("", "Jane Smith")
            .with_names("Jane", "Smith")
            .with_email("jane.smith@work.test"),
    );
    // A trading name as display name, the legal name as company name, and no
    // first and last name: QBO's rules leave nothing to match on (M5).
    let q_bay = qbo.insert(
        Contact::named("", "Bay Bikes")
            .with_organization_name("Bay Bicycles Ltd")
            .with_email("hello@baybikes.test"),
    );
    let q_kauri = qbo.insert(
        Contact::named("", "Kauri Builders Ltd")
            .with_organization_name("Kauri Builders Ltd")
            .with_email("office@kauribuilders.test"),
    );
    let mut job = Contact::named("", "Deck rebuild");
    job.extras.parent_id = Some(q_kauri.clone());
    let q_job = qbo.insert(job);

    let config = ConnectionConfig::new(Profile::Qbo)
        .with_push_contact_type("Client")
        .with_conflict_policy(ConflictPolicy::NewestWins);
    let saved = MemoryStateStore::new();
    let driver = Driver::new(&config, &local, &qbo).with_state_store(
        &saved,
        "firm-1",
        "worker-a",
        &SystemClock,
    );
    let mut state = SyncState::new();

    println!("A firm connects to QuickBooks Online");
    println!("Firm: {l_harbour} Harbour Cafe Ltd, {l_jane} Jane Smith (contact type \"Client\")");
    println!(
        "QBO:  {q_harbour} Harbour Cafe Ltd, {q_jane} Jane Smith, {q_bay} Bay Bikes \
         (company: Bay Bicycles Ltd),"
    );
    println!("      {q_kauri} Kauri Builders Ltd, {q_job} Deck rebuild (a job of {q_kauri})");
    println!(
        "Settings: contact type \"Client\" is pushed to QBO, conflicts: {}",
        config.conflict_policy.as_str()
    );

    // ------------------------------------------------------------------ 1
    let run1 = block_on(driver.run(&mut state, &[], Trigger::Scheduled, at(9, 0)?))?;
    let plan = plan_of(&run1)?;
    println!("\n1. First connection (run {})", plan.run);
    for n in &plan.report.notices {
        let remote = n.remote_id.as_ref().map_or("-", ContactId::as_str);
        let what = match n.kind {
            NoticeKind::Linked => format!(
                "linked: QBO {remote} <-> firm {}",
                n.local_id.as_ref().map_or("-", ContactId::as_str)
            ),
            NoticeKind::SkippedJob => format!("skipped: QBO {remote}, {}", n.message),
            _ => format!("QBO {remote}: {}", n.message),
        };
        println!("   {:<3} {what}", n.rule);
    }
    println!("   values replaced on linking (plan.report.overwritten):");
    print_overwrites(plan);
    for op in plan.operations.iter().filter(|o| o.is_create()) {
        if let Action::Create { source_id, .. } = &op.action
            && let Some(link) = state.link_of_remote(source_id.as_str())
        {
            println!(
                "   created in the firm: QBO {source_id} -> {} {}",
                link.local_id,
                name_in(&local, &link.local_id)
            );
            print_wrapped(5, &op.reason);
        }
    }
    println!("   match issues for a person (they stay open until resolved, L2):");
    for item in &plan.review {
        if let ReviewItem::MatchIssue {
            remote_id,
            explanation,
            ..
        } = item
        {
            println!("     QBO {remote_id} {}:", name_in(&qbo, remote_id));
            print_wrapped(7, explanation);
        }
    }

    // ------------------------------------------------------------------ 2
    let decisions = [
        // Same person, new email: link them; QBO's values win (F2).
        Decision::ConfirmMatch {
            remote_id: q_jane.clone(),
            local_id: l_jane.clone(),
        },
        // A client the firm did not have yet.
        Decision::CreateNew {
            remote_id: q_bay.clone(),
        },
    ];
    let run2 = block_on(driver.run(&mut state, &decisions, Trigger::Scheduled, at(9, 30)?))?;
    let plan = plan_of(&run2)?;
    println!("\n2. A person resolves the issues (run {})", plan.run);
    println!(
        "   Decision::ConfirmMatch QBO {q_jane} with firm {l_jane}: the same Jane, her email changed"
    );
    println!("   Decision::CreateNew from QBO {q_bay}: a client the firm did not have yet");
    println!("   values replaced:");
    print_overwrites(plan);
    println!("   audit trail (U9):");
    for e in run2
        .trail
        .iter()
        .filter(|e| e.status != AuditStatus::Planned)
    {
        let status = match &e.status {
            AuditStatus::Applied => "applied".to_owned(),
            AuditStatus::Failed { error } => format!("failed: {error}"),
            AuditStatus::Skipped { reason } => format!("skipped: {reason}"),
            AuditStatus::Planned => "planned".to_owned(),
        };
        println!(
            "     run {} at {}  {:<16} firm {:<3} QBO {:<2} {:<3} {status}",
            e.run,
            e.at.format("%H:%M"),
            e.op_id.as_str(),
            e.local_id.as_ref().map_or("-", ContactId::as_str),
            e.remote_id.as_ref().map_or("-", ContactId::as_str),
            e.rule,
        );
        print_wrapped(7, &e.reason);
    }

    // ------------------------------------------------------------------ 3
    // Someone edits the customer in QBO, a colleague the contact in the
    // firm: each store stamps its record with the time of the edit.
    clock_to(&qbo, at(10, 5)?)?;
    qbo.edit(&q_harbour, |c| {
        if let Some(e) = c.emails.first_mut() {
            e.address = "billing@harbourcafe.test".into();
        }
    });
    clock_to(&local, at(10, 20)?)?;
    local.edit(&l_harbour, |c| {
        if let Some(e) = c.emails.first_mut() {
            e.address = "office@harbourcafe.test".into();
        }
    });
    let edited = |store: &MemoryStore, id: &ContactId| {
        store
            .get(id)
            .and_then(|c| c.extras.updated_at)
            .map(|t| t.format("%H:%M:%S").to_string())
            .unwrap_or_default()
    };
    let (qbo_edit, firm_edit) = (edited(&qbo, &q_harbour), edited(&local, &l_harbour));
    let run3 = block_on(driver.run(&mut state, &[], Trigger::Scheduled, at(10, 30)?))?;
    let plan = plan_of(&run3)?;
    println!(
        "\n3. Harbour Cafe's email edited on both sides since the last run (run {})",
        plan.run
    );
    for c in &plan.report.conflicts {
        let verdict = |side: Side| match c.winner {
            Some(w) if w == side => "kept",
            Some(_) => "overwritten (kept in plan.report.conflicts)",
            None => "held for review",
        };
        println!(
            "   F4 conflict on {} (policy {})",
            c.field,
            c.policy.as_str()
        );
        println!("     last synced  {}", value_text(c.base.as_ref()));
        println!(
            "     firm         {} edited {firm_edit}, {}",
            pad(&value_text(c.local.as_ref()), 26),
            verdict(Side::Local)
        );
        println!(
            "     QBO          {} edited {qbo_edit}, {}",
            pad(&value_text(c.remote.as_ref()), 26),
            verdict(Side::Remote)
        );
    }
    println!("   sent:");
    print_overwrites(plan);
    println!(
        "   QBO {q_harbour} now has {}",
        qbo.get(&q_harbour)
            .and_then(|c| c.billing_email().map(str::to_owned))
            .unwrap_or_default()
    );
    // The plan as it serialises. Its last field, `next_state` (the
    // SyncState to store: every link with its last-synced values), would be
    // most of the text: it is cut here.
    let json = serde_json::to_string_pretty(plan)?;
    let shown = match json.find(",\n  \"next_state\": ") {
        Some(end) => format!(
            "{}\n}}\n({} more lines of next_state left out)",
            &json[..end],
            json[end..].lines().count().saturating_sub(2)
        ),
        None => json,
    };
    println!("   The plan of this run as JSON (serde_json::to_string_pretty):");
    println!("{shown}");

    // ------------------------------------------------------------------ 4
    let l_tui = local.insert(
        Contact::organization("", "Tui Design: Studio")
            .with_email("studio@tuidesign.test")
            .with_contact_type("Client"),
    );
    let l_jane2 = local.insert(
        Contact::person("", "Jane", "Smith")
            .with_email("jsmith@orchardlane.test")
            .with_contact_type("Client"),
    );
    let run4 = block_on(driver.run(&mut state, &[], Trigger::Scheduled, at(11, 0)?))?;
    let plan = plan_of(&run4)?;
    println!(
        "\n4. The firm adds two clients, {l_tui} \"Tui Design: Studio\" and {l_jane2} \"Jane Smith\" (run {})",
        plan.run
    );
    for op in &plan.operations {
        if let Action::Create { source_id, .. } = &op.action {
            let remote = state
                .link_of_local(source_id.as_str())
                .map(|l| l.remote_id.clone())
                .unwrap_or_default();
            println!(
                "   {} -> QBO {remote} \"{}\" [{}]",
                op.id,
                name_in(&qbo, &remote),
                op.rule
            );
        }
    }
    for n in plan
        .report
        .notices
        .iter()
        .filter(|n| n.kind == NoticeKind::Renamed)
    {
        let id = n.local_id.as_ref().map_or("-", ContactId::as_str);
        println!("   {} {id}: {}", n.rule, n.message);
    }

    // ------------------------------------------------------------------ 5
    let run5 = block_on(driver.run(&mut state, &[], Trigger::Scheduled, at(11, 5)?))?;
    let plan = plan_of(&run5)?;
    println!(
        "\n5. Run {} with nothing changed: {} operation(s), {:?} (F5)",
        plan.run,
        plan.operations.len(),
        run5.outcome
    );
    println!(
        "   {} pairs linked; the state was saved {} times, before and after each send (U1)",
        state.linked().count(),
        saved.saves()
    );
    Ok(())
}
