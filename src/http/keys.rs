//! The idempotency keys of ledgers that take none (XPM, QuickBooks Time):
//! what each key created, so that a create sent again answers the record
//! the first one made (the ports' [contract](crate::ports#contracts)).

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;

use crate::ops::AdapterError;

/// Key → the record created under it. The adapters of XPM
/// ([`XpmAdapter`](super::XpmAdapter), records: contacts) and QuickBooks
/// Time ([`QbTimeAdapter`](super::QbTimeAdapter), records: jobcodes) ask
/// it before sending a create and tell it what the create made.
///
/// In production this is a database table (`key` primary key, the record
/// as stored — serde with feature `serde` — and the time written), kept at
/// least as long as the planner may re-send a create (see the
/// [contract](crate::ports#contracts): days, when a ledger is
/// unreachable), in the same database as the sync state.
/// [`InMemoryKeys`] is for tests and single-process tools.
///
/// It remembers answers only: a create whose answer was lost (a timeout)
/// left nothing here, and is sent again when the planner re-sends it.
/// QuickBooks Time then answers the jobcode it has (HTTP 202 for the same
/// parent, name and type); XPM has no such rule and may create a second
/// client (the next full listing shows it, and the planner's match
/// reports the near-duplicate).
#[async_trait]
pub trait KeyMemory<R>: Send + Sync {
    /// The record created under `key`, when one was.
    ///
    /// # Errors
    /// Any [`AdapterError`]: the create is then not sent.
    async fn recall(&self, key: &str) -> Result<Option<R>, AdapterError>;

    /// Remembers that `key` created `record`.
    ///
    /// # Errors
    /// Any [`AdapterError`] (the create happened; the adapter answers the
    /// error, and the planner sends the create again later).
    async fn remember(&self, key: &str, record: &R) -> Result<(), AdapterError>;
}

/// A [`KeyMemory`] in memory: lost when the process ends.
#[derive(Debug)]
pub struct InMemoryKeys<R> {
    records: Mutex<BTreeMap<String, R>>,
}

impl<R> Default for InMemoryKeys<R> {
    fn default() -> Self {
        Self {
            records: Mutex::new(BTreeMap::new()),
        }
    }
}

impl<R> InMemoryKeys<R> {
    /// An empty memory.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// How many keys it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether it holds none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl<R: Clone + Send + Sync> KeyMemory<R> for InMemoryKeys<R> {
    async fn recall(&self, key: &str) -> Result<Option<R>, AdapterError> {
        Ok(self
            .records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned())
    }

    async fn remember(&self, key: &str, record: &R) -> Result<(), AdapterError> {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.to_owned(), record.clone());
        Ok(())
    }
}
