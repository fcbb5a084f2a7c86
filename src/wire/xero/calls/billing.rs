//! Invoices and payments: the creates, the payment listing, and the facts
//! of the ledger the billing planner needs.

use crate::wire::WireError;
use std::borrow::Cow;

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;

use crate::billing::{InvoiceDraft, LedgerFacts, PaymentDraft};
use crate::model::{ContactId, Currency};
use crate::ops::{Pages, Ref};
use crate::ports::{AdapterError, PaymentsPage};
use crate::wire::{Method, Request, Response};

use super::super::{check_idempotency_key, dates, decode_payments_with};
use super::batch::{element_error, failed};
use super::paging::{Envelope, shorten};
use super::{
    CONTACT_ORDER, Calls, MAX_PAGE_SIZE, NIL_ID, PAGE_SIZE_TEXT, success_body, unreadable,
    validation, with_key,
};

/// Most pages [`LedgerFactsCalls`] reads of one listing (a million
/// invoices or contacts at [`MAX_PAGE_SIZE`]; Xero refuses listings of
/// more than 100,000 contacts anyway).
pub const MAX_FACT_PAGES: usize = 1000;

// Filters and orders Xero serves efficiently, whatever the organisation's
// volume (Xero's list of optimised filters, as the CData Xero connector's
// documentation of its Invoices and Payments tables quotes it). An order by
// id keeps a record changed while the pages are read in its place, as for
// contacts (see the module docs).

/// Sales invoices only: their numbers are the ones Xero keeps unique.
const INVOICE_TYPE_FILTER: &str = "Type==\"ACCREC\"";
/// Invoices in id order.
const INVOICE_ORDER: &str = "InvoiceID ASC";
/// Payments of sales invoices only: the others are not read.
const PAYMENT_TYPE_FILTER: &str = "PaymentType==\"ACCRECPAYMENT\"";
/// Payments in id order.
const PAYMENT_ORDER: &str = "PaymentID ASC";

/// A page number token (`None`: 1).
fn page_number(page: Option<&str>) -> Result<u32, AdapterError> {
    match page {
        None => Ok(1),
        Some(p) => p
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                validation(format!(
                    "Xero: page token `{}` was not made by this codec (a page number)",
                    shorten(p)
                ))
            }),
    }
}

