//! Sync runs (plan → carry out against the in-memory ledgers → feed back)
//! for every profile and several conflict policies, with people's edits
//! and decisions between runs and every kind of failure fed back (rate
//! limited, not found, stale version, authentication, duplicate name,
//! validation, transient, may-have-applied). Checks:
//! - F5: a plan whose every operation applied leaves nothing to do (the
//!   next plan over the same listings is empty);
//! - U1: no record is created twice for one source, on either side;
//! - no name lost: a linked pair where one side had a name never ends
//!   with both sides nameless (known defect 4);
//! - no email lost: a linked pair never ends with no email on either side
//!   when one side had one and nobody edited or deleted it;
//! - plans are deterministic;
//! - the state survives a serde_json round trip unchanged (known defect
//!   9: an f64 similarity does not).
#![no_main]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use arbitrary::Arbitrary;
use chrono::{DateTime, Duration, Utc};
use ledgerlink::ports::{AdapterError, ContactStore};
use ledgerlink::sync::{
    Action, ConflictPolicy, ConnectionConfig, ConnectionStatus, ContactRef, Decision, NoticeKind, OpId, OpOutcome, OpResult,
    Plan, PlanInput, SyncField, SyncState, apply_results, plan, read_field,
};
use ledgerlink::testing::{CRASH_AFTER_CREATE_MESSAGE, MemoryStore, block_on};
use ledgerlink::{Contact, ContactId, Side};
use ledgerlink_fuzz::{ContactSpec, EmailSpec, NameSpec, PROFILES, check_known, set_email, set_phone, t0};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    profile: u8,
    policy: u8,
    field_policy: Option<(u8, u8)>,
    locals: Vec<ContactSpec>,
    remotes: Vec<ContactSpec>,
    rounds: Vec<Round>,
}

#[derive(Debug, Arbitrary)]
struct Round {
    edits: Vec<Edit>,
    decisions: Vec<DecisionSpec>,
    faults: Vec<FaultKind>,
    minutes: u8,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum FaultKind {
    None,
    RateLimited,
    NotFound,
    StaleVersion,
    Authentication,
    DuplicateName,
    Validation,
    Transient,
    MayHaveApplied,
    AccessTokenExpired,
}

#[derive(Debug, Arbitrary)]
struct Edit {
    local: bool,
    target: u8,
    kind: EditKind,
}

#[derive(Debug, Arbitrary)]
enum EditKind {
    Email(Option<EmailSpec>),
    Phone(Option<u8>),
    Rename(NameSpec),
    Archive,
    Delete,
    Merge(u8),
    Add(ContactSpec),
}

#[derive(Debug, Arbitrary)]
enum DecisionSpec {
    ConfirmMatch(u8, u8),
    CreateNew(u8),
    RemoveMatch(u8),
    Unsync(u8),
    Rematch(u8, u8),
    CreateRemote(u8),
    AbandonCreate(u8),
    ResolveConflict(u8, u8, bool),
}

const POLICIES: [ConflictPolicy; 4] = [
    ConflictPolicy::RemoteWins,
    ConflictPolicy::LocalWins,
    ConflictPolicy::NewestWins,
    ConflictPolicy::HoldForReview,
];

struct Run {
    config: ConnectionConfig,
    local: MemoryStore,
    remote: MemoryStore,
    state: SyncState,
    now: DateTime<Utc>,
    added: usize,
    /// Ids (per side) that had a name / an email at some point.
    named: BTreeSet<(Side, ContactId)>,
    mailed: BTreeSet<(Side, ContactId)>,
    /// Ids whose email a person edited, or that a person removed.
    email_touched: BTreeSet<(Side, ContactId)>,
    /// Records made for each source: (side written, source id) → ids.
    created: BTreeMap<(Side, ContactId), BTreeSet<ContactId>>,
    /// Sources and records a person decided about or removed: a second
    /// copy of those can be wanted.
    excused: BTreeSet<ContactId>,
}

fn side_of(local: bool) -> Side {
    if local { Side::Local } else { Side::Remote }
}

impl Run {
    fn store(&self, side: Side) -> &MemoryStore {
        match side {
            Side::Local => &self.local,
            Side::Remote => &self.remote,
        }
    }

    fn note(&mut self, side: Side, c: &Contact) {
        let p = self.config.profile;
        if read_field(p, c, SyncField::Name).is_some() {
            self.named.insert((side, c.id.clone()));
        }
        if read_field(p, c, SyncField::Email).is_some() {
            self.mailed.insert((side, c.id.clone()));
        }
    }

