//! QuickBooks Online API v3: customers, invoices, payments and error bodies
//! read into the model, and the planner's operations written as request
//! bodies.
//!
//! Both of QBO's formats are read: JSON (`{"Customer": …}`,
//! `{"QueryResponse": …}`, `{"Fault": …}`, the lower-case `fault` of
//! authentication errors, and bare invoice / payment / customer request
//! bodies) and XML (`<IntuitResponse>` around the same objects, or a bare
//! `<Customer>`, `<Invoice>`, `<Payment>`). Amounts are read from their
//! text and written from their decimal text: no value passes through a
//! float. Requests are written as JSON.
//!
//! The calls themselves — paths, query strings, headers, cursors and the
//! answers of every port method — are in [`calls`] ([`Calls`]).
//!
//! # Customers
//!
//! | QBO | model |
//! |---|---|
//! | `Id`, `SyncToken` | `id`, `extras.version` ([`VersionToken::SyncToken`]) |
//! | `DisplayName`, `CompanyName` | `display_name`, `organization_name` |
//! | `GivenName`, `MiddleName`, `FamilyName` | `first_name`, `middle_name`, `last_name` |
//! | `PrimaryEmailAddr.Address` | the one email, marked primary (billing) |
//! | `PrimaryPhone`, `Mobile`, `Fax`, `AlternatePhone` `.FreeFormNumber` | phones of kind primary, mobile, fax, other |
//! | `BillAddr` / `ShipAddr` | addresses of kind billing / physical; `BillAddr` is the primary one when present |
//! | `Job` + `ParentRef` | `extras.parent_id` (a sub-customer or job) |
//! | `Active: false` | status archived |
//! | `MetaData.LastUpdatedTime` | `extras.updated_at` |
//!
//! The kind (person or organisation) is decided by the crate's QBO rule,
//! [`kind_of_customer`](crate::rules::qbo::kind_of_customer); a customer
//! the rule cannot place has no kind. Blank text reads as absent.
//!
//! Not carried, in either direction: `Title`, `Suffix`, `PrintOnCheckName`,
//! `Notes`, `WebAddr`, balances, currency, tax settings, `Level` and
//! `FullyQualifiedName` (derived by QBO from the parent chain). The model
//! fields QBO has no place for are not sent: emails other than the billing
//! one, a second phone of the same kind, every address but the primary one
//! (sent in the slot of its kind: physical as `ShipAddr`, billing and
//! mailing as `BillAddr`), contact type, client group, organisation links,
//! business structure and `merged_into`. The record's kind is not sent
//! either: QBO has no such field, and reading the record back decides it
//! again from the names.
//!
//! # Invoices and payments
//!
//! An invoice's `SalesItemLineDetail` lines become its lines (`ItemRef` →
//! work type, `Qty`, `UnitPrice`, `Description`); sub-total and
//! description-only lines are skipped; a `GroupLineDetail` (a bundle)
//! gives the item lines it holds; a `DiscountLineDetail` becomes a line of
//! its own, one unit at minus QBO's discount `Amount` (described by its
//! `Description`, else `Discount` with its `DiscountPercent`), so that the
//! invoice's total agrees with QBO's; any other line kind is refused
//! rather than dropped, since the totals would change.
//! A line's `Amount` must be its `Qty` × `UnitPrice` rounded to the cent;
//! a missing `Qty` or `UnitPrice` is completed as the amount's share of
//! the other (1 × `Amount` when both are missing), and a line that cannot
//! agree (a quantity or price of 0 beside an amount) is a
//! [`WireError::Shape`] at its `Amount`.
//! `TaxCodeRef` is a code, not a rate: decoded lines have no tax rate. The
//! status is paid when `Balance` is 0 and `TotalAmt` is positive, void
//! when both are 0 and the `PrivateNote` starts with `Voided` (QBO keeps
//! no status for a voided invoice: it zeroes the amounts and notes it so),
//! awaiting payment otherwise, and draft for a body without a balance (a
//! request). Decoded invoices carry QBO's customer id as `contact_id`.
//!
//! # Deletions and batches
//!
//! QBO answers a delete (and lists a deleted entity) with a stub,
//! `{"Invoice": {"domain": "QBO", "status": "Deleted", "Id": "266"}}`:
//! read as [`Payload::Deleted`] with the record kind and ids. A batch
//! answer (`BatchItemResponse`) is [`Payload::Batch`]: each item's `bId`
//! and what it holds, read on its own, so that faults and records mix
//! ([`decode_batch`]). A query past the last page (`"QueryResponse": {}`)
//! is an empty page of customers. Entities this codec does not read
//! (`domain: "QBO"` records of other kinds, change data capture answers)
//! are [`WireError::Unsupported`] naming QBO and the kind.
//!
//! A payment's lines linked to invoices become its allocations; lines
//! linked to credit memos count towards what it could apply; when
//! `UnappliedAmt` is given it must equal `TotalAmt` + credits − allocations.
//! Payments read from QBO have the origin [`PaymentOrigin::Ledger`] and
//! `PaymentRefNum` as their reference.
//!
//! # Paging
//!
//! A query page announces the next `STARTPOSITION` (as `next_page`) when
//! it returned `maxResults` records and `totalCount`, when present, says
//! there are more. QBO echoes the number of records returned as
//! `maxResults`, so a listing read this way ends with one empty page;
//! [`DecodeOptions::page_size`] (the `MAXRESULTS` asked for) avoids it.
//!
//! # Errors
//!
//! | QBO | [`AdapterError`] |
//! |---|---|
//! | HTTP 401, 003200 (`Token expired: …`), 100 in XML answers | `AccessTokenExpired`: refresh the access token and retry once (the message only: a detail may quote the token) |
//! | HTTP 403, `type: AUTHENTICATION` otherwise, 003100, 120 | `Authentication` (disconnected, E3; the message only) |
//! | HTTP 429, 003001 `ThrottleExceeded` | `RateLimited` ([`THROTTLE_WINDOW_SECS`] unless told) |
//! | 5010 stale object | `StaleVersion` (the id from [`ErrorContext`]) |
//! | 6240 duplicate name | `DuplicateName` (the name from the detail, else from [`ErrorContext`]) |
//! | HTTP 5xx | `Transient` |
//! | 6140, 6210, 610, 2050, … | `Validation { code, message }` |
//!
//! 610 "Object Not Found" is a validation error, not
//! [`AdapterError::NotFound`]: QBO reports it for a referenced object (an
//! inactive customer, a missing item or invoice), not for the record
//! written to, and `NotFound` would mark the link removed.
//!
//! # Example
//!
//! ```
//! use ledgerlink::model::{Contact, ContactKind, PhoneKind, VersionToken};
//! use ledgerlink::wire::qbo;
//!
//! let body = br#"{"Customer": {"Id": "64", "SyncToken": "3",
//!     "DisplayName": "Acme Ltd", "CompanyName": "Acme Ltd",
//!     "PrimaryPhone": {"FreeFormNumber": "(650) 555-3311"}, "Active": false},
//!     "time": "2020-09-29T05:58:16.187-07:00"}"#;
//! let page = qbo::decode_contacts(body)?;
//! let acme = &page.records[0];
//! assert_eq!(acme.kind, Some(ContactKind::Organization));
//! assert_eq!(acme.extras.version, Some(VersionToken::SyncToken("3".into())));
//!
//! let new = Contact::person("", "Jane", "Smith")
//!     .with_display_name("Jane Smith")
//!     .with_phone(PhoneKind::Mobile, "021 555 0101");
//! let request = qbo::encode_customer_create(&new)?;
//! assert_eq!(
//!     request,
//!     r#"{"DisplayName":"Jane Smith","GivenName":"Jane","FamilyName":"Smith","Mobile":{"FreeFormNumber":"021 555 0101"}}"#
//! );
//! assert!(qbo::encode_customer_create(&new.with_display_name("Smith: Jane")).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod batch;
pub mod calls;
mod fault;
mod kind;
mod read;
mod tree;
mod write;
mod xml;

