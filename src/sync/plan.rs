//! The plan: operations, review items and the report, as plain data.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::error::Side;
use crate::matching::MatchOutcome;
use crate::model::ContactId;
use crate::ops::AdapterError;
pub use crate::ops::OpId;
use crate::rules::{KindDecision, Profile};

use super::config::ConflictPolicy;
use super::fields::{FieldChange, FieldValue, SyncField};
use super::operation::Operation;
use super::state::SyncState;

/// Something a person has to decide.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "item"))]
pub enum ReviewItem {
    /// An open match issue (L2): confirm a candidate, create new, or fix the
    /// data (unmatchable, M5).
    MatchIssue {
        /// The ledger record.
        remote_id: ContactId,
        /// Its classification: candidates and the matching fields.
        outcome: MatchOutcome,
        /// Person or organisation, and why.
        kind: Option<KindDecision>,
        /// When it was opened.
        opened_at: DateTime<Utc>,
        /// The explanation, with the rule.
        explanation: String,
    },
    /// A field changed on both sides that the policy did not settle (F4).
    Conflict(Box<Conflict>),
    /// A create sent again several times without an answer that says
    /// whether it landed (U1). Nothing else is planned meanwhile: check the
    /// ledger, then let it be sent again or give it up
    /// ([`Decision::AbandonCreate`]).
    StuckCreate {
        /// The operation.
        op_id: OpId,
        /// How often it was sent again.
        attempts: u32,
    },
    /// A merged Xero contact whose survivor is linked to another local
    /// contact (U3): which pair should remain?
    MergeClash {
        /// The local contact of the merged (archived) record.
        local_id: ContactId,
        /// The merged record.
        remote_id: ContactId,
        /// The surviving record.
        merged_into: ContactId,
        /// The local contact the survivor is linked to.
        survivor_local_id: ContactId,
    },
}

impl ReviewItem {
    fn sort_key(&self) -> (&str, u8, Option<SyncField>) {
        match self {
            Self::MatchIssue { remote_id, .. } => (remote_id.as_str(), 0, None),
            Self::Conflict(c) => (c.remote_id.as_str(), 1, Some(c.field)),
            Self::MergeClash { remote_id, .. } => (remote_id.as_str(), 2, None),
            Self::StuckCreate { op_id, .. } => (op_id.as_str(), 3, None),
        }
    }
}

/// A field changed on both sides since the last sync (F4).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Conflict {
    /// The local contact.
    pub local_id: ContactId,
    /// The ledger record.
    pub remote_id: ContactId,
    /// The field.
    pub field: SyncField,
    /// The value both sides had at the last sync.
    pub base: Option<FieldValue>,
    /// The local value now.
    pub local: Option<FieldValue>,
    /// The ledger's value now.
    pub remote: Option<FieldValue>,
    /// The policy that applied.
    pub policy: ConflictPolicy,
    /// The side whose value was kept; `None` when held for review.
    pub winner: Option<Side>,
}

/// A value replaced by the plan, with the value it replaced: nothing is
/// lost silently (F2, F3, F4).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Overwrite {
    /// The operation writing it.
    pub op_id: OpId,
    /// The side written.
    pub side: Side,
    /// The record written (on that side).
    pub record_id: ContactId,
    /// The change.
    pub change: FieldChange,
    /// The rule (`F2` first link, `F3` one-sided change, `F4` conflict);
    /// the planner's are static text, shared rather than copied.
    pub rule: Cow<'static, str>,
}

