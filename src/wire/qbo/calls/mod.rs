//! The QuickBooks Online calls of every port method: a request builder
//! that takes what the port method receives and returns the
//! [`Request`] to send, and a response reader that takes the
//! [`Response`] and returns the port method's answer or the right
//! [`AdapterError`]. An adapter is a loop around these: it sends the
//! request with its HTTP client, adding only `Authorization: Bearer
//! <access token>` (the codec never sees a secret), and hands the answer
//! back.
//!
//! | port method | request builder | response reader |
//! |---|---|---|
//! | [`ContactStore::list`] | [`Calls::list`] | [`Calls::read_list`] |
//! | [`ContactStore::list_changes`] | [`Calls::list_changes`] | [`Calls::read_changes`] |
//! | [`ContactStore::create`] | [`Calls::create`] | [`Calls::read_create`] |
//! | [`ContactStore::update`] | [`Calls::update`] | [`Calls::read_update`] |
//! | many [`ContactStore::create`]s in one call | [`Calls::create_batch`] | [`Calls::read_create_batch`] |
//! | [`InvoiceStore::ledger_facts`] | [`Calls::ledger_facts`] → [`LedgerFactsCalls::next_request`] | [`LedgerFactsCalls::read`], then [`LedgerFactsCalls::finish`] |
//! | [`InvoiceStore::create_invoice`] | [`Calls::create_invoice`] | [`Calls::read_create_invoice`] |
//! | [`PaymentStore::list_payments`] | [`Calls::list_payments`] | [`Calls::read_list_payments`] |
//! | [`PaymentStore::create_payment`] | [`Calls::create_payment`] | [`Calls::read_create_payment`] |
//!
//! # Requests
//!
//! Every path is below `v3/company/{realmId}/` of [`PRODUCTION_BASE`] or
//! [`SANDBOX_BASE`] (`request.url(PRODUCTION_BASE)` is the whole URL).
//! Every request carries `Accept: application/json` (QBO answers XML
//! otherwise) and the `minorversion` query parameter
//! ([`DEFAULT_MINOR_VERSION`], see [`Calls::with_minor_version`]); a
//! request with a body carries `Content-Type: application/json`. Listings
//! are `GET query?query=…` with the largest page QBO returns
//! ([`MAX_QUERY_RESULTS`]), ordered by `Id`, customers active and inactive
//! alike (QBO leaves inactive customers out unless asked: a full listing
//! must include them). Creates carry QBO's idempotency key, the
//! `requestid` query parameter ([`request_id`] of the caller's key, also
//! in [`Request::idempotency_key`]): sent again, QBO answers the first
//! call's record instead of creating another.
//!
//! # Answers
//!
//! Readers take JSON and XML alike. Failures go through the QBO fault
//! mapping of [`decode_error_in`] (see the [module docs](super#errors)):
//! HTTP 401 → [`AdapterError::AccessTokenExpired`] (refresh the token,
//! retry once), 403 → [`AdapterError::Authentication`], 429 →
//! [`AdapterError::RateLimited`] with `Retry-After` (in seconds or as a
//! date measured from the answer's `Date`), else QBO's one-minute window
//! ([`THROTTLE_WINDOW_SECS`]); 5xx → [`AdapterError::Transient`]; 5010 →
//! [`AdapterError::StaleVersion`], 6240 → [`AdapterError::DuplicateName`],
//! other faults → [`AdapterError::Validation`]. A `Fault` inside an HTTP
//! 200 answer (QBO sends some that way) is read the same way. A 2xx body
//! that cannot be read is [`AdapterError::Transient`]: the call may have
//! been applied, and its answer is lost. An encoder's refusal is
//! [`AdapterError::Validation`] from the builder: nothing was sent.
//!
//! # Change feed
//!
//! [`Calls::list_changes`] with a cursor asks QBO's change data capture
//! (`GET cdc?entities=Customer&changedSince=…`): changed customers and the
//! deleted ones (merged away) as `status: Deleted` stubs, in one page. The
//! cursor handed back is the server time QBO puts in every answer (`time`;
//! the `Date` header when it is missing) less [`CHANGE_OVERLAP_SECS`], never
//! the client's clock: a customer changed in the last minute before the
//! answer may be listed again next time (a repeat the planner takes as no
//! change), and none changed after the cursor is lost. QBO's feed holds at
//! most 1,000 objects and 30 days: an answer of [`MAX_CDC_OBJECTS`]
//! customers (more may have changed), a cursor QBO refuses as too old, or
//! one more than [`MAX_CDC_DAYS`] days behind the server's clock is
//! [`AdapterError::Unsupported`], and the driver lists everything instead.
//! Without a cursor, `list_changes` is the full listing, and its last page
//! hands back the first page's server time (less the same overlap) as the
//! cursor: the position when the listing began.
//!
//! Pages of a listing overlap by one customer: each page after the first
//! starts at the previous page's last customer, which the reader checks
//! and drops. Should it be missing (a customer merged away while the pages
//! were read moved every later customer up a place, and one could be
//! skipped), the page is [`AdapterError::Transient`]: list again from the
//! first page. Nothing is listed twice within one listing.
//!
//! # Example
//!
//! ```
//! use ledgerlink::wire::qbo::{Calls, PRODUCTION_BASE};
//! use ledgerlink::wire::{Method, Response};
//!
//! let calls = Calls::new("9130");
//! let request = calls.list(None)?;
//! assert_eq!(request.method, Method::Get);
//! assert!(request.url(PRODUCTION_BASE).starts_with(
//!     "https://quickbooks.api.intuit.com/v3/company/9130/query?query=SELECT%20%2A%20FROM%20Customer"
//! ));
//! assert_eq!(request.header("Accept"), Some("application/json"));
//!
//! // The adapter sends it (adding `Authorization: Bearer …`) and hands
//! // back what came.
//! let body = br#"{"QueryResponse": {"Customer": [{"Id": "58", "SyncToken": "0",
//!     "DisplayName": "Acme Ltd", "Active": false}], "startPosition": 1, "maxResults": 1},
//!     "time": "2024-03-01T10:00:06.000-08:00"}"#;
//! let page = calls.read_list(None, &Response::new(200, body))?;
//! assert_eq!(page.contacts[0].id, "58");
//! assert_eq!(page.next_page, None);
//!
//! let expired = br#"{"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200; statusCode=401"}],"type":"AUTHENTICATION"}}"#;
//! assert!(matches!(
//!     calls.read_list(None, &Response::new(401, expired)),
//!     Err(ledgerlink::ports::AdapterError::AccessTokenExpired { .. })
//! ));
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

