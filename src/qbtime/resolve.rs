//! Which jobcode stands for which client and which work item.
//!
//! Links the caller kept from earlier runs come first. Everything else is
//! matched by replaying the naming rule of the planner among the siblings:
//! records in id order (those that may be created before those that may
//! not) try their name, then `" (2)"`, `" (3)"`, …; the first candidate
//! held by an unclaimed regular jobcode is theirs, the first candidate
//! nobody holds is the name to create. Because the planner chose its names
//! by the same walk, a jobcode it created (shortened or suffixed) is found
//! again on the next run, and re-planning after the creates plans nothing.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Contact, ContactId, ContactStatus};
use crate::normalize::normalize_name;

use super::links::{JobcodeLinks, JobcodeSubject};
use super::model::{Jobcode, JobcodeId, Work};
use super::names::{NameAdjustment, fit, with_suffix};
use super::plan::{NoteKind, PlanNote};

/// The jobcode listing, indexed.
#[derive(Debug)]
pub(crate) struct Listing<'a> {
    pub(crate) by_id: BTreeMap<JobcodeId, &'a Jobcode>,
    children: BTreeMap<JobcodeId, Vec<&'a Jobcode>>,
}

impl<'a> Listing<'a> {
    /// Indexes `jobcodes`; of two with the same id the first listed counts.
    pub(crate) fn new(jobcodes: &'a [Jobcode]) -> Self {
        let mut by_id = BTreeMap::new();
        for j in jobcodes {
            by_id.entry(j.id).or_insert(j);
        }
        let mut children: BTreeMap<JobcodeId, Vec<&Jobcode>> = BTreeMap::new();
        for j in by_id.values() {
            children.entry(j.parent_id).or_default().push(j);
        }
        Self { by_id, children }
    }

    /// The jobcodes under `parent`, sorted by id.
    pub(crate) fn children(&self, parent: JobcodeId) -> &[&'a Jobcode] {
        self.children.get(&parent).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn get(&self, id: JobcodeId) -> Option<&'a Jobcode> {
        self.by_id.get(&id).copied()
    }

    /// The top-level ancestor of jobcode `id` and the jobcode right below it
    /// on the way to `id` (`None` when `id` is top level). `None` when `id`
    /// or an ancestor is missing, or the parents loop.
    pub(crate) fn path(&self, id: JobcodeId) -> Option<(JobcodeId, Option<JobcodeId>)> {
        let mut below = None;
        let mut current = self.get(id)?;
        for _ in 0..=self.by_id.len() {
            if current.is_top_level() {
                return Some((current.id, below));
            }
            below = Some(current.id);
            current = self.get(current.parent_id)?;
        }
        None
    }
}

/// Where a client or work item stands in QBT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Matched to this jobcode.
    Existing(JobcodeId),
    /// Missing, to be created with this name.
    New {
        name: String,
        adjustments: Vec<NameAdjustment>,
    },
    /// Missing and not to be created (archived, closed, or its parent is
    /// not in QBT).
    Absent,
    /// No name to give a jobcode.
    Unnamed,
}

/// A record looking for its jobcode among one set of siblings.
struct Seeker<'s> {
    wanted: &'s str,
    link: Option<JobcodeId>,
    may_create: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkIssue {
    /// Not listed under the expected parent, or not a regular jobcode.
    NotFound(JobcodeId),
    /// An earlier record holds the same link.
    Taken(JobcodeId),
}