/// The first element of list `key` of a write's answer, checked for
/// element errors, and its id field `id_key`.
fn written_ids(
    body: &[u8],
    key: &str,
    id_key: &str,
    max: usize,
) -> Result<Vec<String>, AdapterError> {
    let unreadable = || AdapterError::Transient {
        message: format!("Xero: the answer to a write holds no `{key}` to read"),
    };
    if body.len() > max {
        return Err(unreadable());
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let doc: Value = serde_json::from_slice(body).map_err(|_| unreadable())?;
    let items = doc
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(unreadable)?;
    let mut ids = Vec::with_capacity(items.len());
    for el in items {
        if failed(el) {
            return Err(element_error(el));
        }
        match el.get(id_key).and_then(Value::as_str) {
            Some(id) if !id.trim().is_empty() && id != NIL_ID => ids.push(id.to_owned()),
            _ => {
                return Err(AdapterError::Transient {
                    message: format!("Xero: a written element of `{key}` has no `{id_key}`"),
                });
            }
        }
    }
    if ids.is_empty() {
        return Err(unreadable());
    }
    Ok(ids)
}

impl Calls {
    /// Creates `invoice` for Xero contact `customer_id`: `PUT Invoices`
    /// with `Idempotency-Key`, the body of
    /// [`encode_invoice_create`](super::super::encode_invoice_create)
    /// (`ACCREC`, `AUTHORISED`).
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when the encoder refuses the draft or
    /// the key (nothing is to be sent).
    pub fn create_invoice(
        &self,
        invoice: &InvoiceDraft,
        customer_id: &ContactId,
        idempotency_key: &str,
    ) -> Result<Request, AdapterError> {
        check_idempotency_key(idempotency_key).map_err(WireError::into_refusal)?;
        let body = super::super::encode_invoice_create(invoice, customer_id.as_str())
            .map_err(WireError::into_refusal)?;
        Ok(with_key(
            self.with_json(Method::Put, "Invoices", body)?,
            idempotency_key,
        ))
    }

    /// Reads the answer to [`create_invoice`](Self::create_invoice): the
    /// new invoice's `InvoiceID`.
    ///
    /// # Errors
    /// The mapped error of a failed answer (an `InvoiceNumber` in use, a
    /// date in locked books: [`AdapterError::Validation`]);
    /// [`AdapterError::Transient`] for a 2xx body without an invoice id.
    pub fn read_create_invoice(&self, answer: &Response<'_>) -> Result<String, AdapterError> {
        let body = success_body(answer, None)?;
        let ids = written_ids(
            body,
            "Invoices",
            "InvoiceID",
            self.options.limits.max_input_bytes,
        )?;
        ids.into_iter()
            .next()
            .ok_or_else(|| AdapterError::Transient {
                message: "Xero: the answer holds no invoice".into(),
            })
    }

    /// One page of the payments of sales invoices: `GET
    /// Payments?page=N&pageSize=1000&where=PaymentType=="ACCRECPAYMENT"&order=PaymentID ASC`
    /// (in id order, so that a payment deleted while the pages are read
    /// hides no other). Page tokens are page numbers.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for a page token this codec did not
    /// make.
    pub fn list_payments(&self, page: Option<&str>) -> Result<Request, AdapterError> {
        let n = page_number(page)?;
        Ok(self
            .request(Method::Get, "Payments")?
            .with_query("page", n.to_string())
            .with_query("pageSize", PAGE_SIZE_TEXT)
            .with_query("where", PAYMENT_TYPE_FILTER)
            .with_query("order", PAYMENT_ORDER))
    }

    /// Reads the answer to [`list_payments`](Self::list_payments)`(page)`:
    /// the payments of sales invoices ([`decode_payments_with`] with the
    /// calls' options: other kinds and deleted payments are left out), and
    /// the next page's token while there is one.
    ///
    /// # Errors
    /// The mapped error of a failed answer; [`AdapterError::Transient`] for
    /// a 2xx body that cannot be read; [`AdapterError::Validation`] for a
    /// page token this codec did not make.
    pub fn read_list_payments(
        &self,
        page: Option<&str>,
        answer: &Response<'_>,
    ) -> Result<PaymentsPage, AdapterError> {
        let n = page_number(page)?;
        let body = success_body(answer, None)?;
        let read = decode_payments_with(body, &self.options).map_err(|e| unreadable(body, &e))?;
        let count = read.records.len().saturating_add(read.skipped.len());
        let more = Envelope::of(body).more(count, MAX_PAGE_SIZE);
        Ok(PaymentsPage {
            payments: read.records,
            next_page: more.then(|| n.saturating_add(1).to_string()),
        })
    }

    /// Records `payment` against `invoice_ids` (its allocations, resolved,
    /// in order): `PUT Payments` with `Idempotency-Key`, into the account
    /// set with [`with_payment_account`](Self::with_payment_account), the
    /// body of [`encode_payment_create`](super::super::encode_payment_create)
    /// (the draft's `source_id` as `Reference`).
    ///
    /// `customer_id` is not sent: a Xero payment pays an invoice, whose
    /// contact is the payer.
    ///
    /// Xero records one payment per invoice, each with an id of its own,
    /// while the billing state links a firm's payment to one ledger
    /// payment: a payment of several invoices is refused before sending
    /// (record it once per invoice), so that none of the other Xero
    /// payments would later read as a payment the firm has not recorded.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] (nothing is to be sent) without a
    /// payment account, for `invoice_ids` not matching the allocations,
    /// for more than one allocation, or when the encoder refuses the draft
    /// or the key.
    pub fn create_payment(
        &self,
        payment: &PaymentDraft,
        customer_id: &ContactId,
        invoice_ids: &[String],
        idempotency_key: &str,
    ) -> Result<Request, AdapterError> {
        let _ = customer_id;
        let account = self.payment_account.as_deref().ok_or_else(|| {
            validation("Xero: no account to record payments into (set Calls::with_payment_account)")
        })?;
        if invoice_ids.len() != payment.allocations.len() {
            return Err(validation(format!(
                "Xero: {} invoice ids for {} allocations",
                invoice_ids.len(),
                payment.allocations.len()
            )));
        }
        if payment.allocations.len() > 1 {
            return Err(validation(format!(
                "Xero records one payment per invoice: payment {} pays {} invoices and would become as many Xero payments, which the billing state cannot link to it; record it per invoice",
                shorten(&payment.source_id),
                payment.allocations.len()
            )));
        }
        check_idempotency_key(idempotency_key).map_err(WireError::into_refusal)?;
        let mut draft = payment.clone();
        for (a, id) in draft.allocations.iter_mut().zip(invoice_ids) {
            a.invoice = Ref::Id(id.clone());
        }
        let body = super::super::encode_payment_create(&draft, account)
            .map_err(WireError::into_refusal)?;
        Ok(with_key(
            self.with_json(Method::Put, "Payments", body)?,
            idempotency_key,
        ))
    }

    /// Reads the answer to [`create_payment`](Self::create_payment): the
    /// new payment's `PaymentID` (one payment, as the builder sends one;
    /// an answer with several gives their ids joined by `,`, in order).
    ///
    /// # Errors
    /// The mapped error of a failed answer (an amount over what is due, a
    /// date in locked books: [`AdapterError::Validation`]);
    /// [`AdapterError::Transient`] for a 2xx body without a payment id.
    pub fn read_create_payment(&self, answer: &Response<'_>) -> Result<String, AdapterError> {
        let body = success_body(answer, None)?;
        let ids = written_ids(
            body,
            "Payments",
            "PaymentID",
            self.options.limits.max_input_bytes,
        )?;
        Ok(ids.join(","))
    }

    /// The requests that gather the [`LedgerFacts`] (see
    /// [`LedgerFactsCalls`]).
    #[must_use]
    pub fn ledger_facts(&self) -> LedgerFactsCalls {
        LedgerFactsCalls {
            calls: self.clone(),
            step: Step::Organisation,
            pages: Pages::new(MAX_FACT_PAGES),
            facts: LedgerFacts::default(),
        }
    }
}

/// Where a [`LedgerFactsCalls`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Organisation,
    Invoices(u32),
    Contacts(u32),
    Done,
}

