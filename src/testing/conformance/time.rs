//! The checks of a [`TimeStore`] (QuickBooks Time): jobcode and timesheet
//! listings over many pages with writes in between, and jobcode
//! idempotency.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::NaiveDate;

use super::report::{Check, CheckReport, Failure, Property, Recorder, Summary, replayed};
use super::support::{FixtureError, PAGE_BOUND, Settings};
use crate::ports::{AdapterError, TimeStore};
use crate::qbtime::{DateRange, Jobcode, JobcodeId, JobcodeType, NewJobcode, TimeEntry};
use crate::rules::qbtime::MAX_PAGE_SIZE;
use crate::testing::MemoryTimeStore;

/// Changes a [`TimeStore`]'s data behind its back (as the people using
/// QuickBooks Time would). Every method but
/// [`page_size`](Self::page_size), [`new_jobcode`](Self::new_jobcode) and
/// [`range`](Self::range) is required.
#[async_trait]
pub trait TimeFixture: Send + Sync {
    /// How many records a listing page holds. Default
    /// [`MAX_PAGE_SIZE`].
    fn page_size(&self) -> usize {
        MAX_PAGE_SIZE
    }

    /// A jobcode the store accepts, number `n` of this run: by default a
    /// top-level customer named `"<run_id> <n>"`.
    fn new_jobcode(&self, run_id: &str, n: u32) -> NewJobcode {
        NewJobcode {
            parent_id: JobcodeId::TOP_LEVEL,
            name: format!("{run_id} {n}"),
            kind: JobcodeType::Regular,
            connect_with_quickbooks: false,
        }
    }

    /// The dates the check's timesheets fall on (default: November 2026).
    fn range(&self) -> DateRange {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        DateRange::new(day(1), day(30))
    }

    /// Adds jobcode `jobcode` as a QBT user would, and returns its id.
    async fn insert_jobcode(&self, jobcode: NewJobcode) -> Result<JobcodeId, FixtureError>;

    /// Archives jobcode `id`.
    async fn archive_jobcode(&self, id: JobcodeId) -> Result<(), FixtureError>;

    /// Records a timesheet on `jobcode`, dated `date`, as a QBT user would,
    /// and returns its id.
    async fn insert_timesheet(
        &self,
        jobcode: JobcodeId,
        date: NaiveDate,
    ) -> Result<u64, FixtureError>;
}

#[async_trait]
impl TimeFixture for MemoryTimeStore {
    fn page_size(&self) -> usize {
        Self::page_size(self)
    }

    async fn insert_jobcode(&self, jobcode: NewJobcode) -> Result<JobcodeId, FixtureError> {
        Ok(Self::insert_jobcode(
            self,
            Jobcode {
                id: JobcodeId(0),
                parent_id: jobcode.parent_id,
                name: jobcode.name,
                kind: jobcode.kind,
                active: true,
                connect_with_quickbooks: jobcode.connect_with_quickbooks,
            },
        ))
    }

    async fn archive_jobcode(&self, id: JobcodeId) -> Result<(), FixtureError> {
        Self::archive_jobcode(self, id)
            .then_some(())
            .ok_or_else(|| FixtureError::Failed(format!("no jobcode {id}")))
    }

    async fn insert_timesheet(
        &self,
        jobcode: JobcodeId,
        date: NaiveDate,
    ) -> Result<u64, FixtureError> {
        Ok(Self::insert_timesheet(
            self,
            TimeEntry::manual(0, 1, jobcode, date, 3600),
        ))
    }
}

const JOBCODES: u32 = 90_000;

/// Every check of this module on `store`.
pub async fn run_all(
    store: &dyn TimeStore,
    fixture: &dyn TimeFixture,
    settings: &Settings,
) -> Summary {
    Summary {
        reports: vec![
            jobcode_listing(store, fixture, settings).await,
            jobcode_idempotency(store, fixture, settings).await,
            timesheet_listing(store, fixture, settings).await,
        ],
    }
}

/// Pages numbered from 1 while `more`; `between` runs after each page that
/// has more. `Err` with the failure when a call fails or the bound is hit.
async fn numbered<F, B>(mut fetch: F, mut between: B) -> Result<u32, Failure>
where
    F: AsyncFnMut(u32) -> Result<bool, AdapterError>,
    B: AsyncFnMut(u32),
{
    let bound = u32::try_from(PAGE_BOUND).unwrap_or(u32::MAX);
    let mut page = 1;
    loop {
        let more = fetch(page)
            .await
            .map_err(|e| Failure::new(Property::CallFailed, format!("page {page}: {e}")))?;
        if !more {
            return Ok(page);
        }
        if page >= bound {
            return Err(Failure::new(
                Property::ListingEndless,
                format!("the listing did not end within {bound} pages"),
            ));
        }
        between(page).await;
        page += 1;
    }
}

