//! The call codecs: per provider, every request builder against the
//! documented request and every reader against real-shaped answers, the
//! error statuses and hostile bytes, and the change feeds against a fake
//! ledger.

mod qbo;
