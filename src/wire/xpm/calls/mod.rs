//! The call codec of XPM: every [`ContactStore`] call as a request to
//! send and a reader of its answer, over clients and their contacts.
//!
//! | port method | request builder | response reader |
//! |---|---|---|
//! | [`ContactStore::list`] | [`Calls::list`] (`GET client.api/list?detailed=true`) | [`Calls::read_list`] |
//! | [`ContactStore::list_changes`] | [`Calls::list_changes`] (`GET client.api/list?detailed=true&modifiedsince=…`) | [`Calls::read_changes`] |
//! | [`ContactStore::create`] | [`Calls::create`] (`POST client.api/add`, or `POST client.api/contact` for a contact of one client) | [`Calls::read_create`] |
//! | [`ContactStore::update`] | [`Calls::update`]: an [`Update`] of one to three requests (below) | [`Update::read`], then [`Update::finish`] |
//! | [`ContactStore::update`], the current record at hand | [`Calls::update_known`] (`PUT client.api/update` or `PUT client.api/contact/[uuid]`) | [`Calls::read_update`] |
//! | (batch) link up to [`MAX_CONTACTS_PER_REQUEST`] existing contacts to a client | [`Calls::link_contacts`] (`POST client.api/client/[uuid]/contacts`) | [`Calls::read_link_contacts`] |
//!
//! Paths are relative to [`API_BASE`]: `request.url(API_BASE)` is the URL
//! to call.
//!
//! # Headers
//!
//! Every request carries `xero-tenant-id` (XPM is reached through Xero's
//! API gateway, which routes on the connection's tenant) and
//! `Accept: application/xml` (the gateway can also answer JSON; the
//! readers read XPM's XML). Writes add `Content-Type: application/xml`.
//! The codec never sees a secret: the adapter adds
//! `Authorization: Bearer <access token>` itself.
//!
//! # Listings
//!
//! The full listing is `client.api/list?detailed=true`: every client,
//! **archived and deleted ones included** (`IsArchived` / `IsDeleted`
//! read as [`ContactStatus::Archived`](crate::model::ContactStatus)), with
//! their contacts as people linked to them (`organization_ids`), clients
//! first. `client.api/paged-list` is paged but leaves archived and deleted
//! clients out, which breaks the full-listing contract (U3, U8), so the
//! listing is **one page**: `next_page` is always `None`, and a page token
//! given back is refused.
//!
//! # Change feed
//!
//! [`Calls::list_changes`] asks for the clients modified since the cursor
//! (`modifiedsince`, `yyyy-MM-ddTHH:mm:ss` in UTC; no cursor: every
//! client). The answer is one page. Its cursor is the time **on XPM's
//! side when the listing began** — the answer's `Date` header, as XPM's
//! body carries no server time — minus [`CHANGES_OVERLAP_SECS`], which
//! absorbs the one-second granularity of `modifiedsince` and the gap
//! between the gateway's clock and the database's: clients modified in
//! that window are listed again next time (the planner takes a repeat as
//! no change); none is lost. An answer without a `Date` header is
//! [`AdapterError::Unsupported`]: the driver then lists in full rather
//! than take a cursor from the client's clock.
//!
//! Deleted clients come back as `IsDeleted=Yes`, which the decoder reads
//! as archived (it does not tell deletion apart): they are in `changed`,
//! archived, and `deleted` stays empty. XPM documents no listing of
//! deleted ids. Whether editing a contact alone marks its client modified
//! is not documented either: a contact edit may only show with its
//! client's next change, or in a full listing.
//!
//! # Writes
//!
//! XPM documents no idempotency key: nothing is sent for the key, and the
//! adapter keeps the key → id itself (a table of the keys of creates in
//! flight and the record each made), as
//! [`ContactStore::create`] requires. XPM has no version token either:
//! `expected_version` is not sent.
//!
//! A create with no organisation adds a client; with one it adds a
//! contact under that client (`POST client.api/contact`); with several it
//! is refused before anything is sent — create it under one client, then
//! [link](Calls::link_contacts) it to the others.
//!
//! An update needs what the port method does not carry: whether the id is
//! a client's or a contact's (their UUIDs look alike) and the record's
//! current `Name` (XPM's update bodies name the record). [`Calls::update`]
//! takes both from the patch when it can, and asks XPM otherwise — one
//! request in the common case, at most three:
//!
//! | the patch | requests |
//! |---|---|
//! | renames, and writes a field only a client has (fax, an address) or only a contact has (mobile) | the write |
//! | renames; email or phone only | `PUT client.api/update`; if XPM answers that no such client exists, `PUT client.api/contact/[uuid]` |
//! | does not rename; writes a client-only field | `GET client.api/get/[uuid]` for the name, then the write |
//! | does not rename; writes the mobile | `GET client.api/contact/[uuid]` for the name, then the write |
//! | does not rename; email or phone only | `GET client.api/get/[uuid]`; if no such client, `GET client.api/contact/[uuid]`; then the write |
//!
//! An adapter that keeps the records it listed can skip those reads with
//! [`Calls::update_known`] (one request), as the planner's
//! [`encode_action`](super::encode_action) does.
//!
//! # Answers
//!
//! Each reader takes the status, headers and body. A 2xx answer is read
//! with the decoder of this module; `<Status>ERROR</Status>` inside it is
//! the error XPM describes ([`AdapterError::NotFound`] for "not found",
//! [`AdapterError::Validation`] otherwise). Other statuses go through
//! [`decode_error_with_retry_after`](super::decode_error_with_retry_after):
//! 401 [`AdapterError::AccessTokenExpired`], 403
//! [`AdapterError::Authentication`], 404 [`AdapterError::NotFound`], 429
//! [`AdapterError::RateLimited`] after `Retry-After` (seconds, or a date
//! measured from the answer's `Date`) or
//! [`DEFAULT_RETRY_AFTER_SECS`](super::DEFAULT_RETRY_AFTER_SECS), 408 and
//! 5xx [`AdapterError::Transient`]. A body that is not XPM's XML — the
//! gateway's JSON errors, an HTML page — is named as such, with XPM in the
//! message. A 2xx body that cannot be read is [`AdapterError::Transient`]
//! (a write may have happened; its answer is lost); one past the
//! decoder's [`Limits`] is [`AdapterError::Validation`] (raise them with
//! [`Calls::with_limits`]).
//!
//! # Example
//!
//! ```
//! use ledgerlink::ports::AdapterError;
//! use ledgerlink::wire::xpm::{self, API_BASE};
//! use ledgerlink::wire::{Method, Response};
//!
//! let calls = xpm::Calls::new("tenant-1");
//! let request = calls.list_changes(Some("2026-12-01T08:00:00Z"), None)?;
//! assert_eq!(request.method, Method::Get);
//! assert_eq!(
//!     request.url(API_BASE),
//!     "https://api.xero.com/practicemanager/3.1/client.api/list?detailed=true&modifiedsince=2026-12-01T08%3A00%3A00"
//! );
//! assert_eq!(request.header("xero-tenant-id"), Some("tenant-1"));
//!
//! let body = br#"<Response><Status>OK</Status><Clients><Client>
//!     <UUID>c1</UUID><Name>Acme Ltd</Name><IsArchived>Yes</IsArchived>
//!   </Client></Clients></Response>"#;
//! let answer = Response::new(200, body).with_header("Date", "Sun, 06 Dec 2026 10:00:00 GMT");
//! let page = calls.read_changes(Some("2026-12-01T08:00:00Z"), None, &answer)?;
//! assert_eq!(page.changed[0].display_name.as_deref(), Some("Acme Ltd"));
//! assert_eq!(page.next_page, None);
//! // The server's time when the listing began, less the overlap.
//! assert_eq!(page.cursor.as_deref(), Some("2026-12-06T09:59:00Z"));
//!
//! // An error inside an HTTP 200 answer.
//! let refused = Response::new(
//!     200,
//!     b"<Response><Status>ERROR</Status><ErrorDescription>Name is required</ErrorDescription></Response>",
//! );
//! assert!(matches!(calls.read_create(&refused), Err(AdapterError::Validation { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`ContactStore`]: crate::ports::ContactStore
//! [`ContactStore::list`]: crate::ports::ContactStore::list
//! [`ContactStore::list_changes`]: crate::ports::ContactStore::list_changes
//! [`ContactStore::create`]: crate::ports::ContactStore::create
//! [`ContactStore::update`]: crate::ports::ContactStore::update

