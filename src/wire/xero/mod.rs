//! Xero Accounting API (JSON): contacts, invoices and payments in; contact
//! create / update / archive, invoice and payment bodies out.
//!
//! # Reading
//!
//! [`decode_any`] recognises a Xero document by its top-level keys
//! (`Contacts`, `Invoices`, `Payments`, an `ErrorNumber` exception or a
//! `Title`/`Detail` problem body) with a byte scan that builds nothing;
//! the typed decoders then read it. Unknown fields are skipped.
//!
//! | Xero contact | model |
//! |---|---|
//! | `ContactID` | `id` (empty when absent, as in a create request) |
//! | `Name` | `display_name` |
//! | `FirstName`, `LastName` | `first_name`, `last_name`: the contact person's names. The Xero GL profile reads the display name alone as the name ([`crate::sync::read_field`]), so they only inform the person / organisation classifier |
//! | `EmailAddress` | the one email, marked primary (billing) |
//! | `ContactStatus` | `status`: `ACTIVE` → active; `ARCHIVED` and `GDPRREQUEST` → archived (a contact that asked to be forgotten must get no new work; it reads like a removal). Any other value is a [`WireError::Shape`] |
//! | `Addresses[]` | `STREET` → `Physical`, `POBOX` → `Mailing` (the Xero profile's synced "billing" address). `AddressLine1`–`4` become `lines` with trailing blank lines dropped; empty strings read as absent; a blank address is dropped; the `POBOX` address is the primary one when there is one, else the `STREET` one. Other types are skipped; two of one type is a [`WireError::Shape`] |
//! | `Phones[]` | `DEFAULT` → `Primary`, `MOBILE` → `Mobile`, `FAX` → `Fax`, `DDI` and `OFFICE` → `Other`, in payload order. A slot with an empty `PhoneNumber` is dropped; a filled one becomes one text: country code, area code and number joined by spaces (`1 604 408-0914`) |
//! | `UpdatedDateUTC` | `extras.version` ([`VersionToken::UpdatedAt`]) and `extras.updated_at`; both `/Date(ms)/` and `/Date(ms+hhmm)/` are read |
//! | `MergedToContactID` | `extras.merged_into` |
//! | `CompanyNumber` | `extras.company_number` (a hint for the person / organisation classifier, T3) |
//! | `TaxNumberType` | `extras.tax_id`: `SSN`, `ITIN`, `ATIN` → [`TaxIdKind::Personal`](crate::model::TaxIdKind), `EIN` → `Business`, others absent. `TaxNumber` itself is never read (it may be a person's social security number) |
//! | `ContactGroups[]` | `client_group`: the first active group's name (read only: Xero assigns groups through its own endpoint) |
//! | `ContactPersons[]` | [`ContactsPage::people`], not `records` (below); their number in `extras.contact_persons` (a classifier hint) |
//!
//! `kind` stays `None`: Xero does not say whether a contact is a person or
//! an organisation (the classifier decides, T3). Not kept: `ContactNumber`,
//! `AccountNumber`, `AttentionTo`, the tax number, bank and balance fields,
//! `IsCustomer` / `IsSupplier`, payment terms, attachments.
//!
//! **Contact persons.** Xero gives contact persons no id and offers no
//! call to change one on its own, so they are kept out of
//! [`Payload::Contacts`]: the planner would otherwise plan writes to
//! records that cannot be written. [`decode_contacts`] returns them in
//! [`ContactsPage::people`] as person records linked to their contact
//! through `organization_ids`, with positional ids `<ContactID>#<n>`
//! (stable only as long as the list is).
//!
//! **Paging.** A `pagination` object gives `next_page` (the next page
//! number as text) while `page < pageCount`. Without one, Xero's answer
//! is either a whole unpaged listing or a page of at most [`PAGE_SIZE`]:
//! [`decode_contacts`] cannot tell which and gives no next page, while
//! [`decode_contacts_page`], told which page was asked for, takes a full
//! page of [`PAGE_SIZE`] records to mean that another may follow.
//! [`decode_contacts_listing`] reads the pages of a whole listing into
//! one [`ContactsPage`], as each page alone would read (on rayon's pool
//! with the `parallel` feature).
//!
//! **Invoices** ([`decode_invoices`]): `ACCREC` only; other types
//! (`ACCPAY`, credit notes…) are listed in [`InvoicesPage::skipped`].
//! `Status`: `DRAFT` and `SUBMITTED` (awaiting approval) → draft,
//! `AUTHORISED` → awaiting payment, `PAID` → paid, `VOIDED` and `DELETED`
//! → void. `Date` and `DueDate` are read as `YYYY-MM-DD`,
//! `YYYY-MM-DDTHH:MM:SS` or `/Date(…)/`; a missing `DueDate` (a draft) is
//! the issue date. Line items: `Quantity` (1 when absent) and `UnitAmount`
//! (when absent: the `LineAmount` over the quantity when that is exact,
//! a [`WireError::Shape`] when it is not, 0 without a `LineAmount`) as exact
//! decimals read from their JSON text — numbers never pass through a
//! float; `ItemCode` → `work_type`. `TaxType` is a code of the
//! organisation's tax rates, not a rate: it is kept per line in
//! [`XeroInvoice::tax_types`], and becomes the line's `tax_rate` only when
//! [`DecodeOptions::tax_rates`] knows it (`NONE` is no tax).
//! `LineAmountTypes` (any letter case): `Exclusive` (or absent) prices are
//! net, as the model's are; `NoTax` lines get no rate; an `Inclusive`
//! invoice whose line would get a non-zero rate is a [`WireError::Shape`]
//! (its prices include the tax, which the model would add again; without
//! a known rate its lines read gross, untaxed); another value is a
//! [`WireError::Shape`]. A missing
//! `CurrencyCode` is [`DecodeOptions::base_currency`]. A line with a
//! non-zero `DiscountRate` (percent) or `DiscountAmount` is kept at its
//! full price, followed by a discount line: one unit at minus the
//! discount (the full price, rounded to the cent, less Xero's
//! `LineAmount`; without one, the `DiscountAmount` or the rate's share),
//! described `Discount 10%` or `Discount`, with the line's tax rate and
//! `TaxType` (the discount lowers the taxed amount), so that the
//! invoice's total agrees with Xero's (the tax, rounded per line, may
//! differ from Xero's by a cent). A line without a discount whose
//! `LineAmount` is not its quantity times its unit amount, rounded to the
//! cent, is a [`WireError::Shape`] (the model keeps only those two, and
//! the invoice's total would change).
//!
//! **Payments** ([`decode_payments`]): `ACCRECPAYMENT` only (others, and
//! `DELETED` payments, go to [`PaymentsPage::skipped`]); one allocation of
//! the whole `Amount` to `Invoice.InvoiceID`; the payer is
//! `Invoice.Contact.ContactID` (empty when absent); `Reference` →
//! `reference`; origin ledger; the currency is `Invoice.CurrencyCode`,
//! else the base currency.
//!
//! # Errors from Xero
//!
//! [`decode_error`] maps an HTTP status and body: 401 (the access token,
//! `TokenExpired: …`) → `AccessTokenExpired` (refresh and retry once); 403
//! (access taken away) → `Authentication`; 404 → `NotFound`; 429 → `RateLimited` (the
//! `Retry-After` seconds given, else Xero's [`RATE_LIMIT_WINDOW_SECS`]);
//! 408 and 5xx → `Transient`. A 400 `ValidationException` whose
//! `Elements[].ValidationErrors[].Message` says a contact name "is already
//! assigned to another contact" → `DuplicateName` with that name; any
//! other → `Validation` with the `ErrorNumber` as code and the first
//! message. [`decode_error_detail`] also gives each element's messages.
//!
//! # Writing
//!
//! | operation | function | request |
//! |---|---|---|
//! | create a contact | [`encode_contact_create`] | `PUT Contacts` |
//! | update a contact | [`encode_contact_update`] | `POST Contacts/{ContactID}` |
//! | a whole contact, with its id | [`encode_contact`] | `POST Contacts` |
//! | a planned contact [`Action`] | [`encode_action`] | one of the above, as a [`Request`] |
//! | create an invoice | [`encode_invoice_create`] | `PUT Invoices` |
//! | record payments | [`encode_payment_create`] | `PUT Payments` |
//!
//! Limits checked before anything is sent ([`WireError::TooLong`]):
//! [`MAX_NAME_CHARS`], [`MAX_PERSON_NAME_CHARS`], [`MAX_EMAIL_CHARS`],
//! [`MAX_ADDRESS_LINE_CHARS`], [`MAX_CITY_CHARS`], [`MAX_REGION_CHARS`],
//! [`MAX_POSTAL_CODE_CHARS`], [`MAX_COUNTRY_CHARS`],
//! [`MAX_PHONE_NUMBER_CHARS`], [`MAX_INVOICE_NUMBER_CHARS`],
//! [`MAX_IDEMPOTENCY_KEY_CHARS`]. Refused as [`WireError::Invalid`]: an
//! empty name; an email with letters outside ASCII (Xero documents that
//! it refuses umlauts); more than [`MAX_ADDRESS_LINES`] street lines; two
//! addresses for one slot (mailing and billing both map to `POBOX`); more
//! phones of a kind than Xero has slots (one each of primary, mobile and
//! fax; two others, as `DDI` then `OFFICE`); an id that is not letters,
//! digits and hyphens; an invoice without lines, with a blank line
//! description or a line in another currency; a payment without
//! allocation, with an unapplied remainder (Xero records payments against
//! invoices only), to an invoice not created yet, or of zero.
//!
//! Decisions where the docs are silent:
//!
//! - Phones are written as one `PhoneNumber`, with `PhoneAreaCode` and
//!   `PhoneCountryCode` sent empty, so a changed number never keeps a
//!   stale area code. An update clears a phone or address slot by sending
//!   it empty, and an email by sending `""`.
//! - An update sends the `ContactID` and the patched fields only. Xero has
//!   no version token (last write wins): the expected version is not sent.
//! - An invoice is created `AUTHORISED` (only sent invoices are synced,
//!   I1) with `LineAmountTypes` `Exclusive` (the draft's prices are net),
//!   `ItemCode` = the line's service, `TaxType` = its tax code or `NONE`
//!   when untaxed (leaving it out would let Xero apply the account's
//!   default tax). No `LineAmount` is sent: Xero computes it.
//! - A payment's `Reference` is the source payment's id, so the copy is
//!   recognised and never copied back.
//!
//! **The calls.** [`calls`] builds the whole request of every port
//! method (path, query, headers, body) and reads its answer into the
//! port's type or error: [`Calls`], with its table of port methods.
//!
//! **What a contact keeps** through Xero is [`carried_as_contact`]:
//! decoding an encoded contact gives exactly that back.
//!
//! ```
//! use ledgerlink::model::{AddressKind, ContactStatus, PhoneKind, VersionToken};
//! use ledgerlink::wire::xero;
//!
//! let json = br#"{"pagination":{"page":1,"pageSize":100,"pageCount":3,"itemCount":250},
//!   "Contacts":[{"ContactID":"5cc8cf28-567e-4d43-b287-687cfcaec47c",
//!     "ContactStatus":"ARCHIVED","Name":"Harbour Lights Cafe",
//!     "EmailAddress":"ap@harbour.test",
//!     "Addresses":[{"AddressType":"POBOX","AddressLine1":"PO Box 12","City":"Wellington",
//!                   "Region":"","PostalCode":"6011","Country":""}],
//!     "Phones":[{"PhoneType":"DEFAULT","PhoneNumber":"384 1234","PhoneAreaCode":"04",
//!                "PhoneCountryCode":""},
//!               {"PhoneType":"FAX","PhoneNumber":"","PhoneAreaCode":"","PhoneCountryCode":""}],
//!     "UpdatedDateUTC":"/Date(1551399321043+0000)/",
//!     "MergedToContactID":"3ec601ad-eddc-4ccb-a8ac-736e88293b1b"}]}"#;
//! let page = xero::decode_contacts(json)?;
//! assert_eq!(page.next_page.as_deref(), Some("2"));
//! let c = &page.records[0];
//! assert_eq!(c.display_name.as_deref(), Some("Harbour Lights Cafe"));
//! assert_eq!(c.status, ContactStatus::Archived);
//! assert_eq!(c.addresses[0].kind, AddressKind::Mailing);
//! assert_eq!(c.phones.len(), 1); // the empty FAX slot is dropped
//! assert_eq!((c.phones[0].kind, c.phones[0].number.as_str()), (PhoneKind::Primary, "04 384 1234"));
//! assert!(matches!(c.extras.version, Some(VersionToken::UpdatedAt(_))));
//! assert_eq!(c.extras.merged_into.as_ref().map(|m| m.as_str()),
//!            Some("3ec601ad-eddc-4ccb-a8ac-736e88293b1b"));
//!
//! // And back: what Xero would read from the create body.
//! let body = xero::encode_contact_create(c)?;
//! let again = xero::decode_contacts(body.as_bytes())?.records.remove(0);
//! let mut expected = xero::carried_as_contact(c);
//! expected.id = Default::default(); // a create names no id
//! assert_eq!(again, expected);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use crate::billing::{InvoiceDraft, PaymentDraft};
use crate::model::{
    Address, AddressKind, Contact, ContactId, Currency, Email, Invoice, Payment, ProviderExtras,
    TaxRate,
};
use crate::ports::AdapterError;
use crate::sync::{Action, FieldPatch};

