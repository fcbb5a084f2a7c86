//! A service that keeps a firm's contacts in step with Xero and QuickBooks
//! Online, built from ledgerlink's reference HTTP adapters (feature
//! `http`), its SQLite state store (`sqlite`), its webhook verifier
//! (`webhooks`) and its driver (`driver`), against the fake ledger servers
//! of `ledgerlink-fakes` on 127.0.0.1 (nothing leaves the machine).
//!
//! The story, each step checked (the example fails loudly if a behaviour
//! breaks):
//!
//! 1. the firm's contacts are rows of a SQLite table; each connection's
//!    local side is a `testing::MemoryStore::local()` loaded from those
//!    rows (a production service implements `ContactStore` over its own
//!    tables; what a run changes in the firm is not written back to the
//!    table here);
//! 2. the first connection to Xero and to QBO, over HTTP with OAuth
//!    refresh tokens, the connections' state in a SQLite file; Xero gets
//!    the firm's clients the firm asks for (`Decision::CreateRemote`, as
//!    Xero's rules want), QBO links and imports;
//! 3. the process is killed right after a create was sent (its answer
//!    lost on the wire) and restarts from the state file: the create is
//!    sent again with its idempotency key and Xero holds no duplicate;
//! 4. two workers race for one connection: one gets the lease, the other
//!    backs off (`RunOutcome::LeaseBusy`);
//! 5. an expired access token is refreshed silently and the rotated
//!    refresh token is stored;
//! 6. a 429 is paced (a `Retry-After` of 1 s waited out, the run
//!    completes);
//! 7. a signed webhook delivery reaches the service's endpoint (a tokio
//!    `TcpListener` taking one POST), is verified, and a change-listing
//!    run picks up the change;
//! 8. the QBO connection pushes the firm's new clients by contact type.
//!
//! The Xero connection's glue is the block marked "A service in 50 lines"
//! (the README shows it).
//!
//! Run with `cargo run --example service --features http,sqlite,webhooks,driver,testing`.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use chrono::{Duration, TimeZone, Utc};
use ledgerlink::driver::{Driver, DriverError, RunOutcome, RunReport};
use ledgerlink::http::{
    ClientCredentials, Config, Connection, LatestRefreshToken, OAuthRefresh, QboAdapter, Secret,
    XeroAdapter,
};
use ledgerlink::model::{ContactId, VersionToken};
use ledgerlink::ports::{AdapterError, ChangesPage, Clock, ContactStore, Page};
use ledgerlink::stores::sqlite::SqliteStateStore;
use ledgerlink::sync::{ConnectionConfig, Decision, FieldPatch};
use ledgerlink::testing::{MemoryStore, TestClock};
use ledgerlink::wire::webhooks::{ChangeEvent, decode_xero};
use ledgerlink::wire::{qbo, xero};
use ledgerlink::{Contact, Profile};
use ledgerlink_fakes::{QboFake, XeroFake};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

type Res<T> = Result<T, Box<dyn Error + Send + Sync>>;

const TENANT: &str = "3f1c2b7e-harbour-practice";
const REALM: &str = "9130357";
/// The app's Xero webhook key (from Xero's developer portal).
const WEBHOOK_KEY: &[u8] = b"xero-webhook-key-of-the-app";

// ======================= A service in 50 lines ==========================
// A Xero connection: an OAuth refresh token (rotations handed to a store),
// the HTTP adapter, the state in SQLite, the driver. In production: the
// default URLs (`OAuthRefresh::xero(..)`, no `with_base_url`) and a
// `RefreshTokenStore` over the service's database.

/// The adapter of one Xero organisation and the store of its rotated
/// refresh tokens.
fn connect_xero(
    (token_url, api_base): (String, String),
    tenant: &str,
    client: ClientCredentials,
    refresh_token: Secret,
) -> Result<(XeroAdapter, Arc<LatestRefreshToken>), AdapterError> {
    let rotated = Arc::new(LatestRefreshToken::new());
    let tokens = OAuthRefresh::new(token_url, client, refresh_token, rotated.clone())?;
    let config = Config::for_profile(Profile::XeroGl).with_user_agent("harbour-practice/1.0");
    let connection = Arc::new(Connection::new(config, Arc::new(tokens))?);
    let calls = xero::Calls::new(tenant);
    let adapter = XeroAdapter::new(connection, calls).with_base_url(api_base);
    Ok((adapter, rotated))
}

