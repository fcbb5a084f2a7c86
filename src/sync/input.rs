//! The input of one contact run: the two listings (in full or as
//! changes), people's decisions, what started the run, and `now`.

use chrono::{DateTime, Utc};

use crate::model::{Contact, ContactId};

use super::config::Trigger;
use super::plan::Decision;

/// One side of a run: everything, or what changed since the cursor.
#[derive(Debug, Clone, Copy)]
pub enum Listing<'a> {
    /// A full listing (archived records included). Linked records missing
    /// from it are reported as deleted (U8).
    Full(&'a [Contact]),
    /// Changes since the state's cursor for that side. Linked records not
    /// in it are taken as unchanged: a steady-state run then touches only
    /// the pairs that changed.
    Changes {
        /// Created or changed records.
        changed: &'a [Contact],
        /// Deleted records.
        deleted: &'a [ContactId],
        /// The cursor to store for next time.
        cursor: Option<&'a str>,
    },
}

/// The facts of one run.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The local contacts, in full or as changes. New ledger records are
    /// matched against every local contact: a run that has any needs the
    /// full local listing ([`Needed::FullListing`](crate::sync::Needed)).
    pub local: Listing<'a>,
    /// The ledger's records, in full or as changes.
    pub remote: Listing<'a>,
    /// Explicit inputs from people, applied in order.
    pub decisions: &'a [Decision],
    /// Scheduled or manual run (F7).
    pub trigger: Trigger,
    /// The current time. The planner reads no clock.
    pub now: DateTime<Utc>,
}

impl<'a> PlanInput<'a> {
    /// A scheduled run over full listings, without decisions.
    #[must_use]
    pub const fn new(local: &'a [Contact], remote: &'a [Contact], now: DateTime<Utc>) -> Self {
        Self {
            local: Listing::Full(local),
            remote: Listing::Full(remote),
            decisions: &[],
            trigger: Trigger::Scheduled,
            now,
        }
    }

    /// Replaces the local side (with a change listing, say).
    #[must_use]
    pub const fn with_local(mut self, local: Listing<'a>) -> Self {
        self.local = local;
        self
    }

    /// Replaces the ledger side (with a change listing, say).
    #[must_use]
    pub const fn with_remote(mut self, remote: Listing<'a>) -> Self {
        self.remote = remote;
        self
    }

    /// Adds people's decisions.
    #[must_use]
    pub const fn with_decisions(mut self, decisions: &'a [Decision]) -> Self {
        self.decisions = decisions;
        self
    }

    /// Sets what started the run.
    #[must_use]
    pub const fn with_trigger(mut self, trigger: Trigger) -> Self {
        self.trigger = trigger;
        self
    }
}
