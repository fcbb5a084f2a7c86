//! The page tokens of the customer listings: where the next page starts,
//! the last customer of the page before (the next page starts on it, and
//! the reader checks that it is still there), and for a change listing
//! without a cursor the server time its first page was answered at.

use chrono::{DateTime, Utc};

use crate::model::Contact;
use crate::ops::PagingError;
use crate::ports::AdapterError;

use super::MAX_QUERY_RESULTS;

/// Which listing a token pages through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    /// `list`: `L<start>|<last id>`.
    Full,
    /// `list_changes` without a cursor: `C<start>|<began>|<last id>`
    /// (`<began>` empty when QBO gave no time).
    Changes,
}

impl Listing {
    const fn tag(self) -> char {
        match self {
            Self::Full => 'L',
            Self::Changes => 'C',
        }
    }

    const fn method(self) -> &'static str {
        match self {
            Self::Full => "list",
            Self::Changes => "list_changes",
        }
    }
}

/// A page of a customer listing, as its token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PageToken {
    listing: Listing,
    /// The `STARTPOSITION` to ask for.
    pub(super) start: u32,
    /// The previous page's last customer (the first one this page should
    /// answer); `None` on the first page.
    last_id: Option<String>,
    /// When the first page was answered (change listings).
    pub(super) began: Option<DateTime<Utc>>,
}

/// What a page holds once its token is followed.
pub(super) struct Followed {
    /// The customers not listed before.
    pub(super) records: Vec<Contact>,
    /// The next page's token.
    pub(super) next_page: Option<String>,
}

fn malformed(listing: Listing, token: &str) -> AdapterError {
    let shown: String = token.chars().take(60).collect();
    AdapterError::Validation {
        code: None,
        message: format!(
            "`{shown}` is not a QuickBooks Online page token of `{}` (give back a `next_page` of the same listing)",
            listing.method()
        ),
    }
}

impl PageToken {
    const fn first(listing: Listing) -> Self {
        Self {
            listing,
            start: 1,
            last_id: None,
            began: None,
        }
    }

    /// The token of a `list` page (`None`: the first).
    pub(super) fn read_list(page: Option<&str>) -> Result<Self, AdapterError> {
        Self::read(Listing::Full, page)
    }

    /// The token of a `list_changes` page without a cursor (`None`: the
    /// first).
    pub(super) fn read_changes(page: Option<&str>) -> Result<Self, AdapterError> {
        Self::read(Listing::Changes, page)
    }

    fn read(listing: Listing, page: Option<&str>) -> Result<Self, AdapterError> {
        let Some(token) = page else {
            return Ok(Self::first(listing));
        };
        let bad = || malformed(listing, token);
        let rest = token.strip_prefix(listing.tag()).ok_or_else(bad)?;
        let (start, rest) = rest.split_once('|').ok_or_else(bad)?;
        let start = start
            .parse::<u32>()
            .ok()
            .filter(|s| *s > 1)
            .ok_or_else(bad)?;
        let (began, last) = match listing {
            Listing::Full => (None, rest),
            Listing::Changes => {
                let (began, last) = rest.split_once('|').ok_or_else(bad)?;
                let began = if began.is_empty() {
                    None
                } else {
                    Some(
                        DateTime::parse_from_rfc3339(began)
                            .map_err(|_| bad())?
                            .with_timezone(&Utc),
                    )
                };
                (began, last)
            }
        };
        if last.is_empty() {
            return Err(bad());
        }
        Ok(Self {
            listing,
            start,
            last_id: Some(last.to_owned()),
            began,
        })
    }

    fn write(&self, start: u32, last_id: &str) -> String {
        match self.listing {
            Listing::Full => format!("L{start}|{last_id}"),
            Listing::Changes => format!(
                "C{start}|{}|{last_id}",
                self.began
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                    .unwrap_or_default()
            ),
        }
    }

