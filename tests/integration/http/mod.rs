//! The reference HTTP adapters (feature `http`) against scripted servers
//! on 127.0.0.1: tokens refreshed and rotated, refusals, pacing on a
//! manual clock, bounded retries, writes not retried, batches mapped,
//! secrets redacted.

#[cfg(feature = "sqlite")]
mod firm;
mod server;

use std::sync::Arc;
use std::time::Duration;

use ledgerlink::http::{
    ClientCredentials, Config, Connection, InMemoryKeys, LatestRefreshToken, ManualClock,
    OAuthRefresh, QbTimeAdapter, QboAdapter, Secret, StaticToken, TokenSource, XeroAdapter,
    XpmAdapter,
};
use ledgerlink::model::ContactId;
use ledgerlink::ops::{AdapterError, Backoff};
use ledgerlink::ports::{ContactStore, InvoiceStore, TimeStore};
use ledgerlink::qbtime::{JobcodeId, JobcodeType, NewJobcode};
use ledgerlink::rules::pacing::RateLimits;
use ledgerlink::sync::{FieldValue, SyncField};
use ledgerlink::wire::{qbo, qbtime, xero, xpm};
use ledgerlink::{Contact, Profile};

use crate::support::contacts::patch;
use server::{Reply, Scripted};

const TENANT: &str = "7d2f1c9e-3b4a-4e5f-9a8b-1c2d3e4f5a6b";

/// A Xero contacts page of one contact, as Xero answers it.
const XERO_PAGE: &str = r#"{"Id":"2f4b3a1c-0d9e-4c8b-a7f6-5e4d3c2b1a09","Status":"OK","ProviderName":"Practice sync","DateTimeUTC":"/Date(1765015200000)/","pagination":{"page":1,"pageSize":1000,"pageCount":1,"itemCount":1},"Contacts":[{"ContactID":"9b1f2c3d-1111-4a2b-8c3d-4e5f6a7b8c9d","ContactStatus":"ACTIVE","Name":"Harbour Joinery Ltd","EmailAddress":"accounts@harbourjoinery.example","UpdatedDateUTC":"/Date(1764928800000+0000)/","IsSupplier":false,"IsCustomer":true}]}"#;

/// Xero's answer to a refused access token.
const XERO_401: &str = r#"{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"AuthenticationUnsuccessful","Instance":"1c7a0a8e-5b1d-4a7e-9f0e-3d2c1b0a9f8e","Extensions":{}}"#;

/// One contact written, as Xero answers a create or an update.
const XERO_WRITTEN: &str = r#"{"Id":"8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","Status":"OK","ProviderName":"Practice sync","DateTimeUTC":"/Date(1765015260000)/","Contacts":[{"ContactID":"4c3b2a19-0f8e-4d7c-b6a5-948372615049","ContactStatus":"ACTIVE","Name":"Quayside Bakery","EmailAddress":"hello@quayside.example","UpdatedDateUTC":"/Date(1765015260000+0000)/"}]}"#;

fn manual() -> Arc<ManualClock> {
    Arc::new(ManualClock::new())
}

fn connection(
    config: Config,
    tokens: Arc<dyn TokenSource>,
    clock: &Arc<ManualClock>,
) -> Arc<Connection> {
    Arc::new(
        Connection::new(config, tokens)
            .unwrap()
            .with_clock(clock.clone()),
    )
}

fn static_token(t: &str) -> Arc<dyn TokenSource> {
    Arc::new(StaticToken::new(Secret::new(t.into())))
}

fn xero_at(server: &Scripted, conn: Arc<Connection>) -> XeroAdapter {
    XeroAdapter::new(conn, xero::Calls::new(TENANT))
        .with_base_url(format!("{}/api.xro/2.0", server.base))
}

fn oauth(token_server: &Scripted, store: Arc<LatestRefreshToken>) -> OAuthRefresh {
    OAuthRefresh::new(
        format!("{}/connect/token", token_server.base),
        ClientCredentials::new("CLIENT-7", "client-secret-xyz"),
        Secret::new("refresh-1".into()),
        store,
    )
    .unwrap()
    .with_access_token(Secret::new("access-1".into()))
}

fn token_answer(access: &str, refresh: &str) -> Reply {
    Reply::json(
        200,
        format!(
            r#"{{"id_token":"ey.x","access_token":"{access}","expires_in":1800,"token_type":"Bearer","refresh_token":"{refresh}","scope":"accounting.contacts offline_access"}}"#
        ),
    )
}

