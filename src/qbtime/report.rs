//! Q4: time per customer and job, read from QuickBooks Time on demand.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::model::{Contact, ContactId, ContactStatus};
use crate::normalize::normalize_name;

use super::links::JobcodeLinks;
use super::model::{DateRange, Jobcode, JobcodeId, JobcodeType, TimeEntry, Work, WorkId};
use super::resolve::{Slot, resolve};

/// Whose time a row of the report is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "owner"))]
pub enum TimeOwner {
    /// A client of the practice manager: time recorded against its own
    /// customer jobcode or its jobs.
    Client {
        /// The client's id.
        contact_id: ContactId,
        /// The client group it belongs to, if any (for information: this
        /// row holds none of the group's time).
        client_group: Option<String>,
    },
    /// A client group: time recorded against a top-level jobcode named
    /// after one of the practice manager's client groups, or its jobs.
    /// Reported for the group as a whole only.
    ClientGroup {
        /// The group's name, as the practice manager spells it.
        group: String,
        /// The group's clients, sorted; their share of this time is unknown.
        members: Vec<ContactId>,
    },
    /// A QBT customer that is neither a client nor a client group of the
    /// practice manager.
    NotInPm,
    /// Time off or a break (a PTO or break jobcode): nobody's customer.
    NonClient {
        /// The jobcode's type.
        kind: JobcodeType,
    },
}

impl TimeOwner {
    const fn rank(&self) -> u8 {
        match self {
            Self::Client { .. } => 0,
            Self::ClientGroup { .. } => 1,
            Self::NotInPm => 2,
            Self::NonClient { .. } => 3,
        }
    }
}

/// Time recorded against one job (a child jobcode, with everything below
/// it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct JobTime {
    /// The job's jobcode.
    pub jobcode_id: JobcodeId,
    /// Its name in QBT.
    pub name: String,
    /// The practice manager's work item it mirrors, when known.
    pub work_id: Option<WorkId>,
    /// Seconds recorded.
    pub secs: u64,
    /// How many time entries.
    pub entries: usize,
}

/// Time recorded against one top-level jobcode and its jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerTime {
    /// Whose time it is.
    pub owner: TimeOwner,
    /// The top-level jobcode.
    pub jobcode_id: JobcodeId,
    /// Its name in QBT.
    pub name: String,
    /// Seconds recorded against the top-level jobcode itself, no job.
    pub direct_secs: u64,
    /// Per job, sorted by name.
    pub jobs: Vec<JobTime>,
    /// Seconds in all.
    pub total_secs: u64,
    /// Time entries in all.
    pub entries: usize,
}

/// Time recorded against a jobcode the listing does not have (deleted, or
/// listed after the timesheets were read).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct UnknownJobcodeTime {
    /// The jobcode the entries name.
    pub jobcode_id: JobcodeId,
    /// Seconds recorded.
    pub secs: u64,
    /// How many time entries.
    pub entries: usize,
}

/// What [`time_report`] works from.
#[derive(Debug, Clone, Copy)]
pub struct TimeReportInput<'a> {
    /// The practice manager's clients (with their client groups).
    pub clients: &'a [Contact],
    /// The practice manager's work items, to name the jobs' work.
    pub work: &'a [Work],
    /// The QBT jobcode listing.
    pub jobcodes: &'a [Jobcode],
    /// The timesheets read from QBT for `period`.
    pub entries: &'a [TimeEntry],
    /// The days reported on; entries outside are left out and counted.
    pub period: DateRange,
    /// When the timesheets were read (the caller's clock): the report is
    /// only as fresh as this.
    pub as_of: DateTime<Utc>,
    /// Links kept from the jobcode plans (see [`JobcodeLinks`]).
    pub links: Option<&'a JobcodeLinks>,
}

impl<'a> TimeReportInput<'a> {
    /// The listings, the period and the time they were read; no work
    /// items, no links.
    #[must_use]
    pub const fn new(
        clients: &'a [Contact],
        jobcodes: &'a [Jobcode],
        entries: &'a [TimeEntry],
        period: DateRange,
        as_of: DateTime<Utc>,
    ) -> Self {
        Self {
            clients,
            work: &[],
            jobcodes,
            entries,
            period,
            as_of,
            links: None,
        }
    }

    /// Adds the work items.
    #[must_use]
    pub const fn with_work(mut self, work: &'a [Work]) -> Self {
        self.work = work;
        self
    }

    /// Adds the links kept from earlier runs.
    #[must_use]
    pub const fn with_links(mut self, links: &'a JobcodeLinks) -> Self {
        self.links = Some(links);
        self
    }
}

