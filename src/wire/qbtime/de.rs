//! Serde helpers shared by the QuickBooks Time decoders: tolerant numbers
//! and booleans, text borrowed from the input, objects keyed by id, and
//! the translation of `serde_json` errors into [`WireError`]s with a path.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::wire::limits::too_large;
use crate::wire::{Limit, Limits, Profile, WireError};

pub(super) const PROVIDER: Profile = Profile::QbTime;

/// Text borrowed from the input when it has no escapes, owned otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Text<'a>(pub(super) Cow<'a, str>);

impl Text<'_> {
    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// The value of an all-digit string (`"17288281"`), `None` for anything
/// else (empty, signs, spaces, too large).
pub(super) fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A whole, non-negative number: a JSON integer, or its digits as a string
/// (QBT's own examples send ids as strings in requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Num(pub(super) u64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number that is not negative")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                u64::try_from(v)
                    .map(Num)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                parse_digits(v)
                    .map(Num)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_any(V)
    }
}

/// A boolean: `true`/`false`, `1`/`0`, or the strings QBT's requests use
/// (`"yes"`, `"no"`, `"true"`, `"false"`, `"1"`, `"0"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Flag(pub(super) bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Flag, E> {
                match v {
                    0 => Ok(Flag(false)),
                    1 => Ok(Flag(true)),
                    _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Flag, E> {
                u64::try_from(v)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Flag, E> {
                match v {
                    "true" | "yes" | "1" => Ok(Flag(true)),
                    "false" | "no" | "0" => Ok(Flag(false)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Where the decoder is, for error paths (`results.jobcodes.17288281`).
/// One buffer, rewritten as the decoder moves on: no allocation per item.
#[derive(Debug, Default)]
pub(super) struct Cursor {
    path: String,
    /// A limit exceeded at the path: the limit, the value found and its
    /// maximum (serde's errors carry only text, so it is kept here).
    exceeded: Option<(Limit, usize, usize)>,
}

impl Cursor {
    pub(super) fn set(&mut self, parts: &[&str]) {
        self.path.clear();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                self.path.push('.');
            }
            self.path.push_str(p);
        }
    }

    pub(super) fn as_str(&self) -> &str {
        if self.path.is_empty() {
            "$"
        } else {
            &self.path
        }
    }
}

/// A `serde_json` error as a [`WireError`]: unreadable JSON is
/// [`WireError::Syntax`], readable JSON of the wrong shape is
/// [`WireError::Shape`] at the cursor's path.
pub(super) fn json_error(e: &serde_json::Error, at: &Cursor) -> WireError {
    if let Some((limit, value, max)) = at.exceeded {
        return too_large(PROVIDER, limit, value, max, at.as_str().to_owned());
    }
    match e.classify() {
        serde_json::error::Category::Data => shape(at.as_str(), e.to_string()),
        _ => WireError::Syntax {
            provider: PROVIDER,
            detail: e.to_string(),
        },
    }
}

/// A [`WireError::Shape`] of this provider.
pub(super) fn shape(path: impl Into<String>, detail: impl Into<String>) -> WireError {
    WireError::Shape {
        provider: PROVIDER,
        path: path.into(),
        detail: detail.into(),
    }
}

/// A kept text value within [`Limits::max_field_bytes`].
///
/// # Errors
/// [`WireError::TooLarge`] at `path`.
pub(super) fn check_field(
    limits: &Limits,
    value: &str,
    path: impl FnOnce() -> String,
) -> Result<(), WireError> {
    limits.check(PROVIDER, Limit::FieldBytes, value.len(), path)
}

/// Runs `seed` over the whole of `bytes` (trailing characters refused).
pub(super) fn run<'de, S: DeserializeSeed<'de>>(
    bytes: &'de [u8],
    seed: S,
) -> Result<S::Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = seed.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// One item of an object keyed by id (`"<id>": {…}`), or of an array:
/// the key (`None` in an array), its position, and the item.
#[derive(Debug)]
pub(super) struct Keyed<T> {
    pub(super) key: Option<u64>,
    pub(super) index: usize,
    pub(super) item: T,
}

/// Reads an object keyed by numeric ids — or an array, which QBT sends for
/// an empty set (`[]`) — into its items, in the order read.
pub(super) struct IdMapSeed<'c, T> {
    pub(super) at: &'c mut Cursor,
    pub(super) prefix: [&'static str; 2],
    /// Most items read ([`Limits::max_records`]).
    pub(super) max: usize,
    pub(super) item: PhantomData<fn() -> T>,
}

impl<T> IdMapSeed<'_, T> {
    /// Room for item number `n` (from 1), or the error that stops the read.
    fn room<E: de::Error>(&mut self, n: usize) -> Result<(), E> {
        if n > self.max {
            self.at.exceeded = Some((Limit::Records, n, self.max));
            return Err(E::custom("too many records"));
        }
        Ok(())
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for IdMapSeed<'_, T> {
    type Value = Vec<Keyed<T>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for IdMapSeed<'_, T> {
    type Value = Vec<Keyed<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object keyed by id")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0).min(256));
        let [a, b] = self.prefix;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            self.at.set(&[a, b, key.as_str()]);
            self.room(out.len() + 1)?;
            let Some(id) = parse_digits(key.as_str()) else {
                return Err(de::Error::custom(
                    "the key is not a numeric id (QBT keys records by their id)",
                ));
            };
            let item = map.next_value::<T>()?;
            out.push(Keyed {
                key: Some(id),
                index: out.len(),
                item,
            });
        }
        Ok(out)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
        let [a, b] = self.prefix;
        loop {
            let index = out.len();
            self.at.set(&[a, b, &format!("[{index}]")]);
            // The check comes before reading the item: at the limit, an
            // item that follows is one too many (the end of the list is not).
            if index >= self.max {
                return match seq.next_element::<IgnoredAny>()? {
                    None => Ok(out),
                    Some(_) => {
                        self.room(index + 1)?;
                        Ok(out)
                    }
                };
            }
            match seq.next_element::<T>()? {
                Some(item) => out.push(Keyed {
                    key: None,
                    index,
                    item,
                }),
                None => return Ok(out),
            }
        }
    }
}

/// A QBT envelope (`{"results":{"<collection>":{…}},"more":…}`): the
/// items of `collection` and `more` (`false` when absent, as in write
/// responses). `supplemental_data` and every other key are skipped.
pub(super) struct EnvelopeSeed<'c, T> {
    pub(super) at: &'c mut Cursor,
    pub(super) collection: &'static str,
    /// Most records read ([`Limits::max_records`]).
    pub(super) max: usize,
    pub(super) item: PhantomData<fn() -> T>,
}