/// Runs one connection until it is quiet, the ledger asks to wait, or
/// another worker holds it (the last report says which). `decisions`: a
/// person's choices (Xero gets a firm's client only when asked). `clock`:
/// `&SystemClock` in production (here, the story's simulated time).
async fn sync(
    firm: &dyn ContactStore,
    ledger: &dyn ContactStore,
    profile: Profile,
    states: &SqliteStateStore,
    (connection, worker): (&str, &str),
    decisions: &[Decision],
    clock: &dyn Clock,
) -> Result<Vec<RunReport>, DriverError> {
    let config = ConnectionConfig::new(profile).with_push_contact_type("Client");
    let driver = Driver::new(&config, firm, ledger)
        .with_state_store(states, connection, worker, clock)
        .with_change_listings(true);
    let mut state = driver.load_state().await?;
    driver
        .run_until_quiet(&mut state, decisions, clock.now(), 5)
        .await
}
// ===================== end of "A service in 50 lines" ====================

/// The QBO connection, as `connect_xero` (Intuit's token endpoint).
fn connect_qbo(q: &QboFake) -> Result<(QboAdapter, Arc<LatestRefreshToken>), AdapterError> {
    let rotated = Arc::new(LatestRefreshToken::new());
    let (id, secret) = q.client_credentials();
    let tokens = OAuthRefresh::new(
        q.token_url(),
        ClientCredentials::new(id, secret),
        Secret::new(q.refresh_token()),
        rotated.clone(),
    )?;
    let connection = Arc::new(Connection::new(
        Config::for_profile(Profile::Qbo),
        Arc::new(tokens),
    )?);
    let adapter =
        QboAdapter::new(connection, qbo::Calls::new(q.realm_id())).with_base_url(q.api_base());
    Ok((adapter, rotated))
}

/// The firm's client table.
fn firm_database(path: &std::path::Path) -> Res<rusqlite::Connection> {
    let db = rusqlite::Connection::open(path)?;
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS clients (id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT)",
    )?;
    Ok(db)
}

/// A new client of the firm: a row in its table, and the same record in
/// the local stores the drivers read. Returns the decision that creates it
/// in Xero.
fn add_client(
    db: &rusqlite::Connection,
    firm: &[&MemoryStore],
    id: &str,
    name: &str,
    email: &str,
) -> Res<[Decision; 1]> {
    db.execute(
        "INSERT INTO clients (id, name, email) VALUES (?1, ?2, ?3)",
        rusqlite::params![id, name, email],
    )?;
    for f in firm {
        f.insert(client(id, name, email));
    }
    Ok([create_in_xero(id)])
}

fn create_in_xero(id: &str) -> Decision {
    Decision::CreateRemote {
        local_id: ContactId::new(id),
    }
}

fn client(id: &str, name: &str, email: &str) -> Contact {
    Contact::organization(id, name)
        .with_email(email)
        .with_contact_type("Client")
}

/// The local store, loaded from the firm's table.
fn load_firm(db: &rusqlite::Connection) -> Res<MemoryStore> {
    let mut statement = db.prepare("SELECT id, name, email FROM clients ORDER BY id")?;
    let rows = statement.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    let mut contacts = Vec::new();
    for row in rows {
        let (id, name, email) = row?;
        contacts.push(client(&id, &name, email.as_deref().unwrap_or_default()));
    }
    Ok(MemoryStore::local().with_contacts(contacts))
}

fn last(reports: &[RunReport]) -> Res<RunOutcome> {
    Ok(reports.last().ok_or("no run was made")?.outcome)
}

