//! The driver (feature `driver`): fetch → plan → apply → feed back, through
//! the [`ports`](crate::ports) traits, one run at a time.
//!
//! It names no async runtime: its futures run on whatever executor the
//! caller uses. Time is still an argument.
//!
//! Crash safety (U1): the plan's `next_state` — which records every create
//! about to be sent — is saved through the [`StateStore`] before anything is
//! sent, and the state after the results is saved again. A process that dies
//! anywhere in between restarts from the saved state; the planner then only
//! re-sends the creates in flight with their idempotency keys, and the stores
//! return the records created the first time.
//!
//! Several workers (U1 across processes): with a state store, a run takes
//! the connection's lease first ([`RunOutcome::LeaseBusy`] when another
//! worker holds it: nothing is listed or sent), renews it between
//! operations when it comes close to expiry (by the [`Clock`] given to
//! [`Driver::with_state_store`]: [`SystemClock`] in a service, a clock the
//! test moves in tests), stops sending when it is lost
//! ([`RunOutcome::LeaseLost`]) and releases it at the end. Every save is a
//! compare-and-swap on the state's [`Generation`] and writes only what
//! changed ([`sync::diff`](crate::sync::diff)); a conflict ends the run
//! with [`RunOutcome::Superseded`]: another worker moved on, load the state
//! again.

mod billing;
mod listing;
mod persist;
mod qbtime;
mod send;

pub use billing::{BillingStores, Sent, read_ledger, send_billing};
pub use qbtime::{QBT_MAX_PAGES, read_jobcodes, read_timesheets, send_jobcodes};

pub(crate) use listing::each_page;
use listing::{list_all, listing, plan_with};
use persist::{Persist, Saved, Track};

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::error::{Error, Side};
use crate::ops::{DEFAULT_PAGE_LIMIT, PagingError};
use crate::ports::{AdapterError, Clock, ContactStore, Generation, LeaseOutcome, StateStore};
use crate::sync::{
    Applied, AuditEntry, ConnectionConfig, Decision, Listing, Needed, Plan, SyncState, Trigger,
    apply_results, diff,
};

/// How long a run's lease lasts unless renewed (default of
/// [`Driver::with_lease`]).
pub const DEFAULT_LEASE: Duration = Duration::minutes(5);

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum RunOutcome {
    /// The plan was carried out (some operations may have failed: see the
    /// trail).
    Completed,
    /// Nothing to write.
    Quiet,
    /// The ledger asked to wait (U4): run again at `retry_at`.
    RetryLater,
    /// The credentials were refused (E3): reconnect first.
    Disconnected,
    /// The ledger refused the access token and the adapter did not refresh
    /// it: refresh it with the refresh token and run again. Not a
    /// disconnection: nothing is lost.
    RefreshToken,
    /// Another worker holds the connection's lease: nothing was listed,
    /// saved or sent. `retry_at` is when that lease lapses unless renewed.
    LeaseBusy,
    /// The lease was lost during the run (it expired, or another worker
    /// took the connection over): sending stopped, the operations not sent
    /// were skipped and the results so far saved (when the state had not
    /// moved on).
    LeaseLost,
    /// A save found a newer state than the one this run started from:
    /// another worker moved on. Nothing more was sent; load the state again
    /// ([`Driver::load_state`]) before the next run.
    Superseded,
}

/// What one run did.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    /// How the run ended.
    pub outcome: RunOutcome,
    /// The plan, when one was made.
    pub plan: Option<Plan>,
    /// The results fed back, when operations were sent.
    pub applied: Option<Applied>,
    /// Every operation planned, applied, failed or skipped (U9).
    pub trail: Vec<AuditEntry>,
    /// Run again at this time (U4).
    pub retry_at: Option<DateTime<Utc>>,
}

impl RunReport {
    const fn ended(outcome: RunOutcome, retry_at: Option<DateTime<Utc>>) -> Self {
        Self {
            outcome,
            plan: None,
            applied: None,
            trail: Vec::new(),
            retry_at,
        }
    }

    /// Whether a re-read was asked for (U5): another run should follow.
    #[must_use]
    pub fn wants_rerun(&self) -> bool {
        self.applied.as_ref().is_some_and(|a| !a.reread.is_empty())
            || self.plan.as_ref().is_some_and(|p| {
                p.report
                    .notices
                    .iter()
                    .any(|n| n.kind == crate::sync::NoticeKind::ReissuedInFlight)
            })
    }
}

