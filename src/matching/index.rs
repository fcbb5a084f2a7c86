//! The match index: built once from the local contacts, then queried for
//! one remote record or a whole batch without rebuilding anything.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::error::{Error, Result, Side};
use crate::model::{ContactId, ContactKind};
use crate::rules::qbo::UnmatchableReason;
use crate::rules::{Classifier, HeuristicClassifier, KindDecision, KindRule, Profile};

use super::hash::{NIL, Table, hash_bytes};
use super::keys::{self, NameClass};
use super::near::{NearDuplicateConfig, NearDuplicates};
use super::outcome::{
    AmbiguityCause, Candidate, MatchClass, MatchOutcome, MatchResult, MatchedOn, SimilarContact,
};
use super::{MatchRecord, par};

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

/// Links that already exist on a connection (M9, M10): linked and unsynced
/// pairs. Linked remote records are not matched again; a local contact that
/// is linked cannot be linked automatically to a second remote record;
/// unsynced remote records are left alone until a person re-matches them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExistingLinks {
    linked_by_remote: BTreeMap<ContactId, ContactId>,
    linked_by_local: BTreeMap<ContactId, ContactId>,
    unsynced_by_remote: BTreeMap<ContactId, ContactId>,
}

impl ExistingLinks {
    /// No links.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a linked pair (replacing any earlier pair of either id).
    pub fn link(&mut self, local: impl Into<ContactId>, remote: impl Into<ContactId>) {
        let (local, remote) = (local.into(), remote.into());
        if let Some(old_local) = self.linked_by_remote.insert(remote.clone(), local.clone()) {
            self.linked_by_local.remove(&old_local);
        }
        if let Some(old_remote) = self.linked_by_local.insert(local, remote.clone())
            && old_remote != remote
        {
            self.linked_by_remote.remove(&old_remote);
        }
        self.unsynced_by_remote.remove(&remote);
    }

    /// Records an unsynced pair (L3): the link is broken and the remote
    /// record is not matched again automatically.
    pub fn unsync(&mut self, local: impl Into<ContactId>, remote: impl Into<ContactId>) {
        let (local, remote) = (local.into(), remote.into());
        if self.linked_by_remote.get(&remote) == Some(&local) {
            self.linked_by_remote.remove(&remote);
            self.linked_by_local.remove(&local);
        }
        self.unsynced_by_remote.insert(remote, local);
    }

    /// The local contact a remote record is linked to.
    #[must_use]
    pub fn local_of(&self, remote: &str) -> Option<&ContactId> {
        self.linked_by_remote.get(remote)
    }

    /// The remote record a local contact is linked to.
    #[must_use]
    pub fn remote_of(&self, local: &str) -> Option<&ContactId> {
        self.linked_by_local.get(local)
    }

    /// The local contact of an unsynced remote record.
    #[must_use]
    pub fn unsynced_local_of(&self, remote: &str) -> Option<&ContactId> {
        self.unsynced_by_remote.get(remote)
    }

    /// Whether there are no links at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.linked_by_remote.is_empty() && self.unsynced_by_remote.is_empty()
    }
}

/// Configures and builds a [`MatchIndex`].
#[derive(Clone)]
pub struct MatchIndexBuilder {
    profile: Profile,
    near: Option<NearDuplicateConfig>,
    classifier: Arc<dyn Classifier>,
}

impl std::fmt::Debug for MatchIndexBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchIndexBuilder")
            .field("profile", &self.profile)
            .field("near", &self.near)
            .finish_non_exhaustive()
    }
}

impl MatchIndexBuilder {
    /// A builder for `profile`, near-duplicate guard off (as the products
    /// behave), default classifier.
    #[must_use]
    pub fn new(profile: Profile) -> Self {
        Self {
            profile,
            near: None,
            classifier: Arc::new(HeuristicClassifier),
        }
    }

    /// Turns the near-duplicate guard (M11) on.
    #[must_use]
    pub fn near_duplicates(mut self, config: NearDuplicateConfig) -> Self {
        self.near = Some(config);
        self
    }

    /// Replaces the person / organisation classifier used by the Xero GL
    /// profile (T3).
    #[must_use]
    pub fn classifier(mut self, classifier: impl Classifier + 'static) -> Self {
        self.classifier = Arc::new(classifier);
        self
    }

    /// Builds the index from the local contacts.
    ///
    /// # Errors
    /// [`Error::DuplicateId`] or [`Error::EmptyId`] for bad ids,
    /// [`Error::InvalidConfig`] for an out-of-range near-duplicate setting,
    /// [`Error::TooManyRecords`] / [`Error::TooMuchText`] past the index's
    /// limits.
    pub fn build<R: MatchRecord + Sync>(self, locals: &[R]) -> Result<MatchIndex> {
        MatchIndex::build(self, locals)
    }
}

/// What the index keeps per local contact, together so that verifying a
/// candidate touches one place.
#[derive(Debug, Clone, Copy, Default)]
struct Meta {
    name: Span,
    email: Span,
    next_name: u32,
    next_email: u32,
    class: NameClass,
    kind: Option<ContactKind>,
}

/// One chunk of local contacts: normalised keys (spans into `text`), ids
/// and metadata.
struct Chunk {
    text: String,
    ids: Vec<ContactId>,
    meta: Vec<Meta>,
}

/// A chunk while building, with the key hashes the tables are built from.
struct ChunkBuild {
    chunk: Chunk,
    name_hashes: Vec<u64>,
    email_hashes: Vec<u64>,
    id_hashes: Vec<u64>,
}

