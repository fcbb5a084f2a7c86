//! What a QuickBooks Time plan holds: the jobcode creates ([`Operation`],
//! an [`ops::Operation`](crate::ops::Operation) of [`Action`]), the
//! customer:job entries QBT will then make in QuickBooks Online
//! ([`QboEntry`]), and notes on what was not mirrored ([`PlanNote`]).

use crate::ops::{self, OpId, Ref};
use crate::rules::qbtime::{Domain, JOBCODE_NAME, System, may_write};

use super::links::{JobcodeLinks, JobcodeSubject};
use super::model::{Jobcode, JobcodeId, JobcodeType, NewJobcode};
use super::names::NameAdjustment;

// Q1, checked when the crate is built: the only writes this planner can
// express are QBT jobcodes for customers and work, and the ownership table
// must allow exactly those.
const _: () = assert!(may_write(System::QBT, Domain::Customers));
const _: () = assert!(may_write(System::QBT, Domain::Work));

/// A jobcode: one listed in QBT already ([`Ref::Id`]), or the one an
/// earlier create of the same plan makes ([`Ref::CreatedBy`]).
pub type JobcodeRef = Ref<JobcodeId>;

/// One jobcode to create in QuickBooks Time: what a QuickBooks Time
/// [`Operation`] does.
///
/// The only write of the QuickBooks Time integration is a create of a
/// regular jobcode in QBT, for a client (top level) or one of its work
/// items (under the client's jobcode). This is a struct, not an enum of
/// one variant, on purpose: Q1 allows no other write — no update, no
/// archive, nothing at all for time entries — and the type says so. A new
/// kind of write would be a change to the ownership table in
/// [`rules::qbtime`](crate::rules::qbtime) first, not an addition here.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Action {
    /// The client or work item the jobcode copies.
    pub subject: JobcodeSubject,
    /// The customer jobcode it goes under; `None` for a top-level jobcode
    /// (a customer). A [`Ref::CreatedBy`] parent is also listed in the
    /// operation's `depends_on`.
    pub parent: Option<JobcodeRef>,
    /// The name to create: it fits
    /// [`JOBCODE_NAME`](crate::rules::qbtime::JOBCODE_NAME) (64
    /// characters) and is free among its siblings.
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
}

impl Action {
    /// The domain written: customers or work.
    #[must_use]
    pub const fn domain(&self) -> Domain {
        self.subject.domain()
    }

    /// The request to send, once the parent is known. `created` gives the
    /// id of the jobcode an earlier operation made — a map's `get`, or
    /// [`Execution::created`](crate::ops::Execution::created) while a plan
    /// is sent. `None` while the parent's create has not succeeded.
    ///
    /// ```
    /// use ledgerlink::ops::Ref;
    /// use ledgerlink::qbtime::{Action, JobcodeId, JobcodeSubject, OpId};
    ///
    /// let action = Action {
    ///     subject: JobcodeSubject::Job { work_id: "W1".into(), client_id: "C1".into() },
    ///     parent: Some(Ref::CreatedBy(OpId::from("qbt-customer:C1"))),
    ///     name: "Audit".into(),
    ///     wanted_name: "Audit".into(),
    ///     adjustments: Vec::new(),
    ///     connect_with_quickbooks: true,
    ///     idempotency_key: "k".into(),
    /// };
    /// assert_eq!(action.new_jobcode(|_| None), None);
    /// let new = action.new_jobcode(|_| Some(JobcodeId(41))).unwrap();
    /// assert_eq!(new.parent_id, JobcodeId(41));
    /// ```
    #[must_use]
    pub fn new_jobcode(
        &self,
        created: impl FnOnce(&OpId) -> Option<JobcodeId>,
    ) -> Option<NewJobcode> {
        let parent_id = match &self.parent {
            None => JobcodeId::TOP_LEVEL,
            Some(Ref::Id(id)) => *id,
            Some(Ref::CreatedBy(op)) => created(op)?,
        };
        Some(NewJobcode {
            parent_id,
            name: self.name.clone(),
            kind: JobcodeType::Regular,
            connect_with_quickbooks: self.connect_with_quickbooks,
        })
    }
}

/// One planned jobcode create: `id` is `qbt-customer:<contact id>` or
/// `qbt-job:<work id>` (stable for the same intent, unique within the
/// plan), `side` is always [`Side::Remote`](crate::ops::Side::Remote) (QBT),
/// `rule` is `"Q3"`.
pub type Operation = ops::Operation<Action>;

impl Operation {
    /// The system written to: always QuickBooks Time.
    #[must_use]
    pub const fn system(&self) -> System {
        System::QBT
    }

    /// The domain written: customers or work.
    #[must_use]
    pub const fn domain(&self) -> Domain {
        self.action.domain()
    }
}

/// What became of one jobcode create: the jobcode as QBT stored it, the
/// store's refusal, or why it was not sent.
pub type OpOutcome = ops::Outcome<Jobcode>;

/// One jobcode create's outcome, fed back through
/// [`apply_results`](super::apply_results).
pub type OpResult = ops::OpResult<Jobcode>;

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
    /// Who creates it: always [`System::QBT`].
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

pub(super) fn describe(a: &NameAdjustment) -> String {
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

/// The jobcodes to create in QBT and what to expect in QBO afterwards, as
/// plain data: nothing has been written yet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Plan {
    /// The creates, sorted by id (customers before jobs).
    pub operations: Vec<Operation>,
    /// The customer and customer:job entries QBT will create in QBO,
    /// sorted by name.
    pub qbo_entries: Vec<QboEntry>,
    /// Every client and work item found in QBT, to keep for the next run.
    pub links: JobcodeLinks,
    /// What was not mirrored or was mirrored differently, sorted by subject.
    pub notes: Vec<PlanNote>,
}

impl Plan {
    /// Whether nothing is to be created.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    /// The operation with id `id`.
    #[must_use]
    pub fn operation(&self, id: impl AsRef<str>) -> Option<&Operation> {
        let id = id.as_ref();
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