use chrono::NaiveDate;

use crate::billing::{InvoiceDraft, PaymentDraft};
use crate::model::{Contact, ContactId, Currency, Invoice, Payment, VersionToken};
use crate::ports::AdapterError;
use crate::sync::{Action, FieldPatch};

use super::{Limits, Payload, Profile, WireError};
pub use super::{Method, Request};
use kind::{Kind, OUR_KEYS, kind_of};
use tree::{At, Value, each};

#[cfg(doc)]
use crate::model::PaymentOrigin;

pub use crate::billing::MAX_DOC_NUMBER_CHARS;
pub use calls::{
    CHANGE_OVERLAP_SECS, Calls, DEFAULT_MINOR_VERSION, LedgerFactsCalls, MAX_BATCH_ITEMS,
    MAX_CDC_DAYS, MAX_CDC_OBJECTS, PRODUCTION_BASE, SANDBOX_BASE,
};
pub use fault::{ErrorContext, Fault, FaultEntry, THROTTLE_WINDOW_SECS};

// The limits below are counted in UTF-16 code units, as the ledger counts
// them (the `_CHARS` names are kept for compatibility); each is the `max`
// of its entry in `rules::limits::qbo`, the table the planners and the
// in-memory ledgers read too.

/// Longest `DisplayName` QBO accepts.
pub const MAX_DISPLAY_NAME_CHARS: usize = crate::rules::limits::qbo::DISPLAY_NAME.max;
/// Longest `GivenName`, `MiddleName` or `FamilyName`.
pub const MAX_NAME_PART_CHARS: usize = crate::rules::limits::qbo::NAME_PART.max;
/// Longest `CompanyName`.
pub const MAX_COMPANY_NAME_CHARS: usize = crate::rules::limits::qbo::COMPANY_NAME.max;
/// Longest `FreeFormNumber` of a phone, mobile or fax.
pub const MAX_PHONE_CHARS: usize = crate::rules::limits::qbo::PHONE.max;
/// Longest `PaymentRefNum` (where the source payment's id is kept).
pub const MAX_PAYMENT_REF_NUM_CHARS: usize = crate::rules::limits::qbo::PAYMENT_REF_NUM.max;
/// Longest `Description` of an invoice line.
pub const MAX_LINE_DESCRIPTION_CHARS: usize = crate::rules::limits::qbo::LINE_DESCRIPTION.max;
/// Longest `requestid` (the idempotency key of a create) QBO accepts
/// (Intuit's developer blog; WIRE.md does not list it): longer keys are
/// shortened by [`request_id`].
pub const MAX_REQUEST_ID_CHARS: usize = crate::rules::limits::qbo::REQUEST_ID.max;
/// Most records a query page returns (`MAXRESULTS`).
pub const MAX_QUERY_RESULTS: u32 = 1000;
/// Characters QBO refuses in `DisplayName` and the name parts: `:`
/// separates the levels of a customer:job path; tabs and line breaks.
pub const RESERVED_NAME_CHARS: [char; 4] = [':', '\t', '\n', '\r'];

