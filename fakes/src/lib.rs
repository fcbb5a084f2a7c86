//! Fake ledger servers for ledgerlink's tests and examples: Xero
//! Accounting ([`XeroFake`]), Xero Practice Manager ([`XpmFake`]),
//! QuickBooks Online ([`QboFake`]) and QuickBooks Time ([`QbTimeFake`]),
//! each a real HTTP/1.1 server on `127.0.0.1` (a free port) that answers
//! in the ledger's own shapes.
//!
//! The fakes do **not** depend on ledgerlink: every answer is built from
//! the fake's own records with `serde_json` (or, for XPM, written XML), and
//! every request is read without ledgerlink's codecs, so that a codec bug
//! cannot hide behind a fake that shares it.
//!
//! # Common behaviour ([`Controls`], which every fake dereferences to)
//! - **Clock**: each fake has its own clock, starting at [`START_MS`]
//!   (2026-12-06T10:00:00Z) and moved only by the test
//!   ([`Controls::advance`], [`Controls::set_now_ms`]): record times, the
//!   `Date` header, server times in bodies, token expiry and rate-limit
//!   windows all read it. No test needs to sleep.
//! - **Tokens**: API calls need `Authorization: Bearer <token>`;
//!   [`Controls::access_token`] is valid from the start. The OAuth 2.0
//!   token endpoint ([`Controls::token_url`]; `/connect/token` and
//!   `/oauth2/v1/tokens/bearer` are both served) takes the refresh-token
//!   grant with the client credentials of [`Controls::client_credentials`]
//!   (HTTP Basic or form fields), answers a new access token **and a new
//!   refresh token** (rotation), and refuses a used or revoked refresh
//!   token with `invalid_grant`. Issued access tokens expire by the
//!   fake's clock; [`Controls::expire_access_tokens`] expires them all.
//!   A missing, unknown or expired token is answered 401 in the ledger's
//!   own shape.
//! - **Rate limits**: [`Controls::set_rate_limit_per_minute`] and
//!   [`Controls::add_rate_limit`] (rolling windows of the fake's clock:
//!   a minute, a day, five minutes) and [`Controls::throttle_next`] answer 429 with
//!   `Retry-After`, in the ledger's shape.
//! - **Faults**: [`Controls::fail_next`] answers the next calls with a
//!   status of the test's choosing without carrying them out;
//!   [`Controls::lose_next_answers`] carries them out and closes the
//!   connection unanswered (a write whose answer is lost).
//! - **Log**: [`Controls::requests`] lists every request (method, path,
//!   query, headers, body, status answered), bearer tokens and refresh
//!   tokens redacted.
//! - **Webhooks**: [`XeroFake::webhook`] and [`QboFake::webhook`] build
//!   signed deliveries ([`WebhookDelivery`]) that the test posts to its own
//!   receiver.
//!
//! Each fake runs on a thread of its own with a single-threaded tokio
//! runtime, so it can be started from synchronous tests and from inside
//! any runtime alike; dropping the fake stops it. The [`client`] module
//! is a small blocking HTTP client for tests that have none.
//!
//! Records are inserted, edited, archived, deleted and merged directly
//! through each fake's methods, as if someone worked in the ledger's web
//! app meanwhile. Each module says what its fake honours and what it
//! does not. Not honoured anywhere: concurrent-call limits, daily budgets,
//! TLS, HTTP/2.
//!
//! # Example
//! ```
//! # fn main() -> Result<(), ledgerlink_fakes::FakeError> {
//! let xero = ledgerlink_fakes::XeroFake::start("tenant-1")?;
//! let id = xero.insert_contact(serde_json::json!({"Name": "Acme Ltd"}));
//! assert_eq!(xero.contact(&id).unwrap()["Name"], "Acme Ltd");
//! assert!(xero.api_base().starts_with("http://127.0.0.1:"));
//! xero.advance(std::time::Duration::from_secs(60));
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
mod json;
pub mod qbo;
pub mod qbtime;
mod server;
mod time;
mod webhook;
pub mod xero;
mod xml;
pub mod xpm;

#[cfg(test)]
mod tests;

pub use qbo::QboFake;
pub use qbtime::QbTimeFake;
pub use server::{Controls, FakeError, LoggedRequest, START_MS};
pub use webhook::{WebhookDelivery, sign};
pub use xero::XeroFake;
pub use xpm::XpmFake;