#[tokio::test]
async fn a_call_carries_the_codecs_request_the_bearer_token_and_the_user_agent() {
    let api = Scripted::start(vec![Reply::json(200, XERO_PAGE)]).await;
    let clock = manual();
    let config = Config::for_profile(Profile::XeroGl).with_user_agent("acme-practice/2.1");
    let xero = xero_at(&api, connection(config, static_token("tok-A"), &clock));
    let page = xero.list(None).await.unwrap();
    assert_eq!(page.contacts.len(), 1);
    assert_eq!(
        page.contacts[0].display_name.as_deref(),
        Some("Harbour Joinery Ltd")
    );
    let seen = api.seen();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!(r.method, "GET");
    assert_eq!(
        r.target,
        "/api.xro/2.0/Contacts?page=1&pageSize=1000&includeArchived=true&order=ContactID%20ASC"
    );
    assert_eq!(r.header("authorization"), Some("Bearer tok-A"));
    assert_eq!(r.header("user-agent"), Some("acme-practice/2.1"));
    assert_eq!(r.header("xero-tenant-id"), Some(TENANT));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert!(clock.waits().is_empty(), "nothing to wait for");
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_rotated_refresh_token_reaches_the_store() {
    let api = Scripted::start(vec![
        Reply::json(401, XERO_401),
        Reply::json(200, XERO_PAGE),
        Reply::json(401, XERO_401),
        Reply::json(200, XERO_PAGE),
    ])
    .await;
    let tokens = Scripted::start(vec![
        token_answer("access-2", "refresh-2"),
        token_answer("access-3", "refresh-3"),
    ])
    .await;
    let store = Arc::new(LatestRefreshToken::new());
    let source: Arc<dyn TokenSource> = Arc::new(oauth(&tokens, store.clone()));
    let clock = manual();
    let xero = xero_at(
        &api,
        connection(Config::for_profile(Profile::XeroGl), source, &clock),
    );

    xero.list(None).await.unwrap();
    assert_eq!(
        store.latest().map(|s| s.expose().to_owned()).as_deref(),
        Some("refresh-2")
    );
    let seen = api.seen();
    assert_eq!(seen[0].header("authorization"), Some("Bearer access-1"));
    assert_eq!(seen[1].header("authorization"), Some("Bearer access-2"));
    assert_eq!(
        seen[0].target, seen[1].target,
        "the same request, sent again"
    );

    // The grant: refresh token in a form body, the client as HTTP Basic.
    let grant = &tokens.seen()[0];
    assert_eq!(grant.method, "POST");
    assert_eq!(grant.target, "/connect/token");
    assert_eq!(
        grant.body,
        "grant_type=refresh_token&refresh_token=refresh-1"
    );
    assert_eq!(
        grant.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    // base64("CLIENT-7:client-secret-xyz")
    assert_eq!(
        grant.header("authorization"),
        Some("Basic Q0xJRU5ULTc6Y2xpZW50LXNlY3JldC14eXo=")
    );

    // The next expiry refreshes with the rotated token, not the first one.
    xero.list(None).await.unwrap();
    assert_eq!(
        tokens.seen()[1].body,
        "grant_type=refresh_token&refresh_token=refresh-2"
    );
    assert_eq!(store.rotations(), 2);
    assert_eq!(
        api.seen()[3].header("authorization"),
        Some("Bearer access-3")
    );
}

/// At most `concurrent` calls of a connection are in flight: with a limit
/// of 2 and five calls started together, the server holding its answers
/// sees two requests while the other three wait for a place; once answers
/// go, all five complete.
#[tokio::test(flavor = "current_thread")]
async fn calls_in_flight_never_pass_the_concurrency_limit() {
    let api = Scripted::start_gated(vec![Reply::json(200, XERO_PAGE); 5]).await;
    let clock = manual();
    let mut config = Config::for_profile(Profile::XeroGl);
    config.limits.concurrent = Some(2);
    let xero = Arc::new(xero_at(&api, connection(config, static_token("t"), &clock)));
    let calls: Vec<_> = (0..5)
        .map(|_| {
            let x = Arc::clone(&xero);
            tokio::spawn(async move { x.list(None).await })
        })
        .collect();
    // Let every task run to where it waits (a bounded number of turns; the
    // I/O driver runs between them): without the limit all five requests
    // arrive within a few dozen.
    for _ in 0..2_000 {
        if api.seen().len() >= 5 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(
        api.seen().len(),
        2,
        "two in flight, three waiting for a place"
    );
    api.release(5);
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().contacts.len(), 1);
    }
    assert_eq!(api.seen().len(), 5);
}

/// A token whose lifetime the endpoint stated is refreshed a minute
/// before it ends: the call goes out with the new one and meets no 401.
#[tokio::test]
async fn a_token_near_its_stated_expiry_is_refreshed_before_the_call() {
    let api = Scripted::start(vec![
        Reply::json(401, XERO_401),
        Reply::json(200, XERO_PAGE),
        Reply::json(200, XERO_PAGE),
        Reply::json(200, XERO_PAGE),
    ])
    .await;
    let tokens = Scripted::start(vec![
        token_answer("access-2", "refresh-2"),
        token_answer("access-3", "refresh-3"),
    ])
    .await;
    let store = Arc::new(LatestRefreshToken::new());
    let clock = manual();
    let source: Arc<dyn TokenSource> =
        Arc::new(oauth(&tokens, store.clone()).with_clock(clock.clone()));
    let xero = xero_at(
        &api,
        connection(Config::for_profile(Profile::XeroGl), source, &clock),
    );
    // The token given has no stated lifetime: a 401 refreshes it.
    xero.list(None).await.unwrap();
    // access-2 lasts 1,800 s: at 1,700 s it is still used as it is…
    clock.advance(std::time::Duration::from_secs(1_700));
    xero.list(None).await.unwrap();
    // …at 1,750 s (under a minute left) it is refreshed first.
    clock.advance(std::time::Duration::from_secs(50));
    xero.list(None).await.unwrap();
    let bearer: Vec<_> = api
        .seen()
        .iter()
        .map(|r| r.header("authorization").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        bearer,
        [
            "Bearer access-1",
            "Bearer access-2",
            "Bearer access-2",
            "Bearer access-3"
        ]
    );
    assert_eq!(tokens.seen().len(), 2);
    assert_eq!(store.rotations(), 2);
}

#[tokio::test]
async fn a_refused_refresh_is_authentication_and_the_call_is_not_sent_again() {
    let api = Scripted::start(vec![Reply::json(401, XERO_401)]).await;
    let tokens = Scripted::start(vec![Reply::json(400, r#"{"error":"invalid_grant"}"#)]).await;
    let store = Arc::new(LatestRefreshToken::new());
    let clock = manual();
    let xero = xero_at(
        &api,
        connection(
            Config::for_profile(Profile::XeroGl),
            Arc::new(oauth(&tokens, store.clone())),
            &clock,
        ),
    );
    let e = xero.list(None).await.unwrap_err();
    assert!(matches!(e, AdapterError::Authentication { .. }), "{e:?}");
    assert!(!e.to_string().contains("refresh-1") && !e.to_string().contains("client-secret"));
    assert_eq!(api.seen().len(), 1);
    assert_eq!(store.latest(), None);
}

#[tokio::test]
async fn a_token_refused_again_after_a_refresh_is_authentication() {
    let api = Scripted::start(vec![Reply::json(401, XERO_401), Reply::json(401, XERO_401)]).await;
    let tokens = Scripted::start(vec![token_answer("access-2", "refresh-2")]).await;
    let clock = manual();
    let xero = xero_at(
        &api,
        connection(
            Config::for_profile(Profile::XeroGl),
            Arc::new(oauth(&tokens, Arc::new(LatestRefreshToken::new()))),
            &clock,
        ),
    );
    let e = xero.list(None).await.unwrap_err();
    assert!(matches!(e, AdapterError::Authentication { .. }), "{e:?}");
    assert_eq!(api.seen().len(), 2);
    assert_eq!(tokens.seen().len(), 1, "one refresh per call");
}

#[tokio::test]
async fn a_static_token_refused_is_authentication() {
    let api = Scripted::start(vec![Reply::json(401, XERO_401)]).await;
    let clock = manual();
    let xero = xero_at(
        &api,
        connection(
            Config::for_profile(Profile::XeroGl),
            static_token("t"),
            &clock,
        ),
    );
    assert!(matches!(
        xero.list(None).await,
        Err(AdapterError::Authentication { .. })
    ));
}

#[tokio::test]
async fn a_429_is_waited_out_on_the_clock_and_a_long_one_is_answered() {
    let api = Scripted::start(vec![
        Reply::json(429, "").header("Retry-After", "7"),
        Reply::json(200, XERO_PAGE),
        Reply::json(429, "").header("Retry-After", "3600"),
    ])
    .await;
    let clock = manual();
    let xero = xero_at(
        &api,
        connection(
            Config::for_profile(Profile::XeroGl),
            static_token("t"),
            &clock,
        ),
    );
    xero.list(None).await.unwrap();
    assert_eq!(clock.waits(), [Duration::from_secs(7)]);
    assert_eq!(api.seen().len(), 2);

    // An hour is longer than the connection waits itself: the driver
    // records "retry at T" instead.
    let e = xero.list(None).await.unwrap_err();
    assert_eq!(
        e,
        AdapterError::RateLimited {
            retry_after_secs: 3600
        }
    );
    assert_eq!(api.seen().len(), 3);
    // The connection holds its calls back for that hour.
    assert_eq!(clock.waits().len(), 1);
}

#[tokio::test]
async fn calls_are_paced_by_the_limits_on_a_manual_clock() {
    let replies = (0..5).map(|_| Reply::json(200, XERO_PAGE)).collect();
    let api = Scripted::start(replies).await;
    let clock = manual();
    let limits = RateLimits {
        calls_per_window: 2,
        window_secs: 10,
        concurrent: Some(1),
        daily_budget: Some(4),
    };
    let xero = xero_at(
        &api,
        connection(Config::new(limits), static_token("t"), &clock),
    );
    for _ in 0..5 {
        xero.list(None).await.unwrap();
    }
    // Two calls at 0 s, two at 10 s, then the daily budget of 4 holds the
    // fifth until a day after the first.
    assert_eq!(
        clock.waits(),
        [Duration::from_secs(10), Duration::from_secs(24 * 3600 - 10)]
    );
    assert_eq!(api.seen().len(), 5);
}

#[tokio::test]
async fn transient_failures_of_a_read_are_retried_a_bounded_number_of_times_with_jitter() {
    let replies = (0..10)
        .map(|_| Reply::new(503, "<html>Service Unavailable</html>"))
        .collect();
    let api = Scripted::start(replies).await;
    let clock = manual();
    let backoff = Backoff {
        seed: 42,
        ..Backoff::default()
    };
    let config = Config::for_profile(Profile::XeroGl)
        .with_max_retries(2)
        .with_backoff(backoff);
    let xero = xero_at(&api, connection(config, static_token("t"), &clock));
    let e = xero.list(None).await.unwrap_err();
    assert!(matches!(e, AdapterError::Transient { .. }), "{e:?}");
    assert_eq!(api.seen().len(), 3, "the first try and two retries");
    let url = format!(
        "GET {}/api.xro/2.0/Contacts?page=1&pageSize=1000&includeArchived=true&order=ContactID%20ASC",
        api.base
    );
    assert_eq!(
        clock.waits(),
        [backoff.delay(0, &url), backoff.delay(1, &url)]
    );

    // 5xx then success: the read succeeds.
    let api = Scripted::start(vec![
        Reply::new(502, "bad gateway"),
        Reply::json(200, XERO_PAGE),
    ])
    .await;
    let xero = xero_at(
        &api,
        connection(
            Config::for_profile(Profile::XeroGl),
            static_token("t"),
            &clock,
        ),
    );
    assert_eq!(xero.list(None).await.unwrap().contacts.len(), 1);
    assert_eq!(api.seen().len(), 2);
}

#[tokio::test]
async fn an_update_is_never_sent_twice_a_keyed_create_is() {
    let api = Scripted::start(vec![
        Reply::new(503, "busy"),
        Reply::json(200, XERO_WRITTEN),
    ])
    .await;
    let clock = manual();
    let xero = xero_at(
        &api,
        connection(
            Config::for_profile(Profile::XeroGl),
            static_token("t"),
            &clock,
        ),
    );
    let p = patch(
        Profile::XeroGl,
        vec![(
            SyncField::Email,
            Some(FieldValue::Text("hello@quayside.example".into())),
        )],
    );
    let id = ContactId::new("4c3b2a19-0f8e-4d7c-b6a5-948372615049");
    let e = xero.update(&id, &p, None).await.unwrap_err();
    assert!(e.may_have_applied(), "{e:?}");
    assert_eq!(api.seen().len(), 1, "an update is not sent again");
    assert_eq!(api.seen()[0].method, "POST");

    // A create carries its idempotency key: Xero answers a repeat with the
    // first answer, so it may be sent again.
    let api = Scripted::start(vec![
        Reply::new(503, "busy"),
        Reply::json(200, XERO_WRITTEN),
    ])
    .await;
    let xero = xero_at(
        &api,
        connection(
            Config::for_profile(Profile::XeroGl),
            static_token("t"),
            &clock,
        ),
    );
    let made = xero
        .create(
            &Contact::named("", "Quayside Bakery"),
            "ledgerlink:s1:r1:op-1",
        )
        .await
        .unwrap();
    assert_eq!(made.id.as_str(), "4c3b2a19-0f8e-4d7c-b6a5-948372615049");
    let seen = api.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].header("idempotency-key"),
        Some("ledgerlink:s1:r1:op-1")
    );
    assert_eq!(
        seen[1].header("idempotency-key"),
        Some("ledgerlink:s1:r1:op-1")
    );

    // XPM takes no key: its create is not sent again either.
    let api = Scripted::start(vec![Reply::new(503, "busy")]).await;
    let conn = connection(Config::for_profile(Profile::Xpm), static_token("t"), &clock);
    let practice = XpmAdapter::new(conn, xpm::Calls::new(TENANT), Arc::new(InMemoryKeys::new()))
        .with_base_url(&api.base);
    assert!(
        practice
            .create(&Contact::named("", "Quayside Bakery"), "k")
            .await
            .is_err()
    );
    assert_eq!(api.seen().len(), 1);
}

#[tokio::test]
async fn a_xero_batch_maps_each_answer_to_its_item() {
    let answer = r#"{"Id":"0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d","Status":"OK","ProviderName":"Practice sync","DateTimeUTC":"/Date(1765015260000)/","Contacts":[
      {"ContactID":"11111111-2222-4333-8444-555555555555","ContactStatus":"ACTIVE","Name":"Quayside Bakery","UpdatedDateUTC":"/Date(1765015260000+0000)/","HasValidationErrors":false,"StatusAttributeString":"OK"},
      {"ContactID":"00000000-0000-0000-0000-000000000000","Name":"Harbour Joinery Ltd","HasValidationErrors":true,"StatusAttributeString":"ERROR","ValidationErrors":[{"Message":"The contact name Harbour Joinery Ltd is already assigned to another contact. The contact name must be unique across all active contacts."}]},
      {"ContactID":"66666666-7777-4888-9999-000000000000","ContactStatus":"ACTIVE","Name":"Tidewater Dental","UpdatedDateUTC":"/Date(1765015260000+0000)/","HasValidationErrors":false,"StatusAttributeString":"OK"}]}"#;
    let api = Scripted::start(vec![Reply::new(503, "busy"), Reply::json(200, answer)]).await;
    let clock = manual();
    let xero = xero_at(
        &api,
        connection(
            Config::for_profile(Profile::XeroGl),
            static_token("t"),
            &clock,
        ),
    );
    let a = Contact::named("", "Quayside Bakery");
    let b = Contact::named("", "Harbour Joinery Ltd");
    let c = Contact::named("", "Tidewater Dental");
    let results = xero
        .create_contacts(&[(&a, "k-a"), (&b, "k-b"), (&c, "k-c")])
        .await
        .unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(
        results[0].as_ref().unwrap().id.as_str(),
        "11111111-2222-4333-8444-555555555555"
    );
    assert!(
        matches!(&results[1], Err(AdapterError::DuplicateName { .. })),
        "{:?}",
        results[1]
    );
    assert_eq!(
        results[2].as_ref().unwrap().display_name.as_deref(),
        Some("Tidewater Dental")
    );
    let seen = api.seen();
    assert_eq!(
        seen.len(),
        2,
        "a batch carries its key, so a 503 is retried"
    );
    assert_eq!(seen[0].method, "PUT");
    assert!(
        seen[0].target.ends_with("/Contacts?summarizeErrors=false"),
        "{}",
        seen[0].target
    );
    assert_eq!(
        seen[0].header("idempotency-key").map(str::to_owned),
        Some(xero::batch_idempotency_key(&["k-a", "k-b", "k-c"]))
    );
    assert_eq!(seen[0].body, seen[1].body);
}

