//! The HTTP adapters' own cost per call against a loopback round trip
//! (issue target: adapter overhead under 5 % of the round trip).
//!
//! A small HTTP/1.1 server on 127.0.0.1 (its own thread and runtime)
//! answers every request with the same Xero contacts page (`PER_PAGE`
//! contacts, written here in Xero's shape). Groups:
//!
//! - `http_adapter/build`: the request built alone (`xero::Calls::list`
//!   and its URL);
//! - `http_adapter/codec`: what the adapter adds besides the exchange —
//!   the request built (`xero::Calls::list`, its URL) and the answer read
//!   (`read_list`), with no I/O;
//! - `http_adapter/loopback`: the exchange alone — reqwest sends the same
//!   request to the server and reads the whole body (no codec, no token,
//!   no pacer);
//! - `http_adapter/exchange`: `Connection::call` with a reader that reads
//!   nothing — token, pacer, semaphore, headers, the exchange, the answer
//!   collected — so `exchange` − `loopback` is the connection's own cost;
//! - `http_adapter/adapter`: `XeroAdapter::list` end to end — token,
//!   pacer, semaphore, headers, exchange, reader.
//!
//! Overhead = `codec` / `loopback`; `adapter` − `loopback` is checked
//! against it (it also holds the pacer, the semaphore and the headers).
//!
//! ```text
//! cargo bench --features http --bench http_adapter
//! ```
//!
//! On the 2-core machine, quiet (10 contacts a page, about 5 KB): `build`
//! 0.53 µs, `codec` 14.7 µs, `loopback` 14.5 µs, `exchange` 15.6–16.2 µs,
//! `adapter` 32.2 µs. So the request built is 3.7 % of a loopback round
//! trip and the connection's own work (token, pacer, semaphore, headers,
//! the answer collected) 8–12 %; reading the page (the codec's decode,
//! 1.5 µs a contact) costs about one loopback round trip. Against a
//! ledger's real round trip (100 ms and more over the internet) all of it
//! is under 0.05 %.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ledgerlink::Profile;
use ledgerlink::http::{Config, Connection, Secret, StaticToken, XeroAdapter};
use ledgerlink::ports::ContactStore;
use ledgerlink::rules::pacing::RateLimits;
use ledgerlink::wire::{Response, xero};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PER_PAGE: usize = 10;
const TENANT: &str = "7d2f1c9e-3b4a-4e5f-9a8b-1c2d3e4f5a6b";

fn page() -> String {
    let mut out = String::from(
        r#"{"Id":"2f4b3a1c-0d9e-4c8b-a7f6-5e4d3c2b1a09","Status":"OK","ProviderName":"Practice sync","DateTimeUTC":"/Date(1765015200000)/","pagination":{"page":1,"pageSize":1000,"pageCount":1,"itemCount":10},"Contacts":["#,
    );
    for i in 0..PER_PAGE {
        if i > 0 {
            out.push(',');
        }
        write!(
            out,
            r#"{{"ContactID":"9b1f2c3d-1111-4a2b-8c3d-{i:012}","ContactStatus":"ACTIVE","Name":"Harbour Joinery {i} Ltd","EmailAddress":"accounts{i}@harbourjoinery.example","Addresses":[{{"AddressType":"STREET"}},{{"AddressType":"POBOX","AddressLine1":"PO Box {i}","City":"Wellington","PostalCode":"6011","Country":"New Zealand"}}],"Phones":[{{"PhoneType":"DEFAULT","PhoneNumber":"555 01{i:02}","PhoneAreaCode":"04"}},{{"PhoneType":"MOBILE"}}],"UpdatedDateUTC":"/Date(1764928800000+0000)/","IsSupplier":false,"IsCustomer":true}}"#
        )
        .unwrap();
    }
    out.push_str("]}");
    out
}

/// Serves `body` to every request, keep-alive, until the process ends.
fn serve(body: String) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let answer = Arc::new(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )
                .into_bytes(),
            );
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    loop {
                        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                            match s.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        // GET requests only: no body follows the head.
                        buf.clear();
                        if s.write_all(&answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

fn bench(c: &mut Criterion) {
    let body = page();
    let base = serve(body.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let calls = xero::Calls::new(TENANT);
    let xero_base = format!("{base}/api.xro/2.0");

    let mut g = c.benchmark_group("http_adapter");
    g.measurement_time(Duration::from_secs(4));
    g.warm_up_time(Duration::from_secs(1));

    g.bench_function("build", |b| {
        b.iter(|| calls.list(None).unwrap().url(&xero_base));
    });

    g.bench_function("codec", |b| {
        b.iter(|| {
            let request = calls.list(None).unwrap();
            let url = request.url(&xero_base);
            let answer =
                Response::new(200, body.as_bytes()).with_header("Content-Type", "application/json");
            let page = calls.read_list(None, &answer).unwrap();
            (url, page)
        });
    });

    let client = reqwest::Client::new();
    let url = calls.list(None).unwrap().url(&xero_base);
    g.bench_function("loopback", |b| {
        b.iter(|| {
            rt.block_on(async {
                let r = client
                    .get(&url)
                    .header("Accept", "application/json")
                    .header("xero-tenant-id", TENANT)
                    .send()
                    .await
                    .unwrap();
                r.bytes().await.unwrap()
            })
        });
    });

    let limits = RateLimits {
        calls_per_window: u32::MAX,
        window_secs: 1,
        ..RateLimits::for_profile(Profile::XeroGl)
    };
    let connection = Arc::new(
        Connection::new(
            Config::new(RateLimits {
                daily_budget: None,
                ..limits
            }),
            Arc::new(StaticToken::new(Secret::new("bench-token".into()))),
        )
        .unwrap(),
    );
    let request = calls.list(None).unwrap();
    g.bench_function("exchange", |b| {
        b.iter(|| {
            rt.block_on(async {
                connection
                    .call(&xero_base, &request, |a| Ok(a.body.len()))
                    .await
                    .unwrap()
            })
        });
    });
    let adapter = XeroAdapter::new(connection, calls.clone()).with_base_url(&xero_base);
    g.bench_function("adapter", |b| {
        b.iter(|| rt.block_on(async { adapter.list(None).await.unwrap() }));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
