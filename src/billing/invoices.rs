//! Checking invoices before they reach QuickBooks Online (I1, I3–I8, U7):
//! every invoice of a batch is checked, the good ones are made ready with
//! the ledger's references, the bad ones become failures for the queue.
//!
//! Only checks and mapping live here; [`plan`](super::plan())
//! turns ready invoices into plan operations.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};

use rust_decimal::Decimal;

use crate::model::{
    ContactId, Currency, Invoice, InvoiceLine, InvoiceTotals, Money, MoneyError, Rounding, TaxRate,
};
use crate::normalize::normalize_name;
use crate::sync::{ContactRef, SyncState};

use super::queue::{Failure, FailureCode, RecordKind, RecordRef};

/// QBO's longest `DocNumber`, in UTF-16 units as QBO counts it
/// ([`rules::limits::qbo::DOC_NUMBER`](crate::rules::limits::qbo::DOC_NUMBER)).
pub const MAX_DOC_NUMBER_CHARS: usize = crate::rules::limits::qbo::DOC_NUMBER.max;

/// The decimal places QBO keeps in a line's quantity (`Qty`) and unit
/// price (`UnitPrice`); it drops the rest, so a finer value would give the
/// ledger another line amount than the one planned (Y5).
pub const MAX_LINE_DECIMALS: u32 = 7;

/// A local tax rate and the ledger tax code it maps to (I4). A combined
/// rate lists its components (primary, secondary); its rate is their sum.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TaxMapping {
    /// The ledger's tax code id.
    pub ledger_code: String,
    /// The components, primary first (one for a simple rate).
    pub components: Vec<TaxRate>,
}

impl TaxMapping {
    /// The rate the mapping stands for (the sum of its components).
    ///
    /// # Errors
    /// [`MoneyError::InvalidRate`] when the components add up past 100 %.
    pub fn rate(&self) -> Result<TaxRate, MoneyError> {
        TaxRate::combined(&self.components)
    }
}

/// How a firm's invoices map to one QBO company.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct InvoiceSettings {
    /// Invoices dated before this day are not sent (I1).
    pub sync_start: NaiveDate,
    /// Work type → ledger service (item) id (I3).
    pub services: BTreeMap<String, String>,
    /// The service of unmapped work types (I3).
    pub default_service: String,
    /// The tax rates the ledger knows (I4).
    pub tax_rates: Vec<TaxMapping>,
    /// A US company: one tax rate per invoice (I7).
    pub us_company: bool,
    /// How line amounts are rounded.
    pub rounding: Rounding,
}

impl InvoiceSettings {
    /// Settings with a sync start date and a default service; no mapped
    /// work types or tax rates yet.
    pub fn new(sync_start: NaiveDate, default_service: impl Into<String>) -> Self {
        Self {
            sync_start,
            services: BTreeMap::new(),
            default_service: default_service.into(),
            tax_rates: Vec::new(),
            us_company: false,
            rounding: Rounding::default(),
        }
    }
}

/// What the ledger already holds, as the caller read it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LedgerFacts {
    /// Document numbers in use in the ledger (I6).
    pub doc_numbers: BTreeSet<String>,
    /// The currency of each customer, by ledger id (U7).
    pub customer_currency: BTreeMap<ContactId, Currency>,
    /// The ledger's books are closed up to and including this day (QBO's
    /// closing date): invoices and payments sent to the ledger must be
    /// dated after it (U6); one dated on or before it is refused before
    /// sending, as QBO would refuse it (6210).
    pub closed_through: Option<NaiveDate>,
}

/// One line, mapped to the ledger (I3, I4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DraftLine {
    /// The ledger service (item) id.
    pub service: String,
    /// Whether the default service stands in for an unmapped work type.
    pub default_service: bool,
    /// The line's description.
    pub description: String,
    /// Quantity.
    pub quantity: Decimal,
    /// Price of one unit.
    pub unit_price: Money,
    /// Quantity × unit price, rounded with the settings' rounding.
    pub amount: Money,
    /// The ledger tax code, when the line is taxed.
    pub tax_code: Option<String>,
}