#[tokio::test]
async fn a_qbo_batch_is_matched_by_bid_whatever_the_order() {
    let answer = r#"{"BatchItemResponse":[
      {"Fault":{"Error":[{"Message":"Duplicate Name Exists Error","Detail":"The name supplied already exists. : Another customer is already using this name. Please use a different name.","code":"6240","element":""}],"type":"ValidationFault"},"bId":"2"},
      {"Customer":{"Id":"312","SyncToken":"0","DisplayName":"Quayside Bakery","Active":true,"MetaData":{"CreateTime":"2026-12-06T02:00:00-08:00","LastUpdatedTime":"2026-12-06T02:00:00-08:00"}},"bId":"1"}],
      "time":"2026-12-06T02:00:01.123-08:00"}"#;
    let api = Scripted::start(vec![Reply::json(200, answer)]).await;
    let clock = manual();
    let conn = connection(Config::for_profile(Profile::Qbo), static_token("t"), &clock);
    let company = QboAdapter::new(conn, qbo::Calls::new("9130")).with_base_url(&api.base);
    let a = Contact::named("", "Quayside Bakery");
    let b = Contact::named("", "Harbour Joinery Ltd");
    let results = company
        .create_customers(&[(&a, "k-a"), (&b, "k-b")])
        .await
        .unwrap();
    assert_eq!(results[0].as_ref().unwrap().id.as_str(), "312");
    assert!(
        matches!(&results[1], Err(AdapterError::DuplicateName { .. })),
        "{:?}",
        results[1]
    );
    let seen = api.seen();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0]
            .target
            .starts_with("/v3/company/9130/batch?requestid="),
        "{}",
        seen[0].target
    );
    assert_eq!(seen[0].header("authorization"), Some("Bearer t"));
}

