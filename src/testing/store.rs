//! [`MemoryStore`]: its state and the direct manipulation methods tests use
//! to play the people editing a ledger or the practice-management system.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

use super::faults::{Call, CallCounts, Fault, Faults};
use super::ledger::{Flavor, NameKey};
use crate::model::{Contact, ContactId, ContactStatus};
use crate::normalize::normalize_name;
use crate::ports::AdapterError;
use crate::rules::Profile;

/// Where every store's logical clock starts: 2026-01-01T00:00:00Z.
const CLOCK_START_SECS: i64 = 1_767_225_600;

/// The page size of a new store.
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// An in-memory [`ContactStore`](crate::ports::ContactStore): the firm's own
/// contacts ([`local`](Self::local)) or a ledger
/// ([`ledger`](Self::ledger)) with the rules that matter to a sync:
///
/// | | ids | version token | names |
/// |---|---|---|---|
/// | local | `L1`, `L2`, … | `UpdatedAt` | anything goes |
/// | Xero GL | `xero-0001`, … | `UpdatedAt` | unique among *active* contacts; required, ≤ 255 chars |
/// | XPM | `xpm-0001`, … | `UpdatedAt` | duplicates allowed; new clients get a business structure (`Company` / `Individual`) |
/// | QBO | `1`, `2`, … | `SyncToken` `"0"`, `"1"`, … | unique across *all* customers and the [reserved](Self::reserve_name) vendor / employee names (among siblings for sub-customers); no `:`, tab or new line; ≤ 500 chars |
///
/// Names are compared after [`normalize_name`] (case-insensitive).
/// A refused name gives [`AdapterError::DuplicateName`] or
/// [`AdapterError::Validation`] (codes `10` for Xero, `2050` / `2020` for
/// QBO).
///
/// Everything is deterministic: there is no system clock and no randomness.
/// Every write (through the trait or the direct methods) advances a logical
/// clock by one second, starting at 2026-01-01T00:00:00Z, and a change
/// sequence by one; `extras.updated_at` is the clock, the change sequence is
/// the cursor of [`list_changes`](crate::ports::ContactStore::list_changes).
///
/// Listings return every record, archived ones included, sorted by id, in
/// pages of [`DEFAULT_PAGE_SIZE`] (see [`set_page_size`](Self::set_page_size));
/// the page token is the last id of the previous page. A change listing
/// returns the records written after the cursor and the ids deleted after
/// it (on its first page); its last page carries the cursor for next time:
/// the change sequence when the listing began, so that writes made while it
/// was being paged are listed again next time rather than missed.
///
/// Faults are injected with [`fail_next`](Self::fail_next) and
/// [`fail_every`](Self::fail_every) (see [`Fault`]).
///
/// # Example
///
/// ```
/// use ledgerlink::ports::{AdapterError, ContactStore};
/// use ledgerlink::testing::{Call, Fault, MemoryStore, block_on};
/// use ledgerlink::{Contact, Profile};
///
/// let xero = MemoryStore::ledger(Profile::XeroGl);
/// let acme = Contact::organization("L1", "Acme Ltd");
///
/// // The result of the create is lost: the record exists all the same.
/// xero.fail_next(Call::Create, Fault::CrashAfterCreate);
/// let lost = block_on(xero.create(&acme, "op-1"));
/// assert!(matches!(lost, Err(AdapterError::Transient { .. })));
/// assert_eq!(xero.len(), 1);
///
/// // Sending it again with the same key returns it, without a duplicate.
/// let created = block_on(xero.create(&acme, "op-1"))?;
/// assert_eq!(created.id, "xero-0001");
/// assert_eq!(xero.len(), 1);
///
/// // Another contact of the same name is refused while this one is active.
/// let again = block_on(xero.create(&Contact::named("", "ACME LTD"), "op-2"));
/// assert!(matches!(again, Err(AdapterError::DuplicateName { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

/// A stored record and the change sequence of its last write.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) contact: Contact,
    pub(super) seq: u64,
}

/// A create's idempotency key: the record it made, and that record as it
/// was created (returned again if it has since been deleted).
#[derive(Debug)]
pub(super) struct Created {
    pub(super) id: ContactId,
    pub(super) snapshot: Contact,
}

#[derive(Debug)]
pub(super) struct Inner {
    pub(super) flavor: Flavor,
    pub(super) records: BTreeMap<ContactId, Entry>,
    /// Deleted ids and the change sequence of their deletion.
    pub(super) deleted: BTreeMap<ContactId, u64>,
    /// The ids holding each name, for the uniqueness rules.
    names: BTreeMap<NameKey, BTreeSet<ContactId>>,
    pub(super) keys: BTreeMap<String, Created>,
    /// Normalised names of vendors and employees.
    reserved: BTreeSet<String>,
    next_id: u64,
    pub(super) seq: u64,
    clock: DateTime<Utc>,
    pub(super) page_size: usize,
    pub(super) change_feed: bool,
    pub(super) calls: CallCounts,
    pub(super) faults: Faults,
}