mod answer;
mod update;

#[cfg(test)]
mod tests;

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::{Contact, ContactId, VersionToken};
use crate::ports::{AdapterError, ChangesPage, Page};
use crate::sync::FieldPatch;
use crate::wire::{Limits, Method, Profile, Request, Response, WireError};

use super::MAX_CONTACTS_PER_REQUEST;
use answer::{Answer, transient};

pub use update::Update;

/// XPM's API base: `request.url(API_BASE)` is the URL of a request.
pub const API_BASE: &str = "https://api.xero.com/practicemanager/3.1/";

/// How far before the server's time a change cursor is set, in seconds:
/// changes made in that window are listed twice rather than risk losing
/// one to the one-second granularity of `modifiedsince` or to the gateway's
/// clock running ahead of the database's.
pub const CHANGES_OVERLAP_SECS: u32 = 60;

/// `modifiedsince`, as XPM takes it (UTC).
const MODIFIED_SINCE_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// How a cursor is written (RFC 3339, UTC).
const CURSOR_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// The requests of one XPM connection and the readers of their answers
/// (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calls {
    tenant_id: String,
    overlap_secs: u32,
    limits: Limits,
}

impl Calls {
    /// The calls of the XPM practice `tenant_id` (Xero's tenant id of the
    /// connection, sent as `xero-tenant-id`).
    #[must_use]
    pub fn new(tenant_id: impl Into<String>) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            overlap_secs: CHANGES_OVERLAP_SECS,
            limits: Limits::for_provider(Profile::Xpm),
        }
    }

    /// With another overlap for change cursors (default
    /// [`CHANGES_OVERLAP_SECS`]).
    #[must_use]
    pub const fn with_changes_overlap_secs(mut self, secs: u32) -> Self {
        self.overlap_secs = secs;
        self
    }

    /// With other decoding limits (default
    /// [`Limits::for_provider`]`(Profile::Xpm)`).
    #[must_use]
    pub const fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The tenant id the requests carry.
    #[must_use]
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// A request with the headers every XPM call carries.
    fn request(&self, method: Method, path: impl Into<String>) -> Request {
        Request::new(method, path)
            .with_header("Accept", "application/xml")
            .with_header("xero-tenant-id", self.tenant_id.clone())
    }

    /// A write with its XML body.
    fn write(&self, method: Method, path: impl Into<String>, body: String) -> Request {
        self.request(method, path)
            .with_header("Content-Type", "application/xml")
            .with_body(body)
    }

    /// `GET client.api/get/[uuid]`.
    fn get_client(&self, id: &ContactId) -> Result<Request, AdapterError> {
        Ok(self.request(Method::Get, format!("client.api/get/{}", path_id(id)?)))
    }

    /// `GET client.api/contact/[uuid]`.
    fn get_contact(&self, id: &ContactId) -> Result<Request, AdapterError> {
        Ok(self.request(Method::Get, format!("client.api/contact/{}", path_id(id)?)))
    }

    /// The full listing: `GET client.api/list?detailed=true`, one page.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for a page token: the listing is one
    /// page and issues none.
    pub fn list(&self, page: Option<&str>) -> Result<Request, AdapterError> {
        no_page(page)?;
        Ok(self
            .request(Method::Get, "client.api/list")
            .with_query("detailed", "true"))
    }

    /// Reads the answer to [`list`](Self::list): every client, then their
    /// contacts as people; no next page.
    ///
    /// # Errors
    /// The answer's [`AdapterError`] (see [Answers](self#answers)), or
    /// [`AdapterError::Validation`] for a page token.
    pub fn read_list(&self, page: Option<&str>, answer: &Response) -> Result<Page, AdapterError> {
        no_page(page)?;
        let doc = Answer::read(answer, None, &self.limits)?;
        Ok(Page {
            contacts: doc.records(),
            next_page: None,
        })
    }

    /// The changes since `cursor` (`None`: every client): `GET
    /// client.api/list?detailed=true&modifiedsince=…`, one page.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for a cursor this codec did not make,
    /// or a page token.
    pub fn list_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<Request, AdapterError> {
        no_page(page)?;
        let since = cursor.map(parse_cursor).transpose()?;
        let mut r = self
            .request(Method::Get, "client.api/list")
            .with_query("detailed", "true");
        if let Some(since) = since {
            r = r.with_query(
                "modifiedsince",
                since.format(MODIFIED_SINCE_FORMAT).to_string(),
            );
        }
        Ok(r)
    }

    /// Reads the answer to [`list_changes`](Self::list_changes): the
    /// clients changed (archived and deleted ones included) and their
    /// contacts, no deletions, and the cursor for next time: the answer's
    /// `Date` less the overlap.
    ///
    /// # Errors
    /// The answer's [`AdapterError`]; [`AdapterError::Unsupported`] when
    /// the answer has no readable `Date` header;
    /// [`AdapterError::Validation`] for a cursor this codec did not make,
    /// or a page token.
    pub fn read_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
        answer: &Response,
    ) -> Result<ChangesPage, AdapterError> {
        no_page(page)?;
        if let Some(c) = cursor {
            parse_cursor(c)?;
        }
        let doc = Answer::read(answer, None, &self.limits)?;
        let began = answer.date().ok_or_else(|| AdapterError::Unsupported {
            what: "XPM change listings without the answer's `Date` header (the cursor is \
                   the server's time, never the client's)"
                .into(),
        })?;
        let next = began - TimeDelta::seconds(i64::from(self.overlap_secs));
        Ok(ChangesPage {
            changed: doc.records(),
            deleted: Vec::new(),
            next_page: None,
            cursor: Some(next.format(CURSOR_FORMAT).to_string()),
        })
    }

    /// Creates `contact`: a client (`POST client.api/add`) when it has no
    /// `organization_ids`, a contact of that client (`POST
    /// client.api/contact`) when it has one. XPM takes no idempotency key:
    /// `idempotency_key` is not sent (the adapter remembers it, see
    /// [Writes](self#writes)).
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when the encoder refuses the record (no
    /// name, a character XML cannot carry, a client UUID that cannot be a
    /// path) or it names several organisations: nothing was sent.
    pub fn create(
        &self,
        contact: &Contact,
        idempotency_key: &str,
    ) -> Result<Request, AdapterError> {
        let _ = idempotency_key;
        match contact.organization_ids.as_slice() {
            [] => Ok(self.write(
                Method::Post,
                "client.api/add",
                super::encode_client_add(contact).map_err(WireError::into_refusal)?,
            )),
            [client] => Ok(self.write(
                Method::Post,
                "client.api/contact",
                super::encode_contact_add(client, contact).map_err(WireError::into_refusal)?,
            )),
            _ => Err(AdapterError::Validation {
                code: None,
                message: "Xero Practice Manager creates a contact under one client: create it \
                          under one, then link it to the others (Calls::link_contacts)"
                    .into(),
            }),
        }
    }

    /// Reads the answer to [`create`](Self::create): the client as stored
    /// (its contacts are not returned), or the contact as stored — without
    /// `organization_ids`, as XPM's answer does not name the client.
    ///
    /// # Errors
    /// The answer's [`AdapterError`]; [`AdapterError::Transient`] when an
    /// `OK` answer holds no record (the create may have happened).
    pub fn read_create(&self, answer: &Response) -> Result<Contact, AdapterError> {
        let doc = Answer::read(answer, None, &self.limits)?;
        doc.first()
            .ok_or_else(|| transient("an OK answer to a create without the record created"))
    }

    /// The update of `id` with `patch`, as a short sequence of requests
    /// (see [Writes](self#writes) for when it reads the record first).
    /// `expected_version` is not sent: XPM has no version token.
    ///
    /// ```
    /// use ledgerlink::Profile;
    /// use ledgerlink::model::ContactId;
    /// use ledgerlink::sync::{FieldChange, FieldPatch, FieldValue, SyncField};
    /// use ledgerlink::wire::xpm::Calls;
    /// use ledgerlink::wire::{Method, Response};
    ///
    /// let calls = Calls::new("tenant-1");
    /// let patch = FieldPatch {
    ///     profile: Profile::Xpm,
    ///     changes: vec![FieldChange {
    ///         field: SyncField::FaxPhone,
    ///         old: None,
    ///         new: Some(FieldValue::Text("04 555 0199".into())),
    ///     }],
    /// };
    /// let mut update = calls.update(&ContactId::new("c1"), &patch, None)?;
    /// let mut sent = Vec::new();
    /// while let Some(request) = update.next_request()? {
    ///     sent.push((request.method, request.path.clone()));
    ///     // The adapter sends `request` and hands the answer back.
    ///     let answer: &[u8] = if request.method == Method::Get {
    ///         b"<Response><Status>OK</Status><Client><UUID>c1</UUID><Name>Acme</Name></Client></Response>"
    ///     } else {
    ///         b"<Response><Status>OK</Status><Client><UUID>c1</UUID><Name>Acme</Name><Fax>04 555 0199</Fax></Client></Response>"
    ///     };
    ///     update.read(&Response::new(200, answer))?;
    /// }
    /// let stored = update.finish()?;
    /// assert_eq!(sent, [
    ///     (Method::Get, "client.api/get/c1".to_owned()),
    ///     (Method::Put, "client.api/update".to_owned()),
    /// ]);
    /// assert_eq!(stored.phones[0].number, "04 555 0199");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when no XPM record could take the patch
    /// (a field neither a client nor a contact has, a patch for another
    /// profile, a name removed, an id that cannot be a path): nothing is
    /// sent.
    pub fn update(
        &self,
        id: &ContactId,
        patch: &FieldPatch,
        expected_version: Option<&VersionToken>,
    ) -> Result<Update, AdapterError> {
        let _ = expected_version;
        Update::new(self.clone(), id, patch)
    }

    /// The update of `current` (the record as last read) with `patch`, in
    /// one request: `PUT client.api/contact/[uuid]` when `current` has
    /// `organization_ids` (a client's contact), `PUT client.api/update`
    /// otherwise, naming it by its current name unless the patch renames
    /// it. Read the answer with [`read_update`](Self::read_update).
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when the encoder refuses the patch: nothing
    /// was sent.
    pub fn update_known(
        &self,
        current: &Contact,
        patch: &FieldPatch,
    ) -> Result<Request, AdapterError> {
        let name = current.label();
        let name = (!name.trim().is_empty()).then_some(name.as_str());
        if current.organization_ids.is_empty() {
            self.put_client(&current.id, name, patch)
        } else {
            self.put_contact(&current.id, name, patch)
        }
    }

    /// `PUT client.api/update`.
    fn put_client(
        &self,
        id: &ContactId,
        name: Option<&str>,
        patch: &FieldPatch,
    ) -> Result<Request, AdapterError> {
        let body = super::encode_client_update(id, name, patch).map_err(WireError::into_refusal)?;
        Ok(self.write(Method::Put, "client.api/update", body))
    }

    /// `PUT client.api/contact/[uuid]`.
    fn put_contact(
        &self,
        id: &ContactId,
        name: Option<&str>,
        patch: &FieldPatch,
    ) -> Result<Request, AdapterError> {
        let body = super::encode_client_contact_update(id, name, patch)
            .map_err(WireError::into_refusal)?;
        Ok(self.write(
            Method::Put,
            format!("client.api/contact/{}", path_id(id)?),
            body,
        ))
    }

    /// Reads the answer to an update ([`update_known`](Self::update_known),
    /// or the last request of an [`Update`]): the record `id` as stored. A
    /// contact comes back without `organization_ids` (XPM's answer does not
    /// name its clients).
    ///
    /// # Errors
    /// The answer's [`AdapterError`]; [`AdapterError::Transient`] when an
    /// `OK` answer holds no record.
    pub fn read_update(&self, id: &ContactId, answer: &Response) -> Result<Contact, AdapterError> {
        Answer::read(answer, None, &self.limits)?
            .record(id)
            .ok_or_else(|| transient("an OK answer to an update without the record"))
    }

    /// Links up to [`MAX_CONTACTS_PER_REQUEST`] contacts that exist already
    /// to `client` (`POST client.api/client/[uuid]/contacts`): the batch
    /// call of XPM's contacts, for a person under several clients.
    ///
    /// # Errors
    /// [`AdapterError::Validation`]: none or too many contacts, an id that
    /// cannot be a path; nothing was sent.
    pub fn link_contacts(
        &self,
        client: &ContactId,
        contacts: &[ContactId],
    ) -> Result<Request, AdapterError> {
        let body = super::encode_client_contacts_link(client, contacts)
            .map_err(WireError::into_refusal)?;
        Ok(self.write(
            Method::Post,
            format!("client.api/client/{}/contacts", path_id(client)?),
            body,
        ))
    }

    /// Reads the answer to [`link_contacts`](Self::link_contacts): one
    /// result per contact sent, in that order — its id when linked. XPM
    /// answers the client with the contacts linked; a contact sent but not
    /// in that list is [`AdapterError::Validation`]. A bare `OK` (no client
    /// in the answer) links every one.
    ///
    /// # Errors
    /// The answer's [`AdapterError`] when the whole call failed.
    pub fn read_link_contacts(
        &self,
        client: &ContactId,
        contacts: &[ContactId],
        answer: &Response,
    ) -> Result<Vec<Result<ContactId, AdapterError>>, AdapterError> {
        if contacts.len() > MAX_CONTACTS_PER_REQUEST {
            return Err((WireError::Invalid {
                provider: Profile::Xpm,
                field: "Contacts".into(),
                detail: format!("more than {MAX_CONTACTS_PER_REQUEST} contacts"),
            })
            .into_refusal());
        }
        let doc = Answer::read(answer, Some(client), &self.limits)?;
        let answered = doc.has_client();
        let linked = doc.people_ids();
        Ok(contacts
            .iter()
            .map(|id| {
                if !answered || linked.contains(id) {
                    Ok(id.clone())
                } else {
                    Err(AdapterError::Validation {
                        code: None,
                        message: format!(
                            "Xero Practice Manager did not list contact `{id}` under client \
                             `{client}` after linking it"
                        ),
                    })
                }
            })
            .collect())
    }
}