/// A record between the stages of [`MatchIndex::decide_group`].
struct Prepared {
    /// Decided without a lookup (linked, unsynced, unmatchable).
    early: Option<Raw>,
    /// Byte ranges of the name and email keys in the scratch buffer.
    name: (usize, usize),
    email: (usize, usize),
    class: NameClass,
    name_head: u32,
    email_head: u32,
}

/// Records decided together by [`MatchIndex::decide_group`].
const GROUP: usize = 16;

/// Per-worker buffers reused across lookups.
#[derive(Default)]
struct Scratch {
    prep: Vec<Prepared>,
    buf: String,
    names: Vec<u32>,
    emails: Vec<u32>,
    full: Vec<u32>,
    near: Vec<u32>,
    /// Candidate lists of long walks (many local contacts sharing one name
    /// or email), by chain heads: the next record with the same keys
    /// reuses them instead of walking again. Only within one batch
    /// (`cache_walks`): the single-lookup scratch outlives its index.
    walks: HashMap<(u32, u32), Walk>,
    cache_walks: bool,
}

/// The candidates of one name + email: nothing, the one full match,
/// several full matches, or (no full match) partial ones; lists capped at
/// [`MAX_LISTED_CANDIDATES`] (smallest ids) with how many more there are.
#[derive(Clone)]
enum Found {
    Nothing,
    One(u32),
    Several(Vec<u32>, usize),
    Partial(Vec<(u32, MatchedOn)>, usize),
}

/// A remembered long walk, with the keys it was made for.
struct Walk {
    name: Box<str>,
    email: Box<str>,
    class: NameClass,
    found: Found,
}

/// At most this many candidates are listed in one match issue (full
/// matches of an ambiguous one; name matches and, apart, email matches of
/// a partial one), and at most this many other ledger records in a contest
/// (M9): those with the smallest ids. The outcome says how many more there
/// are. A firm's shared bookkeeper email can have hundreds of holders;
/// listing every one for every ledger record that carries it would make
/// the output grow with the product of the two sides.
pub const MAX_LISTED_CANDIDATES: usize = 100;

/// Chain walks longer than this are remembered (see [`Scratch::walks`]);
/// chains longer than this are kept sorted in the index.
const LONG_WALK: usize = super::hash::LONG_CHAIN;

/// A decision before ids are attached and contests (M9) are settled.
enum Raw {
    Full(u32),
    /// Candidates listed (smallest ids first, at most
    /// [`MAX_LISTED_CANDIDATES`]) and how many more there are.
    Partial(Vec<(u32, MatchedOn)>, usize),
    Several(Vec<u32>, usize),
    LinkedElsewhere(u32, ContactId),
    NoMatch,
    Similar(Vec<(u32, f64)>),
    Unmatchable(UnmatchableReason),
    AlreadyLinked(ContactId),
    Unsynced(ContactId),
}

struct Decided {
    raw: Raw,
}

impl Default for Decided {
    fn default() -> Self {
        Self { raw: Raw::NoMatch }
    }
}

/// A decided batch: one decision per record, and the local contacts that
/// several records claimed (M9) with those records' ids, sorted.
struct Batch {
    decided: Vec<Decided>,
    contested: HashMap<u32, Vec<ContactId>>,
}

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
    by_id: Table,
    next_id: Vec<u32>,
    near: Option<NearDuplicates>,
    /// The members of long name / email chains (more than [`LONG_WALK`]
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

