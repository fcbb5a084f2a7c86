//! The planner: a pure function from listings, state, settings, decisions
//! and `now` to a [`Plan`].

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result, Side};
use crate::matching::hash::{IdBuild, hash_bytes};
use crate::matching::{ExistingLinks, MatchIndex, MatchOutcome};
use crate::model::{Contact, ContactId, ContactKind, ContactStatus};
use crate::rules::xpm::{imports_client_contacts, kind_for_business_structure};
use crate::rules::{KindDecision, Profile};

use super::config::{ConflictPolicy, ConnectionConfig, ManualSyncDirection, Trigger};
use super::fields::{
    FieldChange, FieldPatch, FieldValue, NameValue, SyncField, field_equals, read_field,
    same_after_normalising, write_field,
};
use super::names::{TakenNames, display_name_for, display_name_from};
use super::operation::{Action, ContactRef, Operation};
use super::plan::{
    Conflict, Decision, Listing, Notice, NoticeKind, OpId, Overwrite, Plan, Report, ReviewItem,
};
use super::state::{Link, LinkOrigin, LinkStatus, MatchIssue, Removal, SyncState};

/// The facts of one run.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The local contacts, in full or as changes. New ledger records are
    /// matched against every local contact: a run that has any needs the
    /// full local listing ([`Error::FullListingRequired`]).
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
    // Copying the state and indexing the listings are independent.
    let (state, indexes) = crate::matching::par::join(|| state.clone(), || Indexes::of(input));
    plan_indexed(config, state, input, indexes)
}

/// [`plan`] taking the state by value: the plan's `next_state` is built in
/// place instead of from a copy. With many links and a change listing,
/// copying the state is most of the work.
///
/// # Errors
/// As [`plan`]. The state is consumed even then: keep a copy when an error
/// such as [`Error::FullListingRequired`] should be retried.
pub fn plan_owned(
    config: &ConnectionConfig,
    state: SyncState,
    input: &PlanInput<'_>,
) -> Result<Plan> {
    plan_indexed(config, state, input, Indexes::of(input))
}

fn plan_indexed<'a>(
    config: &'a ConnectionConfig,
    state: SyncState,
    input: &PlanInput<'a>,
    indexes: Result<Indexes<'a>>,
) -> Result<Plan> {
    config.validate()?;
    let mut state = state;
    state.repair_index();
    let mut p = Planner::new(config, state, input, indexes?);
    if p.next.is_disconnected() {
        p.notice(
            NoticeKind::Disconnected,
            "E3",
            None,
            None,
            "the ledger refused the credentials: reconnect before anything is sent",
        );
        return Ok(p.finish_unchanged());
    }
    // A person may give up on creates stuck in flight (U1): they are
    // dropped first, and the run goes on as usual once none is left.
    let (abandon, decisions): (Vec<&Decision>, Vec<&Decision>) = input
        .decisions
        .iter()
        .partition(|d| matches!(d, Decision::AbandonCreate { .. }));
    for (index, d) in abandon.into_iter().enumerate() {
        if let Decision::AbandonCreate { op_id } = d {
            if p.next.in_flight.remove(op_id).is_none() {
                return Err(Error::InvalidDecision {
                    index,
                    reason: format!("`{op_id}` is not in flight"),
                });
            }
            p.next.in_flight_attempts.remove(op_id);
            p.notice(
                NoticeKind::ReissuedInFlight,
                "U1",
                None,
                None,
                format!("`{op_id}` abandoned by a person: it is no longer sent"),
            );
        }
    }
    if !p.next.in_flight.is_empty() {
        if !decisions.is_empty() {
            return Err(Error::InvalidDecision {
                index: 0,
                reason: "creates of an earlier run are still in flight: plan without decisions, \
                         apply the results, then decide (the driver does this)"
                    .into(),
            });
        }
        p.reissue_in_flight();
        return Ok(p.finish_unchanged());
    }
    // The run number is part of every idempotency key: a state whose
    // counter cannot advance would reuse keys, so it is refused.
    p.next.run = p
        .next
        .run
        .checked_add(1)
        .ok_or_else(|| Error::InvalidState {
            reason: format!("the run counter is at its largest value ({})", p.next.run),
        })?;
    let decisions: Vec<Decision> = decisions.into_iter().cloned().collect();
    p.decide(&decisions)?;
    p.lifecycle();
    // Existing pairs first: ledger records are then matched against the
    // local contacts as this plan leaves them, so applying the plan and
    // planning again finds nothing new (F5).
    p.merge_pairs(false);
    p.classify()?;
    p.merge_pairs(true);
    p.push();
    Ok(p.finish())
}

struct Planner<'a> {
    config: &'a ConnectionConfig,
    profile: Profile,
    now: DateTime<Utc>,
    next: SyncState,
    local: &'a [Contact],
    local_by_id: FastMap<&'a str, &'a Contact>,
    full_local: bool,
    deleted_local: HashSet<&'a str, IdBuild>,
    local_cursor: Option<&'a str>,
    remote_records: &'a [Contact],
    remote_by_id: FastMap<&'a str, &'a Contact>,
    /// Ledger ids that have a pair of any status (M10), filled by
    /// `lifecycle`.
    remote_has_link: HashSet<&'a str, IdBuild>,
    full_remote: bool,
    deleted_remote: HashSet<&'a str, IdBuild>,
    cursor: Option<&'a str>,
    remote_writes: bool,
    ops: Vec<Operation>,
    review: Vec<ReviewItem>,
    report: Report,
    resolved: HashMap<(ContactId, SyncField), Side>,
    handled_remote: HashSet<ContactId, IdBuild>,
    forced_issue: HashSet<ContactId, IdBuild>,
    reserved_local: HashSet<ContactId, IdBuild>,
    taken: Option<TakenNames>,
    /// Per normalised name, where the search for a free " (n)" suffix
    /// starts (U2): many contacts sharing a name cost linear work.
    suffix_hint: HashMap<String, u64>,
    /// Ledger ids linked or moved by this run.
    new_links: Vec<ContactId>,
    /// The pairs named by change listings (computed once).
    touched_ids: Option<Vec<ContactId>>,
    /// Local contacts whose pair a decision of this run dropped.
    freed_local: HashSet<ContactId, IdBuild>,
    /// How many of `new_links` the first merge pass compared.
    merged_new: usize,
    /// Automatic links of this classification, inserted after it.
    pending: Vec<Link>,
    /// Their ledger → local ids.
    pending_links: FastMap<ContactId, ContactId>,
}

type FastMap<K, V> = HashMap<K, V, IdBuild>;

/// Re-sends of one create after which a person is asked (U1).
const STUCK_AFTER: u32 = 3;

/// The listings by id.
struct Indexes<'a> {
    local: FastMap<&'a str, &'a Contact>,
    remote: FastMap<&'a str, &'a Contact>,
}

impl<'a> Indexes<'a> {
    fn of(input: &PlanInput<'a>) -> Result<Self> {
        let (local, remote) = (split(input.local).0, split(input.remote).0);
        let (l, r) = crate::matching::par::join(
            || index_by_id(Side::Local, local),
            || index_by_id(Side::Remote, remote),
        );
        Ok(Self {
            local: l?,
            remote: r?,
        })
    }
}

type Split<'a> = (&'a [Contact], &'a [ContactId], Option<&'a str>, bool);

fn split(listing: Listing<'_>) -> Split<'_> {
    match listing {
        Listing::Full(r) => (r, &[], None, true),
        Listing::Changes {
            changed,
            deleted,
            cursor,
        } => (changed, deleted, cursor, false),
    }
}

/// The records by id; an empty or repeated id is an error.
fn index_by_id(side: Side, records: &[Contact]) -> Result<FastMap<&str, &Contact>> {
    let mut m = FastMap::with_capacity_and_hasher(records.len(), IdBuild::default());
    for (position, c) in records.iter().enumerate() {
        if c.id.as_str().is_empty() {
            return Err(Error::EmptyId { side, position });
        }
        if m.insert(c.id.as_str(), c).is_some() {
            return Err(Error::DuplicateId {
                side,
                id: c.id.to_string(),
            });
        }
    }
    Ok(m)
}

/// A stable fingerprint of what a push depends on (P2, P3): synced fields,
/// contact type, kind and organisations.
fn fingerprint(profile: Profile, c: &Contact) -> u64 {
    let mut h = hash_bytes(c.contact_type.as_deref().unwrap_or("").as_bytes(), 1);
    let mut mix = |bytes: &[u8]| h = hash_bytes(bytes, h);
    mix(c.kind.map_or("", ContactKind::as_str).as_bytes());
    for &f in SyncField::synced_by(profile) {
        match read_field(profile, c, f) {
            None => mix(b"\x00"),
            Some(FieldValue::Text(t)) => mix(t.as_bytes()),
            Some(FieldValue::Name(n)) => {
                mix(n.display.as_bytes());
                for part in [&n.company, &n.first, &n.last] {
                    mix(part.as_deref().unwrap_or("\x00").as_bytes());
                }
            }
            Some(FieldValue::Address(a)) => {
                for l in &a.lines {
                    mix(l.as_bytes());
                }
                for part in [&a.city, &a.region, &a.postal_code, &a.country] {
                    mix(part.as_deref().unwrap_or("\x00").as_bytes());
                }
            }
        }
    }
    for o in &c.organization_ids {
        mix(o.as_str().as_bytes());
    }
    h
}

fn newest(local: &Contact, remote: &Contact) -> Option<Side> {
    match (local.extras.updated_at, remote.extras.updated_at) {
        (Some(l), Some(r)) if l > r => Some(Side::Local),
        (Some(l), Some(r)) if r > l => Some(Side::Remote),
        _ => None,
    }
}

/// Which rule a change follows, for the report.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Why {
    Update,
    Spelling,
    FirstLink,
    Conflict,
}

