//! The row encoding both stores share: JSON for the head and each link.

use crate::ops::AdapterError;
use crate::sync::{Link, STATE_FORMAT_VERSION, STATE_FORMAT_WHOLE_JSON, StateHead, SyncState};

/// What the last save of a store wrote: rows and payload bytes (keys and
/// JSON values sent to the database; the database's own pages and log come
/// on top).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SaveStats {
    /// Link rows written or deleted.
    pub link_rows: usize,
    /// Whether the head was written.
    pub head: bool,
    /// Bytes of keys and values sent.
    pub bytes: usize,
}

pub(crate) fn bad(what: &str, e: impl std::fmt::Display) -> AdapterError {
    AdapterError::Validation {
        code: None,
        message: format!("{what}: {e}"),
    }
}

pub(crate) fn encode_head(head: &StateHead) -> Result<String, AdapterError> {
    serde_json::to_string(head).map_err(|e| bad("the state's head could not be encoded", e))
}

pub(crate) fn encode_link(link: &Link) -> Result<String, AdapterError> {
    serde_json::to_string(link).map_err(|e| bad("a link could not be encoded", e))
}

/// A state from its stored parts, in the format it was stored in.
pub(crate) fn decode(
    format: u32,
    head: &str,
    links: impl IntoIterator<Item = String>,
) -> Result<SyncState, AdapterError> {
    match format {
        STATE_FORMAT_WHOLE_JSON => {
            let mut state: SyncState =
                serde_json::from_str(head).map_err(|e| bad("a stored state (format 1)", e))?;
            state.repair_index();
            Ok(state)
        }
        STATE_FORMAT_VERSION => {
            let head: StateHead =
                serde_json::from_str(head).map_err(|e| bad("a stored state's head", e))?;
            let mut out = Vec::new();
            for l in links {
                out.push(serde_json::from_str::<Link>(&l).map_err(|e| bad("a stored link", e))?);
            }
            Ok(SyncState::from_parts(head, out))
        }
        other => Err(bad(
            "a stored state",
            format!("format {other} is newer than this version of ledgerlink reads"),
        )),
    }
}

/// Checks a format-1 document before it is stored.
pub(crate) fn check_whole(document: &str) -> Result<(), AdapterError> {
    serde_json::from_str::<SyncState>(document)
        .map(|_| ())
        .map_err(|e| bad("not a saved sync state", e))
}
