//! One plan per provider, pinned as a JSON snapshot: what the engine hands
//! a caller for a small firm, field by field. Each test first checks that
//! the scenario produces what it is there to show, then compares the whole
//! plan with `snapshots/integration__plans__<test>.snap`.
//!
//! A change to a plan's shape fails here. If the change is meant, read the
//! `.snap.new` file insta writes beside the old one (a local run; CI writes
//! none), and replace the `.snap` with it, or run
//! `INSTA_UPDATE=always cargo test --all-features --test integration plans::`
//! and review the diff before committing it.

use ledgerlink::billing::{Action as BillingAction, BillingState, FailureCode};
use ledgerlink::sync::{
    Action, ConnectionConfig, Decision, FieldValue, Plan, ReviewItem, SyncField, Trigger,
};
use ledgerlink::{Profile, Side};
use serde::Serialize;

use crate::support::billing::{BillingRun, codes, invoice, local_payment, ops};
use crate::support::contacts::{org, qbo, remote};
use crate::support::qbtime::MissingInQbt;
use crate::support::world::World;

/// Snapshots `value` as `name`, with `scenario` in the file's header for
/// whoever reviews it, and every map sorted by key so that no order but
/// the plan's own can show.
fn snapshot<T: Serialize>(name: &str, scenario: &str, value: &T) {
    insta::with_settings!({ sort_maps => true, description => scenario, omit_expression => true }, {
        insta::assert_json_snapshot!(name, value);
    });
}

/// A firm's contacts against a ledger, one run after the first link:
///
/// - Acme Ltd is linked (first run) and has since changed its email in the
///   firm's system: an update of the ledger's record, with the value it
///   replaces;
/// - Beta Ltd, a client, is new in the firm's system, Gamma Trust new in
///   the ledger: a create each way (Beta by the profile's push rule: on a
///   person's request for Xero, P1; by its contact type for XPM and QBO,
///   P2 and P3);
/// - Delta & Co has the same name on both sides but another email: a
///   partial match, held for review.
fn contact_plan(profile: Profile) -> Plan {
    // Each ledger's organisations as it holds them: QBO's with their
    // company name, XPM's clients with a business structure.
    let ledger = |id: &str, name: &str, email: &str, structure: &str| match profile {
        Profile::Qbo => qbo(id, name, Some(name), None, email),
        Profile::Xpm => remote(id, name, email).with_business_structure(structure),
        _ => remote(id, name, email),
    };
    let mut w = World::new(
        ConnectionConfig::new(profile).with_push_contact_type("Client"),
        vec![org("K1", "Acme Ltd", "a@acme.test")],
        vec![ledger("X1", "Acme Ltd", "a@acme.test", "Company")],
    );
    let (first, _) = w.run();
    assert_eq!(first.report.counts.linked, 1, "{profile:?}: Acme is linked");
    w.set_email(Side::Local, "K1", "accounts@acme.test");
    for c in [
        org("K2", "Beta Ltd", "office@beta.test").with_contact_type("Client"),
        org("K3", "Delta & Co", "books@delta.test"),
    ] {
        w.local.insert(c.id.clone(), c);
    }
    for c in [
        ledger("X2", "Gamma Trust", "trustee@gamma.test", "Trust"),
        ledger("X3", "Delta & Co", "ap@delta.test", "Partnership"),
    ] {
        w.remote.insert(c.id.clone(), c);
    }
    let decisions = if profile == Profile::XeroGl {
        vec![Decision::CreateRemote {
            local_id: "K2".into(),
        }]
    } else {
        Vec::new()
    };
    w.plan_with(&decisions, Trigger::Scheduled)
}

/// The contact scenario, for the snapshots' headers.
const CONTACTS: &str = "Run 2: Acme (K1 = X1, linked in run 1) changed its email locally, so X1 is updated with the old value kept; Beta Ltd (K2, a client) is created in the ledger (on request for Xero, P1; by contact type for XPM, P2, and QBO, P3); Gamma Trust (X2) is created locally; Delta & Co (K3, X3: same name, other email) is a partial match held for review.";