    fn pick(&self, side: Side, i: u8) -> Option<ContactId> {
        let all = self.store(side).all();
        all.get(usize::from(i) % all.len().max(1)).map(|c| c.id.clone())
    }

    fn edit(&mut self, e: &Edit) {
        let side = side_of(e.local);
        let profile = self.config.profile;
        if let EditKind::Add(s) = &e.kind {
            self.added += 1;
            let id = format!("{}{}", if e.local { "A" } else { "B" }, self.added);
            let c = s.build(&id, profile, !e.local);
            self.note(side, &c);
            self.store(side).insert(c);
            return;
        }
        let Some(id) = self.pick(side, e.target) else {
            return;
        };
        match &e.kind {
            EditKind::Email(v) => {
                self.email_touched.insert((side, id.clone()));
                // The change flows to the partner: its email may go too.
                let partner = match side {
                    Side::Local => self.state.link_of_local(id.as_str()).map(|l| (Side::Remote, l.remote_id.clone())),
                    Side::Remote => self.state.link_of_remote(id.as_str()).map(|l| (Side::Local, l.local_id.clone())),
                };
                if let Some(p) = partner {
                    self.email_touched.insert(p);
                }
                self.store(side).edit(&id, |c| set_email(c, v.as_ref().map(EmailSpec::text)));
            }
            EditKind::Phone(v) => {
                self.store(side).edit(&id, |c| set_phone(c, v.map(|p| format!("+64 9 777 {p:04}"))));
            }
            EditKind::Rename(n) => {
                let name = n.text(100);
                if name.trim().is_empty() {
                    return;
                }
                self.store(side).edit(&id, |c| {
                    if c.first_name.is_none() {
                        c.display_name = Some(name.clone());
                        if c.organization_name.is_some() {
                            c.organization_name = Some(name.clone());
                        }
                    }
                });
                if let Some(c) = self.store(side).get(&id) {
                    self.note(side, &c);
                }
            }
            EditKind::Archive => {
                self.excused.insert(id.clone());
                self.email_touched.insert((side, id.clone()));
                self.store(side).archive_now(&id);
            }
            EditKind::Delete if !e.local => {
                self.excused.insert(id.clone());
                self.email_touched.insert((side, id.clone()));
                self.remote.delete(&id);
            }
            EditKind::Merge(into) if !e.local => {
                if let Some(into) = self.pick(side, *into)
                    && into != id
                {
                    self.excused.insert(id.clone());
                    self.excused.insert(into.clone());
                    self.email_touched.insert((side, id.clone()));
                    self.email_touched.insert((side, into.clone()));
                    self.remote.merge(&id, &into);
                }
            }
            _ => {}
        }
    }

    fn decision(&mut self, d: &DecisionSpec, plan: Option<&Plan>) -> Option<Decision> {
        let r = |s: &Self, i| s.pick(Side::Remote, i);
        let l = |s: &Self, i| s.pick(Side::Local, i);
        let d = match d {
            DecisionSpec::ConfirmMatch(a, b) => Decision::ConfirmMatch { remote_id: r(self, *a)?, local_id: l(self, *b)? },
            DecisionSpec::CreateNew(a) => Decision::CreateNew { remote_id: r(self, *a)? },
            DecisionSpec::RemoveMatch(a) => Decision::RemoveMatch { remote_id: r(self, *a)? },
            DecisionSpec::Unsync(a) => Decision::Unsync { remote_id: r(self, *a)? },
            DecisionSpec::Rematch(a, b) => Decision::Rematch { remote_id: r(self, *a)?, local_id: l(self, *b)? },
            DecisionSpec::CreateRemote(b) => Decision::CreateRemote { local_id: l(self, *b)? },
            DecisionSpec::AbandonCreate(i) => {
                let ops: Vec<OpId> = self.state.in_flight().map(|o| o.id.clone()).collect();
                let id = ops.get(usize::from(*i) % ops.len().max(1)).cloned().or_else(|| {
                    plan.and_then(|p| p.operations.first()).map(|o| o.id.clone())
                })?;
                Decision::AbandonCreate { op_id: id }
            }
            DecisionSpec::ResolveConflict(a, f, local) => {
                let fields = SyncField::synced_by(self.config.profile);
                Decision::ResolveConflict {
                    remote_id: r(self, *a)?,
                    field: fields[usize::from(*f) % fields.len()],
                    keep: side_of(*local),
                }
            }
        };
        // Whatever a person decided about may be copied again on purpose.
        match &d {
            Decision::ConfirmMatch { remote_id, local_id } | Decision::Rematch { remote_id, local_id } => {
                self.excused.insert(remote_id.clone());
                self.excused.insert(local_id.clone());
                // F2: on a person's confirm the ledger's values replace the
                // local ones, an empty email too (reported as overwritten).
                self.email_touched.insert((Side::Remote, remote_id.clone()));
                self.email_touched.insert((Side::Local, local_id.clone()));
            }
            Decision::ResolveConflict { remote_id, .. } => {
                // A person chose which value stays, possibly none.
                self.email_touched.insert((Side::Remote, remote_id.clone()));
                if let Some(link) = self.state.link_of_remote(remote_id.as_str()) {
                    self.email_touched.insert((Side::Local, link.local_id.clone()));
                }
            }
            Decision::CreateNew { remote_id } | Decision::RemoveMatch { remote_id } | Decision::Unsync { remote_id } => {
                self.excused.insert(remote_id.clone());
                if let Some(link) = self.state.link_of_remote(remote_id.as_str()) {
                    self.excused.insert(link.local_id.clone());
                }
            }
            Decision::CreateRemote { local_id } => {
                self.excused.insert(local_id.clone());
            }
            _ => {}
        }
        Some(d)
    }

