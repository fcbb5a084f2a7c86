//! Feeding the results of applied operations back into the state.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result, Side};
use crate::model::{Contact, ContactId};
use crate::ops::AdapterError;

use super::fields::{SyncField, read_field};
use super::operation::{Action, OpOutcome, OpResult, Operation};
use super::plan::{AuditEntry, AuditStatus, Plan};
use super::state::{ConnectionStatus, Link, LinkOrigin, LinkStatus, Removal, SyncState};

/// What feeding the results back found.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Applied {
    /// One entry per operation of the plan: applied, failed or skipped
    /// (U9).
    pub trail: Vec<AuditEntry>,
    /// Send nothing before this time (a rate limit, U4).
    pub retry_at: Option<DateTime<Utc>>,
    /// Records whose version moved on (U5) or that were not found: list
    /// them again and re-plan; they were not overwritten.
    pub reread: Vec<(Side, ContactId)>,
    /// The ledger refused the credentials: the connection is now
    /// disconnected (E3).
    pub disconnected: bool,
    /// The ledger refused the access token (and the adapter could not
    /// refresh it): refresh it, then run again. The connection is not
    /// disconnected.
    pub token_expired: bool,
}

impl Applied {
    /// Whether every operation was applied.
    #[must_use]
    pub fn all_applied(&self) -> bool {
        self.trail.iter().all(|e| e.status == AuditStatus::Applied)
    }
}

/// A refusal: the store did not and will not create the record, so a
/// create is no longer in flight. Rate limits, refused credentials and
/// timeouts leave it in flight: an earlier attempt may have landed (U1).
const fn is_refusal(error: &AdapterError) -> bool {
    matches!(
        error,
        AdapterError::Validation { .. }
            | AdapterError::DuplicateName { .. }
            | AdapterError::Unsupported { .. }
            | AdapterError::NotFound { .. }
    )
}

fn base_of(profile: crate::rules::Profile, record: &Contact) -> super::state::FieldBase {
    let m: super::state::FieldMap = SyncField::synced_by(profile)
        .iter()
        .filter_map(|&f| read_field(profile, record, f).map(|v| (f, v)))
        .collect();
    Arc::new(m)
}

/// Folds the results of a plan's operations into `state` — normally the
/// plan's `next_state`, stored before the operations were sent.
///
/// - an applied create links the new record to its source, with the
///   written values as the base; an applied update moves the base of its
///   fields and the version token;
/// - a rate limit sets [`SyncState::retry_at`] (U4); a stale version or a
///   missing record asks for a re-read, nothing is overwritten (U5); an
///   authentication failure disconnects the connection (E3); a duplicate
///   name is remembered so the next plan picks another (U2);
/// - a create that failed in a way that may have taken effect (a timeout)
///   or that has no result stays in flight: the next plan re-sends it with
///   the same idempotency key (U1).
///
/// Operations without a result are reported as skipped.
///
/// # Errors
/// [`Error::InvalidResult`] for a result naming an operation not in the
/// plan, two results for one operation, or an applied create whose record
/// has no id.
pub fn apply_results(
    state: &mut SyncState,
    plan: &Plan,
    results: &[OpResult],
    now: DateTime<Utc>,
) -> Result<Applied> {
    let mut by_op: HashMap<&str, &OpResult> = HashMap::with_capacity(results.len());
    for r in results {
        if plan.operation(&r.op_id).is_none() {
            return Err(Error::InvalidResult {
                op_id: r.op_id.to_string(),
                reason: "no such operation in the plan".into(),
            });
        }
        if by_op.insert(r.op_id.as_str(), r).is_some() {
            return Err(Error::InvalidResult {
                op_id: r.op_id.to_string(),
                reason: "reported twice".into(),
            });
        }
    }
    let mut out = Applied::default();
    let mut refused: Vec<super::plan::OpId> = Vec::new();
    for op in &plan.operations {
        let entry = |status| AuditEntry::of(plan.run, now, op, status);
        let Some(result) = by_op.get(op.id.as_str()) else {
            out.trail.push(entry(AuditStatus::Skipped {
                reason: "no result reported".into(),
            }));
            continue;
        };
        match &result.outcome {
            OpOutcome::Applied { record } => {
                let mut e = entry(AuditStatus::Applied);
                applied(state, plan, op, record, now)?;
                if op.is_create() {
                    match op.side {
                        Side::Local => e.local_id = Some(record.id.clone()),
                        Side::Remote => e.remote_id = Some(record.id.clone()),
                    }
                }
                out.trail.push(e);
            }
            OpOutcome::Failed { error } => {
                // A create sent again because an earlier attempt may have
                // landed stays in flight whatever the answer: the refusal
                // of the resend (a duplicate name, a missing reference…)
                // says nothing of the first attempt, and planning it anew
                // would create the record twice (U1). It is sent again
                // until it reports back, and a person is asked once it is
                // stuck (`ReviewItem::StuckCreate`, `Decision::AbandonCreate`).
                let resent =
                    op.is_create() && state.in_flight_attempts.get(&op.id).is_some_and(|n| *n > 0);
                if is_refusal(error) && !resent {
                    state.in_flight.remove(&op.id);
                    refused.push(op.id.clone());
                }
                failed(state, op, error, now, &mut out);
                out.trail.push(entry(AuditStatus::Failed {
                    error: error.clone(),
                }));
            }
            OpOutcome::Skipped { reason } => {
                // A create skipped because its dependency was refused will
                // not be sent; one skipped for a wait may have been sent by
                // an earlier run, so it stays in flight (U1).
                if op.depends_on.iter().any(|d| refused.contains(d)) {
                    state.in_flight.remove(&op.id);
                    refused.push(op.id.clone());
                }
                out.trail.push(entry(AuditStatus::Skipped {
                    reason: reason.clone(),
                }));
            }
        }
    }
    let in_flight = &state.in_flight;
    state
        .in_flight_attempts
        .retain(|id, _| in_flight.contains_key(id));
    out.reread.sort();
    out.reread.dedup();
    out.retry_at = state.retry_at.filter(|t| *t > now);
    Ok(out)
}

