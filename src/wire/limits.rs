//! How much one payload may make a decoder build: records per page, items
//! per record, bytes per text value and bytes of input.
//!
//! A decoder's output is larger than its input — a three-byte `{}` can
//! become a whole record — so without bounds a hostile or broken answer
//! of a few megabytes could make hundreds of megabytes of records. Each
//! decoder checks these limits as it reads and stops at the first one
//! exceeded with [`WireError::TooLarge`] naming the limit, the value
//! found and where: nothing is ever cut short silently.

use std::fmt;

use super::{Profile, WireError};

/// Default [`Limits::max_input_bytes`]: 256 MiB. XPM lists every client in
/// one unpaged answer (about 1.5 KB a client with its contacts), so this
/// leaves room for well over 100,000 clients.
pub const DEFAULT_MAX_INPUT_BYTES: usize = 256 * 1024 * 1024;

/// Default [`Limits::max_records`] for XPM and Xero: 100,000. XPM client
/// lists are not paged, and Xero answers an unpaged contacts listing with
/// every contact of the organisation.
pub const DEFAULT_MAX_RECORDS: usize = 100_000;

/// Default [`Limits::max_records`] for QBO and QuickBooks Time: 10,000,
/// ten times the largest page QBO returns (`MAXRESULTS` 1000) and fifty
/// times QuickBooks Time's (200).
pub const DEFAULT_MAX_RECORDS_PAGED: usize = 10_000;

/// Default [`Limits::max_items_per_record`]: 10,000 lines, phones,
/// addresses, contact persons or linked transactions in one record — far
/// beyond any invoice the ledgers let a user build.
pub const DEFAULT_MAX_ITEMS_PER_RECORD: usize = 10_000;

/// Default [`Limits::max_field_bytes`]: 16 KiB. The longest text any of
/// the four ledgers keeps in a field the decoders read is 4,000
/// characters (QBO and Xero invoice-line descriptions), at most 12,000
/// bytes of UTF-8; names, emails and address lines are a few hundred.
pub const DEFAULT_MAX_FIELD_BYTES: usize = 16 * 1024;

/// The limit a payload went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::max_input_bytes`].
    InputBytes,
    /// [`Limits::max_records`].
    Records,
    /// [`Limits::max_items_per_record`].
    ItemsPerRecord,
    /// [`Limits::max_field_bytes`].
    FieldBytes,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InputBytes => "max_input_bytes",
            Self::Records => "max_records",
            Self::ItemsPerRecord => "max_items_per_record",
            Self::FieldBytes => "max_field_bytes",
        })
    }
}

/// Bounds on what one payload may make a decoder build (see the module
/// docs of [`crate::wire`] for where each decoder takes them).
///
/// Start from [`Limits::default`] (or [`Limits::for_provider`]) and change
/// the fields you need:
///
/// ```
/// use ledgerlink::wire::{Limit, Limits, WireError, qbtime};
///
/// let limits = Limits::for_provider(ledgerlink::wire::Profile::QbTime).with_max_records(1);
/// let page = br#"{"results":{"jobcodes":{
///     "1":{"id":1,"parent_id":0,"name":"A","type":"regular","active":true},
///     "2":{"id":2,"parent_id":0,"name":"B","type":"regular","active":true}}},"more":false}"#;
/// let err = qbtime::decode_jobcodes_with_limits(page, &limits).unwrap_err();
/// assert!(matches!(err, WireError::TooLarge { limit: Limit::Records, max: 1, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// Longest payload read, in bytes ([`DEFAULT_MAX_INPUT_BYTES`]).
    pub max_input_bytes: usize,
    /// Most records in one payload: contacts, clients and their people,
    /// customers, invoices, payments, jobcodes, timesheets
    /// ([`DEFAULT_MAX_RECORDS`], or [`DEFAULT_MAX_RECORDS_PAGED`] for the
    /// paged QBO and QuickBooks Time listings).
    pub max_records: usize,
    /// Most items of one list inside a record: invoice lines, payment
    /// lines, phones, addresses, contact groups, contact persons, linked
    /// transactions ([`DEFAULT_MAX_ITEMS_PER_RECORD`]). QBO reads its
    /// whole document first: there it bounds every list or object below a
    /// record.
    pub max_items_per_record: usize,
    /// Longest text value read, in bytes of UTF-8 after unescaping
    /// ([`DEFAULT_MAX_FIELD_BYTES`]). The streaming decoders (Xero, XPM,
    /// QuickBooks Time) check the values they keep and skip the others
    /// unread; QBO checks every value of its document.
    pub max_field_bytes: usize,
}