/// What a body does not say and the caller knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// The company's home currency: the currency of an invoice or payment
    /// whose body names none (a create request). US dollars by default.
    pub home_currency: Currency,
    /// The date of an invoice or payment whose body has no `TxnDate` (a
    /// create request: QBO dates it on receipt). 1970-01-01 by default.
    pub undated: NaiveDate,
    /// The `MAXRESULTS` the query asked for: a next page is then announced
    /// only after a full page. `None` by default (see the module docs).
    pub page_size: Option<u32>,
    /// What one payload may make the decoder build
    /// ([`Limits::for_provider`] by default). QBO's document is read whole
    /// before its records: every list or object of its top three levels
    /// (`QueryResponse.Customer`) is bounded by `max_records`, every one
    /// below by `max_items_per_record`, and every text value by
    /// `max_field_bytes`.
    pub limits: Limits,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            home_currency: Currency::USD,
            undated: NaiveDate::default(),
            page_size: None,
            limits: Limits::for_provider(Profile::Qbo),
        }
    }
}

/// Customers read from one response, with the next page's
/// `STARTPOSITION` when there may be one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactsPage {
    /// The customers, in the response's order.
    pub records: Vec<Contact>,
    /// The `STARTPOSITION` of the next page.
    pub next_page: Option<String>,
}

