//! Q3: the customers and jobs the practice manager creates in QuickBooks
//! Time, and the customer:job entries QuickBooks Time will then create in
//! QuickBooks Online.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::model::{Contact, ContactId, ContactStatus};
use crate::normalize::normalize_name;
use crate::sync::OpId;

use super::model::{Jobcode, JobcodeId, JobcodeType, NewJobcode, Work, WorkId};
use super::names::NameAdjustment;
use super::resolve::{JobcodeLinks, Slot, resolve};
use crate::rules::qbtime::{Domain, JOBCODE_NAME, System, may_write};

// Q1, checked when the crate is built: the only writes this planner can
// express are QBT jobcodes for customers and work, and the ownership table
// must allow exactly those.
const _: () = assert!(may_write(System::Qbt, Domain::Customers));
const _: () = assert!(may_write(System::Qbt, Domain::Work));

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

/// Where a planned jobcode goes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum JobcodeParent {
    /// Top level (`parent_id: 0`): a customer.
    TopLevel,
    /// Under an existing customer jobcode.
    Existing(JobcodeId),
    /// Under the customer jobcode an earlier operation of the plan creates
    /// (listed in `depends_on`).
    CreatedBy(OpId),
}

/// One jobcode to create in QuickBooks Time.
///
/// The only operation of the QuickBooks Time integration: a create of a
/// regular jobcode in QBT (Q1 allows no other write — there is no update,
/// no archive, and nothing at all for time entries).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct JobcodeOp {
    /// `qbt-customer:<contact id>` or `qbt-job:<work id>`: stable for the
    /// same intent, unique within the plan.
    pub id: OpId,
    /// The client or work item the jobcode copies.
    pub subject: JobcodeSubject,
    /// Where it goes.
    pub parent: JobcodeParent,
    /// The name to create, at most 64 characters, free among its siblings.
    pub name: String,
    /// The name in the practice manager.
    pub wanted_name: String,
    /// How `name` differs from `wanted_name` (empty when it does not).
    pub adjustments: Vec<NameAdjustment>,
    /// Whether QBT should share it with QBO (always `true`: QBT creates the
    /// customer:job entry there, Q3).
    pub connect_with_quickbooks: bool,
    /// Sent with the create; re-sent unchanged if the result was lost, so
    /// that one jobcode is made (U1).
    pub idempotency_key: String,
    /// Operations that must succeed first.
    pub depends_on: Vec<OpId>,
    /// `"Q3"`.
    pub rule: String,
    /// Why, in words.
    pub reason: String,
}

impl JobcodeOp {
    /// The system written to: always QuickBooks Time.
    #[must_use]
    pub const fn system(&self) -> System {
        System::Qbt
    }

    /// The domain written: customers or work.
    #[must_use]
    pub const fn domain(&self) -> Domain {
        self.subject.domain()
    }

    /// The request to send, once the parent is known: `created` holds the
    /// ids of the jobcodes made by earlier operations. `None` while the
    /// parent's create has not succeeded.
    #[must_use]
    pub fn new_jobcode(&self, created: &BTreeMap<OpId, JobcodeId>) -> Option<NewJobcode> {
        let parent_id = match &self.parent {
            JobcodeParent::TopLevel => JobcodeId::TOP_LEVEL,
            JobcodeParent::Existing(id) => *id,
            JobcodeParent::CreatedBy(op) => *created.get(op)?,
        };
        Some(NewJobcode {
            parent_id,
            name: self.name.clone(),
            kind: JobcodeType::Regular,
            connect_with_quickbooks: self.connect_with_quickbooks,
        })
    }
}

