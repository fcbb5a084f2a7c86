//! The call codec of the Xero Accounting API: for every port method, the
//! request to send and the reader of its answer. An adapter is a loop
//! around these: it sends each [`Request`] with its HTTP client (adding
//! `Authorization: Bearer <access token>` itself: the codec never sees a
//! secret), and hands the status, headers and body back as a
//! [`Response`].
//!
//! | port method | request builder | response reader |
//! |---|---|---|
//! | [`ContactStore::list`] | [`Calls::list`] | [`Calls::read_list`] |
//! | [`ContactStore::list_changes`] | [`Calls::list_changes`] | [`Calls::read_changes`] |
//! | [`ContactStore::create`] | [`Calls::create`] | [`Calls::read_create`] |
//! | [`ContactStore::update`] | [`Calls::update`] | [`Calls::read_update`] |
//! | many [`ContactStore::create`]s in one call | [`Calls::create_batch`] | [`Calls::read_create_batch`] |
//! | [`InvoiceStore::ledger_facts`] | [`Calls::ledger_facts`], then [`LedgerFactsCalls::next_request`] | [`LedgerFactsCalls::read`], [`LedgerFactsCalls::finish`] |
//! | [`InvoiceStore::create_invoice`] | [`Calls::create_invoice`] | [`Calls::read_create_invoice`] |
//! | [`PaymentStore::list_payments`] | [`Calls::list_payments`] | [`Calls::read_list_payments`] |
//! | [`PaymentStore::create_payment`] | [`Calls::create_payment`] | [`Calls::read_create_payment`] |
//!
//! # The requests
//!
//! Paths are below [`API_BASE`] (`request.url(API_BASE)` is the full URL).
//!
//! | builder | request |
//! |---|---|
//! | `list` | `GET Contacts?page=N&pageSize=1000&includeArchived=true&order=ContactID ASC` |
//! | `list_changes` | the same, with `If-Modified-Since` from the cursor |
//! | `create` | `PUT Contacts` with `Idempotency-Key` |
//! | `create_batch` | `PUT Contacts?summarizeErrors=false` with one `Idempotency-Key` for the batch |
//! | `update` | `POST Contacts/{ContactID}` |
//! | `ledger_facts` | `GET Organisation`, then `GET Invoices?page=N&pageSize=1000&summaryOnly=true&where=Type=="ACCREC"&order=InvoiceID ASC`, then `GET Contacts?page=N&pageSize=1000&includeArchived=true&order=ContactID ASC` |
//! | `create_invoice` | `PUT Invoices` with `Idempotency-Key` |
//! | `list_payments` | `GET Payments?page=N&pageSize=1000&where=PaymentType=="ACCRECPAYMENT"&order=PaymentID ASC` |
//! | `create_payment` | `PUT Payments` with `Idempotency-Key` |
//!
//! Headers, on every request: `Accept: application/json` (without it
//! Xero answers in XML, which the readers refuse) and `xero-tenant-id`
//! (the organisation, from the connection: [`Calls::new`]). With a body:
//! `Content-Type: application/json`. On creates: `Idempotency-Key` (Xero
//! answers a key it has seen with the first answer instead of creating
//! again). On change listings: `If-Modified-Since`.
//!
//! # Listings
//!
//! Every contacts listing asks for archived contacts too
//! (`includeArchived=true`: an archived contact is how a removal shows,
//! U3) and Xero's largest page, [`MAX_PAGE_SIZE`]. They are ordered by
//! `ContactID` (an ordering Xero serves efficiently), not by the default
//! `UpdatedDateUTC`: a contact changed while the pages are read then stays
//! in its place instead of moving to the end, which would move every
//! contact after it one place back and hide one from the next page — a
//! full listing would take it for deleted. A contact created between two
//! pages (or, in a change listing, one changed for the first time since
//! the cursor) moves those after it one place on instead; the first
//! contacts of the next page may then repeat the last ones read, and the
//! page token carries the last ten ids listed so that these repeats are
//! dropped (with more than ten such writes between two pages, one may
//! still repeat).
//!
//! The next page is decided by the answer's `pagination` (`page <
//! pageCount`); an answer without one is followed by another page when it
//! holds exactly [`MAX_PAGE_SIZE`] records.
//!
//! Page tokens are opaque: `<page>[;s=<ms>][;f=<ms>][;b=<ids>]`. A bare page
//! number (`"2"`) is also read. A token or cursor this codec did not make
//! is refused as [`AdapterError::Validation`].
//!
//! # The change feed
//!
//! [`Calls::list_changes`] sends `If-Modified-Since` (an HTTP date) from
//! the cursor, and lists like the full listing. Xero contacts are
//! archived, never deleted: `deleted` stays empty, and an archived or
//! merged contact (`MergedToContactID`, kept in `extras.merged_into`)
//! comes as a change. The cursor handed back on the last page is the
//! server's time **when the listing began**, minus
//! [`CHANGES_OVERLAP_SECS`]: the first answer's `DateTimeUTC` (the time in
//! Xero's JSON envelope, from the clock that sets `UpdatedDateUTC`), else
//! its `Date` header; without either, the latest `UpdatedDateUTC` of the
//! first page (a time the server had reached when the listing began); on
//! an empty first page without either, the cursor given (or the Unix
//! epoch for a first listing). It is carried to later pages in the page
//! token. The overlap absorbs `If-Modified-Since`'s whole seconds and a
//! difference of up to that many seconds between the clocks behind `Date`
//! and `UpdatedDateUTC`; it makes contacts changed in those seconds repeat
//! in the next listing, which the planner takes as no change. Cursors are
//! RFC 3339 times (`2026-12-06T09:59:55Z`). A `304 Not Modified` answer is
//! an empty last page.
//!
//! Why nothing is lost: a contact changed before the listing began has a
//! place in the `ContactID` order that no change moves, so it is on one
//! of the pages read; a contact changed after the listing began has an
//! `UpdatedDateUTC` after the cursor handed back, so the next listing
//! lists it.
//!
//! # Answers
//!
//! Every reader maps a failure with the Xero error decoder
//! ([`decode_error_detail`](super::decode_error_detail)): 401 →
//! [`AdapterError::AccessTokenExpired`], 403 →
//! [`AdapterError::Authentication`], 404 → [`AdapterError::NotFound`],
//! 429 → [`AdapterError::RateLimited`] with `Retry-After` (in seconds, or
//! as a date measured from the answer's `Date`), else Xero's
//! [`RATE_LIMIT_WINDOW_SECS`](super::RATE_LIMIT_WINDOW_SECS), 408 and 5xx
//! → [`AdapterError::Transient`], a 400 duplicate name →
//! [`AdapterError::DuplicateName`], another refusal →
//! [`AdapterError::Validation`]. A 2xx answer whose body cannot be read
//! (an XML answer included) is [`AdapterError::Transient`]: a write may
//! have happened, its answer is lost. A 2xx answer that holds a Xero error
//! body is that error. A builder whose input an encoder refuses answers
//! [`AdapterError::Validation`] with the encoder's message: nothing is
//! to be sent.
//!
//! # Example
//!
//! ```
//! use ledgerlink::wire::{Method, Response};
//! use ledgerlink::wire::xero::{API_BASE, Calls};
//!
//! let calls = Calls::new("b2c885a9-4bb9-4a00-9b6e-6c2bf60b1a2b");
//! let request = calls.list(None)?;
//! assert_eq!(request.method, Method::Get);
//! assert_eq!(
//!     request.url(API_BASE),
//!     "https://api.xero.com/api.xro/2.0/Contacts?page=1&pageSize=1000&includeArchived=true&order=ContactID%20ASC"
//! );
//! assert_eq!(request.header("Accept"), Some("application/json"));
//!
//! // What the HTTP client received:
//! let body = br#"{"Id":"04e93d48-e72f-4775-b7dd-15a041fab972","Status":"OK",
//!   "DateTimeUTC":"/Date(1551399323399)/",
//!   "pagination":{"page":1,"pageSize":1000,"pageCount":2,"itemCount":1001},
//!   "Contacts":[{"ContactID":"5cc8cf28-567e-4d43-b287-687cfcaec47c","ContactStatus":"ARCHIVED",
//!     "Name":"Katherine Warren","UpdatedDateUTC":"/Date(1503348544227+0000)/"}]}"#;
//! let answer = Response::new(200, body).with_header("Content-Type", "application/json");
//! let page = calls.read_list(None, &answer)?;
//! assert_eq!(page.contacts[0].display_name.as_deref(), Some("Katherine Warren"));
//! let next = page.next_page.expect("pageCount says a second page follows");
//! assert_eq!(calls.list(Some(&next))?.query_value("page"), Some("2"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`ContactStore::list`]: crate::ports::ContactStore::list
//! [`ContactStore::list_changes`]: crate::ports::ContactStore::list_changes
//! [`ContactStore::create`]: crate::ports::ContactStore::create
//! [`ContactStore::update`]: crate::ports::ContactStore::update
//! [`InvoiceStore::ledger_facts`]: crate::ports::InvoiceStore::ledger_facts
//! [`InvoiceStore::create_invoice`]: crate::ports::InvoiceStore::create_invoice
//! [`PaymentStore::list_payments`]: crate::ports::PaymentStore::list_payments
//! [`PaymentStore::create_payment`]: crate::ports::PaymentStore::create_payment

