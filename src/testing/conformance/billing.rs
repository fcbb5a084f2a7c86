//! The checks of the billing stores: [`InvoiceStore`] (idempotency, errors)
//! and [`PaymentStore`] (listing, idempotency, errors).

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::report::{Check, CheckReport, Failure, Property, Recorder, Summary, replayed};
use super::support::{FixtureError, Settings, Stopped, pages};
use crate::billing::{InvoiceDraft, PaymentDraft};
use crate::model::{ContactId, Currency, Money, Payment, PaymentOrigin};
use crate::ports::{AdapterError, InvoiceStore, PaymentStore};
use crate::testing::{
    Call, DEFAULT_PAGE_SIZE, Fault, MemoryLedgerBilling, MemoryPracticeBilling, invoice_draft,
    payment_draft,
};

/// The customer the in-memory billing stores' fixtures use.
pub const CUSTOMER: &str = "conformance-customer";

/// The day the in-memory fixtures date their documents.
fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 10).unwrap_or_default()
}

fn usd(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::USD)
}

/// A document number of this run: the run id and `n`, at most 21
/// characters (QBO's limit).
#[must_use]
pub fn doc_number(run_id: &str, n: u32) -> String {
    let n = n.to_string();
    let room = 21usize.saturating_sub(n.len());
    let prefix: String = run_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(room)
        .collect();
    format!("{prefix}{n}")
}

/// Changes an [`InvoiceStore`]'s data behind its back and says what it
/// accepts. Only [`invoice`](Self::invoice) is required.
#[async_trait]
pub trait InvoiceFixture: Send + Sync {
    /// An invoice the store accepts, number `n` of this run (its document
    /// number unique in the store), and the store's id of its customer.
    fn invoice(&self, run_id: &str, n: u32) -> (InvoiceDraft, ContactId);

    /// Deletes invoice `id` for good. Capability.
    async fn delete_invoice(&self, id: &str) -> Result<(), FixtureError> {
        let _ = id;
        Err(FixtureError::Unsupported)
    }

    /// Makes the next call of kind `call` meet `fault`
    /// ([`Call::List`]: `ledger_facts`; [`Call::Create`]:
    /// `create_invoice`). Capability.
    async fn inject(&self, call: Call, fault: Fault) -> Result<(), FixtureError> {
        let _ = (call, fault);
        Err(FixtureError::Unsupported)
    }

    /// Drops faults not fired yet and renews expired credentials.
    async fn clear_faults(&self) -> Result<(), FixtureError> {
        Ok(())
    }
}

/// Changes a [`PaymentStore`]'s data behind its back and says what it
/// accepts. [`payment`](Self::payment) and [`insert`](Self::insert) are
/// required.
#[async_trait]
pub trait PaymentFixture: Send + Sync {
    /// A payment the store accepts, number `n` of this run (its
    /// `source_id` unique), with the store's id of its customer and the
    /// store's ids of the invoices it pays (one per allocation).
    fn payment(&self, run_id: &str, n: u32) -> (PaymentDraft, ContactId, Vec<String>);

    /// How many payments a listing page holds. Default
    /// [`DEFAULT_PAGE_SIZE`].
    fn page_size(&self) -> usize {
        DEFAULT_PAGE_SIZE
    }

    /// Records payment number `n` of this run as someone using the system
    /// directly would, and returns its id.
    async fn insert(&self, run_id: &str, n: u32) -> Result<String, FixtureError>;

    /// Makes the next call of kind `call` meet `fault`
    /// ([`Call::List`]: `list_payments`; [`Call::Create`]:
    /// `create_payment`). Capability.
    async fn inject(&self, call: Call, fault: Fault) -> Result<(), FixtureError> {
        let _ = (call, fault);
        Err(FixtureError::Unsupported)
    }

    /// Drops faults not fired yet and renews expired credentials.
    async fn clear_faults(&self) -> Result<(), FixtureError> {
        Ok(())
    }
}

