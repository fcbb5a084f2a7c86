//! A firm connected to Xero end to end (features `http` and `sqlite`): the
//! driver with the reference Xero adapter over the Xero fake and the
//! firm's sync state in SQLite — first connection, a change made in Xero,
//! an expired access token refreshed at the fake's token endpoint, a 429
//! waited out. Every run ends quiet or completed, and nothing is created
//! twice in the ledger.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerlink::driver::{Driver, RunOutcome, RunReport};
use ledgerlink::http::{
    ClientCredentials, Config, Connection, LatestRefreshToken, ManualClock, OAuthRefresh, Secret,
    XeroAdapter,
};
use ledgerlink::stores::sqlite::SqliteStateStore;
use ledgerlink::sync::ConnectionConfig;
use ledgerlink::testing::{MemoryStore, TestClock};
use ledgerlink::wire::xero;
use ledgerlink::{Contact, Profile};
use ledgerlink_fakes::XeroFake;
use serde_json::json;

/// One run of the connection with its state loaded from SQLite, as a
/// fresh worker process would; every run must end quiet or completed.
async fn run(
    local: &MemoryStore,
    xero: &XeroAdapter,
    states: &SqliteStateStore,
    fake: &XeroFake,
) -> Vec<RunReport> {
    let config = ConnectionConfig::new(Profile::XeroGl);
    let now = DateTime::<Utc>::from_timestamp_millis(fake.now_ms()).unwrap();
    // The lease is timed by the fake's clock: it stands still in a run.
    let clock = TestClock::new(now);
    let driver = Driver::new(&config, local, xero)
        .with_state_store(states, "firm-1", "worker-a", &clock)
        .with_change_listings(true);
    let mut state = driver.load_state().await.unwrap();
    let reports = driver
        .run_until_quiet(&mut state, &[], now, 6)
        .await
        .unwrap();
    for r in &reports {
        assert!(
            matches!(r.outcome, RunOutcome::Quiet | RunOutcome::Completed),
            "{:?}",
            r.outcome
        );
    }
    assert_eq!(reports.last().map(|r| r.outcome), Some(RunOutcome::Quiet));
    reports
}

/// Xero's contacts by name: each name once.
fn names(fake: &XeroFake) -> BTreeMap<String, String> {
    let mut by_name = BTreeMap::new();
    for c in fake.contacts() {
        let name = c["Name"].as_str().unwrap().to_owned();
        let email = c["EmailAddress"].as_str().unwrap_or("").to_owned();
        assert!(
            by_name.insert(name.clone(), email).is_none(),
            "{name} twice in Xero"
        );
    }
    by_name
}

#[tokio::test]
async fn a_firm_connects_to_xero_with_sqlite_state() {
    let fake = XeroFake::start("tenant-firm").unwrap();
    fake.insert_contact(json!({"Name": "Harbour Joinery Ltd", "EmailAddress": "ap@harbour.test"}));
    fake.insert_contact(json!({"Name": "Quayside Bakery", "EmailAddress": "hi@quayside.test"}));
    let local = MemoryStore::local().with_contacts([
        Contact::organization("K1", "Acme Ltd").with_email("ap@acme.test"),
        Contact::person("K2", "Jane", "Smith").with_email("jane@smith.test"),
        Contact::organization("K3", "Harbour Joinery Ltd").with_email("ap@harbour.test"),
    ]);

    // The app's credentials and the refresh token the firm's consent gave.
    let (id, secret) = fake.client_credentials();
    let rotations = Arc::new(LatestRefreshToken::new());
    let tokens = OAuthRefresh::new(
        fake.token_url(),
        ClientCredentials::new(id, secret),
        Secret::new(fake.refresh_token()),
        rotations.clone(),
    )
    .unwrap();
    let clock = Arc::new(ManualClock::new());
    let connection = Arc::new(
        Connection::new(Config::for_profile(Profile::XeroGl), Arc::new(tokens))
            .unwrap()
            .with_clock(clock.clone()),
    );
    let xero = XeroAdapter::new(connection, xero::Calls::new(fake.tenant_id()))
        .with_base_url(fake.api_base());
    let states = SqliteStateStore::open_in_memory().unwrap();
    states.migrate().unwrap();

    // First connection: Harbour Joinery matched, Quayside Bakery imported
    // (Xero GL takes no new contacts from the firm: P1).
    run(&local, &xero, &states, &fake).await;
    assert_eq!(names(&fake).len(), 2);
    assert_eq!(local_names(&local).len(), 4);
    assert_eq!(
        rotations.rotations(),
        1,
        "the first call had no access token"
    );

    // A change made in Xero reaches the firm.
    fake.advance(Duration::from_secs(600));
    let bakery = fake
        .contacts()
        .into_iter()
        .find(|c| c["Name"] == "Quayside Bakery")
        .unwrap();
    fake.edit_contact(
        bakery["ContactID"].as_str().unwrap(),
        json!({"EmailAddress": "orders@quayside.test"}),
    );
    fake.advance(Duration::from_secs(60));
    run(&local, &xero, &states, &fake).await;
    let bakery_here = local
        .all()
        .into_iter()
        .find(|c| c.label() == "Quayside Bakery")
        .unwrap();
    assert_eq!(bakery_here.billing_email(), Some("orders@quayside.test"));

    // The access token expires: refreshed at the token endpoint, the new
    // refresh token handed back to be stored; the firm's change of a
    // linked contact reaches Xero.
    fake.advance(Duration::from_secs(600));
    fake.expire_access_tokens();
    let harbour = local
        .all()
        .into_iter()
        .find(|c| c.label() == "Harbour Joinery Ltd")
        .unwrap();
    local.edit(&harbour.id, |c| {
        c.emails[0].address = "accounts@harbour.test".into();
    });
    run(&local, &xero, &states, &fake).await;
    assert_eq!(rotations.rotations(), 2);
    assert_eq!(names(&fake)["Harbour Joinery Ltd"], "accounts@harbour.test");

    // A 429: the adapter waits its Retry-After (on the manual clock) and
    // the run goes on.
    fake.advance(Duration::from_secs(600));
    fake.throttle_next(1, 7);
    run(&local, &xero, &states, &fake).await;
    assert!(
        clock.waits().contains(&Duration::from_secs(7)),
        "{:?}",
        clock.waits()
    );
    assert!(fake.requests().iter().any(|r| r.status == 429));

    // Nothing twice on either side, nothing created in Xero.
    assert_eq!(names(&fake).len(), 2);
    assert_eq!(local_names(&local).len(), 4);
}

/// The firm's contacts by name: each name once.
fn local_names(local: &MemoryStore) -> Vec<String> {
    let mut all: Vec<String> = local.all().iter().map(Contact::label).collect();
    let count = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), count, "a name twice in the firm: {all:?}");
    all
}