impl From<ContactsPage> for crate::ports::Page {
    fn from(p: ContactsPage) -> Self {
        Self {
            contacts: p.records,
            next_page: p.next_page,
        }
    }
}

fn syntax(detail: String) -> WireError {
    WireError::Syntax {
        provider: Profile::Qbo,
        detail,
    }
}

fn unsupported(detail: impl Into<String>) -> WireError {
    WireError::Unsupported {
        provider: Some(Profile::Qbo),
        detail: detail.into(),
    }
}

/// A parsed document: the top object (an XML `IntuitResponse` unwrapped,
/// any other XML root as `{root: …}`), and whether it was XML under a QBO
/// root.
struct Doc<'a> {
    top: Value<'a>,
    qbo_root: bool,
}

/// Reads a document; on failure, whether it looked like QBO's.
fn parse<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Doc<'a>, (WireError, bool)> {
    limits
        .check_input(Profile::Qbo, bytes)
        .map_err(|e| (e, false))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text =
        std::str::from_utf8(bytes).map_err(|e| (syntax(format!("not UTF-8 text: {e}")), false))?;
    if text.trim_start().starts_with('<') {
        match xml::parse_xml(text, limits) {
            Ok((name, v)) => {
                let qbo_root = OUR_KEYS.contains(&name.as_ref());
                let top = if name == "IntuitResponse" {
                    v
                } else {
                    Value::Obj(vec![(name, v)])
                };
                Ok(Doc { top, qbo_root })
            }
            Err(e) => {
                let ours = e.root.as_deref().is_some_and(|r| OUR_KEYS.contains(&r));
                Err((e.error, ours))
            }
        }
    } else {
        match tree::parse_json(text, limits) {
            Ok(top) => Ok(Doc {
                top,
                qbo_root: false,
            }),
            Err(e) => {
                let ours = e.top_keys.iter().any(|k| OUR_KEYS.contains(&k.as_ref()));
                Err((e.error, ours))
            }
        }
    }
}

fn contacts_of<'v>(
    list: impl Iterator<Item = &'v Value<'v>>,
    at: &At<'_>,
    require_id: bool,
) -> Result<Vec<Contact>, WireError> {
    list.enumerate()
        .map(|(i, v)| read::customer(v, &At::Index(at, i), require_id))
        .collect()
}

