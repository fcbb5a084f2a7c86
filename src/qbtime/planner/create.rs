//! A jobcode create, with its reason and its name note (Q3).

use crate::normalize::normalize_name;
use crate::ops::{OpId, Ref, Side};

use super::super::links::JobcodeSubject;
use super::super::names::NameAdjustment;
use super::super::plan::{Action, JobcodeRef, NoteKind, Operation, PlanNote, describe};

/// The create of `subject`'s jobcode named `name` under `parent` (`None`:
/// top level); a note is added to `notes` when the name was adjusted.
pub(super) fn create(
    subject: JobcodeSubject,
    parent: Option<JobcodeRef>,
    name: &str,
    wanted: &str,
    adjustments: &[NameAdjustment],
    notes: &mut Vec<PlanNote>,
) -> Operation {
    let id = subject.op_id();
    let what = match (&subject, &parent) {
        (JobcodeSubject::Customer { .. }, _) => {
            "the client has no customer jobcode in QBT: the practice manager owns customers (Q1) \
             and creates it as a top-level jobcode"
                .to_owned()
        }
        (JobcodeSubject::Job { .. }, Some(Ref::CreatedBy(op))) => format!(
            "the work has no job in QBT: the practice manager owns work (Q1) and creates it under \
             the customer jobcode made by {op}"
        ),
        (JobcodeSubject::Job { .. }, Some(Ref::Id(p))) => format!(
            "the work has no job in QBT: the practice manager owns work (Q1) and creates it under \
             customer jobcode {p}"
        ),
        (JobcodeSubject::Job { .. }, None) => "the work has no job in QBT".to_owned(),
    };
    let mut reason = format!("{what}; QBT then creates its entry in QBO (Q3)");
    if !adjustments.is_empty() {
        let parts: Vec<String> = adjustments.iter().map(describe).collect();
        reason.push_str("; name: ");
        reason.push_str(&parts.join("; "));
        notes.push(PlanNote::new(
            subject.clone(),
            NoteKind::NameAdjusted {
                adjustments: adjustments.to_vec(),
            },
        ));
    }
    let depends_on: Vec<OpId> = parent
        .as_ref()
        .and_then(Ref::created_by)
        .cloned()
        .into_iter()
        .collect();
    Operation {
        action: Action {
            idempotency_key: format!("ledgerlink:{id}:{}", normalize_name(name)),
            subject,
            parent,
            name: name.to_owned(),
            wanted_name: wanted.trim().to_owned(),
            adjustments: adjustments.to_vec(),
            connect_with_quickbooks: true,
        },
        id,
        side: Side::Remote,
        depends_on,
        rule: "Q3".to_owned(),
        reason,
    }
}
