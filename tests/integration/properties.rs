//! Property tests of the engine's invariants (N1, N4, M12).

use std::collections::BTreeMap;

use ledgerlink::normalize::{names_equal, normalize_email, normalize_name};
use ledgerlink::{Contact, MatchIndex, MatchOutcome, MatchResult, NearDuplicateConfig, Profile};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

/// Names from a small vocabulary, so that collisions (and so every outcome
/// class) are common, with noise the normaliser must see through.
fn name() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "Acme",
        "ACME",
        "José",
        "Jose\u{301}",
        "Smith",
        "smith",
        "Ltd",
        "Straße",
        "STRASSE",
        "Ｊａｎｅ",
        "Jane",
        "Trust",
        "&",
        "",
    ]);
    let sep = prop::sample::select(vec![" ", "  ", "\t", " \u{200F}"]);
    prop::collection::vec((words, sep), 0..4)
        .prop_map(|parts| parts.into_iter().map(|(w, s)| format!("{w}{s}")).collect())
}

fn email() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "a@x.test",
        "A@X.test ",
        "b@x.test",
        "shared@books.test",
        "bad",
        "",
        "c@y.test",
    ])
    .prop_map(str::to_owned)
}

/// Raw generated fields: name, company, first, last, email, kind selector.
type Raw = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    u8,
);

fn contact(prefix: &'static str) -> impl Strategy<Value = Raw> {
    (
        name(),
        prop::option::of(name()),
        prop::option::of(name()),
        prop::option::of(name()),
        email(),
        0u8..3,
    )
        .prop_map(move |(n, c, f, l, e, k)| (prefix.to_owned() + &n, c, f, l, e, k))
}

fn build(prefix: &str, raw: Vec<Raw>) -> Vec<Contact> {
    raw.into_iter()
        .enumerate()
        .map(|(i, (_, company, first, last, email, k))| {
            let mut c = Contact::named(format!("{prefix}{i:03}"), String::new()).with_email(email);
            c.display_name = None;
            c.organization_name = company;
            c.first_name = first;
            c.last_name = last;
            c.kind = match k {
                0 => None,
                1 => Some(ledgerlink::ContactKind::Person),
                _ => Some(ledgerlink::ContactKind::Organization),
            };
            c
        })
        .collect()
}

fn contacts(prefix: &'static str, max: usize) -> impl Strategy<Value = Vec<Contact>> {
    prop::collection::vec((contact(prefix), name()), 0..max).prop_map(move |v| {
        let (raw, names): (Vec<_>, Vec<_>) = v.into_iter().unzip();
        let mut cs = build(prefix, raw);
        for (c, n) in cs.iter_mut().zip(names) {
            if !n.is_empty() {
                c.display_name = Some(n);
            }
        }
        cs
    })
}

fn by_remote(results: Vec<MatchResult>) -> BTreeMap<String, MatchResult> {
    results
        .into_iter()
        .map(|r| (r.remote_id.to_string(), r))
        .collect()
}

