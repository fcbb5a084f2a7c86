//! Checking a payment before it is recorded (Y4, Y5, U6) and what it does
//! to the invoices it pays (Y3).

use chrono::{DateTime, Days, Utc};

use std::collections::BTreeMap;

use crate::model::{AccountingPeriod, Allocation, ContactId, InvoiceStatus, Money, Payment};

use super::queue::{Failure, FailureCode, RecordKind, RecordRef};

/// An invoice a payment may be applied to, with what it still owes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OpenInvoice {
    /// The invoice's id.
    pub invoice_id: String,
    /// Its customer (a local contact id).
    pub customer: ContactId,
    /// The amount still due.
    pub due: Money,
    /// Its status: a payment may be applied to it only while it is sent
    /// or awaiting payment (not draft, approved, paid or void).
    pub status: InvoiceStatus,
}

/// What a payment does to one invoice (Y3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BalanceChange {
    /// The invoice.
    pub invoice_id: String,
    /// Due before the payment.
    pub before: Money,
    /// Due after it (never below zero).
    pub after: Money,
    /// The invoice's status afterwards: paid at zero.
    pub status: InvoiceStatus,
    /// The activity record of an invoice paid in full.
    pub activity: Option<String>,
}

/// The outcome of checking one payment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PaymentCheck {
    /// Every reason to reject it (empty: it may be recorded).
    pub failures: Vec<Failure>,
    /// What it does to each invoice, when it may be recorded.
    pub changes: Vec<BalanceChange>,
    /// The part applied to no invoice.
    pub unapplied: Option<Money>,
}

/// Checks a payment against the invoices it pays, the accounting periods
/// and `now` (Y4), and works out the new balances (Y3, Y5).
///
/// A payment dated more than two days after `now` (UTC) is in the future;
/// its date must fall in an open period (U6); each allocation must be to an
/// invoice of the payer that is open (sent or awaiting payment: a paid,
/// void, draft or approved invoice is refused with
/// [`FailureCode::InvoiceNotFound`]), in its currency, and at most what it
/// owes; allocations may not exceed the payment.
///
/// Amounts (Y5), in both directions:
/// - the payment's amount must be above zero, and so must every amount it
///   applies to an invoice ([`FailureCode::AmountNotPositive`]): a payment
///   of nothing records nothing, both ledgers refuse an amount applied of
///   zero or less, and a negative one would raise the invoice's balance
///   (refunds and credit notes are not payments);
/// - the payment's amount, every amount applied and the balance of every
///   invoice it pays must be whole minor units of the currency (USD 0.01,
///   JPY 1, KWD 0.001; [`FailureCode::AmountTooPrecise`]): a finer amount
///   cannot be recorded by a ledger, and the allocations and the unapplied
///   remainder would no longer add up to what is recorded.
///
/// A payment refused for its amounts changes no balance.
#[must_use]
pub fn check_payment(
    payment: &Payment,
    open: &[OpenInvoice],
    periods: &[AccountingPeriod],
    now: DateTime<Utc>,
) -> PaymentCheck {
    let record = RecordRef::new(RecordKind::Payment, payment.id.clone());
    let mut failures = amount_failures(payment, &record, now);
    let mut out = check_dates_and_invoices(payment, open, periods, now);
    drop_overrun_of_nothing(&mut out.failures, &payment.amount);
    failures.append(&mut out.failures);
    out.failures = failures;
    if !out.failures.is_empty() {
        out.changes.clear();
        out.unapplied = None;
    }
    out
}

