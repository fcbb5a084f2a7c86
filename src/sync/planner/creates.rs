//! Creating a record from its partner on the other side: a local contact
//! from a ledger record (M2, M3, P4), a ledger record from a local contact
//! (P1–P3). Decisions, matching and the push all create through here.

use std::sync::Arc;

use crate::error::Side;
use crate::model::{Contact, ContactId, ContactKind};
use crate::sync::fields::{FieldValue, SyncField, read_field, write_field};
use crate::sync::operation::{Action, ContactRef, Operation};
use crate::sync::plan::{NoticeKind, OpId};
use crate::sync::state::SyncState;

use super::FastMap;
use super::listings::Run;
use super::output::Draft;
use super::unique_names::UniqueNames;

/// Why a record is created: the rule, and in words.
#[derive(Clone, Copy)]
pub(super) struct Reason {
    pub(super) rule: &'static str,
    pub(super) why: &'static str,
}

/// Plans the local contact of a ledger record. Its organisations are
/// linked ones, `pending` links of this classification (ledger → local
/// id), or organisations this plan creates (then the create depends on
/// theirs).
pub(super) fn create_local(
    run: &Run<'_>,
    next: &SyncState,
    out: &mut Draft,
    pending: &FastMap<ContactId, ContactId>,
    remote: &Contact,
    kind: Option<ContactKind>,
    reason: Reason,
) {
    let Reason { rule, why } = reason;
    let mut contact = Contact {
        kind,
        contact_type: Some(run.config.default_contact_type.clone()),
        ..Contact::default()
    };
    // Everything the ledger knows about the contact, not only the
    // synced fields: the firm starts with the full record.
    contact.display_name.clone_from(&remote.display_name);
    contact
        .organization_name
        .clone_from(&remote.organization_name);
    contact.first_name.clone_from(&remote.first_name);
    contact.middle_name.clone_from(&remote.middle_name);
    contact.last_name.clone_from(&remote.last_name);
    contact.emails.clone_from(&remote.emails);
    contact.phones.clone_from(&remote.phones);
    contact.addresses.clone_from(&remote.addresses);
    let mut organizations = Vec::new();
    let mut depends_on = Vec::new();
    for p in &remote.organization_ids {
        if let Some(l) = next.links.get(p).filter(|l| l.is_linked()) {
            organizations.push(ContactRef::Id(l.local_id.clone()));
        } else if let Some(l) = pending.get(p) {
            organizations.push(ContactRef::Id(l.clone()));
        } else {
            if out.created_local.contains(p) {
                let op = op_id("create-local:", p.as_str());
                organizations.push(ContactRef::CreatedBy(op.clone()));
                depends_on.push(op);
            }
        }
    }
    let id = op_id("create-local:", remote.id.as_str());
    let key = idempotency_key(next, &id);
    // Built by appending: a first connection creates hundreds of thousands
    // of these, and `format!` costs several times as much for the same text.
    let reason = concat(&[
        why,
        " (",
        rule,
        "): created as ",
        kind.map_or("a contact of unknown kind", ContactKind::as_str),
        " with contact type \"",
        &run.config.default_contact_type,
        "\" (P4)",
    ]);
    out.report.counts.local_creates += 1;
    out.created_local.insert(remote.id.clone());
    out.ops.push(Operation {
        id,
        side: Side::Local,
        action: Action::Create {
            contact: Arc::new(contact),
            source_id: remote.id.clone(),
            organizations,
            idempotency_key: key,
        },
        depends_on,
        rule: rule.to_owned(),
        reason,
    });
}

/// Plans the ledger record of a local contact: its pushed fields, a name
/// the ledger accepts (U2), and `organizations` with the creates they
/// depend on. The caller reserves the local contact.
pub(super) fn create_remote(
    run: &Run<'_>,
    next: &SyncState,
    out: &mut Draft,
    names: &mut UniqueNames<'_>,
    local: &Contact,
    organizations: Vec<(ContactRef, Option<OpId>)>,
    reason: Reason,
) {
    let Reason { rule, why } = reason;
    let profile = run.profile;
    let mut contact = Contact {
        kind: local.kind,
        ..Contact::default()
    };
    contact.middle_name.clone_from(&local.middle_name);
    for &f in SyncField::synced_by(profile) {
        if f.is_pushed(profile, local) {
            write_field(
                profile,
                &mut contact,
                f,
                read_field(profile, local, f).as_ref(),
            );
        }
    }
    if let Some(FieldValue::Name(n)) = read_field(profile, &contact, SyncField::Name) {
        let (sent, changes) = names.name_to_send(&next.taken_names, n, None);
        if !changes.is_empty() {
            out.notice(
                NoticeKind::Renamed,
                "U2",
                Some(&local.id),
                None,
                format!(
                    "display name \"{}\" chosen for the ledger: {}",
                    sent.display,
                    changes.join(", ")
                ),
            );
        }
        write_field(
            profile,
            &mut contact,
            SyncField::Name,
            Some(&FieldValue::Name(sent)),
        );
    }
    // The ledger needs its display name spelled out (QBO DisplayName,
    // Xero Name), even when the local one is derived (N3).
    if contact.display_name().is_none() {
        let label = contact.label();
        if !label.is_empty() {
            contact.display_name = Some(label);
        }
    }
    let id = op_id("create-remote:", local.id.as_str());
    let key = idempotency_key(next, &id);
    let (organizations, depends_on): (Vec<ContactRef>, Vec<Option<OpId>>) =
        organizations.into_iter().unzip();
    out.report.counts.remote_creates += 1;
    out.ops.push(Operation {
        id,
        side: Side::Remote,
        action: Action::Create {
            contact: Arc::new(contact),
            source_id: local.id.clone(),
            organizations,
            idempotency_key: key,
        },
        depends_on: depends_on.into_iter().flatten().collect(),
        rule: rule.to_owned(),
        reason: concat(&[why, " (", rule, ")"]),
    });
}

/// The idempotency key of a create: `ledgerlink:<scope>:<run>:<op id>`,
/// unique beyond this state (see [`ops::key_scope`](crate::ops::key_scope)).
fn idempotency_key(next: &SyncState, id: &OpId) -> String {
    let scope = next.key_scope.as_deref();
    let mut key = String::with_capacity(
        "ledgerlink:".len() + scope.map_or(0, |s| s.len() + 1) + 21 + id.as_str().len(),
    );
    key.push_str("ledgerlink:");
    if let Some(scope) = scope {
        key.push_str(scope);
        key.push(':');
    }
    push_decimal(&mut key, next.run);
    key.push(':');
    key.push_str(id.as_str());
    key
}

/// The id of an operation: `prefix` (ending in `:`) then the record's id.
pub(super) fn op_id(prefix: &str, id: &str) -> OpId {
    OpId(concat(&[prefix, id]))
}

/// `parts` joined, in one allocation.
pub(super) fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// Appends `n` in decimal (what `format!("{n}")` writes).
fn push_decimal(s: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        // `n % 10` is a digit: the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        let d = (n % 10) as u8;
        if let Some(slot) = digits.get_mut(i) {
            *slot = b'0' + d;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &d in digits.get(i..).unwrap_or_default() {
        s.push(char::from(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_and_joins_read_as_format_writes_them() {
        for n in [0, 7, 10, 99, 1_000_001, u64::MAX] {
            let mut s = String::from("x");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
        assert_eq!(concat(&["a", "", "bc"]), "abc");
        assert_eq!(op_id("create-local:", "R1").as_str(), "create-local:R1");
    }
}
