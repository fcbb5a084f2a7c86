//! What a check found: [`CheckReport`] per check, [`Summary`] per run of a
//! port's checks.

use std::fmt;

/// A check of the kit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Check {
    /// [`contacts::full_listing`](super::contacts::full_listing).
    FullListing,
    /// [`contacts::change_listing`](super::contacts::change_listing).
    ChangeListing,
    /// [`contacts::idempotency`](super::contacts::idempotency).
    Idempotency,
    /// [`contacts::versions`](super::contacts::versions).
    Versions,
    /// [`contacts::errors`](super::contacts::errors).
    Errors,
    /// `contacts::end_to_end` (feature `driver`).
    EndToEnd,
    /// [`billing::invoice_idempotency`](super::billing::invoice_idempotency).
    InvoiceIdempotency,
    /// [`billing::invoice_errors`](super::billing::invoice_errors).
    InvoiceErrors,
    /// [`billing::payment_listing`](super::billing::payment_listing).
    PaymentListing,
    /// [`billing::payment_idempotency`](super::billing::payment_idempotency).
    PaymentIdempotency,
    /// [`billing::payment_errors`](super::billing::payment_errors).
    PaymentErrors,
    /// [`time::jobcode_listing`](super::time::jobcode_listing).
    JobcodeListing,
    /// [`time::jobcode_idempotency`](super::time::jobcode_idempotency).
    JobcodeIdempotency,
    /// [`time::timesheet_listing`](super::time::timesheet_listing).
    TimesheetListing,
}

/// The property a failure breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Property {
    /// A record present throughout a full listing is missing from it.
    ListingLost,
    /// A listing holds a record it should not (a timesheet outside the
    /// range asked for).
    Stray,
    /// An archived record is missing from a full listing, or listed as
    /// active.
    ArchivedMissing,
    /// A paged listing did not end (a page token answered twice, or more
    /// pages than the bound).
    ListingEndless,
    /// A change listing's last page carries no cursor.
    NoCursor,
    /// A change made after a cursor is in neither the listing from that
    /// cursor nor the next one (or, made before the listing began, not in
    /// that listing).
    ChangeLost,
    /// A deletion made after a cursor is not reported.
    DeletionLost,
    /// A key sent again made a second record.
    Duplicated,
    /// A key sent again was answered with another record than the first
    /// call's.
    DifferentAnswer,
    /// A key whose record was deleted since was refused instead of
    /// answered with the record as created.
    ReplayAfterDelete,
    /// An update with a stale expected version went through.
    StaleAccepted,
    /// An update refused as stale wrote something all the same.
    StaleWrote,
    /// A write did not move the record's version on.
    VersionNotAdvanced,
    /// An update without a version (a store that checks none) was refused
    /// or did not write.
    UnversionedRefused,
    /// An answer is not the record as stored.
    AnswerNotStored,
    /// A fault was reported as another error than the contract's.
    WrongError,
    /// After every operation of a run was applied, the next plan was not
    /// empty (or the runs did not settle).
    NotQuiet,
    /// The runs were quiet but linked records differ between the sides.
    NotConverged,
    /// A call the check needed failed.
    CallFailed,
    /// The fixture could not make a change the check needed (a fault of
    /// the test setup, not necessarily of the store).
    Setup,
}

/// One broken property, with the records involved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Failure {
    /// What is broken.
    pub property: Property,
    /// What the check saw.
    pub message: String,
    /// The ids of the records involved.
    pub records: Vec<String>,
}

impl Failure {
    /// A failure of `property`.
    #[must_use]
    pub fn new(property: Property, message: impl Into<String>) -> Self {
        Self {
            property,
            message: message.into(),
            records: Vec::new(),
        }
    }

    /// The same failure naming `records`.
    #[must_use]
    pub fn with_records<I, S>(mut self, records: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: ToString,
    {
        self.records = records.into_iter().map(|r| r.to_string()).collect();
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.property, self.message)?;
        if !self.records.is_empty() {
            write!(f, " [{}]", self.records.join(", "))?;
        }
        Ok(())
    }
}

/// How a check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "outcome"))]
pub enum Outcome {
    /// Every property held.
    Passed,
    /// The check does not apply to this store (no change feed, a fixture
    /// that cannot inject faults).
    Skipped {
        /// Why.
        reason: String,
    },
    /// At least one property broke.
    Failed {
        /// Every broken property, in the order found.
        failures: Vec<Failure>,
    },
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CheckReport {
    /// The check.
    pub check: Check,
    /// How it ended.
    pub outcome: Outcome,
    /// Parts of the check that did not apply (a fixture that cannot
    /// delete, a store without versions), for the reader.
    pub notes: Vec<String>,
}

impl CheckReport {
    /// Whether the check passed or was skipped.
    #[must_use]
    pub const fn is_ok(&self) -> bool {
        !matches!(self.outcome, Outcome::Failed { .. })
    }

