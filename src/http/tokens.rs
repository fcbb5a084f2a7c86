//! Access tokens: what the adapters ask for on every call, and a ready
//! OAuth 2.0 refresh-token source for Xero's and Intuit's token
//! endpoints, with rotation.

use std::sync::Mutex as StdMutex;
use std::sync::PoisonError;

use async_trait::async_trait;

use crate::ops::AdapterError;
use crate::rules::Profile;
use crate::wire::oauth::{
    ClientCredentials, INTUIT_TOKEN_URL, Secret, XERO_TOKEN_URL, decode_token_error,
    decode_token_response, refresh_request,
};

use super::exchange::send;

/// Where an adapter gets its access tokens. Asked once per call; asked to
/// refresh when the ledger refused a token.
#[async_trait]
pub trait TokenSource: Send + Sync {
    /// The access token to send now.
    ///
    /// # Errors
    /// [`AdapterError::Authentication`] when there is none and none can be
    /// had (the connection is gone); [`AdapterError::Transient`] when the
    /// token store or endpoint failed.
    async fn access_token(&self) -> Result<Secret, AdapterError>;

    /// A new access token in place of `rejected`, which the ledger
    /// refused. When another call refreshed it already (the current token
    /// is not `rejected`), answer the current one without asking the
    /// endpoint again: the refresh token rotates, and a second refresh
    /// with the old one would be refused.
    ///
    /// # Errors
    /// [`AdapterError::Authentication`] when the refresh is refused (the
    /// firm revoked the app, the refresh token expired: E3);
    /// [`AdapterError::Transient`] / [`AdapterError::RateLimited`] when the
    /// endpoint could not answer.
    async fn refresh(&self, rejected: &Secret) -> Result<Secret, AdapterError>;
}

/// A fixed access token that cannot be refreshed (a test, a short script
/// with a token pasted in): a refusal ends as
/// [`AdapterError::Authentication`].
#[derive(Debug, Clone)]
pub struct StaticToken(Secret);

impl StaticToken {
    /// The token `token`.
    #[must_use]
    pub const fn new(token: Secret) -> Self {
        Self(token)
    }
}

#[async_trait]
impl TokenSource for StaticToken {
    async fn access_token(&self) -> Result<Secret, AdapterError> {
        Ok(self.0.clone())
    }
    async fn refresh(&self, _rejected: &Secret) -> Result<Secret, AdapterError> {
        Err(AdapterError::Authentication {
            message: "the access token was refused and this token source cannot refresh it".into(),
        })
    }
}

/// Where a rotated refresh token goes: Xero and Intuit hand out a new
/// refresh token with every refresh and the old one stops working (Xero
/// after a grace period of 30 minutes), so the new one must be stored
/// before the old one is forgotten — in production, the connection's row
/// in the service's database (encrypted at rest).
#[async_trait]
pub trait RefreshTokenStore: Send + Sync {
    /// Keeps `refresh_token`, the connection's refresh token from now on.
    ///
    /// # Errors
    /// Any [`AdapterError`] (the refresh is then reported as failed, while
    /// the new tokens stay in use in memory).
    async fn store(&self, refresh_token: &Secret) -> Result<(), AdapterError>;
}

/// A [`RefreshTokenStore`] that keeps the latest refresh token in memory
/// (tests and examples; a service stores it in its database).
#[derive(Debug, Default)]
pub struct LatestRefreshToken {
    latest: StdMutex<Option<Secret>>,
    rotations: StdMutex<usize>,
}

impl LatestRefreshToken {
    /// Nothing stored yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The last token stored.
    #[must_use]
    pub fn latest(&self) -> Option<Secret> {
        self.latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many tokens were stored.
    #[must_use]
    pub fn rotations(&self) -> usize {
        *self
            .rotations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl RefreshTokenStore for LatestRefreshToken {
    async fn store(&self, refresh_token: &Secret) -> Result<(), AdapterError> {
        *self.latest.lock().unwrap_or_else(PoisonError::into_inner) = Some(refresh_token.clone());
        let mut n = self
            .rotations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *n = n.saturating_add(1);
        Ok(())
    }
}

/// The tokens in hand, and when the access token expires (clock time;
/// `None` when the token endpoint did not say, or the token was given).
struct Tokens {
    access: Option<Secret>,
    refresh: Secret,
    expires: Option<std::time::Duration>,
}

/// How long before its stated expiry an access token is refreshed, so
/// that a call does not meet a 401 first (Xero's tokens last 30 minutes,
/// Intuit's an hour).
pub const REFRESH_AHEAD: std::time::Duration = std::time::Duration::from_secs(60);

/// An OAuth 2.0 refresh-token [`TokenSource`] for Xero
/// ([`xero`](Self::xero), also for XPM) and Intuit
/// ([`intuit`](Self::intuit), QBO and QuickBooks Time): the refresh grant
/// of [`wire::oauth::refresh_request`](crate::wire::oauth::refresh_request)
/// posted to the token endpoint, its answer read by
/// [`wire::oauth`](crate::wire::oauth), the rotated refresh token handed
/// to the [`RefreshTokenStore`] before the new access token is used.
/// Refreshes are one at a time: calls refused together share one refresh.
///
/// Without an access token at hand ([`with_access_token`](Self::with_access_token)),
/// the first call refreshes first. An access token whose lifetime the
/// endpoint stated (`expires_in`) is refreshed [`REFRESH_AHEAD`] before it
/// ends, by the source's clock ([`with_clock`](Self::with_clock)); when
/// that early refresh fails for any reason but refused credentials, the
/// token still in hand is used.
pub struct OAuthRefresh {
    client: reqwest::Client,
    token_url: String,
    credentials: ClientCredentials,
    user_agent: String,
    store: std::sync::Arc<dyn RefreshTokenStore>,
    clock: std::sync::Arc<dyn super::clock::Clock>,
    tokens: tokio::sync::Mutex<Tokens>,
}

impl std::fmt::Debug for OAuthRefresh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthRefresh")
            .field("token_url", &self.token_url)
            .field("credentials", &self.credentials)
            .field("tokens", &"…")
            .finish_non_exhaustive()
    }
}

impl OAuthRefresh {
    /// A source that refreshes `refresh_token` at `token_url` as client
    /// `credentials`, storing each rotated refresh token in `store`.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when the HTTP client cannot be built.
    pub fn new(
        token_url: impl Into<String>,
        credentials: ClientCredentials,
        refresh_token: Secret,
        store: std::sync::Arc<dyn RefreshTokenStore>,
    ) -> Result<Self, AdapterError> {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(|e| AdapterError::Validation {
                code: None,
                message: format!("the HTTP client cannot be built: {e}"),
            })?;
        Ok(Self {
            client,
            token_url: token_url.into(),
            credentials,
            user_agent: concat!("ledgerlink/", env!("CARGO_PKG_VERSION")).to_owned(),
            store,
            clock: std::sync::Arc::new(super::clock::TokioClock::new()),
            tokens: tokio::sync::Mutex::new(Tokens {
                access: None,
                refresh: refresh_token,
                expires: None,
            }),
        })
    }

