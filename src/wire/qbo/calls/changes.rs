//! The change feed: QBO's change data capture (`cdc`) after a cursor, the
//! full listing without one.

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::{Contact, ContactId};
use crate::ports::{AdapterError, ChangesPage};
use crate::wire::{Method, Request, Response};

use super::super::fault::{self, Fault};
use super::super::tree::{At, Value, each, filled};
use super::super::{ErrorContext, decode_fault, read};
use super::pages::PageToken;
use super::{Calls, customer_query, failure, server_time, success_doc, unreadable};

/// Seconds taken off the server time a change listing began at before it
/// becomes the cursor: QBO stamps `LastUpdatedTime` in whole seconds, and
/// a write committed while the answer was being made may carry a time
/// just before the answer's own. Customers changed in that minute are
/// listed again next time (a repeat the planner takes as no change).
pub const CHANGE_OVERLAP_SECS: i64 = 60;

/// Most objects one change data capture answer holds per entity (Intuit,
/// "Change data capture operation"): an answer of this many customers may
/// have left some out, so it is [`AdapterError::Unsupported`].
pub const MAX_CDC_OBJECTS: usize = 1000;

/// How far behind the server's clock a cursor may be: QBO's change data
/// capture looks back 30 days (same source); one day is kept as a margin.
/// An older cursor is [`AdapterError::Unsupported`].
pub const MAX_CDC_DAYS: i64 = 29;

/// A cursor handed back: the time in UTC, RFC 3339, whole seconds.
fn write_cursor(at: DateTime<Utc>) -> String {
    let at = at
        .checked_sub_signed(TimeDelta::seconds(CHANGE_OVERLAP_SECS))
        .unwrap_or(at);
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn read_cursor(cursor: &str) -> Result<DateTime<Utc>, AdapterError> {
    DateTime::parse_from_rfc3339(cursor.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            let shown: String = cursor.chars().take(60).collect();
            AdapterError::Validation {
                code: None,
                message: format!(
                    "`{shown}` is not a QuickBooks Online change cursor (an RFC 3339 time handed back by `read_changes`)"
                ),
            }
        })
}

fn one_page_only() -> AdapterError {
    AdapterError::Validation {
        code: None,
        message: "QuickBooks Online answers a change listing after a cursor in one page: a page token goes with no cursor".into(),
    }
}

fn unsupported(what: impl Into<String>) -> AdapterError {
    AdapterError::Unsupported {
        what: format!("QuickBooks Online change data capture {}", what.into()),
    }
}

/// Whether QBO refused the `changedSince` (older than the 30 days it
/// keeps: "Operation cdc with changedSince date … which is older than
/// fixed days is not supported", as reported in Wish-Org/QuickBooksSharp
/// issue 19).
fn refuses_since(f: &Fault) -> bool {
    f.errors.iter().any(|e| {
        let text = e.text().to_ascii_lowercase();
        text.contains("changedsince") || text.contains("older than")
    })
}

/// A deleted customer's stub: `status: "Deleted"` (JSON key or XML
/// attribute).
fn is_deleted(v: &Value<'_>, at: &At<'_>) -> bool {
    v.get("status")
        .and_then(|s| filled(s, &At::Key(at, "status")).ok().flatten())
        .is_some_and(|s| s.trim().eq_ignore_ascii_case("deleted"))
}

impl Calls {
    /// A change listing's page: after `cursor`, `GET
    /// cdc?entities=Customer&changedSince=<cursor>` (one page: `page` must
    /// be `None`); without one, the full listing of [`list`](Self::list)
    /// (`page` a `next_page` of [`read_changes`](Self::read_changes)).
    ///
    /// # Errors
    /// [`AdapterError::Validation`] for a cursor or page token this codec
    /// did not make, or both at once.
    pub fn list_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<Request, AdapterError> {
        match cursor {
            Some(c) => {
                if page.is_some() {
                    return Err(one_page_only());
                }
                let since = read_cursor(c)?;
                Ok(self.finish(
                    self.request(Method::Get, "cdc")
                        .with_query("entities", "Customer")
                        .with_query(
                            "changedSince",
                            since.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                        ),
                ))
            }
            None => {
                let token = PageToken::read_changes(page)?;
                Ok(self.query_request(&customer_query(token.start)?))
            }
        }
    }

