//! What a billing connection remembers between runs.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::model::{ContactId, Money, Payment};

use super::invoices::InvoiceDraft;
use super::queue::ErrorQueue;

/// An invoice the connection sent to the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SentInvoice {
    /// The ledger's id; `None` while the create is in flight.
    pub ledger_id: Option<String>,
    /// The document number sent.
    pub doc_number: String,
    /// The billing contact (local id).
    pub contact_id: ContactId,
    /// The gross total sent.
    pub gross: Money,
    /// What the ledger still has due on it, after the payments this
    /// connection recorded on either side.
    pub due: Money,
    /// The invoice exactly as sent, kept while the create is in flight:
    /// until the ledger answers it is sent again unchanged, with the same
    /// idempotency key (U1), and edits made to the firm's invoice meanwhile
    /// are reported, not sent (I2). `None` once the ledger's id is known
    /// (and in states saved before it was kept: such an invoice is checked
    /// and mapped again from the firm's invoice).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub draft: Option<Box<InvoiceDraft>>,
}

/// The billing half of a connection's memory: invoices sent, payments
/// copied each way, ledger payments waiting to be recorded, and the error
/// queue. Serialise it beside the [`SyncState`](crate::sync::SyncState).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BillingState {
    /// Local invoice id → what was sent.
    pub(super) invoices: BTreeMap<String, SentInvoice>,
    /// Local payment id → ledger payment id (`None`: in flight, Y1).
    pub(super) pushed: BTreeMap<String, Option<String>>,
    /// Ledger payment id → local payment id (`None`: in flight, Y2).
    pub(super) pulled: BTreeMap<String, Option<String>>,
    /// Ledger payments not recorded yet (in flight, waiting for an invoice
    /// in flight, or failed and waiting for "retry all"), so that a change
    /// feed need not list them again; a full listing that lacks one drops
    /// it (U8).
    pub(super) held: BTreeMap<String, Payment>,
    /// The failures (E1–E3).
    pub(super) queue: ErrorQueue,
    /// Don't send before this time (U4).
    pub(super) retry_at: Option<DateTime<Utc>>,
    /// The scope of this state's idempotency keys (see
    /// [`ops::key_scope`](crate::ops::key_scope)); a new state takes one from
    /// the time of its first plan. A state stored before scopes existed
    /// keeps unscoped keys, so that creates it has in flight are re-sent
    /// with the keys they were first sent with.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub(super) key_scope: Option<String>,
}

impl BillingState {
    /// A new connection's state.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the scope of this state's idempotency keys: the connection's
    /// identity and a nonce drawn once per state (see
    /// [`SyncState::with_key_scope`](crate::sync::SyncState::with_key_scope)).
    #[must_use]
    pub fn with_key_scope(mut self, connection: &str, nonce: &str) -> Self {
        self.key_scope = Some(crate::ops::key_scope(connection, nonce));
        self
    }

    /// The scope of this state's idempotency keys, once set.
    #[must_use]
    pub fn key_scope(&self) -> Option<&str> {
        self.key_scope.as_deref()
    }

    /// Whether nothing was ever recorded here (a state's first plan).
    pub(super) fn is_untouched(&self) -> bool {
        self.invoices.is_empty()
            && self.pushed.is_empty()
            && self.pulled.is_empty()
            && self.held.is_empty()
            && self.queue == ErrorQueue::default()
    }

    /// The invoice sent for local invoice `id`.
    #[must_use]
    pub fn invoice(&self, id: &str) -> Option<&SentInvoice> {
        self.invoices.get(id)
    }

    /// The invoices sent, by local id.
    pub fn invoices(&self) -> impl ExactSizeIterator<Item = (&str, &SentInvoice)> + '_ {
        self.invoices.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The local invoice id of ledger invoice `ledger_id`.
    #[must_use]
    pub fn local_invoice_of(&self, ledger_id: &str) -> Option<&str> {
        self.invoices
            .iter()
            .find(|(_, s)| s.ledger_id.as_deref() == Some(ledger_id))
            .map(|(k, _)| k.as_str())
    }

    /// The ledger id of local payment `id` once it was recorded there (Y1);
    /// `Some(None)` while in flight.
    #[must_use]
    pub fn pushed_payment(&self, id: &str) -> Option<Option<&str>> {
        self.pushed.get(id).map(Option::as_deref)
    }

    /// The local id of ledger payment `id` once it was recorded in the
    /// firm's system (Y2); `Some(None)` while in flight.
    #[must_use]
    pub fn pulled_payment(&self, id: &str) -> Option<Option<&str>> {
        self.pulled.get(id).map(Option::as_deref)
    }

    /// The error queue (E1–E3).
    #[must_use]
    pub const fn queue(&self) -> &ErrorQueue {
        &self.queue
    }

    /// The error queue, to call [`ErrorQueue::retry_all`] on.
    pub const fn queue_mut(&mut self) -> &mut ErrorQueue {
        &mut self.queue
    }

    /// Whether the connection is disconnected (E3): nothing is planned
    /// until [`reconnect`](Self::reconnect).
    #[must_use]
    pub fn is_disconnected(&self) -> bool {
        self.queue.disconnected()
    }

    /// Marks the connection reconnected (E3).
    pub fn reconnect(&mut self) {
        self.queue.reconnect();
    }

    /// Don't send before this time (U4).
    #[must_use]
    pub const fn retry_at(&self) -> Option<DateTime<Utc>> {
        self.retry_at
    }
}
