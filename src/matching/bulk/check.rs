//! The checks of a row's id and kind, the same on every path a row is
//! read by.

use crate::model::ContactKind;

/// Whether an id is empty or blank (Unicode white space). The row is
/// valid UTF-8, and fields end at ASCII bytes.
pub(super) fn blank_id(id: &[u8]) -> bool {
    if id.is_ascii() {
        // `char::is_whitespace` on ASCII: also the vertical tab.
        id.iter().all(|b| b.is_ascii_whitespace() || *b == 0x0b)
    } else {
        std::str::from_utf8(id)
            .unwrap_or_default()
            .trim()
            .is_empty()
    }
}

pub(super) fn parse_kind(v: &[u8]) -> Result<Option<ContactKind>, String> {
    match v {
        b"" => return Ok(None),
        b"person" => return Ok(Some(ContactKind::Person)),
        b"organization" | b"organisation" => return Ok(Some(ContactKind::Organization)),
        _ => {}
    }
    // The row is valid UTF-8, and fields end at ASCII bytes.
    let v = std::str::from_utf8(v).unwrap_or_default();
    let v = v.trim();
    if v.is_empty() {
        Ok(None)
    } else if v.eq_ignore_ascii_case("person") {
        Ok(Some(ContactKind::Person))
    } else if v.eq_ignore_ascii_case("organization") || v.eq_ignore_ascii_case("organisation") {
        Ok(Some(ContactKind::Organization))
    } else {
        Err(v.to_owned())
    }
}