use crate::model::{Contact, ContactId, VersionToken};
use crate::ports::{AdapterError, ChangesPage, Page};
use crate::sync::FieldPatch;
use crate::wire::{
    Method, Payload, Request, Response, WireError, format_http_date, percent_encode,
};

use super::{DecodeOptions, check_idempotency_key, decode_contacts_with_limits};

mod batch;
mod billing;
mod paging;
#[cfg(test)]
mod tests;

pub use batch::batch_idempotency_key;
pub use billing::{LedgerFactsCalls, MAX_FACT_PAGES};

use paging::{Envelope, Token};

/// The Xero Accounting API's base: `request.url(API_BASE)` is the full URL
/// of a request.
pub const API_BASE: &str = "https://api.xero.com/api.xro/2.0";

/// Records asked for per page (`pageSize`): Xero's largest. Xero raised it
/// from 100 to 1000 for every paged Accounting endpoint on 1 July 2024
/// (Xero's developer notice quoted in calcinai/xero-php issue 915; the
/// OpenAPI file documents `pageSize` without a maximum).
pub const MAX_PAGE_SIZE: usize = 1000;

/// Most contacts in one [`Calls::create_batch`]. Xero sets no count (a
/// request may hold up to [`MAX_REQUEST_BYTES`]) but asks for batches of
/// at most 50 elements so that the answer comes in time
/// (developer.xero.com/documentation/auth-and-limits/xero-api-limits).
pub const MAX_BATCH_CONTACTS: usize = 50;