fn applied(
    state: &mut SyncState,
    plan: &Plan,
    op: &Operation,
    record: &Contact,
    now: DateTime<Utc>,
) -> Result<()> {
    match &op.action {
        Action::Create { source_id, .. } => {
            if record.id.as_str().is_empty() {
                return Err(Error::InvalidResult {
                    op_id: op.id.to_string(),
                    reason: "the created record has no id".into(),
                });
            }
            state.in_flight.remove(&op.id);
            let (local_id, remote_id, origin, version) = match op.side {
                Side::Local => (
                    record.id.clone(),
                    source_id.clone(),
                    LinkOrigin::CreatedLocally,
                    None,
                ),
                Side::Remote => (
                    source_id.clone(),
                    record.id.clone(),
                    LinkOrigin::CreatedRemotely,
                    record.extras.version.clone(),
                ),
            };
            state.issues.remove(&remote_id);
            state.local_seen.remove(&local_id);
            state.insert_link(Link {
                local_id,
                remote_id,
                status: LinkStatus::Linked,
                origin,
                linked_at: now,
                base: Some(base_of(plan.profile, record)),
                remote_version: version,
            });
        }
        Action::Update {
            target_id,
            partner_id,
            patch,
            ..
        } => {
            let rid = match op.side {
                Side::Local => partner_id,
                Side::Remote => target_id,
            };
            if let Some(mut link) = state.links.get_mut(rid) {
                if op.side == Side::Remote {
                    link.remote_version.clone_from(&record.extras.version);
                }
                let mut m = match &link.base {
                    Some(b) => (**b).clone(),
                    // The first sync of the pair (F2): everything the
                    // local record now holds is the ledger's.
                    None => (*base_of(plan.profile, record)).clone(),
                };
                for c in &patch.changes {
                    match &c.new {
                        Some(v) => m.insert(c.field, v.clone()),
                        None => m.remove(&c.field),
                    };
                }
                link.base = Some(Arc::new(m));
            }
        }
    }
    Ok(())
}

fn failed(
    state: &mut SyncState,
    op: &Operation,
    error: &AdapterError,
    now: DateTime<Utc>,
    out: &mut Applied,
) {
    match error {
        AdapterError::RateLimited { retry_after_secs } => {
            let at = crate::ops::retry_time(now, *retry_after_secs);
            state.retry_at = Some(state.retry_at.map_or(at, |t| t.max(at)));
        }
        AdapterError::AccessTokenExpired { .. } => {
            // Not a disconnection: the caller refreshes the token and runs
            // again; nothing else is recorded.
            out.token_expired = true;
        }
        AdapterError::Authentication { message } => {
            out.disconnected = true;
            state.connection = ConnectionStatus::Disconnected {
                since: now,
                message: message.clone(),
            };
        }
        AdapterError::StaleVersion { .. } => {
            if let Action::Update { target_id, .. } = &op.action {
                out.reread.push((op.side, target_id.clone()));
            }
        }
        AdapterError::NotFound { id } => {
            // The record is gone: the pair is marked (F6, U8), never
            // retried blindly; a listing that shows it again restores it.
            // An answer naming another record (one the request referred
            // to) says nothing about the target: it is only re-read.
            if let Action::Update {
                target_id,
                partner_id,
                ..
            } = &op.action
            {
                out.reread.push((op.side, target_id.clone()));
                if !id.as_str().is_empty() && id != target_id {
                    return;
                }
                let (rid, removal) = match op.side {
                    Side::Local => (partner_id, Removal::DeletedLocally),
                    Side::Remote => (target_id, Removal::Deleted),
                };
                if let Some(mut link) = state.links.get_mut(rid).filter(|l| l.is_linked()) {
                    link.status = LinkStatus::Removed {
                        removal,
                        since: now,
                    };
                }
            }
        }
        AdapterError::DuplicateName { name } => {
            state.taken_names.insert(name.clone());
        }
        _ => {}
    }
}