/// An id as a path segment: refused unless letters, digits and hyphens
/// (XPM's UUIDs; numeric ids of older accounts).
fn path_id(id: &ContactId) -> Result<&str, AdapterError> {
    let s = id.as_str();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(s)
    } else {
        Err((WireError::Invalid {
            provider: Profile::Xpm,
            field: "UUID".into(),
            detail: "a UUID holds only ASCII letters, digits and hyphens".into(),
        })
        .into_refusal())
    }
}

/// XPM's listing is one page: a page token given back was not made here.
fn no_page(page: Option<&str>) -> Result<(), AdapterError> {
    match page {
        None => Ok(()),
        Some(token) => Err(AdapterError::Validation {
            code: None,
            message: format!(
                "not an XPM page token: `{}` (XPM's client list is one page and issues none)",
                shown(token)
            ),
        }),
    }
}

/// Reads a cursor made by [`Calls::read_changes`].
fn parse_cursor(cursor: &str) -> Result<DateTime<Utc>, AdapterError> {
    DateTime::parse_from_rfc3339(cursor.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| AdapterError::Validation {
            code: None,
            message: format!(
                "not an XPM change cursor: `{}` (expected a time such as 2026-12-06T09:59:00Z)",
                shown(cursor)
            ),
        })
}

/// At most 60 printable characters of a value given back, for messages.
fn shown(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).take(60).collect()
}
