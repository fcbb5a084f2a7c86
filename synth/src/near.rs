//! A labelled evaluation set for the near-duplicate guard (M11).
//!
//! [`near_pairs`] makes pairs of a local contact and a new remote record,
//! each labelled duplicate (the same person or organisation, written
//! differently) or not (a different one with a confusable name). Every pair
//! is a pure function of `(seed, category, pair number)`.
//!
//! How each category is built (names come from the same vocabulary as
//! [`generate`](crate::generate): about 260 given names, real and invented
//! family names, places, trades, legal forms):
//!
//! | category | label | local → remote |
//! |---|---|---|
//! | `typo` | duplicate | person or organisation; 1 edit (70%) or 2 edits (30%): substitution (a neighbouring key), deletion, insertion (a doubled letter) or transposition, at a uniform letter position — the first letter of a word included |
//! | `swapped` | duplicate | `John Smith` → `Smith John` or `Smith, John` |
//! | `initials` | duplicate | `John Smith` → `J. Smith` or `J Smith`; or a middle initial added (`John A. Smith`) |
//! | `accents` | duplicate | a name with diacritics (`José García`) → without them (`Jose Garcia`), or the other way round |
//! | `suffix` | duplicate | `Harbour Plumbing Ltd` → `… Limited`, `Pty Ltd` → `Pty Limited`, a legal form dropped or added (`LLC`, `Inc`), `&` ↔ `and` |
//! | `punctuation` | duplicate | `O'Brien` → `OBrien`, `Smith-Jones` → `Smith Jones`, a trailing `.`, a comma, upper case on top (case alone is an exact match, so punctuation is always involved) |
//! | `neg_family` | not | the same family name, another given name (`John Ashford` / `Mary Ashford`) |
//! | `neg_given` | not | the same given name, another family name; half of them share the invented name's first part (`John Ashford` / `John Ashley`) |
//! | `neg_company_word` | not | organisations sharing a generic word: the trade (`Harbour Plumbing Ltd` / `Summit Plumbing Ltd`) or the place (`Harbour Plumbing` / `Harbour Roofing`) |
//! | `neg_family_firm` | not | `Smith & Sons` / `Smith Brothers` / `Smith & Daughters` / `Smith Family Trust` / `Smith & Co` (two different of these, same family name) |
//!
//! Remote records carry no email and local contacts an email of their own,
//! so a pair never matches on email: what the guard sees is the name alone.
//! Ids are `N{category}{number}` locally and `R{category}{number}` remotely.

use super::{
    COMMON_LAST, FIRST, LEGAL, NAME_PREFIX, NAME_SUFFIX, PLACES, REAL_SURNAMES, Row, SplitMix64,
    TRADES, nfd_of, push_invented, push_number, push_slug, stream,
};

const TAG_NEAR: u64 = 0x4e45_4152;

/// What a labelled pair tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NearCategory {
    /// 1–2 character edits.
    Typo,
    /// Given and family name swapped.
    Swapped,
    /// A given name written as an initial, or a middle initial added.
    Initials,
    /// Diacritics dropped or added.
    Accents,
    /// Legal forms written differently, dropped or added; `&` / `and`.
    Suffix,
    /// Punctuation (apostrophes, hyphens, periods, commas) and case.
    Punctuation,
    /// Not a duplicate: the same family name, another given name.
    NegFamily,
    /// Not a duplicate: the same given name, another family name.
    NegGiven,
    /// Not a duplicate: organisations sharing a trade or place word.
    NegCompanyWord,
    /// Not a duplicate: `Smith & Sons` / `Smith Brothers` and the like.
    NegFamilyFirm,
}

impl NearCategory {
    /// Every category, duplicates first.
    pub const ALL: [Self; 10] = [
        Self::Typo,
        Self::Swapped,
        Self::Initials,
        Self::Accents,
        Self::Suffix,
        Self::Punctuation,
        Self::NegFamily,
        Self::NegGiven,
        Self::NegCompanyWord,
        Self::NegFamilyFirm,
    ];

