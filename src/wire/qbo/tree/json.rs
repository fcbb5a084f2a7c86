//! The JSON reader that builds the [tree](super): one recursive descent
//! over the bytes, numbers kept as their source text (amounts never pass
//! through a float), strings borrowed from the input unless they hold
//! escapes, nesting bounded by [`MAX_DEPTH`] and sizes by the [`Limits`].

use std::borrow::Cow;

use crate::wire::{Limit, Limits, WireError};

use super::{Fail, MAX_DEPTH, Value, container_limit};

/// A JSON document that could not be read: why, with the top-level keys
/// read before it (to tell whose payload a truncated body was).
#[derive(Debug)]
pub(in crate::wire::qbo) struct JsonError<'a> {
    pub(in crate::wire::qbo) error: WireError,
    pub(in crate::wire::qbo) top_keys: Vec<Cow<'a, str>>,
}

/// Reads a JSON document.
///
/// # Errors
/// [`JsonError`] for anything that is not JSON, nested deeper than
/// [`MAX_DEPTH`], followed by more than white space, or past `limits`
/// (a text value longer than [`Limits::max_field_bytes`], a list or
/// object longer than [`container_limit`] allows).
pub(in crate::wire::qbo) fn parse_json<'a>(
    s: &'a str,
    limits: &Limits,
) -> Result<Value<'a>, JsonError<'a>> {
    let mut p = Parser {
        s,
        b: s.as_bytes(),
        pos: 0,
        depth: 0,
        top_keys: Vec::new(),
        limits: *limits,
    };
    let out = p.value().and_then(|v| {
        p.ws();
        if p.pos < p.b.len() {
            Err(p.fail("unexpected characters after the document").into())
        } else {
            Ok(v)
        }
    });
    out.map_err(|fail| JsonError {
        error: fail.into_wire(),
        top_keys: std::mem::take(&mut p.top_keys),
    })
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
    depth: usize,
    top_keys: Vec<Cow<'a, str>>,
    limits: Limits,
}

impl<'a> Parser<'a> {
    fn fail(&self, what: &str) -> String {
        format!("{what} at byte {}", self.pos)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn slice(&self, from: usize, to: usize) -> Result<&'a str, String> {
        self.s
            .get(from..to)
            .ok_or_else(|| self.fail("invalid text boundary"))
    }