fn plain_payment(run_id: &str, n: u32) -> Payment {
    Payment {
        id: String::new(),
        date: day(),
        amount: usd(100 + i64::from(n % 1000)),
        payer: ContactId::new(CUSTOMER),
        allocations: Vec::new(),
        origin: PaymentOrigin::Ledger,
        reference: Some(format!("{run_id}-manual-{n}")),
    }
}

fn payment_for(run_id: &str, n: u32) -> (PaymentDraft, ContactId, Vec<String>) {
    let draft = payment_draft(
        &format!("{run_id}-pay-{n}"),
        CUSTOMER,
        day(),
        usd(100 + i64::from(n % 1000)),
        &[],
    );
    (draft, ContactId::new(CUSTOMER), Vec::new())
}

/// The QBO stand-in: invoices and payments for [`CUSTOMER`] (registered
/// in USD on first use), no deletions.
#[async_trait]
impl InvoiceFixture for MemoryLedgerBilling {
    fn invoice(&self, run_id: &str, n: u32) -> (InvoiceDraft, ContactId) {
        self.add_customer(CUSTOMER, Currency::USD);
        let draft = invoice_draft(
            &format!("{run_id}-inv-{n}"),
            &doc_number(run_id, n),
            CUSTOMER,
            day(),
            usd(15_000),
        );
        (draft, ContactId::new(CUSTOMER))
    }

    async fn inject(&self, call: Call, fault: Fault) -> Result<(), FixtureError> {
        self.fail_next(call, fault);
        Ok(())
    }

    async fn clear_faults(&self) -> Result<(), FixtureError> {
        Self::clear_faults(self);
        self.renew_credentials();
        Ok(())
    }
}

#[async_trait]
impl PaymentFixture for MemoryLedgerBilling {
    fn payment(&self, run_id: &str, n: u32) -> (PaymentDraft, ContactId, Vec<String>) {
        self.add_customer(CUSTOMER, Currency::USD);
        payment_for(run_id, n)
    }

    fn page_size(&self) -> usize {
        Self::page_size(self)
    }

    async fn insert(&self, run_id: &str, n: u32) -> Result<String, FixtureError> {
        self.add_customer(CUSTOMER, Currency::USD);
        self.record_manual_payment(plain_payment(run_id, n))
            .map_err(|e| FixtureError::Failed(e.to_string()))
    }

    async fn inject(&self, call: Call, fault: Fault) -> Result<(), FixtureError> {
        self.fail_next(call, fault);
        Ok(())
    }

    async fn clear_faults(&self) -> Result<(), FixtureError> {
        Self::clear_faults(self);
        self.renew_credentials();
        Ok(())
    }
}

/// The firm's side: payments of [`CUSTOMER`], unapplied.
#[async_trait]
impl PaymentFixture for MemoryPracticeBilling {
    fn payment(&self, run_id: &str, n: u32) -> (PaymentDraft, ContactId, Vec<String>) {
        payment_for(run_id, n)
    }

    fn page_size(&self) -> usize {
        Self::page_size(self)
    }

    async fn insert(&self, run_id: &str, n: u32) -> Result<String, FixtureError> {
        self.record_local_payment(plain_payment(run_id, n))
            .map_err(|e| FixtureError::Failed(e.to_string()))
    }

    async fn inject(&self, call: Call, fault: Fault) -> Result<(), FixtureError> {
        self.fail_next(call, fault);
        Ok(())
    }

    async fn clear_faults(&self) -> Result<(), FixtureError> {
        Self::clear_faults(self);
        self.renew_credentials();
        Ok(())
    }
}

const INVOICES: u32 = 70_000;
const PAYMENTS: u32 = 80_000;

/// Every invoice check on `store`.
pub async fn run_all_invoices(
    store: &dyn InvoiceStore,
    fixture: &dyn InvoiceFixture,
    settings: &Settings,
) -> Summary {
    Summary {
        reports: vec![
            invoice_idempotency(store, fixture, settings).await,
            invoice_errors(store, fixture, settings).await,
        ],
    }
}

