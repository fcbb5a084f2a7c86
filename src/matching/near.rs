//! The near-duplicate guard (M11): for a record that matched nothing,
//! local contacts whose names are very close (Jaro-Winkler), found through
//! blocking keys so the work stays proportional to the block sizes, never
//! to local × remote.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::model::ContactId;
use crate::rules::xero::is_legal_word;

use super::hash::{IdBuild, hash_bytes};
use super::keys::NameClass;

/// Names are compared on their first this many characters (after
/// normalisation). Jaro-Winkler costs the product of the two lengths, so an
/// unbounded name (a 20,000-character "name" in a corrupt listing) would
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
    /// Jaro-Winkler similarity (0–1) at or above which a local name counts
    /// as "very similar". Default 0.92.
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

/// Words that say nothing about which contact is meant.
fn is_stop(t: &str) -> bool {
    t.len() < 2
        || matches!(t, "the" | "and" | "of" | "mr" | "mrs" | "ms" | "dr")
        || is_legal_word(t)
}

fn prefix(t: &str, chars: usize) -> &str {
    match t.char_indices().nth(chars) {
        Some((i, _)) => &t[..i],
        None => t,
    }
}

/// Calls `f` with each blocking key of a normalised name: for every
/// significant word, its first four characters plus the initials of the
/// other significant words. A typo is caught as long as one word keeps its
/// first four characters and the others their initials.
fn for_each_key(name: &str, class: NameClass, mut f: impl FnMut(u64)) {
    let words: Vec<&str> = name.split(' ').filter(|w| !is_stop(w)).take(8).collect();
    let mut key = String::with_capacity(16);
    for (i, w) in words.iter().enumerate() {
        key.clear();
        key.push_str(prefix(w, 4));
        key.push('|');
        for (k, o) in words.iter().enumerate() {
            if k != i {
                key.push_str(prefix(o, 1));
            }
        }
        f(hash_bytes(key.as_bytes(), 0x5eed ^ class as u64));
    }
}

/// A local contact in a block, with what the cheap filters need so that
/// most candidates are dismissed without reading their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Member {
    pos: u32,
    chars: u32,
    bag: u64,
}

/// The bit of a character in a [`bag`].
fn bit(c: char) -> u64 {
    let b = match c {
        'a'..='z' => c as u32 - 'a' as u32,
        '0'..='9' => 26 + c as u32 - '0' as u32,
        _ => 36 + (c as u32 % 28),
    };
    1 << b
}

/// The set of characters of a name, as 64 bits (some share a bit).
fn bag(name: &str) -> u64 {
    name.chars().fold(0, |acc, c| acc | bit(c))
}

/// An upper bound of the Jaro-Winkler similarity of `name` (of `len`
/// characters) and a name of `other_len` characters whose characters are in
/// `other_bag`: the characters of `name` that can match at all bound the
/// Jaro matches `m`, so J ≤ (m/|a| + m/|b| + 1)/3 and JW ≤ 0.6·J + 0.4.
#[allow(clippy::cast_precision_loss)] // name lengths are far below 2^52
fn similarity_bound(name: &str, len: usize, other_len: usize, other_bag: u64) -> f64 {
    if len == 0 || other_len == 0 {
        return 0.0;
    }
    let m = name.chars().filter(|&c| other_bag & bit(c) != 0).count();
    let m = m.min(other_len) as f64;
    let j = (m / len as f64 + m / other_len as f64 + 1.0) / 3.0;
    0.6 * j + 0.4
}

/// The part of a name the guard compares (see
/// [`NEAR_DUPLICATE_COMPARED_CHARS`]).
fn compared(name: &str) -> &str {
    prefix(name, NEAR_DUPLICATE_COMPARED_CHARS)
}

/// Blocks of local positions by key.
pub(crate) struct NearDuplicates {
    cfg: NearDuplicateConfig,
    blocks: HashMap<u64, (u32, u32), IdBuild>,
    members: Vec<Member>,
}

