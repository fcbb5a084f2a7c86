//! Conformance checks for [`StateStore`] implementations.
//!
//! Each check is an async function over one store (or two handles on the
//! same storage, playing two workers) and a connection id it may use
//! freely: pass ids no other test uses (a database shared between runs
//! needs fresh ones each time, e.g. with the time in them).
//! [`check_state_store`] runs them all.
//!
//! ```
//! use ledgerlink::testing::conformance::state::check_state_store;
//! use ledgerlink::testing::{MemoryStateStore, block_on};
//!
//! let store = MemoryStateStore::new();
//! let worker_b = store.clone(); // a second handle on the same storage
//! block_on(check_state_store(&store, &worker_b, "doc"))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::model::VersionToken;
use crate::ports::{AdapterError, Generation, LeaseOutcome, LeaseToken, SaveOutcome, StateStore};
use crate::sync::{FieldValue, Link, LinkOrigin, LinkStatus, Removal, SyncField, SyncState, diff};

/// A state saved whole as serde JSON by ledgerlink before format 2 (format
/// 1): [`sample_state(3)`](sample_state) as the code of that time wrote it.
pub const FORMAT_1_FIXTURE: &str = include_str!("state_format_1.json");

/// A check that failed: which one, and what it saw.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("state store check `{check}` failed: {message}")]
pub struct StateCheckFailure {
    /// The check.
    pub check: &'static str,
    /// What went wrong.
    pub message: String,
}

fn fail(check: &'static str, message: impl Into<String>) -> StateCheckFailure {
    StateCheckFailure {
        check,
        message: message.into(),
    }
}

fn store_err(check: &'static str) -> impl Fn(AdapterError) -> StateCheckFailure {
    move |e| fail(check, format!("the store failed: {e}"))
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// A state with `links` links (every fifth unsynced or removed, with
/// bases and versions), cursors, a key scope, fingerprints and a refused
/// name: what the checks and the benchmarks save.
#[must_use]
pub fn sample_state(links: usize) -> SyncState {
    let mut s = SyncState::new().with_key_scope("tenant-1", "nonce-1");
    s.run = 7;
    s.initial_sync_done = true;
    s.last_run = Some(t0());
    s.remote_cursor = Some("remote-cursor-1".into());
    s.local_cursor = Some("local-cursor-1".into());
    s.local_seen.insert("L-unlinked".into(), 0x5eed);
    s.taken_names.insert("jane smith".into());
    for i in 0..links {
        s.insert_link(sample_link(i, 0));
    }
    s
}

/// Link number `i` of [`sample_state`], in its `edit`-th version.
#[must_use]
pub fn sample_link(i: usize, edit: u32) -> Link {
    let mut base = crate::sync::FieldMap::new();
    base.insert(
        SyncField::Email,
        FieldValue::Text(format!("contact{i}.v{edit}@example.com")),
    );
    base.insert(
        SyncField::PrimaryPhone,
        FieldValue::Text(format!("+64 9 555 {i:04}")),
    );
    let status = match i % 5 {
        3 => LinkStatus::Unsynced { since: t0() },
        4 => LinkStatus::Removed {
            removal: Removal::Archived,
            since: t0(),
        },
        _ => LinkStatus::Linked,
    };
    Link {
        local_id: format!("L{i:07}").into(),
        remote_id: format!("R{i:07}").into(),
        status,
        origin: LinkOrigin::Matched,
        linked_at: t0(),
        base: Some(Arc::new(base)),
        remote_version: Some(VersionToken::SyncToken(edit.to_string())),
    }
}

/// Polls two futures in turn until both are done: two workers racing on
/// one executor thread, without a runtime.
async fn race<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none()
            && let Poll::Ready(v) = a.as_mut().poll(cx)
        {
            ra = Some(v);
        }
        if rb.is_none()
            && let Poll::Ready(v) = b.as_mut().poll(cx)
        {
            rb = Some(v);
        }
        match (ra.take(), rb.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                ra = x;
                rb = y;
                Poll::Pending
            }
        }
    })
    .await
}

async fn save_full<S: StateStore + ?Sized>(
    store: &S,
    connection: &str,
    expected: Generation,
    state: &SyncState,
) -> Result<SaveOutcome, AdapterError> {
    store
        .save(connection, expected, state, &diff(&SyncState::new(), state))
        .await
}