#[cfg(doc)]
use crate::model::VersionToken;

use super::{Limits, Payload, Profile, WireError};

mod billing;
pub mod calls;
mod contacts;
mod dates;
mod encode;
mod errors;
mod json;
mod keys;
mod lexer;
#[cfg(test)]
mod tests;
mod xml;

/// Records on a page of a paged Xero listing.
pub const PAGE_SIZE: usize = 100;
/// Xero's rate-limit window (60 calls per rolling minute per tenant): the
/// wait assumed for a 429 without `Retry-After`.
pub const RATE_LIMIT_WINDOW_SECS: u64 = crate::rules::pacing::XERO.window_secs as u64;
// The limits below are counted in UTF-16 code units, as the ledger counts
// them (the `_CHARS` names are kept for compatibility); each is the `max`
// of its entry in `rules::limits::xero`, the table the planners and the
// in-memory ledgers read too.

/// Longest contact `Name`.
pub const MAX_NAME_CHARS: usize = crate::rules::limits::xero::NAME.max;
/// Longest `FirstName` / `LastName`.
pub const MAX_PERSON_NAME_CHARS: usize = crate::rules::limits::xero::PERSON_NAME.max;
/// Longest `EmailAddress`.
pub const MAX_EMAIL_CHARS: usize = crate::rules::limits::xero::EMAIL.max;
/// Street lines of an address (`AddressLine1`–`AddressLine4`).
pub const MAX_ADDRESS_LINES: usize = crate::rules::limits::xero::MAX_ADDRESS_LINES;
/// Longest `AddressLine1`–`AddressLine4`.
pub const MAX_ADDRESS_LINE_CHARS: usize = crate::rules::limits::xero::ADDRESS_LINE.max;
/// Longest `City`.
pub const MAX_CITY_CHARS: usize = crate::rules::limits::xero::CITY.max;
/// Longest `Region`.
pub const MAX_REGION_CHARS: usize = crate::rules::limits::xero::REGION.max;
/// Longest `PostalCode`.
pub const MAX_POSTAL_CODE_CHARS: usize = crate::rules::limits::xero::POSTAL_CODE.max;
/// Longest `Country`.
pub const MAX_COUNTRY_CHARS: usize = crate::rules::limits::xero::COUNTRY.max;
/// Longest `PhoneNumber`.
pub const MAX_PHONE_NUMBER_CHARS: usize = crate::rules::limits::xero::PHONE_NUMBER.max;
/// Longest `InvoiceNumber`.
pub const MAX_INVOICE_NUMBER_CHARS: usize = crate::rules::limits::xero::INVOICE_NUMBER.max;
/// Longest `Idempotency-Key` header.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = crate::rules::limits::xero::IDEMPOTENCY_KEY.max;