impl Why {
    const fn rule(self) -> &'static str {
        match self {
            Self::Update => "F3",
            Self::Spelling => "N1",
            Self::FirstLink => "F2",
            Self::Conflict => "F4",
        }
    }
}

impl<'a> Planner<'a> {
    fn new(
        config: &'a ConnectionConfig,
        state: SyncState,
        input: &PlanInput<'a>,
        indexes: Indexes<'a>,
    ) -> Self {
        let (local, deleted_local, local_cursor, full_local) = split(input.local);
        let (remote_records, deleted, cursor, full) = split(input.remote);
        let Indexes {
            local: local_by_id,
            remote: remote_by_id,
        } = indexes;
        let remote_writes = !matches!(
            (input.trigger, config.manual_sync),
            (Trigger::Manual, ManualSyncDirection::ImportOnly)
        );
        Self {
            config,
            profile: config.profile,
            now: input.now,
            next: state,
            local,
            local_by_id,
            full_local,
            deleted_local: deleted_local.iter().map(ContactId::as_str).collect(),
            local_cursor,
            remote_records,
            remote_by_id,
            remote_has_link: HashSet::default(),
            full_remote: full,
            deleted_remote: deleted.iter().map(ContactId::as_str).collect(),
            cursor,
            remote_writes,
            ops: Vec::new(),
            review: Vec::new(),
            report: Report::default(),
            resolved: HashMap::new(),
            handled_remote: HashSet::default(),
            forced_issue: HashSet::default(),
            reserved_local: HashSet::default(),
            taken: None,
            suffix_hint: HashMap::new(),
            new_links: Vec::new(),
            touched_ids: None,
            freed_local: HashSet::default(),
            merged_new: 0,
            pending: Vec::new(),
            pending_links: FastMap::default(),
        }
    }

    fn notice(
        &mut self,
        kind: NoticeKind,
        rule: &str,
        local_id: Option<&ContactId>,
        remote_id: Option<&ContactId>,
        message: impl Into<Cow<'static, str>>,
    ) {
        self.report.notices.push(Notice {
            kind,
            rule: rule.to_owned(),
            local_id: local_id.cloned(),
            remote_id: remote_id.cloned(),
            message: message.into(),
        });
    }

    fn finish_unchanged(mut self) -> Plan {
        if self.next.retry_at.is_some_and(|t| t <= self.now) {
            self.next.retry_at = None;
        }
        let mut plan = Plan {
            run: self.next.run,
            planned_at: self.now,
            profile: self.profile,
            operations: self.ops,
            review: self.review,
            report: self.report,
            not_before: self.next.retry_at,
            next_state: self.next,
        };
        plan.sort();
        plan
    }

    // ---------------------------------------------------------------- U1