    /// Whether pairs of this category are duplicates.
    pub const fn duplicate(self) -> bool {
        matches!(
            self,
            Self::Typo
                | Self::Swapped
                | Self::Initials
                | Self::Accents
                | Self::Suffix
                | Self::Punctuation
        )
    }

    /// A short label.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Typo => "typo",
            Self::Swapped => "swapped",
            Self::Initials => "initials",
            Self::Accents => "accents",
            Self::Suffix => "suffix",
            Self::Punctuation => "punctuation",
            Self::NegFamily => "neg_family",
            Self::NegGiven => "neg_given",
            Self::NegCompanyWord => "neg_company_word",
            Self::NegFamilyFirm => "neg_family_firm",
        }
    }
}

/// One labelled pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearPair {
    /// What the pair tests.
    pub category: NearCategory,
    /// Whether the remote record is the local contact again.
    pub duplicate: bool,
    /// The local contact (with an email of its own).
    pub local: Row,
    /// The new remote record (no email).
    pub remote: Row,
}

/// `per_category` pairs of every [`NearCategory`], in category order.
///
/// Deterministic: the same arguments always give the same pairs.
pub fn near_pairs(per_category: usize, seed: u64) -> Vec<NearPair> {
    let mut out = Vec::with_capacity(per_category * NearCategory::ALL.len());
    for (c, &cat) in NearCategory::ALL.iter().enumerate() {
        for i in 0..per_category {
            let mut rng = stream(seed, TAG_NEAR ^ ((c as u64) << 32), i as u64);
            let (local, remote, kind) = make(cat, &mut rng);
            let mut l = Row {
                kind: kind.to_owned(),
                ..Row::default()
            };
            l.id.push('N');
            push_number(&mut l.id, c as u64, 2);
            push_number(&mut l.id, i as u64, 6);
            let mut r = Row {
                kind: kind.to_owned(),
                ..Row::default()
            };
            r.id.push('R');
            r.id.push_str(&l.id[1..]);
            fill(&mut l, &local, kind);
            fill(&mut r, &remote, kind);
            l.email.push_str("near.");
            l.email.push_str(&l.id[1..]);
            l.email.push_str("@eval.test");
            out.push(NearPair {
                category: cat,
                duplicate: cat.duplicate(),
                local: l,
                remote: r,
            });
        }
    }
    out
}

/// A name as given / family parts (people) or one name (organisations).
enum Name {
    Person(String, String),
    Display(String),
}

fn fill(row: &mut Row, name: &Name, kind: &str) {
    match name {
        Name::Person(first, last) => {
            row.first_name.clone_from(first);
            row.last_name.clone_from(last);
            row.name = format!("{first} {last}");
        }
        Name::Display(n) => {
            row.name.clone_from(n);
            if kind == "organization" {
                row.company_name.clone_from(n);
            }
        }
    }
}

fn surname_any(rng: &mut SplitMix64) -> String {
    let mut s = String::new();
    if rng.per_mille(300) {
        s.push_str(rng.pick(REAL_SURNAMES));
    } else {
        push_invented(rng.below(NAME_PREFIX.len() * NAME_SUFFIX.len()), &mut s);
    }
    s
}

fn org_name(rng: &mut SplitMix64) -> (String, String) {
    let mut base = String::new();
    if rng.per_mille(300) {
        base.push_str(rng.pick(PLACES));
    } else {
        push_invented(rng.below(NAME_PREFIX.len() * NAME_SUFFIX.len()), &mut base);
    }
    base.push(' ');
    base.push_str(rng.pick(TRADES));
    let legal = rng.pick(LEGAL).to_owned();
    (base, legal)
}

fn join(base: &str, legal: &str) -> String {
    if legal.is_empty() {
        base.to_owned()
    } else {
        format!("{base} {legal}")
    }
}

/// Neighbouring keys on a QWERTY keyboard.
fn neighbour(c: char, rng: &mut SplitMix64) -> char {
    const ROWS: [&[u8]; 3] = [b"qwertyuiop", b"asdfghjkl", b"zxcvbnm"];
    let lower = c.to_ascii_lowercase();
    for row in ROWS {
        if let Some(p) = row.iter().position(|&b| char::from(b) == lower) {
            let q = if p == 0 {
                1
            } else if p + 1 == row.len() || rng.per_mille(500) {
                p - 1
            } else {
                p + 1
            };
            let n = char::from(row[q]);
            return if c.is_ascii_uppercase() {
                n.to_ascii_uppercase()
            } else {
                n
            };
        }
    }
    'e'
}