/// Largest request body Xero accepts on the Accounting API (3.5 MB, same
/// source as [`MAX_BATCH_CONTACTS`]), counted in bytes.
pub const MAX_REQUEST_BYTES: usize = 3_500_000;

/// Seconds taken off the server's time when a change listing began to
/// make the next cursor (see the module docs: `If-Modified-Since` is
/// whole seconds, and `Date` and `UpdatedDateUTC` may come from clocks a
/// little apart). Contacts changed in those seconds are listed again.
pub const CHANGES_OVERLAP_SECS: i64 = 5;

/// The page size as a query value.
const PAGE_SIZE_TEXT: &str = "1000";

/// The order of every contacts listing (see the module docs); `ContactID`
/// is one of the orders Xero serves efficiently (Xero's list of optimised
/// orders, as the CData Xero connector's documentation quotes it).
const CONTACT_ORDER: &str = "ContactID ASC";

/// The requests and answer readers of one Xero organisation (a tenant of
/// the connection).
///
/// Holds the tenant id (the `xero-tenant-id` header), the account code
/// payments are recorded into ([`with_payment_account`](Self::with_payment_account),
/// needed by [`create_payment`](Self::create_payment) only) and the
/// [`DecodeOptions`] the readers use (base currency, tax rates, limits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calls {
    tenant_id: String,
    payment_account: Option<String>,
    options: DecodeOptions,
}

