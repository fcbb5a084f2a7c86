//! [`MemoryTimeStore`]: an in-memory QuickBooks Time account with QBT's
//! jobcode rules, paging and fault injection.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

use super::faults::{Call, Fault, Faults};
use crate::normalize::normalize_name;
use crate::ports::AdapterError;
use crate::ports::{JobcodePage, TimeStore, TimesheetPage};
use crate::qbtime::{DateRange, Jobcode, JobcodeId, JobcodeType, NewJobcode, TimeEntry};
use crate::rules::qbtime::{JOBCODE_NAME, MAX_PAGE_SIZE};

/// The calls of [`TimeStore`], to aim a [`Fault`] at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimeCall {
    /// [`TimeStore::list_jobcodes`].
    ListJobcodes,
    /// [`TimeStore::create_jobcode`].
    CreateJobcode,
    /// [`TimeStore::list_timesheets`].
    ListTimesheets,
    /// Whichever call comes first (to which the fault applies).
    Any,
}

impl TimeCall {
    /// The [`Call`] the shared fault queue knows this call by (only
    /// creates take [`Fault::CrashAfterCreate`]; no call here takes
    /// [`Fault::StaleVersion`]).
    const fn shared(self) -> Call {
        match self {
            Self::ListJobcodes => Call::List,
            Self::CreateJobcode => Call::Create,
            Self::ListTimesheets => Call::ListChanges,
            Self::Any => Call::Any,
        }
    }
}

/// How many calls a [`MemoryTimeStore`] received, failed ones included.
/// Direct manipulation (`add_customer`, `insert_timesheet`, …) is not
/// counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeCallCounts {
    /// Calls to `list_jobcodes` (one per page).
    pub list_jobcodes: usize,
    /// Calls to `create_jobcode`.
    pub create_jobcode: usize,
    /// Calls to `list_timesheets` (one per page).
    pub list_timesheets: usize,
}

impl TimeCallCounts {
    /// Every call.
    #[must_use]
    pub const fn total(&self) -> usize {
        self.list_jobcodes + self.create_jobcode + self.list_timesheets
    }

    const fn count(&mut self, call: TimeCall) {
        match call {
            TimeCall::ListJobcodes => self.list_jobcodes += 1,
            TimeCall::CreateJobcode => self.create_jobcode += 1,
            TimeCall::ListTimesheets => self.list_timesheets += 1,
            TimeCall::Any => {}
        }
    }
}

/// The status code QBT gives a refused item of a batch write.
const REFUSED: &str = "417";

fn refused(message: String) -> AdapterError {
    AdapterError::Validation {
        code: Some(REFUSED.into()),
        message,
    }
}

#[derive(Debug)]
struct Inner {
    jobcodes: BTreeMap<JobcodeId, Jobcode>,
    timesheets: BTreeMap<u64, TimeEntry>,
    /// Idempotency key → the jobcode it created, as created.
    keys: BTreeMap<String, Jobcode>,
    next_jobcode: u64,
    next_timesheet: u64,
    page_size: usize,
    calls: TimeCallCounts,
    faults: Faults,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            jobcodes: BTreeMap::new(),
            timesheets: BTreeMap::new(),
            keys: BTreeMap::new(),
            next_jobcode: 0,
            next_timesheet: 0,
            page_size: MAX_PAGE_SIZE,
            calls: TimeCallCounts::default(),
            faults: Faults::default(),
        }
    }
}

/// The records of page `page` (from 1; 0 reads as 1) and whether more
/// follow.
fn page_of<T: Clone>(items: impl Iterator<Item = T>, page: u32, size: usize) -> (Vec<T>, bool) {
    let skip = usize::try_from(page.max(1) - 1)
        .unwrap_or(usize::MAX)
        .saturating_mul(size);
    let mut rest = items.skip(skip);
    let out: Vec<T> = rest.by_ref().take(size).collect();
    (out, rest.next().is_some())
}

impl Inner {
    fn begin(&mut self, call: TimeCall) -> Result<Option<Fault>, AdapterError> {
        self.calls.count(call);
        self.faults.begin(call.shared())
    }

    fn new_jobcode_id(&mut self) -> JobcodeId {
        loop {
            self.next_jobcode += 1;
            let id = JobcodeId(self.next_jobcode);
            if !self.jobcodes.contains_key(&id) {
                return id;
            }
        }
    }

    fn new_timesheet_id(&mut self) -> u64 {
        loop {
            self.next_timesheet += 1;
            if !self.timesheets.contains_key(&self.next_timesheet) {
                return self.next_timesheet;
            }
        }
    }