/// Time per customer and job (Q4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TimeReport {
    /// When the timesheets were read. QBT owns time and it is read on
    /// demand: entries added, edited or still running since are not in it.
    pub as_of: DateTime<Utc>,
    /// The days reported on.
    pub period: DateRange,
    /// One row per top-level jobcode with time: clients first, then client
    /// groups, QBT-only customers, time off and breaks; by name within each.
    pub customers: Vec<CustomerTime>,
    /// Time against jobcodes missing from the listing, by jobcode id.
    pub unknown_jobcodes: Vec<UnknownJobcodeTime>,
    /// Seconds in the period, in all.
    pub total_secs: u64,
    /// Entries in the period.
    pub entries: usize,
    /// Entries in the period still on the clock: their time will grow.
    pub open_entries: usize,
    /// Entries left out because their date is outside the period.
    pub outside_period: usize,
}

impl TimeReport {
    /// The row of client `id`: time recorded against the client's own
    /// customer jobcode and jobs. For a client in a client group this never
    /// includes the group's time (see [`for_group`](Self::for_group)).
    #[must_use]
    pub fn for_client(&self, id: &str) -> Option<&CustomerTime> {
        self.customers
            .iter()
            .find(|c| matches!(&c.owner, TimeOwner::Client { contact_id, .. } if contact_id == id))
    }

    /// The row of client group `group` (compared after normalisation).
    #[must_use]
    pub fn for_group(&self, group: &str) -> Option<&CustomerTime> {
        let key = normalize_name(group);
        self.customers.iter().find(|c| {
            matches!(&c.owner, TimeOwner::ClientGroup { group, .. } if normalize_name(group) == key)
        })
    }
}

#[derive(Default)]
struct Tally {
    direct_secs: u64,
    jobs: BTreeMap<JobcodeId, (u64, usize)>,
    entries: usize,
}