/// A run that could not go on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// The planner refused the input.
    #[error("planning failed: {0}")]
    Plan(#[from] Error),
    /// A listing failed (other than a rate limit or refused credentials,
    /// which end the run normally).
    #[error("listing the {side} side failed: {error}")]
    Listing {
        /// The side.
        side: Side,
        /// The store's error.
        error: AdapterError,
    },
    /// The state could not be saved: nothing was sent after that point.
    #[error("saving the sync state failed: {0}")]
    SaveState(AdapterError),
    /// The state could not be loaded.
    #[error("loading the sync state failed: {0}")]
    LoadState(AdapterError),
    /// The state store failed when asked for the connection's lease:
    /// nothing was listed or sent.
    #[error("asking for the connection's lease failed: {0}")]
    Lease(AdapterError),
    /// A paged listing did not end: the store kept answering a next page
    /// past the driver's page limit, or answered a page token twice. Nothing
    /// was planned or sent; the store (or the service behind it) needs
    /// fixing.
    #[error("listing the {side} side did not end: {error}")]
    Paging {
        /// The side whose listing was stopped.
        side: Side,
        /// How it was stopped.
        error: PagingError,
    },
}

/// Runs plans through a local and a ledger store.
pub struct Driver<'a> {
    config: &'a ConnectionConfig,
    local: &'a dyn ContactStore,
    remote: &'a dyn ContactStore,
    state_store: Option<Persist<'a>>,
    lease: Duration,
    change_listings: bool,
    page_limit: usize,
}

/// The system's clock (`chrono::Utc::now`), for
/// [`Driver::with_state_store`] in a service. The core never reads it;
/// tests pass a clock they move by hand.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    // The one reading of the system clock the driver offers: a service's
    // leases must move with real time (the core never calls this).
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        DateTime::<Utc>::from(std::time::SystemTime::now())
    }
}

impl std::fmt::Debug for Driver<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("profile", &self.config.profile)
            .field("change_listings", &self.change_listings)
            .finish_non_exhaustive()
    }
}

impl<'a> Driver<'a> {
    /// A driver for one connection.
    #[must_use]
    pub fn new(
        config: &'a ConnectionConfig,
        local: &'a dyn ContactStore,
        remote: &'a dyn ContactStore,
    ) -> Self {
        Self {
            config,
            local,
            remote,
            state_store: None,
            lease: DEFAULT_LEASE,
            change_listings: false,
            page_limit: DEFAULT_PAGE_LIMIT,
        }
    }

    /// Keeps `connection`'s state in `store`, running as `worker` (a name
    /// for the lease's holder, e.g. host and process id; two processes
    /// under one name still exclude each other, by the lease's token):
    /// every run holds the connection's lease, saves before sending and
    /// after feeding the results back (crash safety, U1), each save a
    /// compare-and-swap writing only what changed. Load the state with
    /// [`load_state`](Self::load_state) (or tell the generation of a state
    /// loaded otherwise with [`with_generation`](Self::with_generation));
    /// without either the first save expects no state stored.
    ///
    /// `clock` times the lease: it is read when the lease is taken and
    /// between operations, and the lease is renewed once a third of it is
    /// left. It has to move with real time ([`SystemClock`]): a run's
    /// `now` is fixed for the whole run, so a lease timed by it would lapse
    /// unnoticed while the run still sends.
    #[must_use]
    pub fn with_state_store(
        mut self,
        store: &'a dyn StateStore,
        connection: &str,
        worker: &str,
        clock: &'a dyn Clock,
    ) -> Self {
        self.state_store = Some(Persist {
            store,
            clock,
            connection: connection.to_owned(),
            worker: worker.to_owned(),
            track: Mutex::new(Track::default()),
        });
        self
    }

    /// The generation of the state the caller loaded from the state store
    /// itself: the next save expects it.
    #[must_use]
    pub fn with_generation(self, generation: Generation) -> Self {
        if let Some(p) = &self.state_store {
            p.track().generation = generation;
        }
        self
    }

    /// How long a run's lease lasts unless renewed (default
    /// [`DEFAULT_LEASE`]). The driver renews it between operations once a
    /// third of it is left, by the clock given to
    /// [`with_state_store`](Self::with_state_store).
    #[must_use]
    pub fn with_lease(mut self, ttl: Duration) -> Self {
        self.lease = ttl.max(Duration::seconds(1));
        self
    }

    /// The generation saved (or loaded) last ([`Generation::NONE`] without
    /// a state store or before anything was loaded or saved).
    #[must_use]
    pub fn generation(&self) -> Generation {
        self.state_store
            .as_ref()
            .map_or(Generation::NONE, |p| p.track().generation)
    }

    /// Loads the connection's state from the state store and remembers its
    /// generation for the next save; a new state when none is stored (or
    /// without a state store).
    ///
    /// # Errors
    /// [`DriverError::LoadState`] when the store fails.
    pub async fn load_state(&self) -> Result<SyncState, DriverError> {
        let Some(p) = &self.state_store else {
            return Ok(SyncState::new());
        };
        let loaded = p
            .store
            .load(&p.connection)
            .await
            .map_err(DriverError::LoadState)?;
        let (state, generation) = loaded.map_or((SyncState::new(), Generation::NONE), |l| {
            (l.state, l.generation)
        });
        p.track().generation = generation;
        Ok(state)
    }