    fn list_jobcodes(&mut self, page: u32) -> Result<JobcodePage, AdapterError> {
        if let Some(fault) = self.begin(TimeCall::ListJobcodes)? {
            return Err(fault.error(None));
        }
        let (jobcodes, more) = page_of(self.jobcodes.values().cloned(), page, self.page_size);
        Ok(JobcodePage { jobcodes, more })
    }

    fn list_timesheets(
        &mut self,
        range: &DateRange,
        page: u32,
    ) -> Result<TimesheetPage, AdapterError> {
        if let Some(fault) = self.begin(TimeCall::ListTimesheets)? {
            return Err(fault.error(None));
        }
        let within = self
            .timesheets
            .values()
            .filter(|t| range.contains(t.date))
            .cloned();
        let (timesheets, more) = page_of(within, page, self.page_size);
        Ok(TimesheetPage { timesheets, more })
    }

    fn create(&mut self, new: &NewJobcode, key: &str) -> Result<Jobcode, AdapterError> {
        match self.begin(TimeCall::CreateJobcode)? {
            None => self.create_now(new, key),
            Some(fault) => {
                if fault == Fault::CrashAfterCreate {
                    // Performed, then the response is lost, whatever it was.
                    let _performed = self.create_now(new, key);
                }
                Err(fault.error(None))
            }
        }
    }

    fn create_now(&mut self, new: &NewJobcode, key: &str) -> Result<Jobcode, AdapterError> {
        if let Some(made) = self.keys.get(key) {
            return Ok(self
                .jobcodes
                .get(&made.id)
                .cloned()
                .unwrap_or_else(|| made.clone()));
        }
        self.validate(new)?;
        let jobcode = Jobcode {
            id: self.new_jobcode_id(),
            parent_id: new.parent_id,
            name: new.name.clone(),
            kind: new.kind,
            active: true,
            connect_with_quickbooks: new.connect_with_quickbooks,
        };
        self.jobcodes.insert(jobcode.id, jobcode.clone());
        if !key.is_empty() {
            self.keys.insert(key.to_owned(), jobcode.clone());
        }
        Ok(jobcode)
    }

    /// QBT's rules for a new jobcode.
    fn validate(&self, new: &NewJobcode) -> Result<(), AdapterError> {
        match new.kind {
            JobcodeType::PaidBreak | JobcodeType::UnpaidBreak => {
                return Err(refused(format!(
                    "jobcodes of type {} cannot be created through the API",
                    new.kind.as_str()
                )));
            }
            JobcodeType::Pto if !new.parent_id.is_top_level() => {
                return Err(refused("pto jobcodes are top level only".into()));
            }
            JobcodeType::Pto | JobcodeType::Regular => {}
        }
        if new.name.trim().is_empty() {
            return Err(refused("name is required".into()));
        }
        if !JOBCODE_NAME.fits(&new.name) {
            return Err(refused(format!(
                "name is {} characters long; the limit is {}",
                JOBCODE_NAME.len(&new.name),
                JOBCODE_NAME.max
            )));
        }
        if !new.parent_id.is_top_level() && !self.jobcodes.contains_key(&new.parent_id) {
            return Err(refused(format!(
                "parent jobcode {} does not exist",
                new.parent_id
            )));
        }
        let key = normalize_name(&new.name);
        if self
            .jobcodes
            .values()
            .any(|j| j.parent_id == new.parent_id && normalize_name(&j.name) == key)
        {
            return Err(refused(
                "name is already in use by another jobcode with the same parent".into(),
            ));
        }
        Ok(())
    }

    /// Sets `active` on `id` and, archiving, on everything below it;
    /// restoring, on everything above it (QBT's rule).
    fn set_active(&mut self, id: JobcodeId, active: bool) -> bool {
        if !self.jobcodes.contains_key(&id) {
            return false;
        }
        let mut todo = vec![id];
        let mut seen = std::collections::BTreeSet::new();
        while let Some(current) = todo.pop() {
            if !seen.insert(current) {
                continue;
            }
            let Some(j) = self.jobcodes.get_mut(&current) else {
                continue;
            };
            j.active = active;
            if active {
                if !j.parent_id.is_top_level() {
                    todo.push(j.parent_id);
                }
            } else {
                todo.extend(
                    self.jobcodes
                        .values()
                        .filter(|c| c.parent_id == current)
                        .map(|c| c.id),
                );
            }
        }
        true
    }
}

