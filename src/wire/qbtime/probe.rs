//! Recognising a QuickBooks Time payload from its top-level keys, without
//! keeping any value.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::de::Text;

/// What a payload looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// `results.jobcodes`: a listing or write results.
    Jobcodes,
    /// `results.timesheets`.
    Timesheets,
    /// `{"error":{…}}`.
    Error,
    /// One jobcode object.
    Jobcode,
    /// One timesheet object.
    Timesheet,
    /// A QBT envelope of another kind (`results.users`…).
    Other(String),
    /// An envelope holding both jobcodes and timesheets.
    Both,
}

#[derive(Debug, Default)]
struct Keys {
    results: Option<ResultsKeys>,
    more_or_supplemental: bool,
    error_object: bool,
    id: bool,
    parent_id: bool,
    name: bool,
    kind: bool,
    user_id: bool,
    jobcode_id: bool,
    code: bool,
    message: bool,
    keys: usize,
}

#[derive(Debug, Default)]
struct ResultsKeys {
    jobcodes: bool,
    timesheets: bool,
    other: Option<String>,
}

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Keys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut k = Keys::default();
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    k.keys = k.keys.saturating_add(1);
                    match key.as_str() {
                        "results" => k.results = map.next_value::<ResultsProbe>()?.0,
                        "error" => k.error_object = map.next_value::<ErrorProbe>()?.0,
                        other => {
                            match other {
                                "more" | "supplemental_data" => k.more_or_supplemental = true,
                                "id" => k.id = true,
                                "parent_id" => k.parent_id = true,
                                "name" => k.name = true,
                                "type" => k.kind = true,
                                "user_id" => k.user_id = true,
                                "jobcode_id" => k.jobcode_id = true,
                                "code" => k.code = true,
                                "message" => k.message = true,
                                _ => {}
                            }
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(k)
            }
        }
        d.deserialize_map(V)
    }
}

/// `results`: which result sets it holds (`None` when it is not an
/// object).
struct ResultsProbe(Option<ResultsKeys>);

impl<'de> Deserialize<'de> for ResultsProbe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ResultsProbe;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("anything")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ResultsProbe, A::Error> {
                let mut r = ResultsKeys::default();
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    match key.as_str() {
                        "jobcodes" => r.jobcodes = true,
                        "timesheets" => r.timesheets = true,
                        other => {
                            if r.other.is_none() {
                                r.other = Some(other.chars().take(40).collect());
                            }
                        }
                    }
                    map.next_value::<IgnoredAny>()?;
                }
                Ok(ResultsProbe(Some(r)))
            }
            // PHP writes an empty object as `[]`: an empty set of results.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ResultsProbe, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ResultsProbe(Some(ResultsKeys::default())))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<ResultsProbe, E> {
                Ok(ResultsProbe(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<ResultsProbe, E> {
                Ok(ResultsProbe(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<ResultsProbe, E> {
                Ok(ResultsProbe(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<ResultsProbe, E> {
                Ok(ResultsProbe(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<ResultsProbe, E> {
                Ok(ResultsProbe(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<ResultsProbe, E> {
                Ok(ResultsProbe(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// `error`: whether it is an object with a `code` or a `message`.
struct ErrorProbe(bool);

impl<'de> Deserialize<'de> for ErrorProbe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ErrorProbe;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("anything")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ErrorProbe, A::Error> {
                let mut found = false;
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    found |= matches!(key.as_str(), "code" | "message");
                    map.next_value::<IgnoredAny>()?;
                }
                Ok(ErrorProbe(found))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ErrorProbe, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ErrorProbe(false))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<ErrorProbe, E> {
                Ok(ErrorProbe(false))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<ErrorProbe, E> {
                Ok(ErrorProbe(false))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<ErrorProbe, E> {
                Ok(ErrorProbe(false))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<ErrorProbe, E> {
                Ok(ErrorProbe(false))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<ErrorProbe, E> {
                Ok(ErrorProbe(false))
            }
            fn visit_unit<E: de::Error>(self) -> Result<ErrorProbe, E> {
                Ok(ErrorProbe(false))
            }
        }
        d.deserialize_any(V)
    }
}

/// Markers that only a QBT payload is likely to hold, for telling a
/// truncated one from someone else's.
const MARKERS: [&[u8]; 5] = [
    b"\"jobcodes\"",
    b"\"timesheets\"",
    b"\"jobcode_id\"",
    b"\"_status_code\"",
    b"\"supplemental_data\"",
];

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether unreadable bytes look like a QBT payload cut short.
pub(super) fn looks_like_qbt(bytes: &[u8]) -> bool {
    let starts_as_object = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{');
    starts_as_object && MARKERS.iter().any(|m| contains(bytes, m))
}

/// What the payload is: `None` when it is not a QBT payload,
/// `Some(Err(e))` when the JSON cannot be read at all.
pub(super) fn probe(bytes: &[u8]) -> Option<Result<Kind, serde_json::Error>> {
    let keys = match serde_json::from_slice::<Keys>(bytes) {
        Ok(k) => k,
        Err(e) if e.is_data() => return None,
        Err(e) => return looks_like_qbt(bytes).then_some(Err(e)),
    };
    if let Some(r) = &keys.results {
        return match (r.jobcodes, r.timesheets) {
            (true, true) => Some(Ok(Kind::Both)),
            (true, false) => Some(Ok(Kind::Jobcodes)),
            (false, true) => Some(Ok(Kind::Timesheets)),
            (false, false) if keys.more_or_supplemental => Some(Ok(Kind::Other(
                r.other.clone().unwrap_or_else(|| "empty".to_owned()),
            ))),
            (false, false) => None,
        };
    }
    if keys.error_object {
        return Some(Ok(Kind::Error));
    }
    // The exception of QBT's documentation, on its own: `{"code","message"}`.
    if keys.code && keys.message && keys.keys == 2 {
        return Some(Ok(Kind::Error));
    }
    if keys.id && keys.user_id && keys.jobcode_id && keys.kind {
        return Some(Ok(Kind::Timesheet));
    }
    if keys.id && keys.parent_id && keys.name && keys.kind && !keys.user_id {
        return Some(Ok(Kind::Jobcode));
    }
    None
}
