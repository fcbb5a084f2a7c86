//! Exact money: a decimal amount with an ISO 4217 currency.
//!
//! Amounts are [`rust_decimal::Decimal`]s: the ledgers send decimals
//! (`"1234.56"`), unit prices may carry more digits than the currency, and
//! tax rates such as 8.875 % must stay exact. Arithmetic is checked: adding
//! two currencies or overflowing is a [`MoneyError`], never a panic and never
//! a silent conversion. Rounding to the currency's minor unit is an explicit
//! step with an explicit [`Rounding`].

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// What went wrong with money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// Two amounts in different currencies were combined.
    #[error("cannot combine {left} and {right} amounts")]
    CurrencyMismatch {
        /// The first currency.
        left: Currency,
        /// The second currency.
        right: Currency,
    },
    /// The result does not fit a decimal (about 7.9 × 10²⁸).
    #[error("{operation} overflows")]
    Overflow {
        /// The operation.
        operation: &'static str,
    },
    /// Not a three-letter ISO 4217 code.
    #[error("`{code}` is not a currency code (three letters, ISO 4217)")]
    InvalidCurrency {
        /// What was given.
        code: String,
    },
    /// Not a decimal number.
    #[error("`{text}` is not an amount")]
    InvalidAmount {
        /// What was given.
        text: String,
    },
    /// A tax rate outside 0–100 %.
    #[error("tax rate {rate} % is outside 0–100 %")]
    InvalidRate {
        /// The rate, in percent.
        rate: Decimal,
    },
    /// An amount was asked in minor units but has more digits than the
    /// currency (round it first).
    #[error("{amount} {currency} has more digits than the currency's minor unit")]
    NotRounded {
        /// The amount.
        amount: Decimal,
        /// Its currency.
        currency: Currency,
    },
    /// An allocation with no weights, or weights that add up to zero.
    #[error("an allocation needs at least one positive weight")]
    NoWeights,
}

/// An ISO 4217 currency code: three upper-case ASCII letters.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// New Zealand dollar.
    pub const NZD: Self = Self(*b"NZD");
    /// Australian dollar.
    pub const AUD: Self = Self(*b"AUD");
    /// US dollar.
    pub const USD: Self = Self(*b"USD");
    /// Pound sterling.
    pub const GBP: Self = Self(*b"GBP");
    /// Euro.
    pub const EUR: Self = Self(*b"EUR");
    /// Canadian dollar.
    pub const CAD: Self = Self(*b"CAD");
    /// Japanese yen (no minor unit).
    pub const JPY: Self = Self(*b"JPY");
    /// Kuwaiti dinar (three minor digits).
    pub const KWD: Self = Self(*b"KWD");

    /// Parses a code, accepting lower case (`"nzd"`).
    ///
    /// # Errors
    /// [`MoneyError::InvalidCurrency`] unless the code is three ASCII
    /// letters.
    pub fn new(code: &str) -> Result<Self, MoneyError> {
        let b = code.trim().as_bytes();
        match b {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_alphabetic()) => Ok(Self([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ])),
            _ => Err(MoneyError::InvalidCurrency {
                code: code.to_owned(),
            }),
        }
    }

    /// The code.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Three ASCII letters, checked on construction.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Digits after the decimal point of the currency's minor unit (ISO
    /// 4217): 0 for the yen, the won and others, 3 for the dinars of
    /// Bahrain, Iraq, Jordan, Kuwait, Libya, Oman and Tunisia, 2 otherwise.
    #[must_use]
    pub fn minor_digits(self) -> u32 {
        match &self.0 {
            b"BIF" | b"CLP" | b"DJF" | b"GNF" | b"ISK" | b"JPY" | b"KMF" | b"KRW" | b"PYG"
            | b"RWF" | b"UGX" | b"UYI" | b"VND" | b"VUV" | b"XAF" | b"XOF" | b"XPF" => 0,
            b"BHD" | b"IQD" | b"JOD" | b"KWD" | b"LYD" | b"OMR" | b"TND" => 3,
            _ => 2,
        }
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::new(&s).map_err(serde::de::Error::custom)
    }
}

/// How an amount is rounded to its currency's minor unit. The ledgers'
/// documentation does not state theirs: the connection chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Rounding {
    /// Half away from zero (0.005 → 0.01, −0.005 → −0.01): what people do
    /// by hand.
    #[default]
    HalfAwayFromZero,
    /// Half to even, "banker's rounding" (0.005 → 0.00, 0.015 → 0.02).
    HalfEven,
    /// Towards zero (truncation).
    TowardZero,
}