impl Calls {
    /// The calls of the organisation `tenant_id` (from Xero's
    /// `connections` endpoint), with default [`DecodeOptions`] and no
    /// payment account.
    #[must_use]
    pub fn new(tenant_id: impl Into<String>) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            payment_account: None,
            options: DecodeOptions::default(),
        }
    }

    /// Payments are recorded into the account with this code (a bank
    /// account of the organisation's chart, `Account.Code`).
    #[must_use]
    pub fn with_payment_account(mut self, code: impl Into<String>) -> Self {
        self.payment_account = Some(code.into());
        self
    }

    /// The readers use these options (set the base currency from the
    /// organisation: payments without a currency are in it).
    #[must_use]
    pub fn with_decode_options(mut self, options: DecodeOptions) -> Self {
        self.options = options;
        self
    }

    /// The tenant id sent as `xero-tenant-id`.
    #[must_use]
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The payment account code, when set.
    #[must_use]
    pub fn payment_account(&self) -> Option<&str> {
        self.payment_account.as_deref()
    }

    /// The options the readers use.
    #[must_use]
    pub const fn decode_options(&self) -> &DecodeOptions {
        &self.options
    }

    /// A request with the headers every call carries.
    fn request(&self, method: Method, path: impl Into<String>) -> Result<Request, AdapterError> {
        let t = &self.tenant_id;
        if t.is_empty()
            || t.starts_with(' ')
            || t.ends_with(' ')
            || !t.bytes().all(|b| (0x20..0x7f).contains(&b))
        {
            return Err(validation(
                "Xero: the tenant id must be printable ASCII (the `xero-tenant-id` of the connection)",
            ));
        }
        Ok(Request::new(method, path)
            .with_header("Accept", "application/json")
            .with_header("xero-tenant-id", t.as_str()))
    }

    /// A request with a JSON body.
    fn with_json(
        &self,
        method: Method,
        path: impl Into<String>,
        body: String,
    ) -> Result<Request, AdapterError> {
        Ok(self
            .request(method, path)?
            .with_header("Content-Type", "application/json")
            .with_body(body))
    }

    /// A contacts listing request for page `token` (full or changes).
    fn contacts_request(&self, token: &Token) -> Result<Request, AdapterError> {
        Ok(self
            .request(Method::Get, "Contacts")?
            .with_query("page", token.page.to_string())
            .with_query("pageSize", PAGE_SIZE_TEXT)
            .with_query("includeArchived", "true")
            .with_query("order", CONTACT_ORDER))
    }

    /// One page of the full contacts listing, archived contacts included:
    /// `GET Contacts?page=N&pageSize=1000&includeArchived=true&order=ContactID ASC`.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for a page token this codec did not
    /// make, or an unusable tenant id.
    pub fn list(&self, page: Option<&str>) -> Result<Request, AdapterError> {
        self.contacts_request(&Token::parse(page, false)?)
    }

    /// Reads the answer to [`list`](Self::list)`(page)`: the contacts
    /// (contact persons are not records of their own here), and the next
    /// page's token while there is one.
    ///
    /// # Errors
    /// The mapped error of a failed answer (see the module docs);
    /// [`AdapterError::Transient`] for a 2xx body that cannot be read;
    /// [`AdapterError::Validation`] for a page token this codec did not
    /// make.
    pub fn read_list(
        &self,
        page: Option<&str>,
        answer: &Response<'_>,
    ) -> Result<Page, AdapterError> {
        let token = Token::parse(page, false)?;
        let read = self.contacts_page(answer, &token)?;
        Ok(Page {
            contacts: read.contacts,
            next_page: read.next.map(|t| t.encode()),
        })
    }

    /// One page of the contacts changed since `cursor` (`None`: all of
    /// them), archived ones included: the full listing's request with
    /// `If-Modified-Since` from the cursor.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for a cursor or page token this codec
    /// did not make.
    pub fn list_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<Request, AdapterError> {
        let since = paging::parse_cursor(cursor)?;
        let mut request = self.contacts_request(&Token::parse(page, true)?)?;
        if let Some(since) = since {
            request = request.with_header("If-Modified-Since", format_http_date(since));
        }
        Ok(request)
    }

    /// Reads the answer to [`list_changes`](Self::list_changes)`(cursor,
    /// page)`: the contacts changed, no deletions (Xero archives), the
    /// next page's token, and on the last page the cursor of the next
    /// listing (see the module docs).
    ///
    /// # Errors
    /// As [`read_list`](Self::read_list); [`AdapterError::Validation`] for
    /// a cursor this codec did not make.
    pub fn read_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
        answer: &Response<'_>,
    ) -> Result<ChangesPage, AdapterError> {
        let since = paging::parse_cursor(cursor)?;
        let token = Token::parse(page, true)?;
        let read = if answer.status == 304 {
            ContactsRead {
                contacts: Vec::new(),
                next: None,
                envelope: Envelope::default(),
            }
        } else {
            self.contacts_page(answer, &token)?
        };
        let first = token.page == 1;
        let started = if first {
            read.envelope
                .server_time
                .or_else(|| answer.date())
                .map(|t| t.timestamp_millis())
        } else {
            token.started
        };
        let first_latest = if first {
            read.contacts
                .iter()
                .filter_map(|c| c.extras.updated_at)
                .max()
                .map(|t| t.timestamp_millis())
        } else {
            token.first_latest
        };
        let (next_page, cursor) = match read.next {
            Some(mut next) => {
                next.started = started;
                next.first_latest = if started.is_some() {
                    None
                } else {
                    first_latest
                };
                (Some(next.encode()), None)
            }
            None => {
                let began = started
                    .or(first_latest)
                    .and_then(paging::from_millis)
                    .map(paging::cursor_at);
                let cursor = began
                    .or_else(|| since.map(paging::format_cursor))
                    .unwrap_or_else(|| paging::format_cursor(chrono::DateTime::UNIX_EPOCH));
                (None, Some(cursor))
            }
        };
        Ok(ChangesPage {
            changed: read.contacts,
            deleted: Vec::new(),
            next_page,
            cursor,
        })
    }

    /// Reads a contacts page asked with `token`: the records without the
    /// repeats of the previous page's end, and the next token.
    fn contacts_page(
        &self,
        answer: &Response<'_>,
        token: &Token,
    ) -> Result<ContactsRead, AdapterError> {
        let body = success_body(answer, None)?;
        let page = decode_contacts_with_limits(body, None, &self.options.limits)
            .map_err(|e| unreadable(body, &e))?;
        let envelope = Envelope::of(body);
        let next = envelope
            .more(page.records.len(), MAX_PAGE_SIZE)
            .then(|| token.next(page.records.iter().map(|c| c.id.as_str())));
        let mut contacts = page.records;
        if !token.boundary.is_empty() {
            contacts.retain(|c| !token.boundary.iter().any(|b| b == c.id.as_str()));
        }
        Ok(ContactsRead {
            contacts,
            next,
            envelope,
        })
    }

    /// Creates `contact`: `PUT Contacts` with `Idempotency-Key`, the body
    /// of [`encode_contact_create`](super::encode_contact_create).
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when the encoder refuses the contact or
    /// the key (nothing is to be sent).
    pub fn create(
        &self,
        contact: &Contact,
        idempotency_key: &str,
    ) -> Result<Request, AdapterError> {
        check_idempotency_key(idempotency_key).map_err(WireError::into_refusal)?;
        let body = super::encode_contact_create(contact).map_err(WireError::into_refusal)?;
        Ok(with_key(
            self.with_json(Method::Put, "Contacts", body)?,
            idempotency_key,
        ))
    }

    /// Reads the answer to [`create`](Self::create): the contact as Xero
    /// stored it (the first of `Contacts`, with its new `ContactID` and
    /// `UpdatedDateUTC`).
    ///
    /// # Errors
    /// As [`read_list`](Self::read_list): a name in use is
    /// [`AdapterError::DuplicateName`]; an answer without a contact is
    /// [`AdapterError::Transient`].
    pub fn read_create(&self, answer: &Response<'_>) -> Result<Contact, AdapterError> {
        self.one_contact(answer, None)
    }

    /// Writes `patch` to contact `id`: `POST Contacts/{ContactID}` with
    /// the body of [`encode_contact_update`](super::encode_contact_update).
    /// `expected_version` is not sent: Xero has no conditional update (see
    /// the ports' contracts), and no read comes first.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when the encoder refuses the patch or
    /// the id.
    pub fn update(
        &self,
        id: &ContactId,
        patch: &FieldPatch,
        expected_version: Option<&VersionToken>,
    ) -> Result<Request, AdapterError> {
        // Reported by Xero, never checked by it: nothing to send.
        let _ = expected_version;
        let body = super::encode_contact_update(id, patch).map_err(WireError::into_refusal)?;
        self.with_json(
            Method::Post,
            format!("Contacts/{}", percent_encode(id.as_str())),
            body,
        )
    }

    /// Reads the answer to [`update`](Self::update)`(id, …)`: the contact
    /// as stored.
    ///
    /// # Errors
    /// As [`read_create`](Self::read_create); a 404 is
    /// [`AdapterError::NotFound`] with `id`.
    pub fn read_update(
        &self,
        id: &ContactId,
        answer: &Response<'_>,
    ) -> Result<Contact, AdapterError> {
        self.one_contact(answer, Some(id.as_str()))
    }

    /// The first contact of a write's answer.
    fn one_contact(
        &self,
        answer: &Response<'_>,
        id: Option<&str>,
    ) -> Result<Contact, AdapterError> {
        let body = success_body(answer, id)?;
        let page = decode_contacts_with_limits(body, None, &self.options.limits)
            .map_err(|e| unreadable(body, &e))?;
        stored(page.records.into_iter().next())
    }
}

