//! The wire codecs: one module per provider, the shared real payloads
//! (conformance, fixtures), robustness and the review's regressions.

mod conformance;
mod fixtures;
mod properties;
mod qbo;
mod qbtime;
mod review;
mod traffic;
mod xero;
mod xero_listing;
mod xpm;
