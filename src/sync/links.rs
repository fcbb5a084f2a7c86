//! [`Links`]: a state's links by ledger id, with a journal of the ledger
//! ids written since the map was copied, so that [`diff`](super::diff)
//! compares only those instead of walking every link.
//!
//! The journal is bookkeeping, never state: it is not serialised, and two
//! maps with the same links are equal whatever their journals say. It only
//! ever errs on the safe side: when it cannot vouch for what changed (a map
//! read from storage, mutated through [`Links::iter_mut`], or written in
//! too many places), [`Links::written_since`] answers `None` and the diff
//! walks both maps whole, as it always did.

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::model::ContactId;

use super::link::Link;
use super::shared_map::{Iter, SharedMap};

/// Identity of one version of a map's contents (compared by address).
#[derive(Debug, Default)]
struct Stamp;

/// A ledger id written since the copy: its link before the first write
/// (as the map copied holds it) and as it is now (`None`: no link).
#[derive(Debug)]
pub(crate) struct Written {
    /// The link in the map copied.
    pub(crate) before: Option<Link>,
    /// The link in this map.
    pub(crate) after: Option<Link>,
}

/// A journal: which version of which map this one was copied from, and
/// the links written since.
#[derive(Debug)]
struct Journal {
    /// This map's contents as they are now. Replaced by a new stamp at the
    /// first write after a copy took it as its parent.
    id: Arc<Stamp>,
    /// The version of the map this one was copied from.
    parent: Option<Arc<Stamp>>,
    /// The links written since the copy (`None`: unknown).
    written: Option<BTreeMap<ContactId, Written>>,
}

impl Journal {
    fn fresh() -> Self {
        Self {
            id: Arc::new(Stamp),
            parent: None,
            written: None,
        }
    }
}

/// A state's links, by ledger id, in a [`SharedMap`] (a copy shares
/// them). Every write goes through a method that notes it in the journal.
#[derive(Debug)]
pub(crate) struct Links {
    map: SharedMap<ContactId, Link>,
    journal: Journal,
}

impl Default for Links {
    fn default() -> Self {
        Self {
            map: SharedMap::default(),
            journal: Journal::fresh(),
        }
    }
}

/// A copy knows it was taken from this version of `self`, and starts with
/// nothing written.
impl Clone for Links {
    fn clone(&self) -> Self {
        Self {
            map: self.map.clone(),
            journal: Journal {
                id: Arc::new(Stamp),
                parent: Some(Arc::clone(&self.journal.id)),
                written: Some(BTreeMap::new()),
            },
        }
    }
}

impl PartialEq for Links {
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}

impl FromIterator<(ContactId, Link)> for Links {
    fn from_iter<I: IntoIterator<Item = (ContactId, Link)>>(iter: I) -> Self {
        Self {
            map: iter.into_iter().collect(),
            journal: Journal::fresh(),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Links {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.map.serialize(s)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Links {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        SharedMap::deserialize(d).map(|map| Self {
            map,
            journal: Journal::fresh(),
        })
    }
}

/// A link borrowed to change in place: when dropped, it notes its value in
/// the journal.
pub(crate) struct LinkMut<'a> {
    link: &'a mut Link,
    after: Option<&'a mut Option<Link>>,
}

impl Deref for LinkMut<'_> {
    type Target = Link;

    fn deref(&self) -> &Link {
        self.link
    }
}

impl DerefMut for LinkMut<'_> {
    fn deref_mut(&mut self) -> &mut Link {
        self.link
    }
}

impl Drop for LinkMut<'_> {
    fn drop(&mut self) {
        if let Some(after) = self.after.take() {
            *after = Some(self.link.clone());
        }
    }
}

