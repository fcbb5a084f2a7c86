//! The end-to-end check: seeded random edits on both sides, then runs
//! until quiet (feature `driver`).

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};

use super::{
    Check, CheckReport, ContactFixture, E2E, Failure, Property, Recorder, Settings, list_all,
    setup, stopped, with_address,
};
use crate::driver::{Driver, RunOutcome, RunReport};
use crate::model::{Contact, ContactId};
use crate::ports::ContactStore;
use crate::rules::Profile;
use crate::sync::{Action, ConnectionConfig, SyncState, Trigger};
use crate::testing::MemoryStore;
use crate::testing::conformance::support::Rng;

/// Runs one connection until quiet; `Err` with the failure when a run
/// after every operation was applied still plans something.
async fn settle(
    driver: &Driver<'_>,
    state: &mut SyncState,
    now: &mut DateTime<Utc>,
) -> Result<(), Failure> {
    let mut previous_clean = false;
    for _ in 0..6 {
        let report = driver
            .run(state, &[], Trigger::Scheduled, *now)
            .await
            .map_err(|e| Failure::new(Property::CallFailed, format!("the run failed: {e}")))?;
        *now += TimeDelta::minutes(10);
        match report.outcome {
            RunOutcome::Quiet => return Ok(()),
            RunOutcome::Completed => {
                if previous_clean {
                    return Err(not_quiet(&report));
                }
                previous_clean = report.applied.as_ref().is_some_and(|a| a.all_applied())
                    && !report.wants_rerun();
            }
            other => {
                return Err(Failure::new(
                    Property::CallFailed,
                    format!("a run ended {other:?}"),
                ));
            }
        }
    }
    Err(Failure::new(
        Property::NotQuiet,
        "the runs did not settle within six runs",
    ))
}

fn not_quiet(report: &RunReport) -> Failure {
    let ops = report.plan.as_ref().map_or_else(Vec::new, |p| {
        p.operations
            .iter()
            .map(|op| match &op.action {
                Action::Create { source_id, .. } => {
                    format!("create {:?} from {source_id}", op.side)
                }
                Action::Update { target_id, .. } => format!("update {:?} {target_id}", op.side),
            })
            .collect()
    });
    Failure::new(
        Property::NotQuiet,
        "after every operation of a run was applied, the next run planned more",
    )
    .with_records(ops)
}

/// **The end-to-end property** (feature `driver`): the
/// [`driver`](crate::driver) runs a connection between the store under
/// test and an in-memory other side (the firm's contacts for a ledger,
/// a Xero ledger for a local store) over several rounds of seeded
/// random edits on both sides — new records, changed emails, archives
/// — and after a run in which every operation was applied, the next
/// run is [`Quiet`](RunOutcome::Quiet): the store answered every write
/// with the record as stored and lists it that way. Once quiet, every
/// linked pair holds the same email on both sides (a store that answers
/// writes it did not keep is quiet, but apart:
/// [`Property::NotConverged`]).
pub async fn end_to_end(
    store: &dyn ContactStore,
    fixture: &dyn ContactFixture,
    settings: &Settings,
) -> CheckReport {
    let mut rec = Recorder::new(Check::EndToEnd);
    let (profile, other) = match fixture.profile() {
        Some(p) => (p, MemoryStore::local()),
        None => (Profile::XeroGl, MemoryStore::ledger(Profile::XeroGl)),
    };
    let ledger_under_test = fixture.profile().is_some();
    let config = ConnectionConfig::new(profile);
    let (local, remote): (&dyn ContactStore, &dyn ContactStore) = if ledger_under_test {
        (&other, store)
    } else {
        (store, &other)
    };
    let driver = Driver::new(&config, local, remote).with_change_listings(true);
    let mut state = SyncState::new();
    let mut now = DateTime::from_timestamp(1_767_225_600, 0).unwrap_or(DateTime::UNIX_EPOCH);
    let mut rng = Rng::new(settings.seed);
    let mut n = E2E;
    let run_id = settings.run_id.as_str();
    for round in 0..=settings.rounds {
        if round > 0 {
            // Edits on the other side. One record is edited on one side
            // only per round: edits of one pair on both sides are a
            // conflict, which the planner may leave for review.
            let mut touched: BTreeSet<ContactId> = BTreeSet::new();
            for _ in 0..1 + rng.below(3) {
                n += 1;
                match rng.below(3) {
                    0 => {
                        other.insert(fixture.sample(run_id, n));
                    }
                    1 => {
                        let all = other.all();
                        if let Some(c) = all.get(rng.below(all.len())) {
                            other.edit(&c.id, |c| {
                                *c = with_address(c.clone(), &format!("o{n}@edited.test"));
                            });
                            touched.insert(c.id.clone());
                        }
                    }
                    _ => {
                        let all = other.all();
                        if let Some(c) = all.get(rng.below(all.len())) {
                            other.archive_now(&c.id);
                            touched.insert(c.id.clone());
                        }
                    }
                }
            }
            // Edits on the store under test, through the fixture.
            let partners: BTreeSet<&ContactId> = state
                .linked()
                .filter_map(|link| {
                    if ledger_under_test {
                        touched.contains(&link.local_id).then_some(&link.remote_id)
                    } else {
                        touched.contains(&link.remote_id).then_some(&link.local_id)
                    }
                })
                .collect();
            let mine = match list_all(store).await {
                Ok(all) => all
                    .into_values()
                    .filter(|c| !partners.contains(&c.id))
                    .collect::<Vec<Contact>>(),
                Err(s) => {
                    stopped(&mut rec, "the full listing", &s);
                    return rec.finish();
                }
            };
            for _ in 0..1 + rng.below(3) {
                n += 1;
                let done = match rng.below(3) {
                    0 => fixture.insert(fixture.sample(run_id, n)).await.map(drop),
                    1 => match mine.get(rng.below(mine.len())) {
                        Some(c) => {
                            fixture
                                .edit(with_address(c.clone(), &format!("s{n}@edited.test")))
                                .await
                        }
                        None => Ok(()),
                    },
                    _ => match mine.get(rng.below(mine.len())) {
                        Some(c) => fixture.archive(&c.id).await,
                        None => Ok(()),
                    },
                };
                if let Err(e) = done {
                    setup(&mut rec, "editing the store under test", &e);
                    return rec.finish();
                }
            }
        }
        if let Err(f) = settle(&driver, &mut state, &mut now).await {
            rec.fail(Failure {
                message: format!("round {round}: {}", f.message),
                ..f
            });
            return rec.finish();
        }
        // Quiet: every linked pair holds the same email on both sides.
        let (l, r) = match (list_all(local).await, list_all(remote).await) {
            (Ok(l), Ok(r)) => (l, r),
            (Err(s), _) | (_, Err(s)) => {
                stopped(&mut rec, "the full listing", &s);
                return rec.finish();
            }
        };
        let apart: Vec<String> = state
            .linked()
            .filter_map(|link| {
                let a = l.get(&link.local_id).and_then(Contact::billing_email);
                let b = r.get(&link.remote_id).and_then(Contact::billing_email);
                (a != b).then(|| {
                    format!(
                        "{} ({}) ~ {} ({})",
                        link.local_id,
                        a.unwrap_or("-"),
                        link.remote_id,
                        b.unwrap_or("-")
                    )
                })
            })
            .collect();
        if !apart.is_empty() {
            rec.fail(
                Failure::new(
                    Property::NotConverged,
                    format!(
                        "round {round}: the runs are quiet but linked records differ (the store answered writes it did not keep?)"
                    ),
                )
                .with_records(apart),
            );
            return rec.finish();
        }
    }
    rec.finish()
}
