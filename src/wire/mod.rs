//! Wire codecs: the ledgers' real payloads to and from the model, with no
//! I/O — bytes in, records out; operations in, request bodies out.
//!
//! One module per provider, each behind its cargo feature (all on by
//! default):
//!
//! | module | feature | format |
//! |---|---|---|
//! | `xero` | `xero` | Xero Accounting API, JSON |
//! | `xpm` | `xpm` | Xero Practice Manager API v3.1, XML |
//! | `qbo` | `qbo` | QuickBooks Online API v3, JSON (XML read too) |
//! | `qbtime` | `qbtime` | QuickBooks Time API v1, JSON |
//!
//! Every decoder takes bytes and returns a typed [`WireError`] on anything
//! it cannot read — never a panic, whatever the bytes. Unknown fields are
//! ignored. Every encoder checks the provider's field limits first: a value
//! that would be cut or refused is reported as [`WireError::TooLong`] or
//! [`WireError::Invalid`] before anything is sent, never silently
//! shortened.
//!
//! [`decode_any`] recognises a payload of any supported kind from its
//! shape, for tools that read files (see the `decode_payloads` example).
//! It never gives a payload to the wrong provider: Xero's XML answers
//! (which share XPM's `<Response>` root) are Xero's, read (an
//! `<ApiException>`) or refused as Xero XML; QBO entities and answers of
//! kinds not read are refused as QBO's; every refusal names the provider
//! when one is recognised, and the kind. Besides records and errors it
//! reads deletions ([`Payload::Deleted`]) and batch answers
//! ([`Payload::Batch`]).
//!
//! # Limits
//!
//! Every decoder reads in time linear in its input, whatever the input
//! (attributes by the thousand, nesting by the hundred thousand: deep
//! nesting is a typed error, never a stack overflow), and bounds what it
//! builds by [`Limits`]: records per payload, items per record, bytes per
//! text value and bytes of input. Going past one is a
//! [`WireError::TooLarge`] naming the [`Limit`], the value found and the
//! path of the record or field — never a silently shortened page.
//!
//! The decoding functions keep their signatures and use
//! [`Limits::for_provider`]; to choose other limits, each codec takes them
//! where it already takes its configuration: the `limits` field of
//! `xero::DecodeOptions` and `qbo::DecodeOptions` (for functions that take
//! options), and a `_with_limits` variant of the listing decoders that
//! take none (`xero::decode_contacts_with_limits`,
//! `xpm::decode_response_with_limits`, `qbtime::decode_jobcodes_with_limits`,
//! …), and [`decode_any_with_limits`] here.

use crate::model::{Contact, Invoice, Payment};
use crate::ports::AdapterError;
use crate::qbtime::{Jobcode, TimeEntry};

mod http;
mod limits;
#[cfg(any(feature = "qbo", feature = "xero"))]
mod lines;
#[cfg(any(feature = "xero", feature = "qbo", feature = "qbtime"))]
pub mod oauth;
#[cfg(feature = "qbo")]
pub mod qbo;
#[cfg(feature = "qbtime")]
pub mod qbtime;
#[cfg(any(feature = "xero", feature = "xpm"))]
mod sniff;
#[cfg(feature = "webhooks")]
pub mod webhooks;
#[cfg(feature = "xero")]
pub mod xero;
#[cfg(feature = "xpm")]
pub mod xpm;

/// Which ledger a payload belongs to: the crate's one "which system" enum,
/// re-exported here for the codecs' signatures.
pub use crate::rules::Profile;

pub use http::{Method, Request, Response, format_http_date, parse_http_date, percent_encode};
pub use limits::{
    DEFAULT_MAX_FIELD_BYTES, DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_ITEMS_PER_RECORD,
    DEFAULT_MAX_RECORDS, DEFAULT_MAX_RECORDS_PAGED, Limit, Limits,
};

