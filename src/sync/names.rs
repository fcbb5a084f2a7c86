//! Display names a ledger accepts (U2): no reserved characters, within the
//! length limit, unique — decided deterministically and reported, instead of
//! failing with "Duplicate Name Exists" (QBO 6240).

use std::collections::HashMap;

use crate::normalize::normalize_name;
use crate::rules::limits::Counting;

/// A display name chosen for the ledger, and why it differs from the local
/// name (empty when it does not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenName {
    /// The name to send.
    pub name: String,
    /// What was changed: `"reserved characters"`, `"length limit"`,
    /// `"name taken"`.
    pub changes: Vec<&'static str>,
}

/// Chooses the display name sent to the ledger for a local name (U2):
/// `:`, tab and line breaks (reserved by QBO: `:` separates customer and
/// job) become spaces, the name is cut to `max` units counted as the ledger
/// counts them (`counting`: UTF-16 units for Xero, XPM and QBO, see
/// [`rules::limits`](crate::rules::limits)), and if `is_taken` says the
/// result is used, " (2)", " (3)", … is appended (the base cut shorter when
/// needed) until it is free.
///
/// ```
/// use ledgerlink::rules::limits::Counting;
/// use ledgerlink::sync::display_name_for;
/// let taken = ["Jane Smith", "Jane Smith (2)"];
/// let chosen = display_name_for("Jane Smith", 500, Counting::Utf16Units, |n| taken.contains(&n));
/// assert_eq!(chosen.name, "Jane Smith (3)");
/// assert_eq!(display_name_for("Acme: East", 500, Counting::Utf16Units, |_| false).name, "Acme East");
/// // An emoji takes two UTF-16 units of the limit.
/// assert_eq!(display_name_for("ab\u{1F600}", 3, Counting::Utf16Units, |_| false).name, "ab");
/// ```
pub fn display_name_for(
    wanted: &str,
    max: usize,
    counting: Counting,
    is_taken: impl Fn(&str) -> bool,
) -> ChosenName {
    display_name_from(wanted, max, counting, is_taken, 2).0
}

/// [`display_name_for`] trying suffixes from `first_suffix` on; also gives
/// the suffix used (0 for none). The planner remembers, per name, where the
/// next free suffix starts, so that many contacts sharing one name cost
/// linear work, not one scan from " (2)" each.
pub(crate) fn display_name_from(
    wanted: &str,
    max: usize,
    counting: Counting,
    is_taken: impl Fn(&str) -> bool,
    first_suffix: u64,
) -> (ChosenName, u64) {
    let mut changes = Vec::new();
    let mut base = String::with_capacity(wanted.len());
    let mut reserved = false;
    for ch in wanted.trim().chars() {
        if matches!(ch, ':' | '\t' | '\n' | '\r') {
            reserved = true;
            if !base.ends_with(' ') {
                base.push(' ');
            }
        } else if ch == ' ' && base.ends_with(' ') && reserved {
            // Collapse the space next to a replaced character.
        } else {
            base.push(ch);
        }
    }
    let base = base.trim().to_owned();
    if reserved {
        changes.push("reserved characters");
    }
    let mut base_cut = counting.prefix(&base, max).to_owned();
    if base_cut.len() < base.len() {
        changes.push("length limit");
    }
    if base_cut.is_empty() {
        base_cut = "Contact".to_owned();
    }
    if !is_taken(&base_cut) {
        return (
            ChosenName {
                name: base_cut,
                changes,
            },
            0,
        );
    }
    changes.push("name taken");
    // Ends: the taken names are finitely many, and every candidate differs.
    let mut n = first_suffix.max(2);
    loop {
        let suffix = format!(" ({n})");
        let room = max.saturating_sub(counting.len(&suffix));
        let candidate = format!("{}{suffix}", counting.prefix(&base_cut, room).trim_end());
        if !is_taken(&candidate) {
            return (
                ChosenName {
                    name: candidate,
                    changes,
                },
                n,
            );
        }
        n = n.saturating_add(1);
    }
}

/// The names in use in a ledger, compared after normalisation (N1),
/// counted: two records may share a name (an archived Xero contact, a QBO
/// sub-customer), and renaming one must not free it for the other.
#[derive(Debug, Default)]
pub(crate) struct TakenNames {
    names: HashMap<String, u32>,
}

impl TakenNames {
    pub(crate) fn insert(&mut self, name: &str) {
        *self
            .names
            .entry(normalize_name(name).into_owned())
            .or_insert(0) += 1;
    }

    pub(crate) fn remove(&mut self, name: &str) {
        let key = normalize_name(name);
        if let Some(n) = self.names.get_mut(key.as_ref()) {
            *n -= 1;
            if *n == 0 {
                self.names.remove(key.as_ref());
            }
        }
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.names.contains_key(normalize_name(name).as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u2_reserved_characters_and_length_are_fixed_and_reported() {
        let c = display_name_for("Smith:\tJane", 500, Counting::Utf16Units, |_| false);
        assert_eq!(c.name, "Smith Jane");
        assert_eq!(c.changes, ["reserved characters"]);
        let long = "x".repeat(600);
        let c = display_name_for(&long, 500, Counting::Utf16Units, |_| false);
        assert_eq!(c.name.chars().count(), 500);
        assert_eq!(c.changes, ["length limit"]);
    }

    #[test]
    fn u2_suffix_fits_the_limit() {
        let long = "é".repeat(20);
        let c = display_name_for(&long, 12, Counting::Utf16Units, |n| {
            n.chars().count() == 12 && !n.ends_with(')')
        });
        assert_eq!(c.name, format!("{} (2)", "é".repeat(8)));
        assert_eq!(c.name.chars().count(), 12);
        assert_eq!(c.changes, ["length limit", "name taken"]);
    }

    #[test]
    fn u2_a_name_at_the_limit_counts_emoji_as_the_ledger_does() {
        // 250 emoji: 250 characters but 500 UTF-16 units, exactly QBO's
        // limit; de-collided it must still fit in 500 units, not 500
        // characters (the encoder counts units and refused the old result).
        let wanted = "\u{1F600}".repeat(250);
        let c = display_name_for(&wanted, 500, Counting::Utf16Units, |n| n == wanted);
        assert!(c.name.encode_utf16().count() <= 500, "{}", c.name.len());
        assert!(c.name.ends_with(" (2)"));
        assert_eq!(c.changes, ["name taken"]);
        // One more emoji passes the limit and is cut at a character.
        let c = display_name_for(&"\u{1F600}".repeat(251), 500, Counting::Utf16Units, |_| {
            false
        });
        assert_eq!(c.name, wanted);
        assert_eq!(c.changes, ["length limit"]);
        // QuickBooks Time counts characters.
        let c = display_name_for(&"\u{1F600}".repeat(70), 64, Counting::Chars, |_| false);
        assert_eq!(c.name.chars().count(), 64);
    }

    #[test]
    fn taken_names_compare_normalised() {
        let mut t = TakenNames::default();
        t.insert("ACME  Ltd");
        t.insert("Acme Ltd");
        assert!(t.contains("acme ltd"));
        t.remove("Acme Ltd");
        assert!(t.contains("acme ltd"), "another record still has the name");
        t.remove("acme ltd");
        assert!(!t.contains("acme ltd"));
    }
}