    /// At Xero's token endpoint ([`XERO_TOKEN_URL`]).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn xero(
        credentials: ClientCredentials,
        refresh_token: Secret,
        store: std::sync::Arc<dyn RefreshTokenStore>,
    ) -> Result<Self, AdapterError> {
        Self::new(XERO_TOKEN_URL, credentials, refresh_token, store)
    }

    /// At Intuit's token endpoint ([`INTUIT_TOKEN_URL`]).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn intuit(
        credentials: ClientCredentials,
        refresh_token: Secret,
        store: std::sync::Arc<dyn RefreshTokenStore>,
    ) -> Result<Self, AdapterError> {
        Self::new(INTUIT_TOKEN_URL, credentials, refresh_token, store)
    }

    /// Starts with `access_token` (one still valid, stored with the
    /// refresh token).
    #[must_use]
    pub fn with_access_token(self, access_token: Secret) -> Self {
        let Tokens { refresh, .. } = self.tokens.into_inner();
        Self {
            tokens: tokio::sync::Mutex::new(Tokens {
                access: Some(access_token),
                refresh,
                expires: None,
            }),
            ..self
        }
    }

    /// Times access tokens by `clock` (default: tokio's monotonic time) —
    /// give it the connection's clock in tests.
    #[must_use]
    pub fn with_clock(mut self, clock: std::sync::Arc<dyn super::clock::Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sends this `User-Agent` to the token endpoint.
    #[must_use]
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Posts the refresh grant and takes the new tokens.
    async fn refresh_now(&self, tokens: &mut Tokens) -> Result<Secret, AdapterError> {
        let grant = refresh_request(&self.credentials, &tokens.refresh);
        let builder = self
            .client
            .post(&self.token_url)
            .header(reqwest::header::AUTHORIZATION, grant.authorization.expose())
            .header(reqwest::header::CONTENT_TYPE, grant.content_type)
            .header(reqwest::header::ACCEPT, grant.accept)
            .header(reqwest::header::USER_AGENT, self.user_agent.as_str())
            .body(grant.body.expose().to_owned());
        let answer = send(builder).await?;
        let response = answer.response();
        if !response.is_success() {
            return Err(decode_token_error(
                answer.status,
                &answer.body,
                response.retry_after_secs(),
            ));
        }
        // Which provider reads the answer only names it in errors.
        let set = decode_token_response(Profile::XeroGl, &answer.body).map_err(|_| {
            AdapterError::Transient {
                message: "the token endpoint's answer holds no readable access token".into(),
            }
        })?;
        tokens.access = Some(set.access_token.clone());
        tokens.expires = set.expires_in_secs.map(|s| {
            self.clock
                .now()
                .saturating_add(std::time::Duration::from_secs(s))
        });
        if let Some(rotated) = set.refresh_token {
            tokens.refresh = rotated.clone();
            self.store.store(&rotated).await?;
        }
        Ok(set.access_token)
    }
}

#[async_trait]
impl TokenSource for OAuthRefresh {
    async fn access_token(&self) -> Result<Secret, AdapterError> {
        let mut tokens = self.tokens.lock().await;
        let Some(access) = tokens.access.clone() else {
            return self.refresh_now(&mut tokens).await;
        };
        let now = self.clock.now();
        match tokens.expires {
            Some(expires) if now.saturating_add(REFRESH_AHEAD) >= expires => {
                match self.refresh_now(&mut tokens).await {
                    Ok(fresh) => Ok(fresh),
                    // Still valid a little longer: use it; a 401 refreshes.
                    Err(e)
                        if !matches!(e, AdapterError::Authentication { .. }) && now < expires =>
                    {
                        Ok(access)
                    }
                    Err(e) => Err(e),
                }
            }
            _ => Ok(access),
        }
    }

    async fn refresh(&self, rejected: &Secret) -> Result<Secret, AdapterError> {
        let mut tokens = self.tokens.lock().await;
        if let Some(current) = &tokens.access
            && current != rejected
        {
            return Ok(current.clone());
        }
        self.refresh_now(&mut tokens).await
    }
}
