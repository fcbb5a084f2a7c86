//! Q1: which system holds the truth for each kind of data, and the only
//! writes this module may plan.

use std::fmt;

/// A system taking part in the QuickBooks Time integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum System {
    /// The firm's practice-management system: its clients and its work.
    Pm,
    /// QuickBooks Time (formerly TSheets): jobcodes and timesheets.
    Qbt,
    /// QuickBooks Online: customers, sub-customers (jobs), invoices.
    Qbo,
}

impl System {
    /// Every system, in the order reports list them.
    pub const ALL: [Self; 3] = [Self::Pm, Self::Qbt, Self::Qbo];

    /// `"PM"`, `"QBT"` or `"QBO"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pm => "PM",
            Self::Qbt => "QBT",
            Self::Qbo => "QBO",
        }
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind of data, each with exactly one [`owner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Domain {
    /// The firm's clients, organisations and people: QBT top-level
    /// jobcodes, QBO customers.
    Customers,
    /// Jobs / engagements: QBT child jobcodes, QBO sub-customers.
    Work,
    /// Time entries (QBT timesheets).
    Time,
    /// Invoices, payments, balances.
    Financials,
}

impl Domain {
    /// Every domain.
    pub const ALL: [Self; 4] = [Self::Customers, Self::Work, Self::Time, Self::Financials];

    /// `"customers"`, `"work"`, `"time"` or `"financials"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Customers => "customers",
            Self::Work => "work",
            Self::Time => "time",
            Self::Financials => "financials",
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The system whose copy of `domain` is the truth (Q1): the practice
/// manager for customers and work, QuickBooks Time for time, QuickBooks
/// Online for financials.
///
/// ```
/// use ledgerlink::qbtime::{Domain, System, owner};
/// assert_eq!(owner(Domain::Work), System::Pm);
/// assert_eq!(owner(Domain::Time), System::Qbt);
/// assert_eq!(owner(Domain::Financials), System::Qbo);
/// ```
#[must_use]
pub const fn owner(domain: Domain) -> System {
    match domain {
        Domain::Customers | Domain::Work => System::Pm,
        Domain::Time => System::Qbt,
        Domain::Financials => System::Qbo,
    }
}

/// Who performs a [`Flow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Writer {
    /// Ledgerlink plans the write; the caller carries it out.
    Ledgerlink,
    /// QuickBooks Time copies the data itself (its QuickBooks connection);
    /// ledgerlink only predicts the result.
    Qbt,
}

/// One path a domain's data travels along, from its owner to a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Flow {
    /// The data copied.
    pub domain: Domain,
    /// Where it is read.
    pub from: System,
    /// Where it is written.
    pub to: System,
    /// Who writes it.
    pub writer: Writer,
}

/// Every copy made in the QuickBooks Time integration (Q1, Q3). Data moves
/// away from its owner and is never written back into it: ledgerlink reads
/// customers and work from the practice manager and writes them to QBT,
/// and QBT passes them on to QBO. Time and financials travel nowhere here
/// (time is only read, Q4).
pub const FLOWS: [Flow; 4] = [
    Flow {
        domain: Domain::Customers,
        from: System::Pm,
        to: System::Qbt,
        writer: Writer::Ledgerlink,
    },
    Flow {
        domain: Domain::Work,
        from: System::Pm,
        to: System::Qbt,
        writer: Writer::Ledgerlink,
    },
    Flow {
        domain: Domain::Customers,
        from: System::Qbt,
        to: System::Qbo,
        writer: Writer::Qbt,
    },
    Flow {
        domain: Domain::Work,
        from: System::Qbt,
        to: System::Qbo,
        writer: Writer::Qbt,
    },
];

/// Whether this module may plan a write of `domain` data into `system`.
///
/// True only for the copies ledgerlink itself makes in [`FLOWS`]: the
/// practice manager's customers and work into QuickBooks Time. Nothing is
/// ever written into an owner from a copy, time entries are never written
/// anywhere, and QuickBooks Online receives nothing from this module (QBT
/// creates the customer:job entries there; invoices are
/// [`billing`](crate::billing)'s business, §8).
///
/// The planner's operations are typed so that they can only be creates of
/// QBT jobcodes; this function is checked against them when the crate is
/// compiled.
///
/// ```
/// use ledgerlink::qbtime::{Domain, System, may_write};
/// assert!(may_write(System::Qbt, Domain::Work));
/// assert!(!may_write(System::Pm, Domain::Work));
/// assert!(!may_write(System::Qbt, Domain::Time));
/// assert!(!may_write(System::Qbo, Domain::Customers));
/// ```
#[must_use]
pub const fn may_write(system: System, domain: Domain) -> bool {
    let mut i = 0;
    while i < FLOWS.len() {
        let f = FLOWS[i];
        if f.to as u8 == system as u8
            && f.domain as u8 == domain as u8
            && matches!(f.writer, Writer::Ledgerlink)
            && f.from as u8 == owner(domain) as u8
        {
            return true;
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q1_data_moves_away_from_its_owner_and_never_into_it() {
        for f in FLOWS {
            assert_ne!(f.to, owner(f.domain), "{f:?}");
            if f.writer == Writer::Ledgerlink {
                assert_eq!(f.from, owner(f.domain), "{f:?}");
            }
            assert!(!matches!(f.domain, Domain::Time | Domain::Financials));
        }
    }

    #[test]
    fn q1_the_table_allows_only_pm_data_into_qbt() {
        let allowed: Vec<(System, Domain)> = System::ALL
            .into_iter()
            .flat_map(|s| Domain::ALL.into_iter().map(move |d| (s, d)))
            .filter(|&(s, d)| may_write(s, d))
            .collect();
        assert_eq!(
            allowed,
            [
                (System::Qbt, Domain::Customers),
                (System::Qbt, Domain::Work)
            ]
        );
    }
}
