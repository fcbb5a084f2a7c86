//! The error queue (E1, E2): every sync failure as a typed entry with a
//! stable code, a plain explanation and the remedy, tied to its record;
//! "retry all" at most once every three minutes, with the clock as input.

use chrono::{DateTime, TimeDelta, Utc};

/// The failures a firm can see, with the providers' own texts (E1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum FailureCode {
    /// I4: a tax rate with no ledger tax rate mapped to it.
    TaxRateNotMapped,
    /// I5: the billing contact is not linked to a QBO customer; for a
    /// payment, its payer is not linked (Y1, Y2).
    CustomerRefRequired,
    /// I6: the document number is already used in QBO (6140).
    DuplicateDocumentNumber,
    /// I7: a US QBO invoice with lines at different tax rates.
    UsInvoiceMultipleTaxRates,
    /// I6: a document number longer than QBO's 21 characters (2050).
    DocumentNumberTooLong,
    /// U7: an invoice or payment in another currency than its customer's.
    CustomerCurrencyMismatch,
    /// Y4: payment dated more than two days after now (UTC).
    PaymentDateInFuture,
    /// Y4 / U6: no open accounting period covers the payment date, or an
    /// invoice or payment is dated in the ledger's closed books (6210). The
    /// products word it for payments; invoices share the code.
    PaymentDateNotInOpenPeriod,
    /// Y4: the payment is more than the amount due.
    PaymentOverpaysInvoice,
    /// Y4: the payer is not the invoice's customer.
    PaymentCustomerMismatch,
    /// Y4: the ledger failed to create the payment.
    ManualPaymentFailed,
    /// Y5: a payment's allocations add up to more than the payment.
    AllocationsExceedPayment,
    /// A payment allocated to an invoice that is not open (unknown, paid or
    /// void).
    InvoiceNotFound,
    /// E3: the ledger refused the credentials (401, 003200).
    AuthenticationFailed,
    /// The ledger refused an invoice for a reason of its own (its code and
    /// message are in the detail).
    LedgerRejected,
    /// An amount could not be computed exactly (too large, or lines in
    /// several currencies).
    InvalidAmount,
    /// Two records of one input share an id (two invoices, two payments of
    /// the firm, or two different ledger payments): both would go out as
    /// one operation id and one idempotency key, and the ledger would keep
    /// only one (U1). Neither is sent until the ids differ.
    DuplicateRecordId,
    /// Y5: a payment of zero or less, an amount applied to an invoice of
    /// zero or less, or an invoice whose total is below zero.
    AmountNotPositive,
    /// Y5: an amount finer than its currency's minor unit (a payment, an
    /// amount applied, an invoice's balance), or an invoice line's quantity
    /// or unit price with more decimals than the ledger keeps.
    AmountTooPrecise,
}

impl FailureCode {
    /// Every code, in a fixed order.
    pub const ALL: [Self; 19] = [
        Self::TaxRateNotMapped,
        Self::CustomerRefRequired,
        Self::DuplicateDocumentNumber,
        Self::UsInvoiceMultipleTaxRates,
        Self::DocumentNumberTooLong,
        Self::CustomerCurrencyMismatch,
        Self::PaymentDateInFuture,
        Self::PaymentDateNotInOpenPeriod,
        Self::PaymentOverpaysInvoice,
        Self::PaymentCustomerMismatch,
        Self::ManualPaymentFailed,
        Self::AllocationsExceedPayment,
        Self::InvoiceNotFound,
        Self::AuthenticationFailed,
        Self::LedgerRejected,
        Self::InvalidAmount,
        Self::DuplicateRecordId,
        Self::AmountNotPositive,
        Self::AmountTooPrecise,
    ];

