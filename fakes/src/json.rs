//! Helpers over `serde_json` values shared by the JSON fakes.

use serde_json::{Map, Value};

/// A field as text: strings as they are, numbers and booleans written out.
pub(crate) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A field as a number (JSON numbers and numeric strings).
pub(crate) fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A dotted path (`Contact.ContactID`) inside an object.
pub(crate) fn at<'a>(obj: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut v = obj.get(parts.next()?)?;
    for p in parts {
        v = v.get(p)?;
    }
    Some(v)
}

/// Rounds to cents.
pub(crate) fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A money amount as a JSON number.
pub(crate) fn money(x: f64) -> Value {
    serde_json::Number::from_f64(cents(x)).map_or(Value::Null, Value::Number)
}

/// Names compared as the ledgers do for uniqueness: trimmed, case-blind.
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// The elements of a write body: `{"<key>":[…]}`, or one object.
pub(crate) fn elements(body: &Value, key: &str) -> Option<Vec<Map<String, Value>>> {
    match body.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_object().cloned())
            .collect::<Option<Vec<_>>>(),
        Some(_) => None,
        None => body.as_object().map(|o| vec![o.clone()]),
    }
}

/// A deterministic UUID-shaped id: `<kind>-0000-4000-8000-<n>`.
pub(crate) fn uuid(kind: u32, n: u64) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012x}")
}
