//! Field limits of each ledger, with the unit the ledger counts them in.
//!
//! One table serves the planners, the encoders (nothing too long is ever
//! sent) and the in-memory ledgers of `testing` (which refuse what the real
//! ones refuse). The values the planners shape themselves — display names
//! de-collided within the limit (U2; for a QBO organisation within its
//! company name's limit too) and I6's document numbers — are counted as
//! the encoders count them, so the planner never sends one the encoder then
//! refuses. Other fields (a phone, a first name) are checked by the encoder
//! alone, before anything is sent.
//!
//! Xero and XPM (.NET) and QBO (Java) count a string's length in UTF-16
//! code units: a character beyond U+FFFF (most emoji) counts twice.
//! QuickBooks Time documents its limits in characters.

/// How a ledger counts the length of a text value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Counting {
    /// UTF-16 code units (Xero, XPM, QBO): `"😀"` is 2.
    Utf16Units,
    /// Unicode scalar values (QuickBooks Time): `"😀"` is 1.
    Chars,
}

impl Counting {
    /// The length of `s` in this unit.
    #[must_use]
    pub fn len(self, s: &str) -> usize {
        match self {
            Self::Utf16Units => s.encode_utf16().count(),
            Self::Chars => s.chars().count(),
        }
    }

    /// Whether `s` is at most `max` long in this unit.
    #[must_use]
    pub fn fits(self, s: &str, max: usize) -> bool {
        // No character takes more units of either kind than UTF-8 bytes.
        s.len() <= max || self.len(s) <= max
    }

    /// The longest prefix of `s` (cut at a character boundary) that is at
    /// most `max` long in this unit.
    #[must_use]
    pub fn prefix(self, s: &str, max: usize) -> &str {
        let mut used = 0usize;
        for (i, c) in s.char_indices() {
            let w = match self {
                Self::Utf16Units => c.len_utf16(),
                Self::Chars => 1,
            };
            if used + w > max {
                return s.get(..i).unwrap_or(s);
            }
            used += w;
        }
        s
    }

    /// The unit's name, for messages: `"UTF-16 units"` or `"characters"`.
    #[must_use]
    pub const fn unit(self) -> &'static str {
        match self {
            Self::Utf16Units => "UTF-16 units",
            Self::Chars => "characters",
        }
    }
}

/// The longest value a ledger accepts in one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FieldLimit {
    /// The field as the ledger names it (`"DocNumber"`, `"Name"`).
    pub field: &'static str,
    /// The most units it may hold.
    pub max: usize,
    /// How the ledger counts them.
    pub counting: Counting,
}

impl FieldLimit {
    const fn utf16(field: &'static str, max: usize) -> Self {
        Self {
            field,
            max,
            counting: Counting::Utf16Units,
        }
    }

    const fn chars(field: &'static str, max: usize) -> Self {
        Self {
            field,
            max,
            counting: Counting::Chars,
        }
    }

    /// The length of `value` as the ledger counts it.
    #[must_use]
    pub fn len(&self, value: &str) -> usize {
        self.counting.len(value)
    }

    /// Whether the ledger accepts `value` in this field.
    #[must_use]
    pub fn fits(&self, value: &str) -> bool {
        self.counting.fits(value, self.max)
    }

    /// The longest prefix of `value` that fits (cut at a character).
    #[must_use]
    pub fn cut<'a>(&self, value: &'a str) -> &'a str {
        self.counting.prefix(value, self.max)
    }
}

/// Xero Accounting (counts UTF-16 units).
pub mod xero {
    use super::FieldLimit;

    /// Contact `Name` (unique among active contacts).
    pub const NAME: FieldLimit = FieldLimit::utf16("Name", 255);
    /// `FirstName` / `LastName`.
    pub const PERSON_NAME: FieldLimit = FieldLimit::utf16("FirstName", 255);
    /// `EmailAddress`.
    pub const EMAIL: FieldLimit = FieldLimit::utf16("EmailAddress", 255);
    /// `AddressLine1`–`AddressLine4`.
    pub const ADDRESS_LINE: FieldLimit = FieldLimit::utf16("AddressLine1", 500);
    /// `City`.
    pub const CITY: FieldLimit = FieldLimit::utf16("City", 255);
    /// `Region`.
    pub const REGION: FieldLimit = FieldLimit::utf16("Region", 255);
    /// `PostalCode`.
    pub const POSTAL_CODE: FieldLimit = FieldLimit::utf16("PostalCode", 50);
    /// `Country`.
    pub const COUNTRY: FieldLimit = FieldLimit::utf16("Country", 50);
    /// `PhoneNumber`.
    pub const PHONE_NUMBER: FieldLimit = FieldLimit::utf16("PhoneNumber", 50);
    /// `InvoiceNumber`.
    pub const INVOICE_NUMBER: FieldLimit = FieldLimit::utf16("InvoiceNumber", 255);
    /// The `Idempotency-Key` header.
    pub const IDEMPOTENCY_KEY: FieldLimit = FieldLimit::utf16("Idempotency-Key", 128);
    /// Street lines of one address.
    pub const MAX_ADDRESS_LINES: usize = 4;

