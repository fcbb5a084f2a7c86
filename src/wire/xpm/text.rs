//! Text helpers shared by the decoder and the encoders: XML whitespace,
//! free-text address lines, the characters XML 1.0 can carry.

use std::borrow::Cow;

/// XML's own whitespace (`S` in the XML 1.0 grammar): what pretty-printing
/// adds around values. Other Unicode spaces (a no-break space) are data.
pub(super) const fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// `s` without the XML whitespace around it.
pub(super) fn trim_xml(s: &str) -> &str {
    s.trim_matches(is_xml_space)
}

/// A trimmed copy of a decoded value that stays borrowed when it can.
pub(super) fn trim_cow(value: Cow<'_, str>) -> Cow<'_, str> {
    match value {
        Cow::Borrowed(s) => Cow::Borrowed(trim_xml(s)),
        Cow::Owned(s) => {
            let t = trim_xml(&s);
            if t.len() == s.len() {
                Cow::Owned(s)
            } else {
                Cow::Owned(t.to_owned())
            }
        }
    }
}

/// The non-empty, trimmed lines of a free-text address: split on line
/// breaks (`\n`, `\r`), each line trimmed of XML whitespace, blank lines
/// dropped (they hold no text).
pub(super) fn address_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\n', '\r'])
        .map(trim_xml)
        .filter(|l| !l.is_empty())
}

/// Whether XML 1.0 can carry `c` at all (its `Char` production): the
/// C0 controls other than tab, line feed and carriage return, and U+FFFE /
/// U+FFFF cannot appear in a document, not even as `&#…;`.
pub(super) const fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// The first UUID-shaped token (8-4-4-4-12 hex digits) in `s`, to name the
/// record of a "not found" message.
pub(super) fn find_uuid(s: &str) -> Option<&str> {
    const SHAPE: [usize; 5] = [8, 4, 4, 4, 12];
    let b = s.as_bytes();
    let total = 36;
    let mut start = 0;
    while start + total <= b.len() {
        let window = b.get(start..start + total)?;
        let mut pos = 0;
        let mut ok = true;
        for (i, len) in SHAPE.iter().enumerate() {
            let part = window.get(pos..pos + len).unwrap_or_default();
            ok &= part.len() == *len && part.iter().all(u8::is_ascii_hexdigit);
            pos += len;
            if i < SHAPE.len() - 1 {
                ok &= window.get(pos) == Some(&b'-');
                pos += 1;
            }
        }
        let before_ok = start == 0 || b.get(start - 1).is_some_and(|c| !c.is_ascii_hexdigit());
        let after_ok = b
            .get(start + total)
            .is_none_or(|c| !c.is_ascii_hexdigit() && *c != b'-');
        if ok && before_ok && after_ok {
            return s.get(start..start + total);
        }
        start += 1;
    }
    None
}

/// The message of a JSON error body (the API gateway's problem body in
/// front of XPM, in either key casing): `Detail`, else `Title`, else
/// `Message`, trimmed and without control characters; `None` for a body
/// that is not a JSON object or carries none of them.
pub(super) fn json_message(body: &[u8]) -> Option<String> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let obj = v.as_object()?;
    ["Detail", "detail", "Title", "title", "Message", "message"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(serde_json::Value::as_str))
        .map(|s| {
            s.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .take(200)
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_and_blank_ones_dropped() {
        let v: Vec<_> = address_lines("\n   Level 32\r\n\n  188 Quay St  \r").collect();
        assert_eq!(v, ["Level 32", "188 Quay St"]);
        assert_eq!(address_lines(" \n\t ").count(), 0);
        // A no-break space is data, not XML whitespace.
        assert_eq!(trim_xml("\u{a0}x "), "\u{a0}x");
    }

    #[test]
    fn uuids_are_found_in_messages() {
        assert_eq!(
            find_uuid("Client 720c21d3-e812-4bb1-9d6b-ddeb4745e7b9 not found"),
            Some("720c21d3-e812-4bb1-9d6b-ddeb4745e7b9")
        );
        assert_eq!(find_uuid("no id here"), None);
        assert_eq!(find_uuid("720c21d3-e812-4bb1-9d6b-ddeb4745e7b"), None);
        assert_eq!(
            find_uuid("é720c21d3-e812-4bb1-9d6b-ddeb4745e7b9é"),
            Some("720c21d3-e812-4bb1-9d6b-ddeb4745e7b9")
        );
    }

    #[test]
    fn xml_chars() {
        assert!(is_xml_char('a') && is_xml_char('\n') && is_xml_char('\u{10FFFF}'));
        assert!(!is_xml_char('\0') && !is_xml_char('\u{1}') && !is_xml_char('\u{FFFE}'));
    }
}