    fn plan(&self, decisions: &[Decision]) -> Option<Plan> {
        let (l, r) = (self.local.all(), self.remote.all());
        let input = PlanInput::new(&l, &r, self.now).with_decisions(decisions);
        let p = plan(&self.config, &self.state, &input).ok()?;
        let again = plan(&self.config, &self.state, &input).expect("second plan");
        assert!(p == again, "plans differ for the same input");
        check_round_trip(&p.next_state);
        Some(p)
    }

    /// Carries out `plan` as the driver does (dependencies, organisations
    /// created in the same run, a rate limit or refused credentials stop
    /// the rest), with `faults[i]` standing in for the answer of op i.
    fn send(&mut self, plan: &Plan, faults: &[FaultKind]) -> Vec<OpResult> {
        let (results, records) = self.send_ops(plan, faults);
        for (side, source, rec) in records {
            self.created.entry((side, source)).or_default().insert(rec.id.clone());
            self.note(side, &rec);
        }
        results
    }

    fn send_ops(&self, plan: &Plan, faults: &[FaultKind]) -> (Vec<OpResult>, Vec<(Side, ContactId, Contact)>) {
        let mut records = Vec::new();
        let mut results = Vec::new();
        let mut made: HashMap<OpId, ContactId> = HashMap::new();
        let mut not_done: HashSet<OpId> = HashSet::new();
        let mut blocked = false;
        for (i, op) in plan.operations.iter().enumerate() {
            let skip = |reason: &str| OpResult {
                op_id: op.id.clone(),
                outcome: OpOutcome::Skipped { reason: reason.into() },
            };
            let dep_missing = op.depends_on.iter().any(|d| not_done.contains(d));
            let org_missing = matches!(&op.action, Action::Create { organizations, .. }
                if organizations.iter().any(|r| matches!(r, ContactRef::CreatedBy(d) if !made.contains_key(d))));
            if blocked || dep_missing || org_missing {
                not_done.insert(op.id.clone());
                results.push(skip("not sent"));
                continue;
            }
            let fault = if faults.is_empty() { FaultKind::None } else { faults[i % faults.len()] };
            let store = self.store(op.side);
            let target = match &op.action {
                Action::Update { target_id, .. } => target_id.clone(),
                Action::Create { .. } => ContactId::default(),
            };
            let injected = match fault {
                FaultKind::None | FaultKind::MayHaveApplied => None,
                FaultKind::RateLimited => Some(AdapterError::RateLimited { retry_after_secs: 60 }),
                FaultKind::NotFound => Some(AdapterError::NotFound { id: target.clone() }),
                FaultKind::StaleVersion => Some(AdapterError::StaleVersion { id: target.clone() }),
                FaultKind::Authentication => Some(AdapterError::Authentication { message: "expired".into() }),
                FaultKind::DuplicateName => Some(AdapterError::DuplicateName { name: "Acme Ltd".into() }),
                FaultKind::Validation => Some(AdapterError::Validation { code: Some("6000".into()), message: "refused".into() }),
                FaultKind::Transient => Some(AdapterError::Transient { message: "connection refused".into() }),
                FaultKind::AccessTokenExpired => Some(AdapterError::AccessTokenExpired { message: "TokenExpired".into() }),
            };
            let outcome = match injected {
                Some(e) => Err(e),
                None => {
                    let done = match &op.action {
                        Action::Create { contact, organizations, idempotency_key, source_id } => {
                            let mut c = (**contact).clone();
                            c.organization_ids = organizations
                                .iter()
                                .filter_map(|r| match r {
                                    ContactRef::Id(id) => Some(id.clone()),
                                    ContactRef::CreatedBy(op) => made.get(op).cloned(),
                                })
                                .collect();
                            let out = block_on(store.create(&c, idempotency_key));
                            if let Ok(rec) = &out {
                                records.push((op.side, source_id.clone(), rec.clone()));
                            }
                            out
                        }
                        Action::Update { target_id, patch, expected_version, .. } => {
                            block_on(store.update(target_id, patch, expected_version.as_ref()))
                        }
                    };
                    if matches!(fault, FaultKind::MayHaveApplied) {
                        Err(AdapterError::Transient { message: CRASH_AFTER_CREATE_MESSAGE.into() })
                    } else {
                        done
                    }
                }
            };
            match outcome {
                Ok(rec) => {
                    if op.is_create() {
                        made.insert(op.id.clone(), rec.id.clone());
                    }
                    results.push(OpResult::applied(op.id.clone(), rec));
                }
                Err(e) => {
                    not_done.insert(op.id.clone());
                    if matches!(
                        e,
                        AdapterError::RateLimited { .. }
                            | AdapterError::Authentication { .. }
                            | AdapterError::AccessTokenExpired { .. }
                    ) {
                        blocked = true;
                    }
                    results.push(OpResult::failed(op.id.clone(), e));
                }
            }
        }
        (results, records)
    }

