//! A billing cycle sent from the firm to QuickBooks Online, with the in-memory
//! stores of `ledgerlink::testing` playing QBO (unique document numbers,
//! closed books, one currency per customer) and the firm's own system.
//!
//! Step by step:
//!
//! 1. a new client is created in QBO by the contact sync and invoiced in the
//!    same run: its invoice waits for that create (`depends_on`, I5);
//! 2. a cycle of twelve invoices is checked before anything is sent: the
//!    good ones go, the bad ones are listed as the firm would see them —
//!    product message, explanation, remedy — for each of I4, I5, I6, I7
//!    and U7, plus a number QBO took while the cycle was being sent (6140
//!    from the ledger itself); a payment the firm recorded follows its
//!    invoice (Y1);
//! 3. the bookkeeper records payments in QBO: partial, split with an
//!    unapplied remainder (Y2, Y3), and five the firm's system must refuse
//!    (Y4: future date, closed period, overpayment, another customer's
//!    invoice, a failed create);
//! 4. the firm fixes what it can, "retry all" is refused within three
//!    minutes and then re-checks exactly the failed records (E2).
//!
//! Every time is fixed and the stores hand out ids in order, so the output
//! is the same on every run.
//!
//! Run with `cargo run --example qbo_billing --features driver,testing`.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use ledgerlink::billing::{
    self, BillingState, ErrorQueue, InvoiceSettings, RecordRef, Retry, TaxMapping,
};
use ledgerlink::driver::{BillingStores, Sent, read_ledger, send_billing};
use ledgerlink::model::{
    AccountingPeriod, Allocation, Currency, Invoice, InvoiceLine, InvoiceStatus, Money, Payment,
    PaymentOrigin, TaxRate,
};
use ledgerlink::ports::ContactStore;
use ledgerlink::sync::{
    Action, ConnectionConfig, Decision, Link, LinkOrigin, LinkStatus, Listing, OpResult, Plan,
    PlanInput, SyncState, apply_results, plan,
};
use ledgerlink::testing::{MemoryLedgerBilling, MemoryPracticeBilling, MemoryStore, block_on};
use ledgerlink::{Contact, Profile};
use rust_decimal::Decimal;

type Res<T> = Result<T, Box<dyn Error>>;

fn day(m: u32, d: u32) -> Res<NaiveDate> {
    Ok(NaiveDate::from_ymd_opt(2026, m, d).ok_or("invalid date")?)
}

fn usd(a: &str) -> Res<Money> {
    Ok(Money::parse(a, "USD")?)
}

fn rate(r: &str) -> Res<TaxRate> {
    Ok(TaxRate::percent(r)?)
}

/// One invoice of the cycle: `(work type, price, tax rate)` per line.
fn invoice(number: &str, contact: &str, lines: &[(&str, &str, Option<&str>)]) -> Res<Invoice> {
    let mut out = Vec::new();
    for (work, price, tax) in lines {
        out.push(InvoiceLine {
            work_type: Some((*work).into()),
            description: format!("{work}, November"),
            quantity: Decimal::ONE,
            unit_price: usd(price)?,
            tax_rate: tax.map(rate).transpose()?,
        });
    }
    Ok(Invoice {
        id: format!("INV-{number}"),
        number: number.into(),
        contact_id: contact.into(),
        issue_date: day(11, 20)?,
        due_date: day(12, 20)?,
        status: InvoiceStatus::Sent,
        currency: Currency::USD,
        lines: out,
    })
}

fn link(state: &mut SyncState, local: &str, remote: &str, now: DateTime<Utc>) {
    state.insert_link(Link {
        local_id: local.into(),
        remote_id: remote.into(),
        status: LinkStatus::Linked,
        origin: LinkOrigin::Matched,
        linked_at: now,
        base: None,
        remote_version: None,
    });
}

