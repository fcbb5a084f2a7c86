//! The checks can fail: wrappers around the in-memory stores, each with one
//! deliberate defect, and the property the kit reports for it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ledgerlink::billing::PaymentDraft;
use ledgerlink::model::VersionToken;
use ledgerlink::ports::{
    AdapterError, ChangesPage, ContactStore, JobcodePage, Page, PaymentStore, PaymentsPage,
    TimeStore, TimesheetPage,
};
use ledgerlink::qbtime::{DateRange, Jobcode, NewJobcode};
use ledgerlink::sync::FieldPatch;
use ledgerlink::testing::conformance::{
    Check, FixtureError, Property, Settings, Summary, billing, contacts, time,
};
use ledgerlink::testing::{
    Call, Fault, MemoryPracticeBilling, MemoryStore, MemoryTimeStore, block_on,
};
use ledgerlink::{Contact, ContactId, Profile};

/// What each wrapper gets wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Defect {
    /// Every page after the first skips its first record (an off-by-one
    /// page token).
    DropsBetweenPages,
    /// Hides archived records from full listings (Xero without
    /// `includeArchived=true`).
    HidesArchived,
    /// Sends every create with a fresh key.
    IgnoresKey,
    /// Sends every update without its expected version.
    IgnoresVersions,
    /// Change listings filter on modification time, and the cursor handed
    /// back is the client's clock (a day ahead of the ledger's).
    ClientClockCursor,
    /// Reports a rate limit as a transient failure.
    RateLimitAsTransient,
    /// Answers an update with the record as asked, but never writes it.
    LiesAboutUpdates,
}

struct Broken {
    inner: MemoryStore,
    defect: Defect,
    client_clock: DateTime<Utc>,
}

impl Broken {
    fn new(profile: Profile, defect: Defect) -> Self {
        let inner = MemoryStore::ledger(profile).with_page_size(3);
        let client_clock = inner.now() + chrono::Duration::days(1);
        Self {
            inner,
            defect,
            client_clock,
        }
    }

    fn has(&self, defect: Defect) -> bool {
        self.defect == defect
    }
}

#[async_trait]
impl ContactStore for Broken {
    async fn list(&self, page: Option<&str>) -> Result<Page, AdapterError> {
        let mut p = self.inner.list(page).await;
        if self.has(Defect::RateLimitAsTransient) {
            p = p.map_err(|e| match e {
                AdapterError::RateLimited { .. } => AdapterError::Transient {
                    message: "HTTP 429".into(),
                },
                e => e,
            });
        }
        let mut p = p?;
        if self.has(Defect::DropsBetweenPages) && page.is_some() && !p.contacts.is_empty() {
            p.contacts.remove(0);
        }
        if self.has(Defect::HidesArchived) {
            p.contacts
                .retain(|c| c.status == ledgerlink::model::ContactStatus::Active);
        }
        Ok(p)
    }

    async fn list_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<ChangesPage, AdapterError> {
        if !self.has(Defect::ClientClockCursor) {
            return self.inner.list_changes(cursor, page).await;
        }
        // Everything modified after the cursor's time, in one page.
        let since = cursor
            .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
            .map(|t| t.with_timezone(&Utc));
        let changed = self
            .inner
            .all()
            .into_iter()
            .filter(|c| since.is_none_or(|s| c.extras.updated_at.is_some_and(|u| u > s)))
            .collect();
        Ok(ChangesPage {
            changed,
            deleted: Vec::new(),
            next_page: None,
            cursor: Some(self.client_clock.to_rfc3339()),
        })
    }

    async fn create(&self, contact: &Contact, key: &str) -> Result<Contact, AdapterError> {
        if self.has(Defect::IgnoresKey) {
            let fresh = format!("fresh-{}", self.inner.calls().create);
            return self.inner.create(contact, &fresh).await;
        }
        self.inner.create(contact, key).await
    }

    async fn update(
        &self,
        id: &ContactId,
        patch: &FieldPatch,
        expected: Option<&VersionToken>,
    ) -> Result<Contact, AdapterError> {
        if self.has(Defect::IgnoresVersions) {
            return self.inner.update(id, patch, None).await;
        }
        if self.has(Defect::LiesAboutUpdates) {
            let mut c = self
                .inner
                .get(id)
                .ok_or_else(|| AdapterError::NotFound { id: id.clone() })?;
            patch.apply_to(&mut c);
            return Ok(c);
        }
        self.inner.update(id, patch, expected).await
    }
}

