//! A batch handed in parts: each part decided as it comes and only its ids
//! kept, so a caller streaming millions of records never holds them all
//! (see [`MatchIndex::batch_builder`]); and a whole batch whose repeated
//! ids are dropped rather than refused (for `bulk::classify_table`).

use crate::error::{Error, Result, Side};
use crate::matching::{MatchRecord, par};

use super::batch::{Batch, RemoteIds, id_hash, later_duplicates, later_duplicates_hashed, settle};
use super::decide::{Decided, GROUP, Scratch};
use super::{BatchViews, ExistingLinks, MAX_RECORDS, MatchIndex, pos32};

/// Decides a batch of remote records handed in parts, in input order: each
/// part is decided (on every core with the `parallel` feature) when it is
/// pushed and only its ids are kept, so the caller can reuse the part's
/// buffers. [`BatchBuilder::finish`] then settles what needs the whole
/// batch (unique ids, M9) and gives the same decisions as
/// [`MatchIndex::classify_batch_views`] over all the records at once.
///
/// ```
/// use ledgerlink::{Contact, ExistingLinks, MatchClass, MatchIndex, Profile};
/// let local = [Contact::organization("K1", "Acme").with_email("a@acme.test")];
/// let index = MatchIndex::new(Profile::XeroGl, &local)?;
/// let links = ExistingLinks::new();
/// let mut batch = index.batch_builder(&links);
/// batch.push(&[Contact::named("X1", "ACME").with_email("a@acme.test")])?;
/// batch.push(&[Contact::named("X2", "Acme").with_email("a@acme.test")])?;
/// let views = batch.finish()?;
/// // Two records claim K1: neither is linked (M9).
/// assert_eq!(views.get(1).map(|v| v.class()), Some(MatchClass::Ambiguous));
/// assert_eq!(views.remote_id(1), Some("X2"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BatchBuilder<'a> {
    index: &'a MatchIndex,
    links: &'a ExistingLinks,
    decided: Vec<Decided>,
    ids: RemoteIds,
    /// The ids' hashes ([`id_hash`]), taken as they are pushed, for the
    /// check for repeats.
    id_hashes: Vec<u64>,
}

impl std::fmt::Debug for BatchBuilder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchBuilder")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl MatchIndex {
    /// A batch to hand in parts (see [`BatchBuilder`]).
    #[must_use]
    pub fn batch_builder<'a>(&'a self, links: &'a ExistingLinks) -> BatchBuilder<'a> {
        BatchBuilder {
            index: self,
            links,
            decided: Vec::new(),
            ids: RemoteIds::default(),
            id_hashes: Vec::new(),
        }
    }
}

impl MatchIndex {
    /// [`MatchIndex::classify_batch_views`] for a batch that may repeat
    /// ids: every record whose id an earlier record has is dropped and the
    /// batch settled without it, the same decisions as for the batch
    /// without those records (decisions are made one record at a time;
    /// only M9 looks across records, and it runs after the drop). Returns
    /// the views (positions after the drop) and, for each record dropped,
    /// its position and that of the first record with its id, in input
    /// order. The duplicates are looked for while the records are decided,
    /// so a batch with some is decided once, not twice.
    pub(crate) fn classify_batch_views_dropping<R: MatchRecord + Sync>(
        &self,
        remotes: &[R],
        links: &ExistingLinks,
    ) -> Result<(BatchViews<'_>, Vec<(usize, usize)>)> {
        if remotes.len() > MAX_RECORDS {
            return Err(Error::TooManyRecords {
                side: Side::Remote,
                count: remotes.len(),
                limit: MAX_RECORDS,
            });
        }
        if let Some(i) = remotes.iter().position(|r| r.record_id().is_empty()) {
            return Err(Error::EmptyId {
                side: Side::Remote,
                position: i,
            });
        }
        let mut decided: Vec<Decided> = Vec::new();
        decided.resize_with(remotes.len(), Decided::default);
        let ((), dups) = par::join(
            || {
                par::zip_chunks_mut(remotes, &mut decided, 1024, |recs, out| {
                    let mut s = Scratch::for_batch();
                    for (group, out) in recs.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
                        self.decide_group(group, links, &mut s, out);
                    }
                });
            },
            || later_duplicates(remotes.len(), |i| remotes[i].record_id()),
        );
        let contested = if dups.is_empty() {
            settle(self.len, &decided, |i| remotes[i].record_id())
        } else {
            let mut drop = dups.iter().map(|d| d.0).peekable();
            let mut kept: Vec<u32> = Vec::with_capacity(remotes.len() - dups.len());
            let mut i = 0;
            decided.retain(|_| {
                let keep = drop.next_if_eq(&i).is_none();
                if keep {
                    kept.push(pos32(i));
                }
                i += 1;
                keep
            });
            settle(self.len, &decided, |k| {
                kept.get(k)
                    .and_then(|&i| remotes.get(i as usize))
                    .map_or("", |r| r.record_id())
            })
        };
        let views = BatchViews {
            index: self,
            batch: Batch { decided, contested },
            remote_ids: None,
        };
        Ok((views, dups))
    }
}

