//! A small borrowed document tree that both QBO formats are read into:
//! its values, the paths that errors name, the typed accessors the mapping
//! reads fields through, and the bounds both readers keep to (depth,
//! sizes, and [`Fail`] for a document that could not be read). The JSON
//! reader that builds it is `tree/json.rs`.
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
use crate::wire::{Limit, Limits, Profile, WireError};

mod json;

pub(super) use json::parse_json;

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
        provider: Profile::Qbo,
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
                provider: Profile::Qbo,
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
                too_large(Profile::Qbo, limit, value, max, out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn paths_render() {
        let root = At::Root;
        let q = At::Key(&root, "QueryResponse");
        let c = At::Key(&q, "Customer");
        let i = At::Index(&c, 3);
        assert_eq!(At::Key(&i, "Id").render(), "QueryResponse.Customer[3].Id");
        assert_eq!(root.render(), "(document)");
    }
}