/// An invoice that passed every check, as it will be created in the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct InvoiceDraft {
    /// The firm's invoice id.
    pub invoice_id: String,
    /// The document number (`DocNumber`).
    pub doc_number: String,
    /// The billing contact (a local contact id).
    pub contact_id: ContactId,
    /// The ledger customer (`CustomerRef`): a linked customer, or the one a
    /// contact operation of the same run creates.
    pub customer: ContactRef,
    /// Issue date (`TxnDate`).
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// Currency.
    pub currency: Currency,
    /// The lines, in order.
    pub lines: Vec<DraftLine>,
    /// Net, tax and gross, rounded line by line.
    pub totals: InvoiceTotals,
}

/// The outcome of checking a batch (a billing cycle, I8).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct InvoiceCheck {
    /// Invoices ready to send, by invoice id.
    pub ready: Vec<InvoiceDraft>,
    /// Every problem found, per invoice (an invoice may have several).
    pub failures: Vec<Failure>,
    /// Invoices not sent, and why (not sent / posted, or dated before the
    /// sync start, I1).
    pub skipped: Vec<(String, String)>,
}

/// Checks every invoice of a batch (I8): one bad invoice never holds back
/// the others, and each problem is reported with its code and remedy.
/// An invoice dated on or before the ledger's
/// [`closed_through`](LedgerFacts::closed_through) is refused with
/// [`FailureCode::PaymentDateNotInOpenPeriod`] (U6).
///
/// Links come from the sync state: an invoice's billing contact must be
/// linked to a ledger customer (I5). [`plan`](super::plan())
/// runs the same checks and also accepts customers that the contact plan of
/// the same run creates.
///
/// Amounts (Y5) — what may be finer than the currency's minor unit, and
/// what may be negative:
/// - a line's quantity and unit price may carry more decimals than the
///   currency (hours of 0.25, unit prices of 4 decimals are common in Xero
///   and QBO), up to the [`MAX_LINE_DECIMALS`] QBO keeps; more are refused
///   with [`FailureCode::AmountTooPrecise`], as QBO would drop them and
///   work out another line amount;
/// - a line's amount (quantity × unit price) and its tax are rounded to
///   the minor unit with the settings' [`Rounding`], and the totals are
///   their sums, so these are always whole minor units: nothing finer is
///   ever sent;
/// - a line may be negative (a discount or a write-off line), but the
///   invoice's gross total may not: an invoice below zero is a credit note,
///   which would leave the ledger a negative balance; it is refused with
///   [`FailureCode::AmountNotPositive`]. An invoice of zero is sent.
#[must_use]
pub fn check_invoices(
    invoices: &[Invoice],
    settings: &InvoiceSettings,
    state: &SyncState,
    ledger: &LedgerFacts,
    now: DateTime<Utc>,
) -> InvoiceCheck {
    let refs: Vec<&Invoice> = invoices.iter().collect();
    check_with(
        &refs,
        settings,
        ledger,
        &BTreeMap::new(),
        |contact| linked_customer(state, contact).map(ContactRef::Id),
        now,
    )
}

/// The ledger customer a local contact is linked to.
pub(super) fn linked_customer(state: &SyncState, contact: &ContactId) -> Option<ContactId> {
    state
        .link_of_local(contact.as_str())
        .filter(|l| l.is_linked())
        .map(|l| l.remote_id.clone())
}