impl<'a> BatchBuilder<'a> {
    /// Records pushed so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.decided.len()
    }

    /// Whether nothing was pushed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.decided.is_empty()
    }

    /// Makes room for `records` more records with `id_bytes` bytes of ids
    /// in all, so that a batch whose size is known (or estimated) is never
    /// moved while it grows: each move of a large buffer leaves its old
    /// place behind in the process's memory until something reuses it.
    /// A hint: capped at the batch's limits, and nothing is reserved when
    /// the memory cannot be had.
    pub fn reserve(&mut self, records: usize, id_bytes: usize) {
        let records = records.min(MAX_RECORDS.saturating_sub(self.decided.len()));
        let id_bytes = id_bytes.min((u32::MAX as usize).saturating_sub(self.ids.text.len()));
        // Failures leave the buffers to grow as they fill.
        let _ = self.decided.try_reserve_exact(records);
        let _ = self.ids.ends.try_reserve_exact(records);
        let _ = self.id_hashes.try_reserve_exact(records);
        let _ = self.ids.text.try_reserve_exact(id_bytes);
    }

    /// Decides the next records of the batch.
    ///
    /// # Errors
    /// [`Error::EmptyId`] for a record without an id (its position in the
    /// whole batch), [`Error::TooManyRecords`] past `u32::MAX - 1` records,
    /// [`Error::TooMuchText`] past 4 GiB of remote ids;
    /// nothing of `remotes` is kept then.
    pub fn push<R: MatchRecord + Sync>(&mut self, remotes: &[R]) -> Result<()> {
        let start = self.decided.len();
        let total = start.saturating_add(remotes.len());
        if total > MAX_RECORDS {
            return Err(Error::TooManyRecords {
                side: Side::Remote,
                count: total,
                limit: MAX_RECORDS,
            });
        }
        if let Some(i) = remotes.iter().position(|r| r.record_id().is_empty()) {
            return Err(Error::EmptyId {
                side: Side::Remote,
                position: start + i,
            });
        }
        let id_bytes: usize = remotes.iter().map(|r| r.record_id().len()).sum();
        let text_end = self.ids.text.len().saturating_add(id_bytes);
        if u32::try_from(text_end).is_err() {
            return Err(Error::TooMuchText {
                side: Side::Remote,
                bytes: text_end,
            });
        }
        self.decided.resize_with(total, Decided::default);
        let Self {
            index,
            links,
            decided,
            ids,
            id_hashes,
        } = self;
        let (index, links) = (*index, *links);
        // The ids are kept while the records are decided (a worker that
        // is done copying them joins the deciding).
        par::join(
            || {
                if let Some(out) = decided.get_mut(start..) {
                    par::zip_chunks_mut(remotes, out, 1024, |recs, out| {
                        let mut s = Scratch::for_batch();
                        for (group, out) in recs.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
                            index.decide_group(group, links, &mut s, out);
                        }
                    });
                }
            },
            || {
                ids.text.reserve(id_bytes);
                for r in remotes {
                    ids.push(r.record_id());
                    id_hashes.push(id_hash(r.record_id()));
                }
            },
        );
        Ok(())
    }

    /// Settles the batch: every decision, in input order, with the remote
    /// ids ([`BatchViews::remote_id`]).
    ///
    /// # Errors
    /// [`Error::DuplicateId`] when two records share an id (the one that
    /// repeats first in the input).
    pub fn finish(self) -> Result<BatchViews<'a>> {
        let ids = &self.ids;
        let repeated = later_duplicates_hashed(&self.id_hashes, |i| ids.id(i));
        if let Some(&(i, _)) = repeated.first() {
            return Err(Error::DuplicateId {
                side: Side::Remote,
                id: ids.id(i).to_owned(),
            });
        }
        Ok(self.settled())
    }

    /// [`BatchBuilder::finish`] for batches that may repeat ids: every
    /// record whose id an earlier record has is dropped, and the batch
    /// settled without it (as if it had never been pushed). Returns the
    /// views (positions after the drop) and, for each record dropped, its
    /// position in the input and the position of the first record with its
    /// id, in input order.
    #[must_use]
    pub fn finish_dropping_duplicates(mut self) -> (BatchViews<'a>, Vec<(usize, usize)>) {
        let ids = &self.ids;
        let dups = later_duplicates_hashed(&self.id_hashes, |i| ids.id(i));
        self.id_hashes = Vec::new();
        if !dups.is_empty() {
            let mut drop = dups.iter().map(|d| d.0).peekable();
            let mut kept = RemoteIds::default();
            let mut i = 0;
            self.decided.retain(|_| {
                let keep = drop.next_if_eq(&i).is_none();
                if keep {
                    // No longer than the text it is taken from.
                    kept.push(self.ids.id(i));
                }
                i += 1;
                keep
            });
            self.ids = kept;
        }
        (self.settled(), dups)
    }

    fn settled(self) -> BatchViews<'a> {
        let ids = self.ids;
        let contested = settle(self.index.len, &self.decided, |i| ids.id(i));
        BatchViews {
            index: self.index,
            batch: Batch {
                decided: self.decided,
                contested,
            },
            remote_ids: Some(ids),
        }
    }
}
