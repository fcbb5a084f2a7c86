//! Reference HTTP adapters (feature `http`): the [`ports`](crate::ports)
//! traits for Xero, XPM, QuickBooks Online and QuickBooks Time over
//! [reqwest](https://docs.rs/reqwest) with rustls.
//!
//! Each adapter is a thin loop around its ledger's call codec (the `Calls`
//! of [`wire::xero`](crate::wire::xero), [`wire::xpm`](crate::wire::xpm),
//! [`wire::qbo`](crate::wire::qbo), [`wire::qbtime`](crate::wire::qbtime)),
//! as the [guide](crate::guide) describes: the codec builds every request
//! and reads every answer, the adapter knows no path, header or error
//! body. What the adapters add is I/O, in one shared core, the
//! [`Connection`]:
//!
//! | what | where |
//! |---|---|
//! | `Authorization: Bearer`, asked of a [`TokenSource`] on every call; `User-Agent` | [`Connection::call`] |
//! | a refused token ([`AccessTokenExpired`](crate::ports::AdapterError::AccessTokenExpired)) refreshed once and the call sent again; a second refusal or a refused refresh is [`Authentication`](crate::ports::AdapterError::Authentication) | [`Connection::call`], [`TokenSource::refresh`] |
//! | OAuth 2.0 refresh with rotation at Xero's and Intuit's token endpoints, a minute before the stated expiry ([`REFRESH_AHEAD`]) or on a 401 | [`OAuthRefresh`], [`RefreshTokenStore`] |
//! | pacing by the ledger's limits ([`rules::pacing`](crate::rules::pacing)): calls per window, a daily budget, `Retry-After`; calls in flight at once | [`Pacer`](crate::ops::Pacer) (sans-IO) waited on through a [`Clock`]; a semaphore |
//! | transient failures of reads (and of creates that carry their idempotency key) retried with a jittered backoff, a bounded number of times; other writes never sent twice | [`Connection::call`], [`Backoff`](crate::ops::Backoff) |
//! | key → record for ledgers without idempotency keys (XPM, QuickBooks Time) | [`KeyMemory`], [`InMemoryKeys`] |
//! | many records in one call | [`XeroAdapter::create_contacts`], [`QboAdapter::create_customers`], [`QbTimeAdapter::create_jobcodes`], [`XpmAdapter::link_contacts`] |
//!
//! Pacing is per [`Connection`]: make one per tenant (or company) in a
//! process and share it among that ledger's adapters. Across processes the
//! [`StateStore`](crate::ports::StateStore) lease lets one worker send for
//! a connection at a time, so the per-minute and concurrency limits hold;
//! the daily budget (Xero's 5,000 calls) is counted by each process from
//! its start, so a service that restarts often or spreads one tenant's
//! calls over several processes has to count the day's calls itself.
//!
//! Secrets never show: tokens, client secrets and the token requests are
//! [`Secret`]s, whose `Debug` prints `Secret(…)`, and the types that hold
//! them print none of them.
//!
//! # Connecting a Xero organisation
//!
//! ```no_run
//! # async fn run() -> Result<(), ledgerlink::ports::AdapterError> {
//! use std::sync::Arc;
//! use ledgerlink::Profile;
//! use ledgerlink::http::{Config, Connection, LatestRefreshToken, OAuthRefresh, XeroAdapter};
//! use ledgerlink::ports::ContactStore;
//! use ledgerlink::wire::oauth::{ClientCredentials, Secret};
//! use ledgerlink::wire::xero;
//!
//! // The refresh token stored when the firm connected; each rotation is
//! // handed to the store (your database in production).
//! let store = Arc::new(LatestRefreshToken::new());
//! let tokens = OAuthRefresh::xero(
//!     ClientCredentials::new("CLIENT_ID", "CLIENT_SECRET"),
//!     Secret::new("stored refresh token".into()),
//!     store.clone(),
//! )?;
//! let config = Config::for_profile(Profile::XeroGl).with_user_agent("acme-practice/1.0");
//! let connection = Arc::new(Connection::new(config, Arc::new(tokens))?);
//! let xero = XeroAdapter::new(connection, xero::Calls::new("tenant id"));
//! let first = xero.list(None).await?;
//! # let _ = first;
//! # Ok(())
//! # }
//! ```
//!
//! Hand the adapter to the driver (feature `driver`) as the remote side,
//! or call it with a plan's operations yourself. One [`Connection`] per
//! tenant or company, shared (an [`Arc`](std::sync::Arc)) by its adapters,
//! paces their calls together, as the ledger counts them.
//!
//! # Batches
//!
//! The driver sends one operation at a time. To send creates in batches,
//! take the plan's create operations whose dependencies are met (none
//! waits for a record another create makes — a contact under a client
//! created in the same plan waits for the next batch), pass each with its
//! idempotency key to the batch method, and feed each result back as that
//! operation's outcome, as the driver would (`apply_results`). The results
//! come in the items' order; an item's own refusal (a duplicate name)
//! fails that item only. Each batch carries one idempotency key made of
//! its items' keys, so send a batch again only as it was (same items,
//! same order).
//!
//! # Tests and time
//!
//! The connection waits through a [`Clock`]: [`TokioClock`] in
//! production, [`ManualClock`] in tests (a wait moves it on at once and is
//! recorded), so no test sleeps. Base URLs are the production ones by
//! default (`with_base_url` points an adapter at a test server,
//! [`QboAdapter::sandbox`] at Intuit's sandbox), and so are the token
//! endpoints ([`OAuthRefresh::new`] takes any URL).

mod clock;
mod core;
mod exchange;
mod keys;
mod qbo;
mod qbtime;
mod tokens;
mod xero;
mod xpm;

pub use self::clock::{Clock, ManualClock, TokioClock};
pub use self::core::{Config, Connection};
pub use exchange::Answer;
pub use keys::{InMemoryKeys, KeyMemory};
pub use qbo::QboAdapter;
pub use qbtime::QbTimeAdapter;
pub use tokens::{
    LatestRefreshToken, OAuthRefresh, REFRESH_AHEAD, RefreshTokenStore, StaticToken, TokenSource,
};
pub use xero::XeroAdapter;
pub use xpm::XpmAdapter;

pub use crate::wire::oauth::{ClientCredentials, Secret};

/// The error each item of a batch gets when the call failed as a whole: a
/// lost answer (the call may have taken effect) says how to learn what it
/// made; any other failure is passed on as it is.
fn batch_failure(e: crate::ops::AdapterError, ledger: &str) -> crate::ops::AdapterError {
    match e {
        crate::ops::AdapterError::Transient { message } => crate::ops::AdapterError::Transient {
            message: format!(
                "{message}; the {ledger} batch may have been carried out: send the same items \
                 again in the same order (same key) to learn what it made"
            ),
        },
        other => other,
    }
}