    /// The stable code, as the products show it.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::TaxRateNotMapped => "TaxRateNotMapped",
            Self::CustomerRefRequired => "CustomerRefRequired",
            Self::DuplicateDocumentNumber => "DuplicateDocumentNumber",
            Self::UsInvoiceMultipleTaxRates => "QboaUsInvoiceMultipleTaxRates",
            Self::DocumentNumberTooLong => "DocumentNumberTooLong",
            Self::CustomerCurrencyMismatch => "CustomerCurrencyMismatch",
            Self::PaymentDateInFuture => "PaymentDateInFuture",
            Self::PaymentDateNotInOpenPeriod => "PaymentDateNotInOpenPeriod",
            Self::PaymentOverpaysInvoice => "PaymentOverpaysInvoice",
            Self::PaymentCustomerMismatch => "PaymentCustomerMismatch",
            Self::ManualPaymentFailed => "ManualPaymentFailed",
            Self::AllocationsExceedPayment => "AllocationsExceedPayment",
            Self::InvoiceNotFound => "InvoiceNotFound",
            Self::AuthenticationFailed => "AuthenticationFailed",
            Self::LedgerRejected => "LedgerRejected",
            Self::InvalidAmount => "InvalidAmount",
            Self::DuplicateRecordId => "DuplicateRecordId",
            Self::AmountNotPositive => "AmountNotPositive",
            Self::AmountTooPrecise => "AmountTooPrecise",
        }
    }

    /// The message exactly as the products word it (SPEC I4–I7, Y4, E1).
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            Self::TaxRateNotMapped => "TaxRateNotMapped",
            Self::CustomerRefRequired => "CustomerRef is required",
            Self::DuplicateDocumentNumber => "Duplicate Document Number",
            Self::UsInvoiceMultipleTaxRates => "QboaUsInvoiceMultipleTaxRates",
            Self::DocumentNumberTooLong => "DocNumber is longer than 21 characters",
            Self::CustomerCurrencyMismatch => "Currency differs from the customer's currency",
            Self::PaymentDateInFuture => "Payment Date is in the future",
            Self::PaymentDateNotInOpenPeriod => "Payment date is not in an open accounting period",
            Self::PaymentOverpaysInvoice => "Payment will overpay the invoice",
            Self::PaymentCustomerMismatch => "Invoice customer differs from payment customer",
            Self::ManualPaymentFailed => "Failed to create manual payment",
            Self::AllocationsExceedPayment => "Allocations exceed the payment amount",
            Self::InvoiceNotFound => "Invoice is not open",
            Self::AuthenticationFailed => "AuthenticationFailed",
            Self::LedgerRejected => "The ledger rejected the invoice",
            Self::InvalidAmount => "An amount is out of range",
            Self::DuplicateRecordId => "Another record has the same id",
            Self::AmountNotPositive => "Amount must be more than zero",
            Self::AmountTooPrecise => "Amount has more decimal places than allowed",
        }
    }

    /// What it means, in plain words.
    #[must_use]
    pub const fn explanation(self) -> &'static str {
        match self {
            Self::TaxRateNotMapped => {
                "a line uses a tax rate that is not mapped to a tax rate of the ledger"
            }
            Self::CustomerRefRequired => {
                "the invoice's billing contact, or the payment's payer, is not linked to a customer in the ledger"
            }
            Self::DuplicateDocumentNumber => {
                "the ledger already has a document with this invoice number"
            }
            Self::UsInvoiceMultipleTaxRates => {
                "US companies in QuickBooks take one tax rate per invoice, and the lines differ"
            }
            Self::DocumentNumberTooLong => {
                "QuickBooks Online takes document numbers of at most 21 characters, counted in \
                 UTF-16 units (an emoji counts as two)"
            }
            Self::CustomerCurrencyMismatch => {
                "a QuickBooks Online customer has one currency, and this record is in another"
            }
            Self::PaymentDateInFuture => "the payment is dated more than two days from today",
            Self::PaymentDateNotInOpenPeriod => {
                "the books are closed (or not set up) for the payment's or invoice's date"
            }
            Self::PaymentOverpaysInvoice => "the payment is more than the invoice still owes",
            Self::PaymentCustomerMismatch => {
                "the payment is from a different customer than the invoice's"
            }
            Self::ManualPaymentFailed => "the ledger could not record the payment",
            Self::AllocationsExceedPayment => {
                "the amounts applied to invoices add up to more than was paid"
            }
            Self::InvoiceNotFound => {
                "the payment is applied to an invoice that is unknown, already paid or void"
            }
            Self::AuthenticationFailed => {
                "the ledger refused the connection's credentials: nothing is sent until it is reconnected"
            }
            Self::LedgerRejected => "the ledger refused the record; its own message says why",
            Self::InvalidAmount => {
                "a total or balance could not be worked out exactly (too large, or mixed currencies)"
            }
            Self::DuplicateRecordId => {
                "two records of this run carry the same id: sent under one idempotency key, the ledger would keep only one of them, so neither is sent"
            }
            Self::AmountNotPositive => {
                "a payment, or an amount it applies to an invoice, is zero or negative, or an invoice's total is below zero: refunds and credit notes are neither payments nor invoices"
            }
            Self::AmountTooPrecise => {
                "an amount has more decimal places than its currency (USD 2, JPY 0, KWD 3), or a line's quantity or unit price more than the ledger keeps, so the amounts would no longer add up"
            }
        }
    }

    /// What to do about it.
    #[must_use]
    pub const fn remedy(self) -> &'static str {
        match self {
            Self::TaxRateNotMapped => "map the tax rate to a ledger tax rate, then retry",
            Self::CustomerRefRequired => {
                "link the contact to its ledger customer (resolve its match issue), then retry"
            }
            Self::DuplicateDocumentNumber => {
                "give the invoice a number the ledger has not used, then retry"
            }
            Self::UsInvoiceMultipleTaxRates => {
                "use the same tax rate on every line, or split the invoice, then retry"
            }
            Self::DocumentNumberTooLong => "shorten the invoice number, then retry",
            Self::CustomerCurrencyMismatch => {
                "bill the customer in its currency, or use a customer in this currency, then retry"
            }
            Self::PaymentDateInFuture => "correct the payment date, then retry",
            Self::PaymentDateNotInOpenPeriod => {
                "date the payment or invoice in an open period, or reopen the period in the ledger, then retry"
            }
            Self::PaymentOverpaysInvoice => {
                "reduce the amount or apply the rest to another invoice, then retry"
            }
            Self::PaymentCustomerMismatch => {
                "record the payment against the invoice's customer, then retry"
            }
            Self::ManualPaymentFailed => "check the payment in the ledger, then retry",
            Self::AllocationsExceedPayment => {
                "reduce the amounts applied so they add up to the payment, then retry"
            }
            Self::InvoiceNotFound => "apply the payment to an open invoice, then retry",
            Self::AuthenticationFailed => "reconnect the ledger, then retry",
            Self::LedgerRejected => "correct what the ledger's message names, then retry",
            Self::InvalidAmount => "correct the amounts and currencies of the lines, then retry",
            Self::DuplicateRecordId => {
                "give each record its own id where it comes from (the firm's system, or the ledger listing the adapter read), then retry"
            }
            Self::AmountNotPositive => {
                "correct the amount, or record the refund or credit as such in the ledger, then retry"
            }
            Self::AmountTooPrecise => {
                "round the amount to the currency's minor unit (a quantity or unit price to the places the ledger keeps), then retry"
            }
        }
    }
}