impl Rounding {
    const fn strategy(self) -> RoundingStrategy {
        match self {
            Self::HalfAwayFromZero => RoundingStrategy::MidpointAwayFromZero,
            Self::HalfEven => RoundingStrategy::MidpointNearestEven,
            Self::TowardZero => RoundingStrategy::ToZero,
        }
    }
}

/// An exact amount in one currency.
///
/// ```
/// use ledgerlink::model::{Currency, Money, Rounding, TaxRate};
///
/// let net = Money::parse("199.99", "USD")?;
/// let tax = TaxRate::percent("8.875")?.tax_on(&net, Rounding::HalfAwayFromZero)?;
/// assert_eq!(tax.to_string(), "17.75 USD"); // 17.749…
/// let gross = net.checked_add(&tax)?;
/// assert_eq!(gross.to_string(), "217.74 USD");
/// // Mixing currencies is an error, not a conversion.
/// assert!(gross.checked_add(&Money::parse("1", "NZD")?).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// An amount.
    #[must_use]
    pub const fn new(amount: Decimal, currency: Currency) -> Self {
        Self { amount, currency }
    }

    /// Zero in `currency`.
    #[must_use]
    pub const fn zero(currency: Currency) -> Self {
        Self::new(Decimal::ZERO, currency)
    }

    /// Parses an exact decimal amount (`"1234.56"`, `"-0.5"`) and a code.
    ///
    /// # Errors
    /// [`MoneyError::InvalidAmount`] or [`MoneyError::InvalidCurrency`].
    pub fn parse(amount: &str, currency: &str) -> Result<Self, MoneyError> {
        let currency = Currency::new(currency)?;
        let amount =
            Decimal::from_str_exact(amount.trim()).map_err(|_| MoneyError::InvalidAmount {
                text: amount.to_owned(),
            })?;
        Ok(Self { amount, currency })
    }

    /// An amount in minor units (cents, yen, fils).
    ///
    /// # Errors
    /// [`MoneyError::Overflow`] past the decimal range.
    pub fn from_minor(units: i64, currency: Currency) -> Result<Self, MoneyError> {
        let amount = Decimal::try_from_i128_with_scale(i128::from(units), currency.minor_digits())
            .map_err(|_| MoneyError::Overflow {
                operation: "minor units",
            })?;
        Ok(Self { amount, currency })
    }

    /// The amount.
    #[must_use]
    pub const fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    #[must_use]
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the amount is zero.
    #[must_use]
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// Whether the amount is below zero.
    #[must_use]
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    fn same(&self, other: &Self) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    /// `self + other`.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`], [`MoneyError::Overflow`].
    pub fn checked_add(&self, other: &Self) -> Result<Self, MoneyError> {
        self.same(other)?;
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow {
                operation: "addition",
            })?;
        Ok(Self::new(amount, self.currency))
    }

    /// `self - other`.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`], [`MoneyError::Overflow`].
    pub fn checked_sub(&self, other: &Self) -> Result<Self, MoneyError> {
        self.same(other)?;
        let amount = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow {
                operation: "subtraction",
            })?;
        Ok(Self::new(amount, self.currency))
    }

    /// `self × factor` (a quantity), not rounded.
    ///
    /// # Errors
    /// [`MoneyError::Overflow`].
    pub fn checked_mul(&self, factor: Decimal) -> Result<Self, MoneyError> {
        let amount = self
            .amount
            .checked_mul(factor)
            .ok_or(MoneyError::Overflow {
                operation: "multiplication",
            })?;
        Ok(Self::new(amount, self.currency))
    }

    /// The amount rounded to the currency's minor unit.
    #[must_use]
    pub fn round(&self, rounding: Rounding) -> Self {
        Self::new(
            self.amount
                .round_dp_with_strategy(self.currency.minor_digits(), rounding.strategy()),
            self.currency,
        )
    }

    /// Whether the amount has no more digits than the minor unit.
    #[must_use]
    pub fn is_rounded(&self) -> bool {
        self.amount.normalize().scale() <= self.currency.minor_digits()
    }

    /// The amount in minor units.
    ///
    /// # Errors
    /// [`MoneyError::NotRounded`] when digits would be lost,
    /// [`MoneyError::Overflow`] past `i64`.
    pub fn minor_units(&self) -> Result<i64, MoneyError> {
        if !self.is_rounded() {
            return Err(MoneyError::NotRounded {
                amount: self.amount,
                currency: self.currency,
            });
        }
        let scaled = self
            .amount
            .checked_mul(Decimal::from(10_i64.pow(self.currency.minor_digits())))
            .ok_or(MoneyError::Overflow {
                operation: "minor units",
            })?;
        i64::try_from(scaled).map_err(|_| MoneyError::Overflow {
            operation: "minor units",
        })
    }

    /// The sum of `items`, all in `currency` (zero when empty).
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`], [`MoneyError::Overflow`].
    pub fn sum<'a>(
        currency: Currency,
        items: impl IntoIterator<Item = &'a Self>,
    ) -> Result<Self, MoneyError> {
        items
            .into_iter()
            .try_fold(Self::zero(currency), |acc, m| acc.checked_add(m))
    }

    /// Splits a rounded amount in proportion to `weights`, to the minor
    /// unit, so that the parts add up to the amount exactly: the units
    /// left over go to the largest remainders, ties to the earlier weight.
    ///
    /// ```
    /// use ledgerlink::model::Money;
    /// let parts = Money::parse("100.00", "NZD")?.allocate(&[1, 1, 1])?;
    /// let shown: Vec<String> = parts.iter().map(|m| m.amount().to_string()).collect();
    /// assert_eq!(shown, ["33.34", "33.33", "33.33"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`MoneyError::NoWeights`] when no weight is positive,
    /// [`MoneyError::NotRounded`] for an amount finer than the minor unit.
    pub fn allocate(&self, weights: &[u32]) -> Result<Vec<Self>, MoneyError> {
        let total_weight: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        if total_weight == 0 {
            return Err(MoneyError::NoWeights);
        }
        let units = i128::from(self.minor_units()?);
        let tw = i128::from(total_weight);
        let mut parts: Vec<i128> = Vec::with_capacity(weights.len());
        let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
        for (i, &w) in weights.iter().enumerate() {
            let exact = units * i128::from(w);
            parts.push(exact.div_euclid(tw));
            remainders.push((exact.rem_euclid(tw), i));
        }
        let mut left = units - parts.iter().sum::<i128>();
        remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, i) in remainders.iter().cycle() {
            if left == 0 {
                break;
            }
            parts[i] += 1;
            left -= 1;
        }
        parts
            .into_iter()
            .map(|p| {
                let p = i64::try_from(p).map_err(|_| MoneyError::Overflow {
                    operation: "allocation",
                })?;
                Self::from_minor(p, self.currency)
            })
            .collect()
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// A tax rate in percent, exact (8.875 % stays 8.875 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct TaxRate(Decimal);

