//! The HTTP core every adapter shares: one [`Connection`] per ledger
//! connection (a Xero tenant, a QBO company, a QuickBooks Time token) that
//! sends a codec's [`Request`] and hands back the answer, pacing the calls,
//! adding the bearer token and the user agent, refreshing the token once
//! when it is refused, and retrying what may be retried.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::ops::{AdapterError, Backoff, Pacer};
use crate::rules::Profile;
use crate::rules::pacing::RateLimits;
use crate::wire::oauth::Secret;
use crate::wire::{Method, Request, Response};

use super::clock::{Clock, TokioClock};
use super::exchange::{Answer, send};
use super::tokens::TokenSource;

/// The most times one call waits for the pacer before giving up (each wait
/// ends when a place is free: more are needed only when other calls of the
/// connection take the places first).
const MAX_PACING_WAITS: usize = 1_000;
/// The most `429` answers one call waits out before answering
/// [`AdapterError::RateLimited`] itself.
const MAX_RATE_LIMIT_WAITS: u32 = 3;

/// How a [`Connection`] behaves: limits, retries, user agent, timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The `User-Agent` sent with every call (Xero asks for the app's
    /// name; Intuit logs it).
    pub user_agent: String,
    /// The connection's rate limits (from [`rules::pacing`](crate::rules::pacing)).
    pub limits: RateLimits,
    /// How many times a failed read (or a create carrying its idempotency
    /// key) is sent again after a transient failure, within one call.
    pub max_retries: u32,
    /// The waits between those retries.
    pub backoff: Backoff,
    /// The longest `Retry-After` a call waits out itself; a longer one is
    /// answered as [`AdapterError::RateLimited`] (the driver records
    /// "retry at T" and ends the run).
    pub max_rate_limit_wait: Duration,
    /// The timeout of one HTTP exchange.
    pub timeout: Duration,
}

impl Config {
    /// The defaults with `profile`'s rate limits.
    #[must_use]
    pub fn for_profile(profile: Profile) -> Self {
        Self::new(RateLimits::for_profile(profile))
    }

    /// `limits`, 3 retries with the default [`Backoff`], waits of up to
    /// 60 s for a `Retry-After`, a 60 s timeout, and
    /// `ledgerlink/<version>` as the user agent.
    #[must_use]
    pub fn new(limits: RateLimits) -> Self {
        Self {
            user_agent: concat!("ledgerlink/", env!("CARGO_PKG_VERSION")).to_owned(),
            limits,
            max_retries: 3,
            backoff: Backoff::default(),
            max_rate_limit_wait: Duration::from_secs(60),
            timeout: Duration::from_secs(60),
        }
    }

    /// With this `User-Agent`.
    #[must_use]
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// With at most `n` retries of a transient failure.
    #[must_use]
    pub const fn with_max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// With these waits between retries.
    #[must_use]
    pub const fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Waits out a `Retry-After` of up to `wait` itself.
    #[must_use]
    pub const fn with_max_rate_limit_wait(mut self, wait: Duration) -> Self {
        self.max_rate_limit_wait = wait;
        self
    }

