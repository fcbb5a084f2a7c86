//! Borrowed reading of a decided batch: [`BatchViews`], [`MatchView`] and
//! [`LocalIds`], for bulk consumers that need no owned [`MatchResult`].

use crate::matching::MatchRecord;
use crate::matching::outcome::{MatchClass, MatchResult, MatchedOn};

use super::MatchIndex;
use super::batch::{Batch, Contested, RemoteIds};
use super::decide::{Decided, GROUP, Raw};

/// Every decision of a batch, one per remote record in input order (see
/// [`MatchIndex::classify_batch_views`]).
pub struct BatchViews<'a> {
    pub(super) index: &'a MatchIndex,
    pub(super) batch: Batch,
    /// The remote ids, when the batch was streamed
    /// ([`BatchBuilder`](crate::matching::BatchBuilder)).
    pub(super) remote_ids: Option<RemoteIds>,
}

impl std::fmt::Debug for BatchViews<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchViews")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl BatchViews<'_> {
    /// Number of records decided.
    #[must_use]
    pub fn len(&self) -> usize {
        self.batch.decided.len()
    }

    /// Whether the batch was empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.batch.decided.is_empty()
    }

    /// The decision for the record at position `i`.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<MatchView<'_>> {
        self.batch.decided.get(i).map(|d| self.view(d))
    }

    /// The id of the record at position `i`, for a batch built with a
    /// [`BatchBuilder`](crate::matching::BatchBuilder) (which keeps the ids); `None` otherwise.
    #[must_use]
    pub fn remote_id(&self, i: usize) -> Option<&str> {
        self.remote_ids.as_ref()?.get(i)
    }

    /// Every decision, in input order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = MatchView<'_>> + '_ {
        self.batch.decided.iter().map(|d| self.view(d))
    }

    /// Reads, for the records of `range` (at most [`GROUP`] are used),
    /// where their local ids are in the index and then the ids' first
    /// bytes, so that the memory loads of a whole group are in flight
    /// together before the rows are formatted (each local id is otherwise
    /// two dependent cache misses).
    pub(crate) fn touch_local_ids(&self, range: std::ops::Range<usize>) {
        let Some(decided) = self.batch.decided.get(range) else {
            return;
        };
        let mut at = [0u32; GROUP];
        let mut n = 0;
        let mut touched = 0u32;
        for d in decided.iter().take(GROUP) {
            let j = match &d.raw {
                // Its id was kept with it.
                Raw::Full(_, short) if short.get().is_some() => continue,
                &Raw::Full(j, _) | &Raw::LinkedElsewhere(j, _) => j,
                Raw::Partial(c, _) => match c.first() {
                    Some(&(j, _)) => j,
                    None => continue,
                },
                Raw::Several(v, _) => match v.first() {
                    Some(&j) => j,
                    None => continue,
                },
                _ => continue,
            };
            touched ^= self.index.meta_at(j).id.start;
            if let Some(slot) = at.get_mut(n) {
                *slot = j;
                n += 1;
            }
        }
        for &j in at.iter().take(n) {
            touched ^= u32::from(self.index.id_at(j).as_bytes().first().copied().unwrap_or(0));
        }
        std::hint::black_box(touched);
    }

    fn view<'v>(&'v self, decided: &'v Decided) -> MatchView<'v> {
        MatchView {
            index: self.index,
            decided,
            contested: &self.batch.contested,
        }
    }
}

/// A borrowed look at one decision of a batch (see
/// [`MatchIndex::classify_batch_view`]): everything [`MatchOutcome`](crate::MatchOutcome) says
/// about classes, local ids and matched fields, without allocating.
#[derive(Clone, Copy)]
pub struct MatchView<'a> {
    index: &'a MatchIndex,
    decided: &'a Decided,
    contested: &'a Contested,
}

impl std::fmt::Debug for MatchView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchView")
            .field("class", &self.class())
            .field("local_ids", &self.local_ids().collect::<Vec<_>>())
            .finish()
    }
}

impl<'a> MatchView<'a> {
    fn contested(&self) -> bool {
        matches!(self.decided.raw, Raw::Full(j, _) if self.contested.contains(j))
    }