/// A customer or customer:job entry QuickBooks Time will create in
/// QuickBooks Online once it has the jobcode (Q3).
///
/// Not an operation: ledgerlink never writes to QBO here (Q1). It says what
/// to expect there, so that the lists can be checked again (Q2) once QBT has
/// caught up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct QboEntry {
    /// `Customer` or `Customer:Job`, as QBO's `FullyQualifiedName` will
    /// read.
    pub fully_qualified_name: String,
    /// What it stands for.
    pub subject: JobcodeSubject,
    /// Who creates it: always [`System::Qbt`].
    pub created_by: System,
    /// The create in this plan QBT waits for; `None` when the jobcode is in
    /// QBT already and QBO has not caught up.
    pub after: Option<OpId>,
    /// `"Q3"`.
    pub rule: String,
}

/// Something the planner could not or would not mirror, or did
/// differently from the practice manager, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "note"))]
#[non_exhaustive]
pub enum NoteKind {
    /// The same id was given more than once: the first record (in input
    /// order) was used, the others ignored.
    DuplicateId,
    /// No name to give a jobcode: nothing is created until it has one.
    Unnamed,
    /// The planned jobcode name differs from the practice manager's.
    NameAdjusted {
        /// What changed.
        adjustments: Vec<NameAdjustment>,
    },
    /// The matching jobcode is archived in QBT. Nothing is created in its
    /// place: restore it in QBT to record time against it.
    ArchivedInQbt {
        /// The archived jobcode.
        jobcode_id: JobcodeId,
    },
    /// The client's customer jobcode is archived in QBT: no job is created
    /// under it.
    ParentArchivedInQbt {
        /// The archived customer jobcode.
        jobcode_id: JobcodeId,
    },
    /// The work's client is archived in the practice manager: no job is
    /// created.
    ClientArchived,
    /// The work's client is not among the clients given: no job is created.
    UnknownClient,
    /// The work's client has no customer jobcode and none is planned (it
    /// has no name): no job is created.
    ClientNotInQbt,
    /// The link the caller kept names a jobcode that is not listed where
    /// expected (deleted, moved under another parent, or not a regular
    /// jobcode): the record was matched by name instead.
    LinkNotFound {
        /// The linked jobcode.
        jobcode_id: JobcodeId,
    },
    /// Another record (earlier by id) holds a link to the same jobcode: this
    /// one was matched by name instead.
    LinkTaken {
        /// The linked jobcode.
        jobcode_id: JobcodeId,
    },
    /// The work's client belongs to a client group. The job goes under the
    /// client's own customer jobcode; time recorded against the group's
    /// jobcode cannot be attributed to it (Q4).
    InClientGroup {
        /// The client group.
        group: String,
    },
    /// An existing jobcode is not connected to QuickBooks
    /// (`connect_with_quickbooks: false`) and QBO lacks its entry: QBT will
    /// not create it there.
    NotConnectedToQbo {
        /// The jobcode.
        jobcode_id: JobcodeId,
    },
}

/// A note on one client or work item.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PlanNote {
    /// The client or work item.
    pub subject: JobcodeSubject,
    /// What happened.
    pub kind: NoteKind,
    /// The spec rule behind it (`"Q3"`, `"Q4"`).
    pub rule: String,
    /// Why, in words (ids only, no names beyond the client group's).
    pub message: String,
}

