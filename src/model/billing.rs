//! Invoices, payments and accounting periods: the data billing works on.
//!
//! Plain data with exact money; the rules that decide what may be sent to a
//! ledger (I1–I8, Y1–Y5) build on these types.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::ContactId;
use super::money::{Currency, Money, MoneyError, Rounding, TaxRate};

/// Where an invoice is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum InvoiceStatus {
    /// Being prepared.
    #[default]
    Draft,
    /// Approved, not sent yet.
    Approved,
    /// Sent to the client / posted.
    Sent,
    /// Sent, with a balance due.
    AwaitingPayment,
    /// Balance zero (Y3).
    Paid,
    /// Cancelled.
    Void,
}

impl InvoiceStatus {
    /// Whether an invoice in this status may move to `next`: forward along
    /// draft → approved → sent → awaiting payment → paid, or to void from
    /// anything not paid. A payment reversed takes a paid invoice back to
    /// awaiting payment.
    #[must_use]
    pub const fn can_become(self, next: Self) -> bool {
        use InvoiceStatus::{Approved, AwaitingPayment, Draft, Paid, Sent, Void};
        matches!(
            (self, next),
            (Draft, Approved | Sent)
                | (Approved, Sent)
                | (Sent, AwaitingPayment | Paid)
                | (AwaitingPayment, Paid)
                | (Paid, AwaitingPayment)
                | (Draft | Approved | Sent | AwaitingPayment, Void)
        )
    }

    /// Whether the invoice has been sent or posted (I1: only these sync).
    #[must_use]
    pub const fn is_sent(self) -> bool {
        matches!(self, Self::Sent | Self::AwaitingPayment | Self::Paid)
    }
}

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct InvoiceLine {
    /// The firm's work type (mapped to a ledger service, I3).
    #[cfg_attr(feature = "serde", serde(default))]
    pub work_type: Option<String>,
    /// What was done.
    pub description: String,
    /// How much (hours, items); exact.
    pub quantity: Decimal,
    /// Price of one unit; may carry more digits than the currency.
    pub unit_price: Money,
    /// The tax rate of the line (`None`: no tax).
    #[cfg_attr(feature = "serde", serde(default))]
    pub tax_rate: Option<TaxRate>,
}

impl InvoiceLine {
    /// Quantity × unit price, rounded to the minor unit.
    ///
    /// # Errors
    /// [`MoneyError::Overflow`].
    pub fn net(&self, rounding: Rounding) -> Result<Money, MoneyError> {
        Ok(self.unit_price.checked_mul(self.quantity)?.round(rounding))
    }

    /// The tax on the line's rounded net amount.
    ///
    /// # Errors
    /// [`MoneyError::Overflow`].
    pub fn tax(&self, rounding: Rounding) -> Result<Money, MoneyError> {
        let net = self.net(rounding)?;
        match self.tax_rate {
            Some(rate) => rate.tax_on(&net, rounding),
            None => Ok(Money::zero(net.currency())),
        }
    }
}

/// An invoice's totals, each rounded to the minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct InvoiceTotals {
    /// Sum of the lines' net amounts.
    pub net: Money,
    /// Sum of the lines' tax.
    pub tax: Money,
    /// Net plus tax.
    pub gross: Money,
}

/// An invoice of the firm (PM → ledger, one-way: I2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Invoice {
    /// The firm's id of the invoice.
    pub id: String,
    /// The document number shown to the client.
    pub number: String,
    /// The billing contact (a local contact id).
    pub contact_id: ContactId,
    /// Date of issue.
    pub issue_date: NaiveDate,
    /// Date payment is due.
    pub due_date: NaiveDate,
    /// Where it is in its life.
    pub status: InvoiceStatus,
    /// The invoice's currency: every line is in it.
    pub currency: Currency,
    /// The lines.
    pub lines: Vec<InvoiceLine>,
}

impl Invoice {
    /// The totals, line by line: each line's net and tax rounded with
    /// `rounding`, then summed (so they add up on the printed invoice).
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] for a line in another currency,
    /// [`MoneyError::Overflow`].
    pub fn totals(&self, rounding: Rounding) -> Result<InvoiceTotals, MoneyError> {
        let mut net = Money::zero(self.currency);
        let mut tax = Money::zero(self.currency);
        for line in &self.lines {
            net = net.checked_add(&line.net(rounding)?)?;
            tax = tax.checked_add(&line.tax(rounding)?)?;
        }
        let gross = net.checked_add(&tax)?;
        Ok(InvoiceTotals { net, tax, gross })
    }
}

/// Where a payment was recorded first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum PaymentOrigin {
    /// In the firm's system (Y1).
    Local,
    /// In the ledger (Y2).
    Ledger,
}

/// The part of a payment applied to one invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Allocation {
    /// The invoice.
    pub invoice_id: String,
    /// The amount applied.
    pub amount: Money,
}

