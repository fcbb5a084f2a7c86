//! Properties of billing plans: whatever payments the ledger holds, the
//! firm's balances never go below zero, every payment adds up to the cent,
//! currencies never mix, and the plan does not depend on input order.

use ledgerlink::billing::{
    self, Action, BillingState, InvoiceSettings, OpResult, OpenInvoice, apply_results,
};
use ledgerlink::model::{
    AccountingPeriod, Allocation, Currency, Invoice, InvoiceLine, InvoiceStatus, Money, Payment,
    PaymentOrigin,
};
use ledgerlink::ports::AdapterError;
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

use crate::support::billing::{BillingRun, period};
use crate::support::money::cents;
use crate::support::time::{nov, t0};

/// A billing run of the firm's settings for these properties: invoices
/// from 1 November 2026, one service `SVC`.
fn run() -> BillingRun {
    BillingRun::new().settings(InvoiceSettings::new(nov(1), "SVC"))
}

/// The firm's books: November 2026 open.
fn november() -> [AccountingPeriod; 1] {
    [period(nov(1), nov(30), true)]
}

/// Sends `dues` as invoices INV-i (customer K1 or K2 alternately) and
/// returns the state with them linked as L-INV-i.
fn sent(dues: &[i64]) -> BillingState {
    let invoices: Vec<Invoice> = dues
        .iter()
        .enumerate()
        .map(|(i, d)| Invoice {
            id: format!("INV-{i}"),
            number: format!("N{i}"),
            contact_id: if i % 2 == 0 { "K1" } else { "K2" }.into(),
            issue_date: nov(2),
            due_date: nov(30),
            status: InvoiceStatus::Sent,
            currency: Currency::USD,
            lines: vec![InvoiceLine {
                work_type: None,
                description: "Work".into(),
                quantity: Decimal::ONE,
                unit_price: cents(*d, Currency::USD),
                tax_rate: None,
            }],
        })
        .collect();
    let p = run().invoices(&invoices).plan(&BillingState::new());
    let mut state = p.next_state.clone();
    let results: Vec<OpResult> = p
        .operations
        .iter()
        .map(|o| OpResult::applied(o.id.clone(), o.id.as_str().replace("create-invoice:", "L-")))
        .collect();
    apply_results(&mut state, &p, &results, t0()).unwrap();
    state
}

#[derive(Debug, Clone)]
struct Spec {
    payer: usize,
    amount: i64,
    eur: bool,
    allocs: Vec<(usize, i64)>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0usize..3,
        0i64..30_000,
        proptest::bool::weighted(0.1),
        proptest::collection::vec((0usize..6, 0i64..20_000), 0..4),
    )
        .prop_map(|(payer, amount, eur, allocs)| Spec {
            payer,
            amount,
            eur,
            allocs,
        })
}

fn ledger_payment(i: usize, s: &Spec) -> Payment {
    let cur = if s.eur { Currency::EUR } else { Currency::USD };
    Payment {
        id: format!("Q{i:02}"),
        date: nov(20),
        amount: cents(s.amount, cur),
        payer: ["58", "59", "77"][s.payer].into(),
        allocations: s
            .allocs
            .iter()
            .map(|(inv, c)| Allocation {
                invoice_id: format!("L-INV-{inv}"),
                amount: cents(*c, Currency::USD),
            })
            .collect(),
        origin: PaymentOrigin::Ledger,
        reference: None,
    }
}

fn pull(state: &BillingState, dues: &[i64], payments: &[Payment]) -> billing::Plan {
    let open: Vec<OpenInvoice> = dues
        .iter()
        .enumerate()
        .map(|(i, d)| OpenInvoice {
            invoice_id: format!("INV-{i}"),
            customer: if i % 2 == 0 { "K1" } else { "K2" }.into(),
            due: cents(*d, Currency::USD),
            status: InvoiceStatus::AwaitingPayment,
        })
        .collect();
    run()
        .ledger_payments(payments)
        .open_invoices(&open)
        .periods(&november())
        .plan(state)
}