    /// Reads a page of [`list_changes`](Self::list_changes) with the same
    /// `cursor` and `page`: the changed customers (inactive ones included),
    /// the deleted ones' ids, and on the last page the cursor to ask with
    /// next time — the server time the listing began at, less
    /// [`CHANGE_OVERLAP_SECS`]. Without a server time (no `time`, no
    /// `Date` header) a change data capture hands back the cursor it was
    /// asked with, and a full listing none.
    ///
    /// # Errors
    /// [`AdapterError::Unsupported`] when QBO's feed cannot answer: an
    /// answer of [`MAX_CDC_OBJECTS`] customers, a cursor refused as too
    /// old or more than [`MAX_CDC_DAYS`] days behind the server (list
    /// everything instead); [`AdapterError::Validation`] as
    /// [`list_changes`](Self::list_changes); the fault mapping of the
    /// [module docs](super#answers).
    pub fn read_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
        answer: &Response<'_>,
    ) -> Result<ChangesPage, AdapterError> {
        match cursor {
            Some(c) => {
                if page.is_some() {
                    return Err(one_page_only());
                }
                Self::read_cdc(read_cursor(c)?, answer)
            }
            None => {
                let token = PageToken::read_changes(page)?;
                let (records, time) = Self::customers_of(answer)?;
                let began = if token.is_first() { time } else { token.began };
                let followed = token.with_began(began).follow(records)?;
                let cursor = match followed.next_page {
                    None => began.map(write_cursor),
                    Some(_) => None,
                };
                Ok(ChangesPage {
                    changed: followed.records,
                    deleted: Vec::new(),
                    next_page: followed.next_page,
                    cursor,
                })
            }
        }
    }

    fn read_cdc(since: DateTime<Utc>, answer: &Response<'_>) -> Result<ChangesPage, AdapterError> {
        let ctx = ErrorContext::default();
        let too_old = || unsupported(format!("refused changes since {since} as too old"));
        if !answer.is_success() {
            if decode_fault(answer.body).is_ok_and(|f| refuses_since(&f)) {
                return Err(too_old());
            }
            return Err(failure(answer, ctx));
        }
        let doc = match success_doc(answer, ctx) {
            Ok(doc) => doc,
            Err(e) => {
                if decode_fault(answer.body).is_ok_and(|f| refuses_since(&f)) {
                    return Err(too_old());
                }
                return Err(e);
            }
        };
        // An answer of another kind must not pass for an empty feed: the
        // cursor would move past changes never listed.
        if doc.top.get("CDCResponse").is_none() {
            return Err(unreadable(answer, "no `CDCResponse`"));
        }
        let now = server_time(&doc, answer);
        if let Some(now) = now
            && now.signed_duration_since(since) > TimeDelta::days(MAX_CDC_DAYS)
        {
            return Err(unsupported(format!(
                "looks back 30 days: changes since {since} cannot all be listed at {now}"
            )));
        }
        let (mut changed, mut deleted) = (Vec::<Contact>::new(), Vec::<ContactId>::new());
        let root = At::Root;
        let at = At::Key(&root, "CDCResponse");
        for (i, cdc) in each(&doc.top, "CDCResponse").enumerate() {
            let at = At::Index(&at, i);
            for key in ["Fault", "fault"] {
                if let Some(v) = cdc.get(key).filter(|v| !v.is_null()) {
                    let f = fault::read_fault(v, &At::Key(&at, key))
                        .map_err(|e| unreadable(answer, e))?;
                    if refuses_since(&f) {
                        return Err(too_old());
                    }
                    return Err(fault::classify(
                        answer.status,
                        Some(&f),
                        "",
                        &ErrorContext {
                            retry_after_secs: answer.retry_after_secs(),
                            ..ctx
                        },
                    ));
                }
            }
            let at = At::Key(&at, "QueryResponse");
            for (j, q) in each(cdc, "QueryResponse").enumerate() {
                let at = At::Index(&at, j);
                let at = At::Key(&at, "Customer");
                for (k, v) in each(q, "Customer").enumerate() {
                    let at = At::Index(&at, k);
                    if is_deleted(v, &at) {
                        let id = v
                            .get("Id")
                            .and_then(|id| filled(id, &At::Key(&at, "Id")).ok().flatten())
                            .ok_or_else(|| {
                                unreadable(
                                    answer,
                                    format!("{}: a deleted customer without an Id", at.render()),
                                )
                            })?;
                        deleted.push(ContactId::new(id.trim()));
                    } else {
                        changed
                            .push(read::customer(v, &at, true).map_err(|e| unreadable(answer, e))?);
                    }
                }
            }
        }
        let listed = changed.len().saturating_add(deleted.len());
        if listed >= MAX_CDC_OBJECTS {
            return Err(unsupported(format!(
                "answered {listed} customers, its most: more may have changed since {since}"
            )));
        }
        Ok(ChangesPage {
            changed,
            deleted,
            next_page: None,
            cursor: Some(now.map_or_else(
                || since.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                write_cursor,
            )),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn cursors_are_the_server_time_less_the_overlap() {
        let t = read_cursor("2024-03-01T10:00:06.187-08:00").unwrap();
        assert_eq!(write_cursor(t), "2024-03-01T17:59:06Z");
        assert!(matches!(
            read_cursor("last tuesday"),
            Err(AdapterError::Validation { .. })
        ));
    }

    #[test]
    fn too_old_refusals_are_recognised() {
        let f = Fault {
            kind: Some("ValidationFault".into()),
            errors: vec![fault::FaultEntry {
                message: Some("Invalid Request".into()),
                detail: Some("Operation cdc with changedSince date 2020-01-01 which is older than fixed days is not supported.".into()),
                ..fault::FaultEntry::default()
            }],
        };
        assert!(refuses_since(&f));
        assert!(!refuses_since(&Fault::default()));
    }
}
