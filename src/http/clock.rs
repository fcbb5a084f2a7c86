//! Time for the I/O layer: the [`Clock`] the adapters pace and wait by,
//! tokio's ([`TokioClock`]) and one moved by hand in tests
//! ([`ManualClock`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

/// Monotonic time and waiting, for the pacing of an I/O layer: the pacer
/// ([`Pacer`](crate::ops::Pacer)) takes time as an input, and the adapters wait through this
/// trait only, so that tests drive time by hand ([`ManualClock`]) instead
/// of sleeping.
#[async_trait]
pub trait Clock: Send + Sync {
    /// The time since the clock's origin (any fixed instant).
    fn now(&self) -> Duration;
    /// Waits `duration`.
    async fn sleep(&self, duration: Duration);
}

/// The real clock: tokio's monotonic time, measured from the clock's
/// creation, and [`tokio::time::sleep`].
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    origin: tokio::time::Instant,
}

impl TokioClock {
    /// A clock whose origin is now.
    #[must_use]
    pub fn new() -> Self {
        Self {
            origin: tokio::time::Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl Clock for TokioClock {
    fn now(&self) -> Duration {
        tokio::time::Instant::now().saturating_duration_since(self.origin)
    }
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A clock for tests: time moves only when told, and a wait moves it on
/// at once by the time waited (recorded, so a test can check the waits).
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ms: AtomicU64,
    slept: Mutex<Vec<Duration>>,
}

impl ManualClock {
    /// A clock at its origin.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock on by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.now_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Every wait so far, in order.
    #[must_use]
    pub fn waits(&self) -> Vec<Duration> {
        self.slept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.now_ms.load(Ordering::SeqCst))
    }
    async fn sleep(&self, duration: Duration) {
        self.slept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(duration);
        self.advance(duration);
    }
}
