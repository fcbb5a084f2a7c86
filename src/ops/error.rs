//! Failures reported by the adapters: what a store or a ledger answered
//! when an operation or a listing did not go through.
//!
//! This type lives in the core (not in [`ports`](crate::ports), which
//! re-exports it) because the planners read it: a result fed back through
//! `apply_results` carries it, and the core decides from it whether to wait,
//! re-read or disconnect.

use crate::model::ContactId;

/// A failed adapter call, as the caller's adapter reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "error"))]
#[non_exhaustive]
pub enum AdapterError {
    /// Too many calls (HTTP 429; QBO 003001): try again after the delay
    /// (U4).
    #[error("rate limited: retry after {retry_after_secs} s")]
    RateLimited {
        /// Seconds to wait, from `Retry-After` or the provider's documented
        /// window.
        retry_after_secs: u64,
    },
    /// The record does not exist (any more).
    #[error("record `{id}` not found")]
    NotFound {
        /// The missing record's id: the operation's target, another record
        /// the request referred to, or empty when the answer names none.
        /// A pair is marked removed only when it is the target's or empty.
        id: ContactId,
    },
    /// The record changed since it was read (QBO 5010, a newer Xero
    /// `UpdatedDateUTC`): re-read and re-plan (U5).
    #[error("record `{id}` changed since it was read (stale version)")]
    StaleVersion {
        /// The record's id.
        id: ContactId,
    },
    /// The credentials were refused or revoked — the token endpoint
    /// refused the refresh token (`invalid_grant`), the firm disconnected
    /// the app (HTTP 403), or the access token is refused again right after
    /// a refresh: the connection is marked disconnected until reconnected
    /// (E3).
    #[error("authentication failed: {message}")]
    Authentication {
        /// The provider's message.
        message: String,
    },
    /// The ledger refused the access token (HTTP 401: it expires every 30
    /// minutes at Xero, every hour at QBO, or is otherwise no longer
    /// valid). This is not a disconnection: refresh the access token with
    /// the refresh token and retry the call once. An adapter that cannot
    /// refresh reports this; the run stops sending and is run again after
    /// the refresh (nothing is queued, the connection stays connected).
    #[error("the access token was refused (refresh it and retry): {message}")]
    AccessTokenExpired {
        /// The provider's message (never the token).
        message: String,
    },
    /// The name is taken (QBO 6240 "Duplicate Name Exists", Xero "The
    /// contact name … is already assigned to another contact").
    #[error("the name `{name}` is already in use")]
    DuplicateName {
        /// The refused name.
        name: String,
    },
    /// The provider refused the data.
    #[error("rejected by the provider{}: {message}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Validation {
        /// The provider's error code, when it has one.
        code: Option<String>,
        /// The provider's message, verbatim.
        message: String,
    },
    /// A failure worth retrying (timeout, 5xx, connection reset). The call
    /// may or may not have taken effect.
    #[error("transient failure: {message}")]
    Transient {
        /// What happened.
        message: String,
    },
    /// The store does not offer this call (e.g. no change feed).
    #[error("not supported by this store: {what}")]
    Unsupported {
        /// The missing capability.
        what: String,
    },
    /// A paged listing did not end: the store kept answering a next page
    /// past the page limit, or answered a page token twice (a cursor that
    /// does not advance). Following it would never end; the store, or the
    /// service behind it, needs fixing.
    #[error("the listing did not end: {stopped}")]
    Paging {
        /// How the listing was stopped.
        stopped: super::PagingError,
    },
}

impl AdapterError {
    /// A short stable code for logs and audit trails.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::RateLimited { .. } => "rate_limited",
            Self::NotFound { .. } => "not_found",
            Self::StaleVersion { .. } => "stale_version",
            Self::Authentication { .. } => "authentication_failed",
            Self::AccessTokenExpired { .. } => "access_token_expired",
            Self::DuplicateName { .. } => "duplicate_name",
            Self::Validation { .. } => "validation",
            Self::Transient { .. } => "transient",
            Self::Unsupported { .. } => "unsupported",
            Self::Paging { .. } => "paging",
        }
    }

    /// Whether the call may have taken effect although it failed (a
    /// timeout): a create in this state stays "in flight" and is re-sent
    /// with the same idempotency key (U1).
    #[must_use]
    pub const fn may_have_applied(&self) -> bool {
        matches!(self, Self::Transient { .. })
    }
}
