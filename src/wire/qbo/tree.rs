//! A small borrowed document tree that both QBO formats are read into, and
//! the JSON reader that builds it.
//!
//! QBO's JSON and XML carry the same element names, so one tree serves
//! both: the JSON reader keeps numbers as their source text (amounts never
//! pass through a float), and the XML reader (`xml.rs`) turns elements
//! into objects, repeated elements into repeated keys and `name="…"`
//! attributes into keys beside a `value` key. The mapping to the model
//! (`read.rs`) then reads either format through the accessors here.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;

use crate::wire::limits::too_large;
use crate::wire::{Limit, Limits, Provider, WireError};

/// Nesting deeper than this is refused: QBO payloads nest about six
/// levels, and a bounded depth keeps both reading and dropping the tree
/// off the stack limit whatever the input.
pub(super) const MAX_DEPTH: usize = 96;

/// A value of the document.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value<'a> {
    /// JSON `null`, or an empty XML element.
    Null,
    /// JSON `true` / `false`.
    Bool(bool),
    /// A JSON number, exactly as written.
    Num(&'a str),
    /// Text.
    Str(Cow<'a, str>),
    /// A JSON array.
    Arr(Vec<Self>),
    /// An object or an element: keys in document order, repeats kept.
    Obj(Vec<(Cow<'a, str>, Self)>),
}

impl<'a> Value<'a> {
    /// The entries of an object (none for anything else).
    pub(super) fn entries(&self) -> &[(Cow<'a, str>, Self)] {
        match self {
            Self::Obj(e) => e,
            _ => &[],
        }
    }

    /// The first value under `key`, when this is an object.
    pub(super) fn get(&self, key: &str) -> Option<&Self> {
        self.entries()
            .iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v)
    }

    /// Whether the value is `null` (or an empty element).
    pub(super) const fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// The items of a list: a JSON array's elements, or the value itself
    /// (an XML element that repeats is read one occurrence at a time).
    pub(super) fn items(&self) -> &[Self] {
        match self {
            Self::Arr(v) => v,
            Self::Null => &[],
            other => std::slice::from_ref(other),
        }
    }
}

/// Every item under `key` of `obj`, whether the key holds an array (JSON)
/// or repeats (XML), each with its position.
pub(super) fn each<'v, 'a>(
    obj: &'v Value<'a>,
    key: &'v str,
) -> impl Iterator<Item = &'v Value<'a>> + 'v {
    obj.entries()
        .iter()
        .filter(move |(k, _)| k.as_ref() == key)
        .flat_map(|(_, v)| v.items())
}

/// Where in the document a value sits, for error messages; only rendered
/// when an error is reported.
#[derive(Debug, Clone, Copy)]
pub(super) enum At<'p> {
    /// The top of the document.
    Root,
    /// A key of an object.
    Key(&'p Self, &'p str),
    /// An item of a list.
    Index(&'p Self, usize),
}

impl At<'_> {
    /// `QueryResponse.Customer[3].MetaData`.
    pub(super) fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out);
        if out.is_empty() {
            out.push_str("(document)");
        }
        out
    }

    fn render_into(&self, out: &mut String) {
        match self {
            Self::Root => {}
            Self::Key(parent, key) => {
                parent.render_into(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Self::Index(parent, i) => {
                parent.render_into(out);
                let _ = write!(out, "[{i}]");
            }
        }
    }
}

/// A [`WireError::Shape`] at `at`.
pub(super) fn shape(at: &At<'_>, detail: impl Into<String>) -> WireError {
    WireError::Shape {
        provider: Provider::Qbo,
        path: at.render(),
        detail: detail.into(),
    }
}

fn kind_name(v: &Value<'_>) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Num(_) => "a number",
        Value::Str(_) => "text",
        Value::Arr(_) => "a list",
        Value::Obj(_) => "an object",
    }
}

/// Text (a JSON string, or a number read as its text); `None` for null.
///
/// # Errors
/// [`WireError::Shape`] for a list, an object or a boolean.
pub(super) fn text<'v>(v: &'v Value<'_>, at: &At<'_>) -> Result<Option<&'v str>, WireError> {
    match v {
        Value::Null => Ok(None),
        Value::Str(s) => Ok(Some(s)),
        Value::Num(n) => Ok(Some(n)),
        other => Err(shape(
            at,
            format!("expected text, found {}", kind_name(other)),
        )),
    }
}

