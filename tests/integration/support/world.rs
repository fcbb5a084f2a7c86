//! A synchronous two-sided world for the sync tests: the plan's operations
//! are carried out on two maps of contacts, then fed back.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use ledgerlink::model::VersionToken;
use ledgerlink::ports::AdapterError;
use ledgerlink::sync::{
    Action, Applied, ConnectionConfig, ContactRef, Decision, OpResult, Plan, PlanInput, SyncState,
    Trigger, apply_results, plan,
};
use ledgerlink::{Contact, ContactId, Side};

use super::contacts::{org, remote};
use super::time::t0;

/// Both sides, the connection and its state.
pub struct World {
    pub config: ConnectionConfig,
    pub state: SyncState,
    pub local: BTreeMap<ContactId, Contact>,
    pub remote: BTreeMap<ContactId, Contact>,
    pub now: DateTime<Utc>,
    keys: HashMap<String, ContactId>,
    next_id: u32,
    /// Fails the operation whose id is given, once.
    pub fail: HashMap<String, AdapterError>,
}

impl World {
    pub fn new(config: ConnectionConfig, local: Vec<Contact>, remote: Vec<Contact>) -> Self {
        Self {
            config,
            state: SyncState::new(),
            local: local.into_iter().map(|c| (c.id.clone(), c)).collect(),
            remote: remote.into_iter().map(|c| (c.id.clone(), c)).collect(),
            now: t0(),
            keys: HashMap::new(),
            next_id: 0,
            fail: HashMap::new(),
        }
    }

    /// Acme Ltd on both sides, the firm's K1 and the ledger's X1, both
    /// `a@acme.test`: they match fully and link on the first run.
    pub fn acme(config: ConnectionConfig) -> Self {
        Self::new(
            config,
            vec![org("K1", "Acme Ltd", "a@acme.test")],
            vec![remote("X1", "Acme Ltd", "a@acme.test")],
        )
    }

    pub fn locals(&self) -> Vec<Contact> {
        self.local.values().cloned().collect()
    }

    pub fn remotes(&self) -> Vec<Contact> {
        self.remote.values().cloned().collect()
    }

    pub fn plan_with(&self, decisions: &[Decision], trigger: Trigger) -> Plan {
        let (l, r) = (self.locals(), self.remotes());
        let input = PlanInput::new(&l, &r, self.now)
            .with_decisions(decisions)
            .with_trigger(trigger);
        plan(&self.config, &self.state, &input).unwrap()
    }

    pub fn plan(&self) -> Plan {
        self.plan_with(&[], Trigger::Scheduled)
    }

    /// Plans, stores `next_state`, carries out every operation, feeds back.
    pub fn run_with(&mut self, decisions: &[Decision]) -> (Plan, Applied) {
        let p = self.plan_with(decisions, Trigger::Scheduled);
        let a = self.apply(&p);
        (p, a)
    }

    pub fn run(&mut self) -> (Plan, Applied) {
        self.run_with(&[])
    }

    pub fn apply(&mut self, p: &Plan) -> Applied {
        self.state = p.next_state.clone();
        let results = self.execute(p, usize::MAX);
        let a = apply_results(&mut self.state, p, &results, self.now).unwrap();
        self.now += Duration::minutes(5);
        a
    }

    /// Carries out the first `limit` operations and returns their results.
    pub fn execute(&mut self, p: &Plan, limit: usize) -> Vec<OpResult> {
        let mut created: HashMap<String, ContactId> = HashMap::new();
        let mut out = Vec::new();
        for op in p.operations.iter().take(limit) {
            if let Some(e) = self.fail.remove(op.id.as_str()) {
                out.push(OpResult::failed(op.id.clone(), e));
                continue;
            }
            let side = match op.side {
                Side::Local => &mut self.local,
                Side::Remote => &mut self.remote,
            };
            match &op.action {
                Action::Create {
                    contact,
                    organizations,
                    idempotency_key,
                    ..
                } => {
                    let id = if let Some(id) = self.keys.get(idempotency_key) {
                        id.clone()
                    } else {
                        self.next_id += 1;
                        let prefix = if op.side == Side::Local { "N" } else { "R" };
                        let id = ContactId::new(format!("{prefix}{:03}", self.next_id));
                        let mut c = (**contact).clone();
                        c.id = id.clone();
                        c.organization_ids = organizations
                            .iter()
                            .filter_map(|r| match r {
                                ContactRef::Id(i) => Some(i.clone()),
                                ContactRef::CreatedBy(o) => created.get(o.as_str()).cloned(),
                            })
                            .collect();
                        c.extras.version = Some(VersionToken::SyncToken("0".into()));
                        side.insert(id.clone(), c);
                        self.keys.insert(idempotency_key.clone(), id.clone());
                        id
                    };
                    created.insert(op.id.to_string(), id.clone());
                    out.push(OpResult::applied(op.id.clone(), side[&id].clone()));
                }
                Action::Update {
                    target_id, patch, ..
                } => {
                    let c = side.get_mut(target_id).unwrap();
                    patch.apply_to(c);
                    out.push(OpResult::applied(op.id.clone(), c.clone()));
                }
            }
        }
        out
    }

    /// Edits a record on one side, as a person would.
    pub fn edit(&mut self, side: Side, id: &str, f: impl FnOnce(&mut Contact)) {
        let map = match side {
            Side::Local => &mut self.local,
            Side::Remote => &mut self.remote,
        };
        f(map.get_mut(id).unwrap());
    }

    /// Changes the first email of a record on one side.
    pub fn set_email(&mut self, side: Side, id: &str, address: &str) {
        self.edit(side, id, |c| c.emails[0].address = address.into());
    }

    /// Makes the operation `op_id` fail with `error` the next time it runs.
    pub fn fail_once(&mut self, op_id: &str, error: AdapterError) {
        self.fail.insert(op_id.into(), error);
    }

    /// Runs until a plan is empty (at most `n` runs); returns the number of
    /// runs that wrote something.
    pub fn settle(&mut self, n: usize) -> usize {
        for i in 0..n {
            let (p, _) = self.run();
            if p.is_empty() {
                return i;
            }
        }
        panic!("not quiet after {n} runs");
    }
}
