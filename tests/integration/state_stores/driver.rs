//! The driver holding a connection's lease and saving with
//! compare-and-swap, two workers on one [`MemoryStateStore`].

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use ledgerlink::driver::{Driver, RunOutcome};
use ledgerlink::ports::{Clock, Generation, LeaseOutcome, StateStore};
use ledgerlink::sync::{AuditStatus, ConnectionConfig, Trigger};
use ledgerlink::testing::{MemoryStateStore, MemoryStore, TestClock, block_on};
use ledgerlink::{Contact, Profile};

use crate::support::time::t0;

fn stores() -> (MemoryStore, MemoryStore) {
    let local = MemoryStore::local().with_contacts([
        Contact::organization("K1", "Acme Ltd").with_email("ap@acme.test"),
        Contact::person("K2", "Jane", "Smith").with_email("jane@smith.test"),
    ]);
    let remote = MemoryStore::ledger(Profile::XeroGl).with_contacts([
        Contact::named("R1", "Acme Ltd").with_email("ap@acme.test"),
        Contact::named("R2", "Bloggs Trust").with_email("fred@bloggs.test"),
        Contact::named("R3", "Carter Ltd").with_email("c@carter.test"),
    ]);
    (local, remote)
}

#[test]
fn a_worker_backs_off_while_another_holds_the_lease() {
    let (local, remote) = stores();
    let config = ConnectionConfig::new(Profile::XeroGl);
    let states = MemoryStateStore::new();
    let held = block_on(states.acquire_lease("firm-1", "worker-a", t0(), Duration::minutes(5)));
    let Ok(LeaseOutcome::Held { token, .. }) = held else {
        panic!("{held:?}")
    };

    let clock = TestClock::new(t0());
    let b = Driver::new(&config, &local, &remote)
        .with_state_store(&states, "firm-1", "worker-b", &clock);
    let mut state = block_on(b.load_state()).unwrap();
    let r = block_on(b.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(r.outcome, RunOutcome::LeaseBusy);
    assert_eq!(r.retry_at, Some(t0() + Duration::minutes(5)));
    assert_eq!(states.saves(), 0);
    assert_eq!((local.calls().list, local.calls().create), (0, 0));

    // Worker A finishes (releases); B runs and releases in turn.
    assert_eq!(block_on(states.release_lease("firm-1", token)), Ok(true));
    let reports = block_on(b.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    assert_eq!(reports.last().map(|r| r.outcome), Some(RunOutcome::Quiet));
    assert_eq!(states.lease_of("firm-1"), None);
    assert_eq!(states.state_of("firm-1"), Some(state));
}

#[test]
fn a_save_conflict_stops_the_run_before_anything_is_sent() {
    let (local, remote) = stores();
    let config = ConnectionConfig::new(Profile::XeroGl);
    let states = MemoryStateStore::new();
    let clock = TestClock::new(t0());
    let a = Driver::new(&config, &local, &remote)
        .with_state_store(&states, "firm-1", "worker-a", &clock);
    let clock = TestClock::new(t0());
    let b = Driver::new(&config, &local, &remote)
        .with_state_store(&states, "firm-1", "worker-b", &clock);
    let mut state_a = block_on(a.load_state()).unwrap();
    let mut state_b = block_on(b.load_state()).unwrap();
    let ra = block_on(a.run(&mut state_a, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(ra.outcome, RunOutcome::Completed);
    let creates = local.calls().create;
    assert!(creates > 0);

    // B planned from the state before A's run: its first save conflicts.
    let before = state_b.clone();
    let rb = block_on(b.run(&mut state_b, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(rb.outcome, RunOutcome::Superseded);
    assert_eq!(state_b, before, "B's state is still the one it loaded");
    assert_eq!(local.calls().create, creates, "B sent nothing");
    assert_eq!(states.conflicts(), 1);
    assert_eq!(states.state_of("firm-1"), Some(state_a));

    // Loading again, B carries on from A's state.
    let mut state_b = block_on(b.load_state()).unwrap();
    assert_eq!(b.generation(), states.generation_of("firm-1"));
    let reports = block_on(b.run_until_quiet(&mut state_b, &[], t0(), 5)).unwrap();
    assert_eq!(reports.last().map(|r| r.outcome), Some(RunOutcome::Quiet));
    assert_eq!(local.len(), 4, "no duplicate: R2 and R3 created once");
}

/// A clock that reads `start` a few times, then jumps far ahead.
struct JumpingClock {
    reads: Mutex<u32>,
    start: DateTime<Utc>,
    jump_after: u32,
}

impl Clock for JumpingClock {
    fn now(&self) -> DateTime<Utc> {
        let mut reads = self.reads.lock().unwrap();
        *reads += 1;
        if *reads > self.jump_after {
            self.start + Duration::hours(1)
        } else {
            self.start
        }
    }
}

#[test]
fn a_lease_lost_during_the_run_stops_sending() {
    let (local, remote) = stores();
    let config = ConnectionConfig::new(Profile::XeroGl);
    let states = MemoryStateStore::new();
    // Read at the lease's acquisition and before the first operation; the
    // process then stalls for an hour: its lease expired meanwhile.
    let clock = JumpingClock {
        reads: Mutex::new(0),
        start: t0(),
        jump_after: 2,
    };
    let a = Driver::new(&config, &local, &remote)
        .with_state_store(&states, "firm-1", "worker-a", &clock)
        .with_lease(Duration::minutes(1));
    let mut state = block_on(a.load_state()).unwrap();
    let r = block_on(a.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(r.outcome, RunOutcome::LeaseLost);
    let skipped = r
        .trail
        .iter()
        .filter(
            |e| matches!(&e.status, AuditStatus::Skipped { reason } if reason.contains("lease")),
        )
        .count();
    assert_eq!(skipped, 1, "{:#?}", r.trail);
    assert_eq!(
        local.calls().create,
        1,
        "one create sent before the lease was lost"
    );
    // The results so far were saved: the next run does not send the first
    // create again.
    assert_eq!(states.state_of("firm-1"), Some(state.clone()));
    assert!(states.generation_of("firm-1") >= Generation(2));
}

#[test]
fn saves_write_only_what_changed() {
    let (local, remote) = stores();
    let config = ConnectionConfig::new(Profile::XeroGl);
    let states = MemoryStateStore::new();
    let clock = TestClock::new(t0());
    let d = Driver::new(&config, &local, &remote)
        .with_state_store(&states, "firm-1", "worker-a", &clock);
    let mut state = block_on(d.load_state()).unwrap();
    let reports = block_on(d.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    assert_eq!(reports.last().map(|r| r.outcome), Some(RunOutcome::Quiet));
    let rows = states.link_rows_written();
    assert!(rows >= 3, "the links were written once: {rows}");
    // A quiet run writes the head only.
    let r = block_on(d.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(r.outcome, RunOutcome::Quiet);
    assert_eq!(states.link_rows_written(), rows);
}

/// A clock that moves `step` on every read.
struct SteppingClock {
    at: Mutex<DateTime<Utc>>,
    step: Duration,
}

impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        let mut at = self.at.lock().unwrap();
        *at += self.step;
        *at
    }
}

#[test]
fn the_lease_is_renewed_between_operations_as_it_nears_expiry() {
    let local = MemoryStore::local();
    let remote = MemoryStore::ledger(Profile::XeroGl)
        .with_contacts((1..=6).map(|i| Contact::named(format!("R{i}"), format!("Client {i} Ltd"))));
    let config = ConnectionConfig::new(Profile::XeroGl);
    let states = MemoryStateStore::new();
    // 25 s pass between operations; the lease lasts 60 s: without renewals
    // it would lapse before the third create.
    let clock = SteppingClock {
        at: Mutex::new(t0()),
        step: Duration::seconds(25),
    };
    let d = Driver::new(&config, &local, &remote)
        .with_state_store(&states, "firm-1", "worker-a", &clock)
        .with_lease(Duration::seconds(60));
    let mut state = block_on(d.load_state()).unwrap();
    let r = block_on(d.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(r.outcome, RunOutcome::Completed);
    assert_eq!(local.len(), 6, "every create sent");
    assert_eq!(states.lease_of("firm-1"), None, "released at the end");
}

#[test]
fn a_failed_save_still_stops_the_run_before_sending() {
    let (local, remote) = stores();
    let config = ConnectionConfig::new(Profile::XeroGl);
    let states = MemoryStateStore::new();
    let clock = TestClock::new(t0());
    let d = Driver::new(&config, &local, &remote)
        .with_state_store(&states, "firm-1", "worker-a", &clock);
    let mut state = block_on(d.load_state()).unwrap();
    let before = state.clone();
    states.fail_next_save();
    let r = block_on(d.run(&mut state, &[], Trigger::Scheduled, t0()));
    assert_eq!(state, before, "the state not saved is not taken either");
    assert!(matches!(
        r,
        Err(ledgerlink::driver::DriverError::SaveState(_))
    ));
    assert_eq!(local.calls().create, 0);
    assert_eq!(
        states.lease_of("firm-1"),
        None,
        "released after the error too"
    );
}

#[test]
fn two_processes_under_one_worker_name_do_not_share_the_lease() {
    let (local, remote) = stores();
    let config = ConnectionConfig::new(Profile::XeroGl);
    let states = MemoryStateStore::new();
    // The first process took the lease and is still sending (its run is
    // simulated by holding the lease it acquired).
    let first = block_on(states.acquire_lease("firm-1", "host-1", t0(), Duration::minutes(5)));
    let Ok(LeaseOutcome::Held { token, .. }) = first else {
        panic!("{first:?}")
    };
    // A copy started under the same name backs off instead of sending too.
    let clock = TestClock::new(t0() + Duration::minutes(1));
    let copy =
        Driver::new(&config, &local, &remote).with_state_store(&states, "firm-1", "host-1", &clock);
    let mut state = block_on(copy.load_state()).unwrap();
    let r = block_on(copy.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(r.outcome, RunOutcome::LeaseBusy);
    assert_eq!((local.calls().create, states.saves()), (0, 0));
    // The copy's run did not release the first process's lease either.
    assert!(
        block_on(states.renew_lease(
            "firm-1",
            token,
            t0() + Duration::minutes(1),
            Duration::minutes(5)
        ))
        .unwrap()
        .held_until()
        .is_some()
    );
}