    /// The broken properties (none when the check passed or was skipped).
    #[must_use]
    pub fn failures(&self) -> &[Failure] {
        match &self.outcome {
            Outcome::Failed { failures } => failures,
            Outcome::Passed | Outcome::Skipped { .. } => &[],
        }
    }

    /// Whether `property` broke.
    #[must_use]
    pub fn broke(&self, property: Property) -> bool {
        self.failures().iter().any(|f| f.property == property)
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::Passed => write!(f, "{:?}: passed", self.check)?,
            Outcome::Skipped { reason } => write!(f, "{:?}: skipped ({reason})", self.check)?,
            Outcome::Failed { failures } => {
                write!(f, "{:?}: FAILED", self.check)?;
                for x in failures {
                    write!(f, "\n  - {x}")?;
                }
            }
        }
        for n in &self.notes {
            write!(f, "\n  note: {n}")?;
        }
        Ok(())
    }
}

/// The reports of every check a `run_all` ran.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Summary {
    /// One report per check, in the order run.
    pub reports: Vec<CheckReport>,
}

impl Summary {
    /// Whether no check failed.
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.reports.iter().all(CheckReport::is_ok)
    }

    /// Every failure, with its check.
    pub fn failures(&self) -> impl Iterator<Item = (Check, &Failure)> {
        self.reports
            .iter()
            .flat_map(|r| r.failures().iter().map(move |f| (r.check, f)))
    }

    /// The report of `check`, if it ran.
    #[must_use]
    pub fn report(&self, check: Check) -> Option<&CheckReport> {
        self.reports.iter().find(|r| r.check == check)
    }

    /// Whether `check` ran and broke `property`.
    #[must_use]
    pub fn broke(&self, check: Check, property: Property) -> bool {
        self.report(check).is_some_and(|r| r.broke(property))
    }

    /// The checks that were skipped.
    pub fn skipped(&self) -> impl Iterator<Item = Check> + '_ {
        self.reports
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Skipped { .. }))
            .map(|r| r.check)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.reports.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

/// Collects a check's failures and notes while it runs.
#[derive(Debug)]
pub(crate) struct Recorder {
    check: Check,
    failures: Vec<Failure>,
    notes: Vec<String>,
}

impl Recorder {
    pub(crate) const fn new(check: Check) -> Self {
        Self {
            check,
            failures: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub(crate) fn fail(&mut self, failure: Failure) {
        self.failures.push(failure);
    }

    pub(crate) fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Whether anything failed so far.
    pub(crate) const fn failed(&self) -> bool {
        !self.failures.is_empty()
    }

    pub(crate) fn finish(self) -> CheckReport {
        let outcome = if self.failures.is_empty() {
            Outcome::Passed
        } else {
            Outcome::Failed {
                failures: self.failures,
            }
        };
        CheckReport {
            check: self.check,
            outcome,
            notes: self.notes,
        }
    }

    pub(crate) fn skip(self, reason: impl Into<String>) -> CheckReport {
        CheckReport {
            check: self.check,
            outcome: Outcome::Skipped {
                reason: reason.into(),
            },
            notes: self.notes,
        }
    }
}

/// The two answers to one create sent twice with one key: both when both
/// succeeded; otherwise the failure is recorded — the first call's as
/// [`Property::CallFailed`], the second's as [`Property::DifferentAnswer`]
/// (a store that forgot the key refuses the repeat, e.g. as a used name).
pub(crate) fn replayed<T>(
    rec: &mut Recorder,
    what: &str,
    first: Result<T, crate::ports::AdapterError>,
    second: Result<T, crate::ports::AdapterError>,
) -> Option<(T, T)> {
    match (first, second) {
        (Ok(a), Ok(b)) => Some((a, b)),
        (Err(e), _) => {
            rec.fail(Failure::new(Property::CallFailed, format!("{what}: {e}")));
            None
        }
        (Ok(_), Err(e)) => {
            rec.fail(Failure::new(
                Property::DifferentAnswer,
                format!("{what} sent again with the same key was refused: {e}"),
            ));
            None
        }
    }
}