/// **Jobcode listings** over many pages with jobcodes added and archived
/// between the pages: every jobcode present before the listing began is
/// listed (repeats allowed), archived ones included (`active=both`) and
/// marked inactive.
pub async fn jobcode_listing(
    store: &dyn TimeStore,
    fixture: &dyn TimeFixture,
    settings: &Settings,
) -> CheckReport {
    let mut rec = Recorder::new(Check::JobcodeListing);
    let size = fixture.page_size().clamp(1, 500);
    let count = u32::try_from(2 * size + 2).unwrap_or(1002);
    let mut ids = Vec::new();
    for n in 0..count {
        match fixture
            .insert_jobcode(fixture.new_jobcode(&settings.run_id, JOBCODES + n))
            .await
        {
            Ok(id) => ids.push(id),
            Err(e) => {
                rec.fail(Failure::new(Property::Setup, format!("inserting: {e}")));
                return rec.finish();
            }
        }
    }
    let archived: Vec<JobcodeId> = ids.iter().step_by(size.max(2)).copied().collect();
    for id in &archived {
        if let Err(e) = fixture.archive_jobcode(*id).await {
            rec.fail(Failure::new(Property::Setup, format!("archiving: {e}")));
            return rec.finish();
        }
    }
    let mut listed: BTreeMap<JobcodeId, Jobcode> = BTreeMap::new();
    let mut problems = Vec::new();
    let result = {
        let (listed, problems) = (&mut listed, &mut problems);
        let mut n = JOBCODES + count;
        numbered(
            async |page| {
                let p = store.list_jobcodes(page).await?;
                for j in p.jobcodes {
                    listed.insert(j.id, j);
                }
                Ok(p.more)
            },
            async |_| {
                let new = fixture.new_jobcode(&settings.run_id, n);
                n += 1;
                if let Err(e) = fixture.insert_jobcode(new).await {
                    problems.push(e);
                }
            },
        )
        .await
    };
    for e in problems {
        rec.fail(Failure::new(
            Property::Setup,
            format!("inserting during the listing: {e}"),
        ));
    }
    if let Err(f) = result {
        rec.fail(f);
        return rec.finish();
    }
    let lost: Vec<&JobcodeId> = ids.iter().filter(|id| !listed.contains_key(*id)).collect();
    if !lost.is_empty() {
        rec.fail(
            Failure::new(
                Property::ListingLost,
                format!(
                    "{} jobcode(s) present throughout the listing are missing from it",
                    lost.len()
                ),
            )
            .with_records(lost),
        );
    }
    let hidden: Vec<&JobcodeId> = archived
        .iter()
        .filter(|id| listed.get(*id).is_none_or(|j| j.active))
        .collect();
    if !hidden.is_empty() {
        rec.fail(
            Failure::new(
                Property::ArchivedMissing,
                "archived jobcodes are missing from the listing or listed as active",
            )
            .with_records(hidden),
        );
    }
    rec.finish()
}

