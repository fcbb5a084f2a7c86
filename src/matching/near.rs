//! The near-duplicate guard (M11): for a record that matched nothing,
//! local contacts whose names are the same name written differently, found
//! through blocking keys so the work stays proportional to the block sizes,
//! never to local × remote.
//!
//! Names are compared word by word, not as one string. Each name is folded
//! (diacritics dropped, apostrophes removed, other punctuation a word break,
//! legal forms such as `Ltd`, `Limited`, `Pty`, `LLC`, `Inc`, `Co` and the
//! words `the`, `and`, `of`, titles left out). Two names are similar when
//! their letters are the same once word breaks are removed (`O'Brien` /
//! `O Brien`), or when every word of one pairs with a word of the other:
//! equal, in any order (`Smith, John`), as an initial (`J. Smith`, one at
//! most, every other word then equal), or mistyped (one edit in a word of
//! four to seven letters, two from eight; two edits at most in all; the
//! first letter kept), with at most one middle initial left over. A
//! different word (`Sons` / `Brothers`, `Plumbing` / `Roofing`, `Mary` /
//! `John`) is never similar. The similarity reported is 1000 thousandths
//! less 40 per edit, 50 for an initial, 30 for a dropped middle initial and
//! 20 for reordered words; [`NearDuplicateConfig::threshold`] is compared
//! with it.
//!
//! Measured with `cargo run --release --example near_eval` (the labelled
//! set of `ledgerlink_synth::near_pairs`, 1,000 pairs in each of ten
//! categories, among 20,000 synthetic local contacts; Xero profile), at the
//! default settings: precision 96.3% and recall 94.6% (typos 68%, swapped
//! names, initials, accents, legal forms and punctuation 100% or nearly;
//! Jaro-Winkler at 0.92 before: 65.4% and 40.1%). Against 1,000,000 local
//! contacts the synthetic name space is dense (a third of the new people
//! have a namesake one letter apart), so flags on new records rise with the
//! size of the local side; see the CHANGELOG for those figures and timings.

use crate::error::{Error, Result};

use super::hash::hash_bytes;
use super::keys::NameClass;
use super::par;

mod blocks;
mod compare;

use blocks::Blocks;
use compare::score;

/// Names are compared on their first this many characters (after
/// normalisation). Comparing names costs more the longer they are (Jaro-
/// Winkler, used before, the product of the two lengths), so an unbounded
/// name (a 20,000-character "name" in a corrupt listing) would
/// stall a whole batch. Real names are far shorter; two names that agree
/// on their first 128 characters (Xero allows 255, QBO display names 500)
/// are reported as very similar, which for a guard that only asks a person
/// to look is the right side to err on.
pub const NEAR_DUPLICATE_COMPARED_CHARS: usize = 128;

/// Settings of the near-duplicate guard.
///
/// The work per record is bounded: at most eight blocking keys, blocks of
/// at most [`max_block`](Self::max_block) contacts, and names compared on
/// their first [`NEAR_DUPLICATE_COMPARED_CHARS`] characters.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct NearDuplicateConfig {
    /// Similarity (0–1) at or above which a local name counts as the same
    /// name written differently. Names are compared word by word: 1.0 when
    /// only accents, punctuation, case and legal forms (`Ltd` / `Limited`)
    /// differ, less 0.04 per typing error, 0.05 for an initial (`J.` /
    /// `John`), 0.03 for a dropped middle initial, 0.02 for words in
    /// another order; a different word is never similar. Default 0.92: up
    /// to two typing errors; 0.94 allows one, or an initial.
    pub threshold: f64,
    /// Blocks holding more local contacts than this are skipped (a very
    /// common first word says little); bounds the work per record.
    /// Default 256.
    pub max_block: usize,
    /// At most this many similar contacts are reported. Default 5.
    pub max_similar: usize,
}

impl Default for NearDuplicateConfig {
    fn default() -> Self {
        Self {
            threshold: 0.92,
            max_block: 256,
            max_similar: 5,
        }
    }
}