fn print_plan(plan: &billing::Plan) {
    for op in &plan.operations {
        let after = if op.depends_on.is_empty() {
            String::new()
        } else {
            let deps: Vec<&str> = op.depends_on.iter().map(|d| d.as_str()).collect();
            format!(" [after {}]", deps.join(", "))
        };
        println!("  {} ({}){after}: {}", op.id, op.rule, op.reason);
    }
    let waiting = plan.skipped.iter().filter(|s| s.rule == "E2").count();
    for s in plan.skipped.iter().filter(|s| s.rule != "E2") {
        println!(
            "  left alone: {:?} {} ({}): {}",
            s.record.kind, s.record.id, s.rule, s.reason
        );
    }
    if waiting > 0 {
        println!("  ({waiting} records wait in the error queue for \"retry all\")");
    }
}

fn print_queue(queue: &ErrorQueue) {
    if queue.is_empty() {
        println!("  (no errors)");
    }
    for f in queue.failures() {
        println!("  - {}", f.describe());
    }
}

/// The firm's and QBO's stores, the states, and the clock.
struct Firm {
    settings: InvoiceSettings,
    contacts: SyncState,
    billing: BillingState,
    qbo: MemoryLedgerBilling,
    practice: MemoryPracticeBilling,
    periods: Vec<AccountingPeriod>,
    invoices: Vec<Invoice>,
}

impl Firm {
    fn stores(&self) -> BillingStores<'_> {
        BillingStores {
            invoices: &self.qbo,
            ledger_payments: &self.qbo,
            local_payments: &self.practice,
        }
    }

    /// Reads QBO and plans; keeps the plan's next state (it records what is
    /// in flight) before anything is sent.
    fn plan(
        &mut self,
        contact_plan: Option<&Plan>,
        retry: &[RecordRef],
        now: DateTime<Utc>,
    ) -> Res<billing::Plan> {
        let (facts, ledger_payments) = block_on(read_ledger(self.stores()))?;
        let local_payments = self.practice.payments();
        let open = self.practice.open_invoices();
        let input = billing::PlanInput {
            invoices: &self.invoices,
            local_payments: &local_payments,
            ledger_payments: &ledger_payments,
            // read_ledger lists every payment, page by page.
            ledger_payments_complete: true,
            open_invoices: &open,
            periods: &self.periods,
            ledger: Some(&facts),
            contact_plan,
            retry,
            now,
        };
        let plan = billing::plan(&self.settings, &self.contacts, &self.billing, &input);
        print_plan(&plan);
        self.billing = plan.next_state.clone();
        Ok(plan)
    }

    /// Sends the plan and feeds the outcomes back.
    fn send(&mut self, plan: &billing::Plan, now: DateTime<Utc>) -> Res<()> {
        // Nothing is sent before the plan's `not_before` (the ledger asked
        // to wait, U4): `send_billing` answers `Sent::NotBefore` then.
        let results = match block_on(send_billing(plan, &self.contacts, self.stores(), now)) {
            Sent::Results(results) => results,
            Sent::NotBefore(at) => {
                println!("  not sent: the ledger asked to wait until {at}");
                return Ok(());
            }
        };
        let applied = billing::apply_results(&mut self.billing, plan, &results, now)?;
        println!(
            "  sent: {} applied, {} refused on arrival",
            applied.applied.len(),
            applied.failures.len()
        );
        Ok(())
    }

    /// Plans and sends; a disconnected connection reads and sends nothing
    /// (E3).
    fn run(&mut self, retry: &[RecordRef], now: DateTime<Utc>) -> Res<()> {
        if self.billing.is_disconnected() {
            println!("  disconnected: nothing is read or sent until QBO is reconnected");
            return Ok(());
        }
        let plan = self.plan(None, retry, now)?;
        self.send(&plan, now)
    }

    /// The QBO id of the firm's invoice `number`.
    fn qbo_id(&self, number: &str) -> Res<String> {
        Ok(self
            .billing
            .invoice(&format!("INV-{number}"))
            .and_then(|s| s.ledger_id.clone())
            .ok_or("invoice not in QBO")?)
    }

    /// The bookkeeper records a payment in QBO.
    fn manual_payment(
        &self,
        payer: &str,
        date: NaiveDate,
        amount: &str,
        allocs: &[(&str, &str)],
    ) -> Res<String> {
        let mut allocations = Vec::new();
        for (number, a) in allocs {
            allocations.push(Allocation {
                invoice_id: self.qbo_id(number)?,
                amount: usd(a)?,
            });
        }
        Ok(self.qbo.record_manual_payment(Payment {
            id: String::new(),
            date,
            amount: usd(amount)?,
            payer: payer.into(),
            allocations,
            origin: PaymentOrigin::Ledger,
            reference: None,
        })?)
    }

    /// The firm records a payment at its desk.
    fn desk_payment(&self, id: &str, payer: &str, number: &str, amount: &str) -> Res<()> {
        self.practice.record_local_payment(Payment {
            id: id.into(),
            date: day(11, 21)?,
            amount: usd(amount)?,
            payer: payer.into(),
            allocations: vec![Allocation {
                invoice_id: format!("INV-{number}"),
                amount: usd(amount)?,
            }],
            origin: PaymentOrigin::Local,
            reference: None,
        })?;
        Ok(())
    }
}

