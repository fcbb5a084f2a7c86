//! Q3: the customers and jobs the practice manager creates in QuickBooks
//! Time, and the customer:job entries QuickBooks Time will then create in
//! QuickBooks Online.
//!
//! Planning runs in phases, each readable on its own:
//!
//! 1. resolve ([`super::resolve`]): every client and work item is matched
//!    to its jobcode, by link then by name, or given the name to create;
//! 2. customers ([`customers`]): a top-level create per client without a
//!    jobcode;
//! 3. jobs ([`jobs`]): a create per work item without a jobcode, under its
//!    client's jobcode — existing, or created earlier in the plan;
//! 4. QBO ([`qbo`]): what QBT will create in QBO afterwards, phases 2 and 3
//!    call it as they go;
//! 5. sort: operations by id, entries by name, notes by subject.

mod create;
mod qbo;

use std::collections::BTreeSet;

use crate::model::ContactStatus;
use crate::normalize::normalize_name;
use crate::ops::Ref;

use super::input::PlanInput;
use super::links::{JobcodeLinks, JobcodeSubject};
use super::plan::Plan;
use super::resolve::{Resolved, Slot, resolve};
use create::create;
use qbo::{Mirror, expect, qbo_names};

/// Plans the customers and jobs the practice manager creates in QBT (Q3).
///
/// - Every active client (organisation or person) without a top-level
///   jobcode gets one, named after its display name (else first + last,
///   N3).
/// - Every open work item of an active client without a jobcode under the
///   client's gets one; when the client's jobcode is created by the same
///   plan, the job's create depends on it.
/// - Names fit [`JOBCODE_NAME`](crate::rules::qbtime::JOBCODE_NAME) (64
///   characters) and are unique among siblings after normalisation (N1);
///   a longer name is cut, a clash numbered `" (2)"`, `" (3)"`…, and `:`
///   and control characters become spaces (QBT passes names to QBO, which
///   reserves them). Every change is in the operation and in a
///   [`NoteKind::NameAdjusted`](super::NoteKind::NameAdjusted) note.
/// - Existing jobcodes are found by the caller's [`JobcodeLinks`] first,
///   then by replaying the same naming among the siblings, so a plan whose
///   creates were carried out plans nothing the next time.
/// - The customer and customer:job entries QBT will create in QBO are
///   listed as [`QboEntry`](super::QboEntry) items, not operations.
///
/// Deterministic: the same input gives the same plan, in the same order.
///
/// # Example
///
/// ```
/// use ledgerlink::Contact;
/// use ledgerlink::ops::Ref;
/// use ledgerlink::qbtime::{self, Jobcode, PlanInput, Work};
///
/// let clients = [Contact::organization("C1", "Acme Ltd"), Contact::person("C2", "Jo", "Bloggs")];
/// let work = [Work::new("W1", "C1", "Year end 2026"), Work::new("W2", "C2", "Tax return")];
/// let qbt = [Jobcode::customer(10, "ACME LTD")];
///
/// let plan = qbtime::plan(&PlanInput::new(&clients, &work, &qbt));
/// let ids: Vec<&str> = plan.operations.iter().map(|o| o.id.as_str()).collect();
/// assert_eq!(ids, ["qbt-customer:C2", "qbt-job:W1", "qbt-job:W2"]);
/// assert_eq!(plan.operations[0].action.parent, None); // top level
/// assert_eq!(plan.operations[1].action.parent, Some(Ref::Id(10.into())));
/// assert_eq!(plan.operations[2].depends_on[0].as_str(), "qbt-customer:C2");
/// let qbo: Vec<&str> = plan.qbo_entries.iter().map(|e| e.fully_qualified_name.as_str()).collect();
/// assert_eq!(qbo, ["ACME LTD:Year end 2026", "Jo Bloggs", "Jo Bloggs:Tax return"]);
/// ```
#[must_use]
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let empty = JobcodeLinks::default();
    let links = input.links.unwrap_or(&empty);
    let mut resolved = resolve(input.clients, input.work, input.jobcodes, links);
    let mut plan = Plan {
        notes: std::mem::take(&mut resolved.notes),
        ..Plan::default()
    };
    let qbo = input.qbo.map(qbo_names);
    let mirrors = customers(&mut plan, &resolved, qbo.as_ref());
    jobs(&mut plan, &resolved, &mirrors, qbo.as_ref());
    sort(&mut plan);
    plan
}