fn span(start: usize, end: usize) -> Span {
    // Offsets into a chunk's text. Should a chunk's text pass 4 GiB, the
    // truncated spans are never used: the build then fails (TooMuchText).
    #[allow(clippy::cast_possible_truncation)]
    Span {
        start: start as u32,
        len: (end - start) as u32,
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

    fn build<R: MatchRecord + Sync>(b: MatchIndexBuilder, locals: &[R]) -> Result<Self> {
        if locals.len() > MAX_RECORDS {
            return Err(Error::TooManyRecords {
                side: Side::Local,
                count: locals.len(),
                limit: MAX_RECORDS,
            });
        }
        if let Some(cfg) = &b.near {
            cfg.validate()?;
        }
        let profile = b.profile;
        let built = par::map_chunks(locals, CHUNK, |recs| {
            let mut c = ChunkBuild {
                chunk: Chunk {
                    text: String::with_capacity(recs.len() * 40),
                    ids: Vec::with_capacity(recs.len()),
                    meta: Vec::with_capacity(recs.len()),
                },
                name_hashes: Vec::with_capacity(recs.len()),
                email_hashes: Vec::with_capacity(recs.len()),
                id_hashes: Vec::with_capacity(recs.len()),
            };
            let text = &mut c.chunk.text;
            for (k, r) in recs.iter().enumerate() {
                if k % GROUP == 0 {
                    touch_group(&recs[k..recs.len().min(k + GROUP)]);
                }
                let s = text.len();
                let class = keys::local_name(profile, r, text);
                let name = span(s, text.len());
                c.name_hashes
                    .push(hash_bytes(&text.as_bytes()[s..], class as u64));
                let s = text.len();
                keys::email(r, text);
                let email = span(s, text.len());
                c.email_hashes.push(hash_bytes(&text.as_bytes()[s..], 0));
                c.id_hashes.push(hash_bytes(r.record_id().as_bytes(), 0));
                c.chunk.ids.push(r.contact_id());
                c.chunk.meta.push(Meta {
                    name,
                    email,
                    next_name: NIL,
                    next_email: NIL,
                    class,
                    kind: r.kind(),
                });
            }
            c
        });
        // Spans are offsets into their chunk's text, which must fit in u32.
        if let Some(b) = built
            .iter()
            .find(|b| b.chunk.text.len() > u32::MAX as usize)
        {
            return Err(Error::TooMuchText {
                side: Side::Local,
                bytes: b.chunk.text.len(),
            });
        }
        if let Some(pos) = built
            .iter()
            .flat_map(|b| &b.chunk.ids)
            .position(|id| id.as_str().is_empty())
        {
            return Err(Error::EmptyId {
                side: Side::Local,
                position: pos,
            });
        }

        let n = locals.len();
        // A table over one key of every record; records without it are left out.
        let table_of =
            |hashes: fn(&ChunkBuild) -> &[u64], has_key: fn(&Meta) -> bool, count_long: bool| {
                Table::build(
                    n,
                    built.iter().flat_map(move |b| {
                        hashes(b)
                            .iter()
                            .zip(&b.chunk.meta)
                            .map(move |(h, m)| has_key(m).then_some(*h))
                    }),
                    count_long,
                )
            };
        let ((name_table, email_table), (by_id, next_id)) = par::join(
            || {
                par::join(
                    || table_of(|b| &b.name_hashes, |m| !m.name.is_empty(), true),
                    || table_of(|b| &b.email_hashes, |m| !m.email.is_empty(), true),
                )
            },
            // Every record has an id (empty ids were refused above).
            || table_of(|b| &b.id_hashes, |_| true, false),
        );
        let ((by_name, next_name), (by_email, next_email)) = (name_table, email_table);
        let mut chunks: Vec<Chunk> = built.into_iter().map(|b| b.chunk).collect();
        let metas = chunks.iter_mut().flat_map(|c| c.meta.iter_mut());
        for ((m, nn), ne) in metas.zip(next_name).zip(next_email) {
            m.next_name = nn;
            m.next_email = ne;
        }
        let mut index = Self {
            profile,
            classifier: b.classifier,
            len: n,
            chunks,
            by_name,
            by_email,
            by_id,
            next_id,
            near: None,
            long_names: HashMap::new(),
            long_emails: HashMap::new(),
        };
        index.long_names = index.long_lists(true);
        index.long_emails = index.long_lists(false);
        // Only ids sharing a chain with an earlier one are compared.
        for (i, &first) in index.next_id.iter().enumerate() {
            let id = index.id_at(pos32(i));
            let mut p = first;
            while p != NIL {
                if index.id_at(p) == id {
                    return Err(Error::DuplicateId {
                        side: Side::Local,
                        id: id.to_string(),
                    });
                }
                p = index.next_id[p as usize];
            }
        }
        if let Some(cfg) = b.near {
            let names = (0..n).map(|i| {
                let p = pos32(i);
                (index.name_at(p), index.meta_at(p).class)
            });
            index.near = Some(NearDuplicates::build(cfg, names));
        }
        Ok(index)
    }

    #[inline]
    fn chunk_of(&self, p: u32) -> &Chunk {
        &self.chunks[(p >> CHUNK_BITS) as usize]
    }

    #[inline]
    fn meta_at(&self, p: u32) -> &Meta {
        &self.chunk_of(p).meta[(p & CHUNK_MASK) as usize]
    }

    #[inline]
    fn id_at(&self, p: u32) -> &ContactId {
        &self.chunk_of(p).ids[(p & CHUNK_MASK) as usize]
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

    /// The long chains of the name (or email) table, each split by exact
    /// key and sorted by id (see `long_names`). The table counted the
    /// chains as it was built: only the long ones are walked here.
    fn long_lists(&self, names: bool) -> HashMap<u32, Vec<KeyList>> {
        let table = if names { &self.by_name } else { &self.by_email };
        let next = |q: u32| {
            let m = self.meta_at(q);
            if names { m.next_name } else { m.next_email }
        };
        let mut out = HashMap::new();
        let mut members: Vec<u32> = Vec::new();
        for &head in table.long_heads() {
            members.clear();
            let mut q = head;
            while q != NIL {
                members.push(q);
                q = next(q);
            }
            let key_of = |q: u32| {
                let m = self.meta_at(q);
                if names {
                    (self.name_at(q), m.class as u8)
                } else {
                    (self.email_at(q), 0)
                }
            };
            members.sort_unstable_by(|a, b| {
                key_of(*a)
                    .cmp(&key_of(*b))
                    .then_with(|| self.id_at(*a).cmp(self.id_at(*b)))
            });
            let lists: Vec<KeyList> = members
                .chunk_by(|a, b| key_of(*a) == key_of(*b))
                .map(|group| KeyList {
                    key: key_of(group[0]).0.into(),
                    class: self.meta_at(group[0]).class,
                    members: group.into(),
                })
                .collect();
            out.insert(head, lists);
        }
        out
    }

    /// Approximate heap bytes held by the index.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let chunks: usize = self
            .chunks
            .iter()
            .map(|c| {
                c.text.capacity()
                    + c.meta.capacity() * std::mem::size_of::<Meta>()
                    + c.ids.capacity() * std::mem::size_of::<ContactId>()
                    + c.ids.iter().map(|i| i.as_str().len() + 16).sum::<usize>()
            })
            .sum();
        chunks
            + self.by_name.heap_bytes()
            + self.by_email.heap_bytes()
            + self.by_id.heap_bytes()
            + self.next_id.capacity() * 4
            + self.near.as_ref().map_or(0, NearDuplicates::heap_bytes)
            + [&self.long_names, &self.long_emails]
                .iter()
                .flat_map(|m| m.values().flatten())
                .map(|l| l.key.len() + l.members.len() * 4 + std::mem::size_of::<KeyList>())
                .sum::<usize>()
    }

    fn position(&self, id: &str) -> Option<u32> {
        let mut p = self.by_id.head(hash_bytes(id.as_bytes(), 0));
        while p != NIL {
            if self.id_at(p).as_str() == id {
                return Some(p);
            }
            p = self.next_id[p as usize];
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
        self.finish(remote, &out[0], &HashMap::new())
    }

    /// Classifies a batch of remote records: one result per record, in
    /// input order (M12).
    ///
    /// Beyond the single lookup, the batch settles M9: when two remote
    /// records fully match the same local contact, neither is linked.
    /// Every result is the same whatever the order of either input.
    ///
    /// # Errors
    /// [`Error::DuplicateId`] / [`Error::EmptyId`] for remote ids,
    /// [`Error::TooManyRecords`] past `u32::MAX - 1` records.
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
    ///     assert_eq!(view.local_ids().map(|id| id.as_str()).collect::<Vec<_>>(), ["K1"]);
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
        })
    }

    /// Decides every record of a batch and settles M9.
    fn decide_batch<R: MatchRecord + Sync>(
        &self,
        remotes: &[R],
        links: &ExistingLinks,
    ) -> Result<Batch> {
        if remotes.len() > MAX_RECORDS {
            return Err(Error::TooManyRecords {
                side: Side::Remote,
                count: remotes.len(),
                limit: MAX_RECORDS,
            });
        }
        let mut decided: Vec<Decided> = Vec::new();
        decided.resize_with(remotes.len(), Decided::default);
        let ids_ok = par::join(
            || {
                par::zip_chunks_mut(remotes, &mut decided, 1024, |recs, out| {
                    let mut s = Scratch {
                        cache_walks: true,
                        ..Scratch::default()
                    };
                    for (group, out) in recs.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
                        self.decide_group(group, links, &mut s, out);
                    }
                });
            },
            || check_remote_ids(remotes),
        )
        .1;
        ids_ok?;

        // M9: local contacts claimed as the full match of several remotes.
        let mut claims = vec![0u32; self.len];
        for d in &decided {
            if let Raw::Full(l) = d.raw {
                claims[l as usize] = claims[l as usize].saturating_add(1);
            }
        }
        let mut contested: HashMap<u32, Vec<ContactId>> = HashMap::new();
        for (i, d) in decided.iter().enumerate() {
            if let Raw::Full(l) = d.raw
                && claims[l as usize] > 1
            {
                contested
                    .entry(l)
                    .or_default()
                    .push(remotes[i].contact_id());
            }
        }
        for v in contested.values_mut() {
            v.sort();
        }
        Ok(Batch { decided, contested })
    }

    /// Decides a group of records in stages, so that the memory loads of
    /// different records overlap instead of waiting for each other: keys
    /// for all, then the table slots for all, then the candidates'
    /// metadata and text for all, then the per-record decisions.
    fn decide_group<R: MatchRecord>(
        &self,
        recs: &[R],
        links: &ExistingLinks,
        s: &mut Scratch,
        out: &mut [Decided],
    ) {
        s.buf.clear();
        s.prep.clear();
        // Touch each record's text first: for records spread over the heap
        // (`Contact`s) the loads of the whole group then overlap.
        touch_group(recs);
        for r in recs {
            let p = self.prepare(r, links, &mut s.buf);
            s.prep.push(p);
        }
        for p in &mut s.prep {
            if p.early.is_none() {
                let name = &s.buf[p.name.0..p.name.1];
                let email = &s.buf[p.email.0..p.email.1];
                if !name.is_empty() {
                    p.name_head = self
                        .by_name
                        .head(hash_bytes(name.as_bytes(), p.class as u64));
                }
                if !email.is_empty() {
                    p.email_head = self.by_email.head(hash_bytes(email.as_bytes(), 0));
                }
            }
        }
        let mut touched = 0u32;
        for p in &s.prep {
            for (head, span) in [(p.name_head, true), (p.email_head, false)] {
                if head != NIL {
                    let key = if span {
                        self.name_at(head)
                    } else {
                        self.email_at(head)
                    };
                    touched ^= u32::from(key.as_bytes().first().copied().unwrap_or(0));
                }
            }
        }
        std::hint::black_box(touched);
        for (k, (r, slot)) in recs.iter().zip(out).enumerate() {
            slot.raw = self.resolve(r.record_id(), k, links, s);
        }
    }

    /// Stage one: links, the record's keys appended to `buf`.
    fn prepare<R: MatchRecord + ?Sized>(
        &self,
        r: &R,
        links: &ExistingLinks,
        buf: &mut String,
    ) -> Prepared {
        let start = buf.len();
        let mut p = Prepared {
            early: None,
            name: (start, start),
            email: (start, start),
            class: NameClass::Any,
            name_head: NIL,
            email_head: NIL,
        };
        if !links.is_empty() {
            let id = r.record_id();
            if let Some(l) = links.local_of(id) {
                p.early = Some(Raw::AlreadyLinked(l.clone()));
                return p;
            }
            if let Some(l) = links.unsynced_local_of(id) {
                p.early = Some(Raw::Unsynced(l.clone()));
                return p;
            }
        }
        let rk = keys::remote_name(self.profile, r, buf);
        if let Some(reason) = rk.unmatchable {
            buf.truncate(start);
            p.early = Some(Raw::Unmatchable(reason));
            return p;
        }
        p.class = rk.class;
        p.name = (start, buf.len());
        keys::email(r, buf);
        p.email = (p.name.1, buf.len());
        p.name_head = NIL;
        p.email_head = NIL;
        p
    }

    /// The last stage: candidates verified, the raw decision made.
    fn resolve(&self, id: &str, k: usize, links: &ExistingLinks, s: &mut Scratch) -> Raw {
        if let Some(raw) = s.prep.get_mut(k).and_then(|p| p.early.take()) {
            return raw;
        }
        // The keys' text is lent out while the other buffers are in use.
        let buf = std::mem::take(&mut s.buf);
        let raw = self.resolve_keys(id, k, links, s, &buf);
        s.buf = buf;
        raw
    }

    fn resolve_keys(
        &self,
        id: &str,
        k: usize,
        links: &ExistingLinks,
        s: &mut Scratch,
        buf: &str,
    ) -> Raw {
        let Some(p) = s.prep.get(k) else {
            return Raw::NoMatch;
        };
        let name = &buf[p.name.0..p.name.1];
        let email = &buf[p.email.0..p.email.1];
        let class = p.class;

        let heads = (p.name_head, p.email_head);
        let cached = s
            .walks
            .get(&heads)
            .filter(|w| w.class == class && *w.name == *name && *w.email == *email)
            .map(|w| w.found.clone())
            .filter(|_| s.cache_walks);
        let found = match cached {
            Some(f) => f,
            None => {
                let (f, walked) = self.walk((name, email, class), heads, s);
                if s.cache_walks && walked > LONG_WALK {
                    s.walks.insert(
                        heads,
                        Walk {
                            name: name.into(),
                            email: email.into(),
                            class,
                            found: f.clone(),
                        },
                    );
                }
                f
            }
        };
        match found {
            Found::Nothing if name.is_empty() => Raw::Unmatchable(UnmatchableReason::NoName),
            Found::Nothing => match &self.near {
                Some(near) => {
                    let similar = near.query(
                        name,
                        class,
                        |j| (self.name_at(j), self.meta_at(j).class),
                        |j| self.id_at(j),
                        &mut s.near,
                    );
                    if similar.is_empty() {
                        Raw::NoMatch
                    } else {
                        Raw::Similar(similar)
                    }
                }
                None => Raw::NoMatch,
            },
            Found::One(one) => match links.remote_of(self.id_at(one).as_str()) {
                Some(other) if other.as_str() != id => Raw::LinkedElsewhere(one, other.clone()),
                _ => Raw::Full(one),
            },
            Found::Several(v, more) => Raw::Several(v, more),
            Found::Partial(c, more) => Raw::Partial(c, more),
        }
    }

    /// The contacts whose normalised name (of `class`) or email equals
    /// `key`, sorted by id: from the index's lists when the chain at `head`
    /// is long, else walked into `buf` (then `None`). Also gives the chain
    /// entries walked.
    fn chain_members(
        &self,
        names: bool,
        (key, class, head): (&str, NameClass, u32),
        buf: &mut Vec<u32>,
    ) -> (Option<&[u32]>, usize) {
        let long = if names {
            &self.long_names
        } else {
            &self.long_emails
        };
        if let Some(lists) = long.get(&head) {
            let members = lists
                .iter()
                .find(|l| *l.key == *key && (!names || l.class == class))
                .map_or(&[][..], |l| &l.members[..]);
            return (Some(members), 0);
        }
        buf.clear();
        let mut walked = 0usize;
        let mut q = head;
        while q != NIL {
            walked += 1;
            let m = self.meta_at(q);
            if names {
                if m.class == class && self.name_at(q) == key {
                    buf.push(q);
                }
                q = m.next_name;
            } else {
                if self.email_at(q) == key {
                    buf.push(q);
                }
                q = m.next_email;
            }
        }
        buf.sort_unstable_by(|a, b| self.id_at(*a).cmp(self.id_at(*b)));
        (None, walked)
    }

    /// The candidates of a record's name and email, capped. The full
    /// matches are found by scanning the shorter of the two lists and
    /// checking the other field of each, so many contacts sharing one
    /// email cost nothing per record beyond the listed candidates. Also
    /// gives the chain entries walked.
    fn walk(
        &self,
        (name, email, class): (&str, &str, NameClass),
        (name_head, email_head): (u32, u32),
        s: &mut Scratch,
    ) -> (Found, usize) {
        let (names, wn) = self.chain_members(true, (name, class, name_head), &mut s.names);
        let (emails, we) = self.chain_members(false, (email, class, email_head), &mut s.emails);
        let names: &[u32] = names.unwrap_or(&s.names);
        let emails: &[u32] = emails.unwrap_or(&s.emails);
        // The full-match scan below is as long as the shorter list.
        let walked = wn + we + names.len().min(emails.len());
        if names.is_empty() && emails.is_empty() {
            return (Found::Nothing, walked);
        }
        // Both lists are sorted by id, so the full matches come sorted.
        s.full.clear();
        let mut full_total = 0usize;
        let mut note = |j: u32| {
            full_total += 1;
            if s.full.len() < MAX_LISTED_CANDIDATES {
                s.full.push(j);
            }
        };
        if names.len() <= emails.len() {
            for &j in names.iter().filter(|&&j| self.email_at(j) == email) {
                note(j);
            }
        } else {
            for &j in emails
                .iter()
                .filter(|&&j| self.meta_at(j).class == class && self.name_at(j) == name)
            {
                note(j);
            }
        }
        let found = match (full_total, s.full.as_slice()) {
            (1, &[one]) => Found::One(one),
            (0, _) => {
                // Name and email matches are capped apart, so that the list
                // always shows which fields matched.
                let cap = |l: &[u32]| l.len().min(MAX_LISTED_CANDIDATES);
                let mut c: Vec<(u32, MatchedOn)> = names[..cap(names)]
                    .iter()
                    .map(|&j| (j, MatchedOn::Name))
                    .chain(emails[..cap(emails)].iter().map(|&j| (j, MatchedOn::Email)))
                    .collect();
                c.sort_unstable_by(|a, b| self.id_at(a.0).cmp(self.id_at(b.0)));
                let more = names.len() + emails.len() - c.len();
                Found::Partial(c, more)
            }
            (total, listed) => Found::Several(listed.to_vec(), total - listed.len()),
        };
        (found, walked)
    }

    /// Person or organisation for the result: the record's own kind or
    /// its profile's rule, else the linked local contact's kind, else the
    /// classifier (T1–T4).
    fn kind_for<R: MatchRecord + ?Sized>(&self, r: &R, raw: &Raw) -> Option<KindDecision> {
        match raw {
            Raw::AlreadyLinked(l) | Raw::Unsynced(l) => return self.linked_kind(l),
            Raw::Unmatchable(_) if self.profile == Profile::Qbo => return None,
            _ => {}
        }
        if let Some(k) = keys::remote_kind(self.profile, r) {
            return Some(k);
        }
        if let Raw::Full(j) | Raw::LinkedElsewhere(j, _) = raw
            && let Some(kind) = self.meta_at(*j).kind
        {
            return Some(KindDecision {
                kind,
                rule: KindRule::LinkedContact,
            });
        }
        let c = self.classifier.classify(&keys::classifier_input(r));
        Some(KindDecision {
            kind: c.kind,
            rule: KindRule::Classifier(c),
        })
    }

    fn linked_kind(&self, local: &ContactId) -> Option<KindDecision> {
        let j = self.position(local.as_str())?;
        self.meta_at(j).kind.map(|kind| KindDecision {
            kind,
            rule: KindRule::LinkedContact,
        })
    }

    fn cand(&self, j: u32, matched_on: MatchedOn) -> Candidate {
        Candidate {
            local_id: self.id_at(j).clone(),
            matched_on,
        }
    }

    fn finish<R: MatchRecord + ?Sized>(
        &self,
        remote: &R,
        d: &Decided,
        contested: &HashMap<u32, Vec<ContactId>>,
    ) -> MatchResult {
        let remote_id = remote.contact_id();
        // Partial and several candidates were sorted by id when decided.
        let outcome = match &d.raw {
            &Raw::Full(j) => match contested.get(&j) {
                Some(all) => {
                    // `all` is sorted: the count needs no walk of it.
                    let other_remote_ids: Vec<ContactId> = all
                        .iter()
                        .filter(|r| **r != remote_id)
                        .take(MAX_LISTED_CANDIDATES)
                        .cloned()
                        .collect();
                    let others = all.len() - usize::from(all.binary_search(&remote_id).is_ok());
                    let unlisted = others - other_remote_ids.len();
                    MatchOutcome::Ambiguous {
                        candidates: vec![self.cand(j, MatchedOn::NameAndEmail)],
                        cause: AmbiguityCause::Contested {
                            other_remote_ids,
                            unlisted,
                        },
                        unlisted: 0,
                    }
                }
                None => MatchOutcome::Full {
                    local_id: self.id_at(j).clone(),
                },
            },
            Raw::Partial(c, more) => MatchOutcome::Partial {
                candidates: c.iter().map(|&(j, m)| self.cand(j, m)).collect(),
                unlisted: *more,
            },
            Raw::Several(c, more) => MatchOutcome::Ambiguous {
                candidates: c
                    .iter()
                    .map(|&j| self.cand(j, MatchedOn::NameAndEmail))
                    .collect(),
                cause: AmbiguityCause::SeveralLocalContacts,
                unlisted: *more,
            },
            Raw::LinkedElsewhere(j, other) => MatchOutcome::Ambiguous {
                candidates: vec![self.cand(*j, MatchedOn::NameAndEmail)],
                cause: AmbiguityCause::LocalAlreadyLinked {
                    remote_id: other.clone(),
                },
                unlisted: 0,
            },
            Raw::NoMatch => MatchOutcome::NoMatch,
            Raw::Similar(v) => MatchOutcome::PossibleDuplicate {
                similar: v
                    .iter()
                    .map(|&(j, similarity)| SimilarContact {
                        local_id: self.id_at(j).clone(),
                        similarity_per_mille: per_mille(similarity),
                    })
                    .collect(),
            },
            &Raw::Unmatchable(reason) => MatchOutcome::Unmatchable { reason },
            Raw::AlreadyLinked(local_id) => MatchOutcome::AlreadyLinked {
                local_id: local_id.clone(),
            },
            Raw::Unsynced(local_id) => MatchOutcome::Unsynced {
                local_id: local_id.clone(),
            },
        };
        MatchResult {
            remote_id,
            profile: self.profile,
            outcome,
            kind: self.kind_for(remote, &d.raw),
        }
    }
}