impl TaxRate {
    /// No tax.
    pub const ZERO: Self = Self(Decimal::ZERO);

    /// A rate from its percentage text (`"15"`, `"8.875"`).
    ///
    /// # Errors
    /// [`MoneyError::InvalidAmount`] for text that is not a number,
    /// [`MoneyError::InvalidRate`] outside 0–100 %.
    pub fn percent(text: &str) -> Result<Self, MoneyError> {
        let rate = Decimal::from_str_exact(text.trim()).map_err(|_| MoneyError::InvalidAmount {
            text: text.to_owned(),
        })?;
        Self::from_percent(rate)
    }

    /// A rate from a percentage.
    ///
    /// # Errors
    /// [`MoneyError::InvalidRate`] outside 0–100 %.
    pub fn from_percent(rate: Decimal) -> Result<Self, MoneyError> {
        if rate.is_sign_negative() && !rate.is_zero() || rate > Decimal::ONE_HUNDRED {
            return Err(MoneyError::InvalidRate { rate });
        }
        Ok(Self(rate))
    }

    /// The percentage.
    #[must_use]
    pub const fn as_percent(&self) -> Decimal {
        self.0
    }

    /// The sum of rates (a combined rate: state + city).
    ///
    /// # Errors
    /// [`MoneyError::InvalidRate`] when the sum passes 100 %.
    pub fn combined(rates: &[Self]) -> Result<Self, MoneyError> {
        let mut sum = Decimal::ZERO;
        for r in rates {
            sum = sum.checked_add(r.0).ok_or(MoneyError::Overflow {
                operation: "rate sum",
            })?;
        }
        Self::from_percent(sum)
    }

    /// The tax on `net`, rounded to the minor unit with `rounding`.
    ///
    /// # Errors
    /// [`MoneyError::Overflow`].
    pub fn tax_on(&self, net: &Money, rounding: Rounding) -> Result<Money, MoneyError> {
        let tax = net
            .amount
            .checked_mul(self.0)
            .and_then(|x| x.checked_div(Decimal::ONE_HUNDRED))
            .ok_or(MoneyError::Overflow { operation: "tax" })?;
        Ok(Money::new(tax, net.currency).round(rounding))
    }
}