fn run(profile: Profile, defect: Defect) -> Summary {
    let store = Broken::new(profile, defect);
    block_on(contacts::run_all(
        &store,
        &store.inner,
        &Settings::default(),
    ))
}

#[test]
fn a_listing_that_drops_a_record_between_pages_is_caught() {
    let s = run(Profile::XeroGl, Defect::DropsBetweenPages);
    assert!(s.broke(Check::FullListing, Property::ListingLost), "{s}");
    let lost = &s.report(Check::FullListing).unwrap().failures()[0];
    assert!(
        !lost.records.is_empty(),
        "the lost records are named: {lost}"
    );
}

#[test]
fn a_listing_without_archived_records_is_caught() {
    let s = run(Profile::XeroGl, Defect::HidesArchived);
    assert!(
        s.broke(Check::FullListing, Property::ArchivedMissing),
        "{s}"
    );
}

#[test]
fn a_create_that_ignores_its_key_is_caught() {
    // XPM allows duplicate names: only the key can stop a second record.
    let s = run(Profile::Xpm, Defect::IgnoresKey);
    assert!(s.broke(Check::Idempotency, Property::Duplicated), "{s}");
    assert!(s.broke(Check::Errors, Property::Duplicated), "{s}");
}

#[test]
fn an_update_that_ignores_versions_is_caught() {
    let s = run(Profile::Qbo, Defect::IgnoresVersions);
    assert!(s.broke(Check::Versions, Property::StaleAccepted), "{s}");
    // Xero checks no versions: the same defect is no defect there.
    let xero = run(Profile::XeroGl, Defect::IgnoresVersions);
    assert!(xero.report(Check::Versions).unwrap().is_ok(), "{xero}");
}

#[test]
fn a_cursor_from_the_client_clock_is_caught() {
    let s = run(Profile::XeroGl, Defect::ClientClockCursor);
    assert!(s.broke(Check::ChangeListing, Property::ChangeLost), "{s}");
}

#[test]
fn a_rate_limit_reported_as_transient_is_caught() {
    let s = run(Profile::Qbo, Defect::RateLimitAsTransient);
    assert!(s.broke(Check::Errors, Property::WrongError), "{s}");
    assert!(s.report(Check::FullListing).unwrap().is_ok(), "{s}");
}

#[test]
fn a_store_answering_updates_it_never_wrote_is_caught() {
    let store = Broken::new(Profile::Qbo, Defect::LiesAboutUpdates);
    let r = block_on(contacts::end_to_end(
        &store,
        &store.inner,
        &Settings::default(),
    ));
    assert!(
        r.broke(Property::NotQuiet) || r.broke(Property::NotConverged),
        "{r}"
    );
    let v = block_on(contacts::versions(
        &store,
        &store.inner,
        &Settings::default(),
    ));
    assert!(v.broke(Property::AnswerNotStored), "{v}");
}

#[test]
fn a_fixture_that_cannot_inject_faults_skips_the_error_check() {
    struct NoFaults(MemoryStore);
    #[async_trait]
    impl contacts::ContactFixture for NoFaults {
        fn profile(&self) -> Option<Profile> {
            self.0.profile()
        }
        fn page_size(&self) -> usize {
            3
        }
        async fn insert(&self, c: Contact) -> Result<ContactId, FixtureError> {
            Ok(self.0.insert(c))
        }
        async fn edit(&self, c: Contact) -> Result<(), FixtureError> {
            let id = c.id.clone();
            self.0.edit(&id, |x| x.emails = c.emails);
            Ok(())
        }
        async fn archive(&self, id: &ContactId) -> Result<(), FixtureError> {
            self.0.archive_now(id);
            Ok(())
        }
    }
    let fixture = NoFaults(MemoryStore::ledger(Profile::Qbo).with_page_size(3));
    let s = block_on(contacts::run_all(
        &fixture.0,
        &fixture,
        &Settings::default(),
    ));
    assert!(s.is_ok(), "{s}");
    assert_eq!(s.skipped().collect::<Vec<_>>(), [Check::Errors], "{s}");
    // The checks that needed a deletion say so.
    assert!(
        !s.report(Check::Idempotency).unwrap().notes.is_empty(),
        "{s}"
    );
}

