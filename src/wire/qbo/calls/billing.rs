//! Invoices and payments: the creates, the payment listing, and the
//! ledger facts the billing planner reads first.

use crate::wire::WireError;
use chrono::NaiveDate;

use crate::billing::{InvoiceDraft, LedgerFacts, PaymentDraft};
use crate::model::{ContactId, Currency};
use crate::ops::{DEFAULT_PAGE_LIMIT, PagingError};
use crate::ports::{AdapterError, PaymentsPage};
use crate::wire::{Method, Payload, Request, Response};

use super::super::tree::{At, Value, date, each, filled, reference};
use super::super::{
    ErrorContext, MAX_QUERY_RESULTS, QueryEntity, decode_with, encode_invoice_create,
    encode_payment_create, query, request_id,
};
use super::{Calls, failure, success_doc, unreadable};

fn malformed_page(page: &str) -> AdapterError {
    let shown: String = page.chars().take(60).collect();
    AdapterError::Validation {
        code: None,
        message: format!(
            "`{shown}` is not a QuickBooks Online page token of `list_payments` (give back a `next_page`)"
        ),
    }
}

/// The `STARTPOSITION` of a plain paged query (`None`: 1).
fn start_of(page: Option<&str>) -> Result<u32, AdapterError> {
    match page {
        None => Ok(1),
        Some(p) => p
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|s| *s > 1)
            .ok_or_else(|| malformed_page(p)),
    }
}

/// The next `STARTPOSITION` after a page starting at `start` that held
/// `returned` records: `None` after a page that was not full.
fn next_start(start: u32, returned: usize) -> Result<Option<u32>, AdapterError> {
    let full = u32::try_from(returned).is_ok_and(|n| n >= MAX_QUERY_RESULTS);
    if !full {
        return Ok(None);
    }
    u32::try_from(returned)
        .ok()
        .and_then(|n| start.checked_add(n))
        .map(Some)
        .ok_or(AdapterError::Paging {
            stopped: PagingError::TooManyPages {
                limit: usize::try_from(u32::MAX).unwrap_or(usize::MAX),
            },
        })
}

/// The `Id` of the `entity` object of a create's answer.
fn created_id(answer: &Response<'_>, entity: &str) -> Result<String, AdapterError> {
    let doc = success_doc(answer, ErrorContext::default())?;
    let root = At::Root;
    let at = At::Key(&root, entity);
    doc.top
        .get(entity)
        .and_then(|v| v.get("Id"))
        .and_then(|id| filled(id, &At::Key(&at, "Id")).ok().flatten())
        .map(|id| id.trim().to_owned())
        .ok_or_else(|| unreadable(answer, format!("no `{entity}.Id`")))
}

impl Calls {
    /// `POST invoice?requestid=…`: creates `invoice` for ledger customer
    /// `customer_id` (the body of [`encode_invoice_create`]) under QBO's
    /// `requestid` for `idempotency_key`.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when the encoder refuses the draft or
    /// the key is empty (nothing is sent).
    pub fn create_invoice(
        &self,
        invoice: &InvoiceDraft,
        customer_id: &ContactId,
        idempotency_key: &str,
    ) -> Result<Request, AdapterError> {
        let id = request_id(idempotency_key).map_err(WireError::into_refusal)?;
        let body = encode_invoice_create(invoice, customer_id.as_str())
            .map_err(WireError::into_refusal)?;
        Ok(self.post("invoice", body, Some(id)))
    }

    /// Reads the answer to [`create_invoice`](Self::create_invoice): the
    /// new invoice's `Id`.
    ///
    /// # Errors
    /// The fault mapping of the [module docs](super#answers): 6140
    /// (document number in use) and 6210 (closed books) are
    /// [`AdapterError::Validation`].
    pub fn read_create_invoice(&self, answer: &Response<'_>) -> Result<String, AdapterError> {
        created_id(answer, "Invoice")
    }

    /// `GET query` for one page of the payments (`SELECT * FROM Payment
    /// ORDERBY Id STARTPOSITION n MAXRESULTS 1000`); `page` is `None` for
    /// the first, else a `next_page` of
    /// [`read_list_payments`](Self::read_list_payments) (the next start
    /// position).
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for a page token this codec did not
    /// make.
    pub fn list_payments(&self, page: Option<&str>) -> Result<Request, AdapterError> {
        let start = start_of(page)?;
        let text = query(QueryEntity::Payment, start, MAX_QUERY_RESULTS)
            .map_err(WireError::into_refusal)?;
        Ok(self.query_request(&text))
    }

