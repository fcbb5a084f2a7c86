//! The conformance kit (`ledgerlink::testing::conformance`) against the
//! in-memory stores of `testing` — every check passes — and against
//! wrappers with a deliberate defect, which the kit must report.

mod defects;
#[cfg(feature = "http")]
mod http;
mod memory;
