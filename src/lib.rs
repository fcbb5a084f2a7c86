//! # ledgerlink
//!
//! A sans-IO engine that keeps a practice-management system's contacts,
//! invoices, payments and jobs in step with accounting ledgers — Xero
//! (general ledger), Xero Practice Manager (XPM), QuickBooks Online (QBO)
//! and QuickBooks Time (QBT) — without duplicates, silent skips or
//! unexplained overwrites.
//!
//! The core never touches the network, files, the clock or randomness:
//! records go in, decisions with their reasons come out.
//!
//! ## Start here
//!
//! Every domain plans the same way: `plan(..)` turns listings, the stored
//! state and `now` into a `Plan` of [`ops::Operation`]s (plain data with
//! stable ids, dependencies and reasons); you carry the operations out
//! (yourself, or with the driver); `apply_results(..)` takes the
//! [`ops::OpResult`]s back and updates the state. Waiting and "list more"
//! are plan data (`not_before`, `needs`), never errors.
//!
//! | to… | entry point | example |
//! |---|---|---|
//! | classify ledger records against your contacts | [`MatchIndex`] → [`MatchIndex::classify_batch`] | [below](#example) |
//! | plan a contact sync run | [`sync::plan`] | [below](#keeping-both-sides-in-step-plan--apply--feed-back) |
//! | feed contact results back | [`sync::apply_results`] | same |
//! | run fetch → plan → send → feed back over adapters | `driver::Driver` (feature `driver`) | `examples/qbo_sync.rs` in the repository |
//! | send any plan in dependency order | [`ops::Execution`] | on its page |
//! | plan invoices and payments | [`billing::plan`], [`billing::apply_results`] | [below](#billing-and-quickbooks-time) |
//! | plan QuickBooks Time jobcodes | [`qbtime::plan`], [`qbtime::apply_results`] | [below](#billing-and-quickbooks-time) |
//! | read a ledger's payload | [`wire::decode_any`] (features `xero`, `xpm`, `qbo`, `qbtime`) | [below](#reading-real-payloads) |
//! | connect a ledger's HTTP API (an adapter in about 60 lines) | [`guide`], the `Calls` codec of each [`wire`] provider | [`guide`] |
//! | use the ready HTTP adapters (reqwest, token refresh, pacing) | `http::XeroAdapter`, `http::QboAdapter`, … (feature `http`) | the `http` module page |
//! | look up what a rule ID means | [`glossary`] | — |
//!
//! ## Modules
//!
//! - [`normalize`]: how names and emails compare (N1–N4).
//! - [`matching`]: full / partial / ambiguous / no match / unmatchable /
//!   possible duplicate, per provider (M1–M12).
//! - [`rules`]: each ledger's rules as data ([`rules::LedgerRules`]: synced
//!   fields, push policy, unique names, version tokens, error codes, field
//!   limits with their counting unit) and person vs organisation (T1–T4).
//! - [`audit`](mod@audit): data-hygiene report and first-sync prediction (H1–H5).
//! - [`model`]: the contact, invoice and payment model shared by both sides.
//! - [`ops`]: the vocabulary every plan shares, and the sans-IO executor.
//! - [`sync`]: links, synced fields, conflict policies, push rules and the
//!   planner: every write planned as data first (L1–L3, F1–F7, P1–P4,
//!   U1–U5, U8, U9).
//! - [`billing`]: invoices one way to QuickBooks Online and payments both
//!   ways, every record checked before it is sent (I1–I8, Y1–Y5, U6, U7),
//!   planned as data with dependencies on the contact plan; the error
//!   queue (E1–E3) with the products' messages, explanations and remedies,
//!   and the three-minute retry throttle.
//! - [`qbtime`]: QuickBooks Time beside QBO — sources of truth, the
//!   three-way customer list check, customers and jobs to create, time
//!   entries read-only (Q1–Q4).
//! - [`glossary`]: every rule ID with a one-line meaning.
//! - [`guide`]: writing an adapter — the contracts, the call codecs per
//!   ledger, a complete Xero contacts adapter.
//!
//! The layers above are the core: they import nothing from the I/O layers
//! below (CI checks it with `.ci/layers`).
//!
//! - [`ports`]: the adapter traits the embedding service implements over
//!   its own database and HTTP clients.
//! - [`wire`]: codecs for the ledgers' real payloads — Xero and QBO JSON,
//!   XPM XML, QuickBooks Time JSON — into the model and back, with the
//!   field limits checked before sending (features `xero`, `xpm`, `qbo`,
//!   `qbtime`, on by default).
//! - `driver` (feature `driver`): runs plans through the adapters, crash
//!   safe, every listing bounded, without naming an async runtime.
//! - `http` (feature `http`): reference HTTP adapters for the four ledgers
//!   over reqwest, driving the `wire` call codecs: token refresh and
//!   rotation, pacing by [`rules::pacing`], bounded retries, batches.
//! - `testing` (feature `testing`): in-memory stores that behave like the
//!   ledgers, with fault injection, for tests and examples.
//!
//! ## Example
//!
//! ```
//! use ledgerlink::{Contact, MatchClass, MatchIndex, Profile};
//!
//! // The firm's own contacts.
//! let local = vec![
//!     Contact::organization("L1", "Acme Ltd").with_email("accounts@acme.test"),
//!     Contact::person("L2", "José", "García").with_email("jose@garcia.test"),
//! ];
//! // What the ledger lists.
//! let xero = vec![
//!     Contact::named("X1", "ACME LTD").with_email("Accounts@Acme.test"),
//!     Contact::named("X2", "Jose\u{301} Garci\u{301}a").with_email("other@garcia.test"),
//!     Contact::named("X3", "Bloggs Family Trust").with_email("fred@bloggs.test"),
//! ];
//!
//! let index = MatchIndex::new(Profile::XeroGl, &local)?;
//! let results = index.classify_batch(&xero)?;
//!
//! assert_eq!(results[0].outcome.class(), MatchClass::Full); // linked
//! assert_eq!(results[1].outcome.class(), MatchClass::Partial); // review: name only
//! assert_eq!(results[2].outcome.class(), MatchClass::None); // created, as an organisation
//! for r in &results {
//!     println!("{}: {}", r.remote_id, r.explain());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