#[tokio::test]
async fn qbo_ledger_facts_drive_the_codecs_sequence() {
    let api = Scripted::start(vec![
        Reply::json(200, r#"{"QueryResponse":{"Invoice":[{"Id":"130","DocNumber":"1037"}],"startPosition":1,"maxResults":1},"time":"2026-12-06T02:00:00-08:00"}"#),
        Reply::json(200, r#"{"QueryResponse":{"Customer":[{"Id":"58","CurrencyRef":{"value":"USD","name":"United States Dollar"}}],"startPosition":1,"maxResults":1},"time":"2026-12-06T02:00:01-08:00"}"#),
        Reply::json(200, r#"{"Preferences":{"AccountingInfoPrefs":{"BookCloseDate":"2025-12-31"}},"time":"2026-12-06T02:00:02-08:00"}"#),
    ])
    .await;
    let clock = manual();
    let conn = connection(Config::for_profile(Profile::Qbo), static_token("t"), &clock);
    let company = QboAdapter::new(conn, qbo::Calls::new("9130")).with_base_url(&api.base);
    let facts = company.ledger_facts().await.unwrap();
    assert!(facts.doc_numbers.contains("1037"));
    assert_eq!(
        facts.closed_through.map(|d| d.to_string()).as_deref(),
        Some("2025-12-31")
    );
    let targets: Vec<String> = api.seen().into_iter().map(|s| s.target).collect();
    assert_eq!(targets.len(), 3);
    assert!(
        targets[2].starts_with("/v3/company/9130/preferences?minorversion="),
        "{targets:?}"
    );
}

#[tokio::test]
async fn xpm_creates_are_remembered_by_key_and_updates_drive_the_sequence() {
    let api = Scripted::start(vec![
        Reply::new(200, "<Response><Status>OK</Status><Client><UUID>c7f1a2b3</UUID><Name>Quayside Bakery</Name></Client></Response>"),
        Reply::new(200, "<Response><Status>OK</Status><Client><UUID>c7f1a2b3</UUID><Name>Quayside Bakery</Name></Client></Response>"),
        Reply::new(200, "<Response><Status>OK</Status><Client><UUID>c7f1a2b3</UUID><Name>Quayside Bakery</Name><Fax>04 555 0199</Fax></Client></Response>"),
    ])
    .await;
    let clock = manual();
    let keys = Arc::new(InMemoryKeys::new());
    let conn = connection(Config::for_profile(Profile::Xpm), static_token("t"), &clock);
    let practice =
        XpmAdapter::new(conn, xpm::Calls::new(TENANT), keys.clone()).with_base_url(&api.base);
    let bakery = Contact::named("", "Quayside Bakery");
    let first = practice
        .create(&bakery, "ledgerlink:s:r1:op-3")
        .await
        .unwrap();
    let again = practice
        .create(&bakery, "ledgerlink:s:r1:op-3")
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(keys.len(), 1);
    assert_eq!(
        api.seen().len(),
        1,
        "the repeat is answered from the key memory"
    );
    assert_eq!(api.seen()[0].target, "/client.api/add");

    let p = patch(
        Profile::Xpm,
        vec![(
            SyncField::FaxPhone,
            Some(FieldValue::Text("04 555 0199".into())),
        )],
    );
    let stored = practice
        .update(&ContactId::new("c7f1a2b3"), &p, None)
        .await
        .unwrap();
    assert_eq!(stored.phones[0].number, "04 555 0199");
    let seen = api.seen();
    assert_eq!(
        seen[1..]
            .iter()
            .map(|s| (s.method.as_str(), s.target.as_str()))
            .collect::<Vec<_>>(),
        [
            ("GET", "/client.api/get/c7f1a2b3"),
            ("PUT", "/client.api/update")
        ]
    );
}

#[tokio::test]
async fn qbt_jobcode_batches_map_results_and_remember_keys() {
    let answer = r#"{"results":{"jobcodes":{
        "1":{"_status_code":200,"_status_message":"Created","id":17288283,"parent_id":0,"name":"Quayside Bakery","type":"regular","active":true,"connect_with_quickbooks":true,"last_modified":"2026-12-06T10:00:00+00:00"},
        "2":{"_status_code":417,"_status_message":"Expectation Failed","_status_extra":"Oops! That name is already in use","name":"Harbour Joinery Ltd"}}},
        "more":false}"#;
    let api = Scripted::start(vec![Reply::json(200, answer)]).await;
    let clock = manual();
    let keys = Arc::new(InMemoryKeys::new());
    let conn = connection(
        Config::for_profile(Profile::QbTime),
        static_token("t"),
        &clock,
    );
    let account =
        QbTimeAdapter::new(conn, qbtime::Calls::new(), keys.clone()).with_base_url(&api.base);
    let job = |name: &str| NewJobcode {
        parent_id: JobcodeId::TOP_LEVEL,
        name: name.into(),
        kind: JobcodeType::Regular,
        connect_with_quickbooks: true,
    };
    let (a, b) = (job("Quayside Bakery"), job("Harbour Joinery Ltd"));
    let results = account
        .create_jobcodes(&[(&a, "k-a"), (&b, "k-b")])
        .await
        .unwrap();
    assert_eq!(results[0].as_ref().unwrap().id.0, 17_288_283);
    assert!(
        matches!(&results[1], Err(AdapterError::Validation { code: Some(c), .. }) if c == "417")
    );
    assert_eq!(keys.len(), 1);
    // The created one is answered from memory; nothing is sent.
    let again = account.create_jobcode(&a, "k-a").await.unwrap();
    assert_eq!(again.id.0, 17_288_283);
    assert_eq!(api.seen().len(), 1);
    assert_eq!(api.seen()[0].method, "POST");
    assert_eq!(api.seen()[0].target, "/jobcodes");
}