fn main() -> Res<()> {
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
        .single()
        .ok_or("invalid time")?;

    // QBO's customers live in a contact store shared with its billing store,
    // so a customer the contact sync creates can be invoiced. Customers 1-63
    // exist already; the contact sync linked six of them to the firm's
    // clients K1-K6. K6's customer bills in CAD. The books are closed
    // through September, and an estimate uses number 1007.
    let qbo_contacts = Arc::new(MemoryStore::ledger(Profile::Qbo));
    for n in 1..=63 {
        let c = Contact::organization("", format!("Customer {n}"));
        block_on(qbo_contacts.create(&c, &format!("seed-{n}")))?;
    }
    let qbo =
        MemoryLedgerBilling::qbo().with_customer_store(Arc::clone(&qbo_contacts), Currency::USD);
    qbo.add_customer("63", Currency::CAD);
    qbo.set_book_close_date(day(9, 30)?);
    qbo.add_doc_number("1007");
    let mut contacts = SyncState::new();
    for (i, local) in ["K1", "K2", "K3", "K4", "K5", "K6"].iter().enumerate() {
        link(&mut contacts, local, &(58 + i).to_string(), t0);
    }

    // A US company: sales tax NYC (4 % state + 4.875 % city) and NYS (4 %).
    let mut settings = InvoiceSettings::new(day(11, 1)?, "SVC-GENERAL");
    settings.us_company = true;
    settings
        .services
        .insert("Bookkeeping".into(), "SVC-BOOKS".into());
    settings
        .services
        .insert("Tax return".into(), "SVC-TAX".into());
    settings.tax_rates.push(TaxMapping {
        ledger_code: "TAX-NYC".into(),
        components: vec![rate("4")?, rate("4.875")?],
    });
    settings.tax_rates.push(TaxMapping {
        ledger_code: "TAX-NYS".into(),
        components: vec![rate("4")?],
    });

    let ny = Some("8.875");
    let invoices = vec![
        invoice("1001", "K1", &[("Bookkeeping", "400.00", ny)])?,
        invoice(
            "1002",
            "K2",
            &[("Tax return", "650.00", ny), ("Bookkeeping", "150.00", ny)],
        )?,
        invoice("1003", "K3", &[("Advisory", "300.00", None)])?,
        invoice("1004", "K7", &[("Bookkeeping", "250.00", ny)])?,
        invoice("1005", "K4", &[("Payroll", "120.00", Some("7"))])?,
        invoice("1006", "K8", &[("Bookkeeping", "200.00", ny)])?,
        invoice("1007", "K5", &[("Tax return", "900.00", ny)])?,
        invoice(
            "1008",
            "K1",
            &[
                ("Bookkeeping", "100.00", ny),
                ("Payroll", "80.00", Some("4")),
            ],
        )?,
        invoice("1009", "K6", &[("Bookkeeping", "500.00", None)])?,
        invoice("1010", "K2", &[("Advisory", "75.00", None)])?,
        invoice("1011", "K3", &[("Bookkeeping", "220.00", None)])?,
        invoice("1012", "K5", &[("Advisory", "180.00", None)])?,
    ];
    let practice = MemoryPracticeBilling::new();
    for inv in &invoices {
        practice.add_invoice(inv.clone())?;
    }
    let periods = vec![
        AccountingPeriod {
            start: day(10, 1)?,
            end: day(10, 31)?,
            open: false,
        },
        AccountingPeriod {
            start: day(11, 1)?,
            end: day(12, 31)?,
            open: true,
        },
    ];
    let mut firm = Firm {
        settings,
        contacts,
        billing: BillingState::new(),
        qbo,
        practice,
        periods,
        invoices,
    };
    // K3 paid invoice 1011 at the firm's desk.
    firm.desk_payment("PAY-1", "K3", "1011", "220.00")?;

    // 1. The contact run: a new client, K7, is to be created in QBO.
    println!("== 1. The contact run creates a new client in QBO ==");
    let new_client =
        [Contact::organization("K7", "Harbour Lights Cafe").with_email("ap@harbour.test")];
    let decisions = [Decision::CreateRemote {
        local_id: "K7".into(),
    }];
    // Change listings: the new client on the firm's side, nothing new in QBO.
    let contact_plan = plan(
        &ConnectionConfig::new(Profile::Qbo),
        &firm.contacts,
        &PlanInput::new(&[], &[], t0)
            .with_local(Listing::Changes {
                changed: &new_client,
                deleted: &[],
                cursor: None,
            })
            .with_remote(Listing::Changes {
                changed: &[],
                deleted: &[],
                cursor: None,
            })
            .with_decisions(&decisions),
    )?;
    for op in &contact_plan.operations {
        println!("  {} ({}): {}", op.id, op.rule, op.reason);
    }

    // 2. The billing cycle, planned in the same run.
    println!();
    println!("== 2. The November billing cycle: twelve invoices ==");
    let cycle = firm.plan(Some(&contact_plan), &[], t0)?;
    // The contact operations go first...
    let mut contact_state = contact_plan.next_state.clone();
    let mut results = Vec::new();
    for op in &contact_plan.operations {
        if let Action::Create {
            contact,
            idempotency_key,
            ..
        } = &op.action
        {
            let created = block_on(qbo_contacts.create(contact, idempotency_key))?;
            println!("  {} created QBO customer {}", op.id, created.id);
            results.push(OpResult::applied(op.id.clone(), created));
        }
    }
    apply_results(&mut contact_state, &contact_plan, &results, t0)?;
    firm.contacts = contact_state;
    // ...and meanwhile the bookkeeper used number 1012 for a credit memo.
    firm.qbo.add_doc_number("1012");
    firm.send(&cycle, t0)?;
    println!();
    println!("The error list the firm sees:");
    print_queue(firm.billing.queue());

    // 3. The bookkeeper records payments in QBO.
    println!();
    println!("== 3. Payments recorded in QBO come back to the firm ==");
    let k7 = firm
        .contacts
        .link_of_local("K7")
        .map(|l| l.remote_id.to_string())
        .ok_or("K7 is not linked")?;
    // A partial payment of 1001 (435.50 due).
    firm.manual_payment("58", day(11, 21)?, "200.00", &[("1001", "200.00")])?;
    // One cheque for 1002 and 1010, with 25.00 left unapplied.
    firm.manual_payment(
        "59",
        day(11, 21)?,
        "971.00",
        &[("1002", "871.00"), ("1010", "75.00")],
    )?;
    // Dated next week by mistake.
    firm.manual_payment("58", day(11, 27)?, "35.50", &[("1001", "35.50")])?;
    // Dated in October, which the firm has closed.
    firm.manual_payment("58", day(10, 28)?, "100.00", &[("1001", "100.00")])?;
    // 1003 paid in full in QBO, and in part at the firm's desk as well.
    firm.desk_payment("PAY-2", "K3", "1003", "200.00")?;
    firm.manual_payment("60", day(11, 21)?, "300.00", &[("1003", "300.00")])?;
    // K7 pays 1004, which the firm had moved to another client.
    let mut moved = firm
        .invoices
        .iter()
        .find(|i| i.number == "1004")
        .cloned()
        .ok_or("no 1004")?;
    let original = moved.clone();
    moved.contact_id = "K4".into();
    firm.practice.add_invoice(moved)?;
    firm.manual_payment(&k7, day(11, 21)?, "50.00", &[("1004", "50.00")])?;
    let t1 = t0 + TimeDelta::minutes(1);
    let before = firm.billing.queue().failures().len();
    let plan1 = firm.plan(None, &[], t1)?;
    // The firm voids 1001 while the payments are on their way: its system
    // refuses the partial payment.
    firm.practice.set_status("INV-1001", InvoiceStatus::Void);
    firm.send(&plan1, t1)?;
    println!();
    println!(
        "The error list now ({} new):",
        firm.billing.queue().failures().len() - before
    );
    print_queue(firm.billing.queue());
    for number in ["1002", "1010"] {
        for line in firm.practice.activity(&format!("INV-{number}")) {
            println!("  activity on {number}: {line}");
        }
    }

    // 4. Fix and retry.
    println!();
    println!("== 4. The firm fixes what it can, then retries ==");
    firm.settings.tax_rates.push(TaxMapping {
        ledger_code: "TAX-7".into(),
        components: vec![rate("7")?],
    });
    println!("  mapped the 7 % rate; linked K8 to QBO customer 57; renumbered 1007 and 1012;");
    println!("  one rate on 1008; 1009 billed in CAD; 1001 un-voided; 1004 back to K7;");
    println!("  October reopened. The future-dated payment and the double payment of 1003");
    println!("  are for the bookkeeper to correct in QBO.");
    link(&mut firm.contacts, "K8", "57", t1);
    let nyc = rate("8.875")?;
    for inv in &mut firm.invoices {
        match inv.number.as_str() {
            "1007" => inv.number = "1007-B".into(),
            "1012" => inv.number = "1012-B".into(),
            "1008" => inv.lines.retain(|l| l.tax_rate == Some(nyc)),
            "1009" => {
                inv.currency = Currency::CAD;
                for l in &mut inv.lines {
                    l.unit_price = Money::parse("500.00", "CAD")?;
                }
            }
            _ => {}
        }
    }
    for inv in &firm.invoices {
        if ["1007-B", "1008", "1009", "1012-B"].contains(&inv.number.as_str()) {
            firm.practice.add_invoice(inv.clone())?;
        }
    }
    firm.practice.add_invoice(original)?;
    firm.practice
        .set_status("INV-1001", InvoiceStatus::AwaitingPayment);
    firm.periods[0].open = true;

    let t2 = t0 + TimeDelta::minutes(2);
    let retry = firm
        .billing
        .queue_mut()
        .retry_all(t2)
        .ready()
        .ok_or("retry all refused")?;
    println!();
    println!(
        "Retry all at {}: {} records re-checked",
        t2.format("%H:%M:%S"),
        retry.len()
    );
    firm.run(&retry, t2)?;
    let soon = t2 + TimeDelta::seconds(30);
    if let Retry::NotBefore(at) = firm.billing.queue_mut().retry_all(soon) {
        println!(
            "Retry all at {}: refused, retry is allowed again at {at}",
            soon.format("%H:%M:%S")
        );
    }
    let t3 = t2 + TimeDelta::minutes(3);
    let retry = firm
        .billing
        .queue_mut()
        .retry_all(t3)
        .ready()
        .ok_or("retry all refused")?;
    println!(
        "Retry all at {}: {} records re-checked",
        t3.format("%H:%M:%S"),
        retry.len()
    );
    firm.run(&retry, t3)?;
    println!();
    println!("The error list after the retries:");
    print_queue(firm.billing.queue());
    println!();
    println!(
        "QBO holds {} invoices from the firm and {} payments; the firm holds {} payments.",
        firm.qbo.invoices().len(),
        firm.qbo.payments().len(),
        firm.practice.payments().len()
    );

    // 5. The connection's credentials expire (E3).
    println!();
    println!("== 5. QBO refuses the credentials ==");
    firm.invoices
        .push(invoice("1013", "K2", &[("Bookkeeping", "90.00", None)])?);
    let t4 = t3 + TimeDelta::minutes(10);
    let refused = firm.plan(None, &[], t4)?;
    firm.qbo.expire_credentials();
    firm.send(&refused, t4)?;
    println!("  disconnected: {}", firm.billing.is_disconnected());
    println!("  the next run:");
    firm.run(&[], t4 + TimeDelta::minutes(1))?;
    firm.qbo.renew_credentials();
    firm.billing.reconnect();
    println!("  reconnected, the next run:");
    firm.run(&[], t4 + TimeDelta::minutes(2))?;
    Ok(())
}