/// Text that holds something: blank text reads as absent, as QBO sends
/// `""` for an empty field.
pub(super) fn filled<'v>(v: &'v Value<'_>, at: &At<'_>) -> Result<Option<&'v str>, WireError> {
    Ok(text(v, at)?.filter(|s| !s.trim().is_empty()))
}

/// A reference: JSON `{"value": "…", "name": "…"}`, or XML text with a
/// `name` attribute (read as an object with a `value` key), or plain text.
pub(super) fn reference<'v>(v: &'v Value<'_>, at: &At<'_>) -> Result<Option<&'v str>, WireError> {
    match v {
        Value::Obj(_) => match v.get("value") {
            Some(inner) => filled(inner, &At::Key(at, "value")),
            None => Ok(None),
        },
        other => filled(other, at),
    }
}

/// The text of `key` inside an object (`PrimaryPhone.FreeFormNumber`).
pub(super) fn inner_text<'v>(
    v: &'v Value<'_>,
    key: &str,
    at: &At<'_>,
) -> Result<Option<&'v str>, WireError> {
    match v {
        Value::Null => Ok(None),
        Value::Obj(_) => match v.get(key) {
            Some(inner) => filled(inner, &At::Key(at, key)),
            None => Ok(None),
        },
        other => Err(shape(
            at,
            format!("expected an object, found {}", kind_name(other)),
        )),
    }
}

/// A decimal, from a JSON number's text or an XML element's text.
///
/// # Errors
/// [`WireError::Shape`] for anything that is not a decimal number.
pub(super) fn decimal(v: &Value<'_>, at: &At<'_>) -> Result<Option<Decimal>, WireError> {
    let Some(t) = filled(v, at)? else {
        return Ok(None);
    };
    let t = t.trim();
    let parsed = match t.split_once(['e', 'E']) {
        // `from_scientific` rounds a mantissa of more digits than a
        // decimal holds: check that the mantissa is exact first (the
        // exponent itself only moves the point or fails).
        Some((mantissa, _)) => {
            Decimal::from_str_exact(mantissa).and_then(|_| Decimal::from_scientific(t))
        }
        None => Decimal::from_str_exact(t),
    };
    parsed
        .map(Some)
        .map_err(|_| shape(at, format!("`{}` is not a decimal amount", head(t))))
}

/// A boolean: JSON `true` / `false`, or the XML text `true` / `false`.
///
/// # Errors
/// [`WireError::Shape`] for anything else.
pub(super) fn boolean(v: &Value<'_>, at: &At<'_>) -> Result<Option<bool>, WireError> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::Str(s) => match s.trim() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            "" => Ok(None),
            other => Err(shape(
                at,
                format!("`{}` is not `true` or `false`", head(other)),
            )),
        },
        other => Err(shape(
            at,
            format!("expected a boolean, found {}", kind_name(other)),
        )),
    }
}

/// A count (`startPosition`, `maxResults`, `totalCount`).
///
/// # Errors
/// [`WireError::Shape`] for anything but a whole non-negative number.
pub(super) fn count(v: &Value<'_>, at: &At<'_>) -> Result<Option<u64>, WireError> {
    let Some(t) = filled(v, at)? else {
        return Ok(None);
    };
    t.trim()
        .parse::<u64>()
        .map(Some)
        .map_err(|_| shape(at, format!("`{}` is not a count", head(t))))
}

/// A date, `YYYY-MM-DD` (an offset after it, which QBO's XML sometimes
/// adds, is ignored).
///
/// # Errors
/// [`WireError::Shape`] for anything else.
pub(super) fn date(v: &Value<'_>, at: &At<'_>) -> Result<Option<NaiveDate>, WireError> {
    let Some(t) = filled(v, at)? else {
        return Ok(None);
    };
    let t = t.trim();
    let day = match (t.get(..10), t.get(10..)) {
        (Some(day), Some(rest))
            if rest.is_empty() || rest.starts_with(['T', 'Z', '+', '-', 'z', 't']) =>
        {
            day
        }
        _ => t,
    };
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| shape(at, format!("`{}` is not a date (YYYY-MM-DD)", head(t))))
}