    /// Reads one page of [`list_payments`](Self::list_payments): the
    /// payments (with their allocations and `PaymentRefNum` references),
    /// and the next page's token after a full page.
    ///
    /// # Errors
    /// As [`list_payments`](Self::list_payments); the fault mapping of the
    /// [module docs](super#answers).
    pub fn read_list_payments(
        &self,
        page: Option<&str>,
        answer: &Response<'_>,
    ) -> Result<PaymentsPage, AdapterError> {
        let start = start_of(page)?;
        if !answer.is_success() {
            return Err(failure(answer, ErrorContext::default()));
        }
        let payments = match decode_with(answer.body, &self.decode_options()) {
            Ok(Payload::Payments(v)) => v,
            // A page past the last: `QueryResponse: {}`.
            Ok(Payload::Contacts { records, .. }) if records.is_empty() => Vec::new(),
            Ok(Payload::Error { .. }) => return Err(failure(answer, ErrorContext::default())),
            Ok(other) => return Err(unreadable(answer, other.summary())),
            Err(e) => return Err(unreadable(answer, e)),
        };
        let next_page = next_start(start, payments.len())?.map(|n| n.to_string());
        Ok(PaymentsPage {
            payments,
            next_page,
        })
    }

    /// `POST payment?requestid=…`: records `payment` from `customer_id`
    /// applied to `invoice_ids` (the draft's allocations, resolved, in
    /// order; the body of [`encode_payment_create`]) under QBO's
    /// `requestid` for `idempotency_key`.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when the encoder refuses the draft or
    /// the key is empty (nothing is sent).
    pub fn create_payment(
        &self,
        payment: &PaymentDraft,
        customer_id: &ContactId,
        invoice_ids: &[String],
        idempotency_key: &str,
    ) -> Result<Request, AdapterError> {
        let id = request_id(idempotency_key).map_err(WireError::into_refusal)?;
        let ids: Vec<&str> = invoice_ids.iter().map(String::as_str).collect();
        let body = encode_payment_create(payment, customer_id.as_str(), &ids)
            .map_err(WireError::into_refusal)?;
        Ok(self.post("payment", body, Some(id)))
    }

    /// Reads the answer to [`create_payment`](Self::create_payment): the
    /// new payment's `Id`.
    ///
    /// # Errors
    /// The fault mapping of the [module docs](super#answers).
    pub fn read_create_payment(&self, answer: &Response<'_>) -> Result<String, AdapterError> {
        created_id(answer, "Payment")
    }

    /// The calls that read [`LedgerFacts`]: the document numbers of every
    /// invoice (paged `SELECT * FROM Invoice`), the currency of every
    /// customer, inactive ones included (paged, `CurrencyRef`), and the
    /// closing date of the books (`GET preferences`,
    /// `AccountingInfoPrefs.BookCloseDate`).
    ///
    /// ```
    /// use ledgerlink::wire::qbo::Calls;
    /// use ledgerlink::wire::Response;
    ///
    /// let mut facts = Calls::new("9130").ledger_facts();
    /// let answers: [&[u8]; 3] = [
    ///     br#"{"QueryResponse":{"Invoice":[{"Id":"130","DocNumber":"1037"}]},"time":"2024-03-01T10:00:06-08:00"}"#,
    ///     br#"{"QueryResponse":{"Customer":[{"Id":"58","CurrencyRef":{"value":"USD"}}]}}"#,
    ///     br#"{"Preferences":{"AccountingInfoPrefs":{"BookCloseDate":"2023-12-31"}}}"#,
    /// ];
    /// let mut answers = answers.iter();
    /// while let Some(_request) = facts.next_request()? {
    ///     // send the request, then read what came back
    ///     let body = answers.next().ok_or("no answer left")?;
    ///     facts.read(&Response::new(200, body))?;
    /// }
    /// let facts = facts.finish()?;
    /// assert!(facts.doc_numbers.contains("1037"));
    /// assert_eq!(facts.closed_through.map(|d| d.to_string()).as_deref(), Some("2023-12-31"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn ledger_facts(&self) -> LedgerFactsCalls {
        LedgerFactsCalls {
            calls: self.clone(),
            step: Step::DocNumbers { start: 1 },
            facts: LedgerFacts::default(),
            pages: 0,
        }
    }
}

/// Where a [`LedgerFactsCalls`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    DocNumbers { start: u32 },
    Currencies { start: u32 },
    Preferences,
    Done,
}

/// The requests that read [`LedgerFacts`], one after another (sans-IO:
/// the caller sends each and hands its answer back). Bounded: at most
/// [`DEFAULT_PAGE_LIMIT`] requests, each query page starting past the
/// last; an error from [`read`](Self::read) leaves the sequence where it
/// was, so the same request can be sent again (after a `Retry-After`, a
/// refreshed token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerFactsCalls {
    calls: Calls,
    step: Step,
    facts: LedgerFacts,
    pages: usize,
}

impl LedgerFactsCalls {
    /// The next request to send, `None` when every fact is read.
    ///
    /// # Errors
    /// [`AdapterError::Paging`] past [`DEFAULT_PAGE_LIMIT`] requests.
    pub fn next_request(&mut self) -> Result<Option<Request>, AdapterError> {
        if self.pages >= DEFAULT_PAGE_LIMIT {
            return Err(AdapterError::Paging {
                stopped: PagingError::TooManyPages {
                    limit: DEFAULT_PAGE_LIMIT,
                },
            });
        }
        let text = |entity, start| {
            query(entity, start, MAX_QUERY_RESULTS).map_err(WireError::into_refusal)
        };
        Ok(match self.step {
            Step::DocNumbers { start } => Some(
                self.calls
                    .query_request(&text(QueryEntity::Invoice, start)?),
            ),
            Step::Currencies { start } => Some(
                self.calls
                    .query_request(&text(QueryEntity::Customer, start)?),
            ),
            Step::Preferences => Some(
                self.calls
                    .finish(self.calls.request(Method::Get, "preferences")),
            ),
            Step::Done => None,
        })
    }

