//! Q2: do the three customer lists agree before the systems are connected?

use std::collections::BTreeMap;
use std::fmt;

use crate::model::{Contact, ContactStatus};
use crate::normalize::normalize_name;

use super::model::Jobcode;
use crate::rules::qbtime::System;

/// The two connections of the integration, in the order they are made
/// (Q2): QuickBooks Time with QuickBooks Online first, then the practice
/// manager with QuickBooks Time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum IntegrationStep {
    /// Step 1: QBT ↔ QBO.
    QbtQbo,
    /// Step 2: PM ↔ QBT.
    PmQbt,
}

impl IntegrationStep {
    /// Both steps, in order.
    pub const ORDER: [Self; 2] = [Self::QbtQbo, Self::PmQbt];

    /// The two systems the step connects.
    #[must_use]
    pub const fn systems(self) -> [System; 2] {
        match self {
            Self::QbtQbo => [System::QBT, System::QBO],
            Self::PmQbt => [System::PM, System::QBT],
        }
    }

    /// 1 or 2.
    #[must_use]
    pub const fn number(self) -> u8 {
        match self {
            Self::QbtQbo => 1,
            Self::PmQbt => 2,
        }
    }
}

impl fmt::Display for IntegrationStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b] = self.systems();
        write!(f, "step {} ({a} ↔ {b})", self.number())
    }
}

/// A customer name some systems have and others lack.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NameGap {
    /// The name as the first system having it spells it (PM, then QBT,
    /// then QBO).
    pub name: String,
    /// The systems that have it.
    pub present_in: Vec<System>,
    /// The systems that lack it.
    pub missing_from: Vec<System>,
    /// The connection the gap concerns: step 1 when QBT and QBO disagree
    /// about it, else step 2.
    pub step: IntegrationStep,
    /// Whether the practice manager has it as a client group rather than a
    /// client (time may be recorded against a group, Q4).
    pub client_group: bool,
}

/// A customer name held by more than one record of one system.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DuplicateName {
    /// The system.
    pub system: System,
    /// The name, as its first record spells it.
    pub name: String,
    /// The records' ids, sorted.
    pub ids: Vec<String>,
}

/// A customer record without a name, which cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct UnnamedRecord {
    /// The system.
    pub system: System,
    /// The record's id.
    pub id: String,
}

/// How many customer records of each system were compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ListCounts {
    /// Active clients of the practice manager.
    pub pm: usize,
    /// Active top-level regular jobcodes.
    pub qbt: usize,
    /// Active top-level QBO customers.
    pub qbo: usize,
}

/// The three-way customer list check (Q2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ListCheck {
    /// Records compared per system.
    pub counts: ListCounts,
    /// Names not in all three systems, sorted by normalised name.
    pub gaps: Vec<NameGap>,
    /// Names held twice or more within one system, sorted by system, then
    /// name.
    pub duplicates: Vec<DuplicateName>,
    /// Records with no name, sorted.
    pub unnamed: Vec<UnnamedRecord>,
}

impl ListCheck {
    /// Whether the three lists agree: every name in all three systems, once
    /// each, and every record named.
    #[must_use]
    pub fn agrees(&self) -> bool {
        self.gaps.is_empty() && self.duplicates.is_empty() && self.unnamed.is_empty()
    }

