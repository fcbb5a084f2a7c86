//! JSON helpers: a cheap look at a document's top-level keys, exact
//! numbers, borrowed text, serde error mapping and a small writer.

use std::borrow::Cow;
use std::fmt;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};

use crate::wire::{Profile, WireError};

/// Top-level keys a Xero payload is recognised by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct TopKeys {
    pub(super) contacts: bool,
    pub(super) invoices: bool,
    pub(super) payments: bool,
    pub(super) error_number: bool,
    pub(super) elements: bool,
    pub(super) kind: bool,
    pub(super) title: bool,
    pub(super) detail: bool,
    pub(super) status: bool,
}

/// `bytes` without a leading UTF-8 byte-order mark (serde_json refuses
/// one; the contacts reader and [`top_keys`] skip it).
pub(super) fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Skips whitespace and a UTF-8 byte-order mark.
fn start(bytes: &[u8]) -> usize {
    let mut i = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The keys of the top-level object, read without building anything: a
/// byte scan that tracks strings and nesting. `None` when the document
/// does not start with `{`. Keys seen before a truncation are kept.
pub(super) fn top_keys(bytes: &[u8]) -> Option<TopKeys> {
    let mut i = start(bytes);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    let mut keys = TopKeys::default();
    let mut depth: usize = 0;
    let mut expect_key = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let from = i + 1;
                i = from;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                if depth == 1 && expect_key {
                    expect_key = false;
                    match bytes.get(from..i.min(bytes.len())) {
                        Some(b"Contacts") => keys.contacts = true,
                        Some(b"Invoices") => keys.invoices = true,
                        Some(b"Payments") => keys.payments = true,
                        Some(b"ErrorNumber") => keys.error_number = true,
                        Some(b"Elements") => keys.elements = true,
                        Some(b"Type") => keys.kind = true,
                        // Problem bodies come in both casings: Xero's
                        // API writes `Title`, gateways in front of it
                        // (and of XPM) `title`.
                        Some(b"Title" | b"title") => keys.title = true,
                        Some(b"Detail" | b"detail") => keys.detail = true,
                        Some(b"Status" | b"status") => keys.status = true,
                        _ => {}
                    }
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth == 1 {
                    expect_key = true;
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => expect_key = true,
            _ => {}
        }
        i += 1;
    }
    Some(keys)
}

/// A copy of `bytes` with every JSON number written as a string
/// (`12.50` → `"12.50"`), so that amounts reach the decoder as their text
/// and never pass through a float. Numbers are only quoted in value
/// position (after `:`, or inside an array), so a document that is not
/// JSON stays not JSON.
pub(super) fn quote_numbers(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 8);
    // Open containers: true for an array.
    let mut stack: Vec<bool> = Vec::new();
    let mut prev: u8 = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let from = i;
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                let to = (i + 1).min(bytes.len());
                out.extend_from_slice(bytes.get(from..to).unwrap_or_default());
                prev = b'"';
                i = to;
                continue;
            }
            b'-' | b'0'..=b'9' => {
                let in_value = match prev {
                    b':' => true,
                    b'[' | b',' => stack.last() == Some(&true),
                    0 => stack.is_empty(),
                    _ => false,
                };
                let from = i;
                while bytes
                    .get(i)
                    .is_some_and(|c| matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                {
                    i += 1;
                }
                let run = bytes.get(from..i).unwrap_or_default();
                if in_value {
                    out.push(b'"');
                    out.extend_from_slice(run);
                    out.push(b'"');
                } else {
                    out.extend_from_slice(run);
                }
                prev = b'0';
                continue;
            }
            b'{' => stack.push(false),
            b'[' => stack.push(true),
            b'}' | b']' => {
                stack.pop();
            }
            _ => {}
        }
        out.push(b);
        if !b.is_ascii_whitespace() {
            prev = b;
        }
        i += 1;
    }
    out
}

/// Text borrowed from the input when it holds no escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Str<'a>(pub(super) Cow<'a, str>);

impl Str<'_> {
    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A whole number that may be written as a number or as text (pages,
/// error numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Count(pub(super) u64);

impl<'de> serde::Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Count(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v)
                    .map(Count)
                    .map_err(|_| E::custom("a negative count"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                v.trim()
                    .parse()
                    .map(Count)
                    .map_err(|_| E::custom(format!("`{}` is not a whole number", head(v))))
            }
        }
        d.deserialize_any(V)
    }
}

