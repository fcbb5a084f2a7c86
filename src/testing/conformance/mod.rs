//! The conformance kit (feature `testing`): async checks that any
//! implementation of the [`ports`](crate::ports) traits runs in its own
//! tests to prove it keeps the [contracts](crate::ports#contracts) the
//! planners rely on.
//!
//! A check is an `async fn` taking the store under test, a **fixture** and
//! the [`Settings`]. The fixture is the test's hand on the store's data:
//! it writes *behind the adapter's back*, as another user of the ledger (or
//! of the firm's database) would, between the calls the check makes
//! through the port — a fake server's admin hook, a SQL statement, the
//! in-memory stores' direct methods. No runtime is named: the futures run
//! on whatever executor the caller's test uses
//! ([`block_on`](crate::testing::block_on) is enough for stores that never
//! wait).
//!
//! The checks' futures are not `Send` (their paging loops use async
//! closures over borrowed page tokens, whose futures rustc cannot yet
//! prove `Send` for every lifetime): await them in the test's own task
//! (`block_on`, `#[tokio::test]`), not through `tokio::spawn`. The
//! driver's futures are `Send`.
//!
//! Every check returns a [`CheckReport`] — passed, skipped (with the
//! reason) or failed with each broken [`Property`] and the ids of the
//! records involved — and never panics, so a test asserts on it (or prints
//! it: it implements `Display`). Each port has a `run_all` collecting
//! every applicable check into a [`Summary`].
//!
//! | port | module | fixture | `run_all` |
//! |---|---|---|---|
//! | [`ContactStore`](crate::ports::ContactStore) (ledger or local) | [`contacts`] | [`ContactFixture`] | [`contacts::run_all`] |
//! | [`InvoiceStore`](crate::ports::InvoiceStore) | [`billing`] | [`InvoiceFixture`] | [`billing::run_all_invoices`] |
//! | [`PaymentStore`](crate::ports::PaymentStore) | [`billing`] | [`PaymentFixture`] | [`billing::run_all_payments`] |
//! | [`TimeStore`](crate::ports::TimeStore) | [`time`] | [`TimeFixture`] | [`time::run_all`] |
//! | [`StateStore`](crate::ports::StateStore) | [`state`] | — | [`state::check_state_store`] (round trips, compare-and-swap conflicts, the format-1 migration, lease exclusivity under concurrent workers, incremental saves) |
//!
//! The in-memory stores of [`testing`](crate::testing) are their own
//! fixtures ([`MemoryStore`](crate::testing::MemoryStore),
//! [`MemoryLedgerBilling`](crate::testing::MemoryLedgerBilling),
//! [`MemoryPracticeBilling`](crate::testing::MemoryPracticeBilling),
//! [`MemoryTimeStore`](crate::testing::MemoryTimeStore)).
//!
//! # What each check proves
//!
//! Contact stores ([`contacts`]):
//!
//! - [`full_listing`](contacts::full_listing): over pages with writes
//!   between them (a new record, an edit, an archive, a deletion of a
//!   record listed already), every record present throughout is listed —
//!   repeats allowed, nothing lost: a stable order — archived records
//!   included and marked archived, and the listing ends.
//! - [`change_listing`](contacts::change_listing): from no cursor,
//!   everything and a cursor; from that cursor, every change made before the
//!   listing began is in it (deletions reported), every change made while
//!   its pages were read is in it or the next listing; the store's clock is
//!   moved on in between (when the fixture can), so a cursor must be the
//!   store's position, never a time read from the client's clock. Skipped
//!   for stores without a change feed.
//! - [`idempotency`](contacts::idempotency): the same key twice, one record
//!   and the same answer; the same key with other content, the first
//!   record; a key whose record was deleted since, the record as created,
//!   never a second one.
//! - [`versions`](contacts::versions): where the store checks versions, a
//!   stale expected version is refused with
//!   [`StaleVersion`](crate::ports::AdapterError::StaleVersion) and nothing
//!   is written, the current one goes through and moves the version on;
//!   where it does not (Xero, XPM), an update without a version goes
//!   through. Answers are the record as stored.
//! - [`errors`](contacts::errors): injected faults come back as the
//!   contract's [`AdapterError`](crate::ports::AdapterError) (rate limit
//!   with its delay, refused access token, refused credentials, a failure
//!   before any answer, a stale version), and a create whose answer was
//!   lost, sent again with its key, leaves one record. Skipped when the
//!   fixture cannot inject faults.
//! - `end_to_end` (feature `driver`): the driver runs a connection between
//!   the store and an in-memory other side through rounds of seeded random
//!   edits on both sides; after a run in which every operation was
//!   applied, the next run is quiet (its plan is empty), and once quiet
//!   the linked records agree (a store that answers writes it never kept
//!   is caught here).
//!
//! Billing and QuickBooks Time stores ([`billing`], [`time`]): the
//! idempotency of every create (invoices, payments, jobcodes), the payment,
//! jobcode and timesheet listings over pages with writes in between
//! (archived jobcodes included), and the errors of the billing reads and
//! of a create whose answer was lost.
//!
//! # Running it against your own store
//!
//! Implement the port's fixture for a type that can reach your store's data
//! directly (the required methods add, edit and archive records; deleting,
//! moving the store's clock and injecting faults are capabilities with
//! defaults that skip what needs them), then one line in a test:
//!
//! ```
//! # use ledgerlink::testing::conformance::{Settings, contacts};
//! # use ledgerlink::testing::{MemoryStore, block_on};
//! # let my_adapter = MemoryStore::local().with_page_size(4);
//! # let my_fixture = &my_adapter;
//! let summary = block_on(contacts::run_all(&my_adapter, my_fixture, &Settings::default()));
//! assert!(summary.is_ok(), "{summary}");
//! ```
//!
//! A store that outlives one test run (a database, a shared sandbox)
//! needs fresh names and keys per run: [`Settings::with_run_id`]. The
//! checks make a few pages' worth of records each
//! ([`ContactFixture::page_size`]): give the store a small page size in
//! tests.
//!
//! # Example
//!
//! The in-memory QBO ledger, then one with a deliberate defect — a create
//! that ignores its idempotency key:
//!
//! ```
//! use async_trait::async_trait;
//! use ledgerlink::ports::{AdapterError, ChangesPage, ContactStore, Page};
//! use ledgerlink::sync::FieldPatch;
//! use ledgerlink::testing::conformance::{Property, Settings, contacts};
//! use ledgerlink::testing::{MemoryStore, block_on};
//! use ledgerlink::{Contact, ContactId, Profile};
//! use ledgerlink::model::VersionToken;
//!
//! let qbo = MemoryStore::ledger(Profile::Qbo).with_page_size(4);
//! let summary = block_on(contacts::run_all(&qbo, &qbo, &Settings::default()));
//! assert!(summary.is_ok(), "{summary}");
//!
//! /// Sends every create with a fresh key: a retry makes a duplicate.
//! struct ForgetsKeys(MemoryStore);
//!
//! #[async_trait]
//! impl ContactStore for ForgetsKeys {
//!     async fn list(&self, page: Option<&str>) -> Result<Page, AdapterError> {
//!         self.0.list(page).await
//!     }
//!     async fn list_changes(
//!         &self,
//!         cursor: Option<&str>,
//!         page: Option<&str>,
//!     ) -> Result<ChangesPage, AdapterError> {
//!         self.0.list_changes(cursor, page).await
//!     }
//!     async fn create(&self, c: &Contact, _key: &str) -> Result<Contact, AdapterError> {
//!         let fresh = format!("fresh-{}", self.0.calls().create);
//!         self.0.create(c, &fresh).await
//!     }
//!     async fn update(
//!         &self,
//!         id: &ContactId,
//!         patch: &FieldPatch,
//!         v: Option<&VersionToken>,
//!     ) -> Result<Contact, AdapterError> {
//!         self.0.update(id, patch, v).await
//!     }
//! }
//!
//! // XPM allows two clients of one name: nothing else stops the duplicate.
//! let broken = ForgetsKeys(MemoryStore::ledger(Profile::Xpm).with_page_size(4));
//! let report = block_on(contacts::idempotency(&broken, &broken.0, &Settings::default()));
//! assert!(report.broke(Property::Duplicated), "{report}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The `StateStore` checks (compare-and-swap on the generation, lease
//! exclusivity under concurrent workers) live in their own module, [`state`].

pub mod billing;
pub mod contacts;
mod report;
pub mod state;
mod support;
pub mod time;

pub use billing::{InvoiceFixture, PaymentFixture};
pub use contacts::ContactFixture;
pub use report::{Check, CheckReport, Failure, Outcome, Property, Summary};
pub use support::{FixtureError, Settings};
pub use time::TimeFixture;