impl Inner {
    fn new(flavor: Flavor) -> Self {
        Self {
            flavor,
            records: BTreeMap::new(),
            deleted: BTreeMap::new(),
            names: BTreeMap::new(),
            keys: BTreeMap::new(),
            reserved: BTreeSet::new(),
            next_id: 0,
            seq: 0,
            clock: DateTime::from_timestamp(CLOCK_START_SECS, 0).unwrap_or(DateTime::UNIX_EPOCH),
            page_size: DEFAULT_PAGE_SIZE,
            change_feed: true,
            calls: CallCounts::default(),
            faults: Faults::default(),
        }
    }

    /// A fresh id, never used by a present or deleted record.
    pub(super) fn new_id(&mut self) -> ContactId {
        loop {
            self.next_id += 1;
            let id = self.flavor.id(self.next_id);
            if !self.records.contains_key(&id) && !self.deleted.contains_key(&id) {
                return id;
            }
        }
    }

    /// Advances the change sequence and the clock by one write.
    fn tick(&mut self) -> DateTime<Utc> {
        self.seq += 1;
        self.clock = self
            .clock
            .checked_add_signed(TimeDelta::seconds(1))
            .unwrap_or(self.clock);
        self.clock
    }

    /// Stamps `c` as written now (version and `updated_at`) and stores it.
    pub(super) fn write(&mut self, mut c: Contact) -> Contact {
        let previous = self
            .records
            .get(&c.id)
            .and_then(|e| e.contact.extras.version.clone());
        let at = self.tick();
        c.extras.updated_at = Some(at);
        c.extras.version = Some(self.flavor.next_version(previous.as_ref(), at));
        self.put(c.clone());
        c
    }

    /// Stores `c` under its id as the latest write, keeping the name index
    /// in step.
    fn put(&mut self, c: Contact) {
        self.unindex(&c.id);
        if let Some(key) = self.flavor.name_key(&c) {
            self.names.entry(key).or_default().insert(c.id.clone());
        }
        self.deleted.remove(&c.id);
        let id = c.id.clone();
        self.records.insert(
            id,
            Entry {
                contact: c,
                seq: self.seq,
            },
        );
    }

    fn unindex(&mut self, id: &ContactId) {
        let Some(key) = self
            .records
            .get(id)
            .and_then(|e| self.flavor.name_key(&e.contact))
        else {
            return;
        };
        if let Some(ids) = self.names.get_mut(&key) {
            ids.remove(id);
            if ids.is_empty() {
                self.names.remove(&key);
            }
        }
    }

    /// Refuses `c`'s name when the ledger already has it on another record
    /// (`exclude` is the record being updated).
    pub(super) fn check_unique(
        &self,
        c: &Contact,
        exclude: Option<&ContactId>,
    ) -> Result<(), AdapterError> {
        let Some(key) = self.flavor.name_key(c) else {
            return Ok(());
        };
        let active_only = self.flavor.unique_among_active_only();
        if active_only && c.status != ContactStatus::Active {
            return Ok(());
        }
        let reserved = key.0.is_none() && self.reserved.contains(&key.1);
        let taken = self.names.get(&key).is_some_and(|ids| {
            ids.iter().any(|id| {
                Some(id) != exclude
                    && self
                        .records
                        .get(id)
                        .is_some_and(|e| !active_only || e.contact.status == ContactStatus::Active)
            })
        });
        if reserved || taken {
            return Err(AdapterError::DuplicateName { name: c.label() });
        }
        Ok(())
    }

    fn remove(&mut self, id: &str) -> bool {
        let Some(id) = self.records.get_key_value(id).map(|(k, _)| k.clone()) else {
            return false;
        };
        self.unindex(&id);
        self.records.remove(&id);
        self.tick();
        self.deleted.insert(id, self.seq);
        true
    }

    /// Stores a record with a new id, keeping the version token and
    /// `updated_at` it carries.
    fn insert_new(&mut self, mut c: Contact) {
        let at = self.tick();
        let at = *c.extras.updated_at.get_or_insert(at);
        if c.extras.version.is_none() {
            c.extras.version = Some(self.flavor.next_version(None, at));
        }
        self.put(c);
    }