/// Finds or names the jobcode of each seeker (in the order given, which is
/// id order) among `siblings`.
fn assign(siblings: &[&Jobcode], seekers: &[Seeker<'_>]) -> (Vec<Slot>, Vec<(usize, LinkIssue)>) {
    let mut by_name: BTreeMap<String, Vec<&Jobcode>> = BTreeMap::new();
    for j in siblings {
        by_name
            .entry(normalize_name(&j.name).into_owned())
            .or_default()
            .push(j);
    }
    let mut claimed = BTreeSet::new();
    let mut planned = BTreeSet::new();
    let mut issues = Vec::new();
    let mut slots: Vec<Option<Slot>> = vec![None; seekers.len()];

    for (i, s) in seekers.iter().enumerate() {
        let Some(id) = s.link else { continue };
        match siblings.iter().find(|j| j.id == id && j.is_regular()) {
            None => issues.push((i, LinkIssue::NotFound(id))),
            Some(_) if !claimed.insert(id) => issues.push((i, LinkIssue::Taken(id))),
            Some(_) => slots[i] = Some(Slot::Existing(id)),
        }
    }

    // Records that may be created go first, so that a record that may not
    // (archived, closed) can never take a jobcode made for one that may:
    // that would move the other to a new name on the next run.
    let limit = siblings.len() + seekers.len() + 1;
    let order = seekers
        .iter()
        .enumerate()
        .filter(|(_, s)| s.may_create)
        .chain(seekers.iter().enumerate().filter(|(_, s)| !s.may_create));
    for (i, s) in order {
        if slots[i].is_some() {
            continue;
        }
        let fitted = fit(s.wanted);
        if fitted.base.is_empty() {
            slots[i] = Some(Slot::Unnamed);
            continue;
        }
        let mut slot = Slot::Absent;
        for n in 1..=u32::try_from(limit).unwrap_or(u32::MAX) {
            let candidate = if n == 1 {
                fitted.base.clone()
            } else {
                with_suffix(&fitted.base, n)
            };
            let key = normalize_name(&candidate).into_owned();
            let holders = by_name.get(&key);
            if let Some(j) = holders.and_then(|hs| {
                hs.iter()
                    .find(|j| j.is_regular() && !claimed.contains(&j.id))
            }) {
                claimed.insert(j.id);
                slot = Slot::Existing(j.id);
                break;
            }
            if holders.is_some() || planned.contains(&key) {
                continue;
            }
            if s.may_create {
                let mut adjustments = fitted.adjustments.clone();
                if n > 1 {
                    adjustments.push(NameAdjustment::Suffixed { n });
                }
                planned.insert(key);
                slot = Slot::New {
                    name: candidate,
                    adjustments,
                };
            }
            break;
        }
        slots[i] = Some(slot);
    }
    let slots = slots
        .into_iter()
        .map(|s| s.unwrap_or(Slot::Absent))
        .collect();
    (slots, issues)
}

/// A client and its jobcode.
#[derive(Debug)]
pub(crate) struct ClientSlot<'a> {
    pub(crate) contact: &'a Contact,
    pub(crate) slot: Slot,
}

/// A work item and its jobcode.
#[derive(Debug)]
pub(crate) struct WorkSlot<'a> {
    pub(crate) work: &'a Work,
    /// Its client's index in [`Resolved::clients`].
    pub(crate) client: Option<usize>,
    pub(crate) slot: Slot,
}

/// Every client's and work item's jobcode, with notes on what could not be
/// mirrored.
#[derive(Debug)]
pub(crate) struct Resolved<'a> {
    pub(crate) listing: Listing<'a>,
    /// Sorted by id, one per id.
    pub(crate) clients: Vec<ClientSlot<'a>>,
    /// Sorted by id, one per id.
    pub(crate) work: Vec<WorkSlot<'a>>,
    pub(crate) notes: Vec<PlanNote>,
}

fn active(c: &Contact) -> bool {
    c.status == ContactStatus::Active
}

fn note(notes: &mut Vec<PlanNote>, subject: JobcodeSubject, kind: NoteKind) {
    notes.push(PlanNote::new(subject, kind));
}

fn link_note(notes: &mut Vec<PlanNote>, subject: JobcodeSubject, issue: LinkIssue) {
    let kind = match issue {
        LinkIssue::NotFound(jobcode_id) => NoteKind::LinkNotFound { jobcode_id },
        LinkIssue::Taken(jobcode_id) => NoteKind::LinkTaken { jobcode_id },
    };
    note(notes, subject, kind);
}