    /// One plan → send → feed back; whether every operation applied.
    fn step(&mut self, decisions: &[Decision], faults: &[FaultKind]) -> Option<(bool, usize)> {
        if self.state.retry_at.is_some_and(|t| t > self.now) && faults.is_empty() {
            self.now = self.state.retry_at.unwrap_or(self.now) + Duration::seconds(1);
        }
        let p = self.plan(decisions)?;
        self.state = p.next_state.clone();
        let results = self.send(&p, faults);
        if std::env::var_os("FUZZ_TRACE").is_some() {
            // Replaying one input: what each step saw, planned and got back.
            eprintln!("-- step: decisions {decisions:?}\nplan {:#?}\nresults {results:#?}", p.operations);
            for n in &p.report.notices {
                eprintln!("   notice: {:?} {} {:?} {:?} {}", n.kind, n.rule, n.local_id, n.remote_id, n.message);
            }
            for l in self.state.links() {
                eprintln!("   link: {:?}", l);
            }
            for c in self.local.all().iter().chain(self.remote.all().iter()) {
                eprintln!("   after: {} {:?} {:?} {:?} {:?}", c.id, c.label(), c.billing_email(), c.phones, c.status);
            }
        }
        let applied = apply_results(&mut self.state, &p, &results, self.now).expect("apply_results on valid results");
        check_round_trip(&self.state);
        let all = results.len() == p.operations.len()
            && results.iter().all(|r| matches!(r.outcome, OpOutcome::Applied { .. }));
        let _ = applied;
        // A plan that only re-sends creates in flight (U1) plans nothing
        // else on purpose: what changed meanwhile comes in the next plan.
        let reissue = p.report.notices.iter().any(|n| n.kind == NoticeKind::ReissuedInFlight);
        if all && !reissue {
            // F5: the same listings, nothing new: nothing to do.
            let again = self.plan(&[]).expect("plan");
            // Known and left (fuzz/README.md): under newest-wins, conflicts
            // are settled by whole-record timestamps, and a write of ours to
            // a record moves its timestamp, so a conflict held for want of a
            // push may be settled by the next plan. Only such settlements
            // are let through.
            if std::env::var_os("FUZZ_TRACE").is_some() {
                eprintln!("   notices of the plan after: {:?}", again.report.notices.iter().map(|n| (n.kind, n.remote_id.clone())).collect::<Vec<_>>());
            }
            let newest_settles = again.operations.iter().all(|o| {
                o.rule == "F4"
                    && match &o.action {
                        Action::Update { patch, .. } => patch
                            .changes
                            .iter()
                            .all(|c| self.config.policy_for(c.field) == ConflictPolicy::NewestWins),
                        Action::Create { .. } => false,
                    }
            });
            assert!(
                again.is_empty() || newest_settles,
                "F5: every operation applied, yet the next plan has {} operation(s): {:#?}\nafter: {:#?}",
                again.operations.len(),
                again.operations,
                p.operations
            );
        }
        Some((all, p.operations.len()))
    }

