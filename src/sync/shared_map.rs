//! [`SharedMap`]: an ordered map whose copies share their contents, for
//! the large maps of a [`SyncState`](super::SyncState) (the links and the
//! local index).
//!
//! A plan starts from a copy of the state it was given and writes a few
//! of its entries (about 2% of the links in a steady-state run): copying
//! a map of 100,000 links entry by entry was most of such a run. A copy
//! here shares the map (`Arc`), and while it is shared, writes go to a
//! small overlay of the entries written (a value, or a removal) that reads
//! look at first. A map that is not shared (the other copy was dropped, or
//! there never was one) is written in place, the overlay folded in first;
//! an overlay past an eighth of the map is folded into a map of its own.
//! None of this shows: iteration, equality, `Debug` and serde see one
//! sorted map, as a `BTreeMap` shows it.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::collections::btree_map;
use std::fmt;
use std::iter::Peekable;
use std::sync::Arc;

/// An ordered map whose copies share their contents (see the module
/// documentation).
#[derive(Clone)]
pub(crate) struct SharedMap<K, V> {
    /// The entries, possibly shared with copies.
    base: Arc<BTreeMap<K, V>>,
    /// Entries written while `base` was shared: their value, or `None`
    /// for one removed. Read before `base`.
    over: BTreeMap<K, Option<V>>,
    /// The number of entries.
    len: usize,
}

impl<K, V> Default for SharedMap<K, V> {
    fn default() -> Self {
        Self {
            base: Arc::new(BTreeMap::new()),
            over: BTreeMap::new(),
            len: 0,
        }
    }
}

impl<K: Ord + Clone, V: Clone> From<BTreeMap<K, V>> for SharedMap<K, V> {
    fn from(map: BTreeMap<K, V>) -> Self {
        Self {
            len: map.len(),
            base: Arc::new(map),
            over: BTreeMap::new(),
        }
    }
}

impl<K: Ord + Clone, V: Clone> FromIterator<(K, V)> for SharedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<BTreeMap<K, V>>())
    }
}

impl<K: Ord + Clone, V: Clone> SharedMap<K, V> {
    /// The number of entries.
    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub(crate) const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of `key`.
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        if !self.over.is_empty()
            && let Some(v) = self.over.get(key)
        {
            return v.as_ref();
        }
        self.base.get(key)
    }

    /// The entry of `key`.
    pub(crate) fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        if !self.over.is_empty()
            && let Some((k, v)) = self.over.get_key_value(key)
        {
            return v.as_ref().map(|v| (k, v));
        }
        self.base.get_key_value(key)
    }

    /// Whether `key` has a value.
    pub(crate) fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.get(key).is_some()
    }

    /// The entries in key order.
    pub(crate) fn iter(&self) -> Iter<'_, K, V> {
        Iter {
            base: self.base.iter().peekable(),
            over: self.over.iter().peekable(),
            left: self.len,
        }
    }

    /// The keys in order.
    pub(crate) fn keys(&self) -> impl ExactSizeIterator<Item = &K> + '_ {
        self.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub(crate) fn values(&self) -> impl ExactSizeIterator<Item = &V> + '_ {
        self.iter().map(|(_, v)| v)
    }

    /// Before a write: whether it goes to `base` (not shared, or made so
    /// without a copy of any size that matters) rather than the overlay.
    fn writes_in_place(&mut self) -> bool {
        if Arc::get_mut(&mut self.base).is_none() {
            if self.base.is_empty() {
                // Nothing to share: a map of its own.
                self.base = Arc::new(BTreeMap::new());
            } else if self.over.len() < self.base.len() / 8 + 64 {
                return false;
            }
        }
        if !self.over.is_empty() {
            // Shared (a large overlay): the entries copied once, into a
            // map of this copy's own; or not shared: the overlay folded in.
            let over = std::mem::take(&mut self.over);
            let base = Arc::make_mut(&mut self.base);
            for (k, v) in over {
                match v {
                    Some(v) => base.insert(k, v),
                    None => base.remove(&k),
                };
            }
        }
        true
    }

    /// The value of `key`, to change in place.
    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        if self.writes_in_place() {
            return Arc::make_mut(&mut self.base).get_mut(key);
        }
        match self.over.entry(key.clone()) {
            btree_map::Entry::Occupied(e) => e.into_mut().as_mut(),
            btree_map::Entry::Vacant(e) => {
                let v = self.base.get(key)?.clone();
                e.insert(Some(v)).as_mut()
            }
        }
    }

    /// Sets the value of `key`; the value replaced.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        let old = if self.writes_in_place() {
            Arc::make_mut(&mut self.base).insert(key, value)
        } else {
            let old = self.get(&key).cloned();
            self.over.insert(key, Some(value));
            old
        };
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    /// Removes `key`; its value.
    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let old = if self.writes_in_place() {
            Arc::make_mut(&mut self.base).remove(key)
        } else if self.base.contains_key(key) {
            let (k, _) = self.base.get_key_value(key)?;
            let k = k.clone();
            let old = self.over.insert(k.clone(), None);
            match old {
                // Written before: its value then, if any.
                Some(v) => v,
                None => self.base.get(key).cloned(),
            }
        } else {
            self.over.remove(key).flatten()
        };
        if old.is_some() {
            self.len -= 1;
        }
        old
    }

    /// Every value, to change in place: the map becomes this copy's own
    /// (a copy of every entry while it is shared).
    pub(crate) fn iter_mut(&mut self) -> btree_map::IterMut<'_, K, V> {
        if Arc::get_mut(&mut self.base).is_none() {
            let own: BTreeMap<K, V> = self.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            self.base = Arc::new(own);
            self.over.clear();
        } else {
            self.writes_in_place();
        }
        Arc::make_mut(&mut self.base).iter_mut()
    }
}

