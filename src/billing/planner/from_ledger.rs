//! Planning phases: the ledger's payments to the firm (Y2). A full
//! listing first tells which waiting payments were deleted in the ledger
//! (U8); then every ledger payment of the firm's invoices that this
//! connection did not write is checked (Y3–Y5, U6) and recorded in the
//! firm's system.

use std::collections::{BTreeMap, BTreeSet};

use crate::billing::input::PlanInput;
use crate::billing::invoices::linked_customer;
use crate::billing::payments::{
    OpenInvoice, amount_failures, check_dates_and_invoices, drop_overrun_of_nothing,
};
use crate::billing::plan::{Action, InvoiceRef, Operation, PaymentDraft};
use crate::billing::queue::{Failure, FailureCode, RecordKind, RecordRef};
use crate::billing::state::BillingState;
use crate::model::{Allocation, InvoiceStatus, Money, Payment, PaymentOrigin};
use crate::ops::{OpId, Side};
use crate::sync::ContactRef;

use super::duplicates::Batch;
use super::{Run, key_of, pushed_source};

impl Run<'_> {
    /// U8: with a full listing of the ledger's payments, a payment waiting
    /// in the state that the listing lacks was deleted in the ledger: it is
    /// forgotten and reported, never recorded in the firm's system.
    pub(super) fn forget_deleted(&mut self, next: &mut BillingState, input: &PlanInput<'_>) {
        if !input.ledger_payments_complete {
            return;
        }
        let listed: BTreeSet<&str> = input
            .ledger_payments
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        let gone: Vec<String> = next
            .held
            .keys()
            .filter(|id| !listed.contains(id.as_str()))
            .cloned()
            .collect();
        for id in gone {
            next.held.remove(&id);
            let record = RecordRef::new(RecordKind::LedgerPayment, id.clone());
            next.queue.resolve(&record);
            let mut reason = "deleted in the ledger (missing from its full listing): \
                              not recorded in the firm's system"
                .to_owned();
            if next.pulled.get(&id).is_some_and(Option::is_none) {
                next.pulled.remove(&id);
                reason.push_str(
                    "; it was on its way there when the answer was lost: \
                     if the firm's system has it, remove it there",
                );
            }
            self.skip(record, "U8", reason);
        }
    }

    /// Y2: the ledger's payments of the firm's invoices.
    pub(super) fn pull_payments(
        &mut self,
        next: &mut BillingState,
        state: &BillingState,
        input: &PlanInput<'_>,
    ) {
        let ours: BTreeSet<String> = next.pushed.values().flatten().cloned().collect();
        let mut candidates: BTreeMap<String, Payment> = next.held.clone();
        for p in input.ledger_payments {
            candidates.insert(p.id.clone(), p.clone());
        }
        // Different payments under one id (U1): neither is recorded, and a
        // version held from an earlier run waits with them.
        candidates.retain(|id, _| !self.ledger_shared.contains_key(id));
        // A payment this connection wrote is never copied back.
        let shared: BTreeMap<String, Vec<usize>> = self
            .ledger_shared
            .iter()
            .filter(|(id, _)| !ours.contains(*id))
            .map(|(id, at)| (id.clone(), at.clone()))
            .collect();
        let batch = Batch {
            kind: RecordKind::LedgerPayment,
            what: "ledger payments",
            records: input.ledger_payments,
            describe: |p: &Payment| format!("{} on {}", p.amount, p.date),
        };
        self.refuse_shared(next, &batch, &shared, |_, id| state.pulled.contains_key(id));
        let mut payments: Vec<Payment> = candidates.into_values().collect();
        payments.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        let mut due: BTreeMap<String, Money> = input
            .open_invoices
            .iter()
            .map(|o| (o.invoice_id.clone(), o.due))
            .collect();
        for p in payments {
            let record = RecordRef::new(RecordKind::LedgerPayment, p.id.clone());
            // A payment this connection wrote (Y1) is never copied back.
            if ours.contains(&p.id) {
                next.held.remove(&p.id);
                continue;
            }
            match state.pulled.get(&p.id) {
                Some(Some(_)) => {
                    next.held.remove(&p.id);
                    continue;
                }
                Some(None) => Self::rechecked(next, &record),
                None if self.held_in_queue(next, &record) => {
                    next.held.insert(p.id.clone(), p);
                    continue;
                }
                None => {}
            }
            self.pull_one(next, state, input, p, record, &mut due);
        }
    }

    /// Y2: one ledger payment, mapped to the firm's invoices and payer,
    /// checked (Y3–Y5, U6) and planned, or failed, or held in the state
    /// until an invoice in flight has its ledger id.
    fn pull_one(
        &mut self,
        next: &mut BillingState,
        state: &BillingState,
        input: &PlanInput<'_>,
        p: Payment,
        record: RecordRef,
        due: &mut BTreeMap<String, Money>,
    ) {
        // Its reference names a payment of the firm that the ledger
        // recorded under another id (copies of pushes in flight were
        // settled first): not ours, so it is recorded like any other.
        let note = p
            .reference
            .as_deref()
            .map(pushed_source)
            .and_then(|source| match next.pushed.get(source) {
                Some(Some(other)) => Some(format!(
                    "its reference names the firm's payment {source}, which the ledger \
                     recorded as {other}: recorded as a payment of its own"
                )),
                _ => None,
            });
        let mut mapped = Vec::new();
        let mut foreign = Money::zero(p.amount.currency());
        let mut failures = Vec::new();
        let now = self.now;
        let failure = |code: FailureCode, detail: String| Failure {
            code,
            record: record.clone(),
            detail: Some(detail),
            at: now,
        };
        for a in &p.allocations {
            match next.local_invoice_of(&a.invoice_id) {
                Some(local) => mapped.push(Allocation {
                    invoice_id: local.to_owned(),
                    amount: a.amount,
                }),
                None => match foreign.checked_add(&a.amount) {
                    Ok(sum) => foreign = sum,
                    Err(e) => failures.push(failure(FailureCode::InvalidAmount, e.to_string())),
                },
            }
        }
        // An invoice the ledger does not name yet may be one of the firm's
        // whose create is in flight (its answer lost): a payment from its
        // customer waits in the state until the invoice's ledger id is
        // known, rather than losing the part it pays.
        if mapped.len() < p.allocations.len() {
            let waits: Vec<&str> = state
                .invoices
                .iter()
                .filter(|(_, s)| s.ledger_id.is_none())
                .filter(|(_, s)| {
                    linked_customer(self.contacts, &s.contact_id).is_some_and(|c| c == p.payer)
                })
                .map(|(id, _)| id.as_str())
                .collect();
            if !waits.is_empty() {
                let reason = format!(
                    "waits for invoice {}: sent to the ledger, its id there not known yet; \
                     the payment is recorded once it is",
                    waits.join(", ")
                );
                next.held.insert(p.id.clone(), p);
                self.skip(record, "Y2", reason);
                return;
            }
        }
        if mapped.is_empty() && !p.allocations.is_empty() && failures.is_empty() {
            next.held.remove(&p.id);
            self.skip(
                record,
                "Y2",
                "pays only invoices that did not come from the firm's system".into(),
            );
            return;
        }
        // Y5: the ledger's own amounts, every allocation included (a
        // negative one to an invoice the firm does not have would raise
        // the part recorded here), before any is left out.
        failures.extend(amount_failures(&p, &record, now));
        let payer = self
            .contacts
            .link_of_remote(p.payer.as_str())
            .filter(|l| l.is_linked())
            .map(|l| l.local_id.clone());
        let Some(payer) = payer else {
            if mapped.is_empty() {
                next.held.remove(&p.id);
                self.skip(
                    record,
                    "Y2",
                    format!(
                        "a credit from ledger customer {}, who is not linked",
                        p.payer
                    ),
                );
            } else {
                failures.push(failure(
                    FailureCode::CustomerRefRequired,
                    format!(
                        "payer: ledger customer {} is not linked to a contact of the firm",
                        p.payer
                    ),
                ));
                next.held.insert(p.id.clone(), p);
                self.fail(next, failures);
            }
            return;
        };
        let amount = match p.amount.checked_sub(&foreign) {
            Ok(a) => a,
            Err(e) => {
                failures.push(failure(FailureCode::InvalidAmount, e.to_string()));
                p.amount
            }
        };
        let local = Payment {
            id: p.id.clone(),
            date: p.date,
            amount,
            payer: payer.clone(),
            allocations: mapped,
            origin: PaymentOrigin::Ledger,
            reference: Some(p.id.clone()),
        };
        // An invoice listed twice with different facts keeps its entries as
        // given: the check refuses payments of it (DuplicateRecordId).
        let mut first: BTreeMap<&str, &OpenInvoice> = BTreeMap::new();
        let mut contested: BTreeSet<&str> = BTreeSet::new();
        for o in input.open_invoices {
            match first.get(o.invoice_id.as_str()) {
                Some(f) if *f != o => {
                    contested.insert(o.invoice_id.as_str());
                }
                Some(_) => {}
                None => {
                    first.insert(o.invoice_id.as_str(), o);
                }
            }
        }
        let open: Vec<OpenInvoice> = input
            .open_invoices
            .iter()
            .map(|o| OpenInvoice {
                due: if contested.contains(o.invoice_id.as_str()) {
                    o.due
                } else {
                    due.get(&o.invoice_id).copied().unwrap_or(o.due)
                },
                ..o.clone()
            })
            .collect();
        // The amounts were checked on the ledger's payment as it came.
        let mut check = check_dates_and_invoices(&local, &open, input.periods, self.now);
        drop_overrun_of_nothing(&mut check.failures, &p.amount);
        for f in &mut check.failures {
            f.record = record.clone();
        }
        check.failures.extend(failures);
        let (Some(unapplied), true) = (check.unapplied, check.failures.is_empty()) else {
            next.pulled.remove(&p.id);
            next.held.insert(p.id.clone(), p);
            self.fail(next, check.failures);
            return;
        };
        let refs: BTreeMap<String, InvoiceRef> = check
            .changes
            .iter()
            .map(|c| (c.invoice_id.clone(), InvoiceRef::Id(c.invoice_id.clone())))
            .collect();
        let allocations = match self.allocations(&record, &check.changes, &refs) {
            Ok(a) => a,
            Err(failure) => {
                next.pulled.remove(&p.id);
                next.held.insert(p.id.clone(), p);
                self.fail(next, vec![failure]);
                return;
            }
        };
        for c in &check.changes {
            due.insert(c.invoice_id.clone(), c.after);
        }
        let paid = check
            .changes
            .iter()
            .filter(|c| c.status == InvoiceStatus::Paid)
            .count();
        let mut reason = format!(
            "payment of {} on {} recorded in the ledger, for {} invoice(s) of the firm",
            local.amount,
            local.date,
            allocations.len()
        );
        if !unapplied.is_zero() {
            reason.push_str(&format!("; {unapplied} unapplied"));
        }
        if !foreign.is_zero() {
            reason.push_str(&format!(
                "; {foreign} applied to ledger invoices the firm does not have is left out"
            ));
        }
        if paid > 0 {
            reason.push_str(&format!("; {paid} invoice(s) paid in full (Y3)"));
        }
        if let Some(note) = note {
            reason.push_str("; ");
            reason.push_str(&note);
        }
        next.pulled.insert(p.id.clone(), None);
        let op_id = OpId(format!("pull-payment:{}", p.id));
        next.held.insert(p.id.clone(), p);
        self.plan.operations.push(Operation {
            id: op_id.clone(),
            side: Side::Local,
            action: Action::CreatePayment {
                payment: Box::new(PaymentDraft {
                    source_id: local.id,
                    contact_id: payer.clone(),
                    customer: ContactRef::Id(payer),
                    date: local.date,
                    amount: local.amount,
                    allocations,
                    unapplied,
                    changes: check.changes,
                }),
                idempotency_key: key_of(next.key_scope.as_deref(), &op_id),
            },
            depends_on: Vec::new(),
            rule: "Y2".into(),
            reason,
        });
    }
}