/// The checks, with a customer resolver; `own_numbers` are the document
/// numbers (as [`doc_key`]s, by invoice id) this connection already sent
/// for invoices still in flight: finding one in the ledger is no duplicate
/// for its own invoice, and those not in `invoices` (sent again as they
/// were sent) still count as used in this batch.
pub(super) fn check_with(
    invoices: &[&Invoice],
    settings: &InvoiceSettings,
    ledger: &LedgerFacts,
    own_numbers: &BTreeMap<String, String>,
    customer_of: impl Fn(&ContactId) -> Option<ContactRef>,
    now: DateTime<Utc>,
) -> InvoiceCheck {
    let mut out = InvoiceCheck::default();
    let taken: BTreeSet<String> = ledger.doc_numbers.iter().map(|n| doc_key(n)).collect();
    // Numbers used twice in this batch are duplicates too (I6).
    let mut in_batch: BTreeMap<String, usize> = BTreeMap::new();
    for inv in invoices.iter().filter(|i| eligible(i, settings).is_ok()) {
        *in_batch.entry(doc_key(&inv.number)).or_insert(0) += 1;
    }
    for (id, key) in own_numbers {
        if !invoices.iter().any(|i| &i.id == id) {
            *in_batch.entry(key.clone()).or_insert(0) += 1;
        }
    }
    let mut sorted: Vec<&Invoice> = invoices.to_vec();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    for inv in sorted {
        if let Err(why) = eligible(inv, settings) {
            out.skipped.push((inv.id.clone(), why.to_owned()));
            continue;
        }
        let record = RecordRef::new(RecordKind::Invoice, inv.id.clone());
        let mut fail = |code: FailureCode, detail: String| {
            out.failures.push(Failure {
                code,
                record: record.clone(),
                detail: Some(detail),
                at: now,
            });
        };
        let mut ok = true;
        // I5: the customer.
        let customer = customer_of(&inv.contact_id);
        if customer.is_none() {
            ok = false;
            fail(
                FailureCode::CustomerRefRequired,
                format!("billing contact {}", inv.contact_id),
            );
        }
        // U7: one currency per customer.
        if let Some(ContactRef::Id(c)) = &customer
            && let Some(cur) = ledger.customer_currency.get(c)
            && *cur != inv.currency
        {
            ok = false;
            fail(
                FailureCode::CustomerCurrencyMismatch,
                format!("invoice in {}, customer in {cur}", inv.currency),
            );
        }
        // U6: the ledger's closed books (QBO refuses the invoice with 6210).
        if let Some(detail) = closed_books(inv.issue_date, ledger) {
            ok = false;
            fail(FailureCode::PaymentDateNotInOpenPeriod, detail);
        }
        // I6: the document number.
        let key = doc_key(&inv.number);
        // Counted as QBO counts it (UTF-16 units): an emoji counts twice,
        // so what passes here is never refused by the encoder.
        let limit = crate::rules::limits::qbo::DOC_NUMBER;
        if !limit.fits(&inv.number) {
            ok = false;
            fail(
                FailureCode::DocumentNumberTooLong,
                format!(
                    "{} is {} {} long (at most {})",
                    inv.number,
                    limit.len(&inv.number),
                    limit.counting.unit(),
                    limit.max
                ),
            );
        }
        let ours = own_numbers.get(&inv.id) == Some(&key);
        if (taken.contains(&key) && !ours) || in_batch.get(&key).is_some_and(|n| *n > 1) {
            ok = false;
            fail(
                FailureCode::DuplicateDocumentNumber,
                format!("number {}", inv.number),
            );
        }
        // I4, I7: tax rates; I3: services.
        let mut lines = Vec::with_capacity(inv.lines.len());
        let mut rates: BTreeSet<TaxRate> = BTreeSet::new();
        for (i, line) in inv.lines.iter().enumerate() {
            if line.unit_price.currency() != inv.currency {
                ok = false;
                fail(
                    FailureCode::CustomerCurrencyMismatch,
                    format!("line {} is in {}", i + 1, line.unit_price.currency()),
                );
            }
            let tax_code = match line.tax_rate {
                None => None,
                Some(rate) => {
                    rates.insert(rate);
                    let mapped = tax_code_of(rate, settings);
                    if mapped.is_none() {
                        ok = false;
                        fail(
                            FailureCode::TaxRateNotMapped,
                            format!("line {}: {rate} is not mapped", i + 1),
                        );
                    }
                    mapped
                }
            };
            // Y5: quantities and unit prices to what the ledger keeps.
            for (what, value) in [
                ("quantity", line.quantity),
                ("unit price", line.unit_price.amount()),
            ] {
                let places = value.normalize().scale();
                if places > MAX_LINE_DECIMALS {
                    ok = false;
                    fail(
                        FailureCode::AmountTooPrecise,
                        format!(
                            "line {}: {what} {value} has {places} decimal places, the ledger keeps {MAX_LINE_DECIMALS}",
                            i + 1
                        ),
                    );
                }
            }
            let service = service_of(line, settings);
            let amount = match line.net(settings.rounding) {
                Ok(a) => a,
                Err(e) => {
                    ok = false;
                    fail(FailureCode::InvalidAmount, format!("line {}: {e}", i + 1));
                    line.unit_price
                }
            };
            lines.push(DraftLine {
                service: service
                    .cloned()
                    .unwrap_or_else(|| settings.default_service.clone()),
                default_service: service.is_none(),
                description: line.description.clone(),
                quantity: line.quantity,
                unit_price: line.unit_price,
                amount,
                tax_code,
            });
        }
        if settings.us_company && rates.len() > 1 {
            ok = false;
            let shown: Vec<String> = rates.iter().map(ToString::to_string).collect();
            fail(FailureCode::UsInvoiceMultipleTaxRates, shown.join(", "));
        }
        let totals = match inv.totals(settings.rounding) {
            Ok(t) => Some(t),
            Err(e) => {
                if ok {
                    fail(FailureCode::InvalidAmount, format!("totals: {e}"));
                }
                ok = false;
                None
            }
        };
        // Y5: balances never go below zero.
        if let Some(t) = totals
            && t.gross.is_negative()
        {
            ok = false;
            fail(
                FailureCode::AmountNotPositive,
                format!("the invoice's total is {}", t.gross),
            );
        }
        if let (true, Some(customer), Some(totals)) = (ok, customer, totals) {
            out.ready.push(InvoiceDraft {
                invoice_id: inv.id.clone(),
                doc_number: inv.number.clone(),
                contact_id: inv.contact_id.clone(),
                customer,
                issue_date: inv.issue_date,
                due_date: inv.due_date,
                currency: inv.currency,
                lines,
                totals,
            });
        }
    }
    out
}

