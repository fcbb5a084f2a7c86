//! Xero Practice Manager API v3.1 (XML): clients and their contacts in,
//! client add / update / archive and contact add / update bodies out.
//!
//! The calls themselves — a request builder and an answer reader for
//! every [`ContactStore`](crate::ports::ContactStore) method, headers,
//! the change feed's cursor — are [`Calls`] (see [`calls`]).
//!
//! # Reading
//!
//! Every XPM answer is wrapped in `<Response><Status>…</Status>…</Response>`.
//! [`decode_response`] (and [`decode_any`], which first checks the root)
//! reads the `list`, `paged-list`, `search` and `get` answers of
//! `client.api` into [`Payload::Contacts`], and a `Status` of `ERROR` into
//! [`Payload::Error`]. [`decode_clients`] is the same for callers that only
//! expect clients. [`decode_client_body`] and
//! [`decode_client_contacts_body`] read request bodies back, as XPM would
//! (round trips, recorded requests).
//!
//! | XPM | model |
//! |---|---|
//! | `UUID`, else `ID` | `id` (one of them required in a response; older API versions and WorkflowMax answer with a numeric `ID` alone) |
//! | `Name` | `display_name` (the model keeps no separate legal name for XPM) |
//! | `FirstName`, `OtherName`, `LastName` | `first_name`, `middle_name`, `last_name` |
//! | `BusinessStructure` | `extras.business_structure`, and `kind` as [`kind_for_business_structure`] decides; no structure: `kind` stays `None` for the matching rules to decide and flag |
//! | `Email` | the one email, marked primary (billing) |
//! | `Phone`, `Fax` | phones of kind `Primary`, `Fax`, in that order |
//! | `Address`, `City`, `Region`, `PostCode`, `Country` | address of kind `Physical` |
//! | `PostalAddress`, `PostalCity`, … | address of kind `Mailing` |
//! | `IsArchived`, `IsDeleted` | `status`: `Archived` when either is `Yes` |
//! | `Groups/Group[1]/Name` | `client_group` (the model keeps one group: the first listed) |
//! | `Contacts/Contact` | separate person records (see below) |
//!
//! - Values are trimmed of XML whitespace (space, tab, line breaks) and an
//!   empty element reads as absent.
//! - `Address` and `PostalAddress` are free text: split on line breaks,
//!   each line trimmed, blank lines dropped, every other line kept in order
//!   (the model's address has as many lines as the text holds).
//! - A client's physical address comes first and is the primary one; the
//!   postal address is primary only when there is no physical address.
//! - Booleans are `Yes` / `No`, read in any letter case; anything else is a
//!   [`WireError::Shape`] naming the element. `IsProspect` and a contact's
//!   `IsPrimary` are checked but not kept (the model has no such flag).
//! - A client's contacts become people (`kind` `Person`, `display_name` =
//!   the contact's `Name`, kept whole rather than guessed apart into first
//!   and last names; `Email`; `Phone` and `Mobile` as `Primary` and
//!   `Mobile` phones; `IsDeleted` as archived) with `organization_ids`
//!   holding the client's UUID — the shape the planner's clients-and-contacts
//!   import expects. A contact listed under several clients is one record
//!   linked to each of them, in order of appearance. People follow the
//!   clients in the records.
//! - Not kept: `DateOfBirth` (either `1970-11-26T00:00:00` or `1970-11-26`;
//!   the model has no birth date), `Title`, `Gender`, `Website`,
//!   `ReferralSource`, `ExportCode`, managers, `Type`, `BillingClient`, the
//!   tax fields, notes, relationships, and a contact's `Salutation`,
//!   `Addressee` and `Position`.
//! - XPM sends no modification time or version token with a client, so
//!   `extras.version` and `extras.updated_at` stay empty.
//! - `<Pagination><Links><Next>` (paged-list) becomes `next_page`, verbatim.
//! - Answers of other endpoints (jobs, staff, the contact endpoints of
//!   `client.api`) are [`WireError::Unsupported`]: a contact read on its own
//!   does not say which client it belongs to.
//!
//! The XML itself: UTF-8 only; the five predefined entities and character
//! references are read, CDATA sections are text; any other entity is a
//! [`WireError::Syntax`] (entities declared in a DTD are never expanded, so
//! an entity-expansion bomb costs nothing); elements nested deeper than
//! [`MAX_DEPTH`] are a [`WireError::Shape`]. No input makes a decoder panic.
//!
//! # Errors from XPM
//!
//! [`decode_error`] turns an HTTP status and body into an
//! [`AdapterError`]: 401 → `AccessTokenExpired` (refresh the access token
//! and retry once); 403 → `Authentication`; 404 → `NotFound`;
//! 408 and 5xx → `Transient`; 429 → `RateLimited`; otherwise an
//! `ErrorDescription` mentioning "not found" → `NotFound` (with the UUID the
//! message names, if any: it may be a record the request referred to
//! rather than its target, and `sync::apply_results` only marks a pair
//! removed when the id is the target's or none), any other → `Validation`
//! with XPM's words.
//!
//! # Writing
//!
//! | operation | function | request |
//! |---|---|---|
//! | add a client | [`encode_client_add`] | `POST client.api/add` |
//! | update a client | [`encode_client_update`] | `PUT client.api/update` |
//! | add a contact to a client | [`encode_contact_add`] | `POST client.api/contact` |
//! | link existing contacts to a client | [`encode_client_contacts_link`] | `POST client.api/client/[uuid]/contacts` |
//! | update a contact | [`encode_client_contact_update`] | `PUT client.api/contact/[uuid]` |
//! | a planned [`Action`] | [`encode_action`] | one of the above, as a [`Request`] |
//!
//! The docs give XPM no field lengths, so none are enforced. What is
//! checked before anything is sent ([`WireError::Invalid`]): a client or
//! contact `Name` that is empty; a character XML 1.0 cannot carry (NUL and
//! the other C0 controls but tab and line breaks, U+FFFE, U+FFFF); more than
//! [`MAX_CONTACTS_PER_REQUEST`] contacts in one request; an update that
//! would write a field the record does not have (a client has no mobile or
//! other phone and no billing address; a contact has no address or fax);
//! a UUID that is empty or holds anything but ASCII letters, digits and
//! hyphens (it goes into a path).
//!
//! Decisions where the docs are silent:
//!
//! - An update sends the `UUID`, the `Name` and the patched fields only; a
//!   field the patch empties is sent as an empty element, taken to clear
//!   it. The name is always sent (XPM's update message names the client).
//! - An add sends no `IsProspect` / `IsArchived` (a new client is an active
//!   one; archiving is its own request) and no `WebSite` (spelled so on
//!   add and update, `Website` on reads): the model has no website.
//! - A record of known kind without a business structure is sent as
//!   `Company` or `Individual`, the structures every practice starts with,
//!   so that XPM's kind agrees with the record's.
//! - XPM documents no idempotency key and no version token: neither is sent.
//!
//! What a record keeps through XPM is spelled out by
//! [`carried_as_client`] and [`carried_as_client_contact`]: decoding an
//! encoded record gives exactly that back.
//!
//! ```
//! use ledgerlink::wire::xpm;
//! use ledgerlink::model::{ContactKind, ContactStatus};
//!
//! let xml = br#"<Response><Status>OK</Status><Clients><Client>
//!   <UUID>9e023415-b173-4375-b8d5-4220b5a6b294</UUID>
//!   <Name>Smith &amp; Sons</Name>
//!   <BusinessStructure>Company</BusinessStructure>
//!   <PostalAddress>
//!      P O Box 123
//!      Te Aro
//!   </PostalAddress>
//!   <PostalCity>Wellington</PostalCity>
//!   <IsArchived>No</IsArchived>
//!   <Contacts><Contact><UUID>10e45ad9-cd3f-42b9-9e7e-056e47c0c109</UUID>
//!     <Name>Sam Smith</Name><IsPrimary>Yes</IsPrimary></Contact></Contacts>
//! </Client></Clients></Response>"#;
//! let page = xpm::decode_clients(xml)?;
//! let [client, sam] = page.records.as_slice() else { panic!("two records") };
//! assert_eq!(client.display_name.as_deref(), Some("Smith & Sons"));
//! assert_eq!(client.kind, Some(ContactKind::Organization));
//! assert_eq!(client.addresses[0].lines, ["P O Box 123", "Te Aro"]);
//! assert_eq!(client.status, ContactStatus::Active);
//! assert_eq!(sam.organization_ids, [client.id.clone()]);
//!
//! // And back: the add body, then what XPM would read from it.
//! let body = xpm::encode_client_add(client)?;
//! assert!(body.starts_with("<Client><Name>Smith &amp; Sons</Name>"));
//! let mut expected = xpm::carried_as_client(client);
//! expected.id = Default::default(); // an add body has no UUID
//! assert_eq!(xpm::decode_client_body(body.as_bytes())?, expected);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`kind_for_business_structure`]: crate::rules::xpm::kind_for_business_structure
//! [`Action`]: crate::sync::Action