    fn value(&mut self) -> Result<Value<'a>, Fail> {
        self.ws();
        Ok(match self.peek() {
            None => return Err(self.fail("unexpected end of input").into()),
            Some(b'{') => return self.object(),
            Some(b'[') => return self.array(),
            Some(b'"') => Value::Str(self.text_value()?),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.fail("unexpected character").into()),
        })
    }

    /// A string value, within [`Limits::max_field_bytes`].
    fn text_value(&mut self) -> Result<Cow<'a, str>, Fail> {
        let t = self.string()?;
        if t.len() > self.limits.max_field_bytes {
            return Err(Fail::too_large(&self.limits, Limit::FieldBytes, t.len()));
        }
        Ok(t)
    }

    /// A list or object of `len` entries, within its limit.
    fn check_len(&self, len: usize) -> Result<(), Fail> {
        let limit = container_limit(self.depth);
        if len > self.limits.max(limit) {
            return Err(Fail::too_large(&self.limits, limit, len));
        }
        Ok(())
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.fail("nested too deeply"));
        }
        self.pos += 1;
        Ok(())
    }

    fn object(&mut self) -> Result<Value<'a>, Fail> {
        self.enter()?;
        let mut entries = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Obj(entries));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.fail("expected a key").into());
            }
            let key = self.string()?;
            if self.depth == 1 {
                self.top_keys.push(key.clone());
            }
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.fail("expected `:`").into());
            }
            self.pos += 1;
            self.check_len(entries.len() + 1)
                .map_err(|e| e.within(|| key.to_string()))?;
            let value = self.value().map_err(|e| e.within(|| key.to_string()))?;
            entries.push((key, value));
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.fail("expected `,` or `}`").into()),
            }
        }
        self.depth -= 1;
        Ok(Value::Obj(entries))
    }

    fn array(&mut self) -> Result<Value<'a>, Fail> {
        self.enter()?;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Arr(items));
        }
        loop {
            let i = items.len();
            self.check_len(i + 1)
                .map_err(|e| e.within(|| format!("[{i}]")))?;
            items.push(self.value().map_err(|e| e.within(|| format!("[{i}]")))?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.fail("expected `,` or `]`").into()),
            }
        }
        self.depth -= 1;
        Ok(Value::Arr(items))
    }

    fn literal(&mut self, word: &str, v: Value<'a>) -> Result<Value<'a>, String> {
        if self
            .b
            .get(self.pos..)
            .is_some_and(|r| r.starts_with(word.as_bytes()))
        {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.fail("unexpected word"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value<'a>, String> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.fail("expected a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.fail("expected a digit after `.`"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.fail("expected an exponent"));
            }
        }
        self.slice(start, self.pos).map(Value::Num)
    }

    fn string(&mut self) -> Result<Cow<'a, str>, String> {
        self.pos += 1;
        let start = self.pos;
        // Most strings have no escapes: borrow them from the input.
        loop {
            match self.peek() {
                None => return Err(self.fail("unterminated string")),
                Some(b'"') => {
                    let s = self.slice(start, self.pos)?;
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(c) if c < 0x20 => return Err(self.fail("control character in a string")),
                Some(_) => self.pos += 1,
            }
        }
        let mut out = String::from(self.slice(start, self.pos)?);
        loop {
            match self.peek() {
                None => return Err(self.fail("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let ch = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            out.push(self.unicode_escape()?);
                            continue;
                        }
                        _ => return Err(self.fail("invalid escape")),
                    };
                    self.pos += 1;
                    out.push(ch);
                }
                Some(c) if c < 0x20 => return Err(self.fail("control character in a string")),
                Some(_) => {
                    let run = self.pos;
                    while let Some(c) = self.peek() {
                        if c == b'"' || c == b'\\' || c < 0x20 {
                            break;
                        }
                        self.pos += 1;
                    }
                    out.push_str(self.slice(run, self.pos)?);
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .b
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.fail("short \\u escape"))?;
        let mut n = 0u32;
        for d in digits {
            let v = char::from(*d)
                .to_digit(16)
                .ok_or_else(|| self.fail("invalid \\u escape"))?;
            n = n * 16 + v;
        }
        self.pos += 4;
        Ok(n)
    }

    fn unicode_escape(&mut self) -> Result<char, String> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.b.get(self.pos..self.pos + 2) != Some(b"\\u") {
                    return Err(self.fail("unpaired surrogate"));
                }
                self.pos += 2;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.fail("unpaired surrogate"));
                }
                0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.fail("unpaired surrogate")),
            n => n,
        };
        char::from_u32(code).ok_or_else(|| self.fail("invalid \\u escape"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{At, decimal};
    use super::*;

    fn parse(s: &str) -> Value<'_> {
        match parse_json(s, &Limits::default()) {
            Ok(v) => v,
            Err(e) => panic!("{s}: {}", e.error),
        }
    }

    #[test]
    fn numbers_keep_their_text() {
        let v = parse(r#"{"a": 100.0, "b": -0.10, "c": 12345678901234567890.123456789}"#);
        assert_eq!(v.get("a"), Some(&Value::Num("100.0")));
        assert_eq!(v.get("b"), Some(&Value::Num("-0.10")));
        let c = decimal(v.get("c").unwrap_or(&Value::Null), &At::Root);
        assert_eq!(
            c.ok().flatten().map(|d| d.to_string()).as_deref(),
            Some("12345678901234567890.123456789")
        );
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let v = parse(r#"["plain", "caf\u00e9 \ud83d\ude00 \"q\""]"#);
        let items = v.items();
        assert!(matches!(
            items.first(),
            Some(Value::Str(Cow::Borrowed("plain")))
        ));
        assert_eq!(
            items.get(1),
            Some(&Value::Str(Cow::Owned("café 😀 \"q\"".into())))
        );
    }

    #[test]
    fn bad_documents_are_errors() {
        for bad in [
            "",
            "{",
            "{\"a\"",
            "{\"a\":}",
            "[1,]",
            "01",
            "1.",
            "\"\\ud800\"",
            "nul",
            "{} x",
            "\"\u{1}\"",
            "-",
            "1e",
        ] {
            assert!(parse_json(bad, &Limits::default()).is_err(), "{bad:?}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(parse_json(&deep, &Limits::default()).is_err());
    }

    #[test]
    fn truncated_documents_remember_their_top_keys() {
        let e = parse_json(
            r#"{"QueryResponse": {"Customer": [{"Id": "1"#,
            &Limits::default(),
        );
        let keys = e.err().map(|e| e.top_keys).unwrap_or_default();
        assert_eq!(keys, [Cow::Borrowed("QueryResponse")]);
    }
}
