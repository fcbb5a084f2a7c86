//! Comparing two names word by word (M11): the edit distance of two
//! words, and the score of a pair of names.

use super::{LEGAL_FORMS, MAX_LEGAL_FORM, MAX_WORDS, Words, bag_of, bit};

/// Words longer than this (in characters) only compare equal or not: the
/// edit distance's table grows with the product of the lengths.
pub(super) const MAX_FUZZY_CHARS: usize = 32;

/// Score (per mille) of a pair of names: what each difference costs. Same
/// words after folding (accents, punctuation, case, legal forms) score
/// 1000.
/// Whether a mistyped word must keep its first letter.
pub(super) const SAME_FIRST_LETTER: bool = true;

pub(super) const COST_REORDERED: u32 = 20;
pub(super) const COST_EDIT: u32 = 40;
pub(super) const COST_INITIAL: u32 = 50;
pub(super) const COST_DROPPED_INITIAL: u32 = 30;

/// The restricted Damerau-Levenshtein (optimal string alignment) distance
/// of two words, or `None` when it exceeds `max` (or a word is longer than
/// [`MAX_FUZZY_CHARS`]). One edit is decided in one pass
/// ([`within_one`]); more by `strsim`'s table, on words short enough that
/// the table is small.
pub(super) fn edits(a: &str, b: &str, max: usize) -> Option<usize> {
    if max <= 1 {
        return within_one(a.as_bytes(), b.as_bytes()).filter(|&d| d <= max);
    }
    let (la, lb) = (char_len(a), char_len(b));
    if la > MAX_FUZZY_CHARS || lb > MAX_FUZZY_CHARS || la.abs_diff(lb) > max {
        return None;
    }
    // Each character of one word that the other lacks costs an edit (a
    // deletion or a substitution; a swap keeps the characters): a pair
    // whose character sets differ by more than `max` on one side is
    // further apart than `max` without the table.
    let (ma, mb) = (bag_of(a), bag_of(b));
    if (ma & !mb).count_ones() as usize > max || (mb & !ma).count_ones() as usize > max {
        return None;
    }
    let d = strsim::osa_distance(a, b);
    (d <= max).then_some(d)
}

/// [`edits`] with at most one edit, in one pass: 0 when equal, 1 when one
/// substitution, insertion, deletion or swap of neighbours apart, else
/// `None`. Works on the UTF-8 bytes: a non-ASCII character differing from
/// another in one byte counts one edit, as on characters; one differing in
/// more than one byte counts more (and is rejected), which only makes the
/// guard more careful with non-Latin scripts.
pub(super) fn within_one(a: &[u8], b: &[u8]) -> Option<usize> {
    let (s, l) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let i = s.iter().zip(l).take_while(|(x, y)| x == y).count();
    if s.len() == l.len() {
        if i == s.len() {
            return Some(0);
        }
        let substituted = s.get(i + 1..) == l.get(i + 1..);
        let swapped = s.get(i) == l.get(i + 1)
            && s.get(i + 1) == l.get(i)
            && s.get(i + 2..) == l.get(i + 2..);
        (substituted || swapped).then_some(1)
    } else if l.len() == s.len() + 1 {
        (s.get(i..) == l.get(i + 1..)).then_some(1)
    } else {
        None
    }
}

/// Characters in `w` (its length, for ASCII).
pub(super) fn char_len(w: &str) -> usize {
    if w.is_ascii() {
        w.len()
    } else {
        w.chars().count()
    }
}

