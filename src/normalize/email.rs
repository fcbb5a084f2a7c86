use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Why an email address is not plausible (N2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum EmailProblem {
    /// Nothing but whitespace.
    Empty,
    /// No `@`.
    MissingAt,
    /// More than one `@`.
    SeveralAts,
    /// Nothing before the `@`.
    EmptyLocalPart,
    /// Nothing after the `@`.
    EmptyDomain,
    /// A dot at the start or end of the domain, or two in a row.
    MalformedDomain,
    /// Whitespace or a control character inside the address.
    Whitespace,
}

impl EmailProblem {
    /// A short explanation for people.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Empty => "the email is empty",
            Self::MissingAt => "the email has no @",
            Self::SeveralAts => "the email has more than one @",
            Self::EmptyLocalPart => "nothing before the @",
            Self::EmptyDomain => "nothing after the @",
            Self::MalformedDomain => "the domain has a misplaced dot",
            Self::Whitespace => "the email contains spaces or control characters",
        }
    }
}

impl std::fmt::Display for EmailProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

impl std::error::Error for EmailProblem {}

fn check(trimmed: &str) -> Result<(), EmailProblem> {
    if trimmed.is_empty() {
        return Err(EmailProblem::Empty);
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(EmailProblem::Whitespace);
    }
    let Some((local, domain)) = trimmed.split_once('@') else {
        return Err(EmailProblem::MissingAt);
    };
    if domain.contains('@') {
        return Err(EmailProblem::SeveralAts);
    }
    if local.is_empty() {
        return Err(EmailProblem::EmptyLocalPart);
    }
    if domain.is_empty() {
        return Err(EmailProblem::EmptyDomain);
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return Err(EmailProblem::MalformedDomain);
    }
    Ok(())
}

/// Normalises an email for comparison: trimmed, put in Unicode canonical
/// composition (NFC) and lower-cased (N2). The NFC and NFD spellings of one
/// address (`josé@…` typed on two devices) normalise to the same text.
///
/// # Errors
/// Returns the [`EmailProblem`] when the address is not plausible; such an
/// address never matches anything.
///
/// ```
/// use ledgerlink::normalize::{normalize_email, EmailProblem};
/// assert_eq!(normalize_email("  Jane@Example.COM ").unwrap(), "jane@example.com");
/// assert_eq!(normalize_email("jane.example.com"), Err(EmailProblem::MissingAt));
/// ```
pub fn normalize_email(s: &str) -> Result<Cow<'_, str>, EmailProblem> {
    let t = s.trim();
    check(t)?;
    if t.is_ascii() {
        if t.bytes().any(|b| b.is_ascii_uppercase()) {
            Ok(Cow::Owned(t.to_ascii_lowercase()))
        } else {
            Ok(Cow::Borrowed(t))
        }
    } else {
        let mut out = String::with_capacity(t.len());
        push_folded(t, &mut out);
        Ok(Cow::Owned(out))
    }
}

/// Appends a non-ASCII address in NFC, lower-cased per character (no
/// final-sigma context rule, so [`normalize_email`] and
/// [`normalize_email_into`] always agree), and composed again when
/// lower-casing left it out of NFC.
fn push_folded(t: &str, out: &mut String) {
    let start = out.len();
    out.extend(t.nfc().flat_map(char::to_lowercase));
    if is_nfc_quick(out[start..].chars()) != IsNormalized::Yes {
        let composed: String = out[start..].nfc().collect();
        out.truncate(start);
        out.push_str(&composed);
    }
}

/// The same verdict as [`check`] for an ASCII address, in passes the
/// compiler vectorises (no branch per byte), the problems in the same
/// order of precedence.
fn check_ascii(t: &[u8]) -> Result<(), EmailProblem> {
    if t.is_empty() {
        return Err(EmailProblem::Empty);
    }
    let blank = t
        .iter()
        .fold(false, |acc, &b| acc | (b <= b' ') | (b == 0x7F));
    if blank {
        return Err(EmailProblem::Whitespace);
    }
    let ats = t.iter().fold(0usize, |n, &b| n + usize::from(b == b'@'));
    let Some(at) = t.iter().position(|&b| b == b'@') else {
        return Err(EmailProblem::MissingAt);
    };
    if ats > 1 {
        return Err(EmailProblem::SeveralAts);
    }
    let domain = t.get(at + 1..).unwrap_or_default();
    if at == 0 {
        return Err(EmailProblem::EmptyLocalPart);
    }
    if domain.is_empty() {
        return Err(EmailProblem::EmptyDomain);
    }
    let double_dot = domain
        .iter()
        .zip(domain.iter().skip(1))
        .fold(false, |acc, (&a, &b)| acc | ((a == b'.') & (b == b'.')));
    if double_dot || domain.first() == Some(&b'.') || domain.last() == Some(&b'.') {
        return Err(EmailProblem::MalformedDomain);
    }
    Ok(())
}

