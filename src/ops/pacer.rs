//! Pacing calls to a ledger within its rate limits, and the waits between
//! retries — sans-IO: time is an input (a [`Duration`] since any origin
//! the caller keeps fixed, such as the start of its process), and the
//! answer is "when may the next call go", never a sleep.

use std::collections::VecDeque;
use std::time::Duration;

use crate::rules::pacing::RateLimits;

/// A day, the window of a daily budget.
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// The calls made on one connection, and when the next may go: time is
/// an input (a [`Duration`] since any origin the caller keeps fixed), and
/// the answer is "when may the next call go", never a sleep.
///
/// ```
/// use std::time::Duration;
/// use ledgerlink::ops::Pacer;
/// use ledgerlink::rules::pacing::XERO;
///
/// let mut pacer = Pacer::new(XERO);
/// let t0 = Duration::ZERO;
/// for _ in 0..60 {
///     assert_eq!(pacer.try_acquire(t0), Ok(()));
/// }
/// // The 61st call of the minute waits for the first one to leave the window.
/// assert_eq!(pacer.try_acquire(t0), Err(Duration::from_secs(60)));
/// // A 429 with `Retry-After: 120` holds every call back that long.
/// pacer.retry_after(Duration::from_secs(60), 120);
/// assert_eq!(pacer.next_call_at(Duration::from_secs(60)), Duration::from_secs(180));
/// ```
///
/// Keeps the times of the last calls only: at most
/// [`calls_per_window`](RateLimits::calls_per_window) for the window and
/// [`daily_budget`](RateLimits::daily_budget) for the day. Concurrency
/// ([`concurrent`](RateLimits::concurrent)) is the I/O layer's to enforce
/// (a semaphore): the pacer counts calls started, not calls in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pacer {
    limits: RateLimits,
    window: VecDeque<Duration>,
    day: VecDeque<Duration>,
    blocked_until: Duration,
}

impl Pacer {
    /// A pacer for a connection with `limits`, no call made yet.
    #[must_use]
    pub const fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            window: VecDeque::new(),
            day: VecDeque::new(),
            blocked_until: Duration::ZERO,
        }
    }

    /// The limits it paces by.
    #[must_use]
    pub const fn limits(&self) -> RateLimits {
        self.limits
    }

    /// The earliest time (`now` or later) the next call may go: when the
    /// oldest call of a full window leaves it, when the oldest call of a
    /// spent daily budget is a day old, and not before a `Retry-After`
    /// recorded by [`retry_after`](Self::retry_after).
    #[must_use]
    pub fn next_call_at(&self, now: Duration) -> Duration {
        let mut at = now.max(self.blocked_until);
        let window = Duration::from_secs(u64::from(self.limits.window_secs));
        if let Some(t) = oldest_of_full(&self.window, self.limits.calls_per_window) {
            at = at.max(t.saturating_add(window));
        }
        if let Some(budget) = self.limits.daily_budget
            && let Some(t) = oldest_of_full(&self.day, budget)
        {
            at = at.max(t.saturating_add(DAY));
        }
        at
    }

    /// How long to wait from `now` before the next call may go.
    #[must_use]
    pub fn delay(&self, now: Duration) -> Duration {
        self.next_call_at(now).saturating_sub(now)
    }

    /// Takes a call's place at `now` when one is free (`Ok`, the call is
    /// recorded), else answers when to ask again (`Err`, nothing recorded).
    ///
    /// # Errors
    /// The time the next call may go, when that is after `now`.
    pub fn try_acquire(&mut self, now: Duration) -> Result<(), Duration> {
        let at = self.next_call_at(now);
        if at > now {
            return Err(at);
        }
        self.record(now);
        Ok(())
    }

    /// Records a call made at `at` (one made without asking, or sent
    /// again).
    pub fn record(&mut self, at: Duration) {
        let window = Duration::from_secs(u64::from(self.limits.window_secs));
        push_bounded(&mut self.window, at, self.limits.calls_per_window, window);
        if let Some(budget) = self.limits.daily_budget {
            push_bounded(&mut self.day, at, budget, DAY);
        }
    }

    /// The ledger answered `Retry-After: secs` at `now` (HTTP 429, or the
    /// wait of [`AdapterError::RateLimited`](crate::ops::AdapterError)):
    /// no call goes before then.
    pub fn retry_after(&mut self, now: Duration, secs: u64) {
        let until = now.saturating_add(Duration::from_secs(secs));
        self.blocked_until = self.blocked_until.max(until);
    }
}

/// The oldest time that still counts when `times` holds `limit` calls or
/// more (the window is full), else `None`.
fn oldest_of_full(times: &VecDeque<Duration>, limit: u32) -> Option<Duration> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if limit == 0 {
        // A limit of zero calls: wait as if one call had just been made.
        return times.back().copied();
    }
    let len = times.len();
    (len >= limit)
        .then(|| times.get(len - limit).copied())
        .flatten()
}

/// Appends `at` (kept sorted: a time before the last is put at its place)
/// and drops what no longer counts: all but the last `limit` calls, and
/// calls a whole `window` before `at`.
fn push_bounded(times: &mut VecDeque<Duration>, at: Duration, limit: u32, window: Duration) {
    let pos = times.partition_point(|t| *t <= at);
    times.insert(pos, at);
    let limit = usize::try_from(limit.max(1)).unwrap_or(usize::MAX);
    while times.len() > limit
        || times
            .front()
            .is_some_and(|t| t.saturating_add(window) <= at && times.len() > 1)
    {
        times.pop_front();
    }
}

