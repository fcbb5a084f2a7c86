//! Provider profiles and their type rules (T1–T4), as data: no HTTP.
//!
//! - [`xero`]: Xero general ledger. New contacts are classified by a
//!   replaceable [`Classifier`] (T3).
//! - [`xpm`]: Xero Practice Manager. The client's business structure decides
//!   person vs organisation (T1); contacts of clients are imported depending
//!   on the connection (T2).
//! - [`qbo`]: QuickBooks Online. Display name, company name and first/last
//!   name decide the kind and whether the record can be matched (T4, M5, M6).
//! - [`limits`]: every ledger's field limits with the unit it counts them
//!   in (UTF-16 units or characters), read by planners, encoders and the
//!   in-memory ledgers alike.
//! - [`pacing`]: every ledger's rate limits (calls per window, calls at
//!   once, a daily budget), read by [`ops::Pacer`](crate::ops::Pacer).
//! - [`qbtime`]: QuickBooks Time. Who owns which data and who may write it
//!   (Q1), and the jobcode limits with the unit they are counted in.

mod classify;
mod ledger;
pub mod limits;
pub mod pacing;
pub mod qbo;
pub mod qbtime;
pub mod xero;
pub mod xpm;

pub use classify::NameClassifier;
pub use ledger::{
    ErrorMeaning, FirstLink, LedgerRules, ManualSyncDirection, NameUniqueness, Push,
    PushedAddresses, QB_TIME, QBO, SyncField, Versions, XERO_GL, XPM,
};
pub use xero::{Classification, Classifier, ClassifierInput, Evidence, HeuristicClassifier};

use crate::model::ContactKind;

/// The ledger a connection talks to, which decides how records are matched
/// and typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Profile {
    /// Xero general ledger (M4, T3).
    XeroGl,
    /// Xero Practice Manager (M7, T1, T2).
    Xpm,
    /// QuickBooks Online, including the Accountant edition (M5, M6, T4).
    Qbo,
    /// QuickBooks Time (formerly TSheets): jobcodes and timesheets beside
    /// QBO (Q1–Q4). It keeps no contacts: a contact connection under this
    /// profile is refused (its plans are
    /// [`qbtime::plan`](crate::qbtime::plan)'s); names are compared as
    /// QBO's, whose customers and jobs QBT shares (Q3).
    #[cfg_attr(feature = "serde", serde(rename = "qbtime"))]
    QbTime,
}

impl Profile {
    /// Every profile a contact connection can use, in a fixed order
    /// (QuickBooks Time keeps no contacts).
    pub const ALL: [Self; 3] = [Self::XeroGl, Self::Xpm, Self::Qbo];

    /// Every system, QuickBooks Time included.
    pub const EVERY: [Self; 4] = [Self::XeroGl, Self::Xpm, Self::Qbo, Self::QbTime];

    /// Whether contacts can be synced with this system (all but QuickBooks
    /// Time, whose customers and jobs are jobcodes planned by
    /// [`qbtime::plan`](crate::qbtime::plan)).
    #[must_use]
    pub const fn keeps_contacts(self) -> bool {
        !matches!(self, Self::QbTime)
    }

    /// The short name used on command lines: `xero`, `xpm`, `qbo`, `qbtime`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::XeroGl => "xero",
            Self::Xpm => "xpm",
            Self::Qbo => "qbo",
            Self::QbTime => "qbtime",
        }
    }

    /// The product's name, for people.
    #[must_use]
    pub const fn product_name(self) -> &'static str {
        match self {
            Self::XeroGl => "Xero",
            Self::Xpm => "Xero Practice Manager",
            Self::Qbo => "QuickBooks Online",
            Self::QbTime => "QuickBooks Time",
        }
    }

    /// The spec rule describing this profile's matching fields.
    #[must_use]
    pub const fn matching_rule(self) -> &'static str {
        match self {
            Self::XeroGl => "M4",
            Self::Xpm => "M7",
            Self::Qbo => "M5/M6",
            Self::QbTime => "Q3",
        }
    }

    /// Whether the ledger says which record an archived one was merged
    /// into (Xero's `MergedToContactID`, U3). XPM has no merges, and QBO's
    /// API does not report them: a `merged_into` on their records is
    /// ignored.
    #[must_use]
    pub const fn reports_merges(self) -> bool {
        self.rules().reports_merges
    }
}

impl std::str::FromStr for Profile {
    type Err = crate::error::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "xero" | "xero_gl" | "xero-gl" | "xerogl" => Ok(Self::XeroGl),
            "xpm" | "xero_practice_manager" => Ok(Self::Xpm),
            "qbo" | "quickbooks" | "quickbooks_online" => Ok(Self::Qbo),
            "qbtime" | "qbt" | "quickbooks_time" => Ok(Self::QbTime),
            _ => Err(crate::error::Error::InvalidConfig {
                field: "profile",
                reason: format!("unknown profile `{s}`: expected xero, xpm, qbo or qbtime"),
            }),
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the kind (person / organisation) of a record was decided.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "rule"))]
#[non_exhaustive]
pub enum KindRule {
    /// The record states its kind itself.
    Given,
    /// T1: from the XPM business structure. `known` is false for a structure
    /// outside the usual list (it is then an organisation, flagged), and
    /// `missing` is true when the client has no structure at all.
    XpmBusinessStructure {
        /// Whether the structure is one the engine recognises.
        known: bool,
        /// Whether the client had no structure.
        missing: bool,
    },
    /// T3: the classifier's verdict.
    Classifier(Classification),
    /// The kind of the local contact the record links to.
    LinkedContact,
    /// T4: QBO display name equals company name → organisation.
    QboDisplayNameIsCompanyName,
    /// T4: QBO first and last name present, display ≠ company → person.
    QboFirstAndLastName,
}

/// A kind and the rule that produced it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct KindDecision {
    /// Person or organisation.
    pub kind: ContactKind,
    /// Why.
    pub rule: KindRule,
}

impl KindDecision {
    /// True when the decision needs a person to look at it: an unknown or
    /// missing XPM business structure, or a low-confidence classification.
    #[must_use]
    pub fn is_flagged(&self) -> bool {
        match &self.rule {
            KindRule::XpmBusinessStructure { known, missing } => !known || *missing,
            KindRule::Classifier(c) => c.needs_review,
            _ => false,
        }
    }

    /// One line for people.
    #[must_use]
    pub fn explain(&self) -> String {
        let kind = self.kind.as_str();
        match &self.rule {
            KindRule::Given => format!("{kind}: as recorded"),
            KindRule::LinkedContact => format!("{kind}: as the linked local contact"),
            KindRule::XpmBusinessStructure { missing: true, .. } => {
                format!("{kind}: no business structure set (T1 default, flagged)")
            }
            KindRule::XpmBusinessStructure { known: false, .. } => {
                format!("{kind}: unrecognised business structure (T1 default, flagged)")
            }
            KindRule::XpmBusinessStructure { .. } => format!("{kind}: business structure (T1)"),
            KindRule::Classifier(c) => format!(
                "{kind}: classifier, {}% ({})",
                c.confidence,
                c.evidence
                    .iter()
                    .map(Evidence::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            KindRule::QboDisplayNameIsCompanyName => {
                format!("{kind}: display name equals company name (T4)")
            }
            KindRule::QboFirstAndLastName => format!("{kind}: first and last name (T4)"),
        }
    }
}