    /// Applies `f` to a copy of record `id` and writes it.
    fn modify(&mut self, id: &str, f: impl FnOnce(&mut Contact)) -> bool {
        let Some(mut c) = self.records.get(id).map(|e| e.contact.clone()) else {
            return false;
        };
        let id = c.id.clone();
        f(&mut c);
        c.id = id;
        self.write(c);
        true
    }
}

impl MemoryStore {
    fn with_flavor(flavor: Flavor) -> Self {
        Self {
            inner: Mutex::new(Inner::new(flavor)),
        }
    }

    /// The firm's own contacts: no name rules, ids `L1`, `L2`, …, version
    /// tokens `UpdatedAt`.
    #[must_use]
    pub fn local() -> Self {
        Self::with_flavor(Flavor::Local)
    }

    /// A ledger behaving like `profile` (see the [type's](Self) table).
    #[must_use]
    pub fn ledger(profile: Profile) -> Self {
        Self::with_flavor(Flavor::Ledger(profile))
    }

    /// Adds `contacts` with [`insert`](Self::insert).
    #[must_use]
    pub fn with_contacts(self, contacts: impl IntoIterator<Item = Contact>) -> Self {
        for c in contacts {
            self.insert(c);
        }
        self
    }

    /// Sets the page size of the listings (see
    /// [`set_page_size`](Self::set_page_size)).
    #[must_use]
    pub fn with_page_size(self, size: usize) -> Self {
        self.set_page_size(size);
        self
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The ledger's profile, `None` for the local side.
    #[must_use]
    pub fn profile(&self) -> Option<Profile> {
        let flavor = self.lock().flavor;
        match flavor {
            Flavor::Local => None,
            Flavor::Ledger(p) => Some(p),
        }
    }

    /// Stores `contact` as someone editing the system directly would: no
    /// faults, no name rules, no defaults. Keeps the contact's id unless it
    /// is empty (then the store assigns one) and replaces a record with the
    /// same id. A new record keeps the version token and `updated_at` it
    /// carries (records loaded from fixtures keep theirs) and gets them
    /// from the store when it has none; a replaced one is stamped like an
    /// [`edit`](Self::edit). Returns the id.
    pub fn insert(&self, mut contact: Contact) -> ContactId {
        let mut inner = self.lock();
        if contact.id.as_str().is_empty() {
            contact.id = inner.new_id();
        }
        let id = contact.id.clone();
        if inner.records.contains_key(&id) {
            inner.write(contact);
        } else {
            inner.insert_new(contact);
        }
        id
    }

    /// Changes record `id` with `f`, as a person editing it would (no
    /// faults, no name rules), and stamps it as written. The record's id
    /// cannot be changed. Returns `false` when there is no such record.
    pub fn edit(&self, id: impl AsRef<str>, f: impl FnOnce(&mut Contact)) -> bool {
        // `f` runs on a copy, without the lock, so that it may read the store.
        let Some(mut c) = self.get(id.as_ref()) else {
            return false;
        };
        let id = c.id.clone();
        f(&mut c);
        c.id = id;
        let mut inner = self.lock();
        if !inner.records.contains_key(&c.id) {
            return false;
        }
        inner.write(c);
        true
    }

    /// Archives record `id` directly (Xero `ARCHIVED`, XPM `IsArchived`,
    /// QBO `Active=false`). Returns `false` when there is no such record.
    pub fn archive_now(&self, id: impl AsRef<str>) -> bool {
        self.edit(id, |c| c.status = ContactStatus::Archived)
    }

    /// Deletes record `id`: it disappears from the listings and its id is
    /// reported by the next change listing. Returns `false` when there is
    /// no such record.
    pub fn delete(&self, id: impl AsRef<str>) -> bool {
        self.lock().remove(id.as_ref())
    }

    /// Merges record `from` into `into` as Xero does: `from` is archived and
    /// its `extras.merged_into` names `into` (U3). Returns `false` when
    /// either record is missing or they are the same.
    pub fn merge(&self, from: impl AsRef<str>, into: impl AsRef<str>) -> bool {
        let mut inner = self.lock();
        let (from, into) = (from.as_ref(), into.as_ref());
        let Some(target) = inner.records.get_key_value(into).map(|(k, _)| k.clone()) else {
            return false;
        };
        from != into
            && inner.modify(from, |c| {
                c.status = ContactStatus::Archived;
                c.extras.merged_into = Some(target);
            })
    }

    /// Record `id` as stored.
    #[must_use]
    pub fn get(&self, id: impl AsRef<str>) -> Option<Contact> {
        self.lock()
            .records
            .get(id.as_ref())
            .map(|e| e.contact.clone())
    }

    /// Every record, archived ones included, sorted by id.
    #[must_use]
    pub fn all(&self) -> Vec<Contact> {
        self.lock()
            .records
            .values()
            .map(|e| e.contact.clone())
            .collect()
    }

    /// The records whose name reads `name` after normalisation, sorted by
    /// id.
    #[must_use]
    pub fn find_by_name(&self, name: &str) -> Vec<Contact> {
        let key = normalize_name(name);
        self.lock()
            .records
            .values()
            .filter(|e| normalize_name(&e.contact.label()) == key)
            .map(|e| e.contact.clone())
            .collect()
    }

    /// How many records there are, archived ones included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether there is no record at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lock().records.is_empty()
    }