/// I3: the ledger service a line's work type maps to (`None`: the default
/// service stands in).
fn service_of<'s>(line: &InvoiceLine, settings: &'s InvoiceSettings) -> Option<&'s String> {
    line.work_type
        .as_ref()
        .and_then(|w| settings.services.get(w))
}

/// I4: the ledger tax code a rate maps to.
fn tax_code_of(rate: TaxRate, settings: &InvoiceSettings) -> Option<String> {
    settings
        .tax_rates
        .iter()
        .find(|m| m.rate().is_ok_and(|r| r.as_percent() == rate.as_percent()))
        .map(|m| m.ledger_code.clone())
}

/// U6: why a record dated `date` cannot go to the ledger, when its books
/// are closed through that day.
pub(super) fn closed_books(date: NaiveDate, ledger: &LedgerFacts) -> Option<String> {
    let closed = ledger.closed_through?;
    (date <= closed)
        .then(|| format!("dated {date}, the ledger's books are closed through {closed}"))
}

/// The checks that concern the ledger, not the invoice's own data, for an
/// invoice sent before whose create is still in flight and is sent again
/// exactly as it was sent: its customer's currency (U7) and the ledger's
/// closed books (U6). `customer` is the ledger customer, when known.
pub(super) fn recheck_sent(
    draft: &InvoiceDraft,
    customer: Option<&ContactId>,
    ledger: &LedgerFacts,
    now: DateTime<Utc>,
) -> Vec<Failure> {
    let record = RecordRef::new(RecordKind::Invoice, draft.invoice_id.clone());
    let mut out = Vec::new();
    if let Some(c) = customer
        && let Some(cur) = ledger.customer_currency.get(c)
        && *cur != draft.currency
    {
        out.push(Failure {
            code: FailureCode::CustomerCurrencyMismatch,
            record: record.clone(),
            detail: Some(format!("invoice in {}, customer in {cur}", draft.currency)),
            at: now,
        });
    }
    if let Some(detail) = closed_books(draft.issue_date, ledger) {
        out.push(Failure {
            code: FailureCode::PaymentDateNotInOpenPeriod,
            record,
            detail: Some(detail),
            at: now,
        });
    }
    out
}

