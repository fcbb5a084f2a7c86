//! Deciding remote records against the index, a group at a time: each
//! record's keys, the table lookups, the candidate walks, and the raw
//! decision (full, partial, several, none, similar, unmatchable, linked).

use std::collections::HashMap;

use crate::matching::MatchRecord;
use crate::matching::hash::{LONG_CHAIN, NIL, hash_bytes};
use crate::matching::keys::{self, NameClass};
use crate::matching::outcome::MatchedOn;
use crate::model::ContactId;
use crate::rules::qbo::UnmatchableReason;

use super::{ExistingLinks, MAX_LISTED_CANDIDATES, MatchIndex};

/// A record between the stages of [`MatchIndex::decide_group`].
struct Prepared {
    /// Decided without a lookup (linked, unsynced, unmatchable).
    early: Option<Raw>,
    /// Byte ranges of the name and email keys in the scratch buffer.
    name: (usize, usize),
    email: (usize, usize),
    class: NameClass,
    name_hash: u64,
    email_hash: u64,
    name_head: u32,
    email_head: u32,
}

/// Records decided together by [`MatchIndex::decide_group`].
pub(super) const GROUP: usize = 16;

/// Per-worker buffers reused across lookups.
#[derive(Default)]
pub(super) struct Scratch {
    prep: Vec<Prepared>,
    buf: String,
    names: Vec<u32>,
    emails: Vec<u32>,
    full: Vec<u32>,
    near: crate::matching::near::NearScratch,
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

/// An email's list at most this long is scanned for full matches before
/// the name's list is walked (see `MatchIndex::walk`).
const SHORT_LIST: usize = 8;

/// Chain walks longer than this are remembered (see [`Scratch::walks`]);
/// chains longer than this are kept sorted in the index.
const LONG_WALK: usize = LONG_CHAIN;

/// A decision before ids are attached and contests (M9) are settled.
/// 24 bytes (one is kept per record of a batch): lists boxed, counts of
/// unlisted candidates as u32 (saturating; see [`unlisted`]).
pub(super) enum Raw {
    /// The local contact, and its id when short (see [`ShortId`]).
    Full(u32, ShortId),
    /// Candidates listed (smallest ids first, at most
    /// [`MAX_LISTED_CANDIDATES`]) and how many more there are.
    Partial(Box<[(u32, MatchedOn)]>, u32),
    Several(Box<[u32]>, u32),
    LinkedElsewhere(u32, ContactId),
    NoMatch,
    Similar(Box<[(u32, u16)]>),
    Unmatchable(UnmatchableReason),
    AlreadyLinked(ContactId),
    Unsynced(ContactId),
}

/// Bytes of a local id kept beside a full match.
const SHORT_ID: usize = 15;

/// A full match's local id, copied while the decision is made (the
/// contact's keys, beside its id in the index, were just compared, so the
/// id is in cache): a bulk reader of the decisions (formatting a million
/// rows) then finds most ids in the decisions it reads in order, instead
/// of loading each from the index again. Empty for a longer id, which is
/// read from the index.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ShortId {
    len: u8,
    bytes: [u8; SHORT_ID],
}

impl ShortId {
    /// `id`, if short enough.
    pub(super) fn of(id: &str) -> Self {
        let mut short = Self::default();
        if let (Some(to), Ok(len)) = (short.bytes.get_mut(..id.len()), u8::try_from(id.len())) {
            to.copy_from_slice(id.as_bytes());
            short.len = len;
        }
        short
    }

    /// The id, if it was short enough (and not empty) to be kept.
    pub(super) fn get(&self) -> Option<&str> {
        let bytes = self.bytes.get(..usize::from(self.len))?;
        if bytes.is_empty() {
            return None;
        }
        std::str::from_utf8(bytes).ok()
    }
}

/// A count of unlisted candidates as kept in a [`Raw`]: at most twice the
/// local contacts (names and emails), so only past two billion contacts
/// sharing a key does it saturate.
fn unlisted(more: usize) -> u32 {
    u32::try_from(more).unwrap_or(u32::MAX)
}

pub(super) struct Decided {
    pub(super) raw: Raw,
}

impl Default for Decided {
    fn default() -> Self {
        Self { raw: Raw::NoMatch }
    }
}

impl Scratch {
    /// Buffers for one worker of a batch: long walks are remembered.
    pub(super) fn for_batch() -> Self {
        Self {
            cache_walks: true,
            ..Self::default()
        }
    }
}

