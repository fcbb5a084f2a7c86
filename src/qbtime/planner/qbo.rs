//! Phase 4 of planning: the customer and customer:job entries QuickBooks
//! Time will create in QuickBooks Online once it has the jobcodes (Q3).
//! Predictions, not writes: ledgerlink writes nothing to QBO here (Q1).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Contact, ContactId};
use crate::normalize::normalize_name;
use crate::ops::OpId;
use crate::rules::qbtime::System;

use super::super::links::JobcodeSubject;
use super::super::model::{Jobcode, JobcodeId};
use super::super::plan::{NoteKind, Operation, Plan, PlanNote, QboEntry};

/// A jobcode in QBT or planned there: its name, the op creating it, and
/// whether QBT shares it with QBO.
pub(super) struct Mirror {
    pub(super) name: String,
    pub(super) after: Option<OpId>,
    connected: bool,
    active: bool,
    pub(super) id: Option<JobcodeId>,
}

impl Mirror {
    pub(super) fn existing(j: &Jobcode) -> Self {
        Self {
            name: j.name.clone(),
            after: None,
            connected: j.connect_with_quickbooks,
            active: j.active,
            id: Some(j.id),
        }
    }

    pub(super) fn planned(op: &Operation) -> Self {
        Self {
            name: op.action.name.clone(),
            after: Some(op.id.clone()),
            connected: op.action.connect_with_quickbooks,
            active: true,
            id: None,
        }
    }
}

/// The normalised fully qualified names of the QBO listing (parents
/// followed through `extras.parent_id`, at most five levels).
pub(super) fn qbo_names(qbo: &[Contact]) -> BTreeSet<String> {
    let by_id: BTreeMap<&ContactId, &Contact> = qbo.iter().map(|c| (&c.id, c)).collect();
    let mut names = BTreeSet::new();
    'records: for c in qbo {
        let mut parts = vec![normalize_name(&c.label()).into_owned()];
        let mut current = c;
        while let Some(parent) = &current.extras.parent_id {
            let Some(p) = by_id.get(parent) else {
                continue 'records;
            };
            if parts.len() >= 5 {
                continue 'records;
            }
            parts.push(normalize_name(&p.label()).into_owned());
            current = p;
        }
        parts.reverse();
        names.insert(parts.join(":"));
    }
    names
}

fn qualified(customer: &str, job: Option<&str>) -> String {
    match job {
        Some(j) => format!("{customer}:{j}"),
        None => customer.to_owned(),
    }
}

fn normalized_qualified(customer: &str, job: Option<&str>) -> String {
    qualified(
        &normalize_name(customer),
        job.map(|j| normalize_name(j).into_owned()).as_deref(),
    )
}

/// Lists the QBO entry of `job` under `customer` (or of `customer` itself)
/// when QBO lacks it — or, without a QBO listing, when this plan creates
/// the jobcode.
pub(super) fn expect(
    plan: &mut Plan,
    qbo: Option<&BTreeSet<String>>,
    subject: &JobcodeSubject,
    customer: &Mirror,
    job: Option<&Mirror>,
) {
    let own = job.unwrap_or(customer);
    if !own.active || !customer.active {
        return; // archived in QBT: noted already, nothing to expect
    }
    let after = own.after.clone().or_else(|| customer.after.clone());
    let key = normalized_qualified(&customer.name, job.map(|j| j.name.as_str()));
    let wanted = match qbo {
        Some(present) => !present.contains(&key),
        None => after.is_some(),
    };
    if !wanted {
        return;
    }
    if !own.connected || !customer.connected {
        let off = if own.connected { customer } else { own };
        if let Some(jobcode_id) = off.id {
            plan.notes.push(PlanNote::new(
                subject.clone(),
                NoteKind::NotConnectedToQbo { jobcode_id },
            ));
        }
        return;
    }
    plan.qbo_entries.push(QboEntry {
        fully_qualified_name: qualified(&customer.name, job.map(|j| j.name.as_str())),
        subject: subject.clone(),
        created_by: System::QBT,
        after,
        rule: "Q3".to_owned(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q3_qbo_names_follow_parents() {
        let mut job = Contact::named("2", "Audit");
        job.extras.parent_id = Some("1".into());
        let names = qbo_names(&[Contact::named("1", "ACME"), job]);
        assert!(names.contains("acme"));
        assert!(names.contains("acme:audit"));
        assert_eq!(names.len(), 2);
    }
}