mod batch;
mod billing;
mod changes;
mod pages;

use chrono::{DateTime, Utc};

use crate::model::{Contact, ContactId, Currency, VersionToken};
use crate::ports::{AdapterError, Page};
use crate::sync::FieldPatch;
use crate::wire::{Limits, Method, Payload, Profile, Request, Response, WireError};

#[cfg(doc)]
use super::THROTTLE_WINDOW_SECS;
use super::tree::{At, Value, each, timestamp};
use super::{
    DecodeOptions, Doc, ErrorContext, MAX_QUERY_RESULTS, QueryEntity, decode_error_in, decode_with,
    encode_customer_create, encode_customer_update, query, read, request_id,
};

pub use batch::MAX_BATCH_ITEMS;
pub use billing::LedgerFactsCalls;
pub use changes::{CHANGE_OVERLAP_SECS, MAX_CDC_DAYS, MAX_CDC_OBJECTS};

use pages::PageToken;

/// The production API's base: `request.url(PRODUCTION_BASE)`.
pub const PRODUCTION_BASE: &str = "https://quickbooks.api.intuit.com";
/// The sandbox API's base (Intuit's development companies).
pub const SANDBOX_BASE: &str = "https://sandbox-quickbooks.api.intuit.com";

/// The `minorversion` sent by default: 75. Intuit stopped serving minor
/// versions 1 to 74 on 1 August 2025 (an older one is ignored and
/// answered as 75; Intuit developer blog, "Changes to our Accounting API
/// that may impact your application", 21 January 2025).
pub const DEFAULT_MINOR_VERSION: u32 = 75;