/// One random edit at a letter position of `s` (ASCII letters only are
/// edited; the name keeps at least one letter per word).
fn edit(s: &str, rng: &mut SplitMix64) -> String {
    let chars: Vec<char> = s.chars().collect();
    let letters: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_ascii_alphabetic())
        .collect();
    if letters.is_empty() {
        return s.to_owned();
    }
    let p = letters[rng.below(letters.len())];
    let mut out = chars.clone();
    match rng.below(4) {
        0 => out[p] = neighbour(chars[p], rng),
        1 => {
            let word_len = chars[p..].iter().take_while(|c| c.is_alphabetic()).count()
                + chars[..p]
                    .iter()
                    .rev()
                    .take_while(|c| c.is_alphabetic())
                    .count();
            if word_len > 2 {
                out.remove(p);
            } else {
                out[p] = neighbour(chars[p], rng);
            }
        }
        2 => out.insert(p, chars[p].to_ascii_lowercase()),
        _ => {
            if p + 1 < chars.len() && chars[p + 1].is_alphabetic() && chars[p + 1] != chars[p] {
                out.swap(p, p + 1);
            } else {
                out[p] = neighbour(chars[p], rng);
            }
        }
    }
    out.into_iter().collect()
}

/// `s` without its diacritics (the vocabulary's letters).
fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if let Some(d) = nfd_of(c) {
            out.extend(d.chars().filter(char::is_ascii_alphabetic));
        } else {
            let mut slug = String::new();
            push_slug(&c.to_string(), &mut slug);
            if c.is_uppercase() {
                slug = slug.to_ascii_uppercase();
            }
            out.push_str(&slug);
        }
    }
    out
}

fn accented<'a>(xs: &[&'a str], rng: &mut SplitMix64) -> &'a str {
    let with: Vec<&str> = xs.iter().copied().filter(|s| !s.is_ascii()).collect();
    rng.pick(&with)
}

const PERSON: &str = "person";
const ORG: &str = "organization";

