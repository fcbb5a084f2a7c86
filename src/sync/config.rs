//! Per-connection settings: who wins a conflict, what is pushed, what a
//! manual sync does.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Error, Result};
use crate::matching::NearDuplicateConfig;
use crate::rules::xpm::ImportScope;
use crate::rules::{NameClassifier, Profile};

use super::fields::SyncField;

/// How a field changed on both sides since the last sync is settled (F4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ConflictPolicy {
    /// The ledger's value is kept; the local value is reported as lost.
    RemoteWins,
    /// The local value is kept; the ledger's value is reported as lost.
    LocalWins,
    /// The side whose record changed last (`extras.updated_at`) wins. When
    /// either time is missing or both are equal the conflict is held for
    /// review: a guess would lose data.
    NewestWins,
    /// Nothing is written; a review item lists both values until a person
    /// picks one ([`Decision::ResolveConflict`](super::Decision::ResolveConflict)).
    #[default]
    HoldForReview,
}

impl ConflictPolicy {
    /// `"remote_wins"`, `"local_wins"`, `"newest_wins"`, `"hold_for_review"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RemoteWins => "remote_wins",
            Self::LocalWins => "local_wins",
            Self::NewestWins => "newest_wins",
            Self::HoldForReview => "hold_for_review",
        }
    }
}

pub use crate::rules::ManualSyncDirection;

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Trigger {
    /// A scheduled or event-driven run: both ways.
    #[default]
    Scheduled,
    /// A person pressed "Sync now": follows
    /// [`ConnectionConfig::manual_sync`] (F7).
    Manual,
}

/// The settings of one ledger connection.
///
/// `ConnectionConfig::new(profile)` gives the products' defaults; the
/// `with_*` methods change one setting each.
///
/// ```
/// use ledgerlink::Profile;
/// use ledgerlink::sync::{ConflictPolicy, ConnectionConfig, SyncField};
///
/// let config = ConnectionConfig::new(Profile::Qbo)
///     .with_push_contact_type("Client – QuickBooks")
///     .with_conflict_policy(ConflictPolicy::RemoteWins)
///     .with_field_policy(SyncField::Email, ConflictPolicy::LocalWins);
/// assert_eq!(config.default_contact_type, "Client");
/// assert_eq!(config.policy_for(SyncField::Email), ConflictPolicy::LocalWins);
/// assert_eq!(config.policy_for(SyncField::Name), ConflictPolicy::RemoteWins);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ConnectionConfig {
    /// The ledger's matching, typing and field rules.
    pub profile: Profile,
    /// Contact type given to contacts imported from the ledger (P4).
    pub default_contact_type: String,
    /// Contact types pushed to the ledger (P2 XPM, P3 QBO; Xero GL never
    /// pushes on its own, P1).
    pub push_contact_types: BTreeSet<String>,
    /// How conflicts are settled (F4).
    pub conflict_policy: ConflictPolicy,
    /// Per-field exceptions to `conflict_policy`.
    pub field_policies: BTreeMap<SyncField, ConflictPolicy>,
    /// What a manual sync writes (F7).
    pub manual_sync: ManualSyncDirection,
    /// XPM: clients only, or clients and their contacts (T2).
    pub import_scope: ImportScope,
    /// The near-duplicate guard (M11); `None` (the default) is off.
    pub near_duplicates: Option<NearDuplicateConfig>,
    /// The longest display name the ledger accepts, counted as the ledger
    /// counts it: UTF-16 units for Xero (`Name`: 255), XPM (255) and QBO
    /// (`DisplayName`: 500), where an emoji counts twice (see
    /// [`LedgerRules::display_name`](crate::rules::LedgerRules::display_name)).
    pub max_display_name_len: usize,
    /// Xero GL (T3): the default classifier's verdicts stated below this
    /// confidence are flagged for a person before a contact is created
    /// ([`KindDecision::is_flagged`](crate::rules::KindDecision::is_flagged));
    /// 0 flags none, 101 flags all. Default
    /// [`NameClassifier::DEFAULT_REVIEW_BELOW`].
    #[cfg_attr(feature = "serde", serde(default = "default_review_below"))]
    pub classifier_review_below: u8,
}

#[cfg(feature = "serde")]
const fn default_review_below() -> u8 {
    NameClassifier::DEFAULT_REVIEW_BELOW
}

impl ConnectionConfig {
    /// The defaults of a profile: contact type "Client", nothing pushed,
    /// conflicts held for review, manual sync import-only for QBO and both
    /// ways otherwise, XPM clients only, no near-duplicate guard.
    #[must_use]
    pub fn new(profile: Profile) -> Self {
        Self {
            profile,
            default_contact_type: "Client".to_owned(),
            push_contact_types: BTreeSet::new(),
            conflict_policy: ConflictPolicy::default(),
            field_policies: BTreeMap::new(),
            manual_sync: profile.rules().manual_sync_default,
            import_scope: ImportScope::default(),
            near_duplicates: None,
            max_display_name_len: profile.rules().display_name.max,
            classifier_review_below: NameClassifier::DEFAULT_REVIEW_BELOW,
        }
    }