/// A position as the u32 the tables use (counts are checked on build).
#[allow(clippy::cast_possible_truncation)]
const fn pos32(i: usize) -> u32 {
    i as u32
}

/// A similarity in 0–1 as thousandths, rounded down (0.9333 → 933).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped to 0–1000
fn per_mille(similarity: f64) -> u16 {
    (similarity.clamp(0.0, 1.0) * 1000.0).floor() as u16
}

fn slice(text: &str, s: Span) -> &str {
    text.get(s.start as usize..(s.start + s.len) as usize)
        .unwrap_or_default()
}

/// Every decision of a batch, one per remote record in input order (see
/// [`MatchIndex::classify_batch_views`]).
pub struct BatchViews<'a> {
    index: &'a MatchIndex,
    batch: Batch,
}

impl std::fmt::Debug for BatchViews<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchViews")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl BatchViews<'_> {
    /// Number of records decided.
    #[must_use]
    pub fn len(&self) -> usize {
        self.batch.decided.len()
    }

    /// Whether the batch was empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.batch.decided.is_empty()
    }

    /// The decision for the record at position `i`.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<MatchView<'_>> {
        self.batch.decided.get(i).map(|d| self.view(d))
    }

    /// Every decision, in input order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = MatchView<'_>> + '_ {
        self.batch.decided.iter().map(|d| self.view(d))
    }

    fn view<'v>(&'v self, decided: &'v Decided) -> MatchView<'v> {
        MatchView {
            index: self.index,
            decided,
            contested: &self.batch.contested,
        }
    }
}

