//! Invoice checks through the public API: whatever mix of bad invoices a
//! billing cycle holds, exactly the good ones are ready (I8).

use ledgerlink::billing::{InvoiceSettings, LedgerFacts, TaxMapping, check_invoices};
use ledgerlink::model::{Currency, Invoice, InvoiceLine, InvoiceStatus};
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::support::contacts::linked;
use crate::support::money::{cents, rate, usd};
use crate::support::time::{day, t0};

/// One defect an invoice may carry.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Defect {
    None,
    Unlinked,
    UnmappedRate,
    UsedNumber,
    TwoRates,
}

fn defect() -> impl Strategy<Value = Defect> {
    prop_oneof![
        3 => Just(Defect::None),
        1 => Just(Defect::Unlinked),
        1 => Just(Defect::UnmappedRate),
        1 => Just(Defect::UsedNumber),
        1 => Just(Defect::TwoRates),
    ]
}

fn make(i: usize, d: Defect) -> Invoice {
    let line = |r: &str| InvoiceLine {
        work_type: None,
        description: "Advice".into(),
        quantity: Decimal::ONE,
        unit_price: usd("50"),
        tax_rate: Some(rate(r)),
    };
    let lines = match d {
        Defect::UnmappedRate => vec![line("3")],
        Defect::TwoRates => vec![line("10"), line("5")],
        _ => vec![line("10")],
    };
    Invoice {
        id: format!("INV-{i:03}"),
        number: if d == Defect::UsedNumber {
            "OLD-1".into()
        } else {
            format!("N-{i}")
        },
        contact_id: if d == Defect::Unlinked {
            "K9".into()
        } else {
            "K1".into()
        },
        issue_date: day(11, 10),
        due_date: day(11, 30),
        status: InvoiceStatus::Sent,
        currency: Currency::USD,
        lines,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn i8_a_batch_plans_exactly_its_good_invoices(defects in proptest::collection::vec(defect(), 0..30)) {
        let now = t0();
        let mut settings = InvoiceSettings::new(day(1, 1), "SVC");
        settings.us_company = true;
        settings.tax_rates.push(TaxMapping { ledger_code: "T10".into(), components: vec![rate("10")] });
        settings.tax_rates.push(TaxMapping { ledger_code: "T5".into(), components: vec![rate("5")] });
        let state = linked(&[("K1", "58")]);
        let mut facts = LedgerFacts::default();
        facts.doc_numbers.insert("OLD-1".into());
        let batch: Vec<Invoice> = defects.iter().enumerate().map(|(i, d)| make(i, *d)).collect();
        let out = check_invoices(&batch, &settings, &state, &facts, now);
        let ready: Vec<&str> = out.ready.iter().map(|r| r.invoice_id.as_str()).collect();
        let good: Vec<String> = defects
            .iter()
            .enumerate()
            .filter(|(_, d)| **d == Defect::None)
            .map(|(i, _)| format!("INV-{i:03}"))
            .collect();
        prop_assert_eq!(ready, good.iter().map(String::as_str).collect::<Vec<_>>());
        // Every bad invoice has at least one failure, and no good one has any.
        for (i, d) in defects.iter().enumerate() {
            let id = format!("INV-{i:03}");
            let failed = out.failures.iter().any(|f| f.record.id == id);
            prop_assert_eq!(failed, *d != Defect::None, "{}", id);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Y5: whatever the allocations, an accepted payment leaves every
    /// balance at zero or above and accounts for every cent.
    #[test]
    fn y5_accepted_payments_keep_balances_and_sums_exact(
        dues in proptest::collection::vec(0i64..50_000, 1..6),
        allocs in proptest::collection::vec((0usize..6, 0i64..60_000), 0..6),
        extra in 0i64..10_000,
    ) {
        use ledgerlink::billing::{OpenInvoice, check_payment};
        use ledgerlink::model::{AccountingPeriod, Allocation, Payment, PaymentOrigin};
        let usd = |minor: i64| cents(minor, Currency::USD);
        let now = t0();
        let day = day(11, 20);
        let open: Vec<OpenInvoice> = dues
            .iter()
            .enumerate()
            .map(|(i, d)| OpenInvoice {
                invoice_id: format!("INV-{i}"),
                customer: "K1".into(),
                due: usd(*d),
                status: InvoiceStatus::AwaitingPayment,
            })
            .collect();
        let allocations: Vec<Allocation> = allocs
            .iter()
            .map(|(i, c)| Allocation { invoice_id: format!("INV-{i}"), amount: usd(*c) })
            .collect();
        let applied: i64 = allocs.iter().map(|(_, c)| c).sum();
        let payment = Payment {
            id: "PAY-1".into(),
            date: day,
            amount: usd(applied + extra),
            payer: "K1".into(),
            allocations,
            origin: PaymentOrigin::Ledger,
            reference: None,
        };
        let periods = [AccountingPeriod { start: day, end: day, open: true }];
        let out = check_payment(&payment, &open, &periods, now);
        if out.failures.is_empty() {
            // No invoice receives more than it owes, however it is split.
            for (i, d) in dues.iter().enumerate() {
                let to_it: i64 = allocs.iter().filter(|(j, _)| *j == i).map(|(_, c)| c).sum();
                prop_assert!(to_it <= *d);
            }
            let mut paid = 0i64;
            for c in &out.changes {
                prop_assert!(!c.after.is_negative());
                paid += c.before.minor_units().unwrap() - c.after.minor_units().unwrap();
            }
            let rest = out.unapplied.unwrap().minor_units().unwrap();
            prop_assert_eq!(paid + rest, applied + extra);
        } else {
            prop_assert!(out.changes.is_empty());
        }
    }
}