    fn reissue_in_flight(&mut self) {
        let mut ops: Vec<Operation> = self.next.in_flight.values().cloned().collect();
        // Count the attempts: a create that keeps failing in a way that may
        // have landed holds the connection back, so a person is asked.
        for op in &ops {
            let n = self
                .next
                .in_flight_attempts
                .entry(op.id.clone())
                .or_insert(0);
            // Saturates: only "at least STUCK_AFTER" matters, and a counter
            // at its largest value keeps the create under review.
            *n = n.saturating_add(1);
            if *n >= STUCK_AFTER {
                self.review.push(ReviewItem::StuckCreate {
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
                .filter(|d| !self.next.in_flight.contains_key(*d))
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
                            if let Some(id) = self.created_by(&dep) {
                                organizations.push(ContactRef::Id(id));
                            }
                        }
                        other => organizations.push(other),
                    }
                }
            }
        }
        let n = ops.len();
        self.ops = order_ops(ops);
        self.notice(
            NoticeKind::ReissuedInFlight,
            "U1",
            None,
            None,
            format!(
                "{n} create(s) of run {} never reported back: sent again with the same idempotency keys, nothing else is planned until they have",
                self.next.run
            ),
        );
    }

    /// The record an applied create made, from the pair it linked.
    fn created_by(&self, op: &OpId) -> Option<ContactId> {
        if let Some(source) = op.as_str().strip_prefix("create-local:") {
            return self.next.links.get(source).map(|l| l.local_id.clone());
        }
        let source = op.as_str().strip_prefix("create-remote:")?;
        self.next.by_local.get(source).cloned()
    }

    // ---------------------------------------------------------- decisions

    fn linked_local(&self, local_id: &str) -> Option<&ContactId> {
        self.next
            .by_local
            .get(local_id)
            .filter(|r| self.next.links.get(*r).is_some_and(Link::is_linked))
    }

    fn decide(&mut self, decisions: &[Decision]) -> Result<()> {
        for (index, d) in decisions.iter().enumerate() {
            let bad = |reason: String| Error::InvalidDecision { index, reason };
            match d {
                Decision::ConfirmMatch {
                    remote_id,
                    local_id,
                }
                | Decision::Rematch {
                    remote_id,
                    local_id,
                } => {
                    let rematch = matches!(d, Decision::Rematch { .. });
                    let remote = *self.remote_by_id.get(remote_id.as_str()).ok_or_else(|| {
                        bad(format!(
                            "ledger record `{remote_id}` is not in this run's listing"
                        ))
                    })?;
                    if !self.local_by_id.contains_key(local_id.as_str()) {
                        return Err(bad(format!(
                            "local contact `{local_id}` is not in the listing"
                        )));
                    }
                    if let Some(l) = self.next.links.get(remote_id)
                        && l.is_linked()
                    {
                        return Err(bad(format!(
                            "ledger record `{remote_id}` is already linked to `{}`",
                            l.local_id
                        )));
                    }
                    if let Some(other) = self.linked_local(local_id.as_str()) {
                        return Err(bad(format!(
                            "local contact `{local_id}` is already linked to `{other}` (M9): remove that match first"
                        )));
                    }
                    if rematch && !self.next.links.contains_key(remote_id) {
                        return Err(bad(format!(
                            "ledger record `{remote_id}` was never linked: confirm a match instead"
                        )));
                    }
                    if self.reserved_local.contains(local_id)
                        || !self.handled_remote.insert(remote_id.clone())
                    {
                        return Err(bad(format!(
                            "`{remote_id}` or `{local_id}` is already used by an earlier decision of this run (M9)"
                        )));
                    }
                    if let Some(old) = self.next.links.get(remote_id)
                        && old.local_id != *local_id
                    {
                        self.freed_local.insert(old.local_id.clone());
                    }
                    self.next.issues.remove(remote_id);
                    let (origin, rule) = if rematch {
                        (LinkOrigin::Rematched, "L3")
                    } else {
                        (LinkOrigin::Confirmed, "M2")
                    };
                    self.link(local_id, remote, origin, rule);
                }
                Decision::CreateNew { remote_id } => {
                    let remote = *self.remote_by_id.get(remote_id.as_str()).ok_or_else(|| {
                        bad(format!(
                            "ledger record `{remote_id}` is not in this run's listing"
                        ))
                    })?;
                    if self.next.links.get(remote_id).is_some_and(Link::is_linked) {
                        return Err(bad(format!(
                            "ledger record `{remote_id}` is linked: remove the match first"
                        )));
                    }
                    if !self.handled_remote.insert(remote_id.clone()) {
                        return Err(bad(format!(
                            "ledger record `{remote_id}` is already decided in this run"
                        )));
                    }
                    self.next.issues.remove(remote_id);
                    if let Some(old) = self.next.take_link(remote_id) {
                        self.freed_local.insert(old.local_id);
                    }
                    // Archived ledger records are never imported (U3): a
                    // decision taken before the record was archived, or
                    // merged into another, would copy it.
                    if remote.status == ContactStatus::Archived {
                        let merged = remote
                            .extras
                            .merged_into
                            .as_ref()
                            .filter(|_| self.profile.reports_merges());
                        return Err(bad(match merged {
                            Some(into) => format!(
                                "ledger record `{remote_id}` was merged into `{into}`: decide on `{into}` instead (U3)"
                            ),
                            None => format!(
                                "ledger record `{remote_id}` is archived: archived records are not imported (U3)"
                            ),
                        }));
                    }
                    let kind = self.kind_of_new(remote);
                    self.create_local(remote, kind, "M2", "a person chose to create a new contact");
                }
                Decision::RemoveMatch { remote_id } => {
                    let Some(link) = self.next.take_link(remote_id) else {
                        return Err(bad(format!("ledger record `{remote_id}` is not linked")));
                    };
                    self.forced_issue.insert(remote_id.clone());
                    self.freed_local.insert(link.local_id.clone());
                    // The issue is recorded now, so it stays open even when
                    // the record is not in this run's listing (L1, L2).
                    self.next.issues.insert(
                        remote_id.clone(),
                        MatchIssue {
                            remote_id: remote_id.clone(),
                            opened_at: self.now,
                            outcome: MatchOutcome::NoMatch,
                            kind: None,
                        },
                    );
                    self.notice(
                        NoticeKind::MatchRemoved,
                        "L1",
                        Some(&link.local_id),
                        Some(remote_id),
                        "match removed: the record waits for review instead of being linked again",
                    );
                }
                Decision::Unsync { remote_id } => {
                    let now = self.now;
                    let Some(link) = self.next.links.get_mut(remote_id).filter(|l| l.is_linked())
                    else {
                        return Err(bad(format!("ledger record `{remote_id}` is not linked")));
                    };
                    link.status = LinkStatus::Unsynced { since: now };
                    let local = link.local_id.clone();
                    self.notice(
                        NoticeKind::Unsynced,
                        "L3",
                        Some(&local),
                        Some(remote_id),
                        "unsynced: changes no longer flow until re-matched",
                    );
                }
                Decision::CreateRemote { local_id } => {
                    let local = *self.local_by_id.get(local_id.as_str()).ok_or_else(|| {
                        bad(format!("local contact `{local_id}` is not in the listing"))
                    })?;
                    if let Some(other) = self.linked_local(local_id.as_str()) {
                        return Err(bad(format!(
                            "local contact `{local_id}` is already linked to `{other}`"
                        )));
                    }
                    if self.reserved_local.contains(local_id) {
                        return Err(bad(format!(
                            "local contact `{local_id}` is already used by an earlier decision of this run (M9)"
                        )));
                    }
                    if !self.remote_writes {
                        return Err(bad(
                            "this run may not write to the ledger (manual import-only sync, F7)"
                                .to_owned(),
                        ));
                    }
                    self.create_remote(
                        local,
                        Vec::new(),
                        "P1",
                        "a person asked to create the ledger record",
                    );
                }
                // Handled before planning (see `plan_indexed`).
                Decision::AbandonCreate { .. } => {}
                Decision::ResolveConflict {
                    remote_id,
                    field,
                    keep,
                } => {
                    if !self.next.links.get(remote_id).is_some_and(Link::is_linked) {
                        return Err(bad(format!("ledger record `{remote_id}` is not linked")));
                    }
                    self.resolved.insert((remote_id.clone(), *field), *keep);
                }
            }
        }
        Ok(())
    }

    fn link(&mut self, local_id: &ContactId, remote: &Contact, origin: LinkOrigin, rule: &str) {
        self.reserved_local.insert(local_id.clone());
        self.new_links.push(remote.id.clone());
        self.next.insert_link(Link {
            local_id: local_id.clone(),
            remote_id: remote.id.clone(),
            status: LinkStatus::Linked,
            origin,
            linked_at: self.now,
            base: None,
            remote_version: remote.extras.version.clone(),
        });
        self.report.counts.linked += 1;
        self.notice(
            NoticeKind::Linked,
            rule,
            Some(local_id),
            Some(&remote.id),
            "linked: the ledger's values replace the local synced fields (F2)",
        );
    }

    /// An automatic link (M1), inserted with the others after the batch
    /// (one bulk build on a first connection instead of a search each).
    fn link_later(&mut self, local_id: &ContactId, remote: &Contact) {
        self.reserved_local.insert(local_id.clone());
        self.new_links.push(remote.id.clone());
        self.pending_links
            .insert(remote.id.clone(), local_id.clone());
        self.report.counts.linked += 1;
        let msg = if self.profile == Profile::XeroGl {
            "linked: the ledger's values replace the local synced fields (F2)"
        } else {
            "linked: a value only one side has is copied across, different values follow the conflict policy"
        };
        self.notice(
            NoticeKind::Linked,
            "M1",
            Some(local_id),
            Some(&remote.id),
            msg,
        );
        let link = Link {
            local_id: local_id.clone(),
            remote_id: remote.id.clone(),
            status: LinkStatus::Linked,
            origin: LinkOrigin::Matched,
            linked_at: self.now,
            base: None,
            remote_version: remote.extras.version.clone(),
        };
        self.pending.push(link);
    }

    fn flush_links(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        self.pending_links.clear();
        if self.next.links.is_empty() && self.next.by_local.is_empty() {
            self.next.by_local = pending
                .iter()
                .map(|l| (l.local_id.clone(), l.remote_id.clone()))
                .collect();
            self.next.links = pending
                .into_iter()
                .map(|l| (l.remote_id.clone(), l))
                .collect();
        } else {
            for l in pending {
                self.next.insert_link(l);
            }
        }
    }

    // ---------------------------------------------------------- lifecycle

    /// Removals, restores and merges of existing pairs (F6, U3, U8).
    fn lifecycle(&mut self) {
        let mut moves: Vec<(ContactId, ContactId)> = Vec::new();
        match self.touched() {
            None => {
                let mut links = std::mem::take(&mut self.next.links);
                for (rid, link) in &mut links {
                    self.lifecycle_one(rid, link, &mut moves);
                }
                self.next.links = links;
            }
            Some(ids) => {
                let mut links = std::mem::take(&mut self.next.links);
                for rid in ids {
                    if let Some(link) = links.get_mut(&rid) {
                        self.lifecycle_one(&rid, link, &mut moves);
                    }
                }
                self.next.links = links;
            }
        }
        for (rid, into) in moves {
            match self.survivor(&rid, into) {
                Some(into) => self.move_link(&rid, &into),
                // Merges that lead back to where they started name no
                // survivor: the pair is marked archived (F6).
                None => {
                    if let Some(mut l) = self.next.links.remove(&rid) {
                        self.remove(&mut l, Removal::Archived);
                        self.next.links.insert(rid.clone(), l);
                    }
                }
            }
        }
    }

    /// The record a merge ends at: a survivor that was itself merged into
    /// another since (A into B, then B into C) passes the link on, so one
    /// plan moves it all the way (F5). `None` when the merges go round in
    /// a circle (no survivor). Bounded by the listing.
    fn survivor(&self, from: &ContactId, mut into: ContactId) -> Option<ContactId> {
        let mut seen: HashSet<ContactId> = HashSet::new();
        seen.insert(from.clone());
        for _ in 0..=self.remote_records.len() {
            if !seen.insert(into.clone()) {
                return None;
            }
            match self
                .remote_by_id
                .get(into.as_str())
                .filter(|r| r.status == ContactStatus::Archived)
                .and_then(|r| r.extras.merged_into.as_ref())
            {
                Some(next) => into = next.clone(),
                None => return Some(into),
            }
        }
        None
    }

    /// The pairs a run has to look at: `None` for all of them (a side is
    /// listed in full), else those a change listing names, sorted.
    fn touched(&mut self) -> Option<Vec<ContactId>> {
        if self.full_local || self.full_remote {
            return None;
        }
        if let Some(t) = &self.touched_ids {
            return Some(t.clone());
        }
        let mut ids: Vec<ContactId> = self.remote_records.iter().map(|r| r.id.clone()).collect();
        ids.extend(self.deleted_remote.iter().map(|d| ContactId::new(*d)));
        let locals = self.local.iter().map(|c| c.id.as_str());
        for l in locals.chain(self.deleted_local.iter().copied()) {
            if let Some(r) = self.next.by_local.get(l) {
                ids.push(r.clone());
            }
        }
        ids.sort_unstable();
        ids.dedup();
        self.touched_ids = Some(ids.clone());
        Some(ids)
    }

    fn lifecycle_one(
        &mut self,
        rid: &ContactId,
        link: &mut Link,
        moves: &mut Vec<(ContactId, ContactId)>,
    ) {
        let follows_merges = self.profile.reports_merges();
        {
            let remote = self.remote_by_id.get_key_value(rid.as_str());
            if let Some((&key, _)) = remote {
                self.remote_has_link.insert(key);
            }
            let remote = remote.map(|(_, r)| *r);
            let gone = if self.full_remote {
                remote.is_none()
            } else {
                self.deleted_remote.contains(rid.as_str())
            };
            let local_gone = if self.full_local {
                !self.local_by_id.contains_key(link.local_id.as_str())
            } else {
                self.deleted_local.contains(link.local_id.as_str())
            };
            let local_listed = self.local_by_id.contains_key(link.local_id.as_str());
            match link.status {
                LinkStatus::Unsynced { .. } => {}
                LinkStatus::Linked => {
                    if gone {
                        self.remove(link, Removal::Deleted);
                    } else if local_gone {
                        self.remove(link, Removal::DeletedLocally);
                    } else if let Some(r) = remote.filter(|r| r.status == ContactStatus::Archived) {
                        // Only Xero reports merges (U3); a `merged_into`
                        // on another ledger's record means nothing.
                        match r.extras.merged_into.as_ref().filter(|_| follows_merges) {
                            Some(into) => moves.push((rid.clone(), into.clone())),
                            None => self.remove(link, Removal::Archived),
                        }
                    }
                }
                LinkStatus::Removed { removal, .. } => {
                    let back = match removal {
                        Removal::DeletedLocally => local_listed && !gone,
                        Removal::Archived | Removal::Deleted => {
                            !local_gone && remote.is_some_and(|r| r.status == ContactStatus::Active)
                        }
                    };
                    // The links are detached here: `by_local` says whether
                    // the local contact is paired elsewhere meanwhile.
                    // A person's decision of this run about the local
                    // contact (create it in the ledger, link it elsewhere)
                    // takes precedence over restoring the old pair.
                    let free = self
                        .next
                        .by_local
                        .get(&link.local_id)
                        .is_none_or(|r| r == rid)
                        && !self.reserved_local.contains(&link.local_id);
                    if back && free {
                        link.status = LinkStatus::Linked;
                        self.next
                            .by_local
                            .insert(link.local_id.clone(), rid.clone());
                        self.notice(
                            NoticeKind::Restored,
                            "F6",
                            Some(&link.local_id),
                            Some(rid),
                            "the record is back: the pair syncs again",
                        );
                    }
                }
            }
        }
    }

    fn remove(&mut self, link: &mut Link, removal: Removal) {
        link.status = LinkStatus::Removed {
            removal,
            since: self.now,
        };
        let (kind, rule, msg) = match removal {
            Removal::Archived => (
                NoticeKind::ArchivedRemotely,
                "F6",
                "archived in the ledger: the local contact is kept, the pair no longer syncs",
            ),
            Removal::Deleted => (
                NoticeKind::DeletedRemotely,
                "U8",
                "gone from the ledger: the local contact is kept, the pair no longer syncs",
            ),
            Removal::DeletedLocally => (
                NoticeKind::DeletedLocally,
                "F6",
                "the local contact is gone: the ledger record is left as it is",
            ),
        };
        self.notice(kind, rule, Some(&link.local_id), Some(&link.remote_id), msg);
    }

    fn move_link(&mut self, rid: &ContactId, into: &ContactId) {
        let survivor_link = self
            .next
            .links
            .get(into)
            .filter(|l| l.is_linked())
            .map(|l| l.local_id.clone());
        let Some(link) = self.next.links.get(rid).cloned() else {
            return;
        };
        if let Some(other) = survivor_link {
            if other != link.local_id {
                self.review.push(ReviewItem::MergeClash {
                    local_id: link.local_id.clone(),
                    remote_id: rid.clone(),
                    merged_into: into.clone(),
                    survivor_local_id: other,
                });
            }
            if let Some(mut l) = self.next.links.remove(rid) {
                self.remove(&mut l, Removal::Archived);
                self.next.links.insert(rid.clone(), l);
            }
            return;
        }
        self.next.take_link(rid);
        if let Some((&key, _)) = self.remote_by_id.get_key_value(into.as_str()) {
            self.remote_has_link.insert(key);
        }

        self.next.issues.remove(into);
        let version = self
            .remote_by_id
            .get(into.as_str())
            .and_then(|r| r.extras.version.clone());
        self.new_links.push(into.clone());
        self.next.insert_link(Link {
            remote_id: into.clone(),
            origin: LinkOrigin::Merged,
            linked_at: self.now,
            remote_version: version,
            ..link.clone()
        });
        self.report.counts.linked += 1;
        self.notice(
            NoticeKind::LinkMoved,
            "U3",
            Some(&link.local_id),
            Some(into),
            format!(
                "`{rid}` was merged into `{into}` in the ledger: the link moved to the survivor"
            ),
        );
    }

    // ------------------------------------------------------ classification

    /// The kind a new local contact gets (T1–T4) without classifying.
    fn kind_of_new(&self, remote: &Contact) -> Option<ContactKind> {
        if remote.kind.is_some() {
            return remote.kind;
        }
        let index = MatchIndex::new(self.profile, &[] as &[Contact]).ok()?;
        let decided = index.classify(remote).kind.map(|k: KindDecision| k.kind);
        // A record the rules could not type (QBO M5: display ≠ company and
        // no first and last name) that a person chose to create: a company
        // name makes it an organisation, first and last name a person.
        decided.or_else(|| {
            if remote.organization_name().is_some() {
                Some(ContactKind::Organization)
            } else if remote.first_name().is_some() && remote.last_name().is_some() {
                Some(ContactKind::Person)
            } else {
                None
            }
        })
    }

    /// Whether an unlinked ledger record takes part in matching; reports
    /// the ones that do not.
    fn eligible(&mut self, r: &'a Contact) -> bool {
        if self.remote_has_link.contains(r.id.as_str()) || self.handled_remote.contains(&r.id) {
            return false;
        }
        if r.status == ContactStatus::Archived {
            // An issue opened before the record was archived is closed: it
            // would never be imported (U3).
            if self.next.issues.remove(&r.id).is_some() {
                self.notice(
                    NoticeKind::IssueClosed,
                    "U3",
                    None,
                    Some(&r.id),
                    "the record was archived in the ledger: issue closed",
                );
            }
            self.notice(
                NoticeKind::SkippedArchived,
                "U3",
                None,
                Some(&r.id),
                "archived and not linked: not imported",
            );
            return false;
        }
        if self.profile == Profile::Qbo && r.extras.parent_id.is_some() {
            self.notice(
                NoticeKind::SkippedJob,
                "Q3",
                None,
                Some(&r.id),
                "a sub-customer (job), not a contact: not matched or imported",
            );
            return false;
        }
        if self.profile == Profile::Xpm && !r.organization_ids.is_empty() {
            // A contact of a client (T2).
            let parent_kind = r.organization_ids.iter().find_map(|p| {
                if let Some(c) = self.remote_by_id.get(p.as_str()) {
                    return Some(c.kind.unwrap_or_else(|| {
                        kind_for_business_structure(c.extras.business_structure.as_deref()).kind
                    }));
                }
                // Not in this (change) listing: a linked client says it
                // through its local contact; only organisations' contacts
                // are ever imported, so one not listed counts as one.
                let link = self.next.links.get(p).filter(|l| l.is_linked())?;
                Some(
                    self.local_by_id
                        .get(link.local_id.as_str())
                        .and_then(|c| c.kind)
                        .unwrap_or(ContactKind::Organization),
                )
            });
            let ok =
                parent_kind.is_some_and(|k| imports_client_contacts(self.config.import_scope, k));
            if !ok {
                let why = match parent_kind {
                    Some(ContactKind::Person) => {
                        "a contact of an individual / sole trader client: never imported"
                    }
                    Some(ContactKind::Organization) => {
                        "a contact of a client: the connection imports clients only"
                    }
                    None => "a contact of a client that is not in the listing",
                };
                self.notice(NoticeKind::NotImported, "T2", None, Some(&r.id), why);
                return false;
            }
        }
        true
    }

    /// Whether every organisation a ledger record belongs to is linked or
    /// created by this plan (a person is never imported without them).
    fn parents_ready(&self, r: &Contact) -> bool {
        r.organization_ids.iter().all(|p| {
            self.next.links.get(p).is_some_and(Link::is_linked)
                || self.pending_links.contains_key(p)
                || self
                    .ops
                    .iter()
                    .any(|o| o.id.as_str().strip_prefix("create-local:") == Some(p.as_str()))
        })
    }

    fn classify(&mut self) -> Result<()> {
        let mut cands: Vec<&'a Contact> = Vec::new();
        for r in self.remote_records {
            if self.eligible(r) {
                cands.push(r);
            }
        }
        // Issues of records deleted in a change listing are closed.
        let deleted: Vec<&'a str> = self.deleted_remote.iter().copied().collect();
        for d in deleted {
            if let Some((id, _)) = self.next.issues.remove_entry(d) {
                self.notice(
                    NoticeKind::IssueClosed,
                    "L2",
                    None,
                    Some(&id),
                    "the record was deleted in the ledger: issue closed",
                );
            }
        }
        // Issues of records gone from a full listing are closed.
        if self.full_remote {
            let gone: Vec<ContactId> = self
                .next
                .issues
                .keys()
                .filter(|id| !self.remote_by_id.contains_key(id.as_str()))
                .cloned()
                .collect();
            for id in gone {
                self.next.issues.remove(&id);
                self.notice(
                    NoticeKind::IssueClosed,
                    "L2",
                    None,
                    Some(&id),
                    "the record is gone from the ledger: issue closed",
                );
            }
        }
        if cands.is_empty() {
            return Ok(());
        }
        if !self.full_local {
            return Err(Error::FullListingRequired {
                side: Side::Local,
                reason: format!(
                    "{} new ledger record(s) must be matched against every local contact",
                    cands.len()
                ),
            });
        }
        // Parents first, so a client contact can refer to its client's create.
        // Parents first, so a client contact can refer to its client's
        // create (every output is sorted at the end: order is free here).
        let (mut parents, children): (Vec<&'a Contact>, Vec<&'a Contact>) = cands
            .into_iter()
            .partition(|c| c.organization_ids.is_empty());
        parents.extend(children);
        let cands = parents;
        let mut builder = MatchIndex::builder(self.profile);
        if let Some(g) = self.config.near_duplicates {
            builder = builder.near_duplicates(g);
        }
        // The local contacts as the updates planned so far leave them.
        let mut patched: FastMap<&str, Contact> = FastMap::default();
        for op in &self.ops {
            if let (
                Side::Local,
                Action::Update {
                    target_id, patch, ..
                },
            ) = (op.side, &op.action)
                && let Some((&key, &c)) = self.local_by_id.get_key_value(target_id.as_str())
            {
                let mut c = c.clone();
                patch.apply_to(&mut c);
                patched.insert(key, c);
            }
        }
        let index = if patched.is_empty() {
            builder.build(self.local)?
        } else {
            let view: Vec<&Contact> = self
                .local
                .iter()
                .map(|c| patched.get(c.id.as_str()).unwrap_or(c))
                .collect();
            builder.build(&view)?
        };
        let mut links: ExistingLinks = self.next.existing_links();
        // Local contacts a decision of this run will push are taken too.
        for l in &self.reserved_local {
            if !self.next.by_local.contains_key(l) {
                links.link(l.clone(), ContactId::new(format!("create-remote:{l}")));
            }
        }
        let results = index.classify_batch_with(&cands, &links)?;
        for (r, res) in cands.into_iter().zip(results) {
            let explained = res.explain();
            let keep_open =
                self.next.issues.contains_key(&r.id) || self.forced_issue.contains(&r.id);
            match res.outcome {
                MatchOutcome::Full { ref local_id } if !keep_open => {
                    let local_id = local_id.clone();
                    self.link_later(&local_id, r);
                }
                MatchOutcome::NoMatch if !keep_open && !self.parents_ready(r) => {
                    self.notice(
                        NoticeKind::NotImported,
                        "T2",
                        None,
                        Some(&r.id),
                        "a contact of a client that is not linked yet: imported once its client is",
                    );
                }
                MatchOutcome::NoMatch if !keep_open => {
                    let kind = res.kind.as_ref().map(|k| k.kind);
                    self.create_local(
                        r,
                        kind,
                        "M3",
                        "no local contact matches the name or the email",
                    );
                }
                MatchOutcome::AlreadyLinked { .. } | MatchOutcome::Unsynced { .. } => {}
                outcome => {
                    let opened_at = self
                        .next
                        .issues
                        .get(&r.id)
                        .map_or(self.now, |i| i.opened_at);
                    let explanation = if keep_open && !outcome.needs_review() {
                        format!(
                            "{explained} — the issue stays open until a person resolves it (L2)"
                        )
                    } else {
                        explained
                    };
                    self.review.push(ReviewItem::MatchIssue {
                        remote_id: r.id.clone(),
                        outcome: outcome.clone(),
                        kind: res.kind.clone(),
                        opened_at,
                        explanation,
                    });
                    self.next.issues.insert(
                        r.id.clone(),
                        MatchIssue {
                            remote_id: r.id.clone(),
                            opened_at,
                            outcome,
                            kind: res.kind,
                        },
                    );
                }
            }
        }
        self.flush_links();
        Ok(())
    }

    fn create_local(&mut self, remote: &Contact, kind: Option<ContactKind>, rule: &str, why: &str) {
        let mut contact = Contact {
            kind,
            contact_type: Some(self.config.default_contact_type.clone()),
            ..Contact::default()
        };
        // Everything the ledger knows about the contact, not only the
        // synced fields: the firm starts with the full record.
        contact.display_name.clone_from(&remote.display_name);
        contact
            .organization_name
            .clone_from(&remote.organization_name);
        contact.first_name.clone_from(&remote.first_name);
        contact.middle_name.clone_from(&remote.middle_name);
        contact.last_name.clone_from(&remote.last_name);
        contact.emails.clone_from(&remote.emails);
        contact.phones.clone_from(&remote.phones);
        contact.addresses.clone_from(&remote.addresses);
        let mut organizations = Vec::new();
        let mut depends_on = Vec::new();
        for p in &remote.organization_ids {
            if let Some(l) = self.next.links.get(p).filter(|l| l.is_linked()) {
                organizations.push(ContactRef::Id(l.local_id.clone()));
            } else if let Some(l) = self.pending_links.get(p) {
                organizations.push(ContactRef::Id(l.clone()));
            } else {
                let op = OpId(format!("create-local:{p}"));
                if self.ops.iter().any(|o| o.id == op) {
                    organizations.push(ContactRef::CreatedBy(op.clone()));
                    depends_on.push(op);
                }
            }
        }
        let id = OpId(format!("create-local:{}", remote.id));
        let key = format!("ledgerlink:{}:{id}", self.next.run);
        let reason = format!(
            "{why} ({rule}): created as {} with contact type \"{}\" (P4)",
            kind.map_or("a contact of unknown kind", ContactKind::as_str),
            self.config.default_contact_type
        );
        self.report.counts.local_creates += 1;
        self.ops.push(Operation {
            id,
            side: Side::Local,
            action: Action::Create {
                contact: Box::new(contact),
                source_id: remote.id.clone(),
                organizations,
                idempotency_key: key,
            },
            depends_on,
            rule: rule.to_owned(),
            reason,
        });
    }

    // ------------------------------------------------------------- merge

    fn taken(&mut self) -> &mut TakenNames {
        if self.taken.is_none() {
            let mut t = TakenNames::default();
            for r in self.remote_records {
                // Xero: unique among active contacts; QBO: among all.
                if self.profile == Profile::Qbo || r.status == ContactStatus::Active {
                    t.insert(&r.label());
                }
            }
            for n in &self.next.taken_names {
                t.insert(n);
            }
            self.taken = Some(t);
        }
        self.taken.get_or_insert_with(TakenNames::default)
    }

    const fn unique_names(&self) -> bool {
        matches!(self.profile, Profile::Qbo | Profile::XeroGl)
    }

    /// The name value to send for a local name (U2), `None` when it is
    /// what the ledger holds already.
    fn name_to_send(
        &mut self,
        mut n: NameValue,
        current: Option<&str>,
    ) -> (NameValue, Vec<&'static str>) {
        if !self.unique_names() {
            return (n, Vec::new());
        }
        let max = self.config.max_display_name_chars;
        let taken = self.taken();
        if let Some(c) = current {
            taken.remove(c);
        }
        let hint_key = crate::normalize::normalize_name(&n.display).into_owned();
        let first = self.suffix_hint.get(&hint_key).copied().unwrap_or(2);
        let taken = self.taken.get_or_insert_with(TakenNames::default);
        let (mut chosen, used) = display_name_from(&n.display, max, |x| taken.contains(x), first);
        if used != 0 {
            self.suffix_hint.insert(hint_key, used.saturating_add(1));
        }
        // A record that already carries a valid adjusted form of the name
        // ("Acme Ltd (2)") keeps it, even when a plainer one came free: the
        // name is stable, and planning again changes nothing (F5).
        if let Some(c) = current {
            let base = display_name_for(&n.display, max, |_| false).name;
            let adjusted = c.strip_prefix(base.as_str()).is_some_and(|rest| {
                rest.strip_prefix(" (")
                    .and_then(|r| r.strip_suffix(')'))
                    .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            });
            if adjusted && !taken.contains(c) && c.chars().count() <= max {
                chosen.name = c.to_owned();
            }
        }
        taken.insert(&chosen.name);
        // A QBO organisation is matched by its company name, which must equal
        // its display name (M5): keep the two equal when one is adjusted.
        if self.profile == Profile::Qbo
            && chosen.name != n.display
            && n.company.as_deref() == Some(n.display.as_str())
        {
            n.company = Some(chosen.name.clone());
        }
        n.display = chosen.name;
        (n, chosen.changes)
    }

    /// Compares the pairs: the existing ones (and those decisions made), or
    /// with `new_only` the pairs classification linked since.
    fn merge_pairs(&mut self, new_only: bool) {
        let mut links = std::mem::take(&mut self.next.links);
        let mut all_in_order = false;
        let ids: Vec<ContactId> = if new_only {
            let mut ids = self.new_links[self.merged_new..].to_vec();
            ids.sort_unstable();
            ids.dedup();
            ids
        } else {
            self.merged_new = self.new_links.len();
            match self.touched() {
                None => {
                    all_in_order = true;
                    links
                        .iter()
                        .filter(|(_, l)| l.is_linked())
                        .map(|(k, _)| k.clone())
                        .collect()
                }
                Some(mut ids) => {
                    // Pairs linked by this run's decisions are compared too.
                    ids.extend(self.new_links.iter().cloned());
                    ids.sort_unstable();
                    ids.dedup();
                    ids
                }
            }
        };
        // The field comparisons are pure: made in parallel, in order.
        let ctx = DiffCtx {
            profile: self.profile,
            config: self.config,
            remote_writes: self.remote_writes,
            full_local: self.full_local,
            full_remote: self.full_remote,
            resolved: &self.resolved,
        };
        let pairs: Vec<(&ContactId, &Link, Option<&Contact>, Option<&Contact>)> = ids
            .iter()
            .filter_map(|rid| {
                let link = links.get(rid).filter(|l| l.is_linked())?;
                let local = self.local_by_id.get(link.local_id.as_str()).copied();
                let remote = self.remote_by_id.get(rid.as_str()).copied();
                Some((rid, link, local, remote))
            })
            .collect();
        self.report.counts.pairs_compared += pairs.len();
        let diffs: Vec<Option<PairDiff>> =
            crate::matching::par::map_chunks(&pairs, 2048, |chunk| {
                chunk
                    .iter()
                    .map(|&(rid, link, local, remote)| ctx.diff(rid, link, local, remote))
                    .collect::<Vec<_>>()
            })
            .into_iter()
            .flatten()
            .collect();
        let remotes: Vec<(&ContactId, Option<&'a Contact>)> =
            pairs.iter().map(|p| (p.0, p.3)).collect();
        drop(pairs);
        if all_in_order {
            // `ids` is every linked pair in map order: walk the map along.
            let linked = links.iter_mut().filter(|(_, l)| l.is_linked());
            for (((rid, link), (_, remote)), diff) in linked.zip(remotes).zip(diffs) {
                if let Some(diff) = diff {
                    self.apply_diff(rid, link, remote, diff);
                }
            }
        } else {
            for ((rid, remote), diff) in remotes.into_iter().zip(diffs) {
                let Some(diff) = diff else { continue };
                if let Some(link) = links.get_mut(rid) {
                    self.apply_diff(rid, link, remote, diff);
                }
            }
        }
        self.next.links = links;
    }

    fn apply_diff(
        &mut self,
        rid: &ContactId,
        link: &mut Link,
        remote: Option<&Contact>,
        diff: PairDiff,
    ) {
        let local_id = link.local_id.clone();
        let PairDiff {
            to_local: _,
            mut to_remote,
            agreed,
            not_sent,
            conflicts,
            empty_base,
            nameless,
            local_op,
        } = diff;
        if let Some(side) = nameless {
            self.notice(
                NoticeKind::NamelessRecord,
                "F3",
                Some(&local_id),
                Some(rid),
                match side {
                    Side::Remote => {
                        "the ledger record has no name: the local contact's name is kept"
                    }
                    Side::Local => "the local contact has no name: the ledger's name is kept",
                },
            );
        }
        for (f, rule, why) in not_sent {
            self.notice(
                NoticeKind::NotSent,
                rule,
                Some(&local_id),
                Some(rid),
                format!("local change of {f} not sent: {why}"),
            );
        }
        for c in conflicts {
            if c.winner.is_some() {
                self.report.counts.conflicts_settled += 1;
            } else {
                self.report.counts.conflicts_held += 1;
                self.review.push(ReviewItem::Conflict(Box::new(c.clone())));
            }
            self.report.conflicts.push(c);
        }
        // Names sent to a ledger with unique names (U2).
        if let Some(i) = to_remote
            .iter()
            .position(|(c, _)| c.field == SyncField::Name)
            && let Some(FieldValue::Name(n)) = to_remote[i].0.new.clone()
        {
            let current = remote.map(Contact::label);
            let (sent, changes) = self.name_to_send(n, current.as_deref());
            let sent = Some(FieldValue::Name(sent));
            if sent == to_remote[i].0.old {
                to_remote.remove(i);
            } else {
                if !changes.is_empty() {
                    self.notice(
                        NoticeKind::Renamed,
                        "U2",
                        Some(&local_id),
                        Some(rid),
                        format!("name sent to the ledger adjusted: {}", changes.join(", ")),
                    );
                }
                to_remote[i].0.new = sent;
            }
        }
        // The base moves for the fields both sides agree on.
        if let Some(r) = remote {
            link.remote_version.clone_from(&r.extras.version);
        }
        match &link.base {
            Some(b) if !agreed.is_empty() => {
                let mut m = (**b).clone();
                for (f, v) in agreed {
                    match v {
                        Some(v) => m.insert(f, v),
                        None => m.remove(&f),
                    };
                }
                link.base = Some(Arc::new(m));
            }
            None if local_op.is_none() || empty_base => {
                let m: BTreeMap<SyncField, FieldValue> = agreed
                    .into_iter()
                    .filter_map(|(f, v)| v.map(|v| (f, v)))
                    .collect();
                link.base = Some(Arc::new(m));
            }
            _ => {}
        }
        let version = remote.and_then(|r| r.extras.version.clone());
        if let Some((op, overwrites)) = local_op {
            self.report.counts.local_updates += 1;
            self.report.overwritten.extend(overwrites);
            self.ops.push(op);
        }
        if !to_remote.is_empty() {
            self.report.counts.remote_updates += 1;
            to_remote.sort_by_key(|(c, _)| c.field);
            let v = version.or_else(|| link.remote_version.clone());
            self.update_op(Side::Remote, rid, &local_id, to_remote, v);
        }
    }

    fn update_op(
        &mut self,
        side: Side,
        target: &ContactId,
        partner: &ContactId,
        changes: Vec<(FieldChange, Why)>,
        expected_version: Option<crate::model::VersionToken>,
    ) {
        let (op, overwrites) = build_update(
            self.profile,
            side,
            target,
            partner,
            changes,
            expected_version,
        );
        self.report.overwritten.extend(overwrites);
        self.ops.push(op);
    }

    // -------------------------------------------------------------- push

    fn create_remote(
        &mut self,
        local: &Contact,
        organizations: Vec<(ContactRef, Option<OpId>)>,
        rule: &str,
        why: &str,
    ) {
        let profile = self.profile;
        let mut contact = Contact {
            kind: local.kind,
            ..Contact::default()
        };
        contact.middle_name.clone_from(&local.middle_name);
        for &f in SyncField::synced_by(profile) {
            if f.is_pushed(profile, local) {
                write_field(
                    profile,
                    &mut contact,
                    f,
                    read_field(profile, local, f).as_ref(),
                );
            }
        }
        if let Some(FieldValue::Name(n)) = read_field(profile, &contact, SyncField::Name) {
            let (sent, changes) = self.name_to_send(n, None);
            if !changes.is_empty() {
                self.notice(
                    NoticeKind::Renamed,
                    "U2",
                    Some(&local.id),
                    None,
                    format!(
                        "display name \"{}\" chosen for the ledger: {}",
                        sent.display,
                        changes.join(", ")
                    ),
                );
            }
            write_field(
                profile,
                &mut contact,
                SyncField::Name,
                Some(&FieldValue::Name(sent)),
            );
        }
        // The ledger needs its display name spelled out (QBO DisplayName,
        // Xero Name), even when the local one is derived (N3).
        if contact.display_name().is_none() {
            let label = contact.label();
            if !label.is_empty() {
                contact.display_name = Some(label);
            }
        }
        let id = OpId(format!("create-remote:{}", local.id));
        let key = format!("ledgerlink:{}:{id}", self.next.run);
        let (organizations, depends_on): (Vec<ContactRef>, Vec<Option<OpId>>) =
            organizations.into_iter().unzip();
        self.reserved_local.insert(local.id.clone());
        self.report.counts.remote_creates += 1;
        self.ops.push(Operation {
            id,
            side: Side::Remote,
            action: Action::Create {
                contact: Box::new(contact),
                source_id: local.id.clone(),
                organizations,
                idempotency_key: key,
            },
            depends_on: depends_on.into_iter().flatten().collect(),
            rule: rule.to_owned(),
            reason: format!("{why} ({rule})"),
        });
    }

    fn push(&mut self) {
        let initial = !self.next.initial_sync_done;
        // Linked and unsynced local contacts are not pushed (L3). A contact
        // a decision of this run took and freed again (confirm, then remove
        // the match) is looked at, to be remembered as seen: it is neither
        // new nor changed next run either.
        let mut order: Vec<&'a Contact> = self
            .local
            .iter()
            .filter(|c| {
                !self.next.by_local.contains_key(&c.id)
                    && (!self.reserved_local.contains(&c.id) || self.freed_local.contains(&c.id))
            })
            .collect();
        order.sort_by(|a, b| a.id.cmp(&b.id));
        // Local contacts that are candidates of an open issue wait for it.
        // Only the listed candidates do (`MAX_LISTED_CANDIDATES`): when
        // hundreds of contacts share one bookkeeper's email, the others are
        // not held back for one ledger record carrying that email.
        let mut in_issue: HashSet<ContactId, IdBuild> = HashSet::default();
        for i in self.next.issues.values() {
            in_issue.extend(i.outcome.local_ids().into_iter().cloned());
        }
        let mut seen = BTreeMap::new();
        let may_push = self.remote_writes && !initial && self.profile != Profile::XeroGl;
        let mut pushed_orgs: HashMap<ContactId, OpId> = HashMap::new();
        let mut people: Vec<(&'a Contact, bool)> = Vec::new();
        for c in order {
            let fp = fingerprint(self.profile, c);
            // A contact freed by a decision of this run (unsync, create new,
            // remove match) is neither new nor changed (L3).
            let fresh =
                !self.freed_local.contains(&c.id) && self.next.local_seen.get(&c.id) != Some(&fp);
            let wanted = may_push
                && fresh
                && !in_issue.contains(&c.id)
                && self.config.pushes_type(c.contact_type.as_deref())
                && match self.profile {
                    Profile::Qbo => true,
                    _ => c.kind == Some(ContactKind::Organization),
                };
            if wanted {
                let rule = if self.profile == Profile::Qbo {
                    "P3"
                } else {
                    "P2"
                };
                let why = if self.next.local_seen.contains_key(&c.id) {
                    "a local contact of a pushed contact type changed"
                } else {
                    "a new local contact of a pushed contact type"
                };
                self.create_remote(c, Vec::new(), rule, why);
                pushed_orgs.insert(c.id.clone(), OpId(format!("create-remote:{}", c.id)));
                continue;
            }
            if may_push
                && self.profile == Profile::Xpm
                && !c.organization_ids.is_empty()
                && !in_issue.contains(&c.id)
            {
                people.push((c, fresh));
            }
            // Remember the contact as seen only when it could have been
            // pushed: a manual import-only run, or a contact waiting for its
            // match issue, keeps what it had, so it is pushed later (P3).
            if initial
                || (may_push && !in_issue.contains(&c.id))
                || self.freed_local.contains(&c.id)
            {
                seen.insert(c.id.clone(), fp);
            } else if let Some(old) = self.next.local_seen.get(&c.id) {
                seen.insert(c.id.clone(), *old);
            }
        }
        // XPM: people of pushed organisations go with them (P2).
        let updated: HashSet<&ContactId> = self
            .ops
            .iter()
            .filter(|o| o.side == Side::Remote && !o.is_create())
            .filter_map(|o| o.ids().0)
            .collect();
        let updated: HashSet<ContactId> = updated.into_iter().cloned().collect();
        for (c, fresh) in people {
            let mut refs = Vec::new();
            for o in &c.organization_ids {
                if let Some(op) = pushed_orgs.get(o) {
                    refs.push((ContactRef::CreatedBy(op.clone()), Some(op.clone())));
                } else if let Some(rid) = self.linked_local(o.as_str()).cloned() {
                    let org_pushed = self
                        .local_by_id
                        .get(o.as_str())
                        .is_some_and(|org| self.config.pushes_type(org.contact_type.as_deref()));
                    if org_pushed && (fresh || updated.contains(o)) {
                        refs.push((ContactRef::Id(rid), None));
                    }
                }
            }
            if !refs.is_empty() {
                seen.remove(&c.id);
                self.create_remote(c, refs, "P2", "a person of an organisation pushed to XPM");
            }
        }
        if self.full_local {
            self.next.local_seen = seen;
        } else {
            // A change listing: the contacts not listed keep their entry.
            for c in self.local {
                self.next.local_seen.remove(&c.id);
            }
            for d in &self.deleted_local {
                self.next.local_seen.remove(*d);
            }
            self.next.local_seen.extend(seen);
        }
    }

    // ------------------------------------------------------------ finish

    fn finish(mut self) -> Plan {
        self.next.initial_sync_done = true;
        self.next.last_run = Some(self.now);
        if let Some(c) = self.cursor {
            self.next.remote_cursor = Some(c.to_owned());
        }
        if let Some(c) = self.local_cursor {
            self.next.local_cursor = Some(c.to_owned());
        }
        if let Some(t) = self.next.retry_at {
            if t <= self.now {
                self.next.retry_at = None;
            } else {
                self.notice(
                    NoticeKind::RetryLater,
                    "U4",
                    None,
                    None,
                    format!("the ledger asked to wait: send nothing before {t}"),
                );
            }
        }
        let ops = std::mem::take(&mut self.ops);
        self.ops = order_ops(ops);
        // Overwrites in operation order (each operation's are made together,
        // in field order): integer keys, no string comparisons.
        if !self.report.overwritten.is_empty() {
            let position: FastMap<&str, usize> = self
                .ops
                .iter()
                .enumerate()
                .map(|(i, o)| (o.id.as_str(), i))
                .collect();
            self.report.overwritten.sort_by_cached_key(|o| {
                (
                    position
                        .get(o.op_id.as_str())
                        .copied()
                        .unwrap_or(usize::MAX),
                    o.change.field,
                )
            });
        }
        for op in self.ops.iter().filter(|o| o.is_create()) {
            self.next.in_flight.insert(op.id.clone(), op.clone());
        }
        self.report.counts.open_issues = self.next.issues.len();
        self.finish_unchanged()
    }
}

/// What a linked pair needs, field by field (computed without touching
/// the planner, so pairs are compared in parallel).
#[derive(Default)]
struct PairDiff {
    to_local: Vec<(FieldChange, Why)>,
    to_remote: Vec<(FieldChange, Why)>,
    agreed: Vec<(SyncField, Option<FieldValue>)>,
    not_sent: Vec<(SyncField, &'static str, &'static str)>,
    conflicts: Vec<Conflict>,
    empty_base: bool,
    /// The side whose record has no name while its partner has one (F3).
    nameless: Option<Side>,
    /// The local update, built here (in parallel) when there is one.
    local_op: Option<(Operation, Vec<Overwrite>)>,
}

/// The read-only facts a pair comparison needs.
struct DiffCtx<'c> {
    profile: Profile,
    config: &'c ConnectionConfig,
    remote_writes: bool,
    full_local: bool,
    full_remote: bool,
    resolved: &'c HashMap<(ContactId, SyncField), Side>,
}