    /// Lists only the ledger's changes since the state's cursor (the first
    /// run, and stores answering [`AdapterError::Unsupported`], still list
    /// everything). Deletions are then known only when the store reports
    /// them.
    #[must_use]
    pub const fn with_change_listings(mut self, on: bool) -> Self {
        self.change_listings = on;
        self
    }

    /// The most pages one listing may take before the run stops with
    /// [`DriverError::Paging`] (default [`DEFAULT_PAGE_LIMIT`]). A page token
    /// answered twice stops the run at once, whatever the limit.
    #[must_use]
    pub fn with_page_limit(mut self, limit: usize) -> Self {
        self.page_limit = limit.max(1);
        self
    }

    /// One run: list both sides, plan, save, send, feed back, save.
    ///
    /// `state` is updated in place. A rate limit or refused credentials on
    /// a listing end the run with [`RunOutcome::RetryLater`] /
    /// [`RunOutcome::Disconnected`] and the state says so. With a state
    /// store, the lease is taken first ([`RunOutcome::LeaseBusy`] when
    /// another worker holds it) and released at the end.
    ///
    /// # Errors
    /// [`DriverError`] when planning fails, a listing fails otherwise, the
    /// lease cannot be asked for, or the state cannot be saved.
    pub async fn run(
        &self,
        state: &mut SyncState,
        decisions: &[Decision],
        trigger: Trigger,
        now: DateTime<Utc>,
    ) -> Result<RunReport, DriverError> {
        let Some(p) = &self.state_store else {
            return self.run_leased(state, decisions, trigger, now).await;
        };
        let token = match p
            .store
            .acquire_lease(&p.connection, &p.worker, p.clock.now(), self.lease)
            .await
            .map_err(DriverError::Lease)?
        {
            LeaseOutcome::Held { expires_at, token } => {
                p.track().lease = Some((token, expires_at));
                token
            }
            LeaseOutcome::Busy { lease } => {
                return Ok(RunReport::ended(
                    RunOutcome::LeaseBusy,
                    Some(lease.expires_at),
                ));
            }
            LeaseOutcome::Lost => return Ok(RunReport::ended(RunOutcome::LeaseBusy, None)),
        };
        let report = self.run_leased(state, decisions, trigger, now).await;
        p.track().lease = None;
        // A release that fails leaves the lease to expire on its own.
        let _released = p.store.release_lease(&p.connection, token).await;
        report
    }

