//! A small pull reader of JSON for the contacts hot path: the input is
//! checked as UTF-8 once, strings are borrowed unless they hold escapes,
//! and values the decoder does not want are skipped without being built.
//! Every malformed input is a [`WireError::Syntax`] naming the byte
//! offset; nesting is bounded so that no input exhausts the stack.

use std::borrow::Cow;

use crate::wire::{Limit, Limits, Profile, WireError};

use super::json::{head, shape};
use super::keys::Keys;

/// Nesting deeper than this is refused (Xero documents nest about five
/// levels).
const MAX_DEPTH: usize = 128;

/// An error, boxed: results stay small on the hot path.
pub(super) type Fail = Box<WireError>;

/// The kind of the next value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Next {
    Str,
    Obj,
    Arr,
    Num,
    Bool,
    Null,
}

impl Next {
    pub(super) const fn name(self) -> &'static str {
        match self {
            Self::Str => "a string",
            Self::Obj => "an object",
            Self::Arr => "a list",
            Self::Num => "a number",
            Self::Bool => "true or false",
            Self::Null => "null",
        }
    }
}

/// The end of the run of string bytes from `i` that need no attention:
/// the position of the first `"`, `\\` or control character (or the end).
/// Sixteen bytes at a time: each byte's test gives `0xff` or `0`, which
/// the compiler turns into a few vector instructions (no `unsafe`, no
/// target feature: SSE2 is in every x86-64), and the lowest marked byte
/// of the 128-bit word is the answer; the last few bytes go one by one.
#[inline(always)]
fn plain_run(bytes: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = bytes.get(i..i + 16) {
        let Ok(arr) = <&[u8; 16]>::try_from(chunk) else {
            break;
        };
        let mut marks = [0_u8; 16];
        for (m, &b) in marks.iter_mut().zip(arr) {
            *m = u8::from((b == b'"') | (b == b'\\') | (b < 0x20)).wrapping_neg();
        }
        let marks = u128::from_le_bytes(marks);
        if marks != 0 {
            return i + (marks.trailing_zeros() / 8) as usize;
        }
        i += 16;
    }
    while bytes
        .get(i)
        .is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20)
    {
        i += 1;
    }
    i
}

pub(super) struct Lexer<'a> {
    s: &'a str,
    i: usize,
    depth: usize,
    limits: Limits,
}

impl<'a> Lexer<'a> {
    /// A reader of `bytes`, which must be UTF-8 (a BOM is skipped), with
    /// Xero's default limits.
    #[cfg(test)]
    pub(super) fn new(bytes: &'a [u8]) -> Result<Self, Fail> {
        Self::with_limits(bytes, &Limits::for_provider(Profile::XeroGl))
    }

    /// A reader of `bytes` within `limits`: the input's length is checked
    /// here, each text value read by [`Self::opt_str`] there.
    pub(super) fn with_limits(bytes: &'a [u8], limits: &Limits) -> Result<Self, Fail> {
        limits.check_input(Profile::XeroGl, bytes)?;
        let s = std::str::from_utf8(bytes).map_err(|e| WireError::Syntax {
            provider: Profile::XeroGl,
            detail: format!("not UTF-8: {e}"),
        })?;
        let s = s.strip_prefix('\u{feff}').unwrap_or(s);
        Ok(Self {
            s,
            i: 0,
            depth: 0,
            limits: *limits,
        })
    }

    /// Room for item number `n` (from 1) of a list bounded by `limit`.
    pub(super) fn room(
        &self,
        limit: Limit,
        n: usize,
        path: impl FnOnce() -> String,
    ) -> Result<(), Fail> {
        self.limits
            .check(Profile::XeroGl, limit, n, path)
            .map_err(Box::new)
    }

    #[cold]
    pub(super) fn fail(&self, what: &str) -> Fail {
        let at = self.s.get(self.i..).map(head).unwrap_or_default();
        Box::new(WireError::Syntax {
            provider: Profile::XeroGl,
            detail: if self.i >= self.s.len() {
                format!("{what}: the document ends at byte {}", self.i)
            } else {
                format!("{what} at byte {} (`{at}`)", self.i)
            },
        })
    }

