//! Every integration test of ledgerlink, in one test binary (one link of
//! the crate instead of one per file), through the public API only.
//!
//! A module per domain; `support` holds what they share: fixed times and
//! dates, money, fixture files, and scenario builders (contacts, the
//! in-memory two-sided `World`, a billing run). Run one domain with a
//! filter: `cargo test --all-features --test integration billing::`.
//!
//! The binary needs the features named in Cargo.toml (`required-features`);
//! `cargo test --all-features` builds it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod audit;
mod billing;
mod billing_properties;
mod billing_stores;
mod bulk;
mod calls;
mod conformance;
mod driver;
mod fakes;
#[cfg(feature = "http")]
mod http;
mod invoices;
mod matching;
mod money;
mod plans;
mod properties;
mod qbtime;
mod state_stores;
mod steady_properties;
mod sync;
mod sync_properties;
mod wire;