/// What the contact scenario must show, whatever the profile.
fn check_contact_plan(p: &Plan) {
    let update = p
        .operations
        .iter()
        .find_map(|o| match &o.action {
            Action::Update {
                target_id, patch, ..
            } if target_id.as_str() == "X1" => Some(patch),
            _ => None,
        })
        .expect("Acme's email goes to the ledger");
    let email = update
        .changes
        .iter()
        .find(|c| c.field == SyncField::Email)
        .expect("an email change");
    assert_eq!(email.old, Some(FieldValue::Text("a@acme.test".into())));
    assert_eq!(
        email.new,
        Some(FieldValue::Text("accounts@acme.test".into()))
    );
    assert!(
        p.review.iter().any(|r| matches!(
            r,
            ReviewItem::MatchIssue { remote_id, .. } if remote_id.as_str() == "X3"
        )),
        "Delta & Co is held for review: {:?}",
        p.review
    );
}

fn creates(p: &Plan, side: Side) -> Vec<&str> {
    p.operations
        .iter()
        .filter_map(|o| match &o.action {
            Action::Create { contact, .. } if o.side == side => contact.display_name.as_deref(),
            _ => None,
        })
        .collect()
}

/// Plans the contact scenario for `profile`, checks it, and compares it
/// with its snapshot.
fn contact_snapshot(profile: Profile, name: &str) {
    let p = contact_plan(profile);
    check_contact_plan(&p);
    assert_eq!(creates(&p, Side::Remote), ["Beta Ltd"], "{profile:?}");
    assert_eq!(creates(&p, Side::Local), ["Gamma Trust"], "{profile:?}");
    snapshot(name, CONTACTS, &p);
}

#[test]
fn xero_gl_contact_plan() {
    contact_snapshot(Profile::XeroGl, "xero_gl_contact_plan");
}

#[test]
fn xpm_contact_plan() {
    contact_snapshot(Profile::Xpm, "xpm_contact_plan");
}

#[test]
fn qbo_contact_plan() {
    contact_snapshot(Profile::Qbo, "qbo_contact_plan");
}

/// A billing run to QBO: invoice A (tax return work at New York's combined
/// rate) and the firm's payment of it, which waits for A's create; invoice
/// B at a rate the ledger has no code for, refused and queued.
#[test]
fn qbo_billing_plan() {
    let invoices = [
        invoice("A", "K1", "100", Some("Tax return"), Some("8.875")),
        invoice("B", "K2", "40", None, Some("7")),
    ];
    let paid = [local_payment("P1", "K1", "108.88", &[("A", "108.88")])];
    let p = BillingRun::new()
        .invoices(&invoices)
        .local_payments(&paid)
        .open_books()
        .plan(&BillingState::new());
    assert_eq!(ops(&p), ["create-invoice:A", "push-payment:P1"]);
    assert_eq!(codes(&p, "B"), [FailureCode::TaxRateNotMapped]);
    let BillingAction::CreatePayment { payment, .. } = &p.operations[1].action else {
        panic!("a payment");
    };
    assert_eq!(p.operations[1].depends_on, [p.operations[0].id.clone()]);
    assert_eq!(payment.allocations.len(), 1);
    snapshot(
        "qbo_billing_plan",
        "Invoice A (tax return work at 8.875 %) is created, then the firm's payment P1 of it (after A's create); invoice B at 7 %, which has no tax code, is refused (TaxRateNotMapped) and queued.",
        &p,
    );
}

/// QuickBooks Time mirrors the practice manager's clients and work as
/// jobcodes: Acme is there already (as "ACME LTD", with its payroll job),
/// Jo Bloggs and two jobs are created, the customer before its job.
#[test]
fn qbtime_jobcode_plan() {
    let p = MissingInQbt::new().plan();
    let ids: Vec<&str> = p.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["qbt-customer:C2", "qbt-job:W1", "qbt-job:W2"]);
    snapshot(
        "qbtime_jobcode_plan",
        "Acme (customer 7 \"ACME LTD\") and its payroll job (8) are linked; customer Jo Bloggs and the jobs Audit 2026 (under 7) and Self assessment (under the new customer, after its create) are created, with the QBO entries QBT will make.",
        &p,
    );
}