    fn byte(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn ws(&mut self) {
        while self
            .byte()
            .is_some_and(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
        {
            self.i += 1;
        }
    }

    /// The kind of the next value.
    pub(super) fn next(&mut self) -> Result<Next, Fail> {
        self.ws();
        Ok(match self.byte() {
            Some(b'"') => Next::Str,
            Some(b'{') => Next::Obj,
            Some(b'[') => Next::Arr,
            Some(b'-' | b'0'..=b'9') => Next::Num,
            Some(b't' | b'f') => Next::Bool,
            Some(b'n') => Next::Null,
            _ => return Err(self.fail("expected a value")),
        })
    }

    /// Whether only whitespace is left.
    pub(super) fn end(&mut self) -> Result<(), Fail> {
        self.ws();
        if self.i < self.s.len() {
            return Err(self.fail("unexpected text after the document"));
        }
        Ok(())
    }

    fn enter(&mut self, open: u8) -> Result<(), Fail> {
        self.ws();
        if self.byte() != Some(open) {
            return Err(self.fail(if open == b'{' {
                "expected an object"
            } else {
                "expected a list"
            }));
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.fail("nested too deeply"));
        }
        self.i += 1;
        Ok(())
    }

    /// Enters an object; then call [`Self::key`] until it gives `None`.
    pub(super) fn object(&mut self) -> Result<(), Fail> {
        self.enter(b'{')
    }

    /// Enters a list; then call [`Self::item`] until it gives `false`.
    pub(super) fn array(&mut self) -> Result<(), Fail> {
        self.enter(b'[')
    }

    /// The next key of the object entered (`first`: none read yet), or
    /// `None` at its end.
    pub(super) fn key(&mut self, first: &mut bool) -> Result<Option<Cow<'a, str>>, Fail> {
        self.ws();
        if self.byte() == Some(b'}') {
            self.i += 1;
            self.depth = self.depth.saturating_sub(1);
            return Ok(None);
        }
        if !std::mem::replace(first, false) {
            if self.byte() != Some(b',') {
                return Err(self.fail("expected `,` or `}`"));
            }
            self.i += 1;
            self.ws();
        }
        if self.byte() != Some(b'"') {
            return Err(self.fail("expected a key"));
        }
        let k = self.string_here()?;
        self.ws();
        if self.byte() != Some(b':') {
            return Err(self.fail("expected `:`"));
        }
        self.i += 1;
        Ok(Some(k))
    }

