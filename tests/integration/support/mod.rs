//! What the integration tests share, so that no test file sets up time,
//! money, fixtures or a scenario of its own:
//!
//! - [`time`]: the scenario's fixed instant `t0()` and dates (`day`, `date`,
//!   `at`); no test reads a clock.
//! - [`money`]: amounts (`usd`, `nzd`, `money`, `cents`), decimals and tax
//!   rates.
//! - [`fixtures`]: payload files under `tests/fixtures` and the shared
//!   real payloads (`LEDGERLINK_WIRE_FIXTURES`, else `../shared/wire/fixtures`).
//! - [`contacts`]: contact builders, batch matching, linked contact states.
//! - [`world`]: an in-memory two-sided world that carries out sync plans.
//! - [`qbtime`]: a QuickBooks Time scenario (clients and work missing in
//!   QBT).
//! - [`billing`]: the billing scenario (QBO customers 58 and 59 linked to
//!   the firm's K1 and K2, invoices, payments) and `BillingRun`, a billing
//!   plan's whole input in one value.
#![allow(dead_code, unreachable_pub)]

pub mod billing;
pub mod contacts;
pub mod fixtures;
pub mod money;
pub mod qbtime;
pub mod time;
pub mod world;