/// Totals the time entries per customer and job (Q4).
///
/// Entries are attributed through their jobcode: the top-level jobcode is
/// the customer, the jobcode right below it the job (deeper jobcodes count
/// for the job above them). Top-level jobcodes are matched to clients as
/// the [jobcode planner](super::plan) matches them (links, then
/// names). An unmatched top-level regular jobcode named after one of the
/// practice manager's client groups is that group's: QBT allows time
/// against a group, but it records only the jobcode, so nothing says which
/// of the group's clients the time was for — the group's row is the finest
/// level there is, and the report does not guess or divide it.
///
/// Durations are whole seconds, summed without floating point. A timesheet
/// listed twice (the same id on two pages) counts once. The report reads
/// no clock: `as_of` is when the caller read the timesheets, and entries
/// still on the clock are counted in `open_entries`.
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use ledgerlink::Contact;
/// use ledgerlink::qbtime::{DateRange, Jobcode, TimeEntry, TimeReportInput, time_report};
///
/// let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
/// let mut ann = Contact::person("C1", "Ann", "Lee");
/// ann.client_group = Some("Lee Family".into());
/// let qbt = [
///     Jobcode::customer(1, "Ann Lee"),
///     Jobcode::job(2, 1, "Tax return"),
///     Jobcode::customer(3, "Lee Family"),
/// ];
/// let entries = [
///     TimeEntry::manual(1, 9, 2, day, 3600),
///     TimeEntry::manual(2, 9, 3, day, 1800),
/// ];
/// let as_of = Utc.with_ymd_and_hms(2026, 3, 3, 8, 0, 0).unwrap();
/// let clients = [ann];
/// let input = TimeReportInput::new(&clients, &qbt, &entries, DateRange::new(day, day), as_of);
/// let report = time_report(&input);
/// assert_eq!(report.for_client("C1").unwrap().total_secs, 3600);
/// assert_eq!(report.for_group("lee family").unwrap().total_secs, 1800);
/// assert_eq!(report.total_secs, 5400);
/// assert_eq!(report.as_of, as_of);
/// ```
#[must_use]
pub fn time_report(input: &TimeReportInput<'_>) -> TimeReport {
    let empty = JobcodeLinks::default();
    let links = input.links.unwrap_or(&empty);
    let resolved = resolve(input.clients, input.work, input.jobcodes, links);

    // Top-level jobcode → owner.
    let mut owners: BTreeMap<JobcodeId, TimeOwner> = BTreeMap::new();
    for c in &resolved.clients {
        if let Slot::Existing(id) = c.slot {
            let client_group = c
                .contact
                .client_group
                .as_deref()
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_owned);
            owners.insert(
                id,
                TimeOwner::Client {
                    contact_id: c.contact.id.clone(),
                    client_group,
                },
            );
        }
    }
    let mut groups: BTreeMap<String, (String, Vec<ContactId>)> = BTreeMap::new();
    for c in &resolved.clients {
        let Some(g) = c.contact.client_group.as_deref().map(str::trim) else {
            continue;
        };
        let key = normalize_name(g);
        if key.is_empty() {
            continue;
        }
        let entry = groups
            .entry(key.into_owned())
            .or_insert_with(|| (g.to_owned(), Vec::new()));
        if c.contact.status == ContactStatus::Active {
            entry.1.push(c.contact.id.clone());
        }
    }
    for j in resolved.listing.children(JobcodeId::TOP_LEVEL) {
        if owners.contains_key(&j.id) {
            continue;
        }
        let owner = if j.is_regular() {
            match groups.get(normalize_name(&j.name).as_ref()) {
                Some((group, members)) => TimeOwner::ClientGroup {
                    group: group.clone(),
                    members: members.clone(),
                },
                None => TimeOwner::NotInPm,
            }
        } else {
            TimeOwner::NonClient { kind: j.kind }
        };
        owners.insert(j.id, owner);
    }
    let work_of: BTreeMap<JobcodeId, WorkId> = resolved
        .work
        .iter()
        .filter_map(|w| match w.slot {
            Slot::Existing(id) => Some((id, w.work.id.clone())),
            _ => None,
        })
        .collect();

    let mut report = TimeReport {
        as_of: input.as_of,
        period: input.period,
        customers: Vec::new(),
        unknown_jobcodes: Vec::new(),
        total_secs: 0,
        entries: 0,
        open_entries: 0,
        outside_period: 0,
    };
    let mut tallies: BTreeMap<JobcodeId, Tally> = BTreeMap::new();
    let mut unknown: BTreeMap<JobcodeId, (u64, usize)> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for e in input.entries {
        if !seen.insert(e.id) {
            continue; // the same timesheet listed twice (paging while it changed)
        }
        if !input.period.contains(e.date) {
            report.outside_period += 1;
            continue;
        }
        report.entries += 1;
        report.total_secs = report.total_secs.saturating_add(e.duration_secs);
        if e.is_on_the_clock() {
            report.open_entries += 1;
        }
        let Some((top, job)) = resolved.listing.path(e.jobcode_id) else {
            let u = unknown.entry(e.jobcode_id).or_default();
            u.0 = u.0.saturating_add(e.duration_secs);
            u.1 += 1;
            continue;
        };
        let t = tallies.entry(top).or_default();
        t.entries += 1;
        match job {
            None => t.direct_secs = t.direct_secs.saturating_add(e.duration_secs),
            Some(job) => {
                let j = t.jobs.entry(job).or_default();
                j.0 = j.0.saturating_add(e.duration_secs);
                j.1 += 1;
            }
        }
    }

    for (top, t) in tallies {
        let name = |id: JobcodeId| {
            resolved
                .listing
                .get(id)
                .map(|j| j.name.clone())
                .unwrap_or_default()
        };
        let mut jobs: Vec<JobTime> = t
            .jobs
            .iter()
            .map(|(&id, &(secs, entries))| JobTime {
                jobcode_id: id,
                name: name(id),
                work_id: work_of.get(&id).cloned(),
                secs,
                entries,
            })
            .collect();
        jobs.sort_by(|a, b| {
            normalize_name(&a.name)
                .cmp(&normalize_name(&b.name))
                .then(a.jobcode_id.cmp(&b.jobcode_id))
        });
        let total_secs = jobs
            .iter()
            .fold(t.direct_secs, |sum, j| sum.saturating_add(j.secs));
        report.customers.push(CustomerTime {
            owner: owners.get(&top).cloned().unwrap_or(TimeOwner::NotInPm),
            jobcode_id: top,
            name: name(top),
            direct_secs: t.direct_secs,
            jobs,
            total_secs,
            entries: t.entries,
        });
    }
    report.customers.sort_by(|a, b| {
        a.owner
            .rank()
            .cmp(&b.owner.rank())
            .then_with(|| normalize_name(&a.name).cmp(&normalize_name(&b.name)))
            .then(a.jobcode_id.cmp(&b.jobcode_id))
    });
    report.unknown_jobcodes = unknown
        .into_iter()
        .map(|(jobcode_id, (secs, entries))| UnknownJobcodeTime {
            jobcode_id,
            secs,
            entries,
        })
        .collect();
    report
}
