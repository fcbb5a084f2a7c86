//! QBO's XML, read into the same tree as its JSON.
//!
//! An element becomes an object of its attributes and child elements; an
//! element with text only becomes that text, or — when it also has
//! attributes (`<CustomerRef name="Sunset Bakery">2</CustomerRef>`) — an
//! object with the text under `value`, the shape of a JSON reference
//! (white space alone is no text there). An empty element is null. Namespace prefixes and `xmlns` declarations are
//! dropped; comments, processing instructions and the declaration are
//! skipped.

use std::borrow::Cow;
use std::collections::HashSet;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::tree::{Fail, MAX_DEPTH, Value, container_limit};
use crate::wire::{Limit, Limits, WireError};

/// A document that could not be read, with the root element's name when
/// it was read (to tell whose payload a truncated body was).
#[derive(Debug)]
pub(super) struct XmlError {
    pub(super) error: WireError,
    pub(super) root: Option<String>,
}

/// A limit exceeded at the element path of `stack` (and `leaf`, the
/// attribute or child being read, when there is one).
fn too_large(
    limits: &Limits,
    limit: Limit,
    value: usize,
    stack: &[Open<'_>],
    leaf: Option<&str>,
) -> Fail {
    let mut path: Vec<String> = leaf.map(str::to_owned).into_iter().collect();
    // Innermost first; a repeated element gets its position among its
    // namesakes (`Customer[3]`).
    for (depth, open) in stack.iter().enumerate().rev() {
        let nth = depth
            .checked_sub(1)
            .and_then(|d| stack.get(d))
            .map(|parent| {
                parent
                    .entries
                    .iter()
                    .filter(|(k, _)| *k == open.name)
                    .count()
            });
        path.push(match nth {
            Some(n) if n > 0 => format!("{}[{n}]", open.name),
            _ => open.name.to_string(),
        });
    }
    Fail::TooLarge {
        limit,
        value,
        max: limits.max(limit),
        path,
    }
}

struct Open<'a> {
    name: Cow<'a, str>,
    entries: Vec<(Cow<'a, str>, Value<'a>)>,
    attributes: bool,
    children: bool,
    text: Option<Cow<'a, str>>,
}

impl<'a> Open<'a> {
    fn finish(self) -> (Cow<'a, str>, Value<'a>) {
        let Self {
            name,
            mut entries,
            attributes,
            children,
            text,
        } = self;
        let value = if children {
            Value::Obj(entries)
        } else {
            // Text of white space only is layout, not a value: an element
            // with attributes and nothing else is just its attributes.
            let text = text.filter(|t| !t.trim().is_empty() || !attributes);
            match (attributes, text) {
                (true, Some(t)) => {
                    entries.push((Cow::Borrowed("value"), Value::Str(t)));
                    Value::Obj(entries)
                }
                (true, None) => Value::Obj(entries),
                (false, Some(t)) => Value::Str(t),
                (false, None) => Value::Null,
            }
        };
        (name, value)
    }
}

/// The local part of a qualified name (`ns:Customer` → `Customer`).
fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

/// `part` as a slice of the document `s` it was read from (the reader
/// hands out names and attribute values borrowed from the event, not from
/// the document); `None` when it is not one.
fn borrow_from<'a>(s: &'a str, part: &[u8]) -> Option<&'a str> {
    let off = part.as_ptr().addr().checked_sub(s.as_ptr().addr())?;
    let got = s.get(off..off.checked_add(part.len())?)?;
    (got.as_bytes() == part).then_some(got)
}

fn text_of<'a>(s: &'a str, part: &[u8], at: u64) -> Result<Cow<'a, str>, String> {
    match borrow_from(s, part) {
        Some(t) => Ok(Cow::Borrowed(t)),
        None => std::str::from_utf8(part)
            .map(|t| Cow::Owned(t.to_owned()))
            .map_err(|_| format!("a name that is not UTF-8 near byte {at}")),
    }
}