impl NearDuplicateConfig {
    /// The threshold in thousandths, rounded up (a score must reach it).
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // validated: (0, 1]
    fn threshold_per_mille(&self) -> u16 {
        (self.threshold.clamp(0.0, 1.0) * 1000.0 - 1e-9).ceil() as u16
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(Error::InvalidConfig {
                field: "near_duplicates.threshold",
                reason: format!("{} is not in (0, 1]", self.threshold),
            });
        }
        if self.max_block == 0 || self.max_similar == 0 {
            return Err(Error::InvalidConfig {
                field: "near_duplicates",
                reason: "max_block and max_similar must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// Most words of a name that are compared (and keyed); the rest are
/// ignored. Bounds the work per pair.
const MAX_WORDS: usize = 8;

/// Most bytes of a name's folded words (words past it are ignored).
const MAX_TEXT_BYTES: usize = 255;

/// A name's folded words, separated by single spaces in `text`, word `i`
/// ending at byte `ends[i]`.
#[derive(Clone, Copy)]
struct Words<'a> {
    text: &'a str,
    ends: [u8; MAX_WORDS],
    n: usize,
}

impl<'a> Words<'a> {
    /// The words of `text` (folded words separated by single spaces, at
    /// most [`MAX_WORDS`] of them, at most [`MAX_TEXT_BYTES`]).
    fn of(text: &'a str) -> Self {
        let mut w = Self {
            text,
            ends: [0; MAX_WORDS],
            n: 0,
        };
        for (i, b) in text.bytes().enumerate().chain([(text.len(), b' ')]) {
            if b == b' ' && w.n < MAX_WORDS {
                // At most MAX_TEXT_BYTES.
                #[allow(clippy::cast_possible_truncation)]
                {
                    w.ends[w.n] = i as u8;
                }
                w.n += 1;
            }
        }
        if text.is_empty() {
            w.n = 0;
        }
        w
    }

    const fn n(&self) -> usize {
        self.n
    }

    fn word(&self, i: usize) -> &'a str {
        let start = match i.checked_sub(1) {
            Some(p) => self.ends.get(p).map_or(0, |&e| e as usize + 1),
            None => 0,
        };
        let end = self.ends.get(i).map_or(0, |&e| e as usize);
        self.text.get(start..end).unwrap_or("")
    }

    /// Whether the names are equal once the word breaks are removed.
    fn same_letters(&self, other: &Self) -> bool {
        self.text == other.text
            || self
                .text
                .bytes()
                .filter(|&b| b != b' ')
                .eq(other.text.bytes().filter(|&b| b != b' '))
    }
}

/// Legal forms: they say nothing about which organisation is meant and are
/// the words most often written differently (`Ltd` / `Limited`, `Pty Ltd`
/// / `Ltd`, dropped). Words with a meaning of their own (`Holdings`,
/// `Trust`, `Group`, `Sons`, `Brothers`, trades) are kept.
const LEGAL_FORMS: &[&str] = &[
    "ab",
    "ag",
    "bhd",
    "bv",
    "co",
    "company",
    "corp",
    "corporation",
    "gmbh",
    "inc",
    "incorporated",
    "kg",
    "limited",
    "llc",
    "llp",
    "lp",
    "ltd",
    "nv",
    "oy",
    "pc",
    "plc",
    "pllc",
    "pte",
    "pty",
    "sa",
    "sarl",
    "sas",
    "sdn",
    "spa",
    "srl",
];

/// Words other than legal forms that say nothing about which contact is
/// meant.
const OTHER_STOP_WORDS: &[&str] = &["and", "dr", "miss", "mr", "mrs", "ms", "of", "the"];

/// For each length in bytes, the first letters of the stop words of that
/// length (bit 0 for `a`): most words are told apart from every stop word
/// by these alone.
const STOP_FIRST_LETTERS: [u32; MAX_LEGAL_FORM + 1] = {
    let mut out = [0u32; MAX_LEGAL_FORM + 1];
    let mut list = 0;
    while list < 2 {
        let words = if list == 0 {
            LEGAL_FORMS
        } else {
            OTHER_STOP_WORDS
        };
        let mut i = 0;
        while i < words.len() {
            let w = words[i].as_bytes();
            out[w.len()] |= 1 << (w[0] - b'a');
            i += 1;
        }
        list += 1;
    }
    out
};

/// Words that say nothing about which contact is meant.
fn is_stop(t: &str) -> bool {
    let first_letters = STOP_FIRST_LETTERS.get(t.len()).copied().unwrap_or(0);
    match t.as_bytes().first() {
        Some(&c @ b'a'..=b'z') if first_letters & (1 << (c - b'a')) != 0 => {}
        _ => return false,
    }
    OTHER_STOP_WORDS.binary_search(&t).is_ok() || LEGAL_FORMS.binary_search(&t).is_ok()
}

/// The parts of `s` between single spaces (as `s.split(' ')`), found by
/// a plain byte loop: cheaper than the general splitter on names of a few
/// short words.
fn split_spaces(s: &str) -> impl Iterator<Item = &str> {
    let mut start = Some(0);
    std::iter::from_fn(move || {
        let from = start?;
        let rest = s.as_bytes().get(from..).unwrap_or_default();
        match rest.iter().position(|&b| b == b' ') {
            Some(i) => {
                start = Some(from + i + 1);
                s.get(from..from + i)
            }
            None => {
                start = None;
                s.get(from..)
            }
        }
    })
}

fn prefix(t: &str, chars: usize) -> &str {
    if t.len() <= chars {
        // No more characters than bytes.
        return t;
    }
    match t.char_indices().nth(chars) {
        Some((i, _)) => &t[..i],
        None => t,
    }
}

/// Appends `c` without diacritics (`é` → `e`, `ø` → `o`, `æ` → `ae`).
fn push_folded(c: char, out: &mut String) {
    match c {
        'ø' => out.push('o'),
        'ł' => out.push('l'),
        'đ' | 'ð' => out.push('d'),
        'ı' => out.push('i'),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'þ' => out.push_str("th"),
        _ => unicode_normalization::char::decompose_canonical(c, |d| {
            if !unicode_normalization::char::is_combining_mark(d) {
                out.push(d);
            }
        }),
    }
}

/// A name as the guard compares it: its significant words, folded
/// (diacritics dropped, apostrophes removed, other punctuation a word
/// break), stop words and legal forms left out (all of them kept when
/// nothing else is left), at most [`MAX_WORDS`] words. The words are stored
/// back to back in `text`, so `text` is also the name with its word breaks
/// removed (`O Brien` = `O'Brien` = `OBrien`).
#[derive(Debug, Default)]
pub(crate) struct Canon {
    /// The words, separated by single spaces.
    text: String,
    n: usize,
    /// Scratch for the words before stop words are dropped.
    raw: String,
    /// Scratch for a blocking key.
    key: String,
}

impl Canon {
    /// Reads normalised `name` (see [`NEAR_DUPLICATE_COMPARED_CHARS`]).
    fn read(&mut self, name: &str) {
        self.raw.clear();
        let mut space = false;
        for c in compared(name).chars() {
            let before = self.raw.len();
            if c.is_ascii_alphanumeric() {
                if space && before > 0 {
                    self.raw.push(' ');
                }
                self.raw.push(c);
                space = false;
                continue;
            }
            if matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{2BC}') {
                continue;
            }
            if c.is_ascii() || !c.is_alphanumeric() {
                if !unicode_normalization::char::is_combining_mark(c) {
                    space = true;
                }
                continue;
            }
            if space && before > 0 {
                self.raw.push(' ');
            }
            push_folded(c, &mut self.raw);
            space = false;
        }
        let significant = split_spaces(&self.raw).any(|w| !is_stop(w));
        self.text.clear();
        self.n = 0;
        for w in split_spaces(&self.raw) {
            if self.n == MAX_WORDS {
                break;
            }
            if w.is_empty() || (significant && is_stop(w)) {
                continue;
            }
            if self.text.len() + 1 + w.len() > MAX_TEXT_BYTES {
                break;
            }
            if !self.text.is_empty() {
                self.text.push(' ');
            }
            self.text.push_str(w);
            self.n += 1;
        }
    }

    fn view(&self) -> Words<'_> {
        Words::of(&self.text)
    }

