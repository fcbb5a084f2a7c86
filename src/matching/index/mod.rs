//! The match index: built once from the local contacts, then queried for
//! one remote record or a whole batch without rebuilding anything.
//!
//! This file holds the index's layout and its public entry points; the
//! rooms beside it hold the work:
//!
//! - `build`: [`MatchIndexBuilder`] and building the index (normalising
//!   every local contact, the hash tables, the long-chain lists);
//! - `decide`: deciding one group of remote records (keys, lookups,
//!   candidate walks) into raw decisions;
//! - `batch`: a whole batch, its remote ids checked and contests (M9)
//!   settled;
//! - `result`: a raw decision turned into a [`MatchResult`];
//! - `views`: [`BatchViews`], [`MatchView`] and [`LocalIds`], the borrowed
//!   reading of a decided batch;
//! - `links`: [`ExistingLinks`] (M9, M10).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::error::Result;
use crate::model::ContactKind;
use crate::rules::{Classifier, Profile};

use super::hash::{NIL, Table, hash_bytes};
use super::keys::NameClass;
use super::near::NearDuplicates;
use super::outcome::MatchResult;
use super::{MatchRecord, par};

mod batch;
mod build;
mod decide;
mod links;
mod result;
mod stream;
mod views;

pub use build::MatchIndexBuilder;
pub(crate) use build::Normalised;
pub use links::ExistingLinks;
pub use stream::BatchBuilder;
pub use views::{BatchViews, LocalIds, MatchView};

use decide::{Decided, SCRATCH, Scratch};

/// Records per chunk: each chunk is normalised on its own and kept as it
/// is (its own text, ids and metadata), so building never copies the
/// records a second time. A position's chunk is `pos >> CHUNK_BITS`.
const CHUNK_BITS: u32 = 14;
const CHUNK: usize = 1 << CHUNK_BITS;
const CHUNK_MASK: u32 = (1 << CHUNK_BITS) - 1;
/// Results materialised at a time by the streaming batch.
const EMIT_CHUNK: usize = 64 * 1024;
/// Highest number of records on one side.
const MAX_RECORDS: usize = (u32::MAX - 1) as usize;

/// A slice of the index's text arena.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    const fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// What the index keeps per local contact, together so that verifying a
/// candidate touches one place.
#[derive(Debug, Clone, Copy, Default)]
struct Meta {
    name: Span,
    email: Span,
    /// The contact's id, as written, in the chunk's text beside its keys
    /// (one arena instead of a shared string per contact).
    id: Span,
    next_name: u32,
    next_email: u32,
    class: NameClass,
    kind: Option<ContactKind>,
}

/// One chunk of local contacts: normalised keys and ids (spans into
/// `text`) and metadata.
struct Chunk {
    text: String,
    meta: Vec<Meta>,
}

/// At most this many candidates are listed in one match issue (full
/// matches of an ambiguous one; name matches and, apart, email matches of
/// a partial one), and at most this many other ledger records in a contest
/// (M9): those with the smallest ids. The outcome says how many more there
/// are. A firm's shared bookkeeper email can have hundreds of holders;
/// listing every one for every ledger record that carries it would make
/// the output grow with the product of the two sides.
pub const MAX_LISTED_CANDIDATES: usize = 100;

/// Local contacts indexed for matching under one provider profile.
///
/// Building normalises every local name and email once (N1–N4), in
/// parallel with the `parallel` feature; lookups only hash and compare.
///
/// ```
/// use ledgerlink::{Contact, MatchIndex, MatchOutcome, Profile};
/// let locals = vec![Contact::organization("L1", "Acme Ltd").with_email("ap@acme.test")];
/// let index = MatchIndex::new(Profile::XeroGl, &locals)?;
/// let remote = Contact::named("X1", "ACME  Ltd").with_email("AP@acme.test");
/// let result = index.classify(&remote);
/// assert_eq!(result.outcome, MatchOutcome::Full { local_id: "L1".into() });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct MatchIndex {
    profile: Profile,
    classifier: Arc<dyn Classifier>,
    len: usize,
    chunks: Vec<Chunk>,
    by_name: Table,
    by_email: Table,
    /// The id table and its chains, built on the first lookup by id (a
    /// bulk run never needs it).
    by_id: OnceLock<(Table, Vec<u32>)>,
    near: Option<NearDuplicates>,
    /// The members of long name / email chains (more than
    /// [`LONG_CHAIN`](super::hash::LONG_CHAIN)
    /// contacts sharing one key), grouped by key and sorted by id, by chain
    /// head: a record whose name or email many contacts share is answered
    /// from here instead of walking and sorting the chain again.
    long_names: HashMap<u32, Vec<KeyList>>,
    long_emails: HashMap<u32, Vec<KeyList>>,
}