/// Every payment check on `store`.
pub async fn run_all_payments(
    store: &dyn PaymentStore,
    fixture: &dyn PaymentFixture,
    settings: &Settings,
) -> Summary {
    Summary {
        reports: vec![
            payment_listing(store, fixture, settings).await,
            payment_idempotency(store, fixture, settings).await,
            payment_errors(store, fixture, settings).await,
        ],
    }
}

fn same_number(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

async fn doc_numbers(store: &dyn InvoiceStore, rec: &mut Recorder) -> Option<BTreeSet<String>> {
    match store.ledger_facts().await {
        Ok(f) => Some(f.doc_numbers),
        Err(e) => {
            rec.fail(Failure::new(
                Property::CallFailed,
                format!("ledger_facts: {e}"),
            ));
            None
        }
    }
}

/// **Invoice idempotency**: a create sent twice with one key answers one
/// id; the same key with another invoice answers the first id and creates
/// nothing (its document number stays unused); a key whose invoice was
/// deleted since answers the id as created (when the fixture can delete).
pub async fn invoice_idempotency(
    store: &dyn InvoiceStore,
    fixture: &dyn InvoiceFixture,
    settings: &Settings,
) -> CheckReport {
    let mut rec = Recorder::new(Check::InvoiceIdempotency);
    let (draft, customer) = fixture.invoice(&settings.run_id, INVOICES);
    let (other, other_customer) = fixture.invoice(&settings.run_id, INVOICES + 1);
    let key = settings.key("invoice", 1);
    let first = store.create_invoice(&draft, &customer, &key).await;
    let second = store.create_invoice(&draft, &customer, &key).await;
    let Some((a, b)) = replayed(&mut rec, "create_invoice", first, second) else {
        return rec.finish();
    };
    if a != b {
        rec.fail(
            Failure::new(
                Property::Duplicated,
                "the same key sent twice made two invoices",
            )
            .with_records([&a, &b]),
        );
    }
    match store.create_invoice(&other, &other_customer, &key).await {
        Ok(x) if x != a => rec.fail(
            Failure::new(
                Property::Duplicated,
                "the key sent again with another invoice made a second one",
            )
            .with_records([&a, &x]),
        ),
        Ok(_) => {}
        Err(e) => rec.fail(Failure::new(
            Property::DifferentAnswer,
            format!("the key sent again with another invoice was refused: {e}"),
        )),
    }
    if let Some(numbers) = doc_numbers(store, &mut rec).await {
        if !numbers.iter().any(|n| same_number(n, &draft.doc_number)) {
            rec.fail(
                Failure::new(
                    Property::ListingLost,
                    format!("the invoice's number `{}` is not in use", draft.doc_number),
                )
                .with_records([&a]),
            );
        }
        if numbers.iter().any(|n| same_number(n, &other.doc_number)) {
            rec.fail(
                Failure::new(
                    Property::Duplicated,
                    format!(
                        "the number `{}` of the invoice sent with a used key is in use",
                        other.doc_number
                    ),
                )
                .with_records([&a]),
            );
        }
    }
    let (gone, gone_customer) = fixture.invoice(&settings.run_id, INVOICES + 2);
    let key2 = settings.key("invoice", 2);
    let created = match store.create_invoice(&gone, &gone_customer, &key2).await {
        Ok(id) => id,
        Err(e) => {
            rec.fail(Failure::new(
                Property::CallFailed,
                format!("create_invoice: {e}"),
            ));
            return rec.finish();
        }
    };
    match fixture.delete_invoice(&created).await {
        Ok(()) => match store.create_invoice(&gone, &gone_customer, &key2).await {
            Ok(x) if x == created => {}
            Ok(x) => rec.fail(
                Failure::new(
                    Property::Duplicated,
                    "a key whose invoice was deleted since made a second one",
                )
                .with_records([&created, &x]),
            ),
            Err(e) => rec.fail(
                Failure::new(
                    Property::ReplayAfterDelete,
                    format!("a key whose invoice was deleted since was refused: {e}"),
                )
                .with_records([&created]),
            ),
        },
        Err(FixtureError::Unsupported) => {
            rec.note("the fixture cannot delete invoices: a key whose invoice was deleted is not checked");
        }
        Err(e) => rec.fail(Failure::new(Property::Setup, format!("deleting: {e}"))),
    }
    rec.finish()
}

/// Whether `got` is the error the contract maps `fault` to.
fn mapped(fault: &Fault, got: &AdapterError) -> bool {
    match (fault, got) {
        (
            Fault::RateLimited { retry_after_secs },
            AdapterError::RateLimited {
                retry_after_secs: s,
            },
        ) => s == retry_after_secs,
        (Fault::Transient | Fault::CrashAfterCreate, AdapterError::Transient { .. })
        | (Fault::AccessTokenExpired, AdapterError::AccessTokenExpired { .. })
        | (Fault::AuthenticationExpired, AdapterError::Authentication { .. }) => true,
        _ => false,
    }
}

/// The faults injected into reads: a rate limit and a failure before any
/// answer (a success allowed: an adapter may wait or retry a read), refused
/// credentials (never a success).
fn read_faults() -> [(Fault, bool); 3] {
    [
        (
            Fault::RateLimited {
                retry_after_secs: 41,
            },
            true,
        ),
        (Fault::Transient, true),
        (Fault::AuthenticationExpired, false),
    ]
}

fn judge(
    rec: &mut Recorder,
    what: &str,
    fault: &Fault,
    healable: bool,
    got: Result<(), AdapterError>,
) {
    match got {
        Ok(()) if healable => {}
        Ok(()) => rec.fail(Failure::new(
            Property::WrongError,
            format!("{fault:?} on {what} was answered with a success"),
        )),
        Err(e) if mapped(fault, &e) => {}
        Err(e) => rec.fail(Failure::new(
            Property::WrongError,
            format!("{fault:?} on {what} was reported as `{}`: {e}", e.code()),
        )),
    }
}

/// **Invoice errors mapped**: faults injected into `ledger_facts` come
/// back as the contract's [`AdapterError`]s, and an invoice whose answer
/// was lost ([`Fault::CrashAfterCreate`]), sent again with its key,
/// answers one id — a store that created it again would refuse its
/// document number. Skipped when the fixture cannot inject faults.
pub async fn invoice_errors(
    store: &dyn InvoiceStore,
    fixture: &dyn InvoiceFixture,
    settings: &Settings,
) -> CheckReport {
    let mut rec = Recorder::new(Check::InvoiceErrors);
    for (fault, healable) in read_faults() {
        match fixture.inject(Call::List, fault.clone()).await {
            Ok(()) => {}
            Err(FixtureError::Unsupported) => return rec.skip("the fixture cannot inject faults"),
            Err(e) => rec.fail(Failure::new(Property::Setup, format!("injecting: {e}"))),
        }
        let got = store.ledger_facts().await.map(drop);
        judge(&mut rec, "ledger_facts", &fault, healable, got);
        if let Err(e) = fixture.clear_faults().await {
            rec.fail(Failure::new(
                Property::Setup,
                format!("clearing faults: {e}"),
            ));
        }
    }
    let (draft, customer) = fixture.invoice(&settings.run_id, INVOICES + 10);
    let key = settings.key("invoice", 10);
    if let Err(e) = fixture.inject(Call::Create, Fault::CrashAfterCreate).await {
        rec.fail(Failure::new(Property::Setup, format!("injecting: {e}")));
        return rec.finish();
    }
    let got = store
        .create_invoice(&draft, &customer, &key)
        .await
        .map(drop);
    judge(
        &mut rec,
        "create_invoice",
        &Fault::CrashAfterCreate,
        true,
        got,
    );
    if let Err(e) = fixture.clear_faults().await {
        rec.fail(Failure::new(
            Property::Setup,
            format!("clearing faults: {e}"),
        ));
    }
    if let Err(e) = store.create_invoice(&draft, &customer, &key).await {
        rec.fail(Failure::new(
            Property::Duplicated,
            format!("an invoice whose answer was lost, sent again with its key, was refused: {e}"),
        ));
    }
    rec.finish()
}

/// Every payment of the store's listing, by id.
async fn all_payments(store: &dyn PaymentStore) -> Result<BTreeMap<String, Payment>, Stopped> {
    let mut out = BTreeMap::new();
    pages(
        async |token| {
            let p = store.list_payments(token).await?;
            for x in p.payments {
                out.insert(x.id.clone(), x);
            }
            Ok(p.next_page)
        },
        async |_| {},
    )
    .await?;
    Ok(out)
}

fn stopped(rec: &mut Recorder, what: &str, s: &Stopped) {
    let property = match s {
        Stopped::Endless(_) => Property::ListingEndless,
        Stopped::Failed(_) => Property::CallFailed,
    };
    rec.fail(Failure::new(property, format!("{what}: {}", s.message())));
}

/// **Payment listings** over many pages with payments recorded between the
/// pages: every payment recorded before the listing began is listed
/// (repeats allowed), and the listing ends.
pub async fn payment_listing(
    store: &dyn PaymentStore,
    fixture: &dyn PaymentFixture,
    settings: &Settings,
) -> CheckReport {
    let mut rec = Recorder::new(Check::PaymentListing);
    let size = fixture.page_size().clamp(1, 500);
    let count = u32::try_from(2 * size + 2).unwrap_or(1002);
    let mut ids = Vec::new();
    for n in 0..count {
        match fixture.insert(&settings.run_id, PAYMENTS + n).await {
            Ok(id) => ids.push(id),
            Err(e) => {
                rec.fail(Failure::new(Property::Setup, format!("inserting: {e}")));
                return rec.finish();
            }
        }
    }
    let mut listed: BTreeSet<String> = BTreeSet::new();
    let mut problems = Vec::new();
    let result = {
        let (listed, problems) = (&mut listed, &mut problems);
        let mut n = PAYMENTS + count;
        pages(
            async |token| {
                let p = store.list_payments(token).await?;
                listed.extend(p.payments.into_iter().map(|x| x.id));
                Ok(p.next_page)
            },
            async |_| {
                if let Err(e) = fixture.insert(&settings.run_id, n).await {
                    problems.push(e);
                }
                n += 1;
            },
        )
        .await
    };
    for e in problems {
        rec.fail(Failure::new(
            Property::Setup,
            format!("inserting during the listing: {e}"),
        ));
    }
    if let Err(s) = result {
        stopped(&mut rec, "the payment listing", &s);
        return rec.finish();
    }
    let lost: Vec<&String> = ids.iter().filter(|id| !listed.contains(*id)).collect();
    if !lost.is_empty() {
        rec.fail(
            Failure::new(
                Property::ListingLost,
                format!(
                    "{} payment(s) recorded before the listing are missing from it",
                    lost.len()
                ),
            )
            .with_records(lost),
        );
    }
    rec.finish()
}

fn with_reference<'a>(all: &'a BTreeMap<String, Payment>, reference: &str) -> Vec<&'a String> {
    all.values()
        .filter(|p| p.reference.as_deref() == Some(reference))
        .map(|p| &p.id)
        .collect()
}