fn build(kind: Kind, top: &Value<'_>, opts: &DecodeOptions) -> Result<Payload, WireError> {
    let root = At::Root;
    match kind {
        Kind::Fault => {
            let (key, v) = match top.get("Fault").filter(|v| !v.is_null()) {
                Some(v) => ("Fault", v),
                None => ("fault", top.get("fault").unwrap_or(&Value::Null)),
            };
            let f = fault::read_fault(v, &At::Key(&root, key))?;
            let error = fault::classify(0, Some(&f), "", &ErrorContext::default());
            // An authentication detail can quote the token: messages only.
            let auth = matches!(
                error,
                AdapterError::Authentication { .. } | AdapterError::AccessTokenExpired { .. }
            );
            let items = f
                .errors
                .iter()
                .map(|e| match &e.message {
                    Some(m) if auth => m.clone(),
                    None if auth => "authentication failed".to_owned(),
                    _ => e.text(),
                })
                .collect();
            Ok(Payload::Error { error, items })
        }
        Kind::Query => {
            let at = At::Key(&root, "QueryResponse");
            let q = top.get("QueryResponse").unwrap_or(&Value::Null);
            let known = [
                "Customer",
                "Invoice",
                "Payment",
                "startPosition",
                "maxResults",
                "totalCount",
            ];
            if let Some((other, _)) = q
                .entries()
                .iter()
                .find(|(k, _)| !known.contains(&k.as_ref()))
            {
                return Err(unsupported(format!(
                    "a query response of `{}` records",
                    tree::head(other)
                )));
            }
            if q.get("Invoice").is_some() {
                let at = At::Key(&at, "Invoice");
                let v = each(q, "Invoice")
                    .enumerate()
                    .map(|(i, v)| read::invoice(v, &At::Index(&at, i), opts, true))
                    .collect::<Result<_, _>>()?;
                return Ok(Payload::Invoices(v));
            }
            if q.get("Payment").is_some() {
                let at = At::Key(&at, "Payment");
                let v = each(q, "Payment")
                    .enumerate()
                    .map(|(i, v)| read::payment(v, &At::Index(&at, i), opts, true))
                    .collect::<Result<_, _>>()?;
                return Ok(Payload::Payments(v));
            }
            let paging = read::paging(q, &at)?;
            let records = contacts_of(each(q, "Customer"), &At::Key(&at, "Customer"), true)?;
            let next_page = read::next_start(&paging, records.len(), opts.page_size);
            Ok(Payload::Contacts { records, next_page })
        }
        Kind::Customer => {
            let at = At::Key(&root, "Customer");
            let records = contacts_of(each(top, "Customer"), &at, true)?;
            Ok(Payload::Contacts {
                records,
                next_page: None,
            })
        }
        Kind::Invoice => {
            let at = At::Key(&root, "Invoice");
            let v = each(top, "Invoice")
                .enumerate()
                .map(|(i, v)| read::invoice(v, &At::Index(&at, i), opts, false))
                .collect::<Result<_, _>>()?;
            Ok(Payload::Invoices(v))
        }
        Kind::Payment => {
            let at = At::Key(&root, "Payment");
            let v = each(top, "Payment")
                .enumerate()
                .map(|(i, v)| read::payment(v, &At::Index(&at, i), opts, false))
                .collect::<Result<_, _>>()?;
            Ok(Payload::Payments(v))
        }
        Kind::BareCustomer => Ok(Payload::Contacts {
            records: vec![read::customer(top, &root, false)?],
            next_page: None,
        }),
        Kind::BareInvoice => Ok(Payload::Invoices(vec![read::invoice(
            top, &root, opts, false,
        )?])),
        Kind::BarePayment => Ok(Payload::Payments(vec![read::payment(
            top, &root, opts, false,
        )?])),
        Kind::Deleted(key) => batch::deleted(top, key),
        Kind::Batch => batch::items(top, opts).map(Payload::Batch),
    }
}

/// Recognises and decodes a QBO payload (`None`: not one). Recognised:
/// JSON whose top level has `QueryResponse`, `Customer`, `Invoice`,
/// `Payment`, `Fault` or `fault`, or the keys of a bare customer, invoice
/// or payment request; XML under `IntuitResponse`, `Customer`, `Invoice`
/// or `Payment`. A truncated body is still recognised from the top-level
/// keys (or root) read before the break.
#[must_use]
pub fn decode_any(bytes: &[u8]) -> Option<Result<Payload, WireError>> {
    decode_any_with(bytes, &DecodeOptions::default())
}

/// [`decode_any`] with options.
#[must_use]
pub fn decode_any_with(bytes: &[u8], opts: &DecodeOptions) -> Option<Result<Payload, WireError>> {
    match parse(bytes, &opts.limits) {
        Ok(doc) => match kind_of(&doc.top) {
            Some(kind) => Some(build(kind, &doc.top, opts)),
            None if doc.top.get("CDCResponse").is_some() => Some(Err(unsupported(
                "a change data capture answer (`CDCResponse`): read by the change feed, not here",
            ))),
            None if doc.qbo_root => Some(Err(unsupported("a QBO XML document of another kind"))),
            None => kind::other_entity(&doc.top).map(|k| {
                Err(unsupported(format!(
                    "a QBO `{}` record: not one this codec reads",
                    tree::head(k)
                )))
            }),
        },
        Err((e, true)) => Some(Err(e)),
        Err((_, false)) => None,
    }
}

