//! # ledgerlink
//!
//! A sans-IO engine that keeps a practice-management system's contacts in
//! step with accounting ledgers — Xero (general ledger), Xero Practice
//! Manager (XPM) and QuickBooks Online (QBO) — without duplicates, silent
//! skips or unexplained overwrites.
//!
//! The core never touches the network, files, the clock or randomness:
//! records go in, decisions with their reasons come out.
//!
//! - [`normalize`]: how names and emails compare (N1–N4).
//! - [`matching`]: full / partial / ambiguous / no match / unmatchable /
//!   possible duplicate, per provider (M1–M12).
//! - [`rules`]: provider profiles and person vs organisation (T1–T4).
//! - [`audit`](mod@audit): data-hygiene report and first-sync prediction (H1–H5).
//! - [`model`]: the contact model shared by both sides.
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

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod audit;
#[cfg(feature = "driver")]
#[cfg_attr(docsrs, doc(cfg(feature = "driver")))]
pub mod driver;
mod error;
pub mod matching;
pub mod model;
pub mod normalize;
pub mod ports;
pub mod rules;
pub mod sync;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

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
