//! Adapter traits: the only place where ledgerlink meets I/O.
//!
//! The embedding service implements [`ContactStore`] twice — once over its
//! own database (the local side) and once over a ledger's HTTP API (the
//! remote side) — and hands both to the [`driver`](crate::driver) (feature
//! `driver`), or calls them itself with the operations of a
//! [`Plan`](crate::sync::Plan). Errors come back as [`AdapterError`], which
//! [`apply_results`](crate::sync::apply_results) turns into "retry at T",
//! "re-read and re-plan" or "disconnected" (U4, U5, E3).
//!
//! The traits use [`async_trait`](mod@async_trait) so that they are object safe and their
//! futures are `Send`; no async runtime is named anywhere in the crate.

use async_trait::async_trait;

mod billing;
pub use billing::{InvoiceStore, PaymentStore, PaymentsPage};
mod qbtime;
pub use qbtime::{JobcodePage, TimeStore, TimesheetPage};

use crate::model::{Contact, ContactId, VersionToken};
pub use crate::ops::AdapterError;
use crate::sync::{FieldPatch, SyncState};

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Page {
    /// The records of this page.
    pub contacts: Vec<Contact>,
    /// The token of the next page, `None` on the last page.
    pub next_page: Option<String>,
}

/// One page of changes since a cursor.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChangesPage {
    /// Records created or changed since the cursor (archived ones included:
    /// they signal removals, U3).
    pub changed: Vec<Contact>,
    /// Records deleted since the cursor.
    pub deleted: Vec<ContactId>,
    /// The token of the next page, `None` on the last page.
    pub next_page: Option<String>,
    /// The cursor to ask for the following changes with; set on the last
    /// page.
    pub cursor: Option<String>,
}

/// A side of a connection: the firm's own contacts, or a ledger.
///
/// Implementations wrap the caller's database or HTTP client. Every method
/// is a single request (or transaction); paging is the caller's loop (the
/// driver's, when it is used).
#[async_trait]
pub trait ContactStore: Send + Sync {
    /// One page of the full listing, archived records included. `page` is
    /// `None` for the first page.
    ///
    /// # Errors
    /// Any [`AdapterError`].
    async fn list(&self, page: Option<&str>) -> Result<Page, AdapterError>;

    /// One page of the changes since `cursor` (`None`: everything, with a
    /// cursor for next time). Stores that cannot list changes return
    /// [`AdapterError::Unsupported`] and the driver falls back to full
    /// listings.
    ///
    /// # Errors
    /// Any [`AdapterError`].
    async fn list_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<ChangesPage, AdapterError>;

    /// Creates a record and returns it as stored (with its new id and
    /// version). The same `idempotency_key` sent twice must create one
    /// record only and return it both times (U1): Xero's `Idempotency-Key`
    /// header, QBO's `requestid`, a unique column in a database.
    ///
    /// # Errors
    /// Any [`AdapterError`].
    async fn create(
        &self,
        contact: &Contact,
        idempotency_key: &str,
    ) -> Result<Contact, AdapterError>;

    /// Writes the fields of `patch` to record `id` and returns the record
    /// as stored. When `expected_version` is given and the record has moved
    /// on, nothing is written and [`AdapterError::StaleVersion`] is returned
    /// (U5).
    ///
    /// # Errors
    /// Any [`AdapterError`].
    async fn update(
        &self,
        id: &ContactId,
        patch: &FieldPatch,
        expected_version: Option<&VersionToken>,
    ) -> Result<Contact, AdapterError>;
}

/// Where the driver keeps the [`SyncState`] between (and during) runs.
///
/// The driver saves the state before it sends anything (the plan's
/// `next_state`, with the creates in flight) and after it fed the results
/// back, so a crash at any point resumes without duplicates (U1).
#[async_trait]
pub trait StateStore: Send + Sync {
    /// Persists `state`.
    ///
    /// # Errors
    /// Any [`AdapterError`]; the driver stops the run when saving fails.
    async fn save(&self, state: &SyncState) -> Result<(), AdapterError>;
}