    /// The gaps concerning `step`.
    pub fn gaps_in(&self, step: IntegrationStep) -> impl Iterator<Item = &NameGap> + '_ {
        self.gaps.iter().filter(move |g| g.step == step)
    }

    /// The first step, in integration order, that still has gaps.
    #[must_use]
    pub fn first_step_with_gaps(&self) -> Option<IntegrationStep> {
        IntegrationStep::ORDER
            .into_iter()
            .find(|&s| self.gaps_in(s).next().is_some())
    }

    /// One line per finding, gaps of step 1 first, then step 2, then
    /// duplicates and unnamed records.
    #[must_use]
    pub fn explain(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for step in IntegrationStep::ORDER {
            for g in self.gaps_in(step) {
                let list =
                    |s: &[System]| s.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", ");
                let mut line = format!(
                    "{step}: \"{}\" is in {} but not in {}",
                    g.name,
                    list(&g.present_in),
                    list(&g.missing_from)
                );
                if g.client_group {
                    line.push_str(" (a client group in PM)");
                }
                line.push_str(match step {
                    IntegrationStep::QbtQbo => {
                        "; settle QBT and QBO before connecting the practice manager"
                    }
                    IntegrationStep::PmQbt if g.missing_from == [System::PM] => {
                        "; add it to the practice manager or rename one side"
                    }
                    IntegrationStep::PmQbt => {
                        "; the practice manager creates it in QBT, and QBT in QBO (Q3)"
                    }
                });
                lines.push(line);
            }
        }
        for d in &self.duplicates {
            lines.push(format!(
                "{} has \"{}\" {} times (ids {})",
                d.system,
                d.name,
                d.ids.len(),
                d.ids.join(", ")
            ));
        }
        for u in &self.unnamed {
            lines.push(format!("{} record {} has no name", u.system, u.id));
        }
        lines
    }
}

#[derive(Default)]
struct Holders {
    /// Per system (PM, QBT, QBO): the records' ids and spellings.
    records: [Vec<(String, String)>; 3],
    group: Option<String>,
}

const fn slot(system: System) -> usize {
    match system {
        System::PM => 0,
        System::QBT => 1,
        // QBO; no other ledger takes part in the three-way check.
        System::Ledger(_) => 2,
    }
}