/// What [`EnvelopeSeed`] read: `None` when `results.<collection>` is
/// missing.
pub(super) struct Envelope<T> {
    pub(super) items: Option<Vec<Keyed<T>>>,
    pub(super) more: bool,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for EnvelopeSeed<'_, T> {
    type Value = Envelope<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for EnvelopeSeed<'_, T> {
    type Value = Envelope<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a QuickBooks Time response object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Envelope {
            items: None,
            more: false,
        };
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.as_str() {
                "results" => {
                    self.at.set(&["results"]);
                    out.items = map.next_value_seed(ResultsSeed::<T> {
                        at: &mut *self.at,
                        collection: self.collection,
                        max: self.max,
                        item: PhantomData,
                    })?;
                }
                "more" => {
                    self.at.set(&["more"]);
                    out.more = map.next_value::<Flag>()?.0;
                }
                _ => {
                    self.at.set(&[key.as_str()]);
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

struct ResultsSeed<'c, T> {
    at: &'c mut Cursor,
    collection: &'static str,
    max: usize,
    item: PhantomData<fn() -> T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ResultsSeed<'_, T> {
    type Value = Option<Vec<Keyed<T>>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ResultsSeed<'_, T> {
    type Value = Option<Vec<Keyed<T>>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of result sets")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = None;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            if key.as_str() == self.collection {
                self.at.set(&["results", self.collection]);
                items = Some(map.next_value_seed(IdMapSeed::<T> {
                    at: &mut *self.at,
                    prefix: ["results", self.collection],
                    max: self.max,
                    item: PhantomData,
                })?);
            } else {
                self.at.set(&["results", key.as_str()]);
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(items)
    }

    // PHP encodes an empty object as `[]`.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        match seq.next_element::<IgnoredAny>()? {
            None => Ok(None),
            Some(_) => Err(de::Error::custom("expected an object of result sets")),
        }
    }
}

/// Where a record is, turned into a path only when an error needs one.
#[derive(Debug, Clone, Copy)]
pub(super) enum Loc<'c> {
    /// A single object: paths are its field names.
    Root,
    /// An item of `results.<collection>`.
    Item {
        /// `jobcodes` or `timesheets`.
        collection: &'c str,
        /// Its key, `None` in an array.
        key: Option<u64>,
        /// Its position as read.
        index: usize,
    },
}

impl<'c> Loc<'c> {
    /// The location of item `k` of `results.<collection>`.
    pub(super) const fn item<T>(collection: &'c str, k: &Keyed<T>) -> Self {
        Self::Item {
            collection,
            key: k.key,
            index: k.index,
        }
    }

    /// `results.jobcodes.<key>` (or `[<index>]` in an array; `$` for a
    /// single object).
    pub(super) fn path(self) -> String {
        match self {
            Self::Root => "$".to_owned(),
            Self::Item {
                collection,
                key: Some(key),
                ..
            } => format!("results.{collection}.{key}"),
            Self::Item {
                collection, index, ..
            } => format!("results.{collection}.[{index}]"),
        }
    }

    /// The path of field `name` of the record.
    pub(super) fn field(self, name: &str) -> String {
        match self {
            Self::Root => name.to_owned(),
            item => format!("{}.{name}", item.path()),
        }
    }
}
