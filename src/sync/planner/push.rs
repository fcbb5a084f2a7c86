//! Local contacts sent to the ledger (P1–P3): new and changed contacts of
//! the pushed types, and under XPM the people of pushed organisations
//! (P2). Remembers what each unlinked contact looked like, so that only
//! new and changed ones are sent.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::error::Side;
use crate::matching::hash::{IdBuild, hash_bytes};
use crate::model::{Contact, ContactId, ContactKind};
use crate::rules::{Profile, Push};
use crate::sync::fields::{FieldRef, SyncField, read_field_ref};
use crate::sync::operation::ContactRef;
use crate::sync::plan::OpId;
use crate::sync::shared_map::SharedMap;
use crate::sync::state::SyncState;

use super::creates::{Reason, create_remote};
use super::listings::Run;
use super::output::Draft;
use super::unique_names::UniqueNames;
use super::{Claims, FastSet, linked_local};

/// Plans the ledger creates of local contacts. Reads the run, the claims
/// and the local contacts decisions `freed`; writes the contacts seen (in
/// the state), the draft, the claims and the names taken.
pub(super) fn push(
    run: &Run<'_>,
    next: &mut SyncState,
    out: &mut Draft,
    claims: &mut Claims,
    names: &mut UniqueNames<'_>,
    freed: &FastSet<ContactId>,
) {
    let profile = run.profile;
    let initial = !next.initial_sync_done;
    // Linked and unsynced local contacts are not pushed (L3). A contact
    // a decision of this run took and freed again (confirm, then remove
    // the match) is looked at, to be remembered as seen: it is neither
    // new nor changed next run either.
    let mut order: Vec<&Contact> = run
        .local
        .records
        .iter()
        .filter(|c| !claims.reserved_local.contains(&c.id) || freed.contains(&c.id))
        .collect();
    order.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    drop_paired(&mut order, &next.by_local);
    // Local contacts that are candidates of an open issue wait for it.
    // Only the listed candidates do (`MAX_LISTED_CANDIDATES`): when
    // hundreds of contacts share one bookkeeper's email, the others are
    // not held back for one ledger record carrying that email.
    let mut in_issue: HashSet<ContactId, IdBuild> = HashSet::default();
    for i in next.issues.values() {
        in_issue.extend(i.outcome.local_ids().into_iter().cloned());
    }
    // In id order: collected into the map at the end in one build.
    let mut seen: Vec<(ContactId, u64)> = Vec::new();
    let push = profile.rules().push;
    let may_push = run.remote_writes && !initial && push != Push::Never;
    let mut pushed_orgs: HashMap<ContactId, OpId> = HashMap::new();
    let mut people: Vec<(&Contact, bool)> = Vec::new();
    for c in order {
        let fp = fingerprint(profile, c);
        // A contact freed by a decision of this run (unsync, create new,
        // remove match) is neither new nor changed (L3).
        let fresh = !freed.contains(&c.id) && next.local_seen.get(&c.id) != Some(&fp);
        let wanted = may_push
            && fresh
            && !in_issue.contains(&c.id)
            && run.config.pushes_type(c.contact_type.as_deref())
            && match push {
                Push::Everyone => true,
                Push::OrganizationsWithTheirPeople | Push::Never => {
                    c.kind == Some(ContactKind::Organization)
                }
            };
        if wanted {
            let rule = push.rule();
            let why = if next.local_seen.contains_key(&c.id) {
                "a local contact of a pushed contact type changed"
            } else {
                "a new local contact of a pushed contact type"
            };
            create_remote(run, next, out, names, c, Vec::new(), Reason { rule, why });
            claims.reserved_local.insert(c.id.clone());
            pushed_orgs.insert(c.id.clone(), OpId(format!("create-remote:{}", c.id)));
            continue;
        }
        if may_push
            && push == Push::OrganizationsWithTheirPeople
            && !c.organization_ids.is_empty()
            && !in_issue.contains(&c.id)
        {
            people.push((c, fresh));
        }
        // Remember the contact as seen only when it could have been
        // pushed: a manual import-only run, or a contact waiting for its
        // match issue, keeps what it had, so it is pushed later (P3).
        if initial || (may_push && !in_issue.contains(&c.id)) || freed.contains(&c.id) {
            seen.push((c.id.clone(), fp));
        } else if let Some(old) = next.local_seen.get(&c.id) {
            seen.push((c.id.clone(), *old));
        }
    }
    // XPM: people of pushed organisations go with them (P2).
    let mut seen: BTreeMap<ContactId, u64> = seen.into_iter().collect();
    let updated: HashSet<&ContactId> = out
        .ops
        .iter()
        .filter(|o| o.side == Side::Remote && !o.is_create())
        .filter_map(|o| o.ids().0)
        .collect();
    let updated: HashSet<ContactId> = updated.into_iter().cloned().collect();
    for (c, fresh) in people {
        let mut refs = Vec::new();
        for o in &c.organization_ids {
            if let Some(op) = pushed_orgs.get(o) {
                refs.push((ContactRef::CreatedBy(op.clone()), Some(op.clone())));
            } else if let Some(rid) = linked_local(next, o.as_str()).cloned() {
                let org_pushed = run
                    .local
                    .get(o.as_str())
                    .is_some_and(|org| run.config.pushes_type(org.contact_type.as_deref()));
                if org_pushed && (fresh || updated.contains(o)) {
                    refs.push((ContactRef::Id(rid), None));
                }
            }
        }
        if !refs.is_empty() {
            seen.remove(&c.id);
            let reason = Reason {
                rule: "P2",
                why: "a person of an organisation pushed to XPM",
            };
            create_remote(run, next, out, names, c, refs, reason);
            claims.reserved_local.insert(c.id.clone());
        }
    }
    if run.local.full {
        next.local_seen = seen;
    } else {
        // A change listing: the contacts not listed keep their entry.
        for c in run.local.records {
            next.local_seen.remove(&c.id);
        }
        for d in &run.local.deleted {
            next.local_seen.remove(*d);
        }
        next.local_seen.extend(seen);
    }
}