/// The facts of the ledger the billing planner needs, gathered by a
/// short sequence of calls, sans I/O: ask [`next_request`](Self::next_request)
/// for a request, send it, hand its answer to [`read`](Self::read), until
/// there is no request left; then [`finish`](Self::finish).
///
/// | fact | from |
/// |---|---|
/// | [`closed_through`](LedgerFacts::closed_through) | `GET Organisation`: the later of `PeriodLockDate` and `EndOfYearLockDate` (Xero refuses transactions dated on or before a lock date; the period lock spares advisers, the end-of-year one nobody — the later one is what any connection may meet) |
/// | [`doc_numbers`](LedgerFacts::doc_numbers) | `GET Invoices?page=N&pageSize=1000&summaryOnly=true&where=Type=="ACCREC"&order=InvoiceID ASC`: the `InvoiceNumber` of every sales invoice, of any status (Xero keeps sales invoice numbers unique; bills' numbers are the supplier's, not counted) |
/// | [`customer_currency`](LedgerFacts::customer_currency) | `GET Contacts?page=N&pageSize=1000&includeArchived=true&order=ContactID ASC`: each contact's `DefaultCurrency`, when set |
///
/// Xero has no per-contact currency that it enforces (a contact's
/// `DefaultCurrency` only pre-fills new invoices, and a contact without
/// one is left out). Reported, it makes the planner refuse an invoice in
/// another currency than the contact's default (U7), which is stricter
/// than Xero: a contact with a default currency is billed in it.
///
/// Bounded: at most [`MAX_FACT_PAGES`] pages of each listing, then
/// [`AdapterError::Paging`].
///
/// ```
/// use ledgerlink::wire::Response;
/// use ledgerlink::wire::xero::Calls;
///
/// let mut facts = Calls::new("tenant-1").ledger_facts();
/// let answers: [&[u8]; 3] = [
///     br#"{"Organisations":[{"Name":"Demo","PeriodLockDate":"/Date(1546214400000+0000)/"}]}"#,
///     br#"{"Invoices":[{"Type":"ACCREC","InvoiceNumber":"INV-0001"}]}"#,
///     br#"{"Contacts":[{"ContactID":"c-1","DefaultCurrency":"AUD"}]}"#,
/// ];
/// let mut sent = 0;
/// while let Some(request) = facts.next_request()? {
///     assert!(request.header("xero-tenant-id").is_some());
///     facts.read(&Response::new(200, answers[sent]))?;
///     sent += 1;
/// }
/// let facts = facts.finish()?;
/// assert_eq!(facts.closed_through.map(|d| d.to_string()).as_deref(), Some("2018-12-31"));
/// assert!(facts.doc_numbers.contains("INV-0001"));
/// assert_eq!(facts.customer_currency.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct LedgerFactsCalls {
    calls: Calls,
    step: Step,
    pages: Pages,
    facts: LedgerFacts,
}