/// Compares the customer lists of the three systems (Q2) before they are
/// connected: names (display name, else first + last) compared after
/// normalisation (N1), active records only.
///
/// - PM: the clients given, organisations and people. A PM client group
///   counts as present in PM when QBT or QBO has a customer of that name
///   (a group jobcode); a group neither has is not listed.
/// - QBT: top-level regular jobcodes (`parent_id` 0); jobs, PTO and breaks
///   are not customers.
/// - QBO: customers without a parent; sub-customers are jobs.
///
/// Every name missing from one or two systems is listed with the systems
/// that have it and the [`IntegrationStep`] it concerns, so that QBT and QBO
/// are settled first (step 1), then the practice manager and QBT (step 2).
/// Names held twice within a system are listed too: each would leave the
/// integration guessing which record is meant.
///
/// ```
/// use ledgerlink::Contact;
/// use ledgerlink::qbtime::{IntegrationStep, Jobcode, System, check_customer_lists};
///
/// let pm = [Contact::organization("C1", "ACME Ltd"), Contact::person("C2", "Jo", "Bloggs")];
/// let qbt = [Jobcode::customer(1, "acme ltd"), Jobcode::customer(2, "Zeta")];
/// let qbo = [Contact::named("7", "Acme  Ltd")];
///
/// let check = check_customer_lists(&pm, &qbt, &qbo);
/// assert!(!check.agrees());
/// let first = &check.gaps[0];
/// assert_eq!(first.name, "Jo Bloggs");
/// assert_eq!(first.missing_from, [System::QBT, System::QBO]);
/// assert_eq!(first.step, IntegrationStep::PmQbt);
/// assert_eq!(check.gaps[1].name, "Zeta");
/// assert_eq!(check.first_step_with_gaps(), Some(IntegrationStep::QbtQbo));
/// ```
#[must_use]
pub fn check_customer_lists(pm: &[Contact], qbt: &[Jobcode], qbo: &[Contact]) -> ListCheck {
    let mut names: BTreeMap<String, Holders> = BTreeMap::new();
    let mut check = ListCheck::default();
    let mut add = |system: System, id: String, name: &str, unnamed: &mut Vec<UnnamedRecord>| {
        let key = normalize_name(name);
        if key.is_empty() {
            unnamed.push(UnnamedRecord { system, id });
            return;
        }
        names.entry(key.into_owned()).or_default().records[slot(system)]
            .push((id, name.trim().to_owned()));
    };

    let mut pm_sorted: Vec<&Contact> = pm
        .iter()
        .filter(|c| c.status == ContactStatus::Active)
        .collect();
    pm_sorted.sort_by(|a, b| a.id.cmp(&b.id));
    for c in &pm_sorted {
        add(System::PM, c.id.to_string(), &c.label(), &mut check.unnamed);
    }
    let mut qbt_sorted: Vec<&Jobcode> = qbt
        .iter()
        .filter(|j| j.is_top_level() && j.is_regular() && j.active)
        .collect();
    qbt_sorted.sort_by_key(|j| j.id);
    for j in &qbt_sorted {
        add(System::QBT, j.id.to_string(), &j.name, &mut check.unnamed);
    }
    let mut qbo_sorted: Vec<&Contact> = qbo
        .iter()
        .filter(|c| c.extras.parent_id.is_none() && c.status == ContactStatus::Active)
        .collect();
    qbo_sorted.sort_by(|a, b| a.id.cmp(&b.id));
    for c in &qbo_sorted {
        add(
            System::QBO,
            c.id.to_string(),
            &c.label(),
            &mut check.unnamed,
        );
    }
    check.counts = ListCounts {
        pm: pm_sorted.len(),
        qbt: qbt_sorted.len(),
        qbo: qbo_sorted.len(),
    };
    for c in &pm_sorted {
        let Some(group) = c.client_group.as_deref().map(str::trim) else {
            continue;
        };
        let key = normalize_name(group);
        if let Some(h) = names.get_mut(key.as_ref())
            && h.group.is_none()
        {
            h.group = Some(group.to_owned());
        }
    }

    for h in names.values() {
        let [p, t, o] = h.records.each_ref().map(|r| !r.is_empty());
        let as_group = !p && h.group.is_some();
        let present = [p || (as_group && (t || o)), t, o];
        if present != [true; 3] {
            let name = h
                .records
                .iter()
                .find_map(|r| r.first())
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            let (mut present_in, mut missing_from) = (Vec::new(), Vec::new());
            for (system, here) in System::ALL.into_iter().zip(present) {
                if here {
                    present_in.push(system);
                } else {
                    missing_from.push(system);
                }
            }
            if !present_in.is_empty() {
                check.gaps.push(NameGap {
                    name,
                    present_in,
                    missing_from,
                    step: if t == o {
                        IntegrationStep::PmQbt
                    } else {
                        IntegrationStep::QbtQbo
                    },
                    client_group: as_group,
                });
            }
        }
        for (system, records) in System::ALL.into_iter().zip(&h.records) {
            if let [(_, first), _, ..] = records.as_slice() {
                check.duplicates.push(DuplicateName {
                    system,
                    name: first.clone(),
                    ids: records.iter().map(|(id, _)| id.clone()).collect(),
                });
            }
        }
    }
    check.duplicates.sort_by_key(|d| d.system);
    check.unnamed.sort();
    check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q2_names_agree_after_normalisation() {
        let pm = [Contact::organization("C1", "ACME  Ltd")];
        let qbt = [Jobcode::customer(1, "acme ltd")];
        let qbo = [Contact::named("9", "Acme Ltd")];
        let check = check_customer_lists(&pm, &qbt, &qbo);
        assert!(check.agrees(), "{:?}", check.explain());
        assert_eq!(
            check.counts,
            ListCounts {
                pm: 1,
                qbt: 1,
                qbo: 1
            }
        );
    }

    #[test]
    fn q2_step_follows_the_integration_order() {
        let pm = [Contact::organization("C1", "Acme")];
        let qbt = [Jobcode::customer(1, "Acme"), Jobcode::customer(2, "Beta")];
        let qbo = [Contact::named("9", "Acme"), Contact::named("8", "Beta")];
        let check = check_customer_lists(&pm, &qbt, &qbo);
        assert_eq!(check.gaps.len(), 1);
        assert_eq!(check.gaps[0].step, IntegrationStep::PmQbt);
        assert_eq!(check.gaps[0].missing_from, [System::PM]);
        let check = check_customer_lists(&pm, &qbt[..1], &qbo);
        assert_eq!(check.gaps[0].step, IntegrationStep::QbtQbo);
        assert_eq!(check.gaps[0].present_in, [System::QBO]);
    }
}