/// The kind of record a failure concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum RecordKind {
    /// An invoice.
    Invoice,
    /// A payment recorded in the firm's system (its local id).
    Payment,
    /// A payment recorded in the ledger, not yet in the firm's system (its
    /// ledger id, Y2).
    LedgerPayment,
    /// A contact.
    Contact,
    /// The connection itself.
    Connection,
}

/// The record a failure concerns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RecordRef {
    /// What kind of record.
    pub kind: RecordKind,
    /// Its id on the firm's side (the connection's name for
    /// [`RecordKind::Connection`]).
    pub id: String,
}

impl RecordRef {
    /// A record of `kind`.
    pub fn new(kind: RecordKind, id: impl Into<String>) -> Self {
        Self {
            kind,
            id: id.into(),
        }
    }
}

/// One failure in the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Failure {
    /// What failed.
    pub code: FailureCode,
    /// The record it concerns.
    pub record: RecordRef,
    /// Specifics (the invoice number, the amount due…), when there are any.
    pub detail: Option<String>,
    /// When it was seen.
    pub at: DateTime<Utc>,
}

impl Failure {
    /// The line a firm sees: message, record, explanation, remedy.
    #[must_use]
    pub fn describe(&self) -> String {
        let detail = self
            .detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        format!(
            "{} — {:?} {}{detail}: {}. To fix: {}.",
            self.code.message(),
            self.record.kind,
            self.record.id,
            self.code.explanation(),
            self.code.remedy()
        )
    }
}

