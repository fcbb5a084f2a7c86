//! Contacts as the tests write them, batch matching, and linked states.

use ledgerlink::model::ContactKind;
use ledgerlink::sync::{
    FieldChange, FieldPatch, FieldValue, Link, LinkOrigin, LinkStatus, SyncField, SyncState,
};
use ledgerlink::{Contact, MatchIndex, MatchResult, Profile};

use super::time::t0;

/// A local organisation with a billing email.
pub fn org(id: &str, name: &str, email: &str) -> Contact {
    Contact::organization(id, name).with_email(email)
}

/// A local person with a billing email.
pub fn person(id: &str, first: &str, last: &str, email: &str) -> Contact {
    Contact::person(id, first, last).with_email(email)
}

/// A Xero / XPM record: a name and a primary email, kind unknown.
pub fn remote(id: &str, name: &str, email: &str) -> Contact {
    Contact::named(id, name).with_email(email)
}

/// A QBO customer.
pub fn qbo(
    id: &str,
    display: &str,
    company: Option<&str>,
    names: Option<(&str, &str)>,
    email: &str,
) -> Contact {
    let mut c = Contact::named(id, display).with_email(email);
    c.organization_name = company.map(str::to_owned);
    if let Some((f, l)) = names {
        c = c.with_names(f, l);
    }
    c
}

/// Classifies a batch and panics on error (test helper).
pub fn run(profile: Profile, local: &[Contact], remote: &[Contact]) -> Vec<MatchResult> {
    MatchIndex::new(profile, local)
        .unwrap()
        .classify_batch(remote)
        .unwrap()
}

/// Kind of a result, if decided.
pub fn kind(r: &MatchResult) -> Option<ContactKind> {
    r.kind.as_ref().map(|k| k.kind)
}

/// A sync state in which each (local, remote) pair is linked, as matching
/// linked them at `t0()`.
pub fn linked(pairs: &[(&str, &str)]) -> SyncState {
    let mut state = SyncState::new();
    for (local, remote) in pairs {
        state.insert_link(Link {
            local_id: (*local).into(),
            remote_id: (*remote).into(),
            status: LinkStatus::Linked,
            origin: LinkOrigin::Matched,
            linked_at: t0(),
            base: None,
            remote_version: None,
        });
    }
    state
}

/// A patch of `profile` that sets each field to its new value (the old
/// values unknown), as the planner writes an update.
pub fn patch(profile: Profile, changes: Vec<(SyncField, Option<FieldValue>)>) -> FieldPatch {
    FieldPatch {
        profile,
        changes: changes
            .into_iter()
            .map(|(field, new)| FieldChange {
                field,
                old: None,
                new,
            })
            .collect(),
    }
}
