//! The XML itself: bytes to quick-xml's pull events, one pass, each event
//! handed to the [`Parser`]. What is XML's to decide is decided here —
//! UTF-8 (a byte-order mark allowed), references (character references
//! XML 1.0 allows and the five predefined entities, nothing declared in a
//! DTD), text, CDATA or references outside the root element, a document
//! that ends inside an element — and [`is_response`] sniffs the root.

use quick_xml::Reader;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesRef, Event};

use crate::model::ContactId;
use crate::wire::xpm::text::is_xml_char;
use crate::wire::{Limits, Profile, WireError};

use super::parser::Parser;
use super::tag::Tag;
use super::{Document, Expect, syntax};

/// Reads a whole document.
pub(in crate::wire::xpm) fn parse<'a>(
    bytes: &'a [u8],
    expect: Expect,
    body_client: Option<&'a ContactId>,
    limits: &Limits,
) -> Result<Document, WireError> {
    limits.check_input(Profile::Xpm, bytes)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        syntax(format!(
            "not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let mut reader = Reader::from_str(text);
    let mut p = Parser::new(expect, body_client, limits);
    loop {
        let event = reader
            .read_event()
            .map_err(|e| syntax(format!("{e} (at byte {})", reader.error_position())))?;
        match event {
            Event::Start(e) => p.start(Tag::of(e.local_name().as_ref()))?,
            Event::Empty(e) => {
                p.start(Tag::of(e.local_name().as_ref()))?;
                p.end()?;
            }
            Event::End(_) => p.end()?,
            Event::Text(t) => {
                let s = t
                    .xml10_content()
                    .map_err(|e| syntax(format!("unreadable text: {e}")))?;
                p.text(s)?;
            }
            Event::CData(t) => {
                let s = t
                    .xml10_content()
                    .map_err(|e| syntax(format!("unreadable CDATA: {e}")))?;
                if p.outside_root() {
                    return Err(syntax("CDATA outside the root element"));
                }
                p.text(s)?;
            }
            Event::GeneralRef(r) => {
                if p.outside_root() {
                    return Err(syntax("a reference outside the root element"));
                }
                p.text_char(reference(&r)?)?;
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    p.finish()
}

/// The character a reference stands for: a character reference to a
/// character XML 1.0 allows, or one of the five predefined entities.
fn reference(r: &BytesRef<'_>) -> Result<char, WireError> {
    let name = r
        .decode()
        .map_err(|e| syntax(format!("unreadable reference: {e}")))?;
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => Ok(c),
            Ok(_) | Err(_) => Err(syntax(format!(
                "`&{name};` is not a character XML 1.0 allows"
            ))),
        };
    }
    let Some(s) = resolve_xml_entity(&name) else {
        let shown: String = name.chars().take(40).collect();
        return Err(syntax(format!(
            "unknown entity `&{shown};` (only the five predefined XML entities are read)"
        )));
    };
    // The five predefined entities are one character each.
    Ok(s.chars().next().unwrap_or('&'))
}

/// Whether `bytes` look like an XPM response: XML whose root element is
/// `<Response>`. Reads only up to the root's start tag.
pub(in crate::wire::xpm) fn is_response(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'<') {
        return false;
    }
    let mut reader = Reader::from_reader(bytes);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                return e.local_name().as_ref() == b"Response";
            }
            Ok(Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_)) => {}
            Ok(Event::Text(t)) if t.iter().all(u8::is_ascii_whitespace) => {}
            Ok(_) | Err(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_sniffed_without_reading_further() {
        assert!(is_response(
            b"\xEF\xBB\xBF <?xml version=\"1.0\"?><!-- x --><Response>"
        ));
        assert!(is_response(b"<x:Response xmlns:x=\"urn:x\"/>"));
        assert!(!is_response(b"<IntuitResponse>"));
        assert!(!is_response(b"{\"Response\": 1}"));
        assert!(!is_response(b"<"));
    }
}
