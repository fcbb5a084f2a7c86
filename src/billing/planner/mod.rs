//! Planning a billing run (I1–I8, Y1–Y5, E1–E3, U1, U6–U8), phase by
//! phase; each phase lives in its own file:
//!
//! | phase | file | rules |
//! |---|---|---|
//! | ledger payments deleted from a full listing | [`from_ledger`] | U8 |
//! | invoices to the ledger | [`invoices`] | I1–I8, U1 |
//! | copies of the firm's payments in flight | [`to_ledger`] | Y1, U1 |
//! | the firm's payments to the ledger | [`to_ledger`] | Y1, Y3–Y5, U6, U7 |
//! | the ledger's payments to the firm | [`from_ledger`] | Y2–Y5 |
//!
//! Every phase refuses records of its input that share an id through
//! [`duplicates`] (U1), and records its failures and the records waiting
//! in the error queue through [`failures`] (E1, E2). Feeding results back
//! is not planning: it is [`apply_results`](super::apply_results), in
//! `billing/apply.rs`.

mod duplicates;
mod failures;
mod from_ledger;
mod invoices;
mod to_ledger;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::model::ContactId;
use crate::ops::{OpId, Side};
use crate::sync::{self, ContactRef, SyncState};

use super::input::PlanInput;
use super::invoices::{InvoiceSettings, LedgerFacts, linked_customer};
use super::payments::BalanceChange;
use super::plan::{DraftAllocation, InvoiceRef, Plan, Skip};
use super::queue::{Failure, FailureCode, RecordKind, RecordRef};
use super::state::BillingState;

/// Plans a billing run: the firm's sent invoices to the ledger (I1–I8),
/// its payments to the ledger (Y1) and the ledger's payments to the firm
/// (Y2), every record checked first (Y3–Y5, U6, U7) and every problem
/// queued with its code and remedy (E1, E2).
///
/// Invoices go one way (I2): an invoice sent once is never sent again and
/// nothing is read back from the ledger's copy. An invoice whose create is
/// in flight is sent again exactly as it was sent (the draft kept in the
/// state, the same idempotency key, U1); edits made to it meanwhile are
/// reported (I2), not sent, and only the ledger's side (customer currency,
/// closed books) is checked again.
///
/// A ledger payment whose reference names one of the firm's payments in
/// flight (the payment's id, or its push's idempotency key
/// `ledgerlink:billing:push-payment:<id>`) confirms that push before any
/// payment is checked again, and is never pulled back; a push in flight
/// that fails its re-check stays in flight (U1). A ledger payment of
/// invoices the connection does not know, from the customer of an invoice
/// whose create is in flight, waits in the state until that invoice's
/// ledger id is known (it may pay it).
///
/// Records of one input that share an id — two of the firm's invoices,
/// two of its payments, two different ledger payments — are refused with
/// [`FailureCode::DuplicateRecordId`], one failure naming each of them
/// (its position in the input): under one operation id and one
/// idempotency key the ledger would keep only one (U1), so neither is sent
/// until the ids differ. The same ledger payment listed twice over (pages
/// that overlap) counts once.
///
/// While the connection is disconnected (E3) nothing is planned. Records
/// in the error queue wait for "retry all", except those in `input.retry`.
#[must_use]
pub fn plan(
    settings: &InvoiceSettings,
    contacts: &SyncState,
    state: &BillingState,
    input: &PlanInput<'_>,
) -> Plan {
    let now = input.now;
    let mut next = state.clone();
    // Keys unique beyond this state (U1): a new state takes a scope from the
    // time of its first plan.
    if next.key_scope.is_none() && next.is_untouched() {
        next.key_scope = Some(crate::ops::scope_from_time(now));
    }
    let mut plan = Plan {
        planned_at: now,
        operations: Vec::new(),
        failures: Vec::new(),
        skipped: Vec::new(),
        not_before: state.retry_at.filter(|t| *t > now),
        next_state: BillingState::default(),
    };
    if contacts.is_disconnected() || state.is_disconnected() {
        plan.skipped.push(Skip {
            record: RecordRef::new(RecordKind::Connection, "ledger"),
            rule: "E3".into(),
            reason: "the connection is disconnected: nothing is planned until it is reconnected"
                .into(),
        });
        plan.next_state = next;
        return plan;
    }
    let empty = LedgerFacts::default();
    let ledger = input.ledger.unwrap_or(&empty);
    let mut run = Run {
        contacts,
        contact_creates: contact_creates(input.contact_plan),
        retry: input.retry.iter().cloned().collect(),
        ledger_shared: duplicates::ledger_shared_ids(input.ledger_payments),
        plan,
        key_scope: next.key_scope.clone(),
        now,
    };
    // The phases, in order: each reads what the earlier ones left in
    // `next`.
    // 1. Ledger payments a full listing no longer has (U8).
    run.forget_deleted(&mut next, input);
    // 2. Invoices to the ledger (I1–I8).
    run.invoices(settings, &mut next, state, input, ledger);
    // 3. The ledger's copies of payments in flight confirm them before any
    //    payment is checked again (U1).
    run.settle_pushed(&mut next, input);
    // 4. The firm's payments to the ledger (Y1).
    run.push_payments(&mut next, input, ledger);
    // 5. The ledger's payments to the firm (Y2).
    run.pull_payments(&mut next, state, input);
    let mut plan = run.plan;
    plan.operations.sort_by(|a, b| a.id.cmp(&b.id));
    plan.failures
        .sort_by(|a, b| (&a.record, a.code).cmp(&(&b.record, b.code)));
    plan.skipped.sort();
    plan.next_state = next;
    plan
}

