//! QuickBooks Time as data: which system owns which kind of data (Q1),
//! which copies are made and by whom, and the limits QuickBooks Time puts
//! on what the integration writes.
//!
//! The [`qbtime`](crate::qbtime) planner reads this table to decide what it
//! may plan and how to name it; the QuickBooks Time encoder
//! ([`wire::qbtime`](crate::wire)) and the in-memory store of the `testing`
//! feature check requests against the same limits, counted with the same
//! function, so that nothing the planner plans is refused further down.
//!
//! | rule | value | counted in |
//! |---|---|---|
//! | jobcode `name` length ([`JOBCODE_NAME`]) | at most 64 | characters (Unicode scalar values) |
//! | jobcode `name` content ([`is_reserved_in_jobcode_name`]) | no `:`, no control character | — |
//! | jobcode `name` uniqueness | unique among siblings, after normalisation (N1) | — |
//! | listing page ([`MAX_PAGE_SIZE`]) | at most 200 records | records |
//! | who writes what ([`FLOWS`], [`may_write`]) | the practice manager's customers and work, into QBT only | — |

use std::fmt;

use super::Profile;
use super::limits::FieldLimit;

// ------------------------------------------------------------ ownership (Q1)

/// A system taking part in the QuickBooks Time integration: the firm's
/// practice manager, or a ledger — named by [`Profile`], the crate's one
/// "which ledger" enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum System {
    /// The firm's practice-management system: its clients and its work.
    Practice,
    /// A ledger: QuickBooks Time (jobcodes and timesheets) or QuickBooks
    /// Online (customers, sub-customers or jobs, invoices).
    Ledger(Profile),
}

impl System {
    /// The practice manager.
    pub const PM: Self = Self::Practice;
    /// QuickBooks Time (formerly TSheets).
    pub const QBT: Self = Self::Ledger(Profile::QbTime);
    /// QuickBooks Online.
    pub const QBO: Self = Self::Ledger(Profile::Qbo);

    /// The systems of the integration, in the order reports list them.
    pub const ALL: [Self; 3] = [Self::PM, Self::QBT, Self::QBO];

    /// `"PM"`, `"QBT"`, `"QBO"` (another ledger: its short name).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Practice => "PM",
            Self::Ledger(Profile::QbTime) => "QBT",
            Self::Ledger(Profile::Qbo) => "QBO",
            Self::Ledger(p) => p.as_str(),
        }
    }

    /// Its place in reports: PM, QBT, QBO, then any other ledger.
    const fn rank(self) -> u8 {
        match self {
            Self::Practice => 0,
            Self::Ledger(Profile::QbTime) => 1,
            Self::Ledger(Profile::Qbo) => 2,
            Self::Ledger(Profile::XeroGl) => 3,
            Self::Ledger(Profile::Xpm) => 4,
        }
    }
}

impl PartialOrd for System {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for System {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
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
/// use ledgerlink::rules::qbtime::{Domain, System, owner};
/// assert_eq!(owner(Domain::Work), System::PM);
/// assert_eq!(owner(Domain::Time), System::QBT);
/// assert_eq!(owner(Domain::Financials), System::QBO);
/// ```
#[must_use]
pub const fn owner(domain: Domain) -> System {
    match domain {
        Domain::Customers | Domain::Work => System::PM,
        Domain::Time => System::QBT,
        Domain::Financials => System::QBO,
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
        from: System::PM,
        to: System::QBT,
        writer: Writer::Ledgerlink,
    },
    Flow {
        domain: Domain::Work,
        from: System::PM,
        to: System::QBT,
        writer: Writer::Ledgerlink,
    },
    Flow {
        domain: Domain::Customers,
        from: System::QBT,
        to: System::QBO,
        writer: Writer::Qbt,
    },
    Flow {
        domain: Domain::Work,
        from: System::QBT,
        to: System::QBO,
        writer: Writer::Qbt,
    },
];

/// Whether the QuickBooks Time planner may plan a write of `domain` data
/// into `system`.
///
/// True only for the copies ledgerlink itself makes in [`FLOWS`]: the
/// practice manager's customers and work into QuickBooks Time. Nothing is
/// ever written into an owner from a copy, time entries are never written
/// anywhere, and QuickBooks Online receives nothing from the planner (QBT
/// creates the customer:job entries there; invoices are
/// [`billing`](crate::billing)'s business, §8).
///
/// The planner's operations are typed so that they can only be creates of
/// QBT jobcodes; this function is checked against them when the crate is
/// compiled.
///
/// ```
/// use ledgerlink::rules::qbtime::{Domain, System, may_write};
/// assert!(may_write(System::QBT, Domain::Work));
/// assert!(!may_write(System::PM, Domain::Work));
/// assert!(!may_write(System::QBT, Domain::Time));
/// assert!(!may_write(System::QBO, Domain::Customers));
/// ```
#[must_use]
pub const fn may_write(system: System, domain: Domain) -> bool {
    let mut i = 0;
    while i < FLOWS.len() {
        let f = FLOWS[i];
        if f.to.rank() == system.rank()
            && f.domain as u8 == domain as u8
            && matches!(f.writer, Writer::Ledgerlink)
            && f.from.rank() == owner(domain).rank()
        {
            return true;
        }
        i += 1;
    }
    false
}

// ------------------------------------------------------------------ limits

/// A QuickBooks Time jobcode `name`: at most 64, counted in characters
/// (Unicode scalar values, not bytes and not UTF-16 units). QBT refuses a
/// longer name with status 417.
///
/// The planner cuts names to it, the encoder refuses longer ones before
/// sending, and the in-memory store refuses them as QBT does — all three
/// with [`FieldLimit::len`], so an emoji counts one everywhere. The same
/// value as [`limits::qbtime::JOBCODE_NAME`](super::limits::qbtime::JOBCODE_NAME).
pub const JOBCODE_NAME: FieldLimit = super::limits::qbtime::JOBCODE_NAME;

/// Whether `c` may not appear in the name of a jobcode that QBT shares
/// with QuickBooks Online: `:` (QBO's customer:job separator) and control
/// characters (tabs, line breaks and the like), which QBO refuses in the
/// customer or job QBT creates there.
///
/// The planner turns them into spaces (reporting it); the encoder refuses
/// a name that still holds one.
#[must_use]
pub fn is_reserved_in_jobcode_name(c: char) -> bool {
    c == ':' || c.is_control()
}

/// The most records a QBT listing page holds (`limit`).
pub const MAX_PAGE_SIZE: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::limits::Counting;

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
                (System::QBT, Domain::Customers),
                (System::QBT, Domain::Work)
            ]
        );
    }

    #[test]
    fn q3_lengths_are_counted_in_the_limits_unit() {
        let s = "a\u{e9}\u{1F600}";
        assert_eq!(Counting::Chars.len(s), 3);
        assert_eq!(Counting::Utf16Units.len(s), 4);
        assert_eq!(Counting::Chars.prefix(s, 2), "a\u{e9}");
        assert_eq!(Counting::Utf16Units.prefix(s, 3), "a\u{e9}");
        assert_eq!(Counting::Utf16Units.prefix(s, 4), s);
        let at_limit = "\u{1F600}".repeat(JOBCODE_NAME.max);
        assert!(JOBCODE_NAME.fits(&at_limit));
        assert!(!JOBCODE_NAME.fits(&format!("{at_limit}a")));
        assert_eq!(JOBCODE_NAME.cut(&format!("{at_limit}a")), at_limit);
    }
}
