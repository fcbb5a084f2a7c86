//! Xero Practice Manager over HTTP: clients and their contacts, a loop
//! around [`wire::xpm::Calls`](crate::wire::xpm::Calls), with the key
//! memory XPM's creates need.

use std::sync::Arc;

use async_trait::async_trait;

use crate::model::{Contact, ContactId, VersionToken};
use crate::ops::AdapterError;
use crate::ports::{ChangesPage, ContactStore, Page};
use crate::sync::FieldPatch;
use crate::wire::xpm::{API_BASE, Calls};

use super::{Connection, KeyMemory};

/// The most requests an XPM update sends (a client read, a contact read,
/// the write), plus one for the sequence to say it is done.
const MAX_UPDATE_STEPS: usize = 4;

/// An XPM practice's [`ContactStore`] over HTTP: clients, and their
/// contacts as people linked to them.
///
/// XPM takes no idempotency key: [`create`](ContactStore::create) asks the
/// [`KeyMemory`] first, answers the record remembered under the key
/// without calling XPM, and remembers what a create made. An
/// [`update`](ContactStore::update) is the codec's sequence of one to
/// three requests ([`wire::xpm::Update`](crate::wire::xpm::Update)),
/// driven here; its reads are retried like any read, its write never.
#[derive(Clone)]
pub struct XpmAdapter {
    connection: Arc<Connection>,
    calls: Calls,
    keys: Arc<dyn KeyMemory<Contact>>,
    base: String,
}

impl std::fmt::Debug for XpmAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XpmAdapter")
            .field("connection", &self.connection)
            .field("calls", &self.calls)
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl XpmAdapter {
    /// The practice of `calls` (its tenant id) over `connection`, at XPM's
    /// API ([`API_BASE`]), remembering keys in `keys`.
    #[must_use]
    pub fn new(
        connection: Arc<Connection>,
        calls: Calls,
        keys: Arc<dyn KeyMemory<Contact>>,
    ) -> Self {
        Self {
            connection,
            calls,
            keys,
            base: API_BASE.to_owned(),
        }
    }

    /// At another base URL (a test server's `http://127.0.0.1:port`).
    #[must_use]
    pub fn with_base_url(mut self, base: impl Into<String>) -> Self {
        self.base = base.into();
        self
    }

    /// The codec it drives.
    #[must_use]
    pub const fn calls(&self) -> &Calls {
        &self.calls
    }
}

#[async_trait]
impl ContactStore for XpmAdapter {
    async fn list(&self, page: Option<&str>) -> Result<Page, AdapterError> {
        let request = self.calls.list(page)?;
        self.connection
            .call(&self.base, &request, |a| self.calls.read_list(page, a))
            .await
    }

    async fn list_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<ChangesPage, AdapterError> {
        let request = self.calls.list_changes(cursor, page)?;
        self.connection
            .call(&self.base, &request, |a| {
                self.calls.read_changes(cursor, page, a)
            })
            .await
    }

    async fn create(&self, contact: &Contact, key: &str) -> Result<Contact, AdapterError> {
        if let Some(made) = self.keys.recall(key).await? {
            return Ok(made);
        }
        let request = self.calls.create(contact, key)?;
        let made = self
            .connection
            .call(&self.base, &request, |a| self.calls.read_create(a))
            .await?;
        self.keys.remember(key, &made).await?;
        Ok(made)
    }

    async fn update(
        &self,
        id: &ContactId,
        patch: &FieldPatch,
        expected_version: Option<&VersionToken>,
    ) -> Result<Contact, AdapterError> {
        let mut update = self.calls.update(id, patch, expected_version)?;
        for _ in 0..MAX_UPDATE_STEPS {
            let Some(request) = update.next_request()? else {
                break;
            };
            self.connection
                .call(&self.base, &request, |a| update.read(a))
                .await?;
        }
        update.finish()
    }
}