/// What the typed decoders need to know that a Xero document may not say.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// The organisation's base currency (`Organisation.BaseCurrency`): the
    /// currency of an invoice or payment without `CurrencyCode`. Default:
    /// NZD, Xero's home currency — set it from the organisation.
    pub base_currency: Currency,
    /// The organisation's tax rates by `TaxType` code: a line whose code
    /// is listed gets that rate, others get none (their code is kept in
    /// [`XeroInvoice::tax_types`]).
    pub tax_rates: BTreeMap<String, TaxRate>,
    /// What one payload may make the decoders build
    /// ([`Limits::for_provider`] by default): contacts, invoices and
    /// payments count as records (contact persons too), line items,
    /// phones, addresses, groups and contact persons as items of their
    /// record, and every text value kept is held to `max_field_bytes`.
    pub limits: Limits,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            base_currency: Currency::NZD,
            tax_rates: BTreeMap::new(),
            limits: Limits::for_provider(Profile::XeroGl),
        }
    }
}

/// A page of contacts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactsPage {
    /// The contacts, in listing order.
    pub records: Vec<Contact>,
    /// Their contact persons, as people linked to their contact (see the
    /// module docs): not part of [`Payload::Contacts`].
    pub people: Vec<Contact>,
    /// The next page number, when there is one.
    pub next_page: Option<String>,
}

