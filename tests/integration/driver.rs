//! The driver over the in-memory stores: crash safety (U1), rate limits
//! (U4), stale versions (U5), disconnection (E3), the audit trail (U9) and
//! change listings.

use chrono::Duration;
use ledgerlink::driver::{Driver, RunOutcome};
use ledgerlink::ports::AdapterError;
use ledgerlink::sync::{AuditStatus, ConnectionConfig, Decision, LinkOrigin, SyncState, Trigger};
use ledgerlink::testing::{Call, Fault, MemoryStateStore, MemoryStore, TestClock, block_on};
use ledgerlink::{Contact, Profile};

use crate::support::time::t0;

fn acme() -> Contact {
    Contact::organization("K1", "Acme Ltd").with_email("ap@acme.test")
}

fn stores(profile: Profile) -> (MemoryStore, MemoryStore) {
    let local = MemoryStore::local().with_contacts([
        acme(),
        Contact::person("K2", "Jane", "Smith").with_email("jane@smith.test"),
    ]);
    let mut r1 = Contact::named("R1", "Acme Ltd").with_email("ap@acme.test");
    let mut r2 = Contact::named("R2", "Bloggs Trust").with_email("fred@bloggs.test");
    if profile == Profile::Qbo {
        r1.organization_name = Some("Acme Ltd".into());
        r2.organization_name = Some("Bloggs Trust".into());
    }
    let remote = MemoryStore::ledger(profile).with_contacts([r1, r2]);
    (local, remote)
}

#[test]
fn first_connection_then_quiet() {
    let (local, remote) = stores(Profile::XeroGl);
    let config = ConnectionConfig::new(Profile::XeroGl);
    let saved = MemoryStateStore::new();
    let clock = TestClock::new(t0());
    let driver = Driver::new(&config, &local, &remote)
        .with_state_store(&saved, "firm-1", "worker-a", &clock);
    let mut state = SyncState::new();
    let reports = block_on(driver.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].outcome, RunOutcome::Completed);
    assert_eq!(reports[1].outcome, RunOutcome::Quiet);
    // R1 linked to K1, R2 created locally (M1, M3).
    assert_eq!(state.linked().count(), 2);
    assert_eq!(local.len(), 3);
    // The state was saved before sending and after feeding back (U1).
    assert_eq!(saved.last(), Some(state.clone()));
    assert!(saved.saves() >= 3);
}

#[test]
fn u1_crash_between_create_and_result_does_not_duplicate() {
    let (local, remote) = stores(Profile::XeroGl);
    let config = ConnectionConfig::new(Profile::XeroGl);
    let driver = Driver::new(&config, &local, &remote);
    let mut state = SyncState::new();
    // The local create of R2 happens, but its answer is lost.
    local.fail_next(Call::Create, Fault::CrashAfterCreate);
    let r = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert!(matches!(
        r.trail.last().unwrap().status,
        AuditStatus::Failed { .. }
    ));
    assert_eq!(state.in_flight().len(), 1, "the create stays in flight");
    assert_eq!(local.len(), 3);
    // The next run re-sends it with the same key: the store answers with
    // the record it already made.
    let r = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert!(r.wants_rerun());
    assert_eq!(local.len(), 3);
    assert_eq!(state.in_flight().len(), 0);
    let r = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(r.outcome, RunOutcome::Quiet);
    assert_eq!(local.len(), 3);
}

