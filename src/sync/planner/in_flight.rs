//! Creates of an earlier plan whose results never came back (U1): a
//! person may give them up; the others are sent again with their
//! idempotency keys, and nothing else is planned until they have landed.

use crate::error::{Error, Result};
use crate::model::ContactId;
use crate::sync::operation::{Action, ContactRef, Operation};
use crate::sync::plan::{Decision, NoticeKind, OpId, ReviewItem};
use crate::sync::state::SyncState;

use super::output::{Draft, order_ops};

/// Re-sends of one create after which a person is asked (U1).
const STUCK_AFTER: u32 = 3;

/// Drops the creates a person gave up on ([`Decision::AbandonCreate`]).
///
/// # Errors
/// [`Error::InvalidDecision`] for a create that is not in flight (`index`
/// counts the abandon decisions only).
pub(super) fn abandon(
    next: &mut SyncState,
    out: &mut Draft,
    decisions: &[&Decision],
) -> Result<()> {
    for (index, d) in decisions.iter().enumerate() {
        if let Decision::AbandonCreate { op_id } = d {
            if next.in_flight.remove(op_id).is_none() {
                return Err(Error::InvalidDecision {
                    index,
                    reason: format!("`{op_id}` is not in flight"),
                });
            }
            next.in_flight_attempts.remove(op_id);
            out.notice(
                NoticeKind::ReissuedInFlight,
                "U1",
                None,
                None,
                format!("`{op_id}` abandoned by a person: it is no longer sent"),
            );
        }
    }
    Ok(())
}

/// The creates still in flight, sent again: counts the attempts (a person
/// is asked after [`STUCK_AFTER`]) and points dependencies that landed
/// meanwhile at their records.
pub(super) fn reissue(next: &mut SyncState, out: &mut Draft) {
    let mut ops: Vec<Operation> = next.in_flight.values().cloned().collect();
    // Count the attempts: a create that keeps failing in a way that may
    // have landed holds the connection back, so a person is asked.
    for op in &ops {
        let n = next.in_flight_attempts.entry(op.id.clone()).or_insert(0);
        // Saturates: only "at least STUCK_AFTER" matters, and a counter
        // at its largest value keeps the create under review.
        *n = n.saturating_add(1);
        if *n >= STUCK_AFTER {
            out.review.push(ReviewItem::StuckCreate {
                op_id: op.id.clone(),
                attempts: *n,
            });
        }
    }
    // A dependency that is no longer in flight was created meanwhile:
    // refer to its record directly (U1).
    for op in &mut ops {
        let done: Vec<OpId> = op
            .depends_on
            .iter()
            .filter(|d| !next.in_flight.contains_key(*d))
            .cloned()
            .collect();
        if done.is_empty() {
            continue;
        }
        op.depends_on.retain(|d| !done.contains(d));
        if let Action::Create { organizations, .. } = &mut op.action {
            let refs = std::mem::take(organizations);
            for r in refs {
                match r {
                    ContactRef::CreatedBy(dep) if done.contains(&dep) => {
                        // Created meanwhile: point at it. Refused: the
                        // person is created without that organisation.
                        if let Some(id) = created_by(next, &dep) {
                            organizations.push(ContactRef::Id(id));
                        }
                    }
                    other => organizations.push(other),
                }
            }
        }
    }
    let n = ops.len();
    out.ops = order_ops(ops);
    out.notice(
        NoticeKind::ReissuedInFlight,
        "U1",
        None,
        None,
        format!(
            "{n} create(s) of run {} never reported back: sent again with the same idempotency keys, nothing else is planned until they have",
            next.run
        ),
    );
}

/// The record an applied create made, from the pair it linked.
fn created_by(next: &SyncState, op: &OpId) -> Option<ContactId> {
    if let Some(source) = op.as_str().strip_prefix("create-local:") {
        return next.links.get(source).map(|l| l.local_id.clone());
    }
    let source = op.as_str().strip_prefix("create-remote:")?;
    next.by_local.get(source).cloned()
}