/// A contact a write answered, with the id Xero gave it (an element Xero
/// did not create carries none, or the nil UUID).
pub(super) fn stored(contact: Option<Contact>) -> Result<Contact, AdapterError> {
    match contact {
        Some(c) if !c.id.as_str().trim().is_empty() && c.id.as_str() != NIL_ID => Ok(c),
        Some(_) => Err(AdapterError::Transient {
            message: "Xero: the contact written came back without a ContactID".into(),
        }),
        None => Err(AdapterError::Transient {
            message: "Xero: the answer to a contact write holds no contact".into(),
        }),
    }
}

/// The id Xero gives an element it did not create.
pub(super) const NIL_ID: &str = "00000000-0000-0000-0000-000000000000";

/// A contacts page as read.
struct ContactsRead {
    contacts: Vec<Contact>,
    next: Option<Token>,
    envelope: Envelope,
}

/// `AdapterError::Validation` without a code.
pub(super) fn validation(message: impl Into<String>) -> AdapterError {
    AdapterError::Validation {
        code: None,
        message: message.into(),
    }
}

/// Adds the `Idempotency-Key` header and field.
pub(super) fn with_key(request: Request, key: &str) -> Request {
    let mut r = request.with_header("Idempotency-Key", key);
    r.idempotency_key = Some(key.to_owned());
    r
}

