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

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::tree::{MAX_DEPTH, Value};

/// An XML syntax error, with the root element's name when it was read
/// (to tell whose payload a truncated body was).
#[derive(Debug)]
pub(super) struct XmlError {
    pub(super) detail: String,
    pub(super) root: Option<String>,
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

fn open<'a>(s: &'a str, e: &BytesStart<'_>, at: u64) -> Result<Open<'a>, String> {
    let mut entries = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| format!("{err} near byte {at}"))?;
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
    let name = local_cow(text_of(s, e.name().as_ref(), at)?);
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

fn push_text<'a>(acc: &mut Option<Cow<'a, str>>, t: Cow<'a, str>) {
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
pub(super) fn parse_xml(s: &str) -> Result<(Cow<'_, str>, Value<'_>), XmlError> {
    let mut root_name: Option<String> = None;
    parse_inner(s, &mut root_name).map_err(|detail| XmlError {
        detail,
        root: root_name,
    })
}

fn parse_inner<'a>(
    s: &'a str,
    root_name: &mut Option<String>,
) -> Result<(Cow<'a, str>, Value<'a>), String> {
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
         -> Result<(), String> {
            if let Some(parent) = stack.last_mut() {
                parent.children = true;
                parent.entries.push(done);
                Ok(())
            } else if root.is_some() {
                Err(format!("a second root element near byte {at}"))
            } else {
                *root = Some(done);
                Ok(())
            }
        };
        match event {
            Event::Start(e) | Event::Empty(e) if stack.len() >= MAX_DEPTH => {
                let _ = e;
                return Err(format!("nested too deeply near byte {at}"));
            }
            Event::Start(e) => {
                if stack.is_empty() && root.is_some() {
                    return Err(format!("a second root element near byte {at}"));
                }
                let o = open(s, &e, at)?;
                if stack.is_empty() {
                    *root_name = Some(o.name.clone().into_owned());
                }
                stack.push(o);
            }
            Event::Empty(e) => {
                let o = open(s, &e, at)?;
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
                    Some(top) => push_text(&mut top.text, t),
                    None if t.trim().is_empty() => {}
                    None => return Err(format!("text outside the root element near byte {at}")),
                }
            }
            Event::CData(t) => {
                let t = t.decode().map_err(|err| format!("{err} near byte {at}"))?;
                match stack.last_mut() {
                    Some(top) => push_text(&mut top.text, t),
                    None => return Err(format!("text outside the root element near byte {at}")),
                }
            }
            Event::GeneralRef(r) => {
                let c = entity(&r, at)?;
                match stack.last_mut() {
                    Some(top) => push_text(&mut top.text, Cow::Owned(c.to_string())),
                    None => return Err(format!("text outside the root element near byte {at}")),
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err("the document ends inside an element".into());
    }
    root.ok_or_else(|| "no root element".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> (Cow<'_, str>, Value<'_>) {
        match parse_xml(s) {
            Ok(v) => v,
            Err(e) => panic!("{s}: {}", e.detail),
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
            assert!(parse_xml(bad).is_err(), "{bad:?}");
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(parse_xml(&deep).is_err());
        let e = parse_xml("<IntuitResponse><Fault>").err();
        assert_eq!(e.and_then(|e| e.root).as_deref(), Some("IntuitResponse"));
    }
}
