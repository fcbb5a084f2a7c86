//! What the four fakes share: the HTTP server on 127.0.0.1, the clock, the
//! access and refresh tokens with the OAuth 2.0 token endpoint, the rate
//! limits, and the request log — all driven through [`Controls`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use crate::time;

/// Largest request body read (bytes); a larger one is answered 413.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Where the fakes start their clock: 2026-12-06T10:00:00Z.
pub const START_MS: i64 = 1_796_551_200_000;

/// Why a fake could not start, or a webhook could not be delivered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FakeError {
    /// The listener or the server's runtime could not be set up.
    #[error("the fake server could not start: {0}")]
    Start(#[from] std::io::Error),
    /// A webhook delivery (or a [`client::send`](crate::client::send))
    /// failed before an answer came: bad URL, refused connection, broken
    /// HTTP.
    #[error("the HTTP call failed: {0}")]
    Webhook(String),
}

/// One request the fake received, as the test may inspect it. The
/// `Authorization` header's credentials are replaced by `[redacted]`
/// (only the scheme is kept), so that a log printed by a failing test
/// shows no token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `GET`, `PUT`, `POST`, ….
    pub method: String,
    /// The path, percent-decoded (`/api.xro/2.0/Contacts`).
    pub path: String,
    /// The query parameters in order, percent-decoded.
    pub query: Vec<(String, String)>,
    /// The headers in order, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8); secrets in token-endpoint bodies
    /// (`refresh_token`, `client_secret`) are redacted.
    pub body: String,
    /// The status the fake answered.
    pub status: u16,
}

impl LoggedRequest {
    /// The first value of query parameter `name`.
    #[must_use]
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of header `name` (any case).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A request as the ledgers' handlers see it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Req {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Req {
    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// An answer of a handler.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn json(status: u16, value: &serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: value.to_string().into_bytes(),
        }
    }

    pub(crate) fn xml(status: u16, text: String) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "text/xml; charset=utf-8".into())],
            body: text.into_bytes(),
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub(crate) fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// Why a call is refused with 429.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Throttle {
    /// The `Retry-After` to send.
    pub(crate) retry_after_secs: u64,
    /// The window whose budget is spent (seconds).
    pub(crate) window_secs: i64,
}

impl Throttle {
    /// Xero's `X-Rate-Limit-Problem` word for the window.
    pub(crate) fn problem(self) -> &'static str {
        if self.window_secs >= 86_400 {
            "day"
        } else {
            "minute"
        }
    }
}

/// What one ledger's fake answers; the server does the rest.
pub(crate) trait Ledger: Send + 'static {
    /// The 401 of an access token that is missing, unknown or expired.
    fn unauthorized(&self, now: i64) -> Answer;
    /// The 429 of a call over the rate limit.
    fn throttled(&self, now: i64, throttle: Throttle) -> Answer;
    /// Any other call.
    fn handle(&mut self, req: &Req, now: i64) -> Answer;
    /// Intuit's token answers (`x_refresh_token_expires_in`, lower-case
    /// `bearer`) rather than Xero's.
    fn intuit_tokens(&self) -> bool;
}

/// Locks, taking over a lock a panicking test thread left poisoned.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefreshState {
    Live,
    Used,
    Revoked,
}

/// The shared state behind [`Controls`].
#[derive(Debug)]
pub(crate) struct Common {
    pub(crate) now: i64,
    /// Access token → expiry (ms; `None`: never).
    access: HashMap<String, Option<i64>>,
    refresh: HashMap<String, RefreshState>,
    issued: u64,
    access_ttl_secs: i64,
    token_path: &'static str,
    client_id: String,
    client_secret: String,
    /// Rolling windows (ms) and their budgets.
    windows: Vec<(i64, u32)>,
    admitted: Vec<i64>,
    forced: u32,
    forced_retry_secs: u64,
    failing: u32,
    failing_status: u16,
    losing: u32,
    log: Vec<LoggedRequest>,
}