    /// Every limit above, for tables and tests.
    pub const ALL: &[FieldLimit] = &[
        NAME,
        PERSON_NAME,
        EMAIL,
        ADDRESS_LINE,
        CITY,
        REGION,
        POSTAL_CODE,
        COUNTRY,
        PHONE_NUMBER,
        INVOICE_NUMBER,
        IDEMPOTENCY_KEY,
    ];
}

/// QuickBooks Online (counts UTF-16 units).
pub mod qbo {
    use super::FieldLimit;

    /// Customer `DisplayName` (unique across customers, vendors and
    /// employees, archived ones included).
    pub const DISPLAY_NAME: FieldLimit = FieldLimit::utf16("DisplayName", 500);
    /// `GivenName`, `MiddleName`, `FamilyName`.
    pub const NAME_PART: FieldLimit = FieldLimit::utf16("GivenName", 100);
    /// `CompanyName`.
    pub const COMPANY_NAME: FieldLimit = FieldLimit::utf16("CompanyName", 100);
    /// `FreeFormNumber` of a phone, mobile or fax.
    pub const PHONE: FieldLimit = FieldLimit::utf16("FreeFormNumber", 30);
    /// An invoice's `DocNumber` (I6).
    pub const DOC_NUMBER: FieldLimit = FieldLimit::utf16("DocNumber", 21);
    /// A payment's `PaymentRefNum` (where the source payment's id is kept).
    pub const PAYMENT_REF_NUM: FieldLimit = FieldLimit::utf16("PaymentRefNum", 21);
    /// An invoice line's `Description`.
    pub const LINE_DESCRIPTION: FieldLimit = FieldLimit::utf16("Description", 4000);
    /// The `requestid` query parameter (idempotency).
    pub const REQUEST_ID: FieldLimit = FieldLimit::utf16("requestid", 50);

    /// Every limit above, for tables and tests.
    pub const ALL: &[FieldLimit] = &[
        DISPLAY_NAME,
        NAME_PART,
        COMPANY_NAME,
        PHONE,
        DOC_NUMBER,
        PAYMENT_REF_NUM,
        LINE_DESCRIPTION,
        REQUEST_ID,
    ];
}

/// QuickBooks Time (counts characters).
pub mod qbtime {
    use super::FieldLimit;

    /// A jobcode's `name` (Q3).
    pub const JOBCODE_NAME: FieldLimit = FieldLimit::chars("name", 64);

    /// Every limit above, for tables and tests.
    pub const ALL: &[FieldLimit] = &[JOBCODE_NAME];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i6_an_emoji_counts_twice_where_the_ledger_counts_utf16_units() {
        // 20 digits and one emoji: 21 characters, 22 UTF-16 units.
        let number = format!("{}\u{1F600}", "1".repeat(20));
        assert_eq!(number.chars().count(), 21);
        assert!(!qbo::DOC_NUMBER.fits(&number));
        assert_eq!(qbo::DOC_NUMBER.len(&number), 22);
        assert!(qbo::DOC_NUMBER.fits(&"1".repeat(21)));
        assert!(qbtime::JOBCODE_NAME.fits(&"\u{1F600}".repeat(64)));
        assert!(!qbtime::JOBCODE_NAME.fits(&"\u{1F600}".repeat(65)));
    }

    #[test]
    fn prefixes_never_split_a_character_or_pass_the_limit() {
        let s = "ab\u{1F600}c";
        assert_eq!(Counting::Utf16Units.prefix(s, 3), "ab");
        assert_eq!(Counting::Utf16Units.prefix(s, 4), "ab\u{1F600}");
        assert_eq!(Counting::Chars.prefix(s, 3), "ab\u{1F600}");
        assert_eq!(Counting::Chars.prefix(s, 10), s);
        assert_eq!(Counting::Utf16Units.prefix(s, 0), "");
    }

    #[test]
    fn every_limit_is_positive_and_named() {
        for l in xero::ALL.iter().chain(qbo::ALL).chain(qbtime::ALL) {
            assert!(l.max > 0 && !l.field.is_empty(), "{l:?}");
        }
    }
}
