//! Listing the two sides: whole listings page by page, change listings
//! with their cursors (and the fallback when a cursor is refused), what a
//! failed listing does to the run, and the plan made from them.

use chrono::{DateTime, Utc};

use crate::error::{Error, Side};
use crate::model::{Contact, ContactId};
use crate::ops::Pages;
use crate::ports::{AdapterError, ContactStore};
use crate::sync::{
    ConnectionConfig, ConnectionStatus, Decision, Listing, Plan, PlanInput, SyncState, Trigger,
    plan,
};

use super::persist::Saved;
use super::{Driver, DriverError, RunOutcome, RunReport};

impl Driver<'_> {
    /// The change listing of one side when the run is incremental; when
    /// the store refuses the cursor (too old for its feed, more changes
    /// than one answer holds), everything through the change feed from no
    /// cursor, as a full listing with a fresh cursor (`Ok((None,
    /// Some(..)))`); `Ok((None, None))` when the store has no change feed
    /// or the run is not incremental (the caller lists in full).
    pub(super) async fn changes_or_fresh(
        &self,
        store: &dyn ContactStore,
        incremental: bool,
        cursor: Option<&str>,
    ) -> Result<(Option<Changes>, Option<(Vec<Contact>, Option<String>)>), AdapterError> {
        if !incremental {
            return Ok((None, None));
        }
        match list_changes(store, cursor, self.page_limit).await {
            Ok(c) => Ok((Some(c), None)),
            Err(AdapterError::Unsupported { .. }) if cursor.is_some() => {
                match list_changes(store, None, self.page_limit).await {
                    // Everything, from no cursor: a full listing (records
                    // missing from it are gone, U8), deletions aside.
                    Ok((changed, _, fresh)) if fresh.is_some() => {
                        Ok((None, Some((changed, fresh))))
                    }
                    Ok(_) | Err(AdapterError::Unsupported { .. }) => Ok((None, None)),
                    Err(e) => Err(e),
                }
            }
            Err(AdapterError::Unsupported { .. }) => Ok((None, None)),
            Err(e) => Err(e),
        }
    }

    pub(super) async fn listing_failed(
        &self,
        state: &mut SyncState,
        side: Side,
        error: AdapterError,
        now: DateTime<Utc>,
    ) -> Result<RunReport, DriverError> {
        match error {
            AdapterError::RateLimited { retry_after_secs } => {
                let at = crate::ops::retry_time(now, retry_after_secs);
                state.retry_at = Some(at);
                Ok(match self.save_head(state).await? {
                    Saved::Written => RunReport::ended(RunOutcome::RetryLater, Some(at)),
                    Saved::Conflict => RunReport::ended(RunOutcome::Superseded, None),
                })
            }
            AdapterError::AccessTokenExpired { .. } => {
                Ok(RunReport::ended(RunOutcome::RefreshToken, None))
            }
            AdapterError::Authentication { message } => {
                state.connection = ConnectionStatus::Disconnected {
                    since: now,
                    message,
                };
                Ok(match self.save_head(state).await? {
                    Saved::Written => RunReport::ended(RunOutcome::Disconnected, None),
                    Saved::Conflict => RunReport::ended(RunOutcome::Superseded, None),
                })
            }
            AdapterError::Paging { stopped } => Err(DriverError::Paging {
                side,
                error: stopped,
            }),
            error => Err(DriverError::Listing { side, error }),
        }
    }
}

/// Follows a paged listing to its end: `fetch` asks for one page (`None`:
/// the first), `take` keeps what it holds and gives the next page's token.
/// Every listing the driver reads goes through here, bounded by
/// [`Pages`]: a store that keeps answering pages, or answers a token twice,
/// ends as [`AdapterError::Paging`] instead of a hang.
pub(crate) async fn each_page<P, Fut>(
    limit: usize,
    mut fetch: impl FnMut(Option<String>) -> Fut,
    mut take: impl FnMut(P) -> Option<String>,
) -> Result<(), AdapterError>
where
    Fut: std::future::Future<Output = Result<P, AdapterError>>,
{
    // `fetch` takes the token by value: an async closure over a borrowed
    // `Option<&str>` gives a future rustc cannot prove `Send` for every
    // lifetime, and the driver's futures must be `Send` so that a service
    // can spawn runs on a multi-threaded runtime.
    let mut pages = Pages::new(limit);
    let mut token: Option<String> = None;
    loop {
        let page = fetch(token.take()).await?;
        token = pages
            .next(take(page))
            .map_err(|stopped| AdapterError::Paging { stopped })?;
        if token.is_none() {
            return Ok(());
        }
    }
}

pub(super) async fn list_all(
    store: &dyn ContactStore,
    limit: usize,
) -> Result<Vec<Contact>, AdapterError> {
    let mut out = Vec::new();
    each_page(
        limit,
        |page| async move { store.list(page.as_deref()).await },
        |p| {
            out.extend(p.contacts);
            p.next_page
        },
    )
    .await?;
    Ok(last_of_each(out))
}

/// Keeps one record per id — the last listed, the newest — in the order
/// ids were first listed. A listing may repeat a record (the ports
/// contract allows it: a record written between two pages can show on
/// both), and the planner takes each id once.
pub(super) fn last_of_each(records: Vec<Contact>) -> Vec<Contact> {
    let mut at: std::collections::HashMap<ContactId, usize> =
        std::collections::HashMap::with_capacity(records.len());
    let mut out: Vec<Contact> = Vec::with_capacity(records.len());
    for c in records {
        match at.get(&c.id) {
            Some(&i) => {
                if let Some(slot) = out.get_mut(i) {
                    *slot = c;
                }
            }
            None => {
                at.insert(c.id.clone(), out.len());
                out.push(c);
            }
        }
    }
    out
}

pub(super) type Changes = (Vec<Contact>, Vec<ContactId>, Option<String>);

pub(super) fn listing<'a>(changes: Option<&'a Changes>, full: &'a [Contact]) -> Listing<'a> {
    match changes {
        Some((changed, deleted, cursor)) => Listing::Changes {
            changed,
            deleted,
            cursor: cursor.as_deref(),
        },
        None => Listing::Full(full),
    }
}

pub(super) fn plan_with(
    config: &ConnectionConfig,
    state: &SyncState,
    local: Listing<'_>,
    remote: Listing<'_>,
    decisions: &[Decision],
    trigger: Trigger,
    now: DateTime<Utc>,
) -> Result<Plan, Error> {
    let input = PlanInput::new(&[], &[], now)
        .with_local(local)
        .with_remote(remote)
        .with_decisions(decisions)
        .with_trigger(trigger);
    plan(config, state, &input)
}

pub(super) async fn list_changes(
    store: &dyn ContactStore,
    cursor: Option<&str>,
    limit: usize,
) -> Result<Changes, AdapterError> {
    let (mut changed, mut deleted, mut last) = (Vec::new(), Vec::new(), None);
    each_page(
        limit,
        |page| async move { store.list_changes(cursor, page.as_deref()).await },
        |p| {
            changed.extend(p.changed);
            deleted.extend(p.deleted);
            last = p.cursor;
            p.next_page
        },
    )
    .await?;
    deleted.sort();
    deleted.dedup();
    Ok((last_of_each(changed), deleted, last))
}