/// A borrowed look at one decision of a batch (see
/// [`MatchIndex::classify_batch_view`]): everything [`MatchOutcome`] says
/// about classes, local ids and matched fields, without allocating.
#[derive(Clone, Copy)]
pub struct MatchView<'a> {
    index: &'a MatchIndex,
    decided: &'a Decided,
    contested: &'a HashMap<u32, Vec<ContactId>>,
}

impl std::fmt::Debug for MatchView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchView")
            .field("class", &self.class())
            .field("local_ids", &self.local_ids().collect::<Vec<_>>())
            .finish()
    }
}

impl<'a> MatchView<'a> {
    fn contested(&self) -> bool {
        matches!(self.decided.raw, Raw::Full(j) if self.contested.contains_key(&j))
    }

    /// The class of the decision, as [`MatchOutcome::class`].
    #[must_use]
    pub fn class(&self) -> MatchClass {
        match &self.decided.raw {
            Raw::Full(_) if self.contested() => MatchClass::Ambiguous,
            Raw::Full(_) => MatchClass::Full,
            Raw::Partial(..) => MatchClass::Partial,
            Raw::Several(..) | Raw::LinkedElsewhere(..) => MatchClass::Ambiguous,
            Raw::NoMatch => MatchClass::None,
            Raw::Similar(_) => MatchClass::PossibleDuplicate,
            Raw::Unmatchable(_) => MatchClass::Unmatchable,
            Raw::AlreadyLinked(_) => MatchClass::AlreadyLinked,
            Raw::Unsynced(_) => MatchClass::Unsynced,
        }
    }