pub mod calls;
mod decode;
mod encode;
mod text;

use crate::model::{Contact, ContactId};
use crate::ports::AdapterError;

use super::{Limits, Payload, Profile, WireError};

pub use super::{Method, Request};
pub use calls::{API_BASE, CHANGES_OVERLAP_SECS, Calls, Update};
pub use encode::{
    carried_as_client, carried_as_client_contact, encode_action, encode_client_add,
    encode_client_contact_update, encode_client_contacts_add, encode_client_contacts_link,
    encode_client_update, encode_contact_add,
};

/// Elements nested deeper than this are refused (XPM's own documents are
/// five levels deep).
pub const MAX_DEPTH: usize = 64;

/// At most this many contacts can be linked to a client in one request
/// (`POST client.api/client/[uuid]/contacts`).
pub const MAX_CONTACTS_PER_REQUEST: usize = 10;

/// The wait assumed for a 429 without a usable `Retry-After` header (XPM
/// documents no limits of its own; Xero's per-minute budget resets within
/// a minute).
pub const DEFAULT_RETRY_AFTER_SECS: u64 = 60;

/// One page of clients (and their contacts as people).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactsPage {
    /// The clients in document order, then their contacts as people.
    pub records: Vec<Contact>,
    /// `Pagination/Links/Next` of a `paged-list` answer, when not empty.
    pub next_page: Option<String>,
}

