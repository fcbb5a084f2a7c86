//! A bound on paged listings: every loop that follows "next page" tokens
//! from outside ends, whatever the other side answers.

use std::collections::HashSet;

/// The default number of pages one listing may take (at Xero's 100 records
/// a page, ten million records).
pub const DEFAULT_PAGE_LIMIT: usize = 100_000;

/// Why a paged listing was stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "error"))]
#[non_exhaustive]
pub enum PagingError {
    /// The store kept answering a next page past the limit.
    #[error("the listing did not end within {limit} pages")]
    TooManyPages {
        /// The page limit that was reached.
        limit: usize,
    },
    /// The store answered a page token it had already given (a cursor that
    /// does not advance): following it would loop for ever.
    #[error(
        "the store answered page token `{token}` twice (page {page}): its cursor does not advance"
    )]
    RepeatedToken {
        /// The token seen twice.
        token: String,
        /// The page (counted from 1) that answered it the second time.
        page: usize,
    },
}

/// Follows the page tokens of one listing and stops it, with a typed error,
/// when the store answers more pages than the limit or a token it already
/// gave.
///
/// ```
/// use ledgerlink::ops::{Pages, PagingError};
///
/// let mut pages = Pages::new(10);
/// // First page asked without a token; the store answers "p2".
/// assert_eq!(pages.next(Some("p2".into())), Ok(Some("p2".into())));
/// // The second page answers "p2" again: a cursor that never advances.
/// assert!(matches!(pages.next(Some("p2".into())), Err(PagingError::RepeatedToken { .. })));
/// ```
#[derive(Debug, Clone)]
pub struct Pages {
    limit: usize,
    answered: usize,
    seen: HashSet<String>,
}

impl Default for Pages {
    fn default() -> Self {
        Self::new(DEFAULT_PAGE_LIMIT)
    }
}

impl Pages {
    /// A listing of at most `limit` pages (at least one).
    #[must_use]
    pub fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            answered: 0,
            seen: HashSet::new(),
        }
    }

    /// Records one page answered with `next_page` and returns the token to
    /// ask for next (`None`: the listing is complete).
    ///
    /// # Errors
    /// [`PagingError::RepeatedToken`] when `next_page` was answered before,
    /// [`PagingError::TooManyPages`] when another page would pass the limit.
    pub fn next(&mut self, next_page: Option<String>) -> Result<Option<String>, PagingError> {
        self.answered = self.answered.saturating_add(1);
        let Some(token) = next_page else {
            return Ok(None);
        };
        if self.seen.contains(&token) {
            return Err(PagingError::RepeatedToken {
                token,
                page: self.answered,
            });
        }
        if self.answered >= self.limit {
            return Err(PagingError::TooManyPages { limit: self.limit });
        }
        self.seen.insert(token.clone());
        Ok(Some(token))
    }

    /// Pages answered so far.
    #[must_use]
    pub const fn answered(&self) -> usize {
        self.answered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_that_ends_is_followed_to_its_end() {
        let mut p = Pages::new(3);
        assert_eq!(p.next(Some("a".into())), Ok(Some("a".into())));
        assert_eq!(p.next(Some("b".into())), Ok(Some("b".into())));
        assert_eq!(p.next(None), Ok(None));
        assert_eq!(p.answered(), 3);
    }

    #[test]
    fn endless_distinct_tokens_stop_at_the_limit() {
        let mut p = Pages::new(3);
        let mut stopped = None;
        for i in 0..10 {
            if let Err(e) = p.next(Some(format!("t{i}"))) {
                stopped = Some(e);
                break;
            }
        }
        assert_eq!(stopped, Some(PagingError::TooManyPages { limit: 3 }));
    }

    #[test]
    fn a_repeated_token_is_caught_on_its_second_answer() {
        let mut p = Pages::new(100);
        assert!(p.next(Some("x".into())).is_ok());
        assert!(p.next(Some("y".into())).is_ok());
        assert_eq!(
            p.next(Some("x".into())),
            Err(PagingError::RepeatedToken {
                token: "x".into(),
                page: 3
            })
        );
    }
}