/// The smallest ratio of the shorter to the longer name length (in
/// characters) at which Jaro-Winkler can still reach `threshold`: with at
/// most four common prefix characters JW ≤ 0.6·J + 0.4, and Jaro
/// J ≤ (2 + short/long) / 3, so short/long ≥ 3·(threshold − 0.4)/0.6 − 2.
fn min_length_ratio(threshold: f64) -> f64 {
    (3.0 * (threshold - 0.4) / 0.6 - 2.0).max(0.0)
}

/// Whether two names' lengths allow the similarity to reach the threshold.
#[allow(clippy::cast_precision_loss)] // name lengths are far below 2^52
fn lengths_close(a: usize, b: usize, min_ratio: f64) -> bool {
    let (short, long) = (a.min(b), a.max(b));
    long == 0 || short as f64 >= min_ratio * long as f64
}

impl NearDuplicates {
    pub(crate) fn build<'a>(
        cfg: NearDuplicateConfig,
        names: impl Iterator<Item = (&'a str, NameClass)>,
    ) -> Self {
        let mut pairs: Vec<(u64, Member)> = Vec::new();
        for (i, (name, class)) in names.enumerate() {
            let name = compared(name);
            // Positions and name lengths fit in u32: the index checked the
            // count and the text size.
            #[allow(clippy::cast_possible_truncation)]
            let m = Member {
                pos: i as u32,
                chars: name.chars().count() as u32,
                bag: bag(name),
            };
            for_each_key(name, class, |k| pairs.push((k, m)));
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut blocks = HashMap::with_hasher(IdBuild::default());
        let mut members = Vec::with_capacity(pairs.len());
        let mut i = 0;
        while i < pairs.len() {
            let key = pairs[i].0;
            let start = members.len();
            while i < pairs.len() && pairs[i].0 == key {
                members.push(pairs[i].1);
                i += 1;
            }
            #[allow(clippy::cast_possible_truncation)]
            blocks.insert(key, (start as u32, (members.len() - start) as u32));
        }
        Self {
            cfg,
            blocks,
            members,
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.blocks.capacity() * 17 + self.members.capacity() * 4
    }

    /// The similar local contacts of `name`, most similar first, ties by id.
    pub(crate) fn query<'t>(
        &self,
        name: &str,
        class: NameClass,
        name_of: impl Fn(u32) -> (&'t str, NameClass),
        id_of: impl Fn(u32) -> &'t ContactId,
        scratch: &mut Vec<u32>,
    ) -> Vec<(u32, f64)> {
        scratch.clear();
        let name = compared(name);
        let len = name.chars().count();
        let min_ratio = min_length_ratio(self.cfg.threshold);
        for_each_key(name, class, |k| {
            if let Some(&(start, n)) = self.blocks.get(&k)
                && (n as usize) <= self.cfg.max_block
            {
                let (s, e) = (start as usize, (start + n) as usize);
                scratch.extend(
                    self.members
                        .get(s..e)
                        .unwrap_or_default()
                        .iter()
                        .filter(|m| {
                            lengths_close(len, m.chars as usize, min_ratio)
                                && similarity_bound(name, len, m.chars as usize, m.bag)
                                    >= self.cfg.threshold
                        })
                        .map(|m| m.pos),
                );
            }
        });
        if scratch.is_empty() {
            return Vec::new();
        }
        scratch.sort_unstable();
        scratch.dedup();
        let mut out: Vec<(u32, f64)> = scratch
            .iter()
            .filter_map(|&j| {
                let (other, other_class) = name_of(j);
                if other_class != class {
                    return None;
                }
                let sim = strsim::jaro_winkler(name, compared(other));
                (sim >= self.cfg.threshold).then_some((j, sim))
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| id_of(a.0).cmp(id_of(b.0))));
        out.truncate(self.cfg.max_similar);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn m11_keys_survive_a_typo_after_the_fourth_letter() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        for_each_key("jonathan smith", NameClass::Any, |k| a.push(k));
        for_each_key("jonathon smith", NameClass::Any, |k| b.push(k));
        assert!(a.iter().any(|k| b.contains(k)));
        let mut c = Vec::new();
        for_each_key("acme ltd", NameClass::Any, |k| c.push(k));
        assert_eq!(c.len(), 1, "legal words are not blocking keys");
    }

    #[test]
    fn m11_length_filter_never_drops_a_pair_above_the_threshold() {
        let r = min_length_ratio(0.92);
        for (a, b) in [
            ("acme plumbing", "acme plumbing ltd"),
            ("jon smith", "jon smithers"),
            ("jonathan smithers", "jonathon smithers"),
        ] {
            let sim = strsim::jaro_winkler(a, b);
            assert!(sim >= 0.92, "{a} / {b}: {sim}");
            assert!(
                lengths_close(a.chars().count(), b.chars().count(), r),
                "{a} / {b}"
            );
        }
        assert!(!lengths_close(4, 20, r));
    }

    #[test]
    fn m11_similarity_bound_is_an_upper_bound() {
        let names = [
            "acme plumbing",
            "acme plumbing ltd",
            "jon smith",
            "john smith",
            "zebra",
            "ßtraße",
            "jose núñez",
            "a",
            "bbbbbbbb",
            "abcdefgh",
        ];
        for a in names {
            for b in names {
                let sim = strsim::jaro_winkler(a, b);
                let bound = similarity_bound(a, a.chars().count(), b.chars().count(), bag(b));
                assert!(bound + 1e-9 >= sim, "{a} / {b}: {sim} > {bound}");
            }
        }
    }

    /// Fuzzing found the guard quadratic in name length: ten locals against
    /// ten ledger records of 20,000 characters took 22.7 s. Names are now
    /// compared on a bounded prefix, so this runs in milliseconds (it would
    /// take minutes without the bound).
    #[test]
    fn m11_work_per_record_is_bounded_for_very_long_names() {
        let long = |seed: char, n: usize| -> String {
            let mut s = String::from("zed ");
            s.extend(std::iter::repeat_n(seed, n));
            s
        };
        assert_eq!(
            compared(&long('a', 20_000)).chars().count(),
            NEAR_DUPLICATE_COMPARED_CHARS
        );
        let locals: Vec<String> = (0..10)
            .map(|i| {
                let mut n = long('a', 20_000);
                n.push(char::from(b'a' + i));
                n
            })
            .collect();
        let ids: Vec<ContactId> = (0..10).map(|i| ContactId::from(format!("L{i}"))).collect();
        let g = NearDuplicates::build(
            NearDuplicateConfig::default(),
            locals.iter().map(|n| (n.as_str(), NameClass::Any)),
        );
        let mut scratch = Vec::new();
        for i in 0..10u8 {
            let mut remote = long('a', 20_000);
            remote.push(char::from(b'k' + i));
            let hits = g.query(
                &remote,
                NameClass::Any,
                |j| (locals[j as usize].as_str(), NameClass::Any),
                |j| &ids[j as usize],
                &mut scratch,
            );
            // The compared prefixes are equal: every local is as close as
            // can be, and the report is capped at `max_similar`.
            assert_eq!(hits.len(), NearDuplicateConfig::default().max_similar);
            assert!(hits.iter().all(|&(_, sim)| sim >= 0.999));
        }
    }

    #[test]
    fn m11_config_is_validated() {
        assert!(NearDuplicateConfig::default().validate().is_ok());
        let bad = NearDuplicateConfig {
            threshold: 1.5,
            ..NearDuplicateConfig::default()
        };
        assert!(bad.validate().is_err());
        let bad = NearDuplicateConfig {
            threshold: f64::NAN,
            ..NearDuplicateConfig::default()
        };
        assert!(bad.validate().is_err());
    }
}