/// Nothing stored loads as `None`; a saved state loads equal, at
/// generation 1, then 2 after the next save.
///
/// # Errors
/// The first difference found.
pub async fn round_trip<S: StateStore + ?Sized>(
    store: &S,
    connection: &str,
) -> Result<(), StateCheckFailure> {
    const C: &str = "round_trip";
    let e = store_err(C);
    if store.load(connection).await.map_err(&e)?.is_some() {
        return Err(fail(C, "a connection never saved loaded a state"));
    }
    let s1 = sample_state(12);
    let saved = save_full(store, connection, Generation::NONE, &s1)
        .await
        .map_err(&e)?;
    if saved
        != (SaveOutcome::Saved {
            generation: Generation(1),
        })
    {
        return Err(fail(C, format!("the first save answered {saved:?}")));
    }
    let loaded = store
        .load(connection)
        .await
        .map_err(&e)?
        .ok_or_else(|| fail(C, "the saved state did not load"))?;
    if loaded.generation != Generation(1) || loaded.state != s1 {
        return Err(fail(C, "the state loaded differs from the state saved"));
    }
    let mut s2 = s1.clone();
    s2.run += 1;
    s2.insert_link(sample_link(3, 1));
    let saved = store
        .save(connection, Generation(1), &s2, &diff(&s1, &s2))
        .await
        .map_err(&e)?;
    if saved
        != (SaveOutcome::Saved {
            generation: Generation(2),
        })
    {
        return Err(fail(C, format!("the second save answered {saved:?}")));
    }
    let loaded = store.load(connection).await.map_err(&e)?;
    if loaded.as_ref().map(|l| (&l.state, l.generation)) != Some((&s2, Generation(2))) {
        return Err(fail(C, "the second state did not load as saved"));
    }
    Ok(())
}

/// A save expecting an old generation (or none, when one is stored) is a
/// [`SaveOutcome::Conflict`] naming the current one, and writes nothing;
/// of two workers saving from the same generation at once, exactly one
/// wins.
///
/// # Errors
/// The first difference found.
pub async fn cas_conflicts<S: StateStore + ?Sized>(
    a: &S,
    b: &S,
    connection: &str,
) -> Result<(), StateCheckFailure> {
    const C: &str = "cas_conflicts";
    let e = store_err(C);
    let s1 = sample_state(6);
    let _ = save_full(a, connection, Generation::NONE, &s1)
        .await
        .map_err(&e)?;
    let mut sa = s1.clone();
    sa.remote_cursor = Some("worker-a".into());
    sa.insert_link(sample_link(1, 5));
    let mut sb = s1.clone();
    sb.remote_cursor = Some("worker-b".into());
    sb.take_link(&"R0000002".into());
    let (da, db) = (diff(&s1, &sa), diff(&s1, &sb));
    let (ra, rb) = race(
        a.save(connection, Generation(1), &sa, &da),
        b.save(connection, Generation(1), &sb, &db),
    )
    .await;
    let (ra, rb) = (ra.map_err(&e)?, rb.map_err(&e)?);
    let winner = match (ra, rb) {
        (SaveOutcome::Saved { .. }, SaveOutcome::Conflict { current })
        | (SaveOutcome::Conflict { current }, SaveOutcome::Saved { .. })
            if current == Generation(2) =>
        {
            if matches!(ra, SaveOutcome::Saved { .. }) {
                &sa
            } else {
                &sb
            }
        }
        other => {
            return Err(fail(
                C,
                format!("two saves from generation 1 answered {other:?}"),
            ));
        }
    };
    let stale = a
        .save(connection, Generation(1), &s1, &diff(&sa, &s1))
        .await
        .map_err(&e)?;
    if stale
        != (SaveOutcome::Conflict {
            current: Generation(2),
        })
    {
        return Err(fail(C, format!("a stale save answered {stale:?}")));
    }
    let fresh = save_full(a, connection, Generation::NONE, &s1)
        .await
        .map_err(&e)?;
    if fresh
        != (SaveOutcome::Conflict {
            current: Generation(2),
        })
    {
        return Err(fail(
            C,
            format!("a first save over a state answered {fresh:?}"),
        ));
    }
    let loaded = b.load(connection).await.map_err(&e)?;
    if loaded.map(|l| l.state).as_ref() != Some(winner) {
        return Err(fail(C, "a refused save changed the stored state"));
    }
    Ok(())
}

