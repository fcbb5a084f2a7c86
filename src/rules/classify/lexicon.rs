//! The classifier's embedded tables, read once on first use: given and
//! family names with a frequency class (from US public-domain statistics:
//! SSA baby names 1900–2019, Census 1990 surnames; see
//! `classifier-data/SOURCES.md`), the hand-made word lists of
//! [`words`](super::words), and the weights and confidence bands trained by
//! `classifier-data/train.py`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use super::dense::DENSE_NAMES;
use super::words;

const GIVEN: &str = include_str!("given.txt");
const FAMILY: &str = include_str!("family.txt");
const WEIGHTS: &str = include_str!("weights.txt");

/// A small fast hash for short words (multiply and rotate, as rustc's
/// FxHash): the tables are fixed and built in, so flooding is no concern.
#[derive(Default, Clone, Copy)]
pub(super) struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        for chunk in bytes.chunks(8) {
            let mut v = [0u8; 8];
            v.iter_mut().zip(chunk).for_each(|(d, s)| *d = *s);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(v)).wrapping_mul(K);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type Map<V> = HashMap<&'static str, V, BuildHasherDefault<WordHasher>>;

/// Word categories, as bits.
pub(super) mod cat {
    pub(crate) const LEGAL: u8 = 1;
    pub(crate) const ORGANISATION: u8 = 2;
    pub(crate) const BUSINESS: u8 = 4;
    pub(crate) const LINKING: u8 = 8;
    pub(crate) const TITLE: u8 = 16;
    pub(crate) const SUFFIX: u8 = 32;
}

/// What the tables say of one word.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Entry {
    /// Frequency class as a given name, 0 (not one) to 9.
    pub given: u8,
    /// Frequency class as a family name, 0 to 9.
    pub family: u8,
    /// [`cat`] bits.
    pub cats: u8,
    /// The word's own weight in the model (positive: organisation).
    pub weight: f32,
}

/// The tables.
#[derive(Debug)]
pub(super) struct Lexicon {
    words: Map<Entry>,
    endings: Map<f32>,
    /// Weights of the dense features, in [`DENSE_NAMES`] order.
    pub dense: [f32; DENSE_NAMES.len()],
    /// Confidence bands: (least |score|, stated confidence), highest first.
    pub bands: Vec<(f32, u8)>,
}

/// `name<TAB>class` lines; `#` starts a comment.
fn classes(text: &'static str) -> impl Iterator<Item = (&'static str, u8)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (name, class) = l.split_once('\t')?;
            Some((name, class.trim().parse().ok()?))
        })
}

impl Lexicon {
    fn load() -> Self {
        let mut words: Map<Entry> =
            Map::with_capacity_and_hasher(60_000, BuildHasherDefault::default());
        for (name, class) in classes(GIVEN) {
            words.entry(name).or_default().given = class;
        }
        for (name, class) in classes(FAMILY) {
            words.entry(name).or_default().family = class;
        }
        for (list, bit) in [
            (words::LEGAL, cat::LEGAL),
            (words::ORGANISATION, cat::ORGANISATION),
            (words::BUSINESS, cat::BUSINESS),
            (words::LINKING, cat::LINKING),
            (words::TITLES, cat::TITLE),
            (words::SUFFIXES, cat::SUFFIX),
        ] {
            for w in list.split_whitespace() {
                words.entry(w).or_default().cats |= bit;
            }
        }
        let mut endings: Map<f32> = Map::default();
        let mut dense = [0.0f32; DENSE_NAMES.len()];
        let mut bands = Vec::new();
        for line in WEIGHTS.lines().filter(|l| !l.starts_with('#')) {
            let mut f = line.split('\t');
            let (Some(kind), Some(key), Some(value)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let Ok(value) = value.trim().parse::<f32>() else {
                continue;
            };
            match kind {
                "d" => {
                    if let Some(i) = DENSE_NAMES.iter().position(|n| *n == key)
                        && let Some(w) = dense.get_mut(i)
                    {
                        *w = value;
                    }
                }
                "w" => words.entry(key).or_default().weight = value,
                "x" => {
                    endings.insert(key, value);
                }
                "band" => {
                    if let Ok(conf) = key.parse::<u8>() {
                        bands.push((value, conf));
                    }
                }
                _ => {}
            }
        }
        bands.sort_by(|a, b| b.0.total_cmp(&a.0));
        Self {
            words,
            endings,
            dense,
            bands,
        }
    }

    /// The shared tables, read on first use.
    pub(super) fn get() -> &'static Self {
        static TABLES: OnceLock<Lexicon> = OnceLock::new();
        TABLES.get_or_init(Self::load)
    }

    /// What the tables say of `word` (in normal form); a hyphenated word
    /// not listed whole takes the most of its parts.
    pub(super) fn lookup(&self, word: &str) -> Entry {
        if let Some(e) = self.words.get(word) {
            return *e;
        }
        let mut out = Entry::default();
        if word.contains('-') {
            for part in word.split('-').take(4) {
                if let Some(e) = self.words.get(part) {
                    out.given = out.given.max(e.given);
                    out.family = out.family.max(e.family);
                    out.cats |= e.cats;
                }
            }
        }
        out
    }

    /// The weight of a word ending.
    pub(super) fn ending(&self, end: &str) -> f32 {
        self.endings.get(end).copied().unwrap_or(0.0)
    }

    /// The stated confidence for a score of magnitude `abs`.
    pub(super) fn confidence(&self, abs: f32) -> u8 {
        self.bands
            .iter()
            .find(|(least, _)| abs >= *least)
            .map_or(50, |(_, c)| *c)
    }

    /// Lines of the weights file that could not be read, for tests.
    #[cfg(test)]
    pub(super) fn unread_weight_lines() -> Vec<&'static str> {
        WEIGHTS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let value_ok = f.get(2).is_some_and(|v| v.trim().parse::<f32>().is_ok());
                let key_ok = match f.first() {
                    Some(&"d") => f.get(1).is_some_and(|k| DENSE_NAMES.contains(k)),
                    Some(&"w" | &"x") => true,
                    Some(&"band") => f.get(1).is_some_and(|k| k.parse::<u8>().is_ok()),
                    _ => false,
                };
                !(f.len() == 3 && value_ok && key_ok)
            })
            .collect()
    }
}
