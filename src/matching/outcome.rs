//! What the matcher decided for a remote record, and why (M1–M12).

use std::fmt::Write as _;

use crate::model::ContactId;
use crate::rules::qbo::UnmatchableReason;
use crate::rules::{KindDecision, Profile};

/// Which of the remote record's fields matched a local contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum MatchedOn {
    /// Name and email.
    NameAndEmail,
    /// Name only.
    Name,
    /// Email only.
    Email,
}

impl MatchedOn {
    /// `name+email`, `name` or `email`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NameAndEmail => "name+email",
            Self::Name => "name",
            Self::Email => "email",
        }
    }

    pub(crate) const fn from_flags(name: bool, email: bool) -> Option<Self> {
        match (name, email) {
            (true, true) => Some(Self::NameAndEmail),
            (true, false) => Some(Self::Name),
            (false, true) => Some(Self::Email),
            (false, false) => None,
        }
    }
}

/// A local contact that matched part of a remote record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Candidate {
    /// The local contact.
    pub local_id: ContactId,
    /// What matched.
    pub matched_on: MatchedOn,
}

/// A local contact whose name is close to a remote record's (M11).
///
/// The similarity is kept as an integer (per mille) so that an outcome
/// stored in a [`SyncState`](crate::sync::SyncState) reads back exactly
/// equal to itself: a JSON float does not always survive a round trip.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SimilarContact {
    /// The local contact.
    pub local_id: ContactId,
    /// Similarity of the names, in thousandths (1000: the same words once
    /// accents, punctuation, case and legal forms are set aside; less for
    /// typing errors, initials and reordered words, as the near-duplicate
    /// guard scores them).
    pub similarity_per_mille: u16,
}

/// Why a remote record with full matches was not linked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "cause"))]
#[non_exhaustive]
pub enum AmbiguityCause {
    /// M8: several local contacts meet the full-match test.
    SeveralLocalContacts,
    /// M9: other remote records of this batch fully match the same local
    /// contact.
    Contested {
        /// The other remote records, sorted (at most
        /// [`MAX_LISTED_CANDIDATES`](crate::matching::MAX_LISTED_CANDIDATES)).
        other_remote_ids: Vec<ContactId>,
        /// How many other remote records contest it beyond those listed.
        #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "is_zero"))]
        unlisted: usize,
    },
    /// M9/M10: the local contact is already linked to another remote record.
    LocalAlreadyLinked {
        /// The remote record it is linked to.
        remote_id: ContactId,
    },
}

/// The class of an outcome, as a plain tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum MatchClass {
    /// [`MatchOutcome::Full`].
    Full,
    /// [`MatchOutcome::Partial`].
    Partial,
    /// [`MatchOutcome::Ambiguous`].
    Ambiguous,
    /// [`MatchOutcome::NoMatch`].
    None,
    /// [`MatchOutcome::Unmatchable`].
    Unmatchable,
    /// [`MatchOutcome::PossibleDuplicate`].
    PossibleDuplicate,
    /// [`MatchOutcome::AlreadyLinked`].
    AlreadyLinked,
    /// [`MatchOutcome::Unsynced`].
    Unsynced,
}

impl MatchClass {
    /// Every class, in report order.
    pub const ALL: [Self; 8] = [
        Self::Full,
        Self::Partial,
        Self::Ambiguous,
        Self::None,
        Self::Unmatchable,
        Self::PossibleDuplicate,
        Self::AlreadyLinked,
        Self::Unsynced,
    ];

    /// `full`, `partial`, `ambiguous`, `none`, `unmatchable`,
    /// `possible_duplicate`, `already_linked`, `unsynced`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Partial => "partial",
            Self::Ambiguous => "ambiguous",
            Self::None => "none",
            Self::Unmatchable => "unmatchable",
            Self::PossibleDuplicate => "possible_duplicate",
            Self::AlreadyLinked => "already_linked",
            Self::Unsynced => "unsynced",
        }
    }
}

