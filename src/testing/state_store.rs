//! [`MemoryStateStore`]: where a test keeps each connection's
//! [`SyncState`], with compare-and-swap and leases like a database.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::ports::{
    AdapterError, Generation, Lease, LeaseOutcome, LeaseToken, Loaded, SaveOutcome, StateStore,
};
use crate::sync::{STATE_FORMAT_VERSION, STATE_FORMAT_WHOLE_JSON, StateDelta, SyncState};

/// An in-memory [`StateStore`]: the states of any number of connections,
/// their generations and leases, with counters and injected failures.
///
/// Clones are handles to the same store (two workers sharing one
/// database). The whole state is kept on each save (the delta is only
/// counted, see [`link_rows_written`](Self::link_rows_written)).
///
/// # Example
///
/// ```
/// use ledgerlink::ports::{Generation, SaveOutcome, StateStore};
/// use ledgerlink::sync::{SyncState, diff};
/// use ledgerlink::testing::{MemoryStateStore, block_on};
///
/// let states = MemoryStateStore::new();
/// let state = SyncState::new();
/// let delta = diff(&SyncState::new(), &state);
/// let saved = block_on(states.save("firm-1", Generation::NONE, &state, &delta))?;
/// assert_eq!(saved, SaveOutcome::Saved { generation: Generation(1) });
/// // A second worker still at generation 0 loses the race: nothing written.
/// let lost = block_on(states.save("firm-1", Generation::NONE, &state, &delta))?;
/// assert_eq!(lost, SaveOutcome::Conflict { current: Generation(1) });
/// assert_eq!(states.saves(), 1);
///
/// states.fail_next_save();
/// assert!(block_on(states.save("firm-1", Generation(1), &state, &delta)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default, Clone)]
pub struct MemoryStateStore {
    inner: Arc<Mutex<Saved>>,
}

#[derive(Debug, Default)]
struct Saved {
    states: BTreeMap<String, Stored>,
    leases: BTreeMap<String, LeaseRow>,
    last: Option<SyncState>,
    saves: usize,
    conflicts: usize,
    link_rows: usize,
    failures_pending: usize,
    failures: usize,
}

/// A connection's lease row: kept after a release (`released`), so that
/// the next acquisition's token is greater than every earlier one.
#[derive(Debug)]
struct LeaseRow {
    lease: Lease,
    token: u64,
    released: bool,
}

impl LeaseRow {
    fn held_by(&self, token: LeaseToken, now: DateTime<Utc>) -> bool {
        !self.released && self.token == token.0 && self.lease.expires_at > now
    }
}

#[derive(Debug)]
struct Stored {
    state: SyncState,
    generation: Generation,
    format: u32,
}

impl MemoryStateStore {
    /// An empty store: nothing saved yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that already holds `state` for `connection` (a previous
    /// run's) at generation 1, not counted as a save.
    #[must_use]
    pub fn with_state(connection: &str, state: SyncState) -> Self {
        let store = Self::new();
        {
            let mut saved = store.lock();
            saved.last = Some(state.clone());
            saved.states.insert(
                connection.to_owned(),
                Stored {
                    state,
                    generation: Generation(1),
                    format: STATE_FORMAT_VERSION,
                },
            );
        }
        store
    }

    fn lock(&self) -> MutexGuard<'_, Saved> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The last state saved, for any connection (or given to
    /// [`with_state`](Self::with_state)).
    #[must_use]
    pub fn last(&self) -> Option<SyncState> {
        self.lock().last.clone()
    }

    /// The state stored for `connection`.
    #[must_use]
    pub fn state_of(&self, connection: &str) -> Option<SyncState> {
        self.lock().states.get(connection).map(|s| s.state.clone())
    }

    /// The generation stored for `connection` ([`Generation::NONE`] when
    /// nothing is).
    #[must_use]
    pub fn generation_of(&self, connection: &str) -> Generation {
        self.lock()
            .states
            .get(connection)
            .map_or(Generation::NONE, |s| s.generation)
    }

    /// The lease of `connection`, expired or not, unless released.
    #[must_use]
    pub fn lease_of(&self, connection: &str) -> Option<Lease> {
        self.lock()
            .leases
            .get(connection)
            .filter(|row| !row.released)
            .map(|row| row.lease.clone())
    }

    /// How many saves were written.
    #[must_use]
    pub fn saves(&self) -> usize {
        self.lock().saves
    }

    /// How many saves were refused as conflicts.
    #[must_use]
    pub fn conflicts(&self) -> usize {
        self.lock().conflicts
    }