    /// Which fields found a match, as [`MatchOutcome::matched_on`].
    #[must_use]
    pub fn matched_on(&self) -> Option<MatchedOn> {
        match &self.decided.raw {
            Raw::Full(_) | Raw::Several(..) | Raw::LinkedElsewhere(..) => {
                Some(MatchedOn::NameAndEmail)
            }
            Raw::Partial(c, _) => MatchedOn::from_flags(
                c.iter().any(|x| x.1 != MatchedOn::Email),
                c.iter().any(|x| x.1 != MatchedOn::Name),
            ),
            _ => None,
        }
    }

    /// How many more local contacts the decision concerns than
    /// [`local_ids`](Self::local_ids) lists (see
    /// [`MAX_LISTED_CANDIDATES`]), as the outcome's `unlisted`.
    #[must_use]
    pub fn unlisted(&self) -> usize {
        match &self.decided.raw {
            Raw::Partial(_, more) | Raw::Several(_, more) => *more,
            _ => 0,
        }
    }

    /// The local contacts the decision names, sorted by id, as
    /// [`MatchOutcome::local_ids`].
    #[must_use]
    pub fn local_ids(&self) -> LocalIds<'a> {
        let inner = match &self.decided.raw {
            &Raw::Full(j) | &Raw::LinkedElsewhere(j, _) => {
                LocalIdsInner::One(Some(self.index.id_at(j)))
            }
            Raw::AlreadyLinked(id) | Raw::Unsynced(id) => LocalIdsInner::One(Some(id)),
            Raw::Partial(c, _) => LocalIdsInner::Candidates(c.iter()),
            Raw::Several(v, _) => LocalIdsInner::Positions(v.iter()),
            Raw::Similar(v) => LocalIdsInner::Similar {
                list: v,
                last: None,
                left: v.len(),
            },
            Raw::NoMatch | Raw::Unmatchable(_) => LocalIdsInner::One(None),
        };
        LocalIds {
            index: self.index,
            inner,
        }
    }

    /// The full result for this decision; `remote` must be the record the
    /// view was handed out for.
    #[must_use]
    pub fn to_result<R: MatchRecord + ?Sized>(&self, remote: &R) -> MatchResult {
        self.index.finish(remote, self.decided, self.contested)
    }
}