    /// [`run`](Self::run) once the lease is held (or without a state store).
    async fn run_leased(
        &self,
        state: &mut SyncState,
        decisions: &[Decision],
        trigger: Trigger,
        now: DateTime<Utc>,
    ) -> Result<RunReport, DriverError> {
        if state.is_disconnected() {
            return Ok(RunReport::ended(RunOutcome::Disconnected, None));
        }
        if let Some(t) = state.retry_at.filter(|t| *t > now) {
            return Ok(RunReport::ended(RunOutcome::RetryLater, Some(t)));
        }
        let abandons = decisions
            .iter()
            .any(|d| matches!(d, Decision::AbandonCreate { .. }));
        if !decisions.is_empty() && !abandons && state.in_flight().len() > 0 {
            // Creates still in flight are settled first (U1); the decisions
            // follow in the same call.
            let first = Box::pin(self.run_leased(state, &[], trigger, now)).await?;
            if first.outcome != RunOutcome::Completed || state.in_flight().len() > 0 {
                return Ok(first);
            }
        }
        // Decisions may name records a change feed does not list.
        let incremental = self.change_listings && state.initial_sync_done && decisions.is_empty();
        let (local_changes, local_fresh) = match self
            .changes_or_fresh(self.local, incremental, state.local_cursor.as_deref())
            .await
        {
            Ok(c) => c,
            Err(e) => return self.listing_failed(state, Side::Local, e, now).await,
        };
        let (remote_changes, remote_fresh) = match self
            .changes_or_fresh(self.remote, incremental, state.remote_cursor.as_deref())
            .await
        {
            Ok(c) => c,
            Err(e) => return self.listing_failed(state, Side::Remote, e, now).await,
        };
        let (mut local_full, local_fresh_cursor) = local_fresh.unwrap_or_default();
        if local_changes.is_none() && local_fresh_cursor.is_none() && local_full.is_empty() {
            match list_all(self.local, self.page_limit).await {
                Ok(v) => local_full = v,
                Err(e) => return self.listing_failed(state, Side::Local, e, now).await,
            }
        }
        let (mut remote_full, remote_fresh_cursor) = remote_fresh.unwrap_or_default();
        if remote_changes.is_none() && remote_fresh_cursor.is_none() && remote_full.is_empty() {
            match list_all(self.remote, self.page_limit).await {
                Ok(v) => remote_full = v,
                Err(e) => return self.listing_failed(state, Side::Remote, e, now).await,
            }
        }
        let mut plan = plan_with(
            self.config,
            state,
            listing(local_changes.as_ref(), &local_full),
            listing(remote_changes.as_ref(), &remote_full),
            decisions,
            trigger,
            now,
        )?;
        if matches!(
            plan.needs,
            Some(Needed::FullListing {
                side: Side::Local,
                ..
            })
        ) {
            // New ledger records: match them against every local contact.
            match list_all(self.local, self.page_limit).await {
                Ok(v) => local_full = v,
                Err(e) => return self.listing_failed(state, Side::Local, e, now).await,
            }
            let cursor = local_changes.as_ref().and_then(|c| c.2.clone());
            plan = plan_with(
                self.config,
                state,
                Listing::Full(&local_full),
                listing(remote_changes.as_ref(), &remote_full),
                decisions,
                trigger,
                now,
            )?;
            plan.next_state.local_cursor = cursor.or(plan.next_state.local_cursor);
        }
        // A full listing read through the change feed (its cursor had
        // expired) hands back a fresh cursor: the next run lists changes
        // again instead of everything for good.
        if remote_fresh_cursor.is_some() {
            plan.next_state.remote_cursor = remote_fresh_cursor;
        }
        if local_fresh_cursor.is_some() {
            plan.next_state.local_cursor = local_fresh_cursor;
        }
        if let Some(needed) = plan.needs {
            // Given every listing in full, the planner needs nothing more.
            return Err(DriverError::Plan(Error::InvalidState {
                reason: format!("the planner still needs input after full listings: {needed:?}"),
            }));
        }
        let mut trail = plan.trail();
        let delta = diff(state, &plan.next_state);
        // The caller's state moves on only once the store took it: after a
        // conflict (or a failed save) it is still the state loaded.
        if let Saved::Conflict = self.save(&plan.next_state, &delta).await? {
            return Ok(RunReport {
                outcome: RunOutcome::Superseded,
                plan: Some(plan),
                applied: None,
                trail,
                retry_at: None,
            });
        }
        state.clone_from(&plan.next_state);
        if plan.is_empty() {
            let outcome = if state.is_disconnected() {
                RunOutcome::Disconnected
            } else {
                RunOutcome::Quiet
            };
            return Ok(RunReport {
                outcome,
                plan: Some(plan),
                applied: None,
                trail,
                retry_at: None,
            });
        }
        if let Some(t) = plan.not_before.filter(|t| *t > now) {
            return Ok(RunReport {
                outcome: RunOutcome::RetryLater,
                plan: Some(plan),
                applied: None,
                trail,
                retry_at: Some(t),
            });
        }
        let (results, lease_lost) = self.send(&plan).await;
        let applied = apply_results(state, &plan, &results, now)?;
        let delta = diff(&plan.next_state, state);
        let saved = self.save(state, &delta).await?;
        trail.extend(applied.trail.iter().cloned());
        let outcome = if let Saved::Conflict = saved {
            RunOutcome::Superseded
        } else if lease_lost {
            RunOutcome::LeaseLost
        } else if applied.disconnected {
            RunOutcome::Disconnected
        } else if applied.token_expired {
            RunOutcome::RefreshToken
        } else if applied.retry_at.is_some() {
            RunOutcome::RetryLater
        } else {
            RunOutcome::Completed
        };
        Ok(RunReport {
            outcome,
            retry_at: applied.retry_at,
            plan: Some(plan),
            applied: Some(applied),
            trail,
        })
    }

    /// Runs until a plan is empty, the ledger asks to wait, the connection
    /// is disconnected, or `max_runs` runs were made. `decisions` go to the
    /// first run only.
    ///
    /// # Errors
    /// As [`Driver::run`].
    pub async fn run_until_quiet(
        &self,
        state: &mut SyncState,
        decisions: &[Decision],
        now: DateTime<Utc>,
        max_runs: usize,
    ) -> Result<Vec<RunReport>, DriverError> {
        let mut reports = Vec::new();
        for i in 0..max_runs {
            let d = if i == 0 { decisions } else { &[] };
            let r = self.run(state, d, Trigger::Scheduled, now).await?;
            let stop = !matches!(r.outcome, RunOutcome::Completed);
            reports.push(r);
            if stop {
                break;
            }
        }
        Ok(reports)
    }
}
