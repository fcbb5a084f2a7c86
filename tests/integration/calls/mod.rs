//! The call codecs (issue 14, items 4 and 5) through the public API: per
//! provider, every request builder against the documented request, every
//! reader against real-shaped answers, the error statuses and hostile
//! bytes, and each change feed against a fake ledger.

mod adapter;
mod qbo;
mod qbtime;
mod qbtime_feed;
mod xero;
mod xpm;
mod xpm_feed;
