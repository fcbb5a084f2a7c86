//! The idempotency keys of ledgers that take none (XPM, QuickBooks Time):
//! what each key created, so that a create sent again answers the record
//! the first one made (the ports' [contract](crate::ports#contracts)).

use std::collections::{BTreeMap, BTreeSet};
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
/// It also notes each key as it is sent ([`sending`](Self::sending)), so
/// that a create whose answer was lost (a timeout) is known when the
/// planner re-sends it ([`unanswered`](Self::unanswered)): the XPM adapter
/// then looks for the record the first send made before sending again
/// (XPM would make a second client); QuickBooks Time answers the jobcode
/// it has by itself (HTTP 202 for the same parent, name and type).
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

    /// Notes that a create under `key` is being sent. By default nothing
    /// is kept (and [`unanswered`](Self::unanswered) is always false).
    ///
    /// # Errors
    /// Any [`AdapterError`]: the create is then not sent.
    async fn sending(&self, key: &str) -> Result<(), AdapterError> {
        let _ = key;
        Ok(())
    }

    /// Whether a create under `key` was sent and no record was remembered
    /// for it since (its answer was lost, or it failed).
    ///
    /// # Errors
    /// Any [`AdapterError`]: the create is then not sent.
    async fn unanswered(&self, key: &str) -> Result<bool, AdapterError> {
        let _ = key;
        Ok(false)
    }
}

/// A [`KeyMemory`] in memory: lost when the process ends.
#[derive(Debug)]
pub struct InMemoryKeys<R> {
    records: Mutex<BTreeMap<String, R>>,
    sent: Mutex<BTreeSet<String>>,
}

impl<R> Default for InMemoryKeys<R> {
    fn default() -> Self {
        Self {
            records: Mutex::new(BTreeMap::new()),
            sent: Mutex::new(BTreeSet::new()),
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
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
        Ok(())
    }

    async fn sending(&self, key: &str) -> Result<(), AdapterError> {
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.to_owned());
        Ok(())
    }

    async fn unanswered(&self, key: &str) -> Result<bool, AdapterError> {
        Ok(self
            .sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_key_sent_and_never_answered_is_known() {
        let keys: InMemoryKeys<u32> = InMemoryKeys::new();
        assert!(!keys.unanswered("k").await.unwrap());
        keys.sending("k").await.unwrap();
        assert!(keys.unanswered("k").await.unwrap());
        keys.remember("k", &7).await.unwrap();
        assert!(!keys.unanswered("k").await.unwrap());
        assert_eq!(keys.recall("k").await.unwrap(), Some(7));
    }
}
