//! Matching (M1–M12) over small sets of local and ledger contacts drawn
//! from a small pool of names and emails (so that they collide), for every
//! profile and near-duplicate setting:
//! - one result per ledger record, in order, with its id;
//! - shuffling the local side changes no outcome; shuffling the ledger
//!   side permutes the results the same way;
//! - the near-duplicate guard reports at most `max_similar` contacts;
//! - one very long name (thousands of characters) is allowed: the guard
//!   stays bounded (known defect 1: quadratic in the name's length; the
//!   hostile sweep measures it).
#![no_main]

use arbitrary::Arbitrary;
use ledgerlink::{Contact, MatchIndex, MatchOutcome, NearDuplicateConfig};
use ledgerlink_fuzz::{ContactSpec, PROFILES};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    profile: u8,
    threshold: u8,
    max_block: u8,
    max_similar: u8,
    locals: Vec<ContactSpec>,
    remotes: Vec<ContactSpec>,
    /// Seed of the shuffles.
    seed: u64,
    /// One local and one ledger name made very long (pattern, length).
    long: Option<(u8, u16)>,
}

fn shuffle<T>(v: &mut [T], mut seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    for i in (1..v.len()).rev() {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let j = usize::try_from((seed >> 33) % (i as u64 + 1)).unwrap();
        v.swap(i, j);
        order.swap(i, j);
    }
    order
}

/// An outcome with its candidate lists in a fixed order.
fn canonical(o: &MatchOutcome) -> String {
    let mut ids: Vec<String> = o.local_ids().iter().map(|i| i.to_string()).collect();
    ids.sort();
    format!("{:?} {:?} {ids:?}", o.class(), o.rule())
}

fuzz_target!(|input: Input| {
    let profile = PROFILES[usize::from(input.profile) % 3];
    let near = NearDuplicateConfig {
        threshold: [0.92, 0.8, 1.0, 0.5][usize::from(input.threshold) % 4],
        max_block: [256, 1, 2, 8][usize::from(input.max_block) % 4],
        max_similar: 1 + usize::from(input.max_similar % 6),
    };
    let mut locals: Vec<Contact> = input
        .locals
        .iter()
        .take(30)
        .enumerate()
        .map(|(i, s)| s.build(&format!("L{i}"), profile, false))
        .collect();
    let mut remotes: Vec<Contact> = input
        .remotes
        .iter()
        .take(30)
        .enumerate()
        .map(|(i, s)| s.build(&format!("R{i}"), profile, true))
        .collect();
    if let Some((pattern, len)) = input.long {
        let len = usize::from(len % 4000) + 1000;
        let base = ["Acme Holdings ", "Zz", "Smith Family Trust No ", "é"][usize::from(pattern) % 4];
        let long: String = base.chars().cycle().take(len).collect();
        if let Some(l) = locals.first_mut() {
            *l = Contact::organization(l.id.clone(), long.clone());
        }
        if let Some(r) = remotes.first_mut() {
            // Similar, not equal: the guard compares them.
            *r = Contact::named(r.id.clone(), format!("{long}x"));
        }
    }
    let Ok(index) = MatchIndex::builder(profile).near_duplicates(near).build(&locals) else {
        return;
    };
    let results = index.classify_batch(&remotes).expect("classify_batch");
    assert_eq!(results.len(), remotes.len());
    for (r, c) in results.iter().zip(&remotes) {
        assert_eq!(r.remote_id, c.id);
        assert_eq!(r.profile, profile);
        let _ = r.explain();
        if let MatchOutcome::PossibleDuplicate { similar } = &r.outcome {
            assert!(!similar.is_empty());
            assert!(similar.len() <= near.max_similar, "{} > {}", similar.len(), near.max_similar);
        }
    }
    // One at a time: never a panic (a batch also sees ledger records
    // contesting one local contact, M9, so outcomes may differ).
    for c in &remotes {
        let _ = index.classify(c);
    }

    // Shuffled locals: the same outcomes.
    let mut shuffled = locals.clone();
    shuffle(&mut shuffled, input.seed);
    let index2 = MatchIndex::builder(profile)
        .near_duplicates(near)
        .build(&shuffled)
        .expect("the same locals in another order build");
    let results2 = index2.classify_batch(&remotes).expect("classify_batch");
    for (a, b) in results.iter().zip(&results2) {
        assert_eq!(canonical(&a.outcome), canonical(&b.outcome), "local order changed {}", a.remote_id);
    }

    // Shuffled remotes: the results permuted the same way.
    let mut shuffled = remotes.clone();
    let order = shuffle(&mut shuffled, input.seed ^ 0x9e37_79b9);
    let results3 = index.classify_batch(&shuffled).expect("classify_batch");
    for (k, r) in results3.iter().enumerate() {
        assert_eq!(*r, results[order[k]], "remote order changed {}", r.remote_id);
    }
});
