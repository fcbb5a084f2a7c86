//! QuickBooks Online over HTTP: customers (with change data capture),
//! invoices and payments of one company, a loop around
//! [`wire::qbo::Calls`](crate::wire::qbo::Calls).

use std::sync::Arc;

use async_trait::async_trait;

use crate::billing::{InvoiceDraft, LedgerFacts, PaymentDraft};
use crate::model::{Contact, ContactId, VersionToken};
use crate::ops::{AdapterError, DEFAULT_PAGE_LIMIT};
use crate::ports::{ChangesPage, ContactStore, InvoiceStore, Page, PaymentStore, PaymentsPage};
use crate::sync::FieldPatch;
use crate::wire::qbo::{Calls, MAX_BATCH_ITEMS, PRODUCTION_BASE, SANDBOX_BASE};

use super::Connection;

/// A QBO company's [`ContactStore`] (customers; change listings through
/// change data capture), [`InvoiceStore`] and [`PaymentStore`] over HTTP.
#[derive(Debug, Clone)]
pub struct QboAdapter {
    connection: Arc<Connection>,
    calls: Calls,
    base: String,
}

impl QboAdapter {
    /// The company of `calls` (its realm id) over `connection`, at QBO's
    /// production API ([`PRODUCTION_BASE`]).
    #[must_use]
    pub fn new(connection: Arc<Connection>, calls: Calls) -> Self {
        Self {
            connection,
            calls,
            base: PRODUCTION_BASE.to_owned(),
        }
    }

    /// At Intuit's sandbox ([`SANDBOX_BASE`]: development companies).
    #[must_use]
    pub fn sandbox(mut self) -> Self {
        SANDBOX_BASE.clone_into(&mut self.base);
        self
    }

    /// At another base URL (a test server's `http://127.0.0.1:port`).
    #[must_use]
    pub fn with_base_url(mut self, base: impl Into<String>) -> Self {
        self.base = base.into();
        self
    }

    /// The codec it drives.
    #[must_use]
    pub const fn calls(&self) -> &Calls {
        &self.calls
    }

    /// Creates many customers, [`MAX_BATCH_ITEMS`] to a call (`POST
    /// batch?requestid=…`, the `requestid` made from the items' keys):
    /// one result per item, in the items' order, QBO's answers matched to
    /// items by `bId`. A call that fails as a whole (every item with the
    /// same error) gives that error to each of its items; the other calls
    /// still go. When its answer was lost (a transient failure after the
    /// connection's retries, each with the same `requestid`), each item may
    /// have been created: send **the same items again in the same order**
    /// (the same `requestid`: QBO answers what it made). An item sent again
    /// on its own carries its own `requestid`; only QBO's unique names then
    /// stop a second copy ([`AdapterError::DuplicateName`], 6240).
    ///
    /// # Errors
    /// [`AdapterError::Authentication`] or [`AdapterError::RateLimited`]:
    /// no further call is made.
    pub async fn create_customers(
        &self,
        items: &[(&Contact, &str)],
    ) -> Result<Vec<Result<Contact, AdapterError>>, AdapterError> {
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(MAX_BATCH_ITEMS) {
            let answered = match self.calls.create_batch(chunk) {
                Ok(request) => {
                    self.connection
                        .call(&self.base, &request, |a| {
                            whole_or_items(self.calls.read_create_batch(chunk, a))
                        })
                        .await
                }
                Err(e) => Err(e),
            };
            match answered {
                Ok(results) => out.extend(results),
                Err(
                    e @ (AdapterError::Authentication { .. } | AdapterError::RateLimited { .. }),
                ) => {
                    return Err(e);
                }
                Err(e) => {
                    let e = super::batch_failure(e, "QBO");
                    out.extend(chunk.iter().map(|_| Err(e.clone())));
                }
            }
        }
        Ok(out)
    }
}

/// A batch answer whose every item failed alike is the whole call's
/// failure (a refused token, a 429, a 5xx): the connection then refreshes,
/// waits or retries as for any call.
fn whole_or_items(
    results: Vec<Result<Contact, AdapterError>>,
) -> Result<Vec<Result<Contact, AdapterError>>, AdapterError> {
    if let Some(Err(first)) = results.first()
        && results.iter().all(|r| r.as_ref().err() == Some(first))
    {
        return Err(first.clone());
    }
    Ok(results)
}

#[async_trait]
impl ContactStore for QboAdapter {
    async fn list(&self, page: Option<&str>) -> Result<Page, AdapterError> {
        let request = self.calls.list(page)?;
        self.connection
            .call(&self.base, &request, |a| self.calls.read_list(page, a))
            .await
    }

    async fn list_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<ChangesPage, AdapterError> {
        let request = self.calls.list_changes(cursor, page)?;
        self.connection
            .call(&self.base, &request, |a| {
                self.calls.read_changes(cursor, page, a)
            })
            .await
    }

    async fn create(&self, contact: &Contact, key: &str) -> Result<Contact, AdapterError> {
        let request = self.calls.create(contact, key)?;
        self.connection
            .call(&self.base, &request, |a| self.calls.read_create(a))
            .await
    }

    async fn update(
        &self,
        id: &ContactId,
        patch: &FieldPatch,
        expected_version: Option<&VersionToken>,
    ) -> Result<Contact, AdapterError> {
        let request = self.calls.update(id, patch, expected_version)?;
        self.connection
            .call(&self.base, &request, |a| self.calls.read_update(id, a))
            .await
    }
}

#[async_trait]
impl InvoiceStore for QboAdapter {
    async fn ledger_facts(&self) -> Result<LedgerFacts, AdapterError> {
        let mut facts = self.calls.ledger_facts();
        // The sequence stops itself past DEFAULT_PAGE_LIMIT requests.
        for _ in 0..=DEFAULT_PAGE_LIMIT {
            let Some(request) = facts.next_request()? else {
                return facts.finish();
            };
            self.connection
                .call(&self.base, &request, |a| facts.read(a))
                .await?;
        }
        facts.finish()
    }

    async fn create_invoice(
        &self,
        invoice: &InvoiceDraft,
        customer_id: &ContactId,
        idempotency_key: &str,
    ) -> Result<String, AdapterError> {
        let request = self
            .calls
            .create_invoice(invoice, customer_id, idempotency_key)?;
        self.connection
            .call(&self.base, &request, |a| self.calls.read_create_invoice(a))
            .await
    }
}

#[async_trait]
impl PaymentStore for QboAdapter {
    async fn list_payments(&self, page: Option<&str>) -> Result<PaymentsPage, AdapterError> {
        let request = self.calls.list_payments(page)?;
        self.connection
            .call(&self.base, &request, |a| {
                self.calls.read_list_payments(page, a)
            })
            .await
    }

    async fn create_payment(
        &self,
        payment: &PaymentDraft,
        customer_id: &ContactId,
        invoice_ids: &[String],
        idempotency_key: &str,
    ) -> Result<String, AdapterError> {
        let request =
            self.calls
                .create_payment(payment, customer_id, invoice_ids, idempotency_key)?;
        self.connection
            .call(&self.base, &request, |a| self.calls.read_create_payment(a))
            .await
    }
}