/// A record a decoder left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its id (`InvoiceID`, `PaymentID`; empty when it has none).
    pub id: String,
    /// Why (`Type ACCPAY`, `PaymentType ARCREDITPAYMENT`, `Status DELETED`).
    pub reason: String,
}

/// An invoice with what Xero says of it beyond the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XeroInvoice {
    /// The invoice.
    pub invoice: Invoice,
    /// `Reference` (shown to the client), when filled.
    pub reference: Option<String>,
    /// Each line's `TaxType` code, in line order.
    pub tax_types: Vec<Option<String>>,
}

/// A page of invoices.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvoicesPage {
    /// The `ACCREC` invoices, in listing order.
    pub records: Vec<XeroInvoice>,
    /// Invoices of other types.
    pub skipped: Vec<Skipped>,
    /// The next page number, when there is one.
    pub next_page: Option<String>,
}

impl InvoicesPage {
    /// The invoices alone.
    #[must_use]
    pub fn into_invoices(self) -> Vec<Invoice> {
        self.records.into_iter().map(|x| x.invoice).collect()
    }
}

/// A page of payments.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaymentsPage {
    /// Payments of sales invoices, in listing order.
    pub records: Vec<Payment>,
    /// Other payments (credit-note refunds, prepayments…) and deleted ones.
    pub skipped: Vec<Skipped>,
    /// The next page number, when there is one.
    pub next_page: Option<String>,
}