fn local_cow(name: Cow<'_, str>) -> Cow<'_, str> {
    match name {
        Cow::Borrowed(n) => Cow::Borrowed(local(n)),
        Cow::Owned(n) => Cow::Owned(local(&n).to_owned()),
    }
}

/// The element `e` opened, its attributes read as entries.
///
/// quick-xml's own check for repeated attribute names compares each name
/// with every earlier one (quadratic in the number of attributes: 80,000
/// attributes took seconds); it is turned off and done here with a hash
/// set, in time linear in the attributes.
fn open<'a>(
    s: &'a str,
    e: &BytesStart<'_>,
    at: u64,
    limits: &Limits,
    stack: &[Open<'a>],
) -> Result<Open<'a>, Fail> {
    let mut entries = Vec::new();
    let mut seen: HashSet<&[u8]> = HashSet::new();
    let raw_name = e.name();
    let element = || text_of(s, raw_name.as_ref(), at).unwrap_or(Cow::Borrowed("?"));
    let cap = limits.max(container_limit(stack.len() + 1));
    for attr in e.attributes().with_checks(false) {
        let attr = attr.map_err(|err| format!("{err} near byte {at}"))?;
        if !seen.insert(attr.key.into_inner()) {
            return Err(Fail::Syntax(format!(
                "a repeated attribute `{}` near byte {at}",
                super::tree::head(&String::from_utf8_lossy(attr.key.as_ref()))
            )));
        }
        if seen.len() > cap {
            let name = element();
            return Err(too_large(
                limits,
                container_limit(stack.len() + 1),
                seen.len(),
                stack,
                Some(local(&name)),
            ));
        }
        if attr.value.len() > limits.max_field_bytes {
            let name = element();
            let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
            return Err(too_large(
                limits,
                Limit::FieldBytes,
                attr.value.len(),
                stack,
                Some(&format!("{}.{}", local(&name), local(&key))),
            ));
        }
        let key = text_of(s, attr.key.as_ref(), at)?;
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = if attr.value.contains(&b'&') {
            Cow::Owned(
                attr.unescape_value()
                    .map_err(|err| format!("{err} near byte {at}"))?
                    .into_owned(),
            )
        } else {
            text_of(s, &attr.value, at)?
        };
        entries.push((local_cow(key), Value::Str(value)));
    }
    let name = local_cow(text_of(s, raw_name.as_ref(), at)?);
    Ok(Open {
        name,
        attributes: !entries.is_empty(),
        entries,
        children: false,
        text: None,
    })
}

fn entity(r: &BytesRef<'_>, at: u64) -> Result<char, String> {
    if let Some(c) = r
        .resolve_char_ref()
        .map_err(|err| format!("{err} near byte {at}"))?
    {
        return Ok(c);
    }
    let name = r.decode().map_err(|err| format!("{err} near byte {at}"))?;
    match name.as_ref() {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        other => Err(format!(
            "unknown entity `&{}`; near byte {at}",
            super::tree::head(other)
        )),
    }
}

/// Adds text to an open element; text beside child elements is layout
/// (the element becomes an object of its children) and is not kept.
fn push_text<'a>(top: &mut Open<'a>, t: Cow<'a, str>) {
    if top.children {
        return;
    }
    let acc = &mut top.text;
    match acc {
        None => *acc = Some(t),
        Some(a) => a.to_mut().push_str(&t),
    }
}

/// Reads an XML document into its root element's name and value.
///
/// # Errors
/// [`XmlError`] for malformed XML, nesting deeper than [`MAX_DEPTH`], more
/// than one root, text outside the root, or an entity other than the five
/// predefined ones and character references.
pub(super) fn parse_xml<'a>(
    s: &'a str,
    limits: &Limits,
) -> Result<(Cow<'a, str>, Value<'a>), XmlError> {
    let mut root_name: Option<String> = None;
    parse_inner(s, &mut root_name, limits).map_err(|fail| XmlError {
        error: fail.into_wire(),
        root: root_name,
    })
}