/// The contacts of one long chain that share one exact key.
struct KeyList {
    key: Box<str>,
    class: NameClass,
    members: Box<[u32]>,
}

impl std::fmt::Debug for MatchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchIndex")
            .field("profile", &self.profile)
            .field("len", &self.len)
            .field("near_duplicates", &self.near.is_some())
            .finish_non_exhaustive()
    }
}

impl MatchIndex {
    /// Builds an index with default settings (see [`MatchIndexBuilder`]).
    ///
    /// # Errors
    /// As [`MatchIndexBuilder::build`].
    pub fn new<R: MatchRecord + Sync>(profile: Profile, locals: &[R]) -> Result<Self> {
        MatchIndexBuilder::new(profile).build(locals)
    }

    /// A builder, for the near-duplicate guard or another classifier.
    #[must_use]
    pub fn builder(profile: Profile) -> MatchIndexBuilder {
        MatchIndexBuilder::new(profile)
    }
    #[inline]
    fn chunk_of(&self, p: u32) -> &Chunk {
        &self.chunks[(p >> CHUNK_BITS) as usize]
    }

    #[inline]
    fn meta_at(&self, p: u32) -> &Meta {
        &self.chunk_of(p).meta[(p & CHUNK_MASK) as usize]
    }

    /// The id of local position `p`.
    #[inline]
    fn id_at(&self, p: u32) -> &str {
        let c = self.chunk_of(p);
        slice(&c.text, c.meta[(p & CHUNK_MASK) as usize].id)
    }

    /// The normalised name key of local position `p`.
    #[inline]
    fn name_at(&self, p: u32) -> &str {
        let c = self.chunk_of(p);
        slice(&c.text, c.meta[(p & CHUNK_MASK) as usize].name)
    }

    /// The normalised email key of local position `p`.
    #[inline]
    fn email_at(&self, p: u32) -> &str {
        let c = self.chunk_of(p);
        slice(&c.text, c.meta[(p & CHUNK_MASK) as usize].email)
    }

    /// The profile whose rules the index applies.
    #[must_use]
    pub const fn profile(&self) -> Profile {
        self.profile
    }

    /// Number of local contacts indexed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the index holds no contacts.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the near-duplicate guard (M11) is on.
    #[must_use]
    pub const fn near_duplicates_enabled(&self) -> bool {
        self.near.is_some()
    }

    /// Whether a local contact with this id is indexed.
    #[must_use]
    pub fn contains(&self, local_id: &str) -> bool {
        self.position(local_id).is_some()
    }

    /// The normalised name key a local contact is matched on (empty when it
    /// has no usable name).
    #[must_use]
    pub fn name_key(&self, local_id: &str) -> Option<&str> {
        self.position(local_id).map(|i| self.name_at(i))
    }

    /// The normalised email key a local contact is matched on (empty when
    /// it has no valid email).
    #[must_use]
    pub fn email_key(&self, local_id: &str) -> Option<&str> {
        self.position(local_id).map(|i| self.email_at(i))
    }

