//! The call codecs (issue 14, items 4 and 5) through the public API: each
//! provider's requests against its documented calls, its readers against
//! real-shaped answers, and its change feed against a fake ledger.

mod xero;