impl From<ContactsPage> for Payload {
    fn from(page: ContactsPage) -> Self {
        Self::Contacts {
            records: page.records,
            next_page: page.next_page,
        }
    }
}

/// Recognises an XPM answer (XML whose root element is `<Response>`) and
/// decodes it; `None` for anything else, including Xero accounting XML
/// (a `<Response>` with Xero's `ProviderName` / `DateTimeUTC` envelope,
/// which is Xero's to read or refuse).
#[must_use]
pub fn decode_any(bytes: &[u8]) -> Option<Result<Payload, WireError>> {
    decode_any_with_limits(bytes, &Limits::for_provider(Profile::Xpm))
}

/// [`decode_any`] within `limits`.
#[must_use]
pub fn decode_any_with_limits(bytes: &[u8], limits: &Limits) -> Option<Result<Payload, WireError>> {
    (decode::is_response(bytes) && crate::wire::sniff::xero_xml(bytes).is_none())
        .then(|| decode_response_with_limits(bytes, limits))
}

/// Decodes an XPM answer: clients (list, paged-list, search, get) or an
/// error (`Status` `ERROR`).
///
/// # Errors
/// [`WireError::Syntax`] for unreadable XML; [`WireError::Shape`] for
/// another root, a client or contact without a UUID, a boolean that is
/// not `Yes` / `No`, an unknown `Status`; [`WireError::Unsupported`] for an
/// `OK` answer that holds no clients (another `*.api`);
/// [`WireError::TooLarge`] past [`Limits::for_provider`]: more than
/// [`DEFAULT_MAX_RECORDS`](super::DEFAULT_MAX_RECORDS) clients and people,
/// more contacts under one client than
/// [`DEFAULT_MAX_ITEMS_PER_RECORD`](super::DEFAULT_MAX_ITEMS_PER_RECORD),
/// a kept value longer than
/// [`DEFAULT_MAX_FIELD_BYTES`](super::DEFAULT_MAX_FIELD_BYTES).
pub fn decode_response(bytes: &[u8]) -> Result<Payload, WireError> {
    decode_response_with_limits(bytes, &Limits::for_provider(Profile::Xpm))
}