/// Waits between retries of a failed read: exponential from
/// [`base`](Self::base), capped at [`max`](Self::max), with a jitter
/// between half and all of it that is computed from
/// [`seed`](Self::seed), the call and the attempt — the same inputs
/// always give the same wait (tests replay it), while calls of different
/// connections or requests spread apart. No random number generator is
/// involved.
///
/// ```
/// use std::time::Duration;
/// use ledgerlink::ops::Backoff;
///
/// let b = Backoff::default();
/// let first = b.delay(0, "GET Contacts?page=1");
/// assert_eq!(first, b.delay(0, "GET Contacts?page=1"));
/// assert!(first >= b.base / 2 && first <= b.base);
/// assert!(b.delay(20, "x") <= b.max);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Backoff {
    /// The wait before the first retry (before jitter).
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
    /// Mixed into every jitter: give each connection its own (a hash of
    /// its tenant id, say) so that their retries do not line up.
    pub seed: u64,
}

impl Default for Backoff {
    /// 500 ms doubling up to 30 s, seed 0.
    fn default() -> Self {
        Self {
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
            seed: 0,
        }
    }
}

impl Backoff {
    /// The wait before retry number `attempt` (0 for the first) of the
    /// call named by `salt` (its method and URL, say).
    #[must_use]
    pub fn delay(&self, attempt: u32, salt: &str) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        let full = self.base.saturating_mul(factor).min(self.max);
        let ms = u64::try_from(full.as_millis()).unwrap_or(u64::MAX);
        let half = ms / 2;
        let mut h = Fnv::new();
        h.eat(&self.seed.to_le_bytes());
        h.eat(&attempt.to_le_bytes());
        h.eat(salt.as_bytes());
        let spread = ms - half;
        let jitter = if spread == 0 {
            0
        } else {
            h.finish() % spread.saturating_add(1)
        };
        Duration::from_millis(half.saturating_add(jitter))
    }
}

/// 64-bit FNV-1a.
struct Fnv(u64);

impl Fnv {
    const fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
    fn eat(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    const fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::pacing::{QB_TIME, QBO, XERO};

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn a_full_window_waits_for_its_oldest_call() {
        let mut p = Pacer::new(XERO);
        for i in 0..60 {
            assert_eq!(p.try_acquire(s(i / 2)), Ok(()), "call {i}");
        }
        // Calls 0 and 1 were at t=0: the window frees at t=60.
        assert_eq!(p.try_acquire(s(30)), Err(s(60)));
        assert_eq!(p.try_acquire(s(60)), Ok(()));
        // The second call of t=0 is now the oldest of the window.
        assert_eq!(p.next_call_at(s(60)), s(60));
        assert_eq!(p.try_acquire(s(60)), Ok(()));
        assert_eq!(p.next_call_at(s(60)), s(61));
        assert_eq!(p.delay(s(60)), s(1));
    }

    #[test]
    fn qbt_counts_three_hundred_calls_in_five_minutes() {
        let mut p = Pacer::new(QB_TIME);
        for _ in 0..300 {
            assert!(p.try_acquire(s(10)).is_ok());
        }
        assert_eq!(p.try_acquire(s(11)), Err(s(310)));
        let mut q = Pacer::new(QBO);
        for _ in 0..500 {
            assert!(q.try_acquire(s(0)).is_ok());
        }
        assert_eq!(q.try_acquire(s(0)), Err(s(60)));
    }

    #[test]
    fn the_daily_budget_holds_calls_back_for_a_day() {
        let mut p = Pacer::new(XERO);
        // 5,000 calls, 60 a minute: the budget runs out on day one.
        let mut now = s(0);
        let mut made = 0u32;
        while made < 5_000 {
            match p.try_acquire(now) {
                Ok(()) => made += 1,
                Err(at) => now = at,
            }
        }
        let first_free = p.next_call_at(now);
        assert_eq!(
            first_free, DAY,
            "the first call of the day leaves the budget"
        );
        assert!(p.try_acquire(now).is_err());
        assert!(p.try_acquire(DAY).is_ok());
    }

    #[test]
    fn calls_out_of_the_window_are_forgotten() {
        let mut p = Pacer::new(QBO);
        for i in 0..1_000 {
            assert!(p.try_acquire(s(i)).is_ok());
        }
        assert!(p.window.len() <= 61, "{}", p.window.len());
    }

    #[test]
    fn retry_after_blocks_and_never_shortens() {
        let mut p = Pacer::new(QBO);
        p.retry_after(s(10), 30);
        p.retry_after(s(11), 5);
        assert_eq!(p.next_call_at(s(12)), s(40));
        assert_eq!(p.try_acquire(s(39)), Err(s(40)));
        assert_eq!(p.try_acquire(s(40)), Ok(()));
    }

    #[test]
    fn backoff_is_bounded_deterministic_and_spread() {
        let b = Backoff {
            seed: 7,
            ..Backoff::default()
        };
        for attempt in 0..40 {
            let d = b.delay(attempt, "GET x");
            assert_eq!(d, b.delay(attempt, "GET x"));
            assert!(d <= b.max, "{attempt}: {d:?}");
        }
        assert!(b.delay(3, "GET x") >= Duration::from_secs(2));
        let spread: std::collections::BTreeSet<_> =
            (0..20).map(|i| b.delay(2, &format!("GET {i}"))).collect();
        assert!(spread.len() > 10, "jitter spreads calls: {spread:?}");
        let zero = Backoff {
            base: Duration::ZERO,
            max: Duration::ZERO,
            seed: 0,
        };
        assert_eq!(zero.delay(5, "x"), Duration::ZERO);
    }
}
