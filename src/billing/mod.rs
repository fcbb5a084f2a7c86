//! Billing: the error queue today; invoice and payment rules (I1–I8,
//! Y1–Y5) build on [`model`](crate::model)'s money, invoices and payments.

mod queue;

pub use queue::{ErrorQueue, Failure, FailureCode, RecordKind, RecordRef, RetryTooSoon};
