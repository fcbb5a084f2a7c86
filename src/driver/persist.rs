//! What a driver keeps of its state store: the generation saved last and
//! the lease it holds; saving a run's state (a compare-and-swap on the
//! generation) and keeping the lease while sending.

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};

use crate::ports::{Clock, Generation, LeaseOutcome, LeaseToken, SaveOutcome, StateStore};
use crate::sync::{StateDelta, SyncState};

use super::{Driver, DriverError};

/// The state store of a driver, the connection it saves, the worker it
/// runs as, the clock its lease is kept by, and what it knows of the
/// store: the generation saved last and the lease held (its token and
/// expiry).
pub(super) struct Persist<'a> {
    pub(super) store: &'a dyn StateStore,
    pub(super) clock: &'a dyn Clock,
    pub(super) connection: String,
    pub(super) worker: String,
    pub(super) track: Mutex<Track>,
}

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Track {
    pub(super) generation: Generation,
    pub(super) lease: Option<(LeaseToken, DateTime<Utc>)>,
}

impl Persist<'_> {
    pub(super) fn track(&self) -> std::sync::MutexGuard<'_, Track> {
        self.track.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whether a save went through.
pub(super) enum Saved {
    Written,
    Conflict,
}

impl Driver<'_> {
    /// Saves `state`, which was `delta` away from the state saved last.
    pub(super) async fn save(
        &self,
        state: &SyncState,
        delta: &StateDelta,
    ) -> Result<Saved, DriverError> {
        let Some(p) = &self.state_store else {
            return Ok(Saved::Written);
        };
        let expected = p.track().generation;
        match p
            .store
            .save(&p.connection, expected, state, delta)
            .await
            .map_err(DriverError::SaveState)?
        {
            SaveOutcome::Saved { generation } => {
                p.track().generation = generation;
                Ok(Saved::Written)
            }
            SaveOutcome::Conflict { .. } => Ok(Saved::Conflict),
        }
    }

    /// Saves a state whose links did not change since the last save.
    pub(super) async fn save_head(&self, state: &SyncState) -> Result<Saved, DriverError> {
        let delta = StateDelta {
            head: Some(state.head()),
            ..StateDelta::default()
        };
        self.save(state, &delta).await
    }

    /// Keeps the lease while sending: renews it when a third of it is left.
    /// `false` when it is lost (or cannot be renewed).
    pub(super) async fn keep_lease(&self) -> bool {
        let Some(p) = &self.state_store else {
            return true;
        };
        let now = p.clock.now();
        let held = p.track().lease;
        let Some((token, until)) = held else {
            return false;
        };
        if until - now > self.lease / 3 {
            return true;
        }
        match p
            .store
            .renew_lease(&p.connection, token, now, self.lease)
            .await
        {
            Ok(LeaseOutcome::Held { expires_at, token }) => {
                p.track().lease = Some((token, expires_at));
                true
            }
            // A store failure counts as lost: sending without a lease that
            // cannot be confirmed is what the lease exists to prevent.
            Ok(LeaseOutcome::Busy { .. } | LeaseOutcome::Lost) | Err(_) => {
                p.track().lease = None;
                false
            }
        }
    }
}
