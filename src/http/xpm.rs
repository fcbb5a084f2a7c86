//! Xero Practice Manager over HTTP: clients and their contacts, a loop
//! around [`wire::xpm::Calls`](crate::wire::xpm::Calls), with the key
//! memory XPM's creates need.

use std::sync::Arc;

use async_trait::async_trait;

use crate::model::{Contact, ContactId, VersionToken};
use crate::ops::{AdapterError, Pages};
use crate::ports::{ChangesPage, ContactStore, Page};
use crate::sync::FieldPatch;
use crate::wire::xpm::{API_BASE, Calls, MAX_CONTACTS_PER_REQUEST};

use super::{Connection, KeyMemory};

/// The most requests an XPM update sends (a client read, a contact read,
/// the write), plus one for the sequence to say it is done.
const MAX_UPDATE_STEPS: usize = 4;

/// The most listing pages read to find what a create whose answer was
/// lost made (XPM's listing is one page).
const MAX_LOOKUP_PAGES: usize = 100;

/// An XPM practice's [`ContactStore`] over HTTP: clients, and their
/// contacts as people linked to them.
///
/// XPM takes no idempotency key: [`create`](ContactStore::create) asks the
/// [`KeyMemory`] first, answers the record remembered under the key
/// without calling XPM, and remembers what a create made. A key sent
/// before whose answer was lost ([`KeyMemory::unanswered`]) is looked for
/// first: the one record of the full listing with the create's name,
/// email and organisations is taken as what that send made; with none the
/// create is sent again; with several (XPM allows clients of one name)
/// nobody can tell whether the lost send made one of them, so nothing is
/// sent and the create ends as [`AdapterError::DuplicateName`] — a
/// refusal the engine records (the name is taken) and the next listing
/// matches the local record against those clients by its rules, or a
/// person decides. An
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

    /// Links contacts that exist already to `client` (a person under
    /// several clients), [`MAX_CONTACTS_PER_REQUEST`] to a call (`POST
    /// client.api/client/{uuid}/contacts`): one result per contact, in
    /// their order — its id when XPM lists it under the client afterwards.
    /// A call that fails as a whole gives its error to each of its
    /// contacts; the other calls still go. A call is never sent twice by
    /// the connection (it carries no key), but linking is harmless to
    /// repeat: send the contacts whose call failed again.
    ///
    /// # Errors
    /// [`AdapterError::Authentication`] or [`AdapterError::RateLimited`]:
    /// no further call is made (the contacts not sent are not answered).
    pub async fn link_contacts(
        &self,
        client: &ContactId,
        contacts: &[ContactId],
    ) -> Result<Vec<Result<ContactId, AdapterError>>, AdapterError> {
        let mut out = Vec::with_capacity(contacts.len());
        for chunk in contacts.chunks(MAX_CONTACTS_PER_REQUEST) {
            let answered = match self.calls.link_contacts(client, chunk) {
                Ok(request) => {
                    self.connection
                        .call(&self.base, &request, |a| {
                            self.calls.read_link_contacts(client, chunk, a)
                        })
                        .await
                }
                Err(e) => Err(e),
            };
            match answered {
                Ok(results) => out.extend(results),
                Err(
                    e @ (AdapterError::Authentication { .. } | AdapterError::RateLimited { .. }),
                ) => return Err(e),
                Err(e) => out.extend(chunk.iter().map(|_| Err(e.clone()))),
            }
        }
        Ok(out)
    }
}

impl XpmAdapter {
    /// The record an earlier send of `contact` made when its answer was
    /// lost: the one record of the full listing with its name, email and
    /// organisations (XPM allows two clients of one name: with several,
    /// none is taken and the create is sent again).
    async fn made_by_lost_create(&self, contact: &Contact) -> Result<Lookup, AdapterError> {
        let (label, email) = (contact.label(), contact.billing_email());
        let mut pages = Pages::new(MAX_LOOKUP_PAGES);
        let mut token: Option<String> = None;
        let mut found: Vec<Contact> = Vec::new();
        loop {
            let page = self.list(token.as_deref()).await?;
            found.extend(page.contacts.into_iter().filter(|c| {
                c.label() == label
                    && c.billing_email() == email
                    && c.organization_ids == contact.organization_ids
            }));
            token = pages
                .next(page.next_page)
                .map_err(|stopped| AdapterError::Paging { stopped })?;
            if token.is_none() {
                break;
            }
        }
        Ok(match found.len() {
            0 => Lookup::NotMade,
            1 => found
                .pop()
                .map_or(Lookup::NotMade, |c| Lookup::Made(Box::new(c))),
            _ => Lookup::Ambiguous,
        })
    }
}

/// What the listing tells of a create whose answer was lost.
enum Lookup {
    /// No client like it: the send did not create one.
    NotMade,
    /// The one client like it: what the send made.
    Made(Box<Contact>),
    /// Several clients like it: whether the send made one cannot be told.
    Ambiguous,
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
        if self.keys.unanswered(key).await? {
            match self.made_by_lost_create(contact).await? {
                Lookup::Made(made) => {
                    self.keys.remember(key, &made).await?;
                    return Ok(*made);
                }
                // Sending again could make one more of a name already
                // used several times: refuse, as the ledger would.
                Lookup::Ambiguous => {
                    return Err(AdapterError::DuplicateName {
                        name: contact.label(),
                    });
                }
                Lookup::NotMade => {}
            }
        }
        self.keys.sending(key).await?;
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
