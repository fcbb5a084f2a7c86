//! Planning invoices and payments (I1–I8, Y1–Y5, E1–E3, U6, U7) and
//! feeding the results back.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};

use crate::error::Side;
use crate::model::{
    AccountingPeriod, ContactId, Invoice, InvoiceStatus, Money, Payment, PaymentOrigin,
};
use crate::ops::AdapterError;
use crate::sync::{Action, ContactRef, OpId, Plan, SyncState};

use super::invoices::{
    InvoiceDraft, InvoiceSettings, LedgerFacts, check_with, differs_from_sent, doc_key,
    linked_customer, recheck_sent,
};
use super::payments::{
    OpenInvoice, amount_failures, check_dates_and_invoices, check_payment, drop_overrun_of_nothing,
};
use super::plan::{
    BillingAction, BillingOperation, BillingOutcome, BillingPlan, BillingResult, BillingSkip,
    DraftAllocation, InvoiceRef, PaymentDraft,
};
use super::queue::{Failure, FailureCode, RecordKind, RecordRef};
use super::state::{BillingState, SentInvoice};

/// What a billing run starts from, besides the settings and the states.
#[derive(Debug, Clone, Copy, Default)]
pub struct BillingInput<'a> {
    /// The firm's invoices (any status: those not sent or dated before the
    /// sync start are skipped, I1).
    pub invoices: &'a [Invoice],
    /// The firm's payments; those recorded there first
    /// ([`PaymentOrigin::Local`]) are sent to the ledger (Y1).
    pub local_payments: &'a [Payment],
    /// The ledger's payments (payer and invoice ids are the ledger's); the
    /// ones this connection did not write are recorded in the firm's
    /// system (Y2). Either every payment or only the new ones (say which
    /// with [`ledger_payments_complete`](Self::ledger_payments_complete)).
    pub ledger_payments: &'a [Payment],
    /// Whether `ledger_payments` lists every payment the ledger holds (a
    /// full listing, as [`driver::read_ledger`](crate::driver) reads) or
    /// only the new and changed ones (a change feed; the default).
    ///
    /// With a change feed, ledger payments waiting in the state (failed
    /// and waiting for "retry all", waiting for an invoice, or in flight)
    /// are kept there although the feed does not list them again. With a
    /// full listing, a waiting payment the listing lacks was deleted in the
    /// ledger: it is dropped from the state, its failures leave the queue,
    /// and it is reported as skipped (U8), never recorded in the firm's
    /// system.
    pub ledger_payments_complete: bool,
    /// The firm's open invoices with what they still owe (Y2, Y4).
    pub open_invoices: &'a [OpenInvoice],
    /// The firm's accounting periods (Y4, U6).
    pub periods: &'a [AccountingPeriod],
    /// What the ledger holds (I6, U6, U7).
    pub ledger: Option<&'a LedgerFacts>,
    /// The contact plan of the same run: a billing contact it creates in
    /// the ledger can be invoiced at once, after that create (I5).
    pub contact_plan: Option<&'a Plan>,
    /// Records to check again although they are in the error queue: the
    /// answer of [`ErrorQueue::retry_all`](super::ErrorQueue::retry_all)
    /// (E2). Records in the queue and not listed here are left alone. A
    /// listed record leaves the queue only when this run checks it again
    /// (an invoice or payment of the firm in this input, a ledger payment
    /// in this input or waiting in the state); the others stay queued.
    pub retry: &'a [RecordRef],
}

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
pub fn plan_billing(
    settings: &InvoiceSettings,
    contacts: &SyncState,
    state: &BillingState,
    input: &BillingInput<'_>,
    now: DateTime<Utc>,
) -> BillingPlan {
    let mut next = state.clone();
    let mut plan = BillingPlan {
        planned_at: now,
        operations: Vec::new(),
        failures: Vec::new(),
        skipped: Vec::new(),
        not_before: state.retry_at.filter(|t| *t > now),
        next_state: BillingState::default(),
    };
    if contacts.is_disconnected() || state.is_disconnected() {
        plan.skipped.push(BillingSkip {
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
        ledger_shared: ledger_shared_ids(input.ledger_payments),
        plan,
        now,
    };
    run.forget_deleted(&mut next, input);
    run.invoices(settings, &mut next, state, input, ledger);
    // The ledger's copies of payments in flight confirm them before any
    // payment is checked again (U1).
    run.settle_pushed(&mut next, input);
    run.push_payments(&mut next, input, ledger);
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
fn contact_creates(plan: Option<&Plan>) -> BTreeMap<ContactId, OpId> {
    plan.map(|p| {
        p.operations
            .iter()
            .filter(|op| op.side == Side::Remote)
            .filter_map(|op| match &op.action {
                Action::Create { source_id, .. } => Some((source_id.clone(), op.id.clone())),
                Action::Update { .. } => None,
            })
            .collect()
    })
    .unwrap_or_default()
}

struct Run<'a> {
    contacts: &'a SyncState,
    contact_creates: BTreeMap<ContactId, OpId>,
    /// The records "retry all" named (E2).
    retry: BTreeSet<RecordRef>,
    /// Ids that different ledger payments of the input share, with their
    /// positions: none of them is used until the ids differ (U1).
    ledger_shared: BTreeMap<String, Vec<usize>>,
    plan: BillingPlan,
    now: DateTime<Utc>,
}

impl Run<'_> {
    fn customer_of(&self, contact: &ContactId) -> Option<ContactRef> {
        linked_customer(self.contacts, contact)
            .map(ContactRef::Id)
            .or_else(|| {
                self.contact_creates
                    .get(contact)
                    .map(|op| ContactRef::CreatedBy(op.clone()))
            })
    }

    fn skip(&mut self, record: RecordRef, rule: &str, reason: String) {
        self.plan.skipped.push(BillingSkip {
            record,
            rule: rule.into(),
            reason,
        });
    }

    fn fail(&mut self, next: &mut BillingState, failures: Vec<Failure>) {
        for f in failures {
            next.queue.push(f.clone());
            self.plan.failures.push(f);
        }
    }

    /// Whether `record` waits in the error queue for "retry all" (E2). A
    /// record "retry all" named does not: it is checked again now, so its
    /// failures leave the queue (its check puts back those that remain).
    fn waiting(&self, next: &mut BillingState, record: &RecordRef) -> bool {
        if !next.queue.has_failures(record) {
            return false;
        }
        if self.retry.contains(record) {
            next.queue.resolve(record);
            return false;
        }
        true
    }

    /// A record in flight is checked again on every run, with or without
    /// "retry all": its earlier failures leave the queue, and its check
    /// puts back those that remain.
    fn rechecked(next: &mut BillingState, record: &RecordRef) {
        next.queue.resolve(record);
    }

    /// I1–I8: the invoices not sent yet.
    fn invoices(
        &mut self,
        settings: &InvoiceSettings,
        next: &mut BillingState,
        state: &BillingState,
        input: &BillingInput<'_>,
        ledger: &LedgerFacts,
    ) {
        let mut todo: Vec<&Invoice> = Vec::new();
        let mut own_numbers = BTreeMap::new();
        let mut resend: Vec<(&Invoice, &InvoiceDraft)> = Vec::new();
        let shared = shared_ids(input.invoices, |i| i.id.as_str(), |_| true);
        for (id, at) in &shared {
            let record = RecordRef::new(RecordKind::Invoice, id.clone());
            match state.invoices.get(id) {
                // Checked again on every run, like an invoice in flight;
                // one in flight keeps its number (it is not sent again).
                Some(sent) => {
                    Self::rechecked(next, &record);
                    if sent.ledger_id.is_none() {
                        own_numbers.insert(id.clone(), doc_key(&sent.doc_number));
                    }
                }
                None if self.waiting(next, &record) => {
                    self.skip(
                        record,
                        "E2",
                        "in the error queue: fix it, then retry all".into(),
                    );
                    continue;
                }
                None => {}
            }
            let named = at.iter().filter_map(|&i| {
                input
                    .invoices
                    .get(i)
                    .map(|inv| (i, format!("number {}", inv.number)))
            });
            self.fail(
                next,
                vec![shared_id_failure(record, "invoices", named, self.now)],
            );
        }
        for inv in input.invoices {
            if shared.contains_key(&inv.id) {
                continue;
            }
            let record = RecordRef::new(RecordKind::Invoice, inv.id.clone());
            match state.invoices.get(&inv.id) {
                Some(sent) if sent.ledger_id.is_some() => {
                    self.sent_already(inv, sent, record, settings);
                }
                Some(sent) => {
                    // In flight: planned again with the same key (U1); its
                    // own number in the ledger is no duplicate.
                    Self::rechecked(next, &record);
                    own_numbers.insert(inv.id.clone(), doc_key(&sent.doc_number));
                    match &sent.draft {
                        // The version sent goes again, as it was (U1, I2).
                        Some(draft) => resend.push((inv, draft)),
                        // Kept by an older state: checked and mapped again.
                        None => todo.push(inv),
                    }
                }
                None if self.waiting(next, &record) => self.skip(
                    record,
                    "E2",
                    "in the error queue: fix it, then retry all".into(),
                ),
                None => todo.push(inv),
            }
        }
        let check = check_with(
            &todo,
            settings,
            ledger,
            &own_numbers,
            |c| self.customer_of(c),
            self.now,
        );
        for (id, why) in check.skipped {
            self.skip(RecordRef::new(RecordKind::Invoice, id), "I1", why);
        }
        // An invoice in flight that fails its re-check stays in flight (the
        // ledger may have it already); it is checked again on every run.
        self.fail(next, check.failures);
        for draft in check.ready {
            let mut depends_on = Vec::new();
            if let ContactRef::CreatedBy(op) = &draft.customer {
                depends_on.push(op.clone());
            }
            next.invoices.insert(
                draft.invoice_id.clone(),
                SentInvoice {
                    ledger_id: None,
                    doc_number: draft.doc_number.clone(),
                    contact_id: draft.contact_id.clone(),
                    gross: draft.totals.gross,
                    due: draft.totals.gross,
                    draft: Some(Box::new(draft.clone())),
                },
            );
            self.create_invoice(draft, depends_on);
        }
        for (inv, draft) in resend {
            self.resend_invoice(next, inv, draft, settings, ledger);
        }
    }

    /// U1, I2: an invoice whose create is in flight is sent again exactly
    /// as it was sent, with the same key, whatever was edited since (the
    /// edit is reported); only what concerns the ledger is checked again.
    fn resend_invoice(
        &mut self,
        next: &mut BillingState,
        inv: &Invoice,
        draft: &InvoiceDraft,
        settings: &InvoiceSettings,
        ledger: &LedgerFacts,
    ) {
        let record = RecordRef::new(RecordKind::Invoice, inv.id.clone());
        if inv.status == InvoiceStatus::Void {
            self.skip(
                record.clone(),
                "I2",
                format!(
                    "voided after it was sent as {}, while its create is in flight: it is sent \
                     again as it was sent; void it in the ledger as well",
                    draft.doc_number
                ),
            );
        } else if !inv.status.is_sent() || differs_from_sent(inv, draft, settings) {
            self.skip(
                record.clone(),
                "I2",
                format!(
                    "changed after it was sent as {} ({} gross), while its create is in \
                     flight: edits after sending are not carried to the ledger; the version \
                     sent is sent again with the same key",
                    draft.doc_number, draft.totals.gross
                ),
            );
        }
        let mut depends_on = Vec::new();
        let mut failures = Vec::new();
        let customer = match &draft.customer {
            ContactRef::Id(c) => Some(c.clone()),
            ContactRef::CreatedBy(_) => {
                let linked = linked_customer(self.contacts, &draft.contact_id);
                if linked.is_none() {
                    match self.contact_creates.get(&draft.contact_id) {
                        Some(op) => depends_on.push(op.clone()),
                        None => failures.push(Failure {
                            code: FailureCode::CustomerRefRequired,
                            record,
                            detail: Some(format!(
                                "billing contact {}: its customer was to be created in the \
                                 ledger, and is not linked",
                                draft.contact_id
                            )),
                            at: self.now,
                        }),
                    }
                }
                linked
            }
        };
        failures.extend(recheck_sent(draft, customer.as_ref(), ledger, self.now));
        if !failures.is_empty() {
            // Stays in flight: checked again on every run.
            self.fail(next, failures);
            return;
        }
        self.create_invoice(draft.clone(), depends_on);
    }

    /// Plans the create of `draft` (I1).
    fn create_invoice(&mut self, draft: InvoiceDraft, depends_on: Vec<OpId>) {
        let op_id = OpId(format!("create-invoice:{}", draft.invoice_id));
        let defaults = draft.lines.iter().filter(|l| l.default_service).count();
        let mut reason = format!(
            "invoice {} ({} gross) is sent and dated on or after the sync start",
            draft.doc_number, draft.totals.gross
        );
        if defaults > 0 {
            reason.push_str(&format!(
                "; {defaults} line(s) use the default service (I3)"
            ));
        }
        self.plan.operations.push(BillingOperation {
            id: op_id.clone(),
            side: Side::Remote,
            action: BillingAction::CreateInvoice {
                invoice: Box::new(draft),
                idempotency_key: key_of(&op_id),
            },
            depends_on,
            rule: "I1".into(),
            reason,
        });
    }

    /// I2: an invoice sent once is never sent again; changes made to it
    /// afterwards are reported, not sent, and nothing is read back.
    fn sent_already(
        &mut self,
        inv: &Invoice,
        sent: &SentInvoice,
        record: RecordRef,
        settings: &InvoiceSettings,
    ) {
        if inv.status == InvoiceStatus::Void {
            self.skip(
                record,
                "I2",
                format!(
                    "voided after it was sent as {}: void it in the ledger as well",
                    sent.doc_number
                ),
            );
            return;
        }
        let changed = !inv
            .totals(settings.rounding)
            .is_ok_and(|t| t.gross == sent.gross)
            || doc_key(&inv.number) != doc_key(&sent.doc_number)
            || inv.contact_id != sent.contact_id;
        if changed {
            self.skip(
                record,
                "I2",
                format!(
                    "changed after it was sent as {} ({} gross): the ledger keeps the version sent",
                    sent.doc_number, sent.gross
                ),
            );
        }
    }

    /// U8: with a full listing of the ledger's payments, a payment waiting
    /// in the state that the listing lacks was deleted in the ledger: it is
    /// forgotten and reported, never recorded in the firm's system.
    fn forget_deleted(&mut self, next: &mut BillingState, input: &BillingInput<'_>) {
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

    /// Y1, U1: a ledger payment whose reference names a payment of the
    /// firm in flight (its create reached the ledger, the answer did not)
    /// is that payment's copy: it confirms the push, which is then neither
    /// checked again nor sent again, and is never pulled back (Y2).
    /// Ledger payments whose id different payments share confirm nothing.
    fn settle_pushed(&self, next: &mut BillingState, input: &BillingInput<'_>) {
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
    fn push_payments(
        &mut self,
        next: &mut BillingState,
        input: &BillingInput<'_>,
        ledger: &LedgerFacts,
    ) {
        let copies: BTreeSet<String> = next.pulled.values().flatten().cloned().collect();
        let ours = |p: &Payment| p.origin == PaymentOrigin::Local && !copies.contains(&p.id);
        let shared = shared_ids(input.local_payments, |p| p.id.as_str(), ours);
        for (id, at) in &shared {
            let record = RecordRef::new(RecordKind::Payment, id.clone());
            if next.pushed.contains_key(id) {
                // In flight or recorded: checked again on every run; one in
                // flight stays in flight (U1).
                Self::rechecked(next, &record);
            } else if self.waiting(next, &record) {
                self.skip(
                    record,
                    "E2",
                    "in the error queue: fix it, then retry all".into(),
                );
                continue;
            }
            let named = at.iter().filter_map(|&i| {
                input
                    .local_payments
                    .get(i)
                    .map(|p| (i, format!("{} on {}", p.amount, p.date)))
            });
            self.fail(
                next,
                vec![shared_id_failure(record, "payments", named, self.now)],
            );
        }
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
                None if self.waiting(next, &record) => {
                    self.skip(
                        record,
                        "E2",
                        "in the error queue: fix it, then retry all".into(),
                    );
                    continue;
                }
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
            let allocations = match drafts_of(&check.changes, &refs) {
                Ok(a) => a,
                Err((code, detail)) => {
                    let failure = Failure {
                        code,
                        record,
                        detail: Some(detail),
                        at: self.now,
                    };
                    self.fail(next, vec![failure]);
                    continue;
                }
            };
            for c in &check.changes {
                due.insert(c.invoice_id.clone(), c.after);
            }
            next.pushed.insert(p.id.clone(), None);
            let op_id = OpId(format!("push-payment:{}", p.id));
            let reason = format!(
                "payment of {} on {} recorded in the firm's system, for {} invoice(s) the ledger has",
                p.amount,
                p.date,
                allocations.len()
            );
            self.plan.operations.push(BillingOperation {
                id: op_id.clone(),
                side: Side::Remote,
                action: BillingAction::CreatePayment {
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
                    idempotency_key: key_of(&op_id),
                },
                depends_on: depends_on.into_iter().collect(),
                rule: "Y1".into(),
                reason,
            });
        }
    }

    /// Y2: the ledger's payments of the firm's invoices.
    fn pull_payments(
        &mut self,
        next: &mut BillingState,
        state: &BillingState,
        input: &BillingInput<'_>,
    ) {
        let ours: BTreeSet<String> = next.pushed.values().flatten().cloned().collect();
        let mut candidates: BTreeMap<String, Payment> = next.held.clone();
        for p in input.ledger_payments {
            candidates.insert(p.id.clone(), p.clone());
        }
        // Different payments under one id (U1): neither is recorded, and a
        // version held from an earlier run waits with them.
        candidates.retain(|id, _| !self.ledger_shared.contains_key(id));
        for (id, at) in &self.ledger_shared.clone() {
            let record = RecordRef::new(RecordKind::LedgerPayment, id.clone());
            // A payment this connection wrote is never copied back.
            if ours.contains(id) {
                continue;
            }
            match state.pulled.get(id) {
                Some(_) => Self::rechecked(next, &record),
                None if self.waiting(next, &record) => {
                    self.skip(
                        record,
                        "E2",
                        "in the error queue: fix it, then retry all".into(),
                    );
                    continue;
                }
                None => {}
            }
            let named = at.iter().filter_map(|&i| {
                input
                    .ledger_payments
                    .get(i)
                    .map(|p| (i, format!("{} on {}", p.amount, p.date)))
            });
            self.fail(
                next,
                vec![shared_id_failure(
                    record,
                    "ledger payments",
                    named,
                    self.now,
                )],
            );
        }
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
                None if self.waiting(next, &record) => {
                    next.held.insert(p.id.clone(), p.clone());
                    self.skip(
                        record,
                        "E2",
                        "in the error queue: fix it, then retry all".into(),
                    );
                    continue;
                }
                None => {}
            }
            self.pull_one(next, state, input, p, record, &mut due);
        }
    }

    fn pull_one(
        &mut self,
        next: &mut BillingState,
        state: &BillingState,
        input: &BillingInput<'_>,
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
                Some(local) => mapped.push(crate::model::Allocation {
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
        let allocations = match drafts_of(&check.changes, &refs) {
            Ok(a) => a,
            Err((code, detail)) => {
                let failure = Failure {
                    code,
                    record,
                    detail: Some(detail),
                    at: now,
                };
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
        self.plan.operations.push(BillingOperation {
            id: op_id.clone(),
            side: Side::Local,
            action: BillingAction::CreatePayment {
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
                idempotency_key: key_of(&op_id),
            },
            depends_on: Vec::new(),
            rule: "Y2".into(),
            reason,
        });
    }
}

/// One allocation per invoice, from the balance changes; an amount that
/// cannot be worked out or an invoice without a reference on the side
/// written to is reported (its code and detail), never left out.
fn drafts_of(
    changes: &[super::payments::BalanceChange],
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

/// The ids more than one of `records` (those `counted`) carry, each with
/// the positions of its records in `records` (U1: one id, one operation,
/// one idempotency key).
fn shared_ids<T>(
    records: &[T],
    id: impl Fn(&T) -> &str,
    counted: impl Fn(&T) -> bool,
) -> BTreeMap<String, Vec<usize>> {
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate().filter(|(_, r)| counted(r)) {
        by_id.entry(id(r)).or_default().push(i);
    }
    by_id
        .into_iter()
        .filter(|(_, at)| at.len() > 1)
        .map(|(id, at)| (id.to_owned(), at))
        .collect()
}

/// The ids different ledger payments share. The same payment listed twice
/// over (pages of a listing that overlap) is one payment, not two.
fn ledger_shared_ids(payments: &[Payment]) -> BTreeMap<String, Vec<usize>> {
    let mut shared = shared_ids(payments, |p| p.id.as_str(), |_| true);
    shared.retain(|_, at| {
        let first = at.first().and_then(|&i| payments.get(i));
        at.iter().any(|&i| payments.get(i) != first)
    });
    shared
}

/// The failure of records that share an id, naming each of them: its
/// position in the input and what tells it apart.
fn shared_id_failure(
    record: RecordRef,
    what: &str,
    named: impl Iterator<Item = (usize, String)>,
    now: DateTime<Utc>,
) -> Failure {
    let mut names: Vec<String> = named.map(|(i, n)| format!("{i} ({n})")).collect();
    let count = names.len();
    let last = names.pop().unwrap_or_default();
    let list = if names.is_empty() {
        last
    } else {
        format!("{} and {last}", names.join(", "))
    };
    let none = if count > 2 { "none" } else { "neither" };
    Failure {
        code: FailureCode::DuplicateRecordId,
        detail: Some(format!(
            "{count} {what} of the input have id {}, at positions {list}: {none} is sent",
            record.id
        )),
        record,
        at: now,
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

/// The idempotency key of a billing operation (U1).
fn key_of(op: &OpId) -> String {
    format!("{KEY_PREFIX}{op}")
}

/// What every billing idempotency key starts with.
const KEY_PREFIX: &str = "ledgerlink:billing:";

/// The firm's payment a ledger payment's reference names: the reference
/// is the payment's [`source_id`](PaymentDraft::source_id) (what the
/// stores keep, QBO `PaymentRefNum`), or carries the push's idempotency
/// key, `ledgerlink:billing:push-payment:<id>`.
fn pushed_source(reference: &str) -> &str {
    const PUSH: &str = "push-payment:";
    reference
        .find(KEY_PREFIX)
        .and_then(|at| reference.get(at + KEY_PREFIX.len()..))
        .and_then(|rest| rest.strip_prefix(PUSH))
        .map_or(reference, str::trim)
}

/// What feeding results back did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BillingApplied {
    /// The operations that went through.
    pub applied: Vec<OpId>,
    /// The failures the results added to the queue (E1).
    pub failures: Vec<Failure>,
    /// Don't send before this time (U4).
    pub retry_at: Option<DateTime<Utc>>,
    /// The ledger refused the credentials (E3).
    pub disconnected: bool,
}

/// Feeds the outcome of a billing plan's operations back into `state` (the
/// plan's `next_state`, as kept before sending).
///
/// - Applied: the invoice or payment is linked to its new id (an invoice's
///   draft, kept while in flight, is dropped), the ledger's balances
///   follow, and the record's failures leave the queue.
/// - Rate limited: nothing changes but the retry time (U4).
/// - Transient: the operation stays in flight and is planned again with
///   the same idempotency key (U1).
/// - Refused: the failure is queued with its code (E1, E2); an
///   authentication failure disconnects the connection (E3).
///
/// # Errors
/// [`Error::InvalidResult`](crate::Error::InvalidResult) for a result of an
/// operation that is not in the plan, or a second result for one
/// operation; the state is then unchanged.
pub fn apply_billing(
    state: &mut BillingState,
    plan: &BillingPlan,
    results: &[BillingResult],
    now: DateTime<Utc>,
) -> crate::Result<BillingApplied> {
    let ops: BTreeMap<&OpId, &BillingOperation> =
        plan.operations.iter().map(|o| (&o.id, o)).collect();
    let mut seen = BTreeSet::new();
    for r in results {
        if !ops.contains_key(&r.op_id) {
            return Err(crate::Error::InvalidResult {
                op_id: r.op_id.to_string(),
                reason: "not an operation of this billing plan".into(),
            });
        }
        if !seen.insert(&r.op_id) {
            return Err(crate::Error::InvalidResult {
                op_id: r.op_id.to_string(),
                reason: "reported twice".into(),
            });
        }
    }
    let mut out = BillingApplied::default();
    for r in results {
        let Some(op) = ops.get(&r.op_id) else {
            continue;
        };
        let record = op.record();
        match &r.outcome {
            BillingOutcome::Applied { id } => {
                applied(state, op, id);
                state.queue.resolve(&record);
                out.applied.push(op.id.clone());
            }
            BillingOutcome::Skipped { .. } => {}
            BillingOutcome::Failed { error } => match error {
                AdapterError::RateLimited { retry_after_secs } => {
                    let secs = i64::try_from(*retry_after_secs).unwrap_or(i64::MAX);
                    let at = now
                        .checked_add_signed(TimeDelta::try_seconds(secs).unwrap_or(TimeDelta::MAX))
                        .unwrap_or(DateTime::<Utc>::MAX_UTC);
                    out.retry_at = out.retry_at.max(Some(at));
                }
                AdapterError::Transient { .. } => {}
                _ => {
                    let failure = Failure {
                        code: failure_code(op, error),
                        record,
                        detail: Some(error.to_string()),
                        at: now,
                    };
                    if matches!(error, AdapterError::Authentication { .. }) {
                        out.disconnected = true;
                    } else {
                        forget_in_flight(state, op);
                    }
                    state.queue.push(failure.clone());
                    out.failures.push(failure);
                }
            },
        }
    }
    if out.retry_at.is_some() {
        state.retry_at = out.retry_at.max(state.retry_at);
    }
    Ok(out)
}

fn applied(state: &mut BillingState, op: &BillingOperation, id: &str) {
    match &op.action {
        BillingAction::CreateInvoice { invoice, .. } => {
            if let Some(sent) = state.invoices.get_mut(&invoice.invoice_id) {
                sent.ledger_id = Some(id.to_owned());
                sent.draft = None;
            }
        }
        BillingAction::CreatePayment { payment, .. } => {
            match op.side {
                Side::Remote => {
                    state
                        .pushed
                        .insert(payment.source_id.clone(), Some(id.to_owned()));
                }
                Side::Local => {
                    state
                        .pulled
                        .insert(payment.source_id.clone(), Some(id.to_owned()));
                    state.held.remove(&payment.source_id);
                }
            }
            for a in &payment.allocations {
                if let Some(sent) = state.invoices.get_mut(&a.local_invoice_id)
                    && let Ok(after) = sent.due.checked_sub(&a.amount)
                {
                    sent.due = after;
                }
            }
        }
    }
}

fn forget_in_flight(state: &mut BillingState, op: &BillingOperation) {
    match &op.action {
        BillingAction::CreateInvoice { invoice, .. } => {
            if state
                .invoices
                .get(&invoice.invoice_id)
                .is_some_and(|s| s.ledger_id.is_none())
            {
                state.invoices.remove(&invoice.invoice_id);
            }
        }
        BillingAction::CreatePayment { payment, .. } => match op.side {
            Side::Remote => {
                state.pushed.remove(&payment.source_id);
            }
            Side::Local => {
                state.pulled.remove(&payment.source_id);
            }
        },
    }
}

/// The queue code of a refused operation (E1).
fn failure_code(op: &BillingOperation, error: &AdapterError) -> FailureCode {
    let invoice = matches!(op.action, BillingAction::CreateInvoice { .. });
    match error {
        AdapterError::Authentication { .. } => FailureCode::AuthenticationFailed,
        AdapterError::Validation { code: Some(c), .. } if c == "6140" => {
            FailureCode::DuplicateDocumentNumber
        }
        _ if invoice => FailureCode::LedgerRejected,
        _ => FailureCode::ManualPaymentFailed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::BalanceChange;
    use crate::model::Currency;

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
}