    /// [`Self::key`], expecting the key `keys` expects: when the next
    /// bytes are exactly that key as [`Keys`] learned it was written
    /// (after a `,` unless `first`), it is taken without a scan; anything
    /// else is read by [`Self::key`]. The same keys are read, and the
    /// same documents refused, either way.
    #[inline(always)]
    pub(super) fn key_as<'k>(
        &mut self,
        first: &mut bool,
        keys: &'k mut Keys,
    ) -> Result<Option<Cow<'k, str>>, Fail>
    where
        'a: 'k,
    {
        let bytes = self.s.as_bytes();
        // The end of the object, as `key` reads it.
        if bytes.get(self.i) == Some(&b'}') {
            self.i += 1;
            self.depth = self.depth.saturating_sub(1);
            return Ok(None);
        }
        if let Some(written) = keys.expected() {
            let at = self.i + usize::from(!*first);
            let end = at + written.len();
            if (*first || bytes.get(self.i) == Some(&b',')) && bytes.get(at..end) == Some(written) {
                *first = false;
                self.i = end;
                return Ok(keys.take().map(Cow::Borrowed));
            }
        }
        self.key_learned(first, keys)
    }

    /// [`Self::key`], and `keys` told of it: the key was not the one
    /// expected.
    #[inline(never)]
    fn key_learned<'k>(
        &mut self,
        first: &mut bool,
        keys: &'k mut Keys,
    ) -> Result<Option<Cow<'k, str>>, Fail>
    where
        'a: 'k,
    {
        let k = self.key(first)?;
        if let Some(k) = &k {
            keys.learn(k);
        }
        Ok(k)
    }

    /// Whether another item of the list entered follows (`first`: none
    /// read yet).
    pub(super) fn item(&mut self, first: &mut bool) -> Result<bool, Fail> {
        self.ws();
        if self.byte() == Some(b']') {
            self.i += 1;
            self.depth = self.depth.saturating_sub(1);
            return Ok(false);
        }
        if !std::mem::replace(first, false) {
            if self.byte() != Some(b',') {
                return Err(self.fail("expected `,` or `]`"));
            }
            self.i += 1;
        }
        Ok(true)
    }

    /// A string value (whitespace first, then its opening quote).
    pub(super) fn string(&mut self) -> Result<Cow<'a, str>, Fail> {
        self.ws();
        self.string_here()
    }

    /// A string value starting right at the reader (no whitespace first).
    fn string_here(&mut self) -> Result<Cow<'a, str>, Fail> {
        if self.byte() != Some(b'"') {
            return Err(self.fail("expected a string"));
        }
        self.i += 1;
        let start = self.i;
        let bytes = self.s.as_bytes();
        self.i = plain_run(bytes, self.i);
        loop {
            match bytes.get(self.i) {
                Some(b'"') => {
                    let out = self.s.get(start..self.i).unwrap_or_default();
                    self.i += 1;
                    return Ok(Cow::Borrowed(out));
                }
                Some(b'\\') => break,
                Some(&b) if b < 0x20 => return Err(self.fail("a control character in a string")),
                Some(_) => self.i += 1,
                None => return Err(self.fail("an unterminated string")),
            }
        }
        let mut out = String::with_capacity(self.i - start + 16);
        out.push_str(self.s.get(start..self.i).unwrap_or_default());
        loop {
            let run = self.i;
            self.i = plain_run(bytes, self.i);
            out.push_str(self.s.get(run..self.i).unwrap_or_default());
            match bytes.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = match bytes.get(self.i) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.i += 1;
                            let c = self.unicode()?;
                            out.push(c);
                            continue;
                        }
                        _ => return Err(self.fail("an unknown escape")),
                    };
                    self.i += 1;
                    out.push(c);
                }
                Some(_) => return Err(self.fail("a control character in a string")),
                None => return Err(self.fail("an unterminated string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Fail> {
        let digits = self
            .s
            .get(self.i..self.i + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.fail("a bad \\u escape"))?;
        let v = u32::from_str_radix(digits, 16).map_err(|_| self.fail("a bad \\u escape"))?;
        self.i += 4;
        Ok(v)
    }

    /// The character of a `\u` escape (the reader is after the `u`).
    fn unicode(&mut self) -> Result<char, Fail> {
        let hi = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if self.s.get(self.i..self.i + 2) != Some("\\u") {
                return Err(self.fail("a lone surrogate"));
            }
            self.i += 2;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(self.fail("a lone surrogate"));
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else {
            hi
        };
        char::from_u32(code).ok_or_else(|| self.fail("a lone surrogate"))
    }

    fn digits(&mut self) -> usize {
        let from = self.i;
        while self.byte().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - from
    }

    /// A number's text, checked against JSON's grammar.
    pub(super) fn number(&mut self) -> Result<&'a str, Fail> {
        self.ws();
        let start = self.i;
        if self.byte() == Some(b'-') {
            self.i += 1;
        }
        match self.byte() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.fail("a malformed number")),
        }
        if self.byte() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.fail("a malformed number"));
            }
        }
        if matches!(self.byte(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.byte(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.fail("a malformed number"));
            }
        }
        Ok(self.s.get(start..self.i).unwrap_or_default())
    }

    fn literal(&mut self, word: &str) -> Result<(), Fail> {
        if self.s.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(self.fail("an unknown word"))
        }
    }

    /// Reads and drops the next value, checking its syntax.
    pub(super) fn skip(&mut self) -> Result<(), Fail> {
        match self.next()? {
            Next::Str => {
                self.skip_string()?;
            }
            Next::Num => {
                self.number()?;
            }
            Next::Bool => {
                if self.byte() == Some(b't') {
                    self.literal("true")?;
                } else {
                    self.literal("false")?;
                }
            }
            Next::Null => self.literal("null")?,
            Next::Obj => {
                self.object()?;
                let mut first = true;
                while self.key(&mut first)?.is_some() {
                    self.skip()?;
                }
            }
            Next::Arr => {
                self.array()?;
                let mut first = true;
                while self.item(&mut first)? {
                    self.skip()?;
                }
            }
        }
        Ok(())
    }

    /// Skips a string without building it.
    fn skip_string(&mut self) -> Result<(), Fail> {
        self.i += 1;
        let bytes = self.s.as_bytes();
        loop {
            self.i = plain_run(bytes, self.i);
            match bytes.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.i += 1;
                    match bytes.get(self.i) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.i += 1;
                        }
                        Some(b'u') => {
                            self.i += 1;
                            self.unicode()?;
                        }
                        _ => return Err(self.fail("an unknown escape")),
                    }
                }
                Some(&b) if b < 0x20 => return Err(self.fail("a control character in a string")),
                Some(_) => self.i += 1,
                None => return Err(self.fail("an unterminated string")),
            }
        }
    }

    /// `null` as `None`, a string as its text; another kind is a shape
    /// error at `path`.
    pub(super) fn opt_str(
        &mut self,
        path: impl FnOnce() -> String,
    ) -> Result<Option<Cow<'a, str>>, Fail> {
        match self.next()? {
            Next::Str => {
                let t = self.string_here()?;
                self.room(Limit::FieldBytes, t.len(), path)?;
                Ok(Some(t))
            }
            Next::Null => {
                self.literal("null")?;
                Ok(None)
            }
            other => Err(Box::new(shape(
                path(),
                format!("{} where text belongs", other.name()),
            ))),
        }
    }

    /// Whether the next value is `null` (and reads it if so).
    pub(super) fn null(&mut self) -> Result<bool, Fail> {
        if self.next()? == Next::Null {
            self.literal("null")?;
            return Ok(true);
        }
        Ok(false)
    }
}

