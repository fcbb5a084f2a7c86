//! The contact operation: what a plan asks a store to write ([`Action`]),
//! in the shape of the core's [`Operation`](crate::ops::Operation), and
//! the outcome fed back. The plan and the state both hold operations;
//! this file depends on neither.

use std::sync::Arc;

use crate::error::Side;
use crate::model::{Contact, ContactId, VersionToken};

use super::fields::FieldPatch;

/// A contact an operation refers to: an existing record, or the one an
/// earlier operation of the plan creates.
pub type ContactRef = crate::ops::Ref<ContactId>;

/// One planned contact write ([`Action`]), with its id, side, dependencies
/// and reason.
pub type Operation = crate::ops::Operation<Action>;

/// What became of one contact operation: the record as stored when applied.
pub type OpOutcome = crate::ops::Outcome<Box<Contact>>;

/// One contact operation's outcome, as fed back to
/// [`apply_results`](super::apply_results).
pub type OpResult = crate::ops::OpResult<Box<Contact>>;

/// What an operation does.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "action"))]
pub enum Action {
    /// Create a record from the other side's data, then link the pair.
    Create {
        /// The record to create (its `id` is empty: the store assigns one).
        /// Shared: the state records the create in flight (U1) without a
        /// copy of the record.
        contact: Arc<Contact>,
        /// The record on the other side it will be linked to.
        source_id: ContactId,
        /// The organisations the new person belongs to, on the side written
        /// to (XPM client contacts, P2 people).
        organizations: Vec<ContactRef>,
        /// Sent with the create; the same key is re-sent if the result was
        /// lost, so the store creates one record only (U1).
        idempotency_key: String,
    },
    /// Write fields of an existing record.
    Update {
        /// The record written to.
        target_id: ContactId,
        /// Its partner on the other side.
        partner_id: ContactId,
        /// The fields, with the values they replace.
        patch: FieldPatch,
        /// The version the change was planned against (U5).
        expected_version: Option<VersionToken>,
    },
}

impl Operation {
    /// The local and the ledger id the operation concerns (a create's own
    /// side is unknown until it ran).
    #[must_use]
    pub fn ids(&self) -> (Option<&ContactId>, Option<&ContactId>) {
        let (own, other) = match &self.action {
            Action::Create { source_id, .. } => (None, Some(source_id)),
            Action::Update {
                target_id,
                partner_id,
                ..
            } => (Some(target_id), Some(partner_id)),
        };
        match self.side {
            Side::Local => (own, other),
            Side::Remote => (other, own),
        }
    }

    /// Whether this is a create.
    #[must_use]
    pub const fn is_create(&self) -> bool {
        matches!(self.action, Action::Create { .. })
    }
}
