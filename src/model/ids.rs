use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

/// The identifier of a contact on its own side (a local id, a Xero
/// `ContactID`, an XPM client `UUID`, a QBO customer `Id`).
///
/// Cheap to clone (a shared string), ordered by its text so that every list
/// of ids the engine returns is sorted the same way on every run.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct ContactId(Arc<str>);

impl ContactId {
    /// Wraps an id.
    pub fn new(id: impl AsRef<str>) -> Self {
        Self(Arc::from(id.as_ref()))
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ContactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for ContactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ContactId {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for ContactId {
    fn from(s: String) -> Self {
        Self(Arc::from(s))
    }
}

impl AsRef<str> for ContactId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for ContactId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for ContactId {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for ContactId {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}