#[tokio::test]
async fn secrets_never_show_in_debug_output() {
    let tokens = Scripted::start(vec![]).await;
    let store = Arc::new(LatestRefreshToken::new());
    let source = oauth(&tokens, store.clone());
    let creds = ClientCredentials::new("CLIENT-7", "client-secret-xyz");
    let grant = ledgerlink::wire::oauth::refresh_request(&creds, &Secret::new("refresh-1".into()));
    let token = StaticToken::new(Secret::new("access-1".into()));
    let clock = manual();
    let conn = connection(
        Config::for_profile(Profile::Qbo),
        Arc::new(oauth(&tokens, store.clone())),
        &clock,
    );
    let company = QboAdapter::new(conn.clone(), qbo::Calls::new("9130"));
    let practice = XpmAdapter::new(
        conn.clone(),
        xpm::Calls::new(TENANT),
        Arc::new(InMemoryKeys::new()),
    );
    ledgerlink::http::RefreshTokenStore::store(store.as_ref(), &Secret::new("refresh-9".into()))
        .await
        .unwrap();
    let shown = format!(
        "{source:?} {creds:?} {grant:?} {token:?} {store:?} {conn:?} {company:?} {practice:?}"
    );
    for secret in [
        "client-secret-xyz",
        "refresh-1",
        "access-1",
        "refresh-9",
        "Basic ",
    ] {
        assert!(!shown.contains(secret), "`{secret}` shown in: {shown}");
    }
    assert!(
        shown.contains("CLIENT-7"),
        "the client id is not a secret: {shown}"
    );
}