impl MatchIndex {
    /// Decides a group of records in stages, so that the memory loads of
    /// different records overlap instead of waiting for each other: keys
    /// for all, then the table slots for all, then the candidates'
    /// metadata and text for all, then the per-record decisions.
    pub(super) fn decide_group<R: MatchRecord>(
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
            let name = s.buf.as_bytes().get(p.name.0..p.name.1).unwrap_or_default();
            let email = s
                .buf
                .as_bytes()
                .get(p.email.0..p.email.1)
                .unwrap_or_default();
            p.name_hash = hash_bytes(name, p.class as u64);
            p.email_hash = hash_bytes(email, 0);
        }
        // The table slots of the whole group loaded at once: nothing below
        // branches on what they hold, so the loads overlap instead of each
        // waiting for the last (a probe that goes on to the next slot
        // is a branch the processor cannot predict).
        let mut touched = 0u32;
        for p in &s.prep {
            touched ^= self.by_name.touch(p.name_hash) ^ self.by_email.touch(p.email_hash);
        }
        std::hint::black_box(touched);
        for p in &mut s.prep {
            if p.early.is_none() {
                if p.name.1 > p.name.0 {
                    p.name_head = self.by_name.head(p.name_hash);
                }
                if p.email.1 > p.email.0 {
                    p.email_head = self.by_email.head(p.email_hash);
                }
            }
        }
        // Then the heads' metadata and key text, the same way.
        let mut touched = 0u8;
        for p in &s.prep {
            touched ^= self.touch_local(p.name_head, true) ^ self.touch_local(p.email_head, false);
        }
        std::hint::black_box(touched);
        for (k, (r, slot)) in recs.iter().zip(out).enumerate() {
            slot.raw = self.resolve(r.record_id(), k, links, s);
        }
    }

    /// Reads the metadata of local position `q` and the first byte of its
    /// name (or email) key, if `q` is one (0 otherwise): no branch on what
    /// is read.
    #[inline]
    fn touch_local(&self, q: u32, name: bool) -> u8 {
        let c = self.chunks.get((q >> super::CHUNK_BITS) as usize);
        let m = c.and_then(|c| c.meta.get((q & super::CHUNK_MASK) as usize));
        match (c, m) {
            (Some(c), Some(m)) => {
                let span = if name { m.name } else { m.email };
                c.text
                    .as_bytes()
                    .get(span.start as usize)
                    .copied()
                    .unwrap_or(0)
            }
            _ => 0,
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
            name_hash: 0,
            email_hash: 0,
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
                    let similar = near.query(name, class, |j| self.id_at(j), &mut s.near);
                    if similar.is_empty() {
                        Raw::NoMatch
                    } else {
                        Raw::Similar(similar.into_boxed_slice())
                    }
                }
                None => Raw::NoMatch,
            },
            Found::One(one) => match links.remote_of(self.id_at(one)) {
                Some(other) if other.as_str() != id => Raw::LinkedElsewhere(one, other.clone()),
                _ => Raw::Full(one, ShortId::of(self.id_at(one))),
            },
            Found::Several(v, more) => Raw::Several(v.into_boxed_slice(), unlisted(more)),
            Found::Partial(c, more) => Raw::Partial(c.into_boxed_slice(), unlisted(more)),
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
    /// email cost nothing per record beyond the listed candidates. The
    /// email's list is found first: when it is short (few contacts share
    /// an email, while many people share a name) and holds a full match,
    /// the name's list is never walked, as only partial matches need it.
    /// Also gives the chain entries walked.
    fn walk(
        &self,
        (name, email, class): (&str, &str, NameClass),
        (name_head, email_head): (u32, u32),
        s: &mut Scratch,
    ) -> (Found, usize) {
        let (emails, we) = self.chain_members(false, (email, class, email_head), &mut s.emails);
        let emails: &[u32] = emails.unwrap_or(&s.emails);
        let mut names = None;
        let mut wn = 0;
        if emails.len() > SHORT_LIST {
            let (n, w) = self.chain_members(true, (name, class, name_head), &mut s.names);
            names = Some(n.unwrap_or(&s.names));
            wn = w;
        }
        // Both lists are sorted by id, so the full matches come sorted. A
        // contact is in the name's list exactly when its name key and
        // class are the record's (a contact without a name key is in no
        // list).
        s.full.clear();
        let mut full_total = 0usize;
        let mut note = |j: u32| {
            full_total += 1;
            if s.full.len() < MAX_LISTED_CANDIDATES {
                s.full.push(j);
            }
        };
        let scanned = match names {
            Some(names) if names.len() <= emails.len() => {
                for &j in names.iter().filter(|&&j| self.email_at(j) == email) {
                    note(j);
                }
                names.len()
            }
            _ => {
                if !name.is_empty() {
                    for &j in emails
                        .iter()
                        .filter(|&&j| self.meta_at(j).class == class && self.name_at(j) == name)
                    {
                        note(j);
                    }
                }
                emails.len()
            }
        };
        match (full_total, s.full.as_slice()) {
            (0, _) => {}
            (1, &[one]) => return (Found::One(one), wn + we + scanned),
            (total, listed) => {
                return (
                    Found::Several(listed.to_vec(), total - listed.len()),
                    wn + we + scanned,
                );
            }
        }
        let names: &[u32] = match names {
            Some(n) => n,
            None => {
                let (n, w) = self.chain_members(true, (name, class, name_head), &mut s.names);
                wn = w;
                n.unwrap_or(&s.names)
            }
        };
        let walked = wn + we + scanned;
        if names.is_empty() && emails.is_empty() {
            return (Found::Nothing, walked);
        }
        // Name and email matches are capped apart, so that the list always
        // shows which fields matched.
        let cap = |l: &[u32]| l.len().min(MAX_LISTED_CANDIDATES);
        let mut c: Vec<(u32, MatchedOn)> = names[..cap(names)]
            .iter()
            .map(|&j| (j, MatchedOn::Name))
            .chain(emails[..cap(emails)].iter().map(|&j| (j, MatchedOn::Email)))
            .collect();
        c.sort_unstable_by(|a, b| self.id_at(a.0).cmp(self.id_at(b.0)));
        let more = names.len() + emails.len() - c.len();
        (Found::Partial(c, more), walked)
    }
}

/// Reads the first byte of each record's name, email and id, so that for
/// records spread over the heap (`Contact`s) the memory loads of a whole
/// group are in flight together before the per-record work needs them.
pub(super) fn touch_group<R: MatchRecord>(recs: &[R]) {
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
    pub(super) static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}