/// An error response: the typed error, and each element's messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetail {
    /// The error.
    pub error: AdapterError,
    /// One entry per element of the request, in order: its validation
    /// messages joined by spaces (empty for an element without any).
    pub items: Vec<String>,
}

pub use super::{Method, Request};

pub use calls::{
    API_BASE, CHANGES_OVERLAP_SECS, Calls, LedgerFactsCalls, MAX_BATCH_CONTACTS, MAX_FACT_PAGES,
    MAX_PAGE_SIZE, MAX_REQUEST_BYTES, batch_idempotency_key,
};

/// Recognises and decodes a payload of this provider (`None`: not one),
/// with the default [`DecodeOptions`].
#[must_use]
pub fn decode_any(bytes: &[u8]) -> Option<Result<Payload, WireError>> {
    decode_any_with(bytes, &DecodeOptions::default())
}

/// [`decode_any`] with options.
#[must_use]
pub fn decode_any_with(bytes: &[u8], opts: &DecodeOptions) -> Option<Result<Payload, WireError>> {
    match crate::wire::sniff::xero_xml(bytes) {
        Some(crate::wire::sniff::XeroXml::Exception) => {
            return Some(decode_error_body(bytes).map(|d| Payload::Error {
                error: d.error,
                items: d.items,
            }));
        }
        Some(crate::wire::sniff::XeroXml::Response) => return Some(Err(xml::refusal(bytes))),
        None => {}
    }
    let keys = json::top_keys(bytes)?;
    if keys.error_number || (keys.elements && keys.kind) || (keys.title && keys.status) {
        return Some(decode_error_body(bytes).map(|d| Payload::Error {
            error: d.error,
            items: d.items,
        }));
    }
    if keys.contacts {
        return Some(
            contacts::decode(bytes, None, &opts.limits).map(|p| Payload::Contacts {
                records: p.records,
                next_page: p.next_page,
            }),
        );
    }
    if keys.invoices {
        return Some(
            decode_invoices_with(bytes, opts).map(|p| Payload::Invoices(p.into_invoices())),
        );
    }
    if keys.payments {
        return Some(decode_payments_with(bytes, opts).map(|p| Payload::Payments(p.records)));
    }
    None
}

/// Decodes a contacts listing or a single contact's answer
/// (`{"Contacts":[…]}`); `next_page` comes from its `pagination`.
///
/// # Errors
/// [`WireError::Syntax`] for bytes that are not JSON,
/// [`WireError::Shape`] for a document without `Contacts`, a value of the
/// wrong type, an unknown `ContactStatus` or an unreadable date.
pub fn decode_contacts(bytes: &[u8]) -> Result<ContactsPage, WireError> {
    contacts::decode(bytes, None, &Limits::for_provider(Profile::XeroGl))
}

