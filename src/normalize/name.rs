use std::borrow::Cow;

use caseless::Caseless;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Formatting characters that are invisible and carry no meaning in a name:
/// soft hyphen, zero-width space / joiners, bidirectional marks and
/// isolates, word joiner, byte-order mark, variation selectors. They are
/// removed before comparison.
fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
    )
}

/// Whitespace and control characters separate words; runs of them count as
/// one space.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

const fn is_ascii_separator(b: u8) -> bool {
    b <= b' ' || b == 0x7F
}

/// True when ASCII `s` is already normal: no upper case, no control
/// characters, single spaces only between words.
fn ascii_is_normal(s: &[u8]) -> bool {
    let mut prev_space = true; // forbids a leading space
    for &b in s {
        if is_ascii_separator(b) {
            if b != b' ' || prev_space {
                return false;
            }
            prev_space = true;
        } else {
            if b.is_ascii_uppercase() {
                return false;
            }
            prev_space = false;
        }
    }
    !prev_space || s.is_empty()
}

/// Whether ASCII `b` is spaced as its normal form is: no separator but
/// single spaces between words (case aside). Each test is a pass the
/// compiler vectorises, with no branch per byte.
fn plainly_spaced(b: &[u8]) -> bool {
    let control = b
        .iter()
        .fold(false, |acc, &c| acc | (c < b' ') | (c == 0x7F));
    let double = b
        .iter()
        .zip(b.iter().skip(1))
        .fold(false, |acc, (&x, &y)| acc | ((x == b' ') & (y == b' ')));
    !control && !double && b.first() != Some(&b' ') && b.last() != Some(&b' ')
}

/// Appends the normal form of ASCII `s` to `out` (fast path): a name
/// already spaced as its normal form (most are) is copied whole, others
/// word by word; then lower-cased in place.
fn push_ascii(s: &str, out: &mut String) {
    let start = out.len();
    if plainly_spaced(s.as_bytes()) {
        out.push_str(s);
        out[start..].make_ascii_lowercase();
        return;
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if is_ascii_separator(bytes[i]) {
            i += 1;
            continue;
        }
        let word_start = i;
        while i < bytes.len() && !is_ascii_separator(bytes[i]) {
            i += 1;
        }
        if out.len() > start {
            out.push(' ');
        }
        // ASCII: every byte index is a character boundary.
        out.push_str(s.get(word_start..i).unwrap_or_default());
    }
    out[start..].make_ascii_lowercase();
}

/// Precomposed Latin-1 and Latin Extended-A characters whose NFKC form is
/// themselves and whose full case folding is their single lower-case
/// character (or "ss" for ß): they need no Unicode tables at all. Excluded
/// are the few with compatibility or multi-character forms (İ, Ĳ, ĳ, Ŀ, ŀ,
/// ŉ, ſ). A unit test checks the set against the full path.
const fn is_simple_latin(c: char) -> bool {
    matches!(c, '\u{C0}'..='\u{17E}')
        && !matches!(
            c,
            '\u{130}' | '\u{132}' | '\u{133}' | '\u{13F}' | '\u{140}' | '\u{149}'
        )
}

/// Latin fast path: ASCII plus [`is_simple_latin`] characters, provided no
/// combining mark or other character follows that could compose with them.
/// Returns false (having written nothing) when the input does not qualify.
fn push_latin(s: &str, out: &mut String) -> bool {
    if !s.chars().all(|c| c.is_ascii() || is_simple_latin(c)) {
        return false;
    }
    let start = out.len();
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_ascii() && is_ascii_separator(c as u8) {
            pending_space = out.len() > start;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        if c == '\u{DF}' {
            out.push_str("ss");
        } else {
            out.extend(c.to_lowercase());
        }
    }
    true
}