/// Appends the normalised email to `out`; on error `out` is left unchanged.
///
/// # Errors
/// As [`normalize_email`].
pub fn normalize_email_into(s: &str, out: &mut String) -> Result<(), EmailProblem> {
    let t = s.trim();
    if t.is_ascii() {
        check_ascii(t.as_bytes())?;
        let start = out.len();
        out.push_str(t);
        out[start..].make_ascii_lowercase();
        return Ok(());
    }
    check(t)?;
    push_folded(t, out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every ASCII address of up to five characters from an alphabet of
    /// the characters the checks look at: the ASCII verdict is the
    /// general one.
    #[test]
    fn n2_the_ascii_check_agrees_with_the_general_one_exhaustively() {
        let alphabet = [b'a', b'@', b'.', b' ', b'\x7f', b'Q'];
        let mut valid = 0;
        for len in 0..=5u32 {
            for mut code in 0..alphabet.len().pow(len) {
                let mut address = String::new();
                for _ in 0..len {
                    address.push(char::from(alphabet[code % alphabet.len()]));
                    code /= alphabet.len();
                }
                let verdict = check(&address);
                valid += usize::from(verdict.is_ok());
                assert_eq!(check_ascii(address.as_bytes()), verdict, "{address:?}");
            }
        }
        assert!(valid > 10, "{valid}");
    }

    #[test]
    fn n2_emails_compare_trimmed_and_lowercased() {
        assert_eq!(normalize_email(" A@B.COM\t").unwrap(), "a@b.com");
        assert!(matches!(normalize_email("a@b.com"), Ok(Cow::Borrowed(_))));
        let mut out = String::from("x");
        normalize_email_into(" Ä@B.de", &mut out).unwrap();
        assert_eq!(out, "xä@b.de");
    }

    /// Fuzzing found the NFC and NFD spellings of one address unequal, so
    /// they never matched (M1, M2) and the shared-email audit (H3) missed
    /// them.
    #[test]
    fn n2_canonically_equivalent_emails_normalise_alike() {
        let nfc = "Jos\u{e9}@Caf\u{e9}.test";
        let nfd = "Jose\u{301}@Cafe\u{301}.test";
        assert_eq!(normalize_email(nfc).unwrap(), "jos\u{e9}@caf\u{e9}.test");
        assert_eq!(normalize_email(nfc), normalize_email(nfd));
        let (mut a, mut b) = (String::new(), String::new());
        normalize_email_into(nfc, &mut a).unwrap();
        normalize_email_into(nfd, &mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, normalize_email(nfd).unwrap());
        // Idempotent.
        assert_eq!(normalize_email(&a).unwrap(), a);
    }

    #[test]
    fn n2_ascii_check_agrees_with_the_general_check() {
        for e in [
            "", "a", "@", "a@", "@b", "a@b", "a@b.c", "a@@b", "a@b@c", "a.@b", "a@.b", "a@b.",
            "a@b..c", "a..b@c", "a b@c", "a\tb@c", "a@b\x7f", "x@y.z.",
        ] {
            assert_eq!(check_ascii(e.as_bytes()), check(e), "{e:?}");
        }
    }

    #[test]
    fn n2_implausible_emails_are_invalid() {
        assert_eq!(normalize_email(""), Err(EmailProblem::Empty));
        assert_eq!(normalize_email("   "), Err(EmailProblem::Empty));
        assert_eq!(normalize_email("ab.com"), Err(EmailProblem::MissingAt));
        assert_eq!(normalize_email("@b.com"), Err(EmailProblem::EmptyLocalPart));
        assert_eq!(normalize_email("a@"), Err(EmailProblem::EmptyDomain));
        assert_eq!(normalize_email("a b@c.com"), Err(EmailProblem::Whitespace));
        assert_eq!(normalize_email("a@b@c.com"), Err(EmailProblem::SeveralAts));
        assert_eq!(
            normalize_email("a@.com"),
            Err(EmailProblem::MalformedDomain)
        );
        assert_eq!(
            normalize_email("a@b..com"),
            Err(EmailProblem::MalformedDomain)
        );
        assert_eq!(
            normalize_email("a\u{0}@b.com"),
            Err(EmailProblem::Whitespace)
        );
        let mut out = String::from("keep");
        assert!(normalize_email_into("nope", &mut out).is_err());
        assert_eq!(out, "keep");
    }
}
