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
//!
//! # Contracts
//!
//! What the planners rely on, for every implementation (the in-memory
//! stores of `testing` keep each of these, and their tests prove it):
//!
//! - **Full listings** ([`ContactStore::list`]) return every record,
//!   **archived ones included** (U3: an archived ledger record is how a
//!   removal shows; Xero hides them unless the request asks with
//!   `includeArchived=true`). A record missing from a full listing is taken
//!   as deleted (U8). Pages come in a stable order; a page token is opaque.
//! - **Change listings** ([`ContactStore::list_changes`]): everything
//!   created, changed or archived after `cursor` (`None`: everything), and
//!   the ids deleted since then. The cursor handed back on the last page is
//!   the position **when the listing began** (a record changed while the
//!   pages are read is listed again next time, never lost): records may
//!   repeat, across pages and across listings: the driver keeps the last
//!   copy of each id within a listing, and the planner takes a repeat
//!   across listings as no change (a caller planning without the driver
//!   passes each id once). Deletions may come on any page. The page token
//!   (`next_page`) pages through one listing; the cursor starts the next
//!   listing — never mix them. A store without a change feed answers
//!   [`AdapterError::Unsupported`] and gets full listings instead. A store
//!   whose feed cannot answer from a given cursor (older than the feed
//!   keeps, more changes than one answer holds) answers `Unsupported` for
//!   that cursor only: the driver then reads everything through
//!   `list_changes(None, …)`, plans it as a full listing, and keeps the
//!   fresh cursor, so the next run lists changes again.
//! - **Idempotency keys** ([`ContactStore::create`] and the billing and
//!   QuickBooks Time creates): a key sent again must create nothing and
//!   answer the record the first call made — Xero's `Idempotency-Key`
//!   header, QBO's `requestid` (shortened by `wire::qbo::request_id`), a
//!   unique column in a database. The planners' keys
//!   (`ledgerlink:<scope>:<run>:<op id>`, `ledgerlink:billing:<scope>:<op
//!   id>`) are unique beyond one stored state: the scope is a connection
//!   identity and a nonce (`SyncState::with_key_scope`,
//!   `BillingState::with_key_scope`; without one, the time of the state's
//!   first plan), so neither another connection into the same ledger nor a
//!   state started afresh reuses a key the ledger still remembers. Keep a key at least as long as a create
//!   can stay in flight (until a later run re-sends it, U1: days when a
//!   ledger is unreachable); the ledgers keep theirs for hours (Xero) or
//!   longer (QBO). When the record made under a key was deleted since,
//!   answer the record as it was created (the planner then sees it gone in
//!   the next listing) rather than creating another.
//! - **Expected versions** ([`ContactStore::update`]): QBO's `SyncToken`
//!   is sent with the sparse update and a stale one is refused (QBO 5010 →
//!   [`AdapterError::StaleVersion`], U5). Xero has no conditional update:
//!   its `UpdatedDateUTC` is reported, not checked by Xero — an adapter
//!   does not send it and does not read the record first to compare (the
//!   next run's three-way merge sees any change made in between). XPM has
//!   no version. A database compares its own row version.
//! - **Answers**: every write answers the record **as stored** (new id,
//!   new version, the ledger's own spelling), so the next plan compares
//!   against what the ledger holds.
//!
//! # Failures that are not a ledger's answer
//!
//! | what happened | report |
//! |---|---|
//! | no connection, DNS, TLS, a timeout before any answer | [`AdapterError::Transient`] — it may have been applied: a create stays in flight and is re-sent with its key |
//! | an HTTP 2xx whose body cannot be read | [`AdapterError::Transient`] too: the write happened, its answer is lost (the next listing shows the record) |
//! | HTTP 401 | [`AdapterError::AccessTokenExpired`] — refresh the access token and retry once |
//! | the token endpoint refuses the refresh token (`invalid_grant`), HTTP 403 | [`AdapterError::Authentication`] — disconnected until reconnected (E3) |
//! | HTTP 429, or a throttling fault | [`AdapterError::RateLimited`] with the `Retry-After` seconds (U4) |
//! | an encoder refused the value (`wire::WireError::TooLong`, `Invalid`) | [`AdapterError::Validation`] with the encoder's message: nothing was sent |
//! | the local database failed (a constraint, a lost connection) | [`AdapterError::Transient`] for a retryable failure, [`AdapterError::Validation`] for a refused value |
//! | a paged listing that does not end | [`AdapterError::Paging`] (the driver's bound; an adapter's own loop should use [`ops::Pages`](crate::ops::Pages)) |
//!
//! The `wire` call codecs' readers (`wire::xero::Calls`, `wire::qbo::Calls`,
//! `wire::xpm::Calls`, `wire::qbtime::Calls`) turn the ledgers' answers
//! into these already, and their request builders hold every path, header,
//! page token and cursor: the [`guide`](crate::guide) shows an adapter
//! built on them. `wire::oauth` reads the token endpoints' answers.

use async_trait::async_trait;

mod billing;
pub use billing::{InvoiceStore, PaymentStore, PaymentsPage};
mod qbtime;
pub use qbtime::{JobcodePage, TimeStore, TimesheetPage};
mod state;
pub use state::{
    Clock, Generation, Lease, LeaseOutcome, LeaseToken, Loaded, SaveOutcome, StateStore,
};

use crate::model::{Contact, ContactId, VersionToken};
pub use crate::ops::AdapterError;
use crate::sync::FieldPatch;

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
    /// One page of the full listing, archived records included (see
    /// [Contracts](self#contracts)). `page` is `None` for the first page;
    /// `next_page` is `None` on the last.
    ///
    /// # Errors
    /// Any [`AdapterError`].
    async fn list(&self, page: Option<&str>) -> Result<Page, AdapterError>;

    /// One page of the changes since `cursor` (`None`: everything, with a
    /// cursor for next time): the cursor of the last page is the position
    /// when the listing began, records may repeat (see
    /// [Contracts](self#contracts)). Stores that cannot list changes return
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
    /// header, QBO's `requestid`, a unique column in a database. How long
    /// to keep keys, and what to answer when the record was deleted since:
    /// [Contracts](self#contracts).
    ///
    /// # Errors
    /// Any [`AdapterError`].
    async fn create(
        &self,
        contact: &Contact,
        idempotency_key: &str,
    ) -> Result<Contact, AdapterError>;

    /// Writes the fields of `patch` to record `id` and returns the record
    /// as stored. When `expected_version` is a version the store checks
    /// (QBO's `SyncToken`, a database's row version) and the record has
    /// moved on, nothing is written and [`AdapterError::StaleVersion`] is
    /// returned (U5). A Xero `UpdatedAt` version is not checked by Xero:
    /// send the update without it (see [Contracts](self#contracts)).
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