#[derive(Deserialize)]
struct InvoiceNumbers<'a> {
    #[serde(borrow, rename = "Invoices")]
    invoices: Vec<InvoiceNumber<'a>>,
}

#[derive(Deserialize)]
struct InvoiceNumber<'a> {
    #[serde(borrow, default, rename = "Type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "InvoiceNumber")]
    number: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ContactCurrencies<'a> {
    #[serde(borrow, rename = "Contacts")]
    contacts: Vec<ContactCurrency<'a>>,
}

#[derive(Deserialize)]
struct ContactCurrency<'a> {
    #[serde(borrow, default, rename = "ContactID")]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "DefaultCurrency")]
    currency: Option<Cow<'a, str>>,
}

impl LedgerFactsCalls {
    /// The next request to send, `None` when every fact is in.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for an unusable tenant id.
    pub fn next_request(&self) -> Result<Option<Request>, AdapterError> {
        let c = &self.calls;
        Ok(Some(match self.step {
            Step::Organisation => c.request(Method::Get, "Organisation")?,
            Step::Invoices(page) => c
                .request(Method::Get, "Invoices")?
                .with_query("page", page.to_string())
                .with_query("pageSize", PAGE_SIZE_TEXT)
                .with_query("summaryOnly", "true")
                .with_query("where", INVOICE_TYPE_FILTER)
                .with_query("order", INVOICE_ORDER),
            Step::Contacts(page) => c
                .request(Method::Get, "Contacts")?
                .with_query("page", page.to_string())
                .with_query("pageSize", PAGE_SIZE_TEXT)
                .with_query("includeArchived", "true")
                .with_query("order", CONTACT_ORDER),
            Step::Done => return Ok(None),
        }))
    }