/// An in-memory QuickBooks Time account: a [`TimeStore`] with the rules a
/// sync runs into.
///
/// - Jobcode names: at most [`JOBCODE_NAME`] characters (counted as the
///   planner and the encoder count them), required, unique among siblings after
///   [`normalize_name`]; PTO jobcodes top level only; break jobcodes cannot
///   be created. A refusal is [`AdapterError::Validation`] with code
///   `"417"`, QBT's status for a refused batch item.
/// - A parent must exist.
/// - An idempotency key sent again returns the jobcode it created (as it
///   stands now), without creating another.
/// - Ids are 1, 2, 3, … in creation order, skipping ids seeded directly.
/// - Listings are sorted by id, in pages of [`MAX_PAGE_SIZE`] (see
///   [`set_page_size`](Self::set_page_size)), numbered from 1, with `more`.
/// - Faults are injected with [`fail_next`](Self::fail_next) and
///   [`fail_every`](Self::fail_every), aimed with [`TimeCall`]:
///   rate limits, outages, expired credentials and creates whose result is
///   lost ([`Fault::CrashAfterCreate`]). [`Fault::StaleVersion`] never
///   fires here (nothing is updated).
///
/// Nothing reads the clock or uses randomness.
///
/// # Example
///
/// ```
/// use ledgerlink::ports::AdapterError;
/// use ledgerlink::ports::TimeStore;
/// use ledgerlink::qbtime::{JobcodeType, NewJobcode};
/// use ledgerlink::testing::{Fault, MemoryTimeStore, TimeCall, block_on};
///
/// let qbt = MemoryTimeStore::new();
/// let acme = qbt.add_customer("Acme Ltd");
/// let audit = NewJobcode {
///     parent_id: acme,
///     name: "Audit 2026".into(),
///     kind: JobcodeType::Regular,
///     connect_with_quickbooks: true,
/// };
///
/// // The result of the create is lost: the jobcode exists all the same …
/// qbt.fail_next(TimeCall::CreateJobcode, Fault::CrashAfterCreate);
/// assert!(block_on(qbt.create_jobcode(&audit, "k1")).is_err());
/// // … and sending it again with the same key returns it.
/// let made = block_on(qbt.create_jobcode(&audit, "k1"))?;
/// assert_eq!(made.parent_id, acme);
/// assert_eq!(qbt.jobcodes().len(), 2);
/// assert_eq!(block_on(qbt.list_jobcodes(1))?.jobcodes.len(), 2);
///
/// // Another key, same name under the same parent: refused (417).
/// let again = block_on(qbt.create_jobcode(&audit, "k2"));
/// assert!(matches!(again, Err(AdapterError::Validation { code: Some(c), .. }) if c == "417"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryTimeStore {
    inner: Mutex<Inner>,
}

impl MemoryTimeStore {
    /// An empty account.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `jobcodes` with [`insert_jobcode`](Self::insert_jobcode).
    #[must_use]
    pub fn with_jobcodes(self, jobcodes: impl IntoIterator<Item = Jobcode>) -> Self {
        for j in jobcodes {
            self.insert_jobcode(j);
        }
        self
    }

    /// Adds `timesheets` with [`insert_timesheet`](Self::insert_timesheet).
    #[must_use]
    pub fn with_timesheets(self, timesheets: impl IntoIterator<Item = TimeEntry>) -> Self {
        for t in timesheets {
            self.insert_timesheet(t);
        }
        self
    }

    /// Sets the page size (see [`set_page_size`](Self::set_page_size)).
    #[must_use]
    pub fn with_page_size(self, size: usize) -> Self {
        self.set_page_size(size);
        self
    }

    /// Stores `jobcode` as someone using QBT directly would: no rules, no
    /// faults. An id of 0 gets the next free id; a jobcode with the same id
    /// is replaced. Returns the id.
    pub fn insert_jobcode(&self, mut jobcode: Jobcode) -> JobcodeId {
        let mut inner = self.lock();
        if jobcode.id.0 == 0 {
            jobcode.id = inner.new_jobcode_id();
        }
        let id = jobcode.id;
        inner.jobcodes.insert(id, jobcode);
        id
    }

    /// Adds an active top-level regular jobcode (a customer) directly.
    pub fn add_customer(&self, name: impl Into<String>) -> JobcodeId {
        self.insert_jobcode(Jobcode::customer(0, name))
    }