/// An amount in dollars: whole cents or tenths of a cent, below zero too.
fn wild_amount() -> impl Strategy<Value = Money> {
    prop_oneof![
        3 => (-3_000i64..30_000).prop_map(|c| cents(c, Currency::USD)),
        1 => (-30_000i64..300_000).prop_map(|m| Money::new(Decimal::new(m, 3), Currency::USD)),
    ]
}

/// A payment of invoices INV-i (`local`: the firm's ids, else the
/// ledger's L-INV-i) with any amounts: negative, zero, sub-cent.
fn wild_payment(i: usize, local: bool) -> impl Strategy<Value = Payment> {
    (
        0usize..3,
        wild_amount(),
        proptest::collection::vec((0usize..6, wild_amount()), 0..4),
    )
        .prop_map(move |(payer, amount, allocs)| Payment {
            id: format!("Q{i:02}"),
            date: nov(20),
            amount,
            payer: if local {
                ["K1", "K2", "K7"][payer]
            } else {
                ["58", "59", "77"][payer]
            }
            .into(),
            allocations: allocs
                .into_iter()
                .map(|(inv, amount)| Allocation {
                    invoice_id: if local {
                        format!("INV-{inv}")
                    } else {
                        format!("L-INV-{inv}")
                    },
                    amount,
                })
                .collect(),
            origin: if local {
                PaymentOrigin::Local
            } else {
                PaymentOrigin::Ledger
            },
            reference: None,
        })
}

fn wild_payments(local: bool) -> impl Strategy<Value = Vec<Payment>> {
    (0usize..8).prop_flat_map(move |n| (0..n).map(|i| wild_payment(i, local)).collect::<Vec<_>>())
}