    fn words(&self) -> impl Iterator<Item = &str> {
        split_spaces(&self.text).filter(|w| !w.is_empty())
    }

    /// Calls `f` with each blocking key: the folded name without word
    /// breaks, and for each word its first four characters with the
    /// initials of the other words (sorted, so that the order of the words
    /// does not matter). A name with a single-letter word (a middle initial)
    /// and two longer ones also gets the keys of its longer words alone.
    /// A typo is then found as long as one word keeps its first four
    /// characters and the others their first letters.
    fn for_each_key(&mut self, class: NameClass, mut f: impl FnMut(u64)) {
        let seed = 0x5eed ^ class as u64;
        if self.n == 0 {
            return;
        }
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        key.extend(split_spaces(&self.text));
        f(hash_bytes(key.as_bytes(), seed));
        let words = self.view();
        let long = |i: usize| words.word(i).chars().nth(1).is_some();
        let n_long = (0..self.n).filter(|&i| long(i)).count();
        let mut initials = [' '; MAX_WORDS];
        let variants: &[bool] = if n_long >= 2 && n_long < self.n {
            &[false, true]
        } else {
            &[false]
        };
        for &long_only in variants {
            for i in (0..self.n).filter(|&i| !long_only || long(i)) {
                key.clear();
                key.push_str(prefix(words.word(i), 4));
                key.push('|');
                let mut k = 0;
                for j in (0..self.n).filter(|&j| j != i && (!long_only || long(j))) {
                    initials[k] = words.word(j).chars().next().unwrap_or(' ');
                    k += 1;
                }
                initials[..k].sort_unstable();
                key.extend(&initials[..k]);
                f(hash_bytes(key.as_bytes(), seed ^ 0x1));
            }
        }
        self.key = key;
    }