/// Y5: what is wrong with a payment's own amounts: its amount and each
/// amount it applies must be above zero ([`FailureCode::AmountNotPositive`])
/// and whole minor units of their currency
/// ([`FailureCode::AmountTooPrecise`]). One failure per code, naming every
/// amount concerned.
pub(super) fn amount_failures(
    payment: &Payment,
    record: &RecordRef,
    now: DateTime<Utc>,
) -> Vec<Failure> {
    let mut below = Vec::new();
    let mut too_precise = Vec::new();
    let mut look = |what: String, m: &Money| {
        if not_positive(m) {
            below.push(what.clone());
        }
        if !m.is_rounded() {
            too_precise.push(format!(
                "{what}: {} takes {} decimal place(s)",
                m.currency(),
                m.currency().minor_digits()
            ));
        }
    };
    look(format!("payment of {}", payment.amount), &payment.amount);
    for a in &payment.allocations {
        look(
            format!("{} applied to invoice {}", a.amount, a.invoice_id),
            &a.amount,
        );
    }
    [
        (FailureCode::AmountNotPositive, below),
        (FailureCode::AmountTooPrecise, too_precise),
    ]
    .into_iter()
    .filter(|(_, found)| !found.is_empty())
    .map(|(code, found)| Failure {
        code,
        record: record.clone(),
        detail: Some(found.join("; ")),
        at: now,
    })
    .collect()
}

/// Whether an amount is zero or less (Y5).
fn not_positive(m: &Money) -> bool {
    m.is_negative() || m.is_zero()
}

/// A payment of zero or less is refused for its amount
/// ([`amount_failures`]); that its allocations "exceed" it says nothing
/// more, so that failure is dropped.
pub(super) fn drop_overrun_of_nothing(failures: &mut Vec<Failure>, amount: &Money) {
    if not_positive(amount) {
        failures.retain(|f| f.code != FailureCode::AllocationsExceedPayment);
    }
}

