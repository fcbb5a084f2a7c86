use super::compare::*;
use super::*;

fn keys(name: &str) -> Vec<u64> {
    let mut c = Canon::default();
    c.read(&crate::normalize::normalize_name(name));
    let mut v = Vec::new();
    c.for_each_key(NameClass::Any, |k| v.push(k));
    v
}

fn sim(a: &str, b: &str) -> Option<u16> {
    let (mut x, mut y) = (Canon::default(), Canon::default());
    x.read(&crate::normalize::normalize_name(a));
    y.read(&crate::normalize::normalize_name(b));
    score(x.view(), y.view())
}

#[test]
fn m11_keys_survive_a_typo_after_the_fourth_letter() {
    let a = keys("jonathan smith");
    assert!(keys("jonathon smith").iter().any(|k| a.contains(k)));
    assert!(keys("smith jonathon").iter().any(|k| a.contains(k)));
    assert!(keys("j smith").iter().any(|k| a.contains(k)));
    assert!(keys("jonathan a smith").iter().any(|k| a.contains(k)));
    assert_eq!(
        keys("acme ltd"),
        keys("ACME Limited."),
        "legal forms are left out"
    );
}

#[test]
fn m11_name_variants_are_similar() {
    for (a, b, at_least) in [
        ("Jonathan Smithers", "Jonathon Smithers", 960),
        ("Jonathan Smithers", "Jonatahn Smihters", 920),
        ("John Smith", "Smith, John", 980),
        ("John Smith", "J. Smith", 950),
        ("John Smith", "John A. Smith", 970),
        ("José García", "Jose Garcia", 1000),
        ("Søren Strauß", "Soren Strauss", 1000),
        ("Harbour Plumbing Ltd", "Harbour Plumbing Limited", 1000),
        ("Harbour Plumbing Pty Ltd", "Harbour Plumbing", 1000),
        ("Smith & Jones", "Smith and Jones", 1000),
        ("Mary O'Brien", "Mary OBrien", 1000),
        ("Mary Smith-Jones", "Mary Smith Jones", 1000),
        ("Harbour Plumbing Ltd", "Harbour Plumbing Lrd", 960),
    ] {
        let s = sim(a, b);
        assert!(s.is_some_and(|s| s >= at_least), "{a} / {b}: {s:?}");
        assert_eq!(s, sim(b, a), "{a} / {b} is symmetric");
    }
}

#[test]
fn m11_confusable_names_of_others_are_not_similar() {
    for (a, b) in [
        ("John Ashford", "Mary Ashford"),
        ("John Ashford", "John Ashley"),
        ("Harbour Plumbing Ltd", "Summit Plumbing Ltd"),
        ("Harbour Plumbing", "Harbour Roofing"),
        ("Smith & Sons", "Smith Brothers"),
        ("Smith & Sons", "Smith & Daughters"),
        ("Unit 4 Ltd", "Unit 5 Ltd"),
        ("J. A. Smith", "John Smith"),
        ("Barford Motors", "Carford Motors"),
        ("Acme", "Acme Holdings"),
    ] {
        assert_eq!(sim(a, b), None, "{a} / {b}");
    }
}

#[test]
fn m11_one_pass_edit_check_agrees_with_the_table() {
    let alphabet = [
        "", "a", "b", "ab", "ba", "aa", "abc", "acb", "bac", "abcd", "abdc", "xbcd",
    ];
    for a in alphabet {
        for b in alphabet {
            let d = strsim::osa_distance(a, b);
            let full = (d <= 1).then_some(d);
            assert_eq!(
                within_one(a.as_bytes(), b.as_bytes()),
                full,
                "{a:?} / {b:?}"
            );
        }
    }
    assert_eq!(edits("jonathan", "jonatahn", 2), Some(1));
    assert_eq!(edits("smithers", "smihtres", 2), Some(2));
    assert_eq!(edits("smithers", "smoothers", 1), None);
    assert_eq!(edits("núñez", "nunez", 2), Some(2));
}