    /// What [`close`] compares of the name, in one pass over its words.
    #[allow(clippy::cast_possible_truncation)] // at most MAX_TEXT_BYTES characters
    fn sig(&self) -> Sig {
        // The characters as a tally per bit of the bag, up to three: a
        // bit in `twice` (`thrice`) for a character seen twice (three
        // times) or more.
        let (mut once, mut twice, mut thrice) = (0u32, 0u32, 0u32);
        let (mut chars, mut initial, mut odd) = (0usize, false, false);
        for w in self.words() {
            let mut n = 0;
            for c in w.chars() {
                let b = bit(c);
                thrice |= twice & b;
                twice |= once & b;
                once |= b;
                n += 1;
            }
            chars += n;
            initial |= n == 1;
            odd = odd || compare::is_mistyped_legal_form(w);
        }
        Sig {
            bag: if initial { once | HAS_INITIAL } else { once },
            chars: chars as u8,
            twice,
            thrice,
            odd,
        }
    }
}

/// The characters of `w` as bits (see [`bit`]).
fn bag_of(w: &str) -> u32 {
    w.chars().fold(0, |acc, c| acc | bit(c))
}

/// The bit of a character in a name's bag of characters: one per ASCII
/// letter, four shared by the digits, one for everything else.
const fn bit(c: char) -> u32 {
    let b = match c {
        'a'..='z' => c as u32 - 'a' as u32,
        '0'..='9' => 26 + (c as u32 - '0' as u32) % 4,
        _ => 30,
    };
    1 << b
}

/// The bit of a bag that says a word of the name is a single letter.
const HAS_INITIAL: u32 = 1 << 31;

/// The longest legal form, in bytes (`incorporated`).
const MAX_LEGAL_FORM: usize = 12;

/// What [`close`] compares of a name: its bag of characters, their number,
/// which characters it holds twice and three times, and whether a word
/// may be a mistyped legal form (a word [`score`] lets one side have
/// alone).
#[derive(Debug, Clone, Copy)]
struct Sig {
    bag: u32,
    chars: u8,
    twice: u32,
    thrice: u32,
    odd: bool,
}