impl fmt::Display for TaxRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} %", self.0.normalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(a: &str, c: &str) -> Money {
        Money::parse(a, c).unwrap()
    }

    #[test]
    fn currencies_parse_and_know_their_minor_unit() {
        assert_eq!(Currency::new("nzd").unwrap(), Currency::NZD);
        assert!(Currency::new("NZ").is_err());
        assert!(Currency::new("N2D").is_err());
        assert_eq!(Currency::JPY.minor_digits(), 0);
        assert_eq!(Currency::KWD.minor_digits(), 3);
        assert_eq!(Currency::USD.minor_digits(), 2);
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(
            m("0.1", "USD").checked_add(&m("0.2", "USD")).unwrap(),
            m("0.3", "USD")
        );
        assert_eq!(
            m("1", "USD").checked_add(&m("1", "NZD")),
            Err(MoneyError::CurrencyMismatch {
                left: Currency::USD,
                right: Currency::NZD
            })
        );
        let max = Money::new(Decimal::MAX, Currency::USD);
        assert!(matches!(
            max.checked_add(&m("1", "USD")),
            Err(MoneyError::Overflow { .. })
        ));
        assert!(matches!(
            max.checked_mul(Decimal::TWO),
            Err(MoneyError::Overflow { .. })
        ));
        assert!(Money::parse("1.2.3", "USD").is_err());
        assert!(Money::parse("1e3", "USD").is_err());
    }

    #[test]
    fn rounding_is_explicit() {
        let half = m("0.125", "USD");
        assert_eq!(half.round(Rounding::HalfAwayFromZero), m("0.13", "USD"));
        assert_eq!(half.round(Rounding::HalfEven), m("0.12", "USD"));
        assert_eq!(half.round(Rounding::TowardZero), m("0.12", "USD"));
        assert_eq!(
            m("-0.125", "USD").round(Rounding::HalfAwayFromZero),
            m("-0.13", "USD")
        );
        assert_eq!(
            m("1234.5", "JPY").round(Rounding::HalfEven),
            m("1234", "JPY")
        );
        assert_eq!(
            m("1.2345", "KWD").round(Rounding::HalfAwayFromZero),
            m("1.235", "KWD")
        );
    }

    #[test]
    fn minor_units_round_trip() {
        assert_eq!(m("12.34", "USD").minor_units(), Ok(1234));
        assert_eq!(m("12.3", "USD").minor_units(), Ok(1230));
        assert_eq!(m("12", "JPY").minor_units(), Ok(12));
        assert!(matches!(
            m("12.345", "USD").minor_units(),
            Err(MoneyError::NotRounded { .. })
        ));
        assert_eq!(
            Money::from_minor(-5, Currency::KWD).unwrap(),
            m("-0.005", "KWD")
        );
    }

    #[test]
    fn tax_rates_are_exact() {
        let rate = TaxRate::percent("8.875").unwrap();
        assert_eq!(rate.to_string(), "8.875 %");
        assert_eq!(
            rate.tax_on(&m("100.00", "USD"), Rounding::HalfEven)
                .unwrap(),
            m("8.88", "USD")
        );
        assert_eq!(
            rate.tax_on(&m("100.00", "USD"), Rounding::TowardZero)
                .unwrap(),
            m("8.87", "USD")
        );
        let combined = TaxRate::combined(&[TaxRate::percent("4").unwrap(), rate]).unwrap();
        assert_eq!(combined.as_percent().to_string(), "12.875");
        assert!(TaxRate::percent("-1").is_err());
        assert!(TaxRate::percent("101").is_err());
    }

    #[test]
    fn allocation_never_loses_a_cent() {
        let parts = m("0.05", "USD").allocate(&[1, 1]).unwrap();
        assert_eq!(parts, [m("0.03", "USD"), m("0.02", "USD")]);
        let parts = m("-1.00", "USD").allocate(&[1, 2]).unwrap();
        assert_eq!(
            Money::sum(Currency::USD, &parts).unwrap(),
            m("-1.00", "USD")
        );
        assert_eq!(m("1", "USD").allocate(&[0, 0]), Err(MoneyError::NoWeights));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_keeps_exact_text() {
        let json = serde_json::to_string(&m("8.10", "NZD")).unwrap();
        assert_eq!(json, r#"{"amount":"8.10","currency":"NZD"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back.amount().to_string(), "8.10");
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"X"}"#).is_err());
    }
}
