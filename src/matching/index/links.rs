//! Links that already exist on a connection (M9, M10).

use std::collections::BTreeMap;

use crate::model::ContactId;

/// Links that already exist on a connection (M9, M10): linked and unsynced
/// pairs. Linked remote records are not matched again; a local contact that
/// is linked cannot be linked automatically to a second remote record;
/// unsynced remote records are left alone until a person re-matches them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExistingLinks {
    linked_by_remote: BTreeMap<ContactId, ContactId>,
    linked_by_local: BTreeMap<ContactId, ContactId>,
    unsynced_by_remote: BTreeMap<ContactId, ContactId>,
}

impl ExistingLinks {
    /// No links.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a linked pair (replacing any earlier pair of either id).
    pub fn link(&mut self, local: impl Into<ContactId>, remote: impl Into<ContactId>) {
        let (local, remote) = (local.into(), remote.into());
        if let Some(old_local) = self.linked_by_remote.insert(remote.clone(), local.clone()) {
            self.linked_by_local.remove(&old_local);
        }
        if let Some(old_remote) = self.linked_by_local.insert(local, remote.clone())
            && old_remote != remote
        {
            self.linked_by_remote.remove(&old_remote);
        }
        self.unsynced_by_remote.remove(&remote);
    }

    /// Records an unsynced pair (L3): the link is broken and the remote
    /// record is not matched again automatically.
    pub fn unsync(&mut self, local: impl Into<ContactId>, remote: impl Into<ContactId>) {
        let (local, remote) = (local.into(), remote.into());
        if self.linked_by_remote.get(&remote) == Some(&local) {
            self.linked_by_remote.remove(&remote);
            self.linked_by_local.remove(&local);
        }
        self.unsynced_by_remote.insert(remote, local);
    }

    /// The local contact a remote record is linked to.
    #[must_use]
    pub fn local_of(&self, remote: &str) -> Option<&ContactId> {
        self.linked_by_remote.get(remote)
    }

    /// The remote record a local contact is linked to.
    #[must_use]
    pub fn remote_of(&self, local: &str) -> Option<&ContactId> {
        self.linked_by_local.get(local)
    }

    /// The local contact of an unsynced remote record.
    #[must_use]
    pub fn unsynced_local_of(&self, remote: &str) -> Option<&ContactId> {
        self.unsynced_by_remote.get(remote)
    }

    /// Whether there are no links at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.linked_by_remote.is_empty() && self.unsynced_by_remote.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn m10_existing_links_keep_one_partner_per_side() {
        let mut links = ExistingLinks::new();
        assert!(links.is_empty());
        links.link("K1", "R1");
        links.link("K1", "R2"); // K1 moves to R2: R1 is free again (M9)
        assert_eq!(links.local_of("R1"), None);
        assert_eq!(links.local_of("R2").map(ContactId::as_str), Some("K1"));
        assert_eq!(links.remote_of("K1").map(ContactId::as_str), Some("R2"));
        links.link("K2", "R2"); // R2 moves to K2: K1 is free again
        assert_eq!(links.remote_of("K1"), None);
        assert_eq!(links.remote_of("K2").map(ContactId::as_str), Some("R2"));
        links.unsync("K2", "R2"); // the link is broken, the pair remembered
        assert_eq!(links.local_of("R2"), None);
        assert_eq!(
            links.unsynced_local_of("R2").map(ContactId::as_str),
            Some("K2")
        );
        links.link("K2", "R2"); // re-matched
        assert_eq!(links.unsynced_local_of("R2"), None);
        assert_eq!(links.local_of("R2").map(ContactId::as_str), Some("K2"));
        #[cfg(feature = "serde")]
        {
            links.unsync("K9", "R9");
            let json = serde_json::to_string(&links).unwrap();
            let back: ExistingLinks = serde_json::from_str(&json).unwrap();
            assert_eq!(back, links);
        }
    }
}