/// [`decode_response`] within `limits`: clients and their people count
/// as records, a client's contacts as its items, and only the values kept
/// are held to [`Limits::max_field_bytes`].
///
/// # Errors
/// As [`decode_response`].
pub fn decode_response_with_limits(bytes: &[u8], limits: &Limits) -> Result<Payload, WireError> {
    if crate::wire::sniff::xero_xml(bytes).is_some() {
        return Err(WireError::Unsupported {
            provider: Some(Profile::XeroGl),
            detail: "a Xero accounting XML answer, not an XPM one".into(),
        });
    }
    let doc = decode::parse(bytes, decode::Expect::Response, None, limits)?;
    match doc.status.as_deref() {
        None => {}
        Some(s) if s.eq_ignore_ascii_case("OK") => {}
        Some(s) if s.eq_ignore_ascii_case("ERROR") => {
            let description = doc.error_description.unwrap_or_default();
            return Ok(Payload::Error {
                error: error_from_description(&description),
                items: Vec::new(),
            });
        }
        Some(s) => {
            let shown: String = s.chars().take(40).filter(|c| !c.is_control()).collect();
            return Err(WireError::Shape {
                provider: Profile::Xpm,
                path: "Response.Status".into(),
                detail: format!("expected `OK` or `ERROR`, found `{shown}`"),
            });
        }
    }
    if !doc.listed {
        return Err(WireError::Unsupported {
            provider: Some(Profile::Xpm),
            detail: "an answer without `Clients` or `Client`: only client.api answers are read"
                .into(),
        });
    }
    let mut records = doc.clients;
    records.extend(doc.people);
    Ok(Payload::Contacts {
        records,
        next_page: doc.next_page,
    })
}

/// Decodes a client answer (list, paged-list, search, get).
///
/// # Errors
/// As [`decode_response`]; an `ERROR` answer is a [`WireError::Shape`] at
/// `Response.Status` here (use [`decode_response`] or [`decode_error`] to
/// get the adapter error it stands for).
pub fn decode_clients(bytes: &[u8]) -> Result<ContactsPage, WireError> {
    decode_clients_with_limits(bytes, &Limits::for_provider(Profile::Xpm))
}

/// [`decode_clients`] within `limits` (see [`decode_response_with_limits`]).
///
/// # Errors
/// As [`decode_clients`].
pub fn decode_clients_with_limits(
    bytes: &[u8],
    limits: &Limits,
) -> Result<ContactsPage, WireError> {
    match decode_response_with_limits(bytes, limits)? {
        Payload::Contacts { records, next_page } => Ok(ContactsPage { records, next_page }),
        Payload::Error { error, .. } => Err(WireError::Shape {
            provider: Profile::Xpm,
            path: "Response.Status".into(),
            detail: format!("an error answer: {error}"),
        }),
        other => Err(WireError::Unsupported {
            provider: Some(Profile::Xpm),
            detail: format!("not a client answer: {}", other.summary()),
        }),
    }
}

/// Reads a `<Client>` request body (add, update, archive) back into a
/// record, as XPM would read it: for tests and for replaying recorded
/// requests. An add body has no UUID: the record's `id` is then empty.
/// Contacts inside the body are ignored.
///
/// # Errors
/// As [`decode_response`], for a `<Client>` root.
pub fn decode_client_body(bytes: &[u8]) -> Result<Contact, WireError> {
    let doc = decode::parse(
        bytes,
        decode::Expect::ClientBody,
        None,
        &Limits::for_provider(Profile::Xpm),
    )?;
    doc.clients
        .into_iter()
        .next()
        .ok_or_else(|| WireError::Shape {
            provider: Profile::Xpm,
            path: "Client".into(),
            detail: "no client".into(),
        })
}

/// Reads a `<Contacts>` (contacts add) or `<Contact>` (contact update)
/// request body back into people linked to `client` (the UUID of the
/// request's path).
///
/// # Errors
/// As [`decode_response`], for a `<Contacts>` or `<Contact>` root.
pub fn decode_client_contacts_body(
    bytes: &[u8],
    client: &ContactId,
) -> Result<Vec<Contact>, WireError> {
    let doc = decode::parse(
        bytes,
        decode::Expect::ContactsBody,
        Some(client),
        &Limits::for_provider(Profile::Xpm),
    )?;
    Ok(doc.people)
}