/// Fuzzing found the guard quadratic in name length: ten locals against
/// ten ledger records of 20,000 characters took 22.7 s. Names are now
/// compared on a bounded prefix, so this runs in milliseconds (it would
/// take minutes without the bound).
#[test]
fn m11_work_per_record_is_bounded_for_very_long_names() {
    let long = |seed: char, n: usize| -> String {
        let mut s = String::from("zed ");
        s.extend(std::iter::repeat_n(seed, n));
        s
    };
    assert_eq!(
        compared(&long('a', 20_000)).chars().count(),
        NEAR_DUPLICATE_COMPARED_CHARS
    );
    let locals: Vec<String> = (0..10)
        .map(|i| {
            let mut n = long('a', 20_000);
            n.push(char::from(b'a' + i));
            n
        })
        .collect();
    let ids: Vec<String> = (0..10).map(|i| format!("L{i}")).collect();
    let g = NearDuplicates::build(
        NearDuplicateConfig::default(),
        locals.iter().map(|n| (n.as_str(), NameClass::Any)),
    );
    let mut scratch = NearScratch::default();
    for i in 0..10u8 {
        let mut remote = long('a', 20_000);
        remote.push(char::from(b'k' + i));
        let hits = g.query(
            &remote,
            NameClass::Any,
            |j| ids[j as usize].as_str(),
            &mut scratch,
        );
        // The compared prefixes are equal: every local is as close as
        // can be, and the report is capped at `max_similar`.
        assert_eq!(hits.len(), NearDuplicateConfig::default().max_similar);
        assert!(hits.iter().all(|&(_, sim)| sim == 1000));
    }
}

#[test]
fn m11_config_is_validated() {
    assert!(NearDuplicateConfig::default().validate().is_ok());
    let bad = NearDuplicateConfig {
        threshold: 1.5,
        ..NearDuplicateConfig::default()
    };
    assert!(bad.validate().is_err());
    let bad = NearDuplicateConfig {
        threshold: f64::NAN,
        ..NearDuplicateConfig::default()
    };
    assert!(bad.validate().is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
    /// Giving up on a stranded word early changes no score: names of
    /// few, short words over a small alphabet (so that equal words,
    /// typos, initials and legal forms all turn up).
    #[test]
    fn m11_giving_up_early_changes_no_score(
        a in proptest::collection::vec("[abcl][aeiltd]{0,5}", 1..5),
        b in proptest::collection::vec("[abcl][aeiltd]{0,5}", 1..5),
    ) {
        let (mut x, mut y) = (Canon::default(), Canon::default());
        x.read(&a.join(" "));
        y.read(&b.join(" "));
        proptest::prop_assert_eq!(
            score_with::<true>(x.view(), y.view()),
            score_with::<false>(x.view(), y.view())
        );
    }
}

/// A member for `c`, as `build` makes one.
fn member(c: &Canon) -> Member {
    let sig = c.sig();
    Member {
        pos: 0,
        at: 0,
        bag: sig.bag,
        twice: sig.twice,
        thrice: sig.thrice,
        chars: sig.chars,
        len: 0,
        class: 0,
        odd: sig.odd,
    }
}

/// The test `close` made before it counted repeated letters: bags of
/// characters and lengths only.
fn bags_close(a: &Sig, b: &Sig) -> bool {
    let (ca, cb) = (a.bag & !HAS_INITIAL, b.bag & !HAS_INITIAL);
    let (x, y) = ((ca & !cb).count_ones(), (cb & !ca).count_ones());
    if (a.bag | b.bag) & HAS_INITIAL == 0 {
        x <= 2 && y <= 2 && a.chars.abs_diff(b.chars) <= 2
    } else {
        x <= 2 || y <= 2
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(6000))]
    /// Counting repeated letters turns away no pair that `score` finds
    /// similar and the bags let through (so the guard's output is the
    /// same as with the bags alone): names of
    /// short words over a small alphabet, with legal forms (mistyped or
    /// not), initials and repeated letters among them.
    #[test]
    fn m11_close_keeps_every_similar_pair(
        a in proptest::collection::vec("ltd|lrd|ltdx|inc|co|[abl]|[abdl][aeil]{1,6}", 1..5),
        b in proptest::collection::vec("ltd|lrd|ltdx|inc|co|[abl]|[abdl][aeil]{1,6}", 1..5),
    ) {
        let (mut x, mut y) = (Canon::default(), Canon::default());
        x.read(&a.join(" "));
        y.read(&b.join(" "));
        if score(x.view(), y.view()).is_some() && bags_close(&x.sig(), &y.sig()) {
            proptest::prop_assert!(close(&x.sig(), &member(&y)), "{:?} / {:?}", a, b);
            proptest::prop_assert!(close(&y.sig(), &member(&x)), "{:?} / {:?}", b, a);
        }
    }
}

