//! A fixed-seed 64-bit string hash and hash-chained lists of record
//! positions. Fixed seeds keep the core free of randomness; every output is
//! sorted by id anyway, so no hash order leaks out.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const K0: u64 = 0xa076_1d64_78bd_642f;
const K1: u64 = 0xe703_7ed1_a0b4_28db;
const K2: u64 = 0x8ebc_6af0_9c88_c6e3;

#[inline]
fn fold_mul(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    // Truncation is the point: fold the 128-bit product to 64 bits.
    #[allow(clippy::cast_possible_truncation)]
    let (lo, hi) = (r as u64, (r >> 64) as u64);
    lo ^ hi
}

#[inline]
fn read_u64(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w[..b.len()].copy_from_slice(b);
    u64::from_le_bytes(w)
}

/// Hashes `bytes` with a seed (used to keep name classes apart).
#[inline]
pub(crate) fn hash_bytes(bytes: &[u8], seed: u64) -> u64 {
    let mut h = fold_mul(seed ^ K0, (bytes.len() as u64) ^ K1);
    let mut chunks = bytes.chunks_exact(16);
    for c in &mut chunks {
        h = fold_mul(read_u64(&c[..8]) ^ K1 ^ h, read_u64(&c[8..]) ^ K2);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let (a, b) = rest.split_at(rest.len().min(8));
        h = fold_mul(read_u64(a) ^ K1 ^ h, read_u64(b) ^ K2);
    }
    fold_mul(h ^ K2, K0)
}

/// A hasher for keys that already are good 64-bit hashes.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are used; fold anything else in for safety.
        self.0 = hash_bytes(bytes, self.0);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type IdBuild = BuildHasherDefault<IdHasher>;

/// No next element.
pub(crate) const NIL: u32 = u32::MAX;

/// For each key hash, the positions that carry it, as a linked list through
/// `next` (no allocation per key).
#[derive(Debug, Clone, Default)]
pub(crate) struct Chains {
    head: HashMap<u64, u32, IdBuild>,
    next: Vec<u32>,
}

impl Chains {
    /// Builds the chains from each position's key hash (`None`: no key).
    pub(crate) fn build(hashes: impl ExactSizeIterator<Item = Option<u64>>) -> Self {
        let n = hashes.len();
        let mut head = HashMap::with_capacity_and_hasher(n, IdBuild::default());
        let mut next = vec![NIL; n];
        for (i, h) in hashes.enumerate() {
            if let Some(h) = h {
                // Positions are below u32::MAX: the index checks the count.
                #[allow(clippy::cast_possible_truncation)]
                let pos = i as u32;
                if let Some(prev) = head.insert(h, pos) {
                    next[i] = prev;
                }
            }
        }
        Self { head, next }
    }

    /// Positions whose key hash is `h` (hash collisions included: callers
    /// verify the key itself).
    pub(crate) fn get(&self, h: u64) -> ChainIter<'_> {
        ChainIter {
            next: &self.next,
            cur: self.head.get(&h).copied().unwrap_or(NIL),
        }
    }

    /// Heap bytes held, roughly.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.head.capacity() * 13 + self.next.capacity() * 4
    }
}

/// Iterator over one chain.
pub(crate) struct ChainIter<'a> {
    next: &'a [u32],
    cur: u32,
}

impl Iterator for ChainIter<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        if self.cur == NIL {
            return None;
        }
        let c = self.cur;
        self.cur = self.next.get(c as usize).copied().unwrap_or(NIL);
        Some(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_differs_by_content_length_and_seed() {
        let a = hash_bytes(b"jane smith", 0);
        assert_eq!(a, hash_bytes(b"jane smith", 0));
        assert_ne!(a, hash_bytes(b"jane smith", 1));
        assert_ne!(a, hash_bytes(b"jane smitH", 0));
        assert_ne!(hash_bytes(b"", 0), hash_bytes(b"\0", 0));
        assert_ne!(
            hash_bytes(b"0123456789abcdef0", 0),
            hash_bytes(b"0123456789abcdef1", 0)
        );
    }

    #[test]
    fn chains_list_every_position_of_a_key() {
        let c = Chains::build([Some(7), None, Some(7), Some(9)].into_iter());
        let mut v: Vec<u32> = c.get(7).collect();
        v.sort_unstable();
        assert_eq!(v, [0, 2]);
        assert_eq!(c.get(9).collect::<Vec<_>>(), [3]);
        assert_eq!(c.get(8).count(), 0);
    }
}