/// What the first sync would do with a remote record.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "class"))]
#[non_exhaustive]
pub enum MatchOutcome {
    /// M1: name and email equal those of exactly one local contact: linked
    /// automatically.
    Full {
        /// The local contact to link.
        local_id: ContactId,
    },
    /// M2: only the name or only the email matched: a match issue listing
    /// the candidates (sorted by id, capped; `unlisted` counts the rest).
    Partial {
        /// Local contacts matching the name or the email (sorted by id; at
        /// most [`MAX_LISTED_CANDIDATES`](crate::matching::MAX_LISTED_CANDIDATES)
        /// name matches and as many email matches, those with the smallest
        /// ids).
        candidates: Vec<Candidate>,
        /// How many more local contacts match than are listed.
        #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "is_zero"))]
        unlisted: usize,
    },
    /// M8 / M9: full matches exist but linking would be a guess: a match
    /// issue.
    Ambiguous {
        /// The full-match candidates (sorted by id; at most
        /// [`MAX_LISTED_CANDIDATES`](crate::matching::MAX_LISTED_CANDIDATES),
        /// those with the smallest ids).
        candidates: Vec<Candidate>,
        /// Why nothing was linked.
        cause: AmbiguityCause,
        /// How many more local contacts fully match than are listed.
        #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "is_zero"))]
        unlisted: usize,
    },
    /// M3: nothing matched: a new local contact is created.
    NoMatch,
    /// M5: the record cannot be matched; it is reported with a fix and
    /// never created.
    Unmatchable {
        /// What is wrong.
        reason: UnmatchableReason,
    },
    /// M11: nothing matched exactly, but local names are very close; held
    /// for review instead of creating a likely duplicate.
    PossibleDuplicate {
        /// The close local contacts, most similar first.
        similar: Vec<SimilarContact>,
    },
    /// M10: the record is already linked; it is not matched again.
    AlreadyLinked {
        /// The linked local contact.
        local_id: ContactId,
    },
    /// M10 / L3: the record was unsynced; it is not matched again until a
    /// person re-matches it.
    Unsynced {
        /// The local contact it was once linked to.
        local_id: ContactId,
    },
}

impl MatchOutcome {
    /// The outcome's class.
    #[must_use]
    pub const fn class(&self) -> MatchClass {
        match self {
            Self::Full { .. } => MatchClass::Full,
            Self::Partial { .. } => MatchClass::Partial,
            Self::Ambiguous { .. } => MatchClass::Ambiguous,
            Self::NoMatch => MatchClass::None,
            Self::Unmatchable { .. } => MatchClass::Unmatchable,
            Self::PossibleDuplicate { .. } => MatchClass::PossibleDuplicate,
            Self::AlreadyLinked { .. } => MatchClass::AlreadyLinked,
            Self::Unsynced { .. } => MatchClass::Unsynced,
        }
    }