#[tokio::test]
async fn calls_refused_together_share_one_refresh() {
    let tokens = Scripted::start(vec![token_answer("access-2", "refresh-2")]).await;
    let store = Arc::new(LatestRefreshToken::new());
    let source = oauth(&tokens, store.clone());
    let rejected = Secret::new("access-1".into());
    let (a, b) = tokio::join!(source.refresh(&rejected), source.refresh(&rejected));
    assert_eq!(a.unwrap().expose(), "access-2");
    assert_eq!(b.unwrap().expose(), "access-2");
    assert_eq!(
        tokens.seen().len(),
        1,
        "the second caller takes the first one's token"
    );
    assert_eq!(store.rotations(), 1);
    assert_eq!(source.access_token().await.unwrap().expose(), "access-2");
}

#[tokio::test]
async fn no_answer_at_all_is_transient_and_retried_for_reads_only() {
    // A port nobody listens on.
    let port = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let clock = manual();
    let config = Config::for_profile(Profile::Qbo).with_max_retries(2);
    let conn = connection(config, static_token("t"), &clock);
    let company = QboAdapter::new(conn, qbo::Calls::new("9130")).with_base_url(&base);
    let e = company.list(None).await.unwrap_err();
    assert!(matches!(e, AdapterError::Transient { .. }), "{e:?}");
    assert_eq!(clock.waits().len(), 2, "two retries, each after a backoff");
    // A keyless write is answered at once.
    let p = patch(
        Profile::Qbo,
        vec![(
            SyncField::Email,
            Some(FieldValue::Text("a@b.example".into())),
        )],
    );
    let version = ledgerlink::model::VersionToken::SyncToken("3".into());
    let e = company
        .update(&ContactId::new("58"), &p, Some(&version))
        .await
        .unwrap_err();
    assert!(matches!(e, AdapterError::Transient { .. }), "{e:?}");
    assert_eq!(clock.waits().len(), 2, "no wait, no retry");
}