/// A local contact in a block, with what [`close`] compares, so that most
/// candidates are dismissed without reading their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Member {
    pos: u32,
    /// Where the contact's words start in [`NearDuplicates::texts`].
    at: u32,
    bag: u32,
    twice: u32,
    thrice: u32,
    chars: u8,
    /// Length of the words in bytes.
    len: u8,
    class: u8,
    /// A word may be a mistyped legal form ([`Sig::odd`]).
    odd: bool,
}

/// Whether two names' characters allow them to be the same name written
/// differently. With an initial on either side, an initial only removes
/// characters, so one side's bag is then nearly a subset of the other's.
/// Without: every word pairs with one of the other name, equal or within
/// two edits in all, and an edit takes at most one character from a side
/// and brings at most one (a swap none). So each side has at most two
/// characters, counted with their repeats, that the other lacks (up to
/// three of a kind are told apart), and the lengths are within two. A
/// mistyped legal form may be left over whole: with one, only the bags and
/// lengths are compared.
const fn close(a: &Sig, b: &Member) -> bool {
    let (ca, cb) = (a.bag & !HAS_INITIAL, b.bag & !HAS_INITIAL);
    let (x, y) = ((ca & !cb).count_ones(), (cb & !ca).count_ones());
    if (a.bag | b.bag) & HAS_INITIAL != 0 {
        return x <= 2 || y <= 2;
    }
    if x > 2 || y > 2 || a.chars.abs_diff(b.chars) > 2 {
        return false;
    }
    if a.odd || b.odd {
        return true;
    }
    let only_a = x + (a.twice & !b.twice).count_ones() + (a.thrice & !b.thrice).count_ones();
    let only_b = y + (b.twice & !a.twice).count_ones() + (b.thrice & !a.thrice).count_ones();
    only_a <= 2 && only_b <= 2
}

/// The part of a name the guard compares (see
/// [`NEAR_DUPLICATE_COMPARED_CHARS`]).
fn compared(name: &str) -> &str {
    prefix(name, NEAR_DUPLICATE_COMPARED_CHARS)
}

/// What a query reuses from one record to the next.
#[derive(Default)]
pub(crate) struct NearScratch {
    /// Candidates found: (position, member index).
    found: Vec<u64>,
    /// The record's name as the guard compares it.
    canon: Canon,
}

/// Blocks of local positions by key.
pub(crate) struct NearDuplicates {
    cfg: NearDuplicateConfig,
    blocks: Blocks,
    members: Vec<Member>,
    /// The folded words of every local contact, back to back (members
    /// point into it, so a candidate costs one read beside its block).
    texts: String,
}