/// A payment, applied to one or more invoices; what is not applied is the
/// unapplied remainder (Y2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Payment {
    /// The payment's id on the side it came from.
    pub id: String,
    /// Date of payment.
    pub date: NaiveDate,
    /// The amount received.
    pub amount: Money,
    /// Who paid: a contact id on the side the payment came from.
    pub payer: ContactId,
    /// The amounts applied to invoices.
    #[cfg_attr(feature = "serde", serde(default))]
    pub allocations: Vec<Allocation>,
    /// Where it was recorded first.
    pub origin: PaymentOrigin,
    /// The id of the payment it was copied from on the other side, when one
    /// side copied it (QBO `PaymentRefNum`, a note in the firm's system):
    /// a payment the sync wrote is recognised, never copied back.
    #[cfg_attr(feature = "serde", serde(default))]
    pub reference: Option<String>,
}

impl Payment {
    /// The amount not applied to any invoice.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] for an allocation in another
    /// currency; [`MoneyError::Overflow`]. Allocations above the amount give
    /// a negative remainder, which the payment rules reject (Y5).
    pub fn unapplied(&self) -> Result<Money, MoneyError> {
        self.allocations
            .iter()
            .try_fold(self.amount, |left, a| left.checked_sub(&a.amount))
    }
}

/// A range of dates the books are open or closed for (U6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AccountingPeriod {
    /// First day.
    pub start: NaiveDate,
    /// Last day (inclusive).
    pub end: NaiveDate,
    /// Whether entries may still be dated in it.
    pub open: bool,
}

impl AccountingPeriod {
    /// Whether `date` falls in an open period of `periods` (a closed
    /// period wins over an open one that overlaps it).
    #[must_use]
    pub fn is_open_on(periods: &[Self], date: NaiveDate) -> bool {
        let covering = periods.iter().filter(|p| p.start <= date && date <= p.end);
        let mut any_open = false;
        for p in covering {
            if !p.open {
                return false;
            }
            any_open = true;
        }
        any_open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn usd(a: &str) -> Money {
        Money::parse(a, "USD").unwrap_or(Money::zero(Currency::USD))
    }

    fn alloc(id: &str, a: &str) -> Allocation {
        Allocation {
            invoice_id: id.into(),
            amount: usd(a),
        }
    }

    fn line(q: &str, price: &str, rate: Option<&str>) -> InvoiceLine {
        InvoiceLine {
            work_type: Some("Bookkeeping".into()),
            description: "Monthly books".into(),
            quantity: Decimal::from_str_exact(q).unwrap_or_default(),
            unit_price: usd(price),
            tax_rate: rate.and_then(|r| TaxRate::percent(r).ok()),
        }
    }

    #[test]
    fn totals_round_each_line_then_add() {
        let inv = Invoice {
            id: "INV-1".into(),
            number: "INV-0001".into(),
            contact_id: "K1".into(),
            issue_date: d(2026, 11, 1),
            due_date: d(2026, 11, 20),
            status: InvoiceStatus::Sent,
            currency: Currency::USD,
            lines: vec![line("1.5", "33.333", Some("8.875")), line("3", "10", None)],
        };
        let t = inv.totals(Rounding::HalfAwayFromZero).expect("totals");
        // 1.5 × 33.333 = 49.9995 → 50.00; tax 8.875 % of 50.00 = 4.4375 → 4.44.
        assert_eq!(t.net, usd("80.00"));
        assert_eq!(t.tax, usd("4.44"));
        assert_eq!(t.gross, usd("84.44"));
        let mut mixed = inv.clone();
        mixed.lines[1].unit_price = Money::parse("10", "NZD").expect("money");
        assert!(matches!(
            mixed.totals(Rounding::HalfEven),
            Err(MoneyError::CurrencyMismatch { .. })
        ));
    }

    #[test]
    fn status_moves_forward_or_to_void() {
        use InvoiceStatus::*;
        assert!(Draft.can_become(Approved));
        assert!(Sent.can_become(AwaitingPayment));
        assert!(AwaitingPayment.can_become(Paid));
        assert!(!Paid.can_become(Draft));
        assert!(!Paid.can_become(Void));
        assert!(!Void.can_become(Sent));
        assert!(Sent.is_sent() && !Approved.is_sent());
    }

    #[test]
    fn unapplied_remainder_and_currencies() {
        let p = Payment {
            id: "P1".into(),
            date: d(2026, 11, 20),
            amount: usd("100.00"),
            payer: "K1".into(),
            allocations: vec![alloc("INV-1", "60.00"), alloc("INV-2", "30.00")],
            origin: PaymentOrigin::Ledger,
            reference: None,
        };
        assert_eq!(p.unapplied(), Ok(usd("10.00")));
        let mut other = p.clone();
        other.allocations.push(Allocation {
            invoice_id: "INV-3".into(),
            amount: Money::parse("1", "NZD").expect("money"),
        });
        assert!(other.unapplied().is_err());
    }

    #[test]
    fn closed_periods_win() {
        let periods = [
            AccountingPeriod {
                start: d(2026, 1, 1),
                end: d(2026, 12, 31),
                open: true,
            },
            AccountingPeriod {
                start: d(2026, 1, 1),
                end: d(2026, 6, 30),
                open: false,
            },
        ];
        assert!(AccountingPeriod::is_open_on(&periods, d(2026, 7, 1)));
        assert!(!AccountingPeriod::is_open_on(&periods, d(2026, 3, 1)));
        assert!(!AccountingPeriod::is_open_on(&periods, d(2027, 1, 1)));
    }
}
