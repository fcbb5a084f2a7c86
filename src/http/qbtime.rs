//! QuickBooks Time over HTTP: jobcodes and timesheets, a loop around
//! [`wire::qbtime::Calls`](crate::wire::qbtime::Calls), with the key
//! memory QBT's creates need.

use std::sync::Arc;

use async_trait::async_trait;

use crate::ops::AdapterError;
use crate::ports::{JobcodePage, TimeStore, TimesheetPage};
use crate::qbtime::{DateRange, Jobcode, NewJobcode};
use crate::wire::qbtime::{API_BASE, Calls, MAX_BATCH_ITEMS};

use super::{Connection, KeyMemory};

/// A QuickBooks Time account's [`TimeStore`] over HTTP.
///
/// QBT takes no idempotency key: [`create_jobcode`](TimeStore::create_jobcode)
/// asks the [`KeyMemory`] first and remembers what a create made. (QBT
/// itself answers a jobcode of the same parent, name and type with the
/// one it has, so a create re-sent after a lost answer makes nothing
/// twice.)
#[derive(Clone)]
pub struct QbTimeAdapter {
    connection: Arc<Connection>,
    calls: Calls,
    keys: Arc<dyn KeyMemory<Jobcode>>,
    base: String,
}

impl std::fmt::Debug for QbTimeAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QbTimeAdapter")
            .field("connection", &self.connection)
            .field("calls", &self.calls)
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl QbTimeAdapter {
    /// The account of `connection`'s token, at QBT's API ([`API_BASE`]),
    /// remembering keys in `keys`.
    #[must_use]
    pub fn new(
        connection: Arc<Connection>,
        calls: Calls,
        keys: Arc<dyn KeyMemory<Jobcode>>,
    ) -> Self {
        Self {
            connection,
            calls,
            keys,
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

    /// Creates many jobcodes, [`MAX_BATCH_ITEMS`] to a `POST jobcodes`:
    /// one result per item, in the items' order. Items whose key the
    /// [`KeyMemory`] knows are answered from it and not sent; each
    /// jobcode created is remembered under its key. Only jobcodes that do
    /// not depend on each other go in one batch (a parent's children wait
    /// for its id). A call that fails as a whole gives its error to each
    /// of its items; the other calls still go.
    ///
    /// # Errors
    /// [`AdapterError::Authentication`] or [`AdapterError::RateLimited`]
    /// (no further call is made), or the key memory's failure.
    pub async fn create_jobcodes(
        &self,
        items: &[(&NewJobcode, &str)],
    ) -> Result<Vec<Result<Jobcode, AdapterError>>, AdapterError> {
        let mut out: Vec<Option<Result<Jobcode, AdapterError>>> = vec![None; items.len()];
        // (position in `items`, jobcode, key) of those not made already.
        let mut to_send = Vec::new();
        for ((jobcode, key), slot) in items.iter().zip(out.iter_mut()) {
            match self.keys.recall(key).await? {
                Some(made) => *slot = Some(Ok(made)),
                None => to_send.push((slot, *jobcode, *key)),
            }
        }
        for chunk in to_send.chunks_mut(MAX_BATCH_ITEMS) {
            let jobcodes: Vec<NewJobcode> = chunk.iter().map(|(_, j, _)| (*j).clone()).collect();
            let answered = match self.calls.create_jobcode_batch(&jobcodes) {
                Ok(request) => {
                    self.connection
                        .call(&self.base, &request, |a| {
                            self.calls.read_create_jobcode_batch(jobcodes.len(), a)
                        })
                        .await
                }
                Err(e) => Err(e),
            };
            let results: Vec<Result<Jobcode, AdapterError>> = match answered {
                Ok(results) => results,
                Err(
                    e @ (AdapterError::Authentication { .. } | AdapterError::RateLimited { .. }),
                ) => {
                    return Err(e);
                }
                Err(e) => chunk.iter().map(|_| Err(e.clone())).collect(),
            };
            for ((slot, _, key), result) in chunk.iter_mut().zip(results) {
                if let Ok(made) = &result {
                    self.keys.remember(key, made).await?;
                }
                **slot = Some(result);
            }
        }
        Ok(out
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(AdapterError::Transient {
                        message: "QuickBooks Time: a jobcode of the batch was not answered".into(),
                    })
                })
            })
            .collect())
    }
}

#[async_trait]
impl TimeStore for QbTimeAdapter {
    async fn list_jobcodes(&self, page: u32) -> Result<JobcodePage, AdapterError> {
        let request = self.calls.list_jobcodes(page)?;
        self.connection
            .call(&self.base, &request, |a| {
                self.calls.read_list_jobcodes(page, a)
            })
            .await
    }

    async fn create_jobcode(
        &self,
        jobcode: &NewJobcode,
        idempotency_key: &str,
    ) -> Result<Jobcode, AdapterError> {
        if let Some(made) = self.keys.recall(idempotency_key).await? {
            return Ok(made);
        }
        let request = self.calls.create_jobcode(jobcode, idempotency_key)?;
        let made = self
            .connection
            .call(&self.base, &request, |a| self.calls.read_create_jobcode(a))
            .await?;
        self.keys.remember(idempotency_key, &made).await?;
        Ok(made)
    }

    async fn list_timesheets(
        &self,
        range: &DateRange,
        page: u32,
    ) -> Result<TimesheetPage, AdapterError> {
        let request = self.calls.list_timesheets(range, page)?;
        self.connection
            .call(&self.base, &request, |a| {
                self.calls.read_list_timesheets(range, page, a)
            })
            .await
    }
}
