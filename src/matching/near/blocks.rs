//! The guard's blocks: for each blocking key, where its members start in
//! the member list and how many there are. Built from keys already sorted,
//! in one pass and without hashing: a directory indexed by a key's top
//! bits gives the few keys sharing them (the keys are hashes, so about one
//! each), and the entry of a key holds where its block starts; the next
//! entry's start ends it.

/// Blocking keys and where their blocks start.
#[derive(Debug, Default)]
pub(super) struct Blocks {
    /// `64 - bits`: a key's directory slot is `key >> shift`.
    shift: u32,
    /// For each slot, the first entry whose key is in that slot or a later
    /// one; one more slot at the end (the number of keys).
    dir: Vec<u32>,
    /// Each key with the start of its block, sorted by key; one more entry
    /// at the end with the end of the last block.
    entries: Vec<(u64, u32)>,
}

impl Blocks {
    /// Blocks of `keys` (sorted, distinct) starting at `starts` (one per
    /// key, increasing), the last one ending at `end`.
    pub(super) fn build(keys_and_starts: Vec<(u64, u32)>, end: u32) -> Self {
        let mut entries = keys_and_starts;
        // About one key per slot: the smallest power of two at least the
        // number of keys, at least 16 slots.
        let bits = entries
            .len()
            .max(16)
            .next_power_of_two()
            .trailing_zeros()
            .min(32);
        let shift = 64 - bits;
        let slots = 1usize << bits;
        let mut dir = Vec::with_capacity(slots + 1);
        let mut i = 0usize;
        for slot in 0..slots as u64 {
            while entries.get(i).is_some_and(|&(k, _)| (k >> shift) < slot) {
                i += 1;
            }
            dir.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        dir.push(u32::try_from(entries.len()).unwrap_or(u32::MAX));
        // The end of the last block (sized for by the caller).
        entries.push((u64::MAX, end));
        Self {
            shift,
            dir,
            entries,
        }
    }

    /// Where the block of `key` starts in the member list, and its length.
    pub(super) fn get(&self, key: u64) -> Option<(u32, u32)> {
        let slot = usize::try_from(key >> self.shift).ok()?;
        let lo = *self.dir.get(slot)? as usize;
        let hi = *self.dir.get(slot + 1)? as usize;
        let at = lo
            + self
                .entries
                .get(lo..hi)?
                .iter()
                .position(|&(k, _)| k == key)?;
        let start = self.entries.get(at)?.1;
        let end = self.entries.get(at + 1)?.1;
        Some((start, end.saturating_sub(start)))
    }

    /// Heap bytes held.
    pub(super) fn heap_bytes(&self) -> usize {
        self.dir.capacity() * 4 + self.entries.capacity() * std::mem::size_of::<(u64, u32)>()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]
        /// Every key finds its block and no other key finds one, whatever
        /// its top bits (keys crowded into a few slots included).
        #[test]
        fn m11_blocks_find_every_key_and_only_those(
            mut keys in proptest::collection::vec(
                proptest::prop_oneof![proptest::num::u64::ANY, 0..64u64, (u64::MAX - 64)..=u64::MAX],
                0..300,
            ),
            sizes in proptest::collection::vec(1..5u32, 300),
            probes in proptest::collection::vec(proptest::num::u64::ANY, 50),
        ) {
            keys.sort_unstable();
            keys.dedup();
            let mut start = 0;
            let mut list = Vec::new();
            let mut expected = std::collections::HashMap::new();
            for (k, n) in keys.iter().zip(&sizes) {
                list.push((*k, start));
                expected.insert(*k, (start, *n));
                start += n;
            }
            let blocks = Blocks::build(list, start);
            for k in &keys {
                proptest::prop_assert_eq!(blocks.get(*k), expected.get(k).copied());
            }
            for p in probes {
                proptest::prop_assert_eq!(blocks.get(p), expected.get(&p).copied());
            }
        }
    }
}