/// Decodes any QBO payload.
///
/// # Errors
/// [`WireError::Syntax`] for unreadable JSON / XML, [`WireError::Shape`]
/// for a body that is not what its keys announce,
/// [`WireError::Unsupported`] for a body that is not a QBO payload this
/// codec reads.
pub fn decode(bytes: &[u8]) -> Result<Payload, WireError> {
    decode_with(bytes, &DecodeOptions::default())
}

/// [`decode`] with options.
///
/// # Errors
/// As [`decode`].
pub fn decode_with(bytes: &[u8], opts: &DecodeOptions) -> Result<Payload, WireError> {
    let doc = parse(bytes, &opts.limits).map_err(|(e, _)| e)?;
    let kind = kind_of(&doc.top)
        .ok_or_else(|| unsupported("neither a customer, an invoice, a payment nor a fault"))?;
    build(kind, &doc.top, opts)
}

fn not_a(what: &str, got: &Payload) -> WireError {
    match got {
        Payload::Error { error, .. } => unsupported(format!("an error body, not {what}: {error}")),
        other => unsupported(format!("{}, not {what}", other.summary())),
    }
}

/// Decodes customers: a single `{"Customer": …}`, a query response of
/// customers, or a bare customer (a request body).
///
/// # Errors
/// As [`decode`]; [`WireError::Unsupported`] for a payload of another
/// kind (an error body: use [`decode_error`]).
pub fn decode_contacts(bytes: &[u8]) -> Result<ContactsPage, WireError> {
    decode_contacts_with(bytes, &DecodeOptions::default())
}

/// [`decode_contacts`] with options.
///
/// # Errors
/// As [`decode_contacts`].
pub fn decode_contacts_with(bytes: &[u8], opts: &DecodeOptions) -> Result<ContactsPage, WireError> {
    match decode_with(bytes, opts)? {
        Payload::Contacts { records, next_page } => Ok(ContactsPage { records, next_page }),
        other => Err(not_a("customers", &other)),
    }
}

/// Decodes invoices: `{"Invoice": …}`, a query response of invoices, or a
/// bare invoice (a create request).
///
/// # Errors
/// As [`decode_contacts`].
pub fn decode_invoices(bytes: &[u8]) -> Result<Vec<Invoice>, WireError> {
    match decode(bytes)? {
        Payload::Invoices(v) => Ok(v),
        other => Err(not_a("invoices", &other)),
    }
}

/// Decodes payments: `{"Payment": …}`, a query response of payments, or a
/// bare payment (a create request).
///
/// # Errors
/// As [`decode_contacts`].
pub fn decode_payments(bytes: &[u8]) -> Result<Vec<Payment>, WireError> {
    match decode(bytes)? {
        Payload::Payments(v) => Ok(v),
        other => Err(not_a("payments", &other)),
    }
}

/// Decodes a batch answer (`{"BatchItemResponse": [...]}`, or XML): each
/// item's `bId` and what it holds, in the answer's order — a record, a
/// query page, a fault as [`Payload::Error`], or a [`WireError`] for an
/// item this codec cannot read (the other items are still read).
///
/// # Errors
/// As [`decode`]; [`WireError::Unsupported`] for a body that is not a
/// batch answer.
pub fn decode_batch(bytes: &[u8]) -> Result<Vec<super::BatchItem>, WireError> {
    match decode(bytes)? {
        Payload::Batch(items) => Ok(items),
        other => Err(not_a("a batch answer", &other)),
    }
}

/// Reads an error body as it is: its type and every `Error` entry.
///
/// # Errors
/// As [`decode`]; [`WireError::Unsupported`] for a body that is not a
/// fault.
pub fn decode_fault(bytes: &[u8]) -> Result<Fault, WireError> {
    let doc = parse(bytes, &Limits::for_provider(Profile::Qbo)).map_err(|(e, _)| e)?;
    let (key, v) = ["Fault", "fault"]
        .into_iter()
        .find_map(|k| doc.top.get(k).filter(|v| !v.is_null()).map(|v| (k, v)))
        .ok_or_else(|| unsupported("not a fault"))?;
    fault::read_fault(v, &At::Key(&At::Root, key))
}

