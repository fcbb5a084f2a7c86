//! Amounts, decimals and tax rates, written as the ledgers write them.

use std::str::FromStr;

use ledgerlink::model::{Currency, Money, TaxRate};
use rust_decimal::Decimal;

/// An amount in a currency given by its code: `money("10.50", "EUR")`.
pub fn money(amount: &str, currency: &str) -> Money {
    Money::parse(amount, currency).unwrap_or_else(|e| panic!("{amount} {currency}: {e}"))
}

/// US dollars.
pub fn usd(amount: &str) -> Money {
    money(amount, "USD")
}

/// New Zealand dollars.
pub fn nzd(amount: &str) -> Money {
    money(amount, "NZD")
}

/// An amount in minor units (cents for USD).
pub fn cents(minor: i64, currency: Currency) -> Money {
    Money::from_minor(minor, currency).unwrap()
}

/// An exact decimal: `dec("8.875")`.
pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// A tax rate in percent: `rate("8.875")`.
pub fn rate(percent: &str) -> TaxRate {
    TaxRate::percent(percent).unwrap()
}