/// The calls of one QBO company (realm): its id in every path, the
/// `minorversion` in every query, and the home currency for payments that
/// name none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calls {
    realm_id: String,
    minor_version: u32,
    home_currency: Currency,
}

impl Calls {
    /// The calls of company `realm_id` (the realm id the OAuth grant
    /// named), with [`DEFAULT_MINOR_VERSION`] and US dollars as the home
    /// currency.
    #[must_use]
    pub fn new(realm_id: impl Into<String>) -> Self {
        Self {
            realm_id: realm_id.into(),
            minor_version: DEFAULT_MINOR_VERSION,
            home_currency: Currency::USD,
        }
    }

    /// Sends `minorversion` `version` instead of [`DEFAULT_MINOR_VERSION`]
    /// (a later one, when Intuit adds it).
    #[must_use]
    pub const fn with_minor_version(mut self, version: u32) -> Self {
        self.minor_version = version;
        self
    }

    /// The company's home currency: the currency of a payment whose answer
    /// names none (US dollars by default).
    #[must_use]
    pub const fn with_home_currency(mut self, currency: Currency) -> Self {
        self.home_currency = currency;
        self
    }

    /// The company's realm id.
    #[must_use]
    pub fn realm_id(&self) -> &str {
        &self.realm_id
    }

    /// The `minorversion` sent.
    #[must_use]
    pub const fn minor_version(&self) -> u32 {
        self.minor_version
    }

    // ------------------------------------------------------------ requests

    /// A request to `v3/company/{realmId}/{resource}` with `Accept` and
    /// `minorversion` (after the other query parameters, added later).
    fn request(&self, method: Method, resource: &str) -> Request {
        Request::new(
            method,
            format!(
                "v3/company/{}/{resource}",
                crate::wire::percent_encode(&self.realm_id)
            ),
        )
        .with_header("Accept", "application/json")
    }

    /// Closes a request: the `minorversion` last among the query
    /// parameters.
    fn finish(&self, request: Request) -> Request {
        request.with_query("minorversion", self.minor_version.to_string())
    }

    /// `GET query?query=…`.
    fn query_request(&self, text: &str) -> Request {
        self.finish(self.request(Method::Get, "query").with_query("query", text))
    }

    /// `POST {resource}` with a JSON body and, for a create, its
    /// `requestid`.
    fn post(&self, resource: &str, body: String, request_id: Option<String>) -> Request {
        let mut r = self
            .request(Method::Post, resource)
            .with_header("Content-Type", "application/json")
            .with_body(body);
        if let Some(id) = request_id {
            r = r.with_query("requestid", id.clone());
            r.idempotency_key = Some(id);
        }
        self.finish(r)
    }

    fn decode_options(&self) -> DecodeOptions {
        DecodeOptions {
            home_currency: self.home_currency,
            page_size: Some(MAX_QUERY_RESULTS),
            ..DecodeOptions::default()
        }
    }

    // ------------------------------------------------------------ contacts

    /// `GET query` for one page of every customer, active and inactive
    /// (`SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY Id
    /// STARTPOSITION n MAXRESULTS 1000`). `page` is `None` for the first
    /// page, else a `next_page` of [`read_list`](Self::read_list).
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for a page token this codec did not
    /// make for `list`.
    pub fn list(&self, page: Option<&str>) -> Result<Request, AdapterError> {
        let token = PageToken::read_list(page)?;
        Ok(self.query_request(&customer_query(token.start)?))
    }