/// A payload that could not be decoded, or a value that cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// Not valid JSON / XML at all (truncated, wrong encoding…).
    #[error("{}: not a readable payload: {detail}", provider.product_name())]
    Syntax {
        /// Whose payload.
        provider: Profile,
        /// The parser's message (with the position when it gives one).
        detail: String,
    },
    /// Valid JSON / XML, but not the shape expected: a required field
    /// missing, a number where text belongs, an unknown enum value that
    /// cannot be kept.
    #[error("{}: unexpected payload at `{path}`: {detail}", provider.product_name())]
    Shape {
        /// Whose payload.
        provider: Profile,
        /// Where, as a path (`Contacts[3].UpdatedDateUTC`).
        path: String,
        /// What was wrong.
        detail: String,
    },
    /// A value longer than the provider accepts: reported instead of cut.
    #[error("{}: `{field}` is too long ({len}, at most {max})", provider.product_name())]
    TooLong {
        /// Whose limit.
        provider: Profile,
        /// The provider's field name.
        field: &'static str,
        /// The value's length as the ledger counts it: for Xero, XPM and
        /// QBO in UTF-16 code units (the number of characters, plus one
        /// for each character beyond U+FFFF, such as most emoji); for
        /// QuickBooks Time in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A value the provider would refuse for another reason (a reserved
    /// character, an empty required field, more items than allowed).
    #[error("{}: `{field}` cannot be sent: {detail}", provider.product_name())]
    Invalid {
        /// Whose rule.
        provider: Profile,
        /// The provider's field name.
        field: String,
        /// Why.
        detail: String,
    },
    /// The payload is larger than a decoder's [`Limits`] allow: more
    /// records, items or bytes than the limit. Reported at the first value
    /// past it; nothing is cut short.
    #[error("{}: `{path}` is past {limit} ({value}, at most {max})", provider.product_name())]
    TooLarge {
        /// Whose payload.
        provider: Profile,
        /// The limit.
        limit: Limit,
        /// Where: the record or field (`Contacts[100000]`,
        /// `QueryResponse.Customer[3].DisplayName`), `(document)` for the
        /// whole input.
        path: String,
        /// What was found: a length in bytes, or the count reached (the
        /// decoder stops at the first record or item past the limit).
        value: usize,
        /// The limit's value.
        max: usize,
    },
    /// The payload is of a kind this codec does not read.
    #[error("unsupported payload{}: {detail}", provider.map(|p| format!(" ({})", p.product_name())).unwrap_or_default())]
    Unsupported {
        /// Whose payload.
        provider: Option<Profile>,
        /// What it looked like.
        detail: String,
    },
}

impl WireError {
    /// An encoder's refusal as the adapter error it stands for:
    /// [`AdapterError::Validation`] with this error's message — the value
    /// cannot be sent, and nothing was (see the failure table in
    /// [`ports`](crate::ports#failures-that-are-not-a-ledgers-answer)). A
    /// *decoder's* error on a 2xx answer is not a refusal: the call codecs
    /// report it as [`AdapterError::Transient`] (the write may have
    /// happened; its answer is lost).
    #[must_use]
    pub fn into_refusal(self) -> AdapterError {
        AdapterError::Validation {
            code: None,
            message: self.to_string(),
        }
    }
}

/// One decoded payload, whatever its kind.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Payload {
    /// Contacts / clients / customers, with the token of the next page
    /// when the listing says there is one.
    Contacts {
        /// The records.
        records: Vec<Contact>,
        /// The next page (a page number or token), when there is one.
        next_page: Option<String>,
    },
    /// Invoices.
    Invoices(Vec<Invoice>),
    /// Payments.
    Payments(Vec<Payment>),
    /// QuickBooks Time jobcodes.
    Jobcodes {
        /// The jobcodes.
        records: Vec<Jobcode>,
        /// Whether QBT has more pages.
        more: bool,
    },
    /// QuickBooks Time timesheets.
    Timesheets {
        /// The entries.
        records: Vec<TimeEntry>,
        /// Whether QBT has more pages.
        more: bool,
    },
    /// Records the ledger answers as deleted: QBO's `status: "Deleted"`
    /// stubs (the answer to a delete), QuickBooks Time's deleted
    /// timesheets.
    Deleted {
        /// The kind of record, as the ledger names it (`Invoice`,
        /// `Payment`, `timesheets`).
        kind: String,
        /// Their ids, in the answer's order.
        ids: Vec<String>,
        /// Whether the ledger has more pages (QuickBooks Time).
        more: bool,
    },
    /// A batch answer (QBO `BatchItemResponse`): one item per operation
    /// of the request, each read on its own.
    Batch(Vec<BatchItem>),
    /// An error body, as the typed adapter error it stands for; `items`
    /// holds each element's own messages when the provider reports them
    /// per item (Xero `Elements[].ValidationErrors`).
    Error {
        /// The error.
        error: AdapterError,
        /// Per-item messages, in order.
        items: Vec<String>,
    },
}

/// One item of a batch answer.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchItem {
    /// The item's id in the batch (QBO `bId`), which names the operation
    /// it answers; empty when the answer gives none.
    pub id: String,
    /// What the item holds (a record, a query page, an error body as
    /// [`Payload::Error`]), or why it could not be read.
    pub result: Result<Payload, WireError>,
}

impl Payload {
    /// A one-line summary: the kind and the number of records.
    #[must_use]
    pub fn summary(&self) -> String {
        match self {
            Self::Contacts { records, next_page } => format!(
                "{} contact(s){}",
                records.len(),
                next_page
                    .as_deref()
                    .map(|p| format!(", next page {p}"))
                    .unwrap_or_default()
            ),
            Self::Invoices(v) => format!("{} invoice(s)", v.len()),
            Self::Payments(v) => format!("{} payment(s)", v.len()),
            Self::Jobcodes { records, more } => {
                format!(
                    "{} jobcode(s){}",
                    records.len(),
                    if *more { ", more" } else { "" }
                )
            }
            Self::Timesheets { records, more } => {
                format!(
                    "{} timesheet(s){}",
                    records.len(),
                    if *more { ", more" } else { "" }
                )
            }
            Self::Deleted { kind, ids, more } => format!(
                "{} deleted `{kind}` record(s){}",
                ids.len(),
                if *more { ", more" } else { "" }
            ),
            Self::Batch(items) => format!("batch of {} item(s)", items.len()),
            Self::Error { error, items } => format!("error: {error} ({} item(s))", items.len()),
        }
    }
}