/// [`decode_contacts`] (`page`: `None`) or [`decode_contacts_page`]
/// within `limits`: contacts and their contact persons count as records,
/// the addresses, phones, groups and persons of one contact as its items;
/// every text value kept is held to [`Limits::max_field_bytes`].
///
/// # Errors
/// As [`decode_contacts`]; [`WireError::TooLarge`] past a limit.
pub fn decode_contacts_with_limits(
    bytes: &[u8],
    page: Option<u32>,
    limits: &Limits,
) -> Result<ContactsPage, WireError> {
    contacts::decode(bytes, page, limits)
}

/// [`decode_contacts`] for the answer to `?page={page}`: without a
/// `pagination` object, a full page of [`PAGE_SIZE`] records means the
/// next page may hold more.
///
/// # Errors
/// As [`decode_contacts`].
pub fn decode_contacts_page(bytes: &[u8], page: u32) -> Result<ContactsPage, WireError> {
    contacts::decode(bytes, Some(page), &Limits::for_provider(Profile::XeroGl))
}

/// Decodes the pages of one contacts listing, the answers to `?page=1`,
/// `?page=2`, … given in that order, into one [`ContactsPage`]: records
/// and people in listing order, and the last page's `next_page` (as
/// [`decode_contacts_page`] reads each page). Each page is held to
/// `limits` on its own.
///
/// With the `parallel` feature the pages are decoded on rayon's pool, in
/// groups of consecutive pages (one per thread), and put together in
/// order: the result does not depend on the number of threads. It is
/// the call for a caller that holds a whole listing (a first
/// connection, a full listing on each run); one answer at a time,
/// [`decode_contacts_page`] is the same.
///
/// # Errors
/// The first page, in order, that does not decode: its number (from 1)
/// and its error, as [`decode_contacts_page`] gives it.
///
/// ```
/// use ledgerlink::wire::{Limits, Profile, xero};
///
/// let pages = [
///     br#"{"pagination":{"page":1,"pageCount":2},"Contacts":[{"ContactID":"a","Name":"A"}]}"#.as_slice(),
///     br#"{"pagination":{"page":2,"pageCount":2},"Contacts":[{"ContactID":"b","Name":"B"}]}"#,
/// ];
/// let all = xero::decode_contacts_listing(&pages, &Limits::for_provider(Profile::XeroGl))?;
/// assert_eq!(all.records.len(), 2);
/// assert_eq!(all.records[1].id, "b");
/// assert_eq!(all.next_page, None);
///
/// let bad = xero::decode_contacts_listing(&[pages[0], b"{}"], &Limits::default());
/// assert_eq!(bad.map_err(|e| e.page), Err(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode_contacts_listing<B: AsRef<[u8]> + Sync>(
    pages: &[B],
    limits: &Limits,
) -> Result<ContactsPage, PageError> {
    contacts::decode_listing(pages, limits)
}

/// A page of a listing that did not decode
/// ([`decode_contacts_listing`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("page {page}: {error}")]
#[non_exhaustive]
pub struct PageError {
    /// The page's number: its place in the listing, from 1.
    pub page: u32,
    /// Why it did not decode.
    pub error: WireError,
}

/// Decodes the answer to `GET Contacts/{ContactID}`: exactly one contact.
///
/// # Errors
/// As [`decode_contacts`]; [`WireError::Shape`] unless the document holds
/// exactly one contact.
pub fn decode_contact(bytes: &[u8]) -> Result<Contact, WireError> {
    let mut page = contacts::decode(bytes, None, &Limits::for_provider(Profile::XeroGl))?;
    if page.records.len() != 1 {
        return Err(json::shape(
            "Contacts",
            format!("{} contacts where one was expected", page.records.len()),
        ));
    }
    page.records
        .pop()
        .ok_or_else(|| json::shape("Contacts", "no contact"))
}

/// Decodes an invoices listing (`{"Invoices":[…]}`) with the default
/// options.
///
/// # Errors
/// [`WireError::Syntax`], or [`WireError::Shape`] for a document without
/// `Invoices`, a missing `Date`, an unknown `Status` or `LineAmountTypes`,
/// an amount or date that cannot be read, a currency code that is not
/// one, a line the model cannot keep (tax-inclusive prices with a known
/// rate, a `LineAmount` without an exact unit price, a discount above the
/// line's price).
pub fn decode_invoices(bytes: &[u8]) -> Result<InvoicesPage, WireError> {
    billing::decode_invoices(bytes, &DecodeOptions::default())
}

