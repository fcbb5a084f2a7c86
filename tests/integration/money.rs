//! Money invariants (issue 4 groundwork): exact sums, allocations that
//! never lose a cent, currencies that never mix.

use ledgerlink::model::{Currency, Money, MoneyError, Rounding};
use proptest::prelude::*;

fn currency() -> impl Strategy<Value = Currency> {
    prop_oneof![
        Just(Currency::NZD),
        Just(Currency::USD),
        Just(Currency::JPY),
        Just(Currency::KWD),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn sums_are_exact_in_minor_units(
        c in currency(),
        units in proptest::collection::vec(-1_000_000_000i64..1_000_000_000, 0..50),
    ) {
        let items: Vec<Money> = units.iter().map(|&u| Money::from_minor(u, c).unwrap()).collect();
        let sum = Money::sum(c, &items).unwrap();
        prop_assert_eq!(sum.minor_units().unwrap(), units.iter().sum::<i64>());
        // Subtracting every item again gives zero: nothing lost on the way.
        let back = items.iter().try_fold(sum, |acc, m| acc.checked_sub(m)).unwrap();
        prop_assert!(back.is_zero());
    }

    #[test]
    fn allocations_add_up_to_the_cent(
        c in currency(),
        units in -10_000_000_000i64..10_000_000_000,
        weights in proptest::collection::vec(0u32..1000, 1..12),
    ) {
        let total = Money::from_minor(units, c).unwrap();
        match total.allocate(&weights) {
            Ok(parts) => {
                prop_assert_eq!(parts.len(), weights.len());
                prop_assert_eq!(Money::sum(c, &parts).unwrap(), total);
                for (p, &w) in parts.iter().zip(&weights) {
                    prop_assert!(p.is_rounded());
                    if w == 0 {
                        prop_assert!(p.is_zero());
                    }
                }
            }
            Err(e) => prop_assert_eq!(e, MoneyError::NoWeights),
        }
    }

    #[test]
    fn currencies_never_mix(a in currency(), b in currency(), x in -1000i64..1000, y in -1000i64..1000) {
        let (ma, mb) = (Money::from_minor(x, a).unwrap(), Money::from_minor(y, b).unwrap());
        let sum = ma.checked_add(&mb);
        if a == b {
            prop_assert_eq!(sum.unwrap().minor_units().unwrap(), x + y);
        } else {
            let is_mismatch = matches!(sum, Err(MoneyError::CurrencyMismatch { .. }));
            prop_assert!(is_mismatch);
        }
    }

    #[test]
    fn rounding_lands_on_the_minor_unit_and_moves_less_than_one(
        c in currency(),
        raw in -1_000_000_000i64..1_000_000_000,
        scale in 0u32..8,
    ) {
        let m = Money::new(rust_decimal::Decimal::new(raw, scale), c);
        for r in [Rounding::HalfAwayFromZero, Rounding::HalfEven, Rounding::TowardZero] {
            let rounded = m.round(r);
            prop_assert!(rounded.is_rounded());
            let diff = rounded.checked_sub(&m).unwrap().amount().abs();
            let unit = rust_decimal::Decimal::new(1, c.minor_digits());
            prop_assert!(diff < unit);
        }
    }
}