/// **Jobcode idempotency**: a create sent twice with one key answers one
/// jobcode; the same key with another jobcode answers the first and
/// creates nothing; the listing holds one jobcode of the name.
pub async fn jobcode_idempotency(
    store: &dyn TimeStore,
    fixture: &dyn TimeFixture,
    settings: &Settings,
) -> CheckReport {
    let mut rec = Recorder::new(Check::JobcodeIdempotency);
    let new = fixture.new_jobcode(&settings.run_id, JOBCODES + 5_000);
    let other = fixture.new_jobcode(&settings.run_id, JOBCODES + 5_001);
    let key = settings.key("jobcode", 1);
    let Some((a, b)) = replayed(
        &mut rec,
        "create_jobcode",
        store.create_jobcode(&new, &key).await,
        store.create_jobcode(&new, &key).await,
    ) else {
        return rec.finish();
    };
    if a.id != b.id {
        rec.fail(
            Failure::new(
                Property::Duplicated,
                "the same key sent twice made two jobcodes",
            )
            .with_records([a.id, b.id]),
        );
    } else if a.name != b.name {
        rec.fail(
            Failure::new(
                Property::DifferentAnswer,
                format!(
                    "the key's second answer is named `{}`, the first `{}`",
                    b.name, a.name
                ),
            )
            .with_records([a.id]),
        );
    }
    match store.create_jobcode(&other, &key).await {
        Ok(x) if x.id != a.id => rec.fail(
            Failure::new(
                Property::Duplicated,
                "the key sent again with another jobcode made a second one",
            )
            .with_records([a.id, x.id]),
        ),
        Ok(_) => {}
        Err(e) => rec.fail(Failure::new(
            Property::DifferentAnswer,
            format!("the key sent again with another jobcode was refused: {e}"),
        )),
    }
    let mut names: BTreeMap<String, BTreeSet<JobcodeId>> = BTreeMap::new();
    let listed = numbered(
        async |page| {
            let p = store.list_jobcodes(page).await?;
            for j in p.jobcodes {
                names.entry(j.name).or_default().insert(j.id);
            }
            Ok(p.more)
        },
        async |_| {},
    )
    .await;
    if let Err(f) = listed {
        rec.fail(f);
        return rec.finish();
    }
    let copies = names.get(&new.name).map_or(0, BTreeSet::len);
    let others = names.get(&other.name).map_or(0, BTreeSet::len);
    if copies != 1 || others != 0 {
        rec.fail(
            Failure::new(
                Property::Duplicated,
                format!(
                    "after three creates with one key the listing holds {copies} jobcode(s) named `{}` and {others} named `{}`",
                    new.name, other.name
                ),
            )
            .with_records([a.id]),
        );
    }
    rec.finish()
}

/// **Timesheet listings** over many pages with timesheets recorded
/// between the pages: every timesheet in the range recorded before the
/// listing began is listed (repeats allowed), none outside the range.
pub async fn timesheet_listing(
    store: &dyn TimeStore,
    fixture: &dyn TimeFixture,
    settings: &Settings,
) -> CheckReport {
    let mut rec = Recorder::new(Check::TimesheetListing);
    let size = fixture.page_size().clamp(1, 500);
    let range = fixture.range();
    let jobcode = match fixture
        .insert_jobcode(fixture.new_jobcode(&settings.run_id, JOBCODES + 6_000))
        .await
    {
        Ok(id) => id,
        Err(e) => {
            rec.fail(Failure::new(Property::Setup, format!("inserting: {e}")));
            return rec.finish();
        }
    };
    let outside = range.end.succ_opt().unwrap_or(range.end);
    let mut ids = Vec::new();
    let mut out_of_range = BTreeSet::new();
    for i in 0..2 * size + 2 {
        let date = if i % 2 == 0 { range.start } else { range.end };
        match fixture.insert_timesheet(jobcode, date).await {
            Ok(id) => ids.push(id),
            Err(e) => {
                rec.fail(Failure::new(Property::Setup, format!("inserting: {e}")));
                return rec.finish();
            }
        }
    }
    if outside != range.end {
        match fixture.insert_timesheet(jobcode, outside).await {
            Ok(id) => {
                out_of_range.insert(id);
            }
            Err(e) => rec.fail(Failure::new(Property::Setup, format!("inserting: {e}"))),
        }
    }
    let mut listed: BTreeSet<u64> = BTreeSet::new();
    let mut problems = Vec::new();
    let result = {
        let (listed, problems) = (&mut listed, &mut problems);
        numbered(
            async |page| {
                let p = store.list_timesheets(&range, page).await?;
                listed.extend(p.timesheets.into_iter().map(|t| t.id));
                Ok(p.more)
            },
            async |_| {
                if let Err(e) = fixture.insert_timesheet(jobcode, range.start).await {
                    problems.push(e);
                }
            },
        )
        .await
    };
    for e in problems {
        rec.fail(Failure::new(
            Property::Setup,
            format!("inserting during the listing: {e}"),
        ));
    }
    if let Err(f) = result {
        rec.fail(f);
        return rec.finish();
    }
    let lost: Vec<&u64> = ids.iter().filter(|id| !listed.contains(*id)).collect();
    if !lost.is_empty() {
        rec.fail(
            Failure::new(
                Property::ListingLost,
                format!(
                    "{} timesheet(s) recorded before the listing are missing from it",
                    lost.len()
                ),
            )
            .with_records(lost),
        );
    }
    let strays: Vec<&u64> = out_of_range
        .iter()
        .filter(|id| listed.contains(*id))
        .collect();
    if !strays.is_empty() {
        rec.fail(
            Failure::new(Property::Stray, "timesheets outside the range are listed")
                .with_records(strays),
        );
    }
    rec.finish()
}