/// Phase 2: a top-level create for every client that needs one. Returns,
/// per client of `resolved` (same order), its customer jobcode as QBO will
/// see it — `None` for a client with none, or archived in the practice
/// manager.
fn customers(
    plan: &mut Plan,
    resolved: &Resolved<'_>,
    qbo: Option<&BTreeSet<String>>,
) -> Vec<Option<Mirror>> {
    let mut mirrors: Vec<Option<Mirror>> = Vec::with_capacity(resolved.clients.len());
    for c in &resolved.clients {
        let subject = JobcodeSubject::customer(&c.contact.id);
        let active = c.contact.status == ContactStatus::Active;
        let mirror = match &c.slot {
            Slot::Existing(id) => {
                plan.links.insert(&subject, *id);
                resolved.listing.get(*id).map(Mirror::existing)
            }
            Slot::New { name, adjustments } => {
                let op = create(
                    subject.clone(),
                    None,
                    name,
                    &c.contact.label(),
                    adjustments,
                    &mut plan.notes,
                );
                let m = Mirror::planned(&op);
                plan.operations.push(op);
                Some(m)
            }
            Slot::Absent | Slot::Unnamed => None,
        };
        if let Some(m) = &mirror
            && active
        {
            expect(plan, qbo, &subject, m, None);
        }
        mirrors.push(mirror.filter(|_| active));
    }
    mirrors
}

/// Phase 3: a create for every work item that needs one, under its
/// client's customer jobcode (`customers[i]` for client `i`).
fn jobs(
    plan: &mut Plan,
    resolved: &Resolved<'_>,
    customers: &[Option<Mirror>],
    qbo: Option<&BTreeSet<String>>,
) {
    for w in &resolved.work {
        let subject = JobcodeSubject::job(w.work);
        let customer = w
            .client
            .and_then(|ci| customers.get(ci))
            .and_then(Option::as_ref);
        match &w.slot {
            Slot::Existing(id) => {
                plan.links.insert(&subject, *id);
                if let (Some(customer), Some(j)) = (customer, resolved.listing.get(*id))
                    && w.work.active
                {
                    let m = Mirror::existing(j);
                    expect(plan, qbo, &subject, customer, Some(&m));
                }
            }
            Slot::New { name, adjustments } => {
                let Some(customer) = customer else {
                    continue; // unreachable: a job is only named under a mirrored customer
                };
                let parent = match (&customer.id, &customer.after) {
                    (_, Some(op)) => Ref::CreatedBy(op.clone()),
                    (Some(id), None) => Ref::Id(*id),
                    (None, None) => continue,
                };
                let op = create(
                    subject.clone(),
                    Some(parent),
                    name,
                    &w.work.name,
                    adjustments,
                    &mut plan.notes,
                );
                let m = Mirror::planned(&op);
                plan.operations.push(op);
                expect(plan, qbo, &subject, customer, Some(&m));
            }
            Slot::Absent | Slot::Unnamed => {}
        }
    }
}

/// Phase 5: a deterministic order whatever the input order.
fn sort(plan: &mut Plan) {
    plan.operations.sort_by(|a, b| a.id.cmp(&b.id));
    plan.qbo_entries.sort_by(|a, b| {
        let ka = normalize_name(&a.fully_qualified_name);
        let kb = normalize_name(&b.fully_qualified_name);
        ka.cmp(&kb)
            .then_with(|| a.fully_qualified_name.cmp(&b.fully_qualified_name))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    plan.notes
        .sort_by(|a, b| (&a.subject, &a.kind).cmp(&(&b.subject, &b.kind)));
    plan.notes.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Contact;
    use crate::qbtime::Work;
    use crate::rules::qbtime::{System, may_write};

    #[test]
    fn q1_every_planned_operation_is_an_allowed_write() {
        let clients = [Contact::organization("C1", "Acme")];
        let work = [Work::new("W1", "C1", "Audit")];
        let plan = plan(&PlanInput::new(&clients, &work, &[]));
        assert_eq!(plan.operations.len(), 2);
        for op in &plan.operations {
            assert!(may_write(op.system(), op.domain()), "{}", op.id);
        }
        assert!(plan.qbo_entries.iter().all(|e| e.created_by == System::QBT));
    }
}