/// A payment store whose creates ignore their keys.
struct PaysTwice(MemoryPracticeBilling);

#[async_trait]
impl PaymentStore for PaysTwice {
    async fn list_payments(&self, page: Option<&str>) -> Result<PaymentsPage, AdapterError> {
        self.0.list_payments(page).await
    }

    async fn create_payment(
        &self,
        payment: &PaymentDraft,
        customer: &ContactId,
        invoices: &[String],
        _key: &str,
    ) -> Result<String, AdapterError> {
        let fresh = format!("fresh-{}", self.0.calls().create_payment);
        self.0
            .create_payment(payment, customer, invoices, &fresh)
            .await
    }
}

#[test]
fn a_payment_create_that_ignores_its_key_is_caught() {
    let store = PaysTwice(MemoryPracticeBilling::new().with_page_size(3));
    let s = block_on(billing::run_all_payments(
        &store,
        &store.0,
        &Settings::default(),
    ));
    assert!(
        s.broke(Check::PaymentIdempotency, Property::Duplicated),
        "{s}"
    );
    assert!(s.broke(Check::PaymentErrors, Property::Duplicated), "{s}");
    assert!(s.report(Check::PaymentListing).unwrap().is_ok(), "{s}");
}

#[test]
fn an_injected_fault_the_store_ignores_is_caught() {
    // A fixture whose faults never reach the store: the refused
    // credentials come back as a success.
    struct Deaf(MemoryStore);
    #[async_trait]
    impl contacts::ContactFixture for Deaf {
        fn profile(&self) -> Option<Profile> {
            self.0.profile()
        }
        fn page_size(&self) -> usize {
            3
        }
        async fn insert(&self, c: Contact) -> Result<ContactId, FixtureError> {
            Ok(self.0.insert(c))
        }
        async fn edit(&self, c: Contact) -> Result<(), FixtureError> {
            let id = c.id.clone();
            self.0.edit(&id, |x| x.emails = c.emails);
            Ok(())
        }
        async fn archive(&self, id: &ContactId) -> Result<(), FixtureError> {
            self.0.archive_now(id);
            Ok(())
        }
        async fn inject(&self, _: Call, _: Fault) -> Result<(), FixtureError> {
            Ok(())
        }
    }
    let fixture = Deaf(MemoryStore::ledger(Profile::Qbo).with_page_size(3));
    let r = block_on(contacts::errors(&fixture.0, &fixture, &Settings::default()));
    assert!(r.broke(Property::WrongError), "{r}");
}

/// A QuickBooks Time adapter that lists active jobcodes only (no
/// `active=both`) and sends every jobcode create as new.
struct ForgetfulTime(MemoryTimeStore);

#[async_trait]
impl TimeStore for ForgetfulTime {
    async fn list_jobcodes(&self, page: u32) -> Result<JobcodePage, AdapterError> {
        let mut p = self.0.list_jobcodes(page).await?;
        p.jobcodes.retain(|j| j.active);
        Ok(p)
    }

    async fn create_jobcode(&self, new: &NewJobcode, _key: &str) -> Result<Jobcode, AdapterError> {
        let fresh = format!("fresh-{}", self.0.calls().create_jobcode);
        self.0.create_jobcode(new, &fresh).await
    }

    async fn list_timesheets(
        &self,
        range: &DateRange,
        page: u32,
    ) -> Result<TimesheetPage, AdapterError> {
        self.0.list_timesheets(range, page).await
    }
}

#[test]
fn a_time_store_hiding_archived_jobcodes_and_forgetting_keys_is_caught() {
    let store = ForgetfulTime(MemoryTimeStore::new().with_page_size(3));
    let s = block_on(time::run_all(&store, &store.0, &Settings::default()));
    assert!(
        s.broke(Check::JobcodeListing, Property::ArchivedMissing),
        "{s}"
    );
    // QBT refuses a second jobcode of the same name: the repeat is refused.
    assert!(
        s.broke(Check::JobcodeIdempotency, Property::DifferentAnswer),
        "{s}"
    );
    assert!(s.report(Check::TimesheetListing).unwrap().is_ok(), "{s}");
}