/// The sorted local ids of a [`MatchView`].
pub struct LocalIds<'a> {
    index: &'a MatchIndex,
    inner: LocalIdsInner<'a>,
}

enum LocalIdsInner<'a> {
    One(Option<&'a ContactId>),
    Candidates(std::slice::Iter<'a, (u32, MatchedOn)>),
    Positions(std::slice::Iter<'a, u32>),
    /// Held by similarity; handed out by id, smallest first.
    Similar {
        list: &'a [(u32, f64)],
        last: Option<&'a ContactId>,
        left: usize,
    },
}

impl<'a> Iterator for LocalIds<'a> {
    type Item = &'a ContactId;

    fn next(&mut self) -> Option<&'a ContactId> {
        let index = self.index;
        match &mut self.inner {
            LocalIdsInner::One(one) => one.take(),
            LocalIdsInner::Candidates(it) => it.next().map(|&(j, _)| index.id_at(j)),
            LocalIdsInner::Positions(it) => it.next().map(|&j| index.id_at(j)),
            LocalIdsInner::Similar { list, last, left } => {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                let next = list
                    .iter()
                    .map(|&(j, _)| index.id_at(j))
                    .filter(|id| last.is_none_or(|l| *id > l))
                    .min();
                *last = next;
                next
            }
        }
    }
}

/// Reads the first byte of each record's name, email and id, so that for
/// records spread over the heap (`Contact`s) the memory loads of a whole
/// group are in flight together before the per-record work needs them.
fn touch_group<R: MatchRecord>(recs: &[R]) {
    let mut touched = 0u8;
    for r in recs {
        for field in [r.display_name(), r.match_email(), Some(r.record_id())] {
            touched ^= field
                .and_then(|f| f.as_bytes().first().copied())
                .unwrap_or(0);
        }
    }
    std::hint::black_box(touched);
}

thread_local! {
    /// Buffers for single lookups, so that `classify` allocates only what
    /// its result holds.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Remote ids must be non-empty and unique within a batch. The ids'
/// hashes are sorted (in parallel where possible) and only equal hashes
/// compared; the duplicate reported is the one that comes first in the
/// input, whatever the thread count.
fn check_remote_ids<R: MatchRecord + Sync>(remotes: &[R]) -> Result<()> {
    if let Some(i) = remotes.iter().position(|r| r.record_id().is_empty()) {
        return Err(Error::EmptyId {
            side: Side::Remote,
            position: i,
        });
    }
    let mut keyed: Vec<(u64, u32)> = remotes
        .iter()
        .enumerate()
        .map(|(i, r)| (hash_bytes(r.record_id().as_bytes(), 0), pos32(i)))
        .collect();
    par::sort_unstable(&mut keyed);
    let mut first_dup: Option<usize> = None;
    // Within a run of equal hashes, sorted by (id, position): the second
    // position of each repeated id is where it repeats first. Sorting keeps
    // this linear-logarithmic even when every record has the same id.
    for run in keyed.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        let mut by_id: Vec<(&str, usize)> = run
            .iter()
            .map(|&(_, i)| (remotes[i as usize].record_id(), i as usize))
            .collect();
        by_id.sort_unstable();
        for pair in by_id.windows(2) {
            if let [(a, _), (b, later)] = pair
                && a == b
            {
                first_dup = Some(first_dup.map_or(*later, |f| f.min(*later)));
            }
        }
    }
    match first_dup {
        Some(i) => Err(Error::DuplicateId {
            side: Side::Remote,
            id: remotes[i].record_id().to_owned(),
        }),
        None => Ok(()),
    }
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
        // One result per remote record is kept in memory for a whole batch.
        assert!(
            std::mem::size_of::<MatchResult>() <= 128,
            "{}",
            std::mem::size_of::<MatchResult>()
        );
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

    #[test]
    fn m10_existing_links_keep_one_partner_per_side() {
        let mut links = ExistingLinks::new();
        assert!(links.is_empty());
        links.link("K1", "R1");
        links.link("K1", "R2"); // K1 moves to R2: R1 is free again (M9)
        assert_eq!(links.local_of("R1"), None);
        assert_eq!(links.local_of("R2").map(ContactId::as_str), Some("K1"));
        assert_eq!(links.remote_of("K1").map(ContactId::as_str), Some("R2"));
        links.link("K2", "R2"); // R2 moves to K2: K1 is free again
        assert_eq!(links.remote_of("K1"), None);
        assert_eq!(links.remote_of("K2").map(ContactId::as_str), Some("R2"));
        links.unsync("K2", "R2"); // the link is broken, the pair remembered
        assert_eq!(links.local_of("R2"), None);
        assert_eq!(
            links.unsynced_local_of("R2").map(ContactId::as_str),
            Some("K2")
        );
        links.link("K2", "R2"); // re-matched
        assert_eq!(links.unsynced_local_of("R2"), None);
        assert_eq!(links.local_of("R2").map(ContactId::as_str), Some("K2"));
        #[cfg(feature = "serde")]
        {
            links.unsync("K9", "R9");
            let json = serde_json::to_string(&links).unwrap();
            let back: ExistingLinks = serde_json::from_str(&json).unwrap();
            assert_eq!(back, links);
        }
    }
}