/// A state saved whole by the code before format 2 ([`FORMAT_1_FIXTURE`])
/// loads (as format 1), and the next save rewrites it in today's format;
/// it loads the same after. Passes (returns `Ok(false)`) when the store
/// does not import format 1 ([`AdapterError::Unsupported`]).
///
/// # Errors
/// The first difference found.
pub async fn migrates_format_1<S: StateStore + ?Sized>(
    store: &S,
    connection: &str,
) -> Result<bool, StateCheckFailure> {
    const C: &str = "migrates_format_1";
    let e = store_err(C);
    match store.import_whole_json(connection, FORMAT_1_FIXTURE).await {
        Err(AdapterError::Unsupported { .. }) => return Ok(false),
        Err(other) => return Err(e(other)),
        Ok(SaveOutcome::Saved { .. }) => {}
        Ok(other) => return Err(fail(C, format!("the import answered {other:?}"))),
    }
    let loaded = store
        .load(connection)
        .await
        .map_err(&e)?
        .ok_or_else(|| fail(C, "the imported state did not load"))?;
    let expected = sample_state(3);
    if loaded.format != crate::sync::STATE_FORMAT_WHOLE_JSON || loaded.state != expected {
        return Err(fail(C, "the format-1 state did not load as it was saved"));
    }
    let mut next = loaded.state.clone();
    next.run += 1;
    let saved = store
        .save(
            connection,
            loaded.generation,
            &next,
            &diff(&loaded.state, &next),
        )
        .await
        .map_err(&e)?;
    let SaveOutcome::Saved { generation } = saved else {
        return Err(fail(
            C,
            format!("the first save after import answered {saved:?}"),
        ));
    };
    let again = store.load(connection).await.map_err(&e)?;
    match again {
        Some(l)
            if l.generation == generation
                && l.format == crate::sync::STATE_FORMAT_VERSION
                && l.state == next => {}
        _ => {
            return Err(fail(
                C,
                "after the first save the state did not load in today's format",
            ));
        }
    }
    Ok(true)
}

/// Two workers asking at once: exactly one holds the lease, the other is
/// told who does; a renewal or release with any other token fails; the
/// holder renews; a second acquisition under the holder's own worker name
/// is refused; once expired another worker takes it over with a greater
/// token and the first one's renewal is [`LeaseOutcome::Lost`]; a release
/// frees it and a stale token releases nothing.
///
/// # Errors
/// The first difference found.
pub async fn leases_are_exclusive<S: StateStore + ?Sized>(
    a: &S,
    b: &S,
    connection: &str,
) -> Result<(), StateCheckFailure> {
    const C: &str = "leases_are_exclusive";
    let e = store_err(C);
    let ttl = Duration::seconds(60);
    let now = t0();
    let (ra, rb) = race(
        a.acquire_lease(connection, "worker-a", now, ttl),
        b.acquire_lease(connection, "worker-b", now, ttl),
    )
    .await;
    let (ra, rb) = (ra.map_err(&e)?, rb.map_err(&e)?);
    let (holder, other, token, hs, os) = match (&ra, &rb) {
        (LeaseOutcome::Held { token, .. }, LeaseOutcome::Busy { lease })
            if lease.holder == "worker-a" =>
        {
            ("worker-a", "worker-b", *token, a, b)
        }
        (LeaseOutcome::Busy { lease }, LeaseOutcome::Held { token, .. })
            if lease.holder == "worker-b" =>
        {
            ("worker-b", "worker-a", *token, b, a)
        }
        _ => {
            return Err(fail(
                C,
                format!("two workers asking at once got {ra:?} and {rb:?}"),
            ));
        }
    };
    let later = now + Duration::seconds(30);
    let forged = LeaseToken(token.0.wrapping_add(1));
    if os
        .renew_lease(connection, forged, later, ttl)
        .await
        .map_err(&e)?
        != LeaseOutcome::Lost
    {
        return Err(fail(
            C,
            "a token that was never given out renewed the lease",
        ));
    }
    if os.release_lease(connection, forged).await.map_err(&e)? {
        return Err(fail(
            C,
            "a token that was never given out released the lease",
        ));
    }
    if !matches!(
        os.acquire_lease(connection, other, later, ttl)
            .await
            .map_err(&e)?,
        LeaseOutcome::Busy { .. }
    ) {
        return Err(fail(C, "an unexpired lease was taken by another worker"));
    }
    // A second process under the holder's own name (a restart, a copied
    // configuration) does not share the lease.
    if !matches!(
        os.acquire_lease(connection, holder, later, ttl)
            .await
            .map_err(&e)?,
        LeaseOutcome::Busy { .. }
    ) {
        return Err(fail(
            C,
            "a second acquisition under the holder's worker name was granted",
        ));
    }
    let renewed = hs
        .renew_lease(connection, token, later, ttl)
        .await
        .map_err(&e)?;
    if renewed.held_until() != Some(later + ttl) {
        return Err(fail(
            C,
            format!("the holder's renewal answered {renewed:?}"),
        ));
    }
    // Expired: the holder stopped renewing.
    let expired = later + ttl + Duration::seconds(1);
    let taken = os
        .acquire_lease(connection, other, expired, ttl)
        .await
        .map_err(&e)?;
    let LeaseOutcome::Held {
        expires_at,
        token: second,
    } = taken
    else {
        return Err(fail(
            C,
            format!("an expired lease was not taken over: {taken:?}"),
        ));
    };
    if expires_at != expired + ttl || second <= token {
        return Err(fail(
            C,
            format!(
                "a lease taken over answered {taken:?} (the first token was {token}; \
                 tokens must grow)"
            ),
        ));
    }
    if hs
        .renew_lease(connection, token, expired, ttl)
        .await
        .map_err(&e)?
        != LeaseOutcome::Lost
    {
        return Err(fail(C, "the old holder renewed a lease taken over"));
    }
    if hs.release_lease(connection, token).await.map_err(&e)? {
        return Err(fail(C, "the old holder released a lease taken over"));
    }
    if !os.release_lease(connection, second).await.map_err(&e)? {
        return Err(fail(C, "the holder could not release its lease"));
    }
    if os.release_lease(connection, second).await.map_err(&e)? {
        return Err(fail(C, "a lease was released twice"));
    }
    let after = hs
        .acquire_lease(connection, holder, expired, ttl)
        .await
        .map_err(&e)?;
    let LeaseOutcome::Held { token: third, .. } = after else {
        return Err(fail(C, format!("a released lease was not free: {after:?}")));
    };
    if third <= second {
        return Err(fail(
            C,
            format!("the token after a release ({third}) is not greater than before ({second})"),
        ));
    }
    if os
        .renew_lease(connection, second, expired, ttl)
        .await
        .map_err(&e)?
        != LeaseOutcome::Lost
    {
        return Err(fail(C, "a released lease's token renewed the next lease"));
    }
    // A lease that lapsed unrenewed is lost even when nobody took it.
    let lapsed = expired + ttl;
    if hs
        .renew_lease(connection, third, lapsed, ttl)
        .await
        .map_err(&e)?
        != LeaseOutcome::Lost
    {
        return Err(fail(C, "a lease renewed after it expired"));
    }
    Ok(())
}

