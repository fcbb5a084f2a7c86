//! Which practice-manager record a jobcode stands for ([`JobcodeSubject`]),
//! and the links between the two kept from one run to the next
//! ([`JobcodeLinks`]).

use std::collections::BTreeMap;
use std::fmt;

use crate::model::ContactId;
use crate::ops::OpId;
use crate::rules::qbtime::Domain;

use super::model::{JobcodeId, Work, WorkId};

/// What a jobcode stands for: a client of the practice manager (a
/// top-level jobcode) or one of its work items (a child jobcode).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "subject"))]
pub enum JobcodeSubject {
    /// A client: organisation or person.
    Customer {
        /// The client's id in the practice manager.
        contact_id: ContactId,
    },
    /// A work item.
    Job {
        /// The work item's id in the practice manager.
        work_id: WorkId,
        /// Its client's id in the practice manager.
        client_id: ContactId,
    },
}

impl JobcodeSubject {
    /// The client `id`.
    #[must_use]
    pub fn customer(id: &ContactId) -> Self {
        Self::Customer {
            contact_id: id.clone(),
        }
    }

    /// The work item `work`.
    #[must_use]
    pub fn job(work: &Work) -> Self {
        Self::Job {
            work_id: work.id.clone(),
            client_id: work.client_id.clone(),
        }
    }

    /// The data domain the jobcode copies (Q1): customers or work, never
    /// anything else.
    #[must_use]
    pub const fn domain(&self) -> Domain {
        match self {
            Self::Customer { .. } => Domain::Customers,
            Self::Job { .. } => Domain::Work,
        }
    }

    /// The operation id of this subject's create: `qbt-customer:<contact
    /// id>` or `qbt-job:<work id>`.
    #[must_use]
    pub fn op_id(&self) -> OpId {
        match self {
            Self::Customer { contact_id } => OpId(format!("qbt-customer:{contact_id}")),
            Self::Job { work_id, .. } => OpId(format!("qbt-job:{work_id}")),
        }
    }
}

impl fmt::Display for JobcodeSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Customer { contact_id } => write!(f, "client {contact_id}"),
            Self::Job { work_id, .. } => write!(f, "work {work_id}"),
        }
    }
}

/// Which jobcode each client and work item was linked to, kept by the
/// caller between runs.
///
/// Names alone can be ambiguous (two clients both called "Acme", one
/// created after the other); links are matched first and settle that. The
/// planner returns the links it found in [`Plan::links`](super::Plan::links);
/// [`apply_results`](super::apply_results) adds the jobcodes the plan's
/// creates made.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct JobcodeLinks {
    /// Client → its customer jobcode.
    #[cfg_attr(feature = "serde", serde(default))]
    pub customers: BTreeMap<ContactId, JobcodeId>,
    /// Work item → its job jobcode.
    #[cfg_attr(feature = "serde", serde(default))]
    pub jobs: BTreeMap<WorkId, JobcodeId>,
}

impl JobcodeLinks {
    /// No links.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `subject` is jobcode `id` (replacing an older link).
    pub fn insert(&mut self, subject: &JobcodeSubject, id: JobcodeId) {
        match subject {
            JobcodeSubject::Customer { contact_id } => {
                self.customers.insert(contact_id.clone(), id);
            }
            JobcodeSubject::Job { work_id, .. } => {
                self.jobs.insert(work_id.clone(), id);
            }
        }
    }

    /// The jobcode linked to `subject`.
    #[must_use]
    pub fn get(&self, subject: &JobcodeSubject) -> Option<JobcodeId> {
        match subject {
            JobcodeSubject::Customer { contact_id } => self.customers.get(contact_id).copied(),
            JobcodeSubject::Job { work_id, .. } => self.jobs.get(work_id).copied(),
        }
    }

    /// How many links there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.customers.len() + self.jobs.len()
    }

    /// Whether there is none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