    /// Adds an active regular jobcode (a job) under `parent` directly.
    pub fn add_job(&self, parent: JobcodeId, name: impl Into<String>) -> JobcodeId {
        self.insert_jobcode(Jobcode::job(0, parent, name))
    }

    /// Stores a timesheet, as a user recording time would. An id of 0 gets
    /// the next free id; a timesheet with the same id is replaced. Returns
    /// the id.
    pub fn insert_timesheet(&self, mut timesheet: TimeEntry) -> u64 {
        let mut inner = self.lock();
        if timesheet.id == 0 {
            timesheet.id = inner.new_timesheet_id();
        }
        let id = timesheet.id;
        inner.timesheets.insert(id, timesheet);
        id
    }

    /// Archives jobcode `id` and every jobcode below it, as QBT does.
    /// Returns `false` when there is no such jobcode.
    pub fn archive_jobcode(&self, id: JobcodeId) -> bool {
        self.lock().set_active(id, false)
    }

    /// Restores jobcode `id` and every jobcode above it, as QBT does.
    /// Returns `false` when there is no such jobcode.
    pub fn restore_jobcode(&self, id: JobcodeId) -> bool {
        self.lock().set_active(id, true)
    }

    /// Jobcode `id`.
    #[must_use]
    pub fn jobcode(&self, id: JobcodeId) -> Option<Jobcode> {
        self.lock().jobcodes.get(&id).cloned()
    }

    /// Every jobcode, sorted by id.
    #[must_use]
    pub fn jobcodes(&self) -> Vec<Jobcode> {
        self.lock().jobcodes.values().cloned().collect()
    }

    /// Every timesheet, sorted by id.
    #[must_use]
    pub fn timesheets(&self) -> Vec<TimeEntry> {
        self.lock().timesheets.values().cloned().collect()
    }

    /// How many records a listing page holds.
    #[must_use]
    pub fn page_size(&self) -> usize {
        self.lock().page_size
    }

    /// Sets how many records a listing page holds (1 to
    /// [`MAX_PAGE_SIZE`]).
    pub fn set_page_size(&self, size: usize) {
        self.lock().page_size = size.clamp(1, MAX_PAGE_SIZE);
    }

    /// The jobcode created with idempotency key `key`.
    #[must_use]
    pub fn id_for_key(&self, key: &str) -> Option<JobcodeId> {
        self.lock().keys.get(key).map(|j| j.id)
    }

    /// How many calls of each kind the store received.
    #[must_use]
    pub fn calls(&self) -> TimeCallCounts {
        self.lock().calls
    }

    /// Sets every call count back to zero.
    pub fn reset_calls(&self) {
        self.lock().calls = TimeCallCounts::default();
    }

    /// Makes the next call of kind `call` to which `fault` applies fail with
    /// it. Faults wait in one queue: each call takes the oldest one that
    /// matches it.
    pub fn fail_next(&self, call: TimeCall, fault: Fault) {
        self.lock().faults.push(call.shared(), fault);
    }

    /// Makes every `n`-th call of kind `call` to which `fault` applies fail
    /// with it, from now on (`n` = 0: never).
    pub fn fail_every(&self, call: TimeCall, n: u32, fault: Fault) {
        self.lock().faults.push_periodic(call.shared(), n, fault);
    }

    /// Drops every queued and periodic fault.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// How many queued faults have not fired yet.
    #[must_use]
    pub fn pending_faults(&self) -> usize {
        self.lock().faults.pending()
    }

    /// How many faults fired.
    #[must_use]
    pub fn faults_fired(&self) -> usize {
        self.lock().faults.fired()
    }

    /// Expires the credentials: every call fails with
    /// [`AdapterError::Authentication`] until
    /// [`renew_credentials`](Self::renew_credentials).
    pub fn expire_credentials(&self) {
        self.lock().faults.expire();
    }

    /// Renews expired credentials.
    pub fn renew_credentials(&self) {
        self.lock().faults.renew();
    }
}

#[async_trait]
impl TimeStore for MemoryTimeStore {
    async fn list_jobcodes(&self, page: u32) -> Result<JobcodePage, AdapterError> {
        self.lock().list_jobcodes(page)
    }

    async fn create_jobcode(
        &self,
        jobcode: &NewJobcode,
        idempotency_key: &str,
    ) -> Result<Jobcode, AdapterError> {
        self.lock().create(jobcode, idempotency_key)
    }

    async fn list_timesheets(
        &self,
        range: &DateRange,
        page: u32,
    ) -> Result<TimesheetPage, AdapterError> {
        self.lock().list_timesheets(range, page)
    }
}
