//! A name cut into words, and the features the model weighs.
//!
//! One pass over the normal form of the name (lower case, NFKC): dots and
//! apostrophes are dropped ("L.L.C." → "llc", "O'Brien" → "obrien"),
//! punctuation separates words, a comma, quotes and brackets are remembered
//! ("Smith, John", `John "Jack" Smith`, "John (Jack) Smith"), "&", "+" and
//! "and" join, and anything from "c/o" on is left out. Every feature is
//! handed to a visitor with its value and the word behind it, so that the
//! score, the evidence and the training dump come from the same code.

use super::dense::Dense;
use super::lexicon::{Entry, Lexicon, cat};
use std::borrow::Cow;

use crate::normalize::normalize_name;

/// One feature as the visitor sees it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Feature<'a> {
    /// A structural or lexicon feature, with the word behind it if any.
    Dense(Dense, Option<&'a str>),
    /// A word of the name, weighed on its own, with its weight and whether
    /// it is in no word list and no known name.
    Word(&'a str, f32, bool),
    /// The last three letters of a word of five or more that is in no
    /// word list, with their weight ("-ics", "-son").
    Ending(&'a str, f32),
}

/// At most this many words are looked at (a longer name is cut).
const MAX_TOKENS: usize = 24;

#[derive(Clone, Copy)]
struct Tok<'a> {
    text: &'a str,
    nick: bool,
    after_comma: bool,
    joiner: bool,
    digit: bool,
    e: Entry,
}

impl Tok<'_> {
    fn is_word(&self) -> bool {
        !self.joiner && !self.digit && !self.nick
    }
    fn is_initial(&self) -> bool {
        self.text.chars().count() == 1 && self.e.cats == 0
    }
    /// A word that can be part of a personal name.
    fn is_core(&self) -> bool {
        self.is_word() && self.e.cats & (cat::TITLE | cat::SUFFIX | cat::LEGAL | cat::LINKING) == 0
    }
    fn plain(&self) -> bool {
        self.e.cats & (cat::ORGANISATION | cat::BUSINESS | cat::LEGAL | cat::LINKING) == 0
    }
    fn given(&self) -> u8 {
        if self.plain() { self.e.given } else { 0 }
    }
    fn family(&self) -> u8 {
        if self.plain() { self.e.family } else { 0 }
    }
}

/// Whether `b` starts with `pat` (lower case), ignoring ASCII case.
fn starts_with_ci(b: &[u8], pat: &[u8]) -> bool {
    b.get(..pat.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(pat))
}

/// Where "c/o" (or "care of") starts, as a whole word, in any case.
fn care_of(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len()).find(|&i| {
        b.get(i).is_some_and(|c| c.eq_ignore_ascii_case(&b'c'))
            && (i == 0 || b.get(i - 1) == Some(&b' '))
            && b.get(i..)
                .is_some_and(|r| starts_with_ci(r, b"c/o") || starts_with_ci(r, b"care of "))
    })
}

/// Whether the raw name has a short all-capital word (an initialism such
/// as "IBM" or "KPMG") while the rest is not in capitals.
fn acronym(raw: &str) -> Option<&str> {
    if !raw.chars().any(char::is_lowercase) {
        return None;
    }
    raw.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .take(MAX_TOKENS)
        .find(|w| {
            (2..=5).contains(&w.len())
                && w.bytes().all(|b| b.is_ascii_uppercase())
                && !matches!(
                    *w,
                    "II" | "III" | "IV" | "JR" | "SR" | "MD" | "DR" | "MR" | "MS"
                )
        })
}

