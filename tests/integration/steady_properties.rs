//! A full listing and the change listing of what changed plan the same:
//! after random edits on both sides of linked pairs (field changes on
//! either side, so conflicts too; archives, deletions), planning over both
//! sides in full and over only the changed and deleted records gives the
//! same operations, review, report (but the number of pairs compared) and
//! next state (F3, F4, F6, U8).
//!
//! The planner takes different paths for the two (every pair joined and
//! compared in one pass, or only the pairs named): this is their safety
//! net. 256 cases (`PROPTEST_CASES` overrides).

use std::collections::BTreeSet;

use ledgerlink::model::{ContactStatus, PhoneKind};
use ledgerlink::sync::{ConflictPolicy, ConnectionConfig, Listing, PlanInput, SyncState, plan};
use ledgerlink::{Contact, ContactId, Profile};
use proptest::prelude::*;

use crate::support::time::t0;

fn cases() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// `n` organisations with an email and a phone; a ledger's records get
/// the company name QBO wants (M5).
fn book(profile: Profile, prefix: &str, n: usize) -> Vec<Contact> {
    (0..n)
        .map(|i| {
            let mut c =
                Contact::organization(format!("{prefix}{i:02}"), format!("Company {i} Ltd"))
                    .with_email(format!("accounts{i}@company{i}.test"))
                    .with_phone(PhoneKind::Primary, format!("+64 4 {i:07}"));
            if prefix == "R" && profile != Profile::Qbo {
                c.organization_name = None;
            }
            c
        })
        .collect()
}

/// One edit: on the local side or the ledger's, of the record at `target`
/// (modulo the book), of kind `kind`: a new email, phone or name, an
/// archive (ledger) or a deletion.
#[derive(Debug, Clone)]
struct Edit {
    local: bool,
    target: usize,
    kind: u8,
    value: u8,
}

fn edit() -> impl Strategy<Value = Edit> {
    (any::<bool>(), 0usize..64, 0u8..5, 0u8..3).prop_map(|(local, target, kind, value)| Edit {
        local,
        target,
        kind,
        value,
    })
}

fn policy() -> impl Strategy<Value = ConflictPolicy> {
    prop_oneof![
        Just(ConflictPolicy::HoldForReview),
        Just(ConflictPolicy::RemoteWins),
        Just(ConflictPolicy::LocalWins),
    ]
}

/// The side as edited, the ids changed and the ids deleted.
struct Edited {
    records: Vec<Contact>,
    changed: BTreeSet<ContactId>,
    deleted: BTreeSet<ContactId>,
}

fn apply(mut records: Vec<Contact>, edits: &[&Edit]) -> Edited {
    let mut changed = BTreeSet::new();
    let mut deleted = BTreeSet::new();
    let n = records.len().max(1);
    for e in edits {
        let Some(c) = records.get_mut(e.target % n) else {
            continue;
        };
        let id = c.id.clone();
        if deleted.contains(&id) {
            continue;
        }
        let v = e.value;
        match e.kind {
            0 => c.emails[0].address = format!("new{v}@{}.test", c.id),
            1 => c.phones[0].number = format!("+64 9 {v:07}"),
            2 => c.display_name = Some(format!("Renamed {v} {}", c.id)),
            3 if !e.local => c.status = ContactStatus::Archived,
            _ => {
                deleted.insert(id);
                continue;
            }
        }
        changed.insert(id);
    }
    records.retain(|c| !deleted.contains(&c.id));
    Edited {
        records,
        changed,
        deleted,
    }
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn f3_a_full_listing_plans_what_the_change_listing_of_its_changes_plans(
        profile in prop_oneof![Just(Profile::XeroGl), Just(Profile::Xpm), Just(Profile::Qbo)],
        policy in policy(),
        n in 1usize..12,
        edits in proptest::collection::vec(edit(), 0..10),
    ) {
        let config = ConnectionConfig::new(profile).with_conflict_policy(policy);
        let (local, remote) = (book(profile, "L", n), book(profile, "R", n));
        let first = plan(&config, &SyncState::new(), &PlanInput::new(&local, &remote, t0())).unwrap();
        prop_assert_eq!(first.report.counts.linked, n);
        prop_assert!(first.is_empty());
        let state = first.next_state;
        let local_edits: Vec<&Edit> = edits.iter().filter(|e| e.local).collect();
        let remote_edits: Vec<&Edit> = edits.iter().filter(|e| !e.local).collect();
        let (l, r) = (apply(local, &local_edits), apply(remote, &remote_edits));
        let now = t0() + chrono::Duration::hours(1);
        let full = plan(&config, &state, &PlanInput::new(&l.records, &r.records, now)).unwrap();
        let changed = |e: &Edited| -> Vec<Contact> {
            e.records.iter().filter(|c| e.changed.contains(&c.id)).cloned().collect()
        };
        let (lc, rc) = (changed(&l), changed(&r));
        let (ld, rd): (Vec<ContactId>, Vec<ContactId>) =
            (l.deleted.iter().cloned().collect(), r.deleted.iter().cloned().collect());
        let input = PlanInput::new(&[], &[], now)
            .with_local(Listing::Changes { changed: &lc, deleted: &ld, cursor: None })
            .with_remote(Listing::Changes { changed: &rc, deleted: &rd, cursor: None });
        let changes = plan(&config, &state, &input).unwrap();
        prop_assert!(changes.needs.is_none());
        prop_assert_eq!(&full.operations, &changes.operations);
        prop_assert_eq!(&full.review, &changes.review);
        let (mut a, mut b) = (full.report.clone(), changes.report.clone());
        a.counts.pairs_compared = 0;
        b.counts.pairs_compared = 0;
        prop_assert_eq!(a, b);
        prop_assert_eq!(&full.next_state, &changes.next_state);
        prop_assert_eq!(
            serde_json::to_string(&full.next_state).unwrap(),
            serde_json::to_string(&changes.next_state).unwrap()
        );
    }
}
