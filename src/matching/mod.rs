//! Classifying ledger records against local contacts (M1–M12).
//!
//! Build a [`MatchIndex`] once from the local contacts under a provider
//! [`Profile`](crate::Profile), then classify one remote record
//! ([`MatchIndex::classify`]) or a whole listing
//! ([`MatchIndex::classify_batch`]). Each [`MatchResult`] says what the
//! first sync would do — link (full), open a match issue (partial,
//! ambiguous, possible duplicate), create (none) or report (unmatchable) —
//! with the rule and the fields behind it.
//!
//! | profile | name compared | email compared |
//! |---|---|---|
//! | Xero GL (M4) | `Name` vs contact name | primary `EmailAddress` vs billing email |
//! | XPM (M7) | client `Name` vs contact name | `Email` vs billing email |
//! | QBO organisations (M5) | `CompanyName` (= `DisplayName`) vs organisation name | primary email |
//! | QBO people (M6) | `GivenName` + `FamilyName` vs first + last | primary email |

pub mod bulk;
pub(crate) mod hash;
mod index;
mod keys;
mod near;
mod outcome;
pub(crate) mod par;
mod record;

pub use index::{
    BatchBuilder, BatchViews, ExistingLinks, LocalIds, MAX_LISTED_CANDIDATES, MatchIndex,
    MatchIndexBuilder, MatchView,
};
pub use near::{NEAR_DUPLICATE_COMPARED_CHARS, NearDuplicateConfig};
pub use outcome::{
    AmbiguityCause, Candidate, MatchClass, MatchOutcome, MatchResult, MatchSummary, MatchedOn,
    SimilarContact,
};
pub use record::MatchRecord;