/// The typed adapter error for a failed call: its HTTP `status` and body
/// (a JSON or XML fault, or anything else — an HTML error page, nothing).
/// See the module docs for the mapping.
#[must_use]
pub fn decode_error(status: u16, body: &[u8]) -> AdapterError {
    decode_error_in(status, body, &ErrorContext::default())
}

/// [`decode_error`] with what the caller knows of the call: the record's
/// id for a stale version, the name sent for a duplicate name, a
/// `Retry-After` header.
#[must_use]
pub fn decode_error_in(status: u16, body: &[u8], ctx: &ErrorContext<'_>) -> AdapterError {
    let fault = decode_fault(body).ok();
    let text = String::from_utf8_lossy(body);
    fault::classify(status, fault.as_ref(), &text, ctx)
}

/// The body that creates a customer: `DisplayName` (required), the name
/// parts, `CompanyName`, the billing email, one phone of each kind, the
/// primary address, and for a sub-customer `Job: true` with `ParentRef`
/// (when `extras.parent_id` is set). An archived contact is created with
/// `Active: false`. Fields QBO has no place for are not sent (see the
/// module docs).
///
/// # Errors
/// [`WireError::TooLong`] past [`MAX_DISPLAY_NAME_CHARS`],
/// [`MAX_NAME_PART_CHARS`], [`MAX_COMPANY_NAME_CHARS`] or
/// [`MAX_PHONE_CHARS`]; [`WireError::Invalid`] for a missing display
/// name, a [reserved character](RESERVED_NAME_CHARS) in a name, an email
/// without `@` and `.`, or an address of more than five street lines.
pub fn encode_customer_create(contact: &Contact) -> Result<String, WireError> {
    write::customer_create(contact)
}

/// The sparse update (`"sparse": true`) that writes a patch's fields to
/// customer `id`, with the `SyncToken` it was planned against. A field the
/// patch clears is sent empty; an address is sent whole (its empty parts
/// as `""`), since it replaces the one in QBO.
///
/// # Errors
/// [`WireError::Invalid`] without a `SyncToken` or an id, for a patch of
/// another profile, a field QBO customers do not have (a mailing address),
/// a removed display name; the limits of [`encode_customer_create`].
pub fn encode_customer_update(
    id: &ContactId,
    patch: &FieldPatch,
    expected_version: Option<&VersionToken>,
) -> Result<String, WireError> {
    write::customer_update(id, patch, expected_version)
}

/// QBO's `requestid` for an idempotency key: the key itself when it has
/// at most [`MAX_REQUEST_ID_CHARS`] characters, otherwise `ll-` and 32 hex
/// digits of a 128-bit FNV-1a digest of the key. The planner's keys
/// (`ledgerlink:<scope>:<run>:<operation id>`) are usually longer than QBO takes;
/// the digest is a pure function of the key, so a create sent again after
/// a lost answer carries the same `requestid` and QBO answers it instead
/// of creating the record twice. Send it URL-encoded.
///
/// # Errors
/// [`WireError::Invalid`] for an empty key.
pub fn request_id(idempotency_key: &str) -> Result<String, WireError> {
    if idempotency_key.is_empty() {
        return Err(WireError::Invalid {
            provider: Profile::Qbo,
            field: "requestid".into(),
            detail: "empty".into(),
        });
    }
    if crate::rules::limits::qbo::REQUEST_ID.fits(idempotency_key) {
        return Ok(idempotency_key.to_owned());
    }
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let digest = idempotency_key
        .bytes()
        .fold(OFFSET, |h, b| (h ^ u128::from(b)).wrapping_mul(PRIME));
    Ok(format!("ll-{digest:032x}"))
}

