//! Keeping both sides in step: links, plans, conflict policies, push rules
//! (L1–L3, F1–F7, P1–P4, U1–U5, U8, U9).
//!
//! The loop, sans I/O:
//!
//! 1. The caller lists both sides (full listings, or the ledger's changes
//!    since the cursor in the state).
//! 2. [`plan`] turns (listings, [`SyncState`], [`ConnectionConfig`],
//!    decisions, `now`) into a [`Plan`]: operations, review items, a report
//!    and the next state. Nothing is written yet: this is the dry run.
//! 3. The caller stores `plan.next_state` (it records the creates in flight),
//!    runs the operations through its stores (or lets the
//!    [`driver`](crate::driver) do it) and collects one [`OpResult`] each.
//! 4. [`apply_results`] folds the results into the state: links for new
//!    records, new bases, "retry at T" for rate limits, re-reads for stale
//!    versions, "disconnected" for refused credentials.
//!
//! Re-planning right after a fully applied plan gives an empty plan (F5).

mod apply;
mod config;
mod delta;
mod fields;
mod input;
mod link;
mod links;
mod names;
mod operation;
mod plan;
mod planner;
mod shared_map;
mod state;

pub use apply::{Applied, apply_results};
pub use config::{ConflictPolicy, ConnectionConfig, ManualSyncDirection, Trigger};
pub use delta::{STATE_FORMAT_VERSION, STATE_FORMAT_WHOLE_JSON, StateDelta, StateHead, diff};
pub use fields::{
    FieldChange, FieldPatch, FieldValue, NameValue, SyncField, field_equals, read_field,
    same_after_normalising, write_field,
};
pub use input::{Listing, PlanInput};
pub use names::{ChosenName, display_name_for};
pub use operation::{Action, ContactRef, OpOutcome, OpResult, Operation};
pub use plan::{
    AuditEntry, AuditStatus, Conflict, Decision, Needed, Notice, NoticeKind, OpId, Overwrite, Plan,
    PlanCounts, Report, ReviewItem,
};
pub use planner::{plan, plan_owned};
pub use state::{
    ConnectionStatus, FieldBase, FieldMap, Link, LinkOrigin, LinkStatus, MatchIssue, Removal,
    SyncState,
};