impl DiffCtx<'_> {
    /// `None`: nothing to compare (not listed and no base to stand for it)
    /// or nothing changed (the steady-state fast path).
    fn diff(
        &self,
        rid: &ContactId,
        link: &Link,
        local: Option<&Contact>,
        remote: Option<&Contact>,
    ) -> Option<PairDiff> {
        let unlisted = |full: bool, listed: bool| !listed && (full || link.base.is_none());
        if unlisted(self.full_local, local.is_some())
            || unlisted(self.full_remote, remote.is_some())
            || (local.is_none() && remote.is_none())
        {
            return None;
        }
        let profile = self.profile;
        let base = link.base.as_ref();
        let mut d = PairDiff {
            // F2 (the ledger's values replace the local ones) is the rule of
            // the Xero GL first link and of a person's confirm / re-match.
            // A first automatic link under XPM or QBO merges instead.
            empty_base: base.is_none()
                && link.origin == LinkOrigin::Matched
                && profile != Profile::XeroGl,
            ..PairDiff::default()
        };
        let mut touched = false;
        for &f in SyncField::synced_by(profile) {
            let b = base.and_then(|b| b.get(&f));
            if base.is_some()
                && local.is_none_or(|l| field_equals(profile, l, f, b))
                && remote.is_none_or(|r| field_equals(profile, r, f, b))
            {
                continue;
            }
            touched = true;
            let lv = match local {
                Some(l) => read_field(profile, l, f),
                None => b.cloned(),
            };
            let rv = match remote {
                Some(r) => read_field(profile, r, f),
                None => b.cloned(),
            };
            if lv == rv {
                d.agreed.push((f, lv));
                continue;
            }
            if base.is_none() && !d.empty_base {
                d.to_local.push((change(f, lv, rv), Why::FirstLink));
                continue;
            }
            // A first automatic link whose values differ in spelling only
            // ("ACME LTD" / "Acme Ltd"): the ledger's spelling is taken and
            // reported, not held as a conflict.
            if d.empty_base
                && let (Some(l), Some(r)) = (&lv, &rv)
                && same_after_normalising(l, r)
            {
                d.to_local.push((change(f, lv, rv), Why::Spelling));
                continue;
            }
            // With an empty base (a first automatic link under XPM / QBO) a
            // value on one side only flows to the other, and two different
            // values are a conflict for the policy.
            let local_changed = lv.as_ref() != b;
            let remote_changed = rv.as_ref() != b;
            let can_push = self.remote_writes && local.is_some_and(|l| f.is_pushed(profile, l));
            match (local_changed, remote_changed) {
                (false, _) => d.to_local.push((change(f, lv, rv), Why::Update)),
                (true, false) if can_push => {
                    d.to_remote.push((change(f, rv, lv), Why::Update));
                }
                (true, false) => d.not_sent.push(if self.remote_writes {
                    (f, "F1", "QBO receives only the primary address (F1)")
                } else {
                    (f, "F7", "manual sync imports only (F7)")
                }),
                (true, true) => {
                    let policy = self.config.policy_for(f);
                    let winner = self
                        .resolved
                        .get(&(rid.clone(), f))
                        .copied()
                        .or(match policy {
                            ConflictPolicy::RemoteWins => Some(Side::Remote),
                            ConflictPolicy::LocalWins => Some(Side::Local),
                            ConflictPolicy::NewestWins => {
                                local.zip(remote).and_then(|(l, r)| newest(l, r))
                            }
                            ConflictPolicy::HoldForReview => None,
                        })
                        .filter(|w| *w == Side::Remote || can_push);
                    d.conflicts.push(Conflict {
                        local_id: link.local_id.clone(),
                        remote_id: rid.clone(),
                        field: f,
                        base: b.cloned(),
                        local: lv.clone(),
                        remote: rv.clone(),
                        policy,
                        winner,
                    });
                    match winner {
                        Some(Side::Remote) => d.to_local.push((change(f, lv, rv), Why::Conflict)),
                        Some(Side::Local) => d.to_remote.push((change(f, rv, lv), Why::Conflict)),
                        None => {}
                    }
                }
            }
        }
        // F3: a record without a name never empties its partner's name,
        // whichever side it is on and whatever the policy (a name may still
        // flow to the nameless side). The pair keeps its names and base
        // for the field, and the plan reports it.
        // On a first link the kept name becomes the pair's base, so that
        // planning again finds the same (F5) rather than sending it over.
        let empties_name = |c: &FieldChange| c.field == SyncField::Name && c.new.is_none();
        let keep_in_base = |d: &mut PairDiff, kept: Option<&Contact>| {
            if base.is_none()
                && let Some(v) = kept.and_then(|k| read_field(profile, k, SyncField::Name))
            {
                d.agreed.push((SyncField::Name, Some(v)));
            }
        };
        if d.to_local.iter().any(|(c, _)| empties_name(c)) {
            d.to_local.retain(|(c, _)| !empties_name(c));
            d.nameless = remote.is_some().then_some(Side::Remote);
            keep_in_base(&mut d, local);
        }
        if d.to_remote.iter().any(|(c, _)| empties_name(c)) {
            d.to_remote.retain(|(c, _)| !empties_name(c));
            d.nameless = local.is_some().then_some(Side::Local);
            keep_in_base(&mut d, remote);
        }
        // A local contact with addresses but none marked as billing reads
        // as having no billing email: that never clears the ledger's email
        // (an adapter that does not mark the billing address would
        // otherwise erase the ledger's on every link).
        if local.is_some_and(|l| l.emails.iter().any(|e| !e.address.trim().is_empty()))
            && d.to_remote
                .iter()
                .any(|(c, _)| c.field == SyncField::Email && c.new.is_none())
        {
            d.to_remote
                .retain(|(c, _)| !(c.field == SyncField::Email && c.new.is_none()));
            d.not_sent.push((
                SyncField::Email,
                "H3",
                "the local contact has email addresses but none is marked as the billing one",
            ));
        }
        if !d.to_local.is_empty() {
            let changes = std::mem::take(&mut d.to_local);
            d.local_op = Some(build_update(
                profile,
                Side::Local,
                &link.local_id,
                rid,
                changes,
                local.and_then(|l| l.extras.version.clone()),
            ));
        }
        // A new pair whose sides already agree still needs its base.
        (touched
            || base.is_none()
            || remote.is_some_and(|r| r.extras.version != link.remote_version))
        .then_some(d)
    }
}