    /// Reads one page of [`list`](Self::list): its customers, and the
    /// token of the next page when this one was full.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for a malformed `page`; the fault
    /// mapping of the [module docs](self#answers); [`AdapterError::Transient`]
    /// when customers moved while the pages were read (see the [module
    /// docs](self#change-feed)).
    pub fn read_list(
        &self,
        page: Option<&str>,
        answer: &Response<'_>,
    ) -> Result<Page, AdapterError> {
        let token = PageToken::read_list(page)?;
        let (records, _) = Self::customers_of(answer)?;
        let followed = token.follow(records)?;
        Ok(Page {
            contacts: followed.records,
            next_page: followed.next_page,
        })
    }

    /// The customers of a query answer, and the server time it was
    /// answered at (QBO's `time`, else the `Date` header).
    fn customers_of(
        answer: &Response<'_>,
    ) -> Result<(Vec<Contact>, Option<DateTime<Utc>>), AdapterError> {
        let doc = success_doc(answer, ErrorContext::default())?;
        let q = doc
            .top
            .get("QueryResponse")
            .ok_or_else(|| unreadable(answer, "no `QueryResponse`"))?;
        let root = At::Root;
        let at = At::Key(&root, "QueryResponse");
        let at = At::Key(&at, "Customer");
        let records = each(q, "Customer")
            .enumerate()
            .map(|(i, v)| read::customer(v, &At::Index(&at, i), true))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| unreadable(answer, e))?;
        Ok((records, server_time(&doc, answer)))
    }

    /// `POST customer?requestid=…`: creates `contact` (the body of
    /// [`encode_customer_create`]) under QBO's `requestid` for
    /// `idempotency_key` ([`request_id`]).
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when the encoder refuses the contact
    /// or the key is empty (nothing is sent).
    pub fn create(
        &self,
        contact: &Contact,
        idempotency_key: &str,
    ) -> Result<Request, AdapterError> {
        let id = request_id(idempotency_key).map_err(WireError::into_refusal)?;
        let body = encode_customer_create(contact).map_err(WireError::into_refusal)?;
        Ok(self.post("customer", body, Some(id)))
    }

    /// Reads the answer to [`create`](Self::create): the customer as QBO
    /// stored it (its `Id` and `SyncToken`).
    ///
    /// # Errors
    /// The fault mapping of the [module docs](self#answers) (6240 →
    /// [`AdapterError::DuplicateName`] with the name when QBO quotes it).
    pub fn read_create(&self, answer: &Response<'_>) -> Result<Contact, AdapterError> {
        self.one_customer(answer, ErrorContext::default())
    }

    /// `POST customer`: the sparse update of [`encode_customer_update`] —
    /// `Id`, `SyncToken` = `expected_version` and the patch's fields.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] before sending when `expected_version`
    /// is not a `SyncToken` (QBO refuses an update without one) or the
    /// encoder refuses the patch.
    pub fn update(
        &self,
        id: &ContactId,
        patch: &FieldPatch,
        expected_version: Option<&VersionToken>,
    ) -> Result<Request, AdapterError> {
        let body =
            encode_customer_update(id, patch, expected_version).map_err(WireError::into_refusal)?;
        Ok(self.post("customer", body, None))
    }

    /// Reads the answer to [`update`](Self::update) of customer `id`: the
    /// customer as stored (its new `SyncToken`).
    ///
    /// # Errors
    /// 5010 → [`AdapterError::StaleVersion`] for `id` (re-read and
    /// re-plan); the rest of the fault mapping of the [module
    /// docs](self#answers).
    pub fn read_update(
        &self,
        id: &ContactId,
        answer: &Response<'_>,
    ) -> Result<Contact, AdapterError> {
        let ctx = ErrorContext {
            id: Some(id),
            ..ErrorContext::default()
        };
        self.one_customer(answer, ctx)
    }

    fn one_customer(
        &self,
        answer: &Response<'_>,
        ctx: ErrorContext<'_>,
    ) -> Result<Contact, AdapterError> {
        if !answer.is_success() {
            return Err(failure(answer, ctx));
        }
        match decode_with(answer.body, &self.decode_options()) {
            Ok(Payload::Contacts { records, .. }) => match <[Contact; 1]>::try_from(records) {
                Ok([c]) => Ok(c),
                Err(v) => Err(unreadable(
                    answer,
                    format!("{} customers where one was expected", v.len()),
                )),
            },
            Ok(Payload::Error { .. }) => Err(failure(answer, ctx)),
            Ok(other) => Err(unreadable(answer, other.summary())),
            Err(e) => Err(unreadable(answer, e)),
        }
    }
}