    /// How many link rows the written saves' deltas held, added up: what a
    /// store keeping a row per link would have written.
    #[must_use]
    pub fn link_rows_written(&self) -> usize {
        self.lock().link_rows
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

fn lease_until(now: DateTime<Utc>, ttl: Duration) -> DateTime<Utc> {
    now.checked_add_signed(ttl).unwrap_or(now)
}

#[async_trait]
impl StateStore for MemoryStateStore {
    async fn load(&self, connection: &str) -> Result<Option<Loaded>, AdapterError> {
        Ok(self.lock().states.get(connection).map(|s| Loaded {
            state: s.state.clone(),
            generation: s.generation,
            format: s.format,
        }))
    }

    async fn save(
        &self,
        connection: &str,
        expected: Generation,
        state: &SyncState,
        delta: &StateDelta,
    ) -> Result<SaveOutcome, AdapterError> {
        let mut saved = self.lock();
        if saved.failures_pending > 0 {
            saved.failures_pending -= 1;
            saved.failures += 1;
            return Err(AdapterError::Transient {
                message: "the state could not be written".into(),
            });
        }
        let current = saved
            .states
            .get(connection)
            .map_or(Generation::NONE, |s| s.generation);
        if current != expected {
            saved.conflicts += 1;
            return Ok(SaveOutcome::Conflict { current });
        }
        let generation = current.next();
        saved.states.insert(
            connection.to_owned(),
            Stored {
                state: state.clone(),
                generation,
                format: STATE_FORMAT_VERSION,
            },
        );
        saved.last = Some(state.clone());
        saved.saves += 1;
        saved.link_rows += delta.link_rows();
        Ok(SaveOutcome::Saved { generation })
    }

    async fn acquire_lease(
        &self,
        connection: &str,
        worker: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<LeaseOutcome, AdapterError> {
        let mut saved = self.lock();
        let last = match saved.leases.get(connection) {
            Some(row) if !row.released && row.lease.expires_at > now => {
                return Ok(LeaseOutcome::Busy {
                    lease: row.lease.clone(),
                });
            }
            Some(row) => row.token,
            None => 0,
        };
        let expires_at = lease_until(now, ttl);
        let token = last.saturating_add(1);
        saved.leases.insert(
            connection.to_owned(),
            LeaseRow {
                lease: Lease {
                    holder: worker.to_owned(),
                    expires_at,
                },
                token,
                released: false,
            },
        );
        Ok(LeaseOutcome::Held {
            expires_at,
            token: LeaseToken(token),
        })
    }

    async fn renew_lease(
        &self,
        connection: &str,
        token: LeaseToken,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<LeaseOutcome, AdapterError> {
        let mut saved = self.lock();
        match saved.leases.get_mut(connection) {
            Some(row) if row.held_by(token, now) => {
                row.lease.expires_at = lease_until(now, ttl);
                Ok(LeaseOutcome::Held {
                    expires_at: row.lease.expires_at,
                    token,
                })
            }
            _ => Ok(LeaseOutcome::Lost),
        }
    }

    async fn release_lease(
        &self,
        connection: &str,
        token: LeaseToken,
    ) -> Result<bool, AdapterError> {
        let mut saved = self.lock();
        match saved.leases.get_mut(connection) {
            Some(row) if !row.released && row.token == token.0 => {
                row.released = true;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn import_whole_json(
        &self,
        connection: &str,
        document: &str,
    ) -> Result<SaveOutcome, AdapterError> {
        let state: SyncState =
            serde_json::from_str(document).map_err(|e| AdapterError::Validation {
                code: None,
                message: format!("not a saved sync state: {e}"),
            })?;
        let mut saved = self.lock();
        if let Some(s) = saved.states.get(connection) {
            return Ok(SaveOutcome::Conflict {
                current: s.generation,
            });
        }
        let generation = Generation::NONE.next();
        saved.states.insert(
            connection.to_owned(),
            Stored {
                state,
                generation,
                format: STATE_FORMAT_WHOLE_JSON,
            },
        );
        Ok(SaveOutcome::Saved { generation })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::diff;
    use crate::testing::block_on;

    #[test]
    fn keeps_each_connection_with_its_generation_and_counts_saves() {
        let store = MemoryStateStore::new();
        assert_eq!(store.last(), None);
        let mut state = SyncState::new();
        state.run = 1;
        let d = diff(&SyncState::new(), &state);
        let g1 = block_on(store.save("c", Generation::NONE, &state, &d)).unwrap();
        assert_eq!(
            g1,
            SaveOutcome::Saved {
                generation: Generation(1)
            }
        );
        state.run = 2;
        let _ = block_on(store.save("c", Generation(1), &state, &d)).unwrap();
        assert_eq!(store.saves(), 2);
        assert_eq!(store.state_of("c").map(|s| s.run), Some(2));

        store.fail_next_save();
        state.run = 3;
        assert!(matches!(
            block_on(store.save("c", Generation(2), &state, &d)),
            Err(AdapterError::Transient { .. })
        ));
        assert_eq!(store.last().map(|s| s.run), Some(2));
        assert_eq!((store.saves(), store.failed_saves()), (2, 1));
        let stale = block_on(store.save("c", Generation(1), &state, &d)).unwrap();
        assert_eq!(
            stale,
            SaveOutcome::Conflict {
                current: Generation(2)
            }
        );
        assert_eq!(store.conflicts(), 1);

        let resumed = MemoryStateStore::with_state("c", state);
        assert_eq!(resumed.saves(), 0);
        assert_eq!(resumed.generation_of("c"), Generation(1));
        assert_eq!(resumed.last().map(|s| s.run), Some(3));
    }
}