/// Cuts `norm` (a normal-form name, or ASCII in any case) into `buf`, in
/// lower case, and returns the tokens.
fn tokenize<'b>(norm: &str, buf: &'b mut String, lex: &Lexicon) -> Vec<Tok<'b>> {
    // Pass 1: the cleaned text, with each token's span and flags.
    let mut spans: Vec<(usize, usize, bool, bool)> = Vec::with_capacity(8);
    let (mut quote, mut depth, mut comma) = (false, 0u32, false);
    let mut start: Option<usize> = None;
    let end_token = |buf: &mut String,
                     start: &mut Option<usize>,
                     nick: bool,
                     comma: &mut bool,
                     spans: &mut Vec<(usize, usize, bool, bool)>| {
        if let Some(s) = start.take()
            && buf.len() > s
            && spans.len() < MAX_TOKENS
        {
            spans.push((s, buf.len(), nick, *comma));
            *comma = false;
        }
    };
    for c in norm.chars() {
        let nick = quote || depth > 0;
        match c {
            '.' | '\'' | '’' | '`' => {}
            ',' | ';' => {
                end_token(buf, &mut start, nick, &mut comma, &mut spans);
                comma = true;
            }
            '"' | '“' | '”' => {
                end_token(buf, &mut start, nick, &mut comma, &mut spans);
                quote = !quote;
            }
            '(' | '[' | '{' => {
                end_token(buf, &mut start, nick, &mut comma, &mut spans);
                depth = depth.saturating_add(1);
            }
            ')' | ']' | '}' => {
                end_token(buf, &mut start, nick, &mut comma, &mut spans);
                depth = depth.saturating_sub(1);
            }
            '&' | '+' => {
                end_token(buf, &mut start, nick, &mut comma, &mut spans);
                let s = buf.len();
                buf.push('&');
                start = Some(s);
                end_token(buf, &mut start, nick, &mut comma, &mut spans);
            }
            c if c.is_alphanumeric() || c == '-' => {
                if start.is_none() {
                    start = Some(buf.len());
                }
                buf.push(c.to_ascii_lowercase());
            }
            _ => end_token(buf, &mut start, nick, &mut comma, &mut spans),
        }
    }
    let nick = quote || depth > 0;
    end_token(buf, &mut start, nick, &mut comma, &mut spans);
    // Pass 2: look the words up.
    let buf: &'b str = buf;
    spans
        .into_iter()
        .filter_map(|(s, e, nick, after_comma)| {
            let text = buf.get(s..e)?.trim_matches('-');
            if text.is_empty() {
                return None;
            }
            let joiner = text == "&" || text == "and";
            let digit = text.bytes().any(|b| b.is_ascii_digit());
            let e = if joiner || digit {
                Entry::default()
            } else {
                lex.lookup(text)
            };
            Some(Tok {
                text,
                nick,
                after_comma,
                joiner,
                digit,
                e,
            })
        })
        .collect()
}

fn bucket(class: u8, low: Dense, mid: Dense, high: Dense, none: Dense) -> Dense {
    match class {
        0 => none,
        1..=3 => low,
        4..=6 => mid,
        _ => high,
    }
}