#[tokio::test]
async fn the_xero_adapter_runs_under_the_driver_and_refreshes_mid_run() {
    use ledgerlink::driver::Driver;
    use ledgerlink::sync::{ConnectionConfig, SyncState, Trigger};
    use ledgerlink::testing::MemoryStore;

    let api = Scripted::start(vec![
        Reply::json(401, XERO_401),
        Reply::json(200, XERO_PAGE),
    ])
    .await;
    let tokens = Scripted::start(vec![token_answer("access-2", "refresh-2")]).await;
    let store = Arc::new(LatestRefreshToken::new());
    let clock = manual();
    let remote = xero_at(
        &api,
        connection(
            Config::for_profile(Profile::XeroGl),
            Arc::new(oauth(&tokens, store.clone())),
            &clock,
        ),
    );
    let local =
        MemoryStore::local().with_contacts([Contact::organization("K1", "Harbour Joinery Ltd")
            .with_email("accounts@harbourjoinery.example")]);
    let config = ConnectionConfig::new(Profile::XeroGl);
    let driver = Driver::new(&config, &local, &remote);
    let mut state = SyncState::new();
    let report = driver
        .run(
            &mut state,
            &[],
            Trigger::Scheduled,
            crate::support::time::t0(),
        )
        .await
        .unwrap();
    let link = state
        .link_of_remote("9b1f2c3d-1111-4a2b-8c3d-4e5f6a7b8c9d")
        .unwrap_or_else(|| panic!("{report:#?}"));
    assert_eq!(link.local_id.as_str(), "K1");
    assert_eq!(
        store.latest().map(|s| s.expose().to_owned()).as_deref(),
        Some("refresh-2")
    );
    assert_eq!(api.seen()[0].method, "GET");
}
