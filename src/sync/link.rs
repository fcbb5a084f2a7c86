//! [`Link`]: a local contact and a ledger record kept in step, how the
//! pair came about and where it stands.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::{ContactId, VersionToken};

use super::fields::{FieldValue, SyncField};

/// How a linked pair came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum LinkOrigin {
    /// A full match (M1).
    Matched,
    /// A person confirmed a match issue (M2, L2).
    Confirmed,
    /// A person re-matched an unsynced record (L3).
    Rematched,
    /// The local contact was created from the ledger record (M3).
    CreatedLocally,
    /// The ledger record was created from the local contact (P1–P3).
    CreatedRemotely,
    /// The linked Xero contact was merged into this one (U3).
    Merged,
}

/// Why a ledger record no longer syncs (F6, U8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Removal {
    /// Archived in the ledger (Xero `ARCHIVED`, QBO `Active=false`).
    Archived,
    /// Missing from a full listing, or reported deleted by a change feed.
    Deleted,
    /// The local contact is gone.
    DeletedLocally,
}

/// Where a pair stands in its lifecycle (L1–L3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "state"))]
pub enum LinkStatus {
    /// Linked: changes flow both ways (F3).
    Linked,
    /// Unsynced by a person (L3): nothing flows; not re-matched (M10) until
    /// a person re-matches it.
    Unsynced {
        /// When.
        since: DateTime<Utc>,
    },
    /// One side's record went away (F6, U8). The local contact is never
    /// deleted; the pair is kept so that the history is clear and a
    /// restored record links again.
    Removed {
        /// What happened.
        removal: Removal,
        /// When the planner saw it.
        since: DateTime<Utc>,
    },
}

/// The last-synced values of a pair: the common base of the three-way merge
/// (F4). Shared (`Arc`) so that copying a state of many links is cheap.
pub type FieldBase = Arc<FieldMap>;

/// Values by synced field, each field once, in field order: a pair's
/// base.
///
/// A map of a handful of entries kept as one exact-size list: a state of
/// a million pairs holds a million of them (a `BTreeMap` took a node of
/// eleven slots, about 1.5 kB, for each). Serialised as a map from field
/// to value, as before.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldMap(Vec<(SyncField, FieldValue)>);

impl FieldMap {
    /// An empty map.
    #[must_use]
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// The value of `field`.
    #[must_use]
    pub fn get(&self, field: &SyncField) -> Option<&FieldValue> {
        self.position(*field)
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|(_, v)| v)
    }

    /// Whether `field` has a value.
    #[must_use]
    pub fn contains_key(&self, field: &SyncField) -> bool {
        self.position(*field).is_ok()
    }

    /// Sets `field` to `value`; the value replaced.
    pub fn insert(&mut self, field: SyncField, value: FieldValue) -> Option<FieldValue> {
        match self.position(field) {
            Ok(i) => self.0.get_mut(i).map(|(_, v)| std::mem::replace(v, value)),
            Err(i) => {
                self.0.insert(i, (field, value));
                None
            }
        }
    }

    /// Removes `field`; its value.
    pub fn remove(&mut self, field: &SyncField) -> Option<FieldValue> {
        let i = self.position(*field).ok()?;
        Some(self.0.remove(i).1)
    }

    /// The fields and their values, in field order.
    pub fn iter(&self) -> impl Iterator<Item = (&SyncField, &FieldValue)> {
        self.0.iter().map(|(f, v)| (f, v))
    }

    /// The fields with a value, in order.
    pub fn keys(&self) -> impl Iterator<Item = &SyncField> {
        self.0.iter().map(|(f, _)| f)
    }

    /// How many fields have a value.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no field has a value.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn position(&self, field: SyncField) -> Result<usize, usize> {
        self.0.binary_search_by(|(f, _)| f.cmp(&field))
    }
}

