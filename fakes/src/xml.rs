//! A small XML reader and writer for XPM's request and answer bodies:
//! elements, text, the five predefined entities and numeric character
//! references, comments and the XML declaration. No DTDs (a `<!DOCTYPE`
//! is refused), no namespaces, attributes skipped. Enough for the bodies
//! XPM documents; nested depth and size are bounded.

/// Deepest nesting read.
const MAX_DEPTH: usize = 32;

/// One element: its name, its text (the concatenated text directly
/// inside it) and its child elements in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) text: String,
    pub(crate) children: Vec<Self>,
}

impl Element {
    /// The first child named `name`.
    pub(crate) fn child(&self, name: &str) -> Option<&Self> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first child named `name`.
    pub(crate) fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// Reads a document's root element.
pub(crate) fn parse(input: &str) -> Result<Element, String> {
    let mut p = Parser { s: input, i: 0 };
    p.skip_misc()?;
    let root = p.element(0)?;
    p.skip_misc()?;
    if p.i != p.s.len() {
        return Err("content after the root element".into());
    }
    Ok(root)
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        let s: &'a str = self.s;
        &s[self.i..]
    }

    /// Skips white space, comments and processing instructions.
    fn skip_misc(&mut self) -> Result<(), String> {
        loop {
            let r = self.rest();
            let trimmed = r.trim_start();
            self.i += r.len() - trimmed.len();
            if trimmed.starts_with("<?") {
                let end = trimmed.find("?>").ok_or("unclosed declaration")?;
                self.i += end + 2;
            } else if trimmed.starts_with("<!--") {
                let end = trimmed.find("-->").ok_or("unclosed comment")?;
                self.i += end + 3;
            } else if trimmed.starts_with("<!") {
                return Err("DTDs are not read".into());
            } else {
                return Ok(());
            }
        }
    }

    fn element(&mut self, depth: usize) -> Result<Element, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deep".into());
        }
        let r = self.rest();
        if !r.starts_with('<') {
            return Err("an element was expected".into());
        }
        let close = r.find('>').ok_or("unclosed tag")?;
        let tag = &r[1..close];
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name = tag
            .split_whitespace()
            .next()
            .ok_or("a tag without a name")?;
        let mut el = Element {
            name: name.to_owned(),
            ..Element::default()
        };
        self.i += close + 1;
        if self_closing {
            return Ok(el);
        }
        loop {
            let r = self.rest();
            if r.is_empty() {
                return Err(format!("<{}> is not closed", el.name));
            }
            if let Some(after) = r.strip_prefix("</") {
                let end = after.find('>').ok_or("unclosed end tag")?;
                if after[..end].trim() != el.name {
                    return Err(format!("<{}> closed by </{}>", el.name, &after[..end]));
                }
                self.i += 2 + end + 1;
                return Ok(el);
            }
            if r.starts_with("<!--") {
                let end = r.find("-->").ok_or("unclosed comment")?;
                self.i += end + 3;
            } else if let Some(after) = r.strip_prefix("<![CDATA[") {
                let end = after.find("]]>").ok_or("unclosed CDATA")?;
                el.text.push_str(&after[..end]);
                self.i += 9 + end + 3;
            } else if r.starts_with('<') {
                let child = self.element(depth + 1)?;
                el.children.push(child);
            } else {
                let end = r.find('<').unwrap_or(r.len());
                el.text.push_str(&unescape(&r[..end])?);
                self.i += end;
            }
        }
    }
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').ok_or("an entity without `;`")?;
        let name = &after[..semi];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = name.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("unknown entity &{name};"))?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Text escaped for an element's content.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// Appends `<name>text</name>` (or `<name />` for empty text).
pub(crate) fn push_text(out: &mut String, name: &str, text: &str) {
    if text.is_empty() {
        out.push_str(&format!("<{name} />"));
    } else {
        out.push_str(&format!("<{name}>{}</{name}>", escape(text)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_elements_and_entities() {
        let doc = "<?xml version=\"1.0\"?>\n<!-- c --><Client a=\"1\"><Name>A &amp; B &#233;</Name>\
                   <Empty/><Contacts><Contact><UUID>u1</UUID></Contact></Contacts></Client>";
        let el = parse(doc).unwrap();
        assert_eq!(el.child_text("Name"), Some("A & B é"));
        assert_eq!(el.child_text("Empty"), Some(""));
        let contact = el.child("Contacts").unwrap().child("Contact").unwrap();
        assert_eq!(contact.child_text("UUID"), Some("u1"));
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<!DOCTYPE x><a/>").is_err());
        let mut s = String::new();
        push_text(&mut s, "N", "<&>");
        assert_eq!(s, "<N>&lt;&amp;&gt;</N>");
    }
}