    /// The spec rule that decided the outcome.
    #[must_use]
    pub const fn rule(&self) -> &'static str {
        match self {
            Self::Full { .. } => "M1",
            Self::Partial { .. } => "M2",
            Self::Ambiguous {
                cause: AmbiguityCause::SeveralLocalContacts,
                ..
            } => "M8",
            Self::Ambiguous { .. } => "M9",
            Self::NoMatch => "M3",
            // A record without any name cannot be created either (M3).
            Self::Unmatchable {
                reason: UnmatchableReason::NoName,
            } => "M3",
            Self::Unmatchable { .. } => "M5",
            Self::PossibleDuplicate { .. } => "M11",
            Self::AlreadyLinked { .. } | Self::Unsynced { .. } => "M10",
        }
    }

    /// Which of the remote record's fields found a match anywhere: name,
    /// email, both, or neither (`None`).
    #[must_use]
    pub fn matched_on(&self) -> Option<MatchedOn> {
        match self {
            Self::Full { .. } | Self::Ambiguous { .. } => Some(MatchedOn::NameAndEmail),
            Self::Partial { candidates, .. } => {
                let name = candidates.iter().any(|c| c.matched_on != MatchedOn::Email);
                let email = candidates.iter().any(|c| c.matched_on != MatchedOn::Name);
                MatchedOn::from_flags(name, email)
            }
            _ => None,
        }
    }

    /// The local contacts the outcome names, sorted: the linked contact for
    /// full / already linked / unsynced, the listed candidates for partial
    /// and ambiguous, the similar contacts for a possible duplicate.
    #[must_use]
    pub fn local_ids(&self) -> Vec<&ContactId> {
        let mut v: Vec<&ContactId> = match self {
            Self::Full { local_id }
            | Self::AlreadyLinked { local_id }
            | Self::Unsynced { local_id } => vec![local_id],
            Self::Partial { candidates, .. } | Self::Ambiguous { candidates, .. } => {
                candidates.iter().map(|c| &c.local_id).collect()
            }
            Self::PossibleDuplicate { similar } => similar.iter().map(|s| &s.local_id).collect(),
            Self::NoMatch | Self::Unmatchable { .. } => Vec::new(),
        };
        v.sort();
        v
    }

    /// Whether a person has to decide (a match issue, M2).
    #[must_use]
    pub const fn needs_review(&self) -> bool {
        matches!(
            self,
            Self::Partial { .. }
                | Self::Ambiguous { .. }
                | Self::Unmatchable { .. }
                | Self::PossibleDuplicate { .. }
        )
    }
}

/// The decision for one remote record, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MatchResult {
    /// The remote record.
    pub remote_id: ContactId,
    /// The profile whose rules applied.
    pub profile: Profile,
    /// What happens to it.
    pub outcome: MatchOutcome,
    /// Person or organisation, and why: the kind the record states or its
    /// profile's rule gives (T1, T4); failing those, the kind of the local
    /// contact it links to; failing that, the classifier's (T3). `None` for
    /// QBO records that cannot be matched, and for linked or unsynced
    /// records whose local contact has no kind.
    pub kind: Option<KindDecision>,
}

#[cfg(feature = "serde")]
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
const fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn join_ids<'a>(ids: impl IntoIterator<Item = &'a ContactId>) -> String {
    let mut s = String::new();
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(id.as_str());
    }
    s
}