    /// Reads the answer to the request [`next_request`](Self::next_request)
    /// gave, and moves on.
    ///
    /// # Errors
    /// The mapped error of a failed answer; [`AdapterError::Transient`] for
    /// a body that cannot be read; [`AdapterError::Paging`] past
    /// [`MAX_FACT_PAGES`]; [`AdapterError::Validation`] when every request
    /// was answered already. After an error, the same request may be sent
    /// again and its answer read.
    pub fn read(&mut self, answer: &Response<'_>) -> Result<(), AdapterError> {
        if self.step == Step::Done {
            return Err(validation(
                "Xero: every request of the ledger facts was answered already",
            ));
        }
        let body = success_body(answer, None)?;
        if body.len() > self.calls.options.limits.max_input_bytes {
            return Err(AdapterError::Transient {
                message: format!(
                    "Xero: an answer of {} bytes is past the input limit",
                    body.len()
                ),
            });
        }
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        match self.step {
            Step::Organisation => {
                self.facts.closed_through = lock_date(body)?;
                self.step = Step::Invoices(1);
            }
            Step::Invoices(page) => {
                let doc: InvoiceNumbers<'_> =
                    serde_json::from_slice(body).map_err(|e| unreadable_list("Invoices", &e))?;
                self.check_count(doc.invoices.len())?;
                let more = Envelope::of(body).more(doc.invoices.len(), MAX_PAGE_SIZE);
                for inv in doc.invoices {
                    let sales = inv.kind.as_deref().is_none_or(|k| k == "ACCREC");
                    if let Some(n) = inv.number.filter(|n| sales && !n.trim().is_empty()) {
                        self.facts.doc_numbers.insert(n.into_owned());
                    }
                }
                self.step = self.after(page, more, Step::Invoices, Step::Contacts(1))?;
            }
            Step::Contacts(page) => {
                let doc: ContactCurrencies<'_> =
                    serde_json::from_slice(body).map_err(|e| unreadable_list("Contacts", &e))?;
                self.check_count(doc.contacts.len())?;
                let more = Envelope::of(body).more(doc.contacts.len(), MAX_PAGE_SIZE);
                for c in doc.contacts {
                    let (Some(id), Some(code)) = (c.id, c.currency) else {
                        continue;
                    };
                    let code = code.trim();
                    if id.trim().is_empty() || code.is_empty() {
                        continue;
                    }
                    let currency = Currency::new(code).map_err(|e| AdapterError::Transient {
                        message: format!(
                            "Xero: contact {}: DefaultCurrency `{}` is not a currency: {e}",
                            shorten(&id),
                            shorten(code)
                        ),
                    })?;
                    self.facts
                        .customer_currency
                        .insert(ContactId::new(id.as_ref()), currency);
                }
                self.step = self.after(page, more, Step::Contacts, Step::Done)?;
            }
            Step::Done => {}
        }
        Ok(())
    }

    /// The step after page `page` of a listing.
    fn after(
        &mut self,
        page: u32,
        more: bool,
        same: fn(u32) -> Step,
        then: Step,
    ) -> Result<Step, AdapterError> {
        let next = more.then(|| page.saturating_add(1).to_string());
        match self
            .pages
            .next(next)
            .map_err(|stopped| AdapterError::Paging { stopped })?
        {
            Some(_) => Ok(same(page.saturating_add(1))),
            None => {
                self.pages = Pages::new(MAX_FACT_PAGES);
                Ok(then)
            }
        }
    }

    fn check_count(&self, n: usize) -> Result<(), AdapterError> {
        if n > self.calls.options.limits.max_records {
            return Err(AdapterError::Transient {
                message: format!("Xero: {n} records in one answer, past the records limit"),
            });
        }
        Ok(())
    }

    /// The facts, once every request was answered.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when requests are left.
    pub fn finish(self) -> Result<LedgerFacts, AdapterError> {
        if self.step != Step::Done {
            return Err(validation(
                "Xero: the ledger facts are not all in: send the requests next_request gives",
            ));
        }
        Ok(self.facts)
    }
}

fn unreadable_list(key: &str, e: &serde_json::Error) -> AdapterError {
    AdapterError::Transient {
        message: format!("Xero: not a readable `{key}` listing: {e}"),
    }
}

/// The later of the organisation's lock dates. Xero refuses a transaction
/// dated on or before a lock date; one lock spares users with the adviser
/// role, the other binds every user (help.xero.com, "Set and work with
/// lock dates"). Which one the connecting user meets depends on its role:
/// the later date is safe for any.
fn lock_date(body: &[u8]) -> Result<Option<NaiveDate>, AdapterError> {
    let doc: Value =
        serde_json::from_slice(body).map_err(|e| unreadable_list("Organisations", &e))?;
    let org = doc
        .get("Organisations")
        .and_then(Value::as_array)
        .and_then(|o| o.first())
        .ok_or_else(|| AdapterError::Transient {
            message: "Xero: the Organisation answer holds no organisation".into(),
        })?;
    let mut latest = None;
    for key in ["PeriodLockDate", "EndOfYearLockDate"] {
        let Some(raw) = org.get(key).and_then(Value::as_str) else {
            continue;
        };
        if raw.trim().is_empty() {
            continue;
        }
        let day = dates::date(raw).ok_or_else(|| AdapterError::Transient {
            message: format!("Xero: Organisation {key} `{}` is not a date", shorten(raw)),
        })?;
        latest = latest.max(Some(day));
    }
    Ok(latest)
}
