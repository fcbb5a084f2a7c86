//! What the checks share: the fixture's error, the settings, a seeded
//! generator and a bounded page loop.

use crate::ops::Pages;
use crate::ports::AdapterError;

/// Why a fixture could not make a change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// The fixture cannot do this (a ledger without deletions, a fake
    /// without fault injection): the part of the check that needs it is
    /// skipped, with a note.
    #[error("the fixture cannot do this")]
    Unsupported,
    /// The change failed.
    #[error("the fixture failed: {0}")]
    Failed(String),
}

/// How the checks run: the seed of the end-to-end check's random edits,
/// how many rounds it makes, and a prefix that keeps this run's names and
/// idempotency keys apart from earlier runs against the same store. Built
/// from [`Settings::default`] and the `with_*` methods.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// Seed of the random edits (the same seed makes the same edits).
    pub seed: u64,
    /// Rounds of edits and runs in the end-to-end check.
    pub rounds: u32,
    /// Prefix of every name and idempotency key the checks make
    /// (a store that outlives one test run needs a fresh one per run).
    pub run_id: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            seed: 0x1ed6_e411_4c0f_0001,
            rounds: 5,
            run_id: "conf".to_owned(),
        }
    }
}

impl Settings {
    /// The default settings with `run_id` as the prefix.
    #[must_use]
    pub fn with_run_id(mut self, run_id: impl Into<String>) -> Self {
        self.run_id = run_id.into();
        self
    }

    /// The default settings with `seed` for the random edits.
    #[must_use]
    pub const fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The default settings with `rounds` rounds of edits in the
    /// end-to-end check.
    #[must_use]
    pub const fn with_rounds(mut self, rounds: u32) -> Self {
        self.rounds = rounds;
        self
    }

    /// An idempotency key of this run.
    pub(crate) fn key(&self, check: &str, n: u32) -> String {
        format!("{}:{check}:{n}", self.run_id)
    }
}

/// The most pages any listing of a check may take.
pub(crate) const PAGE_BOUND: usize = 10_000;

/// A listing stopped by its bound, or a call that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stopped {
    Endless(String),
    Failed(AdapterError),
}

impl Stopped {
    pub(crate) fn message(&self) -> String {
        match self {
            Self::Endless(m) => m.clone(),
            Self::Failed(e) => e.to_string(),
        }
    }
}

/// Follows a paged listing: `fetch` reads one page (`None`: the first) and
/// answers its next token; `between` runs after every page that has a
/// next one (the check's writes), with the page number from 1.
pub(crate) async fn pages<F, B>(mut fetch: F, mut between: B) -> Result<usize, Stopped>
where
    F: AsyncFnMut(Option<&str>) -> Result<Option<String>, AdapterError>,
    B: AsyncFnMut(usize),
{
    let mut bound = Pages::new(PAGE_BOUND);
    let mut token: Option<String> = None;
    loop {
        let next = fetch(token.as_deref()).await.map_err(Stopped::Failed)?;
        token = bound
            .next(next)
            .map_err(|e| Stopped::Endless(e.to_string()))?;
        if token.is_none() {
            return Ok(bound.answered());
        }
        between(bound.answered()).await;
    }
}

/// A small seeded generator (SplitMix64): the same seed gives the same
/// edits on every machine.
#[cfg(any(feature = "driver", test))]
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

#[cfg(any(feature = "driver", test))]
impl Rng {
    pub(crate) const fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) const fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let n64 = u64::try_from(n).unwrap_or(u64::MAX);
        usize::try_from(self.next_u64() % n64).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_seeded() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        let mut r = Rng::new(1);
        assert!((0..100).all(|_| r.below(3) < 3));
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn an_endless_listing_is_stopped() {
        let stopped =
            crate::testing::block_on(pages(async |_| Ok(Some("same".to_owned())), async |_| {}));
        assert!(matches!(stopped, Err(Stopped::Endless(_))));
    }
}