/// Y5 on every payment operation of `p`, applied in order to `balance`:
/// the allocations and the unapplied remainder add up to the amount
/// exactly, every amount is above zero (the remainder at least zero) and
/// in whole cents, and no balance goes below zero.
fn assert_y5(
    p: &billing::Plan,
    balance: &mut BTreeMap<String, Money>,
) -> Result<(), TestCaseError> {
    for op in &p.operations {
        let Action::CreatePayment { payment, .. } = &op.action else {
            continue;
        };
        prop_assert!(!payment.amount.is_negative() && !payment.amount.is_zero());
        prop_assert!(payment.amount.is_rounded(), "{}", payment.amount);
        prop_assert!(!payment.unapplied.is_negative());
        prop_assert!(payment.unapplied.is_rounded());
        let mut sum = payment.unapplied;
        for a in &payment.allocations {
            prop_assert!(
                !a.amount.is_negative() && !a.amount.is_zero(),
                "{}",
                a.amount
            );
            prop_assert!(a.amount.is_rounded(), "{}", a.amount);
            sum = sum.checked_add(&a.amount).unwrap();
            let b = balance.get_mut(&a.local_invoice_id).unwrap();
            *b = b.checked_sub(&a.amount).unwrap();
            prop_assert!(!b.is_negative(), "{} below zero", a.local_invoice_id);
        }
        prop_assert_eq!(sum, payment.amount);
        for c in &payment.changes {
            prop_assert!(!c.after.is_negative() && c.after.is_rounded());
            prop_assert!(c.after.amount() <= c.before.amount());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Y5, both ways, whatever the amounts (negative, zero, finer than the
    /// cent): every payment planned adds up exactly, in whole cents, and
    /// no balance goes below zero; every other payment is queued or
    /// skipped, never lost.
    #[test]
    fn y5_payments_add_up_exactly_whatever_their_amounts(
        dues in proptest::collection::vec(0i64..20_000, 1..5),
        pushed in wild_payments(true),
        pulled in wild_payments(false),
    ) {
        let state = sent(&dues);
        let balances = || -> BTreeMap<String, Money> {
            dues.iter()
                .enumerate()
                .map(|(i, d)| (format!("INV-{i}"), cents(*d, Currency::USD)))
                .collect()
        };
        let p = pull(&state, &dues, &pulled);
        assert_y5(&p, &mut balances())?;
        let push = run().local_payments(&pushed).periods(&november()).plan(&state);
        assert_y5(&push, &mut balances())?;
        for (plan, payments, prefix) in [(&p, &pulled, "pull"), (&push, &pushed, "push")] {
            for pay in payments {
                let planned = plan.operations.iter().any(|o| o.id.as_str() == format!("{prefix}-payment:{}", pay.id));
                let queued = plan.failures.iter().any(|f| f.record.id == pay.id);
                let skipped = plan.skipped.iter().any(|s| s.record.id == pay.id);
                prop_assert_eq!(u8::from(planned) + u8::from(queued) + u8::from(skipped), 1, "{}", pay.id);
            }
        }
    }

    /// Y5: every payment recorded adds up exactly (allocations + unapplied
    /// = amount, one currency), every balance stays at zero or above, and
    /// each payment is either planned or queued with a reason.
    #[test]
    fn y5_pulled_payments_keep_balances_and_sums(
        dues in proptest::collection::vec(0i64..20_000, 1..5),
        specs in proptest::collection::vec(spec(), 0..8),
    ) {
        let state = sent(&dues);
        let payments: Vec<Payment> = specs.iter().enumerate().map(|(i, s)| ledger_payment(i, s)).collect();
        let p = pull(&state, &dues, &payments);
        let mut balance: BTreeMap<String, Money> = dues
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("INV-{i}"), cents(*d, Currency::USD)))
            .collect();
        for op in &p.operations {
            let Action::CreatePayment { payment, .. } = &op.action else {
                prop_assert!(false, "only payments here");
                continue;
            };
            let mut sum = payment.unapplied;
            for a in &payment.allocations {
                prop_assert_eq!(a.amount.currency(), payment.amount.currency());
                sum = sum.checked_add(&a.amount).unwrap();
                let b = balance.get_mut(&a.local_invoice_id).unwrap();
                *b = b.checked_sub(&a.amount).unwrap();
                prop_assert!(!b.is_negative(), "{} below zero", a.local_invoice_id);
            }
            prop_assert_eq!(sum, payment.amount);
            prop_assert!(!payment.unapplied.is_negative());
            for c in &payment.changes {
                prop_assert!(!c.after.is_negative());
                prop_assert_eq!(c.status == InvoiceStatus::Paid, c.after.is_zero());
            }
        }
        // Nothing lost: every payment is planned, queued or skipped.
        for pay in &payments {
            let planned = p.operations.iter().any(|o| o.id.as_str() == format!("pull-payment:{}", pay.id));
            let queued = p.failures.iter().any(|f| f.record.id == pay.id);
            let skipped = p.skipped.iter().any(|s| s.record.id == pay.id);
            prop_assert_eq!(u8::from(planned) + u8::from(queued) + u8::from(skipped), 1, "{}", pay.id);
        }
    }

    /// The plan does not depend on the order the ledger listed payments in,
    /// and applying it then planning again writes nothing (idempotence).
    #[test]
    fn billing_plans_are_deterministic_and_idempotent(
        dues in proptest::collection::vec(0i64..20_000, 1..5),
        specs in proptest::collection::vec(spec(), 0..8),
        seed in any::<u64>(),
    ) {
        let state = sent(&dues);
        let payments: Vec<Payment> = specs.iter().enumerate().map(|(i, s)| ledger_payment(i, s)).collect();
        let mut shuffled = payments.clone();
        let n = shuffled.len();
        for i in (1..n).rev() {
            let j = usize::try_from(seed.rotate_left(u32::try_from(i).unwrap()) % (i as u64 + 1)).unwrap();
            shuffled.swap(i, j);
        }
        let p = pull(&state, &dues, &payments);
        prop_assert_eq!(&p, &pull(&state, &dues, &shuffled));
        let mut next = p.next_state.clone();
        let results: Vec<OpResult> = p
            .operations
            .iter()
            .map(|o| OpResult::applied(o.id.clone(), format!("P-{}", o.id)))
            .collect();
        apply_results(&mut next, &p, &results, t0()).unwrap();
        let again = pull(&next, &dues, &payments);
        prop_assert!(again.operations.is_empty());
    }

    /// U1: whatever ids the input repeats (invoices, the firm's payments,
    /// the ledger's payments), every plan's operation ids and idempotency
    /// keys are unique, before and after some of its operations ran.
    #[test]
    fn u1_operation_ids_and_keys_are_unique_whatever_ids_the_input_repeats(
        invoices in proptest::collection::vec((0usize..3, 0usize..4, 1i64..20_000, 0usize..2), 0..6),
        local in proptest::collection::vec((0usize..3, 0usize..3, 1i64..5_000), 0..5),
        ledger in proptest::collection::vec((0usize..3, 0usize..3, 1i64..5_000), 0..5),
        outcomes in proptest::collection::vec(0u8..3, 12),
    ) {
        let invoices: Vec<Invoice> = invoices
            .iter()
            .map(|(id, number, amount, contact)| Invoice {
                id: format!("INV-{id}"),
                number: format!("N{number}"),
                contact_id: ["K1", "K2"][*contact].into(),
                issue_date: nov(2),
                due_date: nov(30),
                status: InvoiceStatus::Sent,
                currency: Currency::USD,
                lines: vec![InvoiceLine {
                    work_type: None,
                    description: "Work".into(),
                    quantity: Decimal::ONE,
                    unit_price: cents(*amount, Currency::USD),
                    tax_rate: None,
                }],
            })
            .collect();
        let payment = |prefix: &str, inv: &str, origin, (id, to, amount): &(usize, usize, i64)| Payment {
            id: format!("{prefix}{id}"),
            date: nov(20),
            amount: cents(*amount, Currency::USD),
            payer: if origin == PaymentOrigin::Local { "K1" } else { "58" }.into(),
            allocations: vec![Allocation {
                invoice_id: format!("{inv}{to}"),
                amount: cents(*amount, Currency::USD),
            }],
            origin,
            reference: None,
        };
        let local: Vec<Payment> = local
            .iter()
            .map(|s| payment("P", "INV-", PaymentOrigin::Local, s))
            .collect();
        let ledger: Vec<Payment> = ledger
            .iter()
            .map(|s| payment("Q", "L-create-invoice:INV-", PaymentOrigin::Ledger, s))
            .collect();
        let open: Vec<OpenInvoice> = (0..3)
            .map(|i| OpenInvoice {
                invoice_id: format!("INV-{i}"),
                customer: "K1".into(),
                due: cents(1_000_000, Currency::USD),
                status: InvoiceStatus::AwaitingPayment,
            })
            .collect();
        let input = run()
            .invoices(&invoices)
            .local_payments(&local)
            .ledger_payments(&ledger)
            .open_invoices(&open)
            .periods(&november());
        let mut state = BillingState::new();
        for _ in 0..3 {
            let p = input.plan(&state);
            let ids: BTreeSet<&str> = p.operations.iter().map(|o| o.id.as_str()).collect();
            prop_assert_eq!(ids.len(), p.operations.len(), "{:?}", ids);
            let keys: BTreeSet<&str> = p
                .operations
                .iter()
                .map(|o| match &o.action {
                    Action::CreateInvoice { idempotency_key, .. }
                    | Action::CreatePayment { idempotency_key, .. } => idempotency_key.as_str(),
                })
                .collect();
            prop_assert_eq!(keys.len(), p.operations.len());
            // Some go through, some are lost, some refused.
            state = p.next_state.clone();
            let results: Vec<OpResult> = p
                .operations
                .iter()
                .zip(&outcomes)
                .map(|(o, n)| match n {
                    0 => OpResult::applied(o.id.clone(), format!("L-{}", o.id)),
                    1 => OpResult::failed(o.id.clone(), AdapterError::Transient { message: "timeout".into() }),
                    _ => OpResult::failed(
                        o.id.clone(),
                        AdapterError::Validation { code: None, message: "no".into() },
                    ),
                })
                .collect();
            apply_results(&mut state, &p, &results, t0()).unwrap();
        }
    }
}