/// The adapter error an XPM failure stands for, from the HTTP status and
/// the body (an XPM `<Response>` with `ErrorDescription`, or anything
/// else, quoted in part). A 429 waits [`DEFAULT_RETRY_AFTER_SECS`]; see
/// [`decode_error_with_retry_after`] to pass the header.
#[must_use]
pub fn decode_error(status: u16, body: &[u8]) -> AdapterError {
    decode_error_with_retry_after(status, None, body)
}

/// [`decode_error`] with the `Retry-After` header of the answer, when it
/// has one (whole seconds; an HTTP date, which would need the clock, falls
/// back to [`DEFAULT_RETRY_AFTER_SECS`]).
#[must_use]
pub fn decode_error_with_retry_after(
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
) -> AdapterError {
    let description = describe(body);
    let message = || {
        description
            .clone()
            .unwrap_or_else(|| format!("HTTP {status} from XPM"))
    };
    match status {
        401 => AdapterError::AccessTokenExpired { message: message() },
        403 => AdapterError::Authentication { message: message() },
        404 => AdapterError::NotFound {
            id: ContactId::new(
                description
                    .as_deref()
                    .and_then(text::find_uuid)
                    .unwrap_or_default(),
            ),
        },
        408 | 500..=599 => AdapterError::Transient { message: message() },
        429 => AdapterError::RateLimited {
            retry_after_secs: retry_after
                .and_then(|h| h.trim().parse::<u64>().ok())
                .unwrap_or(DEFAULT_RETRY_AFTER_SECS),
        },
        100..=199 | 300..=399 => AdapterError::Transient {
            message: format!("unexpected HTTP {status} from XPM"),
        },
        _ => match &description {
            Some(d) => error_from_description(d),
            None => AdapterError::Validation {
                code: None,
                message: message(),
            },
        },
    }
}

/// The text an error body carries: XPM's `ErrorDescription`; the
/// `Detail`, else `Title` (either casing) or `Message` of a JSON body —
/// the API gateway in front of XPM answers in JSON (`{"Title":
/// "Unauthorized","Status":401,"Detail":"TokenExpired: …"}`) although XPM
/// itself speaks XML; else the start of the body without control
/// characters.
fn describe(body: &[u8]) -> Option<String> {
    if let Some(text) = text::json_message(body) {
        return Some(text);
    }
    if decode::is_response(body)
        && let Ok(doc) = decode::parse(
            body,
            decode::Expect::Response,
            None,
            &Limits::for_provider(Profile::Xpm),
        )
        && let Some(d) = doc.error_description
    {
        return Some(d);
    }
    let text = String::from_utf8_lossy(body);
    let shown: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    let shown = shown.trim();
    (!shown.is_empty()).then(|| shown.to_owned())
}

/// The adapter error of an `ErrorDescription` (XPM has no error codes).
fn error_from_description(description: &str) -> AdapterError {
    let lower = description.to_lowercase();
    if lower.contains("not found") || lower.contains("does not exist") {
        return AdapterError::NotFound {
            id: ContactId::new(text::find_uuid(description).unwrap_or_default()),
        };
    }
    if lower.contains("too many requests") || lower.contains("rate limit") {
        return AdapterError::RateLimited {
            retry_after_secs: DEFAULT_RETRY_AFTER_SECS,
        };
    }
    let message = if description.trim().is_empty() {
        "XPM reported an error without a description".to_owned()
    } else {
        description.to_owned()
    };
    AdapterError::Validation {
        code: None,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_map_to_adapter_errors() {
        assert_eq!(
            error_from_description("The client does not exist"),
            AdapterError::NotFound {
                id: ContactId::default()
            }
        );
        assert!(matches!(
            error_from_description("Rate limit exceeded"),
            AdapterError::RateLimited { .. }
        ));
        assert!(matches!(
            error_from_description(""),
            AdapterError::Validation { ref message, .. } if !message.is_empty()
        ));
    }

    #[test]
    fn error_bodies_are_quoted_without_control_characters() {
        assert_eq!(describe(b"line1\nline2\0"), Some("line1 line2".to_owned()));
        assert_eq!(describe(b" \n "), None);
        assert_eq!(describe(&[b'x'; 500]).map(|s| s.len()), Some(200));
    }
}