    /// Sets the default contact type of imported contacts (P4).
    #[must_use]
    pub fn with_default_contact_type(mut self, contact_type: impl Into<String>) -> Self {
        self.default_contact_type = contact_type.into();
        self
    }

    /// Adds a contact type to the push set (P2, P3).
    #[must_use]
    pub fn with_push_contact_type(mut self, contact_type: impl Into<String>) -> Self {
        self.push_contact_types.insert(contact_type.into());
        self
    }

    /// Sets the connection's conflict policy (F4).
    #[must_use]
    pub const fn with_conflict_policy(mut self, policy: ConflictPolicy) -> Self {
        self.conflict_policy = policy;
        self
    }

    /// Overrides the conflict policy of one field (F4).
    #[must_use]
    pub fn with_field_policy(mut self, field: SyncField, policy: ConflictPolicy) -> Self {
        self.field_policies.insert(field, policy);
        self
    }

    /// Sets what a manual sync writes (F7).
    #[must_use]
    pub const fn with_manual_sync(mut self, direction: ManualSyncDirection) -> Self {
        self.manual_sync = direction;
        self
    }

    /// Sets the XPM import scope (T2).
    #[must_use]
    pub const fn with_import_scope(mut self, scope: ImportScope) -> Self {
        self.import_scope = scope;
        self
    }

    /// Turns the near-duplicate guard on (M11).
    #[must_use]
    pub const fn with_near_duplicates(mut self, guard: NearDuplicateConfig) -> Self {
        self.near_duplicates = Some(guard);
        self
    }

    /// Sets the confidence below which the classifier's verdicts are
    /// flagged for a person (T3).
    #[must_use]
    pub const fn with_classifier_review_below(mut self, confidence: u8) -> Self {
        self.classifier_review_below = confidence;
        self
    }

    /// The policy that settles a conflict on `field`.
    #[must_use]
    pub fn policy_for(&self, field: SyncField) -> ConflictPolicy {
        self.field_policies
            .get(&field)
            .copied()
            .unwrap_or(self.conflict_policy)
    }

    /// Whether a local contact's type puts it in the push set.
    #[must_use]
    pub fn pushes_type(&self, contact_type: Option<&str>) -> bool {
        contact_type.is_some_and(|t| self.push_contact_types.contains(t))
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a profile that keeps no contacts
    /// (QuickBooks Time), an empty default contact type, a display-name
    /// limit under 10 (no room for a de-collision suffix, U2) or past the
    /// ledger's own, a bad near-duplicate threshold, or a classifier review
    /// threshold past 101.
    pub fn validate(&self) -> Result<()> {
        if !self.profile.keeps_contacts() {
            return Err(Error::InvalidConfig {
                field: "profile",
                reason: format!(
                    "{} keeps no contacts to sync: plan its jobcodes with qbtime::plan",
                    self.profile.product_name()
                ),
            });
        }
        if self.default_contact_type.trim().is_empty() {
            return Err(Error::InvalidConfig {
                field: "default_contact_type",
                reason: "must not be blank (P4)".into(),
            });
        }
        if self.max_display_name_len < 10 {
            return Err(Error::InvalidConfig {
                field: "max_display_name_len",
                reason: format!("{} leaves no room for a name", self.max_display_name_len),
            });
        }
        let limit = self.profile.rules().display_name;
        if self.max_display_name_len > limit.max {
            return Err(Error::InvalidConfig {
                field: "max_display_name_len",
                reason: format!(
                    "{} is past {}'s limit on `{}` ({} {})",
                    self.max_display_name_len,
                    self.profile.product_name(),
                    limit.field,
                    limit.max,
                    limit.counting.unit()
                ),
            });
        }
        if self.classifier_review_below > 101 {
            return Err(Error::InvalidConfig {
                field: "classifier_review_below",
                reason: format!(
                    "{} is past 101 (confidences run 0-100; 101 flags every verdict)",
                    self.classifier_review_below
                ),
            });
        }
        if let Some(g) = &self.near_duplicates {
            g.validate()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t3_the_classifier_review_threshold_is_a_setting() {
        let c = ConnectionConfig::new(Profile::XeroGl);
        assert_eq!(
            c.classifier_review_below,
            NameClassifier::DEFAULT_REVIEW_BELOW
        );
        let c = c.with_classifier_review_below(101);
        assert_eq!(c.validate(), Ok(()));
        let c = c.with_classifier_review_below(102);
        assert!(matches!(
            c.validate(),
            Err(Error::InvalidConfig {
                field: "classifier_review_below",
                ..
            })
        ));
    }

    #[test]
    fn f1_a_contact_connection_to_quickbooks_time_is_refused() {
        let err = ConnectionConfig::new(Profile::QbTime).validate();
        assert!(
            matches!(
                err,
                Err(Error::InvalidConfig {
                    field: "profile",
                    ..
                })
            ),
            "{err:?}"
        );
        for p in Profile::ALL {
            assert_eq!(ConnectionConfig::new(p).validate(), Ok(()));
            let mut c = ConnectionConfig::new(p);
            c.max_display_name_len += 1;
            assert!(c.validate().is_err(), "{p}: a limit past the ledger's");
        }
    }
}
