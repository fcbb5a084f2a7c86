//! In-memory stores for tests and examples (feature `testing`).
//!
//! - [`MemoryStore`]: a [`ContactStore`](crate::ports::ContactStore) that
//!   is either the firm's own contacts ([`MemoryStore::local`]) or a ledger
//!   ([`MemoryStore::ledger`]) with the rules a sync runs into — Xero's
//!   unique active names, QBO's unique display names, reserved characters
//!   and `SyncToken`s, XPM's business structures — plus direct manipulation
//!   to play the people editing either side.
//! - [`Fault`]: rate limits, outages, expired credentials, stale versions
//!   and creates whose result is lost, injected with
//!   [`MemoryStore::fail_next`] / [`MemoryStore::fail_every`].
//! - [`MemoryStateStore`]: a [`StateStore`](crate::ports::StateStore)
//!   keeping each connection's [`SyncState`](crate::sync::SyncState) with
//!   its generation and lease; clones share it (two workers).
//! - [`conformance`]: checks any implementation of a port can run in its
//!   own tests (state stores: [`conformance::state`]).
//! - [`block_on`]: runs the stores' futures without an async runtime.
//! - [`conformance`]: checks any implementation of the ports runs in its
//!   own tests to prove it keeps their contracts.
//!
//! Nothing here reads the system clock or uses randomness: the same test
//! gives the same ids, versions and times on every run.
//!
//! ```
//! use ledgerlink::ports::{AdapterError, ContactStore};
//! use ledgerlink::testing::{Call, Fault, MemoryStore, block_on};
//! use ledgerlink::{Contact, Profile};
//!
//! let qbo = MemoryStore::ledger(Profile::Qbo);
//! qbo.reserve_name("Jane Smith"); // an employee
//! let jane = Contact::person("L1", "Jane", "Smith");
//! let refused = block_on(qbo.create(&jane, "op-1"));
//! assert!(matches!(refused, Err(AdapterError::DuplicateName { .. })));
//!
//! qbo.fail_next(Call::Create, Fault::RateLimited { retry_after_secs: 60 });
//! let jane = jane.with_display_name("Jane Smith (2)");
//! let limited = block_on(qbo.create(&jane, "op-2"));
//! assert_eq!(limited, Err(AdapterError::RateLimited { retry_after_secs: 60 }));
//! let created = block_on(qbo.create(&jane, "op-2"))?;
//! assert_eq!(created.id, "1");
//! assert_eq!(qbo.calls().create, 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod billing_store;
mod block_on;
mod clock;
pub mod conformance;
mod contact_store;
mod faults;
mod ledger;
mod state_store;
mod store;
#[cfg(test)]
mod tests;
mod time_store;

pub use billing_store::*;
pub use block_on::block_on;
pub use clock::TestClock;
pub use faults::{CRASH_AFTER_CREATE_MESSAGE, Call, CallCounts, Fault};
pub use state_store::MemoryStateStore;
pub use store::{DEFAULT_PAGE_SIZE, MemoryStore};
pub use time_store::*;