/// Local contact → the contact operation of the same run that creates its
/// ledger record.
fn contact_creates(plan: Option<&sync::Plan>) -> BTreeMap<ContactId, OpId> {
    plan.map(|p| {
        p.operations
            .iter()
            .filter(|op| op.side == Side::Remote)
            .filter_map(|op| match &op.action {
                sync::Action::Create { source_id, .. } => Some((source_id.clone(), op.id.clone())),
                sync::Action::Update { .. } => None,
            })
            .collect()
    })
    .unwrap_or_default()
}

/// One planning run: what every phase reads, and the plan they fill.
struct Run<'a> {
    /// The contact state (links to ledger customers).
    contacts: &'a SyncState,
    /// Local contact → the contact operation of this run that creates its
    /// ledger customer.
    contact_creates: BTreeMap<ContactId, OpId>,
    /// The records "retry all" named (E2).
    retry: BTreeSet<RecordRef>,
    /// Ids that different ledger payments of the input share, with their
    /// positions: none of them is used until the ids differ (U1).
    ledger_shared: BTreeMap<String, Vec<usize>>,
    /// The plan so far.
    plan: Plan,
    /// The scope of this state's idempotency keys.
    key_scope: Option<String>,
    /// The time of the run.
    now: DateTime<Utc>,
}

impl Run<'_> {
    /// The ledger customer of local contact `contact`: the one it is
    /// linked to, or the one a contact operation of this run creates.
    fn customer_of(&self, contact: &ContactId) -> Option<ContactRef> {
        linked_customer(self.contacts, contact)
            .map(ContactRef::Id)
            .or_else(|| {
                self.contact_creates
                    .get(contact)
                    .map(|op| ContactRef::CreatedBy(op.clone()))
            })
    }

    /// The allocations of a payment of `record` ([`drafts_of`]); what
    /// cannot be drafted is a failure of `record`.
    fn allocations(
        &self,
        record: &RecordRef,
        changes: &[BalanceChange],
        refs: &BTreeMap<String, InvoiceRef>,
    ) -> Result<Vec<DraftAllocation>, Failure> {
        drafts_of(changes, refs).map_err(|(code, detail)| Failure {
            code,
            record: record.clone(),
            detail: Some(detail),
            at: self.now,
        })
    }
}

/// One allocation per invoice, from the balance changes; an amount that
/// cannot be worked out or an invoice without a reference on the side
/// written to is reported (its code and detail), never left out.
fn drafts_of(
    changes: &[BalanceChange],
    refs: &BTreeMap<String, InvoiceRef>,
) -> Result<Vec<DraftAllocation>, (FailureCode, String)> {
    changes
        .iter()
        .map(|c| {
            let amount = c.before.checked_sub(&c.after).map_err(|e| {
                (
                    FailureCode::InvalidAmount,
                    format!("invoice {}: {e}", c.invoice_id),
                )
            })?;
            let invoice = refs.get(&c.invoice_id).cloned().ok_or_else(|| {
                (
                    FailureCode::InvoiceNotFound,
                    format!(
                        "invoice {} has no counterpart on the side written to",
                        c.invoice_id
                    ),
                )
            })?;
            Ok(DraftAllocation {
                invoice,
                local_invoice_id: c.invoice_id.clone(),
                amount,
            })
        })
        .collect()
}

