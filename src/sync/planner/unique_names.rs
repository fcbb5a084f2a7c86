//! Display names a ledger keeps unique (U2, QBO and Xero): the names taken,
//! and the name to send for a local one.

use std::collections::{BTreeSet, HashMap};

use crate::model::{Contact, ContactStatus};
use crate::rules::{LedgerRules, NameUniqueness};
use crate::sync::fields::NameValue;
use crate::sync::names::{TakenNames, display_name_for, display_name_from};

use super::listings::Run;

/// The names taken in the ledger, built on first use: a run that sends no
/// name never builds it.
pub(super) struct UniqueNames<'a> {
    rules: &'static LedgerRules,
    /// The longest display name, counted as the ledger counts it
    /// (`rules.display_name.counting`).
    max_len: usize,
    /// The ledger's records, whose names are taken.
    remote: &'a [Contact],
    taken: Option<TakenNames>,
    /// Per normalised name, where the search for a free " (n)" suffix
    /// starts (U2): many contacts sharing a name cost linear work.
    suffix_hint: HashMap<String, u64>,
}

impl<'a> UniqueNames<'a> {
    pub(super) fn new(run: &Run<'a>) -> Self {
        Self {
            rules: run.profile.rules(),
            max_len: run.config.max_display_name_len,
            remote: run.remote.records,
            taken: None,
            suffix_hint: HashMap::new(),
        }
    }

    /// The names taken; `refused` are those the ledger refused as
    /// duplicates before (kept in the state).
    fn taken(&mut self, refused: &BTreeSet<String>) -> &mut TakenNames {
        if self.taken.is_none() {
            let mut t = TakenNames::default();
            for r in self.remote {
                // Xero: unique among active contacts; QBO: among all.
                if self.rules.unique_names == NameUniqueness::AmongAll
                    || r.status == ContactStatus::Active
                {
                    t.insert(&r.label());
                }
            }
            for n in refused {
                t.insert(n);
            }
            self.taken = Some(t);
        }
        self.taken.get_or_insert_with(TakenNames::default)
    }

    fn unique_names(&self) -> bool {
        self.rules.unique_names != NameUniqueness::None
    }

    /// The name value to send for a local name (U2), with the changes made
    /// to it; `current` is the name the ledger record holds now.
    pub(super) fn name_to_send(
        &mut self,
        refused: &BTreeSet<String>,
        mut n: NameValue,
        current: Option<&str>,
    ) -> (NameValue, Vec<&'static str>) {
        if !self.unique_names() {
            return (n, Vec::new());
        }
        let counting = self.rules.display_name.counting;
        // A QBO organisation's company name must equal its display name
        // (M5): the name then fits both limits, or the encoder refuses it.
        let organization = n.company.as_deref() == Some(n.display.as_str());
        let max = match self.rules.company_name {
            Some(company) if organization && self.rules.syncs_company_name => {
                self.max_len.min(company.max)
            }
            _ => self.max_len,
        };
        let taken = self.taken(refused);
        if let Some(c) = current {
            taken.remove(c);
        }
        let hint_key = crate::normalize::normalize_name(&n.display).into_owned();
        let first = self.suffix_hint.get(&hint_key).copied().unwrap_or(2);
        let taken = self.taken.get_or_insert_with(TakenNames::default);
        let (mut chosen, used) =
            display_name_from(&n.display, max, counting, |x| taken.contains(x), first);
        if used != 0 {
            self.suffix_hint.insert(hint_key, used.saturating_add(1));
        }
        // A record that already carries a valid adjusted form of the name
        // ("Acme Ltd (2)") keeps it, even when a plainer one came free: the
        // name is stable, and planning again changes nothing (F5).
        if let Some(c) = current {
            let base = display_name_for(&n.display, max, counting, |_| false).name;
            let adjusted = c.strip_prefix(base.as_str()).is_some_and(|rest| {
                rest.strip_prefix(" (")
                    .and_then(|r| r.strip_suffix(')'))
                    .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            });
            if adjusted && !taken.contains(c) && counting.fits(c, max) {
                chosen.name = c.to_owned();
            }
        }
        taken.insert(&chosen.name);
        // A QBO organisation is matched by its company name, which must equal
        // its display name (M5): keep the two equal when one is adjusted.
        if self.rules.syncs_company_name
            && chosen.name != n.display
            && n.company.as_deref() == Some(n.display.as_str())
        {
            n.company = Some(chosen.name.clone());
        }
        n.display = chosen.name;
        (n, chosen.changes)
    }
}