fn xero_id_of(x: &XeroFake, name: &str) -> Res<String> {
    let found = x.contacts().into_iter().find(|c| c["Name"] == name);
    let c = found.ok_or_else(|| format!("no Xero contact named {name}"))?;
    Ok(c["ContactID"].as_str().ok_or("no ContactID")?.to_owned())
}

/// Writes to Xero (creates and updates) logged by the fake so far.
fn xero_writes(x: &XeroFake) -> usize {
    x.requests()
        .iter()
        .filter(|r| r.method != "GET" && r.path.ends_with("/Contacts"))
        .count()
}

/// The Xero adapter, with a kill switch: after its next create was sent
/// (and its answer lost on the wire), the process "dies" before the
/// driver hears the result.
struct DiesAfterCreate<'a> {
    inner: &'a XeroAdapter,
    fake: &'a XeroFake,
    died: tokio::sync::Notify,
}

#[async_trait]
impl ContactStore for DiesAfterCreate<'_> {
    async fn list(&self, page: Option<&str>) -> Result<Page, AdapterError> {
        self.inner.list(page).await
    }
    async fn list_changes(
        &self,
        cursor: Option<&str>,
        page: Option<&str>,
    ) -> Result<ChangesPage, AdapterError> {
        self.inner.list_changes(cursor, page).await
    }
    async fn create(&self, contact: &Contact, key: &str) -> Result<Contact, AdapterError> {
        self.fake.lose_next_answers(1);
        let _created = self.inner.create(contact, key).await;
        self.died.notify_one();
        std::future::pending().await
    }
    async fn update(
        &self,
        id: &ContactId,
        patch: &FieldPatch,
        expected_version: Option<&VersionToken>,
    ) -> Result<Contact, AdapterError> {
        self.inner.update(id, patch, expected_version).await
    }
}

/// The service's webhook endpoint on 127.0.0.1: checks each POST's
/// `x-xero-signature`, answers 401 to one that does not verify and 200 to
/// the first that does, whose events it hands over (then stops: one
/// delivery is all the story needs).
async fn webhook_endpoint() -> Res<(String, tokio::task::JoinHandle<Res<Vec<ChangeEvent>>>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks/xero", listener.local_addr()?);
    let task = tokio::spawn(async move {
        for _ in 0..8 {
            let (mut socket, _) = listener.accept().await?;
            let (head, body) = read_post(&mut socket).await?;
            let signature = head.lines().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("x-xero-signature")
                    .then(|| value.trim().to_owned())
            });
            let verified = decode_xero(&body, signature.as_deref(), WEBHOOK_KEY);
            let status = if verified.is_ok() {
                "200 OK"
            } else {
                "401 Unauthorized"
            };
            let answer =
                format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            socket.write_all(answer.as_bytes()).await?;
            if let Ok(events) = verified {
                return Ok(events);
            }
        }
        Err("no delivery verified".into())
    });
    Ok((url, task))
}

