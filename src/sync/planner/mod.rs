//! The planner: a pure function from listings, state, settings, decisions
//! and `now` to a [`Plan`].
//!
//! A run goes through these phases, in this order; each reads the run's
//! facts (`Run`) and writes the next state and the plan being drafted
//! (`Draft`), plus what the table says it produces:
//!
//! | phase | file | produces |
//! |---|---|---|
//! | index the listings | `listings` | `Run`: both sides by id (empty or repeated ids are errors) |
//! | creates in flight (U1) | `in_flight` | abandoned creates dropped; while any is left, the re-issued creates, and the run stops there |
//! | decisions (L1–L3, M2, P1, F4) | `decisions` | links and creates people asked for; `Decided` (records they settled or freed, conflicts they resolved) |
//! | existing pairs (F6, U3, U8) | `lifecycle` | removals, restores, links moved to merge survivors; `Paired` (ledger ids with a pair) |
//! | merge the pairs (F1–F4) | `merge`, `diff` | updates both ways, conflicts, new bases (pairs linked so far) |
//! | match new records (M1–M10, T1–T4) | `matching` | automatic links, local creates, match issues |
//! | merge the new pairs | `merge`, `diff` | as above, for the pairs matching just linked |
//! | push (P1–P3) | `push` | ledger creates of local contacts; the contacts seen |
//! | assemble | `output` | the [`Plan`]: operations in dependency order, everything sorted, creates in flight |
//!
//! Records are created through `creates`, display names made unique for
//! the ledger through `unique_names` (U2). `Claims` (local contacts
//! taken, pairs linked) is kept by every phase that links or creates.

mod creates;
mod decisions;
mod diff;
mod in_flight;
mod lifecycle;
mod listings;
mod matching;
mod merge;
mod output;
mod push;
mod unique_names;

use std::collections::{HashMap, HashSet};

use crate::error::{Error, Result};
use crate::matching::hash::IdBuild;
use crate::model::ContactId;

use super::config::ConnectionConfig;
use super::plan::{Decision, NoticeKind, Plan};
use super::state::{Link, SyncState};

use self::listings::{Indexes, Run};
use self::merge::Pairs;
use self::output::Draft;
use self::unique_names::UniqueNames;
use crate::sync::input::PlanInput;

type FastMap<K, V> = HashMap<K, V, IdBuild>;
type FastSet<K> = HashSet<K, IdBuild>;

/// What the run has taken so far: kept by every phase that links or
/// creates.
#[derive(Default)]
struct Claims {
    /// Local contacts linked or sent to the ledger by this run: not paired
    /// a second time (M9).
    reserved_local: FastSet<ContactId>,
    /// Ledger ids linked or moved by this run, in order: their pairs are
    /// merged.
    new_links: Vec<ContactId>,
}

/// The ledger id a local contact is linked to (a linked pair only).
fn linked_local<'s>(next: &'s SyncState, local_id: &str) -> Option<&'s ContactId> {
    next.by_local
        .get(local_id)
        .filter(|r| next.links.get(*r).is_some_and(Link::is_linked))
}

/// Plans one run.
///
/// The plan's operations are in dependency order; its `next_state` is
/// what to store before sending them. While creates of an earlier plan
/// are still in flight (their results never came back), the plan only
/// re-issues them with their idempotency keys (U1); a disconnected
/// connection plans nothing (E3).
///
/// # Errors
/// [`Error::InvalidConfig`] for bad settings, [`Error::DuplicateId`] /
/// [`Error::EmptyId`] for bad listings, [`Error::InvalidDecision`] for a
/// decision that cannot be carried out, [`Error::InvalidState`] for a
/// stored state the planner cannot continue from (a run counter at its
/// largest value).
///
/// # Example
/// ```
/// use chrono::{TimeZone, Utc};
/// use ledgerlink::sync::{ConnectionConfig, PlanInput, SyncState, plan};
/// use ledgerlink::{Contact, Profile};
///
/// let now = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
/// let local = [Contact::organization("L1", "Acme Ltd").with_email("ap@acme.test")];
/// let xero = [
///     Contact::named("X1", "Acme Ltd").with_email("ap@acme.test"),
///     Contact::named("X2", "Bloggs Family Trust"),
/// ];
/// let config = ConnectionConfig::new(Profile::XeroGl);
/// let plan = plan(&config, &SyncState::new(), &PlanInput::new(&local, &xero, now))?;
/// assert_eq!(plan.report.counts.linked, 1); // X1 ↔ L1 (M1)
/// assert_eq!(plan.report.counts.local_creates, 1); // X2 (M3)
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plan(config: &ConnectionConfig, state: &SyncState, input: &PlanInput<'_>) -> Result<Plan> {
    // A copy shares the state's links and local index: it costs little
    // however many links there are, and the plan writes apart from them.
    plan_indexed(
        config,
        state.clone(),
        Given::Borrowed(state),
        input,
        Indexes::of(input),
    )
}

