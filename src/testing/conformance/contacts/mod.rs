//! The checks of a [`ContactStore`]: full and change listings, idempotency,
//! versions, errors and (feature `driver`) the end-to-end property.
//!
//! Each check takes the store under test, a [`ContactFixture`] that
//! changes the store's data behind its back (as another user of the
//! ledger or the database would), and the [`Settings`]. See the
//! [module documentation](super) for what each one proves.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;

use super::report::{Check, CheckReport, Failure, Property, Recorder, Summary, replayed};
use super::support::{FixtureError, PAGE_BOUND, Settings, Stopped, pages};
use crate::model::{Contact, ContactId, ContactStatus};
use crate::ops::Pages;
use crate::ports::{AdapterError, ContactStore};
use crate::rules::{Profile, SyncField, Versions};
use crate::sync::{FieldChange, FieldPatch, FieldValue};
use crate::testing::{Call, DEFAULT_PAGE_SIZE, Fault, MemoryStore};

#[cfg(feature = "driver")]
mod end_to_end;
mod listings;
mod writes;

#[cfg(feature = "driver")]
pub use end_to_end::end_to_end;
pub use listings::{change_listing, full_listing};
pub use writes::{errors, idempotency, versions};

/// Changes a contact store's data behind the adapter's back, as another
/// user of the ledger (or of the firm's database) would: the checks call
/// it between the store's calls.
///
/// Only [`profile`](Self::profile), [`insert`](Self::insert),
/// [`edit`](Self::edit) and [`archive`](Self::archive) are required. The
/// others are capabilities: a fixture that cannot delete, move the store's
/// clock or inject faults keeps their default (answering
/// [`FixtureError::Unsupported`]), and the parts of the checks that need
/// them are skipped with a note.
///
/// [`MemoryStore`] is its own fixture.
#[async_trait]
pub trait ContactFixture: Send + Sync {
    /// The ledger the store stands for, `None` for the firm's own side.
    fn profile(&self) -> Option<Profile>;

    /// Whether the store refuses an update whose expected version is stale
    /// (QBO's `SyncToken`, a database's row version). By default: the local
    /// side and ledgers whose versions are [`Versions::Checked`].
    fn checks_versions(&self) -> bool {
        self.profile()
            .is_none_or(|p| p.rules().versions == Versions::Checked)
    }

    /// How many records a page of the store's listings holds (the checks
    /// make a few pages' worth of records). Default
    /// [`DEFAULT_PAGE_SIZE`].
    fn page_size(&self) -> usize {
        DEFAULT_PAGE_SIZE
    }

    /// A new record the store accepts, number `n` of this run: its name
    /// must be unique in the store (the default: the organisation
    /// `"<run_id> <n> Ltd"` with an email).
    fn sample(&self, run_id: &str, n: u32) -> Contact {
        Contact::organization("", format!("{run_id} {n} Ltd"))
            .with_email(format!("c{n}@{run_id}.test"))
    }

    /// Stores `contact` as a new record (its id is empty) the way another
    /// user would, and returns its id.
    async fn insert(&self, contact: Contact) -> Result<ContactId, FixtureError>;

    /// Writes `contact`'s fields over the record of the same id, as another
    /// user would: the record gets a new version and modification time.
    async fn edit(&self, contact: Contact) -> Result<(), FixtureError>;

    /// Archives record `id` (Xero `ARCHIVED`, QBO `Active=false`).
    async fn archive(&self, id: &ContactId) -> Result<(), FixtureError>;

    /// Deletes record `id` for good. Capability: ledgers that never delete
    /// contacts (Xero, QBO) keep the default.
    async fn delete(&self, id: &ContactId) -> Result<(), FixtureError> {
        let _ = id;
        Err(FixtureError::Unsupported)
    }

    /// Moves the store's own clock forward by `seconds` (time passing on
    /// the ledger's side between two runs). Capability.
    async fn advance_clock(&self, seconds: u32) -> Result<(), FixtureError> {
        let _ = seconds;
        Err(FixtureError::Unsupported)
    }

    /// Makes the store's next call of kind `call` meet `fault` (a fake
    /// server answering 429, 401, 503, a lost answer…). Capability.
    async fn inject(&self, call: Call, fault: Fault) -> Result<(), FixtureError> {
        let _ = (call, fault);
        Err(FixtureError::Unsupported)
    }

    /// Drops faults not fired yet and renews expired credentials.
    async fn clear_faults(&self) -> Result<(), FixtureError> {
        Ok(())
    }
}

#[async_trait]
impl ContactFixture for MemoryStore {
    fn profile(&self) -> Option<Profile> {
        Self::profile(self)
    }

    fn page_size(&self) -> usize {
        self.lock().page_size
    }