/// Whether the firm's invoice no longer reads as `draft`, the version sent
/// (I2): its number, contact, dates, currency, lines (description,
/// quantity, price, service, tax code) or totals differ.
pub(super) fn differs_from_sent(
    inv: &Invoice,
    draft: &InvoiceDraft,
    settings: &InvoiceSettings,
) -> bool {
    let lines_differ = inv.lines.len() != draft.lines.len()
        || inv.lines.iter().zip(&draft.lines).any(|(line, sent)| {
            line.description != sent.description
                || line.quantity != sent.quantity
                || line.unit_price != sent.unit_price
                || service_of(line, settings).unwrap_or(&settings.default_service) != &sent.service
                || line.tax_rate.and_then(|r| tax_code_of(r, settings)) != sent.tax_code
                || line.tax_rate.is_some() != sent.tax_code.is_some()
        });
    lines_differ
        || inv.number != draft.doc_number
        || inv.contact_id != draft.contact_id
        || inv.issue_date != draft.issue_date
        || inv.due_date != draft.due_date
        || inv.currency != draft.currency
        || inv.totals(settings.rounding).ok() != Some(draft.totals)
}

/// I1: sent or posted, and dated on or after the sync start.
pub(super) fn eligible(inv: &Invoice, settings: &InvoiceSettings) -> Result<(), &'static str> {
    if !inv.status.is_sent() {
        return Err("not sent or posted yet (I1)");
    }
    if inv.issue_date < settings.sync_start {
        return Err("dated before the connection's sync start date (I1)");
    }
    Ok(())
}

