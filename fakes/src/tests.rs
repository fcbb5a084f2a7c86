//! The fakes answering hand-written requests, over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// What came back.
pub(crate) struct Got {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Got {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP call to `url`, on a runtime of its own.
pub(crate) fn call(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> Got {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    rt.block_on(async {
        let rest = url.strip_prefix("http://").unwrap();
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let stream = tokio::net::TcpStream::connect(authority).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let mut r = hyper::Request::builder()
            .method(method)
            .uri(if path.is_empty() { "/" } else { path })
            .header("host", authority);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        let answer = sender
            .send_request(r.body(Full::new(Bytes::from(body.to_owned()))).unwrap())
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let headers = answer
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let body = answer.into_body().collect().await.unwrap().to_bytes();
        Got {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    })
}

mod xero {
    use super::*;
    use crate::XeroFake;
    use std::time::Duration;

    fn get(x: &XeroFake, path: &str, extra: &[(&str, &str)]) -> Got {
        let token = format!("Bearer {}", x.access_token());
        let tenant = x.tenant_id();
        let mut h = vec![
            ("authorization", token.as_str()),
            ("xero-tenant-id", tenant.as_str()),
            ("accept", "application/json"),
        ];
        h.extend_from_slice(extra);
        call("GET", &format!("{}/{path}", x.api_base()), &h, "")
    }

    fn send(x: &XeroFake, method: &str, path: &str, extra: &[(&str, &str)], body: &Value) -> Got {
        let token = format!("Bearer {}", x.access_token());
        let tenant = x.tenant_id();
        let mut h = vec![
            ("authorization", token.as_str()),
            ("xero-tenant-id", tenant.as_str()),
            ("accept", "application/json"),
            ("content-type", "application/json"),
        ];
        h.extend_from_slice(extra);
        call(
            method,
            &format!("{}/{path}", x.api_base()),
            &h,
            &body.to_string(),
        )
    }

    #[test]
    fn pages_archived_and_modified_since() {
        let x = XeroFake::start("t-1").unwrap();
        for i in 0..5 {
            x.insert_contact(json!({"Name": format!("C{i}")}));
        }
        let archived = x.insert_contact(json!({"Name": "Gone"}));
        x.archive_contact(&archived);
        let page = get(&x, "Contacts?page=2&pageSize=2&order=ContactID%20ASC", &[]);
        assert_eq!(page.status, 200);
        let body = page.json();
        assert_eq!(
            body["pagination"],
            json!({"page": 2, "pageSize": 2, "pageCount": 3, "itemCount": 5})
        );
        assert_eq!(body["Contacts"][0]["Name"], "C2");
        assert!(body["DateTimeUTC"].as_str().unwrap().starts_with("/Date("));
        assert_eq!(page.header("date"), Some("Sun, 06 Dec 2026 10:00:00 GMT"));
        let all = get(
            &x,
            "Contacts?page=1&pageSize=1000&includeArchived=true",
            &[],
        )
        .json();
        assert_eq!(all["Contacts"].as_array().unwrap().len(), 6);
        assert_eq!(all["Contacts"][0]["Phones"].as_array().unwrap().len(), 4);

        x.advance(Duration::from_secs(3600));
        x.edit_contact(&archived, json!({"EmailAddress": "a@b.example"}));
        let changed = get(
            &x,
            "Contacts?page=1&includeArchived=true",
            &[("if-modified-since", "Sun, 06 Dec 2026 10:30:00 GMT")],
        )
        .json();
        assert_eq!(changed["Contacts"].as_array().unwrap().len(), 1);
        assert_eq!(changed["Contacts"][0]["ContactStatus"], "ARCHIVED");
    }

    #[test]
    fn unique_names_and_idempotent_creates() {
        let x = XeroFake::start("t-1").unwrap();
        x.insert_contact(json!({"Name": "Acme Ltd"}));
        let dup = send(
            &x,
            "PUT",
            "Contacts",
            &[],
            &json!({"Contacts": [{"Name": " acme ltd"}]}),
        );
        assert_eq!(dup.status, 400);
        let body = dup.json();
        assert_eq!(body["ErrorNumber"], 10);
        assert_eq!(body["Type"], "ValidationException");
        assert!(
            body["Elements"][0]["ValidationErrors"][0]["Message"]
                .as_str()
                .unwrap()
                .contains("is already assigned to another contact")
        );

        let first = send(
            &x,
            "PUT",
            "Contacts",
            &[("idempotency-key", "k-1")],
            &json!({"Name": "Beta"}),
        );
        assert_eq!(first.status, 200);
        x.advance(Duration::from_secs(5));
        let again = send(
            &x,
            "PUT",
            "Contacts",
            &[("idempotency-key", "k-1")],
            &json!({"Name": "Beta"}),
        );
        assert_eq!(again.body, first.body);
        assert_eq!(x.contacts().len(), 2);

        let mixed = send(
            &x,
            "PUT",
            "Contacts?summarizeErrors=false",
            &[],
            &json!({"Contacts": [{"Name": "Gamma"}, {"Name": "Beta"}, {"Name": "Delta", "EmailAddress": "nope"}]}),
        )
        .json();
        let statuses: Vec<_> = mixed["Contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["StatusAttributeString"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(statuses, ["OK", "ERROR", "ERROR"]);
        assert_eq!(x.contacts().len(), 3);

        // An archived namesake does not block; restoring it then does.
        let id = first.json()["Contacts"][0]["ContactID"]
            .as_str()
            .unwrap()
            .to_owned();
        x.archive_contact(&id);
        assert_eq!(
            send(&x, "PUT", "Contacts", &[], &json!({"Name": "Beta"})).status,
            200
        );
        let restore = send(
            &x,
            "POST",
            &format!("Contacts/{id}"),
            &[],
            &json!({"ContactStatus": "ACTIVE"}),
        );
        assert_eq!(restore.status, 400);
    }

    #[test]
    fn tenant_expiry_and_throttling() {
        let x = XeroFake::start("t-1").unwrap();
        let token = format!("Bearer {}", x.access_token());
        let other = call(
            "GET",
            &format!("{}/Contacts", x.api_base()),
            &[
                ("authorization", &token),
                ("xero-tenant-id", "t-2"),
                ("accept", "application/json"),
            ],
            "",
        );
        assert_eq!(other.status, 403);
        x.expire_access_tokens();
        let expired = get(&x, "Contacts", &[]);
        assert_eq!(expired.status, 401);
        assert_eq!(expired.json()["Detail"], "AuthenticationUnsuccessful");

        // Refresh: rotation, and a used refresh token refused.
        let (id, secret) = x.client_credentials();
        let form = format!(
            "grant_type=refresh_token&refresh_token={}&client_id={id}&client_secret={secret}",
            x.refresh_token()
        );
        let h = [("content-type", "application/x-www-form-urlencoded")];
        let fresh = call("POST", &x.token_url(), &h, &form).json();
        assert_ne!(fresh["refresh_token"], json!(x.refresh_token()));
        let reused = call("POST", &x.token_url(), &h, &form);
        assert_eq!(
            (reused.status, reused.json()["error"].clone()),
            (400, json!("invalid_grant"))
        );
        let bearer = format!("Bearer {}", fresh["access_token"].as_str().unwrap());
        let ok = call(
            "GET",
            &format!("{}/Organisation", x.api_base()),
            &[
                ("authorization", &bearer),
                ("xero-tenant-id", "t-1"),
                ("accept", "application/json"),
            ],
            "",
        );
        assert_eq!(ok.status, 200);
        x.advance(Duration::from_secs(1801));
        let late = call(
            "GET",
            &format!("{}/Organisation", x.api_base()),
            &[
                ("authorization", &bearer),
                ("xero-tenant-id", "t-1"),
                ("accept", "application/json"),
            ],
            "",
        );
        assert_eq!(late.status, 401);
        let log = x.requests();
        assert!(
            log.iter()
                .all(|r| !format!("{r:?}").contains(&fresh["access_token"].as_str().unwrap()[..]))
        );
        assert!(log.iter().all(|r| !r.body.contains("xero-refresh-0")));
    }

    #[test]
    fn rate_limit_per_minute() {
        let x = XeroFake::start("t-1").unwrap();
        x.set_rate_limit_per_minute(Some(2));
        assert_eq!(get(&x, "Contacts", &[]).status, 200);
        x.advance(Duration::from_secs(20));
        assert_eq!(get(&x, "Contacts", &[]).status, 200);
        let third = get(&x, "Contacts", &[]);
        assert_eq!(third.status, 429);
        assert_eq!(third.header("retry-after"), Some("40"));
        x.advance(Duration::from_secs(40));
        assert_eq!(get(&x, "Contacts", &[]).status, 200);
        x.throttle_next(1, 7);
        assert_eq!(get(&x, "Contacts", &[]).header("retry-after"), Some("7"));
    }

    #[test]
    fn invoices_and_payments() {
        let x = XeroFake::start("t-1").unwrap();
        let c = x.insert_contact(json!({"Name": "Acme"}));
        let inv = send(
            &x,
            "PUT",
            "Invoices",
            &[("idempotency-key", "i-1")],
            &json!({"Invoices": [{
            "Type": "ACCREC", "Contact": {"ContactID": c}, "Date": "2026-12-01", "Status": "AUTHORISED",
            "LineItems": [{"Description": "Fees", "Quantity": 2, "UnitAmount": 50.0}]}]}),
        );
        assert_eq!(inv.status, 200, "{}", inv.body);
        let inv = inv.json()["Invoices"][0].clone();
        assert_eq!(inv["Total"], json!(100.0));
        assert_eq!(inv["InvoiceNumber"], "INV-0001");
        let id = inv["InvoiceID"].as_str().unwrap();
        let too_much = send(
            &x,
            "PUT",
            "Payments",
            &[],
            &json!({"Payments": [{
            "Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Date": "2026-12-02", "Amount": 150}]}),
        );
        assert_eq!(too_much.status, 400);
        let paid = send(
            &x,
            "PUT",
            "Payments",
            &[],
            &json!({"Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Amount": 100}),
        );
        assert_eq!(paid.status, 200);
        let listed = get(
            &x,
            "Invoices?page=1&where=Type%3D%3D%22ACCREC%22&summaryOnly=true",
            &[],
        )
        .json();
        assert_eq!(listed["Invoices"][0]["Status"], "PAID");
        let payments = get(
            &x,
            "Payments?page=1&where=PaymentType%3D%3D%22ACCRECPAYMENT%22",
            &[],
        )
        .json();
        assert_eq!(payments["Payments"].as_array().unwrap().len(), 1);
    }
}