/// The entries of a [`SharedMap`] in key order: the map's, with the
/// overlay's in their place.
pub(crate) struct Iter<'a, K, V> {
    base: Peekable<btree_map::Iter<'a, K, V>>,
    over: Peekable<btree_map::Iter<'a, K, Option<V>>>,
    /// Entries still to come.
    left: usize,
}

impl<'a, K: Ord, V> Iter<'a, K, V> {
    /// The next entry when the two sources have to be merged.
    fn merged(&mut self) -> Option<(&'a K, &'a V)> {
        // Each turn consumes an entry of the map or the overlay.
        loop {
            let order = match (self.base.peek(), self.over.peek()) {
                (None, None) => return None,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some((b, _)), Some((o, _))) => (*b).cmp(*o),
            };
            if order.is_eq() {
                // Replaced or removed: the overlay's entry stands.
                self.base.next();
            }
            let entry = if order.is_ge() {
                match self.over.next() {
                    Some((k, Some(v))) => Some((k, v)),
                    _ => None,
                }
            } else {
                self.base.next()
            };
            if entry.is_some() {
                return entry;
            }
        }
    }
}

impl<'a, K: Ord, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        let entry = if self.over.len() == 0 {
            // Nothing written apart (or nothing left of it).
            self.base.next()
        } else {
            self.merged()
        };
        if entry.is_some() {
            self.left = self.left.saturating_sub(1);
        }
        entry
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<K: Ord, V> ExactSizeIterator for Iter<'_, K, V> {}

impl<K: Ord + Clone, V: Clone + PartialEq> PartialEq for SharedMap<K, V> {
    fn eq(&self, other: &Self) -> bool {
        if Arc::ptr_eq(&self.base, &other.base) && self.over.is_empty() && other.over.is_empty() {
            return true;
        }
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<K: Ord + Clone + fmt::Debug, V: Clone + fmt::Debug> fmt::Debug for SharedMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(feature = "serde")]
impl<K, V> serde::Serialize for SharedMap<K, V>
where
    K: Ord + Clone + serde::Serialize,
    V: Clone + serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

#[cfg(feature = "serde")]
impl<'de, K, V> serde::Deserialize<'de> for SharedMap<K, V>
where
    K: Ord + Clone + serde::Deserialize<'de>,
    V: Clone + serde::Deserialize<'de>,
{
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        BTreeMap::deserialize(d).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(m: &SharedMap<u32, u32>) -> Vec<(u32, u32)> {
        m.iter().map(|(k, v)| (*k, *v)).collect()
    }

    #[test]
    fn copies_written_apart_read_as_maps_written_the_same_way() {
        let mut a: SharedMap<u32, u32> = (0..200).map(|i| (i * 2, i)).collect();
        let mut want: BTreeMap<u32, u32> = a.iter().map(|(k, v)| (*k, *v)).collect();
        let before = entries(&a);
        let mut b = a.clone();
        // Writes to a shared map: replaced, added, removed, removed twice,
        // added then removed, changed in place.
        for (k, v) in [(4, 40), (5, 50), (398, 1), (7, 70)] {
            assert_eq!(b.insert(k, v), want.insert(k, v));
        }
        for k in [6, 6, 7, 1000, 0] {
            assert_eq!(b.remove(&k), want.remove(&k));
        }
        if let (Some(x), Some(y)) = (b.get_mut(&8), want.get_mut(&8)) {
            *x += 100;
            *y += 100;
        }
        assert!(b.get_mut(&9).is_none());
        assert!(!b.over.is_empty(), "written apart while shared");
        let got = entries(&b);
        let expected: Vec<(u32, u32)> = want.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(got, expected);
        assert_eq!(b.len(), want.len());
        assert_eq!(b.iter().len(), want.len());
        assert_eq!(b.get(&5), Some(&50));
        assert_eq!(b.get(&6), None);
        assert!(!b.contains_key(&0));
        // The original is untouched; equality sees contents only.
        assert_eq!(entries(&a), before);
        assert_ne!(a, b);
        let c: SharedMap<u32, u32> = want.clone().into();
        assert_eq!(b, c);
        // Once the other copy is gone, writes go in place (overlay folded).
        drop(a);
        b.insert(1, 1);
        want.insert(1, 1);
        assert!(b.over.is_empty());
        assert_eq!(b, want.clone().into());
        // A copy of a map written in place, then many writes: folded into
        // a map of its own past an eighth.
        a = b.clone();
        for k in 0..150 {
            b.insert(k * 3, k);
            want.insert(k * 3, k);
        }
        assert!(b.over.len() < 150);
        assert_eq!(b, want.clone().into());
        assert_ne!(a, b);
        for (_, v) in b.iter_mut() {
            *v += 1;
        }
        for v in want.values_mut() {
            *v += 1;
        }
        assert_eq!(b, want.into());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serialised_as_the_map_it_reads_as() {
        let a: SharedMap<String, u32> = [("a".to_owned(), 1), ("b".to_owned(), 2)]
            .into_iter()
            .collect();
        let mut b = a.clone();
        b.insert("c".into(), 3);
        b.remove("a");
        let json = serde_json::to_string(&b).unwrap_or_default();
        assert_eq!(json, r#"{"b":2,"c":3}"#);
        let back: SharedMap<String, u32> = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, b);
        assert_eq!(format!("{b:?}"), r#"{"b": 2, "c": 3}"#);
    }
}