    async fn insert(&self, contact: Contact) -> Result<ContactId, FixtureError> {
        Ok(Self::insert(self, contact))
    }

    async fn edit(&self, contact: Contact) -> Result<(), FixtureError> {
        let id = contact.id.clone();
        let found = Self::edit(self, &id, move |c| {
            let extras = std::mem::take(&mut c.extras);
            *c = contact;
            c.extras = extras;
        });
        found
            .then_some(())
            .ok_or_else(|| FixtureError::Failed(format!("no record `{id}`")))
    }

    async fn archive(&self, id: &ContactId) -> Result<(), FixtureError> {
        self.archive_now(id)
            .then_some(())
            .ok_or_else(|| FixtureError::Failed(format!("no record `{id}`")))
    }

    async fn delete(&self, id: &ContactId) -> Result<(), FixtureError> {
        Self::delete(self, id)
            .then_some(())
            .ok_or_else(|| FixtureError::Failed(format!("no record `{id}`")))
    }

    async fn advance_clock(&self, seconds: u32) -> Result<(), FixtureError> {
        Self::advance_clock(self, seconds);
        Ok(())
    }

    async fn inject(&self, call: Call, fault: Fault) -> Result<(), FixtureError> {
        self.fail_next(call, fault);
        Ok(())
    }

    async fn clear_faults(&self) -> Result<(), FixtureError> {
        Self::clear_faults(self);
        self.renew_credentials();
        Ok(())
    }
}

/// The numbers each check names its records from (distinct per check, so
/// that the checks can run one after another on one store).
const FULL: u32 = 10_000;
const CHANGES: u32 = 20_000;
const IDEM: u32 = 30_000;
const VERSIONS: u32 = 40_000;
const ERRORS: u32 = 50_000;
#[cfg(feature = "driver")]
const E2E: u32 = 60_000;

/// At most this many records a check makes per page of the store.
const MAX_PAGE: usize = 500;

/// Every check of this module on `store`, one after another, with
/// `fixture` making the changes behind its back.
pub async fn run_all(
    store: &dyn ContactStore,
    fixture: &dyn ContactFixture,
    settings: &Settings,
) -> Summary {
    let reports = vec![
        full_listing(store, fixture, settings).await,
        change_listing(store, fixture, settings).await,
        idempotency(store, fixture, settings).await,
        versions(store, fixture, settings).await,
        errors(store, fixture, settings).await,
    ];
    #[cfg(feature = "driver")]
    let reports = {
        let mut all = reports;
        all.push(end_to_end(store, fixture, settings).await);
        all
    };
    Summary { reports }
}

/// Every record of the store's full listing, the last copy of each id.
async fn list_all(store: &dyn ContactStore) -> Result<BTreeMap<ContactId, Contact>, Stopped> {
    let mut out = BTreeMap::new();
    pages(
        async |token| {
            let p = store.list(token).await?;
            for c in p.contacts {
                out.insert(c.id.clone(), c);
            }
            Ok(p.next_page)
        },
        async |_| {},
    )
    .await?;
    Ok(out)
}

fn stopped(rec: &mut Recorder, what: &str, s: &Stopped) {
    let property = match s {
        Stopped::Endless(_) => Property::ListingEndless,
        Stopped::Failed(_) => Property::CallFailed,
    };
    rec.fail(Failure::new(property, format!("{what}: {}", s.message())));
}

fn setup(rec: &mut Recorder, what: &str, e: &FixtureError) {
    rec.fail(Failure::new(Property::Setup, format!("{what}: {e}")));
}

/// `c` with its first email set to `address`.
fn with_address(mut c: Contact, address: &str) -> Contact {
    match c.emails.first_mut() {
        Some(e) => address.clone_into(&mut e.address),
        None => c = c.with_email(address),
    }
    c
}

/// A patch writing `address` as the email.
fn email_patch(profile: Option<Profile>, address: &str) -> FieldPatch {
    FieldPatch {
        profile: profile.unwrap_or(Profile::XeroGl),
        changes: vec![FieldChange {
            field: SyncField::Email,
            old: None,
            new: Some(FieldValue::Text(address.to_owned())),
        }],
    }
}

/// Inserts `count` samples numbered from `from`; the records as inserted,
/// with their ids.
async fn insert_many(
    fixture: &dyn ContactFixture,
    settings: &Settings,
    from: u32,
    count: usize,
) -> Result<Vec<Contact>, FixtureError> {
    let mut out = Vec::with_capacity(count);
    for n in (from..).take(count) {
        let mut c = fixture.sample(&settings.run_id, n);
        c.id = fixture.insert(c.clone()).await?;
        out.push(c);
    }
    Ok(out)
}