/// The answer of "retry all" (E2): the records to check again, or the time
/// from which retrying is allowed again. Asking too soon is not an error,
/// it is an answer to read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Retry {
    /// Retrying now: plan these records again (pass them as
    /// [`PlanInput::retry`](super::PlanInput::retry)). Sorted, each once;
    /// empty when the queue is.
    Ready(Vec<RecordRef>),
    /// The last retry was less than three minutes ago: nothing changed,
    /// ask again from this time.
    NotBefore(DateTime<Utc>),
}

impl Retry {
    /// The records to plan again, or `None` when it is too soon.
    #[must_use]
    pub fn ready(self) -> Option<Vec<RecordRef>> {
        match self {
            Self::Ready(records) => Some(records),
            Self::NotBefore(_) => None,
        }
    }

    /// When retrying is allowed again, if it is not now.
    #[must_use]
    pub const fn not_before(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Ready(_) => None,
            Self::NotBefore(at) => Some(*at),
        }
    }
}

/// The connection's failures, one per record and code (E2). Serialise it
/// with the sync state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ErrorQueue {
    /// Sorted by record, then code; one entry per pair.
    failures: Vec<Failure>,
    last_retry: Option<DateTime<Utc>>,
}

impl ErrorQueue {
    /// How long "retry all" waits between two retries.
    pub const RETRY_INTERVAL: TimeDelta = TimeDelta::minutes(3);

    /// An empty queue.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a failure; the same code for the same record replaces the
    /// earlier entry.
    pub fn push(&mut self, failure: Failure) {
        let key = (&failure.record, failure.code);
        match self
            .failures
            .binary_search_by(|f| (&f.record, f.code).cmp(&key))
        {
            Ok(i) => self.failures[i] = failure,
            Err(i) => self.failures.insert(i, failure),
        }
    }

