//! What a billing run is planned from, besides the settings and the
//! states: the records of both sides, what the ledger holds, the contact
//! plan of the same run, the records "retry all" named, and the time.

use chrono::{DateTime, Utc};

use crate::model::{AccountingPeriod, Invoice, Payment};
use crate::sync;

use super::invoices::LedgerFacts;
use super::payments::OpenInvoice;
use super::queue::RecordRef;

/// What a billing run starts from, besides the settings and the states.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The firm's invoices (any status: those not sent or dated before the
    /// sync start are skipped, I1).
    pub invoices: &'a [Invoice],
    /// The firm's payments; those recorded there first
    /// ([`PaymentOrigin::Local`](crate::model::PaymentOrigin::Local)) are sent to the ledger (Y1).
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
    pub contact_plan: Option<&'a sync::Plan>,
    /// Records to check again although they are in the error queue: the
    /// records of a [`Retry::Ready`](super::Retry::Ready) that
    /// [`ErrorQueue::retry_all`](super::ErrorQueue::retry_all) answered
    /// (E2). Records in the queue and not listed here are left alone. A
    /// listed record leaves the queue only when this run checks it again
    /// (an invoice or payment of the firm in this input, a ledger payment
    /// in this input or waiting in the state); the others stay queued.
    pub retry: &'a [RecordRef],
    /// The current time. The planner reads no clock.
    pub now: DateTime<Utc>,
}

impl PlanInput<'_> {
    /// A run at `now` with nothing in it yet: set the fields it needs
    /// (`PlanInput { invoices: &invoices, ..PlanInput::new(now) }`).
    #[must_use]
    pub const fn new(now: DateTime<Utc>) -> Self {
        Self {
            invoices: &[],
            local_payments: &[],
            ledger_payments: &[],
            ledger_payments_complete: false,
            open_invoices: &[],
            periods: &[],
            ledger: None,
            contact_plan: None,
            retry: &[],
            now,
        }
    }
}
