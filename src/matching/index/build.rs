//! Building a [`MatchIndex`]: every local contact normalised once (N1–N4),
//! chunk by chunk on all cores, then the name, email and id tables and the
//! sorted lists of long chains.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::error::{Error, Result, Side};
use crate::matching::hash::{NIL, Table, hash_bytes};
use crate::matching::keys;
use crate::matching::near::{NearDuplicateConfig, NearDuplicates};
use crate::matching::{MatchRecord, par};
use crate::rules::{Classifier, NameClassifier, Profile};

use super::batch::{first_duplicate, later_duplicates};
use super::decide::{GROUP, touch_group};
use super::{CHUNK, CHUNK_BITS, Chunk, KeyList, MAX_RECORDS, MatchIndex, Meta, Span, pos32};

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
            classifier: Arc::new(NameClassifier::new()),
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
        MatchIndex::build(self, locals, true)
    }

    /// The first half of a build, for contacts that may repeat ids: the
    /// keys of the `n` contacts read through `record` (and their ids
    /// through `id`, which must agree), normalised, and the contacts left
    /// out. Every contact whose id an earlier one has is left out; the
    /// repeats are looked for before anything is normalised, so the
    /// contacts are normalised once. Returns, for each contact left out,
    /// its position and that of the first contact with its id, in input
    /// order. No slice of the contacts is needed (each chunk's are made as
    /// it is normalised), and nothing of them is held by the result: a
    /// caller can free them before [`MatchIndexBuilder::assemble`] builds
    /// the tables.
    pub(crate) fn normalise_dropping_duplicates<'s, R: MatchRecord + Sync>(
        &self,
        n: usize,
        record: impl Fn(usize) -> R + Sync,
        id: impl Fn(usize) -> &'s str + Sync,
    ) -> Result<(Normalised, Vec<(usize, usize)>)> {
        if n > MAX_RECORDS || (0..n).any(|i| id(i).is_empty()) {
            // Refused as a plain build refuses it.
            return MatchIndex::normalise_each(self, n, record, true)
                .map(|keys| (keys, Vec::new()));
        }
        let dups = later_duplicates(n, &id);
        if dups.is_empty() {
            return MatchIndex::normalise_each(self, n, record, false).map(|keys| (keys, dups));
        }
        let mut dropped = dups.iter().map(|d| d.0).peekable();
        let kept: Vec<usize> = (0..n).filter(|i| dropped.next_if_eq(i).is_none()).collect();
        let kept_record = |k: usize| record(kept.get(k).copied().unwrap_or(n));
        MatchIndex::normalise_each(self, kept.len(), kept_record, false).map(|keys| (keys, dups))
    }

    /// The second half of a build: the index over keys normalised by
    /// [`MatchIndexBuilder::normalise_dropping_duplicates`].
    pub(crate) fn assemble(self, keys: Normalised) -> Result<MatchIndex> {
        MatchIndex::assemble(self, keys)
    }
}

/// Local contacts' keys and ids, normalised chunk by chunk: an index
/// before its tables are built.
pub(crate) struct Normalised {
    built: Vec<ChunkBuild>,
    n: usize,
    /// Whether repeated ids are still to be looked for.
    check_ids: bool,
}

/// A chunk while building, with the key hashes the tables are built from.
struct ChunkBuild {
    chunk: Chunk,
    name_hashes: Vec<u64>,
    email_hashes: Vec<u64>,
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

/// One chunk of records normalised: keys, ids and hashes.
fn normalise_chunk<R: MatchRecord>(profile: Profile, recs: &[R]) -> ChunkBuild {
    let mut c = ChunkBuild {
        chunk: Chunk {
            text: String::with_capacity(recs.len() * 80),
            meta: Vec::with_capacity(recs.len()),
        },
        name_hashes: Vec::with_capacity(recs.len()),
        email_hashes: Vec::with_capacity(recs.len()),
    };
    let text = &mut c.chunk.text;
    for (k, r) in recs.iter().enumerate() {
        if k % GROUP == 0 {
            touch_group(recs.get(k..recs.len().min(k + GROUP)).unwrap_or_default());
        }
        let s = text.len();
        let class = keys::local_name(profile, r, text);
        let name = span(s, text.len());
        c.name_hashes.push(hash_bytes(
            text.as_bytes().get(s..).unwrap_or_default(),
            class as u64,
        ));
        let s = text.len();
        keys::email(r, text);
        let email = span(s, text.len());
        c.email_hashes
            .push(hash_bytes(text.as_bytes().get(s..).unwrap_or_default(), 0));
        let s = text.len();
        text.push_str(r.record_id());
        let id = span(s, text.len());
        c.chunk.meta.push(Meta {
            name,
            email,
            id,
            next_name: NIL,
            next_email: NIL,
            class,
            kind: r.kind(),
        });
    }
    c.chunk.text.shrink_to_fit();
    c
}

impl MatchIndex {
    /// `check_ids`: whether repeated ids are looked for (callers that
    /// dropped them already skip it).
    fn build<R: MatchRecord + Sync>(
        b: MatchIndexBuilder,
        locals: &[R],
        check_ids: bool,
    ) -> Result<Self> {
        let keys = Self::normalise(&b, locals, check_ids)?;
        Self::assemble(b, keys)
    }