/// Hands every feature of `raw` to `visit`, with its value.
pub(super) fn visit<'b>(
    raw: &'b str,
    lex: &Lexicon,
    buf: &'b mut String,
    mut visit: impl FnMut(Feature<'b>, f32),
) {
    use Dense as D;
    visit(Feature::Dense(D::Bias, None), 1.0);
    if let Some(a) = acronym(raw) {
        visit(Feature::Dense(D::Acronym, Some(a)), 1.0);
    }
    // ASCII needs no Unicode normal form: lower case is done word by word.
    let norm = if raw.is_ascii() {
        Cow::Borrowed(raw)
    } else {
        normalize_name(raw)
    };
    let mut text: &str = &norm;
    if let Some(p) = care_of(text) {
        visit(Feature::Dense(D::CareOf, None), 1.0);
        text = if p == 0 {
            let skip = if starts_with_ci(text.as_bytes(), b"c/o") {
                3
            } else {
                8
            };
            text.get(skip..).unwrap_or("")
        } else {
            text.get(..p).unwrap_or("")
        };
    }
    buf.clear();
    let toks = tokenize(text, buf, lex);
    let words: Vec<&Tok<'_>> = toks.iter().filter(|t| t.is_word()).collect();
    let n = words.len();
    // The shape counts the words a name is made of: titles, suffixes and
    // legal forms aside ("Jansen BV" is one word and a form).
    let body = words
        .iter()
        .filter(|t| t.e.cats & (cat::TITLE | cat::SUFFIX | cat::LEGAL) == 0)
        .count();
    let shape = match body {
        0 | 1 => D::Words1,
        2 => D::Words2,
        3 => D::Words3,
        4 => D::Words4,
        _ => D::Words5Plus,
    };
    visit(Feature::Dense(shape, None), 1.0);
    if toks.iter().any(|t| t.digit) {
        visit(Feature::Dense(D::Digits, None), 1.0);
    }
    // A nickname: one or two words in quotes or brackets beside at least
    // two words of the name ("Alpha (UK)" has none).
    let nick_words = toks.iter().filter(|t| t.nick && !t.joiner).count();
    if (1..=2).contains(&nick_words)
        && n >= 2
        && let Some(t) = toks.iter().find(|t| t.nick && !t.joiner)
    {
        visit(Feature::Dense(D::Nickname, Some(t.text)), 1.0);
    }
    for (i, t) in words.iter().enumerate() {
        let unlisted = t.e.cats == 0 && t.e.given == 0 && t.e.family == 0 && t.text != "family";
        visit(Feature::Word(t.text, t.e.weight, unlisted), 1.0);
        if t.is_core()
            && t.e.cats == 0
            && let Some((at, _)) = t.text.char_indices().rev().nth(2)
            && at >= 2
            && let Some(end) = t.text.get(at..)
        {
            visit(Feature::Ending(end, lex.ending(end)), 1.0);
        }
        let c = t.e.cats;
        if c & cat::LEGAL != 0 {
            let last = i + 1 == n;
            visit(
                Feature::Dense(if last { D::LegalLast } else { D::Legal }, Some(t.text)),
                1.0,
            );
        }
        if c & cat::ORGANISATION != 0 {
            visit(Feature::Dense(D::Organisation, Some(t.text)), 1.0);
        }
        if c & cat::BUSINESS != 0 {
            visit(Feature::Dense(D::Business, Some(t.text)), 1.0);
        }
        if c & cat::LINKING != 0 {
            let first = i == 0;
            visit(
                Feature::Dense(
                    if first { D::LinkingFirst } else { D::Linking },
                    Some(t.text),
                ),
                1.0,
            );
        }
        if c & cat::TITLE != 0 {
            visit(Feature::Dense(D::Title, Some(t.text)), 1.0);
        }
        if c & cat::SUFFIX != 0 {
            visit(Feature::Dense(D::Suffix, Some(t.text)), 1.0);
        }
        if t.is_initial() {
            visit(Feature::Dense(D::Initials, Some(t.text)), 1.0);
        }
        if matches!(t.text, "estate" | "deceased" | "executor" | "executors") {
            visit(Feature::Dense(D::Estate, Some(t.text)), 1.0);
        }
        if t.text == "family" {
            visit(Feature::Dense(D::FamilyWord, Some(t.text)), 1.0);
        }
    }
    // "&" / "and" between two words.
    if let Some(j) = toks.iter().position(|t| t.joiner && !t.nick)
        && j > 0
        && let (Some(before), Some(after)) = (toks.get(j - 1), toks.get(j + 1))
    {
        let given = before.given() > 0 && after.given() > 0;
        visit(
            Feature::Dense(
                if given {
                    D::JoinedGiven
                } else {
                    D::JoinedOther
                },
                None,
            ),
            1.0,
        );
    }
    // "Smith, John": one or two words before the first comma, a personal
    // name after it. The name features read it as "John Smith".
    let before_comma = toks
        .iter()
        .take_while(|t| !t.after_comma)
        .filter(|t| t.is_word())
        .count();
    let has_comma = toks.iter().any(|t| t.after_comma);
    let after_is_name = toks
        .iter()
        .skip_while(|t| !t.after_comma)
        .any(|t| t.is_core() && t.e.cats == 0);
    let reversed = has_comma && (1..=2).contains(&before_comma) && after_is_name;
    if has_comma {
        visit(
            Feature::Dense(
                if reversed {
                    D::CommaReversed
                } else {
                    D::CommaOther
                },
                None,
            ),
            1.0,
        );
    }
    let mut core: Vec<&Tok<'_>> = Vec::with_capacity(n);
    if reversed {
        core.extend(words.iter().skip(before_comma).filter(|t| t.is_core()));
        core.extend(words.iter().take(before_comma).filter(|t| t.is_core()));
    } else {
        core.extend(words.iter().filter(|t| t.is_core()));
    }
    let named: Vec<&&Tok<'_>> = core.iter().filter(|t| !t.is_initial()).collect();
    if let Some(first) = named.first() {
        let b = bucket(
            first.given(),
            D::FirstGivenLow,
            D::FirstGivenMid,
            D::FirstGivenHigh,
            D::FirstNotGiven,
        );
        visit(Feature::Dense(b, Some(first.text)), 1.0);
    }
    if named.len() >= 2
        && let Some(last) = named.last()
    {
        let b = bucket(
            last.family(),
            D::LastFamilyLow,
            D::LastFamilyMid,
            D::LastFamilyHigh,
            D::LastNotFamily,
        );
        visit(Feature::Dense(b, Some(last.text)), 1.0);
    }
    if !named.is_empty() {
        #[allow(clippy::cast_precision_loss)]
        let len = named.len() as f32;
        let unknown = named
            .iter()
            .filter(|t| t.e.given == 0 && t.e.family == 0 && t.e.cats == 0);
        let known = named.iter().filter(|t| t.given() > 0 || t.family() > 0);
        #[allow(clippy::cast_precision_loss)]
        let (u, k) = (unknown.count() as f32, known.count() as f32);
        if u > 0.0 {
            visit(Feature::Dense(D::UnknownShare, None), u / len);
        }
        if k > 0.0 {
            visit(Feature::Dense(D::NameShare, None), k / len);
        }
        if (2..=4).contains(&core.len()) && k == len && words.iter().all(|t| t.plain()) {
            visit(Feature::Dense(D::AllNameWords, None), 1.0);
        }
    }
}