    fn final_checks(&self) {
        // U1: at most one record made for each source.
        for ((side, source), ids) in &self.created {
            if self.excused.contains(source) || ids.iter().any(|i| self.excused.contains(i)) {
                continue;
            }
            assert!(ids.len() <= 1, "U1: {source} copied {} times to the {side:?} side: {ids:?}", ids.len());
        }
        let p = self.config.profile;
        for link in self.state.linked() {
            let (Some(l), Some(r)) = (self.local.get(&link.local_id), self.remote.get(&link.remote_id)) else {
                continue;
            };
            let had_name = self.named.contains(&(Side::Local, l.id.clone()))
                || self.named.contains(&(Side::Remote, r.id.clone()));
            let nameless = read_field(p, &l, SyncField::Name).is_none() && read_field(p, &r, SyncField::Name).is_none();
            check_known!(4, !(had_name && nameless), "name lost: {} / {} both nameless now\n{l:#?}\n{r:#?}", l.id, r.id);
            let touched = self.email_touched.contains(&(Side::Local, l.id.clone()))
                || self.email_touched.contains(&(Side::Remote, r.id.clone()));
            let had_email = self.mailed.contains(&(Side::Local, l.id.clone()))
                || self.mailed.contains(&(Side::Remote, r.id.clone()));
            let no_email = read_field(p, &l, SyncField::Email).is_none() && read_field(p, &r, SyncField::Email).is_none();
            assert!(
                touched || !(had_email && no_email),
                "email lost: {} / {} had one, nobody removed it, both have none\n{l:#?}\n{r:#?}",
                l.id,
                r.id
            );
        }
    }
}

fn check_round_trip(state: &SyncState) {
    let text = serde_json::to_string(state).expect("state serialises");
    let back: SyncState = serde_json::from_str(&text).expect("state reads back");
    check_known!(9, back == *state, "state changed by a serde_json round trip: {text}");
}

fuzz_target!(|input: Input| {
    let profile = PROFILES[usize::from(input.profile) % 3];
    let mut config = ConnectionConfig::new(profile)
        .with_push_contact_type("Client")
        .with_conflict_policy(POLICIES[usize::from(input.policy) % 4]);
    if let Some((f, pol)) = input.field_policy {
        let fields = SyncField::synced_by(profile);
        config = config.with_field_policy(fields[usize::from(f) % fields.len()], POLICIES[usize::from(pol) % 4]);
    }
    let mut run = Run {
        config,
        local: MemoryStore::local(),
        remote: MemoryStore::ledger(profile),
        state: SyncState::new(),
        now: t0(),
        added: 0,
        named: BTreeSet::new(),
        mailed: BTreeSet::new(),
        email_touched: BTreeSet::new(),
        created: BTreeMap::new(),
        excused: BTreeSet::new(),
    };
    for (i, s) in input.locals.iter().take(8).enumerate() {
        let c = s.build(&format!("K{i}"), profile, false);
        run.note(Side::Local, &c);
        run.local.insert(c);
    }
    for (i, s) in input.remotes.iter().take(8).enumerate() {
        let c = s.build(&format!("R{i}"), profile, true);
        run.note(Side::Remote, &c);
        run.remote.insert(c);
    }
    for round in input.rounds.iter().take(4) {
        if matches!(run.state.connection, ConnectionStatus::Disconnected { .. }) {
            run.state.reconnect();
        }
        for e in round.edits.iter().take(6) {
            run.edit(e);
        }
        let decisions: Vec<Decision> = round.decisions.iter().take(3).filter_map(|d| run.decision(d, None)).collect();
        let faults: Vec<FaultKind> = round.faults.iter().take(8).copied().collect();
        if run.step(&decisions, &faults).is_none() {
            return; // refused as invalid input (a decision naming nothing, say)
        }
        run.now += Duration::minutes(i64::from(round.minutes % 10));
    }
    // Then runs without faults until quiet (or a refusal that will stay).
    for _ in 0..10 {
        if matches!(run.state.connection, ConnectionStatus::Disconnected { .. }) {
            run.state.reconnect();
        }
        run.now += Duration::minutes(1);
        match run.step(&[], &[]) {
            Some((_, 0)) | None => break,
            Some((false, _)) => break,
            Some((true, _)) => {}
        }
    }
    run.final_checks();
});