/// A run's changes saved incrementally (the delta from the state loaded)
/// leave the same state as the same state saved whole under another
/// connection: links changed, added and removed, the head changed.
///
/// # Errors
/// The first difference found.
pub async fn incremental_equals_full<S: StateStore + ?Sized>(
    store: &S,
    incremental: &str,
    full: &str,
) -> Result<(), StateCheckFailure> {
    const C: &str = "incremental_equals_full";
    let e = store_err(C);
    let before = sample_state(40);
    let _ = save_full(store, incremental, Generation::NONE, &before)
        .await
        .map_err(&e)?;
    let mut after = before.clone();
    for i in [1, 7, 13] {
        after.insert_link(sample_link(i, 2));
    }
    after.insert_link(sample_link(1000, 0));
    let _ = after.take_link(&"R0000020".into());
    after.run += 1;
    after.remote_cursor = Some("remote-cursor-2".into());
    let delta = diff(&before, &after);
    if delta.link_rows() != 5 {
        return Err(fail(
            C,
            format!("the delta holds {} link rows, not 5", delta.link_rows()),
        ));
    }
    let saved = store
        .save(incremental, Generation(1), &after, &delta)
        .await
        .map_err(&e)?;
    if !matches!(saved, SaveOutcome::Saved { .. }) {
        return Err(fail(C, format!("the incremental save answered {saved:?}")));
    }
    let _ = save_full(store, full, Generation::NONE, &after)
        .await
        .map_err(&e)?;
    let inc = store.load(incremental).await.map_err(&e)?.map(|l| l.state);
    let whole = store.load(full).await.map_err(&e)?.map(|l| l.state);
    if inc.as_ref() != Some(&after) || whole.as_ref() != Some(&after) {
        return Err(fail(C, "incremental and full saves left different states"));
    }
    Ok(())
}

/// Every check of this module, with connection ids made from `prefix`
/// (unique per run when the storage outlives the test). `a` and `b` are two
/// handles on the same storage (two workers).
///
/// # Errors
/// The first check that failed.
pub async fn check_state_store<S: StateStore + ?Sized>(
    a: &S,
    b: &S,
    prefix: &str,
) -> Result<(), StateCheckFailure> {
    round_trip(a, &format!("{prefix}-round-trip")).await?;
    cas_conflicts(a, b, &format!("{prefix}-cas")).await?;
    let _imported = migrates_format_1(a, &format!("{prefix}-format-1")).await?;
    leases_are_exclusive(a, b, &format!("{prefix}-lease")).await?;
    incremental_equals_full(
        a,
        &format!("{prefix}-incremental"),
        &format!("{prefix}-full"),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MemoryStateStore, block_on};

    #[test]
    fn the_format_1_fixture_is_the_sample_state() {
        let state: SyncState = serde_json::from_str(FORMAT_1_FIXTURE).unwrap();
        assert_eq!(state, sample_state(3));
    }

    #[test]
    fn the_memory_store_conforms() {
        let a = MemoryStateStore::new();
        let b = a.clone();
        block_on(check_state_store(&a, &b, "memory")).unwrap();
        assert!(block_on(migrates_format_1(&a, "again")).unwrap());
    }
}