    /// Approximate heap bytes held by the index.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let chunks: usize = self
            .chunks
            .iter()
            .map(|c| c.text.capacity() + c.meta.capacity() * std::mem::size_of::<Meta>())
            .sum();
        chunks
            + self.by_name.heap_bytes()
            + self.by_email.heap_bytes()
            + self
                .by_id
                .get()
                .map_or(0, |(t, next)| t.heap_bytes() + next.capacity() * 4)
            + self.near.as_ref().map_or(0, NearDuplicates::heap_bytes)
            + [&self.long_names, &self.long_emails]
                .iter()
                .flat_map(|m| m.values().flatten())
                .map(|l| l.key.len() + l.members.len() * 4 + std::mem::size_of::<KeyList>())
                .sum::<usize>()
    }

    fn position(&self, id: &str) -> Option<u32> {
        let (by_id, next_id) = self.by_id.get_or_init(|| {
            Table::build(
                self.len,
                (0..self.len).map(|i| Some(hash_bytes(self.id_at(pos32(i)).as_bytes(), 0))),
                false,
            )
        });
        let mut p = by_id.head(hash_bytes(id.as_bytes(), 0));
        // At most every position once: chains hold distinct positions.
        while p != NIL {
            if self.id_at(p) == id {
                return Some(p);
            }
            p = next_id.get(p as usize).copied().unwrap_or(NIL);
        }
        None
    }

    /// Classifies one remote record (no links known).
    ///
    /// Nothing is rebuilt: the record is normalised and looked up. M9 needs
    /// the whole batch; use [`MatchIndex::classify_batch`] for a first sync.
    #[must_use]
    pub fn classify<R: MatchRecord + ?Sized>(&self, remote: &R) -> MatchResult {
        self.classify_with(remote, &ExistingLinks::default())
    }

    /// Classifies one remote record, respecting existing links (M10).
    #[must_use]
    pub fn classify_with<R: MatchRecord + ?Sized>(
        &self,
        remote: &R,
        links: &ExistingLinks,
    ) -> MatchResult {
        let mut out = [Decided::default()];
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut s) => self.decide_group(std::slice::from_ref(&remote), links, &mut s, &mut out),
            Err(_) => self.decide_group(
                std::slice::from_ref(&remote),
                links,
                &mut Scratch::default(),
                &mut out,
            ),
        });
        self.finish(remote, &out[0], &batch::Contested::default())
    }

    /// Classifies a batch of remote records: one result per record, in
    /// input order (M12).
    ///
    /// Beyond the single lookup, the batch settles M9: when two remote
    /// records fully match the same local contact, neither is linked.
    /// Every result is the same whatever the order of either input.
    ///
    /// # Errors
    /// [`Error::DuplicateId`](crate::Error::DuplicateId) /
    /// [`Error::EmptyId`](crate::Error::EmptyId) for remote ids,
    /// [`Error::TooManyRecords`](crate::Error::TooManyRecords) past
    /// `u32::MAX - 1` records.
    pub fn classify_batch<R: MatchRecord + Sync>(&self, remotes: &[R]) -> Result<Vec<MatchResult>> {
        self.classify_batch_with(remotes, &ExistingLinks::default())
    }

    /// [`MatchIndex::classify_batch`] with existing links (M9, M10).
    ///
    /// # Errors
    /// As [`MatchIndex::classify_batch`].
    pub fn classify_batch_with<R: MatchRecord + Sync>(
        &self,
        remotes: &[R],
        links: &ExistingLinks,
    ) -> Result<Vec<MatchResult>> {
        let mut out = Vec::with_capacity(remotes.len());
        self.classify_batch_each(remotes, links, |_, r| out.push(r))?;
        Ok(out)
    }

    /// [`MatchIndex::classify_batch_with`], handing each result to `each`
    /// (with the record's position) in input order instead of collecting
    /// them: a million-record batch then never holds a million results.
    ///
    /// Nothing is handed out before the whole batch is decided, so an
    /// error means `each` was never called.
    ///
    /// # Errors
    /// As [`MatchIndex::classify_batch`].
    pub fn classify_batch_each<R, F>(
        &self,
        remotes: &[R],
        links: &ExistingLinks,
        mut each: F,
    ) -> Result<()>
    where
        R: MatchRecord + Sync,
        F: FnMut(usize, MatchResult),
    {
        let batch = self.decide_batch(remotes, links)?;
        let finish_range = |range: std::ops::Range<usize>, out: &mut Vec<MatchResult>| {
            par::map_range_into(
                range,
                |i| self.finish(&remotes[i], &batch.decided[i], &batch.contested),
                out,
            );
        };
        // While the caller consumes one chunk, the workers finish the next.
        let mut current = Vec::new();
        let mut next = Vec::new();
        let n = remotes.len();
        finish_range(0..n.min(EMIT_CHUNK), &mut current);
        let mut start = 0;
        while start < n {
            let next_start = start + current.len();
            let next_end = (next_start + EMIT_CHUNK).min(n);
            par::overlap(
                || finish_range(next_start..next_end, &mut next),
                || {
                    for (k, result) in current.drain(..).enumerate() {
                        each(start + k, result);
                    }
                },
            );
            std::mem::swap(&mut current, &mut next);
            start = next_start;
        }
        Ok(())
    }

    /// The leanest batch: each decision is handed to `each` as a borrowed
    /// [`MatchView`], in input order, without building a [`MatchResult`]
    /// (no ids copied, no person / organisation decision made). For bulk
    /// consumers that need the class, the local ids and the matched
    /// fields; [`MatchView::to_result`] gives the full result of any record.
    ///
    /// # Errors
    /// As [`MatchIndex::classify_batch`]; on error `each` is never called.
    ///
    /// ```
    /// use ledgerlink::{Contact, ExistingLinks, MatchClass, MatchIndex, Profile};
    /// let local = [Contact::organization("K1", "Acme").with_email("a@acme.test")];
    /// let remote = [Contact::named("X1", "ACME").with_email("a@acme.test")];
    /// let index = MatchIndex::new(Profile::XeroGl, &local)?;
    /// index.classify_batch_view(&remote, &ExistingLinks::new(), |i, view| {
    ///     assert_eq!(i, 0);
    ///     assert_eq!(view.class(), MatchClass::Full);
    ///     assert_eq!(view.local_ids().collect::<Vec<_>>(), ["K1"]);
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn classify_batch_view<R, F>(
        &self,
        remotes: &[R],
        links: &ExistingLinks,
        mut each: F,
    ) -> Result<()>
    where
        R: MatchRecord + Sync,
        F: FnMut(usize, MatchView<'_>),
    {
        let views = self.classify_batch_views(remotes, links)?;
        for (i, v) in views.iter().enumerate() {
            each(i, v);
        }
        Ok(())
    }

    /// The decided batch itself, to read as [`MatchView`]s in any order or
    /// from several threads (a view is `Send` and `Sync`): for bulk
    /// consumers that format or store results in parallel.
    ///
    /// # Errors
    /// As [`MatchIndex::classify_batch`].
    pub fn classify_batch_views<R: MatchRecord + Sync>(
        &self,
        remotes: &[R],
        links: &ExistingLinks,
    ) -> Result<BatchViews<'_>> {
        Ok(BatchViews {
            index: self,
            batch: self.decide_batch(remotes, links)?,
            remote_ids: None,
        })
    }
}

