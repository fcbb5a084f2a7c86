//! Jobcode names QBT accepts: at most 64 characters, unique among siblings,
//! and free of QBO's customer:job separator, since QBT copies them to QBO.

use super::model::MAX_JOBCODE_NAME_CHARS;

/// How a planned jobcode name differs from the name in the practice
/// manager. Every change is reported; none is made silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "change"))]
pub enum NameAdjustment {
    /// `:`, tab or line breaks became spaces: QBT passes the name on to QBO,
    /// where `:` separates customer and job and those characters are
    /// refused.
    ReservedCharacters,
    /// The name was cut to [`MAX_JOBCODE_NAME_CHARS`] characters.
    Shortened {
        /// How many characters the name had.
        original_chars: usize,
    },
    /// A sibling already had the name (compared after normalisation, N1):
    /// `" (n)"` was appended, the name cut shorter when needed to fit.
    Suffixed {
        /// The number in the suffix (2, 3, …).
        n: u32,
    },
}

/// A name prepared for QBT, before sibling clashes are looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fitted {
    /// The name, possibly shortened; empty when nothing printable is left.
    pub(crate) base: String,
    pub(crate) adjustments: Vec<NameAdjustment>,
}

const fn is_reserved(ch: char) -> bool {
    matches!(ch, ':' | '\t' | '\n' | '\r')
}

/// Trims `wanted`, turns reserved characters into single spaces and cuts the
/// result to the length limit (trailing spaces of the cut dropped).
pub(crate) fn fit(wanted: &str) -> Fitted {
    let mut adjustments = Vec::new();
    let trimmed = wanted.trim();
    let cleaned = if trimmed.contains(is_reserved) {
        adjustments.push(NameAdjustment::ReservedCharacters);
        let mut out = String::with_capacity(trimmed.len());
        for word in trimmed.split(is_reserved) {
            let word = word.trim();
            if word.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        out
    } else {
        trimmed.to_owned()
    };
    let chars = cleaned.chars().count();
    let base = if chars > MAX_JOBCODE_NAME_CHARS {
        adjustments.push(NameAdjustment::Shortened {
            original_chars: chars,
        });
        cut(&cleaned, MAX_JOBCODE_NAME_CHARS).trim_end().to_owned()
    } else {
        cleaned
    };
    Fitted { base, adjustments }
}

/// `base` with `" (n)"` appended, `base` cut so that the whole fits the
/// length limit.
pub(crate) fn with_suffix(base: &str, n: u32) -> String {
    let suffix = format!(" ({n})");
    let room = MAX_JOBCODE_NAME_CHARS.saturating_sub(suffix.chars().count());
    format!("{}{suffix}", cut(base, room).trim_end())
}

/// The first `max_chars` characters of `s`.
fn cut(s: &str, max_chars: usize) -> &str {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q3_reserved_characters_become_spaces() {
        let f = fit("  Smith:\tJane \n");
        assert_eq!(f.base, "Smith Jane");
        assert_eq!(f.adjustments, [NameAdjustment::ReservedCharacters]);
        assert_eq!(fit(":::").base, "");
    }

    #[test]
    fn q3_long_names_are_cut_by_characters_not_bytes() {
        let long = "é".repeat(70);
        let f = fit(&long);
        assert_eq!(f.base.chars().count(), 64);
        assert_eq!(
            f.adjustments,
            [NameAdjustment::Shortened { original_chars: 70 }]
        );
        let ok = "é".repeat(64);
        assert_eq!(fit(&ok).base, ok);
        assert!(fit(&ok).adjustments.is_empty());
    }

    #[test]
    fn q3_suffixes_fit_the_limit() {
        let base = "x".repeat(64);
        let s = with_suffix(&base, 12);
        assert_eq!(s.chars().count(), 64);
        assert!(s.ends_with("x (12)"));
        assert_eq!(with_suffix("Acme", 2), "Acme (2)");
        // A cut never leaves a space before the suffix.
        let spaced = format!("{} b", "a".repeat(59));
        assert_eq!(with_suffix(&spaced, 2), format!("{} (2)", "a".repeat(59)));
    }
}
