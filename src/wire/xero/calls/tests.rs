//! Unit tests of the Xero call codec.