impl Common {
    fn new(prefix: &str, access_ttl_secs: i64, token_path: &'static str) -> Self {
        let mut access = HashMap::new();
        access.insert(format!("{prefix}-access-0"), None);
        let mut refresh = HashMap::new();
        refresh.insert(format!("{prefix}-refresh-0"), RefreshState::Live);
        Self {
            now: START_MS,
            access,
            refresh,
            issued: 0,
            access_ttl_secs,
            token_path,
            client_id: format!("{prefix}-client"),
            client_secret: format!("{prefix}-client-secret"),
            windows: Vec::new(),
            admitted: Vec::new(),
            forced: 0,
            forced_retry_secs: 1,
            failing: 0,
            failing_status: 503,
            losing: 0,
            log: Vec::new(),
        }
    }

    fn token_valid(&self, token: &str) -> bool {
        matches!(self.access.get(token), Some(None))
            || matches!(self.access.get(token), Some(Some(exp)) if *exp > self.now)
    }

    /// Admits a call under the rate limits, or says how long to wait.
    fn admit(&mut self) -> Result<(), Throttle> {
        if self.forced > 0 {
            self.forced -= 1;
            return Err(Throttle {
                retry_after_secs: self.forced_retry_secs,
                window_secs: 60,
            });
        }
        let now = self.now;
        let longest = self.windows.iter().map(|(w, _)| *w).max().unwrap_or(0);
        self.admitted.retain(|t| *t > now - longest);
        for (window, budget) in &self.windows {
            let inside: Vec<i64> = self
                .admitted
                .iter()
                .copied()
                .filter(|t| *t > now - window)
                .collect();
            if inside.len() >= *budget as usize {
                // The call that frees a place: the `budget`-th most recent.
                let freeing = inside
                    .get(inside.len() - *budget as usize)
                    .copied()
                    .unwrap_or(now);
                let wait_ms = (freeing + window - now).max(1);
                return Err(Throttle {
                    retry_after_secs: ((wait_ms + 999) / 1000) as u64,
                    window_secs: window / 1000,
                });
            }
        }
        if !self.windows.is_empty() {
            self.admitted.push(now);
        }
        Ok(())
    }

    /// The OAuth 2.0 refresh-token grant.
    fn token_grant(&mut self, req: &Req, intuit: bool) -> Answer {
        let form = parse_form(&req.body_text());
        let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let mut client = field("client_id").zip(field("client_secret"));
        if let Some(basic) = req
            .header("authorization")
            .and_then(|h| h.strip_prefix("Basic "))
        {
            let decoded = STANDARD
                .decode(basic.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            client =
                decoded.and_then(|d| d.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())));
        }
        let oauth_error =
            |status: u16, code: &str| Answer::json(status, &serde_json::json!({ "error": code }));
        if client != Some((self.client_id.clone(), self.client_secret.clone())) {
            return oauth_error(401, "invalid_client");
        }
        if field("grant_type").as_deref() != Some("refresh_token") {
            return oauth_error(400, "unsupported_grant_type");
        }
        let Some(presented) = field("refresh_token") else {
            return oauth_error(400, "invalid_request");
        };
        match self.refresh.get_mut(&presented) {
            Some(state @ RefreshState::Live) => *state = RefreshState::Used,
            _ => return oauth_error(400, "invalid_grant"),
        }
        self.issued += 1;
        let prefix = presented
            .split("-refresh-")
            .next()
            .unwrap_or("fake")
            .to_owned();
        let access = format!("{prefix}-access-{}", self.issued);
        let refresh = format!("{prefix}-refresh-{}", self.issued);
        self.access
            .insert(access.clone(), Some(self.now + self.access_ttl_secs * 1000));
        self.refresh.insert(refresh.clone(), RefreshState::Live);
        let body = if intuit {
            serde_json::json!({
                "token_type": "bearer",
                "access_token": access,
                "expires_in": self.access_ttl_secs,
                "refresh_token": refresh,
                "x_refresh_token_expires_in": 8_726_400,
            })
        } else {
            serde_json::json!({
                "access_token": access,
                "expires_in": self.access_ttl_secs,
                "token_type": "Bearer",
                "refresh_token": refresh,
                "scope": "offline_access accounting.contacts accounting.transactions",
            })
        };
        Answer::json(200, &body)
    }
}