    /// With this timeout per exchange.
    #[must_use]
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// One ledger connection's HTTP core (see the [module docs](super)): the
/// reqwest client, the token source, the pacer and the concurrency limit.
/// Share it (in an [`Arc`]) between the adapters of one tenant or company
/// — a Xero organisation's contacts, invoices and payments, and its XPM
/// practice — so that their calls are paced together, as the ledger
/// counts them.
pub struct Connection {
    client: reqwest::Client,
    config: Config,
    tokens: Arc<dyn TokenSource>,
    clock: Arc<dyn Clock>,
    pacer: Mutex<Pacer>,
    slots: Option<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("config", &self.config)
            .field("tokens", &"…")
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A connection with `config`, asking `tokens` for its access tokens,
    /// on the real clock ([`TokioClock`]).
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when the HTTP client cannot be built
    /// (no TLS roots).
    pub fn new(config: Config, tokens: Arc<dyn TokenSource>) -> Result<Self, AdapterError> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| AdapterError::Validation {
                code: None,
                message: format!("the HTTP client cannot be built: {e}"),
            })?;
        let slots = config
            .limits
            .concurrent
            .map(|n| tokio::sync::Semaphore::new(usize::try_from(n.max(1)).unwrap_or(1)));
        Ok(Self {
            client,
            pacer: Mutex::new(Pacer::new(config.limits)),
            config,
            tokens,
            clock: Arc::new(TokioClock::new()),
            slots,
        })
    }

    /// On `clock` instead of the real one.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The configuration.
    #[must_use]
    pub const fn config(&self) -> &Config {
        &self.config
    }

    /// When the next call may go, by the pacer, on the connection's clock.
    #[must_use]
    pub fn next_call_in(&self) -> Duration {
        let now = self.clock.now();
        self.pacer().delay(now)
    }

    fn pacer(&self) -> std::sync::MutexGuard<'_, Pacer> {
        self.pacer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends `request` below `base` and reads the answer with `read` (a
    /// codec's reader), with everything a call needs:
    ///
    /// - waits for a place (the concurrency limit) and for the pacer;
    /// - adds `Authorization: Bearer` (from the [`TokenSource`]) and
    ///   `User-Agent`;
    /// - when `read` says [`AdapterError::AccessTokenExpired`], asks the
    ///   token source for a refreshed token once and sends the same
    ///   request again; a second refusal, or a refresh refused, is
    ///   [`AdapterError::Authentication`];
    /// - when `read` says [`AdapterError::RateLimited`], holds the
    ///   connection's calls back for the `Retry-After` and sends again,
    ///   up to 3 times and for waits up to
    ///   [`Config::max_rate_limit_wait`]; longer is answered (a 429 is a
    ///   refusal before anything is done, so any request may be sent
    ///   again);
    /// - when the exchange fails or `read` says
    ///   [`AdapterError::Transient`], sends again after a jittered
    ///   backoff, up to [`Config::max_retries`] times — **only** a `GET`
    ///   or a request carrying its idempotency key (Xero's
    ///   `Idempotency-Key`, QBO's `requestid`), which the ledger answers
    ///   without doing it twice. Any other write (an update, an XPM or
    ///   QuickBooks Time create) is never sent again blindly: its
    ///   transient failure is answered, and the planner keeps it in
    ///   flight.
    ///
    /// `read` may be called once per answer; a reader that keeps state (a
    /// sans-IO sequence) leaves it unchanged on error, as the codecs'
    /// sequences do.
    ///
    /// # Errors
    /// What `read` answered last, or the failures above.
    pub async fn call<R, F>(
        &self,
        base: &str,
        request: &Request,
        mut read: F,
    ) -> Result<R, AdapterError>
    where
        F: FnMut(&Response<'_>) -> Result<R, AdapterError> + Send,
    {
        let retry_safe = request.method == Method::Get || request.idempotency_key.is_some();
        let url = request.url(base);
        let mut token = self.tokens.access_token().await?;
        let mut refreshed = false;
        let mut retries = 0u32;
        let mut rate_waits = 0u32;
        let attempts = self
            .config
            .max_retries
            .saturating_add(MAX_RATE_LIMIT_WAITS)
            .saturating_add(2);
        let mut last = AdapterError::Transient {
            message: "no attempt was made".into(),
        };
        for _ in 0..attempts {
            let outcome = match self.exchange(&url, request, &token).await {
                Ok(Answer {
                    status,
                    headers,
                    body,
                }) => read(&Response {
                    status,
                    headers,
                    body: &body,
                }),
                Err(e) => Err(e),
            };
            match outcome {
                Err(AdapterError::AccessTokenExpired { message }) => {
                    if refreshed {
                        return Err(AdapterError::Authentication { message });
                    }
                    refreshed = true;
                    token = match self.tokens.refresh(&token).await {
                        Ok(t) => t,
                        Err(AdapterError::AccessTokenExpired { message }) => {
                            return Err(AdapterError::Authentication { message });
                        }
                        Err(e) => return Err(e),
                    };
                }
                Err(AdapterError::RateLimited { retry_after_secs }) => {
                    self.pacer().retry_after(self.clock.now(), retry_after_secs);
                    let wait = Duration::from_secs(retry_after_secs);
                    if rate_waits >= MAX_RATE_LIMIT_WAITS || wait > self.config.max_rate_limit_wait
                    {
                        return Err(AdapterError::RateLimited { retry_after_secs });
                    }
                    rate_waits += 1;
                    last = AdapterError::RateLimited { retry_after_secs };
                }
                Err(e @ AdapterError::Transient { .. }) => {
                    if !retry_safe || retries >= self.config.max_retries {
                        return Err(e);
                    }
                    let salt = format!("{} {url}", request.method);
                    self.clock
                        .sleep(self.config.backoff.delay(retries, &salt))
                        .await;
                    retries += 1;
                    last = e;
                }
                answer => return answer,
            }
        }
        Err(last)
    }

    /// One exchange: a place, the pacer, the request, the whole answer.
    /// Transport failures are [`AdapterError::Transient`]; a request the
    /// client cannot build (a header value that is not one) is
    /// [`AdapterError::Validation`].
    async fn exchange(
        &self,
        url: &str,
        request: &Request,
        token: &Secret,
    ) -> Result<Answer, AdapterError> {
        let _permit = match &self.slots {
            Some(s) => Some(s.acquire().await.map_err(|_| AdapterError::Transient {
                message: "the connection is shutting down".into(),
            })?),
            None => None,
        };
        self.pace().await?;
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
        };
        let mut builder = self.client.request(method, url);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder = builder
            .header(reqwest::header::USER_AGENT, self.config.user_agent.as_str())
            .header(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {}", token.expose()),
            );
        if !request.body.is_empty() {
            builder = builder.body(request.body.clone());
        }
        send(builder).await
    }

    /// Waits until the pacer gives this call a place.
    async fn pace(&self) -> Result<(), AdapterError> {
        for _ in 0..MAX_PACING_WAITS {
            let now = self.clock.now();
            let wait = match self.pacer().try_acquire(now) {
                Ok(()) => return Ok(()),
                Err(at) => at.saturating_sub(now),
            };
            self.clock.sleep(wait).await;
        }
        Err(AdapterError::Transient {
            message: "the pacer gave no place to this call".into(),
        })
    }
}