/// What happened to a record without a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum NoticeKind {
    /// A pair was linked (M1, confirm, re-match).
    Linked,
    /// A pair was unlinked by a person and the record reopened as a match
    /// issue (L1 "remove match").
    MatchRemoved,
    /// A pair was unsynced (L3).
    Unsynced,
    /// A match issue was resolved or closed.
    IssueClosed,
    /// The ledger record was archived: the local contact stays (F6).
    ArchivedRemotely,
    /// The ledger record was deleted: the local contact stays (F6, U8).
    DeletedRemotely,
    /// The local contact is gone; the ledger record is left alone.
    DeletedLocally,
    /// A removed record came back; the pair syncs again.
    Restored,
    /// A merged Xero contact: the link moved to the survivor (U3).
    LinkMoved,
    /// A QBO sub-customer (job): not a contact, not matched (Q3).
    SkippedJob,
    /// An XPM client contact not imported under the connection's scope
    /// (T2).
    NotImported,
    /// An archived ledger record that is not linked: not imported.
    SkippedArchived,
    /// A display name changed to satisfy the ledger (U2).
    Renamed,
    /// A local change not sent (manual import-only sync, F7; QBO
    /// non-primary address, F1).
    NotSent,
    /// Creates whose result was lost are sent again with their keys (U1).
    ReissuedInFlight,
    /// The connection is disconnected: nothing was planned (E3).
    Disconnected,
    /// The ledger asked to wait: nothing should be sent before the time
    /// in the plan (U4).
    RetryLater,
    /// One record of a linked pair has no name: the other's name is kept
    /// and nothing is written to it (F3).
    NamelessRecord,
}

/// A fact the plan reports.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Notice {
    /// What.
    pub kind: NoticeKind,
    /// The rule behind it (the planner's are static text, shared rather
    /// than copied).
    pub rule: Cow<'static, str>,
    /// The local contact, when there is one.
    pub local_id: Option<ContactId>,
    /// The ledger record, when there is one.
    pub remote_id: Option<ContactId>,
    /// In words.
    pub message: Cow<'static, str>,
}

/// How many records went where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PlanCounts {
    /// Linked pairs compared.
    pub pairs_compared: usize,
    /// Pairs newly linked (matched, confirmed, re-matched, moved).
    pub linked: usize,
    /// Local contacts to create.
    pub local_creates: usize,
    /// Ledger records to create.
    pub remote_creates: usize,
    /// Local contacts to update.
    pub local_updates: usize,
    /// Ledger records to update.
    pub remote_updates: usize,
    /// Open match issues.
    pub open_issues: usize,
    /// Conflicts settled by policy.
    pub conflicts_settled: usize,
    /// Conflicts held for review.
    pub conflicts_held: usize,
}

/// Everything the plan reports besides its operations.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Report {
    /// Every value the plan replaces, with the old value (in the order of
    /// the operations, then by field).
    pub overwritten: Vec<Overwrite>,
    /// Every conflict, settled or held, with both values (F4).
    pub conflicts: Vec<Conflict>,
    /// Links, removals, skips, renames… (sorted by kind, then ids).
    pub notices: Vec<Notice>,
    /// Totals.
    pub counts: PlanCounts,
}

/// The outcome of planning one run: what to write, what to ask a person,
/// what to tell them, and the state to keep.
///
/// Operations are in an order that respects `depends_on`; everything is
/// sorted by stable keys, so the same input serialises to the same bytes.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Plan {
    /// The run number.
    pub run: u64,
    /// The `now` the plan was made with.
    pub planned_at: DateTime<Utc>,
    /// The connection's profile.
    pub profile: Profile,
    /// The writes.
    pub operations: Vec<Operation>,
    /// What a person has to decide.
    pub review: Vec<ReviewItem>,
    /// What the plan reports.
    pub report: Report,
    /// Nothing should be sent before this time (U4).
    pub not_before: Option<DateTime<Utc>>,
    /// More input the planner needs before it can plan this run. When set,
    /// the plan is empty and `next_state` is the state it was given: list
    /// what it asks for and plan again (the driver does).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub needs: Option<Needed>,
    /// The state to store before the operations are sent (it records the
    /// creates in flight, U1); feed it to
    /// [`apply_results`](super::apply_results) with the results.
    pub next_state: SyncState,
}

/// Input a plan asks for before it can go on ([`Plan::needs`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "need"))]
#[non_exhaustive]
pub enum Needed {
    /// A full listing of `side`: new ledger records arrived in a change
    /// listing, and they must be matched against every local contact
    /// (M1–M3), not only the changed ones.
    FullListing {
        /// The side to list in full.
        side: Side,
        /// Why, for people.
        reason: String,
    },
}