/// The body of a 2xx JSON answer, or the error the answer stands for.
/// `id` names the record a 404 is about.
pub(super) fn success_body<'a>(
    answer: &Response<'a>,
    id: Option<&str>,
) -> Result<&'a [u8], AdapterError> {
    if !answer.is_success() {
        return Err(super::decode_error_detail(
            answer.status,
            answer.body,
            answer.retry_after_secs(),
            id,
        )
        .error);
    }
    if is_xml(answer) {
        return Err(AdapterError::Transient {
            message: "Xero answered in XML, which this codec does not read: send the request's `Accept: application/json` header".into(),
        });
    }
    Ok(answer.body)
}

/// Whether an answer is XML (by its `Content-Type`, or its first
/// character).
fn is_xml(answer: &Response<'_>) -> bool {
    if answer
        .header("Content-Type")
        .is_some_and(|t| t.to_ascii_lowercase().contains("xml"))
    {
        return true;
    }
    let body = answer
        .body
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(answer.body);
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// A 2xx body that could not be read: the Xero error it holds (an error
/// body sent with a 2xx status), else [`AdapterError::Transient`].
pub(super) fn unreadable(body: &[u8], e: &WireError) -> AdapterError {
    if let Some(Ok(Payload::Error { error, .. })) = super::decode_any(body) {
        return error;
    }
    AdapterError::Transient {
        message: e.to_string(),
    }
}