impl PlanNote {
    pub(crate) fn new(subject: JobcodeSubject, kind: NoteKind) -> Self {
        let (rule, message) = match &kind {
            NoteKind::DuplicateId => (
                "Q3",
                "the id is given more than once: only its first record is used".to_owned(),
            ),
            NoteKind::Unnamed => (
                "Q3",
                "it has no name to give a jobcode: nothing is created in QBT until it has one"
                    .to_owned(),
            ),
            NoteKind::NameAdjusted { adjustments } => {
                let parts: Vec<String> = adjustments.iter().map(describe).collect();
                (
                    "Q3",
                    format!(
                        "the jobcode name differs from the practice manager's: {}",
                        parts.join("; ")
                    ),
                )
            }
            NoteKind::ArchivedInQbt { jobcode_id } => (
                "Q3",
                format!(
                    "its jobcode {jobcode_id} is archived in QBT: nothing is created in its place; \
                     restore it there to record time against it"
                ),
            ),
            NoteKind::ParentArchivedInQbt { jobcode_id } => (
                "Q3",
                format!(
                    "its client's jobcode {jobcode_id} is archived in QBT: no job is created under it"
                ),
            ),
            NoteKind::ClientArchived => (
                "Q3",
                "its client is archived in the practice manager: no job is created".to_owned(),
            ),
            NoteKind::UnknownClient => (
                "Q3",
                "its client is not among the clients given: no job is created".to_owned(),
            ),
            NoteKind::ClientNotInQbt => (
                "Q3",
                "its client has no customer jobcode in QBT and none is planned: no job is created"
                    .to_owned(),
            ),
            NoteKind::LinkNotFound { jobcode_id } => (
                "Q3",
                format!(
                    "the linked jobcode {jobcode_id} is not listed where expected: matched by name instead"
                ),
            ),
            NoteKind::LinkTaken { jobcode_id } => (
                "Q3",
                format!(
                    "another record is linked to jobcode {jobcode_id}: matched by name instead"
                ),
            ),
            NoteKind::InClientGroup { group } => (
                "Q4",
                format!(
                    "its client belongs to client group \"{group}\": the job goes under the \
                     client's own customer jobcode, and time recorded against the group's \
                     jobcode cannot be attributed to it"
                ),
            ),
            NoteKind::NotConnectedToQbo { jobcode_id } => (
                "Q3",
                format!(
                    "jobcode {jobcode_id} is not connected to QuickBooks and QBO lacks its entry: \
                     QBT will not create it there"
                ),
            ),
        };
        Self {
            subject,
            kind,
            rule: rule.to_owned(),
            message,
        }
    }
}

fn describe(a: &NameAdjustment) -> String {
    match a {
        NameAdjustment::ReservedCharacters => {
            "`:` and control characters (tabs, line breaks…) became spaces (QBO reserves \
             them)"
                .to_owned()
        }
        NameAdjustment::Shortened { original_chars } => format!(
            "shortened from {original_chars} to at most {} characters",
            JOBCODE_NAME.max
        ),
        NameAdjustment::Suffixed { n } => {
            format!("a sibling has the name already, so \" ({n})\" was added")
        }
    }
}

/// What [`plan_jobcodes`] works from.
#[derive(Debug, Clone, Copy)]
pub struct JobcodePlanInput<'a> {
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

impl<'a> JobcodePlanInput<'a> {
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

/// The jobcodes to create in QBT and what to expect in QBO afterwards, as
/// plain data: nothing has been written yet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct JobcodePlan {
    /// The creates, sorted by id (customers before jobs).
    pub operations: Vec<JobcodeOp>,
    /// The customer and customer:job entries QBT will create in QBO,
    /// sorted by name.
    pub qbo_entries: Vec<QboEntry>,
    /// Every client and work item found in QBT, to keep for the next run.
    pub links: JobcodeLinks,
    /// What was not mirrored or was mirrored differently, sorted by subject.
    pub notes: Vec<PlanNote>,
}

impl JobcodePlan {
    /// Whether nothing is to be created.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    /// The operation with id `id`.
    #[must_use]
    pub fn operation(&self, id: &str) -> Option<&JobcodeOp> {
        self.operations.iter().find(|o| o.id.as_str() == id)
    }

    /// The notes on `subject`, in order.
    #[must_use]
    pub fn notes_for(&self, subject: &JobcodeSubject) -> Vec<&PlanNote> {
        self.notes
            .iter()
            .filter(|n| &n.subject == subject)
            .collect()
    }
}