/// The request for a contact operation of a plan: a create (with the
/// operation's idempotency key made into QBO's `requestid` query
/// parameter by [`request_id`]: a repeated create with the same id is
/// answered, not applied twice), or a sparse update of `target_id` against its expected
/// `SyncToken`. Both are `POST customer` below
/// `/v3/company/{realmId}/`.
///
/// # Errors
/// As [`encode_customer_create`] and [`encode_customer_update`];
/// [`WireError::Invalid`] for an empty idempotency key.
pub fn encode_action(action: &Action) -> Result<Request, WireError> {
    match action {
        Action::Create {
            contact,
            idempotency_key,
            ..
        } => {
            let request_id = request_id(idempotency_key)?;
            Ok(Request {
                method: Method::Post,
                path: "customer".into(),
                body: encode_customer_create(contact)?,
                idempotency_key: Some(request_id),
                query: Vec::new(),
                headers: Vec::new(),
            })
        }
        Action::Update {
            target_id,
            patch,
            expected_version,
            ..
        } => Ok(Request {
            method: Method::Post,
            path: "customer".into(),
            body: encode_customer_update(target_id, patch, expected_version.as_ref())?,
            idempotency_key: None,
            query: Vec::new(),
            headers: Vec::new(),
        }),
    }
}

/// The body that creates an invoice for customer `customer_id` (the QBO id
/// the draft's customer resolved to): `DocNumber` (left out when empty, so
/// that QBO numbers it), `TxnDate`, `DueDate`, `CurrencyRef`, and one
/// `SalesItemLineDetail` line per draft line (`ItemRef` = the service,
/// `Qty`, `UnitPrice`, `Amount`, `TaxCodeRef` = the tax code).
///
/// # Errors
/// [`WireError::TooLong`] for a `DocNumber` past [`MAX_DOC_NUMBER_CHARS`]
/// or a description past [`MAX_LINE_DESCRIPTION_CHARS`];
/// [`WireError::Invalid`] without a customer id or lines, for a line
/// without a service, or an amount in another currency than the
/// invoice's.
pub fn encode_invoice_create(draft: &InvoiceDraft, customer_id: &str) -> Result<String, WireError> {
    write::invoice_create(draft, customer_id)
}

/// The body that records a payment from customer `customer_id`, applied to
/// the invoices `invoice_ids` (the QBO ids of the draft's allocations, in
/// order): `TotalAmt`, `TxnDate`, `CurrencyRef`, `PaymentRefNum` = the
/// source payment's id, and one line per allocation linked to its
/// invoice.
///
/// # Errors
/// [`WireError::TooLong`] for a source id past
/// [`MAX_PAYMENT_REF_NUM_CHARS`]; [`WireError::Invalid`] without a
/// customer id, when the invoice ids do not pair up with the allocations,
/// for an allocation that is not positive, an amount in another currency,
/// or allocations and remainder that do not add up to the amount.
pub fn encode_payment_create(
    draft: &PaymentDraft,
    customer_id: &str,
    invoice_ids: &[&str],
) -> Result<String, WireError> {
    write::payment_create(draft, customer_id, invoice_ids)
}

/// What a query lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QueryEntity {
    /// Customers (sub-customers included).
    Customer,
    /// Invoices.
    Invoice,
    /// Payments.
    Payment,
}

/// The query text of one page, in a stable order (`ORDERBY Id`):
/// `SELECT * FROM Invoice ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000`.
/// Customers are asked for active and inactive alike (`WHERE Active IN
/// (true, false)`): QBO leaves inactive customers out of a query that does
/// not ask for them, and a full listing includes them. The next page
/// starts at the `next_page` a decoded page announces.
///
/// ```
/// use ledgerlink::wire::qbo::{query, QueryEntity};
/// assert_eq!(
///     query(QueryEntity::Customer, 1, 1000)?,
///     "SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000"
/// );
/// assert!(query(QueryEntity::Invoice, 1, 1001).is_err());
/// # Ok::<(), ledgerlink::wire::WireError>(())
/// ```
///
/// # Errors
/// [`WireError::Invalid`] for a start position of 0 or a page size outside
/// 1 to [`MAX_QUERY_RESULTS`].
pub fn query(
    entity: QueryEntity,
    start_position: u32,
    max_results: u32,
) -> Result<String, WireError> {
    let name = match entity {
        QueryEntity::Customer => "Customer",
        QueryEntity::Invoice => "Invoice",
        QueryEntity::Payment => "Payment",
    };
    write::query(name, start_position, max_results)
}
