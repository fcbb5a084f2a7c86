//! Planning phases: the firm's payments to the ledger (Y1). The ledger's
//! copies of payments in flight confirm them first (U1); then every
//! payment of invoices the ledger has, or is about to have, is checked
//! (Y3–Y5, U6, U7) and sent.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};

use crate::billing::input::PlanInput;
use crate::billing::invoices::LedgerFacts;
use crate::billing::payments::{OpenInvoice, check_payment};
use crate::billing::plan::{Action, InvoiceRef, Operation, PaymentDraft};
use crate::billing::queue::{Failure, FailureCode, RecordKind, RecordRef};
use crate::billing::state::BillingState;
use crate::model::{AccountingPeriod, InvoiceStatus, Money, Payment, PaymentOrigin};
use crate::ops::{OpId, Side};
use crate::sync::ContactRef;

use super::duplicates::{Batch, shared_ids};
use super::{Run, key_of, pushed_source};

impl Run<'_> {
    /// Y1, U1: a ledger payment whose reference names a payment of the
    /// firm in flight (its create reached the ledger, the answer did not)
    /// is that payment's copy: it confirms the push, which is then neither
    /// checked again nor sent again, and is never pulled back (Y2).
    /// Ledger payments whose id different payments share confirm nothing.
    pub(super) fn settle_pushed(&self, next: &mut BillingState, input: &PlanInput<'_>) {
        let mut candidates: BTreeMap<&str, &Payment> =
            next.held.iter().map(|(k, p)| (k.as_str(), p)).collect();
        for p in input.ledger_payments {
            candidates.insert(&p.id, p);
        }
        candidates.retain(|id, _| !self.ledger_shared.contains_key(*id));
        let mut copies: Vec<&Payment> = candidates.into_values().collect();
        copies.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        let mut settled = Vec::new();
        for p in copies {
            let Some(source) = p.reference.as_deref().map(pushed_source) else {
                continue;
            };
            let Some(slot) = next.pushed.get_mut(source) else {
                continue;
            };
            if slot.is_some() {
                continue;
            }
            *slot = Some(p.id.clone());
            settled.push((source.to_owned(), p.clone()));
        }
        for (source, p) in settled {
            next.held.remove(&p.id);
            next.queue
                .resolve(&RecordRef::new(RecordKind::Payment, source.clone()));
            // The ledger's balances follow, as for a push applied; an
            // amount the checks would refuse (Y5: negative, finer than the
            // minor unit, more than is due) is not taken.
            for a in &p.allocations {
                let Some(local) = next.local_invoice_of(&a.invoice_id).map(str::to_owned) else {
                    continue;
                };
                if let Some(sent) = next.invoices.get_mut(&local)
                    && !a.amount.is_negative()
                    && a.amount.is_rounded()
                    && let Ok(after) = sent.due.checked_sub(&a.amount)
                    && !after.is_negative()
                {
                    sent.due = after;
                }
            }
        }
    }

    /// Y1: the firm's payments of invoices the ledger has. A payment in
    /// flight stays in flight when its re-check fails: the ledger may have
    /// it already, and its copy confirms it on a later run.
    pub(super) fn push_payments(
        &mut self,
        next: &mut BillingState,
        input: &PlanInput<'_>,
        ledger: &LedgerFacts,
    ) {
        let copies: BTreeSet<String> = next.pulled.values().flatten().cloned().collect();
        let ours = |p: &Payment| p.origin == PaymentOrigin::Local && !copies.contains(&p.id);
        let shared = shared_ids(input.local_payments, |p| p.id.as_str(), ours);
        let batch = Batch {
            kind: RecordKind::Payment,
            what: "payments",
            records: input.local_payments,
            describe: |p: &Payment| format!("{} on {}", p.amount, p.date),
        };
        // In flight or recorded: checked again on every run; one in flight
        // stays in flight (U1).
        self.refuse_shared(next, &batch, &shared, |next, id| {
            next.pushed.contains_key(id)
        });
        let mut payments: Vec<&Payment> = input
            .local_payments
            .iter()
            .filter(|p| ours(p) && !shared.contains_key(&p.id))
            .collect();
        payments.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        let periods = ledger_periods(ledger.closed_through);
        let mut due: BTreeMap<String, Money> = next
            .invoices
            .iter()
            .map(|(k, s)| (k.clone(), s.due))
            .collect();
        for p in payments {
            let record = RecordRef::new(RecordKind::Payment, p.id.clone());
            // Some(true): recorded in the ledger; Some(false): in flight.
            match next.pushed.get(&p.id).map(Option::is_some) {
                Some(true) => continue,
                Some(false) => Self::rechecked(next, &record),
                None if self.held_in_queue(next, &record) => continue,
                None => {}
            }
            // Every invoice it pays must be in the ledger, or on its way.
            let mut open = Vec::new();
            let mut depends_on = BTreeSet::new();
            let mut refs = BTreeMap::new();
            let mut missing = None;
            for a in &p.allocations {
                let Some(sent) = next.invoices.get(&a.invoice_id) else {
                    missing = Some(a.invoice_id.clone());
                    break;
                };
                let r = match &sent.ledger_id {
                    Some(id) => InvoiceRef::Id(id.clone()),
                    None => {
                        let op = OpId(format!("create-invoice:{}", a.invoice_id));
                        if !self.plan.operations.iter().any(|o| o.id == op) {
                            missing = Some(a.invoice_id.clone());
                            break;
                        }
                        depends_on.insert(op.clone());
                        InvoiceRef::CreatedBy(op)
                    }
                };
                refs.insert(a.invoice_id.clone(), r);
                if !open
                    .iter()
                    .any(|o: &OpenInvoice| o.invoice_id == a.invoice_id)
                {
                    open.push(OpenInvoice {
                        invoice_id: a.invoice_id.clone(),
                        customer: sent.contact_id.clone(),
                        due: due.get(&a.invoice_id).copied().unwrap_or(sent.due),
                        status: InvoiceStatus::AwaitingPayment,
                    });
                }
            }
            if let Some(inv) = missing {
                let queued = next
                    .queue
                    .has_failures(&RecordRef::new(RecordKind::Invoice, inv.clone()))
                    || next.invoices.contains_key(&inv);
                let reason = if queued {
                    format!("waits for invoice {inv}, which is in the error queue or in flight")
                } else {
                    format!(
                        "invoice {inv} is not in the ledger (not sent, or dated before the sync start)"
                    )
                };
                self.skip(record, "Y1", reason);
                continue;
            }
            let mut check = check_payment(p, &open, &periods, self.now);
            let customer = self.customer_of(&p.payer);
            match &customer {
                None => check.failures.push(Failure {
                    code: FailureCode::CustomerRefRequired,
                    record: record.clone(),
                    detail: Some(format!(
                        "payer {} is not linked to a ledger customer",
                        p.payer
                    )),
                    at: self.now,
                }),
                Some(ContactRef::Id(c)) => {
                    if let Some(cur) = ledger.customer_currency.get(c)
                        && *cur != p.amount.currency()
                    {
                        check.failures.push(Failure {
                            code: FailureCode::CustomerCurrencyMismatch,
                            record: record.clone(),
                            detail: Some(format!(
                                "payment in {}, customer in {cur}",
                                p.amount.currency()
                            )),
                            at: self.now,
                        });
                    }
                }
                Some(ContactRef::CreatedBy(op)) => {
                    depends_on.insert(op.clone());
                }
            }
            let (Some(customer), Some(unapplied), true) =
                (customer, check.unapplied, check.failures.is_empty())
            else {
                self.fail(next, check.failures);
                continue;
            };
            let allocations = match self.allocations(&record, &check.changes, &refs) {
                Ok(a) => a,
                Err(failure) => {
                    self.fail(next, vec![failure]);
                    continue;
                }
            };
            for c in &check.changes {
                due.insert(c.invoice_id.clone(), c.after);
            }
            next.pushed.insert(p.id.clone(), None);
            let op_id = OpId(format!("push-payment:{}", p.id));
            // Invoices the ledger has already, and those this plan creates
            // first (the payment waits for their creates).
            let created = allocations
                .iter()
                .filter(|a| a.invoice.created_by().is_some())
                .count();
            let reason = match created {
                0 => format!(
                    "payment of {} on {} recorded in the firm's system, for {} invoice(s) the ledger has",
                    p.amount,
                    p.date,
                    allocations.len()
                ),
                n => format!(
                    "payment of {} on {} recorded in the firm's system, for {} invoice(s), {n} of \
                     them created by this plan first",
                    p.amount,
                    p.date,
                    allocations.len()
                ),
            };
            self.plan.operations.push(Operation {
                id: op_id.clone(),
                side: Side::Remote,
                action: Action::CreatePayment {
                    payment: Box::new(PaymentDraft {
                        source_id: p.id.clone(),
                        contact_id: p.payer.clone(),
                        customer,
                        date: p.date,
                        amount: p.amount,
                        allocations,
                        unapplied,
                        changes: check.changes,
                    }),
                    idempotency_key: key_of(next.key_scope.as_deref(), &op_id),
                },
                depends_on: depends_on.into_iter().collect(),
                rule: "Y1".into(),
                reason,
            });
        }
    }
}

/// The ledger's books as periods: closed through the closing date, open
/// after it (U6).
fn ledger_periods(closed_through: Option<NaiveDate>) -> Vec<AccountingPeriod> {
    let Some(closed) = closed_through else {
        return vec![AccountingPeriod {
            start: NaiveDate::MIN,
            end: NaiveDate::MAX,
            open: true,
        }];
    };
    let mut periods = vec![AccountingPeriod {
        start: NaiveDate::MIN,
        end: closed,
        open: false,
    }];
    if let Some(open_from) = closed.checked_add_days(Days::new(1)) {
        periods.push(AccountingPeriod {
            start: open_from,
            end: NaiveDate::MAX,
            open: true,
        });
    }
    periods
}
