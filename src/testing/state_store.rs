//! [`MemoryStateStore`]: where a test keeps the [`SyncState`].

use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

use crate::ports::{AdapterError, StateStore};
use crate::sync::SyncState;

/// An in-memory [`StateStore`]: keeps a copy of the last state saved and
/// counts the saves.
///
/// # Example
///
/// ```
/// use ledgerlink::ports::StateStore;
/// use ledgerlink::sync::SyncState;
/// use ledgerlink::testing::{MemoryStateStore, block_on};
///
/// let states = MemoryStateStore::new();
/// block_on(states.save(&SyncState::new()))?;
/// assert_eq!(states.saves(), 1);
/// assert_eq!(states.last(), Some(SyncState::new()));
///
/// states.fail_next_save();
/// assert!(block_on(states.save(&SyncState::new())).is_err());
/// assert_eq!(states.saves(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStateStore {
    inner: Mutex<Saved>,
}

#[derive(Debug, Default)]
struct Saved {
    last: Option<SyncState>,
    saves: usize,
    failures_pending: usize,
    failures: usize,
}

impl MemoryStateStore {
    /// An empty store: nothing saved yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that already holds `state` (a previous run's), not counted
    /// as a save.
    #[must_use]
    pub fn with_state(state: SyncState) -> Self {
        let store = Self::new();
        store.lock().last = Some(state);
        store
    }

    fn lock(&self) -> MutexGuard<'_, Saved> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The last state saved (or given to [`with_state`](Self::with_state)).
    #[must_use]
    pub fn last(&self) -> Option<SyncState> {
        self.lock().last.clone()
    }

    /// How many saves succeeded.
    #[must_use]
    pub fn saves(&self) -> usize {
        self.lock().saves
    }

    /// How many saves failed (see [`fail_next_save`](Self::fail_next_save)).
    #[must_use]
    pub fn failed_saves(&self) -> usize {
        self.lock().failures
    }

    /// Makes the next save fail with [`AdapterError::Transient`] (a full
    /// disk, a lost database connection); the previous state is kept. Calls
    /// add up: two calls fail the next two saves.
    pub fn fail_next_save(&self) {
        self.lock().failures_pending += 1;
    }
}

#[async_trait]
impl StateStore for MemoryStateStore {
    async fn save(&self, state: &SyncState) -> Result<(), AdapterError> {
        let mut saved = self.lock();
        if saved.failures_pending > 0 {
            saved.failures_pending -= 1;
            saved.failures += 1;
            return Err(AdapterError::Transient {
                message: "the state could not be written".into(),
            });
        }
        saved.last = Some(state.clone());
        saved.saves += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::block_on;

    #[test]
    fn keeps_the_last_state_and_counts_saves() {
        let store = MemoryStateStore::new();
        assert_eq!(store.last(), None);
        let mut state = SyncState::new();
        state.run = 1;
        assert_eq!(block_on(store.save(&state)), Ok(()));
        state.run = 2;
        assert_eq!(block_on(store.save(&state)), Ok(()));
        assert_eq!(store.saves(), 2);
        assert_eq!(store.last().map(|s| s.run), Some(2));

        store.fail_next_save();
        state.run = 3;
        assert!(matches!(
            block_on(store.save(&state)),
            Err(AdapterError::Transient { .. })
        ));
        assert_eq!(store.last().map(|s| s.run), Some(2));
        assert_eq!((store.saves(), store.failed_saves()), (2, 1));
        assert_eq!(block_on(store.save(&state)), Ok(()));
        assert_eq!(store.last().map(|s| s.run), Some(3));

        let resumed = MemoryStateStore::with_state(state);
        assert_eq!(resumed.saves(), 0);
        assert_eq!(resumed.last().map(|s| s.run), Some(3));
    }
}