    /// Sets how many records a listing page holds (at least 1; default
    /// [`DEFAULT_PAGE_SIZE`]).
    pub fn set_page_size(&self, size: usize) {
        self.lock().page_size = size.max(1);
    }

    /// Turns the change feed off (or on again): when off,
    /// [`list_changes`](crate::ports::ContactStore::list_changes) returns
    /// [`AdapterError::Unsupported`], as from a store that cannot list
    /// changes.
    pub fn set_change_feed(&self, enabled: bool) {
        self.lock().change_feed = enabled;
    }

    /// Reserves `name` for a vendor or an employee: under the Xero and QBO
    /// profiles, a contact (a top-level customer for QBO) of that name is
    /// refused with [`AdapterError::DuplicateName`]. Compared after
    /// normalisation.
    pub fn reserve_name(&self, name: &str) {
        let key = normalize_name(name).into_owned();
        if !key.is_empty() {
            self.lock().reserved.insert(key);
        }
    }

    /// How many calls of each kind the store received, failed ones included.
    #[must_use]
    pub fn calls(&self) -> CallCounts {
        self.lock().calls
    }

    /// Sets every call count back to zero.
    pub fn reset_calls(&self) {
        self.lock().calls = CallCounts::default();
    }

    /// Every idempotency key a create was performed with, and the id it
    /// created, sorted by key.
    #[must_use]
    pub fn created_keys(&self) -> Vec<(String, ContactId)> {
        self.lock()
            .keys
            .iter()
            .map(|(k, c)| (k.clone(), c.id.clone()))
            .collect()
    }

    /// The id created with idempotency key `key`.
    #[must_use]
    pub fn id_for_key(&self, key: &str) -> Option<ContactId> {
        self.lock().keys.get(key).map(|c| c.id.clone())
    }

    /// The change sequence: the number of writes so far, and the cursor a
    /// change listing made now would end with.
    #[must_use]
    pub fn sequence(&self) -> u64 {
        self.lock().seq
    }

    /// The logical clock: the time of the last write (2026-01-01T00:00:00Z
    /// before the first one).
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        self.lock().clock
    }

    /// Moves the logical clock forward by `seconds` (to make one side's
    /// edits newer than the other's, F4).
    pub fn advance_clock(&self, seconds: u32) {
        let mut inner = self.lock();
        inner.clock = inner
            .clock
            .checked_add_signed(TimeDelta::seconds(i64::from(seconds)))
            .unwrap_or(inner.clock);
    }

    /// Makes the next call of kind `call` to which `fault` applies fail
    /// with it (see [`Fault::applies_to`]). Faults wait in one queue: each
    /// call takes the oldest one that matches it.
    pub fn fail_next(&self, call: Call, fault: Fault) {
        self.lock().faults.push(call, fault);
    }

    /// Makes every `n`-th call of kind `call` to which `fault` applies fail
    /// with it, from now on (`n` = 0: never). A queued fault
    /// ([`fail_next`](Self::fail_next)) takes precedence on the call it
    /// fires on.
    pub fn fail_every(&self, call: Call, n: u32, fault: Fault) {
        self.lock().faults.push_periodic(call, n, fault);
    }

    /// Drops every queued and periodic fault (expired credentials stay
    /// expired until [`renew_credentials`](Self::renew_credentials)).
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// How many queued faults have not fired yet.
    #[must_use]
    pub fn pending_faults(&self) -> usize {
        self.lock().faults.pending()
    }

    /// How many faults fired (queued and periodic).
    #[must_use]
    pub fn faults_fired(&self) -> usize {
        self.lock().faults.fired()
    }

    /// Expires the credentials now: every call fails with
    /// [`AdapterError::Authentication`] until
    /// [`renew_credentials`](Self::renew_credentials).
    pub fn expire_credentials(&self) {
        self.lock().faults.expire();
    }

    /// Renews expired credentials (the user reconnected, E3).
    pub fn renew_credentials(&self) {
        self.lock().faults.renew();
    }

    /// Whether the credentials are expired.
    #[must_use]
    pub fn credentials_expired(&self) -> bool {
        self.lock().faults.expired()
    }
}
