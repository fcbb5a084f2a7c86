//! Invoice lines as the ledgers send them and as the model keeps them.
//!
//! The model keeps a line as a quantity and a unit price; its net amount
//! is their product, rounded to the currency's minor unit. The ledgers
//! also send the line's amount, and accept lines where the three do not
//! agree (a quantity of 0 with an amount, a price left out). Such a line
//! read into the model would change the invoice's total, so the decoders
//! complete a missing quantity or price from the amount ([`exact_share`]
//! for Xero; QBO's share to 28 digits), check that the line then
//! [`comes_to`] its amount, and refuse it otherwise.

use rust_decimal::Decimal;

use crate::model::{Currency, Money, Rounding};

/// The exact unit price of `quantity` units worth `amount` in all, when
/// there is one. The check multiplies back in integers: `Decimal`'s own
/// product rounds past 28 digits (100 / 3 × 3 would read as 100).
#[cfg_attr(not(feature = "xero"), allow(dead_code))]
pub(super) fn exact_share(amount: Decimal, quantity: Decimal) -> Option<Decimal> {
    let unit = amount.checked_div(quantity)?;
    let product = unit.mantissa().checked_mul(quantity.mantissa())?;
    let product_scale = unit.scale().checked_add(quantity.scale())?;
    let scale = product_scale.max(amount.scale());
    let widen = |m: i128, from: u32| m.checked_mul(10_i128.checked_pow(scale - from)?);
    (widen(product, product_scale)? == widen(amount.mantissa(), amount.scale())?).then_some(unit)
}

/// Whether `quantity` units at `unit` come to `amount`: exactly, or once
/// rounded to the currency's minor unit (a half either way, as ledgers
/// differ in how they round it).
pub(super) fn comes_to(
    quantity: Decimal,
    unit: Decimal,
    amount: Decimal,
    currency: Currency,
) -> bool {
    let Some(product) = quantity.checked_mul(unit) else {
        return false;
    };
    let net = Money::new(product, currency);
    product == amount
        || [Rounding::HalfAwayFromZero, Rounding::HalfEven]
            .into_iter()
            .any(|r| net.round(r).amount() == amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn shares_are_exact_or_none() {
        assert_eq!(exact_share(d("100"), d("4")), Some(d("25")));
        assert_eq!(exact_share(d("1"), d("8")), Some(d("0.125")));
        assert_eq!(exact_share(d("100"), d("3")), None);
        assert_eq!(exact_share(d("50"), d("0")), None);
    }

    #[test]
    fn amounts_come_to_the_rounded_product() {
        let nzd = Currency::new("NZD").unwrap();
        assert!(comes_to(d("3"), d("33.333"), d("100.00"), nzd));
        assert!(comes_to(d("1"), d("0.125"), d("0.13"), nzd));
        assert!(comes_to(d("1"), d("0.125"), d("0.12"), nzd));
        assert!(comes_to(d("2"), d("10"), d("20.0000"), nzd));
        assert!(!comes_to(d("0"), d("50"), d("50"), nzd));
        assert!(!comes_to(d("2"), d("10"), d("21"), nzd));
    }
}