/// The idempotency key of a billing operation (U1):
/// `ledgerlink:billing:<scope>:<op id>` (without a scope for a state stored
/// before scopes existed).
fn key_of(scope: Option<&str>, op: &OpId) -> String {
    match scope {
        Some(scope) => format!("{KEY_PREFIX}{scope}:{op}"),
        None => format!("{KEY_PREFIX}{op}"),
    }
}

/// What every billing idempotency key starts with.
const KEY_PREFIX: &str = "ledgerlink:billing:";

/// The firm's payment a ledger payment's reference names: the reference
/// is the payment's [`source_id`](super::PaymentDraft::source_id) (what the
/// stores keep, QBO `PaymentRefNum`), or carries the push's idempotency
/// key, `ledgerlink:billing:push-payment:<id>`.
fn pushed_source(reference: &str) -> &str {
    const PUSH: &str = "push-payment:";
    reference
        .find(KEY_PREFIX)
        .and_then(|at| reference.get(at + KEY_PREFIX.len()..))
        .and_then(|rest| {
            // `push-payment:<id>`, or `<scope>:push-payment:<id>` (a scope
            // holds no `:`).
            rest.strip_prefix(PUSH).or_else(|| {
                rest.split_once(':')
                    .and_then(|(_, after)| after.strip_prefix(PUSH))
            })
        })
        .map_or(reference, str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::BalanceChange;
    use crate::model::{Currency, InvoiceStatus, Money};

    fn change(before: Money, after: Money) -> BalanceChange {
        BalanceChange {
            invoice_id: "A".into(),
            before,
            after,
            status: InvoiceStatus::AwaitingPayment,
            activity: None,
        }
    }

    #[test]
    fn y5_allocations_that_cannot_be_drafted_are_reported_not_left_out() {
        let usd = |c| Money::from_minor(c, Currency::USD).unwrap_or(Money::zero(Currency::USD));
        let eur = Money::from_minor(0, Currency::EUR).unwrap_or(Money::zero(Currency::EUR));
        let refs: BTreeMap<String, InvoiceRef> =
            [("A".to_owned(), InvoiceRef::Id("L-A".into()))].into();
        let good = drafts_of(&[change(usd(10_000), usd(4_000))], &refs);
        assert_eq!(
            good.map(|d| d.iter().map(|a| a.amount).collect::<Vec<_>>()),
            Ok(vec![usd(6_000)])
        );
        // Y5: currencies never mix.
        let mixed = drafts_of(&[change(usd(10_000), eur)], &refs);
        assert_eq!(mixed.map_err(|e| e.0), Err(FailureCode::InvalidAmount));
        let unknown = drafts_of(&[change(usd(10_000), usd(0))], &BTreeMap::new());
        assert_eq!(unknown.map_err(|e| e.0), Err(FailureCode::InvoiceNotFound));
    }

    #[test]
    fn u1_billing_keys_carry_the_state_scope_and_references_still_name_the_push() {
        let op = OpId::from("push-payment:P1");
        let scoped = key_of(Some("tenant-7.4f2a"), &op);
        assert_eq!(scoped, "ledgerlink:billing:tenant-7.4f2a:push-payment:P1");
        // The ledger payment's reference names the firm's payment, whether
        // the key has a scope or was made before scopes existed.
        assert_eq!(pushed_source(&scoped), "P1");
        assert_eq!(pushed_source(&key_of(None, &op)), "P1");
        assert_eq!(pushed_source(&format!("ref {scoped}")), "P1");
        assert_eq!(pushed_source("P9"), "P9");
    }

    #[test]
    fn u1_a_stored_state_without_a_scope_keeps_its_keys_a_new_one_takes_a_scope() {
        use crate::billing::{InvoiceSettings, PlanInput};
        use chrono::TimeZone;
        let Some(now) = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).single() else {
            panic!("a valid time");
        };
        let Some(start) = chrono::NaiveDate::from_ymd_opt(2026, 1, 1) else {
            panic!("a valid date");
        };
        let settings = InvoiceSettings::new(start, "Services");
        let contacts = SyncState::new();
        let fresh = plan(
            &settings,
            &contacts,
            &BillingState::new(),
            &PlanInput::new(now),
        );
        assert!(fresh.next_state.key_scope().is_some());
        // A state that already recorded something (stored before scopes):
        // its creates in flight must be re-sent with their first keys.
        let mut stored = BillingState::new();
        stored.pushed.insert("P0".into(), None);
        let p = plan(&settings, &contacts, &stored, &PlanInput::new(now));
        assert_eq!(p.next_state.key_scope(), None);
    }
}