#[test]
fn m11_close_counts_repeated_letters() {
    let (mut x, mut y) = (Canon::default(), Canon::default());
    x.read("anna smith");
    y.read("ana smiths");
    // Same letters, lengths within two, but "anna" has an `n` and
    // "smiths" an `s` the other lacks, and the pair is one edit each way.
    assert!(close(&x.sig(), &member(&y)));
    y.read("annnna smith");
    // Letters are told apart up to three of a kind: four `n`s against two
    // count as one more, within the two allowed.
    assert!(close(&x.sig(), &member(&y)));
    x.read("aaaa bbbb");
    y.read("abab abab");
    assert!(close(&x.sig(), &member(&y)));
    y.read("aaab bbbb");
    x.read("aaaa bbbb");
    assert!(close(&x.sig(), &member(&y)));
    // Two letters repeated on one side only: more than two apart.
    x.read("ellissa hannah");
    y.read("elisa hanah");
    assert!(!close(&x.sig(), &member(&y)));
    assert_eq!(score(x.view(), y.view()), None);
}

/// `form` with one edit at `at` (wrapped to its length): a substitution,
/// an insertion, a deletion or a swap of neighbours, by `op`.
fn one_edit(form: &str, op: usize, at: usize, c: char) -> String {
    let mut chars: Vec<char> = form.chars().collect();
    let at = at % (chars.len() + 1);
    match op {
        0 if at < chars.len() => chars[at] = c,
        1 => chars.insert(at, c),
        2 if at < chars.len() => {
            chars.remove(at);
        }
        _ if at + 1 < chars.len() => chars.swap(at, at + 1),
        _ => {}
    }
    chars.into_iter().collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(6000))]
    /// Turning words away by length and letters first changes no answer
    /// of `is_mistyped_legal_form`: legal forms with one or two edits
    /// (letters, digits, accented letters), and random words.
    #[test]
    fn m11_mistyped_legal_form_checks_agree(
        form in 0..LEGAL_FORMS.len(),
        first in (0..4usize, 0..14usize, "[a-z0-9éø]"),
        second in proptest::option::of((0..4usize, 0..14usize, "[a-z0-9éø]")),
        random in "[a-z0-9é]{0,15}",
    ) {
        let c = |s: &str| s.chars().next().unwrap_or('x');
        let mut w = one_edit(LEGAL_FORMS[form], first.0, first.1, c(&first.2));
        if let Some((op, at, ch)) = second {
            w = one_edit(&w, op, at, c(&ch));
        }
        for word in [w.as_str(), random.as_str(), LEGAL_FORMS[form]] {
            proptest::prop_assert_eq!(
                compare::is_mistyped_legal_form(word),
                compare::is_mistyped_legal_form_slow(word),
                "{:?}", word
            );
        }
    }
}

/// `is_stop` as it reads: the word is in one of the two lists.
fn is_stop_slow(t: &str) -> bool {
    LEGAL_FORMS.contains(&t) || OTHER_STOP_WORDS.contains(&t)
}

#[test]
fn m11_stop_words_are_sorted_and_all_found() {
    // Both lists are searched by halves.
    assert!(LEGAL_FORMS.windows(2).all(|w| w[0] < w[1]));
    assert!(OTHER_STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    for w in LEGAL_FORMS.iter().chain(OTHER_STOP_WORDS) {
        assert!(is_stop(w), "{w}");
    }
    for w in ["", "t", "then", "ltdx", "an", "ab1", "Ltd", "é"] {
        assert!(!is_stop(w), "{w}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
    /// The first-letter check turns away no stop word.
    #[test]
    fn m11_stop_word_check_agrees_with_the_lists(w in "[a-z]{0,13}|[a-z]{1,3}[0-9é]?") {
        proptest::prop_assert_eq!(is_stop(&w), is_stop_slow(&w), "{:?}", w);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
    #[test]
    fn m11_splitting_on_spaces_is_str_split(s in "[ a-cé]{0,12}") {
        let ours: Vec<&str> = split_spaces(&s).collect();
        let std: Vec<&str> = s.split(' ').collect();
        proptest::prop_assert_eq!(ours, std);
    }
}