impl MatchResult {
    /// One paragraph for people: the rule, the fields, the consequence.
    #[must_use]
    pub fn explain(&self) -> String {
        let fields = match self.profile {
            Profile::XeroGl => "Name + primary email vs contact name + billing email (M4)",
            Profile::Xpm => "client Name + Email (M7)",
            Profile::Qbo | Profile::QbTime => {
                "company name, or first + last name, and email (M5, M6)"
            }
        };
        let mut s = String::new();
        // Writing to a String cannot fail.
        let _ = match &self.outcome {
            MatchOutcome::Full { local_id } => write!(
                s,
                "M1 full match with local {local_id} on {fields}: linked automatically"
            ),
            MatchOutcome::Partial {
                candidates,
                unlisted,
            } => {
                let _ = write!(s, "M2 partial match, needs review:");
                for c in candidates {
                    let _ = write!(s, " {} matches {};", c.matched_on.as_str(), c.local_id);
                }
                s.pop();
                if *unlisted > 0 {
                    let _ = write!(s, "; and {unlisted} more local contacts");
                }
                Ok(())
            }
            MatchOutcome::Ambiguous {
                candidates,
                cause,
                unlisted,
            } => {
                let mut ids = join_ids(candidates.iter().map(|c| &c.local_id));
                if *unlisted > 0 {
                    let _ = write!(ids, " and {unlisted} more");
                }
                match cause {
                    AmbiguityCause::SeveralLocalContacts => write!(
                        s,
                        "M8 several local contacts match name and email ({ids}): nothing linked, needs review"
                    ),
                    AmbiguityCause::Contested {
                        other_remote_ids,
                        unlisted,
                    } => {
                        let mut others = join_ids(other_remote_ids);
                        if *unlisted > 0 {
                            let _ = write!(others, " and {unlisted} more");
                        }
                        write!(
                            s,
                            "M9 local {ids} is also the full match of remote {others}: nothing linked, needs review"
                        )
                    }
                    AmbiguityCause::LocalAlreadyLinked { remote_id } => write!(
                        s,
                        "M9 local {ids} is already linked to remote {remote_id}: needs review"
                    ),
                }
            }
            MatchOutcome::NoMatch => write!(
                s,
                "M3 no local contact shares the name or the email: a new {} is created",
                self.kind.as_ref().map_or("contact", |k| k.kind.as_str())
            ),
            MatchOutcome::Unmatchable { reason } => write!(
                s,
                "{} cannot be matched or created: {}. Fix: {}",
                self.outcome.rule(),
                reason.describe(),
                reason.fix()
            ),
            MatchOutcome::PossibleDuplicate { similar } => {
                let _ = write!(s, "M11 no exact match, but close to");
                for c in similar {
                    let _ = write!(
                        s,
                        " {} ({:.0}%)",
                        c.local_id,
                        f64::from(c.similarity_per_mille) / 10.0
                    );
                }
                write!(s, ": held for review instead of creating a duplicate")
            }
            MatchOutcome::AlreadyLinked { local_id } => {
                write!(
                    s,
                    "M10 already linked to local {local_id}: not matched again"
                )
            }
            MatchOutcome::Unsynced { local_id } => write!(
                s,
                "M10 unsynced from local {local_id}: not matched again until re-matched"
            ),
        };
        if let Some(k) = &self.kind {
            let _ = write!(s, "; {}", k.explain());
        }
        s
    }
}

/// Counts per class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MatchSummary {
    /// Full matches (linked automatically).
    pub full: usize,
    /// Partial matches (match issues).
    pub partial: usize,
    /// Ambiguous full matches (match issues).
    pub ambiguous: usize,
    /// No match (new local contacts).
    pub none: usize,
    /// Unmatchable (reported with a fix).
    pub unmatchable: usize,
    /// Possible duplicates (held for review).
    pub possible_duplicate: usize,
    /// Already linked.
    pub already_linked: usize,
    /// Unsynced.
    pub unsynced: usize,
}

impl MatchSummary {
    /// Counts the classes of `results`.
    #[must_use]
    pub fn of(results: &[MatchResult]) -> Self {
        let mut s = Self::default();
        for r in results {
            *s.slot(r.outcome.class()) += 1;
        }
        s
    }

    fn slot(&mut self, c: MatchClass) -> &mut usize {
        match c {
            MatchClass::Full => &mut self.full,
            MatchClass::Partial => &mut self.partial,
            MatchClass::Ambiguous => &mut self.ambiguous,
            MatchClass::None => &mut self.none,
            MatchClass::Unmatchable => &mut self.unmatchable,
            MatchClass::PossibleDuplicate => &mut self.possible_duplicate,
            MatchClass::AlreadyLinked => &mut self.already_linked,
            MatchClass::Unsynced => &mut self.unsynced,
        }
    }

    /// The count of one class.
    #[must_use]
    pub const fn get(&self, c: MatchClass) -> usize {
        match c {
            MatchClass::Full => self.full,
            MatchClass::Partial => self.partial,
            MatchClass::Ambiguous => self.ambiguous,
            MatchClass::None => self.none,
            MatchClass::Unmatchable => self.unmatchable,
            MatchClass::PossibleDuplicate => self.possible_duplicate,
            MatchClass::AlreadyLinked => self.already_linked,
            MatchClass::Unsynced => self.unsynced,
        }
    }

    /// All records counted.
    #[must_use]
    pub fn total(&self) -> usize {
        MatchClass::ALL.iter().map(|c| self.get(*c)).sum()
    }
}