/// At most the first 40 characters of `s`, for messages.
pub(super) fn head(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

/// Non-blank text, owned.
pub(super) fn filled(s: Option<&Str<'_>>) -> Option<String> {
    s.map(Str::as_str)
        .filter(|v| !v.trim().is_empty())
        .map(str::to_owned)
}

/// A decimal from its JSON text (`12.50`, `-1`, `1e3`), exactly: a
/// value no decimal holds is refused, never rounded.
pub(super) fn decimal(text: &str, path: impl FnOnce() -> String) -> Result<Decimal, WireError> {
    let t = text.trim();
    let parsed = match t.split_once(['e', 'E']) {
        // `from_scientific` rounds a mantissa of more digits than a
        // decimal holds: check that the mantissa is exact first (the
        // exponent itself only moves the point or fails).
        Some((mantissa, _)) => {
            Decimal::from_str_exact(mantissa).and_then(|_| Decimal::from_scientific(t))
        }
        None => Decimal::from_str_exact(t),
    };
    parsed.map_err(|_| WireError::Shape {
        provider: Profile::XeroGl,
        path: path(),
        detail: format!("`{}` is not a decimal number", head(t)),
    })
}

/// serde_json's error as a [`WireError`]: syntax and truncation are
/// [`WireError::Syntax`], a value of the wrong type is [`WireError::Shape`].
pub(super) fn from_serde(e: &serde_json::Error, path: &str) -> WireError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => WireError::Shape {
            provider: Profile::XeroGl,
            path: path.to_owned(),
            detail: e.to_string(),
        },
        Category::Syntax | Category::Eof | Category::Io => WireError::Syntax {
            provider: Profile::XeroGl,
            detail: e.to_string(),
        },
    }
}

/// A shape error at `path`.
pub(super) fn shape(path: impl Into<String>, detail: impl Into<String>) -> WireError {
    WireError::Shape {
        provider: Profile::XeroGl,
        path: path.into(),
        detail: detail.into(),
    }
}

/// A minimal JSON writer: keys in the order written, strings escaped,
/// decimals as their exact text.
#[derive(Debug, Default)]
pub(super) struct Writer {
    out: String,
    /// Whether the innermost open container already holds an item.
    filled: Vec<bool>,
}

impl Writer {
    pub(super) fn new() -> Self {
        Self {
            out: String::with_capacity(256),
            filled: Vec::new(),
        }
    }

    fn sep(&mut self) {
        if let Some(f) = self.filled.last_mut() {
            if *f {
                self.out.push(',');
            }
            *f = true;
        }
    }

    fn key(&mut self, k: &str) {
        self.sep();
        self.escaped(k);
        self.out.push(':');
    }

    fn escaped(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                c if u32::from(c) < 0x20 => {
                    self.out.push_str(&format!("\\u{:04x}", u32::from(c)));
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    pub(super) fn begin_object(&mut self) {
        self.sep();
        self.out.push('{');
        self.filled.push(false);
    }

    pub(super) fn object(&mut self, k: &str) {
        self.key(k);
        self.out.push('{');
        self.filled.push(false);
    }

    pub(super) fn end_object(&mut self) {
        self.filled.pop();
        self.out.push('}');
    }

    pub(super) fn array(&mut self, k: &str) {
        self.key(k);
        self.out.push('[');
        self.filled.push(false);
    }

    pub(super) fn end_array(&mut self) {
        self.filled.pop();
        self.out.push(']');
    }

    pub(super) fn string(&mut self, k: &str, v: &str) {
        self.key(k);
        self.escaped(v);
    }

    pub(super) fn decimal(&mut self, k: &str, v: Decimal) {
        self.key(k);
        // `Decimal`'s text is exact and never uses an exponent.
        self.out.push_str(&v.to_string());
    }

    pub(super) fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_keys_skip_nested_and_strings() {
        let k = top_keys(br#" {"Id":"x \"Contacts\"","a":{"Contacts":1},"Invoices":[]}"#);
        assert_eq!(
            k,
            Some(TopKeys {
                invoices: true,
                ..TopKeys::default()
            })
        );
        assert_eq!(top_keys(b"<xml/>"), None);
        let truncated = top_keys(br#"{"Contacts":[{"Name":"A"#);
        assert!(truncated.is_some_and(|k| k.contacts));
    }

    #[test]
    fn numbers_become_text_in_value_position_only() {
        let q = quote_numbers(br#"{"a":12.50,"b":[1,-2e3],"c":"3","d":true}"#);
        assert_eq!(
            String::from_utf8(q).unwrap_or_default(),
            r#"{"a":"12.50","b":["1","-2e3"],"c":"3","d":true}"#
        );
        // A bare number as a key stays bare (and invalid).
        let q = quote_numbers(br#"{"a":1,2:3}"#);
        assert_eq!(
            String::from_utf8(q).unwrap_or_default(),
            r#"{"a":"1",2:"3"}"#
        );
    }

    #[test]
    fn writer_escapes_and_keeps_decimals_exact() {
        let mut w = Writer::new();
        w.begin_object();
        w.string("a", "x\"y\\\u{1}");
        w.decimal("b", Decimal::new(12050, 3));
        w.array("c");
        w.begin_object();
        w.end_object();
        w.begin_object();
        w.end_object();
        w.end_array();
        w.end_object();
        assert_eq!(w.finish(), r#"{"a":"x\"y\\\u0001","b":12.050,"c":[{},{}]}"#);
    }
}
