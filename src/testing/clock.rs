//! [`TestClock`]: a [`Clock`] a test moves by hand.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};

use crate::ports::Clock;

/// A [`Clock`] that stands still until the test moves it. Clones share
/// the time (a test keeps one handle, the driver reads another).
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use ledgerlink::ports::Clock;
/// use ledgerlink::testing::TestClock;
///
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let clock = TestClock::new(t0);
/// clock.advance(Duration::minutes(10));
/// assert_eq!(clock.now(), t0 + Duration::minutes(10));
/// ```
#[derive(Debug, Clone)]
pub struct TestClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl TestClock {
    /// A clock showing `now`.
    #[must_use]
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(Mutex::new(now)),
        }
    }

    /// Sets the time.
    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }

    /// Moves the time on by `by` (unchanged past the end of time).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now.checked_add_signed(by).unwrap_or(*now);
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
