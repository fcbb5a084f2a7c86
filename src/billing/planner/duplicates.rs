//! Records of one input that share an id (U1): under one operation id and
//! one idempotency key the ledger would keep only one of them, so none is
//! sent until the ids differ. One rule for the firm's invoices, the firm's
//! payments and the ledger's payments.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::billing::queue::{Failure, FailureCode, RecordKind, RecordRef};
use crate::billing::state::BillingState;
use crate::model::Payment;

use super::Run;

/// The records of one kind in a run's input, as the duplicate check names
/// them.
pub(super) struct Batch<'r, T> {
    /// The kind of record the queue files them under.
    pub kind: RecordKind,
    /// What they are called in a failure's detail ("invoices").
    pub what: &'static str,
    /// The records, in input order (a failure names their positions).
    pub records: &'r [T],
    /// What tells two records with the same id apart, for a person.
    pub describe: fn(&T) -> String,
}

impl Run<'_> {
    /// Refuses the records of `batch` under each id of `shared` (ids with
    /// the positions of the records that carry them): one
    /// [`FailureCode::DuplicateRecordId`] per id, naming each record.
    ///
    /// A record the state knows (`tracked`: in flight or recorded) is
    /// checked again on every run, so its earlier failures leave the queue
    /// first; a new one waiting in the error queue for "retry all" stays
    /// there, reported as skipped (E2).
    pub(super) fn refuse_shared<T>(
        &mut self,
        next: &mut BillingState,
        batch: &Batch<'_, T>,
        shared: &BTreeMap<String, Vec<usize>>,
        tracked: impl Fn(&BillingState, &str) -> bool,
    ) {
        for (id, at) in shared {
            let record = RecordRef::new(batch.kind, id.clone());
            if tracked(next, id) {
                Self::rechecked(next, &record);
            } else if self.held_in_queue(next, &record) {
                continue;
            }
            let named = at
                .iter()
                .filter_map(|&i| batch.records.get(i).map(|r| (i, (batch.describe)(r))));
            let failure = shared_id_failure(record, batch.what, named, self.now);
            self.fail(next, vec![failure]);
        }
    }
}

/// The ids more than one of `records` (those `counted`) carry, each with
/// the positions of its records in `records` (U1: one id, one operation,
/// one idempotency key).
pub(super) fn shared_ids<T>(
    records: &[T],
    id: impl Fn(&T) -> &str,
    counted: impl Fn(&T) -> bool,
) -> BTreeMap<String, Vec<usize>> {
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate().filter(|(_, r)| counted(r)) {
        by_id.entry(id(r)).or_default().push(i);
    }
    by_id
        .into_iter()
        .filter(|(_, at)| at.len() > 1)
        .map(|(id, at)| (id.to_owned(), at))
        .collect()
}

/// The ids different ledger payments share. The same payment listed twice
/// over (pages of a listing that overlap) is one payment, not two.
pub(super) fn ledger_shared_ids(payments: &[Payment]) -> BTreeMap<String, Vec<usize>> {
    let mut shared = shared_ids(payments, |p| p.id.as_str(), |_| true);
    shared.retain(|_, at| {
        let first = at.first().and_then(|&i| payments.get(i));
        at.iter().any(|&i| payments.get(i) != first)
    });
    shared
}

/// The failure of records that share an id, naming each of them: its
/// position in the input and what tells it apart.
fn shared_id_failure(
    record: RecordRef,
    what: &str,
    named: impl Iterator<Item = (usize, String)>,
    now: DateTime<Utc>,
) -> Failure {
    let mut names: Vec<String> = named.map(|(i, n)| format!("{i} ({n})")).collect();
    let count = names.len();
    let last = names.pop().unwrap_or_default();
    let list = if names.is_empty() {
        last
    } else {
        format!("{} and {last}", names.join(", "))
    };
    let none = if count > 2 { "none" } else { "neither" };
    Failure {
        code: FailureCode::DuplicateRecordId,
        detail: Some(format!(
            "{count} {what} of the input have id {}, at positions {list}: {none} is sent",
            record.id
        )),
        record,
        at: now,
    }
}
