//! Planning phase: the firm's invoices to the ledger (I1–I8). An invoice
//! goes one way, once (I2); one whose create is in flight is sent again
//! exactly as it was sent, with the same idempotency key (U1).

use std::collections::BTreeMap;

use crate::billing::input::PlanInput;
use crate::billing::invoices::{
    InvoiceDraft, InvoiceSettings, LedgerFacts, check_with, differs_from_sent, doc_key,
    linked_customer, recheck_sent,
};
use crate::billing::plan::{Action, Operation};
use crate::billing::queue::{Failure, FailureCode, RecordKind, RecordRef};
use crate::billing::state::{BillingState, SentInvoice};
use crate::model::{Invoice, InvoiceStatus};
use crate::ops::{OpId, Side};
use crate::sync::ContactRef;

use super::duplicates::{Batch, shared_ids};
use super::{Run, key_of};

impl Run<'_> {
    /// I1–I8: the invoices not sent yet.
    pub(super) fn invoices(
        &mut self,
        settings: &InvoiceSettings,
        next: &mut BillingState,
        state: &BillingState,
        input: &PlanInput<'_>,
        ledger: &LedgerFacts,
    ) {
        let mut todo: Vec<&Invoice> = Vec::new();
        let mut own_numbers = BTreeMap::new();
        let mut resend: Vec<(&Invoice, &InvoiceDraft)> = Vec::new();
        // An invoice in flight keeps its number: its own number in the
        // ledger is no duplicate (I6, U1).
        for inv in input.invoices {
            if let Some(sent) = state.invoices.get(&inv.id)
                && sent.ledger_id.is_none()
            {
                own_numbers.insert(inv.id.clone(), doc_key(&sent.doc_number));
            }
        }
        let shared = shared_ids(input.invoices, |i| i.id.as_str(), |_| true);
        let batch = Batch {
            kind: RecordKind::Invoice,
            what: "invoices",
            records: input.invoices,
            describe: |inv: &Invoice| format!("number {}", inv.number),
        };
        // Checked again on every run once sent, like an invoice in flight.
        self.refuse_shared(next, &batch, &shared, |_, id| {
            state.invoices.contains_key(id)
        });
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
                    // In flight: planned again with the same key (U1).
                    Self::rechecked(next, &record);
                    match &sent.draft {
                        // The version sent goes again, as it was (U1, I2).
                        Some(draft) => resend.push((inv, draft)),
                        // Kept by an older state: checked and mapped again.
                        None => todo.push(inv),
                    }
                }
                None if self.held_in_queue(next, &record) => {}
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
        self.plan.operations.push(Operation {
            id: op_id.clone(),
            side: Side::Remote,
            action: Action::CreateInvoice {
                invoice: Box::new(draft),
                idempotency_key: key_of(self.key_scope.as_deref(), &op_id),
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
}