/// Drops the contacts that have a pair (`order` is sorted by id). Many
/// contacts (a full listing): one walk along the map, which is sorted the
/// same way, costs less than a search each.
fn drop_paired(order: &mut Vec<&Contact>, by_local: &SharedMap<ContactId, ContactId>) {
    if order.len().saturating_mul(16) < by_local.len() {
        order.retain(|c| !by_local.contains_key(&c.id));
        return;
    }
    let mut paired = by_local.keys().peekable();
    order.retain(|c| {
        while paired.next_if(|k| *k < &c.id).is_some() {}
        paired.peek().is_none_or(|k| *k != &c.id)
    });
}

/// A stable fingerprint of what a push depends on (P2, P3): synced fields,
/// contact type, kind and organisations.
fn fingerprint(profile: Profile, c: &Contact) -> u64 {
    let mut h = hash_bytes(c.contact_type.as_deref().unwrap_or("").as_bytes(), 1);
    let mut mix = |bytes: &[u8]| h = hash_bytes(bytes, h);
    mix(c.kind.map_or("", ContactKind::as_str).as_bytes());
    for &f in SyncField::synced_by(profile) {
        // Borrowed: the same bytes as the values `read_field` builds.
        match read_field_ref(profile, c, f) {
            None => mix(b"\x00"),
            Some(FieldRef::Text(t)) => mix(t.as_bytes()),
            Some(FieldRef::Name {
                display,
                company,
                first,
                last,
            }) => {
                mix(display.as_bytes());
                for part in [company, first, last] {
                    mix(part.unwrap_or("\x00").as_bytes());
                }
            }
            Some(FieldRef::Address(_, a)) => {
                for l in &a.lines {
                    mix(l.as_bytes());
                }
                for part in [&a.city, &a.region, &a.postal_code, &a.country] {
                    mix(part.as_deref().unwrap_or("\x00").as_bytes());
                }
            }
        }
    }
    for o in &c.organization_ids {
        mix(o.as_str().as_bytes());
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_contacts_are_dropped_by_walk_and_by_search_alike() {
        let contacts: Vec<Contact> = (0..40)
            .map(|i| Contact::organization(format!("L{i:02}"), format!("Org {i}")))
            .collect();
        let by_local: SharedMap<ContactId, ContactId> = contacts
            .iter()
            .filter(|c| c.id.as_str().ends_with(['0', '3', '7']))
            .map(|c| (c.id.clone(), ContactId::new(format!("R{}", c.id))))
            .collect();
        let expected = |order: &[&Contact]| -> Vec<String> {
            order
                .iter()
                .filter(|c| !by_local.contains_key(&c.id))
                .map(|c| c.id.to_string())
                .collect()
        };
        // Every contact, then three: both walk the map (3 * 16 >= 12);
        // then two against a larger map: a search each.
        let all: Vec<&Contact> = contacts.iter().collect();
        let few: Vec<&Contact> = contacts.iter().skip(29).step_by(4).collect();
        for order in [all, few] {
            let want = expected(&order);
            let mut got = order.clone();
            drop_paired(&mut got, &by_local);
            let got: Vec<String> = got.iter().map(|c| c.id.to_string()).collect();
            assert_eq!(got, want);
        }
        let mut big = by_local.clone();
        for i in 0..100 {
            big.insert(ContactId::new(format!("Z{i:03}")), ContactId::new("R"));
        }
        let mut one = vec![&contacts[3], &contacts[4]];
        drop_paired(&mut one, &big);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].id.as_str(), "L04");
    }
}