    /// The class of the decision, as
    /// [`MatchOutcome::class`](crate::MatchOutcome::class).
    #[must_use]
    pub fn class(&self) -> MatchClass {
        match &self.decided.raw {
            Raw::Full(..) if self.contested() => MatchClass::Ambiguous,
            Raw::Full(..) => MatchClass::Full,
            Raw::Partial(..) => MatchClass::Partial,
            Raw::Several(..) | Raw::LinkedElsewhere(..) => MatchClass::Ambiguous,
            Raw::NoMatch => MatchClass::None,
            Raw::Similar(_) => MatchClass::PossibleDuplicate,
            Raw::Unmatchable(_) => MatchClass::Unmatchable,
            Raw::AlreadyLinked(_) => MatchClass::AlreadyLinked,
            Raw::Unsynced(_) => MatchClass::Unsynced,
        }
    }

    /// Which fields found a match, as
    /// [`MatchOutcome::matched_on`](crate::MatchOutcome::matched_on).
    #[must_use]
    pub fn matched_on(&self) -> Option<MatchedOn> {
        match &self.decided.raw {
            Raw::Full(..) | Raw::Several(..) | Raw::LinkedElsewhere(..) => {
                Some(MatchedOn::NameAndEmail)
            }
            Raw::Partial(c, _) => MatchedOn::from_flags(
                c.iter().any(|x| x.1 != MatchedOn::Email),
                c.iter().any(|x| x.1 != MatchedOn::Name),
            ),
            _ => None,
        }
    }

    /// How many more local contacts the decision concerns than
    /// [`local_ids`](Self::local_ids) lists (see
    /// [`MAX_LISTED_CANDIDATES`](crate::matching::MAX_LISTED_CANDIDATES)), as the outcome's `unlisted`.
    #[must_use]
    pub fn unlisted(&self) -> usize {
        match &self.decided.raw {
            Raw::Partial(_, more) | Raw::Several(_, more) => *more as usize,
            _ => 0,
        }
    }

    /// The ids of the local contacts the decision names, sorted, as
    /// [`MatchOutcome::local_ids`](crate::MatchOutcome::local_ids) (as
    /// text: the index keeps its ids in one arena, not as [`ContactId`](crate::ContactId)s).
    #[must_use]
    pub fn local_ids(&self) -> LocalIds<'a> {
        let inner = match &self.decided.raw {
            Raw::Full(j, short) => {
                LocalIdsInner::One(Some(short.get().unwrap_or_else(|| self.index.id_at(*j))))
            }
            &Raw::LinkedElsewhere(j, _) => LocalIdsInner::One(Some(self.index.id_at(j))),
            Raw::AlreadyLinked(id) | Raw::Unsynced(id) => LocalIdsInner::One(Some(id.as_str())),
            Raw::Partial(c, _) => LocalIdsInner::Candidates(c.iter()),
            Raw::Several(v, _) => LocalIdsInner::Positions(v.iter()),
            Raw::Similar(v) => LocalIdsInner::Similar {
                list: v,
                last: None,
                left: v.len(),
            },
            Raw::NoMatch | Raw::Unmatchable(_) => LocalIdsInner::One(None),
        };
        LocalIds {
            index: self.index,
            inner,
        }
    }

    /// The full result for this decision; `remote` must be the record the
    /// view was handed out for.
    #[must_use]
    pub fn to_result<R: MatchRecord + ?Sized>(&self, remote: &R) -> MatchResult {
        self.index.finish(remote, self.decided, self.contested)
    }
}

/// The sorted local ids of a [`MatchView`], as text.
pub struct LocalIds<'a> {
    index: &'a MatchIndex,
    inner: LocalIdsInner<'a>,
}

enum LocalIdsInner<'a> {
    One(Option<&'a str>),
    Candidates(std::slice::Iter<'a, (u32, MatchedOn)>),
    Positions(std::slice::Iter<'a, u32>),
    /// Held by similarity; handed out by id, smallest first.
    Similar {
        list: &'a [(u32, u16)],
        last: Option<&'a str>,
        left: usize,
    },
}

impl<'a> Iterator for LocalIds<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let index = self.index;
        match &mut self.inner {
            LocalIdsInner::One(one) => one.take(),
            LocalIdsInner::Candidates(it) => it.next().map(|&(j, _)| index.id_at(j)),
            LocalIdsInner::Positions(it) => it.next().map(|&j| index.id_at(j)),
            LocalIdsInner::Similar { list, last, left } => {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                let next = list
                    .iter()
                    .map(|&(j, _)| index.id_at(j))
                    .filter(|id| last.is_none_or(|l| *id > l))
                    .min();
                *last = next;
                next
            }
        }
    }
}