/// The customer query of the page starting at `start`.
fn customer_query(start: u32) -> Result<String, AdapterError> {
    query(QueryEntity::Customer, start, MAX_QUERY_RESULTS).map_err(WireError::into_refusal)
}

/// The error of a failed answer (any status, or a fault in a 2xx), with
/// the answer's `Retry-After`.
fn failure(answer: &Response<'_>, ctx: ErrorContext<'_>) -> AdapterError {
    let ctx = ErrorContext {
        retry_after_secs: answer.retry_after_secs().or(ctx.retry_after_secs),
        ..ctx
    };
    decode_error_in(answer.status, answer.body, &ctx)
}

/// A 2xx answer whose body cannot be read: the call may have been
/// applied, its answer is lost.
fn unreadable(answer: &Response<'_>, why: impl std::fmt::Display) -> AdapterError {
    AdapterError::Transient {
        message: format!(
            "QuickBooks Online answered HTTP {} with a body that cannot be read: {why}",
            answer.status
        ),
    }
}

/// When QBO answered: the `time` of its body (JSON key, XML attribute of
/// `IntuitResponse`; ISO 8601, or milliseconds since 1970 as some
/// answers carry it), else the `Date` header; never the client's clock.
fn server_time(doc: &Doc<'_>, answer: &Response<'_>) -> Option<DateTime<Utc>> {
    let body = doc.top.get("time").and_then(|t| match t {
        Value::Num(ms) => ms
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_millis),
        other => timestamp(other, &At::Root).ok().flatten(),
    });
    body.or_else(|| answer.date())
}

/// The document of a 2xx answer, or the error it stands for: the status's,
/// a fault's (QBO sends some inside HTTP 200), or
/// [`AdapterError::Transient`] for a body that cannot be read.
fn success_doc<'a>(answer: &Response<'a>, ctx: ErrorContext<'_>) -> Result<Doc<'a>, AdapterError> {
    if !answer.is_success() {
        return Err(failure(answer, ctx));
    }
    let doc = super::parse(answer.body, &Limits::for_provider(Profile::Qbo))
        .map_err(|(e, _)| unreadable(answer, e))?;
    if ["Fault", "fault"]
        .iter()
        .any(|k| doc.top.get(k).is_some_and(|v| !v.is_null()))
    {
        return Err(failure(answer, ctx));
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn requests_name_the_realm_and_the_minor_version() {
        let calls = Calls::new("1234 5").with_minor_version(80);
        let r = calls.list(None).unwrap();
        assert_eq!(r.path, "v3/company/1234%205/query");
        assert_eq!(r.query_value("minorversion"), Some("80"));
        assert_eq!(
            r.query.last().map(|(k, _)| k.as_str()),
            Some("minorversion")
        );
        assert_eq!(r.header("Content-Type"), None);
        assert_eq!(calls.realm_id(), "1234 5");
        assert_eq!(calls.minor_version(), 80);
    }

    #[test]
    fn a_2xx_fault_is_its_error_and_garbage_is_transient() {
        let fault = br#"{"Fault":{"Error":[{"Message":"Stale Object Error","code":"5010"}],"type":"ValidationFault"}}"#;
        let id = ContactId::new("7");
        let ctx = ErrorContext {
            id: Some(&id),
            ..ErrorContext::default()
        };
        assert_eq!(
            success_doc(&Response::new(200, fault), ctx).err(),
            Some(AdapterError::StaleVersion { id: id.clone() })
        );
        assert!(matches!(
            success_doc(&Response::new(200, b"\x00 not json"), ctx),
            Err(AdapterError::Transient { .. })
        ));
    }
}