/// Document numbers compare without case and surrounding spaces.
pub(super) fn doc_key(n: &str) -> String {
    normalize_name(n).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InvoiceLine, InvoiceStatus, Money};
    use crate::sync::{Link, LinkOrigin, LinkStatus};
    use chrono::TimeZone;
    use rust_decimal::Decimal;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn rate(r: &str) -> TaxRate {
        TaxRate::percent(r).unwrap_or(TaxRate::ZERO)
    }

    fn invoice(id: &str, number: &str, contact: &str, rates: &[Option<&str>]) -> Invoice {
        Invoice {
            id: id.into(),
            number: number.into(),
            contact_id: contact.into(),
            issue_date: day(10),
            due_date: day(30),
            status: InvoiceStatus::Sent,
            currency: Currency::USD,
            lines: rates
                .iter()
                .map(|r| InvoiceLine {
                    work_type: Some("Tax return".into()),
                    description: "Preparation".into(),
                    quantity: Decimal::ONE,
                    unit_price: Money::parse("100", "USD").unwrap_or(Money::zero(Currency::USD)),
                    tax_rate: r.map(rate),
                })
                .collect(),
        }
    }

    fn setup() -> (InvoiceSettings, SyncState, LedgerFacts) {
        let mut s = InvoiceSettings::new(day(1), "SVC-DEFAULT");
        s.services.insert("Bookkeeping".into(), "SVC-BOOKS".into());
        s.tax_rates.push(TaxMapping {
            ledger_code: "TAX-NY".into(),
            components: vec![rate("4"), rate("4.875")],
        });
        s.tax_rates.push(TaxMapping {
            ledger_code: "TAX-10".into(),
            components: vec![rate("10")],
        });
        let mut state = SyncState::new();
        state.insert_link(Link {
            local_id: "K1".into(),
            remote_id: "58".into(),
            status: LinkStatus::Linked,
            origin: LinkOrigin::Matched,
            linked_at: now(),
            base: None,
            remote_version: None,
        });
        let mut facts = LedgerFacts::default();
        facts.doc_numbers.insert("1001".into());
        facts.customer_currency.insert("58".into(), Currency::USD);
        (s, state, facts)
    }

    #[test]
    fn i5_a_good_invoice_is_ready_with_its_customer_ref() {
        let (s, state, facts) = setup();
        let inv = invoice("INV-A", "1002", "K1", &[Some("8.875"), None]);
        let out = check_invoices(&[inv], &s, &state, &facts, now());
        assert!(out.failures.is_empty(), "{:?}", out.failures);
        let ready = &out.ready[0];
        assert_eq!(ready.customer, ContactRef::Id("58".into()));
        // I4: combined rate 4 % + 4.875 %. I3: unmapped work type → default.
        assert_eq!(ready.lines[0].tax_code.as_deref(), Some("TAX-NY"));
        assert_eq!(ready.lines[0].service, "SVC-DEFAULT");
        assert!(ready.lines[0].default_service);
        assert_eq!(ready.lines[1].tax_code, None);
    }

    #[test]
    fn i8_every_bad_invoice_is_reported_and_the_good_ones_go_through() {
        let (mut s, state, facts) = setup();
        s.us_company = true;
        let mut draft = invoice("INV-0", "0999", "K1", &[None]);
        draft.status = InvoiceStatus::Draft;
        let batch = [
            draft,
            invoice("INV-A", "1002", "K1", &[Some("10")]),
            invoice("INV-B", "1001", "K1", &[None]),
            invoice("INV-C", "1003", "K9", &[None]),
            invoice("INV-D", "1004", "K1", &[Some("7")]),
            invoice("INV-E", "1005", "K1", &[Some("10"), Some("8.875")]),
            invoice("INV-F", "2026-11-BOOKKEEPING-0042", "K1", &[None]),
        ];
        let out = check_invoices(&batch, &s, &state, &facts, now());
        let ready: Vec<&str> = out.ready.iter().map(|r| r.invoice_id.as_str()).collect();
        assert_eq!(ready, ["INV-A"]);
        let codes: Vec<(&str, &str)> = out
            .failures
            .iter()
            .map(|f| (f.record.id.as_str(), f.code.message()))
            .collect();
        // I6, I5, I4, I7 and the 21-character limit, each with its text.
        assert_eq!(
            codes,
            [
                ("INV-B", "Duplicate Document Number"),
                ("INV-C", "CustomerRef is required"),
                ("INV-D", "TaxRateNotMapped"),
                ("INV-E", "QboaUsInvoiceMultipleTaxRates"),
                ("INV-F", "DocNumber is longer than 21 characters"),
            ]
        );
        // I1: drafts are not sent.
        assert_eq!(
            out.skipped,
            [("INV-0".to_owned(), "not sent or posted yet (I1)".to_owned())]
        );
    }

    #[test]
    fn u7_currencies_and_i6_batch_duplicates() {
        let (s, state, mut facts) = setup();
        facts.customer_currency.insert("58".into(), Currency::NZD);
        let a = invoice("INV-A", "1010", "K1", &[None]);
        let b = invoice("INV-B", "1010", "K1", &[None]);
        let out = check_invoices(&[a, b], &s, &state, &facts, now());
        assert!(out.ready.is_empty());
        assert!(
            out.failures
                .iter()
                .any(|f| f.code == FailureCode::CustomerCurrencyMismatch)
        );
        assert_eq!(
            out.failures
                .iter()
                .filter(|f| f.code == FailureCode::DuplicateDocumentNumber)
                .count(),
            2
        );
    }
}