fn make(cat: NearCategory, rng: &mut SplitMix64) -> (Name, Name, &'static str) {
    use Name::{Display, Person};
    match cat {
        NearCategory::Typo => {
            let edits = if rng.per_mille(700) { 1 } else { 2 };
            if rng.per_mille(500) {
                let first = rng.pick(FIRST).to_owned();
                let last = surname_any(rng);
                let mut name = format!("{first} {last}");
                let local = Person(first, last);
                for _ in 0..edits {
                    name = edit(&name, rng);
                }
                (local, Display(name), PERSON)
            } else {
                let (base, legal) = org_name(rng);
                let local = join(&base, &legal);
                let mut remote = local.clone();
                for _ in 0..edits {
                    remote = edit(&remote, rng);
                }
                (Display(local), Display(remote), ORG)
            }
        }
        NearCategory::Swapped => {
            let first = rng.pick(FIRST).to_owned();
            let last = surname_any(rng);
            let remote = if rng.per_mille(500) {
                format!("{last} {first}")
            } else {
                format!("{last}, {first}")
            };
            (Person(first, last), Display(remote), PERSON)
        }
        NearCategory::Initials => {
            let first = rng.pick(FIRST).to_owned();
            let last = surname_any(rng);
            let initial: String = first.chars().take(1).collect();
            let remote = match rng.below(3) {
                0 => format!("{initial}. {last}"),
                1 => format!("{initial} {last}"),
                _ => format!("{first} {}. {last}", super::letter(rng)),
            };
            (Person(first, last), Display(remote), PERSON)
        }
        NearCategory::Accents => {
            let (first, last) = match rng.below(3) {
                0 => (
                    accented(FIRST, rng).to_owned(),
                    accented(REAL_SURNAMES, rng).to_owned(),
                ),
                1 => (accented(FIRST, rng).to_owned(), surname_any(rng)),
                _ => (
                    rng.pick(FIRST).to_owned(),
                    accented(REAL_SURNAMES, rng).to_owned(),
                ),
            };
            let plain = format!("{} {}", fold(&first), fold(&last));
            if rng.per_mille(500) {
                (Person(first, last), Display(plain), PERSON)
            } else {
                let local = Person(fold(&first), fold(&last));
                (local, Display(format!("{first} {last}")), PERSON)
            }
        }
        NearCategory::Suffix => {
            let (base, _) = org_name(rng);
            let (a, b) = match rng.below(7) {
                0 => ("Ltd", "Limited"),
                1 => ("Pty Ltd", "Pty Limited"),
                2 => ("Pty Ltd", "Ltd"),
                3 => ("LLC", ""),
                4 => ("Inc", "Incorporated"),
                5 => ("Ltd", ""),
                _ => ("& Co", "and Co"),
            };
            let (a, b) = if rng.per_mille(500) { (a, b) } else { (b, a) };
            (Display(join(&base, a)), Display(join(&base, b)), ORG)
        }
        NearCategory::Punctuation => {
            let first = rng.pick(FIRST).to_owned();
            match rng.below(5) {
                0 => {
                    let last = rng
                        .pick(&["O'Brien", "O'Connor", "O'Neill", "D'Arcy", "O'Hara"])
                        .to_owned();
                    let remote = format!("{first} {}", last.replace('\'', ""));
                    (Person(first, last), Display(remote), PERSON)
                }
                1 => {
                    let a = surname_any(rng);
                    let b = surname_any(rng);
                    let local = format!("{a}-{b}");
                    let remote = format!("{first} {a} {b}");
                    (Person(first, local), Display(remote), PERSON)
                }
                2 => {
                    let (base, legal) = org_name(rng);
                    let local = join(&base, &legal);
                    let remote = format!("{}.", local.to_uppercase());
                    (Display(local), Display(remote), ORG)
                }
                3 => {
                    let a = surname_any(rng);
                    let b = surname_any(rng);
                    let local = format!("{a}, {b} & Co");
                    let remote = format!("{a} {b} & Co.");
                    (Display(local), Display(remote), ORG)
                }
                _ => {
                    let (base, _) = org_name(rng);
                    let local = format!("{base} Ltd.");
                    let remote = format!("{} LTD", base.to_uppercase());
                    (Display(local), Display(remote), ORG)
                }
            }
        }
        NearCategory::NegFamily => {
            let last = if rng.per_mille(200) {
                rng.pick(COMMON_LAST).to_owned()
            } else {
                surname_any(rng)
            };
            let a = rng.pick(FIRST);
            let mut b = rng.pick(FIRST);
            while b == a {
                b = rng.pick(FIRST);
            }
            (
                Person(a.to_owned(), last.clone()),
                Display(format!("{b} {last}")),
                PERSON,
            )
        }
        NearCategory::NegGiven => {
            let first = rng.pick(FIRST).to_owned();
            let (a, b) = if rng.per_mille(500) {
                // Same first part of an invented name: "Ashford" / "Ashley".
                let p = rng.below(NAME_PREFIX.len());
                let s = rng.below(NAME_SUFFIX.len());
                let mut t = rng.below(NAME_SUFFIX.len());
                while t == s {
                    t = rng.below(NAME_SUFFIX.len());
                }
                let (mut a, mut b) = (String::new(), String::new());
                push_invented(p * NAME_SUFFIX.len() + s, &mut a);
                push_invented(p * NAME_SUFFIX.len() + t, &mut b);
                (a, b)
            } else {
                let a = surname_any(rng);
                let mut b = surname_any(rng);
                while b == a {
                    b = surname_any(rng);
                }
                (a, b)
            };
            (
                Person(first.clone(), a),
                Display(format!("{first} {b}")),
                PERSON,
            )
        }
        NearCategory::NegCompanyWord => {
            let (base, legal) = org_name(rng);
            let (place, trade) = base.split_once(' ').unwrap_or((&base, ""));
            let other = if rng.per_mille(500) {
                let (other_base, _) = org_name(rng);
                let other_place = other_base.split_once(' ').map_or("", |x| x.0).to_owned();
                if other_place == place {
                    format!("{place}s {trade}")
                } else {
                    format!("{other_place} {trade}")
                }
            } else {
                let mut t = rng.pick(TRADES);
                while t == trade {
                    t = rng.pick(TRADES);
                }
                format!("{place} {t}")
            };
            (
                Display(join(&base, &legal)),
                Display(join(&other, &legal)),
                ORG,
            )
        }
        NearCategory::NegFamilyFirm => {
            const FIRMS: [&str; 6] = [
                "& Sons",
                "Brothers",
                "& Daughters",
                "Family Trust",
                "& Co",
                "Sisters",
            ];
            let last = surname_any(rng);
            let a = rng.below(FIRMS.len());
            let mut b = rng.below(FIRMS.len());
            while b == a {
                b = rng.below(FIRMS.len());
            }
            (
                Display(format!("{last} {}", FIRMS[a])),
                Display(format!("{last} {}", FIRMS[b])),
                ORG,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_deterministic_and_labelled() {
        let a = near_pairs(50, 7);
        assert_eq!(a, near_pairs(50, 7));
        assert_eq!(a.len(), 50 * NearCategory::ALL.len());
        for p in &a {
            assert_eq!(p.duplicate, p.category.duplicate());
            assert!(p.remote.email.is_empty());
            assert!(!p.local.email.is_empty());
            assert_ne!(p.local.name, p.remote.name, "{p:?}");
        }
    }

    #[test]
    fn typos_are_one_or_two_edits() {
        for p in near_pairs(200, 3)
            .iter()
            .filter(|p| p.category == NearCategory::Typo)
        {
            let (a, b) = (&p.local.name, &p.remote.name);
            let d = a.chars().count().abs_diff(b.chars().count());
            assert!(d <= 2, "{a} / {b}");
        }
    }

    #[test]
    fn folding_drops_diacritics() {
        assert_eq!(fold("José García"), "Jose Garcia");
        assert_eq!(fold("Søren Strauß"), "Soren Strauss");
    }
}

/// One record of the guard's labelled set ([`near_labelled_set`]).
#[derive(Debug, Clone)]
pub struct NearQuery {
    /// The pair's category ([`NearCategory::label`]), or `new_background`
    /// for a new record of the background.
    pub category: &'static str,
    /// Whether the record is a duplicate of `local_id`.
    pub duplicate: bool,
    /// The local contact of its pair (empty for the background).
    pub local_id: String,
    /// The ledger record to classify.
    pub remote: ledgerlink::Contact,
}

/// The near-duplicate guard's labelled set: the local contacts (`background`
/// synthetic ones from [`crate::generate`], then the locals of
/// `near_pairs(per_category, seed)`), and the records to classify (each
/// pair's remote record, then the background's new records, which are no
/// one's duplicates).
#[must_use]
pub fn near_labelled_set(
    per_category: usize,
    background: usize,
    seed: u64,
) -> (Vec<ledgerlink::Contact>, Vec<NearQuery>) {
    let pairs = near_pairs(per_category, seed);
    let (bg_local, bg_remote) = crate::generate(background, background, seed);
    let mut locals = crate::to_contacts(&bg_local);
    locals.extend(pairs.iter().map(|p| crate::to_contact(&p.local)));
    let mut queries: Vec<NearQuery> = pairs
        .iter()
        .map(|p| NearQuery {
            category: p.category.label(),
            duplicate: p.duplicate,
            local_id: p.local.id.clone(),
            remote: crate::to_contact(&p.remote),
        })
        .collect();
    queries.extend(
        bg_remote
            .iter()
            .enumerate()
            .filter(|(i, _)| crate::remote_kind(background, seed, *i) == crate::RemoteKind::New)
            .map(|(_, r)| NearQuery {
                category: "new_background",
                duplicate: false,
                local_id: String::new(),
                remote: crate::to_contact(r),
            }),
    );
    (locals, queries)
}