    /// The first half of a build: every record's keys and id, in chunks.
    fn normalise<R: MatchRecord + Sync>(
        b: &MatchIndexBuilder,
        locals: &[R],
        check_ids: bool,
    ) -> Result<Normalised> {
        Self::check_build(b, locals.len())?;
        let profile = b.profile;
        let built = par::map_chunks(locals, CHUNK, |recs| normalise_chunk(profile, recs));
        Self::normalised(built, locals.len(), check_ids)
    }

    /// [`MatchIndex::normalise`] of `n` records read through `record`
    /// (no slice of them all is made: each chunk's are made as it is
    /// normalised).
    fn normalise_each<R: MatchRecord + Sync>(
        b: &MatchIndexBuilder,
        n: usize,
        record: impl Fn(usize) -> R + Sync,
        check_ids: bool,
    ) -> Result<Normalised> {
        Self::check_build(b, n)?;
        let profile = b.profile;
        let starts: Vec<usize> = (0..n).step_by(CHUNK).collect();
        let built = par::map_chunks(&starts, 1, |start| {
            let lo = start.first().copied().unwrap_or(n);
            let recs: Vec<R> = (lo..n.min(lo + CHUNK)).map(&record).collect();
            normalise_chunk(profile, &recs)
        });
        Self::normalised(built, n, check_ids)
    }

    /// What is refused before anything is normalised.
    fn check_build(b: &MatchIndexBuilder, n: usize) -> Result<()> {
        if n > MAX_RECORDS {
            return Err(Error::TooManyRecords {
                side: Side::Local,
                count: n,
                limit: MAX_RECORDS,
            });
        }
        if let Some(cfg) = &b.near {
            cfg.validate()?;
        }
        Ok(())
    }

    /// The chunks checked.
    fn normalised(built: Vec<ChunkBuild>, n: usize, check_ids: bool) -> Result<Normalised> {
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
            .flat_map(|b| &b.chunk.meta)
            .position(|m| m.id.is_empty())
        {
            return Err(Error::EmptyId {
                side: Side::Local,
                position: pos,
            });
        }
        Ok(Normalised {
            built,
            n,
            check_ids,
        })
    }

    /// The second half of a build: the tables over the normalised keys.
    fn assemble(b: MatchIndexBuilder, keys: Normalised) -> Result<Self> {
        let Normalised {
            built,
            n,
            check_ids,
        } = keys;
        let profile = b.profile;
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
        let id_of = |i: usize| {
            built.get(i >> CHUNK_BITS).map_or("", |b| {
                let c = &b.chunk;
                c.meta
                    .get(i & (CHUNK - 1))
                    .map_or("", |m| super::slice(&c.text, m.id))
            })
        };
        // Ids are checked by sorting their hashes (no table is kept for
        // them: `position` builds one on first use).
        let ((name_table, email_table), duplicate) = par::join(
            || {
                par::join(
                    || table_of(|b| &b.name_hashes, |m| !m.name.is_empty(), true),
                    || table_of(|b| &b.email_hashes, |m| !m.email.is_empty(), true),
                )
            },
            || check_ids.then(|| first_duplicate(n, id_of)).flatten(),
        );
        if let Some(i) = duplicate {
            return Err(Error::DuplicateId {
                side: Side::Local,
                id: id_of(i).to_owned(),
            });
        }
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
            by_id: OnceLock::new(),
            near: None,
            long_names: HashMap::new(),
            long_emails: HashMap::new(),
        };
        index.long_names = index.long_lists(true);
        index.long_emails = index.long_lists(false);
        if let Some(cfg) = b.near {
            let names = (0..n).map(|i| {
                let p = pos32(i);
                (index.name_at(p), index.meta_at(p).class)
            });
            index.near = Some(NearDuplicates::build(cfg, names));
        }
        Ok(index)
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
}