//!
//! ## Keeping both sides in step: plan → apply → feed back
//!
//! [`sync::plan`] turns the two listings, the connection's [`sync::SyncState`]
//! and settings, people's decisions and `now` into a [`sync::Plan`]: the
//! operations (creates, field updates — plain serde data with stable ids,
//! dependencies and idempotency keys), the review items (match issues,
//! held conflicts), a report (every value overwritten, with the value it
//! replaced) and the next state. Nothing is written until the caller runs
//! the operations; their outcomes go back through [`sync::apply_results`],
//! which links new records, moves the bases of the three-way merge, and
//! turns rate limits, stale versions and refused credentials into "retry at
//! T", "re-read" and "disconnected".
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use ledgerlink::sync::{Action, ConnectionConfig, OpResult, PlanInput, SyncState};
//! use ledgerlink::sync::{apply_results, plan};
//! use ledgerlink::{Contact, Profile};
//!
//! let now = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
//! let config = ConnectionConfig::new(Profile::XeroGl);
//! let mut firm = vec![Contact::organization("L1", "Acme Ltd").with_email("ap@acme.test")];
//! let xero = vec![
//!     Contact::named("X1", "ACME Ltd").with_email("ap@acme.test"),
//!     Contact::named("X2", "Bloggs Family Trust").with_email("fred@bloggs.test"),
//! ];
//! let mut state = SyncState::new();
//!
//! // 1. Plan: a dry run, as data.
//! let p = plan(&config, &state, &PlanInput::new(&firm, &xero, now))?;
//! assert_eq!(p.operations.len(), 2); // create X2 locally (M3); X1's name onto L1 (F2)
//! assert_eq!(p.report.overwritten[0].change.new.as_ref().unwrap().to_string(), "ACME Ltd");
//!
//! // 2. Keep `next_state` (it records the creates in flight), then carry the
//! //    operations out with your own clients.
//! state = p.next_state.clone();
//! let mut results = Vec::new();
//! for op in &p.operations {
//!     match &op.action {
//!         Action::Create { contact, .. } => {
//!             let mut created = (**contact).clone();
//!             created.id = format!("L{}", firm.len() + 1).into();
//!             firm.push(created.clone());
//!             results.push(OpResult::applied(op.id.clone(), created));
//!         }
//!         Action::Update { target_id, patch, .. } => {
//!             let Some(c) = firm.iter_mut().find(|c| &c.id == target_id) else { continue };
//!             patch.apply_to(c);
//!             results.push(OpResult::applied(op.id.clone(), c.clone()));
//!         }
//!     }
//! }
//!
//! // 3. Feed the results back: X2 is now linked to the contact made for it.
//! let applied = apply_results(&mut state, &p, &results, now)?;
//! assert!(applied.all_applied());
//! assert_eq!(state.linked().count(), 2);
//!
//! // Planning again finds nothing to do (F5).
//! assert!(plan(&config, &state, &PlanInput::new(&firm, &xero, now))?.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Billing and QuickBooks Time
//!
//! Both have the same shape. A billing run with nothing to send plans
//! nothing; a QuickBooks Time run creates a customer jobcode for a client
//! QBT does not have yet:
//!
//! ```
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use ledgerlink::billing::{self, BillingState, InvoiceSettings};
//! use ledgerlink::sync::SyncState;
//! use ledgerlink::{Contact, qbtime};
//!
//! let now = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
//! let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
//! let settings = InvoiceSettings::new(start, "Services");
//! let p = billing::plan(&settings, &SyncState::new(), &BillingState::new(), &billing::PlanInput::new(now));
//! assert!(p.operations.is_empty() && p.failures.is_empty());
//!
//! let clients = [Contact::organization("K1", "Acme Ltd")];
//! let p = qbtime::plan(&qbtime::PlanInput::new(&clients, &[], &[]));
//! assert_eq!(p.operations.len(), 1);
//! assert_eq!(p.operations[0].action.name, "Acme Ltd");
//! ```
//!
//! ## Reading real payloads
//!
//! ```
//! # #[cfg(feature = "xero")] {
//! use ledgerlink::wire::{self, Payload, Profile};
//!
//! let body = br#"{"Contacts":[{"ContactID":"b3c1a2e4-0000-4000-8000-000000000001",
//!     "Name":"Acme Ltd","EmailAddress":"ap@acme.test","ContactStatus":"ACTIVE"}]}"#;
//! let (provider, payload) = wire::decode_any(body)?;
//! assert_eq!(provider, Profile::XeroGl);
//! let Payload::Contacts { records, .. } = payload else { unreachable!() };
//! assert_eq!(records[0].label(), "Acme Ltd");
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod audit;
pub mod billing;
pub mod bulk_io;
#[cfg(feature = "driver")]
#[cfg_attr(docsrs, doc(cfg(feature = "driver")))]
pub mod driver;
mod error;
pub mod glossary;
pub mod guide;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
pub mod matching;
pub mod model;
pub mod normalize;
pub mod ops;
pub mod ports;
pub mod qbtime;
pub mod rules;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "sqlite", feature = "postgres"))))]
pub mod stores;
pub mod sync;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod wire;

pub use audit::{AuditReport, Finding, audit, audit_against};
pub use error::{Error, Result, Side};
pub use matching::{
    BatchViews, Candidate, ExistingLinks, MatchClass, MatchIndex, MatchIndexBuilder, MatchOutcome,
    MatchRecord, MatchResult, MatchSummary, MatchView, MatchedOn, NearDuplicateConfig,
};
pub use model::{Contact, ContactId, ContactKind};
pub use rules::{Classifier, KindDecision, Profile};

/// The README's code samples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