/// An update operation and the overwrites it reports.
fn build_update(
    profile: Profile,
    side: Side,
    target: &ContactId,
    partner: &ContactId,
    mut changes: Vec<(FieldChange, Why)>,
    expected_version: Option<crate::model::VersionToken>,
) -> (Operation, Vec<Overwrite>) {
    changes.sort_by_key(|(c, _)| c.field);
    let why = changes.iter().map(|(_, w)| *w).max().unwrap_or(Why::Update);
    let id = OpId(format!(
        "update-{}:{target}",
        match side {
            Side::Local => "local",
            Side::Remote => "remote",
        }
    ));
    let overwrites = changes
        .iter()
        .map(|(c, w)| Overwrite {
            op_id: id.clone(),
            side,
            record_id: target.clone(),
            change: c.clone(),
            rule: w.rule().to_owned(),
        })
        .collect();
    let fields: Vec<&str> = changes.iter().map(|(c, _)| c.field.as_str()).collect();
    let reason = match why {
        Why::FirstLink => format!(
            "first sync of the pair: the ledger's values replace the local ones ({})",
            fields.join(", ")
        ),
        Why::Conflict => format!(
            "{} changed on both sides; settled by the conflict policy",
            fields.join(", ")
        ),
        Why::Update => format!("{} changed on the other side", fields.join(", ")),
        Why::Spelling => format!(
            "first link: the ledger's spelling of the same {} is taken",
            fields.join(", ")
        ),
    };
    let op = Operation {
        id,
        side,
        action: Action::Update {
            target_id: target.clone(),
            partner_id: partner.clone(),
            patch: FieldPatch {
                profile,
                changes: changes.into_iter().map(|(c, _)| c).collect(),
            },
            expected_version,
        },
        depends_on: Vec::new(),
        rule: why.rule().to_owned(),
        reason,
    };
    (op, overwrites)
}

const fn change(field: SyncField, old: Option<FieldValue>, new: Option<FieldValue>) -> FieldChange {
    FieldChange { field, old, new }
}

/// Updates, then creates without dependencies, then dependent creates; by
/// id within each group.
fn order_ops(mut ops: Vec<Operation>) -> Vec<Operation> {
    ops.sort_by(|a, b| {
        // Updates go first: a rename can free a name a create needs (U2).
        let stage = |o: &Operation| match (o.is_create(), o.depends_on.is_empty()) {
            (false, _) => 0u8,
            (true, true) => 1,
            (true, false) => 2,
        };
        (stage(a), &a.id).cmp(&(stage(b), &b.id))
    });
    ops
}