/// One HTTP/1.1 request: its head (request line and headers) and its
/// `content-length` bytes of body (at most 1 MB).
async fn read_post(socket: &mut tokio::net::TcpStream) -> Res<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head_end, length) = loop {
        let n = socket.read(&mut chunk).await?;
        if n == 0 || buf.len() > 1 << 20 {
            return Err("the delivery ended early".into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or("no content-length")?;
            break (i + 4, length.min(1 << 20));
        }
    };
    while buf.len() < head_end + length {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Err("the delivery ended early".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    Ok((head, buf[head_end..head_end + length].to_vec()))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Res<()> {
    let dir = std::env::temp_dir().join(format!("ledgerlink-service-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let outcome = story(&dir).await;
    std::fs::remove_dir_all(&dir)?;
    outcome
}

#[allow(clippy::too_many_lines)]
async fn story(dir: &std::path::Path) -> Res<()> {
    // The service's clock for the runs (leases, the state's times).
    let mut now = Utc
        .with_ymd_and_hms(2026, 12, 6, 10, 0, 0)
        .single()
        .ok_or("invalid time")?;
    // The story's simulated time: leases are timed by it (a service
    // passes `&SystemClock`).
    let clock = TestClock::new(now);

    // ------------------------------------------------------------------ 1
    println!("1. The firm's contacts in SQLite");
    let db = firm_database(&dir.join("firm.db"))?;
    for (id, name, email) in [
        ("K1", "Harbour Cafe Ltd", "accounts@harbourcafe.test"),
        ("K2", "Quayside Bakery", "hello@quayside.test"),
        ("K3", "Smith Family Trust", "trustees@smith.test"),
    ] {
        db.execute(
            "INSERT INTO clients (id, name, email) VALUES (?1, ?2, ?3)",
            rusqlite::params![id, name, email],
        )?;
    }
    // One local store per connection, both loaded from the table.
    let firm_xero = load_firm(&db)?;
    let firm_qbo = load_firm(&db)?;
    assert_eq!(firm_xero.len(), 3);
    println!(
        "   table `clients`: 3 rows, loaded as the local side of each connection \
         (testing::MemoryStore::local())"
    );

    // ------------------------------------------------------------------ 2
    println!("2. First connection: Xero and QBO over HTTP, state in SQLite");
    let x = XeroFake::start(TENANT)?;
    x.insert_contact(serde_json::json!({
        "Name": "Harbour Cafe Ltd", "EmailAddress": "accounts@harbourcafe.test"
    }));
    let q = QboFake::start(REALM)?;
    q.insert_customer(serde_json::json!({
        "DisplayName": "Harbour Cafe Ltd", "CompanyName": "Harbour Cafe Ltd",
        "PrimaryEmailAddr": {"Address": "accounts@harbourcafe.test"}
    }));
    q.insert_customer(serde_json::json!({
        "DisplayName": "Bay Bikes Ltd", "CompanyName": "Bay Bikes Ltd",
        "PrimaryEmailAddr": {"Address": "hello@baybikes.test"}
    }));
    let state_file = dir.join("ledgerlink-state.db");
    let states = SqliteStateStore::open(&state_file)?;
    states.migrate()?;
    let (client_id, client_secret) = x.client_credentials();
    let (xero, xero_tokens) = connect_xero(
        (x.token_url(), x.api_base()),
        TENANT,
        ClientCredentials::new(client_id, client_secret),
        Secret::new(x.refresh_token()),
    )?;
    let (qbo, qbo_tokens) = connect_qbo(&q)?;
    let xero_conn = ("firm-1/xero", "worker-1");
    let qbo_conn = ("firm-1/qbo", "worker-1");
    let asked = [create_in_xero("K2"), create_in_xero("K3")];
    let r = sync(
        &firm_xero,
        &xero,
        Profile::XeroGl,
        &states,
        xero_conn,
        &asked,
        &clock,
    )
    .await?;
    assert_eq!(last(&r)?, RunOutcome::Quiet);
    assert_eq!(x.contacts().len(), 3, "Harbour linked, two clients created");
    println!(
        "   Xero: Harbour Cafe Ltd linked by name and email; Quayside Bakery and Smith Family \
         Trust created (the firm asked: Decision::CreateRemote)"
    );
    let r = sync(
        &firm_qbo,
        &qbo,
        Profile::Qbo,
        &states,
        qbo_conn,
        &[],
        &clock,
    )
    .await?;
    assert_eq!(last(&r)?, RunOutcome::Quiet);
    assert_eq!(
        q.customers().len(),
        2,
        "the first connection creates nothing in QBO"
    );
    assert_eq!(firm_qbo.len(), 4, "Bay Bikes imported into the firm");
    println!("   QBO:  Harbour Cafe Ltd linked; Bay Bikes Ltd imported into the firm");
    // No access token was stored: each connection's first call refreshed.
    assert_eq!((xero_tokens.rotations(), qbo_tokens.rotations()), (1, 1));

    // ------------------------------------------------------------------ 3
    println!("3. Killed right after a create was sent, then restarted");
    now += Duration::minutes(10);
    clock.set(now);
    let asked = add_client(
        &db,
        &[&firm_xero, &firm_qbo],
        "K4",
        "Kauri Builders Ltd",
        "office@kauri.test",
    )?;
    let writes = xero_writes(&x);
    {
        let dying = DiesAfterCreate {
            inner: &xero,
            fake: &x,
            died: tokio::sync::Notify::new(),
        };
        let run = sync(
            &firm_xero,
            &dying,
            Profile::XeroGl,
            &states,
            xero_conn,
            &asked,
            &clock,
        );
        tokio::select! {
            r = run => return Err(format!("the run was to die, it ended: {:?}", r.map(|r| last(&r).ok())).into()),
            () = dying.died.notified() => {}
        }
        // The run's future and its driver are dropped here, as a killed
        // process drops them; so is the state store below.
    }
    drop(states);
    assert_eq!(x.contacts().len(), 4, "the create reached Xero");
    let sent = xero_writes(&x) - writes;
    assert_eq!(sent, 2, "sent, answer lost, sent again with its key");
    println!(
        "   Kauri Builders Ltd created in Xero; the answer was lost on the wire, the adapter sent \
         it again with its Idempotency-Key (still one contact); then the process died before \
         the result was saved"
    );
    let states = SqliteStateStore::open(&state_file)?;
    states.migrate()?;
    let restarted = ("firm-1/xero", "worker-2");
    let r = sync(
        &firm_xero,
        &xero,
        Profile::XeroGl,
        &states,
        restarted,
        &[],
        &clock,
    )
    .await?;
    assert_eq!(last(&r)?, RunOutcome::LeaseBusy, "the dead worker's lease");
    let retry_at = r[0].retry_at.ok_or("no retry time")?;
    println!(
        "   restarted (state store reopened from its file) as worker-2: the dead worker's lease \
         holds until {retry_at}; it waits"
    );
    now = retry_at;
    clock.set(now);
    let before = xero_writes(&x);
    let r = sync(
        &firm_xero,
        &xero,
        Profile::XeroGl,
        &states,
        restarted,
        &[],
        &clock,
    )
    .await?;
    assert_eq!(last(&r)?, RunOutcome::Quiet);
    assert_eq!(
        xero_writes(&x) - before,
        1,
        "the create in flight was sent again"
    );
    assert_eq!(x.contacts().len(), 4, "no duplicate in the ledger");
    println!(
        "   the state saved before sending held the create in flight: sent again with its key, \
         Xero answered with the contact made the first time; Xero holds 4 contacts, no duplicate"
    );

    // ------------------------------------------------------------------ 4
    println!("4. Two workers race for one connection");
    now += Duration::minutes(10);
    clock.set(now);
    let asked = add_client(
        &db,
        &[&firm_xero, &firm_qbo],
        "K5",
        "Tui Plumbing Ltd",
        "jobs@tui.test",
    )?;
    let (a, b) = tokio::join!(
        sync(
            &firm_xero,
            &xero,
            Profile::XeroGl,
            &states,
            ("firm-1/xero", "worker-a"),
            &asked,
            &clock
        ),
        sync(
            &firm_xero,
            &xero,
            Profile::XeroGl,
            &states,
            ("firm-1/xero", "worker-b"),
            &asked,
            &clock
        ),
    );
    let (a, b) = (last(&a?)?, last(&b?)?);
    let busy = [a, b]
        .iter()
        .filter(|o| **o == RunOutcome::LeaseBusy)
        .count();
    assert_eq!(busy, 1, "one worker backs off: {a:?} {b:?}");
    assert_eq!(x.contacts().len(), 5, "Tui Plumbing created once");
    println!("   worker-a: {a:?}, worker-b: {b:?}; Tui Plumbing Ltd created once");

    // ------------------------------------------------------------------ 5
    println!("5. An expired access token is refreshed silently");
    now += Duration::minutes(40);
    clock.set(now);
    x.expire_access_tokens();
    let asked = add_client(
        &db,
        &[&firm_xero, &firm_qbo],
        "K6",
        "Moana Surf School",
        "kiaora@moana.test",
    )?;
    let r = sync(
        &firm_xero,
        &xero,
        Profile::XeroGl,
        &states,
        xero_conn,
        &asked,
        &clock,
    )
    .await?;
    assert_eq!(last(&r)?, RunOutcome::Quiet);
    assert_eq!(x.contacts().len(), 6);
    assert_eq!(
        xero_tokens.rotations(),
        2,
        "the rotated refresh token was stored"
    );
    let refused = x.requests().iter().filter(|r| r.status == 401).count();
    assert_eq!(refused, 1);
    println!(
        "   one call answered 401: the token refreshed, the call sent again, the run completed; \
         the rotated refresh token reached the store ({} rotations)",
        xero_tokens.rotations()
    );

    // ------------------------------------------------------------------ 6
    println!("6. A 429 is paced");
    now += Duration::minutes(10);
    clock.set(now);
    x.throttle_next(1, 1);
    let asked = add_client(
        &db,
        &[&firm_xero, &firm_qbo],
        "K7",
        "Pohutukawa Dental",
        "desk@pohutukawa.test",
    )?;
    // The wait is real here (the connection's TokioClock): measure it.
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    let r = sync(
        &firm_xero,
        &xero,
        Profile::XeroGl,
        &states,
        xero_conn,
        &asked,
        &clock,
    )
    .await?;
    let waited = started.elapsed();
    assert_eq!(last(&r)?, RunOutcome::Quiet);
    assert_eq!(x.contacts().len(), 7);
    assert_eq!(x.requests().iter().filter(|r| r.status == 429).count(), 1);
    assert!(
        waited >= std::time::Duration::from_secs(1),
        "Retry-After waited out"
    );
    println!(
        "   429 with Retry-After: 1 s; the connection held its calls back, sent again, and the \
         run completed ({waited:.1?})"
    );

    // ------------------------------------------------------------------ 7
    println!("7. A webhook triggers a change-listing run");
    now += Duration::minutes(10);
    clock.set(now);
    x.advance(std::time::Duration::from_secs(3600));
    let quayside = xero_id_of(&x, "Quayside Bakery")?;
    x.edit_contact(
        &quayside,
        serde_json::json!({"EmailAddress": "orders@quayside.test"}),
    );
    let (url, endpoint) = webhook_endpoint().await?;
    let delivery = x.webhook(WEBHOOK_KEY, &[("CONTACT", "UPDATE", &quayside)]);
    let forged = delivery
        .clone()
        .with_wrong_signature()
        .post_to(&url)
        .await?;
    assert_eq!(forged, 401, "a delivery signed with another key is refused");
    let status = delivery.post_to(&url).await?;
    let events = endpoint.await??;
    assert_eq!(status, 200);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id, quayside);
    println!(
        "   delivery to {url}: a forged signature refused ({forged}); the real one verified, answered {status}, 1 event (contact {quayside})"
    );
    let logged = x.requests().len();
    let r = sync(
        &firm_xero,
        &xero,
        Profile::XeroGl,
        &states,
        xero_conn,
        &[],
        &clock,
    )
    .await?;
    assert!(r.iter().any(|r| r.outcome == RunOutcome::Completed));
    let email = firm_xero
        .get("K2")
        .and_then(|c| c.emails.first().map(|e| e.address.clone()));
    assert_eq!(email.as_deref(), Some("orders@quayside.test"));
    let changes_listed = x.requests()[logged..]
        .iter()
        .any(|r| r.method == "GET" && r.header("if-modified-since").is_some());
    assert!(changes_listed, "a change listing, not a full one");
    println!(
        "   the run listed Xero's changes since its cursor: K2's email is now orders@quayside.test"
    );

    // ------------------------------------------------------------------ QBO
    println!("8. Meanwhile in QBO: the firm's new clients are pushed by contact type");
    let r = sync(
        &firm_qbo,
        &qbo,
        Profile::Qbo,
        &states,
        qbo_conn,
        &[],
        &clock,
    )
    .await?;
    assert_eq!(last(&r)?, RunOutcome::Quiet);
    assert_eq!(q.customers().len(), 6, "K4 to K7 created in QBO");
    println!("   QBO now holds 6 customers: the 4 new clients created, none twice");

    println!("Done: every step checked.");
    Ok(())
}