/// Pushes `chars` to `out`, trimming and collapsing separator runs to one
/// space (`start` is where this name began in `out`).
fn push_collapsed(chars: impl Iterator<Item = char>, out: &mut String, start: usize) {
    let mut pending_space = false;
    for c in chars {
        if is_separator(c) || is_ignorable(c) {
            pending_space = out.len() > start;
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
}

/// Appends the normal form of any `s` to `out` (full Unicode path).
///
/// Order: invisible characters dropped and separators mapped to a space
/// first (so that dropping them can never change how neighbours compose);
/// then NFKC, full case folding, NFKC again (the second pass is needed only
/// when folding produced something not in NFKC, which a quick check tells);
/// spaces trimmed and collapsed throughout. Each NFKC pass is skipped when
/// the Unicode quick check says the text is already normal, so accented
/// Latin names cost one table lookup per character plus the fold.
fn push_unicode(s: &str, out: &mut String) {
    let start = out.len();
    let cleaned = || {
        s.chars()
            .filter(|&c| !is_ignorable(c))
            .map(|c| if is_separator(c) { ' ' } else { c })
    };
    if is_nfkc_quick(cleaned()) == IsNormalized::Yes {
        push_collapsed(cleaned().default_case_fold(), out, start);
    } else {
        push_collapsed(cleaned().nfkc().default_case_fold(), out, start);
    }
    if is_nfkc_quick(out[start..].chars()) != IsNormalized::Yes {
        let folded: String = out[start..].nfkc().collect();
        out.truncate(start);
        push_collapsed(folded.chars(), out, start);
    }
}

/// Normalises a name for comparison (N1, N4).
///
/// Returns the input borrowed when it is ASCII and already normal, so the
/// common case allocates nothing.
///
/// ```
/// use ledgerlink::normalize::normalize_name;
/// assert_eq!(normalize_name("  ACME   Ltd "), "acme ltd");
/// assert_eq!(normalize_name("STRASSE"), normalize_name("straße"));
/// assert_eq!(normalize_name("Jose\u{301}"), normalize_name("José"));
/// assert_eq!(normalize_name("ＡＣＭＥ"), "acme");
/// assert!(matches!(normalize_name("acme ltd"), std::borrow::Cow::Borrowed(_)));
/// ```
#[must_use]
pub fn normalize_name(s: &str) -> Cow<'_, str> {
    if s.is_ascii() && ascii_is_normal(s.as_bytes()) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    normalize_name_into(s, &mut out);
    Cow::Owned(out)
}

/// Appends the normal form of `s` to `out` without clearing it; reuse one
/// buffer across many records to avoid allocating at all.
pub fn normalize_name_into(s: &str, out: &mut String) {
    if s.is_ascii() {
        push_ascii(s, out);
    } else if !push_latin(s, out) {
        push_unicode(s, out);
    }
}

/// Appends the normalised full name of a person, first + " " + last (N3);
/// the middle name is never part of it. Either part may be empty.
pub fn normalize_person_name_into(first: &str, last: &str, out: &mut String) {
    let start = out.len();
    normalize_name_into(first, out);
    let after_first = out.len();
    if after_first > start {
        out.push(' ');
    }
    normalize_name_into(last, out);
    if out.len() == after_first + 1 && after_first > start {
        out.truncate(after_first); // last was empty: drop the joining space
    }
}

/// Whether two names are equal after normalisation.
#[must_use]
pub fn names_equal(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        // Word by word, ignoring case: what the ASCII normal form compares,
        // without building it.
        let mut wa = a
            .as_bytes()
            .split(|&c| is_ascii_separator(c))
            .filter(|w| !w.is_empty());
        let mut wb = b
            .as_bytes()
            .split(|&c| is_ascii_separator(c))
            .filter(|w| !w.is_empty());
        loop {
            match (wa.next(), wb.next()) {
                (None, None) => return true,
                (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => {}
                _ => return false,
            }
        }
    }
    normalize_name(a) == normalize_name(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slow(s: &str) -> String {
        let mut out = String::new();
        push_unicode(s, &mut out);
        out
    }

    #[test]
    fn n1_case_width_accents_and_spacing_compare_equal() {
        assert_eq!(normalize_name("ACME  Ltd "), "acme ltd");
        assert!(names_equal("ACME  Ltd ", "acme ltd"));
        assert!(names_equal("STRASSE", "straße"));
        assert!(names_equal("José", "Jose\u{301}"));
        assert!(names_equal("ＡＣＭＥ Ｌｔｄ", "acme ltd"));
        assert!(names_equal("Ǆemal", "džemal"));
        assert!(!names_equal("Jose", "José"));
    }

    #[test]
    fn n1_invisible_and_separator_characters() {
        assert!(names_equal("Jane\u{200F} Smith", "jane smith"));
        assert!(names_equal("Jane\u{00A0}\u{2003}Smith", "jane smith"));
        assert!(names_equal("Jane\tSmith\r\n", "jane smith"));
        assert!(names_equal("\u{FEFF}Acme", "acme"));
    }

    #[test]
    fn n4_ascii_fast_path_matches_unicode_path() {
        for s in [
            "", " ", "a", " A  b ", "x\u{1}y", "\u{7f}", "A\tB\nC", "már",
        ] {
            let mut fast = String::new();
            normalize_name_into(s, &mut fast);
            assert_eq!(fast, slow(s), "input {s:?}");
        }
    }

    /// Every ASCII name of up to four characters from an alphabet of
    /// letters, spaces and other separators: the fast path (both of its
    /// branches) gives the full path's normal form.
    #[test]
    fn n4_ascii_fast_path_matches_unicode_path_exhaustively() {
        let alphabet = [b'a', b'Z', b' ', b'\t', b'\x7f', b'\x01', b'.'];
        let mut plain = 0;
        for len in 0..=4u32 {
            for mut code in 0..alphabet.len().pow(len) {
                let mut name = String::new();
                for _ in 0..len {
                    name.push(char::from(alphabet[code % alphabet.len()]));
                    code /= alphabet.len();
                }
                plain += usize::from(plainly_spaced(name.as_bytes()));
                let mut fast = String::from("x");
                normalize_name_into(&name, &mut fast);
                assert_eq!(fast, format!("x{}", slow(&name)), "input {name:?}");
            }
        }
        assert!(plain > 100, "{plain}");
    }

    #[test]
    fn n4_latin_fast_path_matches_unicode_path() {
        for c in '\u{C0}'..='\u{17F}' {
            let s = format!("Ab{c}{c} X");
            let mut fast = String::new();
            if push_latin(&s, &mut fast) {
                assert_eq!(fast, slow(&s), "char U+{:04X}", c as u32);
            } else {
                assert!(!is_simple_latin(c), "U+{:04X}", c as u32);
            }
        }
        let mut out = String::new();
        assert!(
            !push_latin("e\u{301}", &mut out),
            "combining marks take the full path"
        );
        assert!(out.is_empty());
        assert!(names_equal("Müller  STRAẞE", "müller strasse"));
    }

    #[test]
    fn n4_already_normal_ascii_is_borrowed() {
        assert!(matches!(normalize_name("jane smith"), Cow::Borrowed(_)));
        assert!(matches!(normalize_name(""), Cow::Borrowed(_)));
        assert!(matches!(normalize_name("Jane"), Cow::Owned(_)));
        assert!(matches!(normalize_name("jane "), Cow::Owned(_)));
        assert!(matches!(normalize_name("jane  smith"), Cow::Owned(_)));
    }

    #[test]
    fn n1_ascii_names_equal_agrees_with_the_normal_forms() {
        let cases = [
            "",
            " ",
            "Acme Ltd",
            "ACME  ltd ",
            "acme",
            "acme ltd x",
            "a\tb",
            "ab",
            "a b",
        ];
        for a in cases {
            for b in cases {
                assert_eq!(
                    names_equal(a, b),
                    normalize_name(a) == normalize_name(b),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn n3_person_name_joins_first_and_last() {
        let mut out = String::new();
        normalize_person_name_into(" Jane ", "SMITH", &mut out);
        assert_eq!(out, "jane smith");
        out.clear();
        normalize_person_name_into("Jane", "", &mut out);
        assert_eq!(out, "jane");
        out.clear();
        normalize_person_name_into("", "Smith", &mut out);
        assert_eq!(out, "smith");
        out.clear();
        normalize_person_name_into("  ", " ", &mut out);
        assert_eq!(out, "");
    }

    #[test]
    fn n4_huge_and_hostile_input_does_not_panic() {
        let big = "Ab\u{301} \u{202E}ß\u{0}".repeat(100_000);
        let n = normalize_name(&big);
        assert!(n.len() > 100_000);
        assert_eq!(normalize_name(&n), n);
        assert_eq!(normalize_name("\u{0}\u{1}\u{202E}"), "");
    }
}