fn profiles() -> impl Strategy<Value = Profile> {
    prop::sample::select(Profile::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    // N4: total, and idempotent on any input at all.
    #[test]
    fn n4_normalisation_is_idempotent_and_never_panics(s in any::<String>()) {
        let once = normalize_name(&s);
        let twice = normalize_name(&once);
        prop_assert_eq!(&*once, &*twice);
        prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        let _ = normalize_email(&s);
    }

    // N4 on hostile text: control characters, bidi marks, combining marks.
    #[test]
    fn n4_normalisation_is_idempotent_on_marks_and_controls(
        s in "[\\x00-\\x1f a-zA-Z\u{300}-\u{36f}\u{200b}-\u{200f}\u{202a}-\u{202e}\u{a8}\u{1d2c}ß\u{130}\u{345}Ωǅ]{0,24}"
    ) {
        let once = normalize_name(&s);
        prop_assert_eq!(&*once, &*normalize_name(&once));
    }

    // N1: NFC and NFD spellings are the same name.
    #[test]
    fn n1_nfc_and_nfd_compare_equal(s in any::<String>()) {
        let nfc: String = s.nfc().collect();
        let nfd: String = s.nfd().collect();
        prop_assert!(names_equal(&nfc, &nfd));
        prop_assert!(names_equal(&s.to_uppercase(), &s.to_lowercase()) || !s.is_ascii());
    }

    // M12: the same classification whatever the order of either input;
    // every remote record gets exactly one outcome, in input order.
    #[test]
    fn m12_batch_is_identical_under_permutation(
        profile in profiles(),
        local in contacts("L", 24),
        remote in contacts("R", 24),
        seed in any::<u64>(),
    ) {
        let mut l2 = local.clone();
        let mut r2 = remote.clone();
        shuffle(&mut l2, seed);
        shuffle(&mut r2, seed.rotate_left(17));
        let a = MatchIndex::new(profile, &local).unwrap().classify_batch(&remote).unwrap();
        let b = MatchIndex::new(profile, &l2).unwrap().classify_batch(&r2).unwrap();
        prop_assert_eq!(a.len(), remote.len());
        for (res, rec) in a.iter().zip(&remote) {
            prop_assert_eq!(&res.remote_id, &rec.id);
        }
        prop_assert_eq!(by_remote(a), by_remote(b));
    }

    // M12 with the near-duplicate guard on.
    #[test]
    fn m12_near_duplicates_are_deterministic(
        local in contacts("L", 16),
        remote in contacts("R", 16),
        seed in any::<u64>(),
    ) {
        let mut l2 = local.clone();
        shuffle(&mut l2, seed);
        let build = |l: &[Contact]| MatchIndex::builder(Profile::XeroGl)
            .near_duplicates(NearDuplicateConfig::default())
            .build(l)
            .unwrap();
        let a = build(&local).classify_batch(&remote).unwrap();
        let b = build(&l2).classify_batch(&remote).unwrap();
        prop_assert_eq!(a, b);
    }

    // M12: the borrowed views of a batch say exactly what its results say.
    #[test]
    fn m12_views_agree_with_results(
        profile in profiles(),
        local in contacts("L", 20),
        remote in contacts("R", 20),
        near in any::<bool>(),
    ) {
        let mut b = MatchIndex::builder(profile);
        if near {
            b = b.near_duplicates(NearDuplicateConfig { threshold: 0.8, ..NearDuplicateConfig::default() });
        }
        let index = b.build(&local).unwrap();
        let mut links = ledgerlink::ExistingLinks::new();
        if let (Some(l), Some(r)) = (local.first(), remote.first()) {
            links.link(l.id.clone(), r.id.clone());
        }
        let results = index.classify_batch_with(&remote, &links).unwrap();
        let mut seen = 0;
        index.classify_batch_view(&remote, &links, |i, v| {
            let r = &results[i];
            assert_eq!(v.class(), r.outcome.class());
            assert_eq!(v.matched_on(), r.outcome.matched_on());
            let expected: Vec<&str> = r.outcome.local_ids().into_iter().map(|id| id.as_str()).collect();
            assert_eq!(v.local_ids().collect::<Vec<_>>(), expected);
            assert_eq!(&v.to_result(&remote[i]), r);
            seen += 1;
        }).unwrap();
        prop_assert_eq!(seen, remote.len());
    }

    // Single lookups agree with the batch, except where M9 contests need
    // the whole batch.
    #[test]
    fn single_lookup_agrees_with_batch(
        profile in profiles(),
        local in contacts("L", 16),
        remote in contacts("R", 16),
    ) {
        let index = MatchIndex::new(profile, &local).unwrap();
        let batch = index.classify_batch(&remote).unwrap();
        for (rec, b) in remote.iter().zip(&batch) {
            let one = index.classify(rec);
            if matches!(b.outcome, MatchOutcome::Ambiguous { .. }) && matches!(one.outcome, MatchOutcome::Full { .. }) {
                continue; // contested within the batch (M9)
            }
            prop_assert_eq!(&one, b);
        }
    }
}

/// Fisher-Yates with a splitmix64 stream: deterministic for a seed.
fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let j = usize::try_from(z % (i as u64 + 1)).unwrap();
        v.swap(i, j);
    }
}