/// The checks of [`check_payment`] but the payment's own amounts (which
/// the caller checks, [`amount_failures`]): dates, invoices, balances.
pub(super) fn check_dates_and_invoices(
    payment: &Payment,
    open: &[OpenInvoice],
    periods: &[AccountingPeriod],
    now: DateTime<Utc>,
) -> PaymentCheck {
    let record = RecordRef::new(RecordKind::Payment, payment.id.clone());
    let mut out = PaymentCheck::default();
    let mut fail = |code: FailureCode, detail: String| {
        out.failures.push(Failure {
            code,
            record: record.clone(),
            detail: Some(detail),
            at: now,
        });
    };
    let latest = now.date_naive().checked_add_days(Days::new(2));
    if latest.is_some_and(|l| payment.date > l) {
        fail(
            FailureCode::PaymentDateInFuture,
            format!("dated {}", payment.date),
        );
    }
    if !AccountingPeriod::is_open_on(periods, payment.date) {
        fail(
            FailureCode::PaymentDateNotInOpenPeriod,
            format!("dated {}", payment.date),
        );
    }
    match payment.unapplied() {
        Ok(rest) if rest.is_negative() => fail(
            FailureCode::AllocationsExceedPayment,
            format!("{} more than the payment", rest.amount().abs()),
        ),
        Ok(rest) => out.unapplied = Some(rest),
        Err(e) => fail(FailureCode::CustomerCurrencyMismatch, e.to_string()),
    }
    // Several allocations to one invoice count together.
    let mut per_invoice: BTreeMap<&str, Money> = BTreeMap::new();
    for a in &payment.allocations {
        let total = match per_invoice.get(a.invoice_id.as_str()) {
            None => a.amount,
            Some(sum) => match sum.checked_add(&a.amount) {
                Ok(total) => total,
                Err(e) => {
                    fail(FailureCode::CustomerCurrencyMismatch, e.to_string());
                    continue;
                }
            },
        };
        per_invoice.insert(&a.invoice_id, total);
    }
    let mut changes = Vec::new();
    for (invoice_id, amount) in per_invoice {
        let a = Allocation {
            invoice_id: invoice_id.to_owned(),
            amount,
        };
        let Some(inv) = open.iter().find(|i| i.invoice_id == a.invoice_id) else {
            fail(
                FailureCode::InvoiceNotFound,
                format!("invoice {}", a.invoice_id),
            );
            continue;
        };
        // The same invoice listed twice with different facts: which one
        // holds is a guess, so the payment waits until the input is fixed.
        if open
            .iter()
            .any(|i| i.invoice_id == a.invoice_id && i != inv)
        {
            fail(
                FailureCode::DuplicateRecordId,
                format!(
                    "invoice {} is listed more than once among the open invoices, with different facts",
                    a.invoice_id
                ),
            );
            continue;
        }
        if !matches!(
            inv.status,
            InvoiceStatus::Sent | InvoiceStatus::AwaitingPayment
        ) {
            fail(
                FailureCode::InvoiceNotFound,
                format!("invoice {} is {:?}", inv.invoice_id, inv.status),
            );
            continue;
        }
        if !inv.due.is_rounded() {
            fail(
                FailureCode::AmountTooPrecise,
                format!(
                    "invoice {} owes {}: {} takes {} decimal place(s)",
                    inv.invoice_id,
                    inv.due,
                    inv.due.currency(),
                    inv.due.currency().minor_digits()
                ),
            );
        }
        if inv.customer != payment.payer {
            fail(
                FailureCode::PaymentCustomerMismatch,
                format!("invoice {} belongs to {}", inv.invoice_id, inv.customer),
            );
        }
        match inv.due.checked_sub(&a.amount) {
            Err(e) => fail(FailureCode::CustomerCurrencyMismatch, e.to_string()),
            Ok(after) if after.is_negative() => fail(
                FailureCode::PaymentOverpaysInvoice,
                format!("invoice {} owes {}", inv.invoice_id, inv.due),
            ),
            Ok(after) => {
                let paid = after.is_zero();
                changes.push(BalanceChange {
                    invoice_id: inv.invoice_id.clone(),
                    before: inv.due,
                    after,
                    status: if paid {
                        InvoiceStatus::Paid
                    } else {
                        InvoiceStatus::AwaitingPayment
                    },
                    activity: paid.then(|| {
                        format!(
                            "Invoice {} paid in full by payment {} on {}",
                            inv.invoice_id, payment.id, payment.date
                        )
                    }),
                });
            }
        }
    }
    if out.failures.is_empty() {
        out.changes = changes;
    } else {
        out.unapplied = None;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Currency, PaymentOrigin};
    use chrono::{NaiveDate, TimeZone};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 23, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn usd(a: &str) -> Money {
        Money::parse(a, "USD").unwrap_or(Money::zero(Currency::USD))
    }

    fn open() -> Vec<OpenInvoice> {
        ["INV-A", "INV-B"]
            .iter()
            .map(|id| OpenInvoice {
                invoice_id: (*id).into(),
                customer: "K1".into(),
                due: usd("100.00"),
                status: InvoiceStatus::AwaitingPayment,
            })
            .collect()
    }

    fn periods() -> Vec<AccountingPeriod> {
        vec![AccountingPeriod {
            start: day(1),
            end: day(30),
            open: true,
        }]
    }

    fn payment(date: NaiveDate, amount: &str, allocs: &[(&str, &str)]) -> Payment {
        Payment {
            id: "PAY-1".into(),
            date,
            amount: usd(amount),
            payer: "K1".into(),
            allocations: allocs
                .iter()
                .map(|(i, a)| Allocation {
                    invoice_id: (*i).into(),
                    amount: usd(a),
                })
                .collect(),
            origin: PaymentOrigin::Ledger,
            reference: None,
        }
    }

    #[test]
    fn y3_a_split_payment_pays_one_invoice_off_and_leaves_a_remainder() {
        let p = payment(
            day(20),
            "150.00",
            &[("INV-A", "100.00"), ("INV-B", "40.00")],
        );
        let out = check_payment(&p, &open(), &periods(), now());
        assert!(out.failures.is_empty(), "{:?}", out.failures);
        assert_eq!(out.changes[0].status, InvoiceStatus::Paid);
        assert!(out.changes[0].activity.is_some());
        assert_eq!(out.changes[1].after, usd("60.00"));
        assert_eq!(out.changes[1].status, InvoiceStatus::AwaitingPayment);
        // Y5: what is not applied is kept, exactly.
        assert_eq!(out.unapplied, Some(usd("10.00")));
    }

    #[test]
    fn y4_each_rejection_has_the_products_text() {
        let msg = |p: &Payment, o: &[OpenInvoice], per: &[AccountingPeriod]| -> Vec<&'static str> {
            check_payment(p, o, per, now())
                .failures
                .iter()
                .map(|f| f.code.message())
                .collect()
        };
        // 2 days after now (UTC) is allowed, 3 is in the future.
        let future = payment(
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default(),
            "1",
            &[],
        );
        let far = AccountingPeriod {
            start: day(1),
            end: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default(),
            open: true,
        };
        assert_eq!(
            msg(&future, &open(), &[far]),
            ["Payment Date is in the future"]
        );
        assert!(msg(&payment(day(24), "1", &[]), &open(), &[far]).is_empty());
        // U6: no open period.
        let closed = [AccountingPeriod {
            start: day(1),
            end: day(30),
            open: false,
        }];
        assert_eq!(
            msg(&payment(day(20), "1", &[]), &open(), &closed),
            ["Payment date is not in an open accounting period"]
        );
        assert_eq!(
            msg(
                &payment(day(20), "120.00", &[("INV-A", "120.00")]),
                &open(),
                &periods()
            ),
            ["Payment will overpay the invoice"]
        );
        let mut other = payment(day(20), "10.00", &[("INV-A", "10.00")]);
        other.payer = "K2".into();
        assert_eq!(
            msg(&other, &open(), &periods()),
            ["Invoice customer differs from payment customer"]
        );
    }

    #[test]
    fn y5_negative_zero_and_sub_minor_amounts_change_no_balance() {
        let codes = |p: &Payment| -> (Vec<FailureCode>, usize, Option<Money>) {
            let out = check_payment(p, &open(), &periods(), now());
            (
                out.failures.iter().map(|f| f.code).collect(),
                out.changes.len(),
                out.unapplied,
            )
        };
        let not_positive = vec![FailureCode::AmountNotPositive];
        // -5.00 applied as -5.00 to a 100.00 invoice would owe 105.00.
        assert_eq!(
            codes(&payment(day(20), "-5.00", &[("INV-A", "-5.00")])),
            (not_positive.clone(), 0, None)
        );
        // A positive payment with a negative allocation.
        assert_eq!(
            codes(&payment(day(20), "10", &[("INV-A", "15"), ("INV-B", "-5")])),
            (not_positive.clone(), 0, None)
        );
        assert_eq!(codes(&payment(day(20), "0", &[])), (not_positive, 0, None));
        assert_eq!(
            codes(&payment(day(20), "10.001", &[("INV-A", "10.001")])),
            (vec![FailureCode::AmountTooPrecise], 0, None)
        );
        // One failure per code, naming every amount concerned.
        let out = check_payment(
            &payment(day(20), "-1", &[("INV-A", "-0.5"), ("INV-B", "-0.5")]),
            &open(),
            &periods(),
            now(),
        );
        assert_eq!(out.failures.len(), 1);
        assert_eq!(
            out.failures[0].detail.as_deref(),
            Some(
                "payment of -1 USD; -0.5 USD applied to invoice INV-A; \
                 -0.5 USD applied to invoice INV-B"
            )
        );
    }

    #[test]
    fn y5_allocations_never_exceed_the_payment_and_currencies_never_mix() {
        let over = payment(day(20), "50.00", &[("INV-A", "30.00"), ("INV-B", "30.00")]);
        let out = check_payment(&over, &open(), &periods(), now());
        assert_eq!(out.failures[0].code, FailureCode::AllocationsExceedPayment);
        assert!(out.changes.is_empty());
        let mut nzd = payment(day(20), "10.00", &[]);
        nzd.allocations.push(Allocation {
            invoice_id: "INV-A".into(),
            amount: Money::parse("10.00", "NZD").unwrap_or(Money::zero(Currency::NZD)),
        });
        let out = check_payment(&nzd, &open(), &periods(), now());
        assert!(
            out.failures
                .iter()
                .all(|f| f.code == FailureCode::CustomerCurrencyMismatch)
        );
        assert!(!out.failures.is_empty());
    }
}