impl NearDuplicates {
    pub(crate) fn build<'a>(
        cfg: NearDuplicateConfig,
        names: impl Iterator<Item = (&'a str, NameClass)>,
    ) -> Self {
        // Folded words and keys of every name, by chunks (on every core
        // with the `parallel` feature); each chunk's text offsets are
        // moved past the chunks before it when the texts are joined.
        // Positions fit in u32: the index checked the count.
        #[allow(clippy::cast_possible_truncation)]
        let names: Vec<(u32, &str, NameClass)> = names
            .enumerate()
            .map(|(i, (name, class))| (i as u32, name, class))
            .collect();
        let parts = par::map_chunks(&names, 1 << 14, |chunk| {
            let mut pairs: Vec<(u64, Member)> = Vec::with_capacity(chunk.len() * 4);
            let mut texts = String::new();
            let mut canon = Canon::default();
            for &(pos, name, class) in chunk {
                canon.read(name);
                // The folded text is at most MAX_TEXT_BYTES per name; a
                // chunk's texts stay far below u32::MAX.
                #[allow(clippy::cast_possible_truncation)]
                let sig = canon.sig();
                let m = Member {
                    pos,
                    at: texts.len() as u32,
                    bag: sig.bag,
                    twice: sig.twice,
                    thrice: sig.thrice,
                    chars: sig.chars,
                    len: canon.text.len() as u8,
                    class: class as u8,
                    odd: sig.odd,
                };
                texts.push_str(&canon.text);
                canon.for_each_key(class, |k| pairs.push((k, m)));
            }
            (pairs, texts)
        });
        drop(names);
        let mut pairs: Vec<(u64, Member)> =
            Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
        let mut texts = String::with_capacity(parts.iter().map(|p| p.1.len()).sum());
        for (part, text) in parts {
            // Offsets past u32::MAX (over 4 GiB of names) are clamped: such
            // members read no words and are never similar.
            #[allow(clippy::cast_possible_truncation)]
            let base = texts.len().min(u32::MAX as usize) as u32;
            pairs.extend(part.into_iter().map(|(k, mut m)| {
                m.at = m.at.saturating_add(base);
                (k, m)
            }));
            texts.push_str(&text);
        }
        par::sort_unstable(&mut pairs);
        pairs.dedup();
        // Sized once: these are the largest parts of the guard.
        let distinct = 1 + pairs.windows(2).filter(|w| w[0].0 != w[1].0).count();
        let mut starts = Vec::with_capacity(distinct + 1);
        let mut members = Vec::with_capacity(pairs.len());
        let mut i = 0;
        while i < pairs.len() {
            let key = pairs[i].0;
            #[allow(clippy::cast_possible_truncation)]
            starts.push((key, members.len() as u32));
            while i < pairs.len() && pairs[i].0 == key {
                members.push(pairs[i].1);
                i += 1;
            }
        }
        #[allow(clippy::cast_possible_truncation)]
        let blocks = Blocks::build(starts, members.len() as u32);
        Self {
            cfg,
            blocks,
            members,
            texts,
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.blocks.heap_bytes()
            + self.members.capacity() * std::mem::size_of::<Member>()
            + self.texts.capacity()
    }

    fn words_of(&self, m: &Member) -> Words<'_> {
        let at = m.at as usize;
        Words::of(self.texts.get(at..at + usize::from(m.len)).unwrap_or(""))
    }

    /// The similar local contacts of `name`, most similar first, ties by id;
    /// similarity in thousandths.
    pub(crate) fn query<'t>(
        &self,
        name: &str,
        class: NameClass,
        id_of: impl Fn(u32) -> &'t str,
        scratch: &mut NearScratch,
    ) -> Vec<(u32, u16)> {
        let NearScratch {
            found: scratch,
            canon,
        } = scratch;
        scratch.clear();
        canon.read(name);
        let sig = canon.sig();
        canon.for_each_key(class, |k| {
            if let Some((start, n)) = self.blocks.get(k)
                && (n as usize) <= self.cfg.max_block
            {
                let block = start..start + n;
                let members = self
                    .members
                    .get(start as usize..(start + n) as usize)
                    .unwrap_or_default();
                // (position, member index): sorted, the same contact
                // reached through several keys is scored once.
                scratch.extend(
                    block
                        .zip(members)
                        .filter(|(_, m)| m.class == class as u8 && close(&sig, m))
                        .map(|(k, m)| (u64::from(m.pos) << 32) | u64::from(k)),
                );
            }
        });
        if scratch.is_empty() {
            return Vec::new();
        }
        scratch.sort_unstable();
        scratch.dedup_by_key(|k| *k >> 32);
        let threshold = self.cfg.threshold_per_mille();
        let words = canon.view();
        let mut out: Vec<(u32, u16)> = scratch
            .iter()
            .filter_map(|&k| {
                // The low half is the member index.
                #[allow(clippy::cast_possible_truncation)]
                let m = self.members.get(k as u32 as usize)?;
                let sim = score(words, self.words_of(m))?;
                (sim >= threshold).then_some((m.pos, sim))
            })
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| id_of(a.0).cmp(id_of(b.0))));
        out.truncate(self.cfg.max_similar);
        out
    }
}

#[cfg(test)]
mod tests;