/// [`decode_invoices`] with options (base currency, tax rates).
///
/// # Errors
/// As [`decode_invoices`].
pub fn decode_invoices_with(bytes: &[u8], opts: &DecodeOptions) -> Result<InvoicesPage, WireError> {
    billing::decode_invoices(bytes, opts)
}

/// Decodes a payments listing (`{"Payments":[…]}`) with the default
/// options.
///
/// # Errors
/// [`WireError::Syntax`], or [`WireError::Shape`] for a document without
/// `Payments`, a missing `Date` or `Amount`, a value that cannot be read.
pub fn decode_payments(bytes: &[u8]) -> Result<PaymentsPage, WireError> {
    billing::decode_payments(bytes, &DecodeOptions::default())
}

/// [`decode_payments`] with options (base currency).
///
/// # Errors
/// As [`decode_payments`].
pub fn decode_payments_with(bytes: &[u8], opts: &DecodeOptions) -> Result<PaymentsPage, WireError> {
    billing::decode_payments(bytes, opts)
}

/// The typed error of an HTTP status and body (JSON, text or empty);
/// `retry_after_secs` is the `Retry-After` header of a 429, when sent.
///
/// ```
/// use ledgerlink::ports::AdapterError;
/// use ledgerlink::wire::xero;
///
/// let body = br#"{"ErrorNumber":10,"Type":"ValidationException","Elements":[{"Name":"Acme",
///   "ValidationErrors":[{"Message":"The contact name Acme is already assigned to another contact. The contact name must be unique across all active contacts."}]}]}"#;
/// assert_eq!(xero::decode_error(400, body, None),
///            AdapterError::DuplicateName { name: "Acme".into() });
/// assert_eq!(xero::decode_error(429, b"", None),
///            AdapterError::RateLimited { retry_after_secs: 60 });
/// ```
#[must_use]
pub fn decode_error(status: u16, body: &[u8], retry_after_secs: Option<u64>) -> AdapterError {
    errors::decode(status, body, retry_after_secs, None).error
}

/// [`decode_error`] with each element's messages, and the id of the
/// record the call was about (for a 404, whose body names none).
#[must_use]
pub fn decode_error_detail(
    status: u16,
    body: &[u8],
    retry_after_secs: Option<u64>,
    id: Option<&str>,
) -> ErrorDetail {
    errors::decode(status, body, retry_after_secs, id)
}

/// Reads an error body without its HTTP status (a problem body's own
/// `Status`, else 400, Xero's status for its exception bodies).
///
/// # Errors
/// [`WireError::Syntax`] or [`WireError::Shape`] for a body that is not a
/// JSON object of the expected shape.
pub fn decode_error_body(bytes: &[u8]) -> Result<ErrorDetail, WireError> {
    errors::decode_body(bytes)
}

/// Checks an `Idempotency-Key`: 1 to [`MAX_IDEMPOTENCY_KEY_CHARS`]
/// printable ASCII characters, no leading or trailing space.
///
/// # Errors
/// [`WireError::TooLong`] or [`WireError::Invalid`].
pub fn check_idempotency_key(key: &str) -> Result<(), WireError> {
    encode::check_idempotency_key(key)
}

/// The body that creates `contact` (`PUT Contacts`): `Name` (the
/// contact's label), `ContactStatus`, `FirstName`, `LastName`,
/// `EmailAddress` (the billing email), `Addresses`, `Phones`. No
/// `ContactID`: Xero assigns it.
///
/// # Errors
/// [`WireError::TooLong`] or [`WireError::Invalid`] (see the module docs).
pub fn encode_contact_create(contact: &Contact) -> Result<String, WireError> {
    encode::contact(contact, false)
}

/// The body that writes the whole of `contact`, with its `ContactID` when
/// it has one (Xero then updates that contact): for stores that read,
/// modify and write a whole record.
///
/// # Errors
/// As [`encode_contact_create`].
pub fn encode_contact(contact: &Contact) -> Result<String, WireError> {
    encode::contact(contact, true)
}

/// The body that writes a patch (a Xero GL profile [`FieldPatch`]) to
/// `target` (`POST Contacts/{ContactID}`): the `ContactID` and the patched
/// fields only.
///
/// # Errors
/// [`WireError::Invalid`] for a patch of another profile, a name removed,
/// a value of the wrong kind, two changes for one address slot, a bad id;
/// [`WireError::TooLong`].
pub fn encode_contact_update(target: &ContactId, patch: &FieldPatch) -> Result<String, WireError> {
    encode::contact_update(target.as_str(), patch)
}