    /// Reads the answer to the request [`next_request`](Self::next_request)
    /// gave last.
    ///
    /// # Errors
    /// The fault mapping of the [module docs](super#answers)
    /// (nothing is recorded; send the same request again);
    /// [`AdapterError::Validation`] when every fact is read already.
    pub fn read(&mut self, answer: &Response<'_>) -> Result<(), AdapterError> {
        let doc = match self.step {
            Step::Done => {
                return Err(AdapterError::Validation {
                    code: None,
                    message: "every ledger fact is read: no answer is awaited".into(),
                });
            }
            _ => success_doc(answer, ErrorContext::default())?,
        };
        let root = At::Root;
        let next = match self.step {
            Step::DocNumbers { start } => {
                let q = query_response(&doc.top, answer)?;
                let at = At::Key(&root, "QueryResponse");
                let at = At::Key(&at, "Invoice");
                let mut numbers = Vec::new();
                for (i, inv) in each(q, "Invoice").enumerate() {
                    let at = At::Index(&at, i);
                    if let Some(n) = inv.get("DocNumber") {
                        let n = filled(n, &At::Key(&at, "DocNumber"))
                            .map_err(|e| unreadable(answer, e))?;
                        numbers.extend(n.map(str::to_owned));
                    }
                }
                let returned = each(q, "Invoice").count();
                self.facts.doc_numbers.extend(numbers);
                match next_start(start, returned)? {
                    Some(start) => Step::DocNumbers { start },
                    None => Step::Currencies { start: 1 },
                }
            }
            Step::Currencies { start } => {
                let q = query_response(&doc.top, answer)?;
                let at = At::Key(&root, "QueryResponse");
                let at = At::Key(&at, "Customer");
                let mut currencies = Vec::new();
                for (i, c) in each(q, "Customer").enumerate() {
                    let at = At::Index(&at, i);
                    let id = c
                        .get("Id")
                        .and_then(|id| filled(id, &At::Key(&at, "Id")).ok().flatten());
                    let code = match c.get("CurrencyRef") {
                        Some(v) => reference(v, &At::Key(&at, "CurrencyRef"))
                            .map_err(|e| unreadable(answer, e))?,
                        None => None,
                    };
                    // A customer without a readable currency is left out:
                    // the planner then checks nothing for it.
                    if let (Some(id), Some(cur)) =
                        (id, code.and_then(|c| Currency::new(c.trim()).ok()))
                    {
                        currencies.push((ContactId::new(id.trim()), cur));
                    }
                }
                let returned = each(q, "Customer").count();
                self.facts.customer_currency.extend(currencies);
                match next_start(start, returned)? {
                    Some(start) => Step::Currencies { start },
                    None => Step::Preferences,
                }
            }
            Step::Preferences => {
                self.facts.closed_through = book_close_date(&doc.top, answer)?;
                Step::Done
            }
            Step::Done => Step::Done,
        };
        self.step = next;
        self.pages = self.pages.saturating_add(1);
        Ok(())
    }

    /// The facts read.
    ///
    /// # Errors
    /// [`AdapterError::Validation`] when requests are left to send.
    pub fn finish(self) -> Result<LedgerFacts, AdapterError> {
        match self.step {
            Step::Done => Ok(self.facts),
            _ => Err(AdapterError::Validation {
                code: None,
                message: "the ledger facts are not all read: `next_request` has requests left"
                    .into(),
            }),
        }
    }
}

/// The `QueryResponse` of a query answer.
fn query_response<'v, 'a>(
    top: &'v Value<'a>,
    answer: &Response<'_>,
) -> Result<&'v Value<'a>, AdapterError> {
    top.get("QueryResponse")
        .ok_or_else(|| unreadable(answer, "no `QueryResponse`"))
}

/// `Preferences.AccountingInfoPrefs.BookCloseDate`, when the books have a
/// closing date.
fn book_close_date(
    top: &Value<'_>,
    answer: &Response<'_>,
) -> Result<Option<NaiveDate>, AdapterError> {
    let prefs = top
        .get("Preferences")
        .ok_or_else(|| unreadable(answer, "no `Preferences`"))?;
    let root = At::Root;
    let at = At::Key(&root, "Preferences");
    let at = At::Key(&at, "AccountingInfoPrefs");
    let Some(v) = prefs
        .get("AccountingInfoPrefs")
        .and_then(|a| a.get("BookCloseDate"))
    else {
        return Ok(None);
    };
    date(v, &At::Key(&at, "BookCloseDate")).map_err(|e| unreadable(answer, e))
}