/// Decodes a payload of any supported kind, recognised from its shape
/// (JSON top-level keys, XML root element): each provider's codec is tried
/// in turn, and the first that recognises the payload decodes it.
///
/// # Errors
/// [`WireError::Unsupported`] when no codec recognises it; the codec's own
/// error when one recognises it but cannot decode it.
pub fn decode_any(bytes: &[u8]) -> Result<(Profile, Payload), WireError> {
    decode_any_inner(bytes, None)
}

/// [`decode_any`] with the same [`Limits`] for every codec (instead of
/// each codec's [`Limits::for_provider`]).
///
/// # Errors
/// As [`decode_any`]; [`WireError::TooLarge`] past a limit.
pub fn decode_any_with_limits(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Profile, Payload), WireError> {
    decode_any_inner(bytes, Some(limits))
}

#[allow(unused_variables)]
fn decode_any_inner(
    bytes: &[u8],
    limits: Option<&Limits>,
) -> Result<(Profile, Payload), WireError> {
    #[cfg(feature = "xero")]
    {
        let mut opts = xero::DecodeOptions::default();
        if let Some(l) = limits {
            opts.limits = *l;
        }
        if let Some(out) = xero::decode_any_with(bytes, &opts) {
            return out.map(|p| (Profile::XeroGl, p));
        }
    }
    #[cfg(feature = "qbo")]
    {
        let opts = qbo::DecodeOptions {
            limits: limits
                .copied()
                .unwrap_or_else(|| Limits::for_provider(Profile::Qbo)),
            ..qbo::DecodeOptions::default()
        };
        if let Some(out) = qbo::decode_any_with(bytes, &opts) {
            return out.map(|p| (Profile::Qbo, p));
        }
    }
    #[cfg(feature = "qbtime")]
    if let Some(out) = qbtime::decode_any_with_limits(
        bytes,
        &limits
            .copied()
            .unwrap_or_else(|| Limits::for_provider(Profile::QbTime)),
    ) {
        return out.map(|p| (Profile::QbTime, p));
    }
    #[cfg(feature = "xpm")]
    if let Some(out) = xpm::decode_any_with_limits(
        bytes,
        &limits
            .copied()
            .unwrap_or_else(|| Limits::for_provider(Profile::Xpm)),
    ) {
        return out.map(|p| (Profile::Xpm, p));
    }
    let head: String = String::from_utf8_lossy(bytes.get(..bytes.len().min(60)).unwrap_or(bytes))
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    Err(WireError::Unsupported {
        provider: None,
        detail: format!("no codec recognises a payload starting `{head}`"),
    })
}

/// Checks a value against a provider's length limit, counted as the
/// ledger counts it. Xero, XPM (.NET) and QBO (Java) count a string's
/// length in UTF-16 code units, where a character beyond U+FFFF (most
/// emoji) counts twice: counting characters would pass a value the ledger
/// then refuses or cuts. QuickBooks Time's limits are documented in
/// characters (its jobcode names are, Q3), and are counted so.
///
/// # Errors
/// [`WireError::TooLong`].
#[allow(dead_code)]
pub(crate) fn check_len(
    provider: Profile,
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<(), WireError> {
    // Fast path: no character takes more UTF-16 units than UTF-8 bytes.
    if value.len() <= max {
        return Ok(());
    }
    let len = provider.rules().counting.len(value);
    if len > max {
        return Err(WireError::TooLong {
            provider,
            field,
            len,
            max,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_beyond_the_basic_plane_count_twice() {
        let emoji = "\u{1F600}".repeat(11);
        assert_eq!(
            check_len(Profile::XeroGl, "Name", &emoji, 21),
            Err(WireError::TooLong {
                provider: Profile::XeroGl,
                field: "Name",
                len: 22,
                max: 21
            })
        );
        assert!(check_len(Profile::XeroGl, "Name", &emoji, 22).is_ok());
        assert!(check_len(Profile::QbTime, "name", &emoji, 11).is_ok());
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        assert!(check_len(Profile::Qbo, "DocNumber", "ÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅ", 21).is_ok());
        let e = check_len(Profile::Qbo, "DocNumber", "1234567890123456789012", 21);
        assert_eq!(
            e,
            Err(WireError::TooLong {
                provider: Profile::Qbo,
                field: "DocNumber",
                len: 22,
                max: 21
            })
        );
    }

    #[test]
    fn unknown_payloads_are_reported() {
        assert!(matches!(
            decode_any(b"hello"),
            Err(WireError::Unsupported { provider: None, .. })
        ));
    }
}
