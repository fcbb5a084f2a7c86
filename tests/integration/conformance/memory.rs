//! Every in-memory store passes every check that applies to it.

use ledgerlink::Profile;
use ledgerlink::testing::conformance::{Check, Settings, billing, contacts, time};
use ledgerlink::testing::{
    MemoryLedgerBilling, MemoryPracticeBilling, MemoryStore, MemoryTimeStore, block_on,
};

const PROFILES: [Profile; 3] = [Profile::XeroGl, Profile::Xpm, Profile::Qbo];

#[test]
fn ledgers_with_a_change_feed_pass_every_check() {
    for profile in PROFILES {
        let store = MemoryStore::ledger(profile).with_page_size(3);
        let summary = block_on(contacts::run_all(&store, &store, &Settings::default()));
        assert!(summary.is_ok(), "{profile:?}:\n{summary}");
        assert_eq!(summary.skipped().count(), 0, "{profile:?}:\n{summary}");
        assert_eq!(summary.reports.len(), 6);
    }
}

#[test]
fn ledgers_without_a_change_feed_pass_and_skip_change_listings() {
    for profile in PROFILES {
        let store = MemoryStore::ledger(profile).with_page_size(3);
        store.set_change_feed(false);
        let summary = block_on(contacts::run_all(&store, &store, &Settings::default()));
        assert!(summary.is_ok(), "{profile:?}:\n{summary}");
        assert_eq!(
            summary.skipped().collect::<Vec<_>>(),
            [Check::ChangeListing],
            "{profile:?}:\n{summary}"
        );
    }
}

#[test]
fn the_local_store_passes_every_check() {
    let store = MemoryStore::local().with_page_size(3);
    let summary = block_on(contacts::run_all(&store, &store, &Settings::default()));
    assert!(summary.is_ok(), "{summary}");
    assert_eq!(summary.skipped().count(), 0, "{summary}");
}

#[test]
fn the_checks_run_again_on_one_store_with_a_new_run_id() {
    let store = MemoryStore::ledger(Profile::XeroGl).with_page_size(5);
    for run in ["first", "second"] {
        let settings = Settings::default().with_run_id(run);
        let summary = block_on(contacts::run_all(&store, &store, &settings));
        assert!(summary.is_ok(), "{run}:\n{summary}");
    }
}

#[test]
fn end_to_end_holds_for_several_seeds() {
    for seed in 1..=8 {
        for profile in PROFILES {
            let store = MemoryStore::ledger(profile).with_page_size(4);
            let settings = Settings::default().with_seed(seed);
            let report = block_on(contacts::end_to_end(&store, &store, &settings));
            assert!(report.is_ok(), "{profile:?} seed {seed}: {report}");
        }
        let local = MemoryStore::local().with_page_size(4);
        let settings = Settings::default().with_seed(seed);
        let report = block_on(contacts::end_to_end(&local, &local, &settings));
        assert!(report.is_ok(), "local seed {seed}: {report}");
    }
}

#[test]
fn billing_stores_pass() {
    let qbo = MemoryLedgerBilling::qbo().with_page_size(3);
    let settings = Settings::default();
    let invoices = block_on(billing::run_all_invoices(&qbo, &qbo, &settings));
    assert!(invoices.is_ok(), "{invoices}");
    let payments = block_on(billing::run_all_payments(&qbo, &qbo, &settings));
    assert!(payments.is_ok(), "{payments}");
    assert_eq!(payments.skipped().count(), 0, "{payments}");

    let firm = MemoryPracticeBilling::new().with_page_size(3);
    let payments = block_on(billing::run_all_payments(&firm, &firm, &settings));
    assert!(payments.is_ok(), "{payments}");
}

#[test]
fn the_time_store_passes() {
    let qbt = MemoryTimeStore::new().with_page_size(3);
    let summary = block_on(time::run_all(&qbt, &qbt, &Settings::default()));
    assert!(summary.is_ok(), "{summary}");
    assert_eq!(summary.reports.len(), 3);
}

/// QBO as its adapter behaves, within the contract: its change feed
/// answers `Unsupported` from a cursor (more changes than one answer
/// holds), and an update without its `SyncToken` is refused before it is
/// sent.
struct QboLike(MemoryStore);

#[async_trait::async_trait]
impl ledgerlink::ports::ContactStore for QboLike {
    async fn list(
        &self,
        page: Option<&str>,
    ) -> Result<ledgerlink::ports::Page, ledgerlink::ports::AdapterError> {
        self.0.list(page).await
    }

    async fn list_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<ledgerlink::ports::ChangesPage, ledgerlink::ports::AdapterError> {
        if cursor.is_some() {
            return Err(ledgerlink::ports::AdapterError::Unsupported {
                what: "more changes than one answer holds".into(),
            });
        }
        self.0.list_changes(cursor, page).await
    }

    async fn create(
        &self,
        c: &ledgerlink::Contact,
        key: &str,
    ) -> Result<ledgerlink::Contact, ledgerlink::ports::AdapterError> {
        self.0.create(c, key).await
    }

    async fn update(
        &self,
        id: &ledgerlink::ContactId,
        patch: &ledgerlink::sync::FieldPatch,
        v: Option<&ledgerlink::model::VersionToken>,
    ) -> Result<ledgerlink::Contact, ledgerlink::ports::AdapterError> {
        if v.is_none() {
            return Err(ledgerlink::ports::AdapterError::Validation {
                code: None,
                message: "QBO refuses an update without its SyncToken".into(),
            });
        }
        self.0.update(id, patch, v).await
    }
}

/// Regressions of the kit: a feed answering `Unsupported` for one cursor
/// (the contract's way out) was reported as a failed call, and a store
/// that checks versions was sent updates without one in the errors check.
#[test]
fn contract_allowed_refusals_pass() {
    let store = QboLike(MemoryStore::ledger(Profile::Qbo).with_page_size(3));
    let settings = Settings::default();
    let report = block_on(contacts::change_listing(&store, &store.0, &settings));
    assert!(report.is_ok(), "{report}");
    let report = block_on(contacts::errors(&store, &store.0, &settings));
    assert!(report.is_ok(), "{report}");
    assert!(!matches!(
        report.outcome,
        ledgerlink::testing::conformance::Outcome::Skipped { .. }
    ));
}
