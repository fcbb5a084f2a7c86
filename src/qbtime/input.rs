//! What the QuickBooks Time planner reads.

use crate::model::Contact;

use super::links::JobcodeLinks;
use super::model::{Jobcode, Work};

/// What [`plan`](super::plan) works from.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The practice manager's clients, organisations and people. Archived
    /// ones are recognised in QBT but never created there.
    pub clients: &'a [Contact],
    /// The practice manager's work items.
    pub work: &'a [Work],
    /// The full QBT jobcode listing, archived jobcodes included.
    pub jobcodes: &'a [Jobcode],
    /// The QBO customer listing, when read: only the customer:job entries
    /// it lacks are expected. Without it, only the entries of jobcodes
    /// created by this plan are.
    pub qbo: Option<&'a [Contact]>,
    /// Links kept from earlier runs (see [`JobcodeLinks`]).
    pub links: Option<&'a JobcodeLinks>,
}

impl<'a> PlanInput<'a> {
    /// Clients, work and the QBT listing; no QBO listing, no links.
    #[must_use]
    pub const fn new(clients: &'a [Contact], work: &'a [Work], jobcodes: &'a [Jobcode]) -> Self {
        Self {
            clients,
            work,
            jobcodes,
            qbo: None,
            links: None,
        }
    }

    /// Adds the QBO customer listing.
    #[must_use]
    pub const fn with_qbo(mut self, qbo: &'a [Contact]) -> Self {
        self.qbo = Some(qbo);
        self
    }

    /// Adds the links kept from earlier runs.
    #[must_use]
    pub const fn with_links(mut self, links: &'a JobcodeLinks) -> Self {
        self.links = Some(links);
        self
    }
}
