//! A fixed-seed 64-bit string hash and hash-chained lists of record
//! positions. Fixed seeds keep the core free of randomness; every output is
//! sorted by id anyway, so no hash order leaks out.

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

/// One slot of a [`Table`]: the high half of a key hash and the head of the
/// chain of positions under it.
#[derive(Debug, Clone, Copy)]
struct Slot {
    tag: u32,
    head: u32,
}

/// An open-addressing table (linear probing, at most half full) from a key
/// hash to the head of a chain of positions. The chains themselves run
/// through a `next` array the caller keeps beside its records, so a lookup
/// touches one slot and then the records it verifies. Keys whose hashes
/// share a slot and a tag share a chain; callers compare the keys.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    mask: usize,
    slots: Vec<Slot>,
    /// Heads of the chains longer than [`LONG_CHAIN`], counted while
    /// building (so finding them costs no walk).
    long_heads: Vec<u32>,
}

/// Chains longer than this are listed by [`Table::long_heads`].
pub(crate) const LONG_CHAIN: usize = 256;

impl Table {
    /// Builds the table and the `next` array for the key hashes of `n`
    /// positions, in order; `None` positions have no key.
    /// With `count_long`, the chains longer than [`LONG_CHAIN`] are counted
    /// as they grow (see [`long_heads`](Self::long_heads)); tables whose
    /// chains are never read in bulk (ids) skip the counting.
    pub(crate) fn build(
        n: usize,
        hashes: impl Iterator<Item = Option<u64>>,
        count_long: bool,
    ) -> (Self, Vec<u32>) {
        let cap = (n.max(8) * 2).next_power_of_two();
        let mut table = Self {
            mask: cap - 1,
            slots: vec![Slot { tag: 0, head: NIL }; cap],
            long_heads: Vec::new(),
        };
        let mut next = vec![NIL; n];
        // Entries past the first of each chain (most keys are unique, so
        // the counts are touched only for the few that repeat); u16 is
        // enough: only "longer than LONG_CHAIN" matters.
        let mut lens = if count_long {
            vec![0u16; cap]
        } else {
            Vec::new()
        };
        for (i, h) in hashes.enumerate().take(n) {
            if let Some(h) = h {
                // Positions are below u32::MAX: the index checks the count.
                #[allow(clippy::cast_possible_truncation)]
                let pos = i as u32;
                let (prev, slot) = table.insert(h, pos);
                next[i] = prev;
                if prev != NIL
                    && let Some(len) = lens.get_mut(slot)
                {
                    *len = len.saturating_add(1);
                }
            }
        }
        table.long_heads = lens
            .iter()
            .zip(&table.slots)
            .filter(|(len, _)| **len as usize >= LONG_CHAIN)
            .map(|(_, s)| s.head)
            .collect();
        (table, next)
    }

    /// The heads of the chains longer than [`LONG_CHAIN`].
    pub(crate) fn long_heads(&self) -> &[u32] {
        &self.long_heads
    }

    #[inline]
    #[allow(clippy::cast_possible_truncation)] // low bits pick the slot, high bits tag it
    fn split(&self, h: u64) -> (usize, u32) {
        ((h as usize) & self.mask, (h >> 32) as u32)
    }

    /// Makes `pos` the head of its chain; returns the previous head and
    /// the slot.
    fn insert(&mut self, h: u64, pos: u32) -> (u32, usize) {
        let (mut i, tag) = self.split(h);
        loop {
            let slot = &mut self.slots[i];
            if slot.head == NIL {
                *slot = Slot { tag, head: pos };
                return (NIL, i);
            }
            if slot.tag == tag {
                return (std::mem::replace(&mut slot.head, pos), i);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The head of the chain for `h`, or [`NIL`].
    #[inline]
    pub(crate) fn head(&self, h: u64) -> u32 {
        let (mut i, tag) = self.split(h);
        loop {
            let slot = self.slots[i];
            if slot.head == NIL || slot.tag == tag {
                return slot.head;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Reads the slot `h` starts its probe at and gives its head, without
    /// probing further: a load with no branch on what it reads, so that
    /// the loads of many lookups are in flight together before
    /// [`Table::head`] needs them.
    #[inline]
    pub(crate) fn touch(&self, h: u64) -> u32 {
        let (i, _) = self.split(h);
        self.slots.get(i).map_or(NIL, |s| s.head)
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>()
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
    fn long_heads_are_the_chains_past_long_chain() {
        // A chain of exactly LONG_CHAIN entries, one of LONG_CHAIN + 1,
        // and unique keys around them.
        let a = 5u64 << 32 | 1;
        let b = 6u64 << 32 | 2;
        let mut hashes = Vec::new();
        for i in 0..LONG_CHAIN {
            hashes.extend([a, b, (i as u64 + 100) << 32 | 7]);
        }
        hashes.push(b);
        let (t, _) = Table::build(hashes.len(), hashes.iter().map(|&h| Some(h)), true);
        assert_eq!(t.long_heads(), [t.head(b)]);
        let (t, _) = Table::build(hashes.len(), hashes.iter().map(|&h| Some(h)), false);
        assert!(t.long_heads().is_empty());
    }

    #[test]
    fn table_chains_list_every_position_of_a_key() {
        let hashes = [7u64 << 32 | 3, 0, 7 << 32 | 3, 9 << 32 | 3, 9 << 32 | 11];
        let (t, next) = Table::build(
            hashes.len(),
            hashes
                .iter()
                .enumerate()
                .map(|(i, h)| (i != 1).then_some(*h)),
            true,
        );
        let walk = |mut p: u32| {
            let mut v = Vec::new();
            while p != NIL {
                v.push(p);
                p = next[p as usize];
            }
            v
        };
        assert_eq!(walk(t.head(hashes[0])), [2, 0]);
        // Same slot, other tag: probed past, own chain.
        assert_eq!(walk(t.head(hashes[3])), [3]);
        assert_eq!(walk(t.head(hashes[4])), [4]);
        assert_eq!(t.head(0), NIL);
        assert_eq!(t.head(5 << 32 | 3), NIL);
    }
}