/// A timestamp: ISO 8601 with an offset (`2015-07-23T10:58:12-07:00`), or
/// without one (read as UTC).
///
/// # Errors
/// [`WireError::Shape`] for anything else.
pub(super) fn timestamp(v: &Value<'_>, at: &At<'_>) -> Result<Option<DateTime<Utc>>, WireError> {
    let Some(t) = filled(v, at)? else {
        return Ok(None);
    };
    let t = t.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(Some(d.with_timezone(&Utc)));
    }
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|d| Some(d.and_utc()))
        .map_err(|_| shape(at, format!("`{}` is not a timestamp", head(t))))
}

/// At most 40 characters of `s`, for messages.
pub(super) fn head(s: &str) -> &str {
    s.char_indices()
        .nth(40)
        .map_or(s, |(i, _)| s.get(..i).unwrap_or(s))
}

// ------------------------------------------------------------------ limits

/// Whether a list or object `depth` levels down holds records (the top
/// three levels: `QueryResponse.Customer[…]`, `IntuitResponse` →
/// `QueryResponse` → `Customer`) or the items of one record (below).
pub(super) const fn container_limit(depth: usize) -> Limit {
    if depth <= 3 {
        Limit::Records
    } else {
        Limit::ItemsPerRecord
    }
}

/// Why a document could not be read into the tree.
#[derive(Debug)]
pub(super) enum Fail {
    /// Not JSON / XML: what and where.
    Syntax(String),
    /// A limit exceeded; `path` segments are innermost first, added as the
    /// reader unwinds (nothing is spent on paths until then).
    TooLarge {
        limit: Limit,
        value: usize,
        max: usize,
        path: Vec<String>,
    },
}

impl From<String> for Fail {
    fn from(s: String) -> Self {
        Self::Syntax(s)
    }
}

impl Fail {
    fn too_large(limits: &Limits, limit: Limit, value: usize) -> Self {
        Self::TooLarge {
            limit,
            value,
            max: limits.max(limit),
            path: Vec::new(),
        }
    }

    /// Adds the segment of the value that held the failure.
    fn within(mut self, segment: impl FnOnce() -> String) -> Self {
        if let Self::TooLarge { path, .. } = &mut self {
            path.push(segment());
        }
        self
    }

    /// The error, for QBO.
    pub(super) fn into_wire(self) -> WireError {
        match self {
            Self::Syntax(detail) => WireError::Syntax {
                provider: Provider::Qbo,
                detail,
            },
            Self::TooLarge {
                limit,
                value,
                max,
                path,
            } => {
                let mut out = String::new();
                for seg in path.iter().rev() {
                    if !out.is_empty() && !seg.starts_with('[') {
                        out.push('.');
                    }
                    out.push_str(seg);
                }
                if out.is_empty() {
                    out.push_str("(document)");
                }
                too_large(Provider::Qbo, limit, value, max, out)
            }
        }
    }
}

// ------------------------------------------------------------------ JSON

/// A JSON document that could not be read: why, with the top-level keys
/// read before it (to tell whose payload a truncated body was).
#[derive(Debug)]
pub(super) struct JsonError<'a> {
    pub(super) error: WireError,
    pub(super) top_keys: Vec<Cow<'a, str>>,
}

/// Reads a JSON document.
///
/// # Errors
/// [`JsonError`] for anything that is not JSON, nested deeper than
/// [`MAX_DEPTH`], followed by more than white space, or past `limits`
/// (a text value longer than [`Limits::max_field_bytes`], a list or
/// object longer than [`container_limit`] allows).
pub(super) fn parse_json<'a>(s: &'a str, limits: &Limits) -> Result<Value<'a>, JsonError<'a>> {
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
    fn odd_numbers_are_errors_or_exact() {
        for t in [
            "1e400",
            "1e-400",
            "9e28",
            "1e99999999999999999999999",
            "79228162514264337593543950336",
            "0.00000000000000000000000000001",
        ] {
            let _ = decimal(&Value::Num(t), &At::Root);
        }
        let d = decimal(&Value::Num("-1.5E+3"), &At::Root).ok().flatten();
        assert_eq!(d.map(|d| d.to_string()).as_deref(), Some("-1500"));
        assert!(decimal(&Value::Str("12abc".into()), &At::Root).is_err());
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

    #[test]
    fn paths_render() {
        let root = At::Root;
        let q = At::Key(&root, "QueryResponse");
        let c = At::Key(&q, "Customer");
        let i = At::Index(&c, 3);
        assert_eq!(At::Key(&i, "Id").render(), "QueryResponse.Customer[3].Id");
        assert_eq!(root.render(), "(document)");
    }
}