/// A position as the u32 the tables use (counts are checked on build).
#[allow(clippy::cast_possible_truncation)]
const fn pos32(i: usize) -> u32 {
    i as u32
}

fn slice(text: &str, s: Span) -> &str {
    text.get(s.start as usize..(s.start + s.len) as usize)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Contact;

    #[test]
    fn index_is_send_and_sync_and_results_are_small() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<MatchIndex>();
        assert_send_sync::<MatchResult>();
        // One raw decision per remote record is kept for a whole batch.
        assert_eq!(std::mem::size_of::<Decided>(), 24);
        // One result per remote record is kept in memory for a whole batch.
        assert!(
            std::mem::size_of::<MatchResult>() <= 128,
            "{}",
            std::mem::size_of::<MatchResult>()
        );
    }

    /// A full match's local id is read from the decision when short
    /// enough to be kept there, from the index otherwise: the same ids
    /// either way, whatever their length or script.
    #[test]
    fn full_matches_name_their_local_ids_short_or_long() {
        use crate::matching::MatchClass;
        let ids = [
            "K",
            "K2345678901234",
            "K23456789012345",
            "K234567890123456",
            "Ünïcødé-ïd",
            "0f6d5c1e-8a4b-4c4e-9a57-2b7f1d3e9c10",
        ];
        let locals: Vec<Contact> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                Contact::named(*id, format!("Name {i}")).with_email(format!("e{i}@x.test"))
            })
            .collect();
        let remotes: Vec<Contact> = (0..ids.len())
            .map(|i| {
                Contact::named(format!("R{i}"), format!("NAME {i}"))
                    .with_email(format!("E{i}@x.test"))
            })
            .collect();
        let index = MatchIndex::new(Profile::Xpm, &locals).unwrap();
        let views = index
            .classify_batch_views(&remotes, &ExistingLinks::new())
            .unwrap();
        for (i, id) in ids.iter().enumerate() {
            let view = views.get(i).unwrap();
            assert_eq!(view.class(), MatchClass::Full, "{id}");
            assert_eq!(view.local_ids().collect::<Vec<_>>(), [*id]);
            assert_eq!(
                view.to_result(&remotes[i])
                    .outcome
                    .local_ids()
                    .iter()
                    .map(|l| l.as_str())
                    .collect::<Vec<_>>(),
                [*id]
            );
        }
    }

    #[test]
    fn keys_are_exposed_for_explanations() {
        let locals = [Contact::person("K1", " JANE ", "Smith").with_email(" J@S.test")];
        let index = MatchIndex::new(Profile::XeroGl, &locals).unwrap();
        assert_eq!(index.name_key("K1"), Some("jane smith"));
        assert_eq!(index.email_key("K1"), Some("j@s.test"));
        assert_eq!(index.name_key("nope"), None);
        assert!(index.contains("K1") && !index.is_empty() && index.len() == 1);
        assert!(index.heap_bytes() > 0);
    }
}