/// Resolves every client and work item against the listing.
pub(crate) fn resolve<'a>(
    clients: &'a [Contact],
    work: &'a [Work],
    jobcodes: &'a [Jobcode],
    links: &JobcodeLinks,
) -> Resolved<'a> {
    let listing = Listing::new(jobcodes);
    let mut notes = Vec::new();

    // Clients, by id, once each.
    let mut sorted: Vec<&Contact> = clients.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut unique: Vec<&Contact> = Vec::with_capacity(sorted.len());
    for c in sorted {
        if unique.last().is_some_and(|u| u.id == c.id) {
            let subject = JobcodeSubject::customer(&c.id);
            note(&mut notes, subject, NoteKind::DuplicateId);
        } else {
            unique.push(c);
        }
    }
    let labels: Vec<String> = unique.iter().map(|c| c.label()).collect();
    let seekers: Vec<Seeker<'_>> = unique
        .iter()
        .zip(&labels)
        .map(|(c, label)| Seeker {
            wanted: label,
            link: links.customers.get(&c.id).copied(),
            may_create: active(c),
        })
        .collect();
    let (slots, issues) = assign(listing.children(JobcodeId::TOP_LEVEL), &seekers);
    for (i, issue) in issues {
        link_note(&mut notes, JobcodeSubject::customer(&unique[i].id), issue);
    }
    let clients: Vec<ClientSlot<'a>> = unique
        .into_iter()
        .zip(slots)
        .map(|(contact, slot)| ClientSlot { contact, slot })
        .collect();
    for c in &clients {
        let subject = JobcodeSubject::customer(&c.contact.id);
        match &c.slot {
            Slot::Unnamed => note(&mut notes, subject, NoteKind::Unnamed),
            Slot::Existing(id)
                if active(c.contact) && listing.get(*id).is_some_and(|j| !j.active) =>
            {
                note(
                    &mut notes,
                    subject,
                    NoteKind::ArchivedInQbt { jobcode_id: *id },
                );
            }
            _ => {}
        }
    }
    let client_index: BTreeMap<&ContactId, usize> = clients
        .iter()
        .enumerate()
        .map(|(i, c)| (&c.contact.id, i))
        .collect();

    // Work, by id, once each; grouped by client.
    let mut sorted: Vec<&Work> = work.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut unique: Vec<&Work> = Vec::with_capacity(sorted.len());
    for w in sorted {
        if unique.last().is_some_and(|u| u.id == w.id) {
            note(&mut notes, JobcodeSubject::job(w), NoteKind::DuplicateId);
        } else {
            unique.push(w);
        }
    }
    let mut work_slots: Vec<WorkSlot<'a>> = unique
        .iter()
        .map(|&w| WorkSlot {
            work: w,
            client: client_index.get(&w.client_id).copied(),
            slot: Slot::Absent,
        })
        .collect();
    let mut by_client: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, w) in work_slots.iter().enumerate() {
        match w.client {
            Some(c) => by_client.entry(c).or_default().push(i),
            None => note(
                &mut notes,
                JobcodeSubject::job(w.work),
                NoteKind::UnknownClient,
            ),
        }
    }
    for (ci, items) in by_client {
        let client = &clients[ci];
        let (siblings, parent_open): (&[&Jobcode], bool) = match &client.slot {
            Slot::Existing(id) => (
                listing.children(*id),
                listing.get(*id).is_some_and(|j| j.active),
            ),
            Slot::New { .. } => (&[], true),
            Slot::Absent | Slot::Unnamed => {
                let kind = if active(client.contact) {
                    NoteKind::ClientNotInQbt
                } else {
                    NoteKind::ClientArchived
                };
                for &wi in &items {
                    let w = work_slots[wi].work;
                    if w.active {
                        note(&mut notes, JobcodeSubject::job(w), kind.clone());
                    }
                }
                continue;
            }
        };
        let client_open = active(client.contact);
        let seekers: Vec<Seeker<'_>> = items
            .iter()
            .map(|&wi| {
                let w = work_slots[wi].work;
                Seeker {
                    wanted: &w.name,
                    link: links.jobs.get(&w.id).copied(),
                    may_create: w.active && client_open && parent_open,
                }
            })
            .collect();
        let (slots, issues) = assign(siblings, &seekers);
        for (k, issue) in issues {
            let w = work_slots[items[k]].work;
            link_note(&mut notes, JobcodeSubject::job(w), issue);
        }
        for (&wi, slot) in items.iter().zip(slots) {
            let w = work_slots[wi].work;
            let subject = JobcodeSubject::job(w);
            match &slot {
                Slot::Unnamed if w.active => note(&mut notes, subject, NoteKind::Unnamed),
                Slot::Absent if w.active && client_open && !parent_open => {
                    if let Slot::Existing(parent) = client.slot {
                        let kind = NoteKind::ParentArchivedInQbt { jobcode_id: parent };
                        note(&mut notes, subject, kind);
                    }
                }
                Slot::Absent if w.active && !client_open => {
                    note(&mut notes, subject, NoteKind::ClientArchived);
                }
                Slot::Existing(id)
                    if w.active
                        && client_open
                        && parent_open
                        && listing.get(*id).is_some_and(|j| !j.active) =>
                {
                    note(
                        &mut notes,
                        subject,
                        NoteKind::ArchivedInQbt { jobcode_id: *id },
                    );
                }
                Slot::New { .. } => {
                    if let Some(group) = client.contact.client_group.as_deref() {
                        let group = group.trim();
                        if !group.is_empty() {
                            let kind = NoteKind::InClientGroup {
                                group: group.to_owned(),
                            };
                            note(&mut notes, subject, kind);
                        }
                    }
                }
                _ => {}
            }
            work_slots[wi].slot = slot;
        }
    }

    Resolved {
        listing,
        clients,
        work: work_slots,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seek(wanted: &str) -> Seeker<'_> {
        Seeker {
            wanted,
            link: None,
            may_create: true,
        }
    }

    fn new(name: &str) -> Slot {
        Slot::New {
            name: name.to_owned(),
            adjustments: Vec::new(),
        }
    }

    #[test]
    fn q3_clashing_names_get_numbered_in_id_order() {
        let (slots, _) = assign(&[], &[seek("Acme"), seek("ACME"), seek("acme")]);
        assert_eq!(slots[0], new("Acme"));
        assert_eq!(
            slots[1],
            Slot::New {
                name: "ACME (2)".into(),
                adjustments: vec![NameAdjustment::Suffixed { n: 2 }],
            }
        );
        assert!(matches!(&slots[2], Slot::New { name, .. } if name == "acme (3)"));
    }

    #[test]
    fn q3_replaying_the_names_finds_the_created_jobcodes() {
        let seekers = [seek("Acme"), seek("ACME"), seek("Acme (2)")];
        let (first, _) = assign(&[], &seekers);
        let created: Vec<Jobcode> = first
            .iter()
            .zip(1u64..)
            .filter_map(|(s, id)| match s {
                Slot::New { name, .. } => Some(Jobcode::customer(id, name.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(created.len(), 3);
        let refs: Vec<&Jobcode> = created.iter().collect();
        let (again, issues) = assign(&refs, &seekers);
        assert!(issues.is_empty());
        assert_eq!(
            again,
            [
                Slot::Existing(JobcodeId(1)),
                Slot::Existing(JobcodeId(2)),
                Slot::Existing(JobcodeId(3))
            ]
        );
    }

    #[test]
    fn q3_links_come_before_names_and_non_regular_jobcodes_only_block_names() {
        use super::super::model::JobcodeType;
        let pto = Jobcode::customer(1, "Holiday").with_kind(JobcodeType::Pto);
        let acme = Jobcode::customer(2, "Acme");
        let acme2 = Jobcode::customer(3, "Acme (2)");
        let siblings = [&pto, &acme, &acme2];
        let mut later = seek("Acme");
        later.link = Some(JobcodeId(2));
        let mut stale = seek("Other");
        stale.link = Some(JobcodeId(1));
        let (slots, issues) = assign(&siblings, &[seek("Acme"), later, seek("holiday"), stale]);
        assert_eq!(slots[0], Slot::Existing(JobcodeId(3)));
        assert_eq!(slots[1], Slot::Existing(JobcodeId(2)));
        assert!(matches!(&slots[2], Slot::New { name, .. } if name == "holiday (2)"));
        assert_eq!(slots[3], new("Other"));
        assert_eq!(issues, [(3, LinkIssue::NotFound(JobcodeId(1)))]);
    }

    #[test]
    fn paths_stop_at_the_top_and_survive_loops() {
        let j = [
            Jobcode::customer(1, "C"),
            Jobcode::job(2, 1, "J"),
            Jobcode::job(3, 2, "Task"),
            Jobcode::job(4, 5, "loop"),
            Jobcode::job(5, 4, "loop"),
        ];
        let l = Listing::new(&j);
        assert_eq!(l.path(JobcodeId(1)), Some((JobcodeId(1), None)));
        assert_eq!(
            l.path(JobcodeId(3)),
            Some((JobcodeId(1), Some(JobcodeId(2))))
        );
        assert_eq!(l.path(JobcodeId(4)), None);
        assert_eq!(l.path(JobcodeId(9)), None);
    }
}