impl Default for Limits {
    /// The most generous defaults (those of XPM and Xero).
    fn default() -> Self {
        Self {
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            max_records: DEFAULT_MAX_RECORDS,
            max_items_per_record: DEFAULT_MAX_ITEMS_PER_RECORD,
            max_field_bytes: DEFAULT_MAX_FIELD_BYTES,
        }
    }
}

impl Limits {
    /// The defaults a provider's decoders use: [`Limits::default`], with
    /// [`DEFAULT_MAX_RECORDS_PAGED`] records for QBO and QuickBooks Time.
    #[must_use]
    pub fn for_provider(provider: Profile) -> Self {
        let max_records = match provider {
            Profile::XeroGl | Profile::Xpm => DEFAULT_MAX_RECORDS,
            Profile::Qbo | Profile::QbTime => DEFAULT_MAX_RECORDS_PAGED,
        };
        Self {
            max_records,
            ..Self::default()
        }
    }

    /// With [`Limits::max_input_bytes`] set.
    #[must_use]
    pub const fn with_max_input_bytes(mut self, n: usize) -> Self {
        self.max_input_bytes = n;
        self
    }

    /// With [`Limits::max_records`] set.
    #[must_use]
    pub const fn with_max_records(mut self, n: usize) -> Self {
        self.max_records = n;
        self
    }

    /// With [`Limits::max_items_per_record`] set.
    #[must_use]
    pub const fn with_max_items_per_record(mut self, n: usize) -> Self {
        self.max_items_per_record = n;
        self
    }

    /// With [`Limits::max_field_bytes`] set.
    #[must_use]
    pub const fn with_max_field_bytes(mut self, n: usize) -> Self {
        self.max_field_bytes = n;
        self
    }

    /// The maximum of `limit`.
    #[must_use]
    pub const fn max(&self, limit: Limit) -> usize {
        match limit {
            Limit::InputBytes => self.max_input_bytes,
            Limit::Records => self.max_records,
            Limit::ItemsPerRecord => self.max_items_per_record,
            Limit::FieldBytes => self.max_field_bytes,
        }
    }

    /// [`WireError::TooLarge`] when `value` is past `limit`; `path` is
    /// only rendered then.
    ///
    /// # Errors
    /// [`WireError::TooLarge`].
    #[allow(dead_code)]
    pub(crate) fn check(
        &self,
        provider: Profile,
        limit: Limit,
        value: usize,
        path: impl FnOnce() -> String,
    ) -> Result<(), WireError> {
        let max = self.max(limit);
        if value > max {
            return Err(too_large(provider, limit, value, max, path()));
        }
        Ok(())
    }

    /// [`Limit::InputBytes`] checked for a whole payload.
    ///
    /// # Errors
    /// [`WireError::TooLarge`] at path `(document)`.
    #[allow(dead_code)]
    pub(crate) fn check_input(&self, provider: Profile, bytes: &[u8]) -> Result<(), WireError> {
        self.check(provider, Limit::InputBytes, bytes.len(), || {
            "(document)".to_owned()
        })
    }
}

/// The error of a limit exceeded.
#[cold]
pub(crate) fn too_large(
    provider: Profile,
    limit: Limit,
    value: usize,
    max: usize,
    path: String,
) -> WireError {
    WireError::TooLarge {
        provider,
        limit,
        path,
        value,
        max,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_documented_values_and_paged_providers_get_fewer_records() {
        let d = Limits::default();
        assert_eq!(d.max_records, DEFAULT_MAX_RECORDS);
        assert_eq!(d.max_field_bytes, DEFAULT_MAX_FIELD_BYTES);
        assert_eq!(
            Limits::for_provider(Profile::Qbo).max_records,
            DEFAULT_MAX_RECORDS_PAGED
        );
        assert_eq!(Limits::for_provider(Profile::Xpm), d);
    }

    #[test]
    fn a_value_past_its_limit_is_a_typed_error_naming_it() {
        let l = Limits::default().with_max_field_bytes(3);
        assert!(
            l.check(Profile::XeroGl, Limit::FieldBytes, 3, String::new)
                .is_ok()
        );
        assert_eq!(
            l.check(Profile::XeroGl, Limit::FieldBytes, 4, || "Contacts[0].Name"
                .into()),
            Err(WireError::TooLarge {
                provider: Profile::XeroGl,
                limit: Limit::FieldBytes,
                path: "Contacts[0].Name".into(),
                value: 4,
                max: 3,
            })
        );
    }
}