/// Edits a word of `chars` characters may differ by and still be the same
/// word mistyped: none below 4 characters, one up to 7, two from 8.
pub(super) const fn allowed_edits(chars: usize) -> usize {
    match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Whether `w` is one edit away from a legal form (`lrd`, `limitef`,
/// `nc`): a mistyped legal form says as little as the legal form.
///
/// Most words are turned away by length and letters before a legal form is
/// compared: one edit leaves the lengths within one byte and each side with
/// at most one letter the other lacks.
pub(super) fn is_mistyped_legal_form(w: &str) -> bool {
    if w.len() > MAX_LEGAL_FORM + 1 || w.chars().nth(1).is_none() {
        return false;
    }
    if w.bytes().any(|c| c.is_ascii_digit()) {
        return false;
    }
    let bag = bag_of(w);
    let mut forms = FORMS_NEAR_LENGTH.get(w.len()).copied().unwrap_or(0);
    while forms != 0 {
        let i = forms.trailing_zeros() as usize;
        forms &= forms - 1;
        if let Some(&(f, fb)) = LEGAL_FORM_BAGS.get(i)
            && (bag & !fb).count_ones() <= 1
            && (fb & !bag).count_ones() <= 1
            && within_one(w.as_bytes(), f.as_bytes()).is_some()
        {
            return true;
        }
    }
    false
}

/// For each length in bytes, the legal forms (bit `i` for
/// `LEGAL_FORMS[i]`) of at least two bytes whose length is within one.
const FORMS_NEAR_LENGTH: [u32; MAX_LEGAL_FORM + 2] = {
    assert!(LEGAL_FORMS.len() <= 32);
    let mut out = [0u32; MAX_LEGAL_FORM + 2];
    let mut i = 0;
    while i < LEGAL_FORMS.len() {
        let len = LEGAL_FORMS[i].len();
        if len >= 2 {
            out[len - 1] |= 1 << i;
            out[len] |= 1 << i;
            out[len + 1] |= 1 << i;
        }
        i += 1;
    }
    out
};

/// [`is_mistyped_legal_form`] as it was before the length and letter
/// checks, for the test that proves they turn no word away wrongly.
#[cfg(test)]
pub(super) fn is_mistyped_legal_form_slow(w: &str) -> bool {
    w.chars().nth(1).is_some()
        && !w.bytes().any(|c| c.is_ascii_digit())
        && LEGAL_FORMS
            .iter()
            .any(|f| f.len() >= 2 && edits(w, f, 1).is_some())
}

/// Each legal form with its letters as bits (see [`bag_of`]).
const LEGAL_FORM_BAGS: [(&str, u32); LEGAL_FORMS.len()] = {
    let mut out = [("", 0u32); LEGAL_FORMS.len()];
    let mut i = 0;
    while i < LEGAL_FORMS.len() {
        let f = LEGAL_FORMS[i];
        let bytes = f.as_bytes();
        let mut bag = 0;
        let mut j = 0;
        while j < bytes.len() {
            bag |= bit(bytes[j] as char);
            j += 1;
        }
        out[i] = (f, bag);
        i += 1;
    }
    out
};

pub(super) fn is_initial_of(initial: &str, word: &str) -> bool {
    let mut i = initial.chars();
    let mut w = word.chars();
    matches!((i.next(), i.next(), w.next(), w.next()), (Some(a), None, Some(b), Some(_)) if a == b)
}

/// How alike two names are, in thousandths (see the `COST_` constants), or
/// `None` when they are not the same name written differently: every word
/// of one must pair with a word of the other, equal, as an initial (`J` /
/// `John`, at most one, the other words then equal) or within a few edits
/// (at most two in all); one single-letter word (a middle initial) may be
/// left over; at least one pair of whole words must agree.
pub(super) fn score(a: Words<'_>, b: Words<'_>) -> Option<u16> {
    score_with::<true>(a, b)
}

/// [`score`], giving up early on a pair with a word that can no longer be
/// placed when `EARLY` (always, but in the test that proves it changes
/// no score).
pub(super) fn score_with<const EARLY: bool>(a: Words<'_>, b: Words<'_>) -> Option<u16> {
    if a.n() == 0 || b.n() == 0 {
        return None;
    }
    if a.same_letters(&b) {
        return Some(1000);
    }
    let mut pair_a = [usize::MAX; MAX_WORDS];
    let mut used_b = [false; MAX_WORDS];
    let mut reordered = false;
    // Equal words.
    for (i, pair) in pair_a.iter_mut().enumerate().take(a.n()) {
        if let Some(j) = (0..b.n()).find(|&j| !used_b[j] && a.word(i) == b.word(j)) {
            *pair = j;
            used_b[j] = true;
        }
    }
    let exact = pair_a[..a.n()].iter().filter(|&&j| j != usize::MAX).count();
    // Words within a few edits, the closest first.
    let mut total_edits = 0;
    for (i, pair) in pair_a.iter_mut().enumerate().take(a.n()) {
        if *pair != usize::MAX {
            continue;
        }
        let wa = a.word(i);
        if wa.bytes().any(|c| c.is_ascii_digit()) {
            continue;
        }
        let mut best: Option<(usize, usize)> = None;
        for j in (0..b.n()).filter(|&j| !used_b[j]) {
            let wb = b.word(j);
            if SAME_FIRST_LETTER && wa.as_bytes().first() != wb.as_bytes().first() {
                continue;
            }
            let max = allowed_edits(char_len(wa).min(char_len(wb)));
            if max == 0 || wb.bytes().any(|c| c.is_ascii_digit()) {
                continue;
            }
            if let Some(d) = edits(wa, wb, max)
                && best.is_none_or(|(bd, _)| d < bd)
            {
                best = Some((d, j));
            }
        }
        if let Some((d, j)) = best {
            *pair = j;
            used_b[j] = true;
            total_edits += d;
        }
    }
    if total_edits > 2 || (EARLY && stranded(a, b, &pair_a, &used_b)) {
        return None;
    }
    // Initials.
    let mut initials = 0u32;
    for (i, pair) in pair_a.iter_mut().enumerate().take(a.n()) {
        if *pair != usize::MAX {
            continue;
        }
        let wa = a.word(i);
        if let Some(j) = (0..b.n())
            .find(|&j| !used_b[j] && (is_initial_of(wa, b.word(j)) || is_initial_of(b.word(j), wa)))
        {
            *pair = j;
            used_b[j] = true;
            initials += 1;
        }
    }
    if initials > 1 || (initials == 1 && total_edits > 0) {
        return None;
    }
    // Left over: at most one single-letter word, or mistyped legal forms
    // within the edits allowed.
    let left_a = (0..a.n()).filter(|&i| pair_a[i] == usize::MAX);
    let left_b = (0..b.n()).filter(|&j| !used_b[j]);
    if left_a.clone().count() + left_b.clone().count() > 2 - total_edits.min(2) + 1 {
        return None;
    }
    let mut dropped = 0u32;
    for w in left_a.map(|i| a.word(i)).chain(left_b.map(|j| b.word(j))) {
        if w.chars().nth(1).is_none() {
            dropped += 1;
        } else if is_mistyped_legal_form(w) {
            // `Lrd`, `Limitef`, `Imc`: a legal form mistyped (legal forms
            // themselves were left out of the words).
            total_edits += 1;
        } else {
            return None;
        }
    }
    if total_edits > 2 {
        return None;
    }
    if dropped > 1 || (dropped == 1 && initials + u32::from(total_edits > 0) > 0) {
        return None;
    }
    // At least one whole word agrees (equal or mistyped, not an initial).
    if exact == 0 && total_edits == 0 {
        return None;
    }
    let mut last = None;
    for &j in pair_a[..a.n()].iter().filter(|&&j| j != usize::MAX) {
        if last.is_some_and(|l| j < l) {
            reordered = true;
        }
        last = Some(j);
    }
    #[allow(clippy::cast_possible_truncation)] // at most 2
    let cost = COST_EDIT * total_edits as u32
        + COST_INITIAL * initials
        + COST_DROPPED_INITIAL * dropped
        + if reordered { COST_REORDERED } else { 0 };
    // At most 1000.
    #[allow(clippy::cast_possible_truncation)]
    let sim = 1000u32.saturating_sub(cost).max(1) as u16;
    Some(sim)
}

/// Whether a word left unpaired by equality and edits can no longer be
/// placed: a word of two letters or more pairs from here on only with a
/// single-letter word of the other name that starts with its letter (as
/// the word an initial stands for), or is left over as a mistyped legal
/// form; anything else makes [`score`] give up at its end. Deciding it
/// here spares most pairs that are not similar the rest of the work.
pub(super) fn stranded(
    a: Words<'_>,
    b: Words<'_>,
    pair_a: &[usize; MAX_WORDS],
    used_b: &[bool; MAX_WORDS],
) -> bool {
    let initial_in = |w: Words<'_>, free: &dyn Fn(usize) -> bool, first: Option<char>| {
        (0..w.n()).any(|j| {
            free(j) && {
                let mut c = w.word(j).chars();
                let f = c.next();
                c.next().is_none() && f == first
            }
        })
    };
    let free_a = |i: usize| pair_a.get(i).is_some_and(|&p| p == usize::MAX);
    let free_b = |j: usize| used_b.get(j).is_some_and(|&u| !u);
    let lost = |w: &str, other: Words<'_>, free: &dyn Fn(usize) -> bool| {
        let mut c = w.chars();
        let first = c.next();
        c.next().is_some() && !initial_in(other, free, first) && !is_mistyped_legal_form(w)
    };
    (0..a.n()).any(|i| free_a(i) && lost(a.word(i), b, &free_b))
        || (0..b.n()).any(|j| free_b(j) && lost(b.word(j), a, &free_a))
}