impl Links {
    /// The number of links.
    pub(crate) const fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are none.
    pub(crate) const fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The link of ledger id `id`.
    pub(crate) fn get<Q>(&self, id: &Q) -> Option<&Link>
    where
        ContactId: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.map.get(id)
    }

    /// The ledger id and link of `id`.
    pub(crate) fn get_key_value<Q>(&self, id: &Q) -> Option<(&ContactId, &Link)>
    where
        ContactId: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.map.get_key_value(id)
    }

    /// Whether ledger id `id` has a link.
    pub(crate) fn contains_key<Q>(&self, id: &Q) -> bool
    where
        ContactId: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.map.contains_key(id)
    }

    /// The links by ledger id, in order.
    pub(crate) fn iter(&self) -> Iter<'_, ContactId, Link> {
        self.map.iter()
    }

    /// The links in ledger id order.
    pub(crate) fn values(&self) -> impl ExactSizeIterator<Item = &Link> + '_ {
        self.map.values()
    }

    /// Before a write of `id`: a copy that took this version as its parent
    /// keeps it (this map moves on to a new version), and the journal gets
    /// an entry for `id`, its link before the first write being `current`
    /// (`None` when the journal gives up or is off).
    fn will_write(&mut self, id: &ContactId) -> Option<&mut Written> {
        let current = self.map.get(id).cloned();
        self.will_write_with(id, || current)
    }

    /// [`Self::will_write`], the link before the write given by `current`
    /// (called only when the journal needs it).
    fn will_write_with(
        &mut self,
        id: &ContactId,
        current: impl FnOnce() -> Option<Link>,
    ) -> Option<&mut Written> {
        if Arc::strong_count(&self.journal.id) > 1 {
            self.journal.id = Arc::new(Stamp);
        }
        // Past a quarter of the map the journal gives up: a walk of both
        // maps costs about the same then.
        let limit = self.map.len() / 4 + 64;
        let full = self
            .journal
            .written
            .as_ref()
            .is_some_and(|w| w.len() >= limit && !w.contains_key(id));
        if full {
            self.journal.written = None;
        }
        let written = self.journal.written.as_mut()?;
        Some(written.entry(id.clone()).or_insert_with(|| Written {
            before: current(),
            after: None,
        }))
    }

    /// The link of `id`, to change in place.
    pub(crate) fn get_mut(&mut self, id: &ContactId) -> Option<LinkMut<'_>> {
        let current = self.map.get(id)?.clone();
        let note = self.will_write_with(id, || Some(current)).is_some();
        let Self { map, journal } = self;
        let link = map.get_mut(id)?;
        let after = if note {
            journal
                .written
                .as_mut()
                .and_then(|w| w.get_mut(id))
                .map(|w| &mut w.after)
        } else {
            None
        };
        Some(LinkMut { link, after })
    }

    /// Adds or replaces the link of `id`; the link replaced.
    pub(crate) fn insert(&mut self, id: ContactId, link: Link) -> Option<Link> {
        if let Some(w) = self.will_write(&id) {
            w.after = Some(link.clone());
        }
        self.map.insert(id, link)
    }

    /// Removes the link of `id`.
    pub(crate) fn remove(&mut self, id: &ContactId) -> Option<Link> {
        if !self.map.contains_key(id) {
            return None;
        }
        if let Some(w) = self.will_write(id) {
            w.after = None;
        }
        self.map.remove(id)
    }

    /// Every link, to change in place (the journal gives up).
    pub(crate) fn iter_mut(&mut self) -> std::collections::btree_map::IterMut<'_, ContactId, Link> {
        if Arc::strong_count(&self.journal.id) > 1 {
            self.journal.id = Arc::new(Stamp);
        }
        self.journal.written = None;
        self.map.iter_mut()
    }

    /// The links written in this map since it was copied from `earlier`,
    /// by ledger id, when `earlier` is unchanged since (`None` when the
    /// journal cannot tell).
    pub(crate) fn written_since(&self, earlier: &Self) -> Option<&BTreeMap<ContactId, Written>> {
        let parent = self.journal.parent.as_ref()?;
        if Arc::ptr_eq(parent, &earlier.journal.id) {
            self.journal.written.as_ref()
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{LinkOrigin, LinkStatus};
    use chrono::{TimeZone, Utc};

    fn link(remote: &str, local: &str) -> Link {
        Link {
            local_id: local.into(),
            remote_id: remote.into(),
            status: LinkStatus::Linked,
            origin: LinkOrigin::Matched,
            linked_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            base: None,
            remote_version: None,
        }
    }

    fn ids(set: Option<&BTreeMap<ContactId, Written>>) -> Option<Vec<&str>> {
        set.map(|s| s.keys().map(ContactId::as_str).collect())
    }

    #[test]
    fn a_copy_names_what_was_written_since() {
        let mut a = Links::default();
        for i in 0..10 {
            let r = format!("R{i}");
            a.insert(r.as_str().into(), link(&r, &format!("L{i}")));
        }
        // Read from nowhere: unknown.
        assert_eq!(ids(a.written_since(&Links::default())), None);
        let mut b = a.clone();
        assert_eq!(ids(b.written_since(&a)), Some(vec![]));
        b.insert("R3".into(), link("R3", "L9"));
        b.remove(&"R5".into());
        b.remove(&"R77".into());
        if let Some(mut l) = b.get_mut(&"R1".into()) {
            l.local_id = "L8".into();
        }
        assert_eq!(ids(b.written_since(&a)), Some(vec!["R1", "R3", "R5"]));
        // Not the other way round, nor against a sibling.
        assert_eq!(ids(a.written_since(&b)), None);
        let c = a.clone();
        assert_eq!(ids(b.written_since(&c)), None);
    }

    #[test]
    fn a_parent_written_after_the_copy_is_another_version() {
        let mut a = Links::default();
        a.insert("R1".into(), link("R1", "L1"));
        let b = a.clone();
        a.insert("R2".into(), link("R2", "L2"));
        assert_eq!(ids(b.written_since(&a)), None);
        let mut d = a.clone();
        let _ = d.iter_mut().count();
        assert_eq!(ids(d.written_since(&a)), None);
        // Equality ignores the journal.
        assert!(d == a);
    }
}