fn parse_inner<'a>(
    s: &'a str,
    root_name: &mut Option<String>,
    limits: &Limits,
) -> Result<(Cow<'a, str>, Value<'a>), Fail> {
    let mut reader = Reader::from_str(s);
    let mut stack: Vec<Open<'a>> = Vec::new();
    let mut root: Option<(Cow<'a, str>, Value<'a>)> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|err| format!("{err} near byte {}", reader.error_position()))?;
        let attach = |stack: &mut Vec<Open<'a>>,
                      root: &mut Option<(Cow<'a, str>, Value<'a>)>,
                      done: (Cow<'a, str>, Value<'a>)|
         -> Result<(), Fail> {
            let depth = stack.len();
            if let Some(parent) = stack.last_mut() {
                let limit = container_limit(depth);
                if parent.entries.len() >= limits.max(limit) {
                    let child = done.0.to_string();
                    return Err(too_large(
                        limits,
                        limit,
                        parent.entries.len() + 1,
                        stack,
                        Some(&child),
                    ));
                }
                parent.children = true;
                // Text beside child elements is layout: not kept.
                parent.text = None;
                parent.entries.push(done);
                Ok(())
            } else if root.is_some() {
                Err(format!("a second root element near byte {at}").into())
            } else {
                *root = Some(done);
                Ok(())
            }
        };
        match event {
            Event::Start(e) | Event::Empty(e) if stack.len() >= MAX_DEPTH => {
                let _ = e;
                return Err(format!("nested too deeply near byte {at}").into());
            }
            Event::Start(e) => {
                if stack.is_empty() && root.is_some() {
                    return Err(format!("a second root element near byte {at}").into());
                }
                let o = open(s, &e, at, limits, &stack)?;
                if stack.is_empty() {
                    *root_name = Some(o.name.clone().into_owned());
                }
                stack.push(o);
            }
            Event::Empty(e) => {
                let o = open(s, &e, at, limits, &stack)?;
                if stack.is_empty() && root_name.is_none() {
                    *root_name = Some(o.name.clone().into_owned());
                }
                attach(&mut stack, &mut root, o.finish())?;
            }
            Event::End(_) => {
                let o = stack.pop().ok_or_else(|| {
                    format!("a closing tag without an opening one near byte {at}")
                })?;
                attach(&mut stack, &mut root, o.finish())?;
            }
            Event::Text(t) => {
                let t = t.decode().map_err(|err| format!("{err} near byte {at}"))?;
                match stack.last_mut() {
                    Some(top) => push_text(top, t),
                    None if t.trim().is_empty() => {}
                    None => {
                        return Err(format!("text outside the root element near byte {at}").into());
                    }
                }
                check_text(&stack, limits)?;
            }
            Event::CData(t) => {
                let t = t.decode().map_err(|err| format!("{err} near byte {at}"))?;
                match stack.last_mut() {
                    Some(top) => push_text(top, t),
                    None => {
                        return Err(format!("text outside the root element near byte {at}").into());
                    }
                }
                check_text(&stack, limits)?;
            }
            Event::GeneralRef(r) => {
                let c = entity(&r, at)?;
                match stack.last_mut() {
                    Some(top) => push_text(top, Cow::Owned(c.to_string())),
                    None => {
                        return Err(format!("text outside the root element near byte {at}").into());
                    }
                }
                check_text(&stack, limits)?;
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(Fail::Syntax("the document ends inside an element".into()));
    }
    root.ok_or_else(|| Fail::Syntax("no root element".into()))
}

/// The open element's text, within [`Limits::max_field_bytes`].
fn check_text(stack: &[Open<'_>], limits: &Limits) -> Result<(), Fail> {
    let len = stack
        .last()
        .and_then(|top| top.text.as_ref())
        .map_or(0, |t| t.len());
    if len > limits.max_field_bytes {
        return Err(too_large(limits, Limit::FieldBytes, len, stack, None));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> (Cow<'_, str>, Value<'_>) {
        match parse_xml(s, &Limits::default()) {
            Ok(v) => v,
            Err(e) => panic!("{s}: {}", e.error),
        }
    }

    #[test]
    fn elements_become_objects_and_references_keep_their_value() {
        let (name, v) = parse(
            r#"<?xml version="1.0"?><x:Payment xmlns:x="urn:q" domain="QBO"><Id>83</Id>
               <CustomerRef name="Acme &amp; Co">3</CustomerRef><Note>a &lt; b &#x263A;</Note>
               <Line><Amount>1</Amount></Line><Line><Amount>2</Amount></Line><Empty/></x:Payment>"#,
        );
        assert_eq!(name, "Payment");
        assert_eq!(v.get("domain"), Some(&Value::Str("QBO".into())));
        assert_eq!(v.get("Id"), Some(&Value::Str("83".into())));
        let r = v
            .get("CustomerRef")
            .map(|r| (r.get("name"), r.get("value")));
        assert_eq!(
            r,
            Some((
                Some(&Value::Str("Acme & Co".into())),
                Some(&Value::Str("3".into()))
            ))
        );
        assert_eq!(v.get("Note"), Some(&Value::Str("a < b ☺".into())));
        assert_eq!(super::super::tree::each(&v, "Line").count(), 2);
        assert_eq!(v.get("Empty"), Some(&Value::Null));
    }

    #[test]
    fn malformed_documents_are_errors() {
        for bad in [
            "",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "x<a/>",
            "<a>&bogus;</a>",
            "<a><b></a>",
        ] {
            assert!(parse_xml(bad, &Limits::default()).is_err(), "{bad:?}");
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(parse_xml(&deep, &Limits::default()).is_err());
        let e = parse_xml("<IntuitResponse><Fault>", &Limits::default()).err();
        assert_eq!(e.and_then(|e| e.root).as_deref(), Some("IntuitResponse"));
    }
}
