//! Xero Accounting over HTTP: contacts, invoices and payments of one
//! organisation, a loop around [`wire::xero::Calls`](crate::wire::xero::Calls).

use std::sync::Arc;

use async_trait::async_trait;

use crate::billing::{InvoiceDraft, LedgerFacts, PaymentDraft};
use crate::model::{Contact, ContactId, VersionToken};
use crate::ops::AdapterError;
use crate::ports::{ChangesPage, ContactStore, InvoiceStore, Page, PaymentStore, PaymentsPage};
use crate::sync::FieldPatch;
use crate::wire::xero::{self, API_BASE, Calls, MAX_BATCH_CONTACTS, MAX_FACT_PAGES};

use super::Connection;

/// A Xero organisation's [`ContactStore`], [`InvoiceStore`] and
/// [`PaymentStore`] over HTTP.
#[derive(Debug, Clone)]
pub struct XeroAdapter {
    connection: Arc<Connection>,
    calls: Calls,
    base: String,
}

impl XeroAdapter {
    /// The organisation of `calls` (its tenant id) over `connection`, at
    /// Xero's API ([`API_BASE`]).
    #[must_use]
    pub fn new(connection: Arc<Connection>, calls: Calls) -> Self {
        Self {
            connection,
            calls,
            base: API_BASE.to_owned(),
        }
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

    /// Creates many contacts, [`MAX_BATCH_CONTACTS`] to a call (`PUT
    /// Contacts?summarizeErrors=false`, one idempotency key per call made
    /// from the items' keys): one result per item, in the items' order.
    /// A call that fails as a whole gives its error to each of its items;
    /// the other calls still go. When its answer was lost (a transient
    /// failure after the connection's retries, each with the same key),
    /// each item may have been created: send **the same items again in
    /// the same order** — the same idempotency key, so Xero answers what it
    /// made. An item sent again on its own carries its own key, which Xero
    /// never saw; only Xero's unique contact names then stop a second copy
    /// (the item ends as [`AdapterError::DuplicateName`], which the engine
    /// records, and the next listing links the contact by name).
    ///
    /// # Errors
    /// [`AdapterError::Authentication`] or [`AdapterError::RateLimited`]:
    /// no further call is made (the items not sent are not answered).
    pub async fn create_contacts(
        &self,
        items: &[(&Contact, &str)],
    ) -> Result<Vec<Result<Contact, AdapterError>>, AdapterError> {
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(MAX_BATCH_CONTACTS) {
            let answered = match self.calls.create_batch(chunk) {
                Ok(request) => {
                    self.connection
                        .call(&self.base, &request, |a| {
                            self.calls.read_create_batch(chunk.len(), a)
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
                    let e = super::batch_failure(e, "Xero");
                    out.extend(chunk.iter().map(|_| Err(e.clone())));
                }
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl ContactStore for XeroAdapter {
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
impl InvoiceStore for XeroAdapter {
    async fn ledger_facts(&self) -> Result<LedgerFacts, AdapterError> {
        let mut facts: xero::LedgerFactsCalls = self.calls.ledger_facts();
        // The organisation, then the pages of invoices and of contacts.
        for _ in 0..MAX_FACT_PAGES.saturating_mul(2).saturating_add(1) {
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
impl PaymentStore for XeroAdapter {
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
