//! Jobcode names QBT accepts: at most 64 characters, unique among siblings,
//! and free of QBO's customer:job separator and of control characters,
//! since QBT copies them to QBO. The limits are read from
//! [`rules::qbtime`](crate::rules::qbtime), as the encoder reads them.

use crate::rules::qbtime::{JOBCODE_NAME, is_reserved_in_jobcode_name as is_reserved};

/// How a planned jobcode name differs from the name in the practice
/// manager. Every change is reported; none is made silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "change"))]
pub enum NameAdjustment {
    /// `:` or control characters (tabs, line breaks…) became spaces: QBT
    /// passes the name on to QBO, where `:` separates customer and job and
    /// control characters are refused.
    ReservedCharacters,
    /// The name was cut to the length limit,
    /// [`JOBCODE_NAME`](crate::rules::qbtime::JOBCODE_NAME) (64
    /// characters).
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
    let base = if JOBCODE_NAME.fits(&cleaned) {
        cleaned
    } else {
        adjustments.push(NameAdjustment::Shortened {
            original_chars: JOBCODE_NAME.len(&cleaned),
        });
        JOBCODE_NAME.cut(&cleaned).trim_end().to_owned()
    };
    Fitted { base, adjustments }
}

/// `base` with `" (n)"` appended, `base` cut so that the whole fits the
/// length limit.
pub(crate) fn with_suffix(base: &str, n: u32) -> String {
    let suffix = format!(" ({n})");
    let room = JOBCODE_NAME.max.saturating_sub(JOBCODE_NAME.len(&suffix));
    format!(
        "{}{suffix}",
        JOBCODE_NAME.counting.prefix(base, room).trim_end()
    )
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
        // Every control character, not only tabs and line breaks: the
        // encoder refuses them all (the same rule, read from `rules`).
        let f = fit("Acme\u{7}Ltd\u{85}North");
        assert_eq!(f.base, "Acme Ltd North");
        assert_eq!(f.adjustments, [NameAdjustment::ReservedCharacters]);
    }

    #[test]
    fn q3_emoji_count_one_character_each_at_the_limit() {
        // 60 letters and 4 emoji: 64 characters, 68 UTF-16 units.
        let at_limit = format!("{}{}", "a".repeat(60), "\u{1F600}".repeat(4));
        let f = fit(&at_limit);
        assert_eq!(f.base, at_limit);
        assert!(f.adjustments.is_empty());
        let over = format!("{at_limit}\u{1F600}");
        assert_eq!(fit(&over).base, at_limit);
        let suffixed = with_suffix(&at_limit, 2);
        assert_eq!(JOBCODE_NAME.len(&suffixed), JOBCODE_NAME.max);
        assert!(suffixed.ends_with("a (2)"), "{suffixed}");
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