impl FromIterator<(SyncField, FieldValue)> for FieldMap {
    /// Later values of a field replace earlier ones, as in a `BTreeMap`.
    fn from_iter<I: IntoIterator<Item = (SyncField, FieldValue)>>(iter: I) -> Self {
        let mut entries: Vec<(SyncField, FieldValue)> = iter.into_iter().collect();
        // Stable: the last value of a repeated field is kept below.
        entries.sort_by_key(|(f, _)| *f);
        let mut out: Vec<(SyncField, FieldValue)> = Vec::with_capacity(entries.len());
        for (f, v) in entries {
            match out.last_mut() {
                Some(last) if last.0 == f => last.1 = v,
                _ => out.push((f, v)),
            }
        }
        out.shrink_to_fit();
        Self(out)
    }
}

impl From<BTreeMap<SyncField, FieldValue>> for FieldMap {
    fn from(map: BTreeMap<SyncField, FieldValue>) -> Self {
        let mut entries: Vec<(SyncField, FieldValue)> = map.into_iter().collect();
        entries.shrink_to_fit();
        Self(entries)
    }
}

impl<'m> IntoIterator for &'m FieldMap {
    type Item = (&'m SyncField, &'m FieldValue);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'m, (SyncField, FieldValue)>,
        fn(&'m (SyncField, FieldValue)) -> (&'m SyncField, &'m FieldValue),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(f, v)| (f, v))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for FieldMap {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for FieldMap {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::<SyncField, FieldValue>::deserialize(deserializer).map(Self::from)
    }
}

/// A local contact and a ledger record kept in step.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Link {
    /// The local contact.
    pub local_id: ContactId,
    /// The ledger record.
    pub remote_id: ContactId,
    /// Lifecycle state.
    pub status: LinkStatus,
    /// How the pair was made.
    pub origin: LinkOrigin,
    /// When the pair was made.
    pub linked_at: DateTime<Utc>,
    /// The values both sides agreed on at the last sync. `None` until the
    /// first sync of the pair wrote the ledger's values locally (F2).
    pub base: Option<FieldBase>,
    /// The ledger record's version token as last seen (U5).
    pub remote_version: Option<VersionToken>,
}

impl Link {
    /// Whether changes flow.
    #[must_use]
    pub const fn is_linked(&self) -> bool {
        matches!(self.status, LinkStatus::Linked)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn text(s: &str) -> FieldValue {
        FieldValue::Text(s.into())
    }

    #[test]
    fn f4_field_map_keeps_one_value_per_field_in_field_order() {
        let mut m: FieldMap = [
            (SyncField::PrimaryPhone, text("1")),
            (SyncField::Email, text("a@x.test")),
            (SyncField::PrimaryPhone, text("2")),
        ]
        .into_iter()
        .collect();
        // The later value of a repeated field wins, as in a BTreeMap.
        assert_eq!(m.get(&SyncField::PrimaryPhone), Some(&text("2")));
        assert_eq!(m.len(), 2);
        assert_eq!(
            m.insert(SyncField::Email, text("b@x.test")),
            Some(text("a@x.test"))
        );
        assert_eq!(
            m.insert(SyncField::Name, FieldValue::Text("n".into())),
            None
        );
        let order: Vec<SyncField> = m.keys().copied().collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
        assert_eq!(m.remove(&SyncField::Name), Some(text("n")));
        assert_eq!(m.remove(&SyncField::Name), None);
        assert!(!m.contains_key(&SyncField::Name));
        let b: BTreeMap<SyncField, FieldValue> = m.iter().map(|(f, v)| (*f, v.clone())).collect();
        assert_eq!(FieldMap::from(b), m);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn f4_field_map_is_stored_as_the_map_it_replaced() {
        let b: BTreeMap<SyncField, FieldValue> = [
            (SyncField::PrimaryPhone, text("1")),
            (SyncField::Email, text("a@x.test")),
        ]
        .into_iter()
        .collect();
        let m = FieldMap::from(b.clone());
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, serde_json::to_string(&b).unwrap());
        assert_eq!(serde_json::from_str::<FieldMap>(&json).unwrap(), m);
    }
}