/// The test's hold on a running fake: its address, clock, tokens, rate
/// limits and request log. Every fake dereferences to its `Controls`, so
/// `fake.advance(…)` and `fake.requests()` work on any of them. Cheap to
/// clone (one shared state).
#[derive(Clone)]
pub struct Controls {
    common: Arc<Mutex<Common>>,
    base_url: String,
}

impl std::fmt::Debug for Controls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No tokens: only where the fake listens.
        f.debug_struct("Controls")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Controls {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The URL of the OAuth 2.0 token endpoint on the same server
    /// (`/connect/token` for Xero and XPM, `/oauth2/v1/tokens/bearer` for
    /// Intuit's two ledgers; both paths are served by every fake).
    #[must_use]
    pub fn token_url(&self) -> String {
        format!("{}{}", self.base_url, self.token_path())
    }

    fn token_path(&self) -> &'static str {
        lock(&self.common).token_path
    }

    /// The fake's clock, in milliseconds since the Unix epoch. It starts at
    /// [`START_MS`] and moves only when the test moves it.
    #[must_use]
    pub fn now_ms(&self) -> i64 {
        lock(&self.common).now
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let mut c = lock(&self.common);
        c.now = c.now.saturating_add(ms);
    }

    /// Sets the clock (milliseconds since the Unix epoch); it may go back.
    pub fn set_now_ms(&self, ms: i64) {
        lock(&self.common).now = ms;
    }

    /// The access token the fake accepts from the start; it never expires
    /// by the clock, only through [`expire_access_tokens`](Self::expire_access_tokens).
    #[must_use]
    pub fn access_token(&self) -> String {
        let c = lock(&self.common);
        format!("{}-access-0", prefix_of(&c.client_id))
    }

    /// The refresh token the fake accepts from the start (once: the token
    /// endpoint rotates it).
    #[must_use]
    pub fn refresh_token(&self) -> String {
        let c = lock(&self.common);
        format!("{}-refresh-0", prefix_of(&c.client_id))
    }

    /// The OAuth client id and secret the token endpoint expects (HTTP
    /// Basic, or `client_id` / `client_secret` form fields).
    #[must_use]
    pub fn client_credentials(&self) -> (String, String) {
        let c = lock(&self.common);
        (c.client_id.clone(), c.client_secret.clone())
    }

    /// Lifetime of access tokens issued by the token endpoint (seconds of
    /// the fake's clock; 1800 at Xero, 3600 at Intuit).
    pub fn set_access_token_lifetime(&self, secs: i64) {
        lock(&self.common).access_ttl_secs = secs;
    }

    /// Expires every access token issued so far: the next call with any of
    /// them is a 401 in the ledger's shape.
    pub fn expire_access_tokens(&self) {
        let mut c = lock(&self.common);
        let now = c.now;
        for exp in c.access.values_mut() {
            *exp = Some(now);
        }
    }

    /// Revokes every refresh token (the firm disconnected the app): the
    /// token endpoint answers `invalid_grant`.
    pub fn revoke_refresh_tokens(&self) {
        for state in lock(&self.common).refresh.values_mut() {
            *state = RefreshState::Revoked;
        }
    }

    /// A per-minute budget of API calls (a rolling 60 s of the fake's
    /// clock), replacing any limits set before: the call past it is
    /// answered 429 with `Retry-After` (the seconds until a call in the
    /// window leaves it). `None`: no limit (the default). Token-endpoint
    /// calls do not count; calls answered 401 or 429 do not either.
    pub fn set_rate_limit_per_minute(&self, budget: Option<u32>) {
        let mut c = lock(&self.common);
        c.windows = budget.map(|b| vec![(60_000, b)]).unwrap_or_default();
        c.admitted.clear();
    }

    /// Adds a rolling window of `window` with `budget` calls beside those
    /// set already (Xero: 60 a minute and 5,000 a day; QuickBooks Time:
    /// 300 in 5 minutes). A call over any of them is answered 429.
    pub fn add_rate_limit(&self, window: Duration, budget: u32) {
        let ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX).max(1);
        lock(&self.common).windows.push((ms, budget));
    }

    /// Answers the next `n` API calls 429 with `Retry-After: retry_after_secs`.
    pub fn throttle_next(&self, n: u32, retry_after_secs: u64) {
        let mut c = lock(&self.common);
        c.forced = n;
        c.forced_retry_secs = retry_after_secs;
    }

    /// Answers the next `n` API calls with `status` (a 5xx, say) and an
    /// empty body **without** carrying them out: a transient failure.
    pub fn fail_next(&self, n: u32, status: u16) {
        let mut c = lock(&self.common);
        c.failing = n;
        c.failing_status = status;
    }

    /// Carries out the next `n` API calls, then closes their connections
    /// without answering: the write happened, its answer is lost (what an
    /// idempotency key is for).
    pub fn lose_next_answers(&self, n: u32) {
        lock(&self.common).losing = n;
    }

    /// Every request received so far, oldest first.
    #[must_use]
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.common).log.clone()
    }

    /// Forgets the requests logged so far.
    pub fn clear_requests(&self) {
        lock(&self.common).log.clear();
    }
}