/// [`plan`] taking the state by value: the plan's `next_state` is built in
/// place instead of from a copy. A copy of a state shares its links and
/// local index (what it writes is kept apart), so this saves little over
/// [`plan`]: the copy of the smaller maps (issues, contacts seen).
///
/// A plan that [`needs`](Plan::needs) a full local listing gives the state
/// back unchanged as its `next_state`; to be able to, this keeps a copy
/// when the local side is a change listing (only then can that happen).
/// The driver uses [`plan`].
///
/// # Errors
/// As [`plan`]. The state is consumed even then.
pub fn plan_owned(
    config: &ConnectionConfig,
    state: SyncState,
    input: &PlanInput<'_>,
) -> Result<Plan> {
    let given = if matches!(input.local, crate::sync::Listing::Full(_)) {
        Given::None
    } else {
        Given::Copy(Box::new(state.clone()))
    };
    plan_indexed(config, state, given, input, Indexes::of(input))
}

/// The state a run was given, for a plan that must hand it back
/// unchanged ([`Plan::needs`]).
enum Given<'s> {
    /// The caller's state, copied only if needed.
    Borrowed(&'s SyncState),
    /// A copy taken beforehand.
    Copy(Box<SyncState>),
    /// None: the run cannot need more input (the local listing is full).
    None,
}

/// A need for more input where none can arise (a full local listing): a
/// defect of the planner, reported rather than panicking.
fn needs_without_state() -> Error {
    Error::InvalidState {
        reason: "the plan asked for a full local listing although it was given one".into(),
    }
}

/// The phases, in order (see the module documentation).
fn plan_indexed<'a>(
    config: &'a ConnectionConfig,
    state: SyncState,
    given: Given<'_>,
    input: &PlanInput<'a>,
    indexes: Result<Indexes<'a>>,
) -> Result<Plan> {
    config.validate()?;
    let mut next = state;
    next.repair_index();
    let run = Run::new(config, input, indexes?);
    let mut out = Draft::default();
    if next.is_disconnected() {
        out.notice(
            NoticeKind::Disconnected,
            "E3",
            None,
            None,
            "the ledger refused the credentials: reconnect before anything is sent",
        );
        return Ok(output::unchanged(&run, next, out));
    }
    // A person may give up on creates stuck in flight (U1): they are
    // dropped first, and the run goes on as usual once none is left.
    let (abandon, decisions): (Vec<&Decision>, Vec<&Decision>) = input
        .decisions
        .iter()
        .partition(|d| matches!(d, Decision::AbandonCreate { .. }));
    in_flight::abandon(&mut next, &mut out, &abandon)?;
    if !next.in_flight.is_empty() {
        if !decisions.is_empty() {
            return Err(Error::InvalidDecision {
                index: 0,
                reason: "creates of an earlier run are still in flight: plan without decisions, \
                         apply the results, then decide (the driver does this)"
                    .into(),
            });
        }
        in_flight::reissue(&mut next, &mut out);
        return Ok(output::unchanged(&run, next, out));
    }
    // The run number is part of every idempotency key: a state whose
    // counter cannot advance would reuse keys, so it is refused.
    next.run = next.run.checked_add(1).ok_or_else(|| Error::InvalidState {
        reason: format!("the run counter is at its largest value ({})", next.run),
    })?;
    // Keys are unique beyond this state: a state without a scope takes one
    // from the time of its first plan (U1).
    if next.key_scope.is_none() {
        next.key_scope = Some(crate::ops::scope_from_time(run.now));
    }
    let mut claims = Claims::default();
    let mut names = UniqueNames::new(&run);
    let decided = decisions::decide(
        &run,
        &mut next,
        &mut out,
        &mut claims,
        &mut names,
        &decisions,
    )?;
    // The pairs a change listing names, as the decisions left them.
    let touched = run.touched(&next);
    let resolved = &decided.resolved;
    let ctx = merge::diff_ctx(&run, resolved);
    let (paired, joined) = lifecycle::settle(
        &run,
        &mut next,
        &mut out,
        &mut claims,
        touched.as_deref(),
        &ctx,
    );
    // Existing pairs first: ledger records are then matched against the
    // local contacts as this plan leaves them, so applying the plan and
    // planning again finds nothing new (F5).
    let merged = claims.new_links.len();
    let existing = match (touched, joined) {
        // Every pair, with the records the lifecycle phase found.
        (None, Some(joined)) => Pairs::Joined(joined),
        (None, None) => Pairs::All,
        // Pairs linked by this run's decisions are compared too.
        (Some(mut ids), _) => {
            ids.extend(claims.new_links.iter().cloned());
            Pairs::These(sorted(ids))
        }
    };
    merge::merge_pairs(&run, &mut next, &mut out, &mut names, resolved, existing);
    if let Some(needed) =
        matching::classify(&run, &mut next, &mut out, &mut claims, &decided, &paired)?
    {
        // Nothing of this run is kept: the caller lists what is needed and
        // plans again from the state it gave.
        let given = match given {
            Given::Borrowed(s) => s.clone(),
            Given::Copy(s) => *s,
            Given::None => return Err(needs_without_state()),
        };
        return Ok(output::needs(&run, given, needed));
    }
    let linked = claims.new_links.get(merged..).unwrap_or_default().to_vec();
    let linked = Pairs::These(sorted(linked));
    merge::merge_pairs(&run, &mut next, &mut out, &mut names, resolved, linked);
    push::push(
        &run,
        &mut next,
        &mut out,
        &mut claims,
        &mut names,
        &decided.freed_local,
    );
    Ok(output::finish(&run, next, out))
}

/// `ids` sorted, each once.
fn sorted(mut ids: Vec<ContactId>) -> Vec<ContactId> {
    ids.sort_unstable();
    ids.dedup();
    ids
}
