//! A raw decision turned into a [`MatchResult`]: local ids attached,
//! contests (M9) settled, and the person / organisation decision (T1–T4).

use crate::matching::MatchRecord;
use crate::matching::keys;
use crate::matching::outcome::{
    AmbiguityCause, Candidate, MatchOutcome, MatchResult, MatchedOn, SimilarContact,
};
use crate::model::ContactId;
use crate::rules::{KindDecision, KindRule, Profile};

use super::batch::Contested;
use super::decide::{Decided, Raw};
use super::{MAX_LISTED_CANDIDATES, MatchIndex};

impl MatchIndex {
    /// Person or organisation for the result: the record's own kind or
    /// its profile's rule, else the linked local contact's kind, else the
    /// classifier (T1–T4).
    fn kind_for<R: MatchRecord + ?Sized>(&self, r: &R, raw: &Raw) -> Option<KindDecision> {
        match raw {
            Raw::AlreadyLinked(l) | Raw::Unsynced(l) => return self.linked_kind(l),
            Raw::Unmatchable(_) if self.profile == Profile::Qbo => return None,
            _ => {}
        }
        if let Some(k) = keys::remote_kind(self.profile, r) {
            return Some(k);
        }
        if let Raw::Full(j, _) | Raw::LinkedElsewhere(j, _) = raw
            && let Some(kind) = self.meta_at(*j).kind
        {
            return Some(KindDecision {
                kind,
                rule: KindRule::LinkedContact,
            });
        }
        let c = self.classifier.classify(&keys::classifier_input(r));
        Some(KindDecision {
            kind: c.kind,
            rule: KindRule::Classifier(c),
        })
    }

    fn linked_kind(&self, local: &ContactId) -> Option<KindDecision> {
        let j = self.position(local.as_str())?;
        self.meta_at(j).kind.map(|kind| KindDecision {
            kind,
            rule: KindRule::LinkedContact,
        })
    }

    fn cand(&self, j: u32, matched_on: MatchedOn) -> Candidate {
        Candidate {
            local_id: ContactId::new(self.id_at(j)),
            matched_on,
        }
    }

    pub(super) fn finish<R: MatchRecord + ?Sized>(
        &self,
        remote: &R,
        d: &Decided,
        contested: &Contested,
    ) -> MatchResult {
        let remote_id = remote.contact_id();
        // Partial and several candidates were sorted by id when decided.
        let outcome = match &d.raw {
            &Raw::Full(j, _) => match contested.get(j) {
                Some(all) => {
                    // `all` is sorted: the count needs no walk of it.
                    let other_remote_ids: Vec<ContactId> = all
                        .iter()
                        .filter(|r| **r != remote_id)
                        .take(MAX_LISTED_CANDIDATES)
                        .cloned()
                        .collect();
                    let others = all.len() - usize::from(all.binary_search(&remote_id).is_ok());
                    let unlisted = others - other_remote_ids.len();
                    MatchOutcome::Ambiguous {
                        candidates: vec![self.cand(j, MatchedOn::NameAndEmail)],
                        cause: AmbiguityCause::Contested {
                            other_remote_ids,
                            unlisted,
                        },
                        unlisted: 0,
                    }
                }
                None => MatchOutcome::Full {
                    local_id: ContactId::new(self.id_at(j)),
                },
            },
            Raw::Partial(c, more) => MatchOutcome::Partial {
                candidates: c.iter().map(|&(j, m)| self.cand(j, m)).collect(),
                unlisted: *more as usize,
            },
            Raw::Several(c, more) => MatchOutcome::Ambiguous {
                candidates: c
                    .iter()
                    .map(|&j| self.cand(j, MatchedOn::NameAndEmail))
                    .collect(),
                cause: AmbiguityCause::SeveralLocalContacts,
                unlisted: *more as usize,
            },
            Raw::LinkedElsewhere(j, other) => MatchOutcome::Ambiguous {
                candidates: vec![self.cand(*j, MatchedOn::NameAndEmail)],
                cause: AmbiguityCause::LocalAlreadyLinked {
                    remote_id: other.clone(),
                },
                unlisted: 0,
            },
            Raw::NoMatch => MatchOutcome::NoMatch,
            Raw::Similar(v) => MatchOutcome::PossibleDuplicate {
                similar: v
                    .iter()
                    .map(|&(j, similarity)| SimilarContact {
                        local_id: ContactId::new(self.id_at(j)),
                        similarity_per_mille: similarity,
                    })
                    .collect(),
            },
            &Raw::Unmatchable(reason) => MatchOutcome::Unmatchable { reason },
            Raw::AlreadyLinked(local_id) => MatchOutcome::AlreadyLinked {
                local_id: local_id.clone(),
            },
            Raw::Unsynced(local_id) => MatchOutcome::Unsynced {
                local_id: local_id.clone(),
            },
        };
        MatchResult {
            remote_id,
            profile: self.profile,
            outcome,
            kind: self.kind_for(remote, &d.raw),
        }
    }
}