fn prefix_of(client_id: &str) -> &str {
    client_id.strip_suffix("-client").unwrap_or(client_id)
}

pub(crate) const XERO_TOKEN_PATH: &str = "/connect/token";
pub(crate) const INTUIT_TOKEN_PATH: &str = "/oauth2/v1/tokens/bearer";

/// Stops the server thread when the fake is dropped.
pub(crate) struct Running {
    stop: Arc<AtomicBool>,
    addr: SocketAddr,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = std::net::TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts `ledger`'s server on 127.0.0.1 (a free port) in a thread of its
/// own with a single-threaded runtime; answers until the [`Running`] is
/// dropped.
pub(crate) fn start<L: Ledger>(
    ledger: Arc<Mutex<L>>,
    prefix: &str,
    access_ttl_secs: i64,
    token_path: &'static str,
) -> Result<(Controls, Running), FakeError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let common = Arc::new(Mutex::new(Common::new(prefix, access_ttl_secs, token_path)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let stop = Arc::new(AtomicBool::new(false));
    let (stop2, common2) = (stop.clone(), common.clone());
    let thread = std::thread::Builder::new()
        .name(format!("{prefix}-fake"))
        .spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    if stop2.load(Ordering::SeqCst) {
                        return;
                    }
                    let (common, ledger) = (common2.clone(), ledger.clone());
                    tokio::spawn(async move {
                        let service = service_fn(move |request| {
                            let (common, ledger) = (common.clone(), ledger.clone());
                            async move { serve(request, &common, &ledger).await }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        })?;
    Ok((
        Controls {
            common,
            base_url: format!("http://{addr}"),
        },
        Running {
            stop,
            addr,
            thread: Some(thread),
        },
    ))
}

async fn serve<L: Ledger>(
    request: hyper::Request<Incoming>,
    common: &Mutex<Common>,
    ledger: &Mutex<L>,
) -> Result<hyper::Response<Full<Bytes>>, Lost> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return Ok(to_response(Answer::empty(413), None)),
    };
    let req = Req {
        method: parts.method.as_str().to_owned(),
        path: percent_decode(parts.uri.path(), false),
        query: parts.uri.query().map(parse_form).unwrap_or_default(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    let (answer, now, lost) = dispatch(&req, common, ledger);
    if lost {
        return Err(Lost);
    }
    Ok(to_response(answer, Some(now)))
}

/// The error that makes hyper close a connection without answering.
#[derive(Debug)]
struct Lost;

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("answer dropped on purpose")
    }
}

impl std::error::Error for Lost {}

/// Logs, authenticates, paces and answers one request.
pub(crate) fn dispatch<L: Ledger>(
    req: &Req,
    common: &Mutex<Common>,
    ledger: &Mutex<L>,
) -> (Answer, i64, bool) {
    let intuit = lock(ledger).intuit_tokens();
    let mut c = lock(common);
    let now = c.now;
    let mut lost = false;
    let token_call =
        req.method == "POST" && (req.path == XERO_TOKEN_PATH || req.path == INTUIT_TOKEN_PATH);
    let answer = if token_call {
        c.token_grant(req, intuit)
    } else {
        let bearer = req
            .header("authorization")
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim);
        if !bearer.is_some_and(|t| c.token_valid(t)) {
            lock(ledger).unauthorized(now)
        } else {
            match c.admit() {
                Err(wait) => lock(ledger).throttled(now, wait),
                Ok(()) if c.failing > 0 => {
                    c.failing -= 1;
                    Answer::empty(c.failing_status)
                }
                Ok(()) => {
                    drop(c);
                    let answer = lock(ledger).handle(req, now);
                    c = lock(common);
                    if c.losing > 0 {
                        c.losing -= 1;
                        lost = true;
                    }
                    answer
                }
            }
        }
    };
    c.log.push(logged(req, answer.status, token_call));
    (answer, now, lost)
}

fn logged(req: &Req, status: u16, token_call: bool) -> LoggedRequest {
    let headers = req
        .headers
        .iter()
        .map(|(k, v)| {
            if k == "authorization" {
                let scheme = v.split_whitespace().next().unwrap_or("");
                (k.clone(), format!("{scheme} [redacted]"))
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect();
    let body = if token_call {
        parse_form(&req.body_text())
            .into_iter()
            .map(|(k, v)| {
                if k == "refresh_token" || k == "client_secret" {
                    format!("{k}=[redacted]")
                } else {
                    format!("{k}={v}")
                }
            })
            .collect::<Vec<_>>()
            .join("&")
    } else {
        req.body_text()
    };
    LoggedRequest {
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        headers,
        body,
        status,
    }
}

fn to_response(answer: Answer, now: Option<i64>) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(answer.status);
    if let Some(now) = now {
        builder = builder.header("date", time::http_date(now));
    }
    for (k, v) in &answer.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    builder
        .body(Full::new(Bytes::from(answer.body)))
        .unwrap_or_else(|_| {
            let mut r = hyper::Response::new(Full::new(Bytes::new()));
            *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            r
        })
}

/// `a=1&b=two%20words` (also `+` for a space) as decoded pairs.
pub(crate) fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Decodes `%XX` (and `+` as a space when `plus`); a `%` not followed by
/// two hex digits stays as it is.
pub(crate) fn percent_decode(s: &str, plus: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b'+', _) if plus => {
                out.push(b' ');
                i += 1;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Posts `body` with `headers` to `url` (`http://host:port/path`) and
/// returns the status answered. Runs on the caller's tokio runtime.
pub(crate) async fn post(
    url: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> Result<u16, FakeError> {
    crate::client::send_async("POST", url, headers, body)
        .await
        .map(|r| r.status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries() {
        assert_eq!(
            parse_form("order=ContactID%20ASC&where=Type%3D%3D%22ACCREC%22&x=a+b&bad=%zz%4"),
            vec![
                ("order".into(), "ContactID ASC".into()),
                ("where".into(), "Type==\"ACCREC\"".into()),
                ("x".into(), "a b".into()),
                ("bad".into(), "%zz%4".into()),
            ]
        );
    }
}