#[test]
fn u4_rate_limit_ends_the_run_with_a_retry_time() {
    let (local, remote) = stores(Profile::Qbo);
    let config = ConnectionConfig::new(Profile::Qbo);
    let driver = Driver::new(&config, &local, &remote);
    let mut state = SyncState::new();
    block_on(driver.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    local.edit("K1", |c| c.emails[0].address = "billing@acme.test".into());
    remote.fail_next(
        Call::Update,
        Fault::RateLimited {
            retry_after_secs: 60,
        },
    );
    let r = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(r.outcome, RunOutcome::RetryLater);
    assert_eq!(r.retry_at, Some(t0() + Duration::seconds(60)));
    // Before the time: nothing is even listed.
    remote.reset_calls();
    let r = block_on(driver.run(
        &mut state,
        &[],
        Trigger::Scheduled,
        t0() + Duration::seconds(30),
    ))
    .unwrap();
    assert_eq!(r.outcome, RunOutcome::RetryLater);
    assert_eq!(remote.calls().total(), 0);
    // After it: done.
    let later = t0() + Duration::seconds(61);
    block_on(driver.run_until_quiet(&mut state, &[], later, 5)).unwrap();
    assert_eq!(
        remote.get("R1").unwrap().billing_email(),
        Some("billing@acme.test")
    );
}

#[test]
fn u5_stale_version_is_reread_never_overwritten_blindly() {
    let (local, remote) = stores(Profile::Qbo);
    let config = ConnectionConfig::new(Profile::Qbo);
    let driver = Driver::new(&config, &local, &remote);
    let mut state = SyncState::new();
    block_on(driver.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    local.edit("K1", |c| c.emails[0].address = "billing@acme.test".into());
    remote.fail_next(Call::Update, Fault::StaleVersion);
    let r = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    let applied = r.applied.unwrap();
    assert_eq!(applied.reread.len(), 1);
    assert_eq!(
        remote.get("R1").unwrap().billing_email(),
        Some("ap@acme.test")
    );
    // Re-read and re-plan: the update goes through with the new SyncToken.
    block_on(driver.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    assert_eq!(
        remote.get("R1").unwrap().billing_email(),
        Some("billing@acme.test")
    );
}

#[test]
fn e3_expired_credentials_disconnect_until_reconnected() {
    let (local, remote) = stores(Profile::XeroGl);
    let config = ConnectionConfig::new(Profile::XeroGl);
    let driver = Driver::new(&config, &local, &remote);
    let mut state = SyncState::new();
    remote.fail_next(Call::List, Fault::AuthenticationExpired);
    let r = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(r.outcome, RunOutcome::Disconnected);
    assert!(state.is_disconnected());
    remote.renew_credentials();
    remote.reset_calls();
    let r = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(r.outcome, RunOutcome::Disconnected);
    assert_eq!(
        remote.calls().total(),
        0,
        "nothing is sent while disconnected"
    );
    state.reconnect();
    let r = block_on(driver.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    assert_eq!(r.last().unwrap().outcome, RunOutcome::Quiet);
}

#[test]
fn e3_an_expired_access_token_asks_for_a_refresh_and_never_disconnects() {
    let (local, remote) = stores(Profile::XeroGl);
    let config = ConnectionConfig::new(Profile::XeroGl);
    let saved = MemoryStateStore::new();
    let clock = TestClock::new(t0());
    let driver = Driver::new(&config, &local, &remote)
        .with_state_store(&saved, "firm-1", "worker-a", &clock);
    let mut state = SyncState::new();
    // The ledger refuses the access token on the listing (HTTP 401): the
    // run ends asking for a refresh, the connection stays connected.
    remote.fail_next(Call::List, Fault::AccessTokenExpired);
    let r = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(r.outcome, RunOutcome::RefreshToken);
    assert!(!state.is_disconnected());
    // The same on a write: the first create is refused, the rest of the
    // run is not sent, nothing is queued or disconnected.
    local.fail_next(Call::Create, Fault::AccessTokenExpired);
    let r = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(r.outcome, RunOutcome::RefreshToken);
    assert!(
        r.applied
            .as_ref()
            .is_some_and(|a| a.token_expired && !a.disconnected)
    );
    assert!(!state.is_disconnected());
    assert_eq!(local.len(), 2, "the refused create made nothing");
    // After the refresh (the next call succeeds) the run completes.
    let reports = block_on(driver.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    assert_eq!(reports.last().map(|r| r.outcome), Some(RunOutcome::Quiet));
    assert_eq!(local.len(), 3);
    assert_eq!(state.linked().count(), 2);
}

#[test]
fn u9_trail_lists_planned_applied_failed_and_skipped() {
    // XPM pushes an organisation and its person; the organisation's create
    // fails, so the person's is skipped.
    let local = MemoryStore::local();
    let remote = MemoryStore::ledger(Profile::Xpm);
    let config = ConnectionConfig::new(Profile::Xpm).with_push_contact_type("Client");
    let driver = Driver::new(&config, &local, &remote);
    let mut state = SyncState::new();
    block_on(driver.run_until_quiet(&mut state, &[], t0(), 3)).unwrap();
    local.insert(acme().with_contact_type("Client"));
    local.insert(Contact::person("K2", "Jane", "Smith").linked_to("K1"));
    remote.fail_next(
        Call::Create,
        Fault::RateLimited {
            retry_after_secs: 5,
        },
    );
    let r = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    let statuses: Vec<(&str, &AuditStatus)> = r
        .trail
        .iter()
        .map(|e| (e.op_id.as_str(), &e.status))
        .collect();
    assert_eq!(statuses.len(), 4);
    assert_eq!(statuses[0], ("create-remote:K1", &AuditStatus::Planned));
    assert_eq!(statuses[1], ("create-remote:K2", &AuditStatus::Planned));
    assert!(matches!(
        statuses[2],
        (
            "create-remote:K1",
            AuditStatus::Failed {
                error: AdapterError::RateLimited { .. }
            }
        )
    ));
    assert!(matches!(
        statuses[3],
        ("create-remote:K2", AuditStatus::Skipped { .. })
    ));
    // Both are planned again once the wait is over, and land.
    block_on(driver.run_until_quiet(&mut state, &[], t0() + Duration::seconds(6), 5)).unwrap();
    assert_eq!(remote.len(), 2);
    let jane = remote.find_by_name("Jane Smith");
    let acme = remote.find_by_name("Acme Ltd");
    assert_eq!(jane[0].organization_ids, vec![acme[0].id.clone()]);
}

#[test]
fn change_listings_fall_back_to_a_full_local_listing_for_new_records() {
    let (local, remote) = stores(Profile::XeroGl);
    let config = ConnectionConfig::new(Profile::XeroGl);
    let driver = Driver::new(&config, &local, &remote).with_change_listings(true);
    let mut state = SyncState::new();
    block_on(driver.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    assert!(state.remote_cursor.is_some() || remote.calls().list > 0);
    // A change on each side: only the change feeds are read.
    local.edit("K1", |c| c.emails[0].address = "billing@acme.test".into());
    remote.edit("R2", |c| c.emails[0].address = "trustee@bloggs.test".into());
    local.reset_calls();
    remote.reset_calls();
    block_on(driver.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    assert_eq!(local.calls().list, 0);
    assert_eq!(remote.calls().list, 0);
    assert_eq!(
        remote.get("R1").unwrap().billing_email(),
        Some("billing@acme.test")
    );
    let created = state.link_of_remote("R2").unwrap();
    assert_eq!(created.origin, LinkOrigin::CreatedLocally);
    assert_eq!(
        local.get(&created.local_id).unwrap().billing_email(),
        Some("trustee@bloggs.test")
    );
    // A new ledger record needs every local contact to match against.
    remote.insert(Contact::named("R3", "Jane Smith").with_email("jane@smith.test"));
    block_on(driver.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    assert!(local.calls().list > 0, "full local listing for matching");
    assert_eq!(state.link_of_remote("R3").unwrap().local_id.as_str(), "K2");
}

#[test]
fn decisions_go_through_the_driver() {
    let local = MemoryStore::local().with_contacts([acme()]);
    let remote = MemoryStore::ledger(Profile::XeroGl)
        .with_contacts([Contact::named("R1", "Acme Ltd").with_email("other@acme.test")]);
    let config = ConnectionConfig::new(Profile::XeroGl);
    let driver = Driver::new(&config, &local, &remote);
    let mut state = SyncState::new();
    block_on(driver.run_until_quiet(&mut state, &[], t0(), 3)).unwrap();
    assert_eq!(state.issues().len(), 1);
    let confirm = [Decision::ConfirmMatch {
        remote_id: "R1".into(),
        local_id: "K1".into(),
    }];
    block_on(driver.run_until_quiet(&mut state, &confirm, t0(), 3)).unwrap();
    assert_eq!(state.issues().len(), 0);
    assert_eq!(
        local.get("K1").unwrap().billing_email(),
        Some("other@acme.test")
    );
}

#[test]
fn decisions_work_with_change_listings_and_creates_in_flight() {
    let local = MemoryStore::local().with_contacts([acme()]);
    let remote = MemoryStore::ledger(Profile::XeroGl).with_contacts([
        Contact::named("R1", "Acme Ltd").with_email("other@acme.test"),
        Contact::named("R2", "Bloggs Trust").with_email("fred@bloggs.test"),
    ]);
    let config = ConnectionConfig::new(Profile::XeroGl);
    let driver = Driver::new(&config, &local, &remote).with_change_listings(true);
    let mut state = SyncState::new();
    // R2's local create lands but its answer is lost: it stays in flight.
    local.fail_next(Call::Create, Fault::CrashAfterCreate);
    block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert_eq!(state.in_flight().len(), 1);
    // A decision about R1, which no change feed lists, arrives now: the
    // create in flight is settled first, then the decision is carried out.
    let confirm = [Decision::ConfirmMatch {
        remote_id: "R1".into(),
        local_id: "K1".into(),
    }];
    block_on(driver.run(&mut state, &confirm, Trigger::Scheduled, t0())).unwrap();
    assert_eq!(state.in_flight().len(), 0);
    assert_eq!(state.link_of_remote("R1").unwrap().local_id.as_str(), "K1");
    assert_eq!(local.len(), 2, "no duplicate of R2");
}

/// A store whose listing never ends: every page answers another page, with
/// the same token (`fixed`) or a new one each time.
struct EndlessStore {
    fixed: bool,
    calls: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl ledgerlink::ports::ContactStore for EndlessStore {
    async fn list(&self, _page: Option<&str>) -> Result<ledgerlink::ports::Page, AdapterError> {
        let n = self
            .calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let token = if self.fixed {
            "same".to_owned()
        } else {
            format!("p{n}")
        };
        Ok(ledgerlink::ports::Page {
            contacts: vec![Contact::named(format!("E{n}").as_str(), "Acme Ltd")],
            next_page: Some(token),
        })
    }
    async fn list_changes(
        &self,
        _cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<ledgerlink::ports::ChangesPage, AdapterError> {
        let p = self.list(page).await?;
        Ok(ledgerlink::ports::ChangesPage {
            changed: p.contacts,
            deleted: Vec::new(),
            next_page: p.next_page,
            cursor: Some("c".into()),
        })
    }
    async fn create(&self, _: &Contact, _: &str) -> Result<Contact, AdapterError> {
        Err(AdapterError::Unsupported {
            what: "create".into(),
        })
    }
    async fn update(
        &self,
        _: &ledgerlink::ContactId,
        _: &ledgerlink::sync::FieldPatch,
        _: Option<&ledgerlink::model::VersionToken>,
    ) -> Result<Contact, AdapterError> {
        Err(AdapterError::Unsupported {
            what: "update".into(),
        })
    }
}

#[test]
fn a_listing_whose_cursor_never_advances_stops_with_a_typed_error_not_a_hang() {
    use ledgerlink::driver::DriverError;
    use ledgerlink::ops::PagingError;
    let (local, _) = stores(Profile::XeroGl);
    let config = ConnectionConfig::new(Profile::XeroGl);
    let remote = EndlessStore {
        fixed: true,
        calls: 0.into(),
    };
    let driver = Driver::new(&config, &local, &remote);
    let mut state = SyncState::new();
    let err = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap_err();
    assert!(
        matches!(
            &err,
            DriverError::Paging {
                side: ledgerlink::Side::Remote,
                error: PagingError::RepeatedToken { page: 2, .. }
            }
        ),
        "{err:?}"
    );
    assert_eq!(remote.calls.load(std::sync::atomic::Ordering::Relaxed), 2);
    // Nothing was planned or sent.
    assert_eq!(state, SyncState::new());
    assert_eq!(local.len(), 2);
}

#[test]
fn a_listing_that_keeps_answering_new_pages_stops_at_the_page_limit() {
    use ledgerlink::driver::DriverError;
    use ledgerlink::ops::PagingError;
    let (local, _) = stores(Profile::XeroGl);
    let config = ConnectionConfig::new(Profile::XeroGl);
    let remote = EndlessStore {
        fixed: false,
        calls: 0.into(),
    };
    let driver = Driver::new(&config, &local, &remote).with_page_limit(50);
    let mut state = SyncState::new();
    let err = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap_err();
    assert_eq!(
        err,
        DriverError::Paging {
            side: ledgerlink::Side::Remote,
            error: PagingError::TooManyPages { limit: 50 }
        }
    );
    assert_eq!(remote.calls.load(std::sync::atomic::Ordering::Relaxed), 50);
    // The change listing is bounded the same way.
    state.initial_sync_done = true;
    let driver = driver.with_change_listings(true);
    let err = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap_err();
    assert!(matches!(err, DriverError::Paging { .. }), "{err:?}");
}

/// A ledger whose change feed refuses an old cursor (QBO's change data
/// capture keeps 30 days) and, optionally, lists its first record again on
/// the last page (a record written between two pages).
struct ExpiringFeed<'a> {
    inner: &'a MemoryStore,
    cursor_expired: std::sync::atomic::AtomicBool,
    repeat_first: bool,
}

#[async_trait::async_trait]
impl ledgerlink::ports::ContactStore for ExpiringFeed<'_> {
    async fn list(&self, page: Option<&str>) -> Result<ledgerlink::ports::Page, AdapterError> {
        let mut p = self.inner.list(page).await?;
        if self.repeat_first && p.next_page.is_none() {
            let all = self.inner.all();
            p.contacts.extend(all.first().cloned());
        }
        Ok(p)
    }
    async fn list_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<ledgerlink::ports::ChangesPage, AdapterError> {
        if cursor.is_some()
            && self
                .cursor_expired
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            return Err(AdapterError::Unsupported {
                what: "a cursor older than the change feed keeps".into(),
            });
        }
        let mut p = self.inner.list_changes(cursor, page).await?;
        if self.repeat_first && p.next_page.is_none() {
            p.changed.extend(self.inner.all().first().cloned());
        }
        Ok(p)
    }
    async fn create(&self, c: &Contact, key: &str) -> Result<Contact, AdapterError> {
        self.inner.create(c, key).await
    }
    async fn update(
        &self,
        id: &ledgerlink::ContactId,
        patch: &ledgerlink::sync::FieldPatch,
        version: Option<&ledgerlink::model::VersionToken>,
    ) -> Result<Contact, AdapterError> {
        self.inner.update(id, patch, version).await
    }
}

#[test]
fn an_expired_change_cursor_is_replaced_through_the_feed_not_left_to_full_listings_for_good() {
    let (local, ledger) = stores(Profile::Qbo);
    let remote = ExpiringFeed {
        inner: &ledger,
        cursor_expired: std::sync::atomic::AtomicBool::new(false),
        repeat_first: false,
    };
    let config = ConnectionConfig::new(Profile::Qbo);
    let driver = Driver::new(&config, &local, &remote).with_change_listings(true);
    let mut state = SyncState::new();
    block_on(driver.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    block_on(driver.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    let first_cursor = state.remote_cursor.clone();
    assert!(first_cursor.is_some());
    // The cursor is now too old for the feed; meanwhile R2 was deleted.
    remote
        .cursor_expired
        .store(true, std::sync::atomic::Ordering::Relaxed);
    ledger.edit("R1", |c| c.emails[0].address = "billing@acme.test".into());
    assert!(ledger.delete("R2"));
    ledger.reset_calls();
    let r = block_on(driver.run(&mut state, &[], Trigger::Scheduled, t0())).unwrap();
    assert_ne!(r.outcome, RunOutcome::Quiet);
    // Everything was read through the feed (not `list`), as a full
    // listing: the deletion shows (U8) and a fresh cursor is kept.
    assert_eq!(ledger.calls().list, 0);
    assert!(ledger.calls().list_changes > 0);
    assert_ne!(state.remote_cursor, first_cursor);
    assert!(
        matches!(
            state.link_of_remote("R2").unwrap().status,
            ledgerlink::sync::LinkStatus::Removed { .. }
        ),
        "R2 is gone from the ledger (U8)"
    );
    assert_eq!(
        local.get("K1").unwrap().billing_email(),
        Some("billing@acme.test")
    );
    // The fresh cursor is accepted again: change listings resume.
    remote
        .cursor_expired
        .store(false, std::sync::atomic::Ordering::Relaxed);
    ledger.reset_calls();
    block_on(driver.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
    assert_eq!(ledger.calls().list, 0);
    assert!(ledger.calls().list_changes > 0);
}

#[test]
fn a_record_listed_twice_in_one_listing_is_planned_once() {
    for change_listings in [false, true] {
        let (local, ledger) = stores(Profile::XeroGl);
        ledger.set_page_size(1);
        let remote = ExpiringFeed {
            inner: &ledger,
            cursor_expired: std::sync::atomic::AtomicBool::new(false),
            repeat_first: true,
        };
        let config = ConnectionConfig::new(Profile::XeroGl);
        let driver = Driver::new(&config, &local, &remote).with_change_listings(change_listings);
        let mut state = SyncState::new();
        let reports = block_on(driver.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
        assert_eq!(reports.last().unwrap().outcome, RunOutcome::Quiet);
        assert_eq!(
            state.linked().count(),
            2,
            "change listings: {change_listings}"
        );
        assert_eq!(local.len(), 3, "R2 created locally once");
        // A change after the repeat is still read (the last copy wins).
        ledger.edit("R1", |c| c.emails[0].address = "billing@acme.test".into());
        block_on(driver.run_until_quiet(&mut state, &[], t0(), 5)).unwrap();
        assert_eq!(
            local.get("K1").unwrap().billing_email(),
            Some("billing@acme.test")
        );
    }
}

/// A service spawns runs on a multi-threaded runtime (`tokio::spawn`):
/// every future the driver hands out must be `Send`. (The paging loop used
/// async closures over a borrowed page token, whose futures rustc could not
/// prove `Send`.)
#[test]
fn the_drivers_futures_are_send() {
    fn send<T: Send>(future: T) -> T {
        future
    }
    let (local, remote) = stores(Profile::XeroGl);
    let config = ConnectionConfig::new(Profile::XeroGl);
    let saved = MemoryStateStore::new();
    let clock = TestClock::new(t0());
    let driver = Driver::new(&config, &local, &remote)
        .with_state_store(&saved, "firm-1", "worker-1", &clock);
    let mut state = SyncState::new();
    let r = block_on(send(driver.run(&mut state, &[], Trigger::Scheduled, t0()))).unwrap();
    assert_eq!(r.outcome, RunOutcome::Completed);
    block_on(send(driver.run_until_quiet(&mut state, &[], t0(), 3))).unwrap();
    block_on(send(driver.load_state())).unwrap();
    let time = ledgerlink::testing::MemoryTimeStore::new();
    block_on(send(ledgerlink::driver::read_jobcodes(&time))).unwrap();
}