/// **Payment idempotency**: a create sent twice with one key answers one
/// id and the listing holds one payment with its reference; the same key
/// with another payment answers the first id and records nothing.
pub async fn payment_idempotency(
    store: &dyn PaymentStore,
    fixture: &dyn PaymentFixture,
    settings: &Settings,
) -> CheckReport {
    let mut rec = Recorder::new(Check::PaymentIdempotency);
    let (draft, customer, invoices) = fixture.payment(&settings.run_id, PAYMENTS + 5_000);
    let (other, other_customer, other_invoices) =
        fixture.payment(&settings.run_id, PAYMENTS + 5_001);
    let key = settings.key("payment", 1);
    let first = store
        .create_payment(&draft, &customer, &invoices, &key)
        .await;
    let second = store
        .create_payment(&draft, &customer, &invoices, &key)
        .await;
    let Some((a, b)) = replayed(&mut rec, "create_payment", first, second) else {
        return rec.finish();
    };
    if a != b {
        rec.fail(
            Failure::new(
                Property::Duplicated,
                "the same key sent twice made two payments",
            )
            .with_records([&a, &b]),
        );
    }
    match store
        .create_payment(&other, &other_customer, &other_invoices, &key)
        .await
    {
        Ok(x) if x != a => rec.fail(
            Failure::new(
                Property::Duplicated,
                "the key sent again with another payment recorded a second one",
            )
            .with_records([&a, &x]),
        ),
        Ok(_) => {}
        Err(e) => rec.fail(Failure::new(
            Property::DifferentAnswer,
            format!("the key sent again with another payment was refused: {e}"),
        )),
    }
    match all_payments(store).await {
        Ok(all) => {
            let copies = with_reference(&all, &draft.source_id);
            let others = with_reference(&all, &other.source_id);
            if copies.len() != 1 || !others.is_empty() {
                rec.fail(
                    Failure::new(
                        Property::Duplicated,
                        format!(
                            "after three creates with one key the listing holds {} payment(s) referring to `{}` and {} to `{}`",
                            copies.len(),
                            draft.source_id,
                            others.len(),
                            other.source_id
                        ),
                    )
                    .with_records(copies.into_iter().chain(others)),
                );
            }
        }
        Err(s) => stopped(&mut rec, "the payment listing", &s),
    }
    rec.finish()
}