/// The normalised fully qualified names of the QBO listing (parents
/// followed through `extras.parent_id`, at most five levels).
fn qbo_names(qbo: &[Contact]) -> BTreeSet<String> {
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

/// A jobcode in QBT or planned there: its name, the op creating it, and
/// whether QBT shares it with QBO.
struct Mirror {
    name: String,
    after: Option<OpId>,
    connected: bool,
    active: bool,
    id: Option<JobcodeId>,
}

impl Mirror {
    fn existing(j: &Jobcode) -> Self {
        Self {
            name: j.name.clone(),
            after: None,
            connected: j.connect_with_quickbooks,
            active: j.active,
            id: Some(j.id),
        }
    }

    fn planned(op: &JobcodeOp) -> Self {
        Self {
            name: op.name.clone(),
            after: Some(op.id.clone()),
            connected: op.connect_with_quickbooks,
            active: true,
            id: None,
        }
    }
}

/// Plans the customers and jobs the practice manager creates in QBT (Q3).
///
/// - Every active client (organisation or person) without a top-level
///   jobcode gets one, named after its display name (else first + last,
///   N3).
/// - Every open work item of an active client without a jobcode under the
///   client's gets one; when the client's jobcode is created by the same
///   plan, the job's create depends on it.
/// - Names are at most 64 characters and unique among siblings after
///   normalisation (N1); a longer name is cut, a clash numbered `" (2)"`,
///   `" (3)"`…, and `:` and control characters become spaces (QBT passes
///   names to QBO, which reserves them). Every change is in the operation
///   and in a [`NoteKind::NameAdjusted`] note.
/// - Existing jobcodes are found by the caller's [`JobcodeLinks`] first,
///   then by replaying the same naming among the siblings, so a plan whose
///   creates were carried out plans nothing the next time.
/// - The customer and customer:job entries QBT will create in QBO are
///   listed as [`QboEntry`] items, not operations.
///
/// Deterministic: the same input gives the same plan, in the same order.
///
/// # Example
///
/// ```
/// use ledgerlink::Contact;
/// use ledgerlink::qbtime::{Jobcode, JobcodeParent, JobcodePlanInput, Work, plan_jobcodes};
///
/// let clients = [Contact::organization("C1", "Acme Ltd"), Contact::person("C2", "Jo", "Bloggs")];
/// let work = [Work::new("W1", "C1", "Year end 2026"), Work::new("W2", "C2", "Tax return")];
/// let qbt = [Jobcode::customer(10, "ACME LTD")];
///
/// let plan = plan_jobcodes(&JobcodePlanInput::new(&clients, &work, &qbt));
/// let ids: Vec<&str> = plan.operations.iter().map(|o| o.id.as_str()).collect();
/// assert_eq!(ids, ["qbt-customer:C2", "qbt-job:W1", "qbt-job:W2"]);
/// assert_eq!(plan.operations[1].parent, JobcodeParent::Existing(10.into()));
/// assert_eq!(plan.operations[2].depends_on[0].as_str(), "qbt-customer:C2");
/// let qbo: Vec<&str> = plan.qbo_entries.iter().map(|e| e.fully_qualified_name.as_str()).collect();
/// assert_eq!(qbo, ["ACME LTD:Year end 2026", "Jo Bloggs", "Jo Bloggs:Tax return"]);
/// ```
#[must_use]
pub fn plan_jobcodes(input: &JobcodePlanInput<'_>) -> JobcodePlan {
    let empty = JobcodeLinks::default();
    let links = input.links.unwrap_or(&empty);
    let resolved = resolve(input.clients, input.work, input.jobcodes, links);
    let mut plan = JobcodePlan {
        notes: resolved.notes,
        ..JobcodePlan::default()
    };
    let qbo = input.qbo.map(qbo_names);

    // Customers.
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
                    JobcodeParent::TopLevel,
                    name,
                    &c.contact.label(),
                    adjustments,
                    Vec::new(),
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
            expect(&mut plan, qbo.as_ref(), &subject, m, None);
        }
        mirrors.push(mirror.filter(|_| active));
    }

    // Jobs.
    for w in &resolved.work {
        let subject = JobcodeSubject::job(w.work);
        let customer = w
            .client
            .and_then(|ci| mirrors.get(ci))
            .and_then(Option::as_ref);
        match &w.slot {
            Slot::Existing(id) => {
                plan.links.insert(&subject, *id);
                if let (Some(customer), Some(j)) = (customer, resolved.listing.get(*id))
                    && w.work.active
                {
                    let m = Mirror::existing(j);
                    expect(&mut plan, qbo.as_ref(), &subject, customer, Some(&m));
                }
            }
            Slot::New { name, adjustments } => {
                let Some(customer) = customer else {
                    continue; // unreachable: a job is only named under a mirrored customer
                };
                let (parent, depends_on) = match (&customer.id, &customer.after) {
                    (_, Some(op)) => (JobcodeParent::CreatedBy(op.clone()), vec![op.clone()]),
                    (Some(id), None) => (JobcodeParent::Existing(*id), Vec::new()),
                    (None, None) => continue,
                };
                let op = create(
                    subject.clone(),
                    parent,
                    name,
                    &w.work.name,
                    adjustments,
                    depends_on,
                    &mut plan.notes,
                );
                let m = Mirror::planned(&op);
                plan.operations.push(op);
                expect(&mut plan, qbo.as_ref(), &subject, customer, Some(&m));
            }
            Slot::Absent | Slot::Unnamed => {}
        }
    }

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
    plan
}