    /// The failures, by record then code.
    pub fn failures(&self) -> impl ExactSizeIterator<Item = &Failure> + '_ {
        self.failures.iter()
    }

    /// Whether the queue is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.failures.is_empty()
    }

    /// Whether a failure disconnects the connection (E3).
    #[must_use]
    pub fn disconnected(&self) -> bool {
        self.failures
            .iter()
            .any(|f| f.code == FailureCode::AuthenticationFailed)
    }

    /// Whether `record` has failures waiting for "retry all".
    #[must_use]
    pub fn has_failures(&self, record: &RecordRef) -> bool {
        let at = self.failures.partition_point(|f| &f.record < record);
        self.failures.get(at).is_some_and(|f| &f.record == record)
    }

    /// Marks the connection reconnected (E3): the authentication failures
    /// are dropped, so the records they held are planned again on the next
    /// run.
    pub fn reconnect(&mut self) {
        self.failures
            .retain(|f| f.code != FailureCode::AuthenticationFailed);
    }

    /// Forgets the failures of a record (it went through).
    pub fn resolve(&mut self, record: &RecordRef) {
        self.failures.retain(|f| &f.record != record);
    }

    /// When "retry all" is allowed again (`None`: now).
    #[must_use]
    pub fn next_retry(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let next = self.last_retry? + Self::RETRY_INTERVAL;
        (next > now).then_some(next)
    }

    /// "Retry all" (E2): [`Retry::Ready`] with the records to plan again —
    /// exactly the failed ones, sorted, each once. Allowed at most once
    /// every three minutes: within three minutes of the last retry the
    /// answer is [`Retry::NotBefore`] with the time it is allowed again, and
    /// nothing changes.
    pub fn retry_all(&mut self, now: DateTime<Utc>) -> Retry {
        if let Some(next_allowed) = self.next_retry(now) {
            return Retry::NotBefore(next_allowed);
        }
        self.last_retry = Some(now);
        let mut records: Vec<RecordRef> = self.failures.iter().map(|f| f.record.clone()).collect();
        records.dedup();
        Retry::Ready(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(min: u32, sec: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 9, min, sec)
            .single()
            .unwrap_or_default()
    }

    fn fail(code: FailureCode, kind: RecordKind, id: &str) -> Failure {
        Failure {
            code,
            record: RecordRef::new(kind, id),
            detail: None,
            at: t(0, 0),
        }
    }

    #[test]
    fn e1_every_code_is_stable_and_explained() {
        let mut codes: Vec<&str> = FailureCode::ALL.iter().map(|c| c.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), FailureCode::ALL.len(), "codes are unique");
        for c in FailureCode::ALL {
            assert!(!c.explanation().is_empty() && !c.remedy().is_empty());
        }
        // The products' exact texts.
        assert_eq!(
            FailureCode::CustomerRefRequired.message(),
            "CustomerRef is required"
        );
        assert_eq!(
            FailureCode::DuplicateDocumentNumber.message(),
            "Duplicate Document Number"
        );
        assert_eq!(
            FailureCode::PaymentDateNotInOpenPeriod.message(),
            "Payment date is not in an open accounting period"
        );
        let line = fail(
            FailureCode::PaymentOverpaysInvoice,
            RecordKind::Payment,
            "P7",
        )
        .describe();
        assert!(line.starts_with("Payment will overpay the invoice — Payment P7:"));
    }

    #[test]
    fn e2_retry_all_replans_exactly_the_failed_records_once_every_three_minutes() {
        let mut q = ErrorQueue::new();
        q.push(fail(
            FailureCode::CustomerRefRequired,
            RecordKind::Invoice,
            "INV-2",
        ));
        q.push(fail(
            FailureCode::DuplicateDocumentNumber,
            RecordKind::Invoice,
            "INV-1",
        ));
        q.push(fail(
            FailureCode::TaxRateNotMapped,
            RecordKind::Invoice,
            "INV-2",
        ));
        q.push(fail(
            FailureCode::TaxRateNotMapped,
            RecordKind::Invoice,
            "INV-2",
        ));
        assert_eq!(q.failures().len(), 3);
        let first = q.retry_all(t(0, 0)).ready().unwrap_or_default();
        let ids: Vec<&str> = first.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["INV-1", "INV-2"]);
        let soon = q.retry_all(t(2, 59));
        assert_eq!(soon, Retry::NotBefore(t(3, 0)));
        assert_eq!(soon.not_before(), Some(t(3, 0)));
        q.resolve(&RecordRef::new(RecordKind::Invoice, "INV-1"));
        let second = q.retry_all(t(3, 0));
        assert_eq!(second.not_before(), None);
        assert_eq!(
            second.ready(),
            Some(vec![RecordRef::new(RecordKind::Invoice, "INV-2")])
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn the_queue_round_trips_through_json() {
        let mut q = ErrorQueue::new();
        q.push(fail(
            FailureCode::CustomerRefRequired,
            RecordKind::Invoice,
            "INV-2",
        ));
        let json = serde_json::to_string(&q).unwrap_or_default();
        let back: ErrorQueue = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, q);
    }

    #[test]
    fn e3_an_authentication_failure_disconnects() {
        let mut q = ErrorQueue::new();
        assert!(!q.disconnected());
        q.push(fail(
            FailureCode::AuthenticationFailed,
            RecordKind::Connection,
            "qbo",
        ));
        assert!(q.disconnected());
    }
}