/// Counts, without building anything, the items of the top-level list
/// `list` and of each item's list `inner`, against
/// [`Limits::max_records`] and [`Limits::max_items_per_record`]: the
/// serde decoders build every item before they could count them. Only a
/// limit exceeded is reported; a document this scan cannot read is left
/// to the decoder's own error.
pub(super) fn check_counts(
    bytes: &[u8],
    list: &str,
    inner: &str,
    limits: &Limits,
) -> Result<(), WireError> {
    match count_scan(bytes, list, inner, limits) {
        Err(e) if matches!(*e, WireError::TooLarge { .. }) => Err(*e),
        _ => Ok(()),
    }
}

fn count_scan(bytes: &[u8], list: &str, inner: &str, limits: &Limits) -> Result<(), Fail> {
    let mut l = Lexer::with_limits(bytes, limits)?;
    if l.next()? != Next::Obj {
        return Ok(());
    }
    l.object()?;
    let mut first = true;
    while let Some(k) = l.key(&mut first)? {
        if k != list || l.next()? != Next::Arr {
            l.skip()?;
            continue;
        }
        l.array()?;
        let (mut first, mut i) = (true, 0);
        while l.item(&mut first)? {
            l.room(Limit::Records, i + 1, || format!("{list}[{i}]"))?;
            if l.next()? == Next::Obj {
                l.object()?;
                let mut first = true;
                while let Some(k) = l.key(&mut first)? {
                    if k != inner || l.next()? != Next::Arr {
                        l.skip()?;
                        continue;
                    }
                    l.array()?;
                    let (mut first, mut j) = (true, 0);
                    while l.item(&mut first)? {
                        l.room(Limit::ItemsPerRecord, j + 1, || {
                            format!("{list}[{i}].{inner}[{j}]")
                        })?;
                        l.skip()?;
                        j += 1;
                    }
                }
            } else {
                l.skip()?;
            }
            i += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip_all(s: &str) -> Result<(), WireError> {
        let run = || -> Result<(), Fail> {
            let mut l = Lexer::new(s.as_bytes())?;
            l.skip()?;
            l.end()
        };
        run().map_err(|e| *e)
    }

    #[test]
    fn valid_documents_skip() {
        for ok in [
            r#"{"a":[1,-2.5e+3,0,true,false,null,"x\"\u00e9\ud83d\ude00"],"b":{}}"#,
            "[]",
            " \"s\" ",
            "-0.0",
        ] {
            assert_eq!(skip_all(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn invalid_documents_are_syntax_errors() {
        for bad in [
            "",
            "{",
            "{\"a\"}",
            "{\"a\":1,}",
            "[1,]",
            "[1 2]",
            "01",
            "1.",
            "-",
            "1e",
            "tru",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"a\nb\"",
            "{} x",
            "\"\\u12\"",
            "[\"\\udc00\"]",
        ] {
            assert!(
                matches!(skip_all(bad), Err(WireError::Syntax { .. })),
                "{bad:?}"
            );
        }
        let deep = "[".repeat(1000);
        assert!(matches!(skip_all(&deep), Err(WireError::Syntax { .. })));
    }

    #[test]
    fn plain_run_stops_at_the_first_special_byte() {
        let naive = |b: &[u8], i: usize| {
            b.iter()
                .skip(i)
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .map_or(b.len(), |n| i + n)
        };
        // Every special byte at every offset of a 20-byte run, after
        // bytes that could confuse a word test (0x7f, 0xff, 0x21, 0x5d, 0x1f+1).
        for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
            for filler in [b'a', 0x7f, 0xff, 0x21, 0x5d, 0x20, 0x80] {
                for at in 0..20 {
                    let mut b = vec![filler; 20];
                    b[at] = special;
                    if at + 1 < 20 {
                        b[at + 1] = special;
                    }
                    for from in 0..=at {
                        assert_eq!(plain_run(&b, from), naive(&b, from), "{b:?} {from}");
                    }
                }
                let b = vec![filler; 19];
                assert_eq!(plain_run(&b, 3), 19);
            }
        }
    }

    /// The keys of each object of a list of objects, read with `key` or
    /// with `key_as` (values skipped), and how the reading ended.
    fn keys_of(doc: &str, expect: bool) -> (Vec<Vec<String>>, Result<(), WireError>) {
        let mut out = Vec::new();
        let mut keys = Keys::default();
        let mut run = || -> Result<(), Fail> {
            let mut l = Lexer::new(doc.as_bytes())?;
            l.array()?;
            let mut first = true;
            while l.item(&mut first)? {
                l.object()?;
                keys.start();
                let mut seen = Vec::new();
                let mut first = true;
                loop {
                    let k = if expect {
                        l.key_as(&mut first, &mut keys)?.map(Cow::into_owned)
                    } else {
                        l.key(&mut first)?.map(Cow::into_owned)
                    };
                    let Some(k) = k else { break };
                    seen.push(k);
                    l.skip()?;
                }
                out.push(seen);
            }
            l.end()
        };
        let end = run().map_err(|e| *e);
        (out, end)
    }

    #[test]
    fn expected_keys_read_as_any_key() {
        for doc in [
            r#"[{"a":1,"bb":2,"c":3},{"a":1,"bb":2,"c":3},{"a":1,"c":3},{"bb":2,"a":1,"c":3,"d":4},{"a":1,"bb":2,"c":3,"d":4}]"#,
            // Whitespace, escapes, a longer key starting as a learned one.
            r#"[{"a":1,"b":2},{ "a" : 1 , "b":2},{"a":1,"b\u0022":2},{"a":1,"b\"":2},{"a":1,"bb":2},{"a":1,"b":2}]"#,
            r#"[{"x\"y":1},{"x\"y":1},{"x"y":1}]"#,
            r#"[{"a\u0041":1},{"aA":1},{"a\u0041":1}]"#,
            r#"[{},{"a":1},{},{"a":1,"a":2},{"a":1}]"#,
            // Malformed after a learned key.
            r#"[{"a":1,"b":2},{"a":1,"b"2}]"#,
            r#"[{"a":1,"b":2},{"a":1"b":2}]"#,
            r#"[{"a":1,"b":2},{"a":1,,"b":2}]"#,
            r#"[{"a":1,"b":2},{"a":1,"b":2,}]"#,
            r#"[{"a":1,"b":2},{"a":1,"b":"#,
            r#"[{"a":1,"b":2},{"a":1,"b"#,
            r#"[{"é":1,"b":2},{"é":1,"b":2}]"#,
        ] {
            let plain = keys_of(doc, false);
            assert_eq!(keys_of(doc, true), plain, "{doc}");
        }
        let (objects, end) = keys_of(r#"[{"a":1,"bb":2},{"bb":1,"a":2}]"#, true);
        assert_eq!(end, Ok(()));
        assert_eq!(objects, [["a", "bb"], ["bb", "a"]]);
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let mut l = Lexer::new(br#""plain" "a\/b\u0041""#).unwrap();
        assert!(matches!(l.string(), Ok(Cow::Borrowed("plain"))));
        assert_eq!(l.string().ok().as_deref(), Some("a/bA"));
    }
}