/// A create, with its reason and its name note.
fn create(
    subject: JobcodeSubject,
    parent: JobcodeParent,
    name: &str,
    wanted: &str,
    adjustments: &[NameAdjustment],
    depends_on: Vec<OpId>,
    notes: &mut Vec<PlanNote>,
) -> JobcodeOp {
    let id = subject.op_id();
    let what = match (&subject, &parent) {
        (JobcodeSubject::Customer { .. }, _) => {
            "the client has no customer jobcode in QBT: the practice manager owns customers (Q1) \
             and creates it as a top-level jobcode"
                .to_owned()
        }
        (JobcodeSubject::Job { .. }, JobcodeParent::CreatedBy(op)) => format!(
            "the work has no job in QBT: the practice manager owns work (Q1) and creates it under \
             the customer jobcode made by {op}"
        ),
        (JobcodeSubject::Job { .. }, JobcodeParent::Existing(p)) => format!(
            "the work has no job in QBT: the practice manager owns work (Q1) and creates it under \
             customer jobcode {p}"
        ),
        (JobcodeSubject::Job { .. }, JobcodeParent::TopLevel) => {
            "the work has no job in QBT".to_owned()
        }
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
    JobcodeOp {
        idempotency_key: format!("ledgerlink:{id}:{}", normalize_name(name)),
        id,
        subject,
        parent,
        name: name.to_owned(),
        wanted_name: wanted.trim().to_owned(),
        adjustments: adjustments.to_vec(),
        connect_with_quickbooks: true,
        depends_on,
        rule: "Q3".to_owned(),
        reason,
    }
}

/// Lists the QBO entry of `job` under `customer` (or of `customer` itself)
/// when QBO lacks it — or, without a QBO listing, when this plan creates
/// the jobcode.
fn expect(
    plan: &mut JobcodePlan,
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
        created_by: System::Qbt,
        after,
        rule: "Q3".to_owned(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q1_every_planned_operation_is_an_allowed_write() {
        let clients = [Contact::organization("C1", "Acme")];
        let work = [Work::new("W1", "C1", "Audit")];
        let plan = plan_jobcodes(&JobcodePlanInput::new(&clients, &work, &[]));
        assert_eq!(plan.operations.len(), 2);
        for op in &plan.operations {
            assert!(may_write(op.system(), op.domain()), "{}", op.id);
        }
        assert!(plan.qbo_entries.iter().all(|e| e.created_by == System::Qbt));
    }

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