/// **Payment errors mapped**: faults injected into `list_payments` come
/// back as the contract's [`AdapterError`]s, and a payment whose answer
/// was lost, sent again with its key, is recorded once. Skipped when the
/// fixture cannot inject faults.
pub async fn payment_errors(
    store: &dyn PaymentStore,
    fixture: &dyn PaymentFixture,
    settings: &Settings,
) -> CheckReport {
    let mut rec = Recorder::new(Check::PaymentErrors);
    for (fault, healable) in read_faults() {
        match fixture.inject(Call::List, fault.clone()).await {
            Ok(()) => {}
            Err(FixtureError::Unsupported) => return rec.skip("the fixture cannot inject faults"),
            Err(e) => rec.fail(Failure::new(Property::Setup, format!("injecting: {e}"))),
        }
        let got = store.list_payments(None).await.map(drop);
        judge(&mut rec, "list_payments", &fault, healable, got);
        if let Err(e) = fixture.clear_faults().await {
            rec.fail(Failure::new(
                Property::Setup,
                format!("clearing faults: {e}"),
            ));
        }
    }
    let (draft, customer, invoices) = fixture.payment(&settings.run_id, PAYMENTS + 5_010);
    let key = settings.key("payment", 10);
    if let Err(e) = fixture.inject(Call::Create, Fault::CrashAfterCreate).await {
        rec.fail(Failure::new(Property::Setup, format!("injecting: {e}")));
        return rec.finish();
    }
    let got = store
        .create_payment(&draft, &customer, &invoices, &key)
        .await
        .map(drop);
    judge(
        &mut rec,
        "create_payment",
        &Fault::CrashAfterCreate,
        true,
        got,
    );
    if let Err(e) = fixture.clear_faults().await {
        rec.fail(Failure::new(
            Property::Setup,
            format!("clearing faults: {e}"),
        ));
    }
    if let Err(e) = store
        .create_payment(&draft, &customer, &invoices, &key)
        .await
    {
        rec.fail(Failure::new(
            Property::CallFailed,
            format!("the payment sent again with its key failed: {e}"),
        ));
    }
    match all_payments(store).await {
        Ok(all) => {
            let copies = with_reference(&all, &draft.source_id);
            if copies.len() != 1 {
                rec.fail(
                    Failure::new(
                        Property::Duplicated,
                        format!(
                            "a payment whose answer was lost, sent again with its key, was recorded {} time(s)",
                            copies.len()
                        ),
                    )
                    .with_records(copies),
                );
            }
        }
        Err(s) => stopped(&mut rec, "the payment listing", &s),
    }
    rec.finish()
}