    /// This page's customers in the order QBO answered, reduced to those
    /// not listed before, with the next page's token when the page was
    /// full. The next page starts on this page's last customer, so that a
    /// customer removed while the pages are read cannot make one slip by
    /// unseen.
    ///
    /// # Errors
    /// [`AdapterError::Transient`] when this page does not hold the
    /// previous page's last customer (customers moved: list again);
    /// [`AdapterError::Paging`] past `STARTPOSITION` 4,294,967,295.
    pub(super) fn follow(&self, mut records: Vec<Contact>) -> Result<Followed, AdapterError> {
        let returned = records.len();
        let raw_last = records.last().map(|c| c.id.to_string());
        if let Some(last) = &self.last_id {
            let Some(k) = records.iter().position(|c| c.id == last.as_str()) else {
                return Err(AdapterError::Transient {
                    message: format!(
                        "QuickBooks Online customers moved while the listing was read (customer {last}, the last of the page before, is no longer where it was: one was merged or deleted between two pages); list again from the first page"
                    ),
                });
            };
            records.drain(..=k);
        }
        let full = u32::try_from(returned).is_ok_and(|n| n >= MAX_QUERY_RESULTS);
        let next_page = match raw_last {
            Some(last) if full => {
                let next = u32::try_from(returned)
                    .ok()
                    .and_then(|n| self.start.checked_add(n))
                    .and_then(|n| n.checked_sub(1))
                    .ok_or(AdapterError::Paging {
                        stopped: PagingError::TooManyPages {
                            limit: usize::try_from(u32::MAX).unwrap_or(usize::MAX),
                        },
                    })?;
                Some(self.write(next, &last))
            }
            _ => None,
        };
        Ok(Followed { records, next_page })
    }

    /// The same token with the listing's start time (the first page's).
    pub(super) fn with_began(mut self, began: Option<DateTime<Utc>>) -> Self {
        self.began = began;
        self
    }

    /// Whether this is the first page.
    pub(super) const fn is_first(&self) -> bool {
        self.last_id.is_none()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn customers(ids: std::ops::Range<u32>) -> Vec<Contact> {
        ids.map(|i| Contact {
            id: i.to_string().into(),
            ..Contact::default()
        })
        .collect()
    }

    #[test]
    fn full_pages_overlap_by_one_customer() {
        let first = PageToken::read_list(None).unwrap();
        let f = first.follow(customers(1..1001)).unwrap();
        assert_eq!(f.records.len(), 1000);
        assert_eq!(f.next_page.as_deref(), Some("L1000|1000"));
        let second = PageToken::read_list(f.next_page.as_deref()).unwrap();
        assert_eq!(second.start, 1000);
        let f = second.follow(customers(1000..1501)).unwrap();
        assert_eq!(
            f.records.first().map(|c| c.id.to_string()).as_deref(),
            Some("1001")
        );
        assert_eq!(f.records.len(), 500);
        assert_eq!(f.next_page, None);
    }

    #[test]
    fn a_page_without_the_previous_last_customer_is_transient() {
        let t = PageToken::read_list(Some("L1000|1000")).unwrap();
        assert!(matches!(
            t.follow(customers(1001..1400)),
            Err(AdapterError::Transient { .. })
        ));
        assert!(matches!(
            t.follow(Vec::new()),
            Err(AdapterError::Transient { .. })
        ));
    }

    #[test]
    fn change_tokens_carry_the_start_time() {
        let began = DateTime::parse_from_rfc3339("2024-03-01T18:00:06.250Z")
            .unwrap()
            .with_timezone(&Utc);
        let t = PageToken::read_changes(None)
            .unwrap()
            .with_began(Some(began));
        let f = t.follow(customers(1..1001)).unwrap();
        let next = f.next_page.unwrap();
        assert_eq!(next, "C1000|2024-03-01T18:00:06.250Z|1000");
        let t = PageToken::read_changes(Some(&next)).unwrap();
        assert_eq!(t.began, Some(began));
        assert!(!t.is_first());
        assert!(
            PageToken::read_changes(Some("C1000||7"))
                .unwrap()
                .began
                .is_none()
        );
    }

    #[test]
    fn foreign_tokens_are_refused() {
        for bad in [
            "",
            "1001",
            "L1|5",
            "L0|5",
            "Lx|5",
            "L1000|",
            "C1000|5",
            "C1000|yesterday|5",
            "C1000|x",
        ] {
            assert!(
                matches!(
                    PageToken::read_list(Some(bad)).and(PageToken::read_changes(Some(bad))),
                    Err(AdapterError::Validation { .. })
                ),
                "{bad}"
            );
        }
        assert!(PageToken::read_changes(Some("L1000|5")).is_err());
        assert!(PageToken::read_list(Some("C1000||5")).is_err());
    }
}