/// The request for a planned contact operation: a create (`PUT
/// Contacts`, with its idempotency key) or an update (`POST
/// Contacts/{ContactID}`).
///
/// # Errors
/// As the encoders; [`WireError::Invalid`] or [`WireError::TooLong`] for
/// an idempotency key Xero would refuse.
pub fn encode_action(action: &Action) -> Result<Request, WireError> {
    match action {
        Action::Create {
            contact,
            idempotency_key,
            ..
        } => {
            check_idempotency_key(idempotency_key)?;
            Ok(Request {
                method: Method::Put,
                path: "Contacts".into(),
                body: encode_contact_create(contact)?,
                idempotency_key: Some(idempotency_key.clone()),
                query: Vec::new(),
                headers: Vec::new(),
            })
        }
        Action::Update {
            target_id, patch, ..
        } => Ok(Request {
            method: Method::Post,
            body: encode_contact_update(target_id, patch)?,
            path: format!("Contacts/{target_id}"),
            idempotency_key: None,
            query: Vec::new(),
            headers: Vec::new(),
        }),
    }
}

/// The body that creates an invoice (`PUT Invoices`) for the Xero contact
/// `contact_id` (the draft's customer, resolved).
///
/// # Errors
/// [`WireError::TooLong`] for an `InvoiceNumber` over
/// [`MAX_INVOICE_NUMBER_CHARS`]; [`WireError::Invalid`] (see the module
/// docs).
pub fn encode_invoice_create(draft: &InvoiceDraft, contact_id: &str) -> Result<String, WireError> {
    encode::invoice_create(draft, contact_id)
}

/// The body that records a payment (`PUT Payments`): one Xero payment per
/// allocation, into the account with code `account_code`, each with the
/// source payment's id as `Reference`.
///
/// # Errors
/// [`WireError::Invalid`] (see the module docs).
pub fn encode_payment_create(
    draft: &PaymentDraft,
    account_code: &str,
) -> Result<String, WireError> {
    encode::payment_create(draft, account_code)
}

/// What Xero keeps of a contact: decoding [`encode_contact`]'s body gives
/// exactly this back.
///
/// Kept: `id`, the label as `display_name`, first and last name, the
/// billing email (as the one primary email), `status`, filled phones, and
/// non-blank addresses (a billing address becomes the mailing one; blank
/// parts read as absent, trailing blank lines are dropped; the mailing
/// address is the primary one, else the first). Not kept: `kind`,
/// `organization_name` (Xero's name is one field), `middle_name`, other
/// emails, `contact_type`, `organization_ids`, `client_group` (set through
/// Xero's contact groups), and every extra (version, update time and merge
/// target are Xero's to set).
#[must_use]
pub fn carried_as_contact(contact: &Contact) -> Contact {
    let present = |s: Option<&str>| s.map(str::to_owned);
    let label = contact.label();
    let mut c = Contact {
        id: contact.id.clone(),
        display_name: (!label.trim().is_empty()).then_some(label),
        first_name: present(contact.first_name()),
        last_name: present(contact.last_name()),
        status: contact.status,
        extras: ProviderExtras::default(),
        ..Contact::default()
    };
    if let Some(e) = contact.billing_email().filter(|e| !e.trim().is_empty()) {
        c.emails.push(Email {
            address: e.to_owned(),
            primary: true,
        });
    }
    c.phones = contact
        .phones
        .iter()
        .filter(|p| !p.number.trim().is_empty())
        .cloned()
        .collect();
    let filled = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
    for a in contact.addresses.iter().filter(|a| !a.is_blank()) {
        let mut lines = a.lines.clone();
        lines.truncate(MAX_ADDRESS_LINES);
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        c.addresses.push(Address {
            kind: match a.kind {
                AddressKind::Physical => AddressKind::Physical,
                AddressKind::Mailing | AddressKind::Billing => AddressKind::Mailing,
            },
            primary: false,
            lines,
            city: filled(&a.city),
            region: filled(&a.region),
            postal_code: filled(&a.postal_code),
            country: filled(&a.country),
        });
    }
    let primary = c
        .addresses
        .iter()
        .position(|a| a.kind == AddressKind::Mailing)
        .unwrap_or(0);
    if let Some(a) = c.addresses.get_mut(primary) {
        a.primary = true;
    }
    c
}
