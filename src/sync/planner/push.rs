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
    let order = unpaired(
        run.local.records,
        |id| run.local.position(id),
        &next.by_local,
        |c| !claims.reserved_local.contains(&c.id) || freed.contains(&c.id),
    );
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

/// The contacts of `records` that `keep` keeps and that have no pair (not
/// in `by_local`), sorted by id. `position` finds a record's position by
/// id. Many records (a full listing): the pairs' local contacts are found
/// in the listing, in parallel, rather than every record sorted and
/// walked along the map (sorting a large listing by id, unsorted, took
/// about as long as the rest of a steady-state plan).
fn unpaired<'c>(
    records: &'c [Contact],
    position: impl Fn(&str) -> Option<usize> + Sync,
    by_local: &SharedMap<ContactId, ContactId>,
    keep: impl Fn(&Contact) -> bool,
) -> Vec<&'c Contact> {
    let mut order: Vec<&Contact> = if records.len().saturating_mul(16) < by_local.len() {
        records
            .iter()
            .filter(|c| keep(c) && !by_local.contains_key(&c.id))
            .collect()
    } else {
        let keys: Vec<&ContactId> = by_local.keys().collect();
        let found = crate::matching::par::map_chunks(&keys, 4096, |chunk| {
            chunk
                .iter()
                .filter_map(|k| position(k.as_str()))
                .collect::<Vec<_>>()
        });
        let mut paired = vec![false; records.len()];
        for p in found.into_iter().flatten() {
            if let Some(slot) = paired.get_mut(p) {
                *slot = true;
            }
        }
        records
            .iter()
            .zip(paired)
            .filter(|(c, p)| !p && keep(c))
            .map(|(c, _)| c)
            .collect()
    };
    order.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    order
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
    fn p2_unpaired_contacts_are_the_same_found_by_search_or_by_position() {
        let contacts: Vec<Contact> = (0..40)
            .rev()
            .map(|i| Contact::organization(format!("L{i:02}"), format!("Org {i}")))
            .collect();
        let position = |id: &str| contacts.iter().position(|c| c.id.as_str() == id);
        let by_local: SharedMap<ContactId, ContactId> = contacts
            .iter()
            .filter(|c| c.id.as_str().ends_with(['0', '3', '7']))
            .map(|c| (c.id.clone(), ContactId::new(format!("R{}", c.id))))
            .collect();
        let keep = |c: &Contact| !c.id.as_str().ends_with('9');
        let want: Vec<String> = {
            let mut w: Vec<String> = contacts
                .iter()
                .filter(|c| keep(c) && !by_local.contains_key(&c.id))
                .map(|c| c.id.to_string())
                .collect();
            w.sort();
            w
        };
        let ids =
            |v: Vec<&Contact>| -> Vec<String> { v.iter().map(|c| c.id.to_string()).collect() };
        // Every contact (by position), then three against a larger map (a
        // search each).
        assert_eq!(ids(unpaired(&contacts, position, &by_local, keep)), want);
        assert_eq!(want.len(), 24);
        let few = &contacts[..3];
        let mut big = by_local.clone();
        for i in 0..100 {
            big.insert(ContactId::new(format!("Z{i:03}")), ContactId::new("R"));
        }
        let got = ids(unpaired(
            few,
            |id| few.iter().position(|c| c.id.as_str() == id),
            &big,
            keep,
        ));
        assert_eq!(got, ["L38"]);
    }
}