impl Plan {
    /// Whether the plan writes nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    /// The operation with id `id`.
    #[must_use]
    pub fn operation(&self, id: impl AsRef<str>) -> Option<&Operation> {
        let id = id.as_ref();
        self.operations.iter().find(|o| o.id.as_str() == id)
    }

    /// One "planned" audit entry per operation (U9).
    #[must_use]
    pub fn trail(&self) -> Vec<AuditEntry> {
        self.operations
            .iter()
            .map(|op| AuditEntry::of(self.run, self.planned_at, op, AuditStatus::Planned))
            .collect()
    }

    pub(crate) fn sort(&mut self) {
        self.review.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.report
            .conflicts
            .sort_by(|a, b| (&a.remote_id, a.field).cmp(&(&b.remote_id, b.field)));
        // Overwrites are put in operation order by the planner.
        self.report.notices.sort_by(|a, b| {
            (a.kind, &a.remote_id, &a.local_id, &a.message).cmp(&(
                b.kind,
                &b.remote_id,
                &b.local_id,
                &b.message,
            ))
        });
    }
}

/// What became of an operation (U9).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "status"))]
pub enum AuditStatus {
    /// In the plan.
    Planned,
    /// Done.
    Applied,
    /// The store refused it.
    Failed {
        /// The error.
        error: AdapterError,
    },
    /// Not sent.
    Skipped {
        /// Why.
        reason: String,
    },
}

/// One line of the audit trail: "what happened to client X" (U9).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AuditEntry {
    /// The run.
    pub run: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// The operation.
    pub op_id: OpId,
    /// The side written.
    pub side: Side,
    /// The local contact (known after a local create ran).
    pub local_id: Option<ContactId>,
    /// The ledger record (known after a ledger create ran).
    pub remote_id: Option<ContactId>,
    /// The rule behind the operation.
    pub rule: String,
    /// Why it was planned.
    pub reason: String,
    /// What became of it.
    pub status: AuditStatus,
}

impl AuditEntry {
    pub(crate) fn of(run: u64, at: DateTime<Utc>, op: &Operation, status: AuditStatus) -> Self {
        let (l, r) = op.ids();
        Self {
            run,
            at,
            op_id: op.id.clone(),
            side: op.side,
            local_id: l.cloned(),
            remote_id: r.cloned(),
            rule: op.rule.clone(),
            reason: op.reason.clone(),
            status,
        }
    }
}

/// An explicit input from a person (L1–L3, M2, P1, F4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "decision"))]
#[non_exhaustive]
pub enum Decision {
    /// Resolve a match issue by linking the record to a local contact; the
    /// ledger's values overwrite the local synced fields (M2, F2).
    ConfirmMatch {
        /// The ledger record.
        remote_id: ContactId,
        /// The local contact.
        local_id: ContactId,
    },
    /// Resolve a match issue (or an unsynced record) by creating a new local
    /// contact from the ledger's data (M2, L3).
    CreateNew {
        /// The ledger record.
        remote_id: ContactId,
    },
    /// Unlink a pair ("remove match", L1): the record becomes a match issue
    /// again, so it is not linked back automatically.
    RemoveMatch {
        /// The ledger record.
        remote_id: ContactId,
    },
    /// Break a pair (L3): nothing flows until re-matched.
    Unsync {
        /// The ledger record.
        remote_id: ContactId,
    },
    /// Link an unsynced (or removed) record to a local contact again; the
    /// ledger's values overwrite the local ones (L3, F2).
    Rematch {
        /// The ledger record.
        remote_id: ContactId,
        /// The local contact.
        local_id: ContactId,
    },
    /// Create the ledger record of a local contact and link them (P1; any
    /// profile).
    CreateRemote {
        /// The local contact.
        local_id: ContactId,
    },
    /// Stop sending a create that is stuck in flight (U1): the person
    /// checked that the record does not exist, or will link it by hand.
    AbandonCreate {
        /// The operation.
        op_id: OpId,
    },
    /// Settle a held conflict by keeping one side's value (F4).
    ResolveConflict {
        /// The ledger record of the pair.
        remote_id: ContactId,
        /// The field.
        field: SyncField,
        /// The side whose value is kept.
        keep: Side,
    },
}
