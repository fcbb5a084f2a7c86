//! The [`ContactStore`] calls of [`MemoryStore`]: faults first, then the
//! ledger's rules, then the write.

use std::ops::Bound;

use async_trait::async_trait;

use super::faults::{Call, Fault};
use super::ledger::{Flavor, names_differ};
use super::store::{Created, Entry, Inner, MemoryStore};
use crate::model::{Contact, ContactId, VersionToken};
use crate::ports::{AdapterError, ChangesPage, ContactStore, Page};
use crate::rules::Profile;
use crate::sync::FieldPatch;

impl Inner {
    /// Counts the call and decides whether a fault fires on it.
    fn begin(&mut self, call: Call) -> Result<Option<Fault>, AdapterError> {
        self.calls.count(call);
        self.faults.begin(call)
    }

    /// The records after the page token `after` (an id), sorted by id.
    fn after<'a>(&'a self, after: Option<&'a str>) -> impl Iterator<Item = &'a Entry> + 'a {
        let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
        self.records
            .range::<str, _>((lower, Bound::Unbounded))
            .map(|(_, e)| e)
    }

    fn list(&mut self, page: Option<&str>) -> Result<Page, AdapterError> {
        if let Some(fault) = self.begin(Call::List)? {
            return Err(fault.error(None));
        }
        let mut contacts: Vec<Contact> = self
            .after(page)
            .take(self.page_size + 1)
            .map(|e| e.contact.clone())
            .collect();
        let next_page = if contacts.len() > self.page_size {
            contacts.truncate(self.page_size);
            contacts.last().map(|c| c.id.to_string())
        } else {
            None
        };
        Ok(Page {
            contacts,
            next_page,
        })
    }

    fn list_changes(
        &mut self,
        cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<ChangesPage, AdapterError> {
        if let Some(fault) = self.begin(Call::ListChanges)? {
            return Err(fault.error(None));
        }
        if !self.change_feed {
            return Err(AdapterError::Unsupported {
                what: "change listings".into(),
            });
        }
        let since = match cursor {
            None => 0,
            Some(c) => c
                .trim()
                .parse::<u64>()
                .map_err(|_| invalid("change cursor", c))?,
        };
        // The page token: the change sequence when the listing began, and
        // the last id listed.
        let (until, after) = match page {
            None => (self.seq, None),
            Some(token) => {
                let (until, after) = token
                    .split_once(':')
                    .and_then(|(u, a)| Some((u.parse::<u64>().ok()?, a)))
                    .ok_or_else(|| invalid("page token", token))?;
                (until, Some(after))
            }
        };
        let mut changed: Vec<Contact> = self
            .after(after)
            .filter(|e| e.seq > since)
            .take(self.page_size + 1)
            .map(|e| e.contact.clone())
            .collect();
        let deleted = if page.is_none() {
            self.deleted
                .iter()
                .filter(|&(_, &seq)| seq > since && seq <= until)
                .map(|(id, _)| id.clone())
                .collect()
        } else {
            Vec::new()
        };
        let (next_page, cursor) = if changed.len() > self.page_size {
            changed.truncate(self.page_size);
            let last = changed.last().map(|c| c.id.as_str()).unwrap_or_default();
            (Some(format!("{until}:{last}")), None)
        } else {
            (None, Some(until.to_string()))
        };
        Ok(ChangesPage {
            changed,
            deleted,
            next_page,
            cursor,
        })
    }

    fn create(&mut self, contact: &Contact, key: &str) -> Result<Contact, AdapterError> {
        match self.begin(Call::Create)? {
            None => self.create_now(contact, key),
            Some(fault) => {
                if fault == Fault::CrashAfterCreate {
                    // Performed, then the response is lost, whatever it was.
                    let _performed = self.create_now(contact, key);
                }
                Err(fault.error(None))
            }
        }
    }

    fn create_now(&mut self, contact: &Contact, key: &str) -> Result<Contact, AdapterError> {
        if let Some(created) = self.keys.get(key) {
            return Ok(self
                .records
                .get(&created.id)
                .map_or_else(|| created.snapshot.clone(), |e| e.contact.clone()));
        }
        let mut c = contact.clone();
        self.flavor.prepare_create(&mut c);
        self.flavor.validate(&c)?;
        if self.flavor == Flavor::Ledger(Profile::Qbo)
            && let Some(parent) = &c.extras.parent_id
            && !self.records.contains_key(parent)
        {
            return Err(AdapterError::Validation {
                code: Some("610".into()),
                message: format!("the parent customer `{parent}` does not exist"),
            });
        }
        self.check_unique(&c, None)?;
        c.id = self.new_id();
        let c = self.write(c);
        if !key.is_empty() {
            self.keys.insert(
                key.to_owned(),
                Created {
                    id: c.id.clone(),
                    snapshot: c.clone(),
                },
            );
        }
        Ok(c)
    }

    /// The fault of an update or archive of `id`, if one fires. A stale
    /// version moves the record's version on, as a concurrent write would.
    fn begin_write(&mut self, call: Call, id: &ContactId) -> Result<(), AdapterError> {
        let Some(fault) = self.begin(call)? else {
            return Ok(());
        };
        if fault == Fault::StaleVersion
            && let Some(c) = self.records.get(id).map(|e| e.contact.clone())
        {
            self.write(c);
        }
        Err(fault.error(Some(id)))
    }

    /// Record `id` as it stands, if `expected` (when given) is its version.
    fn current(
        &self,
        id: &ContactId,
        expected: Option<&VersionToken>,
    ) -> Result<Contact, AdapterError> {
        let entry = self
            .records
            .get(id)
            .ok_or_else(|| AdapterError::NotFound { id: id.clone() })?;
        // Xero has no conditional update: it reports `UpdatedDateUTC` but
        // never checks it (see the `ports` contracts), and neither does
        // its stand-in. QBO's SyncToken and a database's version are
        // checked.
        let checks = match self.flavor {
            Flavor::Ledger(p) => p.rules().versions == crate::rules::Versions::Checked,
            Flavor::Local => true,
        };
        match expected {
            Some(v) if checks && entry.contact.extras.version.as_ref() != Some(v) => {
                Err(AdapterError::StaleVersion { id: id.clone() })
            }
            _ => Ok(entry.contact.clone()),
        }
    }

    fn update(
        &mut self,
        id: &ContactId,
        patch: &FieldPatch,
        expected: Option<&VersionToken>,
    ) -> Result<Contact, AdapterError> {
        self.begin_write(Call::Update, id)?;
        let before = self.current(id, expected)?;
        let mut after = before.clone();
        patch.apply_to(&mut after);
        after.id = id.clone();
        if names_differ(&before, &after) {
            self.flavor.validate(&after)?;
            self.check_unique(&after, Some(id))?;
        }
        Ok(self.write(after))
    }
}

fn invalid(what: &str, value: &str) -> AdapterError {
    AdapterError::Validation {
        code: None,
        message: format!("invalid {what} `{value}`"),
    }
}

#[async_trait]
impl ContactStore for MemoryStore {
    async fn list(&self, page: Option<&str>) -> Result<Page, AdapterError> {
        self.lock().list(page)
    }

    async fn list_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<ChangesPage, AdapterError> {
        self.lock().list_changes(cursor, page)
    }

    async fn create(
        &self,
        contact: &Contact,
        idempotency_key: &str,
    ) -> Result<Contact, AdapterError> {
        self.lock().create(contact, idempotency_key)
    }

    async fn update(
        &self,
        id: &ContactId,
        patch: &FieldPatch,
        expected_version: Option<&VersionToken>,
    ) -> Result<Contact, AdapterError> {
        self.lock().update(id, patch, expected_version)
    }
}
